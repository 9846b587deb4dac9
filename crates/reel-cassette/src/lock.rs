//! The cassette lock: one advisory lock per cassette, shared by every process
//! on the machine, and the recording run noted in it.

use std::path::Path;
use std::time::Duration;

use crate::{Error, Result};

/// An exclusive advisory lock on a cassette path, shared by every process on this
/// machine, held until dropped.
///
/// The lock is taken on a file in the system temporary directory named after the
/// cassette's canonical path (symbolic links resolved, so a cassette reached by
/// a link and by its real path has one lock) with a stable hash (SHA-256, the
/// same whichever Rust built the process: a test binary and the `reel` tool
/// agree), not on the cassette itself: saving replaces the cassette by renaming
/// a new file over it, which would leave a lock on the old file useless, and
/// this way no lock files appear next to cassettes.
#[derive(Debug)]
#[must_use = "the lock is released when this guard is dropped"]
pub struct CassetteLock {
    file: std::fs::File,
}

/// Waits for, then takes, the lock on the cassette at `path`.
pub fn lock_cassette(path: &Path) -> Result<CassetteLock> {
    use sha2::Digest as _;

    let io_error = |source| Error::Io {
        path: path.to_owned(),
        action: "cannot lock cassette",
        source,
    };
    let canonical = canonical(path).map_err(io_error)?;
    let digest = sha2::Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join("reel-locks");
    std::fs::create_dir_all(&dir).map_err(io_error)?;
    share(&dir);
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| remove_unused_locks(&dir, UNUSED_AFTER));
    let lock_path = dir.join(format!("{name}.lock"));
    loop {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .map_err(io_error)?;
        file.lock().map_err(io_error)?;
        // Another process may have removed the file (unused, see
        // `remove_unused_locks`) between our open and our lock: a lock on a
        // removed file excludes nobody, so take the one now at the path.
        if is_at(&file, &lock_path) {
            return Ok(CassetteLock { file });
        }
    }
}

/// How long a lock file stays after its cassette was last replaced by a
/// recording run (the lock file's last write): a day, longer than any test run,
/// so a run's id is never forgotten while the run goes on.
const UNUSED_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Removes the lock files in `dir` last written more than `after` ago and held
/// by nobody, so the folder does not grow by a file per cassette forever. Done
/// once per process, at its first lock. A file is removed only while this
/// process holds its lock, and `lock_cassette` checks after locking that its
/// file is still the one at the path, so no two processes ever hold locks on
/// two files for one cassette. Not on Windows, where an open file cannot be
/// removed the same way: the files stay there.
fn remove_unused_locks(dir: &Path, after: Duration) {
    if cfg!(not(unix)) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "lock") {
            continue;
        }
        let unused = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > after);
        if !unused {
            continue;
        }
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() && is_at(&file, &path) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Whether the open `file` is the one at `path` (not removed, not replaced).
fn is_at(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // Nothing removes lock files there.
        let _ = (file, path);
        true
    }
}

/// The path with every symbolic link resolved: the file's own when it exists,
/// else its directory's (the nearest that exists) joined with the rest, so a
/// cassette not written yet names the same lock as once it is.
fn canonical(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut resolved) => {
                resolved.extend(rest.iter().rev());
                return Ok(resolved);
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return Ok(absolute),
            },
        }
    }
}

/// Opens the lock directory to every user of the machine, as the temporary
/// directory is (sticky, so each removes only their own files): another user's
/// test run takes its locks there too. Only its owner can change it; for
/// anyone else it already is what it is.
fn share(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let shared = 0o1777;
        if let Ok(metadata) = std::fs::metadata(dir) {
            if metadata.permissions().mode() & shared != shared {
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(shared));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl CassetteLock {
    /// The run that last replaced the cassette, as [`update_locked_in_run`]
    /// noted it in the lock file.
    pub(crate) fn run(&mut self) -> String {
        use std::io::{Read as _, Seek as _};
        let mut run = String::new();
        let _ = self.file.rewind();
        let _ = self.file.read_to_string(&mut run);
        run
    }

    /// Notes `run` as the run that replaced the cassette.
    pub(crate) fn set_run(&mut self, run: &str) -> std::io::Result<()> {
        use std::io::{Seek as _, Write as _};
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(run.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_cassette_reached_by_a_link_and_by_its_real_path_has_one_lock() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        // Not written yet, and written: the same lock either way.
        for exists in [false, true] {
            let by_link = dir.path().join("link/./c.yaml");
            if exists {
                std::fs::write(real.join("c.yaml"), "").unwrap();
            }
            let held = lock_cassette(&real.join("c.yaml")).unwrap();
            let (taken, waiting) = std::sync::mpsc::channel();
            let other = std::thread::spawn(move || {
                let lock = lock_cassette(&by_link).unwrap();
                taken.send(()).unwrap();
                drop(lock);
            });
            // A second lock of its own would be taken at once.
            assert!(
                waiting
                    .recv_timeout(std::time::Duration::from_millis(300))
                    .is_err(),
                "the link's lock was taken while the real path's was held (exists: {exists})"
            );
            drop(held);
            waiting
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("taken once released");
            other.join().unwrap();
        }
    }

    #[cfg(unix)]
    #[test]
    fn lock_files_unused_for_a_day_are_removed_unless_held() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        let long_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 60 * 60);
        for name in ["old.lock", "held.lock", "new.lock", "old.txt"] {
            let file = std::fs::File::create(at(name)).unwrap();
            if name != "new.lock" {
                file.set_modified(long_ago).unwrap();
            }
        }
        let held = std::fs::File::open(at("held.lock")).unwrap();
        held.lock().unwrap();
        remove_unused_locks(dir.path(), UNUSED_AFTER);
        assert!(
            !at("old.lock").exists(),
            "unused for two days, held by nobody"
        );
        assert!(at("held.lock").exists(), "held: someone is using it");
        assert!(
            at("new.lock").exists(),
            "written just now: a run may still need its id"
        );
        assert!(at("old.txt").exists(), "not a lock file");
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_is_on_the_file_at_the_path_even_if_an_old_one_was_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.lock");
        let old = std::fs::File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!is_at(&old, &path), "removed");
        std::fs::File::create(&path).unwrap();
        assert!(!is_at(&old, &path), "another file now has its name");
        assert!(is_at(&std::fs::File::open(&path).unwrap(), &path));
    }
}
