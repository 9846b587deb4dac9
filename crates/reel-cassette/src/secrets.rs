//! Finding credentials in a cassette before it reaches disk.
//!
//! Two kinds of evidence: the shapes of the credentials LLM test suites handle
//! (`RULES`: provider API keys, cloud and forge tokens, AWS secrets next to
//! their field names, JWTs, private keys, `Bearer` and `Basic` values, passwords
//! in URLs), and the values of this process's environment variables whose names
//! say they hold a secret.
//!
//! A shape alone is not enough: documentation placeholders (`YOUR_KEY`,
//! `sk-xxxxxxxx…`, `$OPENAI_API_KEY`, `<your-api-key>`), masked echoes
//! (`sk-proj-****…abcd`) and ids have the same prefixes. So each match must also
//! look random: no placeholder word, no long run of one character, enough
//! Shannon entropy, and (where the rule says so) a mix of character classes.
//! A match inside a long base64 run (image data, encrypted reasoning) is part
//! of that data, not a key. Text holding percent-escapes is scanned decoded, so
//! a key in a query string is found too.
//!
//! Findings show only a masked prefix, so a report never leaks what it warns about.

use std::fmt;
use std::ops::Range;

use base64::Engine as _;
use regex::bytes::Regex;

use crate::{Cassette, Headers, Interaction, Request, Response, StreamKind};

/// Which bytes may not touch a match on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edge {
    /// Anything may: the pattern itself says where the value starts or ends.
    Free,
    /// No token character (`A-Za-z0-9_-`): a key is not part of a longer word.
    Word,
    /// No base64 character (`A-Za-z0-9+/=`): a base64 value is whole.
    Base64,
}

/// A check beyond the common ones (see `Rule`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Only the common checks.
    None,
    /// Both upper and lower case letters: a base64 secret, not a hex digest.
    UpperAndLower,
    /// At least 64 varied base64 characters follow the `BEGIN` line. Replaces
    /// the common checks: key material has runs of `A` and the `END` line words.
    PemBody,
    /// Decodes to `user:password` with a password that is not a placeholder.
    BasicAuth,
    /// At least 4 characters and not a port number: `http://a:b@…` and
    /// `http://host:8080@…` are parser tests, not passwords.
    UrlPassword,
}

/// One credential shape.
///
/// `pattern` has a group `token`, the credential as reported (masked), and may
/// have a group `body`, the part that must look random (by default `token`;
/// a fixed prefix such as `sk-proj-` is left out). The common checks on the
/// body: it is no placeholder (see `is_placeholder`), its Shannon entropy is
/// at least `entropy` bits per byte, and, if `mixed`, it has at least two of
/// upper case letters, lower case letters and digits. Then `check`.
#[derive(Debug)]
struct Rule {
    /// The name shown in findings.
    kind: &'static str,
    pattern: &'static str,
    left: Edge,
    right: Edge,
    entropy: f64,
    mixed: bool,
    check: Check,
}

/// The defaults of a prefixed, random API key.
const KEY: Rule = Rule {
    kind: "",
    pattern: "",
    left: Edge::Word,
    right: Edge::Word,
    entropy: 3.0,
    mixed: true,
    check: Check::None,
};

/// Between a field name and its value: `=`, `: "`, `\":\"` (JSON in a JSON
/// string), `=>`, or the `>` of an XML element.
macro_rules! field_value {
    () => {
        r#"(?:\\*["'])?[ \t]*(?:=>|:=|[:=>])[ \t]*(?:\\*["'])?"#
    };
}

