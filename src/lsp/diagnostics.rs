//! Findings as LSP diagnostics: the rule id as the code with its page as the
//! code description, the keys as related information, notes and help in the
//! message; skipped lines as hints; a fatal (schema) error on its line.

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};

use super::lint::Analysis;
use crate::finding::{Certainty, Finding, Severity};
use crate::model::Span;
use crate::source::SourceFile;

/// The LSP range of a byte span.
pub(crate) fn range(file: &SourceFile, span: Span) -> Range {
    let (sl, sc) = file.position_utf16(span.start);
    let (el, ec) = file.position_utf16(span.end.max(span.start));
    Range::new(Position::new(sl, sc), Position::new(el, ec))
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// One finding as a diagnostic; `docs` gives a rule's page.
pub(crate) fn diagnostic(
    file: &SourceFile,
    uri: &Uri,
    f: &Finding,
    docs: &dyn Fn(&str) -> Option<Uri>,
) -> Diagnostic {
    let mut message = f.message.clone();
    for note in &f.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    if f.certainty != Certainty::Proven {
        message.push_str("\ncertainty: ");
        message.push_str(f.certainty.as_str());
    }
    let related = f
        .labels
        .iter()
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), range(file, l.span)),
            message: l.message.clone(),
        })
        .collect();
    Diagnostic {
        range: range(file, f.span),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.to_string())),
        code_description: docs(f.rule).map(|href| CodeDescription { href }),
        source: Some("slotlint".into()),
        message,
        related_information: Some(related),
        ..Diagnostic::default()
    }
}

/// `path:LINE:COL: message` of a fatal error, placed in its file.
pub(crate) fn fatal(file: &SourceFile, fatal: &str) -> Diagnostic {
    let rest = fatal
        .strip_prefix(file.path.as_str())
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or(fatal);
    let mut parts = rest.splitn(3, ':');
    let (line, col, message) = match (
        parts.next().and_then(|l| l.parse::<u32>().ok()),
        parts.next().and_then(|c| c.trim().parse::<u32>().ok()),
        parts.next(),
    ) {
        (Some(l), Some(c), Some(m)) => (l.saturating_sub(1), c.saturating_sub(1), m.trim()),
        _ => (0, 0, fatal),
    };
    let at = Position::new(line, col);
    Diagnostic {
        range: Range::new(at, at),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("config".into())),
        source: Some("slotlint".into()),
        message: message.to_string(),
        ..Diagnostic::default()
    }
}

/// Every diagnostic of an analysis: findings, skipped lines, a fatal error.
pub(crate) fn of(a: &Analysis, uri: &Uri, docs: &dyn Fn(&str) -> Option<Uri>) -> Vec<Diagnostic> {
    let file = &a.file;
    let mut out: Vec<Diagnostic> = a
        .result
        .findings
        .iter()
        .map(|f| diagnostic(file, uri, f, docs))
        .collect();
    out.extend(a.result.problems.iter().map(|p| Diagnostic {
        range: range(file, p.span),
        severity: Some(DiagnosticSeverity::HINT),
        source: Some("slotlint".into()),
        message: format!("{} (line skipped)", p.message),
        ..Diagnostic::default()
    }));
    out.extend(a.result.fatal.iter().map(|f| fatal(file, f)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_errors_land_on_their_line() {
        let file = SourceFile::new("s.keys.yaml", b"keys:\n  a: 1\n".to_vec());
        let d = fatal(&file, "s.keys.yaml:2:3: family `a` must be a mapping");
        assert_eq!(d.range.start, Position::new(1, 2));
        assert_eq!(d.message, "family `a` must be a mapping");
    }
}
