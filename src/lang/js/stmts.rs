//! Statements: blocks, declarations, `if`, loops (their bound names vary
//! from one turn to the next), imports and destructuring.

use tree_sitter::Node;

use super::value::{self, Js, Val};
use super::{clients, member_of_lib, module_lib, Cx, MAX_DEPTH};
use crate::lang::value::merge_envs;
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
                let mut c = stmt.walk();
                let decls: Vec<Node<'a>> = stmt.named_children(&mut c).collect();
                for d in decls
                    .into_iter()
                    .filter(|d| d.kind() == "variable_declarator")
                {
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
            "import_statement" => self.import(stmt),
            "function_declaration" | "generator_function_declaration" => {
                if let Some(name) = stmt.child_by_field_name("name") {
                    let name = self.text(name).to_string();
                    self.fn_nodes.insert(stmt.id(), stmt);
                    self.env.insert(name, Val::Ext(Js::Func(stmt.id())));
                }
                // Nested functions run where they are declared.
                if self.m.recording && self.depth > 1 && self.ran.insert(stmt.id()) {
                    self.run_nested(stmt, None);
                }
            }
            "class_declaration" | "abstract_class_declaration" => {}
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
        if let Some(c) = stmt.child_by_field_name("condition") {
            self.eval(c);
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
        self.env = merge_envs(vec![then_env, else_env]);
    }

    /// `for (const x of xs)`: `x` is one element, different on each turn.
    #[allow(clippy::single_match_else)]
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
        match (left.kind(), elem) {
            ("identifier", Some(v)) => {
                let name = self.text(left).to_string();
                self.env.insert(name.clone(), v);
                self.m.loop_vars.push(name);
            }
            _ => {
                self.bind_opaque(left);
                let names = pattern_names(self, left);
                self.m.loop_vars.extend(names);
            }
        }
        if let Some(b) = stmt.child_by_field_name("body") {
            self.stmt(b);
        }
        self.m.loop_vars.truncate(level);
    }

    /// The value of one element of an iterated value, if it says more than
    /// an opaque value named after the loop variable; a family's loop
    /// variables join the open loops.
    fn element(&mut self, of: &Val) -> Option<Val> {
        match of {
            Val::Ext(Js::Nodes(_)) => Some(Val::Client(self.client(clients::CLUSTER_NODE))),
            Val::Family(elem, vars) => {
                self.m.loop_vars.extend(vars.iter().cloned());
                Some((**elem).clone())
            }
            Val::List(items) => {
                let first = &items.first()?.val;
                (items.iter().all(|i| i.val == *first) && !matches!(first, Val::Opaque(_)))
                    .then(|| first.clone())
            }
            _ => None,
        }
    }

    /// A function value declared inside another runs once where it appears,
    /// with its parameters bound to `args` when known.
    pub(super) fn run_nested(&mut self, def: Node<'a>, args: Option<&[Val]>) {
        let saved_env = self.env.clone();
        let saved_returns = std::mem::take(&mut self.returns);
        self.run_body(def, args);
        self.returns = saved_returns;
        self.env = saved_env;
    }

    fn import(&mut self, stmt: Node<'a>) {
        let Some(source) = stmt.child_by_field_name("source") else {
            return;
        };
        let module = self
            .text(source)
            .trim_matches(|c| c == '"' || c == '\'' || c == '`');
        let lib = module_lib(module);
        let Some(lib) = lib else { return };
        let mut stack = vec![stmt];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "import_specifier" => {
                    let name = n.child_by_field_name("name").map_or("", |x| self.text(x));
                    let alias = n
                        .child_by_field_name("alias")
                        .map_or(name, |x| self.text(x));
                    if let Some(v) = member_of_lib(lib, name) {
                        self.env.insert(alias.to_string(), Val::Ext(Js::Lib(v)));
                    }
                }
                "namespace_import" => {
                    if let Some(id) = n.named_child(0) {
                        self.env
                            .insert(self.text(id).to_string(), Val::Ext(Js::Lib(lib)));
                    }
                }
                "import_clause" => {
                    let mut c = n.walk();
                    for ch in n.named_children(&mut c) {
                        if ch.kind() == "identifier" {
                            self.env
                                .insert(self.text(ch).to_string(), Val::Ext(Js::Lib(lib)));
                        } else {
                            stack.push(ch);
                        }
                    }
                }
                _ if stack.len() < 64 => {
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                _ => {}
            }
        }
    }

    /// Binds a declaration target: a name gets the value (opaque values take
    /// the name); `{ a, b } = lib` takes members; anything else is opaque.
    pub(super) fn bind(&mut self, target: Node<'a>, value: Val) {
        match (target.kind(), &value) {
            ("identifier", _) => {
                let name = self.text(target).to_string();
                let value = match value {
                    Val::Opaque(o) => Val::Opaque(value::Opaque {
                        name: name.clone(),
                        ..o
                    }),
                    Val::Unknown => Val::opaque(name.clone()),
                    other => other,
                };
                self.env.insert(name, value);
            }
            ("object_pattern", Val::Ext(Js::Lib(lib))) => {
                let lib = *lib;
                let mut c = target.walk();
                for p in target.named_children(&mut c) {
                    let (key, alias) = match p.kind() {
                        "shorthand_property_identifier_pattern" => (self.text(p), self.text(p)),
                        "pair_pattern" => (
                            p.child_by_field_name("key").map_or("", |k| self.text(k)),
                            p.child_by_field_name("value").map_or("", |k| self.text(k)),
                        ),
                        _ => continue,
                    };
                    let v = member_of_lib(lib, key).map_or(Val::Unknown, |l| Val::Ext(Js::Lib(l)));
                    self.env.insert(alias.to_string(), v);
                }
            }
            ("object_pattern", Val::Map(_)) => {
                let mut c = target.walk();
                for p in target.named_children(&mut c) {
                    if p.kind() == "shorthand_property_identifier_pattern" {
                        let name = self.text(p).to_string();
                        let v = value
                            .prop(&name)
                            .cloned()
                            .unwrap_or_else(|| Val::opaque(name.clone()));
                        self.env.insert(name, v);
                    } else {
                        self.bind_opaque(p);
                    }
                }
            }
            _ => self.bind_opaque(target),
        }
    }

    pub(super) fn bind_opaque(&mut self, target: Node<'a>) {
        for name in pattern_names(self, target) {
            self.env.insert(name.clone(), Val::opaque(name));
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
                let mut c = n.walk();
                stack.extend(
                    n.named_children(&mut c).filter(|x| {
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
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    out.sort();
    out.dedup();
    out
}
