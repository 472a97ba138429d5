//! Redis commands: methods of clients and pipelines (ops), `pipeline()` /
//! `multi()` / `exec()` (groups), `defineCommand` and the commands it
//! makes, raw commands (`call`, `sendCommand`, the array forms of
//! `multi`/`pipeline`), and arguments as ioredis flattens them.

use tree_sitter::Node;

use super::clients::{self, ClientKind};
use super::scripts::{Run, To};
use super::value::{Elem, Js, Val};
use super::{Cx, Defined};
use crate::commands;
use crate::lang::value::instance;
use crate::model::{GroupKind, Span};

impl<'a> Cx<'a> {
    /// A receiver the analyzer has no value for: a client by its name
    /// (`this.redis`, `cluster`), or nothing.
    pub(super) fn unknown_receiver(
        &mut self,
        obj: Node<'a>,
        method: &str,
        node: Node<'a>,
        args: &[Elem],
    ) -> Val {
        let obj_text = self.text(obj);
        let looks_redis = method_is_redis(method) || self.defined.contains_key(method);
        if looks_redis {
            let (ioredis, node_redis) = self.libs_near(self.cur);
            if let Some(kind) = clients::from_name(obj_text, ioredis, node_redis) {
                let kind = match kind {
                    clients::UNKNOWN if self.cluster_aware => clients::CLUSTER_CHECKED,
                    // Sentinel serves standalone masters and replicas.
                    clients::UNKNOWN if self.md().says.sentinel => clients::STANDALONE,
                    kind => kind,
                };
                let c = self.named_client(kind, Some(obj_text));
                return self.client_method(c, method, node, args);
            }
        }
        self.run_callbacks(args, None);
        Val::Unknown
    }

    fn kind_of(&self, client: usize) -> ClientKind {
        self.m.kind(Some(client)).unwrap_or(clients::UNKNOWN)
    }

    pub(super) fn client_method(
        &mut self,
        client: usize,
        method: &str,
        node: Node<'a>,
        args: &[Elem],
    ) -> Val {
        match method {
            "pipeline" | "multi" | "batch" => {
                let kind = if method == "multi" {
                    GroupKind::TxPipeline
                } else {
                    GroupKind::Pipeline
                };
                let p = self.new_pipe(Some(client), kind, node);
                if let Some(Elem {
                    val: Val::List(cmds),
                    span,
                    text,
                }) = args.first()
                {
                    let to = To {
                        client: Some(client),
                        pipe: Some(p),
                    };
                    for cmd in cmds {
                        // A command pushed in a loop stands for one per turn.
                        let (parts, vars) = match &cmd.val {
                            Val::List(parts) => (parts, &[][..]),
                            Val::Family(inner, vars) => match &**inner {
                                Val::List(parts) => (parts, &vars[..]),
                                _ => continue,
                            },
                            _ => continue,
                        };
                        let level = self.m.loop_vars.len();
                        self.m.loop_vars.extend(vars.iter().cloned());
                        let words = at(parts.iter().map(|e| e.val.clone()), *span, text);
                        self.raw_command(to, &words, cmd.span);
                        self.m.loop_vars.truncate(level);
                    }
                }
                Val::Pipeline(p)
            }
            "nodes" => Val::Ext(Js::Nodes(client)),
            // `script('load', text)`, `scriptLoad(text)`: the digest, with its text.
            "script" | "scriptLoad"
                if method == "scriptLoad"
                    || args
                        .first()
                        .and_then(|a| a.val.literal_bytes())
                        .is_some_and(|w| w.eq_ignore_ascii_case(b"load")) =>
            {
                let text = args.get(usize::from(method == "script"));
                let sha = match text.map(|a| &a.val) {
                    Some(Val::Str(_, Some(lit))) => Val::Ext(Js::Sha(Some(lit.clone()), false)),
                    Some(Val::Ext(Js::File(lit))) => Val::Ext(Js::Sha(Some(lit.clone()), true)),
                    _ => Val::Ext(Js::Sha(None, false)),
                };
                self.run_callbacks(args, Some(&[Val::Unknown, sha.clone()]));
                sha
            }
            "duplicate" => Val::Client(client),
            "defineCommand" => {
                self.define(node, args);
                Val::Unknown
            }
            _ => {
                let to = To {
                    client: Some(client),
                    pipe: None,
                };
                self.command(to, method, node, args);
                self.run_callbacks(args, None);
                Val::Unknown
            }
        }
    }

