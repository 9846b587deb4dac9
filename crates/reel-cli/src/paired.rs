//! Two recordings of a stream (server-sent events, WebSocket messages) as a
//! person compares them: their lines aligned (a diff of the lines, so that one
//! event more or less does not shift every one after it), each changed line
//! shown once with its changed words marked (`#24: ... [-6-]{+six+} ...`),
//! added (`+#`) and removed (`-#`) lines shown, unchanged runs counted.

use std::io::Write;
use std::ops::Range;

use similar::{capture_diff_slices, Algorithm, DiffTag};

use crate::render::one_line;
use crate::stream_review::word_diff;

/// One line of a recording: what it is called (`24`, a message range
/// `5-216`), and its text as compared: a head always shown whole (`-> text`)
/// and a body whose long unchanged stretches may be shortened.
pub struct Entry {
    /// The position shown after `#`.
    pub label: String,
    /// What the line is (a message's arrow and kind), or nothing.
    pub head: String,
    /// The rest of the line.
    pub body: String,
}

impl Entry {
    /// The whole line: head and body.
    pub fn line(&self) -> String {
        match self.head.is_empty() {
            true => self.body.clone(),
            false => format!("{} {}", self.head, self.body),
        }
    }
}

/// How the comparison is written.
pub struct Layout<'a> {
    /// What starts the summary line: `events: 29 -> 29`.
    pub heading: String,
    /// What ends it: a note on folded fields, or nothing.
    pub note: &'a str,
    /// Most changed, added and removed lines shown; `None` for all.
    pub limit: Option<usize>,
    /// Whether long unchanged stretches of a changed line are shortened.
    pub shorten: bool,
}

/// One stretch of the alignment: lines the same on both sides, or a block of
/// changes (old lines against new ones).
enum Stretch {
    Same(usize),
    Changed(Range<usize>, Range<usize>),
}

/// The alignment of `old` and `new`, adjacent changes in one block.
fn stretches(old: &[Entry], new: &[Entry]) -> Vec<Stretch> {
    let (a, b): (Vec<String>, Vec<String>) = (
        old.iter().map(Entry::line).collect(),
        new.iter().map(Entry::line).collect(),
    );
    let mut out: Vec<Stretch> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
        let (tag, x, y) = op.as_tag_tuple();
        match (tag, out.last_mut()) {
            (DiffTag::Equal, _) => out.push(Stretch::Same(x.len())),
            (_, Some(Stretch::Changed(p, q))) => {
                p.end = x.end;
                q.end = y.end;
            }
            _ => out.push(Stretch::Changed(x, y)),
        }
    }
    out
}

/// How many lines are unchanged, changed (paired), added and removed.
fn counts(stretches: &[Stretch]) -> [usize; 4] {
    let mut n = [0; 4];
    for stretch in stretches {
        match stretch {
            Stretch::Same(len) => n[0] += len,
            Stretch::Changed(x, y) => {
                let paired = x.len().min(y.len());
                n[1] += paired;
                n[2] += y.len() - paired;
                n[3] += x.len() - paired;
            }
        }
    }
    n
}

/// The comparison of two recordings' lines, indented by two spaces: the
/// summary line, then each changed, added or removed line, unchanged runs
/// counted between them.
pub fn write(
    out: &mut impl Write,
    old: &[Entry],
    new: &[Entry],
    layout: &Layout<'_>,
) -> std::io::Result<()> {
    let stretches = stretches(old, new);
    let [unchanged, changed, added, removed] = counts(&stretches);
    let mut summary = format!(
        "{}, {unchanged} unchanged, {changed} changed",
        layout.heading
    );
    for (n, what) in [(added, "added"), (removed, "removed")] {
        if n > 0 {
            summary.push_str(&format!(", {n} {what}"));
        }
    }
    writeln!(out, "  {summary}{}", layout.note)?;
    let mut lines: Vec<String> = Vec::new();
    for stretch in &stretches {
        match stretch {
            Stretch::Same(len) => lines.push(format!("... {len} unchanged")),
            Stretch::Changed(x, y) => lines.extend(block(old, new, x, y, layout.shorten)),
        }
    }
    let is_change = |line: &String| !line.starts_with("... ");
    let total = lines.iter().filter(|l| is_change(l)).count();
    let limit = layout.limit.unwrap_or(usize::MAX);
    let mut shown = 0;
    for line in &lines {
        if shown == limit && is_change(line) {
            break;
        }
        shown += usize::from(is_change(line));
        writeln!(out, "    {line}")?;
    }
    if total > shown {
        let what = if changed == total {
            "changed"
        } else {
            "changes"
        };
        writeln!(out, "    ... {} more {what}", total - shown)?;
    }
    Ok(())
}

/// The lines of one block of changes: old and new lines paired in order, each
/// pair one word diff labelled with the new position; the rest added or removed.
fn block(
    old: &[Entry],
    new: &[Entry],
    x: &Range<usize>,
    y: &Range<usize>,
    shorten: bool,
) -> Vec<String> {
    let paired = x.len().min(y.len());
    let mut lines = Vec::new();
    for (a, b) in old[x.clone()].iter().zip(&new[y.clone()]) {
        let body = word_diff(&a.body, &b.body, shorten);
        let diff = match (a.head.is_empty(), b.head.is_empty()) {
            (true, true) => body,
            _ => format!("{} {body}", word_diff(&a.head, &b.head, false)),
        };
        lines.push(format!("#{}: {}", b.label, one_line(&diff)));
    }
    for b in &new[y.start + paired..y.end] {
        lines.push(format!("+#{}: {}", b.label, one_line(&b.line())));
    }
    for a in &old[x.start + paired..x.end] {
        lines.push(format!("-#{}: {}", a.label, one_line(&a.line())));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(lines: &[&str]) -> Vec<Entry> {
        lines
            .iter()
            .enumerate()
            .map(|(i, line)| Entry {
                label: i.to_string(),
                head: String::new(),
                body: (*line).to_owned(),
            })
            .collect()
    }

    fn written(old: &[&str], new: &[&str], limit: Option<usize>) -> String {
        let layout = Layout {
            heading: "events: x".to_owned(),
            note: "",
            limit,
            shorten: false,
        };
        let mut out = Vec::new();
        write(&mut out, &entries(old), &entries(new), &layout).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_inserted_line_does_not_shift_the_lines_after_it() {
        assert_eq!(
            written(&["a", "b", "c"], &["a", "x", "b", "c"], None),
            "  events: x, 3 unchanged, 0 changed, 1 added\n    ... 1 unchanged\n    +#1: x\n    ... 2 unchanged\n"
        );
    }

    #[test]
    fn changed_lines_pair_in_order_and_the_rest_are_counted_past_the_limit() {
        assert_eq!(
            written(&["a b", "c", "d"], &["a z", "y", "w", "v"], Some(2)),
            "  events: x, 0 unchanged, 3 changed, 1 added\n    #0: a [-b-]{+z+}\n    #1: [-c-]{+y+}\n    ... 2 more changes\n"
        );
    }
}
