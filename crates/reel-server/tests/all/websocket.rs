//! WebSocket sessions through the server, against a local upstream that talks
//! like OpenAI's Realtime API: recorded as one `101` interaction whose body is
//! the transcript, replayed with the upstream gone, a changed client message
//! closed with 1008 and reported, an `event_id` ignored by a matching rule.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use reel::cassette::Cassette;
use reel::{Delay, Mode, ReelBuilder};
use reel_server::{Outcome, ReelServer, ReelServerBuilder};
use reel_tests::reran_without_reel_env;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{temp_cassette, Exchanges, TempCassette};

/// The session's path and query, as a Realtime client opens it.
pub(crate) const TARGET: &str = "/v1/realtime?model=gpt-realtime";

/// A local Realtime-like upstream (its events, as serde_json writes them, have
/// their keys sorted): it greets with `session.created`, answers
/// `session.update` with `session.updated`, takes audio in silence, and streams
/// three text deltas then `response.done` for each `response.create`.
pub(crate) struct Realtime {
    /// `http://127.0.0.1:PORT`, or `https://` over TLS.
    pub(crate) url: String,
    /// Each handshake's path and query, `Authorization` and subprotocols.
    pub(crate) handshakes: Arc<Mutex<Vec<(String, String, String)>>>,
    pub(crate) task: JoinHandle<()>,
}

impl Realtime {
    /// The upstream over plain TCP: `ws://`.
    pub(crate) async fn start() -> Realtime {
        Realtime::serve(None, Duration::ZERO).await
    }

    /// The upstream over plain TCP, waiting `gap` before each event of a
    /// response.
    async fn paced(gap: Duration) -> Realtime {
        Realtime::serve(None, gap).await
    }

    /// The upstream over TLS, with the certificate `tls` presents: `wss://`.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    pub(crate) async fn start_tls(tls: tokio_rustls::TlsAcceptor) -> Realtime {
        Realtime::serve(Some(tls), Duration::ZERO).await
    }

    async fn serve(tls: Option<tokio_rustls::TlsAcceptor>, gap: Duration) -> Realtime {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let handshakes = Arc::new(Mutex::new(Vec::new()));
        let seen = handshakes.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => session(stream, seen, gap).await,
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                session(stream, seen, gap).await;
                            }
                        }
                    }
                });
            }
        });
        Realtime {
            url,
            handshakes,
            task,
        }
    }
}

/// One session of the Realtime-like upstream on `stream`, its handshake noted
/// in `seen`, `gap` waited before each event of a response.
async fn session<S>(stream: S, seen: Arc<Mutex<Vec<(String, String, String)>>>, gap: Duration)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    // tungstenite's callback type, its error an HTTP response.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, mut response: Response| {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .map_or("", |v| v.to_str().unwrap())
        };
        seen.lock().unwrap().push((
            request.uri().to_string(),
            header("authorization").to_owned(),
            header("sec-websocket-protocol").to_owned(),
        ));
        if header("sec-websocket-protocol").contains("realtime") {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", "realtime".parse().unwrap());
        }
        Ok(response)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let created = json!({"type": "session.created", "session": {"id": "sess_1"}});
    let _ = ws.send(Message::text(json_text(created))).await;
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let event: Value = serde_json::from_str(text.as_str()).unwrap();
        let replies = match event["type"].as_str().unwrap() {
            "session.update" => vec![json!({
                "type": "session.updated",
                "session": event["session"],
            })],
            "response.create" => ["Hel", "lo", "!"]
                .iter()
                .map(|delta| json!({"type": "response.output_text.delta", "delta": delta}))
                .chain([json!({"type": "response.done"})])
                .collect(),
            _ => Vec::new(),
        };
        let response = event["type"] == "response.create";
        for reply in replies {
            if response && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            let _ = ws.send(Message::text(json_text(reply))).await;
        }
    }
}

/// What a client saw of a session: the server's text messages, and the close
/// frame the server sent, if it closed first.
#[derive(Debug, PartialEq)]
pub(crate) struct Seen {
    pub(crate) texts: Vec<String>,
    pub(crate) close: Option<(u16, String)>,
}

