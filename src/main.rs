//! The `slotlint` binary: everything happens in `slotlint::cli`.

fn main() {
    std::process::exit(slotlint::cli::main());
}
