//! Record mode against a local upstream: the live tee, what reaches the file, and
//! what does not.

use std::time::Duration;

use futures_util::StreamExt as _;
use reel::cassette::Cassette;
use reel::{Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{client, error_text};

fn temp_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recorded.yaml");
    (dir, path)
}

/// Everything the caller read, chunk by chunk.
async fn read_all(response: reqwest::Response) -> Vec<bytes::Bytes> {
    response.bytes_stream().map(|c| c.unwrap()).collect().await
}

#[tokio::test]
async fn the_caller_reads_the_first_event_while_the_upstream_still_holds_the_last() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    let response = client
        .get(upstream.url("/gated-sse?events=3"))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    // The upstream sends the rest only after `release`: a recorder that buffered
    // the whole body before passing it on would never deliver this first event.
    let first = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("the first event arrives before the upstream sends the rest")
        .unwrap()
        .unwrap();
    assert_eq!(&first[..], b"data: {\"i\":0}\n\n");
    assert!(
        !path.exists(),
        "nothing is saved before the interaction completes"
    );
    upstream.release();
    let mut live = vec![first];
    while let Some(chunk) = body.next().await {
        live.push(chunk.unwrap());
    }
    reel.flush().unwrap();
    let recorded = Cassette::load(&path).unwrap();
    assert_eq!(recorded.interactions.len(), 1);
    let interaction = &recorded.interactions[0];
    assert_eq!(&interaction.response.body[..], live.concat());
    assert_eq!(
        interaction.response.headers.get("Content-Type"),
        Some("text/event-stream")
    );
    assert_eq!(interaction.response.status, "200 OK");
    assert_eq!(interaction.request.method, "GET");

    // The recording replays the same events, one chunk each.
    let replay = client_for(Reel::replay(&path).unwrap());
    let replayed = read_all(
        replay
            .get(upstream.url("/gated-sse?events=3"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(replayed.concat(), live.concat());
    assert_eq!(replayed.len(), 4, "three events and [DONE], one chunk each");
    assert_eq!(
        upstream.requests().len(),
        1,
        "the replay did not reach the upstream"
    );
}

fn client_for(reel: Reel) -> reqwest_middleware::ClientWithMiddleware {
    client(reel)
}

#[tokio::test]
async fn credentials_in_headers_and_query_never_reach_the_file_and_the_redacted_cassette_still_matches(
) {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let send = |client: reqwest_middleware::ClientWithMiddleware| {
        let url = upstream.url("/json?key=AIzaSyA-abcdefghijklmnopqrstuvwxyz01234&alt=sse");
        async move {
            client
                .post(url)
                .header(
                    "Authorization",
                    "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123",
                )
                .header("x-api-key", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
                .header("Content-Type", "application/json")
                .body(r#"{"model":"m","messages":[]}"#)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let live = send(client(Reel::builder().mode(Mode::All).open(&path).unwrap())).await;
    let sent = &upstream.requests()[0];
    assert!(
        sent.headers
            .iter()
            .any(|(n, v)| n == "authorization" && v.contains("sk-proj-")),
        "the upstream did get the credentials"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in [
        "sk-proj-",
        "sk-ant-",
        "AIzaSy",
        "Bearer",
        "Authorization",
        "X-Api-Key",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} reached the cassette:\n{text}"
        );
    }
    assert!(text.contains("key=REDACTED&alt=sse"), "{text}");
    assert!(text.contains("      key:\n      - REDACTED\n"), "{text}");

    let replayed = send(client(Reel::replay(&path).unwrap())).await;
    assert_eq!(
        replayed, live,
        "the same live request matches the redacted recording"
    );
    assert_eq!(upstream.requests().len(), 1);
}

#[tokio::test]
async fn a_planted_secret_in_a_response_body_refuses_the_write_with_a_masked_message() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    let response = client
        .get(upstream.url("/secret-body"))
        .send()
        .await
        .unwrap();
    response.bytes().await.unwrap();
    let message = reel.flush().unwrap_err().to_string();
    let port = upstream.addr().port();
    assert_eq!(
        message,
        format!(
            "refusing to record GET http://127.0.0.1:{port}/secret-body into {}: it contains a credential:
  response.body: OpenAI API key `sk-pro…(44 chars)`
(keep the value out of the recording: the header is dropped unless kept with keep_header, query \
parameters can be redacted with redact_query_param and JSON fields with redact_json_field; for a \
fake fixture value use allow_secret)",
            path.display()
        )
    );
    assert!(
        !message.contains("abcdefghijklmnop"),
        "the secret itself is never shown: {message}"
    );
    assert!(!path.exists(), "nothing was written");
}

/// A request body kept compressed, as sent, is scanned decoded: gzip bytes
/// would hide the key from a scan of the file.
#[tokio::test]
async fn a_key_in_a_gzip_request_body_refuses_the_write() {
    if reran_without_reel_env() {
        return;
    }
    use std::io::Write as _;
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Repeated, so that deflate's back-references cut the key's bytes apart.
    let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    gzip.write_all(format!(r#"{{"a":"{key}","b":"{key}","c":"{key}"}}"#).as_bytes())
        .unwrap();
    let response = client
        .post(upstream.url("/json"))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip.finish().unwrap())
        .send()
        .await
        .unwrap();
    // The caller reads the whole answer; the scan runs off its path, and the
    // refusal fails `flush` (or the test, where the last handle drops).
    response.bytes().await.unwrap();
    let message = reel.flush().unwrap_err().to_string();
    assert!(
        message.contains(
            "it contains a credential:\n  request.body (decoded from gzip): OpenAI API key `sk-pro…(44 chars)`"
        ),
        "{message}"
    );
    assert!(!path.exists(), "nothing was written");
}

#[tokio::test]
async fn an_allowed_fixture_secret_is_recorded() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder()
        .mode(Mode::All)
        .allow_secret("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")
        .open(&path)
        .unwrap();
    client(reel)
        .get(upstream.url("/secret-body"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(Cassette::load(&path).unwrap().interactions.len(), 1);
}

#[tokio::test]
async fn a_gzip_response_is_recorded_once_and_replays_identically() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let url = upstream.url("/gzip");
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let recording = client(reel.clone());
    let live = recording
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        &live[..],
        br#"{"compressed":true,"text":"hello hello hello hello"}"#
    );
    reel.flush().unwrap();
    let replay = client(Reel::replay(&path).unwrap());
    let replayed = replay
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(replayed, live);
    assert_eq!(upstream.requests().len(), 1);
}

#[tokio::test]
async fn a_body_the_client_left_compressed_is_stored_decompressed() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    // A client that does not decompress gets the gzip bytes as they came.
    let reel = Reel::builder()
        .mode(Mode::All)
        .keep_all_headers()
        .open(&path)
        .unwrap();
    let recording = reqwest_middleware::ClientBuilder::new(
        reqwest::Client::builder().no_gzip().build().unwrap(),
    )
    .with(reel.clone())
    .build();
    let response = recording.get(upstream.url("/gzip")).send().await.unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    response.bytes().await.unwrap();
    reel.flush().unwrap();
    let recorded = &Cassette::load(&path).unwrap().interactions[0].response;
    assert!(recorded.uncompressed);
    assert!(!recorded.headers.contains("Content-Encoding"));
    assert_eq!(
        &recorded.body[..],
        br#"{"compressed":true,"text":"hello hello hello hello"}"#
    );
}

#[tokio::test]
async fn an_upstream_that_dies_mid_stream_fails_the_caller_and_leaves_the_cassette_unchanged() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    crate::support::cassette(vec![]); // unrelated; keeps helpers used the same way
    let before = {
        let mut cassette = Cassette::new();
        cassette
            .interactions
            .push(crate::support::post("https://example.com/kept", "", "kept"));
        cassette.save(&path).unwrap();
        std::fs::read(&path).unwrap()
    };
    let client = client(Reel::builder().mode(Mode::NewEpisodes).open(&path).unwrap());
    let response = client
        .get(upstream.url("/broken?events=2"))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let mut failed = false;
    while let Some(chunk) = body.next().await {
        if chunk.is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "the caller sees the upstream's failure");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the cassette is unchanged"
    );
}

#[tokio::test]
async fn a_caller_that_stops_reading_early_still_gets_the_whole_body_recorded() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    let response = client
        .get(upstream.url("/sse?events=5&delay_ms=5"))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"data: {\"i\":0}\n\n");
    drop(body);
    // `settle` waits for the rest of the body to be read, then writes it.
    tokio::time::timeout(Duration::from_secs(10), reel.settle())
        .await
        .expect("the rest of the body is read")
        .unwrap();
    let recorded = Cassette::load(&path).unwrap();
    let body = &recorded.interactions[0].response.body;
    assert!(body.starts_with(b"data: {\"i\":0}\n\n") && body.ends_with(b"data: [DONE]\n\n"));
    assert_eq!(
        reel::cassette::stream_events(body, reel::cassette::StreamKind::ServerSentEvents).count(),
        6
    );
}

