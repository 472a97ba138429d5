//! Inline suppressions: `slotlint: ignore[SL004] reason` in a comment drops
//! the listed rules' findings (`slotlint: ignore` drops every rule's) that
//! start on the comment's line, or — when the comment stands on comment-only
//! lines — on the first line below them. Suppressions that drop nothing, name
//! unknown rules or cannot be read are reported as SL100 (unused-suppression)
//! so they do not rot. Runs per file, after the rules, before config levels.

mod comments;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::finding::Finding;
use crate::lang::Language;
use crate::model::Span;
use crate::rules::{self, unused_suppression as sl100};
use crate::source::SourceFile;

use comments::{find, Comment};

const MARK: &[u8] = b"slotlint:";
const IGNORE: &[u8] = b"ignore";

/// One `slotlint: ignore…` comment.
#[derive(Debug)]
struct Directive {
    /// From `slotlint:` to the end of the rule list.
    span: Span,
    /// 0-based line ranges (inclusive) whose findings it drops: its own
    /// line, and the line below the comment (in YAML: the node there).
    lines: [Option<(usize, usize)>; 2],
    /// The listed rules; `None` for every rule.
    entries: Option<Vec<Entry>>,
    used: bool,
}

#[derive(Debug)]
struct Entry {
    rule: &'static str,
    span: Span,
    used: bool,
}

impl Directive {
    /// Marks and reports whether the directive drops a finding of `rule`;
    /// a bare `ignore` never drops SL100, else it would hide its own report.
    fn take(&mut self, rule: &str) -> bool {
        match &mut self.entries {
            None if rule != sl100::ID => {
                self.used = true;
                true
            }
            None => false,
            Some(entries) => match entries.iter_mut().find(|e| e.rule == rule) {
                Some(e) => {
                    e.used = true;
                    true
                }
                None => false,
            },
        }
    }
}

/// Drops suppressed findings of one file and appends SL100 findings for
/// suppressions that are unused, unknown or malformed.
pub fn apply(file: &SourceFile, language: Language, findings: &mut Vec<Finding>) {
    // Most files have no suppression: skip the comment scan.
    if find(&file.text, MARK).is_none() {
        return;
    }
    let comments = comments::comments(&file.text, language);
    let lines = Lines {
        file,
        comments: &comments,
        nested: language.comment_syntax() == crate::lang::CommentSyntax::Yaml,
    };
    let (mut directives, mut meta) = directives(&lines, language.comment_prefixes());
    if directives.is_empty() && meta.is_empty() {
        return;
    }
    drop_suppressed(&mut directives, file, findings);
    for d in &directives {
        match &d.entries {
            None if !d.used => meta.push(sl100::unused(d.span, None)),
            None => {}
            Some(entries) => meta.extend(
                entries
                    .iter()
                    .filter(|e| !e.used && e.rule != sl100::ID)
                    .map(|e| sl100::unused(e.span, Some(e.rule))),
            ),
        }
    }
    // `ignore[SL100]` drops reports about its own line; when it drops
    // nothing it is reported in turn, and that report cannot be dropped.
    drop_suppressed(&mut directives, file, &mut meta);
    for d in &directives {
        for e in d.entries.iter().flatten() {
            if !e.used && e.rule == sl100::ID {
                meta.push(sl100::unused(e.span, Some(sl100::ID)));
            }
        }
    }
    findings.extend(meta);
}

