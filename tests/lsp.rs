//! `slotlint lsp` end to end: the binary as an editor runs it, spoken to over
//! stdin/stdout in JSON-RPC. One test (or a few) per promise of the server:
//! diagnostics as `check` reports them, hover, code actions, incremental
//! sync and debouncing, the workspace's files, settings and watched files,
//! and the protocol's rules for odd input and the session's phases.
// JSON built in place and handed over reads best by value; `c`, `u`, `d`, `h`
// are the client, the document, its diagnostics and a hover throughout.
#![allow(clippy::needless_pass_by_value, clippy::many_single_char_names)]

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Longer than any answer takes, even on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Messages received while waiting for something else.
    seen: Vec<Value>,
    next_id: u64,
    _cache: tempfile::TempDir,
}

impl Client {
    /// The server, started in `cwd`.
    fn start(cwd: &Path) -> Client {
        // The rule pages go to a cache of the test's own.
        let cache = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_slotlint"))
            .arg("lsp")
            .current_dir(cwd)
            .env("XDG_CACHE_HOME", cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start slotlint lsp");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    length = v.parse().ok();
                }
            }
            let mut body = vec![0; length.expect("Content-Length")];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            let message: Value = serde_json::from_slice(&body).expect("the server sends JSON");
            if tx.send(message).is_err() {
                return;
            }
        });
        Client {
            child,
            stdin,
            messages,
            seen: Vec::new(),
            next_id: 1,
            _cache: cache,
        }
    }

    /// Started in `root`, initialized with `options`, `initialized` sent.
    fn ready(root: &Path, options: Value) -> Client {
        let mut c = Client::start(root);
        let init = c.initialize(root, options);
        assert!(init.get("result").is_some(), "{init}");
        c.notify("initialized", json!({}));
        c
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.write_raw(framed.as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request; its id.
    fn ask(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Sends a request and waits for its answer.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.ask(method, params);
        self.answer(id)
    }

    fn answer(&mut self, id: u64) -> Value {
        self.wait(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// The next message that `matches` (earlier ones that do not are kept).
    fn wait(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        self.wait_for(PATIENCE, matches)
            .unwrap_or_else(|| panic!("no such message; seen: {:#?}", self.seen))
    }

    fn wait_for(&mut self, patience: Duration, matches: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.seen.iter().position(&matches) {
            return Some(self.seen.remove(i));
        }
        let deadline = Instant::now() + patience;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if matches(&m) => return Some(m),
                Ok(m) => self.seen.push(m),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    fn initialize(&mut self, root: &Path, options: Value) -> Value {
        let capabilities = json!({
            "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
            "textDocument": { "publishDiagnostics": { "versionSupport": true } },
        });
        self.request(
            "initialize",
            json!({ "processId": null, "rootUri": file_uri(root), "capabilities": capabilities,
                    "initializationOptions": options }),
        )
    }

    /// The next diagnostics published for `uri` (its params).
    fn published(&mut self, uri: &str) -> Value {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"].clone()
    }

    /// Opens a document and returns the diagnostics it gets.
    fn open(&mut self, uri: &str, language: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
        diagnostics(&self.published(uri))
    }

    /// Replaces the whole text.
    fn replace(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": text }] }),
        );
    }

    fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        )
    }

    fn code_actions(&mut self, uri: &str, range: Value, only: Option<Value>) -> Vec<Value> {
        let mut context = json!({ "diagnostics": [] });
        if let Some(only) = only {
            context["only"] = only;
        }
        let r = self.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range, "context": context }),
        );
        r["result"].as_array().cloned().unwrap_or_default()
    }

    fn shutdown_and_exit(mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert!(r["result"].is_null() && r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        self.stdin.take();
        self.child.wait().unwrap().code()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn uri(dir: &Path, name: &str) -> String {
    file_uri(&dir.join(name))
}

fn diagnostics(params: &Value) -> Vec<Value> {
    params["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default())
        .collect()
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({ "start": { "line": l1, "character": c1 }, "end": { "line": l2, "character": c2 } })
}

/// `text` with the LSP text edits made (positions: UTF-16, ASCII here).
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = usize::try_from(p["line"].as_u64().unwrap()).unwrap();
        let col = usize::try_from(p["character"].as_u64().unwrap()).unwrap();
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + col
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (s, e, t) in spans {
        out.replace_range(s..e, t);
    }
    out
}

/// The edits a code action makes to `uri`.
fn edits_of(action: &Value, uri: &str) -> Vec<Value> {
    action["edit"]["changes"][uri]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Options that keep a test to the documents it opens.
fn quiet() -> Value {
    json!({ "workspaceDiagnostics": false })
}

// ---------------------------------------------------------------------------
// Diagnostics

#[test]
fn diagnostics_follow_the_buffer() {
    let dir = workspace(&[("slotlint.yaml", "rules: { SL004: error }\n")]);
    let root = dir.path();
    let mut c = Client::start(root);
    let init = c.initialize(root, quiet());
    let sync = &init["result"]["capabilities"]["textDocumentSync"];
    assert_eq!(sync["change"], 2, "incremental: {init}");
    assert_eq!(init["result"]["serverInfo"]["name"], "slotlint");
    c.notify("initialized", json!({}));

    // A cross-slot MGET, as typed: not saved to disk.
    let app = uri(root, "app.redis");
    let d = c.open(&app, "redis", "# cart\nMGET foo bar\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "SL002");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["range"], range(1, 0, 1, 12));
    assert!(d[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("`MGET` spans hash slots"));
    assert_eq!(d[0]["relatedInformation"].as_array().unwrap().len(), 2);

    // The config's level applies (SL004 raised to error); columns count
    // UTF-16 units (the emoji is two).
    c.replace(&app, 2, "SET \"😀{session}:8f14e45f\" x\n");
    let p = c.published(&app);
    assert_eq!(p["version"], 2);
    let d = diagnostics(&p);
    assert_eq!(codes(&d), ["SL004"], "{d:?}");
    assert_eq!(d[0]["severity"], 1);
    // `"😀{session}:8f14e45f"` from character 4: 22 UTF-16 units (25 chars, 28 bytes).
    assert_eq!(d[0]["range"], range(0, 4, 0, 26));

    // Fixed in the buffer: the diagnostics go away; a suppression comment works.
    c.replace(
        &app,
        3,
        "# slotlint: ignore[SL002] one node only\nMGET foo bar\nGET {user:1}:cart\n",
    );
    assert_eq!(diagnostics(&c.published(&app)), Vec::<Value>::new());

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
    assert_eq!(diagnostics(&c.published(&py)), Vec::<Value>::new());

    // Saving a new config reloads it for every open document.
    std::fs::write(root.join("slotlint.yaml"), "rules: { SL002: off }\n").unwrap();
    c.replace(&app, 4, "MGET foo bar\n");
    assert_eq!(codes(&diagnostics(&c.published(&app))), ["SL002"]);
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(root, "slotlint.yaml") } }),
    );
    assert_eq!(diagnostics(&c.published(&app)), Vec::<Value>::new());

    // Unknown requests get an error; shutdown then exit ends with 0.
    let r = c.request("workspace/symbol", json!({ "query": "" }));
    assert_eq!(r["error"]["code"], -32601);
    assert_eq!(c.shutdown_and_exit(), Some(0));
}

#[test]
fn the_demo_is_published_exactly_as_check_reports_it() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let out = Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .args(["check", "--format", "json-lines"])
        .current_dir(&demo)
        .output()
        .unwrap();
    let expected: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(expected.len() > 10, "{expected:?}");
    let mut c = Client::ready(&demo, quiet());
    let files: std::collections::BTreeSet<&str> = expected
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for file in files {
        let text = std::fs::read_to_string(demo.join(file)).unwrap();
        let u = uri(&demo, file);
        let got: Vec<(String, u64, String)> = c
            .open(&u, "", &text)
            .iter()
            .map(|d| {
                let first = d["message"].as_str().unwrap().lines().next().unwrap();
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap() + 1,
                    first.to_string(),
                )
            })
            .collect();
        let want: Vec<(String, u64, String)> = expected
            .iter()
            .filter(|f| f["path"] == file)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn diagnostics_link_their_rule_page() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let app = uri(root, "a.redis");
    let d = c.open(&app, "redis", "MGET foo bar\n");
    let href = d[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .to_string();
    // By default, the page (front matter and all), in the user's cache.
    let path = href.strip_prefix("file://").expect("a file URI");
    assert!(path.ends_with("/SL002.md"), "{href}");
    let page = std::fs::read_to_string(path).unwrap();
    assert!(page.contains("id: SL002") && page.contains("name: cross-slot-command"));
    // Or where the settings say.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "slotlint": { "ruleDocsUrl": "https://docs.example/rules/{rule}.html" } } }),
    );
    let d = diagnostics(&c.published(&app));
    assert_eq!(
        d[0]["codeDescription"]["href"],
        "https://docs.example/rules/SL002.html"
    );
}

