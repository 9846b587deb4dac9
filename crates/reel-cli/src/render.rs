//! Text helpers shared by the commands: canonical JSON, one-line escapes,
//! bounded excerpts.

use std::fmt::Write as _;

/// Longest line `show` prints without `--full`.
pub const LINE_CHARS: usize = 160;

/// Most lines of one body (`show`) or one body diff (`diff`) printed without `--full`.
pub const BODY_LINES: usize = 200;

/// `bytes` parsed as JSON, when they are JSON.
pub fn parse_json(bytes: &[u8]) -> Option<serde_json::Value> {
    serde_json::from_slice(bytes).ok()
}

/// `value` pretty-printed with 2-space indentation and object keys sorted, so
/// that two documents that differ in one field differ in one line.
pub fn canonical_json(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(&sorted(value)).unwrap_or_else(|_| value.to_string())
}

/// `value` on one line, object keys sorted.
pub fn canonical_json_line(value: &serde_json::Value) -> String {
    sorted(value).to_string()
}

/// A copy of `value` with every object's keys in sorted order, whether or not
/// serde_json was built to keep insertion order.
fn sorted(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted).collect())
        }
        other => other.clone(),
    }
}

/// `text` on one line: line breaks, tabs and other control characters written
/// as escapes (`\n`, `\r`, `\t`, `\u{1b}`), so that a body can never move the
/// cursor or colour a terminal.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// [`one_line`] for a Go string that may not be UTF-8 (a Latin-1 header value):
/// bytes that are not UTF-8 are written `\xE9`.
pub fn one_line_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&one_line(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// `line` cut to `max` characters, saying how long it was when cut.
pub fn excerpt(line: &str, max: usize) -> String {
    match line.char_indices().nth(max) {
        None => line.to_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &line[..cut], line.len()),
    }
}

/// `… 12 more lines (reel show --full to see all)`: the note after a bounded
/// listing, with the command that shows everything.
pub fn more_lines(n: usize, command: &str) -> String {
    let lines = if n == 1 { "line" } else { "lines" };
    format!("… {n} more {lines} ({command} to see all)")
}

/// `512 bytes`, `12.3 kB`, `1.2 MB`: a size in decimal units, for sizes a
/// person only needs the order of (audio decoded from base64).
pub fn size(bytes: usize) -> String {
    let b = bytes as f64;
    match bytes {
        0..=999 => count(bytes, "byte", "bytes"),
        1_000..=999_999 => format!("{:.1} kB", b / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.1} GB", b / 1e9),
    }
}

/// `1 event`, `2 events`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_indents_by_two() {
        let value = parse_json(br#"{"b":[{"z":1,"a":2}],"a":null}"#).unwrap();
        assert_eq!(
            canonical_json(&value),
            "{\n  \"a\": null,\n  \"b\": [\n    {\n      \"a\": 2,\n      \"z\": 1\n    }\n  ]\n}"
        );
    }

    #[test]
    fn one_line_escapes_line_breaks_and_control_characters() {
        assert_eq!(
            one_line("a\r\nb\tc\u{1b}[31md é"),
            "a\\r\\nb\\tc\\u{1b}[31md é"
        );
    }

    #[test]
    fn sizes_are_bytes_then_decimal_units() {
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(12_345), "12.3 kB");
        assert_eq!(size(1_234_567), "1.2 MB");
    }

    #[test]
    fn excerpts_cut_on_characters_and_give_the_full_size() {
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("ééé", 2), "éé… (6 bytes)");
    }
}
