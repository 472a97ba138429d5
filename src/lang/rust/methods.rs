//! What the front-end knows of the client libraries: the kinds of clients,
//! how redis-rs and fred method names map to command argvs, and which
//! receivers and methods look like Redis connections.

use super::value::{Elem, Val};
use crate::commands;
use crate::model::Span;

/// The kinds of clients the front-end tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClientKind {
    /// A redis-rs `Client` or connection (cluster or not is unknown).
    RedisRs,
    /// A redis-rs `ClusterClient` / `ClusterConnection`.
    Cluster,
    /// A fred client.
    Fred,
}

/// redis-rs cluster routing sends these to every primary and merges.
pub(super) const CLUSTER_FANS_OUT: &[&str] =
    &["KEYS", "DBSIZE", "FLUSHALL", "FLUSHDB", "RANDOMKEY"];
/// redis-rs cluster connections split these per slot (`RouteBy::MultiShard` in
/// redis-rs 1.x routing).
pub(super) const CLUSTER_SPLITS: &[&str] =
    &["MGET", "MSET", "DEL", "EXISTS", "UNLINK", "TOUCH", "WATCH"];

/// Methods that give back the same value (a borrow, a clone, a connection).
pub(super) const PASS_THROUGH: &[&str] = &[
    "to_string",
    "to_owned",
    "into",
    "clone",
    "as_str",
    "as_ref",
    "as_bytes",
    "as_mut",
    "to_vec",
    "as_slice",
    "iter",
    "into_iter",
    "collect",
    "borrow",
    "borrow_mut",
    "lock",
    "unwrap",
    "expect",
    "unwrap_or_default",
    "deref",
    "deref_mut",
    "get_mut",
    "trim",
    "into_bytes",
    "cloned",
    "copied",
];

/// Methods of a connection or client that give a connection.
pub(super) fn is_connection_method(m: &str) -> bool {
    m.starts_with("get_") && (m.contains("conn") || m.contains("manager"))
        || matches!(
            m,
            "get_async_pubsub" | "connect" | "init" | "build" | "next_client"
        )
}

/// The Redis command argv of a typed method call (`mget(&[a, b])` →
/// `MGET a b`), or `None` when the method is not a command. fred's scripts
/// take their keys and arguments as two lists (`eval(script, keys, args)`),
/// and its custom commands name the command first (`custom(cmd, args)`).
pub(super) fn method_argv(
    method: &str,
    args: &[Elem],
    span: Span,
    fred: bool,
) -> Option<Vec<Elem>> {
    let word = |s: &str| Elem {
        val: Val::lit(s),
        span,
        text: s.to_string(),
    };
    let flat: Vec<Elem> = args.iter().flat_map(flatten).collect();
    let m = method.trim_start_matches("r#");
    if fred {
        match m {
            "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" => {
                let keys: Vec<Elem> = args.get(1).map(flatten).unwrap_or_default();
                let n = i64::try_from(keys.len()).unwrap_or(0);
                let mut v = vec![word(&m.to_ascii_uppercase()), args.first().cloned()?];
                v.push(Elem {
                    val: Val::Int(n),
                    span,
                    text: n.to_string(),
                });
                v.extend(keys);
                v.extend(args.get(2).map(flatten).unwrap_or_default());
                return Some(v);
            }
            "custom" | "custom_raw" => {
                let mut v = vec![args.first().cloned()?];
                v.extend(args.get(1).map(flatten).unwrap_or_default());
                return Some(v);
            }
            _ => {}
        }
    }
    let special = match m {
        "zunionstore"
        | "zinterstore"
        | "zunionstore_min"
        | "zunionstore_max"
        | "zinterstore_min"
        | "zinterstore_max"
        | "zunionstore_weights"
        | "zinterstore_weights"
        | "zdiffstore" => {
            let name = &m[..m.find('_').unwrap_or(m.len())];
            let dst = args.first().cloned()?;
            let keys: Vec<Elem> = args.get(1).map(flatten).unwrap_or_default();
            let n = i64::try_from(keys.len()).unwrap_or(0);
            let mut v = vec![word(&name.to_ascii_uppercase()), dst];
            v.push(Elem {
                val: Val::Int(n),
                span,
                text: n.to_string(),
            });
            v.extend(keys);
            return Some(v);
        }
        "xread" | "xread_options" => {
            let mut v = vec![word("XREAD"), word("STREAMS")];
            v.extend(args.first().map(flatten).unwrap_or_default());
            v.extend(args.get(1).map(flatten).unwrap_or_default());
            return Some(v);
        }
        "bitop_and" | "bitop_or" | "bitop_xor" | "bitop_not" => {
            let mut v = vec![word("BITOP"), word(&m[6..].to_ascii_uppercase())];
            v.extend(flat);
            return Some(v);
        }
        "set_ex" => "SETEX",
        "pset_ex" => "PSETEX",
        "set_nx" => "SETNX",
        "hset_nx" => "HSETNX",
        "mset_nx" => "MSETNX",
        "rename_nx" => "RENAMENX",
        "set_multiple" => "MSET",
        "hset_multiple" => "HSET",
        "lpush_exists" => "LPUSHX",
        "rpush_exists" => "RPUSHX",
        "scan_match" => "SCAN",
        "get_del" => "GETDEL",
        "get_ex" => "GETEX",
        "incr" => "INCRBY",
        "decr" => "DECRBY",
        _ => "",
    };
    let name = if special.is_empty() {
        let spec = commands::lookup(m, None)
            .filter(|s| s.container().is_none())
            .or_else(|| commands::lookup(&m.replace('_', ""), None))
            .filter(|s| s.container().is_none())?;
        spec.name().to_string()
    } else {
        special.to_string()
    };
    let mut v = vec![word(&name)];
    v.extend(flat);
    Some(v)
}

/// The arguments a value stands for on the wire (slices, vecs and tuples spread).
pub(super) fn flatten(e: &Elem) -> Vec<Elem> {
    match &e.val {
        Val::List(items) => items.iter().flat_map(flatten).collect(),
        Val::Family(elem, vars) => elem
            .family_instances(vars, &e.text)
            .into_iter()
            .map(|p| Elem {
                val: Val::Str(p, None),
                span: e.span,
                text: e.text.clone(),
            })
            .collect(),
        _ => vec![e.clone()],
    }
}

/// Whether a receiver's name looks like a Redis connection or client.
pub(super) fn is_redisish(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let last = n.rsplit('.').next().unwrap_or(&n);
    last.contains("redis")
        || last.contains("conn")
        || matches!(last, "con" | "rc" | "rds" | "cluster" | "client")
}
