//! [`ReelBuilder`]: the options of a [`Reel`], set before the cassette loads so its
//! requests are normalized and indexed once, with the final options.

use std::path::Path;
use std::sync::Arc;

use crate::matcher::{RequestMatcher, Rules};
use crate::normalize::FieldPattern;
use crate::pacing::{Delay, Pacing};
use crate::{Reel, Result};

/// Options for a [`Reel`]; [`ReelBuilder::replay`] loads the cassette.
///
/// Every option has a default that suits most tests: the defaults are named in
/// each setter's documentation.
///
/// ```
/// use std::time::Duration;
/// use reel::{Delay, Reel};
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../cassettes/openai/multi_tool_streaming.yaml");
/// let reel = Reel::builder()
///     .ignore_query_param("api-version")
///     .ignore_json_field("/metadata/request_id")
///     .headers_delay(Delay::Scaled(0.01))
///     .event_delay(Delay::Fixed(Duration::from_millis(2)))
///     .replay(path)?;
/// # drop(reel);
/// # Ok::<(), reel::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a ReelBuilder does nothing until `.replay(path)` loads the cassette"]
pub struct ReelBuilder {
    pub(crate) rules: Rules,
    pub(crate) pacing: Pacing,
    pub(crate) full_diff: Option<bool>,
}

impl ReelBuilder {
    /// Leaves the query parameter `name` out of URL matching, wherever it appears
    /// and however often (API keys, cache busters). Default: every parameter counts.
    pub fn ignore_query_param(mut self, name: impl Into<String>) -> ReelBuilder {
        self.rules.normalizer.ignored_query.insert(name.into());
        self
    }

    /// Leaves a JSON body field out of body matching. `pointer` is a JSON pointer
    /// (RFC 6901) in which `*` stands for every array element or object member:
    /// `/metadata/request_id`, `/messages/*/id`. Default: every field counts.
    ///
    /// # Panics
    /// When `pointer` does not start with `/`.
    pub fn ignore_json_field(mut self, pointer: &str) -> ReelBuilder {
        let pattern = FieldPattern::parse(pointer).unwrap_or_else(|| {
            panic!(
                "JSON field pointer {pointer:?} must start with `/`, as in `/metadata/request_id`"
            )
        });
        self.rules.normalizer.ignored_fields.push(pattern);
        self
    }

    /// Makes the header `name` part of matching: a request matches only a recording
    /// with the same values for it, in the same order (absent matches absent).
    /// Default: headers are not compared, with or without a body.
    ///
    /// # Panics
    /// When `name` is not a valid header name.
    pub fn match_header(mut self, name: &str) -> ReelBuilder {
        let header = http::HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("{name:?} is not a valid HTTP header name"));
        self.rules.headers.push(header);
        self
    }

    /// Adds a rule of your own, named in mismatch reports: a recording matches only
    /// if `matcher` says so, on top of the other rules. Closures work; see
    /// [`RequestMatcher`].
    pub fn custom_matcher(
        mut self,
        name: impl Into<String>,
        matcher: impl RequestMatcher,
    ) -> ReelBuilder {
        self.rules.custom.push((name.into(), Arc::new(matcher)));
        self
    }

    /// Stops comparing bodies (for bodies with random parts, such as multipart
    /// boundaries). Default: bodies are compared.
    pub fn ignore_body(mut self) -> ReelBuilder {
        self.rules.ignore_body = true;
        self
    }

    /// Lets an interaction be replayed more than once: a request takes the first
    /// matching interaction not yet replayed, and when every match has been
    /// replayed, the last of them again (so a polling loop keeps getting the final
    /// state). Default: each interaction replays once, in file order.
    pub fn allow_repeats(mut self) -> ReelBuilder {
        self.rules.allow_repeats = true;
        self
    }

    /// The wait before the response headers. Default: [`Delay::None`];
    /// [`Delay::Recorded`] replays the real server's time to first byte.
    pub fn headers_delay(mut self, delay: Delay) -> ReelBuilder {
        self.pacing.headers = delay;
        self
    }

    /// The wait between stream events (server-sent events or event-stream frames;
    /// not before the first). Default: [`Delay::None`].
    pub fn event_delay(mut self, delay: Delay) -> ReelBuilder {
        self.pacing.events = delay;
        self
    }

    /// Whether mismatch reports show body diffs whole instead of bounded. Default:
    /// bounded. `REEL_FULL_DIFF=1` or `0` takes precedence.
    pub fn full_diff(mut self, full: bool) -> ReelBuilder {
        self.full_diff = Some(full);
        self
    }

    /// Loads the cassette at `path` for replay only ([`Mode::None`]), normalizes and
    /// indexes its requests, and checks its responses.
    ///
    /// A relative path is relative to the current directory, which `cargo test`
    /// sets to the package's directory. Errors when the cassette does not exist
    /// (the message says how to record it), cannot be parsed, or has a response
    /// that is not valid HTTP, and when `REEL_FULL_DIFF` has a value reel does not
    /// accept.
    ///
    /// [`Mode::None`]: crate::Mode::None
    pub fn replay(self, path: impl AsRef<Path>) -> Result<Reel> {
        Reel::open(self, path.as_ref(), crate::Mode::None)
    }
}
