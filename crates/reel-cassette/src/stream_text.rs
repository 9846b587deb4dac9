//! A streamed response's text as the client assembles it. An LLM stream sends
//! its answer in deltas, one JSON event each (`/choices/0/delta/content` in
//! OpenAI's chunks, `/delta/text` in Anthropic's): a credential the model echoes
//! may be cut across several events, whole only once the deltas are joined.
//! NDJSON streams (Ollama, Gemini's `alt=json` streams, Bedrock's converse
//! streams through proxies) send one JSON document per line the same way, and
//! a WebSocket session's server messages (Realtime's `response.text.delta`,
//! Live's `serverContent` parts) do too.

use bytes::Bytes;
use serde_json::Value;

use crate::{stream_events, StreamKind};

/// How a streamed body frames its JSON documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Server-sent events: the `data:` lines of each event.
    Events,
    /// Newline-delimited JSON: one document per line.
    Lines,
    /// A WebSocket session's transcript (the body of a `101`): the server's
    /// messages that are text, one document each. The client's are left out:
    /// a model streams its answer, a client sends its events whole.
    ServerMessages,
}

impl Framing {
    /// The framing a `Content-Type` names, or, for a JSON body with no
    /// streaming type, newline-delimited documents when its first line is a
    /// whole object and another follows (`{…}\n{…}`).
    pub(crate) fn of(content_type: &str, body: &[u8]) -> Option<Framing> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if StreamKind::from_content_type(&essence) == StreamKind::ServerSentEvents {
            return Some(Framing::Events);
        }
        if essence.contains("ndjson")
            || essence.contains("jsonl")
            || essence.contains("json-seq")
            || essence.contains("x-json-stream")
        {
            return Some(Framing::Lines);
        }
        let first = body.split(|b| *b == b'\n').next()?;
        let lines = body.starts_with(b"{")
            && memchr::memmem::find(body, b"}\n{").is_some()
            && serde_json::from_slice::<Value>(first).is_ok_and(|v| v.is_object());
        lines.then_some(Framing::Lines)
    }
}

/// For each JSON field that holds a string in more than one event of a
/// streamed `body`, its strings joined in event order, with the field's pointer
/// (array indices kept: `/choices/0/delta/content`). Fields in one event only
/// are left out: the body itself shows them whole. Sorted by pointer.
pub(crate) fn joined_fields(body: &Bytes, framing: Framing) -> Vec<(String, Vec<u8>)> {
    // Pointer, joined text, events seen.
    let mut fields: Vec<Field> = Vec::new();
    let mut add = |data: &[u8]| {
        if let Ok(value) = serde_json::from_slice::<Value>(data) {
            collect(&value, &mut fields);
        }
    };
    match framing {
        Framing::Events => {
            for event in stream_events(body, StreamKind::ServerSentEvents) {
                if let Some(data) = event_data(&event) {
                    add(&data);
                }
            }
        }
        Framing::Lines => {
            for line in body.split(|b| *b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let line = line.strip_prefix(b"\x1e").unwrap_or(line);
                if !line.is_empty() {
                    add(line);
                }
            }
        }
        Framing::ServerMessages => {
            for payload in server_payloads(body) {
                add(&payload);
            }
        }
    }
    let mut joined: Vec<(String, Vec<u8>)> = fields
        .into_iter()
        .filter(|field| field.events > 1 && field.varies)
        .map(|field| (field.pointer, field.joined))
        .collect();
    joined.sort();
    joined
}

/// The text of each server message of a session's transcript that is text
/// (a text message, or a binary message that is printable text), in order;
/// none when the transcript does not parse.
pub(crate) fn server_payloads(body: &[u8]) -> Vec<Vec<u8>> {
    use crate::websocket::{printable_text, Direction, Frame, Transcript};
    let Ok(transcript) = Transcript::parse(body) else {
        return Vec::new();
    };
    transcript
        .messages
        .into_iter()
        .filter(|message| message.direction == Direction::Server)
        .filter_map(|message| match message.frame {
            Frame::Text(text) => Some(text.into_bytes()),
            Frame::Binary(bytes) if printable_text(&bytes).is_some() => Some(bytes),
            _ => None,
        })
        .collect()
}

