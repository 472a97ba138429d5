//! Python string literals and string formatting: every quote and prefix
//! form with escapes decoded (and the file offset of each byte), f-strings
//! with their replacement fields, `%`-formatting and `str.format`.

use tree_sitter::Node;

use super::value::{is_prefixish, Literal, Val};
use super::Cx;
use crate::keypattern::{BraceField, BraceSyntax, Hole, KeyPattern, Layout, Segment};
use crate::lang::fields::{self, Piece};
use crate::lang::holes::in_field;
use crate::model::Span;

impl<'a> Cx<'a> {
    /// A string literal: its prefix, its content with escapes decoded, and
    /// for f-strings the interpolations as holes.
    pub(super) fn string(&mut self, node: Node<'a>) -> Val {
        if node.kind() != "string" {
            return self.eval(node);
        }
        let mut c = node.walk();
        let parts: Vec<Node<'a>> = node.children(&mut c).collect();
        let prefix = parts
            .first()
            .filter(|p| p.kind() == "string_start")
            .map_or("", |p| self.text(*p))
            .to_ascii_lowercase();
        let is_f = prefix.contains('f');
        let raw = prefix.contains('r');
        let mut pattern = KeyPattern::default();
        let mut lit = Some(Literal {
            bytes: Vec::new(),
            offsets: Vec::new(),
        });
        // Where each token of an f-string's pattern is written (a plain
        // string's are its literal's offsets).
        let mut starts = Vec::new();
        for part in parts {
            match part.kind() {
                "string_content" => {
                    let (bytes, offsets) = self.content(part, raw, is_f);
                    if is_f {
                        starts.extend_from_slice(&offsets);
                    }
                    if let Some(l) = &mut lit {
                        l.bytes.extend_from_slice(&bytes);
                        l.offsets.extend_from_slice(&offsets);
                    }
                    pattern.push(Segment::Lit(bytes));
                }
                "interpolation" => {
                    lit = None;
                    let Some(expr) = part.child_by_field_name("expression") else {
                        continue;
                    };
                    let v = self.eval(expr);
                    let plain = part.child_by_field_name("format_specifier").is_none()
                        && part.child_by_field_name("type_conversion").is_none();
                    let name = self.name_of(expr);
                    let p = if plain || matches!(v, Val::Opaque(_)) {
                        v.interpolated(&name)
                    } else {
                        KeyPattern::new([Segment::Hole(Hole {
                            may_contain_braces: is_prefixish(&name),
                            ..Hole::named(name)
                        })])
                    };
                    // A field of another module's string cannot be edited here.
                    let field = (self.cur == 0).then(|| BraceField {
                        span: Span::new(part.start_byte(), part.end_byte()),
                        text: self.text(part).to_string(),
                        literal: self.text(node).to_string(),
                        at: part.start_byte() - node.start_byte(),
                    });
                    let p = in_field(p, field);
                    starts.extend(std::iter::repeat_n(part.start_byte(), p.token_count()));
                    pattern.extend(&p);
                }
                _ => {}
            }
        }
        let end = parts_end(node);
        let lit = lit.map(|mut l| {
            l.offsets.push(end);
            // Another module's text: every byte is placed at the call that led there.
            if let Some(site) = self.site.filter(|_| self.cur != 0) {
                let last = l.offsets.len() - 1;
                for (i, o) in l.offsets.iter_mut().enumerate() {
                    *o = if i == last { site.end } else { site.start };
                }
            }
            Box::new(l)
        });
        let layout = match &lit {
            Some(l) if !is_f => l.layout(BraceSyntax::Plain),
            _ => {
                starts.push(end);
                Layout {
                    starts,
                    braces: BraceSyntax::Doubled,
                }
            }
        };
        // Where another module writes a key cannot be edited from here.
        if self.cur != 0 {
            return Val::Str(pattern, lit);
        }
        Val::Str(pattern.with_layout(layout), lit)
    }

    /// Decoded bytes of a string content node and the file offset of each.
    fn content(&self, node: Node<'_>, raw: bool, is_f: bool) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        let mut pos = node.start_byte();
        let mut c = node.walk();
        let escapes: Vec<Node<'_>> = node.named_children(&mut c).collect();
        let src = self.md().src;
        let push_raw = |from: usize, to: usize, bytes: &mut Vec<u8>, offsets: &mut Vec<usize>| {
            let to = to.min(src.len());
            bytes.extend_from_slice(src.get(from..to).unwrap_or_default());
            offsets.extend(from..to.max(from));
        };
        for e in escapes {
            push_raw(pos, e.start_byte(), &mut bytes, &mut offsets);
            let text = &src[e.byte_range()];
            match e.kind() {
                "escape_interpolation" if is_f => {
                    bytes.push(text.first().copied().unwrap_or(b'{'));
                    offsets.push(e.start_byte());
                }
                "escape_sequence" if !raw => {
                    for b in decode_escape(text) {
                        bytes.push(b);
                        offsets.push(e.start_byte());
                    }
                }
                _ => push_raw(e.start_byte(), e.end_byte(), &mut bytes, &mut offsets),
            }
            pos = e.end_byte();
        }
        push_raw(pos, node.end_byte(), &mut bytes, &mut offsets);
        (bytes, offsets)
    }
}

fn parts_end(node: Node<'_>) -> usize {
    let mut c = node.walk();
    let last = node.children(&mut c).last();
    match last {
        Some(end) if end.kind() == "string_end" => end.start_byte(),
        _ => node.end_byte(),
    }
}

