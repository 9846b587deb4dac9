//! Checking a cassette file: it parses, its interactions make sense, and saving it
//! again would not change a byte.

use std::path::Path;

use crate::{Cassette, Result};

/// What [`verify_file`] found.
#[derive(Debug)]
#[non_exhaustive]
pub struct Verified {
    /// The loaded cassette.
    pub cassette: Cassette,
    /// The file's size in bytes.
    pub size: usize,
    /// Where re-encoding the cassette first differs from the file, if anywhere.
    pub difference: Option<LineDifference>,
    /// Interactions whose content does not make sense.
    pub problems: Vec<Problem>,
}

/// The first line where two texts differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineDifference {
    /// The line number, from 1.
    pub line: usize,
    /// That line in the file (`None` past its end).
    pub original: Option<String>,
    /// That line as reel would write it (`None` past its end).
    pub reencoded: Option<String>,
}

/// A problem with one interaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The interaction's index (its `id`).
    pub interaction: usize,
    /// What is wrong.
    pub message: String,
}

/// Loads the cassette at `path`, validates it, and re-encodes it in memory to see
/// whether saving it would change the file. Only reads.
///
/// ```no_run
/// let verified = reel_cassette::__private::verify_file("cassettes/openai/multi_tool_streaming.yaml".as_ref())?;
/// assert!(verified.difference.is_none() && verified.problems.is_empty());
/// # Ok::<(), reel_cassette::Error>(())
/// ```
pub fn verify_file(path: &Path) -> Result<Verified> {
    let text = crate::read::read_text(path)?;
    let cassette = crate::read::from_yaml(&text, Some(path))?;
    let difference = first_difference(&text, &cassette.to_yaml());
    let problems = validate(&cassette);
    Ok(Verified {
        size: text.len(),
        cassette,
        difference,
        problems,
    })
}

/// The first line where `original` and `reencoded` differ, if they differ.
pub fn first_difference(original: &str, reencoded: &str) -> Option<LineDifference> {
    if original == reencoded {
        return None;
    }
    let mut a = original.split_inclusive('\n');
    let mut b = reencoded.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                let trim = |s: &str| s.strip_suffix('\n').unwrap_or(s).to_owned();
                return Some(LineDifference {
                    line,
                    original: x.map(trim),
                    reencoded: y.map(trim),
                });
            }
        }
    }
}

fn validate(cassette: &Cassette) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (i, interaction) in cassette.interactions.iter().enumerate() {
        let mut problem = |message: String| {
            problems.push(Problem {
                interaction: i,
                message,
            })
        };
        let (request, response) = (&interaction.request, &interaction.response);
        if request.method.is_empty() {
            problem("the request has no method".to_owned());
        }
        let schemes = ["http://", "https://", "ws://", "wss://"];
        if !schemes.iter().any(|s| request.url.starts_with(s)) {
            problem(format!(
                "the request URL `{}` is not an absolute http(s) URL",
                request.url
            ));
        }
        if crate::websocket::is_session(response) {
            if let Err(err) = crate::websocket::Transcript::parse(&response.body) {
                problem(format!("the WebSocket session's {err}"));
            }
        }
        if !(100..=999).contains(&response.code) {
            problem(format!(
                "the response code {} is not an HTTP status code",
                response.code
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_names_the_line_and_both_texts() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
        assert_eq!(
            first_difference("a\nb\nc\n", "a\nB\nc\n"),
            Some(LineDifference {
                line: 2,
                original: Some("b".into()),
                reencoded: Some("B".into())
            })
        );
        assert_eq!(
            first_difference("a\n", "a\nb\n"),
            Some(LineDifference {
                line: 2,
                original: None,
                reencoded: Some("b".into())
            })
        );
        // A missing final newline is a difference on the last line.
        assert_eq!(first_difference("a", "a\n").map(|d| d.line), Some(1));
    }
}
