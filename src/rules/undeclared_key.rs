//! SL011 undeclared-key: with key schemas named for the run (config
//! `schema:`, `--schema`), a key in code that no declared family can produce.
//! Lenient where the code leaves a part open: a hole in the code key may stand
//! for any text, so only keys whose written parts contradict every family are
//! reported.

use super::key_uses::key_uses;
use super::Context;
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::KeyPattern;
use crate::keypattern::{tokens, Tok};

/// The rule id; its page `rules/SL011.md` says the rest.
pub(crate) const ID: &str = "SL011";

/// Whether `key` (from code) may be an instance of `family` (from a schema):
/// a family placeholder stands for one or more characters of any kind, a
/// hole in the key for any run of the family, literal bytes must agree.
/// Dynamic programming from the ends, O(len(key) × len(family)).
fn may_be_instance(key: &[Tok<'_>], family: &[Tok<'_>]) -> bool {
    let (n, m) = (key.len(), family.len());
    let width = m + 2;
    // reach[i][j]: key[i..] can match family[j..]. below[i][j]: reach[k][j]
    // for some k >= i. right[i][j]: reach[i][k] for some k >= j.
    let mut reach = vec![false; (n + 2) * width];
    let mut below = vec![false; (n + 2) * width];
    let mut right = vec![false; (n + 2) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            let here = if i == n && j == m {
                true
            } else {
                let family_hole =
                    j < m && matches!(family[j], Tok::Hole(_)) && below[at(i + 1, j + 1)];
                let key_hole = i < n && matches!(key[i], Tok::Hole(_)) && right[at(i + 1, j)];
                let same = i < n
                    && j < m
                    && matches!((key[i], family[j]), (Tok::Byte(x), Tok::Byte(y)) if x == y)
                    && reach[at(i + 1, j + 1)];
                family_hole || key_hole || same
            };
            reach[at(i, j)] = here;
            below[at(i, j)] = here || below[at(i + 1, j)];
            right[at(i, j)] = here || right[at(i, j + 1)];
        }
    }
    reach[at(0, 0)]
}

/// The declared families (name, pattern, schema file) `key` may be an
/// instance of, as this rule judges it (editors show them on hover).
pub(crate) fn families_of<'f>(
    key: &KeyPattern,
    declared: &'f [(String, KeyPattern, String)],
) -> Vec<&'f (String, KeyPattern, String)> {
    let key = tokens(key);
    if key.len() > MAX_KEY_TOKENS {
        return Vec::new();
    }
    declared
        .iter()
        .filter(|(_, p, _)| may_be_instance(&key, &tokens(p)))
        .collect()
}

/// Keys longer than this are not judged (a blob used as a key).
const MAX_KEY_TOKENS: usize = 4096;

