//! The environment variables reel reads, each parsed strictly in one place, and the
//! commands reel tells users to run.
//!
//! - `REEL_FULL_DIFF`: `1`/`true` shows mismatch diffs whole; `0`/`false` bounds
//!   them; empty means unset (the builder's `full_diff` decides).
//! - `REEL_RECORD`: the mode, overriding the one set in code (`none`, `once`,
//!   `new_episodes`, `all`, `passthrough`; empty means unset).
//! - `CI`: set to anything but `false`, `0` or empty, the default mode is `none`.
//! - `REEL_REVIEW`: `1`/`true` writes recordings to `NAME.yaml.pending` for
//!   `reel review`, leaving the cassette untouched.
//! - `REEL_RECORD_TIMING`: `1`/`true` keeps when each event of a recorded stream
//!   arrived, in `NAME.yaml.timing`.
//! - `REEL_PACE`: scales recorded waits during replay (`0.1`, `0`).
//! - `REEL_MAX_AGE`: expires interactions older than an age (`30d`,
//!   `30d:warn`); parsed with the strategies it names, in `expiry.rs`.
//! - `REEL_RUN_ID` (else `NEXTEST_RUN_ID`): the re-recording run processes share;
//!   in mode `all` its first write replaces the cassette, the others append.

use crate::{Error, Mode, Result};

/// The variable that shows mismatch diffs whole.
pub(crate) const FULL_DIFF: &str = "REEL_FULL_DIFF";

/// The variable that chooses the recording mode.
pub(crate) const RECORD: &str = "REEL_RECORD";

/// The variable continuous-integration services set.
pub(crate) const CI: &str = "CI";

/// The variable that names a recording run shared by several processes.
pub(crate) const RUN_ID: &str = "REEL_RUN_ID";

/// The run this process records in, for mode `all`: `REEL_RUN_ID` if set, else
/// cargo nextest's `NEXTEST_RUN_ID` (the same for every test process of one
/// `cargo nextest run`), else this process alone. The first write of a run
/// replaces the cassette; later writes of the same run, from any process, append.
pub(crate) fn run_id() -> String {
    static PROCESS_RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    for name in [RUN_ID, "NEXTEST_RUN_ID"] {
        if let Some(id) = std::env::var(name).ok().filter(|id| !id.is_empty()) {
            return format!("{name}={id}");
        }
    }
    PROCESS_RUN
        .get_or_init(|| {
            let started = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            format!("process {} started {started}", std::process::id())
        })
        .clone()
}

/// `REEL_RECORD`: the mode it names, `None` when unset or empty, an error naming
/// the variable and the known modes for anything else.
pub(crate) fn record_mode() -> Result<Option<Mode>> {
    parse_mode(std::env::var(RECORD).ok().as_deref())
}

fn parse_mode(value: Option<&str>) -> Result<Option<Mode>> {
    match value {
        None | Some("") => Ok(None),
        Some(value) => value.parse().map(Some).map_err(|_| Error::Env {
            name: RECORD,
            value: value.to_owned(),
            accepted: Mode::KNOWN,
        }),
    }
}

/// Whether this runs under continuous integration: `CI` is set to anything but
/// `false`, `0` or empty.
pub(crate) fn is_ci() -> bool {
    ci_value_means_ci(std::env::var(CI).ok().as_deref())
}

fn ci_value_means_ci(value: Option<&str>) -> bool {
    !matches!(value, None | Some("" | "0" | "false" | "FALSE" | "False"))
}

/// The mode in force: `REEL_RECORD` > the mode set in code > `none` under CI,
/// `once` elsewhere.
pub(crate) fn resolve_mode(in_code: Option<Mode>) -> Result<Mode> {
    Ok(record_mode()?
        .or(in_code)
        .unwrap_or(if is_ci() { Mode::None } else { Mode::Once }))
}

/// The variable that sends recordings to a pending file for `reel review`.
pub(crate) const REVIEW: &str = "REEL_REVIEW";

/// The variable that keeps when each event of a recorded stream arrived.
pub(crate) const RECORD_TIMING: &str = "REEL_RECORD_TIMING";

/// The variable that scales recorded waits during replay.
pub(crate) const PACE: &str = "REEL_PACE";

/// A boolean variable: `Some(true)` for `1`/`true`, `Some(false)` for
/// `0`/`false`, `None` when unset or empty, an error for anything else.
pub(crate) fn flag(name: &'static str) -> Result<Option<bool>> {
    parse_flag(name, std::env::var(name).ok().as_deref())
}

/// `REEL_PACE`: the factor recorded waits are scaled by (`0.1` is ten times
/// faster, `0` none); `None` when unset or empty.
pub(crate) fn pace() -> Result<Option<f64>> {
    match std::env::var(PACE).ok().as_deref() {
        None | Some("") => Ok(None),
        Some(value) => value
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(Some)
            .ok_or_else(|| Error::Env {
                name: PACE,
                value: value.to_owned(),
                accepted: "a factor of 0 or more, such as 1, 0.5 or 0",
            }),
    }
}

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

