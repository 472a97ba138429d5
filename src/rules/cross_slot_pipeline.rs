//! SL009 cross-slot-pipeline: a plain pipeline whose keys span hash slots on
//! a client that requires one slot per pipeline (ioredis Cluster; a
//! node-redis cluster sends the whole pipeline to the node of its first key).

use super::fixes::shared_tag_fix;
use super::key_uses::distinct_patterns;
use super::labels::{label_keys, slots_by_node, topology_note};
use super::suggest::same_tag_help;
use super::verdict::cross_slot;
use super::Context;
use crate::finding::{Finding, Severity};
use crate::model::GroupKind;

/// The rule id; its page `rules/SL009.md` says the rest.
pub(crate) const ID: &str = "SL009";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    for group in model
        .groups
        .iter()
        // Code that batches its keys per slot sends one slot per pipeline.
        .filter(|g| g.kind == GroupKind::Pipeline && !g.per_slot)
    {
        let Some(client) = model.client(group.client).filter(|c| c.pipeline_one_slot) else {
            continue;
        };
        let keys = model.group_keys(group);
        // A multi-key command's own keys are SL002's.
        let Some(x) = cross_slot(&keys, |a, b| a != b) else {
            continue;
        };
        let (mut severity, certainty, spans, verdict) =
            (x.severity, x.certainty, x.spans, &x.verdict);
        let who = if client.label.is_empty() {
            "the client"
        } else {
            client.label.as_str()
        };
        let patterns = distinct_patterns(&keys);
        let by_node = slots_by_node(cx.options.topology.as_deref(), &patterns);
        let mut message = format!("pipeline on {who} {spans}: {}", verdict.reason);
        // Every key's slot known and all served by one node: it works
        // until a slot moves.
        if let [(Some(node), _)] = &by_node[..] {
            if patterns.iter().all(|p| p.slot().is_some()) {
                severity = severity.min(Severity::Warning);
                message = format!(
                    "{message}; one node (`{node}`) serves them all on the configured topology, so it works until a slot moves"
                );
            }
        }
        let finding = Finding::new(ID, severity, group.span, message)
            .certainty(certainty)
            .primary_label("this pipeline")
            .help(same_tag_help(&x.patterns.iter().collect::<Vec<_>>()))
            .fix(shared_tag_fix(cx, &patterns).filter(|_| !x.under_defaults))
            .note(format!(
                "{who} sends a pipeline to one node: keys of slots served elsewhere fail (ioredis: `All keys in the pipeline should belong to the same slots allocation group`)"
            ))
            .notes(topology_note(&by_node));
        out.push(label_keys(finding, &keys));
    }
}
