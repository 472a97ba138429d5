//! Redis's key-position algorithm (`getKeysFromCommandWithSpecs` and the getkeys
//! functions of `src/db.c`), re-written to give what `COMMAND GETKEYS` gives.
//!
//! Arithmetic is done in `i64` so that no argv, however hostile, can overflow or
//! index out of bounds; where Redis relies on C quirks (atoi, `(int)` casts) the
//! quirk is reproduced.

// `argc` beside `argv`, as in Redis's C code.
#![allow(clippy::similar_names)]

use super::{BeginSearch, CommandSpec, FindKeys, KeyPosition, KeyPositions, KeySpec};

/// A Redis getkeys function: the fallback when the key specs cannot describe a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GetKeysProc {
    Bitfield,
    Blmpop,
    Bzmpop,
    Eval,
    Function,
    Georadius,
    Lmpop,
    Migrate,
    Set,
    Sintercard,
    Sort,
    SortRo,
    Xread,
    Zmpop,
    ZunionInterDiff,
    ZunionInterDiffStore,
}

/// The C names, as the command JSON files' `get_keys_function` spells them.
const PROC_NAMES: &[(GetKeysProc, &str)] = &[
    (GetKeysProc::Bitfield, "bitfieldGetKeys"),
    (GetKeysProc::Blmpop, "blmpopGetKeys"),
    (GetKeysProc::Bzmpop, "bzmpopGetKeys"),
    (GetKeysProc::Eval, "evalGetKeys"),
    (GetKeysProc::Function, "functionGetKeys"),
    (GetKeysProc::Georadius, "georadiusGetKeys"),
    (GetKeysProc::Lmpop, "lmpopGetKeys"),
    (GetKeysProc::Migrate, "migrateGetKeys"),
    (GetKeysProc::Set, "setGetKeys"),
    (GetKeysProc::Sintercard, "sintercardGetKeys"),
    (GetKeysProc::Sort, "sortGetKeys"),
    (GetKeysProc::SortRo, "sortROGetKeys"),
    (GetKeysProc::Xread, "xreadGetKeys"),
    (GetKeysProc::Zmpop, "zmpopGetKeys"),
    (GetKeysProc::ZunionInterDiff, "zunionInterDiffGetKeys"),
    (
        GetKeysProc::ZunionInterDiffStore,
        "zunionInterDiffStoreGetKeys",
    ),
];

impl GetKeysProc {
    pub(crate) fn from_c_name(name: &str) -> Option<Self> {
        PROC_NAMES.iter().find(|(_, n)| *n == name).map(|(p, _)| *p)
    }

    pub(crate) fn c_name(self) -> &'static str {
        PROC_NAMES
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("", |(_, n)| n)
    }

    fn run(self, argv: &[&[u8]]) -> Vec<usize> {
        match self {
            // The key is always argv[1]; the function only decides its flags.
            GetKeysProc::Bitfield | GetKeysProc::Set | GetKeysProc::SortRo => {
                (argv.len() > 1).then_some(1).into_iter().collect()
            }
            GetKeysProc::Eval
            | GetKeysProc::Function
            | GetKeysProc::Blmpop
            | GetKeysProc::Bzmpop => numkeys_keys(argv, None, 2, 3),
            GetKeysProc::Lmpop
            | GetKeysProc::Zmpop
            | GetKeysProc::Sintercard
            | GetKeysProc::ZunionInterDiff => numkeys_keys(argv, None, 1, 2),
            GetKeysProc::ZunionInterDiffStore => numkeys_keys(argv, Some(1), 2, 3),
            GetKeysProc::Sort => sort_keys(argv),
            GetKeysProc::Migrate => migrate_keys(argv),
            GetKeysProc::Georadius => georadius_keys(argv),
            GetKeysProc::Xread => xread_keys(argv),
        }
    }
}

/// The key positions of `argv` for `command` (already looked up from argv[0..2]).
pub(crate) fn positions<S: AsRef<[u8]>>(command: &CommandSpec, argv: &[S]) -> Option<KeyPositions> {
    let argv: Vec<&[u8]> = argv.iter().map(AsRef::as_ref).collect();
    let argc = i64::try_from(argv.len()).ok()?;
    let arity = i64::from(command.arity);
    if (arity > 0 && argc != arity) || argc < -arity {
        return None;
    }
    let has_keyspec = command.key_specs.iter().any(|s| !s.channel);
    let has_varflags = command.key_specs.iter().any(|s| s.variable_flags);
    // Redis prefers the key specs when their flags are reliable, and falls back to the
    // command's getkeys function when a spec is unknown, incomplete or invalid here.
    let from_specs = if has_keyspec && !has_varflags {
        keys_from_specs(command, &argv)
    } else {
        None
    };
    let keys = from_specs
        .or_else(|| command.getkeys.map(|proc_| proc_.run(&argv)))
        .unwrap_or_default();
    let has_keys = has_keyspec || command.getkeys.is_some();
    if has_keys && keys.is_empty() && !command.no_mandatory_keys {
        return None;
    }
    let mut positions: Vec<KeyPosition> = keys
        .into_iter()
        .map(|index| KeyPosition {
            index,
            channel: false,
        })
        .collect();
    for spec in command.key_specs.iter().filter(|s| s.channel) {
        if let Found::Keys(found) = search(spec, &argv) {
            positions.extend(found.into_iter().map(|index| KeyPosition {
                index,
                channel: true,
            }));
        }
    }
    Some(KeyPositions { positions })
}

