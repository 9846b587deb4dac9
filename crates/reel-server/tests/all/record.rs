//! Recording through the server against a local upstream: the cassette replays
//! with the middleware, graceful shutdown saves a response in flight, new episodes,
//! an upstream that is down.

use std::time::Duration;

use futures_util::{FutureExt as _, StreamExt as _};
use reel::cassette::Cassette;
use reel::{Mode, Reel};
use reel_server::{Outcome, ReelServer};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;
use reqwest_middleware::ClientBuilder;

use crate::support::{raw, temp_cassette, Exchanges};

/// Requests sent through the server, then again through the middleware: method,
/// path and query, body.
const REQUESTS: [(&str, &str, &str); 4] = [
    ("POST", "/json?x=1", r#"{"a":1}"#),
    ("GET", "/sse?events=4", ""),
    ("POST", "/echo?b=2&a=1", "hello"),
    ("GET", "/gzip", ""),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_made_through_the_server_replays_with_the_middleware() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(upstream.url("")),
        )
        .start(&file.path)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let mut live_bodies = Vec::new();
    for (method, target, body) in REQUESTS {
        let response = client
            .request(
                method.parse().unwrap(),
                format!("{}{target}", server.base_url()),
            )
            .header("Content-Type", "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{target}");
        live_bodies.push(response.bytes().await.unwrap());
    }
    server.shutdown().await;

    let logged: Vec<String> = exchanges
        .taken()
        .iter()
        .map(|e| e.to_string().split(" in ").next().unwrap().to_owned())
        .collect();
    assert_eq!(
        logged,
        [
            "POST /json?x=1 -> 200 (recorded)",
            "GET /sse?events=4 -> 200 (recorded)",
            "POST /echo?b=2&a=1 -> 200 (recorded)",
            "GET /gzip -> 200 (recorded)",
        ]
    );
    let cassette = Cassette::load(&file.path).unwrap();
    let urls: Vec<&str> = cassette
        .interactions
        .iter()
        .map(|i| i.request.url.as_str())
        .collect();
    let expected: Vec<String> = REQUESTS.iter().map(|(_, t, _)| upstream.url(t)).collect();
    assert_eq!(urls, expected, "the recorded URLs are the upstream's");
    assert_eq!(
        cassette.interactions[0].request.headers.get("Content-Type"),
        Some("text/plain")
    );
    let gzip = &cassette.interactions[3].response;
    assert!(gzip.uncompressed);
    assert!(gzip.body.starts_with(b"{\"compressed\":true,"));

    // The middleware replays the same file for requests to the upstream's URLs.
    let replaying = ClientBuilder::new(reqwest::Client::new())
        .with(Reel::replay(&file.path).unwrap())
        .build();
    for ((method, target, body), live) in REQUESTS.into_iter().zip(&live_bodies) {
        let response = replaying
            .request(method.parse().unwrap(), upstream.url(target))
            .header("Content-Type", "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        let replayed = response.bytes().await.unwrap();
        if target == "/gzip" {
            // The client read gzip bytes through the proxy; the cassette keeps them
            // decompressed, as the middleware records them.
            assert_eq!(replayed, gzip.body);
        } else {
            assert_eq!(replayed, live, "{target}");
        }
    }
    assert_eq!(
        upstream.requests().len(),
        REQUESTS.len(),
        "replay sent nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_a_response_in_flight_and_its_recording_is_saved() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = temp_cassette();
    let server = ReelServer::builder()
        .mode(Mode::All)
        .upstream(upstream.url(""))
        .on_exchange(|_| {})
        .start(&file.path)
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .get(format!("{}/gated-sse?events=3", server.base_url()))
        .send()
        .await
        .unwrap();
    let mut chunks = response.bytes_stream();
    let first = chunks.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"data: {\"i\":0}\n\n");

    // Shutdown stops the server at its first poll, then waits for the response in
    // flight, which cannot end while the upstream holds the rest of the body.
    let shutdown = server.shutdown();
    tokio::pin!(shutdown);
    assert!(
        (&mut shutdown).now_or_never().is_none(),
        "shutdown returned with a response in flight"
    );
    assert!(!file.path.exists(), "nothing saved before the body ends");
    upstream.release();
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("shutdown ends once the stream has");

    // Saved by the time shutdown returns, before the client has read the rest.
    let cassette = Cassette::load(&file.path).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    let body = &cassette.interactions[0].response.body;
    assert!(body.starts_with(&first) && body.ends_with(b"data: [DONE]\n\n"));
    let mut rest = Vec::new();
    while let Some(chunk) = chunks.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(body.len(), first.len() + rest.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_episodes_replays_what_matches_and_records_the_rest() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = temp_cassette();
    let first = ReelServer::builder()
        .mode(Mode::All)
        .upstream(upstream.url(""))
        .on_exchange(|_| {})
        .start(&file.path)
        .await
        .unwrap();
    raw(first.addr(), "GET", "/json", None, b"").await;
    first.shutdown().await;

    let exchanges = Exchanges::default();
    let second = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::NewEpisodes)
                .upstream(upstream.url("")),
        )
        .start(&file.path)
        .await
        .unwrap();
    for target in ["/json", "/sse?events=2"] {
        let response = raw(second.addr(), "GET", target, None, b"").await;
        assert_eq!(response.code(), 200);
    }
    second.shutdown().await;
    let outcomes: Vec<Outcome> = exchanges.taken().into_iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Replayed { interaction: 0 }, Outcome::Recorded]
    );
    assert_eq!(upstream.requests().len(), 2);
    assert_eq!(Cassette::load(&file.path).unwrap().interactions.len(), 2);
}

