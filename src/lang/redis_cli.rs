//! The redis-cli command-file front-end (`*.redis`, `*.redis-cli`): one command
//! per line, split exactly as redis-cli splits it (`sdssplitargs`), grouped into
//! MULTI/EXEC transactions, WATCH sets and script calls.

use crate::commands::{self, CommandSpec};
use crate::keypattern::{BraceSyntax, KeyPattern, Layout};
use crate::lang::lua;
use crate::lang::{Output, Problem};
use crate::model::{Arg, Client, Group, GroupKind, Key, Op, Script, Span, Topology};

/// The redis-cli command-file front-end.
pub const FRONT_END: super::FrontEnd = super::FrontEnd {
    name: "redis-cli",
    extensions: &["redis", "redis-cli"],
    suffixes: &[],
    editor_ids: &["redis"],
    fences: &["redis"],
    comments: super::CommentSyntax::RedisCli,
    prefilter: super::always,
    parse: |file, _| Ok(parse(&file.text)),
    reparse: None,
};

/// One argument of a command line after unquoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// Where the token is written, quotes included.
    pub span: Span,
    /// The file offset each decoded byte comes from (the backslash of an escape),
    /// then the offset just past the content: `offsets.len() == bytes.len() + 1`.
    pub offsets: Vec<usize>,
}

/// Why a line cannot be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// A quote is never closed.
    Unbalanced,
    /// A closing quote is followed by something other than a blank.
    TextAfterQuote,
}

/// C `isspace` in the "C" locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_value(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Inside double quotes at a backslash: the decoded byte and how many source
/// bytes the escape takes (`\xHH`, `\n`…; any other `\c` is `c`).
fn double_quote_escape(line: &[u8], p: usize) -> Option<(u8, usize)> {
    let next = *line.get(p + 1)?;
    if next == b'x' {
        let hex = |i: usize| line.get(i).copied().and_then(hex_value);
        if let (Some(h), Some(l)) = (hex(p + 2), hex(p + 3)) {
            return Some((h * 16 + l, 4));
        }
    }
    let decoded = match next {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 8,
        b'a' => 7,
        other => other,
    };
    Some((decoded, 2))
}

/// Splits one line into arguments as redis-cli's `sdssplitargs` does; `base` is
/// the file offset of `line[0]`. The line ends at a NUL byte, as a C string does.
pub fn split_args(line: &[u8], base: usize) -> Result<Vec<Token>, SplitError> {
    let line = &line[..line.iter().position(|&b| b == 0).unwrap_or(line.len())];
    let mut tokens = Vec::new();
    let mut p = 0;
    loop {
        while line.get(p).copied().is_some_and(is_c_space) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(tokens);
        }
        let start = p;
        // The open quote, if inside one; a token may switch into quotes midway.
        let mut quote: Option<u8> = None;
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        let end = loop {
            let Some(c) = line.get(p).copied() else {
                if quote.is_some() {
                    return Err(SplitError::Unbalanced);
                }
                break p;
            };
            let (decoded, width) = match (quote, c) {
                (Some(b'"'), b'\\') => double_quote_escape(line, p).unwrap_or((c, 1)),
                (Some(b'\''), b'\\') if line.get(p + 1) == Some(&b'\'') => (b'\'', 2),
                (Some(q), _) if c == q => {
                    if line.get(p + 1).is_some_and(|&n| !is_c_space(n)) {
                        return Err(SplitError::TextAfterQuote);
                    }
                    offsets.push(base + p);
                    break p + 1;
                }
                (None, b' ' | b'\n' | b'\r' | b'\t') => break p,
                (None, b'"' | b'\'') => {
                    quote = Some(c);
                    p += 1;
                    continue;
                }
                _ => (c, 1),
            };
            bytes.push(decoded);
            offsets.push(base + p);
            p += width;
        };
        if quote.is_none() {
            offsets.push(base + end);
        }
        tokens.push(Token {
            bytes,
            span: Span::new(base + start, base + end),
            offsets,
        });
        p = end + 1;
    }
}

/// A MULTI not yet closed.
struct Transaction {
    span: Span,
    ops: Vec<usize>,
    watches: Vec<usize>,
    watch_span: Option<Span>,
}

#[derive(Default)]
struct Parser {
    out: Output,
    tx: Option<Transaction>,
    watches: Vec<usize>,
    watch_span: Option<Span>,
}

/// Reads a redis-cli command file. Never panics, whatever the bytes.
pub fn parse(source: &[u8]) -> Output {
    let mut parser = Parser::default();
    parser.out.model.clients.push(Client {
        label: "redis-cli".to_string(),
        topology: Topology::Unknown,
        ..Client::default()
    });
    let mut base = 0;
    for raw in source.split(|&b| b == b'\n') {
        parser.line(raw, base);
        base += raw.len() + 1;
    }
    if let Some(tx) = parser.tx.take() {
        parser.problem(tx.span, "MULTI without EXEC: the transaction is never run");
        parser.push_group(GroupKind::Transaction, tx.span, tx.ops, None);
    }
    parser.out
}

