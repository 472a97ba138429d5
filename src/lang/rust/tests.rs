//! Unit tests of the Rust front-end: what it extracts and that no input
//! makes it panic.

use super::parse;
use crate::model::GroupKind;
use proptest::prelude::*;

fn keys(src: &str) -> Vec<Vec<String>> {
    parse(src.as_bytes())
        .model
        .ops
        .iter()
        .map(|o| o.keys.iter().map(|k| k.pattern.to_string()).collect())
        .collect()
}

#[test]
fn cmd_builder_and_typed_methods_give_ops() {
    let src = r#"
fn f(con: &mut redis::Connection, id: u64) {
    let _: () = redis::cmd("MGET").arg("a").arg(format!("user:{id}")).query(con).unwrap();
    let _: Vec<String> = con.mget(&["x", "y"]).unwrap();
}
"#;
    assert_eq!(keys(src), vec![vec!["a", "user:<id>"], vec!["x", "y"]]);
}

#[test]
fn atomic_pipeline_is_a_transaction() {
    let src = r#"
fn f(con: &mut redis::Connection) {
    let mut pipe = redis::pipe();
    pipe.atomic().set("a", 1).ignore().cmd("SET").arg("b").arg(2);
    let _: () = pipe.query(con).unwrap();
}
"#;
    let out = parse(src.as_bytes());
    assert_eq!(out.model.groups.len(), 1);
    assert_eq!(out.model.groups[0].kind, GroupKind::TxPipeline);
    assert_eq!(out.model.groups[0].ops.len(), 2);
}

#[test]
fn format_inline_consts_and_escaped_braces() {
    let src = r#"
const TAG: &str = "{app}";
fn f(con: &mut redis::Connection, id: u64) {
    let k = format!("{TAG}:x:{id}:{{lit}}");
    let _: () = con.del(&[k]).unwrap();
}
"#;
    assert_eq!(keys(src), vec![vec!["{app}:x:<id>:{lit}"]]);
}

#[test]
fn invalid_utf8_and_deep_nesting_are_problems() {
    let out = parse(b"fn f() { let x = \"\xff\"; }");
    assert_eq!(out.problems.len(), 1);
    let deep = format!(
        "fn f() {{ let y = {}1{}; }}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(parse(deep.as_bytes()).problems.len(), 1);
    let bangs = format!("fn f() {{ let y = {}x; }}", "!".repeat(100_000));
    assert_eq!(parse(bangs.as_bytes()).problems.len(), 1);
    let closures = format!("fn f() {{ let y = {}x; }}", "|| ".repeat(100_000));
    assert_eq!(parse(closures.as_bytes()).problems.len(), 1);
}

#[test]
fn cluster_pipe_and_transaction_helper() {
    let src = r#"
fn f(con: &mut redis::Connection) {
    let _: () = redis::cluster::cluster_pipe().set("a", 1).set("b", 2).query(con).unwrap();
    let _: () = redis::transaction(con, &["w"], |con, pipe| pipe.set("w", 1).query(con)).unwrap();
}
"#;
    let out = parse(src.as_bytes());
    let kinds: Vec<GroupKind> = out.model.groups.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        vec![GroupKind::Pipeline, GroupKind::TxPipeline, GroupKind::Watch]
    );
    let first = out.model.client(out.model.groups[0].client).unwrap();
    assert!(first.pipeline_one_slot);
}

