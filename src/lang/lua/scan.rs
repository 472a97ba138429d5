//! The scanner: walks the tokens once, tracking scopes and simple bindings, and
//! evaluates the few expressions that matter (key arguments, local values) to
//! key patterns.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use super::expr::{field_val, informative, lua_integer, Val};
use super::lex::{self, Kind, Token};
use super::OffsetMap;
use crate::commands;
use crate::keypattern::Hole;
use crate::model::{Script, ScriptCall, ScriptKeyUse, Span};

/// Scans `toks` of `code`: the script's KEYS reads and key uses, and whether it
/// calls Redis at all.
pub(crate) fn scan(code: &[u8], toks: Vec<Token>, map: OffsetMap<'_>) -> (Script, bool) {
    let mut scanner = Scanner::new(code, toks, map);
    scanner.run();
    let script = scanner.script_of(0, usize::MAX, None);
    (script, scanner.calls_redis)
}

/// A read of a KEYS table: the global `KEYS`, or a function's keys parameter.
pub(super) struct KeysRef {
    pub(super) tok: usize,
    /// `KEYS[<integer>]`, or `None` for a read the analyzer cannot index.
    pub(super) index: Option<u32>,
    pub(super) span: Span,
    /// The global `KEYS` (not a parameter bound to the keys).
    pub(super) global: bool,
}

/// One binding of a name; `val: None` shadows (the name stays a hole).
struct Binding {
    val: Option<Val>,
    depth: usize,
    /// Where the value was built (an expression of several tokens).
    at: Option<Span>,
}

/// Names in scope and the nesting of brackets and blocks.
#[derive(Default)]
struct Scopes {
    /// Bindings of each name, innermost last.
    by_name: HashMap<Vec<u8>, Vec<Binding>>,
    /// Every binding's name and depth in the order made, to drop them at `end`.
    log: Vec<(Vec<u8>, usize)>,
    frames: Vec<Frame>,
    /// Indices into `frames` of the open blocks.
    blocks: Vec<usize>,
}

/// How far back an unmatched closing bracket looks for its opener.
pub(super) const BRACKET_SEARCH: usize = 64;
/// The longest source text kept as a hole's name.
const MAX_NAME: usize = 200;

impl Scopes {
    fn depth(&self) -> usize {
        self.blocks.len()
    }

    fn lookup(&self, name: &[u8]) -> Option<&Binding> {
        self.by_name.get(name).and_then(|v| v.last())
    }

    fn declare(&mut self, name: Vec<u8>, val: Option<Val>, depth: usize, at: Option<Span>) {
        self.log.push((name.clone(), depth));
        self.by_name
            .entry(name)
            .or_default()
            .push(Binding { val, depth, at });
    }

    fn assign(&mut self, name: Vec<u8>, val: Option<Val>, at: Option<Span>) {
        let depth = self.depth();
        match self.by_name.get_mut(&name).and_then(|v| v.last_mut()) {
            // Assigned under a condition or loop: the value depends on the path taken.
            Some(b) if b.depth < depth => {
                b.val = None;
                b.at = None;
            }
            Some(b) => {
                b.val = val;
                b.at = at;
            }
            None if depth == 0 => self.declare(name, val, 0, at),
            None => {}
        }
    }

    fn push(&mut self, frame: Frame) {
        if frame == Frame::Block {
            self.blocks.push(self.frames.len());
        }
        self.frames.push(frame);
    }

    fn close_block(&mut self) {
        if let Some(pos) = self.blocks.pop() {
            self.frames.truncate(pos);
        }
        let depth = self.depth();
        while let Some((name, d)) = self.log.last() {
            if *d <= depth {
                break;
            }
            if let Some(v) = self.by_name.get_mut(name) {
                v.pop();
            }
            self.log.pop();
        }
    }

