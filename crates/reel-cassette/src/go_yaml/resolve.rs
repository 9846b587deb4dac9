//! Whether Go's encoder may write a string plain: yaml.v3's `resolve` plus the
//! YAML 1.1 look-alikes it quotes for older readers.

/// True when `s` written plain would read back as a string, by yaml.v3's rules.
/// When false, Go asks for a double-quoted scalar (`""`, `"true"`, `"1"`, `"1:20"`).
pub(crate) fn can_be_plain(s: &str) -> bool {
    !resolves_to_non_string(s) && !is_yaml11_only(s) && !is_wide_prefixed_int(s)
}

/// Deliberately unlike Go: an integer in hex, octal or binary beyond 64 bits
/// (`0x1F01e31e31e31e31e31e3`, `-0b1…`). yaml.v3's `resolve` fails to parse it as
/// an int64 or uint64 and calls it a string, so Go writes it plain; by YAML 1.2's
/// core schema it is an integer, and serde_yaml reads it as a 128-bit number,
/// its text lost. Such a string is double-quoted (FORMAT.md, deviation 4).
fn is_wide_prefixed_int(s: &str) -> bool {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) = match unsigned.get(..2) {
        Some("0x") => (16, &unsigned[2..]),
        Some("0o") => (8, &unsigned[2..]),
        Some("0b") => (2, &unsigned[2..]),
        _ => return false,
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return false;
    }
    if negative {
        i128::from_str_radix(&format!("-{digits}"), radix).is_ok()
    } else {
        u128::from_str_radix(digits, radix).is_ok()
    }
}

/// Strings that only a YAML 1.1 reader would read as something else: the old
/// booleans (`yes`, `Off`), base-60 numbers (`1:20`) and the merge key `<<`.
/// yaml/v4 rc.5 and later single-quote these; earlier releases double-quote them.
pub(crate) fn is_yaml11_only(s: &str) -> bool {
    is_base60_float(s) || is_old_bool(s) || s == "<<"
}

fn resolves_to_non_string(s: &str) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return true; // "" is null
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => in_map(s),
        b'.' => in_map(s) || parses_as_float(s),
        b'+' | b'-' | b'0'..=b'9' => in_map(s) || is_timestamp(s) || is_number(s),
        _ => false,
    }
}

fn in_map(s: &str) -> bool {
    matches!(
        s,
        "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | "<<"
    )
}

/// The int, float and prefixed-int branches of yaml.v3's resolve, on the text with
/// underscores removed.
fn is_number(s: &str) -> bool {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if go_parse_int(&plain) || go_parse_uint(&plain) {
        return true;
    }
    if is_yaml_style_float(&plain) && parses_as_float(&plain) {
        return true;
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        return i64::from_str_radix(rest, 2).is_ok() || u64::from_str_radix(rest, 2).is_ok();
    }
    if let Some(rest) = plain.strip_prefix("-0b") {
        return i64::from_str_radix(&format!("-{rest}"), 2).is_ok();
    }
    if let Some(rest) = plain.strip_prefix("0o") {
        return i64::from_str_radix(rest, 8).is_ok() || u64::from_str_radix(rest, 8).is_ok();
    }
    if let Some(rest) = plain.strip_prefix("-0o") {
        return i64::from_str_radix(&format!("-{rest}"), 8).is_ok();
    }
    false
}

/// Splits Go's base-0 integer syntax into radix and digits: `0x`, `0o`, `0b`
/// prefixes (only with at least one more char), a leading `0` for octal.
fn base0(s: &str) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    if b[0] != b'0' {
        return Some((10, s));
    }
    if b.len() >= 3 {
        match b[1] {
            b'b' | b'B' => return Some((2, &s[2..])),
            b'o' | b'O' => return Some((8, &s[2..])),
            b'x' | b'X' => return Some((16, &s[2..])),
            _ => {}
        }
    }
    Some((8, &s[1..]))
}

fn digits_ok(digits: &str, radix: u32) -> bool {
    digits.chars().all(|c| c.is_digit(radix))
}

