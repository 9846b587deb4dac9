//! The matching rules and their options.

use reel::cassette::{Interaction, Request, Response};
use reel::{Received, Reel};
use reel_tests::reran_without_reel_env;
use serde_json::Value;

use crate::support::{cassette, chunks, client, error_text, post, seed, seed_path};

const URL: &str = "https://api.example.com/v1/echo";

/// Sends `POST url` with `body` (and a content type) and returns the answer text, or
/// the error text.
async fn send(
    client: &reqwest_middleware::ClientWithMiddleware,
    url: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Result<String, String> {
    let mut request = client.post(url).body(body);
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    match request.send().await {
        Ok(response) => Ok(String::from_utf8(chunks(response).await.concat()).unwrap()),
        Err(err) => Err(error_text(err)),
    }
}

/// JSON text with every object's keys in reverse alphabetical order and generous
/// whitespace (whatever order serde_json keeps keys in: its `preserve_order`
/// feature, which other crates of a build may turn on, keeps document order).
fn reversed(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| b.0.cmp(a.0));
            let members: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("\n  {} :  {}", Value::from(k.as_str()), reversed(v)))
                .collect();
            format!("{{ {} \r\n}}", members.join(" ,"))
        }
        Value::Array(items) => {
            format!(
                "[ {} ]",
                items.iter().map(reversed).collect::<Vec<_>>().join(" , ")
            )
        }
        other => other.to_string(),
    }
}

#[tokio::test]
async fn json_bodies_match_regardless_of_key_order_and_whitespace() {
    if reran_without_reel_env() {
        return;
    }
    let recorded = seed().interactions[0].request.body.clone();
    let value: Value = serde_json::from_slice(&recorded).unwrap();
    let body = reversed(&value);
    assert_ne!(body.as_bytes(), &recorded[..]);
    assert!(
        body.starts_with("{ \n  \"tools\" :  [ { \n  \"type\" :  \"function\" ,"),
        "{body}"
    );
    let response = client(Reel::replay(seed_path()).unwrap())
        .post("https://api.openai.com/v1/chat/completions")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn json_numbers_match_by_value_but_array_order_counts() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, r#"{"n":1,"list":[1,2]}"#, "first")]);
    let client = client(Reel::replay(&file.path).unwrap());
    assert!(send(&client, URL, None, r#"{"list":[2,1],"n":1}"#)
        .await
        .is_err());
    assert_eq!(
        send(&client, URL, None, r#"{"list":[1e0,2.0],"n":1.0}"#)
            .await
            .unwrap(),
        "first"
    );
}

#[tokio::test]
async fn crlf_line_ends_and_their_json_escapes_are_normalized() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![
        post(URL, "line one\nline two\n", "text"),
        post(URL, r#"{"prompt":"a\nb"}"#, "json"),
    ]);
    let client = client(Reel::replay(&file.path).unwrap());
    assert_eq!(
        send(&client, URL, None, "line one\r\nline two\r\n")
            .await
            .unwrap(),
        "text"
    );
    assert_eq!(
        send(&client, URL, None, r#"{"prompt":"a\r\nb"}"#)
            .await
            .unwrap(),
        "json"
    );
}

#[tokio::test]
async fn other_bodies_must_be_equal_text() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, "hello world", "ok")]);
    let client = client(Reel::replay(&file.path).unwrap());
    let err = send(&client, URL, None, "hello  world").await.unwrap_err();
    assert!(err.contains("body: differs (both text):"), "{err}");
    assert_eq!(send(&client, URL, None, "hello world").await.unwrap(), "ok");
}

#[tokio::test]
async fn form_bodies_match_as_parameter_multisets() {
    if reran_without_reel_env() {
        return;
    }
    let form = "application/x-www-form-urlencoded";
    let mut interaction = post(URL, "b=2&a=1&a=0&msg=hi+there", "form");
    interaction.request.headers.append("Content-Type", form);
    let file = cassette(vec![interaction]);
    let client = client(Reel::replay(&file.path).unwrap().clone());
    let err = send(&client, URL, Some(form), "a=1&b=2&msg=hi%20there")
        .await
        .unwrap_err();
    assert!(err.contains("-a=0\n"), "{err}");
    assert_eq!(
        send(&client, URL, Some(form), "a=0&msg=hi%20there&a=1&b=2")
            .await
            .unwrap(),
        "form"
    );
}

