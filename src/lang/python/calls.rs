//! Calls: Redis client constructors, redis-py methods → ops (pipelines are in
//! `pipes`, script calls in `scripts`), string methods, a few builtins, and
//! same-file helper functions (key builders, helpers that take a pipeline).
// The expression evaluator mirrors Python's grammar case by case; these
// pedantic lints fight that shape (to be folded with the other front-ends).
#![allow(clippy::needless_pass_by_value, clippy::single_match_else)]

use tree_sitter::Node;

use super::clients::{self, ClientKind, Shape};
use super::strings::format_template;
use super::value::{Elem, Literal, Opaque, Py, Val};
use super::{Cx, MAX_CALL_DEPTH};
use crate::commands;
use crate::keypattern::KeyPattern;
use crate::model::{Arg, Key};

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
        self.m.client(kind, kind.to_client(), name)
    }

    fn args(&mut self, node: Option<Node<'a>>) -> Args<'a> {
        let mut out = Args::default();
        let Some(node) = node else {
            return out;
        };
        // `f(x for x in xs)`: the generator is the one argument.
        if node.kind() == "generator_expression" {
            let v = self.eval(node);
            out.pos.push(v);
            out.pos_nodes.push(node);
            out.star.push(false);
            return out;
        }
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
            _ => {
                let f = self.eval(func);
                self.call_value(node, f, &args)
                    .unwrap_or_else(|| Val::opaque(self.name_of(node)))
            }
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
            Val::Ext(Py::SelfRef | Py::Instance(_)) => {
                let class = match recv {
                    Val::Ext(Py::Instance(c)) => Some(c),
                    _ => self.class.clone(),
                };
                let Some(class) = class else {
                    return Val::opaque(self.name_of(node));
                };
                if let Some((owner, def)) = self.method(&class, method) {
                    let module = owner.module;
                    return self.call_function(node, module, def, Some(owner), args);
                }
                // An attribute holding something callable: `redis_client =
                // redis.Redis` called as a factory, a `register_script` object.
                let attr = self.class_attr(&class, method);
                attr.and_then(|v| self.call_value(node, v, args))
                    .unwrap_or_else(|| Val::opaque(self.name_of(node)))
            }
            Val::Ext(Py::Module(m)) => {
                let member = self.member(m, method);
                member
                    .and_then(|v| self.call_value(node, v, args))
                    .unwrap_or_else(|| Val::opaque(self.name_of(node)))
            }
            // `Job.key_for(job_id)`: a class or static method.
            Val::Ext(Py::Class(class)) if self.method(&class, method).is_some() => {
                let Some((owner, def)) = self.method(&class, method) else {
                    return Val::opaque(self.name_of(node));
                };
                let module = owner.module;
                self.call_function(node, module, def, Some(owner), args)
            }
            Val::Ext(Py::RedisName(q)) => {
                let q = format!("{q}.{method}");
                match clients::constructor(&q) {
                    Some(kind) => Val::Client(self.client(kind)),
                    None => Val::Unknown,
                }
            }
            Val::Client(c) => self.redis_method(Some(c), None, method, node, args),
            Val::Pipeline(p) => self.pipeline_method(p, method, node, args),
            Val::Str(p, lit) => self.str_method(&p, lit.as_deref(), method, node, args),
            Val::List(items) => self.list_method(obj, items, method, args),
            recv @ Val::Ext(Py::Path(_) | Py::Open(_)) => self
                .path_method(&recv, method, node, args)
                .unwrap_or_else(|| Val::opaque(self.name_of(node))),
            // A function used as an object (a lazily made client) is known by
            // its name, like any value the analysis cannot follow.
            ref recv @ (Val::Opaque(_) | Val::Unknown | Val::Ext(Py::Func(..) | Py::Class(_))) => {
                if let Some(v) = self.path_function(&self.name_of(obj), method, node, args) {
                    return v;
                }
                let known = clients::special(method).is_some()
                    || matches!(
                        method,
                        "pipeline"
                            | "register_script"
                            | "execute_command"
                            | "send_command"
                            | "transaction"
                            | "function_load"
                            | "script_load"
                    )
                    || commands::lookup(method, None)
                        .is_some_and(|s| !s.key_specs().is_empty() && s.container().is_none());
                let receiver = self.name_of(obj);
                let imports_redis = self.md().imports_redis;
                // A client by its name, by this call (a method only Redis
                // clients have), or by such a call on it elsewhere.
                let redisish = clients::is_redisish_name(&receiver, imports_redis)
                    || clients::is_redis_only(method);
                if known && !method.starts_with('_') && (redisish || self.evident_client(&receiver))
                {
                    let c = self.named_client(clients::UNKNOWN, Some(&receiver));
                    return self.redis_method(Some(c), None, method, node, args);
                }
                let period = match recv {
                    Val::Opaque(o) => time_method(&self.name_of(obj), o.period, method, args),
                    _ => time_method(&self.name_of(obj), None, method, args),
                };
                let mut v = self.default_get(node, method, args);
                if let (Val::Opaque(o), Some(p)) = (&mut v, period) {
                    o.period = Some(p);
                    o.numeric |= p == "instant";
                }
                v
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

    /// Calls a value: a function or class of the project, a constructor
    /// imported from redis, a `register_script` object. `None` for anything else.
    pub(super) fn call_value(&mut self, node: Node<'a>, f: Val, args: &Args<'a>) -> Option<Val> {
        match f {
            Val::Ext(Py::Script(lit, span, file)) => {
                Some(self.script_object_call(node, (lit.as_deref(), file), span, args))
            }
            Val::Ext(Py::Func(module, name)) => {
                let def = self.mods[module].funcs.get(&name).copied()?;
                Some(self.call_function(node, module, def, None, args))
            }
            Val::Ext(Py::Class(c)) => Some(Val::Ext(Py::Instance(c))),
            Val::Ext(Py::RedisName(q)) => Some(
                clients::constructor(&q)
                    .map_or(Val::Unknown, |kind| Val::Client(self.client(kind))),
            ),
            _ => None,
        }
    }

    fn name_call(&mut self, node: Node<'a>, func: Node<'a>, args: &Args<'a>) -> Val {
        let name = self.text(func);
        if let Some(v @ Val::Ext(Py::Script(..))) = self
            .env
            .get(name)
            .or_else(|| self.md().env.get(name))
            .cloned()
        {
            return self.call_value(node, v, args).unwrap_or(Val::Unknown);
        }
        if let Some(import) = self.md().imports.get(name).cloned() {
            let v = self.imported(import);
            return v
                .and_then(|v| self.call_value(node, v, args))
                .unwrap_or_else(|| Val::opaque(self.name_of(node)));
        }
        if let Some(def) = self.md().funcs.get(name).copied() {
            let module = self.cur;
            return self.call_function(node, module, def, None, args);
        }
        if self.md().classes.contains_key(name) {
            return Val::Ext(Py::Instance(super::ClassRef {
                module: self.cur,
                name: name.to_string(),
            }));
        }
        let first = args.pos.first().cloned().unwrap_or(Val::Unknown);
        let text = self.name_of(node);
        match (name, &first) {
            ("open", Val::Ext(Py::Path(p))) => return Val::Ext(Py::Open(p.clone())),
            ("Path" | "PurePath", _) => {
                if let Some(v) = self.path_function("pathlib", name, node, args) {
                    return v;
                }
            }
            _ => {}
        }
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
        module: usize,
        def: Node<'a>,
        class: Option<super::ClassRef>,
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
        // `*args` parameters get the positional arguments as written here.
        let varargs = def.child_by_field_name("parameters").is_some_and(|ps| {
            crate::lang::walk::children(ps)
                .iter()
                .any(|p| p.kind() == "list_splat_pattern")
        });
        let elems = (varargs && !args.star.iter().any(|&s| s)).then(|| {
            args.pos
                .iter()
                .zip(&args.pos_nodes)
                .map(|(v, n)| self.elem(v.clone(), *n))
                .collect::<Vec<_>>()
        });
        let pipes_before = self.m.pipes.len();
        // Code of another module: what it makes is placed at this call.
        let saved_site = self.site;
        if self.cur == 0 {
            self.site = Some(self.span(node));
        }
        let saved_cur = std::mem::replace(&mut self.cur, module);
        self.ready(module);
        let outer = self.md().env.clone();
        let (env, faithful) =
            self.function_env_with(def, class.as_ref(), &outer, Some(args), elems);
        let saved_env = std::mem::replace(&mut self.env, env);
        let saved_class = std::mem::replace(&mut self.class, class);
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_recording = self.m.recording;
        let saved_rename = std::mem::replace(&mut self.rename_locals, faithful);
        // A `@contextmanager` gives what it yields.
        let yields =
            super::modules::decorators(def).any(|d| self.text(d).ends_with("contextmanager"));
        let saved_yields = std::mem::replace(&mut self.yields, yields);
        self.m.recording = saved_recording && handed_redis;
        self.call_depth += 1;
        if let Some(body) = def.child_by_field_name("body") {
            self.exec_block(body);
        }
        self.call_depth -= 1;
        self.cur = saved_cur;
        self.site = saved_site;
        let returns = std::mem::replace(&mut self.returns, saved_returns);
        self.env = saved_env;
        self.class = saved_class;
        self.m.recording = saved_recording;
        self.rename_locals = saved_rename;
        self.yields = saved_yields;
        let name = self.name_of(node);
        // A pipeline the call makes and hands back (a factory, a
        // `@contextmanager`) is where the caller gets it.
        for v in &returns {
            if let Val::Pipeline(p) = v {
                if *p >= pipes_before {
                    self.m.pipes[*p].span = self.span(node);
                }
            }
        }
        // A factory that returns a cluster client or a single-node one.
        if returns.len() > 1
            && returns.iter().all(|v| matches!(v, Val::Client(_)))
            && returns.iter().any(|v| v != &returns[0])
        {
            return Val::Client(self.client(clients::EITHER));
        }
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

    /// `keys.append(k)`, `keys.extend(ks)`, `keys.add(k)` on a list bound to
    /// a name: the binding grows, by one element per turn inside a loop.
    fn list_method(
        &mut self,
        obj: Node<'a>,
        items: Vec<Elem>,
        method: &str,
        args: &Args<'a>,
    ) -> Val {
        let added: Vec<Elem> = match (method, args.pos.first(), args.pos_nodes.first()) {
            ("append" | "add", Some(v), Some(n)) => vec![self.elem(v.clone(), *n)],
            ("extend" | "update", Some(Val::List(vs)), _) => vs.clone(),
            ("extend" | "update", Some(Val::Family(e, vars)), _) => {
                return self.grow(obj, items, Val::Family(e.clone(), vars.clone()));
            }
            _ => return Val::Unknown,
        };
        let looping = &self.m.loop_vars;
        if looping.is_empty() {
            let mut all = items;
            all.extend(added);
            let v = Val::List(all);
            self.bind(obj, v);
            return Val::Unknown;
        }
        match &added[..] {
            [one] => {
                let family = Val::Family(Box::new(one.val.clone()), looping.clone());
                self.grow(obj, items, family)
            }
            _ => Val::Unknown,
        }
    }

    /// A list that gets a family of elements: the family when it was empty,
    /// else nothing certain.
    fn grow(&mut self, obj: Node<'a>, items: Vec<Elem>, family: Val) -> Val {
        let v = if items.is_empty() {
            family
        } else {
            Val::opaque(self.name_of(obj))
        };
        self.bind(obj, v);
        Val::Unknown
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
                    Val::Str(p.replace_all(&old, &new), None)
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
                        out.extend(&item.val.interpolated(&named(self, 0)));
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
        let kind = self.m.kind(client);
        match method {
            "pipeline" => {
                let (transaction, assumed) = match args.kw("transaction").or(args.pos.first()) {
                    Some(Val::Bool(b)) => (*b, false),
                    _ => kind.map_or((false, false), |k| {
                        (k.pipeline_is_transaction, k.pipeline_assumed)
                    }),
                };
                let p = self.new_pipe(client, node, transaction);
                if assumed {
                    self.m.pipes[p].assumption = Some(clients::ASSUMED_PIPELINE.to_string());
                }
                return Val::Pipeline(p);
            }
            "register_script" | "script_load" => {
                let (lit, file) = match args.pos.first() {
                    Some(Val::Str(_, l)) => (l.clone(), false),
                    Some(Val::Ext(Py::FileText(l))) => (Some(l.clone()), true),
                    _ => (None, false),
                };
                let span = args
                    .pos_nodes
                    .first()
                    .map_or(self.span(node), |n| self.span(*n));
                return Val::Ext(if method == "script_load" {
                    Py::Sha(lit, span, file)
                } else {
                    Py::Script(lit, span, file)
                });
            }
            "transaction" => return self.transaction(client, node, args),
            "function_load" => {
                self.function_load(args);
                return Val::Unknown;
            }
            "execute_command" | "send_command" => {
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
                    Val::Map(pairs) => pairs
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
                    span: self.span(n),
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
        let span = self.span(*node);
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
                            .map_or((span, text.clone()), |e| (self.span(*e), self.name_of(*e)));
                        Key {
                            pattern: item.val.key_pattern(&t),
                            span,
                        }
                    })
                    .collect()
            }
            Val::Family(elem, vars) if flatten || star => elem
                .family_instances(vars, &text)
                .into_iter()
                .map(|pattern| Key { pattern, span })
                .collect(),
            Val::Map(pairs) if flatten || star => pairs
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
        if !self.m.recording {
            return None;
        }
        let extra = args
            .pos
            .iter()
            .zip(&args.pos_nodes)
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(_, (v, n))| Arg {
                value: v.literal_bytes(),
                span: self.span(*n),
            })
            .collect();
        self.m.op(command, self.span(node), keys, extra, client)
    }

    /// `execute_command("CMD", *args)`: keys found as Redis finds them.
    /// The arguments with `*list` and `*family` spread in place (a family as
    /// two of its elements), or `None` when a spread value is unknown.
    fn spread(&self, args: &Args<'a>) -> Option<Args<'a>> {
        let mut out = Args {
            kw: args.kw.clone(),
            kw_nodes: args.kw_nodes.clone(),
            ..Args::default()
        };
        for ((v, n), star) in args.pos.iter().zip(&args.pos_nodes).zip(&args.star) {
            let items: Vec<Val> = match (star, v) {
                (false, _) => vec![v.clone()],
                (true, Val::List(items)) => items.iter().map(|e| e.val.clone()).collect(),
                (true, Val::Family(elem, vars)) => elem
                    .family_instances(vars, &self.name_of(*n))
                    .into_iter()
                    .map(|p| Val::Str(p, None))
                    .collect(),
                _ => return None,
            };
            for item in items {
                out.pos.push(item);
                out.pos_nodes.push(*n);
                out.star.push(false);
            }
        }
        Some(out)
    }

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
        let name = String::from_utf8_lossy(&name).into_owned();
        let mut words: Vec<Vec<u8>> = name
            .split_whitespace()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        let head = words.len();
        // `*keys` spread in place: a list's elements, or two elements of a
        // family (a script's key count is then unknown: left alone).
        let expanded;
        let args = if args.star.iter().any(|&s| s) {
            let script =
                commands::lookup(&name, None).is_some_and(commands::CommandSpec::is_script);
            match self.spread(args).filter(|_| !script) {
                Some(a) => {
                    expanded = a;
                    &expanded
                }
                None => return,
            }
        } else {
            args
        };
        if head == 0 {
            return;
        }
        for v in &args.pos[1..] {
            words.push(match v {
                Val::Int(n) => n.to_string().into_bytes(),
                other => other.literal_bytes().unwrap_or_else(|| b"x".to_vec()),
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
                    &mut self.m.out.model,
                    &mut self.m.out.problems,
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
            let text = super::scripts::script_text(&command, src);
            let span = args
                .pos_nodes
                .get(1)
                .map_or(self.span(node), |n| self.span(*n));
            self.script_group(op, node, text, span, u32::try_from(n).ok(), client);
            let name = args.pos.get(1).and_then(Val::literal_bytes);
            crate::lang::lua::name_fcall(&mut self.m.out.model, &command, name.as_deref());
            return;
        }
        if client
            .and_then(|c| self.m.kind(Some(c)))
            .is_some_and(|k| k.fans_out.contains(&command.as_str()))
        {
            return;
        }
        let op = self.emit_op(&command, node, keys, used, args, client);
        self.queue(pipe, op, &command);
    }
}

/// The period of the time a method gives: `date.today()` a day,
/// `datetime.now()` an instant, `.strftime("%Y-%m-%d-%H")` an hour.
fn time_method(
    receiver: &str,
    period: Option<&'static str>,
    method: &str,
    args: &Args<'_>,
) -> Option<&'static str> {
    let last = receiver.rsplit('.').next().unwrap_or(receiver);
    match method {
        "today" if last == "date" => Some("day"),
        "today" | "now" | "utcnow" if matches!(last, "datetime" | "date") => Some("instant"),
        "time" | "time_ns" if last == "time" => Some("instant"),
        "date" if period == Some("instant") => Some("day"),
        "isoformat" | "timestamp" => period,
        "strftime" if period.is_some() || last == "time" => {
            let fmt = args.pos.first().and_then(Val::literal_bytes)?;
            strftime_period(&String::from_utf8_lossy(&fmt))
        }
        _ => None,
    }
}

/// The smallest period a `strftime` format shows.
fn strftime_period(fmt: &str) -> Option<&'static str> {
    let has = |codes: &[&str]| codes.iter().any(|c| fmt.contains(c));
    if has(&["%S", "%f", "%s", "%T", "%c", "%X"]) {
        Some("instant")
    } else if has(&["%M", "%R"]) {
        Some("minute")
    } else if has(&["%H", "%I"]) {
        Some("hour")
    } else if has(&["%d", "%j", "%a", "%A", "%w", "%F", "%D", "%x", "%e"]) {
        Some("day")
    } else if has(&["%U", "%W", "%V"]) {
        Some("week")
    } else if has(&["%m", "%b", "%B"]) {
        Some("month")
    } else if has(&["%Y", "%y", "%G"]) {
        Some("year")
    } else {
        None
    }
}

/// The period an integer division cuts a time in seconds to.
pub(super) fn division_period(seconds: i64) -> Option<&'static str> {
    match seconds {
        60 => Some("minute"),
        3600 => Some("hour"),
        86_400 => Some("day"),
        604_800 => Some("week"),
        _ => None,
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
