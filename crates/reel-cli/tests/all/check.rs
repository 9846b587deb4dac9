use crate::support::{dir_with, reel, reel_env, repo_root, seed_text, SEED};

#[test]
fn check_passes_the_bundled_cassettes_with_a_summary_and_exit_0() {
    let run = reel(&["check", "crates/reel/cassettes"], &repo_root());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "checked 1 cassettes (2 interactions): 0 problems\n", "")
    );
}

#[test]
fn check_reports_each_broken_cassette_and_exits_1() {
    let seed = seed_text();
    let reordered = seed.replacen(
        "    proto_major: 1\n    proto_minor: 1\n",
        "    proto_minor: 1\n    proto_major: 1\n",
        1,
    );
    let dir = dir_with(&[
        ("sub/v3.yml", "---\nversion: 3\ninteractions: []\n"),
        ("reordered.yaml", &reordered),
        ("ignored.txt", "not a cassette"),
    ]);
    let run = reel(&["check", "."], dir.path());
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "./reordered.yaml:7: saving would change the file from this line\n  \
         file:     proto_minor: 1\n  \
         reel:     proto_major: 1\n\
         ./sub/v3.yml:2:10: version: unsupported cassette version 3: reel supports version 2 (go-vcr v4) \
         (reel reads go-vcr v4 cassettes; record this one again with REEL_RECORD=all)\n\
         checked 2 cassettes (2 interactions): 2 problems\n"
    );
}

#[test]
fn check_reports_interactions_that_make_no_sense() {
    let text = "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    url: /relative\n    method: GET\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: \"\"\n    headers: {}\n    status: \"\"\n    code: 0\n    duration: 0s\n";
    let dir = dir_with(&[("odd.yaml", text)]);
    let run = reel(&["check", "odd.yaml"], dir.path());
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "odd.yaml: interaction 0: the request URL `/relative` is not an absolute http(s) URL\n\
         odd.yaml: interaction 0: the response code 0 is not an HTTP status code\n\
         checked 1 cassettes (1 interactions): 2 problems\n"
    );
}

#[test]
fn check_reports_token_shaped_secrets_masked_and_exits_1() {
    let leaky = seed_text().replacen(
        "      Accept:\n      - application/json\n",
        "      Accept:\n      - application/json\n      Authorization:\n      - Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123\n",
        1,
    );
    let dir = dir_with(&[("leaky.yaml", &leaky)]);
    let run = reel(&["check", "leaky.yaml"], dir.path());
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "leaky.yaml: interaction 0: request.headers.Authorization: OpenAI API key `sk-pro…(38 chars)`\n\
         checked 1 cassettes (2 interactions): 1 problems\n"
    );
    assert!(
        !run.stdout.contains("abcdefghijklmnop"),
        "the secret itself is never printed"
    );
}

#[test]
fn check_reports_the_value_of_a_secret_named_environment_variable() {
    let dir = dir_with(&[("seed.yaml", &seed_text())]);
    // A value the seed happens to contain stands in for a leaked credential.
    let env = [("MY_SERVICE_TOKEN", "chatcmpl-DIgOuEkd6Uqq8tPXdk2MbDIioWtU8")];
    let run = reel_env(&["check", "seed.yaml"], dir.path(), &env);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "seed.yaml: interaction 1: response.body: value of $MY_SERVICE_TOKEN `chatcm…(38 chars)`\n\
         checked 1 cassettes (2 interactions): 1 problems\n"
    );
}

