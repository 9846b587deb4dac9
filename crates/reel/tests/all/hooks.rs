//! Hooks at go-vcr's four points, through the middleware: each fires where it
//! should, its edits land where they should, and its errors reach the caller
//! with the hook named.

use std::sync::{Arc, Mutex};

use reel::cassette::Cassette;
use reel::{Keep, Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{cassette, client, error_text, post};

fn temp_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hooked.yaml");
    (dir, path)
}

#[tokio::test]
async fn after_capture_edits_and_drops_what_is_kept_and_the_caller_gets_the_live_response() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reel = Reel::builder()
        .mode(Mode::All)
        .after_capture({
            let seen = seen.clone();
            move |interaction| {
                seen.lock()
                    .unwrap()
                    .push(interaction.request.url.to_string());
                if interaction.request.url.ends_with("/echo") {
                    return Ok(Keep::Drop);
                }
                interaction.response.body = r#"{"ok":"edited"}"#.into();
                Ok(Keep::Keep)
            }
        })
        .open(&path)
        .unwrap();
    let client = client(reel.clone());
    let live = client.get(upstream.url("/json")).send().await.unwrap();
    assert_eq!(
        live.text().await.unwrap(),
        r#"{"ok":true}"#,
        "the live answer, unedited"
    );
    let echo = client
        .post(upstream.url("/echo"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(echo.status(), 200);
    echo.bytes().await.unwrap();
    reel.flush().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [upstream.url("/json"), upstream.url("/echo")],
        "the hook saw each recorded interaction once"
    );
    let saved = Cassette::load(&path).unwrap();
    assert_eq!(saved.interactions.len(), 1, "the dropped one is not saved");
    assert_eq!(
        &saved.interactions[0].response.body[..],
        br#"{"ok":"edited"}"#
    );
    // And the edit is what replay answers.
    drop((client, reel));
    let replay = crate::support::client(Reel::replay(&path).unwrap());
    let answer = replay.get(upstream.url("/json")).send().await.unwrap();
    assert_eq!(answer.text().await.unwrap(), r#"{"ok":"edited"}"#);
}

#[tokio::test]
async fn an_after_capture_error_fails_flush_with_the_hook_named_and_keeps_nothing() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (_dir, path) = temp_path();
    let reel = Reel::builder()
        .mode(Mode::All)
        .after_capture(|_| Err("no recording on Fridays".into()))
        .open(&path)
        .unwrap();
    let response = client(reel.clone())
        .get(upstream.url("/json"))
        .send()
        .await
        .unwrap();
    response.bytes().await.unwrap();
    assert_eq!(
        reel.flush().unwrap_err().to_string(),
        format!(
            "{}: the after_capture hook failed for GET {}: no recording on Fridays",
            path.display(),
            upstream.url("/json")
        )
    );
    assert!(!path.exists(), "nothing kept");
}

#[tokio::test]
async fn before_save_sees_loaded_and_new_interactions_and_edits_only_the_file() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let old = cassette(vec![
        post("https://api.example.com/a", "1", "old a"),
        post("https://api.example.com/b", "2", "old b"),
    ]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reel = Reel::builder()
        .mode(Mode::NewEpisodes)
        .before_save({
            let seen = seen.clone();
            move |interaction| {
                seen.lock()
                    .unwrap()
                    .push(interaction.request.url.to_string());
                if interaction.request.url.ends_with("/b") {
                    return Ok(Keep::Drop);
                }
                interaction.response.headers.insert("X-Reviewed", ["yes"]);
                Ok(Keep::Keep)
            }
        })
        .open(&old.path)
        .unwrap();
    let client = client(reel.clone());
    // A replay: the recordings this handle answers with are as loaded.
    let replayed = client
        .post("https://api.example.com/a")
        .body("1")
        .send()
        .await
        .unwrap();
    assert!(replayed.headers().get("x-reviewed").is_none());
    let live = client.get(upstream.url("/json")).send().await.unwrap();
    live.bytes().await.unwrap();
    reel.flush().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "https://api.example.com/a".to_owned(),
            "https://api.example.com/b".to_owned(),
            upstream.url("/json")
        ],
        "every interaction written, the file's and the new one"
    );
    let saved = Cassette::load(&old.path).unwrap();
    let urls: Vec<&str> = saved.interactions.iter().map(|i| &*i.request.url).collect();
    assert_eq!(urls, ["https://api.example.com/a", &upstream.url("/json")]);
    assert!(saved
        .interactions
        .iter()
        .all(|i| i.response.headers.get("X-Reviewed") == Some("yes")));
}

