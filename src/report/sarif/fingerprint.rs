//! `partialFingerprints.primaryLocationLineHash`: lets a code-scanning
//! service follow a result while the code around it moves.

use std::collections::HashMap;

use crate::source::SourceFile;

/// `primaryLocationLineHash` of every line, GitHub-style: a hash of the line
/// with spaces, tabs and carriage returns removed, then `:N` where N counts the
/// lines of the file so far with the same hash. Stable while code moves.
pub(super) fn line_hashes(file: &SourceFile) -> Vec<String> {
    let lines = file.line_index(file.text.len()) + 1;
    let mut seen = HashMap::<u64, usize>::new();
    (0..lines)
        .map(|line| {
            let bytes = &file.text[file.line_range(line)];
            let hash = fnv1a(
                bytes
                    .iter()
                    .copied()
                    .filter(|b| !matches!(b, b' ' | b'\t' | b'\r')),
            );
            let count = seen.entry(hash).or_insert(0);
            *count += 1;
            format!("{hash:016x}:{count}")
        })
        .collect()
}

/// 64-bit FNV-1a: simple, fixed, and the same on every platform and release.
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