/// The bytes one escape sequence stands for.
fn decode_escape(text: &[u8]) -> Vec<u8> {
    let Some(&c) = text.get(1) else {
        return text.to_vec();
    };
    let hex = |s: &[u8]| {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| u32::from_str_radix(s, 16).ok())
    };
    let single = match c {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'0'..=b'7' => {
            let digits = std::str::from_utf8(&text[1..]).unwrap_or("0");
            return vec![
                u8::try_from(u32::from_str_radix(digits, 8).unwrap_or(0) & 0xff).unwrap_or(0),
            ];
        }
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'v' => 11,
        b'\n' => return Vec::new(),
        b'x' => {
            return hex(&text[2..])
                .and_then(|v| u8::try_from(v).ok())
                .map_or_else(|| text.to_vec(), |v| vec![v]);
        }
        b'u' | b'U' => {
            return hex(&text[2..])
                .and_then(char::from_u32)
                .map_or_else(|| text.to_vec(), |ch| ch.to_string().into_bytes());
        }
        b'N' => return text.to_vec(),
        other => other,
    };
    vec![single]
}

/// `template % args`: `%s`-style conversions and `%(name)s` from a dict.
pub(super) fn percent_format(
    template: &KeyPattern,
    args: &[(Val, String)],
    whole: &Val,
) -> KeyPattern {
    let mut next = 0;
    template.map_literals(|bytes, out| {
        let mut i = 0;
        let mut lit = Vec::new();
        while i < bytes.len() {
            if bytes[i] != b'%' {
                lit.push(bytes[i]);
                i += 1;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'%') {
                lit.push(b'%');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            let mut key = None;
            if bytes.get(j) == Some(&b'(') {
                let close = bytes[j..].iter().position(|&b| b == b')').map(|p| j + p);
                let Some(close) = close else {
                    lit.extend_from_slice(&bytes[i..]);
                    break;
                };
                key = Some(bytes[j + 1..close].to_vec());
                j = close + 1;
            }
            while j < bytes.len() && b"-+ #0123456789.*".contains(&bytes[j]) {
                j += 1;
            }
            if j >= bytes.len() {
                lit.extend_from_slice(&bytes[i..]);
                break;
            }
            out.push(Segment::Lit(std::mem::take(&mut lit)));
            let hole = if let Some(key) = key {
                let found = match whole {
                    Val::Map(pairs) => pairs
                        .iter()
                        .find(|(k, _, _)| k.literal_bytes().as_deref() == Some(key.as_slice()))
                        .map(|(_, v, _)| v.clone()),
                    _ => None,
                };
                let name = String::from_utf8_lossy(&key).into_owned();
                found.map_or_else(
                    || Val::opaque(name.clone()).interpolated(&name),
                    |v| v.interpolated(&name),
                )
            } else {
                let arg = args.get(next);
                next += 1;
                arg.map_or_else(
                    || KeyPattern::new([Segment::Hole(Hole::named("%s"))]),
                    |(v, name)| v.interpolated(name),
                )
            };
            out.extend(&hole);
            i = j + 1;
        }
        out.push(Segment::Lit(lit));
    })
}

/// `template.format(*pos, **kw)`: `{}`, `{0}`, `{name}` fields; `{{`/`}}` are
/// braces. `lit` places the fields of a literal template in the source.
pub(super) fn format_template(
    template: &KeyPattern,
    lit: Option<&Literal>,
    written: Option<(&str, usize)>,
    pos: &[(Val, String)],
    kw: &[(String, Val)],
) -> KeyPattern {
    let mut out = KeyPattern::default();
    let mut auto = 0;
    let mut base = 0;
    for seg in template.segments() {
        let Segment::Lit(bytes) = seg else {
            out.push(seg.clone());
            continue;
        };
        for piece in fields::scan(bytes) {
            let (start, end, field) = match piece {
                Piece::Text { bytes: text, .. } => {
                    out.push(Segment::Lit(text));
                    continue;
                }
                Piece::Unclosed { start } => {
                    out.push(Segment::Lit(bytes[start..].to_vec()));
                    break;
                }
                Piece::Field { start, end, inner } => (start, end, inner),
            };
            let name_end = field
                .iter()
                .position(|&c| matches!(c, b'!' | b':' | b'.' | b'['))
                .unwrap_or(field.len());
            let name = String::from_utf8_lossy(&field[..name_end]).into_owned();
            let plain = name_end == field.len();
            let value = if name.is_empty() {
                auto += 1;
                pos.get(auto - 1).cloned()
            } else if let Ok(n) = name.parse::<usize>() {
                pos.get(n).cloned()
            } else {
                kw.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (v.clone(), name.clone()))
            };
            let hole = match value {
                Some((v, n)) if plain || matches!(v, Val::Opaque(_)) => v.interpolated(&n),
                Some((_, n)) => Val::opaque(n.clone()).interpolated(&n),
                None => {
                    let n = String::from_utf8_lossy(field).into_owned();
                    Val::opaque(n.clone()).interpolated(&n)
                }
            };
            let field = lit.and_then(|l| {
                let span = l.span(base + start, base + end)?;
                let (literal, at) = written
                    .and_then(|(text, from)| {
                        Some((text.to_string(), span.start.checked_sub(from)?))
                    })
                    .unwrap_or_default();
                Some(BraceField {
                    span,
                    text: String::from_utf8_lossy(&bytes[start..end]).into_owned(),
                    literal,
                    at,
                })
            });
            out.extend(&in_field(hole, field));
        }
        base += bytes.len();
    }
    out
}
