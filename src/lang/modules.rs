//! The files one analysis reads besides the linted file: the modules its
//! imports lead to, each parsed once per run through the project index and
//! kept alive for the analysis (their tree-sitter nodes borrow an arena), and
//! the data files the code reads (scripts, JSON). What was read is what a
//! change may change: the analysis' dependencies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use crate::project::Project;

/// Whether a module's top level has been run for its bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Fresh,
    Running,
    Ready,
}

/// A source file parsed once per run and shared through the project.
pub(crate) struct Parsed {
    pub(crate) text: Arc<[u8]>,
    pub(crate) tree: Tree,
}

/// The modules and files an analysis has read.
pub(crate) struct Loader<'a> {
    pub(crate) project: &'a Project,
    /// Keeps the modules' trees alive while their nodes are used.
    arena: &'a typed_arena::Arena<Arc<Parsed>>,
    /// Module indices by path (`None`: not a module the analysis can read).
    loaded: HashMap<PathBuf, Option<usize>>,
    /// Data files read.
    read: Vec<PathBuf>,
    /// Most modules one analysis reads.
    max: usize,
}

impl<'a> Loader<'a> {
    pub(crate) fn new(
        project: &'a Project,
        arena: &'a typed_arena::Arena<Arc<Parsed>>,
        max: usize,
    ) -> Self {
        Loader {
            project,
            arena,
            loaded: HashMap::new(),
            read: Vec::new(),
            max,
        }
    }

    /// Whether `path` was tried: loaded as a module, or found not to be one.
    pub(crate) fn tried(&self, path: &Path) -> bool {
        self.loaded.contains_key(path)
    }

    /// The module index of `path`, when loaded.
    pub(crate) fn index(&self, path: &Path) -> Option<usize> {
        self.loaded.get(path).copied().flatten()
    }

    /// Records that `path` is module `index`.
    pub(crate) fn record(&mut self, path: PathBuf, index: usize) {
        self.loaded.insert(path, Some(index));
    }

    /// The text and syntax tree of `path`, parsed by `parse` once per run
    /// (`kind` names the parse); `None` (and remembered) when it cannot be
    /// read or parsed, or when `count` modules are loaded already.
    pub(crate) fn parse(
        &mut self,
        path: &Path,
        kind: &'static str,
        count: usize,
        parse: impl FnOnce(&[u8]) -> Option<Tree>,
    ) -> Option<(&'a [u8], Node<'a>)> {
        if count >= self.max {
            return None;
        }
        let parsed = self.project.parsed(path, kind, |text| {
            let tree = parse(&text)?;
            Some(Parsed { text, tree })
        });
        let Some(parsed) = parsed else {
            self.loaded.insert(path.to_path_buf(), None);
            return None;
        };
        let parsed: &'a Arc<Parsed> = self.arena.alloc(parsed);
        Some((&parsed.text, parsed.tree.root_node()))
    }

    /// The text of a data file the code reads (recorded as a dependency).
    pub(crate) fn read(&mut self, path: &Path) -> Option<Arc<[u8]>> {
        let path = crate::project::normal(path);
        let text = self.project.read(&path)?;
        if !self.read.contains(&path) {
            self.read.push(path);
        }
        Some(text)
    }

    /// The files read besides the linted one (module 0), sorted.
    pub(crate) fn deps(self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .loaded
            .into_iter()
            .filter_map(|(p, i)| i.filter(|&i| i > 0).map(|_| p))
            .chain(self.read)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}
