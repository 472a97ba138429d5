//! A source file as read once from disk: its bytes and a line index for
//! turning byte offsets into 1-based line and column numbers.
//!
//! Positions cost the same wherever they are: a column is counted with a
//! character index built once per file (nothing for ASCII text), never by
//! re-reading the line from its start, so a file of one long line with many
//! findings takes time linear in its size.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::sync::OnceLock;

/// Files bigger than this are not read unless the config says otherwise
/// (`max-file-size`): 10 MiB, far above hand-written code.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 << 20;

/// Why a file's text was not read.
#[derive(Debug)]
pub enum Unread {
    /// A device, FIFO, socket or directory: reading it could block or never end.
    NotRegular(&'static str),
    /// Bigger than the limit (`size` is at least `limit + 1` when the size
    /// was only found by reading).
    TooBig { size: u64, limit: u64 },
    /// Text in an encoding slotlint does not decode.
    Encoding(&'static str),
    /// The system refused.
    Io(io::Error),
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unread::NotRegular(kind) => write!(f, "{kind}, not a regular file"),
            Unread::TooBig { size, limit } => {
                write!(f, "{size} bytes, more than `max-file-size` ({limit} bytes)")
            }
            Unread::Encoding(what) => write!(f, "{what}, which slotlint does not read"),
            Unread::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl Unread {
    /// Whether this is the file's nature (a note) rather than a failure (a warning).
    pub fn is_skip(&self) -> bool {
        !matches!(self, Unread::Io(_))
    }
}

impl From<io::Error> for Unread {
    fn from(e: io::Error) -> Unread {
        Unread::Io(e)
    }
}

/// Reads a file of at most `limit` bytes. What is not a regular file is
/// refused from its metadata, before it is opened (a FIFO would block, a
/// device never end), and a file that grows past the limit while being read
/// is refused at the limit.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, Unread> {
    check_metadata(&std::fs::metadata(path)?, limit)?;
    let file = std::fs::File::open(path)?;
    // The path may have changed between the two looks: the open file decides.
    let meta = file.metadata()?;
    check_metadata(&meta, limit)?;
    let capacity = usize::try_from(meta.len().min(limit)).unwrap_or(0);
    read_limited(file, limit, capacity)
}

/// Reads a stream (standard input) up to `limit` bytes.
pub fn read_stream(reader: impl Read, limit: u64) -> Result<Vec<u8>, Unread> {
    read_limited(reader, limit, 0)
}

fn read_limited(reader: impl Read, limit: u64, capacity: usize) -> Result<Vec<u8>, Unread> {
    let mut bytes = Vec::with_capacity(capacity.saturating_add(1));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Unread::TooBig {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Refuses what is not a regular file, or is bigger than `limit`.
pub fn check_metadata(meta: &std::fs::Metadata, limit: u64) -> Result<(), Unread> {
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(Unread::NotRegular(file_kind(kind)));
    }
    if meta.len() > limit {
        return Err(Unread::TooBig {
            size: meta.len(),
            limit,
        });
    }
    Ok(())
}

/// What a file that is not regular is, for messages.
pub fn file_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// How a text is encoded, from its byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// No mark: UTF-8 (or bytes read as such).
    Utf8,
    /// A UTF-8 byte order mark (`EF BB BF`).
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Utf32,
}

impl Encoding {
    /// The encoding a text's byte order mark names.
    pub fn of(bytes: &[u8]) -> Encoding {
        match bytes {
            [0xef, 0xbb, 0xbf, ..] => Encoding::Utf8Bom,
            [0xff, 0xfe, 0, 0, ..] | [0, 0, 0xfe, 0xff, ..] => Encoding::Utf32,
            [0xff, 0xfe, ..] => Encoding::Utf16Le,
            [0xfe, 0xff, ..] => Encoding::Utf16Be,
            _ => Encoding::Utf8,
        }
    }
}

/// A file's bytes as every front-end reads them: UTF-8 with no byte order
/// mark. A UTF-8 mark is dropped (every position after it is where the user
/// sees it: the mark is not a column), UTF-16 with a mark is decoded (an
/// unpaired surrogate or odd last byte becomes U+FFFD); UTF-32 is refused.
pub fn decode(mut bytes: Vec<u8>) -> Result<Vec<u8>, Unread> {
    let big = match Encoding::of(&bytes) {
        Encoding::Utf8 => return Ok(bytes),
        Encoding::Utf8Bom => {
            bytes.drain(..3);
            return Ok(bytes);
        }
        Encoding::Utf32 => return Err(Unread::Encoding("UTF-32 text")),
        Encoding::Utf16Le => false,
        Encoding::Utf16Be => true,
    };
    let body = &bytes[2..];
    let pairs = body.chunks_exact(2);
    let odd = !pairs.remainder().is_empty();
    let units = pairs.map(|p| {
        let pair = [p[0], p[1]];
        if big {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut text = String::with_capacity(body.len() / 2 * 3 / 2);
    text.extend(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)));
    if odd {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    Ok(text.into_bytes())
}

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
    /// A file of these bytes, decoded as [`decode`] does (UTF-32 is kept as
    /// it is: callers that read files refuse it first).
    pub fn new(path: impl Into<String>, text: Vec<u8>) -> Self {
        let text = match Encoding::of(&text) {
            Encoding::Utf8 | Encoding::Utf32 => text,
            _ => decode(text).unwrap_or_default(),
        };
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

    #[test]
    fn decoding() {
        assert_eq!(decode(b"\xef\xbb\xbfab".to_vec()).unwrap(), b"ab");
        assert_eq!(
            decode(b"\xff\xfea\x00\xe9\x00".to_vec()).unwrap(),
            "a\u{e9}".as_bytes()
        );
        assert_eq!(
            decode(b"\xfe\xff\x00a\xd8\x3d\xde\x00".to_vec()).unwrap(),
            "a😀".as_bytes()
        );
        // An unpaired surrogate and an odd last byte are replaced.
        assert_eq!(
            decode(b"\xff\xfe\x00\xd8a\x00\x62".to_vec()).unwrap(),
            "\u{fffd}a\u{fffd}".as_bytes()
        );
        assert!(matches!(
            decode(b"\xff\xfe\x00\x00a\x00\x00\x00".to_vec()),
            Err(Unread::Encoding(_))
        ));
        assert_eq!(decode(b"plain".to_vec()).unwrap(), b"plain");
        assert_eq!(SourceFile::new("x", b"\xef\xbb\xbfab".to_vec()).text, b"ab");
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let read = |n: usize| read_stream(&vec![b'a'; n][..], 4);
        assert_eq!(read(4).unwrap().len(), 4);
        assert!(matches!(read(9), Err(Unread::TooBig { size: 5, limit: 4 })));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").unwrap();
        assert!(matches!(
            read_file(&path, 4),
            Err(Unread::TooBig { size: 5, limit: 4 })
        ));
        assert_eq!(read_file(&path, 5).unwrap(), b"12345");
        assert!(matches!(
            read_file(dir.path(), 5),
            Err(Unread::NotRegular("a directory"))
        ));
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
