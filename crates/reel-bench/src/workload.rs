//! The request every replay contender answers, and the bodies it gets back.
//!
//! A chat-completion-shaped POST with a small JSON body; interaction `i` of a
//! cassette differs from the others by its body only, so a contender that compares
//! recorded bodies one by one pays for every interaction before the last.

use bytes::Bytes;
use reel::cassette::{Cassette, Interaction, Request, Response};
use reqwest_middleware::ClientWithMiddleware;

/// The URL path of every benchmarked request.
pub const PATH: &str = "/v1/chat/completions";

/// The JSON body of request `i` (about 200 bytes).
pub fn request_body(i: usize) -> String {
    format!(
        r#"{{"model":"gpt-4o-mini","max_tokens":400,"messages":[{{"role":"system","content":"You are a helpful assistant."}},{{"role":"user","content":"Question number {i}: what is {i} plus {i}?"}}]}}"#
    )
}

/// The JSON body answering request `i` (about 250 bytes).
pub fn response_body(i: usize) -> String {
    format!(
        r#"{{"id":"chatcmpl-{i}","object":"chat.completion","model":"gpt-4o-mini","choices":[{{"index":0,"message":{{"role":"assistant","content":"The answer is {}."}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":31,"completion_tokens":6,"total_tokens":37}}}}"#,
        2 * i
    )
}

/// A reel cassette of `n` interactions at `url`, each a JSON request and its JSON
/// response.
pub fn reel_cassette(url: &str, n: usize) -> Cassette {
    let mut cassette = Cassette::new();
    cassette.interactions = (0..n)
        .map(|i| {
            Interaction::new(
                Request::new("POST", url)
                    .with_header("Content-Type", "application/json")
                    .with_body(request_body(i)),
                Response::new(200)
                    .with_header("Content-Type", "application/json")
                    .with_body(response_body(i)),
            )
        })
        .collect();
    cassette
}

/// A client for every contender: no proxy, so wiremock's requests stay on
/// loopback, and connections kept alive (reqwest's default pool).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client builds")
}

/// Sends the benchmarked request (`POST url` with `body` as JSON) and reads the
/// whole response body.
pub async fn send(client: &ClientWithMiddleware, url: &str, body: &str) -> Bytes {
    let response = client
        .post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the request is answered");
    assert_eq!(response.status(), 200, "the request matched");
    response.bytes().await.expect("the body reads")
}

/// Sends the benchmarked request through a tower service over
/// `reqwest::Request` (the request built by `client`, as a client would) and
/// reads the whole response body.
pub async fn send_tower<S>(
    service: &mut S,
    client: &reqwest::Client,
    url: &str,
    body: &str,
) -> Bytes
where
    S: tower_service::Service<reqwest::Request, Response = reqwest::Response>,
    S::Error: std::fmt::Debug,
{
    let request = client
        .post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_owned())
        .build()
        .expect("the request builds");
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("the service is ready");
    let response = service
        .call(request)
        .await
        .expect("the request is answered");
    assert_eq!(response.status(), 200, "the request matched");
    response.bytes().await.expect("the body reads")
}

/// A `text/event-stream` body of chat-completion chunks of at least `len` bytes,
/// ending with `data: [DONE]`; and its number of events.
pub fn sse_body(len: usize) -> (String, usize) {
    let mut body = String::with_capacity(len + 128);
    let mut events = 0;
    while body.len() < len {
        body += &format!(
            "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\" token{events}\"}}}}]}}\n\n"
        );
        events += 1;
    }
    body += "data: [DONE]\n\n";
    (body, events + 1)
}
