//! Python for the tests of the Python package (`tests/wheel.rs`, and the
//! `language: python` pre-commit hook in `tests/precommit.rs`): fresh virtual
//! environments, and the wheel, built by `scripts/build-wheel` once per test
//! process in a build directory under the cargo target directory (kept
//! between runs, so a build with no change to the sources only packs).
//!
//! Missing Python tools skip these tests loudly, except under CI (`CI` set)
//! or with `SLOTLINT_REQUIRE_TOOLS=1` / `SLOTLINT_REQUIRE_REDIS=1`, where they
//! fail them. `scripts/test` installs what they need.
#![allow(dead_code, clippy::print_stderr)] // each test binary uses a part; skips must be loud

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Whether the suite's tools are required (a missing one fails the test).
pub fn require_tools() -> bool {
    std::env::var_os("CI").is_some()
        || ["SLOTLINT_REQUIRE_REDIS", "SLOTLINT_REQUIRE_TOOLS"]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// Fails the test when tools are required, else prints a loud skip notice.
pub fn skip(test: &str, why: &str) {
    assert!(!require_tools(), "{test}: {why}");
    eprintln!(
        "\n======================================================================\n\
         SKIPPED: {test}: {why}\n\
         Under CI (or with SLOTLINT_REQUIRE_TOOLS=1) this is a failure, not a\n\
         skip; scripts/test installs what is needed.\n\
         ======================================================================\n"
    );
}

/// Whether `python3` can make virtual environments (`venv` with ensurepip,
/// or `virtualenv`); otherwise the test is skipped (or fails, see above).
pub fn available(test: &str) -> bool {
    let works = |args: &[&str]| {
        Command::new("python3")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let ok = works(&["-c", "import ensurepip, venv"]) || works(&["-m", "virtualenv", "--version"]);
    if !ok {
        skip(
            test,
            "needs python3 with venv (Debian: python3-venv) or virtualenv (pip install virtualenv)",
        );
    }
    ok
}

/// Runs a command, capturing its output; `Err` names it and says what it printed.
pub fn run(cmd: &mut Command) -> Result<Output, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A fresh virtual environment in `dir` (`venv`, or `virtualenv` where
/// `venv` lacks ensurepip); returns its `bin` directory.
pub fn venv(dir: &Path) -> Result<PathBuf, String> {
    let made = run(Command::new("python3").args(["-m", "venv"]).arg(dir)).or_else(|_| {
        run(Command::new("python3")
            .args(["-m", "virtualenv", "-q"])
            .arg(dir))
    });
    made.map_err(|e| format!("cannot make a virtual environment: {e}"))?;
    Ok(dir.join(if cfg!(windows) { "Scripts" } else { "bin" }))
}

/// A directory under the cargo target directory that outlives the test
/// process (builds in it are reused by the next run).
pub fn build_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// The cargo target directory of the release builds of the Python package:
/// `scripts/build-wheel` here, and pip in the pre-commit hook test (which
/// runs first: `precommit` sorts before `wheel`). Sharing it builds the
/// dependencies once. The hook builds from a fresh copy of the working tree,
/// newer than any output, so cargo always compiles slotlint again there; the
/// wheel, built from the working tree itself, then reuses that build of the
/// same sources (and the wheel test compares the installed binary's output
/// with the binary under test's, so a stale build fails it).
pub fn package_target() -> PathBuf {
    build_dir("python-package")
}

/// The wheel, built once per test process by `scripts/build-wheel` with
/// [`package_target`] as its cargo target directory.
pub fn wheel() -> Result<PathBuf, String> {
    static WHEEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    WHEEL
        .get_or_init(|| {
            let target = package_target();
            let out = target.join("dist");
            // Only this build's wheel in `out`.
            let _ = std::fs::remove_dir_all(&out);
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-wheel");
            run(Command::new(script)
                .arg(&out)
                .env("CARGO_TARGET_DIR", &target)
                .env_remove("CARGO_BUILD_TARGET"))?;
            let mut wheels: Vec<PathBuf> = std::fs::read_dir(&out)
                .map_err(|e| format!("{}: {e}", out.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "whl"))
                .collect();
            match wheels.len() {
                1 => Ok(wheels.remove(0)),
                n => Err(format!("scripts/build-wheel made {n} wheels: {wheels:?}")),
            }
        })
        .clone()
}
