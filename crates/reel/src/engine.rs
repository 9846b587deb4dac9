//! [`Reel`]: an open cassette, the engine every adapter drives. It speaks `http`
//! types: a [`Received`] request in, a [`Decision`] out.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reel_cassette::{Redaction, SecretScanner};
use tracing::Instrument as _;

use crate::cassette_path::current_test_name;
use crate::env::RecordCommand;
use crate::expiry;
use crate::hooks::{self, Hooks, Played};
use crate::log::{Answer, Log, Logged};
use crate::matcher::Rules;
use crate::normalize::NormalRequest;
use crate::pacing::Pacing;
use crate::passthrough::Passthrough;
use crate::policy::{self, Behaviour};
use crate::record::{Recorder, Setup, Target};
use crate::recordings::{normalize_received, Recordings};
use crate::report::{report, unplayed_report, Context, Rerecord};
use crate::{capture, env, Decision, Expiry, Mode, Received, Recording, ReelBuilder, Result};

/// An open cassette: it answers requests from the recordings, and records the
/// ones it lacks when the mode says so. Every adapter is a thin layer on it:
/// attached to a `reqwest` client it is a `reqwest_middleware::Middleware`;
/// [`Reel::service`] wraps a tower service; `reel-server` serves it over HTTP;
/// [`Reel::decide`] is the engine itself, for any other client.
///
/// Cloning is cheap and clones share the cassette and what has been replayed, so a
/// test can keep a clone to ask [`Reel::unplayed`] at the end.
///
/// ```
/// use reqwest_middleware::ClientBuilder;
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
/// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
/// let reel = reel::Reel::replay(path)?;
/// let client = ClientBuilder::new(reqwest::Client::new()).with(reel.clone()).build();
/// assert_eq!(reel.unplayed(), [0, 1]);
/// # drop(client);
/// # Ok::<(), reel::Error>(())
/// ```
#[derive(Clone)]
pub struct Reel {
    inner: Arc<Inner>,
    /// Why this handle's adapter cannot record ([`Reel::cannot_record`]): its
    /// mismatch reports say so instead of giving a command that cannot work.
    cannot_record: Option<Arc<str>>,
}

struct Inner {
    path: Arc<Path>,
    mode: Mode,
    behaviour: Behaviour,
    test: Option<String>,
    recordings: Recordings,
    rules: Rules,
    redaction: Redaction,
    recorder: Option<Arc<Recorder>>,
    pacing: Pacing,
    full_diff: bool,
    commands: RecordCommand,
    max_body_size: u64,
    expect_all_played: bool,
    record_on_error: bool,
    drop_unused: bool,
    hooks: Hooks,
    passthrough: Passthrough,
    log: Log,
    /// The thread that opened the cassette (the test's): a failure at drop on
    /// another thread cannot fail the test by panicking.
    opened_on: std::thread::ThreadId,
}

impl Reel {
    /// Replays the cassette at `path` with the default options: shorthand for
    /// `Reel::builder().replay(path)`. `REEL_RECORD` still overrides the mode, so
    /// `REEL_RECORD=all cargo test` re-records. See [`ReelBuilder::replay`].
    pub fn replay(path: impl AsRef<Path>) -> Result<Reel> {
        Reel::builder().replay(path)
    }

    /// Opens the cassette at `path` in the default mode: `REEL_RECORD` if set,
    /// else `none` under CI and `once` elsewhere (record the cassette if it does
    /// not exist, replay it if it does). See [`ReelBuilder::open`].
    pub fn new(path: impl AsRef<Path>) -> Result<Reel> {
        Reel::builder().open(path)
    }

    /// Options: mode, matching rules, repeats, pacing, redaction.
    pub fn builder() -> ReelBuilder {
        ReelBuilder::default()
    }

