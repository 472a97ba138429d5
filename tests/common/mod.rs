//! The Redis oracle harness shared by the integration tests: real `redis-server`
//! processes in cluster mode on loopback ports, and a small binary-safe RESP2
//! client with pipelining. Also how the tests run the slotlint binary with
//! input on stdin.
//!
//! A missing `redis-server` skips the oracle tests loudly, except under CI
//! (`CI` set) or with `SLOTLINT_REQUIRE_REDIS=1`, where it fails them.
#![allow(dead_code)]

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a node may take to answer PING, or a cluster to reach `ok`.
const STARTUP: Duration = Duration::from_secs(10);
/// A hung server fails the test after this long instead of hanging it.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Commands per pipeline round trip.
const BATCH: usize = 10_000;

// ---------------------------------------------------------------------------
// RESP2 client

/// A RESP2 reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The integer of an `:N` reply.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// The text of an error reply (`MOVED 3999 127.0.0.1:7001`, `CROSSSLOT …`).
    pub fn error_text(&self) -> Option<&str> {
        match self {
            Reply::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The bytes of a non-nil bulk string.
    pub fn as_bulk(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(Some(b)) => Some(b),
            _ => None,
        }
    }

    /// A simple or bulk string as text (lossy).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Reply::Simple(s) => Some(s.clone()),
            Reply::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    /// The items of a non-nil array.
    pub fn as_array(&self) -> Option<&[Reply]> {
        match self {
            Reply::Array(Some(items)) => Some(items),
            _ => None,
        }
    }

    /// Whether this is the simple string `+OK`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Reply::Simple(s) if s == "OK")
    }
}

/// A connection to one Redis node.
pub struct Client {
    port: u16,
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
}

impl Client {
    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> io::Result<Client> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_write_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Client {
            port,
            reader: BufReader::with_capacity(1 << 16, stream.try_clone()?),
            writer: BufWriter::with_capacity(1 << 16, stream),
        })
    }

    /// Sends one command and reads its reply; panics on I/O errors.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Reply {
        self.try_cmd(args)
            .unwrap_or_else(|e| panic!("redis on port {}: {e}", self.port))
    }

    /// [`Client::cmd`] with string arguments.
    pub fn cmd_str(&mut self, args: &[&str]) -> Reply {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd(&args)
    }

    pub fn try_cmd(&mut self, args: &[&[u8]]) -> io::Result<Reply> {
        encode(&mut self.writer, args)?;
        self.writer.flush()?;
        read_reply(&mut self.reader)
    }

    /// Sends all commands and reads all replies, in batches of 10,000 (write a
    /// batch, then read its replies). Panics on I/O errors.
    pub fn pipeline(&mut self, cmds: &[Vec<Vec<u8>>]) -> Vec<Reply> {
        let mut replies = Vec::with_capacity(cmds.len());
        for batch in cmds.chunks(BATCH) {
            let sent: io::Result<()> = batch.iter().try_for_each(|cmd| {
                let args: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
                encode(&mut self.writer, &args)
            });
            sent.and_then(|()| self.writer.flush())
                .unwrap_or_else(|e| panic!("redis on port {}: write: {e}", self.port));
            for _ in batch {
                let reply = read_reply(&mut self.reader)
                    .unwrap_or_else(|e| panic!("redis on port {}: read: {e}", self.port));
                replies.push(reply);
            }
        }
        replies
    }
}

fn encode(out: &mut impl Write, args: &[&[u8]]) -> io::Result<()> {
    write!(out, "*{}\r\n", args.len())?;
    for arg in args {
        write!(out, "${}\r\n", arg.len())?;
        out.write_all(arg)?;
        out.write_all(b"\r\n")?;
    }
    Ok(())
}

fn read_line(input: &mut impl BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    input.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("truncated reply line {:?}", String::from_utf8_lossy(&line)),
        ));
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

