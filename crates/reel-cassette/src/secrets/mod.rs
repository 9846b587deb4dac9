//! Finding credentials in a cassette before it reaches disk.
//!
//! Four kinds of evidence, strongest first:
//! - **Provider formats** (`providers.rs`): one table row per documented key
//!   format (prefix, alphabet, length), from inference providers, clouds, data
//!   platforms, forges, package registries and messaging services.
//! - **Shapes** a format cannot spell (`shapes.rs`): AWS secrets next to their
//!   field names, JWTs, private keys, `Bearer` and `Basic` values (a Basic user
//!   that is an API key with an empty password too), passwords in URLs, webhook
//!   and bot URLs whose path is the credential.
//! - **Names** (`names.rs`): a header, JSON field, form field, query parameter,
//!   `KEY=value` line or connection-string entry whose name says credential
//!   (`x-api-key`, `client_secret`, `DB_PASSWORD`, `AccountKey`), and session
//!   cookies, whatever the value's format.
//! - The values of this process's environment variables whose names say they
//!   hold a secret.
//!
//! A match alone is not enough: documentation placeholders (`YOUR_KEY`,
//! `sk-xxxxxxxx…`, `$OPENAI_API_KEY`, `<your-api-key>`), masked echoes
//! (`sk-proj-****…abcd`), ids and harmless values (booleans, numbers, dates,
//! URLs) have the same prefixes and names. So a value must also look random: no
//! placeholder word, no long run of one character, enough Shannon entropy, and a
//! mix of character classes (`looks.rs`).
//!
//! Encodings are undone before the scan (`decode.rs`): percent-escapes, base64
//! runs that decode to text (JSON, key files, event-stream chunks), compressed
//! bodies (by `Content-Encoding` or their magic bytes), and streamed text as
//! the client joins it, across server-sent events and NDJSON lines.
//!
//! Findings show only a masked prefix, so a report never leaks what it warns
//! about. [`SecretScanner::scrub`] replaces what it finds with a placeholder
//! naming the kind (`REDACTED_OPENAI_API_KEY`).

use std::fmt;
use std::ops::Range;

use crate::{Cassette, Headers, Interaction, Response};

mod decode;
mod looks;
mod names;
mod providers;
mod scrub;

pub(crate) use scrub::{scrub_body, scrub_header, scrub_session_cuts, scrub_text};
mod shapes;

/// Environment variable names containing one of these hold secrets.
const SECRET_ENV_WORDS: &[&str] = &["KEY", "TOKEN", "SECRET", "PASSWORD"];

/// Shortest environment value treated as a secret (shorter ones match too much).
const MIN_ENV_SECRET: usize = 8;

/// Most bytes a compressed body is decoded to for the scan (the engine's
/// default body limit): a compression bomb is not decoded.
const MAX_DECODED: u64 = 512 * 1024 * 1024;

/// How many base64 layers are undone: a key file in base64 inside a JSON
/// document in base64 is found; deeper nesting is not followed.
const MAX_DEPTH: u8 = 2;

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
///     Request::new("GET", "https://api.example.com/")
///         .with_header("Authorization", "Bearer abcdefgh12345678")
///         .with_header("X-Api-Key", "Zm9vYmFyYmF6cXV4MTIz"),
///     Response::new(200),
/// ));
/// let findings = SecretScanner::new().scan(&cassette);
/// assert_eq!(findings[0].to_string(), "interaction 0: request.headers.Authorization: Bearer token `abcde…(16 chars)`");
/// assert_eq!(findings[1].to_string(), "interaction 0: request.headers.X-Api-Key: credential named \"X-Api-Key\" `Zm9vYm…(20 chars)`");
/// ```
#[derive(Clone, Debug)]
pub struct SecretScanner {
    values: Vec<(String, Vec<u8>)>,
    allowed: Vec<Vec<u8>>,
}

impl Default for SecretScanner {
    fn default() -> SecretScanner {
        SecretScanner::new()
    }
}

/// One credential in one piece of text.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) kind: String,
    /// What a scrub puts in its place: `REDACTED_` and the kind.
    pub(crate) placeholder: String,
    pub(crate) secret: Vec<u8>,
    /// The encoding it was found under: `None`, or `base64`.
    pub(crate) under: Option<&'static str>,
    /// Found in a compressed body, decoded.
    pub(crate) compressed: bool,
}