    /// This cassette, for an adapter that has nowhere to send a request (a
    /// replay-only client): mismatch reports for requests decided through the
    /// handle returned end with `why` instead of the re-record command, which
    /// cannot work through it. Clones of the handle returned keep the note; the
    /// cassette, its options and what has been replayed stay shared.
    ///
    /// ```
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); }
    /// let reel = reel::Reel::replay(path)?
    ///     .cannot_record("this client only replays; build it with an upstream to re-record");
    /// # drop(reel);
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn cannot_record(self, why: impl Into<String>) -> Reel {
        Reel {
            cannot_record: Some(Arc::from(why.into())),
            ..self
        }
    }

    /// The cassette path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// What the mode does with this cassette: replay, record, or both.
    pub fn behaviour(&self) -> Behaviour {
        self.inner.behaviour
    }

    /// The largest request body adapters read to match a request, in bytes
    /// ([`ReelBuilder::max_body_size`]).
    pub fn max_body_size(&self) -> u64 {
        self.inner.max_body_size
    }

    /// The matching rules: message comparison ([`Reel::same_message`]) uses
    /// their normalizer.
    pub(crate) fn rules(&self) -> &Rules {
        &self.inner.rules
    }

    /// The redaction rules recordings were made with.
    pub(crate) fn redaction(&self) -> &Redaction {
        &self.inner.redaction
    }

    /// `url` (a URL or a path and query) as reel records it: credential query
    /// parameters redacted, placeholders' values by their names, secrets
    /// scrubbed when asked. For logs, which must not show what the cassette
    /// leaves out.
    ///
    /// ```
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); }
    /// let cassette = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// let reel = reel::Reel::replay(cassette)?;
    /// assert_eq!(reel.redact_url("/v1/live?key=AIzaSyA-1234&alt=sse"), "/v1/live?key=REDACTED&alt=sse");
    /// # Ok::<(), reel::Error>(())
    /// ```
    pub fn redact_url<'a>(&self, url: &'a str) -> std::borrow::Cow<'a, str> {
        self.inner.redaction.redact_url(url)
    }

    /// Whether reports show whole diffs (`REEL_FULL_DIFF`).
    pub(crate) fn full_diff(&self) -> bool {
        self.inner.full_diff
    }

    /// The command that re-records the cassette (mode `all`), as mismatch
    /// reports end with it.
    pub fn record_command(&self) -> String {
        self.inner
            .commands
            .render(Mode::All, self.inner.test.as_deref())
    }

    /// Writes every interaction recorded so far (those whose body has ended)
    /// and waits until they are in the cassette file.
    ///
    /// Recordings wait for the test's outcome: they are written when the last
    /// clone of the `Reel` drops (the client that holds it, at the end of a test),
    /// and not at all when the test panicked (see
    /// [`ReelBuilder::record_on_error`]). Call this to read the file while the
    /// client is still in use. Errors with the first save that failed since the
    /// last call. Does nothing when not recording.
    pub fn flush(&self) -> Result<()> {
        match &self.inner.recorder {
            Some(recorder) => recorder.flush(),
            None => Ok(()),
        }
    }

    /// Waits until every response body the caller stopped reading early has been
    /// read to its end for the cassette (an SDK that stops at `[DONE]` drops the
    /// rest), then [`flush`](Reel::flush)es. Does not block the thread: use it in
    /// an async test before reading the file, or before the runtime ends.
    pub async fn settle(&self) -> Result<()> {
        if let Some(recorder) = &self.inner.recorder {
            recorder.drains_done().await;
        }
        self.flush()
    }

    /// Panics with a report when interactions the cassette replays have not been
    /// replayed: each one's method, URL and a body preview, and the command that
    /// re-records. See [`ReelBuilder::expect_all_played`] for the check at drop.
    pub fn assert_all_played(&self) {
        if let Some(report) = self.inner.unplayed_report(self.cannot_record.as_deref()) {
            panic!("{report}");
        }
    }

    /// The interactions not replayed yet, by position in the cassette.
    pub fn unplayed(&self) -> Vec<usize> {
        self.inner.recordings.unplayed()
    }

    /// Every request this cassette's handles received so far, in order, with
    /// how each was answered: replayed (from which interaction), recorded,
    /// passed through, missed, or failed by a hook. The first 10,000 requests
    /// (a long-running server's log does not grow without end;
    /// [`times_played`](Reel::times_played) counts every request).
    ///
    /// ```
    /// use reel::Answer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = reel::Reel::replay(path)?;
    /// # let body = reel::cassette::Cassette::load(path)?.interactions[0].request.body.clone();
    /// let request = http::Request::post("https://api.openai.com/v1/chat/completions").body(body)?;
    /// reel.decide(&reel::Received::from_http(request)?).await;
    /// let log = reel.requests();
    /// assert_eq!(log[0].answer, Answer::Replayed(0));
    /// assert_eq!(log[0].to_string(), "POST https://api.openai.com/v1/chat/completions: replayed interaction 0");
    /// reel.assert_played(0, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<Logged> {
        self.inner.log.entries()
    }

    /// How many requests the interaction at position `index` answered.
    ///
    /// # Panics
    /// When the cassette has no interaction at `index`.
    pub fn times_played(&self, index: usize) -> usize {
        self.check_index(index);
        self.inner.recordings.times_played(index)
    }

    /// Panics, with the request log, unless the interaction at position `index`
    /// answered exactly `times` requests (wiremock's `expect`): for "the retry
    /// was replayed once", "the cached call was not made again".
    pub fn assert_played(&self, index: usize, times: usize) {
        let played = self.times_played(index);
        if played != times {
            let interaction = &self.inner.recordings.interactions[index];
            panic!(
                "{}: interaction {index} ({} {}) answered {played} request{} where {times} {} \
                 expected; the requests received:\n{}",
                self.inner.path.display(),
                interaction.request.method,
                interaction.request.url,
                if played == 1 { "" } else { "s" },
                if times == 1 { "was" } else { "were" },
                self.inner.log.render()
            );
        }
    }

    fn check_index(&self, index: usize) {
        let len = self.inner.recordings.len();
        assert!(
            index < len,
            "{}: there is no interaction {index}: the cassette opened with {len}",
            self.inner.path.display()
        );
    }

    pub(crate) fn open(mut builder: ReelBuilder, path: &Path, mode: Mode) -> Result<Reel> {
        let test = current_test_name();
        let full_diff = env::full_diff()?.or(builder.full_diff).unwrap_or(false);
        let review = env::flag(env::REVIEW)?.or(builder.review).unwrap_or(false);
        // A review-mode run that finds a re-record not reviewed yet goes on
        // from it, as from the cassette it would become: what this run records
        // joins what is pending, under the mode's rules, and nothing is lost.
        let pending = reel_cassette::__private::pending_path(path);
        let source =
            if review && matches!(mode, Mode::Once | Mode::NewEpisodes) && pending.is_file() {
                pending.as_path()
            } else {
                path
            };
        let (behaviour, cassette) = policy::open(source, mode, &builder.commands, test.as_deref())?;
        let source = source.to_path_buf();
        let path: Arc<Path> = Arc::from(PathBuf::from(path));
        let expired = expired(&builder, &source, behaviour, &cassette, test.as_deref())?;
        let mut rules = builder.rules;
        rules.normalizer.decode_limit = builder.max_body_size;
        // A cassette `reel scrub --secrets` scrubbed matches live requests
        // scrubbed the same way.
        if !builder.redaction.scrubs_secrets() && holds_scrubbed_secrets(&cassette) {
            builder.redaction = builder.redaction.scrub_secrets();
        }
        let mut recordings = Recordings::build(cassette, &source, &rules, &builder.redaction)?;
        recordings.expire(&expired);
        let superseded_if_recorded: Vec<_> = expired
            .iter()
            .map(|&i| {
                (
                    recordings.normal[i].clone(),
                    recordings.interactions[i].clone(),
                )
            })
            .collect();
        let mut pacing = builder.pacing;
        if let Some(pace) = env::pace()? {
            pacing.pace = pace;
        }
        let record_timing = env::flag(env::RECORD_TIMING)?
            .or(builder.record_timing)
            .unwrap_or(false);
        let recorder = behaviour.records().then(|| {
            let scanner = builder.scan_secrets.then(|| {
                builder
                    .allowed_secrets
                    .iter()
                    .fold(SecretScanner::new(), |scanner, value| {
                        scanner.allow(value.as_bytes())
                    })
            });
            Arc::new(Recorder::new(Setup {
                path: path.clone(),
                redaction: builder.redaction.clone(),
                scanner,
                drain_timeout: builder.drain_timeout,
                eager: builder.save_as_recorded,
                target: Target {
                    run: env::run_id(),
                    replace: mode == Mode::All,
                    review,
                },
                record_timing,
                hooks: builder.hooks.clone(),
                matching: (rules.clone(), builder.redaction.clone()),
                keep_retried: builder.keep_retried,
                expired: superseded_if_recorded,
            }))
        });
        tracing::debug!(
            target: "reel",
            cassette = %path.display(),
            mode = %mode,
            behaviour = ?behaviour,
            interactions = recordings.len(),
            "cassette opened"
        );
        Ok(Reel {
            inner: Arc::new(Inner {
                path,
                mode,
                behaviour,
                test,
                recordings,
                rules,
                redaction: builder.redaction,
                recorder,
                pacing,
                full_diff,
                commands: builder.commands,
                max_body_size: builder.max_body_size,
                expect_all_played: builder.expect_all_played,
                record_on_error: builder.record_on_error,
                drop_unused: builder.drop_unused && mode == Mode::NewEpisodes,
                hooks: builder.hooks,
                passthrough: builder.passthrough,
                log: Log::default(),
                opened_on: std::thread::current().id(),
            }),
            cannot_record: None,
        })
    }

    /// Decides what answers `received`: a recorded response (after the headers
    /// delay the pacing asks for), a miss with its report, or, when the mode
    /// records, a [`Recording`] ticket for the request to send on. In mode
    /// `passthrough` every request is [`Decision::Forward`]; adapters can skip
    /// reading the body then ([`Behaviour::Forward`]).
    ///
    /// ```
    /// use reel::{Decision, Received, Reel};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
    /// let reel = Reel::replay(path)?;
    /// # let body = reel::cassette::Cassette::load(path)?.interactions[0].request.body.clone();
    /// let request = http::Request::post("https://api.openai.com/v1/chat/completions")
    ///     .body(body)?; // the recorded request's body
    /// match reel.decide(&Received::from_http(request)?).await {
    ///     Decision::Replay(response) => assert_eq!(response.status(), 200),
    ///     Decision::Miss(report) => panic!("{report}"),
    ///     other => panic!("replay only: {other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn decide(&self, received: &Received) -> Decision {
        // The span only when someone listens: it costs on every request.
        if !tracing::enabled!(target: "reel", tracing::Level::DEBUG) {
            return self.decide_in_span(received).await;
        }
        let span = tracing::debug_span!(
            target: "reel",
            "reel",
            cassette = %self.inner.path.display()
        );
        self.decide_in_span(received).instrument(span).await
    }

    async fn decide_in_span(&self, received: &Received) -> Decision {
        let (decision, answer) = self.decide_unlogged(received).await;
        self.inner
            .log
            .push(received.method(), received.url(), answer);
        decision
    }

    async fn decide_unlogged(&self, received: &Received) -> (Decision, Answer) {
        let inner = &*self.inner;
        if inner.behaviour == Behaviour::Forward || inner.passthrough.applies(received) {
            tracing::debug!(
                target: "reel",
                method = %received.method(),
                url = %received.url(),
                "passed through"
            );
            return (Decision::Forward, Answer::PassedThrough);
        }
        // `all` records every request: nothing to match against.
        let mut normal = None;
        if inner.behaviour.replays() {
            let fast = if inner.rules.ignore_body {
                None
            } else {
                inner
                    .recordings
                    .choose_fast(&inner.rules, &inner.redaction, received)
            };
            let (chosen, path) = match fast {
                Some(i) => (Some(i), "exact text"),
                None => {
                    let norm = normalize_received(&inner.rules, &inner.redaction, received);
                    let chosen = inner.recordings.choose(&inner.rules, received, &norm);
                    normal = Some(norm);
                    (chosen, "normalized")
                }
            };
            if let Some(i) = chosen {
                tracing::debug!(
                    target: "reel",
                    method = %received.method(),
                    url = %received.url(),
                    interaction = i,
                    matched_by = path,
                    "replayed"
                );
                let decision = self.play(i, received).await;
                let answer = match decision {
                    Decision::Replay(_) => Answer::Replayed(i),
                    _ => Answer::Failed,
                };
                return (decision, answer);
            }
        }
        match &inner.recorder {
            Some(recorder) => {
                tracing::debug!(
                    target: "reel",
                    method = %received.method(),
                    url = %received.url(),
                    "recording"
                );
                let recorded = capture::request(
                    received,
                    &inner.redaction,
                    inner.rules.normalizer.decode_limit,
                );
                (
                    Decision::Record(Recording::new(recorder.clone(), recorded)),
                    Answer::Recorded,
                )
            }
            None => {
                let normal = normal.unwrap_or_else(|| {
                    normalize_received(&inner.rules, &inner.redaction, received)
                });
                let report = self.miss(received, &normal);
                // A warning: the test fails on it, and a subscriber at its
                // default level shows it. It names its cassette itself: the span
                // that does exists only at DEBUG.
                tracing::warn!(
                    target: "reel",
                    cassette = %inner.path.display(),
                    method = %received.method(),
                    url = %received.url(),
                    closest = ?report.closest(),
                    "no match"
                );
                (Decision::Miss(Box::new(report)), Answer::Missed)
            }
        }
    }

    /// The response of interaction `i` (as the `before_replay` hook edits it),
    /// after the recorded wait if pacing asks.
    async fn play(&self, i: usize, received: &Received) -> Decision {
        let inner = &*self.inner;
        inner.recordings.count_play(i);
        let edited;
        let prepared = match &inner.hooks.before_replay {
            None => &inner.recordings.responses[i],
            Some(hook) => {
                let mut response = inner.recordings.interactions[i].response.clone();
                // The hook sees the response as the caller would: real values.
                inner.redaction.restore_placeholders(&mut response);
                let failed = |source| {
                    Decision::Failed(Box::new(crate::Error::Hook {
                        path: inner.path.to_path_buf(),
                        hook: hooks::BEFORE_REPLAY,
                        during: format!(" for {} {}", received.method(), received.url()),
                        source,
                    }))
                };
                if let Err(source) = hook(received, &mut response) {
                    return failed(source);
                }
                edited = match crate::replay::Prepared::new(&response) {
                    Ok(prepared) => prepared,
                    Err(message) => return failed(message.into()),
                };
                &edited
            }
        };
        let wait = inner.pacing.headers_wait(prepared.duration());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Decision::Replay(prepared.respond(i, inner.path.clone(), inner.pacing))
    }

    /// The mismatch report for a request nothing matches.
    fn miss(&self, received: &Received, normal: &NormalRequest) -> crate::MismatchReport {
        self.inner
            .with_report_context(self.cannot_record.as_deref(), |cx| {
                report(cx, received, normal)
            })
    }
}

