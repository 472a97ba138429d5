//! The schema text: byte offsets from YAML markers, 1-based line and column,
//! the written extent of scalars, and the guards run on the raw text before
//! and after parsing (nesting depth, a second document, unquoted hash tags).

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::Marker;

use super::SchemaError;
use crate::model::Span;

/// Lines whose block structure starts further right than this are refused
/// (block nesting depth is at most twice this column).
const MAX_BLOCK_COLUMN: usize = 400;

/// The source with the indexes that turn markers into byte offsets and byte
/// offsets into line and column.
pub(super) struct Text<'a> {
    pub(super) full: &'a str,
    /// Bytes of a leading BOM, which the YAML parser is not shown.
    base: usize,
    /// Byte offset of each character of the parsed text, then its end.
    char_starts: Vec<usize>,
    line_starts: Vec<usize>,
}

impl<'a> Text<'a> {
    pub(super) fn new(full: &'a str) -> Self {
        let base = if full.starts_with('\u{feff}') { 3 } else { 0 };
        let char_starts = full[base..]
            .char_indices()
            .map(|(i, _)| base + i)
            .chain(std::iter::once(full.len()))
            .collect();
        let line_starts = std::iter::once(0)
            .chain(full.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Text {
            full,
            base,
            char_starts,
            line_starts,
        }
    }

    pub(super) fn parsed(&self) -> &'a str {
        &self.full[self.base..]
    }

    pub(super) fn offset(&self, marker: &Marker) -> usize {
        self.char_starts
            .get(marker.character())
            .copied()
            .unwrap_or(self.full.len())
    }

    /// 1-based line and column (characters; a BOM is not a column).
    pub(super) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.full.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line].max(if line == 0 { self.base } else { 0 });
        let column = self
            .full
            .get(start..offset)
            .map_or(offset.saturating_sub(start), |s| s.chars().count());
        (line + 1, column + 1)
    }

    pub(super) fn error(&self, path: &str, offset: usize, message: String) -> SchemaError {
        let (line, column) = self.line_col(offset);
        SchemaError {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    }

    pub(super) fn start(&self, node_span: &marked_yaml::Span) -> usize {
        node_span.start().map_or(self.base, |m| self.offset(m))
    }

    /// Where a scalar's value is written, quotes included.
    pub(super) fn scalar_span(&self, node: &MarkedScalarNode) -> Span {
        let start = self.start(node.span());
        let rest = &self.full[start..];
        let end = match rest.as_bytes().first() {
            Some(b'"') => closing_quote(rest, b'"', true),
            Some(b'\'') => closing_quote(rest, b'\'', false),
            _ if rest.starts_with(node.as_str()) => {
                Some(node.as_str().trim_end_matches(['\n', '\r']).len())
            }
            // A folded plain scalar: its first line.
            _ => Some(rest.find(['\n', '\r']).unwrap_or(rest.len())),
        };
        let len = end.unwrap_or(rest.len());
        Span::new(start, start + rest[..len].trim_end().len())
    }

    /// Byte offset where the value's text is written verbatim, if it is.
    pub(super) fn verbatim_start(&self, node: &MarkedScalarNode) -> Option<usize> {
        let start = self.start(node.span());
        let quoted = matches!(self.full.as_bytes().get(start), Some(b'"' | b'\''));
        let content = start + usize::from(quoted);
        self.full
            .get(content..)
            .filter(|rest| rest.starts_with(node.as_str()))
            .map(|_| content)
    }
}

/// Length up to and including the closing quote.
fn closing_quote(rest: &str, quote: u8, backslash_escapes: bool) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash_escapes => i += 1,
            q if q == quote => {
                if !backslash_escapes && bytes.get(i + 1) == Some(&quote) {
                    i += 1;
                } else {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Lines as the YAML parser sees them (`\n`, `\r` and `\r\n` end a line;
/// the empty piece inside `\r\n` is harmless), with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split(['\n', '\r']).map(move |line| {
        let at = start;
        start += line.len() + 1;
        (at, line)
    })
}

/// The YAML parser recurses once per nesting level. Flow nesting it caps
/// itself (255); block nesting is at most two levels per column at which a
/// block collection starts, and those start at a line's indent or after a
/// run of `- `/`? `/`: ` indicators. Returns the start of a line that goes
/// too far right.
pub(super) fn check_nesting(text: &str) -> Option<usize> {
    lines(text).find_map(|(start, line)| {
        let mut column = 0;
        let mut chars = line.chars().peekable();
        loop {
            match chars.next() {
                Some(' ' | '\t') => column += 1,
                Some('-' | '?' | ':') if matches!(chars.peek(), None | Some(' ' | '\t')) => {
                    column += 1;
                }
                _ => break,
            }
        }
        (column > MAX_BLOCK_COLUMN).then_some(start)
    })
}

/// The start of a second YAML document, which the parser would skip
/// silently: a `---` after content, or content after `...`.
pub(crate) fn second_document(text: &str) -> Option<usize> {
    let is_marker = |line: &str, m: &str| {
        line.strip_prefix(m)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    };
    let mut content = false;
    let mut ended = false;
    for (start, line) in lines(text) {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let trimmed = line.trim();
        if is_marker(line, "---") {
            if content || ended {
                return Some(start);
            }
            // A document's content may follow `---` on the same line.
            let rest = line[3..].trim();
            content = !rest.is_empty() && !rest.starts_with('#');
        } else if is_marker(line, "...") {
            ended = content || ended;
        } else if trimmed.is_empty()
            || trimmed.starts_with('#')
            || (!content && line.starts_with('%'))
        {
        } else if ended {
            return Some(start);
        } else {
            content = true;
        }
    }
    None
}

/// Whether an invalid-YAML line looks like an unquoted pattern with a leading
/// hash tag (`session: {session}:<id>`), which YAML reads as a flow mapping.
pub(super) fn unquoted_tag_on(line: &str) -> bool {
    line.match_indices('{').any(|(i, _)| {
        let before = line[..i].trim_end();
        let value_position = before.ends_with(':') || before.ends_with('-') || before.is_empty();
        let rest = &line[i + 1..];
        value_position
            && rest.find('}').is_some_and(|c| {
                !rest[..c].contains(|ch: char| ch.is_whitespace() || matches!(ch, '"' | '\''))
                    && rest[c + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| !n.is_whitespace() && !matches!(n, ',' | '}' | ']' | '#'))
            })
    })
}
