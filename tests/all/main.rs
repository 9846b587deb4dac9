//! reel's cross-crate tests, one binary:
//! - `corpus`: every real go-vcr cassette loads and re-saves byte for byte;
//! - `bad_input`: broken files give errors with file, line, column and a fix;
//! - `roundtrip_property`: arbitrary bodies survive write -> read -> write;
//! - `saving`: saves are atomic, create directories, keep the dialect;
//! - `openai_0_43`, `openai_0_42`: async-openai through reel, in-process and
//!   through reel-server, with the two latest minors (one source, `openai.rs`);
//! - `adapters`: a miss reads the same through every adapter;
//! - `line_endings`: CRLF checkouts load, replay and re-save as they were;
//! - `go_reader`: what reel records loads in a strict go-vcr-shaped reader;
//! - `latin1`: a header value that is not UTF-8 replays as the same bytes;
//! - `rig`: rig replays the seed through the reqwest middleware, two fields ignored.

mod adapters;
mod bad_input;
mod corpus;
mod go_reader;
mod latin1;
mod line_endings;
/// async-openai 0.43, the latest minor.
#[path = "."]
mod openai_0_43 {
    use async_openai_0_43 as async_openai;
    #[path = "openai.rs"]
    mod tests;
}
/// async-openai 0.42, the one before: the same tests through the same adapter.
#[path = "."]
mod openai_0_42 {
    use async_openai_0_42 as async_openai;
    // The same file on purpose: one source, two async-openai minors.
    #[allow(clippy::duplicate_mod)]
    #[path = "openai.rs"]
    mod tests;
}
mod reqwest_0_12;
mod rig;
mod roundtrip_property;
mod saving;
