//! `reel show CASSETTE [ID]`: interactions in full, for people: headers, JSON
//! bodies pretty-printed, stream bodies one event per line, WebSocket sessions
//! one message per line (runs of deltas condensed unless `--full`).

use std::io::Write;

use anyhow::bail;
use reel_cassette::__private::{EventTimes, Timing};
use reel_cassette::websocket::{Transcript, TranscriptError};
use reel_cassette::{go_duration, ByteString, Cassette, Headers, Interaction};

use crate::body::{event_line, Body};
use crate::cli::ShowArgs;
use crate::render::{excerpt, more_lines, one_line, one_line_bytes, BODY_LINES, LINE_CHARS};
use crate::style::{paint, DIM, HEADING, NOTE};
use crate::Outcome;

/// How the resolved command shows bodies.
struct Options {
    /// Show whole bodies and lines.
    full: bool,
}

pub fn run(args: &ShowArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let cassette = Cassette::load(&args.path)?;
    let total = cassette.interactions.len();
    let chosen: Vec<(usize, &Interaction)> = match args.id {
        Some(id) if id >= total => bail!(
            "{}: there is no interaction {id}: the cassette has {} (reel list {} shows them)",
            args.path.display(),
            match total {
                0 => "none".to_owned(),
                1 => "1, with id 0".to_owned(),
                n => format!("{n}, with ids 0 to {}", n - 1),
            },
            args.path.display()
        ),
        Some(id) => vec![(id, &cassette.interactions[id])],
        None => cassette.interactions.iter().enumerate().collect(),
    };
    if chosen.is_empty() {
        writeln!(out, "(no interactions)")?;
    }
    let options = Options { full: args.full };
    // When each event arrived, from the timing file a recording left beside
    // the cassette; a timing file that does not parse only costs the times.
    let timing = Timing::load_for(&args.path).unwrap_or_else(|err| {
        super::error(format_args!("warning: {err}"));
        None
    });
    for (n, (id, interaction)) in chosen.into_iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let times = timing
            .as_ref()
            .and_then(|timing| timing.for_interaction(id, interaction));
        show_interaction(out, id, total, interaction, times, &options)?;
    }
    Ok(Outcome::Clean)
}

fn show_interaction(
    out: &mut impl Write,
    id: usize,
    total: usize,
    interaction: &Interaction,
    times: Option<&EventTimes>,
    options: &Options,
) -> std::io::Result<()> {
    let (request, response) = (&interaction.request, &interaction.response);
    writeln!(
        out,
        "{}",
        paint(HEADING, format!("interaction {id} of {total}"))
    )?;

    writeln!(
        out,
        "{} {} {} {}",
        paint(DIM, "request:"),
        one_line(&request.method),
        one_line(&request.url),
        paint(DIM, &request.proto)
    )?;
    if !request.host.is_empty() {
        writeln!(out, "  host: {}", one_line_bytes(request.host.as_bytes()))?;
    }
    write_list(out, "transfer_encoding", &request.transfer_encoding)?;
    write_headers(out, "", &request.headers)?;
    write_headers(out, "trailer ", &request.trailer)?;
    if !request.form.is_empty() {
        let pairs: Vec<String> = request
            .form
            .iter()
            .flat_map(|(name, values)| {
                values
                    .iter()
                    .map(move |v| format!("{}={}", one_line(name), one_line_bytes(v.as_bytes())))
            })
            .collect();
        writeln!(out, "  form: {}", pairs.join("&"))?;
    }
    write_length(out, request.content_length, request.body.len())?;
    write_body(
        out,
        &Body::of(&request.body, &request.headers),
        request.body.len(),
        None,
        options,
    )?;

    writeln!(
        out,
        "{} {} {}, headers after {}",
        paint(DIM, "response:"),
        paint(DIM, &response.proto),
        one_line(&response.status),
        go_duration::format(response.duration)
    )?;
    write_list(out, "transfer_encoding", &response.transfer_encoding)?;
    write_headers(out, "", &response.headers)?;
    write_headers(out, "trailer ", &response.trailer)?;
    if response.uncompressed {
        writeln!(
            out,
            "  uncompressed: the body was gunzipped before it was stored"
        )?;
    } else {
        write_length(out, response.content_length, response.body.len())?;
    }
    match crate::session::transcript(response) {
        Some(parsed) => write_session(out, response, &parsed, times, options),
        None => write_body(
            out,
            &Body::of(&response.body, &response.headers),
            response.body.len(),
            times,
            options,
        ),
    }
}

