//! The editor's settings (`initializationOptions`, and the `slotlint`
//! section of `workspace/didChangeConfiguration`) and where the rule pages
//! that diagnostics and hovers link to are.

use std::path::PathBuf;
use std::time::Duration;

use lsp_types::Uri;
use serde_json::Value;

use crate::finding::Certainty;

/// What the editor can set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// `configPath`: the config file (`--config`), relative to the root.
    pub(crate) config: Option<PathBuf>,
    /// `minCertainty`: as `--min-certainty`.
    pub(crate) min_certainty: Option<Certainty>,
    /// `workspaceDiagnostics`: lint the workspace's files that are not open.
    pub(crate) workspace_diagnostics: bool,
    /// `debounceMs`: how long a burst of changes must rest before the lint
    /// (a change after a rest is linted at once).
    pub(crate) debounce: Duration,
    /// `ruleDocsUrl`: where rule pages are, `{rule}` standing for the id.
    pub(crate) rule_docs: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            config: None,
            min_certainty: None,
            workspace_diagnostics: true,
            debounce: Duration::from_millis(100),
            rule_docs: None,
        }
    }
}

impl Settings {
    /// Takes the settings `value` names (under `slotlint`, or at the top);
    /// returns what it could not read. Unknown keys are someone else's.
    pub(crate) fn update(&mut self, value: &Value) -> Vec<String> {
        let value = value.get("slotlint").unwrap_or(value);
        let Some(map) = value.as_object() else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for (key, v) in map {
            let ok = match key.as_str() {
                "configPath" => match v {
                    Value::Null => {
                        self.config = None;
                        true
                    }
                    Value::String(s) => {
                        self.config = Some(PathBuf::from(s));
                        true
                    }
                    _ => false,
                },
                "minCertainty" => match v.as_str() {
                    _ if v.is_null() => {
                        self.min_certainty = None;
                        true
                    }
                    Some("proven") => {
                        self.min_certainty = Some(Certainty::Proven);
                        true
                    }
                    Some("likely") => {
                        self.min_certainty = Some(Certainty::Likely);
                        true
                    }
                    Some("possible") => {
                        self.min_certainty = Some(Certainty::Possible);
                        true
                    }
                    _ => false,
                },
                "workspaceDiagnostics" => v
                    .as_bool()
                    .map(|b| self.workspace_diagnostics = b)
                    .is_some(),
                "debounceMs" => v
                    .as_u64()
                    .filter(|&ms| ms <= 5000)
                    .map(|ms| self.debounce = Duration::from_millis(ms))
                    .is_some(),
                "ruleDocsUrl" => match v {
                    Value::Null => {
                        self.rule_docs = None;
                        true
                    }
                    Value::String(s) if s.contains("{rule}") => {
                        self.rule_docs = Some(s.clone());
                        true
                    }
                    _ => false,
                },
                _ => true,
            };
            if !ok {
                problems.push(format!("setting `{key}`: {v} is not a valid value"));
            }
        }
        problems
    }
}

/// Where rule pages are: the `ruleDocsUrl` setting, else the pages
/// (`rules/SLnnn.md`, the text `slotlint explain` prints) written once to
/// the user's cache directory, so that a link opens the page of the very
/// version that reported the finding.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pages {
    template: Option<String>,
    dir: Option<PathBuf>,
}

impl Pages {
    pub(crate) fn new(template: Option<String>) -> Pages {
        let dir = if template.is_none() { written() } else { None };
        Pages { template, dir }
    }

    /// The page of `rule` (`SL004`).
    pub(crate) fn uri(&self, rule: &str) -> Option<Uri> {
        if let Some(t) = &self.template {
            return t.replace("{rule}", rule).parse().ok();
        }
        super::documents::path_uri(&self.dir.as_ref()?.join(format!("{rule}.md")))
    }
}

/// The rule pages in `$XDG_CACHE_HOME/slotlint/VERSION/rules/` (or
/// `~/.cache/…`), written when missing or different.
fn written() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let dir = cache
        .join("slotlint")
        .join(env!("CARGO_PKG_VERSION"))
        .join("rules");
    std::fs::create_dir_all(&dir).ok()?;
    for rule in crate::rules::RULES {
        let path = dir.join(format!("{}.md", rule.id()));
        if std::fs::read(&path).ok().as_deref() != Some(rule.doc().as_bytes()) {
            // Written aside and renamed: another server may be reading it.
            let aside = dir.join(format!(".{}.md.{}", rule.id(), std::process::id()));
            std::fs::write(&aside, rule.doc()).ok()?;
            std::fs::rename(&aside, &path).ok()?;
        }
    }
    Some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_are_read_under_slotlint_or_at_the_top() {
        let mut s = Settings::default();
        let problems = s.update(&json!({ "slotlint": {
            "minCertainty": "likely", "debounceMs": 5, "workspaceDiagnostics": false,
            "configPath": "ci/slotlint.yaml", "other": 1 } }));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.min_certainty, Some(Certainty::Likely));
        assert_eq!(s.debounce, Duration::from_millis(5));
        assert!(!s.workspace_diagnostics);
        assert_eq!(s.config, Some(PathBuf::from("ci/slotlint.yaml")));
        let problems = s.update(&json!({ "minCertainty": "sure", "ruleDocsUrl": "https://x/" }));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(s.min_certainty, Some(Certainty::Likely));
        s.update(&json!({ "minCertainty": null, "ruleDocsUrl": "https://x/{rule}.html" }));
        assert_eq!(s.min_certainty, None);
        let pages = Pages::new(s.rule_docs.clone());
        assert_eq!(pages.uri("SL004").unwrap().as_str(), "https://x/SL004.html");
    }
}
