//! The scanner: walks the tokens once, tracking scopes and simple bindings, and
//! evaluates the few expressions that matter (key arguments, local values) to
//! key patterns.

use std::collections::{HashMap, HashSet};

use super::lex::{self, Kind, Token};
use super::OffsetMap;
use crate::commands;
use crate::keypattern::{Hole, KeyPattern, Segment};
use crate::model::{Script, ScriptKeyUse, Span};

/// Scans `toks` of `code`: the script's KEYS reads and key uses, and whether it
/// calls Redis at all.
pub(crate) fn scan(code: &[u8], toks: Vec<Token>, map: OffsetMap<'_>) -> (Script, bool) {
    let mut scanner = Scanner::new(code, toks, map);
    scanner.run();
    (scanner.script, scanner.calls_redis)
}

/// What the scanner knows of an expression's value.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    /// A string-like value; `from_keys` when it is exactly an element of KEYS.
    Pat {
        pat: KeyPattern,
        from_keys: bool,
    },
    /// A global or unbound name path (`prefix`, `string.format`, `redis`).
    Path(String),
    /// The function `redis.call` / `redis.pcall`.
    RedisCall,
    /// May expand to any number of values (`...`, `unpack(t)`).
    Multi,
    Unknown,
}

impl Val {
    fn lit(bytes: impl Into<Vec<u8>>) -> Val {
        Val::Pat {
            pat: KeyPattern::literal(bytes),
            from_keys: false,
        }
    }

    fn hole(hole: Hole, from_keys: bool) -> Val {
        Val::Pat {
            pat: KeyPattern::new([Segment::Hole(hole)]),
            from_keys,
        }
    }

    fn literal(&self) -> Option<&[u8]> {
        match self {
            Val::Pat { pat, .. } => pat.as_literal(),
            _ => None,
        }
    }

    /// The value as a key pattern, and whether it is an element of KEYS.
    fn pattern(&self) -> (KeyPattern, bool) {
        match self {
            Val::Pat { pat, from_keys } => (pat.clone(), *from_keys),
            Val::Path(p) => (KeyPattern::new([Segment::Hole(Hole::named(p))]), false),
            Val::RedisCall | Val::Multi | Val::Unknown => {
                (KeyPattern::new([Segment::Hole(Hole::default())]), false)
            }
        }
    }

    /// Lua adjusts a multi-value expression to one value in most places.
    fn single(self) -> Val {
        if self == Val::Multi {
            Val::Unknown
        } else {
            self
        }
    }
}

/// One binding of a name; `val: None` shadows (the name stays a hole).
struct Binding {
    val: Option<Val>,
    depth: usize,
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
const BRACKET_SEARCH: usize = 64;

impl Scopes {
    fn depth(&self) -> usize {
        self.blocks.len()
    }

    fn lookup(&self, name: &[u8]) -> Option<&Binding> {
        self.by_name.get(name).and_then(|v| v.last())
    }

    fn declare(&mut self, name: Vec<u8>, val: Option<Val>, depth: usize) {
        self.log.push((name.clone(), depth));
        self.by_name
            .entry(name)
            .or_default()
            .push(Binding { val, depth });
    }

