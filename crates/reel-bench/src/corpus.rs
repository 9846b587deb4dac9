//! The compatibility corpus: real cassettes beside the repository.

use std::path::{Path, PathBuf};

/// `../shared/corpus` beside the repository, or the directory in `REEL_BENCH_CORPUS`.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("REEL_BENCH_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

/// The text of every `.yaml`/`.yml` file under `dir`, in path order.
pub fn corpus_texts(dir: &Path) -> Vec<String> {
    let mut texts = Vec::new();
    collect(dir, &mut texts);
    texts
}

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(std::fs::read_to_string(&path).expect("a corpus cassette reads as text"));
        }
    }
}
