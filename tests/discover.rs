//! End-to-end tests of file discovery through the built binary: ignore files,
//! hidden files, explicit paths and `--force-exclude`, the config's
//! `include`/`exclude`, standard input, and parallel runs printing exactly
//! what a serial run prints.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{output_with_stdin, Run};
use tempfile::TempDir;

/// A transaction over two slots: one SL001 finding per file, so the output
/// lists exactly the files linted.
const CROSS_SLOT: &str = "MULTI\nSET a 1\nSET b 2\nEXEC\n";

/// Runs slotlint in `dir` with a private HOME (no global git excludes but
/// those a test writes there).
fn slotlint_in(dir: &Path, home: &Path, args: &[&str], stdin: &[u8]) -> Run {
    let (out, _) = output_with_stdin(
        Command::new(env!("CARGO_BIN_EXE_slotlint"))
            .args(args)
            .current_dir(dir)
            .env("HOME", home)
            .env_remove("XDG_CONFIG_HOME")
            .env("NO_COLOR", "1"),
        stdin,
    );
    Run::from(out)
}

/// A project tree in a temp dir, with its own empty HOME beside it.
struct Tree {
    tmp: TempDir,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let tmp = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(tmp.path().join("home")).unwrap();
        fs::create_dir_all(tmp.path().join("proj")).unwrap();
        let tree = Tree { tmp };
        for (path, text) in files {
            tree.write(path, text);
        }
        tree
    }

    fn root(&self) -> std::path::PathBuf {
        self.tmp.path().join("proj")
    }

    fn home(&self) -> std::path::PathBuf {
        self.tmp.path().join("home")
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_in("", args, b"")
    }

    fn run_in(&self, sub: &str, args: &[&str], stdin: &[u8]) -> Run {
        slotlint_in(&self.root().join(sub), &self.home(), args, stdin)
    }

    /// The files `check --format gcc ARGS` reports on.
    fn linted(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["check", "--format", "gcc"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        assert!(
            run.code == 0 || run.code == 1,
            "{args:?}: exit {}\n{}",
            run.code,
            run.stderr
        );
        files_of(&run.stdout)
    }

    fn git_init(&self) {
        let ok = Command::new("git")
            .args(["init", "-q"])
            .current_dir(self.root())
            .env("HOME", self.home())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "git init");
    }
}

/// The files named in gcc output, each once, in order.
fn files_of(gcc: &str) -> Vec<String> {
    let mut files: Vec<String> = gcc
        .lines()
        .filter_map(|l| l.split_once(':').map(|(path, _)| path.to_string()))
        .collect();
    files.dedup();
    files
}

fn has_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn ignored_tree() -> Tree {
    Tree::new(&[
        ("src/a.redis", CROSS_SLOT),
        ("src/gen/b.redis", CROSS_SLOT),
        ("src/c.redis", CROSS_SLOT),
        ("build/d.redis", CROSS_SLOT),
        ("notes/e.redis", CROSS_SLOT),
        (".hidden/f.redis", CROSS_SLOT),
        ("src/.g.redis", CROSS_SLOT),
        ("node_modules/pkg/h.redis", CROSS_SLOT),
        ("target/i.redis", CROSS_SLOT),
        ("src/keep.lua", "return redis.call('MGET', 'a', 'b')\n"),
        ("src/readme.txt", CROSS_SLOT),
        (".gitignore", "build/\n*.tmp.redis\nsrc/gen/\n"),
        ("notes/.ignore", "e.redis\n"),
        ("src/x.tmp.redis", CROSS_SLOT),
    ])
}

#[test]
fn walk_honours_ignore_files_and_hidden_rules_outside_git() {
    let tree = ignored_tree();
    assert_eq!(
        tree.linted(&[]),
        ["src/a.redis", "src/c.redis", "src/keep.lua"]
    );
    assert_eq!(
        tree.linted(&["src"]),
        ["src/a.redis", "src/c.redis", "src/keep.lua"]
    );
}

#[test]
#[allow(clippy::print_stderr)] // a skipped test must say so
fn walk_honours_ignore_files_inside_git() {
    if !has_git() {
        eprintln!("skipped: git is not installed");
        return;
    }
    let tree = ignored_tree();
    tree.git_init();
    tree.write(".git/info/exclude", "src/c.redis\n");
    assert_eq!(tree.linted(&[]), ["src/a.redis", "src/keep.lua"]);
    // From a subdirectory, the repository's ignore files still count.
    let run = tree.run_in("src", &["check", "--format", "gcc"], b"");
    assert_eq!(files_of(&run.stdout), ["a.redis", "keep.lua"]);
}

#[test]
fn walk_honours_global_git_excludes() {
    let tree = ignored_tree();
    fs::create_dir_all(tree.home().join(".config/git")).unwrap();
    fs::write(tree.home().join(".config/git/ignore"), "a.redis\n").unwrap();
    assert_eq!(tree.linted(&[]), ["src/c.redis", "src/keep.lua"]);
}

