//! JSON-RPC framing: `Content-Length` headers, then a JSON body, read into
//! `lsp-server`'s typed messages and written by them. Reading is ours rather
//! than `lsp-server`'s reader thread, which ends the session on the first
//! malformed frame: here bad input is answered (a parse error, an invalid
//! request) and the next frame is read.

use std::io::{self, BufRead, Read, Write};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::Value;

/// The largest message read (a whole buffer of a huge file is far smaller).
pub(crate) const MAX_MESSAGE: usize = 256 << 20;

/// A frame that is not a message: what to answer.
#[derive(Debug)]
pub(crate) struct Bad {
    /// The request's id when it could be read; `null` otherwise.
    pub(crate) id: Option<RequestId>,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

/// One frame read.
#[derive(Debug)]
pub(crate) enum Frame {
    Message(Message),
    Bad(Bad),
}

fn bad(id: Option<RequestId>, code: ErrorCode, message: impl Into<String>) -> Frame {
    Frame::Bad(Bad {
        id,
        code,
        message: message.into(),
    })
}

/// Reads one frame; `None` at the end of input.
pub(crate) fn read(input: &mut dyn BufRead) -> io::Result<Option<Frame>> {
    let mut length = None;
    let mut not_utf8 = false;
    let mut any = false;
    loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        let Ok(text) = std::str::from_utf8(&line) else {
            not_utf8 = true;
            any = true;
            continue;
        };
        let text = text.trim_end();
        if text.is_empty() {
            if any {
                break;
            }
            continue; // blank lines between frames
        }
        any = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let Some(length) = length else {
        return Ok(Some(bad(
            None,
            ErrorCode::ParseError,
            "parse error: a message without a readable Content-Length header",
        )));
    };
    if length > MAX_MESSAGE {
        // Not read into memory: skipped in chunks.
        io::copy(&mut (&mut *input).take(length as u64), &mut io::sink())?;
        return Ok(Some(bad(
            None,
            ErrorCode::ParseError,
            format!("parse error: a message of {length} bytes (at most {MAX_MESSAGE})"),
        )));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    if not_utf8 {
        return Ok(Some(bad(
            None,
            ErrorCode::ParseError,
            "parse error: a header that is not UTF-8",
        )));
    }
    Ok(Some(parse(&body)))
}

/// A JSON-RPC id as `lsp-server` knows them: an `i32` or a string.
pub(crate) fn request_id(id: &Value) -> Option<RequestId> {
    match id {
        Value::Number(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(RequestId::from),
        Value::String(s) => Some(RequestId::from(s.clone())),
        _ => None,
    }
}

/// A body as a message: JSON (else a parse error), an object (else an
/// invalid request), with a method or a result (else an invalid request).
pub(crate) fn parse(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return bad(None, ErrorCode::ParseError, format!("parse error: {e}")),
    };
    let Value::Object(mut object) = value else {
        return bad(
            None,
            ErrorCode::InvalidRequest,
            "invalid request: a message must be a JSON object",
        );
    };
    let raw_id = object.get("id").cloned().filter(|v| !v.is_null());
    let id = raw_id.as_ref().and_then(request_id);
    if raw_id.is_some() && id.is_none() {
        return bad(
            None,
            ErrorCode::InvalidRequest,
            "invalid request: the id must be a 32-bit integer or a string",
        );
    }
    let params = object.remove("params").unwrap_or(Value::Null);
    match (object.remove("method"), id) {
        (Some(Value::String(method)), Some(id)) => {
            Frame::Message(Message::Request(Request { id, method, params }))
        }
        (Some(Value::String(method)), None) => {
            Frame::Message(Message::Notification(Notification { method, params }))
        }
        (None, Some(id)) if object.contains_key("result") || object.contains_key("error") => {
            let response_result = match object.remove("error") {
                Some(error) => match serde_json::from_value(error) {
                    Ok(e) => Err(e),
                    Err(_) => return bad(Some(id), ErrorCode::InvalidRequest, "invalid response"),
                },
                None => Ok(object.remove("result").unwrap_or(Value::Null)),
            };
            Frame::Message(Message::Response(Response {
                id,
                response_result,
            }))
        }
        (_, id) => bad(
            id,
            ErrorCode::InvalidRequest,
            "invalid request: no method (or a method that is not a string)",
        ),
    }
}

/// Writes one message.
pub(crate) fn write(out: &mut dyn Write, message: &Message) -> io::Result<()> {
    message.write(&mut &mut *out)
}

/// A notification framed, its params written straight from their type (a
/// large publish is not built as a JSON value first).
pub(crate) fn framed_notification(method: &str, params: &impl serde::Serialize) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Framed<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    let body = serde_json::to_vec(&Framed {
        jsonrpc: "2.0",
        method,
        params,
    })
    .unwrap_or_default();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Answers a frame that is not a message (`id: null` when it had none).
pub(crate) fn write_bad(out: &mut dyn Write, bad: Bad) -> io::Result<()> {
    if let Some(id) = bad.id {
        return write(
            out,
            &Response::new_err(id, bad.code as i32, bad.message).into(),
        );
    }
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": bad.code as i32, "message": bad.message },
    })
    .to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn frame(bytes: &[u8]) -> Frame {
        read(&mut &bytes[..]).unwrap().unwrap()
    }

    fn code(f: &Frame) -> Option<i32> {
        match f {
            Frame::Bad(b) => Some(b.code as i32),
            Frame::Message(_) => None,
        }
    }

    #[test]
    fn messages_and_what_is_not() {
        let f = frame(&framed(br#"{"jsonrpc":"2.0","id":7,"method":"x"}"#));
        assert!(matches!(f, Frame::Message(Message::Request(r)) if r.id == 7.into()));
        let f = frame(&framed(br#"{"jsonrpc":"2.0","id":7,"result":null}"#));
        assert!(matches!(f, Frame::Message(Message::Response(r)) if r.id == 7.into()));
        assert_eq!(code(&frame(&framed(b"[1,2]"))), Some(-32600));
        assert_eq!(code(&frame(&framed(b"42"))), Some(-32600));
        assert_eq!(code(&frame(&framed(b"{oops"))), Some(-32700));
        assert_eq!(code(&frame(b"Content-Length: x\r\n\r\n{}")), Some(-32700));
        let mut bad_header = b"X-Thing: \xff\xfe\r\n".to_vec();
        bad_header.extend(framed(b"{}"));
        assert_eq!(code(&frame(&bad_header)), Some(-32700));
        let f = frame(&framed(br#"{"id":"a","method":false}"#));
        assert!(matches!(f, Frame::Bad(Bad { id: Some(_), .. })));
        let f = frame(&framed(br#"{"id":1e99,"method":"x"}"#));
        assert!(matches!(
            f,
            Frame::Bad(Bad {
                id: None,
                code: ErrorCode::InvalidRequest,
                ..
            })
        ));
    }

    #[test]
    fn a_bad_frame_leaves_the_next_one_readable() {
        let mut input = b"Bad\xc3\x28: 1\r\n".to_vec();
        input.extend(framed(b"{}"));
        input.extend(framed(br#"{"jsonrpc":"2.0","method":"exit"}"#));
        let mut r = &input[..];
        assert_eq!(code(&read(&mut r).unwrap().unwrap()), Some(-32700));
        let next = read(&mut r).unwrap().unwrap();
        assert!(matches!(next, Frame::Message(Message::Notification(n)) if n.method == "exit"));
        assert!(read(&mut r).unwrap().is_none());
    }
}
