//! `reel serve`: the first stdout line, replay to a plain client, one stderr line
//! per request, SIGTERM stops with exit code 0; recording through `--upstream`
//! replays with the middleware; the matching flags (`--ignore-json-field`,
//! `--ignore-query-param`, `--match-header`) change what matches; the limit flags
//! (`--max-body-size`, `--max-headers`, `--max-head-size`) are enforced and kept
//! in the re-record command; `--placeholder` records a variable's value by name
//! and replays the value of the run; bad usage exits 2; every corpus cassette, served, answers its recorded requests byte for byte,
//! one HTTP chunk per event; a WebSocket session recorded and replayed for a
//! Python client.

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
        Serve::start_env(args, dir, &[])
    }

    /// [`Serve::start`] with `env` set.
    fn start_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
            .arg("serve")
            .args(args)
            .current_dir(dir)
            .env_clear()
            .envs(env.iter().copied())
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
    // The replay below opens a Reel in this process, where REEL_RECORD would apply.
    if reel_tests::reran_without_reel_env() {
        return;
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_placeholder_records_the_variables_value_as_its_name_and_replays_this_runs_value() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let upstream_url = upstream.url("");
    let flag = ["--placeholder", "<ACCOUNT_ID>=ACCOUNT_ID"];
    // A JSON echo and a stream echo of requests that carry the id in the URL and
    // the body; what the client read of each, event by event for the stream.
    let exchange = |base_url: String, account: &'static str| async move {
        let client = reqwest::Client::new();
        let mut read = Vec::new();
        for target in ["/echo", "/echo-sse"] {
            let mut response = client
                .post(format!("{base_url}{target}?account={account}"))
                .header("Content-Type", "application/json")
                .body(format!(r#"{{"account":"{account}"}}"#))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let mut chunks = Vec::new();
            while let Some(chunk) = response.chunk().await.unwrap() {
                chunks.push(String::from_utf8(chunk.to_vec()).unwrap());
            }
            read.push(chunks);
        }
        read
    };
    let real = "acct-7781-real";
    let mut args = vec!["acct.yaml", "--mode", "all", "--upstream", &upstream_url];
    args.extend(flag);
    let recording = Serve::start_env(&args, dir.path(), &[("ACCOUNT_ID", real)]);
    let live = exchange(recording.base_url.clone(), real).await;
    let (code, _, stderr) = recording.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(live[0].concat().contains(real), "{live:?}");
    assert_eq!(live[1].len(), 3, "one chunk per event: {live:?}");

    let text = std::fs::read_to_string(dir.path().join("acct.yaml")).unwrap();
    assert!(!text.contains(real), "the id reached the cassette:\n{text}");
    assert!(text.contains("/echo-sse?account=<ACCOUNT_ID>"), "{text}");
    assert!(text.contains(r#"{"account":"<ACCOUNT_ID>"}"#), "{text}");

    // Replay only, with a dummy id: it matches, and the responses carry it.
    let dummy = "acct-ci";
    let mut args = vec!["acct.yaml", "--mode", "none"];
    args.extend(flag);
    let replaying = Serve::start_env(&args, dir.path(), &[("ACCOUNT_ID", dummy)]);
    let replayed = exchange(replaying.base_url.clone(), dummy).await;
    let (code, _, stderr) = replaying.terminate();
    assert_eq!(code, 0, "{stderr}");
    let expected: Vec<Vec<String>> = live
        .iter()
        .map(|chunks| chunks.iter().map(|c| c.replace(real, dummy)).collect())
        .collect();
    assert_eq!(replayed, expected, "{stderr}");
    assert_eq!(
        upstream.requests().len(),
        2,
        "the replay sent nothing upstream"
    );
}

/// The seed's first recorded request body.
fn seed_body() -> reel::cassette::Bytes {
    let seed = Cassette::load(repo_root().join(SEED)).unwrap();
    seed.interactions[0].request.body.clone()
}

/// Serves the seed in mode `none` with `flags`, sends one JSON `POST` to `target`
/// with `headers`, stops the server: the status, the response body and stderr.
async fn serve_one(
    flags: &[&str],
    target: &str,
    headers: &[(&str, &str)],
    body: reel::cassette::Bytes,
) -> (u16, String, String) {
    let mut args = vec![SEED, "--mode", "none"];
    args.extend_from_slice(flags);
    let serve = Serve::start(&args, &repo_root());
    let mut request = reqwest::Client::new()
        .post(format!("{}{target}", serve.base_url))
        .header("Content-Type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status == 404 {
        assert_eq!(response.headers()["x-reel-error"], "no-match");
    }
    let text = response.text().await.unwrap();
    let (code, _, stderr) = serve.terminate();
    assert_eq!(code, 0, "{flags:?}: {stderr}");
    (status, text, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_ignore_json_field_replays_a_body_that_differs_only_there() {
    let recorded = String::from_utf8(seed_body().to_vec()).unwrap();
    let with_user = recorded.replacen('{', r#"{"user":"alice","#, 1);
    assert_ne!(with_user, recorded);
    let target = "/v1/chat/completions";

    let (status, report, _) = serve_one(&[], target, &[], with_user.clone().into()).await;
    assert_eq!(status, 404, "{report}");
    assert!(
        report.contains("/user"),
        "the report names the field: {report}"
    );

    let flags = ["--ignore-json-field", "/user"];
    let (status, _, stderr) = serve_one(&flags, target, &[], with_user.into()).await;
    assert_eq!(status, 200, "{stderr}");
    assert_eq!(
        requests_logged(&stderr),
        ["POST /v1/chat/completions -> 200 (replayed #0)"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_ignore_query_param_replays_a_url_with_that_parameter_added() {
    let target = "/v1/chat/completions?trace=on";
    let (status, report, _) = serve_one(&[], target, &[], seed_body()).await;
    assert_eq!(status, 404, "{report}");
    assert!(report.contains("trace"), "{report}");

    let flags = ["--ignore-query-param", "trace"];
    let (status, _, stderr) = serve_one(&flags, target, &[], seed_body()).await;
    assert_eq!(status, 200, "{stderr}");
    assert_eq!(
        requests_logged(&stderr),
        ["POST /v1/chat/completions?trace=on -> 200 (replayed #0)"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_match_header_refuses_a_header_value_the_recording_lacks() {
    let target = "/v1/chat/completions";
    let tenant = [("x-tenant", "acme")];
    let (status, _, stderr) = serve_one(&[], target, &tenant, seed_body()).await;
    assert_eq!(status, 200, "headers are not compared by default: {stderr}");

    let flags = ["--match-header", "x-tenant"];
    let (status, report, stderr) = serve_one(&flags, target, &tenant, seed_body()).await;
    assert_eq!(status, 404, "{stderr}");
    assert!(
        report.contains("header x-tenant: differs: recorded no value, received \"acme\""),
        "{report}"
    );
    // Re-recording keeps the flag, so the new cassette matches the same way.
    assert!(
        report.ends_with(&format!(
            "\nto re-record this cassette, run: reel serve {SEED} --mode all --upstream URL \
             --match-header x-tenant\n"
        )),
        "{report}"
    );

    let (status, _, stderr) = serve_one(&flags, target, &[], seed_body()).await;
    assert_eq!(status, 200, "absent matches absent: {stderr}");
}

#[test]
fn serve_limit_flags_refuse_what_is_over_them_and_stay_in_the_re_record_command() {
    use std::io::Write as _;
    let flags = [
        "--max-body-size",
        "1KiB",
        "--max-headers",
        "8",
        "--max-head-size",
        "512",
    ];
    let mut args = vec![SEED, "--mode", "none"];
    args.extend_from_slice(&flags);
    let serve = Serve::start(&args, &repo_root());
    let host = serve.base_url.strip_prefix("http://").unwrap().to_owned();
    // A raw request with `head` lines after the request line: the status line.
    let status = |head: &str, body: &[u8]| {
        let mut stream = std::net::TcpStream::connect(&host).unwrap();
        let _ = stream.write_all(format!("POST /v1/x HTTP/1.1\r\n{head}\r\n").as_bytes());
        let _ = stream.write_all(body);
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    };
    let sized =
        |length: usize| format!("Host: reel\r\nConnection: close\r\nContent-Length: {length}\r\n");
    // 1 KiB of body is read (and matches nothing); 1 byte more is refused unread.
    assert_eq!(
        status(&sized(1024), &[b'a'; 1024]),
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(status(&sized(1025), b""), "HTTP/1.1 413 Payload Too Large");
    // 3 fields and 5 more make 8; a ninth is refused.
    let fields =
        |count: usize| -> String { (0..count).map(|i| format!("x-{i}: {i}\r\n")).collect() };
    assert_eq!(
        status(&format!("{}{}", sized(0), fields(5)), b""),
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        status(&format!("{}{}", sized(0), fields(6)), b""),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    let padded = |pad: usize| format!("{}x-pad: {}\r\n", sized(0), "a".repeat(pad));
    assert_eq!(status(&padded(400), b""), "HTTP/1.1 404 Not Found");
    assert_eq!(
        status(&padded(500), b""),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    let (code, _, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    // Each miss's report ends with the command that re-records, the flags kept.
    assert!(
        stderr.contains(&format!(
            "\nto re-record this cassette, run: reel serve {SEED} --mode all --upstream URL \
             {}\n",
            flags.join(" ")
        )),
        "{stderr}"
    );
}

#[test]
fn serve_refuses_what_it_cannot_serve_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let cases: [(&[&str], &str); 16] = [
        (
            &["missing.yaml", "--upstream-ca", "nowhere.pem"],
            "reel: --upstream-ca nowhere.pem: cannot read it: No such file or directory",
        ),
        (
            &["missing.yaml", "--upstream-ca", "key.pem"],
            "reel: --upstream-ca key.pem: it holds no certificate (give PEM text with a \
             `-----BEGIN CERTIFICATE-----` block: the certificate of the CA that signed the \
             upstream's)\n",
        ),
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
        // Checked before the cassette is looked at, and before anything panics.
        (
            &["missing.yaml", "--ignore-json-field", "metadata"],
            "reel: --ignore-json-field metadata: JSON pointer \"metadata\": it does not start \
             with `/` (a pointer starts with `/` and names a field: /user/api_key, \
             /messages/*/id)\n",
        ),
        (
            &["missing.yaml", "--redact-json-field", "api_key"],
            "reel: --redact-json-field api_key: JSON pointer \"api_key\": it does not start \
             with `/` (a pointer starts with `/` and names a field: /user/api_key, \
             /messages/*/id)\n",
        ),
        (
            &["missing.yaml", "--match-header", "bad name"],
            "reel: --match-header bad name: not a valid HTTP header name (letters, \
             digits and !#$%&'*+-.^_`|~ only, for example x-tenant)\n",
        ),
        (
            &["missing.yaml", "--max-body-size", "64M"],
            "reel: --max-body-size 64M: not a size in bytes (a whole number, optionally \
             followed by KB, MB, GB, TB or KiB, MiB, GiB, TiB; for example 64MiB)\n",
        ),
        (
            &["missing.yaml", "--max-head-size", "big"],
            "reel: --max-head-size big: not a size in bytes (a whole number, optionally \
             followed by KB, MB, GB, TB or KiB, MiB, GiB, TiB; for example 128KiB)\n",
        ),
        (
            &["missing.yaml", "--max-head-size", "0KiB"],
            "reel: --max-head-size 0KiB: a request head takes at least one byte (for \
             example 128KiB)\n",
        ),
        (
            &["missing.yaml", "--placeholder", "<ACCOUNT_ID>=ACCOUNT_ID"],
            "reel: --placeholder <ACCOUNT_ID>=ACCOUNT_ID: environment variable ACCOUNT_ID \
             is not set (set it to the value to record as <ACCOUNT_ID>; on a machine that \
             only replays, any value, which replays in place of <ACCOUNT_ID>)\n",
        ),
        (
            &["missing.yaml", "--placeholder", "ACCOUNT_ID"],
            "reel: --placeholder ACCOUNT_ID: not NAME=ENV_VAR (the name to record the value \
             as, and the environment variable that holds the value; for example \
             --placeholder '<ACCOUNT_ID>=ACCOUNT_ID')\n",
        ),
        (
            &["missing.yaml", "--max-headers", "lots"],
            "reel: --max-headers lots: not a whole number of header fields (for example \
             200)\n",
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

/// One response read off the wire over a fresh connection: the status line, the
/// header lines, and the body's HTTP/1.1 chunks as the server framed them (one
/// item for a body sent with `Content-Length`).
fn raw_request(
    base_url: &str,
    method: &str,
    target: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> (String, Vec<String>, Vec<Vec<u8>>) {
    use std::io::Write as _;
    let host = base_url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status_line = line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        headers.push(line.trim_end().to_ascii_lowercase());
    }
    let mut chunks = Vec::new();
    if headers.iter().any(|h| h == "transfer-encoding: chunked") {
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            assert!(chunk.ends_with(b"\r\n"));
            chunk.truncate(size);
            chunks.push(chunk);
        }
    } else {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        if !rest.is_empty() {
            chunks.push(rest);
        }
    }
    (status_line, headers, chunks)
}

#[test]
fn serve_answers_every_corpus_request_byte_for_byte_one_chunk_per_event() {
    use reel::cassette::{stream_events, StreamKind};
    let Some(corpus) = crate::support::corpus() else {
        return;
    };
    let mut files: Vec<_> = walk(&corpus);
    files.sort();
    assert!(files.len() >= 100, "only {} cassettes", files.len());
    let mut requests = 0;
    for file in &files {
        let path = file.to_str().unwrap();
        let serve = Serve::start(&[path, "--mode", "none"], &repo_root());
        let cassette = Cassette::load(file).unwrap();
        for (i, interaction) in cassette.interactions.iter().enumerate() {
            let context = format!("{path} #{i}");
            let recorded = &interaction.request;
            let url = reqwest::Url::parse(&recorded.url).unwrap();
            let target = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            let (status_line, headers, chunks) = raw_request(
                &serve.base_url,
                &recorded.method,
                &target,
                recorded.headers.get("Content-Type"),
                &recorded.body,
            );
            let expected = &interaction.response;
            assert_eq!(
                status_line,
                format!("HTTP/1.1 {}", expected.status),
                "{context}"
            );
            assert!(
                chunks.concat() == expected.body,
                "{context}: the body differs"
            );
            let kind = expected
                .headers
                .get("Content-Type")
                .map_or(StreamKind::Whole, StreamKind::from_content_type);
            if kind == StreamKind::ServerSentEvents {
                assert!(headers.contains(&"transfer-encoding: chunked".to_owned()));
                let events: Vec<_> = stream_events(&expected.body, kind).collect();
                assert_eq!(chunks, events, "{context}: one chunk per event");
            }
            requests += 1;
        }
        let (code, _, stderr) = serve.terminate();
        assert_eq!(code, 0, "{path}: {stderr}");
        assert_eq!(
            requests_logged(&stderr).len(),
            cassette.interactions.len(),
            "{path}: one line per request"
        );
    }
    assert!(requests > 200, "{requests} requests");
}

/// The cassette files under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    out
}

/// When each chunk of `url`'s answer arrived, in ms after the first one.
async fn chunk_gaps(url: &str) -> Vec<f64> {
    use futures_util::StreamExt as _;
    let response = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("the server answers");
    let mut body = response.bytes_stream();
    let mut times = Vec::new();
    while let Some(chunk) = body.next().await {
        chunk.expect("it reads");
        times.push(std::time::Instant::now());
    }
    times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_pace_recorded_replays_the_recorded_gaps_and_reel_pace_scales_them() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    // Recorded with the events' timing: 50, 200 and 400 ms apart.
    let upstream = reel_upstream::Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paced.yaml");
    let recorder = reel::Reel::builder()
        .mode(reel::Mode::All)
        .record_timing(true)
        .open(&path)
        .unwrap();
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(recorder)
        .build();
    let target = "/sse-gaps?ms=0,50,200,400";
    let recorded = client.get(upstream.url(target)).send().await.unwrap();
    recorded.bytes().await.unwrap();
    drop(client);

    for (env, factor) in [(None, 1.0), (Some("0.5"), 0.5)] {
        let env: Vec<(&str, &str)> = env.map(|v| ("REEL_PACE", v)).into_iter().collect();
        let serve = Serve::start_env(&["paced.yaml", "--pace", "recorded"], dir.path(), &env);
        let gaps = chunk_gaps(&format!("{}{target}", serve.base_url)).await;
        let (code, _, stderr) = serve.terminate();
        assert_eq!(code, 0, "{stderr}");
        let note = if factor == 1.0 {
            "pace recorded".to_owned()
        } else {
            format!("pace {factor}x recorded")
        };
        assert!(stderr.contains(&note), "{stderr}");
        // Four events and [DONE], each a chunk: the gaps between them.
        assert_eq!(gaps.len(), 4, "{gaps:?}");
        // Never early: each event no sooner after the first than the recorded
        // gaps add up to (one gap alone may look short when the event before
        // it was delivered late); each gap late by less than it takes to tell
        // the factors apart (how close it lands is a measurement, in the
        // notes, not a test: a busy machine delays a wake-up).
        eprintln!("factor {factor}: gaps {gaps:?}");
        let (mut since_first, mut expected_since_first) = (0.0, 0.0);
        for (gap, recorded) in gaps.iter().zip([50.0, 200.0, 400.0, 0.0]) {
            let expected = recorded * factor;
            since_first += gap;
            expected_since_first += expected;
            assert!(
                since_first >= expected_since_first - 2.0
                    && *gap < expected + 20.0 + recorded * 0.2,
                "gap {gap:.1} ms where {expected} ms was expected (factor {factor}): {gaps:?}"
            );
        }
    }
}

/// Runs the Python Realtime client (`tests/clients/realtime.py`, standard
/// library only) against `base_url`: what the server sent, one line each.
fn python_realtime(base_url: &str, instructions: &str) -> String {
    let url = format!(
        "{}/v1/realtime?model=gpt-realtime",
        base_url.replacen("http://", "ws://", 1)
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/realtime.py");
    let output = Command::new("python3")
        .arg(&script)
        .args([url.as_str(), instructions])
        .output()
        .expect("python3 runs (CI machines have it)");
    assert!(
        output.status.success(),
        "the Python client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A WebSocket session recorded through `reel serve --upstream` by a client in
/// another language (Python, its standard library alone), replayed with the
/// upstream gone: every server message identical and in order; a changed
/// client message ends the session with close code 1008 naming the message,
/// and the report reaches stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_records_and_replays_a_websocket_session_for_a_python_client() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let recording = Serve::start(
        &[
            "session.yaml",
            "--mode",
            "all",
            "--upstream",
            &upstream.url(""),
        ],
        dir.path(),
    );
    let live = python_realtime(&recording.base_url, "Say hi");
    let (code, _, stderr) = recording.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        live,
        "text {\"session\":{\"id\":\"sess_1\"},\"type\":\"session.created\"}\n\
         text {\"session\":{\"voice\":\"alloy\"},\"type\":\"session.updated\"}\n\
         text {\"delta\":\"Hel\",\"type\":\"response.output_text.delta\"}\n\
         text {\"delta\":\"lo\",\"type\":\"response.output_text.delta\"}\n\
         text {\"delta\":\"!\",\"type\":\"response.output_text.delta\"}\n\
         text {\"type\":\"response.done\"}\n\
         binary 0001020304050607\n"
    );
    let text = std::fs::read_to_string(dir.path().join("session.yaml")).unwrap();
    let cassette = Cassette::from_yaml(&text).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    assert_eq!(cassette.interactions[0].response.code, 101);
    // The upstream gone; its URL names the recordings, as when they were made.
    // A session replays once, like any interaction: the second client needs
    // `--allow-repeats`.
    let upstream_url = upstream.url("");
    drop(upstream);
    let replay = Serve::start(
        &[
            "session.yaml",
            "--mode",
            "none",
            "--upstream",
            &upstream_url,
            "--allow-repeats",
        ],
        dir.path(),
    );
    assert_eq!(
        python_realtime(&replay.base_url, "Say hi"),
        live,
        "replayed"
    );
    let changed = python_realtime(&replay.base_url, "Say bye");
    let (code, _, stderr) = replay.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        changed.ends_with("close 1008 reel: client message 3 differs from the recording\n"),
        "{changed}"
    );
    assert!(
        stderr.contains("Say bye"),
        "the report shows the message: {stderr}"
    );
}
