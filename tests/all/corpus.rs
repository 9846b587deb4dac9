use std::path::PathBuf;

use reel_cassette::__private::verify_file;
use reel_cassette::{Cassette, Dialect, SecretScanner};
use reel_tests::{cassette_files, corpus_or_skip as corpus, is_ci, repo_root, seed_cassette};

/// `../shared/go-encoder`: cassettes written by Go's own encoder (yaml/v4 rc.3 and
/// rc.6, in the charm, go-vcr and indent-2 layouts). Missing outside CI: skipped.
fn go_encoder() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/go-encoder");
    if !dir.is_dir() {
        assert!(
            !is_ci(),
            "../shared/go-encoder is missing; CI runs with ../shared beside the repository"
        );
        eprintln!("note: ../shared/go-encoder not found; test skipped");
        return None;
    }
    Some(dir)
}

/// The folders of `../shared/go-encoder`, each with the dialect its files load in.
const GO_ENCODER_FOLDERS: [(&str, Dialect, usize); 5] = [
    ("minimal", Dialect::Charm, 5),
    ("rc3-charm", Dialect::Charm, 1409),
    ("rc3-go-vcr", Dialect::GoVcr, 306),
    ("rc3-indent2", Dialect::Indent2, 190),
    ("rc6-charm", Dialect::CharmFolded, 725),
];

