//! Benchmarks for reel against the floor and the alternatives, measured side by
//! side in one run and reported as ratios (absolute times drift on shared machines).
//!
//! `cargo bench -p reel-bench` runs every bench: criterion's report (each
//! contender's time with its confidence interval, comparable with a saved
//! baseline), then a Markdown table that `BENCHMARKS.md` copies, whose times and
//! ratios come from contenders timed in alternating rounds ([`Rounds`]) so that
//! load from other processes hits both sides of a ratio alike:
//!
//! - `benches/replay.rs`: one request through a `reqwest` client with middleware,
//!   small JSON body: the floor ([`Floor`]), reel with cassettes of 1, 1,000 and
//!   10,000 interactions, reqwest-vcr on the same interactions, wiremock with as many
//!   mocks;
//! - `benches/streaming.rs`: time to the first and the last server-sent event of a
//!   10 KB and a 10 MB replayed body;
//! - `benches/load_save.rs`: load and save MB/s for the corpus and a synthetic
//!   50 MB cassette ([`synthetic`]) next to `serde_yaml::Value`'s parse of the same
//!   bytes, and peak memory of one load ([`peak_memory`]).
//!
//! # Adding a bench
//! A bench is a `harness = false` criterion target in `benches/` (declare it in
//! `Cargo.toml`). Bench each contender with criterion under
//! `BenchmarkId::new(contender, size)`, then time the same closures with
//! [`Rounds::run`] and print a [`Table`] of [`Rounds::median`] times and
//! [`Rounds::ratio`]s. Keep the whole suite within a few minutes on 2 cores.
//!
//! - `benches/record.rs`: the recording middleware vs the same request sent directly
//!   to `reel-upstream`, time to first byte and total;
//! - `benches/serve.rs`: `reel serve` vs minimal hyper servers answering from memory,
//!   requests per second over keep-alive;
//! - `benches/serve_record.rs`: recording through `reel serve` (mode `all`) vs a
//!   minimal hyper reverse proxy to the same upstream, requests per second;
//! - `benches/serve_load.rs`: the `reel` binary serving the seed at 1, 16, 64 and
//!   256 connections (requests/s, latency, peak RSS) and its RSS after 10,000 and
//!   1,000,000 requests;
//! - `benches/scan.rs`: the secret scan's MB/s over the corpus and a synthetic
//!   cassette.

//!
//! # Quick mode
//! `REEL_BENCH_QUICK=1 cargo bench -p reel-bench -- --test` runs every bench end
//! to end in a few seconds each: criterion runs each benchmark once (`--test`),
//! [`Rounds::run`] times two short rounds, and the long jobs shrink
//! ([`quick`]). The figures mean nothing; a bench that panics or no longer
//! builds fails. `.ci/run` runs it.

#![deny(unsafe_code)]

/// Whether `REEL_BENCH_QUICK` asks for the quick mode (set, and not `0` or
/// empty): every bench checks that it runs, not how fast.
pub fn quick() -> bool {
    std::env::var("REEL_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

mod corpus;
mod floor;
pub mod peak_memory;
mod report;
mod rounds;
pub mod synthetic;
pub mod workload;

pub use corpus::{corpus_dir, corpus_texts};
pub use floor::Floor;
pub use report::{format_duration, Table};
pub use rounds::{Contender, Rounds};
