//! Item 5: requests per second replaying the seed's first request through `reel
//! serve` (the `reel-server` library, in this process) with a keep-alive client,
//! next to a minimal hyper server that answers with the same bytes from memory.
//!
//! Both servers listen on 127.0.0.1 and run on the same tokio runtime; the client
//! sends the recorded request (853 bytes of JSON) and reads the whole response
//! (the 14-event stream, 5,059 bytes), one request at a time on one connection.
//! reel sends the events one HTTP chunk each, as the real server did; the minimal
//! server sends the body in one piece. Target: reel serve / minimal ≥ 0.8.
//!
//! `cargo bench -p reel-bench --bench serve`

use std::convert::Infallible;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion};
use http_body_util::{combinators::BoxBody as Boxed, BodyExt as _, Full, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use reel::cassette::{stream_events, Cassette, StreamKind};
use reel_bench::workload::http_client;
use reel_bench::{Contender, Rounds, Table};

type BoxBody = Boxed<Bytes, Infallible>;

fn seed_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reel/cassettes/openai/multi_tool_streaming.yaml")
}

/// A hyper server that answers every request with `body` as `content_type`, in
/// one piece, or one HTTP chunk per piece of `chunks` when given.
async fn minimal_server(
    content_type: &'static str,
    body: Bytes,
    chunks: Option<Vec<Bytes>>,
) -> String {
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
            let (body, chunks) = (body.clone(), chunks.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let (body, chunks) = (body.clone(), chunks.clone());
                        async move {
                            // Read the request body, as reel does.
                            let _ = http_body_util::BodyExt::collect(request.into_body()).await;
                            let body: BoxBody = match chunks {
                                None => Full::new(body).map_err(|never| match never {}).boxed(),
                                Some(chunks) => StreamBody::new(futures_util::stream::iter(
                                    chunks
                                        .into_iter()
                                        .map(|c| Ok::<_, Infallible>(Frame::data(c))),
                                ))
                                .boxed(),
                            };
                            let response = hyper::Response::builder()
                                .header("content-type", content_type)
                                .body(body)
                                .expect("a response");
                            Ok::<_, Infallible>(response)
                        }
                    },
                );
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

async fn exchange(client: &reqwest::Client, url: &str, body: &Bytes) -> usize {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("the body reads").len()
}

fn main() {
    // The servers run on their own thread; the client on this one, so that its
    // connection and the body it reads share a thread as in a test.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the servers");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the client");
    let seed = Cassette::load(seed_path()).expect("the seed loads");
    let first = &seed.interactions[0];
    let request_body = first.request.body.clone();
    let expected_len = first.response.body.len();
    let server = servers.block_on(async {
        reel_server::ReelServer::builder()
            .mode(reel::Mode::None)
            .allow_repeats()
            .start(seed_path())
            .await
            .expect("reel serve starts")
    });
    let reel_url = format!("{}/v1/chat/completions", server.base_url());
    let content_type = "text/event-stream; charset=utf-8";
    let body = first.response.body.clone();
    let minimal_url = servers.block_on(minimal_server(content_type, body.clone(), None));
    let minimal_url = format!("{minimal_url}/v1/chat/completions");
    let events = stream_events(&body, StreamKind::ServerSentEvents).collect();
    let chunked_url = servers.block_on(minimal_server(content_type, body, Some(events)));
    let chunked_url = format!("{chunked_url}/v1/chat/completions");
    let client = http_client();
    for url in [&reel_url, &minimal_url, &chunked_url] {
        assert_eq!(
            runtime.block_on(exchange(&client, url, &request_body)),
            expected_len
        );
    }
    let run = |url: &str, iters: u64| -> Duration {
        let start = Instant::now();
        for _ in 0..iters {
            runtime.block_on(exchange(&client, url, &request_body));
        }
        start.elapsed()
    };

    let mut criterion = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    let mut group = criterion.benchmark_group("serve one request");
    for (name, url) in [
        ("minimal hyper", &minimal_url),
        ("minimal hyper, one chunk per event", &chunked_url),
        ("reel serve", &reel_url),
    ] {
        group.bench_function(BenchmarkId::new(name, "seed #0"), |b| {
            b.iter_custom(|iters| run(url, iters));
        });
    }
    group.finish();
    criterion.final_summary();

    let rounds = Rounds::run(
        vec![
            Contender::timed("minimal", |iters| run(&minimal_url, iters)),
            Contender::timed("chunked", |iters| run(&chunked_url, iters)),
            Contender::timed("reel", |iters| run(&reel_url, iters)),
        ],
        30,
        Duration::from_millis(20),
    );
    let rps = |name: &str| 1.0 / rounds.median(name).as_secs_f64();
    let mut table = Table::new(&["server", "requests/s", "reel serve / this server (≥ 0.8)"]);
    for (label, name) in [
        ("minimal hyper, body in one piece", "minimal"),
        ("minimal hyper, one chunk per event", "chunked"),
    ] {
        table.row(vec![
            label.into(),
            format!("{:.0}", rps(name)),
            format!("{:.2}", 1.0 / rounds.ratio("reel", name)),
        ]);
    }
    table.row(vec![
        "reel serve (one chunk per event)".into(),
        format!("{:.0}", rps("reel")),
        String::new(),
    ]);
    println!(
        "\nServe: the seed's first request, one at a time over keep-alive on 127.0.0.1; \
         median over 30 alternating rounds\n\n{table}"
    );
    drop(server);
}
