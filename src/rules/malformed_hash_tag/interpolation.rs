//! SL006's check for interpolation braces taken for a hash tag:
//! `f"{uid}:cart"` and `"{}:cart".format(uid)` have no tag at all; the braces
//! are the language's replacement-field syntax. Reported only where a tag is
//! evidently meant: the key shares a transaction, script call, one-slot
//! pipeline or multi-key command (one the client does not split per slot)
//! with another key built from the same value (a warning), or the file tags
//! other keys with exactly that value (a hint).

use std::collections::{HashMap, HashSet};

use super::super::fixes;
use super::super::key_uses::KeyUse;
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{from_tokens, tokens, Tok};
use crate::keypattern::{BraceField, HashTag, Hole, KeyPattern};
use crate::model::{FileModel, Key, Op, Span};
use crate::rules::Context;

/// Why a tag is evidently meant.
enum Evidence<'m> {
    /// Used with `other` where the keys must share a slot (`what`).
    Together { other: &'m Key, what: String },
    /// `pattern` (at `span`) is tagged by the same value.
    Tagged { pattern: &'m KeyPattern, span: Span },
}

/// Whether `p` is tagged by exactly the value of `hole` (`{<uid>}:profile`).
fn tagged_by(p: &KeyPattern, hole: &Hole) -> bool {
    match p.hash_tag() {
        HashTag::Dynamic(tag) => {
            matches!(tag.segments(), [crate::keypattern::Segment::Hole(h)] if h.name == hole.name)
        }
        _ => false,
    }
}

/// Whether `p` is tagged by the value of `hole` after the same prefix as
/// `ours` has before it (`{<uid>}:profile` beside `<uid>:cart`,
/// `user:{<uid>}:a` beside `user:<uid>:b`): the family the fix would join.
fn same_family_tagged(p: &KeyPattern, ours: &[Tok<'_>], at: usize, hole: &Hole) -> bool {
    let toks = tokens(p);
    tagged_by(p, hole) && toks.len() > at && toks[..at] == ours[..at] && toks[at].is(b'{')
}

/// Whether `p` is a key the fix would put in the same slot as ours: tagged
/// by the value already, or untagged with the value written in a field.
fn would_share(p: &KeyPattern, hole: &Hole) -> bool {
    tagged_by(p, hole)
        || (p.hash_tag() == HashTag::Untagged
            && p.holes().any(|h| h.name == hole.name && h.field.is_some()))
}

/// A set of keys that must share a slot, indexed for the check: its
/// patterns, and per value name the first keys the fix would join.
struct SlotSet<'m> {
    what: String,
    members: HashSet<&'m KeyPattern>,
    sharers: HashMap<&'m str, Vec<&'m Key>>,
}

impl<'m> SlotSet<'m> {
    fn new(keys: impl Iterator<Item = &'m Key>, what: String) -> Self {
        let mut set = SlotSet {
            what,
            members: HashSet::new(),
            sharers: HashMap::new(),
        };
        for k in keys {
            if !set.members.insert(&k.pattern) {
                continue;
            }
            for h in k.pattern.holes() {
                let Some(name) = h.name.as_deref() else {
                    continue;
                };
                if !would_share(&k.pattern, h) {
                    continue;
                }
                // Two distinct keys per value are enough: one may be ours.
                let found = set.sharers.entry(name).or_default();
                if found.len() < 2 && !found.iter().any(|f| f.pattern == k.pattern) {
                    found.push(k);
                }
            }
        }
        set
    }
}

/// The sets of keys that must share a slot.
fn slot_sets(model: &FileModel) -> Vec<SlotSet<'_>> {
    let mut sets = Vec::new();
    for group in &model.groups {
        let one_slot = (group.kind.is_atomic() && group.assumption.is_none())
            || (!group.per_slot
                && model
                    .client(group.client)
                    .is_some_and(|c| c.pipeline_one_slot));
        if one_slot {
            let keys = model.group_keys(group).into_iter().map(|(_, k)| k);
            sets.push(SlotSet::new(
                keys,
                format!("in one {}", group.kind.describe()),
            ));
        }
    }
    // A command the client splits per slot needs no shared slot (SL010).
    let split = |op: &Op| {
        model
            .client(op.client)
            .is_some_and(|c| c.splits_per_slot.contains(&op.command))
    };
    for op in model
        .ops
        .iter()
        .filter(|op| op.keys.len() > 1 && !split(op))
    {
        sets.push(SlotSet::new(
            op.keys.iter(),
            format!("in one {}", op.command),
        ));
    }
    sets
}

