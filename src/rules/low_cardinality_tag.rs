//! SL005 low-cardinality-tag: a hash tag drawn from a small domain (a bool,
//! an enum, a weekday, `x % 100`) spreads its family over a few slots only.

use super::key_uses::{key_uses, KeyUse};
use super::labels::{defaults_note, plural};
use super::{Context, Setting};
use crate::finding::{Certainty, Finding, Severity};
use crate::keypattern::{HashTag, KeyPattern};
use crate::slot::SLOT_COUNT;

/// The rule id; its page `rules/SL005.md` says the rest.
pub(crate) const ID: &str = "SL005";

/// The rule's key in the config: the most distinct values a low-cardinality
/// tag takes (SL004 spares a constant-tag family no bigger).
pub(crate) const SETTING: Setting = Setting {
    key: "low-cardinality-max",
    template: |defaults| {
        format!(
            "\
# SL005 low-cardinality-tag: a hash tag drawn from at most this many distinct
# values puts its key family on too few slots.
low-cardinality-max: {}
",
            defaults.low_cardinality_max
        )
    },
    read: |value, err, options| {
        let positive = |s: &str| s.parse::<u64>().ok().filter(|&n| n > 0);
        let shape = "`low-cardinality-max` must be a positive integer";
        options.low_cardinality_max = crate::config::scalar(value, positive, shape, err)?;
        Ok(())
    },
};

/// The number of values a tag can take, when every hole in it has a known
/// domain: the product of the domains.
fn tag_domain(tag: &KeyPattern) -> Option<u64> {
    tag.holes()
        .try_fold(1u64, |acc, h| h.domain.map(|n| acc.saturating_mul(n)))
}

/// `` `<region>` takes 4 values, `<tier>` takes 3 values ``, for tags with
/// several holes.
fn domains_note(tag: &KeyPattern) -> Option<String> {
    if tag.holes().count() < 2 {
        return None;
    }
    let parts: Vec<String> = tag
        .holes()
        .filter_map(|h| {
            let n = h.domain?;
            let name = h.name.as_deref().unwrap_or("?");
            Some(format!("`<{name}>` takes {}", plural(n, "value", "values")))
        })
        .collect();
    Some(parts.join(", "))
}

/// A tag made of the current time cut to a period (`{<day>}`): one slot
/// takes every write of the period, then the next one does.
fn time_bucket(tag: &KeyPattern, u: &KeyUse<'_>) -> Option<Finding> {
    let period = tag.holes().find_map(|h| h.period)?;
    // Another part of the tag that varies (a user id) spreads the keys.
    if tag
        .holes()
        .any(|h| h.period.is_none() && h.domain.is_none())
    {
        return None;
    }
    let message = format!(
        "hash tag `{{{tag}}}` is the current {period}: every `{}` key written in one {period} lands in one slot",
        u.pattern
    );
    let mut finding = Finding::new(ID, Severity::Warning, u.span, message)
        .certainty(Certainty::Likely)
        .primary_label(format!("a tag that changes once a {period}"))
        .help("tag by an entity id (user, order, tenant) and keep the time outside the tag, e.g. `stats:{<user_id>}:<day>`")
        .note(format!(
            "a time bucket moves from slot to slot, but for the whole {period} one slot, and so one node, takes all the writes"
        ));
    if let Some(note) = u.uses_note() {
        finding = finding.note(note);
    }
    Some(finding)
}

