//! SL006 malformed-hash-tag: braces in a key that do not do what they look
//! like (an empty `{}`, an unclosed `{`, nested braces, a second tag that is
//! plain text, a stray `}`). Judged on the literal bytes; holes are brace-free.
//! And interpolation braces taken for a tag (`f"{uid}:cart"`): see
//! [`interpolation`].

mod interpolation;

use super::fixes::{self, Change};
use super::key_uses::{key_uses, KeyUse};
use super::Context;
use crate::finding::{Finding, Severity};
use crate::keypattern::KeyPattern;
use crate::keypattern::{from_tokens, tag_bounds, tokens, Tok};
use crate::model::Span;

/// The rule id; its page `rules/SL006.md` says the rest.
pub(crate) const ID: &str = "SL006";

/// What is wrong, as token ranges `(start, end)` of the pattern.
#[derive(Clone, Copy)]
enum Problem {
    /// `{}` is the first pair; maybe a real-looking tag follows.
    Empty {
        at: (usize, usize),
        later: Option<(usize, usize)>,
    },
    /// A `{` with no `}` after it.
    Unclosed { at: usize },
    /// `{{a}}`: the first `}` closes a tag that starts with `{`.
    Nested { open: usize, close: usize },
    /// `{a}:{b}`: only the first pair is a tag.
    Second {
        first: (usize, usize),
        second: (usize, usize),
    },
    /// A `}` before any `{`.
    Stray { at: usize },
}

