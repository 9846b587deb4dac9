//! Hostile and careless clients over raw TCP: malformed request lines, heads over
//! the limits (the defaults and configured ones, exactly), broken chunked framing,
//! bytes past the `Content-Length`, bodies over `max_body_size` (64 MiB by
//! default), clients that leave mid-stream or send a byte a second,
//! a head never finished, and 256 keep-alive connections at once. Each gets the
//! answer the crate documents under "Limits", and the server keeps serving others.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reel::{Delay, Mode};
use reel_server::{ReelServer, ReelServerBuilder, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_HEAD_SIZE};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

use crate::support::{raw, read_response, seed, seed_path, Exchanges, Raw};

const PATH: &str = "/v1/chat/completions";

/// The seed, replayed with repeats; every test here provokes failures, so the
/// default log (misses and failures on stderr) is replaced by `builder`'s or none.
fn server() -> ReelServerBuilder {
    ReelServer::builder()
        .mode(Mode::None)
        .allow_repeats()
        .on_exchange(|_| {})
}

async fn start() -> ReelServer {
    server().start(seed_path()).await.unwrap()
}

/// The seed's first request body, and the response body recorded for it.
fn first() -> (Bytes, Bytes) {
    let seed = seed();
    let interaction = &seed.interactions[0];
    (
        interaction.request.body.clone(),
        interaction.response.body.clone(),
    )
}

/// The seed's first request, keep-alive, with `extra` header lines (each ending
/// in CRLF) after `Host`, `Content-Type` and `Content-Length`.
fn request(extra: &str) -> Vec<u8> {
    let (body, _) = first();
    let mut bytes = format!(
        "POST {PATH} HTTP/1.1\r\nHost: reel\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// The seed's first request with `Connection: close` and a filler header sized
/// so that the head, request line to the blank line after the last field, takes
/// exactly `size` bytes.
fn request_with_head_of(size: usize) -> Vec<u8> {
    let (body, _) = first();
    let without = request("Connection: close\r\nx-pad: \r\n").len() - body.len();
    let bytes = request(&format!(
        "Connection: close\r\nx-pad: {}\r\n",
        "a".repeat(size - without)
    ));
    assert_eq!(bytes.len() - body.len(), size);
    assert!(bytes[..size].ends_with(b"\r\n\r\n"));
    bytes
}

/// Sends `bytes` on a new connection, then reads responses until the server
/// closes it.
async fn until_closed(addr: SocketAddr, bytes: &[u8]) -> Vec<Raw> {
    let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
    // A server that refuses a head early may close before all of it is written.
    let _ = reader.get_mut().write_all(bytes).await;
    let mut responses = Vec::new();
    while let Some(response) =
        tokio::time::timeout(Duration::from_secs(5), read_response(&mut reader))
            .await
            .expect("the server answers or closes within 5 s")
    {
        responses.push(response);
    }
    responses
}

/// The answer hyper writes itself for a head it cannot take: `status`, no body,
/// and the connection closed.
fn assert_refused_by_hyper(responses: &[Raw], status: &str) {
    assert_eq!(responses.len(), 1, "{responses:#?}");
    let response = &responses[0];
    assert_eq!(response.status_line, format!("HTTP/1.1 {status}"));
    assert_eq!(response.header("connection"), ["close"]);
    assert_eq!(response.header("content-length"), ["0"]);
    assert!(response.chunks.is_empty());
}

/// A reel answer: `code`, `x-reel-error: kind`, and the body's text.
fn assert_reel_failure(response: &Raw, code: u16, kind: &str) -> String {
    assert_eq!(response.code(), code, "{response:#?}");
    assert_eq!(response.header("x-reel-error"), [kind]);
    String::from_utf8(response.body().to_vec()).unwrap()
}

/// The seed's first response, whole, on a fresh connection.
async fn assert_serves(addr: SocketAddr) {
    let (body, expected) = first();
    let response = raw(addr, "POST", PATH, Some("application/json"), &body).await;
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert!(response.body() == expected, "the body differs");
}

#[tokio::test]
async fn a_malformed_request_line_or_header_answers_400_and_closes_the_connection() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    for bytes in [
        &b"NOT A REQUEST\r\n\r\n"[..],
        b"\x00\x01\x02\xff hello\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: reel\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost reel\r\n\r\n",
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: reel\r\nContent-Length: ten\r\n\r\n",
    ] {
        let responses = until_closed(server.addr(), bytes).await;
        assert_refused_by_hyper(&responses, "400 Bad Request");
    }
    // HTTP/2's preface gets no HTTP/1.1 answer: the connection is closed.
    let responses = until_closed(server.addr(), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    assert!(responses.is_empty(), "{responses:#?}");
    assert_serves(server.addr()).await;
}

#[tokio::test]
async fn more_than_100_header_fields_or_a_head_over_64_kib_answers_431() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    let (_, expected) = first();
    // `request` sends 3 fields: 96 fillers and `Connection` make 100, the most
    // taken; 98 fillers make 101.
    let responses = until_closed(
        server.addr(),
        &request(&format!("{}Connection: close\r\n", fillers(96))),
    )
    .await;
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].code(), 200);
    assert!(responses[0].body() == expected);
    let responses = until_closed(server.addr(), &request(&fillers(98))).await;
    assert_refused_by_hyper(&responses, "431 Request Header Fields Too Large");

    // The head, request line included, may take 64 KiB.
    let big = |size: usize| format!("x-big: {}\r\n", "a".repeat(size));
    let responses = until_closed(
        server.addr(),
        &request(&format!("{}Connection: close\r\n", big(60 * 1024))),
    )
    .await;
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].code(), 200);
    for size in [64 * 1024, 1024 * 1024] {
        let responses = until_closed(server.addr(), &request(&big(size))).await;
        assert_refused_by_hyper(&responses, "431 Request Header Fields Too Large");
    }
    // A request target is part of the head.
    let long = format!("GET /{} HTTP/1.1\r\nHost: reel\r\n\r\n", "a".repeat(70_000));
    let responses = until_closed(server.addr(), long.as_bytes()).await;
    assert_refused_by_hyper(&responses, "431 Request Header Fields Too Large");
    assert_serves(server.addr()).await;
}

