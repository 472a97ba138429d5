//! Expected-output files of the golden tests (`fixtures`, `projects`,
//! `formats`). A test compares its output with the expectation; with
//! `SLOTLINT_BLESS=1` a changed (or missing) expectation gets the new output
//! in `<expected>.new` beside it, which `scripts/bless` shows and accepts.
//! Nothing here ever rewrites an expectation itself. Also the fixture naming
//! convention (`SLnnn_*` triggers `SLnnn`).
#![allow(dead_code)] // each golden test uses part of it

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Whether `SLOTLINT_BLESS` asks for `.new` files (set, and not `0`).
pub fn blessing() -> bool {
    std::env::var_os("SLOTLINT_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// `x.out` → `x.out.new`.
pub fn pending_path(expected: &Path) -> PathBuf {
    let mut name = expected.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The repository-relative form of `path`, for messages.
pub fn shown(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The rule a fixture is named for: `SL004_x.redis` → `SL004`.
pub fn rule_of(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    let named = b.len() > 5
        && name.starts_with("SL")
        && b[2..5].iter().all(u8::is_ascii_digit)
        && b[5] == b'_';
    named.then(|| &name[..5])
}

/// `Ok` when `actual` is exactly the content of `expected`; otherwise a
/// message naming the file, with a line diff. When blessing, a difference
/// writes `actual` to `<expected>.new` and a match removes a stale `.new`.
pub fn compare(expected: &Path, actual: &str) -> Result<(), String> {
    let pending = pending_path(expected);
    let wanted = std::fs::read_to_string(expected).ok();
    if wanted.as_deref() == Some(actual) {
        if blessing() && pending.exists() {
            std::fs::remove_file(&pending)
                .map_err(|e| format!("cannot remove stale {}: {e}", shown(&pending)))?;
        }
        return Ok(());
    }
    let mut message = match &wanted {
        Some(wanted) => format!(
            "output differs from {} (- expected, + actual):\n{}",
            shown(expected),
            line_diff(wanted, actual)
        ),
        None if actual.is_empty() => {
            format!("{} is missing; the output is empty\n", shown(expected))
        }
        None => format!("{} is missing; the output is:\n{actual}", shown(expected)),
    };
    if blessing() {
        std::fs::write(&pending, actual)
            .map_err(|e| format!("cannot write {}: {e}", shown(&pending)))?;
        let _ = write!(
            message,
            "wrote {}: read it, then `scripts/bless` accepts it",
            shown(&pending)
        );
    } else {
        message.push_str(
            "`SLOTLINT_BLESS=1` writes the output beside it as `.new` for `scripts/bless`",
        );
    }
    Err(message)
}

/// A line diff of two short texts (longest common subsequence): unchanged
/// lines start with two spaces, removed ones with `- `, added ones with `+ `.
/// A last line without its newline ends in `[no newline at end]`.
fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // lcs[i][j]: the common length of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let mut line = |mark: &str, text: &str| {
        let body = text.strip_suffix('\n');
        let _ = writeln!(
            out,
            "{mark}{}{}",
            body.unwrap_or(text),
            if body.is_none() {
                " [no newline at end]"
            } else {
                ""
            }
        );
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            line("  ", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            line("- ", a[i]);
            i += 1;
        } else {
            line("+ ", b[j]);
            j += 1;
        }
    }
    out
}
