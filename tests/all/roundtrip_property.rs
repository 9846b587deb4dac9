//! Arbitrary bodies, header values and names survive write -> read unchanged, and
//! write -> read -> write is stable, in every dialect. The fields that hold bytes
//! (header, trailer and form names and values, `transfer_encoding`, `host`,
//! `remote_addr`, `request_uri`) get strings that are not UTF-8 too, which Go
//! writes `!!binary`.

use proptest::prelude::*;
use reel_cassette::{ByteString, Cassette, Dialect, Interaction, Request, Response};

/// Fragments that trip YAML writers (shared with the fuzz targets' generator).
use reel_fuzz::TRICKY;

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

/// A Go string: text, or bytes that are not UTF-8 (a Latin-1 `café`, random bytes).
fn any_go_string() -> impl Strategy<Value = ByteString> {
    prop_oneof![
        3 => any_text().prop_map(ByteString::from),
        1 => prop::collection::vec(any::<u8>(), 0..100).prop_map(ByteString::from),
        1 => any_text().prop_map(|t| {
            let mut bytes: Vec<u8> = t.chars().map(|c| c as u32 as u8).collect();
            bytes.push(0xe9);
            ByteString::from(bytes)
        }),
    ]
}

fn any_dialect() -> impl Strategy<Value = Dialect> {
    prop::sample::select(vec![
        Dialect::Charm,
        Dialect::GoVcr,
        Dialect::CharmFolded,
        Dialect::Indent2,
    ])
}

/// The byte-capable fields of one request and response.
#[derive(Debug, Clone)]
struct GoStrings {
    header_value: ByteString,
    form_name: ByteString,
    form_value: ByteString,
    trailer_name: ByteString,
    trailer_value: ByteString,
    transfer_encoding: ByteString,
    host: ByteString,
    remote_addr: ByteString,
    request_uri: ByteString,
}

fn any_go_strings() -> impl Strategy<Value = GoStrings> {
    (
        (any_go_string(), any_go_string(), any_go_string()),
        (any_go_string(), any_go_string(), any_go_string()),
        (any_go_string(), any_go_string(), any_go_string()),
    )
        .prop_map(|(a, b, c)| GoStrings {
            header_value: a.0,
            form_name: a.1,
            form_value: a.2,
            trailer_name: b.0,
            trailer_value: b.1,
            transfer_encoding: b.2,
            host: c.0,
            remote_addr: c.1,
            request_uri: c.2,
        })
}

fn cassette(
    dialect: Dialect,
    bodies: (Vec<u8>, Vec<u8>),
    header: (String, String),
    form: String,
    go: GoStrings,
) -> Cassette {
    let mut request = Request::new("POST", "https://api.example.com/v1").with_body(bodies.0);
    request.headers.append(header.0.clone(), header.1.clone());
    request.form.append("q", form);
    request.form.append_bytes(go.form_name, go.form_value);
    request
        .trailer
        .append_bytes(go.trailer_name.clone(), go.trailer_value.clone());
    request.transfer_encoding.push(go.transfer_encoding.clone());
    request.host = go.host;
    request.remote_addr = go.remote_addr;
    request.request_uri = go.request_uri;
    let mut response = Response::new(200).with_body(bodies.1);
    response.headers.append("X-Value", header.1);
    response.headers.append("X-Bytes", go.header_value);
    response
        .trailer
        .append_bytes(go.trailer_name, go.trailer_value);
    response.transfer_encoding.push(go.transfer_encoding);
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
        dialect in any_dialect(),
        request_body in any_body(),
        response_body in any_body(),
        header_name in any_text(),
        header_value in any_text(),
        form in any_text(),
        go in any_go_strings(),
    ) {
        let original = cassette(dialect, (request_body, response_body), (header_name, header_value), form, go);
        let text = original.to_yaml();
        let loaded = Cassette::from_yaml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        // A charm-folded file with nothing to fold and none of rc.5's quoting marks
        // is also what rc.3 writes: it may load as `Charm`, and re-saves the same.
        if loaded.dialect != dialect {
            prop_assert_eq!((dialect, loaded.dialect), (Dialect::CharmFolded, Dialect::Charm), "text:\n{}", text);
        }
        let mut expected = original.clone();
        expected.dialect = loaded.dialect;
        prop_assert_eq!(&loaded, &expected, "text:\n{}", text);
        prop_assert_eq!(loaded.to_yaml(), text);
    }
}
