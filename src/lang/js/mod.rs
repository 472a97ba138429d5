//! The JavaScript/TypeScript front-end (ioredis, node-redis): a tree-sitter
//! parse, then a small abstract interpreter over the module, each class and
//! each function body that tracks strings as key patterns, Redis clients,
//! pipelines and scripts, and has the toolkit's builder turn Redis calls
//! into ops and groups. Keys, clients and scripts are followed through
//! `this`, classes, option defaults and the project's other modules
//! (`require`, `import`, and what `tsc` emits).
//!
//! Files and functions here; modules and classes in `modules`, statements in
//! `stmts`, expressions in `exprs`, calls in `calls`, Redis commands in
//! `redis`, script calls in `scripts`, files the code reads in `files`,
//! client kinds and method names in `clients`.

mod calls;
mod clients;
mod exprs;
mod files;
mod modules;
mod redis;
mod scripts;
mod stmts;
#[cfg(test)]
mod tests;
mod value;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser};

use crate::lang::builder::Builder;
use crate::lang::modules::{Loader, State};
use crate::lang::walk::Blocks;
use crate::lang::Output;
use crate::lang::Problem;
use crate::model::Span;
use crate::project::Project;
use value::{Js, Lib, Literal, Opaque, Val};

/// A JavaScript or TypeScript front-end row, one per grammar (`D`: the
/// [`Dialect`] as its number).
const fn front_end<const D: u8>(
    name: &'static str,
    extensions: &'static [&'static str],
    editor_ids: &'static [&'static str],
    fences: &'static [&'static str],
) -> super::FrontEnd {
    super::FrontEnd {
        name,
        extensions,
        suffixes: &[],
        editor_ids,
        fences,
        comments: super::CommentSyntax::Code(&["//"]),
        prefilter,
        parse: |file, project| {
            let path = file.location.as_deref();
            Ok(parse_in(&file.text, Dialect::number(D), path, project))
        },
        reparse: Some(|file, project, old| {
            let path = file.location.as_deref();
            parse_incremental(&file.text, Dialect::number(D), path, project, old)
        }),
    }
}

/// JavaScript (ioredis, node-redis).
pub const JAVASCRIPT: super::FrontEnd = front_end::<{ Dialect::JavaScript as u8 }>(
    "javascript",
    &["js", "mjs", "cjs", "jsx"],
    &["javascript", "javascriptreact"],
    &["javascript", "js"],
);

/// TypeScript.
pub const TYPESCRIPT: super::FrontEnd = front_end::<{ Dialect::TypeScript as u8 }>(
    "typescript",
    &["ts", "mts", "cts"],
    &["typescript"],
    &["typescript", "ts"],
);

/// TypeScript with JSX.
pub const TSX: super::FrontEnd =
    front_end::<{ Dialect::Tsx as u8 }>("tsx", &["tsx"], &["typescriptreact"], &["tsx"]);

/// The client libraries and their calls.
fn prefilter(text: &[u8]) -> bool {
    static RE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"(?i:redis)|[Cc]luster|\.pipeline\(|\.multi\(")
            .expect("valid regex")
    });
    RE.is_match(text)
}

/// Nesting deeper than this (statements or expressions) is not followed.
const MAX_DEPTH: usize = 64;
/// Helper calls followed inside each other.
const MAX_CALL_DEPTH: usize = 3;
/// Files bigger than this are generated or bundled: skipped.
const MAX_FILE: usize = 1_000_000;
/// A line longer than this marks a minified file.
const MAX_LINE: usize = 10_000;

/// Which grammar reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Dialect {
    JavaScript,
    TypeScript,
    Tsx,
}

impl Dialect {
    /// The dialect of number `n` (`Dialect::Tsx as u8`).
    const fn number(n: u8) -> Dialect {
        match n {
            1 => Dialect::TypeScript,
            2 => Dialect::Tsx,
            _ => Dialect::JavaScript,
        }
    }

    /// The grammar of a file by its extension.
    fn of(path: &Path) -> Dialect {
        match path.extension().and_then(|e| e.to_str()) {
            Some("ts" | "mts" | "cts") => Dialect::TypeScript,
            Some("tsx") => Dialect::Tsx,
            _ => Dialect::JavaScript,
        }
    }
}

type Env = HashMap<String, Val>;

/// A call of a top-level function, memoized: the function, its class, the
/// place in the linted file, the call depth it starts at, its arguments.
type MemoKey = (usize, Option<usize>, Option<Span>, usize, String);

