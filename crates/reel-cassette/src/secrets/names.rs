//! Credentials found by the name they sit next to: a header, JSON field, form
//! field, query parameter, `KEY=value` line or connection-string entry whose
//! name says credential (`x-api-key`, `client_secret`, `refresh_token`,
//! `DB_PASSWORD`, `AccountKey`, `sig` in a signed URL) holds one, whatever its
//! format, unless its value is empty, a placeholder, or plainly something else
//! (a boolean, a number, a date, a URL, an id of a public shape).
//!
//! A name is split into words at separators and case changes (`xApiKey`,
//! `X-API-KEY`, `x_api_key` are all `x api key`) and judged by its words:
//! - `token`, `secret`, `password` and their kin name a credential, unless the
//!   name ends in a word that makes it about one (`token_type`, `secret_name`,
//!   `password_hint`, `session_id`) or the token is a model's or a page's
//!   (`max_tokens`, `next_page_token`);
//! - `key` names one after a word that says whose (`api_key`, `AccountKey`,
//!   `OPENAI_KEY`, `subscription-key`), unless the key is a cache's, a
//!   request's or a record's (`Idempotency-Key`, `Sec-WebSocket-Key`,
//!   `prompt_cache_key`, `partition_key`); a bare `key` is weak evidence: its
//!   value must look more random;
//! - `sig`, `X-Amz-Signature`, `X-Goog-Signature` only in `name=value` text
//!   after `?`, `&` or `;` (a signed URL, a SAS connection string): a bare
//!   `signature` is a webhook's or a model's thinking signature, and a SigV4
//!   `Authorization` header's signature covers one request only.

use std::ops::Range;

use super::looks::{
    classes, is_harmless, is_placeholder, is_uuid, is_wordy, masked_beside, shannon_entropy,
};

/// How strongly a name says credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strength {
    /// A password: any printable value of 6 characters or more.
    Password,
    /// A key, token or secret: 8 characters or more, random-looking.
    Strong,
    /// A bare `key`, `session`, `sid`: 20 characters or more, clearly random.
    Weak,
}

/// Words that alone make a name a credential's.
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "secret",
    "secrets",
    "credential",
    "credentials",
    "apikey",
    "auth",
    "authorization",
    "authentication",
    "bearer",
    "jwt",
    "cookie",
    "passphrase",
];

/// Words that make a name a password's.
const PASSWORD_WORDS: &[&str] = &["password", "passwd", "pwd", "pass", "passcode", "pin"];

/// Single words ending in one of these are read as two (`accesstoken`,
/// `clientsecret`, `dbpassword`).
const CREDENTIAL_SUFFIXES: &[&str] = &["token", "secret", "password", "passwd", "apikey"];

/// Words before `key` that make it a credential (`api_key`, `SecretKey`).
const KEY_OWNERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "subscription",
    "account",
    "auth",
    "client",
    "master",
    "signing",
    "encryption",
    "admin",
    "service",
    "app",
    "application",
    "developer",
    "license",
    "shared",
    "sas",
    "storage",
    "root",
    "personal",
    "project",
    "write",
    "read",
    "ingest",
    "deploy",
    "functions",
    "function",
    "server",
    "management",
    "host",
    "sdk",
    "consumer",
    "user",
    "org",
    "workspace",
    "rapidapi",
    "xi",
    "live",
    "prod",
    "production",
    "dev",
    "partner",
    "merchant",
    "webhook",
    "hmac",
    "session",
    "primary",
    "secondary",
];

