//! Recording a session: the server connects to the upstream with the
//! handshake's headers, answers the client `101`, then passes every message on
//! as it arrives, both ways at once, and writes each one's transcript line into
//! the body of the recording, which is saved when the session ends.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};
use http::header;
use http::StatusCode;
use hyper_util::rt::TokioIo;
use reel::cassette::websocket::{Direction, Frame, Message};
use reel::{Received, Recording};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::client::{
    Request as ClientRequest, Response as ClientResponse,
};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Wire};
#[cfg(feature = "rustls")]
use tokio_tungstenite::Connector;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{frames, switching_protocols, Started};
use crate::exchange::Outcome;
use crate::failure::Failure;
use crate::outgoing::{chain, Body};
use crate::service::fail;
use crate::upstream::Upstream;

/// How long the other direction may go on once one has ended (its close
/// answered, its last messages passed on) before the session is cut.
const CLOSING_GRACE: Duration = Duration::from_secs(5);

/// Connects to the upstream and, once it accepted, answers the client `101`
/// and passes messages both ways, recorded into `recording` when there is one
/// (none in mode `passthrough`). An upstream that refuses is a `502` that says
/// why.
pub(super) async fn start(
    upstream: Option<&Upstream>,
    received: &Received,
    recording: Option<Recording>,
    started: Started,
) -> http::Response<Body> {
    let (upstream, head) = match connect(upstream, received).await {
        Ok(connected) => connected,
        // Dropping the recording ticket records nothing.
        Err(message) => return fail(started.pending, Failure::upstream_message(message)),
    };
    let answer = switching_protocols(&started, &head.headers);
    tokio::spawn(async move {
        let _in_flight = started.in_flight;
        let upgraded = match started.upgrade.await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                let message = format!("reel: the client's connection did not upgrade: {err}");
                started
                    .pending
                    .finish(StatusCode::SWITCHING_PROTOCOLS, Outcome::Failed { message });
                return;
            }
        };
        let client =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let (lines, transcript) = mpsc::unbounded_channel();
        let saved = recording.map(|recording| tokio::spawn(save(recording, head, transcript)));
        relay(client, upstream, &lines).await;
        drop(lines);
        let outcome = match saved {
            None => Outcome::Forwarded,
            Some(saved) => match saved.await {
                Ok(Ok(())) => Outcome::Recorded,
                Ok(Err(message)) => Outcome::Failed { message },
                Err(err) => Outcome::Failed {
                    message: format!("reel: the recording stopped: {err}"),
                },
            },
        };
        started
            .pending
            .finish(StatusCode::SWITCHING_PROTOCOLS, outcome);
    });
    answer
}

/// A connection to the upstream, plain or TLS.
type UpstreamStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens the session with the upstream: `ws://` for an `http://` upstream,
/// `wss://` for an `https://` one (with `rustls`), the handshake's path and
/// query, and its headers but those tungstenite writes for its own handshake
/// (the subprotocols and `Authorization` go on). The connection and the
/// `101`'s head.
async fn connect(
    upstream: Option<&Upstream>,
    received: &Received,
) -> Result<(UpstreamStream, http::response::Parts), String> {
    let ws_url = ws_url(received.url())?;
    let mut request = ws_url
        .as_str()
        .into_client_request()
        .map_err(|err| format!("reel: the WebSocket URL {ws_url} is not valid: {err}"))?;
    for (name, value) in received.headers() {
        let handshake_own =
            name.as_str().starts_with("sec-websocket-") && name != header::SEC_WEBSOCKET_PROTOCOL;
        if !handshake_own {
            request.headers_mut().append(name.clone(), value.clone());
        }
    }
    let (upstream, response) = open(request, upstream)
        .await
        .map_err(|err| refused(&ws_url, &err))?;
    let (head, _) = response.into_parts();
    Ok((upstream, head))
}

/// Connects and shakes hands with `request`, over TLS for `wss://` with the
/// configuration reqwest uses for the upstream: the same roots are trusted.
#[cfg(feature = "rustls")]
async fn open(
    request: ClientRequest,
    upstream: Option<&Upstream>,
) -> Result<(UpstreamStream, ClientResponse), WsError> {
    // Never tungstenite's own default configuration: without the upstream's
    // (no recording mode gets here without it), `wss://` is refused.
    let connector = upstream.map_or(Connector::Plain, |upstream| {
        Connector::Rustls(upstream.tls.clone())
    });
    tokio_tungstenite::connect_async_tls_with_config(request, None, false, Some(connector)).await
}

/// Connects and shakes hands with `request`: `ws://` only, without TLS.
#[cfg(not(feature = "rustls"))]
async fn open(
    request: ClientRequest,
    _upstream: Option<&Upstream>,
) -> Result<(UpstreamStream, ClientResponse), WsError> {
    tokio_tungstenite::connect_async(request).await
}

