//! Answering one request: read it whole, ask reel's engine what answers it, and
//! stream that back: the recording, or the upstream's response while it is
//! recorded.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyDataStream, BodyExt as _};
use hyper::body::Incoming;
use reel::{BoxError, Decision, Reel};

use crate::exchange::{Log, Outcome, Pending};
use crate::failure::Failure;
use crate::incoming::Target;
use crate::outgoing::{self, chain, Body, Live};
use crate::upstream::Upstream;

/// What every request of one server shares.
pub(crate) struct State {
    /// The open cassette: it matches, replays, records and saves.
    pub(crate) reel: Reel,
    /// Where requests point: the upstream, or the server's own address.
    pub(crate) target: Target,
    /// The connections to the upstream, when the mode may send requests there.
    pub(crate) upstream: Option<Upstream>,
    /// Where finished exchanges go.
    pub(crate) log: Log,
}

/// A connection or WebSocket session still running: the server's shutdown
/// waits until every clone has been dropped.
pub(crate) type InFlight = tokio::sync::mpsc::Sender<()>;

/// Answers `request`; every failure is a response, never an error. A WebSocket
/// handshake starts a session that holds `in_flight` until it ends.
pub(crate) async fn handle(
    state: Arc<State>,
    in_flight: InFlight,
    request: http::Request<Incoming>,
) -> Result<http::Response<Body>, Infallible> {
    #[cfg(feature = "websocket")]
    if crate::websocket::is_handshake(&request) {
        return Ok(crate::websocket::handle(state, in_flight, request).await);
    }
    #[cfg(not(feature = "websocket"))]
    drop(in_flight);
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().to_string(), |pq| pq.as_str().to_owned());
    let pending = Pending::new(
        state.log.clone(),
        request.method().clone(),
        logged_target(&state.reel, target),
    );
    let (parts, body) = request.into_parts();
    // hyper's own text ("error reading a body from connection") leaves out why:
    // the causes say it, such as "Invalid chunk size line: Invalid Size".
    let body = body.map_err(|err| -> BoxError { chain(&err).into() });
    let limit = state.reel.max_body_size();
    let body = match reel::read_body(body, limit, &parts.method, &parts.uri.to_string()).await {
        Ok(body) => body,
        Err(err @ reel::Error::RequestBodyTooLarge { .. }) => {
            return Ok(fail(pending, Failure::too_large(format!("reel: {err}"))));
        }
        Err(err) => return Ok(fail(pending, Failure::bad_request(err.to_string()))),
    };
    let received = match state.target.received(&parts, body) {
        Ok(received) => received,
        Err(message) => return Ok(fail(pending, Failure::bad_request(message))),
    };
    let response = match state.reel.decide(&received).await {
        Decision::Replay(response) => outgoing::replayed(response, pending),
        Decision::Miss(report) => fail(pending, Failure::no_match(report.text())),
        Decision::Record(recording) => match send(&state, received).await {
            Ok(live) => {
                let live = Live::new(live);
                let body = recording.tee(&live.head, BodyDataStream::new(live.body));
                // Chunked, whatever length the upstream sent: a refused recording
                // (a credential in it) must break the body, not end it cleanly.
                let body = outgoing::chunks(body);
                outgoing::streamed(&live.head, None, body, pending, Outcome::Recorded)
            }
            // Dropping the ticket records nothing.
            Err(failure) => fail(pending, failure),
        },
        Decision::Forward => match send(&state, received).await {
            Ok(live) => {
                let live = Live::new(live);
                outgoing::streamed(
                    &live.head,
                    live.length,
                    live.body,
                    pending,
                    Outcome::Forwarded,
                )
            }
            Err(failure) => fail(pending, failure),
        },
        Decision::Failed(err) => fail(pending, Failure::reel(format!("reel: {err}"))),
        other => fail(
            pending,
            Failure::reel(format!("reel: this server cannot answer {other:?}")),
        ),
    };
    Ok(response)
}

/// Sends `request` to the upstream.
async fn send(state: &State, request: reel::Received) -> Result<reqwest::Response, Failure> {
    let Some(upstream) = &state.upstream else {
        // The builder gives every mode that sends upstream a client.
        return Err(Failure::reel(
            "reel: this server has no upstream to send the request to".to_owned(),
        ));
    };
    let request = upstream_request(request).map_err(|err| Failure::upstream(&err))?;
    upstream
        .client
        .execute(request)
        .await
        .map_err(|err| Failure::upstream(&err))
}

/// The request to send upstream: method, URL, headers and body as received, a
/// body only when [`reel::Received::sends_body`] says so.
fn upstream_request(received: reel::Received) -> Result<reqwest::Request, reqwest::Error> {
    let sends_body = received.sends_body();
    let mut request = reqwest::Request::try_from(received.into_http())?;
    if !sends_body {
        *request.body_mut() = None;
    }
    Ok(request)
}

/// Logs a failure and answers with it.
pub(crate) fn fail(pending: Pending, failure: Failure) -> http::Response<Body> {
    pending.finish(failure.status(), failure.outcome());
    failure.response()
}

/// `target` (a path and query) as logs and reports name it: as the cassette
/// would hold it, without credentials. Not copied when there is none.
pub(crate) fn logged_target(reel: &reel::Reel, target: String) -> String {
    let redacted = match reel.redact_url(&target) {
        std::borrow::Cow::Owned(redacted) => Some(redacted),
        std::borrow::Cow::Borrowed(_) => None,
    };
    redacted.unwrap_or(target)
}
