//! Expressions: string literals, template literals, concatenation, `join`,
//! `replace`, bindings and properties as key patterns; arrays, `.map()`
//! families and object literals; same-file key-builder calls.

use tree_sitter::Node;

use super::value::{self, Lib, Literal, Opaque, Val};
use super::{Cx, MAX_CALL_DEPTH, MAX_DEPTH};
use crate::keypattern::{BraceSyntax, KeyPattern, Layout, Segment};

impl<'a> Cx<'a> {
    pub(super) fn eval(&mut self, node: Node<'a>) -> Val {
        if self.depth > MAX_DEPTH {
            return Val::Unknown;
        }
        self.depth += 1;
        let v = self.eval_inner(node);
        self.depth -= 1;
        v
    }

    #[allow(clippy::too_many_lines)]
    fn eval_inner(&mut self, node: Node<'a>) -> Val {
        match node.kind() {
            "string" => {
                let lit = self.decode(node, false);
                let p = KeyPattern::literal(lit.bytes.clone())
                    .with_layout(lit.layout(BraceSyntax::Plain));
                Val::Str(p, Some(Box::new(lit)))
            }
            "template_string" => self.template(node),
            "number" => self
                .text(node)
                .replace('_', "")
                .parse::<i64>()
                .map_or_else(|_| numeric(self.text(node)), Val::Num),
            "identifier" => match self.text(node) {
                "undefined" => Val::Unknown,
                name => self
                    .env
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| Val::opaque(name)),
            },
            "member_expression" => self.member(node),
            "subscript_expression" => {
                for f in ["object", "index"] {
                    if let Some(n) = node.child_by_field_name(f) {
                        self.eval(n);
                    }
                }
                Val::opaque(self.text(node))
            }
            "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => node.named_child(0).map_or(Val::Unknown, |n| self.eval(n)),
            "type_assertion" => node
                .named_child(u32::try_from(node.named_child_count().saturating_sub(1)).unwrap_or(0))
                .map_or(Val::Unknown, |n| self.eval(n)),
            "binary_expression" => self.binary(node),
            "ternary_expression" => {
                if let Some(c) = node.child_by_field_name("condition") {
                    self.eval(c);
                }
                let a = node
                    .child_by_field_name("consequence")
                    .map_or(Val::Unknown, |n| self.eval(n));
                let b = node
                    .child_by_field_name("alternative")
                    .map_or(Val::Unknown, |n| self.eval(n));
                value::merge(&a, &b, self.text(node))
            }
            "assignment_expression" => {
                let v = node
                    .child_by_field_name("right")
                    .map_or(Val::Unknown, |n| self.eval(n));
                if let Some(left) = node.child_by_field_name("left") {
                    if matches!(left.kind(), "identifier" | "member_expression") {
                        let name = self.text(left).to_string();
                        let stored = match &v {
                            Val::Opaque(o) => Val::Opaque(Opaque {
                                name: name.clone(),
                                ..o.clone()
                            }),
                            Val::Unknown => Val::opaque(name.clone()),
                            other => other.clone(),
                        };
                        self.env.insert(name, stored);
                    } else {
                        self.bind_opaque(left);
                    }
                }
                v
            }
            "augmented_assignment_expression" | "update_expression" => {
                let target = node
                    .child_by_field_name("left")
                    .or_else(|| node.child_by_field_name("argument"));
                if let Some(r) = node.child_by_field_name("right") {
                    self.eval(r);
                }
                if let Some(t) = target {
                    let name = self.text(t).to_string();
                    self.env.insert(name.clone(), Val::opaque(name));
                }
                Val::Unknown
            }
            "array" => Val::List(self.items(node)),
            "object" => self.object(node),
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                self.fn_nodes.insert(node.id(), node);
                Val::Func(node.id())
            }
            "call_expression" => self.call(node),
            "new_expression" => self.new_expr(node),
            "sequence_expression" => {
                let mut last = Val::Unknown;
                let mut c = node.walk();
                let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
                for p in parts {
                    last = self.eval(p);
                }
                last
            }
            "unary_expression" => {
                if let Some(a) = node.child_by_field_name("argument") {
                    self.eval(a);
                }
                numeric(self.text(node))
            }
            "true" | "false" | "null" | "this" | "regex" | "class" => Val::Unknown,
            _ => {
                self.eval_children(node);
                Val::Unknown
            }
        }
    }

    /// Evaluates every named child for the calls inside (JSX, `yield`, `spread`).
    pub(super) fn eval_children(&mut self, node: Node<'a>) {
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
        for p in parts {
            if p.kind() == "statement_block" {
                self.exec_block(p);
            } else {
                self.eval(p);
            }
        }
    }

    /// A string literal's bytes, escapes decoded, with each byte's file offset.
    fn decode(&self, node: Node<'_>, template: bool) -> Literal {
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        let mut c = node.walk();
        for part in node.named_children(&mut c) {
            let start = part.start_byte();
            match part.kind() {
                "string_fragment" => {
                    let raw = self.src.get(part.byte_range()).unwrap_or(&[]);
                    bytes.extend_from_slice(raw);
                    offsets.extend((0..raw.len()).map(|i| start + i));
                }
                "escape_sequence" => {
                    let decoded = unescape(self.text(part));
                    offsets.extend(std::iter::repeat_n(start, decoded.len()));
                    bytes.extend(decoded);
                }
                _ if template => {}
                _ => {
                    let raw = self.src.get(part.byte_range()).unwrap_or(&[]);
                    bytes.extend_from_slice(raw);
                    offsets.extend((0..raw.len()).map(|i| start + i));
                }
            }
        }
        offsets.push(node.end_byte().saturating_sub(1));
        Literal { bytes, offsets }
    }

    /// A template literal: text, `${…}` holes; literal when it has no holes.
    fn template(&mut self, node: Node<'a>) -> Val {
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
        if parts.iter().all(|p| p.kind() != "template_substitution") {
            let lit = self.decode(node, true);
            let p = KeyPattern::literal(lit.bytes.clone())
                .with_layout(lit.layout(BraceSyntax::Template));
            return Val::Str(p, Some(Box::new(lit)));
        }
        let mut out = KeyPattern::default();
        // Where each token is written, for fixes that edit the template.
        let mut starts = Vec::new();
        for part in parts {
            let at = part.start_byte();
            match part.kind() {
                "string_fragment" => {
                    let raw = self.src.get(part.byte_range()).unwrap_or(&[]);
                    starts.extend((0..raw.len()).map(|i| at + i));
                    out.push(Segment::Lit(raw.to_vec()));
                }
                "escape_sequence" => {
                    let bytes = unescape(self.text(part));
                    starts.extend(std::iter::repeat_n(at, bytes.len()));
                    out.push(Segment::Lit(bytes));
                }
                "template_substitution" => {
                    let Some(e) = part.named_child(0) else {
                        continue;
                    };
                    let v = self.eval(e).interpolated(self.text(e));
                    starts.extend(std::iter::repeat_n(at, v.token_count()));
                    out.extend(&v);
                }
                _ => {}
            }
        }
        starts.push(node.end_byte().saturating_sub(1));
        let layout = Layout {
            starts,
            braces: BraceSyntax::Template,
        };
        Val::Str(out.with_layout(layout), None)
    }

    fn member(&mut self, node: Node<'a>) -> Val {
        let text = self.text(node);
        if let Some(v) = self.env.get(text) {
            return v.clone();
        }
        let prop = node
            .child_by_field_name("property")
            .map_or("", |p| self.text(p));
        let obj = node
            .child_by_field_name("object")
            .map_or(Val::Unknown, |o| self.eval(o));
        match (&obj, prop) {
            (Val::Lib(lib), _) => super::member_of_lib(*lib, prop).map_or(Val::Unknown, Val::Lib),
            (Val::Obj(props), _) => props
                .iter()
                .find(|(k, _)| k == prop)
                .map_or_else(|| Val::opaque(text), |(_, v)| v.clone()),
            (_, "length" | "size") => numeric(text),
            (Val::Client(_) | Val::Pipeline(_), _) => Val::Unknown,
            _ => Val::opaque(text),
        }
    }

    #[allow(clippy::many_single_char_names)]
    fn binary(&mut self, node: Node<'a>) -> Val {
        let op = node
            .child_by_field_name("operator")
            .map_or("", |o| self.text(o));
        let (Some(l), Some(r)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return Val::Unknown;
        };
        let a = self.eval(l);
        let b = self.eval(r);
        match op {
            "+" => match (&a, &b) {
                (Val::Num(x), Val::Num(y)) => x.checked_add(*y).map_or(Val::Unknown, Val::Num),
                (Val::Str(..), _) | (_, Val::Str(..)) => {
                    if let (Val::Str(pa, Some(la)), Val::Str(pb, Some(lb))) = (&a, &b) {
                        let mut bytes = la.bytes.clone();
                        bytes.extend_from_slice(&lb.bytes);
                        let mut offsets = la.offsets[..la.offsets.len().saturating_sub(1)].to_vec();
                        offsets.extend_from_slice(&lb.offsets);
                        let mut p = pa.clone();
                        p.extend(pb);
                        return Val::Str(p, Some(Box::new(Literal { bytes, offsets })));
                    }
                    let mut p = a.interpolated(self.text(l));
                    p.extend(&b.interpolated(self.text(r)));
                    Val::Str(p, None)
                }
                _ => Val::opaque(self.text(node)),
            },
            "||" | "??" => match (a, &b) {
                (Val::Opaque(o), Val::Str(s, _)) => Val::Opaque(Opaque {
                    default: s.as_literal().map(<[u8]>::to_vec),
                    ..o
                }),
                (Val::Unknown, _) => b.clone(),
                (a, _) => a,
            },
            "-" | "*" | "/" | "%" | "&" | "|" | "^" | "<<" | ">>" | ">>>" | "**" => {
                numeric(self.text(node))
            }
            _ => Val::Unknown,
        }
    }

    /// Array elements; spread arrays are inlined, spread families kept.
    fn items(&mut self, node: Node<'a>) -> Vec<Val> {
        let mut out = Vec::new();
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
        for p in parts {
            if p.kind() == "comment" {
                continue;
            }
            if p.kind() == "spread_element" {
                match p.named_child(0).map(|e| self.eval(e)) {
                    Some(Val::List(items)) => out.extend(items),
                    Some(v @ Val::Family(..)) => out.push(v),
                    Some(v) => out.push(Val::Family(Box::new(v), Vec::new())),
                    None => {}
                }
            } else {
                out.push(self.eval(p));
            }
        }
        out
    }

    fn object(&mut self, node: Node<'a>) -> Val {
        let mut props = Vec::new();
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.named_children(&mut c).collect();
        for p in parts {
            match p.kind() {
                "pair" => {
                    let key = p.child_by_field_name("key").map_or(String::new(), |k| {
                        if k.kind() == "string" {
                            String::from_utf8_lossy(&self.decode(k, false).bytes).into_owned()
                        } else {
                            self.text(k).to_string()
                        }
                    });
                    let v = p
                        .child_by_field_name("value")
                        .map_or(Val::Unknown, |v| self.eval(v));
                    props.push((key, v));
                }
                "shorthand_property_identifier" => {
                    let name = self.text(p).to_string();
                    let v = self
                        .env
                        .get(&name)
                        .cloned()
                        .unwrap_or_else(|| Val::opaque(name.clone()));
                    props.push((name, v));
                }
                "method_definition" => {
                    self.fn_nodes.insert(p.id(), p);
                    let name = p
                        .child_by_field_name("name")
                        .map_or("", |n| self.text(n))
                        .to_string();
                    props.push((name, Val::Func(p.id())));
                }
                _ => {
                    self.eval(p);
                }
            }
        }
        Val::Obj(props)
    }

    /// Calls a same-file function for its value (a key builder): parameters
    /// bound to the arguments, ops not recorded.
    pub(super) fn call_local(&mut self, id: usize, args: &[Val], text: &str) -> Val {
        let Some(def) = self.fn_nodes.get(&id).copied() else {
            return Val::opaque(text);
        };
        if self.call_depth >= MAX_CALL_DEPTH {
            return Val::opaque(text);
        }
        self.call_depth += 1;
        let recording = std::mem::replace(&mut self.recording, false);
        let saved_env = self.env.clone();
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_pipes = self.pipes.len();
        let body = def.child_by_field_name("body");
        self.run_body(def, Some(args));
        if let Some(b) = body.filter(|b| b.kind() != "statement_block") {
            let v = self.eval(b);
            self.returns.push(v);
        }
        let returns = std::mem::replace(&mut self.returns, saved_returns);
        self.pipes.truncate(saved_pipes);
        self.env = saved_env;
        self.recording = recording;
        self.call_depth -= 1;
        let mut iter = returns.into_iter();
        let first = iter.next().unwrap_or(Val::Unknown);
        let merged = iter.fold(first, |a, b| value::merge(&a, &b, text));
        match merged {
            Val::Unknown => Val::opaque(text),
            v => v,
        }
    }

    /// String methods that keep a key's shape.
    pub(super) fn string_method(
        &mut self,
        s: &KeyPattern,
        method: &str,
        args: &[(Val, Node<'a>)],
        text: &str,
    ) -> Val {
        match method {
            "toString" | "valueOf" | "trim" => Val::Str(s.clone(), None),
            "replace" | "replaceAll" => {
                let (Some((needle, _)), Some((with, wn))) = (args.first(), args.get(1)) else {
                    return Val::opaque(text);
                };
                let Some(needle) = needle.literal_bytes() else {
                    return Val::opaque(text);
                };
                let with = with.interpolated(self.text(*wn));
                value::replace_literal(s, &needle, &with)
                    .map_or_else(|| Val::Str(s.clone(), None), |p| Val::Str(p, None))
            }
            "concat" => {
                let mut p = s.clone();
                for (v, n) in args {
                    p.extend(&v.interpolated(self.text(*n)));
                }
                Val::Str(p, None)
            }
            _ => Val::opaque(text),
        }
    }

    /// `new Redis(…)`, `new Redis.Cluster(…)`, `new Cluster(…)`.
    fn new_expr(&mut self, node: Node<'a>) -> Val {
        let ctor = node.child_by_field_name("constructor");
        if let Some(args) = node.child_by_field_name("arguments") {
            self.eval_children(args);
        }
        let Some(ctor) = ctor else {
            return Val::Unknown;
        };
        let v = self.eval(ctor);
        let text = self.text(ctor);
        let kind = match v {
            Val::Lib(Lib::IoCluster) => Some(super::clients::IOREDIS_CLUSTER),
            Val::Lib(Lib::IoRedis) => Some(super::clients::IOREDIS),
            _ if self.ioredis && (text == "Cluster" || text.ends_with(".Cluster")) => {
                Some(super::clients::IOREDIS_CLUSTER)
            }
            _ if self.ioredis && matches!(text, "Redis" | "IORedis" | "IoRedis" | "Ioredis") => {
                Some(super::clients::IOREDIS)
            }
            _ => None,
        };
        kind.map_or(Val::Unknown, |k| Val::Client(self.client(k)))
    }
}

fn numeric(text: &str) -> Val {
    Val::Opaque(Opaque {
        name: text.to_string(),
        numeric: true,
        ..Opaque::default()
    })
}

/// Decodes one JavaScript escape sequence to UTF-8 bytes.
fn unescape(esc: &str) -> Vec<u8> {
    let body = esc.strip_prefix('\\').unwrap_or(esc);
    let mut chars = body.chars();
    let Some(first) = chars.next() else {
        return Vec::new();
    };
    let simple = match first {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'v' => Some('\u{b}'),
        '0' if body.len() == 1 => Some('\0'),
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => return Vec::new(),
        _ => None,
    };
    let ch = simple.or_else(|| match first {
        'x' => u32::from_str_radix(body.get(1..3)?, 16)
            .ok()
            .and_then(char::from_u32),
        'u' => {
            let hex = body[1..].trim_start_matches('{').trim_end_matches('}');
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
        }
        _ => None,
    });
    match ch {
        Some(c) => c.to_string().into_bytes(),
        None => body.as_bytes().to_vec(),
    }
}

/// `[a, b].join(':')`.
pub(super) fn join(items: &[Val], sep: &[u8], text: &str) -> Val {
    let mut p = KeyPattern::default();
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            p.push(Segment::Lit(sep.to_vec()));
        }
        match v {
            Val::Family(..) | Val::List(_) | Val::Obj(_) => return Val::opaque(text),
            other => p.extend(&other.interpolated(text)),
        }
    }
    Val::Str(p, None)
}
