//! Finding credentials in a cassette before it reaches disk.
//!
//! Two kinds of evidence: the shapes of well-known tokens (OpenAI, Anthropic, AWS,
//! GitHub, Slack, Google keys, JWTs, `Bearer` values), and the values of this
//! process's environment variables whose names say they hold a secret. Findings
//! show only a masked prefix, so a report never leaks what it warns about.

use std::fmt;

use regex::bytes::Regex;

use crate::{Cassette, Headers, Interaction};

/// Token shapes, each with the name shown in findings. Bounded by non-token
/// characters so that long base64 blobs do not produce accidental matches.
const SHAPES: &[(&str, &str)] = &[
    ("Anthropic API key", r"sk-ant-[A-Za-z0-9_\-]{20,}"),
    (
        "OpenAI API key",
        r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
    ),
    ("AWS access key id", r"(?:AKIA|ASIA)[0-9A-Z]{16}"),
    (
        "GitHub token",
        r"(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}",
    ),
    ("Slack token", r"xox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("Google API key", r"AIza[0-9A-Za-z_\-]{35}"),
    (
        "JWT",
        r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    ),
    ("Bearer token", r"[Bb]earer [A-Za-z0-9._~+/=\-]{8,}"),
];

/// Environment variable names containing one of these hold secrets.
const SECRET_ENV_WORDS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD"];

/// Shortest environment value treated as a secret (shorter ones match too much).
const MIN_ENV_SECRET: usize = 8;

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
    shapes: &'static [(&'static str, Regex)],
    values: Vec<(String, Vec<u8>)>,
    allowed: Vec<Vec<u8>>,
}

impl Default for SecretScanner {
    fn default() -> SecretScanner {
        SecretScanner::new()
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
        static COMPILED: std::sync::OnceLock<Vec<(&'static str, Regex)>> =
            std::sync::OnceLock::new();
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
        self.scan_headers(index, "request.headers", &request.headers, findings);
        self.scan_headers(index, "request.form", &request.form, findings);
        self.scan_headers(index, "request.trailer", &request.trailer, findings);
        self.scan_bytes(index, "request.body", &request.body, findings);
        self.scan_headers(index, "response.headers", &response.headers, findings);
        self.scan_headers(index, "response.trailer", &response.trailer, findings);
        self.scan_bytes(index, "response.body", &response.body, findings);
    }

    fn scan_headers(
        &self,
        index: usize,
        field: &str,
        headers: &Headers,
        findings: &mut Vec<Finding>,
    ) {
        for (name, values) in headers.iter() {
            for value in values {
                self.scan_bytes(
                    index,
                    &format!("{field}.{name}"),
                    value.as_bytes(),
                    findings,
                );
            }
        }
    }

    fn scan_bytes(&self, index: usize, field: &str, haystack: &[u8], findings: &mut Vec<Finding>) {
        // Spans already reported: an Anthropic key is not also an OpenAI key.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut found = |kind: &str, start: usize, secret: &[u8]| {
            let end = start + secret.len();
            if self.allowed.iter().any(|a| a.as_slice() == secret)
                || spans.iter().any(|&(s, e)| start < e && s < end)
            {
                return;
            }
            spans.push((start, end));
            findings.push(Finding {
                interaction: index,
                field: field.to_owned(),
                kind: kind.to_owned(),
                masked: mask(secret),
            });
        };
        for (kind, regex) in self.shapes {
            for captures in regex.captures_iter(haystack) {
                let token = captures
                    .name("token")
                    .expect("every shape has a token group");
                found(kind, token.start(), token.as_bytes());
            }
        }
        for (kind, value) in &self.values {
            if let Some(start) = memfind(haystack, value) {
                found(kind, start, value);
            }
        }
    }
}

/// The token shapes as bounded regexes: a match must not touch other token
/// characters, so long base64 blobs do not produce accidental matches.
fn compile_shapes() -> Vec<(&'static str, Regex)> {
    SHAPES
        .iter()
        .map(|(name, pattern)| {
            let bounded =
                format!(r"(?:^|[^A-Za-z0-9_\-])(?P<token>{pattern})(?:$|[^A-Za-z0-9_\-])");
            let regex = Regex::new(&bounded).expect("token shapes are valid regexes");
            (*name, regex)
        })
        .collect()
}

/// The first 6 characters and the length: enough to recognise, not to use.
fn mask(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let head: String = text.chars().take(6).collect();
    format!("{head}…({} chars)", text.chars().count())
}

fn memfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};

    fn scan_body(body: &str) -> Vec<String> {
        let mut cassette = Cassette::new();
        cassette.interactions.push(Interaction::new(
            Request::new("POST", "https://x/"),
            Response::new(200).with_body(body.to_owned()),
        ));
        SecretScanner::token_shapes()
            .scan(&cassette)
            .iter()
            .map(|f| format!("{}: {}", f.kind, f.masked))
            .collect()
    }

    #[test]
    fn known_token_shapes_are_found_and_masked() {
        let cases = [
            (
                "key sk-proj-abcdefghijklmnopqrstuvwxyz0123",
                "OpenAI API key: sk-pro…(38 chars)",
            ),
            (
                "\"sk-ant-api03-abcdefghijklmnopqrstuvwxyz\"",
                "Anthropic API key: sk-ant…(39 chars)",
            ),
            (
                "id=AKIAIOSFODNN7EXAMPLE;",
                "AWS access key id: AKIAIO…(20 chars)",
            ),
            (
                "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
                "GitHub token: ghp_ab…(40 chars)",
            ),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijkl",
                "GitHub token: github…(43 chars)",
            ),
            ("xoxb-1234567890-abcdef", "Slack token: xoxb-1…(22 chars)"),
            (
                "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
                "Google API key: AIzaSy…(39 chars)",
            ),
            (
                "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
                "JWT: eyJhbG…(52 chars)",
            ),
            (
                "Authorization: Bearer abc.def-123_XYZ",
                "Bearer token: Bearer…(22 chars)",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(scan_body(body), [expected], "{body}");
        }
    }

    #[test]
    fn look_alikes_inside_longer_tokens_and_ordinary_text_are_not_secrets() {
        for body in [
            "task-abcdefghijklmnopqrstuvwxyz0123",
            "ask-me-anything",
            "XAKIAIOSFODNN7EXAMPLE",
            "data: {\"bytes\":\"eyJ0eXBlIjoibWVzc2FnZV9zdGFydCJ9\"}",
            "the bearer of bad news",
            "chatcmpl-DIgOrid9As2KRUSwbF3yxoewtUUhz",
        ] {
            assert_eq!(scan_body(body), Vec::<String>::new(), "{body}");
        }
    }

    #[test]
    fn explicit_values_are_found_anywhere_and_allowed_values_never() {
        let mut cassette = Cassette::new();
        cassette.interactions.push(Interaction::new(
            Request::new("GET", "https://x/?key=hunter2hunter2"),
            Response::new(200).with_body("sk-proj-abcdefghijklmnopqrstuvwxyz0123"),
        ));
        let findings = SecretScanner::token_shapes()
            .with_secret("value of $MY_TOKEN", "hunter2hunter2")
            .allow("sk-proj-abcdefghijklmnopqrstuvwxyz0123")
            .scan(&cassette);
        assert_eq!(
            findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["interaction 0: request.url: value of $MY_TOKEN `hunter…(14 chars)`"]
        );
    }
}
