//! SL004 hot-slot-tag: a constant hash tag on a key family that varies
//! elsewhere puts the whole family in one slot.

use super::key_uses::{key_uses, KeyUse};
use super::labels::{defaults_note, slots_by_node, topology_note};
use super::Context;
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{from_tokens, tag_bounds, tokens, Tok};
use crate::keypattern::{HashTag, Hole, KeyPattern, Segment};
use crate::model::{Family, FileModel};

/// The rule id; its page `rules/SL004.md` says the rest.
pub(crate) const ID: &str = "SL004";

/// A bare-bones view of a key with a constant tag at `toks[open..=close]`.
struct Tagged<'a> {
    toks: Vec<Tok<'a>>,
    open: usize,
    close: usize,
}

impl<'a> Tagged<'a> {
    fn new(pattern: &'a KeyPattern) -> Option<Self> {
        let toks = tokens(pattern);
        let (open, close) = tag_bounds(&toks)?;
        Some(Tagged {
            toks,
            open,
            close: close?,
        })
    }

    /// The key with the varying part `toks[start..end]` moved into the tag:
    /// `{session}:<sid>` → `{session:<sid>}`, `user:<uid>:{profile}` →
    /// `{user:<uid>}:profile`.
    fn with_part_in_tag(&self, (start, end): (usize, usize)) -> KeyPattern {
        let t = &self.toks;
        let (open, close) = (self.open, self.close);
        let mut out = Vec::with_capacity(t.len() + 2);
        if start > close {
            out.extend_from_slice(&t[..open]);
            out.push(Tok::Byte(b'{'));
            out.extend_from_slice(&t[open + 1..close]);
            out.extend_from_slice(&t[close + 1..end]);
            out.push(Tok::Byte(b'}'));
            out.extend_from_slice(&t[end..]);
        } else {
            // Take the word naming the entity along: `user:` in `user:<uid>`.
            let word = |t: Tok<'_>| matches!(t, Tok::Byte(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let mut from = start;
            if from > 1
                && matches!(t[from - 1], Tok::Byte(b) if !word(Tok::Byte(b)))
                && word(t[from - 2])
            {
                from -= 1;
                while from > 0 && word(t[from - 1]) {
                    from -= 1;
                }
            }
            out.extend_from_slice(&t[..from]);
            out.push(Tok::Byte(b'{'));
            out.extend_from_slice(&t[from..end]);
            out.push(Tok::Byte(b'}'));
            out.extend_from_slice(&t[end..open]);
            out.extend_from_slice(&t[open + 1..close]);
            out.extend_from_slice(&t[close + 1..]);
        }
        from_tokens(&out)
    }

    /// The key tagged by an entity instead: `{session}:<sid>` with
    /// `user:<uid>` → `{user:<uid>}:session:<sid>`.
    fn tagged_by(&self, entity: &KeyPattern) -> KeyPattern {
        let t = &self.toks;
        let mut out = from_tokens(&t[..self.open]);
        out.push(Segment::Lit(b"{".to_vec()));
        out.extend(entity);
        out.push(Segment::Lit(b"}:".to_vec()));
        out.extend(&from_tokens(&t[self.open + 1..self.close]));
        out.extend(&from_tokens(&t[self.close + 1..]));
        out
    }

    /// Holes that make keys differ: every hole outside the tag except one
    /// opening the key (a namespace prefix) and ones with a default (a
    /// configured value). Returns their token indices.
    fn varying_holes(&self) -> Vec<usize> {
        (0..self.toks.len())
            .filter(|&i| i != 0 && (i < self.open || i > self.close))
            .filter(|&i| matches!(self.toks[i], Tok::Hole(h) if h.default.is_none()))
            .collect()
    }

