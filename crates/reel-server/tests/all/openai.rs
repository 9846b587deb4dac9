//! async-openai, which takes a base URL and no middleware, replays the seed
//! through the server: it streams both chat completions with its own SSE parser,
//! and the tool calls and the final answer are the ones it assembled.

use std::collections::BTreeMap;

use async_openai::config::OpenAIConfig;
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
use reel_server::ReelServer;
use serde_json::{json, Value};

use crate::support::{seed, seed_path};

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

#[tokio::test]
async fn async_openai_streams_the_seed_through_the_server_and_assembles_tool_calls() {
    let server = ReelServer::replay(seed_path()).await.unwrap();
    let config = OpenAIConfig::new()
        .with_api_base(format!("{}/v1", server.base_url()))
        .with_api_key("test");
    let client = Client::with_config(config);

    let mut messages = vec![
        ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage::from(
            "You are a helpful assistant. Always use both add and multiply at the same time.",
        )),
        ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage::from(
            "Add and multiply the number 2 and 3",
        )),
    ];
    let first = request(messages.clone());
    // Built to mirror the recording: the server would answer 404 with a diff if not.
    let recorded: Value = serde_json::from_slice(&seed().interactions[0].request.body).unwrap();
    assert_eq!(serde_json::to_value(&first).unwrap(), recorded);

    let turn = stream(&client, first).await;
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
    let recorded: Value = serde_json::from_slice(&seed().interactions[1].request.body).unwrap();
    assert_eq!(serde_json::to_value(&second).unwrap(), recorded);

    let turn = stream(&client, second).await;
    assert_eq!(
        turn.text,
        "The sum of 2 and 3 is 5, and the product of 2 and 3 is 6."
    );
    assert!(turn.tool_calls.is_empty());
    assert!(server.unplayed().is_empty());
}
