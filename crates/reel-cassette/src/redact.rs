//! Keeping credentials out of recorded interactions.
//!
//! By default reel keeps what Go suites keep (the `Accept`, `Content-Type` and
//! `User-Agent` request headers and the `Content-Type` response header), plus a
//! request's `Content-Encoding` (a compressed request body is recorded as sent and
//! matched on its decoded bytes, which needs the coding), and also
//! replaces credential-like query parameters with `REDACTED`. JSON body fields can
//! be redacted by pointer, in a whole JSON body, in each event of a
//! `text/event-stream` body and in each line of an NDJSON body. Each rule can
//! put a replacement of its own in place of `REDACTED`. The same rules apply to a
//! live request before it is matched, so a redacted cassette still matches the
//! next run.
//!
//! A placeholder ([`Redaction::placeholder`]) goes further: its value is recorded
//! as its name everywhere (URL, headers kept, form, bodies) and given back on
//! replay ([`Redaction::restore_placeholders`]), so a recording made with a real
//! account id replays with whichever id the run has.

use std::borrow::Cow;

use crate::placeholder::Placeholders;
use crate::{Headers, Request, Response};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "REDACTED";

/// Query (and urlencoded body) parameter names redacted by default, in any
/// case: API keys and tokens, and the credentials of presigned URLs (Azure
/// SAS `sig`, AWS SigV4 and Google Cloud Storage V4 query signing).
const DEFAULT_PARAMS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "access_token",
    "token",
    "sig",
    "signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "X-Goog-Signature",
    "X-Goog-Credential",
];

/// The rules for keeping credentials out of a cassette.
///
/// ```
/// use reel_cassette::{Redaction, Request};
///
/// let mut request = Request::new("GET", "https://api.example.com/v1?key=abc&q=1")
///     .with_header("Authorization", "Bearer sk-secret")
///     .with_header("Accept", "application/json");
/// Redaction::default().apply_to_request(&mut request);
/// assert_eq!(request.url, "https://api.example.com/v1?key=REDACTED&q=1");
/// assert!(request.headers.get("Authorization").is_none());
/// assert_eq!(request.headers.get("Accept"), Some("application/json"));
/// ```
#[derive(Clone, Debug)]
#[must_use = "a Redaction does nothing until applied"]
pub struct Redaction {
    keep_all_headers: bool,
    request_headers: Vec<String>,
    response_headers: Vec<String>,
    /// Parameter names (lower case) and their replacements; the last rule for
    /// a name wins.
    params: Vec<(String, String)>,
    json_pointers: Vec<(crate::FieldPointer, String)>,
    /// Pointers given that name no field: [`Redaction::check`] reports them.
    invalid: Vec<crate::PointerError>,
    /// Part names and their replacements; the last rule for a name wins.
    form_parts: Vec<(String, String)>,
    placeholders: Placeholders,
    /// Whether every credential the secret scan finds is replaced too.
    scrub_secrets: bool,
}

impl Default for Redaction {
    fn default() -> Redaction {
        Redaction {
            keep_all_headers: false,
            request_headers: vec![
                "accept".into(),
                "content-encoding".into(),
                "content-type".into(),
                "user-agent".into(),
            ],
            response_headers: vec!["content-type".into()],
            params: DEFAULT_PARAMS
                .iter()
                .map(|p| ((*p).to_owned(), REDACTED.to_owned()))
                .collect(),
            json_pointers: Vec::new(),
            invalid: Vec::new(),
            form_parts: Vec::new(),
            placeholders: Placeholders::default(),
            scrub_secrets: false,
        }
    }
}

impl Redaction {
    /// Keeps every header. Default: only `Accept`, `Content-Encoding`,
    /// `Content-Type` and `User-Agent` on requests and `Content-Type` on responses.
    pub fn keep_all_headers(mut self) -> Redaction {
        self.keep_all_headers = true;
        self
    }

    /// Also keeps header `name` (any case) on requests and responses.
    pub fn keep_header(mut self, name: &str) -> Redaction {
        let name = name.to_ascii_lowercase();
        self.request_headers.push(name.clone());
        self.response_headers.push(name);
        self
    }