// ---------------------------------------------------------------------------
// Hover

/// The hover text at a position.
fn hover_text(c: &mut Client, uri: &str, line: u32, character: u32) -> String {
    let h = c.hover(uri, line, character);
    h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("no hover: {h}"))
        .to_string()
}

#[test]
fn hover_on_a_redis_cli_key_with_its_slot_node_and_transaction() {
    let dir = workspace(&[(
        "slotlint.yaml",
        "topology:\n  nodes: { A: \"0-5460\", B: \"5461-10922\", C: \"10923-16383\" }\n",
    )]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let app = uri(root, "a.redis");
    let text = "MULTI\nHGETALL {user:1001}:cart\nZADD {user:1001}:orders 1 x\nRENAME order:98765 archive:order:98765\nEXEC\n";
    c.open(&app, "redis", text);
    let h = hover_text(&mut c, &app, 1, 12);
    // redis-cli CLUSTER KEYSLOT user:1001 → 5712; order:98765 → 3103.
    assert!(h.starts_with("**key** `{user:1001}:cart`\n"), "{h}");
    assert!(h.contains("- hash tag: `{user:1001}`\n"), "{h}");
    assert!(h.contains("- slot: **5712** on node `B`\n"), "{h}");
    assert!(h.contains("- command: `HGETALL`"), "{h}");
    assert!(
        h.contains("in this transaction with 3 other keys: they do not all share a slot"),
        "{h}"
    );
    assert!(
        h.contains("- `{user:1001}:orders`: same slot (both hash to slot 5712)"),
        "{h}"
    );
    assert!(h.contains("- `order:98765`: another slot"), "{h}");
    let r = c.hover(&app, 1, 12);
    assert_eq!(r["result"]["range"], range(1, 8, 1, 24));
    // The RENAME's own keys, and the finding there (SL002) with its page.
    let h = hover_text(&mut c, &app, 3, 9);
    assert!(h.contains("- slot: **3103** on node `A`"), "{h}");
    assert!(
        h.contains("in this `RENAME` with 1 other key: they do not all share a slot"),
        "{h}"
    );
    assert!(h.contains("**SL002** `cross-slot-command` (error, proven): one multi-key command over keys in different slots — [rule page]("), "{h}");
    // Nothing there: no hover.
    assert!(c.hover(&app, 4, 1)["result"].is_null());
}

#[test]
fn hover_on_interpolated_keys_in_each_language() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let py = uri(root, "a.py");
    c.open(
        &py,
        "python",
        "import redis\nr = redis.Redis()\ndef f(uid):\n    r.get(f\"{{user:{uid}}}:cart\")\n",
    );
    let h = hover_text(&mut c, &py, 3, 12);
    assert!(
        h.starts_with(
            "**key** `{user:<uid>}:cart`\n\n- hash tag: `{user:<uid>}`\n- slot: depends on `uid`\n"
        ),
        "{h}"
    );
    let ts = uri(root, "a.ts");
    c.open(&ts, "typescript", "import Redis from \"ioredis\";\nconst r = new Redis();\nexport async function f(id: string) {\n  return r.get(`order:${id}:items`);\n}\n");
    let h = hover_text(&mut c, &ts, 3, 20);
    assert!(h.starts_with("**key** `order:<id>:items`\n\n- hash tag: none: the whole key is hashed\n- slot: depends on `id`\n"), "{h}");
    let rs = uri(root, "a.rs");
    c.open(&rs, "rust", "fn f(con: &mut redis::Connection, id: u64) {\n    let _: () = redis::cmd(\"GET\").arg(format!(\"{{acct:{id}}}:balance\")).query(con).unwrap();\n}\n");
    let h = hover_text(&mut c, &rs, 1, 50);
    assert!(h.starts_with("**key** `{acct:<id>}:balance`\n"), "{h}");
}