    fn assign(&mut self, name: Vec<u8>, val: Option<Val>) {
        let depth = self.depth();
        match self.by_name.get_mut(&name).and_then(|v| v.last_mut()) {
            // Assigned under a condition or loop: the value depends on the path taken.
            Some(b) if b.depth < depth => b.val = None,
            Some(b) => b.val = val,
            None if depth == 0 => self.declare(name, val, 0),
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
}

/// A frame of the nesting stack: brackets and blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Paren,
    Bracket,
    Brace,
    Block,
}

const MAX_DEPTH: usize = 200;
/// Placeholder for an argument whose value is not known: never a keyword or a number.
const PLACEHOLDER: &[u8] = b"\0?";

struct Scanner<'a> {
    code: &'a [u8],
    toks: Vec<Token>,
    /// For each opening bracket or block keyword, the index of its closer.
    matching: Vec<Option<usize>>,
    map: OffsetMap<'a>,
    scopes: Scopes,
    pending: Vec<Pending>,
    loop_vars: Vec<Vec<u8>>,
    script: Script,
    calls_redis: bool,
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

/// A Lua numeral that denotes an integer, as Lua would print it.
fn lua_integer(text: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(text).ok()?;
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let f: f64 = s.parse().ok()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = f as u64;
    #[allow(clippy::cast_precision_loss)]
    let exact = (0.0..1e15).contains(&f) && (n as f64 - f).abs() < f64::EPSILON;
    exact.then_some(n)
}

/// Binary operator priorities (left, right), as in Lua 5.1's parser.
fn binop(tok: &Token, code: &[u8]) -> Option<(u8, u8)> {
    let text = tok.text(code);
    match (&tok.kind, text) {
        (Kind::Sym, b"+" | b"-") => Some((6, 6)),
        (Kind::Sym, b"*" | b"/" | b"%") => Some((7, 7)),
        (Kind::Sym, b"^") => Some((10, 9)),
        (Kind::Sym, b"..") => Some((5, 4)),
        (Kind::Sym, b"==" | b"~=" | b"<" | b"<=" | b">" | b">=") => Some((3, 3)),
        (Kind::Name, b"and") => Some((2, 2)),
        (Kind::Name, b"or") => Some((1, 1)),
        _ => None,
    }
}

const UNARY_PRIORITY: u8 = 8;

impl<'a> Scanner<'a> {
    fn new(code: &'a [u8], toks: Vec<Token>, map: OffsetMap<'a>) -> Self {
        let matching = lex::match_pairs(&toks, code);
        Scanner {
            code,
            toks,
            matching,
            map,
            scopes: Scopes::default(),
            pending: Vec::new(),
            loop_vars: Vec::new(),
            script: Script::default(),
            calls_redis: false,
        }
    }

    fn text(&self, i: usize) -> &'a [u8] {
        self.toks.get(i).map_or(&[], |t| t.text(self.code))
    }

    fn is_sym(&self, i: usize, s: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Sym && t.text(self.code) == s.as_bytes())
    }

