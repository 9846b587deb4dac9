//! Arbitrary bodies, header values and names survive write -> read unchanged, and
//! write -> read -> write is stable, in both dialects.

use proptest::prelude::*;
use reel_cassette::{Cassette, Dialect, Interaction, Request, Response};

/// Fragments that trip YAML writers: indicators, YAML 1.1 look-alikes, line
/// breaks of every kind, quotes, non-printable and astral characters.
const TRICKY: &[&str] = &[
    "yes",
    "No",
    "on",
    "~",
    "null",
    "true",
    "1:20",
    "0x1F",
    "1e3",
    "-1",
    "2001-12-14",
    "<<",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\r",
    "\r\n",
    "\t",
    "'",
    "\"",
    "\\",
    "- ",
    ": ",
    " #",
    "#",
    "---",
    "...",
    "?",
    "|",
    ">",
    "&a",
    "*a",
    "!",
    "%",
    "@",
    "`",
    "{",
    "}",
    "[",
    "]",
    ",",
    "data: {\"a\":1}",
    "😀",
    "é",
    "月",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffe}",
    "\0",
    "\u{7f}",
    "\u{1b}",
    "x",
    "abc",
    "0",
    ".5",
    "=",
];

fn tricky_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TRICKY), 0..12).prop_map(|parts| parts.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![tricky_text(), any::<String>(), "[ -~\n]{0,40}"]
}

fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any_text().prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

fn cassette(
    dialect: Dialect,
    bodies: (Vec<u8>, Vec<u8>),
    header: (String, String),
    form: String,
) -> Cassette {
    let mut request = Request::new("POST", "https://api.example.com/v1").with_body(bodies.0);
    request.headers.append(header.0.clone(), header.1.clone());
    request.form.append("q", form);
    let mut response = Response::new(200).with_body(bodies.1);
    response.headers.append("X-Value", header.1);
    let mut cassette = Cassette::new();
    cassette.dialect = dialect;
    cassette
        .interactions
        .push(Interaction::new(request, response));
    cassette
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_values_survive_a_write_and_read(
        go_vcr in any::<bool>(),
        request_body in any_body(),
        response_body in any_body(),
        header_name in any_text(),
        header_value in any_text(),
        form in any_text(),
    ) {
        let dialect = if go_vcr { Dialect::GoVcr } else { Dialect::Charm };
        let original = cassette(dialect, (request_body, response_body), (header_name, header_value), form);
        let text = original.to_yaml();
        let loaded = Cassette::from_yaml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&loaded, &original, "text:\n{}", text);
        prop_assert_eq!(loaded.dialect, dialect);
        prop_assert_eq!(loaded.to_yaml(), text);
    }
}
