use super::driver::{doc_body, first_paragraph};
use super::fingerprint::line_hashes;
use super::uri::artifact;
use crate::source::SourceFile;

#[test]
fn relative_paths_become_encoded_uris_under_srcroot() {
    let a = artifact("dir with space/a:b,c%d#é.redis");
    assert_eq!(a.uri, "dir%20with%20space/a%3Ab%2Cc%25d%23%C3%A9.redis");
    assert_eq!(a.uri_base_id, Some("%SRCROOT%"));
    assert_eq!(artifact("./x/y.redis").uri, "x/y.redis");
    assert_eq!(artifact(r"x\y.redis").uri, "x/y.redis");
}

#[test]
fn absolute_paths_become_file_uris() {
    let a = artifact("/tmp/a b.redis");
    assert_eq!(a.uri, "file:///tmp/a%20b.redis");
    assert_eq!(a.uri_base_id, None);
}

#[test]
fn line_hash_ignores_indentation_and_counts_repeats() {
    let file = SourceFile::new("x", b"MULTI\n  MULTI\r\nEXEC\nMULTI".to_vec());
    let hashes = line_hashes(&file);
    assert_eq!(hashes.len(), 4);
    let (first, second, other, third) = (&hashes[0], &hashes[1], &hashes[2], &hashes[3]);
    let base = first.strip_suffix(":1").unwrap();
    assert_eq!(second, &format!("{base}:2"));
    assert_eq!(third, &format!("{base}:3"));
    assert!(other.ends_with(":1") && !other.starts_with(base));
    // Fixed algorithm: the value must not change between releases.
    assert_eq!(
        line_hashes(&SourceFile::new("x", b"".to_vec())),
        ["cbf29ce484222325:1"]
    );
}

#[test]
fn doc_front_matter_is_dropped_and_the_first_paragraph_found() {
    let doc = "---\nid: SL000\n---\n\n# SL000 x\n\n## What it does\n\nFinds\n  things.\n\nMore.\n";
    let body = doc_body(doc);
    assert!(body.starts_with("# SL000 x"));
    assert_eq!(
        first_paragraph(body, "## What it does").as_deref(),
        Some("Finds things.")
    );
    assert_eq!(first_paragraph(body, "## Why"), None);
}
