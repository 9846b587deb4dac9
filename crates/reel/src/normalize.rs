//! Normal forms of URLs and bodies, computed once per recorded request when the
//! cassette loads and once per received request, so that matching is comparing
//! (and hashing) strings.
//!
//! - URL: scheme, host, port and path (only the path when the host is ignored),
//!   then the query parameters as a sorted list (a multiset), minus the ignored
//!   ones. The fragment is never sent, so it is dropped.
//! - Body text: `\r\n` becomes `\n`, and so does the two-character escape `\r\n`
//!   inside JSON strings (what Go suites do, FORMAT.md 4). Bodies that are not
//!   UTF-8 are kept as they are.
//! - Body structure: canonical JSON (keys sorted, no whitespace, numbers by value,
//!   ignored fields removed) when the body parses as JSON; sorted parameters when a
//!   `application/x-www-form-urlencoded` body does not.

use std::collections::HashSet;
use std::fmt::Write as _;

use bytes::Bytes;
use serde_json::Value;

/// What the normalizer leaves out.
#[derive(Clone, Debug)]
pub(crate) struct Normalizer {
    /// Query parameter names that do not take part in matching.
    pub(crate) ignored_query: HashSet<String>,
    /// JSON fields that do not take part in matching.
    pub(crate) ignored_fields: Vec<reel_cassette::FieldPointer>,
    /// `multipart/form-data` parts (by name) that do not take part in matching.
    pub(crate) ignored_parts: HashSet<String>,
    /// The most bytes a compressed body is decoded to (the engine's body limit).
    pub(crate) decode_limit: u64,
    /// Whether scheme, host and port are left out, so that only the path (and
    /// the query) of a URL count.
    pub(crate) ignore_host: bool,
}

impl Default for Normalizer {
    fn default() -> Normalizer {
        Normalizer {
            ignored_query: HashSet::new(),
            ignored_fields: Vec::new(),
            ignored_parts: HashSet::new(),
            ignore_host: false,
            decode_limit: crate::DEFAULT_MAX_BODY_SIZE,
        }
    }
}

/// A request in normal form.
#[derive(Clone, Debug)]
pub(crate) struct NormalRequest {
    /// Method and URL key in one string: the index's first key.
    pub(crate) route: String,
    /// The URL key.
    pub(crate) url: UrlKey,
    /// The body key.
    pub(crate) body: BodyKey,
}

/// A URL in normal form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UrlKey {
    /// `scheme://host:port/path` (`/path` when the host is ignored), or the URL
    /// text as recorded when it does not parse.
    pub(crate) base: String,
    /// Decoded query parameters, sorted, without the ignored ones.
    pub(crate) query: Vec<(String, String)>,
    /// The ignored parameters that were dropped, for reports.
    pub(crate) ignored: usize,
}

/// A body in normal form.
#[derive(Clone, Debug)]
pub(crate) struct BodyKey {
    /// The body with `\r\n` normalized (shares the original when unchanged).
    pub(crate) text: Bytes,
    /// The canonical form, when the body has a structure.
    pub(crate) structure: Option<Structure>,
    /// What the body is, for reports.
    pub(crate) kind: BodyKind,
}

/// A body's structure in canonical text: equal structures match.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Structure {
    /// Canonical JSON: keys sorted, no whitespace, numbers by value, ignored fields
    /// removed.
    Json(String),
    /// Form parameters, decoded and sorted.
    Form(Vec<(String, String)>),
    /// `multipart/form-data` parts in order, whatever the boundary, without the
    /// ignored ones.
    Multipart(Vec<PartKey>),
}

/// One `multipart/form-data` part in normal form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PartKey {
    /// The part's name.
    pub(crate) name: Option<String>,
    /// The file name, for file parts.
    pub(crate) filename: Option<String>,
    /// The part's content type, when it has one.
    pub(crate) content_type: Option<String>,
    /// The content in normal form.
    pub(crate) content: PartContent,
}

/// A part's content in normal form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PartContent {
    /// Canonical JSON.
    Json(String),
    /// UTF-8 text, `\r\n` normalized.
    Text(Bytes),
    /// Anything else, by bytes.
    Binary(Bytes),
}

