//! Topology parsing: every input form, its errors, and no panics on junk.

use super::*;

fn parse(text: &str) -> Result<Topology, TopologyError> {
    Topology::parse("t.yaml", text)
}

#[test]
fn yaml_forms() {
    let t = parse("topology:\n  nodes: { A: \"0-5460\", B: \"5461-10922\", C: \"10923-16383\" }\n")
        .unwrap();
    assert_eq!(t.node_of(0), Some("A"));
    assert_eq!(t.node_of(5461), Some("B"));
    assert_eq!(t.node_of(16383), Some("C"));
    assert!(t.uncovered().is_empty());
    let t = parse("nodes:\n  A: [\"0-100\", \"200-300\"]\n  B: \"101-199,301\"\n  C: 42000\n");
    assert_eq!(
        t.unwrap_err().to_string(),
        "t.yaml:4:6: slot 42000 is out of range (slots are 0-16383)"
    );
    let t =
        parse("nodes:\n  A: [\"0-100\", \"200-300\"]\n  B: \"101-199,301\"\n  C: 302\n").unwrap();
    assert_eq!(t.slots_of("A"), vec![0..=100, 200..=300]);
    assert_eq!(t.node_of(301), Some("B"));
    assert_eq!(t.node_of(302), Some("C"));
    assert_eq!(t.uncovered(), vec![303..=16383]);
}

#[test]
fn yaml_errors_have_positions() {
    let e = parse("nodes:\n  A: \"0-100\"\n  B: \"50-60\"\n").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("overlap node `A` (line 2)"), "{e}");
    let e = parse("nodes:\n  A: \"0-100,100\"\n").unwrap_err();
    assert!(e.message.contains("listed twice"), "{e}");
    let e = parse("nodes:\n  A: \"9-3\"\n").unwrap_err();
    assert!(e.message.contains("reversed"), "{e}");
    let e = parse("topology:\n  nodez: {}\n").unwrap_err();
    assert_eq!((e.line, e.column), (Some(2), Some(3)));
    let e = parse("nodes: [\n").unwrap_err();
    // An unclosed flow sequence is found at the end of the input.
    assert_eq!((e.line, e.column), (Some(2), Some(1)), "{e}");
    assert!(e.message.starts_with("invalid YAML: "), "{e}");
    let e = parse("foo: bar\n").unwrap_err();
    assert!(e.message.contains("no topology found"), "{e}");
}

#[test]
fn yaml_may_name_a_saved_reply() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/topology/schema.yaml");
    let t = parse_named(dir, "topology: cluster-nodes.txt\n").unwrap();
    assert_eq!(t.format(), TopologyFormat::ClusterNodes);
    assert_eq!(t.node_of(16383), Some("127.0.0.1:17001"));
    let e = parse_named(dir, "topology: nope.txt\n").unwrap_err();
    assert_eq!((e.line, e.column), (Some(1), Some(11)));
    assert!(e.message.contains("nope.txt` not found"), "{e}");
}

fn parse_named(path: &str, text: &str) -> Result<Topology, TopologyError> {
    Topology::parse(path, text)
}

#[test]
fn comments_in_saved_replies() {
    let text = "# captured from prod\n\
                a 1.1.1.1:1@2 master - 0 0 1 connected 0-16383\n# end\n";
    assert_eq!(parse(text).unwrap().node_of(7), Some("1.1.1.1:1"));
    let text = "# note\n0\n16383\n# between\n10.0.0.1\n7000\n";
    assert_eq!(parse(text).unwrap().node_of(7), Some("10.0.0.1:7000"));
    let e = parse("# note\n1) 1) (integer) 0\n   2) (integer) x\n").unwrap_err();
    assert_eq!(e.line, Some(3));
}

