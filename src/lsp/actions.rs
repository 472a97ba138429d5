//! Code actions: a finding's fix as an edit (preferred), "ignore `SLnnn` on
//! this line" as a suppression comment in the file's comment syntax, and
//! `source.fixAll.slotlint`: every safe fix of the file, as `check --fix`
//! applies them. The edits come from the findings; nothing here judges.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, NumberOrString, TextEdit, Uri,
    WorkspaceEdit,
};

use super::diagnostics::range;
use super::lint::{Analysis, Judge};
use crate::finding::{Edit, Finding, Safety};
use crate::model::Span;
use crate::source::SourceFile;

/// The kind of the fix-all action.
pub(crate) const FIX_ALL: &str = "source.fixAll.slotlint";

/// Whether actions of `kind` are wanted, given the request's `only` filter:
/// a kind covers its sub-kinds (`source` covers `source.fixAll.slotlint`).
pub(crate) fn wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|k| {
            let k = k.as_str();
            kind == k || kind.starts_with(&format!("{k}."))
        })
    })
}

fn edit(uri: &Uri, file: &SourceFile, edits: &[Edit]) -> WorkspaceEdit {
    let text_edits = edits
        .iter()
        .map(|e| TextEdit::new(range(file, e.span), e.text.clone()))
        .collect();
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), text_edits)])),
        ..WorkspaceEdit::default()
    }
}

/// Whether the finding is the diagnostic the client sent (same code and start).
fn is_diagnostic(file: &SourceFile, f: &Finding, d: &Diagnostic) -> bool {
    d.code == Some(NumberOrString::String(f.rule.to_string()))
        && d.range.start == range(file, f.span).start
}

/// The quick fixes for the findings that meet `span`: each fix, then an
/// ignore comment per rule.
pub(crate) fn quick_fixes(
    a: &Analysis,
    uri: &Uri,
    span: Span,
    sent: &[Diagnostic],
    diagnostic: &dyn Fn(&Finding) -> Diagnostic,
) -> Vec<CodeActionOrCommand> {
    let file = &a.file;
    let mut out = Vec::new();
    let mut ignored: Vec<(&str, usize)> = Vec::new();
    let findings = a.result.findings.iter().filter(|f| {
        let meets = f.span.start <= span.end && span.start <= f.span.end;
        meets || sent.iter().any(|d| is_diagnostic(file, f, d))
    });
    for f in findings {
        let diagnostics = Some(vec![diagnostic(f)]);
        if let Some(fix) = &f.fix {
            let safe = if fix.safety == Safety::Safe {
                ""
            } else {
                " (check the result)"
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{}{safe} [{}]", fix.title, f.rule),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: diagnostics.clone(),
                edit: Some(edit(uri, file, &fix.edits)),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        let line = file.line_index(f.span.start);
        if ignored.contains(&(f.rule, line)) {
            continue;
        }
        ignored.push((f.rule, line));
        if let Some(e) = crate::suppress::ignore_edit(file, a.language, f.span.start, f.rule) {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Ignore {} on this line", f.rule),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics,
                edit: Some(edit(uri, file, &[e])),
                ..CodeAction::default()
            }));
        }
    }
    out
}

/// The text with every safe fix made, round after round as `check --fix`
/// makes them; `None` when there is none.
pub(crate) fn fix_all(a: &Analysis, judge: &Judge) -> Option<Edit> {
    let relint = |f: &SourceFile| {
        crate::analysis::lint(f, a.language, &judge.config, &judge.options, &judge.project)
    };
    let result = crate::analysis::FileResult {
        findings: a.result.findings.clone(),
        ..crate::analysis::FileResult::default()
    };
    let (fixed, _, count) = crate::fix::fix_text(a.file.clone(), result, relint);
    if count == 0 {
        return None;
    }
    // One edit over the part that changed.
    let (old, new) = (&a.file.text, &fixed.text);
    let head = old.iter().zip(new).take_while(|(x, y)| x == y).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut head = head;
    // Whole characters only.
    while head > 0 && (old.get(head).is_some_and(|b| b & 0xC0 == 0x80)) {
        head -= 1;
    }
    let mut old_end = old.len() - tail;
    let mut new_end = new.len() - tail;
    while old_end < old.len() && old[old_end] & 0xC0 == 0x80 {
        old_end += 1;
        new_end += 1;
    }
    Some(Edit {
        span: Span::new(head, old_end),
        text: String::from_utf8_lossy(&new[head..new_end]).into_owned(),
    })
}

/// The fix-all action for a document.
pub(crate) fn fix_all_action(
    a: &Analysis,
    judge: &Judge,
    uri: &Uri,
) -> Option<CodeActionOrCommand> {
    let e = fix_all(a, judge)?;
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: "Fix all safe slotlint fixes in this file".into(),
        kind: Some(CodeActionKind::new(FIX_ALL)),
        edit: Some(edit(uri, &a.file, &[e])),
        ..CodeAction::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_cover_their_sub_kinds() {
        let only = [CodeActionKind::SOURCE];
        assert!(wanted(Some(&only), FIX_ALL));
        assert!(!wanted(Some(&only), "quickfix"));
        assert!(wanted(Some(&[CodeActionKind::QUICKFIX]), "quickfix"));
        assert!(!wanted(
            Some(&[CodeActionKind::new("source.fixAll.other")]),
            FIX_ALL
        ));
        assert!(wanted(None, FIX_ALL));
    }
}
