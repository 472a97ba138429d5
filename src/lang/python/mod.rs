//! The Python front-end (redis-py, `redis.asyncio`, `RedisCluster`, redis-py-cluster):
//! a tree-sitter parse, then a small abstract interpreter over each module,
//! class and function body that tracks string values as key patterns, Redis
//! clients, pipelines and scripts, and turns Redis calls into ops and groups.
//!
//! Modules, classes and functions here; statements in `stmts`, expressions
//! in `exprs` and `strings`, Redis calls in `calls` (`pipes`, `scripts`),
//! client and method tables in `clients`.
// The expression evaluator mirrors Python's grammar case by case; these
// pedantic lints fight that shape (to be folded with the other front-ends).
#![allow(clippy::needless_pass_by_value)]

mod calls;
mod clients;
mod exprs;
mod files;
mod modules;
mod pipes;
mod scripts;
mod stmts;
mod strings;
#[cfg(test)]
mod tests;
mod value;

use std::collections::HashMap;
use std::path::PathBuf;

use tree_sitter::{Node, Parser};

use crate::lang::builder::Builder;
use crate::lang::modules::{Loader, State};
use crate::lang::Output;
use crate::model::Span;
use crate::project::Project;
pub(crate) use value::Py;
use value::{Opaque, Val};

/// The Python front-end.
pub const FRONT_END: super::FrontEnd = super::FrontEnd {
    name: "python",
    extensions: &["py", "pyi"],
    suffixes: &[],
    editor_ids: &["python"],
    fences: &["python"],
    comments: super::CommentSyntax::Code(&["#"]),
    prefilter,
    parse: |file, project| Ok(parse_in(&file.text, file.location.as_deref(), project)),
    reparse: Some(|file, project, old| {
        parse_incremental(&file.text, file.location.as_deref(), project, old)
    }),
};

/// redis-py imports and clients (`redis`, `RedisCluster`, `aioredis`,
/// `self.redis`), the receivers the front-end takes for a client whatever
/// the imports (`r.`, `rc.`, `rds.`; see `clients::is_redisish_name`), or a
/// call of a method only Redis clients have (`.hset(`, `.pipeline(`) on a
/// client the file got from elsewhere.
fn prefilter(text: &[u8]) -> bool {
    static RE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        let mut names: Vec<String> = crate::commands::all()
            .map(|s| s.name().to_ascii_lowercase())
            .chain(
                [
                    "pipeline",
                    "register_script",
                    "execute_command",
                    "send_command",
                ]
                .map(String::from),
            )
            .filter(|m| clients::is_redis_only(m))
            .collect();
        names.sort();
        names.dedup();
        regex::bytes::Regex::new(&format!(r"(?i:redis)|\.(?:{})\s*\(", names.join("|")))
            .expect("valid regex")
    });
    RE.is_match(text) || has_short_receiver(text)
}

/// Whether a call goes through `r.`, `rc.` or `rds.` (spaces allowed before
/// the dot): ten times faster than the same test as a regex, whose literal
/// `r` matches everywhere.
fn has_short_receiver(text: &[u8]) -> bool {
    memchr::memchr_iter(b'.', text).any(|dot| {
        let before = text[..dot].trim_ascii_end();
        let start = before
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .map_or(0, |i| i + 1);
        matches!(&before[start..], b"r" | b"rc" | b"rds")
    })
}

/// Nesting deeper than this (statements or expressions) is not followed.
const MAX_DEPTH: usize = 96;
/// Helper calls followed inside each other.
const MAX_CALL_DEPTH: usize = 3;

type Env = HashMap<String, Val>;

/// A class: the module it is defined in and its name there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClassRef {
    pub(crate) module: usize,
    pub(crate) name: String,
}

/// A class defined in a module.
struct Class<'a> {
    /// The base classes as written (`Base`, `mod.Base`).
    bases: Vec<Node<'a>>,
    node: Node<'a>,
    /// Class attributes and every `self.x` the methods assign, once computed.
    attrs: Option<Env>,
    /// Methods decorated with `@property`.
    properties: Vec<String>,
}

/// What an import binds a name to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Import {
    /// A name from redis (`redis.cluster.RedisCluster`).
    Redis(String),
    /// A module of the project (`import pkg.keys as k`).
    Module(PathBuf),
    /// A name in a module of the project (`from .keys import job_key`).
    Name(PathBuf, String),
}

