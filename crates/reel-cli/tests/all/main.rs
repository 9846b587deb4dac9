//! Runs the built `reel` binary, one module per command:
//! - `check`: exit codes and output on clean, broken, leaky and missing cassettes;
//! - `list`, `show`, `diff`: output pinned for the seed, bad input;
//! - `scrub`, `fmt`: files rewritten or left alone, `--check`, bad input;
//! - `serve`: the first stdout line, replay and recording over HTTP, the log,
//!   SIGTERM, bad usage, every corpus request answered byte for byte;
//! - `review`: pending re-records shown, accepted, rejected; `check` and `show`
//!   on the pending and timing files beside a cassette;
//! - `session`: WebSocket sessions in `show`, `review` and `diff`, message by
//!   message, on generated sessions of varied shape;
//! - `help`: exit codes and examples in every command's help, colour rules.
//!
//! `support` runs the binary and compares output with `pinned/`;
//! `REEL_UPDATE_PINNED=1 cargo test -p reel-cli` rewrites those files (not in CI).

mod check;
mod diff;
mod fmt;
mod help;
mod list;
mod review;
mod scrub;
mod serve;
mod session;
mod show;
mod support;
