//! One file through its front-end and every rule: the unit of work that runs
//! in parallel. Workers return results; they never print.

use std::sync::{mpsc, Arc};
use std::time::Duration;

use crate::finding::Finding;
use crate::lang::{Language, Output, Problem};
use crate::model::FileModel;
use crate::project::Project;
use crate::rules::{self, Options};
use crate::source::SourceFile;

/// What analyzing one file gave.
#[derive(Debug, Default)]
pub struct FileResult {
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    /// A user error that must stop the run with exit code 2 (a broken schema):
    /// the full `path:line:col: message` text.
    pub fatal: Option<String>,
    /// The other files the analysis read (see [`crate::lang::Output::deps`]).
    pub deps: Vec<std::path::PathBuf>,
}

/// Runs the front-end for `language` and every rule over one file, following
/// its imports into `project`.
pub fn analyze(
    file: &SourceFile,
    language: Language,
    options: &Options,
    project: &Project,
) -> FileResult {
    analyze_model(
        file,
        language,
        options,
        project,
        &|| false,
        &mut EditorCache::default(),
    )
    .map_or_else(FileResult::default, |r| r.0)
}

/// What an editor keeps of a document from one lint to the next: the
/// syntax tree of a tree-sitter front-end, told of the edits since (so the
/// next parse redoes only what changed).
#[derive(Debug, Default)]
pub struct EditorCache {
    pub tree: Option<tree_sitter::Tree>,
}

/// [`analyze`], and the model the rules judged (`None` after a fatal error);
/// `None` when `stop` says so once the front-end is done (an editor's
/// buffer changed meanwhile).
fn analyze_model(
    file: &SourceFile,
    language: Language,
    options: &Options,
    project: &Project,
    stop: &dyn Fn() -> bool,
    cache: &mut EditorCache,
) -> Option<(FileResult, Option<FileModel>)> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Tests make one file's analysis panic (debug builds only) to see
        // the internal error reported, at once, and the run go on.
        #[cfg(debug_assertions)]
        assert!(
            !std::env::var("SLOTLINT_TEST_PANIC").is_ok_and(|name| file.path.ends_with(&name)),
            "a panic asked for by SLOTLINT_TEST_PANIC"
        );
        let front_end = language.front_end();
        let parsed: Result<Output, String> = if let Some(reparse) = front_end.reparse {
            let (out, tree) = reparse(file, project, cache.tree.as_ref());
            cache.tree = tree;
            Ok(out)
        } else {
            cache.tree = None;
            (front_end.parse)(file, project)
        };
        let out = match parsed {
            Ok(out) => out,
            Err(fatal) => {
                let result = FileResult {
                    fatal: Some(fatal),
                    ..FileResult::default()
                };
                return Some((result, None));
            }
        };
        if stop() {
            return None;
        }
        let mut model = out.model;
        model.apply_client_hints(&options.clients);
        let result = FileResult {
            findings: rules::check_all(&model, options),
            problems: out.problems,
            fatal: None,
            deps: out.deps,
        };
        Some((result, Some(model)))
    }));
    outcome.unwrap_or_else(|_| {
        cache.tree = None;
        Some((internal_error(), None))
    })
}

fn internal_error() -> FileResult {
    FileResult {
        problems: vec![Problem {
            span: crate::model::Span::default(),
            message:
                "internal error while analyzing this file (please report it); the file was skipped"
                    .into(),
        }],
        ..FileResult::default()
    }
}

/// One file as `check` reports it: analyzed, its suppression comments
/// applied, then the config's rule levels (`file.path` picks the `per-path`
/// ones: absolute, or relative to the directory the config was found from).
pub fn lint(
    file: &SourceFile,
    language: Language,
    config: &crate::config::Config,
    options: &Options,
    project: &Project,
) -> FileResult {
    let mut result = analyze(file, language, options, project);
    crate::suppress::apply(file, language, &mut result.findings);
    config.apply(&file.path, &mut result.findings);
    result
}

