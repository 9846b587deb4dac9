//! [`ReelBuilder`]: the options of a [`Reel`], set before the cassette loads so its
//! requests are normalized and indexed once, with the final options.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reel_cassette::Redaction;

use reel_cassette::{Interaction, Response};

use crate::env::RecordCommand;
use crate::hooks::{Hooks, Keep, Played};
use crate::matcher::{RequestMatcher, Rules};
use crate::pacing::{Delay, Pacing};
use crate::passthrough::Passthrough;
use crate::{BoxError, Expiry, Mode, Received, Reel, Result};

/// Options for a [`Reel`]; [`ReelBuilder::replay`] loads the cassette.
///
/// Every option has a default that suits most tests: the defaults are named in
/// each setter's documentation.
///
/// ```
/// use std::time::Duration;
/// use reel::{Delay, Reel};
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
/// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
/// let reel = Reel::builder()
///     .ignore_query_param("api-version")
///     .ignore_json_field("/metadata/request_id")
///     .headers_delay(Delay::Scaled(0.01))
///     .event_delay(Delay::Fixed(Duration::from_millis(2)))
///     .replay(path)?;
/// # drop(reel);
/// # Ok::<(), reel::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a ReelBuilder does nothing until `.open(path)` or `.replay(path)` loads the cassette"]
pub struct ReelBuilder {
    pub(crate) rules: Rules,
    pub(crate) pacing: Pacing,
    pub(crate) full_diff: Option<bool>,
    pub(crate) mode: Option<Mode>,
    pub(crate) redaction: Redaction,
    pub(crate) scan_secrets: bool,
    pub(crate) allowed_secrets: Vec<String>,
    pub(crate) drain_timeout: Duration,
    pub(crate) commands: RecordCommand,
    pub(crate) max_body_size: u64,
    pub(crate) expect_all_played: bool,
    pub(crate) record_on_error: bool,
    pub(crate) save_as_recorded: bool,
    pub(crate) drop_unused: bool,
    pub(crate) review: Option<bool>,
    pub(crate) record_timing: Option<bool>,
    pub(crate) hooks: Hooks,
    pub(crate) passthrough: Passthrough,
    pub(crate) keep_retried: bool,
    pub(crate) max_age: Option<(Duration, Expiry)>,
    /// Rules given that cannot work (a JSON pointer without its `/`): opening
    /// the cassette reports the first.
    pub(crate) invalid: Vec<(&'static str, reel_cassette::PointerError)>,
}

/// The largest request body adapters read by default: 512 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 512 * 1024 * 1024;

impl Default for ReelBuilder {
    fn default() -> ReelBuilder {
        ReelBuilder {
            rules: Rules::default(),
            pacing: Pacing::default(),
            full_diff: None,
            mode: None,
            redaction: Redaction::default(),
            scan_secrets: true,
            allowed_secrets: Vec::new(),
            drain_timeout: Duration::from_secs(30),
            commands: RecordCommand::default(),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            expect_all_played: false,
            record_on_error: false,
            save_as_recorded: false,
            drop_unused: false,
            review: None,
            record_timing: None,
            hooks: Hooks::default(),
            passthrough: Passthrough::default(),
            keep_retried: false,
            max_age: None,
            invalid: Vec::new(),
        }
    }
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
    /// A pointer that names no field (`request_id`, without its `/`) makes
    /// opening the cassette fail with [`crate::Error::InvalidRule`], naming it.
    pub fn ignore_json_field(mut self, pointer: &str) -> ReelBuilder {
        match reel_cassette::FieldPointer::parse(pointer) {
            Ok(pointer) => self.rules.normalizer.ignored_fields.push(pointer),
            Err(err) => self.invalid.push(("ignore_json_field", err)),
        }
        self
    }

    /// Leaves the `multipart/form-data` part named `name` out of body matching
    /// (a timestamp or a random id a client adds to uploads). Default: every part
    /// counts.
    pub fn ignore_form_part(mut self, name: impl Into<String>) -> ReelBuilder {
        self.rules.normalizer.ignored_parts.insert(name.into());
        self
    }

