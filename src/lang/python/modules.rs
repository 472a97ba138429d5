//! Modules and classes across files: what a module defines (functions,
//! classes, imports), its top-level bindings (run once, on first use),
//! imports resolved to the project's files the way Python finds them
//! (relative to the package, or from the root above the top-level package),
//! names looked up through imports and re-exports, and classes with their
//! attributes and methods inherited through base classes in other modules.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::value::{Py, Val};
use super::{Class, ClassRef, Cx, Env, Evidence, Import, Module, MAX_DEPTH};
use crate::lang::modules::State;

/// Most modules one analysis reads.
pub(super) const MAX_MODULES: usize = 64;
/// Modules loaded inside each other (one's top level needing the next).
const MAX_LOADING: usize = 8;
/// Base classes followed from a class.
const MAX_BASES: usize = 8;

impl<'a> Cx<'a> {
    /// Adds a module and records what it defines; returns its index.
    pub(super) fn add_module(
        &mut self,
        path: Option<PathBuf>,
        src: &'a [u8],
        root: Node<'a>,
    ) -> usize {
        self.mods.push(Module {
            path: path.clone(),
            src,
            root,
            imports: std::collections::HashMap::new(),
            imports_redis: false,
            funcs: std::collections::HashMap::new(),
            classes: std::collections::HashMap::new(),
            env: Env::new(),
            state: State::Fresh,
            evidence: None,
        });
        let index = self.mods.len() - 1;
        if let Some(path) = path {
            self.files.record(path, index);
        }
        let saved = std::mem::replace(&mut self.cur, index);
        self.collect(root, None, 0);
        self.cur = saved;
        index
    }

    /// The module at `path`, loaded through the project on first use.
    pub(super) fn load(&mut self, path: &Path) -> Option<usize> {
        if self.files.tried(path) {
            return self.files.index(path);
        }
        let (text, root) = self.files.parse(path, "python", self.mods.len(), |text| {
            super::parse_tree(text, None)
        })?;
        Some(self.add_module(Some(path.to_path_buf()), text, root))
    }

    /// Runs a module's top level for its bindings, once, without recording.
    pub(super) fn ready(&mut self, module: usize) {
        if self.mods[module].state != State::Fresh || self.loading >= MAX_LOADING {
            return;
        }
        self.mods[module].state = State::Running;
        self.loading += 1;
        let saved_cur = std::mem::replace(&mut self.cur, module);
        let saved_env = std::mem::take(&mut self.env);
        let saved_class = self.class.take();
        let saved_returns = std::mem::take(&mut self.returns);
        let saved_recording = std::mem::replace(&mut self.m.recording, false);
        let saved_fn = std::mem::replace(&mut self.fn_level, 0);
        let root = self.mods[module].root;
        self.exec_block(root);
        self.mods[module].env = std::mem::replace(&mut self.env, saved_env);
        self.mods[module].state = State::Ready;
        self.cur = saved_cur;
        self.class = saved_class;
        self.returns = saved_returns;
        self.m.recording = saved_recording;
        self.fn_level = saved_fn;
        self.loading -= 1;
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
        let cur = self.cur;
        if def.kind() == "class_definition" {
            let bases = def
                .child_by_field_name("superclasses")
                .map(|s| {
                    let mut c = s.walk();
                    s.named_children(&mut c)
                        .filter(|b| matches!(b.kind(), "identifier" | "attribute"))
                        .collect()
                })
                .unwrap_or_default();
            self.mods[cur].classes.insert(
                name.to_string(),
                Class {
                    bases,
                    node: def,
                    attrs: None,
                    properties: Vec::new(),
                },
            );
            if let Some(body) = def.child_by_field_name("body") {
                self.collect(body, Some(name), depth + 1);
            }
        } else if depth == 0 || class.is_some() {
            if let Some(c) = class {
                if decorators(def).any(|d| self.text(d).ends_with("property")) {
                    if let Some(k) = self.mods[cur].classes.get_mut(c) {
                        k.properties.push(name.to_string());
                    }
                }
            }
            let key = class.map_or_else(|| name.to_string(), |c| format!("{c}.{name}"));
            self.mods[cur].funcs.entry(key).or_insert(def);
        }
    }

