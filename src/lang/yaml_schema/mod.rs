//! YAML key schemas: declared key families, the transactions that use them
//! together and an optional slot → node topology, mapped to the model
//! (families; one op per transaction member; one transaction group each).
//!
//! Spans are byte offsets into the source. `marked-yaml` gives only start
//! markers (character index, line, character column) and no end for scalars,
//! so ends are found in the source text: the closing quote of a quoted scalar,
//! the value's own text for a plain one.
//!
//! Layout: `text` (byte offsets, line/column, spans, and the guards run on the raw
//! text before parsing), `families` (`keys:`), `transactions`; the top level, the
//! errors and `topology:` are here.

mod families;
#[cfg(test)]
mod tests;
mod text;
mod transactions;

use std::fmt;
use std::path::{Path, PathBuf};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, LoaderOptions, Node};

use crate::model::{FileModel, Span};
use crate::topology::{Topology, TopologyError};

pub(crate) use text::second_document;
use text::{check_nesting, unquoted_tag_on, Text};

/// The key-schema front-end.
pub const FRONT_END: super::FrontEnd = super::FrontEnd {
    name: "key-schema",
    extensions: &[],
    suffixes: &[".keys.yaml", ".keys.yml"],
    editor_ids: &[],
    fences: &["yaml"],
    comments: super::CommentSyntax::Yaml,
    prefilter: super::always,
    parse: parse_file,
    reparse: None,
};

/// A schema file as a front-end reads it: its model, or the user error that
/// stops the run (a topology kept in its own file must load, like an inline one).
fn parse_file(
    file: &crate::source::SourceFile,
    _: &crate::project::Project,
) -> Result<super::Output, String> {
    let schema = parse(&file.path, &file.text).map_err(|e| e.to_string())?;
    if let Some(path) = &schema.topology_file {
        if let Err(e) = Topology::load(path) {
            let (line, col) = file.line_col(schema.topology_span.map_or(0, |s| s.start));
            return Err(format!("{}:{line}:{col}: topology: {e}", file.path));
        }
    }
    Ok(super::Output {
        model: schema.model,
        ..super::Output::default()
    })
}

/// A parsed key schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Families, and one op per transaction member plus one group per transaction.
    pub model: FileModel,
    /// The inline `topology: { nodes: … }`.
    pub topology: Option<Topology>,
    /// `topology: "path"`: a saved `CLUSTER SHARDS` / `CLUSTER NODES` reply,
    /// resolved against the schema's directory. Not read by the parser.
    pub topology_file: Option<PathBuf>,
    /// Where the `topology:` value is written, for errors met loading the file.
    pub topology_span: Option<Span>,
}

/// A schema that cannot be used: `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The schema as the user named it.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counting characters.
    pub column: usize,
    /// Lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for SchemaError {}

/// Stack for the YAML parser thread: `yaml-rust2` recurses once per nesting
/// level, and [`check_nesting`] bounds the levels well within this.
const PARSE_STACK: usize = 32 << 20;

/// What a schema named for the whole run (config `schema:`, `--schema`)
/// gives every file: its families and its topology.
#[derive(Debug, Default)]
pub struct Declared {
    /// Each family with its pattern, and the schema as the user named it.
    pub families: Vec<(String, crate::keypattern::KeyPattern, String)>,
    pub topology: Option<Topology>,
}

/// Reads the schema at `path` (at most `limit` bytes) for [`Declared`]. A
/// file that cannot be read or parsed gives nothing: its own analysis reports why.
pub fn declared(path: &std::path::Path, shown: &str, limit: u64) -> Declared {
    let text = crate::source::read_file(path, limit).and_then(crate::source::decode);
    let Ok(text) = text else {
        return Declared::default();
    };
    let Ok(schema) = parse(&path.to_string_lossy(), &text) else {
        return Declared::default();
    };
    let topology = match (schema.topology, schema.topology_file) {
        (Some(t), _) => Some(t),
        (None, Some(file)) => Topology::load(&file).ok(),
        (None, None) => None,
    };
    Declared {
        families: schema
            .model
            .families
            .into_iter()
            .map(|f| (f.name, f.pattern, shown.to_string()))
            .collect(),
        topology,
    }
}

