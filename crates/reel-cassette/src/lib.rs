//! The go-vcr v4 cassette format (`version: 2`), read and written byte for byte.
//!
//! Go teams commit these YAML files for their HTTP client tests. This crate loads
//! every shape of them and writes a loaded cassette back without changing a byte,
//! so re-recording produces clean diffs and Go and Rust suites can share files.
//!
//! ```
//! use reel_cassette::Cassette;
//!
//! let text = "---\nversion: 2\ninteractions: []\n";
//! let cassette = Cassette::from_yaml(text)?;
//! assert!(cassette.interactions.is_empty());
//! assert_eq!(cassette.to_yaml(), text);
//! # Ok::<(), reel_cassette::Error>(())
//! ```
//!
//! # The model
//! A [`Cassette`] holds [`Interaction`]s, each a [`Request`] and a [`Response`].
//! Bodies are [`bytes::Bytes`] (cheap to clone and to hand to an HTTP stack),
//! header maps keep the order of their values ([`Headers`]), and the time to the
//! response headers is a real [`std::time::Duration`].
//!
//! # Loading
//! [`Cassette::load`] accepts every layout Go writes ([`Dialect`]), files with or
//! without the leading `---`, files from older go-vcr versions that spell out every
//! key, and unknown keys (ignored, as Go does). Errors name the file, the line and
//! column, what is wrong and what to do.
//!
//! # Limits
//! A file is refused, with an error that says where and what to do, when it
//! holds more than a cassette ever needs:
//!
//! - nesting over 128 levels of lists and maps (a cassette nests about six);
//! - anchors and aliases that expand to more than 100 times the file's own YAML
//!   events (an alias bomb; Go's encoder writes no aliases);
//! - more than [`MAX_INTERACTIONS`] (1,000,000) interactions: split such a
//!   cassette into several.
//!
//! Each is checked as the file is read, at no extra pass over it.
//!
//! # Saving
//! [`Cassette::save`] writes the text Go's encoder would write, in the dialect the
//! cassette was loaded in, atomically. Strings that are not UTF-8 ([`ByteString`]s,
//! bodies) are written `!!binary`, as Go does. [`format`](mod@format) says how the writer
//! follows Go's encoder, and the four places where it deliberately does not
//! (three kinds of literal block Go would write unreadably, and hex, octal or
//! binary integers beyond 64 bits, written double-quoted so they load as text).

#![deny(unsafe_code)]

mod byte_string;
mod cassette;
mod digest;
mod error;
mod go_yaml;
mod headers;
mod json_payloads;
mod lock;
mod placeholder;
mod pointer;
mod read;
mod redact;
mod save;
mod secrets;
mod sidecar;
mod stream_events;
mod stream_text;
mod verify;

pub mod content_coding;
pub mod go_duration;
pub mod multipart;
/// Provenance sidecars and recording dates: reel's own, not API (see
/// [`__private`]).
#[doc(hidden)]
pub mod provenance;
pub mod websocket;

#[doc = include_str!("../FORMAT.md")]
pub mod format {}

pub use byte_string::ByteString;
pub use bytes::Bytes;
pub use cassette::{
    Cassette, Dialect, Interaction, LineEndings, Request, Response, FORMAT_VERSION,
};
pub use error::{Error, Location, Result};
pub use headers::Headers;
pub use pointer::{FieldPointer, PointerError};
pub use read::MAX_INTERACTIONS;
pub use redact::{Redaction, REDACTED};
pub use secrets::{Finding, SecretScanner};
pub use stream_events::{stream_events, StreamEvents, StreamKind};

/// What reel's own crates share and users do not: the cassette lock and the
/// recording-run protocol, the timing and pending sidecar files, the checks
/// behind `reel check`. **Not public API**: it changes in any release, which is
/// why reel's crates depend on this one at an exact version.
#[doc(hidden)]
pub mod __private {
    pub use crate::digest::short_sha256;
    pub use crate::lock::{lock_cassette, CassetteLock};
    pub use crate::save::{update_locked, update_locked_in_run, write_atomically};
    pub use crate::secrets::provider_examples;
    pub use crate::sidecar::{
        pending_path, timing_path, update_pending_in_run, EventTimes, Timing,
    };
    pub use crate::verify::{first_difference, verify_file, LineDifference, Problem, Verified};
}
