//! Helpers shared by the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;
use futures_util::StreamExt as _;
use reel::cassette::{Cassette, Interaction, Request, Response};
use reel::Reel;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

/// The seed cassette bundled with the repository.
pub fn seed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/openai/multi_tool_streaming.yaml")
}

/// The seed cassette, loaded.
pub fn seed() -> Cassette {
    Cassette::load(seed_path()).expect("the seed cassette loads")
}

/// A client that replays through `reel`.
pub fn client(reel: Reel) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(reel)
        .build()
}

/// A cassette file in a fresh temporary directory (kept alive by the returned guard).
pub struct TempCassette {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// Writes `interactions` to a cassette file.
pub fn cassette(interactions: Vec<Interaction>) -> TempCassette {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("cassette.yaml");
    let mut cassette = Cassette::new();
    cassette.interactions = interactions;
    cassette.save(&path).expect("the cassette saves");
    TempCassette { _dir: dir, path }
}

/// `POST url` with a body, answered with `200` and `answer` as text.
pub fn post(url: &str, body: &str, answer: &str) -> Interaction {
    Interaction::new(
        Request::new("POST", url).with_body(body.to_owned()),
        Response::new(200)
            .with_header("Content-Type", "text/plain")
            .with_body(answer.to_owned()),
    )
}

/// The body of a response, chunk by chunk as the client received it.
pub async fn chunks(response: reqwest::Response) -> Vec<Bytes> {
    response
        .bytes_stream()
        .map(|chunk| chunk.expect("a replayed body does not fail"))
        .collect()
        .await
}

/// The reel error inside a failed request.
pub fn reel_error(err: reqwest_middleware::Error) -> reel::Error {
    match err {
        reqwest_middleware::Error::Middleware(err) => err
            .downcast::<reel::Error>()
            .expect("the middleware error is reel's"),
        other => panic!("expected reel's error, got {other}"),
    }
}

/// The text a test failure shows for a failed request.
pub fn error_text(err: reqwest_middleware::Error) -> String {
    reel_error(err).to_string()
}

/// Set for the child processes [`child_process`] starts: the child helpers
/// (ignored tests run by other tests) do nothing without it, so that
/// `cargo test -- --include-ignored` passes over them at once.
const CHILD: &str = "REEL_TEST_CHILD_PROCESS";

/// This test binary running only `test`, an ignored child helper, with none of
/// the variables that change what reel does ([`reel_tests::REEL_ENV`]): the child
/// gets the ones its parent sets on the command, and no others.
pub fn child_process(test: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--ignored", "--test-threads=1"])
        .env(CHILD, "1");
    reel_tests::without_reel_env(&mut command);
    command
}

/// Whether this process was started by [`child_process`]; a child helper returns
/// at once when not.
pub fn started_as_child() -> bool {
    std::env::var_os(CHILD).is_some()
}