/// A command made with ioredis `defineCommand`.
#[derive(Debug, Clone)]
struct Defined {
    numkeys: Option<u32>,
    lua: Option<Literal>,
    /// The text is a file of its own (read by the code).
    file: bool,
    span: Span,
}

/// A function value: the module it is written in, its node, and the class
/// whose `this` it sees.
#[derive(Debug, Clone, Copy)]
struct FnDef<'a> {
    module: usize,
    node: Node<'a>,
    class: Option<usize>,
    /// Declared at a module's top level or as a method: it sees the module's
    /// bindings, not its caller's.
    top: bool,
}

/// A class: an ES class, or a constructor function with prototype methods.
struct Class<'a> {
    module: usize,
    /// The constructor: the `constructor` method, or the function itself.
    ctor: Option<Node<'a>>,
    /// What it `extends`.
    base: Option<Node<'a>>,
    /// Methods by name: the class body's, `C.prototype.m = …`, and
    /// `this.m = (…) => …` in the constructor.
    methods: Vec<(String, Node<'a>)>,
    /// Field definitions of the class body.
    fields: Vec<Node<'a>>,
    /// Its fields and every `this.x` its constructor assigns, once
    /// computed; then what methods assign, attribute by attribute.
    attrs: Option<Env>,
    /// The attributes whose assignments in methods are joined in.
    learned_attrs: HashSet<String>,
    /// The class of the project it extends, once found.
    #[allow(clippy::option_option)]
    extends: Option<Option<usize>>,
}

/// What an `import` binds a name to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Import {
    /// A Redis library or one of its exports (`import { Cluster } from 'ioredis'`).
    Lib(Lib),
    /// A module of the project (`import * as k from './keys'`).
    Module(PathBuf),
    /// A name exported by a module of the project (`import { k } from './keys'`).
    Name(PathBuf, String),
}

/// What a module exports under a name (ES modules; `exports.x` of `CommonJS` are bindings).
#[derive(Debug, Clone)]
enum Export<'a> {
    /// A binding of the module (`export const k`, `export { k as key }`).
    Local(String),
    /// A name of another module (`export { k } from './keys'`).
    From(PathBuf, String),
    /// An expression: `export default <expression>`, the getter tsc writes
    /// for a re-export (`Object.defineProperty(exports, "x", { get: … })`).
    Expr(Node<'a>),
}

/// What a module's text mentions, looked for once.
#[allow(clippy::struct_excessive_bools)]
struct Mentions {
    /// ioredis, node-redis.
    ioredis: bool,
    node_redis: bool,
    /// Hash slots (`calculateSlot`, `cluster-key-slot`): its functions that
    /// deal in slots batch their keys per slot.
    computes_slots: bool,
    /// Sentinel, and never a cluster: the clients it names reach standalone
    /// servers.
    sentinel: bool,
}

impl Mentions {
    /// ioredis, node-redis, as a pair.
    fn libs(&self) -> (bool, bool) {
        (self.ioredis, self.node_redis)
    }
}

/// A module the analysis reads: the linted file (index 0) or one it imports.
struct Module<'a> {
    /// Where it is on disk.
    path: Option<PathBuf>,
    src: &'a [u8],
    root: Node<'a>,
    /// What its text mentions.
    says: Mentions,
    /// Top-level function declarations by name.
    funcs: HashMap<String, Node<'a>>,
    /// Classes by name: indices into the analysis' classes.
    classes: HashMap<String, usize>,
    imports: HashMap<String, Import>,
    exports: HashMap<String, Export<'a>>,
    /// `export * from '…'`, `__exportStar(require('…'), exports)`.
    star_exports: Vec<PathBuf>,
    /// The project modules its code `require`s, as it runs.
    required: Vec<usize>,
    /// The module's top-level bindings.
    env: Env,
    state: State,
}

