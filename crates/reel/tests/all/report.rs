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
  #1 POST https://api.openai.com/v1/chat/completions (JSON body, 1284 bytes): {"messages":[{"content":"You are a helpful assistant. Always... (1224 more characters)

to re-record this cassette, run: REEL_RECORD=all cargo test -p reel -- report::a_changed_max_tokens_is_the_one_changed_line_of_the_report --exact"#
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
         REEL_RECORD=once cargo test -p reel -- \
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

to re-record this cassette, run: REEL_RECORD=all cargo test -p reel -- \
                 report::binary_bodies_are_described_not_dumped_and_unplayed_interactions_listed --exact";
    assert_eq!(text, expected);
}
