//! One function per fuzz target: each panics when reel breaks a promise.

use arbitrary::Unstructured;
use bytes::Bytes;
use reel::cassette::{stream_events as split, Cassette, Interaction, StreamKind};

use crate::generate::{self, multipart_body, Shape, BOUNDARY};

/// A target's check: panics when reel breaks a promise on the input.
pub type Check = fn(&[u8]);

/// Every target by name, as `fuzz/fuzz_targets/` and `fuzz/corpus/` name them.
pub const TARGETS: &[(&str, Check)] = &[
    ("load", load),
    ("roundtrip", roundtrip),
    ("stream_events", stream_events),
    ("normalize", normalize),
    ("report", report),
];

/// Longest mismatch report accepted, whatever the requests: reports clip
/// bodies, URLs and lists, so their size must not follow their input's.
const MAX_REPORT_BYTES: usize = 64 * 1024;

/// Loads arbitrary bytes as a cassette. No panic; what loads writes back, loads
/// again equal, and writes the same bytes a second time.
pub fn load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = Cassette::from_yaml(text) else {
        return;
    };
    let written = loaded.to_yaml();
    let reloaded = Cassette::from_yaml(&written).unwrap_or_else(|err| {
        panic!("a loaded cassette writes what does not load: {err}\n{written}")
    });
    assert_same(&loaded, &reloaded, &written);
    assert_eq!(reloaded.to_yaml(), written, "a second write differs");
}

/// Writes an arbitrary cassette, loads it, writes it again: the load is equal to
/// what was written and the second write is byte for byte the first.
pub fn roundtrip(data: &[u8]) {
    let Ok(original) = generate::cassette(&mut Unstructured::new(data)) else {
        return;
    };
    let written = original.to_yaml();
    let loaded = Cassette::from_yaml(&written)
        .unwrap_or_else(|err| panic!("a written cassette does not load: {err}\n{written}"));
    assert_same(&original, &loaded, &written);
    assert_eq!(loaded.to_yaml(), written, "a second write differs");
}

/// The YAML of the cassette `roundtrip` generates from `data`, if it makes one:
/// seeds for `load` written by our own writer.
pub fn generated_yaml(data: &[u8]) -> Option<String> {
    generate::cassette(&mut Unstructured::new(data))
        .ok()
        .map(|cassette| cassette.to_yaml())
}

/// Equal interactions. The dialect may load as another when the file has
/// nothing that tells them apart (no interactions, nothing to fold): the second
/// write, byte for byte the first, shows it re-saves the same.
fn assert_same(expected: &Cassette, loaded: &Cassette, text: &str) {
    assert_eq!(
        expected.interactions, loaded.interactions,
        "loaded back different:\n{text}"
    );
}

/// Splits an arbitrary body as SSE, AWS event-stream and a session's lines: every byte kept in
/// order, no empty piece, each piece one event, and a split resumed at any piece
/// gives the same pieces.
pub fn stream_events(data: &[u8]) {
    let body = Bytes::copy_from_slice(data);
    for kind in [
        StreamKind::ServerSentEvents,
        StreamKind::AwsEventStream,
        StreamKind::WebSocketMessages,
        StreamKind::Whole,
    ] {
        let pieces: Vec<Bytes> = split(&body, kind).collect();
        assert_eq!(pieces.concat(), data, "{kind:?}: bytes lost or reordered");
        assert!(
            pieces.iter().all(|p| !p.is_empty()),
            "{kind:?}: an empty piece"
        );
        for (i, piece) in pieces.iter().enumerate() {
            let alone: Vec<Bytes> = split(piece, kind).collect();
            assert_eq!(
                alone.len(),
                1,
                "{kind:?}: piece {i} splits again: {piece:?}"
            );
            if kind == StreamKind::AwsEventStream && i + 1 < pieces.len() {
                let prefix = u32::from_be_bytes([piece[0], piece[1], piece[2], piece[3]]);
                assert_eq!(prefix as usize, piece.len(), "frame {i} is not its length");
            }
        }
        if let Some(first) = pieces.first() {
            let rest: Vec<Bytes> = split(&body.slice(first.len()..), kind).collect();
            assert_eq!(
                rest,
                pieces[1..],
                "{kind:?}: resuming after the first piece differs"
            );
        }
    }
}

