use crate::support::{dir_with, reel, repo_root, seed_text, SEED};

/// The seed with credentials in a request header, the URL, and a JSON field,
/// and a response header Go suites drop.
fn leaky_seed() -> String {
    seed_text()
        .replacen(
            "      Accept:\n      - application/json\n",
            "      Accept:\n      - application/json\n      Authorization:\n      - Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123\n",
            1,
        )
        .replacen(
            "    url: https://api.openai.com/v1/chat/completions\n",
            "    url: https://api.openai.com/v1/chat/completions?key=abc123&alt=sse\n",
            1,
        )
        .replacen(r#""model":"gpt-4o-mini","#, r#""model":"gpt-4o-mini","user":"alice@example.com","#, 1)
        .replacen(
            "      - text/event-stream; charset=utf-8\n",
            "      - text/event-stream; charset=utf-8\n      Openai-Organization:\n      - org-123\n",
            1,
        )
}

#[test]
fn scrub_leaves_the_clean_seed_alone_and_exits_0() {
    let run = reel(&["scrub", "--check", SEED], &repo_root());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "0 of 1 cassette would be scrubbed\n", "")
    );
    let dir = dir_with(&[("seed.yaml", &seed_text())]);
    let run = reel(&["scrub", "seed.yaml"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "scrubbed 0 of 1 cassette\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("seed.yaml")).unwrap(),
        seed_text()
    );
}

#[test]
fn scrub_check_reports_what_would_change_writes_nothing_and_exits_1() {
    let dir = dir_with(&[("leaky.yaml", &leaky_seed()), ("clean.yaml", &seed_text())]);
    let run = reel(
        &["scrub", "--check", "--json-field", "/user", "."],
        dir.path(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "./leaky.yaml: would scrub (2 headers removed (Authorization, Openai-Organization), \
         1 URL redacted, 1 body redacted)\n\
         1 of 2 cassettes would be scrubbed (run reel scrub without --check to scrub them)\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("leaky.yaml")).unwrap(),
        leaky_seed()
    );
}

#[test]
fn scrub_rewrites_only_the_secrets_and_a_second_run_finds_nothing() {
    let dir = dir_with(&[("leaky.yaml", &leaky_seed())]);
    let run = reel(
        &["scrub", "leaky.yaml", "--json-field", "/user"],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "leaky.yaml: scrubbed (2 headers removed (Authorization, Openai-Organization), \
         1 URL redacted, 1 body redacted)\n\
         scrubbed 1 of 1 cassette\n"
    );
    let scrubbed = std::fs::read_to_string(dir.path().join("leaky.yaml")).unwrap();
    assert!(!scrubbed.contains("Authorization") && !scrubbed.contains("Openai-Organization"));
    assert!(scrubbed
        .contains("    url: https://api.openai.com/v1/chat/completions?key=REDACTED&alt=sse\n"));
    assert!(scrubbed.contains(r#""user":"REDACTED""#) && !scrubbed.contains("alice"));
    // The untouched interaction is byte for byte the seed's.
    let untouched = |text: &str| text[text.find("- id: 1\n").unwrap()..].to_owned();
    assert!(untouched(&scrubbed) == untouched(&seed_text()));
    // content_length follows the redacted body, so check has nothing to say.
    let check = reel(&["check", "leaky.yaml"], dir.path());
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, "checked 1 cassettes (2 interactions): 0 problems\n")
    );
    let again = reel(
        &["scrub", "--check", "leaky.yaml", "--json-field", "/user"],
        dir.path(),
    );
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "0 of 1 cassette would be scrubbed\n")
    );
}

