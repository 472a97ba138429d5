//! Unit tests of the command table and of the key-position algorithm.

use super::{all, gen, key_positions, lookup, parse_table, CommandSpec, KeySpec, TABLE_YAML};

/// Non-channel key values of a call (what `COMMAND GETKEYS` would list), or `None`.
fn keys(argv: &str) -> Option<Vec<String>> {
    let argv = split(argv);
    let positions = key_positions(&argv)?;
    Some(
        positions
            .iter()
            .filter(|p| !p.channel)
            .map(|p| argv[p.index].clone())
            .collect(),
    )
}

/// Channel values of a call.
fn channels(argv: &str) -> Option<Vec<String>> {
    let argv = split(argv);
    let positions = key_positions(&argv)?;
    Some(
        positions
            .iter()
            .filter(|p| p.channel)
            .map(|p| argv[p.index].clone())
            .collect(),
    )
}

/// Splits on spaces; `""` stands for an empty argument.
fn split(argv: &str) -> Vec<String> {
    argv.split_whitespace()
        .map(|a| {
            if a == "\"\"" {
                String::new()
            } else {
                a.to_owned()
            }
        })
        .collect()
}

#[allow(clippy::unnecessary_wraps)] // compared with `Option` results
fn list(items: &str) -> Option<Vec<String>> {
    Some(items.split_whitespace().map(str::to_owned).collect())
}

#[test]
fn table_loads_and_renders_back_byte_for_byte() {
    let commands = parse_table(TABLE_YAML).expect("table parses");
    assert_eq!(commands.len(), all().count());
    assert!(commands.len() > 350, "{} commands", commands.len());
    assert_eq!(gen::render(&commands), TABLE_YAML);
}

#[test]
fn compact_key_specs_round_trip() {
    for command in all() {
        for spec in command.key_specs() {
            let text = spec.to_string();
            assert_eq!(
                text.parse::<KeySpec>().as_ref(),
                Ok(spec),
                "{}: {text}",
                command.name()
            );
        }
    }
    for bad in [
        "",
        "XX index 1 range last=0",
        "RO index",
        "RO index 1",
        "RO index 1 range",
        "RO index 1 range last=0 foo=1",
        "RO,RW index 1 range last=0",
        "RO index 1 range last=0 extra",
    ] {
        assert!(bad.parse::<KeySpec>().is_err(), "{bad}");
    }
}

/// The commands whose key specs admit more than one key (or sharded channel) in one
/// call: more than one key spec, or a keynum / unknown / open range spec.
const MULTI_KEY: &[&str] = &[
    "BITOP",
    "BLMOVE",
    "BLMPOP",
    "BLPOP",
    "BRPOP",
    "BRPOPLPUSH",
    "BZMPOP",
    "BZPOPMAX",
    "BZPOPMIN",
    "COPY",
    "DEL",
    "EVAL",
    "EVALSHA",
    "EVALSHA_RO",
    "EVAL_RO",
    "EXISTS",
    "FCALL",
    "FCALL_RO",
    "GEORADIUS",
    "GEORADIUSBYMEMBER",
    "GEOSEARCHSTORE",
    "LCS",
    "LMOVE",
    "LMPOP",
    "MGET",
    "MIGRATE",
    "MSET",
    "MSETNX",
    "PFCOUNT",
    "PFMERGE",
    "RENAME",
    "RENAMENX",
    "RPOPLPUSH",
    "SDIFF",
    "SDIFFSTORE",
    "SINTER",
    "SINTERCARD",
    "SINTERSTORE",
    "SMOVE",
    "SORT",
    "SORT_RO",
    "SSUBSCRIBE",
    "SUNION",
    "SUNIONSTORE",
    "SUNSUBSCRIBE",
    "TOUCH",
    "UNLINK",
    "WATCH",
    "XREAD",
    "XREADGROUP",
    "ZDIFF",
    "ZDIFFSTORE",
    "ZINTER",
    "ZINTERCARD",
    "ZINTERSTORE",
    "ZMPOP",
    "ZRANGESTORE",
    "ZUNION",
    "ZUNIONSTORE",
];

#[test]
fn fifty_nine_multi_key_commands() {
    let found: Vec<&str> = all()
        .filter(|c| c.is_multi_key())
        .map(CommandSpec::name)
        .collect();
    assert_eq!(found, MULTI_KEY);
    assert_eq!(found.len(), 59);
    // Two of them are channel commands, and SORT / SORT_RO count through their
    // unknown BY/GET/STORE specs.
    let channels: Vec<&str> = all()
        .filter(|c| c.is_multi_key() && c.has_channels())
        .map(CommandSpec::name)
        .collect();
    assert_eq!(channels, ["SSUBSCRIBE", "SUNSUBSCRIBE"]);
}

