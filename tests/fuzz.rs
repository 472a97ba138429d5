//! Fuzz targets, one per front-end and one for the config: a generator that
//! starts from the fixtures of the language and mutates them with the
//! grammar's own tokens (brackets left open, deep runs of one token, strings
//! cut, byte order marks, stray bytes, lines spliced from other fixtures),
//! then runs the whole pipeline: front-end, rules, suppressions, the
//! config's levels and every output format.
//!
//! The property: no panic and no internal error, every span inside the
//! text, every format written. A short run is part of the test suite
//! (`SLOTLINT_FUZZ_CASES`, default 48 per target); `scripts/fuzz` runs the
//! same targets longer in release mode. A failure prints the input that
//! caused it, shrunk.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{
    Config as RunnerConfig, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner,
};

use slotlint::analysis;
use slotlint::config::Config;
use slotlint::lang::{Language, FRONT_ENDS};
use slotlint::report::{self, Format, Located};
use slotlint::source::SourceFile;

/// Where each input is written before it is checked, with
/// `SLOTLINT_FUZZ_KEEP=DIR` (as `scripts/fuzz` sets it): after an abort or a
/// hang, `DIR/<target>.last` is the input that caused it.
fn keep_path(target: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SLOTLINT_FUZZ_KEEP")?;
    std::fs::create_dir_all(&dir).ok()?;
    Some(Path::new(&dir).join(format!("{target}.last")))
}

/// A runner of `cases` cases whose inputs follow from `SLOTLINT_FUZZ_SEED`
/// (default 1: the test suite runs the same inputs every time) and the
/// target's name.
fn runner(target: &str, cases: u32) -> TestRunner {
    let seed: u64 = std::env::var("SLOTLINT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    for (i, b) in target.bytes().enumerate() {
        bytes[8 + i % 24] ^= b;
    }
    let config = RunnerConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..RunnerConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Cases per target, from `SLOTLINT_FUZZ_CASES`.
fn cases() -> u32 {
    std::env::var("SLOTLINT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48)
}

const REDIS_CLI: &[&str] = &[
    "MULTI\n",
    "EXEC\n",
    "DISCARD\n",
    "WATCH ",
    "EVAL ",
    "EVALSHA ",
    "FCALL ",
    "MGET ",
    "\"",
    "'",
    "\\x",
    "\\",
    "{",
    "}",
    " 2 ",
    " 0 ",
    " -1 ",
    "\n",
    "#",
    "3 ",
    "redis.call(",
    ")",
];
const LUA: &[&str] = &[
    "redis.call(",
    "redis.pcall(",
    "server.call(",
    "KEYS[",
    "ARGV[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "[[",
    "]]",
    "[==[",
    "--",
    "--[[",
    "\"",
    "'",
    "\\",
    "..",
    "local ",
    "function ",
    " end ",
    " do ",
    " if ",
    " then ",
    " for ",
    " in ",
    "=",
    ",",
    "...",
    "unpack(",
    "string.format(",
    "#",
    "\n",
];
const KEY_SCHEMA: &[&str] = &[
    "keys:",
    "transactions:",
    "topology:",
    "nodes:",
    "pattern:",
    "type:",
    "qps:",
    "cardinality:",
    "{",
    "}",
    "[",
    "]",
    "\"{user:<id>}:x\"",
    "<id>",
    ": ",
    "- ",
    "\n  ",
    "\n",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "!!str ",
    "#",
    "'",
    "\"",
];
const PYTHON: &[&str] = &[
    "redis.RedisCluster()",
    "r.mget(",
    "r.pipeline(",
    ".execute()",
    "f\"",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "\"\"\"",
    "%s",
    " % ",
    ".format(",
    "def ",
    "class ",
    "lambda ",
    ":\n    ",
    "\n",
    "#",
    "\\",
    "async ",
    "await ",
];
const JS: &[&str] = &[
    "new Redis.Cluster([])",
    "r.mget(",
    ".pipeline()",
    ".multi()",
    ".exec()",
    "`",
    "${",
    "}",
    "{",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "=>",
    "function ",
    "class ",
    "const ",
    "/*",
    "*/",
    "//",
    "\n",
    "<a>",
    "</a>",
    "as any",
    "?.",
];
const RUST: &[&str] = &[
    "redis::cmd(\"MGET\")",
    ".arg(",
    ".query(c)",
    "redis::pipe()",
    ".atomic()",
    "format!(",
    "concat!(",
    "\"",
    "r#\"",
    "\"#",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "'a",
    "fn ",
    "let ",
    "impl ",
    "::",
    ";",
    "//",
    "/*",
    "*/",
    "\n",
    "?",
    ".await",
];

/// Tokens that matter to each grammar, spliced into the seeds.
fn tokens(front_end: &str) -> &'static [&'static str] {
    match front_end {
        "redis-cli" => REDIS_CLI,
        "lua" => LUA,
        "key-schema" => KEY_SCHEMA,
        "python" => PYTHON,
        "javascript" | "typescript" | "tsx" => JS,
        "rust" => RUST,
        _ => &["\n", "{", "}", "(", ")", "\""],
    }
}

/// The fixtures a front-end reads, as seeds.
fn seeds(language: Language) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if Language::from_path(&path).is_some_and(|l| same_syntax(l, language)) {
                out.push(std::fs::read(&path).unwrap());
            }
        }
    }
    out.sort();
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}

