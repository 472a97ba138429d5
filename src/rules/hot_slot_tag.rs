//! SL004 hot-slot-tag: a constant hash tag on a key family that varies
//! elsewhere puts the whole family in one slot.
//!
//! Also home of what SL004–SL006 share: the distinct keys of a file and a
//! byte-and-hole view of a pattern.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::{Context, Rule};
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{HashTag, Hole, KeyPattern, Segment};
use crate::model::{Family, FileModel, Span};

pub(crate) struct HotSlotTag;

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
pub(crate) fn distinct_keys(model: &FileModel) -> Vec<KeyUse<'_>> {
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
#[derive(Debug, Clone, Copy)]
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
    let defaults: Vec<String> = pattern
        .holes()
        .filter_map(|h| {
            let d = h.default.as_ref()?;
            let name = h.name.as_deref().unwrap_or("?");
            Some(format!("`<{name}>` = `{}`", KeyPattern::literal(d.clone())))
        })
        .collect();
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

    /// The id-like runs of literal text outside the tag.
    fn id_runs(&self) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < self.toks.len() {
            let alnum = |t: Tok<'_>| matches!(t, Tok::Byte(b) if b.is_ascii_alphanumeric());
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

/// An alphanumeric run that looks like an id: 2+ digits only (`1001`), 4+
/// characters with 2+ digits (`u1001`, `8f14e45f`), or 8+ hex digits
/// (`deadbeef`, a UUID's first group).
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
    let from_groups = model.groups.iter().map(|g| {
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

impl HotSlotTag {
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
        let mut f = Finding::new("SL004", Severity::Warning, u.span, message)
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
}

/// Concrete keys sharing one digit-free constant tag.
struct TagGroup<'u, 'a> {
    tag: Vec<u8>,
    slot: u16,
    /// The first key with an id-like part outside the tag, and that part.
    first: Option<(&'u KeyUse<'a>, (usize, usize))>,
    keys: usize,
}

impl Rule for HotSlotTag {
    fn id(&self) -> &'static str {
        "SL004"
    }
    fn name(&self) -> &'static str {
        "hot-slot-tag"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "constant hash tag on a key family that varies elsewhere"
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/SL004.md")
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let uses = distinct_keys(cx.model);
        let mut groups: Vec<TagGroup<'_, '_>> = Vec::new();
        for u in &uses {
            if u.pattern.has_holes() {
                out.extend(Self::judge_pattern(cx, u));
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
            let mut f = Finding::new("SL004", Severity::Warning, u.span, message)
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
            out.push(f);
        }
    }
}

/// Model builders for the tests of SL004–SL006.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::finding::Finding;
    use crate::keypattern::{parse_placeholders, Hole, KeyPattern, Segment};
    use crate::model::{Family, FileModel, Group, GroupKind, Key, Op, Span};
    use crate::rules::{Context, Options, Rule};

    /// A key written at `start` in the source, as long as its text.
    pub(crate) fn key(text: &str, start: usize) -> Key {
        Key {
            pattern: parse_placeholders(text),
            span: Span::new(start, start + text.len()),
        }
    }

    /// A key with a hand-built pattern and span.
    pub(crate) fn key_of(pattern: KeyPattern, span: (usize, usize)) -> Key {
        Key {
            pattern,
            span: Span::new(span.0, span.1),
        }
    }

    pub(crate) fn op(command: &str, keys: Vec<Key>) -> Op {
        let span = keys
            .iter()
            .map(|k| k.span)
            .reduce(Span::cover)
            .unwrap_or_default();
        Op {
            command: command.into(),
            span,
            keys,
            args: Vec::new(),
            client: None,
        }
    }

    pub(crate) fn model(ops: Vec<Op>) -> FileModel {
        FileModel {
            ops,
            ..FileModel::default()
        }
    }

    /// A schema family whose entry starts at `start` and whose pattern text
    /// (quoted) follows its name and `: "`.
    pub(crate) fn family(name: &str, pattern: &str, start: usize) -> Family {
        let pstart = start + name.len() + 2;
        Family {
            name: name.into(),
            pattern: parse_placeholders(pattern),
            span: Span::new(start, pstart + pattern.len() + 2),
            pattern_span: Span::new(pstart, pstart + pattern.len() + 2),
            cardinality: None,
            qps: None,
        }
    }

    /// A transaction over the given ops.
    pub(crate) fn transaction(ops: Vec<usize>) -> Group {
        Group {
            kind: GroupKind::Transaction,
            span: Span::default(),
            ops,
            script: None,
            client: None,
        }
    }

    pub(crate) fn lit(text: &str) -> Segment {
        Segment::Lit(text.as_bytes().to_vec())
    }

    pub(crate) fn hole(name: &str, domain: Option<u64>, default: Option<&str>) -> Segment {
        Segment::Hole(Hole {
            domain,
            default: default.map(|d| d.as_bytes().to_vec()),
            ..Hole::named(name)
        })
    }

    pub(crate) fn run_with(rule: &dyn Rule, model: &FileModel, options: &Options) -> Vec<Finding> {
        let mut out = Vec::new();
        rule.check(&Context { model, options }, &mut out);
        out
    }

    pub(crate) fn run(rule: &dyn Rule, model: &FileModel) -> Vec<Finding> {
        run_with(rule, model, &Options::default())
    }

    /// The messages of the findings, for short assertions.
    pub(crate) fn messages(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.message.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::keypattern::KeyPattern;

    fn one(model: &FileModel) -> Finding {
        let mut found = run(&HotSlotTag, model);
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
            let found = run(&HotSlotTag, &model(vec![op("GET", vec![key(text, 0)])]));
            assert!(found.is_empty(), "{text}: {:?}", messages(&found));
        }
    }

    #[test]
    fn small_known_family_is_co_location() {
        let weekly = KeyPattern::new([lit("{leaderboard}:"), hole("day", Some(7), None)]);
        let m = model(vec![op("ZADD", vec![key_of(weekly, (0, 10))])]);
        assert!(run(&HotSlotTag, &m).is_empty());
        let big = KeyPattern::new([lit("{leaderboard}:"), hole("game", Some(5000), None)]);
        let m = model(vec![op("ZADD", vec![key_of(big, (0, 10))])]);
        assert_eq!(run(&HotSlotTag, &m).len(), 1);
    }

    #[test]
    fn constant_by_default() {
        let p = KeyPattern::new([
            lit("{"),
            hole("prefix", None, Some("bull")),
            lit("}:"),
            hole("queue", None, None),
            lit(":"),
            hole("id", None, None),
        ]);
        let f = one(&model(vec![op("HGETALL", vec![key_of(p, (0, 20))])]));
        assert_eq!(
            f.message,
            "constant default hash tag `{bull}` puts every `{<prefix>}:<queue>:<id>` key in slot 9263"
        );
        assert_eq!(f.certainty, Certainty::Possible);
        assert_eq!(f.notes, ["with the default `<prefix>` = `bull`"]);
        assert_eq!(
            f.help.as_deref(),
            Some("move the varying part into the tag, e.g. `{bull:<queue>}:<id>`")
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
        let f = one(&model(vec![op("HGETALL", vec![key_of(p, (0, 20))])]));
        assert_eq!(
            f.message,
            "constant default hash tag `{bull}` puts every `<prefix>:<queue>:<id>` key in slot 9263"
        );
        assert_eq!(f.notes, ["with the default `<prefix>` = `{bull}`"]);
        assert_eq!(
            f.help.as_deref(),
            Some("move the varying part into the tag, e.g. `{bull:<queue>}:<id>`")
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
        assert!(run(
            &HotSlotTag,
            &model(vec![op("GET", vec![key_of(p, (0, 9))])])
        )
        .is_empty());
    }

    #[test]
    fn concrete_keys_once_per_tag() {
        let m = model(vec![
            op("SET", vec![key("{config}:homepage", 100)]),
            op("SET", vec![key("{session}:c9f0f895", 60)]),
            op("SET", vec![key("{session}:8f14e45f", 4)]),
            op("GET", vec![key("{session}:8f14e45f", 30)]),
            op("SET", vec![key("{cart}:1001", 130)]),
            op("SET", vec![key("{user:1001}:profile", 150)]),
            op("SET", vec![key("{cache}:v2:home", 170)]),
        ]);
        let found = run(&HotSlotTag, &m);
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
        assert_eq!(found[1].notes, Vec::<String>::new());
    }

    #[test]
    fn id_like_runs() {
        for yes in ["1001", "42", "u1001", "8f14e45f", "deadbeef", "550e8400"] {
            assert!(is_id_like(yes.as_bytes()), "{yes}");
        }
        for no in ["7", "v2", "v10", "homepage", "abc", "utf8", "cafe"] {
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
        assert!(run(&HotSlotTag, &m).is_empty());
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
