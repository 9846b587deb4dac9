//! `reel fmt PATH... [--check] [--dialect charm|go-vcr|charm-folded|indent2]`: rewrite cassettes as
//! Go's encoder writes them, atomically, only when a byte changes.

use std::io::Write;
use std::path::Path;

use reel_cassette::__private::{first_difference, lock_cassette, write_atomically};
use reel_cassette::{Cassette, Dialect};

use crate::cli::{DialectArg, FmtArgs};
use crate::render::count;
use crate::Outcome;

pub fn run(args: &FmtArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let dialect = args.dialect.map(|d| match d {
        DialectArg::Charm => Dialect::Charm,
        DialectArg::GoVcr => Dialect::GoVcr,
        DialectArg::CharmFolded => Dialect::CharmFolded,
        DialectArg::Indent2 => Dialect::Indent2,
    });
    let (files, mut outcome) = super::existing_files(&args.paths);
    let mut changed = 0;
    for path in &files {
        match format_file(path, dialect, args.check) {
            Ok(None) => {}
            Ok(Some(line)) => {
                changed += 1;
                if args.check {
                    writeln!(
                        out,
                        "{}:{line}: would be reformatted from this line",
                        path.display()
                    )?;
                } else {
                    writeln!(out, "formatted {}", path.display())?;
                }
            }
            Err(err) => {
                super::error(crate::message(&err));
                outcome = outcome.max(Outcome::BadUsage);
            }
        }
    }
    let total = count(files.len(), "cassette", "cassettes");
    if args.check {
        write!(out, "{changed} of {total} would be reformatted")?;
        if changed > 0 {
            write!(out, " (run reel fmt without --check to rewrite them)")?;
            outcome = outcome.max(Outcome::Found);
        }
        writeln!(out)?;
    } else {
        writeln!(out, "formatted {changed} of {total}")?;
    }
    Ok(outcome)
}

/// Re-encodes one cassette, writing it unless `check`; returns the first line
/// that changes, or `None` when the file is already canonical.
fn format_file(
    path: &Path,
    dialect: Option<Dialect>,
    check: bool,
) -> anyhow::Result<Option<usize>> {
    let _lock = if check {
        None
    } else {
        Some(lock_cassette(path)?)
    };
    let mut cassette = Cassette::load(path)?;
    let original = std::fs::read(path)?;
    if let Some(dialect) = dialect {
        cassette.dialect = dialect;
    }
    let text = cassette.to_yaml();
    if text.as_bytes() == original {
        return Ok(None);
    }
    let line = first_difference(&String::from_utf8_lossy(&original), &text).map_or(1, |d| d.line);
    if !check {
        write_atomically(path, text.as_bytes())?;
    }
    Ok(Some(line))
}
