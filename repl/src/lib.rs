//! # walnut-repl
//!
//! The interactive shell of walnut: sqlite3's conventions plus views of the
//! buffer pool, the WAL and the pages at work.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod csv;
pub mod dump;
pub mod error;
pub mod import;
pub mod progress;
pub mod style;
pub mod views;

pub use error::{Result, ShellError};
