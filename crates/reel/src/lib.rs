//! Record/replay for HTTP in Rust tests: an engine that answers requests from go-vcr
//! cassettes, streams server-sent events event by event, records what it lacks and
//! explains every miss, with thin adapters for the clients tests use.
//!
//! # Features: pay for your client only
//! The engine ([`Reel::decide`]: `http` types in, a [`Decision`] out) depends on
//! no HTTP client. Each adapter is a feature:
//!
//! | feature | what it adds |
//! |---|---|
//! | `reqwest` (default) | the [`reqwest_middleware`] layer (`impl Middleware for Reel`) and the tower service [`ReelService`], for reqwest 0.13 and reqwest-middleware 0.5 |
//! | `reqwest-0-12` | the same two for reqwest 0.12 and reqwest-middleware 0.4: `reqwest_0_12` |
//! | `async-openai` | `openai::OpenAiService` for async-openai 0.43; `async-openai-0-42` down to `async-openai-0-37` for those minors |
//!
//! The package is `reel-vcr` on crates.io (`reel` was taken); the library is
//! `reel`, so code says `reel::Reel`. `reel-vcr = { version = "0.1",
//! default-features = false }` is the engine alone, what `reel-aws` (the AWS SDK)
//! and `reel-server` (clients that take a base URL) build on.
//!
//! ```
//! use reqwest_middleware::ClientBuilder;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
//! # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
//! // In a test: `reel::Reel::replay(reel::cassette!())?` names the cassette after the test.
//! let client = ClientBuilder::new(reqwest::Client::new())
//!     .with(reel::Reel::replay(path)?)
//!     .build();
//! # let body = reel::cassette::Cassette::load(path)?.interactions[0].request.body.clone();
//! let response = client
//!     .post("https://api.openai.com/v1/chat/completions")
//!     .body(body) // the recorded request's body
//!     .send()
//!     .await?;
//! assert_eq!(response.status(), 200);
//! let mut chunks = response.bytes_stream();
//! # use futures_util::StreamExt as _;
//! let first = chunks.next().await.unwrap()?; // one server-sent event
//! assert!(first.starts_with(b"data: {") && first.ends_with(b"\n\n"));
//! # Ok(())
//! # }
//! ```
//!
//! # One engine, thin adapters
//! [`Reel`] is an open cassette. [`Reel::decide`] takes a [`Received`] request
//! (`http` types) and returns a [`Decision`]: a replayed `http::Response` whose
//! [`ReplayBody`] yields one frame per event, a miss with its [`MismatchReport`],
//! a [`Recording`] ticket that tees the upstream response to the caller and the
//! cassette, or (mode `passthrough`) the request to send on. Mode policy, the
//! index, redaction, the secret scan, recording and saving all live behind it, so
//! every adapter behaves the same and reports a miss with the same text.
//!
//! # Getting started
//! Wrap the test's `reqwest::Client` with [`Reel`]. [`cassette!`] names the
//! cassette after the test (`cassettes/<module>/<test>.yaml` in the package), the
//! way insta names snapshots; [`Reel::new`] and [`Reel::replay`] also take any
//! path. Run the test once on a machine with network access and credentials: the
//! cassette is recorded; commit it, and from then on the test replays it.
//!
//! # Modes
//! [`Mode`] names what reel does, as Ruby VCR and vcrpy do: `none` replays only,
//! `once` records a cassette that does not exist yet, `new_episodes` records what
//! the cassette lacks, `all` re-records from scratch, `passthrough` uses the network
//! and leaves the cassette alone. `REEL_RECORD=<mode>` overrides the mode set in
//! code, so `REEL_RECORD=all cargo test` re-records a suite. Without either, the
//! mode is `none` under CI (`CI` set to anything but `false`, `0` or empty) and
//! `once` elsewhere: CI never records unless asked.
//!
//! # Recording
//! The request goes out through the rest of the middleware chain (or the inner
//! service); the response streams to the caller as it arrives while reel keeps a
//! copy. What a test records is written when the last handle drops (the client
//! holding the `Reel`, at the end of the test) or on [`Reel::flush`], and only for
//! a test that did not panic ([`ReelBuilder::record_on_error`] keeps a failing
//! test's recordings): a re-record that goes wrong halfway leaves the old cassette
//! byte for byte. Writes are atomic, under a lock shared by every process, and
//! keep the file's permissions. A response body the caller stops reading is still
//! read to the end for the cassette ([`Reel::settle`] waits for it); one that
//! breaks is not saved. `reel-server` writes each interaction as its body ends.
//!
//! # Secrets
//! Only the `Accept`, `Content-Encoding`, `Content-Type` and `User-Agent` request headers and the
//! `Content-Type` response header are recorded (as Go suites do); credential-like
//! query parameters (`key`, `api_key`, `token`, ...) become `REDACTED`, and JSON
//! fields can be redacted by pointer, also in every event of a stream and every
//! line of an NDJSON body; each rule can write a replacement of its own. Live
//! requests are redacted the same way before matching, so the redacted cassette
//! matches the next run. A [`ReelBuilder::placeholder`] records a value (an
//! account id) under a name and gives this run's value back on replay. Before each
//! write the new interaction is scanned for credentials: provider keys by their
//! documented formats, values whose header, field, parameter or cookie name says
//! credential, JWTs, private keys, `Bearer` and `Basic` values, webhook URLs, and
//! the values of environment variables named like secrets, read through
//! base64, compression and streamed events; a hit refuses the write and fails
//! `flush` or the test ([`ReelBuilder::scrub_secrets`] records a placeholder
//! naming the credential's kind instead). For a test that scan runs when its
//! last handle closes (or at `flush`), off the requests' path; `reel-server`
//! scans each answer as it ends.