/// The findings of one field, each credential once.
struct Found<'a> {
    index: usize,
    field: &'a str,
    findings: &'a mut Vec<Finding>,
    hits: &'a mut Vec<Hit>,
    tokens: Vec<Vec<u8>>,
}

impl Found<'_> {
    fn report(&mut self, hit: Hit) {
        if self.tokens.contains(&hit.secret) {
            return;
        }
        self.tokens.push(hit.secret.clone());
        let field = match hit.under {
            Some(under) => format!("{} (decoded from {under})", self.field),
            None => self.field.to_owned(),
        };
        self.findings.push(Finding {
            interaction: self.index,
            field,
            kind: hit.kind.clone(),
            masked: mask(&hit.secret),
        });
        self.hits.push(hit);
    }
}

impl SecretScanner {
    /// A scanner for the known credential shapes and names, and the values of
    /// this process's environment variables whose names contain `KEY`,
    /// `TOKEN`, `SECRET` or `PASSWORD` (values of 8 or more characters).
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

    /// A scanner for the known credential shapes and names only, whatever the
    /// environment holds.
    pub fn token_shapes() -> SecretScanner {
        // Compiled once per process: every recorder makes a scanner.
        shapes::shapes();
        SecretScanner {
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
        self.scan_interaction_hits(index, interaction, findings, &mut Vec::new());
    }

    /// As [`SecretScanner::scan_interaction`], also collecting each finding's
    /// credential (in the same order) for a scrub.
    pub(crate) fn scan_interaction_hits(
        &self,
        index: usize,
        interaction: &Interaction,
        findings: &mut Vec<Finding>,
        hits: &mut Vec<Hit>,
    ) {
        let (request, response) = (&interaction.request, &interaction.response);
        let scan = |field: &str, bytes: &[u8], findings: &mut Vec<Finding>, hits: &mut Vec<Hit>| {
            self.scan_field(index, field, bytes, findings, hits)
        };
        scan("request.url", request.url.as_bytes(), findings, hits);
        scan(
            "request.request_uri",
            request.request_uri.as_bytes(),
            findings,
            hits,
        );
        for (field, headers) in [
            ("request.headers", &request.headers),
            ("request.form", &request.form),
            ("request.trailer", &request.trailer),
        ] {
            scan_headers(field, headers, findings, hits, &scan);
        }
        let in_request_body = scan("request.body", &request.body, findings, hits);
        let coding = request.headers.get("Content-Encoding");
        scan_decoded(
            coding,
            &request.body,
            "request.body",
            &in_request_body,
            findings,
            hits,
            &scan,
        );
        for (field, headers) in [
            ("response.headers", &response.headers),
            ("response.trailer", &response.trailer),
        ] {
            scan_headers(field, headers, findings, hits, &scan);
        }
        let first = findings.len();
        let in_body = scan("response.body", &response.body, findings, hits);
        let coding = response.headers.get("Content-Encoding");
        scan_decoded(
            coding,
            &response.body,
            "response.body",
            &in_body,
            findings,
            hits,
            &scan,
        );
        self.scan_stream_text(index, response, findings, hits, first, &in_body);
    }

    /// Scans a streamed response's text as the client joins it, per JSON field
    /// across events (server-sent events, NDJSON lines): a key the model echoes
    /// cut over several deltas. A key the body scan found whole is not reported
    /// again; the pieces of a cut key the body scan took for keys
    /// (`findings[first..]`, credentials `in_body`) give way to the whole key.
    fn scan_stream_text(
        &self,
        index: usize,
        response: &Response,
        findings: &mut Vec<Finding>,
        hits: &mut Vec<Hit>,
        first: usize,
        in_body: &[Vec<u8>],
    ) {
        use crate::stream_text::Framing;
        let content_type = response.headers.get("Content-Type").unwrap_or("");
        let framing = if crate::websocket::is_session(response) {
            Some(Framing::ServerMessages)
        } else {
            Framing::of(content_type, &response.body)
        };
        let Some(framing) = framing else {
            return;
        };
        let joined_what = match framing {
            Framing::ServerMessages => "server messages",
            Framing::Events | Framing::Lines => "events",
        };
        let mut pieces = vec![false; in_body.len()];
        let mut whole: Vec<(Finding, Hit)> = Vec::new();
        for (pointer, text) in crate::stream_text::joined_fields(&response.body, framing) {
            let field = format!("response.body ({joined_what} joined at {pointer})");
            let (mut joined, mut joined_hits) = (Vec::new(), Vec::new());
            self.scan_field(index, &field, &text, &mut joined, &mut joined_hits);
            for (finding, hit) in joined.into_iter().zip(joined_hits) {
                if in_body.contains(&hit.secret)
                    || whole.iter().any(|(_, h)| h.secret == hit.secret)
                {
                    continue;
                }
                for (piece, body_token) in pieces.iter_mut().zip(in_body) {
                    *piece |= shares_a_run(body_token, &hit.secret);
                }
                whole.push((finding, hit));
            }
        }
        // Findings and hits of the response body are pushed in step.
        let hits_first = hits.len() - (findings.len() - first);
        let mut at = 0;
        let keep: Vec<bool> = (first..findings.len())
            .map(|_| {
                let keep = pieces.get(at) != Some(&true);
                at += 1;
                keep
            })
            .collect();
        let mut k = keep.iter();
        let mut tail = findings.split_off(first);
        tail.retain(|_| *k.next().expect("one flag per finding"));
        findings.extend(tail);
        let mut k = keep.iter();
        let mut tail = hits.split_off(hits_first);
        tail.retain(|_| *k.next().expect("one flag per hit"));
        hits.extend(tail);
        for (finding, hit) in whole {
            findings.push(finding);
            hits.push(hit);
        }
    }

    /// Scans one field's bytes; returns the credentials reported, in the order
    /// their findings were pushed.
    fn scan_field(
        &self,
        index: usize,
        field: &str,
        bytes: &[u8],
        findings: &mut Vec<Finding>,
        hits: &mut Vec<Hit>,
    ) -> Vec<Vec<u8>> {
        if bytes.is_empty() {
            return Vec::new();
        }
        let mut found = Found {
            index,
            field,
            findings,
            hits,
            tokens: Vec::new(),
        };
        for hit in self.hits(bytes, 0) {
            found.report(hit);
        }
        found.tokens
    }

    /// The credentials in `text`, percent-decoded when it holds escapes (a
    /// query string, a form body: no credential contains `%`, so decoding only
    /// restores the separators around one), and in the base64 runs in it that
    /// decode to text. Explicit values are also looked for as stored.
    pub(crate) fn hits(&self, text: &[u8], depth: u8) -> Vec<Hit> {
        let decoded = decode::percent_decoded(text);
        let plain = decoded.as_deref().unwrap_or(text);
        let mut hits = Vec::new();
        // Spans claimed by an earlier rule's match, reported or not: once
        // `sk-xxxx…` is judged an OpenAI placeholder, `Bearer sk-xxxx…` is not
        // reported as a Bearer token.
        let mut claimed: Vec<Range<usize>> = Vec::new();
        let mut reported: Vec<Range<usize>> = Vec::new();
        for shape in shapes::shapes().candidates(plain) {
            for m in shape.matches(plain) {
                if claimed.iter().any(|c| overlaps(c, &m.span)) {
                    continue;
                }
                claimed.push(m.claimed.clone());
                let secret = &plain[m.span.clone()];
                if m.secret && !self.is_allowed(secret) {
                    hits.push(hit(m.kind.to_owned(), placeholder_for(m.kind), secret));
                    reported.push(m.span);
                }
            }
        }
        for named in names::find(plain, &claimed) {
            let secret = &plain[named.span.clone()];
            if !self.is_allowed(secret) {
                let kind = format!("credential named \"{}\"", named.name);
                hits.push(hit(kind, placeholder_for(&named.name), secret));
                reported.push(named.span);
            }
        }
        self.scan_values(plain, &reported, &mut hits);
        if decoded.is_some() {
            self.scan_values(text, &[], &mut hits);
        }
        if depth < MAX_DEPTH {
            for run in decode::text_runs(plain) {
                for mut inner in self.hits(&run.decoded, depth + 1) {
                    inner.under.get_or_insert("base64");
                    hits.push(inner);
                }
            }
        }
        hits
    }

    /// The explicit values in `text`, except inside the spans already reported.
    fn scan_values(&self, text: &[u8], reported: &[Range<usize>], hits: &mut Vec<Hit>) {
        for (kind, value) in &self.values {
            if self.is_allowed(value) {
                continue;
            }
            if let Some(start) = memchr::memmem::find(text, value) {
                let span = start..start + value.len();
                if !reported.iter().any(|r| overlaps(r, &span)) {
                    let name = kind.trim_start_matches("value of $");
                    hits.push(hit(kind.clone(), placeholder_for(name), value));
                }
            }
        }
    }

    fn is_allowed(&self, secret: &[u8]) -> bool {
        self.allowed.iter().any(|a| a.as_slice() == secret) || looks::is_documented_example(secret)
    }
}

fn hit(kind: String, placeholder: String, secret: &[u8]) -> Hit {
    Hit {
        kind,
        placeholder,
        secret: secret.to_vec(),
        under: None,
        compressed: false,
    }
}

/// `REDACTED_` and the words of `kind`, upper case: `OpenAI API key` gives
/// `REDACTED_OPENAI_API_KEY`, `x-api-key` gives `REDACTED_X_API_KEY`. Every
/// rule takes a value holding `REDACTED` for a placeholder.
pub(crate) fn placeholder_for(kind: &str) -> String {
    let words: Vec<String> = kind
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    format!("REDACTED_{}", words.join("_"))
}

/// Scans each value as `Name: value`, so that rules keyed on a field name
/// (`X-Amz-Security-Token: …`, `X-Api-Key: …`) see it.
fn scan_headers(
    field: &str,
    headers: &Headers,
    findings: &mut Vec<Finding>,
    hits: &mut Vec<Hit>,
    scan: &impl Fn(&str, &[u8], &mut Vec<Finding>, &mut Vec<Hit>) -> Vec<Vec<u8>>,
) {
    for (name, values) in headers.iter() {
        for value in values {
            let mut line = Vec::with_capacity(name.len() + 2 + value.len());
            line.extend_from_slice(name.as_bytes());
            line.extend_from_slice(b": ");
            line.extend_from_slice(value.as_bytes());
            scan(&format!("{field}.{name}"), &line, findings, hits);
        }
    }
}

/// Scans a body kept compressed once decoded (by its `Content-Encoding`, or
/// its magic bytes when the header was not kept): compressed bytes hide a
/// credential from the scan of the body as stored. Reports only what that
/// scan (credentials `in_body`) did not find.
fn scan_decoded(
    coding: Option<&str>,
    body: &[u8],
    field: &str,
    in_body: &[Vec<u8>],
    findings: &mut Vec<Finding>,
    hits: &mut Vec<Hit>,
    scan: &impl Fn(&str, &[u8], &mut Vec<Finding>, &mut Vec<Hit>) -> Vec<Vec<u8>>,
) {
    let Some(coding) = coding.or_else(|| crate::content_coding::sniff(body)) else {
        return;
    };
    let Some(decoded) = crate::content_coding::decode(coding, body, MAX_DECODED) else {
        return;
    };
    let field = format!("{field} (decoded from {coding})");
    let (mut found, mut found_hits) = (Vec::new(), Vec::new());
    scan(&field, &decoded, &mut found, &mut found_hits);
    for (finding, mut hit) in found.into_iter().zip(found_hits) {
        if !in_body.contains(&hit.secret) {
            hit.compressed = true;
            findings.push(finding);
            hits.push(hit);
        }
    }
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

/// The first characters and the length: enough to recognise, not to use. At
/// most 6 characters and at most a third of the value are shown.
fn mask(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let length = text.chars().count();
    let head: String = text.chars().take((length / 3).min(6)).collect();
    format!("{head}…({length} chars)")
}

/// Random keys of every provider format, for tests outside this crate: one per
/// table row, as `(kind, key)`, from `seed`.
#[doc(hidden)]
pub fn provider_examples(seed: u64) -> Vec<(&'static str, String)> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    providers::PROVIDERS
        .iter()
        .map(|p| (p.kind, providers::generate(p.format, &mut next)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};
    use base64::Engine as _;

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
                "Bearer token: abc.d…(15 chars)",
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
}
