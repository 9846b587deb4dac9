//! `/v1/realtime`: a WebSocket session shaped like OpenAI's Realtime API, for
//! tests and benches of sessions recorded and replayed through reel.

use futures_util::{SinkExt as _, StreamExt as _};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The `101` answer to a WebSocket handshake, the session run on the upgraded
/// connection; `None` when the request is no handshake.
pub(crate) fn upgrade(request: &mut Request<Incoming>) -> Option<Response<()>> {
    let headers = request.headers();
    let is_upgrade = headers
        .get("upgrade")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = headers.get("sec-websocket-key")?.as_bytes().to_vec();
    if !is_upgrade {
        return None;
    }
    let protocol = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned());
    let upgraded = hyper::upgrade::on(request);
    tokio::spawn(async move {
        if let Ok(upgraded) = upgraded.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            session(ws).await;
        }
    });
    let mut response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", derive_accept_key(&key));
    if let Some(protocol) = protocol {
        response = response.header("sec-websocket-protocol", protocol);
    }
    Some(response.body(()).expect("a valid 101"))
}

/// The server's side of one session.
async fn session<S>(mut ws: WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let created = r#"{"session":{"id":"sess_1"},"type":"session.created"}"#;
    if ws.send(Message::text(created)).await.is_err() {
        return;
    }
    while let Some(Ok(message)) = ws.next().await {
        let replies: Vec<Message> = match message {
            Message::Text(text) => {
                let Ok(event) = serde_json::from_str::<serde_json::Value>(text.as_str()) else {
                    continue;
                };
                match event["type"].as_str() {
                    Some("session.update") => vec![Message::text(format!(
                        r#"{{"session":{},"type":"session.updated"}}"#,
                        event["session"]
                    ))],
                    Some("response.create") => ["Hel", "lo", "!"]
                        .iter()
                        .map(|delta| {
                            Message::text(format!(
                                r#"{{"delta":"{delta}","type":"response.output_text.delta"}}"#
                            ))
                        })
                        .chain([Message::text(r#"{"type":"response.done"}"#)])
                        .collect(),
                    _ => Vec::new(),
                }
            }
            Message::Binary(bytes) => vec![Message::Binary(bytes)],
            Message::Close(_) => break,
            _ => Vec::new(),
        };
        for reply in replies {
            if ws.send(reply).await.is_err() {
                return;
            }
        }
    }
}