/// Go's `strconv.ParseInt(s, 0, 64)` succeeds.
fn go_parse_int(s: &str) -> bool {
    let (neg, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let Some((radix, digits)) = base0(unsigned) else {
        return false;
    };
    if !digits_ok(digits, radix) {
        return false;
    }
    let magnitude = if digits.is_empty() {
        0
    } else {
        match u128::from_str_radix(digits, radix) {
            Ok(v) => v,
            Err(_) => return false,
        }
    };
    if neg {
        magnitude <= 1u128 << 63
    } else {
        magnitude < 1u128 << 63
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` succeeds.
fn go_parse_uint(s: &str) -> bool {
    let Some((radix, digits)) = base0(s) else {
        return false;
    };
    digits_ok(digits, radix) && (digits.is_empty() || u64::from_str_radix(digits, radix).is_ok())
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let count_digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    if i < b.len() && b[i] == b'.' {
        let n = count_digits(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    } else {
        let n = count_digits(i);
        if n == 0 {
            return false;
        }
        i += n;
        if i < b.len() && b[i] == b'.' {
            i += 1 + count_digits(i + 1);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let n = count_digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` succeeds, for the decimal forms that reach it
/// here: finite results only (Go reports overflow as an error).
fn parses_as_float(s: &str) -> bool {
    if s.contains('_')
        || !s
            .bytes()
            .all(|c| c.is_ascii_digit() || b".eE+-".contains(&c))
    {
        return false;
    }
    matches!(s.parse::<f64>(), Ok(v) if v.is_finite())
}

/// yaml.v3 `parseTimestamp`: `YYYY-M-D`, optionally with `T`/`t`/space and a time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_len != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    let Some(month) = small_number(b, &mut i) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = small_number(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let zone_required = match b[i] {
        b'T' | b't' => true,
        b' ' => false,
        _ => return false,
    };
    i += 1;
    let Some(hour) = small_number(b, &mut i) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(minute) = small_number(b, &mut i) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(second) = small_number(b, &mut i) else {
        return false;
    };
    if hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return false;
        }
        i += 1 + n;
    }
    if !zone_required {
        return i == b.len();
    }
    match &b[i..] {
        [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] if (*sign == b'+' || *sign == b'-') => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') < 24
                && (m1 - b'0') * 10 + (m2 - b'0') < 60
        }
        _ => false,
    }
}

/// One or two digits, as Go's time layouts `1`, `2`, `15`, `4`, `5` read them.
fn small_number(b: &[u8], i: &mut usize) -> Option<u32> {
    let n = b[*i..]
        .iter()
        .take(2)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if n == 0 {
        return None;
    }
    let v = b[*i..*i + n]
        .iter()
        .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'));
    *i += n;
    Some(v)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// yaml.v3 `isBase60Float`: `1:20`, `-1:30:00.5`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if *c == b'+' || *c == b'-' || c.is_ascii_digit() => {}
        _ => return false,
    }
    if !s.contains(':') {
        return false;
    }
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let mut i = usize::from(b[0] == b'+' || b[0] == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        match (b.get(i), b.get(i + 1)) {
            (Some(d1 @ b'0'..=b'5'), Some(d2)) if d2.is_ascii_digit() => {
                let _ = d1;
                i += 2;
            }
            (Some(d), _) if d.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

#[cfg(test)]
mod tests {
    use super::can_be_plain;

    #[test]
    fn values_that_read_back_as_something_else_are_not_plain() {
        for s in [
            "",
            "~",
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "FALSE",
            "y",
            "Yes",
            "NO",
            "on",
            "Off",
            "0",
            "1",
            "-1",
            "+1",
            "007",
            "0x1F",
            "0o17",
            "0b101",
            "1_000",
            "1.5",
            "-.5",
            ".5",
            "1e3",
            "1E-3",
            "1.",
            ".inf",
            "-.Inf",
            ".NaN",
            "2001-12-14",
            "2001-1-2",
            "2001-12-14T21:59:43.10Z",
            "2001-12-14t21:59:43+05:00",
            "2001-12-14 21:59:43.10",
            "1:20",
            "-1:30:00.5",
            "190:20:30",
            "<<",
            "18446744073709551615",
            "0b-1",
            "08",
        ] {
            assert!(!can_be_plain(s), "{s:?} must be quoted");
        }
    }

    #[test]
    fn wide_prefixed_integers_are_quoted_unlike_go() {
        for wide in [
            "0x1F01e31e31e31e31e31e3",
            "+0xFFFFFFFFFFFFFFFFFF",
            "-0x1FFFFFFFFFFFFFFFFF",
            "0o7777777777777777777777777",
            "0b11111111111111111111111111111111111111111111111111111111111111111",
        ] {
            assert!(!can_be_plain(wide), "{wide}");
        }
        // Wider than 128 bits, serde_yaml reads text again: plain, as Go writes it.
        assert!(can_be_plain("0x1F01e31e31e31e31e31e31e31e31e31e31e3"));
        assert!(can_be_plain("0x") && can_be_plain("0xg1") && can_be_plain("0x+1"));
    }

    #[test]
    fn ordinary_text_is_plain() {
        for s in [
            "a",
            "HTTP/1.1",
            "200 OK",
            "2.397934s",
            "0s",
            "application/json",
            "yess",
            "nope",
            "truely",
            "1.2.3",
            "0x",
            "1e999",
            "2001-13-14",
            "2001-02-30",
            "1:60",
            "12:",
            "2001-12-14 21:59:43 -5",
            "-",
            "+",
            ".",
            "._5",
            "1_000a",
            "2001-12-14T21:59:43",
        ] {
            assert!(can_be_plain(s), "{s:?} may be plain");
        }
    }
}
