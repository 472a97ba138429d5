//! SL012 key-naming: keys that break the naming rules of the config
//! (`naming:` in `slotlint.yaml`: a regex for every key, or per schema family).

use marked_yaml::Node;

use super::key_uses::key_uses;
use super::{ConfigError, Context, Setting};
use crate::finding::{Certainty, Finding, Severity};

/// The rule id; its page `rules/SL012.md` says the rest.
pub(crate) const ID: &str = "SL012";

/// One naming rule: keys (written with holes as `<name>`) must match `regex`.
#[derive(Debug, Clone)]
pub struct NamingRule {
    pub regex: regex::Regex,
    /// Only this schema family, or every key when `None`.
    pub family: Option<String>,
}

/// The rule's key in the config: `naming: { keys: REGEX, families: { NAME: REGEX } }`.
pub(crate) const SETTING: Setting = Setting {
    key: "naming",
    template: |_| {
        "\
# SL012 key-naming: regular expressions keys must match, written with
# interpolated values as <name>; for every key and per schema family, e.g.
#   keys: '^[a-z0-9:{}<>_.-]+$'
#   families:
#     user_cart: '^\\{user:<user_id>\\}:cart$'
naming: {}
"
        .to_string()
    },
    read: |value, err, options| {
        options.naming = read(value, err)?;
        Ok(())
    },
};

fn read(value: &Node, err: &ConfigError<'_>) -> Result<Vec<NamingRule>, String> {
    let regex = |node: &Node, family: Option<String>| -> Result<NamingRule, String> {
        let text = node.as_scalar().ok_or_else(|| {
            err(
                node.span(),
                "a naming rule must be a regular expression".into(),
            )
        })?;
        let regex = regex::Regex::new(text.as_str()).map_err(|e| {
            err(
                node.span(),
                format!(
                    "bad regular expression: {}",
                    e.to_string().replace('\n', " ")
                ),
            )
        })?;
        Ok(NamingRule { regex, family })
    };
    let shape = "`naming` takes `keys: REGEX` and `families: { NAME: REGEX }`";
    let map = crate::config::mapping(value, shape, err)?;
    let mut out = Vec::new();
    for (key, node) in map.iter() {
        match key.as_str() {
            "keys" => out.push(regex(node, None)?),
            "families" => {
                let families = crate::config::mapping(node, shape, err)?;
                for (name, re) in families.iter() {
                    out.push(regex(re, Some(name.as_str().to_string()))?);
                }
            }
            other => {
                return Err(err(
                    key.span(),
                    format!("unknown key `{other}` in `naming`: {shape}"),
                ))
            }
        }
    }
    Ok(out)
}

/// The rule's findings for one file.
pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    if cx.options.naming.is_empty() {
        return;
    }
    for used in key_uses(cx.model) {
        // Keys are matched as written, holes as `<name>`.
        let text = used.pattern.to_string();
        let family = used.family.map(|f| f.name.as_str());
        for rule in &cx.options.naming {
            if rule.family.is_some() && rule.family.as_deref() != family {
                continue;
            }
            if rule.regex.is_match(&text) {
                continue;
            }
            let scope = match &rule.family {
                Some(name) => format!("the naming rule of family `{name}`"),
                None => "the key naming rule".to_string(),
            };
            let mut f = Finding::new(
                ID,
                Severity::Warning,
                used.span,
                format!(
                    "key `{text}` does not match {scope} `{}`",
                    rule.regex.as_str()
                ),
            )
            .certainty(Certainty::Proven)
            .primary_label("breaks the naming rule")
            .help("rename the key, or change `naming:` in slotlint.yaml");
            if let Some(note) = used.uses_note() {
                f = f.note(note);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{family, key, messages, model, op, run_with};
    use crate::rules::Options;

    fn options(rules: &[(&str, Option<&str>)]) -> Options {
        Options {
            naming: rules
                .iter()
                .map(|(re, fam)| NamingRule {
                    regex: regex::Regex::new(re).unwrap(),
                    family: fam.map(str::to_string),
                })
                .collect(),
            ..Options::default()
        }
    }

    #[test]
    fn global_rule_checks_every_key_once() {
        let m = model(vec![
            op("MGET", vec![key("User:1", 0), key("user:2", 10)]),
            op("GET", vec![key("User:1", 20)]),
        ]);
        let found = run_with(check, &m, &options(&[("^[a-z0-9:{}<>_-]+$", None)]));
        assert_eq!(
            messages(&found),
            ["key `User:1` does not match the key naming rule `^[a-z0-9:{}<>_-]+$`"]
        );
        assert_eq!(found[0].notes, ["used 2 times in this file"]);
    }

    #[test]
    fn family_rule_checks_only_its_family() {
        let mut m = model(vec![]);
        m.families = vec![
            family("cart", "cart:<uid>", 0),
            family("other", "x:<id>", 40),
        ];
        let found = run_with(check, &m, &options(&[("^\\{", Some("cart"))]));
        assert_eq!(
            messages(&found),
            ["key `cart:<uid>` does not match the naming rule of family `cart` `^\\{`"]
        );
    }

    #[test]
    fn no_rules_no_findings() {
        let m = model(vec![op("GET", vec![key("ANY KEY", 0)])]);
        assert!(run_with(check, &m, &Options::default()).is_empty());
    }
}