/// [`lint`] on a helper thread, given up after `budget`: the last line of
/// defense against an input that makes some step slow beyond reason. A file
/// given up gives `None` and the run goes on; its helper is left to finish
/// on its own (its result is dropped) and the next file gets a new one.
pub fn lint_within(
    file: SourceFile,
    language: Language,
    config: &Arc<crate::config::Config>,
    options: &Arc<Options>,
    project: &Arc<Project>,
    budget: Duration,
) -> Option<(SourceFile, FileResult)> {
    let (tx, rx) = mpsc::sync_channel(1);
    let file = Arc::new(file);
    let (shared, c, o, p) = (
        Arc::clone(&file),
        Arc::clone(config),
        Arc::clone(options),
        Arc::clone(project),
    );
    // A budget past the end of time is no deadline.
    let deadline = std::time::Instant::now().checked_add(budget);
    let job: Job = Box::new(move || {
        let result = crate::budget::with_deadline(deadline, || lint(&shared, language, &c, &o, &p));
        // A parse stopped at the deadline gives no model: past the deadline,
        // the result is not the file's, whatever it holds.
        let in_time = deadline.is_none_or(|d| std::time::Instant::now() < d);
        let result = in_time.then_some(result);
        drop(shared);
        // The receiver is gone when the budget ran out: nothing to tell.
        let _ = tx.send(result);
    });
    let result = match helper_run(job) {
        Ok(()) => match rx.recv_timeout(budget) {
            Ok(Some(result)) => result,
            Ok(None) => return None,
            Err(timeout_or_panic) => {
                // That helper is busy for good, or gone: the next file gets a new one.
                HELPER.with(|h| h.borrow_mut().take());
                if timeout_or_panic == mpsc::RecvTimeoutError::Timeout {
                    return None;
                }
                internal_error()
            }
        },
        // No thread to be had: analyze here, without a budget.
        Err(_) => lint(&file, language, config, options, project),
    };
    // The job dropped its handle to the file before sending.
    let file = Arc::try_unwrap(file).unwrap_or_else(|shared| (*shared).clone());
    Some((file, result))
}

/// Work for a helper thread.
type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// The helper thread of this thread: one per worker, reused file after
    /// file (a thread per file would cost more than small files do).
    static HELPER: std::cell::RefCell<Option<mpsc::Sender<Job>>> =
        const { std::cell::RefCell::new(None) };
}

/// Hands `job` to this thread's helper, starting one if there is none.
fn helper_run(job: Job) -> Result<(), Job> {
    HELPER.with(|h| {
        let mut h = h.borrow_mut();
        let job = match h.as_ref() {
            Some(jobs) => match jobs.send(job) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (jobs, queue) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("slotlint-file".into())
            .stack_size(FILE_STACK)
            .spawn(move || {
                // Ends when its worker drops the sender (or gives it up).
                while let Ok(job) = queue.recv() {
                    job();
                }
            });
        if spawned.is_err() {
            return Err(job);
        }
        let sent = jobs.send(job).map_err(|mpsc::SendError(job)| job);
        *h = Some(jobs);
        sent
    })
}

/// The stack of a helper thread: what the main thread has, and more.
const FILE_STACK: usize = 16 << 20;

/// [`lint`] for an editor: also the model the rules judged (to answer
/// questions about its keys), and `None` when `stop` says the work is no
/// longer wanted once the front-end is done. `cache` holds what the last
/// lint of the document left, and what this one leaves.
pub fn lint_for_editor(
    file: &SourceFile,
    language: Language,
    config: &crate::config::Config,
    options: &Options,
    project: &Project,
    stop: &dyn Fn() -> bool,
    cache: &mut EditorCache,
) -> Option<(FileResult, Option<FileModel>)> {
    let (mut result, model) = analyze_model(file, language, options, project, stop, cache)?;
    crate::suppress::apply(file, language, &mut result.findings);
    config.apply(&file.path, &mut result.findings);
    Some((result, model))
}

/// The model of one file, or a fatal (user) error.
pub fn front_end(
    file: &SourceFile,
    language: Language,
    project: &Project,
) -> Result<(FileModel, Vec<Problem>), String> {
    let out = (language.front_end().parse)(file, project)?;
    Ok((out.model, out.problems))
}