#[test]
fn nesting_just_under_the_bound_parses() {
    for (open, close) in [("(", ")"), ("!", ""), ("{", "}"), ("|| ", "")] {
        let src = format!(
            "fn f(con: &mut redis::Connection) {{ let y = {}x{}; \
             let _: () = redis::cmd(\"GET\").arg(\"after:deep\").query(con).unwrap(); }}",
            open.repeat(490),
            close.repeat(490)
        );
        let out = parse(src.as_bytes());
        assert!(out.problems.is_empty(), "{open}: {:?}", out.problems);
        // Parsed and analyzed, not skipped: the call after the deep
        // expression is found.
        let keys: Vec<String> = out
            .model
            .ops
            .iter()
            .flat_map(|o| o.keys.iter().map(|k| k.pattern.to_string()))
            .collect();
        assert_eq!(keys, ["after:deep"], "{open}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), prefix in "(fn f\\(c: &mut redis::Connection\\) \\{ c\\.mget\\(|redis::cmd\\(\"|format!\\(\"\\{|)") {
        let mut src = prefix.into_bytes();
        src.extend(bytes);
        let out = parse(&src);
        for p in &out.problems {
            prop_assert!(p.span.end <= src.len());
        }
    }
}

/// `SLOTLINT_DUMP=<file> cargo test dump_fixture_model -- --nocapture` prints a model.
#[test]
#[allow(clippy::print_stderr)]
fn dump_fixture_model() {
    let Ok(path) = std::env::var("SLOTLINT_DUMP") else {
        return;
    };
    let src = std::fs::read(&path).unwrap();
    let out = super::parse_in(
        &src,
        Some(std::path::Path::new(&path)),
        &crate::project::Project::new(),
    );
    for o in &out.model.ops {
        let keys: Vec<String> = o
            .keys
            .iter()
            .map(|k| {
                let defaults: Vec<String> = k
                    .pattern
                    .holes()
                    .filter_map(|h| Some(String::from_utf8_lossy(h.default.as_ref()?).into_owned()))
                    .collect();
                format!("{} {defaults:?}", k.pattern)
            })
            .collect();
        eprintln!("{} {:?} client={:?}", o.command, keys, o.client);
    }
    eprintln!("deps {:?}", out.deps);
    for g in &out.model.groups {
        eprintln!("group {:?} ops={:?}", g.kind, g.ops);
    }
    eprintln!("problems {:?}", out.problems);
}

#[test]
fn format_fields_are_placed_in_the_source() {
    let src = r#"
fn f(con: &mut redis::Connection, uid: u64) {
    let _: () = con.get(format!("{}:cart", uid)).unwrap();
    let _: () = con.get(format!("user:{uid}:x")).unwrap();
}
"#;
    let m = parse(src.as_bytes()).model;
    let got: Vec<(String, Option<String>)> = m
        .ops
        .iter()
        .flat_map(|op| &op.keys)
        .flat_map(|k| k.pattern.holes().cloned().collect::<Vec<_>>())
        .filter_map(|h| h.field)
        .map(|f| (src[f.span.start..f.span.end].to_string(), f.doubled()))
        .collect();
    assert_eq!(
        got,
        [
            ("{}".to_string(), Some(r#""{{{}}}:cart""#.to_string())),
            (
                "{uid}".to_string(),
                Some(r#""user:{{{uid}}}:x""#.to_string())
            ),
        ]
    );
}

/// The spans computed without printing an expression are syn's own.
#[test]
fn expression_spans_match_syn() {
    use syn::spanned::Spanned;
    let sources = [
        r#"redis::cmd("DEL").arg("k").arg(x[1]).query(c)?.field.0"#,
        "a + b * c.d().await",
        "(a.b)(c)[d]",
        "(x)",
        r#"format!("{}", a).len()"#,
        "&mut *a.b",
        "#[allow(unused)] a.b()",
        "x as u64 + y",
        "|a| a.b()",
        "S { a: 1 }.a",
        "if a { b } else if c { d } else { e }",
        "if a { b }",
        "match x { _ => 1 }",
        "[a, b]",
        "(a, b)",
        "&x.y",
        "-x",
        "!x.y()",
        "x = y.z",
        "S { a: 1 }",
        "format!(\"{}\", a)",
        "vec![a]",
        "async { a }",
        "unsafe { a }",
        "loop { a }",
        "while a { b }",
        "for a in b { c }",
        "return x",
        "a::b::c",
        "Vec::<u8>::new",
        "{ a }",
        "\"lit\"",
        "x as u64",
    ];
    for src in sources {
        let src = src.to_string();
        // A thread of its own: proc-macro2 numbers bytes per thread.
        std::thread::spawn(move || {
            let e: syn::Expr = syn::parse_str(&src).unwrap();
            let project = crate::project::Project::new();
            let arena = typed_arena::Arena::new();
            let file = syn::parse_file("").unwrap();
            let mut cx = super::Cx::new(&project, &arena, false);
            cx.add_module(None, &src, &file);
            assert_eq!(cx.span_of(&e), cx.raw(e.span()), "{src}");
            assert_eq!(cx.text(&e), src.replace(' ', ""), "{src}");
        })
        .join()
        .unwrap();
    }
}

/// A chain of thirty thousand calls is read in time linear in its length
/// (each link once, never the whole chain per link); the interpreter follows
/// the first [`super::MAX_DEPTH`] links, so a shorter chain gives its op.
#[test]
fn long_call_chains_are_read() {
    let chain = |n: usize| {
        format!(
            "fn f(c: &mut redis::cluster::ClusterConnection) {{ let _: () = redis::cmd(\"MGET\").arg(\"a\").arg(\"b\"){}.query(c).unwrap(); }}",
            ".arg(\"k\")".repeat(n)
        )
    };
    assert_eq!(parse(chain(150).as_bytes()).model.ops.len(), 1);
    let out = parse(chain(30_000).as_bytes());
    assert!(out.problems.is_empty(), "{:?}", out.problems);
}

/// Parses `main` (at `files[0]`) in a scratch crate holding `files`.
fn crate_model(files: &[(&str, &str)]) -> crate::model::FileModel {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let (main, text) = files[0];
    super::parse_in(
        text.as_bytes(),
        Some(&dir.path().join(main)),
        &crate::project::Project::new(),
    )
    .model
}

/// Every key of every op, with the defaults of its holes.
fn keys_with_defaults(m: &crate::model::FileModel) -> Vec<(String, Vec<String>)> {
    m.ops
        .iter()
        .flat_map(|o| &o.keys)
        .map(|k| {
            let defaults = k
                .pattern
                .holes()
                .filter_map(|h| Some(String::from_utf8_lossy(h.default.as_ref()?).into_owned()))
                .collect();
            (k.pattern.to_string(), defaults)
        })
        .collect()
}

#[test]
fn field_defaults_from_unwrap_or_default_impls_and_builders() {
    let src = r#"
struct Rsmq { ns: String }
impl Rsmq {
    fn new(ns: Option<&str>) -> Self { Rsmq { ns: ns.unwrap_or("rsmq").to_string() } }
    fn add(&self, con: &mut redis::Connection, q: &str) {
        let _: () = con.sadd(format!("{}:QUEUES", self.ns), q).unwrap();
    }
}
struct Jobs { prefix: String, limit: u32 }
impl Default for Jobs {
    fn default() -> Self { Jobs { prefix: "jobs".into(), limit: 10 } }
}
impl Jobs {
    fn prefix(mut self, p: &str) -> Self { self.prefix = p.to_string(); self }
    fn with(p: String) -> Self { Jobs { prefix: p, ..Default::default() } }
    fn add(&self, con: &mut redis::Connection, id: u64) {
        let _: () = con.incr(format!("{}:{}", self.prefix, id), 1).unwrap();
    }
}
"#;
    let out = parse(src.as_bytes());
    assert_eq!(
        keys_with_defaults(&out.model),
        [
            ("<self.ns>:QUEUES".to_string(), vec!["rsmq".to_string()]),
            ("<self.prefix>:<id>".to_string(), vec!["jobs".to_string()]),
        ]
    );
}

#[test]
fn keys_follow_paths_across_the_crate() {
    let worker = r#"
use crate::keys::{queue_key, ACTIVE};
use super::util::*;
fn take(con: &mut redis::Connection, q: &str) {
    let _: () = redis::cmd("MGET").arg(queue_key(q)).arg(ACTIVE).arg(self::LOCAL).arg(tagged(q)).query(con).unwrap();
    let _: () = redis::cmd("GET").arg(super::super::outside::KEY).query(con).unwrap();
}
const LOCAL: &str = "local";
"#;
    let m = crate_model(&[
        ("src/jobs/worker.rs", worker),
        ("Cargo.toml", "[package]\nname = \"x\"\n"),
        ("src/lib.rs", "pub mod keys;\npub mod jobs;\n"),
        ("src/keys.rs", "pub const ACTIVE: &str = \"{q}:active\";\npub use self::inner::queue_key;\nmod inner;\n"),
        ("src/keys/inner.rs", "pub fn queue_key(q: &str) -> String { format!(\"jobs:{q}\") }\n"),
        ("src/jobs/mod.rs", "mod worker;\nmod util;\n"),
        ("src/jobs/util.rs", "pub fn tagged(q: &str) -> String { format!(\"{{{q}}}\") }\n"),
        ("outside/KEY.rs", "pub const KEY: &str = \"never\";\n"),
    ]);
    let keys: Vec<String> = keys_with_defaults(&m).into_iter().map(|(k, _)| k).collect();
    // `super::super::outside` leaves the crate: unknown, not a guess.
    assert_eq!(
        keys,
        [
            "jobs:<q>",
            "{q}:active",
            "local",
            "{<q>}",
            "<super::super::outside::KEY>"
        ]
    );
}

#[test]
fn cyclic_reexports_and_missing_files_end() {
    let m = crate_model(&[
        (
            "src/lib.rs",
            "pub mod a;\npub mod b;\nmod gone;\nuse a::X;\nfn f(con: &mut redis::Connection) {\n    let _: () = con.get(X).unwrap();\n    let _: () = con.get(gone::Y).unwrap();\n    let s = redis::Script::new(include_str!(\"missing.lua\"));\n    let _: () = s.key(\"k\").invoke(con).unwrap();\n}\n",
        ),
        ("Cargo.toml", "[package]\nname = \"x\"\n"),
        ("src/a.rs", "pub use super::b::X;\n"),
        ("src/b.rs", "pub use super::a::X;\n"),
    ]);
    let keys: Vec<String> = keys_with_defaults(&m).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["<X>", "<gone::Y>", "k"]);
    assert_eq!(m.scripts.len(), 1);
}

#[test]
fn helpers_with_branches_give_an_unknown_key_beside_the_literal() {
    let src = r#"
struct Client { namespace: Option<String> }
impl Client {
    fn queue_name(&self, queue: &str) -> String {
        if let Some(ref ns) = self.namespace { format!("{ns}:queue:{queue}") } else { format!("queue:{queue}") }
    }
    fn push(&self, con: &mut redis::Connection, q: &str) {
        let _: () = redis::pipe().atomic().sadd("queues", q).lpush(self.queue_name(q), "job").query(con).unwrap();
    }
}
"#;
    let keys: Vec<String> = keys_with_defaults(&parse(src.as_bytes()).model)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(keys, ["queues", "<self.queue_name(q)>"]);
}
