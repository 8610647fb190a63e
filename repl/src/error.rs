//! The shell's errors.
//!
//! A shell error is printed, never fatal: the shell reports it on stderr
//! as `Error: ...` (with `near line N:` when the input is a script) and
//! reads on. Each variant says what went wrong and where: the statement's
//! own error from the SQL layer, a file that could not be read or written
//! (with its path), a damaged page or WAL frame (from the layers below), a
//! CSV line that does not parse, or a dot-command used wrongly (with the
//! usage line).

use std::path::PathBuf;
use thiserror::Error;
use walnut_btree::BTreeError;
use walnut_pager::PagerError;

/// Everything a line of input can fail with.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ShellError {
    /// A SQL statement failed (its message is SQLite's wording).
    #[error(transparent)]
    Sql(#[from] walnut_sql::Error),
    /// The pager failed (a damaged page or WAL, the disk).
    #[error(transparent)]
    Pager(#[from] PagerError),
    /// The B+Tree layer failed.
    #[error(transparent)]
    BTree(#[from] BTreeError),
    /// A file the shell reads or writes (`.read`, `.import`, `.output`,
    /// history) could not be used.
    #[error("cannot {doing} {}: {source}", path.display())]
    File {
        /// What the shell was doing: `open`, `read`, `write`, `create`.
        doing: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading the shell's input (stdin, a `.read` file) failed.
    #[error("cannot read input: {0}")]
    Input(std::io::Error),
    /// Writing the shell's output failed (a closed pipe, a full disk).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// A CSV file that does not parse, or does not fit the table.
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The 1-based line where the bad record starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A dot-command used wrongly: the message includes its usage.
    #[error("{0}")]
    Usage(String),
    /// A name or number that refers to nothing (`.btree nosuch`,
    /// `.page 99` past the end of the file).
    #[error("{0}")]
    NotFound(String),
}

/// The shell's result type.
pub type Result<T> = std::result::Result<T, ShellError>;

impl ShellError {
    /// A usage error for a dot-command.
    pub fn usage(text: impl Into<String>) -> ShellError {
        ShellError::Usage(format!("Usage: {}", text.into()))
    }
}
