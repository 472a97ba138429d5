//! The crate around the linted file: where a file sits in its crate (the
//! nearest `Cargo.toml`'s `src/`, or the file as its own crate root), the
//! files `mod x;` declarations and `crate::`/`self::`/`super::` paths lead
//! to (read through the project, parsed once per analysis and only when an
//! item of theirs is needed), what each module defines (inline `mod`s
//! flattened into it), and paths resolved through `use` declarations,
//! re-exports and glob imports. A path that leaves the crate resolves to
//! nothing: its value is unknown, never a guess.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::value::{TypeRef, Val};
use super::{Cx, FnDef};

/// Most modules one analysis reads.
const MAX_MODULES: usize = 48;
/// Bytes of other modules one analysis parses (their syntax trees are many
/// times their text).
const MAX_PARSED_BYTES: usize = 3 << 20;
/// Files of a crate looked through for the constructions of a struct.
const MAX_CRATE_FILES: usize = 256;
/// `use` aliases and re-exports followed for one path.
const MAX_RESOLVE: usize = 8;
/// Directories looked up for a `Cargo.toml`.
const MAX_UP: usize = 24;

/// A file as the project caches it for this front-end: its text (UTF-8,
/// nesting within bounds) and the files its `mod x;` lines declare.
pub(super) struct Summary {
    text: Arc<[u8]>,
    mods: Vec<String>,
    /// The names the text may define or import: after `fn`, `struct`,
    /// `const`… and in `use` declarations (the file is parsed for a name
    /// only when it is one of them).
    declared: HashSet<Box<str>>,
}

/// The identifier-like words of a text.
fn words(text: &str) -> HashSet<Box<str>> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(Box::from)
        .collect()
}

/// The names a text may define or import (see [`Summary::declared`]).
fn declared(text: &str) -> HashSet<Box<str>> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(?:struct|enum|union|trait|type|fn|const|static|mod)\s+(?:r#)?([A-Za-z_][A-Za-z0-9_]*)|\buse\s+([^;]*);",
        )
        .expect("valid regex")
    });
    let mut out = HashSet::new();
    for c in RE.captures_iter(text) {
        if let Some(name) = c.get(1) {
            out.insert(Box::from(name.as_str()));
        }
        if let Some(tree) = c.get(2) {
            out.extend(words(tree.as_str()));
        }
    }
    out
}

/// Another module's text and, once needed, its syntax.
pub(super) struct Loaded {
    text: Arc<[u8]>,
    file: OnceCell<Option<syn::File>>,
}

/// Where a file sits in its crate.
#[derive(Debug, Clone, Default)]
pub(super) struct Place {
    /// The directory `crate::a` is found in (`<crate>/src`, or the
    /// directory of a file that is its own crate root).
    root: Option<PathBuf>,
    /// The crate root's file (`src/lib.rs`, `src/main.rs`, the file itself).
    root_file: Option<PathBuf>,
    /// The module's path from the crate root (`["queue", "keys"]`).
    crate_path: Vec<String>,
    /// Where the files of its `mod x;` declarations are.
    mod_dir: Option<PathBuf>,
}

/// Whether a module's functions have been run for what they give struct fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Fresh,
    Running,
    Ready,
}

/// A module the analysis reads: the linted file (0) or one a path led to.
pub(super) struct Module<'a> {
    pub(super) path: Option<PathBuf>,
    pub(super) src: &'a str,
    place: Place,
    /// The files its `mod x;` declarations name.
    file_mods: Vec<String>,
    loaded: Option<&'a Loaded>,
    items: Option<Items<'a>>,
    /// The words of its text, once asked (the cached summary's for other files).
    words: Option<Arc<Summary>>,
    own_words: Option<HashSet<Box<str>>>,
    pub(super) learned: State,
}