/// The interactions a maximum age expires that are to be recorded again (the
/// strategy `rerecord` in a mode that records); warns, or fails the open, for
/// the other strategies.
fn expired(
    builder: &ReelBuilder,
    path: &Path,
    behaviour: Behaviour,
    cassette: &reel_cassette::Cassette,
    test: Option<&str>,
) -> Result<Vec<usize>> {
    let Some((age, strategy)) = expiry::from_env()?.or(builder.max_age) else {
        return Ok(Vec::new());
    };
    // `all` re-records everything anyway; `passthrough` replays nothing.
    if !behaviour.replays() {
        return Ok(Vec::new());
    }
    let found = reel_cassette::provenance::expired(
        path,
        &cassette.interactions,
        age,
        std::time::SystemTime::now(),
    )?;
    let Some(expired) = found else {
        return Ok(Vec::new());
    };
    let what = expired.describe(path);
    let command = builder.commands.render(Mode::All, test);
    match strategy {
        Expiry::Warn => {
            eprintln!("reel: warning: {what} (re-record: {command})");
            tracing::warn!(target: "reel", cassette = %path.display(), "{what}");
            Ok(Vec::new())
        }
        Expiry::Rerecord if behaviour.records() => {
            tracing::debug!(target: "reel", cassette = %path.display(), "{what}: recording them again");
            Ok(expired.indices)
        }
        _ => Err(crate::Error::Expired {
            path: path.to_path_buf(),
            what,
            command,
        }),
    }
}

