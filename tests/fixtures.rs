//! Golden fixtures, one test each. Every file `fixtures/<lang>/<case>.<ext>`
//! is linted with `--format gcc` from its own directory, and every directory
//! `fixtures/<lang>/<case>/` as one project (`check .` from inside it, so the
//! paths are relative to it); each must print exactly `<case>.out` beside it.
//! `SLnnn_*` fixtures must trigger `SLnnn`, `ok_*` ones must stay clean,
//! `err_*` ones must exit 2; otherwise the exit code is 1 exactly when an
//! error or a warning is printed.
//!
//! The `coverage::SLnnn` tests check that every rule has a fixture that
//! triggers it and a clean twin: an `ok_*` fixture (here or in
//! `fixtures/projects/`) with a `clean-for: SLnnn` comment line.
//!
//! `cargo test --test fixtures SL004_` runs the SL004 fixtures;
//! `SLOTLINT_BLESS=1` writes a changed output to `<case>.out.new` for
//! `scripts/bless` (see CONTRIBUTING.md).

mod golden;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

/// Fixture folders that hold other kinds of data.
const NOT_LINT_FIXTURES: &[&str] = &["projects", "topology", "format"];

/// Files beside the fixtures that are not fixtures: expectations, pending
/// expectations, notes.
const NOT_FIXTURE_EXTENSIONS: &[&str] = &["out", "new", "md"];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The entries of `dir`, sorted, without hidden ones.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| !file_name(p).starts_with('.'))
        .collect();
    out.sort();
    out
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in entries(dir) {
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// One lint fixture: a file, or a directory linted as one project.
#[derive(Clone)]
struct Fixture {
    input: PathBuf,
    /// `<case>.out` beside it.
    expected: PathBuf,
}

impl Fixture {
    fn name(&self) -> String {
        file_name(&self.input)
    }

    /// `redis/SL004_constant_tags.redis`, `redis/SL002_two_files/`.
    fn test_name(&self) -> String {
        let name = golden::shown(&self.input);
        let name = name.strip_prefix("fixtures/").unwrap_or(&name);
        if self.input.is_dir() {
            format!("{name}/")
        } else {
            name.to_owned()
        }
    }

    /// The files whose comments count (`clean-for:` lines).
    fn files(&self) -> Vec<PathBuf> {
        if self.input.is_dir() {
            files_under(&self.input)
        } else {
            vec![self.input.clone()]
        }
    }
}

fn lint_fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for lang in entries(&fixtures_root()) {
        if !lang.is_dir() || NOT_LINT_FIXTURES.contains(&file_name(&lang).as_str()) {
            continue;
        }
        for input in entries(&lang) {
            let expected = if input.is_dir() {
                lang.join(format!("{}.out", file_name(&input)))
            } else if input
                .extension()
                .is_some_and(|e| !NOT_FIXTURE_EXTENSIONS.iter().any(|n| e == *n))
            {
                // `x.redis` → `x.out`, `x.keys.yaml` → `x.keys.out`.
                input.with_extension("out")
            } else {
                continue;
            };
            out.push(Fixture { input, expected });
        }
    }
    out
}

/// Output (stdout, then stderr) and exit code of linting the fixture.
fn run(fixture: &Fixture) -> (String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slotlint"));
    cmd.args(["check", "--format", "gcc", "--color", "never"]);
    if fixture.input.is_dir() {
        cmd.current_dir(&fixture.input).arg(".");
    } else {
        cmd.current_dir(fixture.input.parent().unwrap())
            .arg(fixture.input.file_name().unwrap());
    }
    let output = cmd.output().expect("run slotlint");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (text, output.status.code().unwrap_or(-1))
}

fn check_fixture(fixture: &Fixture) -> Result<(), Failed> {
    let name = fixture.name();
    let (actual, code) = run(fixture);
    let mut problems = Vec::new();
    if let Err(e) = golden::compare(&fixture.expected, &actual) {
        problems.push(e);
    }
    if let Some(rule) = golden::rule_of(&name) {
        let tag = format!("[{rule}]");
        if !actual.lines().any(|l| l.ends_with(&tag)) {
            problems.push(format!("named for {rule} but does not trigger it"));
        }
    } else if !name.starts_with("ok_") && !name.starts_with("err_") {
        problems.push(
            "a fixture's name starts with `SLnnn_` (triggers SLnnn), `ok_` (clean) or `err_` (exit 2)"
                .to_owned(),
        );
    }
    if name.starts_with("ok_") && !actual.is_empty() {
        problems.push("a clean (`ok_`) fixture printed output".to_owned());
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
        problems.push(format!("exit code {code}, expected {expected_code}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}:\n{}",
            golden::shown(&fixture.input),
            problems.join("\n")
        )
        .into())
    }
}

