//! Replacing the credentials a scan finds with placeholders naming their kind,
//! wherever and however they are stored: as found, percent-encoded, with
//! JSON-escaped slashes, inside base64 runs that decode to text, and inside
//! compressed bodies (stored decoded afterwards, without their
//! `Content-Encoding`, as recording stores a body a redaction rule changed).
//! The interaction keeps its shape: a scrubbed cassette loads, matches (with
//! the same scrub applied to live requests) and re-saves.

use crate::{ByteString, Cassette, Headers, Interaction};

use super::{decode, Finding, Hit, SecretScanner, MAX_DECODED};

/// One credential and what replaces it.
struct Replacement {
    secret: Vec<u8>,
    placeholder: Vec<u8>,
}

impl SecretScanner {
    /// Replaces every credential the scan finds in `cassette` with a
    /// placeholder naming its kind (`REDACTED_OPENAI_API_KEY`,
    /// `REDACTED_X_API_KEY` for a value named `x-api-key`), and returns the
    /// findings replaced. A credential a model's stream cut across events is
    /// replaced too: the first event's piece takes the placeholder, the others
    /// lose their part, and only those events are written again.
    ///
    /// ```
    /// use reel_cassette::{Cassette, Interaction, Request, Response, SecretScanner};
    ///
    /// let key = ["sk-proj-", "Xk2fQ9zLmN3pR7sT1vW4yB6dA8cE0gH"].concat();
    /// let mut cassette = Cassette::new();
    /// cassette.interactions.push(Interaction::new(
    ///     Request::new("POST", "https://api.example.com/v1/echo"),
    ///     Response::new(200)
    ///         .with_header("Content-Type", "text/event-stream")
    ///         .with_body(format!("data: {{\"text\":\"your key is {key}\"}}\n\n")),
    /// ));
    /// let scanner = SecretScanner::token_shapes();
    /// assert_eq!(scanner.scrub(&mut cassette).len(), 1);
    /// assert_eq!(
    ///     &cassette.interactions[0].response.body[..],
    ///     b"data: {\"text\":\"your key is REDACTED_OPENAI_API_KEY\"}\n\n"
    /// );
    /// assert!(scanner.scan(&cassette).is_empty());
    /// ```
    pub fn scrub(&self, cassette: &mut Cassette) -> Vec<Finding> {
        let mut scrubbed = Vec::new();
        for (i, interaction) in cassette.interactions.iter_mut().enumerate() {
            scrubbed.extend(self.scrub_interaction(i, interaction));
        }
        scrubbed
    }

    /// As [`SecretScanner::scrub`], for one interaction reported with index `index`.
    pub fn scrub_interaction(&self, index: usize, interaction: &mut Interaction) -> Vec<Finding> {
        let (mut findings, mut hits) = (Vec::new(), Vec::new());
        self.scan_interaction_hits(index, interaction, &mut findings, &mut hits);
        if hits.is_empty() {
            return Vec::new();
        }
        let replacements = replacements(&hits);
        store_decoded(interaction, &replacements);
        scrub_all(interaction, &replacements);
        let mut left = Vec::new();
        self.scan_interaction(index, interaction, &mut left);
        findings.retain(|f| {
            !left
                .iter()
                .any(|l| l.kind == f.kind && l.masked == f.masked)
        });
        findings
    }

    /// The request with every credential the scan finds replaced, for matching
    /// a live request against a scrubbed cassette. `true` when anything changed.
    pub fn scrub_request(&self, request: &mut crate::Request) -> bool {
        let mut interaction = Interaction::new(std::mem::take(request), crate::Response::new(0));
        let changed = !self.scrub_interaction(0, &mut interaction).is_empty();
        *request = interaction.request;
        changed
    }
}

/// `text` with every credential the token-shape scan finds in it replaced by
/// its placeholder, or `None` when it holds none: [`crate::Redaction::scrub_secrets`]
/// on URLs and bodies.
pub(crate) fn scrub_text(text: &[u8]) -> Option<Vec<u8>> {
    let hits = SecretScanner::token_shapes().hits(text, 0);
    if hits.is_empty() {
        return None;
    }
    replaced(text, &replacements(&hits))
}

