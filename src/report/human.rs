//! rustc-style diagnostics through codespan-reporting: the op or group as the
//! primary label, each key as a secondary label with its slot or tag.

use std::io::{self, Write};

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};

use super::Located;
use crate::finding::Severity;

pub(super) fn render(items: &[Located<'_>], color: bool, out: &mut dyn Write) -> io::Result<()> {
    if color {
        emit_all(items, &mut Ansi::new(out))
    } else {
        emit_all(items, &mut NoColor::new(out))
    }
}

fn emit_all(items: &[Located<'_>], w: &mut dyn WriteColor) -> io::Result<()> {
    let mut files = SimpleFiles::new();
    // Items are sorted by path, so each file is added once, when it first appears.
    let mut current: Option<(&str, usize)> = None;
    let config = Config::default();
    for item in items {
        let id = match current {
            Some((path, id)) if path == item.file.path => id,
            _ => {
                let id = files.add(item.file.path.clone(), item.file.lossy().into_owned());
                current = Some((&item.file.path, id));
                id
            }
        };
        let f = item.finding;
        let severity = match f.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Info => CsSeverity::Note,
        };
        let mut labels = vec![Label::primary(id, f.span.start..f.span.end).with_message(&f.label)];
        labels.extend(
            f.labels
                .iter()
                .map(|l| Label::secondary(id, l.span.start..l.span.end).with_message(&l.message)),
        );
        let mut notes: Vec<String> = f.notes.iter().map(|n| format!("note: {n}")).collect();
        notes.push(format!("certainty: {}", f.certainty.as_str()));
        if let Some(help) = &f.help {
            notes.push(format!("help: {help}"));
        }
        let diagnostic = Diagnostic::new(severity)
            .with_message(&f.message)
            .with_code(f.rule)
            .with_labels(labels)
            .with_notes(notes);
        term::emit(w, &config, &files, &diagnostic).map_err(io::Error::other)?;
    }
    Ok(())
}
