//! Writes the load/save bench's synthetic cassette, to profile a load by hand:
//! `cargo run -p reel-bench --release --example synthetic -- OUT.yaml [MB]`
//! (default 50 MB).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: synthetic OUT.yaml [MB]");
        return ExitCode::from(2);
    };
    let megabytes: usize = match args.next().map(|mb| mb.parse()) {
        None => 50,
        Some(Ok(mb)) => mb,
        Some(Err(_)) => {
            eprintln!("synthetic: the size is a whole number of megabytes");
            return ExitCode::from(2);
        }
    };
    let cassette = reel_bench::synthetic::cassette(megabytes * 1_000_000);
    if let Err(err) = cassette.save(&out) {
        eprintln!("synthetic: {err}");
        return ExitCode::FAILURE;
    }
    println!("{out}: {} interactions", cassette.interactions.len());
    ExitCode::SUCCESS
}