#[test]
fn hover_names_the_schema_family() {
    let schema = "keys:\n  user_cart: { pattern: \"{user:<user_id>}:cart\", type: hash }\n  daily: { pattern: \"stats:{<day>}\", cardinality: 365 }\n";
    let dir = workspace(&[
        ("slotlint.yaml", "schema: shop.keys.yaml\n"),
        ("shop.keys.yaml", schema),
    ]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let app = uri(root, "a.redis");
    c.open(&app, "redis", "GET {user:7}:cart\nGET nowhere:1\n");
    let h = hover_text(&mut c, &app, 0, 6);
    assert!(
        h.contains("- schema family: `user_cart` (`{user:<user_id>}:cart`, shop.keys.yaml)"),
        "{h}"
    );
    let h = hover_text(&mut c, &app, 1, 6);
    assert!(h.contains("- schema: matches no declared family"), "{h}");
    // On the schema's own pattern: the family.
    let s = uri(root, "shop.keys.yaml");
    c.open(&s, "yaml", schema);
    let h = hover_text(&mut c, &s, 2, 24);
    assert!(h.starts_with("**key** `stats:{<day>}`\n\n- hash tag: `{<day>}`\n- slot: depends on `day`\n- schema family `daily`, cardinality 365"), "{h}");
}

// ---------------------------------------------------------------------------
// Code actions

/// The code actions at a finding's range, by title.
fn action<'a>(actions: &'a [Value], title_starts: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(title_starts))
        .unwrap_or_else(|| panic!("no `{title_starts}` action in {actions:#?}"))
}

