//! The front-end for standalone `.lua` files: a Redis script loaded by other
//! code (its KEYS come from the caller, so `numkeys` is not known here).

use crate::lang::lua;
use crate::lang::Output;
use crate::model::Script;

/// The front-end for standalone `.lua` files.
pub const FRONT_END: super::FrontEnd = super::FrontEnd {
    name: "lua",
    extensions: &["lua"],
    suffixes: &[],
    editor_ids: &["lua"],
    fences: &["lua"],
    comments: super::CommentSyntax::Lua,
    prefilter,
    parse: |file, _| Ok(parse(&file.text)),
    reparse: None,
};

/// `redis.call`/`server.call` (Valkey) and friends; `parse` gives an empty
/// model without them.
fn prefilter(text: &[u8]) -> bool {
    contains(text, b"redis") || contains(text, b"server")
}

/// Reads a `.lua` file. A file that never calls `redis.call`/`redis.pcall` is not
/// a Redis script and gives an empty model. A Redis Functions library
/// (`#!lua name=…`, `redis.register_function`) gives a library whose
/// functions' bodies are scripts that take their keys as a parameter. Never
/// panics, whatever the bytes.
pub fn parse(source: &[u8]) -> Output {
    let mut out = Output::default();
    if !prefilter(source) {
        return out;
    }
    if is_function_library(source) {
        let mut lib = lua::analyze_library(source, &lua::identity_offsets(source.len()));
        // Without a first line `#!lua name=…` the loading code may well add
        // one; and a file that only mentions `register_function` is a script.
        let shebang = source.starts_with(b"#!");
        if shebang || !lib.functions.is_empty() {
            if !shebang {
                lib.invalid.retain(|(m, _)| m != "Missing library metadata");
            }
            lib.add_to(&mut out.model, &mut out.problems);
            return out;
        }
    }
    let analysis = lua::analyze_full(source, &lua::identity_offsets(source.len()));
    if !analysis.calls_redis {
        return out;
    }
    out.model.scripts.push(Script {
        numkeys: None,
        ..analysis.script
    });
    out.problems = analysis.problems;
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn is_function_library(source: &[u8]) -> bool {
    lua::is_library(source) || contains(source, b"register_function")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_redis_script_gives_one_script() {
        let src = b"local k = KEYS[1]\nreturn redis.call('GET', 'fixed:key')\n";
        let out = parse(src);
        assert!(out.model.ops.is_empty());
        let s = &out.model.scripts[0];
        assert_eq!(s.numkeys, None);
        assert_eq!(s.max_key_index.map(|(n, _)| n), Some(1));
        let u = &s.key_uses[0];
        assert_eq!(&src[u.span.start..u.span.end], b"'fixed:key'");
        assert!(!u.from_keys);
    }

    #[test]
    fn other_lua_gives_nothing() {
        assert!(parse(b"print(KEYS[1])\n").model.scripts.is_empty());
        assert!(parse(b"-- redis.call('GET', 'x')\nlocal server = 1\n")
            .model
            .scripts
            .is_empty());
    }

    #[test]
    fn a_function_library_gives_its_functions() {
        let lib = b"#!lua name=mylib\nredis.register_function('f', function(keys, args) return redis.call('GET', keys[1]) end)\n";
        let out = parse(lib);
        let l = &out.model.libraries[0];
        assert_eq!(l.name.as_deref(), Some("mylib"));
        assert!(l.invalid.is_empty());
        let f = &l.functions[0];
        assert_eq!(f.name, "f");
        let s = &out.model.scripts[f.script];
        assert!(s.flags.declared);
        assert_eq!(s.keys_param.as_deref(), Some("keys"));
        assert!(s.key_uses[0].from_keys);
        assert_eq!(s.max_key_index.map(|(n, _)| n), Some(1));
    }

    #[test]
    fn a_library_without_its_first_line_is_still_a_library() {
        let lib =
            b"redis.register_function('f', function(keys) return redis.call('GET', keys[1]) end)\n";
        let out = parse(lib);
        assert!(out.model.libraries[0].invalid.is_empty());
        let script =
            b"-- unlike register_function, this is EVAL'd\nreturn redis.call('GET', KEYS[1])\n";
        let out = parse(script);
        assert!(out.model.libraries.is_empty());
        assert_eq!(out.model.scripts.len(), 1);
    }

    #[test]
    fn lexical_problems_are_reported() {
        let out = parse(b"redis.call('GET', KEYS[1])\nlocal s = 'open\n");
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].span.start, 37);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300), prefix in "(redis\\.call\\(|KEYS\\[|)") {
            let mut src = prefix.into_bytes();
            src.extend(bytes);
            let out = parse(&src);
            for s in &out.model.scripts {
                prop_assert!(s.span.end <= src.len());
                for u in &s.key_uses {
                    prop_assert!(u.span.start <= u.span.end && u.span.end <= src.len());
                }
            }
            for p in &out.problems {
                prop_assert!(p.span.end <= src.len());
            }
        }
    }
}