/// `count` filler header fields.
fn fillers(count: usize) -> String {
    (0..count)
        .map(|i| format!("x-filler-{i}: {i}\r\n"))
        .collect()
}

#[tokio::test]
async fn a_configured_header_count_is_enforced_exactly() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let (_, expected) = first();
    for limit in [10, 150] {
        let server = server()
            .max_headers(limit)
            .start(seed_path())
            .await
            .unwrap();
        // `request` sends 3 fields; `Connection` makes 4.
        let responses = until_closed(
            server.addr(),
            &request(&format!("{}Connection: close\r\n", fillers(limit - 4))),
        )
        .await;
        assert_eq!(responses.len(), 1, "{limit}: {responses:#?}");
        assert_eq!(responses[0].code(), 200, "{limit}");
        assert!(responses[0].body() == expected);
        let responses = until_closed(server.addr(), &request(&fillers(limit - 2))).await;
        assert_refused_by_hyper(&responses, "431 Request Header Fields Too Large");
        assert_serves(server.addr()).await;
    }
}

#[tokio::test]
async fn a_head_at_the_size_limit_is_served_and_one_byte_more_answers_431() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let (_, expected) = first();
    // The default, a lower limit, and one past hyper's 408 KiB read buffer.
    for limit in [DEFAULT_MAX_HEAD_SIZE, 1024, 512 * 1024] {
        let builder = match limit {
            DEFAULT_MAX_HEAD_SIZE => server(),
            _ => server().max_head_size(limit),
        };
        let server = builder.start(seed_path()).await.unwrap();
        let responses = until_closed(server.addr(), &request_with_head_of(limit)).await;
        assert_eq!(responses.len(), 1, "{limit}: {responses:#?}");
        assert_eq!(responses[0].code(), 200, "{limit}");
        assert!(responses[0].body() == expected);
        let responses = until_closed(server.addr(), &request_with_head_of(limit + 1)).await;
        assert_refused_by_hyper(&responses, "431 Request Header Fields Too Large");
        assert_serves(server.addr()).await;
    }
}

