//! [`Reel`]: the `reqwest_middleware::Middleware` that answers requests from a
//! cassette.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use reel_cassette::{Cassette, Interaction, Redaction, SecretScanner};

use crate::cassette_path::current_test_name;
use crate::index::Index;
use crate::matcher::{Received, Rules};
use crate::normalize::NormalRequest;
use crate::pacing::Pacing;
use crate::record::{Pending, Recorder, Tee};
use crate::replay::Prepared;
use crate::report::{report, Context};
use crate::{capture, env, Error, Mode, ReelBuilder, Result};

/// Serves a test's HTTP requests from a cassette, and records the ones it lacks
/// when the mode says so. Attach it to a `reqwest` client with
/// `reqwest_middleware::ClientBuilder::with`.
///
/// Cloning is cheap and clones share the cassette and what has been replayed, so a
/// test can keep a clone to ask [`Reel::unplayed`] at the end.
///
/// ```
/// use reqwest_middleware::ClientBuilder;
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../cassettes/openai/multi_tool_streaming.yaml");
/// let reel = reel::Reel::replay(path)?;
/// let client = ClientBuilder::new(reqwest::Client::new()).with(reel.clone()).build();
/// assert_eq!(reel.unplayed(), [0, 1]);
/// # drop(client);
/// # Ok::<(), reel::Error>(())
/// ```
#[derive(Clone)]
pub struct Reel {
    inner: Arc<Inner>,
}

/// What the mode in force does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    /// Replay, and fail on a miss.
    Replay,
    /// Replay what matches, record the rest.
    ReplayOrRecord,
    /// Record everything.
    Record,
    /// Forward everything, record nothing.
    Forward,
}

struct Inner {
    path: Arc<Path>,
    mode: Mode,
    behaviour: Behaviour,
    test: Option<String>,
    interactions: Vec<Interaction>,
    normal: Vec<NormalRequest>,
    responses: Vec<Prepared>,
    index: Index,
    played: Vec<AtomicBool>,
    rules: Rules,
    redaction: Redaction,
    recorder: Option<Arc<Recorder>>,
    pacing: Pacing,
    full_diff: bool,
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

    /// The cassette path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// Waits until every recording completed so far is in the cassette file.
    ///
    /// Recordings are saved on a background thread as soon as their body ends;
    /// dropping the last clone of the `Reel` (the client that holds it, at the end
    /// of a test) waits for them too. Call this to read the file while the client
    /// is still in use. Errors with the first save that failed since the last call.
    /// Does nothing when not recording.
    pub fn flush(&self) -> Result<()> {
        match &self.inner.recorder {
            Some(recorder) => recorder.wait_saved(),
            None => Ok(()),
        }
    }

    /// The interactions not replayed yet, by position in the cassette.
    pub fn unplayed(&self) -> Vec<usize> {
        (0..self.inner.played.len())
            .filter(|&i| !self.inner.played[i].load(Ordering::Acquire))
            .collect()
    }

    pub(crate) fn open(builder: ReelBuilder, path: &Path, mode: Mode) -> Result<Reel> {
        let test = current_test_name();
        let full_diff = env::full_diff()?.or(builder.full_diff).unwrap_or(false);
        let exists = !matches!(std::fs::metadata(path), Err(err) if err.kind() == std::io::ErrorKind::NotFound);
        let behaviour = match mode {
            Mode::None => Behaviour::Replay,
            Mode::Once if exists => Behaviour::Replay,
            Mode::Once | Mode::All => Behaviour::Record,
            Mode::NewEpisodes => Behaviour::ReplayOrRecord,
            Mode::Passthrough => Behaviour::Forward,
        };
        if behaviour == Behaviour::Replay && !exists {
            let looked_in = match std::env::current_dir() {
                Ok(dir) if path.is_relative() => format!(" (looked in {})", dir.display()),
                _ => String::new(),
            };
            return Err(Error::CassetteMissing {
                path: path.to_owned(),
                looked_in,
                command: env::record_command("once", test.as_deref()),
            });
        }
        // Replay reads the file; `all` and `passthrough` start from nothing.
        let replays = matches!(behaviour, Behaviour::Replay | Behaviour::ReplayOrRecord);
        let cassette = if replays && exists {
            Cassette::load(path)?
        } else {
            Cassette::new()
        };
        let path: Arc<Path> = Arc::from(PathBuf::from(path));
        let recorder =
            matches!(behaviour, Behaviour::Record | Behaviour::ReplayOrRecord).then(|| {
                let scanner = builder.scan_secrets.then(|| {
                    builder
                        .allowed_secrets
                        .iter()
                        .fold(SecretScanner::new(), |scanner, value| {
                            scanner.allow(value.as_bytes())
                        })
                });
                Arc::new(Recorder::new(
                    path.clone(),
                    builder.redaction.clone(),
                    scanner,
                    builder.drain_timeout,
                    mode == Mode::All,
                ))
            });
        let rules = builder.rules;
        let redaction = builder.redaction;
        let normal: Vec<NormalRequest> = cassette
            .interactions
            .iter()
            .map(|interaction| normalize_recorded(&rules, &redaction, &interaction.request))
            .collect();
        let responses = cassette
            .interactions
            .iter()
            .enumerate()
            .map(|(index, interaction)| {
                Prepared::new(&interaction.response).map_err(|message| Error::InvalidRecording {
                    path: path.to_path_buf(),
                    index,
                    message,
                })
            })
            .collect::<Result<Vec<Prepared>>>()?;
        let raw: Vec<Option<String>> = cassette
            .interactions
            .iter()
            .map(|interaction| {
                let url = redaction.redact_url(&interaction.request.url);
                url::Url::parse(&url).ok().map(|url| {
                    raw_route(
                        &interaction.request.method,
                        &url,
                        rules.normalizer.ignore_host,
                    )
                })
            })
            .collect();
        let index = Index::build(&normal, &raw);
        let played = cassette
            .interactions
            .iter()
            .map(|_| AtomicBool::new(false))
            .collect();
        Ok(Reel {
            inner: Arc::new(Inner {
                path,
                mode,
                behaviour,
                test,
                interactions: cassette.interactions,
                normal,
                responses,
                index,
                played,
                rules,
                redaction,
                recorder,
                pacing: builder.pacing,
                full_diff,
            }),
        })
    }

