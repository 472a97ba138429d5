//! `slotlint check --fix`: the safe fixes applied to the files where the
//! keys are written, in every language's own brace syntax; what is left is
//! reported; nothing is written without `--fix`, nor an unproven fix.

use std::path::Path;
use std::process::{Command, Output};

fn slotlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slotlint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run slotlint")
}

/// (file name, source, source after `--fix`).
const CASES: &[(&str, &str, &str)] = &[
    (
        "a.redis",
        "MGET user:1:name user:1:email\nGET user:1:name\nMULTI\nSET {{user:2}}:a 1\nSET {user:2}:b 1\nEXEC\n",
        "MGET {user:1}:name {user:1}:email\nGET {user:1}:name\nMULTI\nSET {user:2}:a 1\nSET {user:2}:b 1\nEXEC\n",
    ),
    (
        "b.py",
        "import redis\nr = redis.Redis()\ndef f(uid):\n    r.mget(f\"order:{uid}\", f\"archive:order:{uid}\")\n    r.delete(f\"cart:{uid}\", f\"cart:{uid}:count\")\n",
        "import redis\nr = redis.Redis()\ndef f(uid):\n    r.mget(f\"{{order:{uid}}}\", f\"archive:{{order:{uid}}}\")\n    r.delete(f\"{{cart:{uid}}}\", f\"{{cart:{uid}}}:count\")\n",
    ),
    (
        "e.py",
        "import redis\nr = redis.Redis()\ndef f(uid):\n    with r.pipeline(transaction=True) as p:\n        p.hgetall(f\"cart:{uid}\")\n        p.get(f\"{{{uid}}}:profile\")\n        p.execute()\n",
        "import redis\nr = redis.Redis()\ndef f(uid):\n    with r.pipeline(transaction=True) as p:\n        p.hgetall(f\"cart:{{{uid}}}\")\n        p.get(f\"{{{uid}}}:profile\")\n        p.execute()\n",
    ),
    (
        "c.ts",
        "import Redis from \"ioredis\";\nconst r = new Redis();\nasync function f(uid: string) {\n  await r.mget(`order:${uid}`, `archive:order:${uid}`);\n}\n",
        "import Redis from \"ioredis\";\nconst r = new Redis();\nasync function f(uid: string) {\n  await r.mget(`{order:${uid}}`, `archive:{order:${uid}}`);\n}\n",
    ),
    (
        "d.rs",
        "fn f(con: &mut redis::Connection, uid: u64) {\n    let _: () = redis::cmd(\"MGET\").arg(format!(\"order:{}\", uid)).arg(format!(\"archive:order:{uid}\")).query(con).unwrap();\n}\n",
        "fn f(con: &mut redis::Connection, uid: u64) {\n    let _: () = redis::cmd(\"MGET\").arg(format!(\"{{order:{}}}\", uid)).arg(format!(\"archive:{{order:{uid}}}\")).query(con).unwrap();\n}\n",
    ),
];

#[test]
fn safe_fixes_are_applied_in_each_language_and_the_findings_go() {
    let dir = tempfile::tempdir().unwrap();
    for (name, before, _) in CASES {
        std::fs::write(dir.path().join(name), before).unwrap();
    }
    let out = slotlint(dir.path(), &["check", "--format", "gcc"]);
    assert_eq!(out.status.code(), Some(1));
    let before = String::from_utf8_lossy(&out.stdout).to_string();
    for (name, ..) in CASES {
        assert!(before.contains(&format!("{name}:")), "{name}: {before}");
    }
    let out = slotlint(dir.path(), &["check", "--fix", "--format", "gcc"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), ""),
        "{stderr}"
    );
    assert!(stderr.contains("slotlint: note: applied"), "{stderr}");
    for (name, _, after) in CASES {
        let now = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(now, *after, "{name}");
    }
    // Fixed: a second run finds nothing to do and writes nothing.
    let out = slotlint(dir.path(), &["check", "--fix", "--format", "gcc"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("applied 0 fixes"));
}

#[test]
fn files_are_not_touched_unasked_nor_by_unproven_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let (name, before, _) = CASES[0];
    let path = dir.path().join(name);
    std::fs::write(&path, before).unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let out = slotlint(dir.path(), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    // The JSON output carries the fix, marked safe.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fix = &json["findings"][0]["fix"];
    assert_eq!(fix["safe"], true, "{json}");
    assert_eq!(fix["edits"][0]["text"], "{");
    assert_eq!(
        fix["edits"][0]["start"],
        serde_json::json!({ "line": 1, "column": 6 })
    );

    // A nested tag on a key used alone: the fix is offered (JSON) but not
    // proven, so `--fix` leaves the file as it is.
    let lone = dir.path().join("lone.redis");
    std::fs::write(&lone, "GET {{user:1}}:a\n").unwrap();
    let out = slotlint(dir.path(), &["check", "--format", "json", "lone.redis"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "SL006");
    assert_eq!(json["findings"][0]["fix"]["safe"], false, "{json}");
    let out = slotlint(dir.path(), &["check", "--fix", "lone.redis"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&lone).unwrap(),
        "GET {{user:1}}:a\n"
    );

    // Standard input cannot be fixed in place.
    let out = slotlint(dir.path(), &["check", "--fix", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot fix standard input"));
}