/// A module the analysis reads: the linted file (index 0) or one it imports.
struct Module<'a> {
    /// Where it is on disk.
    path: Option<PathBuf>,
    src: &'a [u8],
    root: Node<'a>,
    /// Import alias → what it names.
    imports: HashMap<String, Import>,
    /// Whether the module imports a Redis client library.
    imports_redis: bool,
    /// Module functions by name, methods by `Class.name`.
    funcs: HashMap<String, Node<'a>>,
    classes: HashMap<String, Class<'a>>,
    /// The module's top-level bindings.
    env: Env,
    state: State,
    /// Receivers a Redis-only method is called on, once computed.
    evidence: Option<Evidence>,
}

/// Which values of a module are evidently Redis clients: a Redis-only
/// method (`pipeline`, `hset`, `zadd`, `evalsha`…) is called on them.
#[derive(Debug, Default)]
struct Evidence {
    /// Plain names (`client`, `conn`), anywhere in the module.
    names: std::collections::HashSet<String>,
    /// `self.x` receivers, by the class whose methods use them.
    attrs: std::collections::HashSet<(String, String)>,
}

/// The interpreter state for one file.
struct Cx<'a> {
    /// The linted file's module, then the modules its imports led to.
    mods: Vec<Module<'a>>,
    /// The module whose code is being run.
    cur: usize,
    /// The modules and files read, through the project.
    files: Loader<'a>,
    /// While code of another module runs: the call in the linted file that
    /// led there, which every op and key made there is placed at.
    site: Option<Span>,
    /// Modules being loaded inside each other.
    loading: usize,
    /// The model being built.
    m: Builder<clients::ClientKind>,
    env: Env,
    class: Option<ClassRef>,
    depth: usize,
    call_depth: usize,
    returns: Vec<Val>,
    /// Whether a local bound to an opaque value takes the local's name.
    rename_locals: bool,
    /// How many function bodies are being run inside each other.
    fn_level: usize,
    /// The function being run is a `@contextmanager`: what it yields is what
    /// it gives.
    yields: bool,
}

/// Reads a Python file on its own. Never panics, whatever the bytes.
pub fn parse(source: &[u8]) -> Output {
    parse_in(source, None, &Project::new())
}

/// Reads a Python file found at `path`, following its imports into the
/// modules of `project`. Never panics, whatever the bytes.
pub fn parse_in(source: &[u8], path: Option<&std::path::Path>, project: &Project) -> Output {
    parse_incremental(source, path, project, None).0
}

/// [`parse_in`] for an editor: `old` is the tree of the text before its
/// latest edits, already told of them (`Tree::edit`), so that tree-sitter
/// parses again only what changed. Also returns the new tree.
pub fn parse_incremental(
    source: &[u8],
    path: Option<&std::path::Path>,
    project: &Project,
    old: Option<&tree_sitter::Tree>,
) -> (Output, Option<tree_sitter::Tree>) {
    if !prefilter(source) {
        return (Output::default(), None);
    }
    let Some(tree) = parse_tree(source, old) else {
        return (Output::default(), None);
    };
    let out = {
        let arena = typed_arena::Arena::new();
        let mut cx = Cx::new(Loader::new(project, &arena, modules::MAX_MODULES));
        cx.add_module(path.map(crate::project::normal), source, tree.root_node());
        cx.run();
        let mut out = cx.m.out;
        out.deps = cx.files.deps();
        out
    };
    (out, Some(tree))
}

fn parse_tree(source: &[u8], old: Option<&tree_sitter::Tree>) -> Option<tree_sitter::Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    crate::budget::parse_tree(&mut parser, source, old)
}

impl<'a> Cx<'a> {
    fn new(files: Loader<'a>) -> Self {
        Cx {
            mods: Vec::new(),
            cur: 0,
            files,
            site: None,
            loading: 0,
            m: Builder::default(),
            env: Env::new(),
            class: None,
            depth: 0,
            call_depth: 0,
            returns: Vec::new(),
            rename_locals: true,
            fn_level: 0,
            yields: false,
        }
    }

