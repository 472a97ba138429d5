//! Slot → node maps: which cluster node owns each hash slot, read from a YAML
//! `topology:` block or from a saved `CLUSTER NODES`, `CLUSTER SLOTS` or
//! `CLUSTER SHARDS` reply (as `redis-cli` prints it to a terminal or to a file).
//!
//! Node names: in YAML the names are the user's; in the three `CLUSTER` forms a
//! node is named by its `ip:port` (the address a `MOVED` redirect names), or by
//! its id when the reply carries no address.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::Path;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, Node, Span};

use crate::slot::SLOT_COUNT;

const NO_NODE: u16 = u16::MAX;

/// The form a topology was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopologyFormat {
    /// `topology: { nodes: { A: "0-5460", … } }` (or `nodes:` at the top level).
    Yaml,
    /// A saved `CLUSTER NODES` reply.
    ClusterNodes,
    /// A saved `CLUSTER SLOTS` reply, formatted (`1) 1) (integer) 0`) or raw.
    ClusterSlots,
    /// A saved `CLUSTER SHARDS` reply, formatted or raw.
    ClusterShards,
}

/// Which node owns each of the 16384 slots. Slots may be left uncovered.
#[derive(Clone, Debug)]
pub struct Topology {
    /// Index into `nodes` per slot, `NO_NODE` when uncovered.
    owner: Vec<u16>,
    nodes: Vec<String>,
    format: TopologyFormat,
}

/// A topology that cannot be read: `path:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologyError {
    /// The file as the user named it.
    pub path: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TopologyError {}

