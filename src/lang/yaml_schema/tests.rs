//! Schema parsing: the design example, every error with its position, spans,
//! fixtures, and no panics on random input.

use super::families::check_placeholders;
use super::*;
use crate::keypattern::{parse_placeholders, SameSlot};
use crate::model::GroupKind;
use proptest::prelude::*;

const DESIGN: &str = r#"keys:
  user_profile: { pattern: "{user:<user_id>}:profile", type: hash }
  user_cart:    { pattern: "{user:<user_id>}:cart", type: hash }
  session:      { pattern: "{session}:<session_id>", qps: 20000 }   # SL004
  daily_stats:  { pattern: "stats:{<day>}", cardinality: 365 }      # SL005
  account_a:    "{acct:<a>}"
  account_b:    "{acct:<b>}"
transactions:
  checkout: { keys: [user_cart, user_profile] }   # fine: same <user_id>
  transfer: { keys: [account_a, account_b] }      # SL001 unless tags match
topology:                      # optional; or a saved CLUSTER SHARDS / NODES
  nodes: { A: "0-5460", B: "5461-10922", C: "10923-16383" }
"#;

fn ok(source: &str) -> Schema {
    parse("s.keys.yaml", source.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn err(source: &str) -> String {
    match parse("s.keys.yaml", source.as_bytes()) {
        Ok(_) => "parsed without error".into(),
        Err(e) => e.to_string(),
    }
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    Text::new(source).line_col(offset)
}

fn text_of(source: &str, span: Span) -> &str {
    &source[span.start..span.end]
}

#[test]
fn design_example_families() {
    let s = ok(DESIGN);
    let names: Vec<_> = s.model.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "user_profile",
            "user_cart",
            "session",
            "daily_stats",
            "account_a",
            "account_b"
        ]
    );
    let f = &s.model.families;
    assert_eq!(line_col(DESIGN, f[0].span.start), (2, 3));
    assert_eq!(text_of(DESIGN, f[0].span), "user_profile");
    assert_eq!(line_col(DESIGN, f[0].pattern_span.start), (2, 28));
    assert_eq!(
        text_of(DESIGN, f[0].pattern_span),
        "\"{user:<user_id>}:profile\""
    );
    assert_eq!(line_col(DESIGN, f[3].span.start), (5, 3));
    assert_eq!(text_of(DESIGN, f[5].pattern_span), "\"{acct:<b>}\"");
    assert_eq!(f[0].pattern, parse_placeholders("{user:<user_id>}:profile"));
    assert_eq!(f[2].qps, Some(20000));
    assert_eq!((f[3].cardinality, f[3].qps), (Some(365), None));
    let day = f[3].pattern.holes().next().unwrap();
    assert_eq!((day.name.as_deref(), day.domain), (Some("day"), Some(365)));
    assert!(f[0].pattern.holes().all(|h| h.domain.is_none()));
    let t = s.topology.expect("inline topology");
    assert_eq!(
        (t.node_of(0), t.node_of(5461), t.node_of(16383)),
        (Some("A"), Some("B"), Some("C"))
    );
    assert_eq!(s.topology_file, None);
}

#[test]
fn design_example_transactions() {
    let s = ok(DESIGN);
    let m = &s.model;
    assert_eq!(m.groups.len(), 2);
    assert_eq!(m.ops.len(), 4);
    let checkout = &m.groups[0];
    assert_eq!(checkout.kind, GroupKind::Transaction);
    assert_eq!(text_of(DESIGN, checkout.span), "checkout");
    assert_eq!(line_col(DESIGN, checkout.span.start), (9, 3));
    let keys = m.group_keys(checkout);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].1.pattern.to_string(), "{user:<user_id>}:cart");
    assert_eq!(keys[1].1.pattern.to_string(), "{user:<user_id>}:profile");
    assert_eq!(text_of(DESIGN, keys[0].1.span), "user_cart");
    assert_eq!(line_col(DESIGN, keys[1].1.span.start), (9, 33));
    for &i in &checkout.ops {
        assert!(m.ops[i].command.is_empty());
        assert_eq!(m.ops[i].span, m.ops[i].keys[0].span);
    }
    assert_eq!(
        keys[0].1.pattern.same_slot(&keys[1].1.pattern).kind,
        SameSlot::Same
    );
    let transfer = m.group_keys(&m.groups[1]);
    assert_eq!(text_of(DESIGN, m.groups[1].span), "transfer");
    assert_eq!(
        transfer[0].1.pattern.same_slot(&transfer[1].1.pattern).kind,
        SameSlot::LikelyDifferentVariables
    );
}

