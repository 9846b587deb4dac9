//! Item 5b: requests per second recording through `reel serve` (the
//! `reel-server` library in mode `all`, in this process) next to a minimal
//! hyper reverse proxy forwarding to the same upstream, in one run.
//!
//! The upstream is `reel-upstream` on 127.0.0.1 answering `GET /sse?events=5`
//! (five server-sent events). Both servers send the request on with a
//! `reqwest::Client` and stream the answer back as it arrives; reel serve also
//! tees it into the cassette and writes each interaction as it ends (batched by
//! its saver thread: each save rewrites the file, under its lock, with fsync).
//! The client sends one request at a time over keep-alive and reads the whole
//! answer. Target: reel serve recording / proxy ≥ 0.7.
//!
//! `cargo bench -p reel-bench --bench serve_record`

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion};
use futures_util::TryStreamExt as _;
use http_body_util::{combinators::BoxBody as Boxed, BodyExt as _, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use reel_bench::workload::http_client;
use reel_bench::{Contender, Rounds, Table};

type BoxBody = Boxed<Bytes, reqwest::Error>;

/// A reverse proxy in a few lines: each request sent on to `upstream` with a
/// `reqwest::Client`, its answer streamed back chunk by chunk.
async fn minimal_proxy(upstream: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let client = http_client();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (client, upstream) = (client.clone(), upstream.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        let (client, upstream) = (client.clone(), upstream.clone());
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                            let answer = client
                                .request(parts.method, format!("{upstream}{target}"))
                                .body(body)
                                .send()
                                .await
                                .expect("the upstream answers");
                            let mut response = hyper::Response::builder().status(answer.status());
                            for (name, value) in answer.headers() {
                                if name != "content-length" && name != "transfer-encoding" {
                                    response = response.header(name, value);
                                }
                            }
                            let frames = answer.bytes_stream().map_ok(Frame::data);
                            let body: BoxBody = StreamBody::new(frames).boxed();
                            Ok::<_, Infallible>(response.body(body).expect("a response"))
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

async fn exchange(client: &reqwest::Client, url: &str) -> usize {
    let response = client.get(url).send().await.expect("the server answers");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("the body reads").len()
}

fn main() {
    // The servers run on their own thread; the client on this one.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the servers");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the client");
    let upstream = servers.block_on(reel_upstream::Upstream::start());
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("recorded.yaml");
    let server = servers.block_on(async {
        reel_server::ReelServer::builder()
            .mode(reel::Mode::All)
            .upstream(upstream.url(""))
            .on_exchange(|_| {})
            .start(&path)
            .await
            .expect("reel serve starts")
    });
    let target = "/sse?events=5";
    let reel_url = format!("{}{target}", server.base_url());
    let proxy_url = format!(
        "{}{target}",
        servers.block_on(minimal_proxy(upstream.url("")))
    );
    let client = http_client();
    let expected = runtime.block_on(exchange(&client, &proxy_url));
    assert_eq!(runtime.block_on(exchange(&client, &reel_url)), expected);
    let run = |url: &str, iters: u64| -> Duration {
        let start = Instant::now();
        for _ in 0..iters {
            runtime.block_on(exchange(&client, url));
        }
        start.elapsed()
    };

    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    let mut group = criterion.benchmark_group("record through a server");
    for (name, url) in [
        ("minimal proxy", &proxy_url),
        ("reel serve, mode all", &reel_url),
    ] {
        group.bench_function(BenchmarkId::new(name, target), |b| {
            b.iter_custom(|iters| run(url, iters));
        });
    }
    group.finish();
    criterion.final_summary();

    let rounds = Rounds::run(
        vec![
            Contender::timed("proxy", |iters| run(&proxy_url, iters)),
            Contender::timed("reel", |iters| run(&reel_url, iters)),
        ],
        30,
        Duration::from_millis(20),
    );
    servers.block_on(server.shutdown());
    let recorded = reel::cassette::Cassette::load(&path).expect("the recordings saved");
    assert!(recorded.interactions.len() > 1, "every request recorded");
    let rps = |name: &str| 1.0 / rounds.median(name).as_secs_f64();
    let mut table = Table::new(&[
        "server",
        "requests/s",
        "reel serve recording / proxy (≥ 0.7)",
    ]);
    table.row(vec![
        "minimal hyper reverse proxy".into(),
        format!("{:.0}", rps("proxy")),
        format!("{:.2}", 1.0 / rounds.ratio("reel", "proxy")),
    ]);
    table.row(vec![
        "reel serve, mode all (recording)".into(),
        format!("{:.0}", rps("reel")),
        String::new(),
    ]);
    println!(
        "\nRecord through a server: GET {target} from reel-upstream, one request at a time \
         over keep-alive on 127.0.0.1; median over 30 alternating rounds; {} interactions \
         recorded in all\n\n{table}",
        recorded.interactions.len()
    );
}
