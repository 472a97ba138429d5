//! Tests of the lexer and the scanner.

use super::lex::{self, Kind};
use super::*;
use crate::model::Span;
use proptest::prelude::*;

fn run(code: &str) -> Analysis {
    analyze_full(code.as_bytes(), &identity_offsets(code.len()))
}

fn uses(code: &str) -> Vec<(String, String, bool, String)> {
    run(code)
        .script
        .key_uses
        .iter()
        .map(|u| {
            (
                u.command.clone(),
                u.pattern.to_string(),
                u.from_keys,
                code[u.span.start..u.span.end].to_string(),
            )
        })
        .collect()
}

fn u(cmd: &str, pat: &str, from_keys: bool, text: &str) -> (String, String, bool, String) {
    (cmd.into(), pat.into(), from_keys, text.into())
}

#[test]
fn lexes_strings_comments_and_numbers() {
    let code = br#"a = "x\"y\65\n" .. 'q' -- c
[==[long]] ]==] --[[ c ]] 0x1F 3.5e+2 ..."#;
    let (toks, errs) = lex::lex(code);
    assert!(errs.is_empty(), "{errs:?}");
    let kinds: Vec<_> = toks.iter().map(|t| t.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            Kind::Name,
            Kind::Sym,
            Kind::Str(b"x\"yA\n".to_vec()),
            Kind::Sym,
            Kind::Str(b"q".to_vec()),
            Kind::Str(b"long]] ".to_vec()),
            Kind::Num,
            Kind::Num,
            Kind::Sym,
        ]
    );
    assert_eq!(toks[3].text(code), b"..");
    assert_eq!(toks[7].text(code), b"3.5e+2");
    assert_eq!(toks[8].text(code), b"...");
}

#[test]
fn long_string_skips_first_newline() {
    let (toks, _) = lex::lex(b"[[\r\nab\r\nc]]");
    assert_eq!(toks[0].kind, Kind::Str(b"ab\nc".to_vec()));
}

#[test]
fn lexer_reports_unfinished_things() {
    let a = run("local x = 'abc\nredis.call('GET', 'k')");
    assert!(a.problems[0].message.contains("unfinished string"));
    let b = run("--[==[ redis.call('GET', 'k') ]]");
    assert_eq!(b.problems[0].message, "unfinished long comment");
    assert!(!b.calls_redis);
    let c = run("x = [=[ abc");
    assert_eq!(c.problems[0].message, "unfinished long string");
    assert_eq!(c.problems[0].span, Span::new(4, 11));
}

#[test]
fn comments_and_strings_do_not_count() {
    let a = run("--[[ redis.call('GET', KEYS[9]) ]]\n-- KEYS[8]\nlocal s = 'KEYS[7]' .. \"redis.call('DEL', 'x')\"\nreturn redis.call('GET', KEYS[1])");
    assert_eq!(a.script.max_key_index.map(|(n, _)| n), Some(1));
    assert!(!a.script.dynamic_keys);
    assert_eq!(a.script.key_uses.len(), 1);
}

#[test]
fn keys_indices_and_dynamic_uses() {
    let code = "local a = KEYS[1]\nlocal b = KEYS[3]\nreturn KEYS[2]";
    let s = run(code).script;
    let (n, span) = s.max_key_index.unwrap();
    assert_eq!(n, 3);
    assert_eq!(&code[span.start..span.end], "KEYS[3]");
    assert!(!s.dynamic_keys);
    for dynamic in [
        "return #KEYS",
        "for i, k in ipairs(KEYS) do end",
        "redis.call('DEL', unpack(KEYS))",
        "return KEYS[i]",
        "f(KEYS)",
        "return KEYS[1+1]",
    ] {
        assert!(run(dynamic).script.dynamic_keys, "{dynamic}");
    }
    assert!(
        !run("local t = {} t.KEYS = 1 return ARGV[1]")
            .script
            .dynamic_keys
    );
}

