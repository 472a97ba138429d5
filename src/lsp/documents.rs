//! Open documents: the editor's text and version, kept in step with full or
//! incremental changes (LSP positions count UTF-16 units), and the last
//! analysis of each. Also `file:` URIs to paths and back.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use lsp_types::{Position, TextDocumentContentChangeEvent, Uri};

use super::lint::Analysis;
use crate::lang::Language;

/// One open document.
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) path: Option<PathBuf>,
    pub(crate) language: Option<Language>,
    pub(crate) version: i32,
    pub(crate) text: Arc<String>,
    /// The latest analysis, of this version or an older one.
    pub(crate) analysis: Option<Arc<Analysis>>,
    /// When the text last changed.
    pub(crate) changed: Instant,
    /// The syntax tree an earlier lint left (while no lint holds it), and
    /// the edits made to the text since: the next parse redoes only those.
    pub(crate) tree: Option<tree_sitter::Tree>,
    pub(crate) edits: Vec<tree_sitter::InputEdit>,
    /// Which document this is (set when it is opened), and how many times
    /// its whole text was replaced: a tree from another is of no use.
    pub(crate) id: u64,
    pub(crate) epoch: u64,
}

impl Document {
    pub(crate) fn new(uri: &Uri, language_id: &str, version: i32, text: String) -> Document {
        let path = uri_path(uri);
        Document {
            language: language_of(path.as_deref(), language_id),
            path,
            version,
            text: Arc::new(text),
            analysis: None,
            changed: Instant::now(),
            tree: None,
            edits: Vec::new(),
            id: 0,
            epoch: 0,
        }
    }

    /// Applies the changes of one `didChange`, in order: a change with a
    /// range replaces it, one without replaces the whole text.
    pub(crate) fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let text = Arc::make_mut(&mut self.text);
        for change in changes {
            match change.range {
                None => {
                    *text = change.text;
                    self.tree = None;
                    self.edits.clear();
                    self.epoch += 1;
                }
                Some(range) => {
                    let start = offset(text, range.start);
                    let end = offset(text, range.end).max(start);
                    let start_position = point(text, start);
                    let old_end_position = point(text, end);
                    text.replace_range(start..end, &change.text);
                    let new_end = start + change.text.len();
                    self.edits.push(tree_sitter::InputEdit {
                        start_byte: start,
                        old_end_byte: end,
                        new_end_byte: new_end,
                        start_position,
                        old_end_position,
                        new_end_position: point(text, new_end),
                    });
                }
            }
        }
        self.version = version;
    }

    /// The analysis of the current version, if it is done.
    pub(crate) fn current(&self) -> Option<&Arc<Analysis>> {
        self.analysis
            .as_ref()
            .filter(|a| a.version == Some(self.version))
    }
}

/// The byte offset of an LSP position in `text`: past the end of a line is
/// its end, past the last line the end of the text, and never inside a
/// character.
pub(crate) fn offset(text: &str, position: Position) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match memchr::memchr(b'\n', &text.as_bytes()[start..]) {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end =
        memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
    let mut units = 0;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= position.character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    line_end
}

/// Where a byte offset is for tree-sitter: row, and byte column.
fn point(text: &str, at: usize) -> tree_sitter::Point {
    let before = &text.as_bytes()[..at];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    tree_sitter::Point {
        row: memchr::memchr_iter(b'\n', before).count(),
        column: at - line_start,
    }
}

/// The path of a `file:` URI (percent-decoded), if it is one.
pub(crate) fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(u8::try_from(hex(h)? * 16 + hex(l)?).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows: drop the slash before the drive.
    let text = match text.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => text[1..].to_string(),
        _ => text,
    };
    Some(PathBuf::from(text))
}

/// The `file:` URI of an absolute path, percent-encoded where a URI needs it.
pub(crate) fn path_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out.parse().ok()
}

/// The language of a document: by its file name, else by the editor's id.
pub(crate) fn language_of(path: Option<&Path>, language_id: &str) -> Option<Language> {
    if let Some(lang) = path.and_then(Language::from_path) {
        return Some(lang);
    }
    let name = match language_id {
        "python" => "x.py",
        "javascript" | "javascriptreact" => "x.js",
        "typescript" | "typescriptreact" => "x.ts",
        "rust" => "x.rs",
        "lua" => "x.lua",
        "redis" => "x.redis",
        _ => return None,
    };
    Language::from_path(Path::new(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Range;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn file_uris() {
        assert_eq!(
            uri_path(&uri("file:///home/a%20b/x.py")),
            Some(PathBuf::from("/home/a b/x.py"))
        );
        assert_eq!(
            uri_path(&uri("file:///C:/src/x.py")),
            Some(PathBuf::from("C:/src/x.py"))
        );
        assert_eq!(uri_path(&uri("untitled:Untitled-1")), None);
        let p = Path::new("/tmp/my dir/é.redis");
        assert_eq!(
            path_uri(p).unwrap().as_str(),
            "file:///tmp/my%20dir/%C3%A9.redis"
        );
        assert_eq!(uri_path(&path_uri(p).unwrap()).as_deref(), Some(p));
    }

    #[test]
    fn languages_by_name_then_id() {
        assert_eq!(
            language_of(Some(Path::new("a/shop.keys.yaml")), "yaml"),
            Some(Language::SCHEMA)
        );
        assert_eq!(language_of(None, "python"), Some(Language::PYTHON));
        assert_eq!(language_of(Some(Path::new("notes.txt")), "plaintext"), None);
    }

    fn at(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "a😀b\nxy\n";
        assert_eq!(offset(text, at(0, 0)), 0);
        assert_eq!(offset(text, at(0, 1)), 1);
        assert_eq!(offset(text, at(0, 3)), 5); // after the emoji's two units
        assert_eq!(offset(text, at(0, 2)), 5); // inside it: not inside the character
        assert_eq!(offset(text, at(0, 99)), 6);
        assert_eq!(offset(text, at(1, 1)), 8);
        assert_eq!(offset(text, at(9, 0)), text.len());
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut d = Document::new(&uri("file:///x.redis"), "redis", 1, "GET a\nGET b\n".into());
        let edit = |l1, c1, l2, c2, text: &str| TextDocumentContentChangeEvent {
            range: Some(Range::new(at(l1, c1), at(l2, c2))),
            range_length: None,
            text: text.into(),
        };
        d.change(
            2,
            vec![edit(0, 4, 0, 5, "{u}:a"), edit(1, 0, 1, 0, "MGET x y\n")],
        );
        assert_eq!(d.text.as_str(), "GET {u}:a\nMGET x y\nGET b\n");
        assert_eq!(d.version, 2);
        d.change(
            3,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "PING\n".into(),
            }],
        );
        assert_eq!(d.text.as_str(), "PING\n");
    }
}
