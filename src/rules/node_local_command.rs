//! SL008 node-local-command: commands that on a cluster see one node only,
//! and what cluster mode refuses outright (one table, [`REFUSALS`]: other
//! databases, SORT's BY/GET patterns).

use super::Context;
use crate::finding::{Certainty, Finding, Severity};
use crate::model::{Op, Span, Topology};

/// The rule id; its page `rules/SL008.md` says the rest.
pub(crate) const ID: &str = "SL008";

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for op in &cx.model.ops {
        let client = cx.model.client(op.client);
        let topology = client.map_or(Topology::Unknown, |c| c.topology);
        if topology == Topology::Standalone {
            continue;
        }
        let certainty = if topology == Topology::Cluster {
            Certainty::Proven
        } else {
            Certainty::Likely
        };
        let refusals = REFUSALS
            .iter()
            .filter(|r| r.commands.contains(&op.command.as_str()));
        for refusal in refusals {
            for r in (refusal.judge)(op) {
                let certainty = if r.unsure {
                    Certainty::Possible
                } else {
                    certainty
                };
                let span = r.span.unwrap_or(op.span);
                let mut f = Finding::new(ID, r.severity, span, r.message)
                    .certainty(certainty)
                    .primary_label(format!("`{}`", op.command))
                    .help(r.help)
                    .note(format!("the server answers `{}`", r.reply));
                if let Some(c) = client.filter(|c| !c.label.is_empty()) {
                    f = f.note(format!("through {}", c.label));
                }
                out.push(f);
            }
        }
        let Some((message, help)) = explain(op) else {
            continue;
        };
        let mut f = Finding::new(ID, Severity::Warning, op.span, message)
            .certainty(certainty)
            .primary_label(format!("`{}`", op.command))
            .help(help);
        if let Some(c) = client.filter(|c| !c.label.is_empty()) {
            f = f.note(format!("through {}", c.label));
        }
        if let Some(t) = cx.options.topology.as_deref() {
            let mut nodes: Vec<String> = t.nodes().iter().map(|n| format!("`{n}`")).collect();
            nodes.sort();
            if nodes.len() > 1 {
                f = f.note(format!(
                    "the configured topology has {} nodes ({}); one call reaches one of them",
                    nodes.len(),
                    nodes.join(", ")
                ));
            }
        }
        out.push(f);
    }
    check_scripts(cx, out);
}

/// `KEYS`, `SCAN` and the like called inside a script: a script runs on
/// the node of its keys and sees that node only.
fn check_scripts(cx: &Context<'_>, out: &mut Vec<Finding>) {
    // A script file read by the code is judged in its own file.
    for script in cx.model.scripts.iter().filter(|s| !s.external) {
        for call in &script.calls {
            let Some((_, help)) = explain_command(&call.command) else {
                continue;
            };
            let message = format!(
                "`{}` inside a script sees only the node the script runs on",
                call.command
            );
            out.push(
                Finding::new(ID, Severity::Warning, call.span, message)
                    .certainty(Certainty::Likely)
                    .primary_label(format!("`{}` in a script", call.command))
                    .help(help)
                    .note("on a cluster a script runs on the node that serves its keys; the rest of the key space is on other nodes"),
            );
        }
    }
}

fn select_db(op: &Op) -> Option<i64> {
    let raw = op.args.first()?.value.as_deref()?;
    std::str::from_utf8(raw).ok()?.trim().parse().ok()
}

fn explain(op: &Op) -> Option<(String, &'static str)> {
    explain_command(&op.command)
}

fn explain_command(command: &str) -> Option<(String, &'static str)> {
    const SCAN_HELP: &str = "run it on every primary (the client's per-node iteration), or keep the keys you need in a set under one hash tag";
    Some(match command {
        "KEYS" | "SCAN" => (
            format!("`{command}` on a cluster only sees the keys of the node it reaches"),
            SCAN_HELP,
        ),
        "RANDOMKEY" | "DBSIZE" => (
            format!("`{command}` on a cluster answers for one node only"),
            SCAN_HELP,
        ),
        "FLUSHALL" | "FLUSHDB" => (
            format!("`{command}` on a cluster flushes one node only"),
            "send it to every primary, or delete the key families you own",
        ),
        _ => return None,
    })
}

const DB_HELP: &str = "use key prefixes or hash tags instead of databases";

/// One thing cluster mode refuses, as the server source lists it.
struct Refusal {
    commands: &'static [&'static str],
    /// What the command's op is refused for (none when it is not).
    judge: fn(&Op) -> Vec<Refused>,
}

/// One refusal of one op.
pub(super) struct Refused {
    pub(super) severity: Severity,
    pub(super) message: String,
    pub(super) help: String,
    /// The server's reply in cluster mode.
    pub(super) reply: &'static str,
    /// Where, when not the whole op (a SORT pattern).
    pub(super) span: Option<Span>,
    /// The verdict depends on what the analyzer cannot see (a pattern or a
    /// database known only at run time).
    pub(super) unsure: bool,
}

/// What cluster mode refuses (Redis 7.0, Valkey 8): `SELECT` of another
/// database, `MOVE`, `COPY … DB n`, `SWAPDB`, and SORT's BY/GET patterns that
/// may name keys of other slots.
const REFUSALS: &[Refusal] = &[
    Refusal {
        commands: &["SELECT"],
        judge: select,
    },
    Refusal {
        commands: &["MOVE", "SWAPDB"],
        judge: other_db,
    },
    Refusal {
        commands: &["COPY"],
        judge: copy_db,
    },
    Refusal {
        commands: &["SORT", "SORT_RO"],
        judge: super::sort_patterns::judge,
    },
];

fn db_refused(message: String, reply: &'static str, unsure: bool) -> Vec<Refused> {
    vec![Refused {
        severity: Severity::Warning,
        message,
        help: DB_HELP.into(),
        reply,
        span: None,
        unsure,
    }]
}

fn select(op: &Op) -> Vec<Refused> {
    const REPLY: &str = "ERR SELECT is not allowed in cluster mode";
    match select_db(op) {
        Some(0) => Vec::new(),
        Some(n) => db_refused(
            format!("`SELECT {n}` fails on a cluster: cluster mode has database 0 only"),
            REPLY,
            false,
        ),
        None => db_refused(
            "`SELECT` with a database chosen at run time fails on a cluster unless it is 0".into(),
            REPLY,
            true,
        ),
    }
}

fn other_db(op: &Op) -> Vec<Refused> {
    let reply = if op.command == "MOVE" {
        "ERR MOVE is not allowed in cluster mode"
    } else {
        "ERR SWAPDB is not allowed in cluster mode"
    };
    db_refused(
        format!(
            "`{}` needs a second database, which cluster mode does not have",
            op.command
        ),
        reply,
        false,
    )
}

/// `COPY src dst DB n`: another database than 0 is refused.
fn copy_db(op: &Op) -> Vec<Refused> {
    let Some(i) = op.args.iter().position(|a| {
        a.value
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case(b"DB"))
    }) else {
        return Vec::new();
    };
    let db = op.args.get(i + 1).and_then(|a| a.value.as_deref());
    let n: Option<i64> = db.and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok());
    let reply = "ERR Copying to another database is not allowed in cluster mode";
    match n {
        Some(0) => Vec::new(),
        Some(n) => db_refused(
            format!("`COPY … DB {n}` fails on a cluster: cluster mode has database 0 only"),
            reply,
            false,
        ),
        None => db_refused(
            "`COPY … DB` with a database chosen at run time fails on a cluster unless it is 0"
                .into(),
            reply,
            true,
        ),
    }
}