#[tokio::test]
async fn query_parameters_match_in_any_order_and_can_be_ignored_by_name() {
    if reran_without_reel_env() {
        return;
    }
    let url = "https://api.example.com/v1/items?page=2&tag=a&tag=b&cursor=recorded";
    let file = cassette(vec![post(url, "", "items"), post(url, "", "items again")]);
    let strict = client(Reel::replay(&file.path).unwrap());
    let reordered = "https://api.example.com/v1/items?cursor=recorded&tag=a&page=2&tag=b";
    assert_eq!(send(&strict, reordered, None, "").await.unwrap(), "items");
    let other_cursor = "https://api.example.com/v1/items?tag=b&tag=a&page=2&cursor=other";
    let err = send(&strict, other_cursor, None, "").await.unwrap_err();
    assert!(
        err.contains(
            "  url: differs: query parameters only recorded: cursor=recorded; only received: cursor=other\n"
        ),
        "{err}"
    );

    let lenient = client(
        Reel::builder()
            .ignore_query_param("cursor")
            .replay(&file.path)
            .unwrap(),
    );
    assert_eq!(
        send(&lenient, other_cursor, None, "").await.unwrap(),
        "items"
    );
    let without_cursor = "https://api.example.com/v1/items?tag=a&tag=b&page=2";
    assert_eq!(
        send(&lenient, without_cursor, None, "").await.unwrap(),
        "items again"
    );
}

#[tokio::test]
async fn credential_query_parameters_are_redacted_before_matching_so_keys_may_differ() {
    if reran_without_reel_env() {
        return;
    }
    let url = "https://api.example.com/v1/items?key=recorded-secret&page=2";
    let file = cassette(vec![post(url, "", "items")]);
    let client = client(Reel::replay(&file.path).unwrap());
    let other_key = "https://api.example.com/v1/items?page=2&key=developer-key";
    assert_eq!(send(&client, other_key, None, "").await.unwrap(), "items");
}

#[tokio::test]
async fn method_scheme_host_port_and_path_must_match() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, "", "ok")]);
    let client = client(Reel::builder().allow_repeats().replay(&file.path).unwrap());
    for url in [
        "http://api.example.com/v1/echo",
        "https://api.example.org/v1/echo",
        "https://api.example.com:8443/v1/echo",
        "https://api.example.com/v1/echo/",
    ] {
        let err = send(&client, url, None, "").await.unwrap_err();
        assert!(
            err.contains("  url: differs: recorded https://api.example.com:443/v1/echo, received"),
            "{err}"
        );
    }
    let err = match client.put(URL).send().await {
        Ok(_) => panic!("PUT matched a POST"),
        Err(err) => error_text(err),
    };
    assert!(
        err.contains("  method: differs: recorded POST, received PUT\n"),
        "{err}"
    );
    assert_eq!(
        send(&client, "https://api.example.com:443/v1/echo", None, "")
            .await
            .unwrap(),
        "ok"
    );
}