fn read_reply(input: &mut impl BufRead) -> io::Result<Reply> {
    let line = read_line(input)?;
    let (kind, rest) = line.split_at(line.len().min(1));
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| bad(&format!("bad length in {line:?}")))
    };
    Ok(match kind {
        "+" => Reply::Simple(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Int(number()?),
        "$" => match usize::try_from(number()?) {
            Err(_) => Reply::Bulk(None),
            Ok(len) => {
                let mut data = vec![0; len + 2];
                input.read_exact(&mut data)?;
                if !data.ends_with(b"\r\n") {
                    return Err(bad("bulk string without CRLF"));
                }
                data.truncate(len);
                Reply::Bulk(Some(data))
            }
        },
        "*" => match usize::try_from(number()?) {
            Err(_) => Reply::Array(None),
            Ok(n) => Reply::Array(Some(
                (0..n)
                    .map(|_| read_reply(input))
                    .collect::<io::Result<_>>()?,
            )),
        },
        _ => return Err(bad(&format!("unknown reply type in {line:?}"))),
    })
}

// ---------------------------------------------------------------------------
// Running the binary

/// Runs `cmd` (the slotlint binary with its arguments, directory and
/// environment set) with `stdin` written from a thread, so that a binary that
/// exits before reading its input (a usage error) cannot block the test. The
/// write's own result is returned for the tests that check it.
pub fn output_with_stdin(cmd: &mut Command, stdin: &[u8]) -> (Output, io::Result<()>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run slotlint");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let output = child.wait_with_output().expect("slotlint output");
    let written = writer.join().expect("stdin writer");
    (output, written)
}

/// One run of the binary: exit code and text output.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

// ---------------------------------------------------------------------------
// Finding redis-server

/// Whether a missing `redis-server` must fail the tests (`CI` set, or
/// `SLOTLINT_REQUIRE_REDIS=1`).
pub fn require_redis() -> bool {
    std::env::var_os("CI").is_some()
        || std::env::var("SLOTLINT_REQUIRE_REDIS").is_ok_and(|v| v == "1")
}

/// `redis-server` on the PATH (or `$SLOTLINT_REDIS_SERVER`, or `$REDIS_SERVER`).
pub fn redis_server_path() -> Option<PathBuf> {
    find_program(&["SLOTLINT_REDIS_SERVER", "REDIS_SERVER"], "redis-server")
}

/// `redis-cli` on the PATH (or `$REDIS_CLI`).
pub fn redis_cli_path() -> Option<PathBuf> {
    find_program(&["REDIS_CLI"], "redis-cli")
}

