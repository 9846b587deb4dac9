//! The environment variables reel reads, each parsed strictly in one place, and the
//! commands reel tells users to run.
//!
//! - `REEL_FULL_DIFF`: `1`/`true` shows mismatch diffs whole; `0`/`false` or empty
//!   bounds them.
//! - `REEL_RECORD`: the recording mode; it arrives with the recorder. Reports already
//!   name it in the command that re-records a cassette.

use crate::{Error, Result};

/// The variable that shows mismatch diffs whole.
pub(crate) const FULL_DIFF: &str = "REEL_FULL_DIFF";

/// The variable that chooses the recording mode.
pub(crate) const RECORD: &str = "REEL_RECORD";

/// `REEL_FULL_DIFF`: `Some(true)` for `1`/`true`, `Some(false)` for `0`/`false`,
/// `None` when unset or empty, an error for anything else.
pub(crate) fn full_diff() -> Result<Option<bool>> {
    parse_flag(FULL_DIFF, std::env::var(FULL_DIFF).ok().as_deref())
}

fn parse_flag(name: &'static str, value: Option<&str>) -> Result<Option<bool>> {
    match value {
        None | Some("") => Ok(None),
        Some("1" | "true") => Ok(Some(true)),
        Some("0" | "false") => Ok(Some(false)),
        Some(other) => Err(Error::Env {
            name,
            value: other.to_owned(),
            accepted: "1, true, 0, false",
        }),
    }
}

/// The command that runs `test` (or the whole suite) with `REEL_RECORD=mode`.
///
/// `cargo test` sets `CARGO_PKG_NAME` for the test process, which names the package.
pub(crate) fn record_command(mode: &str, test: Option<&str>) -> String {
    let package = std::env::var("CARGO_PKG_NAME")
        .ok()
        .filter(|p| !p.is_empty());
    let mut command = format!("{RECORD}={mode} cargo test");
    if let Some(package) = package {
        command.push_str(" -p ");
        command.push_str(&package);
    }
    if let Some(test) = test {
        command.push_str(" -- ");
        command.push_str(test);
        command.push_str(" --exact");
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_accept_only_the_spelled_out_values() {
        assert_eq!(parse_flag("X", None).unwrap(), None);
        assert_eq!(parse_flag("X", Some("")).unwrap(), None);
        assert_eq!(parse_flag("X", Some("1")).unwrap(), Some(true));
        assert_eq!(parse_flag("X", Some("false")).unwrap(), Some(false));
        assert_eq!(
            parse_flag("X", Some("yes")).unwrap_err().to_string(),
            "X=\"yes\" is not understood (accepted values: 1, true, 0, false; empty means unset)"
        );
    }
}
