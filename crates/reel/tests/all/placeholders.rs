//! Values recorded under a name and given back on replay, and JSON fields
//! redacted in every event of a stream, through the reqwest middleware against
//! a local upstream.

use bytes::Bytes;
use reel::{Mode, Reel, ReelBuilder};
use reel_tests::reran_without_reel_env;
use reel_upstream::{Upstream, CHAT_COMPLETION_EVENTS};

use crate::support::{chunks, client};

/// The account id the recording machine has.
const REAL: &str = "acct-7781-real";

/// What a client gets for a JSON echo and an SSE echo of requests that carry
/// `account` in the URL and the body.
async fn exchange(reel: Reel, upstream: &Upstream, account: &str) -> (String, Vec<Bytes>) {
    let client = client(reel);
    let body = format!(r#"{{"account":"{account}","n":1}}"#);
    let json = client
        .post(upstream.url(&format!("/echo?account={account}")))
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let stream = client
        .post(upstream.url(&format!("/echo-sse?account={account}")))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (json, chunks(stream).await)
}

fn with_account(account: &str) -> ReelBuilder {
    Reel::builder().placeholder("<ACCOUNT_ID>", account)
}

#[tokio::test]
async fn a_placeholder_value_is_recorded_as_its_name_and_replayed_as_the_value_of_the_run() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.yaml");

    let recording = with_account(REAL).mode(Mode::All).open(&path).unwrap();
    let (live_json, live_events) = exchange(recording, &upstream, REAL).await;
    assert!(
        live_json.contains(REAL),
        "the upstream echoes the id: {live_json}"
    );
    assert_eq!(live_events.len(), 3);
    assert!(std::str::from_utf8(&live_events[0]).unwrap().contains(REAL));

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(REAL), "the id reached the cassette:\n{text}");
    assert!(
        text.contains("url: http://127.0.0.1:")
            && text.contains("/echo?account=<ACCOUNT_ID>")
            && text.contains("/echo-sse?account=<ACCOUNT_ID>"),
        "{text}"
    );
    assert!(
        text.contains(r#"{"account":"<ACCOUNT_ID>","n":1}"#),
        "{text}"
    );

    // The same machine: the response it recorded, byte for byte, event by event.
    let (json, events) = exchange(with_account(REAL).replay(&path).unwrap(), &upstream, REAL).await;
    assert_eq!(json, live_json);
    assert_eq!(events, live_events);

    // A CI machine with a dummy id matches the same recordings and sees its own.
    let dummy = "acct-ci";
    let (json, events) =
        exchange(with_account(dummy).replay(&path).unwrap(), &upstream, dummy).await;
    assert_eq!(json, live_json.replace(REAL, dummy));
    let expected: Vec<String> = live_events
        .iter()
        .map(|e| std::str::from_utf8(e).unwrap().replace(REAL, dummy))
        .collect();
    assert_eq!(events, expected);
    assert_eq!(
        upstream.requests().len(),
        2,
        "the replays stayed off the network"
    );
}

/// The chat completion's events, as JSON, with every `delta.content` set to
/// `replacement`; `None` for `[DONE]`.
fn with_content(event: &[u8], replacement: &str) -> Option<serde_json::Value> {
    let data = std::str::from_utf8(event).unwrap().strip_prefix("data: ")?;
    let mut value: serde_json::Value = serde_json::from_str(data.trim_end()).ok()?;
    for choice in value["choices"].as_array_mut().unwrap() {
        if let Some(content) = choice["delta"].get_mut("content") {
            *content = replacement.into();
        }
    }
    Some(value)
}

#[tokio::test]
async fn a_json_field_is_redacted_in_every_event_of_a_recorded_stream_with_the_rules_replacement() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.yaml");
    let rules = || {
        Reel::builder()
            .redact_json_field_with("/choices/*/delta/content", "<TEXT>")
            .redact_query_param_with("key", "<KEY>")
    };
    let send = |reel: Reel| {
        let url = upstream.url("/v1/chat/completions?key=live-key-0042");
        async move {
            let response = client(reel)
                .post(url)
                .header("Content-Type", "application/json")
                .body(r#"{"model":"gpt-4o-mini","stream":true}"#)
                .send()
                .await
                .unwrap();
            chunks(response).await
        }
    };
    let live = send(rules().mode(Mode::All).open(&path).unwrap()).await;
    assert_eq!(live.concat(), CHAT_COMPLETION_EVENTS.concat().as_bytes());

    let text = std::fs::read_to_string(&path).unwrap();
    for secret in ["2 + 3", " is 5.", "live-key-0042"] {
        assert!(
            !text.contains(secret),
            "{secret:?} reached the cassette:\n{text}"
        );
    }
    assert!(text.contains("/v1/chat/completions?key=<KEY>"), "{text}");

    let replayed = send(rules().replay(&path).unwrap()).await;
    assert_eq!(replayed.len(), CHAT_COMPLETION_EVENTS.len(), "{replayed:?}");
    for (replayed, original) in replayed.iter().zip(CHAT_COMPLETION_EVENTS) {
        let original = original.as_bytes();
        if !std::str::from_utf8(original)
            .unwrap()
            .contains("\"content\"")
        {
            assert_eq!(
                replayed, original,
                "an event without the field is kept byte for byte"
            );
            continue;
        }
        assert_eq!(
            with_content(replayed, "<TEXT>"),
            with_content(original, "<TEXT>")
        );
        assert!(std::str::from_utf8(replayed)
            .unwrap()
            .contains(r#""content":"<TEXT>""#));
        assert!(replayed.ends_with(b"\n\n"));
    }
    assert_eq!(upstream.requests().len(), 1);
}
