//! Cassettes that age: `max_age` and what to do with interactions recorded
//! longer ago than it ([`Expiry`]), decided once when the cassette opens.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use reel_cassette::provenance::parse_age;

use crate::{Error, Result};

/// What happens to interactions older than [`crate::ReelBuilder::max_age`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// A warning on stderr and a `tracing` warning when the cassette opens;
    /// the test goes on.
    Warn,
    /// Opening the cassette fails with the oldest date, where it came from,
    /// and the command that re-records.
    Fail,
    /// In a mode that records (`new_episodes`, `all`), an expired interaction
    /// is recorded again as if it were missing: the new recording is saved and
    /// the expired one leaves the file (an expired interaction no request
    /// asks for again stays). In a mode that only replays, as [`Expiry::Fail`].
    Rerecord,
}

impl Expiry {
    fn name(self) -> &'static str {
        match self {
            Expiry::Warn => "warn",
            Expiry::Fail => "fail",
            Expiry::Rerecord => "rerecord",
        }
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Expiry {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Expiry, String> {
        match text {
            "warn" => Ok(Expiry::Warn),
            "fail" => Ok(Expiry::Fail),
            "rerecord" => Ok(Expiry::Rerecord),
            _ => Err(format!(
                "unknown expiry `{text}` (known: warn, fail, rerecord)"
            )),
        }
    }
}

/// `REEL_MAX_AGE`: an age (`30d`) and, after a colon, a strategy (`30d:warn`);
/// without one, `rerecord` (a scheduled job that re-records what has aged).
pub(crate) const MAX_AGE: &str = "REEL_MAX_AGE";

/// The `REEL_MAX_AGE` in force, if set.
pub(crate) fn from_env() -> Result<Option<(Duration, Expiry)>> {
    match std::env::var(MAX_AGE) {
        Ok(value) if !value.is_empty() => parse(&value).map(Some),
        _ => Ok(None),
    }
}

/// A `REEL_MAX_AGE` value: `30d`, `30d:warn`.
fn parse(value: &str) -> Result<(Duration, Expiry)> {
    let env_error = || Error::Env {
        name: MAX_AGE,
        value: value.to_owned(),
        accepted: "an age such as 30d, 12h or 2w, optionally with :warn, :fail or :rerecord",
    };
    let (age, strategy) = match value.split_once(':') {
        Some((age, strategy)) => (age, strategy.parse().map_err(|_| env_error())?),
        None => (value, Expiry::Rerecord),
    };
    let age = parse_age(age).map_err(|_| env_error())?;
    Ok((age, strategy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reel_max_age_takes_an_age_and_a_strategy() {
        let day = Duration::from_secs(86_400);
        assert_eq!(parse("30d").unwrap(), (30 * day, Expiry::Rerecord));
        assert_eq!(parse("2w:warn").unwrap(), (14 * day, Expiry::Warn));
        assert_eq!(parse("1d:fail").unwrap(), (day, Expiry::Fail));
        for bad in ["30", "30y", "soon", "30d:later", ":warn"] {
            let err = parse(bad).unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "REEL_MAX_AGE={bad:?} is not understood (accepted values: an age such as \
                     30d, 12h or 2w, optionally with :warn, :fail or :rerecord; empty means unset)"
                )
            );
        }
    }
}
