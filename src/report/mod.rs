//! Renderers: one module per output format. Only this module tree writes
//! findings out; everything upstream returns data.

mod gcc;
mod human;

use std::io::{self, Write};

use crate::finding::Finding;
use crate::source::SourceFile;

/// Output formats of `slotlint check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with every key labelled.
    Human,
    /// `path:line:col: severity: message [SLnnn]`, one line per finding.
    Gcc,
}

/// A finding with the file it is in.
pub struct Located<'a> {
    pub file: &'a SourceFile,
    pub finding: &'a Finding,
}

/// Writes findings (already sorted and deduplicated) in `format`.
pub fn render(format: Format, items: &[Located<'_>], color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(items, color, out),
        Format::Gcc => gcc::render(items, out),
    }
}
