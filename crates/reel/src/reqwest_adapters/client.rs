//! What the reqwest adapters (the middleware and the tower service) share: a
//! `reqwest::Request` turned into a [`Received`], and each [`Decision`] turned
//! into a `reqwest::Response`.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::ResponseBuilderExt as _;

use super::deps::reqwest;
use crate::{Behaviour, Decision, Error, Received, Recording, Reel, ReplayBody};

/// Why a reqwest adapter could not answer: reel's error, or the one of the
/// client or middleware that sent the request on.
pub(crate) enum Failure<E> {
    /// A miss, a request reel cannot read, a recording refused.
    Reel(Error),
    /// Sending the request on failed.
    Send(E),
}

/// Answers `request` from `reel`; `send` sends a request on (when recording or
/// forwarding) and is not called otherwise.
pub(crate) async fn answer<E, F, Fut>(
    reel: &Reel,
    request: reqwest::Request,
    send: F,
) -> Result<reqwest::Response, Failure<E>>
where
    F: FnOnce(reqwest::Request) -> Fut,
    Fut: Future<Output = Result<reqwest::Response, E>>,
{
    // Passthrough sends the request as it is, a streaming body too.
    if reel.behaviour() == Behaviour::Forward {
        return send(request).await.map_err(Failure::Send);
    }
    let (received, options) = match received_now(request, reel.max_body_size()) {
        Ok(ready) => ready.map_err(Failure::Reel)?,
        // A streamed body: read it whole, off the common path (boxed, so the
        // future of every request stays small).
        Err(request) => Box::pin(received(request, reel.max_body_size()))
            .await
            .map_err(Failure::Reel)?,
    };
    match reel.decide(&received).await {
        // The response gets the request's URL: moved, not copied.
        Decision::Replay(response) => Ok(replayed(response, options.url)),
        Decision::Miss(report) => Err(Failure::Reel(Error::NoMatch(report))),
        Decision::Record(recording) => {
            let response = Box::pin(send(options.request(received)))
                .await
                .map_err(Failure::Send)?;
            Ok(recorded(response, recording))
        }
        Decision::Forward => Box::pin(send(options.request(received)))
            .await
            .map_err(Failure::Send),
        Decision::Failed(err) => Err(Failure::Reel(*err)),
    }
}

/// The per-request options of a `reqwest::Request` that are not part of what
/// reel matches, kept to send the request on with them.
struct Options {
    /// The URL as reqwest parsed it: sent on as it is, and given to a replayed
    /// response.
    url: reqwest::Url,
    timeout: Option<Duration>,
    version: http::Version,
}

impl Options {
    /// The request to send on: method, URL, headers and body as received (the
    /// body not copied, the URL reqwest parsed), with these options; a body
    /// when [`Received::sends_body`] says so.
    fn request(self, received: Received) -> reqwest::Request {
        let sends_body = received.sends_body();
        let (method, headers, body) = received.into_method_headers_body();
        let mut request = reqwest::Request::new(method, self.url);
        *request.headers_mut() = headers;
        if sends_body {
            *request.body_mut() = Some(reqwest::Body::from(body));
        }
        *request.timeout_mut() = self.timeout;
        *request.version_mut() = self.version;
        request
    }
}

/// The request as reel matches it: its body read whole (a streamed one too,
/// within the engine's limit), to be sent on rebuilt from the bytes read.
async fn received(mut request: reqwest::Request, limit: u64) -> Result<(Received, Options), Error> {
    let body = match request.body_mut().take() {
        None => Bytes::new(),
        Some(body) => {
            crate::read_body(body, limit, request.method(), request.url().as_str()).await?
        }
    };
    Ok(parts(request, body))
}

/// The request as reel matches it, when its body was built from bytes (the
/// common case): taken without waiting or copying. A streamed body gives the
/// request back, for [`received`].
// The request given back is moved, not boxed: boxing it would cost the
// allocation this path exists to avoid.
#[allow(clippy::result_large_err)]
fn received_now(
    mut request: reqwest::Request,
    limit: u64,
) -> Result<Result<(Received, Options), Error>, reqwest::Request> {
    let body = match request.body_mut().take() {
        None => Bytes::new(),
        Some(body) if body.as_bytes().is_some() => {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let read = crate::read_body(body, limit, request.method(), request.url().as_str());
            // A body built from bytes is read without waiting.
            match std::pin::pin!(read).poll(&mut cx) {
                std::task::Poll::Ready(Ok(bytes)) => bytes,
                std::task::Poll::Ready(Err(err)) => return Ok(Err(err)),
                std::task::Poll::Pending => {
                    return Ok(Err(Error::RequestBody {
                        method: request.method().to_string(),
                        url: request.url().to_string(),
                        message: "a body built from bytes was not ready".to_owned(),
                    }))
                }
            }
        }
        Some(body) => {
            *request.body_mut() = Some(body);
            return Err(request);
        }
    };
    Ok(Ok(parts(request, body)))
}

/// The request's parts, its body read.
fn parts(mut request: reqwest::Request, body: Bytes) -> (Received, Options) {
    let headers = std::mem::take(request.headers_mut());
    let method = std::mem::take(request.method_mut());
    let received = Received::from_url(method, request.url().as_str(), headers, body);
    let options = Options {
        timeout: request.timeout().copied(),
        version: request.version(),
        url: request.url().clone(),
    };
    (received, options)
}

/// A replayed response as a `reqwest::Response` for `url`: a whole body as bytes,
/// a stream one chunk per event.
fn replayed(response: http::Response<ReplayBody>, url: reqwest::Url) -> reqwest::Response {
    let (mut parts, body) = response.into_parts();
    let body = match body.into_whole() {
        Ok(bytes) => reqwest::Body::from(bytes),
        Err(events) => reqwest::Body::wrap(events),
    };
    set_url(&mut parts, url);
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

/// The upstream response, its body teed into `recording`.
fn recorded(response: reqwest::Response, recording: Recording) -> reqwest::Response {
    let mut head = http::Response::new(());
    *head.status_mut() = response.status();
    *head.version_mut() = response.version();
    head.headers_mut().clone_from(response.headers());
    let url = response.url().clone();
    let (mut parts, ()) = head.into_parts();
    let body = recording.tee(&parts, response.bytes_stream());
    set_url(&mut parts, url);
    reqwest::Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap_stream(body),
    ))
}

/// Sets the URL that `reqwest::Response::url()` will report.
fn set_url(parts: &mut http::response::Parts, url: reqwest::Url) {
    // reqwest reads `Response::url()` from an extension that only its
    // `ResponseBuilderExt::url` can create; a builder with nothing else set cannot fail.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
}
