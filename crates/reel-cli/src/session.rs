//! A WebSocket session's transcript as a person reads it: one line per
//! message (`-> text {...}` client to server, `<- close 1000 done` server to
//! client), JSON with sorted keys, binary messages by size and a short hex
//! preview, and runs of delta events condensed into one line each: text deltas
//! joined into the text they spell, audio deltas counted and sized
//! (`<- 212 × response.audio.delta (base64 audio, 1.2 MB decoded)`).

use reel_cassette::__private::short_sha256;
use reel_cassette::websocket::{is_session, Direction, Frame, Transcript, TranscriptError};
use reel_cassette::Response;
use serde_json::Value;

use crate::render::{canonical_json_line, count, one_line, parse_json, size};
use crate::stream_review::{assembled, delta_part, fold};

/// What the arrows of a session's lines mean, for the line that introduces them.
pub const LEGEND: &str = "-> client to server, <- server to client";

/// Bytes of a binary message shown in hex.
const PREVIEW_BYTES: usize = 8;

/// The transcript of a WebSocket session's response (or why it does not
/// parse); `None` when the response is not a session's.
pub fn transcript(response: &Response) -> Option<Result<Transcript, TranscriptError>> {
    is_session(response).then(|| Transcript::parse(&response.body))
}

/// `WebSocket session, 230 messages`, or the line that does not parse.
pub fn kind(parsed: &Result<Transcript, TranscriptError>) -> String {
    match parsed {
        Ok(transcript) => format!(
            "WebSocket session, {}",
            count(transcript.messages.len(), "message", "messages")
        ),
        Err(err) => format!("WebSocket session whose {err}"),
    }
}

/// `->` for a client message, `<-` for a server one.
pub fn arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::Client => "->",
        Direction::Server => "<-",
    }
}

/// The JSON of each text message that is JSON, in order: what the answer
/// is assembled from.
pub fn json_messages(transcript: &Transcript) -> Vec<Value> {
    transcript
        .messages
        .iter()
        .filter_map(|message| message_json(&message.frame))
        .collect()
}

/// The JSON a message carries: a text message's, or a binary message's that
/// is a JSON object or array (Gemini's Live API sends its events as binary
/// messages).
fn message_json(frame: &Frame) -> Option<Value> {
    match frame {
        Frame::Text(text) => parse_json(text.as_bytes()),
        Frame::Binary(bytes) => parse_json(bytes).filter(|v| v.is_object() || v.is_array()),
        Frame::Close(_) => None,
    }
}

/// What one message, or one type of delta of a run, carried: its kind
/// (`text`, `binary`, `close`, `212 × response.audio.delta`) and what follows.
pub struct Part {
    /// The kind, or the count and type of a run's deltas.
    pub head: String,
    /// The payload as shown, possibly empty.
    pub body: String,
}

impl Part {
    fn new(head: impl Into<String>, body: impl Into<String>) -> Part {
        Part {
            head: head.into(),
            body: body.into(),
        }
    }

    /// `head body`.
    pub fn text(&self) -> String {
        match self.body.is_empty() {
            true => self.head.clone(),
            false => format!("{} {}", self.head, self.body),
        }
    }
}

/// One line of a session as shown: one message, or a run of delta messages
/// condensed.
pub struct Item {
    /// The first message's position in the transcript, from 0.
    pub first: usize,
    /// The last message's position (`first` for one message).
    pub last: usize,
    /// Which way the messages went.
    pub direction: Direction,
    /// What they carried: one part per message type of a run, one for a message.
    pub parts: Vec<Part>,
}

impl Item {
    /// `3`, or `5-216` for a run.
    pub fn label(&self) -> String {
        match self.first == self.last {
            true => self.first.to_string(),
            false => format!("{}-{}", self.first, self.last),
        }
    }

