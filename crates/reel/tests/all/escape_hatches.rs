//! What every other VCR has and no matching option names: per-request
//! passthrough, SDK retries kept out of the cassette, empty cassettes, the
//! request log.

use std::time::Duration;

use reel::cassette::Cassette;
use reel::{Answer, Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;
use reqwest_middleware::ClientWithMiddleware;

use crate::support::{cassette, client, post};

fn temp_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    (dir, path)
}

/// What an LLM SDK does: sends again on `429` and `5xx`, after the
/// `retry-after-ms` it was told, up to `tries` times; returns the last status
/// and body.
async fn with_retries(
    client: &ClientWithMiddleware,
    url: &str,
    body: &str,
    tries: u32,
) -> (u16, String) {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let response = client.post(url).body(body.to_owned()).send().await.unwrap();
        let status = response.status().as_u16();
        let wait = response
            .headers()
            .get("retry-after-ms")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        let text = response.text().await.unwrap();
        let retryable = status == 429 || status >= 500;
        if !retryable || attempt == tries {
            return (status, text);
        }
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

fn codes(path: &std::path::Path) -> Vec<(String, u16)> {
    Cassette::load(path)
        .unwrap()
        .interactions
        .iter()
        .map(|i| {
            (
                String::from_utf8_lossy(&i.request.body).into_owned(),
                i.response.code,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_retried_429_is_left_out_and_the_replay_makes_one_request_per_call() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let url = upstream.url("/flaky?fail=2&status=429");
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let recording = client(reel.clone());
    for call in ["first", "second"] {
        let (status, _) = with_retries(&recording, &url, call, 5).await;
        assert_eq!(status, 200);
    }
    // An error on a 5xx that the client retried once: also left out.
    let flaky_500 = upstream.url("/flaky?fail=1&status=503");
    assert_eq!(
        with_retries(&recording, &flaky_500, "third", 5).await.0,
        200
    );
    drop((recording, reel));
    assert_eq!(upstream.requests().len(), 3 + 3 + 2, "the SDK retried live");
    assert_eq!(
        codes(&path),
        [
            ("first".into(), 200),
            ("second".into(), 200),
            ("third".into(), 200)
        ],
        "one interaction per call: the answer the client finally used"
    );

    let replay = Reel::replay(&path).unwrap();
    let replaying = client(replay.clone());
    for call in ["first", "second"] {
        assert_eq!(with_retries(&replaying, &url, call, 5).await.0, 200);
    }
    assert_eq!(
        with_retries(&replaying, &flaky_500, "third", 5).await.0,
        200
    );
    let answers: Vec<Answer> = replay.requests().iter().map(|r| r.answer).collect();
    assert_eq!(
        answers,
        [
            Answer::Replayed(0),
            Answer::Replayed(1),
            Answer::Replayed(2)
        ],
        "one request per call, no 429, so no back-off"
    );
}

#[tokio::test]
async fn answers_no_retry_followed_stay_whatever_their_status() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let recording = client(reel.clone());
    // A deterministic 400, and a 503 the client does not retry.
    assert_eq!(
        with_retries(&recording, &upstream.url("/status/400"), "bad", 5)
            .await
            .0,
        400
    );
    assert_eq!(
        with_retries(&recording, &upstream.url("/status/503"), "down", 1)
            .await
            .0,
        503
    );
    // Every try failed and the client gave up: each stays, so the replay fails
    // as the live run did, after the same tries.
    let always = upstream.url("/flaky?fail=9&status=500");
    assert_eq!(with_retries(&recording, &always, "gave-up", 3).await.0, 500);
    drop((recording, reel));
    assert_eq!(
        codes(&path),
        [
            ("bad".into(), 400),
            ("down".into(), 503),
            ("gave-up".into(), 500),
            ("gave-up".into(), 500),
            ("gave-up".into(), 500)
        ]
    );
    let replay = Reel::replay(&path).unwrap();
    assert_eq!(
        with_retries(
            &crate::support::client(replay.clone()),
            &always,
            "gave-up",
            3
        )
        .await
        .0,
        500
    );
    replay.assert_played(2, 1);
    replay.assert_played(4, 1);
}

#[tokio::test]
async fn keep_retried_keeps_every_answer() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder()
        .mode(Mode::All)
        .keep_retried(true)
        .open(&path)
        .unwrap();
    let url = upstream.url("/flaky?fail=1");
    assert_eq!(
        with_retries(&client(reel.clone()), &url, "x", 5).await.0,
        200
    );
    drop(reel);
    assert_eq!(codes(&path), [("x".into(), 429), ("x".into(), 200)]);
}

#[tokio::test]
async fn a_retry_written_after_its_429_was_saved_takes_it_out_of_the_file() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    // As a server records: each interaction written as soon as it ends.
    let reel = Reel::builder()
        .mode(Mode::All)
        .save_as_recorded()
        .open(&path)
        .unwrap();
    let client = client(reel.clone());
    let url = upstream.url("/flaky?fail=1");
    let first = client.post(&url).body("x").send().await.unwrap();
    assert_eq!(first.status(), 429);
    first.bytes().await.unwrap();
    reel.flush().unwrap();
    assert_eq!(codes(&path), [("x".into(), 429)], "written as it ended");
    let retry = client.post(&url).body("x").send().await.unwrap();
    assert_eq!(retry.status(), 200);
    retry.bytes().await.unwrap();
    reel.flush().unwrap();
    assert_eq!(codes(&path), [("x".into(), 200)]);
}

#[tokio::test]
async fn a_429_whose_body_ends_after_its_retry_is_left_out_all_the_same() {
    if reran_without_reel_env() {
        return;
    }
    // A client can send its retry before the recorder sees the end of the
    // answer it retries (a server hands the last bytes out first); both ways
    // of saving must leave the 429 out.
    for eager in [false, true] {
        let upstream = Upstream::start().await;
        let (_dir, path) = temp_path();
        let builder = Reel::builder().mode(Mode::All);
        let builder = if eager {
            builder.save_as_recorded()
        } else {
            builder
        };
        let reel = builder.open(&path).unwrap();
        let client = client(reel.clone());
        let url = upstream.url("/flaky?fail=1");
        let first = client.post(&url).body("x").send().await.unwrap();
        assert_eq!(first.status(), 429);
        let retry = client.post(&url).body("x").send().await.unwrap();
        assert_eq!(retry.status(), 200);
        retry.bytes().await.unwrap();
        first.bytes().await.unwrap();
        drop(client);
        drop(reel);
        assert_eq!(codes(&path), [("x".into(), 200)], "eager: {eager}");
    }
}

#[tokio::test]
async fn passthrough_localhost_goes_live_in_mode_none_while_the_api_call_replays() {
    let upstream = Upstream::start().await;
    let recorded = cassette(vec![post("https://api.example.com/v1/chat", "hi", "hello")]);
    let before = std::fs::read(&recorded.path).unwrap();
    let reel = Reel::builder()
        .mode(Mode::None)
        .passthrough_localhost()
        .replay(&recorded.path)
        .unwrap();
    let client = client(reel.clone());
    let local = client.get(upstream.url("/json")).send().await.unwrap();
    assert_eq!(local.text().await.unwrap(), r#"{"ok":true}"#);
    let api = client
        .post("https://api.example.com/v1/chat")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(api.text().await.unwrap(), "hello");
    assert_eq!(
        upstream.requests().len(),
        1,
        "the local service was reached"
    );
    let log: Vec<String> = reel.requests().iter().map(ToString::to_string).collect();
    assert_eq!(
        log,
        [
            format!("GET {}: passed through", upstream.url("/json")),
            "POST https://api.example.com/v1/chat: replayed interaction 0".to_owned()
        ]
    );
    assert!(reel.unplayed().is_empty());
    reel.assert_played(0, 1);
    drop((client, reel));
    assert_eq!(
        std::fs::read(&recorded.path).unwrap(),
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn requests_a_passthrough_rule_names_are_never_recorded() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder()
        .mode(Mode::All)
        .passthrough_if(|request| request.url().ends_with("/json"))
        .open(&path)
        .unwrap();
    let client = client(reel.clone());
    client
        .get(upstream.url("/json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    client
        .post(upstream.url("/echo"))
        .body("kept")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let answers: Vec<Answer> = reel.requests().iter().map(|r| r.answer).collect();
    assert_eq!(answers, [Answer::PassedThrough, Answer::Recorded]);
    drop((client, reel));
    let saved = Cassette::load(&path).unwrap();
    assert_eq!(saved.interactions.len(), 1);
    assert!(saved.interactions[0].request.url.ends_with("/echo"));
}

#[test]
fn a_passing_test_that_made_no_request_writes_an_empty_cassette_in_once_and_all() {
    if reran_without_reel_env() {
        return;
    }
    // `once`, no cassette yet: an empty one, which `none` then replays.
    let (_dir, path) = temp_path();
    drop(Reel::builder().mode(Mode::Once).open(&path).unwrap());
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, "---\nversion: 2\ninteractions: []\n");
    assert!(Reel::replay(&path).unwrap().unplayed().is_empty());

    // `all`: the old interactions are gone.
    let old = cassette(vec![post("https://api.example.com/a", "1", "a")]);
    drop(Reel::builder().mode(Mode::All).open(&old.path).unwrap());
    assert!(Cassette::load(&old.path).unwrap().interactions.is_empty());

    // `new_episodes` over a cassette: nothing recorded, nothing written.
    let kept = cassette(vec![post("https://api.example.com/a", "1", "a")]);
    let before = std::fs::read(&kept.path).unwrap();
    drop(
        Reel::builder()
            .mode(Mode::NewEpisodes)
            .open(&kept.path)
            .unwrap(),
    );
    assert_eq!(std::fs::read(&kept.path).unwrap(), before);
}

#[test]
fn a_failing_test_that_made_no_request_writes_nothing() {
    if reran_without_reel_env() {
        return;
    }
    let (_dir, path) = temp_path();
    let old = cassette(vec![post("https://api.example.com/a", "1", "a")]);
    let before = std::fs::read(&old.path).unwrap();
    for (mode, path) in [
        (Mode::Once, path.as_path()),
        (Mode::All, old.path.as_path()),
    ] {
        let reel = Reel::builder().mode(mode).open(path).unwrap();
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _reel = reel;
            panic!("the test failed");
        }));
        assert!(failed.is_err());
    }
    assert!(!path.exists(), "once: no file");
    assert_eq!(
        std::fs::read(&old.path).unwrap(),
        before,
        "all: the old file stays"
    );
}

#[test]
fn assert_played_names_the_interaction_and_lists_the_requests() {
    let recorded = cassette(vec![post("https://api.example.com/a", "1", "a")]);
    let reel = Reel::replay(&recorded.path).unwrap();
    assert_eq!(reel.times_played(0), 0);
    reel.assert_played(0, 0);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reel.assert_played(0, 2)))
        .unwrap_err();
    assert_eq!(
        panic.downcast_ref::<String>().unwrap(),
        &format!(
            "{}: interaction 0 (POST https://api.example.com/a) answered 0 requests where 2 were \
             expected; the requests received:\n  (no request)\n",
            recorded.path.display()
        )
    );
}