impl Inner {
    /// The report on the interactions this cassette replays that were not
    /// replayed; `None` when every one was (or the mode replays nothing).
    fn unplayed_report(&self, cannot_record: Option<&str>) -> Option<String> {
        if !self.behaviour.replays() {
            return None;
        }
        let unplayed = self.recordings.unplayed();
        if unplayed.is_empty() {
            return None;
        }
        Some(self.with_report_context(cannot_record, |cx| unplayed_report(cx, &unplayed)))
    }

    /// Calls `write` with what a report is made from: the cassette, its mode,
    /// the rules, the recordings and which were played, the re-record command
    /// (or why the adapter cannot record).
    fn with_report_context<T>(
        &self,
        cannot_record: Option<&str>,
        write: impl FnOnce(&Context<'_>) -> T,
    ) -> T {
        let played = self.recordings.played();
        let record_command = self.commands.render(Mode::All, self.test.as_deref());
        write(&Context {
            path: &self.path,
            mode: self.mode,
            record: match cannot_record {
                Some(why) => Rerecord::Cannot(why),
                None => Rerecord::Command(&record_command),
            },
            rules: &self.rules,
            redaction: &self.redaction,
            interactions: &self.recordings.interactions,
            normal: &self.recordings.normal,
            played: &played,
            full_diff: self.full_diff,
        })
    }

    /// `drop_unused`: the cassette without the interactions it opened with that
    /// were not replayed (the ones recorded since are kept).
    fn drop_unused(&self) -> Result<()> {
        let unplayed = self.recordings.unplayed();
        if unplayed.is_empty() {
            return Ok(());
        }
        let dropped: Vec<&reel_cassette::Interaction> = unplayed
            .iter()
            .map(|&i| &self.recordings.interactions[i])
            .collect();
        reel_cassette::__private::update_locked(&self.path, |cassette| {
            cassette.interactions.retain(|kept| {
                !dropped
                    .iter()
                    .any(|gone| gone.request == kept.request && gone.response == kept.response)
            });
            Ok(())
        })?;
        tracing::debug!(
            target: "reel",
            cassette = %self.path.display(),
            dropped = dropped.len(),
            "dropped unused interactions"
        );
        Ok(())
    }
}

impl Inner {
    /// Fails the test at drop with `message`: a panic on the thread that opened
    /// the cassette (the test's). Dropped on another thread (a runtime worker
    /// that held the client last), a panic would be swallowed and the test would
    /// pass with its recordings lost, so the process exits with the failure
    /// instead, as a failed test binary does.
    fn fail_at_drop(&self, message: &str) {
        if std::thread::current().id() == self.opened_on {
            panic!("{message}");
        }
        // Straight to the process's stderr: a test harness capturing `eprintln!`
        // would drop it as the process exits.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "{message}\nreel: this failure happened where the last handle to the cassette was \
             dropped, on another thread than the test's, where a panic would not fail the test; \
             exiting with status 101 so that the run fails (call reel.flush() at the end of the \
             test to see such an error as a Result)"
        );
        std::process::exit(101);
    }
}