/// Words before `key` that make it something else's (`Idempotency-Key`,
/// `prompt_cache_key`, `Sec-WebSocket-Key`, `s3_key`).
const KEY_OTHERS: &[&str] = &[
    "idempotency",
    "cache",
    "websocket",
    "public",
    "partition",
    "routing",
    "dedup",
    "deduplication",
    "sort",
    "object",
    "row",
    "lookup",
    "map",
    "hash",
    "group",
    "message",
    "event",
    "trace",
    "correlation",
    "request",
    "foreign",
    "prompt",
    "s3",
    "file",
    "blob",
    "bucket",
    "path",
    "column",
    "field",
    "dict",
    "primary",
    "unique",
    "composite",
    "natural",
    "range",
    "item",
    "entity",
    "record",
    "attribute",
    "sub",
    "i18n",
    "translation",
    "label",
    "react",
    "list",
    "ssh",
    "socket",
    "kms",
    "gpg",
    "pgp",
    "ssh",
    "publishable",
    "pub",
    "verification",
    "verify",
];

/// Words before `token` that make it a model's, a page's or a form's.
const TOKEN_OTHERS: &[&str] = &[
    "page",
    "next",
    "prev",
    "previous",
    "continuation",
    "sync",
    "cursor",
    "pagination",
    "resume",
    "start",
    "end",
    "stop",
    "max",
    "min",
    "input",
    "output",
    "prompt",
    "completion",
    "cached",
    "reasoning",
    "audio",
    "image",
    "text",
    "special",
    "eos",
    "bos",
    "pad",
    "unk",
    "sep",
    "mask",
    "cls",
    "first",
    "last",
    "num",
    "total",
    "top",
    "csrf",
    "xsrf",
    "idempotency",
    "cancellation",
    "cancel",
    "continue",
    "delta",
    "word",
    "vision",
    "thinking",
];

/// Last words that make a name about a credential rather than one.
const ABOUT_WORDS: &[&str] = &[
    "id",
    "ids",
    "type",
    "types",
    "name",
    "names",
    "count",
    "counts",
    "length",
    "len",
    "limit",
    "limits",
    "usage",
    "url",
    "uri",
    "endpoint",
    "expiry",
    "expires",
    "expiration",
    "expire",
    "exp",
    "at",
    "in",
    "ttl",
    "hint",
    "format",
    "mode",
    "version",
    "prefix",
    "suffix",
    "header",
    "field",
    "param",
    "parameter",
    "location",
    "path",
    "file",
    "status",
    "enabled",
    "enable",
    "required",
    "details",
    "used",
    "provider",
    "method",
    "scheme",
    "kind",
    "index",
    "algorithm",
    "alg",
    "policy",
    "label",
    "description",
    "set",
    "rotation",
    "created",
    "updated",
    "last4",
    "masked",
    "fingerprint",
    "region",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "arn",
    "ref",
    "reference",
    "source",
    "env",
    "var",
    "variable",
    "owner",
    "user",
    "username",
    "hash",
    "strength",
    "changed",
    "rules",
    "error",
    "errors",
    "message",
    "valid",
    "invalid",
    "present",
    "missing",
    "configured",
    "display",
    "title",
    "budget",
    "size",
    "max",
    "min",
    "total",
    "number",
    "num",
    "rate",
    "ratio",
    "estimate",
    "window",
    "encoding",
    "encoder",
    "delimiter",
    "separator",
    "pattern",
    "regex",
    "template",
    "tokens",
    "keys",
    "mask",
    "preview",
    "usage",
    "lifetime",
    "timeout",
    "duration",
    "level",
    "role",
    "roles",
    "permissions",
    "state",
    "store",
    "storage",
    "manager",
    "vault",
    "config",
    "settings",
    "option",
    "options",
    "flow",
    "grant",
    "request",
    "response",
    "option",
    "file",
    "dir",
    "directory",
    "ids",
    "identifier",
    "placeholder",
    "example",
    "test",
    "sample",
    "reset",
    "policy",
    "criteria",
    "info",
    "data",
];

/// Cookie names that hold a session (matched as substrings, any case).
const SESSION_COOKIE_PARTS: &[&str] = &[
    "sess",
    "sid",
    "auth",
    "token",
    "jwt",
    "login",
    "remember",
    "secret",
    "csrf_",
    "access",
    "refresh",
    "identity",
    "user_session",
];

