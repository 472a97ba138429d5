//! Redis Functions libraries: the `redis.register_function` calls of a
//! library (positional `('name', callback)` and the table form with
//! `function_name`, `callback` and `flags`), each callback's body analyzed as
//! a script whose keys are the callback's first parameter.

use super::lex::Kind;
use super::scan::Scanner;
use super::shebang::valid_name;
use crate::model::{ScriptFlags, Span, SCRIPT_FLAGS};

/// One `register_function` call as written.
pub(super) struct Registration {
    pub(super) name: Option<(String, Span)>,
    /// The `function` keyword of the callback and the index of its `end`.
    pub(super) callback: Option<(usize, usize)>,
    pub(super) flags: ScriptFlags,
}

impl Scanner<'_> {
    /// Every `redis.register_function` (or Valkey's `server.`) in the code.
    pub(super) fn registrations(&self) -> Vec<Registration> {
        let mut out = Vec::new();
        for i in 0..self.toks.len() {
            let is_reg = matches!(self.name_at(i), Some(b"redis" | b"server"))
                && self.is_sym(i + 1, ".")
                && self.text(i + 2) == b"register_function"
                && (i == 0 || !(self.is_sym(i - 1, ".") || self.is_sym(i - 1, ":")));
            if !is_reg {
                continue;
            }
            let open = i + 3;
            let close = self.matching.get(open).copied().flatten();
            let span = self.token_span(i, close.map_or(open, |c| c + 1));
            let mut reg = Registration {
                name: None,
                callback: None,
                flags: ScriptFlags {
                    declared: true,
                    known: true,
                    ..ScriptFlags::default()
                },
            };
            if self.is_sym(open, "{") {
                self.table_form(open, &mut reg);
            } else if self.is_sym(open, "(") {
                let items = self.items(open);
                match items.as_slice() {
                    [(s, e)] if self.is_sym(*s, "{") && self.after(*s) == *e => {
                        self.table_form(*s, &mut reg);
                    }
                    [(ns, ne), (cs, ce)] => {
                        reg.name = self.string_item(*ns, *ne);
                        reg.callback = self.callback(*cs, *ce, i);
                    }
                    _ => reg.flags.invalid.push((
                        "wrong number of arguments to redis.register_function".into(),
                        span,
                    )),
                }
            }
            out.push(reg);
        }
        out
    }

    /// `{function_name = 'f', callback = …, flags = {…}}` opened at `open`.
    fn table_form(&self, open: usize, reg: &mut Registration) {
        for (s, e) in self.items(open) {
            let Some(key) = self.name_at(s).filter(|_| self.is_sym(s + 1, "=")) else {
                continue;
            };
            let (vs, ve) = (s + 2, e);
            match key {
                b"function_name" => reg.name = self.string_item(vs, ve),
                b"callback" => reg.callback = self.callback(vs, ve, s),
                b"flags" => self.flags_item(vs, ve, &mut reg.flags),
                b"description" => {}
                _ => reg.flags.invalid.push((
                    "unknown argument given to redis.register_function".into(),
                    self.token_span(s, e),
                )),
            }
        }
    }

    /// `{'no-writes', 'allow-oom'}`: known only when every element is a literal.
    fn flags_item(&self, s: usize, e: usize, flags: &mut ScriptFlags) {
        flags.span = Some(self.token_span(s, e));
        if !(self.is_sym(s, "{") && self.after(s) == e) {
            flags.known = false;
            return;
        }
        for (fs, fe) in self.items(s) {
            match self.string_item(fs, fe) {
                Some((f, _)) if SCRIPT_FLAGS.contains(&f.as_str()) => flags.flags.push(f),
                Some((_, span)) => flags.invalid.push(("unknown flag given".into(), span)),
                None => flags.known = false,
            }
        }
    }

    /// A single string literal filling tokens `s..e`.
    fn string_item(&self, s: usize, e: usize) -> Option<(String, Span)> {
        match self.toks.get(s).map(|t| &t.kind) {
            Some(Kind::Str(b)) if e == s + 1 => Some((
                String::from_utf8_lossy(b).into_owned(),
                self.token_span(s, e),
            )),
            _ => None,
        }
    }

    /// The callback in tokens `s..e`: a function expression, or the name of a
    /// function defined before `before` (`local function f(keys, args)`).
    fn callback(&self, s: usize, e: usize, before: usize) -> Option<(usize, usize)> {
        if self.is_kw(s, "function") {
            let end = self.matching.get(s).copied().flatten()?;
            return (end < e).then_some((s, end));
        }
        let name = self.name_at(s).filter(|_| e == s + 1)?;
        (0..before).rev().find_map(|f| {
            if !self.is_kw(f, "function") {
                return None;
            }
            let named = self.name_at(f + 1) == Some(name) && self.is_sym(f + 2, "(");
            let assigned = f >= 2 && self.is_sym(f - 1, "=") && self.name_at(f - 2) == Some(name);
            if !(named || assigned) {
                return None;
            }
            Some((f, self.matching.get(f).copied().flatten()?))
        })
    }

    /// The index just past the closer of the opener at `i`.
    fn after(&self, i: usize) -> usize {
        self.matching
            .get(i)
            .copied()
            .flatten()
            .map_or(i + 1, |m| m + 1)
    }

    /// The comma- or semicolon-separated items between the bracket at `open`
    /// and its closer, as token ranges.
    fn items(&self, open: usize) -> Vec<(usize, usize)> {
        let Some(close) = self.matching.get(open).copied().flatten() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut start = open + 1;
        let mut k = open + 1;
        while k < close {
            if self.is_sym(k, ",") || self.is_sym(k, ";") {
                if k > start {
                    out.push((start, k));
                }
                start = k + 1;
                k += 1;
            } else if self.matching.get(k).copied().flatten().is_some() {
                k = self.after(k);
            } else {
                k += 1;
            }
        }
        if close > start {
            out.push((start, close));
        }
        out
    }

    /// The first parameter's name of the function at `f`, if any.
    pub(super) fn first_param(&self, f: usize) -> Option<String> {
        let mut j = f + 1;
        while self.name_at(j).is_some() && (self.is_sym(j + 1, ".") || self.is_sym(j + 1, ":")) {
            j += 2;
        }
        if self.name_at(j).is_some() {
            j += 1;
        }
        if !self.is_sym(j, "(") {
            return None;
        }
        self.name_at(j + 1)
            .map(|n| String::from_utf8_lossy(n).into_owned())
    }
}

/// The server's check of a function name, as a problem of the registration.
pub(super) fn name_problem(name: &str) -> Option<&'static str> {
    (!valid_name(name)).then_some(
        "Function names can only contain letters, numbers, or underscores(_) and must be at least one character long",
    )
}
