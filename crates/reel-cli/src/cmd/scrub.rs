//! `reel scrub PATH... [--check] [--secrets]`: apply the redaction rules
//! recording uses to cassettes already on disk, rewriting each changed one
//! atomically in its own layout, then scan the result with the secret scanner
//! recording and `reel check` use. With `--secrets`, every credential the scan
//! finds is replaced by a placeholder naming its kind (a key a stream cut
//! across events too); what is still left is reported, and the command exits 1.

use std::io::Write;
use std::path::Path;

use anyhow::bail;
use reel_cassette::__private::{lock_cassette, write_atomically};
use reel_cassette::{Cassette, Finding, Headers, Redaction, SecretScanner};

use crate::cli::ScrubArgs;
use crate::render::{count, one_line};
use crate::Outcome;

/// The rules the command line asks for: the defaults, widened or narrowed.
fn redaction(args: &ScrubArgs) -> anyhow::Result<Redaction> {
    let mut rules = Redaction::default();
    if args.keep_all_headers {
        rules = rules.keep_all_headers();
    }
    for name in &args.keep_header {
        rules = rules.keep_header(name);
    }
    for name in &args.param {
        rules = rules.redact_param(name);
    }
    for pointer in &args.json_field {
        if let Err(err) = reel_cassette::FieldPointer::parse(pointer) {
            bail!("--json-field {pointer}: {err}");
        }
        rules = rules.redact_json_field(pointer);
    }
    Ok(rules)
}

pub fn run(args: &ScrubArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let rules = redaction(args)?;
    let scanner = SecretScanner::new();
    let (files, mut outcome) = super::existing_files(&args.paths);
    let mut changed = 0;
    let mut left = 0;
    for path in &files {
        match scrub_file(path, &rules, &scanner, args) {
            Ok(Scrubbed { summary, findings }) => {
                if let Some(summary) = summary {
                    changed += 1;
                    let verb = if args.check {
                        "would scrub"
                    } else {
                        "scrubbed"
                    };
                    writeln!(out, "{}: {verb} ({summary})", path.display())?;
                }
                for finding in &findings {
                    // The field may be a header name taken from the file: one line.
                    writeln!(
                        out,
                        "{}: still holds a credential: {}",
                        path.display(),
                        one_line(&finding.to_string())
                    )?;
                }
                left += findings.len();
            }
            Err(err) => {
                super::error(err);
                outcome = outcome.max(Outcome::BadUsage);
            }
        }
    }
    let total = count(files.len(), "cassette", "cassettes");
    if args.check {
        write!(out, "{changed} of {total} would be scrubbed")?;
        if changed > 0 {
            write!(out, " (run reel scrub without --check to scrub them)")?;
            outcome = outcome.max(Outcome::Found);
        }
        writeln!(out)?;
    } else {
        writeln!(out, "scrubbed {changed} of {total}")?;
    }
    if left > 0 {
        writeln!(
            out,
            "{} the rules do not remove: {}",
            count(left, "credential", "credentials"),
            if args.secrets {
                "edit the file (the scrub does not reach where they are)"
            } else {
                "run reel scrub --secrets to replace them with placeholders, or redact them with --json-field or --param"
            }
        )?;
        outcome = outcome.max(Outcome::Found);
    }
    Ok(outcome)
}

/// What scrubbing one cassette did and left.
struct Scrubbed {
    /// What changed, or `None` when the rules change nothing.
    summary: Option<String>,
    /// Credentials the scrubbed cassette still holds.
    findings: Vec<Finding>,
}

/// Scrubs one cassette (unless `check`), says what changed and what credentials
/// it still holds. The lock keeps a recording test from saving the same
/// cassette between our read and our write.
fn scrub_file(
    path: &Path,
    rules: &Redaction,
    scanner: &SecretScanner,
    args: &ScrubArgs,
) -> reel_cassette::Result<Scrubbed> {
    let check = args.check;
    let _lock = if check {
        None
    } else {
        Some(lock_cassette(path)?)
    };
    let original = Cassette::load(path)?;
    let mut scrubbed = original.clone();
    for interaction in &mut scrubbed.interactions {
        rules.apply_to_request(&mut interaction.request);
        rules.apply_to_response(&mut interaction.response);
    }
    let replaced = if args.secrets {
        scanner.scrub(&mut scrubbed).len()
    } else {
        0
    };
    let findings = scanner.scan(&scrubbed);
    if scrubbed == original {
        return Ok(Scrubbed {
            summary: None,
            findings,
        });
    }
    if !check {
        write_atomically(path, scrubbed.to_yaml().as_bytes())?;
    }
    Ok(Scrubbed {
        summary: Some(summary(&original, &scrubbed, replaced)),
        findings,
    })
}

/// `1 credential replaced, 2 headers removed (Authorization, Set-Cookie), 1 URL redacted, 1 body redacted`
fn summary(before: &Cassette, after: &Cassette, credentials: usize) -> String {
    let mut removed: Vec<String> = Vec::new();
    let (mut removed_count, mut urls, mut forms, mut bodies) = (0, 0, 0, 0);
    let mut headers_removed = |a: &Headers, b: &Headers| {
        for (name, _) in a.iter() {
            if !b.contains(name) {
                removed_count += 1;
                if !removed.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                    removed.push(name.to_owned());
                }
            }
        }
    };
    for (x, y) in before.interactions.iter().zip(&after.interactions) {
        headers_removed(&x.request.headers, &y.request.headers);
        headers_removed(&x.request.trailer, &y.request.trailer);
        headers_removed(&x.response.headers, &y.response.headers);
        headers_removed(&x.response.trailer, &y.response.trailer);
        urls += usize::from(x.request.url != y.request.url);
        forms += x
            .request
            .form
            .iter()
            .filter(|(name, values)| y.request.form.get_all(name) != *values)
            .count();
        bodies += usize::from(x.request.body != y.request.body);
        bodies += usize::from(x.response.body != y.response.body);
    }
    let mut parts = Vec::new();
    if credentials > 0 {
        parts.push(format!(
            "{} replaced",
            count(credentials, "credential", "credentials")
        ));
    }
    if removed_count > 0 {
        parts.push(format!(
            "{} removed ({})",
            count(removed_count, "header", "headers"),
            removed.join(", ")
        ));
    }
    for (n, one, many) in [
        (urls, "URL", "URLs"),
        (forms, "form parameter", "form parameters"),
        (bodies, "body", "bodies"),
    ] {
        if n > 0 {
            parts.push(format!("{} redacted", count(n, one, many)));
        }
    }
    parts.join(", ")
}