#[test]
fn cluster_nodes() {
    let text = "\
07c3 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460 [100->-e7d1]
e7d1 10.0.0.2:6379@16379,host-b master - 0 0 2 connected 5461-10922 [100-<-07c3]
a1b2 10.0.0.4:6379@16379 slave 07c3 0 0 1 connected
f3e4 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16000 16001 16002-16383
";
    let t = parse(text).unwrap();
    assert_eq!(t.format(), TopologyFormat::ClusterNodes);
    assert_eq!(t.node_of(100), Some("10.0.0.1:6379"));
    assert_eq!(t.node_of(5461), Some("10.0.0.2:6379"));
    assert_eq!(t.node_of(16001), Some("10.0.0.3:6379"));
    assert_eq!(t.nodes().len(), 3);
    let bad = "07c3 10.0.0.1:6379@16379 master - 0 0 1 connected 0-5460\ngarbage line\n";
    let e = parse(bad).unwrap_err();
    assert_eq!(e.to_string().split(": ").next(), Some("t.yaml:2"));
    let overlap = "a 1.1.1.1:1@2 master - 0 0 1 connected 0-10\nb 1.1.1.2:1@2 master - 0 0 1 connected 10-20\n";
    let e = parse(overlap).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(
        e.message.contains("slot 10 of node `1.1.1.2:1` overlap"),
        "{e}"
    );
}

#[test]
fn formatted_slots_tree() {
    let text = r#"1) 1) (integer) 0
   2) (integer) 10
   3) 1) "127.0.0.1"
      2) (integer) 7000
      3) "aaaa"
      4) (empty array)
   4) 1) "127.0.0.1"
      2) (integer) 7003
2) 1) (integer) 11
   2) (integer) 16383
   3) 1) "127.0.0.1"
      2) (integer) 7001
"#;
    let t = parse(text).unwrap();
    assert_eq!(t.format(), TopologyFormat::ClusterSlots);
    assert_eq!(t.node_of(10), Some("127.0.0.1:7000"));
    assert_eq!(t.node_of(11), Some("127.0.0.1:7001"));
    let e =
        parse("1) 1) (integer) 0\n   2) (integer) 99999\n   3) 1) \"h\"\n      2) (integer) 1\n")
            .unwrap_err();
    assert_eq!(e.line, Some(2));
    let e = parse("1) 1) (integer) 0\n   2) what\n").unwrap_err();
    assert_eq!(e.line, Some(2));
}

#[test]
fn empty_reply_leaves_everything_uncovered() {
    let t = parse("(empty array)\n").unwrap();
    assert_eq!(t.uncovered(), vec![0..=16383]);
    assert!(parse("").is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    #[test]
    fn never_panics_on_fragments(parts in proptest::collection::vec(0usize..FRAGMENTS.len(), 0..24)) {
        let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
        let _ = parse(&text);
    }

    #[test]
    fn never_panics_on_any_text(text in "\\PC{0,80}") {
        let _ = parse(&text);
    }
}

const FRAGMENTS: &[&str] = &[
    "\n",
    " ",
    "  ",
    "1) ",
    "2) ",
    "10) ",
    "(integer) ",
    "5",
    "16383",
    "-",
    "\"",
    "\"x\"",
    "(empty array)",
    "(nil)",
    "slots",
    "nodes",
    "id",
    "role",
    "master",
    "port",
    "ip",
    "nodes:",
    "topology:",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "A",
    "\"0-5460\"",
    "0-5460",
    "connected",
    "a1 1.2.3.4:1@2 master - 0 0 1 connected ",
    "[5->-x]",
    "#",
    "&a",
    "*a",
    "!!str",
    "- ",
    "\t",
    "99999",
    "\\x",
    "hostname",
];

#[test]
fn never_panics_on_junk() {
    let junk = [
        "1)",
        "1) 2) 3)",
        "1) \"",
        "1) \"\\x",
        "1) (integer) x",
        "slots",
        "slots\nnodes\nid",
        "slots\n1\nnodes\nid\nx\nrole\nmaster",
        "0",
        "0\n1",
        "0\n1\nhost",
        "0\n1\nhost\nport",
        "   1) a\n1) b",
        "1) 1) 1) (integer) 1\n 2) (integer) 3",
        ":",
        "[",
        "nodes: 5",
        "nodes:\n  A: {x: 1}",
        &"1) ".repeat(100_000),
        "nodes:\n  A: [[1]]",
        "- a",
        "a b c d e f g connected 1",
        "a b:1 c d e f g connected [1",
        "a b:1 c d e f g connected 1-",
        "topology: x",
    ];
    for text in junk {
        let _ = parse(text);
    }
}
