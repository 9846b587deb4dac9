//! Load and save throughput on the compatibility corpus, next to serde_yaml's own
//! parse into `serde_yaml::Value` of the same bytes, measured in the same run.
//!
//! `cargo bench -p reel-cassette --bench load_save [-- CORPUS_DIR]`
//! (default `../shared/corpus` beside the repository).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reel_cassette::Cassette;

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let mut texts = Vec::new();
    collect(&dir, &mut texts);
    if texts.is_empty() {
        eprintln!("no cassettes under {}; pass a directory", dir.display());
        return;
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let cassettes: Vec<Cassette> = texts
        .iter()
        .map(|t| Cassette::from_yaml(t).unwrap())
        .collect();
    println!("{} cassettes, {:.2} MB", texts.len(), bytes as f64 / 1e6);

    // Interleave the three measurements so drift on a shared machine hits all alike.
    let (mut value, mut load, mut save) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let rounds = 20;
    for _ in 0..rounds {
        let start = Instant::now();
        for text in &texts {
            std::hint::black_box(serde_yaml::from_str::<serde_yaml::Value>(text).unwrap());
        }
        value += start.elapsed();
        let start = Instant::now();
        for text in &texts {
            std::hint::black_box(Cassette::from_yaml(text).unwrap());
        }
        load += start.elapsed();
        let start = Instant::now();
        for cassette in &cassettes {
            std::hint::black_box(cassette.to_yaml());
        }
        save += start.elapsed();
    }
    let mbps = |d: Duration| (bytes * rounds) as f64 / 1e6 / d.as_secs_f64();
    println!("serde_yaml::Value parse  {:8.1} MB/s", mbps(value));
    println!(
        "reel load                {:8.1} MB/s  ({:.2}x the Value parse)",
        mbps(load),
        mbps(load) / mbps(value)
    );
    println!("reel save (encode)       {:8.1} MB/s", mbps(save));
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
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}
