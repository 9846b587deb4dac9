//! The mode policy: what a [`Mode`] does with a cassette that exists or not, and
//! the one read of the file that decides it.

use std::path::Path;

use reel_cassette::Cassette;

use crate::env::RecordCommand;
use crate::{Error, Mode, Result};

/// What an open cassette does with requests: the mode in force applied to the
/// cassette file as it was when it was opened.
///
/// | mode | cassette exists | cassette missing |
/// |---|---|---|
/// | `none` | `Replay` | error |
/// | `once` | `Replay` | `Record` |
/// | `new_episodes` | `ReplayOrRecord` | `ReplayOrRecord` |
/// | `all` | `Record` | `Record` |
/// | `passthrough` | `Forward` | `Forward` |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Behaviour {
    /// Replay, and fail on a miss; nothing reaches the network.
    Replay,
    /// Replay what matches, record the rest.
    ReplayOrRecord,
    /// Record every request.
    Record,
    /// Send every request on, record nothing.
    Forward,
}

impl Behaviour {
    /// Whether requests may be sent to the real server.
    pub fn sends_upstream(self) -> bool {
        self != Behaviour::Replay
    }

    /// Whether the cassette may be written.
    pub fn records(self) -> bool {
        matches!(self, Behaviour::ReplayOrRecord | Behaviour::Record)
    }

    /// Whether recorded interactions answer requests.
    pub(crate) fn replays(self) -> bool {
        matches!(self, Behaviour::Replay | Behaviour::ReplayOrRecord)
    }
}

/// The behaviour of `mode` on the cassette at `path`, and the cassette to replay
/// (empty when nothing is replayed). The file is read once: whether it exists is
/// what that read finds, so no other process can change the answer in between.
pub(crate) fn open(
    path: &Path,
    mode: Mode,
    commands: &RecordCommand,
    test: Option<&str>,
) -> Result<(Behaviour, Cassette)> {
    let loaded = match mode {
        // `all` and `passthrough` start from nothing: no need to read the file.
        Mode::All => return Ok((Behaviour::Record, Cassette::new())),
        Mode::Passthrough => return Ok((Behaviour::Forward, Cassette::new())),
        _ => load_if_exists(path)?,
    };
    match (mode, loaded) {
        (Mode::None | Mode::Once, Some(cassette)) => Ok((Behaviour::Replay, cassette)),
        (Mode::Once, None) => Ok((Behaviour::Record, Cassette::new())),
        (Mode::NewEpisodes, loaded) => Ok((
            Behaviour::ReplayOrRecord,
            loaded.unwrap_or_else(Cassette::new),
        )),
        (_, None) => {
            let looked_in = match std::env::current_dir() {
                Ok(dir) if path.is_relative() => format!(" (looked in {})", dir.display()),
                _ => String::new(),
            };
            Err(Error::CassetteMissing {
                path: path.to_owned(),
                looked_in,
                command: commands.render(Mode::Once, test),
            })
        }
        (_, Some(cassette)) => Ok((Behaviour::Replay, cassette)),
    }
}

/// The cassette at `path`, or `None` when there is no file.
fn load_if_exists(path: &Path) -> Result<Option<Cassette>> {
    match Cassette::load(path) {
        Ok(cassette) => Ok(Some(cassette)),
        Err(reel_cassette::Error::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_behaves_as_the_table_says() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.yaml");
        let existing = dir.path().join("existing.yaml");
        Cassette::new().save(&existing).unwrap();
        let commands = RecordCommand::default();
        let behaviour = |path: &Path, mode| open(path, mode, &commands, None).map(|(b, _)| b);
        assert_eq!(behaviour(&existing, Mode::None).unwrap(), Behaviour::Replay);
        assert!(matches!(
            behaviour(&missing, Mode::None),
            Err(Error::CassetteMissing { .. })
        ));
        assert_eq!(behaviour(&existing, Mode::Once).unwrap(), Behaviour::Replay);
        assert_eq!(behaviour(&missing, Mode::Once).unwrap(), Behaviour::Record);
        for path in [&existing, &missing] {
            assert_eq!(
                behaviour(path, Mode::NewEpisodes).unwrap(),
                Behaviour::ReplayOrRecord
            );
            assert_eq!(behaviour(path, Mode::All).unwrap(), Behaviour::Record);
            assert_eq!(
                behaviour(path, Mode::Passthrough).unwrap(),
                Behaviour::Forward
            );
        }
    }
}
