use crate::support::{corpus, dir_with, reel, repo_root, seed_text, SEED};

#[test]
fn fmt_check_finds_the_seed_canonical_and_exits_0() {
    let run = reel(&["fmt", "--check", SEED], &repo_root());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "0 of 1 cassette would be reformatted\n", "")
    );
}

#[test]
fn fmt_converts_between_dialects_and_back_byte_for_byte() {
    let dir = dir_with(&[("seed.yaml", &seed_text())]);
    let run = reel(
        &["fmt", "--check", "--dialect", "go-vcr", "seed.yaml"],
        dir.path(),
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "seed.yaml:4: would be reformatted from this line\n\
         1 of 1 cassette would be reformatted (run reel fmt without --check to rewrite them)\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("seed.yaml")).unwrap(),
        seed_text()
    );

    let run = reel(&["fmt", "--dialect", "go-vcr", "seed.yaml"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "formatted seed.yaml\nformatted 1 of 1 cassette\n")
    );
    let converted = std::fs::read_to_string(dir.path().join("seed.yaml")).unwrap();
    assert!(converted.starts_with("---\nversion: 2\ninteractions:\n    - id: 0\n      request:\n"));
    // Without --dialect a file keeps the layout it has.
    let run = reel(&["fmt", "--check", "seed.yaml"], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "0 of 1 cassette would be reformatted\n")
    );

    let run = reel(&["fmt", "--dialect", "charm", "seed.yaml"], dir.path());
    assert_eq!(run.code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("seed.yaml")).unwrap(),
        seed_text()
    );
}

#[test]
fn fmt_converts_to_the_newer_layouts_and_keeps_them() {
    let dir = dir_with(&[("seed.yaml", &seed_text())]);
    for (dialect, marker) in [
        ("indent2", "interactions:\n  - id: 0\n    request:\n"),
        ("charm-folded", "interactions:\n- id: 0\n  request:\n"),
    ] {
        let run = reel(&["fmt", "--dialect", dialect, "seed.yaml"], dir.path());
        assert_eq!(run.code, 0, "{dialect}: {}", run.stderr);
        let converted = std::fs::read_to_string(dir.path().join("seed.yaml")).unwrap();
        assert!(converted.contains(marker), "{dialect}:\n{converted}");
        if dialect == "charm-folded" {
            // The seed's long JSON request bodies fold at 80 columns: the line
            // after `body:` continues the value, two columns deeper.
            let lines: Vec<&str> = converted.lines().collect();
            let body = lines
                .iter()
                .position(|l| l.starts_with("    body: '{\"messages\""))
                .unwrap();
            assert!(lines[body].chars().count() > 80, "{}", lines[body]);
            assert!(lines[body + 1].starts_with("      "), "{converted}");
        }
        // Without --dialect the file keeps the layout it now has.
        let run = reel(&["fmt", "--check", "seed.yaml"], dir.path());
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, "0 of 1 cassette would be reformatted\n"),
            "{dialect}"
        );
    }
    let run = reel(&["fmt", "--dialect", "charm", "seed.yaml"], dir.path());
    assert_eq!(run.code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("seed.yaml")).unwrap(),
        seed_text()
    );
}

#[test]
fn fmt_rewrites_a_hand_edited_cassette_in_go_key_order() {
    let edited = seed_text().replacen("---\n", "", 1).replacen(
        "    proto_major: 1\n    proto_minor: 1\n",
        "    proto_minor: 1\n    proto_major: 1\n",
        1,
    );
    let dir = dir_with(&[("edited.yaml", &edited), ("seed.yaml", &seed_text())]);
    let run = reel(&["fmt", "."], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "formatted ./edited.yaml\nformatted 1 of 2 cassettes\n")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("edited.yaml")).unwrap(),
        seed_text()
    );
    let run = reel(&["fmt", "--check", "."], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "0 of 2 cassettes would be reformatted\n")
    );
}

