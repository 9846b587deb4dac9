//! Splitting a `multipart/form-data` body into its parts.
//!
//! File uploads (audio transcriptions, image edits, file and batch uploads) send
//! their request as `multipart/form-data` (RFC 7578): parts separated by a boundary
//! line, each part a few headers, a blank line and its content. Clients draw a new
//! random boundary for every request, so two recordings of the same upload differ
//! in their bytes; compared part by part they are the same. The matching engine,
//! the reports and `reel show` all read such bodies with this one parser.
//!
//! ```
//! use reel_cassette::{multipart, Bytes};
//!
//! let content_type = "multipart/form-data; boundary=XyZ";
//! let body = Bytes::from_static(
//!     b"--XyZ\r\n\
//!       Content-Disposition: form-data; name=\"model\"\r\n\
//!       \r\n\
//!       whisper-1\r\n\
//!       --XyZ\r\n\
//!       Content-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\
//!       Content-Type: audio/wav\r\n\
//!       \r\n\
//!       RIFF....\r\n\
//!       --XyZ--\r\n",
//! );
//! let boundary = multipart::boundary(content_type).unwrap();
//! let parts = multipart::parse(&body, &boundary)?;
//! assert_eq!(parts.len(), 2);
//! assert_eq!(parts[0].name.as_deref(), Some("model"));
//! assert_eq!(parts[0].content, "whisper-1");
//! assert_eq!(parts[1].filename.as_deref(), Some("a.wav"));
//! assert_eq!(parts[1].content_type.as_deref(), Some("audio/wav"));
//! assert_eq!(&body[parts[1].range.clone()], b"RIFF....");
//! # Ok::<(), multipart::MultipartError>(())
//! ```
//!
//! # What is accepted
//! Line ends are CRLF, as RFC 7578 says, or bare LF (some clients write those):
//! the line end after the opening delimiter decides, and the whole body must then
//! use it. The preamble before the opening delimiter and the epilogue after the
//! closing one are ignored; spaces and tabs after a delimiter (RFC 2046 transport
//! padding) are allowed. A `--boundary` that does not start a line, or that is
//! followed by anything but padding and a line end (or `--`), is content. Header
//! lines folded onto a following line that starts with a space or tab are joined.
//! A body of only the closing delimiter has no parts.
//!
//! The parser never panics, whatever the bytes: anything it cannot read is a
//! [`MultipartError`] saying what is wrong and at which byte.

// Input-dependent indexing and unwrapping could panic: this module uses `get`.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use memchr::memmem;

/// One part of a multipart/form-data body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// `name` from Content-Disposition (None when absent; `name*=` RFC 5987
    /// decoded if present, as reqwest writes names that need escaping).
    pub name: Option<String>,
    /// `filename` from Content-Disposition (None when absent; `filename*=` RFC 5987
    /// decoded if present).
    pub filename: Option<String>,
    /// The part's Content-Type header value, trimmed (None when absent).
    pub content_type: Option<String>,
    /// Every header of the part as (name lower-cased, value), in order. Values are
    /// trimmed; bytes that are not UTF-8 are replaced by U+FFFD.
    pub headers: Vec<(String, String)>,
    /// The part's content: a cheap slice (Bytes::slice) of the body.
    pub content: Bytes,
    /// Where `content` lies in the whole body, for rewriting one part in place.
    pub range: Range<usize>,
}

/// Why a body is not `multipart/form-data` with the given boundary, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartError {
    message: String,
    offset: usize,
}

impl MultipartError {
    fn new(message: impl Into<String>, offset: usize) -> MultipartError {
        MultipartError {
            message: message.into(),
            offset,
        }
    }

