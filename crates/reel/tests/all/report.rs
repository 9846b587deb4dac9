//! The mismatch report and the other texts users read, pinned.

use reel::cassette::{Interaction, Request, Response};
use reel::{Error, Reel};
use reel_tests::reran_without_reel_env;
use serde_json::Value;

use crate::support::{cassette, client, error_text, post, reel_error, seed, seed_path};

const URL: &str = "https://api.openai.com/v1/chat/completions";

/// The report text with the machine-dependent cassette path replaced by `<cassette>`.
fn portable(text: String, path: &std::path::Path) -> String {
    text.replace(&path.display().to_string(), "<cassette>")
}

#[tokio::test]
async fn a_changed_max_tokens_is_the_one_changed_line_of_the_report() {
    if reran_without_reel_env() {
        return;
    }
    let mut body: Value = serde_json::from_slice(&seed().interactions[0].request.body).unwrap();
    body["max_tokens"] = 1000.into();
    let client = client(Reel::replay(seed_path()).unwrap());
    let err = client
        .post(URL)
        .body(body.to_string())
        .send()
        .await
        .unwrap_err();
    let err = reel_error(err);
    let Error::NoMatch(report) = &err else {
        panic!("{err}")
    };
    assert_eq!(report.closest(), Some(0));
    let text = portable(err.to_string(), &seed_path());
    assert_eq!(
        text,
        r#"reel: no recorded interaction matches POST https://api.openai.com/v1/chat/completions (JSON body, 853 bytes)
  cassette: <cassette>
  mode:     none (replay only; no request reaches the network)
  replayed: 0 of 2 interactions

closest recorded interaction: #0 POST https://api.openai.com/v1/chat/completions
  method: matches
  url: matches
  body: differs at /max_tokens (both JSON, compared as canonical JSON):
    --- recorded #0
    +++ received
    @@ -1,5 +1,5 @@
     {
    -  "max_tokens": 4000,
    +  "max_tokens": 1000,
       "messages": [
         {
           "content": "You are a helpful assistant. Always use both add and multiply at the same time.",

other unplayed interactions:
  #1 POST https://api.openai.com/v1/chat/completions (JSON body, 1284 bytes): messages[4] {"content":"6","role":"tool","tool_call_id":"cal...

if the difference is expected on every run:
  leave a JSON field whose value changes (an id, a timestamp) out of matching: `.ignore_json_field("/max_tokens")` on the ReelBuilder (reel serve: --ignore-json-field)

to re-record this cassette, run: REEL_RECORD=all cargo test -p reel-vcr -- report::a_changed_max_tokens_is_the_one_changed_line_of_the_report --exact"#
    );
}

#[tokio::test]
async fn a_missing_cassette_says_its_path_and_how_to_record_it() {
    if reran_without_reel_env() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openai/new_test.yaml");
    let text = portable(Reel::replay(&path).unwrap_err().to_string(), &path);
    assert_eq!(
        text,
        "cassette <cassette> does not exist, and mode `none` only replays (to record it, run: \
         REEL_RECORD=once cargo test -p reel-vcr -- \
         report::a_missing_cassette_says_its_path_and_how_to_record_it --exact)"
    );
}

#[tokio::test]
async fn a_relative_missing_cassette_says_where_it_looked() {
    if reran_without_reel_env() {
        return;
    }
    let text = Reel::replay("cassettes/nowhere.yaml")
        .unwrap_err()
        .to_string();
    let cwd = std::env::current_dir().unwrap();
    assert!(
        text.starts_with(&format!(
            "cassette cassettes/nowhere.yaml does not exist (looked in {}), and mode",
            cwd.display()
        )),
        "{text}"
    );
}

#[tokio::test]
async fn long_diffs_are_bounded_with_a_note_on_how_to_see_all() {
    if reran_without_reel_env() {
        return;
    }
    let recorded: Vec<Value> = (0..100).map(|n| Value::from(format!("item {n}"))).collect();
    let received: Vec<Value> = (0..100)
        .map(|n| Value::from(format!("item {}", n * 7)))
        .collect();
    let file = cassette(vec![post(URL, &Value::from(recorded).to_string(), "ok")]);
    let bounded = client(Reel::builder().full_diff(false).replay(&file.path).unwrap());
    let body = Value::from(received).to_string();
    let text = error_text(
        bounded
            .post(URL)
            .body(body.clone())
            .send()
            .await
            .unwrap_err(),
    );
    assert!(
        text.contains(
            "    ... diff cut at 60 of 190 lines (run with REEL_FULL_DIFF=1 to see all of it)\n"
        ),
        "{text}"
    );
    let full = client(Reel::builder().full_diff(true).replay(&file.path).unwrap());
    let text = error_text(full.post(URL).body(body).send().await.unwrap_err());
    assert_eq!(
        text.lines().filter(|l| l.starts_with("    ")).count(),
        190,
        "{text}"
    );
}

#[tokio::test]
async fn binary_bodies_are_described_not_dumped_and_unplayed_interactions_listed() {
    if reran_without_reel_env() {
        return;
    }
    let binary = |body: &'static [u8]| {
        Interaction::new(
            Request::new("POST", "https://bedrock.example.com/model/x/invoke").with_body(body),
            Response::new(200),
        )
    };
    let mut interactions = vec![binary(b"\xff\x00\x01"), binary(b"\xfe")];
    interactions.extend((0..21).map(|n| {
        post(
            "https://api.example.com/v1/other",
            &format!("{{\"n\":{n}}}"),
            "",
        )
    }));
    let file = cassette(interactions);
    let client = client(Reel::replay(&file.path).unwrap());
    let text = portable(
        error_text(
            client
                .post("https://bedrock.example.com/model/x/invoke")
                .body(&b"\xff\x00\x02\x03"[..])
                .send()
                .await
                .unwrap_err(),
        ),
        &file.path,
    );
    let mut expected = String::from(
        "reel: no recorded interaction matches POST https://bedrock.example.com/model/x/invoke (binary body, 4 bytes)
  cassette: <cassette>
  mode:     none (replay only; no request reaches the network)
  replayed: 0 of 23 interactions

closest recorded interaction: #0 POST https://bedrock.example.com/model/x/invoke
  method: matches
  url: matches
  body: differs: recorded binary body, 3 bytes; received binary body, 4 bytes

other unplayed interactions:
  #1 POST https://bedrock.example.com/model/x/invoke (binary body, 1 byte)
",
    );
    for n in 0..19 {
        let len = if n < 10 { 7 } else { 8 };
        expected += &format!(
            "  #{} POST https://api.example.com/v1/other (JSON body, {len} bytes): {{\"n\":{n}}}\n",
            n + 2
        );
    }
    expected += "  ... and 2 more

to re-record this cassette, run: REEL_RECORD=all cargo test -p reel-vcr -- \
                 report::binary_bodies_are_described_not_dumped_and_unplayed_interactions_listed --exact";
    assert_eq!(text, expected);
}

/// The report of a POST to `url` with `body` that `reel` cannot answer.
async fn miss(reel: Reel, url: &str, body: &str) -> String {
    let request = client(reel).post(url).body(body.to_owned());
    error_text(request.send().await.unwrap_err())
}

/// The "if the difference is expected" section of a report, and what follows it.
fn advice(text: &str) -> &str {
    let start = text
        .find("\nif the difference is expected on every run:\n")
        .unwrap_or_else(|| panic!("no advice in the report:\n{text}"));
    &text[start..]
}

#[tokio::test]
async fn a_request_to_another_host_and_port_suggests_ignore_host() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(
        "https://api.openai.com/v1/chat/completions?x=1",
        r#"{"a":1}"#,
        "{}",
    )]);
    // The same path and query, sent to a local server on a random port.
    let text = miss(
        Reel::replay(&file.path).unwrap(),
        "http://127.0.0.1:38211/v1/chat/completions?x=1",
        r#"{"a":1}"#,
    )
    .await;
    assert!(
        advice(&text).starts_with(
            "\nif the difference is expected on every run:\n  only the scheme, host or port differ \
             (recorded https://api.openai.com:443, received http://127.0.0.1:38211): match on \
             the path and query alone with `.ignore_host()` on the ReelBuilder (reel serve and \
             ReelServer already do)\n\nto re-record this cassette, run: "
        ),
        "{text}"
    );
    // What the advice says works.
    let reel = Reel::builder().ignore_host().replay(&file.path).unwrap();
    let response = client(reel)
        .post("http://127.0.0.1:38211/v1/chat/completions?x=1")
        .body(r#"{"a":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn another_path_gets_no_ignore_host_advice() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post("https://api.openai.com/v1/chat", "{}", "{}")]);
    let text = miss(
        Reel::replay(&file.path).unwrap(),
        "http://127.0.0.1:9/v1/embeddings",
        "{}",
    )
    .await;
    assert!(!text.contains(".ignore_host()"), "{text}");
    assert!(!text.contains("if the difference is expected"), "{text}");
}

