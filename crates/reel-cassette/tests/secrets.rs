//! The secret scanner against planted credentials and benign look-alikes.
//!
//! Recall: one credential per rule, planted in each place a recording can hold
//! one (a request header kept with `keep_header`, a URL query, a request JSON
//! body, a response JSON body, a server-sent event, and cut across three
//! streamed deltas as a model echoes it), must be caught, and only as
//! its own kind. False findings: the compatibility corpus (`../shared/corpus`),
//! the seed cassette and a list of look-alikes (placeholders, masked echoes, ids,
//! digests, image data, OpenAI's 401 body) must give none.
//!
//! Keys are built at run time from pieces and a deterministic generator, so this
//! file holds no key-shaped literal. `cargo test -p reel-cassette --test secrets
//! -- --nocapture` prints the tables.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use reel_cassette::{Cassette, Interaction, Redaction, Request, Response, SecretScanner};
use serde_json::json;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const HEX: &str = "0123456789abcdef";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGITS: &str = "0123456789";

/// `len` random-looking characters of `alphabet`, the same for the same `seed`.
fn random(alphabet: &str, len: usize, seed: u64) -> String {
    let alphabet = alphabet.as_bytes();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    (0..len)
        .map(|_| {
            // splitmix64
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            char::from(alphabet[(z % alphabet.len() as u64) as usize])
        })
        .collect()
}

/// A credential as a client would send it: the kind the scanner must report,
/// a field name (header, query parameter or JSON key) and the value.
struct Planted {
    kind: &'static str,
    name: &'static str,
    value: String,
}

fn planted(kind: &'static str, name: &'static str, value: String) -> Planted {
    Planted { kind, name, value }
}

