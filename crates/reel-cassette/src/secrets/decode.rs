//! The encodings a credential hides under in a recording, undone for the scan:
//! percent-escapes, base64 runs that decode to text (JSON, a key file, a
//! `.env` file sent as an attachment, an AWS event-stream chunk's `bytes`).

use std::ops::Range;

use base64::Engine as _;

/// Shortest base64 run worth decoding: 18 bytes of text.
const MIN_RUN: usize = 24;

/// How much of a run is decoded first to tell text from binary data.
const PROBE: usize = 64;

/// `text` with its percent-escapes decoded, or `None` when it has none.
pub(crate) fn percent_decoded(text: &[u8]) -> Option<Vec<u8>> {
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

/// Which base64 alphabet a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alphabet {
    Standard,
    UrlSafe,
}

/// A base64 run of `text` that decodes to text.
pub(crate) struct Run {
    pub(crate) span: Range<usize>,
    pub(crate) alphabet: Alphabet,
    pub(crate) padded: bool,
    pub(crate) decoded: Vec<u8>,
}

/// The base64 runs in `text` (at least `MIN_RUN` characters, one alphabet)
/// that decode to UTF-8 text. Binary data (images, audio, encrypted reasoning,
/// thinking signatures) is recognised from its first bytes and not decoded whole.
pub(crate) fn text_runs(text: &[u8]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !is_run_byte(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_run_byte(text[i]) {
            i += 1;
        }
        let mut end = i;
        while i < text.len() && text[i] == b'=' && i - end < 2 {
            i += 1;
        }
        let padded = i > end;
        if padded {
            end = i;
        }
        if end - start < MIN_RUN {
            continue;
        }
        // Padded as written, or of a length a padded encoding has.
        let padded = padded || (end - start).is_multiple_of(4);
        if let Some(run) = decode_run(&text[start..end], padded) {
            runs.push(Run {
                span: start..end,
                ..run
            });
        }
    }
    runs
}

fn is_run_byte(b: u8) -> bool {
    const TABLE: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
            b += 1;
        }
        table
    };
    TABLE[usize::from(b)]
}

fn decode_run(run: &[u8], padded: bool) -> Option<Run> {
    let standard = run.iter().any(|b| matches!(b, b'+' | b'/'));
    let url_safe = run.iter().any(|b| matches!(b, b'-' | b'_'));
    if standard && url_safe {
        return None;
    }
    // Letters of one case only, or no digit and no letter of one case: a word
    // or an identifier, not base64 (which mixes all three classes).
    let upper = run.iter().any(u8::is_ascii_uppercase);
    let lower = run.iter().any(u8::is_ascii_lowercase);
    if !(upper && lower) {
        return None;
    }
    let alphabet = if url_safe {
        Alphabet::UrlSafe
    } else {
        Alphabet::Standard
    };
    let data = run
        .strip_suffix(b"==")
        .or_else(|| run.strip_suffix(b"="))
        .unwrap_or(run);
    let probe = &data[..data.len().min(PROBE)];
    let probe = &probe[..probe.len() / 4 * 4];
    if !is_text(&engine(alphabet).decode(probe).ok()?) {
        return None;
    }
    let decoded = engine(alphabet).decode(data).ok()?;
    (std::str::from_utf8(&decoded).is_ok() && is_text(&decoded)).then_some(Run {
        span: 0..0,
        alphabet,
        padded,
        decoded,
    })
}

/// `bytes` re-encoded as `run` was: same alphabet, same padding.
pub(crate) fn encode_like(run: &Run, bytes: &[u8]) -> Vec<u8> {
    let mut out = engine(run.alphabet).encode(bytes).into_bytes();
    if run.padded {
        while !out.len().is_multiple_of(4) {
            out.push(b'=');
        }
    }
    out
}

fn engine(alphabet: Alphabet) -> base64::engine::GeneralPurpose {
    let config = base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    match alphabet {
        Alphabet::Standard => {
            base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, config)
        }
        Alphabet::UrlSafe => {
            base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
        }
    }
}

/// Whether `bytes` read as text: at most 1 in 50 control bytes (other than
/// line breaks and tabs). Random binary data has 1 in 8.
fn is_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let odd = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t') || b == 0x7f)
        .count();
    odd * 50 <= bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_that_decode_to_text_are_found_and_binary_is_not() {
        let json = base64::engine::general_purpose::STANDARD.encode(br#"{"api_key":"abc","n":1}"#);
        let binary = base64::engine::general_purpose::STANDARD.encode([
            0u8, 1, 2, 250, 251, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        ]);
        let text = format!("a {json} b {binary} c");
        let runs = text_runs(text.as_bytes());
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].decoded, br#"{"api_key":"abc","n":1}"#);
        assert_eq!(&text.as_bytes()[runs[0].span.clone()], json.as_bytes());
        assert_eq!(encode_like(&runs[0], &runs[0].decoded), json.as_bytes());
        // Words and identifiers are not base64.
        assert!(
            text_runs(b"abcdefghijklmnopqrstuvwxyzabcdefgh ABCDEFGHIJKLMNOPQRSTUVWXYZ0123")
                .is_empty()
        );
    }
}
