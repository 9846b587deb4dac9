//! Replaying a recorded session: the server's messages are sent in their
//! recorded order, each batch once the client message before it has arrived and
//! matched the recorded one, each message after its wait when the replay is
//! paced ([`MessageWaits`]: the recorded gap from the message before it). A client message that differs, or one the
//! recording does not have, ends the session with close code 1008 and a
//! mismatch report in the server's log.

use std::fmt::Write as _;

use futures_util::{SinkExt as _, StreamExt as _};
use http::StatusCode;
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;
use reel::cassette::websocket::{printable_text, Direction, Frame, Message, Transcript};
use reel::{MessageWaits, Reel, ReplayBody, Replayed};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use super::frames::{self, kind};
use super::{switching_protocols, Started};
use crate::exchange::Outcome;
use crate::failure::Failure;
use crate::outgoing::Body;
use crate::service::fail;

/// The close code sent when the client strays from the recording: policy
/// violation (RFC 6455 section 7.4.1).
const POLICY_VIOLATION: u16 = 1008;

/// Longest message line shown in a report, in characters.
const MAX_SHOWN: usize = 200;

/// Answers the handshake with `101` from the recorded `response` and plays its
/// transcript on the upgraded connection; a transcript that does not parse is
/// a `500` that says which line.
pub(super) async fn start(
    reel: &Reel,
    response: http::Response<ReplayBody>,
    started: Started,
) -> http::Response<Body> {
    let interaction = response
        .extensions()
        .get::<Replayed>()
        .map_or(0, |r| r.interaction);
    let waits = response
        .extensions()
        .get::<MessageWaits>()
        .cloned()
        .unwrap_or_default();
    let (parts, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let transcript = match Transcript::parse(&body) {
        Ok(transcript) => transcript,
        Err(err) => {
            return fail(
                started.pending,
                Failure::reel(format!(
                    "reel: interaction #{interaction} in {} is a WebSocket session whose \
                     {err} (fix the line, or re-record with REEL_RECORD=all)",
                    reel.path().display()
                )),
            )
        }
    };
    let answer = switching_protocols(&started, &parts.headers);
    let reel = reel.clone();
    tokio::spawn(async move {
        let _in_flight = started.in_flight;
        let outcome = match started.upgrade.await {
            Ok(upgraded) => {
                let socket =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                let session = Session {
                    reel: &reel,
                    name: &started.session,
                    interaction,
                    waits: &waits,
                };
                session.play(socket, &transcript).await
            }
            Err(err) => Outcome::Failed {
                message: format!("reel: the client's connection did not upgrade: {err}"),
            },
        };
        started
            .pending
            .finish(StatusCode::SWITCHING_PROTOCOLS, outcome);
    });
    answer
}

/// One replayed session.
struct Session<'a> {
    reel: &'a Reel,
    /// `GET /path`, for reports.
    name: &'a str,
    /// The interaction's position in the cassette.
    interaction: usize,
    /// The wait before each server message.
    waits: &'a MessageWaits,
}

/// Why a replay stopped short: the reason sent in the close frame, and the
/// report for the log.
struct Miss {
    reason: String,
    report: String,
}

