//! Calls: functions and methods of the project (key builders, helpers
//! handed a client or pipeline), callbacks and iteration (`map`, `forEach`,
//! `then`), `require`, `Object.assign` and its kin, string and array
//! methods; Redis commands go to `redis`.

use tree_sitter::Node;

use super::clients;
use super::value::{Elem, Js, Lib, Val};
use super::{Cx, FnDef, MAX_CALL_DEPTH};
use crate::lang::walk::children;

impl<'a> Cx<'a> {
    pub(super) fn call(&mut self, node: Node<'a>) -> Val {
        let Some(func) = node.child_by_field_name("function") else {
            return Val::Unknown;
        };
        let arg_nodes: Vec<Node<'a>> = node
            .child_by_field_name("arguments")
            .map(|a| {
                children(a)
                    .into_iter()
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
                // `(0, keys_1.keyFor)(…)`, `(function () { … })()`.
                let f = self.eval(func);
                let args = self.eval_args(&arg_nodes);
                self.call_value(&f, node, &args, text)
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
            span: self.span(node),
            text: self.text(node).to_string(),
        }
    }

    /// Calls a value: a function of the project, a class (a factory call),
    /// or runs the callbacks passed to something unknown.
    fn call_value(&mut self, f: &Val, node: Node<'a>, args: &[Elem], text: &str) -> Val {
        let f = &self.resolved(f.clone());
        let kind = match f {
            Val::Ext(Js::Func(id)) => {
                let out = self.call_function(*id, node, &vals(args), None, text);
                self.run_callbacks(args, None);
                return out;
            }
            Val::Ext(Js::Lib(Lib::CreateClient)) => Some(clients::NODE_REDIS),
            Val::Ext(Js::Lib(Lib::CreateCluster)) => Some(clients::NODE_REDIS_CLUSTER),
            _ => None,
        };
        self.run_callbacks(args, None);
        kind.map_or(Val::Unknown, |k| Val::Client(self.client(k)))
    }

    /// Runs function values passed as arguments (callbacks), once each.
    pub(super) fn run_callbacks(&mut self, args: &[Elem], params: Option<&[Val]>) {
        self.callbacks(args, params, None);
    }

    /// Runs callbacks of an iteration: their first parameter is `elem`,
    /// different on each turn (as are `vars`, the names the element's
    /// holes mention).
    pub(super) fn iterate_callbacks(&mut self, args: &[Elem], elem: Val, vars: &[String]) {
        self.callbacks(args, Some(&[elem]), Some(vars));
    }

    fn callbacks(&mut self, args: &[Elem], params: Option<&[Val]>, vars: Option<&[String]>) {
        for a in args {
            let Val::Ext(Js::Func(id)) = a.val else {
                continue;
            };
            let Some(def) = self.fns.get(&id).copied() else {
                continue;
            };
            let fresh = if self.m.recording {
                self.ran.insert(id)
            } else {
                self.learning && self.learned.insert(id)
            };
            if !fresh || def.module != self.cur {
                continue;
            }
            let level = self.m.loop_vars.len();
            if let Some(vars) = vars {
                self.m.loop_vars.extend(vars.iter().cloned());
                // The element parameter varies from one call to the next.
                let first = def
                    .node
                    .child_by_field_name("parameters")
                    .and_then(|p| p.named_child(0))
                    .or_else(|| def.node.child_by_field_name("parameter"));
                if let Some(p) = first {
                    let names = super::stmts::pattern_names(self, p);
                    self.m.loop_vars.extend(names);
                }
            }
            let saved_class = {
                let c = def.class.or(self.class);
                std::mem::replace(&mut self.class, c)
            };
            self.run_nested(def.node, params);
            self.class = saved_class;
            self.m.loop_vars.truncate(level);
        }
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
        match name {
            "require" => {
                return match args.first().map(|a| &a.val) {
                    Some(Val::Ext(Js::OneOf(names))) => {
                        let libs: Vec<Lib> = names
                            .iter()
                            .filter_map(|n| super::module_lib(&String::from_utf8_lossy(n)))
                            .collect();
                        match libs.first() {
                            Some(l) if libs.iter().all(|x| x == l) => Val::Ext(Js::Lib(*l)),
                            Some(_) => Val::Ext(Js::Lib(Lib::Standalone)),
                            None => Val::Unknown,
                        }
                    }
                    Some(v) => {
                        let spec = v.literal_bytes().unwrap_or_default();
                        self.require(&String::from_utf8_lossy(&spec))
                    }
                    None => Val::Unknown,
                };
            }
            "String" => {
                return args.first().map_or(Val::Unknown, |a| {
                    Val::Str(a.val.interpolated(&a.text), None)
                });
            }
            "__awaiter" => return self.awaiter(&args),
            // Collected with the module at its top level; elsewhere, here.
            "__exportStar" => {
                if let Some(Val::Ext(Js::Module(i))) = args.first().map(|a| &a.val) {
                    if let Some(p) = self.mods[*i].path.clone() {
                        let here = self.cur;
                        if !self.mods[here].star_exports.contains(&p) {
                            self.mods[here].star_exports.push(p);
                        }
                    }
                }
                return Val::Unknown;
            }
            "defaults" | "extend" | "assign" | "objectAssign" | "xtend" => {
                return self.assign_objects(&args, arg_nodes, name == "defaults");
            }
            _ => {}
        }
        if let Some(v) = self.file_call(name, &args, node) {
            return v;
        }
        let f = self.lookup_callee(func);
        let f = match f {
            Val::Ext(Js::Func(_) | Js::Lib(_) | Js::Module(_)) => f,
            _ if self.md().says.node_redis && name == "createCluster" => {
                Val::Ext(Js::Lib(Lib::CreateCluster))
            }
            _ if self.md().says.node_redis && name == "createClient" => {
                Val::Ext(Js::Lib(Lib::CreateClient))
            }
            _ => Val::Unknown,
        };
        self.call_value(&f, node, &args, text)
    }

    /// What a called name is: a binding, an import, a function of the module.
    fn lookup_callee(&mut self, func: Node<'a>) -> Val {
        if let Some(v) = self.env.get(self.text(func)) {
            return v.clone();
        }
        self.eval(func)
    }

    /// `__awaiter(this, …, function* () { … })` (what `tsc` makes of an
    /// async body): the body runs in place, giving what it returns.
    fn awaiter(&mut self, args: &[Elem]) -> Val {
        let Some(Val::Ext(Js::Func(id))) = args.last().map(|a| &a.val) else {
            return Val::Unknown;
        };
        let Some(def) = self.fns.get(id).copied() else {
            return Val::Unknown;
        };
        if self.m.recording {
            self.ran.insert(*id);
        }
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_class = {
            let c = def.class.or(self.class);
            std::mem::replace(&mut self.class, c)
        };
        let saved_env = self.env.clone();
        self.run_body(def.node, Some(&[]));
        let returns = std::mem::replace(&mut self.returns, saved_returns);
        let inner = std::mem::replace(&mut self.env, saved_env);
        for (k, v) in inner {
            if k.starts_with("this.") {
                self.env.insert(k, v);
            }
        }
        self.class = saved_class;
        self.returned(returns, "")
    }

    pub(super) fn method_call(
        &mut self,
        recv: Val,
        obj: Node<'a>,
        method: &str,
        node: Node<'a>,
        arg_nodes: &[Node<'a>],
        text: &str,
    ) -> Val {
        let args = self.eval_args(arg_nodes);
        let recv = self.resolved(recv);
        let obj_text = self.text(obj);
        if matches!(method, "assign" | "extend" | "defaults")
            && (obj_text == "Object"
                || obj_text == "_"
                || obj_text.contains("lodash")
                || obj_text.contains("underscore"))
        {
            return self.assign_objects(&args, arg_nodes, method == "defaults");
        }
        let builtin = self.path_call(&recv, method, &args, node);
        if let Some(v) = builtin.or_else(|| array_builtin(obj_text, method, &args)) {
            return v;
        }
        match recv {
            Val::Client(c) => self.client_method(c, method, node, &args),
            Val::Pipeline(p) => self.pipe_method(p, method, node, &args),
            Val::Ext(Js::Lib(lib)) if made_client(lib, method).is_some() => {
                let kind = made_client(lib, method).unwrap_or(clients::UNKNOWN);
                Val::Client(self.client(kind))
            }
            Val::Ext(Js::Nodes(_)) if matches!(method, "map" | "forEach" | "flatMap") => {
                let node_client = Val::Client(self.client(clients::CLUSTER_NODE));
                self.iterate_callbacks(&args, node_client, &[]);
                Val::Unknown
            }
            Val::Ext(Js::Sha(..)) if matches!(method, "then" | "finally") => {
                self.run_callbacks(&args, Some(std::slice::from_ref(&recv)));
                Val::Unknown
            }
            Val::Ext(Js::Instance(c) | Js::Class(c)) => {
                self.instance_method(c, obj, method, node, &args, text)
            }
            Val::Ext(Js::Module(i)) => match self.member(i, method) {
                Some(f @ Val::Ext(Js::Func(_))) => self.call_value(&f, node, &args, text),
                Some(Val::Ext(Js::Class(c))) => Val::Ext(Js::Instance(c)),
                _ => {
                    self.run_callbacks(&args, None);
                    Val::opaque(text)
                }
            },
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
            Val::List(_) | Val::Family(..) if matches!(method, "push" | "unshift") => {
                self.push(recv, obj, &args, method == "unshift")
            }
            Val::List(_) | Val::Family(..) | Val::Opaque(_) | Val::Unknown
                if matches!(
                    method,
                    "map" | "forEach" | "flatMap" | "filter" | "some" | "every" | "reduce"
                ) =>
            {
                self.iterate(&recv, method, &args, text)
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
            Val::List(_) | Val::Family(..) if matches!(method, "slice" | "sort" | "reverse") => {
                recv
            }
            Val::Map(_) => {
                if let Some(f @ Val::Ext(Js::Func(_))) = recv.prop(method).cloned() {
                    return self.call_value(&f, node, &args, text);
                }
                self.run_callbacks(&args, None);
                Val::Unknown
            }
            _ => self.unknown_receiver(obj, method, node, &args),
        }
    }

    /// A method of a class of the project, on an instance or the class (a
    /// static method); a callable attribute; a client held as an attribute.
    fn instance_method(
        &mut self,
        class: usize,
        obj: Node<'a>,
        method: &str,
        node: Node<'a>,
        args: &[Elem],
        text: &str,
    ) -> Val {
        if let Some((owner, def)) = self.method(class, method) {
            let module = self.classes[owner].module;
            let f = self.in_module(module, |cx| cx.func(def));
            let Val::Ext(Js::Func(id)) = f else {
                return Val::Unknown;
            };
            let out = self.call_function(id, node, &vals(args), Some(owner), text);
            self.run_callbacks(args, None);
            return out;
        }
        match self.class_attr(class, method) {
            Some(f @ Val::Ext(Js::Func(_))) => self.call_value(&f, node, args, text),
            Some(Val::Client(client)) => self.client_method(client, method, node, args),
            _ => self.unknown_receiver(obj, method, node, args),
        }
    }

    /// `list.push(x)`: the list (as named) gains `x` (`unshift`: at its
    /// front); inside a loop, one element per turn (a family of what is
    /// pushed).
    fn push(&mut self, recv: Val, obj: Node<'a>, args: &[Elem], front: bool) -> Val {
        let name = self.text(obj).to_string();
        let vars: Vec<String> = self.m.loop_vars.clone();
        let mut items = match recv {
            Val::List(items) => items,
            other => vec![Elem {
                val: other,
                span: self.span(obj),
                text: name.clone(),
            }],
        };
        let added = args.iter().map(|a| {
            if vars.is_empty() {
                a.clone()
            } else {
                Elem {
                    val: Val::Family(Box::new(a.val.clone()), vars.clone()),
                    ..a.clone()
                }
            }
        });
        if front {
            items.splice(0..0, added);
        } else {
            items.extend(added);
        }
        self.env.insert(name, Val::List(items));
        Val::Unknown
    }

    /// `.map()` / `.forEach()` over a list or family: a `.map()` whose
    /// callback builds a key gives a family of keys.
    fn iterate(&mut self, recv: &Val, method: &str, args: &[Elem], text: &str) -> Val {
        let (elem, vars) = match recv {
            Val::Family(e, vars) => ((**e).clone(), vars.clone()),
            Val::List(items) if items.len() == 1 => (items[0].val.clone(), Vec::new()),
            Val::List(_) => (self.element(recv).unwrap_or(Val::Unknown), Vec::new()),
            _ => (Val::Unknown, Vec::new()),
        };
        // A key-building callback: evaluate it for the element.
        if method == "map" || method == "flatMap" {
            if let Some(Val::Ext(Js::Func(id))) = args.first().map(|a| &a.val) {
                let id = *id;
                let param = self
                    .fns
                    .get(&id)
                    .and_then(|d| {
                        d.node
                            .child_by_field_name("parameters")
                            .and_then(|p| p.named_child(0))
                            .or_else(|| d.node.child_by_field_name("parameter"))
                    })
                    .map(|p| self.text(p).to_string());
                let elem_val = match (&elem, &param) {
                    (Val::Unknown, Some(p)) => Val::opaque(p.clone()),
                    _ => elem.clone(),
                };
                let mapped = self.call_function(
                    id,
                    self.fns[&id].node,
                    std::slice::from_ref(&elem_val),
                    None,
                    text,
                );
                let mut fam_vars = vars.clone();
                fam_vars.extend(param);
                self.iterate_callbacks(args, elem_val, &vars);
                return match mapped {
                    v @ (Val::Str(..) | Val::List(_)) => Val::Family(Box::new(v), fam_vars),
                    _ => Val::Unknown,
                };
            }
        }
        let e = match elem {
            Val::Unknown => Val::opaque("element"),
            e => e,
        };
        self.iterate_callbacks(args, e, &vars);
        // `filter` keeps some of a known list: taken for all of it (a key
        // builder drops empty parts; the parts are what the keys show).
        if method == "filter" {
            if let Val::List(_) = recv {
                return recv.clone();
            }
        }
        Val::Unknown
    }

    /// Calls a function of the project for its value (a key builder, a
    /// factory): parameters bound to the arguments; what it does to Redis
    /// is recorded only when it is handed a client or pipeline (else its
    /// own run records it). Code of another module is placed at this call.
    pub(super) fn call_function(
        &mut self,
        id: usize,
        node: Node<'a>,
        args: &[Val],
        class: Option<usize>,
        text: &str,
    ) -> Val {
        let Some(def) = self.fns.get(&id).copied() else {
            return Val::opaque(text);
        };
        if self.call_depth >= MAX_CALL_DEPTH {
            return Val::opaque(text);
        }
        let handed_redis = args
            .iter()
            .any(|v| matches!(v, Val::Client(_) | Val::Pipeline(_)));
        let FnDef {
            module,
            top,
            node: f,
            ..
        } = def;
        self.ready(module);
        let site = if self.cur == 0 && module != 0 {
            Some(self.span(node))
        } else {
            self.site
        };
        // A function of a module's top level called for its value gives the
        // same for the same arguments at the same place: computed once.
        let ready = self.mods[module].state == super::State::Ready;
        // The depth it starts at is part of the place: deeper, the calls
        // inside are cut short sooner and may give less.
        let memo = (top && ready && !handed_redis && !self.learning).then(|| {
            (
                id,
                class.or(def.class),
                site,
                self.call_depth,
                format!("{args:?}"),
            )
        });
        // A helper that walks a cluster's nodes gives clients of one node.
        let walks = super::walks_nodes(&String::from_utf8_lossy(
            &self.mods[module].src[f.byte_range()],
        ));
        if let Some(v) = memo.as_ref().and_then(|k| self.memo.get(k)) {
            let v = v.clone();
            self.cluster_aware |= walks;
            return v;
        }
        let saved_site = std::mem::replace(&mut self.site, site);
        let saved_cur = std::mem::replace(&mut self.cur, module);
        // A module whose top level is running has its bindings so far in
        // the running code's environment.
        let env = if let Some(closure) = self.closures.get(&id) {
            closure.clone()
        } else if (top || module != saved_cur) && ready {
            self.mods[module].env.clone()
        } else if module == saved_cur {
            self.env.clone()
        } else {
            self.mods[module].env.clone()
        };
        let saved_env = std::mem::replace(&mut self.env, env);
        let saved_class = std::mem::replace(&mut self.class, class.or(def.class));
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_recording = self.m.recording;
        self.m.recording = saved_recording && handed_redis;
        if self.m.recording {
            self.ran.insert(id);
        }
        self.call_depth += 1;
        let saved_aware = self.cluster_aware;
        self.run_body(f, Some(args));
        self.cluster_aware = saved_aware;
        self.call_depth -= 1;
        self.m.recording = saved_recording;
        let returns = std::mem::replace(&mut self.returns, saved_returns);
        let inner = std::mem::replace(&mut self.env, saved_env);
        // A function made here and given back sees this call's bindings.
        for v in &returns {
            if let Val::Ext(Js::Func(made)) = v {
                if self.fns.get(made).is_some_and(|d| !d.top) && !self.closures.contains_key(made) {
                    self.closures.insert(*made, inner.clone());
                }
            }
        }
        // A method of the same instance: what it sets on `this` is set.
        if self.class.is_some() && self.class == saved_class {
            for (k, v) in inner {
                if k.starts_with("this.") {
                    self.env.insert(k, v);
                }
            }
        }
        self.class = saved_class;
        self.cur = saved_cur;
        self.site = saved_site;
        self.cluster_aware |= walks;
        let out = self.returned(returns, text);
        if let Some(k) = memo {
            self.memo.insert(k, out.clone());
        }
        out
    }

    /// What a function gives from what it returns: one value; clients of
    /// different kinds are a client of either kind; else opaque.
    fn returned(&mut self, returns: Vec<Val>, text: &str) -> Val {
        let mut iter = returns.into_iter();
        let first = iter.next().unwrap_or(Val::Unknown);
        let mut merged = first;
        for v in iter {
            merged = self.merge(&merged, &v, text);
        }
        match merged {
            Val::Unknown if !text.is_empty() => Val::opaque(text),
            v => v,
        }
    }
}

/// The values of arguments.
pub(super) fn vals(args: &[Elem]) -> Vec<Val> {
    args.iter().map(|a| a.val.clone()).collect()
}

/// Values as a list written at `span` under the name `text` (`arguments`,
/// a rest parameter): [`vals`] the other way.
pub(super) fn listed(values: &[Val], span: crate::model::Span, text: &str) -> Val {
    let elems = values.iter().map(|v| Elem {
        val: v.clone(),
        span,
        text: text.to_string(),
    });
    Val::List(elems.collect())
}

/// What `Array.isArray(x)` and `[].slice.call(list, n)` (or
/// `Array.prototype.slice.call`) give on values known enough to say. A
/// string, or a value whose default is one, is no array (judged under its
/// default, as the keys built of it are).
fn array_builtin(obj: &str, method: &str, args: &[Elem]) -> Option<Val> {
    let first = args.first().map(|a| &a.val);
    match (obj, method) {
        ("Array", "isArray") => match first? {
            Val::List(_) => Some(Val::Bool(true)),
            Val::Str(..) | Val::Int(_) | Val::Bool(_) => Some(Val::Bool(false)),
            Val::Opaque(o) if o.default.is_some() => Some(Val::Bool(false)),
            _ => None,
        },
        ("[].slice" | "Array.prototype.slice", "call") => {
            let Val::List(items) = first? else {
                return None;
            };
            let from = match args.get(1).map(|a| &a.val) {
                None => 0,
                Some(Val::Int(n)) => usize::try_from(*n).ok()?,
                Some(_) => return None,
            };
            Some(Val::List(items.get(from..).unwrap_or_default().to_vec()))
        }
        _ => None,
    }
}

/// The client a library's factory method makes (`createClient`,
/// `createCluster`).
fn made_client(lib: Lib, method: &str) -> Option<clients::ClientKind> {
    Some(match (lib, method) {
        (Lib::Standalone, "createClient") => clients::STANDALONE,
        (Lib::NodeRedis, "createClient") => clients::NODE_REDIS,
        (Lib::IoRedis, "createClient") => clients::IOREDIS,
        (Lib::NodeRedis, "createCluster") => clients::NODE_REDIS_CLUSTER,
        _ => return None,
    })
}
