//! `reel list CASSETTE...`: one line per interaction, in aligned columns, with
//! the model it asked for and when it was recorded (and how reel knows).

use std::io::Write;

use std::time::SystemTime;

use reel_cassette::provenance::{format_age, recording_dates, Dated, Source};
use reel_cassette::{Cassette, Interaction};

use crate::body::{content_type, stream_pieces};
use crate::cli::ListArgs;
use crate::render::one_line;
use crate::style::{paint, HEADING};
use crate::Outcome;

const COLUMNS: usize = 10;

const TITLES: [&str; COLUMNS] = [
    "ID",
    "METHOD",
    "URL",
    "STATUS",
    "CONTENT-TYPE",
    "REQ-BYTES",
    "RESP-BYTES",
    "EVENTS",
    "MODEL",
    "RECORDED",
];

/// Which columns hold numbers, aligned to the right.
const NUMERIC: [bool; COLUMNS] = [
    true, false, false, false, false, true, true, true, false, false,
];

pub fn run(args: &ListArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let (files, mut outcome) = super::existing_files(&args.paths);
    let headings = files.len() > 1;
    let mut first = true;
    for path in &files {
        let cassette = match Cassette::load(path) {
            Ok(cassette) => cassette,
            Err(err) => {
                super::error(err);
                outcome = outcome.max(Outcome::BadUsage);
                continue;
            }
        };
        if headings {
            if !first {
                writeln!(out)?;
            }
            writeln!(out, "{}:", path.display())?;
        }
        first = false;
        if cassette.interactions.is_empty() {
            writeln!(out, "(no interactions)")?;
            continue;
        }
        let dates = match recording_dates(path, &cassette.interactions) {
            Ok(dates) => dates,
            Err(err) => {
                super::error(err);
                outcome = outcome.max(Outcome::BadUsage);
                continue;
            }
        };
        let now = SystemTime::now();
        let rows: Vec<[String; COLUMNS]> = cassette
            .interactions
            .iter()
            .zip(&dates)
            .enumerate()
            .map(|(id, (interaction, dated))| row(id, interaction, dated, now))
            .collect();
        write_table(out, &rows)?;
    }
    Ok(outcome)
}

fn row(id: usize, interaction: &Interaction, dated: &Dated, now: SystemTime) -> [String; COLUMNS] {
    let (request, response) = (&interaction.request, &interaction.response);
    [
        id.to_string(),
        one_line(&request.method),
        one_line(&request.url),
        response.code.to_string(),
        one_line(content_type(&response.headers).unwrap_or("-")),
        request.body.len().to_string(),
        response.body.len().to_string(),
        events(response).map_or_else(|| "-".to_owned(), |n| n.to_string()),
        dated
            .model
            .as_deref()
            .map_or_else(|| "-".to_owned(), one_line),
        recorded(dated, now),
    ]
}

/// A streamed body's events, or a WebSocket session's messages (a transcript
/// that does not parse counts as none: `reel check` names its bad line).
fn events(response: &reel_cassette::Response) -> Option<usize> {
    if reel_cassette::websocket::is_session(response) {
        return reel_cassette::websocket::Transcript::parse(&response.body)
            .ok()
            .map(|transcript| transcript.messages.len());
    }
    stream_pieces(&response.body, &response.headers)
}

/// `2026-12-05, 3d ago (git)`: the day, the age, and where the date came from
/// (`noted`: the provenance file reel wrote when it recorded; `git`: the last
/// commit of the cassette; `file`: its modification time).
fn recorded(dated: &Dated, now: SystemTime) -> String {
    let source = match dated.source {
        Source::Note => "noted",
        Source::GitCommit => "git",
        Source::Modified => "file",
    };
    format!(
        "{}, {} ago ({source})",
        dated.day(),
        format_age(dated.age(now))
    )
}

fn write_table(out: &mut impl Write, rows: &[[String; COLUMNS]]) -> std::io::Result<()> {
    let mut widths = TITLES.map(|t| t.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; COLUMNS]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if NUMERIC[i] {
                text.push_str(&pad);
                text.push_str(cell);
            } else {
                text.push_str(cell);
                if i + 1 < cells.len() {
                    text.push_str(&pad);
                }
            }
        }
        text
    };
    writeln!(out, "{}", paint(HEADING, line(TITLES)))?;
    for row in rows {
        writeln!(out, "{}", line(row.each_ref().map(String::as_str)))?;
    }
    Ok(())
}
