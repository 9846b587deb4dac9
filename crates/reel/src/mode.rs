//! [`Mode`]: whether reel replays, records, or both.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// What reel does with a request: replay it from the cassette, or record it.
///
/// The names are the ones Ruby VCR and vcrpy use. This version replays only; the
/// recording modes (`once`, `new_episodes`, `all`, chosen with `REEL_RECORD`) come
/// with the recorder.
///
/// ```
/// use reel::Mode;
///
/// assert_eq!("none".parse::<Mode>()?, Mode::None);
/// assert_eq!(Mode::None.to_string(), "none");
/// let err = "sometimes".parse::<Mode>().unwrap_err();
/// assert_eq!(err.to_string(), "unknown mode `sometimes` (known modes: none)");
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
}

impl Mode {
    /// Every mode, in the order they are documented.
    pub const ALL: &'static [Mode] = &[Mode::None];

    /// The mode's name, as `REEL_RECORD` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::None => "none",
        }
    }

    /// One line on what the mode does, for reports.
    pub(crate) fn summary(self) -> &'static str {
        match self {
            Mode::None => "replay only; no request reaches the network",
        }
    }

    /// The known names, comma-separated, for error messages.
    const KNOWN: &'static str = "none";
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
