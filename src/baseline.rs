//! Baselines, for adopting slotlint in an old codebase: `--write-baseline
//! FILE` records the findings of a run, `--baseline FILE` reports only the
//! findings it does not record. Findings are recorded by path (relative to
//! the baseline file), rule and a fingerprint that does not depend on line
//! numbers, so code moving up or down keeps its findings known.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::report::Located;
use crate::source::SourceFile;

/// The format version this build reads and writes.
pub const VERSION: u32 = 1;

/// The file as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<Entry>,
}

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// Relative to the baseline file's directory, with `/` separators.
    path: String,
    rule: String,
    /// `<16 hex digits>:<n>`: a hash of the rule, the message and the
    /// whitespace-normalized text at the finding, and which of the equal
    /// hashes in the file this is (0 for the first).
    fingerprint: String,
    /// For people reading the file; not compared.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    message: String,
}

/// A loaded baseline.
#[derive(Debug)]
pub struct Baseline {
    /// The absolute directory of the baseline file, which paths are relative to.
    dir: PathBuf,
    entries: Vec<Entry>,
}

/// The largest baseline file read (a device or FIFO named by mistake is refused).
const MAX_BASELINE: u64 = 256 << 20;

impl Baseline {
    /// Reads a baseline file; `cwd` anchors relative paths. Errors are
    /// messages for the user (exit code 2).
    pub fn load(path: &Path, cwd: &Path) -> Result<Baseline, String> {
        let shown = path.display();
        let bytes = crate::source::read_file(path, MAX_BASELINE)
            .and_then(crate::source::decode)
            .map_err(|e| match e {
                crate::source::Unread::Io(e) => format!("{shown}: cannot read baseline: {e}"),
                e => format!("{shown}: the baseline is {e}"),
            })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| format!("{shown}: baseline: not UTF-8 ({})", e.utf8_error()))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            let (line, col) = (e.line(), e.column());
            let full = e.to_string();
            let what = full
                .strip_suffix(&format!(" at line {line} column {col}"))
                .unwrap_or(&full);
            format!("{shown}:{line}:{col}: not a slotlint baseline: {what}")
        })?;
        if file.version != VERSION {
            return Err(format!(
                "{shown}: baseline version {} is not supported (this slotlint reads version {VERSION})",
                file.version
            ));
        }
        Ok(Baseline {
            dir: base_dir(path, cwd),
            entries: file.entries,
        })
    }

    /// Drops the findings the baseline records. Returns how many entries for
    /// the `analyzed` files (display paths) matched no finding: fixed since, or changed.
    pub fn filter(&self, cwd: &Path, analyzed: &[&str], items: &mut Vec<Located<'_>>) -> usize {
        let entries = entries(&self.dir, cwd, items);
        let known: HashSet<(&str, &str, &str)> = self
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.rule.as_str(), e.fingerprint.as_str()))
            .collect();
        let mut matched = HashSet::new();
        let mut keep = entries.iter().map(|e| {
            let key = (e.path.as_str(), e.rule.as_str(), e.fingerprint.as_str());
            let known = known.contains(&key);
            if known {
                matched.insert(key);
            }
            !known
        });
        items.retain(|_| keep.next().unwrap_or(true));
        let analyzed: HashSet<String> = analyzed
            .iter()
            .map(|p| relative(&self.dir, &absolute(cwd, Path::new(p))))
            .collect();
        let stale: HashSet<_> = known
            .iter()
            .filter(|key| analyzed.contains(key.0) && !matched.contains(*key))
            .collect();
        stale.len()
    }
}

