//! The upstream answers each route as documented, over a plain TCP client.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn get(upstream: &reel_upstream::Upstream, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(upstream.addr())
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn routes_answer_as_documented_and_requests_are_kept() {
    let upstream = reel_upstream::Upstream::start().await;
    assert!(get(&upstream, "/json").await.ends_with("{\"ok\":true}"));
    let sse = get(&upstream, "/sse?events=2").await;
    assert!(
        sse.contains("data: {\"i\":0}\n\n")
            && sse.contains("data: {\"i\":1}\n\n")
            && sse.contains("data: [DONE]\n\n"),
        "{sse}"
    );
    assert!(get(&upstream, "/status/429")
        .await
        .starts_with("HTTP/1.1 429"));
    let gzip = get(&upstream, "/gzip").await;
    assert!(gzip.contains("content-encoding: gzip"), "{gzip}");
    let broken = get(&upstream, "/broken?events=1").await;
    assert!(
        broken.contains("data: {\"i\":0}") && !broken.contains("\r\n0\r\n\r\n"),
        "a broken stream has no final chunk: {broken}"
    );
    let echo = get(&upstream, "/echo?a=1").await;
    assert!(
        echo.contains(r#""method":"GET","path":"/echo","query":"a=1""#),
        "{echo}"
    );
    assert_eq!(upstream.requests().len(), 6);
    assert_eq!(upstream.requests()[1].uri, "/sse?events=2");
}

#[tokio::test]
async fn a_gated_stream_holds_its_last_events_until_released() {
    let upstream = reel_upstream::Upstream::start().await;
    let mut stream = tokio::net::TcpStream::connect(upstream.addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /gated-sse?events=2 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("data: {\"i\":0}") {
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(!String::from_utf8_lossy(&seen).contains("[DONE]"));
    upstream.release();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(String::from_utf8_lossy(&rest).contains("data: [DONE]"));
}
