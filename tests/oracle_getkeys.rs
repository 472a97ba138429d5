//! Oracle: our key positions against a real cluster-mode `redis-server`.
//!
//! For every command of our table that the server knows and that has keys, argv
//! samples (hand-written ones for all multi-key commands and some edge cases, plus
//! generated ones of every legal length) go to `COMMAND GETKEYS`; its answer must be
//! what `slotlint::commands::key_positions` finds. `GETKEYS` refuses sharded channel
//! commands ("no key arguments"), so channel positions are checked by how the server
//! routes them: a channel in an unserved slot gets "Hash slot not served", channels in
//! different slots get CROSSSLOT.

#![allow(clippy::print_stdout, clippy::similar_names)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use slotlint::commands::{self, CommandSpec, KeyPositions};
use slotlint::slot::key_slot;

use common::{Client, RedisServer, Reply};

/// Hand-written calls, split on spaces (`""` is an empty argument): every multi-key
/// command, a few single-key and container commands, and the edge cases of key counts
/// and getkeys functions.
const SAMPLES: &[&str] = &[
    "BITOP AND d a b",
    "BITOP NOT d a",
    "BLMOVE a b LEFT RIGHT 0",
    "BLMPOP 0 2 a b LEFT COUNT 1",
    "BLPOP a b 0",
    "BRPOP a b c 0",
    "BRPOPLPUSH a b 0",
    "BZMPOP 0 2 a b MIN",
    "BZPOPMAX a b 0",
    "BZPOPMIN a b 0",
    "COPY a b DB 0 REPLACE",
    "DEL a b c",
    "EVAL return 2 k1 k2 a1",
    "EVALSHA 0123 2 k1 k2 a1",
    "EVALSHA_RO 0123 2 k1 k2",
    "EVAL_RO return 2 k1 k2 a1",
    "EXISTS a b",
    "FCALL f 2 k1 k2 x",
    "FCALL_RO f 2 k1 k2 x",
    "GEORADIUS g 1 2 3 m STORE x",
    "GEORADIUS g 1 2 3 m STOREDIST y",
    "GEORADIUS g 1 2 3 m STORE x STOREDIST y",
    "GEORADIUS g 1 2 3 m WITHDIST COUNT 5 STORE",
    "GEORADIUSBYMEMBER g mem 3 km STORE x",
    "GEORADIUSBYMEMBER g mem 3 km STOREDIST x ASC",
    "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
    "LCS a b",
    "LMOVE a b LEFT RIGHT",
    "LMPOP 2 a b LEFT",
    "MGET a b c",
    "MIGRATE h 1 \"\" 0 5000 KEYS a b",
    "MIGRATE h 1 \"\" 0 5000 COPY REPLACE AUTH pw KEYS a b c",
    "MIGRATE h 1 \"\" 0 5000 AUTH2 u keys KEYS a",
    "MIGRATE h 1 k 0 5000",
    "MIGRATE h 1 k 0 5000 KEYS a b",
    "MIGRATE h 1 k 0 5000 COPY",
    "MSET a 1 b 2",
    "MSET a 1 a 2",
    "MSETNX a 1 b 2",
    "PFCOUNT a b",
    "PFMERGE d a b",
    "RENAME a b",
    "RENAME a a",
    "RENAMENX a b",
    "RPOPLPUSH a b",
    "SDIFF a b",
    "SDIFFSTORE d a b",
    "SINTER a b",
    "SINTERCARD 2 a b LIMIT 1",
    "SINTERSTORE d a b",
    "SMOVE a b m",
    "SORT a BY w:* GET o:* STORE dst",
    "SORT a LIMIT 0 1 STORE d STORE e",
    "SORT a LIMIT store 1 STORE",
    "SORT a STORE",
    "SORT_RO a BY w:* GET o:*",
    "SSUBSCRIBE a b c",
    "SUNION a b",
    "SUNIONSTORE d a b",
    "SUNSUBSCRIBE a b",
    "TOUCH a b",
    "UNLINK a b",
    "WATCH a b",
    "XREAD COUNT 2 STREAMS s1 s2 0 0",
    "XREAD BLOCK 0 STREAMS s1 s2 $ $",
    "XREAD STREAMS a b c",
    "XREAD COUNT 1 STREAMS x",
    "XREAD x STREAMS a",
    "XREADGROUP GROUP g c COUNT 1 STREAMS s1 s2 > >",
    "XREADGROUP GROUP g c NOACK STREAMS s >",
    "ZDIFF 2 a b WITHSCORES",
    "ZDIFFSTORE d 2 a b",
    "ZINTER 2 a b",
    "ZINTERCARD 2 a b LIMIT 0",
    "ZINTERSTORE d 2 a b AGGREGATE MAX",
    "ZMPOP 2 a b MIN",
    "ZRANGESTORE d s 0 -1",
    "ZUNION 2 a b",
    "ZUNIONSTORE d 2 a b WEIGHTS 1 2",
    // Key counts that Redis refuses, or reads its own way.
    "EVAL s 0",
    "EVAL s -1",
    "EVAL s x a",
    "EVAL s 2abc a b",
    "EVAL s 5 a",
    "FCALL f 0",
    "ZUNIONSTORE d 0 a",
    "ZUNIONSTORE d 3 a b",
    "ZUNIONSTORE d -1 a b",
    "ZUNIONSTORE d 2x a b",
    "ZDIFF 2x a b",
    "ZUNION 01 a",
    "LMPOP 4294967297 a LEFT",
    "LMPOP 99999999999999999999 a LEFT",
    "SINTERCARD 0 a",
    // Single keys, variable flags, containers, channels, keyless commands.
    "GET k",
    "SET k v GET",
    "SET k v EX 10",
    "BITFIELD k GET u8 0",
    "BITFIELD k SET u8 0 1",
    "OBJECT ENCODING k",
    "OBJECT FREQ k",
    "XINFO STREAM s FULL",
    "XINFO GROUPS s",
    "XGROUP CREATE s g $",
    "MEMORY USAGE k SAMPLES 5",
    "SPUBLISH ch msg",
    "PUBLISH ch msg",
    "PING",
    "KEYS *",
];

