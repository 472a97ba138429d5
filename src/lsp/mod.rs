//! `slotlint lsp`: a language server on stdio, on `lsp-server`'s typed
//! messages and `lsp-types`. It lints each open buffer as `check` lints the
//! file (same config, rules, suppressions and levels) and publishes the
//! findings with the document's version; hovers on keys and findings; offers
//! fixes, ignore comments and fix-all as code actions; lints the workspace's
//! other files from disk in the background; reloads the config and schemas
//! when they change.
//!
//! The loop here reads messages (`transport`) and keeps the state; slow work
//! runs on one worker thread (`worker`), handed the newest state whenever it
//! is idle, so a burst of changes gives one lint of the last version and a
//! lint overtaken by a change is cancelled and never published. Documents
//! are linted through `lint::lint` only.

mod actions;
mod diagnostics;
mod documents;
mod hover;
mod lint;
mod requests;
mod schedule;
mod settings;
mod sync;
mod transport;
mod worker;
mod workspace;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response, ResponseError};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability, Diagnostic,
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, MessageType,
    PublishDiagnosticsParams, Registration, RegistrationParams, SaveOptions, ServerCapabilities,
    ServerInfo, ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde_json::Value;

use crate::discover::Target;
use documents::Document;
use lint::{Analysis, Judge};
use settings::{Pages, Settings};
use transport::Frame;
use worker::Worker;

/// What the reader thread hands over.
enum Input {
    Frame(Frame),
    End,
}

/// What the worker hands back.
enum Done {
    /// A text linted (`analysis` is `None` when it was cancelled).
    Linted {
        uri: Uri,
        version: Option<i32>,
        generation: u64,
        analysis: Option<Arc<Analysis>>,
        /// The `publishDiagnostics` of the analysis, framed.
        publish: Vec<u8>,
        /// The syntax tree of that text, and the document's id and epoch then.
        tree: Option<(tree_sitter::Tree, (u64, u64))>,
    },
    /// The workspace file list.
    Walked { generation: u64, files: Vec<Target> },
    /// The answer to a request.
    Answer {
        id: RequestId,
        result: Result<Value, ResponseError>,
    },
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

/// What the worker is doing.
enum Running {
    Lint {
        uri: Uri,
        from_disk: bool,
        cancel: Arc<AtomicBool>,
    },
    Request(RequestId),
    Walk,
}

/// A request that waits for the analysis of its document's version.
struct Parked {
    id: RequestId,
    uri: Uri,
    version: i32,
    request: Pending,
}

enum Pending {
    Hover(HoverParams),
    Actions(CodeActionParams),
}

type Job = Box<dyn FnOnce() -> Done + Send>;

struct Server<'o> {
    out: &'o mut dyn Write,
    phase: Phase,
    root: PathBuf,
    settings: Settings,
    pages: Arc<Pages>,
    judge: Arc<Judge>,
    /// The workspace's files as analyses follow imports into them: the open
    /// documents' buffers first; kept across config reloads.
    project: Arc<crate::project::Project>,
    /// Bumped whenever the judge changes: older results are stale.
    generation: u64,
    /// The workspace file list: what `check` at the root would lint.
    files: Vec<Target>,
    docs: BTreeMap<Uri, Document>,
    /// Open documents to lint, with the time the lint is due.
    dirty: BTreeMap<Uri, Instant>,
    /// Workspace files to lint from disk.
    background: VecDeque<(Uri, Target)>,
    /// Documents whose published diagnostics came from disk.
    from_disk: BTreeSet<Uri>,
    parked: Vec<Parked>,
    jobs: VecDeque<(RequestId, Job)>,
    /// Requests answered as cancelled while their job ran.
    cancelled: BTreeSet<RequestId>,
    walk_wanted: bool,
    worker: Worker<Done>,
    running: Option<Running>,
    watch_dynamically: bool,
    next_request: i32,
    /// Documents opened so far: each one's id.
    opened: u64,
}