#[test]
fn key_uses_with_keys_literals_and_concat() {
    let code = "local k = KEYS[1]\nredis.call('HSET', k, 'f', ARGV[1])\nredis.call('set', 'user:' .. ARGV[1] .. ':x', 1)\nreturn redis.pcall('GET', KEYS[2] .. ':meta')";
    assert_eq!(
        uses(code),
        vec![
            u("HSET", "<KEYS[1]>", true, "k"),
            u(
                "SET",
                "user:<ARGV[1]>:x",
                false,
                "'user:' .. ARGV[1] .. ':x'"
            ),
            u("GET", "<KEYS[2]>:meta", false, "KEYS[2] .. ':meta'"),
        ]
    );
}

#[test]
fn multi_key_commands_and_varargs() {
    let code = "redis.call('MSET', KEYS[1], 1, KEYS[2], 2)\nredis.call('DEL', 'a', unpack(ARGV))\nredis.call('ZUNIONSTORE', 'd', 2, 's1', 's2')";
    assert_eq!(
        uses(code),
        vec![
            u("MSET", "<KEYS[1]>", true, "KEYS[1]"),
            u("MSET", "<KEYS[2]>", true, "KEYS[2]"),
            u("DEL", "a", false, "'a'"),
            u("ZUNIONSTORE", "d", false, "'d'"),
            u("ZUNIONSTORE", "s1", false, "'s1'"),
            u("ZUNIONSTORE", "s2", false, "'s2'"),
        ]
    );
}

#[test]
fn bindings_resolve_and_respect_scope() {
    let code = "local prefix = 'app:'\nlocal cmd = 'INCR'\nlocal key = prefix .. KEYS[1]\nredis.call(cmd, key)\nlocal function f(key) return redis.call('GET', key) end\nredis.call('GET', key)";
    assert_eq!(
        uses(code),
        vec![
            u("INCR", "app:<KEYS[1]>", false, "key"),
            u("GET", "<key>", false, "key"),
            u("GET", "app:<KEYS[1]>", false, "key"),
        ]
    );
}

#[test]
fn conditional_assignment_forgets_the_value() {
    let code = "local k = 'a'\nif x then k = 'b' end\nredis.call('GET', k)\nlocal j = 'c'\nj = 'd'\nredis.call('GET', j)";
    assert_eq!(
        uses(code),
        vec![u("GET", "<k>", false, "k"), u("GET", "d", false, "j")]
    );
}

#[test]
fn rhs_sees_the_old_binding() {
    let code = "local k = 'a'\nlocal k = k .. ':b'\nredis.call('GET', k)";
    assert_eq!(uses(code), vec![u("GET", "a:b", false, "k")]);
}

#[test]
fn helpers_tostring_format_default_and_aliases() {
    let code = "local call = redis.call\ncall('GET', 'x:' .. tostring(ARGV[1]))\nserver.call('GET', string.format('u:%s:%d', ARGV[1], 7))\nredis.call('GET', ARGV[2] or 'dflt')\nredis.call('GET', cjson.decode(ARGV[3]).key)";
    let a = run(code);
    assert!(a.calls_redis);
    let pats: Vec<String> = a
        .script
        .key_uses
        .iter()
        .map(|u| u.pattern.to_string())
        .collect();
    assert_eq!(
        pats,
        vec!["x:<ARGV[1]>", "u:<ARGV[1]>:7", "<ARGV[2]>", "<?>"]
    );
    let h = a.script.key_uses[2].pattern.holes().next().unwrap().clone();
    assert_eq!(h.default.as_deref(), Some(&b"dflt"[..]));
    assert!(a.script.key_uses[3]
        .pattern
        .holes()
        .all(|h| h.name.is_none()));
}

#[test]
fn statements_without_separators() {
    let code = "local k = KEYS[1] redis.call('GET', k) return 1";
    assert_eq!(uses(code), vec![u("GET", "<KEYS[1]>", true, "k")]);
}

#[test]
fn dynamic_command_names_give_no_uses() {
    let a = run("redis.call(ARGV[1], KEYS[1])");
    assert!(a.calls_redis);
    assert!(a.script.key_uses.is_empty());
    assert!(!run("print('hello')").calls_redis);
}

#[test]
fn offsets_map_to_file_positions() {
    // The script sits at offset 100 in a file, with a 2-byte escape before the key.
    let code = b"redis.call('GET', 'k')";
    let mut offsets: Vec<usize> = (0..=code.len()).map(|i| i + 100).collect();
    for o in offsets.iter_mut().skip(3) {
        *o += 1;
    }
    let s = analyze(code, &offsets);
    assert_eq!(s.span, Span::new(100, 100 + code.len() + 1));
    assert_eq!(s.key_uses[0].span, Span::new(119, 122));
}

