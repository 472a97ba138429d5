//! What the front-end knows of Node Redis clients: the kinds ioredis and
//! node-redis make, how a type annotation or a receiver's name hints at one,
//! and how camelCase and lowercase method names map to commands.

use crate::model::{Client, Topology};

/// A kind of client, as the model records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientKind {
    pub(crate) label: &'static str,
    pub(crate) topology: Topology,
    /// A plain pipeline must stay on one slot (ioredis Cluster checks it;
    /// node-redis sends a cluster pipeline to the node of its first key).
    pub(crate) pipeline_one_slot: bool,
    /// node-redis: `multi()` is a transaction unless `execAsPipeline()`.
    pub(crate) node_redis: bool,
}

impl ClientKind {
    pub(crate) fn to_client(self) -> Client {
        Client {
            label: self.label.to_string(),
            topology: self.topology,
            splits_per_slot: Vec::new(),
            pipeline_one_slot: self.pipeline_one_slot,
            name: None,
        }
    }
}

pub(crate) const IOREDIS: ClientKind = ClientKind {
    label: "ioredis Redis",
    topology: Topology::Standalone,
    pipeline_one_slot: false,
    node_redis: false,
};

pub(crate) const IOREDIS_CLUSTER: ClientKind = ClientKind {
    label: "ioredis Cluster",
    topology: Topology::Cluster,
    pipeline_one_slot: true,
    node_redis: false,
};

pub(crate) const NODE_REDIS: ClientKind = ClientKind {
    label: "node-redis client",
    topology: Topology::Standalone,
    pipeline_one_slot: false,
    node_redis: true,
};

pub(crate) const NODE_REDIS_CLUSTER: ClientKind = ClientKind {
    label: "node-redis cluster",
    topology: Topology::Cluster,
    pipeline_one_slot: true,
    node_redis: true,
};

/// A single-node client of one of several libraries.
pub(crate) const STANDALONE: ClientKind = ClientKind {
    label: "node-redis or ioredis client",
    ..IOREDIS
};

/// ioredis `Redis` or `Cluster` (a ternary or a branch of either): code that
/// may run on a cluster.
pub(crate) const IOREDIS_EITHER: ClientKind = ClientKind {
    label: "ioredis Redis or Cluster",
    topology: Topology::Unknown,
    ..IOREDIS_CLUSTER
};

/// node-redis `createClient` or `createCluster`.
pub(crate) const NODE_REDIS_EITHER: ClientKind = ClientKind {
    label: "node-redis client or cluster",
    topology: Topology::Unknown,
    ..NODE_REDIS_CLUSTER
};

/// The kind of a client that is one of two kinds on different paths: a
/// cluster or a single-node client is "either"; a client of unknown kind
/// beside a known one is the known one (`opts.client || new Redis()`).
pub(crate) fn either(a: ClientKind, b: ClientKind) -> ClientKind {
    match (a.topology, b.topology) {
        _ if a == b => a,
        (Topology::Unknown, _) if a.label.is_empty() => b,
        (_, Topology::Unknown) if b.label.is_empty() => a,
        (Topology::Cluster, Topology::Standalone) | (Topology::Standalone, Topology::Cluster) => {
            if a.node_redis && b.node_redis {
                NODE_REDIS_EITHER
            } else {
                IOREDIS_EITHER
            }
        }
        (Topology::Unknown, _) => a,
        _ => b,
    }
}

/// One node of a cluster (`cluster.nodes('master')`): commands reach that node only, by design.
pub(crate) const CLUSTER_NODE: ClientKind = ClientKind {
    label: "one cluster node",
    topology: Topology::Standalone,
    pipeline_one_slot: false,
    node_redis: false,
};

/// A client of unknown kind in code that checks for a cluster and walks its
/// nodes itself: what reaches it is meant for one node.
pub(crate) const CLUSTER_CHECKED: ClientKind = ClientKind {
    label: "a client checked for cluster mode",
    ..CLUSTER_NODE
};

/// A client passed in from elsewhere, named like one (`this.redis`, `client`).
pub(crate) const UNKNOWN: ClientKind = ClientKind {
    label: "",
    topology: Topology::Unknown,
    pipeline_one_slot: false,
    node_redis: false,
};

/// The client a TypeScript type annotation names.
pub(crate) fn from_annotation(ty: &str, ioredis: bool) -> Option<ClientKind> {
    let ty = ty.trim_start_matches(':').trim();
    if ty.contains('|') {
        // `RedisClientType | RedisClusterType`: either one.
        return None;
    }
    let base = ty.split(['<', '|', ' ']).next().unwrap_or(ty);
    let last = base.rsplit('.').next().unwrap_or(base);
    match last {
        "Cluster" if ioredis => Some(IOREDIS_CLUSTER),
        "Redis" | "IORedis" if ioredis => Some(IOREDIS),
        "RedisClusterType" => Some(NODE_REDIS_CLUSTER),
        "RedisClientType" => Some(NODE_REDIS),
        _ => None,
    }
}

/// A receiver of unknown value that reads as a Redis client by its name.
pub(crate) fn from_name(name: &str, ioredis: bool, node_redis: bool) -> Option<ClientKind> {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    let cluster = last.contains("cluster");
    if cluster && ioredis && !node_redis {
        return Some(IOREDIS_CLUSTER);
    }
    if cluster && node_redis && !ioredis {
        return Some(NODE_REDIS_CLUSTER);
    }
    let redisish = last.contains("redis")
        || cluster
        || ((ioredis || node_redis)
            && matches!(
                last.as_str(),
                "client" | "conn" | "connection" | "db" | "r" | "rc"
            ));
    redisish.then_some(UNKNOWN)
}

/// Methods of node-redis that take a list of keys where the command wants
/// `numkeys key…` (`zUnionStore(dest, keys)`): the index of the list.
pub(crate) fn node_redis_numkeys_list(method: &str) -> Option<usize> {
    Some(match method {
        "zUnionStore" | "zInterStore" | "zDiffStore" | "blmPop" | "bzmPop" => 1,
        "zUnion" | "zInter" | "zDiff" | "sInterCard" | "zInterCard" | "lmPop" | "zmPop" => 0,
        _ => return None,
    })
}

/// Methods that are not Redis commands although a command has the name, or
/// that ioredis and node-redis give another meaning.
pub(crate) fn is_not_a_command(method: &str) -> bool {
    matches!(
        method,
        "on" | "once"
            | "off"
            | "connect"
            | "disconnect"
            | "emit"
            | "duplicate"
            | "nodes"
            | "defineCommand"
            | "defineScript"
            | "pipeline"
            | "multi"
            | "exec"
            | "execAsPipeline"
            | "then"
            | "catch"
            | "finally"
            | "call"
            | "send_command"
            | "sendCommand"
            | "removeListener"
            | "addListener"
            | "end"
            | "toString"
            | "bind"
            | "apply"
    )
}

/// The command a method names: `mGet` → `mget`, `scanStream` → `scan`.
pub(crate) fn command_word(method: &str) -> String {
    let m = method
        .strip_suffix("Stream")
        .or_else(|| method.strip_suffix("Iterator"))
        .or_else(|| method.strip_suffix("Buffer"))
        .unwrap_or(method);
    m.to_ascii_lowercase()
}
