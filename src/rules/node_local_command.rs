//! SL008 node-local-command: commands that on a cluster see one node only,
//! or need databases a cluster does not have.

use super::{Context, Rule};
use crate::finding::{Certainty, Finding, Severity};
use crate::model::{Op, Topology};

pub(crate) struct NodeLocalCommand;

impl Rule for NodeLocalCommand {
    fn id(&self) -> &'static str {
        "SL008"
    }
    fn name(&self) -> &'static str {
        "node-local-command"
    }
    fn default_severity(&self) -> Severity {
        Severity::Warning
    }
    fn summary(&self) -> &'static str {
        "SELECT n≠0, KEYS, SCAN, FLUSHALL/FLUSHDB, RANDOMKEY, DBSIZE, MOVE, SWAPDB through a cluster client"
    }
    fn doc(&self) -> &'static str {
        include_str!("../../rules/SL008.md")
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for op in &cx.model.ops {
            let client = cx.model.client(op.client);
            let topology = client.map_or(Topology::Unknown, |c| c.topology);
            if topology == Topology::Standalone {
                continue;
            }
            let Some((message, help)) = explain(op) else {
                continue;
            };
            let mut certainty = if topology == Topology::Cluster {
                Certainty::Proven
            } else {
                Certainty::Likely
            };
            if op.command == "SELECT" && select_db(op).is_none() {
                certainty = Certainty::Possible;
            }
            let mut f = Finding::new(self.id(), Severity::Warning, op.span, message)
                .certainty(certainty)
                .primary_label(format!("`{}`", op.command))
                .help(help);
            if let Some(c) = client.filter(|c| !c.label.is_empty()) {
                f = f.note(format!("through {}", c.label));
            }
            if let Some(t) = cx.options.topology.as_deref() {
                let mut nodes: Vec<String> = t.nodes().iter().map(|n| format!("`{n}`")).collect();
                nodes.sort();
                if nodes.len() > 1 && op.command != "SELECT" {
                    f = f.note(format!(
                        "the configured topology has {} nodes ({}); one call reaches one of them",
                        nodes.len(),
                        nodes.join(", ")
                    ));
                }
            }
            out.push(f);
        }
    }
}

fn select_db(op: &Op) -> Option<i64> {
    let raw = op.args.first()?.value.as_deref()?;
    std::str::from_utf8(raw).ok()?.trim().parse().ok()
}

fn explain(op: &Op) -> Option<(String, &'static str)> {
    const SCAN_HELP: &str = "run it on every primary (the client's per-node iteration), or keep the keys you need in a set under one hash tag";
    Some(match op.command.as_str() {
        "KEYS" | "SCAN" => (
            format!(
                "`{}` on a cluster only sees the keys of the node it reaches",
                op.command
            ),
            SCAN_HELP,
        ),
        "RANDOMKEY" | "DBSIZE" => (
            format!("`{}` on a cluster answers for one node only", op.command),
            SCAN_HELP,
        ),
        "FLUSHALL" | "FLUSHDB" => (
            format!("`{}` on a cluster flushes one node only", op.command),
            "send it to every primary, or delete the key families you own",
        ),
        "SELECT" => match select_db(op) {
            Some(0) => return None,
            Some(n) => (
                format!("`SELECT {n}` fails on a cluster: cluster mode has database 0 only"),
                "use key prefixes or hash tags instead of databases",
            ),
            None => (
                "`SELECT` with a database chosen at run time fails on a cluster unless it is 0"
                    .to_string(),
                "use key prefixes or hash tags instead of databases",
            ),
        },
        "MOVE" | "SWAPDB" => (
            format!(
                "`{}` needs a second database, which cluster mode does not have",
                op.command
            ),
            "use key prefixes or hash tags instead of databases",
        ),
        _ => return None,
    })
}
