//! Cassettes checked out with `\r\n` line endings (Git for Windows' default for
//! text): they load as Go wrote them, replay, and re-save with the endings they had.

use reel_cassette::__private::verify_file;
use reel_cassette::{Cassette, LineEndings};
use reel_tests::{cassette_files, corpus_cassettes, repo_root, seed_cassette};

/// `text` as a Windows checkout has it.
fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// Every cassette that re-saves byte for byte (the corpus, in the charm layout,
/// and Go's encoder's folders: go-vcr, indent-2 and rc.6 layouts), checked out
/// with CRLF: the same interactions and dialect, and the same CRLF bytes back.
#[test]
fn crlf_copies_of_every_layout_re_save_unchanged() {
    let Some(mut files) = corpus_cassettes() else {
        return;
    };
    let go_encoder = repo_root().join("../shared/go-encoder");
    for folder in [
        "minimal",
        "rc3-charm",
        "rc3-go-vcr",
        "rc3-indent2",
        "rc6-charm",
    ] {
        let dir = go_encoder.join(folder);
        if dir.is_dir() {
            files.extend(cassette_files(&dir));
        }
    }
    files.push(seed_cassette());
    let mut dialects = std::collections::BTreeSet::new();
    let mut checked = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let lf = Cassette::from_yaml(&text).unwrap();
        if lf.to_yaml() != text || !text.contains('\n') {
            continue; // only files that re-save byte for byte as LF (CI checks which)
        }
        let windows = crlf(&text);
        let loaded =
            Cassette::from_yaml(&windows).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert_eq!(loaded.line_endings, LineEndings::Crlf, "{}", path.display());
        assert_eq!(loaded.dialect, lf.dialect, "{}", path.display());
        assert_eq!(loaded.interactions, lf.interactions, "{}", path.display());
        assert!(
            loaded.to_yaml() == windows,
            "{}: re-saved differently",
            path.display()
        );
        dialects.insert(format!("{:?}", lf.dialect));
        checked += 1;
    }
    assert!(checked > 100, "only {checked} cassettes checked");
    // The go-vcr and charm layouts at least (the go-encoder folders add the rest).
    assert!(dialects.contains("Charm"), "{dialects:?}");
    if go_encoder.is_dir() {
        assert!(dialects.contains("GoVcr"), "{dialects:?}");
    }
}

/// `reel check`'s verification, a save and a replay, on a CRLF file.
#[tokio::test]
async fn a_crlf_cassette_checks_clean_saves_as_crlf_and_replays() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.yaml");
    let windows = crlf(&std::fs::read_to_string(seed_cassette()).unwrap());
    std::fs::write(&path, &windows).unwrap();

    let verified = verify_file(&path).unwrap();
    assert_eq!(verified.difference, None);
    Cassette::load(&path).unwrap().save(&path).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap() == windows);

    let reel = reel::Reel::replay(&path).unwrap();
    let recorded = Cassette::load(&path).unwrap().interactions[0]
        .request
        .clone();
    let request = http::Request::post(recorded.url.as_str())
        .body(recorded.body.clone())
        .unwrap();
    let reel::Decision::Replay(response) = reel
        .decide(&reel::Received::from_http(request).unwrap())
        .await
    else {
        panic!("the CRLF cassette's first request does not replay");
    };
    assert_eq!(response.status(), 200);
    // The body is the one recorded, with its own `\n`s: the checkout's `\r`s
    // are not part of what the server sent.
    use http_body_util::BodyExt as _;
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let lf = Cassette::load(seed_cassette()).unwrap();
    assert_eq!(body, lf.interactions[0].response.body);
    assert!(!body.windows(2).any(|w| w == b"\r\n"));
}
