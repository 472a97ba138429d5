//! SL010 non-atomic-split: a multi-key command over keys of different slots
//! that the client splits per slot (redis-py's `RedisCluster` for DEL, EXISTS,
//! UNLINK, TOUCH, `mget_nonatomic`, `mset_nonatomic`): it works, but one part
//! may succeed while another fails, and readers may see half of it.

use super::fixes::shared_tag_fix;
use super::key_uses::distinct_patterns;
use super::labels::label_keys;
use super::suggest::same_tag_help;
use super::verdict::{cross_slot_level, worst_pair};
use super::Context;
use crate::finding::{Finding, Severity};

/// The rule id; its page `rules/SL010.md` says the rest.
pub(crate) const ID: &str = "SL010";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    for (i, op) in model.ops.iter().enumerate() {
        if op.keys.len() < 2 {
            continue;
        }
        let Some(client) = model
            .client(op.client)
            .filter(|c| c.splits_per_slot.contains(&op.command))
        else {
            continue;
        };
        let keys: Vec<_> = op.keys.iter().map(|k| (i, k)).collect();
        let Some((verdict, _, _)) = worst_pair(&keys, |_, _| true) else {
            continue;
        };
        let Some((_, certainty, spans)) = cross_slot_level(verdict.kind) else {
            continue;
        };
        let who = if client.label.is_empty() {
            "the client"
        } else {
            client.label.as_str()
        };
        let finding = Finding::new(
            ID,
            Severity::Info,
            op.span,
            format!(
                "`{}` {spans}, so {who} splits it per slot and it is not atomic: {}",
                op.command, verdict.reason
            ),
        )
        .certainty(certainty)
        .primary_label(format!("one `{}` sent as one command per slot", op.command))
        .help(same_tag_help(&distinct_patterns(&keys)))
        .fix(shared_tag_fix(cx, &distinct_patterns(&keys)))
        .note("each slot's part runs on its own: some may succeed while others fail, and other clients can see a partial result");
        out.push(label_keys(finding, &keys));
    }
}
