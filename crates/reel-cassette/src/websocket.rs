//! A WebSocket session as one go-vcr interaction: the handshake `GET` as the
//! request, a `101 Switching Protocols` response whose body is the session's
//! transcript, one message per line, in the order they crossed the wire.
//!
//! ```text
//! > text {"type":"session.update","session":{"voice":"alloy"}}
//! < text {"type":"session.updated"}
//! > binary AAECAwQ=
//! < text-json "two\nlines"
//! < close 1000 done
//! ```
//!
//! Each line is a direction (`>` client to server, `<` server to client), a
//! kind and its payload, separated by one space, ending in `\n`:
//! - `text PAYLOAD`: a text message whose text holds no line break, as it is
//!   (a JSON event reads as itself); an empty message is `text` alone;
//! - `text-json "…"`: a text message with line breaks, as a JSON string;
//! - `binary-text PAYLOAD`: a binary message whose bytes are printable UTF-8
//!   text without line breaks, as it is (Gemini's Live API sends its JSON
//!   events as binary messages: they read, diff, redact and match as JSON);
//! - `binary BASE64`: any other binary message, standard base64 with padding;
//! - `close`, `close CODE`, `close CODE REASON`: a close frame.
//!
//! Pings and pongs are not recorded: they are the connection's, not the
//! session's. To Go a session is an ordinary interaction with a text body, so
//! go-vcr loads such a cassette unchanged and reel re-saves it byte for byte.

use std::fmt;

use base64::Engine as _;

/// Which way a message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server (`>`).
    Client,
    /// From the server to the client (`<`).
    Server,
}

/// One WebSocket message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A close frame: its status code and reason, when it has them.
    Close(Option<(u16, String)>),
}

/// A message and the way it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Which way it went.
    pub direction: Direction,
    /// What it carried.
    pub frame: Frame,
}

/// The messages of one session, in order.
///
/// ```
/// use reel_cassette::websocket::{Direction, Frame, Message, Transcript};
///
/// let transcript = Transcript {
///     messages: vec![
///         Message { direction: Direction::Client, frame: Frame::Text(r#"{"type":"response.create"}"#.into()) },
///         Message { direction: Direction::Server, frame: Frame::Binary(vec![0, 1, 2]) },
///         Message { direction: Direction::Server, frame: Frame::Close(Some((1000, "done".into()))) },
///     ],
/// };
/// let text = transcript.to_text();
/// assert_eq!(text, "> text {\"type\":\"response.create\"}\n< binary AAEC\n< close 1000 done\n");
/// assert_eq!(Transcript::parse(text.as_bytes()).unwrap(), transcript);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// The messages, in the order they crossed the wire.
    pub messages: Vec<Message>,
}

/// A transcript line that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("transcript line {line}: {message}")]
pub struct TranscriptError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong, and what a line looks like.
    pub message: String,
}

/// Whether a recorded response is a WebSocket session's: `101 Switching
/// Protocols`, its body a transcript.
pub fn is_session(response: &crate::Response) -> bool {
    response.code == 101
}

impl Message {
    /// One line of the transcript, without its `\n`.
    pub fn to_line(&self) -> String {
        let arrow = match self.direction {
            Direction::Client => '>',
            Direction::Server => '<',
        };
        match &self.frame {
            Frame::Text(text) if text.is_empty() => format!("{arrow} text"),
            Frame::Text(text) if !text.contains(['\n', '\r']) => format!("{arrow} text {text}"),
            Frame::Text(text) => format!(
                "{arrow} text-json {}",
                serde_json::to_string(text).expect("a string serializes")
            ),
            Frame::Binary(bytes) => match printable_text(bytes) {
                Some(text) => format!("{arrow} binary-text {text}"),
                None => format!(
                    "{arrow} binary {}",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                ),
            },
            Frame::Close(None) => format!("{arrow} close"),
            Frame::Close(Some((code, reason))) if reason.is_empty() => {
                format!("{arrow} close {code}")
            }
            Frame::Close(Some((code, reason))) => {
                // A reason is at most 123 bytes and holds no line break that
                // matters: one would end the line, so it is replaced.
                format!("{arrow} close {code} {}", reason.replace(['\n', '\r'], " "))
            }
        }
    }

    /// The message a transcript line holds.
    pub fn parse_line(line: &str) -> Result<Message, String> {
        let shape = "a line is `> KIND PAYLOAD` or `< KIND PAYLOAD`, KIND one of text, \
                     text-json, binary-text, binary, close";
        let (arrow, rest) = line
            .split_once(' ')
            .ok_or_else(|| format!("{line:?} has no direction and kind ({shape})"))?;
        let direction = match arrow {
            ">" => Direction::Client,
            "<" => Direction::Server,
            other => {
                return Err(format!(
                    "direction {other:?} is neither `>` nor `<` ({shape})"
                ))
            }
        };
        let (kind, payload) = match rest.split_once(' ') {
            Some((kind, payload)) => (kind, Some(payload)),
            None => (rest, None),
        };
        let frame = match (kind, payload) {
            ("text", payload) => Frame::Text(payload.unwrap_or("").to_owned()),
            ("text-json", Some(payload)) => Frame::Text(
                serde_json::from_str(payload)
                    .map_err(|err| format!("text-json payload is not a JSON string: {err}"))?,
            ),
            ("binary-text", Some(payload)) => Frame::Binary(payload.as_bytes().to_vec()),
            ("binary", payload) => Frame::Binary(
                base64::engine::general_purpose::STANDARD
                    .decode(payload.unwrap_or(""))
                    .map_err(|err| format!("binary payload is not base64: {err}"))?,
            ),
            ("close", None) => Frame::Close(None),
            ("close", Some(payload)) => {
                let (code, reason) = payload.split_once(' ').unwrap_or((payload, ""));
                let code = code
                    .parse()
                    .map_err(|_| format!("close code {code:?} is not a number from 0 to 65535"))?;
                Frame::Close(Some((code, reason.to_owned())))
            }
            (other, _) => return Err(format!("kind {other:?} is unknown ({shape})")),
        };
        Ok(Message { direction, frame })
    }
}