#[test]
fn check_warns_about_a_content_length_that_disagrees_with_the_body_without_failing() {
    let edited = seed_text().replacen("content_length: 853", "content_length: 900", 1);
    let dir = dir_with(&[("edited.yaml", &edited)]);
    let run = reel(&["check", "edited.yaml"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "edited.yaml: interaction 0: warning: request content_length 900 but the body has 853 bytes\n\
         checked 1 cassettes (2 interactions): 0 problems, 1 warnings\n"
    );
}

#[test]
fn check_with_a_missing_path_or_no_path_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let run = reel(&["check", "nope.yaml"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (2, "checked 0 cassettes (0 interactions): 0 problems\n")
    );
    assert_eq!(run.stderr, "reel: nope.yaml: no such file or directory\n");
    let run = reel(&["check"], dir.path());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("required arguments were not provided"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_passes_the_whole_corpus_and_the_seed() {
    let Some(corpus) = crate::support::corpus() else {
        return;
    };
    let corpus = corpus.to_str().unwrap().to_owned();
    let run = reel(&["check", &corpus, SEED], &repo_root());
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Hand-edited corpus files may warn; none may have a problem.
    let summary = run.stdout.lines().last().unwrap();
    assert!(
        summary.starts_with("checked ") && summary.contains(": 0 problems"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_accepts_a_crlf_checkout_and_names_mixed_line_endings() {
    let seed = crate::support::seed_text();
    // A whole-file CRLF checkout is the file as it was: clean.
    // One converted line among LF ones: named for what it is.
    let mixed = seed.replacen('\n', "\r\n", 1);
    let dir = crate::support::dir_with(&[
        ("crlf.yaml", &seed.replace('\n', "\r\n")),
        ("mixed.yaml", &mixed),
    ]);
    let run = crate::support::reel(&["check", "crlf.yaml"], dir.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = crate::support::reel(&["check", "mixed.yaml"], dir.path());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("mixed.yaml:1: saving would change the file from this line")
            && run
                .stdout
                .contains("(only the line ending differs: the file mixes \\r\\n and \\n line ends"),
        "{}",
        run.stdout
    );
}

/// `git` with a fixed identity and both dates set to `date`.
fn git(dir: &std::path::Path, date: &str, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=reel", "-c", "user.email=reel@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn check_max_age_reports_old_cassettes_by_their_last_commit_or_their_file_date() {
    let path = std::env::var("PATH").unwrap_or_default();
    let env = [("PATH", path.as_str())];
    let seed = seed_text();

    // A repository whose cassette was last committed in 2020.
    let repo = dir_with(&[("old.yaml", &seed)]);
    git(repo.path(), "2020-01-01T00:00:00Z", &["init", "-q"]);
    git(repo.path(), "2020-01-01T00:00:00Z", &["add", "old.yaml"]);
    git(
        repo.path(),
        "2020-01-01T00:00:00Z",
        &["commit", "-q", "-m", "record"],
    );
    let run = reel_env(
        &["check", "--max-age", "90d", "old.yaml"],
        repo.path(),
        &env,
    );
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            1,
            "old.yaml: 2 of 2 interactions were recorded more than 90d ago; the oldest, #0, on \
             2020-01-01 (last git commit of the cassette), model gpt-4o-mini (re-record it: \
             REEL_RECORD=all)\nchecked 1 cassettes (2 interactions): 1 problems\n",
            ""
        )
    );
    // Without --max-age, age is no problem.
    assert_eq!(reel_env(&["check", "old.yaml"], repo.path(), &env).code, 0);

    // Outside a repository: the file's modification time.
    let plain = dir_with(&[("young.yaml", &seed), ("old.yaml", &seed)]);
    let two_years = std::time::Duration::from_secs(2 * 365 * 86_400);
    std::fs::File::options()
        .append(true)
        .open(plain.path().join("old.yaml"))
        .unwrap()
        .set_modified(std::time::SystemTime::now() - two_years)
        .unwrap();
    let run = reel_env(&["check", "--max-age", "1w", "."], plain.path(), &env);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with("./old.yaml: 2 of 2 interactions were recorded more than 7d ago"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("(file modification time)"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "checked 2 cassettes (4 interactions): 1 problems");

    let run = reel_env(&["check", "--max-age", "soon", "."], plain.path(), &env);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`soon` does not start with a whole number"),
        "{}",
        run.stderr
    );
}

/// A WebSocket session (a `101` whose body is the transcript) checks clean,
/// `wss://` URL and all; a transcript line that does not parse is a problem
/// naming the line.
#[test]
fn check_reads_a_websocket_sessions_transcript_and_names_a_bad_line() {
    let session = |last: &str| {
        format!(
            "---\nversion: 2\ninteractions:\n    - id: 0\n      request:\n        proto: HTTP/1.1\n        proto_major: 1\n        proto_minor: 1\n        content_length: 0\n        host: api.openai.com\n        url: wss://api.openai.com/v1/realtime?model=gpt-realtime\n        method: GET\n      response:\n        proto: HTTP/1.1\n        proto_major: 1\n        proto_minor: 1\n        content_length: -1\n        body: |\n            < text {{\"type\":\"session.created\"}}\n            > text {{\"type\":\"response.create\"}}\n            {last}\n        headers: {{}}\n        status: 101 Switching Protocols\n        code: 101\n        duration: 0s\n"
        )
    };
    let dir = dir_with(&[
        ("good.yaml", &session("< close 1000 done")),
        ("bad.yaml", &session("< closing 1000 done")),
    ]);
    let run = reel(&["check", "good.yaml"], dir.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = reel(&["check", "bad.yaml"], dir.path());
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "bad.yaml: interaction 0: the WebSocket session's transcript line 3: kind \"closing\" is unknown"
        ),
        "{}",
        run.stdout
    );
}