#[tokio::test]
async fn with_the_host_ignored_only_method_path_query_and_body_count() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(&format!("{URL}?a=1&b=2"), "hi", "ok")]);
    let reel = Reel::builder()
        .ignore_host()
        .allow_repeats()
        .replay(&file.path)
        .unwrap();
    let client = client(reel);
    for url in [
        "http://127.0.0.1:4000/v1/echo?b=2&a=1",
        "https://api.example.org/v1/echo?a=1&b=2",
        "http://[::1]/v1/echo?a=1&b=2",
    ] {
        assert_eq!(send(&client, url, None, "hi").await.unwrap(), "ok", "{url}");
    }
    let err = send(
        &client,
        "http://127.0.0.1:4000/v1/other?a=1&b=2",
        None,
        "hi",
    )
    .await
    .unwrap_err();
    assert!(
        err.starts_with(
            "reel: no recorded interaction matches POST http://127.0.0.1:4000/v1/other?a=1&b=2"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "  url: differs: recorded /v1/echo, received /v1/other (query parameters match)\n"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn headers_are_not_compared_by_default_even_without_a_body() {
    if reran_without_reel_env() {
        return;
    }
    let mut interaction = Interaction::new(
        Request::new("GET", URL)
            .with_header("Accept", "application/json")
            .with_header("User-Agent", "recorder/1.0"),
        Response::new(200).with_body("ok"),
    );
    interaction.request.headers.append("X-Tenant", "a");
    let file = cassette(vec![interaction]);
    let response = client(Reel::replay(&file.path).unwrap())
        .get(URL)
        .header("Accept", "text/html")
        .header("User-Agent", "replayer/2.0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn chosen_headers_must_have_the_recorded_values() {
    if reran_without_reel_env() {
        return;
    }
    let tenant = |t: &str, answer: &str| {
        let mut i = post(URL, "{}", answer);
        i.request.headers.append("X-Tenant", t);
        i
    };
    let file = cassette(vec![tenant("a", "for a"), tenant("b", "for b")]);
    let reel = Reel::builder()
        .match_header("x-tenant")
        .replay(&file.path)
        .unwrap();
    let client = client(reel);
    let request = |t: &'static str| client.post(URL).header("X-Tenant", t).body("{}").send();
    assert_eq!(request("b").await.unwrap().text().await.unwrap(), "for b");
    let err = error_text(request("c").await.unwrap_err());
    assert!(
        err.contains("  header x-tenant: differs: recorded \"a\", received \"c\"\n"),
        "{err}"
    );
    assert_eq!(request("a").await.unwrap().text().await.unwrap(), "for a");
}

#[tokio::test]
async fn ignored_json_fields_do_not_take_part_and_a_star_covers_every_element() {
    if reran_without_reel_env() {
        return;
    }
    let recorded = r#"{"metadata":{"request_id":"r-1","user":"u"},"messages":[{"id":"m1","text":"hi"},{"id":"m2","text":"yo"}]}"#;
    let file = cassette(vec![post(URL, recorded, "ok")]);
    let received = r#"{"metadata":{"request_id":"r-2","user":"u"},"messages":[{"id":"x1","text":"hi"},{"id":"x2","text":"yo"}]}"#;
    let strict = client(Reel::replay(&file.path).unwrap());
    assert!(send(&strict, URL, None, received).await.is_err());
    let lenient = client(
        Reel::builder()
            .ignore_json_field("/metadata/request_id")
            .ignore_json_field("/messages/*/id")
            .replay(&file.path)
            .unwrap(),
    );
    assert_eq!(send(&lenient, URL, None, received).await.unwrap(), "ok");
}

#[tokio::test]
async fn a_custom_closure_matcher_can_reject_a_recording() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![
        post(URL, r#"{"seed":1}"#, "one"),
        post(URL, r#"{"seed":1}"#, "two"),
    ]);
    let reel = Reel::builder()
        .custom_matcher("recorded for /echo", |_: &Received, recorded: &Request| {
            recorded.headers.is_empty()
                && recorded.body.len() == 10
                && recorded.url.ends_with("echo")
        })
        .custom_matcher("bodies mention seed", |received: &Received, _: &Request| {
            std::str::from_utf8(received.body())
                .unwrap()
                .contains("seed")
        })
        .replay(&file.path)
        .unwrap();
    let client = client(reel);
    assert_eq!(
        send(&client, URL, None, r#"{"seed":1}"#).await.unwrap(),
        "one"
    );
    let err = send(&client, URL, None, r#"{"other":1}"#)
        .await
        .unwrap_err();
    assert!(
        err.contains("  custom matcher \"bodies mention seed\": differs (it returned false)\n"),
        "{err}"
    );
}

#[tokio::test]
async fn identical_requests_take_the_recordings_in_file_order_once_each() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, "{}", "1"), post(URL, "{}", "2")]);
    let client = client(Reel::replay(&file.path).unwrap());
    assert_eq!(send(&client, URL, None, "{}").await.unwrap(), "1");
    assert_eq!(send(&client, URL, None, "{ }").await.unwrap(), "2");
    let err = send(&client, URL, None, "{}").await.unwrap_err();
    assert!(
        err.contains("it matches every rule, but it was already replayed"),
        "{err}"
    );
}

#[tokio::test]
async fn with_repeats_allowed_the_last_match_answers_once_all_are_replayed() {
    if reran_without_reel_env() {
        return;
    }
    let poll = "https://api.example.com/v1/jobs/7";
    let get = |answer: &str| {
        Interaction::new(
            Request::new("GET", poll),
            Response::new(200).with_body(answer.to_owned()),
        )
    };
    let file = cassette(vec![get("pending"), get("done")]);
    let reel = Reel::builder().allow_repeats().replay(&file.path).unwrap();
    let client = client(reel.clone());
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(client.get(poll).send().await.unwrap().text().await.unwrap());
    }
    assert_eq!(answers, ["pending", "done", "done", "done"]);
    assert!(reel.unplayed().is_empty());
}

