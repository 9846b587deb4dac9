//! The cassette model: [`Cassette`], [`Interaction`], [`Request`], [`Response`].

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;

use crate::{ByteString, Headers, Result};

/// The cassette format version reel reads and writes (go-vcr v4).
pub const FORMAT_VERSION: u32 = 2;

/// A recorded session: the interactions of one test, in the order they happened.
///
/// ```
/// use reel_cassette::{Cassette, Interaction, Request, Response};
///
/// let mut cassette = Cassette::new();
/// cassette.interactions.push(Interaction::new(
///     Request::new("POST", "https://api.example.com/v1/echo").with_body(r#"{"a":1}"#),
///     Response::new(200).with_body("ok"),
/// ));
/// let text = cassette.to_yaml();
/// assert!(text.starts_with("---\nversion: 2\ninteractions:\n- id: 0\n"));
/// assert_eq!(Cassette::from_yaml(&text)?, cassette);
/// # Ok::<(), reel_cassette::Error>(())
/// ```
///
/// The model (`Cassette`, [`Interaction`], [`Request`], [`Response`]) is
/// `#[non_exhaustive]`, so that a field added later breaks no one: build values
/// with their `new` constructors and `with_*` methods, then set public fields.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Cassette {
    /// The interactions, in file order. Their `id` is their position.
    pub interactions: Vec<Interaction>,
    /// The layout the cassette is written in: the one it was loaded in, or
    /// [`Dialect::Charm`] for a new cassette.
    pub dialect: Dialect,
    /// The line endings it is written with: the ones it was loaded with (a
    /// Windows checkout turns a committed file's `\n` into `\r\n`), or
    /// [`LineEndings::Lf`] for a new cassette, as Go writes it.
    pub line_endings: LineEndings,
}

/// How a cassette's lines end. Go writes `\n`; Git for Windows checks text out
/// with `\r\n` unless told otherwise (`*.yaml -text` or `eol=lf` in
/// `.gitattributes`), and a cassette read so is written back so, byte for byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LineEndings {
    /// `\n`, as Go writes.
    #[default]
    Lf,
    /// `\r\n` at the end of every line.
    Crlf,
}

impl Cassette {
    /// An empty cassette in the charm dialect.
    pub fn new() -> Cassette {
        Cassette::default()
    }

    /// Loads a cassette file. Errors name the file, and the line and column where
    /// the parser knows them.
    pub fn load(path: impl AsRef<Path>) -> Result<Cassette> {
        crate::read::load(path.as_ref())
    }

    /// Parses cassette text.
    pub fn from_yaml(text: &str) -> Result<Cassette> {
        crate::read::from_yaml(text, None)
    }

    /// Encodes the cassette exactly as go-vcr's Go encoder would, in [`Self::dialect`],
    /// with [`Self::line_endings`].
    pub fn to_yaml(&self) -> String {
        let text = crate::go_yaml::encode(self);
        match self.line_endings {
            LineEndings::Lf => text,
            LineEndings::Crlf => text.replace('\n', "\r\n"),
        }
    }

    /// Saves the cassette atomically: the file holds either its old content or the
    /// new one, never a mix, even if the process dies while saving. Creates
    /// missing directories.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::save::write_atomically(path.as_ref(), self.to_yaml().as_bytes())
    }
}

/// The layouts Go writes cassettes in. All are ordinary YAML; they differ in
/// indentation, in line folding, and in a few quoting rules of the Go encoder's
/// release. Each Go layout is re-saved byte for byte in its own dialect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Indent 2, list items at their key's column (`interactions:\n- id: 0`), no
    /// line folding: charm's x/vcr marshaler (an Encoder with `SetIndent(2)` and
    /// compact sequences) on go.yaml.in/yaml/v4 up to v4.0.0-rc.4. Used by most
    /// LLM client suites, and the dialect of new cassettes.
    #[default]
    Charm,
    /// Indent 4, list items indented (`interactions:\n    - id: 0`): go-vcr's own
    /// default, `yaml.Marshal`.
    GoVcr,
    /// Charm's layout as yaml/v4 v4.0.0-rc.5 and later write it: long scalars
    /// folded at 80 columns, YAML 1.1-only words (`no`, `off`, `12:30`, `<<`)
    /// single-quoted, and no indentation digit on a literal block that starts
    /// with a line break (where the block still reads back the same).
    CharmFolded,
    /// Indent 2, list items indented two spaces under their key
    /// (`interactions:\n  - id: 0`): an Encoder with `SetIndent(2)` but without
    /// compact sequences.
    Indent2,
}

