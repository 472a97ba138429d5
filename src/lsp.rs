//! `slotlint lsp`: a language server on stdio that publishes slotlint's
//! findings as diagnostics for every open document, linted from the editor's
//! buffer on open, change and save. The config is found from the workspace
//! root as `check` finds it from the working directory; saving a
//! `slotlint.yaml` or a key schema reloads them. JSON-RPC framing and the few messages used are
//! written out here (`serde_json` values): no LSP framework is needed for a
//! push-diagnostics server.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::analysis::{self, FileResult};
use crate::config::{Config, FILE_NAMES};
use crate::finding::{Finding, Severity};
use crate::lang::Language;
use crate::model::Span;
use crate::project::Project;
use crate::rules::Options;
use crate::source::SourceFile;

/// The largest message read (a whole buffer of a huge file is far smaller).
const MAX_MESSAGE: usize = 256 << 20;

/// One framed message: JSON, or a body that is not (answered with a parse error).
enum Incoming {
    Json(Value),
    Garbage(String),
}

/// Reads one message (`Content-Length` framed); `None` at end of input.
fn read_message(input: &mut dyn BufRead) -> io::Result<Option<Incoming>> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let Some(length) = length else {
        return Ok(Some(Incoming::Garbage(
            "a message without Content-Length".into(),
        )));
    };
    if length > MAX_MESSAGE {
        // Not read into memory: skip it in chunks.
        io::copy(&mut (&mut *input).take(length as u64), &mut io::sink())?;
        return Ok(Some(Incoming::Garbage(format!(
            "a message of {length} bytes (at most {MAX_MESSAGE})"
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(match serde_json::from_slice(&body) {
        Ok(v) => Incoming::Json(v),
        Err(e) => Incoming::Garbage(e.to_string()),
    }))
}

fn write_message(out: &mut dyn Write, message: &Value) -> io::Result<()> {
    let body = message.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// The path of a `file:` URI (percent-decoded), if it is one.
fn uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(u8::try_from(hex(h)? * 16 + hex(l)?).ok()?);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    // `file:///C:/x` on Windows: drop the slash before the drive.
    let text = String::from_utf8(out).ok()?;
    let text = match text.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => text[1..].to_string(),
        _ => text,
    };
    Some(PathBuf::from(text))
}

/// The language of a document: by its file name, else by the editor's id.
fn language_of(path: Option<&Path>, language_id: &str) -> Option<Language> {
    if let Some(lang) = path.and_then(Language::from_path) {
        return Some(lang);
    }
    Language::from_editor_id(language_id)
}

struct Document {
    text: String,
    language_id: String,
}

struct Server {
    root: PathBuf,
    config: Config,
    options: Options,
    documents: BTreeMap<String, Document>,
    /// Imports of open documents are followed into the workspace's files.
    project: Project,
}

fn range(file: &SourceFile, span: Span) -> Value {
    let (sl, sc) = file.position_utf16(span.start);
    let (el, ec) = file.position_utf16(span.end.max(span.start));
    json!({
        "start": { "line": sl, "character": sc },
        "end": { "line": el, "character": ec },
    })
}

fn severity(s: Severity) -> u8 {
    match s {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    }
}

/// One finding as an LSP diagnostic: the message with its notes and help,
/// the key labels as related information.
fn diagnostic(file: &SourceFile, uri: &str, f: &Finding) -> Value {
    let mut message = f.message.clone();
    for note in &f.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    if f.certainty != crate::finding::Certainty::Proven {
        message.push_str("\ncertainty: ");
        message.push_str(f.certainty.as_str());
    }
    let related: Vec<Value> = f
        .labels
        .iter()
        .map(|l| {
            json!({
                "location": { "uri": uri, "range": range(file, l.span) },
                "message": l.message,
            })
        })
        .collect();
    json!({
        "range": range(file, f.span),
        "severity": severity(f.severity),
        "code": f.rule,
        "source": "slotlint",
        "message": message,
        "relatedInformation": related,
    })
}

/// `path:LINE:COL: message` of a fatal error, placed in its file.
fn fatal_diagnostic(file: &SourceFile, fatal: &str) -> Value {
    let rest = fatal
        .strip_prefix(file.path.as_str())
        .and_then(|r| r.strip_prefix(':'))
        .unwrap_or(fatal);
    let mut parts = rest.splitn(3, ':');
    let (line, col, message) = match (
        parts.next().and_then(|l| l.parse::<usize>().ok()),
        parts.next().and_then(|c| c.trim().parse::<usize>().ok()),
        parts.next(),
    ) {
        (Some(l), Some(c), Some(m)) => (l.saturating_sub(1), c.saturating_sub(1), m.trim()),
        _ => (0, 0, fatal),
    };
    let at = json!({ "line": line, "character": col });
    json!({
        "range": { "start": at, "end": at },
        "severity": 1,
        "code": "config",
        "source": "slotlint",
        "message": message,
    })
}

impl Server {
    fn new(root: PathBuf) -> (Server, Option<String>) {
        let (config, error) = match Config::discover(&root, None) {
            Ok(c) => (c, None),
            Err(e) => (Config::default(), Some(e)),
        };
        let options = config.run_options(&[]);
        let server = Server {
            root,
            config,
            options,
            documents: BTreeMap::new(),
            project: Project::new(),
        };
        (server, error)
    }

    /// The diagnostics of one open document.
    fn lint(&self, uri: &str) -> Vec<Value> {
        let Some(doc) = self.documents.get(uri) else {
            return Vec::new();
        };
        let path = uri_path(uri);
        let Some(language) = language_of(path.as_deref(), &doc.language_id) else {
            return Vec::new();
        };
        let shown = path.as_deref().map_or_else(
            || uri.to_string(),
            |p| {
                p.strip_prefix(&self.root)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned()
            },
        );
        let mut file = SourceFile::new(shown, doc.text.clone().into_bytes());
        file.location = path;
        let result: FileResult =
            analysis::lint(&file, language, &self.config, &self.options, &self.project);
        let mut out: Vec<Value> = result
            .findings
            .iter()
            .map(|f| diagnostic(&file, uri, f))
            .collect();
        out.extend(result.problems.iter().map(|p| {
            json!({
                "range": range(&file, p.span),
                "severity": 4,
                "source": "slotlint",
                "message": format!("{} (line skipped)", p.message),
            })
        }));
        out.extend(result.fatal.iter().map(|f| fatal_diagnostic(&file, f)));
        out
    }

    fn publish(&self, out: &mut dyn Write, uri: &str) -> io::Result<()> {
        let diagnostics = self.lint(uri);
        write_message(
            out,
            &json!({
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": { "uri": uri, "diagnostics": diagnostics },
            }),
        )
    }

    /// Handles one notification; returns whether the config was reloaded.
    fn notify(&mut self, out: &mut dyn Write, method: &str, params: &Value) -> io::Result<()> {
        let doc = &params["textDocument"];
        let uri = doc["uri"].as_str().unwrap_or_default().to_string();
        match method {
            "textDocument/didOpen" => {
                self.documents.insert(
                    uri.clone(),
                    Document {
                        text: doc["text"].as_str().unwrap_or_default().to_string(),
                        language_id: doc["languageId"].as_str().unwrap_or_default().into(),
                    },
                );
                self.publish(out, &uri)
            }
            "textDocument/didChange" => {
                // Full sync: the last change holds the whole text.
                let text = params["contentChanges"]
                    .as_array()
                    .and_then(|c| c.last())
                    .and_then(|c| c["text"].as_str());
                if let (Some(d), Some(text)) = (self.documents.get_mut(&uri), text) {
                    d.text = text.to_string();
                }
                self.publish(out, &uri)
            }
            "textDocument/didSave" => {
                // The config, or a schema: what every document is judged by.
                let path = uri_path(&uri);
                let is_config = path
                    .as_deref()
                    .and_then(Path::file_name)
                    .is_some_and(|n| FILE_NAMES.iter().any(|c| n == *c))
                    || path.as_deref().and_then(Language::from_path) == Some(Language::SCHEMA);
                if is_config {
                    let (server, error) = Server::new(self.root.clone());
                    self.config = server.config;
                    self.options = server.options;
                    if let Some(e) = error {
                        show_error(out, &e)?;
                    }
                    let uris: Vec<String> = self.documents.keys().cloned().collect();
                    for u in uris {
                        self.publish(out, &u)?;
                    }
                    return Ok(());
                }
                self.publish(out, &uri)
            }
            "textDocument/didClose" => {
                self.documents.remove(&uri);
                write_message(
                    out,
                    &json!({
                        "jsonrpc": "2.0",
                        "method": "textDocument/publishDiagnostics",
                        "params": { "uri": uri, "diagnostics": [] },
                    }),
                )
            }
            _ => Ok(()),
        }
    }
}

fn show_error(out: &mut dyn Write, message: &str) -> io::Result<()> {
    write_message(
        out,
        &json!({
            "jsonrpc": "2.0",
            "method": "window/showMessage",
            "params": { "type": 1, "message": format!("slotlint: {message}") },
        }),
    )
}

/// The workspace root an `initialize` request names, else the working directory.
fn root_of(params: &Value) -> PathBuf {
    params["workspaceFolders"]
        .as_array()
        .and_then(|f| f.first())
        .and_then(|f| f["uri"].as_str())
        .or_else(|| params["rootUri"].as_str())
        .and_then(uri_path)
        .or_else(|| params["rootPath"].as_str().map(PathBuf::from))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default()
}

/// Serves one client until `exit`; the exit code is 0 after a `shutdown`.
pub fn run(input: &mut dyn BufRead, out: &mut dyn Write) -> io::Result<i32> {
    let mut server: Option<Server> = None;
    let mut shut_down = false;
    while let Some(incoming) = read_message(input)? {
        let message = match incoming {
            Incoming::Json(v) => v,
            Incoming::Garbage(why) => {
                let error = json!({ "code": -32700, "message": format!("parse error: {why}") });
                write_message(
                    out,
                    &json!({ "jsonrpc": "2.0", "id": null, "error": error }),
                )?;
                continue;
            }
        };
        let method = message["method"].as_str().unwrap_or_default();
        let params = &message["params"];
        let id = message.get("id").cloned();
        match (method, id) {
            ("initialize", Some(id)) => {
                let (s, error) = Server::new(root_of(params));
                server = Some(s);
                write_message(
                    out,
                    &json!({
                        "jsonrpc": "2.0",
                        "id": id,
                        "result": {
                            "capabilities": {
                                "textDocumentSync": {
                                    "openClose": true,
                                    "change": 1,
                                    "save": { "includeText": false },
                                },
                            },
                            "serverInfo": { "name": "slotlint", "version": env!("CARGO_PKG_VERSION") },
                        },
                    }),
                )?;
                if let Some(e) = error {
                    show_error(out, &e)?;
                }
            }
            ("shutdown", Some(id)) => {
                shut_down = true;
                write_message(out, &json!({ "jsonrpc": "2.0", "id": id, "result": null }))?;
            }
            ("exit", None) => return Ok(i32::from(!shut_down)),
            (_, Some(id)) => write_message(
                out,
                &json!({
                    "jsonrpc": "2.0",
                    "id": id,
                    "error": { "code": -32601, "message": format!("method not found: {method}") },
                }),
            )?,
            (_, None) => {
                if let Some(s) = server.as_mut() {
                    s.notify(out, method, params)?;
                }
            }
        }
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_answered_and_the_server_goes_on() {
        let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let input = [
            frame("{oops"),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let mut out = Vec::new();
        // 0: the shutdown and exit after the garbage were both served.
        assert_eq!(run(&mut input.as_bytes(), &mut out).unwrap(), 0);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"code\":-32700"), "{text}");
    }

    proptest::proptest! {
        /// Whatever arrives on stdin, the server answers or stops; it never panics.
        #[test]
        fn any_input_is_survived(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut framed = format!("Content-Length: {}\r\n\r\n", bytes.len()).into_bytes();
            framed.extend_from_slice(&bytes);
            framed.extend_from_slice(&bytes);
            let _ = run(&mut &framed[..], &mut Vec::new());
            let _ = run(&mut &bytes[..], &mut Vec::new());
        }
    }

    #[test]
    fn oversized_messages_are_skipped() {
        let input = b"Content-Length: 99999999999999999999\r\n\r\nshort";
        // Unparsable length: no length, garbage; then end of input.
        assert_eq!(run(&mut &input[..], &mut Vec::new()).unwrap(), 1);
        let input = b"Content-Length: 18446744073709551615\r\n\r\nshort";
        assert!(run(&mut &input[..], &mut Vec::new()).is_ok());
    }

    #[test]
    fn file_uris() {
        assert_eq!(
            uri_path("file:///home/a%20b/x.py"),
            Some(PathBuf::from("/home/a b/x.py"))
        );
        assert_eq!(
            uri_path("file:///C:/src/x.py"),
            Some(PathBuf::from("C:/src/x.py"))
        );
        assert_eq!(uri_path("untitled:Untitled-1"), None);
    }

    #[test]
    fn languages_by_name_then_id() {
        assert_eq!(
            language_of(Some(Path::new("a/shop.keys.yaml")), "yaml"),
            Some(Language::SCHEMA)
        );
        assert_eq!(language_of(None, "python"), Some(Language::PYTHON));
        assert_eq!(language_of(Some(Path::new("notes.txt")), "plaintext"), None);
    }

    #[test]
    fn fatal_errors_land_on_their_line() {
        let file = SourceFile::new("s.keys.yaml", b"keys:\n  a: 1\n".to_vec());
        let d = fatal_diagnostic(&file, "s.keys.yaml:2:3: family `a` must be a mapping");
        assert_eq!(d["range"]["start"], json!({ "line": 1, "character": 2 }));
        assert_eq!(d["message"], "family `a` must be a mapping");
    }
}
