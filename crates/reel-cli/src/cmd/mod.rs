//! One module per subcommand.

pub mod check;
pub mod diff;
pub mod fmt;
pub mod list;
pub mod review;
pub mod scrub;
pub mod serve;
pub mod show;

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::Outcome;

/// The cassette files a list of paths names: files as given, directories searched
/// recursively for `*.yaml` and `*.yml`, in sorted order. Paths that do not exist
/// are returned separately.
pub fn cassette_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && is_yaml(e.path()))
                .map(walkdir::DirEntry::into_path);
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            missing.push(path.clone());
        }
    }
    (files, missing)
}

/// [`cassette_files`], with each missing path reported on stderr: the files,
/// and [`Outcome::BadUsage`] if a path was missing, else [`Outcome::Clean`].
pub fn existing_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Outcome) {
    let (files, missing) = cassette_files(paths);
    for path in &missing {
        error(format_args!(
            "{}: no such file or directory",
            path.display()
        ));
    }
    let outcome = if missing.is_empty() {
        Outcome::Clean
    } else {
        Outcome::BadUsage
    };
    (files, outcome)
}

/// The pending re-records (`NAME.yaml.pending`, written by a `REEL_REVIEW=1`
/// run) a list of paths names: a pending file as given; for a cassette, its
/// pending file when there is one; directories searched recursively for
/// pending cassettes (`NAME.yaml.pending` or `NAME.yml.pending` files beside
/// their cassette or that load as one: a `README.md.pending` is not reel's),
/// in sorted order,
/// skipping hidden directories (`.git`), dependency and build directories
/// (`node_modules`, `target`, and any holding a `CACHEDIR.TAG`). Each is listed
/// once. Paths that do not exist (and pending files named but missing) are
/// returned separately.
pub fn pending_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut missing = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = walkdir::WalkDir::new(path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_type().is_dir() || !skipped_dir(e))
                .filter_map(Result::ok)
                .filter(|e| {
                    // Reel's: beside its cassette, or a cassette itself (a
                    // new cassette recorded for review).
                    let path = e.path();
                    e.file_type().is_file()
                        && is_pending(path)
                        && is_yaml(&cassette_of(path))
                        && (cassette_of(path).is_file()
                            || reel_cassette::Cassette::load(path).is_ok())
                })
                .map(walkdir::DirEntry::into_path);
            files.extend(found);
        } else if is_pending(path) {
            match path.is_file() {
                true => files.push(path.clone()),
                false => missing.push(path.clone()),
            }
        } else if path.exists() {
            let pending = reel_cassette::__private::pending_path(path);
            if pending.is_file() {
                files.push(pending);
            }
        } else if reel_cassette::__private::pending_path(path).is_file() {
            // A new cassette, recorded for review: only its pending file exists.
            files.push(reel_cassette::__private::pending_path(path));
        } else {
            missing.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    files.retain(|file| seen.insert(file.clone()));
    (files, missing)
}

/// Directories a search for pending files does not enter: hidden ones,
/// dependencies and build output.
fn skipped_dir(entry: &walkdir::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    name.starts_with('.')
        || name == "node_modules"
        || name == "target"
        || entry.path().join("CACHEDIR.TAG").exists()
}

/// Whether `path` names a pending re-record: `*.pending`.
fn is_pending(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "pending")
}

/// The cassette a pending file belongs to: `a.yaml` for `a.yaml.pending`.
pub fn cassette_of(pending: &Path) -> PathBuf {
    pending.with_extension("")
}

/// Reports an error that stops one file, not the command, on stderr.
pub fn error(message: impl Display) {
    eprintln!("reel: {message}");
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}
