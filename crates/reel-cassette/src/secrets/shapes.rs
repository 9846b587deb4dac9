//! Credential shapes: the provider table's formats and the rules that need
//! more than a format (a field name before the value, a scheme, a URL, a PEM
//! block, a JWT's three parts), compiled once per process.

use std::ops::Range;

use base64::Engine as _;
use regex::bytes::{Captures, Regex};

use super::looks::{classes, is_placeholder, masked_beside, shannon_entropy};
use super::providers::{self, PROVIDERS};

/// Which bytes may not touch a match on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edge {
    /// Anything may: the pattern itself says where the value starts or ends.
    Free,
    /// No token character (`A-Za-z0-9_-`): a key is not part of a longer word.
    Word,
    /// No base64 character (`A-Za-z0-9+/=`): a base64 value is whole.
    Base64,
}

/// A check beyond the common ones (see `Rule`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// Only the common checks.
    None,
    /// Both upper and lower case letters: a base64 secret, not a hex digest.
    UpperAndLower,
    /// At least 64 varied base64 characters follow the `BEGIN` line. Replaces
    /// the common checks: key material has runs of `A` and the `END` line words.
    PemBody,
    /// Decodes to `user:password` with a password that is not a placeholder,
    /// or to a random user name and an empty password (an API key as the user).
    BasicAuth,
    /// At least 4 characters and not a port number: `http://a:b@…` and
    /// `http://host:8080@…` are parser tests, not passwords.
    UrlPassword,
}

/// One credential shape with a hand-written pattern.
///
/// `pattern` has a group `token`, the credential as reported (masked) and
/// replaced by a scrub, and may have a group `body`, the part that must look
/// random (by default `token`; a fixed prefix is left out). The common checks on
/// the body: it is no placeholder, its Shannon entropy is at least `entropy`
/// bits per byte, and, if `mixed`, it has at least two of upper case letters,
/// lower case letters and digits. Then `check`.
#[derive(Debug)]
struct Rule {
    kind: &'static str,
    pattern: &'static str,
    left: Edge,
    right: Edge,
    entropy: f64,
    mixed: bool,
    check: Check,
}

/// The defaults of a random credential.
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

/// The shapes the provider table cannot spell, after it.
const RULES: &[Rule] = &[
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
        kind: "JWT",
        pattern: r"(?P<token>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})",
        entropy: 3.5,
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
        kind: "webhook URL",
        // https://api.slack.com/messaging/webhooks
        pattern: r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<token>[A-Za-z0-9_/\-]{20,})",
        left: Edge::Free,
        entropy: 3.0,
        ..KEY
    },
    Rule {
        kind: "webhook URL",
        // https://discord.com/developers/docs/resources/webhook
        pattern: r"discord(?:app)?\.com/api/(?:v\d+/)?webhooks/(?P<token>[0-9]{8,}/[A-Za-z0-9_\-]{40,})",
        left: Edge::Free,
        ..KEY
    },
    Rule {
        kind: "Telegram bot token",
        // https://core.telegram.org/bots/api#making-requests
        pattern: r"api\.telegram\.org/(?:file/)?bot(?P<token>[0-9]{6,}:[A-Za-z0-9_\-]{30,})",
        left: Edge::Free,
        ..KEY
    },
    Rule {
        kind: "webhook URL",
        // Microsoft Teams incoming webhooks (webhookb2) and Power Automate triggers.
        pattern: r"(?:webhook\.office\.com|outlook\.office\.com)/webhook(?:b2)?/(?P<token>[A-Za-z0-9@/\-]{40,})",
        left: Edge::Free,
        ..KEY
    },
    Rule {
        kind: "webhook URL",
        // Any other service's hook URL whose path is the credential
        // (`/hooks/catch/123/abcdef…`, `/webhooks/<random>`): the random part.
        pattern: r"/(?:webhooks?|hooks)/(?:[A-Za-z0-9_\-]{1,20}/){0,3}(?P<token>[A-Za-z0-9_\-]{20,})",
        left: Edge::Free,
        entropy: 3.5,
        ..KEY
    },
    Rule {
        kind: "Bearer token",
        pattern: r"(?:[Bb]earer|BEARER)[ +](?P<token>[A-Za-z0-9._~+/=\-]{8,})",
        left: Edge::Free,
        entropy: 2.5,
        ..KEY
    },
    Rule {
        kind: "Basic credentials",
        pattern: r"(?:[Bb]asic|BASIC)[ +](?P<token>[A-Za-z0-9+/]{8,}={0,2})",
        left: Edge::Free,
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

/// A match with this many base64 characters beside it on one side is part of
/// a base64 blob (image data, encrypted reasoning), not a key.
const BLOB_RUN: usize = 64;

/// A compiled shape.
#[derive(Debug)]
pub(crate) struct Shape {
    pub(crate) kind: &'static str,
    regex: Regex,
    /// Where the body comes from: the `body` group, or (for a provider format)
    /// the unnamed groups, or the whole token.
    from_groups: bool,
    left: Edge,
    right: Edge,
    entropy: f64,
    mixed: bool,
    check: Check,
}

/// A credential a shape found.
pub(crate) struct Match {
    pub(crate) kind: &'static str,
    /// The credential: what a finding masks and a scrub replaces.
    pub(crate) span: Range<usize>,
    /// The whole match, claimed against later shapes even when judged harmless.
    pub(crate) claimed: Range<usize>,
    pub(crate) secret: bool,
}

/// Every shape, providers first, compiled once per process, with the literal
/// prefixes of the provider formats: one pass over a text finds which
/// prefixes occur, and only their formats' patterns run.
pub(crate) struct Shapes {
    pub(crate) list: Vec<Shape>,
    prefixes: aho_corasick::AhoCorasick,
    /// For each prefix, the prefixes it starts with (itself included): where
    /// `sk-ant-` occurs, `sk-` does too.
    implied: Vec<Vec<usize>>,
    /// For each shape, its prefix's pattern id in `prefixes`.
    prefix_of: Vec<Option<usize>>,
}

impl Shapes {
    /// The shapes that may match in `text`: those without a literal prefix,
    /// and those whose prefix occurs.
    pub(crate) fn candidates<'s>(&'s self, text: &[u8]) -> impl Iterator<Item = &'s Shape> + 's {
        let mut present = vec![false; self.prefixes.patterns_len()];
        for m in self.prefixes.find_iter(text) {
            for &p in &self.implied[m.pattern().as_usize()] {
                present[p] = true;
            }
        }
        self.list
            .iter()
            .zip(&self.prefix_of)
            .filter(move |(_, prefix)| prefix.is_none_or(|p| present[p]))
            .map(|(shape, _)| shape)
    }
}

