//! Key patterns: a key as literal bytes and holes, its hash tag, and the
//! same-slot verdict for two patterns.
//!
//! Holes stand for interpolated values. They are assumed to be brace-free and
//! non-empty unless the front-end marks them otherwise (`may_contain_braces`),
//! which is what makes a verdict like `{user:<id>}:a` ≡ `{user:<id>}:b` sound.

use std::fmt;

use crate::slot;

/// An interpolated value inside a key.
///
/// Equality and hashing ignore [`Hole::field`]: the same value written in two
/// places is the same hole.
#[derive(Debug, Clone, Default)]
pub struct Hole {
    /// What fills the hole, as written in the code (`uid`, `self.prefix`,
    /// `user.id`), or `None` when nothing is known. Two holes with the same name
    /// in one group stand for the same value.
    pub name: Option<String>,
    /// The literal the code falls back to (`opts.prefix || 'bull'`).
    pub default: Option<Vec<u8>>,
    /// How many distinct values the hole can take, when the code or schema says
    /// (a bool: 2, a weekday: 7, `x % 100`: 100).
    pub domain: Option<u64>,
    /// The value may itself contain `{`/`}` (a whole key passed in as a
    /// parameter, a configurable prefix): the tag cannot be known.
    pub may_contain_braces: bool,
    /// The value is the current time cut to a period (`day`, `hour`): the
    /// same for every write of that period, a new one the next.
    pub period: Option<&'static str>,
    /// Where the value was written as a `{…}` replacement field (a Python
    /// f-string or `str.format`, Rust `format!`): braces that are syntax and
    /// look like a hash tag but are not one.
    pub field: Option<Box<BraceField>>,
}

/// A `{…}` replacement field in the source, as written (`{uid}`, `{}`, `{0:>4}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BraceField {
    pub span: crate::model::Span,
    pub text: String,
    /// The whole string literal the field is in, as written
    /// (`f"{uid}:cart"`), and the field's byte offset in it; empty when unknown.
    pub literal: String,
    pub at: usize,
}

impl BraceField {
    /// The literal with the field's braces doubled around it, so that the
    /// value stays inside a pair of literal braces (`f"{{{uid}}}:cart"`).
    pub fn doubled(&self) -> Option<String> {
        let rest = self.literal.get(self.at..)?;
        let after = rest.strip_prefix(self.text.as_str())?;
        Some(format!(
            "{}{{{{{}}}}}{after}",
            &self.literal[..self.at],
            self.text
        ))
    }
}

impl PartialEq for Hole {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.default == other.default
            && self.domain == other.domain
            && self.may_contain_braces == other.may_contain_braces
    }
}

impl Eq for Hole {}

impl std::hash::Hash for Hole {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.default.hash(state);
        self.domain.hash(state);
        self.may_contain_braces.hash(state);
    }
}

impl Hole {
    /// The name as messages show it: `?` when unknown, and without the
    /// `#n` that tells one element of a family from another (`id#2` is `id`).
    pub fn shown_name(&self) -> &str {
        let mut name = self.name.as_deref().unwrap_or("?");
        while let Some((base, n)) = name.rsplit_once('#') {
            if base.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                break;
            }
            name = base;
        }
        name
    }

    /// A named, brace-free hole.
    pub fn named(name: impl Into<String>) -> Self {
        Hole {
            name: Some(name.into()),
            ..Hole::default()
        }
    }

    /// A hole nothing is known about, not even whether it holds braces.
    pub fn opaque(name: Option<String>) -> Self {
        Hole {
            name,
            may_contain_braces: true,
            ..Hole::default()
        }
    }
}

/// One piece of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Lit(Vec<u8>),
    Hole(Hole),
}

/// A key as the program builds it.
///
/// Equality and hashing ignore [`KeyPattern::layout`]: the same key written
/// in two places is the same key.
#[derive(Debug, Clone, Default)]
pub struct KeyPattern {
    segments: Vec<Segment>,
    layout: Option<std::sync::Arc<Layout>>,
}

