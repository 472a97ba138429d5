//! Lua script analysis shared by every front-end: a Lua 5.1 lexer and a small
//! scanner over its tokens that finds which `KEYS[i]` a script reads and the key
//! arguments of its `redis.call`/`redis.pcall` calls, as key patterns.
//!
//! Scripts often sit inside another file (a quoted EVAL argument, a string in
//! Python), so every position is mapped through `offsets` to a file offset.

mod expr;
mod lex;
mod scan;
#[cfg(test)]
mod tests;

use crate::lang::Problem;
use crate::model::{Script, Span};

/// The result of analyzing one script, with what only front-ends need.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub script: Script,
    /// Lexical errors (an unfinished string or long comment); the analysis goes on.
    pub problems: Vec<Problem>,
    /// Whether the code calls `redis.call`/`redis.pcall` (or `server.*`) at all:
    /// a standalone `.lua` file that does not is not a Redis script.
    pub calls_redis: bool,
}

/// Offsets for code that is the file itself: `offsets[i] == i`.
pub fn identity_offsets(len: usize) -> Vec<usize> {
    (0..=len).collect()
}

/// Analyzes a script. `offsets[i]` is the file offset of `code[i]` and
/// `offsets[code.len()]` the file offset just past the script, so every span in
/// the result is a file span. Never panics, whatever the bytes.
pub fn analyze(code: &[u8], offsets: &[usize]) -> Script {
    analyze_full(code, offsets).script
}

/// [`analyze`], with the lexical problems and whether the code calls Redis.
pub fn analyze_full(code: &[u8], offsets: &[usize]) -> Analysis {
    let (tokens, errors) = lex::lex(code);
    let map = OffsetMap {
        offsets,
        len: code.len(),
    };
    let (script, calls_redis) = scan::scan(code, tokens, map);
    let problems = errors
        .into_iter()
        .map(|e| Problem {
            span: map.span(e.start, e.end),
            message: e.message.to_string(),
        })
        .collect();
    Analysis {
        script: Script {
            span: map.span(0, code.len()),
            ..script
        },
        problems,
        calls_redis,
    }
}

/// Code index → file offset, tolerant of a short or empty `offsets`.
#[derive(Clone, Copy)]
pub(crate) struct OffsetMap<'a> {
    offsets: &'a [usize],
    len: usize,
}

impl OffsetMap<'_> {
    fn at(&self, i: usize) -> usize {
        match self.offsets.get(i.min(self.len)) {
            Some(&o) => o,
            None => self.offsets.last().map_or(i, |&o| o),
        }
    }

    /// The file span of code bytes `start..end`.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let (s, e) = (self.at(start), self.at(end));
        Span::new(s.min(e), s.max(e))
    }
}
