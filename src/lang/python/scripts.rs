//! Script calls: `eval`/`evalsha` with their KEYS, `register_script` objects
//! called with `keys=[…]`, and the script groups they make, with the Lua text
//! analyzed when it is known.

use tree_sitter::Node;

use super::calls::Args;
use super::value::{Literal, Py, Val};
use super::Cx;
use crate::lang::lua;
use crate::model::Span;

impl<'a> Cx<'a> {
    /// `eval(script, numkeys, *keys_and_args)` and friends.
    pub(super) fn script_call(
        &mut self,
        client: Option<usize>,
        pipe: Option<usize>,
        command: &str,
        node: Node<'a>,
        args: &Args<'a>,
    ) {
        let numkeys = args.pos.get(1).cloned();
        let mut keys = Vec::new();
        let mut count: Option<u32> = None;
        match &numkeys {
            Some(Val::Int(n)) => {
                let n = usize::try_from(*n).unwrap_or(0);
                for i in 2..args.pos.len() {
                    if keys.len() >= n {
                        break;
                    }
                    let star = args.star.get(i).copied().unwrap_or(false);
                    if star && !matches!(args.pos.get(i), Some(Val::List(_))) {
                        break;
                    }
                    keys.extend(self.arg_keys(args, i, false));
                }
                keys.truncate(n);
                count = u32::try_from(n).ok().filter(|_| keys.len() == n);
            }
            Some(Val::Opaque(o)) if o.name.starts_with("len:") => {
                let target = &o.name[4..];
                if let Some(i) = (2..args.pos.len()).find(|&i| {
                    args.star.get(i) == Some(&true)
                        && args
                            .pos_nodes
                            .get(i)
                            .is_some_and(|n| self.name_of(*n) == target)
                }) {
                    keys = self.arg_keys(args, i, true);
                }
            }
            _ => {}
        }
        let op = self.emit_op(command, node, keys.clone(), Vec::new(), args, client);
        self.queue(pipe, op, command);
        let Some(op) = op else {
            return;
        };
        let (lit, external) = args
            .pos
            .first()
            .map_or((None, false), |v| script_text(command, v));
        let span = args
            .pos_nodes
            .first()
            .map_or(self.span(node), |n| self.span(*n));
        self.script_group(op, node, (lit, external), span, count, client);
        let name = args.pos.first().and_then(Val::literal_bytes);
        lua::name_fcall(&mut self.m.out.model, command, name.as_deref());
    }

    /// `function_load(code)`: the library, when its text is a literal.
    pub(super) fn function_load(&mut self, args: &Args<'a>) {
        if let Some(Val::Str(_, Some(lit))) = args.pos.first().or(args.kw("code")) {
            lua::load_library(
                &mut self.m.out.model,
                &mut self.m.out.problems,
                &lit.bytes,
                &lit.offsets,
            );
        }
    }

    /// The group of a script call `op`: its script analyzed from the literal
    /// text when known, else known only by where it is (`span`).
    pub(super) fn script_group(
        &mut self,
        op: usize,
        node: Node<'a>,
        (lit, external): (Option<&Literal>, bool),
        span: Span,
        numkeys: Option<u32>,
        client: Option<usize>,
    ) {
        let script = self.m.script_text(lit, span, numkeys, external);
        self.m.script_group(op, self.span(node), script, client);
    }

    /// `script(keys=[…], args=[…], client=pipe)` on a `register_script` object.
    pub(super) fn script_object_call(
        &mut self,
        node: Node<'a>,
        text: (Option<&Literal>, bool),
        span: Span,
        args: &Args<'a>,
    ) -> Val {
        if !self.m.recording {
            return Val::Unknown;
        }
        let keys = match (args.kw("keys"), args.kw_node("keys")) {
            (Some(_), Some(n)) => {
                let a = Args {
                    pos: vec![args.kw("keys").cloned().unwrap_or(Val::Unknown)],
                    pos_nodes: vec![n],
                    star: vec![false],
                    ..Args::default()
                };
                self.arg_keys(&a, 0, true)
            }
            _ => self.arg_keys(args, 0, true),
        };
        let (client, pipe) = match args.kw("client") {
            Some(Val::Pipeline(p)) => (self.m.pipes.get(*p).and_then(|x| x.client), Some(*p)),
            Some(Val::Client(c)) => (Some(*c), None),
            _ => (None, None),
        };
        // A list written out has a known length; a value from elsewhere
        // (`self._script(keys, args)`) has not.
        let keys_val = args.kw("keys").or_else(|| args.pos.first());
        let known_count = match keys_val {
            None => true,
            Some(Val::List(items)) => !items.iter().any(|e| matches!(e.val, Val::Family(..))),
            Some(_) => false,
        };
        let count = u32::try_from(keys.len()).ok().filter(|_| known_count);
        let op = self.emit_op("EVALSHA", node, keys, Vec::new(), &Args::default(), client);
        self.queue(pipe, op, "EVALSHA");
        let Some(op) = op else {
            return Val::Unknown;
        };
        self.script_group(op, node, text, span, count, client);
        Val::Unknown
    }
}

/// The text a script call runs, when the code holds it: an EVAL's literal
/// or file text, the text an EVALSHA's digest was loaded from; and whether
/// it is a file of its own.
pub(super) fn script_text<'v>(command: &str, v: &'v Val) -> (Option<&'v Literal>, bool) {
    match (command, v) {
        ("EVAL" | "EVAL_RO", Val::Str(_, Some(lit))) => (Some(lit), false),
        ("EVAL" | "EVAL_RO", Val::Ext(Py::FileText(lit))) => (Some(lit), true),
        ("EVALSHA" | "EVALSHA_RO", Val::Ext(Py::Sha(Some(lit), _, file))) => (Some(lit), *file),
        _ => (None, false),
    }
}
