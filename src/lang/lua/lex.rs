//! The Lua 5.1 lexer: tokens with byte ranges (strings decoded), and what it
//! could not read. Never panics; every step consumes at least one byte.

/// Token kinds; a string carries its decoded bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Name,
    Str(Vec<u8>),
    Num,
    Sym,
    /// A byte Lua does not accept.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Token {
    pub(crate) fn text<'c>(&self, code: &'c [u8]) -> &'c [u8] {
        code.get(self.start..self.end).unwrap_or(&[])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) message: &'static str,
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<LexError>,
}

pub(crate) fn lex(src: &[u8]) -> (Vec<Token>, Vec<LexError>) {
    let mut lx = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    // A first line `#!lua flags=...` (Redis 7 script flags) is not Lua.
    if src.starts_with(b"#") {
        lx.skip_line();
    }
    while lx.pos < src.len() {
        let before = lx.pos;
        lx.step();
        if lx.pos <= before {
            lx.pos = before + 1;
        }
    }
    (lx.tokens, lx.errors)
}

/// For every opening bracket or block keyword, the index of its closer.
pub(crate) fn match_pairs(toks: &[Token], code: &[u8]) -> Vec<Option<usize>> {
    let mut out = vec![None; toks.len()];
    let mut stack: Vec<(usize, &[u8])> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let text = t.text(code);
        let closer: &[u8] = match (&t.kind, text) {
            (Kind::Sym, b"(") => b")",
            (Kind::Sym, b"[") => b"]",
            (Kind::Sym, b"{") => b"}",
            (Kind::Name, b"function" | b"do" | b"if") => b"end",
            (Kind::Name, b"repeat") => b"until",
            (Kind::Sym, b")" | b"]" | b"}") | (Kind::Name, b"end" | b"until") => {
                // Unclosed openers in between are dropped, as far back as the
                // scanner looks (a closer with no opener costs that much, not
                // the whole stack).
                let floor = stack.len().saturating_sub(super::scan::BRACKET_SEARCH);
                if let Some(pos) = stack[floor..].iter().rposition(|(_, c)| *c == text) {
                    out[stack[floor + pos].0] = Some(i);
                    stack.truncate(floor + pos);
                }
                continue;
            }
            _ => continue,
        };
        stack.push((i, closer));
    }
    out
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    fn push(&mut self, kind: Kind, start: usize) {
        self.tokens.push(Token {
            kind,
            start,
            end: self.pos,
        });
    }

    fn error(&mut self, start: usize, message: &'static str) {
        // A run of bad bytes (text in another encoding) is one error.
        if let Some(last) = self.errors.last_mut() {
            if last.end == start && last.message == message {
                last.end = self.pos.max(start);
                return;
            }
        }
        self.errors.push(LexError {
            start,
            end: self.pos.max(start),
            message,
        });
    }

    fn skip_line(&mut self) {
        while self.pos < self.src.len() && !matches!(self.src[self.pos], b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn step(&mut self) {
        let start = self.pos;
        let c = self.src[start];
        match c {
            _ if is_space(c) => self.pos += 1,
            b'-' if self.peek(1) == Some(b'-') => {
                self.pos += 2;
                match self.long_open() {
                    Some(level) => {
                        self.long_body(start, level, "unfinished long comment");
                    }
                    None => self.skip_line(),
                }
            }
            b'[' => {
                if let Some(level) = self.long_open() {
                    let body = self.long_body(start, level, "unfinished long string");
                    self.push(Kind::Str(body), start);
                } else {
                    self.pos += 1;
                    if self.peek(0) == Some(b'=') {
                        self.error(start, "invalid long string delimiter");
                    }
                    self.push(Kind::Sym, start);
                }
            }
            b'"' | b'\'' => self.short_string(c),
            b'0'..=b'9' => self.number(),
            b'.' if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => self.number(),
            b'.' => {
                let n = if self.peek(1) != Some(b'.') {
                    1
                } else if self.peek(2) == Some(b'.') {
                    3
                } else {
                    2
                };
                self.pos += n;
                self.push(Kind::Sym, start);
            }
            b'=' | b'<' | b'>' | b'~' => {
                self.pos += if self.peek(1) == Some(b'=') { 2 } else { 1 };
                self.push(Kind::Sym, start);
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                while self
                    .peek(0)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || d == b'_')
                {
                    self.pos += 1;
                }
                self.push(Kind::Name, start);
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'#' | b'(' | b')' | b'{' | b'}' | b']'
            | b';' | b':' | b',' => {
                self.pos += 1;
                self.push(Kind::Sym, start);
            }
            _ => {
                self.pos += 1;
                self.push(Kind::Other, start);
                self.error(start, "unexpected character in Lua script");
            }
        }
    }

    /// At `[`: the level of a long bracket `[==[`, consuming it; `None` otherwise.
    fn long_open(&mut self) -> Option<usize> {
        if self.peek(0) != Some(b'[') {
            return None;
        }
        let mut level = 0;
        while self.peek(1 + level) == Some(b'=') {
            level += 1;
        }
        if self.peek(1 + level) != Some(b'[') {
            return None;
        }
        self.pos += level + 2;
        Some(level)
    }

    /// The body of a long string or comment up to `]==]`, newlines normalized.
    fn long_body(&mut self, start: usize, level: usize, unfinished: &'static str) -> Vec<u8> {
        let mut out = Vec::new();
        self.skip_newline();
        while let Some(c) = self.peek(0) {
            match c {
                b']' if (1..=level).all(|k| self.peek(k) == Some(b'='))
                    && self.peek(level + 1) == Some(b']') =>
                {
                    self.pos += level + 2;
                    return out;
                }
                b'\n' | b'\r' => {
                    self.skip_newline();
                    out.push(b'\n');
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        self.error(start, unfinished);
        out
    }

    /// Skips one newline (`\n`, `\r`, `\r\n` or `\n\r`) if there is one.
    fn skip_newline(&mut self) {
        if let Some(c @ (b'\n' | b'\r')) = self.peek(0) {
            self.pos += 1;
            if matches!(self.peek(0), Some(d @ (b'\n' | b'\r')) if d != c) {
                self.pos += 1;
            }
        }
    }

    fn short_string(&mut self, quote: u8) {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek(0) else {
                self.error(start, "unfinished string in Lua script");
                break;
            };
            match c {
                _ if c == quote => {
                    self.pos += 1;
                    break;
                }
                b'\n' | b'\r' => {
                    self.error(start, "unfinished string in Lua script");
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape(&mut out, start);
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        self.push(Kind::Str(out), start);
    }

    /// After a backslash: Lua 5.1 escapes (`\n`, `\ddd`, `\<newline>`; any other
    /// character stands for itself).
    fn escape(&mut self, out: &mut Vec<u8>, start: usize) {
        let Some(c) = self.peek(0) else {
            return;
        };
        let decoded = match c {
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 11,
            b'\n' | b'\r' => {
                self.skip_newline();
                out.push(b'\n');
                return;
            }
            b'0'..=b'9' => {
                let mut value = 0u32;
                let mut n = 0;
                while n < 3 {
                    match self.peek(0) {
                        Some(d @ b'0'..=b'9') => {
                            value = value * 10 + u32::from(d - b'0');
                            self.pos += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                if value > 255 {
                    self.error(start, "escape sequence too large in Lua script");
                }
                out.push(u8::try_from(value & 0xff).unwrap_or(0));
                return;
            }
            other => other,
        };
        out.push(decoded);
        self.pos += 1;
    }

    fn number(&mut self) {
        let start = self.pos;
        while self
            .peek(0)
            .is_some_and(|d| d.is_ascii_digit() || d == b'.')
        {
            self.pos += 1;
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
        }
        while self
            .peek(0)
            .is_some_and(|d| d.is_ascii_alphanumeric() || d == b'_')
        {
            self.pos += 1;
        }
        self.push(Kind::Num, start);
    }
}