    /// Compares only method, path, query and body: the recorded URL's scheme, host
    /// and port are ignored. For servers that receive requests at their own
    /// address, such as `reel serve`, and for suites whose base URL changes.
    /// Default: scheme, host and port must match.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// // Requests to http://127.0.0.1:8080/v1/chat/completions replay the recordings
    /// // of https://api.openai.com/v1/chat/completions.
    /// let reel = reel::Reel::builder().ignore_host().replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn ignore_host(mut self) -> ReelBuilder {
        self.rules.normalizer.ignore_host = true;
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
    /// not before the first, unless a timing file says when it came). Default: [`Delay::None`]. When the cassette has a
    /// timing file (see [`ReelBuilder::record_timing`]), [`Delay::Recorded`]
    /// waits each recorded gap (the first since the headers) and
    /// [`Delay::Scaled`] scales them; `REEL_PACE=0.1` multiplies every wait taken
    /// from the recording (ten times faster; `0`: none).
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

    /// The mode set in code. `REEL_RECORD` overrides it; without either, the mode
    /// is `none` under CI and `once` elsewhere. See [`Mode`].
    pub fn mode(mut self, mode: Mode) -> ReelBuilder {
        self.mode = Some(mode);
        self
    }

    /// Records every header. Default: only `Accept`, `Content-Encoding`,
    /// `Content-Type` and `User-Agent` request headers and the `Content-Type` response header are
    /// recorded, as Go suites do, so credentials in headers never reach the file.
    pub fn keep_all_headers(mut self) -> ReelBuilder {
        self.redaction = self.redaction.keep_all_headers();
        self
    }

    /// Also records header `name` (any case), on requests and responses.
    pub fn keep_header(mut self, name: &str) -> ReelBuilder {
        self.redaction = self.redaction.keep_header(name);
        self
    }

    /// Also replaces the value of query (and urlencoded body) parameter `name` by
    /// `REDACTED`. Default: `key`, `api_key`, `apikey`, `access_token`, `token`,
    /// `sig`, `signature`. Live requests are redacted the same way before matching,
    /// so a redacted cassette still matches.
    pub fn redact_query_param(self, name: &str) -> ReelBuilder {
        self.redact_query_param_with(name, reel_cassette::REDACTED)
    }

    /// [`redact_query_param`](ReelBuilder::redact_query_param) with
    /// `replacement` in place of `REDACTED` (percent-encoded in the URL where it
    /// holds `&`, `=`, `#`, `%`, `+` or spaces). A later rule for the same name,
    /// a default one included, takes the place of an earlier:
    /// `.redact_query_param_with("key", "<GEMINI_KEY>")` records
    /// `?key=<GEMINI_KEY>`.
    pub fn redact_query_param_with(mut self, name: &str, replacement: &str) -> ReelBuilder {
        self.redaction = self.redaction.redact_param_with(name, replacement);
        self
    }

    /// Replaces the JSON body field at `pointer` (`*` for every element) by
    /// `REDACTED` in recorded requests and responses, and in live requests before
    /// matching: in a whole JSON body, in the data of each event of a
    /// `text/event-stream` body (the stream keeps its events, each with its
    /// `event:` and `id:` lines), and in each line of an NDJSON body
    /// (`application/x-ndjson`, `application/jsonl`, or lines that are each a
    /// JSON object). Only what changes is written again. Default: bodies are
    /// recorded as they are.
    ///
    /// A pointer that names no field (`api_key`, without its `/`, which would
    /// otherwise redact nothing or the wrong field) makes opening the cassette
    /// fail with [`crate::Error::InvalidRule`], naming it.
    pub fn redact_json_field(self, pointer: &str) -> ReelBuilder {
        self.redact_json_field_with(pointer, reel_cassette::REDACTED)
    }

    /// [`redact_json_field`](ReelBuilder::redact_json_field) with the string
    /// `replacement` in place of `REDACTED`: a value the code under test still
    /// accepts on replay (`"sk-test"`), or a marker of your own.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = reel::Reel::builder()
    ///     .redact_json_field_with("/user", "user-0")
    ///     .redact_json_field_with("/choices/*/delta/refusal", "<REFUSAL>")
    ///     .replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn redact_json_field_with(mut self, pointer: &str, replacement: &str) -> ReelBuilder {
        if let Err(err) = reel_cassette::FieldPointer::parse(pointer) {
            self.invalid.push(("redact_json_field", err));
        }
        self.redaction = self.redaction.redact_json_field_with(pointer, replacement);
        self
    }

