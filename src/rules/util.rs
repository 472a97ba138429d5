//! Helpers shared by rules: how a key is labelled, the worst same-slot verdict
//! over a set of keys, the severity a verdict earns, and the suggested fix.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{HashTag, Hole, KeyPattern, SameSlot, Segment, Verdict};
use crate::model::{Family, FileModel, Key, Span};

/// The command table entry of a canonical name (`MGET`, `OBJECT ENCODING`).
pub(crate) fn command_spec(canonical: &str) -> Option<&'static crate::commands::CommandSpec> {
    let mut words = canonical.splitn(2, ' ');
    crate::commands::lookup(words.next()?, words.next())
}

/// What a secondary label says about one key: its slot, its tag, or why it is unknown.
pub(crate) fn key_label(pattern: &KeyPattern) -> String {
    match pattern.hash_tag() {
        HashTag::Static { tag, slot } => {
            let tag = KeyPattern::literal(tag);
            if pattern.has_holes() {
                format!("slot {slot} (tag `{{{tag}}}`)")
            } else {
                format!("`{pattern}`: slot {slot} (tag `{{{tag}}}`)")
            }
        }
        HashTag::Dynamic(tag) => format!("tag `{{{tag}}}`"),
        HashTag::Untagged => match pattern.slot() {
            Some(slot) => format!("`{pattern}`: slot {slot}, no tag"),
            None => format!("no tag: slot depends on {}", hole_list(pattern)),
        },
        HashTag::Uncertain => format!(
            "slot unknown: {} may contain a hash tag",
            hole_list(pattern)
        ),
    }
}

fn hole_list(pattern: &KeyPattern) -> String {
    let names: Vec<String> = pattern
        .holes()
        .map(|h| format!("`{}`", h.shown_name()))
        .collect();
    if names.is_empty() {
        "the key".into()
    } else {
        names.join(", ")
    }
}

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

/// Distinct keys (by pattern), first occurrence kept.
pub(crate) fn distinct_keys<'k>(keys: &[(usize, &'k Key)]) -> Vec<(usize, &'k Key)> {
    let mut seen: std::collections::HashSet<&KeyPattern> = std::collections::HashSet::new();
    keys.iter()
        .copied()
        .filter(|(_, k)| seen.insert(&k.pattern))
        .collect()
}

/// Distinct key patterns, in first-occurrence order.
pub(crate) fn distinct_patterns<'k>(keys: &[(usize, &'k Key)]) -> Vec<&'k KeyPattern> {
    distinct_keys(keys)
        .into_iter()
        .map(|(_, k)| &k.pattern)
        .collect()
}

/// Secondary labels on at most this many keys of one finding.
const MAX_KEY_LABELS: usize = 16;

/// Adds one secondary label per distinct key (the first
/// [`MAX_KEY_LABELS`], and a note counting the rest).
pub(crate) fn label_keys(mut finding: Finding, keys: &[(usize, &Key)]) -> Finding {
    let distinct = distinct_keys(keys);
    for (_, k) in distinct.iter().take(MAX_KEY_LABELS) {
        finding = finding.label(k.span, key_label(&k.pattern));
    }
    if distinct.len() > MAX_KEY_LABELS {
        finding = finding.note(format!(
            "{} distinct keys in all; the first {MAX_KEY_LABELS} are labelled",
            distinct.len()
        ));
    }
    finding
}

/// A `help` text with the keys rewritten under one shared hash tag, when a
/// shared part can be found; otherwise the general advice.
pub(crate) fn same_tag_help(keys: &[&KeyPattern]) -> String {
    if let Some(fixed) = shared_tag_rewrite(keys) {
        let shown: Vec<String> = fixed.iter().map(|p| format!("`{p}`")).collect();
        return format!(
            "give the keys one hash tag so they share a slot: {}",
            shown.join(", ")
        );
    }
    "give the keys one hash tag (`{…}` around the part they share) so they land in one slot, or split the work per slot".into()
}

