//! Calls: Redis client constructors, redis-py methods → ops (pipelines are in
//! `pipes`, script calls in `scripts`), string methods, a few builtins, and
//! same-file helper functions (key builders, helpers that take a pipeline).
// The expression evaluator mirrors Python's grammar case by case; these
// pedantic lints fight that shape (to be folded with the other front-ends).
#![allow(clippy::needless_pass_by_value, clippy::single_match_else)]

use tree_sitter::Node;

use super::clients::{self, ClientKind, Shape};
use super::strings::format_template;
use super::value::{family_instances, Literal, Opaque, Val};
use super::{Cx, MAX_CALL_DEPTH};
use crate::commands;
use crate::keypattern::KeyPattern;
use crate::model::{Arg, Key, Op};

/// The evaluated arguments of a call.
#[derive(Default)]
pub(crate) struct Args<'a> {
    pub(crate) pos: Vec<Val>,
    pub(crate) pos_nodes: Vec<Node<'a>>,
    pub(crate) star: Vec<bool>,
    pub(crate) kw: Vec<(String, Val)>,
    pub(crate) kw_nodes: Vec<Node<'a>>,
}

impl Args<'_> {
    pub(super) fn kw(&self, name: &str) -> Option<&Val> {
        self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub(super) fn kw_node(&self, name: &str) -> Option<Node<'_>> {
        self.kw
            .iter()
            .position(|(k, _)| k == name)
            .and_then(|i| self.kw_nodes.get(i).copied())
    }
}

impl<'a> Cx<'a> {
    /// The index of a client of this kind in the model (one per kind).
    pub(super) fn client(&mut self, kind: ClientKind) -> usize {
        self.named_client(kind, None)
    }

    /// Like [`Self::client`], one per receiver `name` for a client of unknown kind.
    fn named_client(&mut self, kind: ClientKind, name: Option<&str>) -> usize {
        self.clients
            .index(&mut self.out.model.clients, kind, kind.to_client(), name)
    }

