//! Hole helpers the source-language front-ends share: which names may carry a
//! hash tag, and how one element of a key family is told from another.

use crate::keypattern::{Hole, KeyPattern, Segment};

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
