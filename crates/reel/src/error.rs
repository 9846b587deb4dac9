//! [`Error`]: everything that can go wrong opening a cassette or serving a request.

use std::path::PathBuf;

use crate::report::MismatchReport;

/// A `Result` with reel's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error that can cross threads: what body streams and tower services
/// carry (the same type as `tower::BoxError`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An error from reel. Each message says what happened, where, and ends with the
/// way out.
///
/// A request that fails inside the middleware reaches the test as
/// `reqwest_middleware::Error::Middleware`; its text is this error's text, and
/// `err.downcast_ref::<reel::Error>()` on the inner `anyhow::Error` gets it back.
///
/// `Debug` prints the same text as `Display`, with its line breaks: a test that
/// returns the error through `?` prints `Error: ` and the readable message, and so
/// does any wrapper's derived `Debug` (`OpenAIError::Boxed(..)` from async-openai).
/// Match on the variants to tell errors apart.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Replay-only mode was asked to replay a cassette that does not exist.
    #[error(
        "cassette {path} does not exist{looked_in}, and mode `none` only replays \
         (to record it, run: {command})",
        path = .path.display()
    )]
    CassetteMissing {
        /// The cassette path, as given.
        path: PathBuf,
        /// ` (looked in <dir>)` when the path is relative, else empty.
        looked_in: String,
        /// The command that records the cassette.
        command: String,
    },

    /// The cassette file exists but could not be read or parsed.
    #[error(transparent)]
    Cassette(#[from] reel_cassette::Error),

    /// A recorded response cannot be replayed as HTTP (an invalid status code or
    /// header).
    #[error(
        "{path}: interaction #{index}: {message} (fix the cassette by hand, or re-record it \
         with REEL_RECORD=all)",
        path = .path.display()
    )]
    InvalidRecording {
        /// The cassette path.
        path: PathBuf,
        /// The interaction's position in the file, from 0.
        index: usize,
        /// What is wrong.
        message: String,
    },

    /// No recorded interaction matches a request. The text is the full mismatch
    /// report: what was received, the closest recorded candidate and the rule it
    /// failed, a diff of the bodies, the other unplayed interactions, the builder
    /// option that would make the difference match when one would, and the command
    /// that re-records the cassette (or why the client cannot).
    #[error("{0}")]
    NoMatch(Box<MismatchReport>),

    /// A request body is larger than reel reads before matching.
    #[error(
        "{method} {url}: the request body is over {limit} bytes, the most reel reads to match \
         a request (raise the limit with `ReelBuilder::max_body_size`)"
    )]
    RequestBodyTooLarge {
        /// The request method.
        method: String,
        /// The request URL.
        url: String,
        /// The limit in force, in bytes.
        limit: u64,
    },

    /// A streamed request body broke while reel read it.
    #[error("{method} {url}: the request body could not be read: {message}")]
    RequestBody {
        /// The request method.
        method: String,
        /// The request URL.
        url: String,
        /// What went wrong.
        message: String,
    },

    /// A request whose URI is not an absolute URL, which reel needs to match and
    /// record it.
    #[error(
        "request URI {uri:?} is not an absolute URL: {reason} (an adapter gives reel the \
         whole URL, as in https://api.openai.com/v1/models)"
    )]
    RequestUrl {
        /// The URI as received.
        uri: String,
        /// Why it does not parse.
        reason: String,
    },

    /// No default cassette path: the current thread is not a test thread.
    #[error(
        "cannot name a cassette after the current test: {reason} (pass a path instead, e.g. \
         `Reel::replay(\"cassettes/my_test.yaml\")`)"
    )]
    NotInTest {
        /// Why the thread name is not a test name.
        reason: String,
    },

    /// A recorded interaction holds something that looks like a credential, so it
    /// was not written.
    #[error(
        "refusing to record {method} {url} into {path}: it contains {count}:\n{list}\n\
         (keep the value out of the recording: the header is dropped unless kept with \
         keep_header, query parameters can be redacted with redact_query_param and JSON \
         fields with redact_json_field; for a fake fixture value use allow_secret)",
        path = .path.display(),
        count = if .findings.len() == 1 { "a credential".to_owned() } else { format!("{} credentials", .findings.len()) },
        list = .findings.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
    )]
    SecretsFound {
        /// The cassette path.
        path: PathBuf,
        /// The request method.
        method: String,
        /// The (redacted) request URL.
        url: String,
        /// Where each credential is, with only a masked prefix of it.
        findings: Vec<String>,
    },

    /// Recordings could not be written to the cassette.
    #[error(
        "{path}: recordings could not be saved: {message} (check that the directory is \
         writable; the interactions of this run are not in the file)",
        path = .path.display()
    )]
    Save {
        /// The cassette path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },

    /// A matching or redaction rule that cannot work, such as a JSON pointer
    /// without its leading `/`: reported when the cassette opens, before any
    /// request is matched or recorded with it.
    #[error("{rule}: {source}")]
    InvalidRule {
        /// The builder method given the rule: `ignore_json_field`, `redact_json_field`.
        rule: &'static str,
        /// What is wrong with it.
        source: reel_cassette::PointerError,
    },

    /// A hook returned an error: the request, the recording or the save it
    /// ran for fails with it.
    #[error(
        "{cassette}: the {hook} hook failed{during}: {source}",
        cassette = .path.display()
    )]
    Hook {
        /// The cassette path.
        path: PathBuf,
        /// The hook: `after_capture`, `before_save`, `before_replay`, `at_end`.
        hook: &'static str,
        /// What it ran for (` for POST https://…`), or empty.
        during: String,
        /// The hook's error.
        source: crate::BoxError,
    },

    /// Interactions of the cassette were recorded longer ago than the maximum
    /// age ([`crate::ReelBuilder::max_age`], `REEL_MAX_AGE`).
    #[error("{what}; re-record: {command}")]
    Expired {
        /// The cassette path.
        path: PathBuf,
        /// How many, the oldest's date and where the date came from.
        what: String,
        /// The command that re-records.
        command: String,
    },

    /// A mode name that reel does not know.
    #[error("unknown mode `{value}` (known modes: {known})")]
    UnknownMode {
        /// The name given.
        value: String,
        /// The known names, comma-separated.
        known: &'static str,
    },

    /// An environment variable reel reads has a value it does not accept.
    #[error("{name}={value:?} is not understood (accepted values: {accepted}; empty means unset)")]
    Env {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// The accepted values.
        accepted: &'static str,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