    fn is_kw(&self, i: usize, s: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == Kind::Name && t.text(self.code) == s.as_bytes())
    }

    /// A name token that is not a keyword.
    fn name_at(&self, i: usize) -> Option<&'a [u8]> {
        let t = self.toks.get(i)?;
        let text = t.text(self.code);
        (t.kind == Kind::Name && !is_keyword(text)).then_some(text)
    }

    fn depth(&self) -> usize {
        self.scopes.depth()
    }

    fn token_span(&self, start: usize, end: usize) -> Span {
        let s = self.toks.get(start).map_or(self.code.len(), |t| t.start);
        let e = end
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(s, |t| t.end);
        self.map.span(s, e.max(s))
    }

    /// Source text of tokens `start..end`, for hole names.
    fn source_text(&self, start: usize, end: usize) -> String {
        let mut out = String::new();
        for i in start..end.min(self.toks.len()) {
            out.push_str(&String::from_utf8_lossy(self.text(i)));
        }
        out
    }

    fn declare(&mut self, name: Vec<u8>, val: Option<Val>, depth: usize) {
        self.scopes.declare(name, val, depth);
    }

    fn run(&mut self) {
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

    fn apply_pending(&mut self, i: usize) {
        while let Some(pos) = self.pending.iter().position(|p| p.at <= i) {
            let p = self.pending.remove(pos);
            for (k, name) in p.names.into_iter().enumerate() {
                let val = p.vals.get(k).cloned().and_then(informative);
                if p.local {
                    self.declare(name, val, p.depth);
                } else {
                    self.scopes.assign(name, val);
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
            b"end" | b"until" => self.scopes.close_block(),
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
                if text == b"KEYS" && self.scopes.lookup(b"KEYS").is_none() {
                    self.keys_ref(i);
                }
                self.maybe_redis_call(i);
                self.maybe_assignment(i);
            }
        }
    }

    /// `function [name] (params)`: opens a block where the parameters shadow.
    fn function_header(&mut self, i: usize) {
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
        while let Some(n) = self.name_at(j) {
            self.declare(n.to_vec(), None, depth);
            j += 1;
            if !self.is_sym(j, ",") {
                break;
            }
            j += 1;
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
        let mut names = Vec::new();
        let mut j = i + 1;
        while let Some(n) = self.name_at(j) {
            names.push(n.to_vec());
            j += 1;
            if !self.is_sym(j, ",") {
                break;
            }
            j += 1;
        }
        if self.is_sym(j, "=") {
            let (vals, end) = self.explist(j + 1);
            let vals = vals.into_iter().map(|(v, _, _)| v).collect();
            self.pending.push(Pending {
                at: end,
                depth,
                local: true,
                names,
                vals,
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
        let mut names = Vec::new();
        let mut j = i;
        while let Some(n) = self.name_at(j) {
            names.push(n.to_vec());
            j += 1;
            if !self.is_sym(j, ",") {
                break;
            }
            j += 1;
        }
        if !self.is_sym(j, "=") {
            return;
        }
        let (vals, end) = self.explist(j + 1);
        let vals = vals.into_iter().map(|(v, _, _)| v).collect();
        self.pending.push(Pending {
            at: end,
            depth: self.depth(),
            local: false,
            names,
            vals,
        });
    }

    /// `KEYS` as a global: `KEYS[<integer>]` is indexed, anything else is dynamic.
    fn keys_ref(&mut self, i: usize) {
        let index = (self.is_sym(i + 1, "[")
            && self.toks.get(i + 2).is_some_and(|t| t.kind == Kind::Num)
            && self.is_sym(i + 3, "]"))
        .then(|| lua_integer(self.text(i + 2)))
        .flatten()
        .and_then(|n| u32::try_from(n).ok());
        match index {
            Some(0) => {}
            Some(n) => {
                let span = self.token_span(i, i + 4);
                if !matches!(self.script.max_key_index, Some((m, _)) if m >= n) {
                    self.script.max_key_index = Some((n, span));
                }
            }
            None => self.script.dynamic_keys = true,
        }
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
        self.redis_call_keys(&args, closed);
    }

    fn redis_call_keys(&mut self, args: &[(Val, usize, usize)], closed: bool) {
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
        let Some(positions) = commands::key_positions(&call_argv) else {
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
            self.script.key_uses.push(ScriptKeyUse {
                command: spec.name().to_string(),
                pattern,
                from_keys,
                span: self.token_span(*start, *end),
            });
        }
    }

    /// The value of an unqualified name.
    fn name_val(&self, name: &[u8]) -> Val {
        match self.scopes.lookup(name) {
            Some(Binding { val: Some(v), .. }) => v.clone(),
            _ => Val::Path(String::from_utf8_lossy(name).into_owned()),
        }
    }

    /// A comma-separated expression list starting at `i`: each value with its
    /// token range, and the index just past the list.
    fn explist(&self, i: usize) -> (Vec<(Val, usize, usize)>, usize) {
        let mut out = Vec::new();
        let mut j = i;
        loop {
            let (v, end) = self.exp(j, 0, 0);
            if end == j {
                break;
            }
            out.push((v, j, end));
            j = end;
            if !self.is_sym(j, ",") {
                break;
            }
            j += 1;
        }
        (out, j)
    }

    /// An expression whose binary operators bind tighter than `limit`.
    fn exp(&self, i: usize, limit: u8, depth: usize) -> (Val, usize) {
        if depth > MAX_DEPTH || i >= self.toks.len() {
            return (Val::Unknown, i);
        }
        let unary = self.is_kw(i, "not") || self.is_sym(i, "-") || self.is_sym(i, "#");
        let (mut val, mut j) = if unary {
            let (_, end) = self.exp(i + 1, UNARY_PRIORITY, depth + 1);
            (Val::Unknown, end)
        } else {
            self.simple(i, depth)
        };
        if j == i {
            return (val, i);
        }
        while let Some((left, right)) = self.toks.get(j).and_then(|t| binop(t, self.code)) {
            if left <= limit {
                break;
            }
            let op = self.text(j);
            let (rhs, end) = self.exp(j + 1, right, depth + 1);
            if end == j + 1 {
                break;
            }
            val = combine(op, &val, &rhs);
            j = end;
        }
        (val, j)
    }

    fn simple(&self, i: usize, depth: usize) -> (Val, usize) {
        let Some(tok) = self.toks.get(i) else {
            return (Val::Unknown, i);
        };
        match &tok.kind {
            Kind::Str(bytes) => return (Val::lit(bytes.clone()), i + 1),
            Kind::Num => {
                let text = self.text(i);
                let v = match lua_integer(text) {
                    Some(n) => Val::lit(n.to_string()),
                    None => Val::lit(text),
                };
                return (v, i + 1);
            }
            _ => {}
        }
        let text = self.text(i);
        if tok.kind == Kind::Name {
            match text {
                b"nil" | b"true" | b"false" => return (Val::Unknown, i + 1),
                b"function" => return (Val::Unknown, self.after_match(i)),
                _ => {}
            }
        }
        if self.is_sym(i, "...") {
            return (Val::Multi, i + 1);
        }
        if self.is_sym(i, "{") {
            return (Val::Unknown, self.after_match(i));
        }
        self.suffixed(i, depth)
    }

    /// The index just past the closer matching the opener at `i` (or past `i`).
    fn after_match(&self, i: usize) -> usize {
        self.matching
            .get(i)
            .copied()
            .flatten()
            .map_or(i + 1, |m| m + 1)
    }

    /// A primary expression and its suffixes (`.f`, `[e]`, `:m(...)`, calls).
    fn suffixed(&self, i: usize, depth: usize) -> (Val, usize) {
        let (mut val, mut j) = if let Some(name) = self.name_at(i) {
            (self.name_val(name), i + 1)
        } else if self.is_sym(i, "(") {
            let (v, end) = self.exp(i + 1, 0, depth + 1);
            let end = if self.is_sym(end, ")") {
                end + 1
            } else {
                self.after_match(i)
            };
            (v.single(), end)
        } else {
            return (Val::Unknown, i);
        };
        loop {
            if self.is_sym(j, ".") {
                let Some(field) = self.name_at(j + 1) else {
                    return (Val::Unknown, j + 1);
                };
                val = field_val(val, field);
                j += 2;
            } else if self.is_sym(j, "[") {
                let (_, end) = self.exp(j + 1, 0, depth + 1);
                let close = if self.is_sym(end, "]") {
                    end
                } else {
                    self.after_match(j).saturating_sub(1)
                };
                val = self.index_val(&val, j + 1, close);
                j = close + 1;
            } else if self.is_sym(j, ":") {
                // A method call: its value is not followed.
                j = self.after_args(j + 2);
                val = Val::Unknown;
            } else if self.is_sym(j, "(") {
                let (args, end) = self.explist(j + 1);
                j = if self.is_sym(end, ")") {
                    end + 1
                } else {
                    self.after_match(j)
                };
                val = call_val(&val, &args);
            } else if let Some(Kind::Str(s)) = self.toks.get(j).map(|t| &t.kind) {
                val = call_val(&val, &[(Val::lit(s.clone()), j, j + 1)]);
                j += 1;
            } else if self.is_sym(j, "{") {
                val = Val::Unknown;
                j = self.after_match(j);
            } else {
                return (val, j);
            }
        }
    }

    /// The index past a call's arguments starting at `j`.
    fn after_args(&self, j: usize) -> usize {
        match self.toks.get(j).map(|t| &t.kind) {
            Some(Kind::Str(_)) => j + 1,
            Some(Kind::Sym) if self.is_sym(j, "(") || self.is_sym(j, "{") => self.after_match(j),
            _ => j,
        }
    }

    /// `t[...]` where the index is tokens `start..end`.
    fn index_val(&self, base: &Val, start: usize, end: usize) -> Val {
        let Val::Path(table) = base else {
            return Val::Unknown;
        };
        let from_keys = table == "KEYS";
        if !from_keys && table != "ARGV" {
            return Val::Unknown;
        }
        let is_int = end == start + 1
            && self.toks.get(start).is_some_and(|t| t.kind == Kind::Num)
            && lua_integer(self.text(start)).is_some();
        let index = if is_int {
            lua_integer(self.text(start))
                .unwrap_or_default()
                .to_string()
        } else {
            self.source_text(start, end)
        };
        Val::hole(Hole::named(format!("{table}[{index}]")), from_keys)
    }
}

/// A value worth remembering for a name (anything else leaves the name a hole).
fn informative(v: Val) -> Option<Val> {
    match v {
        Val::Unknown | Val::Multi => None,
        Val::Pat { ref pat, .. } if pat.segments().iter().all(is_unnamed_hole) => None,
        v => Some(v),
    }
}

fn is_unnamed_hole(s: &Segment) -> bool {
    matches!(s, Segment::Hole(h) if h.name.is_none())
}

fn field_val(base: Val, field: &[u8]) -> Val {
    match base {
        Val::Path(p) => {
            if (p == "redis" || p == "server") && (field == b"call" || field == b"pcall") {
                Val::RedisCall
            } else {
                Val::Path(format!("{p}.{}", String::from_utf8_lossy(field)))
            }
        }
        _ => Val::Unknown,
    }
}

fn combine(op: &[u8], lhs: &Val, rhs: &Val) -> Val {
    match op {
        b".." => {
            let (mut pat, _) = lhs.pattern();
            pat.extend(&rhs.pattern().0);
            Val::Pat {
                pat,
                from_keys: false,
            }
        }
        b"or" => {
            let (pat, from_keys) = lhs.pattern();
            match (pat.segments(), rhs.literal()) {
                ([Segment::Hole(h)], Some(default)) if h.name.is_some() => {
                    let mut h = h.clone();
                    h.default = Some(default.to_vec());
                    Val::hole(h, from_keys)
                }
                _ => Val::Unknown,
            }
        }
        _ => Val::Unknown,
    }
}

/// The value of calling `callee` with `args`, for the few functions that matter.
fn call_val(callee: &Val, args: &[(Val, usize, usize)]) -> Val {
    let Val::Path(name) = callee else {
        return Val::Unknown;
    };
    match name.as_str() {
        "tostring" => args
            .first()
            .map_or(Val::Unknown, |(v, _, _)| v.clone().single()),
        "unpack" | "table.unpack" => Val::Multi,
        "string.format" => match args.split_first() {
            Some(((fmt, _, _), rest)) => fmt.literal().map_or(Val::Unknown, |f| {
                format_val(
                    f,
                    &rest.iter().map(|(v, _, _)| v.clone()).collect::<Vec<_>>(),
                )
            }),
            None => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

/// `string.format(fmt, ...)` with `%s`/`%d`-style conversions filled by the arguments.
fn format_val(fmt: &[u8], args: &[Val]) -> Val {
    let mut pat = KeyPattern::default();
    let mut args = args.iter();
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            pat.push(Segment::Lit(vec![fmt[i]]));
            i += 1;
            continue;
        }
        if fmt.get(i + 1) == Some(&b'%') {
            pat.push(Segment::Lit(b"%".to_vec()));
            i += 2;
            continue;
        }
        let mut j = i + 1;
        while j < fmt.len() && b"-+ #0123456789.".contains(&fmt[j]) {
            j += 1;
        }
        let Some(&conv) = fmt.get(j) else {
            return Val::Unknown;
        };
        let Some(arg) = args.next() else {
            return Val::Unknown;
        };
        let plain = j == i + 1 && matches!(conv, b's' | b'd' | b'i');
        if plain {
            pat.extend(&arg.pattern().0);
        } else {
            pat.push(Segment::Hole(Hole::default()));
        }
        i = j + 1;
    }
    Val::Pat {
        pat,
        from_keys: false,
    }
}
