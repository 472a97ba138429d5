//! A source file as read once from disk: its bytes and a line index for
//! turning byte offsets into 1-based line and column numbers.
//!
//! Positions cost the same wherever they are: a column is counted with a
//! character index built once per file (nothing for ASCII text), never by
//! re-reading the line from its start, so a file of one long line with many
//! findings takes time linear in its size.

use std::sync::OnceLock;

/// One analyzed file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as shown in diagnostics (relative to the working directory when possible).
    pub path: String,
    pub text: Vec<u8>,
    /// Where the file is on disk (possibly relative to the working
    /// directory), when it is one: imports are resolved from there.
    pub location: Option<std::path::PathBuf>,
    line_starts: Vec<usize>,
    /// Where characters start, for columns; built on the first column asked of non-ASCII text.
    chars: OnceLock<CharIndex>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: Vec<u8>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', &text).map(|i| i + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            location: None,
            line_starts,
            chars: OnceLock::new(),
        }
    }

    /// The file as found on disk at `location`.
    #[must_use]
    pub fn at(mut self, location: impl Into<std::path::PathBuf>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next - 1);
        if end > start && self.text.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// 0-based line and UTF-16 column, as the Language Server Protocol counts.
    pub fn position_utf16(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let units = self.char_index().utf16_units(start, offset);
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(units).unwrap_or(u32::MAX),
        )
    }

    /// 1-based line and column (columns count characters, like rustc).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        (line + 1, self.char_index().chars(start, offset) + 1)
    }

    /// The text as UTF-8, with invalid bytes replaced (for renderers).
    pub fn lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.text)
    }

    fn char_index(&self) -> &CharIndex {
        self.chars.get_or_init(|| CharIndex::new(&self.text))
    }
}

/// Where the characters of a text start, as [`String::from_utf8_lossy`]
/// counts them (each invalid sequence is one replacement character), so that
/// the characters between two offsets are counted in constant time.
#[derive(Debug, Clone, Default)]
struct CharIndex {
    /// Bit `i % 64` of word `i / 64` is set when byte `i` starts a character;
    /// empty for ASCII text, where every byte does.
    starts: Vec<u64>,
    /// Characters starting before each word of `starts`.
    before: Vec<usize>,
    /// Byte offsets of the characters outside the Basic Multilingual Plane
    /// (two UTF-16 code units each), in order.
    astral: Vec<usize>,
}

impl CharIndex {
    fn new(text: &[u8]) -> CharIndex {
        if text.is_ascii() {
            return CharIndex::default();
        }
        let mut starts = vec![0u64; text.len().div_ceil(64)];
        let mut astral = Vec::new();
        let mut set = |i: usize| starts[i / 64] |= 1 << (i % 64);
        let mut at = 0;
        for chunk in text.utf8_chunks() {
            for (i, c) in chunk.valid().char_indices() {
                set(at + i);
                if c.len_utf16() == 2 {
                    astral.push(at + i);
                }
            }
            at += chunk.valid().len();
            if !chunk.invalid().is_empty() {
                set(at);
                at += chunk.invalid().len();
            }
        }
        let mut before = Vec::with_capacity(starts.len());
        let mut count = 0;
        for word in &starts {
            before.push(count);
            count += word.count_ones() as usize;
        }
        CharIndex {
            starts,
            before,
            astral,
        }
    }

    /// Characters starting before byte `offset`.
    fn rank(&self, offset: usize) -> usize {
        if self.starts.is_empty() {
            return offset;
        }
        let (word, bit) = (offset / 64, offset % 64);
        match self.starts.get(word) {
            Some(w) => self.before[word] + (w & ((1u64 << bit) - 1)).count_ones() as usize,
            None => {
                self.before.last().copied().unwrap_or(0)
                    + self.starts.last().map_or(0, |w| w.count_ones() as usize)
            }
        }
    }

    /// Characters in `start..end` (a character cut by `end` counts, as the
    /// replacement character lossy decoding gives it).
    fn chars(&self, start: usize, end: usize) -> usize {
        self.rank(end).saturating_sub(self.rank(start))
    }

    /// UTF-16 code units of `start..end`: characters outside the Basic
    /// Multilingual Plane count twice when `end` does not cut them.
    fn utf16_units(&self, start: usize, end: usize) -> usize {
        let whole = |limit: usize| self.astral.partition_point(|&a| a < limit);
        let astral = whole(end.saturating_sub(3)).saturating_sub(whole(start));
        self.chars(start, end) + astral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let f = SourceFile::new("x", b"ab\r\n\xc3\xa9x\nlast".to_vec());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(4), (2, 1));
        assert_eq!(f.line_col(6), (2, 2)); // after the two-byte é
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_range(0), 0..2);
        assert_eq!(f.line_range(2), 8..12);
        assert_eq!(f.line_col(999), (3, 5));
    }

    /// Columns as the lossy text counts them: characters from the line start.
    fn slow_line_col(text: &[u8], offset: usize) -> (usize, usize, usize) {
        let offset = offset.min(text.len());
        let start = text[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = memchr::memchr_iter(b'\n', &text[..start]).count();
        let piece = String::from_utf8_lossy(&text[start..offset]);
        (
            line + 1,
            piece.chars().count() + 1,
            piece.encode_utf16().count(),
        )
    }

    #[test]
    fn columns_of_astral_and_invalid_text() {
        let text = "a😀b\n\u{e9}😀".as_bytes().to_vec();
        let f = SourceFile::new("x", text.clone());
        assert_eq!(f.line_col(5), (1, 3));
        assert_eq!(f.position_utf16(5), (0, 3));
        assert_eq!(f.position_utf16(text.len()), (1, 3));
        let f = SourceFile::new("x", b"\xff\x80\xe2\x82x".to_vec());
        assert_eq!(f.line_col(5), (1, 5));
    }

    proptest::proptest! {
        /// The index gives the columns lossy decoding of the line gives, for
        /// any bytes and any offset (in a character or not).
        #[test]
        fn columns_match_the_lossy_line(
            text in proptest::collection::vec(proptest::sample::select(
                vec![b'a', b'\n', 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xe2, 0x82, 0xac, 0xff, 0x80]
            ), 0..200),
            offsets in proptest::collection::vec(0usize..210, 1..10),
        ) {
            let f = SourceFile::new("x", text.clone());
            for offset in offsets {
                let (line, col, units) = slow_line_col(&text, offset);
                proptest::prop_assert_eq!(f.line_col(offset), (line, col));
                let (l16, c16) = f.position_utf16(offset);
                proptest::prop_assert_eq!((l16 as usize, c16 as usize), (line - 1, units));
            }
        }
    }
}
