//! SL003 unhashed-multi-key: a multi-key command or transaction whose keys
//! share a slot only by luck, or whose slots cannot be known, because no hash
//! tag ties them together.

use super::cross_slot_command::is_checked_multi_key;
use super::fixes::shared_tag_fix;
use super::key_uses::{distinct_keys, distinct_patterns};
use super::labels::label_keys;
use super::suggest::same_tag_help;
use super::verdict::{cross_slot, same_under_defaults, worst_pair};
use super::Context;
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{HashTag, SameSlot};
use crate::model::{GroupKind, Key, Span};

/// The rule id; its page `rules/SL003.md` says the rest.
pub(crate) const ID: &str = "SL003";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    for (i, op) in model.ops.iter().enumerate() {
        if op.keys.len() >= 2 && is_checked_multi_key(&op.command) {
            let keys: Vec<_> = op.keys.iter().map(|k| (i, k)).collect();
            judge(cx, &format!("`{}`", op.command), op.span, &keys, out);
        }
    }
    for group in model
        .groups
        .iter()
        // A transaction only by assumption, over keys nothing is known
        // of, is too speculative to report.
        // A group the code batches per slot shares its slot by construction.
        .filter(|g| {
            g.kind.is_atomic()
                && g.kind != GroupKind::Watch
                && g.assumption.is_none()
                && !g.per_slot
        })
    {
        let keys = model.group_keys(group);
        judge(cx, group.kind.describe(), group.span, &keys, out);
    }
}

fn judge(cx: &Context<'_>, what: &str, span: Span, keys: &[(usize, &Key)], out: &mut Vec<Finding>) {
    let distinct = distinct_keys(keys);
    if distinct.len() < 2 {
        return;
    }
    let Some((verdict, a, b)) = worst_pair(&distinct, |_, _| true) else {
        return;
    };
    // Open only because of holes the code gives defaults: under them the
    // keys span slots, which the cross-slot rules report.
    // Under them they share a slot (`<ns>:{<queue>}:q`): only a value
    // the user configures with braces could part them.
    if verdict.kind == SameSlot::Unknown
        && (cross_slot(&distinct, |_, _| true).is_some_and(|x| x.under_defaults)
            || same_under_defaults(&distinct))
    {
        return;
    }
    // A tag each key has, or (for keys whose tag a prefix value may
    // supply) the one they share right after that same prefix.
    let shared_tag = distinct.iter().all(|(_, k)| {
        matches!(
            k.pattern.hash_tag(),
            HashTag::Static { .. } | HashTag::Dynamic(_) | HashTag::Uncertain
        )
    });
    // Every key comes whole from elsewhere (a wrapper forwarding its
    // arguments): the code that builds them decides, so only a hint.
    let passed_in = distinct.iter().all(|(_, k)| k.pattern.hashed().is_none());
    if verdict.kind == SameSlot::Unknown && passed_in {
        // Elements of one family show the same shape: name it once.
        let mut names: Vec<String> = Vec::new();
        for (_, k) in &distinct {
            let name = format!("`{}`", k.pattern);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let names = names.join(", ");
        // Keys built here on one value from elsewhere (`<prefix>:a`,
        // `<prefix>:b`): only a tag in that value joins them.
        let finding = match shared_prefix(&distinct) {
            Some(prefix) => Finding::new(
                ID,
                Severity::Info,
                span,
                format!(
                    "{what} over keys built on `<{prefix}>`, a value from elsewhere ({names}): they share a slot only if it holds their hash tag"
                ),
            )
            .primary_label(format!("{} keys on `<{prefix}>`", distinct.len()))
            .help(format!(
                "give the keys a tag of their own after the prefix (`<{prefix}>:{{<id>}}:…`), or require `<{prefix}>` to hold one"
            )),
            None => Finding::new(
                ID,
                Severity::Info,
                span,
                format!(
                    "{what} over keys that all come from elsewhere ({names}): whether they share a slot is up to the code that builds them"
                ),
            )
            .primary_label(format!("{} keys passed in", distinct.len()))
            .help("have the callers build these keys under one hash tag, or split the call per slot"),
        }
        .certainty(Certainty::Possible);
        out.push(label_keys(finding, keys));
        return;
    }
    let (message, certainty) = match verdict.kind {
        // Equal slots through one tag (or one identical hashed part) are by design.
        SameSlot::Same if shared_tag => return,
        SameSlot::Same => (
            format!(
                "{what} works only by luck: `{}` and `{}` have no hash tag and happen to share a slot ({})",
                a.pattern, b.pattern, verdict.reason
            ),
            Certainty::Proven,
        ),
        SameSlot::Unknown => (
            format!(
                "{what} over keys whose slots cannot be known: {}; no hash tag guarantees they share a slot",
                verdict.reason
            ),
            Certainty::Possible,
        ),
        // Cross-slot verdicts are SL001/SL002's.
        _ => return,
    };
    let finding = Finding::new(ID, Severity::Warning, span, message)
        .certainty(certainty)
        .primary_label(format!("{} keys, no shared hash tag", distinct.len()))
        .help(same_tag_help(&distinct_patterns(keys)))
        .fix(shared_tag_fix(cx, &distinct_patterns(keys)));
    out.push(label_keys(finding, keys));
}

/// The value every key starts with, when each is that value (which may
/// hold braces) followed by text of its own: `<prefix>` of `<prefix>:a`
/// and `<prefix>:b`.
fn shared_prefix(keys: &[(usize, &Key)]) -> Option<String> {
    let mut name = None;
    for (_, k) in keys {
        let segments = k.pattern.segments();
        let (Some(crate::keypattern::Segment::Hole(h)), true) =
            (segments.first(), segments.len() > 1)
        else {
            return None;
        };
        if !h.may_contain_braces || h.name.is_none() {
            return None;
        }
        match &name {
            None => name = Some(h.shown_name().to_string()),
            Some(n) if n == h.shown_name() => {}
            Some(_) => return None,
        }
    }
    name
}