//! # Matching
//! A request matches a recorded one by method, URL (query parameters in any order)
//! and body: equal after `\r\n` normalization, or equal as JSON (key order,
//! whitespace and number spelling aside), or equal as form parameters. Headers are
//! not compared unless asked. The first matching interaction not yet replayed
//! answers. [`ReelBuilder`] ignores query parameters and JSON fields, compares
//! chosen headers, adds custom matchers ([`RequestMatcher`]) and allows repeats.
//! Recorded requests are normalized and indexed once, when the cassette loads, so a
//! request costs the same against 10 or 10,000 interactions.
//!
//! # Streaming and pacing
//! A `text/event-stream` body arrives one chunk per event, an
//! `application/vnd.amazon.eventstream` body one chunk per frame, anything else in
//! one chunk; the chunks add up to the recorded bytes. [`Delay`]s before the headers
//! and between events make time to first token and timeouts testable.
//!
//! # When nothing matches
//! The request fails with [`Error::NoMatch`], whose text is a [`MismatchReport`]:
//! the request, the cassette and mode, the closest recording and the rule it failed,
//! a diff of the bodies as canonical JSON, the other unplayed interactions, the
//! builder option that would make the difference match when one would
//! (`.ignore_host()`, `.ignore_query_param(..)`, `.ignore_json_field(..)`,
//! `.allow_repeats()`), and the command that re-records the cassette (or, through
//! a handle made with [`Reel::cannot_record`], why that client cannot).
//! `REEL_FULL_DIFF=1` shows long diffs whole.

#![deny(unsafe_code)]
// docs.rs (nightly, `--cfg docsrs`) marks each adapter with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "__fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzzing;
mod builder;
mod capture;
mod cassette_path;
mod decision;
mod engine;
mod env;
mod error;
mod expiry;
mod hooks;
mod index;
mod log;
mod matcher;
mod message;
mod mode;
mod normalize;
#[cfg(any(
    feature = "async-openai-0-43",
    feature = "async-openai-0-42",
    feature = "async-openai-0-41",
    feature = "async-openai-0-40",
    feature = "async-openai-0-39",
    feature = "async-openai-0-38",
    feature = "async-openai-0-37"
))]
pub mod openai;
mod pacing;
mod passthrough;
mod policy;
mod received;
mod record;
mod recording;
mod recordings;
mod replay;
mod report;
mod request_body;
#[cfg(feature = "reqwest")]
mod reqwest_013;
#[cfg(feature = "reqwest-0-12")]
pub mod reqwest_0_12;
mod url;

/// The cassette model and format, from [`reel_cassette`]: for building
/// cassettes, reading recorded requests and splitting recorded streams.
pub mod cassette {
    pub use reel_cassette::websocket;
    pub use reel_cassette::{
        content_coding, format, go_duration, multipart, stream_events, ByteString, Bytes, Cassette,
        Dialect, Error, FieldPointer, Finding, Headers, Interaction, LineEndings, Location,
        PointerError, Redaction, Request, Response, Result, SecretScanner, StreamEvents,
        StreamKind, FORMAT_VERSION, MAX_INTERACTIONS, REDACTED,
    };
}

pub use builder::{ReelBuilder, DEFAULT_MAX_BODY_SIZE};
pub use cassette_path::{cassette_path_for_current_test, cassette_path_for_test};
pub use decision::Decision;
pub use engine::Reel;
pub use error::{BoxError, Error, Result};
pub use expiry::Expiry;
pub use hooks::{Keep, Played};
pub use log::{Answer, Logged};
pub use matcher::RequestMatcher;
pub use mode::Mode;
pub use pacing::{Delay, MessageWaits};
pub use policy::Behaviour;
pub use received::Received;
pub use recording::{Recording, RecordingBody};
pub use replay::{ReplayBody, Replayed};
pub use report::MismatchReport;
pub use request_body::read_body;
#[cfg(feature = "reqwest")]
pub use reqwest_013::{ReelLayer, ReelService};
