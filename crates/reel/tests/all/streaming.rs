//! Response bodies arrive the way the server sent them.

use bytes::Bytes;
use reel::cassette::{Interaction, Request, Response};
use reel::Reel;
use reel_tests::reran_without_reel_env;

use crate::support::{cassette, chunks, client};

const URL: &str = "https://api.example.com/v1/stream";

/// The chunks a client receives for a recorded body of `content_type`.
async fn received(content_type: &str, body: impl Into<Bytes>) -> (Vec<Bytes>, Option<u64>) {
    let file = cassette(vec![Interaction::new(
        Request::new("GET", URL),
        Response::new(200)
            .with_header("Content-Type", content_type)
            .with_body(body.into()),
    )]);
    let response = client(Reel::replay(&file.path).unwrap())
        .get(URL)
        .send()
        .await
        .unwrap();
    let length = response.content_length();
    (chunks(response).await, length)
}

#[tokio::test]
async fn sse_events_end_at_any_blank_line_comments_included_and_the_last_may_be_unterminated() {
    if reran_without_reel_env() {
        return;
    }
    let body = "data: a\r\n\r\n: keep-alive\n\nevent: b\rdata: b\r\rdata: {\"last\":true}";
    let (chunks, length) = received("text/event-stream", body).await;
    assert_eq!(
        chunks,
        [
            "data: a\r\n\r\n",
            ": keep-alive\n\n",
            "event: b\rdata: b\r\r",
            "data: {\"last\":true}"
        ]
    );
    assert_eq!(length, None, "a stream announces no length");
}

#[tokio::test]
async fn event_stream_frames_arrive_one_per_chunk() {
    if reran_without_reel_env() {
        return;
    }
    let mut body = Vec::new();
    for len in [16u32, 40, 23] {
        body.extend_from_slice(&len.to_be_bytes());
        body.resize(body.len() + len as usize - 4, 0xAB);
    }
    let (chunks, _) = received("application/vnd.amazon.eventstream", body.clone()).await;
    assert_eq!(
        chunks.iter().map(Bytes::len).collect::<Vec<_>>(),
        [16, 40, 23]
    );
    assert_eq!(chunks.concat(), body);
}

#[tokio::test]
async fn other_bodies_arrive_in_one_chunk_with_their_length() {
    if reran_without_reel_env() {
        return;
    }
    let body = "{\"a\":1}\n\n{\"b\":2}\n\n";
    let (chunks, length) = received("application/json", body).await;
    assert_eq!(chunks, [body]);
    assert_eq!(length, Some(body.len() as u64));
}

#[tokio::test]
async fn an_empty_stream_has_no_chunks() {
    if reran_without_reel_env() {
        return;
    }
    let (chunks, _) = received("text/event-stream", "").await;
    assert!(chunks.is_empty());
}