    /// Records what an import statement binds.
    fn import(&mut self, node: Node<'a>) {
        let text = self.text(node);
        if text.contains("redis") {
            self.mods[self.cur].imports_redis = true;
        }
        let from = node.child_by_field_name("module_name");
        let mut cursor = node.walk();
        let names: Vec<Node<'a>> = node.children_by_field_name("name", &mut cursor).collect();
        for name in names {
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
            let module = from.map(|m| self.text(m));
            let qualified = match module {
                Some(m) => format!("{m}.{full}"),
                None if name.kind() == "aliased_import" => full.to_string(),
                None => alias.to_string(),
            };
            if qualified.starts_with("redis")
                || qualified.starts_with("rediscluster")
                || qualified.starts_with("aioredis")
            {
                let m = &mut self.mods[self.cur];
                m.imports_redis = true;
                m.imports
                    .insert(alias.to_string(), Import::Redis(qualified));
                continue;
            }
            let import = match module {
                // `from .keys import job_key`, `from pkg import keys`.
                Some(m) => self
                    .resolve_module(m)
                    .map(|path| Import::Name(path, full.to_string())),
                // `import pkg.keys as k` binds the module; `import pkg.keys`
                // binds `pkg`.
                None if name.kind() == "aliased_import" => {
                    self.resolve_module(full).map(Import::Module)
                }
                None => self.resolve_module(alias).map(Import::Module),
            };
            if let Some(import) = import {
                self.mods[self.cur]
                    .imports
                    .insert(alias.to_string(), import);
            }
        }
    }

    /// The file of a module named as an import writes it (`.keys`,
    /// `..pkg.keys`, `pkg.keys`), if it is in the project.
    pub(super) fn resolve_module(&self, dotted: &str) -> Option<PathBuf> {
        let here = self.md().path.as_ref()?;
        let dir = here.parent()?;
        let level = dotted.bytes().take_while(|&b| b == b'.').count();
        let parts: Vec<&str> = dotted[level..]
            .split('.')
            .filter(|p| !p.is_empty())
            .collect();
        if level > 0 {
            let mut base = dir.to_path_buf();
            for _ in 1..level {
                base = base.parent()?.to_path_buf();
            }
            return self.module_file(&base, &parts);
        }
        // Absolute: from the directory of the file up to the one above its
        // top-level package (where Python's path starts).
        let mut base = Some(dir);
        while let Some(b) = base {
            if let Some(found) = self.module_file(b, &parts) {
                return Some(found);
            }
            if !self.files.project.is_file(&b.join("__init__.py")) {
                break;
            }
            base = b.parent();
        }
        None
    }

    /// `base/a/b.py` or `base/a/b/__init__.py` for the parts `[a, b]`.
    fn module_file(&self, base: &Path, parts: &[&str]) -> Option<PathBuf> {
        let mut dir = base.to_path_buf();
        for p in parts {
            dir.push(p);
        }
        if parts.is_empty() {
            let init = dir.join("__init__.py");
            return self.files.project.is_file(&init).then_some(init);
        }
        let file = dir.with_extension("py");
        if self.files.project.is_file(&file) {
            return Some(crate::project::normal(&file));
        }
        let init = dir.join("__init__.py");
        self.files
            .project
            .is_file(&init)
            .then(|| crate::project::normal(&init))
    }

    /// What `name` is in module `module` seen from outside: a binding, a
    /// function, a class, a name it imports (re-exports), or a submodule of
    /// a package.
    pub(super) fn member(&mut self, module: usize, name: &str) -> Option<Val> {
        self.ready(module);
        let m = &self.mods[module];
        if let Some(v) = m.env.get(name) {
            return Some(v.clone());
        }
        if m.funcs.contains_key(name) {
            return Some(Val::Ext(Py::Func(module, name.to_string())));
        }
        if m.classes.contains_key(name) {
            return Some(Val::Ext(Py::Class(ClassRef {
                module,
                name: name.to_string(),
            })));
        }
        if let Some(import) = m.imports.get(name).cloned() {
            return self.imported(import);
        }
        let path = m.path.clone()?;
        if path.file_name()? != "__init__.py" {
            return None;
        }
        let sub = self.module_file(path.parent()?, &[name])?;
        self.load(&sub).map(|i| Val::Ext(Py::Module(i)))
    }

    /// The value an import binds.
    pub(super) fn imported(&mut self, import: Import) -> Option<Val> {
        if self.loading >= MAX_LOADING {
            return None;
        }
        match import {
            Import::Redis(q) => Some(Val::Ext(Py::RedisName(q))),
            Import::Module(path) => self.load(&path).map(|i| Val::Ext(Py::Module(i))),
            Import::Name(path, name) => {
                let module = self.load(&path)?;
                self.loading += 1;
                let v = self.member(module, &name);
                self.loading -= 1;
                v
            }
        }
    }

