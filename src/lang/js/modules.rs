//! Modules and classes across files: what a module defines (functions,
//! classes, imports, exports), its top-level bindings (run once, on first
//! use), `require`/`import` specifiers resolved to the project's files the
//! way Node and TypeScript find them, names looked up through `CommonJS`
//! exports, ES exports, re-exports and what `tsc` emits, and classes (ES
//! classes and constructor functions) with their methods and attributes,
//! inherited through `extends`.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::value::{Js, Val};
use super::{Class, Cx, Dialect, Env, Export, Import, Module};
use crate::lang::modules::State;
use crate::lang::walk::{children, Blocks};

/// Most modules one analysis reads.
pub(super) const MAX_MODULES: usize = 64;
/// Modules loaded inside each other (one's top level needing the next).
const MAX_LOADING: usize = 8;
/// Base classes followed from a class.
const MAX_BASES: usize = 8;
/// What a specifier may leave out: extensions, then index files.
const EXTENSIONS: &[&str] = &["js", "ts", "tsx", "mjs", "cjs", "mts", "cts", "jsx", "json"];

impl<'a> Cx<'a> {
    /// Adds a module (its text and syntax tree) and records what it
    /// defines; returns its index.
    pub(super) fn add_module(
        &mut self,
        path: Option<PathBuf>,
        parsed: (&'a [u8], Node<'a>),
    ) -> usize {
        let (src, root) = parsed;
        let has = |needle: &str| memchr::memmem::find(src, needle.as_bytes()).is_some();
        self.mods.push(Module {
            path: path.clone(),
            src,
            root,
            says: super::Mentions {
                ioredis: has("ioredis"),
                node_redis: has("'redis'")
                    || has("\"redis\"")
                    || has("@redis/")
                    || has("createCluster"),
                computes_slots: has("calculateSlot")
                    || has("cluster-key-slot")
                    || has("clusterKeySlot")
                    || has("KEYSLOT")
                    || has("keyslot"),
                sentinel: (has("sentinel") || has("Sentinel")) && !has("luster"),
            },
            funcs: std::collections::HashMap::new(),
            classes: std::collections::HashMap::new(),
            imports: std::collections::HashMap::new(),
            exports: std::collections::HashMap::new(),
            star_exports: Vec::new(),
            required: Vec::new(),
            env: Env::new(),
            state: State::Fresh,
        });
        let index = self.mods.len() - 1;
        if let Some(path) = path {
            self.files.record(path, index);
        }
        let saved = std::mem::replace(&mut self.cur, index);
        self.collect(root);
        self.cur = saved;
        index
    }

    /// Whether a module uses ioredis and node-redis: itself, or through a
    /// module of the project it imports (a wrapper such as `./redis` that
    /// makes the clients). Either makes a receiver named like a client
    /// (`client`, `conn`) a Redis client when a Redis command is called on it.
    pub(super) fn libs_near(&mut self, module: usize) -> (bool, bool) {
        let either = |a: (bool, bool), b: (bool, bool)| (a.0 || b.0, a.1 || b.1);
        let m = &self.mods[module];
        let mut out = m
            .required
            .iter()
            .map(|&i| self.mods[i].says.libs())
            .fold(m.says.libs(), either);
        if out != (false, false) {
            return out;
        }
        if let Some(&known) = self.libs_near.get(&module) {
            return known;
        }
        // ES imports are known before the code runs: looked at once.
        let mut paths: Vec<PathBuf> = self.mods[module]
            .imports
            .values()
            .filter_map(|i| match i {
                Import::Module(p) | Import::Name(p, _) => Some(p.clone()),
                Import::Lib(_) => None,
            })
            .collect();
        paths.sort();
        paths.dedup();
        for path in paths {
            if let Some(i) = self.load(&path) {
                out = either(out, self.mods[i].says.libs());
            }
        }
        self.libs_near.insert(module, out);
        out
    }

