//! [`Exchange`]: one request the server answered, for logs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request and how the server answered it, reported when the response body
/// has been sent (or the client went away), so that [`Outcome::Recorded`] means
/// the interaction was saved.
///
/// Its [`Display`](fmt::Display) text is the log line `reel serve` writes:
///
/// ```text
/// POST /v1/chat/completions -> 200 (replayed #0) in 3 ms
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Exchange {
    /// The request method.
    pub method: http::Method,
    /// The request target as received: path and query.
    pub target: String,
    /// The status sent.
    pub status: http::StatusCode,
    /// Where the response came from.
    pub outcome: Outcome,
    /// From the request's arrival to the end of the response body.
    pub elapsed: Duration,
}

/// Where a response came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Replayed from the cassette: interaction number `interaction`, from 0.
    Replayed {
        /// The interaction's position in the cassette.
        interaction: usize,
    },
    /// Sent to the upstream, streamed back, and saved into the cassette.
    Recorded,
    /// Sent to the upstream and streamed back without recording (mode
    /// `passthrough`).
    Forwarded,
    /// No recorded interaction matched: the response is `404` with the report.
    /// For a replayed WebSocket session (status `101`): a client message
    /// differed from the recording, or went past its end, and the session was
    /// closed with code 1008.
    NoMatch {
        /// The full mismatch report, as sent in the response body.
        report: String,
    },
    /// Something else went wrong: the cassette could not be used or written, the
    /// upstream could not be reached, or a body broke while streaming.
    Failed {
        /// What happened, with the way out.
        message: String,
    },
}

impl Exchange {
    /// The mismatch report or failure message, when there is one.
    pub fn details(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::NoMatch { report } => Some(report),
            Outcome::Failed { message } => Some(message),
            _ => None,
        }
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {} ({}) in {} ms",
            self.method,
            self.target,
            self.status.as_u16(),
            self.outcome,
            self.elapsed.as_millis()
        )
    }
}

impl fmt::Display for Outcome {
    /// `replayed #N`, `recorded`, `forwarded`, `no match` or `failed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Replayed { interaction } => write!(f, "replayed #{interaction}"),
            Outcome::Recorded => f.write_str("recorded"),
            Outcome::Forwarded => f.write_str("forwarded"),
            Outcome::NoMatch { .. } => f.write_str("no match"),
            Outcome::Failed { .. } => f.write_str("failed"),
        }
    }
}

/// What the server calls with each finished exchange.
pub(crate) type Log = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// An exchange still being answered: reported once, by [`Pending::finish`].
pub(crate) struct Pending {
    log: Log,
    method: http::Method,
    target: String,
    started: Instant,
}

impl Pending {
    /// A request that has just arrived.
    pub(crate) fn new(log: Log, method: http::Method, target: String) -> Pending {
        Pending {
            log,
            method,
            target,
            started: Instant::now(),
        }
    }

    /// Reports the finished exchange.
    pub(crate) fn finish(self, status: http::StatusCode, outcome: Outcome) {
        let exchange = Exchange {
            method: self.method,
            target: self.target,
            status,
            outcome,
            elapsed: self.started.elapsed(),
        };
        (self.log)(&exchange);
    }
}

/// The log of a server that was given none: misses and failures on stderr, with
/// their report, so that a test that fails on a `404` shows why.
pub(crate) fn default_log() -> Log {
    Arc::new(|exchange: &Exchange| {
        if let Some(details) = exchange.details() {
            eprintln!("reel-server: {exchange}\n{details}");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_line_names_method_target_status_outcome_and_time() {
        let mut exchange = Exchange {
            method: http::Method::POST,
            target: "/v1/chat/completions?stream=1".to_owned(),
            status: http::StatusCode::OK,
            outcome: Outcome::Replayed { interaction: 0 },
            elapsed: Duration::from_micros(3_900),
        };
        assert_eq!(
            exchange.to_string(),
            "POST /v1/chat/completions?stream=1 -> 200 (replayed #0) in 3 ms"
        );
        exchange.status = http::StatusCode::NOT_FOUND;
        exchange.outcome = Outcome::NoMatch {
            report: "reel: no recorded interaction matches".to_owned(),
        };
        assert_eq!(
            exchange.to_string(),
            "POST /v1/chat/completions?stream=1 -> 404 (no match) in 3 ms"
        );
        assert_eq!(
            exchange.details(),
            Some("reel: no recorded interaction matches")
        );
        for (outcome, text) in [
            (Outcome::Recorded, "recorded"),
            (Outcome::Forwarded, "forwarded"),
            (
                Outcome::Failed {
                    message: "x".to_owned(),
                },
                "failed",
            ),
        ] {
            assert_eq!(outcome.to_string(), text);
        }
    }
}
