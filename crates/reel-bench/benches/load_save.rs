//! Item 3: load and save throughput for the whole corpus and for one synthetic
//! 50 MB cassette, next to `serde_yaml::from_str::<serde_yaml::Value>` on the same
//! bytes, and the peak memory of loading the 50 MB cassette.
//!
//! - `Value parse`: `serde_yaml::from_str::<serde_yaml::Value>` of the text;
//! - `reel load`: `Cassette::from_yaml` of the same text (target ≥ 0.8x the parse);
//! - `reel save`: `Cassette::to_yaml` of the loaded cassette (the encoding part of
//!   `Cassette::save`, which then writes a temp file, fsyncs and renames).
//!
//! Peak memory runs each job in a child process (`reel-bench-peak-memory`) and
//! subtracts a child that does nothing; target: loading the 50 MB cassette peaks
//! at ≤ 3x the file size.
//!
//! `cargo bench -p reel-bench --bench load_save` (the corpus is `../shared/corpus`
//! beside the repository, or `REEL_BENCH_CORPUS`).

use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use reel::cassette::Cassette;
use reel_bench::peak_memory::Job;
use reel_bench::{corpus_dir, corpus_texts, Contender, Rounds, Table};

/// A job timed on an input.
type Timed = fn(&Input);

/// The three jobs, timed on the same input.
const JOBS: [(&str, Timed); 3] = [
    ("Value parse", |input| {
        for text in &input.texts {
            std::hint::black_box(
                serde_yaml::from_str::<serde_yaml::Value>(text).expect("it parses"),
            );
        }
    }),
    ("reel load", |input| {
        for text in &input.texts {
            std::hint::black_box(Cassette::from_yaml(text).expect("it loads"));
        }
    }),
    ("reel save", |input| {
        for cassette in &input.cassettes {
            std::hint::black_box(cassette.to_yaml());
        }
    }),
];
const SYNTHETIC_LEN: usize = 50_000_000;

/// One input: a label and the texts of its cassettes.
struct Input {
    label: &'static str,
    texts: Vec<String>,
    cassettes: Vec<Cassette>,
}

impl Input {
    fn new(label: &'static str, texts: Vec<String>) -> Input {
        let cassettes = texts
            .iter()
            .map(|text| Cassette::from_yaml(text).expect("the cassette loads"))
            .collect();
        Input {
            label,
            texts,
            cassettes,
        }
    }

    fn bytes(&self) -> usize {
        self.texts.iter().map(String::len).sum()
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let synthetic_path = dir.path().join("synthetic-50mb.yaml");
    reel_bench::synthetic::cassette(SYNTHETIC_LEN)
        .save(&synthetic_path)
        .expect("the synthetic cassette saves");
    let synthetic_text =
        std::fs::read_to_string(&synthetic_path).expect("the synthetic cassette reads");

    let corpus = corpus_dir();
    let mut inputs = Vec::new();
    let texts = corpus_texts(&corpus);
    if texts.is_empty() {
        eprintln!(
            "no cassettes under {}; set REEL_BENCH_CORPUS to the corpus directory",
            corpus.display()
        );
    } else {
        inputs.push(Input::new("corpus", texts));
    }
    inputs.push(Input::new("synthetic 50 MB", vec![synthetic_text]));
    for input in &inputs {
        println!(
            "{}: {} cassettes, {:.2} MB",
            input.label,
            input.texts.len(),
            input.bytes() as f64 / 1e6
        );
    }

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let mut group = criterion.benchmark_group("load and save");
    for input in &inputs {
        group.throughput(Throughput::Bytes(input.bytes() as u64));
        // One iteration of the 50 MB input takes about half a second: ten samples
        // of one iteration each.
        if input.bytes() > 10_000_000 {
            group.sampling_mode(SamplingMode::Flat);
            group.measurement_time(Duration::from_secs(7));
        }
        for (name, job) in JOBS {
            group.bench_function(BenchmarkId::new(name, input.label), |b| {
                b.iter(|| job(input));
            });
        }
    }
    group.finish();
    criterion.final_summary();

    let mut table = Table::new(&[
        "input",
        "MB",
        "Value parse MB/s",
        "reel load MB/s",
        "reel save MB/s",
        "load / parse (≥ 0.8)",
        "save / parse",
    ]);
    for input in &inputs {
        let contenders = JOBS
            .iter()
            .map(|(name, job)| Contender::new(*name, || job(input)))
            .collect();
        // 15 rounds of 100 ms for the corpus; for 50 MB, 7 rounds of one iteration.
        let rounds = match input.bytes() > 10_000_000 {
            true => Rounds::run(contenders, 7, Duration::ZERO),
            false => Rounds::run(contenders, 15, Duration::from_millis(100)),
        };
        let mbps = |name| input.bytes() as f64 / 1e6 / rounds.median(name).as_secs_f64();
        table.row(vec![
            input.label.to_owned(),
            format!("{:.2}", input.bytes() as f64 / 1e6),
            format!("{:.1}", mbps(JOBS[0].0)),
            format!("{:.1}", mbps(JOBS[1].0)),
            format!("{:.1}", mbps(JOBS[2].0)),
            // Throughput ratios are inverse time ratios.
            format!("{:.2}", rounds.ratio(JOBS[0].0, JOBS[1].0)),
            format!("{:.2}", rounds.ratio(JOBS[0].0, JOBS[2].0)),
        ]);
    }
    println!(
        "\nLoad and save: MB/s from median times over alternating rounds, ratios the \
         median of per-round ratios\n\n{table}"
    );
    print_peak_memory(&synthetic_path);
}

fn print_peak_memory(path: &Path) {
    let exe = Path::new(env!("CARGO_BIN_EXE_reel-bench-peak-memory"));
    let file_len = std::fs::metadata(path).expect("the file exists").len();
    let baseline = Job::Baseline.peak_in_child(exe, path);
    let mut table = Table::new(&[
        "job (50 MB cassette)",
        "peak RSS",
        "above baseline",
        "above baseline / file size",
    ]);
    for job in Job::ALL {
        let peak = job.peak_in_child(exe, path);
        let above = peak.saturating_sub(baseline);
        table.row(vec![
            match job {
                Job::Baseline => "baseline (nothing)".to_owned(),
                Job::Read => "read the file into a String".to_owned(),
                Job::Value => "serde_yaml::Value parse".to_owned(),
                Job::Load => "Cassette::load (target ≤ 3x)".to_owned(),
                Job::Replay => "Reel::replay".to_owned(),
                _ => job.to_string(),
            },
            format!("{:.1} MB", peak as f64 / 1e6),
            format!("{:.1} MB", above as f64 / 1e6),
            format!("{:.2}", above as f64 / file_len as f64),
        ]);
    }
    println!(
        "\nPeak memory (VmHWM of a child process), file {:.2} MB:\n\n{table}",
        file_len as f64 / 1e6
    );
}
