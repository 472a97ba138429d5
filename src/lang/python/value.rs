//! Python's part of the shared value type: what only Python code has (`self`,
//! names imported from redis, `register_script` objects) and its lexicon.

use crate::lang::value::{Ext, Lexicon};
pub(crate) use crate::lang::value::{Literal, Opaque};
use crate::model::Span;

/// What a Python expression evaluates to.
pub(crate) type Val = crate::lang::value::Val<Py>;
/// A list element or call argument with where it is written.
pub(crate) type Elem = crate::lang::value::Elem<Py>;

/// Values only Python code has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Py {
    /// `register_script(...)` result: the script text when known, where it
    /// is, and whether it is a file of its own (linted there).
    Script(Option<Box<Literal>>, Span, bool),
    /// `self` / `cls` inside a class.
    SelfRef,
    /// A module or class imported from redis (`redis`, `redis.cluster.RedisCluster`).
    RedisName(String),
    /// A module of the project: index into the analysis' modules.
    Module(usize),
    /// A function of a module, by name.
    Func(usize, String),
    /// A class of the project.
    Class(super::ClassRef),
    /// An instance of a class of the project.
    Instance(super::ClassRef),
    /// `script_load(text)`: the digest of a script, and its text when known.
    Sha(Option<Box<Literal>>, Span, bool),
    /// A path on disk (`__file__`, `os.path.join(…)`, `Path(…) / "x.lua"`).
    Path(std::path::PathBuf),
    /// `open(path)`: a file to read.
    Open(std::path::PathBuf),
    /// The text of a file the code reads (a `.lua` script of the package),
    /// placed at the call that reads it.
    FileText(Box<Literal>),
}

impl Ext for Py {
    const LEXICON: &'static Lexicon = &Lexicon {
        ident: |c| c.is_alphanumeric() || c == '_',
        separators: &['.'],
        bools: ["False", "True"],
    };
}

/// A configurable prefix or a whole key interpolated into another may carry
/// its own hash tag.
pub(crate) fn is_prefixish(name: &str) -> bool {
    crate::lang::value::is_prefixish::<Py>(name)
}