    /// What is wrong, e.g. `part 2 has no blank line after its headers`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte of the body where the problem is: where the part or line at fault
    /// starts, 0 when the opening delimiter is missing, the body's length when the
    /// closing delimiter is.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for MultipartError {}

/// The boundary of a `multipart/form-data` Content-Type (`multipart/form-data;
/// boundary=abc`, quoted or not, parameters in any order, case-insensitive type and
/// parameter name); None for any other content type or without a boundary.
///
/// ```
/// use reel_cassette::multipart::boundary;
///
/// assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
/// assert_eq!(boundary("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b\"").as_deref(), Some("a b"));
/// assert_eq!(boundary("multipart/mixed; boundary=abc"), None);
/// assert_eq!(boundary("multipart/form-data"), None);
/// ```
pub fn boundary(content_type: &str) -> Option<String> {
    // Most bodies are not multipart: decide on the type before splitting anything.
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let pieces = split_params(content_type);
    let mut pieces = pieces.into_iter();
    let essence = pieces.next()?.trim();
    if !essence.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    pieces
        .filter_map(param)
        .find(|(key, _)| key.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// The parts of `body` delimited by `boundary`. Errors (a `MultipartError` with a
/// message saying what is wrong and at which byte offset) when the body is not
/// multipart with that boundary: no opening delimiter, a part without the blank
/// line after its headers, no closing delimiter `--boundary--`. Preamble and
/// epilogue are ignored. CRLF line ends as RFC 7578 says; also bare LF (some
/// clients), consistently: the line end of the opening delimiter is the line end
/// of the whole body.
///
/// Parts are numbered from 1 in messages.
pub fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, MultipartError> {
    if boundary.is_empty() {
        return Err(MultipartError::new("the boundary is empty", 0));
    }
    let dash_boundary = [b"--", boundary.as_bytes()].concat();
    let Some((mut follows, newline)) = opening(body, &dash_boundary) else {
        return Err(MultipartError::new(
            format!("no opening delimiter `--{boundary}` at the start of a line"),
            0,
        ));
    };
    // Every later delimiter is a line end, then `--boundary`.
    let delimiter = [newline.bytes(), dash_boundary.as_slice()].concat();
    let finder = memmem::Finder::new(&delimiter);
    let mut parts = Vec::new();
    while let Follows::Part(start) = follows {
        let number = parts.len() + 1;
        let mut search = start;
        let (end, next) = loop {
            let found = body.get(search..).and_then(|rest| finder.find(rest));
            let Some(at) = found.map(|found| search + found) else {
                return Err(MultipartError::new(
                    format!(
                        "no closing delimiter `--{boundary}--`: the body ends inside part {number}"
                    ),
                    body.len(),
                ));
            };
            let dash_at = at + newline.bytes().len();
            match after_delimiter(body, dash_at, dash_boundary.len()) {
                Some((next, line_end)) if line_end.is_none_or(|l| l == newline) => {
                    break (at, next)
                }
                // `--boundary` then other bytes, or another line end: content.
                _ => search = at + 1,
            }
        };
        parts.push(part(body, start..end, newline, number)?);
        follows = next;
    }
    Ok(parts)
}

/// How lines end in a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Newline {
    Crlf,
    Lf,
}

impl Newline {
    fn bytes(self) -> &'static [u8] {
        match self {
            Newline::Crlf => b"\r\n",
            Newline::Lf => b"\n",
        }
    }
}

/// What follows a delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Follows {
    /// A part, starting at this byte.
    Part(usize),
    /// Nothing: it was the closing delimiter.
    End,
}

/// The first delimiter, at the start of the body or of a line of the preamble:
/// what follows it and the body's line end (CRLF when the body has no part).
fn opening(body: &[u8], dash_boundary: &[u8]) -> Option<(Follows, Newline)> {
    let line_start = [b"\n", dash_boundary].concat();
    let at_start = body.starts_with(dash_boundary).then_some(0);
    let after_lines = memmem::find_iter(body, &line_start).map(|at| at + 1);
    at_start.into_iter().chain(after_lines).find_map(|at| {
        let (follows, newline) = after_delimiter(body, at, dash_boundary.len())?;
        Some((follows, newline.unwrap_or(Newline::Crlf)))
    })
}

