//! `per-path:` in `slotlint.yaml`: rule levels for the files a glob matches
//! (ruff's `per-file-ignores`, with levels). Globs are `.gitignore`-style and
//! relative to the config file's directory, like `include`/`exclude`.
//!
//! Where several globs match a file, the most specific one that sets a level
//! for the rule (by id, by name, or `*`) decides: the glob with the longest
//! literal text before its first wildcard (`*`, `?`, `[`; a leading `/` does
//! not count); on a tie, the one written later. Within one glob, the rule
//! named explicitly beats `*`.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use marked_yaml::{Node, Span as YamlSpan};

use super::Level;
use crate::rules;

/// Which rules an entry's level is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    /// `*`: every rule.
    All,
    /// One rule, by id.
    One(&'static str),
}

/// One `GLOB: { RULE: LEVEL, … }` entry.
#[derive(Debug, Clone)]
struct Entry {
    matcher: Gitignore,
    /// The length of the literal text before the first wildcard.
    specificity: usize,
    levels: Vec<(Rules, Level)>,
}

impl Entry {
    /// The level this entry sets for `rule`: the rule's own, else `*`'s.
    fn level(&self, rule: &str) -> Option<Level> {
        let named = |want: Rules| {
            self.levels
                .iter()
                .rev()
                .find(|(r, _)| *r == want)
                .map(|(_, l)| *l)
        };
        rules::find(rule)
            .and_then(|r| named(Rules::One(r.id())))
            .or_else(|| named(Rules::All))
    }

    /// Whether the file `abs` (under `root`), or a directory above it below
    /// `root`, matches the glob.
    fn matches(&self, root: &Path, abs: &Path) -> bool {
        self.matcher.matched(abs, false).is_ignore()
            || abs
                .ancestors()
                .skip(1)
                .take_while(|dir| *dir != root && dir.starts_with(root))
                .any(|dir| self.matcher.matched(dir, true).is_ignore())
    }
}

/// The `per-path:` table of a config.
#[derive(Debug, Clone, Default)]
pub struct PerPath {
    /// The config file's directory, absolute: what the globs are relative to.
    root: PathBuf,
    entries: Vec<Entry>,
}

/// The entries of a [`PerPath`] that match one file, in the order written.
pub struct Matched<'a>(Vec<&'a Entry>);

impl Matched<'_> {
    /// The level the most specific matching glob sets for `rule`, if any.
    pub fn level(&self, rule: &str) -> Option<Level> {
        // `max_by_key` keeps the last of equal maxima: the later glob wins a tie.
        self.0
            .iter()
            .filter_map(|e| e.level(rule).map(|level| (e.specificity, level)))
            .max_by_key(|(specificity, _)| *specificity)
            .map(|(_, level)| level)
    }
}

impl PerPath {
    /// The entries that match `path`, which is absolute or relative to `anchor`.
    /// Files outside the config's directory match nothing.
    pub fn matching(&self, anchor: &Path, path: &str) -> Matched<'_> {
        if self.entries.is_empty() || path == "-" {
            return Matched(Vec::new());
        }
        let abs = crate::discover::absolute(anchor, Path::new(path));
        if !abs.starts_with(&self.root) || abs == self.root {
            return Matched(Vec::new());
        }
        Matched(
            self.entries
                .iter()
                .filter(|e| e.matches(&self.root, &abs))
                .collect(),
        )
    }

    /// Reads `per-path: { GLOB: { RULE: LEVEL } }`; `root` is the config
    /// file's directory, absolute.
    pub fn parse(
        root: &Path,
        value: &Node,
        err: &dyn Fn(&YamlSpan, String) -> String,
    ) -> Result<PerPath, String> {
        let shape = "`per-path` maps globs to rule levels, e.g. `\"tests/**\": { SL001: off }`";
        let map = super::mapping(value, shape, err)?;
        let mut entries = Vec::new();
        for (glob, table) in map.iter() {
            let glob_text = glob.as_str();
            let matcher = matcher(root, glob_text).map_err(|e| err(glob.span(), e))?;
            let table = table.as_mapping().ok_or_else(|| {
                err(
                    table.span(),
                    format!("the levels of `{glob_text}` must map rule ids or names (or `*`) to error, warning, info or off"),
                )
            })?;
            let mut levels = Vec::new();
            for (rule, level) in table.iter() {
                let which = if rule.as_str() == "*" {
                    Rules::All
                } else {
                    let found = rules::find(rule.as_str()).ok_or_else(|| {
                        err(
                            rule.span(),
                            format!(
                                "unknown rule `{}` in per-path `{glob_text}` (see `slotlint rules`; `*` is every rule)",
                                rule.as_str()
                            ),
                        )
                    })?;
                    Rules::One(found.id())
                };
                let parsed = super::parse_level(level).ok_or_else(|| {
                    let name = match which {
                        Rules::All => "`*`".to_string(),
                        Rules::One(id) => id.to_string(),
                    };
                    err(
                        level.span(),
                        format!("the level of {name} for `{glob_text}` must be error, warning, info or off"),
                    )
                })?;
                levels.push((which, parsed));
            }
            entries.push(Entry {
                matcher,
                specificity: specificity(glob_text),
                levels,
            });
        }
        Ok(PerPath {
            root: root.to_path_buf(),
            entries,
        })
    }
}

