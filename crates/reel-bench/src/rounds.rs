//! Ratios that survive a shared machine: contenders timed in alternating rounds.
//!
//! Criterion measures one contender after another, a few seconds each; a build
//! starting on the other core between two of them skews their ratio. Here every
//! round times one batch of each contender back to back (in an order that rotates
//! from round to round), so both sides of a ratio see the same machine; a ratio is
//! the median over rounds of the per-round ratios, and a time the median over
//! rounds of the time per iteration.

use std::time::{Duration, Instant};

/// A contender: a name and a closure that runs `iters` iterations and returns the
/// time they took (like criterion's `iter_custom`).
pub struct Contender<'a> {
    name: String,
    run: Box<dyn FnMut(u64) -> Duration + 'a>,
}

impl<'a> Contender<'a> {
    /// A contender that times itself.
    pub fn timed(name: impl Into<String>, run: impl FnMut(u64) -> Duration + 'a) -> Contender<'a> {
        Contender {
            name: name.into(),
            run: Box::new(run),
        }
    }

    /// A contender whose whole iteration is timed.
    pub fn new(name: impl Into<String>, mut iteration: impl FnMut() + 'a) -> Contender<'a> {
        Contender::timed(name, move |iters| {
            let start = Instant::now();
            for _ in 0..iters {
                iteration();
            }
            start.elapsed()
        })
    }
}

/// The per-iteration times of each contender in each round.
#[derive(Debug)]
pub struct Rounds {
    names: Vec<String>,
    /// Seconds per iteration, `[contender][round]`.
    times: Vec<Vec<f64>>,
}

impl Rounds {
    /// Times `rounds` rounds of every contender, each batch sized to take about
    /// `batch` (at least one iteration), after one untimed warm-up iteration each.
    pub fn run(mut contenders: Vec<Contender<'_>>, rounds: usize, batch: Duration) -> Rounds {
        // Quick mode: that it runs, not how fast.
        let (rounds, batch) = if crate::quick() {
            (rounds.min(2), batch.min(Duration::from_millis(1)))
        } else {
            (rounds, batch)
        };
        let iters: Vec<u64> = contenders
            .iter_mut()
            .map(|c| {
                (c.run)(1);
                let once = (c.run)(1).max(Duration::from_nanos(1));
                (batch.as_secs_f64() / once.as_secs_f64()).clamp(1.0, 10_000_000.0) as u64
            })
            .collect();
        let n = contenders.len();
        let mut times = vec![Vec::with_capacity(rounds); n];
        for round in 0..rounds {
            for k in 0..n {
                let i = (round + k) % n;
                let elapsed = (contenders[i].run)(iters[i]);
                times[i].push(elapsed.as_secs_f64() / iters[i] as f64);
            }
        }
        Rounds {
            names: contenders.into_iter().map(|c| c.name).collect(),
            times,
        }
    }

    fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no contender named {name:?}"))
    }

    /// The median time per iteration of `name`.
    pub fn median(&self, name: &str) -> Duration {
        Duration::from_secs_f64(median(self.times[self.index(name)].clone()))
    }

    /// The median over rounds of `a`'s time divided by `b`'s.
    pub fn ratio(&self, a: &str, b: &str) -> f64 {
        let (a, b) = (&self.times[self.index(a)], &self.times[self.index(b)]);
        median(a.iter().zip(b).map(|(a, b)| a / b).collect())
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.is_empty() {
        f64::NAN
    } else if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_medians_of_per_round_ratios() {
        let rounds = Rounds {
            names: vec!["a".into(), "b".into()],
            times: vec![vec![2.0, 4.0, 100.0], vec![1.0, 2.0, 10.0]],
        };
        assert_eq!(rounds.ratio("a", "b"), 2.0);
        assert_eq!(rounds.median("b"), Duration::from_secs(2));
    }

    #[test]
    fn every_contender_runs_in_every_round() {
        let (mut a, mut b) = (0, 0);
        let rounds = Rounds::run(
            vec![
                Contender::new("a", || a += 1),
                Contender::new("b", || b += 1),
            ],
            3,
            Duration::ZERO,
        );
        assert_eq!(rounds.times[0].len(), 3);
        assert_eq!(rounds.times[1].len(), 3);
        drop(rounds);
        assert_eq!((a, b), (5, 5), "two calibration runs, then one per round");
    }
}
