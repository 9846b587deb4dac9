//! `reel list CASSETTE...`: one line per interaction, in aligned columns.

use std::io::Write;

use reel_cassette::{Cassette, Interaction};

use crate::body::{content_type, stream_pieces};
use crate::cli::ListArgs;
use crate::render::one_line;
use crate::style::{paint, HEADING};
use crate::Outcome;

const TITLES: [&str; 8] = [
    "ID",
    "METHOD",
    "URL",
    "STATUS",
    "CONTENT-TYPE",
    "REQ-BYTES",
    "RESP-BYTES",
    "EVENTS",
];

/// Which columns hold numbers, aligned to the right.
const NUMERIC: [bool; 8] = [true, false, false, false, false, true, true, true];

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
        let rows: Vec<[String; 8]> = cassette
            .interactions
            .iter()
            .enumerate()
            .map(|(id, interaction)| row(id, interaction))
            .collect();
        write_table(out, &rows)?;
    }
    Ok(outcome)
}

fn row(id: usize, interaction: &Interaction) -> [String; 8] {
    let (request, response) = (&interaction.request, &interaction.response);
    [
        id.to_string(),
        one_line(&request.method),
        one_line(&request.url),
        response.code.to_string(),
        one_line(content_type(&response.headers).unwrap_or("-")),
        request.body.len().to_string(),
        response.body.len().to_string(),
        stream_pieces(&response.body, &response.headers)
            .map_or_else(|| "-".to_owned(), |n| n.to_string()),
    ]
}

fn write_table(out: &mut impl Write, rows: &[[String; 8]]) -> std::io::Result<()> {
    let mut widths = TITLES.map(|t| t.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 8]| {
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