/// A Realtime client's session: `session.update`, audio, then `response.create`
/// with `instructions`; every event carries an `event_id` made from `run`.
/// Closes after `response.done`.
pub(crate) async fn converse(base_url: &str, run: &str, instructions: &str) -> Seen {
    let url = format!("{}{TARGET}", base_url.replacen("http://", "ws://", 1));
    let (ws, response) = tokio_tungstenite::connect_async(handshake(&url))
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers()["sec-websocket-protocol"], "realtime");
    talk(ws, run, instructions).await
}

/// The handshake a Realtime client sends to `url`.
fn handshake(url: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = url.into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert("authorization", "Bearer test-token".parse().unwrap());
    headers.insert("sec-websocket-protocol", "realtime".parse().unwrap());
    request
}

/// [`converse`] on a session already open.
async fn talk<S>(
    mut ws: tokio_tungstenite::WebSocketStream<S>,
    run: &str,
    instructions: &str,
) -> Seen
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut seen = Seen {
        texts: Vec::new(),
        close: None,
    };
    let events = [
        json!({"type": "session.update", "event_id": format!("{run}_1"), "session": {"voice": "alloy"}}),
        json!({"type": "input_audio_buffer.append", "event_id": format!("{run}_2"), "audio": "AAECAwQFBgc="}),
        json!({"type": "response.create", "event_id": format!("{run}_3"), "response": {"instructions": instructions}}),
    ];
    // The greeting, then the update's answer, then after the audio and the
    // request, the response to its end.
    let waits = [1, 1, 0, 4];
    for (i, wait) in waits.into_iter().enumerate() {
        for _ in 0..wait {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => seen.texts.push(text.as_str().to_owned()),
                Some(Ok(Message::Close(frame))) => {
                    seen.close = frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned()));
                    return seen;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if let Some(event) = events.get(i) {
            ws.send(Message::text(json_text(event.clone())))
                .await
                .unwrap();
        }
    }
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    seen
}

