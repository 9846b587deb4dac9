//! Runs the built `reel` binary:
//! - `check`: exit codes and output on clean, broken and missing cassettes.

mod check;
