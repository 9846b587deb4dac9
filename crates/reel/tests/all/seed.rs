//! The bundled OpenAI cassette replays end to end through a reqwest client.

use std::time::Duration;

use eventsource_stream::Eventsource as _;
use futures_util::StreamExt as _;
use reel::cassette::{stream_events, StreamKind};
use reel::{Delay, Reel, Replayed};
use reel_tests::reran_without_reel_env;
use serde_json::Value;

use crate::support::{chunks, client, seed, seed_path};

const URL: &str = "https://api.openai.com/v1/chat/completions";

/// Sends `body`, then parses the stream with a real SSE parser: the events' data,
/// and the number of chunks the client received.
async fn stream(
    client: &reqwest_middleware::ClientWithMiddleware,
    body: bytes::Bytes,
) -> (Vec<String>, usize) {
    let response = client
        .post(URL)
        .body(body)
        .send()
        .await
        .expect("the request replays");
    assert_eq!(response.status(), 200);
    let received = chunks(response).await;
    let count = received.len();
    let events =
        futures_util::stream::iter(received.into_iter().map(Ok::<_, std::convert::Infallible>))
            .eventsource()
            .map(|event| event.expect("valid SSE").data)
            .collect()
            .await;
    (events, count)
}

#[tokio::test]
async fn the_seed_replays_two_tool_calls_then_the_final_answer_one_chunk_per_event() {
    if reran_without_reel_env() {
        return;
    }
    let cassette = seed();
    let client = client(Reel::replay(seed_path()).unwrap());

    let (events, chunk_count) =
        stream(&client, cassette.interactions[0].request.body.clone()).await;
    assert_eq!(events.len(), 14);
    assert_eq!(chunk_count, events.len(), "one chunk per event");
    let mut calls: Vec<(String, String)> = Vec::new();
    for data in events.iter().filter(|d| *d != "[DONE]") {
        let chunk: Value = serde_json::from_str(data).unwrap();
        for call in chunk["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let index = call["index"].as_u64().unwrap() as usize;
            if calls.len() <= index {
                calls.resize(index + 1, Default::default());
            }
            calls[index].0 += call["function"]["name"].as_str().unwrap_or("");
            calls[index].1 += call["function"]["arguments"].as_str().unwrap_or("");
        }
    }
    assert_eq!(
        calls,
        [
            ("add".to_owned(), r#"{"a": 2, "b": 3}"#.to_owned()),
            ("multiply".to_owned(), r#"{"a": 2, "b": 3}"#.to_owned())
        ]
    );

    let (events, chunk_count) =
        stream(&client, cassette.interactions[1].request.body.clone()).await;
    assert_eq!(chunk_count, events.len(), "one chunk per event");
    let text: String = events
        .iter()
        .filter(|d| *d != "[DONE]")
        .filter_map(|d| {
            let chunk: Value = serde_json::from_str(d).unwrap();
            chunk["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        text,
        "The sum of 2 and 3 is 5, and the product of 2 and 3 is 6."
    );
}

#[tokio::test]
async fn replayed_responses_carry_the_recorded_status_headers_and_the_request_url() {
    if reran_without_reel_env() {
        return;
    }
    let cassette = seed();
    let reel = Reel::replay(seed_path()).unwrap();
    let client = client(reel.clone());
    let url = "https://api.openai.com:443/v1/chat/completions?trace=1#part";
    let err = client
        .post(url)
        .body(cassette.interactions[0].request.body.clone())
        .send()
        .await
        .unwrap_err();
    assert!(crate::support::error_text(err).contains("only received: trace=1"));

    let url = "https://API.openai.com:443/v1/chat/completions";
    let response = client
        .post(url)
        .body(cassette.interactions[0].request.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(
        response.url().as_str(),
        URL,
        "the URL the client sent, as reqwest spells it"
    );
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    assert_eq!(response.headers().len(), 1);
    let replayed = response.extensions().get::<Replayed>().unwrap().clone();
    assert_eq!(
        (
            replayed.interaction,
            replayed.status.as_str(),
            &*replayed.cassette
        ),
        (0, "200 OK", seed_path().as_path())
    );
    let body = chunks(response).await.concat();
    assert_eq!(body, cassette.interactions[0].response.body);
    assert_eq!(reel.unplayed(), [1]);
}

#[tokio::test]
async fn sse_chunks_are_exactly_the_recorded_events() {
    if reran_without_reel_env() {
        return;
    }
    let cassette = seed();
    let client = client(Reel::replay(seed_path()).unwrap());
    for interaction in &cassette.interactions {
        let response = client
            .post(URL)
            .body(interaction.request.body.clone())
            .send()
            .await
            .unwrap();
        let expected: Vec<_> =
            stream_events(&interaction.response.body, StreamKind::ServerSentEvents).collect();
        assert_eq!(chunks(response).await, expected);
    }
}

#[tokio::test]
async fn the_first_event_arrives_before_the_rest_of_the_stream_is_ready() {
    if reran_without_reel_env() {
        return;
    }
    let cassette = seed();
    let reel = Reel::builder()
        .event_delay(Delay::Fixed(Duration::from_secs(3600)))
        .replay(seed_path())
        .unwrap();
    let response = client(reel)
        .post(URL)
        .body(cassette.interactions[0].request.body.clone())
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("the first event does not wait for the others")
        .unwrap()
        .unwrap();
    assert!(first.starts_with(b"data: {\"id\":\"chatcmpl-DIgOrid9As2KRUSwbF3yxoewtUUhz\""));
    assert!(first.ends_with(b"\n\n"));
}
