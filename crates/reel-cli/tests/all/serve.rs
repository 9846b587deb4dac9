//! `reel serve`: the first stdout line, replay to a plain client, one stderr line
//! per request, SIGTERM stops with exit code 0; recording through `--upstream`
//! replays with the middleware; bad usage exits 2.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use reel::cassette::Cassette;
use reel_upstream::Upstream;
use reqwest_middleware::ClientBuilder;

use crate::support::{reel, repo_root, SEED};

/// A running `reel serve`.
struct Serve {
    child: Child,
    stdout: BufReader<ChildStdout>,
    base_url: String,
}

impl Serve {
    /// Starts `reel serve ARGS` in `dir` with an empty environment and reads the
    /// first stdout line.
    fn start(args: &[&str], dir: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
            .arg("serve")
            .args(args)
            .current_dir(dir)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("reel runs");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let base_url = first
            .strip_suffix('\n')
            .and_then(|line| line.strip_prefix("listening on "))
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_owned();
        Serve {
            child,
            stdout,
            base_url,
        }
    }

    /// Sends SIGTERM and waits: the exit code, the rest of stdout, all of stderr.
    fn terminate(mut self) -> (i32, String, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let code = self.child.wait().unwrap().code().expect("an exit code");
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (code, rest, stderr)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The log lines without their durations: `... -> 200 (replayed #0)`.
fn requests_logged(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.contains(" -> "))
        .map(|line| {
            let (request, time) = line.rsplit_once(" in ").unwrap();
            let ms = time.strip_suffix(" ms").unwrap();
            assert!(ms.parse::<u64>().is_ok(), "{line}");
            request
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_replays_the_seed_logs_each_request_and_stops_on_sigterm() {
    let serve = Serve::start(&[SEED, "--port", "0"], &repo_root());
    let port = serve
        .base_url
        .strip_prefix("http://127.0.0.1:")
        .expect("on 127.0.0.1");
    assert!(port.parse::<u16>().unwrap() > 0);

    let seed = Cassette::load(repo_root().join(SEED)).unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/v1/chat/completions", serve.base_url);
    let response = client
        .post(&url)
        .header("Content-Type", "application/json")
        .body(seed.interactions[0].request.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream; charset=utf-8"
    );
    let body = response.bytes().await.unwrap();
    assert!(body == seed.interactions[0].response.body);

    let response = client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-reel-error"], "no-match");
    let report = response.text().await.unwrap();
    assert!(
        report.ends_with(&format!(
            "\nto re-record this cassette, run: reel serve {SEED} --mode all --upstream URL\n"
        )),
        "{report}"
    );

    let (code, stdout, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "", "only the first line goes to stdout");
    assert!(
        stderr.starts_with(&format!(
            "reel: serving {SEED} (mode once); Ctrl-C or SIGTERM stops\n"
        )),
        "{stderr}"
    );
    assert_eq!(
        requests_logged(&stderr),
        [
            "POST /v1/chat/completions -> 200 (replayed #0)",
            "POST /v1/chat/completions -> 404 (no match)",
        ]
    );
    assert!(stderr.contains(&report), "the report is logged too");
    assert!(stderr.ends_with("reel: stopping after the responses in flight\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_records_through_an_upstream_and_the_middleware_replays_the_cassette() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let upstream_url = upstream.url("");
    let serve = Serve::start(
        &["rec.yaml", "--mode", "all", "--upstream", &upstream_url],
        dir.path(),
    );
    let client = reqwest::Client::new();
    let requests = [
        ("POST", "/json?x=1", r#"{"a":1}"#),
        ("GET", "/sse?events=3", ""),
    ];
    let mut live = Vec::new();
    for (method, target, body) in requests {
        let response = client
            .request(
                method.parse().unwrap(),
                format!("{}{target}", serve.base_url),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        live.push(response.bytes().await.unwrap());
    }
    let (code, _, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "reel: serving rec.yaml (mode all, upstream {upstream_url}); Ctrl-C or SIGTERM \
             stops\n"
        )),
        "{stderr}"
    );
    assert_eq!(
        requests_logged(&stderr),
        [
            "POST /json?x=1 -> 200 (recorded)",
            "GET /sse?events=3 -> 200 (recorded)",
        ]
    );

    let cassette = dir.path().join("rec.yaml");
    let replaying = ClientBuilder::new(reqwest::Client::new())
        .with(reel::Reel::replay(&cassette).unwrap())
        .build();
    for ((method, target, body), live) in requests.into_iter().zip(live) {
        let response = replaying
            .request(method.parse().unwrap(), upstream.url(target))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.bytes().await.unwrap(), live, "{target}");
    }
    assert_eq!(upstream.requests().len(), 2, "replay sent nothing upstream");
}

#[test]
fn serve_refuses_what_it_cannot_serve_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["missing.yaml", "--mode", "none"],
            "reel: cassette missing.yaml does not exist (looked in ",
        ),
        (
            &["missing.yaml"],
            "reel: mode `once` records the missing cassette missing.yaml, which needs an \
             upstream",
        ),
        (
            &[
                "missing.yaml",
                "--mode",
                "all",
                "--upstream",
                "localhost:8080",
            ],
            "reel: upstream \"localhost:8080\" is not usable: it has no scheme, as in \
             http://localhost:8080",
        ),
        (
            &["missing.yaml", "--mode", "sometimes"],
            "error: invalid value 'sometimes' for '--mode <MODE>'",
        ),
        (
            &[
                "missing.yaml",
                "--host",
                "no such host",
                "--upstream",
                "http://127.0.0.1:1",
            ],
            "reel: --host no such host: not an IP address or a known host name",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let run = reel(&all, dir.path());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with(message), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    assert!(!dir.path().join("missing.yaml").exists());
}