/// A body with every credential the token-shape scan finds replaced, those a
/// stream cuts across events too (`content_type` says how it is framed), or
/// `None`: [`crate::Redaction::scrub_secrets`] on bodies.
pub(crate) fn scrub_body(body: &[u8], content_type: &str) -> Option<Vec<u8>> {
    let scanner = SecretScanner::token_shapes();
    let mut hits = scanner.hits(body, 0);
    if let Some(framing) = crate::stream_text::Framing::of(content_type, body) {
        let bytes = bytes::Bytes::copy_from_slice(body);
        for (_, text) in crate::stream_text::joined_fields(&bytes, framing) {
            hits.extend(scanner.hits(&text, 0));
        }
    }
    if hits.is_empty() {
        return None;
    }
    let replacements = replacements(&hits);
    let whole = replaced(body, &replacements);
    joined_replaced(
        whole.as_deref().unwrap_or(body),
        content_type,
        &replacements,
    )
    .or(whole)
}

/// A session's transcript with each credential its server messages cut
/// across messages replaced, as [`scrub_body`] does for a stream's events, or
/// `None`: [`crate::Redaction::scrub_secrets`] on a recorded session, whose
/// messages were scrubbed one by one.
pub(crate) fn scrub_session_cuts(transcript: &[u8]) -> Option<Vec<u8>> {
    let scanner = SecretScanner::token_shapes();
    let body = bytes::Bytes::copy_from_slice(transcript);
    let framing = crate::stream_text::Framing::ServerMessages;
    let hits: Vec<Hit> = crate::stream_text::joined_fields(&body, framing)
        .into_iter()
        .flat_map(|(_, text)| scanner.hits(&text, 0))
        .collect();
    if hits.is_empty() {
        return None;
    }
    session_cuts_replaced(transcript, &replacements(&hits))
}

/// `transcript` with each credential of `replacements` that its server
/// messages cut across messages replaced (the first piece takes the
/// placeholder, the others lose their part), or `None`. The server messages
/// that are text are taken as the lines of an NDJSON stream, which
/// [`joined_replaced`] edits; only the messages that change are written again.
fn session_cuts_replaced(transcript: &[u8], replacements: &[Replacement]) -> Option<Vec<u8>> {
    use crate::websocket::{printable_text, Direction, Frame, Transcript};
    let mut parsed = Transcript::parse(transcript).ok()?;
    // Each server message that is text: its position, and its line (a text
    // with a line break is no JSON line: `{}` holds its place).
    let mut lines = Vec::new();
    let mut at = Vec::new();
    for (i, message) in parsed.messages.iter().enumerate() {
        let text = match &message.frame {
            Frame::Text(text) if message.direction == Direction::Server => text.as_bytes(),
            Frame::Binary(bytes)
                if message.direction == Direction::Server && printable_text(bytes).is_some() =>
            {
                bytes
            }
            _ => continue,
        };
        let one_line = !text.contains(&b'\n') && !text.contains(&b'\r');
        lines.extend_from_slice(if one_line { text } else { b"{}" });
        lines.push(b'\n');
        at.push(i);
    }
    let edited = joined_replaced(&lines, "application/x-ndjson", replacements)?;
    let mut changed = false;
    for ((line, old), i) in edited
        .split(|b| *b == b'\n')
        .zip(lines.split(|b| *b == b'\n'))
        .zip(at)
    {
        if line == old {
            continue;
        }
        changed = true;
        match &mut parsed.messages[i].frame {
            Frame::Text(text) => *text = String::from_utf8_lossy(line).into_owned(),
            Frame::Binary(bytes) => *bytes = line.to_vec(),
            Frame::Close(_) => {}
        }
    }
    changed.then(|| parsed.to_text().into_bytes())
}

/// A header's `value` with its credentials replaced, judged as the line
/// `name: value` (so that `X-Api-Key: …` counts), or `None`.
pub(crate) fn scrub_header(name: &str, value: &[u8]) -> Option<Vec<u8>> {
    let mut line = Vec::with_capacity(name.len() + 2 + value.len());
    line.extend_from_slice(name.as_bytes());
    line.extend_from_slice(b": ");
    line.extend_from_slice(value);
    let hits = SecretScanner::token_shapes().hits(&line, 0);
    if hits.is_empty() {
        return None;
    }
    replaced(value, &replacements(&hits))
}