    /// The classes `class` derives from, nearest first (depth-first, as far as known).
    fn bases(&mut self, class: &ClassRef) -> Vec<ClassRef> {
        let Some(nodes) = self.mods[class.module]
            .classes
            .get(&class.name)
            .map(|c| c.bases.clone())
        else {
            return Vec::new();
        };
        let saved = std::mem::replace(&mut self.cur, class.module);
        let mut out = Vec::new();
        for b in nodes {
            let found = if b.kind() == "identifier" {
                let name = self.text(b);
                if self.md().classes.contains_key(name) {
                    Some(Val::Ext(Py::Class(ClassRef {
                        module: class.module,
                        name: name.to_string(),
                    })))
                } else {
                    self.md()
                        .imports
                        .get(name)
                        .cloned()
                        .and_then(|i| self.imported(i))
                }
            } else {
                let saved_rec = std::mem::replace(&mut self.m.recording, false);
                let v = self.eval(b);
                self.m.recording = saved_rec;
                Some(v)
            };
            if let Some(Val::Ext(Py::Class(c))) = found {
                out.push(c);
            }
        }
        self.cur = saved;
        out
    }

    /// `class` and its ancestors, nearest first.
    fn lineage(&mut self, class: &ClassRef) -> Vec<ClassRef> {
        let mut out = vec![class.clone()];
        let mut i = 0;
        while i < out.len() && out.len() < MAX_BASES {
            let next = out[i].clone();
            for b in self.bases(&next) {
                if !out.contains(&b) {
                    out.push(b);
                }
            }
            i += 1;
        }
        out
    }

    /// A class attribute, looked up through the base classes.
    pub(super) fn class_attr(&mut self, class: &ClassRef, attr: &str) -> Option<Val> {
        for c in self.lineage(class) {
            self.ensure_attrs(&c);
            let found = self.mods[c.module]
                .classes
                .get(&c.name)
                .and_then(|k| k.attrs.as_ref())
                .and_then(|a| a.get(attr))
                .cloned();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// A method (and the class it is defined in), looked up through the base classes.
    pub(super) fn method(&mut self, class: &ClassRef, name: &str) -> Option<(ClassRef, Node<'a>)> {
        for c in self.lineage(class) {
            if let Some(f) = self.mods[c.module].funcs.get(&format!("{}.{name}", c.name)) {
                return Some((c, *f));
            }
        }
        None
    }

    /// Whether `name` is a `@property` of `class` or a base.
    pub(super) fn is_property(&mut self, class: &ClassRef, name: &str) -> bool {
        self.lineage(class).iter().any(|c| {
            self.mods[c.module]
                .classes
                .get(&c.name)
                .is_some_and(|k| k.properties.iter().any(|p| p == name))
        })
    }

    /// Computes a class's attributes once: the class body's assignments,
    /// then every `self.x = …` of its methods (`__init__` first), joined
    /// where several methods assign the same attribute.
    fn ensure_attrs(&mut self, class: &ClassRef) {
        let Some(node) = self.mods[class.module]
            .classes
            .get(&class.name)
            .filter(|c| c.attrs.is_none())
            .map(|c| c.node)
        else {
            return;
        };
        // Mark first: a method that reads an attribute of its own class
        // while the attributes are being computed sees the class body's.
        if let Some(c) = self.mods[class.module].classes.get_mut(&class.name) {
            c.attrs = Some(Env::new());
        }
        self.ready(class.module);
        let saved_cur = std::mem::replace(&mut self.cur, class.module);
        let module_env = self.md().env.clone();
        let saved_env = std::mem::replace(&mut self.env, module_env.clone());
        let saved_class = self.class.replace(class.clone());
        let saved_recording = std::mem::replace(&mut self.m.recording, false);
        let saved_returns = std::mem::take(&mut self.returns);
        if let Some(body) = node.child_by_field_name("body") {
            let mut cursor = body.walk();
            let stmts: Vec<Node<'a>> = body
                .named_children(&mut cursor)
                .filter(|s| s.kind() == "expression_statement")
                .collect();
            for stmt in stmts {
                self.exec_stmt(stmt);
            }
        }
        let mut attrs: Env = std::mem::take(&mut self.env)
            .into_iter()
            .filter(|(k, _)| !module_env.contains_key(k))
            .collect();
        if let Some(c) = self.mods[class.module].classes.get_mut(&class.name) {
            c.attrs = Some(attrs.clone());
        }
        let prefix = format!("{}.", class.name);
        let mut methods: Vec<(String, Node<'a>)> = self
            .md()
            .funcs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|m| (m.to_string(), *v)))
            .collect();
        // `__init__` first, then in source order.
        methods.sort_by_key(|(name, def)| (name != "__init__", def.start_byte()));
        let mut assigned: Env = Env::new();
        for (name, def) in methods {
            let (env, _) = self.function_env(def, Some(class), &module_env, None);
            self.env = env;
            if let Some(b) = def.child_by_field_name("body") {
                self.exec_block(b);
            }
            for (k, v) in std::mem::take(&mut self.env) {
                let Some(attr) = k.strip_prefix("self.").or_else(|| k.strip_prefix("cls.")) else {
                    continue;
                };
                let v = match assigned.get(attr) {
                    Some(old) if name != "__init__" => crate::lang::value::merge(old, &v, &k),
                    _ => v,
                };
                assigned.insert(attr.to_string(), v);
            }
        }
        // A class-level literal that a method may replace (`cls.namespace =
        // ns`), and a dataclass field, are defaults: holes with that default.
        let dataclass = decorators(node).any(|d| self.text(d).contains("dataclass"));
        for (attr, v) in &mut attrs {
            let replaced = assigned.get(attr).filter(|a| *a != v);
            if replaced.is_none() && !dataclass {
                continue;
            }
            if let Some(default) = v
                .as_str()
                .and_then(crate::keypattern::KeyPattern::as_literal)
            {
                *v = Val::Opaque(super::value::Opaque {
                    name: format!("self.{attr}"),
                    default: Some(default.to_vec()),
                    ..super::value::Opaque::default()
                });
            }
        }
        for (attr, v) in assigned {
            match attrs.get(&attr) {
                Some(Val::Opaque(o)) if o.default.is_some() => {}
                _ => {
                    attrs.insert(attr, v);
                }
            }
        }
        if let Some(c) = self.mods[class.module].classes.get_mut(&class.name) {
            c.attrs = Some(attrs);
        }
        self.cur = saved_cur;
        self.env = saved_env;
        self.class = saved_class;
        self.m.recording = saved_recording;
        self.returns = saved_returns;
    }
}

impl Cx<'_> {
    /// Whether the receiver `text` (as written, `client`, `self.conn`) has a
    /// Redis-only method called on it: in this module for a plain name, in
    /// the class or a base class for `self.x`.
    pub(super) fn evident_client(&mut self, text: &str) -> bool {
        if let Some(attr) = text.strip_prefix("self.") {
            let Some(class) = self.class.clone() else {
                return false;
            };
            return self.lineage(&class).iter().any(|c| {
                self.evidence(c.module)
                    .attrs
                    .contains(&(c.name.clone(), attr.to_string()))
            });
        }
        let cur = self.cur;
        self.evidence(cur).names.contains(text)
    }

