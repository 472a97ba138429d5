//! Expressions: literals, paths (locals, consts and statics of this and
//! other modules, struct fields), `+` concatenation, control flow, closures,
//! and the macros whose bodies matter for keys (`format!`, `concat!`,
//! `write!`, `vec!`, `include_str!`).

use syn::punctuated::Punctuated;
use syn::{Expr, Token};

use super::modules::segments;
use super::structs::placed;
use super::value::{decode_literal, Elem, Rs, Val};
use super::{Cx, MAX_DEPTH};
use crate::keypattern::{BraceField, BraceSyntax, KeyPattern, Layout, Segment};
use crate::lang::fields::{self, Piece};
use crate::lang::holes::in_field;

impl Cx<'_> {
    /// Evaluates an expression (recording the Redis calls in it).
    pub(super) fn eval(&mut self, e: &Expr) -> Val {
        if self.depth >= MAX_DEPTH {
            return Val::Unknown;
        }
        self.depth += 1;
        let v = self.eval_inner(e);
        self.depth -= 1;
        v
    }

    // One arm per expression kind: a flat dispatcher reads best whole.
    #[allow(clippy::too_many_lines)]
    fn eval_inner(&mut self, e: &Expr) -> Val {
        match e {
            Expr::Lit(l) => self.lit(&l.lit),
            Expr::Path(p) => self.path(&p.path),
            Expr::Reference(r) => self.eval(&r.expr),
            Expr::Paren(p) => self.eval(&p.expr),
            Expr::Group(g) => self.eval(&g.expr),
            Expr::Await(a) => self.eval(&a.base),
            Expr::Try(t) => self.eval(&t.expr),
            Expr::Unary(u) => match (&u.op, self.eval(&u.expr)) {
                (syn::UnOp::Deref(_), v) => v,
                (syn::UnOp::Neg(_), Val::Int(n)) => Val::Int(n.saturating_neg()),
                _ => Val::numeric(self.text(e), None),
            },
            Expr::Cast(c) => match self.eval(&c.expr) {
                Val::Opaque(o) => Val::Opaque(super::value::Opaque { numeric: true, ..o }),
                v => v,
            },
            Expr::Binary(b) => self.binary(e, b),
            Expr::Assign(a) => {
                let v = self.eval(&a.right);
                match &*a.left {
                    Expr::Path(p) => {
                        if let Some(id) = p.path.get_ident() {
                            self.env.insert(id.to_string(), v);
                        }
                    }
                    Expr::Field(f) => {
                        if let syn::Member::Named(id) = &f.member {
                            self.assign_field(&f.base, &id.to_string(), v);
                        }
                    }
                    _ => {}
                }
                Val::Unknown
            }
            Expr::Array(a) => Val::List(self.elems(a.elems.iter())),
            Expr::Tuple(t) => Val::List(self.elems(t.elems.iter())),
            Expr::Block(b) => self.exec_block(&b.block),
            Expr::Unsafe(b) => self.exec_block(&b.block),
            Expr::Async(b) => self.exec_block(&b.block),
            Expr::Const(b) => self.exec_block(&b.block),
            Expr::If(i) => {
                self.eval(&i.cond);
                let a = self.exec_block(&i.then_branch);
                match &i.else_branch {
                    Some((_, els)) => {
                        let b = self.eval(els);
                        if a == b {
                            a
                        } else {
                            Val::opaque(self.text(e))
                        }
                    }
                    None => Val::Unknown,
                }
            }
            Expr::Match(m) => {
                self.eval(&m.expr);
                let mut vals = Vec::new();
                for arm in &m.arms {
                    if let syn::Pat::Guard(g) = &arm.pat {
                        self.eval(&g.guard);
                    }
                    vals.push(self.eval(&arm.body));
                }
                let first = vals.first().cloned().unwrap_or(Val::Unknown);
                if vals.iter().all(|v| *v == first) {
                    first
                } else {
                    Val::opaque(self.text(e))
                }
            }
            Expr::ForLoop(f) => {
                let iter = self.eval(&f.expr);
                let elem = match iter {
                    Val::Family(elem, _) => *elem,
                    _ => Val::Unknown,
                };
                self.bind(&f.pat, elem);
                self.exec_block(&f.body);
                Val::Unknown
            }
            Expr::While(w) => {
                self.eval(&w.cond);
                self.exec_block(&w.body);
                Val::Unknown
            }
            Expr::Loop(l) => {
                self.exec_block(&l.body);
                Val::Unknown
            }
            Expr::Let(l) => {
                let v = self.eval(&l.expr);
                self.bind(&l.pat, v);
                Val::Unknown
            }
            Expr::Closure(c) => {
                for p in &c.inputs {
                    self.bind(p, Val::Unknown);
                }
                self.eval(&c.body)
            }
            Expr::Return(r) => {
                let v = r.expr.as_ref().map_or(Val::Unknown, |x| self.eval(x));
                self.returns.push(v);
                Val::Unknown
            }
            Expr::Break(b) => {
                if let Some(x) = &b.expr {
                    self.eval(x);
                }
                Val::Unknown
            }
            Expr::Field(f) => self.field(e, f),
            Expr::Index(i) => {
                self.eval(&i.index);
                match self.eval(&i.expr) {
                    Val::List(items) => match &*i.index {
                        Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Int(n),
                            ..
                        }) => n
                            .base10_parse::<usize>()
                            .ok()
                            .and_then(|k| items.get(k).map(|el| el.val.clone()))
                            .unwrap_or(Val::Unknown),
                        _ => Val::opaque(self.text(e)),
                    },
                    _ => Val::opaque(self.text(e)),
                }
            }
            Expr::Struct(s) => self.struct_literal(s),
            Expr::Call(c) => self.call(e, c),
            Expr::MethodCall(m) => self.method_call(e, m),
            Expr::Macro(m) => self.eval_macro(&m.mac, e),
            _ => Val::Unknown,
        }
    }

    fn lit(&self, l: &syn::Lit) -> Val {
        match l {
            syn::Lit::Str(_) | syn::Lit::ByteStr(_) | syn::Lit::CStr(_) => {
                let tok = match l {
                    syn::Lit::Str(s) => s.token(),
                    syn::Lit::ByteStr(s) => s.token(),
                    syn::Lit::CStr(s) => s.token(),
                    _ => return Val::Unknown,
                };
                let at = self.raw(tok.span());
                match decode_literal(&tok.to_string(), at.start) {
                    // Another module's text: every byte is placed at the
                    // call that led there.
                    Some(lit) if self.cur != 0 => {
                        let lit = placed(&lit, self.place(at));
                        Val::Str(KeyPattern::literal(lit.bytes.clone()), Some(Box::new(lit)))
                    }
                    Some(lit) => {
                        let p = KeyPattern::literal(lit.bytes.clone())
                            .with_layout(lit.layout(BraceSyntax::Plain));
                        Val::Str(p, Some(Box::new(lit)))
                    }
                    None => Val::Unknown,
                }
            }
            syn::Lit::Int(n) => n.base10_parse::<i64>().map_or(Val::Unknown, Val::Int),
            syn::Lit::Bool(b) => Val::lit(if b.value { "true" } else { "false" }),
            syn::Lit::Char(c) => Val::lit(c.value().to_string()),
            _ => Val::Unknown,
        }
    }

    pub(super) fn elems<'e>(&mut self, items: impl Iterator<Item = &'e Expr>) -> Vec<Elem> {
        items
            .map(|x| Elem {
                val: self.eval(x),
                span: self.span_of(x),
                text: self.name_of(x),
            })
            .collect()
    }

    /// What a hole made of this expression is called: its text without
    /// borrows and conversions (`&user.id.to_string()` → `user.id`).
    pub(super) fn name_of(&self, e: &Expr) -> String {
        match e {
            Expr::Reference(r) => self.name_of(&r.expr),
            Expr::Paren(p) => self.name_of(&p.expr),
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "to_string" | "to_owned" | "clone" | "as_str" | "as_ref" | "into"
                    ) =>
            {
                self.name_of(&m.receiver)
            }
            _ => self.text(e),
        }
    }

    /// A path: a local, a const or static of this module or another one, or
    /// an opaque name.
    fn path(&mut self, p: &syn::Path) -> Val {
        let Some(last) = p.segments.last() else {
            return Val::Unknown;
        };
        let name = last.ident.to_string();
        if p.segments.len() == 1 {
            if let Some(v) = self.env.get(&name) {
                return v.clone();
            }
            if let Some(v) = self.constant(self.cur, &name) {
                return v;
            }
        }
        if let Some((k, item)) = self.resolve_item(&segments(p), |i, n| i.consts.contains_key(n)) {
            if let Some(v) = self.constant(k, &item) {
                return if k == 0 {
                    v
                } else {
                    let at = self.span_of(p);
                    self.relocate(v, at)
                };
            }
        }
        if let Some(v) = self.constant(self.cur, &name) {
            return v;
        }
        let text = self.text(p);
        match text.as_str() {
            "None" => Val::Unknown,
            "true" | "false" => Val::lit(text),
            _ => Val::opaque(text),
        }
    }

    /// A const or static of module `k`, evaluated once (in its module).
    pub(super) fn constant(&mut self, k: usize, name: &str) -> Option<Val> {
        let items = self.items(k)?;
        if let Some(v) = items.const_cache.get(name) {
            return Some(v.clone());
        }
        let expr = *items.consts.get(name)?;
        let key = (k, name.to_string());
        if self.evaluating.contains(&key) || self.evaluating.len() > 8 {
            return None;
        }
        self.evaluating.push(key);
        let saved_env = std::mem::take(&mut self.env);
        let saved_cur = std::mem::replace(&mut self.cur, k);
        let saved_impl = self.impl_ty.take();
        let v = self.eval(expr);
        self.impl_ty = saved_impl;
        self.cur = saved_cur;
        self.env = saved_env;
        self.evaluating.pop();
        let v = match v {
            Val::Unknown => Val::opaque(name),
            v @ (Val::Str(..) | Val::Int(_) | Val::List(_) | Val::Opaque(_)) => {
                self.cache_const(k, name, &v);
                v
            }
            // Handles (a `Script` in a static) are built anew at each use.
            v => v,
        };
        Some(v)
    }

    fn field(&mut self, e: &Expr, f: &syn::ExprField) -> Val {
        let base = self.eval(&f.base);
        match (&f.member, base) {
            (syn::Member::Unnamed(i), Val::List(items)) => items
                .get(i.index as usize)
                .map_or(Val::Unknown, |el| el.val.clone()),
            (syn::Member::Named(id), Val::Ext(Rs::Struct(inst))) => {
                self.struct_field(e, &inst, &id.to_string())
            }
            (syn::Member::Named(id), _) => {
                let name = id.to_string();
                let is_self = matches!(&*f.base, Expr::Path(p) if p.path.is_ident("self"));
                if is_self && self.cur == 0 {
                    if let Some(v) = self.loose_fields.get(&name) {
                        return match v {
                            Val::Opaque(o) => Val::Opaque(super::value::Opaque {
                                name: self.text(e),
                                ..o.clone()
                            }),
                            v => v.clone(),
                        };
                    }
                }
                let ty = self
                    .items(self.cur)
                    .and_then(|i| i.field_types.get(&name).cloned());
                if let Some(ty) = ty {
                    if let Some(kind) = super::client_of_type(&ty, self.fred) {
                        return Val::Client(self.client(kind));
                    }
                    if let Some(n) = super::is_numeric_type(&ty) {
                        return Val::numeric(self.text(e), n.domain);
                    }
                }
                Val::opaque(self.text(e))
            }
            _ => Val::opaque(self.text(e)),
        }
    }

    fn binary(&mut self, whole: &Expr, bin: &syn::ExprBinary) -> Val {
        let lhs = self.eval(&bin.left);
        let rhs = self.eval(&bin.right);
        match bin.op {
            syn::BinOp::Add(_) => match (&lhs, &rhs) {
                (Val::Int(x), Val::Int(y)) => Val::Int(x.saturating_add(*y)),
                (Val::Str(p, _), _) => {
                    let mut out = p.clone();
                    out.extend(&rhs.interpolated(&self.name_of(&bin.right)));
                    Val::Str(out, None)
                }
                _ => Val::numeric(self.text(whole), None),
            },
            syn::BinOp::AddAssign(_) => {
                if let (Expr::Path(p), Val::Str(pat, _)) = (&*bin.left, &lhs) {
                    if let Some(id) = p.path.get_ident() {
                        let mut out = pat.clone();
                        out.extend(&rhs.interpolated(&self.name_of(&bin.right)));
                        self.env.insert(id.to_string(), Val::Str(out, None));
                    }
                }
                Val::Unknown
            }
            syn::BinOp::Rem(_) => match rhs {
                Val::Int(n) if n > 0 => Val::numeric(self.text(whole), u64::try_from(n).ok()),
                _ => Val::numeric(self.text(whole), None),
            },
            syn::BinOp::Eq(_)
            | syn::BinOp::Ne(_)
            | syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_)
            | syn::BinOp::And(_)
            | syn::BinOp::Or(_) => Val::numeric(self.text(whole), Some(2)),
            _ => Val::numeric(self.text(whole), None),
        }
    }

    /// `format!`, `concat!`, `vec!`, `write!`/`writeln!`; other macros are opaque.
    pub(super) fn eval_macro(
        &mut self,
        mac: &syn::Macro,
        whole: &(impl syn::spanned::Spanned + 'static),
    ) -> Val {
        let name = super::last_ident(&mac.path);
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        let text = self.text(whole);
        match name.as_str() {
            "format" | "concat" | "vec" | "write" | "writeln" | "println" | "print"
            | "eprintln" | "assert" | "assert_eq" | "debug_assert" | "info" | "debug" | "warn"
            | "error" | "trace" | "panic" => {}
            "include_str" | "include_bytes" => {
                return self
                    .include(mac, whole)
                    .unwrap_or_else(|| Val::opaque(text));
            }
            // fred's `cmd!("LRANGE", …)`: the command.
            "cmd" if self.fred => {
                return mac
                    .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .ok()
                    .and_then(|args| args.first().map(|a| self.eval(a)))
                    .unwrap_or_else(|| Val::opaque(text));
            }
            _ => return Val::opaque(text),
        }
        let Ok(args) = mac.parse_body_with(parser) else {
            return Val::opaque(text);
        };
        let args: Vec<&Expr> = args.iter().collect();
        match name.as_str() {
            "format" => self.format(&args).unwrap_or_else(|| Val::opaque(text)),
            "concat" => {
                let mut out = KeyPattern::default();
                for a in &args {
                    let v = self.eval(a);
                    out.extend(&v.interpolated(&self.name_of(a)));
                }
                Val::Str(out, None)
            }
            "vec" => Val::List(self.elems(args.into_iter())),
            "write" | "writeln" => {
                if let Some((target, rest)) = args.split_first() {
                    let formatted = self.format(rest);
                    if let (Expr::Path(p), Some(Val::Str(add, _))) = (target, formatted) {
                        if let Some(id) = p.path.get_ident() {
                            let name = id.to_string();
                            if let Some(Val::Str(cur, _)) = self.env.get(&name).cloned() {
                                let mut out = cur;
                                out.extend(&add);
                                self.env.insert(name, Val::Str(out, None));
                            }
                        }
                    }
                }
                Val::Unknown
            }
            _ => {
                for a in args {
                    self.eval(a);
                }
                Val::Unknown
            }
        }
    }

    /// `format!(template, args…)`: `{}`/`{0}`/`{name}`/`{name:?}` are holes,
    /// `{{`/`}}` literal braces; inline names resolve through locals and consts.
    fn format(&mut self, args: &[&Expr]) -> Option<Val> {
        let (tmpl, rest) = args.split_first()?;
        let Val::Str(t, t_lit) = self.eval(tmpl) else {
            return None;
        };
        let t = t.as_literal()?.to_vec();
        let mut positional: Vec<(Val, String)> = Vec::new();
        let mut named: Vec<(String, Val, String)> = Vec::new();
        for a in rest {
            if let Expr::Assign(asg) = a {
                if let Expr::Path(p) = &*asg.left {
                    if let Some(id) = p.path.get_ident() {
                        let v = self.eval(&asg.right);
                        named.push((id.to_string(), v, self.name_of(&asg.right)));
                        continue;
                    }
                }
            }
            let v = self.eval(a);
            positional.push((v, self.name_of(a)));
        }
        let mut out = KeyPattern::default();
        let mut next = 0usize;
        // Where each token of the result is written in the template.
        let offset = |i: usize| t_lit.as_ref().and_then(|l| l.offsets.get(i).copied());
        let mut starts: Vec<Option<usize>> = Vec::new();
        for piece in fields::scan(&t) {
            let (start, end, inner) = match piece {
                Piece::Text { bytes, at } => {
                    starts.extend(at.iter().map(|&k| offset(k)));
                    out.push(Segment::Lit(bytes));
                    continue;
                }
                Piece::Unclosed { .. } => return None,
                Piece::Field { start, end, inner } => (start, end, inner),
            };
            let inner = String::from_utf8_lossy(inner);
            let arg = inner.split(':').next().unwrap_or("").trim().to_string();
            let (val, name) = if arg.is_empty() {
                next += 1;
                positional.get(next - 1).cloned()?
            } else if let Ok(n) = arg.parse::<usize>() {
                positional.get(n).cloned()?
            } else if let Some((_, v, n)) = named.iter().find(|(k, _, _)| *k == arg) {
                (v.clone(), n.clone())
            } else {
                let v = self
                    .env
                    .get(&arg)
                    .cloned()
                    .or_else(|| self.constant(self.cur, &arg))
                    .unwrap_or_else(|| Val::opaque(&arg));
                (v, arg.clone())
            };
            // A field of another module's string cannot be edited here.
            let field = t_lit.as_ref().filter(|_| self.cur == 0).and_then(|l| {
                let span = l.span(start, end)?;
                Some(BraceField {
                    span,
                    text: String::from_utf8_lossy(&t[start..end]).into_owned(),
                    literal: self.text(*tmpl),
                    at: span.start.checked_sub(self.span_of(*tmpl).start)?,
                })
            });
            let value = in_field(val.interpolated(&name), field);
            starts.extend(std::iter::repeat_n(offset(start), value.token_count()));
            out.extend(&value);
        }
        starts.push(offset(t.len()));
        if let Some(starts) = starts.into_iter().collect::<Option<Vec<usize>>>() {
            out = out.with_layout(Layout {
                starts,
                braces: BraceSyntax::Doubled,
            });
        }
        Some(Val::Str(out, None))
    }
}

impl Cx<'_> {
    /// `include_str!("x.lua")`: the file beside the module, read through the
    /// project; its bytes are placed at the macro (they are another file's).
    fn include(
        &mut self,
        mac: &syn::Macro,
        whole: &(impl syn::spanned::Spanned + 'static),
    ) -> Option<Val> {
        let arg: syn::LitStr = mac.parse_body().ok()?;
        let dir = self
            .mods
            .get(self.cur)?
            .path
            .as_ref()?
            .parent()?
            .to_path_buf();
        let path = crate::project::normal(&dir.join(arg.value()));
        let bytes = self.project.read(&path)?;
        if !self.read.contains(&path) {
            self.read.push(path);
        }
        let at = self.span_of(whole);
        self.included.insert(bytes.to_vec());
        let n = bytes.len();
        let lit = crate::lang::value::Literal {
            bytes: bytes.to_vec(),
            offsets: (0..=n)
                .map(|i| if i == n { at.end } else { at.start })
                .collect(),
        };
        Some(Val::Str(
            KeyPattern::literal(lit.bytes.clone()),
            Some(Box::new(lit)),
        ))
    }
}