    pub(super) fn pipe_method(
        &mut self,
        p: usize,
        method: &str,
        node: Node<'a>,
        args: &[Elem],
    ) -> Val {
        match method {
            "exec" | "execBuffer" => {
                self.execute_pipe(p);
                Val::Unknown
            }
            "execAsPipeline" => {
                if let Some(pipe) = self.m.pipes.get_mut(p) {
                    pipe.kind = GroupKind::Pipeline;
                }
                self.execute_pipe(p);
                Val::Unknown
            }
            "discard" => {
                self.m.discard(p);
                if let Some(pipe) = self.m.pipes.get_mut(p) {
                    pipe.done = true;
                }
                Val::Unknown
            }
            _ => {
                let client = self.m.pipes.get(p).and_then(|x| x.client);
                self.command(
                    To {
                        client,
                        pipe: Some(p),
                    },
                    method,
                    node,
                    args,
                );
                Val::Pipeline(p)
            }
        }
    }

    fn new_pipe(&mut self, client: Option<usize>, kind: GroupKind, node: Node<'a>) -> usize {
        let p = self.m.new_pipe(client, self.span(node), kind);
        self.m.pipes[p].per_slot = self.per_slot;
        p
    }

    /// Emits a pipeline's group; it takes no commands after.
    pub(super) fn execute_pipe(&mut self, p: usize) {
        self.m.execute(p);
        if let Some(pipe) = self.m.pipes.get_mut(p) {
            pipe.done = true;
        }
    }

    /// `defineCommand('name', { numberOfKeys: 2, lua: '…' })`.
    fn define(&mut self, node: Node<'a>, args: &[Elem]) {
        let (Some(name), Some(props)) = (args.first(), args.get(1)) else {
            return;
        };
        let Some(name) = name.val.literal_bytes() else {
            // A loader: `name-3.lua` files of a directory the code lists.
            let span = self.span(node);
            self.define_listed(span);
            return;
        };
        if !matches!(props.val, Val::Map(_)) {
            return;
        }
        let numkeys = match props.val.prop("numberOfKeys") {
            Some(Val::Int(n)) => u32::try_from(*n).ok(),
            _ => None,
        };
        let (lua, file) = match props.val.prop("lua") {
            Some(Val::Str(_, Some(lit))) => (Some((**lit).clone()), false),
            Some(Val::Ext(Js::File(lit))) => (Some((**lit).clone()), true),
            _ => (None, false),
        };
        self.defined.insert(
            String::from_utf8_lossy(&name).into_owned(),
            Defined {
                numkeys,
                lua,
                file,
                span: props.span,
            },
        );
    }