#[test]
fn quick_fixes_tag_keys_in_each_language_and_the_finding_goes() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let cases = [
        ("a.redis", "redis", "MGET user:1:name user:1:email\n", "MGET {user:1}:name {user:1}:email\n", "give the keys the hash tag `{user:1}`"),
        ("b.py", "python", "import redis\nr = redis.Redis()\ndef f(uid):\n    r.mget(f\"order:{uid}\", f\"archive:order:{uid}\")\n", "import redis\nr = redis.Redis()\ndef f(uid):\n    r.mget(f\"{{order:{uid}}}\", f\"archive:{{order:{uid}}}\")\n", "give the keys the hash tag `{order:<uid>}`"),
        ("c.ts", "typescript", "import Redis from \"ioredis\";\nconst r = new Redis();\nexport async function f(uid: string) {\n  await r.mget(`order:${uid}`, `archive:order:${uid}`);\n}\n", "import Redis from \"ioredis\";\nconst r = new Redis();\nexport async function f(uid: string) {\n  await r.mget(`{order:${uid}}`, `archive:{order:${uid}}`);\n}\n", "give the keys the hash tag `{order:<uid>}`"),
        ("d.rs", "rust", "fn f(con: &mut redis::Connection, uid: u64) {\n    let _: () = redis::cmd(\"MGET\").arg(format!(\"order:{uid}\")).arg(format!(\"archive:order:{}\", uid)).query(con).unwrap();\n}\n", "fn f(con: &mut redis::Connection, uid: u64) {\n    let _: () = redis::cmd(\"MGET\").arg(format!(\"{{order:{uid}}}\")).arg(format!(\"archive:{{order:{}}}\", uid)).query(con).unwrap();\n}\n", "give the keys the hash tag `{order:<uid>}`"),
    ];
    for (name, language, before, after, title) in cases {
        let u = uri(root, name);
        let d = c.open(&u, language, before);
        let first = d
            .iter()
            .find(|d| d["code"] == "SL002")
            .unwrap_or_else(|| panic!("{name}: {d:?}"));
        let actions = c.code_actions(&u, first["range"].clone(), None);
        let fix = action(&actions, title);
        assert_eq!(fix["kind"], "quickfix");
        assert_eq!(fix["isPreferred"], true);
        assert_eq!(fix["diagnostics"][0]["code"], "SL002");
        let fixed = apply(before, &edits_of(fix, &u));
        assert_eq!(fixed, after, "{name}");
        c.replace(&u, 2, &fixed);
        let left = diagnostics(&c.published(&u));
        assert_eq!(left, Vec::<Value>::new(), "{name}");
    }
}

#[test]
fn quick_fixes_for_braces_that_are_no_tag() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    // A nested tag in a transaction with a key of the tag it means.
    let a = uri(root, "a.redis");
    let before = "MULTI\nSET {{user:2}}:a 1\nSET {user:2}:b 1\nEXEC\n";
    let d = c.open(&a, "redis", before);
    let sl006 = d.iter().find(|d| d["code"] == "SL006").unwrap();
    let actions = c.code_actions(&a, sl006["range"].clone(), Some(json!(["quickfix"])));
    let fix = action(&actions, "use one pair of braces");
    assert_eq!(
        apply(before, &edits_of(fix, &a)),
        "MULTI\nSET {user:2}:a 1\nSET {user:2}:b 1\nEXEC\n"
    );
    // Interpolation braces taken for a tag: doubled in the f-string.
    let p = uri(root, "p.py");
    let before = "import redis\nr = redis.Redis()\ndef f(uid):\n    with r.pipeline(transaction=True) as p:\n        p.hgetall(f\"cart:{uid}\")\n        p.get(f\"{{{uid}}}:profile\")\n        p.execute()\n";
    let d = c.open(&p, "python", before);
    let sl006 = d.iter().find(|d| d["code"] == "SL006").unwrap();
    let actions = c.code_actions(&p, sl006["range"].clone(), None);
    let fix = action(
        &actions,
        "double the braces so that `uid` becomes the hash tag",
    );
    let fixed = apply(before, &edits_of(fix, &p));
    assert!(fixed.contains("p.hgetall(f\"cart:{{{uid}}}\")"), "{fixed}");
    c.replace(&p, 2, &fixed);
    assert_eq!(diagnostics(&c.published(&p)), Vec::<Value>::new());
}

