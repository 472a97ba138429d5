//! Unit tests of the Python front-end: key expressions, calls, clients, and
//! that no input makes it panic.

use proptest::prelude::*;

use super::parse;
use crate::model::{FileModel, GroupKind, Topology};

fn model(src: &str) -> FileModel {
    parse(src.as_bytes()).model
}

/// The keys of every op, as `COMMAND key key…` lines.
fn ops(src: &str) -> Vec<String> {
    model(src)
        .ops
        .iter()
        .map(|op| {
            let mut s = op.command.clone();
            for k in &op.keys {
                s.push(' ');
                s.push_str(&k.pattern.to_string());
            }
            s
        })
        .collect()
}

#[test]
fn string_forms_become_patterns() {
    let src = r#"
import redis
r = redis.Redis()
PREFIX = "app"
def f(uid, day):
    tag = f"{{user:{uid}}}"
    r.get(f"{tag}:cart")
    r.get("user:%s:%d" % (uid, day))
    r.get("{}:{name}".format(uid, name=day))
    r.get(PREFIX + ":x:" + uid)
    r.get(":".join([PREFIX, "y"]))
    r.get(rb'raw\d' b"\x41")
    r.get("q:{queue}".replace("{queue}", uid))
"#;
    assert_eq!(
        ops(src),
        [
            "GET {user:<uid>}:cart",
            "GET user:<uid>:<day>",
            "GET <uid>:<day>",
            "GET app:x:<uid>",
            "GET app:y",
            "GET raw\\dA",
            "GET q:<uid>",
        ]
    );
}

#[test]
fn whole_parameters_are_opaque_and_defaults_are_kept() {
    let m = model(
        "import redis\nr = redis.Redis()\ndef f(key, prefix='rq', n: int = 100, **kw):\n    r.get(key)\n    r.get(f'{prefix}:jobs')\n    r.get(f'{{t:{abs(hash(key)) % n}}}')\n",
    );
    let holes: Vec<_> = m
        .ops
        .iter()
        .map(|o| o.keys[0].pattern.holes().next().cloned().unwrap())
        .collect();
    assert!(holes[0].may_contain_braces);
    assert!(holes[1].may_contain_braces);
    assert_eq!(holes[1].default.as_deref(), Some(&b"rq"[..]));
    assert_eq!(holes[2].domain, Some(100));
    assert!(!holes[2].may_contain_braces);
}

#[test]
fn pipelines_follow_redis_py_defaults() {
    let m = model(
        "import redis\nr = redis.Redis()\nrc = redis.RedisCluster()\np = r.pipeline()\np.get('a')\np.get('b')\np.execute()\nq = rc.pipeline()\nq.get('a')\nq.get('b')\nq.execute()\nt = rc.pipeline(transaction=True)\nt.get('a')\nt.execute()\n",
    );
    let kinds: Vec<_> = m.groups.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        [
            GroupKind::TxPipeline,
            GroupKind::Pipeline,
            GroupKind::TxPipeline
        ]
    );
    assert_eq!(m.groups[0].ops.len(), 2);
    assert_eq!(
        m.clients.iter().map(|c| c.topology).collect::<Vec<_>>(),
        [Topology::Standalone, Topology::Cluster]
    );
}

#[test]
fn cluster_splits_and_nonatomic_variants() {
    let m = model("from redis.cluster import RedisCluster\nrc = RedisCluster()\nrc.delete('a', 'b')\nrc.mget_nonatomic(['a', 'b'])\nrc.mget('a', 'b')\n");
    let split = |i: usize| {
        let op = &m.ops[i];
        m.client(op.client)
            .unwrap()
            .splits_per_slot
            .contains(&op.command)
    };
    assert!(split(0));
    assert!(split(1));
    assert!(!split(2));
}

#[test]
fn scripts_are_analyzed_in_place() {
    let src =
        "import redis\nr = redis.Redis()\nr.eval(\"return redis.call('GET', 'x')\", 1, 'k')\n";
    let m = model(src);
    let s = &m.scripts[0];
    assert_eq!(s.numkeys, Some(1));
    let u = &s.key_uses[0];
    assert_eq!(&src[u.span.start..u.span.end], "'x'");
    assert_eq!(m.groups[0].kind, GroupKind::Script);
}