    /// The item as lines to show after `prefix` (`[3]`, `[3] 50.2ms`): a
    /// run of several types is a heading line (`<- 249 deltas:`) and one
    /// indented line per type.
    fn show_lines(&self, prefix: &str) -> Vec<String> {
        match self.parts.len() {
            0 | 1 => {
                let parts: Vec<String> = self.parts.iter().map(Part::text).collect();
                vec![format!(
                    "{prefix} {} {}",
                    arrow(self.direction),
                    parts.concat()
                )]
            }
            _ => {
                let heading = format!(
                    "{prefix} {} {} deltas:",
                    arrow(self.direction),
                    self.last - self.first + 1
                );
                let parts = self.parts.iter().map(|part| format!("  {}", part.text()));
                std::iter::once(heading).chain(parts).collect()
            }
        }
    }
}

/// The session's items: every message on its own line, or (`condense`) runs
/// of two or more delta messages one way condensed. With `fold`, the fields
/// that change on every call are left out of JSON messages; how many were.
pub fn items(transcript: &Transcript, condense: bool, fold_volatile: bool) -> (Vec<Item>, usize) {
    let messages = &transcript.messages;
    let json: Vec<Option<Value>> = messages
        .iter()
        .map(|message| message_json(&message.frame))
        .collect();
    let (mut items, mut folded, mut i) = (Vec::new(), 0, 0);
    while i < messages.len() {
        let direction = messages[i].direction;
        let run = match condense {
            true => (i..messages.len())
                .take_while(|&j| {
                    messages[j].direction == direction && json[j].as_ref().is_some_and(is_delta)
                })
                .count(),
            false => 0,
        };
        if run >= 2 {
            let values: Vec<&Value> = json[i..i + run].iter().flatten().collect();
            items.push(Item {
                first: i,
                last: i + run - 1,
                direction,
                parts: run_parts(&values),
            });
            i += run;
            continue;
        }
        let (part, n) = frame_part(&messages[i].frame, json[i].clone(), fold_volatile);
        folded += n;
        items.push(Item {
            first: i,
            last: i,
            direction,
            parts: vec![part],
        });
        i += 1;
    }
    (items, folded)
}

/// The lines `reel show` prints for a session: each item numbered by its
/// messages' positions, with when they crossed (`[3] 50.2ms -> text {...}`,
/// `[5-216] 80.1-930.4ms <- ...`) when `times` holds one per message.
pub fn show_lines(transcript: &Transcript, times: Option<&[f64]>, condense: bool) -> Vec<String> {
    let times = times.filter(|times| times.len() == transcript.messages.len());
    let (items, _) = items(transcript, condense, false);
    items
        .iter()
        .flat_map(|item| {
            let (label, first, last) = (item.label(), item.first, item.last);
            let prefix = match times {
                Some(ms) if first == last => format!("[{label}] {:.1}ms", ms[first]),
                Some(ms) => format!("[{label}] {:.1}-{:.1}ms", ms[first], ms[last]),
                None => format!("[{label}]"),
            };
            item.show_lines(&prefix)
        })
        .collect()
}

/// Whether a JSON message is a delta event: a `type`, and a string `delta`
/// (the type ending in `.delta`) or `audio` (`input_audio_buffer.append`).
fn is_delta(value: &Value) -> bool {
    delta_of(value).is_some()
}

/// A delta event's type, and the bytes of audio its base64 carries (`None`
/// for a text delta).
fn delta_of(value: &Value) -> Option<(&str, Option<usize>)> {
    let kind = value.get("type")?.as_str()?;
    if let Some(audio) = value.get("audio").and_then(Value::as_str) {
        return Some((kind, Some(decoded_len(audio))));
    }
    let delta = value.get("delta")?.as_str()?;
    kind.ends_with(".delta").then_some(())?;
    match delta_part(kind) {
        Some(_) => Some((kind, None)),
        None => Some((kind, Some(decoded_len(delta)))),
    }
}

/// How many bytes standard base64 `text` decodes to.
fn decoded_len(text: &str) -> usize {
    let padding = text.bytes().rev().take_while(|b| *b == b'=').count();
    (text.len() / 4 * 3 + (text.len() % 4).saturating_sub(1)).saturating_sub(padding)
}

