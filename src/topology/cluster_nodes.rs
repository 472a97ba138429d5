//! The `CLUSTER NODES` form: one line per node, masters listing their slot ranges.

use super::{parse_range, Builder};

/// `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link-state> …`
pub(super) fn looks_like_cluster_nodes(line: &str) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields.len() >= 8
        && !fields[0].contains(':')
        && fields[1].contains(':')
        && matches!(fields[7], "connected" | "disconnected")
}

pub(super) fn parse_cluster_nodes(text: &str) -> Result<Builder, (usize, String)> {
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
