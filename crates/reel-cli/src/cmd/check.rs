//! `reel check PATH...`: parse, validate and re-encode each cassette in memory,
//! scan it for credentials, and report anything that would change on save,
//! and re-records waiting for `reel review` (`NAME.yaml.pending`). Only reads.

use std::fmt::Write as _;
use std::io::Write;

use reel_cassette::__private::{verify_file, LineDifference};
use reel_cassette::{Cassette, SecretScanner};

use crate::cli::CheckArgs;
use crate::render::{excerpt, one_line};
use crate::style::{paint, CHANGED};
use crate::Outcome;

/// Longest line excerpt shown when a re-encoded line differs.
const EXCERPT: usize = 120;

pub fn run(args: &CheckArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let (files, paths_outcome) = super::existing_files(&args.paths);
    let scanner = SecretScanner::new();
    let (mut cassettes, mut interactions, mut problems, mut warnings) = (0, 0, 0, 0);
    for path in &files {
        cassettes += 1;
        let verified = match verify_file(path) {
            Ok(verified) => verified,
            Err(err) => {
                problems += 1;
                writeln!(out, "{err}")?;
                continue;
            }
        };
        let shown = path.display();
        interactions += verified.cassette.interactions.len();
        for problem in &verified.problems {
            problems += 1;
            writeln!(
                out,
                "{shown}: interaction {}: {}",
                problem.interaction, problem.message
            )?;
        }
        if let Some(diff) = &verified.difference {
            problems += 1;
            writeln!(out, "{}", describe_difference(&shown.to_string(), diff))?;
        }
        for finding in scanner.scan(&verified.cassette) {
            problems += 1;
            // The field may be a header name taken from the file: keep it on one line.
            writeln!(out, "{shown}: {}", one_line(&finding.to_string()))?;
        }
        if let Some(max_age) = args.max_age {
            match reel_cassette::provenance::expired(
                path,
                &verified.cassette.interactions,
                max_age,
                std::time::SystemTime::now(),
            ) {
                Ok(Some(expired)) => {
                    problems += 1;
                    writeln!(
                        out,
                        "{} (re-record it: REEL_RECORD=all)",
                        expired.describe(path)
                    )?;
                }
                Ok(None) => {}
                Err(err) => {
                    problems += 1;
                    writeln!(out, "{err}")?;
                }
            }
        }
        for warning in length_warnings(&verified.cassette) {
            warnings += 1;
            writeln!(out, "{shown}: {warning}")?;
        }
    }
    // A re-record waiting for review is unreviewed work: in CI, a problem.
    let (pending, _missing) = super::pending_files(&args.paths);
    for path in &pending {
        problems += 1;
        writeln!(
            out,
            "{}: pending review (run: reel review {})",
            path.display(),
            super::cassette_of(path).display()
        )?;
    }
    write!(
        out,
        "checked {cassettes} cassettes ({interactions} interactions): {problems} problems"
    )?;
    if warnings > 0 {
        write!(out, ", {warnings} warnings")?;
    }
    writeln!(out)?;
    let found = if problems > 0 {
        Outcome::Found
    } else {
        Outcome::Clean
    };
    Ok(paths_outcome.max(found))
}

/// `interaction 0: warning: request content_length 12 but the body has 10 bytes`,
/// for each announced length that disagrees with the stored body. Hand-edited
/// cassettes do this and still replay, so these are warnings, not problems.
/// A length of 0 means none was sent and -1 unknown; a response that was
/// decompressed before it was stored announced its compressed length.
fn length_warnings(cassette: &Cassette) -> Vec<String> {
    let mut warnings = Vec::new();
    for (i, interaction) in cassette.interactions.iter().enumerate() {
        let (request, response) = (&interaction.request, &interaction.response);
        let mut compare = |side: &str, announced: i64, body: usize| {
            if announced > 0 && announced != body as i64 {
                warnings.push(format!(
                    "interaction {i}: {}: {side} content_length {announced} but the body has {body} bytes",
                    paint(CHANGED, "warning")
                ));
            }
        };
        compare("request", request.content_length, request.body.len());
        if !response.uncompressed {
            compare("response", response.content_length, response.body.len());
        }
    }
    warnings
}

fn describe_difference(path: &str, diff: &LineDifference) -> String {
    let mut out = format!(
        "{path}:{}: saving would change the file from this line",
        diff.line
    );
    let show = |line: &Option<String>| match line {
        Some(line) => excerpt(line, EXCERPT),
        None => "(end of file)".to_owned(),
    };
    let (file, reel) = (show(&diff.original), show(&diff.reencoded));
    let _ = write!(out, "\n  file: {file}\n  reel: {reel}");
    let only_line_end = matches!(
        (&diff.original, &diff.reencoded),
        (Some(file), Some(reel)) if file.strip_suffix('\r') == Some(reel.as_str())
            || reel.strip_suffix('\r') == Some(file.as_str())
    );
    if only_line_end {
        out.push_str(
            "\n  (only the line ending differs: the file mixes \\r\\n and \\n line ends, as a \
             checkout that converted some lines leaves it; add `*.yaml -text` to \
             .gitattributes and check the file out again, or run `reel fmt` on it)",
        );
    } else if file == reel {
        out.push_str("\n  (the lines differ past the excerpt)");
    }
    out
}
