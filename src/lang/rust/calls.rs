//! Calls: redis-rs and fred constructors, `redis::cmd(..)` builders, typed
//! command methods (`Commands`/`AsyncCommands`, fred's client and custom
//! commands) → ops, pipelines and transactions → groups, `Script`
//! invocations, string and iterator methods, `unwrap_or` defaults, and the
//! project's functions and methods (key builders, helpers handed a
//! connection), in this module or others.

use syn::Expr;

use super::methods::{
    flatten, is_connection_method, is_redisish, method_argv, ClientKind, CLUSTER_FANS_OUT,
    CLUSTER_SPLITS, PASS_THROUGH,
};
use super::modules::segments;
use super::value::{Elem, Opaque, Rs, Val};
use super::{CmdBuild, Cx, FnDef, ScriptBuild, MAX_CALL_DEPTH};
use crate::commands;
use crate::keypattern::KeyPattern;
use crate::lang::lua;
use crate::model::{Client, GroupKind, Span, Topology};

impl<'a> Cx<'a> {
    /// The index of a client of this kind in the model (one per kind).
    pub(super) fn client(&mut self, kind: ClientKind) -> usize {
        let (label, client) = match kind {
            ClientKind::RedisRs => ("redis-rs connection", Client::default()),
            ClientKind::Cluster => (
                "redis-rs ClusterClient",
                Client {
                    topology: Topology::Cluster,
                    splits_per_slot: CLUSTER_SPLITS.iter().map(|s| (*s).to_string()).collect(),
                    pipeline_one_slot: true,
                    ..Client::default()
                },
            ),
            ClientKind::Fred => ("fred client", Client::default()),
        };
        let client = Client {
            label: label.to_string(),
            ..client
        };
        self.m.client(kind, client, None)
    }

    fn is_cluster(&self, client: Option<usize>) -> bool {
        self.m
            .out
            .model
            .client(client)
            .is_some_and(|c| c.topology == Topology::Cluster)
    }

    /// A new pipeline, with no command being built on it yet.
    pub(super) fn new_pipe(&mut self, client: Option<usize>, span: Span, kind: GroupKind) -> usize {
        let p = self.m.new_pipe(client, span, kind);
        self.queued.resize_with(p + 1, Vec::new);
        p
    }

