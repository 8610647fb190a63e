//! Colour, only where it helps and only where it is wanted.
//!
//! Views colour their output (page kinds in `.pages`, frame states in
//! `.pool`) when the output is a terminal and the `NO_COLOR` environment
//! variable is not set (<https://no-color.org>). Output to a file or a
//! pipe, and every snapshot test, is plain text.

use std::io::IsTerminal;

/// Whether (and how) to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// Emit ANSI colour codes.
    pub color: bool,
}

/// ANSI colours the views use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Color {
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    Grey,
    Bold,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Red => "31",
            Color::Green => "32",
            Color::Yellow => "33",
            Color::Blue => "34",
            Color::Magenta => "35",
            Color::Cyan => "36",
            Color::Grey => "90",
            Color::Bold => "1",
        }
    }
}

impl Style {
    /// Plain text: no colour.
    pub const PLAIN: Style = Style { color: false };

    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    pub fn for_stdout() -> Style {
        Style {
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    /// `text` in `color`, or `text` itself without colour.
    pub fn paint(&self, color: Color, text: &str) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", color.code())
        } else {
            text.to_string()
        }
    }
}
