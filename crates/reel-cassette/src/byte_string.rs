//! [`ByteString`]: a string field that may hold any bytes, as Go's strings do.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, VariantAccess, Visitor};

/// A string from a cassette: usually UTF-8 text, but any bytes, as a Go string.
///
/// HTTP header values may carry bytes that are not UTF-8 (a Latin-1 `café`), and a
/// percent-decoded form parameter may too. Go writes such a string as `!!binary`
/// base64; reel keeps its bytes, replays them as they were, and writes them back
/// the way Go does. Header and form values, trailers, `transfer_encoding`, `host`,
/// `remote_addr` and `request_uri` are `ByteString`s.
///
/// ```
/// use reel_cassette::ByteString;
///
/// let text = ByteString::from("gzip");
/// assert_eq!(text, "gzip");
/// assert_eq!(text.as_str(), Some("gzip"));
///
/// let latin1 = ByteString::from(b"caf\xe9".to_vec());
/// assert_eq!(latin1.as_str(), None);
/// assert_eq!(latin1.as_bytes(), b"caf\xe9");
/// assert_eq!(latin1.to_string(), "caf\u{fffd}");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteString(Vec<u8>);

impl ByteString {
    /// An empty string.
    pub const fn new() -> ByteString {
        ByteString(Vec::new())
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text, when the bytes are UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The text, with each invalid sequence replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Whether the bytes are UTF-8 (Go writes the string as text, not `!!binary`).
    pub fn is_utf8(&self) -> bool {
        self.as_str().is_some()
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

impl fmt::Display for ByteString {
    /// The text; bytes that are not UTF-8 show as U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_str_lossy(), f)
    }
}

impl fmt::Debug for ByteString {
    /// A string literal when UTF-8 (`"gzip"`), else a byte string (`b"caf\xe9"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(text) => fmt::Debug::fmt(text, f),
            None => write!(f, "b\"{}\"", self.0.escape_ascii()),
        }
    }
}

impl AsRef<[u8]> for ByteString {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for ByteString {
    fn from(s: &str) -> ByteString {
        ByteString(s.as_bytes().to_vec())
    }
}

impl From<&String> for ByteString {
    fn from(s: &String) -> ByteString {
        ByteString(s.as_bytes().to_vec())
    }
}

impl From<String> for ByteString {
    fn from(s: String) -> ByteString {
        ByteString(s.into_bytes())
    }
}

impl From<Cow<'_, str>> for ByteString {
    fn from(s: Cow<'_, str>) -> ByteString {
        ByteString::from(s.into_owned())
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(bytes: Vec<u8>) -> ByteString {
        ByteString(bytes)
    }
}

impl From<&[u8]> for ByteString {
    fn from(bytes: &[u8]) -> ByteString {
        ByteString(bytes.to_vec())
    }
}

impl From<&ByteString> for ByteString {
    fn from(s: &ByteString) -> ByteString {
        s.clone()
    }
}

impl PartialEq<str> for ByteString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for ByteString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for ByteString {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<ByteString> for str {
    fn eq(&self, other: &ByteString) -> bool {
        self.as_bytes() == other.0
    }
}

impl PartialEq<ByteString> for &str {
    fn eq(&self, other: &ByteString) -> bool {
        self.as_bytes() == other.0
    }
}

impl PartialEq<ByteString> for String {
    fn eq(&self, other: &ByteString) -> bool {
        self.as_bytes() == other.0
    }
}

/// The same bytes as an HTTP header value (obs-text such as Latin-1 included).
impl TryFrom<&ByteString> for http::HeaderValue {
    type Error = http::header::InvalidHeaderValue;

    fn try_from(value: &ByteString) -> Result<http::HeaderValue, Self::Error> {
        http::HeaderValue::from_bytes(&value.0)
    }
}

impl TryFrom<ByteString> for http::HeaderValue {
    type Error = http::header::InvalidHeaderValue;

    fn try_from(value: ByteString) -> Result<http::HeaderValue, Self::Error> {
        http::HeaderValue::from_bytes(&value.0)
    }
}

/// Reads a cassette string: text, or `!!binary` base64 (read as the local tag
/// `!binary`, see `read.rs`), which gives back the bytes Go encoded.
impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ByteString, D::Error> {
        deserializer
            .deserialize_any(GoStringVisitor("a string, or `!!binary` base64"))
            .map(ByteString)
    }
}

/// Visits a Go string field: text, a plain scalar that serde_yaml resolved (Go
/// reads its text), null (empty), or `!!binary` base64.
pub(crate) struct GoStringVisitor(pub(crate) &'static str);

impl<'de> Visitor<'de> for GoStringVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<u8>, E> {
        Ok(v.as_bytes().to_vec())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<u8>, E> {
        Ok(v.into_bytes())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<u8>, E> {
        Ok(v.to_string().into_bytes())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<u8>, E> {
        Ok(v.to_string().into_bytes())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<u8>, E> {
        Ok(v.to_string().into_bytes())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<u8>, E> {
        Ok(v.to_string().into_bytes())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<u8>, E> {
        Ok(Vec::new())
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Vec<u8>, A::Error> {
        use base64::Engine as _;
        let (tag, content): (String, _) = data.variant()?;
        if tag != "binary" {
            return Err(de::Error::custom(format_args!(
                "unsupported tag `!{tag}`: cassettes use only `!!binary`"
            )));
        }
        let text: String = content.newtype_variant()?;
        let base64: String = text.split_ascii_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(base64.as_bytes())
            .map_err(|err| {
                let err = err.to_string();
                let err = err.trim_end_matches('.');
                de::Error::custom(format_args!("invalid base64 in `!!binary` ({err})"))
            })
    }
}