#[test]
fn shebang_line_is_skipped() {
    let s = run("#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])").script;
    assert_eq!(s.key_uses.len(), 1);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let code = format!("local x = {}1{}", "(".repeat(50_000), ")".repeat(50_000));
    let _ = run(&code);
    let code = format!("redis.call('GET', {}", "-".repeat(50_000));
    let _ = run(&code);
}

proptest! {
    #[test]
    fn never_panics_and_spans_stay_inside(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let a = analyze_full(&bytes, &identity_offsets(bytes.len()));
        let len = bytes.len();
        prop_assert!(a.script.span.end <= len);
        for u in &a.script.key_uses {
            prop_assert!(u.span.start <= u.span.end && u.span.end <= len);
        }
        for p in &a.problems {
            prop_assert!(p.span.start <= p.span.end && p.span.end <= len);
        }
    }

    #[test]
    fn lua_like_input_never_panics(parts in proptest::collection::vec(prop::sample::select(vec![
        "redis.call(", "redis.pcall(", "KEYS[", "ARGV[", "]", ")", "(", "'k'", "\"a\\\"b\"", "..", ",", "local ",
        "x", "=", "function", "end", "do", "if", "then", "{", "}", "#", "[[", "]]", "--", "\n", "unpack(", "1", " ",
        "string.format(", "'%s'", "or", ":", ".", "...", "[=[", "\\", "for", "in",
    ]), 0..60)) {
        let code: String = parts.concat();
        let a = analyze_full(code.as_bytes(), &identity_offsets(code.len()));
        for u in &a.script.key_uses {
            prop_assert!(u.span.end <= code.len());
        }
    }
}

#[test]
fn bad_bytes_make_one_problem() {
    let a = analyze_full("x = 1 \u{e9}\u{e9} y".as_bytes(), &identity_offsets(11));
    assert_eq!(a.problems.len(), 1);
    assert_eq!(a.problems[0].span, Span::new(6, 10));
}

/// A large script with unbalanced garbage at the end is analyzed completely
/// (speed is measured by scripts/bench-*, not here).
#[test]
fn big_input_is_analyzed_whole() {
    let unit = "local k{i} = 'p:' .. KEYS[1] .. ARGV[{i}]\nif x then redis.call('HSET', k{i}, 'f', (((1)))) end\nlocal t = {{ a = 1, b = function(q) return q end }}\n";
    let mut code = String::new();
    for i in 0..2_000 {
        code.push_str(
            &unit
                .replace("{i}", &i.to_string())
                .replace("{{", "{")
                .replace("}}", "}"),
        );
    }
    code.push_str(&"(((( [ local a = ( x .. { function if do ".repeat(2_000));
    let a = analyze_full(code.as_bytes(), &identity_offsets(code.len()));
    assert_eq!(a.script.key_uses.len(), 2_000);
}

#[test]
fn locals_shadow_globals() {
    let code = "local KEYS = {'a'}\nlocal redis = {}\nredis.call('GET', KEYS[1])\nserver.call('GET', KEYS[1])";
    let a = run(code);
    assert!(a.script.max_key_index.is_none());
    assert_eq!(a.script.key_uses.len(), 1);
    let u = &a.script.key_uses[0];
    assert!(!u.from_keys);
    assert!(u.pattern.holes().all(|h| h.name.is_none()));
}

#[test]
fn keys_before_a_vararg_are_kept() {
    let code = "redis.call('MSET', KEYS[1], ARGV[1], unpack(ARGV, 2))\nredis.call('SET', KEYS[2], unpack(ARGV))";
    assert_eq!(
        uses(code),
        vec![
            u("MSET", "<KEYS[1]>", true, "KEYS[1]"),
            u("SET", "<KEYS[2]>", true, "KEYS[2]"),
        ]
    );
}

fn library(code: &str) -> LibraryAnalysis {
    analyze_library(code.as_bytes(), &identity_offsets(code.len()))
}

