//! Tests that tell the truth: unplayed interactions fail, a failed test writes
//! nothing, `all` replaces a cassette once per run across processes,
//! `drop_unused` prunes, and the decisions are traceable.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use reel::cassette::{Cassette, Interaction, Request, Response};
use reel::{Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{cassette, child_process, client, post, seed, seed_path, started_as_child};

const URL: &str = "https://api.openai.com/v1/chat/completions";

/// Runs `test` on a thread of its own with a runtime, as a test body; the text
/// of its panic, if it panicked.
fn panic_text(test: impl FnOnce(tokio::runtime::Runtime) + Send + 'static) -> Option<String> {
    let joined = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        test(runtime);
    })
    .join();
    joined.err().map(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

/// Replays the seed's first `n` requests with `expect_all_played`.
fn replay_first(n: usize) -> Option<String> {
    panic_text(move |runtime| {
        let reel = Reel::builder()
            .mode(Mode::None)
            .expect_all_played()
            .record_command(|mode| format!("REEL_RECORD={mode} ./record-the-seed"))
            .open(seed_path())
            .unwrap();
        let client = client(reel);
        runtime.block_on(async {
            for interaction in seed().interactions.iter().take(n) {
                let response = client
                    .post(URL)
                    .body(interaction.request.body.clone())
                    .send()
                    .await
                    .unwrap();
                response.bytes().await.unwrap();
            }
        });
        // The end of the test: the last handle drops here.
    })
}

#[test]
fn a_replay_that_plays_one_of_two_interactions_fails_at_drop_with_the_report() {
    if reran_without_reel_env() {
        return;
    }
    let text = replay_first(1).expect("the test fails");
    let text = text.replace(&seed_path().display().to_string(), "<cassette>");
    assert_eq!(
        text,
        "reel: 1 of 2 recorded interactions was not replayed, and this test expects every one \
         to be (expect_all_played)
  cassette: <cassette>
  mode:     none (replay only; no request reaches the network)

not replayed:
  #1 POST https://api.openai.com/v1/chat/completions (JSON body, 1284 bytes): messages[4] {\"content\":\"6\",\"role\":\"tool\",\"tool_call_id\":\"cal...

the code made fewer requests than were recorded; if that is what it should do now, \
re-record this cassette: REEL_RECORD=all ./record-the-seed"
    );
    assert_eq!(replay_first(2), None, "playing both passes");
}

#[test]
fn assert_all_played_checks_at_any_moment_and_unplayed_is_no_failure_by_default() {
    if reran_without_reel_env() {
        return;
    }
    let text = panic_text(|_| Reel::replay(seed_path()).unwrap().assert_all_played());
    assert!(text
        .unwrap()
        .starts_with("reel: 2 of 2 recorded interactions were not replayed"));
    // Without expect_all_played, an unplayed interaction fails nothing.
    assert_eq!(
        panic_text(|_| drop(Reel::replay(seed_path()).unwrap())),
        None
    );
}

/// Re-records `path` from the upstream's `/json` with `configure`, then panics
/// as a failing test does.
fn rerecord_then_panic(
    path: std::path::PathBuf,
    base: String,
    configure: fn(reel::ReelBuilder) -> reel::ReelBuilder,
) -> Option<String> {
    panic_text(move |runtime| {
        let reel = configure(Reel::builder().mode(Mode::All))
            .open(&path)
            .unwrap();
        let client = client(reel);
        runtime.block_on(async {
            let response = client.get(format!("{base}/json")).send().await.unwrap();
            response.bytes().await.unwrap();
        });
        panic!("the model answered something else this time");
    })
}

#[tokio::test]
async fn a_panic_while_re_recording_leaves_the_old_cassette_byte_for_byte() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = cassette(vec![post(URL, "{}", "old answer")]);
    let before = std::fs::read(&file.path).unwrap();
    let path = file.path.clone();
    let base = upstream.url("");
    let panicked = tokio::task::spawn_blocking(move || rerecord_then_panic(path, base, |b| b))
        .await
        .unwrap();
    assert_eq!(
        panicked.as_deref(),
        Some("the model answered something else this time")
    );
    assert_eq!(upstream.requests().len(), 1, "the request was recorded...");
    assert_eq!(
        std::fs::read(&file.path).unwrap(),
        before,
        "...and not written: the cassette is byte for byte the old one"
    );

    // record_on_error(true) keeps what the failing test recorded.
    let path = file.path.clone();
    let base = upstream.url("");
    tokio::task::spawn_blocking(move || {
        rerecord_then_panic(path, base, |b| b.record_on_error(true))
    })
    .await
    .unwrap();
    let kept = Cassette::load(&file.path).unwrap();
    assert_eq!(kept.interactions.len(), 1);
    assert!(kept.interactions[0].request.url.ends_with("/json"));
}