    /// The id-like runs of literal text outside the tag (letters, digits,
    /// `-` and `_`).
    fn id_runs(&self) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < self.toks.len() {
            // `-` and `_` join the groups of a UUID or `order_5001`.
            let alnum = |t: Tok<'_>| matches!(t, Tok::Byte(b) if b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !alnum(self.toks[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < self.toks.len() && alnum(self.toks[i]) {
                i += 1;
            }
            let outside = i <= self.open || start > self.close;
            let bytes: Vec<u8> = self.toks[start..i]
                .iter()
                .filter_map(|t| match t {
                    Tok::Byte(b) => Some(*b),
                    Tok::Hole(_) => None,
                })
                .collect();
            if outside && is_id_like(&bytes) {
                runs.push((start, i));
            }
        }
        runs
    }
}

/// A run of letters, digits, `-` and `_` that looks like an id: 2+ digits
/// only (`1001`), 4+ characters with 2+ digits (`u1001`, `8f14e45f`, a UUID),
/// or 8+ hex digits (`deadbeef`).
pub(crate) fn is_id_like(run: &[u8]) -> bool {
    let digits = run.iter().filter(|b| b.is_ascii_digit()).count();
    (digits >= 2 && (digits == run.len() || run.len() >= 4))
        || (run.len() >= 8 && run.iter().all(u8::is_ascii_hexdigit))
}

/// The first varying part after the tag, else the last one before it.
fn pick(parts: &[(usize, usize)], close: usize) -> Option<(usize, usize)> {
    parts
        .iter()
        .copied()
        .find(|&(s, _)| s > close)
        .or_else(|| parts.last().copied())
}

/// The dynamic tag of a key used together with `pattern` (same multi-key
/// command, transaction, pipeline or script call): the entity to co-locate with.
fn entity_tag(model: &FileModel, pattern: &KeyPattern) -> Option<KeyPattern> {
    let from_groups = model.groups.iter().filter(|g| !g.per_slot).map(|g| {
        model
            .group_keys(g)
            .into_iter()
            .map(|(_, k)| k)
            .collect::<Vec<_>>()
    });
    let from_ops = model
        .ops
        .iter()
        .filter(|op| !op.command.is_empty() && op.keys.len() > 1)
        .map(|op| op.keys.iter().collect::<Vec<_>>());
    from_ops
        .chain(from_groups)
        .filter(|keys| keys.iter().any(|k| &k.pattern == pattern))
        .flat_map(|keys| keys.into_iter().map(|k| k.pattern.hash_tag()))
        .find_map(|tag| match tag {
            HashTag::Dynamic(t) if t.holes().all(|h| h.name.is_some()) => Some(t),
            _ => None,
        })
}

/// `: family `session` carries 20000 qps on one slot`, for a schema family with qps.
/// The finding with the node that serves the key's slot, when a topology is configured.
fn with_node(cx: &Context<'_>, pattern: &KeyPattern, f: Finding) -> Finding {
    f.notes(topology_note(&slots_by_node(
        cx.options.topology.as_deref(),
        &[pattern],
    )))
}

fn qps_clause(family: Option<&Family>) -> String {
    match family {
        Some(Family {
            name,
            qps: Some(qps),
            ..
        }) => format!(": family `{name}` carries {qps} qps on one slot"),
        _ => String::new(),
    }
}

