//! What a front-end gives back for one file: the model and the problems it
//! met on the way.

use crate::model::{FileModel, Span};

/// What a front-end extracted from one file, and the problems it met on the way.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub model: FileModel,
    pub problems: Vec<Problem>,
    /// The other files the analysis read (imports followed): a change to
    /// one of them may change this file's findings.
    pub deps: Vec<std::path::PathBuf>,
}

/// A problem a front-end met that does not stop the run (a line it could not
/// read, a construct it skips), with the byte span it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}