/// Parses a key schema. `path_for_messages` names the file in errors and is
/// the base for a relative `topology:` file. Never panics.
pub fn parse(path_for_messages: &str, source: &[u8]) -> Result<Schema, SchemaError> {
    let run = move || parse_here(path_for_messages, source);
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("slotlint-schema".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, run)
        {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(SchemaError {
                    path: path_for_messages.to_owned(),
                    line: 1,
                    column: 1,
                    message: "internal error while reading the schema (please report it)".into(),
                })
            }),
            Err(_) => run(),
        }
    })
}

fn parse_here(path: &str, source: &[u8]) -> Result<Schema, SchemaError> {
    let full = std::str::from_utf8(source).map_err(|e| {
        let text = Text::new(std::str::from_utf8(&source[..e.valid_up_to()]).unwrap_or(""));
        let byte = source[e.valid_up_to()];
        text.error(
            path,
            e.valid_up_to(),
            format!("schema is not valid UTF-8 (byte 0x{byte:02x})"),
        )
    })?;
    let text = Text::new(full);
    if let Some(offset) = check_nesting(full) {
        return Err(text.error(path, offset, "schema nests too deeply".into()));
    }
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    let root = marked_yaml::parse_yaml_with_options(0, text.parsed(), options)
        .map_err(|e| Reader { path, text: &text }.load_error(&e))?;
    if let Some(offset) = second_document(full) {
        return Err(text.error(
            path,
            offset,
            "a schema file holds one YAML document, and this starts another".into(),
        ));
    }
    Reader { path, text: &text }.schema(&root)
}

/// A plain empty or null scalar: a key written with no value.
fn is_null(node: &Node) -> bool {
    node.as_scalar().is_some_and(|s| {
        s.may_coerce() && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL")
    })
}

/// Walks the YAML tree into a [`Schema`].
struct Reader<'a> {
    path: &'a str,
    text: &'a Text<'a>,
}

