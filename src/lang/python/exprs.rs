//! Python expressions to values: string literals of every form, f-strings,
//! `%`-formatting, `.format()`, concatenation, `join`, `replace`, names bound
//! in the function, the class or the module, and small integer domains.
// The expression evaluator mirrors Python's grammar case by case; these
// pedantic lints fight that shape (to be folded with the other front-ends).
#![allow(
    clippy::many_single_char_names,
    clippy::similar_names,
    clippy::too_many_lines,
    clippy::match_same_arms
)]

use tree_sitter::Node;

use super::value::{is_prefixish, Literal, Opaque, Val};
use super::{Cx, MAX_DEPTH};
use crate::keypattern::{BraceField, Hole, KeyPattern, Segment};
use crate::lang::holes::in_field;
use crate::model::Span;

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
                        out.push(self.eval(item));
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
                    out.push((kv, vv, Self::span(k)));
                }
                Val::Dict(out)
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
            _ => {
                self.eval_children(node);
                Val::opaque(self.name_of(node))
            }
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
        if let Some(v) = self.env.get(name) {
            return v.clone();
        }
        if let Some(v) = self.module_env.get(name) {
            return v.clone();
        }
        if let Some(q) = self.imports.get(name) {
            return Val::RedisName(q.clone());
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
            Val::SelfRef => self
                .class
                .clone()
                .and_then(|c| self.class_attr(&c, attr))
                .unwrap_or_else(|| Val::opaque(full)),
            Val::RedisName(q) => Val::RedisName(format!("{q}.{attr}")),
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
            ("%", Val::Str(t, _), _) => {
                let args = match (&rv, r.kind()) {
                    (Val::List(vs), "tuple" | "parenthesized_expression") => {
                        let mut c = r.walk();
                        let names: Vec<String> =
                            r.named_children(&mut c).map(|n| self.name_of(n)).collect();
                        vs.iter().cloned().zip(names).collect()
                    }
                    _ => vec![(rv.clone(), self.name_of(r))],
                };
                Val::Str(percent_format(t, &args, &rv), None)
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
        let mut expand: Option<(String, Vec<Val>)> = None;
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
                self.env.insert(name.clone(), item);
                vals.push(self.eval(body));
            }
            Val::List(vals)
        } else {
            let elem = self.eval(body);
            Val::Family(Box::new(elem), vars)
        };
        self.env = saved;
        out
    }

    /// A string literal: its prefix, its content with escapes decoded, and
    /// for f-strings the interpolations as holes.
    pub(super) fn string(&mut self, node: Node<'a>) -> Val {
        if node.kind() != "string" {
            return self.eval(node);
        }
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.children(&mut c).collect();
        let prefix = parts
            .first()
            .filter(|p| p.kind() == "string_start")
            .map_or("", |p| self.text(*p))
            .to_ascii_lowercase();
        let is_f = prefix.contains('f');
        let raw = prefix.contains('r');
        let mut pattern = KeyPattern::default();
        let mut lit = Some(Literal {
            bytes: Vec::new(),
            offsets: Vec::new(),
        });
        for part in parts {
            match part.kind() {
                "string_content" => {
                    let (bytes, offsets) = self.content(part, raw, is_f);
                    if let Some(l) = &mut lit {
                        l.bytes.extend_from_slice(&bytes);
                        l.offsets.extend_from_slice(&offsets);
                    }
                    pattern.push(Segment::Lit(bytes));
                }
                "interpolation" => {
                    lit = None;
                    let Some(expr) = part.child_by_field_name("expression") else {
                        continue;
                    };
                    let v = self.eval(expr);
                    let plain = part.child_by_field_name("format_specifier").is_none()
                        && part.child_by_field_name("type_conversion").is_none();
                    let name = self.name_of(expr);
                    let p = if plain || matches!(v, Val::Opaque(_)) {
                        v.interpolated(&name)
                    } else {
                        KeyPattern::new([Segment::Hole(Hole {
                            may_contain_braces: is_prefixish(&name),
                            ..Hole::named(name)
                        })])
                    };
                    let field = BraceField {
                        span: Span::new(part.start_byte(), part.end_byte()),
                        text: self.text(part).to_string(),
                        literal: self.text(node).to_string(),
                        at: part.start_byte() - node.start_byte(),
                    };
                    pattern.extend(&in_field(p, Some(field)));
                }
                _ => {}
            }
        }
        let lit = lit.map(|mut l| {
            let end = parts_end(node);
            l.offsets.push(end);
            Box::new(l)
        });
        Val::Str(pattern, lit)
    }

    /// Decoded bytes of a string content node and the file offset of each.
    fn content(&self, node: Node<'_>, raw: bool, is_f: bool) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        let mut pos = node.start_byte();
        let mut c = node.walk();
        let escapes: Vec<Node<'_>> = node.named_children(&mut c).collect();
        let push_raw = |from: usize, to: usize, bytes: &mut Vec<u8>, offsets: &mut Vec<usize>| {
            for i in from..to.min(self.src.len()) {
                bytes.push(self.src[i]);
                offsets.push(i);
            }
        };
        for e in escapes {
            push_raw(pos, e.start_byte(), &mut bytes, &mut offsets);
            let text = &self.src[e.byte_range()];
            match e.kind() {
                "escape_interpolation" if is_f => {
                    bytes.push(text.first().copied().unwrap_or(b'{'));
                    offsets.push(e.start_byte());
                }
                "escape_sequence" if !raw => {
                    for b in decode_escape(text) {
                        bytes.push(b);
                        offsets.push(e.start_byte());
                    }
                }
                _ => push_raw(e.start_byte(), e.end_byte(), &mut bytes, &mut offsets),
            }
            pos = e.end_byte();
        }
        push_raw(pos, node.end_byte(), &mut bytes, &mut offsets);
        (bytes, offsets)
    }
}

