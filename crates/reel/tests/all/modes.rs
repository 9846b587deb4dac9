//! Every mode with a missing, a matching and a non-matching cassette, and
//! `REEL_RECORD` overriding the mode set in code (in a child process, since the
//! environment is shared by the tests of one process).

use std::path::Path;

use reel::cassette::Cassette;
use reel::{Mode, Reel};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{child_process, client, error_text, started_as_child};

/// What happened to one request.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// `Ok(body)` or `Err(first line of the error)`.
    answer: Result<String, String>,
    /// Requests that reached the upstream.
    upstream_hits: usize,
    /// The cassette's interactions afterwards (`None`: no file).
    urls_in_file: Option<Vec<String>>,
}

enum Start {
    Missing,
    Matching,
    NotMatching,
}

async fn run(mode: Mode, start: Start) -> Outcome {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    let live_url = upstream.url("/json?q=live");
    let recorded_url = match start {
        Start::Missing => None,
        Start::Matching => Some(live_url.clone()),
        Start::NotMatching => Some(upstream.url("/json?q=other")),
    };
    if let Some(url) = recorded_url {
        let mut cassette = Cassette::new();
        let mut interaction = crate::support::post(&url, "", "from cassette");
        interaction.request.method = "GET".into();
        cassette.interactions.push(interaction);
        cassette.save(&path).unwrap();
    }
    let answer = match Reel::builder().mode(mode).open(&path) {
        Err(err) => Err(first_line(&err.to_string())),
        Ok(reel) => match client(reel).get(&live_url).send().await {
            Ok(response) => Ok(response.text().await.unwrap()),
            Err(err) => Err(first_line(&error_text(err))),
        },
    };
    let urls_in_file = Cassette::load(&path).ok().map(|c| {
        c.interactions
            .iter()
            .map(|i| i.request.url.rsplit('?').next().unwrap().to_owned())
            .collect()
    });
    Outcome {
        answer,
        upstream_hits: upstream.requests().len(),
        urls_in_file,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").chars().take(60).collect()
}

fn ok(body: &str, hits: usize, file: Option<&[&str]>) -> Outcome {
    Outcome {
        answer: Ok(body.to_owned()),
        upstream_hits: hits,
        urls_in_file: file.map(|f| f.iter().map(|s| (*s).to_owned()).collect()),
    }
}

const LIVE: &str = r#"{"ok":true}"#;
const TAPE: &str = "from cassette";

#[tokio::test]
async fn none_replays_and_never_records() {
    if reran_without_reel_env() {
        return;
    }
    let missing = run(Mode::None, Start::Missing).await;
    assert!(
        missing.answer.unwrap_err().starts_with("cassette "),
        "a missing cassette is an error"
    );
    assert_eq!((missing.upstream_hits, missing.urls_in_file), (0, None));
    assert_eq!(
        run(Mode::None, Start::Matching).await,
        ok(TAPE, 0, Some(&["q=live"]))
    );
    let other = run(Mode::None, Start::NotMatching).await;
    assert!(other
        .answer
        .unwrap_err()
        .starts_with("reel: no recorded interaction matches"));
    assert_eq!(
        (other.upstream_hits, other.urls_in_file),
        (0, Some(vec!["q=other".to_owned()]))
    );
}

#[tokio::test]
async fn once_records_a_missing_cassette_and_otherwise_only_replays() {
    if reran_without_reel_env() {
        return;
    }
    assert_eq!(
        run(Mode::Once, Start::Missing).await,
        ok(LIVE, 1, Some(&["q=live"]))
    );
    assert_eq!(
        run(Mode::Once, Start::Matching).await,
        ok(TAPE, 0, Some(&["q=live"]))
    );
    let other = run(Mode::Once, Start::NotMatching).await;
    assert!(other
        .answer
        .unwrap_err()
        .starts_with("reel: no recorded interaction matches"));
    assert_eq!(
        (other.upstream_hits, other.urls_in_file),
        (0, Some(vec!["q=other".to_owned()]))
    );
}

#[tokio::test]
async fn new_episodes_replays_what_matches_and_appends_the_rest() {
    if reran_without_reel_env() {
        return;
    }
    assert_eq!(
        run(Mode::NewEpisodes, Start::Missing).await,
        ok(LIVE, 1, Some(&["q=live"]))
    );
    assert_eq!(
        run(Mode::NewEpisodes, Start::Matching).await,
        ok(TAPE, 0, Some(&["q=live"]))
    );
    assert_eq!(
        run(Mode::NewEpisodes, Start::NotMatching).await,
        ok(LIVE, 1, Some(&["q=other", "q=live"]))
    );
}

#[tokio::test]
async fn all_re_records_from_an_empty_cassette() {
    if reran_without_reel_env() {
        return;
    }
    assert_eq!(
        run(Mode::All, Start::Missing).await,
        ok(LIVE, 1, Some(&["q=live"]))
    );
    assert_eq!(
        run(Mode::All, Start::Matching).await,
        ok(LIVE, 1, Some(&["q=live"]))
    );
    assert_eq!(
        run(Mode::All, Start::NotMatching).await,
        ok(LIVE, 1, Some(&["q=live"]))
    );
}

#[tokio::test]
async fn passthrough_uses_the_network_and_leaves_the_cassette_untouched() {
    if reran_without_reel_env() {
        return;
    }
    assert_eq!(
        run(Mode::Passthrough, Start::Missing).await,
        ok(LIVE, 1, None)
    );
    assert_eq!(
        run(Mode::Passthrough, Start::Matching).await,
        ok(LIVE, 1, Some(&["q=live"]))
    );
    assert_eq!(
        run(Mode::Passthrough, Start::NotMatching).await,
        ok(LIVE, 1, Some(&["q=other"]))
    );
}

/// Runs `child` (an ignored test of this binary) with `env` and none of the
/// other variables reel reads, returning its output.
fn run_child(child: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = child_process(child);
    command.arg("--nocapture");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// Child: opens the cassette named by `REEL_TEST_CASSETTE` the way `REEL_TEST_OPEN`
/// says (`replay`: replay-only in code; `default`: no mode in code) and requests
/// `REEL_TEST_URL`; prints `answer: ...` or `error: ...`. Returns at once unless
/// started as a child.
#[tokio::test]
#[ignore = "run by the mode tests in a child process"]
async fn child_requests_once() {
    if !started_as_child() {
        return;
    }
    let path = std::env::var("REEL_TEST_CASSETTE").unwrap();
    let url = std::env::var("REEL_TEST_URL").unwrap();
    let reel = match std::env::var("REEL_TEST_OPEN").as_deref() {
        Ok("replay") => Reel::replay(&path),
        _ => Reel::new(&path),
    };
    match reel {
        Err(err) => println!("error: {err}"),
        Ok(reel) => match client(reel).get(&url).send().await {
            Ok(response) => println!("answer: {}", response.text().await.unwrap()),
            Err(err) => println!("error: {}", error_text(err)),
        },
    }
}

async fn child_outcome(open: &str, env: &[(&str, &str)]) -> (String, usize, bool) {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    let url = upstream.url("/json");
    let mut all_env = vec![
        ("REEL_TEST_CASSETTE", path.to_str().unwrap()),
        ("REEL_TEST_URL", url.as_str()),
        ("REEL_TEST_OPEN", open),
    ];
    all_env.extend_from_slice(env);
    let output = tokio::task::spawn_blocking({
        let all_env: Vec<(String, String)> = all_env
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        move || {
            let env: Vec<(&str, &str)> = all_env
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            run_child("modes::child_requests_once", &env)
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // libtest prints `test NAME ... ` before the child's own line.
    let line = stdout
        .lines()
        .find_map(|l| {
            l.find("answer: ")
                .or_else(|| l.find("error: "))
                .map(|i| &l[i..])
        })
        .unwrap_or_else(|| {
            panic!(
                "the child printed no outcome:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
        .to_owned();
    (line, upstream.requests().len(), Path::new(&path).exists())
}

#[tokio::test]
async fn reel_record_overrides_the_mode_set_in_code() {
    let (line, hits, saved) = child_outcome("replay", &[("REEL_RECORD", "all")]).await;
    assert_eq!(
        (line.as_str(), hits, saved),
        (r#"answer: {"ok":true}"#, 1, true)
    );
}

#[tokio::test]
async fn an_unknown_reel_record_value_is_an_error_listing_the_modes() {
    let (line, hits, saved) = child_outcome("replay", &[("REEL_RECORD", "everything")]).await;
    assert_eq!(
        line,
        "error: REEL_RECORD=\"everything\" is not understood (accepted values: none, once, \
         new_episodes, all, passthrough; empty means unset)"
    );
    assert_eq!((hits, saved), (0, false));
}

#[tokio::test]
async fn without_a_mode_ci_replays_only_and_a_developer_machine_records_once() {
    let (line, hits, saved) = child_outcome("default", &[("CI", "true")]).await;
    assert!(
        line.starts_with("error: cassette ") && line.contains("mode `none` only replays"),
        "{line}"
    );
    assert_eq!((hits, saved), (0, false));
    for not_ci in [
        ("CI", "false"),
        ("CI", "0"),
        ("CI", ""),
        ("REEL_RECORD", ""),
    ] {
        let (line, hits, saved) = child_outcome("default", &[not_ci]).await;
        assert_eq!(
            (line.as_str(), hits, saved),
            (r#"answer: {"ok":true}"#, 1, true),
            "{not_ci:?}"
        );
    }
    let (line, _, saved) =
        child_outcome("default", &[("CI", "true"), ("REEL_RECORD", "once")]).await;
    assert_eq!(
        (line.as_str(), saved),
        (r#"answer: {"ok":true}"#, true),
        "CI records when asked explicitly"
    );
}