/// Whether fixtures of `other` seed `language`: its own, and those of the
/// other grammars of one family (TSX has no fixtures of its own).
fn same_syntax(other: Language, language: Language) -> bool {
    let family = |l: Language| match l.name() {
        "javascript" | "typescript" | "tsx" => "js",
        name => name,
    };
    other == language || (language.name() == "tsx" && family(other) == "js")
}

/// One change to a text.
#[derive(Debug, Clone)]
enum Edit {
    /// Insert a grammar token at a position (a fraction of the length).
    Token(usize, u16),
    /// Insert a token repeated many times: deep nesting, long runs.
    Run(usize, u16, u16),
    /// Delete a range.
    Delete(usize, usize),
    /// Copy a range elsewhere.
    Copy(usize, usize, usize),
    /// Insert raw bytes.
    Bytes(usize, Vec<u8>),
    /// Insert a line of another seed.
    Splice(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<u16>()).prop_map(|(a, t)| Edit::Token(a, t)),
        1 => (any::<usize>(), any::<u16>(), 1u16..2000).prop_map(|(a, t, n)| Edit::Run(a, t, n)),
        2 => (any::<usize>(), 0usize..64).prop_map(|(a, n)| Edit::Delete(a, n)),
        1 => (any::<usize>(), 0usize..200, any::<usize>()).prop_map(|(a, n, b)| Edit::Copy(a, n, b)),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(a, b)| Edit::Bytes(a, b)),
        2 => (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(a, s, l)| Edit::Splice(a, s, l)),
    ]
}