/// Replaces the base64 audio of an audio delta (its `audio` or `delta`) with
/// what it is: `(base64 audio, 4.8 kB decoded)`, so that no message shows
/// megabytes of base64.
fn summarize_audio(value: &mut Value) {
    let Some((_, Some(bytes))) = delta_of(value) else {
        return;
    };
    let summary = Value::String(format!("(base64 audio, {} decoded)", size(bytes)));
    let field = match value.get("audio").is_some_and(Value::is_string) {
        true => "audio",
        false => "delta",
    };
    value[field] = summary;
}

/// One part per delta type of a run, in the order the types first appear:
/// `212 × response.audio.delta (base64 audio, 1.2 MB decoded)`,
/// `37 × response.text.delta: "the joined text"`.
fn run_parts(values: &[&Value]) -> Vec<Part> {
    let mut kinds: Vec<&str> = Vec::new();
    for value in values {
        if let Some((kind, _)) = delta_of(value) {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
    }
    kinds
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<&Value> = values
                .iter()
                .copied()
                .filter(|v| delta_of(v).is_some_and(|(k, _)| k == kind))
                .collect();
            let audio: Option<usize> = of_kind
                .iter()
                .map(|v| delta_of(v).and_then(|(_, audio)| audio))
                .sum();
            let n = of_kind.len();
            match audio {
                Some(bytes) => Part::new(
                    format!("{n} × {kind}"),
                    format!("(base64 audio, {} decoded)", size(bytes)),
                ),
                None => {
                    let text: String = assembled(of_kind).into_iter().map(|(_, t)| t).collect();
                    let quoted = serde_json::to_string(&text).unwrap_or_default();
                    Part::new(format!("{n} × {kind}:"), quoted)
                }
            }
        })
        .collect()
}

/// One message's kind and payload, and how many volatile fields were
/// folded out of it: `text {"type":"session.update",...}` (JSON with sorted
/// keys), `text (empty)`, `binary 3200 bytes, sha256 1f2e3d4c: 00 01 02 03 04
/// 05 06 07 …`, `close 1000 done`.
fn frame_part(frame: &Frame, json: Option<Value>, fold_volatile: bool) -> (Part, usize) {
    match (frame, json) {
        (Frame::Text(_), Some(mut value)) => {
            summarize_audio(&mut value);
            let folded = if fold_volatile { fold(&mut value) } else { 0 };
            (Part::new("text", canonical_json_line(&value)), folded)
        }
        (Frame::Text(text), None) if text.is_empty() => (Part::new("text", "(empty)"), 0),
        (Frame::Text(text), None) => (Part::new("text", one_line(text)), 0),
        (Frame::Binary(bytes), Some(mut value)) => {
            summarize_audio(&mut value);
            let folded = if fold_volatile { fold(&mut value) } else { 0 };
            let shown = format!(
                "{}, JSON {}",
                count(bytes.len(), "byte", "bytes"),
                canonical_json_line(&value)
            );
            (Part::new("binary", shown), folded)
        }
        (Frame::Binary(bytes), None) => (Part::new("binary", binary_text(bytes)), 0),
        (Frame::Close(None), _) => (Part::new("close", "(no code)"), 0),
        (Frame::Close(Some((code, reason))), _) => (
            Part::new("close", format!("{code} {}", one_line(reason)).trim_end()),
            0,
        ),
    }
}