    fn close_bracket(&mut self, frame: Frame) {
        let floor = self.blocks.last().map_or(0, |b| b + 1);
        let found = self
            .frames
            .iter()
            .enumerate()
            .skip(floor)
            .rev()
            .take(BRACKET_SEARCH)
            .find(|(_, f)| **f == frame);
        if let Some((pos, _)) = found {
            self.frames.truncate(pos);
        }
    }

    /// Whether a statement can start here (not inside brackets).
    fn at_statement_level(&self) -> bool {
        matches!(self.frames.last(), None | Some(Frame::Block))
    }
}

/// Deferred binding: Lua evaluates the right-hand side before binding.
struct Pending {
    at: usize,
    depth: usize,
    local: bool,
    names: Vec<Vec<u8>>,
    vals: Vec<Val>,
    /// Where each value is built.
    built: Vec<Option<Span>>,
}

/// A frame of the nesting stack: brackets and blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Paren,
    Bracket,
    Brace,
    Block,
}

/// Placeholder for an argument whose value is not known: never a keyword or a number.
const PLACEHOLDER: &[u8] = b"\0?";

/// A function that returns a key: its parameters and the key, whose holes
/// named after them take the call's arguments.
pub(super) type Template = (Vec<Vec<u8>>, crate::keypattern::KeyPattern);

pub(super) struct Scanner<'a> {
    pub(super) code: &'a [u8],
    pub(super) toks: Vec<Token>,
    /// For each opening bracket or block keyword, the index of its closer.
    pub(super) matching: Vec<Option<usize>>,
    map: OffsetMap<'a>,
    scopes: Scopes,
    /// Deferred bindings by the order they were made ...
    pending: Vec<Option<Pending>>,
    /// ... and when each is due, soonest first: `(at, index into pending)`.
    due: BinaryHeap<Reverse<(usize, usize)>>,
    loop_vars: Vec<Vec<u8>>,
    /// Key uses, each with the token of its call.
    pub(super) uses: Vec<(usize, ScriptKeyUse)>,
    /// Commands called, each with the token of its call.
    pub(super) calls: Vec<(usize, ScriptCall)>,
    pub(super) keys_refs: Vec<KeysRef>,
    /// `function` keywords that start a registered function's callback: their
    /// first parameter holds the keys, the second the arguments.
    pub(super) callbacks: HashSet<usize>,
    pub(super) calls_redis: bool,
    /// Functions being read: name, parameters, and the depth of their body.
    open_functions: Vec<(Vec<u8>, Vec<Vec<u8>>, usize)>,
    /// Functions that return a key built from their parameters
    /// (`local function mk(t) return prefix .. t end`): parameters and
    /// pattern, instantiated where they are called. `None` when two returns
    /// disagree.
    pub(super) templates: HashMap<Vec<u8>, Option<Template>>,
}

fn is_keyword(name: &[u8]) -> bool {
    matches!(
        name,
        b"and"
            | b"break"
            | b"do"
            | b"else"
            | b"elseif"
            | b"end"
            | b"false"
            | b"for"
            | b"function"
            | b"if"
            | b"in"
            | b"local"
            | b"nil"
            | b"not"
            | b"or"
            | b"repeat"
            | b"return"
            | b"then"
            | b"true"
            | b"until"
            | b"while"
    )
}

impl<'a> Scanner<'a> {
    pub(super) fn new(code: &'a [u8], toks: Vec<Token>, map: OffsetMap<'a>) -> Self {
        let matching = lex::match_pairs(&toks, code);
        Scanner {
            code,
            toks,
            matching,
            map,
            scopes: Scopes::default(),
            pending: Vec::new(),
            due: BinaryHeap::new(),
            loop_vars: Vec::new(),
            uses: Vec::new(),
            calls: Vec::new(),
            keys_refs: Vec::new(),
            callbacks: HashSet::new(),
            calls_redis: false,
            open_functions: Vec::new(),
            templates: HashMap::new(),
        }
    }

