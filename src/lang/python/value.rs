//! Abstract values of Python expressions as the front-end tracks them: strings
//! as key patterns, small integers, opaque values with what is known of them,
//! lists and families of keys, and Redis clients, pipelines and scripts.

use crate::keypattern::KeyPattern;
use crate::lang::holes::Scalar;
pub(crate) use crate::lang::holes::{Literal, Opaque};
use crate::model::Span;

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    /// A string (or bytes) as a pattern; `lit` when fully literal.
    Str(KeyPattern, Option<Box<Literal>>),
    Int(i64),
    Bool(bool),
    Opaque(Opaque),
    /// A list, tuple or set whose elements are known.
    List(Vec<Val>),
    /// A comprehension: any number of elements shaped like `elem`, where the
    /// holes named in `vars` differ from one element to the next.
    Family(Box<Val>, Vec<String>),
    /// A dict literal: keys and values.
    Dict(Vec<(Val, Val, Span)>),
    /// A Redis client: index into the model's clients.
    Client(usize),
    /// A pipeline: index into the front-end's pipelines.
    Pipeline(usize),
    /// `register_script(...)` result: the script text when known, and where it is.
    Script(Option<Box<Literal>>, Span),
    /// `self` / `cls` inside a class.
    SelfRef,
    /// A module or class imported from redis (`redis`, `redis.cluster.RedisCluster`).
    RedisName(String),
    Unknown,
}

impl Val {
    pub(crate) fn opaque(name: impl Into<String>) -> Val {
        Val::Opaque(Opaque {
            name: name.into(),
            ..Opaque::default()
        })
    }

    pub(crate) fn lit(bytes: Vec<u8>) -> Val {
        Val::Str(KeyPattern::literal(bytes), None)
    }

    /// A string value's pattern.
    pub(crate) fn as_str(&self) -> Option<&KeyPattern> {
        match self {
            Val::Str(p, _) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn literal_bytes(&self) -> Option<&[u8]> {
        self.as_str().and_then(KeyPattern::as_literal)
    }

    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            Val::Opaque(o) => o.int_default,
            _ => None,
        }
    }

    /// The value as key-building sees it.
    fn scalar(&self) -> Scalar<'_> {
        match self {
            Val::Str(p, _) => Scalar::Str(p),
            Val::Int(n) => Scalar::Int(*n),
            Val::Opaque(o) => Scalar::Opaque(o),
            _ => Scalar::Other,
        }
    }

    /// The value used as a whole key: a hole that may hold a tag when unknown.
    pub(crate) fn key_pattern(&self, text: &str) -> KeyPattern {
        self.scalar().key_pattern(text, SEPARATORS)
    }

    /// The value interpolated into a string (`f"{x}"`, `"%s" % x`).
    pub(crate) fn interpolated(&self, text: &str) -> KeyPattern {
        if let Val::Bool(b) = self {
            return KeyPattern::literal(if *b { "True" } else { "False" });
        }
        self.scalar().interpolated(text, SEPARATORS)
    }
}

/// What splits a dotted path in a hole name.
const SEPARATORS: &[char] = &['.'];

/// A configurable prefix or a whole key interpolated into another may carry
/// its own hash tag.
pub(crate) fn is_prefixish(name: &str) -> bool {
    super::super::holes::is_prefixish(name, SEPARATORS)
}

/// Renames the holes named in `vars` (`k` → `k#2`) for the `n`th element of a family.
pub(crate) fn instance(pattern: &KeyPattern, vars: &[String], n: usize) -> KeyPattern {
    super::super::holes::instance(pattern, vars, n, IDENT)
}

/// Whether `name` mentions one of `vars` as a whole word.
/// Characters of an identifier in this language.
const IDENT: fn(char) -> bool = |c: char| c.is_alphanumeric() || c == '_';

/// Two element instances of a family value, as keys.
pub(crate) fn family_instances(elem: &Val, vars: &[String], text: &str) -> Vec<KeyPattern> {
    let p = elem.key_pattern(text);
    let a = instance(&p, vars, 1);
    let b = instance(&p, vars, 2);
    if a == b {
        vec![a]
    } else {
        vec![a, b]
    }
}

/// Merges the values a name takes on different paths.
pub(crate) fn merge(a: &Val, b: &Val, name: &str) -> Val {
    if a == b {
        a.clone()
    } else {
        match (a, b) {
            (Val::Client(x), Val::Client(y)) if x == y => a.clone(),
            _ => Val::opaque(name),
        }
    }
}