/// What a module defines, inline modules flattened in.
#[derive(Default)]
pub(super) struct Items<'a> {
    /// Consts and statics, associated consts too, by name.
    pub(super) consts: HashMap<String, &'a syn::Expr>,
    /// Functions and methods by name.
    pub(super) fns: HashMap<String, Vec<FnDef<'a>>>,
    pub(super) structs: HashMap<String, &'a syn::ItemStruct>,
    /// Field types by field name, whatever the struct (as written).
    pub(super) field_types: HashMap<String, String>,
    /// `use` aliases: the name bound and the path it names.
    uses: HashMap<String, Vec<String>>,
    /// `use path::*;` paths.
    globs: Vec<Vec<String>>,
    inline_mods: HashSet<String>,
    /// Consts evaluated once.
    pub(super) const_cache: HashMap<String, Val>,
}

/// `mod x;` lines of a text (a line that starts with the declaration).
fn scan_mods(text: &[u8]) -> Vec<String> {
    static RE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r"(?m)^[ \t]*(?:pub(?:\([^)\n]*\))?[ \t]+)?mod[ \t]+(?:r#)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*;",
        )
        .expect("valid regex")
    });
    RE.captures_iter(text)
        .filter_map(|c| std::str::from_utf8(c.get(1)?.as_bytes()).ok())
        .map(str::to_string)
        .collect()
}

/// The segments of a path as written.
pub(super) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The named type inside references and smart pointers (`&Arc<Mutex<T>>` → `T`).
pub(super) fn type_path(ty: &syn::Type) -> Option<&syn::Path> {
    match ty {
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let wrapper = matches!(
                last.ident.to_string().as_str(),
                "Arc" | "Rc" | "Box" | "Mutex" | "RwLock" | "RefCell" | "Cell"
            );
            if wrapper {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return type_path(inner);
                    }
                }
            }
            Some(&p.path)
        }
        _ => None,
    }
}

impl<'a> Cx<'a> {
    /// Adds the linted file as module 0.
    pub(super) fn add_module(&mut self, path: Option<PathBuf>, src: &'a str, file: &'a syn::File) {
        let place = path
            .as_deref()
            .map(|p| self.place_of(p))
            .unwrap_or_default();
        if let Some(p) = &path {
            self.loaded.insert(p.clone(), Some(self.mods.len()));
        }
        self.mods.push(Module {
            path,
            src,
            place,
            file_mods: Vec::new(),
            loaded: None,
            items: None,
            words: None,
            own_words: None,
            learned: State::Fresh,
        });
        let k = self.mods.len() - 1;
        self.collect_items(k, &file.items);
    }

