//! The `sarif` format: a SARIF 2.1.0 log with one run. The driver lists every
//! rule with its documentation page; columns are Unicode code points
//! (`columnKind`), paths are relative URIs under `%SRCROOT%`.

use std::io::{self, Write};

use super::Located;
use crate::finding::Severity;
use crate::model::Span;
use crate::rules;
use crate::source::SourceFile;

mod driver;
mod fingerprint;
mod log;
#[cfg(test)]
mod tests;
mod uri;

use log::{
    Fingerprints, Location, Log, PhysicalLocation, Properties, Region, Run, SarifResult, Text, Tool,
};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub(super) fn render(items: &[Located<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut hashes: Option<(&str, Vec<String>)> = None;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        // Items come sorted by path: each file's lines are hashed once.
        if hashes
            .as_ref()
            .is_none_or(|(path, _)| *path != item.file.path)
        {
            hashes = Some((&item.file.path, fingerprint::line_hashes(item.file)));
        }
        let line = item.file.line_index(item.finding.span.start);
        let hash = hashes
            .as_ref()
            .map(|(_, h)| h[line].clone())
            .unwrap_or_default();
        results.push(result(item, hash));
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: driver::driver(),
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn result<'a>(item: &Located<'a>, hash: String) -> SarifResult<'a> {
    let f = item.finding;
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text = format!("{text}\nhelp: {help}");
    }
    let primary_message = (!f.label.is_empty()).then(|| Text {
        text: f.label.clone(),
    });
    SarifResult {
        rule_id: f.rule,
        rule_index: rules::RULES.iter().position(|r| r.id() == f.rule),
        level: level(f.severity),
        message: Text { text },
        locations: [location(item.file, f.span, primary_message)],
        related_locations: f
            .labels
            .iter()
            .map(|l| {
                location(
                    item.file,
                    l.span,
                    Some(Text {
                        text: l.message.clone(),
                    }),
                )
            })
            .collect(),
        partial_fingerprints: Fingerprints {
            primary_location_line_hash: hash,
        },
        properties: Properties {
            certainty: f.certainty.as_str(),
            notes: &f.notes,
        },
    }
}

fn location(file: &SourceFile, span: Span, message: Option<Text>) -> Location {
    let (start_line, start_column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Location {
        physical_location: PhysicalLocation {
            artifact_location: uri::artifact(&file.path),
            region: Region {
                start_line,
                start_column,
                end_line,
                end_column,
            },
        },
        message,
    }
}

pub(super) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
