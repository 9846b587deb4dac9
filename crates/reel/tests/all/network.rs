//! Replay never opens a connection.

use std::net::TcpListener;

use reel::cassette::{Interaction, Request, Response};
use reel::Reel;
use reel_tests::reran_without_reel_env;

use crate::support::{cassette, client};

#[tokio::test]
async fn replay_only_mode_never_opens_a_connection() {
    if reran_without_reel_env() {
        return;
    }
    // A listener nobody accepts on: any connection attempt would wait in its queue.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1/models",
        listener.local_addr().unwrap().port()
    );
    // And a port where nothing listens at all.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!(
        "http://127.0.0.1:{}/v1/models",
        closed.local_addr().unwrap().port()
    );
    drop(closed);

    let get = |url: &str| {
        Interaction::new(
            Request::new("GET", url),
            Response::new(200).with_body("models"),
        )
    };
    let file = cassette(vec![get(&url), get(&closed_url)]);
    let client = client(Reel::replay(&file.path).unwrap());
    for url in [&url, &closed_url] {
        let response = client.get(url.as_str()).send().await.unwrap();
        assert_eq!(response.text().await.unwrap(), "models");
    }
    // A miss fails in reel too, without trying the network.
    let err = client.get(url.as_str()).send().await.unwrap_err();
    assert!(err.is_middleware());

    match listener.accept() {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("replay opened a connection from {peer}"),
        Err(err) => panic!("accept failed: {err}"),
    }
}
