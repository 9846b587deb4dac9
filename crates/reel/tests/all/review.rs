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