/// A seed with its edits applied; a byte order mark in front, sometimes.
fn mutate(seeds: &[Vec<u8>], tokens: &[&str], seed: usize, edits: &[Edit], bom: u8) -> Vec<u8> {
    let mut text = seeds[seed % seeds.len()].clone();
    let at = |text: &Vec<u8>, a: usize| a % (text.len() + 1);
    for e in edits {
        match e {
            Edit::Token(a, t) => {
                let token = tokens[usize::from(*t) % tokens.len()].as_bytes();
                let a = at(&text, *a);
                text.splice(a..a, token.iter().copied());
            }
            Edit::Run(a, t, n) => {
                let token = tokens[usize::from(*t) % tokens.len()].as_bytes();
                let a = at(&text, *a);
                text.splice(a..a, token.repeat(usize::from(*n)));
            }
            Edit::Delete(a, n) => {
                let a = at(&text, *a);
                let end = (a + n).min(text.len());
                text.drain(a..end);
            }
            Edit::Copy(a, n, b) => {
                let a = at(&text, *a);
                let piece = text[a..(a + n).min(text.len())].to_vec();
                let b = at(&text, *b);
                text.splice(b..b, piece);
            }
            Edit::Bytes(a, bytes) => {
                let a = at(&text, *a);
                text.splice(a..a, bytes.iter().copied());
            }
            Edit::Splice(a, s, l) => {
                let other = &seeds[s % seeds.len()];
                let lines: Vec<&[u8]> = other.split(|&b| b == b'\n').collect();
                let line = lines[l % lines.len()];
                let a = at(&text, *a);
                text.splice(a..a, line.iter().copied().chain([b'\n']));
            }
        }
    }
    match bom % 8 {
        0 => [b"\xef\xbb\xbf".as_slice(), &text].concat(),
        1 => {
            let decoded = String::from_utf8_lossy(&text).into_owned();
            let mut out = vec![0xff, 0xfe];
            out.extend(decoded.encode_utf16().flat_map(u16::to_le_bytes));
            out
        }
        _ => text,
    }
}

/// How long one input may take before it counts as slow.
const BUDGET: Duration = Duration::from_secs(10);

/// The whole pipeline on one text: no panic, no internal error, spans in
/// bounds, every format written. `false` when the text took longer than
/// [`BUDGET`] (the analysis is stopped and the input counted as slow).
fn check_text(language: Language, name: &str, bytes: Vec<u8>, config: &Arc<Config>) -> bool {
    let options = Arc::new(config.run_options(&[]));
    let file = SourceFile::new(name, bytes);
    let project = Arc::new(slotlint::project::Project::new());
    let Some((file, result)) =
        analysis::lint_within(file, language, config, &options, &project, BUDGET)
    else {
        return false;
    };
    let len = file.text.len();
    for p in &result.problems {
        assert!(
            !p.message.contains("internal error"),
            "{}: {}",
            language.name(),
            p.message
        );
        assert!(p.span.start <= p.span.end && p.span.end <= len, "{p:?}");
    }
    for f in &result.findings {
        for span in std::iter::once(f.span).chain(f.labels.iter().map(|l| l.span)) {
            assert!(span.start <= span.end && span.end <= len, "{f:?}");
        }
    }
    let items: Vec<Located<'_>> = result
        .findings
        .iter()
        .map(|finding| Located {
            file: &file,
            finding,
        })
        .collect();
    for format in [
        Format::Human,
        Format::Gcc,
        Format::Json,
        Format::JsonLines,
        Format::Sarif,
        Format::Github,
    ] {
        let mut out = Vec::new();
        report::render(format, &items, false, &mut out).expect("every format is written");
    }
    true
}

