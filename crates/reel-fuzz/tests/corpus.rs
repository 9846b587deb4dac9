//! The fuzz targets' checks on stable: every input of the committed corpus
//! (`fuzz/corpus/TARGET/`), every recorded finding (`fuzz/regressions/TARGET/`),
//! and, for `load`, every cassette in `../shared` (the real corpus and the files
//! Go's encoder wrote).

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    reel_tests::repo_root().join("fuzz")
}

/// Every file under `dir`, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on each file, and fails naming every file it panicked on.
fn check_all(target: &str, check: fn(&[u8]), inputs: &[PathBuf]) -> usize {
    let failed: Vec<String> = inputs
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("readable input");
            std::panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: failed on {failed:#?}");
    inputs.len()
}

#[test]
fn every_target_passes_its_committed_corpus_and_findings() {
    for (target, check) in reel_fuzz::TARGETS {
        let mut inputs = files(&fuzz_dir().join("corpus").join(target));
        assert!(
            !inputs.is_empty(),
            "fuzz/corpus/{target} is empty: run fuzz/run {target} and minimize into it"
        );
        inputs.extend(files(&fuzz_dir().join("regressions").join(target)));
        let checked = check_all(target, *check, &inputs);
        eprintln!("{target}: {checked} inputs");
    }
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    for (target, _) in reel_fuzz::TARGETS {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&source).expect("a fuzz target per check");
        assert!(
            text.contains(&format!("reel_fuzz::{target}(data)")),
            "{} does not call reel_fuzz::{target}",
            source.display()
        );
    }
}

#[test]
fn every_shared_cassette_passes_the_load_check() {
    let Some(corpus) = reel_tests::corpus_or_skip() else {
        return;
    };
    let mut inputs = reel_tests::cassette_files(&corpus);
    let go_encoder = corpus.join("../go-encoder");
    if go_encoder.is_dir() {
        inputs.extend(reel_tests::cassette_files(&go_encoder));
    }
    let checked = check_all("load", reel_fuzz::load, &inputs);
    assert!(checked > 168, "only {checked} cassettes in ../shared");
}
