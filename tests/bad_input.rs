//! Bad input end to end through the built binary: nothing lost without a
//! word, nothing hangs or aborts, wrong exits and silent configs. Big and
//! deep inputs are generated here, never committed.
//!
//! No test measures speed: a run that does not finish within [`HANG`] fails
//! as hung, a bound far above what any of these inputs takes.

mod common;

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Run;

/// A run that takes longer than this is hung.
const HANG: Duration = Duration::from_secs(120);

/// Runs slotlint in `dir` with `stdin`, killing it (and failing) after [`HANG`].
fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    run_env(dir, args, stdin, &[])
}

/// [`run`] with more environment variables.
fn run_env(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run slotlint");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = std::io::Write::write_all(&mut input, &stdin);
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        text
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("slotlint {args:?} hung (killed after {HANG:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    let stdout = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    assert!(
        status.code().is_some(),
        "slotlint {args:?} was killed by a signal ({status}); stderr: {}",
        String::from_utf8_lossy(&stderr)
    );
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// One file per front-end, each with a finding on its first line or at its
/// first byte, so a BOM or a decoding mistake would move or lose it.
const TWINS: &[(&str, &str)] = &[
    ("t.redis", "MULTI\nSET user:1 1\nSET user:2 2\nEXEC\n"),
    (
        "t.lua",
        "redis.call(\"SET\", \"user:1:a\", 1) -- é\nredis.call(\"GET\", KEYS[1])\n",
    ),
    (
        "t.py",
        "import redis; r = redis.RedisCluster(); r.mget(\"user:1\", \"user:2\")  # é\n",
    ),
    (
        "t.js",
        "const Redis = require(\"ioredis\"); const r = new Redis.Cluster([]); r.mget(\"user:1\", \"user:2\");\n",
    ),
    (
        "t.ts",
        "const Redis = require(\"ioredis\"); const r = new Redis.Cluster([]); r.mget(\"user:1\", \"user:2\");\n",
    ),
    (
        "t.rs",
        "fn f(c: &mut redis::cluster::ClusterConnection) { let _: () = redis::cmd(\"MGET\").arg(\"user:1\").arg(\"user:2\").query(c).unwrap(); }\n",
    ),
    (
        "u.rs",
        "// header\nfn f(c: &mut redis::cluster::ClusterConnection) {\n    let _: () = redis::cmd(\"MGET\").arg(\"user:1\").arg(\"user:2\").query(c).unwrap();\n}\n",
    ),
    (
        "t.keys.yaml",
        "keys:\n  a: { pattern: \"user:<id>:a\" }\n  b: { pattern: \"user:<id>:b\" }\ntransactions:\n  t: { keys: [a, b] }\n",
    ),
    (
        "s.redis",
        "# slotlint: ignore[SL002] suppressed on the line below\nMGET a b\nMGET c d\n",
    ),
];

/// How a test writes a text into a file.
type Encode = fn(&str) -> Vec<u8>;

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xfe, 0xff]
    } else {
        vec![0xff, 0xfe]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// A file with a UTF-8 byte order mark, or in UTF-16 with one, gives the
/// findings of the same file in plain UTF-8, at the same lines and columns,
/// in every front-end and every format.
#[test]
fn encodings_give_the_findings_of_the_clean_twin() {
    let tmp = tempfile::tempdir().unwrap();
    let encodings: [(&str, Encode); 4] = [
        ("clean", |t| t.as_bytes().to_vec()),
        ("bom", |t| {
            [b"\xef\xbb\xbf".as_slice(), t.as_bytes()].concat()
        }),
        ("utf16le", |t| utf16(t, false)),
        ("utf16be", |t| utf16(t, true)),
    ];
    for (name, text) in TWINS {
        let mut outputs = Vec::new();
        for (encoding, encode) in encodings {
            let dir = tmp.path().join(encoding);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(name), encode(text)).unwrap();
            let out: Vec<(i32, String)> = ["gcc", "json", "human"]
                .iter()
                .map(|format| {
                    let r = run(
                        &dir,
                        &["check", "--no-config", "--format", format, name],
                        b"",
                    );
                    assert!(r.stderr.is_empty(), "{encoding} {name}: {}", r.stderr);
                    (r.code, r.stdout)
                })
                .collect();
            outputs.push((encoding, out));
        }
        let (_, clean) = &outputs[0];
        assert!(
            clean[0].1.contains(name),
            "{name} has no finding:\n{}",
            clean[0].1
        );
        for (encoding, out) in &outputs[1..] {
            assert_eq!(out, clean, "{encoding} {name}");
        }
    }
}