/// The interpreter state for one file.
struct Cx<'a> {
    /// The linted file's module, then the modules its imports led to.
    mods: Vec<Module<'a>>,
    /// The module whose code is being run.
    cur: usize,
    /// The modules and files read.
    files: Loader<'a>,
    /// While code of another module runs: the place in the linted file that
    /// led there, where every op and key made there is placed.
    site: Option<Span>,
    /// The expression of the linted file being evaluated.
    here: Span,
    /// Modules being loaded inside each other.
    loading: usize,
    /// The model being built.
    m: Builder<clients::ClientKind>,
    classes: Vec<Class<'a>>,
    /// Methods by node id: their class.
    method_class: HashMap<usize, usize>,
    /// Function values by node id.
    fns: HashMap<usize, FnDef<'a>>,
    /// Function bodies already run for their ops.
    ran: HashSet<usize>,
    /// Function bodies already run while learning a class's attributes.
    learned: HashSet<usize>,
    /// Learning a class's attributes: callbacks run too, nothing is recorded.
    learning: bool,
    env: Env,
    /// The class whose code runs (what `this` is).
    class: Option<usize>,
    defined: HashMap<String, Defined>,
    depth: usize,
    call_depth: usize,
    returns: Vec<Val>,
    /// Function values made while recording, run once at the end of the
    /// body that made them unless run before.
    pending: Vec<usize>,
    /// Inside a function that computes slots (`calculateSlot`): it batches
    /// its keys per slot itself.
    per_slot: bool,
    /// Inside a function that checks for a cluster and walks its nodes itself.
    cluster_aware: bool,
    /// Directories the code lists (`fs.readdirSync(dir)`).
    listed_dirs: Vec<PathBuf>,
    /// What calls of top-level functions gave, by function, class, place
    /// and arguments.
    memo: HashMap<MemoKey, Val>,
    /// Names modules were found not to export (a barrel of barrels is
    /// searched once per name).
    misses: HashSet<(usize, String)>,
    /// The Redis libraries each module uses, itself or through the project
    /// modules it imports (see [`Cx::libs_near`]).
    libs_near: HashMap<usize, (bool, bool)>,
    /// Function values a call gave back (`createEval(script, 1)` returns a
    /// function): the bindings they see, the call's.
    closures: HashMap<usize, Env>,
}

/// Reads a JavaScript or TypeScript file on its own. Never panics, whatever the bytes.
pub fn parse(source: &[u8], dialect: Dialect) -> Output {
    parse_in(source, dialect, None, &Project::new())
}

/// Reads a JavaScript or TypeScript file found at `path`, following its
/// imports into the modules of `project`. Never panics, whatever the bytes.
pub fn parse_in(source: &[u8], dialect: Dialect, path: Option<&Path>, project: &Project) -> Output {
    parse_incremental(source, dialect, path, project, None).0
}

/// [`parse_in`] for an editor: `old` is the tree of the text before its
/// latest edits, already told of them (`Tree::edit`), so that tree-sitter
/// parses again only what changed. Also returns the new tree.
pub fn parse_incremental(
    source: &[u8],
    dialect: Dialect,
    path: Option<&Path>,
    project: &Project,
    old: Option<&tree_sitter::Tree>,
) -> (Output, Option<tree_sitter::Tree>) {
    let mut out = Output::default();
    if let Some(why) = too_big(source) {
        out.problems.push(Problem {
            span: Span::new(0, 0),
            message: format!("{why}: looks generated or minified; skipped"),
        });
        return (out, None);
    }
    let Some(tree) = parse_tree(source, dialect, old) else {
        return (out, None);
    };
    let out = {
        let arena = typed_arena::Arena::new();
        let mut cx = Cx::new(Loader::new(project, &arena, modules::MAX_MODULES));
        cx.add_module(path.map(crate::project::normal), (source, tree.root_node()));
        cx.run();
        let mut out = cx.m.out;
        out.deps = cx.files.deps();
        out
    };
    (out, Some(tree))
}

fn parse_tree(
    source: &[u8],
    dialect: Dialect,
    old: Option<&tree_sitter::Tree>,
) -> Option<tree_sitter::Tree> {
    let mut parser = Parser::new();
    let language = match dialect {
        Dialect::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
    };
    parser.set_language(&language).ok()?;
    crate::budget::parse_tree(&mut parser, source, old)
}

/// Why a file is too big to be hand-written, if it is.
fn too_big(source: &[u8]) -> Option<String> {
    if source.len() > MAX_FILE {
        return Some(format!("file of {} bytes", source.len()));
    }
    let longest = source
        .split(|&b| b == b'\n')
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    (longest > MAX_LINE).then(|| format!("a line of {longest} characters"))
}

impl<'a> Cx<'a> {
    fn new(files: Loader<'a>) -> Self {
        Cx {
            mods: Vec::new(),
            cur: 0,
            files,
            site: None,
            here: Span::default(),
            loading: 0,
            m: Builder::default(),
            classes: Vec::new(),
            method_class: HashMap::new(),
            fns: HashMap::new(),
            ran: HashSet::new(),
            learned: HashSet::new(),
            learning: false,
            env: Env::new(),
            class: None,
            defined: HashMap::new(),
            depth: 0,
            call_depth: 0,
            returns: Vec::new(),
            pending: Vec::new(),
            per_slot: false,
            cluster_aware: false,
            listed_dirs: Vec::new(),
            memo: HashMap::new(),
            closures: HashMap::new(),
            misses: HashSet::new(),
            libs_near: HashMap::new(),
        }
    }

