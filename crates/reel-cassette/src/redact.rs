//! Keeping credentials out of recorded interactions.
//!
//! By default reel keeps what Go suites keep (the `Accept`, `Content-Type` and
//! `User-Agent` request headers and the `Content-Type` response header), plus a
//! request's `Content-Encoding` (a compressed request body is recorded as sent and
//! matched on its decoded bytes, which needs the coding), and also
//! replaces credential-like query parameters with `REDACTED`. JSON body fields can
//! be redacted by pointer. The same rules apply to a live request before it is
//! matched, so a redacted cassette still matches the next run.

use std::borrow::Cow;

use crate::{Headers, Request, Response};

/// What a redacted value is replaced with.
pub const REDACTED: &str = "REDACTED";

/// Query (and urlencoded body) parameter names redacted by default.
const DEFAULT_PARAMS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "access_token",
    "token",
    "sig",
    "signature",
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
    params: Vec<String>,
    json_pointers: Vec<crate::FieldPointer>,
    /// Pointers given that name no field: [`Redaction::check`] reports them.
    invalid: Vec<crate::PointerError>,
    form_parts: Vec<String>,
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
            params: DEFAULT_PARAMS.iter().map(|p| (*p).to_owned()).collect(),
            json_pointers: Vec::new(),
            invalid: Vec::new(),
            form_parts: Vec::new(),
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
    pub fn redact_param(mut self, name: &str) -> Redaction {
        self.params.push(name.to_ascii_lowercase());
        self
    }

    /// Redacts the JSON body field at `pointer` (RFC 6901, with `*` matching every
    /// array element or object member) in requests and responses. A pointer that
    /// names no field (`api_key`, without its `/`) redacts nothing, and
    /// [`Redaction::check`] reports it: check before use.
    pub fn redact_json_field(mut self, pointer: &str) -> Redaction {
        match crate::FieldPointer::parse(pointer) {
            Ok(pointer) => self.json_pointers.push(pointer),
            Err(err) => self.invalid.push(err),
        }
        self
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
    pub fn redact_form_part(mut self, name: &str) -> Redaction {
        self.form_parts.push(name.to_owned());
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
            let redacted = part
                .name
                .as_ref()
                .is_some_and(|name| self.form_parts.iter().any(|n| n == name));
            if redacted && part.content != REDACTED.as_bytes() {
                out.extend_from_slice(body.get(at..part.range.start)?);
                out.extend_from_slice(REDACTED.as_bytes());
                at = part.range.end;
                changed = true;
            }
        }
        out.extend_from_slice(body.get(at..)?);
        changed.then_some(out)
    }

    /// Applies the rules to a request: headers, URL query, form, and body.
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
            if self.is_secret_param(&name) {
                request.form.insert(name, vec![REDACTED.to_owned(); values]);
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

    /// Applies the rules to a response: headers and body.
    pub fn apply_to_response(&self, response: &mut Response) {
        if !self.keep_all_headers {
            keep_only(&mut response.headers, &self.response_headers);
            keep_only(&mut response.trailer, &self.response_headers);
        }
        let content_type = response.headers.get("Content-Type").unwrap_or("");
        if let Some(body) = self.redact_body(&response.body, content_type) {
            response.body = body.into();
        }
    }

    /// `url` with credential-like query parameter values replaced; everything else
    /// is kept byte for byte.
    pub fn redact_url<'a>(&self, url: &'a str) -> Cow<'a, str> {
        let Some(q) = url.find('?') else {
            return Cow::Borrowed(url);
        };
        let (base, rest) = url.split_at(q + 1);
        let (query, fragment) = match rest.find('#') {
            Some(f) => rest.split_at(f),
            None => (rest, ""),
        };
        match self.redact_pairs(query) {
            Some(query) => Cow::Owned(format!("{base}{query}{fragment}")),
            None => Cow::Borrowed(url),
        }
    }

    /// `body` with its secrets redacted (urlencoded parameters, JSON fields), or
    /// `None` when nothing changes. A redacted JSON body is re-serialized compactly.
    pub fn redact_body(&self, body: &[u8], content_type: &str) -> Option<Vec<u8>> {
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
        let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let mut changed = false;
        for pointer in &self.json_pointers {
            changed |= pointer.redact(&mut value, REDACTED);
        }
        changed.then(|| serde_json::to_vec(&value).unwrap_or_else(|_| body.to_vec()))
    }

    /// `a=1&key=x` with secret parameters' values redacted, or `None` if none were.
    fn redact_pairs(&self, query: &str) -> Option<String> {
        let mut changed = false;
        let pairs: Vec<Cow<'_, str>> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value)) if value != REDACTED && self.is_secret_param(name) => {
                    changed = true;
                    Cow::Owned(format!("{name}={REDACTED}"))
                }
                _ => Cow::Borrowed(pair),
            })
            .collect();
        changed.then(|| pairs.join("&"))
    }

    fn is_secret_param(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.eq_ignore_ascii_case(name))
    }
}

fn keep_only(headers: &mut Headers, kept: &[String]) {
    headers.retain(|name, _| kept.iter().any(|k| k.eq_ignore_ascii_case(name)));
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
}
