//! The YAML form: a `topology:` block (`nodes: { NAME: RANGES, … }`, or a file name
//! pointing at a saved CLUSTER reply) and the errors that carry its line and column.

use std::path::Path;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, Node, Span};

use super::{parse_range, Builder, Topology, TopologyError, TopologyFormat};

impl Topology {
    pub(super) fn parse_yaml_text(path: &str, text: &str) -> Result<Self, TopologyError> {
        let root = marked_yaml::parse_yaml(0, text).map_err(|e| yaml_load_error(path, &e))?;
        let map = root.as_mapping().ok_or_else(|| {
            yaml_error(
                path,
                root.span(),
                "expected a mapping with `topology:` or `nodes:`".to_owned(),
            )
        })?;
        if let Some(inner) = map.get_node("topology") {
            Self::from_yaml_node(path, inner)
        } else if map.get_node("nodes").is_some() {
            Self::from_yaml_node(path, &root)
        } else {
            Err(yaml_error(
                path,
                root.span(),
                "no topology found: expected `topology: { nodes: { NAME: \"0-5460\", … } }`, \
                 or a saved CLUSTER NODES / SLOTS / SHARDS reply"
                    .to_owned(),
            ))
        }
    }

    /// Builds a topology from the YAML value of a `topology:` key: a mapping
    /// `nodes: { NAME: RANGES, … }` where RANGES is `"0-5460"`, `"42"`,
    /// `"0-100,200-300"` or a list of those; or a string naming a topology file
    /// (a saved CLUSTER reply, say) relative to the directory of `path`. Errors
    /// carry the node's line and column; `path` names the YAML file in them.
    pub fn from_yaml_node(path: &str, node: &Node) -> Result<Self, TopologyError> {
        if let Node::Scalar(file) = node {
            let base = Path::new(path).parent().unwrap_or(Path::new(""));
            let target = base.join(file.as_str());
            if !target.is_file() {
                return Err(yaml_error(
                    path,
                    file.span(),
                    format!(
                        "topology file `{}` not found (a relative path is taken from the directory of this file)",
                        target.display()
                    ),
                ));
            }
            return Self::load(&target);
        }
        let map = node.as_mapping().ok_or_else(|| {
            yaml_error(
                path,
                node.span(),
                "topology must be a mapping like `nodes: { A: \"0-5460\", B: \"5461-16383\" }`"
                    .to_owned(),
            )
        })?;
        let mut nodes_map: Option<&MarkedMappingNode> = None;
        for (key, value) in map.iter() {
            if key.as_str() == "nodes" {
                nodes_map = Some(value.as_mapping().ok_or_else(|| {
                    yaml_error(
                        path,
                        value.span(),
                        "`nodes` must map node names to slot ranges, like `A: \"0-5460\"`"
                            .to_owned(),
                    )
                })?);
            } else {
                return Err(yaml_error(
                    path,
                    key.span(),
                    format!(
                        "unknown key `{}` in topology (expected `nodes`)",
                        key.as_str()
                    ),
                ));
            }
        }
        let nodes_map = nodes_map.ok_or_else(|| {
            yaml_error(
                path,
                map.span(),
                "topology has no `nodes:` mapping".to_owned(),
            )
        })?;
        let mut builder = Builder::new();
        for (name, value) in nodes_map.iter() {
            if name.as_str().trim().is_empty() {
                return Err(yaml_error(path, name.span(), "empty node name".to_owned()));
            }
            let index = builder
                .node_index(name.as_str())
                .map_err(|m| yaml_error(path, name.span(), m))?;
            let scalars: Vec<&MarkedScalarNode> = match value {
                Node::Scalar(s) => vec![s],
                Node::Sequence(seq) => seq
                    .iter()
                    .map(|item| {
                        item.as_scalar().ok_or_else(|| {
                            yaml_error(
                                path,
                                item.span(),
                                "expected a slot range like \"0-5460\" or \"42\"".to_owned(),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                Node::Mapping(m) => {
                    return Err(yaml_error(
                        path,
                        m.span(),
                        format!(
                            "slots of node `{}` must be a range string like \"0-5460\" or a list of them",
                            name.as_str()
                        ),
                    ))
                }
            };
            for scalar in scalars {
                let line = scalar.span().start().map_or(0, marked_yaml::Marker::line);
                for piece in scalar.as_str().split(',') {
                    parse_range(piece)
                        .and_then(|r| builder.assign(r, index, line))
                        .map_err(|m| yaml_error(path, scalar.span(), m))?;
                }
            }
        }
        Ok(builder.finish(TopologyFormat::Yaml))
    }
}

fn yaml_error(path: &str, span: &Span, message: String) -> TopologyError {
    let start = span.start();
    TopologyError {
        path: path.to_owned(),
        line: start.map(marked_yaml::Marker::line),
        column: start.map(marked_yaml::Marker::column),
        message,
    }
}

fn yaml_load_error(path: &str, error: &LoadError) -> TopologyError {
    let (marker, message) = match error {
        LoadError::TopLevelMustBeMapping(m) => (*m, "top level must be a mapping".to_owned()),
        LoadError::TopLevelMustBeSequence(m) => (*m, "top level must be a sequence".to_owned()),
        LoadError::UnexpectedAnchor(m) => (*m, "YAML anchors are not supported".to_owned()),
        LoadError::MappingKeyMustBeScalar(m) => (*m, "mapping keys must be scalars".to_owned()),
        LoadError::UnexpectedTag(m) => (*m, "YAML tags are not supported".to_owned()),
        LoadError::ScanError(m, e) => (*m, format!("invalid YAML: {}", e.info())),
        LoadError::DuplicateKey(inner) => match inner.key.span().start() {
            Some(m) => (*m, format!("duplicate key `{}`", inner.key.as_str())),
            None => (
                marked_yaml::Marker::new(0, 0, 1, 1),
                format!("duplicate key `{}`", inner.key.as_str()),
            ),
        },
    };
    TopologyError {
        path: path.to_owned(),
        line: Some(marker.line()),
        column: Some(marker.column()),
        message,
    }
}