    fn args(&mut self, node: Option<Node<'a>>) -> Args<'a> {
        let mut out = Args::default();
        let Some(node) = node else {
            return out;
        };
        let mut c = node.walk();
        let items: Vec<Node<'a>> = node.named_children(&mut c).collect();
        for item in items {
            match item.kind() {
                "keyword_argument" => {
                    let name = item
                        .child_by_field_name("name")
                        .map_or(String::new(), |n| self.text(n).to_string());
                    let value = item.child_by_field_name("value");
                    let v = value.map_or(Val::Unknown, |v| self.eval(v));
                    out.kw.push((name, v));
                    out.kw_nodes.push(value.unwrap_or(item));
                }
                "list_splat" => {
                    let inner = item.named_child(0).unwrap_or(item);
                    let v = self.eval(inner);
                    out.pos.push(v);
                    out.pos_nodes.push(inner);
                    out.star.push(true);
                }
                "dictionary_splat" | "comment" => {
                    if let Some(inner) = item.named_child(0) {
                        self.eval(inner);
                    }
                }
                _ => {
                    let v = self.eval(item);
                    out.pos.push(v);
                    out.pos_nodes.push(item);
                    out.star.push(false);
                }
            }
        }
        out
    }

    pub(super) fn call(&mut self, node: Node<'a>) -> Val {
        let Some(func) = node.child_by_field_name("function") else {
            return Val::Unknown;
        };
        let args = self.args(node.child_by_field_name("arguments"));
        match func.kind() {
            "attribute" => self.method_call(node, func, &args),
            "identifier" => self.name_call(node, func, &args),
            _ => match self.eval(func) {
                Val::Script(lit, span) => {
                    self.script_object_call(node, lit.as_deref(), span, &args)
                }
                _ => Val::opaque(self.name_of(node)),
            },
        }
    }

    fn method_call(&mut self, node: Node<'a>, func: Node<'a>, args: &Args<'a>) -> Val {
        let (Some(obj), Some(attr)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("attribute"),
        ) else {
            return Val::Unknown;
        };
        let method = self.text(attr);
        let recv = self.eval(obj);
        match recv {
            Val::SelfRef => {
                let found = self.class.clone().and_then(|c| self.method(&c, method));
                match found {
                    Some((class, def)) => self.call_function(node, def, Some(class), args),
                    // `redis_client = redis.Redis` as a class attribute, called as a factory.
                    None => match self.class.clone().and_then(|c| self.class_attr(&c, method)) {
                        Some(Val::RedisName(q)) => clients::constructor(&q)
                            .map_or(Val::Unknown, |kind| Val::Client(self.client(kind))),
                        _ => Val::opaque(self.name_of(node)),
                    },
                }
            }
            Val::RedisName(q) => {
                let q = format!("{q}.{method}");
                match clients::constructor(&q) {
                    Some(kind) => Val::Client(self.client(kind)),
                    None => Val::Unknown,
                }
            }
            Val::Client(c) => self.redis_method(Some(c), None, method, node, args),
            Val::Pipeline(p) => self.pipeline_method(p, method, node, args),
            Val::Str(p, lit) => self.str_method(&p, lit.as_deref(), method, node, args),
            Val::Opaque(_) | Val::Unknown => {
                let known = clients::special(method).is_some()
                    || matches!(
                        method,
                        "pipeline"
                            | "register_script"
                            | "execute_command"
                            | "transaction"
                            | "function_load"
                    )
                    || commands::lookup(method, None)
                        .is_some_and(|s| !s.key_specs().is_empty() && s.container().is_none());
                let receiver = self.name_of(obj);
                let redisish = clients::is_redisish_name(&receiver, self.imports_redis);
                if known
                    && !method.starts_with('_')
                    && (redisish || (self.imports_redis && !clients::is_generic_name(method)))
                {
                    let c = self.named_client(clients::UNKNOWN, Some(&receiver));
                    return self.redis_method(Some(c), None, method, node, args);
                }
                self.default_get(node, method, args)
            }
            _ => Val::opaque(self.name_of(node)),
        }
    }

    /// `kwargs.get("prefix", "rq")`, `os.environ.get("P", "app")`: a value with a default.
    fn default_get(&mut self, node: Node<'a>, method: &str, args: &Args<'a>) -> Val {
        let mut o = Opaque {
            name: self.name_of(node),
            ..Opaque::default()
        };
        if matches!(method, "get" | "getenv" | "pop" | "setdefault") {
            match args.pos.get(1) {
                Some(Val::Str(d, _)) => o.default = d.as_literal().map(<[u8]>::to_vec),
                Some(Val::Int(n)) => {
                    o.int_default = Some(*n);
                    o.numeric = true;
                }
                _ => {}
            }
        }
        if matches!(method, "weekday" | "isoweekday") {
            o.domain = Some(7);
            o.numeric = true;
        }
        Val::Opaque(o)
    }

    fn name_call(&mut self, node: Node<'a>, func: Node<'a>, args: &Args<'a>) -> Val {
        let name = self.text(func);
        if let Some(Val::Script(lit, span)) = self
            .env
            .get(name)
            .or_else(|| self.module_env.get(name))
            .cloned()
        {
            return self.script_object_call(node, lit.as_deref(), span, args);
        }
        if let Some(q) = self.imports.get(name).cloned() {
            return match clients::constructor(&q) {
                Some(kind) => Val::Client(self.client(kind)),
                None => Val::Unknown,
            };
        }
        if let Some(def) = self.funcs.get(name).copied() {
            return self.call_function(node, def, None, args);
        }
        let first = args.pos.first().cloned().unwrap_or(Val::Unknown);
        let text = self.name_of(node);
        match name {
            "str" | "bytes" => match first {
                Val::Int(n) => Val::lit(n.to_string().into_bytes()),
                v @ (Val::Str(..) | Val::Opaque(_)) => v,
                _ => Val::opaque(text),
            },
            "abs" | "int" => match first {
                Val::Opaque(o) => Val::Opaque(Opaque { numeric: true, ..o }),
                Val::Int(n) if name == "abs" => Val::Int(n.saturating_abs()),
                v @ Val::Int(_) => v,
                _ => numeric(text, None),
            },
            "len" => match first {
                Val::List(vs) => i64::try_from(vs.len()).map_or(Val::Unknown, Val::Int),
                Val::Family(..) => numeric(
                    format!(
                        "len:{}",
                        args.pos_nodes
                            .first()
                            .map_or(String::new(), |n| self.name_of(*n))
                    ),
                    None,
                ),
                _ => numeric(text, None),
            },
            "hash" | "float" | "round" | "ord" => numeric(text, None),
            "bool" => numeric(text, Some(2)),
            "list" | "tuple" | "sorted" | "set" => match first {
                v @ (Val::List(_) | Val::Family(..)) => v,
                _ => Val::opaque(text),
            },
            _ => Val::opaque(text),
        }
    }

    /// A same-file function: a key builder gives the pattern it returns; a
    /// helper handed a client or pipeline runs with it (recording its ops).
    pub(super) fn call_function(
        &mut self,
        node: Node<'a>,
        def: Node<'a>,
        class: Option<String>,
        args: &Args<'a>,
    ) -> Val {
        if self.call_depth >= MAX_CALL_DEPTH {
            return Val::opaque(self.name_of(node));
        }
        let handed_redis = args
            .pos
            .iter()
            .chain(args.kw.iter().map(|(_, v)| v))
            .any(|v| matches!(v, Val::Client(_) | Val::Pipeline(_)));
        let outer = self.module_env.clone();
        let (env, faithful) = self.function_env(def, class.clone(), &outer, Some(args));
        let saved_env = std::mem::replace(&mut self.env, env);
        let saved_class = std::mem::replace(&mut self.class, class);
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_recording = self.recording;
        let saved_rename = std::mem::replace(&mut self.rename_locals, faithful);
        self.recording = saved_recording && handed_redis;
        self.call_depth += 1;
        if let Some(body) = def.child_by_field_name("body") {
            self.exec_block(body);
        }
        self.call_depth -= 1;
        let returns = std::mem::replace(&mut self.returns, saved_returns);
        self.env = saved_env;
        self.class = saved_class;
        self.recording = saved_recording;
        self.rename_locals = saved_rename;
        let name = self.name_of(node);
        let mut iter = returns.into_iter();
        let Some(first) = iter.next() else {
            return Val::opaque(name);
        };
        if iter.any(|v| v != first) {
            return Val::opaque(name);
        }
        match first {
            Val::Opaque(o) => Val::Opaque(Opaque { name, ..o }),
            Val::Unknown => Val::opaque(name),
            v => v,
        }
    }

    fn str_method(
        &mut self,
        p: &KeyPattern,
        lit: Option<&Literal>,
        method: &str,
        node: Node<'a>,
        args: &Args<'a>,
    ) -> Val {
        let named = |cx: &Self, i: usize| {
            args.pos_nodes
                .get(i)
                .map_or_else(|| format!("{i}"), |n| cx.name_of(*n))
        };
        match method {
            "format" => {
                let pos: Vec<(Val, String)> = args
                    .pos
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.clone(), named(self, i)))
                    .collect();
                // The template as written: the receiver of `.format`.
                let template = node
                    .child_by_field_name("function")
                    .and_then(|f| f.child_by_field_name("object"))
                    .map(|o| (self.text(o), o.start_byte()));
                Val::Str(format_template(p, lit, template, &pos, &args.kw), None)
            }
            "replace" => match (
                args.pos.first().and_then(Val::literal_bytes),
                args.pos.get(1),
            ) {
                (Some(old), Some(new)) => {
                    let new = new.interpolated(&named(self, 1));
                    Val::Str(p.replace_all(old, &new), None)
                }
                _ => Val::opaque(self.name_of(node)),
            },
            "join" => match args.pos.first() {
                Some(Val::List(items)) => {
                    let mut out = KeyPattern::default();
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.extend(p);
                        }
                        out.extend(&item.interpolated(&named(self, 0)));
                    }
                    Val::Str(out, None)
                }
                _ => Val::opaque(self.name_of(node)),
            },
            "encode" | "decode" | "strip" | "rstrip" | "lstrip" => {
                Val::Str(p.clone(), lit.map(|l| Box::new(l.clone())))
            }
            "lower" | "upper" => match p.as_literal() {
                Some(b) if method == "lower" => Val::lit(b.to_ascii_lowercase()),
                Some(b) => Val::lit(b.to_ascii_uppercase()),
                None => Val::opaque(self.name_of(node)),
            },
            _ => Val::opaque(self.name_of(node)),
        }
    }

    /// A redis-py method on a client (`pipe` when queued in a pipeline).
    pub(super) fn redis_method(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        method: &str,
        node: Node<'a>,
        args: &Args<'a>,
    ) -> Val {
        let kind = client.and_then(|c| self.clients.kind(c));
        match method {
            "pipeline" => {
                let transaction = match args.kw("transaction").or(args.pos.first()) {
                    Some(Val::Bool(b)) => *b,
                    _ => kind.is_some_and(|k| k.pipeline_is_transaction),
                };
                return Val::Pipeline(self.new_pipe(client, node, transaction));
            }
            "register_script" => {
                let lit = match args.pos.first() {
                    Some(Val::Str(_, l)) => l.clone(),
                    _ => None,
                };
                let span = args
                    .pos_nodes
                    .first()
                    .map_or(Self::span(node), |n| Self::span(*n));
                return Val::Script(lit, span);
            }
            "transaction" => return self.transaction(client, node, args),
            "function_load" => {
                self.function_load(args);
                return Val::Unknown;
            }
            "execute_command" => {
                self.execute_command(client, pipe, node, args);
                return Val::Unknown;
            }
            _ => {}
        }
        let (command, shape) = match clients::special(method) {
            Some(s) => s,
            None => match commands::lookup(method, None) {
                Some(spec) if spec.container().is_none() => {
                    let shape = if spec.key_specs().is_empty() {
                        Shape::None
                    } else {
                        Shape::First
                    };
                    (spec.name(), shape)
                }
                _ => return Val::opaque(self.name_of(node)),
            },
        };
        // redis-py's RedisCluster sends these to every primary and a standalone
        // client has one node: through any redis-py client they are not
        // node-local, so only a known client that keeps them local reports them.
        let fans_out = kind.map_or(clients::CLUSTER.fans_out, |k| k.fans_out);
        if fans_out.contains(&command)
            && kind.is_none_or(|k| k.topology != crate::model::Topology::Standalone)
        {
            return Val::opaque(self.name_of(node));
        }
        let client = match (method, kind) {
            ("mget_nonatomic" | "mset_nonatomic", _) => Some(self.client(clients::NONATOMIC)),
            _ => client,
        };
        if shape == Shape::Script {
            self.script_call(client, pipe, command, node, args);
            return Val::Unknown;
        }
        let (keys, extra) = self.keys_of(shape, args);
        let op = self.emit_op(command, node, keys, extra, args, client);
        self.queue(pipe, op, command);
        Val::opaque(self.name_of(node))
    }

    /// The keys of a call by shape, and the arguments they came from.
    pub(super) fn keys_of(&self, shape: Shape, args: &Args<'a>) -> (Vec<Key>, Vec<usize>) {
        let idx: Vec<usize> = match shape {
            Shape::First | Shape::Only(0) => vec![0],
            Shape::Only(n) => vec![n],
            Shape::All => (0..args.pos.len()).collect(),
            Shape::Leading(n) => (0..n.min(args.pos.len())).collect(),
            Shape::After(n) => (n..args.pos.len()).collect(),
            Shape::DestThenList => vec![0, 1],
            Shape::Mapping(i, kw) => {
                let (val, node) = match (args.kw(kw), args.kw_node(kw)) {
                    (Some(v), Some(n)) => (v.clone(), n),
                    _ => match (args.pos.get(i), args.pos_nodes.get(i)) {
                        (Some(v), Some(n)) => (v.clone(), *n),
                        _ => return (Vec::new(), Vec::new()),
                    },
                };
                let keys = match val {
                    Val::Dict(pairs) => pairs
                        .iter()
                        .map(|(k, _, span)| Key {
                            pattern: k.key_pattern(&self.name_of(node)),
                            span: *span,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                return (keys, Vec::new());
            }
            Shape::Script | Shape::None => return (Vec::new(), Vec::new()),
        };
        let mut keys = Vec::new();
        let mut used = Vec::new();
        for i in idx {
            if let Some(Val::Unknown) = args.pos.get(i) {
                continue;
            }
            if i == 0 && shape == Shape::First && args.pos.is_empty() {
                break;
            }
            keys.extend(self.arg_keys(
                args,
                i,
                shape != Shape::First && shape != Shape::Leading(2),
            ));
            used.push(i);
        }
        if shape == Shape::First && args.pos.is_empty() {
            if let (Some(v), Some(n)) = (
                args.kw("name").or(args.kw("key")),
                args.kw_node("name").or(args.kw_node("key")),
            ) {
                keys.push(Key {
                    pattern: v.key_pattern(&self.name_of(n)),
                    span: Self::span(n),
                });
            }
        }
        (keys, used)
    }

    /// The key(s) one positional argument stands for; lists are flattened when `flatten`.
    pub(super) fn arg_keys(&self, args: &Args<'a>, i: usize, flatten: bool) -> Vec<Key> {
        let (Some(v), Some(node)) = (args.pos.get(i), args.pos_nodes.get(i)) else {
            return Vec::new();
        };
        let text = self.name_of(*node);
        let span = Self::span(*node);
        let star = args.star.get(i).copied().unwrap_or(false);
        match v {
            Val::List(items) if flatten || star => {
                let mut c = node.walk();
                let elems: Vec<Node<'_>> = if matches!(node.kind(), "list" | "tuple" | "set") {
                    node.named_children(&mut c).collect()
                } else {
                    Vec::new()
                };
                items
                    .iter()
                    .enumerate()
                    .map(|(j, item)| {
                        let (span, t) = elems
                            .get(j)
                            .filter(|_| elems.len() == items.len())
                            .map_or((span, text.clone()), |e| (Self::span(*e), self.name_of(*e)));
                        Key {
                            pattern: item.key_pattern(&t),
                            span,
                        }
                    })
                    .collect()
            }
            Val::Family(elem, vars) if flatten || star => family_instances(elem, vars, &text)
                .into_iter()
                .map(|pattern| Key { pattern, span })
                .collect(),
            Val::Dict(pairs) if flatten || star => pairs
                .iter()
                .map(|(k, _, s)| Key {
                    pattern: k.key_pattern(&text),
                    span: *s,
                })
                .collect(),
            _ => vec![Key {
                pattern: v.key_pattern(&text),
                span,
            }],
        }
    }

    /// Adds an op (once per call site and command).
    pub(super) fn emit_op(
        &mut self,
        command: &str,
        node: Node<'a>,
        keys: Vec<Key>,
        used: Vec<usize>,
        args: &Args<'a>,
        client: Option<usize>,
    ) -> Option<usize> {
        if !self.recording {
            return None;
        }
        let span = Self::span(node);
        let id = (span.start, span.end, command.to_string());
        if let Some(&i) = self.op_ids.get(&id) {
            return Some(i);
        }
        let extra = args
            .pos
            .iter()
            .zip(&args.pos_nodes)
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(_, (v, n))| Arg {
                value: match v {
                    Val::Int(n) => Some(n.to_string().into_bytes()),
                    other => other.literal_bytes().map(<[u8]>::to_vec),
                },
                span: Self::span(*n),
            })
            .collect();
        self.out.model.ops.push(Op {
            command: command.to_string(),
            span,
            keys,
            args: extra,
            client,
        });
        let i = self.out.model.ops.len() - 1;
        self.op_ids.insert(id, i);
        Some(i)
    }

    /// `execute_command("CMD", *args)`: keys found as Redis finds them.
    fn execute_command(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        node: Node<'a>,
        args: &Args<'a>,
    ) {
        let Some(name) = args.pos.first().and_then(Val::literal_bytes) else {
            return;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let mut words: Vec<Vec<u8>> = name
            .split_whitespace()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        let head = words.len();
        if head == 0 || args.star.iter().any(|&s| s) {
            return;
        }
        for v in &args.pos[1..] {
            words.push(match v {
                Val::Int(n) => n.to_string().into_bytes(),
                other => other
                    .literal_bytes()
                    .map_or_else(|| b"x".to_vec(), <[u8]>::to_vec),
            });
        }
        let w1 = words
            .get(1)
            .map(|w| String::from_utf8_lossy(w).into_owned());
        let Some(spec) = commands::lookup(&String::from_utf8_lossy(&words[0]), w1.as_deref())
        else {
            return;
        };
        let command = spec.name().to_string();
        if command == "FUNCTION LOAD" {
            if let Some(Val::Str(_, Some(lit))) = args.pos.last() {
                crate::lang::lua::load_library(
                    &mut self.out.model,
                    &mut self.out.problems,
                    &lit.bytes,
                    &lit.offsets,
                );
            }
        }
        let positions = commands::key_positions(&words).unwrap_or_default();
        // argv index → positional argument index: argv[head..] are args.pos[1..].
        let mut keys = Vec::new();
        let mut used = vec![0];
        for idx in positions.indices() {
            if idx < head {
                continue;
            }
            let i = idx - head + 1;
            keys.extend(self.arg_keys(args, i, false));
            used.push(i);
        }
        if spec.is_script() {
            let (Some(n), Some(src)) = (args.pos.get(2).and_then(Val::as_int), args.pos.get(1))
            else {
                return;
            };
            let op = self.emit_op(&command, node, keys, used, args, client);
            self.queue(pipe, op, &command);
            let Some(op) = op else {
                return;
            };
            let lit = match src {
                Val::Str(_, Some(lit))
                    if command.starts_with("EVAL") && !command.contains("SHA") =>
                {
                    Some(&**lit)
                }
                _ => None,
            };
            let span = args
                .pos_nodes
                .get(1)
                .map_or(Self::span(node), |n| Self::span(*n));
            self.script_group(op, node, lit, span, u32::try_from(n).ok(), client);
            let name = args.pos.get(1).and_then(Val::literal_bytes);
            crate::lang::lua::name_fcall(&mut self.out.model, &command, name);
            return;
        }
        if client
            .and_then(|c| self.clients.kind(c))
            .is_some_and(|k| k.fans_out.contains(&command.as_str()))
        {
            return;
        }
        let op = self.emit_op(&command, node, keys, used, args, client);
        self.queue(pipe, op, &command);
    }
}

fn numeric(name: String, domain: Option<u64>) -> Val {
    Val::Opaque(Opaque {
        name,
        domain,
        numeric: true,
        ..Opaque::default()
    })
}
