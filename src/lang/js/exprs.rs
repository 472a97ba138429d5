//! Expressions: string literals, template literals, concatenation, `join`,
//! `replace`, bindings and properties as key patterns (`this.x` and
//! module members included); arrays, `.map()` families and object literals
//! with their spread defaults; option defaults (`opts.prefix || 'app'`).

use tree_sitter::Node;

use super::value::{self, Elem, Js, Lib, Literal, Opaque, Val};
use super::{Cx, MAX_DEPTH};
use crate::keypattern::{BraceSyntax, KeyPattern, Layout, Segment};
use crate::lang::walk::{children, Blocks};
use crate::model::Span;

/// Properties of an object literal: key, value, where the key is written.
pub(super) type Pairs = Vec<(Val, Val, Span)>;

impl<'a> Cx<'a> {
    pub(super) fn eval(&mut self, node: Node<'a>) -> Val {
        if self.depth > MAX_DEPTH {
            return Val::Unknown;
        }
        self.depth += 1;
        let saved_here = self.here;
        if self.cur == 0 {
            self.here = Span::new(node.start_byte(), node.end_byte());
        }
        let mut v = self.eval_inner(node);
        // Strings and arrays that double at each step (`k = k + k`) stop
        // being followed before they fill the memory.
        if too_big(&v) {
            v = Val::opaque(self.text(node));
        }
        self.here = saved_here;
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
            "identifier" => self.lookup(node),
            "this" => self
                .class
                .map_or(Val::Unknown, |c| Val::Ext(Js::Instance(c))),
            "member_expression" => self.member_expr(node),
            "subscript_expression" => self.subscript(node),
            "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => node.named_child(0).map_or(Val::Unknown, |n| self.eval(n)),
            "yield_expression" => node.named_child(0).map_or(Val::Unknown, |n| self.eval(n)),
            "type_assertion" => node
                .named_child(u32::try_from(node.named_child_count().saturating_sub(1)).unwrap_or(0))
                .map_or(Val::Unknown, |n| self.eval(n)),
            "binary_expression" => self.binary(node),
            "ternary_expression" => self.ternary(node),
            "assignment_expression" => self.assign(node),
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
            "object" => Val::Map(self.object(node)),
            "arrow_function" | "function_expression" | "function" | "generator_function" => {
                self.func(node)
            }
            "class" => node
                .child_by_field_name("name")
                .and_then(|n| self.md().classes.get(self.text(n)).copied())
                .map_or(Val::Unknown, |c| Val::Ext(Js::Class(c))),
            "call_expression" => self.call(node),
            "new_expression" => self.new_expr(node),
            "sequence_expression" => {
                let mut last = Val::Unknown;
                for p in children(node) {
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
            "true" | "false" | "null" | "regex" => Val::Unknown,
            _ => {
                self.eval_children(node);
                Val::Unknown
            }
        }
    }

    /// Evaluates every named child for the calls inside (JSX, `spread`).
    pub(super) fn eval_children(&mut self, node: Node<'a>) {
        for part in children(node) {
            match part.kind() {
                "statement_block" => self.block(part),
                _ => drop(self.eval(part)),
            }
        }
    }

    /// A name: a binding, an import, a function or class of the module,
    /// `__dirname`; opaque otherwise.
    fn lookup(&mut self, node: Node<'a>) -> Val {
        let name = self.text(node);
        if let Some(v) = self.env.get(name) {
            return v.clone();
        }
        match name {
            "undefined" => return Val::Unknown,
            "__dirname" | "__filename" => {
                if let Some(p) = self.md().path.clone() {
                    let p = if name == "__dirname" {
                        p.parent().map(std::path::Path::to_path_buf).unwrap_or(p)
                    } else {
                        p
                    };
                    return Val::Ext(Js::Path(p));
                }
            }
            _ => {}
        }
        if let Some(import) = self.md().imports.get(name).cloned() {
            if let Some(v) = self.imported(import) {
                return v;
            }
        }
        if let Some(f) = self.md().funcs.get(name).copied() {
            return self.func(f);
        }
        if let Some(&c) = self.md().classes.get(name) {
            return Val::Ext(Js::Class(c));
        }
        Val::opaque(name)
    }

    /// `c ? a : b`: either value. `x ? x : 'app'` and what `tsc` makes of
    /// `x ?? 'app'` (`(_a = x) !== null && _a !== void 0 ? _a : 'app'`)
    /// are `x` with its default.
    fn ternary(&mut self, node: Node<'a>) -> Val {
        let cond = node.child_by_field_name("condition");
        let known = cond.map(|c| self.eval(c));
        let then = node.child_by_field_name("consequence");
        // A condition the code settles (`arguments.length >= 1`): one branch.
        if let Some(Val::Bool(b)) = known {
            let branch = if b {
                then
            } else {
                node.child_by_field_name("alternative")
            };
            return branch.map_or(Val::Unknown, |n| self.eval(n));
        }
        let a = then.map_or(Val::Unknown, |n| self.eval(n));
        let b = node
            .child_by_field_name("alternative")
            .map_or(Val::Unknown, |n| self.eval(n));
        if let (Val::Opaque(o), Val::Str(..) | Val::Int(_), Some(c), Some(t)) = (&a, &b, cond, then)
        {
            let tested = self.text(t);
            let c_text = self.text(c);
            if c_text.contains(tested) {
                // `(_a = opts.prefix) !== null …`: the value is the assigned one.
                let name = first_assignment(c)
                    .filter(|(l, _)| self.text(*l) == tested)
                    .map_or_else(|| o.name.clone(), |(_, r)| self.text(r).to_string());
                return super::with_default(name, &b);
            }
        }
        self.merge(&a, &b, self.text(node))
    }

    /// `x = v`: the target (a name, `this.x`, `exports.x`) takes the value;
    /// an opaque value takes the target's name.
    fn assign(&mut self, node: Node<'a>) -> Val {
        let v = node
            .child_by_field_name("right")
            .map_or(Val::Unknown, |n| self.eval(n));
        let Some(left) = node.child_by_field_name("left") else {
            return v;
        };
        match left.kind() {
            "identifier" | "member_expression" => {
                let name = self.text(left).to_string();
                let stored = match &v {
                    Val::Opaque(o) => Val::Opaque(Opaque {
                        name: name.clone(),
                        ..o.clone()
                    }),
                    Val::Unknown => Val::opaque(name.clone()),
                    other => other.clone(),
                };
                // `this.options = options`: what the code set on `options`'s
                // properties (`options.prefix = options.prefix ?? 'app'`)
                // is `this.options`'s (only for `this.` targets: a scan of
                // the bindings).
                let right = node.child_by_field_name("right");
                if let Some(r) =
                    right.filter(|r| r.kind() == "identifier" && name.starts_with("this."))
                {
                    let from = format!("{}.", self.text(r));
                    let copied: Vec<(String, Val)> = self
                        .env
                        .iter()
                        .filter_map(|(k, v)| {
                            k.strip_prefix(&from)
                                .map(|rest| (format!("{name}.{rest}"), v.clone()))
                        })
                        .collect();
                    self.env.extend(copied);
                }
                self.env.insert(name, stored);
            }
            _ => self.bind(left, v.clone()),
        }
        v
    }

    /// A string literal's bytes, escapes decoded, with each byte's file
    /// offset; another module's text is placed where it was reached from.
    pub(super) fn decode(&self, node: Node<'_>, template: bool) -> Literal {
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        let src = self.md().src;
        for part in children(node) {
            let start = part.start_byte();
            match part.kind() {
                "string_fragment" => {
                    let raw = src.get(part.byte_range()).unwrap_or(&[]);
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
                    let raw = src.get(part.byte_range()).unwrap_or(&[]);
                    bytes.extend_from_slice(raw);
                    offsets.extend((0..raw.len()).map(|i| start + i));
                }
            }
        }
        offsets.push(node.end_byte().saturating_sub(1));
        if self.cur != 0 {
            let site = self.site.unwrap_or_default();
            let last = offsets.len() - 1;
            for (i, o) in offsets.iter_mut().enumerate() {
                *o = if i == last { site.end } else { site.start };
            }
        }
        Literal { bytes, offsets }
    }

    /// A template literal: text, `${…}` holes; literal when it has no holes.
    fn template(&mut self, node: Node<'a>) -> Val {
        let parts = children(node);
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
                    let raw = self.md().src.get(part.byte_range()).unwrap_or(&[]);
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

    fn member_expr(&mut self, node: Node<'a>) -> Val {
        let text = self.text(node);
        if let Some(v) = self.env.get(text) {
            return v.clone();
        }
        // `this.options.prefix` the constructor set through `options`.
        if let (Some(c), Some(attr)) = (self.class, text.strip_prefix("this.")) {
            if attr.contains('.') {
                if let Some(v) = self.class_attr(c, attr) {
                    return v;
                }
            }
        }
        let prop = node
            .child_by_field_name("property")
            .map_or("", |p| self.text(p));
        let obj = node
            .child_by_field_name("object")
            .map_or(Val::Unknown, |o| self.eval(o));
        self.property(&obj, prop, text)
    }

    /// Property `prop` of a value (`text` is the whole expression): a
    /// library's export, a module's, an attribute of an instance, a static
    /// method, an object's property.
    pub(super) fn property(&mut self, obj: &Val, prop: &str, text: &str) -> Val {
        match obj {
            Val::Ext(Js::Lib(lib)) => {
                super::member_of_lib(*lib, prop).map_or(Val::Unknown, |l| Val::Ext(Js::Lib(l)))
            }
            Val::Ext(Js::Module(i)) => match self.member(*i, prop) {
                Some(v) => v,
                None => match self.module_value(*i) {
                    // `module.exports = Foo`: Foo's static members.
                    Val::Ext(Js::Module(_)) => Val::opaque(text),
                    other => self.property(&other, prop, text),
                },
            },
            Val::Ext(Js::Instance(c)) => {
                if let Some(v) = self.class_attr(*c, prop) {
                    return v;
                }
                match self.method(*c, prop) {
                    Some((owner, def)) => {
                        let module = self.classes[owner].module;
                        self.in_module(module, |cx| cx.func(def))
                    }
                    None => Val::opaque(text),
                }
            }
            Val::Ext(Js::Class(c)) => match self.method(*c, prop) {
                Some((owner, def)) => {
                    let module = self.classes[owner].module;
                    self.in_module(module, |cx| cx.func(def))
                }
                None => Val::opaque(text),
            },
            Val::Map(_) => obj.prop(prop).cloned().unwrap_or_else(|| Val::opaque(text)),
            // A list whose every element is known by place.
            Val::List(items)
                if prop == "length" && !items.iter().any(|e| matches!(e.val, Val::Family(..))) =>
            {
                i64::try_from(items.len()).map_or_else(|_| numeric(text), Val::Int)
            }
            _ if prop == "length" || prop == "size" => numeric(text),
            Val::Client(_) | Val::Pipeline(_) => Val::Unknown,
            _ => Val::opaque(text),
        }
    }

    /// `obj[k]`: a known object's property by a literal key; opaque otherwise.
    fn subscript(&mut self, node: Node<'a>) -> Val {
        let text = self.text(node);
        if let Some(v) = self.env.get(text) {
            return v.clone();
        }
        let obj = node
            .child_by_field_name("object")
            .map_or(Val::Unknown, |n| self.eval(n));
        let index = node
            .child_by_field_name("index")
            .map_or(Val::Unknown, |n| self.eval(n));
        match (&obj, index.literal_bytes()) {
            (Val::Map(_) | Val::Ext(Js::Module(_)), Some(k)) => {
                let k = String::from_utf8_lossy(&k).into_owned();
                self.property(&obj, &k, text)
            }
            (Val::List(items), _) => match index {
                Val::Int(i) => usize::try_from(i)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map_or_else(|| Val::opaque(text), |e| e.val.clone()),
                _ => Val::opaque(text),
            },
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
            "||" | "??" => or_default(a, b),
            "&&" => b,
            "-" | "*" | "/" | "%" | "&" | "|" | "^" | "<<" | ">>" | ">>>" | "**" => {
                numeric(self.text(node))
            }
            // Known numbers compared (`arguments.length >= 1`).
            ">" | ">=" | "<" | "<=" | "==" | "===" | "!=" | "!==" => match (&a, &b) {
                (Val::Int(x), Val::Int(y)) => Val::Bool(match op {
                    ">" => x > y,
                    ">=" => x >= y,
                    "<" => x < y,
                    "<=" => x <= y,
                    "==" | "===" => x == y,
                    _ => x != y,
                }),
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        }
    }

    /// Array elements; spread arrays are inlined, spread families kept.
    fn items(&mut self, node: Node<'a>) -> Vec<Elem> {
        let mut out = Vec::new();
        for p in children(node) {
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

    /// An object literal's properties; `...src` overlays another object
    /// (an unknown one may override every property before it).
    fn object(&mut self, node: Node<'a>) -> Pairs {
        let mut props = Pairs::new();
        for p in children(node) {
            match p.kind() {
                "pair" => {
                    let key_node = p.child_by_field_name("key");
                    let key = key_node.map_or(Vec::new(), |k| match k.kind() {
                        "string" => self.decode(k, false).bytes,
                        // `["addJob-6"]: …`
                        "computed_property_name" => match k.named_child(0) {
                            Some(s) if s.kind() == "string" => self.decode(s, false).bytes,
                            _ => self.text(k).as_bytes().to_vec(),
                        },
                        _ => self.text(k).as_bytes().to_vec(),
                    });
                    let v = p
                        .child_by_field_name("value")
                        .map_or(Val::Unknown, |v| self.eval(v));
                    let span = self.span(key_node.unwrap_or(p));
                    props.push((Val::lit(key), v, span));
                }
                "shorthand_property_identifier" => {
                    let v = self.lookup(p);
                    props.push((Val::lit(self.text(p)), v, self.span(p)));
                }
                "method_definition" => {
                    let f = self.func(p);
                    let name = p.child_by_field_name("name");
                    let key = name.map_or("", |n| self.text(n));
                    let span = self.span(name.unwrap_or(p));
                    props.push((Val::lit(key), f, span));
                }
                "spread_element" => {
                    let Some(e) = p.named_child(0) else { continue };
                    let v = self.eval(e);
                    overlay(&mut props, v, self.text(e));
                }
                _ => {
                    self.eval(p);
                }
            }
        }
        props
    }

    /// `Object.assign(target, …sources)`, `_.extend`, `_.defaults`: the
    /// object they make, each property the last source's (the first's
    /// for `defaults`), a property an unknown source may set being that
    /// source's with the known value as its default. A named target takes
    /// the result.
    pub(super) fn assign_objects(
        &mut self,
        args: &[Elem],
        nodes: &[Node<'a>],
        defaults: bool,
    ) -> Val {
        let mut props = Pairs::new();
        let order: Vec<usize> = if defaults {
            (0..args.len()).rev().collect()
        } else {
            (0..args.len()).collect()
        };
        for i in order {
            overlay(&mut props, args[i].val.clone(), &args[i].text);
        }
        let out = Val::Map(props);
        // The target is changed in place: an object, or one not known.
        let object = matches!(
            args.first().map(|a| &a.val),
            Some(Val::Map(_) | Val::Opaque(_) | Val::Unknown)
        );
        if let Some(target) = nodes
            .first()
            .filter(|n| object && matches!(n.kind(), "identifier" | "member_expression"))
        {
            let name = self.text(*target).to_string();
            self.env.insert(name, out.clone());
        }
        out
    }

    /// `new Redis(…)`, `new Redis.Cluster(…)`, `new Cluster(…)`, `new Foo(…)`.
    fn new_expr(&mut self, node: Node<'a>) -> Val {
        let ctor = node.child_by_field_name("constructor");
        if let Some(args) = node.child_by_field_name("arguments") {
            self.eval_children(args);
        }
        let Some(ctor) = ctor else {
            return Val::Unknown;
        };
        let v = self.eval(ctor);
        let v = self.resolved(v);
        let text = self.text(ctor);
        let ioredis = self.md().says.ioredis;
        let kind = match v {
            Val::Ext(Js::Class(c)) => return Val::Ext(Js::Instance(c)),
            Val::Ext(Js::Lib(Lib::IoCluster)) => Some(super::clients::IOREDIS_CLUSTER),
            Val::Ext(Js::Lib(Lib::IoRedis)) => Some(super::clients::IOREDIS),
            _ if ioredis && (text == "Cluster" || text.ends_with(".Cluster")) => {
                Some(super::clients::IOREDIS_CLUSTER)
            }
            _ if ioredis && matches!(text, "Redis" | "IORedis" | "IoRedis" | "Ioredis") => {
                Some(super::clients::IOREDIS)
            }
            _ => None,
        };
        kind.map_or(Val::Unknown, |k| Val::Client(self.client(k)))
    }
}

/// The first assignment inside an expression (`(_a = x) !== null`): its
/// target and value.
fn first_assignment(node: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let mut stack = vec![node];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > 64 {
            return None;
        }
        if n.kind() == "assignment_expression" {
            return Some((
                n.child_by_field_name("left")?,
                n.child_by_field_name("right")?,
            ));
        }
        stack.extend(children(n).into_iter().rev());
    }
    None
}

/// `a || b`, `a ?? b`: `a`, with `b` as its default when `a` is not known
/// (`opts.prefix || 'app'`); a client made when none is passed
/// (`opts.client || new Redis()`) is that client.
fn or_default(value: Val, fallback: Val) -> Val {
    match (value, fallback) {
        (Val::Opaque(known), default @ (Val::Str(..) | Val::Int(_) | Val::Opaque(_))) => {
            match super::with_default(known.name.clone(), &default) {
                Val::Opaque(with) if with.default.is_some() || with.int_default.is_some() => {
                    Val::Opaque(with)
                }
                _ => Val::Opaque(known),
            }
        }
        (Val::Opaque(_) | Val::Unknown, made @ (Val::Client(_) | Val::Pipeline(_))) => made,
        (Val::Unknown, fallback) => fallback,
        (value, _) => value,
    }
}

/// Overlays `src` (written `text`) on an object's properties: a known
/// object's properties replace or join them; an unknown object may set any
/// of them, which then default to the value they had.
pub(super) fn overlay(props: &mut Pairs, src: Val, text: &str) {
    match src {
        Val::Map(pairs) => {
            for (k, v, s) in pairs {
                match props.iter_mut().find(|(pk, _, _)| *pk == k) {
                    Some(slot) => {
                        slot.1 = v;
                        slot.2 = s;
                    }
                    None => props.push((k, v, s)),
                }
            }
        }
        Val::Opaque(_) | Val::Unknown => {
            for (k, v, _) in props.iter_mut() {
                let key = k
                    .literal_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let name = format!("{text}.{key}");
                *v = match &*v {
                    Val::Str(..) | Val::Int(_) | Val::Opaque(_) => super::with_default(name, v),
                    known @ (Val::Client(_) | Val::Ext(_)) => known.clone(),
                    _ => Val::opaque(name),
                };
            }
        }
        _ => {}
    }
}

/// Most bytes of a string value, and elements of an array, followed.
const MAX_VALUE: usize = 1 << 20;

/// Whether a value is larger than any key or script the code means.
fn too_big(v: &Val) -> bool {
    match v {
        Val::Str(p, lit) => {
            lit.as_ref().is_some_and(|l| l.bytes.len() > MAX_VALUE)
                || p.segments().len() > 4096
                || p.segments()
                    .iter()
                    .map(|s| match s {
                        Segment::Lit(b) => b.len(),
                        Segment::Hole(_) => 1,
                    })
                    .sum::<usize>()
                    > MAX_VALUE
        }
        Val::List(items) => items.len() > 4096,
        _ => false,
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