    /// Also redacts query and urlencoded body parameter `name` (any case). Default:
    /// `key`, `api_key`, `apikey`, `access_token`, `token`, `sig`, `signature`.
    pub fn redact_param(self, name: &str) -> Redaction {
        self.redact_param_with(name, REDACTED)
    }

    /// [`Redaction::redact_param`] with `replacement` in place of `REDACTED`
    /// (percent-encoded in URLs and urlencoded bodies where it holds `&`, `=`,
    /// `#`, `%`, `+`, spaces or bytes that are not visible ASCII). A later rule
    /// for the same name, a default one included, takes the place of an earlier:
    ///
    /// ```
    /// use reel_cassette::Redaction;
    ///
    /// let rules = Redaction::default().redact_param_with("key", "<GEMINI_KEY>");
    /// assert_eq!(rules.redact_url("https://x/v1?key=AIza123"), "https://x/v1?key=<GEMINI_KEY>");
    /// ```
    pub fn redact_param_with(mut self, name: &str, replacement: &str) -> Redaction {
        self.params
            .push((name.to_ascii_lowercase(), replacement.to_owned()));
        self
    }

    /// Redacts the JSON body field at `pointer` (RFC 6901, with `*` matching every
    /// array element or object member) in requests and responses: in a whole
    /// JSON body, in the data of each event of a `text/event-stream` body, and in
    /// each line of an NDJSON body (`application/x-ndjson`, `application/jsonl`
    /// and their kin, or any body whose lines are each a JSON object). Only a
    /// JSON payload that changes is written again, compactly; the rest of the
    /// body (event framing, `event:` and `id:` lines, other lines) stays byte for
    /// byte. A pointer that names no field (`api_key`, without its `/`) redacts
    /// nothing, and [`Redaction::check`] reports it: check before use.
    ///
    /// ```
    /// use reel_cassette::{Redaction, Response};
    ///
    /// let mut response = Response::new(200)
    ///     .with_header("Content-Type", "text/event-stream")
    ///     .with_body("id: 1\ndata: {\"api_key\":\"sk-1\"}\n\ndata: [DONE]\n\n");
    /// Redaction::default().redact_json_field("/api_key").apply_to_response(&mut response);
    /// assert_eq!(&response.body[..], b"id: 1\ndata: {\"api_key\":\"REDACTED\"}\n\ndata: [DONE]\n\n");
    /// ```
    pub fn redact_json_field(self, pointer: &str) -> Redaction {
        self.redact_json_field_with(pointer, REDACTED)
    }

    /// [`Redaction::redact_json_field`] with the string `replacement` in place of
    /// `REDACTED`.
    pub fn redact_json_field_with(mut self, pointer: &str, replacement: &str) -> Redaction {
        match crate::FieldPointer::parse(pointer) {
            Ok(pointer) => self.json_pointers.push((pointer, replacement.to_owned())),
            Err(err) => self.invalid.push(err),
        }
        self
    }

    /// Records `value` as `name`, and gives it back on replay: every occurrence
    /// of `value` in a request (URL, `request_uri`, the headers kept, form
    /// values, body) and a response (the headers kept, body) becomes `name`,
    /// also where the URL or a urlencoded body percent-encodes it and where a
    /// JSON string escapes it. Live requests get the same before matching, so a
    /// recording matches whatever value the run has. [`Redaction::restore_placeholders`]
    /// puts the value back into a replayed response.
    ///
    /// An empty `value` (a variable not set on this machine) hides nothing and
    /// restores nothing. Of several values, the longest found at a place is
    /// replaced, so a value that contains another is replaced whole; a `name` or
    /// a `value` given again takes the place of the earlier placeholder. Choose
    /// a name that cannot occur by chance (`<ACCOUNT_ID>`): replay replaces it
    /// wherever it is.
    ///
    /// # Panics
    /// When `name` is empty: the value would vanish with nothing to restore.
    ///
    /// ```
    /// use reel_cassette::{Redaction, Request, Response};
    ///
    /// let rules = Redaction::default().placeholder("<ACCOUNT_ID>", "acct-7781");
    /// let mut request = Request::new("GET", "https://api.example.com/accounts/acct-7781");
    /// rules.apply_to_request(&mut request);
    /// assert_eq!(request.url, "https://api.example.com/accounts/<ACCOUNT_ID>");
    ///
    /// let mut recorded = Response::new(200).with_body(r#"{"id":"<ACCOUNT_ID>"}"#);
    /// assert!(rules.restore_placeholders(&mut recorded));
    /// assert_eq!(&recorded.body[..], br#"{"id":"acct-7781"}"#);
    /// ```
    pub fn placeholder(mut self, name: &str, value: &str) -> Redaction {
        assert!(
            !name.is_empty(),
            "a placeholder needs a name to record its value as (for example <ACCOUNT_ID>)"
        );
        self.placeholders.add(name, value);
        self
    }

