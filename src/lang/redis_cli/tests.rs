//! Tests of the redis-cli front-end: the splitter against redis-cli's own
//! behavior, grouping, scripts and spans.

use super::*;
use crate::keypattern::Segment;
use proptest::prelude::*;

fn split(line: &str) -> Result<Vec<Vec<u8>>, SplitError> {
    split_args(line.as_bytes(), 0).map(|ts| ts.into_iter().map(|t| t.bytes).collect())
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn text(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

fn commands_of(out: &Output) -> Vec<&str> {
    out.model.ops.iter().map(|o| o.command.as_str()).collect()
}

fn group_commands(out: &Output, g: &Group) -> Vec<String> {
    g.ops
        .iter()
        .map(|&i| out.model.ops[i].command.clone())
        .collect()
}

#[test]
fn splits_like_redis_cli() {
    // Expected values checked with `redis-cli ECHO` on the same lines.
    assert_eq!(
        split("ECHO \"a\\x41\\qb\"").unwrap(),
        vec![b("ECHO"), b("aAqb")]
    );
    assert_eq!(split("ECHO a\"b c\"").unwrap(), vec![b("ECHO"), b("ab c")]);
    assert_eq!(split("ECHO 'it\\'s'").unwrap(), vec![b("ECHO"), b("it's")]);
    assert_eq!(
        split(r#"SET k "\n\r\t\b\a\\\"\x4" ''"#).unwrap(),
        vec![b("SET"), b("k"), b("\n\r\t\u{8}\u{7}\\\"x4"), b("")]
    );
    assert_eq!(split("  GET\tk  \r").unwrap(), vec![b("GET"), b("k")]);
    assert_eq!(split("GET 'a\\nb'").unwrap(), vec![b("GET"), b("a\\nb")]);
    assert_eq!(
        split("GET \"\\xff\\x00\"").unwrap(),
        vec![b("GET"), vec![0xff, 0]]
    );
}

#[test]
fn split_errors() {
    assert_eq!(split("ECHO \"ab"), Err(SplitError::Unbalanced));
    assert_eq!(split("ECHO 'ab"), Err(SplitError::Unbalanced));
    assert_eq!(split("ECHO \"ab\\\""), Err(SplitError::Unbalanced));
    assert_eq!(split("ECHO \"ab\"c"), Err(SplitError::TextAfterQuote));
    assert_eq!(split("ECHO 'ab'c"), Err(SplitError::TextAfterQuote));
    // A CR after the closing quote is the line ending, not text after it.
    assert_eq!(split("ECHO \"ab\"\r").unwrap(), vec![b("ECHO"), b("ab")]);
}

#[test]
fn token_spans_and_offsets() {
    let line = "SET \"a\\x41b\" v";
    let ts = split_args(line.as_bytes(), 10).unwrap();
    assert_eq!(ts[1].span, Span::new(14, 22));
    assert_eq!(ts[1].bytes, b("aAb"));
    // a at 15, \x41 at 16..20, b at 20, closing quote at 21.
    assert_eq!(ts[1].offsets, vec![15, 16, 20, 21]);
    assert_eq!(ts[2].span, Span::new(23, 24));
    assert_eq!(ts[2].offsets, vec![23, 24]);
}

#[test]
fn non_utf8_bytes_are_kept() {
    let src = b"SET \xff{\xfe} v\nMGET \xc3\xa9 x\n";
    let out = parse(src);
    assert!(out.problems.is_empty());
    assert_eq!(commands_of(&out), vec!["SET", "MGET"]);
    let key = &out.model.ops[0].keys[0];
    assert_eq!(key.pattern.as_literal(), Some(&b"\xff{\xfe}"[..]));
    assert_eq!(key.span, Span::new(4, 8));
}

#[test]
fn comments_blank_lines_and_crlf() {
    let src = "# a comment\r\n\r\n   # another\r\nGET k\r\n  \r\nSET \"k 2\" v\r\n";
    let out = parse(src.as_bytes());
    assert!(out.problems.is_empty());
    assert_eq!(commands_of(&out), vec!["GET", "SET"]);
    assert_eq!(text(src, out.model.ops[0].span), "GET k");
    assert_eq!(text(src, out.model.ops[1].keys[0].span), "\"k 2\"");
    assert_eq!(out.model.clients.len(), 1);
    assert_eq!(out.model.clients[0].label, "redis-cli");
}

#[test]
fn unbalanced_line_is_a_problem_and_skipped() {
    let src = "GET a\n  SET \"k v  \nGET b\n";
    let out = parse(src.as_bytes());
    assert_eq!(commands_of(&out), vec!["GET", "GET"]);
    assert_eq!(out.problems.len(), 1);
    assert_eq!(text(src, out.problems[0].span), "SET \"k v");
}

#[test]
fn ops_keys_args_and_names() {
    let src = "mset a 1 b 2\nobject encoding k\nSELECT 2\nMYMOD.DO x y\n3 incr n\n";
    let out = parse(src.as_bytes());
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        commands_of(&out),
        vec!["MSET", "OBJECT ENCODING", "SELECT", "MYMOD.DO", "INCR"]
    );
    let mset = &out.model.ops[0];
    let keys: Vec<_> = mset.keys.iter().map(|k| text(src, k.span)).collect();
    assert_eq!(keys, vec!["a", "b"]);
    let args: Vec<_> = mset.args.iter().map(|a| text(src, a.span)).collect();
    assert_eq!(args, vec!["1", "2"]);
    assert_eq!(mset.client, Some(0));
    let obj = &out.model.ops[1];
    assert_eq!(text(src, obj.keys[0].span), "k");
    assert!(obj.args.is_empty());
    assert_eq!(out.model.ops[2].args[0].value, Some(b("2")));
    assert!(out.model.ops[3].keys.is_empty());
    assert_eq!(out.model.ops[3].args.len(), 2);
    assert_eq!(text(src, out.model.ops[4].keys[0].span), "n");
}

#[test]
fn wrong_arity_is_a_problem() {
    let out = parse(b"GET\nGET a b\n");
    assert_eq!(out.problems.len(), 2);
    assert!(out.problems[0]
        .message
        .contains("wrong number of arguments for GET"));
}

#[test]
fn multi_exec_groups_queued_ops() {
    let src = "SET x 1\nMULTI\nSET a 1\nGET b\nEXEC\nGET c\n";
    let out = parse(src.as_bytes());
    assert!(out.problems.is_empty());
    assert_eq!(out.model.groups.len(), 1);
    let g = &out.model.groups[0];
    assert_eq!(g.kind, GroupKind::Transaction);
    assert_eq!(text(src, g.span), "MULTI");
    assert_eq!(group_commands(&out, g), vec!["SET", "GET"]);
    assert_eq!(g.client, Some(0));
}

#[test]
fn discard_drops_the_transaction() {
    let out = parse(b"WATCH w\nMULTI\nSET a 1\nDISCARD\nMULTI\nSET b 1\nEXEC\n");
    assert!(out.problems.is_empty());
    assert_eq!(out.model.groups.len(), 1);
    assert_eq!(out.model.groups[0].kind, GroupKind::Transaction);
    assert_eq!(out.model.groups[0].ops.len(), 1);
}

#[test]
fn watch_groups_with_the_transaction() {
    let src = "WATCH a b\nWATCH c\nGET a\nMULTI\nSET a 1\nEXEC\n";
    let out = parse(src.as_bytes());
    assert!(out.problems.is_empty());
    let kinds: Vec<_> = out.model.groups.iter().map(|g| g.kind).collect();
    assert_eq!(kinds, vec![GroupKind::Transaction, GroupKind::Watch]);
    let w = &out.model.groups[1];
    assert_eq!(text(src, w.span), "WATCH a b");
    assert_eq!(group_commands(&out, w), vec!["WATCH", "WATCH", "SET"]);
    let keys: Vec<_> = out
        .model
        .group_keys(w)
        .iter()
        .map(|(_, k)| text(src, k.span))
        .collect();
    assert_eq!(keys, vec!["a", "b", "c", "a"]);
}

#[test]
fn unwatch_and_exec_clear_watches() {
    let out = parse(b"WATCH a\nUNWATCH\nMULTI\nSET a 1\nEXEC\nWATCH b\nMULTI\nEXEC\nMULTI\nEXEC\n");
    let kinds: Vec<_> = out.model.groups.iter().map(|g| g.kind).collect();
    assert_eq!(
        kinds,
        vec![
            GroupKind::Transaction,
            GroupKind::Transaction,
            GroupKind::Watch,
            GroupKind::Transaction
        ]
    );
}

#[test]
fn transaction_mistakes_are_problems() {
    let src = "EXEC\nDISCARD\nMULTI\nWATCH k\nMULTI\nSET a 1\n";
    let out = parse(src.as_bytes());
    let messages: Vec<_> = out.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "EXEC without MULTI",
            "DISCARD without MULTI",
            "WATCH inside MULTI is not allowed",
            "MULTI inside MULTI: transactions cannot be nested",
            "MULTI without EXEC: the transaction is never run",
        ]
    );
    assert_eq!(text(src, out.problems[4].span), "MULTI");
    assert_eq!(out.model.groups.len(), 1);
    assert_eq!(group_commands(&out, &out.model.groups[0]), vec!["SET"]);
}

