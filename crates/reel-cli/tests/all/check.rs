use std::path::{Path, PathBuf};
use std::process::Command;

fn reel(args: &[&str], dir: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("reel runs");
    (
        output.status.code().expect("exit code"),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn check_passes_the_bundled_cassettes_with_a_summary_and_exit_0() {
    let (code, stdout, stderr) = reel(&["check", "cassettes"], &repo_root());
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (0, "checked 1 cassettes (2 interactions): 0 problems\n", "")
    );
}

#[test]
fn check_reports_each_broken_cassette_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let seed =
        std::fs::read_to_string(repo_root().join("cassettes/openai/multi_tool_streaming.yaml"))
            .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/v3.yml"),
        "---\nversion: 3\ninteractions: []\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("reordered.yaml"),
        seed.replacen(
            "    proto_major: 1\n    proto_minor: 1\n",
            "    proto_minor: 1\n    proto_major: 1\n",
            1,
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("ignored.txt"), "not a cassette").unwrap();
    let (code, stdout, _) = reel(&["check", "."], dir.path());
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout,
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
    let dir = tempfile::tempdir().unwrap();
    let text = "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    proto: HTTP/1.1\n    proto_major: 1\n    proto_minor: 1\n    content_length: 0\n    host: \"\"\n    url: /relative\n    method: GET\n  response:\n    proto: HTTP/2.0\n    proto_major: 2\n    proto_minor: 0\n    content_length: -1\n    body: \"\"\n    headers: {}\n    status: \"\"\n    code: 0\n    duration: 0s\n";
    std::fs::write(dir.path().join("odd.yaml"), text).unwrap();
    let (code, stdout, _) = reel(&["check", "odd.yaml"], dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "odd.yaml: interaction 0: the request URL `/relative` is not an absolute http(s) URL\n\
         odd.yaml: interaction 0: the response code 0 is not an HTTP status code\n\
         checked 1 cassettes (1 interactions): 2 problems\n"
    );
}

#[test]
fn check_with_a_missing_path_or_no_path_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = reel(&["check", "nope.yaml"], dir.path());
    assert_eq!(
        (code, stdout.as_str()),
        (2, "checked 0 cassettes (0 interactions): 0 problems\n")
    );
    assert_eq!(stderr, "reel: nope.yaml: no such file or directory\n");
    let (code, _, stderr) = reel(&["check"], dir.path());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("required arguments were not provided"),
        "{stderr}"
    );
}

#[test]
fn help_documents_exit_codes_and_an_example() {
    let (code, stdout, _) = reel(&["check", "--help"], &repo_root());
    assert_eq!(code, 0);
    assert!(stdout.contains("reel check cassettes"), "{stdout}");
    assert!(
        stdout.contains(
            "Exit codes: 0 every cassette is clean, 1 a cassette has a problem, 2 bad usage."
        ),
        "{stdout}"
    );
}
