//! Replay time per request for cassettes of 10 and 10,000 interactions, side by side.
//!
//! Each cassette holds synthetic chat-completion interactions with distinct JSON
//! bodies and a short SSE answer; the benchmarked request matches the last one, so
//! a lookup that scanned recorded bodies would pay for every interaction before it.
//! The time covers the whole request: normalizing the received body, the index
//! lookup, building the response and reading every event.
//!
//! Run: `cargo bench -p reel-vcr --bench replay`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use reel::cassette::{Cassette, Interaction, Request, Response};
use reel::Reel;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

const URL: &str = "https://api.openai.com/v1/chat/completions";

fn body(n: usize) -> String {
    format!(
        r#"{{"model":"gpt-4o-mini","max_tokens":4000,"stream":true,"messages":[{{"role":"system","content":"You are a helpful assistant."}},{{"role":"user","content":"Question number {n}: what is {n} plus {n}?"}}]}}"#
    )
}

fn answer(n: usize) -> String {
    let mut sse = String::new();
    for word in ["The", " answer", " is", &format!(" {}", 2 * n)] {
        sse += &format!("data: {{\"choices\":[{{\"delta\":{{\"content\":\"{word}\"}}}}]}}\n\n");
    }
    sse + "data: [DONE]\n\n"
}

/// A client replaying a cassette of `n` interactions, and the body of its last request.
fn setup(n: usize, dir: &std::path::Path) -> (ClientWithMiddleware, String) {
    let mut cassette = Cassette::new();
    cassette.interactions = (0..n)
        .map(|i| {
            Interaction::new(
                Request::new("POST", URL)
                    .with_header("Content-Type", "application/json")
                    .with_body(body(i)),
                Response::new(200)
                    .with_header("Content-Type", "text/event-stream")
                    .with_body(answer(i)),
            )
        })
        .collect();
    let path = dir.join(format!("{n}.yaml"));
    cassette.save(&path).expect("the cassette saves");
    let start = Instant::now();
    // Repeats let every iteration replay the same (last) interaction.
    let reel = Reel::builder()
        .allow_repeats()
        .replay(&path)
        .expect("the cassette loads");
    eprintln!(
        "loading and indexing {n} interactions took {:?}",
        start.elapsed()
    );
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(reel)
        .build();
    (client, body(n - 1))
}

async fn replay(client: &ClientWithMiddleware, body: &str) -> usize {
    let mut response = client
        .post(URL)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the request replays");
    let mut chunks = 0;
    while let Some(chunk) = response.chunk().await.expect("the body reads") {
        black_box(chunk);
        chunks += 1;
    }
    assert_eq!(chunks, 5, "one chunk per event");
    chunks
}

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("replay one request");
    for n in [10, 10_000] {
        let (client, body) = setup(n, dir.path());
        group.bench_with_input(BenchmarkId::new("interactions", n), &n, |b, _| {
            b.iter(|| runtime.block_on(replay(&client, &body)));
        });
    }
    group.finish();
    criterion.final_summary();
}
