//! `reel check PATH...`: parse, validate and re-encode each cassette in memory;
//! report anything that would change on save. Only reads.

use std::fmt::Write as _;

use reel_cassette::{verify_file, LineDifference};

use crate::cli::CheckArgs;
use crate::Outcome;

/// Longest line excerpt shown when a re-encoded line differs.
const EXCERPT: usize = 120;

pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let (files, missing) = super::cassette_files(&args.paths);
    for path in &missing {
        eprintln!("reel: {}: no such file or directory", path.display());
    }
    let (mut cassettes, mut interactions, mut problems) = (0, 0, 0);
    for path in &files {
        cassettes += 1;
        let verified = match verify_file(path) {
            Ok(verified) => verified,
            Err(err) => {
                problems += 1;
                println!("{err}");
                continue;
            }
        };
        interactions += verified.cassette.interactions.len();
        for problem in &verified.problems {
            problems += 1;
            println!(
                "{}: interaction {}: {}",
                path.display(),
                problem.interaction,
                problem.message
            );
        }
        if let Some(diff) = &verified.difference {
            problems += 1;
            println!("{}", describe_difference(&path.display().to_string(), diff));
        }
    }
    println!("checked {cassettes} cassettes ({interactions} interactions): {problems} problems");
    Ok(if !missing.is_empty() {
        Outcome::BadUsage
    } else if problems > 0 {
        Outcome::Problems
    } else {
        Outcome::Clean
    })
}

fn describe_difference(path: &str, diff: &LineDifference) -> String {
    let mut out = format!(
        "{path}:{}: saving would change the file from this line",
        diff.line
    );
    let show = |line: &Option<String>| match line {
        Some(line) => excerpt(line),
        None => "(end of file)".to_owned(),
    };
    let (file, reel) = (show(&diff.original), show(&diff.reencoded));
    let _ = write!(out, "\n  file: {file}\n  reel: {reel}");
    if file == reel {
        out.push_str("\n  (the lines differ in line endings or past the excerpt)");
    }
    out
}

fn excerpt(line: &str) -> String {
    if line.chars().count() <= EXCERPT {
        line.to_owned()
    } else {
        let head: String = line.chars().take(EXCERPT).collect();
        format!("{head}… ({} bytes)", line.len())
    }
}