impl Topology {
    /// Reads and parses a topology file; the format is detected from the content.
    pub fn load(path: &Path) -> Result<Self, TopologyError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| TopologyError {
            path: shown.clone(),
            line: None,
            column: None,
            message: format!("cannot read topology file: {e}"),
        })?;
        match String::from_utf8(bytes) {
            Ok(text) => Self::parse(&shown, &text),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.split(|&b| b == b'\n').count();
                Err(TopologyError {
                    path: shown,
                    line: Some(line),
                    column: None,
                    message: "topology file is not valid UTF-8".to_owned(),
                })
            }
        }
    }

    /// Parses topology text; `path` is only used in error messages. The format
    /// (YAML, `CLUSTER NODES`, `CLUSTER SLOTS`, `CLUSTER SHARDS`) is detected
    /// from the first non-blank line.
    pub fn parse(path: &str, text: &str) -> Result<Self, TopologyError> {
        let err = |line: usize, message: String| TopologyError {
            path: path.to_owned(),
            line: Some(line),
            column: None,
            message,
        };
        let is_comment = |l: &str| l.trim_start().starts_with('#');
        let Some((first_no, first)) = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .find(|(_, l)| !l.is_empty() && !is_comment(l))
        else {
            return Err(TopologyError {
                path: path.to_owned(),
                line: None,
                column: None,
                message: "topology file is empty: expected YAML `nodes:` or a saved \
                          CLUSTER NODES / SLOTS / SHARDS reply"
                    .to_owned(),
            });
        };
        let is_formatted = starts_with_marker(first) || first.starts_with("(empty");
        let is_nodes = looks_like_cluster_nodes(first);
        let is_raw_shards = first == "slots";
        let is_raw_slots = first.bytes().all(|b| b.is_ascii_digit());
        if !(is_formatted || is_nodes || is_raw_shards || is_raw_slots) {
            return Self::parse_yaml_text(path, text);
        }
        // `#` comment lines are allowed in saved replies (a note on where and
        // when they were captured); blank them, keeping line numbers.
        let text = text
            .lines()
            .map(|l| if is_comment(l) { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let result = if is_formatted {
            cli::parse_formatted(&text)
        } else if is_nodes {
            parse_cluster_nodes(&text).map(|b| b.finish(TopologyFormat::ClusterNodes))
        } else if is_raw_shards {
            cli::parse_raw_shards(&text)
        } else {
            cli::parse_raw_slots(&text)
        };
        // An error about the reply as a whole points at its first line.
        result.map_err(|(line, message)| err(line.max(first_no), message))
    }

    fn parse_yaml_text(path: &str, text: &str) -> Result<Self, TopologyError> {
        let root = marked_yaml::parse_yaml(0, text).map_err(|e| yaml_load_error(path, &e))?;
        let map = root.as_mapping().ok_or_else(|| {
            yaml_error(
                path,
                root.span(),
                "expected a mapping with `topology:` or `nodes:`".to_owned(),
            )
        })?;
        if let Some(inner) = map.get_node("topology") {
            Self::from_yaml_node(path, inner)
        } else if map.get_node("nodes").is_some() {
            Self::from_yaml_node(path, &root)
        } else {
            Err(yaml_error(
                path,
                root.span(),
                "no topology found: expected `topology: { nodes: { NAME: \"0-5460\", … } }`, \
                 or a saved CLUSTER NODES / SLOTS / SHARDS reply"
                    .to_owned(),
            ))
        }
    }

    /// Builds a topology from the YAML value of a `topology:` key: a mapping
    /// `nodes: { NAME: RANGES, … }` where RANGES is `"0-5460"`, `"42"`,
    /// `"0-100,200-300"` or a list of those; or a string naming a topology file
    /// (a saved CLUSTER reply, say) relative to the directory of `path`. Errors
    /// carry the node's line and column; `path` names the YAML file in them.
    pub fn from_yaml_node(path: &str, node: &Node) -> Result<Self, TopologyError> {
        if let Node::Scalar(file) = node {
            let base = Path::new(path).parent().unwrap_or(Path::new(""));
            let target = base.join(file.as_str());
            if !target.is_file() {
                return Err(yaml_error(
                    path,
                    file.span(),
                    format!(
                        "topology file `{}` not found (a relative path is taken from the directory of this file)",
                        target.display()
                    ),
                ));
            }
            return Self::load(&target);
        }
        let map = node.as_mapping().ok_or_else(|| {
            yaml_error(
                path,
                node.span(),
                "topology must be a mapping like `nodes: { A: \"0-5460\", B: \"5461-16383\" }`"
                    .to_owned(),
            )
        })?;
        let mut nodes_map: Option<&MarkedMappingNode> = None;
        for (key, value) in map.iter() {
            if key.as_str() == "nodes" {
                nodes_map = Some(value.as_mapping().ok_or_else(|| {
                    yaml_error(
                        path,
                        value.span(),
                        "`nodes` must map node names to slot ranges, like `A: \"0-5460\"`"
                            .to_owned(),
                    )
                })?);
            } else {
                return Err(yaml_error(
                    path,
                    key.span(),
                    format!(
                        "unknown key `{}` in topology (expected `nodes`)",
                        key.as_str()
                    ),
                ));
            }
        }
        let nodes_map = nodes_map.ok_or_else(|| {
            yaml_error(
                path,
                map.span(),
                "topology has no `nodes:` mapping".to_owned(),
            )
        })?;
        let mut builder = Builder::new();
        for (name, value) in nodes_map.iter() {
            if name.as_str().trim().is_empty() {
                return Err(yaml_error(path, name.span(), "empty node name".to_owned()));
            }
            let index = builder
                .node_index(name.as_str())
                .map_err(|m| yaml_error(path, name.span(), m))?;
            let scalars: Vec<&MarkedScalarNode> = match value {
                Node::Scalar(s) => vec![s],
                Node::Sequence(seq) => seq
                    .iter()
                    .map(|item| {
                        item.as_scalar().ok_or_else(|| {
                            yaml_error(
                                path,
                                item.span(),
                                "expected a slot range like \"0-5460\" or \"42\"".to_owned(),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Node::Mapping(m) => {
                    return Err(yaml_error(
                        path,
                        m.span(),
                        format!(
                            "slots of node `{}` must be a range string like \"0-5460\" or a list of them",
                            name.as_str()
                        ),
                    ))
                }
            };
            for scalar in scalars {
                let line = scalar.span().start().map_or(0, marked_yaml::Marker::line);
                for piece in scalar.as_str().split(',') {
                    parse_range(piece)
                        .and_then(|r| builder.assign(r, index, line))
                        .map_err(|m| yaml_error(path, scalar.span(), m))?;
                }
            }
        }
        Ok(builder.finish(TopologyFormat::Yaml))
    }

    /// The node that owns `slot`, `None` when the topology leaves it uncovered
    /// (or `slot` is out of range).
    pub fn node_of(&self, slot: u16) -> Option<&str> {
        let index = *self.owner.get(usize::from(slot))?;
        (index != NO_NODE).then(|| self.nodes[usize::from(index)].as_str())
    }

    /// Node names, in order of first appearance in the source.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// The slot ranges `node` owns, ascending.
    pub fn slots_of(&self, node: &str) -> Vec<RangeInclusive<u16>> {
        match self.nodes.iter().position(|n| n == node) {
            Some(index) => self.ranges_where(|owner| usize::from(owner) == index),
            None => Vec::new(),
        }
    }

    /// Slot ranges no node owns, ascending. Empty when the topology is complete.
    pub fn uncovered(&self) -> Vec<RangeInclusive<u16>> {
        self.ranges_where(|owner| owner == NO_NODE)
    }

    /// The form this topology was read from.
    pub fn format(&self) -> TopologyFormat {
        self.format
    }

    fn ranges_where(&self, pred: impl Fn(u16) -> bool) -> Vec<RangeInclusive<u16>> {
        let mut out = Vec::new();
        let mut start: Option<u16> = None;
        for slot in 0..SLOT_COUNT {
            let hit = pred(self.owner[usize::from(slot)]);
            match (hit, start) {
                (true, None) => start = Some(slot),
                (false, Some(s)) => {
                    out.push(s..=slot - 1);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(s..=SLOT_COUNT - 1);
        }
        out
    }
}

/// `0-99, 5000, 6000-6001`: ranges as a user writes them.
pub fn format_ranges(ranges: &[RangeInclusive<u16>]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|r| {
            if r.start() == r.end() {
                r.start().to_string()
            } else {
                format!("{}-{}", r.start(), r.end())
            }
        })
        .collect();
    parts.join(", ")
}

/// Number of slots in `ranges`.
pub fn count_slots(ranges: &[RangeInclusive<u16>]) -> usize {
    ranges
        .iter()
        .map(|r| usize::from(*r.end()) - usize::from(*r.start()) + 1)
        .sum()
}

/// Parses `START-END` or a single slot, both within 0-16383.
fn parse_range(text: &str) -> Result<RangeInclusive<u16>, String> {
    let text = text.trim();
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text, text),
    };
    let start = parse_slot(a, text)?;
    let end = parse_slot(b, text)?;
    if start > end {
        return Err(format!("slot range `{text}` is reversed (start after end)"));
    }
    Ok(start..=end)
}

fn parse_slot(text: &str, whole: &str) -> Result<u16, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid slot range `{whole}`: expected `START-END` or a single slot, like \"0-5460\""
        ));
    }
    match text.parse::<u32>() {
        Ok(n) if n < u32::from(SLOT_COUNT) => Ok(u16::try_from(n).unwrap_or(0)),
        _ => Err(format!(
            "slot {text} is out of range (slots are 0-{})",
            SLOT_COUNT - 1
        )),
    }
}

fn yaml_error(path: &str, span: &Span, message: String) -> TopologyError {
    let start = span.start();
    TopologyError {
        path: path.to_owned(),
        line: start.map(marked_yaml::Marker::line),
        column: start.map(marked_yaml::Marker::column),
        message,
    }
}

fn yaml_load_error(path: &str, error: &LoadError) -> TopologyError {
    let (marker, message) = match error {
        LoadError::TopLevelMustBeMapping(m) => (*m, "top level must be a mapping".to_owned()),
        LoadError::TopLevelMustBeSequence(m) => (*m, "top level must be a sequence".to_owned()),
        LoadError::UnexpectedAnchor(m) => (*m, "YAML anchors are not supported".to_owned()),
        LoadError::MappingKeyMustBeScalar(m) => (*m, "mapping keys must be scalars".to_owned()),
        LoadError::UnexpectedTag(m) => (*m, "YAML tags are not supported".to_owned()),
        LoadError::ScanError(m, e) => (*m, format!("invalid YAML: {}", e.info())),
        LoadError::DuplicateKey(inner) => match inner.key.span().start() {
            Some(m) => (*m, format!("duplicate key `{}`", inner.key.as_str())),
            None => (
                marked_yaml::Marker::new(0, 0, 1, 1),
                format!("duplicate key `{}`", inner.key.as_str()),
            ),
        },
    };
    TopologyError {
        path: path.to_owned(),
        line: Some(marker.line()),
        column: Some(marker.column()),
        message,
    }
}

/// `12) ` at the start of a line: redis-cli's formatted array output.
fn starts_with_marker(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && line[digits..].starts_with(')')
}

/// `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link-state> …`
fn looks_like_cluster_nodes(line: &str) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields.len() >= 8
        && !fields[0].contains(':')
        && fields[1].contains(':')
        && matches!(fields[7], "connected" | "disconnected")
}