    /// The script made of what tokens `start..=end` do. `keys_param` names a
    /// function's keys parameter: then its reads count, and a read of the
    /// global `KEYS` is recorded as such; otherwise only the global counts.
    pub(super) fn script_of(&self, start: usize, end: usize, keys_param: Option<&str>) -> Script {
        let inside = |tok: usize| (start..=end).contains(&tok);
        let mut script = Script {
            analyzed: true,
            keys_param: keys_param.map(str::to_string),
            ..Script::default()
        };
        for r in self.keys_refs.iter().filter(|r| inside(r.tok)) {
            if r.global && keys_param.is_some() {
                script.global_keys.get_or_insert(r.span);
                continue;
            }
            if r.global != keys_param.is_none() {
                continue;
            }
            match r.index {
                Some(0) => {}
                Some(n) => {
                    if !matches!(script.max_key_index, Some((m, _)) if m >= n) {
                        script.max_key_index = Some((n, r.span));
                    }
                }
                None => script.dynamic_keys = true,
            }
        }
        script.key_uses = self
            .uses
            .iter()
            .filter(|(t, _)| inside(*t))
            .map(|(_, u)| u.clone())
            .collect();
        script.calls = self
            .calls
            .iter()
            .filter(|(t, _)| inside(*t))
            .map(|(_, c)| c.clone())
            .collect();
        script
    }