/// Multi-key commands whose extra keys `COMMAND GETKEYS` never lists, and why.
const GETKEYS_SHOWS_ONE_KEY: &[(&str, &str)] = &[(
    "SORT_RO",
    "its second spec is BY/GET, whose key names come from the sorted data at run time",
)];

#[test]
fn key_positions_match_command_getkeys() {
    // Serve every slot but the last: channel probes tell "hashed" from "not hashed" by
    // sending a channel to the unserved slot.
    let Some(server) = RedisServer::start_cluster_slots(0, 16382) else {
        return;
    };
    let mut oracle = Oracle::new(&server);

    let mut unknown_to_server = Vec::new();
    for command in commands::all() {
        if oracle.server_arity(command).is_none() {
            unknown_to_server.push(command.name());
            continue;
        }
        if command.key_specs().is_empty() {
            continue;
        }
        for argv in generated_argvs(command) {
            oracle.check(command, &argv, false);
        }
    }
    for sample in SAMPLES {
        let argv = split(sample);
        let Some(command) = commands::lookup(&argv[0], argv.get(1).map(String::as_str)) else {
            panic!("sample `{sample}`: not in our table");
        };
        if oracle.server_arity(command).is_some() {
            oracle.check(command, &argv, true);
        }
    }

    let mut missing_cover = Vec::new();
    for command in commands::all().filter(|c| c.is_multi_key()) {
        let name = command.name();
        if unknown_to_server.contains(&name) {
            continue;
        }
        let most = oracle.most_keys_shown.get(name).copied().unwrap_or(0);
        let one_key_ok = GETKEYS_SHOWS_ONE_KEY.iter().any(|(n, _)| *n == name);
        if most == 0 || (most < 2 && !one_key_ok) {
            missing_cover.push(format!("{name} (at most {most} keys shown)"));
        }
    }
    let multi_unknown: Vec<&str> = commands::all()
        .filter(|c| c.is_multi_key() && unknown_to_server.contains(&c.name()))
        .map(CommandSpec::name)
        .collect();

    let keyed = commands::all()
        .filter(|c| !c.key_specs().is_empty() && oracle.commands_checked.contains(c.name()))
        .count();
    println!(
        "oracle_getkeys: {keyed} commands with keys (+{} keyless), {} argvs checked with COMMAND GETKEYS, {} channel probes, {} disagreements",
        oracle.commands_checked.len() - keyed,
        oracle.argvs_checked,
        oracle.probes,
        oracle.disagreements.len()
    );
    println!(
        "oracle_getkeys: {} commands of our table unknown to the server (newer than it), skipped: {}",
        unknown_to_server.len(),
        unknown_to_server.join(", ")
    );
    println!(
        "oracle_getkeys: {} argvs skipped: {} bare names GETKEYS cannot take, {} legal for only one arity; arity differs (ours, server's): {:?}",
        oracle.skipped_unaskable + oracle.skipped_arity,
        oracle.skipped_unaskable,
        oracle.skipped_arity,
        oracle.arity_differs
    );
    for (name, why) in GETKEYS_SHOWS_ONE_KEY {
        println!("oracle_getkeys: {name}: GETKEYS lists one key only: {why}");
    }
    assert!(
        oracle.disagreements.is_empty(),
        "{} disagreements with the server:\n{}",
        oracle.disagreements.len(),
        oracle.disagreements.join("\n")
    );
    assert!(
        multi_unknown.is_empty(),
        "multi-key commands unknown to the server: {multi_unknown:?}"
    );
    assert!(
        missing_cover.is_empty(),
        "multi-key commands not exercised with more than one key: {missing_cover:?}"
    );
}

