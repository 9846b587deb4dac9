//! `reel`: check, inspect, compare, scrub and format HTTP cassettes, and serve them
//! over HTTP.
//!
//! Exit codes: 0 success, 1 found something (a cassette has a problem, `diff`
//! found differences, `--check` would change a file, `serve` stopped before its
//! responses in flight were sent), 2 bad usage or unreadable input (unknown flag,
//! missing path, a cassette that does not load).

#![deny(unsafe_code)]

mod body;
mod cli;
mod cmd;
mod paired;
mod render;
mod session;
mod session_review;
mod stream_review;
mod style;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

/// How a command ended, mapped to the process exit code at the edge. Ordered
/// from best to worst, so that `max` combines the outcomes of several files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything checked out, nothing differs, nothing to change: exit 0.
    Clean,
    /// Found something: a problem, a secret, a difference, a file `--check`
    /// would change, a server stopped before its responses were sent: exit 1.
    Found,
    /// The command line named something unusable, or an input did not load
    /// where loading is not the point of the command: exit 2.
    BadUsage,
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Colour only on a terminal; `NO_COLOR` and `CLICOLOR_FORCE` are honoured.
    let mut out = anstream::stdout().lock();
    let result = match &cli.command {
        cli::Command::Check(args) => cmd::check::run(args, &mut out),
        cli::Command::List(args) => cmd::list::run(args, &mut out),
        cli::Command::Show(args) => cmd::show::run(args, &mut out),
        cli::Command::Diff(args) => cmd::diff::run(args, &mut out),
        cli::Command::Scrub(args) => cmd::scrub::run(args, &mut out),
        cli::Command::Fmt(args) => cmd::fmt::run(args, &mut out),
        cli::Command::Serve(args) => cmd::serve::run(args, &mut out),
        cli::Command::Review(args) => cmd::review::run(args, &mut out),
    }
    .and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Ok(Outcome::BadUsage) => ExitCode::from(2),
        // `reel list big.yaml | head`: the reader has all it wants.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = out.flush();
            eprintln!("reel: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, skipping a cause whose text the message already
/// holds (cassette errors include their I/O error in their own text).
pub fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
