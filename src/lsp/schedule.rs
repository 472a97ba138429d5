//! What the worker does next, and what becomes of its results: the lint
//! of a document that is due (debounced), the workspace walk, the files from
//! disk; a result is published only when it is of the current version.

use std::collections::BTreeSet;
use std::io;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use lsp_server::Response;
use lsp_types::{PublishDiagnosticsParams, Uri};

use super::lint::{self, Source};
use super::{diagnostics, documents, transport, workspace, Done, Parked, Phase, Running, Server};

impl Server<'_> {
    /// When the loop must wake up to lint a document that is due.
    pub(super) fn next_wake(&self) -> Option<Instant> {
        if self.worker.is_busy() || !self.jobs.is_empty() {
            return None;
        }
        self.dirty.values().min().copied()
    }

    /// Gives the idle worker its next job: a request's, then the document
    /// due first, then the workspace walk, then a file from disk.
    pub(super) fn schedule(&mut self) {
        if self.worker.is_busy() || self.phase != Phase::Running {
            return;
        }
        if let Some((id, job)) = self.jobs.pop_front() {
            self.running = Some(Running::Request(id));
            self.worker.run(job);
            return;
        }
        let now = Instant::now();
        let due = self
            .dirty
            .iter()
            .filter(|(_, t)| **t <= now)
            .min_by_key(|(_, t)| **t)
            .map(|(u, _)| u.clone());
        if let Some(uri) = due {
            self.dirty.remove(&uri);
            if let Some(doc) = self.docs.get_mut(&uri) {
                if let Some(language) = doc.language {
                    let source = Source {
                        shown: doc
                            .path
                            .as_deref()
                            .map_or_else(|| uri.as_str().to_string(), crate::discover::display),
                        language,
                        version: Some(doc.version),
                        text: doc.text.clone(),
                        location: doc.path.clone(),
                    };
                    // The tree goes with the job and comes back with it.
                    let reuse = lint::Reuse {
                        tree: doc.tree.take(),
                        edits: std::mem::take(&mut doc.edits),
                    };
                    let epoch = (doc.id, doc.epoch);
                    self.lint(uri, source, false, reuse, epoch);
                }
            }
            return;
        }
        if !self.dirty.is_empty() {
            return; // a document is about to be linted: the worker waits for it
        }
        if self.walk_wanted {
            self.walk_wanted = false;
            let (root, judge, generation) =
                (self.root.clone(), self.judge.clone(), self.generation);
            self.running = Some(Running::Walk);
            self.worker.run(move || Done::Walked {
                generation,
                files: workspace::files(&root, &judge),
            });
            return;
        }
        while let Some((uri, target)) = self.background.pop_front() {
            if self.docs.contains_key(&uri) {
                continue;
            }
            if let Some(source) = workspace::disk_source(&target.path, Some(target.language)) {
                self.lint(uri, source, true, lint::Reuse::default(), (0, 0));
                return;
            }
        }
    }

    pub(super) fn lint(
        &mut self,
        uri: Uri,
        source: Source,
        from_disk: bool,
        reuse: lint::Reuse,
        epoch: (u64, u64),
    ) {
        let cancel = Arc::new(AtomicBool::new(false));
        self.running = Some(Running::Lint {
            uri: uri.clone(),
            from_disk,
            cancel: cancel.clone(),
        });
        let (judge, pages, generation) = (self.judge.clone(), self.pages.clone(), self.generation);
        self.worker.run(move || {
            let (analysis, tree) = lint::lint(&source, &judge, &cancel, reuse);
            // The publish is written out here, off the server loop.
            let publish = analysis.as_ref().map(|a| {
                let params = PublishDiagnosticsParams {
                    uri: uri.clone(),
                    diagnostics: diagnostics::of(a, &uri, &|r| pages.uri(r)),
                    version: source.version,
                };
                transport::framed_notification("textDocument/publishDiagnostics", &params)
            });
            Done::Linted {
                uri,
                version: source.version,
                generation,
                analysis: analysis.map(Arc::new),
                publish: publish.unwrap_or_default(),
                tree: tree.map(|t| (t, epoch)),
            }
        });
    }

    pub(super) fn done(&mut self, done: Done) -> io::Result<()> {
        self.worker.finished();
        let running = self.running.take();
        if self.phase != Phase::Running {
            return Ok(()); // shut down: nothing is published any more
        }
        match done {
            Done::Answer { id, result } => {
                if self.cancelled.remove(&id) {
                    return Ok(());
                }
                let response = match result {
                    Ok(v) => Response::new_ok(id, v),
                    Err(e) => Response {
                        id,
                        response_result: Err(e),
                    },
                };
                self.send(&response.into())
            }
            Done::Walked { generation, files } => {
                if generation != self.generation {
                    return Ok(());
                }
                // `Uri` is compared by its text only: never mutated as a key.
                #[allow(clippy::mutable_key_type)]
                let listed: BTreeSet<Uri> = files
                    .iter()
                    .filter_map(|t| documents::path_uri(&t.path))
                    .collect();
                for uri in self.from_disk.clone() {
                    if !listed.contains(&uri) && !self.docs.contains_key(&uri) {
                        self.from_disk.remove(&uri);
                        self.publish(uri, Vec::new(), None)?;
                    }
                }
                self.background = files
                    .iter()
                    .filter(|t| !t.stdin)
                    .filter_map(|t| Some((documents::path_uri(&t.path)?, t.clone())))
                    .filter(|(u, _)| !self.docs.contains_key(u))
                    .collect();
                self.files = files;
                Ok(())
            }
            Done::Linted {
                uri,
                version,
                generation,
                analysis,
                publish,
                tree,
            } => {
                let current = generation == self.generation;
                // The tree matches the text the job had; the edits since are
                // the document's (unless the whole text was replaced).
                if let (Some(doc), Some((tree, epoch))) = (self.docs.get_mut(&uri), tree) {
                    if version.is_some() && (doc.id, doc.epoch) == epoch && doc.tree.is_none() {
                        doc.tree = Some(tree);
                    }
                }
                let Some(analysis) = analysis else {
                    // Cancelled: a file from disk goes back in line.
                    if let Some(Running::Lint {
                        from_disk: true, ..
                    }) = running
                    {
                        if let Some(t) = self
                            .files
                            .iter()
                            .find(|t| documents::path_uri(&t.path).as_ref() == Some(&uri))
                        {
                            let t = t.clone();
                            self.background.push_front((uri, t));
                        }
                    }
                    return Ok(());
                };
                let Some(v) = version else {
                    if !current || self.docs.contains_key(&uri) {
                        return Ok(());
                    }
                    self.from_disk.insert(uri.clone());
                    return self.write_framed(&publish);
                };
                let Some(doc) = self.docs.get_mut(&uri) else {
                    return Ok(());
                };
                if doc.version != v || !current {
                    return Ok(()); // stale: the newer version is on its way
                }
                // The last analysis is let go once the new one is out.
                let last = doc.analysis.replace(analysis.clone());
                self.from_disk.remove(&uri);
                self.write_framed(&publish)?;
                let (ready, kept): (Vec<Parked>, Vec<Parked>) = std::mem::take(&mut self.parked)
                    .into_iter()
                    .partition(|p| p.uri == uri && p.version == v);
                self.parked = kept;
                for p in ready {
                    self.answer(p.id, &uri, &analysis, p.request)?;
                }
                drop(last);
                Ok(())
            }
        }
    }
}