/// Key uses tagged by exactly one named value, by that name (at most a few
/// per name are tried).
fn tagged_uses<'u, 'm>(uses: &'u [KeyUse<'m>]) -> HashMap<&'m str, Vec<&'u KeyUse<'m>>> {
    let mut out: HashMap<&str, Vec<&KeyUse<'_>>> = HashMap::new();
    for u in uses {
        if let HashTag::Dynamic(tag) = u.pattern.hash_tag() {
            if let [crate::keypattern::Segment::Hole(h)] = tag.segments() {
                if let Some(name) = u
                    .pattern
                    .holes()
                    .find(|x| x.name == h.name)
                    .and_then(|x| x.name.as_deref())
                {
                    let list = out.entry(name).or_default();
                    if list.len() < 64 {
                        list.push(u);
                    }
                }
            }
        }
    }
    out
}

fn evidence<'m>(
    tagged: &HashMap<&'m str, Vec<&KeyUse<'m>>>,
    sets: &[SlotSet<'m>],
    in_sets: &HashMap<&KeyPattern, Vec<usize>>,
    pattern: &KeyPattern,
    toks: &[Tok<'_>],
    at: usize,
) -> Option<Evidence<'m>> {
    let Tok::Hole(hole) = toks[at] else {
        return None;
    };
    let name = hole.name.as_deref()?;
    let together = in_sets.get(pattern).into_iter().flatten().find_map(|&i| {
        let set = &sets[i];
        let other = set
            .sharers
            .get(name)?
            .iter()
            .find(|k| k.pattern != *pattern)?;
        Some(Evidence::Together {
            other,
            what: set.what.clone(),
        })
    });
    together.or_else(|| {
        tagged
            .get(name)?
            .iter()
            .find(|u| same_family_tagged(u.pattern, toks, at, hole))
            .map(|u| Evidence::Tagged {
                pattern: u.pattern,
                span: u.span,
            })
    })
}

