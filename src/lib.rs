//! slotlint: a static analyzer for Redis Cluster key usage.
//!
//! Data flow: discover → front-ends (`lang`) → model → rules → findings → report.

pub mod analysis;
pub mod baseline;
pub mod budget;
pub mod cli;
pub mod commands;
pub mod config;
pub mod discover;
pub mod finding;
pub mod fix;
pub mod functions;
pub mod init;
pub mod keypattern;
pub mod lang;
pub mod lsp;
pub mod model;
pub mod project;
pub mod report;
pub mod rules;
pub mod slot;
pub mod slot_cmd;
pub mod source;
pub mod suppress;
pub mod topology;