/// How strongly `name` says credential in a `name: value` (`equals` false) or
/// `name=value` (`equals` true) pair, if it does.
pub(crate) fn strength(name: &[u8], equals: bool) -> Option<Strength> {
    let words = words(name);
    let (last, rest) = words.split_last()?;
    let before = rest.last().map(String::as_str);
    let last = last.as_str();
    if words.len() > 1 && ABOUT_WORDS.contains(&last) {
        return None;
    }
    if PASSWORD_WORDS.contains(&last) || words.iter().any(|w| w == "password" || w == "passwd") {
        return Some(Strength::Password);
    }
    let credential_word = |w: &String| {
        CREDENTIAL_WORDS.contains(&w.as_str())
            || CREDENTIAL_SUFFIXES
                .iter()
                .any(|s| w.len() > s.len() && w.ends_with(s) && !w.ends_with("tokens"))
            || w.strip_suffix("key").is_some_and(|owner| {
                KEY_OWNERS
                    .iter()
                    .any(|o| owner.len() >= o.len() && owner.ends_with(o) && owner.len() > 1)
            })
    };
    if last == "token" {
        if before.is_some_and(|b| TOKEN_OTHERS.contains(&b)) {
            return None;
        }
        return Some(Strength::Strong);
    }
    if last == "key" {
        return match before {
            None => Some(Strength::Weak),
            Some(b) if KEY_OTHERS.contains(&b) => None,
            Some(b) if KEY_OWNERS.contains(&b) || rest.iter().any(credential_word) => {
                Some(Strength::Strong)
            }
            // `X-Foo-Key`, `OPENAI_KEY`: some service's key; after a word
            // that is no word (`e308key`, `x1_key`), weakly.
            Some(b) if b.len() >= 2 && b.bytes().all(|c| c.is_ascii_alphabetic()) => {
                Some(Strength::Strong)
            }
            Some(_) => Some(Strength::Weak),
        };
    }
    // A signed URL's signature: Azure's `sig`, S3's `X-Amz-Signature`,
    // Google Cloud Storage's `X-Goog-Signature`, a SAS token's. A bare
    // `signature` is a webhook's or a model's (thinking) signature.
    let signer =
        before.is_some_and(|b| matches!(b, "amz" | "goog" | "sas" | "shared" | "access" | "url"));
    if equals && (last == "sig" || (last == "signature" && signer)) {
        return Some(Strength::Strong);
    }
    if matches!(last, "session" | "sid" | "sessionid" | "sessid") {
        return Some(Strength::Weak);
    }
    if words.iter().any(credential_word) {
        // `tokens`, `token_count` are ruled out above; `auth` alone names a
        // credential (`{"auth": "dXNlcjpwYXNz"}` in a Docker config).
        return Some(Strength::Strong);
    }
    None
}

/// Whether a cookie named `name` holds a session.
pub(crate) fn is_session_cookie(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    SESSION_COOKIE_PARTS
        .iter()
        .any(|part| memchr::memmem::find(&lower, part.as_bytes()).is_some())
}

/// The words of a name, lower case: split at anything but letters and digits,
/// and where the case changes (`xApiKey`, `APIKey`, `api2Key`).
pub(crate) fn words(name: &[u8]) -> Vec<String> {
    let mut words = Vec::new();
    for segment in name.split(|b| !b.is_ascii_alphanumeric()) {
        let mut word = String::new();
        for (i, &b) in segment.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| segment[j]);
            let next = segment.get(i + 1);
            let boundary = match prev {
                Some(p) => {
                    (p.is_ascii_lowercase() && b.is_ascii_uppercase())
                        || (p.is_ascii_uppercase()
                            && b.is_ascii_uppercase()
                            && next.is_some_and(u8::is_ascii_lowercase))
                        || (p.is_ascii_digit() && b.is_ascii_alphabetic() && word.len() > 1)
                }
                None => false,
            };
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if !b.is_ascii_digit() || !word.is_empty() {
                word.push(char::from(b.to_ascii_lowercase()));
            }
        }
        if !word.is_empty() {
            // Trailing digits are a version or an index: `Authorization2`, `key1`.
            let trimmed = word.trim_end_matches(|c: char| c.is_ascii_digit());
            if trimmed.len() >= 2 {
                words.push(trimmed.to_owned());
            } else {
                words.push(word);
            }
        }
    }
    words
}

