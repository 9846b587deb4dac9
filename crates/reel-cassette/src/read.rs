//! Loading cassettes with serde + serde_yaml.
//!
//! serde_yaml reports `!!binary` scalars as plain strings, so a binary body would be
//! indistinguishable from its base64 text. The loader therefore prepends a `%TAG !! !`
//! directive: the document's `!!binary` then reads as the local tag `!binary`, which
//! serde_yaml hands to the body's visitor as an enum variant. Error positions are
//! shifted back by the lines the prefix added.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, EnumAccess, IgnoredAny, VariantAccess, Visitor};

use crate::cassette::{KeptEmpty, FORMAT_VERSION};
use crate::error::Location;
use crate::{
    go_duration, Cassette, Dialect, Error, Headers, Interaction, Request, Response, Result,
};

/// Reads and parses a cassette file.
pub(crate) fn load(path: &Path) -> Result<Cassette> {
    parse(read_text(path)?, Some(path))
}

/// Reads a cassette file as text; invalid UTF-8 is an error with its position.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        action: "cannot read cassette",
        source,
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let (line, column) = position_of(err.as_bytes(), err.utf8_error().valid_up_to());
        Error::Invalid {
            path: Some(path.to_owned()),
            location: Some(Location { line, column }),
            message: "the file is not valid UTF-8".to_owned(),
            hint: "a cassette is YAML text; binary bodies are written as `!!binary` base64",
        }
    })
}

/// Parses cassette text; `path` only labels errors.
pub(crate) fn from_yaml(text: &str, path: Option<&Path>) -> Result<Cassette> {
    parse(text.to_owned(), path)
}

/// Parses cassette text it owns: the prefix is inserted in place, so a load never
/// holds a second copy of the file while serde_yaml builds its events.
fn parse(mut source: String, path: Option<&Path>) -> Result<Cassette> {
    let invalid = |location, message: String, hint| {
        let err = Error::Invalid {
            path: None,
            location,
            message,
            hint,
        };
        match path {
            Some(path) => err.with_path(path),
            None => err,
        }
    };
    if source.starts_with('\u{feff}') {
        source.drain(..'\u{feff}'.len_utf8());
    }
    if source.trim().is_empty() {
        return Err(invalid(
            None,
            "the cassette is empty".to_owned(),
            "delete it and record it again, or start it with `version: 2` and `interactions: []`",
        ));
    }

    let mut prefix = String::from("%TAG !! !\n");
    if !(source.starts_with("---") || source.starts_with('%')) {
        prefix.push_str("---\n");
    }
    let offset = prefix.matches('\n').count();
    source.insert_str(0, &prefix);
    let body = &source[prefix.len()..];

    let raw: RawCassette = serde_yaml::from_str(&source).map_err(|err| {
        let location = err.location().map(|at| Location {
            line: at.line().saturating_sub(offset).max(1),
            column: at.column(),
        });
        let mut message = err.to_string();
        if let Some(at) = err.location() {
            let suffix = format!(" at line {} column {}", at.line(), at.column());
            if let Some(i) = message.find(&suffix) {
                message.replace_range(i..i + suffix.len(), "");
            }
        }
        let message = shorten_quoted(&shift_line_numbers(&message, offset));
        let tab_indented = location.is_some_and(|at| {
            let line = body.lines().nth(at.line - 1).unwrap_or("");
            line.chars()
                .take_while(|c| c.is_whitespace())
                .any(|c| c == '\t')
        });
        let hint = if tab_indented {
            "the line is indented with a tab; YAML indents with spaces only"
        } else {
            hint_for(&message)
        };
        invalid(location, message, hint)
    })?;

    Ok(Cassette {
        interactions: raw.interactions.unwrap_or_default(),
        dialect: detect_dialect(body),
    })
}

