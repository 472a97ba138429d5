//! Renderers: one module per output format. Only this module tree writes
//! findings out; everything upstream returns data.

mod excerpt;
mod gcc;
mod github;
mod human;
mod json;
mod sarif;
pub mod statistics;

use std::io::{self, Write};

use crate::finding::{Finding, Severity};
use crate::source::SourceFile;

/// Output formats of `slotlint check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with every key labelled.
    Human,
    /// `path:line:col: severity: message [SLnnn]`, one line per finding.
    Gcc,
    /// `gcc` with the column counted in bytes, as Vim's errorformat `%c` reads it.
    GccBytes,
    /// One JSON document: `{"version": 1, "findings": [...], "summary": {...}}`.
    Json,
    /// One JSON object per finding per line (the objects of `json`'s `findings`).
    JsonLines,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::message`), shown as annotations.
    Github,
}

/// A finding with the file it is in.
pub struct Located<'a> {
    pub file: &'a SourceFile,
    pub finding: &'a Finding,
}

impl<'a> Located<'a> {
    /// Each of `findings`, in `file`.
    pub fn all_in(file: &'a SourceFile, findings: &'a [Finding]) -> Vec<Located<'a>> {
        findings
            .iter()
            .map(|finding| Located { file, finding })
            .collect()
    }
}

/// Writes findings (already sorted and deduplicated) in `format`.
pub fn render(
    format: Format,
    items: &[Located<'_>],
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(items, color, out),
        Format::Gcc => gcc::render(items, false, out),
        Format::GccBytes => gcc::render(items, true, out),
        Format::Json => json::render(items, out),
        Format::JsonLines => json::render_lines(items, out),
        Format::Sarif => sarif::render(items, out),
        Format::Github => github::render(items, out),
    }
}

/// The closing line of the human format: `slotlint: 2 errors, 1 warning, 0 info`.
pub fn summary(items: &[Located<'_>], out: &mut dyn Write) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let count = |s: Severity| items.iter().filter(|i| i.finding.severity == s).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let s = |n: usize| if n == 1 { "" } else { "s" };
    writeln!(
        out,
        "slotlint: {errors} error{}, {warnings} warning{}, {infos} info",
        s(errors),
        s(warnings)
    )
}