    /// The module at `path`, loaded through the project on first use.
    pub(super) fn load(&mut self, path: &Path) -> Option<usize> {
        if self.files.tried(path) {
            return self.files.index(path);
        }
        let dialect = Dialect::of(path);
        let parsed = self
            .files
            .parse(path, "javascript", self.mods.len(), |text| {
                if super::too_big(text).is_some() {
                    return None;
                }
                super::parse_tree(text, dialect, None)
            })?;
        Some(self.add_module(Some(path.to_path_buf()), parsed))
    }

    /// Runs a module's top level for its bindings, once, without recording.
    pub(super) fn ready(&mut self, module: usize) {
        if self.mods[module].state != State::Fresh || self.loading >= MAX_LOADING {
            return;
        }
        self.mods[module].state = State::Running;
        self.loading += 1;
        let saved_site = self.enter(module);
        let saved_cur = std::mem::replace(&mut self.cur, module);
        let saved_env = std::mem::take(&mut self.env);
        let saved_class = self.class.take();
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_recording = std::mem::replace(&mut self.m.recording, false);
        let root = self.mods[module].root;
        self.block(root);
        self.mods[module].env = std::mem::replace(&mut self.env, saved_env);
        self.mods[module].state = State::Ready;
        self.cur = saved_cur;
        self.site = saved_site;
        self.class = saved_class;
        self.returns = saved_returns;
        self.m.recording = saved_recording;
        self.loading -= 1;
    }

    /// Code of `module` is about to run: from the linted file, what it makes
    /// is placed where the linted file is being evaluated. Returns the site
    /// to restore.
    pub(super) fn enter(&mut self, module: usize) -> Option<crate::model::Span> {
        let saved = self.site;
        if self.cur == 0 && module != 0 {
            self.site = Some(self.here);
        }
        saved
    }