fn parse_cluster_nodes(text: &str) -> Result<Builder, (usize, String)> {
    let mut builder = Builder::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 8 || !fields[1].contains(':') {
            return Err((
                line_no,
                "expected a CLUSTER NODES line: `<id> <ip:port@cport> <flags> <master> <ping> \
                 <pong> <epoch> <link-state> [<slot>…]`"
                    .to_owned(),
            ));
        }
        let slots = &fields[8..];
        if slots.iter().all(|s| s.starts_with('[')) {
            // A replica, or a master without slots.
            continue;
        }
        let address = fields[1].split(['@', ',']).next().unwrap_or_default();
        let name = if address.starts_with(':') || address.is_empty() {
            fields[0]
        } else {
            address
        };
        let index = builder.node_index(name).map_err(|m| (line_no, m))?;
        for slot in slots {
            if slot.starts_with('[') {
                // `[slot->-id]` / `[slot-<-id]`: a migration in progress; the
                // slot still belongs to the node that lists it as a range.
                if !slot.ends_with(']') {
                    return Err((line_no, format!("unterminated migration entry `{slot}`")));
                }
                continue;
            }
            let range = parse_range(slot).map_err(|m| (line_no, m))?;
            builder
                .assign(range, index, line_no)
                .map_err(|m| (line_no, m))?;
        }
    }
    Ok(builder)
}

/// Accumulates slot ownership, refusing overlaps.
struct Builder {
    owner: Vec<u16>,
    /// Line that assigned each slot, for overlap messages.
    origin: Vec<u32>,
    nodes: Vec<String>,
}

impl Builder {
    fn new() -> Self {
        Builder {
            owner: vec![NO_NODE; usize::from(SLOT_COUNT)],
            origin: vec![0; usize::from(SLOT_COUNT)],
            nodes: Vec::new(),
        }
    }

    fn node_index(&mut self, name: &str) -> Result<u16, String> {
        if let Some(i) = self.nodes.iter().position(|n| n == name) {
            return Ok(u16::try_from(i).unwrap_or(NO_NODE));
        }
        let index = u16::try_from(self.nodes.len())
            .ok()
            .filter(|&i| i != NO_NODE)
            .ok_or_else(|| "too many nodes in topology".to_owned())?;
        self.nodes.push(name.to_owned());
        Ok(index)
    }

