//! The `reqwest::Response` reel's middleware produced, sent back to the client as
//! a hyper response whose body streams chunk by chunk: each server-sent event
//! (or event-stream frame) reel replays is written and flushed as its own HTTP/1.1
//! chunk, and a recorded response streams as the upstream sends it.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use http::header;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::Frame;

use crate::exchange::{Outcome, Pending};
use crate::hop_by_hop::is_hop_by_hop;

/// The error type of a response body.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of every response the server sends.
pub(crate) type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// The client's response: the status (with the recorded reason phrase, such as
/// `200 OK`), the headers but those of the connection, and the body as a stream.
/// `pending` is reported with `outcome` when the body has been sent.
pub(crate) fn response(
    live: reqwest::Response,
    pending: Pending,
    outcome: Outcome,
) -> http::Response<Body> {
    let status = live.status();
    let mut response = http::Response::new(());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    // The length is the body's, set below: a recorded `Content-Length` may
    // disagree with a hand-edited body, and a stream goes out chunked. A `304`
    // has no body and its length, if any, describes another response.
    let keep_length = status == http::StatusCode::NOT_MODIFIED;
    for (name, value) in live.headers() {
        if !is_hop_by_hop(name) && (name != header::CONTENT_LENGTH || keep_length) {
            headers.append(name.clone(), value.clone());
        }
    }
    let bodiless = status.is_informational() || status == http::StatusCode::NO_CONTENT;
    if let Some(length) = live.content_length().filter(|_| !bodiless && !keep_length) {
        headers.insert(header::CONTENT_LENGTH, length.into());
    }
    if let Some(reason) = live
        .extensions()
        .get::<reel::Replayed>()
        .and_then(|replayed| reason_phrase(status, &replayed.status))
    {
        response.extensions_mut().insert(reason);
    }
    let body = Logged {
        chunks: Box::pin(live.bytes_stream()),
        finish: Some((pending, status, outcome)),
    };
    let (parts, ()) = response.into_parts();
    http::Response::from_parts(parts, StreamBody::new(body).boxed_unsync())
}

/// The recorded reason phrase (`OK` in `200 OK`), when it is not the one hyper
/// writes anyway.
fn reason_phrase(status: http::StatusCode, recorded: &str) -> Option<hyper::ext::ReasonPhrase> {
    let reason = recorded
        .strip_prefix(status.as_str())
        .map_or(recorded, str::trim_start);
    if reason.is_empty() || Some(reason) == status.canonical_reason() {
        return None;
    }
    hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec()).ok()
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The body's chunks as frames; reports the exchange when the body ends, breaks,
/// or is dropped because the client went away.
struct Logged {
    chunks: Chunks,
    finish: Option<(Pending, http::StatusCode, Outcome)>,
}

impl Logged {
    fn finish(&mut self, failure: Option<String>) {
        if let Some((pending, status, outcome)) = self.finish.take() {
            let outcome = match failure {
                Some(message) => Outcome::Failed { message },
                None => outcome,
            };
            pending.finish(status, outcome);
        }
    }
}

impl Stream for Logged {
    type Item = Result<Frame<Bytes>, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.chunks.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Poll::Ready(Some(Err(err))) => {
                self.finish(Some(format!("the response body broke: {}", chain(&err))));
                Poll::Ready(Some(Err(Box::new(err))))
            }
            Poll::Ready(None) => {
                self.finish(None);
                Poll::Ready(None)
            }
        }
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        self.finish(None);
    }
}

/// An error and its causes, `: `-separated, without repeating a cause the text
/// already holds.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unusual_recorded_reason_phrase_is_sent() {
        let ok = http::StatusCode::OK;
        assert!(reason_phrase(ok, "200 OK").is_none());
        assert!(reason_phrase(ok, "200").is_none());
        assert!(reason_phrase(ok, "").is_none());
        let custom = reason_phrase(ok, "200 Fine Thanks").unwrap();
        assert_eq!(custom.as_bytes(), b"Fine Thanks");
        let teapot = http::StatusCode::IM_A_TEAPOT;
        assert!(reason_phrase(teapot, "418 I'm a teapot").is_none());
    }
}
