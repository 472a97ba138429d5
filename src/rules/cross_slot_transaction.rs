//! SL001 cross-slot-transaction: a MULTI/EXEC, transactional pipeline, WATCH
//! set or script call whose keys span hash slots.

use super::fixes::shared_tag_fix;
use super::util::{
    cross_slot_level, distinct_patterns, label_keys, same_tag_help, slots_by_node, topology_note,
    worst_pair,
};
use super::{Context, Rule};
use crate::finding::{Finding, Severity};
use crate::model::GroupKind;

pub(crate) struct CrossSlotTransaction;

impl Rule for CrossSlotTransaction {
    fn id(&self) -> &'static str {
        "SL001"
    }
    fn name(&self) -> &'static str {
        "cross-slot-transaction"
    }
    fn default_severity(&self) -> Severity {
        Severity::Error
    }
    fn summary(&self) -> &'static str {
        "MULTI/EXEC, transactional pipeline, WATCH set, or script KEYS spanning slots"
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/SL001.md")
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let model = cx.model;
        for group in model.groups.iter().filter(|g| g.kind.is_atomic()) {
            let keys = model.group_keys(group);
            // Which pairs are this rule's: a multi-key command's own keys are
            // SL002's, except in a script call, where they are the KEYS.
            let op_cmd = |i: usize| model.ops.get(i).map_or("", |o| o.command.as_str());
            let pair_ok = |a: usize, b: usize| match group.kind {
                GroupKind::Script => true,
                GroupKind::Watch => (op_cmd(a) == "WATCH") != (op_cmd(b) == "WATCH"),
                _ => a != b,
            };
            let Some((verdict, _, _)) = worst_pair(&keys, pair_ok) else {
                continue;
            };
            // When the transaction's own keys already span slots, its finding
            // says so; the WATCH set adds nothing but a second report.
            if group.kind == GroupKind::Watch {
                let queued =
                    |a: usize, b: usize| a != b && op_cmd(a) != "WATCH" && op_cmd(b) != "WATCH";
                if worst_pair(&keys, queued)
                    .is_some_and(|(v, _, _)| cross_slot_level(v.kind).is_some())
                {
                    continue;
                }
            }
            let Some((severity, certainty, spans)) = cross_slot_level(verdict.kind) else {
                continue;
            };
            let what = group.kind.describe();
            let finding = Finding::new(
                self.id(),
                severity,
                group.span,
                format!("{what} {spans}: {}", verdict.reason),
            )
            .certainty(certainty)
            .primary_label(format!("this {what}"))
            .help(same_tag_help(&distinct_patterns(&keys)))
            .fix(shared_tag_fix(cx.model, &distinct_patterns(&keys)))
            .note(note_for(group.kind))
            .notes(topology_note(&slots_by_node(
                cx.options.topology.as_deref(),
                &distinct_patterns(&keys),
            )));
            out.push(label_keys(finding, &keys));
        }
    }
}

fn note_for(kind: GroupKind) -> String {
    match kind {
        GroupKind::Script => {
            "a cluster rejects EVAL/FCALL whose KEYS hash to different slots with CROSSSLOT".into()
        }
        GroupKind::Watch => {
            "WATCH must run on the node that runs EXEC: watched keys need the transaction's slot"
                .into()
        }
        _ => "a cluster rejects a transaction whose keys hash to different slots with CROSSSLOT"
            .into(),
    }
}