struct Oracle<'a> {
    server: &'a RedisServer,
    client: Client,
    server_arities: BTreeMap<String, Option<i64>>,
    arity_differs: BTreeMap<String, (i32, i64)>,
    skipped_arity: usize,
    skipped_unaskable: usize,
    commands_checked: BTreeSet<String>,
    most_keys_shown: BTreeMap<String, usize>,
    argvs_checked: usize,
    probes: usize,
    disagreements: Vec<String>,
    unserved_tag: String,
    served_tags: [String; 2],
}

impl<'a> Oracle<'a> {
    fn new(server: &'a RedisServer) -> Self {
        let mut client = server.client();
        let tag_with = |want: &dyn Fn(u16) -> bool| {
            (0..1_000_000)
                .map(|i| format!("t{i}"))
                .find(|t| want(key_slot(format!("{{{t}}}").as_bytes())))
                .unwrap()
        };
        let unserved_tag = tag_with(&|slot| slot == 16383);
        let first = tag_with(&|slot| slot < 16383);
        let first_slot = key_slot(format!("{{{first}}}").as_bytes());
        let second = tag_with(&|slot| slot < 16383 && slot != first_slot);
        for (tag, slot) in [(&unserved_tag, 16383), (&first, first_slot)] {
            let reply = client.cmd_str(&["CLUSTER", "KEYSLOT", &format!("{{{tag}}}")]);
            assert_eq!(
                reply,
                Reply::Int(i64::from(slot)),
                "CLUSTER KEYSLOT {{{tag}}}"
            );
        }
        Oracle {
            server,
            client,
            server_arities: BTreeMap::new(),
            arity_differs: BTreeMap::new(),
            skipped_arity: 0,
            skipped_unaskable: 0,
            commands_checked: BTreeSet::new(),
            most_keys_shown: BTreeMap::new(),
            argvs_checked: 0,
            probes: 0,
            disagreements: Vec::new(),
            unserved_tag,
            served_tags: [first, second],
        }
    }