    /// Whether a placeholder with a value is set: without one,
    /// [`Redaction::restore_placeholders`] never changes anything.
    pub fn has_placeholders(&self) -> bool {
        !self.placeholders.is_empty()
    }

    /// Puts each placeholder's value back where its name is in a recorded
    /// `response`: header and trailer values and the body (every event of a
    /// stream). The status line is left alone. When the body changes length, a
    /// `Content-Length` header and `content_length` say the new length. Whether
    /// anything changed; a response without a name is not copied.
    pub fn restore_placeholders(&self, response: &mut Response) -> bool {
        if self.placeholders.is_empty() {
            return false;
        }
        let mut changed = map_values(&mut response.headers, |v| self.placeholders.restore(v));
        changed |= map_values(&mut response.trailer, |v| self.placeholders.restore(v));
        if let Some(body) = self.placeholders.restore(&response.body) {
            set_body(response, body);
            changed = true;
        }
        changed
    }

    /// Also replaces every credential the secret scan finds (provider keys,
    /// tokens, values named as credentials, in any header kept, the URL, form
    /// values and bodies) with a placeholder naming its kind:
    /// `REDACTED_OPENAI_API_KEY`, `REDACTED_X_API_KEY` for a value named
    /// `x-api-key`. Live requests are scrubbed the same way before matching,
    /// so the recording still matches. Recording then writes what it would
    /// otherwise refuse, without the credential.
    ///
    /// ```
    /// use reel_cassette::{Redaction, Request};
    ///
    /// let key = ["sk-proj-", "Xk2fQ9zLmN3pR7sT1vW4yB6dA8cE0gH"].concat();
    /// let mut request = Request::new("POST", "https://api.example.com/v1/keys")
    ///     .with_body(format!(r#"{{"client_secret":"Zx81kQpL0vB3nM5tR7wY","key":"{key}"}}"#));
    /// Redaction::default().scrub_secrets().apply_to_request(&mut request);
    /// assert_eq!(
    ///     &request.body[..],
    ///     br#"{"client_secret":"REDACTED_CLIENT_SECRET","key":"REDACTED_OPENAI_API_KEY"}"#
    /// );
    /// ```
    pub fn scrub_secrets(mut self) -> Redaction {
        self.scrub_secrets = true;
        self
    }

    /// Whether [`Redaction::scrub_secrets`] is on.
    pub fn scrubs_secrets(&self) -> bool {
        self.scrub_secrets
    }

    /// The first rule given that cannot work: a JSON pointer that names no field.
    pub fn check(&self) -> Result<(), crate::PointerError> {
        match self.invalid.first() {
            Some(err) => Err(err.clone()),
            None => Ok(()),
        }
    }

    /// Replaces the content of the `multipart/form-data` part named `name` by
    /// `REDACTED` in request bodies, the rest of the body byte for byte.
    pub fn redact_form_part(self, name: &str) -> Redaction {
        self.redact_form_part_with(name, REDACTED)
    }

    /// [`Redaction::redact_form_part`] with `replacement` in place of `REDACTED`.
    /// A later rule for the same part takes the place of an earlier.
    pub fn redact_form_part_with(mut self, name: &str, replacement: &str) -> Redaction {
        self.form_parts
            .push((name.to_owned(), replacement.to_owned()));
        self
    }

