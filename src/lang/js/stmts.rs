//! Statements: blocks, declarations, `if`, loops (their bound names vary
//! from one turn to the next), imports of Redis libraries, parameters and
//! destructuring with their defaults, and how values join where paths meet.

use tree_sitter::Node;

use super::calls::listed;
use super::value::{Js, Opaque, Val};
use super::{clients, member_of_lib, module_lib, Cx, Env, MAX_DEPTH};
use crate::lang::holes::join_env;
use crate::lang::walk::{children, Blocks};

impl<'a> Blocks<'a> for Cx<'a> {
    const MAX_DEPTH: usize = MAX_DEPTH;

    fn depth(&mut self) -> &mut usize {
        &mut self.depth
    }

    /// Runs one statement (a block, a declaration, a branch, a loop).
    fn stmt(&mut self, stmt: Node<'a>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        match stmt.kind() {
            "expression_statement" => {
                if let Some(e) = stmt.named_child(0) {
                    self.eval(e);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                for d in children(stmt) {
                    if d.kind() != "variable_declarator" {
                        continue;
                    }
                    let value = d
                        .child_by_field_name("value")
                        .map_or(Val::Unknown, |v| self.eval(v));
                    if let Some(name) = d.child_by_field_name("name") {
                        self.bind(name, value);
                    }
                }
            }
            "export_statement" => {
                if let Some(d) = stmt.child_by_field_name("declaration") {
                    self.stmt(d);
                } else if let Some(v) = stmt.child_by_field_name("value") {
                    self.eval(v);
                }
            }
            // Imports are collected with the module.
            "import_statement" => {}
            "function_declaration" | "generator_function_declaration" => {
                let f = self.func(stmt);
                if let Some(name) = stmt.child_by_field_name("name") {
                    let name = self.text(name).to_string();
                    self.env.insert(name, f);
                }
                // Nested functions run where they are declared.
                if self.m.recording && self.depth > 1 && self.ran.insert(stmt.id()) {
                    self.run_nested(stmt, None);
                }
            }
            "class_declaration" | "abstract_class_declaration" => {
                if let Some(name) = stmt.child_by_field_name("name") {
                    let name = self.text(name);
                    if let Some(&c) = self.md().classes.get(name) {
                        self.env.insert(name.to_string(), Val::Ext(Js::Class(c)));
                    }
                }
            }
            "return_statement" => {
                let v = stmt.named_child(0).map_or(Val::Unknown, |e| self.eval(e));
                self.returns.push(v);
            }
            "if_statement" => self.exec_if(stmt),
            "for_in_statement" => self.exec_for_in(stmt),
            "for_statement" | "while_statement" | "do_statement" => {
                for f in ["initializer", "condition", "increment"] {
                    if let Some(n) = stmt.child_by_field_name(f) {
                        if n.kind().ends_with("declaration") {
                            self.stmt(n);
                        } else {
                            self.eval(n);
                        }
                    }
                }
                let level = self.m.loop_vars.len();
                let loop_names = assigned_names(self, stmt);
                for n in &loop_names {
                    self.env.insert(n.clone(), Val::opaque(n.clone()));
                }
                self.m.loop_vars.extend(loop_names);
                if let Some(b) = stmt.child_by_field_name("body") {
                    self.stmt(b);
                }
                self.m.loop_vars.truncate(level);
            }
            "statement_block" | "program" => self.block(stmt),
            _ => self.exec_children(stmt),
        }
    }
}

impl<'a> Cx<'a> {
    /// Statements this walker does not model (try, switch, labels): their
    /// parts run in order.
    pub(super) fn exec_children(&mut self, stmt: Node<'a>) {
        self.depth += 1;
        for part in children(stmt) {
            if part.kind().ends_with("statement")
                || part.kind().ends_with("declaration")
                || part.kind().ends_with("_clause")
                || matches!(
                    part.kind(),
                    "statement_block" | "switch_body" | "switch_case" | "switch_default"
                )
            {
                self.stmt(part);
            } else {
                self.eval(part);
            }
        }
        self.depth -= 1;
    }

    fn exec_if(&mut self, stmt: Node<'a>) {
        let cond = stmt.child_by_field_name("condition").map(|c| self.eval(c));
        // A condition the code settles (`Array.isArray` of a string): the
        // branch it takes.
        if let Some(Val::Bool(b)) = cond {
            if b {
                if let Some(then) = stmt.child_by_field_name("consequence") {
                    self.stmt(then);
                }
            } else if let Some(alt) = stmt.child_by_field_name("alternative") {
                self.exec_children(alt);
            }
            return;
        }
        let base = self.env.clone();
        if let Some(b) = stmt.child_by_field_name("consequence") {
            self.stmt(b);
        }
        let then_env = std::mem::replace(&mut self.env, base);
        if let Some(alt) = stmt.child_by_field_name("alternative") {
            self.exec_children(alt);
        }
        let else_env = std::mem::take(&mut self.env);
        self.env = self.join(then_env, else_env);
    }

