//! A re-recorded server-sent event stream as a person reads it: the assembled
//! answer (per choice, content block, candidate, tool call or delta type) old
//! against new as a word diff, then the events aligned, each changed one shown
//! once with its changed words marked (`[-old-]{+new+}`), unchanged runs
//! counted, and the fields that change on every call (ids, timestamps,
//! fingerprints, server timings) folded away with a count. The answer, the
//! word diff and the folding serve WebSocket sessions too (`session_review`).

use std::collections::BTreeMap;
use std::io::Write;

use reel_cassette::{stream_events, Bytes, StreamKind};
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::paired::{Entry, Layout};
use crate::render::canonical_json_line;

/// Fields that change on every call, whatever the answer: folded unless asked.
const VOLATILE: [&str; 15] = [
    "id",
    "created",
    "created_at",
    "system_fingerprint",
    "obfuscation",
    "item_id",
    "response_id",
    "responseId",
    "createTime",
    "request_id",
    "queue_time",
    "prompt_time",
    "completion_time",
    "total_time",
    "event_id",
];

/// The longest unchanged or added answer shown whole.
const ANSWER_CHARS: usize = 160;

/// Most changed events shown; the rest are counted.
pub(crate) const SHOWN: usize = 12;

/// One event: its text as compared (volatile fields folded), and its JSON.
struct Event {
    line: String,
    json: Option<Value>,
}

/// The events of a server-sent event body, volatile fields folded; how many
/// were folded.
fn events(body: &Bytes, fold_volatile: bool) -> (Vec<Event>, usize) {
    let mut folded = 0;
    let events = stream_events(body, StreamKind::ServerSentEvents)
        .map(|event| {
            let text = String::from_utf8_lossy(&event);
            let data: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:").map(str::trim_start))
                .collect();
            let data = data.join("\n");
            match serde_json::from_str::<Value>(&data) {
                Ok(mut json) => {
                    if fold_volatile {
                        folded += fold(&mut json);
                    }
                    Event {
                        line: canonical_json_line(&json),
                        json: Some(json),
                    }
                }
                Err(_) => Event {
                    line: text.trim_end().replace('\n', " | "),
                    json: None,
                },
            }
        })
        .collect();
    (events, folded)
}

/// Removes the volatile fields at every depth; how many.
pub(crate) fn fold(value: &mut Value) -> usize {
    match value {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|key, _| !VOLATILE.contains(&key.as_str()));
            before - map.len() + map.values_mut().map(fold).sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(fold).sum(),
        _ => 0,
    }
}

/// The text JSON events assemble, by part: OpenAI chat deltas and tool-call
/// arguments, Anthropic content blocks, Gemini parts, and the `delta` of any
/// event whose `type` ends in `.delta` (the Responses API's `output text` and
/// `function call arguments`, the Realtime API's `text` and `audio transcript`:
/// the type's last segment), audio deltas (base64) left out. Parts in the
/// order they first appear.
pub(crate) fn assembled<'v>(events: impl IntoIterator<Item = &'v Value>) -> Vec<(String, String)> {
    let mut order: Vec<String> = Vec::new();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut add = |part: String, text: &str| {
        if !texts.contains_key(&part) {
            order.push(part.clone());
        }
        texts.entry(part).or_default().push_str(text);
    };
    for json in events {
        let str_at = |pointer: &str| json.pointer(pointer).and_then(Value::as_str);
        for (i, choice) in json["choices"].as_array().into_iter().flatten().enumerate() {
            let i = choice["index"].as_u64().unwrap_or(i as u64);
            if let Some(text) = choice.pointer("/delta/content").and_then(Value::as_str) {
                add(format!("choice {i}"), text);
            }
            for (j, call) in choice
                .pointer("/delta/tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let j = call["index"].as_u64().unwrap_or(j as u64);
                if let Some(args) = call.pointer("/function/arguments").and_then(Value::as_str) {
                    add(format!("choice {i} tool call {j}"), args);
                }
            }
        }
        match str_at("/type") {
            Some(kind) if delta_part(kind).is_some() => {
                if let (Some(part), Some(delta)) = (delta_part(kind), str_at("/delta")) {
                    add(part, delta);
                }
            }
            Some("content_block_delta") => {
                let index = json["index"].as_u64().unwrap_or(0);
                let text = str_at("/delta/text")
                    .or_else(|| str_at("/delta/partial_json"))
                    .unwrap_or("");
                add(format!("content block {index}"), text);
            }
            _ => {}
        }
        for (i, candidate) in json["candidates"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            for part in candidate
                .pointer("/content/parts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(text) = part["text"].as_str() {
                    add(format!("candidate {i}"), text);
                }
            }
        }
    }
    order
        .into_iter()
        .map(|part| {
            let text = texts.remove(&part).unwrap_or_default();
            (part, text)
        })
        .collect()
}