    /// Where `path` sits in its crate.
    fn place_of(&self, path: &Path) -> Place {
        let Some(dir) = path.parent() else {
            return Place::default();
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = name.strip_suffix(".rs").unwrap_or(name);
        let mut up = Some(dir);
        for _ in 0..MAX_UP {
            let Some(d) = up else { break };
            if self.project.is_file(&d.join("Cargo.toml")) {
                let src = d.join("src");
                if let Ok(rel) = path.strip_prefix(&src) {
                    let mut parts: Vec<String> = rel
                        .components()
                        .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
                        .collect();
                    let in_bin = parts.len() > 1 && parts[0] == "bin";
                    if !in_bin {
                        let root_file = ["lib.rs", "main.rs"]
                            .iter()
                            .map(|f| src.join(f))
                            .find(|f| self.project.is_file(f));
                        let top = parts.len() == 1 && matches!(stem, "lib" | "main");
                        if let Some(last) = parts.last_mut() {
                            *last = stem.to_string();
                        }
                        if top || parts.last().is_some_and(|l| l == "mod") {
                            parts.pop();
                        }
                        let mod_dir = if top || stem == "mod" {
                            dir.to_path_buf()
                        } else {
                            dir.join(stem)
                        };
                        return Place {
                            root: Some(src),
                            root_file,
                            crate_path: parts,
                            mod_dir: Some(mod_dir),
                        };
                    }
                }
                break;
            }
            up = d.parent();
        }
        // A file that is its own crate root (a test, an example, a script).
        Place {
            root: Some(dir.to_path_buf()),
            root_file: Some(path.to_path_buf()),
            crate_path: Vec::new(),
            mod_dir: Some(dir.to_path_buf()),
        }
    }

    /// The module at `path`, read through the project on first use.
    pub(super) fn load(&mut self, path: &Path) -> Option<usize> {
        let path = crate::project::normal(path);
        if let Some(&known) = self.loaded.get(&path) {
            return known;
        }
        if self.mods.len() >= MAX_MODULES {
            return None;
        }
        let summary = self.summary(&path);
        let Some(summary) = summary else {
            self.loaded.insert(path, None);
            return None;
        };
        let loaded: &'a Loaded = self.arena.alloc(Loaded {
            text: Arc::clone(&summary.text),
            file: OnceCell::new(),
        });
        let src = std::str::from_utf8(&loaded.text).unwrap_or("");
        let place = self.place_of(&path);
        let k = self.mods.len();
        self.loaded.insert(path.clone(), Some(k));
        self.mods.push(Module {
            path: Some(path),
            src,
            place,
            file_mods: summary.mods.clone(),
            loaded: Some(loaded),
            items: None,
            words: Some(Arc::clone(&summary)),
            own_words: None,
            learned: State::Fresh,
        });
        Some(k)
    }

    /// The cached summary of a file: `None` when it is not readable Rust text.
    fn summary(&self, path: &Path) -> Option<Arc<Summary>> {
        self.project.parsed(path, "rust", |text| {
            let declared = declared(std::str::from_utf8(&text).ok()?);
            if super::too_deep(&text).is_some() {
                return None;
            }
            let mods = scan_mods(&text);
            Some(Summary {
                text,
                mods,
                declared,
            })
        })
    }

    /// What module `k` defines, parsing it on first use.
    pub(super) fn items(&mut self, k: usize) -> Option<&Items<'a>> {
        if self.mods.get(k)?.items.is_none() {
            let loaded = self.mods[k].loaded?;
            let budget = self.parsed_bytes + loaded.text.len() <= MAX_PARSED_BYTES;
            if budget {
                self.parsed_bytes += loaded.text.len();
            }
            let file = loaded
                .file
                .get_or_init(|| {
                    let text = std::str::from_utf8(&loaded.text).ok()?;
                    budget.then(|| syn::parse_file(text).ok()).flatten()
                })
                .as_ref();
            match file {
                Some(file) => self.collect_items(k, &file.items),
                None => self.mods[k].items = Some(Items::default()),
            }
        }
        self.mods[k].items.as_ref()
    }

    /// Records what module `k` defines.
    fn collect_items(&mut self, k: usize, items: &'a [syn::Item]) {
        let saved = std::mem::replace(&mut self.cur, k);
        let mut out = Items::default();
        let mut file_mods = Vec::new();
        self.collect(k, items, 0, &mut out, &mut file_mods);
        self.cur = saved;
        self.mods[k].items = Some(out);
        self.mods[k].file_mods = file_mods;
    }

    fn collect(
        &self,
        k: usize,
        items: &'a [syn::Item],
        depth: usize,
        out: &mut Items<'a>,
        file_mods: &mut Vec<String>,
    ) {
        if depth > 16 {
            return;
        }
        for item in items {
            match item {
                syn::Item::Const(c) => {
                    out.consts.insert(c.ident.to_string(), &c.expr);
                }
                syn::Item::Static(s) => {
                    out.consts.insert(s.ident.to_string(), &s.expr);
                }
                syn::Item::Fn(f) => add_fn(out, k, &f.sig, &f.block, None),
                syn::Item::Mod(m) => match &m.content {
                    Some((_, inner)) => {
                        out.inline_mods.insert(m.ident.to_string());
                        self.collect(k, inner, depth + 1, out, file_mods);
                    }
                    None if depth == 0 => file_mods.push(m.ident.to_string()),
                    None => {}
                },
                syn::Item::Impl(imp) => {
                    for it in &imp.items {
                        match it {
                            syn::ImplItem::Fn(f) => {
                                add_fn(out, k, &f.sig, &f.block, Some(imp));
                            }
                            syn::ImplItem::Const(c) => {
                                out.consts.insert(c.ident.to_string(), &c.expr);
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
                            add_fn(out, k, sig, block, None);
                        }
                    }
                }
                syn::Item::Struct(s) => {
                    out.structs.insert(s.ident.to_string(), s);
                    for f in &s.fields {
                        if let Some(id) = &f.ident {
                            out.field_types.insert(id.to_string(), self.text(&f.ty));
                        }
                    }
                }
                syn::Item::Use(u) => {
                    let base = if u.leading_colon.is_some() {
                        vec![String::new()]
                    } else {
                        Vec::new()
                    };
                    use_tree(&u.tree, base, depth, out);
                }
                _ => {}
            }
        }
    }

    /// The module whose crate path is `path`, in the crate of module `m`.
    fn module_at(&mut self, m: usize, path: &[String]) -> Option<usize> {
        let key = (m, path.join("::"));
        if let Some(&known) = self.links.get(&key) {
            return known;
        }
        let found = self.find_module_at(m, path);
        self.links.insert(key, found);
        found
    }

    fn find_module_at(&mut self, m: usize, path: &[String]) -> Option<usize> {
        let place = self.mods.get(m)?.place.clone();
        if path.is_empty() {
            return self.load(place.root_file.as_ref()?);
        }
        let mut dir = place.root?;
        for p in path {
            dir.push(p);
        }
        self.module_file(&dir)
    }

    /// `dir.rs` or `dir/mod.rs`.
    fn module_file(&mut self, dir: &Path) -> Option<usize> {
        let file = dir.with_extension("rs");
        if self.project.is_file(&file) {
            return self.load(&file);
        }
        let m = dir.join("mod.rs");
        if self.project.is_file(&m) {
            return self.load(&m);
        }
        None
    }

    /// The file of module `m`'s `mod name;`.
    fn child(&mut self, m: usize, name: &str) -> Option<usize> {
        let key = (m, format!("mod {name}"));
        if let Some(&known) = self.links.get(&key) {
            return known;
        }
        let dir = self.mods.get(m)?.place.mod_dir.clone();
        let found = dir.and_then(|d| self.module_file(&d.join(name)));
        self.links.insert(key, found);
        found
    }

    /// The module `super` names from module `m`.
    fn parent(&mut self, m: usize) -> Option<usize> {
        let path = self.mods.get(m)?.place.crate_path.clone();
        let (_, up) = path.split_last()?;
        self.module_at(m, up)
    }

    /// What a path written in module `m` names: the module it leads to and
    /// the item path inside it (empty when the path names the module).
    pub(super) fn resolve(&mut self, m: usize, segs: &[String]) -> Option<(usize, Vec<String>)> {
        self.resolve_from(m, segs, 0)
    }

    fn resolve_from(
        &mut self,
        m: usize,
        segs: &[String],
        depth: usize,
    ) -> Option<(usize, Vec<String>)> {
        if depth > MAX_RESOLVE {
            return None;
        }
        let Some(first) = segs.first() else {
            return Some((m, Vec::new()));
        };
        let rest = &segs[1..];
        match first.as_str() {
            // `::name`: another crate.
            "" => return None,
            "crate" => {
                let root = self.module_at(m, &[])?;
                return self.resolve_from(root, rest, depth + 1);
            }
            "self" => return self.resolve_from(m, rest, depth + 1),
            "super" => {
                let up = self.parent(m)?;
                return self.resolve_from(up, rest, depth + 1);
            }
            "Self" if depth == 0 => {
                let ty = self.impl_ty.clone()?;
                let mut path = vec![ty.name];
                path.extend_from_slice(rest);
                return Some((ty.module, path));
            }
            _ => {}
        }
        if self.mods.get(m)?.file_mods.contains(first) {
            let child = self.child(m, first)?;
            return self.resolve_from(child, rest, depth + 1);
        }
        if !self.mentions(m, first) {
            return Some((m, segs.to_vec()));
        }
        let items = self.items(m)?;
        if let Some(target) = items.uses.get(first.as_str()) {
            if target.len() > 1 || target.first() != Some(first) {
                let mut full = target.clone();
                full.extend_from_slice(rest);
                return self.resolve_from(m, &full, depth + 1);
            }
        }
        if items.inline_mods.contains(first.as_str()) && !rest.is_empty() {
            return self.resolve_from(m, rest, depth + 1);
        }
        Some((m, segs.to_vec()))
    }

    /// The modules glob imports of module `m` bring names from.
    pub(super) fn glob_modules(&mut self, m: usize) -> Vec<usize> {
        let globs = self.items(m).map(|i| i.globs.clone()).unwrap_or_default();
        globs
            .iter()
            .filter_map(|g| match self.resolve_from(m, g, 1) {
                Some((k, rest)) if rest.is_empty() && k != m => Some(k),
                _ => None,
            })
            .collect()
    }

    /// A path written in the running module resolved to a module and a
    /// single item name in it, looking through glob imports when the
    /// module does not define it (`has` says whether a module does).
    pub(super) fn resolve_item(
        &mut self,
        segs: &[String],
        has: fn(&Items<'a>, &str) -> bool,
    ) -> Option<(usize, String)> {
        let (k, rest) = self.resolve(self.cur, segs)?;
        let [name] = rest.as_slice() else {
            return None;
        };
        if self.mentions(k, name) && self.items(k).is_some_and(|i| has(i, name)) {
            return Some((k, name.clone()));
        }
        for g in self.glob_modules(k) {
            if self.mentions(g, name) && self.items(g).is_some_and(|i| has(i, name)) {
                return Some((g, name.clone()));
            }
        }
        None
    }

    /// Whether module `k` may define or import `name` (before parsing it to
    /// look): the linted file's words, another file's declared names.
    pub(super) fn mentions(&mut self, k: usize, name: &str) -> bool {
        let Some(m) = self.mods.get_mut(k) else {
            return false;
        };
        if let Some(summary) = &m.words {
            return summary.declared.contains(name);
        }
        let src = m.src;
        m.own_words.get_or_insert_with(|| words(src)).contains(name)
    }

    /// The one free function `name` of module `k` (not a method).
    pub(super) fn free_fn(&mut self, k: usize, name: &str) -> Option<FnDef<'a>> {
        if !self.mentions(k, name) {
            return None;
        }
        let defs = self.items(k)?.fns.get(name)?;
        let mut it = defs.iter().filter(|d| d.owner.is_none() && !d.has_self);
        let first = *it.next()?;
        it.next().is_none().then_some(first)
    }

    /// The struct `name` of module `k` or of a module it glob-imports.
    pub(super) fn struct_in(&mut self, k: usize, name: &str) -> Option<TypeRef> {
        let has = |cx: &mut Self, m: usize| {
            cx.mentions(m, name) && cx.items(m).is_some_and(|i| i.structs.contains_key(name))
        };
        if has(self, k) {
            return Some(TypeRef {
                module: k,
                name: name.to_string(),
            });
        }
        let globs = self.glob_modules(k);
        globs.into_iter().find(|&g| has(self, g)).map(|g| TypeRef {
            module: g,
            name: name.to_string(),
        })
    }

    /// Caches the value of const `name` of module `k`.
    pub(super) fn cache_const(&mut self, k: usize, name: &str, v: &Val) {
        if let Some(items) = self.mods.get_mut(k).and_then(|m| m.items.as_mut()) {
            items.const_cache.insert(name.to_string(), v.clone());
        }
    }

    /// The struct a type names, if the project defines it.
    pub(super) fn struct_type(&mut self, ty: &syn::Type) -> Option<TypeRef> {
        let path = type_path(ty)?;
        if path.is_ident("Self") {
            return self.impl_ty.clone();
        }
        let key = std::ptr::from_ref(ty) as usize;
        if let Some(known) = self.type_structs.get(&key) {
            return known.clone();
        }
        let found = self
            .resolve_item(&segments(path), |i, n| i.structs.contains_key(n))
            .map(|(k, name)| TypeRef { module: k, name })
            .or_else(|| {
                // Another crate's wrapper of one of ours (`Persisted<Store>`,
                // `Option<Config>`): its fields and methods are the inner
                // struct's. A collection of them is not one of them.
                let last = path.segments.last()?;
                let collection = matches!(
                    last.ident.to_string().as_str(),
                    "Vec" | "VecDeque" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet"
                );
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                let mut types = args.args.iter().filter_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                });
                let inner = types.next()?;
                (!collection && types.next().is_none())
                    .then(|| self.struct_type(inner))
                    .flatten()
            });
        self.type_structs.insert(key, found.clone());
        found
    }

    /// The struct a path names (a struct literal's, an associated function's owner).
    pub(super) fn struct_of_path(&mut self, segs: &[String]) -> Option<TypeRef> {
        if segs.len() == 1 && segs[0] == "Self" {
            return self.impl_ty.clone();
        }
        let (k, name) = self.resolve_item(segs, |i, n| i.structs.contains_key(n))?;
        Some(TypeRef { module: k, name })
    }

    /// The type of the `impl` block a function is in, if a struct of the project.
    pub(super) fn owner_type(&mut self, def: &FnDef<'a>) -> Option<TypeRef> {
        let ty = def.owner?;
        let saved = std::mem::replace(&mut self.cur, def.module);
        let saved_impl = self.impl_ty.take();
        let found = self.struct_type(ty);
        self.impl_ty = saved_impl;
        self.cur = saved;
        found
    }

    /// The method or associated function `name` of struct `ty`: in its own
    /// module, else in the linted file; an inherent one before a trait's.
    pub(super) fn method_of(&mut self, ty: &TypeRef, name: &str) -> Option<FnDef<'a>> {
        let mut modules = vec![ty.module];
        for k in [0, self.cur] {
            if !modules.contains(&k) {
                modules.push(k);
            }
        }
        for k in modules {
            let defs: Vec<FnDef<'a>> = self
                .items(k)
                .and_then(|i| i.fns.get(name))
                .cloned()
                .unwrap_or_default();
            let mut found: Vec<(bool, FnDef<'a>)> = Vec::new();
            for d in defs {
                if d.owner.is_some() && self.owner_type(&d).as_ref() == Some(ty) {
                    found.push((d.in_trait_impl, d));
                }
            }
            found.sort_by_key(|(t, _)| *t);
            if let Some((_, d)) = found.first() {
                return Some(*d);
            }
        }
        None
    }

    /// A generic parameter bounded by a Redis connection trait (`T: ConnectionLike`).
    pub(super) fn generic_client(
        &self,
        ty: &syn::Type,
        def: &FnDef<'a>,
    ) -> Option<super::methods::ClientKind> {
        let path = type_path(ty)?;
        let name = path.get_ident()?.to_string();
        let mut bounds = String::new();
        for g in [Some(&def.sig.generics), def.impl_generics]
            .into_iter()
            .flatten()
        {
            for p in g.type_params().filter(|p| p.ident == name) {
                for b in &p.bounds {
                    bounds.push_str(&self.text(b));
                }
            }
            if let Some(w) = &g.where_clause {
                for pred in &w.predicates {
                    if let syn::WherePredicate::Type(t) = pred {
                        if type_path(&t.bounded_ty)
                            .and_then(syn::Path::get_ident)
                            .is_some_and(|i| *i == name)
                        {
                            for b in &t.bounds {
                                bounds.push_str(&self.text(b));
                            }
                        }
                    }
                }
            }
        }
        if bounds.is_empty() {
            return None;
        }
        super::client_of_type(&bounds, self.fred)
    }

    /// The files of the crate module `m` is in, from its root down the
    /// `mod` declarations (breadth first, bounded).
    pub(super) fn crate_files(&mut self, m: usize) -> Vec<PathBuf> {
        let Some(root) = self.mods.get(m).and_then(|x| x.place.root_file.clone()) else {
            return Vec::new();
        };
        let mut out = vec![crate::project::normal(&root)];
        let mut seen: HashSet<PathBuf> = out.iter().cloned().collect();
        let mut i = 0;
        while i < out.len() && out.len() < MAX_CRATE_FILES {
            let file = out[i].clone();
            i += 1;
            let Some(summary) = self.summary(&file) else {
                continue;
            };
            let Some(dir) = self.place_of(&file).mod_dir else {
                continue;
            };
            for name in &summary.mods {
                let base = dir.join(name);
                for f in [base.with_extension("rs"), base.join("mod.rs")] {
                    if self.project.is_file(&f) && seen.insert(f.clone()) {
                        out.push(f);
                        break;
                    }
                }
            }
        }
        out
    }

    /// Whether the text of `path` may construct a struct called `name`
    /// (`name {` or `name{` after a non-identifier character).
    pub(super) fn mentions_literal(&self, path: &Path, name: &str) -> bool {
        let Some(summary) = self.summary(path) else {
            return false;
        };
        let text = &summary.text;
        memchr::memmem::find_iter(text, name.as_bytes()).any(|at| {
            let before_ok = at == 0 || {
                let b = text[at - 1];
                !(b.is_ascii_alphanumeric() || b == b'_')
            };
            let after = text[at + name.len()..]
                .iter()
                .find(|b| !b.is_ascii_whitespace());
            before_ok && after == Some(&b'{')
        })
    }
}

