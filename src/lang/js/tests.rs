//! Unit tests of the JavaScript front-end: no panic on hostile input, the
//! size rule, and a few key shapes.

use super::{parse, Dialect};

const DIALECTS: [Dialect; 3] = [Dialect::JavaScript, Dialect::TypeScript, Dialect::Tsx];

fn keys(src: &str) -> Vec<String> {
    let out = parse(src.as_bytes(), Dialect::TypeScript);
    out.model
        .ops
        .iter()
        .flat_map(|o| o.keys.iter().map(|k| k.pattern.to_string()))
        .collect()
}

#[test]
fn random_bytes_and_truncations_do_not_panic() {
    let seed = include_str!("../../../fixtures/js/ok_seed_sharding_manager.js");
    for d in DIALECTS {
        for cut in (0..seed.len()).step_by(97) {
            let _ = parse(&seed.as_bytes()[..cut], d);
        }
        let mut x: u32 = 12345;
        for _ in 0..50 {
            let bytes: Vec<u8> = (0..400)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16).to_le_bytes()[0]
                })
                .collect();
            let _ = parse(&bytes, d);
        }
    }
}

#[test]
fn deep_nesting_does_not_panic() {
    let depth = 5000;
    let src = format!(
        "const Redis = require('ioredis'); const r = new Redis.Cluster([]);\n{}r.mget('a', 'b'){}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let _ = parse(src.as_bytes(), Dialect::JavaScript);
    let blocks = format!("{}r.get('a');{}", "{".repeat(depth), "}".repeat(depth));
    let _ = parse(blocks.as_bytes(), Dialect::JavaScript);
    let calls = format!("r{}", ".pipeline().get('a')".repeat(depth));
    let _ = parse(calls.as_bytes(), Dialect::JavaScript);
}

#[test]
fn minified_files_are_skipped_with_a_note() {
    let line = format!("const Redis=require('ioredis');{}", "x=1;".repeat(3000));
    let out = parse(line.as_bytes(), Dialect::JavaScript);
    assert!(out.model.ops.is_empty());
    assert!(out.problems[0].message.contains("minified"));
}

#[test]
fn key_shapes() {
    let src = r"
        import Redis from 'ioredis';
        const PREFIX = 'app';
        const r = new Redis();
        const tpl = 'user:{id}:cart';
        function k(id: string) { return `${PREFIX}:k:${id}`; }
        r.get(tpl.replace('{id}', uid));
        r.get(['a', uid, 'b'].join(':'));
        r.get(k(uid));
        r.get(`{t}:` + uid);
    ";
    assert_eq!(
        keys(src),
        ["user:<uid>:cart", "a:<uid>:b", "app:k:<uid>", "{t}:<uid>"]
    );
}

/// `SLOTLINT_DUMP_LIST=<file of paths> SLOTLINT_DUMP_OUT=<file> cargo test --lib
/// js::tests::dump_models -- --ignored` writes the model of each listed file
/// (a debugging aid: two builds' dumps compared show what a change did).
#[test]
#[ignore = "debugging aid: dumps the models of the files listed in $SLOTLINT_DUMP_LIST"]
fn dump_models() {
    use std::fmt::Write as _;
    let list = std::env::var("SLOTLINT_DUMP_LIST").unwrap_or_default();
    let list = std::fs::read_to_string(list).unwrap_or_default();
    let project = crate::project::Project::new();
    let mut out = String::new();
    for path in list.lines().filter(|l| !l.is_empty()) {
        let p = std::path::Path::new(path);
        let Some(lang) = crate::lang::Language::from_path(p) else {
            continue;
        };
        let text = std::fs::read(p).unwrap_or_default();
        let file = crate::source::SourceFile::new(path, text).at(p);
        let model = (lang.front_end().parse)(&file, &project);
        let _ = writeln!(out, "== {path}\n{model:#?}");
    }
    std::fs::write(std::env::var("SLOTLINT_DUMP_OUT").unwrap_or_default(), out).unwrap();
}
