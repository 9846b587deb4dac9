//! Whether a value looks like a credential: random enough, and not a
//! placeholder, a masked echo, or a value of a known harmless shape.

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

/// Prefixes of ids that APIs hand out in the open (response, message, call,
/// file, organisation ids): a value under a credential-like name that starts
/// with one is that id, not a secret.
const ID_PREFIXES: &[&str] = &[
    "chatcmpl-",
    "cmpl-",
    "msg_",
    "call_",
    "toolu_",
    "resp_",
    "req_",
    "file-",
    "file_",
    "run_",
    "thread_",
    "asst_",
    "org-",
    "proj_",
    "batch_",
    "ft-",
    "ftjob-",
    "vs_",
    "arn:",
    "gen-",
    // Publishable keys: meant for browsers (Stripe, Mapbox, Clerk, PostHog).
    "pk_live_",
    "pk_test_",
    "pk.",
    "phc_",
];

/// Credentials published in documentation as examples, which tutorials and
/// fixtures copy: not secrets anywhere. (AWS's documented keys hold `EXAMPLE`
/// and are placeholders already.)
const DOCUMENTED_EXAMPLES: &[&str] = &[
    // jwt.io's example token (HS256, secret `your-256-bit-secret`).
    concat!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    ),
    // jwt.io's example token with `"admin": true`.
    concat!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.",
        "KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30"
    ),
    // Stripe's documented test keys.
    concat!("sk_", "test_", "4eC39HqLyjWDarjtT1zdp7dc"),
    concat!("sk_", "test_", "BQokikJOvBiI2HlWgH4olfQ2"),
    concat!("pk_", "test_", "TYooMQauvdEDq54NiTphI7jx"),
];

/// Whether `value` is a documented public example credential.
pub(crate) fn is_documented_example(value: &[u8]) -> bool {
    DOCUMENTED_EXAMPLES.iter().any(|e| e.as_bytes() == value)
}

/// Whether `value` is a placeholder rather than a credential: a template
/// (`$VAR`, `${VAR}`, `<key>`, `{{key}}`, `%s`), a masked echo (`*`, `…`,
/// `...`), a long run of one character (`xxxxxxxx`), a placeholder word as a
/// segment (`YOUR_KEY`, `REDACTED`) or infix (`…EXAMPLE`), or a value starting
/// with `your` and a word (`yourapikey`).
pub(crate) fn is_placeholder(value: &[u8]) -> bool {
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

/// Whether `value` is plainly not a secret whatever names it: a boolean or
/// null, a number, a date or time, a URL, a path, an e-mail address, a
/// dotted name (`api.example.com`, `1.2.3`), or an id of a known public shape.
pub(crate) fn is_harmless(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_slice(),
        b"true" | b"false" | b"yes" | b"no" | b"on" | b"off" | b"null" | b"nil" | b"none"
    ) {
        return true;
    }
    let number = value
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E' | b'_'));
    if number && value.iter().any(u8::is_ascii_digit) {
        return true;
    }
    if is_date(value) {
        return true;
    }
    if memchr::memmem::find(value, b"://").is_some() {
        return true;
    }
    // A path: `/v1/models`, `/files/abc.png` (base64 may start with `/` too).
    if value[0] == b'/' && is_wordy(value) {
        return true;
    }
    if let Some(at) = memchr::memchr(b'@', value) {
        if at > 0 && value[at + 1..].contains(&b'.') {
            return true;
        }
    }
    // Dotted names: every segment a word of letters (and digits after them).
    let dotted = value.contains(&b'.')
        && value.split(|&b| b == b'.').all(|segment| {
            !segment.is_empty()
                && (segment.iter().all(u8::is_ascii_digit)
                    || (segment[0].is_ascii_alphabetic()
                        && segment.len() <= 24
                        && segment
                            .iter()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')))
        });
    if dotted {
        return true;
    }
    ID_PREFIXES
        .iter()
        .any(|prefix| lower.starts_with(prefix.as_bytes()))
}

/// Whether `value` is made of words and numbers (`Charm-Crush/devel`,
/// `OpenAI/Go`, `value-9223372036854775808`, `value9223`): in every segment
/// between separators, at most two changes between upper case letters, lower
/// case letters and digits. A random credential's segments change class at
/// every other character.
pub(crate) fn is_wordy(value: &[u8]) -> bool {
    let class = |b: u8| {
        if b.is_ascii_uppercase() {
            0
        } else if b.is_ascii_lowercase() {
            1
        } else {
            2
        }
    };
    value.split(|b| !b.is_ascii_alphanumeric()).all(|segment| {
        segment
            .windows(2)
            .filter(|w| class(w[0]) != class(w[1]))
            .count()
            <= 2
    })
}

/// A date or time: `2024-01-02`, `2024-01-02T03:04:05Z`, `03:04:05`.
fn is_date(value: &[u8]) -> bool {
    let shape: Vec<u8> = value
        .iter()
        .map(|b| if b.is_ascii_digit() { b'9' } else { *b })
        .collect();
    shape.starts_with(b"9999-99-99")
        || shape.starts_with(b"99:99:99")
        || shape.starts_with(b"9999/99/99")
}

/// Whether `value` has the shape of a UUID.
pub(crate) fn is_uuid(value: &[u8]) -> bool {
    value.len() == 36
        && value.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The longest run of one byte, letters compared without case.
pub(crate) fn longest_run(value: &[u8]) -> usize {
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
pub(crate) fn shannon_entropy(value: &[u8]) -> f64 {
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
pub(crate) fn classes(value: &[u8]) -> usize {
    [
        value.iter().any(u8::is_ascii_uppercase),
        value.iter().any(u8::is_ascii_lowercase),
        value.iter().any(u8::is_ascii_digit),
    ]
    .into_iter()
    .filter(|&present| present)
    .count()
}

/// Whether a mask marker (`*`, `…`, `...`) touches `span`: an echo such as
/// `sk-proj-abcd…wxyz` or `sk-ant-****ABCD` shows part of a key, not a key.
pub(crate) fn masked_beside(text: &[u8], span: std::ops::Range<usize>) -> bool {
    const ELLIPSIS: &[u8] = "…".as_bytes();
    let (before, after) = (&text[..span.start], &text[span.end..]);
    let marker_before =
        before.ends_with(b"*") || before.ends_with(ELLIPSIS) || before.ends_with(b"...");
    let marker_after =
        after.starts_with(b"*") || after.starts_with(ELLIPSIS) || after.starts_with(b"...");
    marker_before || marker_after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_and_classes_measure_randomness() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert_eq!(classes(b"abc"), 1);
        assert_eq!(classes(b"aB3"), 3);
        assert_eq!(longest_run(b"abXXxxxc"), 5);
    }

    #[test]
    fn harmless_values_are_recognised() {
        for value in [
            "true",
            "12345",
            "3.14",
            "2024-01-02T03:04:05Z",
            "https://x/y",
            "/v1/models",
            "a@b.com",
            "api.example.com",
            "1.2.3",
            "chatcmpl-abc",
            "arn:aws:iam::1:role/x",
        ] {
            assert!(is_harmless(value.as_bytes()), "{value}");
        }
        for value in ["Xk2fQ9zLmN3pR7sT", "abc.DEF.ghi9Q~x", "p4ssW0rd!"] {
            assert!(!is_harmless(value.as_bytes()), "{value}");
        }
        assert!(is_uuid(b"123e4567-e89b-12d3-a456-426614174000"));
    }
}
