//! Requests about a document (hover, code actions): answered from the
//! analysis of its current version, or parked until that is done; and their
//! cancellation.

use std::io;
use std::sync::Arc;

use lsp_server::{ErrorCode, RequestId, ResponseError};
use lsp_types::{CodeActionKind, Hover, HoverContents, MarkupContent, MarkupKind, Uri};
use serde_json::Value;

use super::lint::Analysis;
use super::{actions, diagnostics, documents, hover, Done, Job, Parked, Pending, Running, Server};

impl Server<'_> {
    pub(super) fn cancel(&mut self, id: RequestId) -> io::Result<()> {
        let parked = self.parked.iter().position(|p| p.id == id);
        let queued = self.jobs.iter().position(|(j, _)| *j == id);
        let running = matches!(&self.running, Some(Running::Request(r)) if *r == id);
        if let Some(i) = parked {
            self.parked.remove(i);
        } else if let Some(i) = queued {
            self.jobs.remove(i);
        } else if running {
            self.cancelled.insert(id.clone());
        } else {
            return Ok(());
        }
        self.reply_error(id, ErrorCode::RequestCanceled, "canceled by the client")
    }

    pub(super) fn answer_or_park(
        &mut self,
        id: RequestId,
        uri: Uri,
        request: Pending,
    ) -> io::Result<()> {
        let Some(doc) = self.docs.get(&uri) else {
            return match request {
                Pending::Hover(_) => self.reply(id, Value::Null),
                Pending::Actions(_) => self.reply(id, Vec::<Value>::new()),
            };
        };
        if doc.language.is_none() {
            return self.reply(id, Value::Null);
        }
        if let Some(a) = doc.current().cloned() {
            return self.answer(id, &uri, &a, request);
        }
        let version = doc.version;
        self.parked.push(Parked {
            id,
            uri,
            version,
            request,
        });
        Ok(())
    }

    pub(super) fn answer(
        &mut self,
        id: RequestId,
        uri: &Uri,
        a: &Arc<Analysis>,
        request: Pending,
    ) -> io::Result<()> {
        match request {
            Pending::Hover(p) => {
                let text = String::from_utf8_lossy(&a.file.text);
                let at = documents::offset(&text, p.text_document_position_params.position);
                let pages = self.pages.clone();
                let found = hover::hover(a, &self.judge, at, &|r| pages.uri(r));
                let result = found.map(|(value, span)| Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value,
                    }),
                    range: Some(diagnostics::range(&a.file, span)),
                });
                self.reply(id, result)
            }
            Pending::Actions(p) => {
                let text = String::from_utf8_lossy(&a.file.text);
                let span = crate::model::Span::new(
                    documents::offset(&text, p.range.start),
                    documents::offset(&text, p.range.end),
                );
                let only = p.context.only.as_deref();
                let pages = self.pages.clone();
                let diagnostic = |f: &crate::finding::Finding| {
                    diagnostics::diagnostic(&a.file, uri, f, &|r| pages.uri(r))
                };
                let mut found = Vec::new();
                if actions::wanted(only, CodeActionKind::QUICKFIX.as_str()) {
                    found = actions::quick_fixes(a, uri, span, &p.context.diagnostics, &diagnostic);
                }
                let any_safe = a.result.findings.iter().any(|f| {
                    f.fix
                        .as_ref()
                        .is_some_and(|x| x.safety == crate::finding::Safety::Safe)
                });
                if !(any_safe && actions::wanted(only, actions::FIX_ALL)) {
                    return self.reply(id, found);
                }
                // Fixing all may lint several times: the worker's job.
                let (a, judge, uri) = (a.clone(), self.judge.clone(), uri.clone());
                let job_id = id.clone();
                let job: Job = Box::new(move || {
                    found.extend(actions::fix_all_action(&a, &judge, &uri));
                    let result = serde_json::to_value(found).map_err(|e| ResponseError {
                        code: ErrorCode::InternalError as i32,
                        message: e.to_string(),
                        data: None,
                    });
                    Done::Answer { id: job_id, result }
                });
                self.jobs.push_back((id, job));
                Ok(())
            }
        }
    }
}
