//! Project fixtures, one test each: every `fixtures/projects/<name>/` is
//! linted from inside that directory and must print exactly
//! `fixtures/projects/<name>.out` (stdout, then stderr after `--- stderr`,
//! then `--- exit N`). The command line is `check --format gcc --color never`
//! plus `--no-config` when the project has no config, or the words of the
//! project's `args` file. As in `fixtures/<lang>/`, an `SLnnn_*` project must
//! trigger `SLnnn` and an `ok_*` one must print nothing and exit 0.
//! `SLOTLINT_BLESS=1` writes a changed output to `<name>.out.new` for
//! `scripts/bless`.
//!
//! After the fixtures: the behaviours that need a scratch directory (`init`,
//! writing a baseline and moving code around it), each a function listed in
//! `main` (this file has its own test harness, so `#[test]` would not run).

mod golden;

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

fn projects_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects")
}

fn slotlint(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run slotlint");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

fn project_args(dir: &Path) -> Vec<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join("args")) {
        return text.split_whitespace().map(str::to_string).collect();
    }
    let mut args: Vec<String> = ["check", "--format", "gcc", "--color", "never"]
        .map(String::from)
        .into();
    if !slotlint::config::FILE_NAMES
        .iter()
        .any(|n| dir.join(n).exists())
    {
        // Not the config of whatever directory the checkout sits in.
        args.push("--no-config".into());
    }
    args
}