/// `getKeysUsingKeySpecs` over the non-channel specs: `None` when any spec is invalid
/// for this argv or incomplete.
fn keys_from_specs(command: &CommandSpec, argv: &[&[u8]]) -> Option<Vec<usize>> {
    let mut keys = Vec::new();
    for spec in command.key_specs.iter().filter(|s| !s.channel) {
        match search(spec, argv) {
            Found::KeywordAbsent => {}
            Found::Keys(found) => {
                keys.extend(found);
                if spec.incomplete {
                    return None;
                }
            }
            Found::Invalid => return None,
        }
    }
    Some(keys)
}

enum Found {
    /// The spec's keyword is not in argv: the spec contributes nothing.
    KeywordAbsent,
    Keys(Vec<usize>),
    /// Unknown spec, or first/last key out of bounds, or a bad key count.
    Invalid,
}

fn search(spec: &KeySpec, argv: &[&[u8]]) -> Found {
    let Ok(argc) = i64::try_from(argv.len()) else {
        return Found::Invalid;
    };
    let mut first = match &spec.begin_search {
        BeginSearch::Index { pos } => i64::from(*pos),
        BeginSearch::Keyword { keyword, startfrom } => {
            let startfrom = i64::from(*startfrom);
            let (start, end) = if startfrom > 0 {
                (startfrom, argc - 1)
            } else {
                (argc + startfrom, 1)
            };
            let dir = if start <= end { 1 } else { -1 };
            // Like Redis, the end index itself is never examined.
            let mut i = start;
            let mut found = 0;
            while i != end && (1..argc).contains(&i) {
                if eq_ci(argv[idx(i)], keyword) {
                    found = i + 1;
                    break;
                }
                i += dir;
            }
            if found == 0 {
                return Found::KeywordAbsent;
            }
            found
        }
        BeginSearch::Unknown => return Found::Invalid,
    };
    if first < 1 {
        return Found::Invalid;
    }
    let (last, step) = match spec.find_keys {
        FindKeys::Range {
            lastkey,
            step,
            limit,
        } => {
            let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
            let last = if lastkey >= 0 {
                first + lastkey
            } else if limit == 0 {
                argc + lastkey
            } else {
                first + ((argc - first) / limit + lastkey)
            };
            (last, i64::from(step))
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            step,
        } => {
            let at = first + i64::from(keynumidx);
            if i64::from(keynumidx) >= argc || !(0..argc).contains(&at) {
                return Found::Invalid;
            }
            let Some(numkeys) = string2ll(argv[idx(at)]).filter(|n| *n >= 0) else {
                return Found::Invalid;
            };
            first += i64::from(firstkey);
            (first + i64::from(c_int(numkeys)) - 1, i64::from(step))
        }
        FindKeys::Unknown => return Found::Invalid,
    };
    if last >= argc || last < first || first >= argc || step < 1 {
        return Found::Invalid;
    }
    let mut keys = Vec::new();
    let mut i = first;
    while i <= last {
        keys.push(idx(i));
        i += step;
    }
    Found::Keys(keys)
}

/// `genericGetKeys`: `argv[count_at]` keys from `first` on (parsed with C `atoi`), then
/// the destination key at `store` if any; nothing when the count is out of range.
fn numkeys_keys(argv: &[&[u8]], store: Option<usize>, count_at: usize, first: usize) -> Vec<usize> {
    let Some(count) = argv.get(count_at) else {
        return Vec::new();
    };
    let num = i64::from(atoi(count));
    let room =
        i64::try_from(argv.len()).unwrap_or(i64::MAX) - i64::try_from(first).unwrap_or(i64::MAX);
    if num < 1 || num > room {
        return Vec::new();
    }
    (first..first + idx(num)).chain(store).collect()
}