/// The credential shapes, most specific first: where matches overlap, the first
/// rule's match (found or judged a placeholder) stands and later ones are not
/// reported. Shapes from the providers' documented formats, gitleaks' rules and
/// trufflehog's detectors; lengths are lower bounds where providers have
/// lengthened keys before.
const RULES: &[Rule] = &[
    Rule {
        kind: "Anthropic API key",
        // sk-ant-api03-…, sk-ant-admin01-…: 93 characters and `AA`.
        pattern: r"(?P<token>sk-ant-(?P<body>[A-Za-z0-9_\-]{20,}))",
        ..KEY
    },
    Rule {
        kind: "OpenRouter API key",
        pattern: r"(?P<token>sk-or-v1-(?P<body>[0-9a-f]{64}))",
        ..KEY
    },
    Rule {
        kind: "OpenAI API key",
        // sk-proj-, sk-svcacct-, sk-admin- and the older sk-: 48 to 160+
        // characters, `T3BlbkFJ` inside. Also other sk- keys (DeepSeek, …).
        pattern: r"(?P<token>sk-(?:proj-|svcacct-|admin-|None-)?(?P<body>[A-Za-z0-9_\-]{20,}))",
        ..KEY
    },
    Rule {
        kind: "Stripe secret key",
        pattern: r"(?P<token>[sr]k_(?:live|test)_(?P<body>[A-Za-z0-9]{20,}))",
        ..KEY
    },
    Rule {
        kind: "Google API key",
        pattern: r"(?P<token>AIza(?P<body>[0-9A-Za-z_\-]{35}))",
        ..KEY
    },
    Rule {
        kind: "Google OAuth access token",
        pattern: r"(?P<token>ya29\.(?P<body>[0-9A-Za-z_\-]{30,}))",
        ..KEY
    },
    Rule {
        kind: "AWS access key id",
        // Base32 in practice; digits 0, 1, 8, 9 allowed for hand-made fakes.
        pattern: r"(?P<token>(?:AKIA|ASIA|ABIA|ACCA)(?P<body>[0-9A-Z]{16}))",
        entropy: 2.5,
        mixed: false,
        ..KEY
    },
    Rule {
        kind: "AWS secret access key",
        pattern: concat!(
            r"(?i:(?:aws[_\-]?)?secret[_\-]?access[_\-]?key)",
            field_value!(),
            r"(?P<token>(?:[A-Za-z0-9/+]|\\/){40})"
        ),
        left: Edge::Free,
        right: Edge::Base64,
        entropy: 3.5,
        check: Check::UpperAndLower,
        ..KEY
    },
    Rule {
        kind: "GitHub token",
        pattern: r"(?P<token>gh[pousr]_(?P<body>[A-Za-z0-9]{36,}))",
        ..KEY
    },
    Rule {
        kind: "GitHub token",
        pattern: r"(?P<token>github_pat_(?P<body>[A-Za-z0-9_]{22,}))",
        ..KEY
    },
    Rule {
        kind: "GitLab token",
        pattern: r"(?P<token>gl(?:pat|ptt|rt|dt)-(?P<body>[A-Za-z0-9_\-]{20,}))",
        ..KEY
    },
    Rule {
        kind: "Slack token",
        pattern: r"(?P<token>xox[abposre]-(?P<body>[A-Za-z0-9\-]{10,}))",
        ..KEY
    },
    Rule {
        kind: "Hugging Face token",
        pattern: r"(?P<token>hf_(?P<body>[A-Za-z0-9]{34}))",
        ..KEY
    },
    Rule {
        kind: "Groq API key",
        pattern: r"(?P<token>gsk_(?P<body>[A-Za-z0-9]{40,}))",
        ..KEY
    },
    Rule {
        kind: "xAI API key",
        pattern: r"(?P<token>xai-(?P<body>[A-Za-z0-9_]{40,}))",
        ..KEY
    },
    Rule {
        kind: "Replicate API token",
        pattern: r"(?P<token>r8_(?P<body>[A-Za-z0-9_\-]{37,}))",
        ..KEY
    },
    Rule {
        kind: "Perplexity API key",
        pattern: r"(?P<token>pplx-(?P<body>[A-Za-z0-9]{40,}))",
        ..KEY
    },
    Rule {
        kind: "LangSmith API key",
        pattern: r"(?P<token>lsv2_(?:pt|sk)_(?P<body>[0-9a-f]{32}_[0-9a-f]{10}))",
        ..KEY
    },
    Rule {
        kind: "Tavily API key",
        pattern: r"(?P<token>tvly-(?:dev-|prod-)?(?P<body>[A-Za-z0-9]{32,}))",
        ..KEY
    },
    Rule {
        kind: "npm token",
        pattern: r"(?P<token>npm_(?P<body>[A-Za-z0-9]{36}))",
        ..KEY
    },
    Rule {
        kind: "JWT",
        pattern: r"(?P<token>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
        entropy: 3.5,
        ..KEY
    },
    Rule {
        kind: "AWS session token",
        pattern: concat!(
            r"(?i:(?:aws[_\-]?)?session[_\-]?token|x[_\-]amz[_\-]security[_\-]token|(?:aws[_\-]?)?security[_\-]?token)",
            field_value!(),
            r"(?P<token>(?:[A-Za-z0-9/+=]|\\/){100,})"
        ),
        left: Edge::Free,
        right: Edge::Base64,
        entropy: 4.0,
        ..KEY
    },
    Rule {
        kind: "private key",
        // PEM (PKCS#1, PKCS#8, SEC1, OpenSSH, PGP), with real or JSON-escaped
        // line breaks, up to and including the END line.
        pattern: r"(?P<token>-----BEGIN[ A-Z0-9_\-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?P<body>(?:[A-Za-z0-9+/=:,.\- \t\r\n]|\\+[nrt])*))",
        left: Edge::Free,
        right: Edge::Free,
        check: Check::PemBody,
        ..KEY
    },
    Rule {
        kind: "Bearer token",
        pattern: r"(?P<token>(?:[Bb]earer|BEARER)[ +](?P<body>[A-Za-z0-9._~+/=\-]{8,}))",
        entropy: 2.5,
        ..KEY
    },
    Rule {
        kind: "Basic credentials",
        pattern: r"(?P<token>(?:[Bb]asic|BASIC)[ +](?P<body>[A-Za-z0-9+/]{8,}={0,2}))",
        entropy: 0.0,
        mixed: false,
        check: Check::BasicAuth,
        ..KEY
    },
    Rule {
        kind: "password in URL",
        // scheme://user:password@host, also with JSON-escaped slashes.
        pattern: r#"[A-Za-z][A-Za-z0-9+.\-]*:(?://|\\/\\/)[^:/?#@\s"'<>\\]*:(?P<token>[^:@/?#\s"'<>\\]+)@"#,
        left: Edge::Free,
        right: Edge::Free,
        entropy: 0.0,
        mixed: false,
        check: Check::UrlPassword,
    },
];

/// Segments of a value (split at anything but letters and digits) that make it
/// a placeholder: `YOUR_KEY`, `your-api-key-here`, `Bearer REDACTED`.
const PLACEHOLDER_WORDS: &[&str] = &[
    "your",
    "my",
    "key",
    "api",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "pass",
    "pwd",
    "here",
    "xxx",
    "test",
    "dummy",
    "fake",
    "sample",
    "example",
    "placeholder",
    "redacted",
    "masked",
    "hidden",
    "null",
    "none",
    "undefined",
    "changeme",
    "insert",
    "todo",
    "foo",
    "bar",
    // RFC 7617's `Aladdin:open sesame`.
    "sesame",
    "opensesame",
];

/// Words that make a value a placeholder wherever they occur in it: long
/// enough that a random 160-character key holds one with odds of about 1 in
/// 10^8.
const PLACEHOLDER_INFIXES: &[&str] = &["example", "placeholder", "redacted", "changeme", "replace"];

/// What makes a value starting with `your` a placeholder (`YOUR_KEY`,
/// `yourapikey`, `your-token-here`): a separator or one of these words next.
const AFTER_YOUR: &[&str] = &[
    "_", "-", ".", "api", "key", "token", "secret", "access", "pass", "auth", "own",
];

/// Environment variable names containing one of these hold secrets.
const SECRET_ENV_WORDS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD"];

/// Shortest environment value treated as a secret (shorter ones match too much).
const MIN_ENV_SECRET: usize = 8;

/// A match with this many base64 characters beside it on one side is part of
/// a base64 blob (image data, encrypted reasoning), not a key.
const BLOB_RUN: usize = 64;