/// `bytes` as text when a transcript line can hold them as they are: UTF-8,
/// not empty, no control character (so no line break).
pub fn printable_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    (!text.is_empty() && !text.chars().any(char::is_control)).then_some(text)
}

impl Transcript {
    /// The transcript text: one line per message, each ending in `\n`.
    pub fn to_text(&self) -> String {
        self.messages.iter().map(|m| m.to_line() + "\n").collect()
    }

    /// The messages of a transcript body; blank lines are skipped.
    pub fn parse(body: &[u8]) -> Result<Transcript, TranscriptError> {
        let text = std::str::from_utf8(body).map_err(|err| TranscriptError {
            line: body[..err.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1,
            message: "not UTF-8 (binary messages are base64)".to_owned(),
        })?;
        let mut messages = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            messages.push(
                Message::parse_line(line).map_err(|message| TranscriptError {
                    line: i + 1,
                    message,
                })?,
            );
        }
        Ok(Transcript { messages })
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Client => "client",
            Direction::Server => "server",
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Any message but a close whose reason has a line break (written with a
    /// space instead: a close reason is a label, not data).
    fn any_message() -> impl Strategy<Value = Message> {
        let direction = prop_oneof![Just(Direction::Client), Just(Direction::Server)];
        let text = prop_oneof![
            any::<String>(),
            "[ \\t\\r\\n\u{2028}{}\":a-z0-9é]{0,40}",
            Just(String::new()),
        ];
        let bytes = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            "[ -~é]{1,40}".prop_map(String::into_bytes),
        ];
        let frame = prop_oneof![
            text.prop_map(Frame::Text),
            bytes.prop_map(Frame::Binary),
            Just(Frame::Close(None)),
            (any::<u16>(), "[^\r\n]{0,30}")
                .prop_map(|(code, reason)| Frame::Close(Some((code, reason)))),
        ];
        (direction, frame).prop_map(|(direction, frame)| Message { direction, frame })
    }

    proptest! {
        #[test]
        fn any_transcript_round_trips_one_line_per_message(
            messages in proptest::collection::vec(any_message(), 0..12),
        ) {
            let transcript = Transcript { messages };
            let text = transcript.to_text();
            prop_assert_eq!(text.matches('\n').count(), transcript.messages.len());
            prop_assert_eq!(Transcript::parse(text.as_bytes()).unwrap(), transcript);
        }
    }

    fn message(direction: Direction, frame: Frame) -> Message {
        Message { direction, frame }
    }

    #[test]
    fn every_kind_of_message_round_trips_through_its_line() {
        let messages = [
            message(Direction::Client, Frame::Text(String::new())),
            message(Direction::Client, Frame::Text("{\"a\": 1}".into())),
            message(Direction::Server, Frame::Text("two\nlines\r\n".into())),
            message(
                Direction::Server,
                Frame::Text("  leading and trailing  ".into()),
            ),
            message(Direction::Client, Frame::Binary(vec![])),
            message(
                Direction::Server,
                Frame::Binary(br#"{"serverContent":{"turnComplete":true}}"#.to_vec()),
            ),
            message(
                Direction::Server,
                Frame::Binary(" padded é ".as_bytes().to_vec()),
            ),
            message(Direction::Server, Frame::Binary(b"tab	here".to_vec())),
            message(Direction::Client, Frame::Binary((0..=255).collect())),
            message(Direction::Server, Frame::Close(None)),
            message(Direction::Server, Frame::Close(Some((1000, String::new())))),
            message(
                Direction::Client,
                Frame::Close(Some((4001, "bad event id".into()))),
            ),
        ];
        let transcript = Transcript {
            messages: messages.to_vec(),
        };
        let text = transcript.to_text();
        assert_eq!(text.lines().count(), messages.len());
        assert_eq!(Transcript::parse(text.as_bytes()).unwrap(), transcript);
    }

    #[test]
    fn a_binary_message_is_written_as_text_only_when_it_is_printable_text() {
        let line =
            |bytes: &[u8]| message(Direction::Server, Frame::Binary(bytes.to_vec())).to_line();
        assert_eq!(
            line(br#"{"setupComplete":{}}"#),
            r#"< binary-text {"setupComplete":{}}"#
        );
        assert_eq!(line(b""), "< binary ");
        assert_eq!(line(b"a\nb"), "< binary YQpi");
        assert_eq!(line(&[0, 1, 2]), "< binary AAEC");
        assert_eq!(line(&[0xff, 0xfe]), "< binary //4=");
        // Random audio is almost never printable text: 1,000 random frames of
        // 64 bytes, none written as text.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut random = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()
        };
        for _ in 0..1000 {
            let frame: Vec<u8> = (0..8).flat_map(|_| random()).collect();
            assert!(line(&frame).starts_with("< binary "), "{frame:?}");
        }
    }

    #[test]
    fn a_bad_line_names_its_number_and_the_shape() {
        let err = Transcript::parse(b"> text a\n> bogus x\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("kind \"bogus\" is unknown"),
            "{}",
            err.message
        );
        let err = Transcript::parse(b"< close abc\n").unwrap_err();
        assert!(err.message.contains("close code"), "{}", err.message);
        let err = Transcript::parse(b"= text a\n").unwrap_err();
        assert!(
            err.message.contains("neither `>` nor `<`"),
            "{}",
            err.message
        );
    }
}
