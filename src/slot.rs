//! The hash-slot engine: Redis Cluster's exact rule for which bytes of a key are
//! hashed, and CRC16-XMODEM of them modulo 16384 (table-driven, 8 bytes a step).

/// Number of hash slots in a Redis Cluster.
pub const SLOT_COUNT: u16 = 16384;

/// The bytes of `key` that Redis hashes: the contents of the first `{…}` when
/// the first `{` is followed later by a `}` with at least one byte between them,
/// otherwise the whole key.
pub fn hashed_part(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        let rest = &key[open + 1..];
        if let Some(close) = rest.iter().position(|&b| b == b'}') {
            if close > 0 {
                return &rest[..close];
            }
        }
    }
    key
}

/// The hash tag of `key` when it has one (the bytes [`hashed_part`] picks out of
/// the braces), `None` when the whole key is hashed.
pub fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let part = hashed_part(key);
    (part.len() != key.len()).then_some(part)
}

const fn crc_tables() -> [[u16; 256]; 8] {
    let mut t = [[0u16; 256]; 8];
    let mut i = 0;
    while i < 256 {
        #[allow(clippy::cast_possible_truncation)]
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev << 8) ^ t[0][(prev >> 8) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// `CRC_TABLES[k][b]`: byte `b` fed into an empty register, then `k` zero bytes.
static CRC_TABLES: [[u16; 256]; 8] = crc_tables();

/// CRC16-XMODEM (polynomial 0x1021, initial value 0) of `bytes`, 8 bytes per
/// step (slicing-by-8; the register is linear, so a step is the XOR of each
/// byte's contribution shifted by the bytes after it).
#[inline]
pub fn crc16(bytes: &[u8]) -> u16 {
    let t = &CRC_TABLES;
    let mut crc: u16 = 0;
    let mut words = bytes.chunks_exact(8);
    for b in &mut words {
        let [hi, lo] = crc.to_be_bytes();
        crc = t[7][usize::from(hi ^ b[0])]
            ^ t[6][usize::from(lo ^ b[1])]
            ^ t[5][usize::from(b[2])]
            ^ t[4][usize::from(b[3])]
            ^ t[3][usize::from(b[4])]
            ^ t[2][usize::from(b[5])]
            ^ t[1][usize::from(b[6])]
            ^ t[0][usize::from(b[7])];
    }
    for &b in words.remainder() {
        crc = (crc << 8) ^ t[0][usize::from((crc >> 8) as u8 ^ b)];
    }
    crc
}

/// The slot of raw hashed bytes (no tag extraction).
#[inline]
pub fn slot_of_hashed(bytes: &[u8]) -> u16 {
    crc16(bytes) & (SLOT_COUNT - 1)
}

/// The cluster slot of `key`, as `CLUSTER KEYSLOT` computes it.
pub fn key_slot(key: &[u8]) -> u16 {
    slot_of_hashed(hashed_part(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    /// The `crc16` crate (a dev-dependency) is the reference implementation.
    fn reference_crc16(bytes: &[u8]) -> u16 {
        crc16::State::<crc16::XMODEM>::calculate(bytes)
    }

    #[test]
    fn crc_matches_the_reference() {
        for a in 0..=255u8 {
            assert_eq!(crc16(&[a]), reference_crc16(&[a]));
            for b in 0..=255u8 {
                assert_eq!(crc16(&[a, b]), reference_crc16(&[a, b]));
            }
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()[0]
                })
                .collect();
            assert_eq!(crc16(&bytes), reference_crc16(&bytes), "{bytes:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn crc_matches_the_reference_on_any_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            proptest::prop_assert_eq!(crc16(&bytes), reference_crc16(&bytes));
        }
    }

    #[test]
    fn published_vectors() {
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"{user1000}.following"), 3443);
        assert_eq!(key_slot(b"{user1000}.followers"), 3443);
        assert_eq!(key_slot(b""), 0);
    }

    #[test]
    fn brace_rules() {
        // An empty first tag means the whole key is hashed, even if a later tag exists.
        assert_eq!(hashed_part(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(key_slot(b"foo{}{bar}"), 8363);
        assert_eq!(hashed_part(b"foo{{bar}}zap"), b"{bar");
        assert_eq!(hashed_part(b"foo{bar}{zap}"), b"bar");
        assert_eq!(hashed_part(b"foo}bar{"), b"foo}bar{");
        assert_eq!(hashed_part(b"{"), b"{");
        assert_eq!(hash_tag(b"{a}"), Some(&b"a"[..]));
        assert_eq!(hash_tag(b"a{}"), None);
    }

    #[test]
    fn bytes_not_chars() {
        let key = [0xffu8, b'{', 0xc3, 0xa9, b'}', 0x80];
        assert_eq!(hashed_part(&key), &[0xc3, 0xa9]);
        assert_eq!(key_slot(&key), key_slot("é".as_bytes()));
    }
}
