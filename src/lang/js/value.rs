//! Abstract values of JavaScript expressions as the front-end tracks them:
//! strings as key patterns, numbers, opaque values, arrays and families of
//! keys, object literals, and the Redis libraries, clients and pipelines.

use crate::keypattern::{KeyPattern, Segment};
use crate::lang::holes::Scalar;
pub(crate) use crate::lang::holes::{Literal, Opaque};

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

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    /// A string as a pattern; `lit` when fully literal.
    Str(KeyPattern, Option<Box<Literal>>),
    Num(i64),
    Opaque(Opaque),
    /// An array whose elements are known.
    List(Vec<Val>),
    /// Any number of elements shaped like the first value, where the holes
    /// named in the second differ from one element to the next.
    Family(Box<Val>, Vec<String>),
    /// An object literal with known property names.
    Obj(Vec<(String, Val)>),
    Lib(Lib),
    /// A Redis client: index into the model's clients.
    Client(usize),
    /// `cluster.nodes()`: single-node clients, one per node.
    Nodes(usize),
    /// A pipeline or transaction: index into the front-end's pipelines.
    Pipeline(usize),
    /// A function value (arrow, function expression) by its node id.
    Func(usize),
    Unknown,
}

impl Val {
    pub(crate) fn opaque(name: impl Into<String>) -> Val {
        Val::Opaque(Opaque {
            name: name.into(),
            ..Opaque::default()
        })
    }

    pub(crate) fn lit(bytes: impl Into<Vec<u8>>) -> Val {
        Val::Str(KeyPattern::literal(bytes), None)
    }

    pub(crate) fn literal_bytes(&self) -> Option<Vec<u8>> {
        self.scalar().literal_bytes()
    }

    /// The value as key-building sees it.
    fn scalar(&self) -> Scalar<'_> {
        match self {
            Val::Str(p, _) => Scalar::Str(p),
            Val::Num(n) => Scalar::Int(*n),
            Val::Opaque(o) => Scalar::Opaque(o),
            _ => Scalar::Other,
        }
    }

    /// The value used as a whole key: a hole that may hold a tag when unknown.
    pub(crate) fn key_pattern(&self, text: &str) -> KeyPattern {
        self.scalar().key_pattern(text, SEPARATORS)
    }

    /// The value interpolated into a string (`${x}`, `'a:' + x`).
    pub(crate) fn interpolated(&self, text: &str) -> KeyPattern {
        self.scalar().interpolated(text, SEPARATORS)
    }
}

/// What splits a dotted path in a hole name.
const SEPARATORS: &[char] = &['.'];

/// Renames the holes that mention one of `vars` (`k` → `k#2`) for the `n`th element.
pub(crate) fn instance(pattern: &KeyPattern, vars: &[String], n: usize) -> KeyPattern {
    super::super::holes::instance(pattern, vars, n, IDENT)
}

/// Whether a pattern has a hole that mentions one of `vars`.
pub(crate) fn varies_with(pattern: &KeyPattern, vars: &[String]) -> bool {
    pattern
        .holes()
        .any(|h| h.name.as_deref().is_some_and(|name| mentions(name, vars)))
}

/// Whether `name` mentions one of `vars` as a whole word.
fn mentions(name: &str, vars: &[String]) -> bool {
    super::super::holes::mentions(name, vars, IDENT)
}

/// Characters of an identifier in this language.
const IDENT: fn(char) -> bool = |c: char| c.is_alphanumeric() || c == '_' || c == '$';

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

/// Merges the values a name takes on different paths.
pub(crate) fn merge(a: &Val, b: &Val, name: &str) -> Val {
    if a == b {
        a.clone()
    } else {
        Val::opaque(name)
    }
}