/// Whether `value`, named with `strength`, is a credential.
pub(crate) fn value_is_secret(value: &[u8], strength: Strength) -> bool {
    let min = match strength {
        Strength::Password => 6,
        Strength::Strong => 8,
        Strength::Weak => 20,
    };
    let placeholder = match strength {
        Strength::Password => is_password_placeholder(value),
        _ => is_placeholder(value),
    };
    if value.len() < min || value.len() > 8192 || placeholder || is_harmless(value) {
        return false;
    }
    if value
        .iter()
        .any(|b| b.is_ascii_whitespace() || *b < 0x21 || *b > 0x7e)
    {
        return false;
    }
    if strength != Strength::Password && is_wordy(value) {
        return false;
    }
    match strength {
        Strength::Password => classes(value) >= 2 || value.len() >= 12,
        Strength::Strong => {
            let token_chars = value.iter().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-' | b':')
            });
            token_chars
                && shannon_entropy(value) >= 2.8
                && (classes(value) >= 2 || (value.len() >= 20 && shannon_entropy(value) >= 3.5))
        }
        Strength::Weak => {
            let token_chars = value.iter().all(|b| {
                b.is_ascii_alphanumeric()
                    || matches!(b, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
            });
            token_chars && !is_uuid(value) && classes(value) >= 2 && shannon_entropy(value) >= 3.5
        }
    }
}

