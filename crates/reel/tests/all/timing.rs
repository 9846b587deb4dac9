//! The recorded rhythm of a stream: recording keeps when each event arrived (in
//! the timing file beside the cassette, which stays go-vcr's shape), and replay
//! with `Delay::Recorded` waits those gaps, scaled by a factor.

use futures_util::StreamExt as _;
use reel::cassette::Cassette;
use reel::{Delay, Mode, Reel};
use reel_cassette::__private::{timing_path, Timing};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::client;

/// Records `/sse-gaps?ms=50,200,400` with timing into a fresh cassette.
fn record(path: &std::path::Path) -> Vec<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let upstream = Upstream::start().await;
        let reel = Reel::builder()
            .mode(Mode::All)
            .record_timing(true)
            .open(path)
            .unwrap();
        let response = client(reel.clone())
            .get(upstream.url("/sse-gaps?ms=50,200,400"))
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap();
        reel.flush().unwrap();
    });
    let cassette = Cassette::load(path).unwrap();
    let timing = Timing::load_for(path).unwrap().expect("a timing file");
    timing
        .for_interaction(0, &cassette.interactions[0])
        .expect("timing for the stream")
        .events_ms
        .clone()
}

/// The gaps between events replayed with `delay` on tokio's paused clock, in
/// milliseconds (the first since the headers).
fn replayed_gaps(path: &std::path::Path, delay: Delay) -> Vec<f64> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let reel = Reel::builder().event_delay(delay).replay(path).unwrap();
        let url = Cassette::load(path).unwrap().interactions[0]
            .request
            .url
            .clone();
        let response = client(reel).get(url).send().await.unwrap();
        let mut last = tokio::time::Instant::now();
        let mut gaps = Vec::new();
        let mut body = response.bytes_stream();
        while let Some(event) = body.next().await {
            event.unwrap();
            let now = tokio::time::Instant::now();
            gaps.push((now - last).as_secs_f64() * 1000.0);
            last = now;
        }
        gaps
    })
}

#[test]
fn a_recorded_rhythm_replays_exactly_and_scaled() {
    if reran_without_reel_env() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timed.yaml");
    let times = record(&path);
    assert_eq!(times.len(), 4, "three events and [DONE]: {times:?}");
    let recorded: Vec<f64> = times
        .iter()
        .scan(0.0, |previous, &at| {
            let gap = at - *previous;
            *previous = at;
            Some(gap)
        })
        .collect();
    for (gap, expected) in recorded.iter().zip([50.0, 200.0, 400.0]) {
        assert!(
            (expected..expected + 150.0).contains(gap),
            "recorded gaps {recorded:?}"
        );
    }
    // The cassette is go-vcr's shape: the timing lives beside it.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("events_ms") && !text.contains("timing"),
        "{text}"
    );
    assert!(timing_path(&path).exists());

    // Times are kept in whole milliseconds, the resolution of tokio's timer;
    // under the paused clock a wait lasts exactly its length rounded up to it.
    assert!(times.iter().all(|t| t.fract() == 0.0), "{times:?}");
    let exact = replayed_gaps(&path, Delay::Recorded);
    assert_eq!(exact, recorded);
    let half: Vec<f64> = recorded.iter().map(|gap| (gap * 0.5).ceil()).collect();
    assert_eq!(replayed_gaps(&path, Delay::Scaled(0.5)), half);
    // Without the timing file, today's uniform pacing: no wait here.
    std::fs::remove_file(timing_path(&path)).unwrap();
    let untimed = replayed_gaps(&path, Delay::None);
    assert!(untimed.iter().all(|gap| *gap < 0.01), "{untimed:?}");
}