    /// `for (const x of xs)`: `x` is one element, different on each turn.
    fn exec_for_in(&mut self, stmt: Node<'a>) {
        let right = stmt
            .child_by_field_name("right")
            .map_or(Val::Unknown, |r| self.eval(r));
        let of = stmt
            .child_by_field_name("operator")
            .is_none_or(|o| self.text(o) == "of");
        let Some(left) = stmt.child_by_field_name("left") else {
            return;
        };
        let level = self.m.loop_vars.len();
        let elem = if of { self.element(&right) } else { None };
        if let (Some(v), "identifier") = (elem, left.kind()) {
            let name = self.text(left).to_string();
            self.env.insert(name.clone(), v);
            self.m.loop_vars.push(name);
        } else {
            self.bind_opaque(left);
            let names = pattern_names(self, left);
            self.m.loop_vars.extend(names);
        }
        if let Some(b) = stmt.child_by_field_name("body") {
            self.stmt(b);
        }
        self.m.loop_vars.truncate(level);
    }

    /// The value of one element of an iterated value, if it says more than
    /// an opaque value named after the loop variable; a family's loop
    /// variables join the open loops.
    pub(super) fn element(&mut self, of: &Val) -> Option<Val> {
        match of {
            Val::Ext(Js::Nodes(_)) => Some(Val::Client(self.client(clients::CLUSTER_NODE))),
            Val::Family(elem, vars) => {
                self.m.loop_vars.extend(vars.iter().cloned());
                Some((**elem).clone())
            }
            Val::List(items) => {
                let first = &items.first()?.val;
                if items.iter().all(|i| i.val == *first) && !matches!(first, Val::Opaque(_)) {
                    return Some(first.clone());
                }
                // One of several Redis library names (`for (const m of ['redis', 'ioredis'])`).
                let names: Option<Vec<Vec<u8>>> = items
                    .iter()
                    .map(|i| i.val.literal_bytes())
                    .collect::<Option<_>>()
                    .filter(|names: &Vec<Vec<u8>>| {
                        names
                            .iter()
                            .all(|n| module_lib(&String::from_utf8_lossy(n)).is_some())
                    });
                names.map(|n| Val::Ext(Js::OneOf(n)))
            }
            _ => None,
        }
    }

    /// A function value declared inside another runs once where it appears,
    /// with its parameters bound to `args` when known; what it assigns to
    /// `this` is kept.
    pub(super) fn run_nested(&mut self, def: Node<'a>, args: Option<&[Val]>) {
        let saved_env = self.env.clone();
        let saved_returns = std::mem::take(&mut self.returns);
        self.run_body(def, args);
        self.returns = saved_returns;
        let inner = std::mem::replace(&mut self.env, saved_env);
        for (k, v) in inner {
            if k.starts_with("this.") {
                self.env.insert(k, v);
            }
        }
    }

