//! The checks behind reel's fuzz targets.
//!
//! Each public function takes the fuzzer's bytes and panics when reel breaks a
//! promise on them: a parser that panics, a written cassette that does not load
//! back equal, a stream split that loses a byte, a request that does not match
//! its own recording, a report that grows with its input. The targets in
//! `fuzz/fuzz_targets/` call them under libFuzzer (nightly, `cargo fuzz run`); the
//! test `tests/corpus.rs` calls them on every file of the committed corpus and on
//! every recorded finding, on stable, so CI checks them without a fuzzer.
//!
//! | target | function |
//! |---|---|
//! | `load` | [`load`] |
//! | `roundtrip` | [`roundtrip`] |
//! | `stream_events` | [`stream_events`] |
//! | `normalize` | [`normalize`] |
//! | `report` | [`report`] |

mod generate;
mod targets;

pub use generate::TRICKY;
pub use targets::{
    generated_yaml, load, normalize, report, roundtrip, stream_events, Check, TARGETS,
};
