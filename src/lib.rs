//! slotlint: a static analyzer for Redis Cluster key usage.
//!
//! Data flow: discover → front-ends (`lang`) → model → rules → findings → report.

pub mod slot;
