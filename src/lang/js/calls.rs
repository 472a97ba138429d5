//! Calls: Redis commands on clients and pipelines (ops), `pipeline()` /
//! `multi()` / `exec()` (groups), scripts (`eval`, `defineCommand`), the
//! `require`/`createClient` factories, iteration callbacks and local helpers.

use tree_sitter::Node;

use super::clients::{self, ClientKind};
use super::ops::{Run, To};
use super::value::{Elem, Js, Lib, Val};
use super::{Cx, Defined};
use crate::commands;
use crate::lang::value::instance;
use crate::model::{GroupKind, Span};

impl<'a> Cx<'a> {
    pub(super) fn call(&mut self, node: Node<'a>) -> Val {
        let Some(func) = node.child_by_field_name("function") else {
            return Val::Unknown;
        };
        let arg_nodes: Vec<Node<'a>> = node
            .child_by_field_name("arguments")
            .map(|a| {
                let mut c = a.walk();
                a.named_children(&mut c)
                    .filter(|n| n.kind() != "comment")
                    .collect()
            })
            .unwrap_or_default();
        let text = self.text(node);
        match func.kind() {
            "identifier" => self.plain_call(func, node, &arg_nodes, text),
            "member_expression" => {
                let method = func
                    .child_by_field_name("property")
                    .map_or("", |p| self.text(p));
                let Some(obj) = func.child_by_field_name("object") else {
                    return Val::Unknown;
                };
                let recv = self.eval(obj);
                self.method_call(recv, obj, method, node, &arg_nodes, text)
            }
            _ => {
                self.eval(func);
                let args = self.eval_args(&arg_nodes);
                self.run_callbacks(&args, None);
                Val::Unknown
            }
        }
    }

