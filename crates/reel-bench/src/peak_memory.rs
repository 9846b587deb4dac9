//! Peak memory of one load, measured in a child process.
//!
//! The workspace forbids `unsafe`, so no counting allocator: a child process does
//! one job and reports its peak resident set (`VmHWM` in `/proc/self/status`), and a
//! child that does nothing gives the baseline to subtract. The child is the
//! `reel-bench-peak-memory` binary of this crate.

use std::fmt;
use std::path::Path;
use std::process::Command;
use std::str::FromStr;

/// What a child does before it reports its peak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Job {
    /// Nothing: the baseline.
    Baseline,
    /// Reads the file into a `String`: the least any loader holds.
    Read,
    /// Reads the file and parses it into a `serde_yaml::Value`.
    Value,
    /// `Cassette::load`.
    Load,
    /// `Reel::replay`: the load plus what replay prepares (index, responses).
    Replay,
}

impl Job {
    /// Every job, baseline first.
    pub const ALL: [Job; 5] = [Job::Baseline, Job::Read, Job::Value, Job::Load, Job::Replay];

    /// Runs the job on `path` in this process, keeping what it built alive until
    /// the peak is read.
    pub fn run(self, path: &Path) -> u64 {
        let text = || std::fs::read_to_string(path).expect("the cassette reads");
        match self {
            Job::Baseline => peak_rss(),
            Job::Read => {
                let kept = std::hint::black_box(text());
                let peak = peak_rss();
                drop(kept);
                peak
            }
            Job::Value => {
                let kept = std::hint::black_box(
                    serde_yaml::from_str::<serde_yaml::Value>(&text()).expect("the YAML parses"),
                );
                let peak = peak_rss();
                drop(kept);
                peak
            }
            Job::Load => {
                let kept = std::hint::black_box(
                    reel::cassette::Cassette::load(path).expect("the cassette loads"),
                );
                let peak = peak_rss();
                drop(kept);
                peak
            }
            Job::Replay => {
                let kept =
                    std::hint::black_box(reel::Reel::replay(path).expect("the cassette replays"));
                let peak = peak_rss();
                drop(kept);
                peak
            }
        }
    }

    /// Runs the job in a child process (`exe` is the `reel-bench-peak-memory`
    /// binary) and returns the child's peak resident set in bytes.
    pub fn peak_in_child(self, exe: &Path, path: &Path) -> u64 {
        let output = Command::new(exe)
            .arg(self.to_string())
            .arg(path)
            .output()
            .expect("the peak-memory child runs");
        assert!(
            output.status.success(),
            "the peak-memory child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .expect("the child prints its peak in bytes")
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Job::Baseline => "baseline",
            Job::Read => "read",
            Job::Value => "value",
            Job::Load => "load",
            Job::Replay => "replay",
        })
    }
}

impl FromStr for Job {
    type Err = String;

    fn from_str(s: &str) -> Result<Job, String> {
        Job::ALL
            .into_iter()
            .find(|job| job.to_string() == s)
            .ok_or_else(|| {
                format!("unknown job {s:?} (known: baseline, read, value, load, replay)")
            })
    }
}

/// This process's peak resident set in bytes (`VmHWM`), or 0 where
/// `/proc/self/status` does not say (not Linux).
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_round_trip_and_unknown_names_are_refused() {
        for job in Job::ALL {
            assert_eq!(job.to_string().parse::<Job>(), Ok(job));
        }
        assert!("loud"
            .parse::<Job>()
            .unwrap_err()
            .contains("known: baseline"));
    }

    #[test]
    fn this_process_has_a_peak() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss() > 0);
        }
    }
}
