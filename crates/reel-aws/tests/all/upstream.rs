//! A Bedrock stand-in on `127.0.0.1:0`: what the SDK's Converse and
//! ConverseStream operations parse, so recording never touches AWS.
//!
//! - `POST /model/{id}/converse`: a Converse JSON answer ([`CONVERSE_TEXT`]);
//! - `POST /model/{id}/converse-stream`: `application/vnd.amazon.eventstream`
//!   frames (real prelude and message CRCs, written by `aws-smithy-eventstream`),
//!   [`FRAME_GAP`] apart: messageStart, contentBlockDelta for each of
//!   [`STREAM_TEXT`], contentBlockStop, messageStop, metadata.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use futures_util::stream;
use http_body_util::{combinators::BoxBody, BodyExt as _, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The answer of `converse`.
pub const CONVERSE_TEXT: &str = "Olá! Como posso ajudar?";

/// The text deltas of `converse-stream`, in order.
pub const STREAM_TEXT: [&str; 3] = ["Olá", "! Como posso", " ajudar?"];

/// The wait before each frame of `converse-stream` but the first.
pub const FRAME_GAP: Duration = Duration::from_millis(40);

/// A request the stand-in received: method, path, lower-case headers.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// The value of header `name` (lower case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running stand-in; stops when dropped.
pub struct Bedrock {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Bedrock {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

type Body = BoxBody<Bytes, Infallible>;

impl Bedrock {
    pub async fn start() -> Bedrock {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = seen.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let kept = kept.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let kept = kept.clone();
                        async move { Ok::<_, Infallible>(handle(request, &kept)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Bedrock { addr, seen, accept }
    }

    /// `http://127.0.0.1:PORT`: the SDK's `endpoint_url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn handle(request: Request<Incoming>, seen: &Mutex<Vec<Seen>>) -> Response<Body> {
    let path = request.uri().path().to_owned();
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        headers: request
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    });
    let (content_type, body) = if path.ends_with("/converse") {
        ("application/json", converse())
    } else if path.ends_with("/converse-stream") {
        ("application/vnd.amazon.eventstream", converse_stream())
    } else {
        return Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(full(r#"{"message":"no such route"}"#))
            .unwrap();
    };
    Response::builder()
        .header("content-type", content_type)
        .header("x-amzn-requestid", "00000000-0000-0000-0000-000000000000")
        .body(body)
        .unwrap()
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

fn converse() -> Body {
    full(
        serde_json::json!({
            "output": {"message": {"role": "assistant", "content": [{"text": CONVERSE_TEXT}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 9, "totalTokens": 21},
            "metrics": {"latencyMs": 321}
        })
        .to_string(),
    )
}

/// One event-stream frame: an event of type `event_type` with a JSON payload.
pub fn frame(event_type: &'static str, payload: serde_json::Value) -> Bytes {
    let message = Message::new(payload.to_string())
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ))
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ));
    let mut out = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut out).expect("frame");
    Bytes::from(out)
}

/// The frames of `converse-stream`.
pub fn converse_stream_frames() -> Vec<Bytes> {
    let mut frames = vec![frame(
        "messageStart",
        serde_json::json!({"role": "assistant"}),
    )];
    for text in STREAM_TEXT {
        frames.push(frame(
            "contentBlockDelta",
            serde_json::json!({"contentBlockIndex": 0, "delta": {"text": text}}),
        ));
    }
    frames.push(frame(
        "contentBlockStop",
        serde_json::json!({"contentBlockIndex": 0}),
    ));
    frames.push(frame(
        "messageStop",
        serde_json::json!({"stopReason": "end_turn"}),
    ));
    frames.push(frame(
        "metadata",
        serde_json::json!({
            "usage": {"inputTokens": 12, "outputTokens": 9, "totalTokens": 21},
            "metrics": {"latencyMs": 321}
        }),
    ));
    frames
}

fn converse_stream() -> Body {
    let frames = stream::unfold(
        (converse_stream_frames().into_iter(), true),
        |(mut frames, first)| async move {
            let frame = frames.next()?;
            if !first {
                tokio::time::sleep(FRAME_GAP).await;
            }
            Some((Ok(Frame::data(frame)), (frames, false)))
        },
    );
    StreamBody::new(frames).boxed()
}