#[test]
fn lookup_is_case_insensitive_and_knows_containers() {
    assert_eq!(lookup("mget", None).map(CommandSpec::name), Some("MGET"));
    assert_eq!(
        lookup("MGet", Some("k")).map(CommandSpec::name),
        Some("MGET")
    );
    assert_eq!(
        lookup("object", Some("Encoding")).map(CommandSpec::name),
        Some("OBJECT ENCODING")
    );
    assert_eq!(
        lookup("object", Some("encoding")).and_then(|c| c.container()),
        Some("OBJECT")
    );
    assert_eq!(
        lookup("object", None).map(CommandSpec::name),
        Some("OBJECT")
    );
    assert!(lookup("object", Some("nosuch")).is_none());
    assert!(lookup("nosuch", None).is_none());
    assert!(lookup("", None).is_none());
    assert_eq!(
        lookup("xinfo", Some("stream")).map(CommandSpec::name),
        Some("XINFO STREAM")
    );
}

#[test]
fn command_classes() {
    let get = |name: &str| lookup(name, None).unwrap();
    assert!(get("SET").is_write() && !get("SET").is_readonly());
    assert!(get("GET").is_readonly() && !get("GET").is_write());
    for name in [
        "KEYS",
        "SCAN",
        "FLUSHALL",
        "FLUSHDB",
        "RANDOMKEY",
        "DBSIZE",
        "SELECT",
        "MOVE",
        "SWAPDB",
    ] {
        assert!(get(name).is_node_local(), "{name}");
    }
    assert!(!get("GET").is_node_local());
    let scripts: Vec<&str> = all()
        .filter(|c| c.is_script())
        .map(CommandSpec::name)
        .collect();
    assert_eq!(
        scripts,
        [
            "EVAL",
            "EVALSHA",
            "EVALSHA_RO",
            "EVAL_RO",
            "FCALL",
            "FCALL_RO"
        ]
    );
    assert!(!get("GET").is_multi_key() && !get("SET").is_multi_key());
}

#[test]
fn key_specs_give_redis_positions() {
    assert_eq!(keys("MGET a b c"), list("a b c"));
    assert_eq!(keys("mset a 1 b 2"), list("a b"));
    assert_eq!(keys("MSET a 1 a 2"), list("a a"), "Redis keeps duplicates");
    assert_eq!(keys("DEL a b"), list("a b"));
    assert_eq!(keys("RENAME a b"), list("a b"));
    assert_eq!(keys("SUNIONSTORE d a b"), list("d a b"));
    assert_eq!(keys("ZUNIONSTORE d 2 a b WEIGHTS 1 2"), list("d a b"));
    assert_eq!(keys("BLMOVE a b LEFT RIGHT 0"), list("a b"));
    assert_eq!(keys("BLPOP a b 0"), list("a b"));
    assert_eq!(keys("XREAD COUNT 2 STREAMS s1 s2 0 0"), list("s1 s2"));
    assert_eq!(
        keys("XREADGROUP GROUP g c STREAMS s1 s2 > >"),
        list("s1 s2")
    );
    assert_eq!(keys("EVAL return 2 k1 k2 a1"), list("k1 k2"));
    assert_eq!(keys("FCALL f 2 k1 k2 x"), list("k1 k2"));
    assert_eq!(keys("LMPOP 2 a b LEFT"), list("a b"));
    assert_eq!(keys("BZMPOP 0 2 a b MIN"), list("a b"));
    assert_eq!(keys("SINTERCARD 2 a b LIMIT 1"), list("a b"));
    assert_eq!(keys("GEORADIUS g 1 2 3 m STORE x"), list("g x"));
    assert_eq!(
        keys("GEORADIUS g 1 2 3 m STORE x STOREDIST y"),
        list("g x y")
    );
    assert_eq!(keys("OBJECT ENCODING k"), list("k"));
    assert_eq!(keys("XINFO STREAM s"), list("s"));
    assert_eq!(keys("LCS a b"), list("a b"));
    assert_eq!(keys("SET k v GET"), list("k"));
    assert_eq!(keys("BITFIELD k GET u8 0"), list("k"));
}

