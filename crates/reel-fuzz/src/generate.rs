//! Inputs built from the fuzzer's bytes: text that trips YAML, Go strings that
//! are not UTF-8, whole cassettes, and requests with the bodies reel normalizes
//! (JSON, forms, multipart) together with the rules a suite sets.

use arbitrary::{Arbitrary, Result, Unstructured};
use bytes::Bytes;
use reel::cassette::{ByteString, Cassette, Dialect, Interaction, Request, Response};
use reel::ReelBuilder;
use std::time::Duration;

/// Fragments that trip YAML writers: indicators, YAML 1.1 look-alikes, line
/// breaks of every kind, quotes, non-printable and astral characters.
pub const TRICKY: &[&str] = &[
    "yes",
    "No",
    "on",
    "~",
    "null",
    "true",
    "1:20",
    "0x1F",
    "1e3",
    "-1",
    "2001-12-14",
    "<<",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "\t",
    "'",
    "\"",
    "\\",
    "- ",
    ": ",
    " #",
    "#",
    "---",
    "...",
    "?",
    "|",
    ">",
    "&a",
    "*a",
    "!",
    "%",
    "@",
    "`",
    "{",
    "}",
    "[",
    "]",
    ",",
    "data: {\"a\":1}",
    "😀",
    "é",
    "月",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffe}",
    "\0",
    "\u{7f}",
    "\u{1b}",
    "x",
    "abc",
    "0",
    ".5",
    "=",
];

/// Text: arbitrary, or tricky fragments joined, or printable ASCII.
pub(crate) fn text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=2)? {
        0 => String::arbitrary(u)?,
        1 => {
            let mut text = String::new();
            for _ in 0..u.int_in_range(0..=8)? {
                text.push_str(u.choose(TRICKY)?);
            }
            text
        }
        _ => {
            let len = u.int_in_range(0..=40)?;
            let mut text = String::with_capacity(len);
            for _ in 0..len {
                let byte = u.int_in_range(0x1f..=0x7e)?;
                text.push(if byte == 0x1f { '\n' } else { char::from(byte) });
            }
            text
        }
    })
}

/// A Go string: text, arbitrary bytes, or Latin-1 text.
pub(crate) fn go_string(u: &mut Unstructured<'_>) -> Result<ByteString> {
    Ok(match u.int_in_range(0..=3)? {
        0 => ByteString::from(Vec::<u8>::arbitrary(u)?),
        1 => {
            let mut bytes: Vec<u8> = text(u)?.chars().map(|c| c as u32 as u8).collect();
            bytes.push(0xe9);
            ByteString::from(bytes)
        }
        _ => ByteString::from(text(u)?),
    })
}

/// A body: text or arbitrary bytes.
fn body(u: &mut Unstructured<'_>) -> Result<Bytes> {
    Ok(if bool::arbitrary(u)? {
        Bytes::from(text(u)?)
    } else {
        Bytes::from(Vec::<u8>::arbitrary(u)?)
    })
}

/// A cassette of up to three interactions in any dialect, every field arbitrary.
pub(crate) fn cassette(u: &mut Unstructured<'_>) -> Result<Cassette> {
    let mut cassette = Cassette::new();
    cassette.dialect = *u.choose(&[
        Dialect::Charm,
        Dialect::GoVcr,
        Dialect::CharmFolded,
        Dialect::Indent2,
    ])?;
    for _ in 0..u.int_in_range(0..=3)? {
        let request = recorded_request(u)?;
        let response = recorded_response(u)?;
        cassette
            .interactions
            .push(Interaction::new(request, response));
    }
    Ok(cassette)
}

fn recorded_request(u: &mut Unstructured<'_>) -> Result<Request> {
    let mut request = Request::new(text(u)?, text(u)?).with_body(body(u)?);
    request.proto = text(u)?;
    request.proto_major = u.arbitrary()?;
    request.proto_minor = u.arbitrary()?;
    request.content_length = u.arbitrary()?;
    for _ in 0..u.int_in_range(0..=3)? {
        request.headers.append(text(u)?, go_string(u)?);
    }
    for _ in 0..u.int_in_range(0..=2)? {
        request.form.append_bytes(go_string(u)?, go_string(u)?);
    }
    for _ in 0..u.int_in_range(0..=1)? {
        request.trailer.append_bytes(go_string(u)?, go_string(u)?);
    }
    for _ in 0..u.int_in_range(0..=1)? {
        request.transfer_encoding.push(go_string(u)?);
    }
    request.host = go_string(u)?;
    request.remote_addr = go_string(u)?;
    request.request_uri = go_string(u)?;
    Ok(request)
}

