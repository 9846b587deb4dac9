//! `reel diff A B`: what changed between two cassettes, interaction by
//! interaction (paired by position), with unified diffs of their bodies and
//! WebSocket sessions compared message by message.

use std::io::Write;
use std::path::Path;

use reel_cassette::{ByteString, Cassette, Headers, Interaction};
use similar::TextDiff;

use crate::body::Body;
use crate::cli::DiffArgs;
use crate::render::{count, more_lines, one_line, one_line_bytes, BODY_LINES};
use crate::session_review::Compare;
use crate::style::{paint, ADDED, CHANGED, NOTE, REMOVED};
use crate::Outcome;

/// Lines of context around each change in a body diff.
const CONTEXT: usize = 3;

/// What the resolved command compares and how much it prints.
struct Options<'a> {
    old: &'a Path,
    new: &'a Path,
    full: bool,
}

pub fn run(args: &DiffArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let old = Cassette::load(&args.old)?;
    let new = Cassette::load(&args.new)?;
    let options = Options {
        old: &args.old,
        new: &args.new,
        full: args.full,
    };
    let (mut changed, mut added, mut removed) = (0, 0, 0);
    let longest = old.interactions.len().max(new.interactions.len());
    for i in 0..longest {
        match (old.interactions.get(i), new.interactions.get(i)) {
            (Some(a), Some(b)) => {
                if write_changes(out, i, a, b, &options)? {
                    changed += 1;
                }
            }
            (Some(a), None) => {
                removed += 1;
                writeln!(out, "{}", paint(REMOVED, format!("- {i} {}", title(a))))?;
            }
            (None, Some(b)) => {
                added += 1;
                writeln!(out, "{}", paint(ADDED, format!("+ {i} {}", title(b))))?;
            }
            (None, None) => unreachable!("i is below the longer length"),
        }
    }
    let mut parts = Vec::new();
    for (n, what) in [(changed, "changed"), (added, "added"), (removed, "removed")] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let verdict = if parts.is_empty() {
        "no differences".to_owned()
    } else {
        parts.join(", ")
    };
    writeln!(
        out,
        "{} in {}, {} in {}: {verdict}",
        count(old.interactions.len(), "interaction", "interactions"),
        args.old.display(),
        new.interactions.len(),
        args.new.display(),
    )?;
    Ok(if parts.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Found
    })
}

/// `POST https://api.openai.com/v1/chat/completions`
pub(super) fn title(interaction: &Interaction) -> String {
    format!(
        "{} {}",
        one_line(&interaction.request.method),
        one_line(&interaction.request.url)
    )
}

