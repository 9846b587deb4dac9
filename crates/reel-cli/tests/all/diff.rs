use crate::show::{form_body, upload_cassette, FormPart};
use crate::support::{assert_pinned, dir_with, reel, repo_root, seed_text, SEED};

/// The seed split before its second interaction.
fn seed_halves() -> (String, String) {
    let seed = seed_text();
    let at = seed.find("- id: 1\n").unwrap();
    (seed[..at].to_owned(), seed[at..].to_owned())
}

/// A cassette with one GET interaction whose response body is `body`.
fn get_cassette(body: &str) -> String {
    format!(
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    url: https://example.com/\n    method: GET\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: '{body}'\n    headers:\n      Content-Type:\n      - application/json\n    status: 200 OK\n    code: 200\n    duration: 0s\n"
    )
}

#[test]
fn diff_of_the_seed_with_itself_finds_no_differences_and_exits_0() {
    let run = reel(&["diff", SEED, SEED], &repo_root());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "2 interactions in crates/reel/cassettes/openai/multi_tool_streaming.yaml, 2 in \
             crates/reel/cassettes/openai/multi_tool_streaming.yaml: no differences\n",
            ""
        )
    );
}

#[test]
fn diff_shows_changed_bodies_as_canonical_json_and_events_and_exits_1() {
    let (first, second) = seed_halves();
    let first = first.replace(
        "Add and multiply the number 2 and 3",
        "Add the numbers 2 and 3",
    );
    // The tool result and the streamed answer both say 7 now; the second
    // response was rate limited and carries a request id.
    let second = second
        .replace(r#""content":"5""#, r#""content":"7""#)
        .replace(
            "    status: 200 OK\n    code: 200\n",
            "    status: 429 Too Many Requests\n    code: 429\n",
        )
        .replace(
            "      - text/event-stream; charset=utf-8\n",
            "      - text/event-stream; charset=utf-8\n      X-Request-Id:\n      - req_123\n",
        );
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("b.yaml", &format!("{first}{second}")),
    ]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    assert_pinned("diff_seed_edited.txt", &run.stdout);
}

#[test]
fn diff_marks_added_and_removed_interactions() {
    let (first, _) = seed_halves();
    let dir = dir_with(&[("two.yaml", &seed_text()), ("one.yaml", &first)]);
    let run = reel(&["diff", "two.yaml", "one.yaml"], dir.path());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "- 1 POST https://api.openai.com/v1/chat/completions\n\
         2 interactions in two.yaml, 1 in one.yaml: 1 removed\n"
    );
    let run = reel(&["diff", "one.yaml", "two.yaml"], dir.path());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "+ 1 POST https://api.openai.com/v1/chat/completions\n\
         1 interaction in one.yaml, 2 in two.yaml: 1 added\n"
    );
}