/// The shapes, compiled once per process.
pub(crate) fn shapes() -> &'static Shapes {
    static COMPILED: std::sync::OnceLock<Shapes> = std::sync::OnceLock::new();
    COMPILED.get_or_init(|| {
        let mut prefixes: Vec<&'static str> = Vec::new();
        let mut prefix_of = Vec::new();
        let mut list = Vec::new();
        for p in PROVIDERS {
            let prefix = match providers::pieces(p.format).first() {
                Some(providers::Piece::Literal(text)) if text.len() >= 2 => Some(*text),
                _ => None,
            };
            prefix_of.push(prefix.map(|prefix| {
                prefixes
                    .iter()
                    .position(|p| *p == prefix)
                    .unwrap_or_else(|| {
                        prefixes.push(prefix);
                        prefixes.len() - 1
                    })
            }));
            list.push(Shape {
                kind: p.kind,
                regex: Regex::new(&providers::pattern(p.format)).expect("provider formats compile"),
                from_groups: true,
                entropy: p.entropy,
                mixed: p.mixed,
                ..shape_of(&KEY)
            });
        }
        for rule in RULES {
            list.push(shape_of(rule));
            prefix_of.push(None);
        }
        let implied = prefixes
            .iter()
            .map(|long| {
                (0..prefixes.len())
                    .filter(|&short| long.starts_with(prefixes[short]))
                    .collect()
            })
            .collect();
        Shapes {
            list,
            prefixes: aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&prefixes)
                .expect("the prefixes build"),
            implied,
            prefix_of,
        }
    })
}

fn shape_of(rule: &Rule) -> Shape {
    Shape {
        kind: rule.kind,
        regex: Regex::new(if rule.pattern.is_empty() {
            "x"
        } else {
            rule.pattern
        })
        .expect("credential shapes are valid regexes"),
        from_groups: false,
        left: rule.left,
        right: rule.right,
        entropy: rule.entropy,
        mixed: rule.mixed,
        check: rule.check,
    }
}

impl Shape {
    /// Every match in `text`, judged.
    pub(crate) fn matches<'t>(&'t self, text: &'t [u8]) -> impl Iterator<Item = Match> + 't {
        self.regex.captures_iter(text).filter_map(move |captures| {
            let token = captures
                .name("token")
                .expect("every shape has a token group");
            let span = token.range();
            if !self.edges_hold(text, span.clone()) {
                return None;
            }
            let body = self.body(&captures);
            let claimed = captures.get(0).expect("a match").range();
            let secret = self.looks_secret(text, span.clone(), &body);
            Some(Match {
                kind: self.kind,
                span,
                claimed,
                secret,
            })
        })
    }

    fn body(&self, captures: &Captures<'_>) -> Vec<u8> {
        if self.from_groups {
            captures
                .iter()
                .skip(2)
                .flatten()
                .flat_map(|m| m.as_bytes().iter().copied())
                .collect()
        } else {
            captures
                .name("body")
                .or_else(|| captures.name("token"))
                .expect("a token group")
                .as_bytes()
                .to_vec()
        }
    }

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

/// Whether a `Basic` value decodes to `user:password` with a real password, or
/// to a random-looking user and an empty password: Stripe, Mailgun, Twilio and
/// others take an API key as the user name with no password.
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
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    if text.chars().any(char::is_control) {
        return false;
    }
    if password.is_empty() {
        let user = user.as_bytes();
        return user.len() >= 16
            && !is_placeholder(user)
            && classes(user) >= 2
            && shannon_entropy(user) >= 3.0;
    }
    !is_placeholder(password.as_bytes())
}
