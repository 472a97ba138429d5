//! Oracle: our key positions against a real cluster-mode `redis-server`.
//!
//! For every command of our table that the server knows and that has keys, argv
//! samples (hand-written ones for all multi-key commands and some edge cases, plus
//! generated ones of every legal length) go to `COMMAND GETKEYS`; its answer must be
//! what `slotlint::commands::key_positions` finds. `GETKEYS` refuses sharded channel
//! commands ("no key arguments"), so channel positions are checked by how the server
//! routes them: a channel in an unserved slot gets "Hash slot not served", channels in
//! different slots get CROSSSLOT.

#![allow(clippy::print_stdout, clippy::print_stderr, clippy::similar_names)]

use std::collections::{BTreeMap, BTreeSet};

use slotlint::commands::{self, CommandSpec, KeyPositions};
use slotlint::slot::key_slot;

use redis_helper::{Conn, RedisServer, Reply};

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
    let Some(server) = RedisServer::start_or_skip() else {
        return;
    };
    let mut conn = server.connect();
    // Serve every slot but the last: channel probes tell "hashed" from "not hashed" by
    // sending a channel to the unserved slot.
    let reply = conn.call(&["CLUSTER", "ADDSLOTSRANGE", "0", "16382"]);
    assert_eq!(reply, Reply::Status("OK".into()), "CLUSTER ADDSLOTSRANGE");
    let mut oracle = Oracle::new(conn);

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

