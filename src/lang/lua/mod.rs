//! Lua script analysis shared by every front-end: a Lua 5.1 lexer and a small
//! scanner over its tokens that finds which `KEYS[i]` a script reads and the key
//! arguments of its `redis.call`/`redis.pcall` calls, as key patterns.
//!
//! Scripts often sit inside another file (a quoted EVAL argument, a string in
//! Python), so every position is mapped through `offsets` to a file offset.

mod expr;
mod lex;
mod library;
mod scan;
mod shebang;
#[cfg(test)]
mod tests;

pub use shebang::is_library;

use crate::lang::Problem;
use crate::model::{FileModel, Function, Library, Script, Span};

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
    let problems = lex_problems(errors, map);
    Analysis {
        script: Script {
            span: map.span(0, code.len()),
            flags: shebang::eval_flags(code, map),
            ..script
        },
        problems,
        calls_redis,
    }
}

fn lex_problems(errors: Vec<lex::LexError>, map: OffsetMap<'_>) -> Vec<Problem> {
    errors
        .into_iter()
        .map(|e| Problem {
            span: map.span(e.start, e.end),
            message: e.message.to_string(),
        })
        .collect()
}

/// A Redis Functions library as analyzed: its name, what the server refuses
/// in it, and each registered function's body.
#[derive(Debug, Clone, Default)]
pub struct LibraryAnalysis {
    pub name: Option<String>,
    pub span: Span,
    /// What the server refuses in the library's first line or its
    /// registrations, with the server's message.
    pub invalid: Vec<(String, Span)>,
    /// Name, where it is written, and the callback's body with its flags.
    pub functions: Vec<(String, Span, Script)>,
    pub problems: Vec<Problem>,
}

impl LibraryAnalysis {
    /// Adds the library and its functions' bodies to a model; lexical
    /// problems go to `problems`.
    pub fn add_to(self, model: &mut FileModel, problems: &mut Vec<Problem>) {
        problems.extend(self.problems);
        let mut functions = Vec::new();
        for (name, span, script) in self.functions {
            model.scripts.push(script);
            functions.push(Function {
                name,
                span,
                script: model.scripts.len() - 1,
            });
        }
        model.libraries.push(Library {
            name: self.name,
            span: self.span,
            invalid: self.invalid,
            functions,
        });
    }
}

/// Analyzes a function library (`#!lua name=…` and `redis.register_function`
/// calls). `offsets` as for [`analyze`]. Never panics, whatever the bytes.
pub fn analyze_library(code: &[u8], offsets: &[usize]) -> LibraryAnalysis {
    let (tokens, errors) = lex::lex(code);
    let map = OffsetMap {
        offsets,
        len: code.len(),
    };
    let (name, mut invalid) = shebang::library_meta(code, map);
    let mut scanner = scan::Scanner::new(code, tokens, map);
    let registrations = scanner.registrations();
    scanner.callbacks = registrations
        .iter()
        .filter_map(|r| r.callback.map(|(f, _)| f))
        .collect();
    scanner.run();
    let mut functions = Vec::new();
    for reg in registrations {
        // A name held in a variable: the function cannot be matched to calls.
        let Some((fname, fspan)) = reg.name else {
            invalid.extend(reg.flags.invalid);
            continue;
        };
        if let Some(message) = library::name_problem(&fname) {
            invalid.push((message.into(), fspan));
        }
        let Some((start, end)) = reg.callback else {
            continue;
        };
        let param = scanner
            .first_param(start)
            .unwrap_or_else(|| "keys".to_string());
        let script = Script {
            span: scanner.token_span(start, end + 1),
            flags: reg.flags,
            ..scanner.script_of(start, end, Some(&param))
        };
        functions.push((fname, fspan, script));
    }
    LibraryAnalysis {
        name: name.map(|(n, _)| n),
        span: map.span(0, code.len()),
        invalid,
        functions,
        problems: lex_problems(errors, map),
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

/// For front-ends: a library that code loads (`function_load(code)`,
/// `FUNCTION LOAD code`) with the code's decoded bytes and their file offsets.
pub fn load_library(
    model: &mut FileModel,
    problems: &mut Vec<Problem>,
    bytes: &[u8],
    offsets: &[usize],
) {
    analyze_library(bytes, offsets).add_to(model, problems);
}

/// For front-ends, right after pushing an `FCALL`/`FCALL_RO` call's script:
/// names the function it calls when the name is a literal.
pub fn name_fcall(model: &mut FileModel, command: &str, name: Option<&[u8]>) {
    if !command.starts_with("FCALL") {
        return;
    }
    if let (Some(script), Some(name)) = (model.scripts.last_mut(), name) {
        script.function = Some(String::from_utf8_lossy(name).into_owned());
    }
}