fn recorded_response(u: &mut Unstructured<'_>) -> Result<Response> {
    let mut response = Response::new(u.arbitrary()?).with_body(body(u)?);
    if bool::arbitrary(u)? {
        response.status = text(u)?;
    }
    response.proto = text(u)?;
    response.proto_major = u.arbitrary()?;
    response.proto_minor = u.arbitrary()?;
    response.content_length = u.arbitrary()?;
    response.uncompressed = u.arbitrary()?;
    // Go keeps a duration as int64 nanoseconds.
    response.duration = Duration::from_nanos(u.int_in_range(0..=i64::MAX as u64)?);
    for _ in 0..u.int_in_range(0..=3)? {
        response.headers.append(text(u)?, go_string(u)?);
    }
    for _ in 0..u.int_in_range(0..=1)? {
        response.trailer.append_bytes(go_string(u)?, go_string(u)?);
    }
    for _ in 0..u.int_in_range(0..=1)? {
        response.transfer_encoding.push(go_string(u)?);
    }
    Ok(response)
}

/// A JSON value of bounded depth.
fn json(u: &mut Unstructured<'_>, depth: u32) -> Result<serde_json::Value> {
    use serde_json::Value;
    let kind = if depth == 0 {
        u.int_in_range(0..=3)?
    } else {
        u.int_in_range(0..=5)?
    };
    Ok(match kind {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => match u.int_in_range(0..=2)? {
            0 => Value::from(i64::arbitrary(u)?),
            1 => Value::from(u64::arbitrary(u)?),
            _ => {
                serde_json::Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number)
            }
        },
        3 => Value::String(text(u)?),
        4 => Value::Array(
            (0..u.int_in_range(0..=4)?)
                .map(|_| json(u, depth - 1))
                .collect::<Result<_>>()?,
        ),
        _ => Value::Object(
            (0..u.int_in_range(0..=4)?)
                .map(|_| Ok((text(u)?, json(u, depth - 1)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

/// A body a client sends, with its structure.
#[derive(Debug)]
pub(crate) enum Shape {
    /// JSON, as sent.
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` pairs, in order.
    Form(Vec<(String, String)>),
    /// `multipart/form-data`.
    Multipart {
        /// The boundary it was sent with.
        boundary: String,
        /// Its parts.
        parts: Vec<Part>,
    },
    /// Anything.
    Other,
}

/// The boundary most generated multipart bodies use.
pub(crate) const BOUNDARY: &str = "----reel-boundary-1234";

/// One `multipart/form-data` part.
#[derive(Debug)]
pub(crate) struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<&'static str>,
    pub(crate) content: Vec<u8>,
}

fn part(u: &mut Unstructured<'_>) -> Result<Part> {
    Ok(Part {
        name: name(u)?,
        filename: if bool::arbitrary(u)? {
            Some(text(u)?)
        } else {
            None
        },
        content_type: if bool::arbitrary(u)? {
            Some(*u.choose(&["application/json", "text/plain", "application/octet-stream"])?)
        } else {
            None
        },
        content: match u.int_in_range(0..=2)? {
            0 => serde_json::to_vec(&json(u, 2)?).map_err(|_| arbitrary::Error::IncorrectFormat)?,
            1 => text(u)?.into_bytes(),
            _ => Vec::<u8>::arbitrary(u)?,
        },
    })
}

/// `parts` as a `multipart/form-data` body delimited by `boundary`.
pub(crate) fn multipart_body(parts: &[Part], boundary: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{}\"", part.name).as_bytes(),
        );
        if let Some(filename) = &part.filename {
            body.extend_from_slice(format!("; filename=\"{filename}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A request as a client would send it, and the rules of the suite that sends it.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) method: http::Method,
    /// A URL a client can send: it parses as a URI too.
    pub(crate) url: url::Url,
    pub(crate) content_type: Option<http::HeaderValue>,
    pub(crate) content_encoding: Option<http::HeaderValue>,
    pub(crate) body: Bytes,
    /// The body before its content coding, when the generator compressed it.
    pub(crate) plain: Option<Bytes>,
    pub(crate) shape: Shape,
    pub(crate) rules: Vec<Rule>,
}

/// One builder option.
#[derive(Debug, Clone)]
pub(crate) enum Rule {
    IgnoreHost,
    AllowRepeats,
    IgnoreJsonField(String),
    IgnoreQueryParam(String),
    IgnoreFormPart(String),
    RedactJsonField(String),
    RedactQueryParam(String),
    RedactFormPart(String),
}

impl Exchange {
    /// A builder with this exchange's rules.
    pub(crate) fn builder(&self) -> ReelBuilder {
        self.rules
            .iter()
            .fold(reel::Reel::builder(), |builder, rule| match rule {
                Rule::IgnoreHost => builder.ignore_host(),
                Rule::AllowRepeats => builder.allow_repeats(),
                Rule::IgnoreJsonField(pointer) => builder.ignore_json_field(pointer),
                Rule::IgnoreQueryParam(name) => builder.ignore_query_param(name.as_str()),
                Rule::IgnoreFormPart(name) => builder.ignore_form_part(name.as_str()),
                Rule::RedactJsonField(pointer) => builder.redact_json_field(pointer),
                Rule::RedactQueryParam(name) => builder.redact_query_param(name),
                Rule::RedactFormPart(name) => builder.redact_form_part(name),
            })
    }

    /// The request as a cassette records it (headers kept as sent).
    pub(crate) fn recorded(&self) -> Request {
        let mut request =
            Request::new(self.method.as_str(), self.url.as_str()).with_body(self.body.clone());
        if let Some(value) = &self.content_type {
            request
                .headers
                .append("Content-Type", value.as_bytes().to_vec());
        }
        if let Some(value) = &self.content_encoding {
            request
                .headers
                .append("Content-Encoding", value.as_bytes().to_vec());
        }
        request
    }

    /// The request as an adapter hands it to the engine.
    pub(crate) fn received(&self) -> reel::Received {
        self.received_as(
            self.body.clone(),
            self.content_type.clone(),
            self.content_encoding.clone(),
        )
    }

    /// The request as an adapter hands it to the engine, with another body,
    /// content type and content coding.
    pub(crate) fn received_as(
        &self,
        body: Bytes,
        content_type: Option<http::HeaderValue>,
        content_encoding: Option<http::HeaderValue>,
    ) -> reel::Received {
        let mut headers = http::HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        if let Some(value) = content_encoding {
            headers.insert(http::header::CONTENT_ENCODING, value);
        }
        let uri = http::Uri::try_from(self.url.as_str()).expect("exchange() checked the URI");
        reel::Received::new(self.method.clone(), uri, headers, body)
            .expect("an absolute URI is a request reel takes")
    }
}

/// A JSON pointer, with `*` now and then.
fn pointer(u: &mut Unstructured<'_>) -> Result<String> {
    let mut pointer = String::new();
    for _ in 0..u.int_in_range(1..=3)? {
        pointer.push('/');
        match u.int_in_range(0..=3)? {
            0 => pointer.push('*'),
            1 => pointer.push_str(&u.int_in_range(0..=3u8)?.to_string()),
            2 => pointer.push_str(u.choose(&["a", "b", "~0", "~1", "messages", ""])?),
            _ => pointer.push_str(&text(u)?),
        }
    }
    Ok(pointer)
}

/// A parameter or part name: short and often shared with the body's.
fn name(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if bool::arbitrary(u)? {
        (*u.choose(&["a", "b", "key", "file", "model"])?).to_owned()
    } else {
        text(u)?
    })
}

/// An exchange: method, URL with a query, content type and coding, a body of
/// some shape, and up to three rules.
pub(crate) fn exchange(u: &mut Unstructured<'_>) -> Result<Exchange> {
    let method = match u.int_in_range(0..=5)? {
        0 => http::Method::GET,
        1 | 2 => http::Method::POST,
        3 => http::Method::PUT,
        4 => http::Method::DELETE,
        _ => http::Method::from_bytes(text(u)?.as_bytes()).unwrap_or(http::Method::PATCH),
    };
    let base = *u.choose(&[
        "https://api.openai.com/v1/chat/completions",
        "http://127.0.0.1:8080/v1/files",
        "https://example.com/",
        "http://[::1]:9/a/../b/./c",
    ])?;
    let mut url = url::Url::parse(base).map_err(|_| arbitrary::Error::IncorrectFormat)?;
    if bool::arbitrary(u)? {
        url.set_path(&text(u)?);
    }
    let query: Vec<(String, String)> = (0..u.int_in_range(0..=3)?)
        .map(|_| Ok((name(u)?, text(u)?)))
        .collect::<Result<_>>()?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(&query);
    }
    if u.ratio(1, 8)? {
        if let Ok(parsed) = url::Url::parse(&text(u)?) {
            url = parsed;
        }
    }
    // What a client sends is an absolute URI (reqwest converts its URL so).
    match http::Uri::try_from(url.as_str()) {
        Ok(uri) if uri.scheme().is_some() && uri.authority().is_some() => {}
        _ => return Err(arbitrary::Error::IncorrectFormat),
    }

    let (content_type, body, shape) = match u.int_in_range(0..=4)? {
        0 => {
            let value = json(u, 4)?;
            let body = if bool::arbitrary(u)? {
                serde_json::to_vec_pretty(&value)
            } else {
                serde_json::to_vec(&value)
            }
            .map_err(|_| arbitrary::Error::IncorrectFormat)?;
            (
                Some("application/json".to_owned()),
                body,
                Shape::Json(value),
            )
        }
        1 => {
            let pairs: Vec<(String, String)> = (0..u.int_in_range(0..=4)?)
                .map(|_| Ok((name(u)?, text(u)?)))
                .collect::<Result<_>>()?;
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish();
            (
                Some("application/x-www-form-urlencoded".to_owned()),
                body.into_bytes(),
                Shape::Form(pairs),
            )
        }
        2 => {
            let boundary = if bool::arbitrary(u)? {
                BOUNDARY.to_owned()
            } else {
                text(u)?
            };
            let parts: Vec<Part> = (0..u.int_in_range(0..=3)?)
                .map(|_| part(u))
                .collect::<Result<_>>()?;
            let body = multipart_body(&parts, &boundary);
            let content_type = format!("multipart/form-data; boundary={boundary}");
            (
                Some(content_type),
                body,
                Shape::Multipart { boundary, parts },
            )
        }
        3 => (
            if bool::arbitrary(u)? {
                Some(text(u)?)
            } else {
                None
            },
            Vec::<u8>::arbitrary(u)?,
            Shape::Other,
        ),
        _ => (
            Some(
                (*u.choose(&[
                    "text/plain",
                    "application/json",
                    "multipart/form-data; boundary=x",
                ])?)
                .to_owned(),
            ),
            text(u)?.into_bytes(),
            Shape::Other,
        ),
    };
    let content_type = content_type.and_then(|value| http::HeaderValue::from_str(&value).ok());
    let mut body = body;
    let mut plain = None;
    let content_encoding = match u.int_in_range(0..=9)? {
        // Compressed as clients do: the body matches on its decoded bytes.
        0 | 1 => {
            let gzip = bool::arbitrary(u)?;
            let compressed =
                compress(&body, gzip).map_err(|_| arbitrary::Error::IncorrectFormat)?;
            plain = Some(Bytes::from(std::mem::replace(&mut body, compressed)));
            Some(http::HeaderValue::from_static(if gzip {
                "gzip"
            } else {
                "deflate"
            }))
        }
        // A coding named over bytes that may not be in it.
        2 => Some(http::HeaderValue::from_static(u.choose(&[
            "gzip", "x-gzip", "deflate", "br", "zstd", "gzip, br", "identity",
        ])?)),
        3 => http::HeaderValue::from_str(&text(u)?).ok(),
        _ => None,
    };

    let mut rules = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        rules.push(match u.int_in_range(0..=7)? {
            0 => Rule::IgnoreHost,
            1 => Rule::AllowRepeats,
            2 => Rule::IgnoreJsonField(pointer(u)?),
            3 => Rule::IgnoreQueryParam(name(u)?),
            4 => Rule::IgnoreFormPart(name(u)?),
            5 => Rule::RedactJsonField(pointer(u)?),
            6 => Rule::RedactQueryParam(name(u)?),
            _ => Rule::RedactFormPart(name(u)?),
        });
    }
    Ok(Exchange {
        method,
        url,
        content_type,
        content_encoding,
        body: Bytes::from(body),
        plain,
        shape,
        rules,
    })
}

/// `body` gzip- or zlib-compressed.
fn compress(body: &[u8], gzip: bool) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(body)?;
        encoder.finish()
    } else {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(body)?;
        encoder.finish()
    }
}

/// A response a cassette may hold, for reports.
pub(crate) fn response(u: &mut Unstructured<'_>) -> Result<Response> {
    recorded_response(u)
}
