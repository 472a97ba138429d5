//! The compact text form of a key spec in `rules/commands.yaml`
//! (`RO index 1 range last=-1`): writing it and reading it back.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::{BeginSearch, FindKeys, KeyAccess, KeySpec};

/// The compact text form used in `rules/commands.yaml`:
/// `[FLAGS] BEGIN FIND`, e.g. `RO index 1 range last=-1`,
/// `OW keyword STORE from=6 range last=0`, `RO index 2 keynum idx=0 first=1`.
impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut flags: Vec<&str> = self.access.iter().map(|a| a.as_str()).collect();
        for (on, name) in [
            (self.channel, "NOT_KEY"),
            (self.incomplete, "INCOMPLETE"),
            (self.variable_flags, "VARIABLE_FLAGS"),
        ] {
            if on {
                flags.push(name);
            }
        }
        if !flags.is_empty() {
            write!(f, "{} ", flags.join(","))?;
        }
        match &self.begin_search {
            BeginSearch::Index { pos } => write!(f, "index {pos}")?,
            BeginSearch::Keyword { keyword, startfrom } => {
                write!(f, "keyword {keyword} from={startfrom}")?;
            }
            BeginSearch::Unknown => {
                f.write_str("unknown")?;
                if self.find_keys == FindKeys::Unknown {
                    return Ok(());
                }
            }
        }
        match self.find_keys {
            FindKeys::Range {
                lastkey,
                step,
                limit,
            } => {
                write!(f, " range last={lastkey}")?;
                if step != 1 {
                    write!(f, " step={step}")?;
                }
                if limit != 0 {
                    write!(f, " limit={limit}")?;
                }
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                step,
            } => {
                write!(f, " keynum idx={keynumidx} first={firstkey}")?;
                if step != 1 {
                    write!(f, " step={step}")?;
                }
            }
            FindKeys::Unknown => f.write_str(" unknown")?,
        }
        Ok(())
    }
}

impl FromStr for KeySpec {
    type Err = String;

    /// Parses the compact form written by [`KeySpec`]'s `Display`.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("key spec `{text}`: {why}");
        let mut tokens = text.split(' ').peekable();
        let mut spec = KeySpec::unknown();
        if let Some(first) = tokens.peek() {
            if !matches!(*first, "index" | "keyword" | "unknown") {
                for flag in first.split(',') {
                    match flag {
                        "NOT_KEY" => spec.channel = true,
                        "INCOMPLETE" => spec.incomplete = true,
                        "VARIABLE_FLAGS" => spec.variable_flags = true,
                        _ => match KeyAccess::from_name(flag) {
                            Some(access) if spec.access.is_none() => spec.access = Some(access),
                            _ => return Err(bad(&format!("unexpected flag `{flag}`"))),
                        },
                    }
                }
                tokens.next();
            }
        }
        spec.begin_search = match tokens.next() {
            Some("index") => BeginSearch::Index {
                pos: int_token(tokens.next(), None).map_err(|e| bad(&e))?,
            },
            Some("keyword") => {
                let keyword = tokens.next().ok_or_else(|| bad("missing keyword"))?;
                let startfrom = int_token(tokens.next(), Some("from")).map_err(|e| bad(&e))?;
                BeginSearch::Keyword {
                    keyword: keyword.to_owned(),
                    startfrom,
                }
            }
            Some("unknown") => BeginSearch::Unknown,
            other => {
                return Err(bad(&format!(
                    "expected index/keyword/unknown, got {other:?}"
                )))
            }
        };
        spec.find_keys = match tokens.next() {
            None if spec.begin_search == BeginSearch::Unknown => FindKeys::Unknown,
            Some("unknown") => FindKeys::Unknown,
            Some(kind @ ("range" | "keynum")) => {
                let mut fields = BTreeMap::new();
                for token in tokens.by_ref() {
                    let (key, value) = token
                        .split_once('=')
                        .ok_or_else(|| bad(&format!("expected key=value, got `{token}`")))?;
                    let value = int_token(Some(value), None).map_err(|e| bad(&e))?;
                    if fields.insert(key, value).is_some() {
                        return Err(bad(&format!("`{key}` given twice")));
                    }
                }
                let mut take = |key: &str, default: Option<i32>| {
                    fields
                        .remove(key)
                        .or(default)
                        .ok_or_else(|| bad(&format!("missing `{key}=`")))
                };
                let find = if kind == "range" {
                    FindKeys::Range {
                        lastkey: take("last", None)?,
                        step: take("step", Some(1))?,
                        limit: take("limit", Some(0))?,
                    }
                } else {
                    FindKeys::Keynum {
                        keynumidx: take("idx", None)?,
                        firstkey: take("first", None)?,
                        step: take("step", Some(1))?,
                    }
                };
                if let Some(key) = fields.keys().next() {
                    return Err(bad(&format!("unexpected `{key}=`")));
                }
                find
            }
            other => {
                return Err(bad(&format!(
                    "expected range/keynum/unknown, got {other:?}"
                )))
            }
        };
        if let Some(extra) = tokens.next() {
            return Err(bad(&format!("unexpected `{extra}`")));
        }
        Ok(spec)
    }
}

/// An integer token, optionally written `prefix=N`.
fn int_token(token: Option<&str>, prefix: Option<&str>) -> Result<i32, String> {
    let token = token.ok_or("missing number")?;
    let digits = match prefix {
        Some(prefix) => token
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('='))
            .ok_or_else(|| format!("expected `{prefix}=N`, got `{token}`"))?,
        None => token,
    };
    digits.parse().map_err(|_| format!("bad number `{token}`"))
}