#[tokio::test]
async fn broken_chunked_framing_answers_400_with_the_cause_and_closes_the_connection() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    let head = format!("POST {PATH} HTTP/1.1\r\nHost: reel\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (chunks, cause) in [
        ("ZZ\r\nhello\r\n0\r\n\r\n", "Invalid chunk size line"),
        // Longer than its size line says.
        ("3\r\nhello\r\n0\r\n\r\n", "Invalid chunk body CR"),
    ] {
        let responses = until_closed(server.addr(), format!("{head}{chunks}").as_bytes()).await;
        // The body is read by reel, so the answer is reel's, and hyper closes the
        // connection after it: the rest of the bytes cannot be framed.
        assert_eq!(responses.len(), 1, "{responses:#?}");
        let text = assert_reel_failure(&responses[0], 400, "bad-request");
        assert!(
            text.starts_with(
                "reel: POST /v1/chat/completions: the request body could not be read: "
            ) && text.contains(cause),
            "{text}"
        );
    }
    assert_serves(server.addr()).await;
}

#[tokio::test]
async fn bytes_past_the_content_length_are_read_as_the_next_request() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    let (_, expected) = first();
    // Garbage after the body: the first request is answered in full, the garbage
    // is a malformed next request (400 from hyper), and the connection closes.
    let mut bytes = request("");
    bytes.extend_from_slice(b"garbage past the body\r\n\r\n");
    let responses = until_closed(server.addr(), &bytes).await;
    assert_eq!(responses.len(), 2, "{responses:#?}");
    assert_eq!(responses[0].status_line, "HTTP/1.1 200 OK");
    assert!(responses[0].body() == expected, "the body differs");
    assert_refused_by_hyper(&responses[1..], "400 Bad Request");

    // A whole request after the body: a pipelined request, answered in turn.
    let mut bytes = request("");
    bytes.extend_from_slice(&request("Connection: close\r\n"));
    let responses = until_closed(server.addr(), &bytes).await;
    assert_eq!(responses.len(), 2, "{responses:#?}");
    for response in &responses {
        assert_eq!(response.status_line, "HTTP/1.1 200 OK");
        assert!(response.body() == expected, "the body differs");
    }
    assert_serves(server.addr()).await;
}

#[tokio::test]
async fn a_body_over_max_body_size_answers_413_without_being_read() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = server()
        .options(|reel| reel.max_body_size(1024))
        .start(seed_path())
        .await
        .unwrap();
    // Announced: refused on the head alone, none of the 10 MB sent.
    let head = format!("POST {PATH} HTTP/1.1\r\nHost: reel\r\nContent-Length: 10000000\r\n\r\n");
    let responses = until_closed(server.addr(), head.as_bytes()).await;
    assert_eq!(responses.len(), 1, "{responses:#?}");
    let text = assert_reel_failure(&responses[0], 413, "too-large");
    assert!(text.contains("over 1024 bytes"), "{text}");
    // Chunked: refused once the chunks pass the limit.
    let chunk = format!("400\r\n{}\r\n", "a".repeat(1024));
    let bytes = format!(
        "POST {PATH} HTTP/1.1\r\nHost: reel\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}{chunk}"
    );
    let responses = until_closed(server.addr(), bytes.as_bytes()).await;
    assert_eq!(responses.len(), 1, "{responses:#?}");
    assert_reel_failure(&responses[0], 413, "too-large");
}

