//! The Python package end to end: `scripts/build-wheel` builds the wheel
//! (maturin, from `pyproject.toml`), pip installs it into a fresh virtual
//! environment without an index, and the `slotlint` it installs — as a
//! command and as `python -m slotlint` — lints the demo exactly as the
//! binary under test does. The wheel build is a release build in
//! `target/tmp/python-package` (shared with the pre-commit python hook test,
//! see `python::package_target`): minutes the first time, seconds when that
//! directory holds a build of the same sources.

#[path = "common/python.rs"]
mod python;

use std::path::Path;
use std::process::{Command, Output};

const TEST: &str = "the wheel test";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `slotlint check examples/demo` (the README's demo command) as `program`
/// runs it, from the repository root.
fn check_demo(program: &Path, prefix: &[&str]) -> Output {
    Command::new(program)
        .current_dir(manifest_dir())
        .args(prefix)
        .args(["check", "--color", "never", "examples/demo"])
        .env_remove("NO_COLOR")
        .output()
        .expect("run slotlint")
}

#[test]
fn wheel_installs_slotlint_into_a_fresh_virtual_environment() {
    if !python::available(TEST) {
        return;
    }
    let wheel = python::wheel().unwrap_or_else(|e| panic!("{e}"));
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let prefix = format!("slotlint-{}-py3-none-", env!("CARGO_PKG_VERSION"));
    assert!(name.starts_with(&prefix), "{name}");
    if cfg!(target_os = "linux") {
        assert!(name.contains("manylinux_"), "no manylinux tag: {name}");
    }

    let dir = tempfile::tempdir().unwrap();
    let bin = python::venv(&dir.path().join("venv")).unwrap_or_else(|e| panic!("{e}"));
    python::run(
        Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "--quiet", "--no-index", "--no-deps"])
            .arg(&wheel),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let installed = bin.join("slotlint");
    assert!(
        installed.is_file(),
        "pip installed no {}",
        installed.display()
    );
    if cfg!(target_os = "linux") {
        // Stripped: no symbol table section left.
        let elf = std::fs::read(&installed).unwrap();
        assert!(elf.starts_with(b"\x7fELF"));
        assert!(
            !elf.windows(8).any(|w| w == b".symtab\0"),
            "the binary in the wheel is not stripped"
        );
    }

    let expected = check_demo(Path::new(env!("CARGO_BIN_EXE_slotlint")), &[]);
    assert_eq!(expected.status.code(), Some(1));
    let text = String::from_utf8_lossy(&expected.stdout);
    for rule in ["SL001", "SL004", "SL007"] {
        assert!(text.contains(rule), "the demo has no {rule}:\n{text}");
    }
    let python = bin.join("python");
    for (program, prefix) in [
        (installed.as_path(), &[][..]),
        (python.as_path(), &["-m", "slotlint"][..]),
    ] {
        let actual = check_demo(program, prefix);
        let text = |o: &Output| {
            let (out, err) = (&o.stdout, &o.stderr);
            let (out, err) = (String::from_utf8_lossy(out), String::from_utf8_lossy(err));
            format!("exit {:?}\n{out}--- stderr\n{err}", o.status.code())
        };
        assert_eq!(
            text(&actual),
            text(&expected),
            "{} {prefix:?}",
            program.display()
        );
    }
    let version = python::run(Command::new(&python).args(["-m", "slotlint", "--version"]))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("slotlint {}\n", env!("CARGO_PKG_VERSION"))
    );
}
