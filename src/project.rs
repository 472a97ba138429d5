//! The project index: what the analysis of one file may read of the others.
//!
//! Real code builds keys in one file and uses them in another (a constants
//! module, a key builder, a base class, a pipeline handed to a helper). A
//! front-end resolves an import to a path itself (that is language
//! knowledge) and asks the project for that file: its text (an editor's
//! unsaved buffer wins over the disk) and its parsed form, which is built
//! once per run, shared by every worker and kept within a memory budget.
//! Summaries are made on demand: a module is read and parsed the first time
//! some analysis follows an import into it, so a file nobody imports costs
//! nothing, and a single-file run (pre-commit, stdin, an editor) still sees
//! the modules its file imports from the disk around it. Rules never see the
//! project: the front-ends hand them a richer model.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Files larger than this are not read for their definitions.
const MAX_MODULE_BYTES: u64 = 2 << 20;
/// Source bytes of parsed modules kept for later analyses.
const CACHE_BYTES: usize = 48 << 20;

type Parsed = Arc<dyn Any + Send + Sync>;

/// The files of a run as the front-ends may read them.
#[derive(Default)]
pub struct Project {
    /// Editor buffers by path: they override the disk.
    buffers: RwLock<HashMap<PathBuf, Arc<String>>>,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Project")
    }
}

/// Parsed modules, the oldest dropped first beyond the budget.
#[derive(Default)]
struct Cache {
    entries: HashMap<(PathBuf, &'static str), (Parsed, usize)>,
    order: VecDeque<(PathBuf, &'static str)>,
    bytes: usize,
    /// Whether a path is a regular file, as first seen.
    is_file: HashMap<PathBuf, bool>,
}

impl Project {
    pub fn new() -> Project {
        Project::default()
    }

    /// An editor's buffer for `path`: read instead of the disk until closed.
    pub fn set_buffer(&self, path: &Path, text: Arc<String>) {
        let path = normal(path);
        self.forget(&path);
        self.buffers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path, text);
    }

    /// The editor closed the buffer of `path`: the disk counts again.
    pub fn close_buffer(&self, path: &Path) {
        let path = normal(path);
        self.buffers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&path);
        self.forget(&path);
    }

    /// `path` changed: what was parsed of it is dropped.
    pub fn forget(&self, path: &Path) {
        let path = normal(path);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.is_file.remove(&path);
        let keys: Vec<_> = cache
            .entries
            .keys()
            .filter(|(p, _)| *p == path)
            .cloned()
            .collect();
        for key in keys {
            if let Some((_, bytes)) = cache.entries.remove(&key) {
                cache.bytes -= bytes;
            }
        }
    }

    /// Whether `path` is a file the project can read (a buffer, or a
    /// regular file on disk).
    pub fn is_file(&self, path: &Path) -> bool {
        let path = normal(path);
        if self.buffer(&path).is_some() {
            return true;
        }
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&known) = cache.is_file.get(&path) {
            return known;
        }
        let known = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
        cache.is_file.insert(path, known);
        known
    }

    fn buffer(&self, path: &Path) -> Option<Arc<[u8]>> {
        self.buffers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .map(|text| Arc::from(text.as_bytes()))
    }

    /// The text of `path`: its buffer, else the file if it is a regular file
    /// of reasonable size.
    pub fn read(&self, path: &Path) -> Option<Arc<[u8]>> {
        let path = normal(path);
        if let Some(text) = self.buffer(&path) {
            return Some(text);
        }
        crate::source::read_file(&path, MAX_MODULE_BYTES)
            .and_then(crate::source::decode)
            .ok()
            .map(Arc::from)
    }

    /// The regular files of directory `dir`, sorted (a code that lists a
    /// directory, such as a loader of `*.lua` scripts).
    pub fn files_in(&self, dir: &Path) -> Vec<PathBuf> {
        let dir = normal(dir);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| dir.join(e.file_name()))
            .take(4096)
            .collect();
        out.sort();
        out
    }

    /// `path` parsed by a front-end (`kind` names the parse, `build` makes it
    /// from the text): built once and shared while it stays in the cache.
    pub fn parsed<T: Any + Send + Sync>(
        &self,
        path: &Path,
        kind: &'static str,
        build: impl FnOnce(Arc<[u8]>) -> Option<T>,
    ) -> Option<Arc<T>> {
        let key = (normal(path), kind);
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((value, _)) = cache.entries.get(&key) {
                return Arc::clone(value).downcast::<T>().ok();
            }
        }
        // Built outside the lock: two workers may both build it; one wins.
        let text = self.read(&key.0)?;
        let bytes = text.len();
        let value: Arc<T> = Arc::new(build(text)?);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((existing, _)) = cache.entries.get(&key) {
            return Arc::clone(existing).downcast::<T>().ok();
        }
        cache.bytes += bytes;
        cache
            .entries
            .insert(key.clone(), (Arc::clone(&value) as Parsed, bytes));
        cache.order.push_back(key);
        while cache.bytes > CACHE_BYTES {
            let Some(old) = cache.order.pop_front() else {
                break;
            };
            if let Some((_, b)) = cache.entries.remove(&old) {
                cache.bytes -= b;
            }
        }
        Some(value)
    }
}

/// `path` with `.` and `..` components folded, so that one file has one key.
pub fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_override_the_disk_and_parses_are_shared() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.py");
        std::fs::write(&a, "X = 1\n").unwrap();
        let p = Project::new();
        assert!(p.is_file(&a));
        assert!(!p.is_file(&dir.path().join("b.py")));
        assert_eq!(&*p.read(&a).unwrap(), b"X = 1\n");
        let mut builds = 0;
        let first = p.parsed(&a, "len", |t| {
            builds += 1;
            Some(t.len())
        });
        let second = p.parsed(&a, "len", |t| {
            builds += 1;
            Some(t.len())
        });
        assert_eq!(
            (first.as_deref(), second.as_deref(), builds),
            (Some(&6), Some(&6), 1)
        );
        p.set_buffer(&a, Arc::new("X = 22\n".to_string()));
        assert_eq!(p.parsed(&a, "len", |t| Some(t.len())).as_deref(), Some(&7));
        p.close_buffer(&a);
        assert_eq!(p.parsed(&a, "len", |t| Some(t.len())).as_deref(), Some(&6));
        assert_eq!(normal(Path::new("x/./y/../z.py")), PathBuf::from("x/z.py"));
    }
}