/// One credential of each rule's shape, built from `seed`.
fn credentials(seed: u64) -> Vec<Planted> {
    let r = |alphabet: &str, len: usize, n: u64| random(alphabet, len, seed * 1000 + n);
    let pem: String = (0..10).map(|i| r(BASE64, 64, 100 + i) + "\n").collect();
    vec![
        planted(
            "Anthropic API key",
            "anthropic_api_key",
            format!("{}{}AA", concat!("sk-", "ant-", "api03-"), r(ALNUM, 93, 1)),
        ),
        planted(
            "OpenRouter API key",
            "openrouter_key",
            format!("{}{}", concat!("sk-", "or-", "v1-"), r(HEX, 64, 2)),
        ),
        planted(
            "OpenAI API key",
            "Authorization",
            format!(
                "Bearer {}{}T3BlbkFJ{}",
                concat!("sk-", "proj-"),
                r(ALNUM, 74, 3),
                r(ALNUM, 74, 4)
            ),
        ),
        planted(
            "OpenAI API key",
            "openai_admin_key",
            format!("{}{}", concat!("sk-", "admin-"), r(ALNUM, 120, 5)),
        ),
        planted(
            "OpenAI API key",
            "openai_service_key",
            format!("{}{}", concat!("sk-", "svcacct-"), r(ALNUM, 120, 6)),
        ),
        planted(
            "OpenAI API key",
            "deepseek_key",
            format!("{}{}", concat!("sk", "-"), r(HEX, 32, 7)),
        ),
        planted(
            "Stripe secret key",
            "stripe_key",
            format!("{}{}", concat!("sk_", "live_"), r(ALNUM, 99, 8)),
        ),
        planted(
            "Stripe secret key",
            "stripe_restricted_key",
            format!("{}{}", concat!("rk_", "live_"), r(ALNUM, 99, 9)),
        ),
        planted(
            "Google API key",
            "x-goog-api-key",
            format!("{}{}", concat!("AI", "za"), r(ALNUM, 35, 10)),
        ),
        planted(
            "Google OAuth access token",
            "Authorization",
            format!("Bearer {}{}", concat!("ya", "29."), r(ALNUM, 150, 11)),
        ),
        planted(
            "AWS access key id",
            "Authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}{}/20250101/us-east-1/bedrock/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature={}",
                concat!("AK", "IA"),
                r(UPPER_DIGITS, 16, 12),
                r(HEX, 64, 13)
            ),
        ),
        planted(
            "AWS access key id",
            "aws_access_key_id",
            format!("{}{}", concat!("AS", "IA"), r(UPPER_DIGITS, 16, 14)),
        ),
        planted(
            "AWS secret access key",
            "X-Aws-Secret-Access-Key",
            r(BASE64, 40, 15),
        ),
        planted(
            "AWS secret access key",
            "SecretAccessKey",
            r(BASE64, 40, 16),
        ),
        planted(
            "AWS secret access key",
            "secretAccessKey",
            r(BASE64, 40, 17),
        ),
        planted(
            "AWS session token",
            "X-Amz-Security-Token",
            format!("IQoJb3JpZ2luX2Vj{}", r(BASE64, 600, 18)),
        ),
        planted(
            "AWS session token",
            "aws_session_token",
            format!("FwoGZXIvYXdz{}", r(BASE64, 300, 19)),
        ),
        planted(
            "GitHub token",
            "Authorization",
            format!("token {}{}", concat!("gh", "p_"), r(ALNUM, 36, 20)),
        ),
        planted(
            "GitHub token",
            "github_app_token",
            format!("{}{}", concat!("gh", "s_"), r(ALNUM, 36, 21)),
        ),
        planted(
            "GitHub token",
            "github_token",
            format!(
                "{}{}_{}",
                concat!("github_", "pat_"),
                r(ALNUM, 22, 22),
                r(ALNUM, 59, 23)
            ),
        ),
        planted(
            "GitLab token",
            "PRIVATE-TOKEN",
            format!("{}{}", concat!("gl", "pat-"), r(ALNUM, 20, 24)),
        ),
        planted(
            "Slack token",
            "Authorization",
            format!(
                "Bearer {}{}-{}-{}",
                concat!("xo", "xb-"),
                r(DIGITS, 12, 25),
                r(DIGITS, 13, 26),
                r(ALNUM, 24, 27)
            ),
        ),
        planted(
            "Hugging Face token",
            "Authorization",
            format!("Bearer {}{}", concat!("h", "f_"), r(LETTERS, 34, 28)),
        ),
        planted(
            "Groq API key",
            "groq_api_key",
            format!("{}{}", concat!("gs", "k_"), r(ALNUM, 52, 29)),
        ),
        planted(
            "xAI API key",
            "xai_api_key",
            format!("{}{}", concat!("xa", "i-"), r(ALNUM, 80, 30)),
        ),
        planted(
            "Replicate API token",
            "Authorization",
            format!("Token {}{}", concat!("r", "8_"), r(ALNUM, 37, 31)),
        ),
        planted(
            "Perplexity API key",
            "pplx_api_key",
            format!("{}{}", concat!("pp", "lx-"), r(ALNUM, 48, 32)),
        ),
        planted(
            "LangSmith API key",
            "x-api-key",
            format!(
                "{}{}_{}",
                concat!("lsv2_", "pt_"),
                r(HEX, 32, 33),
                r(HEX, 10, 34)
            ),
        ),
        planted(
            "LangSmith API key",
            "langsmith_service_key",
            format!(
                "{}{}_{}",
                concat!("lsv2_", "sk_"),
                r(HEX, 32, 35),
                r(HEX, 10, 36)
            ),
        ),
        planted(
            "Tavily API key",
            "tavily_api_key",
            format!("{}{}", concat!("tv", "ly-"), r(ALNUM, 32, 37)),
        ),
        planted(
            "npm token",
            "npm_auth",
            format!("{}{}", concat!("np", "m_"), r(ALNUM, 36, 38)),
        ),
        planted(
            "JWT",
            "Authorization",
            format!(
                "Bearer eyJ{}.eyJ{}.{}",
                r(ALNUM, 33, 39),
                r(ALNUM, 90, 40),
                r(ALNUM, 43, 41)
            ),
        ),
        planted(
            "private key",
            "private_key",
            format!(
                "{}\n{pem}{}\n",
                concat!("-----BEGIN ", "PRIVATE KEY-----"),
                concat!("-----END ", "PRIVATE KEY-----")
            ),
        ),
        planted(
            "private key",
            "ssh_key",
            format!(
                "{}\n{pem}{}\n",
                concat!("-----BEGIN ", "OPENSSH PRIVATE KEY-----"),
                concat!("-----END ", "OPENSSH PRIVATE KEY-----")
            ),
        ),
        planted(
            "Bearer token",
            "Authorization",
            format!("Bearer {}", r(ALNUM, 40, 42)),
        ),
        planted(
            "Basic credentials",
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("svc-user:{}", r(ALNUM, 20, 43)))
            ),
        ),
        planted(
            "password in URL",
            "database_url",
            format!("postgres://app:{}@db.internal:5432/app", r(ALNUM, 16, 44)),
        ),
    ]
}

