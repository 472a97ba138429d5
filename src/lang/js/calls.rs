//! Calls: Redis commands on clients and pipelines (ops), `pipeline()` /
//! `multi()` / `exec()` (groups), scripts (`eval`, `defineCommand`), the
//! `require`/`createClient` factories, iteration callbacks and local helpers.

use tree_sitter::Node;

use super::clients::{self, ClientKind};
use super::value::{instance, Lib, Val};
use super::{Cx, Defined, Pipe};
use crate::commands;

use crate::model::{Group, GroupKind};

/// One flattened argument of a command: its value and where it is written.
pub(super) type Flat<'a> = (Val, Node<'a>);

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

    fn eval_args(&mut self, nodes: &[Node<'a>]) -> Vec<Flat<'a>> {
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
                    return (v, n);
                }
                (self.eval(n), n)
            })
            .collect()
    }

    /// Runs function values passed as arguments (callbacks), once each, with
    /// their first parameter bound to `elem` when iterating.
    #[allow(clippy::needless_pass_by_value)]
    fn run_callbacks(
        &mut self,
        args: &[Flat<'a>],
        elem: Option<(Val, Vec<String>)>,
    ) -> Option<Val> {
        let mut result = None;
        for (v, _) in args {
            let Val::Func(id) = v else { continue };
            let Some(def) = self.fn_nodes.get(id).copied() else {
                continue;
            };
            if !self.recording || !self.ran.insert(*id) {
                continue;
            }
            let level = self.loop_vars.len();
            let bound: Option<Vec<Val>> = elem.as_ref().map(|(e, vars)| {
                self.loop_vars.extend(vars.iter().cloned());
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
                    self.loop_vars.extend(names);
                }
            }
            let saved_returns = std::mem::take(&mut self.returns);
            self.run_nested(def, bound.as_deref());
            if let Some(b) = def
                .child_by_field_name("body")
                .filter(|b| b.kind() != "statement_block")
            {
                let _ = b;
            }
            self.returns = saved_returns;
            self.loop_vars.truncate(level);
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
                .and_then(|(v, _)| v.literal_bytes())
                .unwrap_or_default();
            return super::module_lib(&String::from_utf8_lossy(&module))
                .map_or(Val::Unknown, Val::Lib);
        }
        if name == "String" {
            return args.first().map_or(Val::Unknown, |(v, n)| {
                Val::Str(v.interpolated(self.text(*n)), None)
            });
        }
        let f = self.env.get(name).cloned();
        let kind = match f {
            Some(Val::Lib(Lib::CreateClient)) => Some(clients::NODE_REDIS),
            Some(Val::Lib(Lib::CreateCluster)) => Some(clients::NODE_REDIS_CLUSTER),
            Some(Val::Func(id)) => {
                let vals: Vec<Val> = args.iter().map(|(v, _)| v.clone()).collect();
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
            Val::Lib(Lib::NodeRedis) if method == "createClient" => {
                Val::Client(self.client(clients::NODE_REDIS))
            }
            Val::Lib(Lib::NodeRedis) if method == "createCluster" => {
                Val::Client(self.client(clients::NODE_REDIS_CLUSTER))
            }
            Val::Nodes(_) if matches!(method, "map" | "forEach" | "flatMap") => {
                let node_client = Val::Client(self.client(clients::CLUSTER_NODE));
                self.run_callbacks(&args, Some((node_client, Vec::new())));
                Val::Unknown
            }
            Val::Str(ref s, _) => {
                let out = self.string_method(&s.clone(), method, &args, text);
                self.run_callbacks(&args, None);
                out
            }
            Val::List(ref items) if method == "join" => {
                let sep = args
                    .first()
                    .map_or(Some(b",".to_vec()), |(v, _)| v.literal_bytes());
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
                for (v, _) in args {
                    match v {
                        Val::List(more) => out.extend(more),
                        other => out.push(other),
                    }
                }
                Val::List(out)
            }
            Val::Obj(ref props) => {
                let f = props
                    .iter()
                    .find(|(k, _)| k == method)
                    .map(|(_, v)| v.clone());
                if let Some(Val::Func(id)) = f {
                    let vals: Vec<Val> = args.iter().map(|(v, _)| v.clone()).collect();
                    return self.call_local(id, &vals, text);
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
        args: &[Flat<'a>],
        text: &str,
    ) -> Val {
        let (elem, vars) = match recv {
            Val::Family(e, vars) => ((**e).clone(), vars.clone()),
            Val::List(items) if items.len() == 1 => (items[0].clone(), Vec::new()),
            _ => (Val::Unknown, Vec::new()),
        };
        // A key-building callback: evaluate it for the element.
        if method == "map" || method == "flatMap" {
            if let Some((Val::Func(id), _)) = args.first() {
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
        args: &[Flat<'a>],
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
                let vals: Vec<Val> = args.iter().map(|(v, _)| v.clone()).collect();
                return self.call_local(def.id(), &vals, text);
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
        self.clients.kind(client).unwrap_or(clients::UNKNOWN)
    }

    fn client_method(
        &mut self,
        client: usize,
        method: &str,
        node: Node<'a>,
        args: &[Flat<'a>],
    ) -> Val {
        match method {
            "pipeline" | "multi" | "batch" => {
                let kind = if method == "multi" {
                    GroupKind::TxPipeline
                } else {
                    GroupKind::Pipeline
                };
                let p = self.new_pipe(Some(client), kind, node);
                if let Some((Val::List(cmds), n)) = args.first() {
                    for cmd in cmds.clone() {
                        if let Val::List(argv) = cmd {
                            self.raw_command(Some(client), Some(p), &argv, *n, node);
                        }
                    }
                }
                Val::Pipeline(p)
            }
            "nodes" => Val::Nodes(client),
            "duplicate" => Val::Client(client),
            "defineCommand" => {
                self.define(args);
                Val::Unknown
            }
            _ => {
                self.command(Some(client), None, method, node, args);
                self.run_callbacks(args, None);
                Val::Unknown
            }
        }
    }

    fn pipe_method(&mut self, p: usize, method: &str, node: Node<'a>, args: &[Flat<'a>]) -> Val {
        match method {
            "exec" | "execBuffer" => {
                self.execute_pipe(p, None);
                Val::Unknown
            }
            "execAsPipeline" => {
                if let Some(pipe) = self.pipes.get_mut(p) {
                    pipe.kind = GroupKind::Pipeline;
                }
                self.execute_pipe(p, None);
                Val::Unknown
            }
            "discard" => {
                if let Some(pipe) = self.pipes.get_mut(p) {
                    pipe.done = true;
                }
                Val::Unknown
            }
            _ => {
                let client = self.pipes.get(p).and_then(|x| x.client);
                self.command(client, Some(p), method, node, args);
                Val::Pipeline(p)
            }
        }
    }

    fn new_pipe(&mut self, client: Option<usize>, kind: GroupKind, node: Node<'a>) -> usize {
        self.pipes.push(Pipe {
            client,
            kind,
            span: Self::span(node),
            ops: Vec::new(),
            loop_level: self.loop_vars.len(),
            guarded: self.guarded,
            done: false,
        });
        self.pipes.len() - 1
    }

    /// Emits a pipeline's group (once).
    pub(super) fn execute_pipe(&mut self, p: usize, _at: Option<usize>) {
        let Some(pipe) = self.pipes.get_mut(p) else {
            return;
        };
        if pipe.done {
            return;
        }
        pipe.done = true;
        if !self.recording
            || pipe.ops.is_empty()
            || (pipe.guarded && pipe.kind == GroupKind::Pipeline)
        {
            return;
        }
        let group = Group {
            kind: pipe.kind,
            span: pipe.span,
            ops: pipe.ops.clone(),
            script: None,
            client: pipe.client,
            per_slot: false,
            assumption: None,
        };
        self.out.model.groups.push(group);
    }

    /// `defineCommand('name', { numberOfKeys: 2, lua: '…' })`.
    fn define(&mut self, args: &[Flat<'a>]) {
        let (Some((name, _)), Some((Val::Obj(props), n))) = (args.first(), args.get(1)) else {
            return;
        };
        let Some(name) = name.literal_bytes() else {
            return;
        };
        let get = |k: &str| props.iter().find(|(p, _)| p == k).map(|(_, v)| v.clone());
        let numkeys = match get("numberOfKeys") {
            Some(Val::Num(n)) => u32::try_from(n).ok(),
            _ => None,
        };
        let lua = match get("lua") {
            Some(Val::Str(_, Some(lit))) => Some(*lit),
            _ => None,
        };
        self.defined.insert(
            String::from_utf8_lossy(&name).into_owned(),
            Defined {
                numkeys,
                lua,
                span: Self::span(*n),
            },
        );
    }

    /// A command method on a client or pipeline: an op (or a script call).
    fn command(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        method: &str,
        node: Node<'a>,
        args: &[Flat<'a>],
    ) {
        if let Some(d) = self.defined.get(method).cloned() {
            let flat = flatten(args);
            self.script_call(
                client,
                pipe,
                "EVALSHA",
                node,
                d.lua.as_ref(),
                d.span,
                d.numkeys,
                &flat,
                None,
            );
            return;
        }
        match method {
            "call" | "send_command" | "callBuffer" => {
                let flat = flatten(args);
                self.raw_command(
                    client,
                    pipe,
                    &flat.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>(),
                    args.first().map_or(node, |a| a.1),
                    node,
                );
                return;
            }
            "sendCommand" | "addCommand" => {
                if let Some((Val::List(argv), n)) =
                    args.iter().find(|(v, _)| matches!(v, Val::List(_)))
                {
                    self.raw_command(client, pipe, &argv.clone(), *n, node);
                }
                return;
            }
            "eval" | "evalsha" | "evalSha" | "evalRo" | "evalshaRo" | "evalShaRo" | "fcall"
            | "fCall" | "fCallRo" | "fcall_ro" | "eval_ro" | "evalsha_ro" => {
                self.eval_call(client, pipe, method, node, args);
                return;
            }
            "functionLoad" => {
                self.function_load(args);
                return;
            }
            "function"
                if args
                    .first()
                    .and_then(|(v, _)| v.literal_bytes())
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
        let mut flat = flatten(args);
        let node_redis = client.is_some_and(|c| self.kind_of(c).node_redis)
            || method.chars().any(|c| c.is_ascii_uppercase());
        if node_redis {
            if let Some(at) = clients::node_redis_numkeys_list(method) {
                if let Some((Val::List(keys), n)) = args.get(at) {
                    let count = keys
                        .iter()
                        .map(|k| if matches!(k, Val::Family(..)) { 2 } else { 1 })
                        .sum::<i64>();
                    let before = flatten(&args[..at]).len();
                    flat.insert(before, (Val::Num(count), *n));
                }
            }
        }
        if node_redis && name.ends_with("SUBSCRIBE") {
            // node-redis: `sSubscribe(channels, listener, bufferMode)`.
            flat = flatten(args.get(..1).unwrap_or(&[]));
        }
        self.emit(client, pipe, &name, node, &flat);
    }

    /// `call('MGET', a, b)`, `sendCommand(['MGET', a, b])`, `pipeline([[…]])`.
    fn raw_command(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        argv: &[Val],
        at: Node<'a>,
        node: Node<'a>,
    ) {
        let Some(word) = argv.first().and_then(Val::literal_bytes) else {
            return;
        };
        let word = String::from_utf8_lossy(&word).to_ascii_lowercase();
        let sub = argv.get(1).and_then(Val::literal_bytes);
        if word == "function" && sub.is_some_and(|s| s.eq_ignore_ascii_case(b"LOAD")) {
            let rest: Vec<Flat<'a>> = argv[2..].iter().map(|v| (v.clone(), at)).collect();
            self.function_load(&rest);
            return;
        }
        let Some(spec) = commands::lookup(&word, None) else {
            return;
        };
        if spec.container().is_some() || spec.name().contains(' ') {
            return;
        }
        let rest: Vec<Flat<'a>> = argv[1..].iter().map(|v| (v.clone(), at)).collect();
        let flat = flatten(&rest);
        let name = spec.name().to_ascii_uppercase();
        if spec.is_script() {
            let lit = match rest.first() {
                Some((Val::Str(_, Some(l)), _)) => Some((**l).clone()),
                _ => None,
            };
            let numkeys = flat.get(1).and_then(|(v, _)| match v {
                Val::Num(n) => u32::try_from(*n).ok(),
                _ => None,
            });
            let tail: Vec<Flat<'a>> = flat.iter().skip(2).cloned().collect();
            self.script_call(
                client,
                pipe,
                &name,
                node,
                lit.as_ref(),
                Self::span(at),
                numkeys,
                &tail,
                None,
            );
            let target = rest.first().and_then(|(v, _)| v.literal_bytes());
            crate::lang::lua::name_fcall(&mut self.out.model, &name, target.as_deref());
            return;
        }
        self.emit(client, pipe, &name, node, &flat);
    }
}

/// ioredis flattens arrays and objects in arguments; a family stands for two
/// elements; an unknown spread for one unknown value.
pub(super) fn flatten<'a>(args: &[Flat<'a>]) -> Vec<Flat<'a>> {
    let mut out = Vec::new();
    let mut stack: Vec<(Val, Node<'a>, usize)> =
        args.iter().rev().map(|(v, n)| (v.clone(), *n, 0)).collect();
    while let Some((v, n, depth)) = stack.pop() {
        if out.len() > 512 {
            break;
        }
        match v {
            Val::List(items) if depth < 4 => {
                stack.extend(items.into_iter().rev().map(|i| (i, n, depth + 1)));
            }
            Val::Obj(props) if depth < 4 => {
                for (k, v) in props.into_iter().rev() {
                    stack.push((v, n, depth + 1));
                    stack.push((Val::lit(k.into_bytes()), n, depth + 1));
                }
            }
            Val::Family(elem, vars) => match *elem {
                Val::Str(p, _) => {
                    out.push((Val::Str(instance(&p, &vars, 1), None), n));
                    if !vars.is_empty() {
                        out.push((Val::Str(instance(&p, &vars, 2), None), n));
                    }
                }
                other => out.push((Val::Family(Box::new(other), vars), n)),
            },
            Val::Func(_) => {}
            other => out.push((other, n)),
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