    pub(super) fn call(&mut self, e: &Expr, c: &syn::ExprCall) -> Val {
        let Expr::Path(func) = &*c.func else {
            self.eval(&c.func);
            self.elems(c.args.iter());
            return Val::opaque(self.text(e));
        };
        let path = self.text(func);
        if (path == "redis::transaction" || path == "transaction") && c.args.len() == 3 {
            if let Some(Expr::Closure(body)) = c.args.iter().nth(2) {
                return self.transaction(e, c, body);
            }
        }
        let last = super::last_ident(&func.path);
        let args = self.elems(c.args.iter());
        let span = self.span_of(e);
        let first = args.first().map_or(Val::Unknown, |a| a.val.clone());
        let owner = path.rsplit("::").nth(1).unwrap_or("");
        match (owner, last.as_str()) {
            ("redis" | "", "cmd") | ("Cmd", "new") => {
                self.cmds.push(CmdBuild { argv: args, span });
                return Val::Ext(Rs::Cmd(self.cmds.len() - 1));
            }
            ("redis" | "", "pipe") | ("Pipeline", "new" | "with_capacity") => {
                return Val::Pipeline(self.new_pipe(None, span, GroupKind::Pipeline));
            }
            ("cluster" | "", "cluster_pipe") | ("ClusterPipeline", "new") => {
                let client = self.client(ClientKind::Cluster);
                return Val::Pipeline(self.new_pipe(Some(client), span, GroupKind::Pipeline));
            }
            ("Script", "new" | "from_lua") => {
                let lit = match &first {
                    Val::Str(_, Some(l)) => Some(std::rc::Rc::new((**l).clone())),
                    _ => None,
                };
                let at = args.first().map_or(span, |a| a.span);
                // The same script made again (a constructor run twice) is the same value.
                let known = self.script_sites.get(&at).and_then(|ids| {
                    ids.iter()
                        .copied()
                        .find(|&i| self.scripts.get(i).is_some_and(|s| s.lit == lit))
                });
                if let Some(i) = known {
                    return Val::Ext(Rs::Script(i));
                }
                self.scripts.push(ScriptBuild {
                    lit,
                    span: at,
                    keys: Vec::new(),
                    counted: true,
                    invocation: false,
                });
                let i = self.scripts.len() - 1;
                self.script_sites.entry(at).or_default().push(i);
                return Val::Ext(Rs::Script(i));
            }
            ("ClusterClient" | "ClusterClientBuilder", _) => {
                return Val::Client(self.client(ClientKind::Cluster));
            }
            ("Client" | "RedisClient" | "Builder" | "RedisPool" | "Pool", _) if self.fred => {
                return Val::Client(self.client(ClientKind::Fred));
            }
            ("Client", "open" | "build_with_tls") | ("ConnectionManager", "new") => {
                return match first {
                    Val::Client(c) => Val::Client(c),
                    _ => Val::Client(self.client(ClientKind::RedisRs)),
                };
            }
            ("Commands" | "AsyncCommands" | "ClusterCommands", _) => {
                let client = match first {
                    Val::Client(c) => Some(c),
                    _ => None,
                };
                return self.conn_method(client, &last, args.get(1..).unwrap_or_default(), span, e);
            }
            ("String", "new" | "with_capacity") => return Val::lit(""),
            // fred's custom commands: the command's name.
            ("CustomCommand", "new" | "new_static") if self.fred => return first,
            (
                "LazyLock" | "Lazy" | "String" | "Box" | "Arc" | "Rc" | "Mutex" | "RwLock"
                | "RefCell" | "Cow" | "Vec" | "Some" | "Ok" | "Bytes",
                _,
            )
            | ("", "Some" | "Ok") => {
                return if args.len() == 1 { first } else { Val::Unknown };
            }
            _ => {}
        }
        let segs = segments(&func.path);
        let local = segs.len() == 1 && self.unique_fn(&last, None).is_some();
        if !local {
            if let Some(def) = self.resolve_fn(&segs) {
                return self.call_function(e, def, &args, None);
            }
        }
        if let Some(def) = self.unique_fn(&last, None) {
            return self.call_function(e, def, &args, None);
        }
        Val::opaque(self.text(e))
    }

