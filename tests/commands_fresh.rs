//! Freshness check: regenerating the command table from the Valkey command files must
//! give the committed `rules/commands.yaml` byte for byte (`scripts/gen-commands`
//! rewrites it).

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};

/// `${SLOTLINT_COMMANDS_DIR:-../shared/data/valkey-commands}`, relative to the repo root.
fn data_dir(root: &Path) -> PathBuf {
    let dir = std::env::var_os("SLOTLINT_COMMANDS_DIR").map_or_else(
        || PathBuf::from("../shared/data/valkey-commands"),
        PathBuf::from,
    );
    root.join(dir)
}

#[test]
fn committed_table_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = data_dir(root);
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{}: command data missing (clone `shared/` beside the repo or set SLOTLINT_COMMANDS_DIR)",
            dir.display()
        );
        eprintln!(
            "\n########## SKIPPED commands_fresh: {} not found; set SLOTLINT_COMMANDS_DIR ##########\n",
            dir.display()
        );
        return;
    }
    let generated = slotlint::commands::generate(&dir).expect("generation succeeds");
    let committed =
        std::fs::read_to_string(root.join("rules/commands.yaml")).expect("rules/commands.yaml");
    if generated != committed {
        let line = generated
            .lines()
            .zip(committed.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_owned(),
                |i| format!("first at line {}", i + 1),
            );
        panic!("rules/commands.yaml is stale ({line}): run scripts/gen-commands");
    }
}
