//! Running the built binary, and comparing its output with pinned text.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of `reel` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `reel` in `dir` with an empty environment (so no secret-named variable
/// of the machine, no `CLICOLOR_FORCE`, changes the output) plus `env`.
pub fn reel_env(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("reel runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `reel` in `dir` with an empty environment.
pub fn reel(args: &[&str], dir: &Path) -> Run {
    reel_env(args, dir, &[])
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The seed cassette's path from the repository root.
pub const SEED: &str = "crates/reel/cassettes/openai/multi_tool_streaming.yaml";

/// The seed cassette's text.
pub fn seed_text() -> String {
    std::fs::read_to_string(repo_root().join(SEED)).unwrap()
}

/// A temporary directory holding `files` (name, text).
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Whether the tests run in CI: `CI` set to anything but empty, `0` or `false`.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// `../shared/corpus` beside the repository, or `None` (with a note) when it is
/// missing outside CI. In CI a missing corpus fails the test.
pub fn corpus() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !is_ci(),
        "../shared/corpus is missing; CI must run with the corpus beside the repository"
    );
    eprintln!("note: ../shared/corpus not found; corpus test skipped");
    None
}

/// Asserts that `actual` equals the text pinned in `tests/all/pinned/NAME`,
/// showing a diff when not. `REEL_UPDATE_PINNED=1` (outside CI) rewrites the
/// file instead; review the change with `git diff`.
pub fn assert_pinned(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/all/pinned")
        .join(name);
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return;
    }
    let update = match std::env::var("REEL_UPDATE_PINNED").as_deref() {
        Err(_) | Ok("") | Ok("0") => false,
        Ok("1") => true,
        Ok(other) => {
            panic!("REEL_UPDATE_PINNED={other}: use 1 to rewrite pinned output, or unset it")
        }
    };
    if update && !is_ci() {
        std::fs::write(&path, actual).unwrap();
        eprintln!("note: rewrote {}", path.display());
        return;
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
        .unified_diff()
        .header(&format!("pinned/{name}"), "actual")
        .to_string();
    panic!("output differs from pinned/{name} (REEL_UPDATE_PINNED=1 rewrites it):\n{diff}");
}