/// Leading tokens two patterns share, holes counting as equal.
fn shared_start(a: &[Tok<'_>], b: &[Tok<'_>]) -> usize {
    a.iter()
        .zip(b)
        .take_while(|(x, y)| match (x, y) {
            (Tok::Byte(p), Tok::Byte(q)) => p == q,
            (Tok::Hole(_), Tok::Hole(_)) => true,
            _ => false,
        })
        .count()
}

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let declared = &cx.options.schema_families;
    if declared.is_empty() || !cx.model.families.is_empty() {
        return; // no schema for the run, or this file is a schema
    }
    let families: Vec<(&str, &KeyPattern, Vec<Tok<'_>>)> = declared
        .iter()
        .map(|(name, p, _)| (name.as_str(), p, tokens(p)))
        .collect();
    let mut schemas: Vec<&str> = declared.iter().map(|(_, _, s)| s.as_str()).collect();
    schemas.dedup();
    let schemas = schemas
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ");
    for used in key_uses(cx.model) {
        let key = tokens(used.pattern);
        // A whole key passed in could be anything.
        if key.len() > MAX_KEY_TOKENS
            || (key.len() < 2 && key.iter().all(|t| matches!(t, Tok::Hole(_))))
        {
            continue;
        }
        if families.iter().any(|(_, _, f)| may_be_instance(&key, f)) {
            continue;
        }
        let certainty = if used.pattern.has_holes() {
            Certainty::Likely
        } else {
            Certainty::Proven
        };
        let mut f = Finding::new(
            ID,
            Severity::Warning,
            used.span,
            format!(
                "key `{}` matches no family of the key schema ({schemas})",
                used.pattern
            ),
        )
        .certainty(certainty)
        .primary_label("not declared")
        .help("declare a family for it in the schema, or build the key the way a declared family does");
        let nearest = families
            .iter()
            .map(|(name, p, t)| (shared_start(&key, t), *name, *p))
            .filter(|(n, _, _)| *n >= 3)
            .max_by_key(|(n, _, _)| *n);
        if let Some((_, name, p)) = nearest {
            f = f.note(format!("the nearest declared family is `{name}`: `{p}`"));
        }
        if let Some(note) = used.uses_note() {
            f = f.note(note);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keypattern::parse_placeholders;
    use crate::rules::test_support::{key, messages, model, op, run_with};
    use crate::rules::Options;

    fn instance(key: &str, family: &str) -> bool {
        let (k, f) = (parse_placeholders(key), parse_placeholders(family));
        may_be_instance(&tokens(&k), &tokens(&f))
    }

    #[test]
    fn instances_of_a_family() {
        let fam = "{user:<user_id>}:cart";
        for k in [
            "{user:1}:cart",
            "{user:<uid>}:cart",
            "{user:<a>-<b>}:cart",
            "<prefix>:cart",
            "{user:<id>}<rest>",
        ] {
            assert!(instance(k, fam), "{k}");
        }
        for k in [
            "{user:}:cart",
            "user:1:cart",
            "{user:1}:carts",
            "{user:1}",
            "{order:<id>}:cart",
            "",
        ] {
            assert!(!instance(k, fam), "{k}");
        }
        assert!(!instance("stats:2026-11-22", "stats:{<day>}"));
        assert!(instance("stats:{2026-11-22}", "stats:{<day>}"));
        assert!(instance("config", "config"));
        assert!(instance("<a><b>", "x"));
        assert!(instance("a<x>c", "a<p>b<q>c"));
        assert!(!instance("a<x>c", "a<p>b<q>d"));
        // Long inputs stay linear in each length.
        let long = "a".repeat(4000);
        assert!(instance(&long, "<p>"));
        assert!(!instance(&long, "<p>b"));
    }

    proptest::proptest! {
        /// The table agrees with a plain recursive matcher.
        #[test]
        fn matcher_agrees_with_recursion(key in "[ab<>x]{0,8}", family in "[ab<>y]{0,8}") {
            fn rec(k: &[Tok<'_>], f: &[Tok<'_>]) -> bool {
                if k.is_empty() && f.is_empty() {
                    return true;
                }
                let fam_hole = matches!(f.first(), Some(Tok::Hole(_)))
                    && (1..=k.len()).any(|c| rec(&k[c..], &f[1..]));
                let key_hole = matches!(k.first(), Some(Tok::Hole(_)))
                    && (0..=f.len()).any(|c| rec(&k[1..], &f[c..]));
                let same = matches!((k.first(), f.first()), (Some(Tok::Byte(x)), Some(Tok::Byte(y))) if x == y)
                    && rec(&k[1..], &f[1..]);
                fam_hole || key_hole || same
            }
            let (k, f) = (parse_placeholders(&key), parse_placeholders(&family));
            proptest::prop_assert_eq!(may_be_instance(&tokens(&k), &tokens(&f)), rec(&tokens(&k), &tokens(&f)));
        }
    }

    fn options() -> Options {
        Options {
            schema_families: vec![
                (
                    "user_cart".into(),
                    parse_placeholders("{user:<user_id>}:cart"),
                    "shop.keys.yaml".into(),
                ),
                (
                    "session".into(),
                    parse_placeholders("session:{<sid>}"),
                    "shop.keys.yaml".into(),
                ),
            ],
            ..Options::default()
        }
    }

    #[test]
    fn keys_no_family_can_produce() {
        let m = model(vec![
            op("GET", vec![key("{user:<id>}:cart", 0)]),
            op("GET", vec![key("{user:<id>}:wishlist", 20)]),
            op("GET", vec![key("<key>", 50)]),
            op("GET", vec![key("session:{abc}", 60)]),
            op("GET", vec![key("sessions:abc", 80)]),
        ]);
        let found = run_with(check, &m, &options());
        assert_eq!(
            messages(&found),
            [
                "key `{user:<id>}:wishlist` matches no family of the key schema (`shop.keys.yaml`)",
                "key `sessions:abc` matches no family of the key schema (`shop.keys.yaml`)",
            ]
        );
        assert_eq!(found[0].certainty, Certainty::Likely);
        assert_eq!(found[1].certainty, Certainty::Proven);
        assert_eq!(
            found[0].notes,
            ["the nearest declared family is `user_cart`: `{user:<user_id>}:cart`"]
        );
        // No schema for the run: nothing to say.
        assert!(run_with(check, &m, &Options::default()).is_empty());
    }
}
