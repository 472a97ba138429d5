//! Which files to lint: walk the given paths the way ripgrep does (`.gitignore`,
//! `.ignore`, `.git/info/exclude`, global git excludes, hidden files), apply
//! the config's `include`/`exclude` globs, pick each file's front-end, and run
//! a function over the files in parallel with deterministic order.
//!
//! Paths named on the command line are linted even when ignored, except with
//! `--force-exclude` (what pre-commit needs, since it passes every staged file).

use std::collections::{HashMap, HashSet};
use std::num::NonZero;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, IncrementalIgnore, WalkBuilder, WalkState};

use crate::lang::Language;

/// One file to analyze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    /// The path as diagnostics show it.
    pub display: String,
    pub language: Language,
    /// The text comes from standard input (`-`), not from `path`.
    pub stdin: bool,
}

/// The files of a run, and notes about paths that were skipped.
#[derive(Debug, Default)]
pub struct Targets {
    pub files: Vec<Target>,
    pub notes: Vec<String>,
}

/// How to walk: the config's globs, `--force-exclude`, the thread count.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub filter: Arc<Filter>,
    /// Apply ignore files and `exclude` to explicitly named paths too.
    pub force_exclude: bool,
    /// Threads for the walk (1 = serial).
    pub threads: usize,
    /// The name of the text read from `-` (`--stdin-filename`).
    pub stdin_filename: Option<PathBuf>,
    /// The largest file read (`max-file-size`): schema files named for the
    /// run are checked against it up front.
    pub max_file_size: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            filter: Arc::new(Filter::default()),
            force_exclude: false,
            threads: 1,
            stdin_filename: None,
            max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Directories never walked into, ignore files or not (explicit paths inside
/// them still count unless `--force-exclude`).
const SKIP_DIRS: &[&str] = &["target", "node_modules", "__pycache__", "venv"];

/// The threads to use for `requested` (0 = one per core).
pub fn threads(requested: usize) -> usize {
    if requested > 0 {
        return requested;
    }
    std::thread::available_parallelism().map_or(1, NonZero::get)
}

/// The config's `include`/`exclude` lists: globs in `.gitignore` syntax,
/// relative to the directory of the config file (`legacy/`, `*.gen.lua`,
/// `/vendor`, `src/**/*.redis`). `exclude` prunes walked files and
/// directories; a non-empty `include` keeps only walked files that match it
/// (or sit in a directory that does).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    root: PathBuf,
    include: Option<Gitignore>,
    exclude: Option<Gitignore>,
    /// The globs as written, to name those that match nothing.
    globs: Vec<(&'static str, String)>,
    /// The globs that matched a path of the walk.
    hits: Arc<Mutex<HashSet<String>>>,
}

/// Checks one `include`/`exclude` glob; the error says what is wrong with it.
pub fn check_glob(glob: &str) -> Result<(), String> {
    let mut builder = GitignoreBuilder::new("/");
    // Git reads an unclosed `[` literally; in a config it is a typo.
    builder.allow_unclosed_class(false);
    match builder.add_line(None, glob) {
        Ok(_) => Ok(()),
        Err(ignore::Error::Glob { err, .. }) => Err(format!("invalid glob `{glob}`: {err}")),
        Err(e) => Err(format!("invalid glob `{glob}`: {e}")),
    }
}

impl Filter {
    /// A filter rooted at `root` (made absolute against the working directory).
    pub fn new(root: &Path, include: &[String], exclude: &[String]) -> Result<Filter, String> {
        let root = absolute(&std::env::current_dir().map_err(|e| e.to_string())?, root);
        let build = |globs: &[String]| -> Result<Option<Gitignore>, String> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut builder = GitignoreBuilder::new(&root);
            builder.allow_unclosed_class(false);
            for glob in globs {
                check_glob(glob)?;
                builder.add_line(None, glob).map_err(|e| e.to_string())?;
            }
            builder.build().map(Some).map_err(|e| e.to_string())
        };
        let globs = include
            .iter()
            .map(|g| ("include", g.clone()))
            .chain(exclude.iter().map(|g| ("exclude", g.clone())))
            .collect();
        Ok(Filter {
            include: build(include)?,
            exclude: build(exclude)?,
            root,
            globs,
            hits: Arc::default(),
        })
    }

    /// Whether `gi` matches `abs`, noting the glob that does.
    fn matches(&self, gi: &Gitignore, abs: &Path, is_dir: bool) -> bool {
        let m = gi.matched(abs, is_dir);
        if let Some(glob) = m.inner() {
            let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
            if !hits.contains(glob.original()) {
                hits.insert(glob.original().to_string());
            }
        }
        m.is_ignore()
    }

    /// Notes for the config's globs that matched nothing in a walk.
    fn unmatched(&self) -> Vec<String> {
        let hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        self.globs
            .iter()
            // As the matcher keeps it: trailing blanks dropped unless escaped.
            .filter(|(_, glob)| {
                let kept = if glob.ends_with("\\ ") {
                    glob.as_str()
                } else {
                    glob.trim_end()
                };
                !hits.contains(kept)
            })
            .map(|(key, glob)| {
                let what = if *key == "include" {
                    "no file slotlint reads"
                } else {
                    "nothing"
                };
                format!("the config's `{key}` glob `{glob}` matches {what}")
            })
            .collect()
    }

    /// Whether `abs` itself matches `exclude` (its directories are checked
    /// as the walk descends, or by [`Filter::excluded_with_parents`]).
    fn excluded(&self, abs: &Path, is_dir: bool) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|gi| self.matches(gi, abs, is_dir))
    }

    /// Whether `abs` or a directory above it (up to the filter's root) matches `exclude`.
    fn excluded_with_parents(&self, abs: &Path, is_dir: bool) -> bool {
        self.excluded(abs, is_dir) || self.parents(abs).any(|dir| self.excluded(dir, true))
    }

    /// Whether a walked file is kept by `include` (always, when it is empty).
    fn included(&self, abs: &Path) -> bool {
        let Some(gi) = &self.include else { return true };
        self.matches(gi, abs, false) || self.parents(abs).any(|dir| self.matches(gi, dir, true))
    }

    /// The directories above `abs` strictly below the root, when `abs` is
    /// inside the root (nothing otherwise).
    fn parents<'p>(&'p self, abs: &'p Path) -> impl Iterator<Item = &'p Path> + 'p {
        abs.ancestors()
            .skip(1)
            .take_while(move |dir| *dir != self.root && dir.starts_with(&self.root))
    }
}