fn add_fn<'a>(
    out: &mut Items<'a>,
    module: usize,
    sig: &'a syn::Signature,
    block: &'a syn::Block,
    imp: Option<&'a syn::ItemImpl>,
) {
    let has_self = matches!(sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
    out.fns
        .entry(sig.ident.to_string())
        .or_default()
        .push(FnDef {
            sig,
            block,
            has_self,
            module,
            owner: imp.map(|i| &*i.self_ty),
            impl_generics: imp.map(|i| &i.generics),
            in_trait_impl: imp.is_some_and(|i| i.trait_.is_some()),
        });
}

/// Records the names a `use` tree binds. Inside an inline module (flattened
/// into its file) `super::` names the file's module itself.
fn use_tree(tree: &syn::UseTree, mut base: Vec<String>, inline: usize, out: &mut Items<'_>) {
    let own = |mut path: Vec<String>| {
        let supers = path
            .iter()
            .take(inline)
            .take_while(|s| *s == "super")
            .count();
        path.drain(..supers);
        path
    };
    match tree {
        syn::UseTree::Path(p) => {
            base.push(p.ident.to_string());
            use_tree(&p.tree, base, inline, out);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = base.last().cloned() {
                    out.uses.insert(last, own(base));
                }
            } else {
                base.push(name.clone());
                out.uses.insert(name, own(base));
            }
        }
        syn::UseTree::Rename(r) => {
            let name = r.ident.to_string();
            if name != "self" {
                base.push(name);
            }
            out.uses.insert(r.rename.to_string(), own(base));
        }
        syn::UseTree::Glob(_) => {
            let path = own(base);
            if !path.is_empty() {
                out.globs.push(path);
            }
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_tree(t, base.clone(), inline, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn declared_names() {
        let d = super::declared("pub const ACTIVE: &str = \"{q}:active\";\npub use self::inner::queue_key;\nmod inner;\n");
        let mut v: Vec<&str> = d.iter().map(|b| &**b).collect();
        v.sort_unstable();
        assert_eq!(v, ["ACTIVE", "inner", "queue_key", "self"]);
    }
}
