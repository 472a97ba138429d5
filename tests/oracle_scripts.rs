//! Scripts, functions, SORT patterns and databases judged by Redis: every
//! redis-cli fixture line that runs a script, loads a function library,
//! sorts or changes database is sent, in file order, to a cluster-mode
//! `redis-server` (one node, all slots). Each refusal the server answers
//! must be a finding of the rule that stands for it (SL001, SL007, SL008,
//! SL013) on that line (or, for an FCALL, in the called function's body);
//! a line the server runs must carry none of those rules' refusals.
//!
//! Project fixtures with a `.lua` function library are loaded into the
//! server (FUNCTION LOAD) and the FCALL call sites of their Python,
//! JavaScript and Rust files are run the same way.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use slotlint::analysis;
use slotlint::discover::{self, Target, WalkOptions};
use slotlint::finding::Finding;
use slotlint::functions;
use slotlint::lang::{lua, redis_cli, Language};
use slotlint::model::{FileModel, GroupKind, Span};
use slotlint::project::Project;
use slotlint::rules::Options;
use slotlint::source::SourceFile;

use common::{Client, RedisServer, Reply};

/// What the server's reply says about a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Class {
    Ok,
    /// A refusal, with the rules that stand for it.
    Refused(&'static [&'static str], String),
    /// An error none of the rules is about (a missing function, a Lua error).
    Other(String),
}

fn classify(reply: &Reply) -> Class {
    let Some(e) = reply.error_text() else {
        return Class::Ok;
    };
    let refusals: &[(&str, &[&str])] = &[
        ("CROSSSLOT", &["SL001", "SL002"]),
        ("do not hash to the same slot", &["SL001"]),
        ("non local key", &["SL001", "SL007"]),
        ("'no-cluster' flag is set", &["SL013"]),
        (
            "Write commands are not allowed from read-only scripts",
            &["SL013"],
        ),
        ("script with write flag using *_ro", &["SL013"]),
        ("script shebang", &["SL013"]),
        ("lua shebang option", &["SL013"]),
        ("unknown flag given", &["SL013"]),
        ("Invalid metadata value", &["SL013"]),
        ("Missing library metadata", &["SL013"]),
        ("Library name was not given", &["SL013"]),
        ("nonexistent global variable 'KEYS'", &["SL007"]),
        ("option of SORT denied in Cluster mode", &["SL008"]),
        ("is not allowed in cluster mode", &["SL008"]),
    ];
    refusals
        .iter()
        .find(|(needle, _)| e.contains(needle))
        .map_or_else(
            || Class::Other(e.to_string()),
            |(_, rules)| Class::Refused(rules, e.to_string()),
        )
}

/// Commands whose refusals these rules are about.
fn judged(argv0: &str, argv1: &str) -> bool {
    matches!(
        argv0,
        "EVAL"
            | "EVAL_RO"
            | "EVALSHA"
            | "EVALSHA_RO"
            | "FCALL"
            | "FCALL_RO"
            | "SORT"
            | "SORT_RO"
            | "SELECT"
            | "MOVE"
            | "COPY"
            | "SWAPDB"
    ) || (argv0 == "FUNCTION" && argv1 == "LOAD")
}

/// Whether a finding claims the server refuses what it is about.
fn claims_refusal(f: &Finding, argv0: &str) -> bool {
    match f.rule {
        "SL013" => {
            // A write inside a function is refused when the function runs,
            // not when its library loads.
            argv0 != "FUNCTION"
                || f.message.starts_with("FUNCTION LOAD refuses")
                || f.message.starts_with("the server refuses")
        }
        "SL001" => argv0 != "FUNCTION",
        "SL008" => true,
        _ => false,
    }
}

#[derive(Default)]
struct Tally {
    units: usize,
    /// FCALL call sites in Python, JavaScript and Rust files.
    code_calls: usize,
    refused: usize,
    other: Vec<String>,
    disagreements: Vec<String>,
}