    pub(super) fn text(&self, i: usize) -> &'a [u8] {
        self.toks.get(i).map_or(&[], |t| t.text(self.code))
    }

    pub(super) fn is_sym(&self, i: usize, s: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Sym && t.text(self.code) == s.as_bytes())
    }

    pub(super) fn is_kw(&self, i: usize, s: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Name && t.text(self.code) == s.as_bytes())
    }

    /// A name token that is not a keyword.
    pub(super) fn name_at(&self, i: usize) -> Option<&'a [u8]> {
        let t = self.toks.get(i)?;
        let text = t.text(self.code);
        (t.kind == Kind::Name && !is_keyword(text)).then_some(text)
    }

    fn depth(&self) -> usize {
        self.scopes.depth()
    }

    pub(super) fn token_span(&self, start: usize, end: usize) -> Span {
        let s = self.toks.get(start).map_or(self.code.len(), |t| t.start);
        let e = end
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(s, |t| t.end);
        self.map.span(s, e.max(s))
    }

    /// The value of an unqualified name.
    pub(super) fn name_val(&self, name: &[u8]) -> Val {
        let text = String::from_utf8_lossy(name).into_owned();
        match self.scopes.lookup(name).map(|b| b.val.as_ref()) {
            Some(Some(v)) => v.clone(),
            // A local whose value is unknown: a named hole, never a global
            // like KEYS or redis.
            Some(None) => Val::hole(Hole::named(text), false),
            None => Val::Path(text),
        }
    }

    /// Source text of tokens `start..end`, for hole names: at most
    /// [`MAX_NAME`] bytes (an index nested a million deep is named once each
    /// level, never copied whole at every level).
    pub(super) fn source_text(&self, start: usize, end: usize) -> String {
        let mut out = String::new();
        for i in start..end.min(self.toks.len()) {
            if out.len() >= MAX_NAME {
                out.push('…');
                break;
            }
            out.push_str(&String::from_utf8_lossy(self.text(i)));
        }
        out
    }

    fn declare(&mut self, name: Vec<u8>, val: Option<Val>, depth: usize) {
        self.scopes.declare(name, val, depth, None);
    }

    /// Where the value of expression `start..end` is built: there, for an
    /// expression of several tokens; where its local was built, for a name.
    fn built_at(&self, start: usize, end: usize) -> Option<Span> {
        if end > start + 1 {
            return Some(self.token_span(start, end));
        }
        let name = self.name_at(start)?;
        self.scopes.lookup(name).and_then(|b| b.at)
    }

    /// The values of an expression list, and where each is built.
    fn values_built(&self, list: Vec<(Val, usize, usize)>) -> (Vec<Val>, Vec<Option<Span>>) {
        list.into_iter()
            .map(|(v, s, e)| (v, self.built_at(s, e)))
            .unzip()
    }

    pub(super) fn run(&mut self) {
        let mut i = 0;
        while i < self.toks.len() {
            self.apply_pending(i);
            match self.toks[i].kind {
                Kind::Sym => self.symbol(i),
                Kind::Name => self.name(i),
                _ => {}
            }
            i += 1;
        }
        self.apply_pending(usize::MAX);
    }

    fn defer(&mut self, pending: Pending) {
        self.due.push(Reverse((pending.at, self.pending.len())));
        self.pending.push(Some(pending));
    }

    /// Makes the bindings due at token `i`, in the order they were deferred.
    fn apply_pending(&mut self, i: usize) {
        while let Some(&Reverse((at, index))) = self.due.peek() {
            if at > i {
                break;
            }
            self.due.pop();
            let Some(p) = self.pending.get_mut(index).and_then(Option::take) else {
                continue;
            };
            for (k, name) in p.names.into_iter().enumerate() {
                let val = p.vals.get(k).cloned().and_then(informative);
                let at = p.built.get(k).copied().flatten().filter(|_| val.is_some());
                if p.local {
                    self.scopes.declare(name, val, p.depth, at);
                } else {
                    self.scopes.assign(name, val, at);
                }
            }
        }
    }

    fn symbol(&mut self, i: usize) {
        match self.text(i) {
            b"(" => self.scopes.push(Frame::Paren),
            b"[" => self.scopes.push(Frame::Bracket),
            b"{" => self.scopes.push(Frame::Brace),
            b")" => self.scopes.close_bracket(Frame::Paren),
            b"]" => self.scopes.close_bracket(Frame::Bracket),
            b"}" => self.scopes.close_bracket(Frame::Brace),
            _ => {}
        }
    }

    fn name(&mut self, i: usize) {
        let text = self.text(i);
        match text {
            b"function" => self.function_header(i),
            b"do" => {
                self.scopes.push(Frame::Block);
                let depth = self.depth();
                for v in std::mem::take(&mut self.loop_vars) {
                    self.declare(v, None, depth);
                }
            }
            b"if" | b"repeat" => self.scopes.push(Frame::Block),
            b"end" | b"until" => {
                self.scopes.close_block();
                let depth = self.depth();
                while self.open_functions.last().is_some_and(|f| f.2 > depth) {
                    self.open_functions.pop();
                }
            }
            b"return" => self.returned(i),
            b"for" => {
                let mut j = i + 1;
                self.loop_vars.clear();
                while let Some(n) = self.name_at(j) {
                    self.loop_vars.push(n.to_vec());
                    if !self.is_sym(j + 1, ",") {
                        break;
                    }
                    j += 2;
                }
            }
            b"local" => self.local(i),
            _ if is_keyword(text) => {}
            _ => {
                if i > 0 && (self.is_sym(i - 1, ".") || self.is_sym(i - 1, ":")) {
                    return;
                }
                let global = text == b"KEYS" && self.scopes.lookup(b"KEYS").is_none();
                let param = !global
                    && matches!(self.scopes.lookup(text), Some(Binding { val: Some(Val::Path(p)), .. }) if p == "KEYS");
                if global || param {
                    self.keys_ref(i, global);
                }
                self.maybe_redis_call(i);
                self.maybe_assignment(i);
            }
        }
    }

    /// `return e` at the top of a function's body: the function is a key
    /// template when `e` is a pattern.
    fn returned(&mut self, i: usize) {
        let Some((name, params, depth)) = self.open_functions.last().cloned() else {
            return;
        };
        if depth != self.depth() {
            return;
        }
        let (vals, _) = self.explist(i + 1);
        let made = match vals.first() {
            Some((Val::Pat { pat, .. }, _, _)) => Some((params, pat.clone())),
            _ => None,
        };
        let entry = self.templates.entry(name).or_insert_with(|| made.clone());
        if *entry != made {
            *entry = None;
        }
    }

    /// The name a function being defined at `i` (the `function` keyword)
    /// gets: `function f(`, `local function f(`, `local f = function(`.
    fn function_name(&self, i: usize) -> Option<Vec<u8>> {
        if let Some(n) = self.name_at(i + 1) {
            return self.is_sym(i + 2, "(").then(|| n.to_vec());
        }
        (i >= 2 && self.is_sym(i - 1, "="))
            .then(|| self.name_at(i - 2).map(<[u8]>::to_vec))
            .flatten()
    }

    /// `function [name] (params)`: opens a block where the parameters shadow.
    fn function_header(&mut self, i: usize) {
        let name = self.function_name(i);
        self.scopes.push(Frame::Block);
        let depth = self.depth();
        let mut j = i + 1;
        let mut method = false;
        while self.name_at(j).is_some() {
            if self.is_sym(j + 1, ".") || self.is_sym(j + 1, ":") {
                method = self.is_sym(j + 1, ":");
                j += 2;
            } else {
                j += 1;
                break;
            }
        }
        if method {
            self.declare(b"self".to_vec(), None, depth);
        }
        if !self.is_sym(j, "(") {
            return;
        }
        j += 1;
        // A registered callback's parameters are the KEYS and ARGV tables.
        let mut tables = if self.callbacks.contains(&i) {
            vec!["ARGV", "KEYS"]
        } else {
            Vec::new()
        };
        let mut params = Vec::new();
        while let Some(n) = self.name_at(j) {
            let val = tables.pop().map(|t| Val::Path(t.to_string()));
            self.declare(n.to_vec(), val, depth);
            params.push(n.to_vec());
            j += 1;
            if !self.is_sym(j, ",") {
                break;
            }
            j += 1;
        }
        if let Some(name) = name {
            self.open_functions.push((name, params, depth));
        }
    }

    /// `local function f` or `local a, b [= e1, e2]`.
    fn local(&mut self, i: usize) {
        let depth = self.depth();
        if self.is_kw(i + 1, "function") {
            if let Some(n) = self.name_at(i + 2) {
                self.declare(n.to_vec(), None, depth);
            }
            return;
        }
        let (names, j) = self.name_list(i + 1);
        if self.is_sym(j, "=") {
            let (vals, end) = self.explist(j + 1);
            let (vals, built) = self.values_built(vals);
            self.defer(Pending {
                at: end,
                depth,
                local: true,
                names,
                vals,
                built,
            });
        } else {
            for n in names {
                self.declare(n, None, depth);
            }
        }
    }

    /// `a, b = e1, e2` at statement level.
    fn maybe_assignment(&mut self, i: usize) {
        if !self.scopes.at_statement_level() {
            return;
        }
        if i > 0 && (self.is_sym(i - 1, ",") || self.is_kw(i - 1, "local")) {
            return;
        }
        let (names, j) = self.name_list(i);
        if !self.is_sym(j, "=") {
            return;
        }
        let (vals, end) = self.explist(j + 1);
        let (vals, built) = self.values_built(vals);
        self.defer(Pending {
            at: end,
            depth: self.depth(),
            local: false,
            names,
            vals,
            built,
        });
    }

    /// The names `a, b, c` from token `j` on, and the token after them.
    fn name_list(&self, mut j: usize) -> (Vec<Vec<u8>>, usize) {
        let mut names = Vec::new();
        while let Some(n) = self.name_at(j) {
            names.push(n.to_vec());
            j += 1;
            if !self.is_sym(j, ",") {
                break;
            }
            j += 1;
        }
        (names, j)
    }

    /// `KEYS` (or a keys parameter): `KEYS[<integer>]` is indexed, anything else is dynamic.
    fn keys_ref(&mut self, i: usize, global: bool) {
        let index = (self.is_sym(i + 1, "[")
            && self.toks.get(i + 2).is_some_and(|t| t.kind == Kind::Num)
            && self.is_sym(i + 3, "]"))
        .then(|| lua_integer(self.text(i + 2)))
        .flatten()
        .and_then(|n| u32::try_from(n).ok());
        let span = if index.is_some() {
            self.token_span(i, i + 4)
        } else {
            self.token_span(i, i + 1)
        };
        self.keys_refs.push(KeysRef {
            tok: i,
            index,
            span,
            global,
        });
    }

    /// `redis.call(...)`, `redis.pcall(...)`, or an alias of them, called at `i`.
    fn maybe_redis_call(&mut self, i: usize) {
        let Some(name) = self.name_at(i) else { return };
        let mut val = self.name_val(name);
        let mut j = i + 1;
        while self.is_sym(j, ".") {
            let Some(field) = self.name_at(j + 1) else {
                break;
            };
            val = field_val(val, field);
            j += 2;
        }
        if val != Val::RedisCall {
            return;
        }
        self.calls_redis = true;
        if !self.is_sym(j, "(") {
            return;
        }
        let (args, end) = self.explist(j + 1);
        let closed = self.is_sym(end, ")");
        let call_end = if closed { end + 1 } else { end };
        self.redis_call_keys(i, call_end, &args, closed);
    }

    fn redis_call_keys(
        &mut self,
        at: usize,
        call_end: usize,
        args: &[(Val, usize, usize)],
        closed: bool,
    ) {
        let Some(((cmd, _, _), rest)) = args.split_first() else {
            return;
        };
        let Some(cmd) = cmd.literal() else { return };
        // Only the last expression of an argument list expands to several values;
        // positions from it onwards cannot be trusted.
        let trusted = match rest.last() {
            Some((Val::Multi, _, _)) => rest.len(),
            Some(_) if !closed => rest.len(),
            _ => rest.len() + 1,
        };
        let call_argv: Vec<&[u8]> = std::iter::once(cmd)
            .chain(
                rest.iter()
                    .map(|(v, _, _)| v.literal().unwrap_or(PLACEHOLDER)),
            )
            .collect();
        let cmd_str = String::from_utf8_lossy(cmd);
        let sub = call_argv
            .get(1)
            .map(|a| String::from_utf8_lossy(a).into_owned());
        let Some(spec) = commands::lookup(&cmd_str, sub.as_deref()) else {
            return;
        };
        let call = ScriptCall {
            command: spec.name().to_string(),
            span: self.token_span(at, call_end),
        };
        self.calls.push((at, call));
        // A vararg may stand for any number of arguments: try a few so that the
        // call has an arity Redis accepts, then keep the positions before it.
        let tries = if trusted <= rest.len() { 4 } else { 1 };
        let Some(positions) = (0..tries).find_map(|extra| {
            let mut padded = call_argv.clone();
            padded.resize(call_argv.len() + extra, PLACEHOLDER);
            commands::key_positions(&padded)
        }) else {
            return;
        };
        let mut seen = HashSet::new();
        for p in positions.indices() {
            if p == 0 || p >= trusted || !seen.insert(p) {
                continue;
            }
            let Some((val, start, end)) = rest.get(p - 1) else {
                continue;
            };
            if matches!(val, Val::Multi | Val::RedisCall) {
                continue;
            }
            let (pattern, from_keys) = val.pattern();
            let span = self.token_span(*start, *end);
            // A local built elsewhere: one place for all its uses.
            let built_at = (*end == *start + 1)
                .then(|| self.built_at(*start, *end))
                .flatten();
            self.uses.push((
                at,
                ScriptKeyUse {
                    command: spec.name().to_string(),
                    pattern,
                    from_keys,
                    span,
                    built_at,
                },
            ));
        }
    }
}
