//! Answering one request: read it whole, run it through reel's middleware as a
//! `reqwest::Request`, stream the answer back.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use reel::Mode;
use reqwest_middleware::ClientWithMiddleware;

use crate::exchange::{Log, Outcome, Pending};
use crate::failure::Failure;
use crate::incoming::Target;
use crate::outgoing::{self, Body};

/// What every request of one server shares.
pub(crate) struct State {
    /// A client with reel's middleware: it matches, replays, records and saves.
    pub(crate) client: ClientWithMiddleware,
    /// Where outgoing requests point.
    pub(crate) target: Target,
    /// The mode in force, to tell recorded from forwarded answers.
    pub(crate) mode: Mode,
    /// Where finished exchanges go.
    pub(crate) log: Log,
    /// The command a mismatch report ends with, when not reel's own.
    pub(crate) record_command: Option<String>,
}

/// Answers `request`; every failure is a response, never an error.
pub(crate) async fn handle(
    state: Arc<State>,
    request: http::Request<Incoming>,
) -> Result<http::Response<Body>, Infallible> {
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().to_string(), |pq| pq.as_str().to_owned());
    let pending = Pending::new(state.log.clone(), request.method().clone(), target);
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(body) => body.to_bytes(),
        Err(err) => {
            let message = format!("the request body could not be read: {err}");
            return Ok(fail(pending, Failure::bad_request(message)));
        }
    };
    let outgoing = match state.target.request(&parts, body) {
        Ok(outgoing) => outgoing,
        Err(message) => return Ok(fail(pending, Failure::bad_request(message))),
    };
    match state.client.execute(outgoing).await {
        Ok(live) => {
            let outcome = match live.extensions().get::<reel::Replayed>() {
                Some(replayed) => Outcome::Replayed {
                    interaction: replayed.interaction,
                },
                None if state.mode == Mode::Passthrough => Outcome::Forwarded,
                None => Outcome::Recorded,
            };
            Ok(outgoing::response(live, pending, outcome))
        }
        Err(err) => {
            let failure = Failure::from_middleware(err, state.record_command.as_deref());
            Ok(fail(pending, failure))
        }
    }
}

/// Logs a failure and answers with it.
fn fail(pending: Pending, failure: Failure) -> http::Response<Body> {
    pending.finish(failure.status(), failure.outcome());
    failure.response()
}
