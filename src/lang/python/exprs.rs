//! Python expressions to values: concatenation, `%` and the other operators,
//! comprehensions, names bound in the function, the class or the module,
//! attributes, and small integer domains. String literals and formatting are
//! in `strings`.
// The expression evaluator mirrors Python's grammar case by case; these
// pedantic lints fight that shape (to be folded with the other front-ends).
#![allow(
    clippy::many_single_char_names,
    clippy::similar_names,
    clippy::too_many_lines,
    clippy::match_same_arms
)]

use tree_sitter::Node;

use super::strings::percent_format;
use super::value::{Elem, Literal, Opaque, Py, Val};
use super::{Cx, MAX_DEPTH};
use crate::keypattern::KeyPattern;

/// Most elements a comprehension over a known list is expanded into.
const MAX_EXPAND: usize = 64;

impl<'a> Cx<'a> {
    /// Evaluates an expression (running any Redis calls in it).
    pub(super) fn eval(&mut self, node: Node<'a>) -> Val {
        if self.depth > MAX_DEPTH {
            return Val::opaque(self.name_of(node));
        }
        self.depth += 1;
        let v = self.eval_inner(node);
        self.depth -= 1;
        v
    }

    /// An expression's text with blanks collapsed, as a hole name.
    pub(super) fn name_of(&self, node: Node<'_>) -> String {
        let t = self.text(node);
        let mut out = String::with_capacity(t.len().min(80));
        for w in t.split_whitespace() {
            if !out.is_empty()
                && !out.ends_with(['(', '[', '.'])
                && !w.starts_with([')', ']', '.', ','])
            {
                out.push(' ');
            }
            out.push_str(w);
            if out.len() > 80 {
                break;
            }
        }
        out
    }

    fn eval_inner(&mut self, node: Node<'a>) -> Val {
        match node.kind() {
            "string" => self.string(node),
            "concatenated_string" => {
                let mut c = node.walk();
                let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
                let mut pattern = KeyPattern::default();
                let mut lit = Some(Literal {
                    bytes: Vec::new(),
                    offsets: Vec::new(),
                });
                for part in parts {
                    let Val::Str(p, l) = self.string(part) else {
                        return Val::opaque(self.name_of(node));
                    };
                    pattern.extend(&p);
                    lit = match (lit, l) {
                        (Some(mut acc), Some(l)) => {
                            acc.bytes.extend_from_slice(&l.bytes);
                            acc.offsets.extend(l.offsets.iter().take(l.bytes.len()));
                            Some(acc)
                        }
                        _ => None,
                    };
                }
                let lit = lit.map(|mut l| {
                    l.offsets.push(node.end_byte());
                    Box::new(l)
                });
                Val::Str(pattern, lit)
            }
            "integer" => {
                let t = self.text(node).replace('_', "");
                t.parse().map_or_else(
                    |_| {
                        Val::Opaque(Opaque {
                            name: t.clone(),
                            numeric: true,
                            ..Opaque::default()
                        })
                    },
                    Val::Int,
                )
            }
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "none" => Val::Unknown,
            "identifier" => self.lookup(node),
            "attribute" => self.attribute(node),
            "call" => self.call(node),
            "await" | "parenthesized_expression" => {
                node.named_child(0).map_or(Val::Unknown, |e| self.eval(e))
            }
            "binary_operator" => self.binary(node),
            "boolean_operator" => self.boolean(node),
            "comparison_operator" | "not_operator" => {
                self.eval_children(node);
                Val::Opaque(Opaque {
                    name: self.name_of(node),
                    domain: Some(2),
                    numeric: true,
                    ..Opaque::default()
                })
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut c = node.walk();
                let items: Vec<Node<'a>> = node.named_children(&mut c).collect();
                let mut out = Vec::new();
                for item in items {
                    if item.kind() == "list_splat" {
                        match item.named_child(0).map(|e| self.eval(e)) {
                            Some(Val::List(vs)) => out.extend(vs),
                            _ => return Val::opaque(self.name_of(node)),
                        }
                    } else if item.kind() != "comment" {
                        let val = self.eval(item);
                        out.push(self.elem(val, item));
                    }
                }
                Val::List(out)
            }
            "list_comprehension" | "set_comprehension" | "generator_expression" => {
                self.comprehension(node)
            }
            "dictionary" => {
                let mut c = node.walk();
                let pairs: Vec<Node<'a>> = node.named_children(&mut c).collect();
                let mut out = Vec::new();
                for pair in pairs {
                    let (Some(k), Some(v)) = (
                        pair.child_by_field_name("key"),
                        pair.child_by_field_name("value"),
                    ) else {
                        self.eval(pair);
                        continue;
                    };
                    let kv = self.eval(k);
                    let vv = self.eval(v);
                    out.push((kv, vv, self.span(k)));
                }
                Val::Map(out)
            }
            "conditional_expression" => {
                let mut c = node.walk();
                let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
                let vals: Vec<Val> = parts.iter().map(|p| self.eval(*p)).collect();
                match (vals.first(), vals.get(2)) {
                    (Some(a), Some(b)) if a == b => a.clone(),
                    _ => Val::opaque(self.name_of(node)),
                }
            }
            "unary_operator" => {
                self.eval_children(node);
                Val::Opaque(Opaque {
                    name: self.name_of(node),
                    numeric: true,
                    ..Opaque::default()
                })
            }
            "lambda" => Val::Unknown,
            "yield" => {
                let v = node.named_child(0).map_or(Val::Unknown, |e| self.eval(e));
                if self.yields {
                    self.returns.push(v);
                }
                Val::Unknown
            }
            _ => {
                self.eval_children(node);
                Val::opaque(self.name_of(node))
            }
        }
    }

