//! Ops and groups: a command's keys from its flattened arguments (where the
//! key specs say), script calls (`eval`, `defineCommand`), pipelines in loops.

use tree_sitter::Node;

use super::calls::{flatten, Flat};
use super::value::{instance, varies_with, Literal, Val};
use super::Cx;
use crate::commands;
use crate::lang::lua;
use crate::model::{Arg, Group, GroupKind, Key, Op, Script};

impl<'a> Cx<'a> {
    /// `eval(script, numkeys, …)` (ioredis) or `eval(script, { keys, arguments })` (node-redis).
    #[allow(clippy::single_match_else)]
    pub(super) fn eval_call(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        method: &str,
        node: Node<'a>,
        args: &[Flat<'a>],
    ) {
        let command = match method.to_ascii_lowercase().as_str() {
            "eval" => "EVAL",
            "evalro" | "eval_ro" => "EVAL_RO",
            "evalsharo" | "evalsha_ro" => "EVALSHA_RO",
            "fcall" => "FCALL",
            "fcallro" | "fcall_ro" => "FCALL_RO",
            _ => "EVALSHA",
        };
        let Some((first, first_node)) = args.first() else {
            return;
        };
        let lit = match first {
            Val::Str(_, Some(l)) if command == "EVAL" || command == "EVAL_RO" => {
                Some((**l).clone())
            }
            _ => None,
        };
        let span = Self::span(*first_node);
        match args.get(1) {
            Some((Val::Obj(props), _)) => {
                let keys = props
                    .iter()
                    .find(|(k, _)| k == "keys")
                    .map(|(_, v)| v.clone());
                let (flat, count) = match keys {
                    Some(Val::List(items)) => {
                        let n = u32::try_from(items.len()).ok();
                        let at = args[1].1;
                        let f = flatten(&items.into_iter().map(|v| (v, at)).collect::<Vec<_>>());
                        let n = n.filter(|_| !f.iter().any(|(v, _)| matches!(v, Val::Family(..))));
                        (f, n)
                    }
                    None => (Vec::new(), Some(0)),
                    Some(_) => (Vec::new(), None),
                };
                let n = count.unwrap_or(0);
                self.script_call(
                    client,
                    pipe,
                    command,
                    node,
                    lit.as_ref(),
                    span,
                    Some(n).filter(|_| count.is_some()),
                    &flat,
                    Some(flat.len()),
                );
            }
            _ => {
                let flat = flatten(&args[1..]);
                let numkeys = flat.first().and_then(|(v, _)| match v {
                    Val::Num(n) => u32::try_from(*n).ok(),
                    _ => None,
                });
                let tail: Vec<Flat<'a>> = flat.iter().skip(1).cloned().collect();
                self.script_call(
                    client,
                    pipe,
                    command,
                    node,
                    lit.as_ref(),
                    span,
                    numkeys,
                    &tail,
                    None,
                );
            }
        }
        lua::name_fcall(
            &mut self.out.model,
            command,
            first.literal_bytes().as_deref(),
        );
    }

    /// `functionLoad(code)` (node-redis), `function('LOAD', [REPLACE,] code)`
    /// (ioredis): the library, when its text is a literal.
    pub(super) fn function_load(&mut self, args: &[Flat<'a>]) {
        if !self.recording {
            return;
        }
        // The code is the last argument (`REPLACE` may come before it).
        if let Some((Val::Str(_, Some(l)), _)) = args.last() {
            lua::load_library(
                &mut self.out.model,
                &mut self.out.problems,
                &l.bytes,
                &l.offsets,
            );
        }
    }

    /// A script call: its first `numkeys` arguments are keys.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn script_call(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        command: &str,
        node: Node<'a>,
        lit: Option<&Literal>,
        script_span: crate::model::Span,
        numkeys: Option<u32>,
        rest: &[Flat<'a>],
        key_count: Option<usize>,
    ) {
        if !self.recording {
            return;
        }
        let n = key_count
            .or(numkeys.and_then(|n| usize::try_from(n).ok()))
            .unwrap_or(0);
        let determinate = rest
            .iter()
            .take(n)
            .all(|(v, _)| !matches!(v, Val::Family(..)));
        let keys: Vec<Key> = if determinate {
            rest.iter()
                .take(n)
                .map(|(v, at)| self.key(v, *at))
                .collect()
        } else {
            Vec::new()
        };
        let numkeys = numkeys.filter(|_| determinate);
        let script = match lit {
            Some(l) => {
                let analysis = lua::analyze_full(&l.bytes, &l.offsets);
                self.out.problems.extend(analysis.problems);
                Script {
                    numkeys,
                    ..analysis.script
                }
            }
            None => Script {
                span: script_span,
                numkeys,
                ..Script::default()
            },
        };
        self.out.model.scripts.push(script);
        let s = self.out.model.scripts.len() - 1;
        let op = self.push_op(command, node, keys, Vec::new(), client);
        if let Some(p) = pipe {
            self.queue(p, op);
        }
        self.out.model.groups.push(Group {
            kind: GroupKind::Script,
            span: Self::span(node),
            ops: vec![op],
            script: Some(s),
            client,
            per_slot: false,
            assumption: None,
        });
    }

    pub(super) fn key(&self, v: &Val, at: Node<'_>) -> Key {
        Key {
            pattern: v.key_pattern(self.text(at)),
            span: Self::span(at),
        }
    }

    /// An op from flattened arguments: the keys where the command's key specs say.
    pub(super) fn emit(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        name: &str,
        node: Node<'a>,
        flat: &[Flat<'a>],
    ) {
        if !self.recording {
            return;
        }
        let mut argv: Vec<Vec<u8>> = name.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        let words = argv.len();
        argv.extend(
            flat.iter()
                .map(|(v, _)| v.literal_bytes().unwrap_or_else(|| b"x".to_vec())),
        );
        let positions: Vec<usize> = commands::key_positions(&argv)
            .map(|k| k.indices().collect())
            .unwrap_or_default();
        let mut keys = Vec::new();
        let mut extra = Vec::new();
        for (i, (v, at)) in flat.iter().enumerate() {
            if positions.contains(&(i + words)) {
                keys.push(self.key(v, *at));
            } else {
                extra.push(Arg {
                    value: v.literal_bytes(),
                    span: Self::span(*at),
                });
            }
        }
        let op = self.push_op(name, node, keys, extra, client);
        if let Some(p) = pipe {
            self.queue(p, op);
        }
    }

    pub(super) fn push_op(
        &mut self,
        name: &str,
        node: Node<'a>,
        keys: Vec<Key>,
        args: Vec<Arg>,
        client: Option<usize>,
    ) -> usize {
        self.out.model.ops.push(Op {
            command: name.to_string(),
            span: Self::span(node),
            keys,
            args,
            client,
        });
        self.out.model.ops.len() - 1
    }

    /// Adds an op to a pipeline; inside a loop the pipeline was made outside
    /// of, the op stands for one per turn: two instances whose loop-bound
    /// holes differ.
    pub(super) fn queue(&mut self, p: usize, op: usize) {
        let Some(level) = self.pipes.get(p).map(|x| x.loop_level) else {
            return;
        };
        let vars: Vec<String> = self.loop_vars.get(level..).unwrap_or(&[]).to_vec();
        let varies = !vars.is_empty()
            && self.out.model.ops[op]
                .keys
                .iter()
                .any(|k| varies_with(&k.pattern, &vars));
        if varies {
            let mut second = self.out.model.ops[op].clone();
            for k in &mut self.out.model.ops[op].keys {
                k.pattern = instance(&k.pattern, &vars, 1);
            }
            for k in &mut second.keys {
                k.pattern = instance(&k.pattern, &vars, 2);
            }
            self.out.model.ops.push(second);
            let op2 = self.out.model.ops.len() - 1;
            if let Some(pipe) = self.pipes.get_mut(p) {
                pipe.ops.push(op);
                pipe.ops.push(op2);
            }
        } else if let Some(pipe) = self.pipes.get_mut(p) {
            pipe.ops.push(op);
        }
    }
}
