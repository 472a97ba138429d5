//! Artifact locations: file paths as URIs.

use std::fmt::Write as _;

use super::log::ArtifactLocation;

/// A path as a URI: relative paths under `%SRCROOT%`, absolute ones as
/// `file://` URIs; forward slashes, everything but unreserved bytes encoded.
pub(super) fn artifact(path: &str) -> ArtifactLocation {
    let slashed = path.replace('\\', "/");
    if std::path::Path::new(path).is_absolute() || slashed.starts_with('/') {
        let root = if slashed.starts_with('/') {
            "file://"
        } else {
            "file:///"
        };
        ArtifactLocation {
            uri: format!("{root}{}", percent_encode(&slashed, ":")),
            uri_base_id: None,
        }
    } else {
        let relative = slashed.trim_start_matches("./");
        ArtifactLocation {
            uri: percent_encode(relative, ""),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

/// Percent-encodes every byte but RFC 3986 unreserved ones, `/` and `keep`.
fn percent_encode(text: &str, keep: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