impl Dialect {
    /// The indentation step.
    pub(crate) fn indent(self) -> usize {
        match self {
            Dialect::GoVcr => 4,
            Dialect::Charm | Dialect::CharmFolded | Dialect::Indent2 => 2,
        }
    }

    /// Whether a list inside a mapping starts at its key's column.
    pub(crate) fn compact_lists(self) -> bool {
        matches!(self, Dialect::Charm | Dialect::CharmFolded)
    }

    /// Whether the encoder is yaml/v4 rc.5 or later: folding at 80 columns,
    /// YAML 1.1 words single-quoted, rc.4's literal block indicators.
    pub(crate) fn rc5(self) -> bool {
        self == Dialect::CharmFolded
    }

    /// The name `reel fmt --dialect` takes: `charm`, `go-vcr`, `charm-folded`, `indent2`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Charm => "charm",
            Dialect::GoVcr => "go-vcr",
            Dialect::CharmFolded => "charm-folded",
            Dialect::Indent2 => "indent2",
        }
    }
}

/// One request and the response it got.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Interaction {
    /// The recorded request.
    pub request: Request,
    /// The recorded response.
    pub response: Response,
}

impl Interaction {
    /// Pairs a request with its response.
    pub fn new(request: Request, response: Response) -> Interaction {
        Interaction { request, response }
    }
}

/// A recorded request, with the fields go-vcr stores.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// Protocol text, `HTTP/1.1`.
    pub proto: String,
    /// Protocol major version.
    pub proto_major: u32,
    /// Protocol minor version.
    pub proto_minor: u32,
    /// Body length as sent: 0 for none, -1 when unknown.
    pub content_length: i64,
    /// Transfer encodings, such as `chunked`.
    pub transfer_encoding: Vec<ByteString>,
    /// Trailer headers.
    pub trailer: Headers,
    /// Go's `Request.Host` override; usually empty.
    pub host: ByteString,
    /// Server-side remote address; usually empty.
    pub remote_addr: ByteString,
    /// Server-side request URI; usually empty.
    pub request_uri: ByteString,
    /// The body, as bytes.
    pub body: Bytes,
    /// Query parameters and urlencoded body parameters.
    pub form: Headers,
    /// Request headers.
    pub headers: Headers,
    /// The full URL.
    pub url: String,
    /// The method, `POST`.
    pub method: String,
    /// Keys that were written although empty (older go-vcr wrote every key).
    pub(crate) kept_empty: KeptEmpty,
    /// The bytes of `proto`, `url` or `method` when a file held them as
    /// `!!binary` that is not UTF-8 (the fields then hold the lossy text).
    pub(crate) non_utf8: NonUtf8,
}

impl Default for Request {
    fn default() -> Request {
        Request {
            proto: "HTTP/1.1".to_owned(),
            proto_major: 1,
            proto_minor: 1,
            content_length: 0,
            transfer_encoding: Vec::new(),
            trailer: Headers::new(),
            host: ByteString::new(),
            remote_addr: ByteString::new(),
            request_uri: ByteString::new(),
            body: Bytes::new(),
            form: Headers::new(),
            headers: Headers::new(),
            url: String::new(),
            method: String::new(),
            kept_empty: KeptEmpty::default(),
            non_utf8: NonUtf8::default(),
        }
    }
}

impl Request {
    /// An HTTP/1.1 request with no body and no headers.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            url: url.into(),
            ..Request::default()
        }
    }

    /// Sets the body and `content_length`.
    #[must_use = "with_body returns the changed request"]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = body.into();
        self.content_length = self.body.len() as i64;
        self
    }

    /// Adds a header value.
    #[must_use = "with_header returns the changed request"]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<ByteString>) -> Request {
        self.headers.append(name, value);
        self
    }
}

/// A recorded response, with the fields go-vcr stores.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Response {
    /// Protocol text, `HTTP/2.0`.
    pub proto: String,
    /// Protocol major version.
    pub proto_major: u32,
    /// Protocol minor version.
    pub proto_minor: u32,
    /// Transfer encodings, such as `chunked`.
    pub transfer_encoding: Vec<ByteString>,
    /// Trailer headers.
    pub trailer: Headers,
    /// Body length as announced: -1 when unknown.
    pub content_length: i64,
    /// Whether the body was decompressed before it was stored.
    pub uncompressed: bool,
    /// The body, as bytes: a streamed body is the concatenation of everything received.
    pub body: Bytes,
    /// Response headers.
    pub headers: Headers,
    /// Full status text, `200 OK`.
    pub status: String,
    /// Status code.
    pub code: u16,
    /// Time until the response headers arrived.
    pub duration: Duration,
    /// Keys that were written although empty (older go-vcr wrote every key).
    pub(crate) kept_empty: KeptEmpty,
    /// The bytes of `proto` or `status` when a file held them as `!!binary`
    /// that is not UTF-8 (the fields then hold the lossy text).
    pub(crate) non_utf8: NonUtf8,
}

