//! The go-vcr corpus's Bedrock cassettes (`fantasy/TestBedrock*`), recorded by a
//! Go client (charm's fantasy) calling Bedrock's InvokeModel and
//! InvokeModelWithResponseStream with Anthropic Messages bodies, replayed through
//! the Rust SDK's operations of the same shape.

use std::path::PathBuf;

use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::ResponseStream;
use aws_smithy_types::error::display::DisplayErrorContext;
use reel::cassette::Cassette;
use reel::Reel;
use reel_aws::ReelHttpClient;

use crate::{bedrock, fake_credentials};

fn corpus_cassette(relative: &str) -> Option<PathBuf> {
    let path = reel_tests::corpus_or_skip()?.join(relative);
    assert!(path.is_file(), "{} is missing", path.display());
    Some(path)
}

/// The model id of a recorded URL: `.../model/<id>/invoke...`, percent-decoded.
fn model_id(url: &str) -> String {
    let encoded = url
        .split("/model/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    encoded.replace("%3A", ":")
}

fn client(reel: &Reel) -> aws_sdk_bedrockruntime::Client {
    // No endpoint: the SDK builds https://bedrock-runtime.us-east-1.amazonaws.com,
    // the recorded host; replay opens no connection.
    bedrock(
        ReelHttpClient::replay_only(reel.clone()),
        fake_credentials("AKIDCORPUSEXAMPLE03", "corpussecret", "corpustoken"),
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_model_basic_auth() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let Some(path) = corpus_cassette("fantasy/TestBedrockBasicAuth/simple.yaml") else {
        return;
    };
    let recorded = Cassette::load(&path).unwrap().interactions[0]
        .request
        .clone();
    let reel = Reel::replay(&path).unwrap();
    let output = client(&reel)
        .invoke_model()
        .model_id(model_id(&recorded.url))
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(recorded.body.to_vec()))
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    assert_eq!(output.content_type(), "application/json");
    let message: serde_json::Value = serde_json::from_slice(output.body().as_ref()).unwrap();
    assert_eq!(message["type"], "message");
    let text = message["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("Olá!"), "{text}");
    assert!(reel.unplayed().is_empty());
}

/// The Anthropic events inside one InvokeModelWithResponseStream: each chunk's
/// `bytes` (the SDK base64-decodes them) is one Messages streaming event.
async fn invoke_stream(reel: &Reel, recorded: &reel::cassette::Request) -> Vec<serde_json::Value> {
    let mut output = client(reel)
        .invoke_model_with_response_stream()
        .model_id(model_id(&recorded.url))
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(recorded.body.to_vec()))
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    let mut events = Vec::new();
    while let Some(event) = output
        .body
        .recv()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap()
    {
        match event {
            ResponseStream::Chunk(part) => {
                let bytes = part.bytes().unwrap().as_ref();
                events.push(serde_json::from_slice(bytes).unwrap());
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    events
}

fn text_of(events: &[serde_json::Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "content_block_delta" && e["delta"]["type"] == "text_delta")
        .map(|e| e["delta"]["text"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_model_with_response_stream() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let Some(path) = corpus_cassette(
        "fantasy/TestBedrockCommon/bedrock-anthropic-claude-haiku-4-5/simple_streaming.yaml",
    ) else {
        return;
    };
    let recorded = Cassette::load(&path).unwrap().interactions[0]
        .request
        .clone();
    let reel = Reel::replay(&path).unwrap();
    let events = invoke_stream(&reel, &recorded).await;
    assert_eq!(events[0]["type"], "message_start");
    assert_eq!(events.last().unwrap()["type"], "message_stop");
    assert!(text_of(&events).starts_with("Olá"), "{events:?}");
    assert!(reel.unplayed().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_model_with_response_stream_tool_calls() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let Some(path) = corpus_cassette(
        "fantasy/TestBedrockCommon/bedrock-anthropic-claude-sonnet-4-5/tool_streaming.yaml",
    ) else {
        return;
    };
    let cassette = Cassette::load(&path).unwrap();
    let reel = Reel::replay(&path).unwrap();
    // Turn 1 asks for a tool; turn 2 (the tool's result in the body) answers.
    let first = invoke_stream(&reel, &cassette.interactions[0].request).await;
    assert!(
        first
            .iter()
            .any(|e| e["type"] == "content_block_start" && e["content_block"]["type"] == "tool_use"),
        "{first:?}"
    );
    let second = invoke_stream(&reel, &cassette.interactions[1].request).await;
    assert_eq!(second.last().unwrap()["type"], "message_stop");
    assert!(reel.unplayed().is_empty());
}
