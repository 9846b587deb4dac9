//! A record/replay HTTP server for clients that take a base URL and nothing
//! else: SDKs that build their own HTTP client, and code in other languages. It
//! serves a go-vcr cassette on a local port with reel's engine ([`reel::Reel`]),
//! so matching, streaming, recording, redaction and modes are exactly those of
//! the reqwest middleware and the tower service.
//!
//! ```
//! use reel_server::ReelServer;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let cassette = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/doc/chat_streaming.yaml");
//! # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the crate's example cassette, whatever the environment says
//! let server = ReelServer::replay(cassette).await?;
//! // Give the client `server.base_url()` (plus `/v1` for an OpenAI SDK).
//! # let body = reel::cassette::Cassette::load(cassette)?.interactions[0].request.body.clone();
//! let response = reqwest::Client::new()
//!     .post(format!("{}/v1/chat/completions", server.base_url()))
//!     .body(body) // the recorded request's body
//!     .send()
//!     .await?;
//! assert_eq!(response.status(), 200);
//! # use futures_util::StreamExt as _;
//! let mut events = response.bytes_stream();
//! let first = events.next().await.unwrap()?; // one server-sent event per chunk
//! assert!(first.starts_with(b"data: {") && first.ends_with(b"\n\n"));
//! # Ok(())
//! # }
//! ```
//!
//! # Getting started
//! [`ReelServer::replay`] serves a cassette for replay only; [`ReelServer::builder`]
//! sets the mode, the upstream to record from and the middleware's options, then
//! [`ReelServerBuilder::start`] listens on `127.0.0.1` with a free port. The
//! server runs on the current tokio runtime, which needs its I/O and time drivers
//! (`enable_all`, as `#[tokio::main]` and `#[tokio::test]` build it), and stops
//! when dropped; [`ReelServer::shutdown`] also waits for the responses in flight.
//! From a shell, or for a client in another language, `reel serve CASSETTE` runs
//! the same server.
//!
//! # Matching
//! Each request is read whole and matched by reel's engine, as every adapter
//! matches: method, path, query parameters in any order, and body (JSON compared
//! structurally). The recorded URL's scheme, host and port are ignored
//! ([`reel::ReelBuilder::ignore_host`]): requests arrive at the server's own
//! address, and a cassette recorded against `https://api.openai.com` answers them.
//!
//! # Replay
//! The recorded status (with its reason phrase), headers and body are sent; a
//! `text/event-stream` body goes out one server-sent event per HTTP/1.1 chunk, each
//! written as soon as reel yields it, with the pacing set in
//! [`ReelServerBuilder::options`] (`event_delay`, `headers_delay`). The body's
//! length is sent when the body is not a stream.
//!
//! # Recording
//! With an [`upstream`](ReelServerBuilder::upstream) and a mode that records, the
//! server is a reverse proxy: the request goes to the upstream base URL plus the
//! received path and query, the response streams back to the client as it
//! arrives, and the interaction is saved (redacted, scanned for secrets, under
//! reel's lock) when its body ends. The recorded `url` is the upstream's, so the
//! cassette is the one the middleware would have recorded. Redirects are passed
//! back to the client, not followed. `https://` upstreams need the `rustls` feature:
//! reqwest's rustls (aws-lc-rs, the platform's certificate verifier), trusting
//! the system's CA certificates and those given to
//! [`upstream_root_certificate`](ReelServerBuilder::upstream_root_certificate);
//! an upstream whose certificate is not trusted answers `502` with a message
//! that says so and names that option.
//!
//! # WebSocket sessions
//! A `GET` with `Upgrade: websocket` (feature `websocket`, on by default) is a
//! session, stored as one interaction: the handshake as the request, a `101`
//! response whose body is the transcript, one message per line
//! ([`reel::cassette::websocket`]). The handshake is matched like any request
//! (method, path, query; the mode, repeats and redaction apply).
//!
//! - **Replay**: the server answers `101` (the recorded subprotocol, else the
//!   first the client offered) and walks the transcript: the server's messages
//!   are sent in order, each run of them once the client message before it has
//!   arrived and matched the recorded one. Text messages that are both JSON
//!   compare as canonical JSON without the `ignore_json_field` fields
//!   ([`reel::Reel::same_message`]); other texts and binary messages byte for
//!   byte; pings and pongs are skipped. A client message that differs, or one
//!   past the end of the recording, closes the session with code `1008` and a
//!   reason naming it (`reel: client message 3 differs from the recording`), and
//!   the mismatch report, with a diff, goes to the log as an
//!   [`Outcome::NoMatch`]. A client that closes early ends the session without
//!   a report. Recorded timing is not replayed: messages go out as fast as the
//!   client's go in.
//! - **Recording**: the server connects to the upstream (`ws://` for an
//!   `http://` upstream, `wss://` for an `https://` one, with the `rustls`
//!   feature: the TLS configuration requests use, the same roots trusted) with
//!   the handshake's headers (subprotocols and `Authorization`
//!   among them), answers the client `101` with the upstream's subprotocol, then
//!   passes every message on as it arrives, both ways at once. Each message's
//!   line goes into the transcript; the interaction is saved when the session
//!   ends, under the recorder's rules (header redaction, the secret scan over the
//!   transcript). [`ReelServer::shutdown`] waits for sessions to end.
//! - **Redaction**: JSON field rules, placeholders and the secret scrub apply to
//!   every text message of a recorded session
//!   ([`reel::cassette::Redaction::redact_message`]), and to each live client
//!   message before it is compared on replay.
//! - **No match**: the handshake is answered `404` with the report, as any
//!   request.
//!
//! # When nothing matches
//! The answer is `404 Not Found` with the header `x-reel-error: no-match` and the
//! full mismatch report as a `text/plain` body; the report is also logged. A `4xx`
//! because SDKs retry `5xx`. Other reel errors answer `500`, an upstream that
//! cannot be reached `502 Bad Gateway`, each with `x-reel-error` and the message.
//!
//! # Limits
//! What the server answers a request it will not take, on every connection, each
//! connection served on its own task (a slow or broken client holds up no other):
//!
//! | request | answer |
//! |---|---|
//! | a head (request line and header fields) over 64 KiB ([`max_head_size`](ReelServerBuilder::max_head_size)), or more than 100 header fields ([`max_headers`](ReelServerBuilder::max_headers)) | `431 Request Header Fields Too Large`, no body, connection closed (hyper's answer) |
//! | a malformed request line or header field, an unreadable `Content-Length` | `400 Bad Request`, no body, connection closed (hyper's answer) |
//! | a head not received within 30 s of the server waiting for it (a client that trickles it, or leaves a keep-alive connection idle) | the connection closed without an answer |
//! | broken chunked framing in the body | `400` with `x-reel-error: bad-request` and the cause, connection closed |
//! | a body over 64 MiB ([`max_body_size`](ReelServerBuilder::max_body_size), the engine's 512 MiB default lowered for a server) | `413 Payload Too Large` with `x-reel-error: too-large`, refused on its `Content-Length` before any of it is read (a chunked body: read no further than the limit), connection closed |
//!
//! Bytes past a request's `Content-Length` are read as the next request on the
//! connection: a pipelined request is answered in turn, anything else with `400`.
//! HTTP/2 is not served: its connection preface is closed without an answer.
//!
//! # Logs
//! Each finished request is an [`Exchange`]: by default misses and failures are
//! written to stderr with their report; [`ReelServerBuilder::on_exchange`] takes
//! every exchange instead (`reel serve` prints one line per request).

#![deny(unsafe_code)]

mod builder;
mod error;
mod exchange;
mod failure;
mod hop_by_hop;
mod incoming;
mod outgoing;
mod server;
mod service;
mod tls;
mod upstream;
#[cfg(feature = "websocket")]
mod websocket;

pub use builder::{
    ReelServerBuilder, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEAD_SIZE,
};
pub use error::{Error, Result};
pub use exchange::{Exchange, Outcome};
pub use failure::ERROR_HEADER;
pub use server::ReelServer;