#[test]
fn diff_says_when_bodies_differ_only_in_json_layout() {
    let dir = dir_with(&[
        ("a.yaml", &get_cassette(r#"{"a":1,"b":[true]}"#)),
        ("b.yaml", &get_cassette(r#"{"b": [true], "a": 1}"#)),
    ]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "~ 0 GET https://example.com/ (response body)\n  \
         response body: the bytes differ only in layout (JSON whitespace or key order, line endings)\n\
         1 interaction in a.yaml, 1 in b.yaml: 1 changed\n"
    );
}

#[test]
fn diff_bounds_long_body_diffs_and_says_how_to_see_all() {
    let numbers =
        |range: std::ops::Range<u32>| range.map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    let dir = dir_with(&[
        ("a.yaml", &get_cassette(&format!("[{}]", numbers(0..150)))),
        (
            "b.yaml",
            &get_cassette(&format!("[{}]", numbers(1000..1150))),
        ),
    ]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "~ 0 GET https://example.com/ (response body)",
            "  --- a.yaml #0 response body",
            "  +++ b.yaml #0 response body",
            "  @@ -1,152 +1,152 @@",
            "   [",
        ]
    );
    assert_eq!(
        lines[lines.len() - 2..],
        [
            "  … 103 more lines (reel diff --full a.yaml b.yaml to see all)",
            "1 interaction in a.yaml, 1 in b.yaml: 1 changed",
        ]
    );
    let full = reel(&["diff", "--full", "a.yaml", "b.yaml"], dir.path());
    assert_eq!(full.code, 1);
    assert!(!full.stdout.contains("more lines"), "{}", full.stdout);
    assert!(
        full.stdout.contains("\n  +  1149\n   ]\n"),
        "{}",
        full.stdout
    );
}

#[test]
fn diff_of_a_missing_or_broken_cassette_or_one_argument_exits_2() {
    let dir = dir_with(&[
        ("broken.yaml", "---\nversion: 2\ninteractions: [\n"),
        ("seed.yaml", &seed_text()),
    ]);
    let run = reel(&["diff", "seed.yaml", "broken.yaml"], dir.path());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(
        run.stderr.starts_with("reel: broken.yaml:4:1: "),
        "{}",
        run.stderr
    );
    let run = reel(&["diff", "nope.yaml", "seed.yaml"], dir.path());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(
        run.stderr
            .starts_with("reel: nope.yaml: cannot read cassette"),
        "{}",
        run.stderr
    );
    let run = reel(&["diff", "seed.yaml"], dir.path());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("required arguments were not provided"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_names_method_url_and_status_changes_and_sizes_of_binary_bodies() {
    let a = get_cassette("{}");
    let b = get_cassette("{}")
        .replace("method: GET", "method: HEAD")
        .replace("https://example.com/", "https://example.com/v2")
        .replace(
            "status: 200 OK\n    code: 200",
            "status: 503 Service Unavailable\n    code: 503",
        )
        .replace("body: '{}'", "body: !!binary AAAAEAAAAAD/////AAAAAA==")
        .replace("application/json", "application/vnd.amazon.eventstream");
    let dir = dir_with(&[("a.yaml", &a), ("b.yaml", &b)]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    assert_eq!(
        run.stdout,
        "\
~ 0 GET https://example.com/ (method, url, status, response headers, response body)
  method: GET -> HEAD
  url: https://example.com/ -> https://example.com/v2
  status: 200 OK -> 503 Service Unavailable
  --- a.yaml #0 response headers
  +++ b.yaml #0 response headers
  @@ -1 +1 @@
  -Content-Type: application/json
  +Content-Type: application/vnd.amazon.eventstream
  response body: JSON -> binary, 16 bytes, 1 frame
1 interaction in a.yaml, 1 in b.yaml: 1 changed
"
    );
}

/// An upload of a text field, a binary file and a JSON part, with `boundary`.
fn upload(boundary: &str, model: &str, file: &[u8], meta: &str) -> String {
    let parts: [FormPart<'_>; 3] = [
        ("model", None, None, model.as_bytes()),
        (
            "file",
            Some("a.bin"),
            Some("application/octet-stream"),
            file,
        ),
        ("meta", None, Some("application/json"), meta.as_bytes()),
    ];
    upload_cassette(boundary, form_body(boundary, &parts))
}

#[test]
fn diff_of_uploads_that_differ_only_in_their_boundary_says_so() {
    let file: Vec<u8> = (0..=255).collect();
    let dir = dir_with(&[
        (
            "a.yaml",
            &upload("aaaa", "whisper-1", &file, r#"{"a":1,"b":2}"#),
        ),
        (
            "b.yaml",
            &upload("bbbb", "whisper-1", &file, r#"{"a":1,"b":2}"#),
        ),
    ]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    assert_eq!(
        run.stdout,
        "\
~ 0 POST https://api.openai.com/v1/audio/transcriptions (request headers, request body)
  --- a.yaml #0 request headers
  +++ b.yaml #0 request headers
  @@ -1 +1 @@
  -Content-Type: multipart/form-data; boundary=aaaa
  +Content-Type: multipart/form-data; boundary=bbbb
  request body: the bytes differ only in layout (multipart boundary, JSON whitespace or key order, line endings)
1 interaction in a.yaml, 1 in b.yaml: 1 changed
"
    );
}

#[test]
fn diff_shows_changed_parts_with_the_size_and_hash_of_binary_content() {
    let file: Vec<u8> = (0..=255).collect();
    let reversed: Vec<u8> = file.iter().rev().copied().collect();
    let dir = dir_with(&[
        (
            "a.yaml",
            &upload("XyZ", "whisper-1", &file, r#"{"a":1,"b":2}"#),
        ),
        (
            "b.yaml",
            &upload("XyZ", "whisper-2", &reversed, r#"{"a":1,"b":3}"#),
        ),
    ]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""));
    assert_eq!(
        run.stdout,
        "\
~ 0 POST https://api.openai.com/v1/audio/transcriptions (request body)
  --- a.yaml #0 request body
  +++ b.yaml #0 request body
  @@ -1,8 +1,8 @@
   part \"model\" (9 bytes, text)
  -  whisper-1
  -part \"file\" (filename \"a.bin\", application/octet-stream, 256 bytes, sha256 40aff2e9)
  +  whisper-2
  +part \"file\" (filename \"a.bin\", application/octet-stream, 256 bytes, sha256 cd6816b7)
   part \"meta\" (application/json, 13 bytes, JSON)
     {
       \"a\": 1,
  -    \"b\": 2
  +    \"b\": 3
     }
1 interaction in a.yaml, 1 in b.yaml: 1 changed
"
    );
}
