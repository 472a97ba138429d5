//! The Redis command table (which arguments of each command are keys) and Redis's own
//! algorithm for finding the key positions of one call, as `COMMAND GETKEYS` does.
//!
//! The table is `rules/commands.yaml`, generated from the Valkey command files by
//! `scripts/gen-commands` (see [`generate`]) and embedded in the binary; it is parsed
//! once, lazily.

mod gen;
mod keys;
mod spec_text;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

pub use gen::generate;
use keys::GetKeysProc;

/// The generated table, embedded so that the binary is self-contained.
const TABLE_YAML: &str = include_str!("../../rules/commands.yaml");

/// Commands whose effect or answer covers one node only in a cluster.
const NODE_LOCAL: &[&str] = &[
    "DBSIZE",
    "FLUSHALL",
    "FLUSHDB",
    "KEYS",
    "MOVE",
    "RANDOMKEY",
    "SCAN",
    "SELECT",
    "SWAPDB",
];

/// Commands that run a Lua script or a function over the keys they are given.
const SCRIPTS: &[&str] = &[
    "EVAL",
    "EVALSHA",
    "EVALSHA_RO",
    "EVAL_RO",
    "FCALL",
    "FCALL_RO",
];

/// One Redis command (or container subcommand such as `OBJECT ENCODING`) and where its
/// keys are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    name: String,
    arity: i32,
    write: bool,
    readonly: bool,
    no_mandatory_keys: bool,
    getkeys: Option<GetKeysProc>,
    key_specs: Vec<KeySpec>,
}

impl CommandSpec {
    /// Upper-case name; a subcommand is `CONTAINER SUBCOMMAND` (`"OBJECT ENCODING"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The container command of a subcommand (`"OBJECT"` for `OBJECT ENCODING`).
    pub fn container(&self) -> Option<&str> {
        self.name.split_once(' ').map(|(container, _)| container)
    }

    /// Redis arity, counting the command name (and the subcommand): `n > 0` means
    /// exactly `n` arguments, `n < 0` at least `-n`.
    pub fn arity(&self) -> i32 {
        self.arity
    }

    /// The command may modify the keyspace (Redis flag `WRITE`).
    pub fn is_write(&self) -> bool {
        self.write
    }

    /// The command only reads (Redis flag `READONLY`).
    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// The key specs admit more than one key (or sharded channel) in one call: the
    /// command has more than one key spec, or a spec whose `find_keys` is a keynum, an
    /// unknown, or a range reaching past its first key (`lastkey < 0` or
    /// `lastkey >= step`).
    pub fn is_multi_key(&self) -> bool {
        self.key_specs.len() > 1 || self.key_specs.iter().any(KeySpec::admits_many)
    }

    /// The command reaches only the node it is sent to (KEYS, SCAN, FLUSHALL, FLUSHDB,
    /// RANDOMKEY, DBSIZE, SELECT, MOVE, SWAPDB).
    pub fn is_node_local(&self) -> bool {
        NODE_LOCAL.contains(&self.name.as_str())
    }

    /// The command runs a script or function over the keys it is passed (`EVAL`,
    /// `EVALSHA`, `EVAL_RO`, `EVALSHA_RO`, `FCALL`, `FCALL_RO`).
    pub fn is_script(&self) -> bool {
        SCRIPTS.contains(&self.name.as_str())
    }

    /// Some arguments are sharded pub/sub channels (SPUBLISH, SSUBSCRIBE,
    /// SUNSUBSCRIBE): not keys, but hashed to a slot like keys.
    pub fn has_channels(&self) -> bool {
        self.key_specs.iter().any(|spec| spec.channel)
    }

    /// The key specs, in Redis order.
    pub fn key_specs(&self) -> &[KeySpec] {
        &self.key_specs
    }
}

