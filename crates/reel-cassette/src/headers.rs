//! [`Headers`]: a map from names to lists of values, as Go's `http.Header` and `url.Values`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

use crate::ByteString;

/// An ordered map from names to lists of values ([`ByteString`]s: any bytes).
///
/// Used for request and response headers, trailers and form parameters. Names keep
/// the order they were loaded or inserted in, and each name's values keep their
/// order, so multi-valued headers survive a round trip. The cassette writer sorts
/// names the way Go's YAML encoder does, whatever their order here.
///
/// ```
/// use reel_cassette::Headers;
///
/// let mut headers = Headers::new();
/// headers.append("Set-Cookie", "a=1");
/// headers.append("Set-Cookie", "b=2");
/// assert_eq!(headers.get_all("set-cookie"), ["a=1", "b=2"]);
/// assert_eq!(headers.get("Set-Cookie"), Some("a=1"));
///
/// // Values are bytes: a Latin-1 value keeps its bytes.
/// headers.append("X-Name", b"caf\xe9".to_vec());
/// assert_eq!(headers.get_all("x-name")[0].as_bytes(), b"caf\xe9");
/// assert_eq!(headers.get("X-Name"), None); // not UTF-8
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    /// The name as text; for a name that is not UTF-8, its lossy text.
    name: String,
    /// The bytes of a name that is not UTF-8 (only Go's cassettes hold such
    /// names: HTTP header names are ASCII).
    raw_name: Option<Box<[u8]>>,
    values: Vec<ByteString>,
}

impl Entry {
    fn name_bytes(&self) -> &[u8] {
        self.raw_name.as_deref().unwrap_or(self.name.as_bytes())
    }
}

impl Headers {
    /// An empty map.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry whose name equals `name`, ignoring ASCII case (header names are
    /// case-insensitive), preferring an exact match.
    fn position(&self, name: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.raw_name.is_none() && e.name == name)
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|e| e.raw_name.is_none() && e.name.eq_ignore_ascii_case(name))
            })
    }

    /// The first value of `name` (ASCII case-insensitive) as text; `None` when
    /// the name is absent or its first value is not UTF-8 (see [`Self::get_all`]).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).first().and_then(ByteString::as_str)
    }

    /// All values of `name` (ASCII case-insensitive), in order; empty if absent.
    pub fn get_all(&self, name: &str) -> &[ByteString] {
        match self.position(name) {
            Some(i) => &self.entries[i].values,
            None => &[],
        }
    }

    /// Whether `name` is present (ASCII case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Adds a value to `name`, after the values it already has.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<ByteString>) {
        let name = name.into();
        match self.position(&name) {
            Some(i) => self.entries[i].values.push(value.into()),
            None => self.entries.push(Entry {
                name,
                raw_name: None,
                values: vec![value.into()],
            }),
        }
    }

    /// [`Self::append`] for a name given as bytes, which may not be UTF-8 (Go's
    /// cassettes can hold such names; HTTP's cannot). Names compare byte for byte.
    pub fn append_bytes(&mut self, name: impl Into<ByteString>, value: impl Into<ByteString>) {
        let name = name.into();
        match String::from_utf8(name.into_bytes()) {
            Ok(name) => self.append(name, value),
            Err(err) => {
                let bytes = err.into_bytes();
                match self
                    .entries
                    .iter()
                    .position(|e| e.raw_name.as_deref() == Some(&bytes[..]))
                {
                    Some(i) => self.entries[i].values.push(value.into()),
                    None => self.entries.push(Entry {
                        name: String::from_utf8_lossy(&bytes).into_owned(),
                        raw_name: Some(bytes.into_boxed_slice()),
                        values: vec![value.into()],
                    }),
                }
            }
        }
    }

    /// Replaces all values of `name` with `values`.
    pub fn insert<V: Into<ByteString>>(
        &mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) {
        let name = name.into();
        let values = values.into_iter().map(Into::into).collect();
        match self.position(&name) {
            Some(i) => self.entries[i].values = values,
            None => self.entries.push(Entry {
                name,
                raw_name: None,
                values,
            }),
        }
    }

    /// Removes `name` (ASCII case-insensitive) and returns its values.
    pub fn remove(&mut self, name: &str) -> Option<Vec<ByteString>> {
        let i = self.position(name)?;
        Some(self.entries.remove(i).values)
    }

    /// Keeps only the names for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &[ByteString]) -> bool) {
        self.entries.retain(|e| keep(&e.name, &e.values));
    }

    /// Every value of every name, to change in place.
    ///
    /// ```
    /// use reel_cassette::Headers;
    ///
    /// let mut headers = Headers::new();
    /// headers.append("X-Account", "acct-1");
    /// for value in headers.values_mut() {
    ///     *value = "<ACCOUNT>".into();
    /// }
    /// assert_eq!(headers.get("x-account"), Some("<ACCOUNT>"));
    /// ```
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut crate::ByteString> {
        self.entries.iter_mut().flat_map(|e| e.values.iter_mut())
    }

    /// The names and their values, in insertion order. A name that is not UTF-8
    /// shows as its lossy text here; [`Self::iter_bytes`] gives its bytes.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &[ByteString])> {
        self.entries
            .iter()
            .map(|e| (e.name.as_str(), e.values.as_slice()))
    }

    /// The names as bytes and their values, in insertion order.
    pub fn iter_bytes(&self) -> impl ExactSizeIterator<Item = (&[u8], &[ByteString])> {
        self.entries
            .iter()
            .map(|e| (e.name_bytes(), e.values.as_slice()))
    }
}

/// Equal when the same names have the same values in the same order, whatever the
/// order of the names (Go's maps have none).
impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.len() == other.len()
            && self.entries.iter().all(|e| {
                other
                    .entries
                    .iter()
                    .any(|o| o.name_bytes() == e.name_bytes() && o.values == e.values)
            })
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.entries
                    .iter()
                    .map(|e| (ByteString::from(e.name_bytes()), &e.values)),
            )
            .finish()
    }
}

impl<N: Into<String>, V: Into<ByteString>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Headers {
        let mut headers = Headers::new();
        for (n, v) in iter {
            headers.append(n, v);
        }
        headers
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Headers, D::Error> {
        struct HeadersVisitor;

        impl<'de> Visitor<'de> for HeadersVisitor {
            type Value = Headers;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from names to lists of strings")
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<Headers, E> {
                Ok(Headers::new())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut entries: Vec<Entry> = Vec::new();
                while let Some(name) = map.next_key::<ByteString>()? {
                    if entries.iter().any(|e| e.name_bytes() == name.as_bytes()) {
                        return Err(serde::de::Error::custom(format_args!(
                            "name `{name}` appears twice; merge its values into one list"
                        )));
                    }
                    let values = map
                        .next_value::<Option<Vec<ByteString>>>()?
                        .unwrap_or_default();
                    let (name, raw_name) = match String::from_utf8(name.into_bytes()) {
                        Ok(name) => (name, None),
                        Err(err) => (
                            String::from_utf8_lossy(err.as_bytes()).into_owned(),
                            Some(err.into_bytes().into_boxed_slice()),
                        ),
                    };
                    entries.push(Entry {
                        name,
                        raw_name,
                        values,
                    });
                }
                Ok(Headers { entries })
            }
        }

        deserializer.deserialize_map(HeadersVisitor)
    }
}
