//! Atomic saving: a temporary file in the same directory, flushed to disk, then
//! renamed over the cassette. A reader sees the old file or the new one, never a
//! half-written one, even if the process is killed mid-save.
//!
//! The file keeps its permissions: a save over an existing file gives the new
//! one the old one's mode (`0640` stays `0640`), and a new file gets the mode any
//! program's new file gets under the umask (`0644` under umask `022`), not the
//! `0600` of a private temporary file.

use std::io::Write as _;
use std::path::Path;

use crate::lock::lock_cassette;
use crate::{Error, Result};

/// Writes `bytes` to `path` atomically, creating missing directories. The file
/// keeps the permissions of the one it replaces; a new one gets `0666` less the
/// umask.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, bytes, |file, bytes| file.write_all(bytes))
}

/// [`write_atomically`] with the write itself supplied, so tests can fail it at
/// any byte.
fn write_atomically_with(
    path: &Path,
    bytes: &[u8],
    write: impl FnOnce(&mut std::fs::File, &[u8]) -> std::io::Result<()>,
) -> Result<()> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        action: "cannot save cassette",
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("cassette");
    let replaced = std::fs::metadata(path).ok().map(|m| m.permissions());
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A plain file's mode (the umask applies at creation), not a temporary
    // file's private 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(dir).map_err(io_error)?;
    if let Some(permissions) = replaced {
        temp.as_file()
            .set_permissions(permissions)
            .map_err(io_error)?;
    }
    write(temp.as_file_mut(), bytes).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    // On Windows a rename over a file another process holds open (a reader, an
    // editor, a virus scanner) fails for as long as it is held: retry for up to
    // a second before giving up. Elsewhere the rename does not wait on readers.
    let mut attempts = 0;
    while let Err(err) = temp.persist(path) {
        let held_open = err.error.kind() == std::io::ErrorKind::PermissionDenied;
        if !(cfg!(windows) && held_open && attempts < 20) {
            return Err(io_error(err.error));
        }
        attempts += 1;
        temp = err.file;
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    remove_stale_temporaries(dir, file_name);
    // Make the rename itself durable; not every platform can open a directory.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// How old a temporary file must be before a later save removes it: a writer
/// killed mid-save leaves its temporary file behind, a live one finishes in far less.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes temporary files that earlier saves of `file_name` left behind when
/// their process died, so they do not pile up next to cassettes.
fn remove_stale_temporaries(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(&prefix) && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// [`update_locked`] for a recording run that replaces the cassette: `change`
/// also learns whether this is the run's first write to the cassette (then it
/// replaces what the file held; later writes of the same run append). A run is
/// any id that processes share (a test runner's run id), so several processes
/// re-recording one cassette together end with all of their interactions and
/// none of the old ones. The run that last replaced the cassette is noted in
/// its lock file.
pub fn update_locked_in_run(
    path: &Path,
    run: &str,
    change: impl FnOnce(&mut crate::Cassette, bool) -> Result<()>,
) -> Result<()> {
    let mut lock = lock_cassette(path)?;
    let first = lock.run() != run;
    let mut cassette = if path.exists() {
        crate::Cassette::load(path)?
    } else {
        crate::Cassette::new()
    };
    change(&mut cassette, first)?;
    write_atomically(path, cassette.to_yaml().as_bytes())?;
    if first {
        lock.set_run(run).map_err(|source| Error::Io {
            path: path.to_owned(),
            action: "cannot note the recording run in the cassette's lock file",
            source,
        })?;
    }
    Ok(())
}

/// Read, change, write under the lock: loads the cassette at `path` (an empty one
/// if the file does not exist), lets `change` edit it, and saves it atomically
/// unless `change` fails. Processes that update one cassette this way never lose
/// each other's interactions.
///
/// ```
/// use reel_cassette::__private::update_locked;
/// use reel_cassette::{Interaction, Request, Response};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("c.yaml");
/// for url in ["https://x/1", "https://x/2"] {
///     update_locked(&path, |cassette| {
///         cassette.interactions.push(Interaction::new(Request::new("GET", url), Response::new(200)));
///         Ok(())
///     })?;
/// }
/// assert_eq!(reel_cassette::Cassette::load(&path)?.interactions.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn update_locked(
    path: &Path,
    change: impl FnOnce(&mut crate::Cassette) -> Result<()>,
) -> Result<()> {
    let _lock = lock_cassette(path)?;
    let mut cassette = if path.exists() {
        crate::Cassette::load(path)?
    } else {
        crate::Cassette::new()
    };
    change(&mut cassette)?;
    write_atomically(path, cassette.to_yaml().as_bytes())
}

#[cfg(test)]
mod interrupted_tests {
    use super::*;

    /// A disk that fills up after `room` bytes: the write gets that far, then
    /// `ENOSPC`.
    fn fills_after(room: usize) -> impl FnOnce(&mut std::fs::File, &[u8]) -> std::io::Result<()> {
        move |file, bytes| {
            file.write_all(&bytes[..room.min(bytes.len())])?;
            Err(std::io::Error::from_raw_os_error(28))
        }
    }

    #[test]
    fn a_write_interrupted_at_any_byte_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        write_atomically(&path, b"old cassette\n").unwrap();
        let new: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        for room in 0..=new.len() {
            let err = write_atomically_with(&path, &new, fills_after(room)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "{}: cannot save cassette: No space left on device (os error 28)",
                    path.display()
                ),
                "at byte {room}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                b"old cassette\n",
                "at byte {room}"
            );
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["c.yaml"], "a temporary file left at byte {room}");
        }
        write_atomically(&path, &new).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            new,
            "then a save that succeeds"
        );
    }
}

#[cfg(test)]
mod run_tests {
    use super::*;
    use crate::{Interaction, Request, Response};

    fn add(path: &Path, run: &str, url: &str) {
        update_locked_in_run(path, run, |cassette, first| {
            if first {
                cassette.interactions.clear();
            }
            cassette.interactions.push(Interaction::new(
                Request::new("GET", url),
                Response::new(200),
            ));
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn the_first_write_of_a_run_replaces_and_later_ones_append() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yaml");
        let urls = |path: &Path| -> Vec<String> {
            crate::Cassette::load(path)
                .unwrap()
                .interactions
                .into_iter()
                .map(|i| i.request.url)
                .collect()
        };
        add(&path, "run-1", "https://x/old");
        add(&path, "run-2", "https://x/a");
        add(&path, "run-2", "https://x/b");
        assert_eq!(urls(&path), ["https://x/a", "https://x/b"]);
        add(&path, "run-3", "https://x/c");
        assert_eq!(urls(&path), ["https://x/c"]);
    }
}
