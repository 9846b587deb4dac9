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

use crate::cassette::{KeptEmpty, LineEndings, NonUtf8, FORMAT_VERSION};
use crate::error::Location;
use crate::{
    go_duration, ByteString, Cassette, Dialect, Error, Headers, Interaction, Request, Response,
    Result,
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
fn parse(source: String, path: Option<&Path>) -> Result<Cassette> {
    parse_limited::<MAX_INTERACTIONS>(source, path)
}

/// [`parse`], refusing a cassette with more than `LIMIT` interactions: the error
/// is raised at the first interaction past the limit, before it is built, so
/// the check costs one comparison per interaction.
fn parse_limited<const LIMIT: usize>(mut source: String, path: Option<&Path>) -> Result<Cassette> {
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
    // A checkout that turned every `\n` into `\r\n` (Git for Windows): read as
    // Go wrote it, written back as it was found.
    let line_endings = if every_line_ends_in_crlf(&source) {
        source = source.replace("\r\n", "\n");
        LineEndings::Crlf
    } else {
        LineEndings::Lf
    };
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

    let raw: RawCassette<LIMIT> = serde_yaml::from_str(&source).map_err(|err| {
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
        interactions: raw.interactions.map(|i| i.0).unwrap_or_default(),
        dialect: detect_dialect(body),
        line_endings,
    })
}

/// Whether the text has line breaks and every one is `\r\n`.
fn every_line_ends_in_crlf(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut any = false;
    for at in memchr::memchr_iter(b'\n', bytes) {
        if at == 0 || bytes[at - 1] != b'\r' {
            return false;
        }
        any = true;
    }
    any
}

/// Picks the hint that goes with a parser message.
fn hint_for(message: &str) -> &'static str {
    if message.contains(TOO_MANY) {
        "split it into several cassettes, such as one per test"
    } else if message.contains("tab") {
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

/// The dialect is told by how the first interaction's `- ` is indented, and, for
/// charm's layout, by the marks yaml/v4 rc.5 and later leave (see [`rc5_marks`]).
fn detect_dialect(text: &str) -> Dialect {
    let Some(i) = text.find("\ninteractions:\n") else {
        return Dialect::Charm;
    };
    let next = &text[i + "\ninteractions:\n".len()..];
    if next.starts_with("    - ") {
        Dialect::GoVcr
    } else if next.starts_with("  - ") {
        Dialect::Indent2
    } else if rc5_marks(text) == Some(true) {
        Dialect::CharmFolded
    } else {
        Dialect::Charm
    }
}

/// Whether a charm-layout file was written by yaml/v4 rc.5 or later (`Some(true)`),
/// by an earlier release (`Some(false)`), or cannot tell (`None`: then both write
/// the same bytes). Marks of rc.5+: a scalar folded past column 80 (a line over 80
/// characters followed by a more indented line, which no other construct of the
/// layout makes outside literal blocks); a YAML 1.1 word single-quoted (`'no'`);
/// a literal block without indentation digit whose first line is not indented
/// (the value starts with a line break). Marks of
/// earlier releases: such a word double-quoted (`"no"`); `|2` over a first empty
/// line followed by a line without leading space. Earlier marks win.
fn rc5_marks(text: &str) -> Option<bool> {
    use crate::go_yaml::is_yaml11_only;

    let (mut newer, mut older) = (false, false);
    let indentation = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let lines: Vec<&str> = text.split('\n').collect();
    // The indentation of the line that opened the literal block we are in.
    let mut block: Option<usize> = None;
    for (n, &line) in lines.iter().enumerate() {
        let mut line = line;
        if let Some(header) = block {
            // Go writes U+2028 and U+2029 raw in a literal block, and YAML reads
            // them as line breaks: what follows one on the same `\n` line is a
            // line of its own, in the block or (after the block's last break)
            // the next key or item.
            while let Some((at, c)) = line
                .char_indices()
                .find(|&(_, c)| matches!(c, '\u{2028}' | '\u{2029}'))
            {
                let segment = &line[..at];
                if !segment.is_empty() && indentation(segment) <= header {
                    break;
                }
                line = &line[at + c.len_utf8()..];
            }
            if line.is_empty() || indentation(line) > header {
                continue;
            }
            block = None;
        }
        let ind = indentation(line);
        let rest = &line[ind..];
        // A literal block header: `key: |2+`, `- |-`, `? !!binary |`.
        if let Some(at) = rest
            .rfind(" |")
            .or_else(|| rest.starts_with('|').then_some(0))
        {
            let hint = rest[at..].trim_start_matches(' ');
            let tail = &hint[1..];
            let digit = tail.starts_with(|c: char| c.is_ascii_digit());
            let tail = tail.trim_start_matches(|c: char| c.is_ascii_digit());
            if matches!(tail, "" | "-" | "+") {
                block = Some(ind);
                // rc.4+ drops the digit of a block that starts with a line break:
                // its first line is then empty (or starts with a raw U+2028).
                let unindented = lines.get(n + 1).is_some_and(|l| !l.starts_with(' '));
                if !digit && unindented {
                    newer = true;
                }
                if lines.get(n + 1) == Some(&"") {
                    let first = lines[n + 1..].iter().find(|l| !l.is_empty());
                    let flush = first.is_some_and(|l| {
                        let i = indentation(l);
                        i > ind && !l[i..].starts_with('\t')
                    });
                    if digit && flush {
                        // rc.3's `|2` where rc.4+ writes a bare `|`: the first
                        // content line has no space of its own past the block's
                        // indentation (the block's own indentation is ind + 2).
                        let i = first.map_or(0, |l| indentation(l));
                        if i == ind + 2 {
                            older = true;
                        }
                    }
                }
                continue;
            }
        }
        // A folded scalar: the next line sits where its continuation would.
        if line.len() > 80 && line.chars().count() > 80 {
            if let Some(next) = lines.get(n + 1) {
                if !next.is_empty() && Some(indentation(next)) == continuation_column(line) {
                    newer = true;
                }
            }
        }
        // YAML 1.1 words: `'no'` (rc.5+) or `"no"` (earlier), as a value, a list
        // item or a key.
        let mut item = rest;
        while let Some(r) = ["- ", "? ", ": "].iter().find_map(|p| item.strip_prefix(p)) {
            item = r;
        }
        let mut candidates = vec![item];
        candidates.extend(rest.match_indices(": ").map(|(i, _)| &rest[i + 2..]));
        for candidate in candidates {
            for (quote, mark) in [('\'', &mut newer), ('"', &mut older)] {
                let Some(inner) = candidate.strip_prefix(quote) else {
                    continue;
                };
                let Some(end) = inner.find(quote) else {
                    continue;
                };
                let after = &inner[end + 1..];
                if (after.is_empty() || after.starts_with(':')) && is_yaml11_only(&inner[..end]) {
                    *mark = true;
                }
            }
        }
    }
    if older {
        Some(false)
    } else if newer {
        Some(true)
    } else {
        None
    }
}

/// Where rc.5+ charm continues the scalar that `line` holds when it folds it: the
/// content column of a list item (`- `, `? `, `: ` are 2 columns each), or the
/// key's column plus the indent step for a mapping value. `None` for a line that
/// ends in a key (`key:`).
fn continuation_column(line: &str) -> Option<usize> {
    let mut col = line.len() - line.trim_start_matches(' ').len();
    let mut rest = &line[col..];
    while let Some(r) = ["- ", "? ", ": "].iter().find_map(|p| rest.strip_prefix(p)) {
        rest = r;
        col += 2;
    }
    // The end of a leading quoted scalar, if the line starts with one.
    let quoted_end = |quote: u8| {
        let b = rest.as_bytes();
        let mut i = 1;
        while i < b.len() {
            match b[i] {
                b'\\' if quote == b'"' => i += 2,
                b'\'' if quote == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
                c if c == quote => return Some(i + 1),
                _ => i += 1,
            }
        }
        None
    };
    // Where the key ends, if the line holds one (`key:` or `key: value`).
    let key_end = match rest.as_bytes().first() {
        Some(&q @ (b'\'' | b'"')) => quoted_end(q).filter(|&end| rest[end..].starts_with(':')),
        // A plain scalar holds no `: ` and does not end in `:`.
        _ => rest
            .find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1)),
    };
    match key_end {
        Some(end) if rest[end + 1..].trim().is_empty() => None,
        Some(_) => Some(col + 2),
        None => Some(col),
    }
}

