//! Rust's part of the shared value type: what only redis-rs and fred code
//! has (command builders, scripts and their invocations being built) and its
//! lexicon; and how Rust string literals decode, with the file offset of each
//! byte (for inline Lua and replacement fields).

use crate::lang::value::{Ext, Lexicon};
pub(crate) use crate::lang::value::{Literal, Opaque};

/// What a Rust expression evaluates to.
pub(crate) type Val = crate::lang::value::Val<Rs>;
/// One element of an argument list: its value, where it is written and its text.
pub(crate) type Elem = crate::lang::value::Elem<Rs>;

/// Values only Rust code has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rs {
    /// A `redis::cmd(..)` builder: index into the front-end's builders.
    Cmd(usize),
    /// A `redis::Script` or `ScriptInvocation`: index into the front-end's scripts.
    Script(usize),
    /// A value of one of the project's structs.
    Struct(Box<Inst>),
}

/// A struct of the project: the module that defines it and its name there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TypeRef {
    pub(crate) module: usize,
    pub(crate) name: String,
}

/// A value of a struct: its type, what the code calls it (fields read from
/// it are named after it) and the fields a literal gave it; the others are
/// what the type's constructions give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inst {
    pub(crate) ty: TypeRef,
    pub(crate) name: String,
    pub(crate) fields: Vec<(String, Val)>,
}

impl Ext for Rs {
    const LEXICON: &'static Lexicon = &Lexicon {
        ident: |c| c.is_alphanumeric() || c == '_',
        separators: &['.', ':'],
        bools: ["false", "true"],
    };
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
