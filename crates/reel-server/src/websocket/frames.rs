//! Messages as tungstenite carries them and as a transcript records them.

use reel::cassette::websocket::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as Wire;

/// The most bytes a close frame's reason holds (RFC 6455 section 5.5: a
/// control frame's payload is at most 125 bytes, two of them the code).
const MAX_REASON: usize = 123;

/// What a transcript records of a message: `None` for pings and pongs, which
/// belong to the connection (tungstenite answers pings itself).
pub(super) fn recorded(message: &Wire) -> Option<Frame> {
    match message {
        Wire::Text(text) => Some(Frame::Text(text.as_str().to_owned())),
        Wire::Binary(bytes) => Some(Frame::Binary(bytes.to_vec())),
        Wire::Close(close) => {
            Some(Frame::Close(close.as_ref().map(|close| {
                (u16::from(close.code), close.reason.as_str().to_owned())
            })))
        }
        Wire::Ping(_) | Wire::Pong(_) | Wire::Frame(_) => None,
    }
}

/// The message to send for a recorded frame.
pub(super) fn wire(frame: &Frame) -> Wire {
    match frame {
        Frame::Text(text) => Wire::text(text.as_str()),
        Frame::Binary(bytes) => Wire::binary(bytes.clone()),
        Frame::Close(None) => Wire::Close(None),
        Frame::Close(Some((code, reason))) => close(*code, reason),
    }
}

/// A close frame with `code` and `reason`, the reason cut to what a frame holds.
pub(super) fn close(code: u16, reason: &str) -> Wire {
    let mut end = reason.len().min(MAX_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Wire::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason[..end].into(),
    }))
}

/// `text`, `binary` or `close`: what a frame is, for reports.
pub(super) fn kind(frame: &Frame) -> &'static str {
    match frame {
        Frame::Text(_) => "text",
        Frame::Binary(_) => "binary",
        Frame::Close(_) => "close",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_close_reason_is_cut_on_a_character_boundary() {
        let reason = "é".repeat(100);
        let Wire::Close(Some(frame)) = close(1008, &reason) else {
            panic!("a close frame");
        };
        assert_eq!(frame.reason.len(), 122);
        assert_eq!(u16::from(frame.code), 1008);
    }

    #[test]
    fn frames_survive_the_trip_through_the_wire_type() {
        for frame in [
            Frame::Text("{\"type\":\"a\"}".into()),
            Frame::Binary(vec![0, 255]),
            Frame::Close(None),
            Frame::Close(Some((1000, "done".into()))),
        ] {
            assert_eq!(recorded(&wire(&frame)), Some(frame));
        }
        assert_eq!(recorded(&Wire::Ping(vec![1].into())), None);
    }
}
