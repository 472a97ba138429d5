//! The one function every document goes through, open or not: a text, its
//! path and language, linted as `check` lints it (same config, same rules,
//! suppressions and levels), keeping the model for hover and the findings'
//! fixes for code actions. A project-wide index would hook in here: a file
//! re-summarized, the documents that depend on it linted again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::analysis::{self, FileResult};
use crate::config::Config;
use crate::lang::Language;
use crate::model::FileModel;
use crate::rules::Options;
use crate::source::SourceFile;

/// What every document is judged by: the config and the run's options.
#[derive(Debug, Default)]
pub(crate) struct Judge {
    pub(crate) config: Config,
    pub(crate) options: Options,
}

/// A text to lint: an open document's buffer, or a file of the workspace.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// As paths are shown: relative to the workspace root when under it.
    pub(crate) shown: String,
    pub(crate) language: Language,
    /// The editor's version; `None` for a file read from disk.
    pub(crate) version: Option<i32>,
    pub(crate) text: Arc<String>,
}

/// A document linted.
#[derive(Debug)]
pub(crate) struct Analysis {
    pub(crate) version: Option<i32>,
    pub(crate) language: Language,
    pub(crate) file: SourceFile,
    /// The model the rules judged; `None` after a fatal error or when the
    /// text was skipped (nothing Redis-looking in it).
    pub(crate) model: Option<FileModel>,
    pub(crate) result: FileResult,
}

/// Lints `source` with `judge`. `None` when `cancel` was set meanwhile (a
/// newer version is waiting): that result would never be published.
pub(crate) fn lint(source: &Source, judge: &Judge, cancel: &AtomicBool) -> Option<Analysis> {
    let stop = || cancel.load(Ordering::Relaxed);
    if stop() {
        return None;
    }
    let file = SourceFile::new(source.shown.clone(), source.text.as_bytes().to_vec());
    // As `check`: a text with no Redis-looking token is not analyzed.
    let (mut result, model) = if source.language.prefilter(&file.text) {
        analysis::lint_for_editor(&file, source.language, &judge.config, &judge.options, &stop)?
    } else {
        (FileResult::default(), None)
    };
    // In `check`'s order, without its duplicates.
    result.findings.sort_by(|a, b| {
        (a.span.start, a.rule, &a.message, a.span.end).cmp(&(
            b.span.start,
            b.rule,
            &b.message,
            b.span.end,
        ))
    });
    result.findings.dedup();
    Some(Analysis {
        version: source.version,
        language: source.language,
        file,
        model,
        result,
    })
}
