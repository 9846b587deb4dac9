//! Splitting a recorded stream body back into the pieces the server sent.
//!
//! A streamed response is stored as one body, but its event boundaries are
//! recoverable: server-sent events end at a blank line, and AWS event-stream frames
//! carry their own length. Replaying piece by piece lets streaming parsers, time to
//! first token and cancellation be tested as they run against the real server.

use bytes::Bytes;

/// How a body splits into events, chosen by its content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamKind {
    /// `text/event-stream`: one piece per event, ending at a blank line.
    ServerSentEvents,
    /// `application/vnd.amazon.eventstream`: one piece per binary frame.
    AwsEventStream,
    /// A WebSocket session's transcript (the body of a `101` response): one
    /// piece per message, a line ending in `\n`.
    WebSocketMessages,
    /// Anything else: the whole body is one piece.
    Whole,
}

impl StreamKind {
    /// The kind for a `Content-Type` value (parameters and case ignored).
    ///
    /// ```
    /// use reel_cassette::StreamKind;
    /// assert_eq!(StreamKind::from_content_type("text/event-stream; charset=utf-8"), StreamKind::ServerSentEvents);
    /// assert_eq!(StreamKind::from_content_type("application/json"), StreamKind::Whole);
    /// ```
    pub fn from_content_type(content_type: &str) -> StreamKind {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case("text/event-stream") {
            StreamKind::ServerSentEvents
        } else if essence.eq_ignore_ascii_case("application/vnd.amazon.eventstream") {
            StreamKind::AwsEventStream
        } else {
            StreamKind::Whole
        }
    }

    /// The kind for a recorded response: a WebSocket session's transcript for a
    /// `101`, else by its `Content-Type` ([`StreamKind::from_content_type`]).
    ///
    /// ```
    /// use reel_cassette::StreamKind;
    /// assert_eq!(StreamKind::for_response(101, None), StreamKind::WebSocketMessages);
    /// assert_eq!(StreamKind::for_response(200, Some("text/event-stream")), StreamKind::ServerSentEvents);
    /// assert_eq!(StreamKind::for_response(200, None), StreamKind::Whole);
    /// ```
    pub fn for_response(code: u16, content_type: Option<&str>) -> StreamKind {
        if code == 101 {
            StreamKind::WebSocketMessages
        } else {
            content_type.map_or(StreamKind::Whole, StreamKind::from_content_type)
        }
    }
}

/// The pieces of `body`, lazily: each is a cheap slice of `body`, and together they
/// are exactly `body`. An empty body has no pieces.
///
/// ```
/// use reel_cassette::{stream_events, Bytes, StreamKind};
///
/// let body = Bytes::from_static(b"data: 1\n\n: keep-alive\n\ndata: 2");
/// let events: Vec<Bytes> = stream_events(&body, StreamKind::ServerSentEvents).collect();
/// assert_eq!(events, ["data: 1\n\n", ": keep-alive\n\n", "data: 2"]);
/// ```
pub fn stream_events(body: &Bytes, kind: StreamKind) -> StreamEvents {
    StreamEvents {
        body: body.clone(),
        kind,
        at: 0,
    }
}

/// Iterator returned by [`stream_events`].
#[derive(Clone, Debug)]
pub struct StreamEvents {
    body: Bytes,
    kind: StreamKind,
    at: usize,
}

impl Iterator for StreamEvents {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let rest = &self.body[self.at..];
        if rest.is_empty() {
            return None;
        }
        let len = match self.kind {
            StreamKind::ServerSentEvents => sse_event_len(rest),
            StreamKind::AwsEventStream => aws_frame_len(rest),
            StreamKind::WebSocketMessages => {
                memchr::memchr(b'\n', rest).map_or(rest.len(), |end| end + 1)
            }
            StreamKind::Whole => rest.len(),
        };
        let piece = self.body.slice(self.at..self.at + len);
        self.at += len;
        Some(piece)
    }
}

