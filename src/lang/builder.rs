//! The model builder the source front-ends call: clients, ops (one per call
//! site and command), pipelines and transactions with their WATCH sets and
//! loop instancing, and script calls with their scripts. A front-end decides
//! what the code does; the builder turns that into the model's ops and groups
//! the same way for every language.

use std::collections::{HashMap, HashSet};

use crate::commands;
use crate::lang::holes::ClientTable;
use crate::lang::lua;
use crate::lang::value::{instance, varies_with, Elem, Ext, Literal};
use crate::lang::Output;
use crate::model::{Arg, Client, Group, GroupKind, Key, Op, Script, Span};

/// A pipeline or transaction being filled.
#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub(crate) client: Option<usize>,
    pub(crate) kind: GroupKind,
    /// Where the pipeline is made.
    pub(crate) span: Span,
    /// The queued ops.
    pub(crate) ops: Vec<usize>,
    /// WATCH ops, and the ops run right away while watching (before MULTI).
    pub(crate) watch_ops: Vec<usize>,
    /// After WATCH and before MULTI, commands run immediately.
    pub(crate) immediate: bool,
    /// How many loops were open where the pipeline was made.
    pub(crate) loop_level: usize,
    /// Made inside code that batches its keys per slot itself.
    pub(crate) per_slot: bool,
    /// Executed once and for all (later commands are not queued on it).
    pub(crate) done: bool,
    /// What was assumed to make it a transaction (see [`Group::assumption`]).
    pub(crate) assumption: Option<String>,
}

/// The model of one file as a front-end builds it.
#[derive(Debug)]
pub(crate) struct Builder<K> {
    pub(crate) out: Output,
    clients: ClientTable<K>,
    pub(crate) pipes: Vec<Pipe>,
    /// Ops by call site and command: code run twice (a helper called from
    /// two places, then on its own) records each op once.
    op_ids: HashMap<(usize, usize, String), usize>,
    /// Groups already emitted (the same pipeline run twice).
    groups: HashSet<(GroupKind, Span, Vec<usize>)>,
    /// Whether ops are recorded (off while a front-end only learns values).
    pub(crate) recording: bool,
    /// Names bound by the loops around the code being run, outermost first.
    pub(crate) loop_vars: Vec<String>,
}

impl<K> Default for Builder<K> {
    fn default() -> Self {
        Builder {
            out: Output::default(),
            clients: ClientTable::default(),
            pipes: Vec::new(),
            op_ids: HashMap::new(),
            groups: HashSet::new(),
            recording: false,
            loop_vars: Vec::new(),
        }
    }
}

impl<K: Copy> Builder<K> {
    /// The model index of a client made from `kind` (one per kind, and per
    /// receiver `name` for a client of unknown kind).
    pub(crate) fn client(&mut self, kind: K, client: Client, name: Option<&str>) -> usize {
        self.clients
            .index(&mut self.out.model.clients, kind, client, name)
    }

    /// The kind a model client came from.
    pub(crate) fn kind(&self, client: Option<usize>) -> Option<K> {
        client.and_then(|c| self.clients.kind(c))
    }
}

impl<K> Builder<K> {
    /// Adds an op, once per call site and command; `None` while not recording.
    pub(crate) fn op(
        &mut self,
        command: &str,
        span: Span,
        keys: Vec<Key>,
        args: Vec<Arg>,
        client: Option<usize>,
    ) -> Option<usize> {
        if !self.recording {
            return None;
        }
        let id = (span.start, span.end, command.to_string());
        if let Some(&i) = self.op_ids.get(&id) {
            return Some(i);
        }
        let i = self.push_op(Op {
            command: command.to_string(),
            span,
            keys,
            args,
            client,
        });
        self.op_ids.insert(id, i);
        Some(i)
    }

    fn push_op(&mut self, op: Op) -> usize {
        self.out.model.ops.push(op);
        self.out.model.ops.len() - 1
    }

