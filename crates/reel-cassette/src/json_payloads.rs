//! The JSON payloads of a body, for the rules that reach into JSON fields: the
//! whole body, each `data:` field of a server-sent event stream, or each line of
//! an NDJSON body. Only a payload an edit changes is written again (compactly);
//! every other byte, framing included, stays as it was.

/// Line-delimited JSON content types: NDJSON, JSON Lines, JSON text sequences.
const LINE_TYPES: &[&str] = &[
    "application/x-ndjson",
    "application/ndjson",
    "application/jsonl",
    "application/x-jsonl",
    "application/jsonlines",
    "application/x-jsonlines",
    "application/json-seq",
];

/// `body` with `edit` applied to each of its JSON payloads, or `None` when the
/// edit changes none (or the body holds no JSON). `edit` says whether it changed
/// the value. The shape comes from `content_type`: `text/event-stream` is a
/// stream of events, the line-delimited types are lines; any other body is
/// one JSON document, or lines when each of its lines is a JSON object.
pub(crate) fn edit(
    body: &[u8],
    content_type: &str,
    edit: impl Fn(&mut serde_json::Value) -> bool,
) -> Option<Vec<u8>> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("text/event-stream") {
        return edit_events(body, &edit);
    }
    if LINE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(essence)) {
        return edit_lines(body, &edit, false);
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            edit(&mut value).then(|| serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec()))
        }
        Err(_) => edit_lines(body, &edit, true),
    }
}

/// The lines of `text`, each with its terminator (`\r\n`, `\n` or `\r`; the
/// last may have none).
fn lines(text: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (end, after) = match memchr::memchr2(b'\n', b'\r', rest) {
            Some(at) if rest[at] == b'\r' && rest.get(at + 1) == Some(&b'\n') => (at, at + 2),
            Some(at) => (at, at + 1),
            None => (rest.len(), rest.len()),
        };
        let line = (&rest[..end], &rest[end..after]);
        rest = &rest[after..];
        Some(line)
    })
}

/// An event stream with each event's data edited as JSON: the `data:` lines of
/// an event joined by `\n` are its payload (as the SSE spec builds it), written
/// back as one `data:` line where the first was. Events whose data is not JSON
/// (`[DONE]`, a comment) stay as they are.
fn edit_events(body: &[u8], edit: &dyn Fn(&mut serde_json::Value) -> bool) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut at = 0;
    while at < body.len() {
        let len = crate::stream_events::sse_event_len(&body[at..]);
        let event = &body[at..at + len];
        match edit_event(event, edit) {
            Some(edited) => {
                let out = out.get_or_insert_with(|| body[..at].to_vec());
                out.extend_from_slice(&edited);
            }
            None => {
                if let Some(out) = &mut out {
                    out.extend_from_slice(event);
                }
            }
        }
        at += len;
    }
    out
}