    /// The server's arity of `command` (`COMMAND INFO container|sub`), `None` when the
    /// server does not know it.
    fn server_arity(&mut self, command: &CommandSpec) -> Option<i64> {
        let name = command.name().to_ascii_lowercase().replace(' ', "|");
        if let Some(&arity) = self.server_arities.get(&name) {
            return arity;
        }
        let arity = match self.client.cmd_str(&["COMMAND", "INFO", &name]) {
            Reply::Array(Some(items)) => match items.first() {
                Some(Reply::Array(Some(info))) => match info.get(1) {
                    Some(Reply::Int(arity)) => Some(*arity),
                    other => panic!("COMMAND INFO {name}: arity {other:?}"),
                },
                _ => None,
            },
            other => panic!("COMMAND INFO {name}: {other:?}"),
        };
        self.server_arities.insert(name, arity);
        arity
    }

    /// Asks GETKEYS about `argv` and compares with our positions; `sample` calls
    /// count toward the multi-key coverage. Skips what the server cannot be asked:
    /// a bare command name (GETKEYS needs one argument after it), and argument counts
    /// legal for only one of our arity and the server's (newer data).
    fn check(&mut self, command: &CommandSpec, argv: &[String], sample: bool) {
        let name = command.name();
        let argc = i64::try_from(argv.len()).unwrap();
        let server_arity = self.server_arity(command).unwrap();
        let legal = |arity: i64| {
            if arity > 0 {
                argc == arity
            } else {
                argc >= -arity
            }
        };
        if i64::from(command.arity()) != server_arity {
            self.arity_differs
                .insert(name.to_owned(), (command.arity(), server_arity));
        }
        if argc < 2 {
            self.skipped_unaskable += 1;
            return;
        }
        if legal(i64::from(command.arity())) != legal(server_arity) {
            self.skipped_arity += 1;
            return;
        }
        self.argvs_checked += 1;
        self.commands_checked.insert(name.to_owned());
        let ours = commands::key_positions(argv);
        let mut request = vec!["COMMAND".to_owned(), "GETKEYS".to_owned()];
        request.extend(argv.iter().cloned());
        let reply = call(&mut self.client, &request);
        let shown = describe(ours.as_ref(), argv);
        let agree = match (&reply, &ours) {
            (Reply::Array(Some(items)), Some(positions)) => {
                let keys: Vec<Reply> = key_values(positions, argv, false)
                    .into_iter()
                    .map(|k| Reply::Bulk(Some(k.into_bytes())))
                    .collect();
                if sample && keys == *items {
                    let most = self.most_keys_shown.entry(name.to_owned()).or_default();
                    *most = (*most).max(items.len());
                }
                keys == *items && key_values(positions, argv, true).is_empty()
            }
            (Reply::Error(e), Some(positions)) if e.contains("has no key arguments") => {
                key_values(positions, argv, false).is_empty()
            }
            (Reply::Error(e), None) => {
                e.contains("Invalid arguments specified")
                    || e.contains("Invalid number of arguments")
            }
            _ => false,
        };
        if !agree {
            self.disagreements
                .push(format!("  {argv:?}: server {reply:?}, ours {shown}"));
        }
        if let Some(positions) = &ours {
            let channels: Vec<usize> = positions
                .iter()
                .filter(|p| p.channel)
                .map(|p| p.index)
                .collect();
            if !channels.is_empty() {
                let routed = self.probe_channels(name, argv, &channels);
                if sample && routed {
                    let most = self.most_keys_shown.entry(name.to_owned()).or_default();
                    *most = (*most).max(channels.len());
                }
            }
        }
    }

