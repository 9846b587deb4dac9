//! Go's `time.Duration` text: `2.397934s`, `853.364708ms`, `1.5µs`, `0s`, `1h0m0s`.
//!
//! Formatting follows Go's `Duration.String` and parsing Go's `time.ParseDuration`,
//! so a duration written by Go reads and writes back to the same text.

use std::time::Duration;

/// The largest duration Go can hold: `i64::MAX` nanoseconds.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Formats `d` as Go's `Duration.String` does.
///
/// Durations beyond Go's range (about 292 years) are clamped to it.
pub fn format(d: Duration) -> String {
    let nanos = d.as_nanos().min(MAX_NANOS) as u64;
    let mut out = String::with_capacity(16);
    if nanos < 1_000_000_000 {
        let (unit, prec) = match nanos {
            0 => return "0s".to_owned(),
            1..=999 => ("ns", 0),
            1_000..=999_999 => ("µs", 3),
            _ => ("ms", 6),
        };
        push_fraction(&mut out, nanos, prec);
        out.push_str(unit);
        return out;
    }
    let secs = nanos / 1_000_000_000;
    let (hours, minutes, seconds) = (secs / 3600, secs / 60 % 60, secs % 60);
    if hours > 0 {
        out.push_str(&hours.to_string());
        out.push('h');
    }
    if secs >= 60 {
        out.push_str(&minutes.to_string());
        out.push('m');
    }
    push_fraction(&mut out, seconds * 1_000_000_000 + nanos % 1_000_000_000, 9);
    out.push('s');
    out
}

/// Writes `v / 10^prec` with the fraction's trailing zeros (and a bare point) removed.
fn push_fraction(out: &mut String, v: u64, prec: u32) {
    let scale = 10u64.pow(prec);
    out.push_str(&(v / scale).to_string());
    let frac = v % scale;
    if frac != 0 {
        let digits = format!("{frac:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// Parses Go duration text, as `time.ParseDuration` does.
///
/// Accepts `µs` (U+00B5), `μs` (U+03BC) and `us` for microseconds. Negative
/// durations are rejected: a cassette's duration is a time that has passed.
pub fn parse(text: &str) -> Result<Duration, String> {
    let expected = "expected Go duration text such as `1.5s`";
    let bad = || format!("invalid duration `{text}`: {expected}");
    let mut s = text;
    if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    } else if let Some(rest) = s.strip_prefix('-') {
        if !rest.is_empty() && rest.chars().all(|c| c == '0') {
            return Ok(Duration::ZERO);
        }
        return Err(format!(
            "negative duration `{text}`: a duration must not be negative"
        ));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, rest) = s.split_at(int_len);
        let (frac_part, rest) = match rest.strip_prefix('.') {
            Some(after) => {
                let n = after.bytes().take_while(u8::is_ascii_digit).count();
                after.split_at(n)
            }
            None => ("", rest),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let unit_len = rest
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let (unit, rest) = rest.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("missing unit in duration `{text}`: {expected}")),
            _ => {
                return Err(format!(
                    "unknown unit `{unit}` in duration `{text}`: {expected}"
                ))
            }
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| bad())?
        };
        let mut nanos = whole.checked_mul(unit_nanos).ok_or_else(bad)?;
        // Go keeps as many fraction digits as fit and truncates the rest.
        let mut scale = unit_nanos;
        for digit in frac_part.bytes() {
            if scale < 10 {
                break;
            }
            scale /= 10;
            nanos += u128::from(digit - b'0') * scale;
        }
        total = total.checked_add(nanos).ok_or_else(bad)?;
        if total > MAX_NANOS {
            return Err(format!(
                "duration `{text}` is out of range (at most 2562047h47m16.854775807s)"
            ));
        }
        s = rest;
    }
    Ok(Duration::from_nanos(total as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1_000, "1µs"),
            (1_500, "1.5µs"),
            (853_364_708, "853.364708ms"),
            (2_397_934_000, "2.397934s"),
            (1_000_000_000, "1s"),
            (60_000_000_000, "1m0s"),
            (123_500_000_000, "2m3.5s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_601_000_000_001, "1h0m1.000000001s"),
            (i64::MAX as u64, "2562047h47m16.854775807s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(format(Duration::from_nanos(nanos)), text, "{nanos}ns");
            assert_eq!(parse(text), Ok(Duration::from_nanos(nanos)), "{text}");
        }
    }

    #[test]
    fn parses_every_spelling_go_accepts() {
        let cases = [
            ("0", 0),
            ("-0", 0),
            ("+1s", 1_000_000_000),
            ("1.5us", 1_500),
            ("1.5μs", 1_500),
            ("1500ms", 1_500_000_000),
            (".5s", 500_000_000),
            ("1.s", 1_000_000_000),
            ("1h2m3s4ms", 3_723_004_000_000),
            ("1.0000000001s", 1_000_000_000),
        ];
        for (text, nanos) in cases {
            assert_eq!(parse(text), Ok(Duration::from_nanos(nanos)), "{text}");
        }
    }

    #[test]
    fn rejects_what_go_rejects_and_negative_durations() {
        for text in [
            "", "1", "s", ".s", "1x", "1.5", "abc", "1s2", "3000000h", "-1s",
        ] {
            assert!(parse(text).is_err(), "{text} should be rejected");
        }
        assert!(parse("-1s").unwrap_err().contains("negative"));
        assert!(parse("5d").unwrap_err().contains("unknown unit `d`"));
    }
}
