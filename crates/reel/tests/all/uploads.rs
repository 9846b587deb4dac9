//! Request bodies of every shape through the middleware: multipart uploads
//! (matched part by part, whatever the boundary), streamed bodies.

use reel::cassette::Cassette;
use reel::{Error, Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{client, reel_error};

/// A megabyte of bytes that are not UTF-8.
fn file(changed_at: Option<usize>) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..1_048_576u32)
        .map(|i| (i * 7 % 251) as u8 | 0x80)
        .collect();
    if let Some(at) = changed_at {
        bytes[at] ^= 1;
    }
    bytes
}

/// An upload as an SDK sends it: a text field, a binary file, a JSON part. reqwest
/// picks a fresh random boundary for every form.
fn form(file_bytes: Vec<u8>, purpose: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("purpose", purpose.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file_bytes)
                .file_name("data.bin")
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .part(
            "metadata",
            reqwest::multipart::Part::text(r#"{"tags": ["a", "b"], "size": 1048576}"#)
                .mime_str("application/json")
                .unwrap(),
        )
}

#[tokio::test]
async fn a_multipart_upload_records_then_replays_with_a_new_boundary_and_a_changed_file_misses() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.yaml");
    let url = upstream.url("/json");

    let recording = Reel::builder().mode(Mode::Once).open(&path).unwrap();
    let response = client(recording.clone())
        .post(&url)
        .multipart(form(file(None), "fine-tune"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);
    recording.flush().unwrap();
    // The upstream got the body reel read, once.
    let sent = upstream.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.len() > 1_048_576);
    let cassette = Cassette::load(&path).unwrap();
    let recorded = &cassette.interactions[0].request;
    assert_eq!(
        recorded.body, sent[0].body,
        "recorded as sent, as go-vcr does"
    );
    assert!(
        recorded.form.is_empty(),
        "go-vcr's form holds no multipart fields"
    );
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("body: !!binary"));

    // Replay only, with a new form (a new boundary): the parts match.
    let replaying = Reel::builder().mode(Mode::None).open(&path).unwrap();
    let response = client(replaying.clone())
        .post(&url)
        .multipart(form(file(None), "fine-tune"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);
    assert!(replaying.unplayed().is_empty());
    assert_eq!(upstream.requests().len(), 1, "replay sent nothing");

    // One changed byte in the file: a miss that names the file part.
    let err = client(Reel::builder().mode(Mode::None).open(&path).unwrap())
        .post(&url)
        .multipart(form(file(Some(123_456)), "fine-tune"))
        .send()
        .await
        .unwrap_err();
    let Error::NoMatch(report) = reel_error(err) else {
        panic!("not a miss")
    };
    let text = report.text();
    assert!(
        text.contains(
            "  body: differs in part \"file\" (filename \"data.bin\", application/octet-stream) \
             (both multipart, compared part by part):"
        ),
        "{text}"
    );
    let digest = |bytes: &[u8]| reel_cassette::__private::short_sha256(bytes);
    assert!(
        text.contains(&format!(
            "-  <binary, 1048576 bytes, sha256 {}>",
            digest(&file(None))
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "+  <binary, 1048576 bytes, sha256 {}>",
            digest(&file(Some(123_456)))
        )),
        "{text}"
    );
    assert!(text.len() < 10_000, "no raw bytes in the report: {text}");
}

#[tokio::test]
async fn ignored_and_redacted_parts() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.yaml");
    let url = upstream.url("/json");
    let small = |purpose: &str, token: &str| {
        reqwest::multipart::Form::new()
            .text("purpose", purpose.to_owned())
            .text("token", token.to_owned())
    };
    let recording = Reel::builder()
        .mode(Mode::Once)
        .redact_form_part("token")
        .open(&path)
        .unwrap();
    let response = client(recording.clone())
        .post(&url)
        .multipart(small("batch", "tok-1234567890"))
        .send()
        .await
        .unwrap();
    // The interaction is complete when its body has been read.
    response.bytes().await.unwrap();
    recording.flush().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("tok-1234567890"), "{text}");
    assert!(text.contains("REDACTED"), "{text}");

    // Another token still matches: the live part is redacted before matching.
    let replaying = Reel::builder()
        .mode(Mode::None)
        .redact_form_part("token")
        .open(&path)
        .unwrap();
    let response = client(replaying)
        .post(&url)
        .multipart(small("batch", "tok-other"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // An ignored part may differ; without the option it may not.
    let ignoring = Reel::builder()
        .mode(Mode::None)
        .redact_form_part("token")
        .ignore_form_part("purpose")
        .open(&path)
        .unwrap();
    let response = client(ignoring)
        .post(&url)
        .multipart(small("assistants", "tok-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let strict = Reel::builder()
        .mode(Mode::None)
        .redact_form_part("token")
        .open(&path)
        .unwrap();
    let err = client(strict)
        .post(&url)
        .multipart(small("assistants", "tok-1"))
        .send()
        .await
        .unwrap_err();
    let text = reel_error(err).to_string();
    assert!(text.contains("body: differs in part \"purpose\""), "{text}");
}

#[tokio::test]
async fn a_streamed_json_upload_records_and_replays() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.yaml");
    let url = upstream.url("/json");
    let streamed = || {
        let pieces = [
            r#"{"input": "#,
            r#""hello", "model": "#,
            r#""text-embedding-3-small"}"#,
        ]
        .map(|piece| Ok::<_, std::io::Error>(bytes::Bytes::from_static(piece.as_bytes())));
        reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
    };
    let recording = Reel::builder().mode(Mode::Once).open(&path).unwrap();
    let response = client(recording.clone())
        .post(&url)
        .header("content-type", "application/json")
        .body(streamed())
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);
    recording.flush().unwrap();
    let sent = upstream.requests();
    assert_eq!(
        String::from_utf8_lossy(&sent[0].body),
        r#"{"input": "hello", "model": "text-embedding-3-small"}"#,
        "the bytes reel read went upstream"
    );
    let replaying = Reel::builder().mode(Mode::None).open(&path).unwrap();
    let response = client(replaying.clone())
        .post(&url)
        .header("content-type", "application/json")
        .body(streamed())
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);
    assert!(replaying.unplayed().is_empty());
}
