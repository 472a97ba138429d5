//! What the front-end knows of Python Redis clients: which constructors make
//! which client, how redis-py method names map to commands and where their
//! keys are, and how each client routes the commands that matter on a cluster.

use crate::model::{Client, Topology};

/// A kind of client, as the model records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientKind {
    pub(crate) label: &'static str,
    pub(crate) topology: Topology,
    /// Multi-key commands the client splits per slot.
    pub(crate) splits: &'static [&'static str],
    /// `pipeline()` without `transaction=` is a MULTI/EXEC transaction.
    pub(crate) pipeline_is_transaction: bool,
    /// Commands the client sends to every primary and merges (not node-local).
    pub(crate) fans_out: &'static [&'static str],
    /// `pipeline_is_transaction` is an assumption about a client the code
    /// does not identify, not a fact.
    pub(crate) pipeline_assumed: bool,
}

impl ClientKind {
    pub(crate) fn to_client(self) -> Client {
        Client {
            label: self.label.to_string(),
            topology: self.topology,
            splits_per_slot: self.splits.iter().map(|s| (*s).to_string()).collect(),
            pipeline_one_slot: false,
            name: None,
        }
    }
}

const REDIS: ClientKind = ClientKind {
    label: "redis-py Redis",
    topology: Topology::Standalone,
    splits: &[],
    pipeline_is_transaction: true,
    fans_out: &[],
    pipeline_assumed: false,
};

const ASYNC_REDIS: ClientKind = ClientKind {
    label: "redis.asyncio Redis",
    ..REDIS
};

/// redis-py's `RedisCluster` (also `redis.asyncio.cluster.RedisCluster`): DEL,
/// EXISTS, UNLINK and TOUCH over several slots are split per slot; SCAN,
/// FLUSHALL and FLUSHDB go to every primary (`COMMAND_FLAGS`).
pub(crate) const CLUSTER: ClientKind = ClientKind {
    label: "redis-py RedisCluster",
    topology: Topology::Cluster,
    splits: &["DEL", "EXISTS", "UNLINK", "TOUCH"],
    pipeline_is_transaction: false,
    fans_out: &["SCAN", "FLUSHALL", "FLUSHDB"],
    pipeline_assumed: false,
};

/// A receiver the front-end cannot identify (`self.redis` passed in from
/// elsewhere): routed as redis-py would route either client, SCAN and the
/// flushes aside (a cluster client sends those to every primary). Its
/// `pipeline()` is taken for redis-py `Redis.pipeline()`, a transaction by
/// default: the assumption is said in findings.
pub(crate) const UNKNOWN: ClientKind = ClientKind {
    label: "",
    topology: Topology::Unknown,
    splits: &[],
    pipeline_is_transaction: true,
    pipeline_assumed: true,
    ..CLUSTER
};

/// What `pipeline()` of an unidentified client was assumed to be.
pub(crate) const ASSUMED_PIPELINE: &str =
    "the client is redis-py `Redis`, whose `pipeline()` is a MULTI/EXEC transaction by default";

/// A client the code types or builds as either kind (`Redis | RedisCluster`,
/// a factory returning one or the other): code written for clusters. Its
/// plain `pipeline()` is a transaction only on the standalone kind, where
/// no cluster is involved.
pub(crate) const EITHER: ClientKind = ClientKind {
    label: "redis-py Redis or RedisCluster",
    topology: Topology::Unknown,
    splits: &[],
    pipeline_is_transaction: false,
    pipeline_assumed: false,
    ..CLUSTER
};

const ASYNC_CLUSTER: ClientKind = ClientKind {
    label: "redis.asyncio RedisCluster",
    ..CLUSTER
};

/// `mget_nonatomic` / `mset_nonatomic` of a redis-py cluster client: MGET/MSET
/// split per slot.
pub(crate) const NONATOMIC: ClientKind = ClientKind {
    label: "redis-py RedisCluster (mget_nonatomic/mset_nonatomic)",
    splits: &["MGET", "MSET"],
    ..CLUSTER
};

/// The older redis-py-cluster package, which implements the common multi-key
/// commands client-side, slot by slot.
const LEGACY_CLUSTER: ClientKind = ClientKind {
    label: "redis-py-cluster RedisCluster",
    topology: Topology::Cluster,
    splits: &[
        "DEL",
        "EXISTS",
        "UNLINK",
        "TOUCH",
        "MGET",
        "MSET",
        "MSETNX",
        "RENAME",
        "SDIFF",
        "SINTER",
        "SUNION",
        "SDIFFSTORE",
        "SINTERSTORE",
        "SUNIONSTORE",
        "SMOVE",
        "PFCOUNT",
        "PFMERGE",
        "RPOPLPUSH",
        "BRPOPLPUSH",
    ],
    pipeline_is_transaction: false,
    fans_out: &["SCAN", "FLUSHALL", "FLUSHDB", "KEYS", "DBSIZE"],
    pipeline_assumed: false,
};

