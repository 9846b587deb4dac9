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
//! - `binary BASE64`: a binary message, standard base64 with padding;
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
            Frame::Binary(bytes) => format!(
                "{arrow} binary {}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
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
                     text-json, binary, close";
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
    use super::*;

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
