//! Replay through the server with plain clients: the seed byte for byte, one HTTP
//! chunk per event, misses, repeats, pacing, whole bodies.

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reel::cassette::{stream_events, Interaction, Request, Response, StreamKind};
use reel::{Delay, Mode};
use reel_server::{Outcome, ReelServer};
use reel_tests::reran_without_reel_env;

use crate::support::{cassette, raw, seed, seed_path, temp_cassette, Exchanges};

const PATH: &str = "/v1/chat/completions";

#[tokio::test]
async fn the_seed_replays_to_a_plain_client_with_its_status_headers_and_bytes() {
    if reran_without_reel_env() {
        return;
    }
    let seed = seed();
    let server = ReelServer::replay(seed_path()).await.unwrap();
    let client = reqwest::Client::new();
    for interaction in &seed.interactions {
        let response = client
            .post(format!("{}{PATH}", server.base_url()))
            .header("Content-Type", "application/json")
            .body(interaction.request.body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream; charset=utf-8"
        );
        assert_eq!(response.headers()["transfer-encoding"], "chunked");
        let body = response.bytes().await.unwrap();
        assert!(body == interaction.response.body, "the body differs");
    }
    assert!(server.unplayed().is_empty());
}

#[tokio::test]
async fn each_server_sent_event_is_its_own_http_chunk() {
    if reran_without_reel_env() {
        return;
    }
    let seed = seed();
    let server = ReelServer::replay(seed_path()).await.unwrap();
    for interaction in &seed.interactions {
        let response = raw(
            server.addr(),
            "POST",
            PATH,
            Some("application/json"),
            &interaction.request.body,
        )
        .await;
        assert_eq!(response.status_line, "HTTP/1.1 200 OK");
        let events: Vec<_> =
            stream_events(&interaction.response.body, StreamKind::ServerSentEvents).collect();
        assert!(events.len() >= 14);
        assert_eq!(response.chunks, events);
    }
}

#[tokio::test]
async fn a_miss_answers_404_with_the_full_report_and_logs_it() {
    if reran_without_reel_env() {
        return;
    }
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(ReelServer::builder().mode(Mode::None))
        .start(seed_path())
        .await
        .unwrap();
    let body = String::from_utf8(seed().interactions[0].request.body.to_vec())
        .unwrap()
        .replace("gpt-4o-mini", "gpt-4o");
    let response = reqwest::Client::new()
        .post(format!("{}{PATH}", server.base_url()))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-reel-error"], "no-match");
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let report = response.text().await.unwrap();
    let first_line = format!(
        "reel: no recorded interaction matches POST {}{PATH} (JSON body, 848 bytes)\n",
        server.base_url()
    );
    assert!(report.starts_with(&first_line), "{report}");
    for line in [
        "closest recorded interaction: #0 POST https://api.openai.com/v1/chat/completions\n",
        "  method: matches\n",
        "  url: matches\n",
        "  body: differs",
        "-  \"model\": \"gpt-4o-mini\",\n",
        "+  \"model\": \"gpt-4o\",\n",
        "other unplayed interactions:\n",
        "\nto re-record this cassette, run: REEL_RECORD=all cargo test -p reel-server -- \
         replay::a_miss_answers_404_with_the_full_report_and_logs_it --exact\n",
    ] {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }
    assert!(report.ends_with('\n'));

    server.shutdown().await;
    let logged = exchanges.taken();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].to_string().split(" in ").next(),
        Some("POST /v1/chat/completions -> 404 (no match)")
    );
    assert_eq!(
        logged[0].outcome,
        Outcome::NoMatch {
            report: report.trim_end().to_owned()
        }
    );
}

#[tokio::test]
async fn a_miss_on_the_path_names_both_paths_and_the_report_can_end_with_another_command() {
    if reran_without_reel_env() {
        return;
    }
    let server = ReelServer::builder()
        .mode(Mode::None)
        .record_command(|mode| format!("reel serve seed.yaml --mode {mode} --upstream URL"))
        .on_exchange(|_| {})
        .start(seed_path())
        .await
        .unwrap();
    let response = raw(
        server.addr(),
        "POST",
        "/v1/completions",
        Some("application/json"),
        &seed().interactions[0].request.body,
    )
    .await;
    assert_eq!(response.code(), 404);
    let report = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(
        report.contains(
            "  url: differs: recorded /v1/chat/completions, received /v1/completions \
             (query parameters match)\n"
        ),
        "{report}"
    );
    assert!(
        report.ends_with(
            "\nto re-record this cassette, run: reel serve seed.yaml --mode all --upstream URL\n"
        ),
        "{report}"
    );
}

#[tokio::test]
async fn each_interaction_replays_once_unless_repeats_are_allowed() {
    if reran_without_reel_env() {
        return;
    }
    let body = seed().interactions[0].request.body.clone();
    for allow_repeats in [false, true] {
        let mut builder = ReelServer::builder().mode(Mode::None).on_exchange(|_| {});
        if allow_repeats {
            builder = builder.allow_repeats();
        }
        let server = builder.start(seed_path()).await.unwrap();
        let mut codes = Vec::new();
        for _ in 0..2 {
            let response = raw(server.addr(), "POST", PATH, None, &body).await;
            codes.push(response.code());
            if response.code() == 404 {
                let report = String::from_utf8(response.body().to_vec()).unwrap();
                assert!(report.contains("(already replayed)"), "{report}");
            }
        }
        let expected = if allow_repeats {
            [200, 200]
        } else {
            [200, 404]
        };
        assert_eq!(codes, expected, "allow_repeats: {allow_repeats}");
    }
}

