//! Multipart uploads through the server: each file replays its own response,
//! whatever the boundary the client picks and in whichever order they come.

use reel::cassette::{Interaction, Request, Response};
use reel_server::ReelServer;
use reel_tests::reran_without_reel_env;

use crate::support::cassette;

const BOUNDARY: &str = "recorded-boundary-1234";

/// A transcription upload as recorded: a model field and an audio file.
fn upload(audio: &[u8], answer: &str) -> Interaction {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n\
             --{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\
             content-type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(audio);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Interaction::new(
        Request::new("POST", "https://api.openai.com/v1/audio/transcriptions")
            .with_header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .with_body(body),
        Response::new(200)
            .with_header("Content-Type", "application/json")
            .with_body(answer.to_owned()),
    )
}

async fn send(base: &str, audio: &'static [u8]) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("model", "whisper-1")
        .part(
            "file",
            reqwest::multipart::Part::bytes(audio)
                .file_name("a.wav")
                .mime_str("audio/wav")
                .unwrap(),
        );
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/audio/transcriptions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn two_files_to_one_url_replay_each_its_own_response_in_either_order() {
    if reran_without_reel_env() {
        return;
    }
    const ONE: &[u8] = b"RIFF\x00\x01\xff\xfeone";
    const TWO: &[u8] = b"RIFF\x00\x01\xff\xfetwo";
    let file = cassette(vec![
        upload(ONE, r#"{"text":"one"}"#),
        upload(TWO, r#"{"text":"two"}"#),
    ]);
    for order in [[TWO, ONE], [ONE, TWO]] {
        let server = ReelServer::builder()
            .mode(reel::Mode::None)
            .on_exchange(|_| {})
            .start(&file.path)
            .await
            .unwrap();
        for audio in order {
            let expected = if audio == ONE { "one" } else { "two" };
            assert_eq!(
                send(server.base_url(), audio).await,
                (200, format!(r#"{{"text":"{expected}"}}"#))
            );
        }
        assert!(server.unplayed().is_empty());
    }
}
