//! # walnut-sql
//!
//! The SQL layer of walnut. Built so far: SQL values with SQLite's
//! cross-type ordering ([`value`]), the record format rows are stored in
//! ([`record`]), and the order-preserving key encoding of index keys
//! ([`keycode`]), and the front end that turns SQL text into walnut's own
//! syntax tree through sqlparser ([`parse`], [`ast`]; expressions so far).
//! The binder, planner, executor and the `Database` API are not built yet:
//! they are the rest of the SQL core issue.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
pub mod error;
pub mod keycode;
pub mod parse;
pub mod record;
pub mod value;

pub use error::SqlError;
pub use value::Value;
