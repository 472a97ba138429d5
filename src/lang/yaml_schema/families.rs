//! `keys:`: families (a pattern, optionally a type, cardinality, qps and a
//! description), their placeholder checks and the cardinality of tag holes.

use marked_yaml::types::MarkedScalarNode;
use marked_yaml::Node;

use super::{is_null, Reader, SchemaError};
use crate::keypattern::{parse_placeholders, KeyPattern, Segment};
use crate::model::{Family, FileModel};

/// Redis value types a family may declare.
const TYPES: &[&str] = &[
    "string",
    "hash",
    "list",
    "set",
    "zset",
    "stream",
    "json",
    "bitmap",
    "hyperloglog",
    "geo",
    "timeseries",
    "bloom",
];

/// Checks `<name>` placeholders; returns the byte index of the culprit and
/// the message.
pub(super) fn check_placeholders(pattern: &str) -> Result<(), (usize, String)> {
    let mut from = 0;
    while let Some(open) = pattern[from..].find('<').map(|i| from + i) {
        let Some(close) = pattern[open + 1..].find('>').map(|i| open + 1 + i) else {
            return Err((
                open,
                format!("unclosed placeholder in pattern `{pattern}` (a `<` needs a closing `>`)"),
            ));
        };
        let name = &pattern[open + 1..close];
        if name.is_empty() {
            return Err((
                open,
                format!("empty placeholder `<>` in pattern `{pattern}`"),
            ));
        }
        let mut chars = name.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err((
                open,
                format!(
                    "invalid placeholder `<{name}>` in pattern `{pattern}` (names match `[A-Za-z_][A-Za-z0-9_.-]*`)"
                ),
            ));
        }
        from = close + 1;
    }
    Ok(())
}

/// The pattern with `domain` set on every hole inside its hash tag.
fn with_tag_domain(pattern: &KeyPattern, domain: u64) -> KeyPattern {
    let segments = pattern.segments();
    // (segment, byte) of the first `{`, then of the first `}` after it.
    let mut open = None;
    let mut close = None;
    for (i, segment) in segments.iter().enumerate() {
        let Segment::Lit(bytes) = segment else {
            continue;
        };
        let from = match open {
            None => match bytes.iter().position(|&b| b == b'{') {
                Some(p) => {
                    open = Some((i, p));
                    p + 1
                }
                None => continue,
            },
            Some(_) => 0,
        };
        if let Some(p) = bytes[from..].iter().position(|&b| b == b'}') {
            close = Some((i, from + p));
            break;
        }
    }
    let (Some((open_seg, _)), Some((close_seg, _))) = (open, close) else {
        return pattern.clone();
    };
    KeyPattern::new(segments.iter().enumerate().map(|(i, s)| match s {
        Segment::Hole(h) if i > open_seg && i < close_seg => {
            let mut h = h.clone();
            h.domain = Some(domain);
            Segment::Hole(h)
        }
        other => other.clone(),
    }))
}

impl Reader<'_> {
    pub(super) fn families(
        &self,
        key: &MarkedScalarNode,
        value: &Node,
        model: &mut FileModel,
    ) -> Result<(), SchemaError> {
        let example = "user_cart: \"{user:<user_id>}:cart\"";
        let Some(map) = self.section(key, value, example)? else {
            return Ok(());
        };
        for (name, entry) in map.iter() {
            if name.as_str().trim().is_empty() {
                return Err(self.at(name, "empty family name".into()));
            }
            let family = self.family(name, entry)?;
            model.families.push(family);
        }
        Ok(())
    }

    fn family(&self, name: &MarkedScalarNode, entry: &Node) -> Result<Family, SchemaError> {
        let family = name.as_str();
        let (mut pattern, mut cardinality, mut qps) = (None, None, None);
        match entry {
            _ if is_null(entry) => {}
            Node::Scalar(s) => pattern = Some(s),
            Node::Mapping(fields) => {
                for (field, value) in fields.iter() {
                    match field.as_str() {
                        "pattern" => match value {
                            Node::Scalar(s) if !is_null(value) => pattern = Some(s),
                            Node::Scalar(_) => {
                                return Err(self.at(field, format!("family `{family}` has an empty pattern")))
                            }
                            _ => return Err(self.at_value(field, value, format!(
                                "`pattern` of family `{family}` must be a string (quote patterns that start with a hash tag, like \"{{session}}:<id>\")"
                            ))),
                        },
                        "type" => self.redis_type(family, field, value)?,
                        "cardinality" => cardinality = Some(self.positive(family, field, value)?),
                        "qps" => qps = Some(self.positive(family, field, value)?),
                        "description" => self.description(&format!("family `{family}`"), field, value)?,
                        other => {
                            return Err(self.at(field, format!(
                                "unknown field `{other}` in family `{family}` (expected `pattern`, `type`, `cardinality`, `qps` or `description`)"
                            )))
                        }
                    }
                }
            }
            Node::Sequence(_) => {
                return Err(self.at_value(
                    name,
                    entry,
                    format!(
                        "family `{family}` must be a pattern string or a mapping with `pattern:`"
                    ),
                ))
            }
        }
        let Some(pattern_node) = pattern else {
            return Err(self.at(name, format!("family `{family}` has no `pattern`")));
        };
        let text = pattern_node.as_str();
        if text.is_empty() {
            return Err(self.at(
                pattern_node,
                format!("family `{family}` has an empty pattern"),
            ));
        }
        check_placeholders(text).map_err(|(index, message)| {
            let offset = self
                .text
                .verbatim_start(pattern_node)
                .map_or_else(|| self.text.start(pattern_node.span()), |s| s + index);
            self.err(offset, message)
        })?;
        let mut parsed = parse_placeholders(text);
        if let Some(domain) = cardinality {
            parsed = with_tag_domain(&parsed, domain);
        }
        Ok(Family {
            name: family.to_owned(),
            pattern: parsed,
            span: self.text.scalar_span(name),
            pattern_span: self.text.scalar_span(pattern_node),
            cardinality,
            qps,
        })
    }

    fn redis_type(
        &self,
        family: &str,
        field: &MarkedScalarNode,
        value: &Node,
    ) -> Result<(), SchemaError> {
        let known = value
            .as_scalar()
            .is_some_and(|s| TYPES.iter().any(|t| t.eq_ignore_ascii_case(s.as_str())));
        if known {
            return Ok(());
        }
        let shown = value.as_scalar().map_or("", MarkedScalarNode::as_str);
        Err(self.at_value(
            field,
            value,
            format!(
                "unknown type `{shown}` for family `{family}` (expected one of {})",
                TYPES.join(", ")
            ),
        ))
    }

    fn positive(
        &self,
        family: &str,
        field: &MarkedScalarNode,
        value: &Node,
    ) -> Result<u64, SchemaError> {
        let scalar = value.as_scalar().filter(|s| s.may_coerce());
        let text = scalar.map_or("", |s| s.as_str());
        match text.parse::<u64>() {
            Ok(n) if n > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(self.at_value(
                field,
                value,
                format!(
                    "`{}` of family `{family}` must be a positive integer, not `{}`",
                    field.as_str(),
                    value
                        .as_scalar()
                        .map_or("a list or mapping", |s| s.as_str())
                ),
            )),
        }
    }

    pub(super) fn description(
        &self,
        owner: &str,
        field: &MarkedScalarNode,
        value: &Node,
    ) -> Result<(), SchemaError> {
        if value.as_scalar().is_some() {
            Ok(())
        } else {
            Err(self.at_value(
                field,
                value,
                format!("`description` of {owner} must be a string"),
            ))
        }
    }
}