/// A pattern with holes whose tag is constant (or constant by default).
fn judge_pattern(cx: &Context<'_>, u: &KeyUse<'_>) -> Option<Finding> {
    let p = u.pattern;
    let defaulted;
    let (keyed, certainty, default_note) = match p.hash_tag() {
        HashTag::Static { .. } => (p, Certainty::Likely, None),
        // A tag filled by a configurable value (a prefix that may even
        // hold the braces, like BullMQ's `{bull}`): judge its default.
        HashTag::Dynamic(_) | HashTag::Uncertain => {
            defaulted = p.with_defaults()?;
            if !matches!(defaulted.hash_tag(), HashTag::Static { .. }) {
                return None;
            }
            (&defaulted, Certainty::Possible, Some(defaults_note(p)))
        }
        HashTag::Untagged => return None,
    };
    let HashTag::Static { tag, slot } = keyed.hash_tag() else {
        return None;
    };
    let t = Tagged::new(keyed)?;
    let holes = t.varying_holes();
    if holes.is_empty() {
        return None;
    }
    // A small family of known size in one slot is co-location on purpose
    // (`{leaderboard}:<weekday>` for ZUNIONSTORE), not a hot slot.
    let size = holes.iter().try_fold(1u64, |acc, &i| match t.toks[i] {
        Tok::Hole(Hole {
            domain: Some(n), ..
        }) => Some(acc.saturating_mul(*n)),
        _ => None,
    });
    if size.is_some_and(|n| n <= cx.options.low_cardinality_max) {
        return None;
    }
    let parts: Vec<_> = holes.iter().map(|&i| (i, i + 1)).collect();
    let part = pick(&parts, t.close)?;
    let tag = KeyPattern::literal(tag);
    let message = format!(
        "constant {}hash tag `{{{tag}}}` puts every `{p}` key in slot {slot}{}",
        if default_note.is_some() {
            "default "
        } else {
            ""
        },
        qps_clause(u.family)
    );
    let mut help = format!(
        "move the varying part into the tag, e.g. `{}`",
        t.with_part_in_tag(part)
    );
    if let Some(entity) = entity_tag(cx.model, p) {
        help = format!(
            "{help}, or tag by the entity the keys are used with, e.g. `{}`",
            t.tagged_by(&entity)
        );
    }
    let mut f = Finding::new(ID, Severity::Warning, u.span, message)
        .certainty(certainty)
        .primary_label("constant tag")
        .help(help);
    if let Some(note) = default_note {
        f = f.note(note);
    }
    if let Some(note) = u.uses_note() {
        f = f.note(note);
    }
    Some(f)
}