    /// The module whose code runs.
    fn md(&self) -> &Module<'a> {
        &self.mods[self.cur]
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        crate::lang::walk::text(self.mods[self.cur].src, node)
    }

    /// Where `node` is in the linted file: itself there, else the place
    /// that led to the module it is in.
    fn span(&self, node: Node<'_>) -> Span {
        if self.cur == 0 {
            Span::new(node.start_byte(), node.end_byte())
        } else {
            self.site.unwrap_or_default()
        }
    }

    /// The model index of a client of this kind (one per kind and file).
    fn client(&mut self, kind: clients::ClientKind) -> usize {
        self.named_client(kind, None)
    }

    /// Like [`Self::client`], one per receiver `name` for a client of unknown kind.
    fn named_client(&mut self, kind: clients::ClientKind, name: Option<&str>) -> usize {
        self.m.client(kind, kind.to_client(), name)
    }

    /// Runs the module body once to learn its bindings, then again recording,
    /// then every function and method of the file on its own.
    fn run(&mut self) {
        self.ready(0);
        self.m.recording = true;
        self.env = self.mods[0].env.clone();
        let root = self.mods[0].root;
        let pending = self.pending.len();
        self.block(root);
        self.run_pending(pending);
        self.flush_pipes(0);
        let mut defs: Vec<(Node<'a>, Option<usize>)> =
            self.mods[0].funcs.values().map(|n| (*n, None)).collect();
        for (i, c) in self.classes.iter().enumerate() {
            if c.module != 0 {
                continue;
            }
            defs.extend(c.ctor.map(|n| (n, Some(i))));
            defs.extend(c.methods.iter().map(|(_, n)| (*n, Some(i))));
        }
        defs.sort_by_key(|(n, _)| (n.start_byte(), n.end_byte()));
        defs.dedup_by_key(|(n, _)| n.id());
        // Helpers the file calls run after their callers: a call that hands
        // them a client records their commands with it.
        let src = self.mods[0].src;
        let called: Vec<bool> = defs
            .iter()
            .map(|(def, _)| {
                def.child_by_field_name("name")
                    .map(|n| crate::lang::walk::text(src, n))
                    .filter(|name| !name.is_empty())
                    .is_some_and(|name| {
                        let call = format!("{name}(");
                        memchr::memmem::find_iter(src, call.as_bytes()).count() > 1
                    })
            })
            .collect();
        let mut order: Vec<usize> = (0..defs.len()).collect();
        order.sort_by_key(|&i| called[i]);
        for i in order {
            let (def, class) = defs[i];
            self.run_function(def, class);
        }
    }

    /// Runs a function or method of the linted file on its own (recording), once.
    fn run_function(&mut self, def: Node<'a>, class: Option<usize>) {
        if !self.ran.insert(def.id()) {
            return;
        }
        let saved_env = std::mem::replace(&mut self.env, self.mods[0].env.clone());
        let saved_class = std::mem::replace(&mut self.class, class);
        let saved_returns = std::mem::take(&mut self.returns);
        self.run_body(def, None);
        self.env = saved_env;
        self.class = saved_class;
        self.returns = saved_returns;
    }

    /// Runs a function body in the current environment with its parameters
    /// bound, then the function values it made and left unrun, then flushes
    /// the pipelines it leaves open.
    fn run_body(&mut self, def: Node<'a>, args: Option<&[Val]>) {
        let saved_guard = (self.per_slot, self.cluster_aware);
        self.per_slot |= groups_by_slot(self.text(def))
            || (self.md().says.computes_slots
                && self.text(def).to_ascii_lowercase().contains("slot"));
        self.cluster_aware |= walks_nodes(self.text(def));
        let pipes_before = self.m.pipes.len();
        let pending = self.pending.len();
        self.bind_params(def, args);
        if let Some(body) = def.child_by_field_name("body") {
            if body.kind() == "statement_block" {
                self.block(body);
            } else {
                let v = self.eval(body);
                self.returns.push(v);
            }
        }
        self.run_pending(pending);
        // A pipeline the function gives back is the caller's to execute.
        let given: Vec<usize> = self
            .returns
            .iter()
            .filter_map(|v| match v {
                Val::Pipeline(p) => Some(*p),
                _ => None,
            })
            .collect();
        for i in pipes_before..self.m.pipes.len() {
            if !given.contains(&i) {
                self.execute_pipe(i);
            }
        }
        (self.per_slot, self.cluster_aware) = saved_guard;
    }

    /// Runs the function values made since `from` that nothing ran: their
    /// bodies see the bindings of the code that made them.
    fn run_pending(&mut self, from: usize) {
        while self.pending.len() > from {
            let Some(id) = self.pending.pop() else {
                break;
            };
            let Some(f) = self.fns.get(&id).copied() else {
                continue;
            };
            if !self.m.recording || f.module != self.cur || !self.ran.insert(id) {
                continue;
            }
            let saved_class = {
                let c = f.class.or(self.class);
                std::mem::replace(&mut self.class, c)
            };
            self.run_nested(f.node, None);
            self.class = saved_class;
        }
    }

    /// Executes the pipelines from index `from` on (those a body left open).
    fn flush_pipes(&mut self, from: usize) {
        for i in from..self.m.pipes.len() {
            self.execute_pipe(i);
        }
    }

    /// A function value for `node`, written in the running module.
    fn func(&mut self, node: Node<'a>) -> Val {
        let module = self.cur;
        let class = self.method_class.get(&node.id()).copied().or(self.class);
        let top = self.method_class.contains_key(&node.id())
            || node
                .parent()
                .is_some_and(|p| matches!(p.kind(), "program" | "export_statement"));
        self.fns.entry(node.id()).or_insert(FnDef {
            module,
            node,
            class,
            top,
        });
        // Declarations and methods run on their own; a function value made
        // here runs at the end of the body that made it.
        let declared = matches!(
            node.kind(),
            "function_declaration" | "generator_function_declaration"
        ) || self.method_class.contains_key(&node.id());
        if self.m.recording && !declared {
            self.pending.push(node.id());
        }
        Val::Ext(Js::Func(node.id()))
    }
}

