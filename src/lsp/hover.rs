//! Hover text: the key under the cursor as slotlint understands it (its
//! pattern, hash tag, slot or what the slot depends on, node, schema family)
//! and the keys it must share a slot with, each with the verdict; on a
//! finding, the rule's summary and its page. Answered from the model and
//! `keypattern`, never from syntax.

use std::fmt::Write as _;

use super::lint::{Analysis, Judge};
use crate::finding::Finding;
use crate::keypattern::{HashTag, KeyPattern, SameSlot};
use crate::model::{FileModel, Span};
use crate::rules;

/// Keys listed per group before "and N more".
const MAX_LISTED: usize = 12;

/// A key found under the cursor.
enum Found<'m> {
    /// A key of op `op`.
    Op { op: usize, pattern: &'m KeyPattern },
    /// A key a Lua script reaches.
    Script { pattern: &'m KeyPattern },
    /// A schema family's pattern.
    Family(usize),
}

fn contains(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end && span.start < span.end
}

/// The narrowest key whose span holds `offset`.
fn key_at<'m>(model: &'m FileModel, offset: usize) -> Option<(Span, Found<'m>)> {
    let mut best: Option<(Span, Found<'m>)> = None;
    let mut consider = |span: Span, found: Found<'m>| {
        let narrower = best
            .as_ref()
            .is_none_or(|(s, _)| span.end - span.start < s.end - s.start);
        if contains(span, offset) && narrower {
            best = Some((span, found));
        }
    };
    for (i, op) in model.ops.iter().enumerate() {
        for k in &op.keys {
            consider(
                k.span,
                Found::Op {
                    op: i,
                    pattern: &k.pattern,
                },
            );
        }
    }
    for s in &model.scripts {
        for u in &s.key_uses {
            consider(
                u.span,
                Found::Script {
                    pattern: &u.pattern,
                },
            );
        }
    }
    for (i, f) in model.families.iter().enumerate() {
        consider(f.pattern_span, Found::Family(i));
    }
    best
}

/// The hover for `offset`: markdown, and the span it is about.
pub(crate) fn hover(
    a: &Analysis,
    judge: &Judge,
    offset: usize,
    page: &dyn Fn(&str) -> Option<lsp_types::Uri>,
) -> Option<(String, Span)> {
    let mut text = String::new();
    let mut about: Option<Span> = None;
    let findings: Vec<&Finding> = a
        .result
        .findings
        .iter()
        .filter(|f| contains(f.span, offset))
        .take(4)
        .collect();
    if let Some(model) = &a.model {
        if let Some((span, found)) = key_at(model, offset) {
            about = Some(span);
            key_section(&mut text, model, judge, &found);
        }
    }
    for f in findings {
        if !text.is_empty() {
            text.push_str("\n---\n\n");
        }
        finding_section(&mut text, f, page);
        about.get_or_insert(f.span);
    }
    about.map(|span| (text, span))
}

fn finding_section(out: &mut String, f: &Finding, page: &dyn Fn(&str) -> Option<lsp_types::Uri>) {
    let Some(rule) = rules::find(f.rule) else {
        return;
    };
    let _ = write!(
        out,
        "**{}** `{}` ({}, {}): {}",
        rule.id(),
        rule.name(),
        f.severity,
        f.certainty.as_str(),
        rule.summary()
    );
    if let Some(uri) = page(rule.id()) {
        let _ = write!(out, " — [rule page]({})", uri.as_str());
    }
    out.push('\n');
}

/// `a`, `a` and `b`, `a`, `b` and `c`.
fn names(list: &[String]) -> String {
    match list {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., tail] => format!("{} and {tail}", head.join(", ")),
    }
}

/// The holes of the part Redis hashes, as `` `uid` `` names.
fn hashed_holes(p: &KeyPattern) -> Vec<String> {
    let part = p.hashed().map_or_else(|| p.clone(), |h| h.part);
    let mut out: Vec<String> = part
        .holes()
        .map(|h| format!("`{}`", h.name.as_deref().unwrap_or("?")))
        .collect();
    out.dedup();
    out
}

