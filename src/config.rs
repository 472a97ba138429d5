//! `slotlint.yaml`: found by walking up from the working directory (or named
//! with `--config`). Schema files, per-rule levels and rule options. Every
//! mistake in it is reported with `file:line:col` and stops the run (exit 2).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use marked_yaml::{Node, Span as YamlSpan};

use crate::finding::{Certainty, Finding, Severity};
use crate::model::{ClientHint, Topology as ClientTopology};
use crate::rules::{self, Options};
use crate::topology::Topology;

mod per_path;

pub use per_path::PerPath;

/// File names looked for, in order, in each directory walking up.
pub const FILE_NAMES: &[&str] = &["slotlint.yaml", ".slotlint.yaml"];

/// The top-level keys of the config file besides the rules' own (see
/// [`known_keys`]).
const KEYS: &[&str] = &[
    "schema",
    "include",
    "exclude",
    "rules",
    "per-path",
    "topology",
    "clients",
    "min-certainty",
    "max-file-size",
    "max-file-time",
];

/// Every top-level key of the config file: the run's, then the rules' own.
pub fn known_keys() -> Vec<&'static str> {
    let rules = rules::RULES
        .iter()
        .filter_map(|r| r.setting().map(|s| s.key));
    KEYS.iter().copied().chain(rules).collect()
}

/// The default of `max-file-time`: how long one file may take.
pub const DEFAULT_MAX_FILE_TIME: Duration = Duration::from_secs(30);

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from, if anywhere.
    pub path: Option<PathBuf>,
    /// Schema files, resolved against the config file's directory.
    pub schemas: Vec<PathBuf>,
    /// Per-rule levels by rule id.
    pub levels: Vec<(&'static str, Level)>,
    /// Per-rule levels for the files some globs match (`per-path:`); they
    /// override `levels`.
    pub per_path: PerPath,
    /// The directory that relative file paths given to [`Config::apply`]
    /// are relative to: where the config was looked for from (the working
    /// directory of `check`, the workspace root of the language server).
    pub anchor: PathBuf,
    /// `include`/`exclude` globs (`.gitignore` syntax, relative to the config
    /// file's directory), checked when read; `discover::Filter` applies them.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub options: Options,
    /// Findings less certain than this are dropped (`min-certainty:`,
    /// `--min-certainty`); `None` keeps them all.
    pub min_certainty: Option<Certainty>,
    /// Files bigger than this many bytes are skipped with a note
    /// (`max-file-size:`); `None` for the default.
    pub max_file_size: Option<u64>,
    /// A file whose analysis takes longer is skipped with a note
    /// (`max-file-time:`); `None` for the default.
    pub max_file_time: Option<Duration>,
}

impl Config {
    /// The config file for a run: `explicit` if given, else the first
    /// `slotlint.yaml`/`.slotlint.yaml` from `start` upwards, else defaults.
    pub fn discover(start: &Path, explicit: Option<&Path>) -> Result<Config, String> {
        let load = |path: &Path| -> Result<Config, String> {
            let text = read(path)?;
            let mut config = Config::parse(path, &text)?;
            config.anchor = start.to_path_buf();
            Ok(config)
        };
        if let Some(path) = explicit {
            return load(path);
        }
        for dir in start.ancestors() {
            for name in FILE_NAMES {
                let path = dir.join(name);
                if path.is_file() {
                    return load(&path);
                }
            }
        }
        Ok(Config {
            anchor: start.to_path_buf(),
            ..Config::default()
        })
    }

