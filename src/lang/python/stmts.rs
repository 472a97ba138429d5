//! Python statements: blocks, `if`/`for`/`while`/`try` (environments joined
//! where paths meet), `with r.pipeline() as p:`, assignments and bindings.

use tree_sitter::Node;

use super::value::{Elem, Opaque, Val};
use super::{Cx, MAX_DEPTH};
use crate::lang::value::merge_envs;
use crate::lang::walk::Blocks;
use crate::model::Family;

impl<'a> Blocks<'a> for Cx<'a> {
    const MAX_DEPTH: usize = MAX_DEPTH;

    fn depth(&mut self) -> &mut usize {
        &mut self.depth
    }

    fn stmt(&mut self, stmt: Node<'a>) {
        self.exec_stmt(stmt);
    }
}

impl<'a> Cx<'a> {
    pub(super) fn exec_block(&mut self, block: Node<'a>) {
        self.block(block);
    }

    pub(super) fn exec_stmt(&mut self, stmt: Node<'a>) {
        match stmt.kind() {
            "expression_statement" => {
                let mut cursor = stmt.walk();
                let parts: Vec<Node<'a>> = stmt.named_children(&mut cursor).collect();
                for e in parts {
                    match e.kind() {
                        "assignment" | "augmented_assignment" => self.assign(e),
                        _ => {
                            self.eval(e);
                        }
                    }
                }
            }
            "return_statement" => {
                let v = stmt.named_child(0).map_or(Val::Unknown, |e| self.eval(e));
                self.returns.push(v);
            }
            "if_statement" => self.exec_if(stmt),
            "for_statement" | "while_statement" => {
                if let Some(right) = stmt
                    .child_by_field_name("right")
                    .or_else(|| stmt.child_by_field_name("condition"))
                {
                    self.eval(right);
                }
                // The names the loop binds differ from one turn to the next.
                let level = self.m.loop_vars.len();
                if let Some(left) = stmt.child_by_field_name("left") {
                    self.bind_opaque(left);
                    let names = self.names_in(left);
                    self.m.loop_vars.extend(names);
                }
                let base = self.env.clone();
                if let Some(body) = stmt.child_by_field_name("body") {
                    self.exec_block(body);
                }
                self.m.loop_vars.truncate(level);
                let after = std::mem::take(&mut self.env);
                self.env = merge_envs(vec![base, after]);
            }
            "try_statement" => {
                let mut cursor = stmt.walk();
                let parts: Vec<Node<'a>> = stmt.named_children(&mut cursor).collect();
                let base = self.env.clone();
                let mut outs = Vec::new();
                for part in parts {
                    self.env = base.clone();
                    match part.kind() {
                        "block" => self.exec_block(part),
                        _ => self.exec_children(part),
                    }
                    outs.push(std::mem::take(&mut self.env));
                }
                self.env = if outs.is_empty() {
                    base
                } else {
                    merge_envs(outs)
                };
            }
            "with_statement" => self.exec_with(stmt),
            "function_definition" | "decorated_definition" => {
                let def = if stmt.kind() == "decorated_definition" {
                    stmt.child_by_field_name("definition")
                } else {
                    Some(stmt)
                };
                // Module functions and methods run on their own in `run`.
                if let Some(def) = def.filter(|_| self.fn_level > 0 && self.m.recording) {
                    if def.kind() == "function_definition" && self.call_depth == 0 {
                        let outer = self.env.clone();
                        let class = self.class.clone();
                        self.run_function(def, class, &outer);
                    }
                }
            }
            "class_definition"
            | "import_statement"
            | "import_from_statement"
            | "pass_statement"
            | "comment" => {}
            _ => self.exec_children(stmt),
        }
    }

    /// An unknown statement: its blocks run, its expressions are evaluated.
    fn exec_children(&mut self, node: Node<'a>) {
        let mut cursor = node.walk();
        let parts: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
        for part in parts {
            if part.kind() == "block" {
                self.exec_block(part);
            } else if part.kind().ends_with("_clause") {
                self.exec_children(part);
            } else {
                self.eval(part);
            }
        }
    }

    fn exec_if(&mut self, stmt: Node<'a>) {
        let base = self.env.clone();
        let mut outs = Vec::new();
        let mut has_else = false;
        let mut clauses = vec![stmt];
        let mut cursor = stmt.walk();
        clauses.extend(stmt.children_by_field_name("alternative", &mut cursor));
        for clause in clauses {
            self.env.clone_from(&base);
            if let Some(c) = clause.child_by_field_name("condition") {
                self.eval(c);
            }
            has_else |= clause.kind() == "else_clause";
            let body = clause
                .child_by_field_name("consequence")
                .or_else(|| clause.child_by_field_name("body"));
            if let Some(body) = body {
                self.exec_block(body);
            }
            outs.push(std::mem::take(&mut self.env));
        }
        if !has_else {
            outs.push(base);
        }
        self.env = merge_envs(outs);
    }