/// Whether a password is a placeholder: a template (`$DB_PASSWORD`,
/// `${…}`, `{{…}}`, `<…>`, `%s`), a mask (`***`, `…`, `...`) or a
/// placeholder word. Unlike a key, a password may hold `*`, `$` and `%`.
fn is_password_placeholder(value: &[u8]) -> bool {
    let template = (value[0] == b'$'
        && value[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_'))
        || (value[0] == b'<' && value.ends_with(b">"))
        || value.starts_with(b"%s")
        || value.starts_with(b"%(");
    let masked = value.iter().all(|b| *b == b'*') || memchr::memmem::find(value, b"***").is_some();
    let stripped: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| *b != b'*' && *b != b'$' && *b != b'%')
        .collect();
    template
        || masked
        || memchr::memmem::find(value, b"${").is_some()
        || memchr::memmem::find(value, b"{{").is_some()
        || is_placeholder(&stripped)
}

/// Auth schemes a header value may start with (`Authorization: Token abc`);
/// `Bearer` and `Basic` have rules of their own.
const SCHEMES: &[&str] = &[
    "token",
    "bot",
    "apikey",
    "api-key",
    "key",
    "ssws",
    "sso-key",
    "genie",
    "genieKey",
    "klaviyo-api-key",
    "client-id",
    "hmac",
    "signature",
    "digest",
    "oauth",
    "jwt",
    "pat",
    "aws4-hmac-sha256",
];

/// A credential found by its name.
pub(crate) struct Named {
    pub(crate) name: String,
    pub(crate) span: Range<usize>,
}

/// Every value in `text` that a credential-like name points at and that looks
/// like one; `claimed` spans (earlier rules' matches) are skipped.
pub(crate) fn find(text: &[u8], claimed: &[Range<usize>]) -> Vec<Named> {
    let mut found = Vec::new();
    let mut last_name_end = 0;
    for trigger in triggers().find_iter(text) {
        // The whole name around the trigger word.
        let mut start = trigger.start();
        while start > 0 && is_name_byte(text[start - 1]) {
            start -= 1;
        }
        let mut end = trigger.end();
        while end < text.len() && is_name_byte(text[end]) {
            end += 1;
        }
        if end <= last_name_end {
            continue;
        }
        last_name_end = end;
        while start < end && !(text[start].is_ascii_alphabetic() || text[start] == b'_') {
            start += 1;
        }
        if start >= end || end - start > 64 {
            continue;
        }
        let name = &text[start..end];
        let Some((sep, value)) = pair_after(text, end) else {
            continue;
        };
        // `sig=` and `X-Amz-Signature=` count in a query string or a
        // connection string (a presigned URL, a SAS token), not in a SigV4
        // header, whose signature covers one request only.
        let equals = sep == b"="
            && (start == 0 || matches!(text[start - 1], b'?' | b'&' | b';' | b'#' | b'\n'));
        let Some(strength) = strength(name, equals) else {
            continue;
        };
        let mut span = value.clone();
        // `Authorization: Token abc…`: the credential follows the scheme.
        if text.get(span.end) == Some(&b' ')
            && SCHEMES
                .iter()
                .any(|s| s.as_bytes().eq_ignore_ascii_case(&text[value.clone()]))
        {
            let start = span.end + 1;
            let end = text[start..]
                .iter()
                .position(|b| {
                    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'\\' | b',' | b';')
                })
                .map_or(text.len(), |n| start + n);
            span = start..end;
        }
        let cookie =
            name.eq_ignore_ascii_case(b"cookie") || name.eq_ignore_ascii_case(b"set-cookie");
        if cookie {
            // `Cookie: a=b; session=…`: each pair is judged by its own name.
            for (cookie, span) in cookie_pairs(text, value.start) {
                let taken = found.iter().any(|n: &Named| n.span == span)
                    || claimed
                        .iter()
                        .any(|c| c.start < span.end && span.start < c.end);
                if !taken
                    && is_session_cookie(cookie)
                    && value_is_secret(&text[span.clone()], Strength::Weak)
                {
                    found.push(Named {
                        name: String::from_utf8_lossy(cookie).into_owned(),
                        span,
                    });
                }
            }
            continue;
        }
        if found.iter().any(|n| n.span == span)
            || claimed
                .iter()
                .any(|c| c.start < span.end && span.start < c.end)
            || masked_beside(text, span.clone())
        {
            continue;
        }
        if value_is_secret(&text[span.clone()], strength) {
            found.push(Named {
                name: String::from_utf8_lossy(name).into_owned(),
                span,
            });
        }
    }
    found
}

/// The words a credential's name holds one of (any case): the scan looks at
/// the names around these only, so that a JSON body's other keys cost nothing.
fn triggers() -> &'static aho_corasick::AhoCorasick {
    static TRIGGERS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    TRIGGERS.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build([
                "key", "token", "secret", "pass", "pwd", "auth", "cred", "sess", "sid", "sig",
                "cookie", "jwt", "bearer", "pin",
            ])
            .expect("the trigger words build")
    })
}

/// After a name ending at `end`: its closing quote (escaped, in JSON in
/// JSON), `:`, `=`, `:=`, `=>` or the `>` of an XML element, an opening quote,
/// and the value, which runs to the next quote, space or separator (`=` only
/// as base64 padding at its end) and does not start with `//` (a URL's
/// scheme). Returns the separator and the value's span.
fn pair_after(text: &[u8], end: usize) -> Option<(&[u8], Range<usize>)> {
    let quote = |mut i: usize| {
        let mut j = i;
        while text.get(j) == Some(&b'\\') {
            j += 1;
        }
        if matches!(text.get(j), Some(b'"' | b'\'')) {
            i = j + 1;
        }
        i
    };
    let blanks = |mut i: usize| {
        while matches!(text.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    let mut i = blanks(quote(end));
    let sep_start = i;
    if text[i..].starts_with(b"=>") || text[i..].starts_with(b":=") {
        i += 2;
    } else if matches!(text.get(i), Some(b':' | b'=' | b'>')) {
        i += 1;
    } else {
        return None;
    }
    let sep = &text[sep_start..i];
    let start = quote(blanks(i));
    let stops = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\''
                    | b'\\'
                    | b','
                    | b';'
                    | b'&'
                    | b'<'
                    | b'>'
                    | b'{'
                    | b'}'
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'|'
                    | b'`'
                    | b'?'
                    | b'='
            )
    };
    let first = *text.get(start)?;
    if stops(first) || (first == b'/' && matches!(text.get(start + 1), None | Some(b'/'))) {
        return None;
    }
    let mut j = start + 1;
    while j < text.len() && !stops(text[j]) {
        j += 1;
    }
    let mut padding = 0;
    while padding < 2 && text.get(j) == Some(&b'=') {
        j += 1;
        padding += 1;
    }
    Some((sep, start..j))
}