/// Expands paths into files, sorted by the path shown. A missing path is an
/// error (exit 2); an explicit file with no front-end is noted and skipped;
/// explicit YAML files and `--schema` files are schemas. Directories are
/// walked honouring ignore files, hidden-file rules and the config's globs;
/// explicit paths are taken as they are unless `force_exclude`.
pub fn targets(
    paths: &[PathBuf],
    schemas: &[PathBuf],
    options: &WalkOptions,
) -> Result<Targets, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let mut out = Targets::default();
    for path in schemas {
        readable(path, options.max_file_size)
            .map_err(|why| format!("schema file `{}` {why}", path.display()))?;
        push(&mut out.files, &cwd, path, Language::SCHEMA);
    }
    let mut probe = options
        .force_exclude
        .then(|| ExcludeProbe::new(&cwd, options.filter.clone()));
    let mut dirs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            stdin_target(options, &cwd, probe.as_mut(), &mut out);
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| format!("`{}`: {e}", path.display()))?;
        if probe
            .as_mut()
            .is_some_and(|p| p.excluded(path, meta.is_dir()))
        {
            continue;
        }
        if meta.is_dir() {
            dirs.push(path.clone());
            continue;
        }
        match language_of_explicit(path) {
            Some(language) => push(&mut out.files, &cwd, path, language),
            None => out.notes.push(format!(
                "{}: no front-end for this kind of file; skipped",
                display_in(&cwd, path)
            )),
        }
    }
    if !dirs.is_empty() {
        walk(&dirs, &cwd, options, &mut out);
        out.notes.extend(options.filter.unmatched());
    }
    out.files
        .sort_by(|a, b| (&a.display, !a.stdin).cmp(&(&b.display, !b.stdin)));
    // One file named twice is read once; two names shown alike only because
    // they are not UTF-8 are two files.
    out.files.dedup_by(|a, b| {
        a.display == b.display
            && (a.path == b.path || (a.path.to_str().is_some() && b.path.to_str().is_some()))
    });
    out.notes.sort();
    out.notes.dedup();
    Ok(out)
}

