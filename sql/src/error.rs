//! The SQL layer's errors.
//!
//! Two types: [`SqlError`] is what the front end can say about a
//! statement's text before anything runs (syntax, out of scope, a schema
//! SQLite would refuse); [`Error`] is everything a statement can meet, the
//! front end's errors included. Messages follow SQLite's wording wherever
//! SQLite has one (`no such table: t`, `UNIQUE constraint failed: t.a`),
//! so that people and tests that know SQLite recognise them.

use thiserror::Error;
use walnut_btree::BTreeError;
use walnut_pager::PagerError;

/// What the front end finds wrong with a statement's text.
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

/// Every way a statement can fail.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The statement's text: syntax, out of scope, or a refused schema.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// A name that resolves to nothing (`no such table: t`,
    /// `no such column: x`, `no such index: i`, `no such function: f`).
    #[error("no such {kind}: {name}")]
    NoSuch {
        /// `table`, `column`, `index` or `function`.
        kind: &'static str,
        /// The name as written.
        name: String,
    },
    /// A statement that cannot run as written (`table t already exists`,
    /// `ambiguous column name`, misuse of an aggregate...).
    #[error("{0}")]
    Invalid(String),
    /// A constraint refused the statement; nothing it did remains.
    #[error("{kind} constraint failed: {detail}")]
    Constraint {
        /// `UNIQUE`, `NOT NULL`, `CHECK` or `PRIMARY KEY`.
        kind: &'static str,
        /// What failed: `t.a`, `t.a, t.b`, or the CHECK's name or text.
        detail: String,
    },
    /// A value that cannot go where it was put (a non-integer rowid).
    #[error("datatype mismatch")]
    DatatypeMismatch,
    /// `RAISE(...)` in a trigger's program: the message is the error's
    /// (`RAISE(IGNORE)` never gets this far: the statement that fired the
    /// trigger skips the row, see [`crate::trigger_program`]).
    #[error("{}", raised_message(*.action, .message))]
    Raised {
        /// What the RAISE does to the statement and its transaction.
        action: crate::ast::RaiseAction,
        /// Its message.
        message: String,
    },
    /// Evaluating an expression failed (integer overflow in `abs()` or
    /// `sum()`, a string too big, a bad ESCAPE...).
    #[error("{0}")]
    Eval(String),
    /// A parameter that was not supplied, or supplied twice.
    #[error("parameter {0}")]
    Parameter(String),
    /// BEGIN inside a transaction, COMMIT outside one, and the like.
    #[error("{0}")]
    Transaction(String),
    /// Another connection holds the write lock, or this transaction's
    /// snapshot went stale before it could write.
    #[error("database is locked: {0}")]
    Busy(String),
    /// A stored row, key or schema that does not decode: the file is damaged.
    #[error("database disk image is malformed: {0}")]
    Corrupt(String),
    /// The B+Tree layer failed (and, through it, the pager).
    #[error(transparent)]
    Storage(#[from] BTreeError),
}

impl From<PagerError> for Error {
    fn from(e: PagerError) -> Self {
        match e {
            PagerError::Busy => Error::Busy("another connection is writing".into()),
            other => Error::Storage(BTreeError::Pager(other)),
        }
    }
}

impl From<crate::func::FuncError> for Error {
    fn from(e: crate::func::FuncError) -> Self {
        match e {
            crate::func::FuncError::NoSuchFunction(name) => Error::NoSuch {
                kind: "function",
                name,
            },
            other => Error::Eval(other.to_string()),
        }
    }
}

impl From<crate::ops::OpError> for Error {
    fn from(e: crate::ops::OpError) -> Self {
        Error::Eval(e.to_string())
    }
}

impl From<crate::record::RecordError> for Error {
    fn from(e: crate::record::RecordError) -> Self {
        Error::Corrupt(e.to_string())
    }
}

impl From<crate::keycode::KeyError> for Error {
    fn from(e: crate::keycode::KeyError) -> Self {
        Error::Corrupt(e.to_string())
    }
}

impl Error {
    /// `no such table: name`.
    pub fn no_table(name: &str) -> Error {
        Error::NoSuch {
            kind: "table",
            name: name.to_string(),
        }
    }

    /// `no such column: name`.
    pub fn no_column(name: &str) -> Error {
        Error::NoSuch {
            kind: "column",
            name: name.to_string(),
        }
    }
}

fn raised_message(action: crate::ast::RaiseAction, message: &str) -> String {
    match action {
        crate::ast::RaiseAction::Ignore => "RAISE(IGNORE) outside of a trigger's program".into(),
        _ => message.to_string(),
    }
}

/// Shorthand for results of the SQL layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;
