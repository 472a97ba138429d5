//! SL007 judged by a real 3-node cluster: a script that reaches a key it was
//! not given in KEYS fails on a node that does not own that key, and
//! slotlint flags exactly those scripts.

mod common;

use slotlint::analysis;
use slotlint::lang::Language;
use slotlint::rules::Options;
use slotlint::slot::key_slot;
use slotlint::source::SourceFile;

use common::RedisCluster3;

struct Case {
    /// One redis-cli line: `EVAL "<script>" numkeys keys… args…`.
    line: &'static str,
    script: &'static str,
    keys: &'static [&'static str],
    args: &'static [&'static str],
    /// The key the script reaches without declaring it, if any.
    undeclared: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        line: r#"EVAL "return redis.call('GET', 'config:flags')" 0"#,
        script: "return redis.call('GET', 'config:flags')",
        keys: &[],
        args: &[],
        undeclared: Some("config:flags"),
    },
    Case {
        line: r#"EVAL "return redis.call('GET', 'user:' .. ARGV[1])" 0 42"#,
        script: "return redis.call('GET', 'user:' .. ARGV[1])",
        keys: &[],
        args: &["42"],
        undeclared: Some("user:42"),
    },
    Case {
        line: r#"EVAL "redis.call('SET', KEYS[1], 'x'); return redis.call('INCR', 'stats:calls')" 1 {user:7}:a"#,
        script: "redis.call('SET', KEYS[1], 'x'); return redis.call('INCR', 'stats:calls')",
        keys: &["{user:7}:a"],
        args: &[],
        undeclared: Some("stats:calls"),
    },
    // A key built from a prefix the caller passes: the same script works
    // when the prefix carries the tag of KEYS and fails when it does not,
    // which is why SL007 says "possible" there.
    Case {
        line: r#"EVAL "redis.call('SET', KEYS[1], 'x'); return redis.call('GET', ARGV[1] .. 'b')" 1 {q}:a {q}:"#,
        script: "redis.call('SET', KEYS[1], 'x'); return redis.call('GET', ARGV[1] .. 'b')",
        keys: &["{q}:a"],
        args: &["{q}:"],
        undeclared: Some("{q}:b"),
    },
    Case {
        line: r#"EVAL "redis.call('SET', KEYS[1], 'x'); return redis.call('GET', ARGV[1] .. 'b')" 1 {q}:a other:"#,
        script: "redis.call('SET', KEYS[1], 'x'); return redis.call('GET', ARGV[1] .. 'b')",
        keys: &["{q}:a"],
        args: &["other:"],
        undeclared: Some("other:b"),
    },
    // `allow-cross-slot-keys` lifts the one-slot rule of scripts with flags,
    // not the one-node rule: the undeclared key still fails on another node.
    Case {
        line: r##"EVAL "#!lua flags=allow-cross-slot-keys\nredis.call('SET', KEYS[1], 'x'); return redis.call('INCR', 'stats:calls')" 1 {user:7}:a"##,
        script: "#!lua flags=allow-cross-slot-keys\nredis.call('SET', KEYS[1], 'x'); return redis.call('INCR', 'stats:calls')",
        keys: &["{user:7}:a"],
        args: &[],
        undeclared: Some("stats:calls"),
    },
    Case {
        line: r#"EVAL "return redis.call('GET', KEYS[1])" 1 config:flags"#,
        script: "return redis.call('GET', KEYS[1])",
        keys: &["config:flags"],
        args: &[],
        undeclared: None,
    },
];

fn sl007_count(line: &str) -> usize {
    let file = SourceFile::new("case.redis", line.as_bytes().to_vec());
    analysis::analyze(
        &file,
        Language::REDIS_CLI,
        &Options::default(),
        &slotlint::project::Project::new(),
    )
    .findings
    .iter()
    .filter(|f| f.rule == "SL007")
    .count()
}

fn eval(cluster: &RedisCluster3, node: usize, case: &Case) -> common::Reply {
    let n = case.keys.len().to_string();
    let mut cmd: Vec<&[u8]> = vec![b"EVAL", case.script.as_bytes(), n.as_bytes()];
    cmd.extend(case.keys.iter().map(|k| k.as_bytes()));
    cmd.extend(case.args.iter().map(|a| a.as_bytes()));
    cluster.client(node).cmd(&cmd)
}

#[test]
#[allow(clippy::print_stdout)] // the oracle's summary line
fn undeclared_keys_fail_on_another_node_and_are_flagged() {
    let Some(cluster) = RedisCluster3::start() else {
        return;
    };
    let mut checked = 0;
    for case in CASES {
        // The node a cluster client sends the script to: the owner of its
        // KEYS, or any node when it has none.
        let routed = case
            .keys
            .first()
            .map_or(0, |k| RedisCluster3::node_of_slot(key_slot(k.as_bytes())));
        let Some(key) = case.undeclared else {
            assert_eq!(
                sl007_count(case.line),
                0,
                "{}: clean script flagged",
                case.line
            );
            let reply = eval(&cluster, routed, case);
            assert!(!reply.is_error(), "{}: {reply:?}", case.line);
            checked += 1;
            continue;
        };
        let owner = RedisCluster3::node_of_slot(key_slot(key.as_bytes()));
        assert_eq!(
            sl007_count(case.line),
            1,
            "{}: slotlint must flag it",
            case.line
        );
        for node in 0..3 {
            if case.keys.first().is_some_and(|_| node != routed) {
                continue; // a non-owner of KEYS answers MOVED before running anything
            }
            let reply = eval(&cluster, node, case);
            let failed = reply
                .error_text()
                .is_some_and(|e| e.contains("non local key"));
            assert_eq!(
                failed,
                node != owner,
                "{} on node {node} (key owner {owner}): {reply:?}",
                case.line
            );
            checked += 1;
        }
    }
    println!("3-node cluster: {checked} script executions agree with SL007");
}