/// The span of `raw` (at file offset `base`) without surrounding blanks.
fn trimmed_span(raw: &[u8], base: usize) -> Option<Span> {
    let first = raw.iter().position(|&b| !is_c_space(b))?;
    let last = raw.iter().rposition(|&b| !is_c_space(b))?;
    Some(Span::new(base + first, base + last + 1))
}

/// A non-negative decimal integer, as Redis reads `numkeys`.
fn parse_count(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Parser {
    fn problem(&mut self, span: Span, message: impl Into<String>) {
        self.out.problems.push(Problem {
            span,
            message: message.into(),
        });
    }

    fn push_group(&mut self, kind: GroupKind, span: Span, ops: Vec<usize>, script: Option<usize>) {
        self.out.model.groups.push(Group {
            kind,
            span,
            ops,
            script,
            client: Some(0),
            per_slot: false,
            assumption: None,
        });
    }

    fn line(&mut self, raw: &[u8], base: usize) {
        let Some(span) = trimmed_span(raw, base) else {
            return;
        };
        if raw.get(span.start - base) == Some(&b'#') {
            return;
        }
        let mut tokens = match split_args(raw, base) {
            Ok(tokens) => tokens,
            Err(SplitError::Unbalanced) => {
                self.problem(span, "unbalanced quotes: the line is skipped");
                return;
            }
            Err(SplitError::TextAfterQuote) => {
                self.problem(
                    span,
                    "closing quote not followed by a space: the line is skipped",
                );
                return;
            }
        };
        // redis-cli runs `3 INCR k` three times.
        if tokens.len() > 1 && tokens[0].bytes.iter().all(u8::is_ascii_digit) {
            if parse_count(&tokens[0].bytes).is_some_and(|n| n > 0) {
                tokens.remove(0);
            } else {
                self.problem(tokens[0].span, "invalid redis-cli repeat count");
                return;
            }
        }
        if tokens.is_empty() {
            return;
        }
        self.command(&tokens, span);
    }

    fn command(&mut self, tokens: &[Token], span: Span) {
        let argv0 = lossy(&tokens[0].bytes);
        let argv1 = tokens.get(1).map(|t| lossy(&t.bytes));
        let spec = commands::lookup(&argv0, argv1.as_deref());
        let name = spec.map_or_else(|| argv0.to_ascii_uppercase(), |s| s.name().to_string());
        let Some(spec) = spec else {
            let op = self.op(tokens, span, name, &[], 1);
            self.queue(op);
            return;
        };
        let consumed = if spec.container().is_some() { 2 } else { 1 };
        match name.as_str() {
            "MULTI" => self.multi(tokens, span, name),
            "EXEC" | "DISCARD" => self.exec(tokens, span, &name),
            "WATCH" if self.tx.is_some() => {
                self.problem(span, "WATCH inside MULTI is not allowed");
                self.op(tokens, span, name, &[], consumed);
            }
            "WATCH" => {
                let keys = self.keys(spec, tokens, span);
                let op = self.op(tokens, span, name, &keys, consumed);
                self.watches.push(op);
                self.watch_span.get_or_insert(span);
            }
            "UNWATCH" if self.tx.is_none() => {
                self.op(tokens, span, name, &[], consumed);
                self.watches.clear();
                self.watch_span = None;
            }
            _ if spec.is_script() => self.script_call(spec, tokens, span, &name),
            _ => {
                if name == "SCRIPT LOAD" {
                    if let Some(t) = tokens.get(2) {
                        self.script_source(t, None);
                    }
                }
                if name == "FUNCTION LOAD" {
                    // `FUNCTION LOAD [REPLACE] code`: the code is the last argument.
                    if let Some(t) = tokens.get(2..).and_then(<[Token]>::last) {
                        let lib = lua::analyze_library(&t.bytes, &t.offsets);
                        lib.add_to(&mut self.out.model, &mut self.out.problems);
                    }
                }
                let keys = self.keys(spec, tokens, span);
                let op = self.op(tokens, span, name, &keys, consumed);
                self.queue(op);
            }
        }
    }

    fn queue(&mut self, op: usize) {
        if let Some(tx) = &mut self.tx {
            tx.ops.push(op);
        }
    }

    fn multi(&mut self, tokens: &[Token], span: Span, name: String) {
        if self.tx.is_some() {
            self.problem(span, "MULTI inside MULTI: transactions cannot be nested");
            self.op(tokens, span, name, &[], 1);
            return;
        }
        self.op(tokens, span, name, &[], 1);
        self.tx = Some(Transaction {
            span,
            ops: Vec::new(),
            watches: std::mem::take(&mut self.watches),
            watch_span: self.watch_span.take(),
        });
    }

    fn exec(&mut self, tokens: &[Token], span: Span, name: &str) {
        self.op(tokens, span, name.to_string(), &[], 1);
        let Some(tx) = self.tx.take() else {
            self.problem(span, format!("{name} without MULTI"));
            return;
        };
        // EXEC and DISCARD both end the transaction and forget the watched keys.
        self.watches.clear();
        self.watch_span = None;
        if name != "EXEC" {
            return;
        }
        if let (Some(watch_span), false) = (tx.watch_span, tx.watches.is_empty()) {
            let mut ops = tx.watches;
            ops.extend_from_slice(&tx.ops);
            self.push_group(GroupKind::Transaction, tx.span, tx.ops, None);
            self.push_group(GroupKind::Watch, watch_span, ops, None);
        } else {
            self.push_group(GroupKind::Transaction, tx.span, tx.ops, None);
        }
    }

    /// `EVAL`, `EVAL_RO`, `EVALSHA`, `EVALSHA_RO`, `FCALL`, `FCALL_RO`.
    fn script_call(&mut self, spec: &CommandSpec, tokens: &[Token], span: Span, name: &str) {
        let numkeys = match tokens.get(2) {
            None => {
                self.problem(
                    span,
                    format!("wrong number of arguments for {name}: it needs numkeys"),
                );
                None
            }
            Some(t) => match parse_count(&t.bytes) {
                None => {
                    self.problem(
                        t.span,
                        format!(
                            "numkeys `{}` of {name} is not a non-negative integer",
                            lossy(&t.bytes)
                        ),
                    );
                    None
                }
                Some(n) if n > tokens.len() - 3 => {
                    self.problem(
                        t.span,
                        format!(
                            "numkeys {n} of {name} is greater than the number of arguments after it ({})",
                            tokens.len() - 3
                        ),
                    );
                    None
                }
                Some(n) => u32::try_from(n).ok(),
            },
        };
        let keys = if numkeys.is_some() {
            self.keys(spec, tokens, span)
        } else {
            Vec::new()
        };
        let op = self.op(tokens, span, name.to_string(), &keys, 1);
        self.queue(op);
        let script = match (name, tokens.get(1)) {
            ("EVAL" | "EVAL_RO", Some(source)) => Some(self.script_source(source, numkeys)),
            (_, Some(target)) => {
                let function = name.starts_with("FCALL").then(|| lossy(&target.bytes));
                self.out.model.scripts.push(Script {
                    span: target.span,
                    numkeys,
                    function,
                    ..Script::default()
                });
                Some(self.out.model.scripts.len() - 1)
            }
            (_, None) => None,
        };
        self.push_group(GroupKind::Script, span, vec![op], script);
    }

    /// Analyzes a script given inline and adds it to the model.
    fn script_source(&mut self, source: &Token, numkeys: Option<u32>) -> usize {
        let analysis = lua::analyze_full(&source.bytes, &source.offsets);
        self.out.problems.extend(analysis.problems);
        self.out.model.scripts.push(Script {
            numkeys,
            ..analysis.script
        });
        self.out.model.scripts.len() - 1
    }

    /// The argv indices of the keys of a call; a problem when Redis would refuse it.
    fn keys(&mut self, spec: &CommandSpec, tokens: &[Token], span: Span) -> Vec<usize> {
        let argv: Vec<&[u8]> = tokens.iter().map(|t| t.bytes.as_slice()).collect();
        if let Some(positions) = commands::key_positions(&argv) {
            return positions.indices().collect();
        }
        let arity = spec.arity();
        let n = i64::try_from(argv.len()).unwrap_or(i64::MAX);
        let wrong_arity = if arity >= 0 {
            n != i64::from(arity)
        } else {
            n < -i64::from(arity)
        };
        let message = if wrong_arity {
            format!("wrong number of arguments for {}", spec.name())
        } else {
            format!(
                "invalid arguments for {}: its keys cannot be found",
                spec.name()
            )
        };
        self.problem(span, message);
        Vec::new()
    }

    /// Adds the op of a command line; `consumed` tokens name the command.
    fn op(
        &mut self,
        tokens: &[Token],
        span: Span,
        command: String,
        key_indices: &[usize],
        consumed: usize,
    ) -> usize {
        let keys = key_indices
            .iter()
            .filter_map(|&i| tokens.get(i))
            .map(|t| Key {
                pattern: KeyPattern::literal(t.bytes.clone()).with_layout(Layout {
                    starts: t.offsets.clone(),
                    braces: BraceSyntax::Plain,
                }),
                span: t.span,
            })
            .collect();
        // A command line may hold a million keys: mark them once, not a search per argument.
        let mut is_key = vec![false; tokens.len()];
        for &i in key_indices {
            if let Some(k) = is_key.get_mut(i) {
                *k = true;
            }
        }
        let args = tokens
            .iter()
            .enumerate()
            .skip(consumed)
            .filter(|(i, _)| !is_key[*i])
            .map(|(_, t)| Arg {
                value: Some(t.bytes.clone()),
                span: t.span,
            })
            .collect();
        self.out.model.ops.push(Op {
            command,
            span,
            keys,
            args,
            client: Some(0),
        });
        self.out.model.ops.len() - 1
    }
}

#[cfg(test)]
mod tests;
