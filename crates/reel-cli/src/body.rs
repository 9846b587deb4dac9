//! What a body is, for people: multipart parts, JSON, server-sent events, text
//! or binary, and the lines that show it.

use reel_cassette::multipart::{self, Part};
use reel_cassette::{stream_events, Bytes, Headers, StreamKind};

use crate::render::{canonical_json, canonical_json_line, count, one_line, parse_json};

/// A body, classified by its content type and its bytes.
#[derive(Debug)]
pub enum Body<'a> {
    /// No bytes.
    Empty,
    /// `text/event-stream`: the events, each with its terminating blank line.
    Events(Vec<Bytes>),
    /// Not UTF-8. `frames` counts AWS event-stream frames (1 when the bytes are
    /// not frames).
    Binary {
        /// Its size.
        len: usize,
        /// How many AWS event-stream frames it splits into.
        frames: usize,
    },
    /// A JSON document.
    Json(serde_json::Value),
    /// Any other text.
    Text(&'a str),
    /// `multipart/form-data` that parses with the boundary of its content type.
    Multipart(Vec<Part>),
}

impl<'a> Body<'a> {
    /// Classifies `bytes`, sent with the `Content-Type` in `headers`.
    pub fn of(bytes: &'a Bytes, headers: &Headers) -> Body<'a> {
        let content_type = content_type(headers);
        if !bytes.is_empty() {
            let parts = content_type
                .and_then(multipart::boundary)
                .and_then(|boundary| multipart::parse(bytes, &boundary).ok());
            if let Some(parts) = parts {
                return Body::Multipart(parts);
            }
        }
        Body::single(bytes, content_type)
    }

    /// Classifies `bytes` of type `content_type` as anything but multipart (so
    /// that the parts of a multipart body are never split again).
    fn single(bytes: &'a Bytes, content_type: Option<&str>) -> Body<'a> {
        if bytes.is_empty() {
            return Body::Empty;
        }
        let kind = StreamKind::from_content_type(content_type.unwrap_or(""));
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Body::Binary {
                len: bytes.len(),
                frames: stream_events(bytes, StreamKind::AwsEventStream).count(),
            };
        };
        if kind == StreamKind::ServerSentEvents {
            return Body::Events(stream_events(bytes, kind).collect());
        }
        match parse_json(bytes) {
            Some(value) => Body::Json(value),
            None => Body::Text(text),
        }
    }

    /// `JSON`, `13 events`, `binary, 1024 bytes, 3 frames`, `multipart, 3 parts`:
    /// what follows the size in `show`.
    pub fn kind(&self) -> String {
        match self {
            Body::Empty => "empty".to_owned(),
            Body::Events(events) => count(events.len(), "event", "events"),
            Body::Binary { len, frames } => {
                format!("binary, {len} bytes, {}", count(*frames, "frame", "frames"))
            }
            Body::Json(_) => "JSON".to_owned(),
            Body::Text(_) => "text".to_owned(),
            Body::Multipart(parts) => format!("multipart, {}", count(parts.len(), "part", "parts")),
        }
    }

    /// The body as lines for people: pretty JSON, one escaped line per event
    /// (`[3] data: {...}` when `numbered`), the lines of a text, nothing for
    /// binary bodies. JSON, also in events, is canonical: keys sorted.
    ///
    /// A multipart body is one line per part (`[0] part "file" (filename
    /// "a.bin", application/octet-stream, 1024 bytes, sha256 1f2e3d4c)`), then
    /// the part's headers other than Content-Disposition and Content-Type, then
    /// its content as the lines of a body of its own, all indented by two
    /// spaces. Binary content is never shown: its size and the first 8 hex
    /// digits of its SHA-256 tell whether it changed (`sha256sum` checks a file).
    pub fn lines(&self, numbered: bool) -> Vec<String> {
        match self {
            Body::Empty | Body::Binary { .. } => Vec::new(),
            Body::Events(events) => events
                .iter()
                .enumerate()
                .map(|(i, event)| match numbered {
                    true => format!("[{i}] {}", event_line(event)),
                    false => event_line(event),
                })
                .collect(),
            Body::Json(value) => canonical_json(value).lines().map(str::to_owned).collect(),
            Body::Text(text) => text.lines().map(one_line).collect(),
            Body::Multipart(parts) => {
                let mut lines = Vec::new();
                for (i, part) in parts.iter().enumerate() {
                    let content = Body::single(&part.content, part.content_type.as_deref());
                    lines.push(match numbered {
                        true => format!("[{i}] {}", part_line(part, &content)),
                        false => part_line(part, &content),
                    });
                    let other_headers = part.headers.iter().filter(|(name, _)| {
                        name != "content-disposition" && name != "content-type"
                    });
                    for (name, value) in other_headers {
                        lines.push(format!("  {}: {}", one_line(name), one_line(value)));
                    }
                    for line in content.lines(numbered) {
                        lines.push(format!("  {line}"));
                    }
                }
                lines
            }
        }
    }
}

/// `part "file" (filename "a.bin", application/octet-stream, 1024 bytes, sha256
/// 1f2e3d4c)`, `part "model" (9 bytes, text)`, `part "empty" (empty)`: the name,
/// file name and content type a part declares, and what its content is.
fn part_line(part: &Part, content: &Body<'_>) -> String {
    let mut details = Vec::new();
    if let Some(filename) = &part.filename {
        details.push(format!("filename {filename:?}"));
    }
    if let Some(content_type) = &part.content_type {
        details.push(one_line(content_type));
    }
    let len = part.content.len();
    details.push(match content {
        Body::Empty => content.kind(),
        Body::Binary { .. } => format!(
            "{len} bytes, sha256 {}",
            reel_cassette::__private::short_sha256(&part.content)
        ),
        _ => format!("{len} bytes, {}", content.kind()),
    });
    let name = match &part.name {
        Some(name) => format!(" {name:?}"),
        None => String::new(),
    };
    format!("part{name} ({})", details.join(", "))
}

/// The `Content-Type` of a message, if it has one.
pub fn content_type(headers: &Headers) -> Option<&str> {
    headers.get("Content-Type")
}

/// One server-sent event on one line: its terminating blank line dropped,
/// JSON `data:` canonical (keys sorted, so that what changes from event to
/// event comes before the excerpt ends, not after the id and model every
/// event repeats), inner line breaks escaped; `(blank line)` for a stray
/// blank line.
pub fn event_line(event: &[u8]) -> String {
    let text = String::from_utf8_lossy(event);
    let trimmed = text.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        return "(blank line)".to_owned();
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut rest = trimmed;
    while !rest.is_empty() {
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let (line, after) = rest.split_at(end);
        let terminator = if after.starts_with("\r\n") {
            2
        } else {
            after.len().min(1)
        };
        let json = line
            .strip_prefix("data:")
            .map(|data| data.strip_prefix(' ').unwrap_or(data))
            .filter(|data| data.starts_with(['{', '[']))
            .and_then(|data| parse_json(data.as_bytes()));
        match json {
            Some(value) => {
                out.push_str("data: ");
                out.push_str(&canonical_json_line(&value));
            }
            None => out.push_str(&one_line(line)),
        }
        out.push_str(&one_line(&after[..terminator]));
        rest = &after[terminator..];
    }
    out
}

/// How many pieces a streamed body splits into (server-sent events or AWS
/// event-stream frames), or `None` when its content type is not a stream.
pub fn stream_pieces(bytes: &Bytes, headers: &Headers) -> Option<usize> {
    match StreamKind::from_content_type(content_type(headers).unwrap_or("")) {
        kind @ (StreamKind::ServerSentEvents | StreamKind::AwsEventStream) => {
            Some(stream_events(bytes, kind).count())
        }
        _ => None,
    }
}