/// Most bytes a compressed request body is decoded to for the scan (the engine's
/// default body limit): a compression bomb is not decoded.
const MAX_DECODED: u64 = 512 * 1024 * 1024;

/// A credential found in a cassette.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The interaction's index.
    pub interaction: usize,
    /// Where in it: `request.headers.Authorization`, `response.body`, `request.url`.
    pub field: String,
    /// What it looks like: `OpenAI API key`, or `value of $OPENAI_API_KEY`.
    pub kind: String,
    /// The first characters and the length, never the whole value: `sk-pro… (51 chars)`.
    pub masked: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "interaction {}: {}: {} `{}`",
            self.interaction, self.field, self.kind, self.masked
        )
    }
}

/// A rule and its compiled pattern.
#[derive(Debug)]
struct Shape {
    rule: &'static Rule,
    regex: Regex,
}

/// Scans cassettes for credentials.
///
/// ```
/// use reel_cassette::{Cassette, Interaction, Request, Response, SecretScanner};
///
/// let mut cassette = Cassette::new();
/// cassette.interactions.push(Interaction::new(
///     Request::new("GET", "https://api.example.com/").with_header("Authorization", "Bearer abcdefgh12345678"),
///     Response::new(200),
/// ));
/// let findings = SecretScanner::new().scan(&cassette);
/// assert_eq!(findings[0].to_string(), "interaction 0: request.headers.Authorization: Bearer token `Bearer…(23 chars)`");
/// ```
#[derive(Clone, Debug)]
pub struct SecretScanner {
    /// Shared by every scanner, so the regexes' lazily built automata stay warm.
    shapes: &'static [Shape],
    values: Vec<(String, Vec<u8>)>,
    allowed: Vec<Vec<u8>>,
}

impl Default for SecretScanner {
    fn default() -> SecretScanner {
        SecretScanner::new()
    }
}

/// The findings of one field, each credential once.
struct Found<'a> {
    index: usize,
    field: &'a str,
    findings: &'a mut Vec<Finding>,
    tokens: Vec<Vec<u8>>,
}

impl Found<'_> {
    fn report(&mut self, kind: &str, secret: &[u8]) {
        if self.tokens.iter().any(|t| t.as_slice() == secret) {
            return;
        }
        self.tokens.push(secret.to_vec());
        self.findings.push(Finding {
            interaction: self.index,
            field: self.field.to_owned(),
            kind: kind.to_owned(),
            masked: mask(secret),
        });
    }
}

impl SecretScanner {
    /// A scanner for the known token shapes and the values of this process's
    /// environment variables whose names contain `KEY`, `TOKEN`, `SECRET` or
    /// `PASSWORD` (values of 8 or more characters).
    pub fn new() -> SecretScanner {
        let mut scanner = SecretScanner::token_shapes();
        scanner.values = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .filter(|(name, value)| {
                let upper = name.to_ascii_uppercase();
                SECRET_ENV_WORDS.iter().any(|w| upper.contains(w)) && value.len() >= MIN_ENV_SECRET
            })
            .map(|(name, value)| (format!("value of ${name}"), value.into_bytes()))
            .collect();
        scanner
    }

    /// A scanner for the known token shapes only, whatever the environment holds.
    pub fn token_shapes() -> SecretScanner {
        // Compiled once per process: every recorder makes a scanner.
        static COMPILED: std::sync::OnceLock<Vec<Shape>> = std::sync::OnceLock::new();
        SecretScanner {
            shapes: COMPILED.get_or_init(compile_shapes),
            values: Vec::new(),
            allowed: Vec::new(),
        }
    }

    /// Also treats `value` as a secret, reported as `name`.
    #[must_use = "with_secret returns the changed scanner"]
    pub fn with_secret(
        mut self,
        name: impl Into<String>,
        value: impl Into<Vec<u8>>,
    ) -> SecretScanner {
        let value = value.into();
        if !value.is_empty() {
            self.values.push((name.into(), value));
        }
        self
    }

    /// Never reports `value`: for fixtures that must contain a token-shaped string.
    /// A `Bearer` or `Basic` value is allowed by its credential alone.
    #[must_use = "allow returns the changed scanner"]
    pub fn allow(mut self, value: impl Into<Vec<u8>>) -> SecretScanner {
        self.allowed.push(value.into());
        self
    }

