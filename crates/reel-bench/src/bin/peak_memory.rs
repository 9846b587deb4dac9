//! `reel-bench-peak-memory JOB PATH`: does one job on the cassette at PATH and
//! prints this process's peak resident set in bytes. The load/save bench runs it
//! as a child; see `reel_bench::peak_memory`.

use std::path::PathBuf;
use std::process::ExitCode;

use reel_bench::peak_memory::Job;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(job), Some(path)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: reel-bench-peak-memory JOB PATH (jobs: baseline, read, value, load, replay)"
        );
        return ExitCode::from(2);
    };
    let job: Job = match job.parse() {
        Ok(job) => job,
        Err(message) => {
            eprintln!("reel-bench-peak-memory: {message}");
            return ExitCode::from(2);
        }
    };
    println!("{}", job.run(&PathBuf::from(path)));
    ExitCode::SUCCESS
}
