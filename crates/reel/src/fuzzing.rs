//! Entry points for the fuzz targets in `fuzz/` and for the test that replays
//! their corpus on stable: the engine's matching and its mismatch report, without
//! a file, a runtime or a client. Not part of the API: built only with the
//! `__fuzzing` feature.

use std::path::Path;

use reel_cassette::Cassette;

use crate::recordings::{normalize_received, Recordings};
use crate::report::{report, Context, Rerecord};
use crate::{Mode, Received, ReelBuilder, Result};

/// What the engine makes of one request against a cassette.
#[derive(Debug)]
pub struct Verdict {
    /// The interaction the exact-text shortcut chose, if it decided alone.
    pub fast: Option<usize>,
    /// The interaction normalized matching chose.
    pub full: Option<usize>,
    /// The received request's normal form, as text: equal texts for equal forms.
    pub normal_form: String,
}

/// Matches `received` against `cassette` under `builder`'s rules, once by the
/// shortcut and once by normalized matching (each on fresh recordings, so
/// neither sees the other's claim). Errors as opening the cassette would.
pub fn verdict(builder: &ReelBuilder, cassette: Cassette, received: &Received) -> Result<Verdict> {
    let path = Path::new("fuzz.yaml");
    let fast = Recordings::build(cassette.clone(), path, &builder.rules, &builder.redaction)?
        .choose_fast(&builder.rules, &builder.redaction, received);
    let recordings = Recordings::build(cassette, path, &builder.rules, &builder.redaction)?;
    let normal = normalize_received(&builder.rules, &builder.redaction, received);
    let full = recordings.choose(&builder.rules, received, &normal);
    Ok(Verdict {
        fast,
        full,
        normal_form: format!("{:?} {:?}", normal.url, normal.body.structure),
    })
}

/// The mismatch report for `received` against `cassette`, as a replay in mode
/// `none` would print it.
pub fn mismatch_report(
    builder: &ReelBuilder,
    cassette: Cassette,
    received: &Received,
) -> Result<String> {
    let path = Path::new("fuzz.yaml");
    let recordings = Recordings::build(cassette, path, &builder.rules, &builder.redaction)?;
    let normal = normalize_received(&builder.rules, &builder.redaction, received);
    let played = recordings.played();
    let cx = Context {
        path,
        mode: Mode::None,
        record: Rerecord::Command("REEL_RECORD=all cargo test"),
        rules: &builder.rules,
        redaction: &builder.redaction,
        interactions: &recordings.interactions,
        normal: &recordings.normal,
        played: &played,
        full_diff: false,
    };
    Ok(report(&cx, received, &normal).text().to_owned())
}