#[tokio::test]
async fn ignoring_bodies_matches_on_method_and_url_alone() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, "--boundary-123\r\nfile", "uploaded")]);
    let client = client(Reel::builder().ignore_body().replay(&file.path).unwrap());
    assert_eq!(
        send(&client, URL, None, "--boundary-456\r\nfile")
            .await
            .unwrap(),
        "uploaded"
    );
}

#[tokio::test]
async fn a_streamed_request_body_is_read_whole_and_matched() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, r#"{"a":1,"b":[2,3]}"#, "ok")]);
    let client = client(Reel::replay(&file.path).unwrap());
    // The JSON arrives in three pieces, with other spacing and key order.
    let pieces = [r#"{ "b": [2, "#, r#"3], "#, r#""a": 1 }"#]
        .map(|piece| Ok::<_, std::io::Error>(bytes::Bytes::from_static(piece.as_bytes())));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    assert_eq!(send(&client, URL, None, body).await.unwrap(), "ok");
}

#[tokio::test]
async fn a_request_body_over_the_limit_fails_with_the_limit_and_the_way_out() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, "x", "ok")]);
    let client = client(Reel::builder().max_body_size(8).replay(&file.path).unwrap());
    let pieces = ["12345", "67890"]
        .map(|piece| Ok::<_, std::io::Error>(bytes::Bytes::from_static(piece.as_bytes())));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let err = send(&client, URL, None, body).await.unwrap_err();
    assert_eq!(
        err,
        "POST https://api.example.com/v1/echo: the request body is over 8 bytes, the most reel \
         reads to match a request (raise the limit with `ReelBuilder::max_body_size`)"
    );
    // A body built from bytes says its size up front: refused before reading.
    let err = send(&client, URL, None, "0123456789").await.unwrap_err();
    assert!(err.contains("over 8 bytes"), "{err}");
}

