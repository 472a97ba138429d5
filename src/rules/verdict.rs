//! The same-slot verdict over a set of keys: the worst pair, the verdict
//! under the defaults the code gives its holes, and the severity and
//! certainty a verdict earns.

use std::collections::HashMap;

use super::key_uses::distinct_patterns;
use super::labels::defaults_note;
use crate::finding::{Certainty, Severity};
use crate::keypattern::{KeyPattern, SameSlot, Verdict};
use crate::model::Key;

/// Key sets up to this size are scanned pair by pair; larger ones (a
/// generated MULTI of thousands of keys) by groups of equal hashed parts.
const PAIRWISE_MAX: usize = 2000;

/// The worst verdict over pairs of keys, with the pair it came from: the
/// first pair, in key order, that reaches the worst kind. `pair_ok` filters
/// which pairs count (e.g. only keys of different ops).
///
/// Only two literal slots can differ provably, so those pairs are looked
/// at first; the rest of the scan stops at the first pair of different
/// literal texts. A verdict's kind depends only on the two hashed parts, so
/// kinds are memoized per pair of distinct hashed parts.
pub(crate) fn worst_pair<'k>(
    keys: &[(usize, &'k Key)],
    pair_ok: impl Fn(usize, usize) -> bool,
) -> Option<(Verdict, &'k Key, &'k Key)> {
    worst_pair_by(keys, pair_ok, PAIRWISE_MAX)
}

fn worst_pair_by<'k>(
    keys: &[(usize, &'k Key)],
    pair_ok: impl Fn(usize, usize) -> bool,
    pairwise_max: usize,
) -> Option<(Verdict, &'k Key, &'k Key)> {
    let mut parts: HashMap<Option<crate::keypattern::Hashed>, usize> = HashMap::new();
    let info: Vec<(usize, Option<u16>)> = keys
        .iter()
        .map(|(_, k)| {
            let hashed = k.pattern.hashed();
            let slot = hashed
                .as_ref()
                .and_then(|h| h.part.as_literal().map(crate::slot::slot_of_hashed));
            let next = parts.len();
            (*parts.entry(hashed).or_insert(next), slot)
        })
        .collect();
    let mut kinds: HashMap<(usize, usize), SameSlot> = HashMap::new();
    let mut kind_of = |i: usize, j: usize| -> SameSlot {
        let ((ga, sa), (gb, sb)) = (info[i], info[j]);
        match (sa, sb) {
            (Some(x), Some(y)) if x == y => SameSlot::Same,
            (Some(_), Some(_)) => SameSlot::Different,
            _ => *kinds
                .entry((ga, gb))
                .or_insert_with(|| keys[i].1.pattern.same_slot(&keys[j].1.pattern).kind),
        }
    };
    let ok = |i: usize, j: usize| {
        keys[i].1.pattern != keys[j].1.pattern && pair_ok(keys[i].0, keys[j].0)
    };
    // Only two literal slots can be provably different: the first such
    // allowed pair, in key order, is the answer when there is one.
    let statics: Vec<usize> = (0..keys.len()).filter(|&i| info[i].1.is_some()).collect();
    let one_slot = statics.windows(2).all(|w| info[w[0]].1 == info[w[1]].1);
    for (n, &i) in statics.iter().enumerate().filter(|_| !one_slot) {
        if let Some(&j) = statics[n + 1..]
            .iter()
            .find(|&&j| info[j].1 != info[i].1 && ok(i, j))
        {
            let (a, b) = (keys[i].1, keys[j].1);
            return Some((a.pattern.same_slot(&b.pattern), a, b));
        }
    }
    // Otherwise nothing is worse than different literal texts.
    let top = SameSlot::LikelyDifferentLiterals;
    let mut worst: Option<(SameSlot, usize, usize)> = None;
    // Keeps the pair if it is worse than any before; true once nothing can be worse.
    let mut consider = |i: usize, j: usize| {
        let kind = kind_of(i, j);
        if worst.is_none_or(|(w, _, _)| kind > w) {
            worst = Some((kind, i, j));
        }
        kind >= top
    };
    if keys.len() <= pairwise_max {
        'scan: for i in 0..keys.len() {
            for j in i + 1..keys.len() {
                if ok(i, j) && consider(i, j) {
                    break 'scan;
                }
            }
        }
    } else {
        // One member list per hashed part, in first-seen order; each pair of
        // parts judged once, through the first allowed pair of members found.
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); parts.len()];
        for (i, (g, _)) in info.iter().enumerate() {
            members[*g].push(i);
        }
        let witness = |ga: usize, gb: usize| {
            members[ga]
                .iter()
                .take(64)
                .flat_map(|&i| {
                    members[gb]
                        .iter()
                        .take(64)
                        .map(move |&j| (i.min(j), i.max(j)))
                })
                .find(|&(i, j)| i != j && ok(i, j))
        };
        let limit = members.len().min(PAIRWISE_MAX);
        'groups: for ga in 0..limit {
            for gb in ga..limit {
                if witness(ga, gb).is_some_and(|(i, j)| consider(i, j)) {
                    break 'groups;
                }
            }
        }
    }
    worst.map(|(_, i, j)| {
        let (a, b) = (keys[i].1, keys[j].1);
        (a.pattern.same_slot(&b.pattern), a, b)
    })
}

