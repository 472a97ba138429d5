//! `--statistics`: how many findings each rule has, instead of the findings,
//! most frequent first: `  3  SL001  cross-slot-transaction`. With the JSON
//! formats, one JSON array of `{"rule", "name", "count"}` objects.

use std::io::{self, Write};

use super::Located;
use crate::rules;

/// One rule's count.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
struct Row {
    rule: &'static str,
    name: &'static str,
    count: usize,
}

fn rows(items: &[Located<'_>]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for item in items {
        let rule = item.finding.rule;
        match rows.iter_mut().find(|r| r.rule == rule) {
            Some(row) => row.count += 1,
            None => rows.push(Row {
                rule,
                name: rules::find(rule).map_or("", |r| r.name()),
                count: 1,
            }),
        }
    }
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    rows
}

/// Writes the counts per rule of `items` as text, or as JSON when `json`.
pub fn render(items: &[Located<'_>], json: bool, out: &mut dyn Write) -> io::Result<()> {
    let rows = rows(items);
    if json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = rows.first().map_or(0, |r| r.count.to_string().len()).max(3);
    for row in &rows {
        writeln!(out, "{:>width$}  {}  {}", row.count, row.rule, row.name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Severity};
    use crate::model::Span;
    use crate::source::SourceFile;

    #[test]
    fn counts_per_rule_most_frequent_first() {
        let file = SourceFile::new("x", Vec::new());
        let findings: Vec<Finding> = ["SL004", "SL001", "SL004", "SL002", "SL001", "SL004"]
            .into_iter()
            .map(|r| Finding::new(r, Severity::Warning, Span::default(), "m"))
            .collect();
        let items = Located::all_in(&file, &findings);
        let mut out = Vec::new();
        render(&items, false, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  3  SL004  hot-slot-tag\n  2  SL001  cross-slot-transaction\n  1  SL002  cross-slot-command\n"
        );
        let mut out = Vec::new();
        render(&items[..1], true, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\n  {\n    \"rule\": \"SL004\",\n    \"name\": \"hot-slot-tag\",\n    \"count\": 1\n  }\n]\n"
        );
    }
}
