//! The rule catalog: the `Rule` trait and the one list of rules, in id order.
//! A rule reads the model and returns findings; it never sees syntax.

use crate::finding::{Finding, Severity};
use crate::model::FileModel;

mod cross_slot_command;
mod cross_slot_pipeline;
mod cross_slot_transaction;
pub(crate) mod fixes;
mod hot_slot_tag;
mod key_naming;
pub(crate) mod key_uses;
pub(crate) mod labels;
mod low_cardinality_tag;
mod malformed_hash_tag;
mod node_local_command;
mod non_atomic_split;
mod script_flag_violation;
mod script_undeclared_key;
pub(crate) mod scripts;
mod sort_patterns;
pub(crate) mod suggest;
#[cfg(test)]
mod test_support;
pub(crate) mod undeclared_key;
mod unhashed_multi_key;
pub(crate) mod unused_suppression;
pub(crate) mod verdict;

/// Knobs rules read; set from the config file and the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// A tag with at most this many distinct values is low-cardinality (SL005).
    pub low_cardinality_max: u64,
    /// Naming rules for keys (SL012), from the config's `naming:`.
    pub naming: Vec<NamingRule>,
    /// Which node serves each slot, from the config's `topology:`: findings
    /// name the nodes, and a one-node pipeline check knows which slots share one.
    pub topology: Option<std::sync::Arc<crate::topology::Topology>>,
    /// What clients of unknown kind connect to, from the config's `clients:`
    /// (applied to the model before the rules run).
    pub clients: Vec<crate::model::ClientHint>,
    /// The key families of the schemas named for the run (config `schema:`,
    /// `--schema`): name, pattern, schema file (SL011).
    pub schema_families: Vec<(String, crate::keypattern::KeyPattern, String)>,
    /// The Redis Functions every file of the run registers, for FCALL call
    /// sites in other files (built by [`crate::functions::collect`]).
    pub functions: Option<std::sync::Arc<crate::functions::FunctionTable>>,
}

pub use key_naming::NamingRule;

impl Default for Options {
    fn default() -> Self {
        Options {
            low_cardinality_max: 1024,
            naming: Vec::new(),
            topology: None,
            clients: Vec::new(),
            schema_families: Vec::new(),
            functions: None,
        }
    }
}

/// What a rule sees of one file.
pub struct Context<'a> {
    pub model: &'a FileModel,
    pub options: &'a Options,
    /// Where the model's keys are, built when a fix first asks.
    index: std::cell::OnceCell<fixes::KeyIndex<'a>>,
}

impl<'a> Context<'a> {
    pub fn new(model: &'a FileModel, options: &'a Options) -> Self {
        Context {
            model,
            options,
            index: std::cell::OnceCell::new(),
        }
    }

    /// The model's keys by pattern, place and slot set (built once).
    pub(crate) fn key_index(&self) -> &fixes::KeyIndex<'a> {
        self.index.get_or_init(|| fixes::KeyIndex::new(self.model))
    }
}

/// One lint: its id, its page (`rules/SLnnn.md`, whose front matter names
/// it: `name`, `severity`, `summary`) and its check. Each rule is a module
/// with an `ID` and a `check` function; this list is the catalog.
pub struct Rule {
    id: &'static str,
    page: &'static str,
    check: fn(&Context<'_>, &mut Vec<Finding>),
    /// The rule's own key in the config file, if it has options.
    setting: Option<Setting>,
}

/// A rule's key in the config file (selene's way: the rule owns its
/// options, the config only hands it the value).
pub struct Setting {
    /// The top-level key (`naming`).
    pub key: &'static str,
    /// What `slotlint init` writes for it: comment lines, then the key at
    /// its default.
    pub template: fn(&Options) -> String,
    /// Reads the key's value into the options; `err` places a message at a
    /// node of the config.
    pub read: fn(&marked_yaml::Node, &ConfigError<'_>, &mut Options) -> Result<(), String>,
}

/// How a setting's reader says what is wrong, and where.
pub type ConfigError<'a> = dyn Fn(&marked_yaml::Span, String) -> String + 'a;

impl Rule {
    /// `SL001`.
    pub fn id(&self) -> &'static str {
        self.id
    }
    /// `cross-slot-transaction`.
    pub fn name(&self) -> &'static str {
        front_matter(self.page, "name")
    }
    /// Severity of its most certain findings.
    pub fn default_severity(&self) -> Severity {
        Severity::parse(front_matter(self.page, "severity")).unwrap_or(Severity::Warning)
    }
    /// One line for `slotlint rules`.
    pub fn summary(&self) -> &'static str {
        front_matter(self.page, "summary")
    }
    /// The documentation page `slotlint explain` prints.
    pub fn doc(&self) -> &'static str {
        self.page
    }
    /// Appends the rule's findings for one file.
    pub fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        (self.check)(cx, out);
    }
    /// Its key in the config file, if it has options.
    pub fn setting(&self) -> Option<&Setting> {
        self.setting.as_ref()
    }
}