/// Concrete keys sharing one digit-free constant tag.
struct TagGroup<'u, 'a> {
    tag: Vec<u8>,
    slot: u16,
    /// The first key with an id-like part outside the tag, and that part.
    first: Option<(&'u KeyUse<'a>, (usize, usize))>,
    keys: usize,
}

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let uses = key_uses(cx.model);
    let mut groups: Vec<TagGroup<'_, '_>> = Vec::new();
    for u in &uses {
        if u.pattern.has_holes() {
            out.extend(judge_pattern(cx, u).map(|f| with_node(cx, u.pattern, f)));
            continue;
        }
        // A concrete key: judge by its text.
        let HashTag::Static { tag, slot } = u.pattern.hash_tag() else {
            continue;
        };
        if tag.iter().any(u8::is_ascii_digit) {
            continue; // `{user:1001}`: an entity
        }
        let Some(t) = Tagged::new(u.pattern) else {
            continue;
        };
        let id = pick(&t.id_runs(), t.close);
        let i = groups.iter().position(|g| g.tag == tag).unwrap_or_else(|| {
            groups.push(TagGroup {
                tag,
                slot,
                first: None,
                keys: 0,
            });
            groups.len() - 1
        });
        let group = &mut groups[i];
        group.keys += 1;
        if let (None, Some(id)) = (&group.first, id) {
            group.first = Some((u, id));
        }
    }
    for g in groups {
        let Some((u, id)) = g.first else { continue };
        let Some(t) = Tagged::new(u.pattern) else {
            continue;
        };
        let tag = KeyPattern::literal(g.tag);
        let message = format!(
            "constant hash tag `{{{tag}}}` puts every key like `{}` in slot {}{}",
            u.pattern,
            g.slot,
            qps_clause(u.family)
        );
        let mut f = Finding::new(ID, Severity::Warning, u.span, message)
            .certainty(Certainty::Likely)
            .primary_label("constant tag")
            .help(format!(
                "move the varying part into the tag, e.g. `{}`",
                t.with_part_in_tag(id)
            ));
        if g.keys > 1 {
            f = f.note(format!(
                "{} distinct keys in this file share the tag `{{{tag}}}`",
                g.keys
            ));
        } else if let Some(note) = u.uses_note() {
            f = f.note(note);
        }
        out.push(with_node(cx, u.pattern, f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::KeyPattern;
    use crate::model::Span;
    use crate::rules::test_support::*;

    fn one(model: &FileModel) -> Finding {
        let mut found = run(check, model);
        assert_eq!(found.len(), 1, "{:?}", messages(&found));
        found.remove(0)
    }

    #[test]
    fn constant_tag_over_a_varying_family() {
        let f = one(&model(vec![op("GET", vec![key("{session}:<sid>", 4)])]));
        assert_eq!(
            f.message,
            "constant hash tag `{session}` puts every `{session}:<sid>` key in slot 14721"
        );
        assert_eq!(f.span, Span::new(4, 19));
        assert_eq!(f.certainty, Certainty::Likely);
        assert_eq!(f.label, "constant tag");
        assert_eq!(
            f.help.as_deref(),
            Some("move the varying part into the tag, e.g. `{session:<sid>}`")
        );
        assert!(f.notes.is_empty());
    }

    #[test]
    fn suggestion_keeps_the_rest_of_the_key() {
        let help = |text: &str| {
            one(&model(vec![op("GET", vec![key(text, 0)])]))
                .help
                .unwrap()
        };
        assert_eq!(
            help("{bull}:<queue>:<id>"),
            "move the varying part into the tag, e.g. `{bull:<queue>}:<id>`"
        );
        assert_eq!(
            help("app:{lock}:<name>:owner"),
            "move the varying part into the tag, e.g. `app:{lock:<name>}:owner`"
        );
        // The id before the tag: the tag went to the wrong part.
        assert_eq!(
            help("user:<uid>:{profile}"),
            "move the varying part into the tag, e.g. `{user:<uid>}:profile`"
        );
    }

    #[test]
    fn not_a_hot_slot() {
        for text in [
            "{user:<uid>}:cart", // dynamic tag
            "session:<sid>",     // untagged
            "<prefix>:{config}", // the only hole is a namespace prefix
            "{config}:homepage", // one key
            "{user:1001}:profile",
        ] {
            let found = run(check, &model(vec![op("GET", vec![key(text, 0)])]));
            assert!(found.is_empty(), "{text}: {:?}", messages(&found));
        }
    }

    #[test]
    fn small_known_family_is_co_location() {
        let weekly = KeyPattern::new([lit("{leaderboard}:"), hole("day", Some(7), None)]);
        let m = model(vec![op("ZADD", vec![key_of(weekly, (0, 10))])]);
        assert!(run(check, &m).is_empty());
        let big = KeyPattern::new([lit("{leaderboard}:"), hole("game", Some(5000), None)]);
        let m = model(vec![op("ZADD", vec![key_of(big, (0, 10))])]);
        assert_eq!(run(check, &m).len(), 1);
    }

    #[test]
    fn constant_by_default() {
        let expect = |p: KeyPattern, message: &str, note: &str| {
            let f = one(&model(vec![op("HGETALL", vec![key_of(p, (0, 20))])]));
            assert_eq!(f.message, message);
            assert_eq!(f.certainty, Certainty::Possible);
            assert_eq!(f.notes, [note]);
            assert_eq!(
                f.help.as_deref(),
                Some("move the varying part into the tag, e.g. `{bull:<queue>}:<id>`")
            );
        };
        let p = KeyPattern::new([
            lit("{"),
            hole("prefix", None, Some("bull")),
            lit("}:"),
            hole("queue", None, None),
            lit(":"),
            hole("id", None, None),
        ]);
        expect(
            p,
            "constant default hash tag `{bull}` puts every `{<prefix>}:<queue>:<id>` key in slot 9263",
            "with the default `<prefix>` = `bull`",
        );
        // BullMQ: a prefix that holds the braces itself, `{bull}` by default.
        let p = KeyPattern::new([
            Segment::Hole(Hole {
                default: Some(b"{bull}".to_vec()),
                ..Hole::opaque(Some("prefix".into()))
            }),
            lit(":"),
            hole("queue", None, None),
            lit(":"),
            hole("id", None, None),
        ]);
        expect(
            p,
            "constant default hash tag `{bull}` puts every `<prefix>:<queue>:<id>` key in slot 9263",
            "with the default `<prefix>` = `{bull}`",
        );
        // A default that leaves the tag dynamic says nothing.
        let p = KeyPattern::new([
            lit("{"),
            hole("prefix", None, Some("bull")),
            lit(":"),
            hole("queue", None, None),
            lit("}:"),
            hole("id", None, None),
        ]);
        assert!(run(check, &model(vec![op("GET", vec![key_of(p, (0, 9))])])).is_empty());
    }

    #[test]
    fn concrete_keys_once_per_tag() {
        let m = model(vec![
            op("SET", vec![key("{config}:homepage", 100)]),
            op("SET", vec![key("{session}:c9f0f895", 60)]),
            op("SET", vec![key("{session}:8f14e45f", 4)]),
            op("GET", vec![key("{session}:8f14e45f", 30)]),
            op("SET", vec![key("{cart}:1001", 130)]),
            op("SET", vec![key("{cart}:1002", 140)]),
            op("SET", vec![key("{user:1001}:profile", 150)]),
            op("SET", vec![key("{cache}:v2:home", 170)]),
        ]);
        let found = run(check, &m);
        assert_eq!(
            messages(&found),
            [
                "constant hash tag `{session}` puts every key like `{session}:8f14e45f` in slot 14721",
                "constant hash tag `{cart}` puts every key like `{cart}:1001` in slot 15997",
            ]
        );
        assert_eq!(found[0].span, Span::new(4, 22));
        assert_eq!(
            found[0].notes,
            ["2 distinct keys in this file share the tag `{session}`"]
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("move the varying part into the tag, e.g. `{session:8f14e45f}`")
        );
        assert_eq!(
            found[1].notes,
            ["2 distinct keys in this file share the tag `{cart}`"]
        );
        let uuid = one(&model(vec![op(
            "XADD",
            vec![key("{job}:550e8400-e29b-41d4-a716-446655440000", 5)],
        )]));
        assert_eq!(
            uuid.help.as_deref(),
            Some("move the varying part into the tag, e.g. `{job:550e8400-e29b-41d4-a716-446655440000}`")
        );
    }

    #[test]
    fn id_like_runs() {
        for yes in [
            "1001",
            "42",
            "u1001",
            "8f14e45f",
            "deadbeef",
            "550e8400-e29b-41d4-a716-446655440000",
            "order_5001",
        ] {
            assert!(is_id_like(yes.as_bytes()), "{yes}");
        }
        for no in [
            "7", "v2", "v10", "homepage", "abc", "utf8", "cafe", "shard-7",
        ] {
            assert!(!is_id_like(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn one_finding_per_distinct_pattern_at_its_first_use() {
        let m = model(vec![
            op("SET", vec![key("{lock}:<name>", 50)]),
            op("GET", vec![key("{lock}:<name>", 10)]),
            op("DEL", vec![key("{lock}:<name>", 90)]),
        ]);
        let f = one(&m);
        assert_eq!(f.span.start, 10);
        assert_eq!(f.notes, ["used 3 times in this file"]);
    }

    #[test]
    fn schema_transaction_members_are_skipped() {
        let mut m = model(vec![op("", vec![key("{session}:<session_id>", 80)])]);
        assert!(run(check, &m).is_empty());
        let mut fam = family("session", "{session}:<session_id>", 7);
        fam.qps = Some(20000);
        m.families.push(fam);
        let f = one(&m);
        assert_eq!(
            f.message,
            "constant hash tag `{session}` puts every `{session}:<session_id>` key in slot 14721: family `session` carries 20000 qps on one slot"
        );
        assert_eq!(f.span, m.families[0].span);
    }

    #[test]
    fn suggests_the_entity_used_alongside() {
        let mut m = model(vec![
            op("HSET", vec![key("{user:<uid>}:cart", 10)]),
            op("SET", vec![key("{session}:<sid>", 40)]),
        ]);
        m.groups.push(transaction(vec![0, 1]));
        let f = one(&m);
        assert_eq!(
            f.help.as_deref(),
            Some("move the varying part into the tag, e.g. `{session:<sid>}`, or tag by the entity the keys are used with, e.g. `{user:<uid>}:session:<sid>`")
        );
    }
}
