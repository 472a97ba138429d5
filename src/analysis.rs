//! One file through its front-end and every rule: the unit of work that runs
//! in parallel. Workers return results; they never print.

use crate::finding::Finding;
use crate::lang::{self, Language, Problem};
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
    analyze_model(
        file,
        language,
        options,
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
    stop: &dyn Fn() -> bool,
    cache: &mut EditorCache,
) -> Option<(FileResult, Option<FileModel>)> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let parsed = match language {
            Language::Python => {
                let (out, tree) = lang::python::parse_incremental(&file.text, cache.tree.as_ref());
                cache.tree = tree;
                Ok((out.model, out.problems))
            }
            Language::Js(dialect) => {
                let old = cache.tree.as_ref();
                let (out, tree) = lang::js::parse_incremental(&file.text, dialect, old);
                cache.tree = tree;
                Ok((out.model, out.problems))
            }
            _ => {
                cache.tree = None;
                front_end(file, language)
            }
        };
        let (mut model, problems) = match parsed {
            Ok(parsed) => parsed,
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
        model.apply_client_hints(&options.clients);
        let result = FileResult {
            findings: rules::check_all(&model, options),
            problems,
            fatal: None,
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

/// [`lint`] for an editor: also the model the rules judged (to answer
/// questions about its keys), and `None` when `stop` says the work is no
/// longer wanted once the front-end is done. `cache` holds what the last
/// lint of the document left, and what this one leaves.
pub fn lint_for_editor(
    file: &SourceFile,
    language: Language,
    config: &crate::config::Config,
    options: &Options,
    stop: &dyn Fn() -> bool,
    cache: &mut EditorCache,
) -> Option<(FileResult, Option<FileModel>)> {
    let (mut result, model) = analyze_model(file, language, options, stop, cache)?;
    crate::suppress::apply(file, language, &mut result.findings);
    config.apply(&mut result.findings);
    Some((result, model))
}

/// The model of one file, or a fatal (user) error.
pub fn front_end(
    file: &SourceFile,
    language: Language,
) -> Result<(FileModel, Vec<Problem>), String> {
    Ok(match language {
        Language::RedisCli => {
            let out = lang::redis_cli::parse(&file.text);
            (out.model, out.problems)
        }
        Language::Lua => {
            let out = lang::lua_file::parse(&file.text);
            (out.model, out.problems)
        }
        Language::Python => {
            let out = lang::python::parse(&file.text);
            (out.model, out.problems)
        }
        Language::Js(dialect) => {
            let out = lang::js::parse(&file.text, dialect);
            (out.model, out.problems)
        }
        Language::Rust => {
            let out = lang::rust::parse(&file.text);
            (out.model, out.problems)
        }
        Language::Schema => {
            let schema =
                lang::yaml_schema::parse(&file.path, &file.text).map_err(|e| e.to_string())?;
            // A topology kept in its own file must load, like an inline one.
            if let Some(path) = &schema.topology_file {
                if let Err(e) = crate::topology::Topology::load(path) {
                    let (line, col) = file.line_col(schema.topology_span.map_or(0, |s| s.start));
                    return Err(format!("{}:{line}:{col}: topology: {e}", file.path));
                }
            }
            (schema.model, Vec::new())
        }
    })
}