/// `body` (server-sent events or NDJSON lines) with each credential cut
/// across the events' strings replaced: for each JSON field, the strings of
/// its events joined as the client joins them; where a credential spans
/// several, the first event's piece takes the placeholder and the others lose
/// their part. Only the events that change are written again. `None` when no
/// credential spans events.
fn joined_replaced(
    body: &[u8],
    content_type: &str,
    replacements: &[Replacement],
) -> Option<Vec<u8>> {
    crate::stream_text::Framing::of(content_type, body)?;
    // Pass 1: each payload's strings, by pointer, in order.
    let payloads: std::cell::RefCell<Vec<Vec<(String, String)>>> = Default::default();
    crate::json_payloads::edit(body, content_type, |value| {
        let mut strings = Vec::new();
        crate::stream_text::each_string(value, &mut String::new(), &mut |pointer, text| {
            strings.push((pointer.to_owned(), text.to_owned()));
        });
        payloads.borrow_mut().push(strings);
        false
    });
    let payloads = payloads.into_inner();
    // Per pointer: the pieces (payload index, text) and their joined text.
    let mut fields: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    for (i, strings) in payloads.iter().enumerate() {
        for (pointer, text) in strings {
            match fields.iter_mut().find(|(p, _)| p == pointer) {
                Some((_, pieces)) => pieces.push((i, text.clone())),
                None => fields.push((pointer.clone(), vec![(i, text.clone())])),
            }
        }
    }
    // New texts: (payload index, pointer) -> text.
    let mut edits: Vec<(usize, String, String)> = Vec::new();
    for (pointer, pieces) in fields.iter().filter(|(_, pieces)| pieces.len() > 1) {
        let joined: Vec<u8> = pieces.iter().flat_map(|(_, t)| t.bytes()).collect();
        // Occurrences spanning pieces: (start, end, placeholder).
        let mut cuts: Vec<(usize, usize, &[u8])> = Vec::new();
        for r in replacements {
            for start in memchr::memmem::find_iter(&joined, &r.secret) {
                let end = start + r.secret.len();
                if !cuts.iter().any(|(s, e, _)| start < *e && *s < end) {
                    cuts.push((start, end, &r.placeholder));
                }
            }
        }
        if cuts.is_empty() {
            continue;
        }
        let mut at = 0;
        for (i, text) in pieces {
            let (from, to) = (at, at + text.len());
            at = to;
            if !cuts.iter().any(|(s, e, _)| *s < to && from < *e) {
                continue;
            }
            let mut new = Vec::with_capacity(text.len());
            for (k, b) in text.bytes().enumerate() {
                let pos = from + k;
                match cuts.iter().find(|(s, e, _)| *s <= pos && pos < *e) {
                    Some((s, _, placeholder)) if *s == pos => new.extend_from_slice(placeholder),
                    Some(_) => {}
                    None => new.push(b),
                }
            }
            edits.push((
                *i,
                pointer.clone(),
                String::from_utf8_lossy(&new).into_owned(),
            ));
        }
    }
    if edits.is_empty() {
        return None;
    }
    // Pass 2: the edited payloads written again.
    let index = std::cell::Cell::new(0);
    crate::json_payloads::edit(body, content_type, |value| {
        let i = index.get();
        index.set(i + 1);
        let mut changed = false;
        for (_, pointer, text) in edits.iter().filter(|(e, _, _)| *e == i) {
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = serde_json::Value::String(text.clone());
                changed = true;
            }
        }
        changed
    })
}

/// One replacement per credential, longest first (a credential holding
/// another is replaced whole).
fn replacements(hits: &[Hit]) -> Vec<Replacement> {
    let mut out: Vec<Replacement> = Vec::new();
    for hit in hits {
        if !out.iter().any(|r| r.secret == hit.secret) {
            out.push(Replacement {
                secret: hit.secret.clone(),
                placeholder: hit.placeholder.clone().into_bytes(),
            });
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.secret.len()));
    out
}

/// Compressed bodies holding a credential stored decoded, so that it can be
/// replaced.
fn store_decoded(interaction: &mut Interaction, replacements: &[Replacement]) {
    let holds = |body: &Vec<u8>| replaced(body, replacements).is_some();
    let request = &mut interaction.request;
    if let Some(body) = decoded(&request.headers, &request.body).filter(holds) {
        request.headers.remove("Content-Encoding");
        request.body = body.into();
        if request.content_length > 0 {
            request.content_length = request.body.len() as i64;
        }
    }
    let response = &mut interaction.response;
    if let Some(body) = decoded(&response.headers, &response.body).filter(holds) {
        response.headers.remove("Content-Encoding");
        response.headers.remove("Content-Length");
        response.body = body.into();
        response.content_length = -1;
        response.uncompressed = true;
    }
}

