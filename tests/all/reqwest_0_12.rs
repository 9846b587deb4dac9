//! Crates still on reqwest 0.12 and reqwest-middleware 0.4 replay through
//! `reel::reqwest_0_12` (feature `reqwest-0-12`): the seed's first turn streams
//! one chunk per event, and a miss carries reel's report.

use futures_util::StreamExt as _;
use reel::{Error, Mode, Reel};
use reel_tests::{reran_without_reel_env, seed_cassette};
use tower_service::Service as _;

const URL: &str = "https://api.openai.com/v1/chat/completions";

fn first_body() -> bytes::Bytes {
    reel::cassette::Cassette::load(seed_cassette())
        .unwrap()
        .interactions[0]
        .request
        .body
        .clone()
}

fn open() -> Reel {
    Reel::builder()
        .mode(Mode::None)
        .open(seed_cassette())
        .unwrap()
}

/// Reads a replayed stream: every chunk one server-sent event.
async fn events(response: reqwest_0_12::Response) -> Vec<bytes::Bytes> {
    assert_eq!(response.status(), 200);
    assert_eq!(response.url().as_str(), URL);
    let replayed = response.extensions().get::<reel::Replayed>().unwrap();
    assert_eq!(
        (replayed.interaction, replayed.status.as_str()),
        (0, "200 OK")
    );
    let chunks: Vec<bytes::Bytes> = response
        .bytes_stream()
        .map(|chunk| chunk.unwrap())
        .collect()
        .await;
    for chunk in &chunks {
        assert!(
            chunk.starts_with(b"data: ") && chunk.ends_with(b"\n\n"),
            "{chunk:?}"
        );
    }
    chunks
}

#[tokio::test]
async fn reqwest_0_12_middleware_and_tower_service_replay_the_seed_event_by_event() {
    if reran_without_reel_env() {
        return;
    }
    let client = reqwest_middleware_0_4::ClientBuilder::new(reqwest_0_12::Client::new())
        .with(open())
        .build();
    let response = client.post(URL).body(first_body()).send().await.unwrap();
    let through_middleware = events(response).await;
    assert_eq!(through_middleware.len(), 14);
    assert_eq!(through_middleware.last().unwrap(), "data: [DONE]\n\n");

    let mut service = reel::reqwest_0_12::ReelService::new(open(), reqwest_0_12::Client::new());
    let request = reqwest_0_12::Client::new()
        .post(URL)
        .body(first_body())
        .build()
        .unwrap();
    let through_tower = events(service.call(request).await.unwrap()).await;
    assert_eq!(through_tower, through_middleware);
}

#[tokio::test]
async fn a_miss_through_reqwest_0_12_carries_reels_report() {
    if reran_without_reel_env() {
        return;
    }
    let client = reqwest_middleware_0_4::ClientBuilder::new(reqwest_0_12::Client::new())
        .with(open())
        .build();
    let err = client.post(URL).body("{}").send().await.unwrap_err();
    let reqwest_middleware_0_4::Error::Middleware(err) = err else {
        panic!("{err}")
    };
    let Some(Error::NoMatch(report)) = err.downcast_ref::<Error>() else {
        panic!("{err}")
    };
    assert!(
        report
            .text()
            .starts_with("reel: no recorded interaction matches POST https://api.openai.com/v1/chat/completions (JSON body, 2 bytes)"),
        "{report}"
    );
}