/// When `--boundary` at `at` (`len` bytes) is a delimiter: what follows it, and its
/// line end (None for the closing delimiter `--boundary--`). None when other bytes
/// follow it.
fn after_delimiter(body: &[u8], at: usize, len: usize) -> Option<(Follows, Option<Newline>)> {
    let rest = body.get(at.checked_add(len)?..)?;
    if rest.starts_with(b"--") {
        return Some((Follows::End, None));
    }
    let padding = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let line_end = rest.get(padding..)?;
    let newline = if line_end.starts_with(b"\r\n") {
        Newline::Crlf
    } else if line_end.starts_with(b"\n") {
        Newline::Lf
    } else {
        return None;
    };
    let next = at + len + padding + newline.bytes().len();
    Some((Follows::Part(next), Some(newline)))
}

/// The part in `span` of `body`: its headers, up to a blank line, then its content.
fn part(
    body: &Bytes,
    span: Range<usize>,
    newline: Newline,
    number: usize,
) -> Result<Part, MultipartError> {
    let bytes = body.get(span.clone()).unwrap_or_default();
    let nl = newline.bytes();
    let blank = [nl, nl].concat();
    // RFC 2046: a part is its header lines, then optionally a line end and its
    // content. So a part may be empty, start with the blank line (no headers), or
    // end with its last header line (no content).
    let (head, content_start) = if bytes.is_empty() {
        (&[][..], span.start)
    } else if bytes.starts_with(nl) {
        (&[][..], span.start + nl.len())
    } else if let Some(at) = memmem::find(bytes, &blank) {
        (
            bytes.get(..at).unwrap_or_default(),
            span.start + at + blank.len(),
        )
    } else if bytes.ends_with(nl) {
        (
            bytes.get(..bytes.len() - nl.len()).unwrap_or_default(),
            span.end,
        )
    } else {
        return Err(MultipartError::new(
            format!("part {number} has no blank line after its headers"),
            span.start,
        ));
    };
    let headers = headers(head, nl, span.start, number)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let disposition = header("content-disposition")
        .map(disposition)
        .unwrap_or_default();
    let content_type = header("content-type").map(str::to_owned);
    let range = content_start.min(span.end)..span.end;
    Ok(Part {
        name: disposition.name,
        filename: disposition.filename,
        content_type,
        content: slice(body, range.clone()),
        range,
        headers,
    })
}

/// `body[range]` without copying, empty when the range is not within `body`.
fn slice(body: &Bytes, range: Range<usize>) -> Bytes {
    if range.start <= range.end && range.end <= body.len() {
        body.slice(range)
    } else {
        Bytes::new()
    }
}

