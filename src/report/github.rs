//! The `github` format: GitHub Actions workflow commands, which the runner
//! turns into annotations on the pull request:
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=SLnnn::message`.

use std::io::{self, Write};

use super::Located;
use crate::finding::Severity;

pub(super) fn render(items: &[Located<'_>], out: &mut dyn Write) -> io::Result<()> {
    for item in items {
        out.write_all(command(item).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One finding as one workflow command.
fn command(item: &Located<'_>) -> String {
    let f = item.finding;
    let level = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let (line, col) = item.file.line_col(f.span.start);
    let (end_line, end_col) = item.file.line_col(f.span.end);
    let file = escape_property(&item.file.path);
    // The runner drops an annotation whose columns are set while its lines
    // differ, so a multi-line span is annotated by lines only.
    let position = if line == end_line {
        format!("line={line},col={col},endLine={end_line},endColumn={end_col}")
    } else {
        format!("line={line},endLine={end_line}")
    };
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{level} file={file},{position},title={}::{}",
        escape_property(f.rule),
        escape_data(&message)
    )
}

/// Escapes the message part as `@actions/core`'s `escapeData` does.
fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// Escapes a property value as `@actions/core`'s `escapeProperty` does.
fn escape_property(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::model::Span;
    use crate::source::SourceFile;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("100% a:b, c\r\nd"), "100%25 a:b, c%0D%0Ad");
        // `%` first: an already escaped sequence is escaped again, not kept.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%d\re\nf"), "a%3Ab%2Cc%25d%0De%0Af");
        assert_eq!(escape_property("plain/path.redis"), "plain/path.redis");
        assert_eq!(escape_property("ünï:cødé"), "ünï%3Acødé");
    }

    #[test]
    fn command_escapes_path_and_message() {
        let file = SourceFile::new("dir, with: 100%/x.redis", b"KEYS *\nMULTI\nEXEC\n".to_vec());
        let finding = Finding::new(
            "SL008",
            Severity::Warning,
            Span::new(0, 6),
            "50% of: a, b\nc",
        )
        .help("fix\r\nit");
        let item = Located {
            file: &file,
            finding: &finding,
        };
        assert_eq!(
            command(&item),
            "::warning file=dir%2C with%3A 100%25/x.redis,line=1,col=1,endLine=1,endColumn=7,\
             title=SL008::50%25 of: a, b%0Ac%0Ahelp: fix%0D%0Ait"
        );
    }

    #[test]
    fn multi_line_spans_carry_no_columns() {
        let file = SourceFile::new("x.redis", b"MULTI\nSET a 1\nEXEC\n".to_vec());
        let finding = Finding::new("SL001", Severity::Info, Span::new(0, 17), "m");
        let item = Located {
            file: &file,
            finding: &finding,
        };
        assert_eq!(
            command(&item),
            "::notice file=x.redis,line=1,endLine=3,title=SL001::m"
        );
    }
}