/// A WebSocket session's transcript, message by message (`[3] -> text
/// {...}`), runs of deltas condensed unless `--full`; a transcript that does
/// not parse says which line and why, then shows the body as it is.
fn write_session(
    out: &mut impl Write,
    response: &reel_cassette::Response,
    parsed: &Result<Transcript, TranscriptError>,
    times: Option<&EventTimes>,
    options: &Options,
) -> std::io::Result<()> {
    let len = response.body.len();
    let kind = crate::session::kind(parsed);
    let Ok(transcript) = parsed else {
        writeln!(out, "  body: {len} bytes, {kind}; shown as it is:")?;
        let body = Body::of(&response.body, &response.headers);
        return write_lines(out, &body.lines(true), options);
    };
    writeln!(
        out,
        "  body: {len} bytes, {kind} ({})",
        crate::session::LEGEND
    )?;
    let times = times.map(|times| &times.events_ms[..]);
    let lines = crate::session::show_lines(transcript, times, !options.full);
    write_lines(out, &lines, options)
}

fn write_list(out: &mut impl Write, name: &str, items: &[ByteString]) -> std::io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let items: Vec<String> = items.iter().map(|i| one_line_bytes(i.as_bytes())).collect();
    writeln!(out, "  {name}: {}", items.join(", "))
}

fn write_headers(out: &mut impl Write, prefix: &str, headers: &Headers) -> std::io::Result<()> {
    for (name, values) in headers.iter() {
        for value in values {
            writeln!(
                out,
                "  {prefix}{}: {}",
                one_line(name),
                one_line_bytes(value.as_bytes())
            )?;
        }
    }
    Ok(())
}

/// The announced length, only when it disagrees with the body.
fn write_length(out: &mut impl Write, announced: i64, len: usize) -> std::io::Result<()> {
    if announced > 0 && announced != len as i64 {
        writeln!(
            out,
            "  content_length: {announced} (the body has {len} bytes)"
        )?;
    }
    Ok(())
}

fn write_body(
    out: &mut impl Write,
    body: &Body<'_>,
    len: usize,
    times: Option<&EventTimes>,
    options: &Options,
) -> std::io::Result<()> {
    match body {
        Body::Empty | Body::Binary { .. } => writeln!(out, "  body: {}", body.kind())?,
        _ => writeln!(out, "  body: {len} bytes, {}", body.kind())?,
    }
    let lines = match (body, times) {
        // `[3] 50.2ms data: {...}`: when the event arrived, after the headers.
        (Body::Events(events), Some(times)) if times.events_ms.len() == events.len() => events
            .iter()
            .zip(&times.events_ms)
            .enumerate()
            .map(|(i, (event, ms))| format!("[{i}] {ms:.1}ms {}", event_line(event)))
            .collect(),
        (_, Some(times)) => {
            let times: Vec<String> = times
                .events_ms
                .iter()
                .map(|ms| format!("{ms:.1}"))
                .collect();
            writeln!(
                out,
                "  event times (ms after headers): {}",
                times.join(", ")
            )?;
            body.lines(true)
        }
        (_, None) => body.lines(true),
    };
    write_lines(out, &lines, options)
}

/// Body lines, indented by four spaces; without `--full` at most
/// [`BODY_LINES`] of them, each cut to [`LINE_CHARS`], with a note on the rest.
fn write_lines(out: &mut impl Write, lines: &[String], options: &Options) -> std::io::Result<()> {
    let shown = if options.full {
        lines.len()
    } else {
        lines.len().min(BODY_LINES)
    };
    for line in &lines[..shown] {
        let line = if options.full {
            line.clone()
        } else {
            excerpt(line, LINE_CHARS)
        };
        writeln!(out, "    {line}")?;
    }
    if shown < lines.len() {
        let note = more_lines(lines.len() - shown, "reel show --full");
        writeln!(out, "    {}", paint(NOTE, note))?;
    }
    Ok(())
}
