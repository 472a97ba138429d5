//! The Rust front-end (redis-rs, fred): a `syn` parse of the whole file, then a
//! small abstract interpreter over every function and method body that tracks
//! string values as key patterns, connections, command builders, pipelines,
//! scripts and values of the project's structs, and turns Redis calls into
//! ops and groups. Paths are followed into the crate's other files (`use
//! crate::keys::queue_key`, `mod x;`, `super::`), read through the project.
//!
//! Items and statements here; modules, paths and items in `modules`, struct
//! values and their fields in `structs`, expressions and macros in `exprs`,
//! Redis calls in `calls`, client tables in `methods`, values in `value`.

mod calls;
mod exprs;
mod methods;
mod modules;
mod structs;
#[cfg(test)]
mod tests;
mod value;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use syn::spanned::Spanned;

use super::Problem;
use crate::lang::builder::Builder;
use crate::lang::Output;
use crate::model::{GroupKind, Span};
use crate::project::Project;
use modules::{Loaded, Module};
use value::{Elem, Literal, TypeRef, Val};

/// The Rust front-end.
pub const FRONT_END: super::FrontEnd = super::FrontEnd {
    name: "rust",
    extensions: &["rs"],
    suffixes: &[],
    editor_ids: &["rust"],
    fences: &["rust"],
    comments: super::CommentSyntax::Code(&["//"]),
    prefilter,
    parse: |file, project| Ok(parse_in(&file.text, file.location.as_deref(), project)),
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
/// Helper calls followed inside each other.
const MAX_CALL_DEPTH: usize = 3;
/// The longest source text kept as the name of a value.
const MAX_TEXT: usize = 200;

/// A function or method defined in a module.
#[derive(Clone, Copy)]
struct FnDef<'a> {
    sig: &'a syn::Signature,
    block: &'a syn::Block,
    has_self: bool,
    /// Written in an `impl Trait for Type` block.
    in_trait_impl: bool,
    /// The module it is written in.
    module: usize,
    /// The type of the `impl` block it is in (`Queue` for `impl Queue`,
    /// `impl Default for Queue`), by its path as written.
    owner: Option<&'a syn::Type>,
    /// The generics of its `impl` block.
    impl_generics: Option<&'a syn::Generics>,
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
    lit: Option<Rc<Literal>>,
    span: Span,
    keys: Vec<Elem>,
    /// Whether every key is known (no family or opaque list).
    counted: bool,
    invocation: bool,
}

/// A field value of a struct type and the module whose code gave it.
#[derive(Debug, Clone)]
struct FieldVal {
    val: Val,
    module: usize,
}

/// The interpreter state for one file.
struct Cx<'a> {
    project: &'a Project,
    /// Keeps the other modules' text and syntax alive while their nodes are used.
    arena: &'a typed_arena::Arena<Loaded>,
    /// The linted file (0), then the modules paths led to.
    mods: Vec<Module<'a>>,
    /// Modules by path (`None`: not readable as Rust).
    loaded: HashMap<PathBuf, Option<usize>>,
    /// Modules found from a module: by crate path, or `mod name`.
    links: HashMap<(usize, String), Option<usize>>,
    /// The module whose code is being run.
    cur: usize,
    /// While code of another module runs: the call in the linted file that
    /// led there, which every op and key made there is placed at.
    site: Option<Span>,
    /// The model being built.
    m: Builder<methods::ClientKind>,
    evaluating: Vec<(usize, String)>,
    /// Field values by struct type: what the constructors, `Default` impls
    /// and methods assigning `self.x` give each field, joined.
    fields: HashMap<TypeRef, HashMap<String, FieldVal>>,
    /// Struct types whose constructions in the crate's other files were looked for.
    searched: HashSet<TypeRef>,
    /// Struct types of other modules whose constructions there were run.
    constructed: HashSet<TypeRef>,
    /// Types as written (by address) and the struct each names.
    type_structs: HashMap<usize, Option<TypeRef>>,
    /// Types as written (by address) and their text.
    type_texts: HashMap<usize, String>,
    /// Parameter types (by address) that are generics bounded by a connection trait.
    generic_clients: HashMap<usize, Option<methods::ClientKind>>,
    /// Fields of the linted file's struct literals by name alone (a `self`
    /// whose type is not known).
    loose_fields: HashMap<String, Val>,
    /// The type of the `impl` block whose method is running.
    impl_ty: Option<TypeRef>,
    env: HashMap<String, Val>,
    cmds: Vec<CmdBuild>,
    /// The commands being built on each pipeline (by the builder's index):
    /// a command takes `.arg(..)`s until the next one starts.
    queued: Vec<Vec<CmdBuild>>,
    scripts: Vec<ScriptBuild>,
    /// The scripts `Script::new` made at each place.
    script_sites: HashMap<Span, Vec<usize>>,
    depth: usize,
    call_depth: usize,
    /// Modules being learned inside each other.
    learning: usize,
    /// Bytes of other modules parsed so far.
    parsed_bytes: usize,
    /// Files read for their text (`include_str!`).
    read: Vec<PathBuf>,
    /// The texts `include_str!` read: a script made of one is a file of
    /// its own, whose body is judged where that file is linted.
    included: std::collections::HashSet<Vec<u8>>,
    returns: Vec<Val>,
    fred: bool,
    /// Where the expressions of call chains start (see [`expr_start`]).
    starts: RefCell<HashMap<(usize, usize), usize>>,
}

