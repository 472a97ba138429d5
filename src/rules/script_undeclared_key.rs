//! SL007 script-undeclared-key: a Lua script that hard-codes or builds key
//! names instead of taking them from KEYS, or reads more KEYS than the call passes.

use super::labels::plural;
use super::Context;
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{KeyPattern, Segment};
use crate::model::{Script, ScriptKeyUse};

/// The rule id; its page `rules/SL007.md` says the rest.
pub(crate) const ID: &str = "SL007";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (group, _, script, called) in super::scripts::call_sites(cx) {
        if let (Some(called), Some(name)) = (called, &script.function) {
            check_function_numkeys(group.span, script, name, &called, out);
        }
    }
    for script in &cx.model.scripts {
        check_numkeys(script, out);
        // A script file read by the code is judged in its own file.
        if script.external {
            continue;
        }
        check_global_keys(script, out);
        let from = keys_source(script);
        // A key built once into a local and used many times is one
        // finding where it is built, its uses as labels.
        let mut built: Vec<(crate::model::Span, Finding, usize)> = Vec::new();
        for used in &script.key_uses {
            let Some(mut f) = judge_use(used, &from) else {
                continue;
            };
            if let Some(at) = used.built_at {
                if let Some((_, first, n)) = built.iter_mut().find(|(s, _, _)| *s == at) {
                    *first = first
                        .clone()
                        .label(used.span, format!("used by `{}`", used.command));
                    *n += 1;
                    continue;
                }
                f.span = at;
                f.label = "built here".into();
                f = f.label(used.span, format!("used by `{}`", used.command));
                built.push((at, f, 1));
                continue;
            }
            out.push(decorate(f, script));
        }
        for (_, mut f, n) in built {
            if n > 1 {
                let more = if n == 2 { "use" } else { "uses" };
                f.message = format!("{} (and {} more {more})", f.message, n - 1);
            }
            out.push(decorate(f, script));
        }
    }
}

/// A script finding with what the flags change and, for a script inside
/// a call (EVAL), what the call passes; a script file is the whole file,
/// which needs no label.
fn decorate(mut f: Finding, script: &Script) -> Finding {
    if let Some(note) = flags_note(script) {
        f = f.note(note);
    }
    if let Some(n) = script.numkeys {
        f = f.label(script.span, format!("this script, called with numkeys {n}"));
    }
    f
}

/// How messages name where a script's keys come from.
fn keys_source(script: &Script) -> String {
    match &script.keys_param {
        Some(p) => format!("its `{p}` parameter"),
        None => "KEYS".into(),
    }
}

/// What the script's flags change about a key it was not given.
fn flags_note(script: &Script) -> Option<&'static str> {
    if !script.flags.declared {
        return None;
    }
    Some(if script.flags.has("allow-cross-slot-keys") {
        "its `allow-cross-slot-keys` flag lets it reach keys of other slots, but only on the node that runs it"
    } else {
        "it has flags (a shebang, or a function): a key in another slot than the rest is refused even on the same node"
    })
}

/// A function body reading the global `KEYS`, which functions do not have.
fn check_global_keys(script: &Script, out: &mut Vec<Finding>) {
    let (Some(param), Some(span)) = (&script.keys_param, script.global_keys) else {
        return;
    };
    out.push(
        Finding::new(
            ID,
            Severity::Error,
            span,
            format!("a function reads the global `KEYS`, which functions do not have: its keys are its `{param}` parameter"),
        )
        .primary_label("`KEYS` is not defined in a function")
        .help(format!("read `{param}[n]` instead of `KEYS[n]`"))
        .note("the server fails the call with `Script attempted to access nonexistent global variable 'KEYS'`"),
    );
}

/// An FCALL passing fewer keys than its function reads.
fn check_function_numkeys(
    at: crate::model::Span,
    script: &Script,
    name: &str,
    called: &super::scripts::Called,
    out: &mut Vec<Finding>,
) {
    let (Some(numkeys), Some(max)) = (script.numkeys, called.max_key_index) else {
        return;
    };
    if max <= numkeys {
        return;
    }
    let mut f = too_few_keys(
        at,
        &format!("function `{name}` reads `keys[{max}]`"),
        numkeys,
        max,
        "the arguments",
    )
    .primary_label(format!("called with numkeys {numkeys}"));
    f = match (called.local, called.location.is_empty()) {
        (Some(span), _) => f.label(span, format!("function `{name}` is registered here")),
        (None, false) => f.note(format!(
            "function `{name}` is registered at {}",
            called.location
        )),
        (None, true) => f,
    };
    out.push(f);
}

