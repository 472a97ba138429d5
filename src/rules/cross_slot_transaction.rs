//! SL001 cross-slot-transaction: a MULTI/EXEC, transactional pipeline, WATCH
//! set or script call whose keys span hash slots, and a script with flags
//! (a shebang, or a function) whose body reaches keys of more than one slot.

use super::fixes::shared_tag_fix;
use super::key_uses::distinct_patterns;
use super::labels::{label_keys, slots_by_node, topology_note};
use super::scripts::{call_sites, reached_keys, Called};
use super::suggest::same_tag_help;
use super::verdict::{cross_slot, cross_slot_level, worst_pair};
use super::Context;
use crate::finding::{Finding, Severity};
use crate::model::{GroupKind, Key, Span, Topology};

/// The rule id; its page `rules/SL001.md` says the rest.
pub(crate) const ID: &str = "SL001";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    for group in model.groups.iter().filter(|g| g.kind.is_atomic()) {
        // A transaction only by an assumption about the client: a config
        // hint may settle it either way.
        let assumption = match (&group.assumption, model.client(group.client)) {
            (Some(_), Some(c)) if c.topology == Topology::Cluster => continue,
            (Some(_), Some(c)) if c.topology == Topology::Standalone => None,
            (a, _) => a.as_deref(),
        };
        let keys = model.group_keys(group);
        // Which pairs are this rule's: a multi-key command's own keys are
        // SL002's, except in a script call, where they are the KEYS.
        let op_cmd = |i: usize| model.ops.get(i).map_or("", |o| o.command.as_str());
        let pair_ok = |a: usize, b: usize| match group.kind {
            GroupKind::Script => true,
            GroupKind::Watch => (op_cmd(a) == "WATCH") != (op_cmd(b) == "WATCH"),
            _ => a != b,
        };
        let Some(x) = cross_slot(&keys, pair_ok) else {
            continue;
        };
        // When the transaction's own keys already span slots, its finding
        // says so; the WATCH set adds nothing but a second report.
        if group.kind == GroupKind::Watch {
            let queued =
                |a: usize, b: usize| a != b && op_cmd(a) != "WATCH" && op_cmd(b) != "WATCH";
            if cross_slot(&keys, queued).is_some() {
                continue;
            }
        }
        let (severity, mut certainty) = (x.severity, x.certainty);
        let what = group.kind.describe();
        let mut message = format!("{what} {}: {}", x.spans, x.verdict.reason);
        if let Some(assumed) = assumption {
            certainty = certainty.lower();
            message = format!("{message}, assuming {assumed}");
        }
        let finding = Finding::new(ID, severity, group.span, message)
            .certainty(certainty)
            .primary_label(format!("this {what}"))
            .help(same_tag_help(&x.patterns.iter().collect::<Vec<_>>()))
            .fix(
                shared_tag_fix(cx, &distinct_patterns(&keys))
                    .filter(|_| !x.under_defaults && assumption.is_none()),
            )
            .note(note_for(group.kind))
            .notes(topology_note(&slots_by_node(
                cx.options.topology.as_deref(),
                &distinct_patterns(&keys),
            )))
            .notes(assumption.map(|_| {
                "through a cluster client the same pipeline is no transaction: it is split per \
             node and is not atomic (`clients:` in slotlint.yaml says which the client is)"
                    .to_string()
            }));
        out.push(label_keys(finding, &keys));
    }
    check_script_bodies(cx, out);
}

/// Whether a script runs under the one-slot check of scripts with flags.
fn one_slot_only(flags: &crate::model::ScriptFlags) -> bool {
    flags.declared && flags.known && !flags.has("allow-cross-slot-keys")
}

const FLAGGED_NOTE: &str = "a script with a shebang (`#!lua`) and every function may reach the keys of one slot only unless flagged `allow-cross-slot-keys`: the server answers `Script attempted to access keys that do not hash to the same slot`, even on a single node";

/// Scripts with flags whose body (with the call's KEYS) reaches two slots.
fn check_script_bodies(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let model = cx.model;
    let mut inline = vec![false; model.scripts.len()];
    for (group, op, script, called) in call_sites(cx) {
        let Some(called) = called.filter(|c| one_slot_only(&c.flags)) else {
            continue;
        };
        let own = script.analyzed;
        if own {
            if let Some(flag) = group.script.and_then(|i| inline.get_mut(i)) {
                *flag = true;
            }
        }
        let span_of =
            |u: &crate::model::ScriptKeyUse| if called.in_file { u.span } else { group.span };
        let body = reached_keys(&called.key_uses, None, span_of);
        let mut keys: Vec<(usize, &Key)> = op.keys.iter().map(|k| (0, k)).collect();
        keys.extend(body.iter().enumerate().map(|(i, k)| (i + 1, k)));
        // Call keys among themselves are the group's CROSSSLOT (above); a
        // function's own keys among themselves are judged where it is defined.
        let pair_ok =
            |a: usize, b: usize| (a == 0) != (b == 0) || (own && a != b && a > 0 && b > 0);
        report(cx, &called, group.span, &keys, pair_ok, out);
    }
    for (i, script) in model.scripts.iter().enumerate() {
        if !script.analyzed || inline.get(i) == Some(&true) || !one_slot_only(&script.flags) {
            continue;
        }
        if model.groups.iter().any(|g| g.script == Some(i)) {
            continue;
        }
        let body = reached_keys(&script.key_uses, None, |u| u.span);
        let keys: Vec<(usize, &Key)> = body.iter().enumerate().collect();
        let called = Called {
            name: cx.model.function_of(i).map_or_else(
                || "a script with a shebang".to_string(),
                |f| format!("function `{}`", f.name),
            ),
            flags: script.flags.clone(),
            key_uses: Vec::new(),
            writes: Vec::new(),
            local: None,
            location: String::new(),
            in_file: true,
            max_key_index: None,
        };
        let at = body.get(1).map_or(script.span, |k| k.span);
        report(cx, &called, at, &keys, |a, b| a != b, out);
    }
}

fn report(
    cx: &Context<'_>,
    called: &Called,
    at: Span,
    keys: &[(usize, &Key)],
    pair_ok: impl Fn(usize, usize) -> bool,
    out: &mut Vec<Finding>,
) {
    let Some((verdict, _, _)) = worst_pair(keys, pair_ok) else {
        return;
    };
    let Some((severity, certainty, _)) = cross_slot_level(verdict.kind) else {
        return;
    };
    let reaches = match certainty {
        crate::finding::Certainty::Proven => "reaches keys in different slots",
        _ if severity == Severity::Error => "likely reaches keys in different slots",
        _ => "may reach keys in different slots",
    };
    let patterns = distinct_patterns(keys);
    let mut finding = Finding::new(
        ID,
        severity,
        at,
        format!("{} {reaches}: {}", called.name, verdict.reason),
    )
    .certainty(certainty)
    .primary_label(format!("{} reaches these keys", called.name))
    .help(format!(
        "{}, or flag it `allow-cross-slot-keys` (its keys must then still be on one node)",
        same_tag_help(&patterns)
    ))
    .note(FLAGGED_NOTE)
    .notes(topology_note(&slots_by_node(
        cx.options.topology.as_deref(),
        &patterns,
    )));
    if !called.location.is_empty() {
        finding = finding.note(format!(
            "{} is registered at {}",
            called.name, called.location
        ));
    }
    out.push(label_keys(finding, keys));
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
