//! `reel review`, and what `check` and `show` say about the files beside a
//! cassette: pending re-records (`NAME.yaml.pending`) and timing files.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use reel_cassette::__private::{short_sha256, EventTimes, Timing};
use reel_cassette::Cassette;

use crate::show::{form_body, upload_cassette, ODD};
use crate::support::{dir_with, reel, seed_text, Run};

/// Runs `reel` in `dir` with an empty environment and `input` on standard input.
fn reel_stdin(args: &[&str], dir: &Path, input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("reel runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A third turn, not streamed, as a re-record might add.
const THIRD: &str = r#"- id: 2
  request:
    proto: HTTP/1.1
    proto_major: 1
    proto_minor: 1
    content_length: 72
    host: ""
    body: '{"messages":[{"content":"Thanks!","role":"user"}],"model":"gpt-4o-mini"}'
    headers:
      Content-Type:
      - application/json
    url: https://api.openai.com/v1/chat/completions
    method: POST
  response:
    proto: HTTP/2.0
    proto_major: 2
    proto_minor: 0
    content_length: -1
    body: '{"choices":[{"message":{"content":"You are welcome.","role":"assistant"}}]}'
    headers:
      Content-Type:
      - application/json
    status: 200 OK
    code: 200
    duration: 812ms
"#;

/// The seed re-recorded: turn 2's answer says "six" in one event, and a
/// third turn was added.
fn seed_rerecorded() -> String {
    let seed = seed_text();
    let edited = seed.replacen(
        r#""delta":{"content":"6"}"#,
        r#""delta":{"content":"six"}"#,
        1,
    );
    assert_ne!(edited, seed);
    format!("{edited}{THIRD}")
}

/// A cassette with one GET of `url` answered with the JSON `body`.
fn get_cassette(url: &str, body: &str) -> String {
    format!(
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    url: {url}\n    method: GET\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: '{body}'\n    headers:\n      Content-Type:\n      - application/json\n    status: 200 OK\n    code: 200\n    duration: 0s\n"
    )
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

#[test]
fn review_shows_a_rerecorded_seed_as_one_changed_event_and_one_added_turn() {
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("a.yaml.pending", &seed_rerecorded()),
    ]);
    let run = reel_stdin(&["review"], dir.path(), "s\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        r#"review a.yaml (2 interactions -> 3): 1 unchanged, 1 changed, 1 added
~ 1 POST https://api.openai.com/v1/chat/completions (response body)
  answer, choice 0: … of 2 and 3 is [-6-]{+six+}.
  events: 29 -> 29, 28 unchanged, 1 changed; 112 fields that change on every call folded (id, created, created_at, system_fingerprint, ...; --show-volatile shows them)
    ... 24 unchanged
    #24: {"choices":[{"delta":{"content":"[-6-]{+six+}"},"finish_reason":null,"index":0,"logprobs":null}],"model":"gpt-4o-mini-2024-07-18","object":"chat.completion.chunk","service_tier":"default","usage":null}
    ... 4 unchanged
+ 2 POST https://api.openai.com/v1/chat/completions
  request: 72 bytes, JSON
  response: 200 OK, 75 bytes, JSON
[1 of 1] a.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? s
skipped a.yaml

reviewed 1: 0 accepted, 0 rejected, 1 skipped
"#
    );
    assert_eq!(
        read(dir.path(), "a.yaml"),
        seed_text(),
        "skipped: untouched"
    );
    assert!(exists(dir.path(), "a.yaml.pending"));
}

#[test]
fn review_accept_replaces_the_cassette_byte_for_byte_and_moves_the_timing_file() {
    let pending = seed_rerecorded();
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("a.yaml.timing", "old timing"),
        ("a.yaml.pending", &pending),
        ("a.yaml.pending.timing", "new timing"),
        // Re-recorded without timing: the old timing file no longer applies.
        ("sub/b.yaml", &get_cassette("https://example.com/b", "{}")),
        ("sub/b.yaml.timing", "stale timing"),
        (
            "sub/b.yaml.pending",
            &get_cassette("https://example.com/b", "[]"),
        ),
    ]);
    let run = reel(&["review", "--accept"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "accepted a.yaml: 1 unchanged, 1 changed, 1 added\n\
             accepted sub/b.yaml: 1 changed\n\
             reviewed 2: 2 accepted, 0 rejected, 0 skipped\n",
            ""
        )
    );
    assert_eq!(read(dir.path(), "a.yaml"), pending);
    assert_eq!(read(dir.path(), "a.yaml.timing"), "new timing");
    assert_eq!(
        read(dir.path(), "sub/b.yaml"),
        get_cassette("https://example.com/b", "[]")
    );
    for gone in [
        "a.yaml.pending",
        "a.yaml.pending.timing",
        "sub/b.yaml.pending",
        "sub/b.yaml.timing",
    ] {
        assert!(!exists(dir.path(), gone), "{gone}");
    }
    let again = reel(&["review", "--accept"], dir.path());
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "reviewed 0: 0 accepted, 0 rejected, 0 skipped\n")
    );
}

