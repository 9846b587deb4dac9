//! A streamed response's text as the client assembles it. An LLM stream sends
//! its answer in deltas, one JSON event each (`/choices/0/delta/content` in
//! OpenAI's chunks, `/delta/text` in Anthropic's): a credential the model echoes
//! may be cut across several events, whole only once the deltas are joined.

use bytes::Bytes;
use serde_json::Value;

use crate::{stream_events, StreamKind};

/// For each JSON field that holds a string in more than one event of an SSE
/// `body`, its strings joined in event order, with the field's pointer (array
/// indices kept: `/choices/0/delta/content`). Fields in one event only are left
/// out: the body itself shows them whole. Sorted by pointer.
pub(crate) fn joined_fields(body: &Bytes) -> Vec<(String, Vec<u8>)> {
    // Pointer, joined text, events seen.
    let mut fields: Vec<(String, Vec<u8>, usize)> = Vec::new();
    for event in stream_events(body, StreamKind::ServerSentEvents) {
        let Some(data) = event_data(&event) else {
            continue;
        };
        let Ok(value) = serde_json::from_slice::<Value>(&data) else {
            continue;
        };
        let mut pointer = String::new();
        collect(&value, &mut pointer, &mut fields);
    }
    let mut joined: Vec<(String, Vec<u8>)> = fields
        .into_iter()
        .filter(|(_, _, events)| *events > 1)
        .map(|(pointer, text, _)| (pointer, text))
        .collect();
    joined.sort();
    joined
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

/// Appends each string in `value` to its field's text.
fn collect(value: &Value, pointer: &mut String, fields: &mut Vec<(String, Vec<u8>, usize)>) {
    match value {
        Value::String(text) => match fields.iter_mut().find(|(p, _, _)| p == pointer) {
            Some((_, joined, events)) => {
                joined.extend_from_slice(text.as_bytes());
                *events += 1;
            }
            None => fields.push((pointer.clone(), text.as_bytes().to_vec(), 1)),
        },
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                collect(item, pointer, fields);
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                collect(item, pointer, fields);
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
            joined_fields(&body),
            [
                ("/choices/0/delta/content".to_owned(), b"Hello".to_vec()),
                ("/id".to_owned(), b"c1c1".to_vec())
            ]
        );
    }

    #[test]
    fn multi_line_data_and_events_without_json_are_read_as_a_client_does() {
        let body = Bytes::from_static(
            b"event: x\r\ndata: {\"t\":\r\ndata: \"a\"}\r\n\r\n: ping\n\ndata:{\"t\":\"b\"}\n\n",
        );
        assert_eq!(joined_fields(&body), [("/t".to_owned(), b"ab".to_vec())]);
    }
}