#[derive(serde::Deserialize)]
#[serde(expecting = "a cassette: a map with `version` and `interactions`")]
struct RawCassette<const LIMIT: usize> {
    #[allow(dead_code)]
    version: Version,
    interactions: Option<Interactions<LIMIT>>,
}

/// The most interactions [`Cassette::load`] and [`Cassette::from_yaml`] read from
/// one cassette: 1,000,000. A cassette with more is refused with
/// [`Error::Invalid`]: the message names the file, the line and column of the
/// first interaction past the limit, the limit, and says to split the cassette.
/// Real cassettes hold a few to a few thousand interactions; the limit bounds
/// what a runaway recording or a hostile file makes the loader build (an
/// interaction takes several hundred bytes in memory however short its text).
/// The check is made as each interaction is read: no extra pass over the file.
///
/// ```
/// use reel_cassette::{Cassette, MAX_INTERACTIONS};
///
/// assert_eq!(MAX_INTERACTIONS, 1_000_000);
/// // The loader's limit shows in what it expects of `interactions`.
/// let err = Cassette::from_yaml("version: 2\ninteractions: 5\n").unwrap_err();
/// assert!(err.to_string().contains(&format!(
///     "expected a sequence of at most {MAX_INTERACTIONS} interactions"
/// )));
/// ```
pub const MAX_INTERACTIONS: usize = 1_000_000;

