//! Every cassette under `../shared/corpus`, served: each recorded request, sent
//! over plain HTTP/1.1 to the server, gets its recorded status and body byte for
//! byte, a server-sent event stream one HTTP chunk per event and an AWS event
//! stream one chunk per frame.

use reel::cassette::{stream_events, Cassette, StreamKind};
use reel::Mode;
use reel_server::ReelServer;

use crate::support::raw;

#[tokio::test]
async fn every_corpus_cassette_is_served_byte_for_byte_one_chunk_per_event() {
    // Before the rerun: under CI a missing corpus fails here, in the parent.
    let Some(files) = reel_tests::corpus_cassettes() else {
        return;
    };
    if reel_tests::reran_without_reel_env() {
        return;
    }
    assert!(files.len() >= 100, "only {} cassettes", files.len());

    let (mut events, mut frames, mut interactions) = (0, 0, 0);
    for file in &files {
        let cassette = Cassette::load(file).unwrap();
        let server = ReelServer::builder()
            .mode(Mode::None)
            .start(file)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        for (i, interaction) in cassette.interactions.iter().enumerate() {
            let context = format!("{} #{i}", file.display());
            let recorded = &interaction.request;
            let url = reqwest::Url::parse(&recorded.url).unwrap();
            let target = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            let response = raw(
                server.addr(),
                &recorded.method,
                &target,
                recorded.headers.get("Content-Type"),
                &recorded.body,
            )
            .await;
            let expected = &interaction.response;
            assert_eq!(response.code(), expected.code, "{context}");
            assert_eq!(
                response.status_line,
                format!("HTTP/1.1 {}", expected.status),
                "{context}"
            );
            let content_type = expected.headers.get("Content-Type");
            assert_eq!(
                response.header("content-type"),
                Vec::from_iter(content_type),
                "{context}"
            );
            assert!(
                response.body() == expected.body,
                "{context}: the body differs"
            );
            let kind = content_type.map_or(StreamKind::Whole, StreamKind::from_content_type);
            let pieces: Vec<_> = stream_events(&expected.body, kind).collect();
            match kind {
                StreamKind::ServerSentEvents => events += pieces.len(),
                StreamKind::AwsEventStream => frames += pieces.len(),
                _ => {}
            }
            if kind == StreamKind::Whole {
                assert_eq!(
                    response.header("content-length"),
                    [expected.body.len().to_string()],
                    "{context}"
                );
            } else {
                assert_eq!(response.chunks, pieces, "{context}: one chunk per event");
            }
            interactions += 1;
        }
        assert!(server.unplayed().is_empty(), "{}", file.display());
        server.shutdown().await;
    }
    eprintln!(
        "served {interactions} interactions from {} cassettes: {events} SSE events, {frames} \
         event-stream frames",
        files.len()
    );
    assert!(
        events > 1000 && frames > 10,
        "{events} events, {frames} frames"
    );
}
