//! The workspace: its root, the judge (config and options) loaded from the
//! root as `check` loads it from the working directory, and the files
//! `check` would lint there — the workspace file list, linted from disk in
//! the background while they are not open.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lint::{Judge, Source};
use super::settings::Settings;
use crate::config::{Config, FILE_NAMES};
use crate::discover::{self, Target, WalkOptions};
use crate::lang::Language;

/// The judge of a workspace, from its root and the editor's settings; the
/// defaults and the error when the config cannot be read.
pub(crate) fn judge(
    root: &Path,
    settings: &Settings,
    project: Arc<crate::project::Project>,
) -> (Judge, Option<String>) {
    let explicit = settings.config.as_ref().map(|p| root.join(p));
    let (mut config, error) = match Config::discover(root, explicit.as_deref()) {
        Ok(c) => (c, None),
        Err(e) => (Config::default(), Some(e)),
    };
    if settings.min_certainty.is_some() {
        config.min_certainty = settings.min_certainty;
    }
    let options = config.run_options(&[]);
    (
        Judge {
            config,
            options,
            project,
        },
        error,
    )
}

/// The files `slotlint check` run at the root would lint: walked with the
/// config's `include`/`exclude`, plus its schema files.
pub(crate) fn files(root: &Path, judge: &Judge) -> Vec<Target> {
    let config = &judge.config;
    let config_dir = config
        .path
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(root);
    let Ok(filter) = discover::Filter::new(config_dir, &config.include, &config.exclude) else {
        return Vec::new();
    };
    let walk = WalkOptions {
        filter: Arc::new(filter),
        ..WalkOptions::default()
    };
    let schemas: Vec<PathBuf> = config
        .schemas
        .iter()
        .filter(|p| p.is_file())
        .cloned()
        .collect();
    discover::targets(&[root.to_path_buf()], &schemas, &walk)
        .map(|t| t.files)
        .unwrap_or_default()
        .into_iter()
        .map(|mut t| {
            if t.path.is_relative() {
                t.path = root.join(&t.path);
            }
            t
        })
        .collect()
}

/// A workspace file read from disk, as a text to lint; `None` when it
/// cannot be read or has no front-end.
pub(crate) fn disk_source(path: &Path, language: Option<Language>) -> Option<Source> {
    let language = language.or_else(|| discover::language_of_explicit(path))?;
    let bytes = crate::source::read_file(path, crate::source::DEFAULT_MAX_FILE_SIZE)
        .and_then(crate::source::decode)
        .ok()?;
    Some(Source {
        shown: discover::display(path),
        language,
        version: None,
        text: Arc::new(String::from_utf8_lossy(&bytes).into_owned()),
        location: Some(path.to_path_buf()),
    })
}

/// Whether a change to `path` changes what every file is judged by: a
/// config file, a schema the config names, any key schema.
pub(crate) fn judges(path: &Path, judge: &Judge) -> bool {
    path.file_name()
        .is_some_and(|n| FILE_NAMES.iter().any(|c| n == *c))
        || Language::from_path(path) == Some(Language::SCHEMA)
        || judge.config.schemas.iter().any(|s| same_file(s, path))
        || judge
            .config
            .path
            .as_deref()
            .is_some_and(|c| same_file(c, path))
}

/// Whether `path` is one of the schemas the config names.
pub(crate) fn named_schema(path: &Path, judge: &Judge) -> bool {
    judge.config.schemas.iter().any(|s| same_file(s, path))
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}
