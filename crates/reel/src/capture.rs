//! Turning a live request and response into the cassette's records, with the
//! fields Go's go-vcr writes: `proto`, `content_length`, canonical header names,
//! `form` from the query and urlencoded body, the status text.

use std::time::Duration;

use bytes::Bytes;
use reel_cassette::{Headers, Redaction, Request, Response};

use crate::Received;

/// The request as it will be recorded (and matched): redacted. A compressed
/// body is kept as sent, as go-vcr does, unless a redaction rule changes what it
/// decodes to: then it is recorded decoded, redacted, without its
/// `Content-Encoding`, so that no credential reaches the file in compressed form.
pub(crate) fn request(live: &Received, redaction: &Redaction, decode_limit: u64) -> Request {
    let mut request = Request::new(live.method().as_str(), live.url());
    request.headers = headers(live.headers());
    let body = match decoded_for_redaction(live, redaction, decode_limit) {
        Some(decoded) => {
            request.headers.remove("Content-Encoding");
            decoded
        }
        None => live.body_bytes().clone(),
    };
    let body = &body;
    request.body = body.clone();
    request.content_length = body.len() as i64;
    let content_type = request.headers.get("Content-Type").unwrap_or("");
    // Go's ParseForm: urlencoded body parameters (POST, PUT, PATCH) first, then the query.
    let mut form = Headers::new();
    let body_method = matches!(live.method().as_str(), "POST" | "PUT" | "PATCH");
    if body_method && content_type.starts_with("application/x-www-form-urlencoded") {
        for (name, value) in form_pairs(body) {
            form.append_bytes(name, value);
        }
    }
    for (name, value) in form_pairs(
        crate::url::UrlParts::parse(live.url()).map_or(&b""[..], |url| url.query.as_bytes()),
    ) {
        form.append_bytes(name, value);
    }
    request.form = form;
    redaction.apply_to_request(&mut request);
    request
}

/// The live body decoded from its content coding, when it has one and a
/// redaction rule or a placeholder changes the decoded body.
fn decoded_for_redaction(live: &Received, redaction: &Redaction, limit: u64) -> Option<Bytes> {
    let coding = live.content_encoding()?;
    let decoded = reel_cassette::content_coding::decode(coding, live.body(), limit)?;
    let content_type = live.content_type().unwrap_or("");
    redaction
        .redact_body(&decoded, content_type)
        .map(|_| Bytes::from(decoded))
}

/// `application/x-www-form-urlencoded` pairs decoded to bytes, as Go's
/// `url.ParseQuery` decodes them: `+` is a space, `%XX` any byte (`q=%FF` is the
/// byte 0xFF, not U+FFFD), empty pieces skipped.
fn form_pairs(encoded: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let decode = |piece: &[u8]| -> Vec<u8> {
        let spaced: Vec<u8> = piece
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&spaced).collect()
    };
    encoded
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.iter().position(|&b| b == b'=') {
            Some(at) => (decode(&piece[..at]), decode(&piece[at + 1..])),
            None => (decode(piece), Vec::new()),
        })
        .collect()
}