/// The text that tells the error for too many interactions from the others.
const TOO_MANY: &str = "interactions, the most reel loads from one cassette";

/// The `interactions` list, read element by element like a `Vec`, with an error at
/// element `LIMIT` (counting from 0) instead of building it.
struct Interactions<const LIMIT: usize>(Vec<Interaction>);

impl<'de, const LIMIT: usize> Deserialize<'de> for Interactions<LIMIT> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InteractionsVisitor<const LIMIT: usize>;

        impl<'de, const LIMIT: usize> Visitor<'de> for InteractionsVisitor<LIMIT> {
            type Value = Interactions<LIMIT>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a sequence of at most {LIMIT} interactions")
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut interactions = Vec::new();
                while interactions.len() < LIMIT {
                    match seq.next_element()? {
                        Some(interaction) => interactions.push(interaction),
                        None => return Ok(Interactions(interactions)),
                    }
                }
                // The element past the limit is refused where it starts, so the
                // error has its line and column and `interactions[LIMIT]`.
                match seq.next_element::<PastTheLimit<LIMIT>>()? {
                    Some(never) => match never {},
                    None => Ok(Interactions(interactions)),
                }
            }
        }

        deserializer.deserialize_seq(InteractionsVisitor::<LIMIT>)
    }
}

/// An interaction past the limit: whatever it holds, an error.
enum PastTheLimit<const LIMIT: usize> {}

impl<'de, const LIMIT: usize> Deserialize<'de> for PastTheLimit<LIMIT> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `deserialize_any` so that serde_yaml marks the error with the element's
        // position; the visitor refuses the first thing it is shown.
        deserializer.deserialize_any(Refuse::<LIMIT>)
    }
}

/// Refuses every value: the interaction past the limit.
struct Refuse<const LIMIT: usize>;

impl<const LIMIT: usize> Refuse<LIMIT> {
    fn error<E: de::Error, T>(self) -> Result<T, E> {
        Err(E::custom(format_args!(
            "the cassette holds more than {LIMIT} {TOO_MANY}"
        )))
    }
}

