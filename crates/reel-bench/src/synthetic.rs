//! A synthetic cassette of any size with the shapes real suites record: chat
//! requests answered by long server-sent event streams, JSON embeddings, binary
//! images and AWS event-stream frames (both written as `!!binary`).
//!
//! The content is pseudo-random from a fixed seed, so every run benchmarks the same
//! bytes.

use std::time::Duration;

use reel::cassette::{Cassette, Interaction, Request, Response};

/// A cassette whose saved text is at least `len` bytes (and at most one
/// interaction more).
pub fn cassette(len: usize) -> Cassette {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cassette = Cassette::new();
    let mut scratch = Cassette::new();
    let mut size = "---\nversion: 2\ninteractions:\n".len();
    let mut i = 0;
    while size < len {
        scratch.interactions.push(interaction(i, &mut rng));
        size += scratch.to_yaml().len() - "---\nversion: 2\ninteractions:\n".len();
        cassette.interactions.append(&mut scratch.interactions);
        i += 1;
    }
    cassette
}

fn interaction(i: usize, rng: &mut Rng) -> Interaction {
    match i % 10 {
        0..=5 => chat_stream(i, rng),
        6 | 7 => embedding(i, rng),
        8 => image(i, rng),
        _ => event_stream(i, rng),
    }
}

const WORDS: &[&str] = &[
    "the",
    "model",
    "returns",
    "a",
    "stream",
    "of",
    "tokens",
    "while",
    "tests",
    "replay",
    "recorded",
    "answers",
    "quickly",
    "and",
    "deterministically",
    "cassette",
    "request",
    "response",
    "with",
    "JSON",
    "fields",
    "in",
    "order",
    "é",
    "naïve",
    "日本語",
    "emoji",
    "🚀",
];

fn words(rng: &mut Rng, count: usize) -> String {
    let mut text = String::new();
    for k in 0..count {
        if k > 0 {
            text.push(' ');
        }
        text.push_str(WORDS[rng.below(WORDS.len())]);
    }
    text
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn response_headers(response: Response, content_type: &str, i: usize) -> Response {
    response
        .with_header("Content-Type", content_type)
        .with_header("Date", "Tue, 03 Jun 2025 10:15:42 GMT")
        .with_header("X-Request-Id", format!("req_{i:08x}"))
        .with_header("Server", "cloudflare")
}

fn json_request(url: &str, body: String) -> Request {
    Request::new("POST", url)
        .with_header("Content-Type", "application/json")
        .with_header("Authorization", "Bearer REDACTED")
        .with_body(body)
}

/// A chat completion request with a few turns, answered by 50 to 600 SSE chunks.
fn chat_stream(i: usize, rng: &mut Rng) -> Interaction {
    let turns = 1 + rng.below(8);
    let messages: Vec<String> = (0..turns)
        .map(|t| {
            let role = if t % 2 == 0 { "user" } else { "assistant" };
            let n = 10 + rng.below(100);
            format!(
                r#"{{"role":"{role}","content":{}}}"#,
                json_string(&words(rng, n))
            )
        })
        .collect();
    let request = format!(
        r#"{{"model":"gpt-4o-mini","stream":true,"temperature":0.{},"messages":[{}]}}"#,
        rng.below(10),
        messages.join(",")
    );
    let mut sse = String::new();
    for _ in 0..50 + rng.below(550) {
        let n = 1 + rng.below(3);
        let content = json_string(&format!(" {}", words(rng, n)));
        sse += &format!(
            "data: {{\"id\":\"chatcmpl-{i}\",\"object\":\"chat.completion.chunk\",\"created\":1717409742,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":{content}}},\"finish_reason\":null}}]}}\n\n"
        );
    }
    sse += "data: [DONE]\n\n";
    let mut response = response_headers(Response::new(200), "text/event-stream; charset=utf-8", i)
        .with_header("Cache-Control", "no-cache")
        .with_body(sse);
    response.duration = Duration::from_micros(200_000 + rng.below(800_000) as u64);
    Interaction::new(
        json_request("https://api.openai.com/v1/chat/completions", request),
        response,
    )
}