    /// Parses a config file's text; `path` names it in messages and anchors relative paths.
    pub fn parse(path: &Path, text: &[u8]) -> Result<Config, String> {
        let shown = crate::discover::display(path);
        let err = |span: &YamlSpan, message: String| {
            let (line, col) = span.start().map_or((1, 1), |m| (m.line(), m.column()));
            format!("{shown}:{line}:{col}: {message}")
        };
        let text = crate::source::decode(text.to_vec()).map_err(|e| format!("{shown}: {e}"))?;
        let text = std::str::from_utf8(&text).map_err(|e| format!("{shown}: not UTF-8 ({e})"))?;
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut config = Config {
            path: Some(path.to_path_buf()),
            anchor: cwd.clone(),
            ..Config::default()
        };
        if text.trim().is_empty() {
            return Ok(config);
        }
        let options = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true);
        let root = marked_yaml::parse_yaml_with_options(0, text, options)
            .map_err(|e| load_error(&shown, &e))?;
        if let Some(offset) = crate::lang::yaml_schema::second_document(text) {
            let line = text[..offset].matches('\n').count() + 1;
            return Err(format!(
                "{shown}:{line}:1: a config file holds one YAML document, and this starts another"
            ));
        }
        let Some(map) = root.as_mapping() else {
            return Err(err(root.span(), "the config must be a mapping".into()));
        };
        let base = path.parent().unwrap_or(Path::new("."));
        for (key, value) in map.iter() {
            match key.as_str() {
                "schema" => {
                    for item in names("schema", "file names", value, &err)? {
                        config.schemas.push(base.join(item));
                    }
                }
                "rules" => config.levels.extend(levels(value, &err)?),
                "per-path" => {
                    let root = crate::discover::absolute(&cwd, base);
                    config.per_path = PerPath::parse(&root, value, &err)?;
                }
                "include" => config.include = globs("include", value, &err)?,
                "exclude" => config.exclude = globs("exclude", value, &err)?,
                "topology" => config.options.topology = topology(path, value, &err)?,
                "clients" => config.options.clients = client_hints(value, &err)?,
                "min-certainty" => {
                    let level = |s: &str| match s {
                        "proven" => Some(Certainty::Proven),
                        "likely" => Some(Certainty::Likely),
                        "possible" => Some(Certainty::Possible),
                        _ => None,
                    };
                    let shape = "`min-certainty` must be proven, likely or possible";
                    config.min_certainty = Some(scalar(value, level, shape, &err)?);
                }
                "max-file-size" => {
                    let shape = "`max-file-size` must be a positive size: bytes, or with a unit (512K, 10M, 1G)";
                    config.max_file_size = Some(scalar(value, byte_size, shape, &err)?);
                }
                "max-file-time" => {
                    let shape = "`max-file-time` must be a positive time: seconds, or with a unit (500ms, 30s, 2m)";
                    config.max_file_time = Some(scalar(value, duration, shape, &err)?);
                }
                other => match rules::setting(other) {
                    Some(setting) => (setting.read)(value, &err, &mut config.options)?,
                    None => {
                        return Err(err(
                            key.span(),
                            format!(
                                "unknown config key `{other}` (known: {})",
                                known_keys().join(", ")
                            ),
                        ))
                    }
                },
            }
        }
        Ok(config)
    }

    /// The rule options of a run: the config's, plus what the schemas named
    /// for the run (`schema:`, and `extra` from `--schema`) declare: the key
    /// families of every file (SL011) and, without a topology in the config,
    /// the first topology.
    pub fn run_options(&self, extra: &[PathBuf]) -> Options {
        let mut options = self.options.clone();
        for path in self.schemas.iter().chain(extra) {
            let shown = crate::discover::display(path);
            let declared = crate::lang::yaml_schema::declared(path, &shown, self.max_file_size());
            options.schema_families.extend(declared.families);
            if options.topology.is_none() {
                options.topology = declared.topology.map(Arc::new);
            }
        }
        options
    }

    /// The largest file read, in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size
            .unwrap_or(crate::source::DEFAULT_MAX_FILE_SIZE)
    }

    /// The longest one file's analysis may take.
    pub fn max_file_time(&self) -> Duration {
        self.max_file_time.unwrap_or(DEFAULT_MAX_FILE_TIME)
    }

    /// The level set for a rule, if any.
    pub fn level(&self, rule: &str) -> Option<Level> {
        self.levels
            .iter()
            .rev()
            .find(|(id, _)| *id == rule)
            .map(|(_, l)| *l)
    }

    /// Applies per-rule levels to the findings of the file `path` (as shown:
    /// absolute, or relative to [`Config::anchor`]): the level of the most
    /// specific `per-path` glob that matches the file and sets one, else the
    /// one of `rules`. `off` drops the rule's findings; a severity replaces
    /// the rule's default one, and findings the rule itself lowered (less
    /// certain ones) never rise above it.
    pub fn apply(&self, path: &str, findings: &mut Vec<Finding>) {
        if let Some(min) = self.min_certainty {
            findings.retain(|f| f.certainty <= min);
        }
        let local = self.per_path.matching(&self.anchor, path);
        findings.retain_mut(
            |f| match local.level(f.rule).or_else(|| self.level(f.rule)) {
                None => true,
                Some(Level::Off) => false,
                Some(Level::On(level)) => {
                    let default =
                        rules::find(f.rule).map_or(f.severity, rules::Rule::default_severity);
                    f.severity = if f.severity >= default {
                        level
                    } else {
                        f.severity.min(level)
                    };
                    true
                }
            },
        );
    }
}

