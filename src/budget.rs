//! The per-file time budget (`max-file-time`) as seen from inside an
//! analysis: the deadline of the file being analyzed on this thread, which
//! the steps slotlint does not own (tree-sitter's error recovery) check, so
//! that a file given up stops working rather than only stops being waited for.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `f` with `deadline` as this thread's deadline (`None`: none, as for
/// a budget past the end of time).
pub fn with_deadline<R>(deadline: Option<Instant>, f: impl FnOnce() -> R) -> R {
    let before = DEADLINE.replace(deadline);
    let result = f();
    DEADLINE.set(before);
    result
}

/// Whether this thread's deadline has passed (never, without one).
pub fn passed() -> bool {
    DEADLINE.get().is_some_and(|d| Instant::now() >= d)
}

/// A tree-sitter parse that stops at the deadline (no tree then, as when
/// the parser gives up).
pub fn parse_tree(
    parser: &mut tree_sitter::Parser,
    source: &[u8],
    old: Option<&tree_sitter::Tree>,
) -> Option<tree_sitter::Tree> {
    let mut stop = |_: &tree_sitter::ParseState| {
        if passed() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut stop);
    parser.parse_with_options(
        &mut |i, _| source.get(i..).unwrap_or_default(),
        old,
        Some(options),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_parse_past_the_deadline_stops() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let source = b"x = (1)\n".repeat(1000);
        assert!(parse_tree(&mut parser, &source, None).is_some());
        let past = Instant::now().checked_sub(Duration::from_secs(1)).unwrap();
        assert!(with_deadline(Some(past), || parse_tree(&mut parser, &source, None)).is_none());
        assert!(!passed());
    }
}
