//! Item 2: time to the first and to the last server-sent event of a replayed
//! `text/event-stream` body of 10 KB and of 10 MB.
//!
//! The cassette holds one interaction whose response is the SSE body; the client
//! sends the request and reads `bytes_stream()`: "first" stops the clock at the
//! first chunk (one event), "last" at the end of the stream. The floor is
//! [`reel_bench::Floor::events`]: the same events, split in advance, streamed one
//! chunk each. Target: reel's time to first event does not grow with the body
//! (10 MB / 10 KB ≤ 2).
//!
//! `cargo bench -p reel-bench --bench streaming`

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use futures_util::StreamExt as _;
use reel::cassette::{stream_events, Bytes, Cassette, Interaction, Request, Response, StreamKind};
use reel_bench::workload::{self, request_body};
use reel_bench::{format_duration, Contender, Floor, Rounds, Table};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

const URL: &str = "https://api.openai.com/v1/chat/completions";
const SIZES: [(&str, usize); 2] = [("10 KB", 10_000), ("10 MB", 10_000_000)];

struct Size {
    label: &'static str,
    events: usize,
    clients: [(&'static str, ClientWithMiddleware); 2],
}

fn setup(label: &'static str, len: usize, dir: &std::path::Path) -> Size {
    let (sse, events) = workload::sse_body(len);
    let sse = Bytes::from(sse);
    let mut cassette = Cassette::new();
    cassette.interactions.push(Interaction::new(
        Request::new("POST", URL)
            .with_header("Content-Type", "application/json")
            .with_body(request_body(0)),
        Response::new(200)
            .with_header("Content-Type", "text/event-stream")
            .with_body(sse.clone()),
    ));
    let path = dir.join(format!("sse-{len}.yaml"));
    cassette.save(&path).expect("the cassette saves");
    let reel = reel::Reel::builder()
        .allow_repeats()
        .replay(&path)
        .expect("the cassette loads");
    let floor = Floor::events(
        "text/event-stream",
        stream_events(&sse, StreamKind::ServerSentEvents).collect(),
    );
    let client = || ClientBuilder::new(workload::http_client());
    Size {
        label,
        events,
        clients: [
            ("floor", client().with(floor).build()),
            ("reel", client().with(reel).build()),
        ],
    }
}

async fn response(client: &ClientWithMiddleware) -> reqwest::Response {
    let response = client
        .post(URL)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(request_body(0))
        .send()
        .await
        .expect("the request replays");
    assert_eq!(response.status(), 200);
    response
}

/// Time from sending to the first event.
async fn first_event(client: &ClientWithMiddleware) -> Duration {
    let start = Instant::now();
    let mut stream = response(client).await.bytes_stream();
    let first = stream.next().await.expect("an event").expect("it reads");
    let elapsed = start.elapsed();
    assert!(first.starts_with(b"data: ") && first.ends_with(b"\n\n"));
    // Dropping the rest of a 10 MB stream is not part of the time.
    drop(stream);
    elapsed
}

/// Time from sending to the end of the stream.
async fn last_event(client: &ClientWithMiddleware, events: usize) -> Duration {
    let start = Instant::now();
    let mut stream = response(client).await.bytes_stream();
    let mut count = 0;
    while let Some(event) = stream.next().await {
        std::hint::black_box(event.expect("it reads"));
        count += 1;
    }
    let elapsed = start.elapsed();
    assert_eq!(count, events, "one chunk per event");
    elapsed
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    let sizes: Vec<Size> = SIZES
        .iter()
        .map(|&(label, len)| setup(label, len, dir.path()))
        .collect();

    let mut group = criterion.benchmark_group("streaming time to first event");
    for size in &sizes {
        for (name, client) in &size.clients {
            group.bench_function(BenchmarkId::new(*name, size.label), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| runtime.block_on(first_event(client)))
                        .sum()
                });
            });
        }
    }
    group.finish();
    let mut group = criterion.benchmark_group("streaming time to last event");
    group.sample_size(10);
    for size in &sizes {
        for (name, client) in &size.clients {
            group.bench_function(BenchmarkId::new(*name, size.label), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| runtime.block_on(last_event(client, size.events)))
                        .sum()
                });
            });
        }
    }
    group.finish();
    criterion.final_summary();

    let contenders = |last: bool| {
        let mut contenders = Vec::new();
        for size in &sizes {
            for (name, client) in &size.clients {
                let runtime = &runtime;
                contenders.push(Contender::timed(
                    format!("{name} {}", size.label),
                    move |iters| {
                        (0..iters)
                            .map(|_| match last {
                                false => runtime.block_on(first_event(client)),
                                true => runtime.block_on(last_event(client, size.events)),
                            })
                            .sum()
                    },
                ));
            }
        }
        contenders
    };
    let first = Rounds::run(contenders(false), 30, Duration::from_millis(5));
    let last = Rounds::run(contenders(true), 15, Duration::from_millis(20));

    let mut table = Table::new(&[
        "body",
        "events",
        "first event: floor",
        "first event: reel",
        "first: reel / floor",
        "last event: floor",
        "last event: reel",
        "last: reel / floor",
    ]);
    for size in &sizes {
        let [floor, reel] = ["floor", "reel"].map(|c| format!("{c} {}", size.label));
        table.row(vec![
            size.label.to_owned(),
            size.events.to_string(),
            format_duration(first.median(&floor)),
            format_duration(first.median(&reel)),
            format!("{:.2}", first.ratio(&reel, &floor)),
            format_duration(last.median(&floor)),
            format_duration(last.median(&reel)),
            format!("{:.2}", last.ratio(&reel, &floor)),
        ]);
    }
    println!(
        "\nStreaming: median times over alternating rounds (30 for the first event, 15 \
         for the last), ratios the median of per-round ratios\n\n{table}"
    );
    println!(
        "reel time to first event, 10 MB / 10 KB: {:.2} (target ≤ 2)",
        first.ratio("reel 10 MB", "reel 10 KB")
    );
}
