//! Executable docs: every example in `rules/SLnnn.md` gives exactly the
//! output the `text` block after it shows, and its "Use instead" blocks give
//! none. Every block exits as the CLI promises: 1 when it has a finding at or
//! above warning, else 0, and never 2 (a usage, config or schema error). A
//! ```` ```yaml file=NAME ```` block in the example section is written beside
//! them (a `slotlint.yaml`, a schema).

use std::process::Command;

use slotlint::rules::RULES;

/// The fenced blocks of the section under `heading`, as (fence info, body).
fn blocks<'a>(doc: &'a str, heading: &str) -> Vec<(&'a str, String)> {
    let Some(start) = doc.find(heading).map(|at| at + heading.len()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut open: Option<(&str, String)> = None;
    for line in doc[start..].lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info, String::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) if line.starts_with("## ") => break,
            (None, None) => {}
        }
    }
    out
}

/// One example block linted.
struct Linted {
    /// The findings of the documented rule, one gcc line each.
    findings: String,
    /// What is wrong with the exit code, if anything.
    exit_problem: Option<String>,
}

/// Lints one example block as a file of its language, beside the example's
/// companion files (`slotlint.yaml`, a schema).
fn lint(fence: &str, body: &str, rule: &str, companions: &[(&str, String)]) -> Linted {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in companions {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let name = slotlint::lang::Language::from_fence(fence)
        .unwrap_or_else(|| panic!("{rule}: unknown example fence `{fence}`"))
        .file_name("example");
    let name = name.as_str();
    std::fs::write(dir.path().join(name), body).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .current_dir(dir.path())
        .args(["check", "--format", "gcc", name])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let code = out.status.code().unwrap_or(-1);
    let fails = stdout
        .lines()
        .any(|l| l.contains(": error: ") || l.contains(": warning: "));
    let exit_problem = (code != i32::from(fails)).then(|| {
        format!(
            "exit code {code}, expected {} ({}); stdout:\n{stdout}stderr:\n{}",
            i32::from(fails),
            if fails {
                "a finding at or above warning"
            } else {
                "nothing at or above warning"
            },
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let tag = format!("[{rule}]");
    let findings =
        stdout
            .lines()
            .filter(|l| l.ends_with(&tag))
            .fold(String::new(), |mut acc, l| {
                acc.push_str(l);
                acc.push('\n');
                acc
            });
    Linted {
        findings,
        exit_problem,
    }
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
        // Each example block is followed by the output it gives.
        // ```yaml file=NAME blocks are files the examples run beside.
        let mut examples = blocks(doc, "## Example");
        let companions: Vec<(&str, String)> = examples
            .iter()
            .filter_map(|(info, body)| Some((info.strip_prefix("yaml file=")?, body.clone())))
            .collect();
        examples.retain(|(info, _)| !info.starts_with("yaml file="));
        let pairs: Vec<_> = examples
            .windows(2)
            .filter(|w| w[0].0 != "text" && w[1].0 == "text")
            .collect();
        assert!(!pairs.is_empty(), "{id}: no example with its output");
        for pair in pairs {
            let ((fence, example), (_, expected)) = (&pair[0], &pair[1]);
            let linted = lint(fence, example, id, &companions);
            if linted.findings != *expected {
                failures.push(format!(
                    "{id} example:\n--- doc\n{expected}--- actual\n{}",
                    linted.findings
                ));
            }
            if let Some(problem) = linted.exit_problem {
                failures.push(format!("{id} example: {problem}"));
            }
        }
        let fixes = blocks(doc, "## Use instead");
        assert!(!fixes.is_empty(), "{id}: no fix");
        for (fence, fixed) in fixes.iter().filter(|(f, _)| *f != "text") {
            let linted = lint(fence, fixed, id, &companions);
            if !linted.findings.is_empty() {
                failures.push(format!(
                    "{id} use-instead block still triggers:\n{}",
                    linted.findings
                ));
            }
            if let Some(problem) = linted.exit_problem {
                failures.push(format!("{id} use-instead block: {problem}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
