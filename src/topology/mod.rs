//! Slot → node maps: which cluster node owns each hash slot, read from a YAML
//! `topology:` block or from a saved `CLUSTER NODES`, `CLUSTER SLOTS` or
//! `CLUSTER SHARDS` reply (as `redis-cli` prints it to a terminal or to a file).
//!
//! Node names: in YAML the names are the user's; in the three `CLUSTER` forms a
//! node is named by its `ip:port` (the address a `MOVED` redirect names), or by
//! its id when the reply carries no address.
//!
//! One submodule per input form: `yaml` (`topology:` blocks), `cluster_nodes`,
//! `slots_shards` (`CLUSTER SLOTS` / `CLUSTER SHARDS` as redis-cli prints them).

mod cluster_nodes;
mod slots_shards;
#[cfg(test)]
mod tests;
mod yaml;

use std::fmt;
use std::ops::RangeInclusive;
use std::path::Path;

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
        let bytes = crate::source::read_file(path, crate::source::DEFAULT_MAX_FILE_SIZE)
            .and_then(crate::source::decode)
            .map_err(|e| TopologyError {
                path: shown.clone(),
                line: None,
                column: None,
                message: match e {
                    crate::source::Unread::Io(e) => format!("cannot read topology file: {e}"),
                    e => format!("the topology file is {e}"),
                },
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
        let is_formatted = slots_shards::starts_with_marker(first) || first.starts_with("(empty");
        let is_nodes = cluster_nodes::looks_like_cluster_nodes(first);
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
            slots_shards::parse_formatted(&text)
        } else if is_nodes {
            cluster_nodes::parse_cluster_nodes(&text)
                .map(|b| b.finish(TopologyFormat::ClusterNodes))
        } else if is_raw_shards {
            slots_shards::parse_raw_shards(&text)
        } else {
            slots_shards::parse_raw_slots(&text)
        };
        // An error about the reply as a whole points at its first line.
        result.map_err(|(line, message)| err(line.max(first_no), message))
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
