//! Comparing a live WebSocket message with a recorded one, by the cassette's
//! rules for request bodies: two JSON texts compare as canonical JSON without
//! the `ignore_json_field` fields; anything else byte for byte.

use std::fmt::Write as _;

use crate::normalize::canonical_json;
use crate::report::write_diff;
use crate::Reel;

impl Reel {
    /// `message` as a recording holds it: JSON field rules, placeholders and
    /// the secret scrub applied, as to every text message of a recorded
    /// session. For reports, which must not show what the cassette leaves out.
    ///
    /// ```
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); }
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// let reel = reel::Reel::builder().redact_json_field("/token").replay(path)?;
    /// assert_eq!(&*reel.redact_message(br#"{"token":"t-123"}"#), br#"{"token":"REDACTED"}"#);
    /// assert_eq!(&*reel.redact_message(b"plain"), b"plain");
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn redact_message<'a>(&self, message: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        match self.redaction().redact_message(message) {
            Some(redacted) => std::borrow::Cow::Owned(redacted),
            None => std::borrow::Cow::Borrowed(message),
        }
    }

    /// Whether `live`, a message a client sent during a replayed WebSocket
    /// session, is the `recorded` one: when both parse as JSON they are compared
    /// as canonical JSON (key order and number spelling do not count) without
    /// the fields named by [`crate::ReelBuilder::ignore_json_field`], as request
    /// bodies are; otherwise byte for byte. The live message is redacted first
    /// as recording redacted the recorded one (JSON field rules, placeholders,
    /// the secret scrub).
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// let reel = reel::Reel::builder().ignore_json_field("/event_id").replay(path)?;
    /// assert!(reel.same_message(br#"{"type":"a","event_id":"1"}"#, br#"{"event_id":"2", "type":"a"}"#));
    /// assert!(!reel.same_message(br#"{"type":"a"}"#, br#"{"type":"b"}"#));
    /// assert!(!reel.same_message(b"hello", b"hello "));
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn same_message(&self, recorded: &[u8], live: &[u8]) -> bool {
        let redacted = self.redaction().redact_message(live);
        let live = redacted.as_deref().unwrap_or(live);
        // The same bytes are the same message, whatever the rules: no parse.
        if recorded == live {
            return true;
        }
        let normalizer = &self.rules().normalizer;
        match (normalizer.json(recorded), normalizer.json(live)) {
            // Equal values are the same message; unequal ones may still be the
            // same canonical JSON (`1.0` and `1`), which costs two writes.
            (Some(recorded), Some(live)) => {
                recorded == live || canonical_json(&recorded, false) == canonical_json(&live, false)
            }
            _ => recorded == live,
        }
    }

    /// What differs between a `recorded` message and a `live` one, for a report:
    /// how they were compared, then a unified diff (of pretty canonical JSON
    /// when both are JSON), bounded unless `REEL_FULL_DIFF=1`. `None` when
    /// [`Reel::same_message`] holds.
    pub fn message_difference(&self, recorded: &[u8], live: &[u8]) -> Option<String> {
        if self.same_message(recorded, live) {
            return None;
        }
        let redacted = self.redaction().redact_message(live);
        let live = redacted.as_deref().unwrap_or(live);
        let mut text = String::new();
        let (compared, recorded_view, live_view) = match self.json_pair(recorded, live) {
            Some(_) => {
                let pretty = |bytes: &[u8]| {
                    self.rules()
                        .normalizer
                        .json(bytes)
                        .map(|value| canonical_json(&value, true) + "\n")
                        .unwrap_or_default()
                };
                (
                    "both JSON, compared as canonical JSON without ignored fields",
                    pretty(recorded),
                    pretty(live),
                )
            }
            None => match (std::str::from_utf8(recorded), std::str::from_utf8(live)) {
                (Ok(recorded), Ok(live)) => ("compared as text", lines(recorded), lines(live)),
                _ => {
                    let _ = writeln!(
                        text,
                        "  differs (compared byte for byte): recorded {} bytes, received {} bytes",
                        recorded.len(),
                        live.len()
                    );
                    return Some(text);
                }
            },
        };
        let _ = writeln!(text, "  differs ({compared}):");
        write_diff(
            &mut text,
            &recorded_view,
            &live_view,
            "recorded",
            self.full_diff(),
        );
        Some(text)
    }

    /// Both messages as canonical JSON without the ignored fields, when both
    /// parse as JSON.
    fn json_pair(&self, recorded: &[u8], live: &[u8]) -> Option<(String, String)> {
        let normalizer = &self.rules().normalizer;
        let recorded = normalizer.json(recorded)?;
        let live = normalizer.json(live)?;
        Some((
            canonical_json(&recorded, false),
            canonical_json(&live, false),
        ))
    }
}

/// Text to diff, ending in a newline.
fn lines(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    fn open(ignored: &[&str]) -> crate::Reel {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/cassettes/openai/multi_tool_streaming.yaml"
        );
        let mut builder = crate::Reel::builder().mode(crate::Mode::None);
        for pointer in ignored {
            builder = builder.ignore_json_field(pointer);
        }
        builder.replay(path).expect("the seed cassette opens")
    }

    #[test]
    fn json_messages_match_whatever_the_key_order_and_without_ignored_fields() {
        let reel = open(&["/event_id"]);
        assert!(reel.same_message(
            br#"{"type":"response.create","event_id":"evt_1","n":1.0}"#,
            br#"{ "n": 1, "event_id": "evt_2", "type": "response.create" }"#,
        ));
        assert!(!reel.same_message(
            br#"{"type":"response.create","n":1}"#,
            br#"{"type":"response.create","n":2}"#,
        ));
        let strict = open(&[]);
        assert!(!strict.same_message(br#"{"event_id":"1"}"#, br#"{"event_id":"2"}"#));
    }

    #[test]
    fn other_messages_match_byte_for_byte() {
        let reel = open(&[]);
        assert!(reel.same_message(b"ping me", b"ping me"));
        assert!(!reel.same_message(b"ping me", b"Ping me"));
        assert!(!reel.same_message(br#"{"a":1}"#, b"not json"));
        assert!(reel.same_message(&[0, 159, 146], &[0, 159, 146]));
    }

    #[test]
    fn the_difference_is_a_diff_of_the_changed_json_field() {
        let reel = open(&["/event_id"]);
        assert_eq!(
            reel.message_difference(br#"{"a":1,"event_id":"x"}"#, br#"{"event_id":"y","a":1}"#),
            None
        );
        let text = reel
            .message_difference(
                br#"{"type":"response.create","response":{"instructions":"Say hi"}}"#,
                br#"{"type":"response.create","response":{"instructions":"Say bye"}}"#,
            )
            .expect("a difference");
        assert!(
            text.starts_with(
                "  differs (both JSON, compared as canonical JSON without ignored fields):\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\n    -    \"instructions\": \"Say hi\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\n    +    \"instructions\": \"Say bye\"\n"),
            "{text}"
        );
        let binary = reel.message_difference(&[0xff, 1], &[0xff]).unwrap();
        assert_eq!(
            binary,
            "  differs (compared byte for byte): recorded 2 bytes, received 1 bytes\n"
        );
    }
}
