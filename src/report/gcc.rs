//! The gcc one-line format: `path:line:col: severity: message [SLnnn]`;
//! columns count characters, or bytes (`gcc-bytes`) for editors that count
//! bytes (Vim's errorformat `%c`).

use std::io::{self, Write};

use super::Located;

pub(super) fn render(items: &[Located<'_>], bytes: bool, out: &mut dyn Write) -> io::Result<()> {
    for item in items {
        out.write_all(line(item, bytes).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One finding as one line; the column in bytes when `bytes`.
fn line(item: &Located<'_>, bytes: bool) -> String {
    let f = item.finding;
    let (line, mut col) = item.file.line_col(f.span.start);
    if bytes {
        let start = item.file.line_range(line - 1).start;
        col = f.span.start.min(item.file.text.len()) - start + 1;
    }
    format!(
        "{}:{line}:{col}: {}: {} [{}]",
        item.file.path,
        f.severity,
        f.message.replace('\n', " "),
        f.rule
    )
}