#[tokio::test]
async fn concurrent_recordings_are_saved_in_the_order_their_requests_started() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    // The first request completes last: its upstream holds the rest of the body
    // until `release`, after the others have completed. It is written first.
    let first = client
        .get(upstream.url("/gated-sse?events=2"))
        .send()
        .await
        .unwrap();
    for i in 0..3 {
        let url = upstream.url(&format!("/echo?n={i}"));
        client.get(url).send().await.unwrap().text().await.unwrap();
    }
    upstream.release();
    first.text().await.unwrap();
    reel.flush().unwrap();
    let urls: Vec<String> = Cassette::load(&path)
        .unwrap()
        .interactions
        .iter()
        .map(|i| i.request.url.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        urls,
        ["gated-sse?events=2", "echo?n=0", "echo?n=1", "echo?n=2"]
    );
}

#[tokio::test]
async fn recorded_fields_follow_go_vcr() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    client
        .post(upstream.url("/echo?alt=sse"))
        .header("content-type", "application/json")
        .header("user-agent", "reel-test/1")
        .body(r#"{"a":1}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    reel.flush().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let port = upstream.addr().port();
    let expected_request = format!(
        "  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 7
    host: \"\"
    body: '{{\"a\":1}}'
    form:
      alt:
      - sse
    headers:
      Content-Type:
      - application/json
      User-Agent:
      - reel-test/1
    url: http://127.0.0.1:{port}/echo?alt=sse
    method: POST
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
"
    );
    assert!(text.contains(&expected_request), "{text}");
    assert!(text.contains("    headers:\n      Content-Type:\n      - application/json\n    status: 200 OK\n    code: 200\n    duration: "), "{text}");
    let recorded = &Cassette::load(&path).unwrap().interactions[0].response;
    assert!(recorded.content_length > 0);
    assert!(recorded.duration > Duration::ZERO);
}

#[tokio::test]
async fn an_error_without_a_response_is_not_recorded() {
    if reran_without_reel_env() {
        return;
    }
    let (_dir, path) = temp_path();
    let client = client(Reel::builder().mode(Mode::All).open(&path).unwrap());
    // Nothing listens on this port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    assert!(client.get(url).send().await.is_err());
    assert!(!path.exists());
    let _ = error_text;
}

#[tokio::test]
async fn dropping_the_client_at_the_end_of_a_test_waits_for_every_save() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let client = client(Reel::builder().mode(Mode::All).open(&path).unwrap());
    for i in 0..20 {
        let url = upstream.url(&format!("/sse?events=2&n={i}"));
        client.get(url).send().await.unwrap().bytes().await.unwrap();
    }
    drop(client);
    let recorded = Cassette::load(&path).unwrap();
    assert_eq!(
        recorded.interactions.len(),
        20,
        "nothing is lost after the drop"
    );
    assert!(recorded.interactions[19].request.url.ends_with("n=19"));
}
