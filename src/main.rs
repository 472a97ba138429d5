//! Temporary entry point for `slotlint slot` (the lead's cli.rs replaces it).

use clap::{Parser, Subcommand};
use slotlint::slot_cmd::{self, SlotArgs};

#[derive(Parser)]
#[command(name = "slotlint", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Slot, hash tag and node of concrete keys
    Slot(SlotArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Slot(args) => slot_cmd::run(
            &args,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ),
    };
    std::process::exit(code);
}