/// Why a schema named for the run cannot be read (a missing or unreadable
/// schema stops the run, like any mistake in the configuration).
fn readable(path: &Path, limit: u64) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "not found".to_string(),
        _ => format!("cannot be read: {e}"),
    })?;
    crate::source::check_metadata(&meta, limit).map_err(|why| format!("is {why}"))?;
    std::fs::File::open(path)
        .map(drop)
        .map_err(|e| format!("cannot be read: {e}"))
}

/// The target for `-`: named by `--stdin-filename` (a redis-cli file named
/// `-` without it); none when that name has no front-end or is force-excluded.
fn stdin_target(
    options: &WalkOptions,
    cwd: &Path,
    probe: Option<&mut ExcludeProbe>,
    out: &mut Targets,
) {
    let Some(name) = &options.stdin_filename else {
        out.files.push(Target {
            path: PathBuf::from("-"),
            display: "-".into(),
            language: Language::REDIS_CLI,
            stdin: true,
        });
        return;
    };
    if probe.is_some_and(|p| p.excluded(name, false)) {
        return;
    }
    match language_of_explicit(name) {
        Some(language) => out.files.push(Target {
            path: name.clone(),
            display: display_in(cwd, name),
            language,
            stdin: true,
        }),
        None => out.notes.push(format!(
            "{}: no front-end for this kind of file; skipped",
            display_in(cwd, name)
        )),
    }
}

/// The language of a file named explicitly (or by `--stdin-filename`): by
/// its name, and any other YAML file is a key schema.
pub fn language_of_explicit(path: &Path) -> Option<Language> {
    let is_yaml = path.extension().is_some_and(|e| {
        let e = e.to_string_lossy();
        e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml")
    });
    Language::from_path(path).or(is_yaml.then_some(Language::SCHEMA))
}

/// The walker with slotlint's settings for `roots`.
fn builder(roots: &[PathBuf], cwd: &Path, options: &WalkOptions) -> WalkBuilder {
    let mut builder = WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        builder.add(root);
    }
    builder
        .standard_filters(true)
        // `.gitignore` counts outside git repositories too (a tarball, a
        // fresh directory): what users expect from a linter.
        .require_git(false)
        .threads(options.threads);
    let filter = options.filter.clone();
    let cwd = cwd.to_path_buf();
    builder.filter_entry(move |entry| keep_entry(entry, &filter, &cwd));
    builder
}

/// The walk's own filter, on top of the ignore files: skipped directories
/// and the config's `exclude`.
fn keep_entry(entry: &DirEntry, filter: &Filter, cwd: &Path) -> bool {
    if entry.depth() == 0 {
        return true;
    }
    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
    if is_dir
        && entry
            .file_name()
            .to_str()
            .is_some_and(|name| SKIP_DIRS.contains(&name))
    {
        return false;
    }
    filter.exclude.is_none() || !filter.excluded(&absolute(cwd, entry.path()), is_dir)
}