/// The places a recording keeps text in.
const PLACES: [&str; 6] = [
    "kept header",
    "URL query",
    "request JSON",
    "response JSON",
    "SSE event",
    "SSE deltas",
];

/// Percent-encodes all but unreserved characters, as a client builds a query.
fn query_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An interaction holding `name`/`value` in `place`, as recording would store it
/// (the default redaction applied, with `name` kept as a header).
fn interaction_with(place: &str, name: &str, value: &str) -> Interaction {
    let url = "https://api.example.com/v1/chat/completions";
    let (mut request, mut response) = match place {
        "kept header" => (
            // A header value holds no line break: a PEM travels escaped.
            Request::new("POST", url).with_header(name, value.replace('\n', "\\n")),
            Response::new(200),
        ),
        "URL query" => (
            Request::new(
                "GET",
                format!("{url}?alt=sse&{name}={}&q=1", query_encode(value)),
            ),
            Response::new(200),
        ),
        "request JSON" => (
            Request::new("POST", url)
                .with_header("Content-Type", "application/json")
                .with_body(
                    serde_json::to_vec(&json!({"model": "gpt-4o-mini", name: value})).unwrap(),
                ),
            Response::new(200),
        ),
        "response JSON" => (
            Request::new("POST", url),
            Response::new(200)
                .with_header("Content-Type", "application/json")
                .with_body(
                    serde_json::to_vec(&json!({"id": "resp_1", "output": {name: value}})).unwrap(),
                ),
        ),
        "SSE event" => {
            // Tool call arguments: JSON inside a JSON string, escaped twice.
            let arguments = serde_json::to_string(&json!({ name: value })).unwrap();
            let chunk = json!({"choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": arguments}}]}}]});
            let body = format!(
                "data: {{\"choices\":[{{\"delta\":{{\"role\":\"assistant\"}}}}]}}\n\ndata: {chunk}\n\ndata: [DONE]\n\n"
            );
            (
                Request::new("POST", url),
                Response::new(200)
                    .with_header("Content-Type", "text/event-stream")
                    .with_body(body),
            )
        }
        "SSE deltas" => {
            // The model echoes `name: value` as text, cut into three deltas.
            let text = format!("{name}: {value}");
            let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let (a, b) = (cuts[cuts.len() / 3], cuts[2 * cuts.len() / 3]);
            let body: String = [&text[..a], &text[a..b], &text[b..]]
                .iter()
                .map(|piece| {
                    let chunk = json!({"choices": [{"index": 0, "delta": {"content": piece}}]});
                    format!("data: {chunk}\n\n")
                })
                .chain(["data: [DONE]\n\n".to_owned()])
                .collect();
            (
                Request::new("POST", url),
                Response::new(200)
                    .with_header("Content-Type", "text/event-stream")
                    .with_body(body),
            )
        }
        other => panic!("no place {other}"),
    };
    let rules = Redaction::default().keep_header(name);
    rules.apply_to_request(&mut request);
    rules.apply_to_response(&mut response);
    Interaction::new(request, response)
}

fn kinds(interaction: &Interaction) -> Vec<String> {
    let mut findings = Vec::new();
    SecretScanner::token_shapes().scan_interaction(0, interaction, &mut findings);
    findings.into_iter().map(|f| f.kind).collect()
}

#[test]
fn every_planted_credential_is_caught_in_every_place_and_only_as_its_kind() {
    let mut table = format!("| credential | {} |\n|---|", PLACES.join(" | "));
    table.push_str(&"---|".repeat(PLACES.len()));
    let mut misses = Vec::new();
    let mut caught = 0;
    let credentials = credentials(1);
    for credential in &credentials {
        let mut row = format!("\n| {} (`{}`) |", credential.kind, credential.name);
        for place in PLACES {
            let interaction = interaction_with(place, credential.name, &credential.value);
            let found = kinds(&interaction);
            // A parameter the default rules redact never reaches the scan.
            let redacted = place == "URL query"
                && interaction
                    .request
                    .url
                    .contains(&format!("{}=REDACTED", credential.name));
            if found == [credential.kind] {
                caught += 1;
                row.push_str(" caught |");
            } else if found.is_empty() && redacted {
                caught += 1;
                row.push_str(" redacted |");
            } else {
                row.push_str(&format!(" {found:?} |"));
                misses.push(format!("{} in {place}: {found:?}", credential.kind));
            }
        }
        table.push_str(&row);
    }
    let total = credentials.len() * PLACES.len();
    eprintln!("{table}\n\nrecall: {caught} of {total}");
    assert!(misses.is_empty(), "missed:\n{}", misses.join("\n"));
}

