//! Abstract values of Rust expressions as the front-end tracks them: strings as
//! key patterns (with the file offset of each literal byte, for inline Lua),
//! integers, opaque values, lists and families of keys, and redis-rs / fred
//! handles (connections, command builders, pipelines, scripts).

use crate::keypattern::KeyPattern;
use crate::lang::holes::Scalar;
pub(crate) use crate::lang::holes::{Literal, Opaque};
use crate::model::Span;

/// One element of an argument list: its value, where it is written and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Elem {
    pub(crate) val: Val,
    pub(crate) span: Span,
    pub(crate) text: String,
}

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    /// A string (or bytes) as a pattern; the literal when fully literal.
    Str(KeyPattern, Option<Box<Literal>>),
    Int(i64),
    Opaque(Opaque),
    /// An array, slice, `vec!` or tuple whose elements are known.
    List(Vec<Elem>),
    /// An iterator/collection of any number of elements shaped like the
    /// value, where the holes named in the list differ from one to the next.
    Family(Box<Val>, Vec<String>),
    /// A Redis client or connection: index into the model's clients.
    Conn(usize),
    /// A `redis::cmd(..)` builder: index into the front-end's builders.
    Cmd(usize),
    /// A pipeline or fred transaction: index into the front-end's pipelines.
    Pipe(usize),
    /// A `redis::Script` or `ScriptInvocation`: index into the front-end's scripts.
    Script(usize),
    Unknown,
}

impl Val {
    pub(crate) fn opaque(name: impl Into<String>) -> Val {
        Val::Opaque(Opaque {
            name: name.into(),
            ..Opaque::default()
        })
    }

    pub(crate) fn numeric(name: impl Into<String>, domain: Option<u64>) -> Val {
        Val::Opaque(Opaque {
            name: name.into(),
            numeric: true,
            domain,
            ..Opaque::default()
        })
    }

    pub(crate) fn lit(bytes: impl Into<Vec<u8>>) -> Val {
        Val::Str(KeyPattern::literal(bytes), None)
    }

    pub(crate) fn literal_bytes(&self) -> Option<Vec<u8>> {
        self.scalar().literal_bytes()
    }

    /// The value as key-building sees it.
    fn scalar(&self) -> Scalar<'_> {
        match self {
            Val::Str(p, _) => Scalar::Str(p),
            Val::Int(n) => Scalar::Int(*n),
            Val::Opaque(o) => Scalar::Opaque(o),
            _ => Scalar::Other,
        }
    }

    /// The value used as a whole key: a hole that may hold a tag when unknown.
    pub(crate) fn key_pattern(&self, text: &str) -> KeyPattern {
        self.scalar().key_pattern(text, SEPARATORS)
    }

    /// The value interpolated into a string (`format!("{x}")`, `a + &x`).
    pub(crate) fn interpolated(&self, text: &str) -> KeyPattern {
        self.scalar().interpolated(text, SEPARATORS)
    }
}

/// What splits a dotted path in a hole name.
const SEPARATORS: &[char] = &['.', ':'];

/// Renames the holes that mention one of `vars` (`k` → `k#2`) for the `n`th
/// element of a family.
fn instance(pattern: &KeyPattern, vars: &[String], n: usize) -> KeyPattern {
    super::super::holes::instance(pattern, vars, n, IDENT)
}

/// Characters of an identifier in this language.
const IDENT: fn(char) -> bool = |c: char| c.is_alphanumeric() || c == '_';

/// Two element instances of a family, as strings (one when they cannot differ).
pub(crate) fn family_instances(elem: &Val, vars: &[String], text: &str) -> Vec<Val> {
    let p = elem.key_pattern(text);
    let a = instance(&p, vars, 1);
    let b = instance(&p, vars, 2);
    if a == b {
        vec![Val::Str(a, None)]
    } else {
        vec![Val::Str(a, None), Val::Str(b, None)]
    }
}

/// Decodes a string or byte-string literal token (`"a\n"`, `r#"x"#`, `b"k"`)
/// that starts at file offset `start`. `None` for anything else.
pub(crate) fn decode_literal(token: &str, start: usize) -> Option<Literal> {
    let t = token.as_bytes();
    let mut i = 0;
    if matches!(t.first(), Some(b'b' | b'c')) {
        i += 1;
    }
    if t.get(i) == Some(&b'r') {
        i += 1;
        let hashes = t[i..].iter().take_while(|&&b| b == b'#').count();
        i += hashes;
        if t.get(i) != Some(&b'"') {
            return None;
        }
        i += 1;
        let end = t.len().checked_sub(hashes + 1)?;
        if end < i {
            return None;
        }
        let bytes = t[i..end].to_vec();
        let mut offsets: Vec<usize> = (i..=end).map(|k| start + k).collect();
        offsets.truncate(bytes.len() + 1);
        return Some(Literal { bytes, offsets });
    }
    if t.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    let end = t.len().checked_sub(1)?;
    let mut bytes = Vec::new();
    let mut offsets = Vec::new();
    while i < end {
        let at = start + i;
        if t[i] != b'\\' {
            bytes.push(t[i]);
            offsets.push(at);
            i += 1;
            continue;
        }
        let c = t.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let simple = match c {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'0' => Some(0),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'\'' => Some(b'\''),
            _ => None,
        };
        if let Some(b) = simple {
            bytes.push(b);
            offsets.push(at);
            continue;
        }
        match c {
            b'x' => {
                let hex = token.get(i..i + 2).unwrap_or("");
                bytes.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                offsets.push(at);
                i += 2;
            }
            b'u' => {
                let close = t[i..]
                    .iter()
                    .position(|&b| b == b'}')
                    .map_or(end, |p| i + p);
                let hex: String = token
                    .get(i..close)
                    .unwrap_or("")
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .collect();
                let ch = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('?');
                let mut buf = [0u8; 4];
                for b in ch.encode_utf8(&mut buf).bytes() {
                    bytes.push(b);
                    offsets.push(at);
                }
                i = close + 1;
            }
            b'\n' | b'\r' => {
                while i < end && t[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            other => {
                bytes.push(other);
                offsets.push(at);
            }
        }
    }
    offsets.push(start + end.max(1));
    Some(Literal { bytes, offsets })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_decode_with_offsets() {
        let l = decode_literal(r#""a\nb""#, 10).unwrap();
        assert_eq!(l.bytes, b"a\nb");
        assert_eq!(l.offsets, vec![11, 12, 14, 15]);
        let r = decode_literal("r#\"x{y}\"#", 0).unwrap();
        assert_eq!(r.bytes, b"x{y}");
        assert_eq!(r.offsets, vec![3, 4, 5, 6, 7]);
        assert_eq!(decode_literal("b\"k\"", 0).unwrap().bytes, b"k");
        assert!(decode_literal("'c'", 0).is_none());
    }
}
