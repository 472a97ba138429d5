use super::*;

#[test]
fn absolute_resolves_dots() {
    let cwd = Path::new("/w/p");
    assert_eq!(
        absolute(cwd, Path::new("./a/../b/c")),
        PathBuf::from("/w/p/b/c")
    );
    assert_eq!(absolute(cwd, Path::new("../x")), PathBuf::from("/w/x"));
    assert_eq!(
        absolute(cwd, Path::new("/abs/./y")),
        PathBuf::from("/abs/y")
    );
}

#[test]
fn display_is_relative_without_dot_slash() {
    let cwd = Path::new("/w/p");
    assert_eq!(display_in(cwd, Path::new("/w/p/src/a.lua")), "src/a.lua");
    assert_eq!(display_in(cwd, Path::new("./src/a.lua")), "src/a.lua");
    assert_eq!(
        display_in(cwd, Path::new("/elsewhere/a.lua")),
        "/elsewhere/a.lua"
    );
    assert_eq!(display_in(cwd, Path::new("../a.lua")), "../a.lua");
}

#[test]
fn filter_globs_are_gitignore_globs_under_the_config_dir() {
    let f = Filter::new(
        Path::new("/w/p"),
        &["src/".into(), "/scripts/*.lua".into()],
        &["legacy/".into(), "*.gen.lua".into(), "/vendor".into()],
    )
    .unwrap();
    assert!(f.excluded(Path::new("/w/p/a/legacy"), true));
    assert!(!f.excluded(Path::new("/w/p/a/legacy"), false));
    assert!(f.excluded(Path::new("/w/p/deep/x.gen.lua"), false));
    assert!(f.excluded(Path::new("/w/p/vendor"), true));
    assert!(!f.excluded(Path::new("/w/p/a/vendor"), true));
    assert!(f.excluded_with_parents(Path::new("/w/p/legacy/sub/x.lua"), false));
    assert!(!f.excluded_with_parents(Path::new("/w/legacy/x.lua"), false));
    assert!(f.included(Path::new("/w/p/src/deep/x.lua")));
    assert!(f.included(Path::new("/w/p/scripts/x.lua")));
    assert!(!f.included(Path::new("/w/p/scripts/sub/x.lua")));
    assert!(!f.included(Path::new("/w/p/other/x.lua")));
    assert!(Filter::default().included(Path::new("/any")));
}

#[test]
fn globs_that_matched_nothing_are_named() {
    let f = Filter::new(
        Path::new("/w/p"),
        &["src/ ".into(), "#lib".into()],
        &["legacy/".into(), "*.gen.lua".into()],
    )
    .unwrap();
    assert!(f.included(Path::new("/w/p/src/x.lua")));
    assert!(f.excluded(Path::new("/w/p/a/x.gen.lua"), false));
    assert_eq!(
        f.unmatched(),
        [
            "the config's `include` glob `#lib` matches no file slotlint reads",
            "the config's `exclude` glob `legacy/` matches nothing",
        ]
    );
}

#[test]
fn bad_globs_are_refused() {
    assert!(check_glob("src/**/*.lua").is_ok());
    assert_eq!(
        check_glob("a[b").unwrap_err(),
        "invalid glob `a[b`: unclosed character class; missing ']'"
    );
}

#[test]
fn parallel_map_keeps_order() {
    let items: Vec<u32> = (0..1000).collect();
    for threads in [1, 2, 7] {
        assert_eq!(
            parallel_map(&items, threads, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
    }
    assert!(parallel_map(&[] as &[u32], 4, |x| *x).is_empty());
}