    /// A value as a list element written at `node`.
    pub(super) fn elem(&self, val: Val, node: Node<'_>) -> Elem {
        Elem {
            val,
            span: self.span(node),
            text: self.name_of(node),
        }
    }

    fn eval_children(&mut self, node: Node<'a>) {
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
        for p in parts {
            if p.kind() == "block" {
                self.exec_block(p);
            } else {
                self.eval(p);
            }
        }
    }

    fn lookup(&mut self, node: Node<'a>) -> Val {
        let name = self.text(node);
        if name == "__file__" {
            if let Some(v) = self.this_file() {
                return v;
            }
        }
        if let Some(v) = self.env.get(name) {
            return v.clone();
        }
        if let Some(v) = self.md().env.get(name) {
            return v.clone();
        }
        if let Some(import) = self.md().imports.get(name).cloned() {
            if let Some(v) = self.imported(import) {
                return v;
            }
        }
        let module = self.cur;
        if self.md().funcs.contains_key(name) {
            return Val::Ext(Py::Func(module, name.to_string()));
        }
        if self.md().classes.contains_key(name) {
            return Val::Ext(Py::Class(super::ClassRef {
                module,
                name: name.to_string(),
            }));
        }
        Val::opaque(name)
    }

    fn attribute(&mut self, node: Node<'a>) -> Val {
        let full = self.name_of(node);
        if let Some(v) = self.env.get(&full) {
            return v.clone();
        }
        let (Some(obj), Some(attr)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("attribute"),
        ) else {
            return Val::opaque(full);
        };
        let attr = self.text(attr);
        match self.eval(obj) {
            recv @ Val::Ext(Py::SelfRef | Py::Instance(_) | Py::Class(_)) => {
                let class = match recv {
                    Val::Ext(Py::Instance(c) | Py::Class(c)) => Some(c),
                    _ => self.class.clone(),
                };
                class
                    .and_then(|c| self.attr_of(node, &c, attr))
                    .unwrap_or_else(|| Val::opaque(full))
            }
            Val::Ext(Py::Module(m)) => self.member(m, attr).unwrap_or_else(|| Val::opaque(full)),
            Val::Ext(Py::Path(p)) if attr == "parent" => p.parent().map_or_else(
                || Val::opaque(full),
                |d| Val::Ext(Py::Path(d.to_path_buf())),
            ),
            Val::Ext(Py::RedisName(q)) => Val::Ext(Py::RedisName(format!("{q}.{attr}"))),
            _ => {
                let domain = match attr {
                    "month" => Some(12),
                    "hour" => Some(24),
                    "minute" | "second" => Some(60),
                    _ => None,
                };
                Val::Opaque(Opaque {
                    name: full,
                    domain,
                    numeric: domain.is_some(),
                    ..Opaque::default()
                })
            }
        }
    }

    /// An attribute of an instance of `class`: a class or instance
    /// attribute, or what a `@property` of that name returns.
    fn attr_of(&mut self, node: Node<'a>, class: &super::ClassRef, attr: &str) -> Option<Val> {
        if let Some(v) = self.class_attr(class, attr) {
            return Some(v);
        }
        if !self.is_property(class, attr) {
            return None;
        }
        let (owner, def) = self.method(class, attr)?;
        let module = owner.module;
        Some(self.call_function(
            node,
            module,
            def,
            Some(owner),
            &super::calls::Args::default(),
        ))
    }

    /// The operator of a binary node and its two operands, evaluated.
    fn operands(&mut self, node: Node<'a>) -> Option<(&'a str, Node<'a>, Node<'a>, Val, Val)> {
        let l = node.child_by_field_name("left")?;
        let r = node.child_by_field_name("right")?;
        let op = node
            .child_by_field_name("operator")
            .map_or("", |o| self.text(o));
        Some((op, l, r, self.eval(l), self.eval(r)))
    }

