//! Where the comments of a file are, per language: just enough lexing (strings,
//! block comments, YAML block scalars) that a comment leader inside a string
//! is not taken for a comment. Never panics; every step consumes input.

use crate::lang::{CommentSyntax as Syntax, Language};
use crate::model::Span;

/// One comment: the whole comment, and its text without leader and closer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comment {
    pub(crate) span: Span,
    pub(crate) body: Span,
}

/// The comments of `text` in `language`, in order.
pub(crate) fn comments(text: &[u8], language: Language) -> Vec<Comment> {
    scan(text, language.comment_syntax())
}

fn scan(text: &[u8], syntax: Syntax) -> Vec<Comment> {
    let mut s = Scanner {
        text,
        pos: 0,
        out: Vec::new(),
    };
    match syntax {
        Syntax::RedisCli => s.redis_cli(),
        Syntax::Yaml => s.yaml(),
        Syntax::Lua => s.lua(),
        Syntax::Code(leaders) => s.code(leaders),
    }
    s.out
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
    out: Vec<Comment>,
}

impl Scanner<'_> {
    fn at(&self, s: &str) -> bool {
        self.text[self.pos..].starts_with(s.as_bytes())
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.pos + ahead).copied()
    }

    /// End of the current line, before its `\r\n` or `\n`.
    fn line_end(&self, from: usize) -> usize {
        let end = self.text[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.text.len(), |i| from + i);
        if end > from && self.text[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// A comment from the current position to the end of the line.
    fn line_comment(&mut self, leader: usize) {
        let start = self.pos;
        let end = self.line_end(start);
        self.out.push(Comment {
            span: Span::new(start, end),
            body: Span::new((start + leader).min(end), end),
        });
        self.pos = end.max(start + 1);
    }

    /// Skips a string opened by `quote` at the current position: backslash
    /// escapes the next byte; unless `multiline`, a newline ends it too.
    /// Whether the closing quote was found.
    fn skip_string(&mut self, quote: &str, multiline: bool) -> bool {
        self.pos += quote.len();
        while self.pos < self.text.len() {
            if self.at(quote) {
                self.pos += quote.len();
                return true;
            }
            match self.text[self.pos] {
                b'\\' => self.pos += 2,
                b'\n' if !multiline => return false,
                _ => self.pos += 1,
            }
        }
        self.pos = self.text.len();
        false
    }

    fn redis_cli(&mut self) {
        while self.pos < self.text.len() {
            let end = self.line_end(self.pos);
            let first = self.text[self.pos..end]
                .iter()
                .position(|b| !b.is_ascii_whitespace());
            if let Some(i) = first.filter(|&i| self.text[self.pos + i] == b'#') {
                self.pos += i;
                self.line_comment(1);
            }
            self.pos = end + 1;
        }
    }

    fn code(&mut self, leaders: &[&str]) {
        let c_like = leaders.contains(&"//");
        while self.pos < self.text.len() {
            if let Some(leader) = leaders.iter().find(|l| self.at(l)) {
                self.line_comment(leader.len());
            } else if c_like && self.at("/*") {
                self.block("/*", "*/");
            } else if !c_like && (self.at("\"\"\"") || self.at("'''")) {
                let quote = if self.at("'''") { "'''" } else { "\"\"\"" };
                self.skip_string(quote, true);
            } else if self.at("\"") || self.at("'") {
                let quote = if self.at("'") { "'" } else { "\"" };
                self.skip_single_line(quote);
            } else if c_like && self.at("`") {
                self.skip_string("`", true);
            } else {
                self.pos += 1;
            }
        }
    }

    /// A one-line string; a quote with no closer on its line is a plain
    /// character (a Rust lifetime, an apostrophe), not a string.
    fn skip_single_line(&mut self, quote: &str) {
        let start = self.pos;
        if !self.skip_string(quote, false) {
            self.pos = start + 1;
        }
    }

    fn block(&mut self, open: &str, close: &str) {
        let start = self.pos;
        let body = start + open.len();
        let (body_end, end) = match find(&self.text[body..], close.as_bytes()) {
            Some(i) => (body + i, body + i + close.len()),
            None => (self.text.len(), self.text.len()),
        };
        self.out.push(Comment {
            span: Span::new(start, end),
            body: Span::new(body, body_end),
        });
        self.pos = end;
    }

    fn lua(&mut self) {
        // A first line `#!lua flags=…` (Redis 7 script flags) is not Lua.
        if self.at("#") {
            self.pos = self.line_end(0);
        }
        while self.pos < self.text.len() {
            if self.at("--") {
                let start = self.pos;
                self.pos += 2;
                if let Some(level) = self.long_bracket() {
                    let close = format!("]{}]", "=".repeat(level));
                    self.pos = start;
                    self.block(&format!("--[{}[", "=".repeat(level)), &close);
                } else {
                    self.pos = start;
                    self.line_comment(2);
                }
            } else if self.at("[") {
                let start = self.pos;
                if let Some(level) = self.long_bracket() {
                    let close = format!("]{}]", "=".repeat(level));
                    self.pos = find(&self.text[self.pos..], close.as_bytes())
                        .map_or(self.text.len(), |i| self.pos + i + close.len());
                } else {
                    self.pos = start + 1;
                }
            } else if self.at("\"") || self.at("'") {
                let quote = if self.at("'") { "'" } else { "\"" };
                self.skip_string(quote, false);
            } else {
                self.pos += 1;
            }
        }
    }

    /// At `[`: the level of a long bracket `[==[`, consuming it.
    fn long_bracket(&mut self) -> Option<usize> {
        if self.peek(0) != Some(b'[') {
            return None;
        }
        let level = self.text[self.pos + 1..]
            .iter()
            .take_while(|&&b| b == b'=')
            .count();
        if self.peek(1 + level) == Some(b'[') {
            self.pos += level + 2;
            Some(level)
        } else {
            None
        }
    }

    fn yaml(&mut self) {
        while self.pos < self.text.len() {
            let b = self.text[self.pos];
            let prev = self.pos.checked_sub(1).map(|i| self.text[i]);
            let token_start = prev.is_none_or(|p| p.is_ascii_whitespace());
            if b == b'#' && token_start {
                self.line_comment(1);
            } else if b == b'"' && (token_start || matches!(prev, Some(b'[' | b'{' | b','))) {
                self.skip_string("\"", true);
            } else if b == b'\'' && (token_start || matches!(prev, Some(b'[' | b'{' | b','))) {
                // `''` inside a single-quoted scalar is an escaped quote.
                self.pos += 1;
                while self.pos < self.text.len() {
                    if self.at("''") {
                        self.pos += 2;
                    } else if self.at("'") {
                        self.pos += 1;
                        break;
                    } else {
                        self.pos += 1;
                    }
                }
            } else if b == b'\n' {
                self.pos += 1;
                self.skip_block_scalar();
            } else {
                self.pos += 1;
            }
        }
    }

    /// After a line ending in `|` or `>` (a block scalar header), skips the
    /// scalar's lines: blank ones and those indented deeper than the header's line.
    fn skip_block_scalar(&mut self) {
        let header_start = self.line_start(self.pos - 1);
        let header = &self.text[header_start..self.pos - 1];
        // The header line without its comment (found already, if any).
        let code_end = self
            .out
            .last()
            .filter(|c| c.span.start >= header_start)
            .map_or(header.len(), |c| c.span.start - header_start);
        let code = header[..code_end].trim_ascii_end();
        let indicators = code
            .iter()
            .rev()
            .take_while(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
            .count();
        let head = &code[..code.len() - indicators];
        let is_header = matches!(head.last(), Some(b'|' | b'>'))
            && (head.len() == 1 || head[head.len() - 2].is_ascii_whitespace());
        if !is_header {
            return;
        }
        let indent = indentation(header);
        while self.pos < self.text.len() {
            let end = self.line_end(self.pos);
            let line = &self.text[self.pos..end];
            if !line.trim_ascii().is_empty() && indentation(line) <= indent {
                return;
            }
            self.pos = self.text[end..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.text.len(), |i| end + i + 1);
        }
    }
}

fn indentation(line: &[u8]) -> usize {
    line.iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// First index of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(text: &str, language: Language) -> Vec<&str> {
        comments(text.as_bytes(), language)
            .iter()
            .map(|c| &text[c.body.start..c.body.end])
            .collect()
    }

    #[test]
    fn redis_cli_has_whole_line_comments_only() {
        let text = "# one\n  # two\r\nSET k \"#v\" # not a comment\n";
        assert_eq!(bodies(text, Language::REDIS_CLI), vec![" one", " two"]);
    }

    #[test]
    fn yaml_comments_skip_quoted_and_block_scalars() {
        let text = "a: \"x # y\" # c1\nb: 'it''s # q' #c2\nc: x#y\nd: |\n  # text\n  more\ne: 1 # c3\nf: [\"#\", '#'] # c4\n";
        assert_eq!(
            bodies(text, Language::SCHEMA),
            vec![" c1", "c2", " c3", " c4"]
        );
        // A plain scalar may hold an apostrophe.
        assert_eq!(bodies("k: it's # c\n", Language::SCHEMA), vec![" c"]);
        assert_eq!(
            bodies("k: >- # c\n  t # no\nz: 1\n", Language::SCHEMA),
            vec![" c"]
        );
    }

    #[test]
    fn lua_comments_and_strings() {
        let text =
            "local a = '--x' -- c1\nlocal b = [[\n-- in string\n]] --[==[ c2\nc2 ]==]\nx=1--c3\n";
        assert_eq!(bodies(text, Language::LUA), vec![" c1", " c2\nc2 ", "c3"]);
        assert_eq!(
            bodies("#!lua flags=no-writes\n-- c\n", Language::LUA),
            vec![" c"]
        );
    }

    fn code_bodies<'t>(text: &'t str, leaders: &'static [&'static str]) -> Vec<&'t str> {
        scan(text.as_bytes(), Syntax::Code(leaders))
            .iter()
            .map(|c| &text[c.body.start..c.body.end])
            .collect()
    }

    #[test]
    fn hash_code_comments_skip_strings() {
        let text = "r.get('a#b')  # c1\ns = \"\"\"\n# in docstring\n\"\"\"\nx = 1#c2\ny = \"it's\" # don't\n";
        assert_eq!(code_bodies(text, &["#"]), vec![" c1", "c2", " don't"]);
    }

    #[test]
    fn c_like_comments_skip_strings() {
        let text = "let a = \"//x\"; // c1\nfn f<'a>(x: &'a str) {} /* c2 */\nconst t = `\n// in template\n`; // c3\n";
        assert_eq!(code_bodies(text, &["//"]), vec![" c1", " c2 ", " c3"]);
    }

    #[test]
    fn find_finds_the_first_match() {
        assert_eq!(find(b"aab", b"ab"), Some(1));
        assert_eq!(find(b"xslotlint:", b"slotlint:"), Some(1));
        assert_eq!(find(b"a", b"ab"), None);
        assert_eq!(find(b"", b"a"), None);
        assert_eq!(find(b"abc", b""), None);
    }

    #[test]
    fn unterminated_input_never_panics() {
        let cases = [
            "\"", "'", "[[", "--[[", "a: \"", "a: '", "d: |", "\\", "#", "--", "'''", "/*", "`",
            "\"\\",
        ];
        for text in cases {
            for language in [Language::REDIS_CLI, Language::SCHEMA, Language::LUA] {
                let _ = comments(text.as_bytes(), language);
            }
            let _ = scan(text.as_bytes(), Syntax::Code(&["#"]));
            let _ = scan(text.as_bytes(), Syntax::Code(&["//"]));
        }
    }
}