#[test]
fn the_design_text_itself_names_undeclared_families() {
    let design: String = DESIGN
        .lines()
        .filter(|l| !l.starts_with("  account_"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        err(&design),
        "s.keys.yaml:8:22: unknown family `account_a` in transaction `transfer` (declare it under `keys:`)"
    );
}

#[test]
fn shorthand_forms() {
    let src = "\
transactions:            # before the families it names
  pay: [cart, 'order']
  audit:
    description: keeps the trail
    keys:
      - cart
keys:
  cart: \"{user:<uid>}:cart\"
  order:
    pattern: '{user:<uid>}:order:<order_id>'
    type: ZSET
    description: 42
topology: ../topology/cluster-shards.txt
";
    let s = ok(src);
    assert_eq!(s.model.families[0].pattern.to_string(), "{user:<uid>}:cart");
    assert_eq!(
        text_of(src, s.model.families[0].pattern_span),
        "\"{user:<uid>}:cart\""
    );
    assert_eq!(
        text_of(src, s.model.families[1].pattern_span),
        "'{user:<uid>}:order:<order_id>'"
    );
    let pay = &s.model.groups[0];
    assert_eq!(text_of(src, s.model.ops[pay.ops[1]].span), "'order'");
    assert_eq!(
        line_col(src, s.model.ops[s.model.groups[1].ops[0]].span.start),
        (6, 9)
    );
    assert_eq!(
        s.topology_file.as_deref(),
        Some(Path::new("../topology/cluster-shards.txt"))
    );
    assert_eq!(
        text_of(src, s.topology_span.unwrap()),
        "../topology/cluster-shards.txt"
    );
    let s = parse(
        "fixtures/schema/x.keys.yaml",
        b"topology: \"/etc/nodes.txt\"\n",
    )
    .unwrap();
    assert_eq!(
        s.topology_file.as_deref(),
        Some(Path::new("/etc/nodes.txt"))
    );
    let s = parse("fixtures/schema/x.keys.yaml", b"topology: nodes.txt\n").unwrap();
    assert_eq!(
        s.topology_file.as_deref(),
        Some(Path::new("fixtures/schema/nodes.txt"))
    );
}

#[test]
fn empty_sections_and_files() {
    for src in [
        "",
        "# nothing yet\n",
        "keys:\ntransactions:\ntopology:\n",
        "{}",
        "keys: {}\n",
    ] {
        let s = ok(src);
        assert!(s.model.families.is_empty() && s.model.groups.is_empty());
        assert!(s.topology.is_none() && s.topology_file.is_none());
    }
}

#[test]
fn cardinality_marks_only_tag_holes() {
    let s = ok("keys:\n  t: { pattern: \"<env>:{tenant:<shard>}:<id>\", cardinality: 100 }\n");
    let domains: Vec<_> = s.model.families[0]
        .pattern
        .holes()
        .map(|h| (h.name.clone().unwrap(), h.domain))
        .collect();
    assert_eq!(
        domains,
        [
            ("env".into(), None),
            ("shard".into(), Some(100)),
            ("id".into(), None)
        ]
    );
    // No tag (empty, unclosed): nothing to mark.
    for p in ["{}<a>", "{<a>", "<a>"] {
        let s = ok(&format!(
            "keys:\n  t: {{ pattern: \"{p}\", cardinality: 7 }}\n"
        ));
        assert!(
            s.model.families[0]
                .pattern
                .holes()
                .all(|h| h.domain.is_none()),
            "{p}"
        );
        assert_eq!(s.model.families[0].cardinality, Some(7));
    }
}

#[test]
fn spans_are_bytes_with_unicode_bom_and_crlf() {
    let src = "\u{feff}keys:\r\n  pé: \"{ü:<id>}\"  # x\r\n  ö: plain:{x}\r\n";
    let s = ok(src);
    let f = &s.model.families;
    assert_eq!(text_of(src, f[0].span), "pé");
    assert_eq!(text_of(src, f[0].pattern_span), "\"{ü:<id>}\"");
    assert_eq!(line_col(src, f[0].pattern_span.start), (2, 7));
    assert_eq!(text_of(src, f[1].pattern_span), "plain:{x}");
    assert_eq!(line_col(src, f[1].span.start), (3, 3));
    assert_eq!(
        err("\u{feff}keys:\n  é: \"ü<1>\"\n"),
        "s.keys.yaml:2:8: invalid placeholder `<1>` in pattern `ü<1>` (names match `[A-Za-z_][A-Za-z0-9_.-]*`)"
    );
    assert_eq!(
        err("\u{feff}bad: 1\n"),
        "s.keys.yaml:1:1: unknown top-level key `bad` (expected `keys`, `transactions` or `topology`)"
    );
}

#[test]
fn placeholders() {
    assert!(check_placeholders("a>b<c>d<e.f-g_h>").is_ok());
    assert_eq!(check_placeholders("a<b").unwrap_err().0, 1);
    assert_eq!(check_placeholders("ab<>").unwrap_err().0, 2);
    assert_eq!(check_placeholders("<a><b c>").unwrap_err().0, 3);
    assert_eq!(check_placeholders("<a<b>").unwrap_err().0, 0);
    assert_eq!(check_placeholders("<9>").unwrap_err().0, 0);
}

/// Each error with its exact position.
#[test]
fn errors_point_at_the_culprit() {
    let cases: &[(&str, &str)] = &[
        ("keys: [\n", "2:1: invalid YAML: while parsing a node, did not find expected node content"),
        ("keys:\n  session: {session}:<id>\n",
         "2:21: invalid YAML: while parsing a block mapping, did not find expected key (quote patterns that start with a hash tag, like \"{session}:<id>\")"),
        ("keys:\n  a: { pattern: {x}:y }\n",
         "2:20: invalid YAML: while parsing a flow mapping, did not find expected ',' or '}' (quote patterns that start with a hash tag, like \"{session}:<id>\")"),
        ("keys:\n  a:\n    pattern: {user:<id>}\n",
         "3:14: `pattern` of family `a` must be a string (quote patterns that start with a hash tag, like \"{session}:<id>\")"),
        ("- a\n", "1:1: a schema must be a YAML mapping with `keys:`, `transactions:` and `topology:`"),
        ("keys:\n  a: &x \"p\"\n", "2:9: YAML anchors and aliases are not supported in schemas"),
        ("keys:\n  a: !!str p\n", "2:12: YAML tags are not supported in schemas"),
        ("keys:\n  a: p\n  b: q\n  a: r\n", "4:3: duplicate family `a` (first on line 2)"),
        ("keys: {a: p}\ntransactions:\n  t: [a]\n  t: [a]\n", "4:3: duplicate transaction `t` (first on line 3)"),
        ("keys: {}\nkeys: {}\n", "2:1: duplicate key `keys` (first on line 1)"),
        ("version: 2\n", "1:1: unknown top-level key `version` (expected `keys`, `transactions` or `topology`)"),
        ("keys: [a]\n", "1:7: `keys` must be a mapping, like `user_cart: \"{user:<user_id>}:cart\"`"),
        ("transactions: x\n", "1:15: `transactions` must be a mapping, like `checkout: [user_cart, user_profile]`"),
        ("keys:\n  \"\": x\n", "2:3: empty family name"),
        ("keys:\n  a: [x]\n", "2:6: family `a` must be a pattern string or a mapping with `pattern:`"),
        ("keys:\n  a:\n", "2:3: family `a` has no `pattern`"),
        ("keys:\n  a: { type: hash }\n", "2:3: family `a` has no `pattern`"),
        ("keys:\n  a: \"\"\n", "2:6: family `a` has an empty pattern"),
        ("keys:\n  a:\n    pattern:\n", "3:5: family `a` has an empty pattern"),
        ("keys:\n  a: { pattern: x, ttl: 5 }\n",
         "2:20: unknown field `ttl` in family `a` (expected `pattern`, `type`, `cardinality`, `qps` or `description`)"),
        ("keys:\n  a: { pattern: x, type: table }\n",
         "2:26: unknown type `table` for family `a` (expected one of string, hash, list, set, zset, stream, json, bitmap, hyperloglog, geo, timeseries, bloom)"),
        ("keys:\n  a: { pattern: x, qps: 0 }\n", "2:25: `qps` of family `a` must be a positive integer, not `0`"),
        ("keys:\n  a: { pattern: x, qps: \"5\" }\n", "2:25: `qps` of family `a` must be a positive integer, not `5`"),
        ("keys:\n  a: { pattern: x, cardinality: -3 }\n", "2:33: `cardinality` of family `a` must be a positive integer, not `-3`"),
        ("keys:\n  a: { pattern: x, cardinality: [1] }\n", "2:33: `cardinality` of family `a` must be a positive integer, not `a list or mapping`"),
        ("keys:\n  a: { pattern: x, description: [1] }\n", "2:33: `description` of family `a` must be a string"),
        ("keys:\n  a: \"{user:<id}:cart\"\n", "2:13: unclosed placeholder in pattern `{user:<id}:cart` (a `<` needs a closing `>`)"),
        ("keys:\n  a: x:<>\n", "2:8: empty placeholder `<>` in pattern `x:<>`"),
        ("keys:\n  a: 'it''s <b c>'\n", "2:6: invalid placeholder `<b c>` in pattern `it's <b c>` (names match `[A-Za-z_][A-Za-z0-9_.-]*`)"),
        ("keys: {a: x}\ntransactions:\n  t: { keys: [a, b] }\n", "3:18: unknown family `b` in transaction `t` (declare it under `keys:`)"),
        ("keys: {a: x}\ntransactions:\n  t: a\n", "3:6: transaction `t` must be a list of families or a mapping with `keys:`"),
        ("keys: {a: x}\ntransactions:\n  t: []\n", "3:3: transaction `t` lists no families"),
        ("keys: {a: x}\ntransactions:\n  t: { description: d }\n", "3:3: transaction `t` has no `keys`"),
        ("keys: {a: x}\ntransactions:\n  t: { keys: a }\n", "3:14: `keys` of transaction `t` must be a list of family names"),
        ("keys: {a: x}\ntransactions:\n  t: { keys: [a], atomic: true }\n", "3:19: unknown field `atomic` in transaction `t` (expected `keys` or `description`)"),
        ("keys: {a: x}\ntransactions:\n  t: [a, [a]]\n", "3:10: members of transaction `t` must be family names"),
        ("topology:\n  nodes: { A: \"0-100\", B: \"50-200\" }\n",
         "2:27: slots 50-100 of node `B` overlap node `A` (line 2)"),
        ("topology:\n  nodez: {}\n", "2:3: unknown key `nodez` in topology (expected `nodes`)"),
        ("topology: [1]\n", "1:11: topology must be a mapping like `nodes: { A: \"0-5460\", B: \"5461-16383\" }`"),
        ("keys: {}\n---\nkeys: {}\n", "2:1: a schema file holds one YAML document, and this starts another"),
        ("keys: {}\n...\nkeys: {}\n", "3:1: a schema file holds one YAML document, and this starts another"),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(src, expected)| {
            let got = err(src);
            (got != format!("s.keys.yaml:{expected}"))
                .then(|| format!("{src:?}\n  got      {got}\n  expected {expected}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let block = format!("keys:\n  a:\n    {}x\n", "- ".repeat(100_000));
    assert_eq!(err(&block), "s.keys.yaml:3:1: schema nests too deeply");
    let cr = format!("keys:\r  a:\r    {}x\r", "- ".repeat(100_000));
    assert_eq!(err(&cr), "s.keys.yaml:1:12: schema nests too deeply");
    let flow = format!("keys: {}\n", "[".repeat(100_000));
    assert!(
        err(&flow).contains("recursion limit exceeded"),
        "{}",
        err(&flow)
    );
    // Just under the limit, block and flow nesting together: parsed on
    // the big stack, then refused as a schema.
    let both = format!(
        "keys:\n  a:\n    {}{}\n",
        "- ".repeat(198),
        "[".repeat(250) + &"]".repeat(250)
    );
    assert_eq!(
        err(&both),
        "s.keys.yaml:3:5: family `a` must be a pattern string or a mapping with `pattern:`"
    );
    // A mapping and a sequence per column, up to the limit.
    let chain: String = (0..197)
        .map(|i| format!("{}- k:\n", " ".repeat(4 + 2 * i)))
        .chain([format!(
            "{}- {}\n",
            " ".repeat(4 + 2 * 197),
            "[".repeat(250)
        )])
        .collect();
    let chain = format!("keys:\n  a:\n{chain}");
    assert!(err(&chain).contains("invalid YAML"), "{}", err(&chain));
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let mut bytes = b"keys:\n  ab: \"x".to_vec();
    bytes.extend([0xff, b'"', b'\n']);
    let e = parse("s.keys.yaml", &bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.keys.yaml:2:9: schema is not valid UTF-8 (byte 0xff)"
    );
}

/// The family names written under `keys:` (two-space indented entries), in
/// order: what a parse of the file must find.
fn declared_families(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut in_keys = false;
    for line in text.lines() {
        if !line.starts_with([' ', '#']) && !line.is_empty() {
            in_keys = line.trim_end() == "keys:";
            continue;
        }
        let Some(entry) = line.strip_prefix("  ") else {
            continue;
        };
        if in_keys && !entry.starts_with([' ', '#']) {
            if let Some((name, _)) = entry.split_once(':') {
                names.push(name);
            }
        }
    }
    names
}

/// `fixtures/schema`: `err_*` give the error their first line names, the
/// others parse into the families they declare, each with the pattern
/// written at its `pattern_span`.
#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schema");
    let mut wrong = Vec::new();
    let (mut seen, mut families) = (0, 0);
    for entry in std::fs::read_dir(&dir).expect("fixtures/schema") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".keys.yaml") {
            continue;
        }
        seen += 1;
        let source = std::fs::read(&path).unwrap();
        let got = parse(&name, &source);
        if name.starts_with("err_") {
            let text = String::from_utf8_lossy(&source);
            let expected = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# error: "))
                .unwrap_or("(no `# error:` line)");
            match got {
                Err(e) if e.to_string() == expected => {}
                other => wrong.push(format!(
                    "{name}\n  got      {:?}\n  expected {expected}",
                    other.map(|_| ()).map_err(|e| e.to_string())
                )),
            }
        } else {
            let text = String::from_utf8_lossy(&source);
            match got {
                Err(e) => wrong.push(format!("{name}: {e}")),
                Ok(schema) => {
                    let found: Vec<&str> = schema
                        .model
                        .families
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect();
                    families += found.len();
                    let declared = declared_families(&text);
                    if found != declared {
                        wrong.push(format!("{name}: families {found:?}, declared {declared:?}"));
                    }
                    for f in &schema.model.families {
                        let written = text_of(&text, f.pattern_span).trim_matches(['"', '\'']);
                        if f.pattern.to_string() != written {
                            wrong.push(format!(
                                "{name}: family {} has pattern `{}`, written `{written}`",
                                f.name, f.pattern
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(seen >= 10, "fixtures not found in {}", dir.display());
    assert!(families >= 50, "only {families} families found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn never_fails_badly(source: &[u8]) -> Result<(), TestCaseError> {
    match parse("p.keys.yaml", source) {
        Ok(s) => {
            let spans = s
                .model
                .families
                .iter()
                .flat_map(|f| [f.span, f.pattern_span])
                .chain(s.model.ops.iter().map(|o| o.span))
                .chain(s.model.groups.iter().map(|g| g.span));
            for span in spans {
                prop_assert!(span.start <= span.end && span.end <= source.len());
                let text = std::str::from_utf8(source).unwrap();
                prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
        Err(e) => {
            let lines = source.split(|&b| b == b'\n').count();
            prop_assert!(e.line >= 1 && e.line <= lines + 1, "{}", e);
            prop_assert!(e.column >= 1, "{}", e);
            prop_assert!(!e.message.is_empty());
            prop_assert!(!e.message.contains("internal error"), "{}", e);
        }
    }
    Ok(())
}

const YAML_BYTES: &[u8] = b"{}[]:-?#&*!|>'\"\n\r\t ,%@`\\<>a0.~\xc3\xa9";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]
    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        never_fails_badly(&bytes)?;
    }

    #[test]
    fn random_yaml_punctuation(bytes in prop::collection::vec(prop::sample::select(YAML_BYTES), 0..120)) {
        never_fails_badly(&bytes)?;
    }

    #[test]
    fn mutated_schema(
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(YAML_BYTES), 0..3u8, 1..4usize),
            1..6,
        )
    ) {
        let mut bytes = DESIGN.as_bytes().to_vec();
        for (at, byte, kind, len) in edits {
            let i = at.index(bytes.len() + 1);
            match kind {
                0 => bytes.insert(i, byte),
                1 => {
                    let end = (i + len).min(bytes.len());
                    bytes.drain(i..end);
                }
                _ => {
                    if i < bytes.len() {
                        bytes[i] = byte;
                    }
                }
            }
        }
        never_fails_badly(&bytes)?;
    }
}
