//! Turning lines of input into things to run.
//!
//! The shell reads a line at a time (from the terminal, a pipe or a
//! `.read` file) and must decide when it has something to run. The rules
//! are sqlite3's:
//!
//! * a line that starts with `.` while no SQL is pending is a
//!   dot-command, complete on its own line;
//! * otherwise the line is added to the pending SQL, which runs once it
//!   ends with a complete statement: a `;` outside strings, quoted names,
//!   comments and trigger bodies (`walnut_sql::parse::is_complete`);
//! * pending text that holds only whitespace and comments is dropped.
//!
//! Each piece remembers the line on which it starts, so that an error can
//! say `near line N`. A chunk of SQL can hold several statements on one
//! line (`SELECT 1; SELECT 2;`); the shell splits it and runs each.
//!
//! ```
//! use walnut_repl::input::{LineBuffer, Piece};
//!
//! let mut buf = LineBuffer::new();
//! assert_eq!(buf.push("SELECT"), None);
//! assert!(buf.is_pending());
//! assert_eq!(buf.push("  1;"), Some(Piece::Sql { text: "SELECT\n  1;\n".into(), line: 1 }));
//! assert_eq!(buf.push(".tables"), Some(Piece::Dot { text: ".tables".into(), line: 3 }));
//! ```

use walnut_sql::parse::{complete_statements, split_statements};

/// Something ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A dot-command line (with its leading `.`).
    Dot {
        /// The line as typed.
        text: String,
        /// Its 1-based line number.
        line: usize,
    },
    /// SQL ending in a complete statement (possibly several).
    Sql {
        /// The text, each line followed by `\n`.
        text: String,
        /// The 1-based line on which it starts.
        line: usize,
    },
}

/// Collects lines until they make a piece.
#[derive(Debug, Default)]
pub struct LineBuffer {
    pending: String,
    pending_line: usize,
    lines_seen: usize,
}

impl LineBuffer {
    /// An empty buffer at line 1.
    pub fn new() -> LineBuffer {
        LineBuffer::default()
    }

    /// Adds one line (without its newline); returns a piece when one is
    /// complete.
    pub fn push(&mut self, line: &str) -> Option<Piece> {
        self.lines_seen += 1;
        if self.pending.is_empty() {
            if line.trim_start().starts_with('.') {
                return Some(Piece::Dot {
                    text: line.trim().to_string(),
                    line: self.lines_seen,
                });
            }
            if line.trim().is_empty() {
                return None;
            }
            self.pending_line = self.lines_seen;
        }
        self.pending.push_str(line);
        self.pending.push('\n');
        let complete = complete_statements(&self.pending).map(|s| s.is_empty());
        if let Some(only_comments) = complete {
            let text = std::mem::take(&mut self.pending);
            if only_comments {
                return None;
            }
            return Some(Piece::Sql {
                text,
                line: self.pending_line,
            });
        }
        None
    }

    /// Lines pushed so far.
    pub fn lines_seen(&self) -> usize {
        self.lines_seen
    }

    /// Whether an unfinished statement is waiting for more lines.
    pub fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// At the end of input: the unfinished statement, if any (sqlite3 runs
    /// it anyway, and reports the error it gets).
    pub fn finish(&mut self) -> Option<Piece> {
        let text = std::mem::take(&mut self.pending);
        if split_statements(&text).is_empty() {
            return None;
        }
        Some(Piece::Sql {
            text,
            line: self.pending_line,
        })
    }

    /// Forgets the unfinished statement (Ctrl-C at the prompt).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}
