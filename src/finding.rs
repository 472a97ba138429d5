//! Findings: what a rule reports, independent of any output format.

use std::fmt;

use crate::model::Span;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning`, `info`.
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the analyzer is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Certainty {
    /// Fails for every value (concrete keys, static tags).
    Proven,
    /// Fails for nearly every value, or is a design hazard the code shows plainly.
    Likely,
    /// The analyzer cannot see enough to know.
    Possible,
}

impl Certainty {
    /// One step less sure (a verdict that rests on an assumption).
    #[must_use]
    pub fn lower(self) -> Certainty {
        match self {
            Certainty::Proven => Certainty::Likely,
            Certainty::Likely | Certainty::Possible => Certainty::Possible,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Certainty::Proven => "proven",
            Certainty::Likely => "likely",
            Certainty::Possible => "possible",
        }
    }
}

/// A secondary location with its explanation (a key and its slot).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One replacement of a byte range of the file (an insertion when the range
/// is empty, a deletion when the text is).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// Whether `slotlint check --fix` may apply a fix unasked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Safety {
    /// Proven: the keys it touches then share a slot for every value, and
    /// every place the file writes them is edited alike.
    Safe,
    /// Mechanical, but the outcome is not proven: offered in editors only.
    Unsafe,
}

/// A machine-applicable fix: edits of the file the finding is in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    /// What it does, for a code action (`give the keys the hash tag …`).
    pub title: String,
    /// Non-overlapping edits, sorted by position.
    pub edits: Vec<Edit>,
    /// Where the keys it rewrites are written: two fixes that rewrite one
    /// key do not apply together.
    pub keys: Vec<Span>,
    pub safety: Safety,
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// `SL001`.
    pub rule: &'static str,
    pub severity: Severity,
    pub certainty: Certainty,
    /// The primary location.
    pub span: Span,
    /// What the primary label says.
    pub label: String,
    pub message: String,
    pub labels: Vec<Label>,
    /// The fix: the corrected key shape or what to do instead.
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// The help as edits, where the fix is mechanical.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding with the rule's severity; add the rest with the builder methods.
    pub fn new(
        rule: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity,
            certainty: Certainty::Proven,
            span,
            label: String::new(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            fix: None,
        }
    }

    #[must_use]
    pub fn certainty(mut self, certainty: Certainty) -> Self {
        self.certainty = certainty;
        self
    }

    #[must_use]
    pub fn primary_label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }

    #[must_use]
    pub fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: text.into(),
        });
        self
    }

    #[must_use]
    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    #[must_use]
    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }

    /// Attaches the fix when there is one.
    #[must_use]
    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        if fix.is_some() {
            self.fix = fix;
        }
        self
    }

    /// Adds a note when there is one.
    #[must_use]
    pub fn notes(self, text: Option<String>) -> Self {
        match text {
            Some(t) => self.note(t),
            None => self,
        }
    }
}