/// Normalizes an arbitrary request under arbitrary rules: it matches its own
/// recording, by the shortcut only if by normalized matching; its normal form
/// is the same twice; JSON sent with other whitespace and key order, a form with
/// its parameters in another order, multipart with another boundary, and a
/// compressed body sent without its coding match too.
pub fn normalize(data: &[u8]) {
    let Ok(exchange) = generate::exchange(&mut Unstructured::new(data)) else {
        return;
    };
    let builder = exchange.builder();
    let cassette = one_interaction(exchange.recorded());
    let verdict = |received: reel::Received| {
        reel::__fuzzing::verdict(&builder, cassette.clone(), &received)
            .expect("a recorded request always loads")
    };
    let same = verdict(exchange.received());
    assert_eq!(
        same.full,
        Some(0),
        "a request does not match its own recording: {exchange:#?}"
    );
    assert!(
        same.fast.is_none() || same.fast == same.full,
        "the shortcut chose {:?}, matching {:?}",
        same.fast,
        same.full
    );
    let again = verdict(exchange.received());
    assert_eq!(
        same.normal_form, again.normal_form,
        "normal form not deterministic"
    );

    if let Some(plain) = &exchange.plain {
        let sent_plain =
            verdict(exchange.received_as(plain.clone(), exchange.content_type.clone(), None));
        assert_eq!(
            sent_plain.full,
            Some(0),
            "the body sent without its content coding does not match: {exchange:#?}"
        );
    }
    if exchange.content_encoding.is_some() {
        return;
    }
    let content_type = exchange.content_type.clone();
    let variant = match &exchange.shape {
        Shape::Json(value) => Some((reordered_json(value), content_type)),
        Shape::Form(pairs) => Some((
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().rev())
                .finish()
                .into_bytes(),
            content_type,
        )),
        Shape::Multipart { boundary, parts } if boundary == BOUNDARY => {
            let other = "reel-other-boundary-5678";
            // Only a body that parses is matched part by part; one that does not
            // is compared as text, boundary and all.
            let parses = reel::cassette::multipart::parse(&exchange.body, BOUNDARY).is_ok();
            let clean = parses
                && parts.iter().all(|part| {
                    !contains(&part.content, BOUNDARY.as_bytes())
                        && !contains(&part.content, other.as_bytes())
                });
            clean.then(|| {
                let content_type = format!("multipart/form-data; boundary={other}");
                (
                    multipart_body(parts, other),
                    http::HeaderValue::from_str(&content_type).ok(),
                )
            })
        }
        _ => None,
    };
    if let Some((body, content_type)) = variant {
        let other = verdict(exchange.received_as(Bytes::from(body.clone()), content_type, None));
        assert_eq!(
            other.full,
            Some(0),
            "an equivalent body does not match: {}\n{exchange:#?}",
            String::from_utf8_lossy(&body)
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn one_interaction(request: reel::cassette::Request) -> Cassette {
    let mut cassette = Cassette::new();
    cassette.interactions.push(Interaction::new(
        request,
        reel::cassette::Response::new(200),
    ));
    cassette
}

/// `value` as JSON with object keys in reverse order and spaces after `:` and `,`.
fn reordered_json(value: &serde_json::Value) -> Vec<u8> {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                out.push('{');
                for (i, (key, value)) in map.iter().rev().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push_str(": ");
                    write(value, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out);
                }
                out.push(']');
            }
            leaf => out.push_str(&leaf.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out.into_bytes()
}

/// Renders the mismatch report for an arbitrary request against up to three
/// arbitrary recordings: no panic, the report's frame, and a size that does not
/// follow the bodies'.
pub fn report(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(received) = generate::exchange(&mut u) else {
        return;
    };
    let mut cassette = Cassette::new();
    for _ in 0..u.int_in_range(0..=3).unwrap_or(0) {
        let (Ok(recorded), Ok(response)) = (generate::exchange(&mut u), generate::response(&mut u))
        else {
            break;
        };
        cassette
            .interactions
            .push(Interaction::new(recorded.recorded(), response));
    }
    let builder = received.builder();
    // Responses that are not valid HTTP refuse to load, as they would from a file.
    let Ok(text) = reel::__fuzzing::mismatch_report(&builder, cassette, &received.received())
    else {
        return;
    };
    assert!(
        text.starts_with("reel: no recorded interaction matches "),
        "{text}"
    );
    assert!(text.ends_with("run: REEL_RECORD=all cargo test"), "{text}");
    assert!(
        text.len() <= MAX_REPORT_BYTES,
        "a report of {} bytes",
        text.len()
    );
}