fn edit_event(event: &[u8], edit: &dyn Fn(&mut serde_json::Value) -> bool) -> Option<Vec<u8>> {
    let mut payload = Vec::new();
    let mut data_lines = 0;
    for (line, _) in lines(event) {
        if let Some(value) = data_value(line) {
            if data_lines > 0 {
                payload.push(b'\n');
            }
            payload.extend_from_slice(value);
            data_lines += 1;
        }
    }
    if data_lines == 0 {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    if !edit(&mut value) {
        return None;
    }
    let json = serde_json::to_vec(&value).ok()?;
    let mut out = Vec::with_capacity(event.len());
    let mut written = false;
    for (line, end) in lines(event) {
        match data_value(line) {
            Some(value) if !written => {
                // The field name and the space after it, as the server wrote them.
                out.extend_from_slice(&line[..line.len() - value.len()]);
                out.extend_from_slice(&json);
                out.extend_from_slice(end);
                written = true;
            }
            Some(_) => {}
            None => {
                out.extend_from_slice(line);
                out.extend_from_slice(end);
            }
        }
    }
    Some(out)
}

/// The value of a `data:` line, without the one space that may follow the colon.
fn data_value(line: &[u8]) -> Option<&[u8]> {
    let value = line.strip_prefix(b"data:")?;
    Some(value.strip_prefix(b" ").unwrap_or(value))
}

/// A body of JSON lines with each line edited (a JSON text sequence's record
/// separator kept in front). With `objects_only` (a body whose type does not
/// say it is lines), `None` unless every line that is not blank is a JSON
/// object and there are two or more.
fn edit_lines(
    body: &[u8],
    edit: &dyn Fn(&mut serde_json::Value) -> bool,
    objects_only: bool,
) -> Option<Vec<u8>> {
    let mut pieces: Vec<(&[u8], Option<Vec<u8>>)> = Vec::new();
    let mut changed = false;
    let mut documents = 0;
    for (line, end) in lines(body) {
        let record = line.strip_prefix(b"\x1e").unwrap_or(line);
        if record.trim_ascii().is_empty() {
            pieces.push((line, None));
            pieces.push((end, None));
            continue;
        }
        let parsed = serde_json::from_slice::<serde_json::Value>(record);
        if objects_only && !parsed.as_ref().is_ok_and(serde_json::Value::is_object) {
            return None;
        }
        documents += 1;
        let edited = parsed.ok().and_then(|mut value| {
            edit(&mut value).then(|| {
                let mut out = line[..line.len() - record.len()].to_vec();
                out.extend(serde_json::to_vec(&value).unwrap_or_else(|_| record.to_vec()));
                out
            })
        });
        changed |= edited.is_some();
        pieces.push((line, edited));
        pieces.push((end, None));
    }
    if !changed || (objects_only && documents < 2) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    for (original, edited) in pieces {
        out.extend_from_slice(edited.as_deref().unwrap_or(original));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank_secret(value: &mut serde_json::Value) -> bool {
        match value.get_mut("secret") {
            Some(secret) if secret != "x" => {
                *secret = "x".into();
                true
            }
            _ => false,
        }
    }

    fn edited(body: &str, content_type: &str) -> Option<String> {
        edit(body.as_bytes(), content_type, blank_secret).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn each_event_of_a_stream_is_edited_and_its_framing_kept_byte_for_byte() {
        // Keys in order: serde_json keeps or sorts them by a feature another
        // crate of the build may turn on.
        let body = "event: a\r\nid: 1\r\ndata: {\"n\": 1, \"secret\": \"s\"}\r\n\r\n\
                    : ping\n\n\
                    data: {\"n\": 2}\n\n\
                    data:{\"secret\":\ndata: \"t\"}\nid: 3\n\n\
                    data: [DONE]\n\n";
        assert_eq!(
            edited(body, "text/event-stream; charset=utf-8").unwrap(),
            "event: a\r\nid: 1\r\ndata: {\"n\":1,\"secret\":\"x\"}\r\n\r\n\
             : ping\n\n\
             data: {\"n\": 2}\n\n\
             data:{\"secret\":\"x\"}\nid: 3\n\n\
             data: [DONE]\n\n"
        );
        assert_eq!(edited("data: {\"n\": 2}\n\n", "text/event-stream"), None);
    }

    #[test]
    fn each_line_of_an_ndjson_body_is_edited_and_the_others_kept() {
        let body = "{\"secret\": \"s\"}\n{ \"n\": 1 }\r\n\n\x1e{\"secret\":\"t\"}\n";
        assert_eq!(
            edited(body, "application/x-ndjson").unwrap(),
            "{\"secret\":\"x\"}\n{ \"n\": 1 }\r\n\n\x1e{\"secret\":\"x\"}\n"
        );
        // Without the type, lines that are all objects are lines too.
        assert_eq!(
            edited("{\"secret\":1}\n{\"n\":2}\n", "text/plain").unwrap(),
            "{\"secret\":\"x\"}\n{\"n\":2}\n"
        );
        assert_eq!(edited("{\"secret\":1}\nnot json\n", "text/plain"), None);
        assert_eq!(edited("{\"secret\":1}\n[1]\n", "text/plain"), None);
    }

    #[test]
    fn a_whole_json_body_is_one_payload() {
        assert_eq!(
            edited("{ \"secret\": 1 }", "application/json").unwrap(),
            "{\"secret\":\"x\"}"
        );
        assert_eq!(edited("{ \"n\": 1 }", "application/json"), None);
    }
}
