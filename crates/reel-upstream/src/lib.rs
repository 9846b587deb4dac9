//! A local upstream for record-mode tests: a hyper server on `127.0.0.1:0` that a
//! test starts itself, so no test touches the network.
//!
//! Routes (query parameters in brackets):
//! - `GET /v1/realtime` with `Upgrade: websocket`: a session shaped like
//!   OpenAI's Realtime API: `session.created` at once; `session.update` answered
//!   with `session.updated` (echoing its `session`); `input_audio_buffer.append`
//!   answered with nothing; `response.create` answered with three
//!   `response.output_text.delta` events (`Hel`, `lo`, `!`) and `response.done`;
//!   a binary message echoed back; JSON written with its keys in order;
//! - `GET|POST /json`: `{"ok":true}` as `application/json`;
//! - `ANY /echo`: the request as JSON (`method`, `path`, `query`, `headers`, `body`);
//! - `ANY /echo-sse`: the request as server-sent events, one frame each:
//!   `{"path","query"}`, then `{"body"}`, then `data: [DONE]`;
//! - `ANY /sse[?events=N&delay_ms=D]`: N server-sent events (default 3), D ms apart,
//!   then `data: [DONE]`;
//! - `ANY /gated-sse[?events=N]`: the first event at once, the rest only after
//!   [`Upstream::release`], so a test can prove its client saw the first event
//!   while the upstream still held the last;
//! - `ANY /sse-gaps?ms=A,B,C`: one server-sent event after each wait (A ms after
//!   the headers, then B ms, ...), then `data: [DONE]` at once;
//! - `ANY /latin1-header`: JSON with a header `X-Name: caf\xe9` whose value is
//!   Latin-1, not UTF-8;
//! - `ANY /gzip`: gzip-encoded JSON with `Content-Encoding: gzip`;
//! - `ANY /status/CODE`: that status with a JSON error body;
//! - `ANY /flaky[?fail=N&status=S]`: the first N tries (default 1) of each
//!   request (same method, URI and body) answered S (default 429) with
//!   `retry-after-ms: 10`, later ones `200` with `{"ok":true,"try":T}`: what a
//!   rate-limited API does to a client that retries;
//! - `ANY /slow[?delay_ms=D]`: JSON after D ms (default 200) before the headers;
//! - `ANY /broken[?events=N]`: N events, then the connection breaks mid-body;
//! - `ANY /secret-body`: JSON whose body holds an OpenAI-shaped key;
//! - `POST /v1/chat/completions`: a streamed OpenAI chat completion, one
//!   `chat.completion.chunk` event per chunk ([`CHAT_COMPLETION_EVENTS`]): a tool
//!   call `add` whose arguments arrive in two pieces, text in two pieces, then
//!   `[DONE]`; what an OpenAI SDK parses and assembles.
//!
//! Every request is kept, for assertions: [`Upstream::requests`].

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Notify};

mod realtime;

/// The events of `POST /v1/chat/completions`, in order: together, the body.
pub const CHAT_COMPLETION_EVENTS: [&str; 7] = [
    concat!(
        r#"data: {"id":"chatcmpl-local","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#,
        r#""choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
        "\n\n"
    ),
    concat!(
        r#"data: {"id":"chatcmpl-local","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#,
        r#""choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_local","type":"function","function":{"name":"add","arguments":"{\"a\": 2,"}}]},"finish_reason":null}]}"#,
        "\n\n"
    ),
    concat!(
        r#"data: {"id":"chatcmpl-local","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#,
        r#""choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"b\": 3}"}}]},"finish_reason":null}]}"#,
        "\n\n"
    ),
    concat!(
        r#"data: {"id":"chatcmpl-local","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#,
        r#""choices":[{"index":0,"delta":{"content":"2 + 3"},"finish_reason":null}]}"#,
        "\n\n"
    ),
    concat!(
        r#"data: {"id":"chatcmpl-local","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#,
        r#""choices":[{"index":0,"delta":{"content":" is 5."},"finish_reason":null}]}"#,
        "\n\n"
    ),
    concat!(
        r#"data: {"id":"chatcmpl-local","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#,
        r#""choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        "\n\n"
    ),
    "data: [DONE]\n\n",
];

/// The error a broken stream ends with.
#[derive(Debug)]
pub struct Broken;

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("upstream broke the stream on purpose")
    }
}

impl std::error::Error for Broken {}

type Body = BoxBody<Bytes, Broken>;