#[test]
fn unrelated_code_gives_nothing() {
    assert!(model("data = {}\ndata.get('a')\n").ops.is_empty());
    assert!(
        model("# redis\nimport requests\nrequests.get('/x/{id}')\ninfo = {}\ninfo.get('k')\n")
            .ops
            .is_empty()
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut src = String::from("import redis\nr = redis.Redis()\nr.get(");
    src.push_str(&"(".repeat(5000));
    src.push_str("'k'");
    src.push_str(&")".repeat(5000));
    src.push_str(")\n");
    let _ = parse(src.as_bytes());
    let mut nested = String::from("import redis\n");
    for i in 0..300 {
        nested.push_str(&" ".repeat(i));
        nested.push_str("if x:\n");
    }
    nested.push_str(&" ".repeat(300));
    nested.push_str("redis.Redis().mget('a', 'b')\n");
    let _ = parse(nested.as_bytes());
}

proptest! {
    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut src = b"import redis\nr = redis.Redis()\n".to_vec();
        src.extend(bytes);
        let out = parse(&src);
        for op in &out.model.ops {
            prop_assert!(op.span.end <= src.len());
            for k in &op.keys {
                prop_assert!(k.span.end <= src.len());
            }
        }
    }

    #[test]
    fn never_panics_on_truncated_fixtures(cut in 0usize..4000, which in 0usize..4) {
        let files = [
            include_str!("../../../fixtures/python/SL001_pipelines.py"),
            include_str!("../../../fixtures/python/SL002_multi_key_methods.py"),
            include_str!("../../../fixtures/python/SL005_seed_hybrid_sharding.py"),
            include_str!("../../../fixtures/python/SL007_python_scripts.py"),
        ];
        let src = files[which].as_bytes();
        let src = &src[..cut.min(src.len())];
        let out = parse(src);
        for s in &out.model.scripts {
            prop_assert!(s.span.end <= src.len());
        }
    }
}

/// Each key's replacement field as written, and the literal with it doubled.
fn fields(src: &str) -> Vec<(String, String, Option<String>)> {
    let m = model(src);
    m.ops
        .iter()
        .flat_map(|op| &op.keys)
        .flat_map(|k| k.pattern.holes().cloned().collect::<Vec<_>>())
        .filter_map(|h| h.field)
        .map(|f| {
            let shown =
                String::from_utf8_lossy(&src.as_bytes()[f.span.start..f.span.end]).into_owned();
            (shown, f.text.clone(), f.doubled())
        })
        .collect()
}

#[test]
fn replacement_fields_are_placed_in_the_source() {
    let src = r#"
import redis
r = redis.Redis()
def f(uid, x):
    r.get(f"cart:{uid}:n")
    r.get("{}:a".format(uid))
    r.get("{name!s}:b".format(name=uid))
    r.get(f"{x.y:>4}")
    r.get("%s:c" % uid)
    r.get(f"{{{uid}}}:d")
"#;
    assert_eq!(
        fields(src),
        [
            (
                "{uid}".into(),
                "{uid}".into(),
                Some(r#"f"cart:{{{uid}}}:n""#.into())
            ),
            ("{}".into(), "{}".into(), Some(r#""{{{}}}:a""#.into())),
            (
                "{name!s}".into(),
                "{name!s}".into(),
                Some(r#""{{{name!s}}}:b""#.into())
            ),
            (
                "{x.y:>4}".into(),
                "{x.y:>4}".into(),
                Some(r#"f"{{{x.y:>4}}}""#.into())
            ),
            // `%s` has no field; `{{{uid}}}` is written right: its field is
            // the inner `{uid}` and the key is tagged, so no rule uses it.
            (
                "{uid}".into(),
                "{uid}".into(),
                Some(r#"f"{{{{{uid}}}}}:d""#.into())
            ),
        ]
    );
}

#[test]
#[ignore = "debugging aid: prints the model of $SLOTLINT_DUMP"]
#[allow(clippy::print_stdout)]
fn dump_model() {
    let path = std::env::var("SLOTLINT_DUMP").unwrap_or_default();
    let src = std::fs::read(&path).unwrap_or_default();
    let out = super::parse_in(
        &src,
        Some(std::path::Path::new(&path)),
        &crate::project::Project::new(),
    );
    println!("{:#?}", out.model);
}