    /// Replaces the content of the `multipart/form-data` part named `name` by
    /// `REDACTED` in recorded requests, and in live requests before matching (so
    /// the redacted cassette still matches). Default: parts are recorded as sent.
    pub fn redact_form_part(self, name: &str) -> ReelBuilder {
        self.redact_form_part_with(name, reel_cassette::REDACTED)
    }

    /// [`redact_form_part`](ReelBuilder::redact_form_part) with `replacement`
    /// in place of `REDACTED`.
    pub fn redact_form_part_with(mut self, name: &str, replacement: &str) -> ReelBuilder {
        self.redaction = self.redaction.redact_form_part_with(name, replacement);
        self
    }

    /// Records `value` as `name` and gives it back on replay (Ruby VCR's
    /// `filter_sensitive_data`, vcrpy's replacement values): for an account id,
    /// a tenant, a user's e-mail that should not be in the repository but that
    /// the code under test must see.
    ///
    /// - **Recording**: every occurrence of `value` becomes `name`, in the
    ///   request (URL, headers kept, form values, body: also where the URL or a
    ///   form body percent-encodes it and where a JSON string escapes it) and in
    ///   the response (headers kept, body, every event of a stream). A
    ///   compressed body that holds it is recorded decoded.
    /// - **Matching**: live requests get the same before they are matched, so
    ///   a recording matches whichever value this run has.
    /// - **Replay**: every occurrence of `name` in the replayed response
    ///   (headers and body, each event of a stream; not the status line) becomes
    ///   this run's `value`, with `Content-Length` kept true, through every
    ///   adapter. A response without `name` is replayed without a copy.
    ///
    /// An empty `value` (a variable that is not set on CI, say) hides and
    /// restores nothing, so the cassette replays with `name` as it is. Of
    /// several values, the longest found at a place is replaced, so a value
    /// that contains another is replaced whole; a `name` or `value` given again
    /// takes the place of the earlier placeholder. Pick a name that cannot
    /// occur by chance (`<ACCOUNT_ID>`), and a value long enough not to occur
    /// by chance either: `7` would be replaced wherever the digit is. Default:
    /// no placeholders.
    ///
    /// # Panics
    /// When `name` is empty.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// // The real id on a developer's machine, a dummy on CI: the cassette holds
    /// // <ACCOUNT_ID> and replays with whichever this run has.
    /// let account = std::env::var("ACCOUNT_ID").unwrap_or_else(|_| "acct-test".into());
    /// let reel = reel::Reel::builder()
    ///     .placeholder("<ACCOUNT_ID>", &account)
    ///     .replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn placeholder(mut self, name: &str, value: &str) -> ReelBuilder {
        self.redaction = self.redaction.placeholder(name, value);
        self
    }

    /// Replaces all redaction rules at once.
    pub fn redaction(mut self, redaction: Redaction) -> ReelBuilder {
        self.redaction = redaction;
        self
    }

    /// Replaces every credential the secret scan finds with a placeholder
    /// naming its kind (`REDACTED_OPENAI_API_KEY`, `REDACTED_CLIENT_SECRET` for
    /// a value named `client_secret`) instead of refusing the recording: in
    /// kept headers, the URL, form values and bodies, streamed ones too. Live
    /// requests are scrubbed the same way before matching, so the cassette
    /// matches the next run. A cassette that holds such placeholders in its
    /// requests (written by `reel scrub --secrets`) turns this on for matching
    /// by itself. A credential a stream cut across events is replaced in its
    /// pieces; one the scrub cannot reach still refuses the write.
    pub fn scrub_secrets(mut self) -> ReelBuilder {
        self.redaction = self.redaction.scrub_secrets();
        self
    }

    /// Writes recordings even when they contain credential-shaped values. Default:
    /// before each write reel scans the new interaction for credentials (provider
    /// key formats, values named as credentials, JWTs, private keys, `Bearer` and
    /// `Basic` values, webhook URLs) and for the values of environment variables
    /// named like secrets, and refuses to write on a hit
    /// ([`ReelBuilder::scrub_secrets`] replaces them instead). Prefer [`ReelBuilder::allow_secret`] for a single fixture.
    pub fn allow_secrets(mut self) -> ReelBuilder {
        self.scan_secrets = false;
        self
    }

    /// Lets this exact value be recorded although it looks like a credential (a
    /// fake key in a fixture).
    pub fn allow_secret(mut self, value: impl Into<String>) -> ReelBuilder {
        self.allowed_secrets.push(value.into());
        self
    }

    /// The largest request body reel reads to match a request, in bytes. Bodies
    /// are read whole before matching, streamed ones too (multipart uploads,
    /// `Body::wrap_stream`); a larger one fails the request with
    /// [`crate::Error::RequestBodyTooLarge`] instead of exhausting memory.
    /// Default: 512 MiB ([`DEFAULT_MAX_BODY_SIZE`]).
    pub fn max_body_size(mut self, bytes: u64) -> ReelBuilder {
        self.max_body_size = bytes;
        self
    }

    /// Fails the test when the last handle drops (unless it is already panicking)
    /// with interactions the cassette replays that were not replayed: a report
    /// lists each one (method, URL, a body preview) and the command that
    /// re-records. An agent loop that makes fewer model calls than were recorded
    /// fails instead of passing. [`crate::Reel::assert_all_played`] checks at any
    /// moment. Default: off, since a cassette can be replayed by several tests or
    /// hold more than one test needs; turn it on where a test replays the whole
    /// cassette.
    pub fn expect_all_played(mut self) -> ReelBuilder {
        self.expect_all_played = true;
        self
    }

    /// Writes what was recorded even when the test panics. Default: a test that
    /// panics while recording writes nothing, so a half re-recorded cassette is
    /// never left behind (the old file stays byte for byte as it was).
    pub fn record_on_error(mut self, keep: bool) -> ReelBuilder {
        self.record_on_error = keep;
        self
    }

    /// Writes each recorded interaction as soon as its body ends, instead of
    /// when the last handle drops (or on [`crate::Reel::flush`]). For servers
    /// and other long-lived processes, which have no test outcome to wait for;
    /// `reel-server` turns it on. Default: off.
    pub fn save_as_recorded(mut self) -> ReelBuilder {
        self.save_as_recorded = true;
        self
    }

    /// In mode `new_episodes`, removes from the cassette the interactions that
    /// were there when it opened and were not replayed, when the last handle
    /// drops (not when the test panicked): the cassette keeps what this test
    /// used and what it recorded. Default: off (`new_episodes` keeps everything).
    pub fn drop_unused(mut self) -> ReelBuilder {
        self.drop_unused = true;
        self
    }

    /// Writes what a run records to the pending file `NAME.yaml.pending` (the
    /// cassette it would become), leaving the cassette untouched, for `reel
    /// review` to accept or reject — as insta's `.snap.new` files. Default: off;
    /// `REEL_REVIEW=1` turns it on for a whole run and takes precedence.
    pub fn review(mut self, review: bool) -> ReelBuilder {
        self.review = Some(review);
        self
    }

    /// Keeps when each event of a recorded stream (server-sent event,
    /// event-stream frame) reached the recorder, in the timing file
    /// `NAME.yaml.timing` beside the cassette (the cassette itself stays go-vcr's
    /// shape), so that [`Delay::Recorded`] replays the real rhythm. Default: off,
    /// since the file changes with network jitter on every re-record;
    /// `REEL_RECORD_TIMING=1` turns it on and takes precedence.
    pub fn record_timing(mut self, keep: bool) -> ReelBuilder {
        self.record_timing = Some(keep);
        self
    }

    /// How long reel keeps reading a recorded response after the caller stopped
    /// reading it, so the cassette gets the whole body. Default: 30 seconds.
    pub fn drain_timeout(mut self, timeout: Duration) -> ReelBuilder {
        self.drain_timeout = timeout;
        self
    }

    /// The command that messages tell the user to run to record: `command` gets
    /// the mode to record in (`once` when replay-only mode finds no cassette, `all`
    /// at the end of a mismatch report). Default: `REEL_RECORD=<mode> cargo test
    /// -p <package> -- <test> --exact` for the current test, right for a test; a
    /// server or a tool names its own command.
    ///
    /// ```
    /// let builder = reel::Reel::builder()
    ///     .record_command(|mode| format!("reel serve cassette.yaml --mode {mode} --upstream URL"));
    /// # drop(builder);
    /// ```
    pub fn record_command(
        mut self,
        command: impl Fn(Mode) -> String + Send + Sync + 'static,
    ) -> ReelBuilder {
        self.commands = RecordCommand::custom(command);
        self
    }

    /// Sends requests to `host` (`auth.example.com`, `[::1]`; any port, any
    /// case) to the network in every mode, `none` included: they are never
    /// matched, never recorded, never count as unplayed, and show in
    /// [`Reel::requests`] and `tracing` as passed through. For a test's own
    /// services beside the API it replays. Default: none. (Ruby VCR's and
    /// vcrpy's `ignore_hosts`; reel's [`ignore_host`](ReelBuilder::ignore_host)
    /// is a matching rule.)
    pub fn passthrough_host(mut self, host: &str) -> ReelBuilder {
        self.passthrough.host(host);
        self
    }

    /// [`passthrough_host`](ReelBuilder::passthrough_host) for every loopback
    /// host: `localhost` (and `*.localhost`), `127.0.0.0/8` and `::1`. A test
    /// that starts its own server on 127.0.0.1 talks to it live while the API
    /// calls replay. Default: off.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = reel::Reel::builder().passthrough_localhost().replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn passthrough_localhost(mut self) -> ReelBuilder {
        self.passthrough.localhost();
        self
    }

    /// [`passthrough_host`](ReelBuilder::passthrough_host) for every request
    /// `predicate` returns `true` for (go-vcr's `WithPassthrough`). Several
    /// rules add up: a request any of them names passes through.
    pub fn passthrough_if(
        mut self,
        predicate: impl Fn(&Received) -> bool + Send + Sync + 'static,
    ) -> ReelBuilder {
        self.passthrough.predicate(predicate);
        self
    }

    /// Keeps, when recording, a `429` or `5xx` response that a later request of
    /// the same recording retried (the same request as matching sees it).
    /// Default: off — SDKs retry those statuses by themselves, and a cassette
    /// that kept them would make every replay retry, and wait, again. A `429`
    /// or `5xx` that no retry followed is kept either way, as is every other
    /// status.
    pub fn keep_retried(mut self, keep: bool) -> ReelBuilder {
        self.keep_retried = keep;
        self
    }

    /// A hook that sees each recorded interaction when its response body has
    /// ended, before it is kept: it can change it (a volatile value, a header)
    /// or leave it out ([`Keep::Drop`]). It runs after the redaction rules and
    /// before the secret scan, so it can also remove what the scan would refuse.
    /// The caller already has the live response, streamed as it arrived: the
    /// edit reaches the cassette (and later replays), not this caller. It runs
    /// off the caller's path, at [`Reel::flush`] or when the last handle drops
    /// (as soon as the body ends with `save_as_recorded`). An error fails
    /// `flush` or the test (a server's response body) with the error and the
    /// hook's name, and that interaction is not kept. go-vcr's `AfterCaptureHook`, vcrpy's `before_record_response`.
    ///
    /// ```
    /// use reel::Keep;
    ///
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = reel::Reel::builder()
    ///     .after_capture(|interaction| {
    ///         interaction.response.headers.remove("Openai-Organization");
    ///         Ok(if interaction.request.url.ends_with("/health") { Keep::Drop } else { Keep::Keep })
    ///     })
    ///     .replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn after_capture(
        mut self,
        hook: impl Fn(&mut Interaction) -> std::result::Result<Keep, BoxError> + Send + Sync + 'static,
    ) -> ReelBuilder {
        self.hooks.set_after_capture(hook);
        self
    }

    /// A hook over every interaction a recording writes, the ones the file
    /// held and the new ones, each time it is written: edits and drops reach
    /// the file only (the recordings this handle replays stay as loaded). It
    /// runs on what was already hooked by earlier writes, so it should do the
    /// same thing twice without harm. An error fails the save (the test, at
    /// the last handle's drop or [`Reel::flush`]) with the hook's name, and the
    /// file stays as it was. go-vcr's `BeforeSaveHook`, Polly's `beforePersist`.
    pub fn before_save(
        mut self,
        hook: impl Fn(&mut Interaction) -> std::result::Result<Keep, BoxError> + Send + Sync + 'static,
    ) -> ReelBuilder {
        self.hooks.set_before_save(hook);
        self
    }

    /// A hook that edits the recorded response a request is answered with, on
    /// each replay, before the caller sees it: stamp today's date, a fresh id.
    /// It gets the request and a copy of the recorded response, with each
    /// [`placeholder`](ReelBuilder::placeholder)'s value in place of its name;
    /// the cassette is not changed. An error fails the request with it and the hook's name.
    /// go-vcr's `BeforeResponseReplayHook`, Ruby VCR's `before_playback`. With
    /// no hook set, replay copies nothing.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = reel::Reel::builder()
    ///     .before_replay(|_request, response| {
    ///         response.headers.insert("Date", ["Sat, 05 Dec 2026 12:00:00 GMT"]);
    ///         Ok(())
    ///     })
    ///     .replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn before_replay(
        mut self,
        hook: impl Fn(&Received, &mut Response) -> std::result::Result<(), BoxError>
            + Send
            + Sync
            + 'static,
    ) -> ReelBuilder {
        self.hooks.set_before_replay(hook);
        self
    }

    /// A hook run when the last handle drops (after the recordings are saved),
    /// with every interaction the cassette opened with and how many requests
    /// each answered: report on them, or return an error to fail the test with
    /// it and the hook's name. Not run when the test already panicked. go-vcr's
    /// `OnRecorderStopHook`. [`Reel::requests`] has the whole log at any time.
    pub fn at_end(
        mut self,
        hook: impl Fn(&[Played<'_>]) -> std::result::Result<(), BoxError> + Send + Sync + 'static,
    ) -> ReelBuilder {
        self.hooks.set_at_end(hook);
        self
    }

    /// Interactions recorded more than `age` ago are expired, and `expiry`
    /// says what happens: a warning, a failure, or a re-record of each as if it
    /// were missing. A recording's date comes from the provenance file reel
    /// writes beside the cassette when it records (`NAME.yaml.provenance`),
    /// else from the last git commit that changed the cassette, else from the
    /// file's modification time; every message names its source.
    /// `REEL_MAX_AGE=30d` (optionally `30d:warn`, `:fail`, `:rerecord`; the
    /// default there is `rerecord`) overrides it for a run. Default: no
    /// maximum.
    ///
    /// ```
    /// use std::time::Duration;
    /// use reel::Expiry;
    ///
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW", "REEL_MAX_AGE"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = reel::Reel::builder()
    ///     .max_age(Duration::from_secs(100 * 365 * 86_400), Expiry::Fail)
    ///     .replay(path)?;
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn max_age(mut self, age: Duration, expiry: Expiry) -> ReelBuilder {
        self.max_age = Some((age, expiry));
        self
    }

    /// Opens the cassette at `path` in the mode in force: `REEL_RECORD` if set,
    /// else the mode set with [`ReelBuilder::mode`], else `none` under CI and
    /// `once` elsewhere.
    ///
    /// A relative path is relative to the current directory, which `cargo test`
    /// sets to the package's directory. Errors when `REEL_RECORD` names no mode,
    /// when replay-only mode finds no cassette (the message says how to record it),
    /// when the cassette cannot be parsed or has a response that is not valid HTTP,
    /// when a `REEL_*` variable (`REEL_FULL_DIFF`, `REEL_PACE`, `REEL_REVIEW`,
    /// `REEL_RECORD_TIMING`) has a value reel does not accept, and when a rule
    /// cannot work ([`crate::Error::InvalidRule`]).
    pub fn open(self, path: impl AsRef<Path>) -> Result<Reel> {
        if let Some((rule, source)) = self.invalid.first() {
            return Err(crate::Error::InvalidRule {
                rule,
                source: source.clone(),
            });
        }
        let mode = crate::env::resolve_mode(self.mode)?;
        Reel::open(self, path.as_ref(), mode)
    }

    /// Opens the cassette at `path` for replay only ([`Mode::None`]), unless
    /// `REEL_RECORD` asks for another mode: shorthand for
    /// `.mode(Mode::None).open(path)`. Replay normalizes and indexes the recorded
    /// requests once.
    pub fn replay(self, path: impl AsRef<Path>) -> Result<Reel> {
        self.mode(Mode::None).open(path)
    }
}