/// Child of `four_processes_re_recording_one_cassette_end_with_all_and_only_theirs`:
/// records 10 requests in mode `all`. Returns at once unless started as a child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by four_processes_re_recording_one_cassette_end_with_all_and_only_theirs"]
async fn child_re_records_10_requests() {
    if !started_as_child() {
        return;
    }
    let (Ok(path), Ok(base), Ok(p)) = (
        std::env::var("REEL_TEST_CASSETTE"),
        std::env::var("REEL_TEST_URL"),
        std::env::var("REEL_TEST_CHILD"),
    ) else {
        return;
    };
    let client = client(Reel::builder().mode(Mode::All).open(&path).unwrap());
    for i in 0..10 {
        let response = client
            .get(format!("{base}/json?p={p}&i={i}"))
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap();
    }
}

#[tokio::test]
async fn four_processes_re_recording_one_cassette_end_with_all_and_only_theirs() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let file = cassette(vec![post(URL, "{}", "old"), post(URL, "[]", "older")]);
    let base = upstream.url("");
    let children: Vec<_> = (0..4)
        .map(|p| {
            child_process("truth::child_re_records_10_requests")
                // One run: the four processes share its id, as nextest's do.
                .env("REEL_RUN_ID", "four-processes")
                .env("REEL_TEST_CASSETTE", &file.path)
                .env("REEL_TEST_URL", &base)
                .env("REEL_TEST_CHILD", p.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for output in &outputs {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let recorded = Cassette::load(&file.path).unwrap();
    let urls: BTreeSet<String> = recorded
        .interactions
        .iter()
        .map(|i| i.request.url.clone())
        .collect();
    assert_eq!(recorded.interactions.len(), 40, "every process's requests");
    assert_eq!(urls.len(), 40);
    assert!(
        urls.iter().all(|url| url.contains("/json?p=")),
        "none of the old interactions: {urls:?}"
    );
}

#[tokio::test]
async fn drop_unused_prunes_what_new_episodes_did_not_play() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let kept_url = upstream.url("/json?kept");
    let file = cassette(vec![
        Interaction::new(
            Request::new("GET", &kept_url),
            Response::new(200).with_body("kept".to_owned()),
        ),
        post(URL, "{}", "stale"),
    ]);
    {
        let client = client(
            Reel::builder()
                .mode(Mode::NewEpisodes)
                .drop_unused()
                .open(&file.path)
                .unwrap(),
        );
        // Replays the first, records a new one, never asks for the stale one.
        let replayed = client.get(&kept_url).send().await.unwrap();
        assert_eq!(replayed.text().await.unwrap(), "kept");
        let recorded = client.get(upstream.url("/json?new")).send().await.unwrap();
        recorded.bytes().await.unwrap();
    }
    let urls: Vec<String> = Cassette::load(&file.path)
        .unwrap()
        .interactions
        .into_iter()
        .map(|i| i.request.url)
        .collect();
    assert_eq!(urls, [kept_url, upstream.url("/json?new")]);
}

/// A writer that keeps what the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_tracing_subscriber_sees_every_decision_with_the_cassette() {
    if reran_without_reel_env() {
        return;
    }
    // In a process of its own: a tracing callsite first reached on another test's
    // thread, before this test's subscriber existed, may keep a cached "not
    // interested" (tracing's scoped subscribers are per thread).
    let output = child_process("truth::child_traces").output().unwrap();
    assert!(
        output.status.success() && String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Child of `a_tracing_subscriber_sees_every_decision_with_the_cassette`.
#[tokio::test]
#[ignore = "run by a_tracing_subscriber_sees_every_decision_with_the_cassette"]
async fn child_traces() {
    if !started_as_child() {
        return;
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let upstream = Upstream::start().await;
    let file = cassette(vec![post(URL, r#"{"a":1}"#, "one")]);
    let reel = Reel::builder()
        .mode(Mode::NewEpisodes)
        .open(&file.path)
        .unwrap();
    let client = client(reel.clone());
    let replayed = client.post(URL).body(r#"{"a":1}"#).send().await.unwrap();
    replayed.bytes().await.unwrap();
    let recorded = client.get(upstream.url("/json")).send().await.unwrap();
    recorded.bytes().await.unwrap();
    reel.flush().unwrap();
    assert_eq!(Cassette::load(&file.path).unwrap().interactions.len(), 2);
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let cassette = file.path.display().to_string();
    for expected in [
        format!("cassette opened cassette={cassette} mode=new_episodes behaviour=ReplayOrRecord interactions=1"),
        format!("reel{{cassette={cassette}}}: reel: replayed method=POST url={URL} interaction=0 matched_by=\"exact text\""),
        format!("reel{{cassette={cassette}}}: reel: recording method=GET url={}", upstream.url("/json")),
        format!("reel: saved cassette={cassette} interactions=1"),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
}

/// The README's recipe for seeing reel's decisions, as the README writes it.
const README_RECIPE: &str = "let _ = tracing_subscriber::fmt()
    .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
    .with_test_writer()
    .try_init();";

#[test]
fn the_readme_tracing_recipe_prints_every_decision_and_misses_as_warnings() {
    if reran_without_reel_env() {
        return;
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    // Compared line by line without indentation (the README's sits in a list).
    let unindented = |text: &str| text.lines().map(str::trim).collect::<Vec<_>>().join("\n");
    assert!(
        unindented(&readme).contains(&unindented(README_RECIPE)),
        "the README's recipe is not the one this test runs:\n{README_RECIPE}"
    );
    let run = |filter: &str| {
        let output = child_process("truth::child_readme_recipe")
            .env("RUST_LOG", filter)
            .env("NO_COLOR", "1")
            .arg("--nocapture")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    // `RUST_LOG=reel=debug cargo test`: every decision.
    let debug = run("reel=debug");
    for expected in [
        "DEBUG",
        "cassette opened",
        "reel: replayed",
        "WARN",
        "no match",
    ] {
        assert!(
            debug.contains(expected),
            "missing {expected:?} in:\n{debug}"
        );
    }
    // `RUST_LOG=reel=warn cargo test`: the misses alone.
    let warn = run("reel=warn");
    assert!(warn.contains("WARN") && warn.contains("no match"), "{warn}");
    assert!(
        warn.contains("cassette="),
        "a miss names its cassette: {warn}"
    );
    assert!(!warn.contains("reel: replayed"), "{warn}");
}

/// Child of `the_readme_tracing_recipe_prints_every_decision_and_misses_as_warnings`.
#[tokio::test]
#[ignore = "run by the_readme_tracing_recipe_prints_every_decision_and_misses_as_warnings"]
async fn child_readme_recipe() {
    if !started_as_child() {
        return;
    }
    // The README's recipe, word for word (the parent checks the README holds it).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let file = cassette(vec![post(URL, r#"{"a":1}"#, "one")]);
    let client = client(Reel::replay(&file.path).unwrap());
    let replayed = client.post(URL).body(r#"{"a":1}"#).send().await.unwrap();
    assert_eq!(replayed.status(), 200);
    client
        .post(URL)
        .body(r#"{"a":2}"#)
        .send()
        .await
        .unwrap_err();
}

#[test]
fn a_save_that_fails_where_another_thread_drops_the_last_handle_fails_the_run() {
    if reran_without_reel_env() {
        return;
    }
    let output = child_process("truth::child_save_fails_off_the_test_thread")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The test did not pass silently: the process failed, naming the cassette,
    // the cause, and why it exited.
    assert_eq!(output.status.code(), Some(101), "{stderr}");
    assert!(
        stderr.contains("recordings could not be saved")
            && stderr.contains("not-a-directory/cassette.yaml")
            && stderr.contains("on another thread than the test's"),
        "{stderr}"
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("1 passed"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Child of `a_save_that_fails_where_another_thread_drops_the_last_handle_fails_the_run`.
#[test]
#[ignore = "run by a_save_that_fails_where_another_thread_drops_the_last_handle_fails_the_run"]
fn child_save_fails_off_the_test_thread() {
    if !started_as_child() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("not-a-directory");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("cassette.yaml");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = runtime.block_on(async {
        let upstream = Upstream::start().await;
        let client = client(Reel::builder().mode(Mode::All).open(&path).unwrap());
        let response = client.get(upstream.url("/json")).send().await.unwrap();
        response.bytes().await.unwrap();
        std::mem::forget(upstream);
        client
    });
    // The cassette's directory becomes a file: the save at the end cannot succeed.
    std::fs::remove_dir(&folder).unwrap();
    std::fs::write(&folder, "").unwrap();
    // The last handle goes to another thread, as a runtime worker holds it.
    std::thread::spawn(move || drop(client)).join().ok();
}