impl PartialEq for KeyPattern {
    fn eq(&self, other: &Self) -> bool {
        self.segments == other.segments
    }
}

impl Eq for KeyPattern {}

impl std::hash::Hash for KeyPattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.segments.hash(state);
    }
}

/// How a literal brace is written in the literal a key is spelled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BraceSyntax {
    /// As itself: plain strings, redis-cli words.
    Plain,
    /// Doubled (`{{`, `}}`): Python f-strings, Rust `format!` templates.
    Doubled,
    /// As itself, but a `{` right after a literal `$` would open a
    /// substitution: JavaScript template literals.
    Template,
}

/// Where a key written out as one literal (a string, an f-string, a template
/// literal, a `format!` template, a redis-cli word) has each of its tokens in
/// the source: what a fix needs to edit the key where it is written. Tokens
/// are the pattern's literal bytes and holes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The source offset each token starts at (a hole: its whole
    /// interpolation, `{uid}` or `${uid}`; a decoded escape: its backslash),
    /// then the offset just past the last token. Tokens spelled out by one
    /// piece of source (an escape for several bytes, a constant interpolated
    /// whole) share an offset.
    pub starts: Vec<usize>,
    pub braces: BraceSyntax,
}

impl Layout {
    /// The offset at which text goes in before token `i` (`i` = the token
    /// count: after the last), when that is a place between two pieces of
    /// source rather than inside one.
    pub fn insertion_point(&self, i: usize) -> Option<usize> {
        let at = *self.starts.get(i)?;
        match i.checked_sub(1).map(|p| self.starts[p]) {
            Some(before) if before >= at => None,
            _ => Some(at),
        }
    }

    /// The source range of token `i` when it is written by itself.
    pub fn token_span(&self, i: usize) -> Option<crate::model::Span> {
        let (start, end) = (*self.starts.get(i)?, *self.starts.get(i + 1)?);
        (end > start && self.insertion_point(i).is_some())
            .then(|| crate::model::Span::new(start, end))
    }

    /// How the literal brace `brace` (`{` or `}`) is written here.
    pub fn brace(&self, brace: u8) -> String {
        let one = char::from(brace).to_string();
        match self.braces {
            BraceSyntax::Doubled => one.repeat(2),
            BraceSyntax::Plain | BraceSyntax::Template => one,
        }
    }
}

/// Where the hash tag of a pattern comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashTag {
    /// A tag made of literal bytes only: every instance lands in `slot`.
    Static { tag: Vec<u8>, slot: u16 },
    /// A tag that contains holes.
    Dynamic(KeyPattern),
    /// No tag: the whole key is hashed.
    Untagged,
    /// A hole could supply a brace, so the hashed part is unknown.
    Uncertain,
}

/// The part of a key Redis hashes, for messages and verdicts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hashed {
    /// The hashed part as a pattern (the tag contents, or the whole key).
    pub part: KeyPattern,
    /// Whether `part` came from a `{…}` tag.
    pub tagged: bool,
}

/// How sure a same-slot verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SameSlot {
    /// Always the same slot.
    Same,
    /// Nothing can be said (a key passed in whole, an unknown value in a tag).
    Unknown,
    /// Equal only when two different variables hold equal values.
    LikelyDifferentVariables,
    /// The hashed parts differ in their literal text: equal only by a hash collision.
    LikelyDifferentLiterals,
    /// Provably different slots.
    Different,
}

/// A same-slot verdict with the reason a diagnostic shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub kind: SameSlot,
    pub reason: String,
}

impl KeyPattern {
    /// A pattern from segments; adjacent literals are merged and empty ones dropped.
    pub fn new(segments: impl IntoIterator<Item = Segment>) -> Self {
        let mut out = KeyPattern::default();
        for s in segments {
            out.push(s);
        }
        out
    }

    /// A fully literal key.
    pub fn literal(bytes: impl Into<Vec<u8>>) -> Self {
        KeyPattern::new([Segment::Lit(bytes.into())])
    }