/// Writes a baseline recording `items` to `path`; returns how many findings it records.
pub fn write(path: &Path, cwd: &Path, items: &[Located<'_>]) -> Result<usize, String> {
    let mut entries = entries(&base_dir(path, cwd), cwd, items);
    entries.sort();
    entries.dedup();
    let count = entries.len();
    let file = BaselineFile {
        version: VERSION,
        entries,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("{}: cannot write baseline: {e}", path.display()))?;
    Ok(count)
}

/// The entries for `items` (sorted by file and position), in the same order.
fn entries(dir: &Path, cwd: &Path, items: &[Located<'_>]) -> Vec<Entry> {
    let mut seen: std::collections::HashMap<(&str, u64), usize> = std::collections::HashMap::new();
    items
        .iter()
        .map(|item| {
            let hash = fingerprint(item.file, item.finding);
            let occurrence = seen.entry((item.file.path.as_str(), hash)).or_insert(0);
            let entry = Entry {
                path: relative(dir, &absolute(cwd, Path::new(&item.file.path))),
                rule: item.finding.rule.to_string(),
                fingerprint: format!("{hash:016x}:{occurrence}"),
                message: item.finding.message.clone(),
            };
            *occurrence += 1;
            entry
        })
        .collect()
}

/// The line-independent hash of a finding: rule, message (messages name keys
/// and slots, never lines) and the text at the finding with runs of blanks
/// made one space. FNV-1a, so it is the same on every platform and release.
fn fingerprint(file: &SourceFile, finding: &Finding) -> u64 {
    let span = file
        .text
        .get(finding.span.start..finding.span.end)
        .unwrap_or_default();
    let text = String::from_utf8_lossy(span);
    let mut h = Fnv::default();
    h.write(finding.rule.as_bytes());
    h.write(&[0]);
    h.write(finding.message.as_bytes());
    h.write(&[0]);
    for (i, word) in text.split_ascii_whitespace().enumerate() {
        if i > 0 {
            h.write(b" ");
        }
        h.write(word.as_bytes());
    }
    h.0
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The absolute directory of the baseline file.
fn base_dir(path: &Path, cwd: &Path) -> PathBuf {
    let abs = absolute(cwd, path);
    let dir = abs.parent().map_or_else(|| abs.clone(), Path::to_path_buf);
    dir.canonicalize().unwrap_or(dir)
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` relative to the directory `from`, `/`-separated.
fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::model::Span;

    fn finding(text: &str, needle: &str, message: &str) -> Finding {
        let start = text.find(needle).unwrap();
        Finding::new(
            "SL002",
            Severity::Error,
            Span::new(start, start + needle.len()),
            message,
        )
    }

    fn prints(text: &str, needles: &[&str]) -> Vec<String> {
        let file = SourceFile::new("a/x.redis", text.as_bytes().to_vec());
        let findings: Vec<Finding> = needles
            .iter()
            .map(|n| finding(text, n, "`MGET` spans hash slots"))
            .collect();
        let items = Located::all_in(&file, &findings);
        entries(Path::new("/w"), Path::new("/w"), &items)
            .into_iter()
            .map(|e| format!("{} {} {}", e.path, e.rule, e.fingerprint))
            .collect()
    }

    #[test]
    fn fingerprints_ignore_lines_and_blank_runs() {
        let before = prints("MGET a b\n", &["MGET a b"]);
        let after = prints("GET x\n\n\nMGET  a\tb\n", &["MGET  a\tb"]);
        assert_eq!(before, after);
        assert_ne!(before, prints("MGET a c\n", &["MGET a c"]));
    }

    #[test]
    fn equal_findings_are_numbered() {
        let p = prints("MGET a b\nMGET a b\n", &["MGET a b", "MGET a b"]);
        assert!(p[0].ends_with(":0") && p[1].ends_with(":1"), "{p:?}");
        assert_eq!(p[0].split(':').next(), p[1].split(':').next());
        assert!(p[0].starts_with("a/x.redis SL002 "));
    }

    #[test]
    fn paths_are_relative_to_the_baseline() {
        assert_eq!(
            relative(Path::new("/w/sub"), Path::new("/w/a/b.redis")),
            "../a/b.redis"
        );
        assert_eq!(
            relative(
                Path::new("/w"),
                &absolute(Path::new("/w/a"), Path::new("./b/../c.lua"))
            ),
            "a/c.lua"
        );
    }

    #[test]
    fn load_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        let path = cwd.join("b.json");
        assert!(Baseline::load(&path, cwd)
            .unwrap_err()
            .contains("cannot read baseline"));
        std::fs::write(&path, "{\"version\": 1,\n \"entries\": 3}").unwrap();
        let e = Baseline::load(&path, cwd).unwrap_err();
        assert!(
            e.contains("b.json:2:") && e.contains("not a slotlint baseline"),
            "{e}"
        );
        std::fs::write(&path, "{\"version\": 9, \"entries\": []}").unwrap();
        assert!(Baseline::load(&path, cwd)
            .unwrap_err()
            .contains("version 9 is not supported"));
    }

    #[test]
    fn round_trip_filters_known_findings_and_counts_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        let text = "MGET a b\nMGET c d\n";
        let file = SourceFile::new("x.redis", text.as_bytes().to_vec());
        let f1 = finding(text, "MGET a b", "one");
        let f2 = finding(text, "MGET c d", "two");
        let path = cwd.join("baseline.json");
        let items = vec![Located {
            file: &file,
            finding: &f1,
        }];
        assert_eq!(write(&path, cwd, &items).unwrap(), 1);
        let baseline = Baseline::load(&path, cwd).unwrap();
        let mut items = vec![
            Located {
                file: &file,
                finding: &f1,
            },
            Located {
                file: &file,
                finding: &f2,
            },
        ];
        assert_eq!(baseline.filter(cwd, &["x.redis"], &mut items), 0);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].finding.message, "two");
        let mut none = Vec::new();
        assert_eq!(baseline.filter(cwd, &["x.redis"], &mut none), 1);
        assert_eq!(baseline.filter(cwd, &[], &mut none), 0);
    }
}
