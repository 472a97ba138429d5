//! `slotlint lsp` end to end: the binary as an editor runs it, spoken to over
//! stdin/stdout in JSON-RPC, with a workspace that has a `slotlint.yaml`.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Client {
    fn start(root: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_slotlint"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start slotlint lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let mut m = json!({ "jsonrpc": "2.0", "method": method });
        m["params"] = params;
        self.send(&m);
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut m = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        m["params"] = params;
        self.send(&m);
        loop {
            let m = self.receive();
            if m["id"] == json!(id) {
                return m;
            }
        }
    }

    fn receive(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "server closed"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                length = v.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// `initialize` with `root` as the workspace; the response.
    fn initialize(&mut self, root: &std::path::Path) -> Value {
        self.request(
            "initialize",
            json!({ "processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {} }),
        )
    }

    /// Opens a document and returns the diagnostics it gets.
    fn open(&mut self, uri: &str, language: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.receive();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default())
        .collect()
}

fn uri(dir: &std::path::Path, name: &str) -> String {
    format!("file://{}", dir.join(name).display())
}

#[test]
fn diagnostics_follow_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("slotlint.yaml"), "rules: { SL004: error }\n").unwrap();
    let mut c = Client::start(root);
    let init = c.initialize(root);
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        1
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "slotlint");
    c.notify("initialized", json!({}));

    // A cross-slot MGET, as typed: not saved to disk.
    let app = uri(root, "app.redis");
    let d = c.open(&app, "redis", "# cart\nMGET foo bar\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "SL002");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(
        d[0]["range"],
        json!({ "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 12 } })
    );
    assert!(d[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("`MGET` spans hash slots"));
    assert_eq!(d[0]["relatedInformation"].as_array().unwrap().len(), 2);

    // The config's level applies (SL004 raised to error); columns count
    // UTF-16 units (the emoji is two).
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 2 },
                "contentChanges": [{ "text": "SET \"😀{session}:8f14e45f\" x\n" }] }),
    );
    let d = c.diagnostics(&app);
    assert_eq!(codes(&d), ["SL004"], "{d:?}");
    assert_eq!(d[0]["severity"], 1);
    // `"😀{session}:8f14e45f"` from character 4: 22 UTF-16 units (25 chars, 28 bytes).
    assert_eq!(d[0]["range"]["start"], json!({ "line": 0, "character": 4 }));
    assert_eq!(d[0]["range"]["end"], json!({ "line": 0, "character": 26 }));

    // Fixed in the buffer: the diagnostics go away; a suppression comment works.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 3 },
                "contentChanges": [{ "text": "# slotlint: ignore[SL002] one node only\nMGET foo bar\nGET {user:1}:cart\n" }] }),
    );
    assert_eq!(c.diagnostics(&app), Vec::<Value>::new());

    // A Python buffer by its file name; closing clears its diagnostics.
    let py = uri(root, "jobs.py");
    let d = c.open(
        &py,
        "python",
        "import redis\nr = redis.Redis()\nr.mget(f\"{uid}:a\", f\"{uid}:b\")\n",
    );
    assert_eq!(codes(&d), ["SL002", "SL006", "SL006"], "{d:?}");
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": py } }),
    );
    assert_eq!(c.diagnostics(&py), Vec::<Value>::new());

    // Saving a new config reloads it for every open document.
    std::fs::write(root.join("slotlint.yaml"), "rules: { SL002: off }\n").unwrap();
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": app, "version": 4 },
                "contentChanges": [{ "text": "MGET foo bar\n" }] }),
    );
    assert_eq!(codes(&c.diagnostics(&app)), ["SL002"]);
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(root, "slotlint.yaml") } }),
    );
    assert_eq!(c.diagnostics(&app), Vec::<Value>::new());

    // Unknown requests get an error; shutdown then exit ends with 0.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    let r = c.request("shutdown", Value::Null);
    assert!(r["result"].is_null() && r.get("error").is_none());
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_broken_config_is_shown_and_the_defaults_serve() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("slotlint.yaml"), "rules: { SL004: loud }\n").unwrap();
    let mut c = Client::start(root);
    c.initialize(root);
    let shown = c.receive();
    assert_eq!(shown["method"], "window/showMessage");
    assert!(shown["params"]["message"]
        .as_str()
        .unwrap()
        .contains("slotlint.yaml:1:17: the level of SL004 must be error, warning, info or off"));
    let app = uri(root, "a.redis");
    assert_eq!(codes(&c.open(&app, "redis", "MGET a b\n")), ["SL002"]);
    // End of input without shutdown: exit code 1.
    drop(c.stdin);
    assert_eq!(c.child.wait().unwrap().code(), Some(1));
}

#[test]
fn saving_a_schema_rejudges_open_documents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("slotlint.yaml"), "schema: shop.keys.yaml\n").unwrap();
    let schema = root.join("shop.keys.yaml");
    std::fs::write(
        &schema,
        "keys:\n  cart: { pattern: \"{user:<id>}:cart\" }\n",
    )
    .unwrap();
    let mut c = Client::start(root);
    c.initialize(root);
    let app = uri(root, "app.redis");
    let d = c.open(&app, "redis", "GET {user:1}:cart\nGET {user:1}:wishlist\n");
    assert_eq!(codes(&d), ["SL011"], "{d:?}");
    assert_eq!(d[0]["range"]["start"]["line"], 1);
    std::fs::write(
        &schema,
        "keys:\n  cart: { pattern: \"{user:<id>}:cart\" }\n  wishlist: { pattern: \"{user:<id>}:wishlist\" }\n",
    )
    .unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(root, "shop.keys.yaml") } }),
    );
    assert_eq!(c.diagnostics(&app), Vec::<Value>::new());
}