/// Standard input with a BOM reads as the file does.
#[test]
fn stdin_with_a_bom_is_decoded() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "check",
        "--no-config",
        "--format",
        "gcc",
        "--stdin-filename",
        "t.redis",
        "-",
    ];
    let clean = run(tmp.path(), &args, TWINS[0].1.as_bytes());
    let bom = run(tmp.path(), &args, &utf16(TWINS[0].1, false));
    assert_eq!(clean.code, 1);
    assert_eq!((bom.code, bom.stdout), (clean.code, clean.stdout));
}

/// UTF-32 is not decoded: the file is skipped with a note, never in silence.
#[test]
fn utf32_is_skipped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xff, 0xfe, 0, 0];
    for c in "MGET a b\n".chars() {
        bytes.extend((c as u32).to_le_bytes());
    }
    fs::write(tmp.path().join("w.redis"), bytes).unwrap();
    let r = run(tmp.path(), &["check", "--no-config", "w.redis"], b"");
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("note: w.redis: UTF-32 text, which slotlint does not read; skipped"),
        "{}",
        r.stderr
    );
}

/// A file whose name is not UTF-8 is linted, walked or named, and shown
/// with its odd bytes as U+FFFD; a file beside it whose name differs only
/// in those bytes is a file of its own.
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_linted() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let odd = OsStr::from_bytes(b"bad\xff\xfename.redis");
    let other = OsStr::from_bytes(b"bad\xfe\xffname.redis");
    fs::write(tmp.path().join(odd), "MGET a b\n").unwrap();
    fs::write(tmp.path().join(other), "MGET c d\n").unwrap();
    fs::write(tmp.path().join("clean.redis"), "MGET a b\n").unwrap();
    let shown = "bad\u{fffd}\u{fffd}name.redis";
    let clean = run(
        tmp.path(),
        &["check", "--no-config", "--format", "gcc", "clean.redis"],
        b"",
    );
    assert_eq!(clean.code, 1);
    let mut named = Command::new(env!("CARGO_BIN_EXE_slotlint"));
    named
        .args(["check", "--no-config", "--format", "gcc"])
        .arg(odd)
        .current_dir(tmp.path());
    let named = Run::from(named.output().unwrap());
    assert_eq!(named.stdout, clean.stdout.replace("clean.redis", shown));
    assert!(named.stderr.is_empty(), "{}", named.stderr);
    let walked = run(
        tmp.path(),
        &["check", "--no-config", "--format", "gcc", "."],
        b"",
    );
    let lines: Vec<&str> = walked.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", walked.stdout);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with(shown)).count(),
        2,
        "{}",
        walked.stdout
    );
}

/// One statement with a finding after another on a single line: every
/// finding is reported (none lost to speed), and the human format prints
/// windows of the line, not the whole line once per finding.
#[test]
fn long_lines_are_read_whole_and_shown_in_windows() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 3000;
    let repeat =
        |f: &dyn Fn(usize) -> String, sep: &str| (0..n).map(f).collect::<Vec<_>>().join(sep);
    let cases = [
        (
            "l.py",
            format!(
                "import redis;r=redis.RedisCluster();{}\n",
                repeat(&|i| format!("r.mget(\"user:{i}:a\",\"user:{i}:b\")"), ";")
            ),
        ),
        (
            "l.lua",
            format!(
                "redis.call(\"GET\", KEYS[1]) {}\n",
                repeat(&|i| format!("redis.call(\"SET\", \"user:{i}:a\", 1)"), " ")
            ),
        ),
        (
            "l.rs",
            format!(
                "fn f(c: &mut redis::Connection) {{ {} }}\n",
                repeat(
                    &|i| {
                        format!("let _: () = redis::cmd(\"MGET\").arg(\"user:{i}:a\").arg(\"user:{i}:b\").query(c).unwrap();")
                    },
                    " "
                )
            ),
        ),
        (
            "l.redis",
            repeat(&|i| format!("user:{i}:k"), " ").replace("user:0:k", "MGET user:0:k") + "\n",
        ),
    ];
    for (name, text) in &cases {
        fs::write(tmp.path().join(name), text).unwrap();
        let gcc = run(
            tmp.path(),
            &["check", "--no-config", "--format", "gcc", name],
            b"",
        );
        let found = gcc.stdout.lines().count();
        let expected = if *name == "l.redis" { 1 } else { n };
        assert_eq!(found, expected, "{name}: {}", gcc.stderr);
        let human = run(tmp.path(), &["check", "--no-config", name], b"");
        assert_eq!(human.code, gcc.code);
        // Each finding shows a window of about a hundred bytes per label
        // (at most 16 keys are labelled), where it used to show the line.
        assert!(text.len() > 30_000);
        assert!(
            human.stdout.len() < 8000 * found,
            "{name}: {} bytes of human output for {found} findings on a line of {} bytes",
            human.stdout.len(),
            text.len()
        );
    }
}