// The case counts are the report `scripts/fuzz` prints.
#[allow(clippy::print_stdout)]
fn fuzz_front_end(name: &str) {
    let fe = FRONT_ENDS
        .iter()
        .find(|fe| fe.name == name)
        .expect("a front-end");
    let language = Language::of(fe);
    let seeds = seeds(language);
    let tokens = tokens(name);
    let file_name = language.file_name("fuzz");
    let config = Arc::new(Config::default());
    let mut runner = runner(name, cases());
    let strategy = (
        any::<usize>(),
        proptest::collection::vec(edit(), 0..12),
        any::<u8>(),
    );
    let keep = keep_path(name);
    let slow = std::cell::Cell::new(0);
    let result = runner.run(&strategy, |(seed, edits, bom)| {
        let text = mutate(&seeds, tokens, seed, &edits, bom);
        if let Some(path) = &keep {
            std::fs::write(path, &text).expect("keep the input");
        }
        if !check_text(language, &file_name, text.clone(), &config) {
            slow.set(slow.get() + 1);
            if let Some(path) = &keep {
                let kept = path.with_extension(format!("slow-{}", slow.get()));
                std::fs::write(kept, &text).expect("keep the slow input");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    println!(
        "fuzz {name}: {} cases, {} seeds: ok; {} over the {BUDGET:?} budget",
        cases(),
        seeds.len(),
        slow.get()
    );
}

#[test]
fn fuzz_redis_cli() {
    fuzz_front_end("redis-cli");
}

#[test]
fn fuzz_lua() {
    fuzz_front_end("lua");
}

#[test]
fn fuzz_key_schema() {
    fuzz_front_end("key-schema");
}

#[test]
fn fuzz_python() {
    fuzz_front_end("python");
}

#[test]
fn fuzz_javascript() {
    fuzz_front_end("javascript");
}

#[test]
fn fuzz_typescript() {
    fuzz_front_end("typescript");
}

#[test]
fn fuzz_tsx() {
    fuzz_front_end("tsx");
}

#[test]
fn fuzz_rust() {
    fuzz_front_end("rust");
}

/// Every front-end has a target above.
#[test]
fn every_front_end_is_fuzzed() {
    let source = include_str!("fuzz.rs");
    for fe in FRONT_ENDS {
        assert!(
            source.contains(&format!("fuzz_front_end(\"{}\")", fe.name)),
            "no fuzz target for {}",
            fe.name
        );
    }
}

/// The config: known keys with values of every shape, repeated keys,
/// extra documents, bad globs. Read or refused with `file:line:col`, never
/// a panic; what is read is usable (its globs build a filter).
#[test]
#[allow(clippy::print_stdout)]
fn fuzz_config() {
    const VALUES: &[&str] = &[
        "5",
        "true",
        "~",
        "",
        "[]",
        "{}",
        "[a, b]",
        "\"src/\"",
        "'**/x/'",
        "[\"[\", \"a\"]",
        "10M",
        "1K",
        "0",
        "-1",
        "30s",
        "1ms",
        "2m",
        "likely",
        "{ SL001: off }",
        "{ SL999: off }",
        "{ A: \"0-16383\" }",
        "{ nodes: { A: \"0-16383\" } }",
        "{ keys: '^[a-z]+$' }",
        "{ keys: '(' }",
        "{ self.redis: cluster }",
        "[1, [2]]",
        "!!str x",
        "&a x",
        "*a",
        "\"\\u00e9\"",
        "{ a: 1, a: 2 }",
    ];
    let keys: Vec<&str> = slotlint::config::known_keys()
        .into_iter()
        .chain(["unknown", "rules.SL001", ""])
        .collect();
    let line = (0..keys.len(), 0..VALUES.len(), any::<bool>()).prop_map(move |(k, v, nest)| {
        if nest {
            format!("{}:\n  - {}\n", keys[k], VALUES[v])
        } else {
            format!("{}: {}\n", keys[k], VALUES[v])
        }
    });
    let doc = (
        proptest::collection::vec(line, 0..8),
        prop_oneof![
            Just(""),
            Just("---\n"),
            Just("\u{feff}"),
            Just("...\nx: 1\n")
        ],
        proptest::collection::vec(any::<u8>(), 0..4),
    );
    let mut runner = runner("config", cases() * 4);
    let result = runner.run(&doc, |(lines, sep, junk)| {
        let mut text = lines.concat().into_bytes();
        let mid = text.len() / 2;
        text.splice(mid..mid, sep.bytes());
        text.extend(junk);
        match Config::parse(Path::new("slotlint.yaml"), &text) {
            Ok(config) => {
                slotlint::discover::Filter::new(Path::new("."), &config.include, &config.exclude)
                    .expect("checked globs build a filter");
            }
            Err(message) => {
                prop_assert!(message.starts_with("slotlint.yaml"), "{message}");
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("config: {e}");
    }
    println!("fuzz config: {} cases: ok", cases() * 4);
}