/// The response head as it will be recorded; the body and redaction come when
/// the body has been read.
pub(crate) fn response_head(live: &http::response::Parts, duration: Duration) -> Response {
    let status = live.status;
    let mut response = Response::new(status.as_u16());
    response.status = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    let (proto, major, minor) = match live.version {
        http::Version::HTTP_09 => ("HTTP/0.9", 0, 9),
        http::Version::HTTP_10 => ("HTTP/1.0", 1, 0),
        http::Version::HTTP_2 => ("HTTP/2.0", 2, 0),
        http::Version::HTTP_3 => ("HTTP/3.0", 3, 0),
        _ => ("HTTP/1.1", 1, 1),
    };
    response.proto = proto.to_owned();
    response.proto_major = major;
    response.proto_minor = minor;
    let mut headers = headers(&live.headers);
    // Go moves `Transfer-Encoding` out of the headers into its own field.
    if let Some(encodings) = headers.remove("Transfer-Encoding") {
        response.transfer_encoding = encodings;
    }
    response.content_length = headers
        .get("Content-Length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1);
    response.headers = headers;
    response.duration = duration;
    response
}

/// Completes a recorded response with its body: a gzip or deflate body the client
/// did not decompress is stored decompressed with `uncompressed: true` and without
/// `Content-Encoding` and `Content-Length`, so it replays as plain content. A
/// body in another coding (`br`, `zstd`) is stored so too when a redaction rule
/// or a placeholder changes what it decodes to: no secret, and no placeholder's
/// value, reaches the file compressed.
pub(crate) fn finish_response(
    mut response: Response,
    body: Bytes,
    redaction: &Redaction,
) -> Response {
    let encoding = response
        .headers
        .get("Content-Encoding")
        .map(|e| e.trim().to_ascii_lowercase());
    let content_type = response.headers.get("Content-Type").unwrap_or("");
    let decoded = encoding.as_deref().and_then(|e| {
        let plain = reel_cassette::content_coding::decode(e, &body, u64::MAX)?;
        let always = matches!(e, "gzip" | "x-gzip" | "deflate");
        (always || redaction.redact_body(&plain, content_type).is_some()).then_some(plain)
    });
    response.body = match decoded {
        Some(plain) => {
            response.uncompressed = true;
            response.headers.remove("Content-Encoding");
            response.headers.remove("Content-Length");
            response.content_length = -1;
            Bytes::from(plain)
        }
        None => body,
    };
    redaction.apply_to_response(&mut response);
    response
}

/// Headers with Go's canonical names (`content-type` -> `Content-Type`), values in order.
fn headers(live: &http::HeaderMap) -> Headers {
    let mut headers = Headers::new();
    for (name, value) in live {
        // The value's bytes as they came: a Latin-1 value is recorded (and
        // replayed) as itself, and Go's encoder writes it `!!binary`.
        headers.append(canonical_name(name.as_str()), value.as_bytes());
    }
    headers
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: upper case at the start and after each
/// hyphen, lower case elsewhere; names with other than token characters unchanged.
pub(crate) fn canonical_name(name: &str) -> String {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.bytes().all(token) {
        return name.to_owned();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 1 << 20;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn gzipped_json(json: &str) -> Received {
        let live = http::Request::post("https://x/v1")
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(Bytes::from(gzip(json.as_bytes())))
            .unwrap();
        Received::from_http(live).unwrap()
    }

    #[test]
    fn a_compressed_body_a_rule_redacts_is_recorded_decoded_and_redacted() {
        let live = gzipped_json(r#"{"user":"alice","api_key":"s3cr3t-value"}"#);
        let rules = Redaction::default().redact_json_field("/api_key");
        let recorded = request(&live, &rules, LIMIT);
        let body: serde_json::Value = serde_json::from_slice(&recorded.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"user": "alice", "api_key": "REDACTED"})
        );
        assert!(!recorded.headers.contains("Content-Encoding"));
        assert_eq!(recorded.content_length, recorded.body.len() as i64);
    }

    #[test]
    fn a_compressed_body_no_rule_touches_is_recorded_as_sent() {
        let live = gzipped_json(r#"{"user":"alice"}"#);
        let rules = Redaction::default().redact_json_field("/api_key");
        let recorded = request(&live, &rules, LIMIT);
        assert_eq!(recorded.body.as_ref(), live.body());
        assert_eq!(recorded.headers.get("Content-Encoding"), Some("gzip"));
    }

    #[test]
    fn a_compressed_body_holding_a_placeholder_value_is_recorded_decoded_with_the_name() {
        let live = gzipped_json(r#"{"account":"acct-7781"}"#);
        let rules = Redaction::default().placeholder("<ACCOUNT_ID>", "acct-7781");
        let recorded = request(&live, &rules, LIMIT);
        assert_eq!(&recorded.body[..], br#"{"account":"<ACCOUNT_ID>"}"#);
        assert!(!recorded.headers.contains("Content-Encoding"));
    }

    #[test]
    fn a_zstd_response_holding_a_placeholder_value_is_stored_decoded_with_the_name() {
        let plain = br#"{"account":"acct-7781"}"#;
        let compressed = ruzstd::encoding::compress_to_vec(
            &plain[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let head = Response::new(200)
            .with_header("Content-Encoding", "zstd")
            .with_header("Content-Type", "application/json");
        let rules = Redaction::default()
            .keep_all_headers()
            .placeholder("<ACCOUNT_ID>", "acct-7781");
        let done = finish_response(head.clone(), Bytes::from(compressed.clone()), &rules);
        assert_eq!(&done.body[..], br#"{"account":"<ACCOUNT_ID>"}"#);
        assert!(done.uncompressed);
        assert!(!done.headers.contains("Content-Encoding"));
        // Without a rule that reaches into it, a zstd body is kept as sent.
        let kept = finish_response(
            head,
            Bytes::from(compressed.clone()),
            &Redaction::default().keep_all_headers(),
        );
        assert_eq!(&kept.body[..], &compressed[..]);
        assert_eq!(kept.headers.get("Content-Encoding"), Some("zstd"));
    }

    #[test]
    fn header_names_are_canonicalised_as_go_does() {
        assert_eq!(canonical_name("content-type"), "Content-Type");
        assert_eq!(canonical_name("x-request-id"), "X-Request-Id");
        assert_eq!(canonical_name("WWW-AUTHENTICATE"), "Www-Authenticate");
        assert_eq!(canonical_name("bad name"), "bad name");
    }

    #[test]
    fn form_holds_urlencoded_body_parameters_then_query_parameters() {
        let live = http::Request::post("https://x/v1?alt=sse&a=2")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Bytes::from_static(b"a=1&b=x+y"))
            .unwrap();
        let live = Received::from_http(live).unwrap();
        let recorded = request(&live, &Redaction::default(), LIMIT);
        assert_eq!(recorded.form.get_all("a"), ["1", "2"]);
        // Bytes, as Go keeps them: `%E9` is the byte 0xE9.
        let query = http::Request::get("https://x/v1?q=caf%E9&r=a+b")
            .body(Bytes::new())
            .unwrap();
        let latin1 = request(
            &Received::from_http(query).unwrap(),
            &Redaction::default(),
            LIMIT,
        );
        assert_eq!(latin1.form.get_all("q")[0].as_bytes(), b"caf\xe9");
        assert_eq!(latin1.form.get_all("r"), ["a b"]);
        assert_eq!(recorded.form.get_all("b"), ["x y"]);
        assert_eq!(recorded.form.get_all("alt"), ["sse"]);
        assert_eq!(recorded.content_length, 9);
        assert_eq!(
            recorded.headers.get("Content-Type"),
            Some("application/x-www-form-urlencoded")
        );
    }

    #[test]
    fn compressed_bodies_are_stored_decompressed() {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"a\":1}").unwrap();
        let head = Response::new(200)
            .with_header("Content-Encoding", "gzip")
            .with_header("Content-Type", "application/json");
        let redaction = Redaction::default().keep_all_headers();
        let done = finish_response(head, Bytes::from(gz.finish().unwrap()), &redaction);
        assert_eq!(&done.body[..], b"{\"a\":1}");
        assert!(done.uncompressed);
        assert!(!done.headers.contains("Content-Encoding"));
    }

    #[test]
    fn header_values_are_recorded_as_their_bytes() {
        let live = http::Request::get("https://x/")
            .header("x-name", http::HeaderValue::from_bytes(b"caf\xe9").unwrap())
            .body(Bytes::new())
            .unwrap();
        let live = Received::from_http(live).unwrap();
        let recorded = request(&live, &Redaction::default().keep_all_headers(), LIMIT);
        assert_eq!(recorded.headers.get_all("X-Name")[0].as_bytes(), b"caf\xe9");
    }
}
