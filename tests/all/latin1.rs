//! Header values that are not UTF-8 (a Latin-1 value) are bytes: recorded from a
//! local upstream, written as Go writes them (`!!binary`), replayed as the same
//! bytes through the middleware and the server.

use reel::cassette::Cassette;
use reel::{Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

fn client(reel: Reel) -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(reel)
        .build()
}

#[tokio::test]
async fn a_latin1_header_value_replays_as_the_same_bytes() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    let url = upstream.url("/latin1-header");
    let recording = Reel::builder()
        .mode(Mode::Once)
        .keep_header("X-Name")
        .open(&path)
        .unwrap();
    let live = client(recording.clone()).get(&url).send().await.unwrap();
    assert_eq!(live.headers()["x-name"].as_bytes(), b"caf\xe9");
    live.bytes().await.unwrap();
    recording.flush().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("X-Name:\n"), "{text}");
    assert!(text.contains("!!binary Y2Fm6Q=="), "Go's bytes: {text}");
    let cassette = Cassette::load(&path).unwrap();
    let value = &cassette.interactions[0].response.headers.get_all("X-Name")[0];
    assert_eq!(value.as_bytes(), b"caf\xe9");

    let replayed = client(Reel::builder().mode(Mode::None).open(&path).unwrap())
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.headers()["x-name"].as_bytes(), b"caf\xe9");

    let server = reel_server::ReelServer::builder()
        .mode(Mode::None)
        .on_exchange(|_| {})
        .start(&path)
        .await
        .unwrap();
    let served = reqwest::Client::new()
        .get(format!("{}/latin1-header", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["x-name"].as_bytes(), b"caf\xe9");
}
