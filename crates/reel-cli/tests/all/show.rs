use reel_cassette::{Cassette, Interaction, Request, Response};

use crate::support::{assert_pinned, dir_with, reel, repo_root, SEED};

/// A cassette with a form, a trailer, a text body with a tab, a content_length
/// that disagrees with it, and a binary AWS event-stream response of two frames and a tail.
pub const ODD: &str = "\
---
version: 2
interactions:
- id: 0
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 15
    host: example.com
    body: |-
      hello
      \tworld
    form:
      alt:
      - sse
    headers:
      Content-Type:
      - text/plain
    url: https://example.com/v1/echo?alt=sse
    method: POST
  response:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    transfer_encoding:
    - chunked
    trailer:
      X-Checksum:
      - abc
    content_length: -1
    body: !!binary AAAAEAAAAAD/////AAAAAAAAABAAAAAA/////wAAAAD/AQ==
    headers:
      Content-Type:
      - application/vnd.amazon.eventstream
    status: 200 OK
    code: 200
    duration: 12.5ms
";

#[test]
fn show_prints_every_interaction_of_the_seed_with_pretty_json_and_one_line_per_event() {
    let run = reel(&["show", SEED], &repo_root());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_pinned("show_seed.txt", &run.stdout);
}

#[test]
fn show_with_an_id_prints_that_interaction_and_full_prints_whole_events() {
    let run = reel(&["show", SEED, "1"], &repo_root());
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("interaction 1 of 2\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("… (332 bytes)"), "{}", run.stdout);
    let full = reel(&["show", SEED, "1", "--full"], &repo_root());
    assert_eq!(full.code, 0);
    assert!(!full.stdout.contains('…'), "{}", full.stdout);
    assert!(full.stdout.contains("    [28] data: [DONE]\n"));
    assert!(full.stdout.contains(
        r#"    [27] data: {"choices":[],"created":1773345264,"id":"chatcmpl-DIgOuEkd6Uqq8tPXdk2MbDIioWtU8","model":"gpt-4o-mini-2024-07-18","obfuscation":"#
    ));
}

#[test]
fn show_describes_binary_bodies_by_size_and_frames_and_escapes_text() {
    let dir = dir_with(&[("odd.yaml", ODD)]);
    let run = reel(&["show", "odd.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        "\
interaction 0 of 1
request: POST https://example.com/v1/echo?alt=sse HTTP/1.1
  host: example.com
  Content-Type: text/plain
  form: alt=sse
  content_length: 15 (the body has 12 bytes)
  body: 12 bytes, text
    hello
    \\tworld
response: HTTP/1.1 200 OK, headers after 12.5ms
  transfer_encoding: chunked
  Content-Type: application/vnd.amazon.eventstream
  trailer X-Checksum: abc
  body: binary, 34 bytes, 3 frames
"
    );
}

#[test]
fn show_bounds_long_bodies_and_says_how_to_see_all() {
    let numbers: Vec<String> = (0..300).map(|n| n.to_string()).collect();
    let text = format!(
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    url: https://example.com/\n    method: GET\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: '[{}]'\n    headers: {{}}\n    status: 200 OK\n    code: 200\n    duration: 0s\n",
        numbers.join(",")
    );
    let dir = dir_with(&[("long.yaml", &text)]);
    let run = reel(&["show", "long.yaml"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("  body: 1091 bytes, JSON\n    [\n      0,\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("      198,\n    … 102 more lines (reel show --full to see all)\n"),
        "{}",
        run.stdout
    );
    let full = reel(&["show", "--full", "long.yaml"], dir.path());
    assert!(
        full.stdout.ends_with("      299\n    ]\n"),
        "{}",
        full.stdout
    );
}

#[test]
fn show_of_an_unknown_id_names_the_ids_there_are_and_exits_2() {
    let run = reel(&["show", SEED, "2"], &repo_root());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        "reel: crates/reel/cassettes/openai/multi_tool_streaming.yaml: there is no interaction 2: the cassette has 2, \
         with ids 0 to 1 (reel list crates/reel/cassettes/openai/multi_tool_streaming.yaml shows them)\n"
    );
    let run = reel(&["show", SEED, "first"], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'first' for '[ID]'"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_of_a_missing_or_broken_cassette_exits_2_with_the_reason() {
    let dir = dir_with(&[("broken.yaml", "---\nversion: 2\ninteractions: [\n")]);
    let run = reel(&["show", "broken.yaml"], dir.path());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        "reel: broken.yaml:4:1: did not find expected node content, while parsing a flow node \
         (fix the cassette at that position, or record it again with REEL_RECORD=all)\n"
    );
    let run = reel(&["show", "nope.yaml"], dir.path());
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "reel: nope.yaml: cannot read cassette: No such file or directory (os error 2) \
         (check the path; to record a new cassette run the test with REEL_RECORD=once)\n"
    );
}

/// One part of a form: name, file name, content type, content.
pub type FormPart<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// `parts` written as reqwest 0.13's `multipart::Form` writes them.
pub fn form_body(boundary: &str, parts: &[FormPart<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(filename) = filename {
            body.extend_from_slice(format!("; filename=\"{filename}\"").as_bytes());
        }
        if let Some(content_type) = content_type {
            body.extend_from_slice(format!("\r\nContent-Type: {content_type}").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

/// A cassette with one upload: a POST of `body` as multipart/form-data with `boundary`.
pub fn upload_cassette(boundary: &str, body: Vec<u8>) -> String {
    let request = Request::new("POST", "https://api.openai.com/v1/audio/transcriptions")
        .with_header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .with_body(body);
    let response = Response::new(200)
        .with_header("Content-Type", "application/json")
        .with_body(r#"{"text":"hello"}"#);
    let mut cassette = Cassette::new();
    cassette
        .interactions
        .push(Interaction::new(request, response));
    cassette.to_yaml()
}

#[test]
fn show_prints_multipart_bodies_part_by_part_and_binary_parts_by_size_and_hash() {
    let file: Vec<u8> = (0..=255).collect();
    let body = form_body(
        "5a3f0c1e9b2d4876-0f1e2d3c4b5a6978-8796a5b4c3d2e1f0-13579bdf2468ace0",
        &[
            ("model", None, None, b"whisper-1"),
            (
                "file",
                Some("a.bin"),
                Some("application/octet-stream"),
                &file,
            ),
            (
                "meta",
                None,
                Some("application/json"),
                br#"{"temperature":0,"language":"en"}"#,
            ),
            (
                "notes",
                Some("notes.txt"),
                Some("text/plain"),
                b"first line\r\nsecond\tline\r\n",
            ),
            ("empty", None, None, b""),
        ],
    );
    let dir = dir_with(&[(
        "upload.yaml",
        &upload_cassette(
            "5a3f0c1e9b2d4876-0f1e2d3c4b5a6978-8796a5b4c3d2e1f0-13579bdf2468ace0",
            body,
        ),
    )]);
    let run = reel(&["show", "upload.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        "\
interaction 0 of 1
request: POST https://api.openai.com/v1/audio/transcriptions HTTP/1.1
  Content-Type: multipart/form-data; boundary=5a3f0c1e9b2d4876-0f1e2d3c4b5a6978-8796a5b4c3d2e1f0-13579bdf2468ace0
  body: 1137 bytes, multipart, 5 parts
    [0] part \"model\" (9 bytes, text)
      whisper-1
    [1] part \"file\" (filename \"a.bin\", application/octet-stream, 256 bytes, sha256 40aff2e9)
    [2] part \"meta\" (application/json, 33 bytes, JSON)
      {
        \"language\": \"en\",
        \"temperature\": 0
      }
    [3] part \"notes\" (filename \"notes.txt\", text/plain, 25 bytes, text)
      first line
      second\\tline
    [4] part \"empty\" (empty)
response: HTTP/2.0 200 OK, headers after 0s
  Content-Type: application/json
  body: 16 bytes, JSON
    {
      \"text\": \"hello\"
    }
"
    );
}

#[test]
fn show_falls_back_to_the_body_kind_when_a_multipart_body_does_not_parse() {
    let dir = dir_with(&[(
        "upload.yaml",
        &upload_cassette("XyZ", b"--XyZ\r\nno blank line\r\n--XyZ--\r\n".to_vec()),
    )]);
    let run = reel(&["show", "upload.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(
        run.stdout.contains(
            "  body: 31 bytes, text\n    --XyZ\n    no blank line\n    --XyZ--\nresponse:"
        ),
        "{}",
        run.stdout
    );
}
