//! The first line of a script or library (`#!lua flags=no-writes`,
//! `#!lua name=mylib`), read as the server reads it: EVAL takes `flags=`
//! only, FUNCTION LOAD takes `name=` only, and anything else is refused with
//! the server's own message.

use super::OffsetMap;
use crate::model::{ScriptFlags, Span, SCRIPT_FLAGS};

/// One blank-separated word of the shebang line, with its code range.
struct Word<'c> {
    text: &'c [u8],
    start: usize,
}

/// The words of the first line when the code starts with `#!`, and whether
/// a newline ends that line (the server needs one).
fn words(code: &[u8]) -> Option<(Vec<Word<'_>>, bool)> {
    if !code.starts_with(b"#!") {
        return None;
    }
    let end = memchr::memchr(b'\n', code);
    let line = &code[..end.unwrap_or(code.len())];
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < line.len() && !line[i].is_ascii_whitespace() {
            i += 1;
        }
        out.push(Word {
            text: &line[start..i],
            start,
        });
    }
    Some((out, end.is_some()))
}

/// What the server refuses, with its message and where.
pub(super) type Invalid = Vec<(String, Span)>;

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The flags of an EVAL script (`#!lua flags=a,b`); without a shebang the
/// script runs in compatibility mode (`declared: false`).
pub(super) fn eval_flags(code: &[u8], map: OffsetMap<'_>) -> ScriptFlags {
    let mut flags = ScriptFlags {
        known: true,
        ..ScriptFlags::default()
    };
    let Some((words, terminated)) = words(code) else {
        return flags;
    };
    let line_end = memchr::memchr(b'\n', code).unwrap_or(code.len());
    let line = map.span(0, line_end);
    flags.declared = true;
    flags.span = Some(line);
    if !terminated {
        flags.invalid.push(("Invalid script shebang".into(), line));
        return flags;
    }
    let mut words = words.into_iter();
    if let Some(engine) = words.next() {
        if engine.text != b"#!lua" {
            let span = map.span(engine.start, engine.start + engine.text.len());
            flags.invalid.push((
                format!(
                    "Unexpected engine in script shebang: {}",
                    lossy(engine.text)
                ),
                span,
            ));
            return flags;
        }
    }
    for w in words {
        let span = map.span(w.start, w.start + w.text.len());
        let Some(list) = w.text.strip_prefix(b"flags=") else {
            flags.invalid.push((
                format!("Unknown lua shebang option: {}", lossy(w.text)),
                span,
            ));
            continue;
        };
        if list.is_empty() {
            continue;
        }
        for f in list.split(|&b| b == b',') {
            let name = lossy(f);
            if SCRIPT_FLAGS.contains(&name.as_str()) {
                flags.flags.push(name);
            } else {
                flags
                    .invalid
                    .push((format!("Unexpected flag in script shebang: {name}"), span));
            }
        }
    }
    flags
}

/// The metadata of a function library: its `name=`, and what the server
/// refuses in the first line.
pub(super) fn library_meta(code: &[u8], map: OffsetMap<'_>) -> (Option<(String, Span)>, Invalid) {
    let mut invalid = Vec::new();
    let first = map.span(0, memchr::memchr(b'\n', code).unwrap_or(code.len()));
    let Some((words, terminated)) = words(code) else {
        invalid.push(("Missing library metadata".into(), first));
        return (None, invalid);
    };
    if !terminated {
        invalid.push(("Invalid library metadata".into(), first));
        return (None, invalid);
    }
    let mut name = None;
    let mut words = words.into_iter();
    if let Some(engine) = words.next() {
        let span = map.span(engine.start, engine.start + engine.text.len());
        if !engine.text.eq_ignore_ascii_case(b"#!lua") {
            invalid.push((
                format!("Engine '{}' not found", lossy(&engine.text[2..])),
                span,
            ));
        }
    }
    for w in words {
        let span = map.span(w.start, w.start + w.text.len());
        match w.text.get(..5) {
            Some(p) if p.eq_ignore_ascii_case(b"name=") => {
                if name.is_some() {
                    invalid.push((
                        "Invalid metadata value, name argument was given multiple times".into(),
                        span,
                    ));
                }
                name = Some((lossy(&w.text[5..]), span));
            }
            _ => invalid.push((
                format!("Invalid metadata value given: {}", lossy(w.text)),
                span,
            )),
        }
    }
    match &name {
        None => invalid.push(("Library name was not given".into(), first)),
        Some((n, span)) if !valid_name(n) => invalid.push((
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long".into(),
            *span,
        )),
        Some(_) => {}
    }
    (name, invalid)
}

/// What the server accepts as a library or function name.
pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether the code is a function library rather than an EVAL script: its
/// first line is a shebang with a `name=`.
pub fn is_library(code: &[u8]) -> bool {
    words(code).is_some_and(|(words, _)| {
        words.iter().skip(1).any(|w| {
            w.text
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"name="))
        })
    })
}