#[test]
fn ignore_comments_in_the_file_comment_syntax() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let cases = [
        ("a.redis", "redis", "MULTI\n  KEYS user:*\nEXEC\n", "MULTI\n  # slotlint: ignore[SL008]\n  KEYS user:*\nEXEC\n"),
        ("b.py", "python", "import redis\nr = redis.RedisCluster()\nr.keys(\"user:*\")\n", "import redis\nr = redis.RedisCluster()\n# slotlint: ignore[SL008]\nr.keys(\"user:*\")\n"),
        ("c.js", "javascript", "const Redis = require(\"ioredis\");\nconst r = new Redis.Cluster([]);\n  r.keys(\"user:*\");\n", "const Redis = require(\"ioredis\");\nconst r = new Redis.Cluster([]);\n  // slotlint: ignore[SL008]\n  r.keys(\"user:*\");\n"),
    ];
    for (name, language, before, after) in cases {
        let u = uri(root, name);
        let d = c.open(&u, language, before);
        assert_eq!(codes(&d), ["SL008"], "{name}: {d:?}");
        let actions = c.code_actions(&u, d[0]["range"].clone(), None);
        let ignore = action(&actions, "Ignore SL008 on this line");
        assert_eq!(ignore["kind"], "quickfix");
        assert!(ignore.get("isPreferred").is_none_or(|p| p != true));
        let fixed = apply(before, &edits_of(ignore, &u));
        assert_eq!(fixed, after, "{name}");
        c.replace(&u, 2, &fixed);
        assert_eq!(diagnostics(&c.published(&u)), Vec::<Value>::new(), "{name}");
    }
}

#[test]
fn fix_all_makes_every_safe_fix_of_the_file() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    let u = uri(root, "a.redis");
    let before = "MGET user:1:name user:1:email\nMULTI\nSET {{user:2}}:a 1\nSET {user:2}:b 1\nEXEC\nGET {{user:3}}:lone\n";
    let d = c.open(&u, "redis", before);
    assert_eq!(codes(&d), ["SL002", "SL001", "SL006", "SL006"], "{d:?}");
    let actions = c.code_actions(&u, range(0, 0, 0, 0), Some(json!(["source.fixAll"])));
    assert_eq!(actions.len(), 1, "{actions:#?}");
    let all = &actions[0];
    assert_eq!(all["kind"], "source.fixAll.slotlint");
    let fixed = apply(before, &edits_of(all, &u));
    // The lone nested tag is not proven right: left for the user.
    assert_eq!(
        fixed,
        "MGET {user:1}:name {user:1}:email\nMULTI\nSET {user:2}:a 1\nSET {user:2}:b 1\nEXEC\nGET {{user:3}}:lone\n"
    );
    // Quick fixes only: no fix-all.
    let actions = c.code_actions(&u, range(0, 0, 0, 4), Some(json!(["quickfix"])));
    assert!(
        actions.iter().all(|a| a["kind"] == "quickfix"),
        "{actions:#?}"
    );
}

// ---------------------------------------------------------------------------
// Fast and current

#[test]
fn incremental_changes_and_a_burst_give_one_current_publish() {
    let dir = workspace(&[]);
    let root = dir.path();
    // A long rest, so that the burst below is one whatever the machine's load.
    let mut c = Client::ready(
        root,
        json!({ "workspaceDiagnostics": false, "debounceMs": 300 }),
    );
    let u = uri(root, "a.redis");
    assert_eq!(c.open(&u, "redis", "GET a\n"), Vec::<Value>::new());
    // Ten incremental changes at once, each inserting one line at the top:
    // the last makes a cross-slot MGET.
    let mut burst = Vec::new();
    for v in 2..=11 {
        let line = if v == 11 { "MGET a b\n" } else { "GET a\n" };
        let body = json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": { "textDocument": { "uri": u, "version": v },
                        "contentChanges": [{ "range": range(0, 0, 0, 0), "text": line }] } })
        .to_string();
        burst.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
    }
    c.write_raw(&burst);
    let p = c.published(&u);
    assert_eq!(p["version"], 11, "{p}");
    let d = diagnostics(&p);
    assert_eq!(codes(&d), ["SL002"]);
    assert_eq!(d[0]["range"]["start"]["line"], 0);
    // Nothing else for that document: no stale version was published.
    let more = c.wait_for(Duration::from_millis(800), |m| {
        m["method"] == "textDocument/publishDiagnostics"
    });
    assert!(more.is_none(), "{more:?}");
    // The text is what the edits made: ten lines.
    let h = hover_text(&mut c, &u, 9, 4);
    assert!(h.starts_with("**key** `a`"), "{h}");
    assert!(c.hover(&u, 10, 0)["result"].is_null());
}

