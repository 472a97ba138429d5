//! Verdicts judged by Redis: every multi-key command, transaction and script
//! call in the fixtures and the demo is instantiated (holes filled with random
//! values, the same name with the same value) and sent to a cluster-mode
//! `redis-server`. The server's CROSSSLOT answers must agree with the
//! analyzer's same-slot verdicts, and a unit the server always rejects must
//! carry an SL001/SL002 finding (one it always accepts must not).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use slotlint::analysis;
use slotlint::discover;
use slotlint::keypattern::{Hole, KeyPattern, SameSlot};
use slotlint::model::{FileModel, GroupKind, Op, Span};
use slotlint::rules::Options;
use slotlint::source::SourceFile;

use common::{Client, RedisServer};

/// Trials per unit whose keys have holes.
const TRIALS: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq)]
enum UnitKind {
    Command,
    Transaction,
    Script,
}

struct Unit<'m> {
    kind: UnitKind,
    ops: Vec<&'m Op>,
    /// Spans a finding about this unit may sit on.
    spans: Vec<Span>,
}

/// Deterministic splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn value(&mut self, braces: bool) -> Vec<u8> {
        let len = 1 + (self.next() % 10) as usize;
        let alphabet: &[u8] = if braces {
            b"abcdefxyz0123456789:{}"
        } else {
            b"abcdefghijklmnopqrstuvwxyz0123456789:_-"
        };
        let mut value: Vec<u8> = (0..len)
            .map(|_| alphabet[usize::try_from(self.next() % alphabet.len() as u64).unwrap_or(0)])
            .collect();
        // An empty `{}` (Redis then hashes the whole key) is outside what
        // the analyzer assumes of a value the user configures with braces:
        // that its braces, if any, make a tag.
        while let Some(i) = value.windows(2).position(|w| w == b"{}") {
            value.insert(i + 1, b'x');
        }
        value
    }
}

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root.join("fixtures")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            dirs.push(p);
        }
    }
    dirs.push(root.join("examples/demo"));
    dirs.sort();
    dirs
}

fn units(model: &FileModel) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    for op in &model.ops {
        let multi = op.command.split_once(' ').map_or_else(
            || slotlint::commands::lookup(&op.command, None),
            |(a, b)| slotlint::commands::lookup(a, Some(b)),
        );
        if op.keys.len() >= 2 && multi.is_some_and(|c| c.is_multi_key() && !c.is_script()) {
            out.push(Unit {
                kind: UnitKind::Command,
                ops: vec![op],
                spans: vec![op.span],
            });
        }
    }
    // A group the code batches per slot holds one slot per batch by
    // construction, which random values do not model.
    for g in model.groups.iter().filter(|g| !g.per_slot) {
        let kind = match g.kind {
            GroupKind::Transaction | GroupKind::TxPipeline => UnitKind::Transaction,
            GroupKind::Script => UnitKind::Script,
            // A plain pipeline is not atomic on the server, and a WATCH set
            // is a client-side constraint a single node cannot show.
            GroupKind::Pipeline | GroupKind::Watch => continue,
        };
        let ops: Vec<&Op> = g.ops.iter().filter_map(|&i| model.ops.get(i)).collect();
        let mut spans = vec![g.span];
        spans.extend(ops.iter().map(|o| o.span));
        out.push(Unit { kind, ops, spans });
    }
    out
}

/// The analyzer's verdict over every pair of distinct keys in the unit.
fn verdict(unit: &Unit<'_>) -> (SameSlot, String) {
    let keys: Vec<&KeyPattern> = unit
        .ops
        .iter()
        .flat_map(|o| o.keys.iter().map(|k| &k.pattern))
        .collect();
    worst_of(&keys)
}

/// The unit's verdict under the defaults its holes have, when any has one.
fn verdict_under_defaults(unit: &Unit<'_>) -> Option<(SameSlot, String)> {
    let keys: Vec<KeyPattern> = unit
        .ops
        .iter()
        .flat_map(|o| o.keys.iter().map(|k| &k.pattern))
        .map(|p| p.with_defaults().unwrap_or_else(|| p.clone()))
        .collect();
    let any = unit
        .ops
        .iter()
        .any(|o| o.keys.iter().any(|k| k.pattern.with_defaults().is_some()));
    any.then(|| worst_of(&keys.iter().collect::<Vec<_>>()))
}

/// Runs `unit` `trials` times, its holes filled with random values (the
/// same name, the same value; at their defaults when `defaults`): how many
/// runs the server answered CROSSSLOT.
fn trials_crossslot(
    client: &mut Client,
    unit: &Unit<'_>,
    trials: usize,
    defaults: bool,
    rng: &mut Rng,
) -> usize {
    let mut cross = 0;
    for _ in 0..trials {
        let mut values = HashMap::new();
        for o in &unit.ops {
            for k in &o.keys {
                for h in k.pattern.holes().filter(|h| h.name.is_some()) {
                    values.entry(h.name.clone()).or_insert_with(|| {
                        h.default
                            .clone()
                            .filter(|_| defaults)
                            .unwrap_or_else(|| rng.value(h.may_contain_braces))
                    });
                }
            }
        }
        if execute(client, unit, &values, rng) {
            cross += 1;
        }
    }
    cross
}

