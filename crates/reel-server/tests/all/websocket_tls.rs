//! `https://` upstreams over TLS (feature `rustls`): a WebSocket session
//! recorded from a local `wss://` upstream whose self-signed certificate the
//! server trusts through `upstream_root_certificate`, replayed with the
//! upstream gone; the same certificate refused, for sessions and requests
//! alike, by a server that does not trust it.

use std::sync::Arc;

use reel::cassette::Cassette;
use reel::Mode;
use reel_server::{Outcome, ReelServer};
use reel_tests::reran_without_reel_env;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::support::{temp_cassette, Exchanges};
use crate::websocket::{converse, expected_texts, logged, Realtime, Seen, TARGET};

/// A self-signed certificate for `127.0.0.1` and `localhost`, made for the
/// test: its PEM text, and the acceptor that presents it (rustls on aws-lc-rs,
/// the provider reel-server's `rustls` feature uses).
fn self_signed() -> (String, tokio_rustls::TlsAcceptor) {
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certified.cert.der().clone()],
            PrivateKeyDer::Pkcs8(key),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    (certified.cert.pem(), acceptor)
}

/// An `https://` upstream that answers every request `200` with the body
/// `hello`, over TLS with `tls`'s certificate; its URL.
async fn https_hello(tls: tokio_rustls::TlsAcceptor) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tls = tls.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = tls.accept(stream).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut byte = [0];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1
                {
                    head.push(byte[0]);
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\
                              connection: close\r\n\r\nhello";
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wss_session_is_recorded_trusting_the_given_root_and_replays_with_the_upstream_gone() {
    if reran_without_reel_env() {
        return;
    }
    let (pem, tls) = self_signed();
    let upstream = Realtime::start_tls(tls).await;
    assert!(upstream.url.starts_with("https://127.0.0.1:"));
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(upstream.url.clone())
                .upstream_root_certificate(pem),
        )
        .start(&file.path)
        .await
        .unwrap();
    let seen = converse(server.base_url(), "evt", "Say hi").await;
    assert_eq!(seen.texts, expected_texts(), "the live session, over TLS");
    server.shutdown().await;
    upstream.task.abort();
    assert_eq!(
        logged(&exchanges),
        [format!("GET {TARGET} -> 101 (recorded)")]
    );
    assert_eq!(upstream.handshakes.lock().unwrap().len(), 1);
    let cassette = Cassette::load(&file.path).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    let interaction = &cassette.interactions[0];
    assert_eq!(interaction.request.url, format!("{}{TARGET}", upstream.url));
    assert_eq!(interaction.response.code, 101);

    let replayed = Exchanges::default();
    let server = replayed
        .attach(ReelServer::builder().mode(Mode::None))
        .start(&file.path)
        .await
        .unwrap();
    let seen = converse(server.base_url(), "evt", "Say hi").await;
    assert_eq!(
        seen,
        Seen {
            texts: expected_texts(),
            close: None
        },
        "every server message, as recorded over TLS"
    );
    server.shutdown().await;
    assert_eq!(
        logged(&replayed),
        [format!("GET {TARGET} -> 101 (replayed #0)")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_given_as_wss_records_requests_over_https_trusting_the_same_root() {
    if reran_without_reel_env() {
        return;
    }
    let (pem, tls) = self_signed();
    let (url, task) = https_hello(tls).await;
    let file = temp_cassette();
    let server = ReelServer::builder()
        .mode(Mode::All)
        .upstream(url.replacen("https://", "wss://", 1))
        .upstream_root_certificate(pem)
        .start(&file.path)
        .await
        .unwrap();
    assert_eq!(server.upstream(), Some(format!("{url}/").as_str()));
    let response = reqwest::get(format!("{}/v1/models", server.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "hello");
    server.shutdown().await;
    task.abort();
    let cassette = Cassette::load(&file.path).unwrap();
    assert_eq!(
        cassette.interactions[0].request.url,
        format!("{url}/v1/models")
    );
}

/// The message of a certificate the server does not trust, for `url`.
fn untrusted(opened: &str) -> String {
    format!("reel: the upstream did not {opened}: its TLS certificate was not trusted (invalid peer certificate: ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_certificate_not_trusted_is_a_502_that_names_the_option() {
    if reran_without_reel_env() {
        return;
    }
    let (_, tls) = self_signed();
    let upstream = Realtime::start_tls(tls.clone()).await;
    let (hello, hello_task) = https_hello(tls).await;
    // Another CA is trusted (not the upstream's), so the test does not depend
    // on the machine's own CA certificates.
    let (other_pem, _) = self_signed();
    let file = temp_cassette();
    let exchanges = Exchanges::default();
    let server = exchanges
        .attach(
            ReelServer::builder()
                .mode(Mode::All)
                .upstream(upstream.url.clone())
                .upstream_root_certificate(other_pem.clone()),
        )
        .start(&file.path)
        .await
        .unwrap();
    let url = format!(
        "{}{TARGET}",
        server.base_url().replacen("http://", "ws://", 1)
    );
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    let WsError::Http(response) = err else {
        panic!("an HTTP answer, not {err}");
    };
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["x-reel-error"], "upstream");
    let body = String::from_utf8(response.body().clone().unwrap()).unwrap();
    let session = format!(
        "open the WebSocket session wss{}{TARGET}",
        &upstream.url[5..]
    );
    assert!(body.starts_with(&untrusted(&session)), "{body}");
    assert!(
        body.trim_end().ends_with(
            "; if a private CA signed it, trust that CA with \
             `ReelServerBuilder::upstream_root_certificate` (`reel serve --upstream-ca FILE`)"
        ),
        "{body}"
    );
    server.shutdown().await;
    upstream.task.abort();
    let exchanges = exchanges.taken();
    assert!(matches!(exchanges[0].outcome, Outcome::Failed { .. }));
    assert!(upstream.handshakes.lock().unwrap().is_empty());

    // A request is refused the same way.
    let server = ReelServer::builder()
        .mode(Mode::All)
        .upstream(hello.clone())
        .upstream_root_certificate(other_pem)
        .start(&temp_cassette().path)
        .await
        .unwrap();
    let response = reqwest::get(format!("{}/v1/models", server.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    let body = response.text().await.unwrap();
    let request = format!("answer {hello}/v1/models");
    assert!(body.starts_with(&untrusted(&request)), "{body}");
    assert!(body.contains("--upstream-ca FILE"), "{body}");
    server.shutdown().await;
    hello_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_root_certificate_that_is_not_pem_stops_the_server_from_starting() {
    let err = ReelServer::builder()
        .mode(Mode::None)
        .upstream_root_certificate("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        .start(&temp_cassette().path)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("upstream root certificate 1 is not usable: it holds no certificate"),
        "{err}"
    );
}
