//! Review mode: what a run records goes to `NAME.yaml.pending` for `reel
//! review`, and the cassette stays byte for byte as it was.

use reel::cassette::Cassette;
use reel::{Mode, Reel};
use reel_cassette::__private::{pending_path, timing_path};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{cassette, client, post};

async fn record(path: &std::path::Path, mode: Mode, url: String) {
    let reel = Reel::builder()
        .mode(mode)
        .review(true)
        .record_timing(true)
        .open(path)
        .unwrap();
    let response = client(reel).get(url).send().await.unwrap();
    response.bytes().await.unwrap();
}

#[tokio::test]
async fn a_review_run_leaves_the_cassette_as_it_was_and_writes_the_pending_file() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = cassette(vec![post("https://api.example.com/v1", "{}", "old")]);
    let before = std::fs::read(&file.path).unwrap();

    // Re-record: the pending file is the cassette the run would write.
    record(&file.path, Mode::All, upstream.url("/sse?events=2")).await;
    record(&file.path, Mode::All, upstream.url("/json")).await;
    assert_eq!(
        std::fs::read(&file.path).unwrap(),
        before,
        "cassette untouched"
    );
    let pending = Cassette::load(pending_path(&file.path)).unwrap();
    let urls: Vec<&str> = pending
        .interactions
        .iter()
        .map(|i| i.request.url.as_str())
        .collect();
    assert_eq!(urls, [upstream.url("/sse?events=2"), upstream.url("/json")]);
    // Its timing goes beside it, not beside the cassette.
    assert!(timing_path(&pending_path(&file.path)).exists());
    assert!(!timing_path(&file.path).exists());

    // new_episodes in review: the pending file starts from the cassette.
    std::fs::remove_file(pending_path(&file.path)).unwrap();
    record(&file.path, Mode::NewEpisodes, upstream.url("/json?new")).await;
    assert_eq!(std::fs::read(&file.path).unwrap(), before);
    let pending = Cassette::load(pending_path(&file.path)).unwrap();
    assert_eq!(pending.interactions.len(), 2);
    assert_eq!(
        pending.interactions[0].request.url,
        "https://api.example.com/v1"
    );
}

#[tokio::test]
async fn two_review_runs_in_a_row_lose_nothing() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = cassette(vec![post("https://api.example.com/v1", "{}", "old")]);
    let before = std::fs::read(&file.path).unwrap();
    let urls = |path: &std::path::Path| -> Vec<String> {
        Cassette::load(path)
            .unwrap()
            .interactions
            .iter()
            .map(|i| i.request.url.to_string())
            .collect()
    };

    // new_episodes: the second run, before any review, replays what the first
    // recorded (from the pending file) and adds its own.
    record(&file.path, Mode::NewEpisodes, upstream.url("/json")).await;
    let run = |url: String| async {
        let reel = Reel::builder()
            .mode(Mode::NewEpisodes)
            .review(true)
            .open(&file.path)
            .unwrap();
        let client = client(reel.clone());
        for url in [upstream.url("/json"), url] {
            client.get(url).send().await.unwrap().bytes().await.unwrap();
        }
        reel.requests()
    };
    let log = run(upstream.url("/sse?events=2")).await;
    assert_eq!(
        log[0].answer,
        reel::Answer::Replayed(1),
        "the first run's recording"
    );
    assert_eq!(log[1].answer, reel::Answer::Recorded);
    assert_eq!(
        urls(&pending_path(&file.path)),
        [
            "https://api.example.com/v1".to_owned(),
            upstream.url("/json"),
            upstream.url("/sse?events=2")
        ]
    );
    assert_eq!(upstream.requests().len(), 2, "/json was not recorded twice");
    assert_eq!(
        std::fs::read(&file.path).unwrap(),
        before,
        "cassette untouched"
    );

    // once, no cassette yet: the second run replays the first one's pending file.
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.yaml");
    record(&new, Mode::Once, upstream.url("/echo")).await;
    let reel = Reel::builder()
        .mode(Mode::Once)
        .review(true)
        .open(&new)
        .unwrap();
    assert_eq!(reel.behaviour(), reel::Behaviour::Replay);
    client(reel)
        .get(upstream.url("/echo"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(upstream.requests().len(), 3);
    assert_eq!(urls(&pending_path(&new)), [upstream.url("/echo")]);
    assert!(!new.exists());
}
