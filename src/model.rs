//! The language-free model every front-end produces and every rule reads:
//! ops (one Redis command each), groups of ops the server or client treats
//! together, key families and scripts. Spans are byte offsets into the file.

use crate::keypattern::KeyPattern;

/// A byte range in the analyzed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A key argument: the pattern and where the code writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pattern: KeyPattern,
    pub span: Span,
}

/// A non-key argument, known literally or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub value: Option<Vec<u8>>,
    pub span: Span,
}

/// Whether the client is a cluster client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Topology {
    /// Not known (redis-cli scripts, a client passed in from elsewhere).
    #[default]
    Unknown,
    /// A single-node client (not cluster-aware).
    Standalone,
    /// A cluster client.
    Cluster,
}

/// What is known of the client a command goes through.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Client {
    /// Human name for messages (`redis-py RedisCluster`, `ioredis Cluster`).
    pub label: String,
    pub topology: Topology,
    /// Multi-key commands the client splits per slot (non-atomically), uppercase.
    pub splits_per_slot: Vec<String>,
    /// Whether a plain pipeline must stay within one slot on this client.
    pub pipeline_one_slot: bool,
    /// The receiver as written (`self.redis`, `this.client`) for a client the
    /// front-end could not identify: what config client hints match.
    pub name: Option<String>,
}

/// A config client hint: clients of unknown kind whose receiver matches
/// `pattern` (`*` matches any run of characters; `*` alone, every client of
/// unknown kind, named or not) connect to `topology`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHint {
    pub pattern: String,
    pub topology: Topology,
}

impl ClientHint {
    /// Whether the hint covers a client of unknown kind named `name`.
    pub fn matches(&self, name: Option<&str>) -> bool {
        if self.pattern == "*" {
            return true;
        }
        name.is_some_and(|n| glob_match(self.pattern.as_bytes(), n.as_bytes()))
    }
}

/// `*` matches any run of bytes; everything else matches itself.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob_match(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && glob_match(rest, &text[1..]),
    }
}

/// One Redis command. A schema transaction's members are ops with an empty
/// command: declared uses of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Canonical uppercase name: `MGET`, `OBJECT ENCODING`.
    pub command: String,
    /// The whole call.
    pub span: Span,
    /// Key arguments in command order (sharded pub/sub channels included).
    pub keys: Vec<Key>,
    /// Non-key arguments in order, where the front-end knows them.
    pub args: Vec<Arg>,
    /// Index into [`FileModel::clients`].
    pub client: Option<usize>,
}

/// Kinds of groups of keys that must share a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// MULTI … EXEC.
    Transaction,
    /// A pipeline the client wraps in MULTI/EXEC.
    TxPipeline,
    /// A plain pipeline (the client may or may not require one slot).
    Pipeline,
    /// EVAL/EVALSHA/FCALL: the keys passed in KEYS.
    Script,
    /// WATCH keys with the transaction that follows them.
    Watch,
}

impl GroupKind {
    /// Whether the server executes the group atomically (and so rejects cross-slot).
    pub fn is_atomic(self) -> bool {
        matches!(
            self,
            GroupKind::Transaction | GroupKind::TxPipeline | GroupKind::Script | GroupKind::Watch
        )
    }

    /// How messages name the group.
    pub fn describe(self) -> &'static str {
        match self {
            GroupKind::Transaction => "transaction",
            GroupKind::TxPipeline => "transactional pipeline",
            GroupKind::Pipeline => "pipeline",
            GroupKind::Script => "script call",
            GroupKind::Watch => "WATCH set",
        }
    }
}

/// Ops that the server or the client treats together. Single multi-key
/// commands need no group: a rule reads their keys from the op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub kind: GroupKind,
    /// Where the group starts (MULTI, the pipeline call, the EVAL).
    pub span: Span,
    /// Indices into [`FileModel::ops`], in order.
    pub ops: Vec<usize>,
    /// Index into [`FileModel::scripts`] for script calls.
    pub script: Option<usize>,
    pub client: Option<usize>,
    /// The code batches the group's keys per slot itself (it computes slots
    /// with `calculateSlot`, `CLUSTER KEYSLOT`): a plain pipeline made that
    /// way holds one slot per batch whatever the keys look like.
    pub per_slot: bool,
    /// Set when the group is a transaction only by an assumption about a
    /// client the code does not identify: what was assumed, for the
    /// finding's notes. Verdicts on it are one certainty step lower.
    pub assumption: Option<String>,
}

