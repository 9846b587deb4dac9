//! The response sent back to the client, as a hyper response whose body streams
//! chunk by chunk: each server-sent event (or event-stream frame) reel replays is
//! written and flushed as its own HTTP/1.1 chunk, and an upstream response
//! streams as the upstream sends it.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::TryStreamExt as _;
use http::header;
use http_body::Body as _;
use http_body_util::{BodyExt as _, StreamBody};
use hyper::body::Frame;
use reel::{BoxError, ReplayBody, Replayed};

use crate::exchange::{Outcome, Pending};
use crate::hop_by_hop::is_hop_by_hop;

/// The body of every response the server sends.
pub(crate) type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A replayed response: the recorded status (with its reason phrase, such as
/// `200 OK`), headers and body, one chunk per event.
pub(crate) fn replayed(
    response: http::Response<ReplayBody>,
    pending: Pending,
) -> http::Response<Body> {
    let (parts, body) = response.into_parts();
    let length = body.size_hint().exact();
    let replayed = parts.extensions.get::<Replayed>();
    let outcome = Outcome::Replayed {
        interaction: replayed.map_or(0, |r| r.interaction),
    };
    let reason = replayed.and_then(|r| reason_phrase(parts.status, &r.status));
    respond(&parts, length, reason, body, pending, outcome)
}

/// The upstream's response: its head, the length it announced, its body.
pub(crate) struct Live {
    pub(crate) head: http::response::Parts,
    pub(crate) length: Option<u64>,
    pub(crate) body: reqwest::Body,
}

impl Live {
    pub(crate) fn new(response: reqwest::Response) -> Live {
        let length = response.content_length();
        let (head, body) = http::Response::<reqwest::Body>::from(response).into_parts();
        Live { head, length, body }
    }
}

/// A response streamed from the upstream (and maybe recorded on the way): its
/// status, headers and `body` as it arrives.
pub(crate) fn streamed<B>(
    head: &http::response::Parts,
    length: Option<u64>,
    body: B,
    pending: Pending,
    outcome: Outcome,
) -> http::Response<Body>
where
    B: http_body::Body<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<BoxError>,
{
    respond(head, length, None, body, pending, outcome)
}

/// A recording's body, as chunks.
pub(crate) fn chunks(
    body: reel::RecordingBody,
) -> impl http_body::Body<Data = Bytes, Error = BoxError> + Unpin + Send {
    StreamBody::new(body.map_ok(Frame::data))
}

/// The client's response: the status, the headers but those of the connection,
/// the body's own length, and the body. `pending` is reported with `outcome`
/// when the body has been sent.
fn respond<B>(
    head: &http::response::Parts,
    length: Option<u64>,
    reason: Option<hyper::ext::ReasonPhrase>,
    body: B,
    pending: Pending,
    outcome: Outcome,
) -> http::Response<Body>
where
    B: http_body::Body<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<BoxError>,
{
    let status = head.status;
    let mut response = http::Response::new(());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    // The length is the body's, set below: a recorded `Content-Length` may
    // disagree with a hand-edited body, and a stream goes out chunked. A `304`
    // has no body and its length, if any, describes another response.
    let keep_length = status == http::StatusCode::NOT_MODIFIED;
    for (name, value) in &head.headers {
        if !is_hop_by_hop(name) && (name != header::CONTENT_LENGTH || keep_length) {
            headers.append(name.clone(), value.clone());
        }
    }
    let bodiless = status.is_informational() || status == http::StatusCode::NO_CONTENT;
    if let Some(length) = length.filter(|_| !bodiless && !keep_length) {
        headers.insert(header::CONTENT_LENGTH, length.into());
    }
    if let Some(reason) = reason {
        response.extensions_mut().insert(reason);
    }
    let body = Logged {
        body,
        finish: Some((pending, status, outcome)),
    };
    let (parts, ()) = response.into_parts();
    http::Response::from_parts(parts, body.boxed_unsync())
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

/// The body as it is sent; reports the exchange when the body ends, breaks, or
/// is dropped because the client went away.
struct Logged<B> {
    body: B,
    finish: Option<(Pending, http::StatusCode, Outcome)>,
}

impl<B> Logged<B> {
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

impl<B> http_body::Body for Logged<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(err))) => {
                let err = err.into();
                self.finish(Some(format!("the response body broke: {}", chain(&*err))));
                Poll::Ready(Some(Err(err)))
            }
            Poll::Ready(None) => {
                self.finish(None);
                Poll::Ready(None)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl<B> Drop for Logged<B> {
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
