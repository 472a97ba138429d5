//! `transactions:`: each names families used together; one op per member and
//! one transaction group each.

use std::collections::HashMap;

use marked_yaml::types::{MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::Node;

use super::{is_null, Reader, SchemaError};
use crate::model::{FileModel, Group, GroupKind, Key, Op};

impl Reader<'_> {
    pub(super) fn transactions(
        &self,
        key: &MarkedScalarNode,
        value: &Node,
        model: &mut FileModel,
    ) -> Result<(), SchemaError> {
        let Some(map) = self.section(key, value, "checkout: [user_cart, user_profile]")? else {
            return Ok(());
        };
        let index: HashMap<&str, usize> = model
            .families
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.as_str(), i))
            .collect();
        for (name, entry) in map.iter() {
            if name.as_str().trim().is_empty() {
                return Err(self.at(name, "empty transaction name".into()));
            }
            let members = self.members(name, entry)?;
            let mut ops = Vec::new();
            for member in members.iter() {
                let Some(scalar) = member.as_scalar().filter(|_| !is_null(member)) else {
                    return Err(self.err(
                        self.text.start(member.span()),
                        format!(
                            "members of transaction `{}` must be family names",
                            name.as_str()
                        ),
                    ));
                };
                let Some(&family) = index.get(scalar.as_str()) else {
                    return Err(self.at(
                        scalar,
                        format!(
                            "unknown family `{}` in transaction `{}` (declare it under `keys:`)",
                            scalar.as_str(),
                            name.as_str()
                        ),
                    ));
                };
                let span = self.text.scalar_span(scalar);
                ops.push(model.ops.len());
                model.ops.push(Op {
                    command: String::new(),
                    span,
                    keys: vec![Key {
                        pattern: model.families[family].pattern.clone(),
                        span,
                    }],
                    args: Vec::new(),
                    client: None,
                });
            }
            model.groups.push(Group {
                kind: GroupKind::Transaction,
                span: self.text.scalar_span(name),
                ops,
                script: None,
                client: None,
                per_slot: false,
                assumption: None,
            });
        }
        Ok(())
    }

    /// The member list of a transaction: `[a, b]` or `{ keys: [a, b] }`.
    fn members<'n>(
        &self,
        name: &MarkedScalarNode,
        entry: &'n Node,
    ) -> Result<&'n MarkedSequenceNode, SchemaError> {
        let tx = name.as_str();
        let list = match entry {
            Node::Sequence(list) => list,
            Node::Mapping(fields) => {
                let mut keys = None;
                for (field, value) in fields.iter() {
                    match field.as_str() {
                        "keys" => {
                            keys = Some(value.as_sequence().ok_or_else(|| {
                                self.at_value(field, value, format!(
                                    "`keys` of transaction `{tx}` must be a list of family names"
                                ))
                            })?);
                        }
                        "description" => self.description(&format!("transaction `{tx}`"), field, value)?,
                        other => {
                            return Err(self.at(field, format!(
                                "unknown field `{other}` in transaction `{tx}` (expected `keys` or `description`)"
                            )))
                        }
                    }
                }
                keys.ok_or_else(|| self.at(name, format!("transaction `{tx}` has no `keys`")))?
            }
            Node::Scalar(_) => {
                return Err(self.at_value(
                    name,
                    entry,
                    format!(
                        "transaction `{tx}` must be a list of families or a mapping with `keys:`"
                    ),
                ))
            }
        };
        if list.is_empty() {
            return Err(self.at(name, format!("transaction `{tx}` lists no families")));
        }
        Ok(list)
    }
}
