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
    let src = std::fs::read(path).unwrap();
    let out = parse(&src);
    for o in &out.model.ops {
        let keys: Vec<String> = o.keys.iter().map(|k| k.pattern.to_string()).collect();
        eprintln!("{} {:?} client={:?}", o.command, keys, o.client);
    }
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
    ];
    for src in sources {
        let src = src.to_string();
        // A thread of its own: proc-macro2 numbers bytes per thread.
        std::thread::spawn(move || {
            let e: syn::Expr = syn::parse_str(&src).unwrap();
            let cx = super::Cx::new(&src);
            assert_eq!(cx.span_of(&e), cx.span(e.span()), "{src}");
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
