//! `tool.driver`: slotlint and every rule of the catalog, each with its
//! documentation page as help.

use super::level;
use super::log::{Configuration, Descriptor, Driver, Help, Text};
use crate::rules::{self, Rule};

pub(super) fn driver() -> Driver {
    let repository = env!("CARGO_PKG_REPOSITORY");
    Driver {
        name: "slotlint",
        information_uri: if repository.is_empty() {
            env!("CARGO_PKG_HOMEPAGE")
        } else {
            repository
        },
        version: env!("CARGO_PKG_VERSION"),
        rules: rules::RULES.iter().map(descriptor).collect(),
    }
}

fn descriptor(rule: &'static Rule) -> Descriptor {
    let page = doc_body(rule.doc());
    Descriptor {
        id: rule.id(),
        name: rule.name(),
        short_description: Text {
            text: rule.summary().to_owned(),
        },
        full_description: Text {
            text: first_paragraph(page, "## What it does")
                .unwrap_or_else(|| rule.summary().to_owned()),
        },
        help: Help {
            text: page,
            markdown: page,
        },
        default_configuration: Configuration {
            level: level(rule.default_severity()),
        },
    }
}

/// A rule page without its front matter.
pub(super) fn doc_body(doc: &'static str) -> &'static str {
    doc.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(doc, |(_, body)| body.trim_start())
}

/// The first paragraph under `heading`, joined into one line.
pub(super) fn first_paragraph(page: &str, heading: &str) -> Option<String> {
    let (_, after) = page.split_once(&format!("{heading}\n"))?;
    let lines: Vec<&str> = after
        .trim_start_matches('\n')
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}