/// `rules: { RULE: error | warning | info | off }`, by id or name.
fn levels(
    value: &Node,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<Vec<(&'static str, Level)>, String> {
    let Some(rules_map) = value.as_mapping() else {
        return Err(err(
            value.span(),
            "`rules` must map rule ids to error, warning, info or off".into(),
        ));
    };
    let mut out = Vec::new();
    for (id, level) in rules_map.iter() {
        let Some(rule) = rules::find(id.as_str()) else {
            return Err(err(
                id.span(),
                format!("unknown rule `{}` (see `slotlint rules`)", id.as_str()),
            ));
        };
        let Some(parsed) = parse_level(level) else {
            return Err(err(
                level.span(),
                format!(
                    "the level of {} must be error, warning, info or off",
                    rule.id()
                ),
            ));
        };
        out.push((rule.id(), parsed));
    }
    Ok(out)
}

/// `error`, `warning`, `info` or `off`.
fn parse_level(node: &Node) -> Option<Level> {
    node.as_scalar().and_then(|s| match s.as_str() {
        "off" => Some(Level::Off),
        other => Severity::parse(other).map(Level::On),
    })
}

/// `include:`/`exclude:`: one glob or a list, each checked.
fn globs(
    name: &str,
    value: &Node,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<Vec<String>, String> {
    let globs = names(name, "globs", value, err)?;
    for (glob, item) in globs.iter().zip(items(value)) {
        crate::discover::check_glob(glob).map_err(|e| err(item.span(), e))?;
    }
    Ok(globs)
}

/// The items of a value that is one item or a list of them.
fn items(value: &Node) -> Vec<&Node> {
    match value.as_sequence() {
        Some(seq) => seq.iter().collect(),
        None => vec![value],
    }
}

/// `schema:`, `include:`, `exclude:`: one string or a list of strings (none
/// when empty). A plain number, boolean or null in the list is refused: YAML
/// reads it as another type, and as a name it would match nothing.
fn names(
    key: &str,
    what: &str,
    value: &Node,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<Vec<String>, String> {
    let singular = what.strip_suffix('s').unwrap_or(what);
    let shape = || format!("`{key}` must be a {singular} or a list of {what}");
    if value.as_scalar().is_some_and(|s| {
        s.may_coerce() && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for item in items(value) {
        let Some(text) = item.as_scalar() else {
            return Err(err(item.span(), shape()));
        };
        if let Some(kind) = plain_non_string(text) {
            return Err(err(
                item.span(),
                format!(
                    "`{key}` takes {what}, and `{}` is {kind}: quote it (\"{}\") if it is a name",
                    text.as_str(),
                    text.as_str()
                ),
            ));
        }
        out.push(text.as_str().to_string());
    }
    Ok(out)
}

/// What YAML reads an unquoted scalar as, when that is not a string.
fn plain_non_string(s: &marked_yaml::types::MarkedScalarNode) -> Option<&'static str> {
    if !s.may_coerce() {
        return None;
    }
    if matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL") {
        Some("null")
    } else if s.as_bool().is_some() {
        Some("a boolean")
    } else if s.as_i64().is_some() || s.as_f64().is_some() {
        Some("a number")
    } else {
        None
    }
}

/// A size in bytes: `1048576`, `512K`, `10M`, `1G` (binary units; `KB`,
/// `KiB`, `MB`, `MiB`… are the same), more than zero.
fn byte_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..digits].parse().ok()?;
    let shift = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return None,
    };
    n.checked_mul(1 << shift).filter(|&n| n > 0)
}