fn decoded(headers: &Headers, body: &[u8]) -> Option<Vec<u8>> {
    let coding = headers
        .get("Content-Encoding")
        .or_else(|| crate::content_coding::sniff(body))?;
    crate::content_coding::decode(coding, body, MAX_DECODED)
}

fn scrub_all(interaction: &mut Interaction, replacements: &[Replacement]) {
    let request = &mut interaction.request;
    if let Some(url) = replaced_text(&request.url, replacements) {
        request.url = url;
    }
    if let Some(uri) = replaced(request.request_uri.as_bytes(), replacements) {
        request.request_uri = uri.into();
    }
    for headers in [
        &mut request.headers,
        &mut request.form,
        &mut request.trailer,
    ] {
        scrub_headers(headers, replacements);
    }
    if let Some(body) = replaced(&request.body, replacements) {
        request.body = body.into();
        if request.content_length > 0 {
            request.content_length = request.body.len() as i64;
        }
    }
    let response = &mut interaction.response;
    for headers in [&mut response.headers, &mut response.trailer] {
        scrub_headers(headers, replacements);
    }
    let content_type = response
        .headers
        .get("Content-Type")
        .unwrap_or("")
        .to_owned();
    let whole = replaced(&response.body, replacements);
    let current = whole.as_deref().unwrap_or(&response.body);
    let cut = if crate::websocket::is_session(response) {
        session_cuts_replaced(current, replacements)
    } else {
        joined_replaced(current, &content_type, replacements)
    };
    if let Some(body) = cut.or(whole) {
        response.body = body.into();
        if response.content_length > 0 {
            response.content_length = response.body.len() as i64;
        }
    }
}

fn scrub_headers(headers: &mut Headers, replacements: &[Replacement]) {
    for value in headers.values_mut() {
        if let Some(new) = replaced(value.as_bytes(), replacements) {
            *value = ByteString::from(new);
        }
    }
}

