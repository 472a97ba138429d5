//! `{…}` replacement fields of format templates (Python `str.format`, Rust
//! `format!`): the text between them with `{{`/`}}` read as literal braces,
//! and each field with where it is in the template.

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'t> {
    /// Literal text, escaped braces decoded, and where in the template each
    /// of its bytes is written.
    Text { bytes: Vec<u8>, at: Vec<usize> },
    /// A replacement field: `template[start..end]` is `{inner}`.
    Field {
        start: usize,
        end: usize,
        inner: &'t [u8],
    },
    /// A `{` that is never closed, at `start`: the rest is not a template.
    Unclosed { start: usize },
}

/// The pieces of `template`, in order; adjacent text is one piece.
pub(crate) fn scan(template: &[u8]) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    let mut at = Vec::new();
    let mut i = 0;
    while i < template.len() {
        let b = template[i];
        if (b == b'{' || b == b'}') && template.get(i + 1) == Some(&b) {
            text.push(b);
            at.push(i);
            i += 2;
            continue;
        }
        if b != b'{' {
            text.push(b);
            at.push(i);
            i += 1;
            continue;
        }
        if !text.is_empty() {
            out.push(Piece::Text {
                bytes: std::mem::take(&mut text),
                at: std::mem::take(&mut at),
            });
        }
        let Some(close) = template[i..].iter().position(|&c| c == b'}').map(|p| i + p) else {
            out.push(Piece::Unclosed { start: i });
            return out;
        };
        out.push(Piece::Field {
            start: i,
            end: close + 1,
            inner: &template[i + 1..close],
        });
        i = close + 1;
    }
    if !text.is_empty() {
        out.push(Piece::Text { bytes: text, at });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_and_escapes() {
        assert_eq!(
            scan(b"a{{b}}{x:>4}c{}"),
            vec![
                Piece::Text {
                    bytes: b"a{b}".to_vec(),
                    at: vec![0, 1, 3, 4]
                },
                Piece::Field {
                    start: 6,
                    end: 12,
                    inner: b"x:>4"
                },
                Piece::Text {
                    bytes: b"c".to_vec(),
                    at: vec![12]
                },
                Piece::Field {
                    start: 13,
                    end: 15,
                    inner: b""
                },
            ]
        );
        assert_eq!(
            scan(b"k:{id"),
            vec![
                Piece::Text {
                    bytes: b"k:".to_vec(),
                    at: vec![0, 1]
                },
                Piece::Unclosed { start: 2 }
            ]
        );
        assert_eq!(scan(b""), Vec::<Piece<'_>>::new());
    }
}