fn shared_tag_rewrite(keys: &[&KeyPattern]) -> Option<Vec<KeyPattern>> {
    let at = shared_tag_positions(keys)?;
    Some(
        keys.iter()
            .zip(at)
            .map(|(k, (open, close))| with_tag(k, open, close))
            .collect(),
    )
}

/// Where the shared hash tag goes in each of `keys` (untagged, at least
/// two): `{` before token `open`, `}` before token `close`. The keys then
/// have one tag, a common prefix or the part around a shared value.
pub(crate) fn shared_tag_positions(keys: &[&KeyPattern]) -> Option<Vec<(usize, usize)>> {
    if keys.len() < 2 || keys.iter().any(|k| k.hash_tag() != HashTag::Untagged) {
        return None;
    }
    if let Some(prefix) = common_prefix(keys) {
        let cut = prefix.token_count();
        return Some(vec![(0, cut); keys.len()]);
    }
    shared_hole_positions(keys)
}

/// `key` with `{` before token `open` and `}` before token `close`.
pub(crate) fn with_tag(key: &KeyPattern, open: usize, close: usize) -> KeyPattern {
    let toks = tokens(key);
    let mut fixed = toks[..open].to_vec();
    fixed.push(Tok::Byte(b'{'));
    fixed.extend_from_slice(&toks[open..close]);
    fixed.push(Tok::Byte(b'}'));
    fixed.extend_from_slice(&toks[close..]);
    from_tokens(&fixed)
}

/// The longest common segment prefix, cut back to the last `:` boundary.
fn common_prefix(keys: &[&KeyPattern]) -> Option<KeyPattern> {
    let first = tokens(keys[0]);
    let mut len = first.len();
    for k in &keys[1..] {
        let other = tokens(k);
        len = len.min(first.iter().zip(&other).take_while(|(a, b)| a == b).count());
    }
    let cut = first[..len].iter().rposition(|t| *t == Tok::Byte(b':'))?;
    if cut < 2 || keys.iter().any(|k| tokens(k).len() <= cut) {
        return None;
    }
    // A constant word (`user` of `user:1:name` and `user:2:name`) as the tag
    // would put the whole family in one slot (SL004): no such advice.
    let varies = first[..cut].iter().any(|t| match t {
        Tok::Hole(_) => true,
        Tok::Byte(b) => b.is_ascii_digit(),
    });
    varies.then(|| from_tokens(&first[..cut]))
}

/// `order:<id>` and `archive:order:<id>` → `{order:<id>}` and `archive:{order:<id>}`:
/// the first hole every key has, tagged with the word before it.
fn shared_hole_positions(keys: &[&KeyPattern]) -> Option<Vec<(usize, usize)>> {
    keys[0]
        .holes()
        .filter(|h| h.name.is_some())
        .find_map(|hole| tag_around(keys, hole))
}

fn tag_around(keys: &[&KeyPattern], hole: &Hole) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut tag: Option<Vec<Tok<'_>>> = None;
    for k in keys {
        let toks = tokens(k);
        let at = toks.iter().position(|t| *t == Tok::Hole(hole))?;
        let colon_before = |end: usize| toks[..end].iter().rposition(|t| *t == Tok::Byte(b':'));
        let start = colon_before(at).map_or(0, |p| colon_before(p).map_or(0, |q| q + 1));
        let this_tag = toks[start..=at].to_vec();
        if tag.as_ref().is_some_and(|t| *t != this_tag) {
            return None;
        }
        tag = Some(this_tag);
        out.push((start, at + 1));
    }
    Some(out)
}

/// One distinct key pattern of a file, judged once: where it first appears
/// and how often it is used. A schema family is its own entry.
pub(crate) struct KeyUse<'a> {
    pub(crate) pattern: &'a KeyPattern,
    /// The first occurrence, or the family's entry in the schema.
    pub(crate) span: Span,
    pub(crate) uses: usize,
    pub(crate) family: Option<&'a Family>,
}

impl KeyUse<'_> {
    /// `used 3 times in this file`, when the key repeats.
    pub(crate) fn uses_note(&self) -> Option<String> {
        (self.uses > 1).then(|| format!("used {} times in this file", self.uses))
    }
}

