//! The one value type of the source front-ends: what an expression evaluates
//! to as far as Redis keys go. Strings are key patterns, numbers and bools
//! are known or opaque, collections are lists, families (any number of
//! elements of one shape) and maps, and Redis clients and pipelines are
//! indices into the model builder. What only one language has (Python's
//! `self`, a JavaScript function value, a redis-rs command builder) is its
//! extension `X`, which also names the language's [`Lexicon`].

use std::collections::HashMap;

use crate::keypattern::{KeyPattern, Segment};
use crate::lang::holes::{self, Scalar};
pub(crate) use crate::lang::holes::{Literal, Opaque};
use crate::model::Span;

/// What a front-end's language says about names and literals.
#[derive(Debug)]
pub(crate) struct Lexicon {
    /// Characters of an identifier.
    pub(crate) ident: fn(char) -> bool,
    /// What splits a path in a hole name (`.`, `::`).
    pub(crate) separators: &'static [char],
    /// How `false` and `true` read when interpolated into a string.
    pub(crate) bools: [&'static str; 2],
}

/// The language-only part of a front-end's values.
pub(crate) trait Ext: Clone + PartialEq + std::fmt::Debug {
    /// The language's lexicon.
    const LEXICON: &'static Lexicon;
}

/// One element of a list or argument list: its value, where it is written
/// and its text (what a hole made of it is named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Elem<X> {
    pub(crate) val: Val<X>,
    pub(crate) span: Span,
    pub(crate) text: String,
}

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val<X> {
    /// A string (or bytes) as a pattern; the literal when fully literal.
    Str(KeyPattern, Option<Box<Literal>>),
    Int(i64),
    Bool(bool),
    Opaque(Opaque),
    /// A list, tuple, array or set whose elements are known.
    List(Vec<Elem<X>>),
    /// Any number of elements shaped like the value, where the holes that
    /// mention the names in the list differ from one element to the next.
    Family(Box<Val<X>>, Vec<String>),
    /// A dict or object literal: keys, values and where each key is written.
    Map(Vec<(Val<X>, Val<X>, Span)>),
    /// A Redis client: index into the model's clients.
    Client(usize),
    /// A pipeline or transaction: index into the builder's pipelines.
    Pipeline(usize),
    /// What only this language has.
    Ext(X),
    Unknown,
}

impl<X: Ext> Val<X> {
    /// An opaque value named `name`.
    pub(crate) fn opaque(name: impl Into<String>) -> Self {
        Val::Opaque(Opaque {
            name: name.into(),
            ..Opaque::default()
        })
    }

    /// A number or bool nothing more is known of, with its domain if small.
    pub(crate) fn numeric(name: impl Into<String>, domain: Option<u64>) -> Self {
        Val::Opaque(Opaque {
            name: name.into(),
            domain,
            numeric: true,
            ..Opaque::default()
        })
    }

    /// A fully literal string.
    pub(crate) fn lit(bytes: impl Into<Vec<u8>>) -> Self {
        Val::Str(KeyPattern::literal(bytes), None)
    }

    /// A string value's pattern.
    pub(crate) fn as_str(&self) -> Option<&KeyPattern> {
        match self {
            Val::Str(p, _) => Some(p),
            _ => None,
        }
    }

    /// The bytes of a fully known string or integer.
    pub(crate) fn literal_bytes(&self) -> Option<Vec<u8>> {
        self.scalar().literal_bytes()
    }

    /// A known integer, or the integer default of an opaque value.
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            Val::Opaque(o) => o.int_default,
            _ => None,
        }
    }

    /// The value of property `name` of a map with string keys.
    pub(crate) fn prop(&self, name: &str) -> Option<&Val<X>> {
        let Val::Map(pairs) = self else {
            return None;
        };
        pairs
            .iter()
            .find(|(k, _, _)| k.as_str().and_then(KeyPattern::as_literal) == Some(name.as_bytes()))
            .map(|(_, v, _)| v)
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
        self.scalar().key_pattern(text, X::LEXICON.separators)
    }

    /// The value interpolated into a string (`f"{x}"`, `${x}`, `format!("{x}")`).
    pub(crate) fn interpolated(&self, text: &str) -> KeyPattern {
        if let Val::Bool(b) = self {
            return KeyPattern::literal(X::LEXICON.bools[usize::from(*b)]);
        }
        self.scalar().interpolated(text, X::LEXICON.separators)
    }

    /// Two element instances of a family value, as keys (one when they cannot differ).
    pub(crate) fn family_instances(&self, vars: &[String], text: &str) -> Vec<KeyPattern> {
        let p = self.key_pattern(text);
        let a = instance::<X>(&p, vars, 1);
        let b = instance::<X>(&p, vars, 2);
        if a == b {
            vec![a]
        } else {
            vec![a, b]
        }
    }
}

impl<X: Ext> Elem<X> {
    /// The element as a key.
    pub(crate) fn key(&self) -> crate::model::Key {
        crate::model::Key {
            pattern: self.val.key_pattern(&self.text),
            span: self.span,
        }
    }
}

/// Renames the holes that mention one of `vars` (`k` → `k#2`) for the `n`th element.
pub(crate) fn instance<X: Ext>(pattern: &KeyPattern, vars: &[String], n: usize) -> KeyPattern {
    holes::instance(pattern, vars, n, X::LEXICON.ident)
}

/// Whether a pattern has a hole that mentions one of `vars`.
pub(crate) fn varies_with<X: Ext>(pattern: &KeyPattern, vars: &[String]) -> bool {
    pattern.segments().iter().any(|s| {
        matches!(s, Segment::Hole(h) if h.name.as_deref().is_some_and(|name| holes::mentions(name, vars, X::LEXICON.ident)))
    })
}

/// A configurable prefix or a whole key interpolated into another may carry
/// its own hash tag.
pub(crate) fn is_prefixish<X: Ext>(name: &str) -> bool {
    holes::is_prefixish(name, X::LEXICON.separators)
}

/// Merges the values a name takes on two paths: equal values stay; a list
/// that a loop fills (empty on one path, a family on the other) is the
/// family; anything else becomes opaque.
pub(crate) fn merge<X: Ext>(a: &Val<X>, b: &Val<X>, name: &str) -> Val<X> {
    match (a, b) {
        _ if a == b => a.clone(),
        (Val::List(xs), f @ Val::Family(..)) | (f @ Val::Family(..), Val::List(xs))
            if xs.is_empty() =>
        {
            f.clone()
        }
        _ => Val::opaque(name),
    }
}

/// Environments of paths that meet, joined: a name bound to different values
/// becomes opaque.
pub(crate) fn merge_envs<X: Ext>(envs: Vec<HashMap<String, Val<X>>>) -> HashMap<String, Val<X>> {
    let mut iter = envs.into_iter();
    let Some(mut out) = iter.next() else {
        return HashMap::new();
    };
    for env in iter {
        holes::join_env(&mut out, env, merge);
    }
    out
}
