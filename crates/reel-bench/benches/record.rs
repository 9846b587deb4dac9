//! Item 4: time to first byte and total time of one request through the recording
//! middleware, next to the same request sent directly, to the same local upstream
//! (`reel-upstream` on 127.0.0.1, in this process).
//!
//! The request is `GET /sse?events=20`: twenty server-sent events. "First byte"
//! stops the clock at the first chunk of the body, "total" at its end. The
//! recorder's redaction, secret scan and save run when the test's last handle
//! drops (here, between iterations), off the request's path: not timed.
//! Every recorded request starts a fresh cassette (`Mode::All`), so the save does
//! not grow with the iterations; the direct contender saves an empty cassette
//! between its requests the same way, so both requests follow the same pause.
//! Target: recorder / direct ≤ 1.3.
//!
//! `cargo bench -p reel-bench --bench record`

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use futures_util::StreamExt as _;
use reel::{Mode, Reel};
use reel_bench::workload::http_client;
use reel_bench::{format_duration, Contender, Rounds, Table};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// Time to the first chunk and to the end of the body.
async fn exchange(client: &ClientWithMiddleware, url: &str) -> (Duration, Duration) {
    let start = Instant::now();
    let response = client.get(url).send().await.expect("the upstream answers");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    body.next().await.expect("a first chunk").expect("it reads");
    let first = start.elapsed();
    while let Some(chunk) = body.next().await {
        std::hint::black_box(chunk.expect("it reads"));
    }
    (first, start.elapsed())
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
    let upstream = servers.block_on(reel_upstream::Upstream::start());
    let url = upstream.url("/sse?events=20");
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("recorded.yaml");
    let direct = ClientBuilder::new(http_client()).build();
    // One client per measurement would open a connection each time; keep one
    // connection pool for the recorder too, with a fresh cassette each request.
    let pool = http_client();
    let recorder = |path: &std::path::Path| {
        // Each measured recording writes one interaction: mode `all` appends
        // after the first write of a run, so start from no cassette.
        let _ = std::fs::remove_file(path);
        let reel = Reel::builder()
            .mode(Mode::All)
            .open(path)
            .expect("the recorder opens");
        ClientBuilder::new(pool.clone()).with(reel).build()
    };

    // Time the part each contender spends per request; building a fresh recorder
    // between requests is not part of it.
    // Each iteration is a test: it ends with a cassette saved (atomically,
    // with fsync). For the recorder that is its recording; the direct contender
    // saves an empty cassette elsewhere the same way, so both measure their
    // request after the same pause and the ratio is the work on the request's
    // path (an idle pause before a request slows its first bytes by more than
    // reel's whole cost on this machine).
    let elsewhere = dir.path().join("elsewhere.yaml");
    let run = |record: bool, first_byte: bool, iters: u64| -> Duration {
        (0..iters)
            .map(|_| {
                let client = if record {
                    recorder(&path)
                } else {
                    let _ = std::fs::remove_file(&elsewhere);
                    drop(
                        Reel::builder()
                            .mode(Mode::All)
                            .open(&elsewhere)
                            .expect("it opens"),
                    );
                    direct.clone()
                };
                let (first, total) = runtime.block_on(exchange(&client, &url));
                if first_byte {
                    first
                } else {
                    total
                }
            })
            .sum()
    };

    let mut criterion = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    let mut group = criterion.benchmark_group("record");
    for (name, record) in [("direct", false), ("recorder", true)] {
        for (what, first_byte) in [("first byte", true), ("total", false)] {
            group.bench_function(BenchmarkId::new(name, what), |b| {
                b.iter_custom(|iters| run(record, first_byte, iters));
            });
        }
    }
    group.finish();
    criterion.final_summary();

    let contenders = |first_byte: bool| {
        vec![
            Contender::timed("direct", move |iters| run(false, first_byte, iters)),
            Contender::timed("recorder", move |iters| run(true, first_byte, iters)),
        ]
    };
    let first = Rounds::run(contenders(true), 30, Duration::from_millis(10));
    let total = Rounds::run(contenders(false), 30, Duration::from_millis(10));
    let recorded = reel::cassette::Cassette::load(&path).expect("the last recording saved");
    assert_eq!(recorded.interactions.len(), 1);

    let mut table = Table::new(&["measure", "direct", "recorder", "recorder / direct (≤ 1.3)"]);
    for (what, rounds) in [("first byte", &first), ("total", &total)] {
        table.row(vec![
            what.to_owned(),
            format_duration(rounds.median("direct")),
            format_duration(rounds.median("recorder")),
            format!("{:.2}", rounds.ratio("recorder", "direct")),
        ]);
    }
    println!(
        "\nRecord: GET /sse?events=20 from reel-upstream on 127.0.0.1; median times over 30 \
         alternating rounds, ratios the median of per-round ratios\n\n{table}"
    );
}