fn parts_end(node: Node<'_>) -> usize {
    let mut c = node.walk();
    let last = node.children(&mut c).last();
    match last {
        Some(end) if end.kind() == "string_end" => end.start_byte(),
        _ => node.end_byte(),
    }
}

/// The bytes one escape sequence stands for.
fn decode_escape(text: &[u8]) -> Vec<u8> {
    let Some(&c) = text.get(1) else {
        return text.to_vec();
    };
    let hex = |s: &[u8]| {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| u32::from_str_radix(s, 16).ok())
    };
    let single = match c {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'0'..=b'7' => {
            let digits = std::str::from_utf8(&text[1..]).unwrap_or("0");
            return vec![
                u8::try_from(u32::from_str_radix(digits, 8).unwrap_or(0) & 0xff).unwrap_or(0),
            ];
        }
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'v' => 11,
        b'\n' => return Vec::new(),
        b'x' => {
            return hex(&text[2..])
                .and_then(|v| u8::try_from(v).ok())
                .map_or_else(|| text.to_vec(), |v| vec![v]);
        }
        b'u' | b'U' => {
            return hex(&text[2..])
                .and_then(char::from_u32)
                .map_or_else(|| text.to_vec(), |ch| ch.to_string().into_bytes());
        }
        b'N' => return text.to_vec(),
        other => other,
    };
    vec![single]
}