/// One key spec: where to start looking (`begin_search`) and which arguments from
/// there are keys (`find_keys`), as in Redis's command JSON files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// How the command treats the keys (RO/RW/OW/RM), when the spec says.
    pub access: Option<KeyAccess>,
    /// `NOT_KEY`: the arguments are sharded pub/sub channels, hashed like keys.
    pub channel: bool,
    /// `INCOMPLETE`: the spec may miss keys; Redis falls back to its getkeys function.
    pub incomplete: bool,
    /// `VARIABLE_FLAGS`: the access flags depend on other arguments.
    pub variable_flags: bool,
    /// Where the search for keys starts.
    pub begin_search: BeginSearch,
    /// Which arguments, from where the search began, are keys.
    pub find_keys: FindKeys,
}

impl KeySpec {
    /// A spec with no flags that knows nothing of where its keys are yet.
    pub(crate) fn unknown() -> Self {
        KeySpec {
            access: None,
            channel: false,
            incomplete: false,
            variable_flags: false,
            begin_search: BeginSearch::Unknown,
            find_keys: FindKeys::Unknown,
        }
    }

    fn admits_many(&self) -> bool {
        match self.find_keys {
            FindKeys::Range { lastkey, step, .. } => lastkey < 0 || lastkey >= step,
            FindKeys::Keynum { .. } | FindKeys::Unknown => true,
        }
    }
}

/// The access flag of a key spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// Read only.
    Ro,
    /// Read and write.
    Rw,
    /// Overwrite: the old value is not read.
    Ow,
    /// Remove.
    Rm,
}

impl KeyAccess {
    const ALL: [(KeyAccess, &'static str); 4] = [
        (KeyAccess::Ro, "RO"),
        (KeyAccess::Rw, "RW"),
        (KeyAccess::Ow, "OW"),
        (KeyAccess::Rm, "RM"),
    ];

    fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("", |(_, s)| s)
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, s)| *s == name).map(|(a, _)| *a)
    }
}

/// Where the search for keys starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument index (argv[0] is the command name).
    Index {
        /// The index.
        pos: i32,
    },
    /// After a keyword, searched case-insensitively from `startfrom` (forward when
    /// positive, backward from `argc + startfrom` when negative).
    Keyword {
        /// The keyword, upper case.
        keyword: String,
        /// Where the search starts.
        startfrom: i32,
    },
    /// Not describable by a spec; Redis uses its getkeys function.
    Unknown,
}

/// Which arguments, from where the search began, are keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindKeys {
    /// A range: up to `lastkey` (relative to the first key when `>= 0`, from the end
    /// of argv when negative), every `step`-th argument; `limit > 0` (with
    /// `lastkey == -1`) takes only `1/limit` of the remaining arguments.
    Range {
        /// Last key, relative to the first key, or negative from the end.
        lastkey: i32,
        /// Distance between keys.
        step: i32,
        /// Divisor of the remaining arguments, 0 for none.
        limit: i32,
    },
    /// The number of keys is an argument: `argv[first + keynumidx]`; the keys start at
    /// `first + firstkey`, every `step`-th argument.
    Keynum {
        /// Index of the key count, relative to where the search began.
        keynumidx: i32,
        /// Index of the first key, relative to where the search began.
        firstkey: i32,
        /// Distance between keys.
        step: i32,
    },
    /// Not describable by a spec.
    Unknown,
}

/// The key positions of one call, in the order Redis reports them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPositions {
    positions: Vec<KeyPosition>,
}

/// One key (or sharded channel) argument of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPosition {
    /// Index into the full argv (argv[0] is the command name).
    pub index: usize,
    /// A sharded pub/sub channel rather than a key: it hashes to a slot all the same.
    pub channel: bool,
}

impl KeyPositions {
    /// All positions, keys and channels, in Redis order.
    pub fn as_slice(&self) -> &[KeyPosition] {
        &self.positions
    }

    /// Iterates over all positions.
    pub fn iter(&self) -> std::slice::Iter<'_, KeyPosition> {
        self.positions.iter()
    }

    /// The argv indices of all positions (keys and channels).
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.positions.iter().map(|p| p.index)
    }

    /// Number of positions.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// No key and no channel.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

impl<'a> IntoIterator for &'a KeyPositions {
    type Item = &'a KeyPosition;
    type IntoIter = std::slice::Iter<'a, KeyPosition>;

    fn into_iter(self) -> Self::IntoIter {
        self.positions.iter()
    }
}