    /// The op of a command written as arguments (`argv[0]` the command name,
    /// a container's subcommand in `argv[1]`): keys where the command's key
    /// specs put them, the rest as arguments (all of them, and no keys, when
    /// Redis would refuse the call). `None` for an unknown command.
    pub(crate) fn argv_op<X: Ext>(
        &mut self,
        argv: &[Elem<X>],
        span: Span,
        client: Option<usize>,
        skip: &[&str],
    ) -> Option<usize> {
        if !self.recording {
            return None;
        }
        let words: Vec<Vec<u8>> = argv
            .iter()
            .map(|a| a.val.literal_bytes().unwrap_or_else(|| b"x".to_vec()))
            .collect();
        let w0 = String::from_utf8_lossy(words.first()?).into_owned();
        let w1 = words
            .get(1)
            .map(|w| String::from_utf8_lossy(w).into_owned());
        let spec = commands::lookup(&w0, w1.as_deref())?;
        if skip.contains(&spec.name()) {
            return None;
        }
        let positions = commands::key_positions(&words).unwrap_or_default();
        let key_idx: Vec<usize> = positions.indices().collect();
        let head = if spec.container().is_some() { 2 } else { 1 };
        let keys = key_idx
            .iter()
            .filter_map(|&i| argv.get(i))
            .map(Elem::key)
            .collect();
        let rest = argv
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= head && !key_idx.contains(i))
            .map(|(_, a)| Arg {
                value: a.val.literal_bytes(),
                span: a.span,
            })
            .collect();
        let command = spec.name().to_string();
        self.op(&command, span, keys, rest, client)
    }

    /// A new pipeline made at `span`, inside the loops open now.
    pub(crate) fn new_pipe(&mut self, client: Option<usize>, span: Span, kind: GroupKind) -> usize {
        self.pipes.push(Pipe {
            client,
            kind,
            span,
            ops: Vec::new(),
            watch_ops: Vec::new(),
            immediate: false,
            loop_level: self.loop_vars.len(),
            per_slot: false,
            assumption: None,
            done: false,
        });
        self.pipes.len() - 1
    }

    /// Queues `op` (made for `command`) on pipeline `p`: WATCH and what runs
    /// while watching go to the WATCH set; inside a loop the pipeline was made
    /// outside of, the op stands for one per turn: two instances whose
    /// loop-bound holes differ. A pipeline done with takes nothing more.
    pub(crate) fn queue<X: Ext>(&mut self, p: Option<usize>, op: Option<usize>, command: &str) {
        let (Some(p), Some(op)) = (p, op) else {
            return;
        };
        let Some(pipe) = self.pipes.get(p).filter(|pipe| !pipe.done) else {
            return;
        };
        if command == "WATCH" || pipe.immediate {
            let pipe = &mut self.pipes[p];
            pipe.watch_ops.push(op);
            pipe.immediate = true;
            return;
        }
        let vars: Vec<String> = self
            .loop_vars
            .get(pipe.loop_level..)
            .unwrap_or(&[])
            .to_vec();
        let varies = !vars.is_empty()
            && self.out.model.ops[op]
                .keys
                .iter()
                .any(|k| varies_with::<X>(&k.pattern, &vars));
        let mut queued = vec![op];
        if varies {
            let mut second = self.out.model.ops[op].clone();
            for k in &mut self.out.model.ops[op].keys {
                k.pattern = instance::<X>(&k.pattern, &vars, 1);
            }
            for k in &mut second.keys {
                k.pattern = instance::<X>(&k.pattern, &vars, 2);
            }
            queued.push(self.push_op(second));
        }
        self.pipes[p].ops.extend(queued);
    }

    /// `multi()` on a pipeline: from now on a transaction, no longer watching.
    pub(crate) fn multi(&mut self, p: usize) {
        if let Some(pipe) = self.pipes.get_mut(p) {
            pipe.kind = GroupKind::TxPipeline;
            pipe.immediate = false;
        }
    }

    /// `reset()`/`discard()`: the queued commands and the WATCH set are dropped.
    pub(crate) fn discard(&mut self, p: usize) {
        if let Some(pipe) = self.pipes.get_mut(p) {
            pipe.ops.clear();
            pipe.watch_ops.clear();
        }
    }

    /// `unwatch()`: the WATCH set is dropped.
    pub(crate) fn unwatch(&mut self, p: usize) {
        if let Some(pipe) = self.pipes.get_mut(p) {
            pipe.watch_ops.clear();
            pipe.immediate = false;
        }
    }

    /// Emits the group(s) of a pipeline's queued ops and empties it: the
    /// pipeline, and for a watched transaction the WATCH set with it.
    pub(crate) fn execute(&mut self, p: usize) {
        let Some(pipe) = self.pipes.get_mut(p) else {
            return;
        };
        let ops = std::mem::take(&mut pipe.ops);
        let watch = std::mem::take(&mut pipe.watch_ops);
        pipe.immediate = false;
        let (kind, span, client, per_slot) = (pipe.kind, pipe.span, pipe.client, pipe.per_slot);
        let assumption = pipe.assumption.clone();
        if !self.recording || ops.is_empty() {
            return;
        }
        let watched = watch.iter().any(|&i| {
            self.out
                .model
                .ops
                .get(i)
                .is_some_and(|o| o.command == "WATCH")
        });
        let mut all = watch;
        all.extend(&ops);
        self.group(Group {
            kind,
            span,
            ops,
            script: None,
            client,
            per_slot,
            assumption: assumption.clone(),
        });
        if watched && kind == GroupKind::TxPipeline {
            self.group(Group {
                kind: GroupKind::Watch,
                span,
                ops: all,
                script: None,
                client,
                per_slot: false,
                assumption,
            });
        }
    }

    /// Executes every pipeline from index `from` on (those a function body left open).
    pub(crate) fn flush(&mut self, from: usize) {
        for i in from..self.pipes.len() {
            self.execute(i);
        }
    }

    /// Adds a group unless the same one is there.
    pub(crate) fn group(&mut self, group: Group) {
        if self
            .groups
            .insert((group.kind, group.span, group.ops.clone()))
        {
            self.out.model.groups.push(group);
        }
    }

    /// The script of a script call: analyzed from its literal text when
    /// known, else known only by where it is (`span`). `external`: the text
    /// is a file of its own (a `.lua` file the code reads, whose lexical
    /// problems are its own).
    pub(crate) fn script_text(
        &mut self,
        lit: Option<&Literal>,
        span: Span,
        numkeys: Option<u32>,
        external: bool,
    ) -> usize {
        // A file of its own is placed at the call that runs it.
        let placed;
        let lit = match lit {
            Some(l) if external => {
                let mut offsets = vec![span.start; l.bytes.len()];
                offsets.push(span.end);
                placed = Literal {
                    bytes: l.bytes.clone(),
                    offsets,
                };
                Some(&placed)
            }
            other => other,
        };
        let script = match lit {
            Some(lit) => {
                let analysis = lua::analyze_full(&lit.bytes, &lit.offsets);
                if !external {
                    self.out.problems.extend(analysis.problems);
                }
                Script {
                    numkeys,
                    external,
                    ..analysis.script
                }
            }
            None => Script {
                span,
                numkeys,
                ..Script::default()
            },
        };
        self.out.model.scripts.push(script);
        self.out.model.scripts.len() - 1
    }

    /// The library a FUNCTION LOAD of literal text loads (while recording).
    pub(crate) fn library(&mut self, lit: &Literal) {
        if self.recording {
            lua::load_library(
                &mut self.out.model,
                &mut self.out.problems,
                &lit.bytes,
                &lit.offsets,
            );
        }
    }

    /// The group of a script call `op` at `span`, with its script.
    pub(crate) fn script_group(
        &mut self,
        op: usize,
        span: Span,
        script: usize,
        client: Option<usize>,
    ) {
        self.out.model.groups.push(Group {
            kind: GroupKind::Script,
            span,
            ops: vec![op],
            script: Some(script),
            client,
            per_slot: false,
            assumption: None,
        });
    }
}