/// Reads a Rust file on its own. Never panics, whatever the bytes.
pub fn parse(source: &[u8]) -> Output {
    parse_in(source, None, &Project::new())
}

/// Reads a Rust file found at `path`, following its paths into the crate's
/// other files through `project`. Never panics, whatever the bytes; a file
/// that is not UTF-8, does not parse or nests too deeply gives a problem and
/// an empty model.
pub fn parse_in(source: &[u8], path: Option<&Path>, project: &Project) -> Output {
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
    let path = path.map(crate::project::normal);
    // `syn` recurses and proc-macro2 keeps a per-thread source map: a thread
    // of our own gives both a large stack and a fresh map.
    let result = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("slotlint-rust".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, || analyze_text(text, path, project))
            .ok()
            .and_then(|h| h.join().ok())
    });
    if let Some(result) = result {
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
/// `known` holds the starts found before, by node (its address and where
/// its own token is: a node parsed from a macro body and dropped leaves no
/// stale entry for another): the links of a long chain are each walked
/// once, not once per link asked.
fn expr_start(
    mut e: &syn::Expr,
    known: &RefCell<HashMap<(usize, usize), usize>>,
    span: &dyn Fn(proc_macro2::Span) -> Span,
) -> usize {
    use syn::Expr;
    let mut walked = Vec::new();
    let start = loop {
        let (next, own) = match e {
            Expr::MethodCall(m) if m.attrs.is_empty() => (&m.receiver, m.method.span()),
            Expr::Call(c) if c.attrs.is_empty() => (&c.func, c.paren_token.span.open()),
            Expr::Index(i) if i.attrs.is_empty() => (&i.expr, i.bracket_token.span.open()),
            Expr::Field(f) if f.attrs.is_empty() => (&f.base, f.dot_token.span),
            Expr::Try(t) if t.attrs.is_empty() => (&t.expr, t.question_token.span),
            Expr::Await(a) if a.attrs.is_empty() => (&a.base, a.dot_token.span),
            Expr::Binary(b) if b.attrs.is_empty() => (&b.left, b.op.span()),
            Expr::Cast(c) if c.attrs.is_empty() => (&c.expr, c.as_token.span),
            Expr::Assign(a) if a.attrs.is_empty() => (&a.left, a.eq_token.span),
            Expr::Paren(p) if p.attrs.is_empty() => break span(p.paren_token.span.open()).start,
            e => break span(first_token(e).unwrap_or_else(|| e.span())).start,
        };
        let key = (std::ptr::from_ref(e) as usize, span(own).start);
        if let Some(&start) = known.borrow().get(&key) {
            break start;
        }
        walked.push(key);
        e = next;
    };
    // Only chains are worth remembering; a lone leaf is found at once.
    if walked.len() > 1 {
        known
            .borrow_mut()
            .extend(walked.into_iter().map(|key| (key, start)));
    }
    start
}

/// The first token of an expression that starts with its own keyword or
/// bracket (so that its span is found without printing it).
fn first_token(e: &syn::Expr) -> Option<proc_macro2::Span> {
    use syn::Expr;
    let t = match e {
        Expr::If(i) if i.attrs.is_empty() => i.if_token.span,
        Expr::Match(m) if m.attrs.is_empty() => m.match_token.span,
        Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => {
            b.block.brace_token.span.open()
        }
        Expr::Unsafe(u) if u.attrs.is_empty() => u.unsafe_token.span,
        Expr::Loop(l) if l.attrs.is_empty() && l.label.is_none() => l.loop_token.span,
        Expr::While(w) if w.attrs.is_empty() && w.label.is_none() => w.while_token.span,
        Expr::ForLoop(f) if f.attrs.is_empty() && f.label.is_none() => f.for_token.span,
        Expr::Array(a) if a.attrs.is_empty() => a.bracket_token.span.open(),
        Expr::Tuple(t) if t.attrs.is_empty() => t.paren_token.span.open(),
        Expr::Return(r) if r.attrs.is_empty() => r.return_token.span,
        Expr::Reference(r) if r.attrs.is_empty() => r.and_token.span,
        Expr::Lit(l) if l.attrs.is_empty() => l.lit.span(),
        Expr::Path(p)
            if p.attrs.is_empty() && p.qself.is_none() && p.path.leading_colon.is_none() =>
        {
            p.path.segments.first()?.ident.span()
        }
        Expr::Macro(m) if m.attrs.is_empty() && m.mac.path.leading_colon.is_none() => {
            m.mac.path.segments.first()?.ident.span()
        }
        _ => return None,
    };
    Some(t)
}

fn analyze_text(text: &str, path: Option<PathBuf>, project: &Project) -> Output {
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
    let arena = typed_arena::Arena::new();
    let mut cx = Cx::new(project, &arena, text.contains("fred::"));
    cx.add_module(path, text, &file);
    cx.run();
    // The other files read: modules, then `include_str!` texts.
    let mut deps: Vec<PathBuf> = cx
        .mods
        .iter()
        .skip(1)
        .filter_map(|m| m.path.clone())
        .collect();
    deps.extend(cx.read);
    let mut out = cx.m.out;
    out.deps = deps;
    out.deps.sort();
    out.deps.dedup();
    out
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
    // How to connect is not a connection.
    if [
        "ConnectionInfo",
        "ConnectionAddr",
        "ConnectionConfig",
        "ConnectionOptions",
    ]
    .iter()
    .any(|n| t.contains(n))
    {
        return None;
    }
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

/// Whether a type (as written, whitespace removed) holds any number of items.
fn is_collection_type(ty: &str) -> bool {
    let t = ty
        .trim_start_matches('&')
        .trim_start_matches("mut")
        .trim_start_matches('&');
    // Bytes are one value (a binary key), not a collection of them.
    if t.starts_with("[u8") || t.starts_with("Vec<u8>") {
        return false;
    }
    t.starts_with('[')
        || [
            "Vec<",
            "VecDeque<",
            "HashSet<",
            "BTreeSet<",
            "SmallVec<",
            "implIntoIterator",
            "implIterator",
        ]
        .iter()
        .any(|p| t.starts_with(p))
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
    fn new(project: &'a Project, arena: &'a typed_arena::Arena<Loaded>, fred: bool) -> Self {
        Cx {
            project,
            arena,
            mods: Vec::new(),
            loaded: HashMap::new(),
            links: HashMap::new(),
            cur: 0,
            site: None,
            m: Builder::default(),
            evaluating: Vec::new(),
            fields: HashMap::new(),
            searched: HashSet::new(),
            constructed: HashSet::new(),
            type_structs: HashMap::new(),
            type_texts: HashMap::new(),
            generic_clients: HashMap::new(),
            loose_fields: HashMap::new(),
            impl_ty: None,
            env: HashMap::new(),
            cmds: Vec::new(),
            queued: Vec::new(),
            scripts: Vec::new(),
            script_sites: HashMap::new(),
            depth: 0,
            call_depth: 0,
            learning: 0,
            parsed_bytes: 0,
            read: Vec::new(),
            included: std::collections::HashSet::new(),
            returns: Vec::new(),
            starts: RefCell::default(),
            fred,
        }
    }

    /// The text of the module whose code is running.
    fn src(&self) -> &'a str {
        self.mods.get(self.cur).map_or("", |m| m.src)
    }

    /// Where a token is in its own module's text.
    fn raw(&self, s: proc_macro2::Span) -> Span {
        let r = s.byte_range();
        let end = r.end.min(self.src().len());
        Span::new(r.start.min(end), end)
    }

    /// A span of the running module's text as the linted file sees it: itself
    /// there, else the call that led to the module.
    fn place(&self, s: Span) -> Span {
        if self.cur == 0 {
            s
        } else {
            self.site.unwrap_or_default()
        }
    }

    fn span_of<T: Spanned + 'static>(&self, node: &T) -> Span {
        self.place(self.raw_span_of(node))
    }

    /// Where a node is in its own module's text.
    fn raw_span_of<T: Spanned + 'static>(&self, node: &T) -> Span {
        let any: &dyn std::any::Any = node;
        let expr = any
            .downcast_ref::<syn::Expr>()
            .or_else(|| any.downcast_ref::<Box<syn::Expr>>().map(|b| &**b));
        match expr {
            Some(e) => Span::new(
                expr_start(e, &self.starts, &|s| self.raw(s)),
                self.expr_end(e),
            ),
            None => self.raw(node.span()),
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
            Expr::If(i) => match &i.else_branch {
                Some((_, els)) => return self.expr_end(els),
                None => i.then_branch.brace_token.span.close(),
            },
            Expr::Match(m) => m.brace_token.span.close(),
            Expr::Block(b) => b.block.brace_token.span.close(),
            Expr::Unsafe(u) => u.block.brace_token.span.close(),
            Expr::Async(a) => a.block.brace_token.span.close(),
            Expr::Loop(l) => l.body.brace_token.span.close(),
            Expr::While(w) => w.body.brace_token.span.close(),
            Expr::ForLoop(f) => f.body.brace_token.span.close(),
            Expr::Array(a) => a.bracket_token.span.close(),
            Expr::Tuple(t) => t.paren_token.span.close(),
            Expr::Struct(st) => st.brace_token.span.close(),
            Expr::Closure(c) => return self.expr_end(&c.body),
            Expr::Reference(r) => return self.expr_end(&r.expr),
            Expr::Unary(u) => return self.expr_end(&u.expr),
            Expr::Assign(a) => return self.expr_end(&a.right),
            Expr::Lit(l) => l.lit.span(),
            Expr::Macro(m) => match &m.mac.delimiter {
                syn::MacroDelimiter::Paren(p) => p.span.close(),
                syn::MacroDelimiter::Brace(b) => b.span.close(),
                syn::MacroDelimiter::Bracket(b) => b.span.close(),
            },
            Expr::Return(r) => match &r.expr {
                Some(x) => return self.expr_end(x),
                None => r.return_token.span,
            },
            Expr::Path(p)
                if p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.arguments.is_empty()) =>
            {
                p.path
                    .segments
                    .last()
                    .map_or_else(|| e.span(), |s| s.ident.span())
            }
            e => e.span(),
        };
        self.raw(last).end
    }

    /// The source text of a node, whitespace removed, cut after
    /// [`MAX_TEXT`] bytes (it names a value; it is not a copy of the code).
    fn text<T: Spanned + 'static>(&self, node: &T) -> String {
        let s = self.raw_span_of(node);
        let mut out = String::new();
        for c in self.src().get(s.start..s.end).unwrap_or("").chars() {
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

    /// Runs every function body of the linted file twice: once to learn the
    /// values constructors give struct fields, once recording.
    fn run(&mut self) {
        self.learn_file();
        self.m.recording = true;
        for def in self.defs(0) {
            self.run_fn(&def);
        }
    }

    /// The functions and methods of module `k`, in source order.
    fn defs(&mut self, k: usize) -> Vec<FnDef<'a>> {
        let saved = std::mem::replace(&mut self.cur, k);
        let mut defs: Vec<FnDef<'a>> = self
            .items(k)
            .map(|items| items.fns.values().flatten().copied().collect())
            .unwrap_or_default();
        defs.sort_by_key(|d| self.raw_span_of(&d.sig.ident).start);
        self.cur = saved;
        defs
    }

    /// A function body on its own: parameters are opaque (or connections,
    /// pipelines and values of the project's structs, by type).
    fn run_fn(&mut self, def: &FnDef<'a>) {
        let saved_cur = std::mem::replace(&mut self.cur, def.module);
        let owner = self.owner_type(def);
        let saved_impl = std::mem::replace(&mut self.impl_ty, owner);
        let env = self.param_env(def, None, None);
        let saved = std::mem::replace(&mut self.env, env);
        let saved_returns = std::mem::take(&mut self.returns);
        self.exec_block(def.block);
        self.flush_pipes();
        self.returns = saved_returns;
        self.env = saved;
        self.impl_ty = saved_impl;
        self.cur = saved_cur;
    }

    /// The environment of a call: `self` bound to the receiver (or a value of
    /// the `impl` type), parameters bound to the arguments, or to opaque
    /// values named after the parameter.
    fn param_env(
        &mut self,
        def: &FnDef<'a>,
        args: Option<&[Elem]>,
        mut receiver: Option<Val>,
    ) -> HashMap<String, Val> {
        let mut env = HashMap::new();
        let mut i = 0;
        for input in &def.sig.inputs {
            let pt = match input {
                syn::FnArg::Receiver(_) => {
                    let this = receiver
                        .take()
                        .or_else(|| self.impl_ty.clone().map(|ty| structs::instance(ty, "self")));
                    if let Some(v) = this {
                        env.insert("self".to_string(), v);
                    }
                    continue;
                }
                syn::FnArg::Typed(pt) => pt,
            };
            let arg = args.and_then(|a| a.get(i));
            i += 1;
            let syn::Pat::Ident(id) = &*pt.pat else {
                continue;
            };
            let name = id.ident.to_string();
            let val = match arg {
                Some(e) if e.val != Val::Unknown => e.val.clone(),
                _ => self.typed_value(&pt.ty, &name, def, self.span_of(&pt.pat)),
            };
            env.insert(name, val);
        }
        env
    }

    /// What a parameter of type `ty` is when nothing is passed: a connection,
    /// a pipeline, a number, a value of one of the project's structs, or
    /// opaque, named `name`.
    fn typed_value(&mut self, ty: &syn::Type, name: &str, def: &FnDef<'a>, at: Span) -> Val {
        let text = self.type_text(ty);
        let generic = |cx: &mut Self| {
            let key = std::ptr::from_ref(ty) as usize;
            if let Some(&known) = cx.generic_clients.get(&key) {
                return known;
            }
            let found = cx.generic_client(ty, def);
            cx.generic_clients.insert(key, found);
            found
        };
        if let Some(kind) = client_of_type(&text, self.fred).or_else(|| generic(self)) {
            Val::Client(self.client(kind))
        } else if text.contains("Pipeline") && !text.contains("fred") {
            Val::Pipeline(self.new_pipe(None, at, GroupKind::Pipeline))
        } else if let Some(n) = is_numeric_type(&text) {
            Val::numeric(name, n.domain)
        } else if is_collection_type(&text) {
            Val::Family(Box::new(Val::opaque(name)), vec![name.to_string()])
        } else if let Some(t) = self.struct_type(ty) {
            structs::instance(t, name)
        } else {
            Val::opaque(name)
        }
    }

    /// The text of a type as written (once per type: printing one is costly).
    fn type_text(&mut self, ty: &syn::Type) -> String {
        let key = std::ptr::from_ref(ty) as usize;
        if let Some(t) = self.type_texts.get(&key) {
            return t.clone();
        }
        let t = self.text(ty);
        self.type_texts.insert(key, t.clone());
        t
    }

    /// Pipelines never executed in the body still group their commands.
    fn flush_pipes(&mut self) {
        for p in 0..self.m.pipes.len() {
            self.finish_pipe(p, None);
        }
        self.m.pipes.clear();
        self.queued.clear();
        self.cmds.clear();
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
                    // A value of a struct nothing more is known of: named after the local.
                    Val::Ext(value::Rs::Struct(mut inst)) if inst.fields.is_empty() => {
                        inst.name.clone_from(&name);
                        Val::Ext(value::Rs::Struct(inst))
                    }
                    // Unknown items collected: named after the local.
                    Val::Family(elem, vars)
                        if vars.is_empty() && matches!(*elem, Val::Opaque(_)) =>
                    {
                        Val::Family(Box::new(Val::opaque(&name)), vec![name.clone()])
                    }
                    v => v,
                };
                self.env.insert(name, val);
            }
            syn::Pat::Type(t) => {
                let ty = self.type_text(&t.ty);
                let val = match (val, is_numeric_type(&ty)) {
                    // `let s: String = parts.collect();`
                    (Val::Family(..), None) if !is_collection_type(&ty) => Val::Unknown,
                    // `let ids: Vec<String> = con.smembers(k)?;`: any number of them.
                    (Val::Opaque(_) | Val::Unknown, None) if is_collection_type(&ty) => {
                        Val::Family(Box::new(Val::opaque(self.text(&t.pat))), Vec::new())
                    }
                    (Val::Opaque(o), Some(n)) => Val::Opaque(value::Opaque {
                        numeric: true,
                        domain: n.domain.or(o.domain),
                        ..o
                    }),
                    (v @ (Val::Opaque(_) | Val::Unknown), None) => {
                        match (self.struct_type(&t.ty), &*t.pat) {
                            (Some(ty), syn::Pat::Ident(id)) => {
                                structs::instance(ty, &id.ident.to_string())
                            }
                            _ => v,
                        }
                    }
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
            syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
                // `Some(x)`, `Ok(x)`: the value inside as far as known.
                if let Some(p) = ts.elems.first() {
                    self.bind(p, val);
                }
            }
            _ => {}
        }
    }
}
