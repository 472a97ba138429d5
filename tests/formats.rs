//! Output formats end to end, through the binary: one snapshot test per
//! renderer (`fixtures/format/expected.<format>`; `SLOTLINT_BLESS=1` writes a
//! changed one to `expected.<format>.new` for `scripts/bless`), SARIF
//! validated against the official 2.1.0 schema, the JSON schema's documented
//! fields, GitHub workflow-command escaping, and the stdin path editors use.
//! Each test is a function listed in `main` (this file has its own test
//! harness, so `#[test]` would not run).

mod common;
mod golden;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::output_with_stdin;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

const FORMATS: &[&str] = &["human", "gcc", "json", "json-lines", "sarif", "github"];

/// The official schema, in `shared/` beside the repository.
const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/sarif-schema-2.1.0.json"
);

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/format")
}

/// Runs `slotlint check --no-config --color never ARGS…` in `dir`.
fn check(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let (output, written) = output_with_stdin(
        Command::new(env!("CARGO_BIN_EXE_slotlint"))
            .current_dir(dir)
            .args(["check", "--no-config", "--color", "never"])
            .args(args),
        stdin.unwrap_or_default(),
    );
    written.unwrap();
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// The snapshot input in one format.
fn render(format: &str) -> (String, i32) {
    let output = check(&fixture_dir(), &["--format", format, "input.redis"], None);
    assert!(
        output.stderr.is_empty(),
        "--format {format}: unexpected stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (stdout(&output), output.status.code().unwrap_or(-1))
}

/// Keeps the SARIF snapshot about rendering: the driver's version and its rule
/// catalog (every rule doc, verbatim) change for other reasons, and are
/// checked by `sarif_driver_lists_every_rule` instead.
fn redact_sarif(text: &str) -> String {
    let version = format!("\"version\": \"{}\",", env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with(&version) {
            out.push(line.replace(env!("CARGO_PKG_VERSION"), "[VERSION]"));
        } else if line.trim_start() == "\"rules\": [" {
            let indent = &line[..line.len() - line.trim_start().len()];
            for inner in lines.by_ref() {
                if inner == format!("{indent}]") {
                    break;
                }
            }
            out.push(format!(
                "{indent}\"rules\": \"[REDACTED: every rule; see sarif_driver_lists_every_rule]\""
            ));
        } else {
            out.push(line.to_owned());
        }
    }
    out.join("\n") + "\n"
}

/// One renderer's output of the snapshot input, compared with its snapshot.
fn check_snapshot(format: &str) -> Result<(), Failed> {
    let (mut actual, code) = render(format);
    if format == "sarif" {
        actual = redact_sarif(&actual);
    }
    let mut problems = Vec::new();
    // Exit codes do not depend on the format: the input has an error.
    if code != 1 {
        problems.push(format!("--format {format}: exit code {code}, expected 1"));
    }
    if let Err(e) = golden::compare(&fixture_dir().join(format!("expected.{format}")), &actual) {
        problems.push(format!("--format {format}: {e}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The SARIF schema compiled, or `None` (skipped loudly) outside CI when
/// `shared/` is not beside the repository.
#[allow(clippy::print_stderr)] // a skipped validation must be loud
fn sarif_validator() -> Option<(boon::Schemas, boon::SchemaIndex)> {
    let text = match std::fs::read_to_string(SARIF_SCHEMA) {
        Ok(text) => text,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: SARIF schema validation: cannot read {SARIF_SCHEMA}: {e}");
            return None;
        }
        Err(e) => panic!("cannot read the SARIF schema {SARIF_SCHEMA}: {e}"),
    };
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    // Draft-04's `format` is asserted by boon: URIs must be URIs.
    compiler.enable_format_assertions();
    compiler
        .add_resource("file:///sarif-schema-2.1.0.json", schema)
        .unwrap();
    let index = compiler
        .compile("file:///sarif-schema-2.1.0.json", &mut schemas)
        .unwrap_or_else(|e| panic!("{e:#}"));
    Some((schemas, index))
}

fn assert_valid_sarif(validator: &(boon::Schemas, boon::SchemaIndex), text: &str, what: &str) {
    let log: Value = serde_json::from_str(text).expect("SARIF is JSON");
    if let Err(e) = validator.0.validate(&log, validator.1) {
        panic!("{what}: SARIF log does not validate:\n{e:#}\n{text}");
    }
}

fn sarif_validates_against_the_official_schema() {
    let Some(validator) = sarif_validator() else {
        return;
    };
    assert_valid_sarif(&validator, &render("sarif").0, "snapshot input");

    // An empty run, and a path that needs percent-encoding in its URI.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.redis"), "GET {user:1}:name\n").unwrap();
    let output = check(dir.path(), &["--format", "sarif", "clean.redis"], None);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_valid_sarif(&validator, &text, "no findings");
    let log: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));

    let name = "odd dir/a:b,c%d#é.redis";
    std::fs::create_dir(dir.path().join("odd dir")).unwrap();
    std::fs::write(dir.path().join(name), "KEYS *\n").unwrap();
    let output = check(dir.path(), &["--format", "sarif", name], None);
    let text = stdout(&output);
    assert_valid_sarif(&validator, &text, "odd path");
    let log: Value = serde_json::from_str(&text).unwrap();
    let artifact =
        &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "odd%20dir/a%3Ab%2Cc%25d%23%C3%A9.redis");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");

    // The validator is not vacuous: a broken log is rejected.
    let mut broken: Value = serde_json::from_str(&render("sarif").0).unwrap();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(validator.0.validate(&broken, validator.1).is_err());
    // Formats are asserted too: an unencoded space is no URI reference.
    let mut broken: Value = serde_json::from_str(&render("sarif").0).unwrap();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"] = Value::from("odd dir/a.redis");
    assert!(validator.0.validate(&broken, validator.1).is_err());
}

fn sarif_driver_lists_every_rule() {
    let log: Value = serde_json::from_str(&render("sarif").0).unwrap();
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "slotlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), slotlint::rules::RULES.len());
    for (descriptor, rule) in rules.iter().zip(slotlint::rules::RULES) {
        assert_eq!(descriptor["id"], rule.id());
        assert_eq!(descriptor["name"], rule.name());
        assert_eq!(descriptor["shortDescription"]["text"], rule.summary());
        let help = descriptor["help"]["markdown"].as_str().unwrap();
        assert!(
            !help.starts_with("---") && rule.doc().ends_with(help),
            "{}",
            rule.id()
        );
        assert_eq!(descriptor["help"]["text"], help);
        assert!(!descriptor["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
        let level = match rule.default_severity().as_str() {
            "info" => "note",
            other => other,
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level);
    }
    for result in run["results"].as_array().unwrap() {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let hash = result["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        let (hex, count) = hash.split_once(':').unwrap();
        assert!(
            hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hash}"
        );
        assert!(count.parse::<u32>().unwrap() >= 1, "{hash}");
    }
}

fn json_has_the_documented_fields() {
    let document: Value = serde_json::from_str(&render("json").0).unwrap();
    assert_eq!(document["version"], 1);
    let findings = document["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    for f in findings {
        let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "certainty",
                "end",
                "fix",
                "help",
                "keys",
                "label",
                "message",
                "name",
                "notes",
                "path",
                "rule",
                "severity",
                "start"
            ]
        );
        for position in [&f["start"], &f["end"]] {
            assert!(position["line"].as_u64().unwrap() >= 1);
            assert!(position["column"].as_u64().unwrap() >= 1);
        }
        assert_eq!(f["path"], "input.redis");
        assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
        assert!(["proven", "likely", "possible"].contains(&f["certainty"].as_str().unwrap()));
        let rule = slotlint::rules::find(f["rule"].as_str().unwrap()).unwrap();
        assert_eq!(f["name"], rule.name());
        assert!(f["help"].is_string() || f["help"].is_null());
        assert!(f["notes"].as_array().unwrap().iter().all(Value::is_string));
        for key in f["keys"].as_array().unwrap() {
            assert!(key["span"]["start"]["line"].as_u64().unwrap() >= 1);
            assert!(key["span"]["end"]["column"].as_u64().unwrap() >= 1);
            assert!(key["label"].is_string());
        }
    }
    let sl001 = &findings[0];
    assert_eq!(sl001["rule"], "SL001");
    assert_eq!(
        sl001["keys"][0]["label"],
        "`user:1:name`: slot 12440, no tag"
    );
    // Columns count characters: `KEYS menu:café:🍰*` is 17 of them (21
    // bytes, 18 UTF-16 units), so the exclusive end is column 18.
    assert_eq!(findings[2]["end"]["column"], 18);
    assert_eq!(
        document["summary"],
        serde_json::json!({"errors": 1, "warnings": 2, "infos": 0})
    );

    // json-lines: the same objects, one a line.
    let lines = render("json-lines").0;
    let objects: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&objects, findings);
}

fn no_findings_means_empty_output_or_an_empty_document() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.redis"), "GET {user:1}:name\n").unwrap();
    for format in FORMATS {
        let output = check(dir.path(), &["--format", format, "clean.redis"], None);
        assert_eq!(output.status.code(), Some(0), "--format {format}");
        let text = stdout(&output);
        match *format {
            "json" => assert_eq!(
                serde_json::from_str::<Value>(&text).unwrap(),
                serde_json::json!({
                    "version": 1,
                    "findings": [],
                    "summary": {"errors": 0, "warnings": 0, "infos": 0}
                })
            ),
            "sarif" => {
                let log: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
            }
            _ => assert_eq!(text, "", "--format {format}"),
        }
    }
}