/// `sortGetKeys`: the sorted key, then the argument after the last STORE (LIMIT takes
/// two arguments, GET and BY one, which are skipped).
fn sort_keys(argv: &[&[u8]]) -> Vec<usize> {
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let arg = argv[i];
        if eq_ci(arg, "limit") {
            i += 2;
        } else if eq_ci(arg, "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        } else if eq_ci(arg, "get") || eq_ci(arg, "by") {
            i += 1;
        }
        i += 1;
    }
    (argv.len() > 1)
        .then_some(1)
        .into_iter()
        .chain(store)
        .collect()
}

/// `migrateGetKeys`: argv[3], or with `KEYS` (and an empty argv[3]) everything after it.
fn migrate_keys(argv: &[&[u8]]) -> Vec<usize> {
    let argc = argv.len();
    let (mut first, mut num) = (3, 1);
    if argc > 6 {
        let mut i = 6;
        while i < argc {
            let arg = argv[i];
            if eq_ci(arg, "keys") {
                if argv[3].is_empty() {
                    first = i + 1;
                    num = argc - first;
                } else {
                    num = 0;
                }
                break;
            }
            if eq_ci(arg, "auth") {
                i += 1;
            } else if eq_ci(arg, "auth2") {
                i += 2;
            }
            i += 1;
        }
    }
    (first..first + num).filter(|&i| i < argc).collect()
}

/// `georadiusGetKeys`: argv[1], then the argument after the last STORE or STOREDIST.
fn georadius_keys(argv: &[&[u8]]) -> Vec<usize> {
    let mut stored = None;
    let mut i = 5;
    while i < argv.len() {
        if (eq_ci(argv[i], "store") || eq_ci(argv[i], "storedist")) && i + 1 < argv.len() {
            stored = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    (argv.len() > 1)
        .then_some(1)
        .into_iter()
        .chain(stored)
        .collect()
}

/// `xreadGetKeys`: the first half of the arguments after STREAMS, when the options
/// before it parse and an ID follows each key.
fn xread_keys(argv: &[&[u8]]) -> Vec<usize> {
    let argc = argv.len();
    let mut streams = None;
    let mut i = 1;
    while i < argc {
        let arg = argv[i];
        if eq_ci(arg, "block") || eq_ci(arg, "count") {
            i += 1;
        } else if eq_ci(arg, "group") {
            i += 2;
        } else if eq_ci(arg, "streams") {
            streams = Some(i);
            break;
        } else if !eq_ci(arg, "noack") {
            break;
        }
        i += 1;
    }
    let Some(streams) = streams else {
        return Vec::new();
    };
    let num = argc - streams - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    (streams + 1..argc - num / 2).collect()
}

/// An index known to be in `0..argc`.
fn idx(i: i64) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// The bytes a C string function sees: up to the first NUL.
fn c_str(arg: &[u8]) -> &[u8] {
    arg.iter()
        .position(|&b| b == 0)
        .map_or(arg, |nul| &arg[..nul])
}

/// `strcasecmp(arg, word) == 0`.
fn eq_ci(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// The `(int)` cast Redis applies to a parsed `long long` key count.
#[allow(clippy::cast_possible_truncation)]
fn c_int(n: i64) -> i32 {
    n as i32
}

/// Redis `string2ll`: an optional `-`, then `0` alone or digits without a leading zero,
/// fitting in an i64; no spaces, no `+`.
fn string2ll(arg: &[u8]) -> Option<i64> {
    if arg == b"0" {
        return Some(0);
    }
    let digits = arg.strip_prefix(b"-").unwrap_or(arg);
    let (&lead, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&lead) || !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(arg).ok()?.parse().ok()
}

/// C `atoi` as glibc has it, `(int) strtol(s, NULL, 10)`: leading white space, a sign,
/// digits up to the first other byte; saturates at the `long` range, then truncates.
fn atoi(arg: &[u8]) -> i32 {
    let s = c_str(arg);
    let s = &s[s
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count()..];
    let (negative, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    let mut magnitude: i128 = 0;
    for &b in s.iter().take_while(|b| b.is_ascii_digit()) {
        magnitude = (magnitude * 10 + i128::from(b - b'0')).min(i128::from(i64::MAX) + 1);
    }
    let value = if negative { -magnitude } else { magnitude };
    let long = i64::try_from(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX))).unwrap_or(0);
    c_int(long)
}

#[cfg(test)]
mod tests {
    use super::{atoi, string2ll};

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"12"), Some(12));
        assert_eq!(string2ll(b"-3"), Some(-3));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"2abc",
            b"99999999999999999999",
        ] {
            assert_eq!(string2ll(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn atoi_is_lenient() {
        assert_eq!(atoi(b"2abc"), 2);
        assert_eq!(atoi(b"  -7"), -7);
        assert_eq!(atoi(b"+4"), 4);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b"3\0 9"), 3);
        assert_eq!(atoi(b"4294967297"), 1);
        assert_eq!(atoi(b"99999999999999999999999"), -1);
    }
}