/// A matcher for one glob, or what is wrong with it.
fn matcher(root: &Path, glob: &str) -> Result<Gitignore, String> {
    if glob.trim().is_empty() {
        return Err("a per-path glob cannot be empty".into());
    }
    if glob.starts_with('!') {
        return Err(format!(
            "a per-path glob cannot be negated (`{glob}`); set the level on a more specific glob instead"
        ));
    }
    crate::discover::check_glob(glob)?;
    let mut builder = GitignoreBuilder::new(root);
    builder.allow_unclosed_class(false);
    builder
        .add_line(None, glob)
        .map_err(|e| format!("invalid glob `{glob}`: {e}"))?;
    builder
        .build()
        .map_err(|e| format!("invalid glob `{glob}`: {e}"))
}

/// How specific a glob is: the length of its literal text before the first
/// wildcard, without a leading `/` (which only anchors it).
fn specificity(glob: &str) -> usize {
    let glob = glob.strip_prefix('/').unwrap_or(glob);
    glob.find(['*', '?', '[']).unwrap_or(glob.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn per_path(text: &str) -> Result<PerPath, String> {
        let root = marked_yaml::parse_yaml(0, text).unwrap();
        PerPath::parse(Path::new("/p"), &root, &|span, message| {
            let (line, col) = span.start().map_or((0, 0), |m| (m.line(), m.column()));
            format!("{line}:{col}: {message}")
        })
    }

    fn level(p: &PerPath, path: &str, rule: &str) -> Option<Level> {
        p.matching(Path::new("/p"), path).level(rule)
    }

    #[test]
    fn most_specific_glob_wins_per_rule() {
        let p = per_path(concat!(
            "\"examples/**\": { \"*\": info }\n",
            "\"examples/legacy/**\": { SL002: off }\n",
            "\"tests/**\": { SL001: off }\n",
            "\"tests/cluster/**\": { \"*\": error }\n",
            "\"*.lua\": { SL007: warning }\n",
        ))
        .unwrap();
        let info = Some(Level::On(Severity::Info));
        assert_eq!(level(&p, "examples/a.redis", "SL001"), info);
        assert_eq!(
            level(&p, "examples/legacy/a.redis", "SL002"),
            Some(Level::Off)
        );
        // The legacy glob says nothing of SL001: the examples glob decides.
        assert_eq!(level(&p, "examples/legacy/a.redis", "SL001"), info);
        assert_eq!(
            level(&p, "tests/a.redis", "cross-slot-transaction"),
            Some(Level::Off)
        );
        assert_eq!(level(&p, "tests/a.redis", "SL002"), None);
        assert_eq!(
            level(&p, "tests/cluster/a.redis", "SL001"),
            Some(Level::On(Severity::Error))
        );
        // `*.lua` (3 literal characters) loses to `examples/**` (9).
        assert_eq!(level(&p, "examples/s.lua", "SL007"), info);
        assert_eq!(
            level(&p, "src/deep/s.lua", "SL007"),
            Some(Level::On(Severity::Warning))
        );
        assert_eq!(level(&p, "src/a.redis", "SL001"), None);
        // Outside the config's directory, and standard input: no match.
        assert_eq!(level(&p, "/elsewhere/tests/a.redis", "SL001"), None);
        assert_eq!(level(&p, "../tests/a.redis", "SL001"), None);
        assert_eq!(level(&p, "-", "SL001"), None);
        assert_eq!(level(&p, "/p/tests/a.redis", "SL001"), Some(Level::Off));
    }

    #[test]
    fn ties_go_to_the_later_glob_and_a_named_rule_beats_star() {
        let p = per_path("\"a/*\": { SL001: off }\n\"a/?\": { SL001: info }\n").unwrap();
        assert_eq!(level(&p, "a/b", "SL001"), Some(Level::On(Severity::Info)));
        let p = per_path("\"a/\": { SL001: info, \"*\": off }\n").unwrap();
        assert_eq!(
            level(&p, "a/b/c.redis", "SL001"),
            Some(Level::On(Severity::Info))
        );
        assert_eq!(level(&p, "a/b/c.redis", "SL002"), Some(Level::Off));
        // `a/` is a directory glob, as in .gitignore: any `a` directory.
        assert_eq!(level(&p, "x/a/c.redis", "SL002"), Some(Level::Off));
        assert_eq!(level(&p, "ab/c.redis", "SL002"), None);
    }

    #[test]
    fn mistakes_point_at_the_line() {
        assert_eq!(
            per_path("\"tests/[**\": { SL001: off }\n").unwrap_err(),
            "1:1: invalid glob `tests/[**`: unclosed character class; missing ']'"
        );
        assert_eq!(
            per_path("tests/: { SL999: off }\n").unwrap_err(),
            "1:11: unknown rule `SL999` in per-path `tests/` (see `slotlint rules`; `*` is every rule)"
        );
        assert_eq!(
            per_path("tests/:\n  \"*\": quiet\n").unwrap_err(),
            "2:8: the level of `*` for `tests/` must be error, warning, info or off"
        );
        assert!(per_path("tests/: off\n")
            .unwrap_err()
            .starts_with("1:9: the levels of `tests/` must map"));
        assert!(per_path("\"!tests/\": { SL001: off }\n")
            .unwrap_err()
            .starts_with("1:1: a per-path glob cannot be negated"));
        assert!(per_path("\"\": { SL001: off }\n")
            .unwrap_err()
            .starts_with("1:1: a per-path glob cannot be empty"));
    }

    #[test]
    fn specificity_counts_literal_text_before_the_first_wildcard() {
        assert_eq!(specificity("tests/**"), 6);
        assert_eq!(specificity("/tests/**"), 6);
        assert_eq!(specificity("tests/unit/"), 11);
        assert_eq!(specificity("**/*.py"), 0);
        assert_eq!(specificity("src/[ab]/x"), 4);
        assert_eq!(specificity("src/?.lua"), 4);
    }
}
