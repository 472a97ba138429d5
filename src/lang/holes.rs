//! Hole helpers the source-language front-ends share: literal strings with
//! their offsets, opaque values and the holes they become, which names may
//! carry a hash tag, and how one element of a key family is told from another.

use std::collections::HashMap;

use crate::keypattern::{BraceField, BraceSyntax, Hole, KeyPattern, Layout, Segment};
use crate::model::Span;

/// A fully literal string and the file offset of each decoded byte, plus the
/// offset just past the last (scripts written inline, replacement fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    pub(crate) bytes: Vec<u8>,
    pub(crate) offsets: Vec<usize>,
}

impl Literal {
    /// Where the bytes are in the source, as the layout of a key spelled
    /// by this literal alone.
    pub(crate) fn layout(&self, braces: BraceSyntax) -> Layout {
        Layout {
            starts: self.offsets.clone(),
            braces,
        }
    }

    /// The source span of the decoded bytes `start..end`.
    pub(crate) fn span(&self, start: usize, end: usize) -> Option<Span> {
        let first = *self.offsets.get(start)?;
        let last = *self.offsets.get(end.checked_sub(1)?)?;
        Some(Span::new(first, last + 1))
    }
}

/// A value a front-end cannot spell out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Opaque {
    /// What the code calls it (a variable, an expression's text).
    pub(crate) name: String,
    /// A string default (`opts.prefix || 'bull'`, `kwargs.get("prefix", "rq")`).
    pub(crate) default: Option<Vec<u8>>,
    /// Number of distinct values, when small and known (a bool: 2).
    pub(crate) domain: Option<u64>,
    /// An integer default (a parameter `n: int = 100`).
    pub(crate) int_default: Option<i64>,
    /// Known to be a number or a bool: never holds braces.
    pub(crate) numeric: bool,
    /// The current time: `instant` (a timestamp), or cut to a period (`day`, `hour`).
    pub(crate) period: Option<&'static str>,
}

impl Opaque {
    /// The value as a hole; `whole_key` when it is used as a whole key (then
    /// it may carry its own tag unless numeric), otherwise interpolated into
    /// a string (then only a prefix-like name may carry one).
    pub(crate) fn hole(&self, whole_key: bool, separators: &[char]) -> Hole {
        Hole {
            name: Some(self.name.clone()),
            default: self.default.clone(),
            domain: self.domain,
            may_contain_braces: !self.numeric
                && (whole_key || is_prefixish(&self.name, separators)),
            period: self.period.filter(|p| *p != "instant"),
            field: None,
        }
    }
}

/// A front-end value as far as building keys goes: each front-end's `Val`
/// maps to this, and the rules for turning it into a pattern live here once.
pub(crate) enum Scalar<'v> {
    Str(&'v KeyPattern),
    Int(i64),
    Opaque(&'v Opaque),
    Other,
}

impl Scalar<'_> {
    /// The value used as a whole key: a hole that may hold a tag when unknown.
    pub(crate) fn key_pattern(&self, text: &str, separators: &[char]) -> KeyPattern {
        match self {
            Scalar::Str(p) => (*p).clone(),
            Scalar::Int(n) => KeyPattern::literal(n.to_string()),
            Scalar::Opaque(o) => KeyPattern::new([Segment::Hole(o.hole(true, separators))]),
            Scalar::Other => KeyPattern::new([Segment::Hole(Hole::opaque(Some(text.to_string())))]),
        }
    }

    /// The value interpolated into a string (`f"{x}"`, `${x}`, `format!("{x}")`).
    pub(crate) fn interpolated(&self, text: &str, separators: &[char]) -> KeyPattern {
        match self {
            Scalar::Opaque(o) => KeyPattern::new([Segment::Hole(o.hole(false, separators))]),
            Scalar::Other => KeyPattern::new([Segment::Hole(text_hole(text, separators))]),
            whole => whole.key_pattern(text, separators),
        }
    }

    /// The bytes of a fully known string or number.
    pub(crate) fn literal_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Scalar::Str(p) => p.as_literal().map(<[u8]>::to_vec),
            Scalar::Int(n) => Some(n.to_string().into_bytes()),
            _ => None,
        }
    }
}

