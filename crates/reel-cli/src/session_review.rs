//! Two recordings of a WebSocket session compared message by message, for
//! `reel review` and `reel diff`: the text the sessions' deltas assemble as a
//! word diff, then the sessions' lines (each message, runs of deltas
//! condensed, as `reel show` prints them) aligned, each changed one shown once
//! with its changed words marked and its position (`#3: -> text ...`).

use std::io::Write;

use reel_cassette::Response;

use crate::paired::{Entry, Layout};
use crate::session::{self, Item};
use crate::stream_review::{folded_note, write_answer_diff, write_assembled};

/// How a session comparison is written.
pub struct Compare<'a> {
    /// What the old and new sides are called in a note on a transcript that
    /// does not parse (`the cassette`, `a.yaml`).
    pub sides: (&'a str, &'a str),
    /// Whether the fields that change on every call are left out of JSON
    /// messages.
    pub fold: bool,
    /// Most changed lines shown; `None` for all.
    pub limit: Option<usize>,
}

/// Writes the comparison of two session responses, indented by two spaces,
/// and returns `true`; returns `false`, having written nothing, when either
/// is not a session. A transcript that does not parse gets a note naming its
/// line, and `false`: the caller compares the bodies as text.
pub fn write(
    out: &mut impl Write,
    old: &Response,
    new: &Response,
    compare: &Compare<'_>,
) -> std::io::Result<bool> {
    let (Some(a), Some(b)) = (session::transcript(old), session::transcript(new)) else {
        return Ok(false);
    };
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for (side, parsed) in [(compare.sides.0, a), (compare.sides.1, b)] {
                if let Err(err) = parsed {
                    writeln!(out, "  {side}: {err}; the bodies are compared as text")?;
                }
            }
            return Ok(false);
        }
    };
    let (old_json, new_json) = (session::json_messages(&a), session::json_messages(&b));
    write_answer_diff(out, &old_json, &new_json)?;
    let (old_items, _) = session::items(&a, true, compare.fold);
    let (new_items, folded) = session::items(&b, true, compare.fold);
    let (m, n) = (a.messages.len(), b.messages.len());
    let (old_entries, new_entries) = (entries(&old_items), entries(&new_items));
    let mut heading = format!("messages: {m} -> {n}");
    if old_entries.len() != m || new_entries.len() != n {
        heading.push_str(&format!(
            " (deltas condensed: {} -> {} lines)",
            old_entries.len(),
            new_entries.len()
        ));
    }
    let layout = Layout {
        heading,
        note: &folded_note(compare.fold, folded),
        limit: compare.limit,
        shorten: true,
    };
    crate::paired::write(out, &old_entries, &new_entries, &layout)?;
    let lines = |entries: &[Entry]| entries.iter().map(Entry::line).collect::<Vec<_>>();
    if lines(&old_entries) == lines(&new_entries) {
        writeln!(
            out,
            "  the messages differ only in what these lines leave out \
             (audio content, JSON layout, folded fields)"
        )?;
    }
    Ok(true)
}

/// The lines of a session as compared: one per message, one per delta type
/// of a run, each labelled with its messages' positions, its arrow and kind
/// shown whole, its payload word by word.
fn entries(items: &[Item]) -> Vec<Entry> {
    items
        .iter()
        .flat_map(|item| {
            item.parts.iter().map(|part| Entry {
                label: item.label(),
                head: format!("{} {}", session::arrow(item.direction), part.head),
                body: part.body.clone(),
            })
        })
        .collect()
}

/// What an added or removed session's deltas assemble, per part; nothing for
/// a transcript that does not parse.
pub fn write_summary_answers(out: &mut impl Write, response: &Response) -> std::io::Result<()> {
    match session::transcript(response) {
        Some(Ok(transcript)) => {
            let json = session::json_messages(&transcript);
            write_assembled(out, &json)
        }
        _ => Ok(()),
    }
}
