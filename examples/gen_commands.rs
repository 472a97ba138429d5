//! Regenerates `rules/commands.yaml` from the Valkey command JSON files:
//! `cargo run --example gen_commands -- <data-dir> <out-file>` (see `scripts/gen-commands`).

#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: gen_commands <valkey-commands-dir> <out-file>");
        return ExitCode::from(2);
    };
    let text = match slotlint::commands::generate(Path::new(dir)) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("gen_commands: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(out, text) {
        eprintln!("gen_commands: {out}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