    fn assign(&mut self, range: RangeInclusive<u16>, node: u16, line: usize) -> Result<(), String> {
        let (start, end) = (usize::from(*range.start()), usize::from(*range.end()));
        if let Some(first) = (start..=end).find(|&s| self.owner[s] != NO_NODE) {
            let previous = self.owner[first];
            let last = (first..=end)
                .take_while(|&s| self.owner[s] == previous)
                .last()
                .unwrap_or(first);
            let slots = if first == last {
                format!("slot {first}")
            } else {
                format!("slots {first}-{last}")
            };
            let at = self.origin[first];
            let name = &self.nodes[usize::from(node)];
            return Err(if previous == node {
                format!("{slots} listed twice for node `{name}` (first on line {at})")
            } else {
                format!(
                    "{slots} of node `{name}` overlap node `{}` (line {at})",
                    self.nodes[usize::from(previous)]
                )
            });
        }
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        self.owner[start..=end].fill(node);
        self.origin[start..=end].fill(line);
        Ok(())
    }

    fn finish(self, format: TopologyFormat) -> Topology {
        Topology {
            owner: self.owner,
            nodes: self.nodes,
            format,
        }
    }
}

/// The `CLUSTER SLOTS` / `CLUSTER SHARDS` replies as redis-cli prints them:
/// formatted (`1) 1) (integer) 0`, what a terminal shows and `--no-raw` forces)
/// or raw (one value per line, what `redis-cli … > file` saves).
mod cli {
    use super::{parse_range, Builder, Topology, TopologyFormat, SLOT_COUNT};

    type Res<T> = Result<T, (usize, String)>;

    /// CLUSTER replies nest four deep; anything far deeper is not one.
    const MAX_DEPTH: usize = 16;

    /// One value of a formatted reply, with the line it starts on.
    #[derive(Debug)]
    struct Item {
        line: usize,
        value: Value,
    }

    #[derive(Debug)]
    enum Value {
        Int(i64),
        Str(String),
        Nil,
        Array(Vec<Item>),
    }

    impl Item {
        fn as_int(&self) -> Option<i64> {
            match self.value {
                Value::Int(n) => Some(n),
                _ => None,
            }
        }

        fn as_str(&self) -> Option<&str> {
            match &self.value {
                Value::Str(s) => Some(s),
                _ => None,
            }
        }

        fn as_array(&self) -> Option<&[Item]> {
            match &self.value {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }
    }

    /// An array being filled while reading; `col` is the column of the `)` of
    /// its items' index markers (redis-cli right-aligns them per level).
    struct Level {
        col: Option<usize>,
        line: usize,
        items: Vec<Item>,
    }

    fn parse_tree(text: &str) -> Res<Item> {
        let mut stack: Vec<Level> = vec![Level {
            col: None,
            line: 1,
            items: Vec::new(),
        }];
        let mut root_scalar: Option<Item> = None;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            // Collect the `N) ` markers at the start of the line.
            let bytes = raw.as_bytes();
            let mut pos = 0;
            let mut markers = Vec::new();
            loop {
                let mut p = pos;
                while p < bytes.len() && bytes[p] == b' ' {
                    p += 1;
                }
                let digits = bytes[p..].iter().take_while(|b| b.is_ascii_digit()).count();
                if digits > 0 && bytes.get(p + digits) == Some(&b')') {
                    markers.push(p + digits);
                    pos = p + digits + 1;
                } else {
                    pos = p;
                    break;
                }
            }
            let value = parse_value(&raw[pos..]).map_err(|m| (line_no, m))?;
            let Some((&first, rest)) = markers.split_first() else {
                if stack.len() == 1 && stack[0].items.is_empty() && root_scalar.is_none() {
                    root_scalar = Some(Item {
                        line: line_no,
                        value,
                    });
                    continue;
                }
                return Err((line_no, "expected an `N) ` array item".to_owned()));
            };
            if root_scalar.is_some() {
                return Err((
                    line_no,
                    "unexpected array item after a single value".to_owned(),
                ));
            }
            // Close deeper levels until the one whose items sit at `first`.
            while stack.len() > 1 && stack.last().and_then(|l| l.col).is_some_and(|c| c > first) {
                close_level(&mut stack);
            }
            let top = stack
                .last_mut()
                .ok_or((line_no, "internal: empty stack".to_owned()))?;
            match top.col {
                None => top.col = Some(first),
                Some(c) if c == first => {}
                Some(_) => return Err((line_no, "misaligned array item".to_owned())),
            }
            if stack.len() + rest.len() > MAX_DEPTH {
                return Err((
                    line_no,
                    "arrays nested too deeply for a CLUSTER reply".to_owned(),
                ));
            }
            for &col in rest {
                stack.push(Level {
                    col: Some(col),
                    line: line_no,
                    items: Vec::new(),
                });
            }
            if let Some(top) = stack.last_mut() {
                top.items.push(Item {
                    line: line_no,
                    value,
                });
            }
        }
        while stack.len() > 1 {
            close_level(&mut stack);
        }
        if let Some(item) = root_scalar {
            return Ok(item);
        }
        let root = stack.pop().ok_or((1, "internal: empty stack".to_owned()))?;
        Ok(Item {
            line: root.line,
            value: Value::Array(root.items),
        })
    }

