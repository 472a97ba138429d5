//! What the human format shows codespan-reporting of a file: the whole text
//! when its labelled lines are of ordinary length, else for one diagnostic an
//! excerpt of its lines with long lines cut to windows around the labels.
//! Either way line numbers and columns are the file's own, found through the
//! file's index, so one long line with many findings prints and costs in
//! proportion to the findings, not to the line times the findings.

use std::ops::Range;

use codespan_reporting::files::{Error, Files};

use crate::source::SourceFile;

/// A line longer than this (bytes) is shown cut to windows around the labels.
const LONG_LINE: usize = 1000;
/// Bytes shown on each side of a label's ends in a cut line.
const CONTEXT: usize = 40;
/// What stands for the text cut out.
const CUT: &str = " … ";

/// A file's text with each byte of invalid UTF-8 shown as `?`, so byte
/// offsets into the file are offsets into the text.
pub(super) fn shown_text(file: &SourceFile) -> String {
    if let Ok(text) = std::str::from_utf8(&file.text) {
        return text.to_string();
    }
    let mut out = String::with_capacity(file.text.len());
    for chunk in file.text.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

/// A file as one diagnostic sees it.
pub(super) enum View<'a> {
    /// The whole file (`text` from [`shown_text`]).
    Whole { file: &'a SourceFile, text: &'a str },
    /// Lines `first..` of the file, long ones cut.
    Excerpt(Excerpt<'a>),
}

/// The lines of a diagnostic, long ones cut to windows around its labels.
pub(super) struct Excerpt<'a> {
    file: &'a SourceFile,
    text: String,
    line_starts: Vec<usize>,
    /// The file's 0-based line shown as the excerpt's first.
    first: usize,
    /// Pieces of the file kept verbatim: `(file range, excerpt offset)`, in order.
    pieces: Vec<(Range<usize>, usize)>,
}

impl<'a> View<'a> {
    /// The view for a diagnostic with these spans (file byte ranges).
    pub(super) fn new(file: &'a SourceFile, text: &'a str, spans: &[Range<usize>]) -> View<'a> {
        let long = spans.iter().any(|s| {
            [s.start, s.end]
                .iter()
                .any(|&o| file.line_range(file.line_index(o)).len() > LONG_LINE)
        });
        if long {
            View::Excerpt(Excerpt::new(file, text, spans))
        } else {
            View::Whole { file, text }
        }
    }

    /// A file span as a span of the shown text.
    pub(super) fn map(&self, span: Range<usize>) -> Range<usize> {
        match self {
            View::Whole { .. } => span,
            View::Excerpt(e) => e.map(span.start)..e.map(span.end),
        }
    }

    fn file(&self) -> &SourceFile {
        match self {
            View::Whole { file, .. } => file,
            View::Excerpt(e) => e.file,
        }
    }

    fn text(&self) -> &str {
        match self {
            View::Whole { text, .. } => text,
            View::Excerpt(e) => &e.text,
        }
    }

    /// The file offset of an offset into the shown text.
    fn file_offset(&self, at: usize) -> usize {
        match self {
            View::Whole { .. } => at,
            View::Excerpt(e) => e.unmap(at),
        }
    }
}