#[tokio::test]
async fn a_changed_field_suggests_the_ignore_json_field_line_that_makes_it_match() {
    if reran_without_reel_env() {
        return;
    }
    // Generated cases: a field at the top, nested, and inside array elements.
    let cases = [
        (
            r#"{"a":1,"user":"u-1"}"#,
            r#"{"a":1,"user":"u-2"}"#,
            r#".ignore_json_field("/user")"#,
        ),
        (
            r#"{"metadata":{"request_id":"r1","k":2}}"#,
            r#"{"metadata":{"request_id":"r2","k":2}}"#,
            r#".ignore_json_field("/metadata/request_id")"#,
        ),
        (
            r#"{"messages":[{"id":"m1","c":"hi"},{"id":"m2","c":"yo"}]}"#,
            r#"{"messages":[{"id":"m3","c":"hi"},{"id":"m4","c":"yo"}]}"#,
            r#".ignore_json_field("/messages/*/id")"#,
        ),
    ];
    for (recorded, sent, call) in cases {
        let file = cassette(vec![post(URL, recorded, "{}")]);
        let text = miss(Reel::replay(&file.path).unwrap(), URL, sent).await;
        assert!(
            advice(&text).contains(&format!("`{call}` on the ReelBuilder")),
            "{call}:\n{text}"
        );
        // The suggested line makes the request match.
        let pointer = call
            .trim_start_matches(".ignore_json_field(\"")
            .trim_end_matches("\")");
        let reel = Reel::builder()
            .ignore_json_field(pointer)
            .replay(&file.path)
            .unwrap();
        let response = client(reel).post(URL).body(sent).send().await.unwrap();
        assert_eq!(response.status(), 200, "{call}");
    }
}