/// The distinct keys of the ops (sorted by span, first occurrence wins), then
/// the schema families. Schema transaction members (ops with an empty
/// command) are skipped: their families are already in `model.families`.
pub(crate) fn key_uses(model: &FileModel) -> Vec<KeyUse<'_>> {
    let mut keys: Vec<_> = model
        .ops
        .iter()
        .filter(|op| !op.command.is_empty())
        .flat_map(|op| &op.keys)
        .collect();
    keys.sort_by_key(|k| k.span);
    let mut out: Vec<KeyUse<'_>> = Vec::new();
    let mut seen: HashMap<&KeyPattern, usize> = HashMap::new();
    for key in keys {
        match seen.entry(&key.pattern) {
            Entry::Occupied(e) => out[*e.get()].uses += 1,
            Entry::Vacant(e) => {
                e.insert(out.len());
                out.push(KeyUse {
                    pattern: &key.pattern,
                    span: key.span,
                    uses: 1,
                    family: None,
                });
            }
        }
    }
    out.extend(model.families.iter().map(|f| KeyUse {
        pattern: &f.pattern,
        span: f.span,
        uses: 1,
        family: Some(f),
    }));
    out
}

/// One byte of literal text or one hole of a pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok<'a> {
    Byte(u8),
    Hole(&'a Hole),
}

impl Tok<'_> {
    pub(crate) fn is(self, byte: u8) -> bool {
        matches!(self, Tok::Byte(b) if b == byte)
    }
}

/// A pattern as bytes and holes, so that brace positions are plain indices.
pub(crate) fn tokens(pattern: &KeyPattern) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    for s in pattern.segments() {
        match s {
            Segment::Lit(b) => out.extend(b.iter().map(|&c| Tok::Byte(c))),
            Segment::Hole(h) => out.push(Tok::Hole(h)),
        }
    }
    out
}