/// A key family declared in a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub name: String,
    pub pattern: KeyPattern,
    /// The family's entry in the schema.
    pub span: Span,
    /// The span of the pattern text.
    pub pattern_span: Span,
    /// Declared number of distinct tag values.
    pub cardinality: Option<u64>,
    /// Declared load, for messages about hot slots.
    pub qps: Option<u64>,
}

/// How a script reaches a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptKeyUse {
    /// The command inside the script (`GET`, `HSET`).
    pub command: String,
    /// The key as the script builds it; a hole named `KEYS[i]` when it comes from KEYS.
    pub pattern: KeyPattern,
    /// Whether the key argument comes from the KEYS table (possibly through a local).
    pub from_keys: bool,
    pub span: Span,
    /// Where the key is built when the call names a local holding it
    /// (`local qkey = KEYS[1] .. ':Q'`): one design decision, many uses.
    pub built_at: Option<Span>,
}

/// The script flags a server knows (Redis 7.0, Valkey 8): `#!lua flags=…`
/// and `redis.register_function{…, flags = {…}}` accept these and no others.
pub const SCRIPT_FLAGS: &[&str] = &[
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
];

/// The flags a script runs with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScriptFlags {
    /// Whether the script runs with flags at all: it starts with a shebang
    /// (`#!lua`), or it is a function. Without, the server runs it in EVAL
    /// compatibility mode (no flag checks, cross-slot access allowed on one node).
    pub declared: bool,
    /// The flags as written (`no-writes`, `allow-cross-slot-keys`), known ones only.
    pub flags: Vec<String>,
    /// Whether the flags are known: a `flags` value built at run time is not.
    pub known: bool,
    /// Where the flags (or the shebang) are written.
    pub span: Option<Span>,
    /// What the server refuses in the shebang or the flags (an unknown flag,
    /// an option EVAL does not take), with the server's own error text.
    pub invalid: Vec<(String, Span)>,
}

impl ScriptFlags {
    /// Whether the script declares `flag`.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// A `redis.call`/`redis.pcall` inside a script with a literal command name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCall {
    /// Canonical command name (`SET`, `OBJECT ENCODING`).
    pub command: String,
    /// The call.
    pub span: Span,
}

/// A Lua script as the analyzer sees it: an EVAL script, a `.lua` file, or
/// the body of a Redis function.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Where the script's text is.
    pub span: Span,
    /// Highest `KEYS[i]` index the script reads (1-based), and where.
    pub max_key_index: Option<(u32, Span)>,
    /// `numkeys` as passed by the call, when known.
    pub numkeys: Option<u32>,
    /// Key arguments of `redis.call`/`redis.pcall` inside the script.
    pub key_uses: Vec<ScriptKeyUse>,
    /// Whether the script reads KEYS in a way the analyzer cannot index (`KEYS[i]`, `#KEYS`, `unpack(KEYS)`).
    pub dynamic_keys: bool,
    /// Whether the script's text was read (not an EVALSHA digest or an FCALL).
    pub analyzed: bool,
    /// The flags it runs with (the shebang; a function's registration).
    pub flags: ScriptFlags,
    /// Commands the script calls, in order.
    pub calls: Vec<ScriptCall>,
    /// A function body: the callback's parameter that holds its keys (`keys`);
    /// `None` for EVAL scripts, which read the global `KEYS`.
    pub keys_param: Option<String>,
    /// A function body that reads the global `KEYS`, which functions do not have.
    pub global_keys: Option<Span>,
    /// An `FCALL`/`FCALL_RO` call site: the function it calls, by name.
    pub function: Option<String>,
    /// The text is a file of its own (a `.lua` file the code reads), linted
    /// there: only what the call adds (its keys, numkeys) is judged here.
    pub external: bool,
}

/// A function a library registers (`redis.register_function`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Index into [`FileModel::scripts`]: the callback's body, with its flags.
    pub script: usize,
}

/// A Redis Functions library (`#!lua name=…`): a `.lua` file or a FUNCTION LOAD payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    /// The `name=` of its shebang.
    pub name: Option<String>,
    /// Where the library's text is.
    pub span: Span,
    /// What the server refuses in the library (its first line, a
    /// registration), with the server's message: FUNCTION LOAD fails.
    pub invalid: Vec<(String, Span)>,
    pub functions: Vec<Function>,
}

