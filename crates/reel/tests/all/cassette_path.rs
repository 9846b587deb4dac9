//! Default cassette names from the test's name.

use std::path::Path;

use reel::Reel;
use reel_tests::reran_without_reel_env;

#[test]
fn the_default_cassette_is_named_after_the_test() {
    assert_eq!(
        reel::cassette!(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("cassettes/cassette_path/the_default_cassette_is_named_after_the_test.yaml")
    );
}

#[tokio::test]
async fn async_tests_are_named_the_same_way_and_a_missing_default_cassette_says_so() {
    if reran_without_reel_env() {
        return;
    }
    let path = reel::cassette!();
    assert!(path.ends_with("cassettes/cassette_path/async_tests_are_named_the_same_way_and_a_missing_default_cassette_says_so.yaml"));
    let err = Reel::replay(&path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "cassette {} does not exist, and mode `none` only replays",
            path.display()
        )),
        "{err}"
    );
    assert!(
        err.ends_with(
            " -- cassette_path::async_tests_are_named_the_same_way_and_a_missing_default_cassette_says_so --exact)"
        ),
        "{err}"
    );
}

#[test]
fn off_a_test_thread_the_default_cassette_has_no_name() {
    let err = std::thread::spawn(|| {
        reel::cassette_path_for_current_test(env!("CARGO_MANIFEST_DIR")).unwrap_err()
    })
    .join()
    .unwrap();
    assert!(
        err.to_string().starts_with(
            "cannot name a cassette after the current test: the current thread has no name"
        ),
        "{err}"
    );
}