/// The client a constructor or factory (qualified through the imports) makes.
pub(crate) fn constructor(qualified: &str) -> Option<ClientKind> {
    let q = qualified.strip_suffix(".from_url").unwrap_or(qualified);
    let q = q.strip_suffix(".from_pool").unwrap_or(q);
    let asyncio = q.contains("asyncio") || q.starts_with("aioredis");
    if q.starts_with("rediscluster") {
        return q.ends_with("RedisCluster").then_some(LEGACY_CLUSTER);
    }
    if !(q.starts_with("redis") || q.starts_with("aioredis")) {
        return None;
    }
    let last = q.rsplit('.').next().unwrap_or(q);
    match last {
        "RedisCluster" if asyncio => Some(ASYNC_CLUSTER),
        "RedisCluster" => Some(CLUSTER),
        "Redis" | "StrictRedis" if asyncio => Some(ASYNC_REDIS),
        "Redis" | "StrictRedis" => Some(REDIS),
        // `redis.from_url(...)`, `aioredis.from_url(...)`.
        "redis" | "aioredis" | "asyncio" if qualified.ends_with(".from_url") => {
            Some(if asyncio { ASYNC_REDIS } else { REDIS })
        }
        _ => None,
    }
}

/// A client from a parameter's type annotation (`cluster: RedisCluster`,
/// `Optional["Redis"]`, `Redis | RedisCluster`).
pub(crate) fn from_annotation(ty: &str) -> Option<ClientKind> {
    let names: Vec<&str> = ty
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let cluster = names.contains(&"RedisCluster");
    let single = names.iter().any(|n| matches!(*n, "Redis" | "StrictRedis"));
    match (single, cluster) {
        (true, true) => Some(EITHER),
        (false, true) => Some(CLUSTER),
        (true, false) => Some(REDIS),
        (false, false) => None,
    }
}

/// A method only a Redis client (or pipeline) has: calling it on a value is
/// evidence that the value is one.
pub(crate) fn is_redis_only(method: &str) -> bool {
    if method.starts_with('_') || is_generic_name(method) {
        return false;
    }
    matches!(
        method,
        "pipeline"
            | "register_script"
            | "execute_command"
            | "send_command"
            | "evalsha"
            | "script_load"
    ) || special(method).is_some()
        || crate::commands::lookup(method, None)
            .is_some_and(|s| !s.key_specs().is_empty() && s.container().is_none())
}

/// Where a redis-py method's keys are among its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The first positional argument (or `name=`), when the command has keys.
    First,
    /// Every positional argument, lists flattened (`delete(*names)`, `mget(keys, *args)`).
    All,
    /// The first `n` positional arguments (`rename(src, dst)`).
    Leading(usize),
    /// All positional arguments after the first `n` (`bitop(op, dest, *keys)`).
    After(usize),
    /// Only the positional argument at this index, flattened (`blpop(keys, timeout)`).
    Only(usize),
    /// A destination, then a list of keys (`zunionstore(dest, keys)`).
    DestThenList,
    /// The keys of a dict (`mset(mapping)`) at this positional index or keyword.
    Mapping(usize, &'static str),
    /// A script call: `eval(script, numkeys, *keys_and_args)`.
    Script,
    /// No key.
    None,
}

