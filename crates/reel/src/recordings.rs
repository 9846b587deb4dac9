//! [`Recordings`]: a loaded cassette made ready to answer requests, once, when it
//! opens: each recorded request redacted and normalized, each response checked
//! and converted to `http` types, an index over them, and which have been played.

use std::borrow::Cow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::Bytes;
use reel_cassette::{Cassette, Interaction, Redaction};

use crate::index::{Index, RawRoute};
use crate::matcher::Rules;
use crate::normalize::NormalRequest;
use crate::replay::Prepared;
use crate::{Error, Received, Result};

/// The interactions a cassette replays, ready to match.
pub(crate) struct Recordings {
    pub(crate) interactions: Vec<Interaction>,
    pub(crate) normal: Vec<NormalRequest>,
    pub(crate) responses: Vec<Prepared>,
    index: Index,
    played: Vec<AtomicBool>,
    /// How many requests each answered.
    times: Vec<AtomicUsize>,
    /// Interactions past the maximum age, to be recorded again: never chosen.
    /// Empty when none is.
    expired: Vec<bool>,
}

impl Recordings {
    /// Prepares `cassette` (loaded from `path`) for matching under `rules`, its
    /// requests redacted as live requests will be and its responses with the
    /// placeholders' values in place of their names. Errors on a response that
    /// is not valid HTTP.
    pub(crate) fn build(
        cassette: Cassette,
        path: &Path,
        rules: &Rules,
        redaction: &Redaction,
    ) -> Result<Recordings> {
        let interactions = cassette.interactions;
        // When each event of a stream arrived, where the recording kept it.
        let timing = reel_cassette::__private::Timing::load_for(path)?;
        let normal: Vec<NormalRequest> = interactions
            .iter()
            .map(|interaction| normalize_recorded(rules, redaction, &interaction.request))
            .collect();
        let responses = interactions
            .iter()
            .enumerate()
            .map(|(index, interaction)| {
                // Placeholders get their values back once, here, for every
                // adapter; a response without one is not copied.
                let mut restored = None;
                if redaction.has_placeholders() {
                    let mut response = interaction.response.clone();
                    if redaction.restore_placeholders(&mut response) {
                        restored = Some(response);
                    }
                }
                let response = restored.as_ref().unwrap_or(&interaction.response);
                let prepared =
                    Prepared::new(response).map_err(|message| Error::InvalidRecording {
                        path: path.to_path_buf(),
                        index,
                        message,
                    })?;
                Ok(
                    match timing
                        .as_ref()
                        .and_then(|timing| timing.for_interaction(index, interaction))
                    {
                        Some(times) => prepared.with_event_times(&times.events_ms),
                        None => prepared,
                    },
                )
            })
            .collect::<Result<Vec<Prepared>>>()?;
        let raw: Vec<Option<RawRoute>> = interactions
            .iter()
            .map(|interaction| {
                let url = redaction.redact_url(&interaction.request.url);
                crate::url::UrlParts::parse(&url)?;
                raw_target(&url, rules.normalizer.ignore_host).map(|target| RawRoute {
                    method: interaction.request.method.clone(),
                    target: target.to_owned(),
                })
            })
            .collect();
        let index = Index::build(&normal, &raw);
        let played = interactions
            .iter()
            .map(|_| AtomicBool::new(false))
            .collect();
        let times = interactions.iter().map(|_| AtomicUsize::new(0)).collect();
        Ok(Recordings {
            interactions,
            normal,
            responses,
            index,
            played,
            times,
            expired: Vec::new(),
        })
    }

    /// How many interactions there are.
    pub(crate) fn len(&self) -> usize {
        self.interactions.len()
    }

    /// Which interactions have been played, by position.
    pub(crate) fn played(&self) -> Vec<bool> {
        self.played
            .iter()
            .map(|p| p.load(Ordering::Acquire))
            .collect()
    }

    /// Marks the interactions at `indices` expired: matching passes them by,
    /// and they do not count as unplayed.
    pub(crate) fn expire(&mut self, indices: &[usize]) {
        if indices.is_empty() {
            return;
        }
        self.expired = vec![false; self.interactions.len()];
        for &i in indices {
            self.expired[i] = true;
        }
    }

    fn is_expired(&self, i: usize) -> bool {
        self.expired.get(i).copied().unwrap_or(false)
    }