    /// The evidence of a module, computed once.
    fn evidence(&mut self, module: usize) -> &Evidence {
        if self.mods[module].evidence.is_none() {
            let found = self.collect_evidence(module);
            self.mods[module].evidence = Some(found);
        }
        self.mods[module]
            .evidence
            .get_or_insert_with(Evidence::default)
    }

    fn collect_evidence(&self, module: usize) -> Evidence {
        let m = &self.mods[module];
        let text = |n: Node<'_>| crate::lang::walk::text(m.src, n);
        let mut out = Evidence::default();
        let mut cursor = m.root.walk();
        // Every node once, in order, with the class each is in.
        let mut classes: Vec<(usize, String)> = Vec::new();
        'walk: loop {
            let node = cursor.node();
            while classes
                .last()
                .is_some_and(|(end, _)| node.start_byte() >= *end)
            {
                classes.pop();
            }
            if node.kind() == "class_definition" {
                if let Some(name) = node.child_by_field_name("name") {
                    classes.push((node.end_byte(), text(name).to_string()));
                }
            }
            if node.kind() == "call" {
                let f = node.child_by_field_name("function");
                let parts = f.filter(|f| f.kind() == "attribute").and_then(|f| {
                    Some((
                        f.child_by_field_name("object")?,
                        f.child_by_field_name("attribute")?,
                    ))
                });
                if let Some((obj, method)) = parts {
                    let receiver = text(obj);
                    if super::clients::is_redis_only(text(method)) {
                        if let Some(attr) = receiver.strip_prefix("self.") {
                            if let Some((_, class)) = classes.last() {
                                out.attrs.insert((class.clone(), attr.to_string()));
                            }
                        } else if obj.kind() == "identifier" {
                            out.names.insert(receiver.to_string());
                        }
                    }
                }
            }
            if cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    continue 'walk;
                }
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        out
    }
}

/// The decorators of a function definition.
pub(super) fn decorators(def: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    let parent = def.parent().filter(|p| p.kind() == "decorated_definition");
    let mut list = Vec::new();
    if let Some(p) = parent {
        let mut c = p.walk();
        list.extend(p.named_children(&mut c).filter(|n| n.kind() == "decorator"));
    }
    list.into_iter()
}