/// Writes what differs between `a` and `b`, if anything; returns whether they differ.
fn write_changes(
    out: &mut impl Write,
    i: usize,
    a: &Interaction,
    b: &Interaction,
    options: &Options<'_>,
) -> std::io::Result<bool> {
    let (qa, qb) = (&a.request, &b.request);
    let (ra, rb) = (&a.response, &b.response);
    let parts: Vec<&str> = [
        ("method", qa.method != qb.method),
        ("url", qa.url != qb.url),
        ("status", ra.code != rb.code || ra.status != rb.status),
        ("request headers", qa.headers != qb.headers),
        ("request body", qa.body != qb.body),
        ("response headers", ra.headers != rb.headers),
        ("response body", ra.body != rb.body),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    if parts.is_empty() {
        return Ok(false);
    }
    let heading = format!("~ {i} {} ({})", title(a), parts.join(", "));
    writeln!(out, "{}", paint(CHANGED, heading))?;
    let arrow =
        |what: &str, x: &str, y: &str| format!("  {what}: {} -> {}", one_line(x), one_line(y));
    if qa.method != qb.method {
        writeln!(out, "{}", arrow("method", &qa.method, &qb.method))?;
    }
    if qa.url != qb.url {
        writeln!(out, "{}", arrow("url", &qa.url, &qb.url))?;
    }
    if parts.contains(&"status") {
        writeln!(out, "{}", arrow("status", &status(ra), &status(rb)))?;
    }
    if qa.headers != qb.headers {
        let (x, y) = (header_lines(&qa.headers), header_lines(&qb.headers));
        write_diff(out, i, "request headers", &x, &y, options)?;
    }
    if qa.body != qb.body {
        let (x, y) = (
            Body::of(&qa.body, &qa.headers),
            Body::of(&qb.body, &qb.headers),
        );
        write_body_diff(out, i, "request body", &x, &y, options)?;
    }
    if ra.headers != rb.headers {
        let (x, y) = (header_lines(&ra.headers), header_lines(&rb.headers));
        write_diff(out, i, "response headers", &x, &y, options)?;
    }
    let compare = Compare {
        sides: (
            &options.old.display().to_string(),
            &options.new.display().to_string(),
        ),
        fold: false,
        limit: (!options.full).then_some(BODY_LINES),
    };
    // A session is compared message by message.
    if ra.body != rb.body && !crate::session_review::write(out, ra, rb, &compare)? {
        let (x, y) = (
            Body::of(&ra.body, &ra.headers),
            Body::of(&rb.body, &rb.headers),
        );
        write_body_diff(out, i, "response body", &x, &y, options)?;
    }
    Ok(true)
}

/// `200 OK`, or the code when the status text is missing.
pub(super) fn status(response: &reel_cassette::Response) -> String {
    if response.status.is_empty() {
        response.code.to_string()
    } else {
        response.status.clone()
    }
}

/// Headers as `Name: value` lines, names sorted case-insensitively, values in order.
pub(super) fn header_lines(headers: &Headers) -> Vec<String> {
    let mut names: Vec<(&str, &[ByteString])> = headers.iter().collect();
    names.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    names
        .into_iter()
        .flat_map(|(name, values)| {
            values
                .iter()
                .map(move |v| format!("{}: {}", one_line(name), one_line_bytes(v.as_bytes())))
        })
        .collect()
}

fn write_body_diff(
    out: &mut impl Write,
    i: usize,
    what: &str,
    a: &Body<'_>,
    b: &Body<'_>,
    options: &Options<'_>,
) -> std::io::Result<()> {
    if matches!(a, Body::Binary { .. }) || matches!(b, Body::Binary { .. }) {
        // Bytes mean nothing to a reader: say how the size and frames changed.
        return writeln!(out, "  {what}: {} -> {}", a.kind(), b.kind());
    }
    let (x, y) = (a.lines(false), b.lines(false));
    if x == y {
        // Clients draw a new multipart boundary for every request.
        let boundary = match (a, b) {
            (Body::Multipart(_), _) | (_, Body::Multipart(_)) => "multipart boundary, ",
            _ => "",
        };
        return writeln!(
            out,
            "  {what}: the bytes differ only in layout \
             ({boundary}JSON whitespace or key order, line endings)"
        );
    }
    write_diff(out, i, what, &x, &y, options)
}

/// A unified diff of two texts given as lines, indented, coloured, bounded to
/// [`BODY_LINES`] lines unless `--full`.
fn write_diff(
    out: &mut impl Write,
    i: usize,
    what: &str,
    a: &[String],
    b: &[String],
    options: &Options<'_>,
) -> std::io::Result<()> {
    let label_a = format!("{} #{i} {what}", options.old.display());
    let label_b = format!("{} #{i} {what}", options.new.display());
    let text = |lines: &[String]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let (a, b) = (text(a), text(b));
    let diff = TextDiff::from_lines(&a, &b);
    let unified = diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&label_a, &label_b)
        .to_string();
    let lines: Vec<&str> = unified.lines().collect();
    // The two header lines are not counted against the bound.
    let shown = if options.full {
        lines.len()
    } else {
        lines.len().min(BODY_LINES + 2)
    };
    for (n, line) in lines[..shown].iter().enumerate() {
        writeln!(out, "  {}", paint(diff_line_style(n, line), line))?;
    }
    if shown < lines.len() {
        let command = format!(
            "reel diff --full {} {}",
            options.old.display(),
            options.new.display()
        );
        let note = more_lines(lines.len() - shown, &command);
        writeln!(out, "  {}", paint(NOTE, note))?;
    }
    Ok(())
}

/// The style of line `n` of a unified diff: the two file lines and the hunk
/// headers as notes, additions and removals in their colours.
pub(crate) fn diff_line_style(n: usize, line: &str) -> anstyle::Style {
    if n < 2 || line.starts_with("@@") {
        NOTE
    } else if line.starts_with('+') {
        ADDED
    } else if line.starts_with('-') {
        REMOVED
    } else {
        anstyle::Style::new()
    }
}