impl<'de, const LIMIT: usize> Visitor<'de> for Refuse<LIMIT> {
    type Value = PastTheLimit<LIMIT>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at most {LIMIT} interactions")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.error()
    }

    fn visit_some<D: Deserializer<'de>>(self, _: D) -> Result<Self::Value, D::Error> {
        self.error()
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<Self::Value, D::Error> {
        self.error()
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.error()
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.error()
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.error()
    }
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
    proto: Option<ByteString>,
    proto_major: Option<u32>,
    proto_minor: Option<u32>,
    content_length: Option<i64>,
    transfer_encoding: Option<Vec<ByteString>>,
    trailer: Option<Headers>,
    host: Option<ByteString>,
    remote_addr: Option<ByteString>,
    request_uri: Option<ByteString>,
    body: Option<Body>,
    form: Option<Headers>,
    headers: Option<Headers>,
    url: Option<ByteString>,
    method: Option<ByteString>,
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
        let mut non_utf8 = NonUtf8::default();
        let (proto, kept) = NonUtf8::split(raw.proto.unwrap_or_default().into_bytes());
        non_utf8.proto = kept;
        let (url, kept) = NonUtf8::split(raw.url.unwrap_or_default().into_bytes());
        non_utf8.url = kept;
        let (method, kept) = NonUtf8::split(raw.method.unwrap_or_default().into_bytes());
        non_utf8.method = kept;
        Request {
            proto,
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
            url,
            method,
            kept_empty,
            non_utf8,
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default, expecting = "a response: a map of go-vcr response fields")]
struct RawResponse {
    proto: Option<ByteString>,
    proto_major: Option<u32>,
    proto_minor: Option<u32>,
    transfer_encoding: Option<Vec<ByteString>>,
    trailer: Option<Headers>,
    content_length: Option<i64>,
    uncompressed: Option<bool>,
    body: Option<Body>,
    headers: Option<Headers>,
    status: Option<ByteString>,
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
        let mut non_utf8 = NonUtf8::default();
        let (proto, kept) = NonUtf8::split(raw.proto.unwrap_or_default().into_bytes());
        non_utf8.proto = kept;
        let (status, kept) = NonUtf8::split(raw.status.unwrap_or_default().into_bytes());
        non_utf8.status = kept;
        Response {
            proto,
            proto_major: raw.proto_major.unwrap_or_default(),
            proto_minor: raw.proto_minor.unwrap_or_default(),
            transfer_encoding: raw.transfer_encoding.unwrap_or_default(),
            trailer: raw.trailer.unwrap_or_default(),
            content_length: raw.content_length.unwrap_or_default(),
            uncompressed: raw.uncompressed.unwrap_or_default(),
            body: raw.body.map(|b| b.0).unwrap_or_default(),
            headers: raw.headers.unwrap_or_default(),
            status,
            code: raw.code.unwrap_or_default(),
            duration: raw.duration.map(|d| d.0).unwrap_or_default(),
            kept_empty,
            non_utf8,
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

    /// `count` interactions, `- ` then `item` each, after the header lines.
    fn with_interactions(count: usize, item: &str) -> String {
        format!(
            "---\nversion: 2\ninteractions:\n{}",
            format!("- {item}\n").repeat(count)
        )
    }

    #[test]
    fn a_cassette_at_the_interaction_limit_loads_and_one_more_is_refused_where_it_starts() {
        let item = "request:\n    method: GET\n  response:\n    code: 200";
        let cassette = parse_limited::<3>(with_interactions(3, item), None).unwrap();
        assert_eq!(cassette.interactions.len(), 3);
        assert_eq!(cassette.interactions[2].response.code, 200);

        let path = Path::new("big.yaml");
        let err = parse_limited::<3>(with_interactions(4, item), Some(path)).unwrap_err();
        // Each interaction takes 4 lines after the 3 header lines: the fourth
        // starts on line 16, its first key at column 3.
        assert_eq!(
            err.location(),
            Some(Location {
                line: 16,
                column: 3
            })
        );
        assert_eq!(
            err.to_string(),
            "big.yaml:16:3: interactions[3]: the cassette holds more than 3 interactions, \
             the most reel loads from one cassette (split it into several cassettes, such \
             as one per test)"
        );
    }

    #[test]
    fn whatever_the_interaction_past_the_limit_holds_it_is_refused() {
        let past = |text: &str| {
            let err = parse_limited::<2>(text.to_owned(), None).unwrap_err();
            let message = err.to_string();
            assert!(
                message.contains("interactions[2]: the cassette holds more than 2 interactions"),
                "{text:?}: {message}"
            );
            err.location()
        };
        for item in ["{}", "5", "[1]", "~", "!!binary aGk=", "''", "true"] {
            let mut text = with_interactions(2, "{}");
            text.push_str(&format!("- {item}\n"));
            assert_eq!(past(&text), Some(Location { line: 6, column: 3 }), "{item}");
        }
        // An alias, and a flow sequence on one line.
        past("version: 2\ninteractions:\n- &a {}\n- *a\n- *a\n");
        let at = past("version: 2\ninteractions: [{}, {}, {}, {}]\n");
        assert_eq!(
            at,
            Some(Location {
                line: 2,
                column: 24
            })
        );
        // Up to the limit, nothing changes; an empty list and a missing one load.
        for text in [
            "version: 2\ninteractions: [{}, {}]\n",
            "version: 2\ninteractions: []\n",
            "version: 2\n",
        ] {
            parse_limited::<2>(text.to_owned(), None).unwrap();
        }
        parse_limited::<0>("version: 2\ninteractions: []\n".to_owned(), None).unwrap();
        assert!(parse_limited::<0>(with_interactions(1, "{}"), None).is_err());
    }

    #[test]
    fn the_loader_uses_max_interactions() {
        let err = Cassette::from_yaml("version: 2\ninteractions: {a: 1}\n").unwrap_err();
        assert!(
            err.to_string().contains(&format!(
                "interactions: invalid type: map, expected a sequence of at most \
                 {MAX_INTERACTIONS} interactions"
            )),
            "{err}"
        );
        assert_eq!(MAX_INTERACTIONS, 1_000_000);
    }

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
        assert_eq!(
            detect_dialect("---\nversion: 2\ninteractions:\n  - id: 0\n"),
            Dialect::Indent2
        );
    }

