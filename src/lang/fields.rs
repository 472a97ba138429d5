//! `{…}` replacement fields of format templates (Python `str.format`, Rust
//! `format!`): the text between them with `{{`/`}}` read as literal braces,
//! and each field with where it is in the template.

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'t> {
    /// Literal text, escaped braces decoded.
    Text(Vec<u8>),
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
    let mut i = 0;
    while i < template.len() {
        let b = template[i];
        if (b == b'{' || b == b'}') && template.get(i + 1) == Some(&b) {
            text.push(b);
            i += 2;
            continue;
        }
        if b != b'{' {
            text.push(b);
            i += 1;
            continue;
        }
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
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
        out.push(Piece::Text(text));
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
                Piece::Text(b"a{b}".to_vec()),
                Piece::Field {
                    start: 6,
                    end: 12,
                    inner: b"x:>4"
                },
                Piece::Text(b"c".to_vec()),
                Piece::Field {
                    start: 13,
                    end: 15,
                    inner: b""
                },
            ]
        );
        assert_eq!(
            scan(b"k:{id"),
            vec![Piece::Text(b"k:".to_vec()), Piece::Unclosed { start: 2 }]
        );
        assert_eq!(scan(b""), Vec::<Piece<'_>>::new());
    }
}