    /// Counts a replay of interaction `i`.
    pub(crate) fn count_play(&self, i: usize) {
        self.times[i].fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests interaction `i` answered.
    pub(crate) fn times_played(&self, i: usize) -> usize {
        self.times[i].load(Ordering::Relaxed)
    }

    /// The interactions not played yet, by position.
    pub(crate) fn unplayed(&self) -> Vec<usize> {
        (0..self.played.len())
            .filter(|&i| !self.played[i].load(Ordering::Acquire) && !self.is_expired(i))
            .collect()
    }

    /// The interaction that answers `received` when its URL and body text decide
    /// alone, without normalizing the URL or parsing the body; `None` when they
    /// do not (then [`Recordings::choose`] decides).
    pub(crate) fn choose_fast(
        &self,
        rules: &Rules,
        redaction: &Redaction,
        received: &Received,
    ) -> Option<usize> {
        let url = received.url();
        if matches!(redaction.redact_url(url), Cow::Owned(_)) {
            return None;
        }
        // A compressed body matches on its decoded bytes: the full path.
        if received.content_encoding().is_some()
            || reel_cassette::content_coding::sniff(received.body()).is_some()
        {
            return None;
        }
        let content_type = received.content_type().unwrap_or("");
        if redaction
            .redact_body(received.body_bytes(), content_type)
            .is_some()
        {
            return None;
        }
        let target = raw_target(received.url(), rules.normalizer.ignore_host)?;
        let text = crate::normalize::normalize_newlines(received.body_bytes());
        let candidates = self
            .index
            .fast_candidates(received.method().as_str(), target, &text)?;
        self.claim(rules, received, candidates.iter().copied())
    }

    /// The first matching interaction not replayed yet, marked replayed; or, when
    /// repeats are allowed and every match has been replayed, the last match.
    pub(crate) fn choose(
        &self,
        rules: &Rules,
        received: &Received,
        normal: &NormalRequest,
    ) -> Option<usize> {
        let candidates = self.index.candidates(normal, rules.ignore_body);
        self.claim(rules, received, candidates.into_iter())
    }

    fn claim(
        &self,
        rules: &Rules,
        received: &Received,
        candidates: impl Iterator<Item = usize>,
    ) -> Option<usize> {
        let mut last_match = None;
        for i in candidates {
            if self.is_expired(i)
                || !rules.extra_rules_pass(received, &self.interactions[i].request)
            {
                continue;
            }
            // Claiming with compare-exchange gives each concurrent request its own
            // interaction without a lock.
            let claimed = self.played[i]
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
            if claimed {
                return Some(i);
            }
            last_match = Some(i);
        }
        last_match.filter(|_| rules.allow_repeats)
    }
}

/// The URL as written, without its fragment (only its path and query when hosts
/// are ignored): with the method, the key of the exact-text shortcut. Equal text
/// has an equal normal form, so the shortcut never picks what full matching
/// would not. `None` when hosts are ignored and the text is not an absolute URL.
fn raw_target(url: &str, ignore_host: bool) -> Option<&str> {
    if ignore_host {
        return crate::url::UrlParts::parse(url).map(|parts| parts.target);
    }
    // The whole text, no parse needed: only a recorded URL that is absolute has a
    // raw route, and a received text equal to it is that same URL.
    Some(memchr::memchr(b'#', url.as_bytes()).map_or(url, |at| &url[..at]))
}

/// The normal form of a recorded request, after the redaction a live request gets.
pub(crate) fn normalize_recorded(
    rules: &Rules,
    redaction: &Redaction,
    request: &reel_cassette::Request,
) -> NormalRequest {
    let url = redaction.redact_url(&request.url);
    let content_type = request.headers.get("Content-Type");
    let body = redacted_body(
        rules,
        redaction,
        &request.body,
        content_type,
        request.headers.get("Content-Encoding"),
    );
    rules
        .normalizer
        .request(&request.method, &url, content_type, &body)
}

/// A body as matching compares it: decoded from its content coding, then
/// redacted. Decoding first lets a rule reach into a compressed body, and a body
/// recorded decoded (because a rule changed it) match the compressed one sent.
fn redacted_body(
    rules: &Rules,
    redaction: &Redaction,
    body: &Bytes,
    content_type: Option<&str>,
    content_encoding: Option<&str>,
) -> Bytes {
    let decoded = rules.normalizer.decoded(body, content_encoding);
    match redaction.redact_body(&decoded, content_type.unwrap_or("")) {
        Some(redacted) => Bytes::from(redacted),
        None => decoded,
    }
}

/// The normal form of a live request, redacted as it would be recorded, so that a
/// redacted cassette still matches.
pub(crate) fn normalize_received(
    rules: &Rules,
    redaction: &Redaction,
    received: &Received,
) -> NormalRequest {
    let content_type = received.content_type();
    let url = redaction.redact_url(received.url());
    let body = redacted_body(
        rules,
        redaction,
        received.body_bytes(),
        content_type,
        received.content_encoding(),
    );
    rules
        .normalizer
        .request(received.method().as_str(), &url, content_type, &body)
}