/// `pattern` with braces around its `at`th token.
fn tag_around(toks: &[Tok<'_>], at: usize) -> KeyPattern {
    let mut fixed = toks[..at].to_vec();
    fixed.push(Tok::Byte(b'{'));
    fixed.push(toks[at]);
    fixed.push(Tok::Byte(b'}'));
    fixed.extend_from_slice(&toks[at + 1..]);
    from_tokens(&fixed)
}

fn finding(
    cx: &Context<'_>,
    pattern: &KeyPattern,
    toks: &[Tok<'_>],
    at: usize,
    field: &BraceField,
    ev: &Evidence<'_>,
) -> Finding {
    let name = match toks[at] {
        Tok::Hole(h) => h.name.as_deref().unwrap_or("?"),
        Tok::Byte(_) => "?",
    };
    let text = &field.text;
    // Beside a tagged key only, the untagged one may be meant to spread out:
    // a hint. In a set that must share a slot, the braces are the cause of
    // the cross-slot finding there.
    let (severity, certainty) = match ev {
        Evidence::Together { .. } => (Severity::Warning, Certainty::Likely),
        Evidence::Tagged { .. } => (Severity::Info, Certainty::Possible),
    };
    let mut f = Finding::new(
        super::ID,
        severity,
        field.span,
        format!(
            "`{text}` in `{pattern}` is interpolation, not a hash tag: the key has no tag and is hashed whole"
        ),
    )
    .certainty(certainty)
    .primary_label("interpolation, not a hash tag")
    .help(format!(
        "double the braces around the field so that `{name}` becomes the hash tag: `{}` gives the key `{}`",
        field.doubled().unwrap_or_else(|| format!("{{{{{text}}}}}")),
        tag_around(toks, at)
    ));
    f = match ev {
        Evidence::Together { other, what } => {
            f.label(other.span, format!("used with `{}` {what}", other.pattern))
        }
        Evidence::Tagged { pattern, span } => {
            f.label(*span, format!("`{pattern}` is tagged by `{name}`"))
        }
    };
    f.fix(field_fix(cx, pattern, toks, at, ev))
}

/// The help as edits: the field's braces doubled wherever the key is
/// written. Safe when the key then shares a slot with the keys it is used
/// with, another key of them written with the value in a field getting the
/// same fix.
fn field_fix(
    cx: &Context<'_>,
    pattern: &KeyPattern,
    toks: &[Tok<'_>],
    at: usize,
    ev: &Evidence<'_>,
) -> Option<crate::finding::Fix> {
    let Tok::Hole(hole) = toks[at] else {
        return None;
    };
    let name = hole.name.as_deref()?;
    let mut also = Vec::new();
    if let Evidence::Together { other, .. } = ev {
        let theirs = tokens(&other.pattern);
        let field_at = theirs
            .iter()
            .position(|t| matches!(t, Tok::Hole(h) if h.name == hole.name && h.field.is_some()));
        if let (Some(i), HashTag::Untagged) = (field_at, other.pattern.hash_tag()) {
            also.push((&other.pattern, tag_around(&theirs, i)));
        }
    }
    let edits = fixes::double_field(cx, pattern, at)?;
    let title = format!("double the braces so that `{name}` becomes the hash tag");
    fixes::rename_fix(cx, pattern, edits, &tag_around(toks, at), &also, title)
}

/// Whether the token next to a field leaves it standing on its own, as a tag
/// would (`cart:{uid}:count`, `{uid}/x`): the key's edge or a separator.
fn delimited(next: Option<&Tok<'_>>) -> bool {
    match next {
        None => true,
        Some(Tok::Byte(b)) => b":./|#=".contains(b),
        Some(Tok::Hole(_)) => false,
    }
}

/// The findings of this check over one file.
pub(super) fn check(cx: &Context<'_>, uses: &[KeyUse<'_>], out: &mut Vec<Finding>) {
    let model = cx.model;
    let sets = slot_sets(model);
    let mut in_sets: HashMap<&KeyPattern, Vec<usize>> = HashMap::new();
    for (i, set) in sets.iter().enumerate() {
        for p in &set.members {
            in_sets.entry(*p).or_default().push(i);
        }
    }
    let tagged = tagged_uses(uses);
    let mut seen: HashSet<Span> = HashSet::new();
    for u in uses {
        if u.family.is_some() || u.pattern.hash_tag() != HashTag::Untagged {
            continue;
        }
        let toks = tokens(u.pattern);
        if toks.len() < 2 {
            continue; // the value is the whole key: a tag would change nothing
        }
        let found = toks.iter().enumerate().find_map(|(at, t)| {
            let Tok::Hole(hole) = t else { return None };
            if !(delimited(toks.get(at.wrapping_sub(1))) && delimited(toks.get(at + 1))) {
                return None; // `chain-{id}`: a word built from the value, not a tag
            }
            let field = hole.field.as_deref().filter(|_| hole.name.is_some())?;
            let ev = evidence(&tagged, &sets, &in_sets, u.pattern, &toks, at)?;
            Some((at, field, ev))
        });
        if let Some((at, field, ev)) = found {
            if seen.insert(field.span) {
                out.push(finding(cx, u.pattern, &toks, at, field, &ev));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::check;
    use crate::finding::{Certainty, Severity};
    use crate::keypattern::{BraceField, Hole, KeyPattern, Segment};
    use crate::model::{Client, Span};
    use crate::rules::test_support::*;

    /// `f"<before>{uid}<after>"` written at `at`: the field starts after the
    /// quote and `before`.
    fn fstring(before: &str, name: &str, after: &str, at: usize) -> crate::model::Key {
        let start = at + 2 + before.len();
        let text = format!("{{{name}}}");
        let h = Hole {
            field: Some(Box::new(BraceField {
                span: Span::new(start, start + text.len()),
                literal: format!("f\"{before}{text}{after}\""),
                at: 2 + before.len(),
                text,
            })),
            ..Hole::named(name)
        };
        let p = KeyPattern::new([lit(before), Segment::Hole(h), lit(after)]);
        let len = 3 + before.len() + name.len() + 2 + after.len();
        key_of(p, (at, at + len))
    }

    #[test]
    fn fields_in_a_transaction() {
        let mut m = model(vec![
            op("HGETALL", vec![fstring("cart:", "uid", "", 10)]),
            op("INCR", vec![fstring("cart:", "uid", ":count", 40)]),
        ]);
        m.groups.push(transaction(vec![0, 1]));
        let found = run(check, &m);
        assert_eq!(
            messages(&found),
            [
                "`{uid}` in `cart:<uid>` is interpolation, not a hash tag: the key has no tag and is hashed whole",
                "`{uid}` in `cart:<uid>:count` is interpolation, not a hash tag: the key has no tag and is hashed whole",
            ]
        );
        let f = &found[0];
        assert_eq!(
            (f.severity, f.certainty),
            (Severity::Warning, Certainty::Likely)
        );
        assert_eq!(f.span, Span::new(17, 22));
        assert_eq!(f.labels[0].span, Span::new(40, 59)); // `f"cart:{uid}:count"`
        assert_eq!(
            f.labels[0].message,
            "used with `cart:<uid>:count` in one transaction"
        );
        assert_eq!(
            f.help.as_deref(),
            Some("double the braces around the field so that `uid` becomes the hash tag: `f\"cart:{{{uid}}}\"` gives the key `cart:{<uid>}`")
        );
    }

    #[test]
    fn multi_key_command_unless_the_client_splits_it() {
        let mget = || {
            op(
                "DEL",
                vec![fstring("", "uid", ":a", 0), fstring("", "uid", ":b", 20)],
            )
        };
        assert_eq!(run(check, &model(vec![mget()])).len(), 2);
        let mut m = model(vec![mget()]);
        m.ops[0].client = Some(0);
        m.clients.push(Client {
            label: "redis-py RedisCluster".into(),
            topology: crate::model::Topology::Cluster,
            splits_per_slot: vec!["DEL".into()],
            pipeline_one_slot: false,
            name: None,
        });
        assert!(run(check, &m).is_empty());
    }

    #[test]
    fn beside_a_key_tagged_by_the_value() {
        let tagged = key("{<uid>}:profile", 100);
        let m = model(vec![
            op("HGETALL", vec![tagged]),
            op("GET", vec![fstring("", "uid", ":cart", 10)]),
        ]);
        let found = run(check, &m);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(
            (f.severity, f.certainty),
            (Severity::Info, Certainty::Possible)
        );
        assert_eq!(f.labels[0].message, "`{<uid>}:profile` is tagged by `uid`");
        // A tag after another prefix, or around more than the value: no hint.
        for other in ["user:{<uid>}:profile", "{user:<uid>}:profile"] {
            let m = model(vec![
                op("HGETALL", vec![key(other, 100)]),
                op("GET", vec![fstring("", "uid", ":cart", 10)]),
            ]);
            assert!(run(check, &m).is_empty(), "{other}");
        }
    }

    #[test]
    fn no_evidence_no_finding() {
        // Alone; the whole key; a hole not written in braces (`"%s:b" % uid`).
        let plain = key_of(
            KeyPattern::new([Segment::Hole(Hole::named("uid")), lit(":b")]),
            (30, 40),
        );
        let mut m = model(vec![
            op("GET", vec![fstring("", "uid", ":a", 0)]),
            op("GET", vec![fstring("", "uid", "", 50)]),
            op("SET", vec![plain.clone()]),
            op("SET", vec![plain]),
        ]);
        m.groups.push(transaction(vec![2, 3]));
        assert!(run(check, &m).is_empty());
        // A word built from the value (`chain-{id}:a`) is not a would-be tag.
        let m = model(vec![op(
            "DEL",
            vec![
                fstring("chain-", "id", ":a", 0),
                fstring("chain-", "id", ":b", 30),
            ],
        )]);
        assert!(run(check, &m).is_empty());
    }
}
