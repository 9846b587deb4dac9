//! Replays a recorded OpenAI chat completion with two streamed tool calls.
//!
//! `cargo run --example openai_stream` sends the two requests of
//! `cassettes/openai/multi_tool_streaming.yaml` through a reqwest client wrapped with
//! reel, parses each streamed response with a real SSE parser as it arrives,
//! assembles the tool calls, runs them, and sends their results back for the final
//! answer. No request leaves the machine.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use eventsource_stream::Eventsource as _;
use futures_util::StreamExt as _;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use serde_json::{json, Value};

const URL: &str = "https://api.openai.com/v1/chat/completions";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    // Found from the package, whatever the working directory.
    let cassette =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/openai/multi_tool_streaming.yaml");
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(reel::Reel::replay(&cassette)?)
        .build();

    let mut messages = vec![
        json!({"role": "system", "content": "You are a helpful assistant. Always use both add and multiply at the same time."}),
        json!({"role": "user", "content": "Add and multiply the number 2 and 3"}),
    ];

    println!("== turn 1: {URL}");
    let turn = stream_turn(&client, &messages).await?;
    println!("tool calls:");
    let mut results = Vec::new();
    for call in &turn.tool_calls {
        let args: Value = serde_json::from_str(&call.arguments)?;
        let (a, b) = (
            args["a"].as_i64().unwrap_or(0),
            args["b"].as_i64().unwrap_or(0),
        );
        let result = match call.name.as_str() {
            "add" => a + b,
            "multiply" => a * b,
            other => return Err(format!("the model called an unknown tool `{other}`").into()),
        };
        println!(
            "  {}({}) = {result}   [{}]",
            call.name, call.arguments, call.id
        );
        results.push((call, result));
    }
    println!("{} events arrived in {} chunks", turn.events, turn.chunks);

    messages.push(json!({
        "role": "assistant",
        "tool_calls": turn.tool_calls.iter().map(|c| json!({
            "id": c.id, "type": "function",
            "function": {"name": c.name, "arguments": c.arguments},
        })).collect::<Vec<_>>(),
    }));
    for (call, result) in results {
        messages
            .push(json!({"role": "tool", "tool_call_id": call.id, "content": result.to_string()}));
    }

    println!("\n== turn 2: {URL}");
    let turn = stream_turn(&client, &messages).await?;
    println!("final answer: {}", turn.text);
    println!("{} events arrived in {} chunks", turn.events, turn.chunks);
    Ok(())
}

/// What one streamed completion produced.
struct Turn {
    text: String,
    tool_calls: Vec<ToolCall>,
    events: usize,
    chunks: usize,
}

#[derive(Default)]
struct ToolCall {
    id: String,
    name: String,
    arguments: String,
}

/// Sends one streamed chat completion request and prints each event as it arrives.
async fn stream_turn(
    client: &ClientWithMiddleware,
    messages: &[Value],
) -> Result<Turn, Box<dyn Error>> {
    // Written in the order a person would; reel matches JSON by structure.
    let request = json!({
        "model": "gpt-4o-mini",
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_tokens": 4000,
        "messages": messages,
        "tool_choice": "auto",
        "tools": [tool("add", "Add two numbers"), tool("multiply", "Multiply two numbers")],
    });
    let response = client
        .post(URL)
        .header("Content-Type", "application/json")
        .body(request.to_string())
        .send()
        .await?
        .error_for_status()?;

    let chunks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = chunks.clone();
    let mut events = response
        .bytes_stream()
        .inspect(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .eventsource();

    let mut turn = Turn {
        text: String::new(),
        tool_calls: Vec::new(),
        events: 0,
        chunks: 0,
    };
    let mut calls: BTreeMap<u64, ToolCall> = BTreeMap::new();
    while let Some(event) = events.next().await {
        let event = event?;
        turn.events += 1;
        if event.data == "[DONE]" {
            println!("  [{:2}] [DONE]", turn.events);
            break;
        }
        let chunk: Value = serde_json::from_str(&event.data)?;
        let delta = &chunk["choices"][0]["delta"];
        let mut said = Vec::new();
        if let Some(content) = delta["content"].as_str() {
            turn.text.push_str(content);
            said.push(format!("content {content:?}"));
        }
        for call in delta["tool_calls"].as_array().into_iter().flatten() {
            let index = call["index"].as_u64().unwrap_or(0);
            let entry = calls.entry(index).or_default();
            if let Some(id) = call["id"].as_str() {
                entry.id = id.to_owned();
            }
            if let Some(name) = call["function"]["name"].as_str() {
                entry.name.push_str(name);
                said.push(format!("tool call #{index} {name}"));
            }
            if let Some(arguments) = call["function"]["arguments"].as_str() {
                entry.arguments.push_str(arguments);
                if !arguments.is_empty() {
                    said.push(format!("tool call #{index} arguments += {arguments:?}"));
                }
            }
        }
        if let Some(reason) = chunk["choices"][0]["finish_reason"].as_str() {
            said.push(format!("finish: {reason}"));
        }
        if let Some(total) = chunk["usage"]["total_tokens"].as_u64() {
            said.push(format!("usage: {total} tokens"));
        }
        if said.is_empty() {
            said.push("role: assistant".to_owned());
        }
        println!("  [{:2}] {}", turn.events, said.join(", "));
    }
    turn.chunks = chunks.load(std::sync::atomic::Ordering::Relaxed);
    turn.tool_calls = calls.into_values().collect();
    Ok(turn)
}

/// A function tool taking two integers `a` and `b`.
fn tool(name: &str, description: &str) -> Value {
    json!({
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "strict": false,
            "parameters": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "description": "first number"},
                    "b": {"type": "integer", "description": "second number"},
                },
                "required": ["a", "b"],
            },
        },
    })
}
