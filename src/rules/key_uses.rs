//! Distinct keys: of a file, each judged once with how often it is used;
//! of a set of keys, first occurrence kept.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use crate::keypattern::KeyPattern;
use crate::model::{Family, FileModel, Key, Span};

/// One distinct key pattern of a file, judged once: where it first appears
/// and how often it is used. A schema family is its own entry.
pub(crate) struct KeyUse<'a> {
    pub(crate) pattern: &'a KeyPattern,
    /// The first occurrence, or the family's entry in the schema.
    pub(crate) span: Span,
    pub(crate) uses: usize,
    pub(crate) family: Option<&'a Family>,
}

impl KeyUse<'_> {
    /// `used 3 times in this file`, when the key repeats.
    pub(crate) fn uses_note(&self) -> Option<String> {
        (self.uses > 1).then(|| format!("used {} times in this file", self.uses))
    }
}

/// The distinct keys of the ops (sorted by span, first occurrence wins), then
/// the schema families. Schema transaction members (ops with an empty
/// command) are skipped: their families are already in `model.families`.
pub(crate) fn key_uses(model: &FileModel) -> Vec<KeyUse<'_>> {
    let mut keys: Vec<_> = model
        .ops
        .iter()
        .filter(|op| !op.command.is_empty())
        .flat_map(|op| &op.keys)
        .collect();
    keys.sort_by_key(|k| k.span);
    let mut out: Vec<KeyUse<'_>> = Vec::new();
    let mut seen: HashMap<&KeyPattern, usize> = HashMap::new();
    for key in keys {
        match seen.entry(&key.pattern) {
            Entry::Occupied(e) => out[*e.get()].uses += 1,
            Entry::Vacant(e) => {
                e.insert(out.len());
                out.push(KeyUse {
                    pattern: &key.pattern,
                    span: key.span,
                    uses: 1,
                    family: None,
                });
            }
        }
    }
    out.extend(model.families.iter().map(|f| KeyUse {
        pattern: &f.pattern,
        span: f.span,
        uses: 1,
        family: Some(f),
    }));
    out
}

/// Distinct keys (by pattern), first occurrence kept.
pub(crate) fn distinct_keys<'k>(keys: &[(usize, &'k Key)]) -> Vec<(usize, &'k Key)> {
    let mut seen: std::collections::HashSet<&KeyPattern> = std::collections::HashSet::new();
    keys.iter()
        .copied()
        .filter(|(_, k)| seen.insert(&k.pattern))
        .collect()
}

/// Distinct key patterns, in first-occurrence order.
pub(crate) fn distinct_patterns<'k>(keys: &[(usize, &'k Key)]) -> Vec<&'k KeyPattern> {
    distinct_keys(keys)
        .into_iter()
        .map(|(_, k)| &k.pattern)
        .collect()
}
