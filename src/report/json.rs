//! The `json` and `json-lines` formats: one versioned, documented schema
//! (README, "Output formats"). Field order is the struct order, so the output
//! is stable byte for byte.

use std::io::{self, Write};

use serde::Serialize;

use super::Located;
use crate::finding::Severity;
use crate::model::Span;
use crate::rules;
use crate::source::SourceFile;

/// Bumped when a field changes meaning or disappears; new fields do not bump it.
const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize, Default)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
}

/// One finding; the same object in `json`'s `findings` and on each `json-lines` line.
#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'a str,
    certainty: &'a str,
    path: &'a str,
    start: Position,
    end: Position,
    message: &'a str,
    label: &'a str,
    help: Option<&'a str>,
    notes: &'a [String],
    keys: Vec<Key<'a>>,
    fix: Option<JsonFix<'a>>,
}

/// A machine-applicable fix: replace each range by its text (positions in
/// the file before any edit).
#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    /// Whether `check --fix` applies it (the keys then share a slot).
    safe: bool,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: Position,
    end: Position,
    text: &'a str,
}

/// 1-based line and column; columns count Unicode code points. An end is
/// exclusive: the column just past the last character.
#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
}

/// A secondary label: in practice a key with its slot or tag.
#[derive(Serialize)]
struct Key<'a> {
    span: Range,
    label: &'a str,
}

pub(super) fn render(items: &[Located<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut summary = Summary::default();
    for item in items {
        match item.finding.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
    }
    let document = Document {
        version: SCHEMA_VERSION,
        findings: items.iter().map(finding).collect(),
        summary,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

pub(super) fn render_lines(items: &[Located<'_>], out: &mut dyn Write) -> io::Result<()> {
    for item in items {
        serde_json::to_writer(&mut *out, &finding(item))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn finding<'a>(item: &Located<'a>) -> JsonFinding<'a> {
    let f = item.finding;
    let file = item.file;
    let primary = range(file, f.span);
    JsonFinding {
        rule: f.rule,
        name: rules::find(f.rule).map_or("", |r| r.name()),
        severity: f.severity.as_str(),
        certainty: f.certainty.as_str(),
        path: &file.path,
        start: primary.start,
        end: primary.end,
        message: &f.message,
        label: &f.label,
        help: f.help.as_deref(),
        notes: &f.notes,
        keys: f
            .labels
            .iter()
            .map(|l| Key {
                span: range(file, l.span),
                label: &l.message,
            })
            .collect(),
        fix: f.fix.as_ref().map(|fix| JsonFix {
            title: &fix.title,
            safe: fix.safety == crate::finding::Safety::Safe,
            edits: fix
                .edits
                .iter()
                .map(|e| {
                    let Range { start, end } = range(file, e.span);
                    JsonEdit {
                        start,
                        end,
                        text: &e.text,
                    }
                })
                .collect(),
        }),
    }
}

fn range(file: &SourceFile, span: Span) -> Range {
    let (line, column) = file.line_col(span.start);
    let start = Position { line, column };
    let (line, column) = file.line_col(span.end);
    Range {
        start,
        end: Position { line, column },
    }
}