    /// A command method on a client or pipeline: an op (or a script call).
    fn command(&mut self, to: To, method: &str, node: Node<'a>, args: &[Elem]) {
        if let Some(d) = self.defined.get(method).cloned() {
            let run = Run {
                command: "EVALSHA",
                lit: d.lua.as_ref(),
                file: d.file,
                span: d.span,
                numkeys: d.numkeys,
            };
            let flat = flatten(args);
            let span = self.span(node);
            self.script_call(to, span, &run, super::scripts::keys(&flat, None, d.numkeys));
            return;
        }
        match method {
            "call" | "send_command" | "callBuffer" => {
                let (span, text) = args.first().map_or_else(
                    || (self.span(node), self.text(node).to_string()),
                    |a| (a.span, a.text.clone()),
                );
                let words = at(flatten(args).into_iter().map(|e| e.val), span, &text);
                self.raw_command(to, &words, self.span(node));
                return;
            }
            "sendCommand" | "addCommand" => {
                if let Some(Elem {
                    val: Val::List(argv),
                    span,
                    text,
                }) = args.iter().find(|a| matches!(a.val, Val::List(_)))
                {
                    let words = at(argv.iter().map(|e| e.val.clone()), *span, text);
                    self.raw_command(to, &words, self.span(node));
                }
                return;
            }
            "eval" | "evalsha" | "evalSha" | "evalRo" | "evalshaRo" | "evalShaRo" | "fcall"
            | "fCall" | "fCallRo" | "fcall_ro" | "eval_ro" | "evalsha_ro" => {
                self.eval_call(to, method, node, args);
                return;
            }
            "functionLoad" => {
                self.function_load(args);
                return;
            }
            "function"
                if args
                    .first()
                    .and_then(|a| a.val.literal_bytes())
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"LOAD")) =>
            {
                self.function_load(&args[1..]);
                return;
            }
            _ => {}
        }
        if clients::is_not_a_command(method) {
            return;
        }
        let word = clients::command_word(method);
        let Some(spec) = commands::lookup(&word, None) else {
            return;
        };
        if spec.container().is_some() || spec.name().contains(' ') {
            return;
        }
        let name = spec.name().to_ascii_uppercase();
        let flat = self.command_args(to.client, method, &name, args);
        self.emit(to, &name, self.span(node), &flat);
    }

    /// A command method's arguments as the library sends them: flattened;
    /// node-redis adds the count of a list of keys and passes a
    /// subscription's channels alone.
    fn command_args(
        &self,
        client: Option<usize>,
        method: &str,
        name: &str,
        args: &[Elem],
    ) -> Vec<Elem> {
        let mut flat = flatten(args);
        let node_redis = client.is_some_and(|c| self.kind_of(c).node_redis)
            || method.chars().any(|c| c.is_ascii_uppercase());
        if node_redis {
            if let Some(at) = clients::node_redis_numkeys_list(method) {
                if let Some(
                    list @ Elem {
                        val: Val::List(keys),
                        ..
                    },
                ) = args.get(at)
                {
                    let count = keys
                        .iter()
                        .map(|k| {
                            if matches!(k.val, Val::Family(..)) {
                                2
                            } else {
                                1
                            }
                        })
                        .sum::<i64>();
                    let before = flatten(&args[..at]).len();
                    flat.insert(
                        before,
                        Elem {
                            val: Val::Int(count),
                            ..list.clone()
                        },
                    );
                }
            }
        }
        if node_redis && name.ends_with("SUBSCRIBE") {
            // node-redis: `sSubscribe(channels, listener, bufferMode)`.
            flat = flatten(args.get(..1).unwrap_or(&[]));
        }
        flat
    }

    /// `call('MGET', a, b)`, `sendCommand(['MGET', a, b])`, `pipeline([[…]])`.
    fn raw_command(&mut self, to: To, argv: &[Elem], span: Span) {
        let Some(word) = argv.first().and_then(|a| a.val.literal_bytes()) else {
            return;
        };
        let word = String::from_utf8_lossy(&word).to_ascii_lowercase();
        let sub = argv.get(1).and_then(|a| a.val.literal_bytes());
        if word == "function" && sub.is_some_and(|s| s.eq_ignore_ascii_case(b"LOAD")) {
            self.function_load(&argv[2..]);
            return;
        }
        let Some(spec) = commands::lookup(&word, None) else {
            return;
        };
        if spec.container().is_some() || spec.name().contains(' ') {
            return;
        }
        let rest = &argv[1..];
        let flat = flatten(rest);
        let name = spec.name().to_ascii_uppercase();
        if spec.is_script() {
            let (lit, file) = rest.first().map_or((None, false), |a| {
                super::scripts::script_text(&name, &a.val)
            });
            let run = Run {
                command: &name,
                lit,
                file,
                span: argv[0].span,
                numkeys: flat.get(1).and_then(|a| match a.val {
                    Val::Int(n) => u32::try_from(n).ok(),
                    _ => None,
                }),
            };
            let tail = flat.get(2..).unwrap_or(&[]);
            self.script_call(
                to,
                span,
                &run,
                super::scripts::keys(tail, None, run.numkeys),
            );
            let target = rest.first().and_then(|a| a.val.literal_bytes());
            crate::lang::lua::name_fcall(&mut self.m.out.model, &name, target.as_deref());
            return;
        }
        self.emit(to, &name, span, &flat);
    }
}

/// Values all written at one place (the elements of an argument that ioredis flattens).
fn at(vals: impl Iterator<Item = Val>, span: Span, text: &str) -> Vec<Elem> {
    vals.map(|val| Elem {
        val,
        span,
        text: text.to_string(),
    })
    .collect()
}

/// ioredis flattens arrays and objects in arguments; a family stands for two
/// elements; an unknown spread for one unknown value. Each value is placed
/// where its argument is written.
pub(super) fn flatten(args: &[Elem]) -> Vec<Elem> {
    let mut out = Vec::new();
    let mut stack: Vec<(Val, &Elem, usize)> =
        args.iter().rev().map(|a| (a.val.clone(), a, 0)).collect();
    while let Some((v, a, depth)) = stack.pop() {
        if out.len() > 512 {
            break;
        }
        let place = |val| Elem {
            val,
            span: a.span,
            text: a.text.clone(),
        };
        match v {
            Val::List(items) if depth < 4 => {
                stack.extend(items.into_iter().rev().map(|i| (i.val, a, depth + 1)));
            }
            Val::Map(pairs) if depth < 4 => {
                for (k, v, _) in pairs.into_iter().rev() {
                    stack.push((v, a, depth + 1));
                    stack.push((k, a, depth + 1));
                }
            }
            Val::Family(elem, vars) => match *elem {
                Val::Str(p, _) => {
                    out.push(place(Val::Str(instance::<Js>(&p, &vars, 1), None)));
                    if !vars.is_empty() {
                        out.push(place(Val::Str(instance::<Js>(&p, &vars, 2), None)));
                    }
                }
                other => out.push(place(Val::Family(Box::new(other), vars))),
            },
            Val::Ext(Js::Func(_)) => {}
            other => out.push(place(other)),
        }
    }
    out
}

/// Whether a method name is a Redis command either library knows.
fn method_is_redis(method: &str) -> bool {
    if clients::is_not_a_command(method) {
        return matches!(
            method,
            "pipeline" | "multi" | "call" | "send_command" | "sendCommand"
        );
    }
    commands::lookup(&clients::command_word(method), None).is_some()
}