/// The part a `*.delta` event's text belongs to, named by its type's last
/// segment (`response.output_text.delta`: `output text`); `None` for other
/// types and for audio, whose deltas are base64 (`response.audio.delta`).
pub(crate) fn delta_part(kind: &str) -> Option<String> {
    let stem = kind.strip_suffix(".delta")?;
    if stem.ends_with("audio") {
        return None;
    }
    let last = stem.rsplit('.').next().unwrap_or(stem);
    Some(last.replace('_', " "))
}

/// Words (runs of letters and digits), runs of spaces, and single other
/// characters: what a change is marked in, so that in a JSON line
/// `"content":"6"` against `"content":"six"` marks `6` and `six` alone.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let kind = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut previous: Option<u8> = None;
    for (at, c) in text.char_indices() {
        let k = kind(c);
        if previous.is_some_and(|p| p != k || k == 2) {
            out.push(&text[start..at]);
            start = at;
        }
        previous = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// A stretch of the two texts: the same on both sides, or changed.
enum Segment {
    Same(String),
    Changed(String, String),
}

/// The two texts as stretches, changes separated only by spaces joined into
/// one (`[-w150 w151-]{+different words+}`).
fn segments(old: &str, new: &str) -> Vec<Segment> {
    let (old, new) = (tokens(old), tokens(new));
    let diff = TextDiff::configure().diff_slices(&old, &new);
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let value = change.value();
        match (change.tag(), out.last_mut()) {
            (ChangeTag::Equal, Some(Segment::Same(text))) => text.push_str(value),
            (ChangeTag::Equal, _) => out.push(Segment::Same(value.to_owned())),
            (ChangeTag::Delete, Some(Segment::Changed(a, _))) => a.push_str(value),
            (ChangeTag::Insert, Some(Segment::Changed(_, b))) => b.push_str(value),
            (ChangeTag::Delete, _) => out.push(Segment::Changed(value.to_owned(), String::new())),
            (ChangeTag::Insert, _) => out.push(Segment::Changed(String::new(), value.to_owned())),
        }
    }
    // Join changes a run of spaces separates.
    let mut joined: Vec<Segment> = Vec::new();
    let mut rest = out.into_iter().peekable();
    while let Some(segment) = rest.next() {
        if let (Segment::Same(space), Some(Segment::Changed(..)), Some(Segment::Changed(..))) =
            (&segment, joined.last(), rest.peek())
        {
            if space.chars().all(char::is_whitespace) {
                if let (Some(Segment::Changed(a, b)), Some(Segment::Changed(c, d))) =
                    (joined.last_mut(), rest.next())
                {
                    a.push_str(space);
                    a.push_str(&c);
                    b.push_str(space);
                    b.push_str(&d);
                }
                continue;
            }
        }
        joined.push(segment);
    }
    joined
}

/// Words kept on each side of a change when unchanged text is shortened.
const CONTEXT_WORDS: usize = 6;