impl PartKey {
    /// `"file" (filename "a.bin", application/octet-stream)`: the part as a
    /// report names it.
    pub(crate) fn label(&self) -> String {
        let mut label = match &self.name {
            Some(name) => format!("{name:?}"),
            None => "(no name)".to_owned(),
        };
        let mut details = Vec::new();
        if let Some(filename) = &self.filename {
            details.push(format!("filename {filename:?}"));
        }
        if let Some(content_type) = &self.content_type {
            details.push(content_type.clone());
        }
        if !details.is_empty() {
            let _ = write!(label, " ({})", details.join(", "));
        }
        label
    }
}

/// What a body is, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// No body.
    Empty,
    /// JSON.
    Json,
    /// Form parameters.
    Form,
    /// `multipart/form-data` parts.
    Multipart,
    /// Other UTF-8 text.
    Text,
    /// Not UTF-8.
    Binary,
}

impl BodyKind {
    /// `JSON`, `form`, `text`, `binary`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            BodyKind::Empty => "empty",
            BodyKind::Json => "JSON",
            BodyKind::Form => "form",
            BodyKind::Multipart => "multipart",
            BodyKind::Text => "text",
            BodyKind::Binary => "binary",
        }
    }
}

impl Normalizer {
    /// The normal form of a request whose body is already decoded from its
    /// content coding ([`Normalizer::decoded`]).
    pub(crate) fn request(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: &Bytes,
    ) -> NormalRequest {
        let url = self.url(url);
        let mut route = format!("{method} {}", url.base);
        for (name, value) in &url.query {
            // Control characters keep the parts apart; they cannot be in a method or
            // in a URL's base.
            let _ = write!(route, "\u{0}{name}\u{1}{value}");
        }
        NormalRequest {
            route,
            url,
            body: self.body(body, content_type),
        }
    }

    /// The normal form of a URL's text: scheme and host without case, the port
    /// (the scheme's default when none is written), the path as sent, and the
    /// query's decoded parameters sorted. Text that is not an absolute URL is its
    /// own base, with no query.
    pub(crate) fn url(&self, text: &str) -> UrlKey {
        let Some(parts) = crate::url::UrlParts::parse(text) else {
            return UrlKey {
                base: text.to_owned(),
                query: Vec::new(),
                ignored: 0,
            };
        };
        let mut base = String::new();
        if !self.ignore_host {
            base.push_str(&parts.scheme.to_ascii_lowercase());
            base.push_str("://");
            base.push_str(&parts.host.to_ascii_lowercase());
            if let Some(port) = parts.port {
                let _ = write!(base, ":{port}");
            }
        }
        base.push_str(parts.path);
        let mut query = Vec::new();
        let mut ignored = 0;
        for (name, value) in form_urlencoded::parse(parts.query.as_bytes()) {
            if self.ignored_query.contains(name.as_ref()) {
                ignored += 1;
            } else {
                query.push((name.into_owned(), value.into_owned()));
            }
        }
        query.sort();
        UrlKey {
            base,
            query,
            ignored,
        }
    }

    /// The body as sent before its content coding: decoded per
    /// `content_encoding`, or per its magic number when the header is absent (a
    /// recording that did not keep it); as it is when it does not decode.
    pub(crate) fn decoded(&self, body: &Bytes, content_encoding: Option<&str>) -> Bytes {
        let coding = content_encoding.or_else(|| reel_cassette::content_coding::sniff(body));
        coding
            .and_then(|coding| {
                reel_cassette::content_coding::decode(coding, body, self.decode_limit)
            })
            .map_or_else(|| body.clone(), Bytes::from)
    }

    /// The normal form of a body.
    pub(crate) fn body(&self, body: &Bytes, content_type: Option<&str>) -> BodyKey {
        if body.is_empty() {
            return BodyKey {
                text: body.clone(),
                structure: None,
                kind: BodyKind::Empty,
            };
        }
        if let Some(parts) = content_type.and_then(|ct| self.multipart(body, ct)) {
            return BodyKey {
                text: body.clone(),
                structure: Some(Structure::Multipart(parts)),
                kind: BodyKind::Multipart,
            };
        }
        if std::str::from_utf8(body).is_err() {
            return BodyKey {
                text: body.clone(),
                structure: None,
                kind: BodyKind::Binary,
            };
        }
        let text = normalize_newlines(body);
        // Parsed as sent: newlines inside strings are normalized in the canonical
        // text, where two keys that differ only by `\r\n` stay two keys.
        if let Some(value) = self.json(body) {
            return BodyKey {
                text,
                structure: Some(Structure::Json(canonical_json(&value, false))),
                kind: BodyKind::Json,
            };
        }
        if content_type.is_some_and(is_form) {
            return BodyKey {
                structure: Some(Structure::Form(form_pairs(&text))),
                text,
                kind: BodyKind::Form,
            };
        }
        BodyKey {
            text,
            structure: None,
            kind: BodyKind::Text,
        }
    }

