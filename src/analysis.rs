//! One file through its front-end and every rule: the unit of work that runs
//! in parallel. Workers return results; they never print.

use std::sync::{mpsc, Arc};
use std::time::Duration;

use crate::finding::Finding;
use crate::lang::{Language, Problem};
use crate::model::FileModel;
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
}

/// Runs the front-end for `language` and every rule over one file.
pub fn analyze(file: &SourceFile, language: Language, options: &Options) -> FileResult {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (mut model, problems) = match front_end(file, language) {
            Ok(parsed) => parsed,
            Err(fatal) => {
                return FileResult {
                    fatal: Some(fatal),
                    ..FileResult::default()
                }
            }
        };
        model.apply_client_hints(&options.clients);
        FileResult {
            findings: rules::check_all(&model, options),
            problems,
            fatal: None,
        }
    }));
    outcome.unwrap_or_else(|_| internal_error())
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
/// applied, then the config's rule levels.
pub fn lint(
    file: &SourceFile,
    language: Language,
    config: &crate::config::Config,
    options: &Options,
) -> FileResult {
    let mut result = analyze(file, language, options);
    crate::suppress::apply(file, language, &mut result.findings);
    config.apply(&mut result.findings);
    result
}

/// [`lint`] on a thread of its own, given up after `budget`: the last line
/// of defense against an input that makes some step slow beyond reason. A
/// file given up gives `None` and the run goes on; its thread is left to
/// finish on its own (its result is dropped).
pub fn lint_within(
    file: SourceFile,
    language: Language,
    config: &Arc<crate::config::Config>,
    options: &Arc<Options>,
    budget: Duration,
) -> Option<(SourceFile, FileResult)> {
    let (tx, rx) = mpsc::sync_channel(1);
    let file = Arc::new(file);
    let (shared, c, o) = (Arc::clone(&file), Arc::clone(config), Arc::clone(options));
    let spawned = std::thread::Builder::new()
        .name("slotlint-file".into())
        .stack_size(FILE_STACK)
        .spawn(move || {
            let result = lint(&shared, language, &c, &o);
            drop(shared);
            // The receiver is gone when the budget ran out: nothing to tell.
            let _ = tx.send(result);
        });
    let result = match spawned {
        Ok(_) => match rx.recv_timeout(budget) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => return None,
            Err(mpsc::RecvTimeoutError::Disconnected) => internal_error(),
        },
        // No thread to be had: analyze here, without a budget.
        Err(_) => lint(&file, language, config, options),
    };
    // The thread dropped its handle to the file before sending.
    let file = Arc::try_unwrap(file).unwrap_or_else(|shared| (*shared).clone());
    Some((file, result))
}

/// The stack of a file's analysis thread: what the main thread has, and more.
const FILE_STACK: usize = 16 << 20;

/// The model of one file, or a fatal (user) error.
pub fn front_end(
    file: &SourceFile,
    language: Language,
) -> Result<(FileModel, Vec<Problem>), String> {
    let out = (language.front_end().parse)(file)?;
    Ok((out.model, out.problems))
}
