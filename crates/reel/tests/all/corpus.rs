//! Every cassette under `../shared/corpus` replays against its own recorded
//! requests: the same status, headers and bytes, one chunk per SSE event, one per
//! AWS event-stream frame.

use bytes::Bytes;
use reel::cassette::{stream_events, Cassette, StreamKind};
use reel::{Reel, Replayed};

use crate::support::{chunks, client};

#[tokio::test]
async fn every_corpus_cassette_replays_its_own_requests_byte_for_byte() {
    // Before the rerun: under CI a missing corpus fails here, in the parent.
    let Some(files) = reel_tests::corpus_cassettes() else {
        return;
    };
    if reel_tests::reran_without_reel_env() {
        return;
    }
    assert!(files.len() >= 100, "only {} cassettes", files.len());

    let (mut sse_events, mut frames, mut interactions) = (0, 0, 0);
    for file in &files {
        let cassette = Cassette::load(file).unwrap();
        let client = client(Reel::replay(file).unwrap());
        for (i, interaction) in cassette.interactions.iter().enumerate() {
            let context = format!("{} #{i}", file.display());
            let recorded = &interaction.request;
            let mut request = client.request(recorded.method.parse().unwrap(), &recorded.url);
            for (name, values) in recorded.headers.iter() {
                for value in values {
                    request = request.header(name, value);
                }
            }
            let response = request
                .body(recorded.body.clone())
                .send()
                .await
                .unwrap_or_else(|err| panic!("{context}: {}", crate::support::error_text(err)));
            let expected = &interaction.response;
            assert_eq!(response.status().as_u16(), expected.code, "{context}");
            let replayed = response.extensions().get::<Replayed>().unwrap();
            assert_eq!(
                (replayed.interaction, replayed.status.as_str()),
                (i, expected.status.as_str()),
                "{context}"
            );
            let header_values: usize = expected.headers.iter().map(|(_, v)| v.len()).sum();
            assert_eq!(response.headers().len(), header_values, "{context}");
            for (name, values) in expected.headers.iter() {
                let got: Vec<&[u8]> = response
                    .headers()
                    .get_all(name)
                    .iter()
                    .map(|v| v.as_bytes())
                    .collect();
                let want: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
                assert_eq!(got, want, "{context}: header {name}");
            }

            let kind = expected
                .headers
                .get("Content-Type")
                .map_or(StreamKind::Whole, StreamKind::from_content_type);
            let received = chunks(response).await;
            assert!(
                received.concat() == expected.body,
                "{context}: the body differs"
            );
            match kind {
                StreamKind::ServerSentEvents => {
                    let events = stream_events(&expected.body, kind).count();
                    assert_eq!(received.len(), events, "{context}: one chunk per event");
                    for (n, chunk) in received.iter().enumerate() {
                        check_one_sse_event(chunk, n + 1 == received.len(), &context);
                    }
                    sse_events += events;
                }
                StreamKind::AwsEventStream => {
                    for chunk in &received {
                        check_one_frame(chunk, &context);
                    }
                    frames += received.len();
                }
                _ => assert!(received.len() <= 1, "{context}: a whole body is one chunk"),
            }
            interactions += 1;
        }
    }
    eprintln!(
        "replayed {interactions} interactions from {} cassettes: {sse_events} SSE events, {frames} event-stream frames",
        files.len()
    );
    assert!(
        sse_events > 1000 && frames > 10,
        "{sse_events} events, {frames} frames"
    );
}

/// A chunk is one SSE event: it ends at a blank line (the last may lack it), and
/// has no blank line before that.
fn check_one_sse_event(chunk: &Bytes, last: bool, context: &str) {
    let text = String::from_utf8_lossy(chunk);
    let end = ["\r\n\r\n", "\n\n", "\r\r", "\n", "\r\n"]
        .iter()
        .find(|t| text.ends_with(*t))
        .map_or(0, |t| t.len());
    // A blank line on its own between events is a piece of its own.
    let is_blank_line = matches!(&*text, "\n" | "\r\n" | "\r");
    assert!(
        last || is_blank_line
            || text.ends_with("\n\n")
            || text.ends_with("\r\n\r\n")
            || text.ends_with("\r\r")
            || text.ends_with("\n\r\n"),
        "{context}: chunk does not end an event: {text:?}"
    );
    let body = &text[..text.len() - end];
    for blank in ["\n\n", "\r\n\r\n", "\r\r", "\n\r\n"] {
        assert!(
            !body.contains(blank),
            "{context}: chunk holds two events: {text:?}"
        );
    }
}

/// A chunk is one AWS event-stream frame: its length prefix is its length and both
/// CRCs hold.
fn check_one_frame(chunk: &Bytes, context: &str) {
    assert!(
        chunk.len() >= 16,
        "{context}: frame of {} bytes",
        chunk.len()
    );
    let be = |at: usize| u32::from_be_bytes(chunk[at..at + 4].try_into().unwrap());
    assert_eq!(be(0) as usize, chunk.len(), "{context}: frame length");
    assert_eq!(crc32(&chunk[..8]), be(8), "{context}: prelude CRC");
    assert_eq!(
        crc32(&chunk[..chunk.len() - 4]),
        be(chunk.len() - 4),
        "{context}: message CRC"
    );
}

/// CRC-32 (IEEE), as event-stream frames use.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
