//! WebSocket sessions: a `GET` with `Upgrade: websocket` is matched like any
//! request, then answered `101 Switching Protocols` and played from the
//! recorded transcript ([`replay`]), or connected to the upstream and recorded
//! as it goes ([`record`]). A session is one interaction: the handshake, and a
//! `101` response whose body is the transcript
//! ([`reel::cassette::websocket`]).

mod frames;
mod record;
mod replay;

use std::sync::Arc;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::StatusCode;
use hyper::body::Incoming;
use reel::Decision;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::exchange::Pending;
use crate::failure::Failure;
use crate::hop_by_hop::is_hop_by_hop;
use crate::outgoing::{self, full, Body};
use crate::service::{fail, logged_target, InFlight, State};

/// Whether `request` opens a WebSocket session: a `GET` with `Upgrade:
/// websocket`, `Connection: upgrade` and a `Sec-WebSocket-Key`.
pub(crate) fn is_handshake(request: &http::Request<Incoming>) -> bool {
    let headers = request.headers();
    request.method() == http::Method::GET
        && has_token(headers, &header::UPGRADE, "websocket")
        && has_token(headers, &header::CONNECTION, "upgrade")
        && headers.contains_key(header::SEC_WEBSOCKET_KEY)
}

/// Whether a comma-separated header holds `token`, in any case.
fn has_token(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| item.trim().eq_ignore_ascii_case(token))
}

/// Answers a handshake: asks reel's engine, as for any request, then starts
/// the session on the upgraded connection, which holds `in_flight` until it
/// ends. Every failure before the upgrade is an HTTP answer, as for any request.
pub(crate) async fn handle(
    state: Arc<State>,
    in_flight: InFlight,
    mut request: http::Request<Incoming>,
) -> http::Response<Body> {
    let upgrade = hyper::upgrade::on(&mut request);
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().to_string(), |pq| pq.as_str().to_owned());
    // Logs and reports name the session as the cassette does: no credential.
    let target = logged_target(&state.reel, target);
    let session = format!("GET {target}");
    let pending = Pending::new(state.log.clone(), request.method().clone(), target);
    let (parts, _) = request.into_parts();
    let key = parts.headers[header::SEC_WEBSOCKET_KEY].clone();
    let offered = first_subprotocol(&parts.headers);
    let received = match state.target.received(&parts, Bytes::new()) {
        Ok(received) => received,
        Err(message) => return fail(pending, Failure::bad_request(message)),
    };
    let started = Started {
        upgrade,
        in_flight,
        pending,
        key,
        offered,
        session,
    };
    match state.reel.decide(&received).await {
        Decision::Replay(response) if response.status() == StatusCode::SWITCHING_PROTOCOLS => {
            replay::start(&state.reel, response, started).await
        }
        // A recorded refusal (`401`, `426`) is replayed as the HTTP answer it was.
        Decision::Replay(response) => outgoing::replayed(response, started.pending),
        Decision::Miss(report) => fail(started.pending, Failure::no_match(report.text())),
        Decision::Record(recording) => {
            record::start(state.upstream.as_ref(), &received, Some(recording), started).await
        }
        Decision::Forward => record::start(state.upstream.as_ref(), &received, None, started).await,
        Decision::Failed(err) => fail(started.pending, Failure::reel(format!("reel: {err}"))),
        other => fail(
            started.pending,
            Failure::reel(format!("reel: this server cannot answer {other:?}")),
        ),
    }
}

/// A handshake the server is answering: what the session needs once the
/// connection has upgraded.
struct Started {
    /// The client's connection, once the `101` has been sent.
    upgrade: hyper::upgrade::OnUpgrade,
    /// Held until the session ends.
    in_flight: InFlight,
    /// The exchange, logged when the session ends.
    pending: Pending,
    /// The client's `Sec-WebSocket-Key`.
    key: HeaderValue,
    /// The first subprotocol the client offered, if any.
    offered: Option<HeaderValue>,
    /// `GET /path?query`: the session, as reports name it.
    session: String,
}

