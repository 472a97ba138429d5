//! SL002 cross-slot-command: one multi-key command over keys in different slots.

use super::command_spec;
use super::fixes::shared_tag_fix;
use super::key_uses::distinct_patterns;
use super::labels::{label_keys, slots_by_node, topology_note};
use super::suggest::same_tag_help;
use super::verdict::cross_slot;
use super::Context;
use crate::finding::Finding;

/// The rule id; its page `rules/SL002.md` says the rest.
pub(crate) const ID: &str = "SL002";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    for (i, op) in model.ops.iter().enumerate() {
        if op.keys.len() < 2 || !is_checked_multi_key(&op.command) {
            continue;
        }
        if model
            .client(op.client)
            .is_some_and(|c| c.splits_per_slot.contains(&op.command))
        {
            continue; // the client splits it per slot: SL010's business
        }
        let keys: Vec<_> = op.keys.iter().map(|k| (i, k)).collect();
        let Some(x) = cross_slot(&keys, |_, _| true) else {
            continue;
        };
        let finding = Finding::new(
            ID,
            x.severity,
            op.span,
            format!("`{}` {}: {}", op.command, x.spans, x.verdict.reason),
        )
        .certainty(x.certainty)
        .primary_label(format!("one `{}` over {} keys", op.command, keys.len()))
        .help(same_tag_help(&x.patterns.iter().collect::<Vec<_>>()))
        // Under defaults a configured value may differ: no mechanical fix.
        .fix(shared_tag_fix(cx, &distinct_patterns(&keys)).filter(|_| !x.under_defaults))
        .note("a cluster rejects a command whose keys hash to different slots with CROSSSLOT")
        .notes(topology_note(&slots_by_node(
            cx.options.topology.as_deref(),
            &distinct_patterns(&keys),
        )));
        out.push(label_keys(finding, &keys));
    }
}

/// Multi-key commands this rule judges; script calls are SL001's.
pub(crate) fn is_checked_multi_key(command: &str) -> bool {
    command_spec(command).is_some_and(|c| c.is_multi_key() && !c.is_script())
}