/// Walks directories into `out`, on `options.threads` threads.
fn walk(dirs: &[PathBuf], cwd: &Path, options: &WalkOptions, out: &mut Targets) {
    let filter = &*options.filter;
    let accept = |entry: Result<DirEntry, ignore::Error>| -> Option<Result<Target, String>> {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => return Some(Err(format!("cannot walk: {e}"))),
        };
        // Symbolic links are not followed (as ripgrep and git do).
        let kind = entry
            .file_type()
            .filter(|t| !t.is_dir() && !t.is_symlink())?;
        let language = Language::from_path(entry.path())?;
        if filter.include.is_some() && !filter.included(&absolute(cwd, entry.path())) {
            return None;
        }
        if !kind.is_file() {
            let why = crate::source::Unread::NotRegular(crate::source::file_kind(kind));
            return Some(Err(format!(
                "{}: {why}; skipped",
                display_in(cwd, entry.path())
            )));
        }
        Some(Ok(Target {
            display: display_in(cwd, entry.path()),
            path: entry.into_path(),
            language,
            stdin: false,
        }))
    };
    let builder = builder(dirs, cwd, options);
    if options.threads <= 1 {
        for found in builder.build().filter_map(accept) {
            match found {
                Ok(target) => out.files.push(target),
                Err(note) => out.notes.push(note),
            }
        }
        return;
    }
    let (tx, rx) = mpsc::channel();
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        let accept = &accept;
        Box::new(move |entry| {
            if let Some(found) = accept(entry) {
                // The receiver outlives the walk.
                let _ = tx.send(found);
            }
            WalkState::Continue
        })
    });
    drop(tx);
    for found in rx {
        match found {
            Ok(target) => out.files.push(target),
            Err(note) => out.notes.push(note),
        }
    }
}

/// Answers "would a walk skip this path?" for explicitly named paths, with
/// the same ignore files, precedence and hidden-file rule as the walk.
struct ExcludeProbe {
    cwd: PathBuf,
    filter: Arc<Filter>,
    /// One matcher per root: the working directory for paths inside it, else
    /// the repository (or directory) the path is in.
    matchers: HashMap<PathBuf, IncrementalIgnore>,
}

impl ExcludeProbe {
    fn new(cwd: &Path, filter: Arc<Filter>) -> Self {
        ExcludeProbe {
            cwd: cwd.to_path_buf(),
            filter,
            matchers: HashMap::new(),
        }
    }

    fn excluded(&mut self, path: &Path, is_dir: bool) -> bool {
        let abs = absolute(&self.cwd, path);
        if self.filter.excluded_with_parents(&abs, is_dir) {
            return true;
        }
        let root = if abs.starts_with(&self.cwd) {
            self.cwd.clone()
        } else {
            let parent = abs.parent().unwrap_or(&abs);
            parent
                .ancestors()
                .find(|dir| dir.join(".git").exists())
                .unwrap_or(parent)
                .to_path_buf()
        };
        let Ok(relative) = abs.strip_prefix(&root) else {
            return false;
        };
        let skipped_dir = relative
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .chain(is_dir.then(|| relative.components().next_back()).flatten())
            .any(|c| {
                c.as_os_str()
                    .to_str()
                    .is_some_and(|name| SKIP_DIRS.contains(&name))
            });
        if skipped_dir {
            return true;
        }
        let relative = relative.to_path_buf();
        let options = WalkOptions::default();
        let matcher = self.matchers.entry(root.clone()).or_insert_with(|| {
            builder(&[root], &self.cwd, &options)
                .build_matchers()
                .remove(0)
        });
        matcher.matched(&relative, is_dir).is_ignore()
    }
}

fn push(files: &mut Vec<Target>, cwd: &Path, path: &Path, language: Language) {
    files.push(Target {
        path: path.to_path_buf(),
        display: display_in(cwd, path),
        language,
        stdin: false,
    });
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically.
pub(crate) fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A path as shown in diagnostics: relative to the working directory when it
/// is inside it, without a leading `./`.
pub fn display(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => display_in(&cwd, path),
        Err(_) => display_in(Path::new(""), path),
    }
}

fn display_in(cwd: &Path, path: &Path) -> String {
    let abs = absolute(cwd, path);
    let shown = match abs.strip_prefix(cwd) {
        Ok(inside) if cwd.is_absolute() => inside,
        _ if path.is_absolute() => &abs,
        // Outside the working directory (`../x`): as given.
        _ => path,
    };
    let s = shown.to_string_lossy();
    let s = s.strip_prefix("./").unwrap_or(&s);
    if std::path::MAIN_SEPARATOR == '/' {
        s.to_string()
    } else {
        s.replace('\\', "/")
    }
}

/// Runs `f` over `items` on `threads` threads; results come back in input order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests;