/// A time: `30` (seconds), `30s`, `500ms`, `2m`, more than zero.
fn duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let n: f64 = text[..split].parse().ok()?;
    let seconds = match text[split..].trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
}

/// A config file's bytes (a FIFO or a device named by `--config` is refused,
/// not waited on).
fn read(path: &Path) -> Result<Vec<u8>, String> {
    crate::source::read_file(path, crate::source::DEFAULT_MAX_FILE_SIZE).map_err(|e| match e {
        crate::source::Unread::Io(e) => format!("{}: cannot read config: {e}", path.display()),
        e => format!("{}: the config is {e}", path.display()),
    })
}

/// A YAML load error as `path:line:col: message`.
fn load_error(shown: &str, error: &marked_yaml::LoadError) -> String {
    use marked_yaml::LoadError;
    let at = |m: &marked_yaml::Marker| format!("{shown}:{}:{}", m.line(), m.column());
    match error {
        LoadError::DuplicateKey(inner) => {
            let first = inner
                .prev_key
                .span()
                .start()
                .map_or(0, marked_yaml::Marker::line);
            let place = inner
                .key
                .span()
                .start()
                .map_or_else(|| shown.to_string(), at);
            format!(
                "{place}: duplicate key `{}` (first on line {first})",
                inner.key.as_str()
            )
        }
        other => format!("{shown}: {other}"),
    }
}

/// `topology:` inline (`nodes: { NAME: RANGES }`), the file of a saved CLUSTER
/// reply relative to the config, or empty for none.
fn topology(
    path: &Path,
    value: &Node,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<Option<Arc<Topology>>, String> {
    if value
        .as_scalar()
        .is_some_and(|s| matches!(s.as_str().trim(), "" | "~" | "null"))
    {
        return Ok(None);
    }
    let here = path.to_string_lossy();
    Topology::from_yaml_node(&here, value)
        .map(|t| Some(Arc::new(t)))
        .map_err(|e| match (e.line, e.column) {
            // In this file: at its own place; in a saved reply: at `topology:`.
            (Some(line), Some(col)) if e.path == here => {
                let shown = crate::discover::display(path);
                format!("{shown}:{line}:{col}: topology: {}", e.message)
            }
            _ => err(value.span(), format!("topology: {e}")),
        })
}

/// `value` as a mapping, else the error `shape` says what it should be.
pub(crate) fn mapping<'n>(
    value: &'n Node,
    shape: &str,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<&'n marked_yaml::types::MarkedMappingNode, String> {
    value
        .as_mapping()
        .ok_or_else(|| err(value.span(), shape.into()))
}