#[test]
fn every_corpus_cassette_and_the_seed_resave_byte_for_byte() {
    let Some(dir) = corpus() else { return };
    let mut files = cassette_files(&dir);
    files.push(seed_cassette());
    assert!(
        files.len() >= 169,
        "expected the 168 corpus cassettes and the seed, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        match verify_file(path) {
            Ok(verified) => {
                if let Some(diff) = verified.difference {
                    failures.push(format!(
                        "{}:{}: {:?} != {:?}",
                        path.display(),
                        diff.line,
                        diff.original,
                        diff.reencoded
                    ));
                }
                if !verified.problems.is_empty() {
                    failures.push(format!("{}: {:?}", path.display(), verified.problems));
                }
            }
            Err(err) => failures.push(err.to_string()),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cassettes do not round-trip:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn a_resaved_corpus_cassette_is_the_same_cassette() {
    let Some(dir) = corpus() else { return };
    for path in cassette_files(&dir) {
        let cassette = Cassette::load(&path).unwrap();
        let again = Cassette::from_yaml(&cassette.to_yaml()).unwrap();
        assert_eq!(again, cassette, "{}", path.display());
    }
}

#[test]
fn the_go_vcr_dialect_file_is_recognised_and_kept() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("fantasy/TestAnthropicWebSearch/stream.yaml");
    let cassette = Cassette::load(&path).unwrap();
    assert_eq!(cassette.dialect, Dialect::GoVcr);
    assert_eq!(cassette.to_yaml(), std::fs::read_to_string(&path).unwrap());
    let charm = Cassette::load(seed_cassette()).unwrap();
    assert_eq!(charm.dialect, Dialect::Charm);
}

#[test]
fn binary_bedrock_bodies_load_as_event_stream_frames_and_resave_as_binary() {
    let Some(dir) = corpus() else { return };
    let (mut tagged, mut binary) = (0, 0);
    for path in cassette_files(&dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        tagged += text.matches("body: !!binary").count();
        let cassette = Cassette::from_yaml(&text).unwrap();
        for interaction in &cassette.interactions {
            let body = &interaction.response.body;
            if std::str::from_utf8(body).is_err() {
                binary += 1;
                let frame_len = u32::from_be_bytes([body[0], body[1], body[2], body[3]]) as usize;
                assert!((16..=body.len()).contains(&frame_len), "{}", path.display());
            }
        }
    }
    assert!(tagged > 0, "the corpus has binary bodies");
    assert_eq!(
        binary, tagged,
        "every `!!binary` body loads as non-UTF-8 bytes"
    );
}

#[test]
fn the_seed_holds_two_streamed_chat_completions() {
    let cassette = Cassette::load(seed_cassette()).unwrap();
    assert_eq!(cassette.interactions.len(), 2);
    for interaction in &cassette.interactions {
        assert_eq!(interaction.request.method, "POST");
        assert_eq!(
            interaction.request.url,
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(interaction.response.code, 200);
        assert!(interaction.response.body.ends_with(b"data: [DONE]\n\n"));
    }
}

#[test]
fn the_secret_scanner_finds_nothing_in_the_corpus_or_the_seed() {
    let Some(dir) = corpus() else { return };
    let scanner = SecretScanner::token_shapes();
    let mut files = cassette_files(&dir);
    files.push(seed_cassette());
    for path in files {
        let findings = scanner.scan(&Cassette::load(&path).unwrap());
        assert!(findings.is_empty(), "{}: {findings:?}", path.display());
    }
}

#[test]
fn every_cassette_gos_encoder_wrote_resaves_byte_for_byte() {
    let Some(dir) = go_encoder() else { return };
    let mut failures = Vec::new();
    for (folder, _, expected) in GO_ENCODER_FOLDERS {
        let files = cassette_files(&dir.join(folder));
        assert_eq!(files.len(), expected, "{folder}: files");
        for path in &files {
            match verify_file(path) {
                Ok(verified) => {
                    if let Some(diff) = verified.difference {
                        failures.push(format!(
                            "{}:{}: {:?} != {:?}",
                            path.display(),
                            diff.line,
                            diff.original,
                            diff.reencoded
                        ));
                    }
                }
                Err(err) => failures.push(err.to_string()),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cassettes of ../shared/go-encoder do not round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn each_go_encoder_layout_is_recognised_and_a_resaved_file_is_the_same_cassette() {
    let Some(dir) = go_encoder() else { return };
    for (folder, dialect, _) in GO_ENCODER_FOLDERS {
        let mut seen = std::collections::BTreeMap::new();
        for path in cassette_files(&dir.join(folder)) {
            let cassette = Cassette::load(&path).unwrap();
            // `interactions: []` is the same in every layout.
            if !cassette.interactions.is_empty() {
                *seen.entry(format!("{:?}", cassette.dialect)).or_insert(0) += 1;
            }
            let again = Cassette::from_yaml(&cassette.to_yaml()).unwrap();
            assert_eq!(again, cassette, "{}", path.display());
            assert_eq!(again.dialect, cassette.dialect, "{}", path.display());
        }
        // A charm file with nothing past column 80 to fold and none of rc.5's
        // quoting marks reads the same from rc.3 to rc.6: it loads as `Charm`.
        let told = seen.get(&format!("{dialect:?}")).copied().unwrap_or(0);
        let plain_charm = seen.get("Charm").copied().unwrap_or(0);
        let ok = match dialect {
            Dialect::CharmFolded => told > 0 && told + plain_charm == seen.values().sum::<usize>(),
            _ => seen.len() == 1 && told > 0,
        };
        assert!(ok, "{folder}: loaded as {seen:?}, expected {dialect:?}");
    }
}

/// `go-encoder/minimal/`: the bytes of `!!binary` header and form values, not
/// their base64 text; the BOM and key-order files load and re-save.
#[test]
fn the_minimal_go_encoder_files_hold_bytes_where_go_wrote_binary() {
    let Some(dir) = go_encoder() else { return };
    let minimal = dir.join("minimal");
    let header = Cassette::load(minimal.join("binary-header-value.yaml")).unwrap();
    let values = header.interactions[0].response.headers.get_all("X");
    assert_eq!(values.len(), 1);
    assert_eq!(values[0].as_bytes(), b"caf\xe9");
    let form = Cassette::load(minimal.join("binary-form-value.yaml")).unwrap();
    assert_eq!(
        form.interactions[0].request.form.get_all("q")[0].as_bytes(),
        b"\xff"
    );
    let bom = Cassette::load(minimal.join("bom-body.yaml")).unwrap();
    assert_eq!(
        &bom.interactions[0].response.body[..],
        "\u{feff}{\"a\":1}".as_bytes()
    );
}
