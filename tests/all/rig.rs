//! rig (rig-core 0.44) through reel's reqwest middleware: rig's OpenAI Chat
//! Completions client, on a `reqwest_middleware::ClientWithMiddleware` with reel
//! in it (handed to rig by rig-reqwest), streams both turns of the seed with
//! rig's own SSE parser. The tool calls and answer checked are the ones rig
//! assembled.
//!
//! rig does not build the seed's request bodies exactly. reel compares JSON bodies
//! structurally (as canonical JSON: key order, whitespace and number spelling do
//! not count), and two fields still differ, so the reel here ignores them:
//! - `/messages/0/content`: rig sends the system prompt as a list of text parts,
//!   `[{"type": "text", "text": "..."}]`; the seed has it as a string.
//! - `/messages/*/tool_calls/*/function/arguments` (the second turn): the
//!   arguments are a JSON string. rig parses the model's `{"a": 2, "b": 3}` and
//!   sends it back re-serialized compactly, `{"a":2,"b":3}`, another string.
//!
//! A third difference is avoided instead: rig's own tool definitions leave out the
//! seed's `"strict": false`, so the seed's tool declarations go to rig verbatim,
//! through `additional_params`, which rig sends as given. Everything else in each
//! body is compared: the model, `max_tokens`, `stream`, `stream_options`,
//! `tool_choice`, the tools, the user message, the assistant turn's call ids and
//! names, and the tool results with their call ids.
//!
//! The last two tests show both ignore rules are needed: without them rig's first
//! request misses, with only the first its second request does, and the error rig
//! returns carries reel's mismatch report.

use reel::Reel;
use reel_cassette::Cassette;
use reel_tests::{reran_without_reel_env, seed_cassette};
use rig_core::completion::CompletionRequest;
use rig_core::http_client;
use rig_core::message::{Message, ToolChoice, ToolResultContent};
use rig_core::providers::openai::OpenAIConfig;
use rig_core::ProviderError;
use rig_reqwest::ReqwestMiddlewareClient;
use serde_json::{json, Value};

const SYSTEM: &str =
    "You are a helpful assistant. Always use both add and multiply at the same time.";
const PROMPT: &str = "Add and multiply the number 2 and 3";

/// The system prompt as rig sends it: a list of text parts, not a string.
const SYSTEM_CONTENT: &str = "/messages/0/content";
/// The tool-call arguments of the second turn, which rig re-serializes.
const TOOL_CALL_ARGUMENTS: &str = "/messages/*/tool_calls/*/function/arguments";

/// The seed's tool declarations, as recorded (`add` and `multiply`, not strict).
fn recorded_tools() -> Value {
    let seed = Cassette::load(seed_cassette()).expect("the seed cassette loads");
    let body: Value =
        serde_json::from_slice(&seed.interactions[0].request.body).expect("a JSON body");
    body["tools"].clone()
}

/// The seed's request as rig builds it: the system prompt, `history`, then `last`.
fn request(history: Vec<Message>, last: impl Into<Message>) -> CompletionRequest {
    // `additional_params` first: rig's docs say a later one replaces tools set before.
    CompletionRequest::new(last)
        .additional_params(json!({ "tools": recorded_tools() }))
        .messages(history)
        .preamble(SYSTEM)
        .tool_choice(ToolChoice::Auto)
        .max_tokens(4000)
}

/// Has the seed's conversation with rig, over `reel`: the first turn must bring
/// the seed's `add` and `multiply` calls, answered with 5 and 6; returns the
/// second turn's text, or the turn (1 or 2) whose request failed and rig's error.
async fn converse(reel: Reel) -> Result<String, (u8, ProviderError)> {
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(reel)
        .build();
    let model = OpenAIConfig::new("sk-test-reel-fake-key")
        .with_base_url("https://api.openai.com/v1")
        .connect(ReqwestMiddlewareClient::from(http))
        .chat("gpt-4o-mini");

    let first = request(Vec::new(), PROMPT);
    let first = match model.stream(first) {
        Ok(stream) => stream.finish().await,
        Err(err) => Err(err),
    }
    .map_err(|err| (1, err))?;
    let calls: Vec<_> = first.tool_calls().cloned().collect();
    let assembled: Vec<_> = calls
        .iter()
        .map(|call| {
            (
                call.id.wire().into_owned(),
                call.function.name.to_string(),
                Value::Object(call.function.arguments.clone()),
            )
        })
        .collect();
    assert_eq!(
        assembled,
        [
            (
                "call_4ifjNdHz0FdUYGSOEoJhug4a".to_owned(),
                "add".to_owned(),
                json!({"a": 2, "b": 3})
            ),
            (
                "call_sXf7ZGvQxWZWcqH7dp0F1Fd6".to_owned(),
                "multiply".to_owned(),
                json!({"a": 2, "b": 3})
            ),
        ]
    );

    let results = calls
        .iter()
        .zip(["5", "6"])
        .map(|(call, result)| call.result(vec![ToolResultContent::text(result)]))
        .collect();
    let assistant = first.message().expect("the first turn has content");
    let second = request(
        vec![Message::user(PROMPT), assistant],
        Message::tool_results(results),
    );
    let second = match model.stream(second) {
        Ok(stream) => stream.finish().await,
        Err(err) => Err(err),
    }
    .map_err(|err| (2, err))?;
    assert_eq!(second.tool_calls().count(), 0);
    Ok(second.text())
}