    /// The parts of a `multipart/form-data` body in normal form, without the
    /// ignored ones; `None` for another content type or a body that does not
    /// parse as multipart.
    pub(crate) fn multipart(&self, body: &Bytes, content_type: &str) -> Option<Vec<PartKey>> {
        let boundary = reel_cassette::multipart::boundary(content_type)?;
        let parts = reel_cassette::multipart::parse(body, &boundary).ok()?;
        Some(
            parts
                .into_iter()
                .filter(|part| {
                    part.name
                        .as_ref()
                        .is_none_or(|name| !self.ignored_parts.contains(name))
                })
                .map(|part| PartKey {
                    content: part_content(&part.content),
                    name: part.name,
                    filename: part.filename,
                    content_type: part.content_type,
                })
                .collect(),
        )
    }

    /// The body parsed as JSON, without the ignored fields.
    pub(crate) fn json(&self, text: &[u8]) -> Option<Value> {
        let mut value: Value = serde_json::from_slice(text).ok()?;
        for pointer in &self.ignored_fields {
            pointer.remove(&mut value);
        }
        Some(value)
    }
}

/// A part's content in normal form: canonical JSON when it parses as JSON, else
/// newline-normalized text when it is UTF-8, else its bytes.
fn part_content(content: &Bytes) -> PartContent {
    match std::str::from_utf8(content) {
        Err(_) => PartContent::Binary(content.clone()),
        Ok(_) => match serde_json::from_slice::<Value>(content) {
            Ok(value) if !content.is_empty() => PartContent::Json(canonical_json(&value, false)),
            _ => PartContent::Text(normalize_newlines(content)),
        },
    }
}

