//! Item 10: WebSocket messages per second replaying a session through `reel
//! serve` (the `reel-server` library, in this process), next to a minimal
//! tokio-tungstenite echo server.
//!
//! A session is a handshake, 200 round trips (the client sends a 120-byte JSON
//! event and waits for the answer, as a Realtime client waits for each event's
//! reply) and a close. reel replays a recorded session of the same 200 pairs:
//! it compares each client message with the recording (as canonical JSON) and
//! sends the recorded answer. Both servers listen on 127.0.0.1 and run on one
//! tokio thread; the client on another. Target: reel serve / echo ≥ 0.8.
//!
//! `cargo bench -p reel-bench --bench websocket`

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use futures_util::{SinkExt as _, StreamExt as _};
use reel::cassette::websocket::{Direction, Frame, Message as Line, Transcript};
use reel::cassette::{Cassette, Interaction, Request, Response};
use reel_bench::{Contender, Rounds, Table};
use tokio_tungstenite::tungstenite::Message;

/// Round trips per session.
const MESSAGES: usize = 200;

/// The client's `i`th event: about 120 bytes of JSON, as a Realtime event.
fn event(i: usize) -> String {
    format!(
        r#"{{"event_id":"evt_{i:06}","item":{{"content":[{{"text":"message number {i:06} of the session","type":"input_text"}}]}},"type":"conversation.item.create"}}"#
    )
}

/// [`event`] with its keys in another order and other spacing: the same JSON,
/// other bytes, so reel compares it as canonical JSON.
fn event_reordered(i: usize) -> String {
    format!(
        r#"{{"type": "conversation.item.create", "item": {{"content": [{{"type": "input_text", "text": "message number {i:06} of the session"}}]}}, "event_id": "evt_{i:06}"}}"#
    )
}

/// A tokio-tungstenite server that echoes every message: the floor.
async fn echo_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_close() {
                        break;
                    }
                    if ws.send(message).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("ws://{addr}/v1/realtime")
}

/// What a session sends, and the answer it expects to each message.
#[derive(Clone, Copy)]
struct Talk {
    send: fn(usize) -> String,
    answer: fn(usize) -> String,
}

/// A session: connect, `MESSAGES` round trips, close. Panics on a wrong answer.
async fn session(url: &str, talk: Talk) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects");
    for i in 0..MESSAGES {
        let expected = (talk.answer)(i);
        ws.send(Message::text((talk.send)(i))).await.expect("sends");
        match ws.next().await {
            Some(Ok(Message::Text(text))) => assert_eq!(text.as_str(), expected),
            other => panic!("message {i}: {other:?}"),
        }
    }
    let _ = ws.close(None).await;
}

fn main() {
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the servers");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the client");

    // The recorded session: each event and its echo.
    let transcript = Transcript {
        messages: (0..MESSAGES)
            .flat_map(|i| {
                [Direction::Client, Direction::Server].map(|direction| Line {
                    direction,
                    frame: Frame::Text(event(i)),
                })
            })
            .collect(),
    };
    let mut response = Response::new(101).with_body(transcript.to_text());
    response.status = "101 Switching Protocols".into();
    let mut cassette = Cassette::new();
    cassette.interactions.push(Interaction::new(
        Request::new("GET", "http://realtime.bench/v1/realtime"),
        response,
    ));
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("session.yaml");
    cassette.save(&path).expect("the session saves");
    let server = servers.block_on(async {
        reel_server::ReelServer::builder()
            .mode(reel::Mode::None)
            .allow_repeats()
            .upstream("http://realtime.bench")
            .start(&path)
            .await
            .expect("reel serve starts")
    });
    let reel_url = format!(
        "{}/v1/realtime",
        server.base_url().replacen("http://", "ws://", 1)
    );
    let echo_url = servers.block_on(echo_server());
    // The echo answers what was sent; reel, what was recorded.
    let same = Talk {
        send: event,
        answer: event,
    };
    let reordered = Talk {
        send: event_reordered,
        answer: event,
    };
    let contenders = [
        ("echo", "echo server", &echo_url, same),
        ("reel", "reel serve", &reel_url, same),
        (
            "reel-json",
            "reel serve, reordered keys",
            &reel_url,
            reordered,
        ),
    ];
    for (_, _, url, talk) in &contenders {
        runtime.block_on(session(url, *talk));
    }
    let run = |url: &str, talk: Talk, iters: u64| -> Duration {
        let start = Instant::now();
        for _ in 0..iters {
            runtime.block_on(session(url, talk));
        }
        start.elapsed()
    };

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut group = criterion.benchmark_group("websocket session");
    for (_, name, url, talk) in &contenders {
        group.bench_function(
            BenchmarkId::new(*name, format!("{MESSAGES} round trips")),
            |b| {
                b.iter_custom(|iters| run(url, *talk, iters));
            },
        );
    }
    group.finish();
    criterion.final_summary();

    let rounds = Rounds::run(
        contenders
            .iter()
            .map(|(key, _, url, talk)| Contender::timed(*key, move |iters| run(url, *talk, iters)))
            .collect(),
        15,
        Duration::from_millis(100),
    );
    let per_second = |name: &str| MESSAGES as f64 / rounds.median(name).as_secs_f64();
    let mut table = Table::new(&["server", "round trips/s", "reel serve / echo (≥ 0.8)"]);
    table.row(vec![
        "tokio-tungstenite echo server".into(),
        format!("{:.0}", per_second("echo")),
        String::new(),
    ]);
    table.row(vec![
        "reel serve, replaying the session (the same bytes)".into(),
        format!("{:.0}", per_second("reel")),
        format!("{:.2}", 1.0 / rounds.ratio("reel", "echo")),
    ]);
    table.row(vec![
        "reel serve, each event with its keys reordered (compared as JSON)".into(),
        format!("{:.0}", per_second("reel-json")),
        format!("{:.2}", 1.0 / rounds.ratio("reel-json", "echo")),
    ]);
    println!(
        "\nWebSocket: sessions of {MESSAGES} round trips on 127.0.0.1, one at a time; median \
         over 15 alternating rounds\n\n{table}"
    );
    drop(server);
}
