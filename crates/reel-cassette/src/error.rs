//! [`Error`]: everything that can go wrong loading or saving a cassette.

use std::fmt;
use std::path::PathBuf;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error loading or saving a cassette. Its message names the file, the line and
/// column where known, what is wrong, and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read or written.
    #[error("{path}: {action}: {source}{hint}", path = .path.display(), hint = io_hint(.source))]
    Io {
        /// The cassette path.
        path: PathBuf,
        /// What reel was doing: `cannot read cassette`, `cannot save cassette`.
        action: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid cassette.
    #[error("{}", Invalid(self))]
    Invalid {
        /// The cassette path, when loading from a file.
        path: Option<PathBuf>,
        /// Where the problem is, when the parser knows it.
        location: Option<Location>,
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: &'static str,
    },
}

/// A position in a cassette file, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl Error {
    /// Where in the file the problem is, when known.
    pub fn location(&self) -> Option<Location> {
        match self {
            Error::Invalid { location, .. } => *location,
            Error::Io { .. } => None,
        }
    }

    pub(crate) fn with_path(self, new_path: &std::path::Path) -> Error {
        match self {
            Error::Invalid {
                location,
                message,
                hint,
                ..
            } => Error::Invalid {
                path: Some(new_path.to_owned()),
                location,
                message,
                hint,
            },
            other => other,
        }
    }
}

fn io_hint(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::NotFound => {
            " (check the path; to record a new cassette run the test with REEL_RECORD=once)"
        }
        std::io::ErrorKind::PermissionDenied => " (check the file's permissions)",
        _ => "",
    }
}

/// Renders [`Error::Invalid`] as `path:line:column: message (hint)`.
struct Invalid<'a>(&'a Error);

impl fmt::Display for Invalid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Error::Invalid {
            path,
            location,
            message,
            hint,
        } = self.0
        else {
            unreachable!("Invalid renders Error::Invalid only")
        };
        match path {
            Some(path) => write!(f, "{}", path.display())?,
            None => f.write_str("<cassette text>")?,
        }
        if let Some(at) = location {
            write!(f, ":{}:{}", at.line, at.column)?;
        }
        write!(f, ": {message}")?;
        if !hint.is_empty() {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}
