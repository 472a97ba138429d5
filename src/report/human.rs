//! rustc-style diagnostics through codespan-reporting: the op or group as the
//! primary label, each key as a secondary label with its slot or tag.

use std::io::{self, Write};
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};

use super::excerpt::{shown_text, View};
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
    // Items are sorted by path, so each file's text is made once, when it first appears.
    let mut current: Option<(&str, String)> = None;
    let config = Config::default();
    for item in items {
        if current
            .as_ref()
            .is_none_or(|(path, _)| *path != item.file.path)
        {
            current = Some((&item.file.path, shown_text(item.file)));
        }
        let text = current.as_ref().map_or("", |(_, text)| text.as_str());
        let f = item.finding;
        let spans: Vec<Range<usize>> = std::iter::once(f.span.start..f.span.end)
            .chain(f.labels.iter().map(|l| l.span.start..l.span.end))
            .collect();
        let view = View::new(item.file, text, &spans);
        let severity = match f.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Info => CsSeverity::Note,
        };
        let mut labels =
            vec![Label::primary((), view.map(spans[0].clone())).with_message(&f.label)];
        labels.extend(
            f.labels
                .iter()
                .zip(&spans[1..])
                .map(|(l, s)| Label::secondary((), view.map(s.clone())).with_message(&l.message)),
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
        term::emit(w, &config, &view, &diagnostic).map_err(|e| match e {
            // A closed pipe stays itself, so the caller can stop quietly.
            codespan_reporting::files::Error::Io(e) => e,
            e => io::Error::other(e),
        })?;
    }
    Ok(())
}