    /// Every credential in `cassette`.
    pub fn scan(&self, cassette: &Cassette) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (i, interaction) in cassette.interactions.iter().enumerate() {
            self.scan_interaction(i, interaction, &mut findings);
        }
        findings
    }

    /// Every credential in one interaction, reported with index `index`.
    pub fn scan_interaction(
        &self,
        index: usize,
        interaction: &Interaction,
        findings: &mut Vec<Finding>,
    ) {
        let (request, response) = (&interaction.request, &interaction.response);
        self.scan_bytes(index, "request.url", request.url.as_bytes(), findings);
        self.scan_bytes(
            index,
            "request.request_uri",
            request.request_uri.as_bytes(),
            findings,
        );
        self.scan_headers(index, "request.headers", &request.headers, findings);
        self.scan_headers(index, "request.form", &request.form, findings);
        self.scan_headers(index, "request.trailer", &request.trailer, findings);
        let in_request_body = self.scan_bytes(index, "request.body", &request.body, findings);
        self.scan_decoded_body(index, request, &in_request_body, findings);
        self.scan_headers(index, "response.headers", &response.headers, findings);
        self.scan_headers(index, "response.trailer", &response.trailer, findings);
        let first = findings.len();
        let in_body = self.scan_bytes(index, "response.body", &response.body, findings);
        self.scan_stream_text(index, response, findings, first, &in_body);
    }

    /// Scans a request body kept compressed, as sent, once decoded: compressed
    /// bytes hide a credential from the scan of the body as stored. Reports only
    /// what that scan (credentials `in_body`) did not find.
    fn scan_decoded_body(
        &self,
        index: usize,
        request: &Request,
        in_body: &[Vec<u8>],
        findings: &mut Vec<Finding>,
    ) {
        let Some(coding) = request.headers.get("Content-Encoding") else {
            return;
        };
        let Some(decoded) = crate::content_coding::decode(coding, &request.body, MAX_DECODED)
        else {
            return;
        };
        let field = format!("request.body (decoded from {coding})");
        let mut found = Vec::new();
        let tokens = self.scan_bytes(index, &field, &decoded, &mut found);
        findings.extend(
            found
                .into_iter()
                .zip(tokens)
                .filter(|(_, token)| !in_body.contains(token))
                .map(|(finding, _)| finding),
        );
    }

    /// Scans a streamed response's text as the client joins it, per JSON field
    /// across events: a key the model echoes cut over several deltas. A key the
    /// body scan found whole is not reported again; the pieces of a cut key the
    /// body scan took for keys (`findings[first..]`, credentials `in_body`) give
    /// way to the whole key.
    fn scan_stream_text(
        &self,
        index: usize,
        response: &Response,
        findings: &mut Vec<Finding>,
        first: usize,
        in_body: &[Vec<u8>],
    ) {
        let streamed = response
            .headers
            .get("Content-Type")
            .map(StreamKind::from_content_type)
            == Some(StreamKind::ServerSentEvents);
        if !streamed {
            return;
        }
        let mut pieces = vec![false; in_body.len()];
        let mut whole = Vec::new();
        for (pointer, text) in crate::stream_text::joined_fields(&response.body) {
            let field = format!("response.body (events joined at {pointer})");
            let mut joined = Vec::new();
            let tokens = self.scan_bytes(index, &field, &text, &mut joined);
            for (finding, token) in joined.into_iter().zip(tokens) {
                if in_body.contains(&token) || whole.iter().any(|(_, t)| *t == token) {
                    continue;
                }
                for (piece, body_token) in pieces.iter_mut().zip(in_body) {
                    *piece |= shares_a_run(body_token, &token);
                }
                whole.push((finding, token));
            }
        }
        let mut at = first;
        findings.retain(|_| {
            let keep = at < first || pieces.get(at - first) != Some(&true);
            at += 1;
            keep
        });
        findings.extend(whole.into_iter().map(|(finding, _)| finding));
    }

    /// Scans each value as `Name: value`, so that rules keyed on a field name
    /// (`X-Amz-Security-Token: …`) see it.
    fn scan_headers(
        &self,
        index: usize,
        field: &str,
        headers: &Headers,
        findings: &mut Vec<Finding>,
    ) {
        for (name, values) in headers.iter() {
            for value in values {
                let mut line = Vec::with_capacity(name.len() + 2 + value.len());
                line.extend_from_slice(name.as_bytes());
                line.extend_from_slice(b": ");
                line.extend_from_slice(value.as_bytes());
                self.scan_bytes(index, &format!("{field}.{name}"), &line, findings);
            }
        }
    }

    /// Scans `haystack`, percent-decoded when it holds escapes (a query string,
    /// a form body): no credential contains `%`, so decoding only restores the
    /// separators around one. Explicit values are also looked for as stored.
    /// Returns the credentials reported, in the order their findings were pushed.
    fn scan_bytes(
        &self,
        index: usize,
        field: &str,
        haystack: &[u8],
        findings: &mut Vec<Finding>,
    ) -> Vec<Vec<u8>> {
        if haystack.is_empty() {
            return Vec::new();
        }
        let decoded = percent_decoded(haystack);
        let text = decoded.as_deref().unwrap_or(haystack);
        let mut found = Found {
            index,
            field,
            findings,
            tokens: Vec::new(),
        };
        let reported = self.scan_shapes(text, &mut found);
        self.scan_values(text, &reported, &mut found);
        if decoded.is_some() {
            self.scan_values(haystack, &[], &mut found);
        }
        found.tokens
    }

    /// The rules' credentials in `text`; returns the spans reported.
    fn scan_shapes(&self, text: &[u8], found: &mut Found<'_>) -> Vec<Range<usize>> {
        // Spans claimed by an earlier rule's match, reported or not: once
        // `sk-xxxx…` is judged an OpenAI placeholder, `Bearer sk-xxxx…` is not
        // reported as a Bearer token.
        let mut claimed: Vec<Range<usize>> = Vec::new();
        let mut reported = Vec::new();
        for shape in self.shapes {
            for captures in shape.regex.captures_iter(text) {
                let token = captures
                    .name("token")
                    .expect("every shape has a token group");
                let body = captures.name("body").unwrap_or(token);
                let span = token.range();
                if !shape.rule.edges_hold(text, span.clone())
                    || claimed.iter().any(|c| overlaps(c, &span))
                {
                    continue;
                }
                claimed.push(span.clone());
                if self.is_allowed(token.as_bytes()) || self.is_allowed(body.as_bytes()) {
                    continue;
                }
                if shape.rule.looks_secret(text, span.clone(), body.as_bytes()) {
                    found.report(shape.rule.kind, token.as_bytes());
                    reported.push(span);
                }
            }
        }
        reported
    }

    /// The explicit values in `text`, except inside the spans already reported.
    fn scan_values(&self, text: &[u8], reported: &[Range<usize>], found: &mut Found<'_>) {
        for (kind, value) in &self.values {
            if self.is_allowed(value) {
                continue;
            }
            if let Some(start) = memchr::memmem::find(text, value) {
                let span = start..start + value.len();
                if !reported.iter().any(|r| overlaps(r, &span)) {
                    found.report(kind, value);
                }
            }
        }
    }

    fn is_allowed(&self, secret: &[u8]) -> bool {
        self.allowed.iter().any(|a| a.as_slice() == secret)
    }
}

impl Rule {
    /// Whether the match stands alone: no byte of the edge's class touches it,
    /// except the end of an escape (`\n`, `%2F`) before it.
    fn edges_hold(&self, text: &[u8], span: Range<usize>) -> bool {
        let before = span.start.checked_sub(1).map(|i| text[i]);
        let left = match before {
            Some(b) if self.left.forbids(b) => ends_escape(&text[..span.start]),
            _ => true,
        };
        let right = text.get(span.end).is_none_or(|&b| !self.right.forbids(b));
        left && right && !(self.left == Edge::Word && in_blob(text, span))
    }