/// "`reads` but the call passes `numkeys` keys", at `at`.
fn too_few_keys(
    at: crate::model::Span,
    reads: &str,
    numkeys: u32,
    max: u32,
    rest: &str,
) -> Finding {
    Finding::new(
        ID,
        Severity::Error,
        at,
        format!(
            "{reads} but the call passes {}",
            plural(u64::from(numkeys), "key", "keys")
        ),
    )
    .help(format!(
        "pass {max} keys (numkeys {max}) or read the value from {rest}"
    ))
}

fn check_numkeys(script: &Script, out: &mut Vec<Finding>) {
    let (Some(numkeys), Some((max, span))) = (script.numkeys, script.max_key_index) else {
        return;
    };
    if max <= numkeys {
        return;
    }
    out.push(
        too_few_keys(
            span,
            &format!("script reads `KEYS[{max}]`"),
            numkeys,
            max,
            "ARGV",
        )
        .primary_label(format!("`KEYS[{max}]` is nil"))
        .label(script.span, format!("called with numkeys {numkeys}")),
    );
}

fn judge_use(used: &ScriptKeyUse, from: &str) -> Option<Finding> {
    if used.from_keys {
        return None;
    }
    let p = &used.pattern;
    let cmd = &used.command;
    if let Some(lit) = p.as_literal() {
        let key = KeyPattern::literal(lit);
        return Some(
            Finding::new(
                ID,
                Severity::Error,
                used.span,
                format!("script hard-codes key `{key}` for `{cmd}` instead of taking it from {from}"),
            )
            .primary_label("undeclared key")
            .help(if from == "KEYS" {
                format!("pass `{key}` in KEYS and read it as `KEYS[n]`")
            } else {
                format!("pass `{key}` in the call's keys and read it from {from}")
            })
            .note("a cluster routes a script by its KEYS; a key it was not given fails when it lives on another node"),
        );
    }
    // A bare variable of unknown origin may well hold a KEYS value (a loop
    // over KEYS): only keys the script visibly builds, or takes from ARGV,
    // are judged.
    let has_literal = p.segments().iter().any(|s| matches!(s, Segment::Lit(_)));
    let from_argv = p
        .holes()
        .any(|h| h.name.as_deref().is_some_and(|n| n.starts_with("ARGV[")));
    if !has_literal && !from_argv {
        return None;
    }
    let from_keys_part = p
        .holes()
        .any(|h| h.name.as_deref().is_some_and(|n| n.starts_with("KEYS[")));
    // A key that starts with a value from outside (`ARGV[1] .. 'lock'`,
    // a prefix variable) takes its hash tag from that value: the caller
    // may well pass a prefix tagged like the KEYS (`bull:{queue}:`).
    let outside_start = match p
        .segments()
        .iter()
        .find(|s| !matches!(s, Segment::Lit(b) if b.is_empty()))
    {
        Some(Segment::Hole(h)) => h.name.clone().filter(|n| !n.starts_with("KEYS[")),
        _ => None,
    };
    let finding = if let (Some(start), false) = (&outside_start, from_keys_part) {
        let what = if has_literal {
            format!("script builds key `{p}` for `{cmd}` from `{start}` instead of taking it from {from}")
        } else {
            format!("script uses `{start}` as a key for `{cmd}` instead of taking it from {from}")
        };
        Finding::new(ID, Severity::Warning, used.span, what)
            .certainty(Certainty::Possible)
            .note(format!(
                "a cluster routes a script by its KEYS: this works only when `{start}` carries the hash tag of the script's KEYS (a key prefix such as `app:{{queue}}:` does)"
            ))
    } else if from_keys_part {
        Finding::new(
            ID,
            Severity::Warning,
            used.span,
            format!("script builds key `{p}` for `{cmd}` from a KEYS value instead of taking it from {from}"),
        )
        .certainty(Certainty::Possible)
        .note("it stays in the declared key's slot only when that key carries a hash tag the suffix keeps")
    } else {
        Finding::new(
            ID,
            Severity::Error,
            used.span,
            if has_literal {
                format!("script builds key `{p}` for `{cmd}` instead of taking it from {from}")
            } else {
                let name = p.holes().find_map(|h| h.name.as_deref()).unwrap_or("ARGV");
                format!("script uses `{name}` as a key for `{cmd}` instead of taking it from {from}")
            },
        )
        .certainty(Certainty::Likely)
        .note("a cluster routes a script by its KEYS; a key it was not given fails when it lives on another node")
    };
    Some(
        finding
            .primary_label("key built inside the script")
            .help("build the key in the caller and pass it in KEYS"),
    )
}
