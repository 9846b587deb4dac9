//! `reel`: check, inspect and serve HTTP cassettes.
//!
//! Exit codes: 0 success, 1 a cassette has a problem, 2 bad usage (unknown flag,
//! missing path).

#![deny(unsafe_code)]

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser as _;

/// How a command ended, mapped to the process exit code at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked out: exit 0.
    Clean,
    /// A cassette has a problem: exit 1.
    Problems,
    /// The command line named something unusable: exit 2.
    BadUsage,
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Check(args) => cmd::check::run(&args),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Problems) => ExitCode::from(1),
        Ok(Outcome::BadUsage) => ExitCode::from(2),
        Err(err) => {
            eprintln!("reel: {err:#}");
            ExitCode::from(2)
        }
    }
}
