//! JavaScript's part of the shared value type: what only JavaScript code has
//! (the Redis libraries a module exports, a cluster's node list, function
//! values) and its lexicon; `.replace()` of a template placeholder.

use std::path::PathBuf;

use crate::keypattern::{KeyPattern, Segment};
use crate::lang::value::{Ext, Lexicon};
pub(crate) use crate::lang::value::{Literal, Opaque};

/// What a JavaScript expression evaluates to.
pub(crate) type Val = crate::lang::value::Val<Js>;
/// An array element or call argument with where it is written.
pub(crate) type Elem = crate::lang::value::Elem<Js>;

/// What a Redis module export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lib {
    /// `require('ioredis')`, the `Redis` class.
    IoRedis,
    /// `Redis.Cluster`, `import { Cluster } from 'ioredis'`.
    IoCluster,
    /// `require('redis')` / `@redis/client` as a namespace.
    NodeRedis,
    /// node-redis `createClient`.
    CreateClient,
    /// node-redis `createCluster`.
    CreateCluster,
    /// One of several single-node client libraries (`require(m)` for each
    /// `m` of `['redis', 'ioredis']`).
    Standalone,
}

/// Values only JavaScript code has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Js {
    /// A Redis library or one of its exports.
    Lib(Lib),
    /// `cluster.nodes()`: single-node clients, one per node.
    Nodes(usize),
    /// A function value (arrow, function expression, method) by its node id.
    Func(usize),
    /// A module of the project (`require('./keys')`, `import * as k`): its index.
    Module(usize),
    /// A class (or constructor function) of the project: its index.
    Class(usize),
    /// An instance of a class of the project (`this` in its methods).
    Instance(usize),
    /// The digest a `SCRIPT LOAD` answers: the script's text when known,
    /// and whether that text is a file of its own.
    Sha(Option<Box<Literal>>, bool),
    /// The text of a file the code reads (a `.lua` script), placed at the read.
    File(Box<Literal>),
    /// A file system path (`__dirname`, `path.join(__dirname, 'x.lua')`).
    Path(PathBuf),
    /// The names of the files of a directory (`fs.readdirSync(dir)`).
    Dir(PathBuf),
    /// One of a few literal strings (an element of a literal array being iterated).
    OneOf(Vec<Vec<u8>>),
}

impl Ext for Js {
    const LEXICON: &'static Lexicon = &Lexicon {
        ident: |c| c.is_alphanumeric() || c == '_' || c == '$',
        separators: &['.'],
        bools: ["false", "true"],
    };
}

/// Replaces the first literal occurrence of `needle` with `with` (`.replace()`
/// of a template placeholder); `None` when the literal text lacks it.
pub(crate) fn replace_literal(
    p: &KeyPattern,
    needle: &[u8],
    with: &KeyPattern,
) -> Option<KeyPattern> {
    if needle.is_empty() {
        return None;
    }
    let mut out = KeyPattern::default();
    let mut done = false;
    for seg in p.segments() {
        match seg {
            Segment::Lit(b) if !done => {
                if let Some(at) = b.windows(needle.len()).position(|w| w == needle) {
                    out.push(Segment::Lit(b[..at].to_vec()));
                    out.extend(with);
                    out.push(Segment::Lit(b[at + needle.len()..].to_vec()));
                    done = true;
                } else {
                    out.push(seg.clone());
                }
            }
            other => out.push(other.clone()),
        }
    }
    done.then_some(out)
}
