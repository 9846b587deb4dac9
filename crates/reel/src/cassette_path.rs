//! The default cassette path, named after the running test as insta names snapshots.
//!
//! libtest runs each test on a thread named after the test's path inside its crate
//! (`replay::seed_replays`), so the thread name is the test's name. Tests keep
//! their cassettes beside their sources, under `cassettes/`:
//!
//! | test | cassette |
//! |---|---|
//! | `tests/all/main.rs`, `mod replay`, `fn seed_replays` | `<crate>/cassettes/replay/seed_replays.yaml` |
//! | `src/client.rs`, `mod tests`, `fn retries` | `<crate>/cassettes/client/tests/retries.yaml` |

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The cassette path for the running test:
/// `$CARGO_MANIFEST_DIR/cassettes/<module path>/<test fn>.yaml`.
///
/// It must be called on the test's own thread (a `#[test]` or `#[tokio::test]`
/// body), not on a spawned thread or a runtime worker.
///
/// # Panics
/// When the current thread is not a libtest test thread; the message says how to
/// pass a path instead. [`cassette_path_for_current_test`] returns the error.
///
/// ```no_run
/// #[tokio::test]
/// async fn answers_with_tool_calls() -> Result<(), Box<dyn std::error::Error>> {
///     // In `tests/all/openai.rs` this is `<crate>/cassettes/openai/answers_with_tool_calls.yaml`.
///     let reel = reel::Reel::replay(reel::cassette!())?;
///     # let _ = reel;
///     Ok(())
/// }
/// ```
#[macro_export]
macro_rules! cassette {
    () => {
        $crate::cassette_path_for_current_test(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or_else(|err| panic!("{err}"))
    };
}

/// The cassette path for the running test under `manifest_dir`, as [`cassette!`]
/// computes it; an error when the current thread is not a test thread.
pub fn cassette_path_for_current_test(manifest_dir: impl AsRef<Path>) -> Result<PathBuf> {
    let thread = std::thread::current();
    let name = thread.name().ok_or_else(|| Error::NotInTest {
        reason: "the current thread has no name, and libtest names each test's thread after \
                 the test"
            .to_owned(),
    })?;
    if !is_test_name(name) {
        return Err(Error::NotInTest {
            reason: format!(
                "the current thread is `{name}`, not a test (call it in the test's body, not \
                 in a spawned thread or task)"
            ),
        });
    }
    Ok(cassette_path_for_test(manifest_dir, name))
}

/// The cassette path for the test `test_name` (`module::path::test_fn`) under
/// `manifest_dir`.
///
/// ```
/// use std::path::Path;
///
/// let path = reel::cassette_path_for_test("/repo/crates/app", "openai::streams_tool_calls");
/// assert_eq!(path, Path::new("/repo/crates/app/cassettes/openai/streams_tool_calls.yaml"));
/// ```
pub fn cassette_path_for_test(manifest_dir: impl AsRef<Path>, test_name: &str) -> PathBuf {
    let mut path = manifest_dir.as_ref().join("cassettes");
    for segment in test_name.split("::") {
        path.push(segment);
    }
    path.set_extension("yaml");
    path
}

/// The running test's name, if the current thread is a libtest test thread.
pub(crate) fn current_test_name() -> Option<String> {
    std::thread::current()
        .name()
        .filter(|name| is_test_name(name))
        .map(str::to_owned)
}

/// Whether a thread name is a test path: Rust identifiers joined by `::`. The main
/// thread and runtime workers (`tokio-runtime-worker`) are not.
fn is_test_name(name: &str) -> bool {
    name != "main"
        && name.split("::").all(|segment| {
            let segment = segment.strip_prefix("r#").unwrap_or(segment);
            let mut chars = segment.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_threads_are_named_after_the_test() {
        assert_eq!(
            current_test_name().as_deref(),
            Some("cassette_path::tests::test_threads_are_named_after_the_test")
        );
    }

    #[test]
    fn main_and_worker_threads_are_not_tests() {
        assert!(!is_test_name("main"));
        assert!(!is_test_name("tokio-runtime-worker"));
        assert!(!is_test_name("a::"));
        assert!(is_test_name("a::b::r#type"));
        let err = std::thread::Builder::new()
            .name("worker-1".into())
            .spawn(|| {
                cassette_path_for_current_test("/x")
                    .unwrap_err()
                    .to_string()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(
            err,
            "cannot name a cassette after the current test: the current thread is `worker-1`, \
             not a test (call it in the test's body, not in a spawned thread or task) (pass a \
             path instead, e.g. `Reel::replay(\"cassettes/my_test.yaml\")`)"
        );
    }
}
