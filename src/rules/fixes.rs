//! Fixes as edits: a key renamed everywhere the file writes it, token by
//! token, through the layout the front-end recorded for it; and whether the
//! renamed keys then share a slot. Rules attach the result to a finding;
//! nothing here looks at the source text.

use super::suggest::{shared_tag_positions, with_tag};
use crate::finding::{Edit, Fix, Safety};
use crate::keypattern::{tokens, Tok};
use crate::keypattern::{BraceSyntax, KeyPattern, SameSlot};
use std::collections::HashMap;

use super::Context;
use crate::model::{FileModel, Key, Span};

/// One change to a key, by token index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change {
    /// A literal `{` or `}` before token `before` (the token count: at the end).
    Brace { before: usize, brace: u8 },
    /// Token `at`, a literal byte, removed.
    Remove(usize),
}

/// Where a file's keys are, found once for all its findings' fixes (each
/// fix asking the whole model again cost the product of findings and keys).
pub(crate) struct KeyIndex<'m> {
    /// The keys of the file's ops, by pattern.
    by_pattern: HashMap<&'m KeyPattern, Vec<&'m Key>>,
    /// Keys written as literals: their first and last written byte and
    /// pattern, by first byte.
    written: Vec<(usize, usize, &'m KeyPattern)>,
    /// The greatest last byte of `written` up to each entry.
    reach: Vec<usize>,
    /// The keys each one-slot set holds (a transaction, script call,
    /// one-slot pipeline, multi-key command its client does not split).
    sets: Vec<Vec<&'m KeyPattern>>,
    /// The sets a pattern is in.
    sets_of: HashMap<&'m KeyPattern, Vec<usize>>,
}

impl<'m> KeyIndex<'m> {
    pub(crate) fn new(model: &'m FileModel) -> Self {
        let mut by_pattern: HashMap<&KeyPattern, Vec<&Key>> = HashMap::new();
        let mut written = Vec::new();
        for k in model.ops.iter().flat_map(|op| &op.keys) {
            by_pattern.entry(&k.pattern).or_default().push(k);
            let starts = k.pattern.layout().map(|l| &l.starts);
            if let Some((&first, &last)) = starts.and_then(|s| s.first().zip(s.last())) {
                written.push((first, last, &k.pattern));
            }
        }
        written.sort_by_key(|w| w.0);
        let reach = written
            .iter()
            .scan(0, |max, w| {
                *max = w.1.max(*max);
                Some(*max)
            })
            .collect();
        let sets = slot_sets(model);
        let mut sets_of: HashMap<&KeyPattern, Vec<usize>> = HashMap::new();
        for (i, set) in sets.iter().enumerate() {
            for &k in set {
                let of = sets_of.entry(k).or_default();
                if of.last() != Some(&i) {
                    of.push(i);
                }
            }
        }
        KeyIndex {
            by_pattern,
            written,
            reach,
            sets,
            sets_of,
        }
    }

    /// The keys of the file's ops that are `pattern`.
    fn occurrences(&self, pattern: &KeyPattern) -> impl Iterator<Item = &'m Key> + '_ {
        self.by_pattern.get(pattern).into_iter().flatten().copied()
    }

    /// The patterns of the keys written where `span` touches.
    fn touched(&self, span: Span) -> impl Iterator<Item = &'m KeyPattern> + '_ {
        let end = self.written.partition_point(|w| w.0 <= span.end);
        (0..end)
            .rev()
            .take_while(move |&i| self.reach[i] >= span.start)
            .filter(move |&i| self.written[i].1 >= span.start)
            .map(|i| self.written[i].2)
    }

    /// The keys `pattern` must share a slot with, set by set.
    fn slot_sets(&self, pattern: &KeyPattern) -> impl Iterator<Item = &Vec<&'m KeyPattern>> {
        self.sets_of
            .get(pattern)
            .into_iter()
            .flatten()
            .map(|&i| &self.sets[i])
    }
}

/// Edits of a key, and where the key is written (each place).
#[derive(Debug, Default)]
pub(crate) struct Rewrite {
    pub(crate) edits: Vec<Edit>,
    pub(crate) places: Vec<Span>,
}

impl Rewrite {
    fn extend(&mut self, other: Rewrite) {
        self.edits.extend(other.edits);
        self.places.extend(other.places);
    }
}

