//! The SQL layer's errors.

use thiserror::Error;

/// Every way a SQL statement can fail.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum SqlError {
    /// The text is not valid SQL; the message names the line and column.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// Valid SQL that walnut does not implement.
    #[error("not supported: {0}")]
    NotSupported(String),
    /// A schema that SQLite would refuse too (the message is SQLite's).
    #[error("{0}")]
    Schema(String),
}