/// The value of `key` in a page's front matter (`key: value` lines between
/// the opening `---` and the next), or `""`.
fn front_matter(doc: &'static str, key: &str) -> &'static str {
    let Some(rest) = doc.strip_prefix("---\n") else {
        return "";
    };
    rest.lines()
        .take_while(|l| *l != "---")
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map_or("", str::trim)
}

/// Every rule, in id order.
pub static RULES: &[Rule] = &[
    Rule {
        id: cross_slot_transaction::ID,
        page: include_str!("../../rules/SL001.md"),
        check: cross_slot_transaction::check,
        setting: None,
    },
    Rule {
        id: cross_slot_command::ID,
        page: include_str!("../../rules/SL002.md"),
        check: cross_slot_command::check,
        setting: None,
    },
    Rule {
        id: unhashed_multi_key::ID,
        page: include_str!("../../rules/SL003.md"),
        check: unhashed_multi_key::check,
        setting: None,
    },
    Rule {
        id: hot_slot_tag::ID,
        page: include_str!("../../rules/SL004.md"),
        check: hot_slot_tag::check,
        setting: None,
    },
    Rule {
        id: low_cardinality_tag::ID,
        page: include_str!("../../rules/SL005.md"),
        check: low_cardinality_tag::check,
        setting: Some(low_cardinality_tag::SETTING),
    },
    Rule {
        id: malformed_hash_tag::ID,
        page: include_str!("../../rules/SL006.md"),
        check: malformed_hash_tag::check,
        setting: None,
    },
    Rule {
        id: script_undeclared_key::ID,
        page: include_str!("../../rules/SL007.md"),
        check: script_undeclared_key::check,
        setting: None,
    },
    Rule {
        id: node_local_command::ID,
        page: include_str!("../../rules/SL008.md"),
        check: node_local_command::check,
        setting: None,
    },
    Rule {
        id: cross_slot_pipeline::ID,
        page: include_str!("../../rules/SL009.md"),
        check: cross_slot_pipeline::check,
        setting: None,
    },
    Rule {
        id: non_atomic_split::ID,
        page: include_str!("../../rules/SL010.md"),
        check: non_atomic_split::check,
        setting: None,
    },
    Rule {
        id: undeclared_key::ID,
        page: include_str!("../../rules/SL011.md"),
        check: undeclared_key::check,
        setting: None,
    },
    Rule {
        id: key_naming::ID,
        page: include_str!("../../rules/SL012.md"),
        check: key_naming::check,
        setting: Some(key_naming::SETTING),
    },
    Rule {
        id: script_flag_violation::ID,
        page: include_str!("../../rules/SL013.md"),
        check: script_flag_violation::check,
        setting: None,
    },
    Rule {
        id: unused_suppression::ID,
        page: include_str!("../../rules/SL100.md"),
        check: unused_suppression::check,
        setting: None,
    },
];

/// The command table entry of a canonical name (`MGET`, `OBJECT ENCODING`).
pub(crate) fn command_spec(canonical: &str) -> Option<&'static crate::commands::CommandSpec> {
    let mut words = canonical.splitn(2, ' ');
    crate::commands::lookup(words.next()?, words.next())
}

/// The rule owning config key `key`, and its setting.
pub fn setting(key: &str) -> Option<&'static Setting> {
    RULES
        .iter()
        .filter_map(Rule::setting)
        .find(|s| s.key == key)
}

/// Finds a rule by id (`SL004`, case-insensitive) or name (`hot-slot-tag`).
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.id().eq_ignore_ascii_case(id_or_name) || r.name() == id_or_name)
}

/// Runs every rule over one file's model.
pub fn check_all(model: &FileModel, options: &Options) -> Vec<Finding> {
    let cx = Context::new(model, options);
    let mut out = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_in_id_order_and_unique() {
        let ids: Vec<_> = RULES.iter().map(Rule::id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn front_matter_names_every_rule() {
        for r in RULES {
            let id = r.id();
            assert!(id.len() == 5 && id.starts_with("SL"), "{id:?}");
            assert!(!r.name().is_empty() && !r.summary().is_empty(), "{id}");
            assert!(
                Severity::parse(front_matter(r.doc(), "severity")).is_some(),
                "{id}"
            );
            // The rule's own id is the one its page gives.
            assert_eq!(front_matter(r.doc(), "id"), id);
        }
        assert_eq!(
            front_matter("---\nid: SL1\nsummary:  a: b \n---\nid: no\n", "summary"),
            "a: b"
        );
        assert_eq!(front_matter("no front matter", "id"), "");
    }
}