/// The cross-slot verdict of a set of keys: the worst pair's, or, when that
/// leaves the question open (a hole may hold a hash tag, or nothing is
/// known of it), the verdict under the defaults the code gives its holes
/// (`opts.prefix || 'jobs'`, `def __init__(self, namespace="jobs")`).
pub(crate) struct CrossSlot {
    pub(crate) verdict: Verdict,
    pub(crate) severity: Severity,
    pub(crate) certainty: Certainty,
    /// `spans hash slots`, `may span hash slots`.
    pub(crate) spans: &'static str,
    /// The keys as the help should rewrite them (the defaults filled in
    /// when the verdict rests on them).
    pub(crate) patterns: Vec<KeyPattern>,
    /// Whether the verdict holds only under the defaults.
    pub(crate) under_defaults: bool,
}

/// The cross-slot verdict of `keys` (see [`CrossSlot`]), or `None` when they
/// share a slot or nothing can be said.
pub(crate) fn cross_slot(
    keys: &[(usize, &Key)],
    pair_ok: impl Fn(usize, usize) -> bool,
) -> Option<CrossSlot> {
    let owned = |ks: &[(usize, &Key)]| {
        distinct_patterns(ks)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    if let Some((verdict, _, _)) = worst_pair(keys, &pair_ok) {
        if let Some((severity, certainty, spans)) = cross_slot_level(verdict.kind) {
            return Some(CrossSlot {
                verdict,
                severity,
                certainty,
                spans,
                patterns: owned(keys),
                under_defaults: false,
            });
        }
    }
    // Under the defaults.
    let defaulted = with_defaults(keys)?;
    let refs: Vec<(usize, &Key)> = defaulted.iter().map(|(i, k)| (*i, k)).collect();
    let (verdict, a, b) = worst_pair(&refs, &pair_ok)?;
    let (severity, certainty, spans) = cross_slot_level(verdict.kind)?;
    let original = |d: &Key| {
        defaulted
            .iter()
            .position(|(_, k)| std::ptr::eq(k, d))
            .map(|i| &keys[i].1.pattern)
    };
    let mut holes: Vec<KeyPattern> = Vec::new();
    for p in [original(a), original(b)].into_iter().flatten() {
        if p.with_defaults().is_some() && !holes.contains(p) {
            holes.push(p.clone());
        }
    }
    let mut joined = KeyPattern::default();
    for p in &holes {
        joined.extend(p);
    }
    // The verdict's reason names the keys as the defaults make them.
    let reason = format!("{}, {}", defaults_note(&joined), verdict.reason);
    Some(CrossSlot {
        verdict: Verdict { reason, ..verdict },
        severity,
        // A user may configure a value with its own tag.
        certainty: certainty.max(Certainty::Likely),
        spans,
        patterns: owned(&refs),
        under_defaults: true,
    })
}

/// The keys with the defaults of their holes filled in, or `None` when no
/// hole has one.
fn with_defaults(keys: &[(usize, &Key)]) -> Option<Vec<(usize, Key)>> {
    let defaulted: Vec<(usize, Key)> = keys
        .iter()
        .map(|(i, k)| {
            let pattern = k
                .pattern
                .with_defaults()
                .unwrap_or_else(|| k.pattern.clone());
            (
                *i,
                Key {
                    pattern,
                    span: k.span,
                },
            )
        })
        .collect();
    let changed = defaulted
        .iter()
        .zip(keys)
        .any(|((_, d), (_, k))| d.pattern != k.pattern);
    changed.then_some(defaulted)
}

/// Whether the keys share a slot under the defaults of their holes (a
/// configurable prefix in front of a shared tag, `<ns>:{<queue>}:q`).
pub(crate) fn same_under_defaults(keys: &[(usize, &Key)]) -> bool {
    let Some(defaulted) = with_defaults(keys) else {
        return false;
    };
    let refs: Vec<(usize, &Key)> = defaulted.iter().map(|(i, k)| (*i, k)).collect();
    worst_pair(&refs, |_, _| true).is_some_and(|(v, _, _)| v.kind == SameSlot::Same)
}

/// Severity and certainty of a cross-slot verdict, or `None` when it is not
/// a cross-slot finding (same slot or unknown).
pub(crate) fn cross_slot_level(kind: SameSlot) -> Option<(Severity, Certainty, &'static str)> {
    match kind {
        SameSlot::Different => Some((Severity::Error, Certainty::Proven, "spans hash slots")),
        SameSlot::LikelyDifferentLiterals => Some((
            Severity::Error,
            Certainty::Likely,
            "likely spans hash slots",
        )),
        SameSlot::LikelyDifferentVariables => {
            Some((Severity::Warning, Certainty::Likely, "may span hash slots"))
        }
        SameSlot::Same | SameSlot::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::parse_placeholders as pat;

    fn keyed(texts: &[String]) -> Vec<Key> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Key {
                pattern: pat(t),
                span: crate::model::Span::new(i, i + 1),
            })
            .collect()
    }

    #[test]
    fn large_key_sets_are_judged_by_groups() {
        let mut texts: Vec<String> = (0..3000).map(|i| format!("{{u:1}}:{i}")).collect();
        let keys = keyed(&texts);
        let refs: Vec<(usize, &Key)> = keys.iter().enumerate().collect();
        let (v, _, _) = worst_pair(&refs, |a, b| a != b).unwrap();
        assert_eq!(v.kind, SameSlot::Same);
        texts.push("{u:2}:x".into());
        let keys = keyed(&texts);
        let refs: Vec<(usize, &Key)> = keys.iter().enumerate().collect();
        let (v, _, b) = worst_pair(&refs, |a, b| a != b).unwrap();
        assert_eq!(v.kind, SameSlot::Different);
        assert_eq!(b.pattern.to_string(), "{u:2}:x");
    }

    proptest::proptest! {
        /// Judged by groups or pair by pair, the worst kind is the same.
        #[test]
        fn groups_agree_with_pairs(texts in proptest::collection::vec("(\\{)?(a|b|<x>|<y>|1|2)(\\})?(:(a|<x>|1))?", 2..12)) {
            let keys = keyed(&texts);
            let refs: Vec<(usize, &Key)> = keys.iter().enumerate().collect();
            let kind = |max| worst_pair_by(&refs, |_, _| true, max).map(|(v, _, _)| v.kind);
            proptest::prop_assert_eq!(kind(usize::MAX), kind(0));
        }
    }
}