/// Many suppressions over many findings: each finding is matched with the
/// suppressions of its own line, not with every suppression of the file.
#[test]
fn many_suppressions_over_many_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 20_000;
    let text = (0..n)
        .map(|i| format!("# slotlint: ignore[SL002] known\nMGET a{i} b{i}\n"))
        .collect::<Vec<_>>()
        .concat()
        + "MGET c d\n";
    fs::write(tmp.path().join("s.redis"), text).unwrap();
    let r = run(
        tmp.path(),
        &["check", "--no-config", "--format", "gcc", "s.redis"],
        b"",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stdout.starts_with(&format!("s.redis:{}:1:", 2 * n + 1)),
        "{}",
        r.stdout
    );
}

/// Nesting a million levels deep aborts no front-end: each reads the file,
/// or skips it with a note, or (a key schema) refuses it as a schema error.
#[test]
fn a_million_levels_of_nesting_abort_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 1_000_000;
    let nest = |open: &str, inner: &str, close: &str| {
        format!("{}{inner}{}", open.repeat(n), close.repeat(n))
    };
    let cases = [
        (
            "calls.lua",
            format!(
                "redis.call('GET', KEYS[1])\nlocal x = {}\n",
                nest("f(", "1", ")")
            ),
        ),
        (
            "rcall.lua",
            format!("local x = {}\n", nest("redis.call(", "KEYS[1]", ")")),
        ),
        (
            "unclosed.lua",
            format!("redis.call('GET', KEYS[1])\nlocal x = {}a\n", "(".repeat(n)),
        ),
        (
            "eval.redis",
            format!("MGET a b\nEVAL \"{}\" 0\n", nest("f(", "1", ")")),
        ),
        (
            "deep.py",
            format!(
                "import redis\nr = redis.RedisCluster()\nr.mget('a', 'b')\nx = {}\n",
                nest("(", "1", ")")
            ),
        ),
        (
            "deep.js",
            format!(
                "const Redis = require('ioredis');\nconst x = {};\n",
                nest("[", "1", "]")
            ),
        ),
        (
            "deep.rs",
            format!(
                "fn f(c: &mut redis::Connection) {{ let x = {}; }}\n",
                nest("(", "1", ")")
            ),
        ),
        (
            "deep.keys.yaml",
            format!(
                "keys:\n  a: {{ pattern: \"x\" }}\nnested: {}\n",
                nest("[", "1", "]")
            ),
        ),
    ];
    fs::write(
        tmp.path().join("slotlint.yaml"),
        "max-file-size: 64M\nmax-file-time: 10m\n",
    )
    .unwrap();
    for (name, text) in &cases {
        fs::write(tmp.path().join(name), text).unwrap();
        let r = run(tmp.path(), &["check", "--format", "gcc", name], b"");
        // Findings on their other lines (1); a schema nesting too deep is
        // the user's configuration mistake (2); the rest find nothing or
        // skip the file with a note (0).
        let expected = match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("yaml") => 2,
            Some("py" | "redis") => 1,
            _ => 0,
        };
        assert_eq!(r.code, expected, "{name}: {}", r.stderr);
        fs::remove_file(tmp.path().join(name)).unwrap();
    }
}