fn key_section(out: &mut String, model: &FileModel, judge: &Judge, found: &Found<'_>) {
    let pattern = match found {
        Found::Op { pattern, .. } | Found::Script { pattern } => *pattern,
        Found::Family(i) => &model.families[*i].pattern,
    };
    let _ = writeln!(out, "**key** `{pattern}`\n");
    let tag = match pattern.hash_tag() {
        HashTag::Static { tag, .. } => format!("`{{{}}}`", KeyPattern::literal(tag)),
        HashTag::Dynamic(t) => format!("`{{{t}}}`"),
        HashTag::Untagged => "none: the whole key is hashed".into(),
        HashTag::Uncertain => {
            let may: Vec<String> = pattern
                .holes()
                .filter(|h| h.may_contain_braces)
                .map(|h| format!("`{}`", h.name.as_deref().unwrap_or("?")))
                .collect();
            format!("unknown: {} may contain braces", names(&may))
        }
    };
    let _ = writeln!(out, "- hash tag: {tag}");
    match pattern.slot() {
        Some(slot) => {
            let _ = write!(out, "- slot: **{slot}**");
            let node = judge.options.topology.as_deref().map(|t| t.node_of(slot));
            match node {
                Some(Some(n)) => {
                    let _ = write!(out, " on node `{n}`");
                }
                Some(None) => out.push_str(" (served by no node of the topology)"),
                None => {}
            }
            out.push('\n');
        }
        None if pattern.hash_tag() == HashTag::Uncertain => {
            out.push_str("- slot: unknown\n");
        }
        None => {
            let _ = writeln!(out, "- slot: depends on {}", names(&hashed_holes(pattern)));
            if let Some(slot) = pattern.with_defaults().and_then(|p| p.slot()) {
                let _ = writeln!(out, "- slot with the defaults: **{slot}**");
            }
        }
    }
    match found {
        Found::Family(i) => family_lines(out, model, *i),
        Found::Op { op, .. } => {
            schema_line(out, judge, pattern);
            client_line(out, model, *op);
            grouped_with(out, model, *op, pattern);
        }
        Found::Script { .. } => schema_line(out, judge, pattern),
    }
}

fn family_lines(out: &mut String, model: &FileModel, i: usize) {
    let f = &model.families[i];
    let _ = write!(out, "- schema family `{}`", f.name);
    if let Some(c) = f.cardinality {
        let _ = write!(out, ", cardinality {c}");
    }
    if let Some(q) = f.qps {
        let _ = write!(out, ", {q} qps");
    }
    out.push('\n');
}

fn schema_line(out: &mut String, judge: &Judge, pattern: &KeyPattern) {
    let declared = &judge.options.schema_families;
    if declared.is_empty() {
        return;
    }
    let families = rules::undeclared_key::families_of(pattern, declared);
    if families.is_empty() {
        out.push_str("- schema: matches no declared family\n");
        return;
    }
    let list: Vec<String> = families
        .iter()
        .map(|(name, p, file)| format!("`{name}` (`{p}`, {file})"))
        .collect();
    let _ = writeln!(out, "- schema family: {}", names(&list));
}

fn client_line(out: &mut String, model: &FileModel, op: usize) {
    let op = &model.ops[op];
    if op.command.is_empty() {
        return;
    }
    let _ = write!(out, "- command: `{}`", op.command);
    if let Some(c) = model.client(op.client).filter(|c| !c.label.is_empty()) {
        let _ = write!(out, " through {}", c.label);
    }
    out.push('\n');
}

/// How a verdict reads next to a key.
fn verdict_words(kind: SameSlot) -> &'static str {
    match kind {
        SameSlot::Same => "same slot",
        SameSlot::Unknown => "slot unknown",
        SameSlot::LikelyDifferentVariables => "maybe another slot",
        SameSlot::LikelyDifferentLiterals => "likely another slot",
        SameSlot::Different => "another slot",
    }
}

