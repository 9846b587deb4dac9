//! Files beside a cassette that go-vcr's format has no place for, so the
//! cassette itself stays exactly what Go writes and reads:
//!
//! - `NAME.yaml.timing`: when each event of each recorded stream reached the
//!   recorder ([`Timing`]);
//! - `NAME.yaml.pending`: what a review-mode run recorded, waiting for `reel
//!   review` ([`pending_path`]), with its own `NAME.yaml.pending.timing`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The timing file of the cassette at `path`: `NAME.yaml.timing`.
pub fn timing_path(path: &Path) -> PathBuf {
    with_suffix(path, ".timing")
}

/// The pending file of the cassette at `path`: `NAME.yaml.pending`.
pub fn pending_path(path: &Path) -> PathBuf {
    with_suffix(path, ".pending")
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Per-event timing of a cassette's streamed responses, by interaction position.
///
/// The file is JSON:
///
/// ```json
/// {"reel_timing": 1, "interactions": [
///   {"method": "POST", "url": "https://api.openai.com/v1/chat/completions",
///    "body_sha256": "1f2e3d4c", "events_ms": [0.0, 50.2, 250.9]},
///   null
/// ]}
/// ```
///
/// `events_ms[i]` is when event `i` of the response body (a server-sent event,
/// an event-stream frame, or a WebSocket session's message, either way) reached
/// the recorder, in milliseconds after the
/// response headers. An entry applies only while its interaction still has that
/// method, URL and response body (`body_sha256`: the first 8 hex digits of the
/// body's SHA-256), so a hand-edited or re-ordered cassette falls back to
/// untimed replay instead of a wrong rhythm. `null`: no timing (not a stream).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The format version: 1.
    pub reel_timing: u32,
    /// One entry per interaction of the cassette, in order.
    pub interactions: Vec<Option<EventTimes>>,
}

/// When each event of one response arrived.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventTimes {
    /// The request method, to check the entry still belongs to its interaction.
    pub method: String,
    /// The request URL, likewise.
    pub url: String,
    /// The first 8 hex digits of the response body's SHA-256, likewise.
    pub body_sha256: String,
    /// Milliseconds from the response headers to each event.
    pub events_ms: Vec<f64>,
}

impl EventTimes {
    /// Whether this entry describes `interaction`.
    pub fn fits(&self, interaction: &crate::Interaction) -> bool {
        entry_fits(&self.method, &self.url, &self.body_sha256, interaction)
    }
}

/// Whether a sidecar entry keyed by method, URL and response body digest still
/// describes `interaction` (not hand-edited or re-ordered since).
pub(crate) fn entry_fits(
    method: &str,
    url: &str,
    body_sha256: &str,
    interaction: &crate::Interaction,
) -> bool {
    method == interaction.request.method
        && url == interaction.request.url
        && body_sha256 == crate::digest::short_sha256(&interaction.response.body)
}

/// A JSON sidecar `file` (a `kind` file: "timing", "provenance"), `None` when
/// there is none. Errors on one that exists but cannot be read or parsed,
/// naming it, where, and `hint`.
pub(crate) fn load_json<T: serde::de::DeserializeOwned>(
    file: PathBuf,
    kind: &'static str,
    hint: &'static str,
) -> Result<Option<T>> {
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: file,
                action: "cannot read the sidecar file",
                source,
            })
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|err| Error::Invalid {
            path: Some(file),
            location: Some(crate::Location {
                line: err.line(),
                column: err.column(),
            }),
            message: format!("not a reel {kind} file: {err}"),
            hint,
        })
}

impl Timing {
    /// The timing file beside the cassette at `path`, if there is one. Errors on
    /// a file that exists but does not parse (naming it and the fix).
    pub fn load_for(path: &Path) -> Result<Option<Timing>> {
        load_json(
            timing_path(path),
            "timing",
            "delete it to replay without recorded timing, or re-record the cassette",
        )
    }

    /// Writes the timing file beside the cassette at `path`, atomically.
    pub fn save_for(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self).unwrap_or_default();
        crate::save::write_atomically(&timing_path(path), text.as_bytes())
    }

    /// The event times of interaction `index`, when they still fit it.
    pub fn for_interaction(
        &self,
        index: usize,
        interaction: &crate::Interaction,
    ) -> Option<&EventTimes> {
        self.interactions
            .get(index)?
            .as_ref()
            .filter(|times| times.fits(interaction))
    }
}

/// `update_locked_in_run` for a review-mode run: the result goes to the
/// pending file, and the cassette is left untouched. Each write starts from the
/// pending file when there is one (an earlier run's, not reviewed yet, too),
/// else from the cassette (an empty one if there is none). `change` learns
/// whether this is the run's first write (a re-recording run then clears what
/// it starts from).
pub fn update_pending_in_run(
    path: &Path,
    run: &str,
    change: impl FnOnce(&mut crate::Cassette, bool) -> Result<()>,
) -> Result<()> {
    let mut lock = crate::lock::lock_cassette(path)?;
    let review_run = format!("review {run}");
    let first = lock.run() != review_run;
    let pending = pending_path(path);
    // A pending file not reviewed yet is what the cassette would become: this
    // run goes on from it (an earlier run's recordings are kept, or replaced
    // by a re-recording run's first write, as they would be in the cassette).
    let source = if pending.exists() {
        pending.clone()
    } else {
        path.to_path_buf()
    };
    let mut cassette = if source.exists() {
        crate::Cassette::load(&source)?
    } else {
        crate::Cassette::new()
    };
    change(&mut cassette, first)?;
    crate::save::write_atomically(&pending, cassette.to_yaml().as_bytes())?;
    if first {
        lock.set_run(&review_run).map_err(|source| Error::Io {
            path: path.to_owned(),
            action: "cannot note the recording run in the cassette's lock file",
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Interaction, Request, Response};

    #[test]
    fn timing_round_trips_beside_its_cassette_and_applies_only_to_its_interaction() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        assert_eq!(timing_path(&path), dir.path().join("c.yaml.timing"));
        assert_eq!(pending_path(&path), dir.path().join("c.yaml.pending"));
        assert_eq!(Timing::load_for(&path).unwrap(), None);
        let interaction = Interaction::new(
            Request::new("POST", "https://x/v1"),
            Response::new(200).with_body("data: 1\n\ndata: 2\n\n"),
        );
        let timing = Timing {
            reel_timing: 1,
            interactions: vec![
                Some(EventTimes {
                    method: "POST".into(),
                    url: "https://x/v1".into(),
                    body_sha256: crate::digest::short_sha256(&interaction.response.body),
                    events_ms: vec![0.5, 50.0],
                }),
                None,
            ],
        };
        timing.save_for(&path).unwrap();
        let loaded = Timing::load_for(&path).unwrap().unwrap();
        assert_eq!(loaded, timing);
        assert!(loaded.for_interaction(0, &interaction).is_some());
        let edited = Interaction::new(
            Request::new("POST", "https://x/v1"),
            Response::new(200).with_body("data: 1\n\n"),
        );
        assert!(loaded.for_interaction(0, &edited).is_none());
        assert!(loaded.for_interaction(1, &interaction).is_none());
        std::fs::write(timing_path(&path), "{not json").unwrap();
        let err = Timing::load_for(&path).unwrap_err().to_string();
        assert!(
            err.contains("c.yaml.timing:1:2: not a reel timing file"),
            "{err}"
        );
    }
}