    /// A multipart body with the content of the redacted parts replaced, or
    /// `None` when no part is redacted (or the body does not parse).
    fn redact_parts(&self, body: &[u8], boundary: &str) -> Option<Vec<u8>> {
        if self.form_parts.is_empty() {
            return None;
        }
        let body = bytes::Bytes::copy_from_slice(body);
        let parts = crate::multipart::parse(&body, boundary).ok()?;
        let mut out = Vec::with_capacity(body.len());
        let mut at = 0;
        let mut changed = false;
        for part in parts {
            let replacement = part.name.as_ref().and_then(|name| {
                self.form_parts
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, replacement)| replacement)
            });
            let Some(replacement) = replacement else {
                continue;
            };
            if part.content != replacement.as_bytes() {
                out.extend_from_slice(body.get(at..part.range.start)?);
                out.extend_from_slice(replacement.as_bytes());
                at = part.range.end;
                changed = true;
            }
        }
        out.extend_from_slice(body.get(at..)?);
        changed.then_some(out)
    }

    /// Applies the rules to a request: headers, URL query, form, and body; then
    /// the placeholders to the URL, `request_uri`, the headers kept, the form
    /// values and the body.
    pub fn apply_to_request(&self, request: &mut Request) {
        if !self.keep_all_headers {
            keep_only(&mut request.headers, &self.request_headers);
            keep_only(&mut request.trailer, &self.request_headers);
        }
        if let Cow::Owned(url) = self.redact_url(&request.url) {
            request.url = url;
        }
        for (name, values) in request
            .form
            .iter()
            .map(|(n, v)| (n.to_owned(), v.len()))
            .collect::<Vec<_>>()
        {
            if let Some(replacement) = self.param_replacement(&name) {
                request
                    .form
                    .insert(name, vec![replacement.to_owned(); values]);
            }
        }
        if !self.placeholders.is_empty() {
            let hide = |value: &[u8]| self.placeholders.hide(value);
            map_values(&mut request.headers, hide);
            map_values(&mut request.trailer, hide);
            map_values(&mut request.form, hide);
            if let Some(uri) = hide(request.request_uri.as_bytes()) {
                request.request_uri = uri.into();
            }
        }
        if self.scrub_secrets {
            scrub_headers(&mut request.headers);
            scrub_headers(&mut request.trailer);
            scrub_headers(&mut request.form);
            if let Some(uri) = crate::secrets::scrub_text(request.request_uri.as_bytes()) {
                request.request_uri = uri.into();
            }
        }
        let content_type = request.headers.get("Content-Type").unwrap_or("");
        if let Some(body) = self.redact_body(&request.body, content_type) {
            request.body = body.into();
            if request.content_length > 0 {
                request.content_length = request.body.len() as i64;
            }
        }
    }

    /// Applies the rules to a response: headers and body; then the placeholders
    /// to the headers kept and the body. A `Content-Length` header kept says the
    /// length of a body that changed.
    pub fn apply_to_response(&self, response: &mut Response) {
        if !self.keep_all_headers {
            keep_only(&mut response.headers, &self.response_headers);
            keep_only(&mut response.trailer, &self.response_headers);
        }
        if !self.placeholders.is_empty() {
            map_values(&mut response.headers, |v| self.placeholders.hide(v));
            map_values(&mut response.trailer, |v| self.placeholders.hide(v));
        }
        if self.scrub_secrets {
            scrub_headers(&mut response.headers);
            scrub_headers(&mut response.trailer);
        }
        if crate::websocket::is_session(response) {
            if let Some(body) = self.redact_transcript(&response.body) {
                set_body(response, body);
            }
            return;
        }
        let content_type = response.headers.get("Content-Type").unwrap_or("");
        if let Some(body) = self.redact_body(&response.body, content_type) {
            set_body(response, body);
        }
    }

    /// A WebSocket message's text with the body rules applied as to a JSON
    /// body (JSON fields, placeholders, the secret scrub), or `None` when they
    /// change nothing: recording applies it to every text message of a session,
    /// and replay to each live client message before comparing it.
    pub fn redact_message(&self, text: &[u8]) -> Option<Vec<u8>> {
        self.redact_body(text, "application/json")
    }

    /// A session's transcript with [`Redaction::redact_message`] applied to
    /// each text message, and each binary message that is text (JSON events
    /// sent as binary messages), then, with the secret scrub, a credential the
    /// server's messages cut across messages replaced; `None` when nothing
    /// changes (or it does not parse).
    fn redact_transcript(&self, body: &[u8]) -> Option<Vec<u8>> {
        use crate::websocket::{printable_text, Frame, Transcript};
        let mut transcript = Transcript::parse(body).ok()?;
        let mut changed = false;
        for message in &mut transcript.messages {
            match &mut message.frame {
                Frame::Text(text) => {
                    if let Some(redacted) = self.redact_message(text.as_bytes()) {
                        *text = String::from_utf8_lossy(&redacted).into_owned();
                        changed = true;
                    }
                }
                Frame::Binary(bytes) if printable_text(bytes).is_some() => {
                    if let Some(redacted) = self.redact_message(bytes) {
                        *bytes = redacted;
                        changed = true;
                    }
                }
                _ => {}
            }
        }
        let text = transcript.to_text().into_bytes();
        // A credential the model's answer cut across server messages.
        let cuts = if self.scrub_secrets {
            crate::secrets::scrub_session_cuts(&text)
        } else {
            None
        };
        match cuts {
            Some(scrubbed) => Some(scrubbed),
            None => changed.then_some(text),
        }
    }

    /// `url` with credential-like query parameter values replaced, then each
    /// placeholder's value by its name; everything else is kept byte for byte.
    pub fn redact_url<'a>(&self, url: &'a str) -> Cow<'a, str> {
        let redacted = match self.redact_query(url) {
            Some(redacted) => Cow::Owned(redacted),
            None => Cow::Borrowed(url),
        };
        let hidden = match self.placeholders.hide_str(&redacted) {
            Some(hidden) => Cow::Owned(hidden),
            None => redacted,
        };
        if !self.scrub_secrets {
            return hidden;
        }
        match crate::secrets::scrub_text(hidden.as_bytes()) {
            Some(scrubbed) => Cow::Owned(String::from_utf8_lossy(&scrubbed).into_owned()),
            None => hidden,
        }
    }

    /// `url` with its secret query parameters redacted, or `None` if none were.
    fn redact_query(&self, url: &str) -> Option<String> {
        let q = url.find('?')?;
        let (base, rest) = url.split_at(q + 1);
        let (query, fragment) = match rest.find('#') {
            Some(f) => rest.split_at(f),
            None => (rest, ""),
        };
        let query = self.redact_pairs(query)?;
        Some(format!("{base}{query}{fragment}"))
    }

    /// `body` with its secrets redacted (urlencoded parameters, multipart parts,
    /// JSON fields in a JSON, event-stream or NDJSON body), then each
    /// placeholder's value replaced by its name; `None` when nothing changes. A
    /// redacted JSON payload is re-serialized compactly.
    pub fn redact_body(&self, body: &[u8], content_type: &str) -> Option<Vec<u8>> {
        let redacted = self.redact_structure(body, content_type);
        let hidden = match self.placeholders.hide(redacted.as_deref().unwrap_or(body)) {
            Some(hidden) => Some(hidden),
            None => redacted,
        };
        if !self.scrub_secrets {
            return hidden;
        }
        match crate::secrets::scrub_body(hidden.as_deref().unwrap_or(body), content_type) {
            Some(scrubbed) => Some(scrubbed),
            None => hidden,
        }
    }

    /// [`Redaction::redact_body`] without the placeholders.
    fn redact_structure(&self, body: &[u8], content_type: &str) -> Option<Vec<u8>> {
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let text = std::str::from_utf8(body).ok()?;
            return self.redact_pairs(text).map(String::into_bytes);
        }
        if let Some(boundary) = crate::multipart::boundary(content_type) {
            return self.redact_parts(body, &boundary);
        }
        if self.json_pointers.is_empty() {
            return None;
        }
        crate::json_payloads::edit(body, content_type, |value| {
            self.json_pointers
                .iter()
                .fold(false, |changed, (pointer, replacement)| {
                    pointer.redact(value, replacement) | changed
                })
        })
    }

    /// `a=1&key=x` with secret parameters' values redacted, or `None` if none were.
    fn redact_pairs(&self, query: &str) -> Option<String> {
        let mut changed = false;
        let pairs: Vec<Cow<'_, str>> = query
            .split('&')
            .map(|pair| {
                let Some((name, value)) = pair.split_once('=') else {
                    return Cow::Borrowed(pair);
                };
                match self.param_replacement(name).map(query_safe) {
                    Some(replacement) if value != replacement => {
                        changed = true;
                        Cow::Owned(format!("{name}={replacement}"))
                    }
                    _ => Cow::Borrowed(pair),
                }
            })
            .collect();
        changed.then(|| pairs.join("&"))
    }

    /// What the value of parameter `name` (any case) is replaced by, when it is
    /// redacted.
    fn param_replacement(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(p, _)| p.eq_ignore_ascii_case(name))
            .map(|(_, replacement)| replacement.as_str())
    }
}