/// A request the upstream received.
#[derive(Clone, Debug)]
pub struct Received {
    /// `GET`, `POST`.
    pub method: String,
    /// Path and query: `/sse?events=2`.
    pub uri: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Bytes,
}

/// A running upstream; stops when dropped.
#[must_use = "the upstream stops when dropped"]
pub struct Upstream {
    addr: SocketAddr,
    state: Arc<State>,
    _stop: oneshot::Sender<()>,
}

struct State {
    requests: Mutex<Vec<Received>>,
    gate: Notify,
}

impl Upstream {
    /// Starts the upstream on `127.0.0.1` with a free port, on the current tokio
    /// runtime.
    pub async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            requests: Mutex::new(Vec::new()),
            gate: Notify::new(),
        });
        let (stop, mut stopped) = oneshot::channel::<()>();
        let accept_state = state.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(_) => continue,
                    },
                    _ = &mut stopped => return,
                };
                // As real servers do: small writes (one event) go out at once.
                let _ = stream.set_nodelay(true);
                let state = accept_state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Upstream {
            addr,
            state,
            _stop: stop,
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// The address the upstream listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Received> {
        self.state.requests.lock().expect("requests lock").clone()
    }

    /// Lets a waiting `/gated-sse` response send the rest of its events.
    pub fn release(&self) {
        self.state.gate.notify_waiters();
        self.state.gate.notify_one();
    }
}

fn query_param(uri: &hyper::Uri, name: &str) -> Option<u64> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.parse().ok())
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

fn event(i: u64) -> Bytes {
    Bytes::from(format!("data: {{\"i\":{i}}}\n\n"))
}

fn respond(status: StatusCode, content_type: &str, body: Body) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-upstream", "reel-upstream")
        .body(body)
        .expect("valid response")
}

