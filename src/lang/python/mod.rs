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
mod pipes;
mod scripts;
mod stmts;
mod strings;
#[cfg(test)]
mod tests;
mod value;

use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::{Node, Parser};

use super::redis_cli::Output;
use crate::lang::holes::ClientTable;
use crate::model::{GroupKind, Span};
use value::{Opaque, Val};

/// Nesting deeper than this (statements or expressions) is not followed.
const MAX_DEPTH: usize = 96;
/// Same-file helper calls followed inside each other.
const MAX_CALL_DEPTH: usize = 3;

type Env = HashMap<String, Val>;

/// A class defined in the file.
struct Class<'a> {
    bases: Vec<String>,
    attrs: Env,
    node: Node<'a>,
}

/// A pipeline being filled.
#[derive(Debug, Clone)]
struct Pipe {
    client: Option<usize>,
    kind: GroupKind,
    span: Span,
    ops: Vec<usize>,
    /// WATCH ops, and the ops run right away while watching (before MULTI).
    watch_ops: Vec<usize>,
    /// After WATCH and before MULTI, commands run immediately.
    immediate: bool,
}

/// The interpreter state for one file.
struct Cx<'a> {
    src: &'a [u8],
    out: Output,
    /// Import alias → qualified name (`rc` → `redis.cluster.RedisCluster`).
    imports: HashMap<String, String>,
    imports_redis: bool,
    /// Module functions by name, methods by `Class.name`.
    funcs: HashMap<String, Node<'a>>,
    classes: HashMap<String, Class<'a>>,
    module_env: Env,
    env: Env,
    class: Option<String>,
    pipes: Vec<Pipe>,
    depth: usize,
    call_depth: usize,
    recording: bool,
    returns: Vec<Val>,
    /// Whether a local bound to an opaque value takes the local's name.
    rename_locals: bool,
    /// The clients met so far, with the kind of each.
    clients: ClientTable<clients::ClientKind>,
    /// How many function bodies are being run inside each other.
    fn_level: usize,
    op_ids: HashMap<(usize, usize, String), usize>,
}

/// Reads a Python file. Never panics, whatever the bytes.
pub fn parse(source: &[u8]) -> Output {
    parse_incremental(source, None).0
}

/// [`parse`] for an editor: `old` is the tree of the text before its
/// latest edits, already told of them (`Tree::edit`), so that tree-sitter
/// parses again only what changed. Also returns the new tree.
pub fn parse_incremental(
    source: &[u8],
    old: Option<&tree_sitter::Tree>,
) -> (Output, Option<tree_sitter::Tree>) {
    if !mentions_redis(source) {
        return (Output::default(), None);
    }
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return (Output::default(), None);
    }
    let Some(tree) = parser.parse(source, old) else {
        return (Output::default(), None);
    };
    let out = {
        let mut cx = Cx::new(source);
        cx.run(tree.root_node());
        cx.out
    };
    (out, Some(tree))
}

/// The cheap prefilter: a file that never mentions Redis-ish tokens has no
/// Redis calls worth a parse.
fn mentions_redis(source: &[u8]) -> bool {
    static RE: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        regex::bytes::Regex::new(
            r"(?i)redis|pipeline\(|execute_command|register_script|\.eval(sha)?\(|\.mget\(|\.hset\(",
        )
        .ok()
    })
    .as_ref()
    .is_none_or(|re| re.is_match(source))
}

impl<'a> Cx<'a> {
    fn new(src: &'a [u8]) -> Self {
        Cx {
            src,
            out: Output::default(),
            imports: HashMap::new(),
            imports_redis: false,
            funcs: HashMap::new(),
            classes: HashMap::new(),
            module_env: Env::new(),
            env: Env::new(),
            class: None,
            pipes: Vec::new(),
            depth: 0,
            call_depth: 0,
            recording: false,
            returns: Vec::new(),
            rename_locals: true,
            clients: ClientTable::default(),
            fn_level: 0,
            op_ids: HashMap::new(),
        }
    }

    fn text(&self, node: Node<'_>) -> &'a str {
        std::str::from_utf8(&self.src[node.byte_range()]).unwrap_or("")
    }

    fn span(node: Node<'_>) -> Span {
        Span::new(node.start_byte(), node.end_byte())
    }

    /// Two passes: collect imports, functions, classes and module constants
    /// without recording; then run the module body and every function.
    fn run(&mut self, root: Node<'a>) {
        self.collect(root, None, 0);
        self.exec_block(root);
        self.module_env = std::mem::take(&mut self.env);
        let class_names: Vec<String> = self.classes.keys().cloned().collect();
        for name in class_names {
            let Some(node) = self.classes.get(&name).map(|c| c.node) else {
                continue;
            };
            self.class_attrs(&name, node);
        }
        self.recording = true;
        self.env = self.module_env.clone();
        self.exec_block(root);
        self.flush_pipes();
        let mut defs: Vec<(String, Node<'a>)> =
            self.funcs.iter().map(|(k, v)| (k.clone(), *v)).collect();
        defs.sort_by_key(|(_, n)| n.start_byte());
        for (name, def) in defs {
            let class = name.split_once('.').map(|(c, _)| c.to_string());
            let outer = self.module_env.clone();
            self.run_function(def, class, &outer);
        }
    }

    /// Records functions, classes and imports, through nested blocks.
    fn collect(&mut self, node: Node<'a>, class: Option<&str>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "import_statement" | "import_from_statement" => self.import(child),
                "decorated_definition" => {
                    if let Some(def) = child.child_by_field_name("definition") {
                        self.collect_def(def, class, depth);
                    }
                }
                "function_definition" | "class_definition" => {
                    self.collect_def(child, class, depth);
                }
                // Each child once: following a field as well would double the
                // work at every nesting level.
                "if_statement" | "try_statement" | "block" | "else_clause" | "except_clause"
                | "finally_clause" | "elif_clause" | "with_statement" => {
                    self.collect(child, class, depth + 1);
                }
                _ => {}
            }
        }
    }

