//! [`Headers`]: a map from names to lists of values, as Go's `http.Header` and `url.Values`.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// An ordered map from names to lists of values.
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
/// ```
#[derive(Clone, Default)]
pub struct Headers {
    entries: Vec<(String, Vec<String>)>,
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
            .position(|(n, _)| n == name)
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case(name))
            })
    }

    /// The first value of `name` (ASCII case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).first().map(String::as_str)
    }

    /// All values of `name` (ASCII case-insensitive), in order; empty if absent.
    pub fn get_all(&self, name: &str) -> &[String] {
        match self.position(name) {
            Some(i) => &self.entries[i].1,
            None => &[],
        }
    }

    /// Whether `name` is present (ASCII case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Adds a value to `name`, after the values it already has.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        match self.position(&name) {
            Some(i) => self.entries[i].1.push(value.into()),
            None => self.entries.push((name, vec![value.into()])),
        }
    }

    /// Replaces all values of `name` with `values`.
    pub fn insert(&mut self, name: impl Into<String>, values: Vec<String>) {
        let name = name.into();
        match self.position(&name) {
            Some(i) => self.entries[i].1 = values,
            None => self.entries.push((name, values)),
        }
    }

    /// Removes `name` (ASCII case-insensitive) and returns its values.
    pub fn remove(&mut self, name: &str) -> Option<Vec<String>> {
        let i = self.position(name)?;
        Some(self.entries.remove(i).1)
    }

    /// Keeps only the names for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &[String]) -> bool) {
        self.entries.retain(|(n, v)| keep(n, v));
    }

    /// The names and their values, in insertion order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }
}

/// Equal when the same names have the same values in the same order, whatever the
/// order of the names (Go's maps have none).
impl PartialEq for Headers {
    fn eq(&self, other: &Headers) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(name, values)| other.entries.iter().any(|(n, v)| n == name && v == values))
    }
}

impl Eq for Headers {}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
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
                let mut entries: Vec<(String, Vec<String>)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    if entries.iter().any(|(n, _)| *n == name) {
                        return Err(serde::de::Error::custom(format_args!(
                            "name `{name}` appears twice; merge its values into one list"
                        )));
                    }
                    let values = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default();
                    entries.push((name, values));
                }
                Ok(Headers { entries })
            }
        }

        deserializer.deserialize_map(HeadersVisitor)
    }
}
