//! The Rust front-end (redis-rs, fred): a `syn` parse of the whole file, then a
//! small abstract interpreter over every function and method body that tracks
//! string values as key patterns, connections, command builders, pipelines and
//! scripts, and turns Redis calls into ops and groups.
//!
//! Items and statements here; expressions and macros in `exprs`, Redis calls
//! in `calls`, values in `value`.

mod calls;
mod exprs;
mod methods;
#[cfg(test)]
mod tests;
mod value;

use std::collections::HashMap;

use syn::spanned::Spanned;

use super::Problem;
use crate::lang::builder::Builder;
use crate::lang::Output;
use crate::model::{GroupKind, Span};
use value::{Elem, Literal, Val};

/// The Rust front-end.
pub const FRONT_END: super::FrontEnd = super::FrontEnd {
    name: "rust",
    extensions: &["rs"],
    suffixes: &[],
    editor_ids: &["rust"],
    fences: &["rust"],
    comments: super::CommentSyntax::Code(&["//"]),
    prefilter,
    parse: |file, _| Ok(parse(&file.text)),
    reparse: None,
};

/// redis-rs and fred paths, builders and query calls.
fn prefilter(text: &[u8]) -> bool {
    static RE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"(?i:redis)|fred|\.query(?:_async)?\b|Script::new|pipe\(\)")
            .expect("valid regex")
    });
    RE.is_match(text)
}

/// Bracket nesting (and runs of operators) deeper than this are not parsed:
/// `syn` recurses once per level.
const MAX_NESTING: usize = 1000;
/// The stack of the parsing thread: ample for `MAX_NESTING` levels of `syn`.
const PARSE_STACK: usize = 128 << 20;
/// Expression nesting the interpreter follows.
const MAX_DEPTH: usize = 200;
/// Same-file helper calls followed inside each other.
const MAX_CALL_DEPTH: usize = 3;
/// The longest source text kept as the name of a value.
const MAX_TEXT: usize = 200;

/// A function or method defined in the file.
#[derive(Clone, Copy)]
struct FnDef<'a> {
    sig: &'a syn::Signature,
    block: &'a syn::Block,
    has_self: bool,
}

/// A `redis::cmd(..)` (or a pipeline's current command) being built.
#[derive(Debug, Clone, Default)]
struct CmdBuild {
    argv: Vec<Elem>,
    span: Span,
}

/// A `Script::new(..)` or an invocation being built.
#[derive(Debug, Clone)]
struct ScriptBuild {
    lit: Option<Literal>,
    span: Span,
    keys: Vec<Elem>,
    /// Whether every key is known (no family or opaque list).
    counted: bool,
    invocation: bool,
}

/// The interpreter state for one file.
struct Cx<'a> {
    src: &'a str,
    /// The model being built.
    m: Builder<methods::ClientKind>,
    consts: HashMap<String, &'a syn::Expr>,
    const_cache: HashMap<String, Val>,
    evaluating: Vec<String>,
    fns: HashMap<String, Vec<FnDef<'a>>>,
    /// Struct fields by name: the value a constructor sets, or the type's client.
    fields: HashMap<String, Val>,
    field_types: HashMap<String, String>,
    env: HashMap<String, Val>,
    cmds: Vec<CmdBuild>,
    /// The commands being built on each pipeline (by the builder's index):
    /// a command takes `.arg(..)`s until the next one starts.
    queued: Vec<Vec<CmdBuild>>,
    scripts: Vec<ScriptBuild>,
    depth: usize,
    call_depth: usize,
    returns: Vec<Val>,
    fred: bool,
}

/// Reads a Rust file. Never panics, whatever the bytes; a file that is not
/// UTF-8, does not parse or nests too deeply gives a problem and an empty model.
pub fn parse(source: &[u8]) -> Output {
    let mut out = Output::default();
    let Ok(text) = std::str::from_utf8(source) else {
        let at = std::str::from_utf8(source)
            .err()
            .map_or(0, |e| e.valid_up_to());
        out.problems.push(Problem {
            span: Span::new(at, (at + 1).min(source.len())),
            message: "file is not valid UTF-8; skipped".into(),
        });
        return out;
    };
    if let Some(at) = too_deep(source) {
        out.problems.push(Problem {
            span: Span::new(at, (at + 1).min(source.len())),
            message: format!("nesting deeper than {MAX_NESTING} levels; file skipped"),
        });
        return out;
    }
    let owned = text.to_string();
    // `syn` recurses and proc-macro2 keeps a per-thread source map: a thread
    // of our own gives both a large stack and a fresh map.
    let handle = std::thread::Builder::new()
        .name("slotlint-rust".into())
        .stack_size(PARSE_STACK)
        .spawn(move || analyze_text(&owned));
    if let Ok(Ok(result)) = handle.map(std::thread::JoinHandle::join) {
        return result;
    }
    out.problems.push(Problem {
        span: Span::default(),
        message: "internal error while reading this Rust file; skipped".into(),
    });
    out
}