/// The `name=value` pairs of a cookie header starting at `start`, to the end
/// of the line or string: each name and its value's span.
fn cookie_pairs(text: &[u8], start: usize) -> Vec<(&[u8], Range<usize>)> {
    let end = text[start..]
        .iter()
        .position(|b| matches!(b, b'\n' | b'\r' | b'"' | b'\\'))
        .map_or(text.len(), |n| start + n);
    let mut pairs = Vec::new();
    let mut at = start;
    for piece in text[start..end].split(|b| *b == b';') {
        let piece_start = at;
        at += piece.len() + 1;
        let Some(eq) = piece.iter().position(|b| *b == b'=') else {
            continue;
        };
        let lead = piece.iter().take_while(|b| **b == b' ').count();
        let name = &piece[lead..eq];
        let value_start = piece_start + eq + 1;
        pairs.push((name, value_start..piece_start + piece.len()));
    }
    pairs
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_words_at_separators_and_case() {
        assert_eq!(words(b"xApiKey"), ["x", "api", "key"]);
        assert_eq!(words(b"X-API-KEY"), ["x", "api", "key"]);
        assert_eq!(words(b"APIKey"), ["api", "key"]);
        assert_eq!(words(b"OPENAI_API_KEY"), ["openai", "api", "key"]);
        assert_eq!(words(b"Authorization2"), ["authorization"]);
        assert_eq!(words(b"s3_key"), ["s3", "key"]);
    }

    #[test]
    fn names_that_say_credential_and_names_about_one() {
        for name in [
            "api-key",
            "x-api-key",
            "xi-api-key",
            "X-Auth-Token",
            "Ocp-Apim-Subscription-Key",
            "client_secret",
            "refresh_token",
            "accessToken",
            "DB_PASSWORD",
            "AccountKey",
            "Authorization",
            "PRIVATE-TOKEN",
            "X-Vault-Token",
            "id_token",
            "secretKey",
            "apikey",
            "auth",
            "x-functions-key",
            "SharedAccessKey",
            "passwd",
            "key",
        ] {
            assert!(strength(name.as_bytes(), false).is_some(), "{name}");
        }
        for name in [
            "max_tokens",
            "token_type",
            "prompt_cache_key",
            "Idempotency-Key",
            "Sec-WebSocket-Key",
            "next_page_token",
            "nextPageToken",
            "session_id",
            "credentialType",
            "secret_name",
            "input_tokens",
            "author",
            "keyword",
            "signature",
            "thoughtSignature",
            "tokenizer",
            "api_key_id",
            "password_hint",
            "token_count",
            "totalTokenCount",
        ] {
            assert_eq!(strength(name.as_bytes(), false), None, "{name}");
        }
        assert_eq!(strength(b"sig", true), Some(Strength::Strong));
        assert!(
            is_wordy(b"Charm-Crush/devel") && is_wordy(b"OpenAI/Go") && is_wordy(b"value-92233720")
        );
        assert!(is_wordy(b"value92233720368547758081"));
        assert!(!is_wordy(b"xKqPzTbWm") && !is_wordy(b"a1b2c3"));
        assert_eq!(strength(b"X-Amz-Signature", true), Some(Strength::Strong));
        assert_eq!(strength(b"signature", true), None);
    }
}
