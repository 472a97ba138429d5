//! Keeping documents and the workspace in step: a document opened, changed
//! or closed, a file changed on disk, the config and schemas reloaded. Each
//! marks what must be linted again; `schedule` does the rest.

use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use lsp_server::ErrorCode;
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, FileChangeType, MessageType, Uri,
};

use super::documents::{self, Document};
use super::settings::Pages;
use super::{workspace, Parked, Running, Server};

impl Server<'_> {
    /// Loads the config and schemas again; every document is linted again.
    pub(super) fn reload(&mut self) -> io::Result<()> {
        let (judge, error) = workspace::judge(&self.root, &self.settings, self.project.clone());
        self.judge = Arc::new(judge);
        self.pages = Arc::new(Pages::new(self.settings.rule_docs.clone()));
        self.generation += 1;
        if let Some(e) = error {
            self.show(MessageType::ERROR, &e)?;
        }
        let due = Instant::now();
        for (uri, doc) in &self.docs {
            if doc.language.is_some() {
                self.dirty.insert(uri.clone(), due);
            }
        }
        self.cancel_running_lint();
        self.background.clear();
        if self.settings.workspace_diagnostics {
            self.walk_wanted = true;
        } else {
            self.walk_wanted = false;
            for uri in std::mem::take(&mut self.from_disk) {
                self.publish(uri, Vec::new(), None)?;
            }
            self.files.clear();
        }
        Ok(())
    }

    /// `path` changed (a buffer or the file): every other open document
    /// whose last analysis read it is linted again, after the debounce.
    fn dependents_changed(&mut self, path: &std::path::Path, changed: &Uri) {
        let path = crate::project::normal(path);
        let due = Instant::now() + self.settings.debounce;
        for (uri, doc) in &self.docs {
            let reads = doc
                .analysis
                .as_ref()
                .is_some_and(|a| a.result.deps.contains(&path));
            if uri != changed && reads {
                self.dirty.entry(uri.clone()).or_insert(due);
            }
        }
    }

    pub(super) fn cancel_running_lint(&mut self) {
        if let Some(Running::Lint { cancel, .. }) = &self.running {
            cancel.store(true, Ordering::Relaxed);
        }
    }

    pub(super) fn open(&mut self, uri: Uri, mut doc: Document) -> io::Result<()> {
        self.opened += 1;
        doc.id = self.opened;
        // A schema the config names is one whatever its name, as in `check`.
        if doc.language.is_none()
            && doc
                .path
                .as_deref()
                .is_some_and(|p| workspace::named_schema(p, &self.judge))
        {
            doc.language = Some(crate::lang::Language::SCHEMA);
        }
        let lintable = doc.language.is_some();
        if let Some(path) = doc.path.clone() {
            self.project.set_buffer(&path, doc.text.clone());
            self.dependents_changed(&path, &uri);
        }
        self.docs.insert(uri.clone(), doc);
        if lintable {
            self.dirty.insert(uri.clone(), Instant::now());
            // The buffer wins over the file on disk.
            if let Some(Running::Lint {
                uri: u,
                from_disk: true,
                cancel,
            }) = &self.running
            {
                if *u == uri {
                    cancel.store(true, Ordering::Relaxed);
                }
            }
            Ok(())
        } else {
            self.publish(uri, Vec::new(), None)
        }
    }

    pub(super) fn change(&mut self, p: DidChangeTextDocumentParams) -> io::Result<()> {
        let uri = p.text_document.uri;
        let Some(doc) = self.docs.get_mut(&uri) else {
            return Ok(());
        };
        doc.change(p.text_document.version, p.content_changes);
        if let Some(path) = doc.path.clone() {
            self.project.set_buffer(&path, doc.text.clone());
            self.dependents_changed(&path, &uri);
        }
        let Some(doc) = self.docs.get_mut(&uri) else {
            return Ok(());
        };
        if doc.language.is_none() {
            return Ok(());
        }
        // A change after a rest is linted at once; one in a burst of
        // changes waits until the burst has rested.
        let now = Instant::now();
        let resting = now.duration_since(doc.changed) >= self.settings.debounce;
        doc.changed = now;
        let due = if resting {
            now
        } else {
            now + self.settings.debounce
        };
        self.dirty.insert(uri.clone(), due);
        // A lint of an older version, or of a file from disk, gives way.
        if let Some(Running::Lint {
            uri: u,
            from_disk,
            cancel,
        }) = &self.running
        {
            if *u == uri || *from_disk {
                cancel.store(true, Ordering::Relaxed);
            }
        }
        // Requests about the version that was: their positions moved.
        let (stale, kept): (Vec<Parked>, Vec<Parked>) = std::mem::take(&mut self.parked)
            .into_iter()
            .partition(|p| p.uri == uri);
        self.parked = kept;
        for p in stale {
            let message = "the document changed";
            self.reply_error(p.id, ErrorCode::ContentModified, message)?;
        }
        Ok(())
    }

    pub(super) fn close(&mut self, uri: Uri) -> io::Result<()> {
        if let Some(path) = self.docs.remove(&uri).and_then(|d| d.path) {
            self.project.close_buffer(&path);
            self.dependents_changed(&path, &uri);
        }
        self.dirty.remove(&uri);
        let (gone, kept): (Vec<Parked>, Vec<Parked>) = std::mem::take(&mut self.parked)
            .into_iter()
            .partition(|p| p.uri == uri);
        self.parked = kept;
        for p in gone {
            self.reply_error(p.id, ErrorCode::ContentModified, "the document was closed")?;
        }
        let on_disk = documents::uri_path(&uri)
            .and_then(|path| self.files.iter().find(|t| t.path == path).cloned());
        match on_disk {
            // Its diagnostics are now those of the file on disk.
            Some(t) if self.settings.workspace_diagnostics => {
                self.background.push_front((uri, t));
                Ok(())
            }
            _ => self.publish(uri, Vec::new(), None),
        }
    }

    pub(super) fn watched(&mut self, p: DidChangeWatchedFilesParams) -> io::Result<()> {
        let mut reload = false;
        for change in p.changes {
            let Some(path) = documents::uri_path(&change.uri) else {
                continue;
            };
            // What was read of it is out of date; the documents that import
            // it are linted again.
            self.project.forget(&path);
            self.dependents_changed(&path, &change.uri);
            if workspace::judges(&path, &self.judge) {
                reload = true;
                continue;
            }
            if !self.settings.workspace_diagnostics || self.docs.contains_key(&change.uri) {
                continue;
            }
            if change.typ == FileChangeType::CHANGED {
                if let Some(t) = self.files.iter().find(|t| t.path == path).cloned() {
                    self.background.push_front((change.uri, t));
                }
            } else {
                if change.typ == FileChangeType::DELETED && self.from_disk.remove(&change.uri) {
                    self.publish(change.uri, Vec::new(), None)?;
                }
                self.walk_wanted = true;
            }
        }
        if reload {
            self.reload()?;
        }
        Ok(())
    }
}