/// `value` as a scalar `read` accepts, else the error `shape` says what it
/// should be.
pub(crate) fn scalar<T>(
    value: &Node,
    read: impl Fn(&str) -> Option<T>,
    shape: &str,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<T, String> {
    value
        .as_scalar()
        .and_then(|s| read(s.as_str()))
        .ok_or_else(|| err(value.span(), shape.into()))
}

/// `clients: { RECEIVER: cluster | standalone, … }`, in the order written.
fn client_hints(
    value: &Node,
    err: &dyn Fn(&YamlSpan, String) -> String,
) -> Result<Vec<ClientHint>, String> {
    let shape = "`clients` maps a receiver as written in code (`self.redis`, `*.cache`, `*`) to cluster or standalone";
    let map = mapping(value, shape, err)?;
    let mut out = Vec::new();
    for (name, kind) in map.iter() {
        if name.as_str().trim().is_empty() {
            return Err(err(name.span(), shape.into()));
        }
        let topology = match kind
            .as_scalar()
            .map(marked_yaml::types::MarkedScalarNode::as_str)
        {
            Some("cluster") => ClientTopology::Cluster,
            Some("standalone") => ClientTopology::Standalone,
            _ => {
                return Err(err(
                    kind.span(),
                    format!(
                        "the client `{}` must be `cluster` or `standalone`",
                        name.as_str()
                    ),
                ))
            }
        };
        out.push(ClientHint {
            pattern: name.as_str().to_string(),
            topology,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("cfg/slotlint.yaml"), text.as_bytes())
    }

    #[test]
    fn reads_schema_rules_and_options() {
        let c = parse("schema: [a.keys.yaml]\nrules:\n  SL004: error\n  hot-slot-tag: off\nlow-cardinality-max: 64\n").unwrap();
        assert_eq!(c.schemas, vec![PathBuf::from("cfg/a.keys.yaml")]);
        assert_eq!(c.level("SL004"), Some(Level::Off));
        assert_eq!(c.options.low_cardinality_max, 64);
    }

    #[test]
    fn errors_point_at_the_line() {
        assert_eq!(
            parse("rules:\n  SL999: error\n").unwrap_err(),
            "cfg/slotlint.yaml:2:3: unknown rule `SL999` (see `slotlint rules`)"
        );
        assert_eq!(
            parse("rules:\n  SL001: loud\n").unwrap_err(),
            "cfg/slotlint.yaml:2:10: the level of SL001 must be error, warning, info or off"
        );
        assert!(parse("shcema: x\n")
            .unwrap_err()
            .starts_with("cfg/slotlint.yaml:1:1: unknown config key `shcema`"));
        assert!(parse("[1, 2").is_err());
    }

    #[test]
    fn topology_inline_from_a_file_or_empty() {
        let c = parse("topology:\n  nodes: { A: \"0-8191\", B: \"8192-16383\" }\n").unwrap();
        let t = c.options.topology.expect("inline topology");
        assert_eq!((t.node_of(0), t.node_of(16383)), (Some("A"), Some("B")));
        for empty in ["topology:\n", "topology: ~\n", "topology: null\n"] {
            assert!(parse(empty).unwrap().options.topology.is_none(), "{empty}");
        }
        // A saved reply, relative to the config's directory.
        let dir = tempfile::tempdir().unwrap();
        let saved = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/topology/cluster-nodes.txt"
        ))
        .unwrap();
        std::fs::write(dir.path().join("nodes.txt"), saved).unwrap();
        let c = Config::parse(&dir.path().join("slotlint.yaml"), b"topology: nodes.txt\n").unwrap();
        assert_eq!(c.options.topology.unwrap().nodes().len(), 3);
        let e = parse("\ntopology:\n  nodes: { A: \"0-99999\" }\n").unwrap_err();
        assert!(e.starts_with("cfg/slotlint.yaml:3:15: topology: "), "{e}");
        let e = parse("topology: [1]\n").unwrap_err();
        assert!(e.starts_with("cfg/slotlint.yaml:1:11: topology: "), "{e}");
    }

    proptest::proptest! {
        /// A config file of any bytes is read or refused with a message; it
        /// never panics. YAML-ish text reaches the value checks.
        #[test]
        fn any_config_is_read_or_refused(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            value in "[ -~]{0,40}",
        ) {
            let _ = parse(&String::from_utf8_lossy(&bytes));
            for key in known_keys() {
                let _ = parse(&format!("{key}: {value}\n"));
                let _ = parse(&format!("{key}:\n  {value}: x\n"));
            }
        }
    }

    #[test]
    fn min_certainty_drops_less_certain_findings() {
        let c = parse("min-certainty: likely\n").unwrap();
        assert_eq!(c.min_certainty, Some(Certainty::Likely));
        let f = |certainty| {
            Finding::new(
                "SL007",
                Severity::Warning,
                crate::model::Span::default(),
                "m",
            )
            .certainty(certainty)
        };
        let mut found = vec![
            f(Certainty::Proven),
            f(Certainty::Likely),
            f(Certainty::Possible),
        ];
        c.apply("a.redis", &mut found);
        let kept: Vec<Certainty> = found.iter().map(|f| f.certainty).collect();
        assert_eq!(kept, [Certainty::Proven, Certainty::Likely]);
        assert_eq!(
            parse("min-certainty: sure\n").unwrap_err(),
            "cfg/slotlint.yaml:1:16: `min-certainty` must be proven, likely or possible"
        );
    }

    #[test]
    fn client_hints_in_order() {
        let c = parse("clients:\n  self.redis: cluster\n  \"*\": standalone\n").unwrap();
        let hints: Vec<(&str, ClientTopology)> = c
            .options
            .clients
            .iter()
            .map(|h| (h.pattern.as_str(), h.topology))
            .collect();
        assert_eq!(
            hints,
            [
                ("self.redis", ClientTopology::Cluster),
                ("*", ClientTopology::Standalone)
            ]
        );
        assert_eq!(
            parse("clients:\n  r: sentinel\n").unwrap_err(),
            "cfg/slotlint.yaml:2:6: the client `r` must be `cluster` or `standalone`"
        );
        assert!(parse("clients: [r]\n")
            .unwrap_err()
            .starts_with("cfg/slotlint.yaml:1:10: `clients` maps a receiver"));
    }

    #[test]
    fn include_and_exclude_globs() {
        let c = parse("include: [src/**, '*.lua']\nexclude: legacy/\n").unwrap();
        assert_eq!(c.include, vec!["src/**", "*.lua"]);
        assert_eq!(c.exclude, vec!["legacy/"]);
        assert_eq!(
            parse("exclude:\n  - ok/\n  - 'bad[.lua'\n").unwrap_err(),
            "cfg/slotlint.yaml:3:5: invalid glob `bad[.lua`: unclosed character class; missing ']'"
        );
        assert_eq!(
            parse("include: {a: b}\n").unwrap_err(),
            "cfg/slotlint.yaml:1:10: `include` must be a glob or a list of globs"
        );
    }

    #[test]
    fn naming_rules() {
        let c = parse("naming:\n  keys: '^[a-z:]+$'\n  families: { cart: '^cart' }\n").unwrap();
        assert_eq!(c.options.naming.len(), 2);
        assert_eq!(c.options.naming[1].family.as_deref(), Some("cart"));
        let e = parse("naming:\n  keys: '(['\n").unwrap_err();
        assert!(
            e.starts_with("cfg/slotlint.yaml:2:9: bad regular expression:"),
            "{e}"
        );
        assert!(parse("naming: { key: x }")
            .unwrap_err()
            .contains("unknown key `key` in `naming`"));
    }

    #[test]
    fn per_path_levels_override_rules_for_matching_files() {
        use crate::model::Span;
        let dir = tempfile::tempdir().unwrap();
        let text = "rules: { SL001: warning }\nper-path: { \"tests/**\": { SL001: off }, \"examples/\": { \"*\": info } }\n";
        let config = Config::parse(&dir.path().join("slotlint.yaml"), text.as_bytes()).unwrap();
        let config = Config {
            anchor: dir.path().join("examples"),
            ..config
        };
        let levels = |path: &str| {
            let mut f = vec![Finding::new("SL001", Severity::Error, Span::default(), "a")];
            config.apply(path, &mut f);
            f.first().map(|f| f.severity)
        };
        // Relative to the anchor (here a subdirectory), or absolute.
        assert_eq!(levels("a.redis"), Some(Severity::Info));
        assert_eq!(levels("../tests/a.redis"), None);
        assert_eq!(levels("../src/a.redis"), Some(Severity::Warning));
        let abs = dir.path().join("tests/deep/a.redis");
        assert_eq!(levels(&abs.to_string_lossy()), None);
        assert_eq!(
            parse("per-path: [tests/]\n").unwrap_err(),
            "cfg/slotlint.yaml:1:11: `per-path` maps globs to rule levels, e.g. `\"tests/**\": { SL001: off }`"
        );
    }

    #[test]
    fn levels_apply() {
        use crate::model::Span;
        let c = parse("rules: { SL001: warning, SL008: off }").unwrap();
        let mut f = vec![
            Finding::new("SL001", Severity::Error, Span::default(), "a"),
            Finding::new("SL008", Severity::Warning, Span::default(), "b"),
            Finding::new("SL002", Severity::Error, Span::default(), "c"),
        ];
        c.apply("a.redis", &mut f);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(f[1].severity, Severity::Error);
    }
}
