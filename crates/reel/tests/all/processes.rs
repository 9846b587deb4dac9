//! Several processes recording into one cassette (as cargo nextest runs tests),
//! and a process killed while saving.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use reel::cassette::{Cassette, Interaction, Request, Response};
use reel::{Mode, Reel};
use reel_cassette::__private::{verify_file, write_atomically};
use reel_upstream::Upstream;

use crate::support::{child_process, client, started_as_child};

/// The child helper `name` in a process of its own, with only the variables the
/// test sets: its stderr kept, its stdout dropped.
fn child(name: &str) -> Command {
    let mut command = child_process(name);
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

/// Child: records 25 requests (`p` = `REEL_TEST_CHILD`) into `REEL_TEST_CASSETTE`,
/// five at a time. Returns at once unless started as a child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by four_processes_recording_into_one_cassette_lose_nothing"]
async fn child_records_25_requests() {
    if !started_as_child() {
        return;
    }
    let path = std::env::var("REEL_TEST_CASSETTE").unwrap();
    let base = std::env::var("REEL_TEST_URL").unwrap();
    let p: u32 = std::env::var("REEL_TEST_CHILD").unwrap().parse().unwrap();
    let client = client(Reel::builder().mode(Mode::NewEpisodes).open(&path).unwrap());
    for batch in 0..5 {
        let requests = (0..5).map(|j| {
            let i = batch * 5 + j;
            let client = client.clone();
            let url = format!("{base}/json?p={p}&i={i}");
            async move {
                let body = format!(r#"{{"p":{p},"i":{i}}}"#);
                let response = client.post(url).body(body).send().await.unwrap();
                response.bytes().await.unwrap();
            }
        });
        futures_util::future::join_all(requests).await;
    }
}

#[tokio::test]
async fn four_processes_recording_into_one_cassette_lose_nothing() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.yaml");
    let base = upstream.url("");
    let children: Vec<_> = (0..4)
        .map(|p| {
            child("processes::child_records_25_requests")
                .env("REEL_TEST_CASSETTE", &path)
                .env("REEL_TEST_URL", &base)
                .env("REEL_TEST_CHILD", p.to_string())
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
    assert_eq!(upstream.requests().len(), 100);
    let verified = verify_file(&path).unwrap();
    assert!(verified.difference.is_none() && verified.problems.is_empty());
    let seen: BTreeSet<String> = verified
        .cassette
        .interactions
        .iter()
        .map(|i| i.request.url.rsplit('?').next().unwrap().to_owned())
        .collect();
    assert_eq!(verified.cassette.interactions.len(), 100);
    assert_eq!(seen.len(), 100, "every request recorded once");
    // Each process's interactions keep the order their requests started in.
    for p in 0..4 {
        let mine: Vec<usize> = verified
            .cassette
            .interactions
            .iter()
            .filter_map(|i| {
                let query = i.request.url.rsplit('?').next().unwrap();
                let (pp, ii) = query.split_once('&').unwrap();
                (pp == format!("p={p}")).then(|| ii.trim_start_matches("i=").parse().unwrap())
            })
            .collect();
        let mut batches: Vec<usize> = mine.iter().map(|i| i / 5).collect();
        let sorted = {
            let mut b = batches.clone();
            b.sort();
            b
        };
        assert_eq!(
            batches, sorted,
            "process {p}: batches in start order: {mine:?}"
        );
        batches.dedup();
        assert_eq!(batches.len(), 5);
    }
}

/// Two cassettes of a few megabytes that differ everywhere.
fn big_cassette(tag: &str, count: usize) -> Cassette {
    let mut cassette = Cassette::new();
    for i in 0..count {
        let body = format!(
            "data: {{\"tag\":\"{tag}\",\"i\":{i},\"pad\":\"{}\"}}\n\n",
            "x".repeat(2000)
        )
        .repeat(10);
        cassette.interactions.push(Interaction::new(
            Request::new("POST", format!("https://x/{tag}/{i}"))
                .with_body(format!("{{\"i\":{i}}}")),
            Response::new(200)
                .with_header("Content-Type", "text/event-stream")
                .with_body(body),
        ));
    }
    cassette
}

/// Child: saves the two big cassettes into `REEL_TEST_CASSETTE` in turns, forever,
/// saying `saving` on stdout once it starts. Returns at once unless started as a
/// child (its parent kills it).
#[test]
#[ignore = "run by a_process_killed_while_saving_leaves_the_old_or_the_new_cassette"]
fn child_saves_forever() {
    use std::io::Write as _;
    if !started_as_child() {
        return;
    }
    let path = std::path::PathBuf::from(std::env::var("REEL_TEST_CASSETTE").unwrap());
    let texts = [
        big_cassette("a", 100).to_yaml(),
        big_cassette("b", 100).to_yaml(),
    ];
    println!("saving");
    std::io::stdout().flush().unwrap();
    for turn in 0.. {
        write_atomically(&path, texts[turn % 2].as_bytes()).unwrap();
    }
}

#[test]
fn a_process_killed_while_saving_leaves_the_old_or_the_new_cassette() {
    use std::io::BufRead as _;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.yaml");
    let (a, b) = (big_cassette("a", 100), big_cassette("b", 100));
    a.save(&path).unwrap();
    let (a_text, b_text) = (a.to_yaml(), b.to_yaml());
    assert!(a_text.len() > 2_000_000);
    let mut kills_mid_write = 0;
    for round in 0..12u64 {
        let mut running = child("processes::child_saves_forever")
            .arg("--nocapture")
            .env("REEL_TEST_CASSETTE", &path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // libtest prints its own lines first; wait for the child's.
        let stdout = std::io::BufReader::new(running.stdout.take().unwrap());
        let started = stdout
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("saving"));
        assert!(started, "the child never started saving");
        // Kill at different moments of the save cycle.
        std::thread::sleep(Duration::from_millis(3 + round * 7));
        running.kill().unwrap(); // SIGKILL on Unix: no destructor runs.
        running.wait().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text == a_text || text == b_text,
            "round {round}: a broken cassette of {} bytes",
            text.len()
        );
        assert!(Cassette::load(&path).is_ok());
        // A temporary file left behind means the kill landed mid-write.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let entry = entry.unwrap();
            if entry.path() != path {
                kills_mid_write += 1;
                std::fs::remove_file(entry.path()).unwrap();
            }
        }
    }
    // Some kill must have landed mid-write for the test to prove anything.
    assert!(
        kills_mid_write > 0,
        "no kill landed while a save was being written"
    );
}