    /// The function a path names: a free function of a module (through
    /// `use`, `crate::`, `super::`, globs) or an associated function of a
    /// struct (`Queue::new`, `Self::key`).
    fn resolve_fn(&mut self, segs: &[String]) -> Option<FnDef<'a>> {
        let (k, rest) = self.resolve(self.cur, segs)?;
        match rest.as_slice() {
            [name] => {
                if let Some(d) = self.free_fn(k, name) {
                    return Some(d);
                }
                let globs = self.glob_modules(k);
                globs.into_iter().find_map(|g| self.free_fn(g, name))
            }
            [ty, name] => {
                let ty = self.struct_in(k, ty)?;
                self.method_of(&ty, name)
            }
            _ => None,
        }
    }

    /// `redis::transaction(con, &keys, |con, pipe| …)`: WATCH the keys, run
    /// the closure with an atomic pipeline, EXEC.
    fn transaction(&mut self, e: &Expr, c: &syn::ExprCall, body: &syn::ExprClosure) -> Val {
        let given = self.elems(c.args.iter().take(2));
        let span = self.span_of(e);
        let client = Self::client_arg(&given);
        let p = self.new_pipe(client, span, GroupKind::TxPipeline);
        let mut argv = vec![word("WATCH", span)];
        argv.extend(given.get(1).map(flatten).unwrap_or_default());
        let watch = self.emit_op(&argv, span, client);
        self.m.queue::<Rs>(Some(p), watch, "WATCH");
        self.m.multi(p);
        let mut params = body.inputs.iter();
        if let Some(pat) = params.next() {
            self.bind(pat, client.map_or(Val::Unknown, Val::Client));
        }
        if let Some(pat) = params.next() {
            self.bind(pat, Val::Pipeline(p));
        }
        self.eval(&body.body);
        self.finish_pipe(p, client);
        Val::Unknown
    }

    /// The one function (or method, `with_self`) of this name in the running module.
    fn unique_fn(&mut self, name: &str, with_self: Option<bool>) -> Option<FnDef<'a>> {
        let defs = self.items(self.cur)?.fns.get(name)?;
        let mut it = defs
            .iter()
            .filter(|d| with_self.is_none_or(|s| d.has_self == s));
        let first = it.next()?;
        it.next().is_none().then_some(*first)
    }

    /// A function of the project: a key builder gives the pattern it
    /// returns; a helper handed a connection or pipeline runs with it
    /// (recording its ops). Code of another module places what it makes at
    /// this call.
    fn call_function(
        &mut self,
        e: &Expr,
        def: FnDef<'a>,
        args: &[Elem],
        receiver: Option<Val>,
    ) -> Val {
        let name = self.name_of(e);
        if self.call_depth >= MAX_CALL_DEPTH {
            return Val::opaque(name);
        }
        let handed = args
            .iter()
            .any(|a| matches!(a.val, Val::Client(_) | Val::Pipeline(_)));
        // Another module's function that is handed no connection and gives
        // back nothing a key is made of: nothing to learn by running it.
        if def.module != 0 && !handed && !def.has_self && plain_output(&def.sig.output) {
            return Val::opaque(name);
        }
        let at = self.span_of(e);
        let from = self.cur;
        let saved_site = self.site;
        if from == 0 {
            self.site = Some(at);
        }
        let saved_cur = std::mem::replace(&mut self.cur, def.module);
        let owner = self.owner_type(&def);
        let saved_impl = std::mem::replace(&mut self.impl_ty, owner);
        let env = self.param_env(&def, Some(args), receiver);
        let saved_env = std::mem::replace(&mut self.env, env);
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_recording = self.m.recording;
        self.m.recording = saved_recording && handed;
        self.call_depth += 1;
        let tail = self.exec_block(def.block);
        self.call_depth -= 1;
        let mut returns = std::mem::replace(&mut self.returns, saved_returns);
        self.env = saved_env;
        self.m.recording = saved_recording;
        self.impl_ty = saved_impl;
        self.cur = saved_cur;
        self.site = saved_site;
        if tail != Val::Unknown || returns.is_empty() {
            returns.push(tail);
        }
        let first = returns[0].clone();
        if returns.iter().any(|v| *v != first) {
            return Val::opaque(name);
        }
        let v = match first {
            Val::Opaque(o) => Val::Opaque(super::value::Opaque { name, ..o }),
            Val::Unknown => Val::opaque(name),
            v => v,
        };
        if def.module != 0 && from == 0 {
            self.relocate(v, at)
        } else {
            v
        }
    }

    pub(super) fn method_call(&mut self, e: &Expr, m: &syn::ExprMethodCall) -> Val {
        let method = m.method.to_string();
        let span = Span::new(self.span_of(&m.method).start, self.span_of(e).end);
        if let Some(v) = self.mapped(e, m, &method) {
            return v;
        }
        let recv = self.eval(&m.receiver);
        let args = self.elems(m.args.iter());
        if method == "collect" {
            if let Some(v) = self.collected(m, &recv) {
                return v;
            }
        }
        if let Val::Ext(Rs::Struct(inst)) = &recv {
            if let Some(def) = self.method_of(&inst.ty, &method) {
                return self.call_function(e, def, &args, Some(recv));
            }
            if PASS_THROUGH.contains(&method.as_str()) {
                return recv;
            }
        }
        if matches!(method.as_str(), "unwrap_or" | "unwrap_or_else")
            && matches!(recv, Val::Opaque(_) | Val::Unknown)
        {
            if let Some(v) = args
                .first()
                .and_then(|a| self.with_default(&recv, m, &a.val))
            {
                return v;
            }
        }
        match recv {
            Val::Client(c) => self.conn_method(Some(c), &method, &args, span, e),
            Val::Ext(Rs::Cmd(i)) => {
                // A command kept in a variable and sent later is reported where it is sent.
                // Built in this chain (not in a helper whose result is sent here).
                let chained = !matches!(&*m.receiver, Expr::Path(_))
                    && self
                        .cmds
                        .get(i)
                        .is_some_and(|c| c.span.start == self.span_of(&m.receiver).start);
                self.cmd_method(i, &method, &args, span, chained)
            }
            Val::Pipeline(p) => self.pipe_method(p, &method, &args, span),
            Val::Ext(Rs::Script(s)) => self.script_method(s, &method, &args, span),
            Val::Str(p, lit) => self.str_method(&m.receiver, &p, lit, &method, &args, e),
            v @ (Val::List(_) | Val::Family(..)) if PASS_THROUGH.contains(&method.as_str()) => v,
            Val::List(items) if method == "join" => {
                let sep = args
                    .first()
                    .map_or(KeyPattern::default(), |a| a.val.interpolated(&a.text));
                let mut out = KeyPattern::default();
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.extend(&sep);
                    }
                    out.extend(&it.val.interpolated(&it.text));
                }
                Val::Str(out, None)
            }
            recv => {
                let is_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
                if is_self {
                    if let Some(def) = self.unique_fn(&method, Some(true)) {
                        return self.call_function(e, def, &args, None);
                    }
                }
                let receiver = self.name_of(&m.receiver);
                if matches!(recv, Val::Opaque(_) | Val::Unknown)
                    && receiver.to_ascii_lowercase().contains("cluster")
                    && (is_connection_method(&method) || method.contains("connection"))
                {
                    return Val::Client(self.client(ClientKind::Cluster));
                }
                if matches!(recv, Val::Opaque(_) | Val::Unknown) && is_redisish(&receiver) {
                    return self.conn_method(None, &method, &args, span, e);
                }
                match recv {
                    Val::Opaque(o) if PASS_THROUGH.contains(&method.as_str()) => Val::Opaque(o),
                    _ if matches!(method.as_str(), "len" | "count") => {
                        Val::numeric(self.text(e), None)
                    }
                    _ => Val::opaque(self.text(e)),
                }
            }
        }
    }

    /// `.map(|x| …)` and friends with a closure: a family of what the closure
    /// makes when that is a string.
    fn mapped(&mut self, e: &Expr, m: &syn::ExprMethodCall, method: &str) -> Option<Val> {
        if !matches!(method, "map" | "filter_map" | "flat_map") {
            return None;
        }
        let Some(Expr::Closure(cl)) = m.args.first() else {
            return None;
        };
        self.eval(&m.receiver);
        let mut vars = Vec::new();
        for p in &cl.inputs {
            let p = match p {
                syn::Pat::Type(t) => &*t.pat,
                p => p,
            };
            if let syn::Pat::Ident(id) = p {
                vars.push(id.ident.to_string());
            }
            self.bind(p, Val::Unknown);
        }
        Some(match self.eval(&cl.body) {
            v @ Val::Str(..) => Val::Family(Box::new(v), vars),
            _ => Val::opaque(self.text(e)),
        })
    }

    /// `.collect()` of unknown items: any number of them (into a `String`, text).
    fn collected(&self, m: &syn::ExprMethodCall, recv: &Val) -> Option<Val> {
        if !matches!(recv, Val::Opaque(_) | Val::Unknown) {
            return None;
        }
        let into = m.turbofish.as_ref().and_then(|t| t.args.first());
        into.is_none_or(|t| super::is_collection_type(&self.text(t)))
            .then(|| Val::Family(Box::new(Val::opaque(self.name_of(&m.receiver))), Vec::new()))
    }

    fn str_method(
        &mut self,
        recv: &Expr,
        p: &KeyPattern,
        lit: Option<Box<super::value::Literal>>,
        method: &str,
        args: &[Elem],
        e: &Expr,
    ) -> Val {
        match method {
            "replace" | "replacen" => match (
                args.first().and_then(|a| a.val.literal_bytes()),
                args.get(1),
            ) {
                (Some(old), Some(new)) => {
                    Val::Str(p.replace_all(&old, &new.val.interpolated(&new.text)), None)
                }
                _ => Val::opaque(self.text(e)),
            },
            "push_str" | "push" => {
                if let (Expr::Path(path), Some(a)) = (recv, args.first()) {
                    if let Some(id) = path.path.get_ident() {
                        let mut out = p.clone();
                        out.extend(&a.val.interpolated(&a.text));
                        self.env.insert(id.to_string(), Val::Str(out, None));
                    }
                }
                Val::Unknown
            }
            "len" => Val::numeric(self.text(e), None),
            // `Some(x).unwrap_or(y)`: a value that is there.
            m if PASS_THROUGH.contains(&m) || m.starts_with("unwrap_or") => {
                Val::Str(p.clone(), lit)
            }
            "to_lowercase" | "to_ascii_lowercase" => p.as_literal().map_or_else(
                || Val::opaque(self.text(e)),
                |b| Val::lit(b.to_ascii_lowercase()),
            ),
            _ => Val::opaque(self.text(e)),
        }
    }

    fn conn_method(
        &mut self,
        client: Option<usize>,
        method: &str,
        args: &[Elem],
        span: Span,
        e: &Expr,
    ) -> Val {
        if let Some(c) = client {
            if is_connection_method(method) || PASS_THROUGH.contains(&method) {
                return Val::Client(c);
            }
        }
        match method {
            "pipeline" if self.fred => {
                return Val::Pipeline(self.new_pipe(client, span, GroupKind::Pipeline))
            }
            "multi" if self.fred => {
                return Val::Pipeline(self.new_pipe(client, span, GroupKind::Transaction))
            }
            _ => {}
        }
        if let Some(argv) = method_argv(method, args, span, self.fred) {
            let op = self.emit_op(&argv, span, client);
            self.script_cmd(&argv, op, span, client);
        }
        Val::opaque(self.text(e))
    }

    /// `opt.unwrap_or("rsmq")`, `opt.unwrap_or_else(|| …)`: an unknown value
    /// whose default is the literal given.
    fn with_default(&self, recv: &Val, m: &syn::ExprMethodCall, default: &Val) -> Option<Val> {
        let mut o = match recv {
            Val::Opaque(o) => o.clone(),
            _ => Opaque {
                name: self.name_of(&m.receiver),
                ..Opaque::default()
            },
        };
        match default {
            Val::Str(p, _) => o.default = Some(p.as_literal()?.to_vec()),
            Val::Int(n) => {
                o.int_default = Some(*n);
                o.numeric = true;
            }
            _ => return None,
        }
        Some(Val::Opaque(o))
    }

    fn client_arg(args: &[Elem]) -> Option<usize> {
        match args.first().map(|a| &a.val) {
            Some(Val::Client(c)) => Some(*c),
            _ => None,
        }
    }

    fn cmd_method(
        &mut self,
        i: usize,
        method: &str,
        args: &[Elem],
        span: Span,
        chained: bool,
    ) -> Val {
        match method {
            "arg" | "cursor_arg" => {
                if let Some(cmd) = self.cmds.get_mut(i) {
                    cmd.argv.extend(args.iter().flat_map(flatten));
                }
                Val::Ext(Rs::Cmd(i))
            }
            "query" | "query_async" | "exec" | "exec_async" | "execute" | "iter" | "iter_async" => {
                let Some(cmd) = self.cmds.get(i).cloned() else {
                    return Val::Unknown;
                };
                let full: Vec<Elem> = cmd.argv.iter().flat_map(flatten).collect();
                let at = if chained { cmd.span.cover(span) } else { span };
                let client = Self::client_arg(args);
                let op = self.emit_op(&full, at, client);
                self.script_cmd(&full, op, at, client);
                Val::Unknown
            }
            _ => Val::Ext(Rs::Cmd(i)),
        }
    }

    fn pipe_method(&mut self, p: usize, method: &str, args: &[Elem], span: Span) -> Val {
        match method {
            "atomic" => self.m.multi(p),
            "ignore" | "clone" | "as_mut" => {}
            "cmd" => {
                if let Some(cmds) = self.queued.get_mut(p) {
                    cmds.push(CmdBuild {
                        argv: args.to_vec(),
                        span,
                    });
                }
            }
            "arg" => {
                if let Some(cmd) = self.queued.get_mut(p).and_then(|x| x.last_mut()) {
                    cmd.argv.extend(args.iter().flat_map(flatten));
                }
            }
            "add_command" => {
                if let Some(Val::Ext(Rs::Cmd(c))) = args.first().map(|a| &a.val) {
                    if let (Some(cmd), Some(cmds)) =
                        (self.cmds.get(*c).cloned(), self.queued.get_mut(p))
                    {
                        cmds.push(cmd);
                    }
                }
            }
            "clear" => {
                if let Some(cmds) = self.queued.get_mut(p) {
                    cmds.clear();
                }
            }
            "query" | "query_async" | "exec" | "exec_async" | "execute" => {
                self.finish_pipe(p, Self::client_arg(args));
                return Val::Unknown;
            }
            "all" | "try_all" | "last" => {
                self.finish_pipe(p, None);
                return Val::Unknown;
            }
            _ => {
                if let Some(argv) = method_argv(method, args, span, self.fred) {
                    if let Some(cmds) = self.queued.get_mut(p) {
                        cmds.push(CmdBuild { argv, span });
                    }
                }
            }
        }
        Val::Pipeline(p)
    }

    /// Sends a pipeline through `client` (a cluster pipeline stays one
    /// whatever connection type it is sent through): the commands built on
    /// it become its ops, and the builder emits its group.
    pub(super) fn finish_pipe(&mut self, p: usize, client: Option<usize>) {
        let Some(pipe) = self.m.pipes.get(p) else {
            return;
        };
        let client = if self.is_cluster(pipe.client) {
            pipe.client
        } else {
            client.or(pipe.client)
        };
        self.m.pipes[p].client = client;
        let cmds = self
            .queued
            .get_mut(p)
            .map(std::mem::take)
            .unwrap_or_default();
        for cmd in cmds {
            let op = self.emit_op(&cmd.argv, cmd.span, client);
            let command = op.map(|i| self.m.out.model.ops[i].command.clone());
            self.m
                .queue::<Rs>(Some(p), op, command.as_deref().unwrap_or(""));
        }
        self.m.execute(p);
    }

    fn script_method(&mut self, s: usize, method: &str, args: &[Elem], span: Span) -> Val {
        let Some(mut sb) = self.scripts.get(s).cloned() else {
            return Val::Unknown;
        };
        match method {
            "key" | "arg" | "prepare_invoke" => {
                let target = if sb.invocation {
                    s
                } else {
                    sb.invocation = true;
                    sb.keys.clear();
                    sb.counted = true;
                    self.scripts.push(sb);
                    self.scripts.len() - 1
                };
                if method == "key" {
                    if let (Some(a), Some(t)) = (args.first(), self.scripts.get_mut(target)) {
                        if matches!(a.val, Val::Family(..)) {
                            t.counted = false;
                        }
                        t.keys.extend(flatten(a));
                    }
                }
                Val::Ext(Rs::Script(target))
            }
            "invoke" | "invoke_async" => {
                self.invoke(&sb, span, Self::client_arg(args));
                Val::Unknown
            }
            // fred's `script.evalsha(&client, keys, args)`.
            "evalsha" | "evalsha_with_reload" | "eval" if self.fred && !sb.invocation => {
                sb.keys = args.get(1).map(flatten).unwrap_or_default();
                sb.counted = !matches!(args.get(1).map(|a| &a.val), Some(Val::Family(..)));
                self.invoke(&sb, span, Self::client_arg(args));
                Val::Unknown
            }
            _ => Val::Ext(Rs::Script(s)),
        }
    }

    fn invoke(&mut self, sb: &ScriptBuild, span: Span, client: Option<usize>) {
        let n = i64::try_from(sb.keys.len()).unwrap_or(0);
        let mut argv = vec![
            word("EVALSHA", span),
            word("sha", span),
            Elem {
                val: Val::Int(n),
                span,
                text: String::new(),
            },
        ];
        argv.extend(sb.keys.iter().cloned());
        let Some(op) = self.emit_op(&argv, span, client) else {
            return;
        };
        let numkeys = u32::try_from(n).ok().filter(|_| sb.counted);
        // Text of another file (`include_str!`, another module) has its own
        // lexical problems, reported there.
        let problems = self.m.out.problems.len();
        let external = sb
            .lit
            .as_deref()
            .is_some_and(|l| self.included.contains(&l.bytes));
        let script = self
            .m
            .script_text(sb.lit.as_deref(), sb.span, numkeys, external);
        if sb.lit.as_deref().is_some_and(super::structs::is_placed) {
            self.m.out.problems.truncate(problems);
        }
        self.m.script_group(op, span, script, client);
    }

    /// `cmd("EVAL")…`, `cmd("FCALL")…`: the script call's group (its text
    /// analyzed when literal, the function named); `cmd("FUNCTION").arg("LOAD")…`:
    /// the library, when its text is literal.
    fn script_cmd(&mut self, full: &[Elem], op: Option<usize>, span: Span, client: Option<usize>) {
        if !self.m.recording {
            return;
        }
        let word = |i: usize| {
            full.get(i)
                .and_then(|e| e.val.literal_bytes())
                .map(|w| String::from_utf8_lossy(&w).to_ascii_uppercase())
        };
        let Some(w0) = word(0) else { return };
        if w0 == "FUNCTION" && word(1).as_deref() == Some("LOAD") {
            // A library read from a `.lua` file is that file's: it is linted
            // there, and its functions are found by name across the run.
            if let Some(Val::Str(_, Some(l))) = full
                .last()
                .map(|e| &e.val)
                .filter(|v| !matches!(v, Val::Str(_, Some(l)) if super::structs::is_placed(l)))
            {
                let out = &mut self.m.out;
                lua::load_library(&mut out.model, &mut out.problems, &l.bytes, &l.offsets);
            }
            return;
        }
        let Some(op) = op.filter(|_| {
            commands::lookup(&w0, None).is_some_and(crate::commands::CommandSpec::is_script)
        }) else {
            return;
        };
        // The same call site run twice (a helper called, then on its own).
        if self
            .m
            .out
            .model
            .groups
            .iter()
            .any(|g| g.kind == GroupKind::Script && g.ops == [op])
        {
            return;
        }
        let numkeys = full.get(2).and_then(|e| match &e.val {
            Val::Int(n) => u32::try_from(*n).ok(),
            v => std::str::from_utf8(&v.literal_bytes()?).ok()?.parse().ok(),
        });
        let target = full.get(1);
        let lit = match (w0.as_str(), target.map(|e| &e.val)) {
            ("EVAL" | "EVAL_RO", Some(Val::Str(_, Some(l)))) => Some(&**l),
            _ => None,
        };
        let external = lit.is_some_and(|l| self.included.contains(&l.bytes));
        let script = self
            .m
            .script_text(lit, target.map_or(span, |e| e.span), numkeys, external);
        let name = target.and_then(|e| e.val.literal_bytes());
        lua::name_fcall(&mut self.m.out.model, &w0, name.as_deref());
        self.m.script_group(op, span, script, client);
    }

    /// Adds the op of a command argv (once per call site and command); a
    /// cluster connection's fan-out commands (`KEYS`, `FLUSHALL`) have none.
    fn emit_op(&mut self, argv: &[Elem], span: Span, client: Option<usize>) -> Option<usize> {
        let skip = if self.is_cluster(client) {
            CLUSTER_FANS_OUT
        } else {
            &[]
        };
        self.m.argv_op(argv, span, client, skip)
    }
}

/// Whether a function gives back nothing keys are made of: nothing, a
/// number or bool, or such a value in a `Result` or `Option`.
fn plain_output(output: &syn::ReturnType) -> bool {
    fn plain(ty: &syn::Type) -> bool {
        match ty {
            syn::Type::Tuple(t) => t.elems.is_empty(),
            syn::Type::Path(p) => {
                let Some(last) = p.path.segments.last() else {
                    return false;
                };
                let name = last.ident.to_string();
                if super::is_numeric_type(&name).is_some() {
                    return true;
                }
                match (&last.arguments, name.as_str()) {
                    (
                        syn::PathArguments::AngleBracketed(a),
                        "Result" | "Option" | "RedisResult",
                    ) => {
                        matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if plain(t))
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }
    match output {
        syn::ReturnType::Default => true,
        syn::ReturnType::Type(_, ty) => plain(ty),
    }
}

/// A command word written by the front-end, placed at `span`.
fn word(w: &str, span: Span) -> Elem {
    Elem {
        val: Val::lit(w),
        span,
        text: String::new(),
    }
}
