//! The lookup from a received request to the recorded ones it may match, built once
//! when the cassette loads.
//!
//! Two hash lookups answer a request, however many interactions the cassette has:
//! the route (method and normalized URL) picks a bucket, then the normalized body
//! text and the body's structure (canonical JSON or form) pick the interactions in
//! it. No recorded body is parsed or scanned per request.

use std::collections::HashMap;

use bytes::Bytes;

use crate::normalize::{NormalRequest, Structure};

/// A hash map with a fast hasher: keys are request bodies and URLs, hashed on
/// every request.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Recorded interactions by route and body.
#[derive(Debug, Default)]
pub(crate) struct Index {
    buckets: Vec<Bucket>,
    /// The normalized route (method, URL, sorted query) to its bucket.
    routes: FastMap<String, usize>,
    /// A URL as it serializes after parsing (only its path and query when hosts
    /// are ignored) to the buckets of the methods recorded with it.
    raw_routes: FastMap<String, Vec<(String, usize)>>,
}

/// The interactions of one route, each list in file order.
#[derive(Debug, Default)]
struct Bucket {
    all: Vec<usize>,
    by_text: FastMap<Bytes, Texts>,
    by_structure: FastMap<Structure, Vec<usize>>,
}

/// The interactions with one body text.
#[derive(Debug, Default)]
struct Texts {
    list: Vec<usize>,
    /// Whether the text decides alone: its JSON structure class holds exactly
    /// these interactions.
    decisive: bool,
}

/// A recorded request's URL as its text, for the exact-text shortcut: the
/// method, and the URL as it serializes after parsing.
pub(crate) struct RawRoute {
    pub(crate) method: String,
    pub(crate) target: String,
}

impl Index {
    /// Indexes normalized recorded requests; an interaction's number is its position.
    pub(crate) fn build(recorded: &[NormalRequest], raw: &[Option<RawRoute>]) -> Index {
        let mut index = Index::default();
        for (i, request) in recorded.iter().enumerate() {
            let next = index.buckets.len();
            let b = *index.routes.entry(request.route.clone()).or_insert(next);
            if b == next {
                index.buckets.push(Bucket::default());
            }
            if let Some(raw) = &raw[i] {
                let methods = index.raw_routes.entry(raw.target.clone()).or_default();
                if !methods.iter().any(|(m, _)| *m == raw.method) {
                    methods.push((raw.method.clone(), b));
                }
            }
            let bucket = &mut index.buckets[b];
            bucket.all.push(i);
            bucket
                .by_text
                .entry(request.body.text.clone())
                .or_default()
                .list
                .push(i);
            if let Some(structure) = &request.body.structure {
                bucket
                    .by_structure
                    .entry(structure.clone())
                    .or_default()
                    .push(i);
            }
        }
        for bucket in &mut index.buckets {
            for texts in bucket.by_text.values_mut() {
                let structure = &recorded[texts.list[0]].body.structure;
                texts.decisive = matches!(structure, Some(structure @ Structure::Json(_))
                    if bucket.by_structure.get(structure) == Some(&texts.list));
            }
        }
        index
    }

    /// The candidates when the method, the URL's text and the body text decide
    /// alone.
    pub(crate) fn fast_candidates(
        &self,
        method: &str,
        target: &str,
        text: &Bytes,
    ) -> Option<&[usize]> {
        let (_, b) = self
            .raw_routes
            .get(target)?
            .iter()
            .find(|(m, _)| m == method)?;
        let texts = self.buckets[*b].by_text.get(text)?;
        texts.decisive.then_some(texts.list.as_slice())
    }

    /// The recorded interactions whose method, URL and (unless `ignore_body`) body
    /// match `received`, in file order.
    pub(crate) fn candidates(&self, received: &NormalRequest, ignore_body: bool) -> Vec<usize> {
        let Some(&b) = self.routes.get(&received.route) else {
            return Vec::new();
        };
        let bucket = &self.buckets[b];
        if ignore_body {
            return bucket.all.clone();
        }
        let by_text = bucket
            .by_text
            .get(&received.body.text)
            .map_or(&[][..], |texts| texts.list.as_slice());
        let by_structure = received
            .body
            .structure
            .as_ref()
            .and_then(|s| bucket.by_structure.get(s))
            .map_or(&[][..], Vec::as_slice);
        merge(by_text, by_structure)
    }
}

/// The union of two ascending lists, ascending, without duplicates.
fn merge(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_file_order_and_drops_duplicates() {
        assert_eq!(merge(&[0, 3, 5], &[1, 3, 7]), [0, 1, 3, 5, 7]);
        assert_eq!(merge(&[], &[2]), [2]);
    }
}
