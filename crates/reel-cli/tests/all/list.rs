use crate::support::{dir_with, reel, repo_root, seed_text, SEED};

/// The output without its last column, RECORDED (its cells hold the age,
/// which changes as time passes), and that column's cells, one per row.
fn split_recorded(stdout: &str) -> (String, Vec<String>) {
    let mut table = String::new();
    let mut recorded = Vec::new();
    for line in stdout.lines() {
        let is_row =
            line.starts_with("ID ") || line.trim_start().starts_with(|c: char| c.is_ascii_digit());
        match line.rfind("  ").filter(|_| is_row) {
            Some(at) => {
                let cell = line[at..].trim();
                if cell != "RECORDED" {
                    recorded.push(cell.to_owned());
                }
                table.push_str(line[..at].trim_end());
            }
            None => table.push_str(line),
        }
        table.push('\n');
    }
    (table, recorded)
}

/// `2026-12-05, 3d ago (git)`, with the source given.
fn assert_recorded(cell: &str, source: &str) {
    let (day, rest) = cell.split_once(", ").unwrap_or_else(|| panic!("{cell}"));
    assert!(
        day.len() == 10
            && reel_cassette::provenance::parse_utc(&format!("{day}T00:00:00Z")).is_some(),
        "{cell}"
    );
    assert!(rest.ends_with(&format!(" ago ({source})")), "{cell}");
}

#[test]
fn list_prints_one_aligned_line_per_interaction_of_the_seed() {
    let run = reel(&["list", SEED], &repo_root());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (table, recorded) = split_recorded(&run.stdout);
    assert_eq!(
        table,
        "\
ID  METHOD  URL                                         STATUS  CONTENT-TYPE                      REQ-BYTES  RESP-BYTES  EVENTS  MODEL
 0  POST    https://api.openai.com/v1/chat/completions  200     text/event-stream; charset=utf-8        853        5059      14  gpt-4o-mini
 1  POST    https://api.openai.com/v1/chat/completions  200     text/event-stream; charset=utf-8       1284        9418      29  gpt-4o-mini
"
    );
    // No provenance file: the date of the seed's last commit (a checkout that
    // is not a git repository falls back to the file's date).
    assert_eq!(recorded.len(), 2);
    let source = if recorded[0].ends_with("(git)") {
        "git"
    } else {
        "file"
    };
    for cell in &recorded {
        assert_recorded(cell, source);
    }
}

#[test]
fn list_heads_each_table_with_its_path_when_given_several_cassettes() {
    let json = "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    url: https://example.com/v1/models\n    method: GET\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: '{\"data\":[]}'\n    headers:\n      Content-Type:\n      - application/json\n    status: 404 Not Found\n    code: 404\n    duration: 0s\n";
    let dir = dir_with(&[
        ("a/seed.yaml", &seed_text()),
        ("b/empty.yaml", "---\nversion: 2\ninteractions: []\n"),
        ("b/get.yaml", json),
    ]);
    let run = reel(&["list", "a", "b"], dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (table, recorded) = split_recorded(&run.stdout);
    assert_eq!(
        table,
        "\
a/seed.yaml:
ID  METHOD  URL                                         STATUS  CONTENT-TYPE                      REQ-BYTES  RESP-BYTES  EVENTS  MODEL
 0  POST    https://api.openai.com/v1/chat/completions  200     text/event-stream; charset=utf-8        853        5059      14  gpt-4o-mini
 1  POST    https://api.openai.com/v1/chat/completions  200     text/event-stream; charset=utf-8       1284        9418      29  gpt-4o-mini

b/empty.yaml:
(no interactions)

b/get.yaml:
ID  METHOD  URL                            STATUS  CONTENT-TYPE      REQ-BYTES  RESP-BYTES  EVENTS  MODEL
 0  GET     https://example.com/v1/models  404     application/json          0          11       -  -
"
    );
    // Written just now, outside any repository: the files' own dates.
    assert_eq!(recorded.len(), 3);
    for cell in &recorded {
        assert_recorded(cell, "file");
        assert!(
            cell.contains(", 0s ago") || cell.contains("s ago"),
            "{cell}"
        );
    }
}

#[test]
fn list_of_a_broken_or_missing_cassette_lists_the_rest_and_exits_2() {
    let dir = dir_with(&[
        ("broken.yaml", "---\nversion: 2\ninteractions: [\n"),
        ("seed.yaml", &seed_text()),
    ]);
    let run = reel(
        &["list", "broken.yaml", "seed.yaml", "nope.yaml"],
        dir.path(),
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.starts_with("seed.yaml:\nID  METHOD"),
        "{}",
        run.stdout
    );
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert_eq!(errors[0], "reel: nope.yaml: no such file or directory");
    assert!(
        errors[1].starts_with("reel: broken.yaml:"),
        "{}",
        run.stderr
    );
}

#[test]
fn list_without_a_path_is_bad_usage() {
    let run = reel(&["list"], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("required arguments were not provided"),
        "{}",
        run.stderr
    );
}

/// A WebSocket session's EVENTS are its messages.
#[test]
fn list_counts_a_websocket_sessions_messages() {
    let session = "---\nversion: 2\ninteractions:\n    - id: 0\n      request:\n        proto: HTTP/1.1\n        proto_major: 1\n        proto_minor: 1\n        content_length: 0\n        host: api.openai.com\n        url: wss://api.openai.com/v1/realtime\n        method: GET\n      response:\n        proto: HTTP/1.1\n        proto_major: 1\n        proto_minor: 1\n        content_length: -1\n        body: |\n            < text {\"type\":\"session.created\"}\n            > text {\"type\":\"response.create\"}\n            < text {\"type\":\"response.done\"}\n        headers: {}\n        status: 101 Switching Protocols\n        code: 101\n        duration: 0s\n";
    let dir = dir_with(&[("session.yaml", session)]);
    let run = reel(&["list", "session.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (table, _) = split_recorded(&run.stdout);
    let row = table.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "0",
            "GET",
            "wss://api.openai.com/v1/realtime",
            "101",
            "-",
            "0",
            "100",
            "3",
            "-"
        ],
        "{}",
        run.stdout
    );
}