    /// Whether the match looks like a real credential rather than a
    /// placeholder, a masked echo or a digest.
    fn looks_secret(&self, text: &[u8], span: Range<usize>, body: &[u8]) -> bool {
        if masked_beside(text, span) {
            return false;
        }
        match self.check {
            Check::PemBody => return pem_body_is_key(body),
            Check::BasicAuth => return !is_placeholder(body) && basic_is_credential(body),
            _ => {}
        }
        if is_placeholder(body)
            || shannon_entropy(body) < self.entropy
            || (self.mixed && classes(body) < 2)
        {
            return false;
        }
        match self.check {
            Check::UpperAndLower => {
                body.iter().any(u8::is_ascii_uppercase) && body.iter().any(u8::is_ascii_lowercase)
            }
            Check::UrlPassword => {
                body.len() >= 4 && !(body.len() <= 5 && body.iter().all(u8::is_ascii_digit))
            }
            _ => true,
        }
    }
}

impl Edge {
    fn forbids(self, b: u8) -> bool {
        match self {
            Edge::Free => false,
            Edge::Word => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
            Edge::Base64 => b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='),
        }
    }
}

/// Whether `before` ends with an escape whose last byte is a letter or digit:
/// JSON's `\n`, `\t`, or a percent-escape such as `%20`.
fn ends_escape(before: &[u8]) -> bool {
    match before {
        [.., b'\\', c] => c.is_ascii_alphabetic(),
        [.., b'%', h, l] => h.is_ascii_hexdigit() && l.is_ascii_hexdigit(),
        _ => false,
    }
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// Whether the match sits inside a long base64 run: `BLOB_RUN` base64 bytes
/// directly before or after it.
fn in_blob(text: &[u8], span: Range<usize>) -> bool {
    let before = text[..span.start]
        .iter()
        .rev()
        .take(BLOB_RUN)
        .take_while(|&&b| is_base64_byte(b))
        .count();
    let after = text[span.end..]
        .iter()
        .take(BLOB_RUN)
        .take_while(|&&b| is_base64_byte(b))
        .count();
    before >= BLOB_RUN || after >= BLOB_RUN
}

/// Whether a mask marker (`*`, `…`, `...`) touches the match: an echo such as
/// `sk-proj-abcd…wxyz` or `sk-ant-****ABCD` shows part of a key, not a key.
fn masked_beside(text: &[u8], span: Range<usize>) -> bool {
    const ELLIPSIS: &[u8] = "…".as_bytes();
    let (before, after) = (&text[..span.start], &text[span.end..]);
    let marker_before =
        before.ends_with(b"*") || before.ends_with(ELLIPSIS) || before.ends_with(b"...");
    let marker_after =
        after.starts_with(b"*") || after.starts_with(ELLIPSIS) || after.starts_with(b"...");
    marker_before || marker_after
}

/// Whether `value` is a placeholder rather than a credential: a template
/// (`$VAR`, `${VAR}`, `<key>`, `{{key}}`, `%s`), a masked echo (`*`, `…`,
/// `...`), a long run of one character (`xxxxxxxx`), a placeholder word as a
/// segment (`YOUR_KEY`, `REDACTED`) or infix (`…EXAMPLE`), or a value starting
/// with `your` and a word (`yourapikey`).
fn is_placeholder(value: &[u8]) -> bool {
    if value.is_empty()
        || matches!(value[0], b'$' | b'<' | b'{' | b'[' | b'%')
        || memchr::memmem::find(value, b"${").is_some()
        || memchr::memmem::find(value, b"{{").is_some()
        || memchr::memmem::find(value, b"...").is_some()
        || memchr::memmem::find(value, "…".as_bytes()).is_some()
        || value.contains(&b'*')
    {
        return true;
    }
    if longest_run(value) >= (value.len() / 4).max(6) {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix(b"your") {
        if AFTER_YOUR.iter().any(|w| rest.starts_with(w.as_bytes())) {
            return true;
        }
    }
    if PLACEHOLDER_INFIXES
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    lower
        .split(|b| !b.is_ascii_alphanumeric())
        .any(|segment| PLACEHOLDER_WORDS.iter().any(|w| w.as_bytes() == segment))
}

/// The longest run of one byte, letters compared without case.
fn longest_run(value: &[u8]) -> usize {
    let mut longest = 0;
    let mut run = 0;
    let mut previous = None;
    for b in value.iter().map(u8::to_ascii_lowercase) {
        run = if previous == Some(b) { run + 1 } else { 1 };
        previous = Some(b);
        longest = longest.max(run);
    }
    longest
}

/// Shannon entropy in bits per byte.
fn shannon_entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &b in value {
        counts[usize::from(b)] += 1;
    }
    let n = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// How many of upper case letters, lower case letters and digits `value` has.
fn classes(value: &[u8]) -> usize {
    [
        value.iter().any(u8::is_ascii_uppercase),
        value.iter().any(u8::is_ascii_lowercase),
        value.iter().any(u8::is_ascii_digit),
    ]
    .into_iter()
    .filter(|&present| present)
    .count()
}

/// Whether the text after a PEM `BEGIN … PRIVATE KEY-----` line holds key
/// material: 64 or more base64 characters before the END line, varied enough
/// not to be a made-up filler, and no elision (`...`).
fn pem_body_is_key(body: &[u8]) -> bool {
    let body = match memchr::memmem::find(body, b"-----END") {
        Some(end) => &body[..end],
        None => body,
    };
    if memchr::memmem::find(body, b"...").is_some() {
        return false;
    }
    let mut material = Vec::with_capacity(body.len());
    let mut bytes = body.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\\' {
            // An escaped line break (`\n`, or `\\n` inside a JSON string).
            while bytes.next_if_eq(&b'\\').is_some() {}
            bytes.next();
        } else if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            material.push(b);
        }
    }
    material.len() >= 64 && shannon_entropy(&material) >= 4.0
}

