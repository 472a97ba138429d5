//! The project's Redis Functions: every function the run's files register
//! (`.lua` libraries, FUNCTION LOAD payloads, libraries loaded from code),
//! by name, summarized for judging FCALL call sites in other files.
//!
//! The table is built before the rules run by a cheap pre-pass ([`collect`]:
//! only files that mention `register_function` go through their front-end)
//! and is read-only afterwards, shared by every worker through
//! [`crate::rules::Options`]. Per-file analysis stays parallel and
//! deterministic: the table depends on the set of files, not on their order
//! of analysis.

use std::collections::BTreeMap;

use crate::discover::{self, Target};
use crate::model::{FileModel, Function, ScriptFlags, ScriptKeyUse};
use crate::source::SourceFile;

/// What a call site needs to know of a function defined anywhere in the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSummary {
    pub name: String,
    /// The library's `name=`.
    pub library: Option<String>,
    /// `path:line` of the registration (empty for one in the caller's own file).
    pub location: String,
    pub flags: ScriptFlags,
    /// The keys its body reaches (from its keys parameter or not); spans are
    /// in the defining file.
    pub key_uses: Vec<ScriptKeyUse>,
    /// The write commands its body calls, in order, deduplicated.
    pub writes: Vec<String>,
    /// The highest `keys[i]` its body reads.
    pub max_key_index: Option<u32>,
}

impl FunctionSummary {
    /// Summarizes function `f` of `model`, registered at `location`.
    pub fn of(model: &FileModel, library: Option<&str>, f: &Function, location: String) -> Self {
        let script = model.scripts.get(f.script);
        let mut writes: Vec<String> = Vec::new();
        for c in script.iter().flat_map(|s| &s.calls) {
            let write = crate::rules::command_spec(&c.command)
                .is_some_and(crate::commands::CommandSpec::is_write);
            if write && !writes.contains(&c.command) {
                writes.push(c.command.clone());
            }
        }
        FunctionSummary {
            name: f.name.clone(),
            library: library.map(str::to_string),
            location,
            flags: script.map(|s| s.flags.clone()).unwrap_or_default(),
            key_uses: script.map(|s| s.key_uses.clone()).unwrap_or_default(),
            writes,
            max_key_index: script.and_then(|s| s.max_key_index).map(|(n, _)| n),
        }
    }
}

/// Every function of the run by name; the first registration (in path order)
/// of a name wins, as a later FUNCTION LOAD of the same name would fail.
#[derive(Debug, Clone, Default)]
pub struct FunctionTable {
    by_name: BTreeMap<String, FunctionSummary>,
}

impl FunctionTable {
    /// Adds the functions of one file's model.
    pub fn add(&mut self, file: &SourceFile, model: &FileModel) {
        for lib in &model.libraries {
            for f in &lib.functions {
                let (line, _) = file.line_col(f.span.start);
                let location = format!("{}:{line}", file.path);
                self.by_name.entry(f.name.clone()).or_insert_with(|| {
                    FunctionSummary::of(model, lib.name.as_deref(), f, location)
                });
            }
        }
    }

    /// The function registered under `name`, if any file of the run does.
    pub fn get(&self, name: &str) -> Option<&FunctionSummary> {
        self.by_name.get(name)
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }
}

/// Whether a file may register functions, before any parsing.
fn may_register(text: &[u8]) -> bool {
    memchr::memmem::find(text, b"register_function").is_some()
}

/// The pre-pass: reads the targets (`stdin` is the text of a `-` target) and
/// runs the front-end of those that may register functions. Unreadable files
/// are skipped here; the main pass reports them.
pub fn collect(
    targets: &[Target],
    threads: usize,
    stdin: &[u8],
    config: &crate::config::Config,
    project: &crate::project::Project,
) -> FunctionTable {
    let found = discover::parallel_map(targets, threads, |t: &Target| {
        // Read as the main pass reads (within `max-file-size`, decoded),
        // which reports the files that cannot be.
        let bytes = if t.stdin {
            stdin.to_vec()
        } else {
            crate::source::read_file(&t.path, config.max_file_size())
                .and_then(crate::source::decode)
                .ok()?
        };
        if !may_register(&bytes) || !t.language.prefilter(&bytes) {
            return None;
        }
        let file = SourceFile::new(t.display.clone(), bytes).at(&t.path);
        // The main pass reports a file whose analysis fails; here it adds nothing.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let deadline = std::time::Instant::now().checked_add(config.max_file_time());
            crate::budget::with_deadline(deadline, || {
                crate::analysis::front_end(&file, t.language, project).ok()
            })
        }));
        let (model, _) = parsed.ok().flatten()?;
        (!model.libraries.is_empty()).then_some((file, model))
    });
    let mut table = FunctionTable::default();
    for (file, model) in found.into_iter().flatten() {
        table.add(&file, &model);
    }
    table
}