    /// The pattern placed in the source: `layout` has one start per token
    /// and an end (otherwise it is dropped, so a fix is never misplaced).
    #[must_use]
    pub fn with_layout(mut self, layout: Layout) -> Self {
        let tokens = self.token_count();
        let ordered = layout.starts.windows(2).all(|w| w[0] <= w[1]);
        self.layout =
            (ordered && layout.starts.len() == tokens + 1).then(|| std::sync::Arc::new(layout));
        self
    }

    /// The number of tokens: literal bytes and holes.
    pub fn token_count(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Lit(b) => b.len(),
                Segment::Hole(_) => 1,
            })
            .sum()
    }

    /// Where the key is written in the source, token by token, when it is
    /// written out as one literal; building on the pattern forgets it.
    pub fn layout(&self) -> Option<&Layout> {
        self.layout.as_deref()
    }

    /// Appends a segment, keeping the pattern normalized.
    pub fn push(&mut self, segment: Segment) {
        self.layout = None;
        match segment {
            Segment::Lit(bytes) if bytes.is_empty() => {}
            Segment::Lit(bytes) => {
                if let Some(Segment::Lit(last)) = self.segments.last_mut() {
                    last.extend_from_slice(&bytes);
                } else {
                    self.segments.push(Segment::Lit(bytes));
                }
            }
            hole @ Segment::Hole(_) => self.segments.push(hole),
        }
    }

    /// Appends every segment of `other`.
    pub fn extend(&mut self, other: &KeyPattern) {
        for s in &other.segments {
            self.push(s.clone());
        }
    }

    /// Every literal occurrence of `old` replaced by `new` (Python and Rust
    /// `str.replace` on a key template); holes are kept as they are.
    #[must_use]
    pub fn replace_all(&self, old: &[u8], new: &KeyPattern) -> KeyPattern {
        if old.is_empty() {
            return self.clone();
        }
        self.map_literals(|bytes, out| {
            let mut i = 0;
            let mut lit = Vec::new();
            while i < bytes.len() {
                if bytes[i..].starts_with(old) {
                    out.push(Segment::Lit(std::mem::take(&mut lit)));
                    out.extend(new);
                    i += old.len();
                } else {
                    lit.push(bytes[i]);
                    i += 1;
                }
            }
            out.push(Segment::Lit(lit));
        })
    }

    /// The pattern with each literal segment rewritten by `f`, which pushes
    /// what it becomes onto the output; holes are kept as they are.
    #[must_use]
    pub fn map_literals(&self, mut f: impl FnMut(&[u8], &mut KeyPattern)) -> KeyPattern {
        let mut out = KeyPattern::default();
        for seg in &self.segments {
            match seg {
                Segment::Lit(bytes) => f(bytes, &mut out),
                Segment::Hole(_) => out.push(seg.clone()),
            }
        }
        out
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The key's bytes when it has no holes.
    pub fn as_literal(&self) -> Option<&[u8]> {
        match self.segments.as_slice() {
            [] => Some(&[]),
            [Segment::Lit(b)] => Some(b),
            _ => None,
        }
    }

    pub fn holes(&self) -> impl Iterator<Item = &Hole> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Hole(h) => Some(h),
            Segment::Lit(_) => None,
        })
    }

    pub fn has_holes(&self) -> bool {
        self.holes().next().is_some()
    }

    /// The pattern with every hole that has a default replaced by it (the
    /// default configuration), or `None` when no hole has a default.
    pub fn with_defaults(&self) -> Option<KeyPattern> {
        let mut any = false;
        let p = KeyPattern::new(self.segments.iter().map(|s| match s {
            Segment::Hole(Hole {
                default: Some(d), ..
            }) => {
                any = true;
                Segment::Lit(d.clone())
            }
            other => other.clone(),
        }));
        any.then_some(p)
    }

    /// The hashed part, or `None` when a hole may supply a brace before the tag
    /// is settled.
    pub fn hashed(&self) -> Option<Hashed> {
        // Find the first `{` in literal bytes; holes before it must be brace-free.
        let mut open: Option<(usize, usize)> = None;
        'outer: for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Hole(h) if h.may_contain_braces => return None,
                Segment::Hole(_) => {}
                Segment::Lit(b) => {
                    if let Some(p) = b.iter().position(|&c| c == b'{') {
                        open = Some((i, p));
                        break 'outer;
                    }
                }
            }
        }
        let Some((oi, op)) = open else {
            return Some(Hashed {
                part: self.clone(),
                tagged: false,
            });
        };
        // Find the first `}` after it.
        let mut inner = KeyPattern::default();
        for (i, seg) in self.segments.iter().enumerate().skip(oi) {
            let start = if i == oi { op + 1 } else { 0 };
            match seg {
                Segment::Hole(h) if h.may_contain_braces => return None,
                Segment::Hole(h) => inner.push(Segment::Hole(h.clone())),
                Segment::Lit(b) => {
                    let rest = &b[start..];
                    if let Some(cp) = rest.iter().position(|&c| c == b'}') {
                        inner.push(Segment::Lit(rest[..cp].to_vec()));
                        // Holes are non-empty, so a hole makes the tag non-empty.
                        if inner.segments.is_empty() {
                            return Some(Hashed {
                                part: self.clone(),
                                tagged: false,
                            });
                        }
                        return Some(Hashed {
                            part: inner,
                            tagged: true,
                        });
                    }
                    inner.push(Segment::Lit(rest.to_vec()));
                }
            }
        }
        Some(Hashed {
            part: self.clone(),
            tagged: false,
        })
    }

    /// The hash tag classification of this pattern.
    pub fn hash_tag(&self) -> HashTag {
        match self.hashed() {
            None => HashTag::Uncertain,
            Some(Hashed { tagged: false, .. }) => HashTag::Untagged,
            Some(Hashed { part, tagged: true }) => match part.as_literal() {
                Some(tag) => HashTag::Static {
                    tag: tag.to_vec(),
                    slot: slot::slot_of_hashed(tag),
                },
                None => HashTag::Dynamic(part),
            },
        }
    }

    /// The slot every instance of this pattern lands in, when that is fixed.
    pub fn slot(&self) -> Option<u16> {
        let hashed = self.hashed()?;
        hashed.part.as_literal().map(slot::slot_of_hashed)
    }

    /// The same-slot verdict for two keys of one group.
    pub fn same_slot(&self, other: &KeyPattern) -> Verdict {
        if let Some(v) = same_prefix_then_tag(self, other) {
            return v;
        }
        let (Some(a), Some(b)) = (self.hashed(), other.hashed()) else {
            let which = if self.hashed().is_none() { self } else { other };
            // A literal key with no tag hashes whole: another key joins its
            // slot only by being built to hash the very same text.
            let known = if std::ptr::eq(which, self) {
                other
            } else {
                self
            };
            if let (Some(text), HashTag::Untagged) = (known.as_literal(), known.hash_tag()) {
                return Verdict {
                    kind: SameSlot::LikelyDifferentLiterals,
                    reason: format!(
                        "untagged key `{known}` hashes to slot {}, and `{which}` shares it only if it hashes exactly `{known}`",
                        slot::slot_of_hashed(text)
                    ),
                };
            }
            return Verdict {
                kind: SameSlot::Unknown,
                reason: format!(
                    "the hash tag of `{which}` depends on a value that may contain braces"
                ),
            };
        };
        let what = |h: &Hashed| if h.tagged { "tag" } else { "untagged key" };
        if let (Some(x), Some(y)) = (a.part.as_literal(), b.part.as_literal()) {
            let (sx, sy) = (slot::slot_of_hashed(x), slot::slot_of_hashed(y));
            return if sx == sy {
                Verdict {
                    kind: SameSlot::Same,
                    reason: format!("both hash to slot {sx}"),
                }
            } else {
                Verdict {
                    kind: SameSlot::Different,
                    reason: format!(
                        "{} `{}` hashes to slot {sx}, {} `{}` to slot {sy}",
                        what(&a),
                        a.part,
                        what(&b),
                        b.part
                    ),
                }
            };
        }
        if a.part.text() == b.part.text() && a.part.holes().all(|h| h.name.is_some()) {
            return Verdict {
                kind: SameSlot::Same,
                reason: format!("both hash `{}`", a.part),
            };
        }
        if a.part.shape() == b.part.shape() {
            if a.part
                .holes()
                .chain(b.part.holes())
                .any(|h| h.name.is_none())
            {
                return Verdict {
                    kind: SameSlot::Unknown,
                    reason: format!(
                        "{} `{}` and {} `{}` are built from unknown values",
                        what(&a),
                        a.part,
                        what(&b),
                        b.part
                    ),
                };
            }
            return variables_verdict(&a, &b);
        }
        let reason = if a.tagged == b.tagged {
            let kinds = if a.tagged { "tags" } else { "untagged keys" };
            format!(
                "{kinds} `{}` and `{}` differ in their literal parts",
                a.part, b.part
            )
        } else {
            format!(
                "{} `{}` and {} `{}` differ in their literal parts",
                what(&a),
                a.part,
                what(&b),
                b.part
            )
        };
        Verdict {
            kind: SameSlot::LikelyDifferentLiterals,
            reason,
        }
    }

    /// Literal bytes and hole names: what decides the hashed value (a hole's
    /// default or domain does not).
    fn text(&self) -> Vec<Result<&[u8], Option<&str>>> {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Lit(b) => Ok(b.as_slice()),
                Segment::Hole(h) => Err(h.name.as_deref()),
            })
            .collect()
    }

    /// The pattern with hole names erased: equal shapes differ only in variables.
    fn shape(&self) -> Vec<Option<&[u8]>> {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Lit(b) => Some(b.as_slice()),
                Segment::Hole(_) => None,
            })
            .collect()
    }

    /// Fills every hole with `fill(hole)`; used by the oracle tests.
    pub fn instantiate(&self, mut fill: impl FnMut(&Hole) -> Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        for s in &self.segments {
            match s {
                Segment::Lit(b) => out.extend_from_slice(b),
                Segment::Hole(h) => out.extend(fill(h)),
            }
        }
        out
    }
}

