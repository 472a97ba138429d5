//! Front-ends: each maps one language's syntax to the model, nothing else.
//!
//! Every front-end is one row of [`FRONT_ENDS`]: its name, the files it
//! reads, its editor language ids, its comment syntax, the cheap prefilter
//! run before parsing and the parse function. Everything that needs to know
//! the languages (discovery, the language server, suppressions, the tests)
//! reads that table.

pub(crate) mod builder;
pub(crate) mod fields;
pub(crate) mod holes;
pub mod js;
pub mod lua;
pub mod lua_file;
pub(crate) mod modules;
mod output;
pub mod python;
pub mod redis_cli;
pub mod rust;
pub(crate) mod value;
pub(crate) mod walk;
pub mod yaml_schema;

use std::path::Path;

pub use output::{Output, Problem};

use crate::project::Project;
use crate::source::SourceFile;

/// The front-ends, one row each (JavaScript has one per grammar).
pub const FRONT_ENDS: &[&FrontEnd] = &[
    &redis_cli::FRONT_END,
    &yaml_schema::FRONT_END,
    &lua_file::FRONT_END,
    &python::FRONT_END,
    &js::JAVASCRIPT,
    &js::TYPESCRIPT,
    &js::TSX,
    &rust::FRONT_END,
];

/// One front-end: what it reads and how.
#[derive(Debug)]
pub struct FrontEnd {
    /// Its name in messages and tests (`python`).
    pub name: &'static str,
    /// File extensions it reads, lowercase, without the dot.
    pub extensions: &'static [&'static str],
    /// File-name endings, lowercase, that it reads whatever other front-end
    /// claims the extension (`.keys.yaml`).
    pub suffixes: &'static [&'static str],
    /// Editor language ids (the Language Server Protocol's `languageId`).
    pub editor_ids: &'static [&'static str],
    /// Info strings of fenced code blocks in the rule docs (```` ```python ````).
    pub fences: &'static [&'static str],
    /// How the language writes comments (suppressions read them).
    pub comments: CommentSyntax,
    /// The cheap test run before parsing: `false` when the text has no
    /// Redis-looking token, so the front-end cannot find anything and the
    /// file is skipped. Permissive: when in doubt, `true`.
    pub prefilter: fn(&[u8]) -> bool,
    /// The model of a file, or a user error that stops the run with exit
    /// code 2 (a broken schema: the full `path:line:col: message` text).
    /// Never panics, whatever the bytes.
    /// Imports are followed into the files of `project`.
    pub parse: fn(&SourceFile, &Project) -> Result<Output, String>,
    /// For an editor, a tree-sitter front-end parses again only what
    /// changed: given the tree of the text before its latest edits (already
    /// told of them), [`Self::parse`] that also gives the new tree.
    pub reparse: Option<Reparse>,
}

/// See [`FrontEnd::reparse`].
pub type Reparse =
    fn(&SourceFile, &Project, Option<&tree_sitter::Tree>) -> (Output, Option<tree_sitter::Tree>);

/// How a language writes comments and strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentSyntax {
    /// redis-cli: only whole lines whose first non-blank byte is `#`.
    RedisCli,
    /// YAML: `#` at a line start or after a blank, outside quoted and block scalars.
    Yaml,
    /// Lua: `--` line comments, `--[[ ]]` long comments, long strings `[[ ]]`.
    Lua,
    /// Code with line comments `leaders` anywhere outside strings: `"`, `'`
    /// (one line each), triple quotes (Python), backquotes and `/* */` when
    /// the leader is `//` (C-like languages).
    Code(&'static [&'static str]),
}

impl CommentSyntax {
    /// The line-comment leaders.
    pub fn leaders(self) -> &'static [&'static str] {
        match self {
            CommentSyntax::RedisCli | CommentSyntax::Yaml => &["#"],
            CommentSyntax::Lua => &["--"],
            CommentSyntax::Code(leaders) => leaders,
        }
    }
}

/// A language slotlint reads: a row of [`FRONT_ENDS`].
#[derive(Clone, Copy)]
pub struct Language(&'static FrontEnd);

impl PartialEq for Language {
    fn eq(&self, other: &Language) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Language {}

impl std::hash::Hash for Language {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Language {
    /// redis-cli command files.
    pub const REDIS_CLI: Language = Language(&redis_cli::FRONT_END);
    /// YAML key schemas.
    pub const SCHEMA: Language = Language(&yaml_schema::FRONT_END);
    /// Standalone Lua scripts.
    pub const LUA: Language = Language(&lua_file::FRONT_END);
    /// Python.
    pub const PYTHON: Language = Language(&python::FRONT_END);

    /// The language of a front-end row.
    pub const fn of(front_end: &'static FrontEnd) -> Language {
        Language(front_end)
    }

    /// The front-end that reads it.
    pub fn front_end(self) -> &'static FrontEnd {
        self.0
    }

    /// Its name (`python`).
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The language of a file found while walking, by its name: a suffix
    /// (`*.keys.yaml`) first, then the extension. Other YAML is not ours. A
    /// name that is not UTF-8 is read as shown (its odd bytes as U+FFFD).
    pub fn from_path(path: &Path) -> Option<Language> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if let Some(fe) = FRONT_ENDS
            .iter()
            .find(|fe| fe.suffixes.iter().any(|s| name.ends_with(s)))
        {
            return Some(Language(fe));
        }
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        FRONT_ENDS
            .iter()
            .find(|fe| fe.extensions.contains(&ext.as_str()))
            .map(|fe| Language(fe))
    }

    /// The language of an editor's language id (`python`, `typescriptreact`).
    pub fn from_editor_id(id: &str) -> Option<Language> {
        FRONT_ENDS
            .iter()
            .find(|fe| fe.editor_ids.contains(&id))
            .map(|fe| Language(fe))
    }

    /// The language of a rule-doc code fence (`python`, `redis`).
    pub fn from_fence(fence: &str) -> Option<Language> {
        FRONT_ENDS
            .iter()
            .find(|fe| fe.fences.contains(&fence))
            .map(|fe| Language(fe))
    }

    /// A file name this language is read from (`example.py`, `example.keys.yaml`).
    pub fn file_name(self, stem: &str) -> String {
        match (self.0.suffixes.first(), self.0.extensions.first()) {
            (Some(suffix), _) => format!("{stem}{suffix}"),
            (None, Some(ext)) => format!("{stem}.{ext}"),
            (None, None) => stem.to_string(),
        }
    }

    /// The cheap test run before parsing (see [`FrontEnd::prefilter`]).
    pub fn prefilter(self, text: &[u8]) -> bool {
        (self.0.prefilter)(text)
    }

    /// How the language writes comments.
    pub fn comment_syntax(self) -> CommentSyntax {
        self.0.comments
    }

    /// Comment leaders of the language (for suppressions).
    pub fn comment_prefixes(self) -> &'static [&'static str] {
        self.0.comments.leaders()
    }
}

/// A prefilter that lets every file through.
pub(crate) fn always(_: &[u8]) -> bool {
    true
}