    fn close_level(stack: &mut Vec<Level>) {
        if let Some(level) = stack.pop() {
            if let Some(parent) = stack.last_mut() {
                parent.items.push(Item {
                    line: level.line,
                    value: Value::Array(level.items),
                });
            }
        }
    }

    fn parse_value(text: &str) -> Result<Value, String> {
        let text = text.trim();
        if let Some(n) = text.strip_prefix("(integer) ") {
            return n
                .trim()
                .parse()
                .map(Value::Int)
                .map_err(|_| format!("invalid integer `{n}`"));
        }
        if text == "(nil)" {
            return Ok(Value::Nil);
        }
        if text == "(empty array)" || text == "(empty list or set)" {
            return Ok(Value::Array(Vec::new()));
        }
        if let Some(e) = text.strip_prefix("(error) ") {
            return Err(format!("the saved reply is an error: {e}"));
        }
        if text.starts_with('"') {
            return unquote(text).map(Value::Str);
        }
        Err(format!(
            "cannot read `{text}` as redis-cli output (expected `(integer) N`, `\"string\"` or `(empty array)`)"
        ))
    }

    /// Undoes redis-cli's `sdscatrepr` quoting.
    fn unquote(text: &str) -> Result<String, String> {
        let inner = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .filter(|_| text.len() >= 2)
            .ok_or_else(|| format!("unterminated string {text}"))?;
        let mut out = Vec::with_capacity(inner.len());
        let mut bytes = inner.bytes();
        while let Some(b) = bytes.next() {
            if b != b'\\' {
                out.push(b);
                continue;
            }
            match bytes.next() {
                Some(b'n') => out.push(b'\n'),
                Some(b'r') => out.push(b'\r'),
                Some(b't') => out.push(b'\t'),
                Some(b'a') => out.push(7),
                Some(b'b') => out.push(8),
                Some(b'x') => {
                    let hex = [bytes.next(), bytes.next()];
                    let value = match hex {
                        [Some(h), Some(l)] => std::str::from_utf8(&[h, l])
                            .ok()
                            .and_then(|s| u8::from_str_radix(s, 16).ok()),
                        _ => None,
                    };
                    out.push(value.ok_or_else(|| format!("bad \\x escape in {text}"))?);
                }
                Some(other) => out.push(other),
                None => return Err(format!("dangling backslash in {text}")),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    pub(super) fn parse_formatted(text: &str) -> Res<Topology> {
        let root = parse_tree(text)?;
        let entries = root.as_array().ok_or((
            root.line,
            "expected the array of a CLUSTER SLOTS or CLUSTER SHARDS reply".to_owned(),
        ))?;
        let is_shards = entries
            .first()
            .and_then(Item::as_array)
            .and_then(<[Item]>::first)
            .and_then(Item::as_str)
            == Some("slots");
        if is_shards {
            formatted_shards(entries)
        } else {
            formatted_slots(entries)
        }
    }

    fn slot_of(item: &Item) -> Res<u16> {
        let n = item
            .as_int()
            .ok_or((item.line, "expected `(integer) SLOT`".to_owned()))?;
        u16::try_from(n)
            .ok()
            .filter(|&s| s < SLOT_COUNT)
            .ok_or_else(|| {
                (
                    item.line,
                    format!("slot {n} is out of range (slots are 0-{})", SLOT_COUNT - 1),
                )
            })
    }

    fn assign(builder: &mut Builder, name: &str, start: u16, end: u16, line: usize) -> Res<()> {
        if start > end {
            return Err((
                line,
                format!("slot range {start}-{end} is reversed (start after end)"),
            ));
        }
        let index = builder.node_index(name).map_err(|m| (line, m))?;
        builder
            .assign(start..=end, index, line)
            .map_err(|m| (line, m))
    }

    fn node_name(host: &str, port: i64, id: Option<&str>) -> String {
        match id {
            Some(id) if host.is_empty() || host == "?" => id.to_owned(),
            _ => format!("{host}:{port}"),
        }
    }

    /// `[[start, end, [ip, port, id, meta], replica…], …]`
    fn formatted_slots(entries: &[Item]) -> Res<Topology> {
        let mut builder = Builder::new();
        for entry in entries {
            let shape = || {
                (
                    entry.line,
                    "expected a CLUSTER SLOTS entry: start slot, end slot, then [ip, port, id] per node"
                        .to_owned(),
                )
            };
            let fields = entry.as_array().ok_or_else(shape)?;
            let [start, end, master, ..] = fields else {
                return Err(shape());
            };
            let node = master.as_array().ok_or_else(shape)?;
            let host = node.first().and_then(Item::as_str).ok_or_else(shape)?;
            let port = node.get(1).and_then(Item::as_int).ok_or_else(shape)?;
            let id = node.get(2).and_then(Item::as_str);
            let name = node_name(host, port, id);
            assign(
                &mut builder,
                &name,
                slot_of(start)?,
                slot_of(end)?,
                entry.line,
            )?;
        }
        Ok(builder.finish(TopologyFormat::ClusterSlots))
    }

    /// `[["slots", [s, e, …], "nodes", [[k, v, …], …]], …]`
    fn formatted_shards(entries: &[Item]) -> Res<Topology> {
        let mut builder = Builder::new();
        for entry in entries {
            let shape = || {
                (
                    entry.line,
                    "expected a CLUSTER SHARDS entry: \"slots\", [ranges], \"nodes\", [nodes]"
                        .to_owned(),
                )
            };
            let fields = entry.as_array().ok_or_else(shape)?;
            let mut slots: Option<&[Item]> = None;
            let mut nodes: Option<&[Item]> = None;
            for pair in fields.chunks(2) {
                match (pair[0].as_str(), pair.get(1).and_then(Item::as_array)) {
                    (Some("slots"), Some(v)) => slots = Some(v),
                    (Some("nodes"), Some(v)) => nodes = Some(v),
                    _ => return Err(shape()),
                }
            }
            let (slots, nodes) = slots.zip(nodes).ok_or_else(shape)?;
            if slots.is_empty() {
                continue;
            }
            let mut shard_nodes = Vec::new();
            for node in nodes {
                let kv = node.as_array().ok_or_else(shape)?;
                let mut fields = ShardNode::default();
                for pair in kv.chunks(2) {
                    let key = pair[0]
                        .as_str()
                        .ok_or((pair[0].line, "expected a field name".to_owned()))?;
                    let value = match pair.get(1).map(|v| &v.value) {
                        Some(Value::Str(s)) => s.clone(),
                        Some(Value::Int(n)) => n.to_string(),
                        _ => String::new(),
                    };
                    fields.set(key, value);
                }
                fields.line = node.line;
                shard_nodes.push(fields);
            }
            let name = shard_master(&shard_nodes, entry.line)?;
            if slots.len() % 2 != 0 {
                return Err((entry.line, "odd number of slot bounds in shard".to_owned()));
            }
            for pair in slots.chunks(2) {
                assign(
                    &mut builder,
                    &name,
                    slot_of(&pair[0])?,
                    slot_of(&pair[1])?,
                    pair[0].line,
                )?;
            }
        }
        Ok(builder.finish(TopologyFormat::ClusterShards))
    }

    /// The fields of a `CLUSTER SHARDS` node that name it.
    #[derive(Default)]
    struct ShardNode {
        line: usize,
        id: Option<String>,
        ip: Option<String>,
        endpoint: Option<String>,
        port: Option<String>,
        tls_port: Option<String>,
        role: Option<String>,
    }

    impl ShardNode {
        fn set(&mut self, key: &str, value: String) {
            match key {
                "id" => self.id = Some(value),
                "ip" => self.ip = Some(value),
                "endpoint" => self.endpoint = Some(value),
                "port" => self.port = Some(value),
                "tls-port" => self.tls_port = Some(value),
                "role" => self.role = Some(value),
                _ => {}
            }
        }

        fn name(&self) -> Res<String> {
            let host = self
                .ip
                .as_deref()
                .or(self.endpoint.as_deref())
                .unwrap_or("");
            let port = self
                .port
                .as_deref()
                .or(self.tls_port.as_deref())
                .and_then(|p| p.parse::<i64>().ok());
            match port {
                Some(port) => Ok(node_name(host, port, self.id.as_deref())),
                None => self
                    .id
                    .clone()
                    .ok_or((self.line, "shard node has neither port nor id".to_owned())),
            }
        }
    }

    fn shard_master(nodes: &[ShardNode], line: usize) -> Res<String> {
        nodes
            .iter()
            .find(|n| n.role.as_deref() == Some("master"))
            .ok_or((
                line,
                "shard owns slots but lists no node with role master".to_owned(),
            ))?
            .name()
    }

    /// Raw `CLUSTER SHARDS`: `slots`, bounds…, `nodes`, then `key`/`value`
    /// lines, each node starting at `id`.
    pub(super) fn parse_raw_shards(text: &str) -> Res<Topology> {
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        let mut builder = Builder::new();
        let mut i = 0;
        let skip_blank = |i: &mut usize| {
            while *i < lines.len() && lines[*i].trim().is_empty() {
                *i += 1;
            }
        };
        loop {
            skip_blank(&mut i);
            if i >= lines.len() {
                break;
            }
            let shard_line = i + 1;
            if lines[i].trim() != "slots" {
                return Err((
                    i + 1,
                    "expected `slots` (raw CLUSTER SHARDS output)".to_owned(),
                ));
            }
            i += 1;
            let mut bounds: Vec<(u16, usize)> = Vec::new();
            while i < lines.len() && lines[i].trim() != "nodes" {
                let t = lines[i].trim();
                let slot = parse_range(t).map(|r| *r.start()).map_err(|m| (i + 1, m))?;
                if t.contains('-') {
                    return Err((i + 1, format!("expected a slot number, found `{t}`")));
                }
                bounds.push((slot, i + 1));
                i += 1;
            }
            if i >= lines.len() {
                return Err((shard_line, "shard has `slots` but no `nodes`".to_owned()));
            }
            i += 1;
            let mut nodes: Vec<ShardNode> = Vec::new();
            loop {
                skip_blank(&mut i);
                if i >= lines.len() || lines[i].trim() == "slots" {
                    break;
                }
                let key = lines[i].trim();
                let value = lines.get(i + 1).map_or("", |v| v.trim()).to_owned();
                if key == "id" || nodes.is_empty() {
                    nodes.push(ShardNode {
                        line: i + 1,
                        ..ShardNode::default()
                    });
                }
                if let Some(node) = nodes.last_mut() {
                    node.set(key, value);
                }
                i += 2;
            }
            if bounds.is_empty() {
                continue;
            }
            if bounds.len() % 2 != 0 {
                return Err((shard_line, "odd number of slot bounds in shard".to_owned()));
            }
            let name = shard_master(&nodes, shard_line)?;
            for pair in bounds.chunks(2) {
                assign(&mut builder, &name, pair[0].0, pair[1].0, pair[0].1)?;
            }
        }
        Ok(builder.finish(TopologyFormat::ClusterShards))
    }

    /// Raw `CLUSTER SLOTS`: start, end, then per node host, port, optional
    /// 40-hex id and optional `hostname`/`ip` metadata pairs; empty metadata
    /// arrays print as blank lines.
    pub(super) fn parse_raw_slots(text: &str) -> Res<Topology> {
        let tokens: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty())
            .collect();
        let is_int = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let is_id = |t: &str| t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit());
        let mut builder = Builder::new();
        let mut i = 0;
        while i < tokens.len() {
            let (line, start) = tokens[i];
            let shape = |line: usize| {
                (
                    line,
                    "expected raw CLUSTER SLOTS output: start slot, end slot, then host, port, id per node"
                        .to_owned(),
                )
            };
            let end = tokens.get(i + 1).ok_or_else(|| shape(line))?;
            if !is_int(start) || !is_int(end.1) {
                return Err(shape(line));
            }
            let start_slot = parse_range(start)
                .map(|r| *r.start())
                .map_err(|m| (line, m))?;
            let end_slot = parse_range(end.1)
                .map(|r| *r.start())
                .map_err(|m| (end.0, m))?;
            i += 2;
            let mut master: Option<String> = None;
            while i < tokens.len() && !is_int(tokens[i].1) {
                let (host_line, host) = tokens[i];
                if matches!(host, "hostname" | "ip") && master.is_some() {
                    i += 2; // metadata pair
                    continue;
                }
                let port = tokens
                    .get(i + 1)
                    .filter(|t| is_int(t.1))
                    .and_then(|t| t.1.parse::<i64>().ok())
                    .ok_or_else(|| shape(host_line))?;
                i += 2;
                let id = tokens.get(i).map(|t| t.1).filter(|t| is_id(t));
                if id.is_some() {
                    i += 1;
                }
                if master.is_none() {
                    master = Some(node_name(host, port, id));
                }
            }
            let name = master.ok_or_else(|| shape(line))?;
            assign(&mut builder, &name, start_slot, end_slot, line)?;
        }
        Ok(builder.finish(TopologyFormat::ClusterSlots))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Topology, TopologyError> {
        Topology::parse("t.yaml", text)
    }

    #[test]
    fn yaml_forms() {
        let t =
            parse("topology:\n  nodes: { A: \"0-5460\", B: \"5461-10922\", C: \"10923-16383\" }\n")
                .unwrap();
        assert_eq!(t.node_of(0), Some("A"));
        assert_eq!(t.node_of(5461), Some("B"));
        assert_eq!(t.node_of(16383), Some("C"));
        assert!(t.uncovered().is_empty());
        let t = parse("nodes:\n  A: [\"0-100\", \"200-300\"]\n  B: \"101-199,301\"\n  C: 42000\n");
        assert_eq!(
            t.unwrap_err().to_string(),
            "t.yaml:4:6: slot 42000 is out of range (slots are 0-16383)"
        );
        let t = parse("nodes:\n  A: [\"0-100\", \"200-300\"]\n  B: \"101-199,301\"\n  C: 302\n")
            .unwrap();
        assert_eq!(t.slots_of("A"), vec![0..=100, 200..=300]);
        assert_eq!(t.node_of(301), Some("B"));
        assert_eq!(t.node_of(302), Some("C"));
        assert_eq!(t.uncovered(), vec![303..=16383]);
    }

    #[test]
    fn yaml_errors_have_positions() {
        let e = parse("nodes:\n  A: \"0-100\"\n  B: \"50-60\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("overlap node `A` (line 2)"), "{e}");
        let e = parse("nodes:\n  A: \"0-100,100\"\n").unwrap_err();
        assert!(e.message.contains("listed twice"), "{e}");
        let e = parse("nodes:\n  A: \"9-3\"\n").unwrap_err();
        assert!(e.message.contains("reversed"), "{e}");
        let e = parse("topology:\n  nodez: {}\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
        let e = parse("nodes: [\n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = parse("foo: bar\n").unwrap_err();
        assert!(e.message.contains("no topology found"), "{e}");
    }

    #[test]
    fn yaml_may_name_a_saved_reply() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/topology/schema.yaml");
        let t = parse_named(dir, "topology: cluster-nodes.txt\n").unwrap();
        assert_eq!(t.format(), TopologyFormat::ClusterNodes);
        assert_eq!(t.node_of(16383), Some("127.0.0.1:17001"));
        let e = parse_named(dir, "topology: nope.txt\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(11)));
        assert!(e.message.contains("nope.txt` not found"), "{e}");
    }

    fn parse_named(path: &str, text: &str) -> Result<Topology, TopologyError> {
        Topology::parse(path, text)
    }

    #[test]
    fn comments_in_saved_replies() {
        let text = "# captured from prod\n\
                    a 1.1.1.1:1@2 master - 0 0 1 connected 0-16383\n# end\n";
        assert_eq!(parse(text).unwrap().node_of(7), Some("1.1.1.1:1"));
        let text = "# note\n0\n16383\n# between\n10.0.0.1\n7000\n";
        assert_eq!(parse(text).unwrap().node_of(7), Some("10.0.0.1:7000"));
        let e = parse("# note\n1) 1) (integer) 0\n   2) (integer) x\n").unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn cluster_nodes() {
        let text = "\
07c3 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460 [100->-e7d1]
e7d1 10.0.0.2:6379@16379,host-b master - 0 0 2 connected 5461-10922 [100-<-07c3]
a1b2 10.0.0.4:6379@16379 slave 07c3 0 0 1 connected
f3e4 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16000 16001 16002-16383
";
        let t = parse(text).unwrap();
        assert_eq!(t.format(), TopologyFormat::ClusterNodes);
        assert_eq!(t.node_of(100), Some("10.0.0.1:6379"));
        assert_eq!(t.node_of(5461), Some("10.0.0.2:6379"));
        assert_eq!(t.node_of(16001), Some("10.0.0.3:6379"));
        assert_eq!(t.nodes().len(), 3);
        let bad = "07c3 10.0.0.1:6379@16379 master - 0 0 1 connected 0-5460\ngarbage line\n";
        let e = parse(bad).unwrap_err();
        assert_eq!(e.to_string().split(": ").next(), Some("t.yaml:2"));
        let overlap = "a 1.1.1.1:1@2 master - 0 0 1 connected 0-10\nb 1.1.1.2:1@2 master - 0 0 1 connected 10-20\n";
        let e = parse(overlap).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(
            e.message.contains("slot 10 of node `1.1.1.2:1` overlap"),
            "{e}"
        );
    }

    #[test]
    fn formatted_slots_tree() {
        let text = r#"1) 1) (integer) 0
   2) (integer) 10
   3) 1) "127.0.0.1"
      2) (integer) 7000
      3) "aaaa"
      4) (empty array)
   4) 1) "127.0.0.1"
      2) (integer) 7003
