//! Pipelines and transactions: `r.pipeline(transaction=…)` and the calls
//! queued on it, `execute()`, `multi()`/`watch()`, `r.transaction(fn, *watches)`,
//! and the groups they make.

use tree_sitter::Node;

use super::calls::Args;
use super::clients::Shape;
use super::value::Val;
use super::{Cx, Pipe};
use crate::model::{Group, GroupKind, Span};

impl<'a> Cx<'a> {
    pub(super) fn pipeline_method(
        &mut self,
        p: usize,
        method: &str,
        node: Node<'a>,
        args: &Args<'a>,
    ) -> Val {
        match method {
            "execute" | "exec" => {
                self.execute_pipe(p, Some(Self::span(node)));
                Val::Unknown
            }
            "multi" => {
                if let Some(pipe) = self.pipes.get_mut(p) {
                    pipe.kind = GroupKind::TxPipeline;
                    pipe.immediate = false;
                }
                Val::Pipeline(p)
            }
            "reset" | "discard" => {
                if let Some(pipe) = self.pipes.get_mut(p) {
                    pipe.ops.clear();
                    pipe.watch_ops.clear();
                }
                Val::Pipeline(p)
            }
            "unwatch" => {
                if let Some(pipe) = self.pipes.get_mut(p) {
                    pipe.watch_ops.clear();
                    pipe.immediate = false;
                }
                Val::Pipeline(p)
            }
            _ => {
                let client = self.pipes.get(p).and_then(|x| x.client);
                self.redis_method(client, Some(p), method, node, args);
                Val::Pipeline(p)
            }
        }
    }

    /// Emits the group(s) of a pipeline's queued ops and empties it.
    pub(super) fn execute_pipe(&mut self, p: usize, _at: Option<Span>) {
        let Some(pipe) = self.pipes.get_mut(p) else {
            return;
        };
        let ops = std::mem::take(&mut pipe.ops);
        let watch = std::mem::take(&mut pipe.watch_ops);
        pipe.immediate = false;
        let (kind, span, client) = (pipe.kind, pipe.span, pipe.client);
        if !self.recording || ops.is_empty() {
            return;
        }
        self.out.model.groups.push(Group {
            kind,
            span,
            ops: ops.clone(),
            script: None,
            client,
        });
        let watched = watch.iter().any(|&i| {
            self.out
                .model
                .ops
                .get(i)
                .is_some_and(|o| o.command == "WATCH")
        });
        if watched && kind == GroupKind::TxPipeline {
            let mut all = watch;
            all.extend(ops);
            self.out.model.groups.push(Group {
                kind: GroupKind::Watch,
                span,
                ops: all,
                script: None,
                client,
            });
        }
    }

    pub(super) fn new_pipe(
        &mut self,
        client: Option<usize>,
        node: Node<'a>,
        transaction: bool,
    ) -> usize {
        self.pipes.push(Pipe {
            client,
            kind: if transaction {
                GroupKind::TxPipeline
            } else {
                GroupKind::Pipeline
            },
            span: Self::span(node),
            ops: Vec::new(),
            watch_ops: Vec::new(),
            immediate: false,
        });
        self.pipes.len() - 1
    }

    pub(super) fn queue(&mut self, pipe: Option<usize>, op: Option<usize>, command: &str) {
        let (Some(p), Some(op)) = (pipe, op) else {
            return;
        };
        let Some(pipe) = self.pipes.get_mut(p) else {
            return;
        };
        if command == "WATCH" {
            pipe.watch_ops.push(op);
            pipe.immediate = true;
        } else if pipe.immediate {
            pipe.watch_ops.push(op);
        } else {
            pipe.ops.push(op);
        }
    }

    /// `r.transaction(func, *watches)`: WATCH the keys, run `func(pipe)`, EXEC.
    pub(super) fn transaction(
        &mut self,
        client: Option<usize>,
        node: Node<'a>,
        args: &Args<'a>,
    ) -> Val {
        let p = self.new_pipe(client, node, true);
        if args.pos.len() > 1 {
            let watch_args = Args {
                pos: args.pos[1..].to_vec(),
                pos_nodes: args.pos_nodes[1..].to_vec(),
                star: args.star[1..].to_vec(),
                ..Args::default()
            };
            let (keys, _) = self.keys_of(Shape::All, &watch_args);
            let op = self.emit_op("WATCH", node, keys, Vec::new(), &Args::default(), client);
            self.queue(Some(p), op, "WATCH");
        }
        if let Some(f) = args.pos_nodes.first().copied() {
            let def = match f.kind() {
                "identifier" => self.funcs.get(self.text(f)).copied().map(|d| (d, None)),
                "attribute" if self.text(f).starts_with("self.") => {
                    let m = &self.text(f)[5..];
                    self.class
                        .clone()
                        .and_then(|c| self.method(&c, m))
                        .map(|(c, d)| (d, Some(c)))
                }
                _ => None,
            };
            if let Some((def, class)) = def {
                let fargs = Args {
                    pos: vec![Val::Pipeline(p)],
                    pos_nodes: vec![f],
                    star: vec![false],
                    ..Args::default()
                };
                self.call_function(node, def, class, &fargs);
            }
        }
        if let Some(pipe) = self.pipes.get_mut(p) {
            pipe.kind = GroupKind::TxPipeline;
            pipe.immediate = false;
        }
        self.execute_pipe(p, None);
        Val::Unknown
    }
}
