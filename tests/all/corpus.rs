use reel_cassette::{verify_file, Cassette, Dialect, SecretScanner};
use reel_tests::{cassette_files, corpus_or_skip as corpus, seed_cassette};

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
