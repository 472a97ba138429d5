//! Expressions: string literals, template literals, concatenation, `join`,
//! `replace`, bindings and properties as key patterns; arrays, `.map()`
//! families and object literals; same-file key-builder calls.

use tree_sitter::Node;

use super::value::{self, Elem, Js, Lib, Literal, Opaque, Val};
use super::{Cx, MAX_CALL_DEPTH, MAX_DEPTH};
use crate::keypattern::{BraceSyntax, KeyPattern, Layout, Segment};
use crate::lang::value::merge;
use crate::lang::walk::{children, Blocks};

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
                .map_or_else(|_| numeric(self.text(node)), Val::Int),
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
                merge(&a, &b, self.text(node))
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
                Val::Ext(Js::Func(node.id()))
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
        for part in children(node) {
            match part.kind() {
                "statement_block" => self.block(part),
                _ => drop(self.eval(part)),
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
            (Val::Ext(Js::Lib(lib)), _) => {
                super::member_of_lib(*lib, prop).map_or(Val::Unknown, |l| Val::Ext(Js::Lib(l)))
            }
            (Val::Map(_), _) => obj.prop(prop).cloned().unwrap_or_else(|| Val::opaque(text)),
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
        let [Some(l), Some(r)] = ["left", "right"].map(|f| node.child_by_field_name(f)) else {
            return Val::Unknown;
        };
        let a = self.eval(l);
        let b = self.eval(r);
        match op {
            "+" => match (&a, &b) {
                (Val::Int(x), Val::Int(y)) => x.checked_add(*y).map_or(Val::Unknown, Val::Int),
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
    fn items(&mut self, node: Node<'a>) -> Vec<Elem> {
        let mut out = Vec::new();
        for p in crate::lang::walk::children(node) {
            if p.kind() == "comment" {
                continue;
            }
            if p.kind() == "spread_element" {
                match p.named_child(0).map(|e| self.eval(e)) {
                    Some(Val::List(items)) => out.extend(items),
                    Some(v @ Val::Family(..)) => out.push(self.elem(v, p)),
                    Some(v) => out.push(self.elem(Val::Family(Box::new(v), Vec::new()), p)),
                    None => {}
                }
            } else {
                let v = self.eval(p);
                out.push(self.elem(v, p));
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
                    let key_node = p.child_by_field_name("key");
                    let key = key_node.map_or(Vec::new(), |k| {
                        if k.kind() == "string" {
                            self.decode(k, false).bytes
                        } else {
                            self.text(k).as_bytes().to_vec()
                        }
                    });
                    let v = p
                        .child_by_field_name("value")
                        .map_or(Val::Unknown, |v| self.eval(v));
                    props.push((Val::lit(key), v, Self::span(key_node.unwrap_or(p))));
                }
                "shorthand_property_identifier" => {
                    let name = self.text(p).to_string();
                    let v = self
                        .env
                        .get(&name)
                        .cloned()
                        .unwrap_or_else(|| Val::opaque(name.clone()));
                    props.push((Val::lit(name), v, Self::span(p)));
                }
                "method_definition" => {
                    self.fn_nodes.insert(p.id(), p);
                    let name = p.child_by_field_name("name");
                    let key = name.map_or("", |n| self.text(n));
                    props.push((
                        Val::lit(key),
                        Val::Ext(Js::Func(p.id())),
                        Self::span(name.unwrap_or(p)),
                    ));
                }
                _ => {
                    self.eval(p);
                }
            }
        }
        Val::Map(props)
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
        let recording = std::mem::replace(&mut self.m.recording, false);
        let saved_env = self.env.clone();
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_pipes = self.m.pipes.len();
        let body = def.child_by_field_name("body");
        self.run_body(def, Some(args));
        if let Some(b) = body.filter(|b| b.kind() != "statement_block") {
            let v = self.eval(b);
            self.returns.push(v);
        }
        let returns = std::mem::replace(&mut self.returns, saved_returns);
        self.m.pipes.truncate(saved_pipes);
        self.env = saved_env;
        self.m.recording = recording;
        self.call_depth -= 1;
        let mut iter = returns.into_iter();
        let first = iter.next().unwrap_or(Val::Unknown);
        let merged = iter.fold(first, |a, b| merge(&a, &b, text));
        match merged {
            Val::Unknown => Val::opaque(text),
            v => v,
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
            Val::Ext(Js::Lib(Lib::IoCluster)) => Some(super::clients::IOREDIS_CLUSTER),
            Val::Ext(Js::Lib(Lib::IoRedis)) => Some(super::clients::IOREDIS),
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

/// A number nothing more is known of.
fn numeric(text: &str) -> Val {
    Val::numeric(text, None)
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
pub(super) fn join(items: &[Elem], sep: &[u8], text: &str) -> Val {
    let mut p = KeyPattern::default();
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            p.push(Segment::Lit(sep.to_vec()));
        }
        match &e.val {
            Val::Family(..) | Val::List(_) | Val::Map(_) => return Val::opaque(text),
            other => p.extend(&other.interpolated(text)),
        }
    }
    Val::Str(p, None)
}

/// String methods that keep a key's shape.
pub(super) fn string_method(s: &KeyPattern, method: &str, args: &[Elem], text: &str) -> Val {
    match method {
        "toString" | "valueOf" | "trim" => Val::Str(s.clone(), None),
        "replace" | "replaceAll" => {
            let (Some(needle), Some(with)) = (args.first(), args.get(1)) else {
                return Val::opaque(text);
            };
            let Some(needle) = needle.val.literal_bytes() else {
                return Val::opaque(text);
            };
            let with = with.val.interpolated(&with.text);
            value::replace_literal(s, &needle, &with)
                .map_or_else(|| Val::Str(s.clone(), None), |p| Val::Str(p, None))
        }
        "concat" => {
            let mut p = s.clone();
            for a in args {
                p.extend(&a.val.interpolated(&a.text));
            }
            Val::Str(p, None)
        }
        _ => Val::opaque(text),
    }
}