/// The event's `data:` lines joined by `\n`, as an SSE client reads them.
fn event_data(event: &[u8]) -> Option<Vec<u8>> {
    let mut data: Option<Vec<u8>> = None;
    for line in event.split(|b| *b == b'\n' || *b == b'\r') {
        let Some(rest) = line.strip_prefix(b"data:") else {
            continue;
        };
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        match &mut data {
            Some(data) => {
                data.push(b'\n');
                data.extend_from_slice(rest);
            }
            None => data = Some(rest.to_vec()),
        }
    }
    data
}

/// One field's strings across events.
struct Field {
    pointer: String,
    joined: Vec<u8>,
    events: usize,
    /// The first event's string's length.
    first: usize,
    /// Whether any event's string differs from the first: a field that
    /// repeats one value (an id, a model name) holds nothing the body does not.
    varies: bool,
}

/// Appends each string in `value` to its field's text.
fn collect(value: &Value, fields: &mut Vec<Field>) {
    each_string(value, &mut String::new(), &mut |pointer, text| match fields
        .iter_mut()
        .find(|f| f.pointer == pointer)
    {
        Some(field) => {
            field.varies |= field.joined[..field.first] != *text.as_bytes();
            field.joined.extend_from_slice(text.as_bytes());
            field.events += 1;
        }
        None => fields.push(Field {
            pointer: pointer.to_owned(),
            joined: text.as_bytes().to_vec(),
            events: 1,
            first: text.len(),
            varies: false,
        }),
    });
}

/// Calls `visit` with each string in `value` and its JSON pointer (RFC 6901,
/// array indices as numbers), in document order.
pub(crate) fn each_string(value: &Value, pointer: &mut String, visit: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(text) => visit(pointer, text),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                each_string(item, pointer, visit);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                each_string(item, pointer, visit);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_join_per_field_in_event_order() {
        let body = Bytes::from_static(
            b"data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n\
              data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n\
              data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
              data: [DONE]\n\n",
        );
        assert_eq!(
            joined_fields(&body, Framing::Events),
            [("/choices/0/delta/content".to_owned(), b"Hello".to_vec())]
        );
    }

    #[test]
    fn multi_line_data_and_events_without_json_are_read_as_a_client_does() {
        let body = Bytes::from_static(
            b"event: x\r\ndata: {\"t\":\r\ndata: \"a\"}\r\n\r\n: ping\n\ndata:{\"t\":\"b\"}\n\n",
        );
        assert_eq!(
            joined_fields(&body, Framing::Events),
            [("/t".to_owned(), b"ab".to_vec())]
        );
    }

    #[test]
    fn a_session_s_server_messages_join_like_events_and_the_client_s_do_not() {
        let body = Bytes::from_static(
            b"> text {\"delta\":\"not\"}\n< text {\"delta\":\"Hel\"}\n< binary AAEC\n\
              < binary-text {\"delta\":\"lo\"}\n> text {\"delta\":\"!\"}\n< close\n",
        );
        assert_eq!(
            joined_fields(&body, Framing::ServerMessages),
            [("/delta".to_owned(), b"Hello".to_vec())]
        );
        assert!(joined_fields(&Bytes::from_static(b"~ bad\n"), Framing::ServerMessages).is_empty());
    }

    #[test]
    fn ndjson_lines_join_like_events() {
        let body = Bytes::from_static(
            b"{\"message\":{\"content\":\"Hel\"}}\n{\"message\":{\"content\":\"lo\"}}\n",
        );
        assert_eq!(
            Framing::of("application/x-ndjson", &body),
            Some(Framing::Lines)
        );
        assert_eq!(Framing::of("application/json", &body), Some(Framing::Lines));
        assert_eq!(Framing::of("application/json", b"{\"a\":1}"), None);
        assert_eq!(
            joined_fields(&body, Framing::Lines),
            [("/message/content".to_owned(), b"Hello".to_vec())]
        );
    }
}