#[test]
fn review_accept_of_a_new_cassette_creates_it() {
    let pending = get_cassette("https://example.com/new", "{}");
    let dir = dir_with(&[("new.yaml.pending", &pending)]);
    // Named by the cassette it will become.
    let run = reel(&["review", "--accept", "new.yaml"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "accepted new.yaml: 1 added\nreviewed 1: 1 accepted, 0 rejected, 0 skipped\n"
        )
    );
    assert_eq!(read(dir.path(), "new.yaml"), pending);
}

#[test]
fn review_reject_deletes_the_pending_files_and_leaves_the_cassette() {
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("a.yaml.timing", "old timing"),
        ("a.yaml.pending", &seed_rerecorded()),
        ("a.yaml.pending.timing", "new timing"),
    ]);
    let run = reel(&["review", "--reject", "a.yaml.pending"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "rejected a.yaml\nreviewed 1: 0 accepted, 1 rejected, 0 skipped\n",
            ""
        )
    );
    assert_eq!(read(dir.path(), "a.yaml"), seed_text());
    assert_eq!(read(dir.path(), "a.yaml.timing"), "old timing");
    assert!(!exists(dir.path(), "a.yaml.pending"));
    assert!(!exists(dir.path(), "a.yaml.pending.timing"));
}

#[test]
fn review_reads_one_answer_per_line_from_stdin_and_accepts_one_rejects_the_other() {
    let a_new = get_cassette("https://example.com/a", r#"{"n":2}"#);
    let dir = dir_with(&[
        (
            "c/a.yaml",
            &get_cassette("https://example.com/a", r#"{"n":1}"#),
        ),
        ("c/a.yaml.pending", &a_new),
        ("c/b.yaml", &get_cassette("https://example.com/b", "{}")),
        (
            "c/b.yaml.pending",
            &get_cassette("https://example.com/b2", "{}"),
        ),
    ]);
    // An answer it does not know is asked again.
    let run = reel_stdin(&["review", "c"], dir.path(), "a\nx\nr\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        r#"review c/a.yaml (1 interaction -> 1): 1 changed
~ 0 GET https://example.com/a (response body)
  --- c/a.yaml #0 response body
  +++ c/a.yaml.pending #0 response body
  @@ -1,3 +1,3 @@
   {
  -  "n": 1
  +  "n": 2
   }
[1 of 2] c/a.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? a
accepted c/a.yaml

review c/b.yaml (1 interaction -> 1): 1 added, 1 removed
+ 0 GET https://example.com/b2
  request: empty
  response: 200 OK, 2 bytes, JSON
- 0 GET https://example.com/b
  request: empty
  response: 200 OK, 2 bytes, JSON
[2 of 2] c/b.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? x
answer a, r, s, A or q
[2 of 2] c/b.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? r
rejected c/b.yaml

reviewed 2: 1 accepted, 1 rejected, 0 skipped
"#
    );
    assert_eq!(read(dir.path(), "c/a.yaml"), a_new);
    assert_eq!(
        read(dir.path(), "c/b.yaml"),
        get_cassette("https://example.com/b", "{}")
    );
    assert!(!exists(dir.path(), "c/a.yaml.pending"));
    assert!(!exists(dir.path(), "c/b.yaml.pending"));
}

#[test]
fn review_accept_all_takes_the_rest_unseen_and_quit_or_the_end_of_input_skips_the_rest() {
    let files: Vec<(String, String)> = ["a", "b", "c"]
        .iter()
        .flat_map(|name| {
            let url = format!("https://example.com/{name}");
            [
                (format!("{name}.yaml"), get_cassette(&url, "{}")),
                (format!("{name}.yaml.pending"), get_cassette(&url, "[]")),
            ]
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();

    let dir = dir_with(&files);
    let run = reel_stdin(&["review"], dir.path(), "s\nA\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| !line.starts_with("  "))
        .collect();
    assert_eq!(
        shown,
        [
            "review a.yaml (1 interaction -> 1): 1 changed",
            "~ 0 GET https://example.com/a (response body)",
            "[1 of 3] a.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? s",
            "skipped a.yaml",
            "",
            "review b.yaml (1 interaction -> 1): 1 changed",
            "~ 0 GET https://example.com/b (response body)",
            "[2 of 3] b.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? A",
            "accepted b.yaml",
            "accepted c.yaml",
            "",
            "reviewed 3: 2 accepted, 0 rejected, 1 skipped",
        ]
    );
    assert!(exists(dir.path(), "a.yaml.pending"));
    assert!(!exists(dir.path(), "c.yaml.pending"));

    let dir = dir_with(&files);
    let run = reel_stdin(&["review"], dir.path(), "q\n");
    assert_eq!(run.code, 0);
    assert!(run
        .stdout
        .ends_with("(q)? q\nskipped a.yaml\n\nreviewed 3: 0 accepted, 0 rejected, 3 skipped\n"));
    let run = reel_stdin(&["review"], dir.path(), "r\n");
    assert!(
        run.stdout.ends_with(
            "(q)? (end of input: quit)\nskipped b.yaml\n\nreviewed 3: 0 accepted, 1 rejected, 2 skipped\n"
        ),
        "{}",
        run.stdout
    );
    assert!(!exists(dir.path(), "a.yaml.pending"));
    assert!(exists(dir.path(), "b.yaml.pending"));
}

#[test]
fn review_pairs_a_rerecorded_upload_by_its_parts_whatever_the_boundary() {
    let file: Vec<u8> = (0..=255).collect();
    let parts = [
        ("model", None, None, &b"whisper-1"[..]),
        (
            "file",
            Some("a.bin"),
            Some("application/octet-stream"),
            &file[..],
        ),
    ];
    let old = upload_cassette("boundary-one", form_body("boundary-one", &parts));
    let new = upload_cassette("boundary-two", form_body("boundary-two", &parts))
        .replace(r#"{"text":"hello"}"#, r#"{"text":"hello!"}"#);
    let dir = dir_with(&[("up.yaml", &old), ("up.yaml.pending", &new)]);
    let run = reel_stdin(&["review"], dir.path(), "s\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        r#"review up.yaml (1 interaction -> 1): 1 changed
~ 0 POST https://api.openai.com/v1/audio/transcriptions (request headers, response body)
  --- up.yaml #0 request headers
  +++ up.yaml.pending #0 request headers
  @@ -1 +1 @@
  -Content-Type: multipart/form-data; boundary=boundary-one
  +Content-Type: multipart/form-data; boundary=boundary-two
  --- up.yaml #0 response body
  +++ up.yaml.pending #0 response body
  @@ -1,3 +1,3 @@
   {
  -  "text": "hello"
  +  "text": "hello!"
   }
[1 of 1] up.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? s
skipped up.yaml

reviewed 1: 0 accepted, 0 rejected, 1 skipped
"#
    );
}

#[test]
fn review_shows_event_stream_frames_by_size_and_hash() {
    let edited = ODD.replace(
        "AAAAEAAAAAD/////AAAAAAAAABAAAAAA/////wAAAAD/AQ==",
        // The second frame's last byte.
        "AAAAEAAAAAD/////AAAAAAAAABAAAAAA/////wAAAAH/AQ==",
    );
    assert_ne!(edited, ODD);
    let dir = dir_with(&[("odd.yaml", ODD), ("odd.yaml.pending", &edited)]);
    let run = reel_stdin(&["review"], dir.path(), "s\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        "\
review odd.yaml (1 interaction -> 1): 1 changed
~ 0 POST https://example.com/v1/echo?alt=sse (response body)
  --- odd.yaml #0 response body
  +++ odd.yaml.pending #0 response body
  @@ -1,3 +1,3 @@
   frame, 16 bytes, sha256 fdd7f469
  -frame, 16 bytes, sha256 fdd7f469
  +frame, 16 bytes, sha256 d2d86950
   frame, 2 bytes, sha256 437cb43a
[1 of 1] odd.yaml: accept (a), reject (r), skip (s), accept all (A), quit (q)? s
skipped odd.yaml

reviewed 1: 0 accepted, 0 rejected, 1 skipped
"
    );
}

#[test]
fn review_of_a_missing_path_decides_nothing_and_exits_2() {
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("a.yaml.pending", &seed_rerecorded()),
    ]);
    let run = reel(&["review", "--reject", "a.yaml", "nope.yaml"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (2, "", "reel: nope.yaml: no such file or directory\n")
    );
    assert!(exists(dir.path(), "a.yaml.pending"));
    let run = reel(&["review", "--accept", "--reject"], dir.path());
    assert_eq!(run.code, 2);
}

#[test]
fn review_reports_a_pending_file_that_does_not_load_and_accepts_nothing() {
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("a.yaml.pending", "---\nversion: 3\ninteractions: []\n"),
    ]);
    let run = reel(&["review", "--accept"], dir.path());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "reviewed 1: 0 accepted, 0 rejected, 1 skipped\n"
    );
    assert!(
        run.stderr
            .starts_with("reel: a.yaml.pending:2:10: version: unsupported"),
        "{}",
        run.stderr
    );
    assert_eq!(read(dir.path(), "a.yaml"), seed_text());
    // Nor is it deleted: reel deletes only what it can tell is its own.
    let run = reel(&["review", "--reject"], dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("not deleted: reel deletes only pending files that load as cassettes"),
        "{}",
        run.stderr
    );
    assert!(exists(dir.path(), "a.yaml.pending"));
}

#[test]
fn reject_of_a_folder_deletes_only_reviewed_cassettes_pending_files() {
    let dir = dir_with(&[
        ("cassettes/a.yaml", &seed_text()),
        ("cassettes/a.yaml.pending", &seed_rerecorded()),
        ("cassettes/a.yaml.pending.timing", "{}"),
        ("README.md.pending", "notes, not a cassette\n"),
        ("notes/todo.yaml.pending", "- not: a cassette\n"),
        ("node_modules/pkg/c.yaml.pending", &seed_rerecorded()),
        ("target/debug/d.yaml.pending", &seed_rerecorded()),
        (".cache/e.yaml.pending", &seed_rerecorded()),
    ]);
    let run = reel(&["review", "--reject", "."], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "rejected ./cassettes/a.yaml\nreviewed 1: 0 accepted, 1 rejected, 0 skipped\n",
            ""
        )
    );
    assert!(!exists(dir.path(), "cassettes/a.yaml.pending"));
    assert!(!exists(dir.path(), "cassettes/a.yaml.pending.timing"));
    for kept in [
        "README.md.pending",
        "notes/todo.yaml.pending",
        "node_modules/pkg/c.yaml.pending",
        "target/debug/d.yaml.pending",
        ".cache/e.yaml.pending",
    ] {
        assert!(exists(dir.path(), kept), "{kept} was deleted");
    }
}

#[test]
fn check_reports_a_pending_review_as_a_problem() {
    let dir = dir_with(&[
        ("cassettes/a.yaml", &seed_text()),
        ("cassettes/a.yaml.pending", &seed_rerecorded()),
        ("cassettes/a.yaml.pending.timing", "{}"),
    ]);
    let run = reel(&["check", "cassettes"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            1,
            "cassettes/a.yaml.pending: pending review (run: reel review cassettes/a.yaml)\n\
             checked 1 cassettes (2 interactions): 1 problems\n",
            ""
        )
    );
    // Named by its cassette, too.
    let run = reel(&["check", "cassettes/a.yaml"], dir.path());
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .starts_with("cassettes/a.yaml.pending: pending review"));
}