/// `old` and `new` as one text, the changed words marked `[-old-]{+new+}`;
/// with `shorten`, long unchanged stretches keep only a few words beside each
/// change (`…` for the rest).
pub(crate) fn word_diff(old: &str, new: &str, shorten: bool) -> String {
    let segments = segments(old, new);
    let last = segments.len().saturating_sub(1);
    let mut out = String::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Changed(a, b) => {
                if !a.is_empty() {
                    out.push_str(&format!("[-{a}-]"));
                }
                if !b.is_empty() {
                    out.push_str(&format!("{{+{b}+}}"));
                }
            }
            Segment::Same(text) if !shorten => out.push_str(text),
            Segment::Same(text) => {
                let words: Vec<&str> = text.split(' ').collect();
                let keep_head = if i == 0 { 0 } else { CONTEXT_WORDS };
                let keep_tail = if i == last { 0 } else { CONTEXT_WORDS };
                if words.len() <= keep_head + keep_tail + 1 {
                    out.push_str(text);
                } else {
                    out.push_str(&words[..keep_head].join(" "));
                    if keep_head > 0 {
                        out.push(' ');
                    }
                    out.push('…');
                    if keep_tail > 0 {
                        out.push(' ');
                    }
                    out.push_str(&words[words.len() - keep_tail..].join(" "));
                }
            }
        }
    }
    out
}

/// The text an added or removed stream assembles, per part, shortened.
pub fn write_answers(out: &mut impl Write, body: &Bytes) -> std::io::Result<()> {
    let (events, _) = events(body, true);
    write_assembled(out, events.iter().filter_map(|e| e.json.as_ref()))
}

/// The text JSON events assemble, per part, shortened: `  answer, PART: TEXT`.
pub fn write_assembled<'v>(
    out: &mut impl Write,
    events: impl IntoIterator<Item = &'v Value>,
) -> std::io::Result<()> {
    for (part, text) in assembled(events) {
        let shown = crate::render::excerpt(&crate::render::one_line(&text), ANSWER_CHARS);
        writeln!(out, "  answer, {part}: {shown}")?;
    }
    Ok(())
}

/// The text two recordings' JSON events assemble, part by part: unchanged, or
/// a word diff with long unchanged stretches shortened.
pub fn write_answer_diff<'v>(
    out: &mut impl Write,
    old: impl IntoIterator<Item = &'v Value>,
    new: impl IntoIterator<Item = &'v Value>,
) -> std::io::Result<()> {
    let (old_parts, new_parts) = (assembled(old), assembled(new));
    let mut parts: Vec<&str> = old_parts.iter().map(|(p, _)| p.as_str()).collect();
    for (part, _) in &new_parts {
        if !parts.contains(&part.as_str()) {
            parts.push(part);
        }
    }
    let text_of = |parts: &[(String, String)], part: &str| {
        parts
            .iter()
            .find(|(p, _)| p == part)
            .map_or(String::new(), |(_, t)| t.clone())
    };
    for part in parts {
        let (a, b) = (text_of(&old_parts, part), text_of(&new_parts, part));
        let shown = if a == b {
            format!("(unchanged) {}", crate::render::excerpt(&a, ANSWER_CHARS))
        } else {
            word_diff(&a, &b, true)
        };
        writeln!(out, "  answer, {part}: {}", crate::render::one_line(&shown))?;
    }
    Ok(())
}

/// `; 112 fields that change on every call folded (id, ...)` when `fold`.
pub fn folded_note(fold: bool, folded: usize) -> String {
    match fold {
        true => format!(
            "; {folded} fields that change on every call folded ({}, ...; --show-volatile shows them)",
            VOLATILE[..4].join(", ")
        ),
        false => String::new(),
    }
}

