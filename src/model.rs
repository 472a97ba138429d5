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
}

/// A Lua script as the analyzer sees it.
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
}

/// Everything a front-end extracted from one file.
#[derive(Debug, Clone, Default)]
pub struct FileModel {
    pub ops: Vec<Op>,
    pub groups: Vec<Group>,
    pub clients: Vec<Client>,
    pub families: Vec<Family>,
    pub scripts: Vec<Script>,
}

impl FileModel {
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
