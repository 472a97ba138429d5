//! Pipelines and transactions: `r.pipeline(transaction=…)` and the calls
//! queued on it, `execute()`, `multi()`/`watch()`, `r.transaction(fn, *watches)`.
//! The builder makes their groups.

use tree_sitter::Node;

use super::calls::Args;
use super::clients::Shape;
use super::value::{Py, Val};
use super::Cx;
use crate::model::GroupKind;

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
                self.m.execute(p);
                return Val::Unknown;
            }
            "multi" => self.m.multi(p),
            "reset" | "discard" => self.m.discard(p),
            "unwatch" => self.m.unwatch(p),
            _ => {
                let client = self.m.pipes.get(p).and_then(|x| x.client);
                self.redis_method(client, Some(p), method, node, args);
            }
        }
        Val::Pipeline(p)
    }

    pub(super) fn new_pipe(
        &mut self,
        client: Option<usize>,
        node: Node<'a>,
        transaction: bool,
    ) -> usize {
        let kind = if transaction {
            GroupKind::TxPipeline
        } else {
            GroupKind::Pipeline
        };
        self.m.new_pipe(client, self.span(node), kind)
    }

    pub(super) fn queue(&mut self, pipe: Option<usize>, op: Option<usize>, command: &str) {
        self.m.queue::<Py>(pipe, op, command);
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
                "identifier" => self
                    .md()
                    .funcs
                    .get(self.text(f))
                    .copied()
                    .map(|d| (self.cur, d, None)),
                "attribute" if self.text(f).starts_with("self.") => {
                    let m = &self.text(f)[5..];
                    self.class
                        .clone()
                        .and_then(|c| self.method(&c, m))
                        .map(|(c, d)| (c.module, d, Some(c)))
                }
                _ => None,
            };
            if let Some((module, def, class)) = def {
                let fargs = Args {
                    pos: vec![Val::Pipeline(p)],
                    pos_nodes: vec![f],
                    star: vec![false],
                    ..Args::default()
                };
                self.call_function(node, module, def, class, &fargs);
            }
        }
        self.m.multi(p);
        self.m.execute(p);
        Val::Unknown
    }
}
