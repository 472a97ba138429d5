//! Files the code reads: paths built from `__file__` (`os.path`, `pathlib`),
//! package data (`pkgutil.get_data`, `importlib.resources`) and `open(…)`,
//! read through the project so that a `.lua` script shipped with the package
//! is analyzed where the code loads it.

use std::path::{Path, PathBuf};

use tree_sitter::Node;

use super::calls::Args;
use super::value::{Literal, Py, Val};
use super::Cx;

impl<'a> Cx<'a> {
    /// The directory of the module whose code runs.
    fn module_dir(&self) -> Option<PathBuf> {
        self.md().path.as_ref()?.parent().map(Path::to_path_buf)
    }

    /// `__file__`.
    pub(super) fn this_file(&self) -> Option<Val> {
        self.md().path.clone().map(|p| Val::Ext(Py::Path(p)))
    }

    /// A path argument: a path value, or an absolute literal path.
    fn path_of(v: &Val) -> Option<PathBuf> {
        match v {
            Val::Ext(Py::Path(p)) => Some(p.clone()),
            Val::Str(..) => {
                let bytes = v.literal_bytes()?;
                let text = String::from_utf8(bytes).ok()?;
                Path::new(&text).is_absolute().then(|| PathBuf::from(text))
            }
            _ => None,
        }
    }

    /// The directory a package argument names: `__name__`/`__package__` (the
    /// running module's), or a dotted package name of the project.
    fn package_dir(&self, v: Option<&Val>, node: Option<Node<'a>>) -> Option<PathBuf> {
        let text = node.map(|n| self.text(n));
        if matches!(text, Some("__name__" | "__package__")) {
            return self.module_dir();
        }
        let name = String::from_utf8(v?.literal_bytes()?).ok()?;
        let init = self.resolve_module(&name)?;
        init.parent().map(Path::to_path_buf)
    }

    /// The text of `path`, placed at `node`: every byte at the call that reads it.
    fn read_text(&mut self, path: &Path, node: Node<'a>) -> Val {
        let Some(text) = self.files.read(path) else {
            return Val::opaque(self.name_of(node));
        };
        let site = self.span(node);
        let mut offsets = vec![site.start; text.len()];
        offsets.push(site.end);
        Val::Ext(Py::FileText(Box::new(Literal {
            bytes: text.to_vec(),
            offsets,
        })))
    }

    /// Calls on paths and files: `read_text()`, `joinpath(…)`, `open()`, `read()`.
    pub(super) fn path_method(
        &mut self,
        recv: &Val,
        method: &str,
        node: Node<'a>,
        args: &Args<'a>,
    ) -> Option<Val> {
        match (recv, method) {
            (Val::Ext(Py::Path(p)), "read_text" | "read_bytes") => {
                Some(self.read_text(&p.clone(), node))
            }
            (Val::Ext(Py::Path(p)), "joinpath") => {
                let mut out = p.clone();
                for a in &args.pos {
                    out.push(String::from_utf8(a.literal_bytes()?).ok()?);
                }
                Some(Val::Ext(Py::Path(out)))
            }
            (Val::Ext(Py::Path(p)), "open") => Some(Val::Ext(Py::Open(p.clone()))),
            (Val::Ext(Py::Path(p)), "resolve" | "absolute") => Some(Val::Ext(Py::Path(p.clone()))),
            (Val::Ext(Py::Open(p)), "read") => Some(self.read_text(&p.clone(), node)),
            _ => None,
        }
    }

    /// Module functions that build paths or read package data, by the
    /// receiver as written: `os.path.join(…)`, `pkgutil.get_data(…)`,
    /// `importlib.resources.files(…)`.
    pub(super) fn path_function(
        &mut self,
        receiver: &str,
        method: &str,
        node: Node<'a>,
        args: &Args<'a>,
    ) -> Option<Val> {
        let last = receiver.rsplit('.').next().unwrap_or(receiver);
        let first = args.pos.first();
        match (last, method) {
            ("path", "dirname") => {
                let p = Self::path_of(first?)?;
                Some(Val::Ext(Py::Path(p.parent()?.to_path_buf())))
            }
            ("path", "abspath" | "realpath" | "normpath") => {
                Some(Val::Ext(Py::Path(Self::path_of(first?)?)))
            }
            ("path", "join") => {
                let mut out = Self::path_of(first?)?;
                for a in &args.pos[1..] {
                    out.push(String::from_utf8(a.literal_bytes()?).ok()?);
                }
                Some(Val::Ext(Py::Path(out)))
            }
            ("pkgutil", "get_data")
            | ("resources" | "importlib_resources", "read_text" | "read_binary") => {
                let dir = self.package_dir(first, args.pos_nodes.first().copied())?;
                let rel = String::from_utf8(args.pos.get(1)?.literal_bytes()?).ok()?;
                Some(self.read_text(&dir.join(rel), node))
            }
            ("resources" | "importlib_resources", "files") => {
                let dir = self.package_dir(first, args.pos_nodes.first().copied())?;
                Some(Val::Ext(Py::Path(dir)))
            }
            ("pathlib", "Path" | "PurePath") => Some(Val::Ext(Py::Path(Self::path_of(first?)?))),
            _ => None,
        }
    }
}