/// The header lines of a part (`head`, starting at byte `offset` of the body,
/// without its blank line).
fn headers(
    head: &[u8],
    nl: &[u8],
    offset: usize,
    number: usize,
) -> Result<Vec<(String, String)>, MultipartError> {
    let mut headers: Vec<(String, String)> = Vec::new();
    if head.is_empty() {
        return Ok(headers);
    }
    let mut at = offset;
    let mut rest = head;
    loop {
        let (line, after) = match memmem::find(rest, nl) {
            Some(end) => (
                rest.get(..end).unwrap_or_default(),
                rest.get(end + nl.len()..),
            ),
            None => (rest, None),
        };
        let text = String::from_utf8_lossy(line);
        let folded = line.first().is_some_and(|&b| b == b' ' || b == b'\t');
        match headers.last_mut() {
            Some((_, value)) if folded => {
                let more = text.trim();
                if !more.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(more);
                }
            }
            _ => {
                let Some((name, value)) = text.split_once(':') else {
                    return Err(MultipartError::new(
                        format!(
                            "part {number} has a header line without a colon \
                             (is the blank line after its headers missing?)"
                        ),
                        at,
                    ));
                };
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        match after {
            Some(after) => {
                at += line.len() + nl.len();
                rest = after;
            }
            None => return Ok(headers),
        }
    }
}

/// The parameters of a Content-Disposition that matter here.
#[derive(Default)]
struct Disposition {
    name: Option<String>,
    filename: Option<String>,
}

/// `form-data; name="file"; filename="a.bin"`: `name*` and `filename*` (RFC 5987)
/// win over `name` and `filename` when they decode.
fn disposition(value: &str) -> Disposition {
    let mut plain = Disposition::default();
    let mut extended = Disposition::default();
    for (key, value) in split_params(value).into_iter().skip(1).filter_map(param) {
        let key = key.to_ascii_lowercase();
        let slot = match key.as_str() {
            "name" => &mut plain.name,
            "filename" => &mut plain.filename,
            "name*" => &mut extended.name,
            "filename*" => &mut extended.filename,
            _ => continue,
        };
        if slot.is_some() {
            continue;
        }
        *slot = match key.ends_with('*') {
            true => ext_value(&value),
            false => Some(value),
        };
    }
    Disposition {
        name: extended.name.or(plain.name),
        filename: extended.filename.or(plain.filename),
    }
}

/// `value` split at the `;` that are not inside a quoted string.
fn split_params(value: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(value.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(value.get(start..).unwrap_or_default());
    pieces
}

/// `key=value` or `key="quoted \"value\""`: the key trimmed, the value trimmed or
/// unquoted (a backslash escapes the next character, as reqwest writes file names).
fn param(piece: &str) -> Option<(&str, String)> {
    let (key, value) = piece.split_once('=')?;
    let value = value.trim();
    let value = match value.strip_prefix('"') {
        Some(quoted) => {
            let mut out = String::with_capacity(quoted.len());
            let mut chars = quoted.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => out.extend(chars.next()),
                    c => out.push(c),
                }
            }
            out
        }
        None => value.to_owned(),
    };
    Some((key.trim(), value))
}