/// `template % args`: `%s`-style conversions and `%(name)s` from a dict.
fn percent_format(template: &KeyPattern, args: &[(Val, String)], whole: &Val) -> KeyPattern {
    let mut out = KeyPattern::default();
    let mut next = 0;
    for seg in template.segments() {
        let Segment::Lit(bytes) = seg else {
            out.push(seg.clone());
            continue;
        };
        let mut i = 0;
        let mut lit = Vec::new();
        while i < bytes.len() {
            if bytes[i] != b'%' {
                lit.push(bytes[i]);
                i += 1;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'%') {
                lit.push(b'%');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut key = None;
            if bytes.get(j) == Some(&b'(') {
                let close = bytes[j..].iter().position(|&b| b == b')').map(|p| j + p);
                let Some(close) = close else {
                    lit.extend_from_slice(&bytes[i..]);
                    break;
                };
                key = Some(bytes[j + 1..close].to_vec());
                j = close + 1;
            }
            while j < bytes.len() && b"-+ #0123456789.*".contains(&bytes[j]) {
                j += 1;
            }
            if j >= bytes.len() {
                lit.extend_from_slice(&bytes[i..]);
                break;
            }
            out.push(Segment::Lit(std::mem::take(&mut lit)));
            let hole = if let Some(key) = key {
                let found = match whole {
                    Val::Dict(pairs) => pairs
                        .iter()
                        .find(|(k, _, _)| k.literal_bytes() == Some(key.as_slice()))
                        .map(|(_, v, _)| v.clone()),
                    _ => None,
                };
                let name = String::from_utf8_lossy(&key).into_owned();
                found.map_or_else(
                    || Val::opaque(name.clone()).interpolated(&name),
                    |v| v.interpolated(&name),
                )
            } else {
                let arg = args.get(next);
                next += 1;
                arg.map_or_else(
                    || KeyPattern::new([Segment::Hole(Hole::named("%s"))]),
                    |(v, name)| v.interpolated(name),
                )
            };
            out.extend(&hole);
            i = j + 1;
        }
        out.push(Segment::Lit(lit));
    }
    out
}

/// `template.format(*pos, **kw)`: `{}`, `{0}`, `{name}` fields; `{{`/`}}` are
/// braces. `lit` places the fields of a literal template in the source.
pub(super) fn format_template(
    template: &KeyPattern,
    lit: Option<&Literal>,
    written: Option<(&str, usize)>,
    pos: &[(Val, String)],
    kw: &[(String, Val)],
) -> KeyPattern {
    let mut out = KeyPattern::default();
    let mut auto = 0;
    let mut base = 0;
    for seg in template.segments() {
        let Segment::Lit(bytes) = seg else {
            out.push(seg.clone());
            continue;
        };
        let mut i = 0;
        let mut text = Vec::new();
        while i < bytes.len() {
            let b = bytes[i];
            if (b == b'{' || b == b'}') && bytes.get(i + 1) == Some(&b) {
                text.push(b);
                i += 2;
                continue;
            }
            if b != b'{' {
                text.push(b);
                i += 1;
                continue;
            }
            let Some(close) = bytes[i..].iter().position(|&c| c == b'}').map(|p| i + p) else {
                text.extend_from_slice(&bytes[i..]);
                break;
            };
            let field = &bytes[i + 1..close];
            let name_end = field
                .iter()
                .position(|&c| matches!(c, b'!' | b':' | b'.' | b'['))
                .unwrap_or(field.len());
            let name = String::from_utf8_lossy(&field[..name_end]).into_owned();
            let plain = name_end == field.len();
            let value = if name.is_empty() {
                auto += 1;
                pos.get(auto - 1).cloned()
            } else if let Ok(n) = name.parse::<usize>() {
                pos.get(n).cloned()
            } else {
                kw.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (v.clone(), name.clone()))
            };
            out.push(Segment::Lit(std::mem::take(&mut text)));
            let hole = match value {
                Some((v, n)) if plain || matches!(v, Val::Opaque(_)) => v.interpolated(&n),
                Some((_, n)) => Val::opaque(n.clone()).interpolated(&n),
                None => {
                    let n = String::from_utf8_lossy(field).into_owned();
                    Val::opaque(n.clone()).interpolated(&n)
                }
            };
            let field = lit.and_then(|l| {
                let span = l.span(base + i, base + close + 1)?;
                let (literal, at) = written
                    .and_then(|(text, start)| {
                        Some((text.to_string(), span.start.checked_sub(start)?))
                    })
                    .unwrap_or_default();
                Some(BraceField {
                    span,
                    text: String::from_utf8_lossy(&bytes[i..=close]).into_owned(),
                    literal,
                    at,
                })
            });
            out.extend(&in_field(hole, field));
            i = close + 1;
        }
        out.push(Segment::Lit(text));
        base += bytes.len();
    }
    out
}
