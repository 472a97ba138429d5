//! JavaScript's part of the shared value type: what only JavaScript code has
//! (the Redis libraries a module exports, a cluster's node list, function
//! values) and its lexicon; `.replace()` of a template placeholder.

use crate::keypattern::{KeyPattern, Segment};
use crate::lang::value::{Ext, Lexicon};
pub(crate) use crate::lang::value::{Literal, Opaque};

/// What a JavaScript expression evaluates to.
pub(crate) type Val = crate::lang::value::Val<Js>;
/// An array element or call argument with where it is written.
pub(crate) type Elem = crate::lang::value::Elem<Js>;

/// What a Redis module export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lib {
    /// `require('ioredis')`, the `Redis` class.
    IoRedis,
    /// `Redis.Cluster`, `import { Cluster } from 'ioredis'`.
    IoCluster,
    /// `require('redis')` / `@redis/client` as a namespace.
    NodeRedis,
    /// node-redis `createClient`.
    CreateClient,
    /// node-redis `createCluster`.
    CreateCluster,
}

/// Values only JavaScript code has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Js {
    /// A Redis library or one of its exports.
    Lib(Lib),
    /// `cluster.nodes()`: single-node clients, one per node.
    Nodes(usize),
    /// A function value (arrow, function expression, method) by its node id.
    Func(usize),
}

impl Ext for Js {
    const LEXICON: &'static Lexicon = &Lexicon {
        ident: |c| c.is_alphanumeric() || c == '_' || c == '$',
        separators: &['.'],
        bools: ["false", "true"],
    };
}

/// Replaces the first literal occurrence of `needle` with `with` (`.replace()`
/// of a template placeholder); `None` when the literal text lacks it.
pub(crate) fn replace_literal(
    p: &KeyPattern,
    needle: &[u8],
    with: &KeyPattern,
) -> Option<KeyPattern> {
    if needle.is_empty() {
        return None;
    }
    let mut out = KeyPattern::default();
    let mut done = false;
    for seg in p.segments() {
        match seg {
            Segment::Lit(b) if !done => {
                if let Some(at) = b.windows(needle.len()).position(|w| w == needle) {
                    out.push(Segment::Lit(b[..at].to_vec()));
                    out.extend(with);
                    out.push(Segment::Lit(b[at + needle.len()..].to_vec()));
                    done = true;
                } else {
                    out.push(seg.clone());
                }
            }
            other => out.push(other.clone()),
        }
    }
    done.then_some(out)
}
