//! The request log: each request a [`crate::Reel`] received, in order, with how
//! it was answered — what wiremock and httpmock are chosen for.

use std::fmt;
use std::sync::Mutex;

/// How a request was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// Replayed from the interaction at this position in the cassette.
    Replayed(usize),
    /// Sent to the real server and recorded.
    Recorded,
    /// Sent to the real server and not recorded: mode `passthrough`, or a
    /// request a passthrough rule names ([`crate::ReelBuilder::passthrough_host`]).
    PassedThrough,
    /// Nothing matched and the mode does not record: the request failed with a
    /// mismatch report.
    Missed,
    /// A hook failed the request ([`crate::ReelBuilder::before_replay`]).
    Failed,
}

/// One request in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Logged {
    /// Its method.
    pub method: http::Method,
    /// Its URL, as sent.
    pub url: String,
    /// How it was answered.
    pub answer: Answer,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Replayed(i) => write!(f, "replayed interaction {i}"),
            Answer::Recorded => f.write_str("recorded"),
            Answer::PassedThrough => f.write_str("passed through"),
            Answer::Missed => f.write_str("missed"),
            Answer::Failed => f.write_str("failed by a hook"),
        }
    }
}

impl fmt::Display for Logged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.method, self.url, self.answer)
    }
}

/// How many requests the log keeps: a test makes far fewer; a long-running
/// `reel serve` does not grow without end (play counts stay exact).
pub(crate) const KEPT: usize = 10_000;

/// The log of one cassette's requests, shared by its handles. URLs go into
/// one growing text, so logging a request allocates nothing most of the time.
#[derive(Default)]
pub(crate) struct Log {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// Every logged URL, one after the other.
    urls: String,
    /// Method, the URL's range in `urls`, answer.
    list: Vec<(http::Method, std::ops::Range<usize>, Answer)>,
}

impl Log {
    pub(crate) fn push(&self, method: &http::Method, url: &str, answer: Answer) {
        let mut entries = self.lock();
        if entries.list.len() >= KEPT {
            return;
        }
        let start = entries.urls.len();
        entries.urls.push_str(url);
        let end = entries.urls.len();
        entries.list.push((method.clone(), start..end, answer));
    }

    pub(crate) fn entries(&self) -> Vec<Logged> {
        let entries = self.lock();
        entries
            .list
            .iter()
            .map(|(method, url, answer)| Logged {
                method: method.clone(),
                url: entries.urls[url.clone()].to_owned(),
                answer: *answer,
            })
            .collect()
    }

    /// The log as lines, for assertion messages.
    pub(crate) fn render(&self) -> String {
        let entries = self.entries();
        if entries.is_empty() {
            return "  (no request)\n".to_owned();
        }
        entries
            .iter()
            .enumerate()
            .map(|(n, entry)| format!("  {}. {entry}\n", n + 1))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
