//! Atomic saving: a temporary file in the same directory, flushed to disk, then
//! renamed over the cassette. A reader sees the old file or the new one, never a
//! half-written one, even if the process is killed mid-save.

use std::io::Write as _;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` atomically, creating missing directories.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
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
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_error)?;
    temp.write_all(bytes).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(path).map_err(|err| io_error(err.error))?;
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

/// An exclusive advisory lock on a cassette path, shared by every process on this
/// machine, held until dropped.
///
/// The lock is taken on a file in the system temporary directory named after the
/// cassette's absolute path, not on the cassette itself: saving replaces the
/// cassette by renaming a new file over it, which would leave a lock on the old
/// file useless, and this way no lock files appear next to cassettes.
#[derive(Debug)]
#[must_use = "the lock is released when this guard is dropped"]
pub struct CassetteLock {
    _file: std::fs::File,
}

/// Waits for, then takes, the lock on the cassette at `path`.
pub fn lock_cassette(path: &Path) -> Result<CassetteLock> {
    use std::hash::{Hash as _, Hasher as _};

    let io_error = |source| Error::Io {
        path: path.to_owned(),
        action: "cannot lock cassette",
        source,
    };
    let absolute = std::path::absolute(path).map_err(io_error)?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    absolute.hash(&mut hasher);
    let dir = std::env::temp_dir().join("reel-locks");
    std::fs::create_dir_all(&dir).map_err(io_error)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{:016x}.lock", hasher.finish())))
        .map_err(io_error)?;
    file.lock().map_err(io_error)?;
    Ok(CassetteLock { _file: file })
}

/// Read, change, write under the lock: loads the cassette at `path` (an empty one
/// if the file does not exist), lets `change` edit it, and saves it atomically
/// unless `change` fails. Processes that update one cassette this way never lose
/// each other's interactions.
///
/// ```
/// use reel_cassette::{update_locked, Interaction, Request, Response};
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
