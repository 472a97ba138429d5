//! SL013 script-flag-violation: a script or function whose flags the server
//! refuses or its body or call contradicts: `no-cluster` called on a
//! cluster, `no-writes` with write commands inside, a script that may write
//! called through `EVAL_RO`/`EVALSHA_RO`/`FCALL_RO`, a flag or shebang option the
//! server does not know.

use super::scripts::{call_sites, writes, Called};
use super::Context;
use crate::finding::{Certainty, Finding, Severity};
use crate::model::{Op, Script, Topology};

/// The rule id; its page `rules/SL013.md` says the rest.
pub(crate) const ID: &str = "SL013";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for lib in &cx.model.libraries {
        for (message, span) in &lib.invalid {
            out.push(
                Finding::new(
                    ID,
                    Severity::Error,
                    *span,
                    format!("FUNCTION LOAD refuses this library: `{message}`"),
                )
                .primary_label("refused by the server")
                .help("write the first line as `#!lua name=<library>` and register each function with `redis.register_function`"),
            );
        }
    }
    for (i, script) in cx.model.scripts.iter().enumerate() {
        let what = cx.model.function_of(i).map_or_else(
            || "the script".to_string(),
            |f| format!("function `{}`", f.name),
        );
        check_body(script, &what, out);
    }
    for (group, op, _, called) in call_sites(cx) {
        let Some(called) = called else { continue };
        let topology = cx
            .model
            .client(group.client)
            .map_or(Topology::Unknown, |c| c.topology);
        check_call(op, group.span, &called, topology, out);
    }
}

const READ_ONLY_WRITE: &str = "Write commands are not allowed from read-only scripts";

/// What is wrong in the script itself, whoever calls it.
fn check_body(script: &Script, what: &str, out: &mut Vec<Finding>) {
    for (message, span) in &script.flags.invalid {
        let known = crate::model::SCRIPT_FLAGS.join(", ");
        out.push(
            Finding::new(
                ID,
                Severity::Error,
                *span,
                format!("the server refuses {what}: `{message}`"),
            )
            .primary_label("refused by the server")
            .help(format!(
                "script flags are {known}; EVAL's shebang takes `#!lua flags=…` only"
            )),
        );
    }
    if !(script.flags.declared && script.flags.has("no-writes")) {
        return;
    }
    for (command, span) in writes(script) {
        let Some(span) = span else { continue };
        out.push(
            Finding::new(
                ID,
                Severity::Error,
                span,
                format!("`{command}` writes, but {what} is flagged `no-writes`"),
            )
            .primary_label("a write in a read-only script")
            .help("drop the `no-writes` flag, or move the write out of the script")
            .note(format!("the server refuses the command: `{READ_ONLY_WRITE}`"))
            .notes(script.flags.span.map(|_| "flags are read from the shebang (`#!lua flags=…`) or the function's registration".to_string())),
        );
    }
}

fn check_call(
    op: &Op,
    at: crate::model::Span,
    called: &Called,
    topology: Topology,
    out: &mut Vec<Finding>,
) {
    let cmd = op.command.as_str();
    let what = &called.name;
    let flags = &called.flags;
    let defined = |f: Finding| match (called.local, called.location.is_empty()) {
        (Some(span), _) => f.label(span, format!("{what} is registered here")),
        (None, false) => f.note(format!("{what} is registered at {}", called.location)),
        (None, true) => f,
    };
    if flags.declared && flags.has("no-cluster") && topology != Topology::Standalone {
        let certainty = if topology == Topology::Cluster {
            Certainty::Proven
        } else {
            Certainty::Likely
        };
        let f = Finding::new(
            ID,
            Severity::Error,
            at,
            format!("`{cmd}` runs {what} flagged `no-cluster`: a cluster refuses to run it"),
        )
        .certainty(certainty)
        .primary_label("refused on a cluster")
        .help("drop the `no-cluster` flag once the script keeps to its declared keys, or run it on a single-node server")
        .note("the server answers `Can not run script on cluster, 'no-cluster' flag is set`");
        out.push(defined(f));
    }
    if !cmd.ends_with("_RO") {
        return;
    }
    if flags.declared && !flags.has("no-writes") && flags.known {
        let f = Finding::new(
            ID,
            Severity::Error,
            at,
            format!("`{cmd}` runs {what} not flagged `no-writes`: the server refuses it"),
        )
        .primary_label("a script that may write, called read-only")
        .help(format!("flag it `no-writes` (it may then not write), or call it with `{}`", cmd.trim_end_matches("_RO")))
        .note("the server answers `Can not execute a script with write flag using *_ro command`: a script with flags may write unless it says `no-writes`");
        out.push(defined(f));
    } else if !flags.declared {
        if let Some((command, span)) = called.writes.first() {
            let mut f = Finding::new(
                ID,
                Severity::Error,
                at,
                format!("`{cmd}` runs {what} that writes (`{command}`): the write fails"),
            )
            .certainty(Certainty::Likely)
            .primary_label("a writing script, called read-only")
            .help(format!(
                "call it with `{}`, or drop the write",
                cmd.trim_end_matches("_RO")
            ))
            .note(format!(
                "a read-only call refuses every write the script makes: `{READ_ONLY_WRITE}`"
            ));
            if let (Some(span), true) = (span, called.in_file) {
                f = f.label(*span, format!("`{command}` writes"));
            }
            out.push(defined(f));
        }
    }
}