#[test]
fn a_lint_overtaken_by_a_change_is_never_published() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::ready(
        root,
        json!({ "workspaceDiagnostics": false, "debounceMs": 0 }),
    );
    // Long enough to lint that the change below arrives meanwhile.
    let mut text = String::from("import redis\nr = redis.Redis()\n");
    for i in 0..800 {
        let _ = write!(
            text,
            "def f{i}(uid):\n    r.mget(f\"a:{{uid}}:{i}\", f\"b:{{uid}}:{i}\")\n"
        );
    }
    let u = uri(root, "big.py");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": u, "languageId": "python", "version": 1, "text": text } }),
    );
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": u, "version": 2 },
                "contentChanges": [{ "range": range(0, 0, 0, 0), "text": "# top\n" }] }),
    );
    let p = c.published(&u);
    assert_eq!(p["version"], 2, "only the current version is published");
    assert_eq!(diagnostics(&p)[0]["range"]["start"]["line"], 4);
    let more = c.wait_for(Duration::from_millis(500), |m| {
        m["method"] == "textDocument/publishDiagnostics"
    });
    assert!(more.is_none(), "{more:?}");
}

#[test]
fn requests_wait_for_the_current_version_or_are_cancelled() {
    let dir = workspace(&[]);
    let root = dir.path();
    // Changes less than 2 s apart are a burst, linted once it has rested 2 s:
    // each hover below is asked while its version waits.
    let mut c = Client::ready(
        root,
        json!({ "workspaceDiagnostics": false, "debounceMs": 2000 }),
    );
    let u = uri(root, "a.redis");
    c.open(&u, "redis", "GET a\n");
    // A hover after a change waits for the lint of that change...
    c.replace(&u, 2, "GET {b}:x\n");
    let id = c.ask(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": { "line": 0, "character": 5 } }),
    );
    let h = c.answer(id);
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**key** `{b}:x`"),
        "{h}"
    );
    // ...unless the client cancels it,
    c.replace(&u, 3, "GET c\n");
    c.replace(&u, 4, "GET c\n");
    let id = c.ask(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": { "line": 0, "character": 4 } }),
    );
    c.notify("$/cancelRequest", json!({ "id": id }));
    assert_eq!(c.answer(id)["error"]["code"], -32800);
    // ...or the document changes again.
    let id = c.ask(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": { "line": 0, "character": 4 } }),
    );
    c.replace(&u, 5, "GET d\n");
    assert_eq!(c.answer(id)["error"]["code"], -32801);
}

// ---------------------------------------------------------------------------
// The workspace

#[test]
fn files_not_open_are_published_from_disk() {
    let dir = workspace(&[
        ("ops/a.redis", "MGET foo bar\n"),
        ("ops/clean.redis", "GET {user:1}:cart\n"),
        ("notes.txt", "MGET foo bar\n"),
    ]);
    let root = dir.path();
    let mut c = Client::ready(root, json!({}));
    let a = uri(root, "ops/a.redis");
    let p = c.published(&a);
    assert!(p["version"].is_null(), "{p}");
    assert_eq!(codes(&diagnostics(&p)), ["SL002"]);
    // Opened: the buffer's diagnostics, with its version; closed: the file's again.
    let d = c.open(&a, "redis", "GET x\n");
    assert_eq!(d, Vec::<Value>::new());
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": a } }),
    );
    let p = c.published(&a);
    assert_eq!(codes(&diagnostics(&p)), ["SL002"]);
    // A file changed on disk, outside the editor: published again.
    std::fs::write(root.join("ops/a.redis"), "MGET foo bar\nKEYS *\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": a, "type": 2 }] }),
    );
    let p = c.published(&a);
    assert_eq!(codes(&diagnostics(&p)), ["SL002", "SL008"]);
    // Nothing was published for the clean file nor the text file.
    assert!(c
        .seen
        .iter()
        .all(|m| m["params"]["uri"] != uri(root, "notes.txt")));
}

