//! Front-ends: each maps one language's syntax to the model, nothing else.

pub(crate) mod holes;
pub mod js;
pub mod lua_file;
pub mod python;
pub mod redis_cli;
pub mod rust;
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
    /// Python source (redis-py and friends).
    Python,
    /// JavaScript or TypeScript (ioredis, node-redis).
    Js(js::Dialect),
    /// Rust source (redis-rs, fred).
    Rust,
}

impl Language {
    /// The language of a file found while walking, by its name:
    /// `*.keys.yaml`/`*.keys.yml` are key schemas; other YAML is not ours.
    pub fn from_path(path: &Path) -> Option<Language> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".keys.yaml") || name.ends_with(".keys.yml") {
            return Some(Language::Schema);
        }
        let ext = path.extension()?.to_str()?;
        match ext.to_ascii_lowercase().as_str() {
            "redis" | "redis-cli" => Some(Language::RedisCli),
            "lua" => Some(Language::Lua),
            "py" | "pyi" => Some(Language::Python),
            "rs" => Some(Language::Rust),
            other => js::Dialect::from_extension(other).map(Language::Js),
        }
    }

    /// The cheap test run before parsing: `false` when the text has no
    /// Redis-looking token, so the front-end cannot find anything and the
    /// file is skipped. Permissive: when in doubt, `true`. redis-cli and
    /// schema files always count; a front-end adds its tokens here (its
    /// clients' call names, imports), or keeps the default `true`.
    pub fn prefilter(self, text: &[u8]) -> bool {
        static LUA: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new("redis|server").expect("valid regex")
        });
        // Python: redis-py imports and clients (`redis`, `RedisCluster`,
        // `aioredis`, `self.redis`) or the receivers the front-end takes for
        // a client whatever the imports (`r.`, `rc.`, `rds.`; see
        // `python::clients::is_redisish_name`).
        static PYTHON: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new("(?i:redis)").expect("valid regex")
        });
        // JavaScript: the client libraries and their calls.
        static JS: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new(r"(?i:redis)|[Cc]luster|\.pipeline\(|\.multi\(")
                .expect("valid regex")
        });
        // Rust: redis-rs and fred paths, builders and query calls.
        static RUST: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new(r"(?i:redis)|fred|\.query(?:_async)?\b|Script::new|pipe\(\)")
                .expect("valid regex")
        });
        match self {
            // `redis.call`/`server.call` (Valkey) and friends; `lua_file`
            // gives an empty model without them.
            Language::Lua => LUA.is_match(text),
            Language::Python => PYTHON.is_match(text) || has_short_receiver(text),
            Language::Js(_) => JS.is_match(text),
            Language::Rust => RUST.is_match(text),
            // redis-cli and schema files, and any language without its own test.
            _ => true,
        }
    }

    /// Comment leaders of the language (for suppressions).
    pub fn comment_prefixes(self) -> &'static [&'static str] {
        match self {
            Language::RedisCli | Language::Schema | Language::Python => &["#"],
            Language::Lua => &["--"],
            Language::Js(_) | Language::Rust => &["//"],
        }
    }
}

/// Whether a call goes through `r.`, `rc.` or `rds.` (spaces allowed before
/// the dot): ten times faster than the same test as a regex, whose literal
/// `r` matches everywhere.
fn has_short_receiver(text: &[u8]) -> bool {
    memchr::memchr_iter(b'.', text).any(|dot| {
        let before = text[..dot].trim_ascii_end();
        let start = before
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .map_or(0, |i| i + 1);
        matches!(&before[start..], b"r" | b"rc" | b"rds")
    })
}

/// A problem a front-end met that does not stop the run (a line it could not
/// read, a construct it skips), with the byte span it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: crate::model::Span,
    pub message: String,
}
