//! The command line: arguments only; what they mean is resolved in `cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Record and replay HTTP for tests, with go-vcr v4 cassettes.
#[derive(Debug, Parser)]
#[command(
    name = "reel",
    version,
    after_help = "Exit codes: 0 success, 1 a cassette has a problem, 2 bad usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that cassettes parse, make sense and re-save byte for byte.
    #[command(
        after_help = "Examples:\n  reel check cassettes\n  reel check ../shared/corpus cassettes/openai/multi_tool_streaming.yaml\n\n\
        Exit codes: 0 every cassette is clean, 1 a cassette has a problem, 2 bad usage."
    )]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Cassette files, or directories to search for *.yaml and *.yml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}