    fn exec_with(&mut self, stmt: Node<'a>) {
        let mut cursor = stmt.walk();
        let clause = stmt
            .named_children(&mut cursor)
            .find(|c| c.kind() == "with_clause");
        if let Some(clause) = clause {
            let mut c2 = clause.walk();
            let items: Vec<Node<'a>> = clause.named_children(&mut c2).collect();
            for item in items {
                let Some(value) = item.child_by_field_name("value") else {
                    continue;
                };
                if value.kind() == "as_pattern" {
                    let v = value.named_child(0).map_or(Val::Unknown, |e| self.eval(e));
                    if let Some(target) = value
                        .child_by_field_name("alias")
                        .and_then(|a| a.named_child(0))
                    {
                        self.bind(target, v);
                    }
                } else {
                    self.eval(value);
                }
            }
        }
        if let Some(body) = stmt.child_by_field_name("body") {
            self.exec_block(body);
        }
    }

    fn assign(&mut self, node: Node<'a>) {
        let right = node.child_by_field_name("right");
        let value = right.map_or(Val::Unknown, |r| self.eval(r));
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        if node.kind() == "augmented_assignment" {
            let name = self.text(left).to_string();
            self.env.insert(name.clone(), Val::opaque(name));
            return;
        }
        if right.is_some_and(|r| r.kind() == "assignment") {
            // `a = b = v`: the inner assignment was evaluated for its side effects.
            return;
        }
        if let (Some(r), Val::List(items)) = (right, &value) {
            self.key_list(left, r, items);
        }
        self.bind(left, value);
    }

    /// A module-level list of literal keys named as such (`SESSION_KEYS = […]`,
    /// `good_prefixes = […]`) documents key families: each is judged like a
    /// schema family.
    fn key_list(&mut self, left: Node<'a>, right: Node<'a>, items: &[Elem]) {
        if !self.m.recording || self.fn_level > 0 || left.kind() != "identifier" {
            return;
        }
        let name = self.text(left);
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with("keys") || lower.ends_with("prefixes") || lower.ends_with("patterns"))
        {
            return;
        }
        let mut c = right.walk();
        let elems: Vec<Node<'a>> = right
            .named_children(&mut c)
            .filter(|n| n.kind() != "comment")
            .collect();
        let looks_like_keys = elems.len() == items.len()
            && items.iter().all(|v| {
                v.val.literal_bytes().is_some_and(|b| {
                    !b.is_empty() && b.iter().any(|&c| c == b':' || c == b'{') && !b.contains(&b' ')
                })
            });
        if !looks_like_keys {
            return;
        }
        for (i, (v, e)) in items.iter().zip(elems).enumerate() {
            let Some(pattern) = v.val.as_str().cloned() else {
                continue;
            };
            self.m.out.model.families.push(Family {
                name: format!("{name}[{i}]"),
                pattern,
                span: self.span(e),
                pattern_span: self.span(e),
                cardinality: None,
                qps: None,
            });
        }
    }

    /// Binds a target: a name or attribute gets the value (opaque values take
    /// the target's name); anything else gets opaque values.
    pub(super) fn bind(&mut self, target: Node<'a>, value: Val) {
        match target.kind() {
            "identifier" | "attribute" => {
                let name = self.text(target).to_string();
                let value = match value {
                    Val::Opaque(o) if self.rename_locals => Val::Opaque(Opaque {
                        name: name.clone(),
                        ..o
                    }),
                    other => other,
                };
                self.env.insert(name, value);
            }
            _ => self.bind_opaque(target),
        }
    }

    /// The identifiers a target binds (`k`, `(i, k)`).
    pub(super) fn names_in(&self, target: Node<'a>) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![target];
        while let Some(n) = stack.pop() {
            if n.kind() == "identifier" {
                out.push(self.text(n).to_string());
            } else if stack.len() < 64 {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c).filter(|x| x.kind() != "attribute"));
            }
        }
        out
    }

    pub(super) fn bind_opaque(&mut self, target: Node<'a>) {
        let mut stack = vec![target];
        while let Some(n) = stack.pop() {
            if n.kind() == "identifier" {
                let name = self.text(n).to_string();
                self.env.insert(name.clone(), Val::opaque(name));
            } else if stack.len() < 64 {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c).filter(|x| x.kind() != "attribute"));
            }
        }
    }
}