    fn collect_def(&mut self, def: Node<'a>, class: Option<&str>, depth: usize) {
        let Some(name) = def.child_by_field_name("name").map(|n| self.text(n)) else {
            return;
        };
        if def.kind() == "class_definition" {
            let bases = def
                .child_by_field_name("superclasses")
                .map(|s| {
                    let mut c = s.walk();
                    s.named_children(&mut c)
                        .map(|b| self.text(b).rsplit('.').next().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            self.classes.insert(
                name.to_string(),
                Class {
                    bases,
                    attrs: Env::new(),
                    node: def,
                },
            );
            if let Some(body) = def.child_by_field_name("body") {
                self.collect(body, Some(name), depth + 1);
            }
        } else if depth == 0 || class.is_some() {
            let key = class.map_or_else(|| name.to_string(), |c| format!("{c}.{name}"));
            self.funcs.entry(key).or_insert(def);
        }
    }

    fn import(&mut self, node: Node<'a>) {
        let text = self.text(node);
        let module = node
            .child_by_field_name("module_name")
            .map(|m| self.text(m).to_string());
        let mut cursor = node.walk();
        for name in node.children_by_field_name("name", &mut cursor) {
            let (full, alias) = if name.kind() == "aliased_import" {
                let n = name
                    .child_by_field_name("name")
                    .map_or("", |n| self.text(n));
                let a = name
                    .child_by_field_name("alias")
                    .map_or(n, |a| self.text(a));
                (n, a)
            } else {
                let n = self.text(name);
                (n, n.split('.').next().unwrap_or(n))
            };
            let qualified = match &module {
                Some(m) => format!("{m}.{full}"),
                None if name.kind() == "aliased_import" => full.to_string(),
                None => alias.to_string(),
            };
            if qualified.starts_with("redis")
                || qualified.starts_with("rediscluster")
                || qualified.starts_with("aioredis")
            {
                self.imports_redis = true;
                self.imports.insert(alias.to_string(), qualified);
            }
        }
        if text.contains("redis") {
            self.imports_redis = true;
        }
    }

    /// Class-level assignments, then `self.x = …` in `__init__`.
    fn class_attrs(&mut self, name: &str, node: Node<'a>) {
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        let saved = std::mem::replace(&mut self.env, self.module_env.clone());
        let saved_class = self.class.replace(name.to_string());
        let mut cursor = body.walk();
        for stmt in body.named_children(&mut cursor) {
            if stmt.kind() == "expression_statement" {
                self.exec_stmt(stmt);
            }
        }
        let mut attrs: Env = std::mem::take(&mut self.env)
            .into_iter()
            .filter(|(k, _)| !self.module_env.contains_key(k))
            .collect();
        if let Some(c) = self.classes.get_mut(name) {
            c.attrs.clone_from(&attrs);
        }
        if let Some(init) = self.funcs.get(&format!("{name}.__init__")).copied() {
            let outer = self.module_env.clone();
            let recording = std::mem::replace(&mut self.recording, false);
            let (env, _) = self.function_env(init, Some(name.to_string()), &outer, None);
            self.env = env;
            if let Some(b) = init.child_by_field_name("body") {
                self.exec_block(b);
            }
            self.recording = recording;
            for (k, v) in std::mem::take(&mut self.env) {
                if let Some(attr) = k.strip_prefix("self.") {
                    attrs.insert(attr.to_string(), v);
                }
            }
        }
        if let Some(c) = self.classes.get_mut(name) {
            c.attrs = attrs;
        }
        self.env = saved;
        self.class = saved_class;
    }

    /// A class attribute, looked up through same-file base classes.
    fn class_attr(&self, class: &str, attr: &str) -> Option<Val> {
        let mut current = class.to_string();
        for _ in 0..8 {
            let c = self.classes.get(&current)?;
            if let Some(v) = c.attrs.get(attr) {
                return Some(v.clone());
            }
            current = c.bases.first()?.clone();
        }
        None
    }

    /// A method, looked up through same-file base classes.
    fn method(&self, class: &str, name: &str) -> Option<(String, Node<'a>)> {
        let mut current = class.to_string();
        for _ in 0..8 {
            if let Some(f) = self.funcs.get(&format!("{current}.{name}")) {
                return Some((current, *f));
            }
            current.clone_from(self.classes.get(&current)?.bases.first()?);
        }
        None
    }

    /// The environment a function body starts with: parameters bound to the
    /// arguments when called, else to opaque values named after them; and
    /// whether every argument keeps its parameter's name (so that locals may
    /// be named after themselves).
    fn function_env(
        &mut self,
        def: Node<'a>,
        class: Option<String>,
        outer: &Env,
        args: Option<&calls::Args<'a>>,
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
                env.insert(name, Val::SelfRef);
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
    fn run_function(&mut self, def: Node<'a>, class: Option<String>, outer: &Env) {
        let (env, _) = self.function_env(def, class.clone(), outer, None);
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
        for i in 0..self.pipes.len() {
            self.execute_pipe(i, None);
        }
    }
}