    #[test]
    fn yaml_v4_rc5_is_told_by_its_marks() {
        let charm =
            |body: &str| format!("---\nversion: 2\ninteractions:\n- id: 0\n  response:\n{body}");
        let long = "x ".repeat(45);
        for (body, expected) in [
            ("    body: 'no'\n", Dialect::CharmFolded),
            ("    body: \"no\"\n", Dialect::Charm),
            (
                "    headers:\n      X:\n      - '12:30'\n",
                Dialect::CharmFolded,
            ),
            ("    headers:\n      'off': []\n", Dialect::CharmFolded),
            ("    body: |+\n\n      x\n\n", Dialect::CharmFolded),
            ("    body: |2+\n\n      x\n\n", Dialect::Charm),
            ("    body: |2+\n\n        x\n\n", Dialect::Charm),
            (
                &format!("    body: {long}\n      folded\n"),
                Dialect::CharmFolded,
            ),
            (
                &format!("    body: {long}\n    code: 200\n"),
                Dialect::Charm,
            ),
            ("    body: hello\n", Dialect::Charm),
            // A raw U+2028 ends a block's line: `body:` is not in the block.
            (
                "    request_uri: |+\n      yes\n\u{2028}    body: |-\n\n      x\n",
                Dialect::CharmFolded,
            ),
            (
                "    request_uri: |+\n      a\n      yes\u{2029}    body: |-\n\n      x\n",
                Dialect::CharmFolded,
            ),
        ] {
            assert_eq!(detect_dialect(&charm(body)), expected, "{body}");
        }
    }
}