#[test]
fn fmt_of_a_broken_or_missing_cassette_formats_the_rest_and_exits_2() {
    let dir = dir_with(&[
        ("broken.yaml", "---\nversion: 2\ninteractions: [\n"),
        ("seed.yaml", &seed_text()),
    ]);
    let run = reel(
        &["fmt", "--check", "broken.yaml", "seed.yaml", "nope.yaml"],
        dir.path(),
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "0 of 2 cassettes would be reformatted\n");
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors[0], "reel: nope.yaml: no such file or directory");
    assert!(
        errors[1].starts_with("reel: broken.yaml:4:1: "),
        "{}",
        run.stderr
    );
    let run = reel(&["fmt", "--dialect", "yaml", "seed.yaml"], dir.path());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("[possible values: charm, go-vcr, charm-folded, indent2]"),
        "{}",
        run.stderr
    );
}

#[test]
fn fmt_leaves_copies_of_corpus_cassettes_unchanged() {
    let Some(corpus) = corpus() else { return };
    // Both layouts, a binary event stream, an SSE stream, and double-quoted
    // Gemini streams with a hand-edited content_length.
    let picks = [
        "fantasy/TestAnthropicWebSearch/stream.yaml",
        "fantasy/TestBedrockCommon/bedrock-anthropic-claude-haiku-4-5/simple_streaming.yaml",
        "fantasy/TestAnthropicCommon/claude-sonnet-4/simple_streaming.yaml",
        "fantasy/TestGoogleCommon/vertex-gemini-2-5-flash/tool_streaming.yaml",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut originals = Vec::new();
    for (i, pick) in picks.iter().enumerate() {
        let text = std::fs::read(corpus.join(pick)).unwrap_or_else(|e| panic!("{pick}: {e}"));
        let name = format!("{i}.yaml");
        std::fs::write(dir.path().join(&name), &text).unwrap();
        originals.push((name, text));
    }
    let run = reel(&["fmt", "--check", "."], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "0 of 4 cassettes would be reformatted\n", "")
    );
    let run = reel(&["fmt", "."], dir.path());
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "formatted 0 of 4 cassettes\n")
    );
    for (name, text) in originals {
        assert!(
            std::fs::read(dir.path().join(&name)).unwrap() == text,
            "{name} changed"
        );
    }
}

/// `reel fmt`, `reel scrub` and accepting a review keep the cassette's mode.
#[cfg(unix)]
#[test]
fn rewriting_commands_keep_the_cassettes_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o7777;
    let set = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let seed = crate::support::seed_text();
    // Indented the go-vcr way, so that `reel fmt` has something to rewrite.
    let reindented = seed.replace("\n    ", "\n      ");
    let dir = crate::support::dir_with(&[
        ("fmt.yaml", &reindented),
        ("scrub.yaml", &seed),
        ("review.yaml", &seed),
        (
            "review.yaml.pending",
            &seed.replace("gpt-4o-mini", "gpt-4o"),
        ),
    ]);
    for name in ["fmt.yaml", "scrub.yaml", "review.yaml"] {
        set(&dir.path().join(name), 0o640);
    }
    let fmt = crate::support::reel(&["fmt", "fmt.yaml"], dir.path());
    let scrub = crate::support::reel(
        &["scrub", "--json-field", "/model", "scrub.yaml"],
        dir.path(),
    );
    let review = crate::support::reel(&["review", "--accept", "."], dir.path());
    for (name, run) in [
        ("fmt.yaml", fmt),
        ("scrub.yaml", scrub),
        ("review.yaml", review),
    ] {
        assert_eq!(run.code, 0, "{name}: {}{}", run.stdout, run.stderr);
        assert_eq!(mode(&dir.path().join(name)), 0o640, "{name}");
    }
    // Each command did rewrite its file.
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(read("fmt.yaml"), seed);
    assert!(read("scrub.yaml").contains("REDACTED"));
    assert_eq!(read("review.yaml"), seed.replace("gpt-4o-mini", "gpt-4o"));
}
