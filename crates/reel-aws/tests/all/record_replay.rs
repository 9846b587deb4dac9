//! Converse and ConverseStream: recorded from the local stand-in through the SDK,
//! then replayed in mode `none` with other credentials and no upstream.

use std::time::{Duration, Instant};

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, Message,
};
use aws_smithy_types::error::display::DisplayErrorContext;
use reel::{Delay, Mode, Reel};
use reel_aws::ReelHttpClient;

use crate::upstream::{Bedrock, CONVERSE_TEXT, FRAME_GAP, STREAM_TEXT};
use crate::{bedrock, fake_credentials, MODEL};

const RECORD_KEY: &str = "AKIDRECORDEXAMPLE01";
const RECORD_SECRET: &str = "recordsecretrecordsecretrecordsecret0001";
const RECORD_TOKEN: &str = "recordsessiontoken0001";

fn question() -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Say hi in Portuguese".into()))
        .build()
        .unwrap()
}

/// What a cassette must not hold: the signature, its date, the credentials, the
/// SDK's per-call headers.
fn assert_no_credentials(cassette: &str) {
    for needle in [
        "AWS4-HMAC-SHA256",
        "Signature=",
        "Credential=",
        "X-Amz-Date",
        "x-amz-date",
        "X-Amz-Security-Token",
        "x-amz-security-token",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "x-amz-user-agent",
        "aws-sdk-rust",
        "User-Agent",
        "Authorization",
        "authorization",
        RECORD_KEY,
        RECORD_SECRET,
        RECORD_TOKEN,
    ] {
        assert!(
            !cassette.contains(needle),
            "the cassette holds {needle:?}:\n{cassette}"
        );
    }
}

/// The stand-in saw the signed request: reel took the signing headers off only
/// for itself.
fn assert_signed(upstream: &Bedrock) {
    for seen in upstream.seen() {
        let authorization = seen.header("authorization").unwrap_or_default();
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDRECORDEXAMPLE01/"),
            "{seen:?}"
        );
        assert!(seen.header("x-amz-date").is_some(), "{seen:?}");
        assert_eq!(seen.header("x-amz-security-token"), Some(RECORD_TOKEN));
    }
}

fn recorder(reel: &Reel) -> ReelHttpClient {
    ReelHttpClient::new(
        reel.clone(),
        aws_smithy_http_client::Builder::new().build_http(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converse() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("converse.yaml");
    let upstream = Bedrock::start().await;
    let endpoint = upstream.endpoint();

    let reel = Reel::builder().mode(Mode::Once).open(&path).unwrap();
    let client = bedrock(
        recorder(&reel),
        fake_credentials(RECORD_KEY, RECORD_SECRET, RECORD_TOKEN),
        Some(&endpoint),
    );
    let recorded = client
        .converse()
        .model_id(MODEL)
        .messages(question())
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    assert_eq!(answer_text(&recorded), CONVERSE_TEXT);
    drop(client);
    reel.settle().await.unwrap();
    drop(reel);
    assert_eq!(upstream.seen().len(), 1);
    assert!(upstream.seen()[0]
        .path
        .ends_with("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse"));
    assert_signed(&upstream);
    drop(upstream);

    let cassette = std::fs::read_to_string(&path).unwrap();
    assert_no_credentials(&cassette);
    assert!(cassette.contains("/converse"), "{cassette}");

    // Replay: other credentials, nothing listening, mode `none`.
    let reel = Reel::builder().mode(Mode::None).open(&path).unwrap();
    let client = bedrock(
        ReelHttpClient::replay_only(reel.clone()),
        fake_credentials("AKIDREPLAYEXAMPLE02", "replaysecret", "replaytoken"),
        Some(&endpoint),
    );
    let replayed = client
        .converse()
        .model_id(MODEL)
        .messages(question())
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    assert_eq!(answer_text(&replayed), CONVERSE_TEXT);
    assert_eq!(replayed.usage().unwrap().output_tokens(), 9);
    assert!(reel.unplayed().is_empty());

    // `ignore_host`: the recording of the local stand-in answers the SDK's own
    // regional endpoint, https://bedrock-runtime.us-east-1.amazonaws.com.
    let aws = Reel::builder()
        .mode(Mode::None)
        .ignore_host()
        .open(&path)
        .unwrap();
    let regional = bedrock(
        ReelHttpClient::replay_only(aws.clone()),
        fake_credentials("AKIDREPLAYEXAMPLE02", "replaysecret", "replaytoken"),
        None,
    );
    let replayed = regional
        .converse()
        .model_id(MODEL)
        .messages(question())
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    assert_eq!(answer_text(&replayed), CONVERSE_TEXT);

    // Another question is a miss, with reel's report, and is not retried.
    let other = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Say hi in French".into()))
        .build()
        .unwrap();
    let err = client
        .converse()
        .model_id(MODEL)
        .messages(other)
        .send()
        .await
        .unwrap_err();
    // The report prints once, with its line breaks, whichever way the error is
    // printed: the SDK's DisplayErrorContext, or `{:?}` (a test returning it with `?`).
    let report_start = "reel: no recorded interaction matches POST ";
    let closest = "\nclosest recorded interaction: #0 POST ";
    for text in [DisplayErrorContext(&err).to_string(), format!("{err:?}")] {
        assert_eq!(text.matches(closest).count(), 1, "{text}");
        assert!(text.contains(report_start), "{text}");
        assert!(text.contains("Say hi in French"), "{text}");
        assert!(!text.contains("\\n"), "escaped line breaks:\n{text}");
        // A replay-only client cannot re-record: the report says so instead of
        // giving a command that would fail again.
        assert!(
            text.contains(
                "this client cannot re-record the cassette: it was built with \
                 ReelHttpClient::replay_only"
            ),
            "{text}"
        );
        assert!(!text.contains("to re-record this cassette, run:"), "{text}");
    }
    // The source is reel's error, for code that looks.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut found = None;
    while let Some(err) = source {
        if let Some(miss) = err.downcast_ref::<reel_aws::Miss>() {
            found = Some(miss.reel_error());
        }
        source = err.source();
    }
    assert!(matches!(found, Some(reel::Error::NoMatch(_))), "{err:?}");
}

/// `keep_all_headers` keeps every header reel sees, and reel never sees the
/// signing headers: the cassette still holds no credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_all_headers_still_records_no_credentials() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all_headers.yaml");
    let upstream = Bedrock::start().await;
    let reel = Reel::builder()
        .mode(Mode::Once)
        .keep_all_headers()
        .match_header("authorization")
        .open(&path)
        .unwrap();
    let client = bedrock(
        recorder(&reel),
        fake_credentials(RECORD_KEY, RECORD_SECRET, RECORD_TOKEN),
        Some(&upstream.endpoint()),
    );
    client
        .converse()
        .model_id(MODEL)
        .messages(question())
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    drop(client);
    reel.settle().await.unwrap();
    drop(reel);
    assert_signed(&upstream);
    let cassette = std::fs::read_to_string(&path).unwrap();
    assert_no_credentials(&cassette);
    assert!(cassette.contains("X-Amzn-Requestid"), "{cassette}");

    // `match_header("authorization")`: absent on both sides, so it matches.
    let reel = Reel::builder()
        .mode(Mode::None)
        .match_header("authorization")
        .open(&path)
        .unwrap();
    let client = bedrock(
        ReelHttpClient::replay_only(reel.clone()),
        fake_credentials("AKIDREPLAYEXAMPLE02", "replaysecret", "replaytoken"),
        Some(&upstream.endpoint()),
    );
    let replayed = client
        .converse()
        .model_id(MODEL)
        .messages(question())
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    assert_eq!(answer_text(&replayed), CONVERSE_TEXT);
    assert_eq!(upstream.seen().len(), 1);
}

fn answer_text(output: &aws_sdk_bedrockruntime::operation::converse::ConverseOutput) -> String {
    let message = output.output().unwrap().as_message().unwrap();
    message
        .content()
        .iter()
        .filter_map(|block| block.as_text().ok())
        .cloned()
        .collect()
}

/// The text deltas of a ConverseStream, and when each event arrived after the
/// call returned.
async fn read_stream(
    client: &aws_sdk_bedrockruntime::Client,
) -> (Vec<String>, Vec<&'static str>, Vec<Duration>) {
    let mut output = client
        .converse_stream()
        .model_id(MODEL)
        .messages(question())
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap();
    let start = Instant::now();
    let (mut texts, mut kinds, mut times) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(event) = output
        .stream
        .recv()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())
        .unwrap()
    {
        times.push(start.elapsed());
        kinds.push(match event {
            ConverseStreamOutput::MessageStart(_) => "messageStart",
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                if let Some(text) = delta.delta().and_then(|d| d.as_text().ok()) {
                    texts.push(text.clone());
                }
                "contentBlockDelta"
            }
            ConverseStreamOutput::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamOutput::MessageStop(_) => "messageStop",
            ConverseStreamOutput::Metadata(_) => "metadata",
            _ => "other",
        });
    }
    (texts, kinds, times)
}