/// Headers of a `101` that belong to one handshake: the accept key is
/// computed for each client, and reel's sessions negotiate no extension.
const HANDSHAKE_OWN: [HeaderName; 2] = [
    header::SEC_WEBSOCKET_ACCEPT,
    header::SEC_WEBSOCKET_EXTENSIONS,
];

/// The first subprotocol a handshake offers in `Sec-WebSocket-Protocol`.
fn first_subprotocol(headers: &HeaderMap) -> Option<HeaderValue> {
    let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    let first = offered.split(',').next()?.trim();
    HeaderValue::from_str(first)
        .ok()
        .filter(|_| !first.is_empty())
}

/// The `101 Switching Protocols` for the client of `started`: `Upgrade`,
/// `Connection`, the accept key for its `Sec-WebSocket-Key`, and the `headers` given (recorded,
/// or the upstream's) but those of the connection and the handshake. The
/// subprotocol is the one in `headers` (the upstream's choice), else the first
/// the client offered: a recording keeps only the headers its rules keep
/// (`Content-Type` by default), and a client refuses a `101` without one of
/// the subprotocols it offered.
fn switching_protocols(started: &Started, headers: &HeaderMap) -> http::Response<Body> {
    switching(&started.key, started.offered.as_ref(), headers)
}

/// [`switching_protocols`] for the client whose key is `key`, and which offered
/// `offered` first.
fn switching(
    key: &HeaderValue,
    offered: Option<&HeaderValue>,
    headers: &HeaderMap,
) -> http::Response<Body> {
    let mut response = http::Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let out = response.headers_mut();
    for (name, value) in headers {
        if !is_hop_by_hop(name) && !HANDSHAKE_OWN.contains(name) && name != header::CONTENT_LENGTH {
            out.append(name.clone(), value.clone());
        }
    }
    out.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    out.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if !out.contains_key(header::SEC_WEBSOCKET_PROTOCOL) {
        if let Some(offered) = offered {
            out.insert(header::SEC_WEBSOCKET_PROTOCOL, offered.clone());
        }
    }
    let accept = derive_accept_key(key.as_bytes());
    out.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::try_from(accept).expect("base64 is a valid header value"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_101_carries_the_accept_key_and_the_chosen_subprotocol_only() {
        let mut recorded = HeaderMap::new();
        recorded.insert(header::SEC_WEBSOCKET_PROTOCOL, "realtime".parse().unwrap());
        recorded.insert(header::SEC_WEBSOCKET_ACCEPT, "stale".parse().unwrap());
        recorded.insert(
            header::SEC_WEBSOCKET_EXTENSIONS,
            "permessage-deflate".parse().unwrap(),
        );
        recorded.insert(header::CONNECTION, "upgrade".parse().unwrap());
        // The example key of RFC 6455 section 1.3.
        let key = HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ==");
        let offered = HeaderValue::from_static("other");
        let response = switching(&key, Some(&offered), &recorded);
        assert_eq!(response.status(), 101);
        let headers: Vec<(&str, &str)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            headers,
            [
                ("sec-websocket-protocol", "realtime"),
                ("upgrade", "websocket"),
                ("connection", "Upgrade"),
                ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            ]
        );
        // A recording without the subprotocol answers the client's first.
        let response = switching(&key, Some(&offered), &HeaderMap::new());
        assert_eq!(response.headers()[header::SEC_WEBSOCKET_PROTOCOL], "other");
        let response = switching(&key, None, &HeaderMap::new());
        assert!(!response
            .headers()
            .contains_key(header::SEC_WEBSOCKET_PROTOCOL));
    }

    #[test]
    fn the_first_offered_subprotocol_is_the_fallback() {
        let mut headers = HeaderMap::new();
        assert_eq!(first_subprotocol(&headers), None);
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            "realtime, openai-beta.realtime-v1".parse().unwrap(),
        );
        assert_eq!(first_subprotocol(&headers).unwrap(), "realtime");
    }
}