#[test]
fn findings_show_a_masked_prefix_never_the_credential() {
    for credential in credentials(2) {
        let interaction = interaction_with("response JSON", credential.name, &credential.value);
        let mut findings = Vec::new();
        SecretScanner::token_shapes().scan_interaction(0, &interaction, &mut findings);
        assert_eq!(findings.len(), 1, "{}", credential.kind);
        let masked = &findings[0].masked;
        let (shown, length) = masked
            .split_once('…')
            .expect("a masked value has an ellipsis");
        let length: usize = length
            .trim_start_matches('(')
            .trim_end_matches(" chars)")
            .parse()
            .unwrap();
        assert!(
            shown.chars().count() <= 6 && shown.chars().count() * 3 <= length,
            "{}: {masked}",
            credential.kind
        );
    }
}

/// Random keys of each shape: none may be taken for a placeholder.
#[test]
fn a_thousand_random_keys_of_each_shape_are_all_caught() {
    let mut missed = Vec::new();
    let rounds = 1000;
    for seed in 10..10 + rounds {
        for credential in credentials(seed) {
            let interaction = interaction_with("response JSON", credential.name, &credential.value);
            if kinds(&interaction) != [credential.kind] {
                missed.push(format!("{}: seed {seed}", credential.kind));
            }
        }
    }
    let total = rounds as usize * credentials(0).len();
    eprintln!("random keys: {} of {total} caught", total - missed.len());
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
}

/// OpenAI's answer to a request without a key, word for word.
const OPENAI_401: &str = r#"{"error":{"message":"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":null}}"#;