/// Everything a front-end extracted from one file.
#[derive(Debug, Clone, Default)]
pub struct FileModel {
    pub ops: Vec<Op>,
    pub groups: Vec<Group>,
    pub clients: Vec<Client>,
    pub families: Vec<Family>,
    pub scripts: Vec<Script>,
    /// Redis Functions libraries the file defines or loads.
    pub libraries: Vec<Library>,
}

impl FileModel {
    /// The Redis Function whose callback is script `i`, if it is one.
    pub fn function_of(&self, script: usize) -> Option<&Function> {
        self.libraries
            .iter()
            .flat_map(|l| &l.functions)
            .find(|f| f.script == script)
    }

    /// Gives clients of unknown kind the topology the first matching hint
    /// names. Ops and groups with no client at all count as one unnamed client.
    pub fn apply_client_hints(&mut self, hints: &[ClientHint]) {
        if hints.is_empty() {
            return;
        }
        let unnamed = self
            .ops
            .iter()
            .any(|op| op.client.is_none())
            .then_some(self.clients.len());
        if let Some(i) = unnamed {
            self.clients.push(Client::default());
            for op in self.ops.iter_mut().filter(|op| op.client.is_none()) {
                op.client = Some(i);
            }
            for g in self.groups.iter_mut().filter(|g| g.client.is_none()) {
                g.client = Some(i);
            }
        }
        for client in self
            .clients
            .iter_mut()
            .filter(|c| c.topology == Topology::Unknown)
        {
            let Some(hint) = hints.iter().find(|h| h.matches(client.name.as_deref())) else {
                continue;
            };
            client.topology = hint.topology;
            let what = match hint.topology {
                Topology::Cluster => "a cluster client",
                Topology::Standalone => "a single-node client",
                Topology::Unknown => continue,
            };
            client.label = match client.name.as_deref() {
                Some(n) if n == hint.pattern => {
                    format!("`{n}` ({what}, per the config's `clients:`)")
                }
                Some(n) => format!(
                    "`{n}` ({what}, per the config's `clients:` entry `{}`)",
                    hint.pattern
                ),
                None => format!(
                    "a client of unknown kind ({what}, per the config's `clients:` entry `*`)"
                ),
            };
        }
    }

    /// The client of an op or group, if known.
    pub fn client(&self, index: Option<usize>) -> Option<&Client> {
        index.and_then(|i| self.clients.get(i))
    }

    /// Keys of a group's ops, with the op each came from.
    pub fn group_keys(&self, group: &Group) -> Vec<(usize, &Key)> {
        group
            .ops
            .iter()
            .filter_map(|&i| self.ops.get(i).map(|op| (i, op)))
            .flat_map(|(i, op)| op.keys.iter().map(move |k| (i, k)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(pattern: &str, topology: Topology) -> ClientHint {
        ClientHint {
            pattern: pattern.into(),
            topology,
        }
    }

    #[test]
    fn hint_patterns() {
        let h = hint("*.redis", Topology::Cluster);
        assert!(h.matches(Some("self.redis")) && h.matches(Some(".redis")));
        assert!(!h.matches(Some("self.redis2")) && !h.matches(None));
        assert!(hint("*", Topology::Cluster).matches(None));
        assert!(hint("conn", Topology::Cluster).matches(Some("conn")));
        assert!(!hint("conn", Topology::Cluster).matches(Some("conn2")));
    }

    #[test]
    fn hints_apply_to_unknown_clients_only() {
        let op = |client| Op {
            command: "KEYS".into(),
            span: Span::default(),
            keys: Vec::new(),
            args: Vec::new(),
            client,
        };
        let mut m = FileModel {
            ops: vec![op(Some(0)), op(Some(1)), op(None)],
            clients: vec![
                Client {
                    name: Some("self.cache".into()),
                    ..Client::default()
                },
                Client {
                    label: "redis-py Redis".into(),
                    topology: Topology::Standalone,
                    ..Client::default()
                },
            ],
            ..FileModel::default()
        };
        m.apply_client_hints(&[
            hint("*.cache", Topology::Standalone),
            hint("*", Topology::Cluster),
        ]);
        let topo: Vec<Topology> = m
            .ops
            .iter()
            .map(|o| m.client(o.client).map_or(Topology::Unknown, |c| c.topology))
            .collect();
        assert_eq!(
            topo,
            [
                Topology::Standalone,
                Topology::Standalone,
                Topology::Cluster
            ]
        );
        assert_eq!(
            m.clients[0].label,
            "`self.cache` (a single-node client, per the config's `clients:` entry `*.cache`)"
        );
        assert_eq!(m.clients[1].label, "redis-py Redis");
    }
}