fn judge(cx: &Context<'_>, u: &KeyUse<'_>) -> Option<Finding> {
    let max = cx.options.low_cardinality_max;
    let raw = match u.pattern.hash_tag() {
        HashTag::Dynamic(tag) => Some(tag),
        HashTag::Uncertain => None,
        // Static tags are SL004's; untagged keys have no tag to judge.
        HashTag::Static { .. } | HashTag::Untagged => return None,
    };
    if let Some(f) = raw.as_ref().and_then(|tag| time_bucket(tag, u)) {
        return Some(f);
    }
    let mut notes = Vec::new();
    let mut certainty = Certainty::Likely;
    let declared = u.family.and_then(|f| f.cardinality);
    let (tag, n) = match (raw.clone(), declared) {
        // The schema front-end also copies the cardinality into the
        // holes: the declaration is the one number to trust.
        (Some(tag), Some(declared)) => {
            notes.push(format!("the schema declares cardinality {declared}"));
            (tag, declared)
        }
        (Some(tag), None) if tag_domain(&tag).is_some() => {
            notes.extend(domains_note(&tag));
            let n = tag_domain(&tag)?;
            (tag, n)
        }
        _ => {
            // With its defaults the tag may lose the holes of unknown domain.
            let HashTag::Dynamic(tag) = u.pattern.with_defaults()?.hash_tag() else {
                return None;
            };
            let n = tag_domain(&tag)?;
            notes.push(defaults_note(u.pattern));
            notes.extend(domains_note(&tag));
            certainty = Certainty::Possible;
            // Show the tag as the code writes it, when it has one.
            (raw.unwrap_or(tag), n)
        }
    };
    if n == 0 || n > max {
        return None;
    }
    let message = if n == 1 {
        format!(
            "hash tag `{{{tag}}}` takes a single value: every `{}` key is in one slot",
            u.pattern
        )
    } else {
        format!(
            "hash tag `{{{tag}}}` takes at most {n} values: the family is spread over at most {} of {SLOT_COUNT} slots",
            n.min(u64::from(SLOT_COUNT))
        )
    };
    if let Some(f) = u.family {
        if let Some(qps) = f.qps {
            notes.push(format!(
                "family `{}` carries {qps} qps on at most {}",
                f.name,
                plural(n.min(u64::from(SLOT_COUNT)), "slot", "slots")
            ));
        }
    }
    notes.extend(u.uses_note());
    let mut finding = Finding::new(ID, Severity::Warning, u.span, message)
        .certainty(certainty)
        .primary_label("low-cardinality tag")
        .help("tag by a high-cardinality id (user, order, tenant id), or drop the tag if the keys need not share a slot");
    for note in notes {
        finding = finding.note(note);
    }
    Some(finding)
}

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for u in key_uses(cx.model) {
        out.extend(judge(cx, &u));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileModel, Span};
    use crate::rules::test_support::*;
    use crate::rules::Options;

    fn with_key(pattern: KeyPattern) -> FileModel {
        model(vec![op("GET", vec![key_of(pattern, (4, 30))])])
    }

    #[test]
    fn modulo_tag() {
        let p = KeyPattern::new([
            lit("{tenant:"),
            hole("x % 100", Some(100), None),
            lit("}:orders:"),
            hole("order_id", None, None),
        ]);
        let found = run(check, &with_key(p));
        assert_eq!(
            messages(&found),
            ["hash tag `{tenant:<x % 100>}` takes at most 100 values: the family is spread over at most 100 of 16384 slots"]
        );
        let f = &found[0];
        assert_eq!(f.span, Span::new(4, 30));
        assert_eq!(f.certainty, Certainty::Likely);
        assert_eq!(f.label, "low-cardinality tag");
        assert!(f.notes.is_empty());
        assert!(f
            .help
            .as_deref()
            .unwrap()
            .starts_with("tag by a high-cardinality id"));
    }

    #[test]
    fn product_of_domains_against_the_threshold() {
        let p = KeyPattern::new([
            lit("stock:{"),
            hole("region", Some(4), None),
            lit(":"),
            hole("tier", Some(3), None),
            lit("}"),
        ]);
        let found = run(check, &with_key(p));
        assert_eq!(
            messages(&found),
            ["hash tag `{<region>:<tier>}` takes at most 12 values: the family is spread over at most 12 of 16384 slots"]
        );
        assert_eq!(
            found[0].notes,
            ["`<region>` takes 4 values, `<tier>` takes 3 values"]
        );

        let wide = KeyPattern::new([lit("{shard:"), hole("n", Some(5000), None), lit("}:x")]);
        assert!(run(check, &with_key(wide.clone())).is_empty());
        let options = Options {
            low_cardinality_max: 10_000,
            ..Options::default()
        };
        assert_eq!(run_with(check, &with_key(wide), &options).len(), 1);
    }

    #[test]
    fn unknown_or_static_or_untagged_is_not_judged() {
        for p in [
            KeyPattern::new([lit("{user:"), hole("uid", None, None), lit("}:cart")]),
            KeyPattern::new([
                lit("{"),
                hole("flag", Some(2), None),
                lit(":"),
                hole("uid", None, None),
                lit("}"),
            ]),
            KeyPattern::new([lit("{jobs}:"), hole("prio", Some(3), None)]),
            KeyPattern::new([lit("stats:"), hole("day", Some(7), None)]),
        ] {
            let found = run(check, &with_key(p.clone()));
            assert!(found.is_empty(), "{p}: {:?}", messages(&found));
        }
    }

    #[test]
    fn a_single_value() {
        let p = KeyPattern::new([
            lit("{"),
            hole("on", Some(1), None),
            lit("}:"),
            hole("id", None, None),
        ]);
        assert_eq!(
            messages(&run(check, &with_key(p))),
            ["hash tag `{<on>}` takes a single value: every `{<on>}:<id>` key is in one slot"]
        );
    }

    #[test]
    fn schema_family_reported_once_with_declared_cardinality() {
        // The schema front-end copies the cardinality into the hole's domain.
        let mut fam = family("daily_stats", "stats:{<day>}", 40);
        fam.pattern = KeyPattern::new([lit("stats:{"), hole("day", Some(365), None), lit("}")]);
        fam.cardinality = Some(365);
        fam.qps = Some(5000);
        let m = FileModel {
            ops: vec![op("", vec![key_of(fam.pattern.clone(), (200, 210))])],
            families: vec![fam],
            ..FileModel::default()
        };
        let found = run(check, &m);
        assert_eq!(
            messages(&found),
            ["hash tag `{<day>}` takes at most 365 values: the family is spread over at most 365 of 16384 slots"]
        );
        assert_eq!(found[0].span, m.families[0].span);
        assert_eq!(
            found[0].notes,
            [
                "the schema declares cardinality 365",
                "family `daily_stats` carries 5000 qps on at most 365 slots"
            ]
        );
        // Two holes with the copied domain: the declaration still counts once.
        let mut fam = family("pair", "{<a>:<b>}", 0);
        fam.pattern = KeyPattern::new([
            lit("{"),
            hole("a", Some(40), None),
            lit(":"),
            hole("b", Some(40), None),
            lit("}"),
        ]);
        fam.cardinality = Some(40);
        let m = FileModel {
            families: vec![fam],
            ..FileModel::default()
        };
        assert_eq!(
            messages(&run(check, &m)),
            ["hash tag `{<a>:<b>}` takes at most 40 values: the family is spread over at most 40 of 16384 slots"]
        );
        // A static tag with a cardinality is SL004's.
        let mut fam = family("s", "{session}:<sid>", 0);
        fam.cardinality = Some(10);
        let m = FileModel {
            families: vec![fam],
            ..FileModel::default()
        };
        assert!(run(check, &m).is_empty());
    }

    #[test]
    fn small_by_default() {
        let p = KeyPattern::new([
            lit("{"),
            hole("prefix", None, Some("app")),
            lit(":"),
            hole("shard", Some(4), None),
            lit("}:"),
            hole("id", None, None),
        ]);
        let m = model(vec![
            op("GET", vec![key_of(p.clone(), (0, 5))]),
            op("SET", vec![key_of(p, (9, 14))]),
        ]);
        let found = run(check, &m);
        assert_eq!(
            messages(&found),
            ["hash tag `{<prefix>:<shard>}` takes at most 4 values: the family is spread over at most 4 of 16384 slots"]
        );
        assert_eq!(found[0].certainty, Certainty::Possible);
        assert_eq!(
            found[0].notes,
            [
                "with the default `<prefix>` = `app`",
                "used 2 times in this file"
            ]
        );
    }
}