/// The command and key shape of a redis-py method with a name of its own.
pub(crate) fn special(method: &str) -> Option<(&'static str, Shape)> {
    Some(match method {
        "delete" => ("DEL", Shape::All),
        "exists" => ("EXISTS", Shape::All),
        "unlink" => ("UNLINK", Shape::All),
        "touch" => ("TOUCH", Shape::All),
        "watch" => ("WATCH", Shape::All),
        "mget" | "mget_nonatomic" => ("MGET", Shape::All),
        "mset" | "mset_nonatomic" => ("MSET", Shape::Mapping(0, "mapping")),
        "msetnx" => ("MSETNX", Shape::Mapping(0, "mapping")),
        "sdiff" => ("SDIFF", Shape::All),
        "sinter" => ("SINTER", Shape::All),
        "sunion" => ("SUNION", Shape::All),
        "pfcount" => ("PFCOUNT", Shape::All),
        "pfmerge" => ("PFMERGE", Shape::All),
        "zunion" => ("ZUNION", Shape::Only(0)),
        "zinter" => ("ZINTER", Shape::Only(0)),
        "zdiff" => ("ZDIFF", Shape::Only(0)),
        "blpop" => ("BLPOP", Shape::Only(0)),
        "brpop" => ("BRPOP", Shape::Only(0)),
        "bzpopmin" => ("BZPOPMIN", Shape::Only(0)),
        "bzpopmax" => ("BZPOPMAX", Shape::Only(0)),
        "sdiffstore" => ("SDIFFSTORE", Shape::All),
        "sinterstore" => ("SINTERSTORE", Shape::All),
        "sunionstore" => ("SUNIONSTORE", Shape::All),
        "zunionstore" => ("ZUNIONSTORE", Shape::DestThenList),
        "zinterstore" => ("ZINTERSTORE", Shape::DestThenList),
        "zdiffstore" => ("ZDIFFSTORE", Shape::DestThenList),
        "rename" => ("RENAME", Shape::Leading(2)),
        "renamenx" => ("RENAMENX", Shape::Leading(2)),
        "rpoplpush" => ("RPOPLPUSH", Shape::Leading(2)),
        "brpoplpush" => ("BRPOPLPUSH", Shape::Leading(2)),
        "smove" => ("SMOVE", Shape::Leading(2)),
        "copy" => ("COPY", Shape::Leading(2)),
        "lmove" => ("LMOVE", Shape::Leading(2)),
        "blmove" => ("BLMOVE", Shape::Leading(2)),
        "bitop" => ("BITOP", Shape::After(1)),
        "sintercard" => ("SINTERCARD", Shape::Only(1)),
        "zintercard" => ("ZINTERCARD", Shape::Only(1)),
        "lmpop" => ("LMPOP", Shape::After(1)),
        "xread" => ("XREAD", Shape::Mapping(0, "streams")),
        "xreadgroup" => ("XREADGROUP", Shape::Mapping(2, "streams")),
        "eval" => ("EVAL", Shape::Script),
        "evalsha" => ("EVALSHA", Shape::Script),
        "eval_ro" => ("EVAL_RO", Shape::Script),
        "evalsha_ro" => ("EVALSHA_RO", Shape::Script),
        "fcall" => ("FCALL", Shape::Script),
        "fcall_ro" => ("FCALL_RO", Shape::Script),
        "keys" => ("KEYS", Shape::None),
        "scan" | "scan_iter" => ("SCAN", Shape::None),
        "flushall" => ("FLUSHALL", Shape::None),
        "flushdb" => ("FLUSHDB", Shape::None),
        "dbsize" => ("DBSIZE", Shape::None),
        "randomkey" => ("RANDOMKEY", Shape::None),
        "select" => ("SELECT", Shape::None),
        "swapdb" => ("SWAPDB", Shape::None),
        "hscan_iter" => ("HSCAN", Shape::First),
        "sscan_iter" => ("SSCAN", Shape::First),
        "zscan_iter" => ("ZSCAN", Shape::First),
        _ => return None,
    })
}

/// Method names too common elsewhere (dicts, HTTP clients, Django's cache) to
/// count on a receiver that is not known or named as a Redis client.
pub(crate) fn is_generic_name(method: &str) -> bool {
    matches!(
        method,
        "get"
            | "set"
            | "delete"
            | "keys"
            | "exists"
            | "type"
            | "append"
            | "sort"
            | "copy"
            | "move"
            | "update"
            | "time"
            | "info"
            | "dump"
            | "rename"
            | "object"
            | "select"
            | "scan"
            | "eval"
            | "echo"
            | "ping"
            | "publish"
            | "watch"
            | "execute"
            | "touch"
            | "incr"
            | "decr"
            | "expire"
            | "ttl"
            | "lock"
            | "hash"
            | "sync"
            | "save"
            | "restore"
            | "wait"
            | "replace"
            | "reset"
            | "unlink"
            | "persist"
            | "migrate"
            | "substr"
            | "sort_ro"
    )
}

/// A receiver whose name says Redis (`self.redis`, `rc`, `cluster_client`).
pub(crate) fn is_redisish_name(text: &str, imports_redis: bool) -> bool {
    let last = text.rsplit('.').next().unwrap_or(text).to_ascii_lowercase();
    if last.contains("redis") || matches!(last.as_str(), "r" | "rc" | "rds") {
        return true;
    }
    imports_redis
        && (last.contains("cluster")
            || last.contains("pipe")
            || last.contains("conn")
            || last == "client"
            || last.ends_with("_client")
            || last == "db")
}