#[tokio::test]
async fn whole_bodies_go_out_with_their_length_and_the_recorded_reason_phrase() {
    if reran_without_reel_env() {
        return;
    }
    let mut response = Response::new(418)
        .with_header("Content-Type", "application/json")
        .with_header("X-Request-Id", "req_1")
        .with_body(r#"{"error":"short and stout"}"#.to_owned());
    response.status = "418 Short And Stout".to_owned();
    let file = cassette(vec![
        Interaction::new(
            Request::new("GET", "https://api.example.com/v1/models?limit=2"),
            response,
        ),
        Interaction::new(
            Request::new("DELETE", "https://api.example.com/v1/models/m1"),
            Response::new(204),
        ),
    ]);
    let server = ReelServer::replay(&file.path).await.unwrap();
    let response = raw(server.addr(), "GET", "/v1/models?limit=2", None, b"").await;
    assert_eq!(response.status_line, "HTTP/1.1 418 Short And Stout");
    assert_eq!(response.header("content-length"), ["27"]);
    assert_eq!(response.header("x-request-id"), ["req_1"]);
    assert!(response.header("transfer-encoding").is_empty());
    assert_eq!(&response.body()[..], br#"{"error":"short and stout"}"#);
    let response = raw(server.addr(), "DELETE", "/v1/models/m1", None, b"").await;
    assert_eq!(response.status_line, "HTTP/1.1 204 No Content");
    assert!(response.chunks.is_empty());
}

#[tokio::test]
async fn events_are_flushed_one_by_one_at_the_paced_rate() {
    if reran_without_reel_env() {
        return;
    }
    let gap = Duration::from_millis(15);
    let server = ReelServer::builder()
        .mode(Mode::None)
        .options(|reel| reel.event_delay(Delay::Fixed(gap)))
        .start(seed_path())
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}{PATH}", server.base_url()))
        .body(seed().interactions[0].request.body.clone())
        .send()
        .await
        .unwrap();
    let mut chunks = response.bytes_stream();
    let first = chunks.next().await.unwrap().unwrap();
    let after_first = Instant::now();
    assert!(first.starts_with(b"data: {"));
    let mut rest = 0;
    while let Some(chunk) = chunks.next().await {
        chunk.unwrap();
        rest += 1;
    }
    // 13 more events, each after the gap: the first came before the others existed
    // (with room for a late first read on a busy machine).
    assert_eq!(rest, 13);
    assert!(
        after_first.elapsed() >= gap * 10,
        "{:?}",
        after_first.elapsed()
    );
}

#[tokio::test]
async fn replay_only_refuses_a_missing_cassette_with_the_way_out() {
    if reran_without_reel_env() {
        return;
    }
    let missing = temp_cassette();
    let err = ReelServer::replay(&missing.path).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cassette {} does not exist, and mode `none` only replays",
            missing.path.display()
        )),
        "{text}"
    );
    assert!(matches!(
        err,
        reel_server::Error::Reel(reel::Error::CassetteMissing { .. })
    ));
}

#[tokio::test]
async fn a_mode_that_records_does_not_start_without_an_upstream() {
    if reran_without_reel_env() {
        return;
    }
    let missing = temp_cassette();
    let err = ReelServer::builder()
        .mode(Mode::Once)
        .start(&missing.path)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "mode `once` records the missing cassette {}, which needs an upstream to send \
             requests to (give one, e.g. `.upstream(\"https://api.openai.com\")` or \
             `--upstream URL`, or replay only with mode `none`)",
            missing.path.display()
        )
    );
    assert!(!missing.path.exists());
    // `once` with an existing cassette only replays.
    let server = ReelServer::builder()
        .mode(Mode::Once)
        .start(seed_path())
        .await
        .unwrap();
    assert_eq!(server.mode(), Mode::Once);
}

#[tokio::test]
async fn a_credential_in_the_query_reaches_neither_the_log_nor_the_report() {
    if reran_without_reel_env() {
        return;
    }
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(ReelServer::builder().mode(Mode::None))
        .start(seed_path())
        .await
        .unwrap();
    // Gemini's `key`, and an `api_key` and a signature of other APIs.
    let secrets = [
        "AIzaSyD-1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTU",
        "sk-proj-Zx81kQpL0vB3nM5tR7wY",
        "c2lnbmF0dXJlLXZhbHVl",
    ];
    let query = format!(
        "key={}&api_key={}&X-Amz-Signature={}&alt=sse",
        secrets[0], secrets[1], secrets[2]
    );
    let response = reqwest::Client::new()
        .get(format!(
            "{}/v1beta/models/gemini:stream?{query}",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let report = response.text().await.unwrap();
    server.shutdown().await;
    let logged: Vec<String> = exchanges.taken().iter().map(ToString::to_string).collect();
    assert_eq!(logged.len(), 1);
    assert!(
        logged[0].contains("key=REDACTED&api_key=REDACTED&X-Amz-Signature=REDACTED&alt=sse"),
        "{logged:?}"
    );
    for secret in secrets {
        assert!(!logged[0].contains(secret), "{logged:?}");
        assert!(!report.contains(secret), "{report}");
    }
}
