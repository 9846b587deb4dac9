//! Credentials scrubbed instead of refused: `ReelBuilder::scrub_secrets`
//! records placeholders naming each credential's kind, and a cassette holding
//! them (recorded so, or scrubbed by `reel scrub --secrets`) matches live
//! requests that carry the real credentials.

use reel::{Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::client;

/// A request body naming a credential, and a key the upstream echoes.
fn body(secret: &str, key: &str) -> String {
    format!(r#"{{"client_secret":"{secret}","note":"key {key}"}}"#)
}

#[tokio::test]
async fn scrubbed_credentials_are_recorded_as_placeholders_and_still_match() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scrubbed.yaml");
    let key = ["sk-proj-", "Xk2fQ9zLmN3pR7sT1vW4yB6dA8cE0gHq"].concat();
    let secret = "Zx81kQpL0vB3nM5tR7wY";

    // Without the option the recording is refused: the key never reaches disk.
    let refused = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let response = client(refused)
        .post(upstream.url("/echo"))
        .header("Content-Type", "application/json")
        .body(body(secret, &key))
        .send()
        .await
        .unwrap();
    assert!(response.text().await.is_err(), "the refused body fails");
    assert!(!path.exists() || !std::fs::read_to_string(&path).unwrap().contains(&key));

    let recording = Reel::builder()
        .scrub_secrets()
        .mode(Mode::All)
        .open(&path)
        .unwrap();
    let live = client(recording)
        .post(upstream.url("/echo"))
        .header("Content-Type", "application/json")
        .body(body(secret, &key))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        live.contains(&key),
        "the caller sees the live response: {live}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(&key) && !text.contains(secret), "{text}");
    assert!(text.contains("REDACTED_OPENAI_API_KEY"), "{text}");
    assert!(text.contains("REDACTED_CLIENT_SECRET"), "{text}");

    // Replay without the option: the placeholders in the recorded request turn
    // the scrub on, and the live request with the real credentials matches.
    let replayed = client(Reel::builder().replay(&path).unwrap())
        .post(upstream.url("/echo"))
        .header("Content-Type", "application/json")
        .body(body(secret, &key))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 200);
    let text = replayed.text().await.unwrap();
    assert!(text.contains("REDACTED_OPENAI_API_KEY"), "{text}");
    // Another credential is another request: no match.
    let other = client(Reel::builder().replay(&path).unwrap())
        .post(upstream.url("/echo"))
        .header("Content-Type", "application/json")
        .body(r#"{"client_secret":"short","note":"key none"}"#)
        .send()
        .await;
    assert!(other.is_err() || other.unwrap().status() != 200);
}