/// Serves one client until `exit` (or the end of input); the exit code is 0
/// after a `shutdown`, 1 otherwise.
pub fn run(input: Box<dyn BufRead + Send>, out: &mut dyn Write) -> io::Result<i32> {
    let (frames, incoming) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("slotlint-reader".into())
        .spawn(move || {
            let mut input = input;
            loop {
                let next = match transport::read(&mut *input) {
                    Ok(Some(frame)) => Input::Frame(frame),
                    Ok(None) | Err(_) => Input::End,
                };
                let end = matches!(next, Input::End);
                if frames.send(next).is_err() || end {
                    break;
                }
            }
        })?;
    let (results, done) = crossbeam_channel::unbounded();
    let mut server = Server::new(out, Worker::spawn(results));
    loop {
        let wake = server
            .next_wake()
            .map_or_else(crossbeam_channel::never, crossbeam_channel::at);
        crossbeam_channel::select! {
            recv(incoming) -> input => match input {
                Ok(Input::Frame(frame)) => {
                    if let Some(code) = server.frame(frame)? {
                        return Ok(code);
                    }
                }
                Ok(Input::End) | Err(_) => return Ok(1),
            },
            recv(done) -> result => {
                // Changes already received come first: a result is judged
                // against the newest version, never published before it.
                if let Some(code) = drain(&mut server, &incoming)? {
                    return Ok(code);
                }
                if let Ok(result) = result {
                    server.done(result)?;
                }
            },
            recv(wake) -> _ => {},
        }
        // Every message already received is taken in before the next job
        // is picked: ten changes in one write are one lint.
        if let Some(code) = drain(&mut server, &incoming)? {
            return Ok(code);
        }
        server.schedule();
    }
}

/// Handles every message already received; `Some(exit code)` at `exit`
/// or the end of input.
fn drain(
    server: &mut Server<'_>,
    incoming: &crossbeam_channel::Receiver<Input>,
) -> io::Result<Option<i32>> {
    while let Ok(input) = incoming.try_recv() {
        match input {
            Input::Frame(frame) => {
                if let Some(code) = server.frame(frame)? {
                    return Ok(Some(code));
                }
            }
            Input::End => return Ok(Some(1)),
        }
    }
    Ok(None)
}

