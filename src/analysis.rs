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
/// applied, then the config's rule levels (`file.path` picks the `per-path`
/// ones: absolute, or relative to the directory the config was found from).
pub fn lint(
    file: &SourceFile,
    language: Language,
    config: &crate::config::Config,
    options: &Options,
) -> FileResult {
    let mut result = analyze(file, language, options);
    crate::suppress::apply(file, language, &mut result.findings);
    config.apply(&file.path, &mut result.findings);
    result
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