/// The WebSocket URL of the session at `url`: `ws://` for an `http://` URL,
/// `wss://` for an `https://` one; an error for `https://` in a build without
/// the `rustls` feature.
fn ws_url(url: &str) -> Result<String, String> {
    if let Some(rest) = url.strip_prefix("http://") {
        return Ok(format!("ws://{rest}"));
    }
    match url.strip_prefix("https://") {
        Some(rest) if cfg!(feature = "rustls") => Ok(format!("wss://{rest}")),
        _ => Err(format!(
            "reel: cannot record the WebSocket session at {url}: a wss:// upstream needs \
             TLS, which this build of reel-server lacks (build it with the `rustls` \
             feature; the `reel` command line tool has it by default)"
        )),
    }
}

/// The message for an upstream that did not open the session; a certificate
/// it was refused for says so, with the option that trusts its CA.
fn refused(url: &str, err: &WsError) -> String {
    if let Some(why) = crate::tls::untrusted(err) {
        return format!("reel: the upstream did not open the WebSocket session {url}: {why}");
    }
    let why = match err {
        WsError::Http(response) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            format!("it answered {} {}", response.status(), body.trim())
        }
        _ => chain(err),
    };
    format!(
        "reel: the upstream did not open the WebSocket session {url}: {why} (is it running, \
         and is the upstream URL right?)"
    )
}

/// Records the session: its transcript lines, as `relay` sends them, are the
/// body of the `101` response; the recording is saved when they end. An error
/// says why the recording was refused.
async fn save(
    recording: Recording,
    head: http::response::Parts,
    mut lines: mpsc::UnboundedReceiver<Bytes>,
) -> Result<(), String> {
    let transcript = futures_util::stream::poll_fn(move |cx| {
        lines
            .poll_recv(cx)
            .map(|line| line.map(Ok::<_, Infallible>))
    });
    let mut body = recording.tee(&head, transcript);
    while let Some(chunk) = body.next().await {
        if let Err(err) = chunk {
            return Err(format!(
                "reel: the session was not recorded: {}",
                chain(&*err)
            ));
        }
    }
    Ok(())
}

/// Passes messages between the client and the upstream until both directions
/// have ended, or one has and the other has not within [`CLOSING_GRACE`].
async fn relay<C, U>(
    client: WebSocketStream<C>,
    upstream: WebSocketStream<U>,
    lines: &mpsc::UnboundedSender<Bytes>,
) where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    U: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (to_client, from_client) = client.split();
    let (to_upstream, from_upstream) = upstream.split();
    let up = pass(from_client, to_upstream, Direction::Client, lines);
    let down = pass(from_upstream, to_client, Direction::Server, lines);
    tokio::pin!(up, down);
    tokio::select! {
        () = &mut up => { let _ = tokio::time::timeout(CLOSING_GRACE, down).await; }
        () = &mut down => { let _ = tokio::time::timeout(CLOSING_GRACE, up).await; }
    }
}

/// Passes messages from `from` to `to` as they arrive, each one's line into
/// `lines` first; ends after a close, or when `from` ends or breaks, closing
/// `to` so that the other side learns of it.
async fn pass<F, T>(
    mut from: F,
    mut to: T,
    direction: Direction,
    lines: &mpsc::UnboundedSender<Bytes>,
) where
    F: Stream<Item = Result<Wire, WsError>> + Unpin,
    T: Sink<Wire, Error = WsError> + Unpin,
{
    while let Some(Ok(message)) = from.next().await {
        // Pings and pongs are the connection's: tungstenite answers them.
        let Some(frame) = frames::recorded(&message) else {
            continue;
        };
        let close = matches!(frame, Frame::Close(_));
        let line = Message { direction, frame }.to_line() + "\n";
        let _ = lines.send(Bytes::from(line));
        if to.send(message).await.is_err() || close {
            break;
        }
    }
    let _ = to.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_upstream_is_reached_as_ws_and_an_https_one_as_wss_with_tls() {
        assert_eq!(
            ws_url("http://127.0.0.1:8080/v1/realtime?model=m").unwrap(),
            "ws://127.0.0.1:8080/v1/realtime?model=m"
        );
        let https = ws_url("https://api.openai.com/v1/realtime");
        if cfg!(feature = "rustls") {
            assert_eq!(https.unwrap(), "wss://api.openai.com/v1/realtime");
        } else {
            assert_eq!(
                https.unwrap_err(),
                "reel: cannot record the WebSocket session at \
                 https://api.openai.com/v1/realtime: a wss:// upstream needs TLS, which this \
                 build of reel-server lacks (build it with the `rustls` feature; the `reel` \
                 command line tool has it by default)"
            );
        }
    }
}
