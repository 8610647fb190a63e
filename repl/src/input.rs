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
//! line (`SELECT 1; SELECT 2;`); the piece says where each is (found by
//! the same scan that saw the chunk complete, so the shell does not scan
//! it again), and the shell runs each.
//!
//! ```
//! use walnut_repl::input::{LineBuffer, Piece, StatementAt};
//!
//! let mut buf = LineBuffer::new();
//! assert_eq!(buf.push("SELECT"), None);
//! assert!(buf.is_pending());
//! assert_eq!(
//!     buf.push("  1;"),
//!     Some(Piece::Sql {
//!         text: "SELECT\n  1;\n".into(),
//!         line: 1,
//!         statements: vec![StatementAt { start: 0, end: 10, line: 1 }],
//!     })
//! );
//! assert_eq!(buf.push(".tables"), Some(Piece::Dot { text: ".tables".into(), line: 3 }));
//! ```

use walnut_sql::parse::{StatementText, complete_statements, split_statements};

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
        /// Its statements, as `walnut_sql::parse::split_statements` finds
        /// them (never none).
        statements: Vec<StatementAt>,
    },
}

/// Where one statement of a [`Piece::Sql`] is in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementAt {
    /// The byte offset of the statement's first token.
    pub start: usize,
    /// The byte offset just past its last token (the `;` excluded).
    pub end: usize,
    /// The 1-based line of the text on which it starts.
    pub line: usize,
}

impl StatementAt {
    fn of(s: &StatementText<'_>) -> StatementAt {
        StatementAt {
            start: s.offset,
            end: s.offset + s.text.len(),
            line: s.line,
        }
    }
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
            self.pending.reserve(line.len() + 1);
        }
        self.pending.push_str(line);
        self.pending.push('\n');
        let statements: Vec<StatementAt> = complete_statements(&self.pending)?
            .iter()
            .map(StatementAt::of)
            .collect();
        // Only comments make no piece.
        sql_piece(
            std::mem::take(&mut self.pending),
            self.pending_line,
            statements,
        )
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
        let statements: Vec<StatementAt> = split_statements(&text)
            .iter()
            .map(StatementAt::of)
            .collect();
        sql_piece(text, self.pending_line, statements)
    }

    /// Forgets the unfinished statement (Ctrl-C at the prompt).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

/// The SQL piece `text` (starting at line `line`) with the statements
/// found in it; none if there are none (only comments or blanks).
fn sql_piece(text: String, line: usize, statements: Vec<StatementAt>) -> Option<Piece> {
    if statements.is_empty() {
        return None;
    }
    Some(Piece::Sql {
        text,
        line,
        statements,
    })
}
