//! The one function every document goes through, open or not: a text, its
//! path and language, linted as `check` lints it (same config, same rules,
//! suppressions and levels), keeping the model for hover and the findings'
//! fixes for code actions. A project-wide index would hook in here: a file
//! re-summarized, the documents that depend on it linted again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::analysis::{self, EditorCache, FileResult};
use crate::config::Config;
use crate::lang::Language;
use crate::model::FileModel;
use crate::project::Project;
use crate::rules::Options;
use crate::source::SourceFile;

/// What every document is judged by: the config and the run's options.
#[derive(Debug, Default)]
pub(crate) struct Judge {
    pub(crate) config: Config,
    pub(crate) options: Options,
    /// The workspace's files as the analysis follows imports into them, the
    /// open documents' buffers first.
    pub(crate) project: Arc<Project>,
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
    /// Where the file is: its imports are followed from there.
    pub(crate) location: Option<std::path::PathBuf>,
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

/// What an earlier lint of a document left to reuse: its syntax tree, and
/// the edits made to the text since.
#[derive(Debug, Default)]
pub(crate) struct Reuse {
    pub(crate) tree: Option<tree_sitter::Tree>,
    pub(crate) edits: Vec<tree_sitter::InputEdit>,
}

/// Lints `source` with `judge`; also gives the syntax tree of this text for
/// the next lint. No analysis when `cancel` was set meanwhile (a newer
/// version is waiting): that result would never be published.
pub(crate) fn lint(
    source: &Source,
    judge: &Judge,
    cancel: &AtomicBool,
    reuse: Reuse,
) -> (Option<Analysis>, Option<tree_sitter::Tree>) {
    let mut cache = EditorCache { tree: reuse.tree };
    if let Some(tree) = &mut cache.tree {
        for edit in &reuse.edits {
            tree.edit(edit);
        }
    }
    let stop = || cancel.load(Ordering::Relaxed);
    if stop() {
        return (None, cache.tree);
    }
    let analysis = analyze(source, judge, &stop, &mut cache);
    (analysis, cache.tree)
}

fn analyze(
    source: &Source,
    judge: &Judge,
    stop: &dyn Fn() -> bool,
    cache: &mut EditorCache,
) -> Option<Analysis> {
    let mut file = SourceFile::new(source.shown.clone(), source.text.as_bytes().to_vec());
    file.location.clone_from(&source.location);
    // As `check`: a text with no Redis-looking token is not analyzed.
    let (mut result, model) = if source.language.prefilter(&file.text) {
        let (config, options) = (&judge.config, &judge.options);
        let project = &judge.project;
        analysis::lint_for_editor(
            &file,
            source.language,
            config,
            options,
            project,
            stop,
            cache,
        )?
    } else {
        cache.tree = None;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::documents::Document;
    use lsp_types::{Position, Range, TextDocumentContentChangeEvent};
    use proptest::prelude::*;

    const START: &str = "import redis\nr = redis.Redis()\ndef f(uid):  # é\n    r.mget(f\"a:{uid}\", f\"b:{uid}\")\n    with r.pipeline(transaction=True) as p:\n        p.get(\"😀{x}:1\")\n        p.get(\"{y}:2\")\n";

    /// Findings as (rule, start, message): what a publish shows.
    fn findings(
        doc: &Document,
        reuse: Reuse,
        language: Language,
    ) -> (Vec<(String, usize, String)>, Option<tree_sitter::Tree>) {
        let source = Source {
            shown: "a".into(),
            language,
            version: Some(doc.version),
            text: doc.text.clone(),
            location: None,
        };
        let (a, tree) = lint(&source, &Judge::default(), &AtomicBool::new(false), reuse);
        let a = a.unwrap();
        let list = a
            .result
            .findings
            .iter()
            .map(|f| (f.rule.to_string(), f.span.start, f.message.clone()))
            .collect();
        (list, tree)
    }

    fn edit() -> impl Strategy<Value = (u32, u32, u32, u32, String)> {
        (
            0..9u32,
            0..40u32,
            0..2u32,
            0..12u32,
            prop::sample::select(vec![
                "",
                "x",
                "\n",
                "r.mget(\"a\", \"b\")\n",
                "{",
                "}",
                "é",
                "😀",
                "\"",
                "    p.get(f\"{uid}:c\")\n",
                "#",
            ]),
        )
            .prop_map(|(l, c, dl, dc, t)| (l, c, l + dl, dc, t.to_string()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Edits applied one by one, each linted with the tree the last lint
        /// left: the findings are those of a fresh lint of the same text.
        #[test]
        fn reused_trees_give_the_findings_of_a_fresh_parse(edits in prop::collection::vec(edit(), 1..8)) {
            for (name, language_id) in [("a.py", "python"), ("a.ts", "typescript")] {
                let uri: lsp_types::Uri = format!("file:///{name}").parse().unwrap();
                let mut doc = Document::new(&uri, language_id, 1, START.to_string());
                let language = doc.language.unwrap();
                let (_, mut tree) = findings(&doc, Reuse::default(), language);
                for (i, (l1, c1, l2, c2, text)) in edits.iter().enumerate() {
                    let range = Range::new(Position::new(*l1, *c1), Position::new(*l2, *c2));
                    let change = TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: text.clone() };
                    doc.change(i32::try_from(i).unwrap() + 2, vec![change]);
                    let reuse = Reuse { tree: tree.take(), edits: std::mem::take(&mut doc.edits) };
                    let (incremental, next) = findings(&doc, reuse, language);
                    let (fresh, _) = findings(&doc, Reuse::default(), language);
                    prop_assert_eq!(&incremental, &fresh, "{}: {}", name, doc.text);
                    tree = next;
                }
            }
        }
    }
}