/// Runs `unit` with its holes at their defaults (the others random): the
/// disagreement with the verdict under the defaults, if any.
fn under_defaults(
    client: &mut Client,
    unit: &Unit<'_>,
    (kind, reason): &(SameSlot, String),
    rng: &mut Rng,
    at: &str,
) -> Option<String> {
    let cross = trials_crossslot(client, unit, TRIALS, true, rng);
    let ok = match kind {
        SameSlot::Same => cross == 0,
        SameSlot::Different => cross == TRIALS,
        SameSlot::LikelyDifferentLiterals | SameSlot::LikelyDifferentVariables => {
            cross * 10 >= TRIALS * 9
        }
        SameSlot::Unknown => true,
    };
    (!ok).then(|| {
        format!("{at} under the defaults ({reason}): verdict {kind:?}, server CROSSSLOT in {cross}/{TRIALS}")
    })
}

fn worst_of(keys: &[&KeyPattern]) -> (SameSlot, String) {
    let mut worst = (SameSlot::Same, "one key".to_string());
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            if a == b {
                continue;
            }
            let v = a.same_slot(b);
            if v.kind > worst.0 {
                worst = (v.kind, v.reason);
            }
        }
    }
    worst
}

/// The argv of an op with its keys instantiated: the original argument order
/// when every argument is known, else `EXISTS keys…`, which the server
/// checks for slots exactly like any other multi-key command.
fn argv(op: &Op, fill: &mut dyn FnMut(&Hole) -> Vec<u8>, exact: bool) -> Vec<Vec<u8>> {
    let keys: Vec<(Span, Vec<u8>)> = op
        .keys
        .iter()
        .map(|k| (k.span, k.pattern.instantiate(&mut *fill)))
        .collect();
    let known = !op.command.is_empty()
        && op.command != "MIGRATE"
        && op.args.iter().all(|a| a.value.is_some());
    if exact && known {
        let mut parts: Vec<(Span, Vec<u8>)> = keys.clone();
        parts.extend(op.args.iter().map(|a| (a.span, a.value.clone().unwrap())));
        parts.sort_by_key(|(s, _)| s.start);
        let mut out: Vec<Vec<u8>> = op
            .command
            .split(' ')
            .map(|w| w.as_bytes().to_vec())
            .collect();
        out.extend(parts.into_iter().map(|(_, v)| v));
        // Trust the rebuilt argv only when its keys are exactly the op's keys
        // (a front-end may leave out implicit arguments such as numkeys).
        let found: Option<Vec<&[u8]>> = slotlint::commands::key_positions(&out)
            .map(|p| p.indices().map(|i| out[i].as_slice()).collect());
        let wanted: Vec<&[u8]> = keys.iter().map(|(_, v)| v.as_slice()).collect();
        if found.as_ref() == Some(&wanted) {
            return out;
        }
        let mut out = vec![b"EXISTS".to_vec()];
        out.extend(keys.into_iter().map(|(_, v)| v));
        out
    } else {
        let mut out = vec![b"EXISTS".to_vec()];
        out.extend(keys.into_iter().map(|(_, v)| v));
        out
    }
}

fn is_crossslot(r: &common::Reply) -> bool {
    r.error_text().is_some_and(|e| e.starts_with("CROSSSLOT"))
}

/// Runs one instantiation; `Some(true)` when the server answered CROSSSLOT.
fn execute(
    client: &mut Client,
    unit: &Unit<'_>,
    values: &HashMap<Option<String>, Vec<u8>>,
    rng: &mut Rng,
) -> bool {
    let mut fill = |h: &Hole| {
        values
            .get(&h.name)
            .cloned()
            .unwrap_or_else(|| rng.value(h.may_contain_braces))
    };
    match unit.kind {
        UnitKind::Script => {
            let keys: Vec<Vec<u8>> = unit.ops[0]
                .keys
                .iter()
                .map(|k| k.pattern.instantiate(&mut fill))
                .collect();
            let n = keys.len().to_string();
            let mut cmd: Vec<&[u8]> = vec![b"EVAL", b"return 1", n.as_bytes()];
            cmd.extend(keys.iter().map(Vec::as_slice));
            is_crossslot(&client.cmd(&cmd))
        }
        UnitKind::Command | UnitKind::Transaction => {
            for exact in [true, false] {
                let mut cmds: Vec<Vec<Vec<u8>>> = vec![vec![b"MULTI".to_vec()]];
                cmds.extend(
                    unit.ops
                        .iter()
                        .filter(|o| !o.keys.is_empty())
                        .map(|o| argv(o, &mut fill, exact)),
                );
                cmds.push(vec![b"EXEC".to_vec()]);
                let replies = client.pipeline(&cmds);
                let queued = &replies[1..replies.len() - 1];
                if queued.iter().any(is_crossslot) || is_crossslot(replies.last().unwrap()) {
                    return true;
                }
                // A queue-time error of another kind (arity, syntax) aborts the
                // EXEC before the slot check: retry with stand-ins.
                if !queued.iter().any(common::Reply::is_error) {
                    return false;
                }
            }
            false
        }
    }
}