#[tokio::test]
async fn a_body_over_the_default_64_mib_answers_413_on_its_content_length_alone() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    assert_eq!(DEFAULT_MAX_BODY_SIZE, 64 * 1024 * 1024);
    assert_eq!(server.reel().max_body_size(), DEFAULT_MAX_BODY_SIZE);
    let head = |length: u64| {
        format!("POST {PATH} HTTP/1.1\r\nHost: reel\r\nContent-Length: {length}\r\n\r\n")
    };
    // One byte over, announced: answered at once, without a byte of the body.
    let responses = until_closed(server.addr(), head(DEFAULT_MAX_BODY_SIZE + 1).as_bytes()).await;
    assert_eq!(responses.len(), 1, "{responses:#?}");
    let text = assert_reel_failure(&responses[0], 413, "too-large");
    assert!(text.contains("over 67108864 bytes"), "{text}");
    // At the limit, the body is read: the client stops sending after 5 bytes and
    // the answer is about the body cut short, not its size.
    let mut reader = BufReader::new(TcpStream::connect(server.addr()).await.unwrap());
    let stream = reader.get_mut();
    stream
        .write_all(head(DEFAULT_MAX_BODY_SIZE).as_bytes())
        .await
        .unwrap();
    stream.write_all(b"hello").await.unwrap();
    stream.shutdown().await.unwrap();
    let response = tokio::time::timeout(Duration::from_secs(5), read_response(&mut reader))
        .await
        .expect("an answer within 5 s")
        .expect("an answer");
    let text = assert_reel_failure(&response, 400, "bad-request");
    assert!(
        text.contains("the request body could not be read"),
        "{text}"
    );
}

#[tokio::test]
async fn a_body_limit_set_in_the_options_or_the_builder_replaces_the_servers_default() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let gib = 1 << 30;
    let engine_default = reel::DEFAULT_MAX_BODY_SIZE;
    for (builder, limit) in [
        (server().options(|reel| reel.max_body_size(gib)), gib),
        (
            server().options(move |reel| reel.max_body_size(engine_default)),
            engine_default,
        ),
        (server().max_body_size(1024), 1024),
        // One setting: the later call wins, whichever way it was made.
        (
            server()
                .max_body_size(1024)
                .options(|reel| reel.max_body_size(gib)),
            gib,
        ),
        (
            server()
                .options(|reel| reel.max_body_size(gib))
                .max_body_size(1024),
            1024,
        ),
        // Other options leave it alone.
        (
            server()
                .max_body_size(1024)
                .options(|reel| reel.ignore_body()),
            1024,
        ),
        (
            server().options(|reel| reel.ignore_body()),
            DEFAULT_MAX_BODY_SIZE,
        ),
    ] {
        let server = builder.start(seed_path()).await.unwrap();
        assert_eq!(server.reel().max_body_size(), limit);
    }
}

#[tokio::test]
async fn a_client_that_leaves_mid_stream_leaves_the_others_served() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let exchanges = Exchanges::default();
    // 14 events 50 ms apart: a stream takes 650 ms, still going when the client
    // leaves after the first.
    let server = exchanges
        .attach(server().options(|reel| reel.event_delay(Delay::Fixed(Duration::from_millis(50)))))
        .start(seed_path())
        .await
        .unwrap();
    let (_, expected) = first();
    let addr = server.addr();
    let other = tokio::spawn(async move {
        let (body, _) = first();
        raw(addr, "POST", PATH, Some("application/json"), &body).await
    });

    let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
    reader.get_mut().write_all(&request("")).await.unwrap();
    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
    }
    line.clear();
    reader.read_line(&mut line).await.unwrap();
    let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
    let mut event = vec![0; size];
    reader.read_exact(&mut event).await.unwrap();
    assert!(event.starts_with(b"data: {"));
    drop(reader);

    // The server notices at its next write and lets the stream go (the exchange is
    // reported when the response body is dropped), long before a stream's end.
    let deadline = Instant::now() + Duration::from_secs(5);
    while exchanges.taken().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the dropped stream is still held"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let left = &exchanges.taken()[0];
    assert!(left.elapsed < Duration::from_millis(600), "{left:?}");
    let response = other.await.unwrap();
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert!(response.body() == expected, "the body differs");
    assert_serves(addr).await;
    assert_eq!(exchanges.taken().len(), 3);
}