const STREAM_KINDS: [&str; 7] = [
    "messageStart",
    "contentBlockDelta",
    "contentBlockDelta",
    "contentBlockDelta",
    "contentBlockStop",
    "messageStop",
    "metadata",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converse_stream() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("converse_stream.yaml");
    let upstream = Bedrock::start().await;
    let endpoint = upstream.endpoint();

    // Record: the SDK decodes each event as its frame arrives.
    let reel = Reel::builder().mode(Mode::Once).open(&path).unwrap();
    let client = bedrock(
        recorder(&reel),
        fake_credentials(RECORD_KEY, RECORD_SECRET, RECORD_TOKEN),
        Some(&endpoint),
    );
    let (texts, kinds, times) = read_stream(&client).await;
    assert_eq!(texts, STREAM_TEXT);
    assert_eq!(kinds, STREAM_KINDS);
    // Six gaps of 40 ms upstream: the first event came well before the last.
    let spread = times[times.len() - 1] - times[0];
    assert!(
        spread >= FRAME_GAP * 3,
        "events arrived together: {times:?}"
    );
    drop(client);
    reel.settle().await.unwrap();
    drop(reel);
    assert_signed(&upstream);
    drop(upstream);

    let cassette = std::fs::read_to_string(&path).unwrap();
    assert_no_credentials(&cassette);
    assert!(
        cassette.contains("application/vnd.amazon.eventstream"),
        "{cassette}"
    );
    assert!(cassette.contains("!!binary"), "{cassette}");

    // Replay, one frame per chunk, 30 ms apart: the SDK yields each event as its
    // frame arrives, so the events are spread too.
    let gap = Duration::from_millis(30);
    let reel = Reel::builder()
        .mode(Mode::None)
        .event_delay(Delay::Fixed(gap))
        .open(&path)
        .unwrap();
    let client = bedrock(
        ReelHttpClient::replay_only(reel.clone()),
        fake_credentials("AKIDREPLAYEXAMPLE02", "replaysecret", "replaytoken"),
        Some(&endpoint),
    );
    let (texts, kinds, times) = read_stream(&client).await;
    assert_eq!(texts, STREAM_TEXT);
    assert_eq!(kinds, STREAM_KINDS);
    let spread = times[times.len() - 1] - times[0];
    assert!(spread >= gap * 5, "events arrived together: {times:?}");
    assert!(reel.unplayed().is_empty());
}