/// The worst case of backtracking: unclosed brackets one after another.
#[test]
fn unclosed_brackets_do_not_backtrack() {
    let tmp = tempfile::tempdir().unwrap();
    for n in [40, 10_000] {
        let text = format!(
            "redis.call(\"GET\", KEYS[1])\nlocal x = {}a\nredis.call(\"SET\", \"user:1\", 1)\n",
            "(".repeat(n)
        );
        fs::write(tmp.path().join("u.lua"), text).unwrap();
        let r = run(
            tmp.path(),
            &["check", "--no-config", "--format", "gcc", "u.lua"],
            b"",
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
    }
}

/// Devices and FIFOs, named or walked, are refused with a note before they
/// are opened; the run ends at once.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.py")).unwrap();
    let made = Command::new("mkfifo").arg(dir.join("fifo.py")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    fs::write(dir.join("a.redis"), "MGET a b\n").unwrap();
    let r = run(
        dir,
        &["check", "--no-config", "zero.py", "fifo.py", "a.redis"],
        b"",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("note: zero.py: a device, not a regular file; skipped"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("note: fifo.py: a FIFO, not a regular file; skipped"),
        "{}",
        r.stderr
    );
    // Walked: the FIFO is noted; the link is not followed, as in ripgrep.
    let r = run(dir, &["check", "--no-config", "."], b"");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("note: fifo.py: a FIFO, not a regular file; skipped"),
        "{}",
        r.stderr
    );
    // Named as a schema for the run, a FIFO is a configuration error.
    let r = run(
        dir,
        &["check", "--no-config", "--schema", "fifo.py", "a.redis"],
        b"",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("schema file `fifo.py` is a FIFO"),
        "{}",
        r.stderr
    );
}

/// A file over `max-file-size` is skipped with a note naming its size; so
/// is standard input; a run schema over it stops the run.
#[test]
fn oversize_files_are_skipped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("slotlint.yaml"), "max-file-size: 1K\n").unwrap();
    let big = "MGET a b\n".repeat(200);
    fs::write(dir.join("big.redis"), &big).unwrap();
    fs::write(dir.join("small.redis"), "MGET c d\n").unwrap();
    let r = run(
        dir,
        &["check", "--format", "gcc", "big.redis", "small.redis"],
        b"",
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("small.redis:1:1"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stderr.contains(
            "note: big.redis: 1800 bytes, more than `max-file-size` (1024 bytes); skipped"
        ),
        "{}",
        r.stderr
    );
    let r = run(
        dir,
        &["check", "--stdin-filename", "in.redis", "-"],
        big.as_bytes(),
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("note: in.redis: 1025 bytes, more than"),
        "{}",
        r.stderr
    );
    fs::write(
        dir.join("big.keys.yaml"),
        format!("keys:\n{}", "  # pad\n".repeat(200)),
    )
    .unwrap();
    let r = run(
        dir,
        &["check", "--schema", "big.keys.yaml", "small.redis"],
        b"",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("schema file `big.keys.yaml` is 1606 bytes"),
        "{}",
        r.stderr
    );
}

/// A panic while analyzing one file (asked for on purpose; debug builds) is
/// an internal error for that file, reported as such (not as a file over
/// `max-file-time`), and the run goes on to the other files.
#[test]
fn a_panic_in_one_file_is_an_internal_error_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("slotlint.yaml"), "max-file-time: 60s\n").unwrap();
    let py = "import redis\nr = redis.RedisCluster()\nr.mget('a', 'b')\n";
    fs::write(dir.join("a.py"), py).unwrap();
    fs::write(dir.join("b.redis"), "MGET a b\n").unwrap();
    let r = run_env(
        dir,
        &["check", "--format", "gcc", "."],
        b"",
        &[("SLOTLINT_TEST_PANIC", "a.py")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("b.redis:1:1: error"), "{}", r.stdout);
    assert!(!r.stdout.contains("a.py"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("a.py:1:1: note: internal error while analyzing this file"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("max-file-time"), "{}", r.stderr);
}

/// A file whose analysis outlasts `max-file-time` is skipped with a note
/// and the run goes on to the others.
#[test]
fn a_file_over_the_time_budget_is_skipped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("slotlint.yaml"), "max-file-time: 1ms\n").unwrap();
    let slow = format!(
        "import redis\nr = redis.RedisCluster()\n{}",
        (0..3000)
            .map(|i| format!("r.mget('user:{i}:a', 'user:{i}:b')\n"))
            .collect::<Vec<_>>()
            .concat()
    );
    fs::write(dir.join("slow.py"), slow).unwrap();
    let r = run(dir, &["check", "--format", "gcc", "slow.py"], b"");
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr
            .contains("note: slow.py: analysis took longer than `max-file-time` (1ms); skipped"),
        "{}",
        r.stderr
    );
}