/// Whether a `Basic` value decodes to `user:password` with a real password.
fn basic_is_credential(encoded: &[u8]) -> bool {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let Ok(decoded) = engine.decode(encoded) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    let Some((_, password)) = text.split_once(':') else {
        return false;
    };
    !password.is_empty()
        && !text.chars().any(char::is_control)
        && !is_placeholder(password.as_bytes())
}

/// Whether `piece` holds a run of `whole` long enough to be cut from it: 16
/// bytes, or all of `piece` when shorter.
fn shares_a_run(piece: &[u8], whole: &[u8]) -> bool {
    const RUN: usize = 16;
    if piece.len() <= RUN {
        return memchr::memmem::find(whole, piece).is_some();
    }
    piece
        .windows(RUN)
        .any(|run| memchr::memmem::find(whole, run).is_some())
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// `text` with its percent-escapes decoded, or `None` when it has none.
fn percent_decoded(text: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr(b'%', text)?;
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%' {
            if let (Some(h), Some(l)) = (
                text.get(i + 1).copied().and_then(hex),
                text.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                changed = true;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    changed.then_some(out)
}

fn compile_shapes() -> Vec<Shape> {
    RULES
        .iter()
        .map(|rule| Shape {
            rule,
            regex: Regex::new(rule.pattern).expect("credential shapes are valid regexes"),
        })
        .collect()
}

/// The first characters and the length: enough to recognise, not to use. At
/// most 6 characters and at most a third of the value are shown.
fn mask(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let length = text.chars().count();
    let head: String = text.chars().take((length / 3).min(6)).collect();
    format!("{head}…({length} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};

    const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const HEX: &str = "0123456789abcdef";
    const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// `len` random-looking characters of `alphabet`, the same for the same `seed`.
    /// Keys are built at run time so the source holds no key-shaped literal.
    fn random(alphabet: &str, len: usize, seed: u64) -> String {
        let alphabet = alphabet.as_bytes();
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(alphabet[(state % alphabet.len() as u64) as usize])
            })
            .collect()
    }

    fn scan_body(body: &str) -> Vec<String> {
        let mut cassette = Cassette::new();
        cassette.interactions.push(Interaction::new(
            Request::new("POST", "https://x/"),
            Response::new(200).with_body(body.to_owned()),
        ));
        SecretScanner::token_shapes()
            .scan(&cassette)
            .iter()
            .map(|f| f.kind.clone())
            .collect()
    }

    /// For each rule: text holding a credential of its shape (caught, by that
    /// rule alone) and a look-alike (passed).
    fn cases() -> Vec<(&'static str, String, String)> {
        let pem_lines: String = (0..6).map(|i| random(BASE64, 64, 90 + i) + "\n").collect();
        vec![
            (
                "Anthropic API key",
                format!("{}{}AA", concat!("sk-", "ant-", "api03-"), random(ALNUM, 93, 1)),
                // A masked echo in an error message.
                format!("{}...{}", concat!("sk-", "ant-"), random(ALNUM, 4, 1)),
            ),
            (
                "OpenRouter API key",
                format!("{}{}", concat!("sk-", "or-", "v1-"), random(HEX, 64, 2)),
                format!("{}{}", concat!("sk-", "or-", "v1-"), "x".repeat(64)),
            ),
            (
                "OpenAI API key",
                format!(
                    "{}{}T3BlbkFJ{}",
                    concat!("sk-", "proj-"),
                    random(ALNUM, 74, 3),
                    random(ALNUM, 74, 4)
                ),
                format!("{}{}", concat!("sk-", "proj-"), "x".repeat(48)),
            ),
            (
                "Stripe secret key",
                format!("{}{}", concat!("sk_", "live_"), random(ALNUM, 99, 5)),
                format!("{}{}", concat!("sk_", "live_"), "your_secret_key_here_1234"),
            ),
            (
                "Google API key",
                format!("{}{}", "AI".to_owned() + "za", random(ALNUM, 35, 6)),
                // Longer than a key: part of some other identifier.
                format!("{}{}", "AI".to_owned() + "za", random(ALNUM, 40, 6)),
            ),
            (
                "Google OAuth access token",
                format!("{}{}", "ya29.", random(ALNUM, 120, 7)),
                "ya29.YOUR_ACCESS_TOKEN_GOES_HERE".to_owned(),
            ),
            (
                "AWS access key id",
                format!("{}{}", "AK".to_owned() + "IA", random(UPPER_DIGITS, 16, 8)),
                // AWS's documented example.
                format!("{}{}", "AK".to_owned() + "IA", "IOSFODNN7EXAMPLE"),
            ),
            (
                "AWS secret access key",
                format!("aws_secret_access_key = {}", random(BASE64, 40, 9)),
                // A SHA-1 next to the same name, and the documented example.
                format!(
                    "aws_secret_access_key = {}\nSecretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCY{}",
                    random(HEX, 40, 9),
                    "EXAMPLEKEY"
                ),
            ),
            (
                "GitHub token",
                format!("{}{}", concat!("gh", "p_"), random(ALNUM, 36, 10)),
                format!("{}{}", concat!("gh", "p_"), "x".repeat(36)),
            ),
            (
                "GitHub token",
                format!(
                    "{}{}_{}",
                    concat!("github_", "pat_"),
                    random(ALNUM, 22, 11),
                    random(ALNUM, 59, 12)
                ),
                format!("{}{}", concat!("github_", "pat_"), "YOUR_TOKEN_HERE_0000000"),
            ),
            (
                "GitLab token",
                format!("{}{}", concat!("gl", "pat-"), random(ALNUM, 20, 13)),
                format!("{}{}", concat!("gl", "pat-"), "xxxxxxxxxxxxxxxxxxxx"),
            ),
            (
                "Slack token",
                format!(
                    "{}{}-{}-{}",
                    concat!("xo", "xb-"),
                    random("0123456789", 12, 14),
                    random("0123456789", 13, 15),
                    random(ALNUM, 24, 16)
                ),
                format!("{}{}", concat!("xo", "xb-"), "your-bot-token"),
            ),
            (
                "Hugging Face token",
                format!("{}{}", concat!("h", "f_"), random(LETTERS, 34, 17)),
                "hf_hub_download_with_a_very_long_function_name".to_owned(),
            ),
            (
                "Groq API key",
                format!("{}{}", concat!("gs", "k_"), random(ALNUM, 52, 18)),
                format!("{}{}", concat!("gs", "k_"), "*".repeat(52)),
            ),
            (
                "xAI API key",
                format!("{}{}", concat!("xa", "i-"), random(ALNUM, 80, 19)),
                "xai-grok-4-fast-reasoning".to_owned(),
            ),
            (
                "Replicate API token",
                format!("{}{}", concat!("r", "8_"), random(ALNUM, 37, 20)),
                format!("{}{}", concat!("r", "8_"), "0".repeat(37)),
            ),
            (
                "Perplexity API key",
                format!("{}{}", concat!("pp", "lx-"), random(ALNUM, 48, 21)),
                format!("{}{}", concat!("pp", "lx-"), "REDACTEDREDACTEDREDACTEDREDACTEDREDACTEDREDACTED"),
            ),
            (
                "LangSmith API key",
                format!(
                    "{}{}_{}",
                    concat!("lsv2_", "pt_"),
                    random(HEX, 32, 22),
                    random(HEX, 10, 23)
                ),
                format!("{}{}", concat!("lsv2_", "pt_"), "..."),
            ),
            (
                "Tavily API key",
                format!("{}{}", concat!("tv", "ly-"), random(ALNUM, 32, 24)),
                format!("{}{}", concat!("tv", "ly-"), "YOUR_API_KEY"),
            ),
            (
                "npm token",
                format!("{}{}", concat!("np", "m_"), random(ALNUM, 36, 25)),
                "npm_config_registry_url_setting_value_here".to_owned(),
            ),
            (
                "JWT",
                format!(
                    "eyJ{}.eyJ{}.{}",
                    random(ALNUM, 30, 26),
                    random(ALNUM, 60, 27),
                    random(ALNUM, 43, 28)
                ),
                // One base64 JSON object, as in AWS event streams.
                "{\"bytes\":\"eyJ0eXBlIjoibWVzc2FnZV9zdGFydCJ9\"}".to_owned(),
            ),
            (
                "AWS session token",
                format!("\"SessionToken\": \"{}\"", random(BASE64, 400, 29)),
                "\"SessionToken\": \"${AWS_SESSION_TOKEN}\"".to_owned(),
            ),
            (
                "private key",
                format!(
                    "{}\n{pem_lines}{}",
                    concat!("-----BEGIN ", "PRIVATE KEY-----"),
                    concat!("-----END ", "PRIVATE KEY-----")
                ),
                format!(
                    "{}\n...\n{}",
                    concat!("-----BEGIN ", "RSA PRIVATE KEY-----"),
                    concat!("-----END ", "RSA PRIVATE KEY-----")
                ),
            ),
            (
                "Bearer token",
                format!("Authorization: Bearer {}", random(ALNUM, 40, 30)),
                "Authorization: Bearer YOUR_KEY".to_owned(),
            ),
            (
                "Basic credentials",
                format!(
                    "Authorization: Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("alice:{}", random(ALNUM, 16, 31)))
                ),
                format!(
                    "Authorization: Basic {} and Basic authentication",
                    base64::engine::general_purpose::STANDARD.encode("alice:password")
                ),
            ),
            (
                "password in URL",
                format!("postgres://app:{}@db.internal:5432/app", random(ALNUM, 12, 32)),
                "postgres://app:${DB_PASSWORD}@db:5432/app http://user:password@host/ http://host:8080@x http://a:b@c"
                    .to_owned(),
            ),
        ]
    }

    #[test]
    fn every_rule_catches_its_shape_and_passes_its_look_alike() {
        let cases = cases();
        for rule in RULES {
            assert!(
                cases.iter().any(|(kind, _, _)| *kind == rule.kind),
                "no case for {}",
                rule.kind
            );
        }
        for (kind, secret, look_alike) in &cases {
            assert_eq!(scan_body(secret), [*kind], "{secret}");
            assert_eq!(scan_body(look_alike), Vec::<String>::new(), "{look_alike}");
        }
    }

    #[test]
    fn known_token_shapes_are_found_and_masked() {
        let cases = [
            (
                concat!("key sk-", "proj-", "abcdefghijklmnopqrstuvwxyz0123"),
                "OpenAI API key: sk-pro…(38 chars)",
            ),
            (
                concat!("\"sk-", "ant-", "api03-abcdefghijklmnopqrstuvwxyz\""),
                "Anthropic API key: sk-ant…(39 chars)",
            ),
            (
                concat!("gh", "p_", "abcdefghijklmnopqrstuvwxyz0123456789"),
                "GitHub token: ghp_ab…(40 chars)",
            ),
            (
                concat!("xo", "xb-", "1234567890-abcdef"),
                "Slack token: xoxb-1…(22 chars)",
            ),
            (
                "Authorization: Bearer abc.def-123_XYZ",
                "Bearer token: Bearer…(22 chars)",
            ),
            // A short secret shows a third of itself at most.
            (
                "redis://:s3cretpw@cache:6379",
                "password in URL: s3…(8 chars)",
            ),
        ];
        for (body, expected) in cases {
            let mut cassette = Cassette::new();
            cassette.interactions.push(Interaction::new(
                Request::new("POST", "https://x/"),
                Response::new(200).with_body(body),
            ));
            let found: Vec<String> = SecretScanner::token_shapes()
                .scan(&cassette)
                .iter()
                .map(|f| format!("{}: {}", f.kind, f.masked))
                .collect();
            assert_eq!(found, [expected], "{body}");
        }
    }

    #[test]
    fn placeholders_echoes_ids_and_data_are_not_secrets() {
        let image = random(BASE64, 4000, 40);
        for body in [
            "task-abcdefghijklmnopqrstuvwxyz0123",
            "ask-me-anything",
            "XAKIAIOSFODNN7EXAMPLE",
            "the bearer of bad news",
            "chatcmpl-DIgOrid9As2KRUSwbF3yxoewtUUhz",
            "Authorization: Bearer YOUR_KEY",
            "Authorization: Bearer <your-api-key>",
            "Authorization: Bearer $OPENAI_API_KEY",
            "Authorization: Bearer ${ANTHROPIC_API_KEY}",
            "Authorization: Bearer REDACTED",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "sk-...",
            "sk-proj-****************************************abcd",
            "sk-proj-abcdefghijklmnopqrstuvwxyz…wxyz",
            "sk-ant-...ABCD",
            "sk-your-api-key-here-0123456789",
            "call_Xk2fQ9zLmN3pR7sT1vW4yB6d msg_01XFDUDYJgAACzvnptvVoYEL",
            "req_8f2a4c6e0b1d3f5a7c9e1b3d5f7a9c1e resp_68a1b2c3d4e5f60718293a4b5c6d7e8f",
            "file-AbCdEfGhIjKlMnOpQrStUvWx 123e4567-e89b-12d3-a456-426614174000",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            assert_eq!(scan_body(body), Vec::<String>::new(), "{body}");
        }
        // Key shapes inside image data and long base64 runs are data.
        let planted = format!(
            "{}/{}{}+{}",
            &image[..2000],
            "AI".to_owned() + "za",
            random(ALNUM, 35, 41),
            &image[2000..]
        );
        for body in [
            format!("{{\"url\":\"data:image/png;base64,{planted}\"}}"),
            format!("{{\"encrypted_content\":\"{planted}\"}}"),
        ] {
            assert_eq!(scan_body(&body), Vec::<String>::new());
        }
    }

    /// An OpenAI-style stream whose deltas carry `pieces` as content.
    fn stream_of(pieces: &[&str]) -> Cassette {
        let body: String = pieces
            .iter()
            .map(|piece| {
                format!(
                    "data: {}\n\n",
                    serde_json::json!({"id": "chatcmpl-1", "choices": [{"delta": {"content": piece}}]})
                )
            })
            .chain(["data: [DONE]\n\n".to_owned()])
            .collect();
        let mut cassette = Cassette::new();
        cassette.interactions.push(Interaction::new(
            Request::new("POST", "https://x/"),
            Response::new(200)
                .with_header("Content-Type", "text/event-stream")
                .with_body(body),
        ));
        cassette
    }

    #[test]
    fn a_key_split_across_stream_deltas_is_found_once_joined() {
        let key = format!("sk-proj-{}", random(ALNUM, 48, 7));
        let (a, rest) = key.split_at(5);
        let (b, c) = rest.split_at(20);
        let findings =
            SecretScanner::token_shapes().scan(&stream_of(&["Your key is ", a, b, c, "."]));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].kind, "OpenAI API key");
        assert_eq!(
            findings[0].field,
            "response.body (events joined at /choices/0/delta/content)"
        );
        // Whole in one delta: found in the body, and not again joined.
        let findings = SecretScanner::token_shapes().scan(&stream_of(&["Your key is ", &key, "."]));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].field, "response.body");
        // Prose split the same way is no finding.
        let findings = SecretScanner::token_shapes().scan(&stream_of(&[
            "Set ",
            "OPENAI_API_KEY",
            " to ",
            "sk-",
            "xxxx",
            "xxxxxxxx",
            ".",
        ]));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn a_key_in_a_compressed_request_body_is_found_decoded() {
        use std::io::Write as _;
        let key = format!("sk-proj-{}", random(ALNUM, 48, 9));
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gzip.write_all(format!(r#"{{"a":"{key}","b":"{key}"}}"#).as_bytes())
            .unwrap();
        let mut cassette = Cassette::new();
        cassette.interactions.push(Interaction::new(
            Request::new("POST", "https://x/")
                .with_header("Content-Encoding", "gzip")
                .with_body(gzip.finish().unwrap()),
            Response::new(200),
        ));
        let findings = SecretScanner::token_shapes().scan(&cassette);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].field, "request.body (decoded from gzip)");
        assert_eq!(findings[0].kind, "OpenAI API key");
    }

    #[test]
    fn openais_401_body_is_not_a_secret() {
        let body = r#"{"error":{"message":"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":null}}"#;
        assert_eq!(scan_body(body), Vec::<String>::new());
    }

    #[test]
    fn escapes_and_percent_encoding_do_not_hide_a_key() {
        let key = format!("{}{}", concat!("sk-", "proj-"), random(ALNUM, 60, 50));
        for body in [
            format!("{{\"content\":\"line one\\n{key}\"}}"),
            format!("q=token%3D{key}&x=1"),
            format!("Authorization=Bearer%20{key}"),
        ] {
            assert_eq!(scan_body(&body), ["OpenAI API key"], "{body}");
        }
    }

    #[test]
    fn explicit_values_are_found_anywhere_and_allowed_values_never() {
        const FIXTURE: &str = concat!("sk-", "proj-", "abcdefghijklmnopqrstuvwxyz0123");
        let mut cassette = Cassette::new();
        cassette.interactions.push(Interaction::new(
            Request::new("GET", "https://x/?key=hunter2hunter2")
                .with_header("Authorization", format!("Bearer {FIXTURE}")),
            Response::new(200).with_body(FIXTURE),
        ));
        let findings = SecretScanner::token_shapes()
            .with_secret("value of $MY_TOKEN", "hunter2hunter2")
            .allow(FIXTURE)
            .scan(&cassette);
        assert_eq!(
            findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["interaction 0: request.url: value of $MY_TOKEN `hunt…(14 chars)`"]
        );
    }

    #[test]
    fn entropy_and_classes_measure_randomness() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert_eq!(classes(b"abc"), 1);
        assert_eq!(classes(b"aB3"), 3);
        assert_eq!(longest_run(b"abXXxxxc"), 5);
        // A random AWS key id body is rarely below its threshold.
        let low = (0..10_000)
            .filter(|&seed| shannon_entropy(random(UPPER_DIGITS, 16, seed).as_bytes()) < 2.5)
            .count();
        assert!(low < 10, "{low} of 10000");
    }
}