impl<'a> Excerpt<'a> {
    fn new(file: &'a SourceFile, text: &str, spans: &[Range<usize>]) -> Excerpt<'a> {
        let lines = |s: &Range<usize>| [file.line_index(s.start), file.line_index(s.end)];
        let first = spans.iter().flat_map(lines).min().unwrap_or(0);
        let last = spans.iter().flat_map(lines).max().unwrap_or(0);
        let mut out = Excerpt {
            file,
            text: String::new(),
            line_starts: Vec::new(),
            first,
            pieces: Vec::new(),
        };
        for line in first..=last {
            let range = file.line_range(line);
            out.line_starts.push(out.text.len());
            if range.len() <= LONG_LINE {
                out.keep(text, range);
            } else {
                out.cut_line(text, &range, spans);
            }
            out.text.push('\n');
        }
        out
    }

    /// Appends the file's `range` verbatim.
    fn keep(&mut self, text: &str, range: Range<usize>) {
        self.pieces.push((range.clone(), self.text.len()));
        self.text.push_str(&text[range]);
    }

    /// Appends a long line: windows around the ends of every span on it, the
    /// rest cut (its start alone when no span touches it).
    fn cut_line(&mut self, text: &str, line: &Range<usize>, spans: &[Range<usize>]) {
        let clip = |o: usize| o.clamp(line.start, line.end);
        let mut windows: Vec<Range<usize>> = Vec::new();
        for s in spans {
            if s.end < line.start || s.start > line.end {
                continue;
            }
            for end in [clip(s.start), clip(s.end)] {
                windows.push(
                    end.saturating_sub(CONTEXT).max(line.start)..(end + CONTEXT).min(line.end),
                );
            }
        }
        if windows.is_empty() {
            windows.push(line.start..line.start + 2 * CONTEXT);
        }
        windows.sort_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for w in windows {
            let w = boundary(text, w.start, false)..boundary(text, w.end, true);
            match merged.last_mut() {
                Some(m) if w.start <= m.end + CUT.len() => m.end = m.end.max(w.end),
                _ => merged.push(w),
            }
        }
        let mut end = line.start;
        for (i, w) in merged.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(CUT);
            } else if w.start > line.start {
                self.text.push_str(CUT.trim_start());
            }
            end = w.end;
            self.keep(text, w);
        }
        if end < line.end {
            self.text.push_str(CUT.trim_end());
        }
    }

    /// The excerpt offset of a file offset (the nearest kept one when it was cut).
    fn map(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|(r, _)| r.end < offset);
        match self.pieces.get(i) {
            Some((r, at)) if offset >= r.start => at + (offset - r.start),
            Some((_, at)) => *at,
            None => self.text.len().saturating_sub(1),
        }
    }

    /// The file offset of an excerpt offset.
    fn unmap(&self, at: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|(_, a)| *a <= at)
            .saturating_sub(1);
        self.pieces
            .get(i)
            .map_or(0, |(r, a)| (r.start + (at.saturating_sub(*a))).min(r.end))
    }
}

/// `at` moved to a character boundary of `text` (forward or back).
fn boundary(text: &str, mut at: usize, forward: bool) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        if forward {
            at += 1;
        } else {
            at -= 1;
        }
    }
    at
}

impl<'f> Files<'f> for View<'_> {
    type FileId = ();
    type Name = &'f str;
    type Source = &'f str;

    fn name(&'f self, (): ()) -> Result<&'f str, Error> {
        Ok(&self.file().path)
    }

    fn source(&'f self, (): ()) -> Result<&'f str, Error> {
        Ok(self.text())
    }

    fn line_index(&'f self, (): (), byte_index: usize) -> Result<usize, Error> {
        Ok(match self {
            View::Whole { file, .. } => file.line_index(byte_index),
            View::Excerpt(e) => e.line_starts.partition_point(|&s| s <= byte_index) - 1,
        })
    }

    fn line_number(&'f self, (): (), line_index: usize) -> Result<usize, Error> {
        Ok(match self {
            View::Whole { .. } => line_index + 1,
            View::Excerpt(e) => e.first + line_index + 1,
        })
    }

    fn column_number(
        &'f self,
        (): (),
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        Ok(self.file().line_col(self.file_offset(byte_index)).1)
    }

    fn line_range(&'f self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        let starts: &dyn Fn(usize) -> Option<usize> = match self {
            View::Whole { file, .. } => {
                &|i| (i <= file.line_index(file.text.len())).then(|| file.line_range(i).start)
            }
            View::Excerpt(e) => &|i| e.line_starts.get(i).copied(),
        };
        let len = self.text().len();
        let start = starts(line_index).ok_or(Error::LineTooLarge {
            given: line_index,
            max: self.line_index((), len)?,
        })?;
        Ok(start..starts(line_index + 1).unwrap_or(len))
    }
}