impl<'o> Server<'o> {
    fn new(out: &'o mut dyn Write, worker: Worker<Done>) -> Server<'o> {
        Server {
            out,
            phase: Phase::Uninitialized,
            root: PathBuf::new(),
            settings: Settings::default(),
            pages: Arc::new(Pages::default()),
            judge: Arc::new(Judge::default()),
            project: Arc::new(crate::project::Project::new()),
            generation: 0,
            files: Vec::new(),
            docs: BTreeMap::new(),
            dirty: BTreeMap::new(),
            background: VecDeque::new(),
            from_disk: BTreeSet::new(),
            parked: Vec::new(),
            jobs: VecDeque::new(),
            cancelled: BTreeSet::new(),
            walk_wanted: false,
            worker,
            running: None,
            watch_dynamically: false,
            next_request: 0,
            opened: 0,
        }
    }

    fn send(&mut self, message: &Message) -> io::Result<()> {
        transport::write(self.out, message)
    }

    fn reply(&mut self, id: RequestId, result: impl serde::Serialize) -> io::Result<()> {
        let result = serde_json::to_value(result).unwrap_or(Value::Null);
        self.send(&Response::new_ok(id, result).into())
    }

    fn reply_error(&mut self, id: RequestId, code: ErrorCode, message: &str) -> io::Result<()> {
        self.send(&Response::new_err(id, code as i32, message.into()).into())
    }

    fn notify(&mut self, method: &str, params: impl serde::Serialize) -> io::Result<()> {
        self.send(&Notification::new(method.into(), params).into())
    }

    fn show(&mut self, typ: MessageType, message: &str) -> io::Result<()> {
        let params = ShowMessageParams {
            typ,
            message: format!("slotlint: {message}"),
        };
        self.notify("window/showMessage", params)
    }

    fn write_framed(&mut self, framed: &[u8]) -> io::Result<()> {
        self.out.write_all(framed)?;
        self.out.flush()
    }

    fn publish(
        &mut self,
        uri: Uri,
        diagnostics: Vec<Diagnostic>,
        version: Option<i32>,
    ) -> io::Result<()> {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.notify("textDocument/publishDiagnostics", params)
    }

    /// One frame from the client; `Some(exit code)` at `exit`.
    fn frame(&mut self, frame: Frame) -> io::Result<Option<i32>> {
        match frame {
            Frame::Bad(bad) => transport::write_bad(self.out, bad)?,
            Frame::Message(Message::Request(r)) => self.request(r)?,
            Frame::Message(Message::Notification(n)) => return self.notification(n),
            // Answers to our own requests (capability registration): no use.
            Frame::Message(Message::Response(_)) => {}
        }
        Ok(None)
    }

    fn request(&mut self, r: Request) -> io::Result<()> {
        match (self.phase, r.method.as_str()) {
            (Phase::Uninitialized, "initialize") => return self.initialize(r),
            (Phase::Uninitialized, _) => {
                let message = "the server is not initialized: send `initialize` first";
                return self.reply_error(r.id, ErrorCode::ServerNotInitialized, message);
            }
            (Phase::ShutDown, _) => {
                let message = "the server is shut down: only `exit` is expected";
                return self.reply_error(r.id, ErrorCode::InvalidRequest, message);
            }
            (Phase::Running, _) => {}
        }
        match r.method.as_str() {
            "initialize" => {
                let message = "`initialize` was already received";
                self.reply_error(r.id, ErrorCode::InvalidRequest, message)
            }
            "shutdown" => {
                self.shut_down();
                self.reply(r.id, Value::Null)
            }
            "textDocument/hover" => match serde_json::from_value::<HoverParams>(r.params) {
                Ok(p) => {
                    let uri = p.text_document_position_params.text_document.uri.clone();
                    self.answer_or_park(r.id, uri, Pending::Hover(p))
                }
                Err(e) => self.reply_error(r.id, ErrorCode::InvalidParams, &e.to_string()),
            },
            "textDocument/codeAction" => match serde_json::from_value::<CodeActionParams>(r.params)
            {
                Ok(p) => {
                    let uri = p.text_document.uri.clone();
                    self.answer_or_park(r.id, uri, Pending::Actions(p))
                }
                Err(e) => self.reply_error(r.id, ErrorCode::InvalidParams, &e.to_string()),
            },
            method => {
                let message = format!("method not found: {method}");
                self.reply_error(r.id, ErrorCode::MethodNotFound, &message)
            }
        }
    }

    fn notification(&mut self, n: Notification) -> io::Result<Option<i32>> {
        if n.method == "exit" {
            return Ok(Some(i32::from(self.phase != Phase::ShutDown)));
        }
        if self.phase != Phase::Running {
            return Ok(None); // before `initialize` or after `shutdown`: dropped
        }
        match n.method.as_str() {
            "initialized" => self.initialized()?,
            "$/cancelRequest" => {
                if let Some(id) = n.params.get("id").and_then(transport::request_id) {
                    self.cancel(id)?;
                }
            }
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    let doc = Document::new(&d.uri, &d.language_id, d.version, d.text);
                    self.open(d.uri, doc)?;
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    self.change(p)?;
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) {
                    let path = documents::uri_path(&p.text_document.uri);
                    if path.is_some_and(|p| workspace::judges(&p, &self.judge)) {
                        self.reload()?;
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    self.close(p.text_document.uri)?;
                }
            }
            "workspace/didChangeConfiguration" => {
                if let Ok(p) = serde_json::from_value::<DidChangeConfigurationParams>(n.params) {
                    let before = self.settings.clone();
                    let problems = self.settings.update(&p.settings);
                    for problem in problems {
                        self.show(MessageType::WARNING, &problem)?;
                    }
                    if self.settings != before {
                        self.reload()?;
                    }
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(n.params) {
                    self.watched(p)?;
                }
            }
            // Other notifications (`$/setTrace`, …) ask nothing of us.
            _ => {}
        }
        Ok(None)
    }

    fn initialize(&mut self, r: Request) -> io::Result<()> {
        let params: InitializeParams = match serde_json::from_value(r.params) {
            Ok(p) => p,
            Err(e) => return self.reply_error(r.id, ErrorCode::InvalidParams, &e.to_string()),
        };
        #[allow(deprecated)] // `rootUri` and `rootPath`: older clients send only these
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| documents::uri_path(&f.uri))
            .or_else(|| params.root_uri.as_ref().and_then(documents::uri_path))
            .or_else(|| params.root_path.as_ref().map(PathBuf::from))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        // Paths in messages are shown relative to the working directory:
        // the workspace root, whatever directory the editor started us in.
        if root.is_dir() && std::env::set_current_dir(&root).is_ok() {
            self.root = std::env::current_dir().unwrap_or(root);
        } else {
            self.root = root;
        }
        let problems = params
            .initialization_options
            .as_ref()
            .map(|o| self.settings.update(o))
            .unwrap_or_default();
        self.watch_dynamically = params
            .capabilities
            .workspace
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let (judge, error) = workspace::judge(&self.root, &self.settings, self.project.clone());
        self.judge = Arc::new(judge);
        self.pages = Arc::new(Pages::new(self.settings.rule_docs.clone()));
        self.phase = Phase::Running;
        let result = InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "slotlint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        self.reply(r.id, result)?;
        for p in problems {
            self.show(MessageType::WARNING, &p)?;
        }
        if let Some(e) = error {
            self.show(MessageType::ERROR, &e)?;
        }
        Ok(())
    }