/// The keys `pattern` is used with: in each group holding the op, and in
/// the op itself when it takes several keys.
fn grouped_with(out: &mut String, model: &FileModel, op: usize, pattern: &KeyPattern) {
    let mut sets: Vec<(String, Vec<&KeyPattern>)> = Vec::new();
    for g in model.groups.iter().filter(|g| g.ops.contains(&op)) {
        let keys = model.group_keys(g).into_iter().map(|(_, k)| &k.pattern);
        sets.push((format!("this {}", g.kind.describe()), keys.collect()));
    }
    let o = &model.ops[op];
    if o.keys.len() > 1 {
        sets.push((
            format!("this `{}`", o.command),
            o.keys.iter().map(|k| &k.pattern).collect(),
        ));
    }
    for (what, keys) in sets {
        let mut others: Vec<&KeyPattern> = Vec::new();
        for k in keys {
            if k != pattern && !others.contains(&k) {
                others.push(k);
            }
        }
        if others.is_empty() {
            let _ = writeln!(out, "\nin {what}: no other key");
            continue;
        }
        let verdicts: Vec<_> = others.iter().map(|k| pattern.same_slot(k)).collect();
        let all_same = verdicts.iter().all(|v| v.kind == SameSlot::Same);
        let _ = writeln!(
            out,
            "\nin {what} with {} other key{}: {}",
            others.len(),
            if others.len() == 1 { "" } else { "s" },
            if all_same {
                "they share a slot"
            } else {
                "they do not all share a slot"
            }
        );
        for (k, v) in others.iter().zip(&verdicts).take(MAX_LISTED) {
            let _ = writeln!(out, "- `{k}`: {} ({})", verdict_words(v.kind), v.reason);
        }
        if others.len() > MAX_LISTED {
            let _ = writeln!(out, "- … and {} more", others.len() - MAX_LISTED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    fn analyze(name: &str, text: &str, judge: &Judge) -> Analysis {
        let source = super::super::lint::Source {
            shown: name.into(),
            language: crate::lang::Language::from_path(std::path::Path::new(name)).unwrap(),
            version: Some(1),
            text: Arc::new(text.to_string()),
            location: None,
        };
        let reuse = super::super::lint::Reuse::default();
        super::super::lint::lint(&source, judge, &AtomicBool::new(false), reuse)
            .0
            .unwrap()
    }

    fn hover_at(a: &Analysis, judge: &Judge, needle: &str) -> String {
        let at = SourceFile::new("x", a.file.text.clone());
        let offset = String::from_utf8_lossy(&at.text).find(needle).unwrap();
        hover(a, judge, offset, &|_| None).unwrap().0
    }

    #[test]
    fn a_key_with_its_tag_slot_and_the_keys_it_is_used_with() {
        let judge = Judge::default();
        let text = "MULTI\nSET {user:1}:cart x\nSET {user:1}:orders y\nSET user:2:name z\nEXEC\n";
        let a = analyze("a.redis", text, &judge);
        let h = hover_at(&a, &judge, "{user:1}:cart");
        assert!(h.starts_with("**key** `{user:1}:cart`\n"), "{h}");
        assert!(h.contains("- hash tag: `{user:1}`\n"), "{h}");
        // redis-cli CLUSTER KEYSLOT user:1 → 10778.
        assert!(h.contains("- slot: **10778**\n"), "{h}");
        assert!(
            h.contains("in this transaction with 2 other keys: they do not all share a slot"),
            "{h}"
        );
        assert!(
            h.contains("- `{user:1}:orders`: same slot (both hash to slot 10778)"),
            "{h}"
        );
        assert!(h.contains("- `user:2:name`: another slot"), "{h}");
        // The transaction is an SL001 finding: its rule on the same hover.
        let h = hover_at(&a, &judge, "MULTI");
        assert!(
            h.contains("**SL001** `cross-slot-transaction` (error, proven): "),
            "{h}"
        );
    }

    #[test]
    fn a_slot_that_depends_on_a_value() {
        let judge = Judge::default();
        let text =
            "import redis\nr = redis.Redis()\ndef f(uid):\n    r.get(f\"{{user:{uid}}}:cart\")\n";
        let a = analyze("a.py", text, &judge);
        let h = hover_at(&a, &judge, "f\"{{user");
        assert!(h.starts_with("**key** `{user:<uid>}:cart`\n"), "{h}");
        assert!(
            h.contains("- hash tag: `{user:<uid>}`\n- slot: depends on `uid`\n"),
            "{h}"
        );
        assert!(h.contains("- command: `GET` through"), "{h}");
    }
}