2) 1) (integer) 11
   2) (integer) 16383
   3) 1) "127.0.0.1"
      2) (integer) 7001
"#;
        let t = parse(text).unwrap();
        assert_eq!(t.format(), TopologyFormat::ClusterSlots);
        assert_eq!(t.node_of(10), Some("127.0.0.1:7000"));
        assert_eq!(t.node_of(11), Some("127.0.0.1:7001"));
        let e = parse(
            "1) 1) (integer) 0\n   2) (integer) 99999\n   3) 1) \"h\"\n      2) (integer) 1\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse("1) 1) (integer) 0\n   2) what\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn empty_reply_leaves_everything_uncovered() {
        let t = parse("(empty array)\n").unwrap();
        assert_eq!(t.uncovered(), vec![0..=16383]);
        assert!(parse("").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn never_panics_on_fragments(parts in proptest::collection::vec(0usize..FRAGMENTS.len(), 0..24)) {
            let text: String = parts.iter().map(|&i| FRAGMENTS[i]).collect();
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,80}") {
            let _ = parse(&text);
        }
    }

    const FRAGMENTS: &[&str] = &[
        "\n",
        " ",
        "  ",
        "1) ",
        "2) ",
        "10) ",
        "(integer) ",
        "5",
        "16383",
        "-",
        "\"",
        "\"x\"",
        "(empty array)",
        "(nil)",
        "slots",
        "nodes",
        "id",
        "role",
        "master",
        "port",
        "ip",
        "nodes:",
        "topology:",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "A",
        "\"0-5460\"",
        "0-5460",
        "connected",
        "a1 1.2.3.4:1@2 master - 0 0 1 connected ",
        "[5->-x]",
        "#",
        "&a",
        "*a",
        "!!str",
        "- ",
        "\t",
        "99999",
        "\\x",
        "hostname",
    ];

    #[test]
    fn never_panics_on_junk() {
        let junk = [
            "1)",
            "1) 2) 3)",
            "1) \"",
            "1) \"\\x",
            "1) (integer) x",
            "slots",
            "slots\nnodes\nid",
            "slots\n1\nnodes\nid\nx\nrole\nmaster",
            "0",
            "0\n1",
            "0\n1\nhost",
            "0\n1\nhost\nport",
            "   1) a\n1) b",
            "1) 1) 1) (integer) 1\n 2) (integer) 3",
            ":",
            "[",
            "nodes: 5",
            "nodes:\n  A: {x: 1}",
            &"1) ".repeat(100_000),
            "nodes:\n  A: [[1]]",
            "- a",
            "a b c d e f g connected 1",
            "a b:1 c d e f g connected [1",
            "a b:1 c d e f g connected 1-",
            "topology: x",
        ];
        for text in junk {
            let _ = parse(text);
        }
    }
}
