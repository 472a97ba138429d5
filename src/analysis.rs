//! One file through its front-end and every rule: the unit of work that runs
//! in parallel. Workers return results; they never print.

use crate::finding::Finding;
use crate::lang::{Language, Problem};
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
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let out = match (language.front_end().parse)(file, project) {
            Ok(out) => out,
            Err(fatal) => {
                return FileResult {
                    fatal: Some(fatal),
                    ..FileResult::default()
                }
            }
        };
        let mut model = out.model;
        model.apply_client_hints(&options.clients);
        FileResult {
            findings: rules::check_all(&model, options),
            problems: out.problems,
            fatal: None,
            deps: out.deps,
        }
    }));
    outcome.unwrap_or_else(|_| FileResult {
        problems: vec![Problem {
            span: crate::model::Span::default(),
            message:
                "internal error while analyzing this file (please report it); the file was skipped"
                    .into(),
        }],
        ..FileResult::default()
    })
}

/// One file as `check` reports it: analyzed, its suppression comments
/// applied, then the config's rule levels.
pub fn lint(
    file: &SourceFile,
    language: Language,
    config: &crate::config::Config,
    options: &Options,
    project: &Project,
) -> FileResult {
    let mut result = analyze(file, language, options, project);
    crate::suppress::apply(file, language, &mut result.findings);
    config.apply(&mut result.findings);
    result
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