impl Tally {
    /// Compares one unit: `spans` are where its findings may sit.
    fn judge(
        &mut self,
        at: &str,
        argv0: &str,
        class: &Class,
        findings: &[&Finding],
        spans: &[Span],
    ) {
        self.units += 1;
        let on_unit = |f: &&&Finding| {
            spans
                .iter()
                .any(|s| (s.start..s.end.max(s.start + 1)).contains(&f.span.start))
        };
        match class {
            Class::Refused(rules, reply) => {
                self.refused += 1;
                if !findings
                    .iter()
                    .filter(on_unit)
                    .any(|f| rules.contains(&f.rule))
                {
                    self.disagreements.push(format!(
                        "{at}: the server refuses it ({reply}) but no {} finding",
                        rules.join("/")
                    ));
                }
            }
            Class::Ok => {
                for f in findings
                    .iter()
                    .filter(on_unit)
                    .filter(|f| claims_refusal(f, argv0))
                {
                    self.disagreements.push(format!(
                        "{at}: the server runs it, but {} says: {}",
                        f.rule, f.message
                    ));
                }
            }
            Class::Other(e) => self.other.push(format!("{at}: {e}")),
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn targets(dirs: &[PathBuf]) -> Vec<Target> {
    discover::targets(dirs, &[], &WalkOptions::default())
        .expect("fixture dirs")
        .files
}

fn reset(client: &mut Client) {
    assert!(client.cmd_str(&["FLUSHALL"]).is_ok());
    assert!(client.cmd_str(&["FUNCTION", "FLUSH"]).is_ok());
}

/// The spans of function `name` in a model: its name and its body.
fn function_spans(model: &FileModel, name: &str) -> Vec<Span> {
    model
        .libraries
        .iter()
        .flat_map(|l| &l.functions)
        .filter(|f| f.name == name)
        .flat_map(|f| {
            let body = model.scripts.get(f.script).map(|s| s.span);
            std::iter::once(f.span).chain(body)
        })
        .collect()
}

/// Every judged line of one redis-cli file, in order.
fn redis_file(client: &mut Client, t: &Target, tally: &mut Tally) {
    let file = SourceFile::new(t.display.clone(), std::fs::read(&t.path).unwrap()).at(&t.path);
    let Ok((model, _)) = analysis::front_end(&file, t.language, &Project::new()) else {
        return;
    };
    let findings =
        analysis::analyze(&file, t.language, &Options::default(), &Project::new()).findings;
    let findings: Vec<&Finding> = findings.iter().collect();
    reset(client);
    let mut base = 0;
    for (n, raw) in file.text.split(|&b| b == b'\n').enumerate() {
        let line = Span::new(base, base + raw.len());
        base += raw.len() + 1;
        let Ok(tokens) = redis_cli::split_args(raw, line.start) else {
            continue;
        };
        let word = |i: usize| {
            tokens
                .get(i)
                .map(|t| String::from_utf8_lossy(&t.bytes).to_ascii_uppercase())
                .unwrap_or_default()
        };
        let (argv0, argv1) = (word(0), word(1));
        if raw.trim_ascii_start().starts_with(b"#") || !judged(&argv0, &argv1) {
            continue;
        }
        let argv: Vec<&[u8]> = tokens.iter().map(|t| t.bytes.as_slice()).collect();
        let class = classify(&client.cmd(&argv));
        let mut spans = vec![line];
        if argv0.starts_with("FCALL") {
            let name = tokens
                .get(1)
                .map(|t| String::from_utf8_lossy(&t.bytes).into_owned())
                .unwrap_or_default();
            spans.extend(function_spans(&model, &name));
        }
        let at = format!("{}:{} ({argv0})", file.path, n + 1);
        tally.judge(&at, &argv0, &class, &findings, &spans);
    }
}

/// A `.lua` file: a library is loaded and each function called with one key
/// per `keys[i]` it reads; a script is run with EVAL likewise.
fn lua_file(client: &mut Client, t: &Target, tally: &mut Tally) {
    let file = SourceFile::new(t.display.clone(), std::fs::read(&t.path).unwrap()).at(&t.path);
    let Ok((model, _)) = analysis::front_end(&file, t.language, &Project::new()) else {
        return;
    };
    let findings =
        analysis::analyze(&file, t.language, &Options::default(), &Project::new()).findings;
    let findings: Vec<&Finding> = findings.iter().collect();
    let whole = Span::new(0, file.text.len());
    let keys_for = |n: u32| -> Vec<Vec<u8>> {
        (1..=n.max(1))
            .map(|i| format!("{{k}}{i}").into_bytes())
            .collect()
    };
    reset(client);
    if model.libraries.is_empty() {
        let Some(script) = model.scripts.first() else {
            return;
        };
        let keys = keys_for(script.max_key_index.map_or(0, |(n, _)| n));
        let n = keys.len().to_string();
        let mut argv: Vec<&[u8]> = vec![b"EVAL", &file.text, n.as_bytes()];
        argv.extend(keys.iter().map(Vec::as_slice));
        argv.extend([b"1".as_slice(); 4]);
        let class = classify(&client.cmd(&argv));
        tally.judge(
            &format!("{} (EVAL)", file.path),
            "EVAL",
            &class,
            &findings,
            &[whole],
        );
        return;
    }
    let reply = client.cmd(&[b"FUNCTION", b"LOAD", &file.text]);
    let at = format!("{} (FUNCTION LOAD)", file.path);
    tally.judge(&at, "FUNCTION", &classify(&reply), &findings, &[whole]);
    for f in model.libraries.iter().flat_map(|l| &l.functions) {
        let max = model.scripts.get(f.script).and_then(|s| s.max_key_index);
        let keys = keys_for(max.map_or(0, |(n, _)| n));
        let n = keys.len().to_string();
        let mut argv: Vec<&[u8]> = vec![b"FCALL", f.name.as_bytes(), n.as_bytes()];
        argv.extend(keys.iter().map(Vec::as_slice));
        argv.extend([b"1".as_slice(); 4]);
        let class = classify(&client.cmd(&argv));
        let at = format!("{} (FCALL {})", file.path, f.name);
        tally.judge(
            &at,
            "FCALL",
            &class,
            &findings,
            &function_spans(&model, &f.name),
        );
    }
}

/// A project with function libraries: load them, then run every FCALL of
/// its code files.
fn project(client: &mut Client, dir: &Path, tally: &mut Tally) {
    let files = targets(&[dir.to_path_buf()]);
    let libs: Vec<&Target> = files
        .iter()
        .filter(|t| t.language == Language::LUA)
        .filter(|t| lua::is_library(&std::fs::read(&t.path).unwrap_or_default()))
        .collect();
    if libs.is_empty() {
        return;
    }
    let table = functions::collect(
        &files,
        1,
        &[],
        &slotlint::config::Config::default(),
        &Project::new(),
    );
    let options = Options {
        functions: Some(Arc::new(table)),
        ..Options::default()
    };
    reset(client);
    let mut lib_models = Vec::new();
    for t in &libs {
        let file = SourceFile::new(t.display.clone(), std::fs::read(&t.path).unwrap()).at(&t.path);
        let reply = client.cmd(&[b"FUNCTION", b"LOAD", b"REPLACE", &file.text]);
        let findings = analysis::analyze(&file, t.language, &options, &Project::new()).findings;
        let findings: Vec<&Finding> = findings.iter().collect();
        let whole = Span::new(0, file.text.len());
        let at = format!("{} (FUNCTION LOAD)", file.path);
        tally.judge(&at, "FUNCTION", &classify(&reply), &findings, &[whole]);
        let (model, _) = analysis::front_end(&file, t.language, &Project::new()).unwrap();
        lib_models.push((
            model,
            findings.iter().map(|f| (*f).clone()).collect::<Vec<_>>(),
        ));
    }
    for t in files.iter().filter(|t| t.language != Language::LUA) {
        let file = SourceFile::new(t.display.clone(), std::fs::read(&t.path).unwrap()).at(&t.path);
        let Ok((model, _)) = analysis::front_end(&file, t.language, &Project::new()) else {
            continue;
        };
        let findings = analysis::analyze(&file, t.language, &options, &Project::new()).findings;
        for g in model.groups.iter().filter(|g| g.kind == GroupKind::Script) {
            let (Some(op), Some(script)) = (
                g.ops.first().and_then(|&i| model.ops.get(i)),
                g.script.and_then(|i| model.scripts.get(i)),
            ) else {
                continue;
            };
            let Some(name) = &script.function else {
                continue;
            };
            let keys: Vec<Vec<u8>> = op
                .keys
                .iter()
                .map(|k| {
                    k.pattern
                        .instantiate(|h| h.name.clone().unwrap_or_default().into_bytes())
                })
                .collect();
            let n = keys.len().to_string();
            let mut argv: Vec<&[u8]> = vec![op.command.as_bytes(), name.as_bytes(), n.as_bytes()];
            argv.extend(keys.iter().map(Vec::as_slice));
            argv.extend([b"1".as_slice(); 4]);
            let class = classify(&client.cmd(&argv));
            tally.code_calls += 1;
            let (line, _) = file.line_col(g.span.start);
            let at = format!("{}:{line} ({} {name})", file.path, op.command);
            // A function's own mistakes are reported where it is defined, in
            // a library file: its findings and the function's spans are moved
            // past this file's text so that they cannot meet this file's.
            let shift = file.text.len() + 1;
            let moved = |s: Span| Span::new(s.start + shift, s.end + shift);
            let mut spans = vec![g.span, op.span];
            let mut shifted: Vec<Finding> = Vec::new();
            for (m, lib_findings) in &lib_models {
                let fs = function_spans(m, name);
                if fs.is_empty() {
                    continue;
                }
                spans.extend(fs.into_iter().map(moved));
                shifted.extend(lib_findings.iter().cloned().map(|mut f| {
                    f.span = moved(f.span);
                    f
                }));
            }
            let mut on: Vec<&Finding> = findings.iter().collect();
            on.extend(shifted.iter());
            tally.judge(&at, &op.command, &class, &on, &spans);
        }
    }
}

#[test]
#[allow(clippy::print_stdout)] // the oracle's summary line
fn server_agrees_with_script_flag_and_sort_verdicts() {
    let Some(server) = RedisServer::start_cluster_single() else {
        return;
    };
    let mut client = server.client();
    let mut tally = Tally::default();
    let root = root();
    let mut dirs = vec![root.join("fixtures/redis"), root.join("examples/demo")];
    let projects: Vec<PathBuf> = {
        let mut p: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures/projects"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        p.sort();
        p
    };
    dirs.extend(projects.iter().cloned());
    for t in targets(&dirs)
        .iter()
        .filter(|t| t.language == Language::REDIS_CLI && !t.display.contains("/err_"))
    {
        redis_file(&mut client, t, &mut tally);
    }
    for t in targets(&[root.join("fixtures/lua")])
        .iter()
        .filter(|t| t.language == Language::LUA)
    {
        lua_file(&mut client, t, &mut tally);
    }
    for dir in &projects {
        project(&mut client, dir, &mut tally);
    }
    println!(
        "script/sort oracle: {} units ({} FCALL call sites in code), {} refused by the server, {} other errors, {} disagreements",
        tally.units,
        tally.code_calls,
        tally.refused,
        tally.other.len(),
        tally.disagreements.len()
    );
    for o in &tally.other {
        println!("  other: {o}");
    }
    assert!(tally.units > 0, "no units found");
    assert!(tally.refused > 0, "no refusals exercised");
    assert!(
        tally.code_calls > 0,
        "no FCALL call sites in code exercised"
    );
    assert!(
        tally.disagreements.is_empty(),
        "{}",
        tally.disagreements.join("\n")
    );
}