#[tokio::test]
async fn an_upstream_that_is_down_answers_502_with_the_reason() {
    if reran_without_reel_env() {
        return;
    }
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(format!("http://{closed}")),
        )
        .start(&file.path)
        .await
        .unwrap();
    let response = raw(server.addr(), "GET", "/json", None, b"").await;
    assert_eq!(response.code(), 502);
    assert_eq!(response.header("x-reel-error"), ["upstream"]);
    let text = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(
        text.starts_with(&format!(
            "reel: the upstream did not answer http://{closed}/json: "
        )),
        "{text}"
    );
    server.shutdown().await;
    assert!(matches!(
        exchanges.taken()[0].outcome,
        Outcome::Failed { .. }
    ));
    assert!(!file.path.exists());
}

#[tokio::test]
async fn a_response_holding_a_secret_breaks_the_connection_and_is_not_saved() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(upstream.url("")),
        )
        .start(&file.path)
        .await
        .unwrap();
    let url = format!("{}/secret-body", server.base_url());
    let result = async { reqwest::Client::new().get(url).send().await?.bytes().await }.await;
    // The connection breaks instead of ending the body as if all were well.
    assert!(result.is_err(), "{result:?}");
    server.shutdown().await;
    assert!(!file.path.exists());
    let logged = exchanges.taken();
    let Outcome::Failed { message } = &logged[0].outcome else {
        panic!("{:?}", logged[0]);
    };
    assert!(message.contains("refusing to record GET"), "{message}");
}

/// A client that retries `429` after `retry-after-ms`, as the OpenAI, Anthropic
/// and Google SDKs do by default: the last status of one call.
async fn call_with_retries(client: &reqwest::Client, url: &str, body: &str) -> u16 {
    loop {
        let response = client.post(url).body(body.to_owned()).send().await.unwrap();
        let status = response.status().as_u16();
        let wait: u64 = response
            .headers()
            .get("retry-after-ms")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        response.bytes().await.unwrap();
        if status != 429 {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_429_recorded_through_the_server_is_left_out_unless_kept() {
    if reran_without_reel_env() {
        return;
    }
    for keep_retried in [false, true] {
        let upstream = Upstream::start().await;
        let file = temp_cassette();
        let server = ReelServer::builder()
            .mode(Mode::All)
            .upstream(upstream.url(""))
            .options(|reel| reel.keep_retried(keep_retried))
            .on_exchange(|_| {})
            .start(&file.path)
            .await
            .unwrap();
        let client = reqwest::Client::new();
        let url = format!("{}/flaky?fail=1", server.base_url());
        for call in ["one", "two"] {
            assert_eq!(call_with_retries(&client, &url, call).await, 200);
        }
        server.shutdown().await;
        assert_eq!(upstream.requests().len(), 4, "two tries per call, live");
        let codes: Vec<u16> = Cassette::load(&file.path)
            .unwrap()
            .interactions
            .iter()
            .map(|i| i.response.code)
            .collect();
        if keep_retried {
            assert_eq!(codes, [429, 200, 429, 200]);
            continue;
        }
        // Written as each ended, the 429s were taken out again by their retries.
        assert_eq!(codes, [200, 200]);
        let exchanges = Exchanges::default();
        let replay = exchanges
            .attach(ReelServer::builder().mode(Mode::None))
            .start(&file.path)
            .await
            .unwrap();
        let url = format!("{}/flaky?fail=1", replay.base_url());
        for call in ["one", "two"] {
            assert_eq!(call_with_retries(&client, &url, call).await, 200);
        }
        replay.shutdown().await;
        let outcomes: Vec<Outcome> = exchanges.taken().into_iter().map(|e| e.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Replayed { interaction: 0 },
                Outcome::Replayed { interaction: 1 }
            ],
            "one request per call on replay"
        );
    }
}