/// Where an expression starts: down its receivers, callees and left operands
/// to the first token (syn's `Spanned` would print the whole expression).
fn expr_start(mut e: &syn::Expr, span: &dyn Fn(proc_macro2::Span) -> Span) -> usize {
    use syn::Expr;
    loop {
        e = match e {
            Expr::MethodCall(m) if m.attrs.is_empty() => &m.receiver,
            Expr::Call(c) if c.attrs.is_empty() => &c.func,
            Expr::Index(i) if i.attrs.is_empty() => &i.expr,
            Expr::Field(f) if f.attrs.is_empty() => &f.base,
            Expr::Try(t) if t.attrs.is_empty() => &t.expr,
            Expr::Await(a) if a.attrs.is_empty() => &a.base,
            Expr::Binary(b) if b.attrs.is_empty() => &b.left,
            Expr::Paren(p) if p.attrs.is_empty() => return span(p.paren_token.span.open()).start,
            e => return span(e.span()).start,
        };
    }
}

fn analyze_text(text: &str) -> Output {
    let file = match syn::parse_file(text) {
        Ok(f) => f,
        Err(e) => {
            let r = e.span().byte_range();
            let start = r.start.min(text.len());
            return Output {
                problems: vec![Problem {
                    span: Span::new(start, r.end.clamp(start, text.len())),
                    message: format!("cannot parse Rust: {e}"),
                }],
                ..Output::default()
            };
        }
    };
    let mut cx = Cx::new(text);
    cx.run(&file);
    cx.m.out
}

