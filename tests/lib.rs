//! Helpers shared by reel's cross-crate tests.

/// The README's examples, compiled and run as doctests (here, not in a
/// published crate, whose package does not hold the README's path).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_owned()
}

/// `../shared/corpus` beside the repository, if it is there.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Every `*.yaml`/`*.yml` file under `dir`, sorted.
pub fn cassette_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The seed cassette bundled with the repository.
pub fn seed_cassette() -> PathBuf {
    repo_root().join("crates/reel/cassettes/openai/multi_tool_streaming.yaml")
}

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false`.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// `../shared/corpus`, or `None` (with a note) when it is missing outside CI.
/// Under CI a missing corpus fails the test.
pub fn corpus_or_skip() -> Option<PathBuf> {
    let dir = corpus_dir();
    if dir.is_none() {
        assert!(
            !is_ci(),
            "../shared/corpus is missing; CI must run with the corpus beside the repository"
        );
        eprintln!("note: ../shared/corpus not found; corpus test skipped");
    }
    dir
}

/// Every cassette of `../shared/corpus`, sorted; see [`corpus_or_skip`].
pub fn corpus_cassettes() -> Option<Vec<PathBuf>> {
    corpus_or_skip().map(|dir| cassette_files(&dir))
}

/// The variables that change what reel does: the mode (`REEL_RECORD`, `CI`), the
/// mismatch report (`REEL_FULL_DIFF`), the recording run processes share
/// (`REEL_RUN_ID`, else `NEXTEST_RUN_ID`), review mode (`REEL_REVIEW`), event
/// timing (`REEL_RECORD_TIMING`) and the pace of replay (`REEL_PACE`).
pub const REEL_ENV: [&str; 9] = [
    "REEL_RECORD",
    "REEL_FULL_DIFF",
    "REEL_RUN_ID",
    "NEXTEST_RUN_ID",
    "CI",
    "REEL_REVIEW",
    "REEL_RECORD_TIMING",
    "REEL_PACE",
    "REEL_MAX_AGE",
];

/// `command` without any of [`REEL_ENV`]: a child process gets only the ones its
/// test sets afterwards, whatever the developer's shell exports.
pub fn without_reel_env(command: &mut Command) -> &mut Command {
    for name in REEL_ENV {
        command.env_remove(name);
    }
    command
}

/// Whether this test ran in a child process instead: when one of [`REEL_ENV`]
/// is set, the test reruns in a child without them (the environment is shared by
/// the tests of one process), and fails with the child's output unless the child
/// ran it and passed.
pub fn reran_without_reel_env() -> bool {
    if REEL_ENV.iter().all(|name| std::env::var_os(name).is_none()) {
        return false;
    }
    let thread = std::thread::current();
    let test = thread
        .name()
        .expect("libtest names the thread after the test");
    let output =
        without_reel_env(Command::new(std::env::current_exe().unwrap()).args(["--exact", test]))
            .output()
            .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test}, rerun without {}, failed:\n{stdout}\n{}",
        REEL_ENV.join(", "),
        String::from_utf8_lossy(&output.stderr)
    );
    true
}