/// An embeddings request answered by 1,536 floats as JSON.
fn embedding(i: usize, rng: &mut Rng) -> Interaction {
    let n = 5 + rng.below(40);
    let request = format!(
        r#"{{"model":"text-embedding-3-small","input":{}}}"#,
        json_string(&words(rng, n))
    );
    let floats: Vec<String> = (0..1536)
        .map(|_| format!("{:.9}", rng.unit() * 2.0 - 1.0))
        .collect();
    let body = format!(
        r#"{{"object":"list","data":[{{"object":"embedding","index":0,"embedding":[{}]}}],"model":"text-embedding-3-small","usage":{{"prompt_tokens":{n},"total_tokens":{n}}}}}"#,
        floats.join(",")
    );
    let mut response = response_headers(Response::new(200), "application/json", i).with_body(body);
    response.content_length = response.body.len() as i64;
    response.duration = Duration::from_micros(50_000 + rng.below(100_000) as u64);
    Interaction::new(
        json_request("https://api.openai.com/v1/embeddings", request),
        response,
    )
}

/// A GET answered by 20 to 120 KB of PNG-signed random bytes.
fn image(i: usize, rng: &mut Rng) -> Interaction {
    let mut body = b"\x89PNG\r\n\x1a\n".to_vec();
    let len = 20_000 + rng.below(100_000);
    while body.len() < len {
        body.extend_from_slice(&rng.next().to_le_bytes());
    }
    let mut response = response_headers(Response::new(200), "image/png", i).with_body(body);
    response.content_length = response.body.len() as i64;
    Interaction::new(
        Request::new("GET", format!("https://files.example.com/images/{i}.png")),
        response,
    )
}

/// A Bedrock streaming call answered by AWS event-stream frames holding base64
/// JSON chunks; the checksums make the body binary.
fn event_stream(i: usize, rng: &mut Rng) -> Interaction {
    let n = 10 + rng.below(60);
    let request = format!(
        r#"{{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"messages":[{{"role":"user","content":{}}}]}}"#,
        json_string(&words(rng, n))
    );
    let headers = b"\x0b:event-type\x07\x00\x05chunk\x0d:content-type\x07\x00\x10application/json";
    let mut body = Vec::new();
    for _ in 0..20 + rng.below(200) {
        let n = 1 + rng.below(4);
        let delta = format!(
            r#"{{"type":"content_block_delta","index":0,"delta":{{"type":"text_delta","text":{}}}}}"#,
            json_string(&words(rng, n))
        );
        let payload = format!(r#"{{"bytes":"{}"}}"#, base64(delta.as_bytes()));
        let total = 12 + headers.len() + payload.len() + 4;
        body.extend_from_slice(&(total as u32).to_be_bytes());
        body.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        body.extend_from_slice(&(rng.next() as u32).to_be_bytes());
        body.extend_from_slice(headers);
        body.extend_from_slice(payload.as_bytes());
        body.extend_from_slice(&(rng.next() as u32 | 0x8080_8080).to_be_bytes());
    }
    let response = response_headers(Response::new(200), "application/vnd.amazon.eventstream", i)
        .with_body(body);
    Interaction::new(
        json_request(
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet/invoke-with-response-stream",
            request,
        ),
        response,
    )
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_cassette_reaches_its_size_and_loads_back_equal() {
        let cassette = cassette(2_000_000);
        let text = cassette.to_yaml();
        assert!(text.len() >= 2_000_000, "{} bytes", text.len());
        assert!(text.len() < 2_300_000, "{} bytes", text.len());
        assert!(text.contains("!!binary"), "some bodies are binary");
        assert!(text.contains("data: [DONE]"), "some bodies are SSE");
        assert_eq!(Cassette::from_yaml(&text).expect("it loads"), cassette);
    }

    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
    }
}