impl Session<'_> {
    /// Plays `transcript` to the client on `socket`; the session's outcome.
    async fn play<S>(&self, mut socket: WebSocketStream<S>, transcript: &Transcript) -> Outcome
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let replayed = Outcome::Replayed {
            interaction: self.interaction,
        };
        let result = self.walk(&mut socket, transcript).await;
        match result {
            Ok(()) => {
                // Sends tungstenite's answer to a close the client sent, if any.
                let _ = socket.close(None).await;
                replayed
            }
            Err(miss) => {
                let close = frames::close(POLICY_VIOLATION, &miss.reason);
                let _ = socket.send(close).await;
                let _ = socket.close(None).await;
                Outcome::NoMatch {
                    report: miss.report,
                }
            }
        }
    }

    /// Sends the server's messages and checks the client's, in recorded order;
    /// `Ok` when the recording has been played, or the client left or closed.
    async fn walk<S>(
        &self,
        socket: &mut WebSocketStream<S>,
        transcript: &Transcript,
    ) -> Result<(), Miss>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let recorded_count = transcript
            .messages
            .iter()
            .filter(|m| m.direction == Direction::Client)
            .count();
        let mut number = 0;
        let mut closed = false;
        // When the message before the next one was sent or received: the
        // recorded gap before a server message is waited from there.
        let mut last = tokio::time::Instant::now();
        for (i, recorded) in transcript.messages.iter().enumerate() {
            match recorded.direction {
                Direction::Server => {
                    if closed {
                        continue;
                    }
                    let wait = self.waits.before(i);
                    if !wait.is_zero() {
                        tokio::time::sleep_until(last + wait).await;
                    }
                    closed = matches!(recorded.frame, Frame::Close(_));
                    if socket.send(frames::wire(&recorded.frame)).await.is_err() {
                        return Ok(()); // the client went away
                    }
                    last = tokio::time::Instant::now();
                }
                Direction::Client => {
                    number += 1;
                    let Some(live) = next_message(socket).await else {
                        return Ok(());
                    };
                    last = tokio::time::Instant::now();
                    if matches!(live, Frame::Close(_)) && !matches!(recorded.frame, Frame::Close(_))
                    {
                        // The client ended the session sooner than the recording:
                        // its choice, not a difference.
                        return Ok(());
                    }
                    if let Some(difference) = self.difference(&recorded.frame, &live) {
                        return Err(self.differs(number, recorded, live, &difference));
                    }
                }
            }
        }
        if closed {
            return Ok(());
        }
        match next_message(socket).await {
            None | Some(Frame::Close(_)) => Ok(()),
            Some(live) => Err(self.extra(recorded_count + 1, recorded_count, live)),
        }
    }

    /// What differs between the recorded client message and the live one, if
    /// anything: texts as the engine compares messages (canonical JSON when both
    /// are JSON), binary messages that are text likewise, other binary messages
    /// byte for byte, else their kinds.
    fn difference(&self, recorded: &Frame, live: &Frame) -> Option<String> {
        match (recorded, live) {
            (Frame::Text(a), Frame::Text(b)) => {
                self.reel.message_difference(a.as_bytes(), b.as_bytes())
            }
            // Binary messages that are text (JSON events sent as binary
            // messages) compare as texts do.
            (Frame::Binary(a), Frame::Binary(b))
                if printable_text(a).is_some() && printable_text(b).is_some() =>
            {
                self.reel.message_difference(a, b)
            }
            // Other binary messages are bytes.
            (Frame::Binary(a), Frame::Binary(b)) => (a != b).then(|| {
                format!(
                    "  differs (binary, compared byte for byte): recorded {} bytes, received \
                     {} bytes\n",
                    a.len(),
                    b.len()
                )
            }),
            (Frame::Close(_), Frame::Close(_)) => None,
            (a, b) => Some(format!(
                "  differs: recorded a {} message, received a {} message\n",
                kind(a),
                kind(b)
            )),
        }
    }

    /// The miss for client message `number`, which differs from the recorded one.
    fn differs(&self, number: usize, recorded: &Message, live: Frame, difference: &str) -> Miss {
        let mut report = format!(
            "reel: client message {number} of the WebSocket session {} differs from the \
             recording\n",
            self.name
        );
        self.write_where(&mut report);
        let _ = writeln!(report, "  recorded:    {}", shown(recorded));
        let _ = writeln!(report, "  received:    {}", self.shown_live(live));
        report.push_str(difference);
        self.write_rerecord(&mut report);
        Miss {
            reason: format!("reel: client message {number} differs from the recording"),
            report,
        }
    }

    /// The miss for client message `number`, past the `recorded_count` the
    /// recording has.
    fn extra(&self, number: usize, recorded_count: usize, live: Frame) -> Miss {
        let mut report = format!(
            "reel: client message {number} of the WebSocket session {} is not in the \
             recording (it has {recorded_count} client message{})\n",
            self.name,
            if recorded_count == 1 { "" } else { "s" }
        );
        self.write_where(&mut report);
        let _ = writeln!(report, "  received:    {}", self.shown_live(live));
        self.write_rerecord(&mut report);
        Miss {
            reason: format!("reel: client message {number} is not in the recording"),
            report,
        }
    }

    /// A live client message's line for a report, redacted as a recording
    /// would hold it: a credential the client sent stays out of the log.
    fn shown_live(&self, frame: Frame) -> String {
        let frame = match frame {
            Frame::Text(text) => Frame::Text(
                String::from_utf8_lossy(&self.reel.redact_message(text.as_bytes())).into_owned(),
            ),
            Frame::Binary(bytes) if printable_text(&bytes).is_some() => {
                Frame::Binary(self.reel.redact_message(&bytes).into_owned())
            }
            other => other,
        };
        shown(&Message {
            direction: Direction::Client,
            frame,
        })
    }

    fn write_where(&self, report: &mut String) {
        let _ = writeln!(
            report,
            "  cassette:    {}, interaction #{}",
            self.reel.path().display(),
            self.interaction
        );
    }

    fn write_rerecord(&self, report: &mut String) {
        let _ = write!(
            report,
            "\nto re-record this cassette, run: {}",
            self.reel.record_command()
        );
    }
}

/// The client's next message, pings and pongs skipped; `None` when the
/// connection ended or broke.
async fn next_message<S>(socket: &mut WebSocketStream<S>) -> Option<Frame>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = socket.next().await {
        if let Some(frame) = frames::recorded(&message) {
            return Some(frame);
        }
    }
    None
}

/// A message's transcript line, cut to [`MAX_SHOWN`] characters.
fn shown(message: &Message) -> String {
    let line = message.to_line();
    match line.char_indices().nth(MAX_SHOWN) {
        Some((end, _)) => format!("{}... ({} bytes)", &line[..end], line.len()),
        None => line,
    }
}