/// Picks the hint that goes with a parser message.
fn hint_for(message: &str) -> &'static str {
    if message.contains("tab") {
        "YAML indents with spaces only; replace the tabs with spaces"
    } else if message.contains("unsupported cassette version") {
        "reel reads go-vcr v4 cassettes; record this one again with REEL_RECORD=all"
    } else if message.contains("invalid base64") {
        "a `!!binary` body is standard base64 with padding; restore the file or record it again"
    } else if message.contains("duration") {
        "write durations as Go does: `1.5s`, `853.364708ms`, `0s`"
    } else if message.contains("missing field `version`") {
        "a go-vcr v4 cassette starts with `version: 2`"
    } else if message.contains("recursion limit") {
        "a cassette nests a few levels deep; this file is not a cassette"
    } else if message.contains("repetition limit") || message.contains("alias") {
        "cassettes use no anchors or aliases; write the values out"
    } else if message.contains("more than one document") {
        "a cassette is one YAML document; remove the extra `---` sections"
    } else if message.contains("end of stream") {
        "the file looks cut short; restore it from version control or record it again"
    } else {
        "fix the cassette at that position, or record it again with REEL_RECORD=all"
    }
}

/// Rewrites every `line N` in a parser message to `line N-offset`.
fn shift_line_numbers(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        let (head, tail) = rest.split_at(i + "line ".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&n.saturating_sub(offset).max(1).to_string()),
            Err(_) => out.push_str(&tail[..digits]),
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// Bounds the quoted values serde_yaml puts in messages (a whole body, at times).
fn shorten_quoted(message: &str) -> String {
    const KEEP: usize = 60;
    let mut out = String::with_capacity(message.len().min(512));
    let mut rest = message;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..=start]);
        let after = &rest[start + 1..];
        // The closing quote is the last one before the message goes on (`", expected`).
        let end = after.find("\", expected").or_else(|| after.rfind('"'));
        match end {
            Some(end) => {
                let quoted = &after[..end];
                if quoted.chars().count() > KEEP {
                    out.extend(quoted.chars().take(KEEP));
                    out.push_str(&format!("…({} bytes)", quoted.len()));
                } else {
                    out.push_str(quoted);
                }
                out.push('"');
                rest = &after[end + 1..];
            }
            None => {
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// 1-based line and column of byte `index`.
fn position_of(bytes: &[u8], index: usize) -> (usize, usize) {
    let before = &bytes[..index];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, index - line_start + 1)
}

/// The dialect is told by how the first interaction's `- ` is indented.
fn detect_dialect(text: &str) -> Dialect {
    let Some(i) = text.find("\ninteractions:\n") else {
        return Dialect::Charm;
    };
    let next = &text[i + "\ninteractions:\n".len()..];
    if next.starts_with("    - ") {
        Dialect::GoVcr
    } else {
        Dialect::Charm
    }
}

#[derive(serde::Deserialize)]
#[serde(expecting = "a cassette: a map with `version` and `interactions`")]
struct RawCassette {
    #[allow(dead_code)]
    version: Version,
    interactions: Option<Vec<Interaction>>,
}

/// The `version` field: only [`FORMAT_VERSION`] is accepted.
struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Version, D::Error> {
        struct VersionVisitor;

        impl Visitor<'_> for VersionVisitor {
            type Value = Version;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the cassette format version, {FORMAT_VERSION}")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Version, E> {
                if v == u64::from(FORMAT_VERSION) {
                    Ok(Version)
                } else {
                    Err(E::custom(unsupported_version(&v.to_string())))
                }
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Version, E> {
                Err(E::custom(unsupported_version(&v.to_string())))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Version, E> {
                Err(E::custom(unsupported_version(&v.to_string())))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Version, E> {
                Err(E::custom(unsupported_version(&format!("{v:?}"))))
            }
        }

        deserializer.deserialize_any(VersionVisitor)
    }
}

fn unsupported_version(found: &str) -> String {
    format!(
        "unsupported cassette version {found}: reel supports version {FORMAT_VERSION} (go-vcr v4)"
    )
}

#[derive(serde::Deserialize)]
#[serde(expecting = "an interaction: a map with `request` and `response`")]
struct RawInteraction {
    #[allow(dead_code)]
    id: Option<IgnoredAny>,
    request: Option<RawRequest>,
    response: Option<RawResponse>,
}

impl<'de> Deserialize<'de> for Interaction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Interaction, D::Error> {
        let raw = RawInteraction::deserialize(deserializer)?;
        let request = raw.request.unwrap_or_default().into();
        let response = raw.response.unwrap_or_default().into();
        Ok(Interaction { request, response })
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default, expecting = "a request: a map of go-vcr request fields")]
struct RawRequest {
    proto: Option<String>,
    proto_major: Option<u32>,
    proto_minor: Option<u32>,
    content_length: Option<i64>,
    transfer_encoding: Option<Vec<String>>,
    trailer: Option<Headers>,
    host: Option<String>,
    remote_addr: Option<String>,
    request_uri: Option<String>,
    body: Option<Body>,
    form: Option<Headers>,
    headers: Option<Headers>,
    url: Option<String>,
    method: Option<String>,
}

