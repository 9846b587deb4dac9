//! Each broken file gives an error that names the file, the line and column where
//! the parser knows them, what is wrong and what to do. None panics.

use reel_cassette::{Cassette, Error, Location};

const RESPONSE: &str = "  response:\n    body: \"\"\n    headers: {}\n    status: 200 OK\n    code: 200\n    duration: 0s\n";

/// Writes `text` to a cassette file and loads it, expecting an error.
fn load_error(text: &str) -> (String, Error) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, text).unwrap();
    let err = Cassette::load(&path).expect_err("the cassette must not load");
    let message = err.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "names the file: {message}"
    );
    (message, err)
}

fn at(line: usize, column: usize) -> Option<Location> {
    Some(Location { line, column })
}

fn interaction(request_extra: &str, response: &str) -> String {
    format!("---\nversion: 2\ninteractions:\n- id: 0\n  request:\n{request_extra}    url: https://x/\n    method: GET\n{response}")
}

#[test]
fn text_that_is_not_yaml_is_reported_where_the_parser_stopped() {
    let (message, err) = load_error("version: 2\ninteractions: ]\n");
    assert_eq!(err.location(), at(2, 15), "{message}");
    assert!(
        message.contains("did not find expected node content"),
        "{message}"
    );
}

#[test]
fn a_truncated_file_says_it_looks_cut_short() {
    let seed = std::fs::read_to_string(reel_tests::seed_cassette()).unwrap();
    let (message, err) = load_error(&seed[..700]);
    assert_eq!(err.location().map(|l| l.line), Some(11), "{message}");
    assert!(
        message.contains("end of stream") && message.contains("cut short"),
        "{message}"
    );
}

#[test]
fn tab_indentation_is_named_as_the_problem() {
    let (message, err) = load_error("---\nversion: 2\ninteractions:\n\t- id: 0\n");
    assert_eq!(err.location(), at(4, 1), "{message}");
    assert!(
        message.contains("indented with a tab; YAML indents with spaces only"),
        "{message}"
    );
}

#[test]
fn another_version_says_which_was_found_and_which_is_supported() {
    let (message, err) = load_error("---\nversion: 3\ninteractions: []\n");
    assert_eq!(err.location(), at(2, 10));
    assert!(
        message.contains("unsupported cassette version 3: reel supports version 2 (go-vcr v4)"),
        "{message}"
    );
    assert!(message.contains("REEL_RECORD=all"), "{message}");
    let (message, _) = load_error("---\nversion: \"2\"\ninteractions: []\n");
    assert!(message.contains("version \"2\""), "{message}");
}

#[test]
fn a_missing_version_is_an_error() {
    let (message, _) = load_error("---\ninteractions: []\n");
    assert!(
        message.contains("missing field `version`") && message.contains("starts with `version: 2`"),
        "{message}"
    );
}

#[test]
fn interactions_must_be_a_list() {
    let (message, err) = load_error("---\nversion: 2\ninteractions: {a: 1}\n");
    assert_eq!(err.location(), at(3, 15));
    assert!(
        message.contains("interactions: invalid type: map, expected a sequence"),
        "{message}"
    );
}

#[test]
fn a_duration_that_is_a_bare_integer_or_garbage_is_rejected() {
    let (message, err) = load_error(&interaction("", &RESPONSE.replace("0s", "1500")));
    assert_eq!(err.location(), at(13, 15), "{message}");
    assert!(
        message.contains("interactions[0].response.duration: duration is a bare number `1500`"),
        "{message}"
    );
    let (message, err) = load_error(&interaction("", &RESPONSE.replace("0s", "soon")));
    assert_eq!(err.location(), at(13, 15), "{message}");
    assert!(
        message.contains("invalid duration `soon`") && message.contains("`1.5s`"),
        "{message}"
    );
}

#[test]
fn bad_base64_in_a_binary_body_is_rejected() {
    let (message, err) = load_error(&interaction("    body: !!binary \"@@@@\"\n", RESPONSE));
    assert_eq!(err.location(), at(6, 11), "{message}");
    assert!(
        message.contains("invalid base64 in `!!binary` body"),
        "{message}"
    );
}

#[test]
fn a_header_value_that_is_a_map_is_rejected() {
    let (message, err) = load_error(&interaction(
        "    headers:\n      Accept:\n        a: b\n",
        RESPONSE,
    ));
    assert_eq!(err.location(), at(8, 9), "{message}");
    assert!(
        message.contains("headers.Accept: invalid type: map, expected a sequence"),
        "{message}"
    );
}

#[test]
fn an_empty_file_is_an_error_that_says_what_to_do() {
    for text in ["", "\n\n", "   "] {
        let (message, err) = load_error(text);
        assert_eq!(err.location(), None);
        assert!(
            message.contains("the cassette is empty") && message.contains("record it again"),
            "{message}"
        );
    }
}

#[test]
fn a_zero_byte_body_loads_and_resaves() {
    let text = interaction("    body: \"\"\n", RESPONSE);
    let cassette = Cassette::from_yaml(&text).unwrap();
    assert!(cassette.interactions[0].request.body.is_empty());
    assert!(cassette.interactions[0].response.body.is_empty());
    assert!(Cassette::from_yaml(&cassette.to_yaml())
        .unwrap()
        .interactions[0]
        .response
        .body
        .is_empty());
}

#[test]
fn a_path_that_does_not_exist_says_so_and_how_to_record() {
    let err = Cassette::load("cassettes/no/such/file.yaml").unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("cassettes/no/such/file.yaml: cannot read cassette: "),
        "{message}"
    );
    assert!(message.contains("REEL_RECORD=once"), "{message}");
}

#[test]
fn an_alias_bomb_neither_hangs_nor_expands_where_it_is_used() {
    let mut bomb = String::from("---\nversion: 2\nx:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..10u8 {
        let (name, prev) = ((b'a' + i) as char, (b'a' + i - 1) as char);
        bomb.push_str(&format!(
            "  {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    let (message, err) = load_error(&format!("{bomb}interactions: *j\n"));
    assert_eq!(err.location(), at(12, 6), "{message}");
    assert!(message.contains("expected an interaction"), "{message}");
    let (message, _) = load_error(&format!(
        "{bomb}interactions:\n- request:\n    headers:\n      A: *j\n"
    ));
    assert!(
        message.contains("headers.A[0]: invalid type: sequence, expected a string"),
        "{message}"
    );
}

#[test]
fn nesting_ten_thousand_levels_deep_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "---\nversion: 2\ninteractions: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (message, err) = load_error(&deep);
    assert_eq!(err.location(), at(3, 16), "{message}");
    assert!(message.contains("expected an interaction"), "{message}");
    let deep_map = format!(
        "---\nversion: 2\ninteractions:\n- request:\n    body: {}1{}\n",
        "{a: ".repeat(10_000),
        "}".repeat(10_000)
    );
    let (message, _) = load_error(&deep_map);
    assert!(
        message.contains("interactions[0].request.body"),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_utf8_gives_the_position_of_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.yaml");
    std::fs::write(&path, b"---\nversion: 2\n# caf\xe9\n").unwrap();
    let err = Cassette::load(&path).unwrap_err();
    assert_eq!(err.location(), at(3, 6));
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn unknown_keys_and_a_missing_document_marker_are_accepted() {
    let text = "version: 2\nfuture: [1, 2]\ninteractions:\n- id: 7\n  extra: x\n  request:\n    url: https://x/\n    method: GET\n  response:\n    code: 200\n";
    let cassette = Cassette::from_yaml(text).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    assert_eq!(cassette.interactions[0].response.code, 200);
}