/// Length of the first event in `rest`, through the blank line that ends it, or
/// all of `rest` when it has no blank line. Lines end in `\r\n`, `\n` or `\r`.
pub(crate) fn sse_event_len(rest: &[u8]) -> usize {
    let mut i = 0;
    let mut line_start = 0;
    while i < rest.len() {
        // Jump to the next line end: most of an event is its data line.
        match memchr::memchr2(b'\n', b'\r', &rest[i..]) {
            Some(at) => i += at,
            None => return rest.len(),
        }
        let terminator = match rest[i] {
            b'\n' => 1,
            b'\r' if rest.get(i + 1) == Some(&b'\n') => 2,
            _ => 1,
        };
        let empty_line = i == line_start;
        i += terminator;
        line_start = i;
        // A blank line that is the first line of the remainder belongs to the
        // previous event; as a piece of its own it is still an event boundary.
        if empty_line {
            return i;
        }
    }
    rest.len()
}

/// Length of the first AWS event-stream frame: its 4-byte big-endian total length
/// (at least the 16-byte prelude and trailer), or all of `rest` when that length
/// cannot be a frame.
fn aws_frame_len(rest: &[u8]) -> usize {
    match rest.get(..4) {
        Some(prefix) => {
            let total = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
            if (16..=rest.len()).contains(&total) {
                total
            } else {
                rest.len()
            }
        }
        None => rest.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(body: &'static [u8], kind: StreamKind) -> Vec<Bytes> {
        stream_events(&Bytes::from_static(body), kind).collect()
    }

    #[test]
    fn sse_events_end_at_any_blank_line() {
        assert_eq!(
            split(
                b"data: a\n\ndata: b\r\n\r\nevent: c\rdata: c\r\rdata: d\n",
                StreamKind::ServerSentEvents
            ),
            [
                "data: a\n\n",
                "data: b\r\n\r\n",
                "event: c\rdata: c\r\r",
                "data: d\n"
            ]
        );
    }

    #[test]
    fn sse_comment_lines_are_events_and_the_last_event_may_lack_its_terminator() {
        assert_eq!(
            split(b": ping\n\ndata: x", StreamKind::ServerSentEvents),
            [": ping\n\n", "data: x"]
        );
    }

    #[test]
    fn sse_blank_lines_between_events_stay_attached_and_pieces_concatenate_to_the_body() {
        let body: &[u8] = b"\n\ndata: a\n\n\n";
        let pieces = split(body, StreamKind::ServerSentEvents);
        assert_eq!(pieces, ["\n", "\n", "data: a\n\n", "\n"]);
        assert_eq!(pieces.concat(), body);
    }

    #[test]
    fn aws_frames_split_by_their_length_prefix() {
        let mut body = Vec::new();
        for len in [16u32, 20] {
            body.extend_from_slice(&len.to_be_bytes());
            body.resize(body.len() + len as usize - 4, 7);
        }
        body.extend_from_slice(&[0, 0]);
        let body = Bytes::from(body);
        let lens: Vec<usize> = stream_events(&body, StreamKind::AwsEventStream)
            .map(|p| p.len())
            .collect();
        assert_eq!(lens, [16, 20, 2]);
    }

    #[test]
    fn a_transcript_splits_into_its_lines_the_last_one_with_or_without_its_end() {
        let body: &[u8] = b"> text {\"a\":1}\n< binary AAEC\n< close 1000 done";
        let pieces = split(body, StreamKind::WebSocketMessages);
        assert_eq!(
            pieces,
            ["> text {\"a\":1}\n", "< binary AAEC\n", "< close 1000 done"]
        );
        assert_eq!(pieces.concat(), body);
    }

    #[test]
    fn other_bodies_are_one_piece_and_empty_bodies_none() {
        assert_eq!(split(b"{\"a\":1}\n\n{}", StreamKind::Whole).len(), 1);
        assert!(split(b"", StreamKind::ServerSentEvents).is_empty());
    }
}