    fn eval_args(&mut self, nodes: &[Node<'a>]) -> Vec<Elem> {
        nodes
            .iter()
            .map(|&n| {
                if n.kind() == "spread_element" {
                    // `...keys`: ioredis flattens it; a list stays a list.
                    let v = n.named_child(0).map_or(Val::Unknown, |e| self.eval(e));
                    let v = match v {
                        l @ (Val::List(_) | Val::Family(..)) => l,
                        other => Val::Family(Box::new(other), Vec::new()),
                    };
                    return self.elem(v, n);
                }
                let v = self.eval(n);
                self.elem(v, n)
            })
            .collect()
    }

    /// A value as an argument or element written at `node`.
    pub(super) fn elem(&self, val: Val, node: Node<'_>) -> Elem {
        Elem {
            val,
            span: Self::span(node),
            text: self.text(node).to_string(),
        }
    }

    /// Runs function values passed as arguments (callbacks), once each, with
    /// their first parameter bound to `elem` when iterating.
    #[allow(clippy::needless_pass_by_value)]
    fn run_callbacks(&mut self, args: &[Elem], elem: Option<(Val, Vec<String>)>) -> Option<Val> {
        let mut result = None;
        for a in args {
            let Val::Ext(Js::Func(id)) = a.val else {
                continue;
            };
            let Some(def) = self.fn_nodes.get(&id).copied() else {
                continue;
            };
            if !self.m.recording || !self.ran.insert(id) {
                continue;
            }
            let level = self.m.loop_vars.len();
            let bound: Option<Vec<Val>> = elem.as_ref().map(|(e, vars)| {
                self.m.loop_vars.extend(vars.iter().cloned());
                vec![e.clone()]
            });
            if bound.is_some() {
                // The element parameter varies from one call to the next.
                let first = def
                    .child_by_field_name("parameters")
                    .and_then(|p| p.named_child(0))
                    .or_else(|| def.child_by_field_name("parameter"));
                if let Some(p) = first {
                    let names = super::stmts::pattern_names(self, p);
                    self.m.loop_vars.extend(names);
                }
            }
            let saved_returns = std::mem::take(&mut self.returns);
            self.run_nested(def, bound.as_deref());
            self.returns = saved_returns;
            self.m.loop_vars.truncate(level);
            result = Some(Val::Unknown);
        }
        result
    }

    /// `require('ioredis')`, `createClient()`, `userKey(id)`, `String(x)`.
    fn plain_call(
        &mut self,
        func: Node<'a>,
        node: Node<'a>,
        arg_nodes: &[Node<'a>],
        text: &str,
    ) -> Val {
        let name = self.text(func);
        let args = self.eval_args(arg_nodes);
        if name == "require" {
            let module = args
                .first()
                .and_then(|a| a.val.literal_bytes())
                .unwrap_or_default();
            return super::module_lib(&String::from_utf8_lossy(&module))
                .map_or(Val::Unknown, |l| Val::Ext(Js::Lib(l)));
        }
        if name == "String" {
            return args.first().map_or(Val::Unknown, |a| {
                Val::Str(a.val.interpolated(&a.text), None)
            });
        }
        let f = self.env.get(name).cloned();
        let kind = match f {
            Some(Val::Ext(Js::Lib(Lib::CreateClient))) => Some(clients::NODE_REDIS),
            Some(Val::Ext(Js::Lib(Lib::CreateCluster))) => Some(clients::NODE_REDIS_CLUSTER),
            Some(Val::Ext(Js::Func(id))) => {
                let vals = vals(&args);
                let out = self.call_local(id, &vals, text);
                self.run_callbacks(&args, None);
                return out;
            }
            _ if self.node_redis && name == "createCluster" => Some(clients::NODE_REDIS_CLUSTER),
            _ if self.node_redis && name == "createClient" => Some(clients::NODE_REDIS),
            _ => None,
        };
        self.run_callbacks(&args, None);
        let _ = node;
        kind.map_or(Val::Unknown, |k| Val::Client(self.client(k)))
    }

    fn method_call(
        &mut self,
        recv: Val,
        obj: Node<'a>,
        method: &str,
        node: Node<'a>,
        arg_nodes: &[Node<'a>],
        text: &str,
    ) -> Val {
        // Callbacks are evaluated lazily: iteration binds their parameter.
        let args = self.eval_args(arg_nodes);
        match recv {
            Val::Client(c) => self.client_method(c, method, node, &args),
            Val::Pipeline(p) => self.pipe_method(p, method, node, &args),
            Val::Ext(Js::Lib(Lib::NodeRedis)) if method == "createClient" => {
                Val::Client(self.client(clients::NODE_REDIS))
            }
            Val::Ext(Js::Lib(Lib::NodeRedis)) if method == "createCluster" => {
                Val::Client(self.client(clients::NODE_REDIS_CLUSTER))
            }
            Val::Ext(Js::Nodes(_)) if matches!(method, "map" | "forEach" | "flatMap") => {
                let node_client = Val::Client(self.client(clients::CLUSTER_NODE));
                self.run_callbacks(&args, Some((node_client, Vec::new())));
                Val::Unknown
            }
            Val::Str(ref s, _) => {
                let out = super::exprs::string_method(&s.clone(), method, &args, text);
                self.run_callbacks(&args, None);
                out
            }
            Val::List(ref items) if method == "join" => {
                let sep = args
                    .first()
                    .map_or(Some(b",".to_vec()), |a| a.val.literal_bytes());
                match sep {
                    Some(sep) => super::exprs::join(items, &sep, text),
                    None => Val::opaque(text),
                }
            }
            Val::List(_) | Val::Family(..) | Val::Opaque(_) | Val::Unknown
                if matches!(
                    method,
                    "map" | "forEach" | "flatMap" | "filter" | "some" | "every" | "reduce"
                ) =>
            {
                self.iterate(&recv, obj, method, &args, text)
            }
            Val::List(items) if method == "concat" => {
                let mut out = items;
                for a in args {
                    match &a.val {
                        Val::List(more) => out.extend(more.iter().cloned()),
                        _ => out.push(a),
                    }
                }
                Val::List(out)
            }
            Val::Map(_) => {
                if let Some(Val::Ext(Js::Func(id))) = recv.prop(method).cloned() {
                    return self.call_local(id, &vals(&args), text);
                }
                self.run_callbacks(&args, None);
                Val::Unknown
            }
            _ => self.unknown_receiver(obj, method, node, &args, text),
        }
    }

    /// `.map()` / `.forEach()` over a list or family: a `.map()` whose
    /// callback builds a key gives a family of keys.
    fn iterate(
        &mut self,
        recv: &Val,
        obj: Node<'a>,
        method: &str,
        args: &[Elem],
        text: &str,
    ) -> Val {
        let (elem, vars) = match recv {
            Val::Family(e, vars) => ((**e).clone(), vars.clone()),
            Val::List(items) if items.len() == 1 => (items[0].val.clone(), Vec::new()),
            _ => (Val::Unknown, Vec::new()),
        };
        // A key-building callback: evaluate it for the element.
        if method == "map" || method == "flatMap" {
            if let Some(Val::Ext(Js::Func(id))) = args.first().map(|a| &a.val) {
                let id = *id;
                let param = self
                    .fn_nodes
                    .get(&id)
                    .and_then(|d| {
                        d.child_by_field_name("parameters")
                            .and_then(|p| p.named_child(0))
                            .or_else(|| d.child_by_field_name("parameter"))
                    })
                    .map(|p| self.text(p).to_string());
                let elem_val = match (&elem, &param) {
                    (Val::Unknown, Some(p)) => Val::opaque(p.clone()),
                    _ => elem.clone(),
                };
                let mapped = self.call_local(id, std::slice::from_ref(&elem_val), text);
                let mut fam_vars = vars.clone();
                fam_vars.extend(param);
                self.run_callbacks(args, Some((elem_val, vars)));
                return match mapped {
                    v @ Val::Str(..) => Val::Family(Box::new(v), fam_vars),
                    _ => Val::Unknown,
                };
            }
        }
        let _ = obj;
        let e = match elem {
            Val::Unknown => None,
            e => Some((e, vars)),
        };
        let e = e.or_else(|| Some((Val::Unknown, Vec::new())));
        let e = e.map(|(v, vars)| {
            (
                if v == Val::Unknown {
                    Val::opaque("element")
                } else {
                    v
                },
                vars,
            )
        });
        self.run_callbacks(args, e);
        Val::Unknown
    }

    /// A receiver the analyzer has no value for: a client by its name
    /// (`this.redis`, `cluster`), a class method, or nothing.
    fn unknown_receiver(
        &mut self,
        obj: Node<'a>,
        method: &str,
        node: Node<'a>,
        args: &[Elem],
        text: &str,
    ) -> Val {
        let obj_text = self.text(obj);
        if obj_text == "this" {
            if let Some(def) = self
                .funcs
                .iter()
                .find(|(k, _)| k.ends_with(&format!(".{method}")))
                .map(|(_, v)| *v)
            {
                self.fn_nodes.insert(def.id(), def);
                return self.call_local(def.id(), &vals(args), text);
            }
        }
        let looks_redis = method_is_redis(method) || self.defined.contains_key(method);
        if looks_redis {
            if let Some(kind) = clients::from_name(obj_text, self.ioredis, self.node_redis) {
                let kind = if kind == clients::UNKNOWN && self.cluster_aware {
                    clients::CLUSTER_CHECKED
                } else {
                    kind
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

    fn client_method(&mut self, client: usize, method: &str, node: Node<'a>, args: &[Elem]) -> Val {
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
                    for cmd in cmds {
                        if let Val::List(argv) = &cmd.val {
                            let words = at(argv.iter().map(|e| e.val.clone()), *span, text);
                            self.raw_command(
                                To {
                                    client: Some(client),
                                    pipe: Some(p),
                                },
                                &words,
                                node,
                            );
                        }
                    }
                }
                Val::Pipeline(p)
            }
            "nodes" => Val::Ext(Js::Nodes(client)),
            "duplicate" => Val::Client(client),
            "defineCommand" => {
                self.define(args);
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

    fn pipe_method(&mut self, p: usize, method: &str, node: Node<'a>, args: &[Elem]) -> Val {
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
        let p = self.m.new_pipe(client, Self::span(node), kind);
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
    fn define(&mut self, args: &[Elem]) {
        let (Some(name), Some(props)) = (args.first(), args.get(1)) else {
            return;
        };
        if !matches!(props.val, Val::Map(_)) {
            return;
        }
        let Some(name) = name.val.literal_bytes() else {
            return;
        };
        let numkeys = match props.val.prop("numberOfKeys") {
            Some(Val::Int(n)) => u32::try_from(*n).ok(),
            _ => None,
        };
        let lua = match props.val.prop("lua") {
            Some(Val::Str(_, Some(lit))) => Some((**lit).clone()),
            _ => None,
        };
        self.defined.insert(
            String::from_utf8_lossy(&name).into_owned(),
            Defined {
                numkeys,
                lua,
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
                span: d.span,
                numkeys: d.numkeys,
            };
            let flat = flatten(args);
            self.script_call(to, node, &run, super::ops::keys(&flat, None, d.numkeys));
            return;
        }
        match method {
            "call" | "send_command" | "callBuffer" => {
                let (span, text) = args.first().map_or_else(
                    || (Self::span(node), self.text(node).to_string()),
                    |a| (a.span, a.text.clone()),
                );
                let words = at(flatten(args).into_iter().map(|e| e.val), span, &text);
                self.raw_command(to, &words, node);
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
                    self.raw_command(to, &words, node);
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
        self.emit(to, &name, node, &flat);
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
    fn raw_command(&mut self, to: To, argv: &[Elem], node: Node<'a>) {
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
            let run = Run {
                command: &name,
                lit: match rest.first().map(|a| &a.val) {
                    Some(Val::Str(_, Some(l))) => Some(&**l),
                    _ => None,
                },
                span: argv[0].span,
                numkeys: flat.get(1).and_then(|a| match a.val {
                    Val::Int(n) => u32::try_from(n).ok(),
                    _ => None,
                }),
            };
            let tail = flat.get(2..).unwrap_or(&[]);
            self.script_call(to, node, &run, super::ops::keys(tail, None, run.numkeys));
            let target = rest.first().and_then(|a| a.val.literal_bytes());
            crate::lang::lua::name_fcall(&mut self.m.out.model, &name, target.as_deref());
            return;
        }
        self.emit(to, &name, node, &flat);
    }
}

/// The values of arguments.
pub(super) fn vals(args: &[Elem]) -> Vec<Val> {
    args.iter().map(|a| a.val.clone()).collect()
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