#[test]
fn a_schema_changed_outside_the_editor_rejudges_open_documents() {
    let dir = workspace(&[
        ("slotlint.yaml", "schema: shop.keys.yaml\n"),
        (
            "shop.keys.yaml",
            "keys:\n  cart: { pattern: \"{user:<id>}:cart\" }\n",
        ),
    ]);
    let root = dir.path();
    let mut c = Client::ready(root, quiet());
    // The server asks to be told of changes to YAML and source files.
    let reg = c.wait(|m| m["method"] == "client/registerCapability");
    let globs: Vec<&str> = reg["params"]["registrations"][0]["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/*.{yaml,yml}"), "{globs:?}");
    let app = uri(root, "app.redis");
    let d = c.open(&app, "redis", "GET {user:1}:cart\nGET {user:1}:wishlist\n");
    assert_eq!(codes(&d), ["SL011"], "{d:?}");
    assert_eq!(d[0]["range"]["start"]["line"], 1);
    std::fs::write(
        root.join("shop.keys.yaml"),
        "keys:\n  cart: { pattern: \"{user:<id>}:cart\" }\n  wishlist: { pattern: \"{user:<id>}:wishlist\" }\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(root, "shop.keys.yaml"), "type": 2 }] }),
    );
    assert_eq!(diagnostics(&c.published(&app)), Vec::<Value>::new());
    // A schema the config names, whatever its name, is linted when opened.
    std::fs::write(
        root.join("slotlint.yaml"),
        "schema: [shop.keys.yaml, more.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("more.yaml"),
        "keys:\n  s: { pattern: \"{session}:<id>\", qps: 20000 }\n",
    )
    .unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(root, "slotlint.yaml") } }),
    );
    assert_eq!(diagnostics(&c.published(&app)), Vec::<Value>::new());
    let more = uri(root, "more.yaml");
    let d = c.open(
        &more,
        "yaml",
        "keys:\n  s: { pattern: \"{session}:<id>\", qps: 20000 }\n",
    );
    assert_eq!(codes(&d), ["SL004"], "{d:?}");
    // And a saved config, as before.
    std::fs::write(root.join("slotlint.yaml"), "{}\n").unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(root, "slotlint.yaml") } }),
    );
    assert_eq!(diagnostics(&c.published(&app)), Vec::<Value>::new());
}

#[test]
fn settings_from_initialization_options_and_configuration_changes() {
    let dir = workspace(&[("ci/strict.yaml", "rules: { SL010: error }\n")]);
    let root = dir.path();
    let text = "from redis.cluster import RedisCluster\nrc = RedisCluster()\ndef f(a, b):\n    rc.mget_nonatomic([f\"p:{a}\", f\"p:{b}\"])\n";
    // `minCertainty: proven` drops the likely SL010.
    let mut c = Client::ready(
        root,
        json!({ "workspaceDiagnostics": false, "minCertainty": "proven" }),
    );
    let u = uri(root, "a.py");
    assert_eq!(c.open(&u, "python", text), Vec::<Value>::new());
    // Changed settings: another config file; every open document again.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "slotlint": { "minCertainty": null, "configPath": "ci/strict.yaml" } } }),
    );
    let d = diagnostics(&c.published(&u));
    assert_eq!(codes(&d), ["SL010"]);
    assert_eq!(d[0]["severity"], 1, "raised to error by ci/strict.yaml");
    // A value that cannot be read is shown, and the rest still applies.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "slotlint": { "minCertainty": "sure" } } }),
    );
    let shown = c.wait(|m| m["method"] == "window/showMessage");
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap()
            .contains("minCertainty"),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------
// The protocol

#[test]
fn before_initialize_and_after_shutdown() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::start(root);
    let u = uri(root, "a.redis");
    // Before `initialize`: requests are refused, notifications dropped.
    let r = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(r["error"]["code"], -32002, "{r}");
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": u, "languageId": "redis", "version": 1, "text": "MGET a b\n" } }));
    assert!(c.initialize(root, quiet()).get("result").is_some());
    assert!(
        c.hover(&u, 0, 0)["result"].is_null(),
        "the document was never opened"
    );
    let r = c.request("initialize", json!({ "capabilities": {} }));
    assert_eq!(r["error"]["code"], -32600, "only once: {r}");
    // After `shutdown`: requests are invalid, nothing is linted.
    assert!(c.request("shutdown", Value::Null)["result"].is_null());
    let r = c.hover(&u, 0, 0);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": u, "languageId": "redis", "version": 1, "text": "MGET a b\n" } }));
    let published = c.wait_for(Duration::from_millis(500), |m| {
        m["method"] == "textDocument/publishDiagnostics"
    });
    assert!(published.is_none(), "{published:?}");
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_broken_config_is_shown_and_the_defaults_serve() {
    let dir = workspace(&[("slotlint.yaml", "rules: { SL004: loud }\n")]);
    let root = dir.path();
    let mut c = Client::start(root);
    c.initialize(root, quiet());
    let shown = c.wait(|m| m["method"] == "window/showMessage");
    assert_eq!(shown["params"]["type"], 1);
    assert!(shown["params"]["message"]
        .as_str()
        .unwrap()
        .contains("slotlint.yaml:1:17: the level of SL004 must be error, warning, info or off"));
    let app = uri(root, "a.redis");
    assert_eq!(codes(&c.open(&app, "redis", "MGET a b\n")), ["SL002"]);
}

#[test]
fn exit_without_shutdown_and_the_end_of_input() {
    let dir = workspace(&[]);
    let mut c = Client::start(dir.path());
    c.initialize(dir.path(), quiet());
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(1));
    let mut c = Client::start(dir.path());
    c.initialize(dir.path(), quiet());
    c.stdin.take();
    assert_eq!(c.child.wait().unwrap().code(), Some(1));
}

