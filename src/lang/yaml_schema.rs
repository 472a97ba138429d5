//! YAML key schemas: declared key families, the transactions that use them
//! together and an optional slot → node topology, mapped to the model
//! (families; one op per transaction member; one transaction group each).
//!
//! Spans are byte offsets into the source. `marked-yaml` gives only start
//! markers (character index, line, character column) and no end for scalars,
//! so ends are found in the source text: the closing quote of a quoted scalar,
//! the value's own text for a plain one.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{LoadError, LoaderOptions, Marker, Node};

use crate::keypattern::{parse_placeholders, KeyPattern, Segment};
use crate::model::{Family, FileModel, Group, GroupKind, Key, Op, Span};
use crate::topology::{Topology, TopologyError};

/// A parsed key schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Families, and one op per transaction member plus one group per transaction.
    pub model: FileModel,
    /// The inline `topology: { nodes: … }`.
    pub topology: Option<Topology>,
    /// `topology: "path"`: a saved `CLUSTER SHARDS` / `CLUSTER NODES` reply,
    /// resolved against the schema's directory. Not read by the parser.
    pub topology_file: Option<PathBuf>,
    /// Where the `topology:` value is written, for errors met loading the file.
    pub topology_span: Option<Span>,
}

/// A schema that cannot be used: `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The schema as the user named it.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counting characters.
    pub column: usize,
    /// Lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SchemaError {}

/// Redis value types a family may declare.
const TYPES: &[&str] = &[
    "string",
    "hash",
    "list",
    "set",
    "zset",
    "stream",
    "json",
    "bitmap",
    "hyperloglog",
    "geo",
    "timeseries",
    "bloom",
];

/// Stack for the YAML parser thread: `yaml-rust2` recurses once per nesting
/// level, and [`check_nesting`] bounds the levels well within this.
const PARSE_STACK: usize = 32 << 20;

/// Lines whose block structure starts further right than this are refused
/// (block nesting depth is at most twice this column).
const MAX_BLOCK_COLUMN: usize = 400;

/// Parses a key schema. `path_for_messages` names the file in errors and is
/// the base for a relative `topology:` file. Never panics.
pub fn parse(path_for_messages: &str, source: &[u8]) -> Result<Schema, SchemaError> {
    let run = move || parse_here(path_for_messages, source);
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("slotlint-schema".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, run)
        {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(SchemaError {
                    path: path_for_messages.to_owned(),
                    line: 1,
                    column: 1,
                    message: "internal error while reading the schema (please report it)".into(),
                })
            }),
            Err(_) => run(),
        }
    })
}

fn parse_here(path: &str, source: &[u8]) -> Result<Schema, SchemaError> {
    let full = std::str::from_utf8(source).map_err(|e| {
        let text = Text::new(std::str::from_utf8(&source[..e.valid_up_to()]).unwrap_or(""));
        let byte = source[e.valid_up_to()];
        text.error(
            path,
            e.valid_up_to(),
            format!("schema is not valid UTF-8 (byte 0x{byte:02x})"),
        )
    })?;
    let text = Text::new(full);
    if let Some(offset) = check_nesting(full) {
        return Err(text.error(path, offset, "schema nests too deeply".into()));
    }
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    let root = marked_yaml::parse_yaml_with_options(0, text.parsed(), options)
        .map_err(|e| Reader { path, text: &text }.load_error(&e))?;
    if let Some(offset) = second_document(full) {
        return Err(text.error(
            path,
            offset,
            "a schema file holds one YAML document, and this starts another".into(),
        ));
    }
    Reader { path, text: &text }.schema(&root)
}

/// The source with the indexes that turn markers into byte offsets and byte
/// offsets into line and column.
struct Text<'a> {
    full: &'a str,
    /// Bytes of a leading BOM, which the YAML parser is not shown.
    base: usize,
    /// Byte offset of each character of the parsed text, then its end.
    char_starts: Vec<usize>,
    line_starts: Vec<usize>,
}

impl<'a> Text<'a> {
    fn new(full: &'a str) -> Self {
        let base = if full.starts_with('\u{feff}') { 3 } else { 0 };
        let char_starts = full[base..]
            .char_indices()
            .map(|(i, _)| base + i)
            .chain(std::iter::once(full.len()))
            .collect();
        let line_starts = std::iter::once(0)
            .chain(full.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Text {
            full,
            base,
            char_starts,
            line_starts,
        }
    }

    fn parsed(&self) -> &'a str {
        &self.full[self.base..]
    }

    fn offset(&self, marker: &Marker) -> usize {
        self.char_starts
            .get(marker.character())
            .copied()
            .unwrap_or(self.full.len())
    }

    /// 1-based line and column (characters; a BOM is not a column).
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.full.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line].max(if line == 0 { self.base } else { 0 });
        let column = self
            .full
            .get(start..offset)
            .map_or(offset.saturating_sub(start), |s| s.chars().count());
        (line + 1, column + 1)
    }

    fn error(&self, path: &str, offset: usize, message: String) -> SchemaError {
        let (line, column) = self.line_col(offset);
        SchemaError {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    }

    fn start(&self, node_span: &marked_yaml::Span) -> usize {
        node_span.start().map_or(self.base, |m| self.offset(m))
    }

    /// Where a scalar's value is written, quotes included.
    fn scalar_span(&self, node: &MarkedScalarNode) -> Span {
        let start = self.start(node.span());
        let rest = &self.full[start..];
        let end = match rest.as_bytes().first() {
            Some(b'"') => closing_quote(rest, b'"', true),
            Some(b'\'') => closing_quote(rest, b'\'', false),
            _ if rest.starts_with(node.as_str()) => {
                Some(node.as_str().trim_end_matches(['\n', '\r']).len())
            }
            // A folded plain scalar: its first line.
            _ => Some(rest.find(['\n', '\r']).unwrap_or(rest.len())),
        };
        let len = end.unwrap_or(rest.len());
        Span::new(start, start + rest[..len].trim_end().len())
    }

    /// Byte offset where the value's text is written verbatim, if it is.
    fn verbatim_start(&self, node: &MarkedScalarNode) -> Option<usize> {
        let start = self.start(node.span());
        let quoted = matches!(self.full.as_bytes().get(start), Some(b'"' | b'\''));
        let content = start + usize::from(quoted);
        self.full
            .get(content..)
            .filter(|rest| rest.starts_with(node.as_str()))
            .map(|_| content)
    }
}