/// Runs one project fixture and compares its output.
fn check_project(dir: &Path) -> Result<(), Failed> {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let args = project_args(dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stdout, stderr, code) = slotlint(dir, &args);
    let mut actual = stdout.clone();
    if !stderr.is_empty() {
        actual.push_str("--- stderr\n");
        actual.push_str(&stderr);
    }
    {
        use std::fmt::Write as _;
        let _ = writeln!(actual, "--- exit {code}");
    }
    let mut problems = Vec::new();
    if let Err(e) = golden::compare(&dir.with_extension("out"), &actual) {
        problems.push(e);
    }
    if let Some(rule) = golden::rule_of(&name) {
        let tag = format!("[{rule}]");
        if !stdout.lines().any(|l| l.ends_with(&tag)) {
            problems.push(format!("named for {rule} but does not trigger it"));
        }
    }
    if name.starts_with("ok_") && (!stdout.is_empty() || code != 0) {
        problems.push(format!(
            "a clean (`ok_`) project printed findings or exited {code}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{}:\n{}", golden::shown(dir), problems.join("\n")).into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(projects_dir())
        .expect("fixtures/projects/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no project fixtures");
    let mut trials: Vec<Trial> = dirs
        .into_iter()
        .map(|dir| {
            let name = format!("projects/{}/", dir.file_name().unwrap().to_string_lossy());
            Trial::test(name, move || check_project(&dir))
        })
        .collect();
    let scratch: [(&str, fn()); 4] = [
        (
            "moved_code_keeps_its_baselined_findings_known",
            moved_code_keeps_its_baselined_findings_known,
        ),
        (
            "a_missing_baseline_is_a_usage_error",
            a_missing_baseline_is_a_usage_error,
        ),
        (
            "init_writes_a_config_that_check_reads",
            init_writes_a_config_that_check_reads,
        ),
        (
            "quiet_human_output_has_no_summary_even_in_color",
            quiet_human_output_has_no_summary_even_in_color,
        ),
    ];
    trials.extend(scratch.into_iter().map(|(name, test)| {
        Trial::test(name, move || {
            test();
            Ok(())
        })
    }));
    libtest_mimic::run(&args, trials).exit();
}

const OLD: &str = "MGET foo bar\nSET {session}:8f14e45f x\nMULTI\nSET user:1:name a\nSET user:1:email b\nEXEC\nMGET foo bar\n";

fn moved_code_keeps_its_baselined_findings_known() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::create_dir(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.redis"), OLD).unwrap();
    let (out, err, code) = slotlint(
        dir,
        &[
            "check",
            "--no-config",
            "--write-baseline",
            "slotlint-baseline.json",
        ],
    );
    assert_eq!((out.as_str(), code), ("", 0), "{err}");
    assert_eq!(
        err,
        "slotlint: note: recorded 4 findings in slotlint-baseline.json\n"
    );

    // Moved down, reordered, re-indented: nothing new.
    let moved = "# a header\n\nMULTI\nSET user:1:name a\n  SET   user:1:email b\nEXEC\n\nMGET foo bar\nMGET  foo  bar\nSET {session}:8f14e45f x\n";
    std::fs::write(dir.join("src/app.redis"), moved).unwrap();
    let gcc = ["check", "--no-config", "--format", "gcc", "--baseline"];
    let (out, err, code) = slotlint(dir, &[&gcc[..], &["slotlint-baseline.json"]].concat());
    assert_eq!((out.as_str(), err.as_str(), code), ("", "", 0));

    // From a subdirectory, with the baseline named relative to it.
    let (out, _, code) = slotlint(
        &dir.join("src"),
        &[&gcc[..], &["../slotlint-baseline.json", "."]].concat(),
    );
    assert_eq!((out.as_str(), code), ("", 0));

    // A third equal finding and a new one are new.
    std::fs::write(
        dir.join("src/app.redis"),
        format!("{moved}MGET foo bar\nMGET a b\n"),
    )
    .unwrap();
    let (out, _, code) = slotlint(dir, &[&gcc[..], &["slotlint-baseline.json"]].concat());
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("src/app.redis:11:1: error: `MGET`"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("src/app.redis:12:1: error: `MGET`"),
        "{out}"
    );

    // Fixed findings leave stale entries, which a note counts.
    std::fs::write(dir.join("src/app.redis"), "MGET foo bar\n").unwrap();
    let (out, err, code) = slotlint(dir, &[&gcc[..], &["slotlint-baseline.json"]].concat());
    assert_eq!((out.as_str(), code), ("", 0));
    assert!(
        err.starts_with("slotlint: note: 3 baseline entries match no finding any more"),
        "{err}"
    );
    let (_, err, _) = slotlint(
        dir,
        &[&gcc[..], &["slotlint-baseline.json", "--quiet"]].concat(),
    );
    assert_eq!(err, "");
}

fn a_missing_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.redis"), "MGET foo bar\n").unwrap();
    let (out, err, code) = slotlint(
        dir.path(),
        &["check", "--no-config", "--baseline", "nope.json"],
    );
    assert_eq!((out.as_str(), code), ("", 2));
    assert!(
        err.starts_with("slotlint: error: nope.json: cannot read baseline:"),
        "{err}"
    );
    let (_, err, code) = slotlint(
        dir.path(),
        &[
            "check",
            "--baseline",
            "a.json",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
}

fn init_writes_a_config_that_check_reads() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (out, err, code) = slotlint(dir, &["init"]);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("slotlint: wrote slotlint.yaml\n", "", 0)
    );
    std::fs::write(dir.join("a.redis"), "MGET foo bar\n").unwrap();
    let (out, err, code) = slotlint(dir, &["check", "--format", "gcc"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.ends_with("[SL002]\n"), "{out}");

    let (_, err, code) = slotlint(dir, &["init"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "slotlint: error: slotlint.yaml already exists; `slotlint init --force` replaces it\n"
    );
    std::fs::write(dir.join("slotlint.yaml"), "rules: { SL002: off }\n").unwrap();
    assert_eq!(slotlint(dir, &["check"]).2, 0);
    assert_eq!(slotlint(dir, &["init", "--force"]).2, 0);
    assert_eq!(slotlint(dir, &["check"]).2, 1);
}

fn quiet_human_output_has_no_summary_even_in_color() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.redis"), "MGET foo bar\n").unwrap();
    for color in ["never", "always"] {
        let (loud, _, _) = slotlint(dir.path(), &["check", "--no-config", "--color", color]);
        let (quiet, _, code) = slotlint(
            dir.path(),
            &["check", "--no-config", "--color", color, "-q"],
        );
        assert_eq!(code, 1);
        assert!(loud.contains("1 error, 0 warnings, 0 info"), "{loud}");
        assert!(!quiet.contains("0 warnings"), "{quiet}");
        assert!(
            quiet.contains("SL002") && loud.starts_with(&quiet),
            "{quiet}"
        );
    }
}
