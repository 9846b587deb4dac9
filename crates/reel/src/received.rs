//! [`Received`]: a request as the engine sees it, in `http` types, whatever client
//! sent it.

use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use crate::{Error, Result};

/// A request the code under test sent: what the engine matches, records and, when
/// recording, hands back to the adapter to send on. Custom matchers
/// ([`crate::RequestMatcher`]) see it too.
///
/// Adapters build it from their client's request; the body is read whole first.
///
/// ```
/// let request = http::Request::post("https://api.openai.com/v1/chat/completions")
///     .header("content-type", "application/json")
///     .body(bytes::Bytes::from_static(b"{}"))?;
/// let received = reel::Received::from_http(request)?;
/// assert_eq!(received.uri().host(), Some("api.openai.com"));
/// assert_eq!(received.url(), "https://api.openai.com/v1/chat/completions");
/// assert_eq!(received.body(), b"{}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Received {
    method: Method,
    /// The URL's text: what matching, recording and reports read.
    url: String,
    /// The URI, parsed from `url` when first asked for (replay never asks).
    uri: OnceLock<Uri>,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    /// A request from its parts. Errors when `uri` is not absolute
    /// (`scheme://host/path`): matching and recording need the whole URL.
    pub fn new(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Result<Received> {
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(Error::RequestUrl {
                uri: uri.to_string(),
                reason: "it has no scheme or no host".to_owned(),
            });
        }
        Ok(Received {
            method,
            url: uri.to_string(),
            uri: OnceLock::from(uri),
            headers,
            body,
        })
    }

    /// A request whose URL a client already parsed and checked (reqwest's
    /// `Url`, absolute and a valid URI): its text is taken as it is, and the
    /// `http::Uri` is parsed only if asked for.
    #[cfg(any(feature = "reqwest", feature = "reqwest-0-12"))]
    pub(crate) fn from_url(method: Method, url: &str, headers: HeaderMap, body: Bytes) -> Received {
        Received {
            method,
            url: url.to_owned(),
            uri: OnceLock::new(),
            headers,
            body,
        }
    }

    /// A request from `http` types. Errors when the URI is not absolute
    /// (`scheme://host/path`): matching and recording need the whole URL.
    pub fn from_http(request: http::Request<Bytes>) -> Result<Received> {
        let (parts, body) = request.into_parts();
        Received::from_parts(parts, body)
    }

    /// A request from `http` request parts and the whole body; see
    /// [`Received::from_http`].
    pub fn from_parts(parts: http::request::Parts, body: Bytes) -> Result<Received> {
        Received::new(parts.method, parts.uri, parts.headers, body)
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URI: absolute, with scheme and host.
    pub fn uri(&self) -> &Uri {
        self.uri.get_or_init(|| parse_uri(&self.url))
    }

    /// The URL as text, as the cassette records it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body; empty when the request has none.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether a client sending this request on gives it a body: always for
    /// methods that carry one (an empty `POST` still says `Content-Length: 0`),
    /// and for `GET`, `HEAD`, `OPTIONS` and `TRACE` only when it is not empty.
    pub fn sends_body(&self) -> bool {
        !self.body.is_empty()
            || !matches!(
                self.method,
                Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
            )
    }

    /// The parts: method, URI, headers, body.
    pub fn into_parts(self) -> (Method, Uri, HeaderMap, Bytes) {
        let uri = match self.uri.into_inner() {
            Some(uri) => uri,
            None => parse_uri(&self.url),
        };
        (self.method, uri, self.headers, self.body)
    }

    /// The method, headers and body, for an adapter that kept the URL its
    /// client parsed (no `http::Uri` is parsed).
    #[cfg(any(feature = "reqwest", feature = "reqwest-0-12"))]
    pub(crate) fn into_method_headers_body(self) -> (Method, HeaderMap, Bytes) {
        (self.method, self.headers, self.body)
    }

    /// The request as an `http::Request`, to send on.
    pub fn into_http(self) -> http::Request<Bytes> {
        let mut request = http::Request::new(Bytes::new());
        let (method, uri, headers, body) = self.into_parts();
        *request.body_mut() = body;
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        request
    }

    /// The `Content-Type` header, when it is UTF-8 (as a recorded one is read).
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.header_text(http::header::CONTENT_TYPE)
    }

    /// The `Content-Encoding` header, when it is UTF-8.
    pub(crate) fn content_encoding(&self) -> Option<&str> {
        self.header_text(http::header::CONTENT_ENCODING)
    }

    /// A header's value as text when it is UTF-8: the recorded request's headers
    /// are read the same way, so a value with bytes beyond ASCII (which
    /// `HeaderValue::to_str` refuses) still matches its own recording.
    fn header_text(&self, name: http::header::HeaderName) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
    }

    /// The body as [`Bytes`].
    pub(crate) fn body_bytes(&self) -> &Bytes {
        &self.body
    }
}

/// The URI of a URL a client checked ([`Received::from_url`]): reqwest sends
/// only URLs that parse as URIs, so the root stands in only for one it could not
/// have sent either.
fn parse_uri(url: &str) -> Uri {
    url.parse().unwrap_or_else(|_| Uri::from_static("/"))
}