/// The command a message tells the user to run to record in a mode: the one set
/// with [`crate::ReelBuilder::record_command`], else `REEL_RECORD=<mode> cargo
/// test ...` for the current test.
#[derive(Clone, Default)]
pub(crate) struct RecordCommand {
    custom: Option<std::sync::Arc<dyn Fn(Mode) -> String + Send + Sync>>,
}

impl RecordCommand {
    /// A command of the user's, for each mode.
    pub(crate) fn custom(command: impl Fn(Mode) -> String + Send + Sync + 'static) -> Self {
        RecordCommand {
            custom: Some(std::sync::Arc::new(command)),
        }
    }

    /// The command that records in `mode`; `test` names the current test.
    pub(crate) fn render(&self, mode: Mode, test: Option<&str>) -> String {
        match &self.custom {
            Some(command) => command(mode),
            None => cargo_test_command(mode.name(), test),
        }
    }
}

impl std::fmt::Debug for RecordCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.custom {
            Some(_) => "custom",
            None => "REEL_RECORD=<mode> cargo test",
        })
    }
}

/// The command that runs `test` (or the whole suite) with `REEL_RECORD=mode`, in
/// the form the user's shell runs: a POSIX shell's elsewhere, PowerShell's on
/// Windows (cmd and PowerShell cannot run `VAR=value command`).
///
/// `cargo test` sets `CARGO_PKG_NAME` for the test process, which names the package.
fn cargo_test_command(mode: &str, test: Option<&str>) -> String {
    let package = std::env::var("CARGO_PKG_NAME")
        .ok()
        .filter(|p| !p.is_empty());
    let shell = if cfg!(windows) {
        Shell::PowerShell
    } else {
        Shell::Posix
    };
    command_in(shell, mode, package.as_deref(), test)
}

/// A shell a re-record command is written for.
#[derive(Clone, Copy, Debug)]
enum Shell {
    /// `REEL_RECORD=all cargo test ...`
    Posix,
    /// `$env:REEL_RECORD="all"; cargo test ...` (the variable stays set in the
    /// session: the command says to remove it).
    PowerShell,
}

fn command_in(shell: Shell, mode: &str, package: Option<&str>, test: Option<&str>) -> String {
    let mut command = match shell {
        Shell::Posix => format!("{RECORD}={mode} cargo test"),
        Shell::PowerShell => format!("$env:{RECORD}=\"{mode}\"; cargo test"),
    };
    if let Some(package) = package {
        command.push_str(" -p ");
        command.push_str(package);
    }
    if let Some(test) = test {
        command.push_str(" -- ");
        command.push_str(test);
        command.push_str(" --exact");
    }
    if let Shell::PowerShell = shell {
        command.push_str("; Remove-Item Env:");
        command.push_str(RECORD);
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reel_record_accepts_only_known_modes_and_empty_means_unset() {
        assert_eq!(parse_mode(None).unwrap(), None);
        assert_eq!(parse_mode(Some("")).unwrap(), None);
        assert_eq!(parse_mode(Some("all")).unwrap(), Some(Mode::All));
        assert_eq!(
            parse_mode(Some("new_episodes")).unwrap(),
            Some(Mode::NewEpisodes)
        );
        assert_eq!(
            parse_mode(Some("ALL")).unwrap_err().to_string(),
            "REEL_RECORD=\"ALL\" is not understood (accepted values: none, once, new_episodes, \
             all, passthrough; empty means unset)"
        );
    }

    #[test]
    fn the_rerecord_command_is_written_for_the_users_shell() {
        assert_eq!(
            command_in(Shell::Posix, "all", Some("my-crate"), Some("chat::turns")),
            "REEL_RECORD=all cargo test -p my-crate -- chat::turns --exact"
        );
        assert_eq!(
            command_in(
                Shell::PowerShell,
                "all",
                Some("my-crate"),
                Some("chat::turns")
            ),
            "$env:REEL_RECORD=\"all\"; cargo test -p my-crate -- chat::turns --exact; \
             Remove-Item Env:REEL_RECORD"
        );
        assert_eq!(
            command_in(Shell::PowerShell, "once", None, None),
            "$env:REEL_RECORD=\"once\"; cargo test; Remove-Item Env:REEL_RECORD"
        );
    }

    #[test]
    fn ci_false_zero_or_empty_means_not_ci() {
        for value in [None, Some(""), Some("0"), Some("false"), Some("False")] {
            assert!(!ci_value_means_ci(value), "{value:?}");
        }
        for value in [Some("true"), Some("1"), Some("yes")] {
            assert!(ci_value_means_ci(value), "{value:?}");
        }
    }

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