fn keep_only(headers: &mut Headers, kept: &[String]) {
    headers.retain(|name, _| kept.iter().any(|k| k.eq_ignore_ascii_case(name)));
}

/// Replaces each value of `headers` that `map` changes; whether any did.
/// Each value with its credentials replaced, judged with its header's name.
fn scrub_headers(headers: &mut Headers) {
    let changed: Vec<(String, Vec<crate::ByteString>)> = headers
        .iter()
        .filter_map(|(name, values)| {
            let mut any = false;
            let new = values
                .iter()
                .map(|v| match crate::secrets::scrub_header(name, v.as_bytes()) {
                    Some(scrubbed) => {
                        any = true;
                        crate::ByteString::from(scrubbed)
                    }
                    None => v.clone(),
                })
                .collect();
            any.then(|| (name.to_owned(), new))
        })
        .collect();
    for (name, values) in changed {
        headers.insert(name, values);
    }
}

fn map_values(headers: &mut Headers, map: impl Fn(&[u8]) -> Option<Vec<u8>>) -> bool {
    let mut changed = false;
    for value in headers.values_mut() {
        if let Some(mapped) = map(value.as_bytes()) {
            *value = mapped.into();
            changed = true;
        }
    }
    changed
}

/// Gives `response` a new body, and a `Content-Length` header and
/// `content_length` that say its length when it had them.
fn set_body(response: &mut Response, body: Vec<u8>) {
    let length = body.len();
    response.body = body.into();
    if response.headers.contains("Content-Length") {
        response
            .headers
            .insert("Content-Length", [length.to_string()]);
    }
    if response.content_length >= 0 {
        response.content_length = length as i64;
    }
}

