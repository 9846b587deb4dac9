//! One module per subcommand.

pub mod check;
pub mod diff;
pub mod fmt;
pub mod list;
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