/// The edit that adds a `slotlint: ignore[RULE]` comment for a finding of
/// `rule` starting at `offset`: a comment line of its own above the line
/// (indented like it), else a comment at the end of the line. Each is tried
/// on the edited text and kept only when it does drop the finding there: a
/// place inside a string, or a continued line, is not a comment.
pub fn ignore_edit(
    file: &SourceFile,
    language: Language,
    offset: usize,
    rule: &str,
) -> Option<crate::finding::Edit> {
    let leader = language.comment_prefixes().first()?;
    let rule = rules::find(rule)?.id();
    let line = file.line_index(offset);
    let range = file.line_range(line);
    let text = &file.text[range.clone()];
    let indent: String = text
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .map(|&b| char::from(b))
        .collect();
    let continued = |l: usize| {
        file.text[file.line_range(l)]
            .trim_ascii_end()
            .ends_with(b"\\")
    };
    let mut tries = Vec::new();
    if line == 0 || !continued(line - 1) {
        tries.push(crate::finding::Edit {
            span: Span::new(range.start, range.start),
            text: format!("{indent}{leader} slotlint: ignore[{rule}]\n"),
        });
    }
    // redis-cli has whole-line comments only.
    if !continued(line) && language.comment_syntax() != crate::lang::CommentSyntax::RedisCli {
        tries.push(crate::finding::Edit {
            span: Span::new(range.end, range.end),
            text: format!("  {leader} slotlint: ignore[{rule}]"),
        });
    }
    tries.into_iter().find(|edit| {
        let mut edited = file.text[..edit.span.start].to_vec();
        edited.extend_from_slice(edit.text.as_bytes());
        edited.extend_from_slice(&file.text[edit.span.end..]);
        let edited = SourceFile::new(file.path.clone(), edited);
        let moved = if edit.span.start <= offset {
            offset + edit.text.len()
        } else {
            offset
        };
        let at = Span::new(moved, moved);
        let probe = Finding::new(rule, crate::finding::Severity::Info, at, "");
        let mut findings = vec![probe];
        apply(&edited, language, &mut findings);
        !findings.iter().any(|f| f.rule == rule && f.span == at)
    })
}

/// Drops the findings a directive covering their first line drops (and
/// marks those directives used). One sweep down the lines with the
/// directives that cover the current one at hand, so a file of many
/// findings and many suppressions costs their sum, not their product.
fn drop_suppressed(directives: &mut [Directive], file: &SourceFile, findings: &mut Vec<Finding>) {
    let mut order: Vec<(usize, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (file.line_index(f.span.start), i))
        .collect();
    order.sort_unstable();
    // Every line range of every directive, by first line.
    let mut ranges: Vec<(usize, usize, usize)> = directives
        .iter()
        .enumerate()
        .flat_map(|(d, dir)| dir.lines.iter().flatten().map(move |&(f, l)| (f, l, d)))
        .collect();
    ranges.sort_unstable();
    let mut next = 0;
    // The ranges begun so far, soonest to end first: (last line, directive).
    let mut open = BinaryHeap::new();
    let mut dropped = vec![false; findings.len()];
    for (line, i) in order {
        while let Some(&(_, last, d)) = ranges.get(next).filter(|r| r.0 <= line) {
            open.push(Reverse((last, d)));
            next += 1;
        }
        while open.peek().is_some_and(|Reverse((last, _))| *last < line) {
            open.pop();
        }
        // Every covering directive is marked, so none is reported unused.
        for &Reverse((_, d)) in &open {
            dropped[i] |= directives[d].take(findings[i].rule);
        }
    }
    let mut keep = dropped.into_iter().map(|d| !d);
    findings.retain(|_| keep.next().unwrap_or(true));
}