/// An unknown expression interpolated into a string, by its text.
pub(crate) fn text_hole(text: &str, separators: &[char]) -> Hole {
    Hole {
        may_contain_braces: is_prefixish(text, separators),
        ..Hole::named(text)
    }
}

/// Marks `p` as written in the replacement field `field` when it is one hole
/// (`f"{uid}"`); a value spelled out (a constant, a tag variable) is left alone.
pub(crate) fn in_field(mut p: KeyPattern, field: Option<BraceField>) -> KeyPattern {
    if let (Some(field), [Segment::Hole(h)]) = (field, p.segments()) {
        let h = Hole {
            field: Some(Box::new(field)),
            ..h.clone()
        };
        p = KeyPattern::new([Segment::Hole(h)]);
    }
    p
}

/// A configurable prefix or a whole key interpolated into another may carry
/// its own hash tag. `separators` split a dotted (or `::`) path; the last
/// part is judged.
pub(crate) fn is_prefixish(name: &str, separators: &[char]) -> bool {
    let n = name.to_ascii_lowercase();
    let last = n.rsplit(separators).next().unwrap_or(&n);
    ["prefix", "namespace", "key"]
        .iter()
        .any(|w| last.contains(w))
        || last == "ns"
}

/// Whether a hole name (an expression's text) mentions one of `vars`, words
/// being runs of characters for which `is_ident` holds.
pub(crate) fn mentions(name: &str, vars: &[String], is_ident: fn(char) -> bool) -> bool {
    name.split(|c: char| !is_ident(c))
        .any(|w| vars.iter().any(|v| v == w))
}

/// Renames the holes that mention one of `vars` (`k` → `k#2`) for the `n`th element.
pub(crate) fn instance(
    pattern: &KeyPattern,
    vars: &[String],
    n: usize,
    is_ident: fn(char) -> bool,
) -> KeyPattern {
    KeyPattern::new(pattern.segments().iter().map(|s| {
        match s {
            Segment::Hole(h)
                if h.name
                    .as_deref()
                    .is_some_and(|name| mentions(name, vars, is_ident)) =>
            {
                Segment::Hole(Hole {
                    name: h.name.as_ref().map(|name| format!("{name}#{n}")),
                    ..h.clone()
                })
            }
            other => other.clone(),
        }
    }))
}

/// The clients a front-end has met in one file: one model client per kind,
/// and per receiver name for clients of unknown kind (config hints match
/// those names), with the kind each came from.
#[derive(Debug)]
pub(crate) struct ClientTable<K> {
    ids: HashMap<(String, Option<String>), usize>,
    kinds: Vec<K>,
}

impl<K> Default for ClientTable<K> {
    fn default() -> Self {
        ClientTable {
            ids: HashMap::new(),
            kinds: Vec::new(),
        }
    }
}

impl<K: Copy> ClientTable<K> {
    /// The model index of `client` (made from `kind`), added on first use.
    /// `name` is kept only when the client's kind is unknown.
    pub(crate) fn index(
        &mut self,
        clients: &mut Vec<crate::model::Client>,
        kind: K,
        mut client: crate::model::Client,
        name: Option<&str>,
    ) -> usize {
        let name = name
            .filter(|_| client.topology == crate::model::Topology::Unknown)
            .map(str::to_string);
        let id = (client.label.clone(), name.clone());
        if let Some(&i) = self.ids.get(&id) {
            return i;
        }
        client.name = name;
        clients.push(client);
        self.kinds.push(kind);
        let i = clients.len() - 1;
        self.ids.insert(id, i);
        i
    }

    /// The kind a model client came from.
    pub(crate) fn kind(&self, index: usize) -> Option<K> {
        self.kinds.get(index).copied()
    }
}

/// Joins the bindings of `b` into `a` where two code paths meet: a name bound
/// to different values on the two paths becomes `merge(a's, b's, name)`.
pub(crate) fn join_env<V: PartialEq>(
    a: &mut HashMap<String, V>,
    b: HashMap<String, V>,
    merge: impl Fn(&V, &V, &str) -> V,
) {
    for (k, v) in b {
        match a.get(&k) {
            Some(old) if *old != v => {
                let merged = merge(old, &v, &k);
                a.insert(k, merged);
            }
            Some(_) => {}
            None => {
                a.insert(k, v);
            }
        }
    }
}
