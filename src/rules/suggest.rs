//! The fix a finding suggests in its help: the keys rewritten under one
//! shared hash tag (a common prefix, or the part around a shared value).

use crate::keypattern::{from_tokens, tokens, HashTag, Hole, KeyPattern, Tok};

/// A `help` text with the keys rewritten under one shared hash tag, when a
/// shared part can be found; otherwise the general advice.
pub(crate) fn same_tag_help(keys: &[&KeyPattern]) -> String {
    if let Some(fixed) = shared_tag_rewrite(keys) {
        let shown: Vec<String> = fixed.iter().map(|p| format!("`{p}`")).collect();
        return format!(
            "give the keys one hash tag so they share a slot: {}",
            shown.join(", ")
        );
    }
    "give the keys one hash tag (`{…}` around the part they share) so they land in one slot, or split the work per slot".into()
}

fn shared_tag_rewrite(keys: &[&KeyPattern]) -> Option<Vec<KeyPattern>> {
    let at = shared_tag_positions(keys)?;
    Some(
        keys.iter()
            .zip(at)
            .map(|(k, (open, close))| with_tag(k, open, close))
            .collect(),
    )
}

/// Where the shared hash tag goes in each of `keys` (untagged, at least
/// two): `{` before token `open`, `}` before token `close`. The keys then
/// have one tag, a common prefix or the part around a shared value.
pub(crate) fn shared_tag_positions(keys: &[&KeyPattern]) -> Option<Vec<(usize, usize)>> {
    if keys.len() < 2 || keys.iter().any(|k| k.hash_tag() != HashTag::Untagged) {
        return None;
    }
    if let Some(prefix) = common_prefix(keys) {
        let cut = prefix.token_count();
        return Some(vec![(0, cut); keys.len()]);
    }
    shared_hole_positions(keys)
}

/// `key` with `{` before token `open` and `}` before token `close`.
pub(crate) fn with_tag(key: &KeyPattern, open: usize, close: usize) -> KeyPattern {
    let toks = tokens(key);
    let mut fixed = toks[..open].to_vec();
    fixed.push(Tok::Byte(b'{'));
    fixed.extend_from_slice(&toks[open..close]);
    fixed.push(Tok::Byte(b'}'));
    fixed.extend_from_slice(&toks[close..]);
    from_tokens(&fixed)
}

/// The longest common segment prefix, cut back to the last `:` boundary.
fn common_prefix(keys: &[&KeyPattern]) -> Option<KeyPattern> {
    let first = tokens(keys[0]);
    let mut len = first.len();
    for k in &keys[1..] {
        let other = tokens(k);
        len = len.min(first.iter().zip(&other).take_while(|(a, b)| a == b).count());
    }
    let cut = first[..len].iter().rposition(|t| *t == Tok::Byte(b':'))?;
    if cut < 2 || keys.iter().any(|k| tokens(k).len() <= cut) {
        return None;
    }
    // A constant word (`user` of `user:1:name` and `user:2:name`) as the tag
    // would put the whole family in one slot (SL004): no such advice.
    let varies = first[..cut].iter().any(|t| match t {
        Tok::Hole(_) => true,
        Tok::Byte(b) => b.is_ascii_digit(),
    });
    varies.then(|| from_tokens(&first[..cut]))
}

/// `order:<id>` and `archive:order:<id>` → `{order:<id>}` and `archive:{order:<id>}`:
/// the first hole every key has, tagged with the word before it.
fn shared_hole_positions(keys: &[&KeyPattern]) -> Option<Vec<(usize, usize)>> {
    keys[0]
        .holes()
        .filter(|h| h.name.is_some())
        .find_map(|hole| tag_around(keys, hole))
}

fn tag_around(keys: &[&KeyPattern], hole: &Hole) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut tag: Option<Vec<Tok<'_>>> = None;
    for k in keys {
        let toks = tokens(k);
        let at = toks.iter().position(|t| *t == Tok::Hole(hole))?;
        let colon_before = |end: usize| toks[..end].iter().rposition(|t| *t == Tok::Byte(b':'));
        let start = colon_before(at).map_or(0, |p| colon_before(p).map_or(0, |q| q + 1));
        let this_tag = toks[start..=at].to_vec();
        if tag.as_ref().is_some_and(|t| *t != this_tag) {
            return None;
        }
        tag = Some(this_tag);
        out.push((start, at + 1));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::parse_placeholders as pat;

    fn help(keys: &[&str]) -> String {
        let pats: Vec<KeyPattern> = keys.iter().map(|k| pat(k)).collect();
        let refs: Vec<&KeyPattern> = pats.iter().collect();
        same_tag_help(&refs)
    }

    #[test]
    fn help_rewrites_common_prefix() {
        assert_eq!(
            help(&["user:123:name", "user:123:email"]),
            "give the keys one hash tag so they share a slot: `{user:123}:name`, `{user:123}:email`"
        );
        assert_eq!(
            help(&["order:<id>", "archive:order:<id>"]),
            "give the keys one hash tag so they share a slot: `{order:<id>}`, `archive:{order:<id>}`"
        );
        assert!(help(&["a", "b"]).starts_with("give the keys one hash tag (`{…}`"));
        // A constant word shared by different entities is a hot-slot tag
        // (SL004): not suggested.
        assert!(
            help(&["user:1:name", "user:2:name"]).starts_with("give the keys one hash tag (`{…}`")
        );
        assert_eq!(
            help(&["user:<id>:name", "user:<id>:email"]),
            "give the keys one hash tag so they share a slot: `{user:<id>}:name`, `{user:<id>}:email`"
        );
    }
}
