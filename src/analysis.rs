//! One file through its front-end and every rule: the unit of work that runs
//! in parallel. Workers return results; they never print.

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
        let result = FileResult {
            problems: vec![Problem {
                span: crate::model::Span::default(),
                message:
                    "internal error while analyzing this file (please report it); the file was skipped"
                        .into(),
            }],
            ..FileResult::default()
        };
        Some((result, None))
    })
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