/// Values that look like credentials and are not.
fn look_alikes() -> Vec<(&'static str, String)> {
    let png = base64::engine::general_purpose::STANDARD.encode(
        (0..6000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<_>>(),
    );
    // Key prefixes inside base64 data, as random data does hold them.
    let blob = format!(
        "{}/{}{}+{}/{}{}+{}",
        &png[..3000],
        concat!("AI", "za"),
        random(ALNUM, 35, 7),
        &png[3000..5000],
        concat!("AK", "IA"),
        random(UPPER_DIGITS, 16, 8),
        &png[5000..]
    );
    vec![
        ("OpenAI's 401 body", OPENAI_401.to_owned()),
        ("Bearer YOUR_KEY", "Bearer YOUR_KEY".to_owned()),
        ("<your-api-key>", "Bearer <your-api-key>".to_owned()),
        ("$OPENAI_API_KEY", "Bearer $OPENAI_API_KEY".to_owned()),
        ("${ANTHROPIC_API_KEY}", "${ANTHROPIC_API_KEY}".to_owned()),
        ("Bearer REDACTED", "Bearer REDACTED".to_owned()),
        (
            "sk-xxxxxxxx…",
            concat!("sk-", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").to_owned(),
        ),
        ("sk-...", concat!("sk-", "...").to_owned()),
        (
            "sk-proj-****…abcd",
            concat!("sk-", "proj-", "************************************abcd").to_owned(),
        ),
        ("sk-ant-...ABCD", concat!("sk-", "ant-", "...ABCD").to_owned()),
        (
            "masked echo with a long head",
            format!("{}{}…wxyz", concat!("sk-", "proj-"), random(ALNUM, 24, 9)),
        ),
        (
            "OpenAI's wrong-key message",
            format!(
                "Incorrect API key provided: {}{}{}. You can find your API key at https://platform.openai.com/account/api-keys.",
                concat!("sk-", "proj-"),
                "*".repeat(150),
                "ab1Z"
            ),
        ),
        (
            "sk-your-api-key-here",
            concat!("sk-", "your-api-key-here-0123456789").to_owned(),
        ),
        ("ya29 placeholder", "Bearer ya29.YOUR_ACCESS_TOKEN".to_owned()),
        (
            "AWS's documented keys",
            format!(
                "aws_access_key_id={}IOSFODNN7EXAMPLE\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                concat!("AK", "IA")
            ),
        ),
        (
            "digest beside an AWS field name",
            format!("secret_access_key: {}", random(HEX, 40, 10)),
        ),
        (
            "session token placeholder",
            "aws_session_token=${AWS_SESSION_TOKEN}".to_owned(),
        ),
        (
            "PEM placeholder",
            format!(
                "{}\n...\n{}",
                concat!("-----BEGIN ", "PRIVATE KEY-----"),
                concat!("-----END ", "PRIVATE KEY-----")
            ),
        ),
        (
            "Basic with a placeholder password",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("user:password")
            ),
        ),
        ("Basic auth in prose", "Basic authentication is supported".to_owned()),
        (
            "RFC 7617's example",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("Aladdin:open sesame")
            ),
        ),
        (
            "URL placeholders and ports",
            "postgres://app:${DB_PASSWORD}@db/app redis://:password@cache http://host:8080@x https://user:<password>@h http://a:b@c"
                .to_owned(),
        ),
        (
            "ids",
            "chatcmpl-DIgOrid9As2KRUSwbF3yxoewtUUhz call_Xk2fQ9zLmN3pR7sT1vW4yB6d msg_01XFDUDYJgAACzvnptvVoYEL req_8f2a4c6e0b1d3f5a7c9e1b3d resp_68a1b2c3d4e5f60718293a4b5c6d7e8f file-AbCdEfGhIjKlMnOpQrStUvWx toolu_01A09q90qw90lq917835lq9"
                .to_owned(),
        ),
        (
            "UUIDs",
            "123e4567-e89b-12d3-a456-426614174000 f47ac10b-58cc-4372-a567-0e02b2c3d479".to_owned(),
        ),
        (
            "SHA-1 and SHA-256",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709 sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                .to_owned(),
        ),
        ("data URL", format!("data:image/png;base64,{blob}")),
        ("long base64 run", blob.clone()),
        (
            "one base64 JSON object",
            "eyJ0eXBlIjoibWVzc2FnZV9zdGFydCJ9".to_owned(),
        ),
        (
            "names with key prefixes",
            "task-abcdefghijklmnopqrstuvwxyz0123 ask-me-anything hf_hub_download xai-grok-4-fast-reasoning npm_config_registry sk-learn-estimator-wrapper"
                .to_owned(),
        ),
        ("prose", "the bearer of bad news; Bearer authentication".to_owned()),
    ]
}

