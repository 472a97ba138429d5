//! Unit tests of the JavaScript front-end: no panic on hostile input, the
//! size rule, and a few key shapes.

use super::{parse, Dialect};

const DIALECTS: [Dialect; 3] = [Dialect::JavaScript, Dialect::TypeScript, Dialect::Tsx];

fn keys(src: &str) -> Vec<String> {
    model_keys(&parse(src.as_bytes(), Dialect::TypeScript))
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

/// The model of `file` in a project written to a temporary directory.
fn project_model(files: &[(&str, &str)], file: &str) -> crate::lang::Output {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let path = dir.path().join(file);
    let text = std::fs::read(&path).unwrap();
    let project = crate::project::Project::new();
    super::parse_in(&text, Dialect::of(&path), Some(&path), &project)
}

fn model_keys(out: &crate::lang::Output) -> Vec<String> {
    out.model
        .ops
        .iter()
        .flat_map(|o| o.keys.iter().map(|k| k.pattern.to_string()))
        .collect()
}

#[test]
fn modules_are_followed_and_listed_as_dependencies() {
    let out = project_model(
        &[
            ("keys.js", "exports.user = (id) => `app:user:${id}`;"),
            (
                "lib/esm.ts",
                "export const NS = 'ns'; export function k(x: string) { return `${NS}:${x}`; }",
            ),
            (
                "main.js",
                "const Redis = require('ioredis'); const keys = require('./keys');\n\
                 import { k } from './lib/esm';\n\
                 const r = new Redis();\n\
                 r.get(keys.user(1)); r.get(k('a')); r.get(require('./missing').x);",
            ),
        ],
        "main.js",
    );
    assert_eq!(
        model_keys(&out),
        ["app:user:1", "ns:a", "<require('./missing').x>"]
    );
    let deps: Vec<String> = out
        .deps
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(deps, ["keys.js", "esm.ts"]);
}

#[test]
fn cyclic_and_deep_imports_end() {
    let mut files: Vec<(String, String)> = vec![
        (
            "a.js".into(),
            "const b = require('./b'); exports.k = () => b.k();".into(),
        ),
        (
            "b.js".into(),
            "const a = require('./a'); exports.k = () => a.k();".into(),
        ),
    ];
    for i in 0..100 {
        files.push((
            format!("m{i}.js"),
            format!(
                "const n = require('./m{}'); exports.k = () => n.k() + ':{i}';",
                i + 1
            ),
        ));
    }
    files.push((
        "main.js".into(),
        "const Redis = require('ioredis'); const r = new Redis();\n\
         r.get(require('./a').k()); r.get(require('./m0').k());"
            .into(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let out = project_model(&files, "main.js");
    assert_eq!(out.model.ops.len(), 2);
    assert!(out.deps.len() <= 64);
}

#[test]
fn other_modules_text_is_placed_at_the_call() {
    let out = project_model(
        &[
            (
                "scripts.js",
                "module.exports.pop = 'return redis.call(\"GET\", \"fixed\")';",
            ),
            (
                "main.js",
                "const Redis = require('ioredis'); const r = new Redis();\n\
                 const { pop } = require('./scripts');\n\
                 r.eval(pop, 0);",
            ),
        ],
        "main.js",
    );
    let main = "const Redis = require('ioredis'); const r = new Redis();\nconst { pop } = require('./scripts');\nr.eval(pop, 0);";
    for s in &out.model.scripts {
        for u in &s.key_uses {
            assert!(u.span.end <= main.len(), "{u:?}");
        }
    }
    assert_eq!(out.model.scripts.len(), 1);
    assert_eq!(out.model.scripts[0].key_uses.len(), 1);
}

#[test]
fn self_referring_code_ends() {
    let out = project_model(
        &[
            (
                "a.js",
                "const me = require('./a');\n\
                 class A extends (new A()).base { constructor() { super(); this.x = this.y; this.y = new A().x; } }\n\
                 class B extends require('./a').B { m() { return this.m(); } }\n\
                 function f(n) { return f(n) + g(n); } function g(n) { return f(n); }\n\
                 exports.B = B; module.exports.k = () => me.k();\n\
                 const Redis = require('ioredis'); const r = new Redis();\n\
                 r.get(f(1)); r.get(new B().m()); r.get(new A().x); r.get(me.k());",
            ),
        ],
        "a.js",
    );
    assert_eq!(out.model.ops.len(), 4);
}

#[test]
fn barrels_of_barrels_are_searched_once() {
    let mut files: Vec<(String, String)> = Vec::new();
    for level in 0..8 {
        for i in 0..8 {
            let next = level + 1;
            let stars = (0..8)
                .map(|j| format!("export * from './b{next}_{j}';"))
                .collect::<Vec<_>>()
                .join("\n");
            files.push((format!("b{level}_{i}.ts"), stars));
        }
    }
    files.push((
        "main.ts".into(),
        "import { nothing } from './b0_0';\nimport Redis from 'ioredis';\n\
         const r = new Redis(); r.get(nothing);"
            .into(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let out = project_model(&files, "main.ts");
    assert_eq!(model_keys(&out), ["<nothing>"]);
}

#[test]
fn doubling_values_stop() {
    let mut src = String::from(
        "const Redis = require('ioredis'); const r = new Redis();\n\
         let k = 'ab'; let t = 'x'; let l = ['a'];\n",
    );
    for _ in 0..40 {
        src.push_str("k = k + k; t = `${t}${t}`; l = l.concat(l); l = [...l, ...l];\n");
    }
    src.push_str("r.get(k); r.get(t); r.del(...l);");
    let out = parse(src.as_bytes(), Dialect::JavaScript);
    assert_eq!(out.model.ops.len(), 3);
}

#[test]
fn a_comment_among_parameters_does_not_shift_the_arguments() {
    let code = "const Redis = require('ioredis');\nconst r = new Redis.Cluster([]);\nfunction k(/* the queue */ q, kind) { return `jobs:${q}:${kind}`; }\nr.rename(k('a', 'x'), k('a', 'y'));\n";
    let out = project_model(&[("a.js", code)], "a.js");
    let keys: Vec<String> = out.model.ops[0]
        .keys
        .iter()
        .map(|k| k.pattern.to_string())
        .collect();
    assert_eq!(keys, ["jobs:a:x", "jobs:a:y"]);
}
