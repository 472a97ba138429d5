//! Front-ends: each maps one language's syntax to the model, nothing else.

pub mod lua_file;
pub mod redis_cli;
pub mod yaml_schema;

use std::path::Path;

/// The languages slotlint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// `*.redis`, `*.redis-cli`: one command per line.
    RedisCli,
    /// A YAML key schema.
    Schema,
    /// A standalone Lua script.
    Lua,
}

impl Language {
    /// The language of a file by its name; YAML files are schemas only when
    /// given as such, so they are not picked here.
    pub fn from_path(path: &Path) -> Option<Language> {
        let ext = path.extension()?.to_str()?;
        match ext.to_ascii_lowercase().as_str() {
            "redis" | "redis-cli" => Some(Language::RedisCli),
            "lua" => Some(Language::Lua),
            _ => None,
        }
    }

    /// Comment leaders of the language (for suppressions).
    pub fn comment_prefixes(self) -> &'static [&'static str] {
        match self {
            Language::RedisCli | Language::Schema => &["#"],
            Language::Lua => &["--"],
        }
    }
}

/// A problem a front-end met that does not stop the run (a line it could not
/// read, a construct it skips), with the byte span it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: crate::model::Span,
    pub message: String,
}
