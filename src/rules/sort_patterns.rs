//! `SORT`/`SORT_RO` `BY` and `GET` patterns on a cluster (part of SL008's table
//! of refusals). The patterns name other keys (`weight_*` → `weight_<element>`).
//! Redis < 7.4 and Valkey < 8.0 refuse any `BY` pattern with a `*` and any
//! `GET` in cluster mode; Redis ≥ 7.4 and Valkey ≥ 8.0 accept a pattern whose
//! keys all hash to the sorted key's slot (its hash tag says so), and `GET #`
//! from Redis 7.4.2 / Valkey 8.0.2 on (earlier 7.4/8.0 releases hashed `#`
//! itself). `BY` without a `*` (`BY nosort`) reads no key and is accepted.

use super::node_local_command::Refused;
use crate::finding::Severity;
use crate::keypattern::KeyPattern;
use crate::model::{Arg, Op};
use crate::slot;

const OLD: &str = "Redis < 7.4 / Valkey < 8.0";
const NEW: &str = "Redis ≥ 7.4 / Valkey ≥ 8.0";

/// The slot every key a pattern forms lands in, as the server computes it
/// (`patternHashSlot`): `None` when a `*`, `?`, `[` or `\` comes before a
/// complete hash tag, so the keys may be in any slot.
pub(super) fn pattern_slot(p: &[u8]) -> Option<u16> {
    // Where the first `{` is; after an empty `{}` no tag can follow.
    let mut open = None;
    let mut untagged = false;
    for (i, &c) in p.iter().enumerate() {
        match (c, open) {
            (b'*' | b'?' | b'[' | b'\\', _) => return None,
            (b'{', None) if !untagged => open = Some(i),
            (b'}', Some(o)) if !untagged && i == o + 1 => untagged = true,
            (b'}', Some(o)) if !untagged => return Some(slot::slot_of_hashed(&p[o + 1..i])),
            _ => {}
        }
    }
    Some(slot::slot_of_hashed(p))
}

/// The refusals of one `SORT`/`SORT_RO` op, one per offending pattern.
pub(super) fn judge(op: &Op) -> Vec<Refused> {
    let Some(key) = op.keys.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut args = op.args.iter();
    while let Some(a) = args.next() {
        let word = a.value.as_deref().map(<[u8]>::to_ascii_uppercase);
        match word.as_deref() {
            Some(b"LIMIT") => {
                args.next();
                args.next();
            }
            Some(b"BY") => {
                if let Some(p) = args.next() {
                    out.extend(pattern(op, &key.pattern, "BY", p));
                }
            }
            Some(b"GET") => {
                if let Some(p) = args.next() {
                    out.extend(pattern(op, &key.pattern, "GET", p));
                }
            }
            _ => {}
        }
    }
    out
}

fn pattern(op: &Op, key: &KeyPattern, option: &str, p: &Arg) -> Option<Refused> {
    let cmd = &op.command;
    let reply = if option == "BY" {
        "ERR BY option of SORT denied in Cluster mode. (Redis 7.4+ / Valkey 8: … when keys formed by the pattern may be in different slots.)"
    } else {
        "ERR GET option of SORT denied in Cluster mode. (Redis 7.4+ / Valkey 8: … when keys formed by the pattern may be in different slots.)"
    };
    let refused = |severity, message: String, help: String, unsure| Refused {
        severity,
        message,
        help,
        reply,
        span: Some(p.span),
        unsure,
    };
    let Some(text) = p.value.as_deref() else {
        return Some(refused(
            Severity::Warning,
            format!("`{cmd} … {option}` with a pattern known only at run time is refused in cluster mode unless the pattern's hash tag is the sorted key's (on {OLD}: refused whenever it names keys)"),
            tag_help(key),
            true,
        ));
    };
    let shown = KeyPattern::literal(text);
    if option == "BY" && !text.contains(&b'*') {
        return None;
    }
    if option == "GET" && text == b"#" {
        return Some(refused(
            Severity::Warning,
            format!("`{cmd} … GET #` is refused in cluster mode on Redis < 7.4.2 / Valkey < 8.0.2; later versions accept it (`#` is the element itself)"),
            "read the elements from the sort's own reply (drop `GET #`), or require Redis ≥ 7.4.2 / Valkey ≥ 8.0.2".into(),
            false,
        ));
    }
    let pslot = pattern_slot(text);
    match (pslot, key.slot()) {
        (Some(ps), Some(ks)) if ps == ks => Some(refused(
            Severity::Warning,
            format!("`{cmd} … {option} {shown}` is refused in cluster mode on {OLD}; {NEW} accept it: its keys hash to slot {ks}, the sorted key's"),
            format!("require {NEW}, or sort in the client"),
            false,
        )),
        (Some(ps), None) => Some(refused(
            Severity::Warning,
            format!("`{cmd} … {option} {shown}` is refused in cluster mode unless the sorted key `{key}` hashes to slot {ps} (on {OLD}: always)"),
            tag_help(key),
            true,
        )),
        (ps, ks) => {
            let slot_text = ks.map_or_else(String::new, |s| format!(" (slot {s})"));
            let why = match ps {
                Some(ps) => format!("its keys hash to slot {ps}"),
                None => "its keys may be in any slot (no hash tag before the `*`)".into(),
            };
            Some(refused(
                Severity::Error,
                format!("`{cmd} … {option} {shown}` is refused in cluster mode: {why}, not the sorted key `{key}`'s{slot_text}"),
                tag_help(key),
                false,
            ))
        }
    }
}

fn tag_help(key: &KeyPattern) -> String {
    let tag = match key.hash_tag() {
        crate::keypattern::HashTag::Static { tag, .. } => {
            format!("`{{{}}}`", KeyPattern::literal(tag))
        }
        _ => "the sorted key's hash tag".into(),
    };
    format!("start the pattern with {tag} so its keys share the sorted key's slot ({NEW} accept that; older servers refuse BY/GET patterns in cluster mode), or sort in the client")
}

#[cfg(test)]
mod tests {
    use super::pattern_slot;
    use crate::slot::key_slot;

    #[test]
    fn pattern_slots_as_the_server_computes_them() {
        assert_eq!(
            pattern_slot(b"{user:1}:weight_*"),
            Some(key_slot(b"user:1"))
        );
        assert_eq!(pattern_slot(b"weight_*"), None);
        assert_eq!(pattern_slot(b"w_*{user:1}"), None);
        assert_eq!(pattern_slot(b"{}x_*"), None);
        assert_eq!(pattern_slot(b"{}x"), Some(key_slot(b"{}x")));
        assert_eq!(pattern_slot(b"{}{a}"), Some(key_slot(b"{}{a}")));
        assert_eq!(pattern_slot(b"const"), Some(key_slot(b"const")));
        assert_eq!(pattern_slot(b"{a\\}b}*"), None);
    }
}
