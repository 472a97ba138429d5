//! The gcc one-line format: `path:line:col: severity: message [SLnnn]`.

use std::io::{self, Write};

use super::Located;

pub(super) fn render(items: &[Located<'_>], out: &mut dyn Write) -> io::Result<()> {
    for item in items {
        out.write_all(line(item).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One finding as one line (also used by tests and docs).
pub(crate) fn line(item: &Located<'_>) -> String {
    let f = item.finding;
    let (line, col) = item.file.line_col(f.span.start);
    format!(
        "{}:{line}:{col}: {}: {} [{}]",
        item.file.path,
        f.severity,
        f.message.replace('\n', " "),
        f.rule
    )
}