#[tokio::test]
async fn equal_json_recorded_in_two_spellings_answers_in_file_order_whichever_spelling_arrives() {
    if reran_without_reel_env() {
        return;
    }
    // The exact-text shortcut must not jump the queue: the second recording has
    // the received text byte for byte, but the first is equal as JSON and comes first.
    let file = cassette(vec![
        post(URL, r#"{"a":1,"b":2}"#, "first"),
        post(URL, r#"{"b":2,"a":1}"#, "second"),
    ]);
    let client = client(Reel::replay(&file.path).unwrap());
    assert_eq!(
        send(&client, URL, None, r#"{"b":2,"a":1}"#).await.unwrap(),
        "first"
    );
    assert_eq!(
        send(&client, URL, None, r#"{"b":2,"a":1}"#).await.unwrap(),
        "second"
    );
    let err = send(&client, URL, None, r#"{"a":1,"b":2}"#)
        .await
        .unwrap_err();
    assert!(err.contains("already replayed"), "{err}");
}

#[tokio::test]
async fn an_exact_text_match_still_passes_the_header_and_custom_rules() {
    if reran_without_reel_env() {
        return;
    }
    let mut tenant_a = post(URL, r#"{"q":1}"#, "tenant a");
    tenant_a.request.headers.append("X-Tenant", "a");
    let mut tenant_b = post(URL, r#"{"q":1}"#, "tenant b");
    tenant_b.request.headers.append("X-Tenant", "b");
    let file = cassette(vec![tenant_a, tenant_b]);
    let client = client(
        Reel::builder()
            .match_header("x-tenant")
            .replay(&file.path)
            .unwrap(),
    );
    let answer = client
        .post(URL)
        .header("x-tenant", "b")
        .body(r#"{"q":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), "tenant b");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn a_gzip_compressed_json_body_matches_the_same_json_uncompressed() {
    if reran_without_reel_env() {
        return;
    }
    let file = cassette(vec![post(URL, r#"{"a":1,"b":"two"}"#, "plain")]);
    let client = client(Reel::replay(&file.path).unwrap());
    let response = client
        .post(URL)
        .header("content-encoding", "gzip")
        .body(gzip(br#"{ "b": "two", "a": 1 }"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "plain");
}

#[tokio::test]
async fn a_recorded_compressed_body_matches_with_or_without_its_header() {
    if reran_without_reel_env() {
        return;
    }
    // As go-vcr records it: the compressed bytes as sent, the header kept.
    let mut with_header = post(URL, "", "with header");
    with_header.request = with_header
        .request
        .with_header("Content-Encoding", "gzip")
        .with_body(gzip(br#"{"q":1}"#));
    // A recording that dropped the header: the gzip magic number tells.
    let mut without_header = post(URL, "", "without header");
    without_header.request = without_header.request.with_body(gzip(br#"{"q":2}"#));
    let file = cassette(vec![with_header, without_header]);
    let client = client(Reel::replay(&file.path).unwrap());
    assert_eq!(
        send(&client, URL, None, r#"{"q": 2}"#).await.unwrap(),
        "without header"
    );
    assert_eq!(
        send(&client, URL, None, r#"{"q": 1}"#).await.unwrap(),
        "with header"
    );
}

/// A redaction rule reaches into a compressed body: the recording made that
/// way holds the decoded, redacted JSON (see the capture unit tests), and it
/// matches the compressed body sent again with any secret, and the plain one.
#[tokio::test]
async fn a_compressed_body_matches_under_a_redaction_rule_compressed_or_not() {
    if reran_without_reel_env() {
        return;
    }
    let mut recorded = post(URL, r#"{"api_key":"REDACTED","q":1}"#, "redacted");
    recorded.request = recorded
        .request
        .with_header("Content-Type", "application/json");
    let file = cassette(vec![recorded]);
    let reel = Reel::builder()
        .redact_json_field("/api_key")
        .allow_repeats()
        .replay(&file.path)
        .unwrap();
    let client = client(reel);
    let compressed = client
        .post(URL)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(br#"{"q":1,"api_key":"another-s3cr3t"}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.text().await.unwrap(), "redacted");
    let plain = client
        .post(URL)
        .header("content-type", "application/json")
        .body(r#"{"q":1,"api_key":"s3cr3t"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.text().await.unwrap(), "redacted");
}

#[tokio::test]
async fn form_parameters_in_the_body_and_in_the_query_are_not_confused() {
    if reran_without_reel_env() {
        return;
    }
    const FORM: &str = "application/x-www-form-urlencoded";
    let mut recorded = post(&format!("{URL}?b=2"), "a=1", "recorded");
    recorded.request = recorded.request.with_header("Content-Type", FORM);
    let file = cassette(vec![recorded]);
    let client = client(Reel::replay(&file.path).unwrap());
    // The same parameters, each on the other side: no match.
    let err = send(&client, &format!("{URL}?a=1"), Some(FORM), "b=2")
        .await
        .unwrap_err();
    assert!(err.contains("url: differs"), "{err}");
    assert!(err.contains("body: differs"), "{err}");
    // As recorded, in another order and spelling: a match.
    let answer = send(&client, &format!("{URL}?b=2"), Some(FORM), "a=%31").await;
    assert_eq!(answer.unwrap(), "recorded");
}

#[test]
fn a_json_pointer_rule_that_names_no_field_is_an_error_when_the_cassette_opens() {
    if reel_tests::reran_without_reel_env() {
        return;
    }
    let file = crate::support::cassette(vec![crate::support::post(
        "https://x.test/v1",
        r#"{"api_key":"k","user":{"api_key":"k"}}"#,
        "{}",
    )]);
    // Each bad form, through each rule: an error naming the rule and the pointer,
    // never a panic, never a silent whole-body redaction.
    for pointer in ["api_key", "user/api_key", "", "/a~2"] {
        for (rule, builder) in [
            (
                "ignore_json_field",
                reel::Reel::builder().ignore_json_field(pointer),
            ),
            (
                "redact_json_field",
                reel::Reel::builder().redact_json_field(pointer),
            ),
        ] {
            let err = builder.replay(&file.path).unwrap_err();
            assert!(
                matches!(err, reel::Error::InvalidRule { rule: r, .. } if r == rule),
                "{err:?}"
            );
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("{rule}: JSON pointer {pointer:?}: ")),
                "{text}"
            );
            assert!(text.contains("/user/api_key, /messages/*/id"), "{text}");
        }
    }
    // The good forms open.
    reel::Reel::builder()
        .ignore_json_field("/user/api_key")
        .redact_json_field("/api_key")
        .replay(&file.path)
        .unwrap();
}
