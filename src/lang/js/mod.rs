//! The JavaScript/TypeScript front-end (ioredis, node-redis): a tree-sitter
//! parse, then a small abstract interpreter over the module, each class and
//! each function body that tracks strings as key patterns, Redis clients,
//! pipelines and scripts, and has the toolkit's builder turn Redis calls
//! into ops and groups.
//!
//! Modules, classes and functions here; statements in `stmts`, expressions
//! in `exprs`, Redis calls in `calls` (script calls in `ops`), client kinds
//! and method names in `clients`.

mod calls;
mod clients;
mod exprs;
mod ops;
mod stmts;
#[cfg(test)]
mod tests;
mod value;

use std::collections::{HashMap, HashSet};

use tree_sitter::{Node, Parser};

use crate::lang::builder::Builder;
use crate::lang::walk::Blocks;
use crate::lang::Output;
use crate::lang::Problem;
use crate::model::Span;
use value::{Lib, Literal, Val};

/// A JavaScript or TypeScript front-end row, one per grammar.
const fn front_end(
    name: &'static str,
    extensions: &'static [&'static str],
    editor_ids: &'static [&'static str],
    fences: &'static [&'static str],
    parse: fn(&crate::source::SourceFile, &crate::project::Project) -> Result<Output, String>,
    reparse: super::Reparse,
) -> super::FrontEnd {
    super::FrontEnd {
        name,
        extensions,
        suffixes: &[],
        editor_ids,
        fences,
        comments: super::CommentSyntax::Code(&["//"]),
        prefilter,
        parse,
        reparse: Some(reparse),
    }
}

/// JavaScript (ioredis, node-redis).
pub const JAVASCRIPT: super::FrontEnd = front_end(
    "javascript",
    &["js", "mjs", "cjs", "jsx"],
    &["javascript", "javascriptreact"],
    &["javascript", "js"],
    |file, _| Ok(parse(&file.text, Dialect::JavaScript)),
    |file, _, old| parse_incremental(&file.text, Dialect::JavaScript, old),
);

/// TypeScript.
pub const TYPESCRIPT: super::FrontEnd = front_end(
    "typescript",
    &["ts", "mts", "cts"],
    &["typescript"],
    &["typescript", "ts"],
    |file, _| Ok(parse(&file.text, Dialect::TypeScript)),
    |file, _, old| parse_incremental(&file.text, Dialect::TypeScript, old),
);

/// TypeScript with JSX.
pub const TSX: super::FrontEnd = front_end(
    "tsx",
    &["tsx"],
    &["typescriptreact"],
    &["tsx"],
    |file, _| Ok(parse(&file.text, Dialect::Tsx)),
    |file, _, old| parse_incremental(&file.text, Dialect::Tsx, old),
);

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
/// Same-file helper calls followed inside each other.
const MAX_CALL_DEPTH: usize = 3;
/// Files bigger than this are generated or bundled: skipped.
const MAX_FILE: usize = 1_000_000;
/// A line longer than this marks a minified file.
const MAX_LINE: usize = 10_000;

/// Which grammar reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    JavaScript,
    TypeScript,
    Tsx,
}

type Env = HashMap<String, Val>;

/// A command made with ioredis `defineCommand`.
#[derive(Debug, Clone)]
struct Defined {
    numkeys: Option<u32>,
    lua: Option<Literal>,
    span: Span,
}

/// The interpreter state for one file.
#[allow(clippy::struct_excessive_bools)]
struct Cx<'a> {
    src: &'a [u8],
    /// The model being built.
    m: Builder<clients::ClientKind>,
    ioredis: bool,
    node_redis: bool,
    funcs: HashMap<String, Node<'a>>,
    /// Function values by node id.
    fn_nodes: HashMap<usize, Node<'a>>,
    /// Function bodies already run for their ops.
    ran: HashSet<usize>,
    /// `this.x` bindings of each class, from its constructor and fields.
    class_envs: HashMap<String, Env>,
    module_env: Env,
    env: Env,
    defined: HashMap<String, Defined>,
    depth: usize,
    call_depth: usize,
    returns: Vec<Val>,
    /// Inside a function that computes slots (`calculateSlot`): it batches
    /// its keys per slot itself.
    per_slot: bool,
    /// Inside a function that checks for a cluster and walks its nodes itself.
    cluster_aware: bool,
}

/// Reads a JavaScript or TypeScript file. Never panics, whatever the bytes.
pub fn parse(source: &[u8], dialect: Dialect) -> Output {
    parse_incremental(source, dialect, None).0
}