impl Default for Response {
    fn default() -> Response {
        Response::new(200)
    }
}

impl Response {
    /// An HTTP/2.0 response with the given status code, its standard status text,
    /// and no body.
    pub fn new(code: u16) -> Response {
        Response {
            proto: "HTTP/2.0".to_owned(),
            proto_major: 2,
            proto_minor: 0,
            transfer_encoding: Vec::new(),
            trailer: Headers::new(),
            content_length: -1,
            uncompressed: false,
            body: Bytes::new(),
            headers: Headers::new(),
            status: status_text(code),
            code,
            duration: Duration::ZERO,
            kept_empty: KeptEmpty::default(),
            non_utf8: NonUtf8::default(),
        }
    }

    /// Sets the body.
    #[must_use = "with_body returns the changed response"]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Response {
        self.body = body.into();
        self
    }

    /// Adds a header value.
    #[must_use = "with_header returns the changed response"]
    pub fn with_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<ByteString>,
    ) -> Response {
        self.headers.append(name, value);
        self
    }
}

/// `200 OK`, as Go's `Response.Status` reads.
fn status_text(code: u16) -> String {
    let reason = match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Site Overloaded",
        _ => return code.to_string(),
    };
    format!("{code} {reason}")
}

/// Which omit-when-empty keys a loaded file spelled out although empty, so that a
/// file from an older go-vcr (which wrote every key) re-saves unchanged.
///
/// Layout, not content: it never makes two requests or responses unequal.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeptEmpty(u8);

impl PartialEq for KeptEmpty {
    fn eq(&self, _: &KeptEmpty) -> bool {
        true
    }
}

impl KeptEmpty {
    pub(crate) const TRANSFER_ENCODING: u8 = 1;
    pub(crate) const TRAILER: u8 = 1 << 1;
    pub(crate) const REMOTE_ADDR: u8 = 1 << 2;
    pub(crate) const REQUEST_URI: u8 = 1 << 3;
    pub(crate) const BODY: u8 = 1 << 4;
    pub(crate) const FORM: u8 = 1 << 5;
    pub(crate) const HEADERS: u8 = 1 << 6;
    pub(crate) const UNCOMPRESSED: u8 = 1 << 7;

    pub(crate) fn set(&mut self, key: u8, present: bool) {
        if present {
            self.0 |= key;
        }
    }

    pub(crate) fn has(self, key: u8) -> bool {
        self.0 & key != 0
    }
}

/// The bytes of text fields (`proto`, `url`, `method`, `status`) that a file held
/// as `!!binary` that is not UTF-8. These fields are `String`s, as the engine
/// matches and replays them as text: such a field holds the lossy text, and these
/// bytes are written back in its place while it still holds that text, so the
/// file re-saves unchanged.
///
/// Layout, not content: it never makes two requests or responses unequal.
#[derive(Clone, Debug, Default)]
pub(crate) struct NonUtf8 {
    pub(crate) proto: Option<Box<[u8]>>,
    pub(crate) url: Option<Box<[u8]>>,
    pub(crate) method: Option<Box<[u8]>>,
    pub(crate) status: Option<Box<[u8]>>,
}

impl PartialEq for NonUtf8 {
    fn eq(&self, _: &NonUtf8) -> bool {
        true
    }
}

impl NonUtf8 {
    /// Splits loaded bytes into the field's text and the bytes to keep.
    pub(crate) fn split(bytes: Vec<u8>) -> (String, Option<Box<[u8]>>) {
        match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(err) => (
                String::from_utf8_lossy(err.as_bytes()).into_owned(),
                Some(err.into_bytes().into_boxed_slice()),
            ),
        }
    }

    /// The bytes to write for a field: the kept bytes while the field still
    /// holds their lossy text, else the field's text.
    pub(crate) fn bytes<'a>(text: &'a str, kept: Option<&'a [u8]>) -> &'a [u8] {
        match kept {
            Some(raw) if String::from_utf8_lossy(raw) == text => raw,
            _ => text.as_bytes(),
        }
    }
}
