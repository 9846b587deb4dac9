//! [`Mode`]: whether reel replays, records, or both.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// What reel does with a request: replay it from the cassette, or record it.
///
/// The names are the ones Ruby VCR and vcrpy use. `REEL_RECORD=<mode>` overrides
/// the mode set in code, so one flag re-records a whole suite:
/// `REEL_RECORD=all cargo test`. With neither, the mode is `none` under CI (when
/// `CI` is set to anything but `false`, `0` or empty) and `once` elsewhere.
///
/// ```
/// use reel::Mode;
///
/// assert_eq!("new_episodes".parse::<Mode>()?, Mode::NewEpisodes);
/// assert_eq!(Mode::All.to_string(), "all");
/// let err = "sometimes".parse::<Mode>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown mode `sometimes` (known modes: none, once, new_episodes, all, passthrough)"
/// );
/// # Ok::<(), reel::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// Replay only: every response comes from the cassette and no request reaches
    /// the network. A request the cassette lacks fails with a mismatch report; a
    /// missing cassette is an error.
    #[default]
    None,
    /// Record when the cassette file does not exist yet; otherwise replay only.
    /// A passing test that made no request writes a cassette with no
    /// interactions (as go-vcr does), so that the run under CI (`none`) finds it.
    Once,
    /// Replay what matches; record the requests the cassette lacks and append them.
    NewEpisodes,
    /// Re-record: start from an empty cassette and overwrite the file. Interactions
    /// the run does not make again are gone; a passing test that made no request
    /// leaves a cassette with no interactions. A failing test writes nothing.
    All,
    /// Send every request to the real server and leave the cassette untouched.
    Passthrough,
}

impl Mode {
    /// Every mode, in the order they are documented.
    pub const ALL: &'static [Mode] = &[
        Mode::None,
        Mode::Once,
        Mode::NewEpisodes,
        Mode::All,
        Mode::Passthrough,
    ];

    /// The mode's name, as `REEL_RECORD` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Once => "once",
            Mode::NewEpisodes => "new_episodes",
            Mode::All => "all",
            Mode::Passthrough => "passthrough",
        }
    }

    /// One line on what the mode does, for reports.
    pub(crate) fn summary(self) -> &'static str {
        match self {
            Mode::None => "replay only; no request reaches the network",
            Mode::Once => "replay only, since the cassette exists",
            Mode::NewEpisodes => "replays what matches, records the rest",
            Mode::All => "records every request",
            Mode::Passthrough => "sends every request to the network",
        }
    }

    /// The known names, comma-separated, for error messages.
    pub(crate) const KNOWN: &'static str = "none, once, new_episodes, all, passthrough";
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = Error;

    fn from_str(value: &str) -> Result<Mode, Error> {
        Mode::ALL
            .iter()
            .copied()
            .find(|mode| mode.name() == value)
            .ok_or_else(|| Error::UnknownMode {
                value: value.to_owned(),
                known: Mode::KNOWN,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_parses_from_its_own_name() {
        for &mode in Mode::ALL {
            assert_eq!(mode.name().parse::<Mode>().unwrap(), mode);
        }
        assert_eq!(Mode::KNOWN.split(", ").count(), Mode::ALL.len());
    }
}
