//! The few colours reel uses. They are written as ANSI codes to an
//! `anstream` stream, which strips them unless it is a terminal that wants
//! colour (and `NO_COLOR` is unset), so the plain text is what tests pin.

use anstyle::{AnsiColor, Style};

/// Headings: the interaction line of `show`, column titles.
pub const HEADING: Style = Style::new().bold();
/// An added interaction or line.
pub const ADDED: Style = AnsiColor::Green.on_default();
/// A removed interaction or line.
pub const REMOVED: Style = AnsiColor::Red.on_default();
/// A changed interaction; warnings.
pub const CHANGED: Style = AnsiColor::Yellow.on_default();
/// Diff hunk headers, notes on what was left out.
pub const NOTE: Style = AnsiColor::Cyan.on_default();
/// Secondary text: sizes, request and response markers.
pub const DIM: Style = Style::new().dimmed();

/// `text` in `style`, for `write!`.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}