#[test]
fn eval_keys_and_script_spans() {
    // An escape before the key inside the script: file positions must follow.
    let src =
        "EVAL \"local t = '\\t' return redis.call('GET', 'app:x') .. KEYS[2]\" 2 k1 {k}2 argv1\n";
    let out = parse(src.as_bytes());
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let op = &out.model.ops[0];
    assert_eq!(op.command, "EVAL");
    let keys: Vec<_> = op.keys.iter().map(|k| text(src, k.span)).collect();
    assert_eq!(keys, vec!["k1", "{k}2"]);
    let args: Vec<_> = op.args.iter().map(|a| text(src, a.span)).collect();
    assert_eq!(args.len(), 3);
    assert_eq!(args[1..], ["2", "argv1"]);
    let g = &out.model.groups[0];
    assert_eq!(g.kind, GroupKind::Script);
    assert_eq!(g.ops, vec![0]);
    let script = &out.model.scripts[g.script.unwrap()];
    assert_eq!(script.numkeys, Some(2));
    assert_eq!(text(src, script.span), &args[0][1..args[0].len() - 1]);
    let (n, span) = script.max_key_index.unwrap();
    assert_eq!((n, text(src, span)), (2, "KEYS[2]"));
    let u = &script.key_uses[0];
    assert_eq!(u.command, "GET");
    assert_eq!(text(src, u.span), "'app:x'");
    assert_eq!(u.pattern.as_literal(), Some(&b"app:x"[..]));
}

