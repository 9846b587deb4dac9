//! async-openai through reel, streaming with its own SSE parser: in-process with
//! no server and no socket (`reel::openai::OpenAiService` given to
//! `Client::with_http_service`), and pointed at `reel_server::ReelServer` by base
//! URL. The tool calls and answers checked are the ones async-openai assembled.
//!
//! The modes set in code must be the ones in force (no test may record from the
//! network because the caller set `REEL_RECORD`): when `REEL_RECORD` or `CI` is
//! set, each test reruns itself in a child process without them.

use std::collections::BTreeMap;

// The async-openai minor under test, named by the module that includes this file.
use super::async_openai;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, ChatCompletionTool,
    ChatCompletionToolChoiceOption, ChatCompletionTools, CreateChatCompletionRequest,
    CreateChatCompletionRequestArgs, FunctionCall, FunctionObject, ToolChoiceOptions,
};
use async_openai::Client;
use futures_util::StreamExt as _;
use reel::openai::OpenAiService;
use reel::{Behaviour, Mode, Reel};
use reel_cassette::Cassette;
use reel_server::ReelServer;
use reel_tests::{reran_without_reel_env, seed_cassette};
use reel_upstream::{Upstream, CHAT_COMPLETION_EVENTS};
use serde_json::{json, Value};

/// A tool the model may call, as the seed's requests declare it.
fn tool(name: &str, description: &str) -> ChatCompletionTools {
    ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObject {
            name: name.to_owned(),
            description: Some(description.to_owned()),
            parameters: Some(json!({
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "description": "first number"},
                    "b": {"type": "integer", "description": "second number"},
                },
                "required": ["a", "b"],
            })),
            strict: Some(false),
        },
    })
}

/// The seed's request with `messages`: every other field as recorded.
fn request(messages: Vec<ChatCompletionRequestMessage>) -> CreateChatCompletionRequest {
    let mut args = CreateChatCompletionRequestArgs::default();
    args.model("gpt-4o-mini")
        .messages(messages)
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            ..ChatCompletionStreamOptions::default()
        })
        .tool_choice(ChatCompletionToolChoiceOption::Mode(
            ToolChoiceOptions::Auto,
        ))
        .tools(vec![
            tool("add", "Add two numbers"),
            tool("multiply", "Multiply two numbers"),
        ])
        .stream(true);
    // The seed was recorded by a client that still sends `max_tokens`.
    #[allow(deprecated)]
    args.max_tokens(4000_u32);
    args.build().expect("a complete request")
}

/// The seed's system prompt, then `question` from the user.
fn opening(question: &str) -> Vec<ChatCompletionRequestMessage> {
    vec![
        ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(
            "You are a helpful assistant. Always use both add and multiply at the same time.",
        )),
        ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(question)),
    ]
}

/// The JSON body of the seed's request `index`.
fn recorded_request(index: usize) -> Value {
    let seed = Cassette::load(seed_cassette()).expect("the seed cassette loads");
    serde_json::from_slice(&seed.interactions[index].request.body).expect("a JSON body")
}

/// What one streamed completion assembled.
#[derive(Debug, Default)]
struct Turn {
    text: String,
    /// By index: id, name, arguments.
    tool_calls: BTreeMap<u32, (String, String, String)>,
    chunks: usize,
}

/// Streams `request` with async-openai's own parser and assembles the deltas.
async fn stream(client: &Client<OpenAIConfig>, request: CreateChatCompletionRequest) -> Turn {
    let mut stream = client
        .chat()
        .create_stream(request)
        .await
        .expect("the stream starts");
    let mut turn = Turn::default();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap_or_else(|err| panic!("async-openai failed: {err}"));
        turn.chunks += 1;
        for choice in chunk.choices {
            if let Some(text) = choice.delta.content {
                turn.text.push_str(&text);
            }
            for call in choice.delta.tool_calls.into_iter().flatten() {
                let entry = turn.tool_calls.entry(call.index).or_default();
                if let Some(id) = call.id {
                    entry.0 = id;
                }
                if let Some(function) = call.function {
                    entry.1.push_str(function.name.as_deref().unwrap_or(""));
                    entry
                        .2
                        .push_str(function.arguments.as_deref().unwrap_or(""));
                }
            }
        }
    }
    turn
}