/// Writes bytes as text, escaping what is not printable UTF-8.
pub fn escape_bytes(bytes: &[u8], f: &mut impl fmt::Write) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        for b in chunk.invalid() {
            write!(f, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

impl fmt::Display for KeyPattern {
    /// Literal text as is, holes as `<name>` (`<?>` when unknown).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.segments {
            match s {
                Segment::Lit(b) => escape_bytes(b, f)?,
                Segment::Hole(h) => write!(f, "<{}>", h.shown_name())?,
            }
        }
        Ok(())
    }
}

/// The verdict for two hashed parts of one shape built from different
/// variables: equal only when the values are.
fn variables_verdict(a: &Hashed, b: &Hashed) -> Verdict {
    let names = |p: &KeyPattern| {
        p.holes()
            .map(|h| format!("`{}`", h.shown_name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let whose = if a.tagged && b.tagged {
        "tag"
    } else {
        "hashed part"
    };
    if let Some(vars) = family_variables(&a.part, &b.part) {
        return Verdict {
            kind: SameSlot::LikelyDifferentVariables,
            reason: format!(
                "the {whose} `{}` differs from one {vars} to the next: same slot only when the values are equal",
                a.part
            ),
        };
    }
    Verdict {
                kind: SameSlot::LikelyDifferentVariables,
                reason: format!(
                    "{} `{}` and `{}` differ only in their variables ({} vs {}): same slot only when the values are equal",
                    if a.tagged && b.tagged { "tags" } else { "hashed parts" },
                    a.part,
                    b.part,
                    names(&a.part),
                    names(&b.part)
                ),
            }
}

/// Two keys that start with the same value, which may hold braces, and then
/// the same tag (`<prefix>:{<key>}:a`, `<prefix>:{<key>}:b`): whatever the
/// value, they hash alike — its own tag, or the shared one, or a tag it
/// opens and the shared text closes. (A value whose first braces are an
/// empty `{}` would make Redis hash each key whole; braces a user configures
/// make a tag, and the analyzer takes them to.)
fn same_prefix_then_tag(left: &KeyPattern, right: &KeyPattern) -> Option<Verdict> {
    let (Some(Segment::Hole(prefix)), Some(Segment::Hole(other))) =
        (left.segments.first(), right.segments.first())
    else {
        return None;
    };
    if !prefix.may_contain_braces || prefix != other || prefix.name.is_none() {
        return None;
    }
    // The rest, byte by byte (holes whole), must agree through the first
    // `}` that follows a `{`.
    let units = |p: &KeyPattern| -> Vec<Segment> {
        p.segments[1..]
            .iter()
            .flat_map(|s| match s {
                Segment::Lit(bytes) => bytes.iter().map(|&c| Segment::Lit(vec![c])).collect(),
                hole @ Segment::Hole(_) => vec![hole.clone()],
            })
            .collect()
    };
    let (ua, ub) = (units(left), units(right));
    let mut opened = false;
    for (x, y) in ua.iter().zip(&ub) {
        if x != y {
            return None;
        }
        // The same value in both places reads the same, braces or not.
        match x {
            Segment::Lit(c) if c[..] == *b"{" => opened = true,
            Segment::Lit(c) if c[..] == *b"}" && opened => {
                return Some(Verdict {
                    kind: SameSlot::Same,
                    reason: format!(
                        "both start with `<{}>` and then share a tag, whatever that value holds",
                        prefix.shown_name()
                    ),
                });
            }
            _ => {}
        }
    }
    None
}

/// When two patterns of one shape are two elements of one family (a loop,
/// a comprehension: holes `u#1` and `u#2`), the variables that tell them
/// apart, as a message lists them.
fn family_variables(a: &KeyPattern, b: &KeyPattern) -> Option<String> {
    let mut vars: Vec<String> = Vec::new();
    for (x, y) in a.holes().zip(b.holes()).filter(|(x, y)| x.name != y.name) {
        let instanced = |h: &Hole| h.name.as_deref() != Some(h.shown_name());
        if x.shown_name() != y.shown_name() || !instanced(x) || !instanced(y) {
            return None;
        }
        let v = format!("`{}`", x.shown_name());
        if !vars.contains(&v) {
            vars.push(v);
        }
    }
    (!vars.is_empty()).then(|| vars.join(", "))
}

/// Parses the schema notation `{user:<user_id>}:cart` into a pattern whose
/// holes are named by their placeholders. `<` without a closing `>` is literal.
pub fn parse_placeholders(text: &str) -> KeyPattern {
    let mut p = KeyPattern::default();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start + 1..].find('>') else {
            break;
        };
        p.push(Segment::Lit(rest.as_bytes()[..start].to_vec()));
        p.push(Segment::Hole(Hole::named(
            &rest[start + 1..start + 1 + len],
        )));
        rest = &rest[start + 2 + len..];
    }
    p.push(Segment::Lit(rest.as_bytes().to_vec()));
    p
}

/// One byte of literal text or one hole of a pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tok<'a> {
    Byte(u8),
    Hole(&'a Hole),
}

impl Tok<'_> {
    pub(crate) fn is(self, byte: u8) -> bool {
        matches!(self, Tok::Byte(b) if b == byte)
    }
}