    fn binary(&mut self, node: Node<'a>) -> Val {
        let Some((op, l, r, lv, rv)) = self.operands(node) else {
            return Val::opaque(self.name_of(node));
        };
        match (op, &lv, &rv) {
            ("+", Val::Str(a, _), Val::Str(b, _)) => {
                let mut p = a.clone();
                p.extend(b);
                Val::Str(p, None)
            }
            ("+", Val::Str(a, _), other) | ("+", other, Val::Str(a, _))
                if matches!(other, Val::Opaque(_)) =>
            {
                let hole =
                    other.interpolated(&self.name_of(if lv.as_str().is_some() { r } else { l }));
                let mut p = KeyPattern::default();
                if lv.as_str().is_some() {
                    p.extend(a);
                    p.extend(&hole);
                } else {
                    p.extend(&hole);
                    p.extend(a);
                }
                Val::Str(p, None)
            }
            ("+", Val::List(a), Val::List(b)) => Val::List(a.iter().chain(b).cloned().collect()),
            ("/", Val::Ext(Py::Path(p)), Val::Str(..)) => match rv.literal_bytes() {
                Some(rel) => Val::Ext(Py::Path(p.join(String::from_utf8_lossy(&rel).as_ref()))),
                None => Val::opaque(self.name_of(node)),
            },
            ("%", Val::Str(t, _), _) => {
                let args = match (&rv, r.kind()) {
                    (Val::List(vs), "tuple" | "parenthesized_expression") => {
                        let mut c = r.walk();
                        let names: Vec<String> =
                            r.named_children(&mut c).map(|n| self.name_of(n)).collect();
                        vs.iter().map(|e| e.val.clone()).zip(names).collect()
                    }
                    _ => vec![(rv.clone(), self.name_of(r))],
                };
                Val::Str(percent_format(t, &args, &rv), None)
            }
            ("//" | "/", Val::Opaque(o), Val::Int(n)) if o.period == Some("instant") => {
                Val::Opaque(Opaque {
                    name: self.name_of(node),
                    numeric: true,
                    period: super::calls::division_period(*n).or(Some("instant")),
                    ..Opaque::default()
                })
            }
            ("%", _, _) => Val::Opaque(Opaque {
                name: self.name_of(node),
                domain: rv
                    .as_int()
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|&n| n > 0),
                numeric: true,
                ..Opaque::default()
            }),
            (_, Val::Int(a), Val::Int(b)) => match op {
                "+" => a.checked_add(*b).map_or(Val::Unknown, Val::Int),
                "-" => a.checked_sub(*b).map_or(Val::Unknown, Val::Int),
                "*" => a.checked_mul(*b).map_or(Val::Unknown, Val::Int),
                _ => Val::opaque(self.name_of(node)),
            },
            _ => Val::Opaque(Opaque {
                name: self.name_of(node),
                numeric: matches!(
                    op,
                    "-" | "*" | "//" | "/" | "**" | "&" | "|" | "^" | "<<" | ">>"
                ),
                ..Opaque::default()
            }),
        }
    }

    /// `a or "default"` is `a`, falling back to the default.
    fn boolean(&mut self, node: Node<'a>) -> Val {
        let Some((op, _, _, lv, rv)) = self.operands(node) else {
            return Val::opaque(self.name_of(node));
        };
        match (op, lv, rv) {
            ("or", Val::Opaque(o), Val::Str(d, _)) if d.as_literal().is_some() => {
                Val::Opaque(Opaque {
                    default: d.as_literal().map(<[u8]>::to_vec),
                    ..o
                })
            }
            ("or", Val::Opaque(o), Val::Int(n)) => Val::Opaque(Opaque {
                int_default: Some(n),
                numeric: true,
                ..o
            }),
            ("or", Val::Opaque(_) | Val::Unknown, v @ (Val::Client(_) | Val::Pipeline(_))) => v,
            ("or", v @ (Val::Str(..) | Val::Client(_)), _) => v,
            _ => Val::opaque(self.name_of(node)),
        }
    }

    fn comprehension(&mut self, node: Node<'a>) -> Val {
        let Some(body) = node.child_by_field_name("body") else {
            return Val::opaque(self.name_of(node));
        };
        let mut c = node.walk();
        let clauses: Vec<Node<'a>> = node
            .named_children(&mut c)
            .filter(|n| n.kind() == "for_in_clause" || n.kind() == "if_clause")
            .collect();
        let saved = self.env.clone();
        let mut vars = Vec::new();
        let mut expand: Option<(String, Vec<Elem>)> = None;
        for clause in &clauses {
            if clause.kind() != "for_in_clause" {
                continue;
            }
            let right = clause.child_by_field_name("right").map(|r| self.eval(r));
            if let Some(left) = clause.child_by_field_name("left") {
                let single = left.kind() == "identifier";
                let name = self.text(left).to_string();
                match right {
                    Some(Val::List(items))
                        if single && clauses.len() == 1 && items.len() <= MAX_EXPAND =>
                    {
                        expand = Some((name, items));
                    }
                    _ => {
                        self.bind_opaque(left);
                        let mut stack = vec![left];
                        while let Some(n) = stack.pop() {
                            if n.kind() == "identifier" {
                                vars.push(self.text(n).to_string());
                            } else if stack.len() < 64 {
                                let mut c2 = n.walk();
                                stack.extend(n.named_children(&mut c2));
                            }
                        }
                    }
                }
            }
        }
        let out = if let Some((name, items)) = expand {
            let mut vals = Vec::new();
            for item in items {
                self.env.insert(name.clone(), item.val);
                let val = self.eval(body);
                vals.push(self.elem(val, body));
            }
            Val::List(vals)
        } else {
            let elem = self.eval(body);
            Val::Family(Box::new(elem), vars)
        };
        self.env = saved;
        out
    }
}
