//! Executable docs: the example in every `rules/SLnnn.md` gives exactly the
//! output the doc shows, and its "Use instead" block gives none.

use std::process::Command;

use slotlint::rules::RULES;

/// The first fenced block after `heading`, as (fence info, body).
fn block_after<'a>(
    doc: &'a str,
    heading: &str,
    from_fence: Option<&str>,
) -> Option<(&'a str, String)> {
    let start = doc.find(heading)? + heading.len();
    let rest = &doc[start..];
    let mut lines = rest.lines();
    let mut info = None;
    let mut body = String::new();
    for line in lines.by_ref() {
        if let Some(i) = line.strip_prefix("```") {
            if from_fence.is_none_or(|f| f == i) {
                info = Some(i);
                break;
            }
        }
        if line.starts_with("## ") {
            return None;
        }
    }
    let info = info?;
    for line in lines {
        if line.starts_with("```") {
            return Some((info, body));
        }
        body.push_str(line);
        body.push('\n');
    }
    None
}

fn lint(fence: &str, body: &str, rule: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let name = match fence {
        "redis" => "example.redis",
        "yaml" => "example.keys.yaml",
        "lua" => "example.lua",
        "python" => "example.py",
        "javascript" => "example.js",
        other => panic!("{rule}: unknown example fence `{other}`"),
    };
    std::fs::write(dir.path().join(name), body).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .current_dir(dir.path())
        .args(["check", "--format", "gcc", name])
        .output()
        .unwrap();
    let tag = format!("[{rule}]");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.ends_with(&tag))
        .fold(String::new(), |mut acc, l| {
            acc.push_str(l);
            acc.push('\n');
            acc
        })
}

#[test]
fn examples_give_the_documented_output() {
    let mut failures = Vec::new();
    for rule in RULES {
        let doc = rule.doc();
        let id = rule.id();
        assert!(
            doc.contains(&format!("summary: {}", rule.summary())),
            "{id}: summary differs from the doc"
        );
        for section in [
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Use instead",
            "## Configuration",
            "## Known limits",
        ] {
            assert!(doc.contains(section), "{id}: missing section {section}");
        }
        let (fence, example) =
            block_after(doc, "## Example", None).unwrap_or_else(|| panic!("{id}: no example"));
        let (_, expected) = block_after(doc, "## Example", Some("text"))
            .unwrap_or_else(|| panic!("{id}: no expected output"));
        let actual = lint(fence, &example, id);
        if actual != expected {
            failures.push(format!(
                "{id} example:\n--- doc\n{expected}--- actual\n{actual}"
            ));
        }
        let (fence, fixed) =
            block_after(doc, "## Use instead", None).unwrap_or_else(|| panic!("{id}: no fix"));
        let actual = lint(fence, &fixed, id);
        if !actual.is_empty() {
            failures.push(format!("{id} use-instead block still triggers:\n{actual}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
