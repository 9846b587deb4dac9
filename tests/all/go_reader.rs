//! A Go-shaped strict reader: go-vcr v4's cassette structs with every field
//! typed as Go types it and unknown keys refused (yaml.v3's `KnownFields`),
//! over cassettes reel writes while recording, with every sidecar reel adds
//! (provenance, timing): reel's notes stay beside the cassette, never in it.

use std::collections::BTreeMap;

use reel::{Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GoCassette {
    version: i64,
    interactions: Vec<GoInteraction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GoInteraction {
    id: i64,
    request: GoRequest,
    response: GoResponse,
}

type HeaderMap = BTreeMap<String, Vec<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GoRequest {
    proto: String,
    proto_major: i64,
    proto_minor: i64,
    content_length: i64,
    #[serde(default)]
    transfer_encoding: Vec<String>,
    #[serde(default)]
    trailer: HeaderMap,
    host: String,
    #[serde(default)]
    remote_addr: String,
    #[serde(default)]
    request_uri: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    form: HeaderMap,
    #[serde(default)]
    headers: HeaderMap,
    url: String,
    method: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct GoResponse {
    proto: String,
    proto_major: i64,
    proto_minor: i64,
    #[serde(default)]
    transfer_encoding: Vec<String>,
    #[serde(default)]
    trailer: HeaderMap,
    content_length: i64,
    #[serde(default)]
    uncompressed: bool,
    body: String,
    headers: HeaderMap,
    status: String,
    code: i64,
    /// Go parses it with `time.ParseDuration`: text, never a bare number.
    duration: String,
}

#[tokio::test]
async fn every_cassette_reel_records_loads_in_a_strict_go_shaped_reader() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recorded.yaml");
    let reel = Reel::builder()
        .mode(Mode::All)
        .record_timing(true)
        .keep_all_headers()
        .open(&path)
        .unwrap();
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(reel.clone())
        .build();
    for (method, target, body) in [
        (
            "POST",
            "/v1/chat/completions",
            r#"{"model":"gpt-4o-mini","stream":true}"#,
        ),
        ("GET", "/sse?events=3", ""),
        ("GET", "/gzip", ""),
        ("POST", "/echo?a=1", "form=x&b=2"),
        ("GET", "/status/503", ""),
    ] {
        let response = client
            .request(method.parse().unwrap(), upstream.url(target))
            .body(body)
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap();
    }
    drop((client, reel));
    assert!(path.with_extension("yaml.provenance").exists());
    assert!(path.with_extension("yaml.timing").exists());
    let text = std::fs::read_to_string(&path).unwrap();
    let cassette: GoCassette = serde_yaml::from_str(&text)
        .unwrap_or_else(|err| panic!("a Go-shaped reader refuses it: {err}\n{text}"));
    assert_eq!(cassette.version, 2);
    assert_eq!(cassette.interactions.len(), 5);
    for (i, interaction) in cassette.interactions.iter().enumerate() {
        assert_eq!(interaction.id, i as i64);
        assert!(
            interaction.response.duration.ends_with('s'),
            "{}",
            interaction.response.duration
        );
    }
}

/// A WebSocket session is an ordinary interaction to Go: a `101` response
/// whose body is the transcript. Every kind of line, a JSON event, binary
/// audio, a text with line breaks and a close frame, loads in the Go-shaped
/// reader and re-saves byte for byte.
#[test]
fn a_websocket_session_loads_in_a_strict_go_shaped_reader_and_re_saves_byte_for_byte() {
    use reel_cassette::websocket::{Direction, Frame, Message, Transcript};
    use reel_cassette::{Cassette, Interaction, Request, Response};

    let message = |direction, frame| Message { direction, frame };
    let transcript = Transcript {
        messages: vec![
            message(
                Direction::Server,
                Frame::Text(r#"{"type":"session.created","event_id":"ev_1"}"#.into()),
            ),
            message(
                Direction::Client,
                Frame::Text(r#"{"type":"session.update","session":{"voice":"alloy"}}"#.into()),
            ),
            message(
                Direction::Client,
                Frame::Binary((0..64).map(|i| (i * 7) as u8).collect()),
            ),
            message(Direction::Server, Frame::Text("two\nlines".into())),
            message(Direction::Client, Frame::Text(String::new())),
            message(Direction::Server, Frame::Close(Some((1000, "done".into())))),
        ],
    };
    let mut response = Response::new(101).with_body(transcript.to_text());
    response.status = "101 Switching Protocols".into();
    let mut cassette = Cassette::new();
    cassette.interactions.push(Interaction::new(
        Request::new("GET", "wss://api.openai.com/v1/realtime?model=gpt-realtime")
            .with_header("Openai-Beta", "realtime=v1"),
        response,
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.yaml");
    cassette.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let go: GoCassette = serde_yaml::from_str(&text)
        .unwrap_or_else(|err| panic!("a Go-shaped reader refuses it: {err}\n{text}"));
    assert_eq!(go.interactions[0].response.code, 101);
    assert_eq!(go.interactions[0].response.body, transcript.to_text());
    let loaded = Cassette::load(&path).unwrap();
    assert_eq!(loaded.to_yaml(), text, "re-saved byte for byte");
    let body = &loaded.interactions[0].response.body;
    assert_eq!(Transcript::parse(body).unwrap(), transcript);
}
