//! The keyslot oracle: 200,000 deterministic random keys, each asked of a real
//! `redis-server` with `CLUSTER KEYSLOT`, must get the slot slotlint computes —
//! through the library and through the `slotlint slot` binary.

mod common;

use std::process::Command;

use common::{hex_escape, output_with_stdin, RedisServer, Reply};

const KEYS: usize = 200_000;

/// `SplitMix64`: tiny, deterministic, good enough to spread keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Keys chosen by hand: the published vectors and every brace oddity.
const FIXED: &[&[u8]] = &[
    b"",
    b"foo",
    b"{user1000}.following",
    b"{user1000}.followers",
    b"foo{}{bar}",
    b"foo{{bar}}zap",
    b"foo{bar}{zap}",
    b"foo}bar{",
    b"{",
    b"}",
    b"{}",
    b"}{",
    b"{}}",
    b"{{}",
    b"{{}}",
    b"{{a}}",
    b"{a}{b}",
    b"{}{a}",
    b"a{b",
    b"a}b{c}",
    b"\x00",
    b"{\x00}",
    b"\n",
    b"\r\n",
    b"a\rb",
    b"{\n}",
    b"\xff\xfe",
    b"{\xc3\xa9}",
    "é{é}".as_bytes(),
    "用户:{42}:购物车".as_bytes(),
    "😀{😀}".as_bytes(),
    b"123456789",
];

fn random_key(rng: &mut Rng) -> Vec<u8> {
    match rng.below(100) {
        // Arbitrary bytes, NUL and 0x80-0xff included.
        0..=19 => (0..rng.below(33)).map(|_| rng.byte()).collect(),
        // UTF-8 text with multibyte characters and braces.
        20..=39 => {
            const CHARS: &[char] = &[
                'a',
                'z',
                'K',
                '0',
                '9',
                ':',
                '-',
                '_',
                ' ',
                '{',
                '}',
                '{',
                '}',
                'é',
                'ß',
                'ж',
                '中',
                '文',
                '€',
                '😀',
                '\u{10ffff}',
                '\u{7f}',
                '\t',
            ];
            (0..rng.below(24))
                .map(|_| rng.pick(CHARS))
                .collect::<String>()
                .into_bytes()
        }
        // Brace soup: braces in every position, `{}`, `{{a}}`, `}{`, many tags.
        40..=64 => {
            const SOUP: &[u8] = b"{{{}}}ab:\x00\xff";
            (0..rng.below(14)).map(|_| rng.pick(SOUP)).collect()
        }
        // Structured keys: prefix{tag}suffix with odd tags.
        65..=89 => {
            const TAGS: &[&[u8]] = &[
                b"", b"a", b"user:42", b"{", b"}", b"{x}", b"}{", b"\xff", b"{}", b"{{a}}",
            ];
            const PARTS: &[&[u8]] = &[b"", b"user:", b"cart", b":", b"{", b"}", b"{}", b"x{y}"];
            let mut key = rng.pick(PARTS).to_vec();
            key.push(b'{');
            key.extend_from_slice(rng.pick(TAGS));
            if rng.below(5) != 0 {
                key.push(b'}');
            }
            key.extend_from_slice(rng.pick(PARTS));
            key.extend((0..rng.below(6)).map(|_| b'0' + u8::try_from(rng.below(10)).unwrap()));
            key
        }
        // Realistic short keys.
        90..=97 => format!(
            "{}:{}:{}",
            rng.pick(&["user", "session", "{acct", "q"]),
            rng.next() % 100_000,
            rng.pick(&["profile", "cart}", "{x}", ""])
        )
        .into_bytes(),
        // Long keys, up to a few KB, with braces sprinkled in.
        _ => {
            let len = 256 + rng.below(4096);
            (0..len)
                .map(|_| match rng.below(50) {
                    0 => b'{',
                    1 => b'}',
                    _ => rng.byte(),
                })
                .collect()
        }
    }
}

fn oracle_keys() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x5107_11e7_2024);
    let mut keys: Vec<Vec<u8>> = FIXED.iter().map(|k| k.to_vec()).collect();
    while keys.len() < KEYS {
        keys.push(random_key(&mut rng));
    }
    keys
}

/// `CLUSTER KEYSLOT` for every key, pipelined.
fn server_slots(server: &RedisServer, keys: &[Vec<u8>]) -> Vec<u16> {
    let cmds: Vec<Vec<Vec<u8>>> = keys
        .iter()
        .map(|k| vec![b"CLUSTER".to_vec(), b"KEYSLOT".to_vec(), k.clone()])
        .collect();
    let replies = server.client().pipeline(&cmds);
    assert_eq!(replies.len(), keys.len());
    replies
        .iter()
        .zip(keys)
        .map(|(reply, key)| match reply {
            Reply::Int(n) => u16::try_from(*n).expect("slot fits u16"),
            other => panic!("CLUSTER KEYSLOT {}: {other:?}", hex_escape(key)),
        })
        .collect()
}