/// The offset where bracket nesting, or a run of operator characters, first
/// exceeds [`MAX_NESTING`]; strings, chars and comments are skipped.
fn too_deep(src: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut ops = 0usize;
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        match b {
            b'/' if src.get(i + 1) == Some(&b'/') => {
                while i < src.len() && src[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                let mut level = 0usize;
                while i < src.len() {
                    if src[i..].starts_with(b"/*") {
                        level += 1;
                        i += 2;
                    } else if src[i..].starts_with(b"*/") {
                        level -= 1;
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'r' if matches!(src.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(src[i - 1].is_ascii_alphanumeric() || src[i - 1] == b'_')) =>
            {
                let hashes = src[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if src.get(i + 1 + hashes) == Some(&b'"') {
                    let mut close = vec![b'"'];
                    close.extend(std::iter::repeat_n(b'#', hashes));
                    i += 2 + hashes;
                    while i < src.len() && !src[i..].starts_with(&close) {
                        i += 1;
                    }
                    i += close.len();
                    continue;
                }
            }
            b'"' => {
                i += 1;
                while i < src.len() && src[i] != b'"' {
                    i += if src[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' => {
                // A char literal ('x', '\n'); a lifetime has no closing quote.
                if src.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < src.len() && src[i] != b'\'' {
                        i += 1;
                    }
                } else if src.get(i + 2) == Some(&b'\'') {
                    i += 2;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                ops = 0;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                ops = 0;
            }
            b';' | b',' => ops = 0,
            b'!' | b'-' | b'&' | b'*' | b'=' | b'|' | b'<' | b'>' | b'.' => ops += 1,
            _ => {}
        }
        if depth > MAX_NESTING || ops > MAX_NESTING {
            return Some(i.min(src.len().saturating_sub(1)));
        }
        i += 1;
    }
    None
}

/// The last name of a path (`redis::cmd` → `cmd`).
fn last_ident(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Whether a type names a Redis connection or client, and which kind.
fn client_of_type(ty: &str, fred: bool) -> Option<methods::ClientKind> {
    let t: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    let bare = t.trim_start_matches('&').trim_start_matches("mut");
    if fred
        && matches!(
            bare,
            "Client" | "Pool" | "RedisClient" | "RedisPool" | "Arc<Client>"
        )
    {
        return Some(methods::ClientKind::Fred);
    }
    if t.contains("ClusterConnection") || t.contains("ClusterClient") {
        Some(methods::ClientKind::Cluster)
    } else if t.contains("fred::") || t.contains("RedisClient") || t.contains("RedisPool") {
        Some(methods::ClientKind::Fred)
    } else if t.contains("Connection")
        || t.contains("AsyncCommands")
        || t.contains("Commands")
        || t.contains("redis::Client")
    {
        Some(methods::ClientKind::RedisRs)
    } else {
        None
    }
}

/// A number or bool type, and how many values it has when few.
struct Numeric {
    domain: Option<u64>,
}

fn is_numeric_type(ty: &str) -> Option<Numeric> {
    let t = ty.trim_start_matches('&').trim();
    match t {
        "bool" => Some(Numeric { domain: Some(2) }),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" | "f32" | "f64" => Some(Numeric { domain: None }),
        _ => None,
    }
}

impl<'a> Cx<'a> {
    fn new(src: &'a str) -> Self {
        Cx {
            src,
            m: Builder::default(),
            consts: HashMap::new(),
            const_cache: HashMap::new(),
            evaluating: Vec::new(),
            fns: HashMap::new(),
            fields: HashMap::new(),
            field_types: HashMap::new(),
            env: HashMap::new(),
            cmds: Vec::new(),
            queued: Vec::new(),
            scripts: Vec::new(),
            depth: 0,
            call_depth: 0,
            returns: Vec::new(),
            fred: src.contains("fred::"),
        }
    }

    fn span(&self, s: proc_macro2::Span) -> Span {
        let r = s.byte_range();
        let end = r.end.min(self.src.len());
        Span::new(r.start.min(end), end)
    }

    fn span_of<T: Spanned + 'static>(&self, node: &T) -> Span {
        let any: &dyn std::any::Any = node;
        let expr = any
            .downcast_ref::<syn::Expr>()
            .or_else(|| any.downcast_ref::<Box<syn::Expr>>().map(|b| &**b));
        match expr {
            Some(e) => Span::new(expr_start(e, &|s| self.span(s)), self.expr_end(e)),
            None => self.span(node.span()),
        }
    }

    /// Where an expression ends. syn's `Spanned` prints the whole expression
    /// to find its last token, so asking it at every link of a chain of n
    /// calls costs n²; the closing token of a call, index or field is at hand.
    fn expr_end(&self, e: &syn::Expr) -> usize {
        use syn::Expr;
        let last = match e {
            Expr::MethodCall(m) => m.paren_token.span.close(),
            Expr::Call(c) => c.paren_token.span.close(),
            Expr::Index(i) => i.bracket_token.span.close(),
            Expr::Field(f) => f.member.span(),
            Expr::Try(t) => t.question_token.span,
            Expr::Await(a) => a.await_token.span,
            Expr::Paren(p) => p.paren_token.span.close(),
            Expr::Binary(b) => return self.expr_end(&b.right),
            e => e.span(),
        };
        self.span(last).end
    }

    /// The source text of a node, whitespace removed, cut after
    /// [`MAX_TEXT`] bytes (it names a value; it is not a copy of the code).
    fn text<T: Spanned + 'static>(&self, node: &T) -> String {
        let s = self.span_of(node);
        let mut out = String::new();
        for c in self.src.get(s.start..s.end).unwrap_or("").chars() {
            if out.len() >= MAX_TEXT {
                out.push('…');
                break;
            }
            if !c.is_whitespace() {
                out.push(c);
            }
        }
        out
    }

    /// Collects items, then runs every function body twice: once to learn the
    /// values constructors give struct fields, once recording.
    fn run(&mut self, file: &'a syn::File) {
        self.collect(&file.items, 0);
        let mut defs: Vec<FnDef<'a>> = self.fns.values().flatten().copied().collect();
        defs.sort_by_key(|d| self.span_of(&d.sig.ident).start);
        for def in &defs {
            self.run_fn(def);
        }
        self.m.recording = true;
        for def in &defs {
            self.run_fn(def);
        }
    }

    fn collect(&mut self, items: &'a [syn::Item], depth: usize) {
        if depth > 16 {
            return;
        }
        for item in items {
            match item {
                syn::Item::Const(c) => {
                    self.consts.insert(c.ident.to_string(), &c.expr);
                }
                syn::Item::Static(s) => {
                    self.consts.insert(s.ident.to_string(), &s.expr);
                }
                syn::Item::Fn(f) => self.add_fn(&f.sig, &f.block),
                syn::Item::Mod(m) => {
                    if let Some((_, items)) = &m.content {
                        self.collect(items, depth + 1);
                    }
                }
                syn::Item::Impl(imp) => {
                    for it in &imp.items {
                        match it {
                            syn::ImplItem::Fn(f) => self.add_fn(&f.sig, &f.block),
                            syn::ImplItem::Const(c) => {
                                self.consts.insert(c.ident.to_string(), &c.expr);
                            }
                            _ => {}
                        }
                    }
                }
                syn::Item::Trait(t) => {
                    for it in &t.items {
                        if let syn::TraitItem::Fn(syn::TraitItemFn {
                            sig,
                            default: Some(block),
                            ..
                        }) = it
                        {
                            self.add_fn(sig, block);
                        }
                    }
                }
                syn::Item::Struct(s) => {
                    for f in &s.fields {
                        if let Some(id) = &f.ident {
                            self.field_types.insert(id.to_string(), self.text(&f.ty));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn add_fn(&mut self, sig: &'a syn::Signature, block: &'a syn::Block) {
        let has_self = matches!(sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
        self.fns
            .entry(sig.ident.to_string())
            .or_default()
            .push(FnDef {
                sig,
                block,
                has_self,
            });
    }

    /// A function body on its own: parameters are opaque (or connections, by type).
    fn run_fn(&mut self, def: &FnDef<'a>) {
        let env = self.param_env(def, None);
        let saved = std::mem::replace(&mut self.env, env);
        let saved_returns = std::mem::take(&mut self.returns);
        self.exec_block(def.block);
        self.flush_pipes();
        self.returns = saved_returns;
        self.env = saved;
    }

    /// The environment of a call: parameters bound to the arguments, or to
    /// opaque values named after the parameter.
    fn param_env(&mut self, def: &FnDef<'a>, args: Option<&[Elem]>) -> HashMap<String, Val> {
        let mut env = HashMap::new();
        let mut i = 0;
        for input in &def.sig.inputs {
            let syn::FnArg::Typed(pt) = input else {
                continue;
            };
            let arg = args.and_then(|a| a.get(i));
            i += 1;
            let syn::Pat::Ident(id) = &*pt.pat else {
                continue;
            };
            let name = id.ident.to_string();
            let ty = self.text(&pt.ty);
            let val = match arg {
                Some(e) if e.val != Val::Unknown => e.val.clone(),
                _ => {
                    if let Some(kind) = client_of_type(&ty, self.fred) {
                        Val::Client(self.client(kind))
                    } else if ty.contains("Pipeline") && !ty.contains("fred") {
                        Val::Pipeline(self.new_pipe(
                            None,
                            self.span_of(&pt.pat),
                            GroupKind::Pipeline,
                        ))
                    } else if let Some(n) = is_numeric_type(&ty) {
                        Val::numeric(&name, n.domain)
                    } else {
                        Val::opaque(&name)
                    }
                }
            };
            env.insert(name, val);
        }
        env
    }

    /// Pipelines never executed in the body still group their commands.
    fn flush_pipes(&mut self) {
        for p in 0..self.m.pipes.len() {
            self.finish_pipe(p, None);
        }
        self.m.pipes.clear();
        self.queued.clear();
        self.cmds.clear();
        self.scripts.clear();
    }

    /// Runs a block; its value is the tail expression's.
    fn exec_block(&mut self, block: &syn::Block) -> Val {
        let mut last = Val::Unknown;
        for (i, stmt) in block.stmts.iter().enumerate() {
            let v = self.exec_stmt(stmt);
            if i + 1 == block.stmts.len() {
                last = v;
            }
        }
        last
    }

    fn exec_stmt(&mut self, stmt: &syn::Stmt) -> Val {
        match stmt {
            syn::Stmt::Local(local) => {
                let val = match &local.init {
                    Some(init) => {
                        let v = self.eval(&init.expr);
                        if let Some((_, diverge)) = &init.diverge {
                            self.eval(diverge);
                        }
                        v
                    }
                    None => Val::Unknown,
                };
                self.bind(&local.pat, val);
                Val::Unknown
            }
            syn::Stmt::Expr(e, semi) => {
                let v = self.eval(e);
                if semi.is_some() {
                    Val::Unknown
                } else {
                    v
                }
            }
            syn::Stmt::Macro(m) => {
                self.eval_macro(&m.mac, &m.mac);
                Val::Unknown
            }
            syn::Stmt::Item(_) => Val::Unknown,
        }
    }

    /// Binds a pattern; a local bound to an opaque value takes the local's name.
    fn bind(&mut self, pat: &syn::Pat, val: Val) {
        match pat {
            syn::Pat::Ident(id) => {
                let name = id.ident.to_string();
                let val = match val {
                    Val::Opaque(o) => Val::Opaque(value::Opaque {
                        name: name.clone(),
                        ..o
                    }),
                    Val::Unknown => Val::opaque(&name),
                    v => v,
                };
                self.env.insert(name, val);
            }
            syn::Pat::Type(t) => {
                let ty = self.text(&t.ty);
                let val = match (val, is_numeric_type(&ty)) {
                    (Val::Opaque(o), Some(n)) => Val::Opaque(value::Opaque {
                        numeric: true,
                        domain: n.domain.or(o.domain),
                        ..o
                    }),
                    (v, _) => v,
                };
                self.bind(&t.pat, val);
            }
            syn::Pat::Tuple(t) => {
                let items = match val {
                    Val::List(items) if items.len() == t.elems.len() => Some(items),
                    _ => None,
                };
                for (i, p) in t.elems.iter().enumerate() {
                    let v = items.as_ref().map_or(Val::Unknown, |it| it[i].val.clone());
                    self.bind(p, v);
                }
            }
            syn::Pat::Reference(r) => self.bind(&r.pat, val),
            _ => {}
        }
    }
}
