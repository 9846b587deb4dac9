//! [`Delay`]: how long a replay waits, so time to first token and timeouts can be
//! tested. Replays do not wait unless asked.

use std::sync::Arc;
use std::time::Duration;

/// A wait during replay: before the response headers
/// ([`ReelBuilder::headers_delay`]) or between stream events
/// ([`ReelBuilder::event_delay`]).
///
/// "Recorded" is the interaction's `duration`: the time the real server took to
/// send the response headers.
///
/// ```
/// use std::time::Duration;
/// use reel::Delay;
///
/// let recorded = Duration::from_millis(800);
/// assert_eq!(Delay::None.after(recorded), Duration::ZERO);
/// assert_eq!(Delay::Recorded.after(recorded), recorded);
/// assert_eq!(Delay::Scaled(0.5).after(recorded), Duration::from_millis(400));
/// assert_eq!(Delay::Fixed(Duration::from_millis(5)).after(recorded), Duration::from_millis(5));
/// ```
///
/// [`ReelBuilder::headers_delay`]: crate::ReelBuilder::headers_delay
/// [`ReelBuilder::event_delay`]: crate::ReelBuilder::event_delay
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum Delay {
    /// No wait.
    #[default]
    None,
    /// The same wait every time.
    Fixed(Duration),
    /// The recorded duration.
    Recorded,
    /// The recorded duration times a factor: `Scaled(0.1)` replays ten times faster
    /// than recorded. Negative factors wait nothing.
    Scaled(f64),
}

impl Delay {
    /// The wait for an interaction whose recorded duration is `recorded`.
    pub fn after(self, recorded: Duration) -> Duration {
        match self {
            Delay::None => Duration::ZERO,
            Delay::Fixed(wait) => wait,
            Delay::Recorded => recorded,
            Delay::Scaled(factor) => Duration::try_from_secs_f64(recorded.as_secs_f64() * factor)
                .unwrap_or(Duration::ZERO),
        }
    }
}

/// The waits of one replay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Pacing {
    /// Before the response headers.
    pub(crate) headers: Delay,
    /// Between stream events (not before the first).
    pub(crate) events: Delay,
    /// `REEL_PACE`: what waits taken from the recording are multiplied by.
    pub(crate) pace: f64,
}

impl Default for Pacing {
    fn default() -> Pacing {
        Pacing {
            headers: Delay::None,
            events: Delay::None,
            pace: 1.0,
        }
    }
}

impl Pacing {
    /// The wait before the headers of an interaction whose recorded duration is
    /// `recorded`.
    pub(crate) fn headers_wait(&self, recorded: Duration) -> Duration {
        self.scaled(self.headers, recorded)
    }

    /// The uniform wait between events (no timing file).
    pub(crate) fn events_wait(&self, recorded: Duration) -> Duration {
        self.scaled(self.events, recorded)
    }

    /// The factor recorded event gaps are replayed at, when the event delay is
    /// taken from the recording (`Recorded` or `Scaled`).
    pub(crate) fn recorded_factor(&self) -> Option<f64> {
        match self.events {
            Delay::Recorded => Some(self.pace),
            Delay::Scaled(factor) => Some(factor.max(0.0) * self.pace),
            _ => None,
        }
    }

    fn scaled(&self, delay: Delay, recorded: Duration) -> Duration {
        match delay {
            Delay::Recorded | Delay::Scaled(_) => {
                Duration::try_from_secs_f64(delay.after(recorded).as_secs_f64() * self.pace)
                    .unwrap_or(Duration::ZERO)
            }
            other => other.after(recorded),
        }
    }
}

/// The waits before the events of one replayed stream.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Waits {
    /// The same wait before each event but the first.
    Uniform(Duration),
    /// The recorded gaps (from the timing file): before event `i`, the time
    /// between events `i - 1` and `i` (for the first, since the headers), times
    /// `factor`.
    Recorded { times: Arc<[f64]>, factor: f64 },
}

impl Waits {
    /// The wait before event `i`.
    pub(crate) fn before(&self, i: usize) -> Duration {
        match self {
            Waits::Uniform(gap) if i > 0 => *gap,
            Waits::Uniform(_) => Duration::ZERO,
            Waits::Recorded { times, factor } => {
                let at = times.get(i).copied().unwrap_or(0.0);
                let previous = i
                    .checked_sub(1)
                    .and_then(|p| times.get(p))
                    .copied()
                    .unwrap_or(0.0);
                Duration::try_from_secs_f64((at - previous).max(0.0) * factor / 1000.0)
                    .unwrap_or(Duration::ZERO)
            }
        }
    }
}

/// When a replayed WebSocket session sends its messages: in the extensions of
/// every replayed `101` response, for the adapter that plays the transcript.
///
/// [`MessageWaits::before`] is the wait before message `i` of the transcript
/// (counted from 0 over both directions), from the message before it: the
/// recorded gap (the timing file) when the event delay is taken from the
/// recording ([`Delay::Recorded`], [`Delay::Scaled`], `REEL_PACE`), else the
/// fixed event delay, else nothing. An adapter waits before each server message
/// only: client messages come when the client sends them.
///
/// ```
/// # async fn f(response: http::Response<reel::ReplayBody>) {
/// use reel::MessageWaits;
///
/// let waits = response.extensions().get::<MessageWaits>().cloned().unwrap_or_default();
/// tokio::time::sleep(waits.before(3)).await; // then send message 3
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MessageWaits(Waits);

impl MessageWaits {
    pub(crate) fn new(waits: Waits) -> MessageWaits {
        MessageWaits(waits)
    }

    /// The wait before message `message` of the transcript, from the message
    /// before it.
    pub fn before(&self, message: usize) -> Duration {
        self.0.before(message)
    }
}

impl Default for MessageWaits {
    /// No waits.
    fn default() -> MessageWaits {
        MessageWaits(Waits::Uniform(Duration::ZERO))
    }
}