impl Drop for Inner {
    /// The last handle: the test's outcome decides whether its recordings are
    /// written, and an unplayed interaction fails a test that expects all played.
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if let Some(recorder) = &self.recorder {
            let save = !panicking || self.record_on_error;
            if save {
                recorder.wait_drains_at_close();
            }
            if let Err(err) = recorder.close(save) {
                if panicking {
                    eprintln!("reel: warning: {err}");
                } else {
                    self.fail_at_drop(&err.to_string());
                }
            }
        }
        if panicking {
            return;
        }
        if self.drop_unused {
            if let Err(err) = self.drop_unused() {
                self.fail_at_drop(&err.to_string());
            }
        }
        if self.expect_all_played {
            if let Some(report) = self.unplayed_report(None) {
                self.fail_at_drop(&report);
            }
        }
        if let Some(hook) = &self.hooks.at_end {
            let played: Vec<Played<'_>> = self
                .recordings
                .interactions
                .iter()
                .enumerate()
                .map(|(index, interaction)| Played {
                    index,
                    interaction,
                    times: self.recordings.times_played(index),
                })
                .collect();
            if let Err(source) = hook(&played) {
                let err = crate::Error::Hook {
                    path: self.path.to_path_buf(),
                    hook: hooks::AT_END,
                    during: String::new(),
                    source,
                };
                self.fail_at_drop(&err.to_string());
            }
        }
    }
}

impl fmt::Debug for Reel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reel")
            .field("path", &self.inner.path)
            .field("mode", &self.inner.mode)
            .field("behaviour", &self.inner.behaviour)
            .field("interactions", &self.inner.recordings.len())
            .field("unplayed", &self.unplayed().len())
            .field("rules", &self.inner.rules)
            .field("pacing", &self.inner.pacing)
            .finish()
    }
}

/// Whether a recorded request holds a placeholder of a scrubbed credential
/// (`REDACTED_OPENAI_API_KEY`) in its URL or body: one search per request, at
/// load.
fn holds_scrubbed_secrets(cassette: &reel_cassette::Cassette) -> bool {
    let finder = memchr::memmem::Finder::new(b"REDACTED_");
    let scrubbed = |text: &[u8]| {
        finder.find_iter(text).any(|at| {
            text.get(at + 9)
                .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
    };
    cassette.interactions.iter().any(|interaction| {
        scrubbed(interaction.request.url.as_bytes()) || scrubbed(&interaction.request.body)
    })
}
