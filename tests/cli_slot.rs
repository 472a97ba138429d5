//! End-to-end tests of `slotlint slot` through the built binary: formats, stdin,
//! topologies in every accepted form, errors and uncovered slots.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hex_escape, output_with_stdin, redis_cli_path, RedisCluster3, Reply, Run};
use slotlint::slot::key_slot;

/// Runs slotlint with `args`, `stdin` on its standard input.
fn slotlint(args: &[&str], stdin: &[u8]) -> Run {
    // The binary may exit (usage error) before reading its input.
    let (out, _) = output_with_stdin(
        Command::new(env!("CARGO_BIN_EXE_slotlint")).args(args),
        stdin,
    );
    Run::from(out)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/topology")
        .join(name)
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write temp file");
    path.display().to_string()
}

#[test]
fn published_vectors() {
    let run = slotlint(
        &[
            "slot",
            "--format",
            "tsv",
            "foo",
            "{user1000}.following",
            "foo{}{bar}",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "foo\t12182\tfoo\n{user1000}.following\t3443\tuser1000\nfoo{}{bar}\t8363\tfoo{}{bar}\n"
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn default_table() {
    let run = slotlint(&["slot", "foo", "{user1000}.following", "foo{}{bar}"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "KEY                   SLOT   HASHED\n\
         foo                   12182  foo\n\
         {user1000}.following  3443   user1000\n\
         foo{}{bar}            8363   foo{}{bar}\n"
    );
}

#[test]
fn json_output_parses() {
    let run = slotlint(
        &[
            "slot",
            "--format",
            "json",
            "foo",
            "{user1000}.following",
            "foo{}{bar}",
            "",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(
        rows,
        serde_json::json!([
            {"key": "foo", "hashed": "foo", "tag": null, "slot": 12182},
            {"key": "{user1000}.following", "hashed": "user1000", "tag": "user1000", "slot": 3443},
            {"key": "foo{}{bar}", "hashed": "foo{}{bar}", "tag": null, "slot": 8363},
            {"key": "", "hashed": "", "tag": null, "slot": 0},
        ])
    );
}

#[test]
fn stdin_plain_and_formats() {
    let input = b"foo\r\n{user1000}.following\n\xff{\xc3\xa9}x\nfoo{}{bar}";
    let run = slotlint(&["slot", "--stdin"], input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tagged = key_slot(b"\xff{\xc3\xa9}x");
    assert_eq!(
        run.stdout,
        format!("12182\tfoo\n3443\t{{user1000}}.following\n{tagged}\t\u{fffd}{{é}}x\n8363\tfoo{{}}{{bar}}\n")
    );
    let run = slotlint(&["slot", "--stdin", "--format", "tsv"], input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().nth(2),
        Some(format!("\\xff{{é}}x\t{tagged}\té").as_str())
    );
    let run = slotlint(&["slot", "--stdin", "--format", "json"], input);
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(rows.as_array().map(Vec::len), Some(4));
    assert_eq!(rows[2]["key"], "\\xff{é}x");
    assert_eq!(rows[2]["escaped"], true);
    let run = slotlint(&["slot", "--stdin", "--format", "table"], input);
    assert!(run.stdout.starts_with("KEY "), "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 5);
}

#[test]
fn usage_errors_exit_2() {
    let run = slotlint(&["slot"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no keys given"), "{}", run.stderr);
    assert_eq!(slotlint(&["slot", "--stdin", "foo"], b"").code, 2);
    assert_eq!(slotlint(&["slot", "--format", "yaml", "foo"], b"").code, 2);
}

/// The node every captured fixture assigns to `slot`.
fn fixture_node(slot: u16) -> &'static str {
    match slot {
        0..=5460 | 16000..=16383 => "127.0.0.1:17001",
        5461..=10922 => "127.0.0.1:17002",
        _ => "127.0.0.1:17003",
    }
}

#[test]
fn topology_fixtures_in_every_format() {
    let keys: Vec<String> = (0..3000).map(|i| format!("key:{i}")).collect();
    let input = keys.join("\n");
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("fixtures/topology")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "yaml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 11, "{files:?}");
    for file in &files {
        let file = file.display().to_string();
        let run = slotlint(&["slot", "--stdin", "--topology", &file], input.as_bytes());
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{file}: {}", run.stderr);
        let mut seen = std::collections::BTreeSet::new();
        for (line, key) in run.stdout.lines().zip(&keys) {
            let slot = key_slot(key.as_bytes());
            assert_eq!(
                line,
                format!("{slot}\t{}\t{key}", fixture_node(slot)),
                "{file}"
            );
            seen.insert(fixture_node(slot));
        }
        assert_eq!(run.stdout.lines().count(), keys.len(), "{file}");
        assert_eq!(seen.len(), 3, "{file}");
    }
}

#[test]
fn topology_node_column_in_table_and_json() {
    let file = fixture("cluster-nodes.txt").display().to_string();
    let run = slotlint(&["slot", "--topology", &file, "foo", "x"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "KEY  SLOT   HASHED  NODE\n\
         foo  12182  foo     127.0.0.1:17003\n\
         x    16287  x       127.0.0.1:17001\n"
    );
    let run = slotlint(
        &["slot", "--topology", &file, "--format", "json", "foo"],
        b"",
    );
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(rows[0]["node"], "127.0.0.1:17003");
}

#[test]
fn uncovered_slots_are_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_temp(
        &dir,
        "partial.yaml",
        "topology:\n  nodes:\n    A: \"0-9999\"\n    B: [\"10001-12181\", \"12183-16000\"]\n",
    );
    // foo is slot 12182, {user1000}.following is 3443.
    let run = slotlint(
        &[
            "slot",
            "--topology",
            &file,
            "--format",
            "tsv",
            "foo",
            "{user1000}.following",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "foo\t12182\tfoo\t(unassigned)\n{user1000}.following\t3443\tuser1000\tA\n"
    );
    assert!(
        run.stderr
            .contains("385 of 16384 slots are not assigned to any node: 10000, 12182, 16001-16383"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1 key in slots no node"),
        "{}",
        run.stderr
    );
    let run = slotlint(
        &["slot", "--topology", &file, "--format", "json", "foo"],
        b"",
    );
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(rows[0]["node"], serde_json::Value::Null);
    let run = slotlint(&["slot", "--stdin", "--topology", &file], b"foo\n");
    assert_eq!(run.stdout, "12182\t(unassigned)\tfoo\n");
}

#[test]
fn topology_errors_name_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: &[(&str, &str, &str)] = &[
        (
            "overlap.yaml",
            "topology:\n  nodes:\n    A: \"0-100\"\n    B: \"90-200\"\n",
            ":4:8: slots 90-100 of node `B` overlap node `A` (line 3)",
        ),
        (
            "range.yaml",
            "nodes:\n  A: [\"0-100\", \"16384\"]\n",
            ":2:16: slot 16384 is out of range (slots are 0-16383)",
        ),
        (
            "junk.yaml",
            "nodes:\n  A: \"zero-ten\"\n",
            ":2:6: invalid slot range `zero-ten`",
        ),
        (
            "syntax.yaml",
            "topology:\n  nodes: {A: \"0-1\"\n",
            ":3:1: invalid YAML",
        ),
        (
            "nodes.txt",
            "07c3 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-8000\n\
             e7d1 10.0.0.2:6379@16379 master - 0 0 2 connected 8001-16384\n",
            ":2: slot 16384 is out of range",
        ),
        (
            "nodes-overlap.txt",
            "07c3 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-8000\n\
             e7d1 10.0.0.2:6379@16379 master - 0 0 2 connected 8000-16383\n",
            ":2: slot 8000 of node `10.0.0.2:6379` overlap node `10.0.0.1:6379` (line 1)",
        ),
        (
            "nodes-bad.txt",
            "07c3 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-8000\nhello\n",
            ":2: expected a CLUSTER NODES line",
        ),
        (
            "slots.txt",
            "1) 1) (integer) 0\n   2) (integer) 16383\n   3) 1) \"127.0.0.1\"\n      2) oops\n",
            ":4: cannot read `oops`",
        ),
        (
            "slots.raw.txt",
            "0\n20000\n127.0.0.1\n7000\n",
            ":2: slot 20000 is out of range",
        ),
        (
            "shards.raw.txt",
            "slots\n0\n16383\nnodes\nid\nabc\nport\n7000\nip\n127.0.0.1\nrole\nreplica\n",
            ":1: shard owns slots but lists no node with role master",
        ),
        ("empty.txt", "\n\n", ": topology file is empty"),
    ];
    for (name, text, expected) in cases {
        let file = write_temp(&dir, name, text);
        let run = slotlint(&["slot", "--topology", &file, "foo"], b"");
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{file}{expected}")),
            "{name}: expected `{file}{expected}` in:\n{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{name}: {}", run.stdout);
    }
    let missing = dir.path().join("missing.yaml").display().to_string();
    let run = slotlint(&["slot", "--topology", &missing, "foo"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(&format!("{missing}: cannot read topology file")),
        "{}",
        run.stderr
    );
}

/// Capture CLUSTER NODES / SLOTS / SHARDS from a live 3-node cluster (SLOTS and
/// SHARDS through redis-cli, formatted and raw, when it is installed) and check
/// that the node slotlint names for each key is the node that serves it: the
/// one a `MOVED` redirect names, or the node asked when it does not redirect.
#[test]
#[allow(clippy::print_stderr)] // says what was not covered
fn live_cluster_topology_matches_redirects() {
    let Some(cluster) = RedisCluster3::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    let nodes = cluster.client(0).cmd_str(&["CLUSTER", "NODES"]);
    let nodes = nodes.as_text().expect("CLUSTER NODES text");
    files.push(write_temp(&dir, "nodes.txt", &nodes));
    if let Some(cli) = redis_cli_path() {
        let port = cluster.node(0).port().to_string();
        for command in ["slots", "shards", "nodes"] {
            for raw in [false, true] {
                let mut cmd = Command::new(&cli);
                cmd.args(["-h", "127.0.0.1", "-p", &port]);
                if !raw {
                    cmd.arg("--no-raw");
                }
                let out = cmd
                    .args(["cluster", command])
                    .output()
                    .expect("run redis-cli");
                assert!(out.status.success(), "redis-cli: {out:?}");
                let text = String::from_utf8(out.stdout).expect("redis-cli output is text");
                let name = format!("{command}{}.txt", if raw { ".raw" } else { "" });
                files.push(write_temp(&dir, &name, &text));
            }
        }
    } else {
        eprintln!("note: redis-cli not found; CLUSTER SLOTS/SHARDS live capture skipped");
    }

    let keys: Vec<String> = (0..400).map(|i| format!("live:{{{i}}}:k")).collect();
    let cmds: Vec<Vec<Vec<u8>>> = keys
        .iter()
        .map(|k| vec![b"GET".to_vec(), k.as_bytes().to_vec()])
        .collect();
    let replies = cluster.client(0).pipeline(&cmds);
    let owners: Vec<String> = replies
        .iter()
        .zip(&keys)
        .map(|(reply, key)| match reply {
            Reply::Error(e) if e.starts_with("MOVED ") => {
                let mut parts = e.split_whitespace().skip(1);
                let slot: u16 = parts
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("MOVED slot");
                assert_eq!(
                    slot,
                    key_slot(key.as_bytes()),
                    "{}",
                    hex_escape(key.as_bytes())
                );
                parts.next().expect("MOVED address").to_owned()
            }
            Reply::Bulk(None) => cluster.node(0).addr(),
            other => panic!("GET {key}: {other:?}"),
        })
        .collect();
    for (key, owner) in keys.iter().zip(&owners) {
        let expected = cluster
            .node(RedisCluster3::node_of_key(key.as_bytes()))
            .addr();
        assert_eq!(owner, &expected, "{key}");
    }

    let input = keys.join("\n");
    for file in &files {
        let run = slotlint(&["slot", "--stdin", "--topology", file], input.as_bytes());
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{file}: {}", run.stderr);
        let printed: Vec<&str> = run
            .stdout
            .lines()
            .map(|l| l.split('\t').nth(1).unwrap_or_default())
            .collect();
        assert_eq!(printed.len(), keys.len(), "{file}");
        for ((key, owner), node) in keys.iter().zip(&owners).zip(&printed) {
            assert_eq!(node, owner, "{file}: {key}");
        }
    }
}
