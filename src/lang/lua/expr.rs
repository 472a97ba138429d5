//! Expressions: a Lua 5.1 expression parser over the tokens (priorities as in
//! Lua's own parser) that evaluates what matters for keys — string literals,
//! `..`, KEYS/ARGV elements, locals, `tostring`, `string.format`, `x or 'default'`
//! — to key patterns. It never has side effects: the scanner calls it where a
//! value is needed.

use super::lex::{Kind, Token};
use super::scan::Scanner;
use crate::keypattern::{Hole, KeyPattern, Segment};

/// What the scanner knows of an expression's value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
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
    pub(super) fn lit(bytes: impl Into<Vec<u8>>) -> Val {
        Val::Pat {
            pat: KeyPattern::literal(bytes),
            from_keys: false,
        }
    }

    pub(super) fn hole(hole: Hole, from_keys: bool) -> Val {
        Val::Pat {
            pat: KeyPattern::new([Segment::Hole(hole)]),
            from_keys,
        }
    }

    pub(super) fn literal(&self) -> Option<&[u8]> {
        match self {
            Val::Pat { pat, .. } => pat.as_literal(),
            _ => None,
        }
    }

    /// The value as a key pattern, and whether it is an element of KEYS.
    pub(super) fn pattern(&self) -> (KeyPattern, bool) {
        match self {
            Val::Pat { pat, from_keys } => (pat.clone(), *from_keys),
            Val::Path(p) => (KeyPattern::new([Segment::Hole(Hole::named(p))]), false),
            Val::RedisCall | Val::Multi | Val::Unknown => {
                (KeyPattern::new([Segment::Hole(Hole::default())]), false)
            }
        }
    }

    /// Lua adjusts a multi-value expression to one value in most places.
    pub(super) fn single(self) -> Val {
        if self == Val::Multi {
            Val::Unknown
        } else {
            self
        }
    }
}

/// Expression nesting followed (brackets, calls, operators); deeper
/// expressions are skipped to their closing bracket, so a parse costs at most
/// this many levels however deep the script nests.
pub(super) const MAX_DEPTH: usize = 200;

/// A Lua numeral that denotes an integer, as Lua would print it.
pub(super) fn lua_integer(text: &[u8]) -> Option<u64> {
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

impl Scanner<'_> {
    /// A comma-separated expression list starting at `i`: each value with its
    /// token range, and the index just past the list.
    pub(super) fn explist(&self, i: usize) -> (Vec<(Val, usize, usize)>, usize) {
        self.explist_at(i, 0)
    }

    /// [`Self::explist`] nested `depth` levels deep (call arguments).
    fn explist_at(&self, i: usize, depth: usize) -> (Vec<(Val, usize, usize)>, usize) {
        let mut out = Vec::new();
        let mut j = i;
        loop {
            let (v, end) = self.exp(j, 0, depth);
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

    /// Where the bracketed part opened at `open` ends, its inner part read up
    /// to `end`: past `closer` when it is there, else past the matching
    /// closer, else at `end` (an opener never closed). Never back inside the
    /// part just read, so unclosed brackets are not read again: one pass, not
    /// one per way of splitting them.
    fn past_closer(&self, open: usize, end: usize, closer: &str) -> usize {
        if self.is_sym(end, closer) {
            return end + 1;
        }
        self.matching
            .get(open)
            .copied()
            .flatten()
            .map_or(end.max(open + 1), |m| m + 1)
    }

    /// A primary expression and its suffixes (`.f`, `[e]`, `:m(...)`, calls).
    fn suffixed(&self, i: usize, depth: usize) -> (Val, usize) {
        // `mk(x)` of a function that returns a key built from its parameters.
        if let (Some(name), true) = (self.name_at(i), self.is_sym(i + 1, "(")) {
            if let Some(Some((params, pattern))) = self.templates.get(name) {
                let (args, end) = self.explist_at(i + 2, depth + 1);
                let j = self.past_closer(i + 1, end, ")");
                return (instantiate(params, pattern, &args), j);
            }
        }
        let (mut val, mut j) = if let Some(name) = self.name_at(i) {
            (self.name_val(name), i + 1)
        } else if self.is_sym(i, "(") {
            let (v, end) = self.exp(i + 1, 0, depth + 1);
            (v.single(), self.past_closer(i, end, ")"))
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
                // The index is the tokens before the closer, or all that was
                // read when the bracket is never closed.
                let close = if self.is_sym(end, "]") {
                    Some(end)
                } else {
                    self.matching.get(j).copied().flatten()
                };
                val = self.index_val(&val, j + 1, close.unwrap_or(end));
                j = close.map_or(end.max(j + 1), |c| c + 1);
            } else if self.is_sym(j, ":") {
                // A method call: its value is not followed.
                j = self.after_args(j + 2);
                val = Val::Unknown;
            } else if self.is_sym(j, "(") {
                if val == Val::RedisCall && self.matching.get(j).copied().flatten().is_some() {
                    // Its value is unknown whatever the arguments, and the
                    // scanner reads its keys when it reaches it: nested
                    // `redis.call(` are each read once, not once per level.
                    j = self.after_match(j);
                    val = Val::Unknown;
                    continue;
                }
                let (args, end) = self.explist_at(j + 1, depth + 1);
                j = self.past_closer(j, end, ")");
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
pub(super) fn informative(v: Val) -> Option<Val> {
    match v {
        Val::Unknown | Val::Multi => None,
        Val::Pat { ref pat, .. } if pat.segments().iter().all(is_unnamed_hole) => None,
        v => Some(v),
    }
}

fn is_unnamed_hole(s: &Segment) -> bool {
    matches!(s, Segment::Hole(h) if h.name.is_none())
}

pub(super) fn field_val(base: Val, field: &[u8]) -> Val {
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

/// A key template with its parameters' holes filled by the call's arguments.
fn instantiate(params: &[Vec<u8>], pattern: &KeyPattern, args: &[(Val, usize, usize)]) -> Val {
    let mut pat = KeyPattern::default();
    let mut from_keys = false;
    for seg in pattern.segments() {
        let arg = match seg {
            Segment::Hole(h) => h.name.as_deref().and_then(|n| {
                params
                    .iter()
                    .position(|p| p.as_slice() == n.as_bytes())
                    .and_then(|k| args.get(k))
            }),
            Segment::Lit(_) => None,
        };
        match arg {
            Some((v, _, _)) => {
                let (p, keys) = v.pattern();
                from_keys |= keys && pattern.segments().len() == 1;
                pat.extend(&p);
            }
            None => pat.push(seg.clone()),
        }
    }
    Val::Pat { pat, from_keys }
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
