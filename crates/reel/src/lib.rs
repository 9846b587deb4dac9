//! Record/replay for HTTP in Rust tests: a [`reqwest_middleware`] layer that answers
//! requests from go-vcr cassettes, streams server-sent events event by event, and
//! explains every miss.
//!
//! ```
//! use reqwest_middleware::ClientBuilder;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../cassettes/openai/multi_tool_streaming.yaml");
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
//! # Getting started
//! Wrap the test's `reqwest::Client` with [`Reel`]. [`cassette!`] names the
//! cassette after the test (`cassettes/<module>/<test>.yaml` in the package), the
//! way insta names snapshots; [`Reel::replay`] also takes any path. Replay never
//! opens a connection: every response comes from the file.
//!
//! # Modes
//! This version replays only ([`Mode::None`]): a missing cassette or a request the
//! cassette lacks is an error. Recording (`REEL_RECORD=once`, `new_episodes`, `all`)
//! arrives with the recorder; reports already print the command.
//!
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
//! a diff of the bodies as canonical JSON, the other unplayed interactions, and the
//! command that re-records the cassette. `REEL_FULL_DIFF=1` shows long diffs whole.

#![deny(unsafe_code)]

mod builder;
mod capture;
mod cassette_path;
mod env;
mod error;
mod index;
mod matcher;
mod middleware;
mod mode;
mod normalize;
mod pacing;
mod record;
mod replay;
mod report;

/// The cassette format crate, for building cassettes and reading recorded requests.
pub use reel_cassette as cassette;

pub use builder::ReelBuilder;
pub use cassette_path::{cassette_path_for_current_test, cassette_path_for_test};
pub use error::{Error, Result};
pub use matcher::{Received, RequestMatcher};
pub use middleware::Reel;
pub use mode::Mode;
pub use pacing::Delay;
pub use replay::Replayed;
pub use report::MismatchReport;