#[test]
fn explicit_paths_are_linted_even_when_ignored() {
    let tree = ignored_tree();
    assert_eq!(
        tree.linted(&[
            "build/d.redis",
            "notes/e.redis",
            ".hidden/f.redis",
            "src/gen",
            "target/i.redis"
        ]),
        [
            ".hidden/f.redis",
            "build/d.redis",
            "notes/e.redis",
            "src/gen/b.redis",
            "target/i.redis"
        ]
    );
}

#[test]
fn force_exclude_skips_ignored_explicit_paths() {
    let tree = ignored_tree();
    let explicit = [
        "build/d.redis",
        "notes/e.redis",
        ".hidden/f.redis",
        "src/.g.redis",
        "src/gen",
        "src/gen/b.redis",
        "src/x.tmp.redis",
        "node_modules/pkg/h.redis",
        "target/i.redis",
        "src/a.redis",
        "./src/../src/keep.lua",
    ];
    let mut args = vec!["--force-exclude"];
    args.extend(explicit);
    assert_eq!(tree.linted(&args), ["src/a.redis", "src/keep.lua"]);
    // Absolute paths too.
    let abs = tree.root().join("build/d.redis");
    assert!(tree
        .linted(&["--force-exclude", abs.to_str().unwrap()])
        .is_empty());
}

/// Naming every file with `--force-exclude` lints exactly what the walk
/// finds: both use the same rules.
#[test]
fn force_exclude_agrees_with_the_walk() {
    let tree = ignored_tree();
    tree.write("slotlint.yaml", "exclude: [c.redis]\n");
    let all = [
        "src/a.redis",
        "src/gen/b.redis",
        "src/c.redis",
        "build/d.redis",
        "notes/e.redis",
        ".hidden/f.redis",
        "src/.g.redis",
        "node_modules/pkg/h.redis",
        "target/i.redis",
        "src/keep.lua",
        "src/x.tmp.redis",
    ];
    let walked = tree.linted(&[]);
    let mut args = vec!["--force-exclude"];
    args.extend(all);
    assert_eq!(tree.linted(&args), walked);
    assert_eq!(walked, ["src/a.redis", "src/keep.lua"]);
}

#[test]
fn config_include_and_exclude() {
    let tree = Tree::new(&[
        ("src/a.redis", CROSS_SLOT),
        ("src/legacy/b.redis", CROSS_SLOT),
        ("src/c.gen.redis", CROSS_SLOT),
        ("scripts/d.lua", "return redis.call('MGET', 'a', 'b')\n"),
        (
            "scripts/deep/e.lua",
            "return redis.call('MGET', 'a', 'b')\n",
        ),
        ("other/f.redis", CROSS_SLOT),
        ("g.redis", CROSS_SLOT),
        (
            "slotlint.yaml",
            "include:\n  - src/\n  - /scripts/*.lua\nexclude:\n  - legacy/\n  - '*.gen.redis'\n",
        ),
    ]);
    assert_eq!(tree.linted(&[]), ["scripts/d.lua", "src/a.redis"]);
    // Globs are relative to the config file, wherever slotlint runs from.
    let run = tree.run_in("src", &["check", "--format", "gcc", "."], b"");
    assert_eq!(files_of(&run.stdout), ["a.redis"]);
    // Explicit files: `include` does not apply, `exclude` only with --force-exclude.
    assert_eq!(
        tree.linted(&["other/f.redis", "src/legacy/b.redis"]),
        ["other/f.redis", "src/legacy/b.redis"]
    );
    assert_eq!(
        tree.linted(&[
            "--force-exclude",
            "other/f.redis",
            "src/legacy/b.redis",
            "src/c.gen.redis"
        ]),
        ["other/f.redis"]
    );
    // --no-config drops the globs: every file is read, in path order.
    assert_eq!(
        tree.linted(&["--no-config"]),
        [
            "g.redis",
            "other/f.redis",
            "scripts/d.lua",
            "scripts/deep/e.lua",
            "src/a.redis",
            "src/c.gen.redis",
            "src/legacy/b.redis"
        ]
    );
}

