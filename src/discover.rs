//! Which files to lint: walk the given paths, pick each file's front-end,
//! and run a function over the files in parallel with deterministic order.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::analysis::FileKind;
use crate::lang::Language;

/// One file to analyze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    /// The path as diagnostics show it.
    pub display: String,
    pub kind: FileKind,
}

/// The files of a run, and notes about paths that were skipped.
#[derive(Debug, Default)]
pub struct Targets {
    pub files: Vec<Target>,
    pub notes: Vec<String>,
}

/// Directories never walked into (explicit paths inside them still count).
const SKIP_DIRS: &[&str] = &["target", "node_modules", "__pycache__", "venv"];

/// The front-end of a file found while walking, by name: `*.keys.yaml` /
/// `*.keys.yml` are key schemas; other YAML is not ours.
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".keys.yaml") || name.ends_with(".keys.yml") {
        return Some(FileKind::Schema);
    }
    Language::from_path(path).map(FileKind::Code)
}

/// Expands paths into files. A missing path is an error (exit 2); an explicit
/// file with no front-end is noted and skipped; explicit YAML files and
/// `--schema` files are schemas.
pub fn targets(paths: &[PathBuf], schemas: &[PathBuf]) -> Result<Targets, String> {
    let mut out = Targets::default();
    for path in schemas {
        if !path.is_file() {
            return Err(format!("schema file `{}` not found", path.display()));
        }
        push(&mut out.files, path, FileKind::Schema);
    }
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
        if meta.is_file() {
            let is_yaml = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
            match kind_of(path).or(is_yaml.then_some(FileKind::Schema)) {
                Some(kind) => push(&mut out.files, path, kind),
                None => out
                    .notes
                    .push(format!("{}: no front-end for this kind of file; skipped", display(path))),
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !skipped_dir(e));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if let Some(kind) = kind_of(e.path()) {
                        push(&mut out.files, e.path(), kind);
                    }
                }
                Ok(_) => {}
                Err(e) => out.notes.push(format!("cannot walk: {e}")),
            }
        }
    }
    out.files.sort_by(|a, b| a.display.cmp(&b.display));
    out.files.dedup_by(|a, b| a.display == b.display);
    Ok(out)
}

fn skipped_dir(e: &walkdir::DirEntry) -> bool {
    let name = e.file_name().to_string_lossy();
    e.file_type().is_dir() && (name.starts_with('.') || SKIP_DIRS.contains(&name.as_ref()))
}

fn push(files: &mut Vec<Target>, path: &Path, kind: FileKind) {
    files.push(Target {
        path: path.to_path_buf(),
        display: display(path),
        kind,
    });
}

/// A path as shown in diagnostics: relative to the working directory when it
/// is inside it, without a leading `./`.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = match (&cwd, path.is_absolute()) {
        (Some(cwd), true) => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let s = shown.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Runs `f` over `items` on every core; results come back in input order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect()
}