    /// Binds a function's parameters: to the arguments when called, else to
    /// opaque values named after them (or clients, by their type), with
    /// their defaults.
    pub(super) fn bind_params(&mut self, def: Node<'a>, args: Option<&[Val]>) {
        // `arguments` of a known call (an arrow function sees its caller's).
        if let (Some(a), false) = (args, def.kind() == "arrow_function") {
            let all = listed(a, self.span(def), "arguments");
            self.env.insert("arguments".into(), all);
        }
        let params = def
            .child_by_field_name("parameters")
            .or_else(|| def.child_by_field_name("parameter"));
        let Some(params) = params else {
            return;
        };
        // Comments among the parameters take no argument.
        let list: Vec<Node<'a>> = if params.kind() == "identifier" {
            vec![params]
        } else {
            let mut list = children(params);
            list.retain(|p| p.kind() != "comment");
            list
        };
        for (i, p) in list.into_iter().enumerate() {
            let (pattern, default) = match p.kind() {
                "required_parameter" | "optional_parameter" => (
                    p.child_by_field_name("pattern"),
                    p.child_by_field_name("value"),
                ),
                "assignment_pattern" => (
                    p.child_by_field_name("left"),
                    p.child_by_field_name("right"),
                ),
                _ => (Some(p), None),
            };
            let Some(pattern) = pattern else { continue };
            // `...rest`: the arguments from here on, when the call is known.
            if pattern.kind() == "rest_pattern" {
                let Some(name) = pattern.named_child(0).filter(|n| n.kind() == "identifier") else {
                    continue;
                };
                let text = self.text(name).to_string();
                let val = match args {
                    Some(a) => listed(a.get(i..).unwrap_or_default(), self.span(pattern), &text),
                    None => Val::opaque(text.clone()),
                };
                self.env.insert(text, val);
                continue;
            }
            let passed = args.and_then(|a| a.get(i).cloned());
            let val = match passed {
                Some(v) => v,
                None => self.param_value(p, pattern, default),
            };
            if pattern.kind() == "identifier" {
                let name = self.text(pattern).to_string();
                if children(p)
                    .iter()
                    .any(|n| n.kind() == "accessibility_modifier")
                {
                    self.env.insert(format!("this.{name}"), val.clone());
                }
                self.env.insert(name, val);
            } else {
                self.bind(pattern, val);
            }
        }
    }

    /// An unbound parameter: typed as a Redis client, or opaque with its default.
    fn param_value(&mut self, p: Node<'a>, pattern: Node<'a>, default: Option<Node<'a>>) -> Val {
        if let Some(ty) = p.child_by_field_name("type") {
            if let Some(kind) = clients::from_annotation(self.text(ty), self.md().says.ioredis) {
                return Val::Client(self.client(kind));
            }
        }
        let name = self.text(pattern).to_string();
        let mut o = Opaque {
            name,
            ..Opaque::default()
        };
        if let Some(d) = default {
            match self.eval(d) {
                Val::Str(s, _) => o.default = s.as_literal().map(<[u8]>::to_vec),
                Val::Int(_) => o.numeric = true,
                _ => {}
            }
        }
        Val::Opaque(o)
    }

    /// Binds a declaration target: a name gets the value (opaque values take
    /// the name); a destructuring pattern takes the value's properties (a
    /// library's exports, a module's, an object's), with their defaults.
    pub(super) fn bind(&mut self, target: Node<'a>, value: Val) {
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_string();
                let value = match value {
                    Val::Opaque(o) => Val::Opaque(Opaque {
                        name: name.clone(),
                        ..o
                    }),
                    Val::Unknown => Val::opaque(name.clone()),
                    other => other,
                };
                self.env.insert(name, value);
            }
            "object_pattern" => {
                for p in children(target) {
                    match p.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.text(p);
                            let v = self.prop_of(&value, name);
                            self.bind_name(name, v);
                        }
                        "pair_pattern" => {
                            let (Some(k), Some(inner)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            let key = self.string_text(k);
                            let v = self.prop_of(&value, &key);
                            let v = match inner.kind() {
                                "assignment_pattern" => {
                                    let d = inner
                                        .child_by_field_name("right")
                                        .map_or(Val::Unknown, |d| self.eval(d));
                                    let Some(left) = inner.child_by_field_name("left") else {
                                        continue;
                                    };
                                    self.bind(left, defaulted(v, &d, self.text(left)));
                                    continue;
                                }
                                _ => v,
                            };
                            self.bind(inner, v);
                        }
                        "object_assignment_pattern" => {
                            // `{ prefix = 'app' }`
                            let (Some(left), Some(d)) = (
                                p.child_by_field_name("left"),
                                p.child_by_field_name("right"),
                            ) else {
                                continue;
                            };
                            let name = self.text(left);
                            let v = self.prop_of(&value, name);
                            let d = self.eval(d);
                            let name = self.text(left);
                            self.bind_name(name, defaulted(v, &d, name));
                        }
                        _ => self.bind_opaque(p),
                    }
                }
            }
            "array_pattern" => {
                let items = match &value {
                    Val::List(items) => Some(items.clone()),
                    _ => None,
                };
                for (i, p) in children(target).into_iter().enumerate() {
                    match items.as_ref().and_then(|xs| xs.get(i)) {
                        Some(e) if p.kind() == "identifier" => self.bind(p, e.val.clone()),
                        _ => self.bind_opaque(p),
                    }
                }
            }
            _ => self.bind_opaque(target),
        }
    }

    /// Binds `name` to `value` (an opaque value takes the name).
    fn bind_name(&mut self, name: &str, value: Val) {
        let value = match value {
            Val::Opaque(o) => Val::Opaque(Opaque {
                name: name.to_string(),
                ..o
            }),
            Val::Unknown => Val::opaque(name),
            other => other,
        };
        self.env.insert(name.to_string(), value);
    }

    /// Property `key` of a value being destructured: a library's export, a
    /// module's, an object's (`Unknown` when a known object lacks it), an
    /// attribute of an instance; opaque otherwise.
    pub(super) fn prop_of(&mut self, value: &Val, key: &str) -> Val {
        match value {
            Val::Ext(Js::Lib(lib)) => {
                member_of_lib(*lib, key).map_or(Val::Unknown, |l| Val::Ext(Js::Lib(l)))
            }
            Val::Ext(Js::Module(i)) => self.member(*i, key).unwrap_or_else(|| Val::opaque(key)),
            Val::Ext(Js::Instance(c)) => {
                self.class_attr(*c, key).unwrap_or_else(|| Val::opaque(key))
            }
            Val::Map(_) => value.prop(key).cloned().unwrap_or(Val::Unknown),
            Val::Opaque(o) => Val::opaque(format!("{}.{key}", o.name)),
            _ => Val::opaque(key),
        }
    }

    pub(super) fn bind_opaque(&mut self, target: Node<'a>) {
        for name in pattern_names(self, target) {
            self.env.insert(name.clone(), Val::opaque(name));
        }
    }
}

