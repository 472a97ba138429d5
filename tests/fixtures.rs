//! Golden fixtures: every `fixtures/<lang>/<case>.<ext>` is linted with
//! `--format gcc` from its own directory and must print exactly `<case>.out`.
//! `SLnnn_*` fixtures must trigger `SLnnn`, `ok_*` must stay clean, `err_*` must
//! exit 2. `SLOTLINT_BLESS=1` rewrites the `.out` files (read them before
//! committing).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixture folders that hold other kinds of data.
const NOT_LINT_FIXTURES: &[&str] = &["projects", "topology", "format"];

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fixtures/") {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !dir.is_dir() || NOT_LINT_FIXTURES.contains(&name.as_str()) {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.is_file() && f.extension().is_some_and(|e| e != "out" && e != "md") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// `SL001_multi.redis` → `SL001_multi.out`; `x.keys.yaml` → `x.keys.out`.
fn out_path(input: &Path) -> PathBuf {
    input.with_extension("out")
}

fn run(input: &Path) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .current_dir(input.parent().unwrap())
        .args(["check", "--format", "gcc", "--color", "never"])
        .arg(input.file_name().unwrap())
        .output()
        .expect("run slotlint");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (text, output.status.code().unwrap_or(-1))
}

#[test]
#[allow(clippy::print_stdout)] // how many fixtures ran
fn fixtures_match_their_expected_output() {
    let bless = std::env::var_os("SLOTLINT_BLESS").is_some();
    let files = fixture_files();
    assert!(!files.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for input in &files {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let (actual, code) = run(input);
        let expected_path = out_path(input);
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
        }
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!("{name}: missing {}", expected_path.display()));
            continue;
        };
        if expected != actual {
            failures.push(format!(
                "{name}: output differs\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
        if let Some(rule) = name.strip_prefix("SL").map(|r| &r[..3]) {
            let tag = format!("[SL{rule}]");
            if !actual.lines().any(|l| l.ends_with(&tag)) {
                failures.push(format!(
                    "{name}: named for SL{rule} but does not trigger it"
                ));
            }
        }
        if name.starts_with("ok_") && !actual.is_empty() {
            failures.push(format!("{name}: a clean fixture printed output"));
        }
        let fails = actual
            .lines()
            .any(|l| l.contains(": error: ") || l.contains(": warning: "));
        let expected_code = if name.starts_with("err_") {
            2
        } else {
            i32::from(fails)
        };
        if code != expected_code {
            failures.push(format!(
                "{name}: exit code {code}, expected {expected_code}"
            ));
        }
    }
    println!("{} fixtures checked", files.len());
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rules that need a config to trigger (naming rules) have a project
/// fixture `fixtures/projects/SLnnn_<case>/` instead.
fn project_names() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects");
    std::fs::read_dir(root)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_rule_has_a_triggering_and_a_clean_fixture() {
    let mut names: Vec<String> = fixture_files()
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.extend(project_names().into_iter().filter(|n| n.starts_with("SL")));
    for rule in slotlint::rules::RULES {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{}_", rule.id()))),
            "{} has no triggering fixture",
            rule.id()
        );
    }
    assert!(
        names.iter().any(|n| n.starts_with("ok_")),
        "no clean fixtures"
    );
    for n in &names {
        if let Some(id) = n.strip_prefix("SL").map(|r| format!("SL{}", &r[..3])) {
            assert!(
                slotlint::rules::find(&id).is_some(),
                "{n} names an unknown rule"
            );
        }
    }
}