#[test]
fn shebang_flags_as_the_server_reads_them() {
    let flags = |code: &str| run(code).script.flags;
    let none = flags("return 1");
    assert!(!none.declared && none.known && none.invalid.is_empty());
    let f = flags("#!lua flags=no-writes,allow-cross-slot-keys\nreturn 1");
    assert!(f.declared && f.has("no-writes") && f.has("allow-cross-slot-keys"));
    assert!(f.invalid.is_empty());
    assert!(flags("#!lua flags=\nreturn 1").invalid.is_empty());
    let bad =
        |code: &str| -> Vec<String> { flags(code).invalid.into_iter().map(|(m, _)| m).collect() };
    assert_eq!(
        bad("#!lua flags=no-write\nreturn 1"),
        ["Unexpected flag in script shebang: no-write"]
    );
    assert_eq!(
        bad("#!lua name=x\nreturn 1"),
        ["Unknown lua shebang option: name=x"]
    );
    assert_eq!(
        bad("#!js\nreturn 1"),
        ["Unexpected engine in script shebang: #!js"]
    );
    assert_eq!(bad("#!lua"), ["Invalid script shebang"]);
}

#[test]
fn registrations_in_every_form() {
    let lib = library(
        "#!lua name=lib\n\
         local function a(keys, args) return redis.call('GET', keys[1]) end\n\
         local b = function(ks) return redis.call('SET', ks[2], 'x') end\n\
         redis.register_function('a', a)\n\
         redis.register_function{function_name='b', callback=b, flags={'no-writes'}}\n\
         server.register_function({function_name='c', callback=function(keys) return redis.call('GET', KEYS[1]) end})\n\
         redis.register_function('d', function(keys) return redis.call('GET', 'fixed') end)\n",
    );
    assert_eq!(lib.name.as_deref(), Some("lib"));
    assert!(lib.invalid.is_empty(), "{:?}", lib.invalid);
    let names: Vec<&str> = lib.functions.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let (_, _, a) = &lib.functions[0];
    assert!(a.key_uses[0].from_keys && a.flags.declared && a.flags.flags.is_empty());
    assert_eq!(a.max_key_index.map(|(n, _)| n), Some(1));
    let (_, _, b) = &lib.functions[1];
    assert_eq!(b.keys_param.as_deref(), Some("ks"));
    assert!(b.flags.has("no-writes") && b.key_uses[0].from_keys);
    assert_eq!(b.calls[0].command, "SET");
    let (_, _, c) = &lib.functions[2];
    assert!(c.global_keys.is_some() && c.max_key_index.is_none());
    let (_, _, d) = &lib.functions[3];
    assert!(!d.key_uses[0].from_keys && d.key_uses[0].pattern.as_literal() == Some(b"fixed"));
}

#[test]
fn library_problems_are_the_servers() {
    let msgs =
        |code: &str| -> Vec<String> { library(code).invalid.into_iter().map(|(m, _)| m).collect() };
    assert_eq!(
        msgs("#!lua name=l flags=x\n"),
        ["Invalid metadata value given: flags=x"]
    );
    assert_eq!(msgs("return 1\n"), ["Missing library metadata"]);
    assert_eq!(msgs("#!lua\n"), ["Library name was not given"]);
    assert_eq!(
        msgs("#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags={'nope'}}\n"),
        Vec::<String>::new(),
        "flag problems belong to the function"
    );
    let lib = library("#!lua name=l\nredis.register_function{function_name='f', callback=function() end, flags={'nope'}}\n");
    assert_eq!(lib.functions[0].2.flags.invalid[0].0, "unknown flag given");
    assert_eq!(
        msgs("#!lua name=l\nredis.register_function('f', function() end, {'no-writes'})\n"),
        ["wrong number of arguments to redis.register_function"]
    );
    assert!(is_library(b"#!lua name=x\n") && !is_library(b"#!lua flags=no-writes\n"));
}

proptest! {
    #[test]
    fn libraries_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        prefix in "(#!lua name=l\n|redis\\.register_function\\(|redis\\.register_function\\{|)",
    ) {
        let mut src = prefix.into_bytes();
        src.extend(bytes);
        let lib = analyze_library(&src, &identity_offsets(src.len()));
        for (_, span, s) in &lib.functions {
            prop_assert!(span.end <= src.len() && s.span.end <= src.len());
        }
        for (_, span) in &lib.invalid {
            prop_assert!(span.end <= src.len());
        }
    }
}