    /// Checks that exactly `channels` are hashed, knowing that the server walks the
    /// hashed arguments in order, answers "Hash slot not served" when the first is in
    /// an unserved slot and CROSSSLOT when a later one differs from the first:
    /// * channels in one served slot, every other argument in another: no CROSSSLOT,
    ///   so no other argument is hashed;
    /// * one channel in the unserved slot, everything else in a served one: "not
    ///   served" when it is the first channel, CROSSSLOT otherwise, so it is hashed.
    fn probe_channels(&mut self, name: &str, argv: &[String], channels: &[usize]) -> bool {
        let name_words = name.split(' ').count();
        let unserved = self.unserved_tag.clone();
        let [served, other] = self.served_tags.clone();
        let retag = |tag_of: &dyn Fn(usize) -> String| -> Vec<String> {
            argv.iter()
                .enumerate()
                .map(|(i, a)| {
                    if i < name_words {
                        a.clone()
                    } else {
                        format!("{{{}}}{a}{i}", tag_of(i))
                    }
                })
                .collect()
        };
        let apart = retag(&|i| {
            if channels.contains(&i) {
                served.clone()
            } else {
                other.clone()
            }
        });
        let mut all_ok = self.expect(&apart, None);
        for (n, &channel) in channels.iter().enumerate() {
            let alone = retag(&|i| {
                if i == channel {
                    unserved.clone()
                } else {
                    served.clone()
                }
            });
            let expected = if n == 0 {
                "CLUSTERDOWN Hash slot not served"
            } else {
                "CROSSSLOT"
            };
            all_ok &= self.expect(&alone, Some(expected));
        }
        all_ok
    }

    /// Sends `argv` on a fresh connection (a channel command that runs must not leave
    /// ours in subscribe mode) and expects an error starting with `prefix`, or with
    /// `None` no routing error (CROSSSLOT or slot not served).
    fn expect(&mut self, argv: &[String], prefix: Option<&str>) -> bool {
        self.probes += 1;
        let reply = call(&mut self.server.client(), argv);
        let ok = match (&reply, prefix) {
            (Reply::Error(e), Some(prefix)) => e.starts_with(prefix),
            (_, Some(_)) => false,
            (Reply::Error(e), None) => {
                !e.starts_with("CROSSSLOT") && !e.starts_with("CLUSTERDOWN Hash slot not served")
            }
            (_, None) => true,
        };
        if !ok {
            let expected = prefix.unwrap_or("no routing error");
            self.disagreements.push(format!(
                "  routing probe {argv:?}: expected {expected}, server {reply:?}"
            ));
        }
        ok
    }
}

/// Argvs of every legal length for `command`: distinct placeholders (so that each
/// key's position shows), and all-`2` (so that key counts parse).
fn generated_argvs(command: &CommandSpec) -> Vec<Vec<String>> {
    let words: Vec<String> = command.name().split(' ').map(str::to_owned).collect();
    let arity = usize::try_from(command.arity().unsigned_abs()).unwrap();
    let lengths = if command.arity() > 0 {
        arity..=arity
    } else {
        arity..=arity + 4
    };
    let mut argvs = Vec::new();
    for len in lengths {
        let rest = len.saturating_sub(words.len());
        let mut distinct = words.clone();
        distinct.extend((words.len()..words.len() + rest).map(|i| format!("v{i}")));
        let mut twos = words.clone();
        twos.extend(std::iter::repeat_n("2".to_owned(), rest));
        argvs.push(distinct);
        argvs.push(twos);
    }
    argvs
}

/// Sends `argv` on `client` and reads the reply.
fn call(client: &mut Client, argv: &[String]) -> Reply {
    let args: Vec<&[u8]> = argv.iter().map(String::as_bytes).collect();
    client.cmd(&args)
}

fn split(sample: &str) -> Vec<String> {
    sample
        .split_whitespace()
        .map(|a| {
            if a == "\"\"" {
                String::new()
            } else {
                a.to_owned()
            }
        })
        .collect()
}

fn key_values(positions: &KeyPositions, argv: &[String], channels: bool) -> Vec<String> {
    positions
        .iter()
        .filter(|p| p.channel == channels)
        .map(|p| argv[p.index].clone())
        .collect()
}

fn describe(ours: Option<&KeyPositions>, argv: &[String]) -> String {
    match ours {
        None => "None (an error)".to_owned(),
        Some(p) => format!(
            "keys {:?} channels {:?}",
            key_values(p, argv, false),
            key_values(p, argv, true)
        ),
    }
}