/// Has the seed's conversation with `client`, whose requests must reach the seed:
/// the first turn assembles `add` and `multiply`, the second, given their results,
/// the final answer.
async fn converse_as_the_seed(client: &Client<OpenAIConfig>) {
    let mut messages = opening("Add and multiply the number 2 and 3");
    let first = request(messages.clone());
    // Built to mirror the recording: it would not match if not.
    assert_eq!(serde_json::to_value(&first).unwrap(), recorded_request(0));

    let turn = stream(client, first).await;
    let calls: Vec<(String, String, String)> = turn.tool_calls.into_values().collect();
    assert_eq!(
        calls,
        [
            (
                "call_4ifjNdHz0FdUYGSOEoJhug4a".to_owned(),
                "add".to_owned(),
                r#"{"a": 2, "b": 3}"#.to_owned()
            ),
            (
                "call_sXf7ZGvQxWZWcqH7dp0F1Fd6".to_owned(),
                "multiply".to_owned(),
                r#"{"a": 2, "b": 3}"#.to_owned()
            ),
        ]
    );
    // 14 events: 13 JSON chunks and `[DONE]`, which ends async-openai's stream.
    assert_eq!(turn.chunks, 13);

    let mut results = Vec::new();
    for (id, name, arguments) in &calls {
        let args: Value = serde_json::from_str(arguments).unwrap();
        let (a, b) = (args["a"].as_i64().unwrap(), args["b"].as_i64().unwrap());
        let result = if name == "add" { a + b } else { a * b };
        results.push((id.clone(), result.to_string()));
    }
    assert_eq!(results[0].1, "5");
    assert_eq!(results[1].1, "6");
    messages.push(ChatCompletionRequestMessage::Assistant(
        ChatCompletionRequestAssistantMessage {
            tool_calls: Some(
                calls
                    .iter()
                    .map(|(id, name, arguments)| {
                        ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                            id: id.clone(),
                            function: FunctionCall {
                                name: name.clone(),
                                arguments: arguments.clone(),
                            },
                        })
                    })
                    .collect(),
            ),
            ..ChatCompletionRequestAssistantMessage::default()
        },
    ));
    for (id, result) in results {
        messages.push(ChatCompletionRequestMessage::Tool(
            ChatCompletionRequestToolMessage {
                content: result.as_str().into(),
                tool_call_id: id,
            },
        ));
    }
    let second = request(messages);
    assert_eq!(serde_json::to_value(&second).unwrap(), recorded_request(1));

    let turn = stream(client, second).await;
    assert_eq!(
        turn.text,
        "The sum of 2 and 3 is 5, and the product of 2 and 3 is 6."
    );
    assert!(turn.tool_calls.is_empty());
}

/// The API key the clients send: fake, and never to be found in a cassette.
const API_KEY: &str = "sk-test-reel-fake-key";

/// The clients' configuration: the fake key, OpenAI's base URL.
fn config() -> OpenAIConfig {
    OpenAIConfig::new().with_api_key(API_KEY)
}

/// An async-openai client that answers from `reel`, in-process.
fn through(reel: Reel, config: OpenAIConfig) -> Client<OpenAIConfig> {
    Client::with_config(config).with_http_service(OpenAiService::new(reel))
}

#[tokio::test]
async fn async_openai_streams_the_seed_through_the_server_and_assembles_tool_calls() {
    if reran_without_reel_env() {
        return;
    }
    let server = ReelServer::replay(seed_cassette()).await.unwrap();
    let base = format!("{}/v1", server.base_url());
    converse_as_the_seed(&Client::with_config(config().with_api_base(base))).await;
    assert!(server.unplayed().is_empty());
}

#[tokio::test]
async fn async_openai_streams_the_seed_in_process_through_the_adapter_with_no_server() {
    if reran_without_reel_env() {
        return;
    }
    let reel = Reel::replay(seed_cassette()).unwrap();
    converse_as_the_seed(&through(reel.clone(), config())).await;
    assert!(reel.unplayed().is_empty());
}