async fn handle(
    mut req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Body>, Infallible> {
    if req.uri().path() == "/v1/realtime" {
        if let Some(response) = realtime::upgrade(&mut req) {
            return Ok(response.map(|()| full(Bytes::new())));
        }
    }
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let received = Received {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    state
        .requests
        .lock()
        .expect("requests lock")
        .push(received.clone());
    let uri = &parts.uri;
    let path = uri.path();
    let json = "application/json";
    let response = match path {
        "/json" => respond(StatusCode::OK, json, full(r#"{"ok":true}"#)),
        "/echo" => {
            let headers: Vec<String> = received
                .headers
                .iter()
                .map(|(n, v)| format!("[{},{}]", json_string(n), json_string(v)))
                .collect();
            let text = format!(
                r#"{{"method":{},"path":{},"query":{},"headers":[{}],"body":{}}}"#,
                json_string(&received.method),
                json_string(path),
                json_string(uri.query().unwrap_or("")),
                headers.join(","),
                json_string(&String::from_utf8_lossy(&received.body)),
            );
            respond(StatusCode::OK, json, full(text))
        }
        "/echo-sse" => {
            let events = [
                format!(
                    "data: {{\"path\":{},\"query\":{}}}\n\n",
                    json_string(path),
                    json_string(uri.query().unwrap_or(""))
                ),
                format!(
                    "data: {{\"body\":{}}}\n\n",
                    json_string(&String::from_utf8_lossy(&received.body))
                ),
                "data: [DONE]\n\n".to_owned(),
            ];
            let pieces =
                stream::iter(events.map(|event| Ok::<_, Broken>(Frame::data(Bytes::from(event)))));
            respond(
                StatusCode::OK,
                "text/event-stream",
                BodyExt::boxed(StreamBody::new(pieces)),
            )
        }
        "/sse" => {
            let events = query_param(uri, "events").unwrap_or(3);
            let delay = Duration::from_millis(query_param(uri, "delay_ms").unwrap_or(0));
            let pieces = stream::unfold(0u64, move |i| async move {
                if i > events {
                    return None;
                }
                if i > 0 && !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let piece = if i == events {
                    Bytes::from_static(b"data: [DONE]\n\n")
                } else {
                    event(i)
                };
                Some((Ok::<_, Broken>(Frame::data(piece)), i + 1))
            });
            respond(
                StatusCode::OK,
                "text/event-stream",
                BodyExt::boxed(StreamBody::new(pieces)),
            )
        }
        "/latin1-header" => {
            let mut response = respond(StatusCode::OK, json, full(r#"{"ok":true}"#));
            response.headers_mut().insert(
                "x-name",
                hyper::header::HeaderValue::from_bytes(b"caf\xe9").expect("a valid header value"),
            );
            response
        }
        "/sse-gaps" => {
            let gaps: Vec<u64> = uri
                .query()
                .and_then(|q| q.strip_prefix("ms="))
                .map(|list| list.split(',').filter_map(|ms| ms.parse().ok()).collect())
                .unwrap_or_default();
            let pieces = stream::unfold(0usize, move |i| {
                let gaps = gaps.clone();
                async move {
                    if i > gaps.len() {
                        return None;
                    }
                    let piece = match gaps.get(i) {
                        Some(&ms) => {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            event(i as u64)
                        }
                        None => Bytes::from_static(b"data: [DONE]\n\n"),
                    };
                    Some((Ok::<_, Broken>(Frame::data(piece)), i + 1))
                }
            });
            respond(
                StatusCode::OK,
                "text/event-stream",
                BodyExt::boxed(StreamBody::new(pieces)),
            )
        }
        "/gated-sse" => {
            let events = query_param(uri, "events").unwrap_or(3).max(1);
            let state = state.clone();
            let pieces = stream::unfold(0u64, move |i| {
                let state = state.clone();
                async move {
                    if i > events {
                        return None;
                    }
                    if i == 1 {
                        state.gate.notified().await;
                    }
                    let piece = if i == events {
                        Bytes::from_static(b"data: [DONE]\n\n")
                    } else {
                        event(i)
                    };
                    Some((Ok::<_, Broken>(Frame::data(piece)), i + 1))
                }
            });
            respond(
                StatusCode::OK,
                "text/event-stream",
                BodyExt::boxed(StreamBody::new(pieces)),
            )
        }
        "/gzip" => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder
                .write_all(br#"{"compressed":true,"text":"hello hello hello hello"}"#)
                .expect("gzip");
            let mut response = respond(StatusCode::OK, json, full(encoder.finish().expect("gzip")));
            response
                .headers_mut()
                .insert("content-encoding", "gzip".parse().expect("header"));
            response
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(
                query_param(uri, "delay_ms").unwrap_or(200),
            ))
            .await;
            respond(StatusCode::OK, json, full(r#"{"slow":true}"#))
        }
        "/broken" => {
            let events = query_param(uri, "events").unwrap_or(2);
            let pieces = stream::unfold(0u64, move |i| async move {
                if i > events {
                    return None;
                }
                if i == events {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    return Some((Err(Broken), i + 1));
                }
                Some((Ok(Frame::data(event(i))), i + 1))
            });
            respond(
                StatusCode::OK,
                "text/event-stream",
                BodyExt::boxed(StreamBody::new(pieces)),
            )
        }
        "/v1/chat/completions" => {
            let pieces = stream::iter(
                CHAT_COMPLETION_EVENTS
                    .map(|e| Ok::<_, Broken>(Frame::data(Bytes::from_static(e.as_bytes())))),
            );
            respond(
                StatusCode::OK,
                "text/event-stream",
                BodyExt::boxed(StreamBody::new(pieces)),
            )
        }
        "/flaky" => {
            let tries = state
                .requests
                .lock()
                .expect("requests lock")
                .iter()
                .filter(|r| {
                    r.method == received.method && r.uri == received.uri && r.body == received.body
                })
                .count() as u64;
            let fail = query_param(uri, "fail").unwrap_or(1);
            if tries <= fail {
                let code = query_param(uri, "status").unwrap_or(429);
                let status = u16::try_from(code)
                    .ok()
                    .and_then(|c| StatusCode::from_u16(c).ok())
                    .unwrap_or(StatusCode::TOO_MANY_REQUESTS);
                let mut response = respond(
                    status,
                    json,
                    full(format!(r#"{{"error":{{"code":{code},"try":{tries}}}}}"#)),
                );
                response.headers_mut().insert(
                    "retry-after-ms",
                    hyper::header::HeaderValue::from_static("10"),
                );
                response
            } else {
                respond(
                    StatusCode::OK,
                    json,
                    full(format!(r#"{{"ok":true,"try":{tries}}}"#)),
                )
            }
        }
        "/secret-body" => respond(
            StatusCode::OK,
            json,
            full(r#"{"leaked":"sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"}"#),
        ),
        _ => match path
            .strip_prefix("/status/")
            .and_then(|c| c.parse::<u16>().ok())
        {
            Some(code) => {
                let status =
                    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                respond(
                    status,
                    json,
                    full(format!(r#"{{"error":{{"code":{code}}}}}"#)),
                )
            }
            None => respond(
                StatusCode::NOT_FOUND,
                json,
                full(r#"{"error":"no such route"}"#),
            ),
        },
    };
    Ok(response)
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