struct Oracle {
    conn: Conn,
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

impl Oracle {
    fn new(mut conn: Conn) -> Self {
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
            let reply = conn.call(&["CLUSTER", "KEYSLOT", &format!("{{{tag}}}")]);
            assert_eq!(
                reply,
                Reply::Int(i64::from(slot)),
                "CLUSTER KEYSLOT {{{tag}}}"
            );
        }
        Oracle {
            conn,
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
        let arity = match self.conn.call(&["COMMAND", "INFO", &name]) {
            Reply::Array(items) => match items.first() {
                Some(Reply::Array(info)) => match info.get(1) {
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
        let reply = self.conn.call(&request);
        let shown = describe(ours.as_ref(), argv);
        let agree = match (&reply, &ours) {
            (Reply::Array(items), Some(positions)) => {
                let keys: Vec<Reply> = key_values(positions, argv, false)
                    .into_iter()
                    .map(|k| Reply::Bulk(k.into_bytes()))
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
        let reply = self.conn.fresh().call(argv);
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

// ---------------------------------------------------------------------------------
// A private, minimal Redis harness: one cluster-mode redis-server on a free loopback
// port, killed on drop, and a binary-safe RESP2 client. To be replaced by the shared
// harness in tests/common once it exists.
// ---------------------------------------------------------------------------------
mod redis_helper {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// A RESP2 reply.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Reply {
        Status(String),
        Error(String),
        Int(i64),
        Bulk(Vec<u8>),
        Nil,
        Array(Vec<Reply>),
    }

    pub struct RedisServer {
        child: Child,
        port: u16,
        _dir: tempfile::TempDir,
    }

    impl RedisServer {
        /// Starts a server, or returns `None` after a loud notice when `redis-server`
        /// is not installed (a failure instead under `CI` or `SLOTLINT_REQUIRE_REDIS=1`).
        pub fn start_or_skip() -> Option<Self> {
            let Some(binary) = find_binary() else {
                let required = std::env::var_os("CI").is_some()
                    || std::env::var("SLOTLINT_REQUIRE_REDIS").is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "redis-server not found: install it (apt-get install -y redis-server)"
                );
                eprintln!(
                    "\n########## SKIPPED: redis-server not found (apt-get install -y redis-server); \
                     set SLOTLINT_REQUIRE_REDIS=1 to make this a failure ##########\n"
                );
                return None;
            };
            let mut last_error = String::new();
            for _ in 0..5 {
                match Self::try_start(&binary) {
                    Ok(server) => return Some(server),
                    Err(e) => last_error = e,
                }
            }
            panic!("could not start {}: {last_error}", binary.display());
        }

        fn try_start(binary: &PathBuf) -> Result<Self, String> {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let (port, bus_port) = (free_port()?, free_port()?);
            let log =
                std::fs::File::create(dir.path().join("redis.log")).map_err(|e| e.to_string())?;
            let path = |name: &str| dir.path().join(name).display().to_string();
            let child = Command::new(binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                // The bus port defaults to port + 10000, which may not exist.
                .args(["--cluster-port", &bus_port.to_string()])
                .args([
                    "--cluster-enabled",
                    "yes",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .args([
                    "--cluster-config-file",
                    &path("nodes.conf"),
                    "--dir",
                    &path(""),
                ])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| e.to_string())?;
            let mut server = RedisServer {
                child,
                port,
                _dir: dir,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = server.child.try_wait() {
                    return Err(format!("exited with {status} (port {port} taken?)"));
                }
                if let Ok(mut conn) = Conn::open(port) {
                    // Make sure we talk to our own process, not a stranger on the port.
                    if let Reply::Bulk(info) = conn.call(&["INFO", "server"]) {
                        let info = String::from_utf8_lossy(&info);
                        let pid = format!("process_id:{}", server.child.id());
                        if info.lines().any(|l| l.trim() == pid) {
                            return Ok(server);
                        }
                        return Err(format!("port {port} answered by another server"));
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err("no answer within 10s".into())
        }

        pub fn connect(&self) -> Conn {
            Conn::open(self.port).expect("connect to redis-server")
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// `$SLOTLINT_REDIS_SERVER` when set, else `/usr/bin/redis-server` or the `PATH`.
    fn find_binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("SLOTLINT_REDIS_SERVER") {
            return Some(PathBuf::from(path)).filter(|p| p.is_file());
        }
        let fixed = PathBuf::from("/usr/bin/redis-server");
        if fixed.is_file() {
            return Some(fixed);
        }
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join("redis-server"))
            .find(|p| p.is_file())
    }

    fn free_port() -> Result<u16, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
    }

    /// A RESP2 connection.
    pub struct Conn {
        port: u16,
        reader: BufReader<TcpStream>,
        writer: TcpStream,
    }

    impl Conn {
        fn open(port: u16) -> std::io::Result<Self> {
            let stream = TcpStream::connect(("127.0.0.1", port))?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            let writer = stream.try_clone()?;
            Ok(Conn {
                port,
                reader: BufReader::new(stream),
                writer,
            })
        }

        /// Another connection to the same server.
        pub fn fresh(&self) -> Conn {
            Conn::open(self.port).expect("connect to redis-server")
        }

        /// Sends one command (an array of bulk strings) and reads its reply.
        pub fn call<S: AsRef<[u8]>>(&mut self, argv: &[S]) -> Reply {
            let mut out = format!("*{}\r\n", argv.len()).into_bytes();
            for arg in argv {
                let arg = arg.as_ref();
                out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
                out.extend_from_slice(arg);
                out.extend_from_slice(b"\r\n");
            }
            self.writer.write_all(&out).expect("write to redis-server");
            self.read_reply().expect("read from redis-server")
        }

        fn read_line(&mut self) -> std::io::Result<String> {
            let mut line = Vec::new();
            self.reader.read_until(b'\n', &mut line)?;
            if !line.ends_with(b"\r\n") {
                return Err(std::io::Error::other("truncated reply"));
            }
            line.truncate(line.len() - 2);
            Ok(String::from_utf8_lossy(&line).into_owned())
        }

        fn read_reply(&mut self) -> std::io::Result<Reply> {
            let line = self.read_line()?;
            let (kind, rest) = line
                .split_at_checked(1)
                .ok_or_else(|| std::io::Error::other("empty line"))?;
            let number = || {
                rest.parse::<i64>()
                    .map_err(|_| std::io::Error::other(format!("bad number {rest}")))
            };
            Ok(match kind {
                "+" => Reply::Status(rest.to_owned()),
                "-" => Reply::Error(rest.to_owned()),
                ":" => Reply::Int(number()?),
                "$" => match usize::try_from(number()?) {
                    Err(_) => Reply::Nil,
                    Ok(len) => {
                        let mut data = vec![0; len + 2];
                        self.reader.read_exact(&mut data)?;
                        data.truncate(len);
                        Reply::Bulk(data)
                    }
                },
                "*" => match usize::try_from(number()?) {
                    Err(_) => Reply::Nil,
                    Ok(len) => Reply::Array(
                        (0..len)
                            .map(|_| self.read_reply())
                            .collect::<Result<_, _>>()?,
                    ),
                },
                _ => return Err(std::io::Error::other(format!("unexpected reply {line}"))),
            })
        }
    }
}
