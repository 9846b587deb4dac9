//! Each fuzzing finding, by name: the input that found it is kept in
//! `fuzz/regressions/TARGET/NAME`, and the test runs the target's check on it.

fn finding(target: &str, name: &str) {
    let path = reel_tests::repo_root()
        .join("fuzz/regressions")
        .join(target)
        .join(name);
    let data = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let (_, check) = reel_fuzz::TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .expect("a known target");
    check(&data);
}

/// A `Content-Type` with bytes beyond ASCII (`boundary=<<yesabcon\u{fffe}yes`):
/// the recorded request read it as UTF-8 text and parsed the body as multipart,
/// the live request (`HeaderValue::to_str`, ASCII only) saw no content type and
/// compared text, so a request did not match its own recording. Both sides now
/// read header values as UTF-8.
#[test]
fn normalize_non_ascii_content_type() {
    finding("normalize", "non-ascii-content-type");
}

/// A JSON object with the keys `"\r\n…"` and `"\n…"`: bodies were
/// newline-normalized as text before parsing, which made the two keys one, and
/// which value survived followed the order the keys were sent in, so the same
/// object with its keys in another order missed. JSON is now parsed as sent and
/// newlines normalized inside its strings in the canonical text.
#[test]
fn normalize_json_keys_differing_by_line_ends() {
    finding("normalize", "json-keys-differing-by-line-ends");
}

/// A multipart body whose part headers do not parse (a line break inside a
/// filename) is compared as text, boundary included: sent with another boundary
/// it is another body. The check's mistake, not reel's: equivalence across
/// boundaries now applies only to bodies that parse.
#[test]
fn normalize_multipart_that_does_not_parse() {
    finding("normalize", "multipart-that-does-not-parse");
}

/// An empty cassette says nothing of its dialect (an `indent2` file with no
/// interactions is the same bytes as a `charm` one): it loads as `charm` and
/// re-saves byte for byte. The check now asks for equal interactions and equal
/// bytes, not an equal dialect.
#[test]
fn roundtrip_empty_cassette_dialect() {
    finding("roundtrip", "empty-cassette-dialect");
}

/// A header value `0x1F01e31e31e31e31e31e3`: Go's encoder writes it plain (yaml.v3
/// cannot parse it as a 64-bit int, so it is a string), and reel wrote it as Go
/// does; serde_yaml reads it, as YAML 1.2 says, as a 128-bit integer, and the
/// written cassette did not load. reel now double-quotes an integer in hex, octal
/// or binary beyond 64 bits (FORMAT.md, deviation 4).
#[test]
fn roundtrip_wide_hex_integer_as_text() {
    finding("roundtrip", "wide-hex-integer-as-text");
}

/// Every finding kept in `fuzz/regressions` has a named test in this file.
#[test]
fn every_finding_has_a_named_test() {
    let source = include_str!("regressions.rs");
    let dir = reel_tests::repo_root().join("fuzz/regressions");
    for target in std::fs::read_dir(&dir).expect("fuzz/regressions") {
        let target = target.expect("entry").path();
        for file in std::fs::read_dir(&target).expect("a target's findings") {
            let file = file.expect("entry").path();
            let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
            let t = target.file_name().and_then(|n| n.to_str()).expect("a name");
            assert!(
                source.contains(&format!("finding(\"{t}\", \"{name}\")")),
                "fuzz/regressions/{t}/{name} has no named test in tests/regressions.rs"
            );
        }
    }
}