/// Whether code computes hash slots to group keys (`calculateSlot`,
/// `cluster-key-slot`, a `getSlot` helper): its batches are per slot by design.
fn groups_by_slot(text: &str) -> bool {
    [
        "calculateSlot",
        "cluster-key-slot",
        "keySlot(",
        "getSlot(",
        "slotOf(",
        "clusterKeySlot",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// Whether code checks for a cluster and reaches its nodes one by one
/// (`"masters" in client`, `cluster.nodes()`, `nodeClient`): a client of
/// unknown kind there is used for one node at a time.
fn walks_nodes(text: &str) -> bool {
    ["masters", ".nodes(", "nodeClient", "isCluster"]
        .iter()
        .any(|w| text.contains(w))
        // `instanceof Cluster`, `instanceof ioredis_1.Cluster`
        || text.match_indices("instanceof ").any(|(at, w)| {
            let rest = &text[at + w.len()..];
            let name: &str = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
                .next()
                .unwrap_or("");
            name.ends_with("Cluster")
        })
}

/// The Redis library a module name is.
fn module_lib(module: &str) -> Option<Lib> {
    match module {
        "ioredis" => Some(Lib::IoRedis),
        "redis" | "@redis/client" | "@node-redis/client" => Some(Lib::NodeRedis),
        _ => None,
    }
}

/// A named export of a Redis library.
fn member_of_lib(lib: Lib, name: &str) -> Option<Lib> {
    match (lib, name) {
        (Lib::IoRedis, "Cluster") => Some(Lib::IoCluster),
        (Lib::IoRedis, "Redis" | "default") => Some(Lib::IoRedis),
        (Lib::NodeRedis, "default") => Some(Lib::NodeRedis),
        (Lib::NodeRedis, "createClient") => Some(Lib::CreateClient),
        (Lib::NodeRedis, "createCluster") => Some(Lib::CreateCluster),
        _ => None,
    }
}

/// An opaque value named `name` with the string or number default of `d`.
fn with_default(name: String, d: &Val) -> Val {
    let mut o = Opaque {
        name,
        ..Opaque::default()
    };
    match d {
        Val::Str(s, _) => o.default = s.as_literal().map(<[u8]>::to_vec),
        Val::Int(n) => {
            o.int_default = Some(*n);
            o.numeric = true;
        }
        Val::Opaque(p) => {
            o.default.clone_from(&p.default);
            o.int_default = p.int_default;
            o.numeric = p.numeric;
        }
        _ => {}
    }
    Val::Opaque(o)
}