/// The body with `\r\n` and the escape `\r\n` replaced by `\n` and `\n`.
pub(crate) fn normalize_newlines(body: &Bytes) -> Bytes {
    const ESCAPED_CRLF: &[u8] = br"\r\n";
    // One vectorized pass for the common case: neither `\r` nor `\\` at all.
    if memchr::memchr2(b'\r', b'\\', body).is_none() {
        return body.clone();
    }
    let has_crlf = memchr::memchr_iter(b'\r', body).any(|i| body.get(i + 1) == Some(&b'\n'));
    let has_escape = memchr::memchr_iter(b'\\', body).any(|i| body[i..].starts_with(ESCAPED_CRLF));
    if !has_crlf && !has_escape {
        return body.clone();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest: &[u8] = body;
    while let Some((&first, tail)) = rest.split_first() {
        if rest.starts_with(b"\r\n") {
            out.push(b'\n');
            rest = &rest[2..];
        } else if rest.starts_with(ESCAPED_CRLF) {
            out.extend_from_slice(br"\n");
            rest = &rest[4..];
        } else {
            out.push(first);
            rest = tail;
        }
    }
    Bytes::from(out)
}

/// Whether a `Content-Type` is `application/x-www-form-urlencoded`.
pub(crate) fn is_form(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|essence| {
        essence
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

/// A form body's decoded parameters, sorted.
pub(crate) fn form_pairs(text: &[u8]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(text)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// Canonical JSON text: object keys sorted, numbers by value (`1.0` is `1`),
/// compact or pretty-printed with two-space indentation.
pub(crate) fn canonical_json(value: &Value, pretty: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, value, pretty, 0);
    out
}

fn write_json(out: &mut String, value: &Value, pretty: bool, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..depth {
                out.push_str("  ");
            }
        }
    };
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_json(out, item, pretty, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_string(out, key);
                out.push_str(if pretty { ": " } else { ":" });
                write_json(out, item, pretty, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
    }
}

/// A key or string value, `\r\n` written as `\n`: a body sent with Windows line
/// ends inside its strings matches one sent with Unix ones.
fn write_string(out: &mut String, s: &str) {
    let s: std::borrow::Cow<'_, str> = if s.contains("\r\n") {
        s.replace("\r\n", "\n").into()
    } else {
        s.into()
    };
    // Serializing a string to JSON cannot fail.
    out.push_str(&serde_json::to_string(&*s).unwrap_or_default());
}

/// Numbers by value: integers as integers, floats with an integral value below
/// 2^53 as integers too, other floats in Rust's shortest round-trip form.
fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
            let _ = write!(out, "{}", f as i64);
        } else if f != 0.0 && (f.abs() < 1e-6 || f.abs() >= 1e21) {
            let _ = write!(out, "{f:e}");
        } else {
            let _ = write!(out, "{f}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_key(text: &str) -> Option<String> {
        match Normalizer::default()
            .body(&Bytes::copy_from_slice(text.as_bytes()), None)
            .structure
        {
            Some(Structure::Json(json)) => Some(json),
            _ => None,
        }
    }

    #[test]
    fn json_keys_are_sorted_and_numbers_compared_by_value() {
        assert_eq!(
            json_key(r#"{ "b": 1.0, "a": [1e2, 0.5, -0] }"#).as_deref(),
            Some(r#"{"a":[100,0.5,0],"b":1}"#)
        );
        assert_eq!(
            json_key(r#"{"x": 1e300}"#).as_deref(),
            Some(r#"{"x":1e300}"#)
        );
    }

    #[test]
    fn json_strings_match_across_line_ends_and_keys_that_differ_only_by_them_stay_apart() {
        assert_eq!(
            json_key("{\"a\": \"x\\r\\ny\"}"),
            json_key("{\"a\": \"x\\ny\"}")
        );
        // Found by the `normalize` fuzz target: normalizing the text before
        // parsing merged these two keys, and which value won followed the order
        // they were sent in.
        let one = json_key("{\"k\\r\\n\": 1, \"k\\n\": 2}");
        let other = json_key("{\"k\\n\": 2, \"k\\r\\n\": 1}");
        assert_eq!(one, other);
        assert_eq!(one.as_deref(), Some("{\"k\\n\":2,\"k\\n\":1}"));
    }

    #[test]
    fn crlf_and_its_json_escape_become_newlines() {
        let body = Bytes::from_static(b"a\r\nb \"x\\r\\ny\"");
        assert_eq!(normalize_newlines(&body), &b"a\nb \"x\\ny\""[..]);
        let plain = Bytes::from_static(b"no change");
        assert_eq!(normalize_newlines(&plain).as_ptr(), plain.as_ptr());
    }

    #[test]
    fn field_patterns_remove_named_fields_and_every_element_with_a_star() {
        let normalizer = Normalizer {
            ignored_fields: vec![
                reel_cassette::FieldPointer::parse("/metadata/request_id").unwrap(),
                reel_cassette::FieldPointer::parse("/messages/*/id").unwrap(),
                reel_cassette::FieldPointer::parse("/a~1b").unwrap(),
            ],
            ..Normalizer::default()
        };
        let value = normalizer
            .json(br#"{"metadata":{"request_id":"r1","user":"u"},"messages":[{"id":1,"c":"x"},{"id":2}],"a/b":0}"#)
            .unwrap();
        assert_eq!(
            canonical_json(&value, false),
            r#"{"messages":[{"c":"x"},{}],"metadata":{"user":"u"}}"#
        );
    }

    #[test]
    fn urls_compare_query_parameters_as_a_multiset() {
        let normalizer = Normalizer {
            ignored_query: HashSet::from(["key".to_owned()]),
            ..Normalizer::default()
        };
        let a = normalizer.url("HTTPS://Example.com:443/p?b=2&a=1&a=0&key=s#frag");
        let b = normalizer.url("https://example.com/p?a=0&b=2&a=1");
        assert_eq!(
            a,
            UrlKey {
                ignored: 1,
                ..b.clone()
            }
        );
        assert_eq!(b.base, "https://example.com:443/p");
    }

    #[test]
    fn with_the_host_ignored_only_path_and_query_count() {
        let normalizer = Normalizer {
            ignore_host: true,
            ..Normalizer::default()
        };
        let recorded = normalizer.url("https://api.openai.com/v1/chat?b=2&a=1");
        let received = normalizer.url("http://127.0.0.1:4000/v1/chat?a=1&b=2");
        assert_eq!(recorded, received);
        assert_eq!(recorded.base, "/v1/chat");
    }

    #[test]
    fn pretty_canonical_json_puts_one_field_on_a_line() {
        let value: Value = serde_json::from_str(r#"{"b":[1,{}],"a":"x"}"#).unwrap();
        assert_eq!(
            canonical_json(&value, true),
            "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    {}\n  ]\n}"
        );
    }
}
