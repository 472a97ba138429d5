//! The bytes `slotlint slot` writes: the fast path's line scan and
//! `SLOT<TAB>KEY` rows, numbers without formatting machinery, escaped keys
//! and JSON objects.

use std::borrow::Cow;

use super::NodeColumn;
use crate::slot;

/// `SLOT<TAB>KEY` for each line of `chunk`.
pub(super) fn plain_lines(chunk: &[u8], buf: &mut Vec<u8>) {
    buf.reserve(chunk.len() + chunk.len() / 2);
    let mut pos = 0;
    while pos < chunk.len() {
        let (end, brace) = fast::scan_line(chunk, pos);
        let line = &chunk[pos..end];
        let key = line.strip_suffix(b"\r").unwrap_or(line);
        // Without a `{` the whole key is hashed; with one, the slot engine says
        // which bytes.
        let hashed = if brace { slot::hashed_part(key) } else { key };
        let slot = slot::slot_of_hashed(hashed);
        push_u16(buf, slot);
        buf.push(b'\t');
        buf.extend_from_slice(key);
        buf.push(b'\n');
        pos = end + 1;
    }
}

/// The fast path's hot loop, a word at a time: finding the end of a line (and
/// whether it holds a `{`). Checked against a byte-at-a-time scan by the tests
/// of `slot_cmd`.
pub(super) mod fast {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;

    /// Nonzero when a byte of `w` is zero; the lowest set bit marks the first.
    #[inline]
    fn zero_byte(w: u64) -> u64 {
        w.wrapping_sub(LO) & !w & HI
    }

    /// From `start`, the index of the next `\n` (or `bytes.len()`) and whether
    /// a `{` comes before it.
    #[inline]
    pub(in crate::slot_cmd) fn scan_line(bytes: &[u8], start: usize) -> (usize, bool) {
        let mut i = start;
        let mut brace = false;
        while let Some(word) = bytes.get(i..i + 8) {
            let w = u64::from_le_bytes([
                word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
            ]);
            let nl = zero_byte(w ^ (LO * u64::from(b'\n')));
            let br = zero_byte(w ^ (LO * u64::from(b'{')));
            if nl != 0 {
                let at = nl.trailing_zeros();
                // A `{` counts only when it comes before the newline.
                brace |= br != 0 && br.trailing_zeros() < at;
                return (i + (at / 8) as usize, brace);
            }
            brace |= br != 0;
            i += 8;
        }
        while let Some(&b) = bytes.get(i) {
            if b == b'\n' {
                return (i, brace);
            }
            brace |= b == b'{';
            i += 1;
        }
        (i, brace)
    }
}

/// Splits a run of whole lines into about `parts` runs of whole lines.
pub(super) fn split_lines(chunk: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = chunk;
    for left in (1..parts).rev() {
        let target = rest.len() / (left + 1);
        match rest[target..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let (piece, tail) = rest.split_at(target + i + 1);
                pieces.push(piece);
                rest = tail;
            }
            None => break,
        }
    }
    pieces.push(rest);
    pieces
}

/// Appends `n` in decimal without allocating.
#[inline]
pub(super) fn push_u16(buf: &mut Vec<u8>, mut n: u16) {
    let mut digits = [0u8; 5];
    let mut i = digits.len();
    loop {
        i -= 1;
        // n % 10 < 10, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        digits[i] = b'0' + digit;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// `bytes` for humans: valid UTF-8 kept, `\\`, `\t`, `\n`, `\r` and `\xNN` for
/// backslash, control characters and bytes that are not UTF-8.
pub(super) fn escape_into(buf: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => buf.extend_from_slice(b"\\\\"),
                '\t' => buf.extend_from_slice(b"\\t"),
                '\n' => buf.extend_from_slice(b"\\n"),
                '\r' => buf.extend_from_slice(b"\\r"),
                c if c.is_control() => {
                    let mut tmp = [0u8; 4];
                    for &b in c.encode_utf8(&mut tmp).as_bytes() {
                        push_hex_escape(buf, b);
                    }
                }
                c => {
                    let mut tmp = [0u8; 4];
                    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
            }
        }
        for &b in chunk.invalid() {
            push_hex_escape(buf, b);
        }
    }
}

fn push_hex_escape(buf: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.extend_from_slice(&[
        b'\\',
        b'x',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 15)],
    ]);
}

/// The escaped form as a `String` (for the table); `""` for the empty key.
pub(super) fn display(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "\"\"".to_owned();
    }
    let mut buf = Vec::with_capacity(bytes.len());
    escape_into(&mut buf, bytes);
    String::from_utf8_lossy(&buf).into_owned()
}

pub(super) fn json_object(buf: &mut Vec<u8>, key: &[u8], slot: u16, node: NodeColumn<'_>) {
    let exact = std::str::from_utf8(key).is_ok();
    let string = |buf: &mut Vec<u8>, bytes: &[u8]| {
        let text = if exact {
            String::from_utf8_lossy(bytes)
        } else {
            let mut out = Vec::with_capacity(bytes.len());
            escape_into(&mut out, bytes);
            Cow::Owned(String::from_utf8_lossy(&out).into_owned())
        };
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *buf, text.as_ref());
    };
    buf.extend_from_slice(b"{\"key\": ");
    string(buf, key);
    buf.extend_from_slice(b", \"hashed\": ");
    string(buf, slot::hashed_part(key));
    buf.extend_from_slice(b", \"tag\": ");
    match slot::hash_tag(key) {
        Some(tag) => string(buf, tag),
        None => buf.extend_from_slice(b"null"),
    }
    buf.extend_from_slice(b", \"slot\": ");
    push_u16(buf, slot);
    match node {
        NodeColumn::NoTopology => {}
        NodeColumn::Unassigned => buf.extend_from_slice(b", \"node\": null"),
        NodeColumn::Node(name) => {
            buf.extend_from_slice(b", \"node\": ");
            let _ = serde_json::to_writer(&mut *buf, name);
        }
    }
    if !exact {
        buf.extend_from_slice(b", \"escaped\": true");
    }
    buf.push(b'}');
}