/// The first later `{…}` starting after `from` (a `{` with a `}` after it).
fn brace_pair(toks: &[Tok<'_>], from: usize) -> Option<(usize, usize)> {
    let (open, close) = tag_bounds(&toks[from..])?;
    Some((from + open, from + close? + 1))
}

fn find_problem(toks: &[Tok<'_>]) -> Option<Problem> {
    let stray = || toks.iter().position(|t| t.is(b'}'));
    let Some((open, close)) = tag_bounds(toks) else {
        return stray().map(|at| Problem::Stray { at });
    };
    let Some(close) = close else {
        return Some(Problem::Unclosed { at: open });
    };
    if close == open + 1 {
        let later = brace_pair(toks, close + 1).filter(|&(s, e)| e > s + 2);
        return Some(Problem::Empty {
            at: (open, close + 1),
            later,
        });
    }
    if toks[open + 1..close].iter().any(|t| t.is(b'{')) {
        return Some(Problem::Nested { open, close });
    }
    if let Some(second) = brace_pair(toks, close + 1) {
        return Some(Problem::Second {
            first: (open, close + 1),
            second,
        });
    }
    stray()
        .filter(|&at| at < open)
        .map(|at| Problem::Stray { at })
}

/// Where the pattern's tokens are in the source, when the key is written out
/// plainly there: a literal key whose span is its bytes (quoted or not), or a
/// schema pattern whose text is its placeholder form.
struct Place {
    base: usize,
    /// Source offset of each token, relative to `base`, plus the end.
    offsets: Vec<usize>,
}

impl Place {
    fn find(u: &KeyUse<'_>, toks: &[Tok<'_>]) -> Option<Place> {
        let mut offsets = Vec::with_capacity(toks.len() + 1);
        let mut at = 0;
        for t in toks {
            offsets.push(at);
            at += match t {
                Tok::Byte(_) => 1,
                Tok::Hole(h) => h.name.as_deref().unwrap_or("?").len() + 2,
            };
        }
        offsets.push(at);
        let (span, shown) = match u.family {
            Some(f) => (f.pattern_span, u.pattern.to_string().len()),
            None => (u.span, u.pattern.as_literal()?.len()),
        };
        if shown != at {
            return None; // escapes in the display: offsets would drift
        }
        let len = span.end.checked_sub(span.start)?;
        let base = if len == at {
            span.start
        } else if len == at + 2 {
            span.start + 1
        } else {
            return None;
        };
        Some(Place { base, offsets })
    }

    fn span(&self, (start, end): (usize, usize)) -> Span {
        Span::new(
            self.base + self.offsets[start],
            self.base + self.offsets[end],
        )
    }
}

/// The pattern without the tokens in `drop`.
fn without(toks: &[Tok<'_>], drop: &[usize]) -> KeyPattern {
    let kept: Vec<Tok<'_>> = toks
        .iter()
        .enumerate()
        .filter(|(i, _)| !drop.contains(i))
        .map(|(_, t)| *t)
        .collect();
    from_tokens(&kept)
}

/// What a finding says about a problem, before it is placed in the source.
struct Described {
    /// Token range the primary label covers when the key is in the source.
    range: (usize, usize),
    label: &'static str,
    message: String,
    help: String,
    /// A secondary label (the real tag, the ignored one).
    other: Option<((usize, usize), &'static str)>,
    /// The tokens the help removes, and what that does, when it is mechanical.
    fix: Option<(Vec<usize>, &'static str)>,
}

/// The tokens to drop to remove the `{}` at `open`: with one of the
/// separators around it when both sides have the same one (`cart:{}:x` →
/// `cart:x`).
fn empty_and_separator(toks: &[Tok<'_>], open: usize) -> Vec<usize> {
    let mut drop = vec![open, open + 1];
    if let (Some(Tok::Byte(a)), Some(Tok::Byte(b))) = (
        open.checked_sub(1).map(|i| toks[i]),
        toks.get(open + 2).copied(),
    ) {
        if a == b && !a.is_ascii_alphanumeric() && a != b'{' && a != b'}' {
            drop.push(open + 2);
        }
    }
    drop
}

/// The message and help for `problem` in the key `toks` of `p`.
#[allow(clippy::too_many_lines)] // one arm per problem, each a paragraph of text
fn describe(p: &KeyPattern, toks: &[Tok<'_>], problem: Problem) -> Option<Described> {
    let hashed = p.hashed()?;
    let slot = p.slot().map(|s| format!(" (slot {s})")).unwrap_or_default();
    let text = |(s, e): (usize, usize)| from_tokens(&toks[s..e]).to_string();
    Some(match problem {
        Problem::Empty { at, later } => {
            let head = format!("empty hash tag `{{}}` in `{p}`: the whole key is hashed{slot}");
            match later {
                Some(l) => Described {
                    range: at,
                    label: "empty tag",
                    message: format!("{head}; the later `{}` is ignored", text(l)),
                    help: format!(
                        "remove the `{{}}` so that `{}` is the hash tag: `{}`",
                        text(l),
                        without(toks, &empty_and_separator(toks, at.0))
                    ),
                    other: Some((l, "ignored")),
                    fix: Some((empty_and_separator(toks, at.0), "remove the empty `{}`")),
                },
                None => Described {
                    range: at,
                    label: "empty tag",
                    message: head,
                    help: "remove the `{}`, or put the part the keys should share inside it"
                        .into(),
                    other: None,
                    fix: None,
                },
            }
        }
        Problem::Unclosed { at } => Described {
            range: (at, at + 1),
            label: "unclosed",
            message: format!("unclosed `{{` in `{p}`: no hash tag, the whole key is hashed{slot}"),
            help: "close the tag with `}` after the part the keys should share, or remove the `{`"
                .into(),
            other: None,
            fix: None,
        },
        Problem::Nested { open, close } => {
            let tag = text((open + 1, close));
            // `{{a}}`: as many extra `{` opening the tag as extra `}` after it.
            let extra = toks[open + 1..close]
                .iter()
                .take_while(|t| t.is(b'{'))
                .count();
            let doubled = extra > 0
                && !toks[open + 1 + extra..close].iter().any(|t| t.is(b'{'))
                && toks.len() > close + extra
                && toks[close + 1..=close + extra].iter().all(|t| t.is(b'}'));
            let intended = if doubled {
                text((open + 1 + extra, close))
            } else {
                tag.rsplit('{').next().unwrap_or_default().to_string()
            };
            let drop: Vec<usize> = (open + 1..=open + extra)
                .chain(close + 1..=close + extra)
                .collect();
            let help = if doubled {
                format!("use one pair of braces: `{}`", without(toks, &drop))
            } else {
                "keep one pair of braces around the part the keys should share".into()
            };
            Described {
                range: (open, close + 1 + if doubled { extra } else { 0 }),
                label: "nested braces",
                message: format!(
                    "nested braces in `{p}`: the tag is `{tag}`, not `{intended}`{slot}"
                ),
                help,
                other: None,
                fix: doubled.then_some((drop, "use one pair of braces")),
            }
        }
        Problem::Second { first, second } => Described {
            range: second,
            label: "ignored tag",
            message: format!(
                "only the first `{{…}}` in `{p}` is a hash tag: the key is hashed by `{}`{slot}, `{}` is plain text",
                hashed.part,
                text(second)
            ),
            help: format!(
                "remove the second pair of braces: `{}`",
                without(toks, &[second.0, second.1 - 1])
            ),
            other: Some((first, "the hash tag")),
            fix: Some((
                vec![second.0, second.1 - 1],
                "remove the second pair of braces",
            )),
        },
        Problem::Stray { at } => {
            let what = if hashed.tagged {
                format!("the hash tag is `{{{}}}`", hashed.part)
            } else {
                "the whole key is hashed".into()
            };
            Described {
                range: (at, at + 1),
                label: "stray `}`",
                message: format!("stray `}}` in `{p}` closes no `{{`: {what}{slot}"),
                help: format!("remove the `}}`: `{}`", without(toks, &[at])),
                other: None,
                fix: Some((vec![at], "remove the stray `}`")),
            }
        }
    })
}

fn judge(u: &KeyUse<'_>, cx: &Context<'_>) -> Option<Finding> {
    // A hole that may hold braces decides the tag: nothing to say.
    u.pattern.hashed()?;
    let toks = tokens(u.pattern);
    let d = describe(u.pattern, &toks, find_problem(&toks)?)?;
    let place = Place::find(u, &toks);
    let span = place.as_ref().map_or(u.span, |pl| pl.span(d.range));
    let mut f = Finding::new(ID, Severity::Warning, span, d.message)
        .primary_label(d.label)
        .help(d.help);
    if let (Some(pl), Some((r, text))) = (&place, d.other) {
        f = f.label(pl.span(r), text);
    }
    if let Some(note) = u.uses_note() {
        f = f.note(note);
    }
    let fix = d.fix.and_then(|(drop, title)| {
        let changes: Vec<Change> = drop.iter().map(|&i| Change::Remove(i)).collect();
        let edits = fixes::rename(cx, u.pattern, &changes)?;
        let fixed = without(&toks, &drop);
        fixes::rename_fix(cx, u.pattern, edits, &fixed, &[], title.into())
    });
    Some(f.fix(fix))
}

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let uses = key_uses(cx.model);
    for u in &uses {
        out.extend(judge(u, cx));
    }
    interpolation::check(cx, &uses, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Certainty;
    use crate::keypattern::{Hole, Segment};
    use crate::model::FileModel;
    use crate::rules::test_support::*;

    /// The findings for one key written in the source as `src` at offset 4
    /// (`SET <src> x`).
    fn judge(src: &str) -> Vec<Finding> {
        let text = src.trim_matches(|c| c == '"' || c == '\'');
        let k = key_of(
            crate::keypattern::parse_placeholders(text),
            (4, 4 + src.len()),
        );
        run(check, &model(vec![op("SET", vec![k])]))
    }

    fn one(src: &str) -> Finding {
        let mut found = judge(src);
        assert_eq!(found.len(), 1, "{src}: {:?}", messages(&found));
        found.remove(0)
    }

    #[test]
    fn empty_tag_then_a_real_looking_one() {
        let f = one("foo{}{bar}");
        assert_eq!(
            f.message,
            "empty hash tag `{}` in `foo{}{bar}`: the whole key is hashed (slot 8363); the later `{bar}` is ignored"
        );
        assert_eq!(f.certainty, Certainty::Proven);
        assert_eq!(f.span, Span::new(7, 9));
        assert_eq!(f.label, "empty tag");
        assert_eq!(f.labels[0].span, Span::new(9, 14));
        assert_eq!(f.labels[0].message, "ignored");
        assert_eq!(
            f.help.as_deref(),
            Some("remove the `{}` so that `{bar}` is the hash tag: `foo{bar}`")
        );
        // Quoted in the source: the span skips the quote.
        assert_eq!(one("\"foo{}{bar}\"").span, Span::new(8, 10));
        let f = one("cart:{}:{user:1001}");
        assert_eq!(
            f.help.as_deref(),
            Some("remove the `{}` so that `{user:1001}` is the hash tag: `cart:{user:1001}`")
        );
        let f = one("user:{}:cart");
        assert_eq!(
            f.message,
            "empty hash tag `{}` in `user:{}:cart`: the whole key is hashed (slot 2734)"
        );
        assert!(f.labels.is_empty());
    }

    #[test]
    fn unclosed() {
        let f = one("user:{1001:cart");
        assert_eq!(
            f.message,
            "unclosed `{` in `user:{1001:cart`: no hash tag, the whole key is hashed (slot 975)"
        );
        assert_eq!(f.span, Span::new(9, 10));
        // With holes: no slot, and the span stays the key's.
        let f = one("user:{<id>:cart");
        assert_eq!(
            f.message,
            "unclosed `{` in `user:{<id>:cart`: no hash tag, the whole key is hashed"
        );
        assert_eq!(f.span, Span::new(4, 19));
    }

    #[test]
    fn nested() {
        let f = one("{{user:1001}}:profile");
        assert_eq!(
            f.message,
            "nested braces in `{{user:1001}}:profile`: the tag is `{user:1001`, not `user:1001` (slot 12885)"
        );
        assert_eq!(f.span, Span::new(4, 17));
        assert_eq!(
            f.help.as_deref(),
            Some("use one pair of braces: `{user:1001}:profile`")
        );
        let f = one("{a{b}");
        assert_eq!(
            f.message,
            "nested braces in `{a{b}`: the tag is `a{b`, not `b` (slot 13340)"
        );
        assert_eq!(
            f.help.as_deref(),
            Some("keep one pair of braces around the part the keys should share")
        );
    }

    #[test]
    fn second_tag_is_plain_text() {
        let f = one("{user:<id>}:{cart}");
        assert_eq!(
            f.message,
            "only the first `{…}` in `{user:<id>}:{cart}` is a hash tag: the key is hashed by `user:<id>`, `{cart}` is plain text"
        );
        assert_eq!(
            f.help.as_deref(),
            Some("remove the second pair of braces: `{user:<id>}:cart`")
        );
        let f = one("{user:1001}:{cart}");
        assert!(f.message.contains("hashed by `user:1001` (slot 5712)"));
        assert_eq!(f.span, Span::new(16, 22));
        assert_eq!(f.labels[0].span, Span::new(4, 15));
    }

    #[test]
    fn stray_closing_brace() {
        let f = one("user}:1001");
        assert_eq!(
            f.message,
            "stray `}` in `user}:1001` closes no `{`: the whole key is hashed (slot 1898)"
        );
        assert_eq!(f.span, Span::new(8, 9));
        assert_eq!(f.help.as_deref(), Some("remove the `}`: `user:1001`"));
        let f = one("a}b{c}");
        assert_eq!(
            f.message,
            "stray `}` in `a}b{c}` closes no `{`: the hash tag is `{c}` (slot 7365)"
        );
    }

    #[test]
    fn well_formed_keys() {
        for src in [
            "{user:1001}:cart",
            "plain:key",
            "{<id>}",
            "{user:<id>}:cart",
            "a{b}c}",
        ] {
            assert!(judge(src).is_empty(), "{src}: {:?}", messages(&judge(src)));
        }
        // A hole that may hold braces decides the tag.
        let p = KeyPattern::new([Segment::Hole(Hole::opaque(Some("key".into()))), lit("{}")]);
        let m = model(vec![op("SET", vec![key_of(p, (0, 9))])]);
        assert!(run(check, &m).is_empty());
    }

    #[test]
    fn repeated_key_once() {
        let m = model(vec![
            op("SET", vec![key("a{}", 30)]),
            op("GET", vec![key("a{}", 4)]),
        ]);
        let found = run(check, &m);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span, Span::new(5, 7));
        assert_eq!(found[0].notes, ["used 2 times in this file"]);
    }

    #[test]
    fn schema_pattern_points_into_its_text() {
        // `cart: "{user:<user_id>}:{cart}"` at offset 10.
        let m = FileModel {
            families: vec![family("cart", "{user:<user_id>}:{cart}", 10)],
            ..FileModel::default()
        };
        let found = run(check, &m);
        assert_eq!(found.len(), 1);
        // Pattern text starts at 10 + len("cart: \"") = 17.
        assert_eq!(found[0].span, Span::new(17 + 17, 17 + 23));
        assert_eq!(found[0].labels[0].span, Span::new(17, 17 + 16));
    }
}
