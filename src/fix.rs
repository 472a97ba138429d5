//! Applying findings' fixes to a file's text: the editor's "fix all" and
//! `slotlint check --fix`. Rules produce the edits; this only applies them,
//! a fix whole or not at all, skipping one that collides with another.

use std::io::{self, Write};
use std::path::Path;

use crate::analysis::FileResult;
use crate::finding::{Edit, Fix, Safety};
use crate::source::SourceFile;

/// Whether `offset` is a place text can go in: inside the text and not in
/// the middle of a UTF-8 sequence.
fn at_boundary(text: &[u8], offset: usize) -> bool {
    offset == text.len() || text.get(offset).is_some_and(|&b| (b & 0xC0) != 0x80)
}

/// Whether two edits collide: they overlap, or insert at the same place.
fn collide(a: &Edit, b: &Edit) -> bool {
    let overlap = a.span.start < b.span.end && b.span.start < a.span.end;
    let insertion = a.span.start == a.span.end || b.span.start == b.span.end;
    overlap || (insertion && a.span.start == b.span.start)
}

/// Whether two spans share a byte, or are one empty place.
fn meet(a: crate::model::Span, b: crate::model::Span) -> bool {
    a.start < b.end && b.start < a.end || a == b
}

/// The edits of `fixes` that apply together, in order: each fix whole, or
/// not at all when it rewrites a key a fix taken before it rewrites, when
/// its edits collide with theirs, or when it does not fit the text. The same
/// fix twice (two findings over one set of keys) counts once. Returns the
/// edits (sorted) and how many fixes they make.
pub fn combine<'f>(text: &[u8], fixes: impl IntoIterator<Item = &'f Fix>) -> (Vec<Edit>, usize) {
    let mut taken: Vec<&Fix> = Vec::new();
    for fix in fixes {
        let valid = fix.edits.iter().all(|e| {
            e.span.start <= e.span.end
                && at_boundary(text, e.span.start)
                && at_boundary(text, e.span.end)
        });
        let clash = taken.iter().any(|t| {
            t.edits == fix.edits
                || t.keys.iter().any(|&a| fix.keys.iter().any(|&b| meet(a, b)))
                || t.edits
                    .iter()
                    .any(|a| fix.edits.iter().any(|b| collide(a, b)))
        });
        if valid && !clash {
            taken.push(fix);
        }
    }
    let mut edits: Vec<Edit> = taken.iter().flat_map(|f| f.edits.clone()).collect();
    edits.sort();
    (edits, taken.len())
}

/// `text` with `edits` (sorted, non-overlapping) made.
pub fn apply(text: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut at = 0;
    for e in edits {
        out.extend_from_slice(&text[at..e.span.start]);
        out.extend_from_slice(e.text.as_bytes());
        at = e.span.end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// Rounds of fixing one file: a fix can make another finding fixable (or
/// collide with one that waits for the next round).
const MAX_ROUNDS: usize = 8;

/// `check --fix` on one file: [`fix_text`], then the file written
/// (atomically) when anything changed.
pub fn fix_file(
    path: &Path,
    file: SourceFile,
    result: FileResult,
    relint: impl Fn(&SourceFile) -> FileResult,
) -> io::Result<(SourceFile, FileResult, usize)> {
    let (file, result, total) = fix_text(file, result, relint);
    if total > 0 {
        write_atomically(path, &file.text)?;
    }
    Ok((file, result, total))
}

/// Applies the safe fixes of a file's findings, lints again (`relint`), and
/// repeats while that fixes more. Returns the text and findings as they are
/// now, and how many fixes were made.
pub fn fix_text(
    mut file: SourceFile,
    mut result: FileResult,
    relint: impl Fn(&SourceFile) -> FileResult,
) -> (SourceFile, FileResult, usize) {
    let mut total = 0;
    for _ in 0..MAX_ROUNDS {
        let safe = result
            .findings
            .iter()
            .filter_map(|f| f.fix.as_ref())
            .filter(|f| f.safety == Safety::Safe);
        let (edits, count) = combine(&file.text, safe);
        if count == 0 {
            break;
        }
        total += count;
        file = SourceFile::new(file.path.clone(), apply(&file.text, &edits));
        result = relint(&file);
    }
    (file, result, total)
}

/// Replaces the file's contents through a temporary file in its directory
/// and a rename, keeping its permissions: an interrupted run leaves either
/// the old file or the new one.
fn write_atomically(path: &Path, text: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.slotlint-fix.{}", std::process::id()));
    let permissions = std::fs::metadata(path)?.permissions();
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text)?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, permissions)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn ins(at: usize, text: &str) -> Edit {
        Edit {
            span: Span::new(at, at),
            text: text.into(),
        }
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            title: String::new(),
            edits,
            keys: Vec::new(),
            safety: Safety::Safe,
        }
    }

    #[test]
    fn fixes_apply_whole_or_not_at_all() {
        let text = b"MGET user:1:a user:1:b";
        let a = fix(vec![ins(5, "{"), ins(11, "}"), ins(14, "{"), ins(20, "}")]);
        // The same edits again (another finding over the same keys): merged.
        let same = a.clone();
        // Collides at 5 with a different insertion: skipped whole.
        let other = fix(vec![ins(5, "["), ins(8, "]")]);
        let (edits, n) = combine(text, [&a, &same, &other]);
        assert_eq!(n, 1);
        assert_eq!(apply(text, &edits), b"MGET {user:1}:a {user:1}:b");
        // A replacement overlapping another is skipped; one off the text too.
        let del = fix(vec![Edit {
            span: Span::new(4, 9),
            text: String::new(),
        }]);
        let out_of_text = fix(vec![ins(99, "x")]);
        let (edits, n) = combine(text, [&a, &del, &out_of_text]);
        assert_eq!((edits.len(), n), (4, 1));
        // Two fixes of one key (a tag around the value, and one around more
        // of the key) do not both apply, even where their edits do not meet.
        let key = Span::new(5, 13);
        let wide = Fix {
            keys: vec![key],
            ..fix(vec![ins(5, "{"), ins(11, "}")])
        };
        let narrow = Fix {
            keys: vec![key],
            ..fix(vec![ins(10, "{"), ins(12, "}")])
        };
        let (edits, n) = combine(text, [&wide, &narrow]);
        assert_eq!(n, 1);
        assert_eq!(apply(text, &edits), b"MGET {user:1}:a user:1:b");
    }

    #[test]
    fn never_inside_a_character() {
        let text = "é{".as_bytes();
        assert_eq!(combine(text, [&fix(vec![ins(1, "x")])]).1, 0);
        assert_eq!(combine(text, [&fix(vec![ins(2, "x")])]).1, 1);
    }
}