fn github_escapes_paths_and_messages_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    // Every character the runner needs escaped, in a path and in a message.
    let name = "a,b: 100%\r\nc.redis";
    std::fs::write(
        dir.path().join(name),
        "MULTI\nSET 100%,a:1 x\nSET b:2 y\nEXEC\n",
    )
    .unwrap();
    let output = check(dir.path(), &["--format", "github", name], None);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    let expected_start = "::error file=a%2Cb%3A 100%25%0D%0Ac.redis,line=1,col=1,endLine=1,endColumn=6,title=SL001::";
    assert!(text.starts_with(expected_start), "{text}");
    let message = &text[expected_start.len()..text.len() - 1];
    // In the message only `%`, CR and LF are escaped; the help is a second line.
    assert!(message.contains("`100%25,a:1`"), "{message}");
    assert!(message.contains("%0Ahelp: "), "{message}");
    assert!(!message.contains('\n') && !message.contains('\r'));
}

/// What editors run: `slotlint check --format gcc --stdin-filename PATH -`.
fn editors_lint_stdin_under_a_file_name() {
    let dir = tempfile::tempdir().unwrap();
    // The saved file is clean; the unsaved buffer on stdin is what counts.
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/cart.redis"), "GET {user:1}:name\n").unwrap();
    let text = b"MULTI\nSET user:1:name Ann\nSET user:2:name Bob\nEXEC\n";
    let args = ["--format", "gcc", "--stdin-filename", "app/cart.redis", "-"];
    let output = check(dir.path(), &args, Some(text));
    assert_eq!(output.status.code(), Some(1));
    let gcc = stdout(&output);
    assert!(
        gcc.starts_with("app/cart.redis:1:1: error: transaction spans hash slots"),
        "{gcc}"
    );
    assert!(
        gcc.ends_with(" [SL001]\n") && gcc.lines().count() == 1,
        "{gcc}"
    );

    let args = [
        "--format",
        "json-lines",
        "--stdin-filename",
        "app/cart.redis",
        "-",
    ];
    let output = check(dir.path(), &args, Some(text));
    let line: Value = serde_json::from_str(stdout(&output).trim_end()).unwrap();
    assert_eq!(line["path"], "app/cart.redis");
    assert_eq!(line["rule"], "SL001");
    assert_eq!(line["keys"].as_array().unwrap().len(), 2);
}

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = FORMATS
        .iter()
        .map(|&format| {
            Trial::test(format!("snapshot::{format}"), move || {
                check_snapshot(format)
            })
        })
        .collect();
    let tests: [(&str, fn()); 8] = [
        (
            "sarif_validates_against_the_official_schema",
            sarif_validates_against_the_official_schema,
        ),
        (
            "sarif_driver_lists_every_rule",
            sarif_driver_lists_every_rule,
        ),
        (
            "json_has_the_documented_fields",
            json_has_the_documented_fields,
        ),
        (
            "no_findings_means_empty_output_or_an_empty_document",
            no_findings_means_empty_output_or_an_empty_document,
        ),
        (
            "github_escapes_paths_and_messages_end_to_end",
            github_escapes_paths_and_messages_end_to_end,
        ),
        (
            "editors_lint_stdin_under_a_file_name",
            editors_lint_stdin_under_a_file_name,
        ),
        (
            "one_run_writes_several_formats",
            one_run_writes_several_formats,
        ),
        (
            "output_mistakes_are_usage_errors",
            output_mistakes_are_usage_errors,
        ),
    ];
    trials.extend(tests.into_iter().map(|(name, test)| {
        Trial::test(name, move || {
            test();
            Ok(())
        })
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// `--format F=FILE` and `--output-file`: one run writes the annotations to
/// standard output and the SARIF log to a file, each exactly what a run with
/// that one format prints; the exit code is the findings', not the outputs'.
fn one_run_writes_several_formats() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("slotlint.sarif");
    let json = dir.path().join("findings.json");
    let output = check(
        &fixture_dir(),
        &[
            "--format",
            "github",
            &format!("--format=sarif={}", sarif.display()),
            "--format",
            &format!("json={}", json.display()),
            "input.redis",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stderr.is_empty(), "{output:?}");
    assert_eq!(stdout(&output), render("github").0);
    assert_eq!(std::fs::read_to_string(&sarif).unwrap(), render("sarif").0);
    assert_eq!(std::fs::read_to_string(&json).unwrap(), render("json").0);

    // ruff's spelling: the one format to a file, nothing on standard output.
    let human = dir.path().join("report.txt");
    for (args, expected) in [
        (vec!["--format", "gcc", "--output-file"], render("gcc").0),
        (vec!["-o"], render("human").0),
    ] {
        let output = check(
            &fixture_dir(),
            &[&args[..], &[human.to_str().unwrap(), "input.redis"]].concat(),
            None,
        );
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(
            (stdout(&output).as_str(), output.stderr.as_slice()),
            ("", &b""[..])
        );
        assert_eq!(
            std::fs::read_to_string(&human).unwrap(),
            expected,
            "{args:?}"
        );
    }
}

fn output_mistakes_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/out.sarif");
    let cases: [(Vec<String>, &str); 4] = [
        (
            vec!["--format".into(), format!("sarif={}", missing.display())],
            "cannot write: ",
        ),
        (
            vec!["-o".into(), missing.display().to_string()],
            "cannot write: ",
        ),
        (
            vec![
                "--format".into(),
                "gcc".into(),
                "--format".into(),
                "json".into(),
            ],
            "only one `--format` can write to standard output",
        ),
        (
            vec!["--format=json=a.out".into(), "--format=sarif=a.out".into()],
            "two formats cannot both be written to `a.out`",
        ),
    ];
    // A file, not stdin: a usage error exits before reading stdin.
    std::fs::write(dir.path().join("a.redis"), "MGET a b\n").unwrap();
    for (args, message) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = check(dir.path(), &[&args[..], &["a.redis"]].concat(), None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("slotlint: error: ") && stderr.contains(message),
            "{args:?}: {stderr}"
        );
    }
    assert!(!dir.path().join("a.out").exists());
    let output = check(dir.path(), &["--format", "sarif-2"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown format `sarif-2`"));
}