    /// After `initialized`: watch the config, schemas and sources, and list
    /// the workspace's files to lint them in the background.
    fn initialized(&mut self) -> io::Result<()> {
        if self.watch_dynamically {
            let watchers = ["**/*.{yaml,yml}", SOURCES]
                .iter()
                .map(|g| FileSystemWatcher {
                    glob_pattern: GlobPattern::String((*g).into()),
                    kind: None,
                })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let params = RegistrationParams {
                registrations: vec![Registration {
                    id: "slotlint-watch".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            };
            self.next_request += 1;
            let id = RequestId::from(format!("slotlint-{}", self.next_request));
            let request = Request::new(id, "client/registerCapability".into(), params);
            self.send(&request.into())?;
        }
        self.walk_wanted = self.settings.workspace_diagnostics;
        Ok(())
    }

    fn shut_down(&mut self) {
        self.phase = Phase::ShutDown;
        if let Some(Running::Lint { cancel, .. }) = &self.running {
            cancel.store(true, Ordering::Relaxed);
        }
        self.dirty.clear();
        self.background.clear();
        self.jobs.clear();
        self.parked.clear();
        self.walk_wanted = false;
    }
}

/// The kinds of file the sources watcher covers (as `Language::from_path`).
const SOURCES: &str = "**/*.{redis,redis-cli,lua,py,pyi,js,mjs,cjs,jsx,ts,tsx,mts,cts,rs}";

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(actions::FIX_ALL),
            ]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_bytes(bytes: Vec<u8>) -> (i32, String) {
        let mut out = Vec::new();
        let code = run(Box::new(io::Cursor::new(bytes)), &mut out).unwrap();
        (code, String::from_utf8_lossy(&out).into_owned())
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn garbage_is_answered_and_the_server_goes_on() {
        let input = [
            frame("{oops"),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#),
            frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let (code, text) = run_bytes(input.into_bytes());
        // 0: the initialize, shutdown and exit after the garbage were served.
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("\"code\":-32700"), "{text}");
    }

    proptest::proptest! {
        /// Whatever arrives on stdin, the server answers or stops; it never panics.
        #[test]
        fn any_input_is_survived(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut framed = format!("Content-Length: {}\r\n\r\n", bytes.len()).into_bytes();
            framed.extend_from_slice(&bytes);
            framed.extend_from_slice(&bytes);
            let _ = run_bytes(framed);
            let _ = run_bytes(bytes);
        }
    }

    #[test]
    fn oversized_messages_are_skipped() {
        let (code, text) = run_bytes(b"Content-Length: 99999999999999999999\r\n\r\nshort".to_vec());
        // Unparsable length: a parse error; then the end of input.
        assert_eq!(code, 1);
        assert!(text.contains("-32700"), "{text}");
        let (code, _) = run_bytes(b"Content-Length: 18446744073709551615\r\n\r\nshort".to_vec());
        assert_eq!(code, 1);
    }
}