#[test]
fn eval_script_with_escaped_quotes_maps_key_spans() {
    let src = r#"EVAL "return redis.call(\"SET\", \"a\\x\", KEYS[1])" 1 k"#;
    let out = parse(src.as_bytes());
    let u = &out.model.scripts[0].key_uses[0];
    assert_eq!(u.command, "SET");
    assert_eq!(text(src, u.span), r#"\"a\\x\""#);
    assert_eq!(u.pattern.as_literal(), Some(&b"ax"[..]));
}

#[test]
fn eval_inside_multi_is_queued_too() {
    let out = parse(b"MULTI\nEVAL \"return 1\" 1 k\nEXEC\n");
    let kinds: Vec<_> = out.model.groups.iter().map(|g| g.kind).collect();
    assert_eq!(kinds, vec![GroupKind::Script, GroupKind::Transaction]);
    assert_eq!(group_commands(&out, &out.model.groups[1]), vec!["EVAL"]);
}

#[test]
fn numkeys_errors() {
    for (src, msg) in [
        (
            "EVAL \"return 1\" x k",
            "numkeys `x` of EVAL is not a non-negative integer",
        ),
        (
            "EVAL \"return 1\" -1 k",
            "numkeys `-1` of EVAL is not a non-negative integer",
        ),
        (
            "EVALSHA abc 3 k v",
            "numkeys 3 of EVALSHA is greater than the number of arguments after it (2)",
        ),
        (
            "FCALL f",
            "wrong number of arguments for FCALL: it needs numkeys",
        ),
    ] {
        let out = parse(src.as_bytes());
        assert_eq!(out.problems.len(), 1, "{src}: {:?}", out.problems);
        assert_eq!(out.problems[0].message, msg);
        assert!(out.model.ops[0].keys.is_empty());
        assert_eq!(out.model.groups[0].kind, GroupKind::Script);
    }
}

#[test]
fn evalsha_and_fcall_scripts_have_no_source() {
    let src = "EVALSHA 0123abcd 1 k a\nFCALL_RO myfunc 0\n";
    let out = parse(src.as_bytes());
    assert!(out.problems.is_empty());
    assert_eq!(out.model.scripts.len(), 2);
    assert_eq!(text(src, out.model.scripts[0].span), "0123abcd");
    assert_eq!(out.model.scripts[0].numkeys, Some(1));
    assert!(out.model.scripts[0].key_uses.is_empty());
    assert_eq!(text(src, out.model.scripts[1].span), "myfunc");
    assert_eq!(out.model.scripts[1].numkeys, Some(0));
    assert_eq!(text(src, out.model.ops[0].keys[0].span), "k");
}

#[test]
fn script_load_is_analyzed() {
    let out = parse(b"SCRIPT LOAD \"return redis.call('GET', 'x')\"\n");
    assert_eq!(out.model.ops[0].command, "SCRIPT LOAD");
    assert_eq!(out.model.scripts.len(), 1);
    assert_eq!(out.model.scripts[0].numkeys, None);
    assert!(out.model.groups.is_empty());
}

#[test]
fn lua_problems_in_eval_are_reported() {
    let src = "EVAL \"return 'x\" 0\n";
    let out = parse(src.as_bytes());
    assert_eq!(out.problems.len(), 1);
    assert_eq!(text(src, out.problems[0].span), "'x");
}

#[test]
fn key_patterns_are_literal() {
    let out = parse(b"GET {user:1}:a\n");
    let p = &out.model.ops[0].keys[0].pattern;
    assert!(matches!(p.segments(), [Segment::Lit(_)]));
}

fn check_spans(src: &[u8], out: &Output) -> Result<(), TestCaseError> {
    let ok = |s: Span| s.start <= s.end && s.end <= src.len();
    for op in &out.model.ops {
        prop_assert!(ok(op.span));
        for k in &op.keys {
            prop_assert!(ok(k.span));
        }
        for a in &op.args {
            prop_assert!(ok(a.span));
        }
    }
    for g in &out.model.groups {
        prop_assert!(ok(g.span));
        prop_assert!(g.ops.iter().all(|&i| i < out.model.ops.len()));
    }
    for s in &out.model.scripts {
        prop_assert!(ok(s.span));
        for u in &s.key_uses {
            prop_assert!(ok(u.span));
        }
    }
    for p in &out.problems {
        prop_assert!(ok(p.span));
    }
    Ok(())
}

proptest! {
    #[test]
    fn random_bytes_never_panic(src in proptest::collection::vec(any::<u8>(), 0..400)) {
        let out = parse(&src);
        check_spans(&src, &out)?;
    }

    #[test]
    fn command_like_lines_never_panic(parts in proptest::collection::vec(prop::sample::select(vec![
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "EVAL", "EVALSHA", "FCALL", "GET", "MSET",
        "SCRIPT LOAD", " ", "\n", "\r\n", "\"", "'", "\\", "\\x4", "\\x41", "KEYS[1]", "redis.call(",
        "'GET'", ",", ")", "1", "2", "-1", "k", "{t}k", "#", "\t", "\0", "\u{e9}",
    ]), 0..80)) {
        let src: String = parts.concat();
        let out = parse(src.as_bytes());
        check_spans(src.as_bytes(), &out)?;
    }
}
