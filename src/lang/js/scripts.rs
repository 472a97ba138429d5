//! Script calls (`eval`, `evalsha`, `fcall`, `defineCommand` commands) and
//! ops from flattened arguments; the builder makes their ops and groups.

use tree_sitter::Node;

use super::redis::flatten;
use super::value::{Elem, Js, Literal, Val};
use super::Cx;
use crate::lang::lua;
use crate::model::{Key, Span};

/// Where a command goes: its client, and the pipeline it is queued on.
#[derive(Debug, Clone, Copy)]
pub(super) struct To {
    pub(super) client: Option<usize>,
    pub(super) pipe: Option<usize>,
}

/// A script call: the command, the script's text when known (and whether
/// it is a file of its own), where the script is known from, and the key
/// count the call passes when known.
pub(super) struct Run<'l> {
    pub(super) command: &'l str,
    pub(super) lit: Option<&'l Literal>,
    pub(super) file: bool,
    pub(super) span: Span,
    pub(super) numkeys: Option<u32>,
}

impl<'a> Cx<'a> {
    /// `eval(script, numkeys, …)` (ioredis) or `eval(script, { keys, arguments })` (node-redis).
    pub(super) fn eval_call(&mut self, to: To, method: &str, node: Node<'a>, args: &[Elem]) {
        let command = match method.to_ascii_lowercase().as_str() {
            "eval" => "EVAL",
            "evalro" | "eval_ro" => "EVAL_RO",
            "evalsharo" | "evalsha_ro" => "EVALSHA_RO",
            "fcall" => "FCALL",
            "fcallro" | "fcall_ro" => "FCALL_RO",
            _ => "EVALSHA",
        };
        let Some(first) = args.first() else {
            return;
        };
        let (lit, file) = script_text(command, &first.val);
        // node-redis lists the keys apart: `{ keys: [...], arguments: [...] }`.
        // node-redis lists the keys apart: `{ keys: [...], arguments: [...] }`.
        let (rest, numkeys, listed) = match args.get(1) {
            Some(opts) if matches!(opts.val, Val::Map(_)) => listed_keys(opts),
            _ => {
                let mut flat = flatten(&args[1..]);
                let numkeys = flat.first().and_then(|a| match a.val {
                    Val::Int(n) => u32::try_from(n).ok(),
                    _ => None,
                });
                if !flat.is_empty() {
                    flat.remove(0);
                }
                (flat, numkeys, None)
            }
        };
        let run = Run {
            command,
            lit,
            file,
            span: first.span,
            numkeys,
        };
        let span = self.span(node);
        self.script_call(to, span, &run, keys(&rest, listed, numkeys));
        lua::name_fcall(
            &mut self.m.out.model,
            command,
            first.val.literal_bytes().as_deref(),
        );
    }

    /// `functionLoad(code)` (node-redis), `function('LOAD', [REPLACE,] code)`
    /// (ioredis): the library, when its text is a literal.
    pub(super) fn function_load(&mut self, args: &[Elem]) {
        // The code is the last argument (`REPLACE` may come before it).
        if let Some(Val::Str(_, Some(l))) = args.last().map(|a| &a.val) {
            self.m.library(l);
        }
    }

    /// A script call passing `keys`: a family among them leaves their
    /// number unknown.
    pub(super) fn script_call(&mut self, to: To, span: Span, run: &Run<'_>, keys: &[Elem]) {
        let determinate = keys.iter().all(|a| !matches!(a.val, Val::Family(..)));
        let keys: Vec<Key> = if determinate {
            keys.iter().map(Elem::key).collect()
        } else {
            Vec::new()
        };
        let numkeys = run.numkeys.filter(|_| determinate);
        let Some(op) = self.m.op(run.command, span, keys, Vec::new(), to.client) else {
            return;
        };
        self.m.queue::<Js>(to.pipe, Some(op), run.command);
        let script = self.m.script_text(run.lit, run.span, numkeys, run.file);
        self.m.script_group(op, span, script, to.client);
    }

    /// An op from flattened arguments: the keys where the command's key specs say.
    pub(super) fn emit(&mut self, to: To, name: &str, span: Span, flat: &[Elem]) {
        let mut argv = vec![Elem {
            val: Val::lit(name),
            span,
            text: name.to_string(),
        }];
        argv.extend_from_slice(flat);
        let op = self.m.argv_op(&argv, span, to.client, &[]);
        self.m.queue::<Js>(to.pipe, op, name);
    }
}

/// The text a script call runs, when the code holds it: an EVAL's literal
/// or file text, the text an EVALSHA's digest was loaded from; and whether
/// it is a file of its own.
pub(super) fn script_text<'v>(command: &str, v: &'v Val) -> (Option<&'v Literal>, bool) {
    match (command, v) {
        ("EVAL" | "EVAL_RO", Val::Str(_, Some(lit))) => (Some(lit), false),
        ("EVAL" | "EVAL_RO", Val::Ext(Js::File(lit))) => (Some(lit), true),
        ("EVALSHA" | "EVALSHA_RO", Val::Ext(Js::Sha(Some(lit), file))) => (Some(lit), *file),
        _ => (None, false),
    }
}

/// The key arguments of a script call: the first `listed` of `rest` when
/// the call lists them apart, else the first `numkeys`.
pub(super) fn keys(rest: &[Elem], listed: Option<usize>, numkeys: Option<u32>) -> &[Elem] {
    let n = listed
        .or(numkeys.and_then(|n| usize::try_from(n).ok()))
        .unwrap_or(0);
    &rest[..n.min(rest.len())]
}

/// The keys node-redis options list (`{ keys: [...] }`), placed at the
/// options: the flattened keys, their count when known, and how many.
fn listed_keys(opts: &Elem) -> (Vec<Elem>, Option<u32>, Option<usize>) {
    match opts.val.prop("keys") {
        Some(Val::List(items)) => {
            let placed: Vec<Elem> = items
                .iter()
                .map(|e| Elem {
                    val: e.val.clone(),
                    ..opts.clone()
                })
                .collect();
            let keys = flatten(&placed);
            let count = u32::try_from(items.len())
                .ok()
                .filter(|_| !keys.iter().any(|a| matches!(a.val, Val::Family(..))));
            let listed = keys.len();
            (keys, count, Some(listed))
        }
        None => (Vec::new(), Some(0), Some(0)),
        Some(_) => (Vec::new(), None, Some(0)),
    }
}
