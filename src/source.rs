//! A source file as read once from disk: its bytes and a line index for
//! turning byte offsets into 1-based line and column numbers.

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
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: Vec<u8>) -> Self {
        let line_starts = std::iter::once(0)
            .chain(memchr_all(b'\n', &text).map(|i| i + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            location: None,
            line_starts,
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
        let units: usize = String::from_utf8_lossy(&self.text[start..offset])
            .chars()
            .map(char::len_utf16)
            .sum();
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
        let col = String::from_utf8_lossy(&self.text[start..offset])
            .chars()
            .count()
            + 1;
        (line + 1, col)
    }

    /// The text as UTF-8, with invalid bytes replaced (for renderers).
    pub fn lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.text)
    }
}

fn memchr_all(needle: u8, hay: &[u8]) -> impl Iterator<Item = usize> + '_ {
    hay.iter()
        .enumerate()
        .filter_map(move |(i, &b)| (b == needle).then_some(i))
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
}
