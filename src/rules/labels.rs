//! What findings say of keys: each key's label (slot, tag, or why it is
//! unknown), the defaults a verdict assumed, and where the keys' slots live
//! on the configured topology.

use super::key_uses::distinct_keys;
use crate::finding::Finding;
use crate::keypattern::{HashTag, KeyPattern};
use crate::model::Key;

/// What a secondary label says about one key: its slot, its tag, or why it is unknown.
pub(crate) fn key_label(pattern: &KeyPattern) -> String {
    match pattern.hash_tag() {
        HashTag::Static { tag, slot } => {
            let tag = KeyPattern::literal(tag);
            if pattern.has_holes() {
                format!("slot {slot} (tag `{{{tag}}}`)")
            } else {
                format!("`{pattern}`: slot {slot} (tag `{{{tag}}}`)")
            }
        }
        HashTag::Dynamic(tag) => format!("tag `{{{tag}}}`"),
        HashTag::Untagged => match pattern.slot() {
            Some(slot) => format!("`{pattern}`: slot {slot}, no tag"),
            None => format!("no tag: slot depends on {}", hole_list(pattern)),
        },
        HashTag::Uncertain => format!(
            "slot unknown: {} may contain a hash tag",
            hole_list(pattern)
        ),
    }
}

fn hole_list(pattern: &KeyPattern) -> String {
    let names: Vec<String> = pattern
        .holes()
        .map(|h| format!("`{}`", h.shown_name()))
        .collect();
    if names.is_empty() {
        "the key".into()
    } else {
        names.join(", ")
    }
}

/// Secondary labels on at most this many keys of one finding.
const MAX_KEY_LABELS: usize = 16;

/// Adds one secondary label per distinct key (the first
/// [`MAX_KEY_LABELS`], and a note counting the rest).
pub(crate) fn label_keys(mut finding: Finding, keys: &[(usize, &Key)]) -> Finding {
    let distinct = distinct_keys(keys);
    for (_, k) in distinct.iter().take(MAX_KEY_LABELS) {
        finding = finding.label(k.span, key_label(&k.pattern));
    }
    if distinct.len() > MAX_KEY_LABELS {
        finding = finding.note(format!(
            "{} distinct keys in all; the first {MAX_KEY_LABELS} are labelled",
            distinct.len()
        ));
    }
    finding
}

/// The note naming the defaults a finding assumed: ``with the default `<prefix>` = `bull` ``.
pub(crate) fn defaults_note(pattern: &KeyPattern) -> String {
    let mut defaults: Vec<String> = Vec::new();
    for h in pattern.holes() {
        let Some(d) = h.default.as_ref() else {
            continue;
        };
        let text = format!(
            "`<{}>` = `{}`",
            h.shown_name(),
            KeyPattern::literal(d.clone())
        );
        if !defaults.contains(&text) {
            defaults.push(text);
        }
    }
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

/// Where the keys' known slots live on the configured topology, node by node
/// in first-seen order (`None` for slots no node serves). Empty without a
/// topology or when no key's slot is known.
pub(crate) fn slots_by_node(
    topology: Option<&crate::topology::Topology>,
    keys: &[&KeyPattern],
) -> Vec<(Option<String>, Vec<u16>)> {
    let Some(topology) = topology else {
        return Vec::new();
    };
    let mut out: Vec<(Option<String>, Vec<u16>)> = Vec::new();
    for slot in keys.iter().filter_map(|k| k.slot()) {
        let node = topology.node_of(slot).map(str::to_string);
        match out.iter_mut().find(|(n, _)| *n == node) {
            Some((_, slots)) if slots.contains(&slot) => {}
            Some((_, slots)) => slots.push(slot),
            None => out.push((node, vec![slot])),
        }
    }
    out
}

/// "on the configured topology: slot 2549 is on node \`A\`, slots 5550, 7000
/// on node \`B\`", for a finding's notes.
pub(crate) fn topology_note(by_node: &[(Option<String>, Vec<u16>)]) -> Option<String> {
    if by_node.is_empty() {
        return None;
    }
    let parts: Vec<String> = by_node
        .iter()
        .enumerate()
        .map(|(i, (node, slots))| {
            let list: Vec<String> = slots.iter().map(u16::to_string).collect();
            let many = slots.len() > 1;
            let slots = format!(
                "{} {}",
                if many { "slots" } else { "slot" },
                list.join(", ")
            );
            let verb = match (i, many) {
                (0, false) => " is",
                (0, true) => " are",
                _ => "",
            };
            match node {
                Some(n) => format!("{slots}{verb} on node `{n}`"),
                None => format!("{slots}{verb} served by no node"),
            }
        })
        .collect();
    Some(format!("on the configured topology: {}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::parse_placeholders as pat;

    #[test]
    fn topology_notes() {
        let t = crate::topology::Topology::parse(
            "t.yaml",
            "nodes: { A: \"0-5460\", B: \"5461-10922\", C: \"10923-16382\" }\n",
        )
        .unwrap();
        let (foo, bar, user1, user2) = (
            pat("foo"),
            pat("bar"),
            pat("user:1:name"),
            pat("user:2:name"),
        );
        // 12182 (C), 5061 (A); 12440 and 15992 (both C).
        assert_eq!(
            topology_note(&slots_by_node(Some(&t), &[&foo, &bar, &pat("<x>")])).as_deref(),
            Some("on the configured topology: slot 12182 is on node `C`, slot 5061 on node `A`")
        );
        assert_eq!(
            topology_note(&slots_by_node(Some(&t), &[&user1, &user2, &user1])).as_deref(),
            Some("on the configured topology: slots 12440, 15992 are on node `C`")
        );
        // Slot 16383 is left uncovered; `k10322` hashes there.
        assert_eq!(
            topology_note(&slots_by_node(Some(&t), &[&pat("k10322"), &foo])).as_deref(),
            Some("on the configured topology: slot 16383 is served by no node, slot 12182 on node `C`")
        );
        assert!(slots_by_node(None, &[&foo]).is_empty());
        assert!(slots_by_node(Some(&t), &[&pat("<x>")]).is_empty());
    }

    #[test]
    fn labels() {
        assert_eq!(
            key_label(&pat("user:123:name")),
            "`user:123:name`: slot 6198, no tag"
        );
        assert_eq!(key_label(&pat("{user:<id>}:cart")), "tag `{user:<id>}`");
        assert_eq!(
            key_label(&pat("order:<id>")),
            "no tag: slot depends on `id`"
        );
    }
}