#[tokio::test]
async fn a_before_save_error_fails_the_save_with_the_hook_named_and_leaves_the_file() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let old = cassette(vec![post("https://api.example.com/a", "1", "old a")]);
    let before = std::fs::read(&old.path).unwrap();
    let reel = Reel::builder()
        .mode(Mode::NewEpisodes)
        .before_save(|_| Err("disk quota policy".into()))
        .open(&old.path)
        .unwrap();
    let live = client(reel.clone())
        .get(upstream.url("/json"))
        .send()
        .await
        .unwrap();
    live.bytes().await.unwrap();
    let err = reel.flush().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the before_save hook failed: disk quota policy",
            old.path.display()
        )
    );
    assert!(matches!(
        err,
        reel::Error::Hook {
            hook: "before_save",
            ..
        }
    ));
    assert_eq!(
        std::fs::read(&old.path).unwrap(),
        before,
        "the file is as it was"
    );
    // The handle's drop saves nothing more: the failure was told.
    drop(reel);
}

#[tokio::test]
async fn before_replay_edits_the_answer_not_the_cassette_and_its_error_fails_the_request() {
    let recorded = cassette(vec![
        post("https://api.example.com/a", "1", "recorded a"),
        post("https://api.example.com/b", "2", "recorded b"),
    ]);
    let before = std::fs::read(&recorded.path).unwrap();
    let reel = Reel::builder()
        .before_replay(|request, response| {
            if request.url().ends_with("/b") {
                return Err("b is off today".into());
            }
            response.body = format!("{} (edited)", String::from_utf8_lossy(&response.body)).into();
            response
                .headers
                .insert("Date", ["Sat, 05 Dec 2026 12:00:00 GMT"]);
            Ok(())
        })
        .replay(&recorded.path)
        .unwrap();
    let client = client(reel.clone());
    let answer = client
        .post("https://api.example.com/a")
        .body("1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["date"], "Sat, 05 Dec 2026 12:00:00 GMT");
    assert_eq!(answer.text().await.unwrap(), "recorded a (edited)");
    let err = client
        .post("https://api.example.com/b")
        .body("2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_text(err),
        format!(
            "{}: the before_replay hook failed for POST https://api.example.com/b: b is off today",
            recorded.path.display()
        )
    );
    assert_eq!(
        std::fs::read(&recorded.path).unwrap(),
        before,
        "the cassette is untouched"
    );
}

#[tokio::test]
async fn at_end_gets_every_interaction_with_its_play_count_and_its_error_fails_the_test() {
    let recorded = cassette(vec![
        post("https://api.example.com/a", "1", "a"),
        post("https://api.example.com/b", "2", "b"),
    ]);
    let counts = Arc::new(Mutex::new(Vec::new()));
    let reel = Reel::builder()
        .allow_repeats()
        .at_end({
            let counts = counts.clone();
            move |played| {
                let mut counts = counts.lock().unwrap();
                for p in played {
                    counts.push((p.index, p.interaction.request.url.to_string(), p.times));
                }
                Ok(())
            }
        })
        .replay(&recorded.path)
        .unwrap();
    let client = client(reel.clone());
    for _ in 0..3 {
        let answer = client
            .post("https://api.example.com/a")
            .body("1")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.text().await.unwrap(), "a");
    }
    assert!(counts.lock().unwrap().is_empty(), "not before the end");
    drop((client, reel));
    assert_eq!(
        *counts.lock().unwrap(),
        [
            (0, "https://api.example.com/a".to_owned(), 3),
            (1, "https://api.example.com/b".to_owned(), 0)
        ]
    );

    let failing = Reel::builder()
        .at_end(|played| Err(format!("{} interactions were never played", played.len()).into()))
        .replay(&recorded.path)
        .unwrap();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(failing)))
        .expect_err("the hook's error fails the test");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(
        message,
        format!(
            "{}: the at_end hook failed: 2 interactions were never played",
            recorded.path.display()
        )
    );
}
