//! The lookup from a received request to the recorded ones it may match, built once
//! when the cassette loads.
//!
//! Two hash lookups answer a request, however many interactions the cassette has:
//! the route (method and normalized URL) picks a bucket, then the normalized body
//! text and the body's structure (canonical JSON or form) pick the interactions in
//! it. No recorded body is parsed or scanned per request.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use crate::normalize::{NormalRequest, Structure};

/// Recorded interactions by route and body.
#[derive(Debug, Default)]
pub(crate) struct Index {
    routes: HashMap<String, Bucket>,
    /// `METHOD url` as the URL serializes after parsing, to its route.
    raw_routes: HashMap<String, String>,
}

/// The interactions of one route, each list in file order.
#[derive(Debug, Default)]
struct Bucket {
    all: Vec<usize>,
    by_text: HashMap<Bytes, Vec<usize>>,
    by_structure: HashMap<Structure, Vec<usize>>,
    /// Texts whose JSON structure class holds exactly the interactions with that
    /// text: for them the text alone decides.
    decisive: HashSet<Bytes>,
}

impl Index {
    /// Indexes normalized recorded requests; an interaction's number is its position.
    pub(crate) fn build(recorded: &[NormalRequest], raw: &[Option<String>]) -> Index {
        let mut routes: HashMap<String, Bucket> = HashMap::new();
        let mut raw_routes = HashMap::new();
        for (i, request) in recorded.iter().enumerate() {
            if let Some(raw) = &raw[i] {
                raw_routes.insert(raw.clone(), request.route.clone());
            }
            let bucket = routes.entry(request.route.clone()).or_default();
            bucket.all.push(i);
            bucket
                .by_text
                .entry(request.body.text.clone())
                .or_default()
                .push(i);
            if let Some(structure) = &request.body.structure {
                bucket
                    .by_structure
                    .entry(structure.clone())
                    .or_default()
                    .push(i);
            }
        }
        for bucket in routes.values_mut() {
            let mut decisive = HashSet::new();
            for (text, list) in &bucket.by_text {
                let structure = &recorded[list[0]].body.structure;
                if let Some(structure @ Structure::Json(_)) = structure {
                    if bucket.by_structure.get(structure) == Some(list) {
                        decisive.insert(text.clone());
                    }
                }
            }
            bucket.decisive = decisive;
        }
        Index { routes, raw_routes }
    }

    /// The candidates when the raw route and the text decide alone.
    pub(crate) fn fast_candidates(&self, raw_route: &str, text: &Bytes) -> Option<&[usize]> {
        let route = self.raw_routes.get(raw_route)?;
        let bucket = self.routes.get(route)?;
        if !bucket.decisive.contains(text) {
            return None;
        }
        bucket.by_text.get(text).map(Vec::as_slice)
    }

    /// The recorded interactions whose method, URL and (unless `ignore_body`) body
    /// match `received`, in file order.
    pub(crate) fn candidates(&self, received: &NormalRequest, ignore_body: bool) -> Vec<usize> {
        let Some(bucket) = self.routes.get(&received.route) else {
            return Vec::new();
        };
        if ignore_body {
            return bucket.all.clone();
        }
        let by_text = bucket
            .by_text
            .get(&received.body.text)
            .map_or(&[][..], Vec::as_slice);
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