impl From<RawRequest> for Request {
    fn from(raw: RawRequest) -> Request {
        let mut kept_empty = KeptEmpty::default();
        kept_empty.set(
            KeptEmpty::TRANSFER_ENCODING,
            raw.transfer_encoding.is_some(),
        );
        kept_empty.set(KeptEmpty::TRAILER, raw.trailer.is_some());
        kept_empty.set(KeptEmpty::REMOTE_ADDR, raw.remote_addr.is_some());
        kept_empty.set(KeptEmpty::REQUEST_URI, raw.request_uri.is_some());
        kept_empty.set(KeptEmpty::BODY, raw.body.is_some());
        kept_empty.set(KeptEmpty::FORM, raw.form.is_some());
        kept_empty.set(KeptEmpty::HEADERS, raw.headers.is_some());
        Request {
            proto: raw.proto.unwrap_or_default(),
            proto_major: raw.proto_major.unwrap_or_default(),
            proto_minor: raw.proto_minor.unwrap_or_default(),
            content_length: raw.content_length.unwrap_or_default(),
            transfer_encoding: raw.transfer_encoding.unwrap_or_default(),
            trailer: raw.trailer.unwrap_or_default(),
            host: raw.host.unwrap_or_default(),
            remote_addr: raw.remote_addr.unwrap_or_default(),
            request_uri: raw.request_uri.unwrap_or_default(),
            body: raw.body.map(|b| b.0).unwrap_or_default(),
            form: raw.form.unwrap_or_default(),
            headers: raw.headers.unwrap_or_default(),
            url: raw.url.unwrap_or_default(),
            method: raw.method.unwrap_or_default(),
            kept_empty,
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default, expecting = "a response: a map of go-vcr response fields")]
struct RawResponse {
    proto: Option<String>,
    proto_major: Option<u32>,
    proto_minor: Option<u32>,
    transfer_encoding: Option<Vec<String>>,
    trailer: Option<Headers>,
    content_length: Option<i64>,
    uncompressed: Option<bool>,
    body: Option<Body>,
    headers: Option<Headers>,
    status: Option<String>,
    code: Option<u16>,
    duration: Option<GoDuration>,
}

impl From<RawResponse> for Response {
    fn from(raw: RawResponse) -> Response {
        let mut kept_empty = KeptEmpty::default();
        kept_empty.set(
            KeptEmpty::TRANSFER_ENCODING,
            raw.transfer_encoding.is_some(),
        );
        kept_empty.set(KeptEmpty::TRAILER, raw.trailer.is_some());
        kept_empty.set(KeptEmpty::UNCOMPRESSED, raw.uncompressed.is_some());
        Response {
            proto: raw.proto.unwrap_or_default(),
            proto_major: raw.proto_major.unwrap_or_default(),
            proto_minor: raw.proto_minor.unwrap_or_default(),
            transfer_encoding: raw.transfer_encoding.unwrap_or_default(),
            trailer: raw.trailer.unwrap_or_default(),
            content_length: raw.content_length.unwrap_or_default(),
            uncompressed: raw.uncompressed.unwrap_or_default(),
            body: raw.body.map(|b| b.0).unwrap_or_default(),
            headers: raw.headers.unwrap_or_default(),
            status: raw.status.unwrap_or_default(),
            code: raw.code.unwrap_or_default(),
            duration: raw.duration.map(|d| d.0).unwrap_or_default(),
            kept_empty,
        }
    }
}

/// A body: text, or `!!binary` base64 (read as the local tag `!binary`, see the module docs).
struct Body(Bytes);

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Body, D::Error> {
        struct BodyVisitor;

        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = Body;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a body: a string, or `!!binary` base64")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Body, E> {
                Ok(Body(Bytes::copy_from_slice(v.as_bytes())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Body, E> {
                Ok(Body(Bytes::from(v)))
            }

            // Go reads a plain scalar into a string field as its text; serde_yaml has
            // already resolved these, so write the value back as text.
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Body, E> {
                Ok(Body(Bytes::from(v.to_string())))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Body, E> {
                Ok(Body(Bytes::from(v.to_string())))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Body, E> {
                Ok(Body(Bytes::from(v.to_string())))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Body, E> {
                Ok(Body(Bytes::from(v.to_string())))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Body, E> {
                Ok(Body(Bytes::new()))
            }

            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Body, A::Error> {
                let (tag, content): (String, _) = data.variant()?;
                if tag != "binary" {
                    return Err(de::Error::custom(format_args!(
                        "unsupported tag `!{tag}` on a body: cassettes use only `!!binary`"
                    )));
                }
                let text: String = content.newtype_variant()?;
                let base64: String = text.split_ascii_whitespace().collect();
                base64::engine::general_purpose::STANDARD
                    .decode(base64.as_bytes())
                    .map(|bytes| Body(Bytes::from(bytes)))
                    .map_err(|err| {
                        let err = err.to_string();
                        let err = err.trim_end_matches('.');
                        de::Error::custom(format_args!("invalid base64 in `!!binary` body ({err})"))
                    })
            }
        }

        deserializer.deserialize_any(BodyVisitor)
    }
}

/// A duration in Go's text form.
struct GoDuration(Duration);

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GoDuration, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = GoDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Go duration text such as `1.5s`")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoDuration, E> {
                go_duration::parse(v).map(GoDuration).map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoDuration, E> {
                Err(bare_number(&v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoDuration, E> {
                Err(bare_number(&v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<GoDuration, E> {
                Err(bare_number(&v.to_string()))
            }
        }

        fn bare_number<E: de::Error>(v: &str) -> E {
            E::custom(format_args!(
                "duration is a bare number `{v}`: Go reads only duration text with a unit, \
                 such as `{v}ms`"
            ))
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_in_messages_shift_back_by_the_prefix() {
        assert_eq!(
            shift_line_numbers(
                "found x at line 4 column 1, while scanning at line 3 column 4",
                2
            ),
            "found x at line 2 column 1, while scanning at line 1 column 4"
        );
    }

    #[test]
    fn long_quoted_values_in_messages_are_shortened() {
        let long = "x".repeat(500);
        let message = format!("invalid type: string \"{long}\", expected a sequence");
        let short = shorten_quoted(&message);
        assert!(short.starts_with("invalid type: string \"xxxx"), "{short}");
        assert!(
            short.ends_with("…(500 bytes)\", expected a sequence"),
            "{short}"
        );
        assert_eq!(shorten_quoted("duplicate field `a`"), "duplicate field `a`");
    }

    #[test]
    fn dialect_is_told_by_the_first_list_item() {
        assert_eq!(
            detect_dialect("---\nversion: 2\ninteractions:\n- id: 0\n"),
            Dialect::Charm
        );
        assert_eq!(
            detect_dialect("---\nversion: 2\ninteractions:\n    - id: 0\n"),
            Dialect::GoVcr
        );
        assert_eq!(
            detect_dialect("---\nversion: 2\ninteractions: []\n"),
            Dialect::Charm
        );
    }
}
