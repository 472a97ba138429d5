//! Files the code reads: paths built from `__dirname` (`path.join`,
//! `path.resolve`), script files read with `fs.readFileSync`/`readFile`,
//! JSON modules, and directories listed with `readdir` — a directory of
//! `name-3.lua` files is a set of commands with their key counts, as queue
//! libraries load them with `defineCommand`. Read through the project, so
//! that a `.lua` script shipped with the package is analyzed where the code
//! loads it.

use std::path::Path;

use tree_sitter::Node;

use super::value::{Elem, Js, Literal, Val};
use super::{Cx, Defined};

/// Most JSON bytes read as a module.
const MAX_JSON: usize = 1 << 20;

impl<'a> Cx<'a> {
    /// `fs.readFileSync(p)`, `path.join(__dirname, 'x.lua')` and their kin
    /// on any receiver (`fs`, `fs_1`, `fs.promises`), when the first
    /// argument is a path the analysis knows; `None` otherwise.
    pub(super) fn path_call(
        &mut self,
        recv: &Val,
        method: &str,
        args: &[Elem],
        node: Node<'a>,
    ) -> Option<Val> {
        if let Val::Ext(Js::File(_)) = recv {
            return matches!(method, "toString" | "trim").then(|| recv.clone());
        }
        self.file_call(method, args, node)
    }

    /// The path functions and file reads by name (`join(…)` after
    /// `const { join } = require('path')`, `readFile` promisified).
    pub(super) fn file_call(&mut self, name: &str, args: &[Elem], node: Node<'a>) -> Option<Val> {
        let Some(Val::Ext(Js::Path(first))) = args.first().map(|a| &a.val) else {
            return None;
        };
        let first = first.clone();
        match name {
            "join" | "resolve" => {
                let mut out = first;
                for a in &args[1..] {
                    let part = String::from_utf8(a.val.literal_bytes()?).ok()?;
                    out.push(part);
                }
                Some(Val::Ext(Js::Path(crate::project::normal(&out))))
            }
            "dirname" => Some(Val::Ext(Js::Path(first.parent()?.to_path_buf()))),
            "basename" => {
                let name = first.file_name()?.to_str()?.to_string();
                let ext = args
                    .get(1)
                    .and_then(|a| a.val.literal_bytes())
                    .map(|e| String::from_utf8_lossy(&e).into_owned());
                let name = match ext {
                    Some(e) => name.strip_suffix(&e).unwrap_or(&name).to_string(),
                    None => name,
                };
                Some(Val::lit(name))
            }
            "readFileSync" | "readFile" | "readFileAsync" => Some(self.read_text(&first, node)),
            "readdirSync" | "readdir" | "readdirAsync" => {
                if !self.listed_dirs.contains(&first) {
                    self.listed_dirs.push(first.clone());
                }
                Some(Val::Ext(Js::Dir(first)))
            }
            _ => None,
        }
    }

    /// The text of `path`, placed at `node`: every byte at the read (in the
    /// linted file, the place that led there).
    fn read_text(&mut self, path: &Path, node: Node<'a>) -> Val {
        let Some(text) = self.files.read(path) else {
            return Val::opaque(self.text(node));
        };
        Val::Ext(Js::File(Box::new(self.placed(&text, node))))
    }

    /// Text placed at `node`: every byte at its start, the end at its end.
    fn placed(&self, text: &[u8], node: Node<'_>) -> Literal {
        let site = self.span(node);
        let mut offsets = vec![site.start; text.len()];
        offsets.push(site.end);
        Literal {
            bytes: text.to_vec(),
            offsets,
        }
    }

    /// `require('./scripts.json')`: the JSON's objects, arrays, strings and
    /// numbers, its strings placed where the linted file led to it.
    pub(super) fn json_module(&mut self, path: &Path) -> Val {
        let Some(text) = self.files.read(path).filter(|t| t.len() <= MAX_JSON) else {
            return Val::Unknown;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&text) else {
            return Val::Unknown;
        };
        let site = if self.cur == 0 {
            self.here
        } else {
            self.site.unwrap_or_default()
        };
        json_val(&json, site, 0)
    }

    /// `defineCommand(name, options)` with a name the code computes, in code
    /// that lists a directory of `name-N.lua` files: each file is the
    /// command `name` taking `N` keys (the convention of queue libraries).
    pub(super) fn define_listed(&mut self, span: crate::model::Span) -> bool {
        let dirs = self.listed_dirs.clone();
        let mut any = false;
        for dir in dirs {
            for file in self.files.project.files_in(&dir) {
                let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let Some((command, numkeys)) = lua_command(name) else {
                    continue;
                };
                if self.defined.contains_key(command) {
                    continue;
                }
                let Some(text) = self.files.read(&file) else {
                    continue;
                };
                let mut offsets = vec![span.start; text.len()];
                offsets.push(span.end);
                self.defined.insert(
                    command.to_string(),
                    Defined {
                        numkeys: Some(numkeys),
                        lua: Some(Literal {
                            bytes: text.to_vec(),
                            offsets,
                        }),
                        file: true,
                        span,
                    },
                );
                any = true;
            }
        }
        any
    }
}

/// `addJob-6.lua` → the command `addJob` with 6 keys.
fn lua_command(file: &str) -> Option<(&str, u32)> {
    let stem = file.strip_suffix(".lua")?;
    let (name, n) = stem.rsplit_once('-')?;
    let n: u32 = n.parse().ok()?;
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some((name, n))
}

/// A JSON value as a JavaScript value, its strings placed at `site`.
fn json_val(v: &serde_json::Value, site: crate::model::Span, depth: usize) -> Val {
    if depth > 16 {
        return Val::Unknown;
    }
    match v {
        serde_json::Value::String(s) => {
            let mut offsets = vec![site.start; s.len()];
            offsets.push(site.end);
            Val::Str(
                crate::keypattern::KeyPattern::literal(s.as_bytes()),
                Some(Box::new(Literal {
                    bytes: s.as_bytes().to_vec(),
                    offsets,
                })),
            )
        }
        serde_json::Value::Number(n) => n.as_i64().map_or(Val::Unknown, Val::Int),
        serde_json::Value::Array(items) => Val::List(
            items
                .iter()
                .take(256)
                .map(|i| Elem {
                    val: json_val(i, site, depth + 1),
                    span: site,
                    text: String::new(),
                })
                .collect(),
        ),
        serde_json::Value::Object(map) => Val::Map(
            map.iter()
                .take(256)
                .map(|(k, v)| (Val::lit(k.as_bytes()), json_val(v, site, depth + 1), site))
                .collect(),
        ),
        _ => Val::Unknown,
    }
}