#[test]
fn benign_look_alikes_give_no_finding_in_any_place() {
    let mut false_findings = Vec::new();
    let look_alikes = look_alikes();
    for (what, value) in &look_alikes {
        for place in PLACES {
            let found = kinds(&interaction_with(place, "note", value));
            if !found.is_empty() {
                false_findings.push(format!("{what} in {place}: {found:?}"));
            }
        }
    }
    eprintln!(
        "look-alikes: {} values x {} places, {} false findings",
        look_alikes.len(),
        PLACES.len(),
        false_findings.len()
    );
    assert!(
        false_findings.is_empty(),
        "false findings:\n{}",
        false_findings.join("\n")
    );
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Every `*.yaml`/`*.yml` file under `dir`.
fn cassette_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_corpus_the_seed_and_go_encoder_cassettes_give_no_finding() {
    let scanner = SecretScanner::token_shapes();
    let mut files = Vec::new();
    let corpus = repo_root().join("../shared/corpus");
    if corpus.is_dir() {
        let found = cassette_files(&corpus);
        assert!(
            found.len() >= 168,
            "{} cassettes in the corpus",
            found.len()
        );
        files = found;
    } else {
        assert!(
            !is_ci(),
            "../shared/corpus is missing; CI must run with the corpus beside the repository"
        );
        eprintln!("note: ../shared/corpus not found; only the seed is scanned");
    }
    files.push(repo_root().join("crates/reel/cassettes/openai/multi_tool_streaming.yaml"));
    // Cassettes Go's encoder wrote from generated content, when present: more
    // text that holds no credential.
    let go_encoder = repo_root().join("../shared/go-encoder");
    if go_encoder.is_dir() {
        files.extend(cassette_files(&go_encoder));
    }
    let (mut interactions, mut findings) = (0, Vec::new());
    for path in &files {
        let cassette = Cassette::load(path).unwrap();
        interactions += cassette.interactions.len();
        for finding in scanner.scan(&cassette) {
            findings.push(format!("{}: {finding}", path.display()));
        }
    }
    eprintln!(
        "corpus, seed and go-encoder: {} cassettes, {interactions} interactions, {} false findings",
        files.len(),
        findings.len()
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

/// A Realtime-like session whose server streams `value` cut into three text
/// deltas (the last a binary message that is text, as Gemini's Live API sends).
fn session_cutting(value: &str) -> Interaction {
    let third = value.len() / 3;
    let pieces = [
        format!("Your key is {}", &value[..third]),
        value[third..2 * third].to_owned(),
        format!("{}.", &value[2 * third..]),
    ];
    let delta = |text: &str| json!({"delta": text, "type": "response.output_text.delta"});
    let lines = [
        r#"> text {"type":"response.create"}"#.to_owned(),
        format!("< text {}", delta(&pieces[0])),
        format!("< text {}", delta(&pieces[1])),
        format!("< binary-text {}", delta(&pieces[2])),
        r#"< text {"type":"response.done"}"#.to_owned(),
        "< close 1000".to_owned(),
    ];
    Interaction::new(
        Request::new("GET", "wss://api.openai.com/v1/realtime?model=gpt-realtime"),
        Response::new(101).with_body(lines.join("\n") + "\n"),
    )
}

/// The deltas of a session's server messages, joined.
fn joined_deltas(interaction: &Interaction) -> String {
    use reel_cassette::websocket::{Frame, Transcript};
    let transcript = Transcript::parse(&interaction.response.body).expect("the transcript parses");
    transcript
        .messages
        .iter()
        .filter_map(|m| match &m.frame {
            Frame::Text(text) => Some(text.as_bytes().to_vec()),
            Frame::Binary(bytes) => Some(bytes.clone()),
            Frame::Close(_) => None,
        })
        .filter_map(|payload| serde_json::from_slice::<serde_json::Value>(&payload).ok())
        .filter_map(|event| event["delta"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_key_a_session_cut_across_server_messages_is_found_and_scrubbed() {
    let mut tried = 0;
    for seed in 1..=3 {
        for credential in credentials(seed) {
            let value = credential.value.as_str();
            // Keys that say what they are by their shape alone, as a model
            // would echo them (not those known by the name beside them).
            let alone = Interaction::new(
                Request::new("GET", "https://example.com/"),
                Response::new(200).with_body(format!("{{\"text\":\"{value}\"}}")),
            );
            if value.contains(char::is_whitespace) || kinds(&alone).is_empty() {
                continue;
            }
            tried += 1;
            let interaction = session_cutting(value);
            let mut findings = Vec::new();
            SecretScanner::token_shapes().scan_interaction(0, &interaction, &mut findings);
            assert!(
                findings
                    .iter()
                    .any(|f| f.field == "response.body (server messages joined at /delta)"),
                "{}: {findings:?}",
                credential.kind
            );
            let untouched: Vec<String> = String::from_utf8_lossy(&interaction.response.body)
                .lines()
                .map(str::to_owned)
                .collect();
            // `reel scrub --secrets` on the file, and recording with `scrub_secrets`.
            let mut scrubbed = interaction.clone();
            SecretScanner::token_shapes().scrub_interaction(0, &mut scrubbed);
            let mut recorded = interaction.clone();
            Redaction::default()
                .scrub_secrets()
                .apply_to_response(&mut recorded.response);
            for (how, result) in [("scrub", &scrubbed), ("recording", &recorded)] {
                let joined = joined_deltas(result);
                assert!(
                    joined.starts_with("Your key is ")
                        && joined.contains("REDACTED_")
                        && joined.ends_with('.'),
                    "{how}, {}: {joined}",
                    credential.kind
                );
                assert!(!joined.contains(value), "{how}: {joined}");
                assert!(kinds(result).is_empty(), "{how}: {:?}", kinds(result));
                let lines: Vec<String> = String::from_utf8_lossy(&result.response.body)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                // Only the messages that held a piece are written again.
                assert_eq!(lines.len(), untouched.len());
                for i in [0, 4, 5] {
                    assert_eq!(lines[i], untouched[i], "{how}");
                }
                assert!(
                    lines[3].starts_with("< binary-text "),
                    "{how}: {}",
                    lines[3]
                );
            }
        }
    }
    assert!(tried >= 30, "only {tried} keys tried");
}
