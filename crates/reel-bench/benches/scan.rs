//! The secret scan's throughput: `SecretScanner::token_shapes().scan` (every
//! provider format, shape and credential name, base64 runs and compressed
//! bodies decoded, streamed text joined) over the corpus and over a synthetic
//! cassette with the shapes real suites record (SSE streams, JSON, images,
//! AWS event-stream frames). MB is the bytes of the cassettes' YAML text; the
//! scan reads the loaded interactions. Recording scans each interaction once,
//! off the request's path; `reel check` and `reel scrub` scan whole files.
//!
//! `cargo bench -p reel-bench --bench scan`

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use reel::cassette::{Cassette, SecretScanner};
use reel_bench::{corpus_dir, corpus_texts, Contender, Rounds, Table};

struct Input {
    label: &'static str,
    bytes: usize,
    cassettes: Vec<Cassette>,
}

fn scan(input: &Input, scanner: &SecretScanner) -> usize {
    input
        .cassettes
        .iter()
        .map(|cassette| scanner.scan(cassette).len())
        .sum()
}

fn main() {
    let synthetic_len = if reel_bench::quick() {
        200_000
    } else {
        10_000_000
    };
    let synthetic = reel_bench::synthetic::cassette(synthetic_len);
    let mut inputs = Vec::new();
    let texts = corpus_texts(&corpus_dir());
    if texts.is_empty() {
        eprintln!("no corpus cassettes; set REEL_BENCH_CORPUS to the corpus directory");
    } else {
        inputs.push(Input {
            label: "corpus",
            bytes: texts.iter().map(String::len).sum(),
            cassettes: texts
                .iter()
                .map(|text| Cassette::from_yaml(text).expect("the cassette loads"))
                .collect(),
        });
    }
    inputs.push(Input {
        label: "synthetic",
        bytes: synthetic.to_yaml().len(),
        cassettes: vec![synthetic],
    });
    let scanner = SecretScanner::token_shapes();
    for input in &inputs {
        println!(
            "{}: {} cassettes, {:.2} MB, {} findings",
            input.label,
            input.cassettes.len(),
            input.bytes as f64 / 1e6,
            scan(input, &scanner)
        );
    }

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("secret scan");
    for input in &inputs {
        group.throughput(Throughput::Bytes(input.bytes as u64));
        group.bench_function(BenchmarkId::new("scan", input.label), |b| {
            b.iter(|| scan(input, &scanner));
        });
    }
    group.finish();
    criterion.final_summary();

    let mut table = Table::new(&["input", "MB", "scan MB/s"]);
    for input in &inputs {
        let rounds = Rounds::run(
            vec![Contender::new("scan", || {
                std::hint::black_box(scan(input, &scanner));
            })],
            9,
            Duration::from_millis(200),
        );
        table.row(vec![
            input.label.to_owned(),
            format!("{:.2}", input.bytes as f64 / 1e6),
            format!(
                "{:.1}",
                input.bytes as f64 / 1e6 / rounds.median("scan").as_secs_f64()
            ),
        ]);
    }
    println!("\nSecret scan: MB/s of cassette text, median of 9 rounds\n\n{table}");
}