#[tokio::test]
async fn a_request_the_seed_lacks_fails_through_the_adapter_with_reels_mismatch_report() {
    if reran_without_reel_env() {
        return;
    }
    let client = through(Reel::replay(seed_cassette()).unwrap(), config());
    let err = client
        .chat()
        .create_stream(request(opening("Add and multiply the number 4 and 5")))
        .await
        .err()
        .expect("a request the seed lacks fails");
    // What a test that returns the error through `?` prints: async-openai's
    // derived `Debug`, with reel's report inside it as text, once.
    let debug = format!("{err:?}");
    assert!(
        debug.starts_with(
            "Boxed(reel: no recorded interaction matches POST \
             https://api.openai.com/v1/chat/completions"
        ),
        "{debug}"
    );
    assert!(debug.contains("\n  cassette: "), "{debug}");
    assert!(!debug.contains("\\n"), "escaped line breaks:\n{debug}");
    assert_eq!(
        debug.matches("\nclosest recorded interaction: #0").count(),
        1,
        "{debug}"
    );
    let OpenAIError::Boxed(err) = err else {
        panic!("expected reel's error, boxed; got {err:?}")
    };
    let err = err
        .downcast::<reel::Error>()
        .unwrap_or_else(|err| panic!("expected reel's error, got {err:?}"));
    assert!(matches!(*err, reel::Error::NoMatch(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "reel: no recorded interaction matches POST https://api.openai.com/v1/chat/completions"
        ),
        "{text}"
    );
    assert!(text.contains("closest recorded interaction: #0"), "{text}");
}

#[tokio::test]
async fn once_records_a_streamed_completion_through_the_adapter_then_replays_it_offline() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.yaml");
    let config = config().with_api_base(upstream.url("/v1"));
    let ask = || request(opening("Add 2 and 3"));
    let client = |reel: Reel| through(reel, config.clone());
    let assembled = |turn: Turn| {
        assert_eq!(turn.text, "2 + 3 is 5.");
        let calls: Vec<_> = turn.tool_calls.into_values().collect();
        assert_eq!(
            calls,
            [(
                "call_local".to_owned(),
                "add".to_owned(),
                r#"{"a": 2, "b": 3}"#.to_owned()
            )]
        );
        assert_eq!(turn.chunks, 6, "six JSON chunks; [DONE] ends the stream");
    };

    // No cassette yet: `once` records.
    let recording = Reel::builder().mode(Mode::Once).open(&path).unwrap();
    assert_eq!(recording.behaviour(), Behaviour::Record);
    assembled(stream(&client(recording), ask()).await);
    let requests = upstream.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].uri.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert!(
        requests[0]
            .headers
            .contains(&("authorization".to_owned(), format!("Bearer {API_KEY}"))),
        "the upstream got the key: {:?}",
        requests[0].headers
    );

    // The client and its reel are dropped (async-openai stopped reading at
    // `[DONE]`; reel read the rest): the recording is saved.
    let text = std::fs::read_to_string(&path).unwrap();
    let cassette = Cassette::load(&path).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    let interaction = &cassette.interactions[0];
    assert_eq!(
        String::from_utf8_lossy(&interaction.response.body),
        CHAT_COMPLETION_EVENTS.concat()
    );
    assert_eq!(
        interaction.response.headers.get("Content-Type"),
        Some("text/event-stream")
    );
    assert_eq!(
        interaction.request.url,
        upstream.url("/v1/chat/completions")
    );
    for secret in [API_KEY, "bearer", "authorization"] {
        assert!(
            !text.to_ascii_lowercase().contains(secret),
            "{secret} reached the cassette:\n{text}"
        );
    }

    // The cassette exists: `once` replays it, and the upstream hears nothing more.
    let replaying = Reel::builder().mode(Mode::Once).open(&path).unwrap();
    assert_eq!(replaying.behaviour(), Behaviour::Replay);
    assembled(stream(&client(replaying.clone()), ask()).await);
    assert!(replaying.unplayed().is_empty());
    assert_eq!(
        upstream.requests().len(),
        1,
        "the replay did not reach the upstream"
    );
}

#[tokio::test]
async fn hooks_fire_through_the_adapter_and_their_edits_and_errors_reach_async_openai() {
    if reran_without_reel_env() {
        return;
    }
    use std::sync::{Arc, Mutex};
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hooked.yaml");
    let config = config().with_api_base(upstream.url("/v1"));
    let ask = || request(opening("Add 2 and 3"));
    let fired = Arc::new(Mutex::new(Vec::new()));
    let note = |name: &'static str| {
        let fired = fired.clone();
        move || fired.lock().unwrap().push(name)
    };

    // Recording: after_capture rewrites the answer that is kept, before_save
    // sees it, at_end runs at the last handle.
    let (captured, saved, ended) = (note("after_capture"), note("before_save"), note("at_end"));
    let recording = Reel::builder()
        .mode(Mode::Once)
        .after_capture(move |interaction| {
            captured();
            let body =
                String::from_utf8_lossy(&interaction.response.body).replace(" is 5.", " is five.");
            interaction.response.body = body.into();
            Ok(reel::Keep::Keep)
        })
        .before_save(move |_| {
            saved();
            Ok(reel::Keep::Keep)
        })
        .at_end(move |_| {
            ended();
            Ok(())
        })
        .open(&path)
        .unwrap();
    let live = stream(&through(recording, config.clone()), ask()).await;
    assert_eq!(live.text, "2 + 3 is 5.", "the caller got the live answer");
    assert_eq!(
        *fired.lock().unwrap(),
        ["after_capture", "before_save", "at_end"]
    );

    // Replaying: the kept edit, then before_replay's own edit on top.
    let replaying = Reel::builder()
        .mode(Mode::None)
        .before_replay(|_, response| {
            let body = String::from_utf8_lossy(&response.body).replace("2 + 3", "two plus three");
            response.body = body.into();
            Ok(())
        })
        .open(&path)
        .unwrap();
    let replayed = stream(&through(replaying, config.clone()), ask()).await;
    assert_eq!(replayed.text, "two plus three is five.");

    // A hook's error reaches async-openai, boxed, with the hook named.
    let failing = Reel::builder()
        .mode(Mode::None)
        .before_replay(|_, _| Err("replay refused".into()))
        .open(&path)
        .unwrap();
    let err = through(failing, config)
        .chat()
        .create_stream(ask())
        .await
        .err()
        .expect("the hook fails the request");
    let OpenAIError::Boxed(err) = err else {
        panic!("expected reel's error, boxed; got {err:?}")
    };
    let err = err.downcast::<reel::Error>().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the before_replay hook failed for POST {}: replay refused",
            path.display(),
            upstream.url("/v1/chat/completions")
        )
    );
    assert_eq!(upstream.requests().len(), 1, "replays reached no upstream");
}
