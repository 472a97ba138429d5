//! `slotlint init`: writes a commented starter `slotlint.yaml` in the
//! working directory, listing every config key and every rule at its default.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use crate::config::FILE_NAMES;
use crate::rules::{Options, RULES};

/// The name `init` writes.
pub const FILE_NAME: &str = "slotlint.yaml";

/// The starter config: every key, with a comment, at its default value.
pub fn template() -> String {
    let defaults = Options::default();
    let mut out = format!(
        "\
# slotlint.yaml: configuration of slotlint, the Redis Cluster key linter.
# Written by `slotlint init`. slotlint finds this file by walking up from the
# working directory (or takes `--config FILE`); every key may be left out.
# Paths and globs are relative to this file.

# YAML key schemas to check along with the code: a file name or a list.
# `*.keys.yaml` files found while walking are schemas too.
schema: []

# Files to lint, as .gitignore-style globs. Empty: every file slotlint reads
# (*.redis, *.lua, *.keys.yaml, ...). Paths that .gitignore, .ignore or the
# hidden-file rule skip stay skipped.
include: []

# Files to skip, as .gitignore-style globs, e.g. [\"vendor/\", \"**/testdata/\"].
exclude: []

{}
# Which node serves which slots, so findings name the nodes and a pipeline
# that must reach one node is judged by node: inline, e.g.
#   nodes: {{ A: \"0-5460\", B: \"5461-10922\", C: \"10923-16383\" }}
# or the file name of a saved `redis-cli CLUSTER SHARDS` (or NODES, SLOTS) reply.
topology:

# What the clients slotlint cannot identify connect to (a client passed in
# as a parameter, made by a factory), by the receiver as written in the code:
# `cluster` or `standalone`. `*` matches any characters; `\"*\"` alone, every
# client of unknown kind. The first matching entry wins, e.g.
#   self.redis: cluster
#   \"*.cache\": standalone
clients: {{}}

# Drop findings less certain than this: proven (fails for every value),
# likely, or possible (the analyzer cannot see enough to know; the default
# keeps them all). `--min-certainty` overrides it.
min-certainty: possible

# Files bigger than this are skipped with a note: bytes, or with a unit
# (512K, 10M, 1G; binary units). Devices, FIFOs and sockets are never read.
max-file-size: 10M

# A file whose analysis takes longer than this is skipped with a note, and
# the run goes on: seconds, or with a unit (500ms, 30s, 2m).
max-file-time: 30s

# Rule levels for the files a glob matches (ruff's per-file-ignores, with
# levels): each .gitignore-style glob, relative to this file like `include`,
# maps rule ids or names, or \"*\" for every rule, to error, warning, info or
# off; they override `rules` below. Where several globs match a file, the
# most specific one that sets the rule wins: the longest literal text before
# the first wildcard (a leading `/` does not count); on a tie, the later one.
# A rule named in a glob beats its \"*\". E.g.
#   \"tests/**\": {{ SL001: off }}
#   \"examples/**\": {{ \"*\": info }}
per-path: {{}}

# The level of each rule: error, warning, info or off. Keys are rule ids or
# names; shown here at their defaults. `slotlint explain SL004` documents a
# rule; `slotlint: ignore[SL004] reason` in a comment silences one finding.
rules:
",
        settings(&defaults)
    );
    for rule in RULES {
        let level = rule.default_severity().to_string();
        let _ = writeln!(out, "  {}: {level:<8} # {}", rule.id(), rule.name());
    }
    out
}

/// The rules' own keys (`naming`), each as its rule writes it.
fn settings(defaults: &Options) -> String {
    let parts: Vec<String> = RULES
        .iter()
        .filter_map(|r| r.setting().map(|s| (s.template)(defaults)))
        .collect();
    parts.join("\n")
}

/// Writes the starter config into `dir`; refuses to replace an existing
/// config unless `force`. Returns the exit code.
pub fn run(
    dir: &Path,
    force: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<i32> {
    if !force {
        if let Some(existing) = FILE_NAMES.iter().find(|name| dir.join(name).exists()) {
            writeln!(
                stderr,
                "slotlint: error: {existing} already exists; `slotlint init --force` replaces it"
            )?;
            return Ok(crate::cli::EXIT_USAGE);
        }
    }
    let path = dir.join(FILE_NAME);
    let written = if force {
        std::fs::write(&path, template())
    } else {
        // `create_new`: never replace a file that appeared since the check.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(template().as_bytes()))
    };
    if let Err(e) = written {
        writeln!(stderr, "slotlint: error: {FILE_NAME}: cannot write: {e}")?;
        return Ok(crate::cli::EXIT_USAGE);
    }
    writeln!(stdout, "slotlint: wrote {FILE_NAME}")?;
    Ok(crate::cli::EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Level};

    #[test]
    fn template_parses_to_the_defaults() {
        let config = Config::parse(Path::new("slotlint.yaml"), template().as_bytes()).unwrap();
        assert!(
            config.schemas.is_empty() && config.include.is_empty() && config.exclude.is_empty()
        );
        assert_eq!(
            config.options.low_cardinality_max,
            Options::default().low_cardinality_max
        );
        for rule in RULES {
            assert_eq!(
                config.level(rule.id()),
                Some(Level::On(rule.default_severity())),
                "{}",
                rule.id()
            );
        }
    }

    /// Every key `Config::parse` knows (it lists them when it meets an
    /// unknown one) is in the template, with a comment right above it.
    #[test]
    fn template_lists_every_config_key() {
        let error = Config::parse(Path::new("c.yaml"), b"no-such-key: 1\n").unwrap_err();
        let known = error
            .split("(known: ")
            .nth(1)
            .and_then(|s| s.strip_suffix(')'))
            .expect(&error);
        assert_eq!(
            known.split(", ").collect::<Vec<_>>(),
            crate::config::known_keys()
        );
        let template = template();
        let lines: Vec<&str> = template.lines().collect();
        for key in crate::config::known_keys() {
            let at = lines
                .iter()
                .position(|l| l.starts_with(&format!("{key}:")))
                .unwrap_or_else(|| panic!("`{key}` is not in the init template"));
            assert!(
                at > 0 && lines[at - 1].starts_with('#'),
                "`{key}` has no comment"
            );
        }
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(dir.path(), false, &mut out, &mut err).unwrap(), 0);
        std::fs::write(dir.path().join(FILE_NAME), "rules: {}\n").unwrap();
        assert_eq!(run(dir.path(), false, &mut out, &mut err).unwrap(), 2);
        assert!(String::from_utf8_lossy(&err).contains("already exists"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "rules: {}\n"
        );
        assert_eq!(run(dir.path(), true, &mut out, &mut err).unwrap(), 0);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            template()
        );
    }

    #[test]
    fn a_hidden_config_counts_as_existing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".slotlint.yaml"), "").unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(dir.path(), false, &mut out, &mut err).unwrap(), 2);
        assert!(!dir.path().join(FILE_NAME).exists());
    }
}
