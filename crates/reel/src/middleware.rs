//! [`Reel`]: the `reqwest_middleware::Middleware` that answers requests from a
//! cassette.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use reel_cassette::{Cassette, Interaction};

use crate::cassette_path::current_test_name;
use crate::index::Index;
use crate::matcher::{Received, Rules};
use crate::normalize::NormalRequest;
use crate::pacing::Pacing;
use crate::replay::Prepared;
use crate::report::{report, Context};
use crate::{env, Error, Mode, ReelBuilder, Result};

/// Serves a test's HTTP requests from a cassette. Attach it to a `reqwest` client
/// with `reqwest_middleware::ClientBuilder::with`.
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

struct Inner {
    path: Arc<Path>,
    mode: Mode,
    test: Option<String>,
    interactions: Vec<Interaction>,
    normal: Vec<NormalRequest>,
    responses: Vec<Prepared>,
    index: Index,
    played: Vec<AtomicBool>,
    rules: Rules,
    pacing: Pacing,
    full_diff: bool,
}

impl Reel {
    /// Replays the cassette at `path` with the default options: shorthand for
    /// `Reel::builder().replay(path)`. See [`ReelBuilder::replay`].
    pub fn replay(path: impl AsRef<Path>) -> Result<Reel> {
        Reel::builder().replay(path)
    }

    /// Options: matching rules, repeats, pacing.
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

    /// The interactions not replayed yet, by position in the cassette.
    pub fn unplayed(&self) -> Vec<usize> {
        (0..self.inner.played.len())
            .filter(|&i| !self.inner.played[i].load(Ordering::Acquire))
            .collect()
    }

    pub(crate) fn open(builder: ReelBuilder, path: &Path, mode: Mode) -> Result<Reel> {
        let test = current_test_name();
        let full_diff = env::full_diff()?.or(builder.full_diff).unwrap_or(false);
        if matches!(std::fs::metadata(path), Err(err) if err.kind() == std::io::ErrorKind::NotFound)
        {
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
        let cassette = Cassette::load(path)?;
        let rules = builder.rules;
        let normal: Vec<NormalRequest> = cassette
            .interactions
            .iter()
            .map(|interaction| normalize_recorded(&rules, &interaction.request))
            .collect();
        let responses = cassette
            .interactions
            .iter()
            .enumerate()
            .map(|(index, interaction)| {
                Prepared::new(&interaction.response).map_err(|message| Error::InvalidRecording {
                    path: path.to_owned(),
                    index,
                    message,
                })
            })
            .collect::<Result<Vec<Prepared>>>()?;
        let index = Index::build(&normal);
        let played = cassette
            .interactions
            .iter()
            .map(|_| AtomicBool::new(false))
            .collect();
        Ok(Reel {
            inner: Arc::new(Inner {
                path: Arc::from(PathBuf::from(path)),
                mode,
                test,
                interactions: cassette.interactions,
                normal,
                responses,
                index,
                played,
                rules,
                pacing: builder.pacing,
                full_diff,
            }),
        })
    }

    /// Answers one request from the cassette.
    async fn serve(&self, request: reqwest::Request) -> Result<reqwest::Response> {
        let inner = &*self.inner;
        let body = match request.body() {
            None => Bytes::new(),
            Some(body) => match body.as_bytes() {
                Some(bytes) => Bytes::copy_from_slice(bytes),
                None => {
                    return Err(Error::StreamingRequestBody {
                        method: request.method().to_string(),
                        url: request.url().to_string(),
                    })
                }
            },
        };
        let received = Received::new(request, body);
        let normal = inner.rules.normalizer.request(
            received.method().as_str(),
            Ok(received.url()),
            received.content_type(),
            received.body_bytes(),
        );
        let Some(i) = self.choose(&received, &normal) else {
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
            return Err(Error::NoMatch(Box::new(report(&cx, &received, &normal))));
        };
        let prepared = &inner.responses[i];
        let wait = inner.pacing.headers.after(prepared.duration());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(prepared.respond(received.url().clone(), i, inner.path.clone(), inner.pacing))
    }

    /// The first matching interaction not replayed yet, marked replayed; or, when
    /// repeats are allowed and every match has been replayed, the last match.
    fn choose(&self, received: &Received, normal: &NormalRequest) -> Option<usize> {
        let inner = &*self.inner;
        let mut last_match = None;
        for i in inner.index.candidates(normal, inner.rules.ignore_body) {
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

/// The normal form of a recorded request.
fn normalize_recorded(rules: &Rules, request: &reel_cassette::Request) -> NormalRequest {
    let url = url::Url::parse(&request.url);
    rules.normalizer.request(
        &request.method,
        url.as_ref().map_err(|_| request.url.as_str()),
        request.headers.get("Content-Type"),
        &request.body,
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
        _extensions: &mut http::Extensions,
        _next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        // Replay never calls `next`: no request reaches the network.
        self.serve(request)
            .await
            .map_err(reqwest_middleware::Error::middleware)
    }
}