#[test]
fn getkeys_functions_where_specs_fall_short() {
    assert_eq!(keys("SORT a BY w:* GET o:* STORE dst"), list("a dst"));
    assert_eq!(
        keys("SORT a STORE d STORE e"),
        list("a e"),
        "the last STORE wins"
    );
    assert_eq!(keys("SORT a LIMIT 0 1"), list("a"));
    assert_eq!(keys("SORT a LIMIT store 1 STORE"), list("a"));
    assert_eq!(keys("SORT_RO a BY x"), list("a"));
    assert_eq!(keys("MIGRATE h 1 \"\" 0 5000 KEYS a b"), list("a b"));
    assert_eq!(keys("MIGRATE h 1 k 0 5000"), list("k"));
    assert_eq!(
        keys("MIGRATE h 1 k 0 5000 KEYS a b"),
        None,
        "KEYS with a key is an error"
    );
    assert_eq!(keys("MIGRATE h 1 \"\" 0 5000 AUTH keys KEYS a"), list("a"));
    assert_eq!(keys("EVAL s 2abc a b"), list("a b"), "atoi in evalGetKeys");
}

#[test]
fn bad_key_counts_are_refused_like_redis() {
    assert_eq!(keys("EVAL s 0"), list(""), "EVAL may have no keys");
    assert_eq!(keys("EVAL s -1"), list(""));
    assert_eq!(keys("EVAL s x"), list(""));
    assert_eq!(keys("EVAL s 5 a"), list(""));
    assert_eq!(keys("ZUNIONSTORE d 0 a"), None);
    assert_eq!(keys("ZUNIONSTORE d 3 a b"), None);
    assert_eq!(keys("ZUNIONSTORE d -1 a b"), None);
    assert_eq!(keys("LMPOP 99999999999999999999 a LEFT"), None);
    assert_eq!(
        keys("LMPOP 4294967297 a LEFT"),
        list("a"),
        "Redis casts the count to int"
    );
    assert_eq!(keys("XREAD STREAMS a b c"), list("a"));
    assert_eq!(keys("XREAD COUNT 1 STREAMS"), None);
    assert_eq!(keys("XREAD x STREAMS a"), None);
    assert_eq!(keys("GET"), None, "arity");
    assert_eq!(keys("GET a b"), None, "arity");
    assert_eq!(keys("OBJECT"), None, "arity");
    assert_eq!(keys("NOSUCH a"), None);
    assert_eq!(keys("PING"), list(""), "known, no keys");
}

#[test]
fn sharded_channels_are_marked() {
    assert_eq!(channels("SPUBLISH ch msg"), list("ch"));
    assert_eq!(keys("SPUBLISH ch msg"), list(""));
    assert_eq!(channels("SSUBSCRIBE a b c"), list("a b c"));
    assert_eq!(channels("SUNSUBSCRIBE a b"), list("a b"));
    assert_eq!(channels("SUNSUBSCRIBE"), list(""));
    assert_eq!(
        channels("PUBLISH ch msg"),
        list(""),
        "classic pub/sub is not sharded"
    );
}

#[test]
fn odd_argv_does_not_panic() {
    let none: &[&[u8]] = &[];
    assert!(key_positions(none).is_none());
    assert!(key_positions(&[&b"\xff\xfe"[..], b"a"]).is_none());
    assert!(key_positions(&[&b"object"[..], b"\xff"]).is_none());
    assert_eq!(
        key_positions(&[&b"GET"[..], b"\xff"]).map(|p| p.len()),
        Some(1)
    );
    assert_eq!(keys("SORT a store"), list("a"));
    assert_eq!(keys("GEORADIUS g 1 2 3 m STORE"), list("g"));
}

mod prop {
    use proptest::prelude::*;

    use super::super::{all, key_positions};

    fn arg() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"0".to_vec()),
            Just(b"1".to_vec()),
            Just(b"2".to_vec()),
            Just(b"-1".to_vec()),
            Just(b"99999999999".to_vec()),
            Just(b"STORE".to_vec()),
            Just(b"KEYS".to_vec()),
            Just(b"STREAMS".to_vec()),
            Just(b"LIMIT".to_vec()),
            Just(Vec::new()),
            proptest::collection::vec(any::<u8>(), 0..6),
        ]
    }

    proptest! {
        #[test]
        fn positions_stay_inside_argv(
            which in 0..400usize,
            args in proptest::collection::vec(arg(), 0..9),
        ) {
            let commands: Vec<_> = all().collect();
            let command = commands[which % commands.len()];
            let mut argv: Vec<Vec<u8>> = command.name().split(' ').map(|w| w.as_bytes().to_vec()).collect();
            argv.extend(args);
            if let Some(positions) = key_positions(&argv) {
                for index in positions.indices() {
                    prop_assert!(index > 0 && index < argv.len());
                }
            }
        }
    }
}