/// The server messages of the Realtime upstream's session, in order.
pub(crate) fn expected_texts() -> Vec<String> {
    [
        r#"{"session":{"id":"sess_1"},"type":"session.created"}"#,
        r#"{"session":{"voice":"alloy"},"type":"session.updated"}"#,
        r#"{"delta":"Hel","type":"response.output_text.delta"}"#,
        r#"{"delta":"lo","type":"response.output_text.delta"}"#,
        r#"{"delta":"!","type":"response.output_text.delta"}"#,
        r#"{"type":"response.done"}"#,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Records one session (event ids from `run`, instructions "Say hi") through a
/// server in mode `all` into a new cassette; the upstream, the cassette, and
/// what the server logged.
async fn record(run: &str) -> (Realtime, TempCassette, Vec<String>) {
    let upstream = Realtime::start().await;
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(upstream.url.clone()),
        )
        .start(&file.path)
        .await
        .unwrap();
    let seen = converse(server.base_url(), run, "Say hi").await;
    assert_eq!(seen.texts, expected_texts(), "the live session");
    server.shutdown().await;
    (upstream, file, logged(&exchanges))
}

/// The log lines without their times.
pub(crate) fn logged(exchanges: &Exchanges) -> Vec<String> {
    exchanges
        .taken()
        .iter()
        .map(|e| e.to_string().split(" in ").next().unwrap().to_owned())
        .collect()
}

/// A replaying server for `file`, with `configure`'s options.
async fn replay(
    file: &TempCassette,
    exchanges: &Exchanges,
    configure: impl FnOnce(reel::ReelBuilder) -> reel::ReelBuilder,
) -> ReelServer {
    let builder: ReelServerBuilder = ReelServer::builder().mode(Mode::None).options(configure);
    exchanges.attach(builder).start(&file.path).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_session_is_recorded_as_one_101_interaction_holding_its_transcript() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, file, logged) = record("evt").await;
    assert_eq!(logged, [format!("GET {TARGET} -> 101 (recorded)")]);
    assert_eq!(
        *upstream.handshakes.lock().unwrap(),
        [(
            TARGET.to_owned(),
            "Bearer test-token".to_owned(),
            "realtime".to_owned()
        )],
        "the upstream got the path, query, credentials and subprotocol"
    );
    let cassette = Cassette::load(&file.path).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    let interaction = &cassette.interactions[0];
    assert_eq!(interaction.request.method, "GET");
    assert_eq!(interaction.request.url, format!("{}{TARGET}", upstream.url));
    assert_eq!(interaction.response.code, 101);
    assert!(reel::cassette::websocket::is_session(&interaction.response));
    let transcript = String::from_utf8(interaction.response.body.to_vec()).unwrap();
    let expected = [
        r#"< text {"session":{"id":"sess_1"},"type":"session.created"}"#,
        r#"> text {"event_id":"evt_1","session":{"voice":"alloy"},"type":"session.update"}"#,
        r#"< text {"session":{"voice":"alloy"},"type":"session.updated"}"#,
        r#"> text {"audio":"AAECAwQFBgc=","event_id":"evt_2","type":"input_audio_buffer.append"}"#,
        r#"> text {"event_id":"evt_3","response":{"instructions":"Say hi"},"type":"response.create"}"#,
        r#"< text {"delta":"Hel","type":"response.output_text.delta"}"#,
        r#"< text {"delta":"lo","type":"response.output_text.delta"}"#,
        r#"< text {"delta":"!","type":"response.output_text.delta"}"#,
        r#"< text {"type":"response.done"}"#,
        "> close",
        "< close",
    ];
    assert_eq!(transcript.lines().collect::<Vec<_>>(), expected);
    upstream.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_session_replays_every_server_message_in_order_with_the_upstream_gone() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, file, _) = record("evt").await;
    upstream.task.abort();
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| reel).await;
    let seen = converse(server.base_url(), "evt", "Say hi").await;
    assert_eq!(
        seen,
        Seen {
            texts: expected_texts(),
            close: None
        }
    );
    assert_eq!(server.unplayed(), Vec::<usize>::new());
    server.shutdown().await;
    assert_eq!(
        logged(&exchanges),
        [format!("GET {TARGET} -> 101 (replayed #0)")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_client_message_closes_the_session_with_1008_and_a_report() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, file, _) = record("evt").await;
    upstream.task.abort();
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| {
        reel.record_command(|_| "just record".to_owned())
    })
    .await;
    let seen = converse(server.base_url(), "evt", "Say bye").await;
    assert_eq!(
        seen,
        Seen {
            texts: expected_texts()[..2].to_vec(),
            close: Some((
                1008,
                "reel: client message 3 differs from the recording".to_owned()
            )),
        },
        "the messages before the difference were played"
    );
    server.shutdown().await;
    let exchanges = exchanges.taken();
    assert_eq!(exchanges.len(), 1);
    assert!(matches!(exchanges[0].outcome, Outcome::NoMatch { .. }));
    let report = exchanges[0].details().unwrap();
    let expected = format!(
        "reel: client message 3 of the WebSocket session GET {TARGET} differs from the recording
  cassette:    {}, interaction #0
  recorded:    > text {{\"event_id\":\"evt_3\",\"response\":{{\"instructions\":\"Say hi\"}},\"type\":\"response.create\"}}
  received:    > text {{\"event_id\":\"evt_3\",\"response\":{{\"instructions\":\"Say bye\"}},\"type\":\"response.create\"}}
  differs (both JSON, compared as canonical JSON without ignored fields):
    --- recorded
    +++ received
    @@ -1,7 +1,7 @@
     {{
       \"event_id\": \"evt_3\",
       \"response\": {{
    -    \"instructions\": \"Say hi\"
    +    \"instructions\": \"Say bye\"
       }},
       \"type\": \"response.create\"
     }}

to re-record this cassette, run: just record",
        file.path.display()
    );
    assert_eq!(report, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_id_that_changes_per_run_is_left_out_with_ignore_json_field() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, file, _) = record("evt_first_run").await;
    upstream.task.abort();

    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| {
        reel.ignore_json_field("/event_id")
    })
    .await;
    let seen = converse(server.base_url(), "evt_second_run", "Say hi").await;
    assert_eq!(seen.texts, expected_texts());
    assert_eq!(seen.close, None);
    server.shutdown().await;

    // Without the rule the first event already differs.
    let strict = Exchanges::default();
    let server = replay(&file, &strict, |reel| reel).await;
    let seen = converse(server.base_url(), "evt_second_run", "Say hi").await;
    assert_eq!(
        seen.close,
        Some((
            1008,
            "reel: client message 1 differs from the recording".to_owned()
        ))
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_no_recording_matches_is_answered_404_with_the_report() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, file, _) = record("evt").await;
    upstream.task.abort();
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| reel).await;
    let url = format!(
        "{}/v1/realtime?model=another",
        server.base_url().replacen("http://", "ws://", 1)
    );
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(response) = err else {
        panic!("an HTTP answer, not {err}");
    };
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-reel-error"], "no-match");
    let body = String::from_utf8(response.body().clone().unwrap()).unwrap();
    assert!(
        body.starts_with("reel: no recorded interaction matches GET "),
        "{body}"
    );
    server.shutdown().await;
}