#[test]
#[allow(clippy::print_stderr)] // the oracle's summary lines
fn keyslot_agrees_with_redis() {
    let Some(server) = RedisServer::start_cluster_single() else {
        return;
    };
    let keys = oracle_keys();
    let expected = server_slots(&server, &keys);

    // The library.
    let mut disagreements = Vec::new();
    for (key, &theirs) in keys.iter().zip(&expected) {
        let ours = slotlint::slot::key_slot(key);
        if ours != theirs {
            disagreements.push(format!(
                "  key \"{}\": CLUSTER KEYSLOT {theirs}, slotlint {ours}",
                hex_escape(key)
            ));
        }
    }
    eprintln!(
        "keyslot oracle: {} keys, {} disagreements",
        keys.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "slotlint disagrees with CLUSTER KEYSLOT on {} keys:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(20)].join("\n")
    );

    // The binary, fed every key that a line can carry.
    let (covered, disagreements) = binary_stdin_check(&keys, &expected);
    eprintln!(
        "slotlint slot --stdin: {covered} of {} keys (the rest contain \\n or end in \\r), {} disagreements",
        keys.len(),
        disagreements.len()
    );
    assert!(
        covered > keys.len() * 9 / 10,
        "too few keys went through --stdin: {covered}"
    );
    assert!(
        disagreements.is_empty(),
        "`slotlint slot --stdin` disagrees with CLUSTER KEYSLOT:\n{}",
        disagreements[..disagreements.len().min(20)].join("\n")
    );
}

/// Runs `slotlint slot --stdin` (plain format) over every key without `\n` and
/// not ending in `\r`; returns how many keys that was and the disagreements.
fn binary_stdin_check(keys: &[Vec<u8>], expected: &[u16]) -> (usize, Vec<String>) {
    let usable: Vec<usize> = (0..keys.len())
        .filter(|&i| !keys[i].contains(&b'\n') && !keys[i].ends_with(b"\r"))
        .collect();
    let mut input = Vec::new();
    for &i in &usable {
        input.extend_from_slice(&keys[i]);
        input.push(b'\n');
    }
    let output = run_slotlint(&["slot", "--stdin"], &input);
    let mut lines = output.split(|&b| b == b'\n');
    let mut disagreements = Vec::new();
    for &i in &usable {
        let line = lines.next().unwrap_or_default();
        let (slot, key) = match line.iter().position(|&b| b == b'\t') {
            Some(tab) => (&line[..tab], &line[tab + 1..]),
            None => (line, &b""[..]),
        };
        let slot: Option<u16> = std::str::from_utf8(slot).ok().and_then(|s| s.parse().ok());
        if slot != Some(expected[i]) || key != keys[i].as_slice() {
            disagreements.push(format!(
                "  key \"{}\": CLUSTER KEYSLOT {}, slotlint printed \"{}\"",
                hex_escape(&keys[i]),
                expected[i],
                hex_escape(line)
            ));
        }
    }
    assert_eq!(lines.next(), Some(&b""[..]), "output ends with one newline");
    assert_eq!(lines.next(), None, "more output lines than keys");
    (usable.len(), disagreements)
}

fn run_slotlint(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let (output, written) = output_with_stdin(
        Command::new(env!("CARGO_BIN_EXE_slotlint")).args(args),
        stdin,
    );
    written.expect("write stdin");
    assert!(
        output.status.success(),
        "slotlint {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn json_and_argv_agree_with_redis() {
    let Some(server) = RedisServer::start_cluster_single() else {
        return;
    };
    // A few hundred keys of each kind, as JSON through stdin and through argv.
    let keys: Vec<Vec<u8>> = oracle_keys()
        .into_iter()
        .filter(|k| !k.contains(&b'\n') && !k.ends_with(b"\r") && !k.contains(&0))
        .take(600)
        .collect();
    let expected = server_slots(&server, &keys);

    let mut input = Vec::new();
    for key in &keys {
        input.extend_from_slice(key);
        input.push(b'\n');
    }
    let from_stdin = run_slotlint(&["slot", "--stdin", "--format", "json"], &input);

    #[cfg(unix)]
    let from_argv = {
        use std::os::unix::ffi::OsStrExt;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_slotlint"));
        cmd.args(["slot", "--format", "json", "--"]);
        cmd.args(keys.iter().map(|k| std::ffi::OsStr::from_bytes(k)));
        let out = cmd.output().expect("run slotlint");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    #[cfg(not(unix))]
    let from_argv = from_stdin.clone();

    for (what, output) in [("stdin", from_stdin), ("argv", from_argv)] {
        let rows: serde_json::Value = serde_json::from_slice(&output).expect("JSON output");
        let rows = rows.as_array().expect("a JSON array");
        assert_eq!(rows.len(), keys.len(), "{what}: one object per key");
        for ((row, key), slot) in rows.iter().zip(&keys).zip(&expected) {
            assert_eq!(
                row["slot"].as_u64(),
                Some(u64::from(*slot)),
                "{what}: key \"{}\": {row}",
                hex_escape(key)
            );
            if let Ok(text) = std::str::from_utf8(key) {
                assert_eq!(row["key"].as_str(), Some(text), "{what}: {row}");
                assert!(row.get("escaped").is_none(), "{what}: {row}");
            } else {
                assert_eq!(row["escaped"], true, "{what}: {row}");
            }
        }
    }
}