#[tokio::test]
async fn a_client_sending_a_byte_a_second_holds_up_no_one() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    let (_, expected) = first();
    let addr = server.addr();
    let (started, crawling) = tokio::sync::oneshot::channel();
    let slow = tokio::spawn(async move {
        let bytes = request("Connection: close\r\n");
        let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
        let mut started = Some(started);
        for byte in &bytes[..3] {
            reader.get_mut().write_all(&[*byte]).await.unwrap();
            if let Some(started) = started.take() {
                let _ = started.send(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        reader.get_mut().write_all(&bytes[3..]).await.unwrap();
        read_response(&mut reader).await.expect("a response")
    });
    crawling.await.unwrap();
    let begun = Instant::now();
    assert_serves(addr).await;
    let took = begun.elapsed();
    assert!(!slow.is_finished(), "the slow client is still sending");
    assert!(
        took < Duration::from_secs(1),
        "a request behind a slow client took {took:?}"
    );
    let response = slow.await.unwrap();
    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
    assert!(response.body() == expected, "the body differs");
}

/// Whether the server closed the connection without an answer within 60 s (of a
/// paused clock: no wait without the server's timer, a failure instead of a hang).
async fn closed_within_a_minute(reader: &mut BufReader<TcpStream>) -> bool {
    tokio::time::timeout(Duration::from_secs(60), read_response(reader))
        .await
        .expect("the server closed the connection within 60 s")
        .is_none()
}

// The clock is paused: it jumps to the next timer whenever every task waits.
#[tokio::test(start_paused = true)]
async fn a_head_not_read_within_30_s_is_cut_off_and_so_is_an_idle_connection() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let server = start().await;
    let begun = tokio::time::Instant::now();
    let mut reader = BufReader::new(TcpStream::connect(server.addr()).await.unwrap());
    reader
        .get_mut()
        .write_all(b"POST /v1/chat/co")
        .await
        .unwrap();
    assert!(
        closed_within_a_minute(&mut reader).await,
        "closed without an answer"
    );
    let waited = begun.elapsed();
    assert!(
        (30..32).contains(&waited.as_secs()),
        "closed after {waited:?}"
    );

    // Between requests, the same limit: a keep-alive connection idle for 30 s.
    let mut reader = BufReader::new(TcpStream::connect(server.addr()).await.unwrap());
    reader.get_mut().write_all(&request("")).await.unwrap();
    assert_eq!(read_response(&mut reader).await.unwrap().code(), 200);
    let begun = tokio::time::Instant::now();
    assert!(
        closed_within_a_minute(&mut reader).await,
        "closed without an answer"
    );
    let waited = begun.elapsed();
    assert!(
        (30..32).contains(&waited.as_secs()),
        "closed after {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_fifty_six_keep_alive_connections_at_once_each_get_every_byte() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    const CONNECTIONS: usize = 256;
    const REQUESTS: usize = 4;
    let server = start().await;
    let addr = server.addr();
    let (_, expected) = first();
    let request = Arc::new(request(""));
    // Every connection open before the first request is sent.
    let barrier = Arc::new(tokio::sync::Barrier::new(CONNECTIONS));
    let begun = Instant::now();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (request, expected, barrier) = (request.clone(), expected.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
                barrier.wait().await;
                for _ in 0..REQUESTS {
                    reader.get_mut().write_all(&request).await.unwrap();
                    let response = read_response(&mut reader).await.expect("a response");
                    assert_eq!(response.status_line, "HTTP/1.1 200 OK");
                    assert!(response.body() == expected, "the body differs");
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    eprintln!(
        "{} requests over {CONNECTIONS} connections in {:?}",
        CONNECTIONS * REQUESTS,
        begun.elapsed()
    );
}