/// A cassette holding one session at `wss://api.example.com/v1/echo` whose
/// transcript is `lines`.
fn hand_written(lines: &[&str]) -> TempCassette {
    use reel::cassette::{Interaction, Request, Response};
    let transcript: String = lines.iter().map(|line| format!("{line}\n")).collect();
    crate::support::cassette(vec![Interaction::new(
        Request::new("GET", "wss://api.example.com/v1/echo"),
        Response::new(101).with_body(transcript),
    )])
}

/// Opens `/v1/echo` on `server`.
async fn open_echo(
    server: &ReelServer,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!(
        "{}/v1/echo",
        server.base_url().replacen("http://", "ws://", 1)
    );
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_messages_match_byte_for_byte_and_a_recorded_close_is_sent_as_a_close() {
    if reran_without_reel_env() {
        return;
    }
    let file = hand_written(&["> binary AAEC", "< binary AwQ=", "< close 1000 done"]);
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| reel).await;
    let mut ws = open_echo(&server).await;
    ws.send(Message::binary(vec![0, 1, 2])).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::binary(vec![3, 4])
    );
    let Message::Close(Some(close)) = ws.next().await.unwrap().unwrap() else {
        panic!("a close frame");
    };
    assert_eq!(
        (u16::from(close.code), close.reason.as_str()),
        (1000, "done")
    );
    while ws.next().await.is_some() {}
    server.shutdown().await;
    assert_eq!(logged(&exchanges), ["GET /v1/echo -> 101 (replayed #0)"]);

    // One byte off is a difference.
    let server = replay(&file, &exchanges, |reel| reel).await;
    let mut ws = open_echo(&server).await;
    ws.send(Message::binary(vec![0, 1, 3])).await.unwrap();
    let Message::Close(Some(close)) = ws.next().await.unwrap().unwrap() else {
        panic!("a close frame");
    };
    assert_eq!(u16::from(close.code), 1008);
    assert_eq!(
        close.reason.as_str(),
        "reel: client message 1 differs from the recording"
    );
    server.shutdown().await;
    let details = exchanges.taken()[1].details().unwrap().to_owned();
    assert!(
        details.contains(
            "  recorded:    > binary AAEC\n  received:    > binary AAED\n  differs (binary, \
             compared byte for byte): recorded 3 bytes, received 3 bytes\n"
        ),
        "{details}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_message_past_the_end_of_the_recording_closes_with_1008() {
    if reran_without_reel_env() {
        return;
    }
    let file = hand_written(&["< text hi", "> text ping", "< text pong"]);
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| reel).await;
    let mut ws = open_echo(&server).await;
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
    ws.send(Message::text("ping")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("pong"));
    ws.send(Message::text("ping again")).await.unwrap();
    let Message::Close(Some(close)) = ws.next().await.unwrap().unwrap() else {
        panic!("a close frame");
    };
    assert_eq!(u16::from(close.code), 1008);
    assert_eq!(
        close.reason.as_str(),
        "reel: client message 2 is not in the recording"
    );
    server.shutdown().await;
    let details = exchanges.taken()[0].details().unwrap().to_owned();
    assert!(
        details.starts_with(
            "reel: client message 2 of the WebSocket session GET /v1/echo is not in the \
             recording (it has 1 client message)\n"
        ),
        "{details}"
    );
    assert!(
        details.contains("\n  received:    > text ping again\n"),
        "{details}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credential_in_a_message_refuses_the_recording_of_the_session() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Realtime::start().await;
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(upstream.url.clone()),
        )
        .start(&file.path)
        .await
        .unwrap();
    let url = format!(
        "{}{TARGET}",
        server.base_url().replacen("http://", "ws://", 1)
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.next().await.unwrap().unwrap(); // session.created
    let update = json!({
        "type": "session.update",
        "session": {"tools_key": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"},
    });
    ws.send(Message::text(json_text(update))).await.unwrap();
    ws.next().await.unwrap().unwrap(); // session.updated
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    server.shutdown().await;
    upstream.task.abort();

    let exchanges = exchanges.taken();
    assert_eq!(exchanges.len(), 1);
    let message = exchanges[0].details().expect("a failure");
    assert!(
        message.starts_with("reel: the session was not recorded: refusing to record GET "),
        "{message}"
    );
    assert!(
        message.contains("response.body: OpenAI API key `sk-pro…(44 chars)`"),
        "{message}"
    );
    let recorded = Cassette::load(&file.path).map_or(0, |c| c.interactions.len());
    assert_eq!(recorded, 0, "nothing was recorded");
}

/// `value` as JSON text with its keys in order at every level, whatever
/// serde_json's `preserve_order` (another crate of the build may turn it on):
/// the messages a test sends and the transcript it expects are the same bytes.
fn json_text(value: Value) -> String {
    fn sorted(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }
    sorted(value).to_string()
}

/// The JSON field rules reach every text message of a session: recording writes
/// the field redacted in the client's `session.update` and in the server's
/// echo of it, and replay redacts each live client message the same way before
/// comparing it, so the session still matches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_field_rules_redact_each_message_and_the_session_still_matches() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Realtime::start().await;
    let file = temp_cassette();
    let server = ReelServer::builder()
        .mode(Mode::All)
        .upstream(upstream.url.clone())
        .options(|reel| reel.redact_json_field("/session/voice"))
        .start(&file.path)
        .await
        .unwrap();
    let seen = converse(server.base_url(), "evt", "Say hi").await;
    assert_eq!(
        seen.texts,
        expected_texts(),
        "the live session is untouched"
    );
    server.shutdown().await;
    upstream.task.abort();
    let cassette = reel::cassette::Cassette::load(&file.path).unwrap();
    let transcript = String::from_utf8(cassette.interactions[0].response.body.to_vec()).unwrap();
    assert!(!transcript.contains("alloy"), "{transcript}");
    assert_eq!(
        transcript.matches(r#""voice":"REDACTED""#).count(),
        2,
        "{transcript}"
    );

    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| {
        reel.redact_json_field("/session/voice")
    })
    .await;
    let seen = converse(server.base_url(), "evt", "Say hi").await;
    assert_eq!(seen.close, None, "{seen:?}");
    assert_eq!(seen.texts.len(), expected_texts().len());
    assert!(
        seen.texts[1].contains(r#""voice":"REDACTED""#),
        "{:?}",
        seen.texts
    );
    server.shutdown().await;
}

/// The recorded times of the session's messages in the timing file beside
/// `file`, in milliseconds after the `101`.
fn message_times(file: &TempCassette) -> Vec<f64> {
    // The documented name: NAME.yaml.timing.
    let mut path = file.path.clone().into_os_string();
    path.push(".timing");
    let timing: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    timing["interactions"][0]["events_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ms| ms.as_f64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_s_rhythm_is_recorded_per_message_and_replayed_when_paced() {
    if reran_without_reel_env() {
        return;
    }
    let gap = Duration::from_millis(40);
    let upstream = Realtime::paced(gap).await;
    let file = temp_cassette();
    let server = ReelServer::builder()
        .mode(Mode::All)
        .upstream(upstream.url.clone())
        .options(|reel| reel.record_timing(true))
        .start(&file.path)
        .await
        .unwrap();
    converse(server.base_url(), "evt", "Say hi").await;
    server.shutdown().await;
    upstream.task.abort();
    // One time per transcript line, both directions, in order.
    let times = message_times(&file);
    let cassette = Cassette::load(&file.path).unwrap();
    let lines = cassette.interactions[0]
        .response
        .body
        .split(|b| *b == b'\n');
    assert_eq!(times.len(), lines.filter(|l| !l.is_empty()).count());
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    // `response.create` is line 4; its three deltas and `response.done` (lines
    // 5 to 8) came a gap apart, the first a gap after it.
    let response_ms = times[8] - times[4];
    assert!(
        response_ms >= 3.0 * gap.as_secs_f64() * 1000.0,
        "the response took {response_ms} ms to record: {times:?}"
    );

    // Unpaced, the replay does not wait; paced, each server message comes no
    // sooner after the message before it than it did when recorded.
    let exchanges = Exchanges::default();
    let paced = replay(&file, &exchanges, |reel| reel.event_delay(Delay::Recorded)).await;
    let started = Instant::now();
    let seen = converse(paced.base_url(), "evt", "Say hi").await;
    let took = started.elapsed();
    assert_eq!(seen.texts, expected_texts());
    assert!(
        took >= Duration::from_secs_f64(times[8] / 1000.0),
        "replayed in {took:?}, recorded in {} ms",
        times[8]
    );
    paced.shutdown().await;

    // A fixed delay waits before every server message but the first.
    let fixed = Duration::from_millis(15);
    let server = replay(&file, &exchanges, |reel| {
        reel.event_delay(Delay::Fixed(fixed))
    })
    .await;
    let started = Instant::now();
    let seen = converse(server.base_url(), "evt", "Say hi").await;
    assert_eq!(seen.texts, expected_texts());
    let took = started.elapsed();
    assert!(took >= fixed * 5, "{took:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_replays_in_process_over_a_stream_the_server_provides() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, file, _) = record("evt").await;
    upstream.task.abort();
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, ReelBuilder::allow_repeats).await;
    // No socket: the client's URL names the real API, which is never reached.
    let url = format!("wss://api.openai.com{TARGET}");
    let (ws, response) = tokio_tungstenite::client_async(handshake(&url), server.connect())
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    let seen = talk(ws, "evt", "Say hi").await;
    assert_eq!(seen.texts, expected_texts());
    assert_eq!(seen.close, None);
    // A changed message is refused in process as it is through a port.
    let (ws, _) = tokio_tungstenite::client_async(handshake(&url), server.connect())
        .await
        .unwrap();
    let seen = talk(ws, "evt", "Say bye").await;
    assert_eq!(seen.close.map(|(code, _)| code), Some(1008));
    server.shutdown().await;
    assert_eq!(
        logged(&exchanges),
        [
            format!("GET {TARGET} -> 101 (replayed #0)"),
            format!("GET {TARGET} -> 101 (no match)"),
        ]
    );
}

/// A Live-API-like upstream: answers each message with two JSON events sent as
/// binary messages, as Gemini's Live API sends its events.
async fn binary_json_upstream() -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                // tungstenite answers the client's close as the loop reads it.
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_close() {
                        continue;
                    }
                    for event in [
                        r#"{"serverContent":{"modelTurn":{"parts":[{"text":"Hello"}]}},"session":{"resumeToken":"live-run-1"}}"#,
                        r#"{"serverContent":{"turnComplete":true}}"#,
                    ] {
                        let _ = ws.send(Message::binary(event.as_bytes().to_vec())).await;
                    }
                }
            });
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_events_in_binary_messages_are_recorded_readable_redacted_and_matched_as_json() {
    if reran_without_reel_env() {
        return;
    }
    let (upstream, task) = binary_json_upstream().await;
    let file = temp_cassette();
    let server = ReelServer::builder()
        .mode(Mode::All)
        .upstream(upstream)
        .options(|reel| reel.redact_json_field("/session/resumeToken"))
        .start(&file.path)
        .await
        .unwrap();
    let mut ws = open_echo(&server).await;
    let turn =
        r#"{"clientContent":{"turns":[{"parts":[{"text":"hi"}],"role":"user"}]},"id":"run-1"}"#;
    ws.send(Message::binary(turn.as_bytes().to_vec()))
        .await
        .unwrap();
    let live = [ws.next().await, ws.next().await].map(|m| m.unwrap().unwrap());
    assert!(
        matches!(&live[0], Message::Binary(b) if b.starts_with(b"{\"serverContent\"")),
        "{live:?}"
    );
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    server.shutdown().await;
    task.abort();
    let cassette = Cassette::load(&file.path).unwrap();
    let transcript = String::from_utf8(cassette.interactions[0].response.body.to_vec()).unwrap();
    assert_eq!(
        transcript.lines().collect::<Vec<_>>(),
        [
            format!("> binary-text {turn}").as_str(),
            r#"< binary-text {"serverContent":{"modelTurn":{"parts":[{"text":"Hello"}]}},"session":{"resumeToken":"REDACTED"}}"#,
            r#"< binary-text {"serverContent":{"turnComplete":true}}"#,
            "> close",
            "< close",
        ]
    );

    // Replayed: the same JSON in another key order, with another id the rules
    // ignore, matches; the recorded events come back as binary messages.
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| reel.ignore_json_field("/id")).await;
    let mut ws = open_echo(&server).await;
    let reordered =
        r#"{"id":"run-2","clientContent":{"turns":[{"role":"user","parts":[{"text":"hi"}]}]}}"#;
    ws.send(Message::binary(reordered.as_bytes().to_vec()))
        .await
        .unwrap();
    let replayed = [ws.next().await, ws.next().await].map(|m| m.unwrap().unwrap());
    assert_eq!(
        replayed[1],
        Message::binary(br#"{"serverContent":{"turnComplete":true}}"#.to_vec())
    );
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    server.shutdown().await;

    // Another question is a difference, reported as a JSON diff.
    let server = replay(&file, &exchanges, |reel| reel.ignore_json_field("/id")).await;
    let mut ws = open_echo(&server).await;
    let other = turn.replace("\"hi\"", "\"bye\"");
    ws.send(Message::binary(other.into_bytes())).await.unwrap();
    let Message::Close(Some(close)) = ws.next().await.unwrap().unwrap() else {
        panic!("a close frame");
    };
    assert_eq!(u16::from(close.code), 1008);
    server.shutdown().await;
    let taken = exchanges.taken();
    let details = taken.last().unwrap().details().unwrap();
    assert!(details.contains("canonical JSON"), "{details}");
    assert!(details.contains("\"bye\""), "{details}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miss_report_shows_the_client_message_as_the_recording_would_hold_it() {
    if reran_without_reel_env() {
        return;
    }
    let file = hand_written(&[
        r#"> text {"token":"REDACTED","type":"session.update","voice":"alloy"}"#,
        r#"< text {"type":"session.updated"}"#,
    ]);
    let exchanges = Exchanges::default();
    let server = replay(&file, &exchanges, |reel| reel.redact_json_field("/token")).await;
    let mut ws = open_echo(&server).await;
    let sent = r#"{"token":"tok-live-5Zx81kQpL0vB3nM5","type":"session.update","voice":"echo"}"#;
    ws.send(Message::text(sent)).await.unwrap();
    let Message::Close(Some(close)) = ws.next().await.unwrap().unwrap() else {
        panic!("a close frame");
    };
    assert_eq!(u16::from(close.code), 1008);
    server.shutdown().await;
    let details = exchanges.taken()[0].details().unwrap().to_owned();
    assert!(details.contains(r#""voice":"echo""#), "{details}");
    assert!(details.contains(r#""token":"REDACTED""#), "{details}");
    assert!(!details.contains("tok-live"), "{details}");
}
