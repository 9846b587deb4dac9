//! Printing results: durations with their unit, and Markdown tables.

use std::fmt;
use std::time::Duration;

/// A duration in the unit that keeps 3 significant digits readable.
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_secs_f64() * 1e9;
    if nanos < 1e3 {
        format!("{nanos:.0} ns")
    } else if nanos < 1e6 {
        format!("{:.2} µs", nanos / 1e3)
    } else if nanos < 1e9 {
        format!("{:.2} ms", nanos / 1e6)
    } else {
        format!("{:.2} s", nanos / 1e9)
    }
}

/// A Markdown table, printed with aligned columns.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells print empty.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns = self.header.len();
        let cell = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|row| cell(row, i).chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |f: &mut fmt::Formatter<'_>, row: &[String]| {
            f.write_str("|")?;
            for (i, width) in widths.iter().enumerate() {
                let text = cell(row, i);
                let pad = width - text.chars().count();
                write!(f, " {text}{} |", " ".repeat(pad))?;
            }
            f.write_str("\n")
        };
        line(f, &self.header)?;
        f.write_str("|")?;
        for width in &widths {
            write!(f, "{}|", "-".repeat(width + 2))?;
        }
        f.write_str("\n")?;
        for row in &self.rows {
            line(f, row)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_print_as_aligned_markdown() {
        let mut table = Table::new(&["size", "ratio"]);
        table.row(vec!["1,000".into(), "1.05".into()]);
        table.row(vec!["1".into()]);
        assert_eq!(
            table.to_string(),
            "| size  | ratio |\n|-------|-------|\n| 1,000 | 1.05  |\n| 1     |       |\n"
        );
    }

    #[test]
    fn durations_print_with_their_unit() {
        assert_eq!(format_duration(Duration::from_nanos(812)), "812 ns");
        assert_eq!(format_duration(Duration::from_nanos(3_410)), "3.41 µs");
        assert_eq!(format_duration(Duration::from_micros(12_300)), "12.30 ms");
    }
}