    /// Records functions, classes, imports and exports of the running module.
    fn collect(&mut self, root: Node<'a>) {
        for child in children(root) {
            let decl = match child.kind() {
                "export_statement" => {
                    self.collect_export(child);
                    child.child_by_field_name("declaration")
                }
                _ => Some(child),
            };
            let Some(decl) = decl else { continue };
            match decl.kind() {
                "import_statement" => self.collect_import(decl),
                "function_declaration" | "generator_function_declaration" => {
                    if let Some(name) = decl.child_by_field_name("name") {
                        let name = self.text(name).to_string();
                        self.mods[self.cur].funcs.insert(name, decl);
                    }
                }
                "class_declaration" | "abstract_class_declaration" => {
                    if let Some(name) = decl.child_by_field_name("name") {
                        let name = self.text(name).to_string();
                        self.add_class(name, decl);
                    }
                }
                "expression_statement" => self.collect_export_star(decl),
                "lexical_declaration" | "variable_declaration" => {
                    // `const X = class X { … }`
                    for d in children(decl) {
                        let (Some(name), Some(value)) = (
                            d.child_by_field_name("name"),
                            d.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        if value.kind() == "class" && name.kind() == "identifier" {
                            let name = self.text(name).to_string();
                            self.add_class(name, value);
                        }
                    }
                }
                _ => {}
            }
        }
        self.collect_constructor_functions(root);
    }

    /// A class of the running module, its constructor, methods and fields.
    fn add_class(&mut self, name: String, node: Node<'a>) {
        let mut class = Class {
            module: self.cur,
            ctor: None,
            base: None,
            methods: Vec::new(),
            fields: Vec::new(),
            attrs: None,
            learned_attrs: std::collections::HashSet::new(),
            extends: None,
        };
        for c in children(node) {
            if c.kind() == "class_heritage" {
                // JavaScript: `extends X`; TypeScript: `extends_clause`.
                class.base = children(c).into_iter().find_map(|h| match h.kind() {
                    "extends_clause" => h.child_by_field_name("value"),
                    "implements_clause" => None,
                    _ => Some(h),
                });
            }
        }
        if let Some(body) = node.child_by_field_name("body") {
            for m in children(body) {
                match m.kind() {
                    "method_definition" => {
                        let Some(n) = m.child_by_field_name("name") else {
                            continue;
                        };
                        let mname = self.text(n).to_string();
                        if mname == "constructor" {
                            class.ctor = Some(m);
                        } else {
                            class.methods.push((mname, m));
                        }
                    }
                    "field_definition" | "public_field_definition" => class.fields.push(m),
                    _ => {}
                }
            }
        }
        if let Some(ctor) = class.ctor {
            class.methods.extend(self.assigned_methods(ctor));
        }
        let id = self.classes.len();
        for (_, m) in &class.methods {
            self.method_class.insert(m.id(), id);
        }
        if let Some(ctor) = class.ctor {
            self.method_class.insert(ctor.id(), id);
        }
        self.classes.push(class);
        self.mods[self.cur].classes.insert(name, id);
    }

    /// `this.m = (…) => …` / `this.m = function …` statements of a constructor.
    fn assigned_methods(&self, ctor: Node<'a>) -> Vec<(String, Node<'a>)> {
        let Some(body) = ctor.child_by_field_name("body") else {
            return Vec::new();
        };
        children(body)
            .into_iter()
            .filter_map(assignment)
            .filter(|(_, right)| is_function(*right))
            .filter_map(|(left, right)| {
                let name = self.text(left).strip_prefix("this.")?;
                (!name.contains('.')).then(|| (name.to_string(), right))
            })
            .collect()
    }

    /// Constructor functions: a top-level `function F(…)` the module gives
    /// prototype methods (`F.prototype.m = function …`) or whose body
    /// assigns methods to `this`.
    fn collect_constructor_functions(&mut self, root: Node<'a>) {
        let mut protos: Vec<(String, String, Node<'a>)> = Vec::new();
        for (left, right) in children(root).into_iter().filter_map(assignment) {
            let target = self.text(left);
            if let Some((class, method)) = target.split_once(".prototype.") {
                if is_function(right) && !method.contains('.') {
                    protos.push((class.to_string(), method.to_string(), right));
                }
            }
        }
        let funcs: Vec<(String, Node<'a>)> = self.mods[self.cur]
            .funcs
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (name, f) in funcs {
            let own = self.assigned_methods(f);
            let has_proto = protos.iter().any(|(c, _, _)| *c == name);
            if !has_proto && own.is_empty() {
                continue;
            }
            let id = self.classes.len();
            let mut methods = own;
            methods.extend(
                protos
                    .iter()
                    .filter(|(c, _, _)| *c == name)
                    .map(|(_, m, n)| (m.clone(), *n)),
            );
            for (_, m) in &methods {
                self.method_class.insert(m.id(), id);
            }
            self.method_class.insert(f.id(), id);
            self.classes.push(Class {
                module: self.cur,
                ctor: Some(f),
                base: None,
                methods,
                fields: Vec::new(),
                attrs: None,
                learned_attrs: std::collections::HashSet::new(),
                extends: None,
            });
            self.mods[self.cur].classes.insert(name.clone(), id);
            self.mods[self.cur].funcs.remove(&name);
        }
    }

    /// Records what an `import` statement binds to modules of the project.
    fn collect_import(&mut self, stmt: Node<'a>) {
        let Some(source) = stmt.child_by_field_name("source") else {
            return;
        };
        let spec = self.string_text(source);
        // What the import names: a Redis library, or a module of the project.
        let from: Result<super::Lib, PathBuf> = match super::module_lib(&spec) {
            Some(lib) => Ok(lib),
            None => match self.resolve(&spec) {
                Some(path) => Err(path),
                None => return,
            },
        };
        let import = |name: &str| match &from {
            Ok(lib) => {
                let lib = if name == "*" {
                    Some(*lib)
                } else {
                    super::member_of_lib(*lib, name)
                };
                lib.map(Import::Lib)
            }
            Err(path) if name == "*" => Some(Import::Module(path.clone())),
            Err(path) => Some(Import::Name(path.clone(), name.to_string())),
        };
        let mut stack = vec![stmt];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 256 {
                break;
            }
            let (local, name) = match n.kind() {
                "import_specifier" => {
                    let name = n.child_by_field_name("name").map_or("", |x| self.text(x));
                    let alias = n
                        .child_by_field_name("alias")
                        .map_or(name, |x| self.text(x));
                    (alias, name)
                }
                "namespace_import" => match n.named_child(0) {
                    Some(id) => (self.text(id), "*"),
                    None => continue,
                },
                // `import Redis from 'ioredis'`: the default export.
                "identifier" if n.parent().is_some_and(|p| p.kind() == "import_clause") => {
                    (self.text(n), "default")
                }
                "string" => continue,
                _ => {
                    stack.extend(children(n));
                    continue;
                }
            };
            if let Some(i) = import(name) {
                self.mods[self.cur].imports.insert(local.to_string(), i);
            }
        }
    }

    /// `__exportStar(require("./x"), exports)` (what `tsc` makes of
    /// `export * from './x'`), `tslib.__exportStar(…)`.
    fn collect_export_star(&mut self, stmt: Node<'a>) {
        let Some(call) = stmt
            .named_child(0)
            .filter(|c| c.kind() == "call_expression")
        else {
            return;
        };
        let callee = call
            .child_by_field_name("function")
            .map_or("", |f| self.text(f));
        if callee == "Object.defineProperty" {
            self.collect_getter_export(call);
            return;
        }
        if !callee.ends_with("__exportStar") {
            return;
        }
        let spec = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .filter(|r| r.kind() == "call_expression")
            .and_then(|r| r.child_by_field_name("arguments"))
            .and_then(|a| a.named_child(0))
            .filter(|s| s.kind() == "string")
            .map(|s| self.string_text(s));
        if let Some(path) = spec.and_then(|s| self.resolve(&s)) {
            let here = self.cur;
            if !self.mods[here].star_exports.contains(&path) {
                self.mods[here].star_exports.push(path);
            }
        }
    }

    /// `Object.defineProperty(exports, "x", { get: function () { return m.x; } })`:
    /// the name `x` is what the getter returns.
    fn collect_getter_export(&mut self, call: Node<'a>) {
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let parts = children(args);
        let (Some(target), Some(name), Some(desc)) = (parts.first(), parts.get(1), parts.get(2))
        else {
            return;
        };
        if self.text(*target) != "exports" || name.kind() != "string" || desc.kind() != "object" {
            return;
        }
        let getter = children(*desc).into_iter().find_map(|p| {
            let key = p.child_by_field_name("key")?;
            (self.text(key) == "get").then(|| p.child_by_field_name("value"))?
        });
        let returned = getter
            .and_then(|g| g.child_by_field_name("body"))
            .and_then(|b| {
                children(b)
                    .into_iter()
                    .find(|s| s.kind() == "return_statement")
            })
            .and_then(|r| r.named_child(0));
        if let Some(expr) = returned {
            let name = self.string_text(*name);
            self.mods[self.cur].exports.insert(name, Export::Expr(expr));
        }
    }

    /// Records what an `export` statement exports.
    fn collect_export(&mut self, stmt: Node<'a>) {
        let from = stmt
            .child_by_field_name("source")
            .map(|s| self.string_text(s))
            .and_then(|spec| self.resolve(&spec));
        if let Some(decl) = stmt.child_by_field_name("declaration") {
            let default =
                children(stmt).is_empty() || self.text(stmt).starts_with("export default");
            let names: Vec<String> = match decl.kind() {
                "lexical_declaration" | "variable_declaration" => children(decl)
                    .into_iter()
                    .filter_map(|d| d.child_by_field_name("name"))
                    .filter(|n| n.kind() == "identifier")
                    .map(|n| self.text(n).to_string())
                    .collect(),
                _ => decl
                    .child_by_field_name("name")
                    .map(|n| vec![self.text(n).to_string()])
                    .unwrap_or_default(),
            };
            for name in names {
                if default {
                    self.mods[self.cur]
                        .exports
                        .insert("default".to_string(), Export::Local(name.clone()));
                }
                self.mods[self.cur]
                    .exports
                    .insert(name.clone(), Export::Local(name));
            }
            return;
        }
        if let Some(value) = stmt.child_by_field_name("value") {
            self.mods[self.cur]
                .exports
                .insert("default".to_string(), Export::Expr(value));
            return;
        }
        let mut any = false;
        for c in children(stmt) {
            if c.kind() != "export_clause" {
                continue;
            }
            for s in children(c) {
                let (Some(name), alias) = (
                    s.child_by_field_name("name"),
                    s.child_by_field_name("alias"),
                ) else {
                    continue;
                };
                any = true;
                let name = self.text(name).to_string();
                let alias = alias.map_or_else(|| name.clone(), |a| self.text(a).to_string());
                let export = match &from {
                    Some(p) => Export::From(p.clone(), name),
                    None => Export::Local(name),
                };
                self.mods[self.cur].exports.insert(alias, export);
            }
        }
        if !any {
            if let Some(p) = from {
                // `export * from './x'`
                self.mods[self.cur].star_exports.push(p);
            }
        }
    }

    /// The text of a string literal node, quotes removed.
    pub(super) fn string_text(&self, node: Node<'_>) -> String {
        self.text(node)
            .trim_matches(|c| c == '"' || c == '\'' || c == '`')
            .to_string()
    }

    /// The file a relative specifier (`./keys`, `../lib/keys.js`) names, as
    /// Node and TypeScript find it: the file, the file with an extension,
    /// a TypeScript source for a `.js` specifier, the directory's index.
    pub(super) fn resolve(&self, spec: &str) -> Option<PathBuf> {
        if !(spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == "..") {
            return None;
        }
        let here = self.md().path.as_ref()?;
        let base = crate::project::normal(&here.parent()?.join(spec));
        if self.files.project.is_file(&base) && base.extension().is_some() {
            return Some(base);
        }
        let name = base.file_name()?.to_str()?.to_string();
        for ext in EXTENSIONS {
            let p = base.with_file_name(format!("{name}.{ext}"));
            if self.files.project.is_file(&p) {
                return Some(p);
            }
        }
        // `import './keys.js'` in TypeScript names `keys.ts`.
        if let Some(stem) = name
            .strip_suffix(".js")
            .or_else(|| name.strip_suffix(".mjs"))
            .or_else(|| name.strip_suffix(".cjs"))
        {
            for ext in ["ts", "tsx", "mts", "cts"] {
                let p = base.with_file_name(format!("{stem}.{ext}"));
                if self.files.project.is_file(&p) {
                    return Some(p);
                }
            }
        }
        for ext in EXTENSIONS {
            let p = base.join(format!("index.{ext}"));
            if self.files.project.is_file(&p) {
                return Some(p);
            }
        }
        None
    }

    /// `require(spec)`: a Redis library, a module of the project (its
    /// `module.exports` when that is one value), a JSON file, or nothing known.
    pub(super) fn require(&mut self, spec: &str) -> Val {
        if let Some(lib) = super::module_lib(spec) {
            return Val::Ext(Js::Lib(lib));
        }
        let Some(path) = self.resolve(spec) else {
            return Val::Unknown;
        };
        if path.extension().is_some_and(|e| e == "json") {
            return self.json_module(&path);
        }
        // Its top level runs when something of it is used.
        let Some(i) = self.load(&path) else {
            return Val::Unknown;
        };
        let here = self.cur;
        if !self.mods[here].required.contains(&i) {
            self.mods[here].required.push(i);
        }
        Val::Ext(Js::Module(i))
    }

    /// A module used as a value (called, constructed, a receiver): its
    /// `module.exports` when that is one value; anything else as it is.
    pub(super) fn resolved(&mut self, v: Val) -> Val {
        match v {
            Val::Ext(Js::Module(i)) => self.module_value(i),
            other => other,
        }
    }

    /// What requiring module `i` gives: its `module.exports` when that is
    /// one value (a class, a function, a client), else the module.
    pub(super) fn module_value(&mut self, i: usize) -> Val {
        self.ready(i);
        match self.mods[i].env.get("module.exports") {
            Some(v) if !matches!(v, Val::Map(_) | Val::Opaque(_) | Val::Unknown) => v.clone(),
            _ => Val::Ext(Js::Module(i)),
        }
    }

    /// The value an import binds.
    pub(super) fn imported(&mut self, import: Import) -> Option<Val> {
        if self.loading >= MAX_LOADING {
            return None;
        }
        match import {
            Import::Lib(lib) => Some(Val::Ext(Js::Lib(lib))),
            Import::Module(path) => self.load(&path).map(|i| Val::Ext(Js::Module(i))),
            Import::Name(path, name) => {
                let module = self.load(&path)?;
                self.loading += 1;
                let v = self.member(module, &name);
                self.loading -= 1;
                v
            }
        }
    }

    /// What `name` is in module `module` seen from outside: a `CommonJS`
    /// export (`exports.x`, `module.exports.x`, a property of the object
    /// `module.exports` is), an ES export, a re-export.
    pub(super) fn member(&mut self, module: usize, name: &str) -> Option<Val> {
        let key = (module, name.to_string());
        if self.misses.contains(&key) {
            return None;
        }
        let found = self.find_member(module, name);
        if found.is_none() {
            self.misses.insert(key);
        }
        found
    }

    /// [`Self::member`], looked for.
    fn find_member(&mut self, module: usize, name: &str) -> Option<Val> {
        self.ready(module);
        let m = &self.mods[module];
        // `exports.x = void 0` (tsc's placeholder) says nothing: an ES export
        // or a getter of the same name does.
        let placeholder = |v: &Val| matches!(v, Val::Opaque(_) | Val::Unknown);
        for key in [format!("exports.{name}"), format!("module.exports.{name}")] {
            if let Some(v) = m.env.get(&key) {
                if !(placeholder(v) && m.exports.contains_key(name)) {
                    return Some(v.clone());
                }
            }
        }
        match m.env.get("module.exports") {
            Some(map @ Val::Map(_)) => {
                if let Some(v) = map.prop(name) {
                    return Some(v.clone());
                }
            }
            // `module.exports = Foo`, imported as the default.
            Some(v) if name == "default" && !matches!(v, Val::Opaque(_) | Val::Unknown) => {
                return Some(v.clone());
            }
            _ => {}
        }
        if let Some(export) = m.exports.get(name).cloned() {
            return self.exported(module, export);
        }
        let stars = m.star_exports.clone();
        for path in stars {
            if self.loading >= MAX_LOADING {
                break;
            }
            let Some(i) = self.load(&path).filter(|&i| i != module) else {
                continue;
            };
            // A module that never writes the name exports it only through
            // its own re-exports.
            let m = &self.mods[i];
            if m.star_exports.is_empty() && memchr::memmem::find(m.src, name.as_bytes()).is_none() {
                continue;
            }
            self.loading += 1;
            let v = self.member(i, name);
            self.loading -= 1;
            if v.is_some() {
                return v;
            }
        }
        None
    }

    /// The value of an ES export of `module`.
    fn exported(&mut self, module: usize, export: Export<'a>) -> Option<Val> {
        match export {
            Export::Local(local) => {
                let m = &self.mods[module];
                if let Some(v) = m.env.get(&local) {
                    return Some(v.clone());
                }
                if let Some(&c) = m.classes.get(&local) {
                    return Some(Val::Ext(Js::Class(c)));
                }
                if let Some(f) = m.funcs.get(&local).copied() {
                    return Some(self.in_module(module, |cx| cx.func(f)));
                }
                None
            }
            Export::From(path, name) => {
                let i = self.load(&path)?;
                if self.loading >= MAX_LOADING || i == module {
                    return None;
                }
                self.loading += 1;
                let v = self.member(i, &name);
                self.loading -= 1;
                v
            }
            Export::Expr(node) => {
                let saved_rec = std::mem::replace(&mut self.m.recording, false);
                let saved_env = std::mem::replace(&mut self.env, self.mods[module].env.clone());
                let v = self.in_module(module, |cx| cx.eval(node));
                self.env = saved_env;
                self.m.recording = saved_rec;
                Some(v)
            }
        }
    }

    /// Runs `f` as code of `module`.
    pub(super) fn in_module<T>(&mut self, module: usize, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved_site = self.enter(module);
        let saved_cur = std::mem::replace(&mut self.cur, module);
        let out = f(self);
        self.cur = saved_cur;
        self.site = saved_site;
        out
    }

    /// The classes `class` derives from, nearest first.
    fn lineage(&mut self, class: usize) -> Vec<usize> {
        let mut out = vec![class];
        let mut i = 0;
        while i < out.len() && out.len() < MAX_BASES {
            let c = out[i];
            if let Some(b) = self.base(c) {
                if !out.contains(&b) {
                    out.push(b);
                }
            }
            i += 1;
        }
        out
    }

    /// The class `class` extends, when it is one of the project's.
    fn base(&mut self, class: usize) -> Option<usize> {
        if let Some(known) = self.classes[class].extends {
            return known;
        }
        // Found once; while it is being found, there is none.
        self.classes[class].extends = Some(None);
        let (module, node) = {
            let c = &self.classes[class];
            (c.module, c.base?)
        };
        self.ready(module);
        let saved_rec = std::mem::replace(&mut self.m.recording, false);
        let saved_env = std::mem::replace(&mut self.env, self.mods[module].env.clone());
        let v = self.in_module(module, |cx| cx.eval(node));
        self.env = saved_env;
        self.m.recording = saved_rec;
        let found = match v {
            Val::Ext(Js::Class(b)) => Some(b),
            _ => None,
        };
        self.classes[class].extends = Some(found);
        found
    }

    /// A method (and the class it is defined in), looked up through the base classes.
    pub(super) fn method(&mut self, class: usize, name: &str) -> Option<(usize, Node<'a>)> {
        for c in self.lineage(class) {
            if let Some((_, m)) = self.classes[c].methods.iter().find(|(n, _)| n == name) {
                return Some((c, *m));
            }
        }
        None
    }

    /// An attribute (`this.x`) of an instance of `class`, looked up through
    /// the base classes.
    pub(super) fn class_attr(&mut self, class: usize, attr: &str) -> Option<Val> {
        let key = format!("this.{attr}");
        for c in self.lineage(class) {
            self.ensure_attrs(c);
            self.learn_attr(c, attr);
            if let Some(v) = self.classes[c].attrs.as_ref().and_then(|a| a.get(&key)) {
                return Some(v.clone());
            }
        }
        None
    }

    /// Runs `f` as code of `class` that learns its attributes: nothing is
    /// recorded, callbacks run, calls are followed one level deep.
    fn learning_in<T>(&mut self, class: usize, f: impl FnOnce(&mut Self) -> T) -> T {
        let module = self.classes[class].module;
        self.ready(module);
        let saved_site = self.enter(module);
        let saved_cur = std::mem::replace(&mut self.cur, module);
        let module_env = self.mods[module].env.clone();
        let saved_env = std::mem::replace(&mut self.env, module_env);
        let saved_class = self.class.replace(class);
        let saved_recording = std::mem::replace(&mut self.m.recording, false);
        let saved_learning = std::mem::replace(&mut self.learning, true);
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_pipes = self.m.pipes.len();
        let saved_pending = self.pending.len();
        let depth = self.call_depth.max(super::MAX_CALL_DEPTH - 1);
        let saved_depth = std::mem::replace(&mut self.call_depth, depth);
        let out = f(self);
        self.cur = saved_cur;
        self.site = saved_site;
        self.env = saved_env;
        self.class = saved_class;
        self.m.recording = saved_recording;
        self.learning = saved_learning;
        self.returns = saved_returns;
        self.call_depth = saved_depth;
        self.m.pipes.truncate(saved_pipes);
        self.pending.truncate(saved_pending);
        out
    }

    /// Computes a class's attributes once: its fields, then every `this.x`
    /// its constructor assigns (or the methods it calls).
    fn ensure_attrs(&mut self, class: usize) {
        if self.classes[class].attrs.is_some() {
            return;
        }
        self.classes[class].attrs = Some(Env::new());
        let fields = self.classes[class].fields.clone();
        let ctor = self.classes[class].ctor;
        let attrs = self.learning_in(class, |cx| {
            for f in fields {
                let prop = f
                    .child_by_field_name("property")
                    .or_else(|| f.child_by_field_name("name"));
                if let (Some(p), Some(v)) = (prop, f.child_by_field_name("value")) {
                    let val = cx.eval(v);
                    let name = format!("this.{}", cx.text(p));
                    cx.env.insert(name, val);
                }
            }
            if let Some(def) = ctor.filter(|d| cx.learned.insert(d.id())) {
                cx.run_body(def, None);
            }
            cx.this_bindings()
        });
        self.classes[class].attrs = Some(attrs);
    }

    /// Joins into a class's attribute `attr` what its methods that assign
    /// `this.<attr>` give it (a digest loaded in a method, a client made on
    /// `connect()`), once per attribute.
    fn learn_attr(&mut self, class: usize, attr: &str) {
        if !self.classes[class].learned_attrs.insert(attr.to_string()) {
            return;
        }
        let methods: Vec<Node<'a>> = {
            let src = self.mods[self.classes[class].module].src;
            self.classes[class]
                .methods
                .iter()
                .map(|(_, m)| *m)
                .filter(|m| assigns_this(&src[m.byte_range()], Some(attr)))
                .collect()
        };
        let key = format!("this.{attr}");
        for def in methods {
            let v = self.learning_in(class, |cx| {
                cx.run_body(def, None);
                cx.env.get(&key).cloned()
            });
            let Some(v) = v else { continue };
            let old = self.classes[class]
                .attrs
                .as_ref()
                .and_then(|a| a.get(&key))
                .cloned();
            let v = match old {
                Some(old) => self.merge(&old, &v, &key),
                None => v,
            };
            if let Some(a) = self.classes[class].attrs.as_mut() {
                a.insert(key.clone(), v);
            }
        }
    }

    /// The `this.x` bindings of the environment.
    fn this_bindings(&self) -> Env {
        self.env
            .iter()
            .filter(|(k, _)| k.starts_with("this."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Whether code assigns a property of `this` (`this.x = …`, not `==`), or
/// calls a method of `this` that may; only `attr` when given.
fn assigns_this(text: &[u8], attr: Option<&str>) -> bool {
    memchr::memmem::find_iter(text, b"this.").any(|at| {
        let rest = &text[at + 5..];
        let name = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'$')
            .count();
        if attr.is_some_and(|a| a.as_bytes() != &rest[..name]) {
            return false;
        }
        let after = rest[name..].trim_ascii_start();
        match after {
            [b'=', next, ..] => *next != b'=' && *next != b'>',
            [b'(', ..] => attr.is_none(),
            _ => false,
        }
    })
}

/// The target and value of a statement that is an assignment (`x.y = v;`).
fn assignment(stmt: Node<'_>) -> Option<(Node<'_>, Node<'_>)> {
    let e = stmt
        .named_child(0)
        .filter(|e| stmt.kind() == "expression_statement" && e.kind() == "assignment_expression")?;
    Some((
        e.child_by_field_name("left")?,
        e.child_by_field_name("right")?,
    ))
}

/// Whether a node is a function value.
pub(super) fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}
