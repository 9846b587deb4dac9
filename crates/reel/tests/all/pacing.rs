//! Waits before the headers and between events, on tokio's paused clock.

use std::time::Duration;

use reel::{Delay, Reel};
use reel_tests::reran_without_reel_env;
use tokio::time::Instant;

use crate::support::{chunks, client, seed, seed_path};

const URL: &str = "https://api.openai.com/v1/chat/completions";

/// `elapsed` is `expected`, give or take the millisecond tokio's timer rounds each
/// of `sleeps` sleeps up to.
#[track_caller]
fn assert_close(elapsed: Duration, expected: Duration, sleeps: u32) {
    assert!(
        elapsed >= expected && elapsed - expected <= Duration::from_millis(1) * sleeps,
        "waited {elapsed:?}, expected {expected:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn replays_do_not_wait_by_default() {
    if reran_without_reel_env() {
        return;
    }
    let start = Instant::now();
    let response = client(Reel::replay(seed_path()).unwrap())
        .post(URL)
        .body(seed().interactions[0].request.body.clone())
        .send()
        .await
        .unwrap();
    chunks(response).await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn the_recorded_duration_passes_before_the_headers() {
    if reran_without_reel_env() {
        return;
    }
    let reel = Reel::builder()
        .headers_delay(Delay::Recorded)
        .replay(seed_path())
        .unwrap();
    let start = Instant::now();
    let response = client(reel)
        .post(URL)
        .body(seed().interactions[0].request.body.clone())
        .send()
        .await
        .unwrap();
    let recorded = Duration::from_nanos(1_289_255_208);
    assert_close(start.elapsed(), recorded, 1);
    chunks(response).await;
    assert_close(start.elapsed(), recorded, 1);
}

#[tokio::test(start_paused = true)]
async fn events_can_be_spaced_by_a_fixed_or_a_recorded_proportional_delay() {
    if reran_without_reel_env() {
        return;
    }
    let body = seed().interactions[0].request.body.clone();
    let fixed = Reel::builder()
        .event_delay(Delay::Fixed(Duration::from_millis(10)))
        .replay(seed_path())
        .unwrap();
    let start = Instant::now();
    let response = client(fixed)
        .post(URL)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
    let mut arrivals = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        chunk.unwrap();
        arrivals.push(start.elapsed().as_millis());
    }
    assert_eq!(arrivals, (0..14).map(|n| n * 10).collect::<Vec<u128>>());

    let scaled = Reel::builder()
        .headers_delay(Delay::Scaled(0.5))
        .event_delay(Delay::Scaled(0.01))
        .replay(seed_path())
        .unwrap();
    let recorded = seed().interactions[0].response.duration;
    let (headers, gap) = (
        Delay::Scaled(0.5).after(recorded),
        Delay::Scaled(0.01).after(recorded),
    );
    assert_eq!(headers.as_millis(), 644);
    assert_eq!(gap.as_millis(), 12);
    let start = Instant::now();
    let response = client(scaled).post(URL).body(body).send().await.unwrap();
    assert_close(start.elapsed(), headers, 1);
    chunks(response).await;
    assert_close(start.elapsed(), headers + gap * 13, 14);
}

#[tokio::test(start_paused = true)]
async fn a_client_timeout_shorter_than_the_recorded_latency_fires() {
    if reran_without_reel_env() {
        return;
    }
    let reel = Reel::builder()
        .headers_delay(Delay::Recorded)
        .replay(seed_path())
        .unwrap();
    let request = client(reel)
        .post(URL)
        .body(seed().interactions[0].request.body.clone())
        .send();
    let outcome = tokio::time::timeout(Duration::from_secs(1), request).await;
    assert!(outcome.is_err(), "1s is shorter than the recorded 1.29s");
}