/// Looks a command up by its first one or two arguments, case-insensitively, as Redis
/// does: when `argv0` is a container (OBJECT, XINFO, CLIENT…) and `argv1` is given,
/// the subcommand (`None` when there is no such subcommand); otherwise `argv0` itself.
pub fn lookup(argv0: &str, argv1: Option<&str>) -> Option<&'static CommandSpec> {
    table().lookup(argv0.as_bytes(), argv1.map(str::as_bytes))
}

/// The key positions of a call, `argv[0]` being the command name: keys in the order
/// `COMMAND GETKEYS` lists them (duplicates kept, as Redis keeps them), then sharded
/// channels.
///
/// `None` when the command is unknown or Redis would refuse the call: wrong number of
/// arguments, or a key count that is not a number, is negative, or runs past argv.
/// A known command without keys gives an empty list (Redis's GETKEYS answers "no key
/// arguments"). Never panics.
pub fn key_positions<S: AsRef<[u8]>>(argv: &[S]) -> Option<KeyPositions> {
    let (name, rest) = argv.split_first()?;
    let command = table().lookup(name.as_ref(), rest.first().map(AsRef::as_ref))?;
    keys::positions(command, argv)
}

/// Every command in the table, sorted by name.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    table().commands.iter()
}

struct Table {
    commands: Vec<CommandSpec>,
    by_name: HashMap<String, usize>,
    containers: HashSet<String>,
}

impl Table {
    fn new(commands: Vec<CommandSpec>) -> Self {
        let by_name = commands
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        let containers = commands
            .iter()
            .filter_map(|c| c.container().map(str::to_owned))
            .collect();
        Table {
            commands,
            by_name,
            containers,
        }
    }

    fn find(&self, name: &[u8]) -> Option<&CommandSpec> {
        let name = std::str::from_utf8(name).ok()?.to_ascii_uppercase();
        self.by_name.get(&name).map(|&i| &self.commands[i])
    }

    fn lookup(&self, argv0: &[u8], argv1: Option<&[u8]>) -> Option<&CommandSpec> {
        let base = self.find(argv0)?;
        match argv1 {
            Some(sub) if self.containers.contains(&base.name) => {
                let mut full = base.name.as_bytes().to_vec();
                full.push(b' ');
                full.extend_from_slice(sub);
                self.find(&full)
            }
            _ => Some(base),
        }
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let commands = parse_table(TABLE_YAML)
            .unwrap_or_else(|e| panic!("rules/commands.yaml is invalid (regenerate it): {e}"));
        Table::new(commands)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    commands: BTreeMap<String, RawCommand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    arity: i32,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    getkeys: Option<String>,
    #[serde(default)]
    keys: Vec<String>,
}

/// Parses the text of `rules/commands.yaml`; commands come out sorted by name.
fn parse_table(text: &str) -> Result<Vec<CommandSpec>, String> {
    let raw: RawTable = marked_yaml::from_yaml(0, text).map_err(|e| e.to_string())?;
    raw.commands
        .into_iter()
        .map(|(name, raw)| {
            let mut command = CommandSpec {
                name,
                arity: raw.arity,
                write: false,
                readonly: false,
                no_mandatory_keys: false,
                getkeys: None,
                key_specs: Vec::new(),
            };
            for flag in &raw.flags {
                match flag.as_str() {
                    "write" => command.write = true,
                    "readonly" => command.readonly = true,
                    "no_mandatory_keys" => command.no_mandatory_keys = true,
                    _ => return Err(format!("{}: unknown flag `{flag}`", command.name)),
                }
            }
            if let Some(getkeys) = &raw.getkeys {
                command.getkeys = Some(
                    GetKeysProc::from_c_name(getkeys)
                        .ok_or_else(|| format!("{}: unknown getkeys `{getkeys}`", command.name))?,
                );
            }
            command.key_specs = raw
                .keys
                .iter()
                .map(|spec| spec.parse().map_err(|e| format!("{}: {e}", command.name)))
                .collect::<Result<_, _>>()?;
            Ok(command)
        })
        .collect()
}