/// `3200 bytes, sha256 1f2e3d4c: 00 01 02 03 04 05 06 07 …`: a binary
/// message's size, what tells two apart, and its first bytes (one that is JSON
/// is shown as its JSON by [`frame_part`]).
fn binary_text(bytes: &[u8]) -> String {
    let len = count(bytes.len(), "byte", "bytes");
    if bytes.is_empty() {
        return "(empty)".to_owned();
    }
    let hex: Vec<String> = bytes
        .iter()
        .take(PREVIEW_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect();
    let more = if bytes.len() > PREVIEW_BYTES {
        " …"
    } else {
        ""
    };
    format!(
        "{len}, sha256 {}: {}{more}",
        short_sha256(bytes),
        hex.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Transcript {
        Transcript::parse(text.as_bytes()).unwrap()
    }

    fn lines(text: &str) -> Vec<String> {
        show_lines(&parse(text), None, true)
    }

    #[test]
    fn base64_lengths_decode_to_their_byte_counts() {
        for n in 0..20 {
            let text = base64_of(n);
            assert_eq!(decoded_len(&text), n, "{text}");
        }
    }

    fn base64_of(n: usize) -> String {
        use std::fmt::Write as _;
        // Standard base64 with padding, written by hand: only its length matters.
        let mut text = String::new();
        let full = n / 3;
        for _ in 0..full {
            let _ = write!(text, "AAAA");
        }
        match n % 3 {
            1 => text.push_str("AA=="),
            2 => text.push_str("AAA="),
            _ => {}
        }
        text
    }

    #[test]
    fn every_kind_of_message_has_its_line() {
        let shown = lines(
            "> text {\"type\":\"a\",\"b\":1}\n< text \n< text-json \"two\\nlines\"\n\
             > binary AAECAwQFBgcICQ==\n< binary eyJhIjoxfQ==\n< close 1000 done\n> close\n",
        );
        assert_eq!(
            shown,
            [
                r#"[0] -> text {"b":1,"type":"a"}"#,
                "[1] <- text (empty)",
                r"[2] <- text two\nlines",
                "[3] -> binary 10 bytes, sha256 1f825aa2: 00 01 02 03 04 05 06 07 …",
                r#"[4] <- binary 7 bytes, JSON {"a":1}"#,
                "[5] <- close 1000 done",
                "[6] -> close (no code)",
            ]
        );
    }

    #[test]
    fn runs_of_deltas_condense_and_interleaved_types_get_a_line_each() {
        let text = "< text {\"type\":\"response.text.delta\",\"delta\":\"Hel\"}\n\
                    < text {\"type\":\"response.text.delta\",\"delta\":\"lo\"}\n\
                    > text {\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}\n\
                    < text {\"type\":\"response.audio.delta\",\"delta\":\"AAAAAAAA\"}\n\
                    < text {\"type\":\"response.audio_transcript.delta\",\"delta\":\"Hi\"}\n\
                    < text {\"type\":\"response.audio.delta\",\"delta\":\"AAAA\"}\n";
        assert_eq!(
            lines(text),
            [
                r#"[0-1] <- 2 × response.text.delta: "Hello""#,
                r#"[2] -> text {"audio":"(base64 audio, 3 bytes decoded)","type":"input_audio_buffer.append"}"#,
                "[3-5] <- 3 deltas:",
                "  2 × response.audio.delta (base64 audio, 9 bytes decoded)",
                r#"  1 × response.audio_transcript.delta: "Hi""#,
            ]
        );
        // Uncondensed (`--full`), every message is its own line.
        assert_eq!(show_lines(&parse(text), None, false).len(), 6);
    }

    #[test]
    fn json_events_sent_as_binary_messages_show_and_condense_as_text_ones_do() {
        let text = "< binary-text {\"type\":\"response.text.delta\",\"delta\":\"Hel\"}\n\
                    < binary-text {\"type\":\"response.text.delta\",\"delta\":\"lo\"}\n\
                    < binary-text {\"serverContent\":{\"turnComplete\":true}}\n";
        assert_eq!(
            lines(text),
            [
                r#"[0-1] <- 2 × response.text.delta: "Hello""#,
                r#"[2] <- binary 39 bytes, JSON {"serverContent":{"turnComplete":true}}"#,
            ]
        );
    }

    #[test]
    fn times_show_when_there_is_one_per_message() {
        let transcript = parse("> text a\n< text b\n< text c\n");
        assert_eq!(
            show_lines(&transcript, Some(&[1.0, 2.5, 3.0]), true),
            [
                "[0] 1.0ms -> text a",
                "[1] 2.5ms <- text b",
                "[2] 3.0ms <- text c"
            ]
        );
        assert_eq!(
            show_lines(&transcript, Some(&[1.0]), true)[0],
            "[0] -> text a"
        );
    }
}