/// A destructured value with its default: the default itself when the value
/// is absent, the value with the default when it is not known.
fn defaulted(v: Val, d: &Val, name: &str) -> Val {
    match v {
        Val::Unknown => d.clone(),
        Val::Opaque(o) if o.default.is_none() && o.int_default.is_none() => {
            super::with_default(name.to_string(), d)
        }
        other => other,
    }
}

/// The value a name takes where two paths meet: equal values stay; a client
/// (or another value only JavaScript has) beside nothing known is that
/// value; a list a loop fills is its family; anything else is opaque.
fn merge(a: &Val, b: &Val, name: &str) -> Val {
    match (a, b) {
        _ if a == b => a.clone(),
        (
            known @ (Val::Client(_) | Val::Pipeline(_) | Val::Ext(_)),
            Val::Opaque(_) | Val::Unknown,
        )
        | (
            Val::Opaque(_) | Val::Unknown,
            known @ (Val::Client(_) | Val::Pipeline(_) | Val::Ext(_)),
        ) => known.clone(),
        _ => crate::lang::value::merge(a, b, name),
    }
}

impl Cx<'_> {
    /// The value a name takes where two paths meet (see [`merge`]); two
    /// clients of different kinds are a client of either kind.
    pub(super) fn merge(&mut self, a: &Val, b: &Val, name: &str) -> Val {
        match (a, b) {
            (Val::Client(x), Val::Client(y)) if x != y => Val::Client(self.either(*x, *y)),
            _ => merge(a, b, name),
        }
    }

    /// Joins the bindings of paths that meet (see [`Self::merge`]).
    pub(super) fn join(&mut self, mut a: Env, b: Env) -> Env {
        let mut clients: Vec<(String, usize, usize)> = Vec::new();
        for (k, v) in &b {
            if let (Some(Val::Client(x)), Val::Client(y)) = (a.get(k), v) {
                if x != y {
                    clients.push((k.clone(), *x, *y));
                }
            }
        }
        join_env(&mut a, b, merge);
        for (k, x, y) in clients {
            let c = self.either(x, y);
            a.insert(k, Val::Client(c));
        }
        a
    }

    /// A client of either of two clients' kinds.
    pub(super) fn either(&mut self, x: usize, y: usize) -> usize {
        let (Some(kx), Some(ky)) = (self.m.kind(Some(x)), self.m.kind(Some(y))) else {
            return x;
        };
        let kind = clients::either(kx, ky);
        if kind == kx {
            x
        } else if kind == ky {
            y
        } else {
            self.client(kind)
        }
    }
}

/// Names bound by a destructuring pattern (or a plain identifier).
pub(super) fn pattern_names(cx: &Cx<'_>, target: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![target];
    while let Some(n) = stack.pop() {
        match n.kind() {
            "identifier" | "shorthand_property_identifier_pattern" => {
                out.push(cx.text(n).to_string());
            }
            _ if stack.len() < 64 && out.len() < 64 => {
                stack.extend(
                    children(n).into_iter().filter(|x| {
                        !matches!(x.kind(), "property_identifier" | "member_expression")
                    }),
                );
            }
            _ => {}
        }
    }
    out
}

/// Plain names assigned inside a loop body (`i++`, `cursor = next`): they
/// change from one turn to the next.
pub(super) fn assigned_names(cx: &Cx<'_>, stmt: Node<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![stmt];
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 4096 {
            break;
        }
        if matches!(
            n.kind(),
            "assignment_expression" | "augmented_assignment_expression" | "update_expression"
        ) {
            let target = n
                .child_by_field_name("left")
                .or_else(|| n.child_by_field_name("argument"));
            if let Some(t) = target.filter(|t| t.kind() == "identifier") {
                out.push(cx.text(t).to_string());
            }
        }
        stack.extend(children(n));
    }
    out.sort();
    out.dedup();
    out
}