/// Input that sends a parser we do not own into a search that does not end
/// (tree-sitter's error recovery on this TypeScript takes minutes and
/// gigabytes; found by `scripts/fuzz`): the budget ends it, stops the parser,
/// and the run goes on to the other files.
#[test]
fn a_runaway_parser_is_stopped_by_the_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("slotlint.yaml"), "max-file-time: 2s\n").unwrap();
    fs::write(
        dir.join("runaway.ts"),
        format!("[{}}}cluster", "\n".repeat(40)),
    )
    .unwrap();
    fs::write(dir.join("a.redis"), "MGET a b\n").unwrap();
    let r = run(
        dir,
        &["check", "--format", "gcc", "runaway.ts", "a.redis"],
        b"",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("a.redis:1:1:"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("note: runaway.ts: analysis took longer than `max-file-time` (2s); skipped"),
        "{}",
        r.stderr
    );
}

/// Output into a reader that stops (`| head -1`) ends quietly with the exit
/// code the findings give, in every format.
#[test]
fn a_closed_pipe_ends_quietly_with_the_findings_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("many.redis"),
        (0..3000)
            .map(|i| format!("MGET a{i} b{i}\n"))
            .collect::<Vec<_>>()
            .concat(),
    )
    .unwrap();
    for format in ["human", "gcc", "json", "json-lines", "sarif", "github"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slotlint"))
            .args(["check", "--no-config", "--format", format, "many.redis"])
            .current_dir(tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

/// Mistakes in `slotlint.yaml` that used to pass in silence.
#[test]
fn config_mistakes_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/a.redis"), "MGET a b\n").unwrap();
    let check = |config: &str| {
        fs::write(dir.join("slotlint.yaml"), config).unwrap();
        run(dir, &["check", "--format", "gcc"], b"")
    };
    let r = check("include: 5\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "slotlint.yaml:1:10: `include` takes globs, and `5` is a number: quote it (\"5\") if it is a name"
        ),
        "{}",
        r.stderr
    );
    let r = check("schema: true\n");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`true` is a boolean"), "{}", r.stderr);
    let r = check("rules: { SL001: off }\nrules: { SL002: off }\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("slotlint.yaml:2:1: duplicate key `rules` (first on line 1)"),
        "{}",
        r.stderr
    );
    let r = check("rules: { SL001: off }\n---\nrules: { SL002: off }\n");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("slotlint.yaml:2:1: a config file holds one YAML document"),
        "{}",
        r.stderr
    );
    let r = check("include: [lib/]\nexclude: [\"**/vendor/\", src/a.redis]\n");
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("note: the config's `include` glob `lib/` matches no file slotlint reads"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("note: the config's `exclude` glob `**/vendor/` matches nothing"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("src/a.redis` matches"), "{}", r.stderr);
    let r = check("include: [src/]\n");
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
}

/// A run schema that cannot be read stops the run like a missing one.
#[test]
fn an_unreadable_schema_is_a_configuration_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("a.redis"), "MGET a b\n").unwrap();
    let missing = run(
        dir,
        &[
            "check",
            "--no-config",
            "--schema",
            "none.keys.yaml",
            "a.redis",
        ],
        b"",
    );
    assert_eq!(missing.code, 2);
    fs::create_dir(dir.join("dir.keys.yaml")).unwrap();
    let r = run(
        dir,
        &[
            "check",
            "--no-config",
            "--schema",
            "dir.keys.yaml",
            "a.redis",
        ],
        b"",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("schema file `dir.keys.yaml` is a directory, not a regular file"),
        "{}",
        r.stderr
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.join("locked.keys.yaml");
        fs::write(&locked, "keys: {}\n").unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads whatever the permissions say: only others can see this.
        if fs::read(&locked).is_err() {
            let r = run(
                dir,
                &[
                    "check",
                    "--no-config",
                    "--schema",
                    "locked.keys.yaml",
                    "a.redis",
                ],
                b"",
            );
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(r.stderr.contains("cannot be read"), "{}", r.stderr);
        }
    }
}