impl Reader<'_> {
    fn err(&self, offset: usize, message: String) -> SchemaError {
        self.text.error(self.path, offset, message)
    }

    fn at(&self, node: &MarkedScalarNode, message: String) -> SchemaError {
        self.err(self.text.start(node.span()), message)
    }

    /// An error about `value` (of `key`): at the value when its start is
    /// known (a written scalar, a flow collection, a block sequence), else at the key.
    fn at_value(&self, key: &MarkedScalarNode, value: &Node, message: String) -> SchemaError {
        let offset = self.text.start(value.span());
        let precise = match value {
            // An empty plain scalar is marked at the next token.
            Node::Scalar(s) => !(s.may_coerce() && s.as_str().is_empty()),
            Node::Sequence(_) => true,
            Node::Mapping(_) => self.text.full.as_bytes().get(offset) == Some(&b'{'),
        };
        if precise {
            self.err(offset, message)
        } else {
            self.at(key, message)
        }
    }

    fn load_error(&self, error: &LoadError) -> SchemaError {
        let (marker, message) = match error {
            LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => (
                m,
                "a schema must be a YAML mapping with `keys:`, `transactions:` and `topology:`"
                    .to_owned(),
            ),
            LoadError::UnexpectedAnchor(m) => (
                m,
                "YAML anchors and aliases are not supported in schemas".to_owned(),
            ),
            LoadError::UnexpectedTag(m) => (m, "YAML tags are not supported in schemas".to_owned()),
            LoadError::MappingKeyMustBeScalar(m) => (
                m,
                "mapping keys must be names, not lists or mappings".to_owned(),
            ),
            LoadError::ScanError(m, e) => {
                let offset = self.text.offset(m);
                let (line, _) = self.text.line_col(offset);
                let line_text = self.text.full.lines().nth(line - 1).unwrap_or("");
                let hint = if unquoted_tag_on(line_text) {
                    " (quote patterns that start with a hash tag, like \"{session}:<id>\")"
                } else {
                    ""
                };
                (m, format!("invalid YAML: {}{hint}", e.info()))
            }
            LoadError::DuplicateKey(inner) => return self.duplicate(&inner.prev_key, &inner.key),
        };
        self.err(self.text.offset(marker), message)
    }

    /// A duplicate key, named by what it declares (found with a lenient re-parse).
    fn duplicate(&self, first: &MarkedScalarNode, second: &MarkedScalarNode) -> SchemaError {
        let first_at = self.text.start(first.span());
        let lenient = LoaderOptions::default().prevent_coercion(true);
        let what = marked_yaml::parse_yaml_with_options(0, self.text.parsed(), lenient)
            .ok()
            .and_then(|root| {
                let map = root.as_mapping()?;
                let holds = |section: &str| {
                    map.get_mapping(section).is_some_and(|m| {
                        m.keys().any(|k| {
                            k.span().start().map(|s| self.text.offset(s)) == Some(first_at)
                        })
                    })
                };
                if holds("keys") {
                    Some("family")
                } else if holds("transactions") {
                    Some("transaction")
                } else {
                    None
                }
            })
            .unwrap_or("key");
        let (line, _) = self.text.line_col(first_at);
        self.at(
            second,
            format!(
                "duplicate {what} `{}` (first on line {line})",
                second.as_str()
            ),
        )
    }

    fn schema(&self, root: &Node) -> Result<Schema, SchemaError> {
        let Some(map) = root.as_mapping() else {
            return Err(self.err(
                self.text.start(root.span()),
                "a schema must be a YAML mapping with `keys:`, `transactions:` and `topology:`"
                    .into(),
            ));
        };
        let mut schema = Schema::default();
        let mut transactions = None;
        for (key, value) in map.iter() {
            match key.as_str() {
                "keys" => self.families(key, value, &mut schema.model)?,
                "transactions" => transactions = Some((key, value)),
                "topology" => self.topology(key, value, &mut schema)?,
                other => {
                    return Err(self.at(
                        key,
                        format!(
                            "unknown top-level key `{other}` (expected `keys`, `transactions` or `topology`)"
                        ),
                    ))
                }
            }
        }
        // Transactions may come before the families they name.
        if let Some((key, value)) = transactions {
            self.transactions(key, value, &mut schema.model)?;
        }
        Ok(schema)
    }

    fn section<'n>(
        &self,
        key: &MarkedScalarNode,
        value: &'n Node,
        example: &str,
    ) -> Result<Option<&'n MarkedMappingNode>, SchemaError> {
        if is_null(value) {
            return Ok(None);
        }
        value.as_mapping().map(Some).ok_or_else(|| {
            self.at_value(
                key,
                value,
                format!("`{}` must be a mapping, like `{example}`", key.as_str()),
            )
        })
    }

    fn topology(
        &self,
        key: &MarkedScalarNode,
        value: &Node,
        schema: &mut Schema,
    ) -> Result<(), SchemaError> {
        if is_null(value) {
            return Ok(());
        }
        if let Node::Scalar(file) = value {
            schema.topology_file = Some(
                Path::new(self.path)
                    .parent()
                    .unwrap_or_else(|| Path::new(""))
                    .join(file.as_str()),
            );
            schema.topology_span = Some(self.text.scalar_span(file));
        } else {
            let topology = Topology::from_yaml_node(self.path, value)
                .map_err(|e| self.topology_error(key, &e))?;
            schema.topology = Some(topology);
            schema.topology_span = Some(self.text.scalar_span(key));
        }
        Ok(())
    }

    fn topology_error(&self, key: &MarkedScalarNode, error: &TopologyError) -> SchemaError {
        let fallback = self.at(key, String::new());
        SchemaError {
            path: self.path.to_owned(),
            line: error.line.filter(|&l| l > 0).unwrap_or(fallback.line),
            column: error.column.filter(|&c| c > 0).unwrap_or(1),
            message: error.message.clone(),
        }
    }
}
