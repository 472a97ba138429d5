//! The hash-slot engine: Redis Cluster's exact rule for which bytes of a key are
//! hashed, and CRC16-XMODEM of them modulo 16384.

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

/// CRC16-XMODEM (polynomial 0x1021, initial value 0) of `bytes`.
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(bytes)
}

/// The slot of raw hashed bytes (no tag extraction).
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
