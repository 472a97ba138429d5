//! Model builders for rule unit tests.

use crate::finding::Finding;
use crate::keypattern::{parse_placeholders, Hole, KeyPattern, Segment};
use crate::model::{Family, FileModel, Group, GroupKind, Key, Op, Span};
use crate::rules::{Context, Options};

/// A key written at `start` in the source, as long as its text.
pub(crate) fn key(text: &str, start: usize) -> Key {
    Key {
        pattern: parse_placeholders(text),
        span: Span::new(start, start + text.len()),
    }
}

/// A key with a hand-built pattern and span.
pub(crate) fn key_of(pattern: KeyPattern, span: (usize, usize)) -> Key {
    Key {
        pattern,
        span: Span::new(span.0, span.1),
    }
}

pub(crate) fn op(command: &str, keys: Vec<Key>) -> Op {
    let span = keys
        .iter()
        .map(|k| k.span)
        .reduce(Span::cover)
        .unwrap_or_default();
    Op {
        command: command.into(),
        span,
        keys,
        args: Vec::new(),
        client: None,
    }
}

pub(crate) fn model(ops: Vec<Op>) -> FileModel {
    FileModel {
        ops,
        ..FileModel::default()
    }
}

/// A schema family whose entry starts at `start` and whose pattern text
/// (quoted) follows its name and `: "`.
pub(crate) fn family(name: &str, pattern: &str, start: usize) -> Family {
    let pstart = start + name.len() + 2;
    Family {
        name: name.into(),
        pattern: parse_placeholders(pattern),
        span: Span::new(start, pstart + pattern.len() + 2),
        pattern_span: Span::new(pstart, pstart + pattern.len() + 2),
        cardinality: None,
        qps: None,
    }
}

/// A transaction over the given ops.
pub(crate) fn transaction(ops: Vec<usize>) -> Group {
    Group {
        kind: GroupKind::Transaction,
        span: Span::default(),
        ops,
        script: None,
        client: None,
        per_slot: false,
        assumption: None,
    }
}

pub(crate) fn lit(text: &str) -> Segment {
    Segment::Lit(text.as_bytes().to_vec())
}

pub(crate) fn hole(name: &str, domain: Option<u64>, default: Option<&str>) -> Segment {
    Segment::Hole(Hole {
        domain,
        default: default.map(|d| d.as_bytes().to_vec()),
        ..Hole::named(name)
    })
}

/// A rule's check, as each rule module has one.
pub(crate) type Check = fn(&Context<'_>, &mut Vec<Finding>);

pub(crate) fn run_with(check: Check, model: &FileModel, options: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    check(&Context::new(model, options), &mut out);
    out
}

pub(crate) fn run(check: Check, model: &FileModel) -> Vec<Finding> {
    run_with(check, model, &Options::default())
}

/// The messages of the findings, for short assertions.
pub(crate) fn messages(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.message.as_str()).collect()
}
