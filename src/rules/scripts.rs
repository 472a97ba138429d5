//! Helpers for rules about scripts: what a script call runs (its own text,
//! or a function of this file or of the run), the flags and writes of it,
//! and the keys its body reaches with the call's KEYS filled in.

use crate::functions::{FunctionSummary, FunctionTable};
use crate::keypattern::{KeyPattern, Segment};
use crate::model::{FileModel, Group, GroupKind, Key, Op, Script, ScriptFlags, ScriptKeyUse, Span};

use super::command_spec;
use super::Context;

/// What one script call site runs.
pub(crate) struct Called {
    /// How messages name it: "the script", "function `f`".
    pub(crate) name: String,
    pub(crate) flags: ScriptFlags,
    pub(crate) key_uses: Vec<ScriptKeyUse>,
    /// The write commands it calls, with the call's span when in this file.
    pub(crate) writes: Vec<(String, Option<Span>)>,
    /// Where a function is registered: its name's span in this file, or
    /// `path:line` of another file.
    pub(crate) local: Option<Span>,
    pub(crate) location: String,
    /// Whether the spans of `key_uses` are in this file.
    pub(crate) in_file: bool,
    /// The highest `KEYS[i]` (a function's `keys[i]`) it reads.
    pub(crate) max_key_index: Option<u32>,
}

/// The write commands of a script body, with their spans.
pub(crate) fn writes(script: &Script) -> Vec<(String, Option<Span>)> {
    script
        .calls
        .iter()
        .filter(|c| command_spec(&c.command).is_some_and(crate::commands::CommandSpec::is_write))
        .map(|c| (c.command.clone(), Some(c.span)))
        .collect()
}

fn from_summary(s: &FunctionSummary, local: Option<Span>) -> Called {
    Called {
        name: format!("function `{}`", s.name),
        flags: s.flags.clone(),
        key_uses: s.key_uses.clone(),
        writes: s.writes.iter().map(|w| (w.clone(), None)).collect(),
        local,
        location: s.location.clone(),
        in_file: false,
        max_key_index: s.max_key_index,
    }
}

/// The function named `name`: this file's own registration first, then the run's.
pub(crate) fn function(
    model: &FileModel,
    table: Option<&FunctionTable>,
    name: &str,
) -> Option<Called> {
    for lib in &model.libraries {
        if let Some(f) = lib.functions.iter().find(|f| f.name == name) {
            let summary = FunctionSummary::of(model, lib.name.as_deref(), f, String::new());
            let mut called = from_summary(&summary, Some(f.span));
            called.in_file = true;
            if let Some(s) = model.scripts.get(f.script) {
                called.writes = writes(s);
            }
            return Some(called);
        }
    }
    let summary = table?.get(name)?;
    Some(from_summary(summary, None))
}

/// The script call sites of the file: the group, its op, its script, and
/// what it runs when that is known.
pub(crate) fn call_sites<'m>(
    cx: &Context<'m>,
) -> impl Iterator<Item = (&'m Group, &'m Op, &'m Script, Option<Called>)> + 'm {
    let model: &'m FileModel = cx.model;
    let table: Option<&'m FunctionTable> = cx.options.functions.as_deref();
    model
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::Script)
        .filter_map(move |g| {
            let op = model.ops.get(*g.ops.first()?)?;
            let script = model.scripts.get(g.script?)?;
            let called = if script.analyzed {
                Some(Called {
                    name: if script.flags.declared {
                        "a script with a shebang".into()
                    } else {
                        "a script".into()
                    },
                    flags: script.flags.clone(),
                    key_uses: script.key_uses.clone(),
                    writes: writes(script),
                    local: None,
                    location: String::new(),
                    in_file: true,
                    max_key_index: script.max_key_index.map(|(n, _)| n),
                })
            } else if let Some(name) = &script.function {
                function(model, table, name)
            } else {
                None
            };
            Some((g, op, script, called))
        })
}

/// The `n` of a pattern that is exactly `KEYS[n]`.
fn keys_index(p: &KeyPattern) -> Option<usize> {
    match p.segments() {
        [Segment::Hole(h)] => h
            .name
            .as_deref()?
            .strip_prefix("KEYS[")?
            .strip_suffix(']')?
            .parse()
            .ok(),
        _ => None,
    }
}

/// The keys a script body reaches as keys with known text: its own key
/// names, and `KEYS[n]` filled with the call's `n`-th key when `call_keys`
/// are given. Keys the analyzer cannot place (`KEYS[n]` without a call, a
/// key built from a KEYS value, a bare variable) are left out. `span_of`
/// gives the span to show for each use.
pub(crate) fn reached_keys(
    uses: &[ScriptKeyUse],
    call_keys: Option<&[Key]>,
    span_of: impl Fn(&ScriptKeyUse) -> Span,
) -> Vec<Key> {
    let mut out = Vec::new();
    for u in uses {
        if u.from_keys {
            let Some(k) = keys_index(&u.pattern)
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| call_keys?.get(n))
            else {
                continue;
            };
            out.push(Key {
                pattern: k.pattern.clone(),
                span: span_of(u),
            });
            continue;
        }
        let mentions_keys = u
            .pattern
            .holes()
            .any(|h| h.name.as_deref().is_some_and(|n| n.starts_with("KEYS[")));
        let has_literal = u
            .pattern
            .segments()
            .iter()
            .any(|s| matches!(s, Segment::Lit(b) if !b.is_empty()));
        if mentions_keys || !has_literal {
            continue;
        }
        out.push(Key {
            pattern: u.pattern.clone(),
            span: span_of(u),
        });
    }
    out
}
