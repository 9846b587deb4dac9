//! One module per subcommand.

pub mod check;

use std::path::{Path, PathBuf};

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

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}