#[test]
#[allow(clippy::print_stdout)] // the oracle's summary line
fn server_agrees_with_the_verdicts() {
    let Some(server) = RedisServer::start_cluster_single() else {
        return;
    };
    let mut client = server.client();
    let mut rng = Rng(0x5107_1147);
    let targets =
        discover::targets(&inputs(), &[], &discover::WalkOptions::default()).expect("fixture dirs");
    let (mut units_checked, mut runs, mut unknown) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for t in &targets.files {
        if t.display.contains("/err_") {
            continue;
        }
        let file = SourceFile::new(t.display.clone(), std::fs::read(&t.path).unwrap()).at(&t.path);
        let project = slotlint::project::Project::new();
        let Ok((model, _)) = analysis::front_end(&file, t.language, &project) else {
            continue;
        };
        let findings = analysis::analyze(&file, t.language, &Options::default(), &project).findings;
        for unit in units(&model) {
            units_checked += 1;
            let (kind, reason) = verdict(&unit);
            let holes = unit
                .ops
                .iter()
                .any(|o| o.keys.iter().any(|k| k.pattern.has_holes()));
            let trials = if holes { TRIALS } else { 1 };
            let cross = trials_crossslot(&mut client, &unit, trials, false, &mut rng);
            runs += trials;
            let (line, _) = file.line_col(unit.spans[0].start);
            let at = format!("{}:{line} ({:?}: {reason})", file.path, unit.kind);
            // Under the defaults the code gives its holes, the server must
            // answer as the verdict under them says (the findings use it
            // when the plain verdict is unknown).
            let defaulted = verdict_under_defaults(&unit);
            if let Some(d) = &defaulted {
                runs += TRIALS;
                disagreements.extend(under_defaults(
                    &mut client,
                    &unit,
                    d,
                    &mut rng,
                    &format!("{}:{line}", file.path),
                ));
            }
            let ok = match kind {
                SameSlot::Same => cross == 0,
                SameSlot::Different => cross == trials,
                SameSlot::LikelyDifferentLiterals | SameSlot::LikelyDifferentVariables => {
                    cross * 10 >= trials * 9
                }
                SameSlot::Unknown => {
                    unknown += 1;
                    true
                }
            };
            if !ok {
                disagreements.push(format!(
                    "{at}: verdict {kind:?}, server CROSSSLOT in {cross}/{trials}"
                ));
            }
            // A command the client splits per slot is SL010's (it works, not atomically).
            let split = unit.kind == UnitKind::Command
                && model
                    .client(unit.ops[0].client)
                    .is_some_and(|c| c.splits_per_slot.contains(&unit.ops[0].command));
            // Slots the analyzer cannot know are SL003's ("no tag guarantees …").
            let rules: &[&str] = if split {
                &["SL010"]
            } else if kind == SameSlot::Unknown
                && defaulted
                    .as_ref()
                    .is_some_and(|(d, _)| !matches!(d, SameSlot::Same | SameSlot::Unknown))
            {
                // Judged under the defaults.
                &["SL001", "SL002"]
            } else if kind == SameSlot::Unknown {
                &["SL003"]
            } else {
                &["SL001", "SL002"]
            };
            // What a script's body reaches (its flags' one-slot rule) is judged
            // by tests/oracle_scripts.rs, which runs the script itself.
            let flagged = findings.iter().any(|f| {
                rules.contains(&f.rule)
                    && unit.spans.contains(&f.span)
                    && !f.message.contains("keys in different slots")
            });
            if cross == trials && !flagged {
                disagreements.push(format!(
                    "{at}: the server always answers CROSSSLOT but no {} finding",
                    rules.join("/")
                ));
            }
            if cross == 0 && trials > 0 && flagged && kind == SameSlot::Same {
                disagreements.push(format!(
                    "{at}: flagged, but the server never answers CROSSSLOT"
                ));
            }
        }
    }
    println!(
        "verdict oracle: {units_checked} units, {runs} executions, {unknown} unknown verdicts, {} disagreements",
        disagreements.len()
    );
    assert!(units_checked > 0, "no units found in the fixtures");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