#[tokio::test]
async fn a_changed_query_value_suggests_ignore_query_param() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post("https://x.test/v1/a?day=1&q=s", "", "{}")]);
    let text = miss(
        Reel::replay(&file.path).unwrap(),
        "https://x.test/v1/a?q=s&day=2",
        "",
    )
    .await;
    assert!(
        advice(&text).contains("`.ignore_query_param(\"day\")` on the ReelBuilder"),
        "{text}"
    );
}

#[tokio::test]
async fn a_request_sent_twice_suggests_allow_repeats() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, r#"{"a":1}"#, "{}")]);
    let client = client(Reel::replay(&file.path).unwrap());
    let first = client.post(URL).body(r#"{"a":1}"#).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let text = error_text(
        client
            .post(URL)
            .body(r#"{"a":1}"#)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(
        advice(&text).contains("`.allow_repeats()` on the ReelBuilder"),
        "{text}"
    );
}

#[tokio::test]
async fn a_handle_that_cannot_record_ends_its_reports_with_why_not_a_command() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, r#"{"a":1}"#, "{}")]);
    let reel = Reel::replay(&file.path)
        .unwrap()
        .cannot_record("it only replays");
    let text = error_text(client(reel).post(URL).body("{}").send().await.unwrap_err());
    assert!(
        text.ends_with("\nthis client cannot re-record the cassette: it only replays"),
        "{text}"
    );
    assert!(!text.contains("REEL_RECORD"), "{text}");
}

#[tokio::test]
async fn unplayed_chat_turns_are_told_apart_by_their_last_message() {
    if reran_without_reel_env() {
        return;
    }
    // Three turns of one conversation: the same long system prompt first.
    let system = format!(
        r#"{{"role":"system","content":"{}"}}"#,
        "Be brief. ".repeat(20)
    );
    let turns = ["first question", "second question", "third question"];
    let interactions = (0..turns.len())
        .map(|n| {
            let messages: Vec<String> = std::iter::once(system.clone())
                .chain(
                    turns[..=n]
                        .iter()
                        .map(|t| format!(r#"{{"role":"user","content":"{t}"}}"#)),
                )
                .collect();
            post(
                URL,
                &format!(r#"{{"model":"m","messages":[{}]}}"#, messages.join(",")),
                "{}",
            )
        })
        .collect();
    let file = cassette(interactions);
    let text = miss(
        Reel::replay(&file.path).unwrap(),
        URL,
        r#"{"model":"m","messages":[]}"#,
    )
    .await;
    for (n, turn) in turns.iter().enumerate().skip(1) {
        assert!(
            text.contains(&format!(
                r#"messages[{}] {{"content":"{turn}","role":"user"}}"#,
                n + 1
            )),
            "{turn}:\n{text}"
        );
    }
}

#[tokio::test]
async fn changed_text_or_structure_gets_no_ignore_json_field_advice() {
    if reran_without_reel_env() {
        return;
    }
    // A prompt the test changed on purpose, and a changed structure: re-recording
    // is the answer, not ignoring the field.
    let cases = [
        (
            r#"{"messages":[{"content":"Say hi in Portuguese"}]}"#,
            r#"{"messages":[{"content":"Say hi in French"}]}"#,
        ),
        (
            r#"{"tools":[{"name":"add"}]}"#,
            r#"{"tools":{"name":"add"}}"#,
        ),
    ];
    for (recorded, sent) in cases {
        let file = cassette(vec![post(URL, recorded, "{}")]);
        let text = miss(Reel::replay(&file.path).unwrap(), URL, sent).await;
        assert!(!text.contains(".ignore_json_field("), "{sent}:\n{text}");
    }
}
