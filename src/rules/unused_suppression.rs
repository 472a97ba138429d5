//! SL100 unused-suppression: a `slotlint: ignore` comment that suppresses
//! nothing, names a rule that does not exist, or cannot be read.
//!
//! The one rule that needs comments, which the model does not carry: its
//! findings are made by `crate::suppress` while it matches suppressions to
//! findings, through the constructors below, so the rule's id, wording and
//! doc live here like every other rule's. Its `check` adds nothing.

use super::Context;
use crate::finding::{Finding, Severity};
use crate::model::Span;

/// The rule id; its page `rules/SL100.md` says the rest.
pub(crate) const ID: &str = "SL100";

const HELP_PLACE: &str =
    "remove it; a suppression ignores findings that start on its own line, or, \
                          written on comment-only lines, on the line right below those comments";

/// The rule's findings for one file.
pub(crate) fn check(_cx: &Context<'_>, _out: &mut Vec<Finding>) {
    // Made by the suppression pass, which sees the comments (see the module doc).
}

fn finding(span: Span, message: String) -> Finding {
    Finding::new(ID, Severity::Info, span, message)
}

/// A suppression (`rule` = one entry of its list, or `None` for a bare
/// `slotlint: ignore`) that matched no finding.
pub(crate) fn unused(span: Span, rule: Option<&str>) -> Finding {
    match rule {
        Some(rule) => finding(
            span,
            format!("unused suppression: no {rule} finding to ignore here"),
        )
        .primary_label(format!("no {rule} finding here")),
        None => finding(span, "unused suppression: no finding to ignore here".into())
            .primary_label("no finding here"),
    }
    .help(HELP_PLACE)
}

/// A suppression naming a rule that does not exist.
pub(crate) fn unknown_rule(span: Span, name: &str) -> Finding {
    finding(span, format!("suppression names unknown rule `{name}`"))
        .primary_label("not a slotlint rule")
        .help("write a rule id (`SL004`) or name (`hot-slot-tag`); `slotlint rules` lists them")
}

/// A rule listed twice in one suppression.
pub(crate) fn duplicate(span: Span, rule: &str) -> Finding {
    finding(span, format!("suppression lists {rule} twice"))
        .primary_label("listed already")
        .help("remove the repeated rule")
}

/// A suppression that cannot be read: `what` says why.
pub(crate) fn malformed(span: Span, what: &str) -> Finding {
    finding(span, format!("malformed suppression: {what}"))
        .primary_label("cannot read this suppression")
        .help("write `slotlint: ignore[SL004] reason`, or `slotlint: ignore` for every rule")
}