    /// Answers one request: from the cassette, or by recording it.
    async fn serve(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let inner = &*self.inner;
        if inner.behaviour == Behaviour::Forward {
            return next.run(request, extensions).await;
        }
        let body = match request.body() {
            None => Bytes::new(),
            Some(body) => match body.as_bytes() {
                Some(bytes) => Bytes::copy_from_slice(bytes),
                None => {
                    return Err(middleware_error(Error::StreamingRequestBody {
                        method: request.method().to_string(),
                        url: request.url().to_string(),
                    }))
                }
            },
        };
        // Recording sends the request on, so keep a copy to send.
        let outgoing = match &inner.recorder {
            Some(_) => request.try_clone(),
            None => None,
        };
        let received = Received::new(request, body);
        // `all` records every request: nothing to match against.
        let normal = if inner.behaviour == Behaviour::Record {
            None
        } else {
            if !inner.rules.ignore_body {
                if let Some(i) = self.choose_fast(&received) {
                    return Ok(self.play(i, &received).await);
                }
            }
            let normal = normalize_received(&inner.rules, &inner.redaction, &received);
            if let Some(i) = self.choose(&received, &normal) {
                return Ok(self.play(i, &received).await);
            }
            Some(normal)
        };
        match (&inner.recorder, outgoing, normal) {
            (Some(recorder), Some(outgoing), _) => {
                let recorded =
                    capture::request(&outgoing, received.body_bytes(), recorder.redaction());
                Box::pin(record(
                    recorder.clone(),
                    outgoing,
                    recorded,
                    extensions,
                    next,
                ))
                .await
            }
            (_, _, normal) => {
                let normal = normal.unwrap_or_else(|| {
                    normalize_received(&inner.rules, &inner.redaction, &received)
                });
                Err(middleware_error(self.miss(&received, &normal)))
            }
        }
    }

    /// The response of interaction `i`, after the recorded wait if pacing asks.
    async fn play(&self, i: usize, received: &Received) -> reqwest::Response {
        let inner = &*self.inner;
        let prepared = &inner.responses[i];
        let wait = inner.pacing.headers.after(prepared.duration());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        prepared.respond(received.url().clone(), i, inner.path.clone(), inner.pacing)
    }

    /// The mismatch report for a request nothing matches.
    fn miss(&self, received: &Received, normal: &NormalRequest) -> Error {
        let inner = &*self.inner;
        let played: Vec<bool> = inner
            .played
            .iter()
            .map(|p| p.load(Ordering::Acquire))
            .collect();
        let record_command = env::record_command("all", inner.test.as_deref());
        let cx = Context {
            path: &inner.path,
            mode: inner.mode,
            record_command: &record_command,
            rules: &inner.rules,
            interactions: &inner.interactions,
            normal: &inner.normal,
            played: &played,
            full_diff: inner.full_diff,
        };
        Error::NoMatch(Box::new(report(&cx, received, normal)))
    }

    /// `choose` for a request whose URL and body text decide alone, without
    /// normalizing the URL or parsing the body; `None` when they do not.
    fn choose_fast(&self, received: &Received) -> Option<usize> {
        let inner = &*self.inner;
        let url = received.url().as_str();
        if matches!(inner.redaction.redact_url(url), std::borrow::Cow::Owned(_)) {
            return None;
        }
        let content_type = received.content_type().unwrap_or("");
        if inner
            .redaction
            .redact_body(received.body_bytes(), content_type)
            .is_some()
        {
            return None;
        }
        let raw = raw_route(
            received.method().as_str(),
            received.url(),
            inner.rules.normalizer.ignore_host,
        );
        let text = crate::normalize::normalize_newlines(received.body_bytes());
        let candidates = inner.index.fast_candidates(&raw, &text)?;
        self.claim(received, candidates.iter().copied())
    }