/// The first of the `envs` overrides that is set, else `name` on the PATH.
fn find_program(envs: &[&str], name: &str) -> Option<PathBuf> {
    if let Some(path) = envs.iter().find_map(std::env::var_os) {
        // An explicit choice wins, and a wrong one counts as "not installed".
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The server binary, or `None` after a loud skip notice; panics when the
/// oracle is required.
#[allow(clippy::print_stderr)] // a skipped oracle must be loud
fn server_or_skip(test_kind: &str) -> Option<PathBuf> {
    if let Some(path) = redis_server_path() {
        return Some(path);
    }
    assert!(
        !require_redis(),
        "redis-server not found: install it with `apt-get install -y redis-server` \
         (scripts/test does this)"
    );
    eprintln!(
        "\n======================================================================\n\
         SKIPPED: {test_kind} needs redis-server, which is not installed.\n\
         Install it with `apt-get install -y redis-server`; under CI (or with\n\
         SLOTLINT_REQUIRE_REDIS=1) this is a failure, not a skip.\n\
         ======================================================================\n"
    );
    None
}

// ---------------------------------------------------------------------------
// Servers

/// One `redis-server --cluster-enabled yes` child process; killed on drop.
pub struct RedisServer {
    child: Child,
    port: u16,
    cluster_port: u16,
    dir: TempDir,
}

impl RedisServer {
    /// A one-node cluster owning all 16384 slots, `cluster_state:ok`. `None`
    /// (after a skip notice) when redis-server is missing and not required.
    pub fn start_cluster_single() -> Option<RedisServer> {
        let server = RedisServer::start_cluster_slots(0, 16383)?;
        server.wait_for_info(&[("cluster_state", "ok")]);
        Some(server)
    }

    /// A one-node cluster owning slots `first..=last` only, so that a key of any
    /// other slot gets `CLUSTERDOWN Hash slot not served` (routing probes). Does
    /// not wait for `cluster_state:ok`, which a node missing slots never reaches.
    pub fn start_cluster_slots(first: u16, last: u16) -> Option<RedisServer> {
        let bin = server_or_skip("the Redis oracle")?;
        let server = RedisServer::spawn(&bin);
        let reply = server.client().cmd_str(&[
            "CLUSTER",
            "ADDSLOTSRANGE",
            &first.to_string(),
            &last.to_string(),
        ]);
        assert!(reply.is_ok(), "CLUSTER ADDSLOTSRANGE: {reply:?}");
        Some(server)
    }

    /// Starts a node with nothing assigned, waiting until it answers PING.
    fn spawn(bin: &Path) -> RedisServer {
        let mut last_error = String::new();
        for _ in 0..5 {
            match RedisServer::try_spawn(bin) {
                Ok(server) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("cannot start redis-server after 5 attempts: {last_error}");
    }

    fn try_spawn(bin: &Path) -> Result<RedisServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("slotlint-redis-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let (port, cluster_port) = (free_port()?, free_port()?);
        if port == cluster_port {
            return Err("port collision".to_owned());
        }
        let log = File::create(dir.path().join("redis.log")).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .args(["--port", &port.to_string()])
            .args(["--cluster-port", &cluster_port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes"])
            .arg("--cluster-config-file")
            .arg(dir.path().join("nodes.conf"))
            .arg("--dir")
            .arg(dir.path())
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--daemonize", "no"])
            .args(["--protected-mode", "no"])
            .args(["--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
        let mut server = RedisServer {
            child,
            port,
            cluster_port,
            dir,
        };
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                // Most likely the port was taken meanwhile: the caller retries.
                return Err(format!(
                    "redis-server on port {port} exited with {status}; log:\n{}",
                    server.log_tail()
                ));
            }
            if let Ok(mut client) = Client::connect(port) {
                if let Ok(Reply::Simple(pong)) = client.try_cmd(&[b"PING"]) {
                    if pong == "PONG" {
                        // A stranger that took the port meanwhile answers PING too.
                        let info = client
                            .try_cmd(&[b"INFO", b"server"])
                            .ok()
                            .and_then(|r| r.as_text())
                            .unwrap_or_default();
                        let pid = format!("process_id:{}", server.child.id());
                        if info.lines().any(|l| l.trim() == pid) {
                            return Ok(server);
                        }
                        return Err(format!("port {port} answered by another server"));
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "redis-server on port {port} did not answer PING within {STARTUP:?}; log:\n{}",
                    server.log_tail()
                ));
            }
            sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`, the name a `MOVED` redirect (and slotlint's topology) uses.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn cluster_port(&self) -> u16 {
        self.cluster_port
    }

    /// A new connection to this node.
    pub fn client(&self) -> Client {
        Client::connect(self.port).unwrap_or_else(|e| {
            panic!(
                "connect to redis on port {}: {e}\n{}",
                self.port,
                self.log_tail()
            )
        })
    }

    /// The node's id (`CLUSTER MYID`).
    pub fn id(&self) -> String {
        self.client()
            .cmd_str(&["CLUSTER", "MYID"])
            .as_text()
            .expect("CLUSTER MYID")
    }

    /// The fields of `CLUSTER INFO`.
    pub fn cluster_info(&self) -> Vec<(String, String)> {
        let text = self
            .client()
            .cmd_str(&["CLUSTER", "INFO"])
            .as_text()
            .unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
            .collect()
    }

    fn info_matches(&self, wanted: &[(&str, &str)]) -> bool {
        let info = self.cluster_info();
        wanted
            .iter()
            .all(|(k, v)| info.iter().any(|(ik, iv)| ik == k && iv == v))
    }

    /// Waits (bounded) until `CLUSTER INFO` shows every `field:value` wanted.
    fn wait_for_info(&self, wanted: &[(&str, &str)]) {
        let deadline = Instant::now() + STARTUP;
        while !self.info_matches(wanted) {
            assert!(
                Instant::now() < deadline,
                "redis on port {} did not reach {wanted:?} within {STARTUP:?}; CLUSTER INFO: {:?}\nlog:\n{}",
                self.port,
                self.cluster_info(),
                self.log_tail()
            );
            sleep(Duration::from_millis(25));
        }
    }

    /// The last lines of the server log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// The node's working directory (nodes.conf, redis.log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Three masters on loopback with the slots split as `redis-cli --cluster
/// create` would: 0-5460, 5461-10922, 10923-16383.
pub struct RedisCluster3 {
    nodes: Vec<RedisServer>,
}

impl RedisCluster3 {
    /// Slot ranges of node 0, 1, 2.
    pub const RANGES: [(u16, u16); 3] = [(0, 5460), (5461, 10922), (10923, 16383)];

    /// Starts the three nodes, assigns the slots, joins them and waits until
    /// every node reports `cluster_state:ok` and `cluster_known_nodes:3`.
    pub fn start() -> Option<RedisCluster3> {
        let bin = server_or_skip("the Redis cluster oracle")?;
        let nodes: Vec<RedisServer> = (0..3).map(|_| RedisServer::spawn(&bin)).collect();
        for (node, (start, end)) in nodes.iter().zip(Self::RANGES) {
            let reply = node.client().cmd_str(&[
                "CLUSTER",
                "ADDSLOTSRANGE",
                &start.to_string(),
                &end.to_string(),
            ]);
            assert!(
                reply.is_ok(),
                "CLUSTER ADDSLOTSRANGE on {}: {reply:?}",
                node.port
            );
        }
        let (port0, bus0) = (nodes[0].port.to_string(), nodes[0].cluster_port.to_string());
        for node in &nodes[1..] {
            let reply = node
                .client()
                .cmd_str(&["CLUSTER", "MEET", "127.0.0.1", &port0, &bus0]);
            assert!(reply.is_ok(), "CLUSTER MEET from {}: {reply:?}", node.port);
        }
        let cluster = RedisCluster3 { nodes };
        let deadline = Instant::now() + STARTUP * 2;
        let wanted = [("cluster_state", "ok"), ("cluster_known_nodes", "3")];
        while !cluster.nodes.iter().all(|n| n.info_matches(&wanted)) {
            if Instant::now() > deadline {
                let states: Vec<String> = cluster
                    .nodes
                    .iter()
                    .map(|n| {
                        format!(
                            "port {}: {:?}\nlog:\n{}",
                            n.port,
                            n.cluster_info(),
                            n.log_tail()
                        )
                    })
                    .collect();
                panic!(
                    "3-node cluster not ok within {:?}:\n{}",
                    STARTUP * 2,
                    states.join("\n")
                );
            }
            sleep(Duration::from_millis(50));
        }
        Some(cluster)
    }

    /// Node `i` (0, 1 or 2).
    pub fn node(&self, i: usize) -> &RedisServer {
        &self.nodes[i]
    }

    /// A new connection to node `i`.
    pub fn client(&self, i: usize) -> Client {
        self.nodes[i].client()
    }

    /// Which node (0, 1 or 2) owns `slot`.
    pub fn node_of_slot(slot: u16) -> usize {
        Self::RANGES
            .iter()
            .position(|&(start, end)| (start..=end).contains(&slot))
            .unwrap_or_else(|| panic!("slot {slot} out of range"))
    }

    /// Which node owns `key`, by slotlint's slot engine.
    pub fn node_of_key(key: &[u8]) -> usize {
        Self::node_of_slot(slotlint::slot::key_slot(key))
    }
}

// ---------------------------------------------------------------------------
// Helpers for messages

/// `key` with printable ASCII kept and everything else as `\xNN`.
pub fn hex_escape(key: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(key.len());
    for &b in key {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}