/// A pattern as bytes and holes, so that brace positions are plain indices.
pub(crate) fn tokens(pattern: &KeyPattern) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    for s in pattern.segments() {
        match s {
            Segment::Lit(b) => out.extend(b.iter().map(|&c| Tok::Byte(c))),
            Segment::Hole(h) => out.push(Tok::Hole(h)),
        }
    }
    out
}

/// The pattern made of `toks`.
pub(crate) fn from_tokens(toks: &[Tok<'_>]) -> KeyPattern {
    KeyPattern::new(toks.iter().map(|t| match *t {
        Tok::Byte(b) => Segment::Lit(vec![b]),
        Tok::Hole(h) => Segment::Hole(h.clone()),
    }))
}

/// Index of the first `{`, and of the first `}` after it.
pub(crate) fn tag_bounds(toks: &[Tok<'_>]) -> Option<(usize, Option<usize>)> {
    let open = toks.iter().position(|t| t.is(b'{'))?;
    let close = toks[open + 1..]
        .iter()
        .position(|t| t.is(b'}'))
        .map(|i| open + 1 + i);
    Some((open, close))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pat(s: &str) -> KeyPattern {
        parse_placeholders(s)
    }

    #[test]
    fn classification() {
        assert_eq!(pat("user:1:cart").hash_tag(), HashTag::Untagged);
        assert_eq!(
            pat("{user:1}:cart").hash_tag(),
            HashTag::Static {
                tag: b"user:1".to_vec(),
                slot: slot::key_slot(b"user:1")
            }
        );
        assert_eq!(
            pat("{user:<id>}:cart").hash_tag(),
            HashTag::Dynamic(pat("user:<id>"))
        );
        assert_eq!(pat("{}:<id>").hash_tag(), HashTag::Untagged);
        assert_eq!(pat("{<id>}").hash_tag(), HashTag::Dynamic(pat("<id>")));
        assert_eq!(pat("a{b<id>").hash_tag(), HashTag::Untagged);
        let opaque = KeyPattern::new([
            Segment::Hole(Hole::opaque(Some("prefix".into()))),
            Segment::Lit(b":{x}".to_vec()),
        ]);
        assert_eq!(opaque.hash_tag(), HashTag::Uncertain);
        // An opaque hole after the tag is settled does not matter.
        let after = KeyPattern::new([
            Segment::Lit(b"{x}:".to_vec()),
            Segment::Hole(Hole::opaque(None)),
        ]);
        assert_eq!(after.slot(), Some(slot::key_slot(b"x")));
    }

    #[test]
    fn verdicts() {
        use SameSlot::*;
        let v = |a: &str, b: &str| pat(a).same_slot(&pat(b)).kind;
        assert_eq!(v("{user:1}:a", "{user:1}:b"), Same);
        assert_eq!(v("{user:<id>}:a", "{user:<id>}:b"), Same);
        assert_eq!(v("user:123:name", "user:123:email"), Different);
        assert_eq!(v("{acct:<a>}", "{acct:<b>}"), LikelyDifferentVariables);
        assert_eq!(
            v("order:<id>", "archive:order:<id>"),
            LikelyDifferentLiterals
        );
        assert_eq!(v("{user:<id>}:a", "{acct:<id>}:b"), LikelyDifferentLiterals);
        assert_eq!(v("order:<id>", "order:<id>"), Same);
        assert_eq!(v("{user:1}:a", "user:1"), Same);
        // A hole's declared domain does not make it another value.
        let mut with_domain = pat("{user:<id>}:events");
        if let Some(Segment::Hole(h)) = with_domain.segments.get_mut(1) {
            h.domain = Some(10);
        }
        assert_eq!(pat("{user:<id>}:a").same_slot(&with_domain).kind, Same);
        let unknown = KeyPattern::new([Segment::Hole(Hole::opaque(Some("key".into())))]);
        // A literal untagged key beside a key passed in whole: the other key
        // would have to hash exactly `a`; beside a tagged one it may well
        // carry the tag.
        assert_eq!(pat("a").same_slot(&unknown).kind, LikelyDifferentLiterals);
        assert_eq!(unknown.same_slot(&pat("a")).kind, LikelyDifferentLiterals);
        assert_eq!(pat("{a}:x").same_slot(&unknown).kind, Unknown);
        let unnamed = KeyPattern::new([Segment::Hole(Hole::default())]);
        assert_eq!(unnamed.same_slot(&unnamed).kind, Unknown);
    }

    #[test]
    fn a_shared_prefix_value_then_a_shared_tag() {
        let prefix = || Segment::Hole(Hole::opaque(Some("prefix".into())));
        let key = || Segment::Hole(Hole::opaque(Some("key".into())));
        let p = |rest: &str| {
            KeyPattern::new([
                prefix(),
                Segment::Lit(b":{".to_vec()),
                key(),
                Segment::Lit(rest.as_bytes().to_vec()),
            ])
        };
        // Whatever the prefix holds: its own tag, no brace, or an open one.
        assert_eq!(p("}/-1").same_slot(&p("}")).kind, SameSlot::Same);
        // Not when the tags differ, nor without a closing brace.
        let q = KeyPattern::new([prefix(), Segment::Lit(b":{a}".to_vec())]);
        let r = KeyPattern::new([prefix(), Segment::Lit(b":{b}".to_vec())]);
        assert_eq!(q.same_slot(&r).kind, SameSlot::Unknown);
        let open = KeyPattern::new([prefix(), Segment::Lit(b":{a:x".to_vec())]);
        let open2 = KeyPattern::new([prefix(), Segment::Lit(b":{a:y".to_vec())]);
        assert_eq!(open.same_slot(&open2).kind, SameSlot::Unknown);
    }

    #[test]
    fn reasons_name_the_parts() {
        let r = pat("order:<id>")
            .same_slot(&pat("archive:order:<id>"))
            .reason;
        assert_eq!(
            r,
            "untagged keys `order:<id>` and `archive:order:<id>` differ in their literal parts"
        );
        let r = pat("user:123:name")
            .same_slot(&pat("user:123:email"))
            .reason;
        assert_eq!(
            r,
            "untagged key `user:123:name` hashes to slot 6198, untagged key `user:123:email` to slot 4886"
        );
    }

    #[test]
    fn placeholders() {
        let p = pat("{user:<user_id>}:cart");
        assert_eq!(p.to_string(), "{user:<user_id>}:cart");
        assert_eq!(p.holes().count(), 1);
        assert_eq!(pat("a<b").to_string(), "a<b");
    }

    fn arb_segment() -> impl Strategy<Value = Segment> {
        prop_oneof![
            prop::sample::select(vec!["{", "}", "a", "b:", "{}", "x{", "}y", ":", "{a}"])
                .prop_map(|s| Segment::Lit(s.as_bytes().to_vec())),
            prop::sample::select(vec!["p", "q", "r"]).prop_map(|n| Segment::Hole(Hole::named(n))),
        ]
    }

    fn arb_pattern() -> impl Strategy<Value = KeyPattern> {
        prop::collection::vec(arb_segment(), 0..6).prop_map(KeyPattern::new)
    }

    fn arb_value() -> impl Strategy<Value = Vec<u8>> {
        // Brace-free, non-empty: the hole assumption.
        prop::collection::vec(prop::sample::select(b"az09:_\x80".to_vec()), 1..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn verdict_never_contradicts_instances(
            a in arb_pattern(),
            b in arb_pattern(),
            vals in prop::collection::vec(arb_value(), 3),
        ) {
            let fill = |h: &Hole| match h.name.as_deref() {
                Some("p") => vals[0].clone(),
                Some("q") => vals[1].clone(),
                _ => vals[2].clone(),
            };
            let ka = a.instantiate(fill);
            let kb = b.instantiate(fill);
            let (sa, sb) = (slot::key_slot(&ka), slot::key_slot(&kb));
            let v = a.same_slot(&b);
            match v.kind {
                SameSlot::Same => prop_assert_eq!(sa, sb, "{} / {}: {}", a, b, v.reason),
                SameSlot::Different => prop_assert_ne!(sa, sb, "{} / {}: {}", a, b, v.reason),
                _ => {}
            }
            if let Some(s) = a.slot() {
                prop_assert_eq!(s, sa);
            }
            match a.hash_tag() {
                HashTag::Static { tag, .. } => prop_assert_eq!(slot::hash_tag(&ka), Some(tag.as_slice())),
                HashTag::Untagged => prop_assert_eq!(slot::hash_tag(&ka), None),
                HashTag::Dynamic(_) => prop_assert!(slot::hash_tag(&ka).is_some()),
                HashTag::Uncertain => {}
            }
        }
    }
}