/// Length up to and including the closing quote.
fn closing_quote(rest: &str, quote: u8, backslash_escapes: bool) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash_escapes => i += 1,
            q if q == quote => {
                if !backslash_escapes && bytes.get(i + 1) == Some(&quote) {
                    i += 1;
                } else {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Lines as the YAML parser sees them (`\n`, `\r` and `\r\n` end a line;
/// the empty piece inside `\r\n` is harmless), with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split(['\n', '\r']).map(move |line| {
        let at = start;
        start += line.len() + 1;
        (at, line)
    })
}

/// The YAML parser recurses once per nesting level. Flow nesting it caps
/// itself (255); block nesting is at most two levels per column at which a
/// block collection starts, and those start at a line's indent or after a
/// run of `- `/`? `/`: ` indicators. Returns the start of a line that goes
/// too far right.
fn check_nesting(text: &str) -> Option<usize> {
    lines(text).find_map(|(start, line)| {
        let mut column = 0;
        let mut chars = line.chars().peekable();
        loop {
            match chars.next() {
                Some(' ' | '\t') => column += 1,
                Some('-' | '?' | ':') if matches!(chars.peek(), None | Some(' ' | '\t')) => {
                    column += 1;
                }
                _ => break,
            }
        }
        (column > MAX_BLOCK_COLUMN).then_some(start)
    })
}

/// The start of a second YAML document, which the parser would skip
/// silently: a `---` after content, or content after `...`.
fn second_document(text: &str) -> Option<usize> {
    let is_marker = |line: &str, m: &str| {
        line.strip_prefix(m)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    };
    let mut content = false;
    let mut ended = false;
    for (start, line) in lines(text) {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let trimmed = line.trim();
        if is_marker(line, "---") {
            if content || ended {
                return Some(start);
            }
            // A document's content may follow `---` on the same line.
            let rest = line[3..].trim();
            content = !rest.is_empty() && !rest.starts_with('#');
        } else if is_marker(line, "...") {
            ended = content || ended;
        } else if trimmed.is_empty()
            || trimmed.starts_with('#')
            || (!content && line.starts_with('%'))
        {
        } else if ended {
            return Some(start);
        } else {
            content = true;
        }
    }
    None
}

/// Checks `<name>` placeholders; returns the byte index of the culprit and
/// the message.
fn check_placeholders(pattern: &str) -> Result<(), (usize, String)> {
    let mut from = 0;
    while let Some(open) = pattern[from..].find('<').map(|i| from + i) {
        let Some(close) = pattern[open + 1..].find('>').map(|i| open + 1 + i) else {
            return Err((
                open,
                format!("unclosed placeholder in pattern `{pattern}` (a `<` needs a closing `>`)"),
            ));
        };
        let name = &pattern[open + 1..close];
        if name.is_empty() {
            return Err((
                open,
                format!("empty placeholder `<>` in pattern `{pattern}`"),
            ));
        }
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err((
                open,
                format!(
                    "invalid placeholder `<{name}>` in pattern `{pattern}` (names match `[A-Za-z_][A-Za-z0-9_.-]*`)"
                ),
            ));
        }
        from = close + 1;
    }
    Ok(())
}

/// The pattern with `domain` set on every hole inside its hash tag.
fn with_tag_domain(pattern: &KeyPattern, domain: u64) -> KeyPattern {
    let segments = pattern.segments();
    // (segment, byte) of the first `{`, then of the first `}` after it.
    let mut open = None;
    let mut close = None;
    for (i, segment) in segments.iter().enumerate() {
        let Segment::Lit(bytes) = segment else {
            continue;
        };
        let from = match open {
            None => match bytes.iter().position(|&b| b == b'{') {
                Some(p) => {
                    open = Some((i, p));
                    p + 1
                }
                None => continue,
            },
            Some(_) => 0,
        };
        if let Some(p) = bytes[from..].iter().position(|&b| b == b'}') {
            close = Some((i, from + p));
            break;
        }
    }
    let (Some((open_seg, _)), Some((close_seg, _))) = (open, close) else {
        return pattern.clone();
    };
    KeyPattern::new(segments.iter().enumerate().map(|(i, s)| match s {
        Segment::Hole(h) if i > open_seg && i < close_seg => {
            let mut h = h.clone();
            h.domain = Some(domain);
            Segment::Hole(h)
        }
        other => other.clone(),
    }))
}

/// A plain empty or null scalar: a key written with no value.
fn is_null(node: &Node) -> bool {
    node.as_scalar().is_some_and(|s| {
        s.may_coerce() && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL")
    })
}

/// Whether an invalid-YAML line looks like an unquoted pattern with a leading
/// hash tag (`session: {session}:<id>`), which YAML reads as a flow mapping.
fn unquoted_tag_on(line: &str) -> bool {
    line.match_indices('{').any(|(i, _)| {
        let before = line[..i].trim_end();
        let value_position = before.ends_with(':') || before.ends_with('-') || before.is_empty();
        let rest = &line[i + 1..];
        value_position
            && rest.find('}').is_some_and(|c| {
                !rest[..c].contains(|ch: char| ch.is_whitespace() || matches!(ch, '"' | '\''))
                    && rest[c + 1..]
                        .chars()
                        .next()
                        .is_some_and(|n| !n.is_whitespace() && !matches!(n, ',' | '}' | ']' | '#'))
            })
    })
}