/// reel's mismatch report inside rig's error: rig wraps the transport's error in
/// `ProviderError::Http(http_client::Error::Instance(..))`, and the transport's is
/// reqwest-middleware's `Error::Middleware`, whose `anyhow::Error` is reel's.
fn mismatch_report(err: &ProviderError) -> String {
    let ProviderError::Http(err) = err else {
        panic!("expected rig's HTTP error; got {err:?}")
    };
    let http_client::Error::Instance(err) = &**err else {
        panic!("expected the transport's error; got {err:?}")
    };
    let Some(reqwest_middleware::Error::Middleware(err)) = err.downcast_ref() else {
        panic!("expected a middleware error; got {err:?}")
    };
    match err.downcast_ref::<reel::Error>() {
        Some(reel::Error::NoMatch(report)) => report.text().to_owned(),
        _ => panic!("expected reel's miss; got {err:?}"),
    }
}

/// Checks that `err`, rig's error for a request the seed lacks, reads as reel's
/// report of a miss whose closest interaction is the seed's `#interaction`, and
/// whose body differs there at `pointers` and nowhere else.
fn assert_reels_miss(err: &ProviderError, interaction: usize, pointers: &[&str]) {
    let differs = format!("body: differs at {} (", pointers.join(", "));
    let report = mismatch_report(err);
    let first_line = report.lines().next().unwrap();
    assert!(
        first_line.starts_with(
            "reel: no recorded interaction matches POST https://api.openai.com/v1/chat/completions"
        ),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "closest recorded interaction: #{interaction} POST"
        )),
        "{report}"
    );
    assert!(report.contains(&differs), "{report}");
    // What a test using rig prints: the whole report, in Display and Debug alike.
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(text.contains(first_line), "{text}");
        assert!(text.contains(&differs), "{text}");
    }
    assert!(err.to_string().contains(&report), "{err}");
}

#[tokio::test]
async fn rig_streams_the_seed_through_the_middleware_with_two_fields_ignored() {
    if reran_without_reel_env() {
        return;
    }
    let reel = Reel::builder()
        .ignore_json_field(SYSTEM_CONTENT)
        .ignore_json_field(TOOL_CALL_ARGUMENTS)
        .replay(seed_cassette())
        .unwrap();
    let answer = converse(reel.clone())
        .await
        .unwrap_or_else(|(turn, err)| panic!("turn {turn} failed: {err}"));
    assert_eq!(
        answer,
        "The sum of 2 and 3 is 5, and the product of 2 and 3 is 6."
    );
    assert!(reel.unplayed().is_empty(), "{:?}", reel.unplayed());
}

#[tokio::test]
async fn without_the_ignore_rules_rigs_first_request_misses_with_reels_report() {
    if reran_without_reel_env() {
        return;
    }
    let reel = Reel::replay(seed_cassette()).unwrap();
    let (turn, err) = converse(reel.clone())
        .await
        .expect_err("rig's first request differs from the seed's");
    assert_eq!(turn, 1, "{err}");
    assert_reels_miss(&err, 0, &[SYSTEM_CONTENT]);
    assert_eq!(reel.unplayed(), [0, 1]);
}

#[tokio::test]
async fn without_ignoring_the_arguments_rigs_second_request_misses_with_reels_report() {
    if reran_without_reel_env() {
        return;
    }
    let reel = Reel::builder()
        .ignore_json_field(SYSTEM_CONTENT)
        .replay(seed_cassette())
        .unwrap();
    let (turn, err) = converse(reel.clone())
        .await
        .expect_err("rig's second request differs from the seed's");
    assert_eq!(turn, 2, "{err}");
    assert_reels_miss(
        &err,
        1,
        &[
            "/messages/2/tool_calls/0/function/arguments",
            "/messages/2/tool_calls/1/function/arguments",
        ],
    );
    assert_eq!(reel.unplayed(), [1]);
}