/// A fixture as the coverage tests see it: lint fixtures and the project
/// fixtures of `fixtures/projects/`.
struct Named {
    name: String,
    shown: String,
    files: Vec<PathBuf>,
}

fn everything_named() -> Vec<Named> {
    let mut out: Vec<Named> = lint_fixtures()
        .iter()
        .map(|f| Named {
            name: f.name(),
            shown: golden::shown(&f.input),
            files: f.files(),
        })
        .collect();
    let projects = fixtures_root().join("projects");
    for dir in entries(&projects).into_iter().filter(|p| p.is_dir()) {
        out.push(Named {
            name: file_name(&dir),
            shown: golden::shown(&dir),
            files: files_under(&dir),
        });
    }
    out
}

/// The rule ids of the `clean-for:` comment lines of a file
/// (`# clean-for: SL001, SL003`), in the comment syntax of its language.
fn clean_for(file: &Path) -> Vec<String> {
    let Some(language) = slotlint::lang::Language::from_path(file) else {
        return Vec::new();
    };
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some(rest) = language
            .comment_prefixes()
            .iter()
            .find_map(|p| line.strip_prefix(p))
        else {
            continue;
        };
        if let Some(list) = rest.trim_start().strip_prefix("clean-for:") {
            ids.extend(
                list.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    ids
}

/// A rule has a fixture that triggers it and a clean twin.
fn check_coverage(rule: &str, named: &[Named]) -> Result<(), Failed> {
    let mut problems = Vec::new();
    let prefix = format!("{rule}_");
    if !named.iter().any(|n| n.name.starts_with(&prefix)) {
        problems.push(format!(
            "no fixture triggers {rule}: add `fixtures/<lang>/{rule}_<case>.<ext>` \
             (or `fixtures/projects/{rule}_<case>/` when it needs a config)"
        ));
    }
    let twins = named.iter().filter(|n| {
        n.name.starts_with("ok_")
            && n.files
                .iter()
                .any(|f| clean_for(f).iter().any(|id| id == rule))
    });
    if twins.count() == 0 {
        problems.push(format!(
            "no clean twin for {rule}: an `ok_*` fixture of code near {rule}'s trigger \
             that must stay clean, with a `clean-for: {rule}` comment line"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// Every `SLnnn_` fixture and every `clean-for:` line names a real rule, and
/// only clean fixtures say what they keep clean.
fn check_names(named: &[Named]) -> Result<(), Failed> {
    let mut problems = Vec::new();
    for n in named {
        if let Some(rule) = golden::rule_of(&n.name) {
            if slotlint::rules::find(rule).is_none() {
                problems.push(format!("{}: names unknown rule {rule}", n.shown));
            }
        }
        for file in &n.files {
            for id in clean_for(file) {
                let known = slotlint::rules::RULES.iter().any(|r| r.id() == id);
                if !known {
                    problems.push(format!(
                        "{}: `clean-for:` names unknown rule `{id}`",
                        golden::shown(file)
                    ));
                }
                if !n.name.starts_with("ok_") {
                    problems.push(format!(
                        "{}: `clean-for:` belongs in a clean (`ok_*`) fixture",
                        golden::shown(file)
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// Every `.out` belongs to a fixture (a renamed fixture leaves none behind).
fn check_orphans(fixtures: &[Fixture]) -> Result<(), Failed> {
    let mut orphans = Vec::new();
    for lang in entries(&fixtures_root()) {
        if !lang.is_dir() || NOT_LINT_FIXTURES.contains(&file_name(&lang).as_str()) {
            continue;
        }
        for path in entries(&lang) {
            if path.extension().is_some_and(|e| e == "out")
                && !fixtures.iter().any(|f| f.expected == path)
            {
                orphans.push(golden::shown(&path));
            }
        }
    }
    if orphans.is_empty() {
        Ok(())
    } else {
        Err(format!("expected output without a fixture: {}", orphans.join(", ")).into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let fixtures = lint_fixtures();
    assert!(!fixtures.is_empty(), "no fixtures found");
    let mut trials: Vec<Trial> = fixtures
        .iter()
        .map(|f| {
            let fixture = f.clone();
            Trial::test(f.test_name(), move || check_fixture(&fixture))
        })
        .collect();
    let named = Arc::new(everything_named());
    for rule in slotlint::rules::RULES {
        let named = Arc::clone(&named);
        let id = rule.id();
        trials.push(Trial::test(format!("coverage::{id}"), move || {
            check_coverage(id, &named)
        }));
    }
    trials.push(Trial::test("coverage::fixture_names", move || {
        check_names(&named)
    }));
    trials.push(Trial::test("coverage::no_orphan_out_files", move || {
        check_orphans(&fixtures)
    }));
    libtest_mimic::run(&args, trials).exit();
}
