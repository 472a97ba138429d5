//! The `CLUSTER SLOTS` / `CLUSTER SHARDS` replies as redis-cli prints them:
//! formatted (`1) 1) (integer) 0`, what a terminal shows and `--no-raw` forces)
//! or raw (one value per line, what `redis-cli … > file` saves).

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

/// `12) ` at the start of a line: redis-cli's formatted array output.
pub(super) fn starts_with_marker(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && line[digits..].starts_with(')')
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
        if !bounds.len().is_multiple_of(2) {
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