#[test]
fn odd_frames_are_answered_and_the_session_goes_on() {
    let dir = workspace(&[]);
    let root = dir.path();
    let mut c = Client::start(root);
    // JSON that is not an object: an invalid request, with a null id.
    c.write_raw(b"Content-Length: 7\r\n\r\n[1,2,3]");
    let r = c.wait(|m| m.get("error").is_some());
    assert_eq!(r["error"]["code"], -32600);
    assert!(r["id"].is_null());
    c.write_raw(b"Content-Length: 2\r\n\r\n42");
    assert_eq!(
        c.wait(|m| m.get("error").is_some())["error"]["code"],
        -32600
    );
    // A header that is not UTF-8: a parse error, answered.
    c.write_raw(b"Content-Type: \xff\xfe\r\nContent-Length: 2\r\n\r\n{}");
    let r = c.wait(|m| m.get("error").is_some());
    assert_eq!(r["error"]["code"], -32700);
    // Not JSON at all.
    c.write_raw(b"Content-Length: 5\r\n\r\n{oops");
    assert_eq!(
        c.wait(|m| m.get("error").is_some())["error"]["code"],
        -32700
    );
    // And the session goes on.
    assert!(c.initialize(root, quiet()).get("result").is_some());
    c.notify("initialized", json!({}));
    let u = uri(root, "a.redis");
    assert_eq!(codes(&c.open(&u, "redis", "MGET a b\n")), ["SL002"]);
    assert_eq!(c.shutdown_and_exit(), Some(0));
}

#[test]
fn paths_in_messages_are_relative_to_the_root_wherever_the_server_starts() {
    let dir = workspace(&[
        ("slotlint.yaml", "schema: schemas/shop.keys.yaml\n"),
        (
            "schemas/shop.keys.yaml",
            "keys:\n  cart: { pattern: \"{user:<id>}:cart\" }\n",
        ),
    ]);
    let root = dir.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let mut c = Client::start(elsewhere.path());
    c.initialize(root, quiet());
    c.notify("initialized", json!({}));
    let u = uri(root, "ops/a.redis");
    let d = c.open(&u, "redis", "GET wishlist:1\n");
    assert_eq!(codes(&d), ["SL011"]);
    let message = d[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "key `wishlist:1` matches no family of the key schema (`schemas/shop.keys.yaml`)"
        ),
        "{message}"
    );
    // A broken schema, opened: its error names it as the root sees it.
    let s = uri(root, "schemas/shop.keys.yaml");
    let d = c.open(&s, "yaml", "keys: 5\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"], json!({ "line": 0, "character": 6 }));
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`keys` must be a mapping"),
        "{d:?}"
    );
    // And a broken config is shown with its path from the root.
    std::fs::write(root.join("slotlint.yaml"), "rules: { SL004: loud }\n").unwrap();
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri(root, "slotlint.yaml") } }),
    );
    let shown = c.wait(|m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.starts_with(
            "slotlint: slotlint.yaml:1:17: the level of SL004 must be error, warning, info or off"
        ),
        "{text}"
    );
}

#[test]
fn a_change_to_an_imported_module_relints_its_importers() {
    let conn = "import redis\nfrom .keys import PREFIX\n\nr = redis.Redis()\n\n\ndef f(x):\n    r.mget(PREFIX + \"a:\" + x, PREFIX + \"b:\" + x)\n";
    let dir = workspace(&[
        ("pkg/__init__.py", ""),
        ("pkg/keys.py", "PREFIX = \"app:\"\n"),
        ("pkg/conn.py", conn),
    ]);
    let root = dir.path();
    let mut c = Client::start(root);
    c.initialize(root, quiet());
    let conn_uri = uri(root, "pkg/conn.py");
    // The prefix comes from the other module, read from disk: untagged keys.
    assert_eq!(codes(&c.open(&conn_uri, "python", conn)), ["SL002"]);
    // The module opened, then edited (not saved): the importer is linted
    // again with the buffer's prefix, whose tag the keys now share.
    let keys_uri = uri(root, "pkg/keys.py");
    c.open(&keys_uri, "python", "PREFIX = \"app:\"\n");
    c.replace(&keys_uri, 2, "PREFIX = \"{app}:\"\n");
    // (A publish of the importer for the opening itself may come first.)
    let publishes = |m: &Value, sl002: bool| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == conn_uri
            && codes(&diagnostics(&m["params"])).contains(&"SL002") == sl002
    };
    c.wait(|m| publishes(m, false));
    c.seen.retain(|m| m["params"]["uri"] != conn_uri);
    // Closed unsaved: the disk counts again.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": keys_uri } }),
    );
    c.wait(|m| publishes(m, true));
}