/// A replacement as a query or urlencoded value: the bytes that would end or
/// change the value (`&`, `=`, `#`, `%`, `+`, space, and bytes that are not
/// visible ASCII) percent-encoded.
fn query_safe(replacement: &str) -> Cow<'_, str> {
    let plain = |b: u8| b.is_ascii_graphic() && !b"&=#%+".contains(&b);
    if replacement.bytes().all(plain) {
        return Cow::Borrowed(replacement);
    }
    let mut out = String::with_capacity(replacement.len() + 8);
    for b in replacement.bytes() {
        if plain(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_query_parameters_are_redacted_and_the_rest_kept_byte_for_byte() {
        let r = Redaction::default();
        assert_eq!(
            r.redact_url("https://x/a?alt=sse&KEY=abc&b=%20#frag"),
            "https://x/a?alt=sse&KEY=REDACTED&b=%20#frag"
        );
        assert_eq!(r.redact_url("https://x/a?sig=1&signature=2&token=3&access_token=4&apikey=5&api_key=6"),
            "https://x/a?sig=REDACTED&signature=REDACTED&token=REDACTED&access_token=REDACTED&apikey=REDACTED&api_key=REDACTED");
        assert!(matches!(r.redact_url("https://x/a?q=1"), Cow::Borrowed(_)));
        assert!(matches!(
            r.redact_url("https://x/a?key=REDACTED"),
            Cow::Borrowed(_)
        ));
        let custom = Redaction::default().redact_param("session");
        assert_eq!(
            custom.redact_url("https://x/?session=s"),
            "https://x/?session=REDACTED"
        );
    }

    #[test]
    fn only_the_go_suites_headers_are_kept_unless_widened() {
        let mut request = Request::new("POST", "https://x/")
            .with_header("Authorization", "Bearer t")
            .with_header("X-Api-Key", "k")
            .with_header("User-Agent", "ua")
            .with_header("Content-Type", "application/json")
            .with_header("Accept", "*/*")
            .with_header("Anthropic-Version", "2023-06-01");
        Redaction::default()
            .keep_header("anthropic-version")
            .apply_to_request(&mut request);
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            ["User-Agent", "Content-Type", "Accept", "Anthropic-Version"]
        );
        let mut response = Response::new(200)
            .with_header("Set-Cookie", "s")
            .with_header("Content-Type", "text/event-stream");
        Redaction::default().apply_to_response(&mut response);
        assert_eq!(response.headers.iter().count(), 1);
        let mut all = Request::new("GET", "https://x/").with_header("Authorization", "t");
        Redaction::default()
            .keep_all_headers()
            .apply_to_request(&mut all);
        assert_eq!(all.headers.get("Authorization"), Some("t"));
    }

    #[test]
    fn json_fields_are_redacted_by_pointer_with_wildcards() {
        let mut request = Request::new("POST", "https://x/")
            .with_header("Content-Type", "application/json")
            .with_body(
                r#"{"user":{"password":"p","name":"n"},"items":[{"token":"a"},{"token":"b"}]}"#,
            );
        Redaction::default()
            .redact_json_field("/user/password")
            .redact_json_field("/items/*/token")
            .redact_json_field("/missing/field")
            .apply_to_request(&mut request);
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"user":{"password":"REDACTED","name":"n"},"items":[{"token":"REDACTED"},{"token":"REDACTED"}]})
        );
        assert_eq!(request.content_length, request.body.len() as i64);
    }

    #[test]
    fn urlencoded_bodies_and_form_values_are_redacted_like_queries() {
        let mut request = Request::new("POST", "https://x/?token=t")
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body("grant_type=client&api_key=secret");
        request.form.append("token", "t");
        request.form.append("grant_type", "client");
        Redaction::default().apply_to_request(&mut request);
        assert_eq!(&request.body[..], b"grant_type=client&api_key=REDACTED");
        assert_eq!(request.form.get("token"), Some(REDACTED));
        assert_eq!(request.form.get("grant_type"), Some("client"));
        assert_eq!(request.url, "https://x/?token=REDACTED");
    }

    #[test]
    fn bodies_without_secrets_are_left_untouched() {
        let body = r#"{ "b": 1,  "a": 2 }"#;
        let mut request = Request::new("POST", "https://x/").with_body(body);
        Redaction::default()
            .redact_json_field("/c")
            .apply_to_request(&mut request);
        assert_eq!(&request.body[..], body.as_bytes());
    }

    #[test]
    fn each_rule_puts_its_own_replacement_and_takes_it_as_already_redacted() {
        let rules = Redaction::default()
            .redact_param_with("key", "<KEY>")
            .redact_param_with("session", "a b&c")
            .redact_json_field_with("/user/password", "<PASSWORD>")
            .redact_form_part_with("file", "<FILE>");
        let redacted = rules.redact_url("https://x/?key=k&session=s&token=t");
        assert_eq!(
            redacted,
            "https://x/?key=<KEY>&session=a%20b%26c&token=REDACTED"
        );
        assert!(matches!(rules.redact_url(&redacted), Cow::Borrowed(_)));
        let mut request = Request::new("POST", "https://x/?key=k")
            .with_header("Content-Type", "application/json")
            .with_body(r#"{"user":{"password":"p"}}"#);
        request.form.append("key", "k");
        rules.apply_to_request(&mut request);
        assert_eq!(&request.body[..], br#"{"user":{"password":"<PASSWORD>"}}"#);
        assert_eq!(request.form.get("key"), Some("<KEY>"));
        assert_eq!(rules.redact_body(&request.body, "application/json"), None);
        let body =
            "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nsecret\r\n--b--\r\n";
        let once = rules
            .redact_body(body.as_bytes(), "multipart/form-data; boundary=b")
            .unwrap();
        assert_eq!(
            String::from_utf8(once.clone()).unwrap(),
            body.replace("secret", "<FILE>")
        );
        assert_eq!(
            rules.redact_body(&once, "multipart/form-data; boundary=b"),
            None
        );
    }

    #[test]
    fn json_fields_are_redacted_in_every_event_of_a_stream_and_every_ndjson_line() {
        let rules = Redaction::default().redact_json_field("/choices/*/delta/content");
        let event = |text: &str| {
            format!("data: {{\"choices\":[{{\"delta\":{{\"content\":\"{text}\"}}}}]}}\n\n")
        };
        let stream = format!("{}: ping\n\n{}data: [DONE]\n\n", event("Hel"), event("lo"));
        let mut response = Response::new(200)
            .with_header("Content-Type", "text/event-stream")
            .with_body(stream);
        rules.apply_to_response(&mut response);
        let redacted = format!(
            "{}: ping\n\n{}data: [DONE]\n\n",
            event("REDACTED"),
            event("REDACTED")
        );
        assert_eq!(&response.body[..], redacted.as_bytes());
        let kind = crate::StreamKind::ServerSentEvents;
        assert_eq!(crate::stream_events(&response.body, kind).count(), 4);

        let mut request = Request::new("POST", "https://x/batch")
            .with_header("Content-Type", "application/x-ndjson")
            .with_body("{\"api_key\":\"k1\",\"n\":1}\n{\"n\":2}\n");
        Redaction::default()
            .redact_json_field("/api_key")
            .apply_to_request(&mut request);
        assert_eq!(
            &request.body[..],
            b"{\"api_key\":\"REDACTED\",\"n\":1}\n{\"n\":2}\n"
        );
    }

    #[test]
    fn a_placeholder_hides_its_value_everywhere_in_a_request_and_a_response() {
        let rules = Redaction::default()
            .keep_header("X-Account")
            .placeholder("<ACCOUNT_ID>", "acct 42");
        let mut request = Request::new("POST", "https://x/accounts/acct%2042?for=acct+42")
            .with_header("X-Account", "acct 42")
            .with_header("Authorization", "acct 42")
            .with_header("Content-Type", "application/x-www-form-urlencoded")
            .with_body("account=acct+42&note=acct%2042");
        request.request_uri = "/accounts/acct%2042?for=acct+42".into();
        request.form.append("account", "acct 42");
        rules.apply_to_request(&mut request);
        assert_eq!(
            request.url,
            "https://x/accounts/<ACCOUNT_ID>?for=<ACCOUNT_ID>"
        );
        assert_eq!(
            request.request_uri,
            "/accounts/<ACCOUNT_ID>?for=<ACCOUNT_ID>"
        );
        assert_eq!(request.headers.get("X-Account"), Some("<ACCOUNT_ID>"));
        assert!(!request.headers.contains("Authorization"));
        assert_eq!(request.form.get("account"), Some("<ACCOUNT_ID>"));
        assert_eq!(&request.body[..], b"account=<ACCOUNT_ID>&note=<ACCOUNT_ID>");

        let mut response = Response::new(200)
            .with_header("X-Account", "acct 42")
            .with_header("Content-Length", "20")
            .with_body(r#"{"account":"acct 42"}"#);
        response.content_length = 20;
        let rules = rules.keep_header("Content-Length");
        rules.apply_to_response(&mut response);
        assert_eq!(&response.body[..], br#"{"account":"<ACCOUNT_ID>"}"#);
        assert_eq!(response.headers.get("X-Account"), Some("<ACCOUNT_ID>"));
        assert_eq!(response.headers.get("Content-Length"), Some("26"));

        let other = Redaction::default().placeholder("<ACCOUNT_ID>", "dummy");
        assert!(other.restore_placeholders(&mut response));
        assert_eq!(&response.body[..], br#"{"account":"dummy"}"#);
        assert_eq!(response.headers.get("X-Account"), Some("dummy"));
        assert_eq!(response.headers.get("Content-Length"), Some("19"));
        assert_eq!(response.content_length, 19);
        assert_eq!(response.status, "200 OK");
        assert!(!other.restore_placeholders(&mut response));
    }

    #[test]
    fn an_empty_placeholder_value_changes_nothing() {
        let rules = Redaction::default().placeholder("<ACCOUNT_ID>", "");
        assert!(!rules.has_placeholders());
        assert!(matches!(
            rules.redact_url("https://x/accounts/1"),
            Cow::Borrowed(_)
        ));
        let mut response = Response::new(200).with_body("<ACCOUNT_ID>");
        assert!(!rules.restore_placeholders(&mut response));
        assert_eq!(&response.body[..], b"<ACCOUNT_ID>");
    }
}