/// [`parse`] for an editor: `old` is the tree of the text before its
/// latest edits, already told of them (`Tree::edit`), so that tree-sitter
/// parses again only what changed. Also returns the new tree.
pub fn parse_incremental(
    source: &[u8],
    dialect: Dialect,
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
    let mut parser = Parser::new();
    let language = match dialect {
        Dialect::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Dialect::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Dialect::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
    };
    if parser.set_language(&language).is_err() {
        return (out, None);
    }
    let Some(tree) = parser.parse(source, old) else {
        return (out, None);
    };
    let out = {
        let mut cx = Cx::new(source);
        cx.run(tree.root_node());
        cx.m.out
    };
    (out, Some(tree))
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
    fn new(src: &'a [u8]) -> Self {
        let has = |needle: &str| src.windows(needle.len()).any(|w| w == needle.as_bytes());
        Cx {
            src,
            m: Builder::default(),
            ioredis: has("ioredis"),
            node_redis: has("'redis'")
                || has("\"redis\"")
                || has("@redis/")
                || has("createCluster"),
            funcs: HashMap::new(),
            fn_nodes: HashMap::new(),
            ran: HashSet::new(),
            class_envs: HashMap::new(),
            module_env: Env::new(),
            env: Env::new(),
            defined: HashMap::new(),
            depth: 0,
            call_depth: 0,
            returns: Vec::new(),
            per_slot: false,
            cluster_aware: false,
        }
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        std::str::from_utf8(self.src.get(node.byte_range()).unwrap_or(&[])).unwrap_or("")
    }

    fn span(node: Node<'_>) -> Span {
        Span::new(node.start_byte(), node.end_byte())
    }

    /// The model index of a client of this kind (one per kind and file).
    fn client(&mut self, kind: clients::ClientKind) -> usize {
        self.named_client(kind, None)
    }

    /// Like [`Self::client`], one per receiver `name` for a client of unknown kind.
    fn named_client(&mut self, kind: clients::ClientKind, name: Option<&str>) -> usize {
        self.m.client(kind, kind.to_client(), name)
    }

    /// Collects functions and classes; runs the module body once to learn its
    /// constants and clients, then each constructor; then records ops from the
    /// module body and every function and method.
    fn run(&mut self, root: Node<'a>) {
        self.collect(root, 0);
        self.block(root);
        self.module_env = std::mem::take(&mut self.env);
        let mut classes: Vec<(String, Node<'a>)> = self
            .funcs
            .iter()
            .filter(|(k, n)| !k.contains('.') && is_class(**n))
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        classes.sort_by_key(|(_, n)| n.start_byte());
        for (name, node) in classes {
            self.class_env(&name, node);
        }
        self.m.recording = true;
        self.env = self.module_env.clone();
        self.block(root);
        self.flush_pipes(0);
        let mut defs: Vec<(String, Node<'a>)> = self
            .funcs
            .iter()
            .filter(|(_, n)| !is_class(**n))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        defs.sort_by_key(|(_, n)| n.start_byte());
        for (name, def) in defs {
            let class = name.split_once('.').map(|(c, _)| c.to_string());
            self.run_function(def, class.as_deref());
        }
    }

    /// Records top-level functions, classes and their methods.
    fn collect(&mut self, node: Node<'a>, depth: usize) {
        if depth > 4 {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "export_statement" => self.collect(child, depth + 1),
                "function_declaration" | "generator_function_declaration" => {
                    if let Some(name) = child.child_by_field_name("name") {
                        self.funcs.insert(self.text(name).to_string(), child);
                    }
                }
                "class_declaration" | "abstract_class_declaration" | "class" => {
                    let Some(name) = child
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_string())
                    else {
                        continue;
                    };
                    self.funcs.insert(name.clone(), child);
                    let Some(body) = child.child_by_field_name("body") else {
                        continue;
                    };
                    let mut c = body.walk();
                    for m in body.named_children(&mut c) {
                        if m.kind() == "method_definition" {
                            if let Some(mname) = m.child_by_field_name("name") {
                                self.funcs.insert(format!("{name}.{}", self.text(mname)), m);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `this.x` bindings from field definitions and the constructor.
    fn class_env(&mut self, name: &str, node: Node<'a>) {
        let saved = std::mem::replace(&mut self.env, self.module_env.clone());
        if let Some(body) = node.child_by_field_name("body") {
            let mut c = body.walk();
            for m in body.named_children(&mut c) {
                if matches!(m.kind(), "field_definition" | "public_field_definition") {
                    let prop = m
                        .child_by_field_name("property")
                        .or_else(|| m.child_by_field_name("name"));
                    if let (Some(p), Some(v)) = (prop, m.child_by_field_name("value")) {
                        let val = self.eval(v);
                        self.env.insert(format!("this.{}", self.text(p)), val);
                    }
                }
            }
        }
        if let Some(ctor) = self.funcs.get(&format!("{name}.constructor")).copied() {
            self.bind_params(ctor, None);
            if let Some(b) = ctor.child_by_field_name("body") {
                self.block(b);
            }
        }
        let env: Env = std::mem::take(&mut self.env)
            .into_iter()
            .filter(|(k, _)| k.starts_with("this."))
            .collect();
        self.class_envs.insert(name.to_string(), env);
        self.env = saved;
    }

    /// Binds a function's parameters: to the arguments when called, else to
    /// opaque values named after them (or clients, by their type).
    fn bind_params(&mut self, def: Node<'a>, args: Option<&[Val]>) {
        let params = def
            .child_by_field_name("parameters")
            .or_else(|| def.child_by_field_name("parameter"));
        let Some(params) = params else {
            return;
        };
        let list: Vec<Node<'a>> = if params.kind() == "identifier" {
            vec![params]
        } else {
            let mut c = params.walk();
            params.named_children(&mut c).collect()
        };
        for (i, p) in list.into_iter().enumerate() {
            let (pattern, default) = match p.kind() {
                "required_parameter" | "optional_parameter" => (
                    p.child_by_field_name("pattern"),
                    p.child_by_field_name("value"),
                ),
                "assignment_pattern" => (
                    p.child_by_field_name("left"),
                    p.child_by_field_name("right"),
                ),
                _ => (Some(p), None),
            };
            let Some(pattern) = pattern else { continue };
            let passed = args.and_then(|a| a.get(i).cloned());
            let val = match passed {
                Some(v) => v,
                None => self.param_value(p, pattern, default),
            };
            if pattern.kind() == "identifier" {
                let name = self.text(pattern).to_string();
                let mut c = p.walk();
                if p.named_children(&mut c)
                    .any(|n| n.kind() == "accessibility_modifier")
                {
                    self.env.insert(format!("this.{name}"), val.clone());
                }
                self.env.insert(name, val);
            } else {
                self.bind_opaque(pattern);
            }
        }
    }

    fn param_value(&mut self, p: Node<'a>, pattern: Node<'a>, default: Option<Node<'a>>) -> Val {
        if let Some(ty) = p.child_by_field_name("type") {
            if let Some(kind) = clients::from_annotation(self.text(ty), self.ioredis) {
                return Val::Client(self.client(kind));
            }
        }
        let name = self.text(pattern).to_string();
        let mut o = value::Opaque {
            name,
            ..value::Opaque::default()
        };
        if let Some(d) = default {
            match self.eval(d) {
                Val::Str(s, _) => o.default = s.as_literal().map(<[u8]>::to_vec),
                Val::Int(_) => o.numeric = true,
                _ => {}
            }
        }
        Val::Opaque(o)
    }

    /// Runs a function or method body on its own (recording), once.
    fn run_function(&mut self, def: Node<'a>, class: Option<&str>) {
        if !self.ran.insert(def.id()) {
            return;
        }
        let mut env = self.module_env.clone();
        if let Some(c) = class.and_then(|c| self.class_envs.get(c)) {
            env.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let saved_env = std::mem::replace(&mut self.env, env);
        self.run_body(def, None);
        self.env = saved_env;
    }

    /// Runs a function body in the current environment with its parameters
    /// bound, flushing the pipelines it leaves open.
    fn run_body(&mut self, def: Node<'a>, args: Option<&[Val]>) {
        let saved_guard = (self.per_slot, self.cluster_aware);
        self.per_slot |= groups_by_slot(self.text(def));
        self.cluster_aware |= walks_nodes(self.text(def));
        let pipes_before = self.m.pipes.len();
        self.bind_params(def, args);
        if let Some(body) = def.child_by_field_name("body") {
            if body.kind() == "statement_block" {
                self.block(body);
            } else {
                self.eval(body);
            }
        }
        self.flush_pipes(pipes_before);
        (self.per_slot, self.cluster_aware) = saved_guard;
    }

    /// Executes the pipelines from index `from` on (those a body left open).
    fn flush_pipes(&mut self, from: usize) {
        for i in from..self.m.pipes.len() {
            self.execute_pipe(i);
        }
    }
}

fn is_class(n: Node<'_>) -> bool {
    matches!(
        n.kind(),
        "class_declaration" | "abstract_class_declaration" | "class"
    )
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
    [
        "masters",
        ".nodes(",
        "nodeClient",
        "isCluster",
        "instanceof Cluster",
    ]
    .iter()
    .any(|w| text.contains(w))
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
        (Lib::NodeRedis, "createClient") => Some(Lib::CreateClient),
        (Lib::NodeRedis, "createCluster") => Some(Lib::CreateCluster),
        _ => None,
    }
}