/// The edits that make `changes` to `pattern` wherever the file writes it;
/// `None` when one of those places cannot take them (not written as one
/// literal, or a change would fall inside an interpolated value or an escape).
pub(crate) fn rename(
    cx: &Context<'_>,
    pattern: &KeyPattern,
    changes: &[Change],
) -> Option<Rewrite> {
    let toks = tokens(pattern);
    let mut edits = Vec::new();
    let mut places = Vec::new();
    for key in cx.key_index().occurrences(pattern) {
        let layout = key.pattern.layout()?;
        let (&first, &last) = (layout.starts.first()?, layout.starts.last()?);
        places.push(Span::new(first, last));
        for change in changes {
            match *change {
                Change::Brace { before, brace } => {
                    // `${` would open a substitution in a template literal.
                    let after_dollar = before
                        .checked_sub(1)
                        .and_then(|i| toks.get(i))
                        .is_some_and(|t| t.is(b'$'));
                    if layout.braces == BraceSyntax::Template && brace == b'{' && after_dollar {
                        return None;
                    }
                    let at = layout.insertion_point(before)?;
                    edits.push(Edit {
                        span: Span::new(at, at),
                        text: layout.brace(brace),
                    });
                }
                Change::Remove(at) => {
                    let Some(Tok::Byte(b)) = toks.get(at).copied() else {
                        return None;
                    };
                    let span = layout.token_span(at)?;
                    let width = match b {
                        b'{' | b'}' => layout.brace(b).len(),
                        _ => 1,
                    };
                    // Written as anything but the byte itself (an escape, or
                    // across a concatenation): not ours to remove.
                    if span.end - span.start != width {
                        return None;
                    }
                    edits.push(Edit {
                        span,
                        text: String::new(),
                    });
                }
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    Some(Rewrite { edits, places })
}

/// Sorts and merges edits; `None` when two overlap or two insertions at one
/// place differ (their order would be a guess).
pub(crate) fn merged(mut edits: Vec<Edit>) -> Option<Vec<Edit>> {
    edits.sort();
    edits.dedup();
    for w in edits.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let overlap = a.span.end > b.span.start;
        let same_place = a.span == b.span && a.span.start == a.span.end;
        if overlap || same_place {
            return None;
        }
    }
    Some(edits)
}

/// Whether every key that `edits` would change is one of `renamed`: a
/// literal shared by two keys (a helper building several) is not renamed
/// for one of them behind the other's back.
fn only_renamed(cx: &Context<'_>, renamed: &[&KeyPattern], edits: &[Edit]) -> bool {
    let index = cx.key_index();
    edits
        .iter()
        .all(|e| index.touched(e.span).all(|k| renamed.contains(&k)))
}

/// The fix that gives `keys` (untagged, used together) one hash tag, as
/// `same_tag_help` describes it: safe when the renamed keys then share a
/// slot for every value.
pub(crate) fn shared_tag_fix(cx: &Context<'_>, keys: &[&KeyPattern]) -> Option<Fix> {
    let positions = shared_tag_positions(keys)?;
    let mut rewrite = Rewrite::default();
    let mut fixed = Vec::new();
    for (key, &(open, close)) in keys.iter().zip(&positions) {
        rewrite.extend(rename(
            cx,
            key,
            &[
                Change::Brace {
                    before: open,
                    brace: b'{',
                },
                Change::Brace {
                    before: close,
                    brace: b'}',
                },
            ],
        )?);
        fixed.push(with_tag(key, open, close));
    }
    let edits = merged(rewrite.edits)?;
    if !only_renamed(cx, keys, &edits) {
        return None;
    }
    let same = fixed
        .windows(2)
        .all(|w| w[0].same_slot(&w[1]).kind == SameSlot::Same);
    let tags: Vec<String> = fixed
        .iter()
        .filter_map(|p| p.hashed().map(|h| h.part.to_string()))
        .collect();
    let title = match tags.split_first() {
        Some((first, rest)) if rest.iter().all(|t| t == first) => {
            format!("give the keys the hash tag `{{{first}}}`")
        }
        _ => "give the keys one hash tag".to_string(),
    };
    Some(Fix {
        title,
        edits,
        keys: places(rewrite.places),
        safety: if same { Safety::Safe } else { Safety::Unsafe },
    })
}

/// The sets of keys that must share a slot: the keys of each transaction,
/// script call, one-slot pipeline and multi-key command (not split by its
/// client).
fn slot_sets(model: &FileModel) -> Vec<Vec<&KeyPattern>> {
    let mut sets = Vec::new();
    for group in &model.groups {
        let one_slot = group.kind.is_atomic()
            || model
                .client(group.client)
                .is_some_and(|c| c.pipeline_one_slot);
        if one_slot {
            let keys = model.group_keys(group).into_iter().map(|(_, k)| &k.pattern);
            sets.push(keys.collect());
        }
    }
    for op in &model.ops {
        let split = model
            .client(op.client)
            .is_some_and(|c| c.splits_per_slot.contains(&op.command));
        if op.keys.len() > 1 && !split {
            sets.push(op.keys.iter().map(|k| &k.pattern).collect());
        }
    }
    sets
}

/// Whether `old`, renamed to `new`, then shares a slot for every value with
/// every key it must share one with (keys in `also` renamed as they say),
/// and must share one with some key at all.
pub(crate) fn renamed_shares_slot(
    cx: &Context<'_>,
    old: &KeyPattern,
    new: &KeyPattern,
    also: &[(&KeyPattern, KeyPattern)],
) -> bool {
    let index = cx.key_index();
    index.slot_sets(old).next().is_some()
        && index.slot_sets(old).flatten().all(|&k| {
            let k = if k == old {
                new
            } else {
                also.iter().find(|(o, _)| *o == k).map_or(k, |(_, n)| n)
            };
            new.same_slot(k).kind == SameSlot::Same
        })
}

/// The edits that double the braces of the replacement field that writes
/// token `at` (a hole) of `pattern`, wherever the file writes the key:
/// `f"{uid}:cart"` → `f"{{{uid}}}:cart"`, the value then the hash tag.
pub(crate) fn double_field(cx: &Context<'_>, pattern: &KeyPattern, at: usize) -> Option<Rewrite> {
    let mut edits = Vec::new();
    let mut places = Vec::new();
    for key in cx.key_index().occurrences(pattern) {
        let Some(Tok::Hole(hole)) = tokens(&key.pattern).get(at).copied() else {
            return None;
        };
        let field = hole.field.as_deref()?;
        let written = key
            .pattern
            .layout()
            .and_then(|l| Some(Span::new(*l.starts.first()?, *l.starts.last()?)));
        places.push(written.unwrap_or(key.span));
        edits.push(Edit {
            span: Span::new(field.span.start, field.span.start),
            text: "{{".into(),
        });
        edits.push(Edit {
            span: Span::new(field.span.end, field.span.end),
            text: "}}".into(),
        });
    }
    (!edits.is_empty()).then_some(Rewrite { edits, places })
}

/// Places sorted and deduplicated.
fn places(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    spans.dedup();
    spans
}

/// A fix renaming `pattern` by `edits` into `fixed`, safe when the renamed
/// key then shares a slot with the keys it is used with (keys in `also`
/// renamed too).
pub(crate) fn rename_fix(
    cx: &Context<'_>,
    pattern: &KeyPattern,
    rewrite: Rewrite,
    fixed: &KeyPattern,
    also: &[(&KeyPattern, KeyPattern)],
    title: String,
) -> Option<Fix> {
    let edits = merged(rewrite.edits)?;
    if !only_renamed(cx, &[pattern], &edits) {
        return None;
    }
    let safe = renamed_shares_slot(cx, pattern, fixed, also);
    Some(Fix {
        title,
        edits,
        keys: places(rewrite.places),
        safety: if safe { Safety::Safe } else { Safety::Unsafe },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static OPTIONS: std::sync::LazyLock<crate::rules::Options> =
        std::sync::LazyLock::new(crate::rules::Options::default);

    fn cx(m: &FileModel) -> Context<'_> {
        Context::new(m, &OPTIONS)
    }
    use crate::keypattern::{parse_placeholders, Layout};
    use crate::rules::test_support::*;

    /// `text` written at `at`: a byte a token, a hole as `{name}`.
    fn placed(text: &str, at: usize, braces: BraceSyntax) -> Key {
        let p = parse_placeholders(text);
        let mut starts = Vec::new();
        let mut pos = at;
        for t in tokens(&p) {
            starts.push(pos);
            pos += match t {
                Tok::Byte(_) => 1,
                Tok::Hole(h) => h.name.as_deref().unwrap_or("?").len() + 2,
            };
        }
        starts.push(pos);
        let p = p.clone().with_layout(Layout { starts, braces });
        key_of(p, (at, pos))
    }

    fn apply(text: &str, edits: &[Edit]) -> String {
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            out.replace_range(e.span.start..e.span.end, &e.text);
        }
        out
    }

    /// `MGET user:1:name user:1:email`, both keys written as plain literals.
    fn mget_name_and_email() -> crate::model::Op {
        op(
            "MGET",
            vec![
                placed("user:1:name", 5, BraceSyntax::Plain),
                placed("user:1:email", 17, BraceSyntax::Plain),
            ],
        )
    }

    #[test]
    fn a_shared_prefix_becomes_the_tag_everywhere_the_key_is_written() {
        // MGET user:1:name user:1:email / GET user:1:name
        let text = "MGET user:1:name user:1:email\nGET user:1:name\n";
        let m = model(vec![
            mget_name_and_email(),
            op("GET", vec![placed("user:1:name", 34, BraceSyntax::Plain)]),
        ]);
        let (a, b) = (
            parse_placeholders("user:1:name"),
            parse_placeholders("user:1:email"),
        );
        let fix = shared_tag_fix(&cx(&m), &[&a, &b]).unwrap();
        assert_eq!(fix.title, "give the keys the hash tag `{user:1}`");
        assert_eq!(fix.safety, Safety::Safe);
        assert_eq!(
            apply(text, &fix.edits),
            "MGET {user:1}:name {user:1}:email\nGET {user:1}:name\n"
        );
    }

    #[test]
    fn doubled_braces_and_template_dollars() {
        // f"order:{oid}" and f"archive:order:{oid}": the tag goes around the value.
        let text = "order:{oid} archive:order:{oid}";
        let m = model(vec![op(
            "DEL",
            vec![
                placed("order:<oid>", 0, BraceSyntax::Doubled),
                placed("archive:order:<oid>", 12, BraceSyntax::Doubled),
            ],
        )]);
        let (a, b) = (
            parse_placeholders("order:<oid>"),
            parse_placeholders("archive:order:<oid>"),
        );
        let fix = shared_tag_fix(&cx(&m), &[&a, &b]).unwrap();
        assert_eq!(
            apply(text, &fix.edits),
            "{{order:{oid}}} archive:{{order:{oid}}}"
        );
        assert_eq!(fix.title, "give the keys the hash tag `{order:<oid>}`");
        // A `{` right after a literal `$` in a template literal: no fix.
        let m = model(vec![op(
            "DEL",
            vec![
                placed("$:1:a", 0, BraceSyntax::Template),
                placed("$:1:b", 10, BraceSyntax::Template),
            ],
        )]);
        let a = parse_placeholders("$:1:a");
        let brace = |before| Change::Brace {
            before,
            brace: b'{',
        };
        assert!(rename(&cx(&m), &a, &[brace(0)]).is_some());
        assert!(rename(&cx(&m), &a, &[brace(1)]).is_none());
    }

    #[test]
    fn no_fix_where_a_place_cannot_be_edited() {
        // The second `user:1:name` is not written as one literal.
        let m = model(vec![
            mget_name_and_email(),
            op("GET", vec![key("user:1:name", 40)]),
        ]);
        let (a, b) = (
            parse_placeholders("user:1:name"),
            parse_placeholders("user:1:email"),
        );
        assert!(shared_tag_fix(&cx(&m), &[&a, &b]).is_none());
        // A token inside an interpolated value (all tokens at one offset).
        let p = parse_placeholders("user:1:name").with_layout(Layout {
            starts: vec![3; 12],
            braces: BraceSyntax::Doubled,
        });
        let m = model(vec![op(
            "MGET",
            vec![
                key_of(p, (0, 9)),
                placed("user:1:email", 17, BraceSyntax::Plain),
            ],
        )]);
        assert!(shared_tag_fix(&cx(&m), &[&a, &b]).is_none());
    }

    #[test]
    fn removing_a_brace_needs_it_written_plainly() {
        let text = "GET {{user:1}}:a";
        let m = model(vec![op(
            "GET",
            vec![placed("{{user:1}}:a", 4, BraceSyntax::Plain)],
        )]);
        let p = parse_placeholders("{{user:1}}:a");
        let fixed = parse_placeholders("{user:1}:a");
        let rewrite = rename(&cx(&m), &p, &[Change::Remove(0), Change::Remove(9)]).unwrap();
        let fix = rename_fix(
            &cx(&m),
            &p,
            rewrite,
            &fixed,
            &[],
            "use one pair of braces".into(),
        )
        .unwrap();
        assert_eq!(apply(text, &fix.edits), "GET {user:1}:a");
        // Used alone: nothing proves the new slot right.
        assert_eq!(fix.safety, Safety::Unsafe);
        // Written as a doubled brace in an f-string: two bytes a brace.
        let m = model(vec![op(
            "GET",
            vec![placed("{{user:1}}:a", 4, BraceSyntax::Doubled)],
        )]);
        assert!(rename(&cx(&m), &p, &[Change::Remove(0)]).is_none());
    }
}