/// An RFC 5987 `ext-value`, `charset'language'percent-encoded`, decoded: UTF-8 and
/// ISO-8859-1 as such, other charsets as UTF-8 where they are. None when it is not
/// in that form.
fn ext_value(value: &str) -> Option<String> {
    let mut pieces = value.splitn(3, '\'');
    let (charset, _language, encoded) = (pieces.next()?, pieces.next()?, pieces.next()?);
    let bytes = percent_decode(encoded.as_bytes());
    if charset.eq_ignore_ascii_case("iso-8859-1") || charset.eq_ignore_ascii_case("latin1") {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// `%XX` escapes decoded; a `%` not followed by two hex digits is kept.
fn percent_decode(encoded: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while let Some(&b) = encoded.get(i) {
        let hex = |at: usize| encoded.get(at).and_then(|&h| char::from(h).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A boundary as reqwest draws it: four 16-digit hex numbers.
    const REQWEST_BOUNDARY: &str =
        "5a3f0c1e9b2d4876-0f1e2d3c4b5a6978-8796a5b4c3d2e1f0-13579bdf2468ace0";

    fn parse_str(body: &'static [u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
        parse(&Bytes::from_static(body), boundary)
    }

    /// A part's name, file name, content type and content.
    type Summary<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a [u8]);

    /// Name, file name, content type and content of each part.
    fn summary(parts: &[Part]) -> Vec<Summary<'_>> {
        parts
            .iter()
            .map(|p| {
                (
                    p.name.as_deref(),
                    p.filename.as_deref(),
                    p.content_type.as_deref(),
                    &p.content[..],
                )
            })
            .collect()
    }

    #[test]
    fn reads_a_body_as_reqwest_0_13_writes_a_form() {
        // reqwest::multipart::Form::new()
        //     .text("model", "whisper-1")
        //     .part("file", Part::bytes(..).file_name("a.bin").mime_str("application/octet-stream"))
        //     .part("meta", Part::text(..).mime_str("application/json"))
        let b = REQWEST_BOUNDARY;
        let mut body = Vec::new();
        body.extend_from_slice(format!("--{b}\r\n").as_bytes());
        body.extend_from_slice(b"Content-Disposition: form-data; name=\"model\"\r\n\r\n");
        body.extend_from_slice(b"whisper-1\r\n");
        body.extend_from_slice(format!("--{b}\r\n").as_bytes());
        body.extend_from_slice(
            b"Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\
              Content-Type: application/octet-stream\r\n\r\n",
        );
        let file: Vec<u8> = (0..=255u8).chain([b'\r', b'\n', b'-', b'-']).collect();
        body.extend_from_slice(&file);
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(format!("--{b}\r\n").as_bytes());
        body.extend_from_slice(
            b"Content-Disposition: form-data; name=\"meta\"\r\n\
              Content-Type: application/json\r\n\r\n",
        );
        body.extend_from_slice(br#"{"purpose":"transcription"}"#);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        let body = Bytes::from(body);

        let content_type = format!("multipart/form-data; boundary={b}");
        let boundary = boundary(&content_type).unwrap();
        assert_eq!(boundary, b);
        let parts = parse(&body, &boundary).unwrap();
        assert_eq!(
            summary(&parts),
            [
                (Some("model"), None, None, &b"whisper-1"[..]),
                (
                    Some("file"),
                    Some("a.bin"),
                    Some("application/octet-stream"),
                    &file[..]
                ),
                (
                    Some("meta"),
                    None,
                    Some("application/json"),
                    &br#"{"purpose":"transcription"}"#[..]
                ),
            ]
        );
        assert_eq!(
            parts[1].headers,
            [
                (
                    "content-disposition".to_owned(),
                    "form-data; name=\"file\"; filename=\"a.bin\"".to_owned()
                ),
                (
                    "content-type".to_owned(),
                    "application/octet-stream".to_owned()
                ),
            ]
        );
        for part in &parts {
            assert_eq!(body[part.range.clone()], part.content[..]);
        }
    }

    #[test]
    fn reads_names_and_file_names_reqwest_escapes() {
        // reqwest percent-encodes names that need it, and backslash-escapes
        // quotes and backslashes in file names.
        let parts = parse_str(
            b"--b\r\n\
              Content-Disposition: form-data; name*=utf-8''start%25'%22%0D%0A%C3%9Fend; \
              filename=\"say \\\"hi\\\" \\\\ bye.txt\"\r\n\r\n\
              x\r\n--b--\r\n",
            "b",
        )
        .unwrap();
        assert_eq!(parts[0].name.as_deref(), Some("start%'\"\r\nßend"));
        assert_eq!(parts[0].filename.as_deref(), Some("say \"hi\" \\ bye.txt"));
    }

    #[test]
    fn decodes_rfc_5987_file_names_in_preference_to_plain_ones() {
        let parts = parse_str(
            b"--b\r\n\
              content-disposition: form-data; filename=\"EURO rates.txt\"; \
              FILENAME*=UTF-8'en'%E2%82%AC%20rates.txt; name=field\r\n\r\n\
              x\r\n\
              --b\r\n\
              Content-Disposition: form-data; name=\"l\"; filename*=iso-8859-1''caf%E9.txt\r\n\r\n\
              y\r\n\
              --b--",
            "b",
        )
        .unwrap();
        assert_eq!(parts[0].name.as_deref(), Some("field"));
        assert_eq!(parts[0].filename.as_deref(), Some("€ rates.txt"));
        assert_eq!(parts[1].filename.as_deref(), Some("café.txt"));
    }

    #[test]
    fn finds_the_boundary_quoted_or_not_among_other_parameters() {
        for (content_type, expected) in [
            ("multipart/form-data; boundary=abc", Some("abc")),
            (
                "multipart/form-data;boundary=abc;charset=utf-8",
                Some("abc"),
            ),
            ("MULTIPART/FORM-DATA; Boundary=abc", Some("abc")),
            (
                "multipart/form-data; charset=utf-8; boundary=\"----=_Part;1\"",
                Some("----=_Part;1"),
            ),
            ("multipart/form-data; boundary=\"a\\\"b\"", Some("a\"b")),
            ("  multipart/form-data  ;  boundary = abc  ", Some("abc")),
            ("multipart/form-data; boundary=", None),
            ("multipart/form-data; boundary=\"\"", None),
            ("multipart/form-data", None),
            ("multipart/form-data; charset=utf-8", None),
            ("multipart/mixed; boundary=abc", None),
            ("application/json; boundary=abc", None),
            ("", None),
        ] {
            assert_eq!(
                boundary(content_type).as_deref(),
                expected,
                "{content_type}"
            );
        }
    }

    #[test]
    fn reads_a_quoted_boundary_with_characters_a_token_cannot_hold() {
        let b = boundary("multipart/form-data; boundary=\"gc0p4Jq0M:2Yt08j34c0p\"").unwrap();
        let parts = parse_str(
            b"--gc0p4Jq0M:2Yt08j34c0p\r\n\r\nx\r\n--gc0p4Jq0M:2Yt08j34c0p--\r\n",
            &b,
        )
        .unwrap();
        assert_eq!(summary(&parts), [(None, None, None, &b"x"[..])]);
    }

    #[test]
    fn accepts_bare_lf_line_ends_throughout() {
        let parts = parse_str(
            b"--b\n\
              Content-Disposition: form-data; name=\"a\"\n\
              \n\
              one\r\n\
              --b\n\
              Content-Disposition: form-data; name=\"b\"\n\
              Content-Type: text/plain\n\
              \n\
              two\n\
              \n\
              --b--\n",
            "b",
        )
        .unwrap();
        assert_eq!(
            summary(&parts),
            [
                (Some("a"), None, None, &b"one\r"[..]),
                (Some("b"), None, Some("text/plain"), &b"two\n"[..]),
            ]
        );
    }

    #[test]
    fn lf_lines_in_a_crlf_body_are_content() {
        // The opening delimiter ends with CRLF: a delimiter line ending with a
        // bare LF is not one.
        let parts = parse_str(b"--b\r\n\r\none\n--b\ntwo\r\n--b--", "b").unwrap();
        assert_eq!(summary(&parts), [(None, None, None, &b"one\n--b\ntwo"[..])]);
    }

    #[test]
    fn ignores_the_preamble_and_the_epilogue_and_allows_padding() {
        let parts = parse_str(
            b"This is the preamble.\r\n--b is not a delimiter\r\n--bb neither\r\n\
              --b \t\r\n\
              Content-Disposition: form-data; name=\"a\"\r\n\r\n\
              one\r\n\
              --b--  and the epilogue\r\n--b\r\nnot a part\r\n",
            "b",
        )
        .unwrap();
        assert_eq!(summary(&parts), [(Some("a"), None, None, &b"one"[..])]);
        assert_eq!(parts[0].range, 112..115);
    }

    #[test]
    fn reads_empty_parts() {
        let parts = parse_str(
            b"--b\r\n\
              Content-Disposition: form-data; name=\"empty\"\r\n\r\n\
              \r\n\
              --b\r\n\
              Content-Disposition: form-data; name=\"headers only\"\r\n\
              \r\n\
              --b\r\n\
              \r\n\
              --b\r\n\
              \r\n\
              \r\n\
              --b--\r\n",
            "b",
        )
        .unwrap();
        assert_eq!(
            summary(&parts),
            [
                (Some("empty"), None, None, &b""[..]),
                (Some("headers only"), None, None, &b""[..]),
                (None, None, None, &b""[..]),
                (None, None, None, &b""[..]),
            ]
        );
        assert!(parts.iter().all(|p| p.range.is_empty()));
        assert!(parts[3].headers.is_empty());
        assert_eq!(parse_str(b"--b--\r\n", "b").unwrap(), []);
    }

    #[test]
    fn does_not_split_at_a_boundary_that_does_not_start_a_line() {
        let parts = parse_str(
            b"--b\r\n\r\n\
              see --b and x--b--, and\r\n--bx at a line start\r\n\
              --b--\r\n",
            "b",
        )
        .unwrap();
        assert_eq!(
            summary(&parts),
            [(
                None,
                None,
                None,
                &b"see --b and x--b--, and\r\n--bx at a line start"[..]
            )]
        );
    }

    #[test]
    fn the_line_end_before_a_delimiter_belongs_to_the_delimiter() {
        let parts = parse_str(
            b"--b\r\n\r\nends with a line end\r\n\r\n--b\r\n\r\n\r\n\r\n\r\n--b--",
            "b",
        )
        .unwrap();
        assert_eq!(
            summary(&parts),
            [
                (None, None, None, &b"ends with a line end\r\n"[..]),
                (None, None, None, &b"\r\n\r\n"[..]),
            ]
        );
    }

    #[test]
    fn joins_folded_header_lines() {
        let parts = parse_str(
            b"--b\r\n\
              Content-Disposition: form-data;\r\n\
              \tname=\"a\"\r\n\
              X-Empty:\r\n\r\n\
              x\r\n--b--",
            "b",
        )
        .unwrap();
        assert_eq!(parts[0].name.as_deref(), Some("a"));
        assert_eq!(
            parts[0].headers,
            [
                (
                    "content-disposition".to_owned(),
                    "form-data; name=\"a\"".to_owned()
                ),
                ("x-empty".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn says_what_is_wrong_and_where() {
        let cases: [(&[u8], &str, &str, usize); 8] = [
            (
                b"",
                "b",
                "no opening delimiter `--b` at the start of a line",
                0,
            ),
            (
                b"{\"not\": \"multipart\"}",
                "b",
                "no opening delimiter `--b` at the start of a line",
                0,
            ),
            (
                b"--bx\r\n\r\nx\r\n--bx--",
                "b",
                "no opening delimiter `--b` at the start of a line",
                0,
            ),
            (b"--b\r\n\r\nx", "b", "no closing delimiter `--b--`: the body ends inside part 1", 8),
            (
                b"--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b",
                "b",
                "no closing delimiter `--b--`: the body ends inside part 2",
                23,
            ),
            (
                b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n--b--",
                "b",
                "part 1 has no blank line after its headers",
                5,
            ),
            (
                b"--b\r\n\r\nx\r\n--b\r\nX-Ok: 1\r\nhello\r\n\r\ny\r\n--b--",
                "b",
                "part 2 has a header line without a colon (is the blank line after its headers missing?)",
                24,
            ),
            (b"--\r\n\r\nx\r\n----", "", "the boundary is empty", 0),
        ];
        for (body, boundary, message, offset) in cases {
            let error = parse(&Bytes::copy_from_slice(body), boundary).unwrap_err();
            assert_eq!(
                (error.message(), error.offset()),
                (message, offset),
                "{}",
                String::from_utf8_lossy(body)
            );
            assert_eq!(error.to_string(), format!("{message} (at byte {offset})"));
        }
    }

    /// A part to build a body from: optional name, file name, content type, and content.
    type Spec = (Option<String>, Option<String>, Option<String>, Vec<u8>);

    fn spec() -> impl Strategy<Value = Spec> {
        let name = proptest::option::of("[a-zA-Z0-9_ .\\[\\]-]{0,12}");
        let filename = proptest::option::of("[a-zA-Z0-9_ .\"\\\\-]{0,12}");
        let content_type = proptest::option::of("[a-z]{1,8}/[a-z0-9.+-]{1,12}");
        let content = proptest::collection::vec(
            prop_oneof![any::<u8>(), Just(b'\r'), Just(b'\n'), Just(b'-')],
            0..64,
        );
        (name, filename, content_type, content)
    }

    /// `specs` written as a body, with `nl` line ends, the way clients write them.
    fn build(specs: &[Spec], boundary: &str, nl: &str, preamble: &[u8], epilogue: &[u8]) -> Bytes {
        let mut body = preamble.to_vec();
        if !preamble.is_empty() {
            body.extend_from_slice(nl.as_bytes());
        }
        for (name, filename, content_type, content) in specs {
            body.extend_from_slice(format!("--{boundary}{nl}").as_bytes());
            let mut disposition = "form-data".to_owned();
            if let Some(name) = name {
                disposition.push_str(&format!("; name=\"{name}\""));
            }
            if let Some(filename) = filename {
                let escaped = filename.replace('\\', "\\\\").replace('"', "\\\"");
                disposition.push_str(&format!("; filename=\"{escaped}\""));
            }
            body.extend_from_slice(format!("Content-Disposition: {disposition}{nl}").as_bytes());
            if let Some(content_type) = content_type {
                body.extend_from_slice(format!("Content-Type: {content_type}{nl}").as_bytes());
            }
            body.extend_from_slice(nl.as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(nl.as_bytes());
        }
        body.extend_from_slice(format!("--{boundary}--").as_bytes());
        body.extend_from_slice(epilogue);
        Bytes::from(body)
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(
            body in proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(b'\r'), Just(b'\n'), Just(b'-'), Just(b'b'), Just(b':')],
                0..256,
            ),
            boundary in "[b-]{0,3}",
        ) {
            let body = Bytes::from(body);
            if let Ok(parts) = parse(&body, &boundary) {
                for part in parts {
                    prop_assert_eq!(&body[part.range.clone()], &part.content[..]);
                }
            }
        }

        #[test]
        fn random_text_around_delimiters_never_panics(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("--b".to_owned()),
                    Just("--b--".to_owned()),
                    Just("\r\n".to_owned()),
                    Just("\n".to_owned()),
                    Just(" ".to_owned()),
                    Just("Content-Disposition: form-data; name=\"x\"; filename*=utf-8''%".to_owned()),
                    Just(": ".to_owned()),
                    "[a-z\"';=%\\\\]{0,4}",
                ],
                0..24,
            ),
        ) {
            let body = Bytes::from(pieces.concat());
            let _ = parse(&body, "b");
        }

        #[test]
        fn bodies_built_from_parts_parse_back_to_them(
            specs in proptest::collection::vec(spec(), 0..5),
            crlf in any::<bool>(),
            preamble in proptest::collection::vec(any::<u8>(), 0..16),
            epilogue in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let boundary = "XyZ-1234";
            // Content never holds the boundary (clients choose one that way).
            let holds = |bytes: &[u8]| memmem::find(bytes, boundary.as_bytes()).is_some();
            prop_assume!(!specs.iter().any(|s| holds(&s.3)));
            prop_assume!(!holds(&preamble) && !holds(&epilogue));
            let nl = if crlf { "\r\n" } else { "\n" };
            let body = build(&specs, boundary, nl, &preamble, &epilogue);
            let parts = parse(&body, boundary).unwrap();
            prop_assert_eq!(parts.len(), specs.len());
            for (part, (name, filename, content_type, content)) in parts.iter().zip(&specs) {
                prop_assert_eq!(&part.name, name);
                prop_assert_eq!(&part.filename, filename);
                prop_assert_eq!(&part.content_type, content_type);
                prop_assert_eq!(&part.content[..], &content[..]);
                prop_assert_eq!(&body[part.range.clone()], &content[..]);
            }
        }
    }
}