/// The directives in `comments`, and SL100 findings for those that cannot be
/// read. A directive starts a comment, or follows another comment leader in
/// it (`# type: ignore  # slotlint: ignore[SL004]`): prose that mentions
/// `slotlint: ignore` halfway through a sentence is not one.
fn directives(lines: &Lines<'_>, leaders: &[&str]) -> (Vec<Directive>, Vec<Finding>) {
    let file = lines.file;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for c in lines.comments {
        let body = &file.text[c.body.start..c.body.end];
        let mut from = 0;
        while let Some(i) = find(&body[from..], MARK) {
            let at = from + i;
            from = at + MARK.len();
            let before = body[..at].trim_ascii_end();
            if !(before.is_empty() || leaders.iter().any(|l| before.ends_with(l.as_bytes()))) {
                continue;
            }
            let mut p = skip_blanks(body, from);
            if !body[p..].starts_with(IGNORE)
                || body.get(p + IGNORE.len()).is_some_and(|&b| is_word(b))
            {
                continue; // prose that happens to say "slotlint:", or another word
            }
            p += IGNORE.len();
            let start = c.body.start + at;
            let line = file.line_index(start);
            let mut directive = Directive {
                span: Span::new(start, c.body.start + p),
                lines: [
                    Some(lines.own(line)),
                    lines.below(line).map(|l| lines.node(l)),
                ],
                entries: None,
                used: false,
            };
            let q = skip_blanks(body, p);
            if body.get(q) == Some(&b'[') {
                let line_end = body[q..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(body.len(), |i| q + i);
                let Some(close) = body[q..line_end]
                    .iter()
                    .position(|&b| b == b']')
                    .map(|i| q + i)
                else {
                    let span = Span::new(start, c.body.start + line_end);
                    problems.push(sl100::malformed(span, "the rule list has no closing `]`"));
                    continue;
                };
                directive.span.end = c.body.start + close + 1;
                let entries = entries(
                    file,
                    c.body.start + q + 1,
                    c.body.start + close,
                    &mut problems,
                );
                if entries.is_none() {
                    problems.push(sl100::malformed(directive.span, "the rule list is empty"));
                    continue;
                }
                directive.entries = entries;
            }
            out.push(directive);
        }
    }
    (out, problems)
}

/// The rules listed between `start` and `end` (separated by commas or
/// blanks); `None` when nothing is listed. Unknown and repeated rules are
/// reported and left out.
fn entries(
    file: &SourceFile,
    start: usize,
    end: usize,
    problems: &mut Vec<Finding>,
) -> Option<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    let mut any = false;
    let mut i = start;
    while i < end {
        if file.text[i] == b',' || file.text[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let token_end = (i..end)
            .find(|&j| file.text[j] == b',' || file.text[j].is_ascii_whitespace())
            .unwrap_or(end);
        let span = Span::new(i, token_end);
        let name = String::from_utf8_lossy(&file.text[i..token_end]);
        any = true;
        match rules::find(&name) {
            None => problems.push(sl100::unknown_rule(span, &name)),
            Some(rule) if out.iter().any(|e| e.rule == rule.id()) => {
                problems.push(sl100::duplicate(span, rule.id()));
            }
            Some(rule) => out.push(Entry {
                rule: rule.id(),
                span,
                used: false,
            }),
        }
        i = token_end;
    }
    any.then_some(out)
}

fn indentation(line: &[u8]) -> usize {
    line.iter().take_while(|&&b| b == b' ').count()
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn skip_blanks(body: &[u8], mut i: usize) -> usize {
    while body.get(i).is_some_and(|&b| b == b' ' || b == b'\t') {
        i += 1;
    }
    i
}

/// The lines of a file, as suppressions see them.
struct Lines<'a> {
    file: &'a SourceFile,
    comments: &'a [Comment],
    /// YAML: a suppression covers the whole node on its line, nested lines included.
    nested: bool,
}

impl Lines<'_> {
    /// The lines a suppression on `line` covers there: the line, or in YAML
    /// the node that starts on it when it follows code.
    fn own(&self, line: usize) -> (usize, usize) {
        if self.comment_only(line) {
            (line, line)
        } else {
            self.node(line)
        }
    }

    /// `line`, and in YAML the lines nested deeper below it (blank and
    /// comment lines do not end the node).
    fn node(&self, line: usize) -> (usize, usize) {
        if !self.nested {
            return (line, line);
        }
        let text = &self.file.text;
        let indent = indentation(&text[self.file.line_range(line)]);
        let last_line = self.file.line_index(text.len());
        let mut last = line;
        for next in line + 1..=last_line {
            let t = &text[self.file.line_range(next)];
            if t.trim_ascii().is_empty() || self.comment_only(next) {
                continue;
            }
            if indentation(t) <= indent {
                break;
            }
            last = next;
        }
        (line, last)
    }

    /// The line a suppression on comment-only line `line` also covers: the
    /// first line below the comment-only lines that follow it, if that line
    /// is not blank.
    fn below(&self, line: usize) -> Option<usize> {
        if !self.comment_only(line) {
            return None;
        }
        let last = self.file.line_index(self.file.text.len());
        let mut next = line + 1;
        while next <= last && self.comment_only(next) {
            next += 1;
        }
        let range = self.file.line_range(next);
        (next <= last && !self.file.text[range].trim_ascii().is_empty()).then_some(next)
    }

    /// Whether every non-blank byte of a line is inside a comment (and there is one).
    fn comment_only(&self, line: usize) -> bool {
        let range = self.file.line_range(line);
        let mut any = false;
        for i in range {
            if self.file.text[i].is_ascii_whitespace() {
                continue;
            }
            any = true;
            let k = self.comments.partition_point(|c| c.span.start <= i);
            if k == 0 || self.comments[k - 1].span.end <= i {
                return false;
            }
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    /// A finding of `rule` at the first occurrence of `at` in `text`.
    fn at(text: &str, rule: &'static str, needle: &str) -> Finding {
        let start = text.find(needle).unwrap();
        Finding::new(
            rule,
            Severity::Error,
            Span::new(start, start + needle.len()),
            "m",
        )
    }

    /// The findings left, as `rule@line` (1-based), with SL100 messages.
    fn run(text: &str, language: Language, mut findings: Vec<Finding>) -> Vec<String> {
        let file = SourceFile::new("t", text.as_bytes().to_vec());
        apply(&file, language, &mut findings);
        findings
            .iter()
            .map(|f| {
                let (line, col) = file.line_col(f.span.start);
                if f.rule == sl100::ID {
                    format!("{}@{line}:{col} {}", f.rule, f.message)
                } else {
                    format!("{}@{line}", f.rule)
                }
            })
            .collect()
    }

    #[test]
    fn comment_line_above_covers_the_command() {
        let text = "# slotlint: ignore[SL002] legacy keys\nMGET a b\nMGET c d\n";
        let left = run(
            text,
            Language::REDIS_CLI,
            vec![at(text, "SL002", "MGET a"), at(text, "SL002", "MGET c")],
        );
        assert_eq!(left, vec!["SL002@3"]);
    }

    #[test]
    fn list_names_ids_or_names_and_bare_ignore_covers_all() {
        let text =
            "# slotlint: ignore[sl001, cross-slot-command]\nMULTI\n# slotlint: ignore\nMGET a b\n";
        let f = vec![
            at(text, "SL001", "MULTI"),
            at(text, "SL002", "MULTI"),
            at(text, "SL003", "MGET"),
            at(text, "SL002", "MGET"),
        ];
        assert_eq!(run(text, Language::REDIS_CLI, f), Vec::<String>::new());
    }

    #[test]
    fn only_the_listed_rules_are_dropped() {
        let text = "# slotlint: ignore[SL001]\nMULTI\n";
        let left = run(
            text,
            Language::REDIS_CLI,
            vec![at(text, "SL001", "MULTI"), at(text, "SL003", "MULTI")],
        );
        assert_eq!(left, vec!["SL003@2"]);
    }

    #[test]
    fn trailing_comment_covers_its_own_line_only() {
        let text = "k: \"{a}\" # slotlint: ignore[SL004]\nj: \"{b}\"\n";
        let f = vec![at(text, "SL004", "{a}"), at(text, "SL004", "{b}")];
        assert_eq!(run(text, Language::SCHEMA, f), vec!["SL004@2"]);
    }

    #[test]
    fn yaml_suppressions_cover_the_node_below_or_on_their_line() {
        let text = "keys:\n  # slotlint: ignore[SL004]\n  session:\n    # note\n    pattern: \"{s}:<id>\"\n  cart:\n    pattern: \"{c}:<id>\"\n  feed:  # slotlint: ignore[SL004]\n    pattern: \"{f}:<id>\"\n";
        let f = vec![
            at(text, "SL004", "\"{s}"),
            at(text, "SL004", "\"{c}"),
            at(text, "SL004", "\"{f}"),
        ];
        assert_eq!(run(text, Language::SCHEMA, f), vec!["SL004@7"]);
    }

    #[test]
    fn comment_block_directly_above_counts_but_a_blank_line_breaks_it() {
        let text = "# slotlint: ignore[SL001]\n# reason: migrating\nMULTI\n# slotlint: ignore[SL008]\n\nKEYS *\n";
        let f = vec![at(text, "SL001", "MULTI"), at(text, "SL008", "KEYS")];
        assert_eq!(
            run(text, Language::REDIS_CLI, f),
            vec![
                "SL008@6",
                "SL100@4:20 unused suppression: no SL008 finding to ignore here"
            ]
        );
    }

    #[test]
    fn redis_cli_has_no_trailing_comments() {
        // `#` inside a redis-cli line is an argument byte, not a comment.
        let text = "MGET a b # slotlint: ignore\n";
        assert_eq!(
            run(text, Language::REDIS_CLI, vec![at(text, "SL002", "MGET")]),
            vec!["SL002@1"]
        );
        let text = "SET k \"# slotlint: ignore\"\n";
        assert_eq!(run(text, Language::REDIS_CLI, vec![]), Vec::<String>::new());
    }

    #[test]
    fn not_in_strings() {
        let text = "local k = '-- slotlint: ignore[SL007]'\nredis.call('GET', k)\n";
        let left = run(text, Language::LUA, vec![at(text, "SL007", "redis.call")]);
        assert_eq!(left, vec!["SL007@2"]);
        let text = "redis.call('GET', 'x') -- slotlint: ignore[SL007] config key\n";
        assert_eq!(
            run(text, Language::LUA, vec![at(text, "SL007", "'x'")]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn unused_unknown_duplicate_and_malformed_are_reported() {
        let text = "# slotlint: ignore[SL001, SL044, SL001]\nMULTI\n# slotlint: ignore[SL002\nGET a\n# slotlint: ignore[]\n# slotlint: ignore\nGET b\n";
        assert_eq!(
            run(text, Language::REDIS_CLI, vec![at(text, "SL001", "MULTI")]),
            vec![
                "SL100@1:27 suppression names unknown rule `SL044`",
                "SL100@1:34 suppression lists SL001 twice",
                "SL100@3:3 malformed suppression: the rule list has no closing `]`",
                "SL100@5:3 malformed suppression: the rule list is empty",
                "SL100@6:3 unused suppression: no finding to ignore here",
            ]
        );
    }

    #[test]
    fn unused_reports_can_be_silenced_on_their_line() {
        let text = "# slotlint: ignore[SL004, SL100] kept for the next release\nGET a\n";
        assert_eq!(run(text, Language::REDIS_CLI, vec![]), Vec::<String>::new());
        let text = "# slotlint: ignore[SL100]\nGET a\n";
        assert_eq!(
            run(text, Language::REDIS_CLI, vec![]),
            vec!["SL100@1:20 unused suppression: no SL100 finding to ignore here"]
        );
    }

    #[test]
    fn prose_mentioning_slotlint_is_not_a_directive() {
        let text = "# see slotlint: ignored keys are listed below\n# myslotlint: ignore\n# write `slotlint: ignore` to silence one\nGET a\n";
        assert_eq!(
            run(text, Language::REDIS_CLI, vec![at(text, "SL008", "GET")]),
            vec!["SL008@4"]
        );
        // After another comment's text, behind its own leader.
        let text = "k: \"{a}\" # type: ignore  # slotlint: ignore[SL004]\n";
        assert_eq!(
            run(text, Language::SCHEMA, vec![at(text, "SL004", "{a}")]),
            Vec::<String>::new()
        );
    }

    /// `text` with the ignore edit for a finding of `rule` at `needle`.
    fn ignored(text: &str, language: Language, needle: &str, rule: &str) -> Option<String> {
        let file = SourceFile::new("t", text.as_bytes().to_vec());
        let e = ignore_edit(&file, language, text.find(needle).unwrap(), rule)?;
        let mut out = text.to_string();
        out.replace_range(e.span.start..e.span.end, &e.text);
        Some(out)
    }

    #[test]
    fn ignore_edits_use_the_file_comment_syntax() {
        assert_eq!(
            ignored("MULTI\n  GET a\n", Language::REDIS_CLI, "GET", "SL008").unwrap(),
            "MULTI\n  # slotlint: ignore[SL008]\n  GET a\n"
        );
        assert_eq!(
            ignored(
                "local x = 1\nredis.call('GET', 'k')\n",
                Language::LUA,
                "redis",
                "SL007"
            )
            .unwrap(),
            "local x = 1\n-- slotlint: ignore[SL007]\nredis.call('GET', 'k')\n"
        );
        assert_eq!(
            ignored(
                "  await r.mget(a, b);\n",
                Language::of(&crate::lang::js::JAVASCRIPT),
                "r.",
                "cross-slot-command"
            )
            .unwrap(),
            "  // slotlint: ignore[SL002]\n  await r.mget(a, b);\n"
        );
    }

    #[test]
    fn ignore_edits_are_real_comments() {
        // A continued line: the comment goes at the end of the line instead.
        let text = "x = a + \\\n    r.mget(f, g)\n";
        assert_eq!(
            ignored(text, Language::PYTHON, "r.mget", "SL002").unwrap(),
            "x = a + \\\n    r.mget(f, g)  # slotlint: ignore[SL002]\n"
        );
        // Inside a string (a Lua script in Python): neither place is a comment.
        let text = "s = \"\"\"\nredis.call('GET', 'k')\n\"\"\"\n";
        assert_eq!(ignored(text, Language::PYTHON, "redis.call", "SL007"), None);
        assert_eq!(
            ignored("GET a\n", Language::REDIS_CLI, "GET", "SL999"),
            None
        );
    }
}
