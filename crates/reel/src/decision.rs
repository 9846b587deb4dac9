//! [`Decision`]: what the engine answers a request with.

use crate::{MismatchReport, Recording, ReplayBody};

/// What answers a request, as [`crate::Reel::decide`] decides: the one place
/// where modes, matching and recording meet. An adapter turns each variant into
/// its client's terms.
#[derive(Debug)]
#[non_exhaustive]
// Moved once per request; boxing the large variants would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Decision {
    /// A recorded interaction answers: the recorded status, headers and body, the
    /// body one frame per event. Its extensions hold [`crate::Replayed`].
    Replay(http::Response<ReplayBody>),
    /// Nothing in the cassette matches and the mode does not record: the report
    /// says what came closest and how to re-record.
    Miss(Box<MismatchReport>),
    /// The mode records this request: send it (the [`crate::Received`] given to
    /// [`crate::Reel::decide`], its body read whole) to the real server, then give
    /// its response to the [`Recording`], which tees the body to the caller and
    /// the cassette.
    Record(Recording),
    /// Mode `passthrough`, or a request a passthrough rule names
    /// ([`crate::ReelBuilder::passthrough_host`]): send the request on; nothing
    /// is recorded.
    Forward,
    /// A hook failed the request ([`crate::Error::Hook`]): answer with the error.
    Failed(Box<crate::Error>),
}