    /// The module whose code is running.
    fn md(&self) -> &Module<'a> {
        &self.mods[self.cur]
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        crate::lang::walk::text(self.mods[self.cur].src, node)
    }

    /// Where `node` is in the linted file: itself there, else the call that
    /// led to the module it is in.
    fn span(&self, node: Node<'_>) -> Span {
        match self.site {
            Some(site) if self.cur != 0 => site,
            _ => Span::new(node.start_byte(), node.end_byte()),
        }
    }

    /// Runs the module body without recording (its bindings), then again
    /// recording, then every function and method on its own.
    fn run(&mut self) {
        self.ready(0);
        self.m.recording = true;
        self.env = self.md().env.clone();
        let root = self.md().root;
        self.exec_block(root);
        self.flush_pipes();
        let mut defs: Vec<(String, Node<'a>)> = self
            .md()
            .funcs
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        defs.sort_by_key(|(_, n)| n.start_byte());
        for (name, def) in defs {
            let class = name.split_once('.').map(|(c, _)| ClassRef {
                module: 0,
                name: c.to_string(),
            });
            let outer = self.md().env.clone();
            self.run_function(def, class, &outer);
        }
    }

    /// The environment a function body starts with: parameters bound to the
    /// arguments when called, else to opaque values named after them; and
    /// whether every argument keeps its parameter's name (so that locals may
    /// be named after themselves).
    fn function_env(
        &mut self,
        def: Node<'a>,
        class: Option<&ClassRef>,
        outer: &Env,
        args: Option<&calls::Args<'a>>,
    ) -> (Env, bool) {
        self.function_env_with(def, class, outer, args, None)
    }

    /// [`Self::function_env`], with the call's positional arguments as
    /// elements (made in the caller's module) for a `*args` parameter.
    fn function_env_with(
        &mut self,
        def: Node<'a>,
        class: Option<&ClassRef>,
        outer: &Env,
        args: Option<&calls::Args<'a>>,
        elems: Option<Vec<value::Elem>>,
    ) -> (Env, bool) {
        let mut env = outer.clone();
        let mut faithful = true;
        let Some(params) = def.child_by_field_name("parameters") else {
            return (env, faithful);
        };
        let mut cursor = params.walk();
        let mut positional = 0usize;
        let mut first = true;
        for p in params.named_children(&mut cursor) {
            // `*parts`: the rest of the positional arguments, as a list.
            if p.kind() == "list_splat_pattern" {
                if let Some(n) = p.named_child(0).filter(|n| n.kind() == "identifier") {
                    let name = self.text(n).to_string();
                    let rest = elems
                        .as_ref()
                        .map(|e| Val::List(e.get(positional..).unwrap_or_default().to_vec()));
                    env.insert(name.clone(), rest.unwrap_or_else(|| Val::opaque(name)));
                }
                first = false;
                continue;
            }
            let name_node = match p.kind() {
                "identifier" => Some(p),
                "typed_parameter" => p.named_child(0),
                _ => p.child_by_field_name("name"),
            };
            let Some(name_node) = name_node.filter(|n| n.kind() == "identifier") else {
                first = false;
                continue;
            };
            let name = self.text(name_node).to_string();
            if first && class.is_some() && (name == "self" || name == "cls") {
                env.insert(name, Val::Ext(Py::SelfRef));
                first = false;
                continue;
            }
            first = false;
            let passed = args.and_then(|a| {
                a.kw.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .or_else(|| a.pos.get(positional).cloned())
            });
            positional += 1;
            if let Some(Val::Opaque(o)) = &passed {
                faithful &= o.name == name;
            }
            let val = passed.unwrap_or_else(|| self.param_value(p, &name));
            env.insert(name, val);
        }
        (env, faithful)
    }

    /// An unbound parameter: typed as a Redis client, or opaque with its default.
    fn param_value(&mut self, p: Node<'a>, name: &str) -> Val {
        if let Some(ty) = p.child_by_field_name("type").map(|t| self.text(t)) {
            if let Some(c) = clients::from_annotation(ty) {
                return Val::Client(self.client(c));
            }
        }
        let mut o = Opaque {
            name: name.to_string(),
            ..Opaque::default()
        };
        if let Some(default) = p.child_by_field_name("value") {
            match self.eval(default) {
                Val::Str(s, _) => o.default = s.as_literal().map(<[u8]>::to_vec),
                Val::Int(n) => {
                    o.int_default = Some(n);
                    o.numeric = true;
                }
                Val::Bool(_) => {
                    o.numeric = true;
                    o.domain = Some(2);
                }
                _ => {}
            }
        }
        Val::Opaque(o)
    }

    /// Runs a function body on its own (recording), then flushes its pipelines.
    fn run_function(&mut self, def: Node<'a>, class: Option<ClassRef>, outer: &Env) {
        let (env, _) = self.function_env(def, class.as_ref(), outer, None);
        self.fn_level += 1;
        let saved_env = std::mem::replace(&mut self.env, env);
        let saved_class = std::mem::replace(&mut self.class, class);
        let saved_returns = std::mem::take(&mut self.returns);
        if let Some(body) = def.child_by_field_name("body") {
            self.exec_block(body);
        }
        self.flush_pipes();
        self.fn_level -= 1;
        self.env = saved_env;
        self.class = saved_class;
        self.returns = saved_returns;
    }

    /// Emits the groups of pipelines still holding ops.
    fn flush_pipes(&mut self) {
        self.m.flush(0);
    }
}