/// The pattern made of `toks`.
pub(crate) fn from_tokens(toks: &[Tok<'_>]) -> KeyPattern {
    KeyPattern::new(toks.iter().map(|t| match *t {
        Tok::Byte(b) => Segment::Lit(vec![b]),
        Tok::Hole(h) => Segment::Hole(h.clone()),
    }))
}

/// Index of the first `{`, and of the first `}` after it.
pub(crate) fn tag_bounds(toks: &[Tok<'_>]) -> Option<(usize, Option<usize>)> {
    let open = toks.iter().position(|t| t.is(b'{'))?;
    let close = toks[open + 1..]
        .iter()
        .position(|t| t.is(b'}'))
        .map(|i| open + 1 + i);
    Some((open, close))
}

/// The note naming the defaults a finding assumed: ``with the default `<prefix>` = `bull` ``.
pub(crate) fn defaults_note(pattern: &KeyPattern) -> String {
    let mut defaults: Vec<String> = Vec::new();
    for h in pattern.holes() {
        let Some(d) = h.default.as_ref() else {
            continue;
        };
        let text = format!(
            "`<{}>` = `{}`",
            h.shown_name(),
            KeyPattern::literal(d.clone())
        );
        if !defaults.contains(&text) {
            defaults.push(text);
        }
    }
    let s = if defaults.len() == 1 { "" } else { "s" };
    format!("with the default{s} {}", defaults.join(", "))
}

/// `1 value`, `3 values`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Where the keys' known slots live on the configured topology, node by node
/// in first-seen order (`None` for slots no node serves). Empty without a
/// topology or when no key's slot is known.
pub(crate) fn slots_by_node(
    topology: Option<&crate::topology::Topology>,
    keys: &[&KeyPattern],
) -> Vec<(Option<String>, Vec<u16>)> {
    let Some(topology) = topology else {
        return Vec::new();
    };
    let mut out: Vec<(Option<String>, Vec<u16>)> = Vec::new();
    for slot in keys.iter().filter_map(|k| k.slot()) {
        let node = topology.node_of(slot).map(str::to_string);
        match out.iter_mut().find(|(n, _)| *n == node) {
            Some((_, slots)) if slots.contains(&slot) => {}
            Some((_, slots)) => slots.push(slot),
            None => out.push((node, vec![slot])),
        }
    }
    out
}

/// "on the configured topology: slot 2549 is on node \`A\`, slots 5550, 7000
/// on node \`B\`", for a finding's notes.
pub(crate) fn topology_note(by_node: &[(Option<String>, Vec<u16>)]) -> Option<String> {
    if by_node.is_empty() {
        return None;
    }
    let parts: Vec<String> = by_node
        .iter()
        .enumerate()
        .map(|(i, (node, slots))| {
            let list: Vec<String> = slots.iter().map(u16::to_string).collect();
            let many = slots.len() > 1;
            let slots = format!(
                "{} {}",
                if many { "slots" } else { "slot" },
                list.join(", ")
            );
            let verb = match (i, many) {
                (0, false) => " is",
                (0, true) => " are",
                _ => "",
            };
            match node {
                Some(n) => format!("{slots}{verb} on node `{n}`"),
                None => format!("{slots}{verb} served by no node"),
            }
        })
        .collect();
    Some(format!("on the configured topology: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::parse_placeholders as pat;

    fn help(keys: &[&str]) -> String {
        let pats: Vec<KeyPattern> = keys.iter().map(|k| pat(k)).collect();
        let refs: Vec<&KeyPattern> = pats.iter().collect();
        same_tag_help(&refs)
    }

    #[test]
    fn help_rewrites_common_prefix() {
        assert_eq!(
            help(&["user:123:name", "user:123:email"]),
            "give the keys one hash tag so they share a slot: `{user:123}:name`, `{user:123}:email`"
        );
        assert_eq!(
            help(&["order:<id>", "archive:order:<id>"]),
            "give the keys one hash tag so they share a slot: `{order:<id>}`, `archive:{order:<id>}`"
        );
        assert!(help(&["a", "b"]).starts_with("give the keys one hash tag (`{…}`"));
        // A constant word shared by different entities is a hot-slot tag
        // (SL004): not suggested.
        assert!(
            help(&["user:1:name", "user:2:name"]).starts_with("give the keys one hash tag (`{…}`")
        );
        assert_eq!(
            help(&["user:<id>:name", "user:<id>:email"]),
            "give the keys one hash tag so they share a slot: `{user:<id>}:name`, `{user:<id>}:email`"
        );
    }

    #[test]
    fn topology_notes() {
        let t = crate::topology::Topology::parse(
            "t.yaml",
            "nodes: { A: \"0-5460\", B: \"5461-10922\", C: \"10923-16382\" }\n",
        )
        .unwrap();
        let (foo, bar, user1, user2) = (
            pat("foo"),
            pat("bar"),
            pat("user:1:name"),
            pat("user:2:name"),
        );
        // 12182 (C), 5061 (A); 12440 and 15992 (both C).
        assert_eq!(
            topology_note(&slots_by_node(Some(&t), &[&foo, &bar, &pat("<x>")])).as_deref(),
            Some("on the configured topology: slot 12182 is on node `C`, slot 5061 on node `A`")
        );
        assert_eq!(
            topology_note(&slots_by_node(Some(&t), &[&user1, &user2, &user1])).as_deref(),
            Some("on the configured topology: slots 12440, 15992 are on node `C`")
        );
        // Slot 16383 is left uncovered; `k10322` hashes there.
        assert_eq!(
            topology_note(&slots_by_node(Some(&t), &[&pat("k10322"), &foo])).as_deref(),
            Some("on the configured topology: slot 16383 is served by no node, slot 12182 on node `C`")
        );
        assert!(slots_by_node(None, &[&foo]).is_empty());
        assert!(slots_by_node(Some(&t), &[&pat("<x>")]).is_empty());
    }

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

    #[test]
    fn labels() {
        assert_eq!(
            key_label(&pat("user:123:name")),
            "`user:123:name`: slot 6198, no tag"
        );
        assert_eq!(key_label(&pat("{user:<id>}:cart")), "tag `{user:<id>}`");
        assert_eq!(
            key_label(&pat("order:<id>")),
            "no tag: slot depends on `id`"
        );
    }
}