fn replaced_text(text: &str, replacements: &[Replacement]) -> Option<String> {
    replaced(text.as_bytes(), replacements).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `bytes` with every credential replaced in each form it may take, or
/// `None` when none occurs.
fn replaced(bytes: &[u8], replacements: &[Replacement]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for r in replacements {
        for form in forms(&r.secret) {
            let current = out.as_deref().unwrap_or(bytes);
            if let Some(new) = replace_all(current, &form, &r.placeholder) {
                out = Some(new);
            }
        }
    }
    // Inside base64 runs that decode to text.
    let current = out.as_deref().unwrap_or(bytes);
    let runs = decode::text_runs(current);
    if !runs.is_empty() {
        let mut rebuilt = Vec::with_capacity(current.len());
        let mut at = 0;
        let mut changed = false;
        for run in &runs {
            if let Some(inner) = replaced(&run.decoded, replacements) {
                rebuilt.extend_from_slice(&current[at..run.span.start]);
                rebuilt.extend_from_slice(&decode::encode_like(run, &inner));
                at = run.span.end;
                changed = true;
            }
        }
        if changed {
            rebuilt.extend_from_slice(&current[at..]);
            out = Some(rebuilt);
        }
    }
    out
}

/// The forms a credential takes in stored text ([`crate::placeholder::forms`]);
/// one that is not UTF-8 only as it is.
fn forms(secret: &[u8]) -> Vec<Vec<u8>> {
    match std::str::from_utf8(secret) {
        Ok(text) => crate::placeholder::forms(text)
            .into_iter()
            .map(String::into_bytes)
            .collect(),
        Err(_) => vec![secret.to_vec()],
    }
}

/// `haystack` with each `needle` replaced, or `None` when there is none.
fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    let mut found = memchr::memmem::find_iter(haystack, needle).peekable();
    found.peek()?;
    let mut out = Vec::with_capacity(haystack.len());
    let mut at = 0;
    for start in found {
        if start < at {
            continue;
        }
        out.extend_from_slice(&haystack[at..start]);
        out.extend_from_slice(with);
        at = start + needle.len();
    }
    out.extend_from_slice(&haystack[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};
    use base64::Engine as _;

    fn key() -> String {
        ["sk-proj-", "Xk2fQ9zLmN3pR7sT1vW4yB6dA8cE0gH"].concat()
    }

    #[test]
    fn every_form_of_a_credential_is_replaced() {
        let key = key();
        let secret = "Xk2fQ9zLmN3p/R7sT1vW+4yB6dA8cE";
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(format!("{{\"note\":\"the key {key} here\"}}"));
        let body = format!(
            "{{\"a\":\"{key}\",\"client_secret\":\"{}\",\"c\":\"{b64}\"}}",
            secret.replace('/', "\\/")
        );
        let mut interaction = Interaction::new(
            Request::new(
                "GET",
                format!(
                    "https://x/?client_secret={}",
                    secret.replace('+', "%2B").replace('/', "%2F")
                ),
            ),
            Response::new(200).with_body(body),
        );
        let scanner = SecretScanner::token_shapes();
        assert!(!scanner.scrub_interaction(0, &mut interaction).is_empty());
        let mut left = Vec::new();
        scanner.scan_interaction(0, &interaction, &mut left);
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(
            interaction.request.url,
            "https://x/?client_secret=REDACTED_CLIENT_SECRET"
        );
        let body = String::from_utf8(interaction.response.body.to_vec()).unwrap();
        assert!(
            body.starts_with(
                r#"{"a":"REDACTED_OPENAI_API_KEY","client_secret":"REDACTED_CLIENT_SECRET","c":""#
            ),
            "{body}"
        );
        let inner = body.rsplit('"').nth(1).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(inner)
            .unwrap();
        assert_eq!(
            decoded,
            br#"{"note":"the key REDACTED_OPENAI_API_KEY here"}"#
        );
    }

    #[test]
    fn a_credential_cut_across_streamed_events_is_replaced_in_its_pieces() {
        let key = key();
        let pieces = [&key[..5], &key[5..20], &key[20..]];
        let mut body: String = ["Your key: ", pieces[0], pieces[1], pieces[2], " ok"]
            .iter()
            .map(|p| format!("data: {}\n\n", serde_json::json!({"delta": {"text": p}})))
            .collect();
        body.push_str("data: [DONE]\n\n");
        let mut interaction = Interaction::new(
            Request::new("POST", "https://x/"),
            Response::new(200)
                .with_header("Content-Type", "text/event-stream")
                .with_body(body),
        );
        let scanner = SecretScanner::token_shapes();
        assert_eq!(scanner.scrub_interaction(0, &mut interaction).len(), 1);
        let mut left = Vec::new();
        scanner.scan_interaction(0, &interaction, &mut left);
        assert!(left.is_empty(), "{left:?}");
        let body = String::from_utf8(interaction.response.body.to_vec()).unwrap();
        assert_eq!(
            body,
            "data: {\"delta\":{\"text\":\"Your key: \"}}\n\n\
             data: {\"delta\":{\"text\":\"REDACTED_OPENAI_API_KEY\"}}\n\n\
             data: {\"delta\":{\"text\":\"\"}}\n\n\
             data: {\"delta\":{\"text\":\"\"}}\n\n\
             data: {\"delta\":{\"text\":\" ok\"}}\n\n\
             data: [DONE]\n\n"
        );
    }

    #[test]
    fn a_credential_in_a_compressed_body_is_stored_decoded_and_replaced() {
        use std::io::Write as _;
        let key = key();
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(format!("{{\"k\":\"{key}\"}}").as_bytes())
            .unwrap();
        let mut interaction = Interaction::new(
            Request::new("POST", "https://x/"),
            Response::new(200)
                .with_header("Content-Encoding", "gzip")
                .with_body(gzip.finish().unwrap()),
        );
        let scrubbed = SecretScanner::token_shapes().scrub_interaction(0, &mut interaction);
        assert_eq!(scrubbed.len(), 1);
        assert_eq!(
            &interaction.response.body[..],
            br#"{"k":"REDACTED_OPENAI_API_KEY"}"#
        );
        assert!(interaction
            .response
            .headers
            .get("Content-Encoding")
            .is_none());
    }
}