#[test]
fn scrub_keeps_the_go_vcr_layout_and_the_headers_asked_for() {
    let dir = dir_with(&[("leaky.yaml", &leaky_seed())]);
    let fmt = reel(&["fmt", "--dialect", "go-vcr", "leaky.yaml"], dir.path());
    assert_eq!(fmt.code, 0, "{}", fmt.stderr);
    let run = reel(
        &[
            "scrub",
            "leaky.yaml",
            "--keep-header",
            "openai-organization",
            "--param",
            "alt",
        ],
        dir.path(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "leaky.yaml: scrubbed (1 header removed (Authorization), 1 URL redacted)\n\
         scrubbed 1 of 1 cassette\n"
    );
    let text = std::fs::read_to_string(dir.path().join("leaky.yaml")).unwrap();
    assert!(
        text.starts_with("---\nversion: 2\ninteractions:\n    - id: 0\n"),
        "{text}"
    );
    assert!(text.contains("?key=REDACTED&alt=REDACTED\n"), "{text}");
    assert!(text.contains("Openai-Organization:"), "{text}");
    assert!(!text.contains("Authorization"), "{text}");
}

#[test]
fn scrub_with_keep_all_headers_removes_no_header_and_names_the_key_it_keeps() {
    let dir = dir_with(&[("leaky.yaml", &leaky_seed())]);
    let run = reel(
        &["scrub", "--check", "--keep-all-headers", "leaky.yaml"],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "leaky.yaml: would scrub (1 URL redacted)\n\
         leaky.yaml: still holds a credential: interaction 0: request.headers.Authorization: OpenAI API key `sk-pro…(38 chars)`\n\
         1 of 1 cassette would be scrubbed (run reel scrub without --check to scrub them)\n\
         1 credential the rules do not remove: run reel scrub --secrets to replace them with placeholders, \
         or redact them with --json-field or --param\n"
    );
}

#[test]
fn scrub_rejects_a_json_field_that_is_not_a_pointer_and_a_missing_or_broken_file() {
    let dir = dir_with(&[
        ("broken.yaml", "---\nversion: 2\ninteractions: [\n"),
        ("leaky.yaml", &leaky_seed()),
    ]);
    let run = reel(&["scrub", "--json-field", "user", "leaky.yaml"], dir.path());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        "reel: --json-field user: JSON pointer \"user\": it does not start with `/` \
         (a pointer starts with `/` and names a field: /user/api_key, /messages/*/id)\n"
    );
    let run = reel(
        &["scrub", "--check", "broken.yaml", "nope.yaml", "leaky.yaml"],
        dir.path(),
    );
    assert_eq!(run.code, 2, "bad input outranks a finding");
    assert!(
        run.stdout.ends_with(
            "1 of 2 cassettes would be scrubbed (run reel scrub without --check to scrub them)\n"
        ),
        "{}",
        run.stdout
    );
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors[0], "reel: nope.yaml: no such file or directory");
    assert!(
        errors[1].starts_with("reel: broken.yaml:4:1: "),
        "{}",
        run.stderr
    );
}

/// A key in a response body is no header, parameter or field the rules know:
/// scrub rewrites what it can, names the key with the scanner `reel check` and
/// recording use, and exits 1; `--json-field` at its pointer then removes it.
#[test]
fn scrub_names_a_credential_its_rules_do_not_reach_and_exits_1() {
    let key = format!("sk-proj-{}", "Zq7Xw2Lm9Kp4Rt6Vy1Bn3Hc8Jd5Fg0Ts".repeat(2));
    let leaky = seed_text().replacen(
        r#"{"id":"chatcmpl-"#,
        &format!(r#"{{"key":"{key}","id":"chatcmpl-"#),
        1,
    );
    assert_ne!(leaky, seed_text(), "the seed's first event changed");
    let dir = dir_with(&[("leaky.yaml", &leaky)]);
    let run = reel(&["scrub", "leaky.yaml"], dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "leaky.yaml: still holds a credential: interaction 0: response.body: OpenAI API key `sk-pro…(72 chars)`\n\
         scrubbed 0 of 1 cassette\n\
         1 credential the rules do not remove: run reel scrub --secrets to replace them with placeholders, \
         or redact them with --json-field or --param\n"
    );
    assert!(
        !run.stdout.contains(&key),
        "the key itself is never printed"
    );
}

/// `--secrets` replaces a key in a streamed response body and one in the
/// request body with placeholders naming their kind; the file still loads,
/// passes `reel check` (no credential, re-saves byte for byte) and a second
/// run changes nothing.
#[test]
fn scrub_secrets_replaces_a_key_in_a_streamed_body_with_a_placeholder() {
    let key = format!("sk-proj-{}", "Zq7Xw2Lm9Kp4Rt6Vy1Bn3Hc8Jd5Fg0Ts".repeat(2));
    let secret = "Qm9vYmFyQmF6MTIzNDU2Nzg5MA";
    let leaky = seed_text()
        .replacen(
            r#"{"id":"chatcmpl-"#,
            &format!(r#"{{"note":"your key is {key}","id":"chatcmpl-"#),
            1,
        )
        .replacen(
            r#""model":"gpt-4o-mini","#,
            &format!(r#""model":"gpt-4o-mini","client_secret":"{secret}","#),
            1,
        );
    assert_ne!(leaky, seed_text());
    let dir = dir_with(&[("leaky.yaml", &leaky)]);
    let run = reel(&["scrub", "--secrets", "leaky.yaml"], dir.path());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "leaky.yaml: scrubbed (2 credentials replaced, 2 bodies redacted)\nscrubbed 1 of 1 cassette\n"
    );
    let text = std::fs::read_to_string(dir.path().join("leaky.yaml")).unwrap();
    assert!(!text.contains(&key) && !text.contains(secret), "{text}");
    assert!(
        text.contains(r#"your key is REDACTED_OPENAI_API_KEY"#),
        "{text}"
    );
    assert!(
        text.contains(r#"\"client_secret\":\"REDACTED_CLIENT_SECRET\""#)
            || text.contains(r#""client_secret":"REDACTED_CLIENT_SECRET""#),
        "{text}"
    );
    let check = reel(&["check", "leaky.yaml"], dir.path());
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    let again = reel(&["scrub", "--secrets", "leaky.yaml"], dir.path());
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, "scrubbed 0 of 1 cassette\n")
    );
}