/// The review of a changed server-sent event body, indented by two spaces.
pub fn write(out: &mut impl Write, old: &Bytes, new: &Bytes, fold: bool) -> std::io::Result<()> {
    let (old_events, _) = events(old, fold);
    let (new_events, new_folded) = events(new, fold);
    write_answer_diff(
        out,
        old_events.iter().filter_map(|e| e.json.as_ref()),
        new_events.iter().filter_map(|e| e.json.as_ref()),
    )?;
    let entries = |events: &[Event]| -> Vec<Entry> {
        events
            .iter()
            .enumerate()
            .map(|(i, event)| Entry {
                label: i.to_string(),
                head: String::new(),
                body: event.line.clone(),
            })
            .collect()
    };
    let layout = Layout {
        heading: format!("events: {} -> {}", old_events.len(), new_events.len()),
        note: &folded_note(fold, new_folded),
        limit: Some(SHOWN),
        shorten: false,
    };
    crate::paired::write(out, &entries(&old_events), &entries(&new_events), &layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(events: &[&str]) -> Bytes {
        Bytes::from(
            events
                .iter()
                .map(|e| format!("data: {e}\n\n"))
                .collect::<String>(),
        )
    }

    fn parts(events: &[&str]) -> Vec<(String, String)> {
        let events = super::events(&sse(events), true).0;
        assembled(events.iter().filter_map(|e| e.json.as_ref()))
    }

    #[test]
    fn the_answer_is_assembled_for_each_provider_shape() {
        // OpenAI chat: content and tool-call arguments, by choice and call.
        assert_eq!(
            parts(&[
                r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"content":"lo"}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}"#,
                "[DONE]",
            ]),
            [
                ("choice 0".to_owned(), "Hello".to_owned()),
                ("choice 0 tool call 0".to_owned(), r#"{"a":1}"#.to_owned())
            ]
        );
        // The Responses API.
        assert_eq!(
            parts(&[
                r#"{"type":"response.output_text.delta","item_id":"msg_1","delta":"Bon"}"#,
                r#"{"type":"response.output_text.delta","item_id":"msg_1","delta":"jour"}"#,
            ]),
            [("output text".to_owned(), "Bonjour".to_owned())]
        );
        // The Realtime API: a delta type's text by its last segment, audio
        // (base64) left out.
        assert_eq!(
            parts(&[
                r#"{"type":"response.audio_transcript.delta","delta":"Sa"}"#,
                r#"{"type":"response.audio.delta","delta":"AAAA"}"#,
                r#"{"type":"response.audio_transcript.delta","delta":"lut"}"#,
                r#"{"type":"response.text.delta","delta":"ok"}"#,
            ]),
            [
                ("audio transcript".to_owned(), "Salut".to_owned()),
                ("text".to_owned(), "ok".to_owned())
            ]
        );
        // Anthropic content blocks: text and tool input.
        assert_eq!(
            parts(&[
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"q\""}}"#,
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":":2}"}}"#,
            ]),
            [
                ("content block 0".to_owned(), "Hi".to_owned()),
                ("content block 1".to_owned(), r#"{"q":2}"#.to_owned())
            ]
        );
        // Gemini candidates.
        assert_eq!(
            parts(&[
                r#"{"candidates":[{"content":{"parts":[{"text":"Ciao"}]}}],"responseId":"r1"}"#,
                r#"{"candidates":[{"content":{"parts":[{"text":" mondo"}]}}],"responseId":"r1"}"#,
            ]),
            [("candidate 0".to_owned(), "Ciao mondo".to_owned())]
        );
    }

    #[test]
    fn changes_are_marked_by_word_and_joined_across_spaces() {
        assert_eq!(word_diff("a b c d", "a x y d", false), "a [-b c-]{+x y+} d");
        assert_eq!(
            word_diff(r#""content":"6""#, r#""content":"six""#, false),
            r#""content":"[-6-]{+six+}""#
        );
        assert_eq!(word_diff("same", "same", false), "same");
        assert_eq!(word_diff("", "new", false), "{+new+}");
    }

    #[test]
    fn volatile_fields_fold_at_every_depth() {
        let mut value: Value = serde_json::from_str(
            r#"{"id":"x","created":1,"choices":[{"delta":{"content":"a"},"obfuscation":"zz"}],"usage":{"queue_time":0.1,"total_tokens":3}}"#,
        )
        .unwrap();
        assert_eq!(fold(&mut value), 4);
        assert_eq!(
            canonical_json_line(&value),
            r#"{"choices":[{"delta":{"content":"a"}}],"usage":{"total_tokens":3}}"#
        );
    }
}