/// Interaction 1 of the seed timed: event `i` at `i * 10.25` ms.
fn seed_timing(body_sha256: Option<String>) -> Timing {
    let seed = Cassette::from_yaml(&seed_text()).unwrap();
    let turn = &seed.interactions[1];
    Timing {
        reel_timing: 1,
        interactions: vec![
            None,
            Some(EventTimes {
                method: "POST".into(),
                url: turn.request.url.clone(),
                body_sha256: body_sha256.unwrap_or_else(|| short_sha256(&turn.response.body)),
                events_ms: (0..29).map(|i| f64::from(i) * 10.25).collect(),
            }),
        ],
    }
}

#[test]
fn show_prints_when_each_event_arrived_from_a_timing_file_that_fits() {
    let dir = dir_with(&[("a.yaml", &seed_text())]);
    let untimed = reel(&["show", "a.yaml", "1"], dir.path());
    seed_timing(None)
        .save_for(&dir.path().join("a.yaml"))
        .unwrap();
    let run = reel(&["show", "a.yaml", "1", "--full"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(
        run.stdout.contains(
            "  body: 9418 bytes, 29 events\n    [0] 0.0ms data: {\"choices\":[{\"delta\":{\"content\":\"\",\"refusal\":null,\"role\":\"assistant\"}"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n    [1] 10.2ms data: {"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("\n    [28] 287.0ms data: [DONE]\n"),
        "{}",
        run.stdout
    );
    // A timing file for another recording of the turn is not shown.
    seed_timing(Some("00000000".into()))
        .save_for(&dir.path().join("a.yaml"))
        .unwrap();
    let run = reel(&["show", "a.yaml", "1"], dir.path());
    assert_eq!(run.stdout, untimed.stdout);
}

#[test]
fn show_prints_event_times_on_one_line_for_event_stream_frames() {
    let dir = dir_with(&[("odd.yaml", ODD)]);
    let cassette = Cassette::from_yaml(ODD).unwrap();
    let interaction = &cassette.interactions[0];
    let timing = Timing {
        reel_timing: 1,
        interactions: vec![Some(EventTimes {
            method: "POST".into(),
            url: interaction.request.url.clone(),
            body_sha256: short_sha256(&interaction.response.body),
            events_ms: vec![0.4, 50.2, 250.9],
        })],
    };
    timing.save_for(&dir.path().join("odd.yaml")).unwrap();
    let run = reel(&["show", "odd.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(
        run.stdout.ends_with(
            "  body: binary, 34 bytes, 3 frames\n  event times (ms after headers): 0.4, 50.2, 250.9\n"
        ),
        "{}",
        run.stdout
    );
}

/// A chat stream of `words` events, one word each, with the ids, timestamps
/// and fingerprints a provider sends anew on every call (`call` changes them).
fn long_stream(words: &[&str], call: u32) -> String {
    let mut body = String::new();
    for (i, word) in words.iter().enumerate() {
        body.push_str(&format!(
            "data: {{\"id\":\"chatcmpl-{call}x{i}\",\"created\":{},\"system_fingerprint\":\"fp_{call}\",\"obfuscation\":\"o{call}{i}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{word} \"}}}}]}}\n\n",
            1_700_000_000 + call * 100 + i as u32
        ));
    }
    body.push_str("data: [DONE]\n\n");
    let body = body
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!(
        "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    body: '{{\"model\":\"gpt-4o-mini\",\"stream\":true}}'\n    url: https://api.openai.com/v1/chat/completions\n    method: POST\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: \"{body}\"\n    headers:\n      Content-Type:\n      - text/event-stream; charset=utf-8\n    status: 200 OK\n    code: 200\n    duration: 1.2s\n"
    )
}

#[test]
fn a_long_rerecorded_stream_whose_answer_changed_by_a_few_words_reviews_in_a_few_lines() {
    // 300 events; every id, timestamp and fingerprint differs between the two
    // calls, and three words of the answer changed.
    let old: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
    let mut new = old.clone();
    new[10] = "changed".to_owned();
    new[150] = "different".to_owned();
    new[151] = "words".to_owned();
    let (old_words, new_words): (Vec<&str>, Vec<&str>) = (
        old.iter().map(String::as_str).collect(),
        new.iter().map(String::as_str).collect(),
    );
    let (old_text, new_text) = (long_stream(&old_words, 1), long_stream(&new_words, 2));
    let dir = dir_with(&[("long.yaml", &old_text), ("long.yaml.pending", &new_text)]);
    let run = reel_stdin(&["review"], dir.path(), "s\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() < 40, "{} lines:\n{}", lines.len(), run.stdout);
    assert_eq!(lines[0], "review long.yaml (1 interaction -> 1): 1 changed");
    let answer = lines[2];
    // The answer as a word diff, long unchanged stretches shortened.
    assert_eq!(
        answer,
        "  answer, choice 0: … w5 w6 w7 w8 w9 [-w10-]{+changed+} w11 w12 w13 w14 w15 … w145 \
         w146 w147 w148 w149 [-w150 w151-]{+different words+} w152 w153 w154 w155 w156 …"
    );
    for marked in ["[-w10-]{+changed+}", "[-w150 w151-]{+different words+}"] {
        assert!(answer.contains(marked), "{marked} in {answer}");
    }
    assert_eq!(
        lines[3],
        "  events: 301 -> 301, 298 unchanged, 3 changed; 1200 fields that change on every call \
         folded (id, created, created_at, system_fingerprint, ...; --show-volatile shows them)"
    );
    let shown: Vec<&&str> = lines.iter().filter(|l| l.starts_with("    #")).collect();
    assert_eq!(shown.len(), 3, "each changed event once:\n{}", run.stdout);
    assert!(
        shown[0].contains(r#""content":"[-w10-]{+changed+} ""#),
        "{}",
        shown[0]
    );
    assert!(
        !run.stdout.contains("chatcmpl-"),
        "ids are folded:\n{}",
        run.stdout
    );
}

#[test]
fn an_added_stream_shows_the_answer_it_assembles() {
    let words = ["Paris", "is", "the", "capital", "of", "France."];
    let dir = dir_with(&[("new.yaml.pending", &long_stream(&words, 1))]);
    let run = reel_stdin(&["review"], dir.path(), "s\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(
        run.stdout.contains(
            "+ 0 POST https://api.openai.com/v1/chat/completions\n  request: 37 bytes, JSON\n  \
             response: 200 OK, 1114 bytes, 7 events\n  answer, choice 0: Paris is the capital of France. \n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[1 of 1] new.yaml: accept (a)"),
        "{}",
        run.stdout
    );
}

#[test]
fn show_volatile_compares_ids_and_a_changed_rhythm_is_shown() {
    let words = ["one", "two", "three"];
    let (old, new) = (long_stream(&words, 1), long_stream(&words, 2));
    let dir = dir_with(&[("s.yaml", &old), ("s.yaml.pending", &new)]);
    // Folded, the two calls are the same answer; shown, every event differs.
    let run = reel_stdin(&["review"], dir.path(), "s\n");
    assert!(
        run.stdout.contains("4 unchanged, 0 changed; 12 fields"),
        "{}",
        run.stdout
    );
    let run = reel_stdin(&["review", "--show-volatile"], dir.path(), "s\n");
    assert!(
        run.stdout
            .contains("events: 4 -> 4, 1 unchanged, 3 changed\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("chatcmpl-[-1x0-]{+2x0+}"),
        "{}",
        run.stdout
    );

    // The same bytes, recorded a hundred times slower: the review says so.
    let same = dir_with(&[("t.yaml", &old), ("t.yaml.pending", &old)]);
    let cassette = Cassette::load(same.path().join("t.yaml")).unwrap();
    let interaction = &cassette.interactions[0];
    let timing = |gaps_ms: [f64; 4]| {
        let mut at = 0.0;
        let events_ms = gaps_ms
            .iter()
            .map(|gap| {
                at += gap;
                at
            })
            .collect();
        Timing {
            reel_timing: 1,
            interactions: vec![Some(EventTimes {
                method: interaction.request.method.clone(),
                url: interaction.request.url.to_string(),
                body_sha256: short_sha256(&interaction.response.body),
                events_ms,
            })],
        }
    };
    timing([0.0, 50.0, 50.0, 0.0])
        .save_for(&same.path().join("t.yaml"))
        .unwrap();
    timing([0.0, 5000.0, 50.0, 0.0])
        .save_for(&same.path().join("t.yaml.pending"))
        .unwrap();
    let run = reel_stdin(&["review"], same.path(), "s\n");
    assert!(
        run.stdout.contains(
            "~ 0 POST https://api.openai.com/v1/chat/completions: recorded timing changed: the \
             gap before event 1 50 ms -> 5000 ms\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn review_with_pager_still_prints_the_review_when_it_cannot_page() {
    // Not a terminal here: no pager runs, and the review is printed above the
    // question all the same (as it is after a pager closes, or fails).
    let dir = dir_with(&[
        ("a.yaml", &seed_text()),
        ("a.yaml.pending", &seed_rerecorded()),
    ]);
    let paged = reel_stdin(&["review", "--pager"], dir.path(), "s\n");
    let printed = reel_stdin(&["review"], dir.path(), "s\n");
    assert_eq!((paged.code, paged.stderr.as_str()), (0, ""));
    assert_eq!(paged.stdout, printed.stdout);
    assert!(paged.stdout.contains("[-6-]{+six+}"), "{}", paged.stdout);
}