#[test]
fn bad_globs_are_config_errors() {
    let tree = Tree::new(&[("slotlint.yaml", "exclude:\n  - ok/\n  - 'src/[a'\n")]);
    let run = tree.run(&["check"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "slotlint: error: slotlint.yaml:3:5: invalid glob `src/[a`: unclosed character class; missing ']'\n"
    );
}

#[test]
fn stdin_with_a_file_name() {
    let tree = Tree::new(&[("build/.keep", ""), (".gitignore", "build/\n")]);
    let gcc = ["check", "--format", "gcc"];
    // Plain `-`: a redis-cli file shown as `-`.
    let run = tree.run_in("", &[&gcc[..], &["-"]].concat(), CROSS_SLOT.as_bytes());
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .starts_with("-:1:1: error: transaction spans hash slots"),
        "{}",
        run.stdout
    );
    // The name picks the language and the path shown; the file need not exist.
    let lua = b"redis.call('SET', 'x', 1)\nreturn redis.call('MGET', 'a', KEYS[1])\n";
    let run = tree.run_in(
        "",
        &[&gcc[..], &["--stdin-filename", "lib/new.lua", "-"]].concat(),
        lua,
    );
    assert_eq!(
        run.stdout,
        "lib/new.lua:1:19: error: script hard-codes key `x` for `SET` instead of taking it from KEYS [SL007]\n\
         lib/new.lua:2:27: error: script hard-codes key `a` for `MGET` instead of taking it from KEYS [SL007]\n"
    );
    // `--stdin-filename` alone reads stdin too.
    let run = tree.run_in(
        "",
        &[&gcc[..], &["--stdin-filename", "a.redis"]].concat(),
        CROSS_SLOT.as_bytes(),
    );
    assert!(run.stdout.starts_with("a.redis:1:1:"), "{}", run.stdout);
    // With --force-exclude an ignored name gives nothing (what editors want).
    let args = [
        &gcc[..],
        &["--force-exclude", "--stdin-filename", "build/x.redis", "-"],
    ]
    .concat();
    let run = tree.run_in("", &args, CROSS_SLOT.as_bytes());
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    // Without it, the ignored name is linted.
    let run = tree.run_in(
        "",
        &[&gcc[..], &["--stdin-filename", "build/x.redis"]].concat(),
        CROSS_SLOT.as_bytes(),
    );
    assert!(
        run.stdout.starts_with("build/x.redis:1:1:"),
        "{}",
        run.stdout
    );
    // A name with no front-end is noted and skipped.
    let run = tree.run_in(
        "",
        &[&gcc[..], &["--stdin-filename", "notes.txt", "-"]].concat(),
        CROSS_SLOT.as_bytes(),
    );
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("notes.txt: no front-end"),
        "{}",
        run.stderr
    );
    // Mixed with files.
    tree.write("f.redis", CROSS_SLOT);
    let run = tree.run_in(
        "",
        &[&gcc[..], &["--stdin-filename", "e.redis", "f.redis", "-"]].concat(),
        CROSS_SLOT.as_bytes(),
    );
    assert_eq!(files_of(&run.stdout), ["e.redis", "f.redis"]);
    // A name without `-` is a usage error.
    let run = tree.run_in(
        "",
        &[&gcc[..], &["--stdin-filename", "e.redis", "f.redis"]].concat(),
        b"",
    );
    assert_eq!(run.code, 2);
}

#[test]
fn stdin_leaves_the_configs_schemas_alone() {
    let tree = Tree::new(&[
        ("slotlint.yaml", "schema: s.keys.yaml\n"),
        (
            "s.keys.yaml",
            "families:\n  session:\n    pattern: \"{session}:<id>\"\n",
        ),
    ]);
    let run = tree.run_in("", &["check", "--format", "gcc", "-"], b"GET a\n");
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

/// A tree with findings in many files and directories, in every language.
fn busy_tree() -> Tree {
    let tree = Tree::new(&[]);
    for d in 0..12 {
        for f in 0..15 {
            let n = d * 100 + f;
            tree.write(
                &format!("d{d}/s{}/f{f}.redis", f % 3),
                &format!("MULTI\nSET a:{n} 1\nSET b:{n} 2\nEXEC\nMGET x:{n} y:{n}\nSELECT 1\n"),
            );
            tree.write(
                &format!("d{d}/lua/f{f}.lua"),
                &format!("redis.call('SET', 'k:{n}', 1)\nreturn redis.call('GET', KEYS[1])\n"),
            );
        }
        tree.write(&format!("d{d}/plain.lua"), "return 1\n");
        tree.write(
            &format!("d{d}/bad.redis"),
            "SET \"unterminated\nMULTI\nEXEC\n",
        );
    }
    tree
}

#[test]
fn parallel_output_is_byte_identical_to_serial() {
    let tree = busy_tree();
    for format in ["gcc", "human"] {
        let serial = tree.run(&["check", "--format", format, "-j", "1"]);
        assert_eq!(serial.code, 1, "{}", serial.stderr);
        assert!(serial.stdout.lines().count() > 360, "{}", serial.stdout);
        for threads in ["2", "3", "8", "0"] {
            for _ in 0..3 {
                let parallel = tree.run(&["check", "--format", format, "--threads", threads]);
                assert_eq!(parallel.code, serial.code);
                assert!(
                    parallel.stdout == serial.stdout,
                    "{format} -j {threads}: stdout differs"
                );
                assert!(
                    parallel.stderr == serial.stderr,
                    "{format} -j {threads}: stderr differs"
                );
            }
        }
    }
}

/// The prefilter never hides a finding: every triggering fixture passes it.
#[test]
fn prefilter_keeps_every_fixture_with_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Some(language) = slotlint::lang::Language::from_path(&path) else {
                continue;
            };
            // `SLnnn_<case>` fixtures trigger their rule; `ok_*` ones stay clean.
            if !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("SL")
            {
                continue;
            }
            let text = fs::read(&path).unwrap();
            assert!(
                language.prefilter(&text),
                "{} has findings but fails the prefilter",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixture with findings found");
}