/// Walks the YAML tree into a [`Schema`].
struct Reader<'a> {
    path: &'a str,
    text: &'a Text<'a>,
}

impl Reader<'_> {
    fn err(&self, offset: usize, message: String) -> SchemaError {
        self.text.error(self.path, offset, message)
    }

    fn at(&self, node: &MarkedScalarNode, message: String) -> SchemaError {
        self.err(self.text.start(node.span()), message)
    }

    /// An error about `value` (of `key`): at the value when its start is
    /// known (a written scalar, a flow collection, a block sequence), else at the key.
    fn at_value(&self, key: &MarkedScalarNode, value: &Node, message: String) -> SchemaError {
        let offset = self.text.start(value.span());
        let precise = match value {
            // An empty plain scalar is marked at the next token.
            Node::Scalar(s) => !(s.may_coerce() && s.as_str().is_empty()),
            Node::Sequence(_) => true,
            Node::Mapping(_) => self.text.full.as_bytes().get(offset) == Some(&b'{'),
        };
        if precise {
            self.err(offset, message)
        } else {
            self.at(key, message)
        }
    }

    fn load_error(&self, error: &LoadError) -> SchemaError {
        let (marker, message) = match error {
            LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => (
                m,
                "a schema must be a YAML mapping with `keys:`, `transactions:` and `topology:`"
                    .to_owned(),
            ),
            LoadError::UnexpectedAnchor(m) => (
                m,
                "YAML anchors and aliases are not supported in schemas".to_owned(),
            ),
            LoadError::UnexpectedTag(m) => (m, "YAML tags are not supported in schemas".to_owned()),
            LoadError::MappingKeyMustBeScalar(m) => (
                m,
                "mapping keys must be names, not lists or mappings".to_owned(),
            ),
            LoadError::ScanError(m, e) => {
                let offset = self.text.offset(m);
                let (line, _) = self.text.line_col(offset);
                let line_text = self.text.full.lines().nth(line - 1).unwrap_or("");
                let hint = if unquoted_tag_on(line_text) {
                    " (quote patterns that start with a hash tag, like \"{session}:<id>\")"
                } else {
                    ""
                };
                (m, format!("invalid YAML: {}{hint}", e.info()))
            }
            LoadError::DuplicateKey(inner) => return self.duplicate(&inner.prev_key, &inner.key),
        };
        self.err(self.text.offset(marker), message)
    }

    /// A duplicate key, named by what it declares (found with a lenient re-parse).
    fn duplicate(&self, first: &MarkedScalarNode, second: &MarkedScalarNode) -> SchemaError {
        let first_at = self.text.start(first.span());
        let lenient = LoaderOptions::default().prevent_coercion(true);
        let what = marked_yaml::parse_yaml_with_options(0, self.text.parsed(), lenient)
            .ok()
            .and_then(|root| {
                let map = root.as_mapping()?;
                let holds = |section: &str| {
                    map.get_mapping(section).is_some_and(|m| {
                        m.keys().any(|k| {
                            k.span().start().map(|s| self.text.offset(s)) == Some(first_at)
                        })
                    })
                };
                if holds("keys") {
                    Some("family")
                } else if holds("transactions") {
                    Some("transaction")
                } else {
                    None
                }
            })
            .unwrap_or("key");
        let (line, _) = self.text.line_col(first_at);
        self.at(
            second,
            format!(
                "duplicate {what} `{}` (first on line {line})",
                second.as_str()
            ),
        )
    }

    fn schema(&self, root: &Node) -> Result<Schema, SchemaError> {
        let Some(map) = root.as_mapping() else {
            return Err(self.err(
                self.text.start(root.span()),
                "a schema must be a YAML mapping with `keys:`, `transactions:` and `topology:`"
                    .into(),
            ));
        };
        let mut schema = Schema::default();
        let mut transactions = None;
        for (key, value) in map.iter() {
            match key.as_str() {
                "keys" => self.families(key, value, &mut schema.model)?,
                "transactions" => transactions = Some((key, value)),
                "topology" => self.topology(key, value, &mut schema)?,
                other => {
                    return Err(self.at(
                        key,
                        format!(
                            "unknown top-level key `{other}` (expected `keys`, `transactions` or `topology`)"
                        ),
                    ))
                }
            }
        }
        // Transactions may come before the families they name.
        if let Some((key, value)) = transactions {
            self.transactions(key, value, &mut schema.model)?;
        }
        Ok(schema)
    }

    fn section<'n>(
        &self,
        key: &MarkedScalarNode,
        value: &'n Node,
        example: &str,
    ) -> Result<Option<&'n MarkedMappingNode>, SchemaError> {
        if is_null(value) {
            return Ok(None);
        }
        value.as_mapping().map(Some).ok_or_else(|| {
            self.at_value(
                key,
                value,
                format!("`{}` must be a mapping, like `{example}`", key.as_str()),
            )
        })
    }

    fn families(
        &self,
        key: &MarkedScalarNode,
        value: &Node,
        model: &mut FileModel,
    ) -> Result<(), SchemaError> {
        let example = "user_cart: \"{user:<user_id>}:cart\"";
        let Some(map) = self.section(key, value, example)? else {
            return Ok(());
        };
        for (name, entry) in map.iter() {
            if name.as_str().trim().is_empty() {
                return Err(self.at(name, "empty family name".into()));
            }
            let family = self.family(name, entry)?;
            model.families.push(family);
        }
        Ok(())
    }

    fn family(&self, name: &MarkedScalarNode, entry: &Node) -> Result<Family, SchemaError> {
        let family = name.as_str();
        let (mut pattern, mut cardinality, mut qps) = (None, None, None);
        match entry {
            _ if is_null(entry) => {}
            Node::Scalar(s) => pattern = Some(s),
            Node::Mapping(fields) => {
                for (field, value) in fields.iter() {
                    match field.as_str() {
                        "pattern" => match value {
                            Node::Scalar(s) if !is_null(value) => pattern = Some(s),
                            Node::Scalar(_) => {
                                return Err(self.at(field, format!("family `{family}` has an empty pattern")))
                            }
                            _ => return Err(self.at_value(field, value, format!(
                                "`pattern` of family `{family}` must be a string (quote patterns that start with a hash tag, like \"{{session}}:<id>\")"
                            ))),
                        },
                        "type" => self.redis_type(family, field, value)?,
                        "cardinality" => cardinality = Some(self.positive(family, field, value)?),
                        "qps" => qps = Some(self.positive(family, field, value)?),
                        "description" => self.description(&format!("family `{family}`"), field, value)?,
                        other => {
                            return Err(self.at(field, format!(
                                "unknown field `{other}` in family `{family}` (expected `pattern`, `type`, `cardinality`, `qps` or `description`)"
                            )))
                        }
                    }
                }
            }
            Node::Sequence(_) => {
                return Err(self.at_value(
                    name,
                    entry,
                    format!(
                        "family `{family}` must be a pattern string or a mapping with `pattern:`"
                    ),
                ))
            }
        }
        let Some(pattern_node) = pattern else {
            return Err(self.at(name, format!("family `{family}` has no `pattern`")));
        };
        let text = pattern_node.as_str();
        if text.is_empty() {
            return Err(self.at(
                pattern_node,
                format!("family `{family}` has an empty pattern"),
            ));
        }
        check_placeholders(text).map_err(|(index, message)| {
            let offset = self
                .text
                .verbatim_start(pattern_node)
                .map_or_else(|| self.text.start(pattern_node.span()), |s| s + index);
            self.err(offset, message)
        })?;
        let mut parsed = parse_placeholders(text);
        if let Some(domain) = cardinality {
            parsed = with_tag_domain(&parsed, domain);
        }
        Ok(Family {
            name: family.to_owned(),
            pattern: parsed,
            span: self.text.scalar_span(name),
            pattern_span: self.text.scalar_span(pattern_node),
            cardinality,
            qps,
        })
    }

    fn redis_type(
        &self,
        family: &str,
        field: &MarkedScalarNode,
        value: &Node,
    ) -> Result<(), SchemaError> {
        let known = value
            .as_scalar()
            .is_some_and(|s| TYPES.iter().any(|t| t.eq_ignore_ascii_case(s.as_str())));
        if known {
            return Ok(());
        }
        let shown = value.as_scalar().map_or("", MarkedScalarNode::as_str);
        Err(self.at_value(
            field,
            value,
            format!(
                "unknown type `{shown}` for family `{family}` (expected one of {})",
                TYPES.join(", ")
            ),
        ))
    }

    fn positive(
        &self,
        family: &str,
        field: &MarkedScalarNode,
        value: &Node,
    ) -> Result<u64, SchemaError> {
        let scalar = value.as_scalar().filter(|s| s.may_coerce());
        let text = scalar.map_or("", |s| s.as_str());
        match text.parse::<u64>() {
            Ok(n) if n > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(self.at_value(
                field,
                value,
                format!(
                    "`{}` of family `{family}` must be a positive integer, not `{}`",
                    field.as_str(),
                    value
                        .as_scalar()
                        .map_or("a list or mapping", |s| s.as_str())
                ),
            )),
        }
    }

    fn description(
        &self,
        owner: &str,
        field: &MarkedScalarNode,
        value: &Node,
    ) -> Result<(), SchemaError> {
        if value.as_scalar().is_some() {
            Ok(())
        } else {
            Err(self.at_value(
                field,
                value,
                format!("`description` of {owner} must be a string"),
            ))
        }
    }

    fn transactions(
        &self,
        key: &MarkedScalarNode,
        value: &Node,
        model: &mut FileModel,
    ) -> Result<(), SchemaError> {
        let Some(map) = self.section(key, value, "checkout: [user_cart, user_profile]")? else {
            return Ok(());
        };
        let index: HashMap<&str, usize> = model
            .families
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        for (name, entry) in map.iter() {
            if name.as_str().trim().is_empty() {
                return Err(self.at(name, "empty transaction name".into()));
            }
            let members = self.members(name, entry)?;
            let mut ops = Vec::new();
            for member in members.iter() {
                let Some(scalar) = member.as_scalar().filter(|_| !is_null(member)) else {
                    return Err(self.err(
                        self.text.start(member.span()),
                        format!(
                            "members of transaction `{}` must be family names",
                            name.as_str()
                        ),
                    ));
                };
                let Some(&family) = index.get(scalar.as_str()) else {
                    return Err(self.at(
                        scalar,
                        format!(
                            "unknown family `{}` in transaction `{}` (declare it under `keys:`)",
                            scalar.as_str(),
                            name.as_str()
                        ),
                    ));
                };
                let span = self.text.scalar_span(scalar);
                ops.push(model.ops.len());
                model.ops.push(Op {
                    command: String::new(),
                    span,
                    keys: vec![Key {
                        pattern: model.families[family].pattern.clone(),
                        span,
                    }],
                    args: Vec::new(),
                    client: None,
                });
            }
            model.groups.push(Group {
                kind: GroupKind::Transaction,
                span: self.text.scalar_span(name),
                ops,
                script: None,
                client: None,
            });
        }
        Ok(())
    }

    /// The member list of a transaction: `[a, b]` or `{ keys: [a, b] }`.
    fn members<'n>(
        &self,
        name: &MarkedScalarNode,
        entry: &'n Node,
    ) -> Result<&'n MarkedSequenceNode, SchemaError> {
        let tx = name.as_str();
        let list = match entry {
            Node::Sequence(list) => list,
            Node::Mapping(fields) => {
                let mut keys = None;
                for (field, value) in fields.iter() {
                    match field.as_str() {
                        "keys" => {
                            keys = Some(value.as_sequence().ok_or_else(|| {
                                self.at_value(field, value, format!(
                                    "`keys` of transaction `{tx}` must be a list of family names"
                                ))
                            })?);
                        }
                        "description" => self.description(&format!("transaction `{tx}`"), field, value)?,
                        other => {
                            return Err(self.at(field, format!(
                                "unknown field `{other}` in transaction `{tx}` (expected `keys` or `description`)"
                            )))
                        }
                    }
                }
                keys.ok_or_else(|| self.at(name, format!("transaction `{tx}` has no `keys`")))?
            }
            Node::Scalar(_) => {
                return Err(self.at_value(
                    name,
                    entry,
                    format!(
                        "transaction `{tx}` must be a list of families or a mapping with `keys:`"
                    ),
                ))
            }
        };
        if list.is_empty() {
            return Err(self.at(name, format!("transaction `{tx}` lists no families")));
        }
        Ok(list)
    }

    fn topology(
        &self,
        key: &MarkedScalarNode,
        value: &Node,
        schema: &mut Schema,
    ) -> Result<(), SchemaError> {
        if is_null(value) {
            return Ok(());
        }
        if let Node::Scalar(file) = value {
            schema.topology_file = Some(
                Path::new(self.path)
                    .parent()
                    .unwrap_or_else(|| Path::new(""))
                    .join(file.as_str()),
            );
            schema.topology_span = Some(self.text.scalar_span(file));
        } else {
            let topology = Topology::from_yaml_node(self.path, value)
                .map_err(|e| self.topology_error(key, &e))?;
            schema.topology = Some(topology);
            schema.topology_span = Some(self.text.scalar_span(key));
        }
        Ok(())
    }

    fn topology_error(&self, key: &MarkedScalarNode, error: &TopologyError) -> SchemaError {
        let fallback = self.at(key, String::new());
        SchemaError {
            path: self.path.to_owned(),
            line: error.line.filter(|&l| l > 0).unwrap_or(fallback.line),
            column: error.column.filter(|&c| c > 0).unwrap_or(1),
            message: error.message.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::SameSlot;
    use proptest::prelude::*;

    const DESIGN: &str = r#"keys:
  user_profile: { pattern: "{user:<user_id>}:profile", type: hash }
  user_cart:    { pattern: "{user:<user_id>}:cart", type: hash }
  session:      { pattern: "{session}:<session_id>", qps: 20000 }   # SL004
  daily_stats:  { pattern: "stats:{<day>}", cardinality: 365 }      # SL005
  account_a:    "{acct:<a>}"
  account_b:    "{acct:<b>}"
transactions:
  checkout: { keys: [user_cart, user_profile] }   # fine: same <user_id>
  transfer: { keys: [account_a, account_b] }      # SL001 unless tags match
topology:                      # optional; or a saved CLUSTER SHARDS / NODES
  nodes: { A: "0-5460", B: "5461-10922", C: "10923-16383" }
"#;

    fn ok(source: &str) -> Schema {
        parse("s.keys.yaml", source.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(source: &str) -> String {
        match parse("s.keys.yaml", source.as_bytes()) {
            Ok(_) => "parsed without error".into(),
            Err(e) => e.to_string(),
        }
    }

    fn line_col(source: &str, offset: usize) -> (usize, usize) {
        Text::new(source).line_col(offset)
    }

    fn text_of(source: &str, span: Span) -> &str {
        &source[span.start..span.end]
    }

    #[test]
    fn design_example_families() {
        let s = ok(DESIGN);
        let names: Vec<_> = s.model.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "user_profile",
                "user_cart",
                "session",
                "daily_stats",
                "account_a",
                "account_b"
            ]
        );
        let f = &s.model.families;
        assert_eq!(line_col(DESIGN, f[0].span.start), (2, 3));
        assert_eq!(text_of(DESIGN, f[0].span), "user_profile");
        assert_eq!(line_col(DESIGN, f[0].pattern_span.start), (2, 28));
        assert_eq!(
            text_of(DESIGN, f[0].pattern_span),
            "\"{user:<user_id>}:profile\""
        );
        assert_eq!(line_col(DESIGN, f[3].span.start), (5, 3));
        assert_eq!(text_of(DESIGN, f[5].pattern_span), "\"{acct:<b>}\"");
        assert_eq!(f[0].pattern, parse_placeholders("{user:<user_id>}:profile"));
        assert_eq!(f[2].qps, Some(20000));
        assert_eq!((f[3].cardinality, f[3].qps), (Some(365), None));
        let day = f[3].pattern.holes().next().unwrap();
        assert_eq!((day.name.as_deref(), day.domain), (Some("day"), Some(365)));
        assert!(f[0].pattern.holes().all(|h| h.domain.is_none()));
        let t = s.topology.expect("inline topology");
        assert_eq!(
            (t.node_of(0), t.node_of(5461), t.node_of(16383)),
            (Some("A"), Some("B"), Some("C"))
        );
        assert_eq!(s.topology_file, None);
    }

    #[test]
    fn design_example_transactions() {
        let s = ok(DESIGN);
        let m = &s.model;
        assert_eq!(m.groups.len(), 2);
        assert_eq!(m.ops.len(), 4);
        let checkout = &m.groups[0];
        assert_eq!(checkout.kind, GroupKind::Transaction);
        assert_eq!(text_of(DESIGN, checkout.span), "checkout");
        assert_eq!(line_col(DESIGN, checkout.span.start), (9, 3));
        let keys = m.group_keys(checkout);
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].1.pattern.to_string(), "{user:<user_id>}:cart");
        assert_eq!(keys[1].1.pattern.to_string(), "{user:<user_id>}:profile");
        assert_eq!(text_of(DESIGN, keys[0].1.span), "user_cart");
        assert_eq!(line_col(DESIGN, keys[1].1.span.start), (9, 33));
        for &i in &checkout.ops {
            assert!(m.ops[i].command.is_empty());
            assert_eq!(m.ops[i].span, m.ops[i].keys[0].span);
        }
        assert_eq!(
            keys[0].1.pattern.same_slot(&keys[1].1.pattern).kind,
            SameSlot::Same
        );
        let transfer = m.group_keys(&m.groups[1]);
        assert_eq!(text_of(DESIGN, m.groups[1].span), "transfer");
        assert_eq!(
            transfer[0].1.pattern.same_slot(&transfer[1].1.pattern).kind,
            SameSlot::LikelyDifferentVariables
        );
    }

    #[test]
    fn the_design_text_itself_names_undeclared_families() {
        let design: String = DESIGN
            .lines()
            .filter(|l| !l.starts_with("  account_"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            err(&design),
            "s.keys.yaml:8:22: unknown family `account_a` in transaction `transfer` (declare it under `keys:`)"
        );
    }

    #[test]
    fn shorthand_forms() {
        let src = "\
transactions:            # before the families it names
  pay: [cart, 'order']
  audit:
    description: keeps the trail
    keys:
      - cart
keys:
  cart: \"{user:<uid>}:cart\"
  order:
    pattern: '{user:<uid>}:order:<order_id>'
    type: ZSET
    description: 42
topology: ../topology/cluster-shards.txt
";
        let s = ok(src);
        assert_eq!(s.model.families[0].pattern.to_string(), "{user:<uid>}:cart");
        assert_eq!(
            text_of(src, s.model.families[0].pattern_span),
            "\"{user:<uid>}:cart\""
        );
        assert_eq!(
            text_of(src, s.model.families[1].pattern_span),
            "'{user:<uid>}:order:<order_id>'"
        );
        let pay = &s.model.groups[0];
        assert_eq!(text_of(src, s.model.ops[pay.ops[1]].span), "'order'");
        assert_eq!(
            line_col(src, s.model.ops[s.model.groups[1].ops[0]].span.start),
            (6, 9)
        );
        assert_eq!(
            s.topology_file.as_deref(),
            Some(Path::new("../topology/cluster-shards.txt"))
        );
        assert_eq!(
            text_of(src, s.topology_span.unwrap()),
            "../topology/cluster-shards.txt"
        );
        let s = parse(
            "fixtures/schema/x.keys.yaml",
            b"topology: \"/etc/nodes.txt\"\n",
        )
        .unwrap();
        assert_eq!(
            s.topology_file.as_deref(),
            Some(Path::new("/etc/nodes.txt"))
        );
        let s = parse("fixtures/schema/x.keys.yaml", b"topology: nodes.txt\n").unwrap();
        assert_eq!(
            s.topology_file.as_deref(),
            Some(Path::new("fixtures/schema/nodes.txt"))
        );
    }

    #[test]
    fn empty_sections_and_files() {
        for src in [
            "",
            "# nothing yet\n",
            "keys:\ntransactions:\ntopology:\n",
            "{}",
            "keys: {}\n",
        ] {
            let s = ok(src);
            assert!(s.model.families.is_empty() && s.model.groups.is_empty());
            assert!(s.topology.is_none() && s.topology_file.is_none());
        }
    }

    #[test]
    fn cardinality_marks_only_tag_holes() {
        let s = ok("keys:\n  t: { pattern: \"<env>:{tenant:<shard>}:<id>\", cardinality: 100 }\n");
        let domains: Vec<_> = s.model.families[0]
            .pattern
            .holes()
            .map(|h| (h.name.clone().unwrap(), h.domain))
            .collect();
        assert_eq!(
            domains,
            [
                ("env".into(), None),
                ("shard".into(), Some(100)),
                ("id".into(), None)
            ]
        );
        // No tag (empty, unclosed): nothing to mark.
        for p in ["{}<a>", "{<a>", "<a>"] {
            let s = ok(&format!(
                "keys:\n  t: {{ pattern: \"{p}\", cardinality: 7 }}\n"
            ));
            assert!(
                s.model.families[0]
                    .pattern
                    .holes()
                    .all(|h| h.domain.is_none()),
                "{p}"
            );
            assert_eq!(s.model.families[0].cardinality, Some(7));
        }
    }

    #[test]
    fn spans_are_bytes_with_unicode_bom_and_crlf() {
        let src = "\u{feff}keys:\r\n  pé: \"{ü:<id>}\"  # x\r\n  ö: plain:{x}\r\n";
        let s = ok(src);
        let f = &s.model.families;
        assert_eq!(text_of(src, f[0].span), "pé");
        assert_eq!(text_of(src, f[0].pattern_span), "\"{ü:<id>}\"");
        assert_eq!(line_col(src, f[0].pattern_span.start), (2, 7));
        assert_eq!(text_of(src, f[1].pattern_span), "plain:{x}");
        assert_eq!(line_col(src, f[1].span.start), (3, 3));
        assert_eq!(
            err("\u{feff}keys:\n  é: \"ü<1>\"\n"),
            "s.keys.yaml:2:8: invalid placeholder `<1>` in pattern `ü<1>` (names match `[A-Za-z_][A-Za-z0-9_.-]*`)"
        );
        assert_eq!(
            err("\u{feff}bad: 1\n"),
            "s.keys.yaml:1:1: unknown top-level key `bad` (expected `keys`, `transactions` or `topology`)"
        );
    }

    #[test]
    fn placeholders() {
        assert!(check_placeholders("a>b<c>d<e.f-g_h>").is_ok());
        assert_eq!(check_placeholders("a<b").unwrap_err().0, 1);
        assert_eq!(check_placeholders("ab<>").unwrap_err().0, 2);
        assert_eq!(check_placeholders("<a><b c>").unwrap_err().0, 3);
        assert_eq!(check_placeholders("<a<b>").unwrap_err().0, 0);
        assert_eq!(check_placeholders("<9>").unwrap_err().0, 0);
    }

    /// Each error with its exact position.
    #[test]
    fn errors_point_at_the_culprit() {
        let cases: &[(&str, &str)] = &[
            ("keys: [\n", "2:1: invalid YAML: while parsing a node, did not find expected node content"),
            ("keys:\n  session: {session}:<id>\n",
             "2:21: invalid YAML: while parsing a block mapping, did not find expected key (quote patterns that start with a hash tag, like \"{session}:<id>\")"),
            ("keys:\n  a: { pattern: {x}:y }\n",
             "2:20: invalid YAML: while parsing a flow mapping, did not find expected ',' or '}' (quote patterns that start with a hash tag, like \"{session}:<id>\")"),
            ("keys:\n  a:\n    pattern: {user:<id>}\n",
             "3:14: `pattern` of family `a` must be a string (quote patterns that start with a hash tag, like \"{session}:<id>\")"),
            ("- a\n", "1:1: a schema must be a YAML mapping with `keys:`, `transactions:` and `topology:`"),
            ("keys:\n  a: &x \"p\"\n", "2:9: YAML anchors and aliases are not supported in schemas"),
            ("keys:\n  a: !!str p\n", "2:12: YAML tags are not supported in schemas"),
            ("keys:\n  a: p\n  b: q\n  a: r\n", "4:3: duplicate family `a` (first on line 2)"),
            ("keys: {a: p}\ntransactions:\n  t: [a]\n  t: [a]\n", "4:3: duplicate transaction `t` (first on line 3)"),
            ("keys: {}\nkeys: {}\n", "2:1: duplicate key `keys` (first on line 1)"),
            ("version: 2\n", "1:1: unknown top-level key `version` (expected `keys`, `transactions` or `topology`)"),
            ("keys: [a]\n", "1:7: `keys` must be a mapping, like `user_cart: \"{user:<user_id>}:cart\"`"),
            ("transactions: x\n", "1:15: `transactions` must be a mapping, like `checkout: [user_cart, user_profile]`"),
            ("keys:\n  \"\": x\n", "2:3: empty family name"),
            ("keys:\n  a: [x]\n", "2:6: family `a` must be a pattern string or a mapping with `pattern:`"),
            ("keys:\n  a:\n", "2:3: family `a` has no `pattern`"),
            ("keys:\n  a: { type: hash }\n", "2:3: family `a` has no `pattern`"),
            ("keys:\n  a: \"\"\n", "2:6: family `a` has an empty pattern"),
            ("keys:\n  a:\n    pattern:\n", "3:5: family `a` has an empty pattern"),
            ("keys:\n  a: { pattern: x, ttl: 5 }\n",
             "2:20: unknown field `ttl` in family `a` (expected `pattern`, `type`, `cardinality`, `qps` or `description`)"),
            ("keys:\n  a: { pattern: x, type: table }\n",
             "2:26: unknown type `table` for family `a` (expected one of string, hash, list, set, zset, stream, json, bitmap, hyperloglog, geo, timeseries, bloom)"),
            ("keys:\n  a: { pattern: x, qps: 0 }\n", "2:25: `qps` of family `a` must be a positive integer, not `0`"),
            ("keys:\n  a: { pattern: x, qps: \"5\" }\n", "2:25: `qps` of family `a` must be a positive integer, not `5`"),
            ("keys:\n  a: { pattern: x, cardinality: -3 }\n", "2:33: `cardinality` of family `a` must be a positive integer, not `-3`"),
            ("keys:\n  a: { pattern: x, cardinality: [1] }\n", "2:33: `cardinality` of family `a` must be a positive integer, not `a list or mapping`"),
            ("keys:\n  a: { pattern: x, description: [1] }\n", "2:33: `description` of family `a` must be a string"),
            ("keys:\n  a: \"{user:<id}:cart\"\n", "2:13: unclosed placeholder in pattern `{user:<id}:cart` (a `<` needs a closing `>`)"),
            ("keys:\n  a: x:<>\n", "2:8: empty placeholder `<>` in pattern `x:<>`"),
            ("keys:\n  a: 'it''s <b c>'\n", "2:6: invalid placeholder `<b c>` in pattern `it's <b c>` (names match `[A-Za-z_][A-Za-z0-9_.-]*`)"),
            ("keys: {a: x}\ntransactions:\n  t: { keys: [a, b] }\n", "3:18: unknown family `b` in transaction `t` (declare it under `keys:`)"),
            ("keys: {a: x}\ntransactions:\n  t: a\n", "3:6: transaction `t` must be a list of families or a mapping with `keys:`"),
            ("keys: {a: x}\ntransactions:\n  t: []\n", "3:3: transaction `t` lists no families"),
            ("keys: {a: x}\ntransactions:\n  t: { description: d }\n", "3:3: transaction `t` has no `keys`"),
            ("keys: {a: x}\ntransactions:\n  t: { keys: a }\n", "3:14: `keys` of transaction `t` must be a list of family names"),
            ("keys: {a: x}\ntransactions:\n  t: { keys: [a], atomic: true }\n", "3:19: unknown field `atomic` in transaction `t` (expected `keys` or `description`)"),
            ("keys: {a: x}\ntransactions:\n  t: [a, [a]]\n", "3:10: members of transaction `t` must be family names"),
            ("topology:\n  nodes: { A: \"0-100\", B: \"50-200\" }\n",
             "2:27: slots 50-100 of node `B` overlap node `A` (line 2)"),
            ("topology:\n  nodez: {}\n", "2:3: unknown key `nodez` in topology (expected `nodes`)"),
            ("topology: [1]\n", "1:11: topology must be a mapping like `nodes: { A: \"0-5460\", B: \"5461-16383\" }`"),
            ("keys: {}\n---\nkeys: {}\n", "2:1: a schema file holds one YAML document, and this starts another"),
            ("keys: {}\n...\nkeys: {}\n", "3:1: a schema file holds one YAML document, and this starts another"),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(src, expected)| {
                let got = err(src);
                (got != format!("s.keys.yaml:{expected}"))
                    .then(|| format!("{src:?}\n  got      {got}\n  expected {expected}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let block = format!("keys:\n  a:\n    {}x\n", "- ".repeat(100_000));
        assert_eq!(err(&block), "s.keys.yaml:3:1: schema nests too deeply");
        let cr = format!("keys:\r  a:\r    {}x\r", "- ".repeat(100_000));
        assert_eq!(err(&cr), "s.keys.yaml:1:12: schema nests too deeply");
        let flow = format!("keys: {}\n", "[".repeat(100_000));
        assert!(
            err(&flow).contains("recursion limit exceeded"),
            "{}",
            err(&flow)
        );
        // Just under the limit, block and flow nesting together: parsed on
        // the big stack, then refused as a schema.
        let both = format!(
            "keys:\n  a:\n    {}{}\n",
            "- ".repeat(198),
            "[".repeat(250) + &"]".repeat(250)
        );
        assert_eq!(
            err(&both),
            "s.keys.yaml:3:5: family `a` must be a pattern string or a mapping with `pattern:`"
        );
        // A mapping and a sequence per column, up to the limit.
        let chain: String = (0..197)
            .map(|i| format!("{}- k:\n", " ".repeat(4 + 2 * i)))
            .chain([format!(
                "{}- {}\n",
                " ".repeat(4 + 2 * 197),
                "[".repeat(250)
            )])
            .collect();
        let chain = format!("keys:\n  a:\n{chain}");
        assert!(err(&chain).contains("invalid YAML"), "{}", err(&chain));
    }

    #[test]
    fn invalid_utf8_points_at_the_byte() {
        let mut bytes = b"keys:\n  ab: \"x".to_vec();
        bytes.extend([0xff, b'"', b'\n']);
        let e = parse("s.keys.yaml", &bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.keys.yaml:2:9: schema is not valid UTF-8 (byte 0xff)"
        );
    }

    /// `fixtures/schema`: `err_*` give the error their first line names,
    /// the others parse.
    #[test]
    fn fixtures() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schema");
        let mut wrong = Vec::new();
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("fixtures/schema") {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".keys.yaml") {
                continue;
            }
            seen += 1;
            let source = std::fs::read(&path).unwrap();
            let got = parse(&name, &source);
            if name.starts_with("err_") {
                let text = String::from_utf8_lossy(&source);
                let expected = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("# error: "))
                    .unwrap_or("(no `# error:` line)");
                match got {
                    Err(e) if e.to_string() == expected => {}
                    other => wrong.push(format!(
                        "{name}\n  got      {:?}\n  expected {expected}",
                        other.map(|_| ()).map_err(|e| e.to_string())
                    )),
                }
            } else if let Err(e) = got {
                wrong.push(format!("{name}: {e}"));
            }
        }
        assert!(seen >= 10, "fixtures not found in {}", dir.display());
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    fn never_fails_badly(source: &[u8]) -> Result<(), TestCaseError> {
        match parse("p.keys.yaml", source) {
            Ok(s) => {
                let spans = s
                    .model
                    .families
                    .iter()
                    .flat_map(|f| [f.span, f.pattern_span])
                    .chain(s.model.ops.iter().map(|o| o.span))
                    .chain(s.model.groups.iter().map(|g| g.span));
                for span in spans {
                    prop_assert!(span.start <= span.end && span.end <= source.len());
                    let text = std::str::from_utf8(source).unwrap();
                    prop_assert!(
                        text.is_char_boundary(span.start) && text.is_char_boundary(span.end)
                    );
                }
            }
            Err(e) => {
                let lines = source.split(|&b| b == b'\n').count();
                prop_assert!(e.line >= 1 && e.line <= lines + 1, "{}", e);
                prop_assert!(e.column >= 1, "{}", e);
                prop_assert!(!e.message.is_empty());
                prop_assert!(!e.message.contains("internal error"), "{}", e);
            }
        }
        Ok(())
    }

    const YAML_BYTES: &[u8] = b"{}[]:-?#&*!|>'\"\n\r\t ,%@`\\<>a0.~\xc3\xa9";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]
        #[test]
        fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            never_fails_badly(&bytes)?;
        }

        #[test]
        fn random_yaml_punctuation(bytes in prop::collection::vec(prop::sample::select(YAML_BYTES), 0..120)) {
            never_fails_badly(&bytes)?;
        }

        #[test]
        fn mutated_schema(
            edits in prop::collection::vec(
                (any::<prop::sample::Index>(), prop::sample::select(YAML_BYTES), 0..3u8, 1..4usize),
                1..6,
            )
        ) {
            let mut bytes = DESIGN.as_bytes().to_vec();
            for (at, byte, kind, len) in edits {
                let i = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(i, byte),
                    1 => {
                        let end = (i + len).min(bytes.len());
                        bytes.drain(i..end);
                    }
                    _ => {
                        if i < bytes.len() {
                            bytes[i] = byte;
                        }
                    }
                }
            }
            never_fails_badly(&bytes)?;
        }
    }
}