    /// The first matching interaction not replayed yet, marked replayed; or, when
    /// repeats are allowed and every match has been replayed, the last match.
    fn choose(&self, received: &Received, normal: &NormalRequest) -> Option<usize> {
        let inner = &*self.inner;
        self.claim(
            received,
            inner
                .index
                .candidates(normal, inner.rules.ignore_body)
                .into_iter(),
        )
    }

    fn claim(&self, received: &Received, candidates: impl Iterator<Item = usize>) -> Option<usize> {
        let inner = &*self.inner;
        let mut last_match = None;
        for i in candidates {
            if !inner
                .rules
                .extra_rules_pass(received, &inner.interactions[i].request)
            {
                continue;
            }
            // Claiming with compare-exchange gives each concurrent request its own
            // interaction without a lock.
            let claimed = inner.played[i]
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
            if claimed {
                return Some(i);
            }
            last_match = Some(i);
        }
        last_match.filter(|_| inner.rules.allow_repeats)
    }
}

/// Sends `outgoing` on and streams its response back while recording it.
async fn record(
    recorder: Arc<Recorder>,
    outgoing: reqwest::Request,
    recorded: reel_cassette::Request,
    extensions: &mut http::Extensions,
    next: reqwest_middleware::Next<'_>,
) -> reqwest_middleware::Result<reqwest::Response> {
    let seq = recorder.begin();
    let started = Instant::now();
    let response = match next.run(outgoing, extensions).await {
        Ok(response) => response,
        Err(err) => {
            recorder.abandon(seq);
            return Err(err);
        }
    };
    let head = capture::response_head(&response, started.elapsed());
    let mut live = http::Response::new(());
    *live.status_mut() = response.status();
    *live.version_mut() = response.version();
    live.headers_mut().clone_from(response.headers());
    let url = response.url().clone();
    let pending = Pending {
        recorder,
        seq,
        request: recorded,
        head,
    };
    let body = reqwest::Body::wrap_stream(Tee::new(response, pending));
    let (parts, ()) = live.into_parts();
    let mut live = http::Response::from_parts(parts, body);
    crate::replay::set_url(&mut live, url);
    Ok(reqwest::Response::from(live))
}

/// `METHOD url` as the URL serializes after parsing (only its path and query when
/// hosts are ignored): the key of the exact-text shortcut.
fn raw_route(method: &str, url: &url::Url, ignore_host: bool) -> String {
    let target = if ignore_host {
        &url[url::Position::BeforePath..url::Position::AfterQuery]
    } else {
        url.as_str()
    };
    let mut raw = String::with_capacity(method.len() + 1 + target.len());
    raw.push_str(method);
    raw.push(' ');
    raw.push_str(target);
    raw
}

fn middleware_error(err: Error) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(err)
}

/// The normal form of a recorded request, after the redaction a live request gets.
fn normalize_recorded(
    rules: &Rules,
    redaction: &Redaction,
    request: &reel_cassette::Request,
) -> NormalRequest {
    let url = url::Url::parse(&redaction.redact_url(&request.url));
    let content_type = request.headers.get("Content-Type");
    let body = match redaction.redact_body(&request.body, content_type.unwrap_or("")) {
        Some(redacted) => Bytes::from(redacted),
        None => request.body.clone(),
    };
    rules.normalizer.request(
        &request.method,
        url.as_ref().map_err(|_| request.url.as_str()),
        content_type,
        &body,
    )
}

/// The normal form of a live request, redacted as it would be recorded, so that a
/// redacted cassette still matches.
fn normalize_received(rules: &Rules, redaction: &Redaction, received: &Received) -> NormalRequest {
    let content_type = received.content_type();
    let redacted_url = redaction.redact_url(received.url().as_str());
    let url = match &redacted_url {
        std::borrow::Cow::Borrowed(_) => Ok(received.url().clone()),
        std::borrow::Cow::Owned(url) => url::Url::parse(url).map_err(|_| url.as_str()),
    };
    let body = match redaction.redact_body(received.body_bytes(), content_type.unwrap_or("")) {
        Some(redacted) => Bytes::from(redacted),
        None => received.body_bytes().clone(),
    };
    rules.normalizer.request(
        received.method().as_str(),
        url.as_ref().map_err(|s| *s),
        content_type,
        &body,
    )
}

impl fmt::Debug for Reel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reel")
            .field("path", &self.inner.path)
            .field("mode", &self.inner.mode)
            .field("interactions", &self.inner.interactions.len())
            .field("unplayed", &self.unplayed().len())
            .field("rules", &self.inner.rules)
            .field("pacing", &self.inner.pacing)
            .finish()
    }
}

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Reel {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        // Only recording and passthrough call `next`: replay never reaches the network.
        self.serve(request, extensions, next).await
    }
}
