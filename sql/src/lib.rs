//! # walnut-sql
//!
//! The SQL layer of walnut. Built so far: SQL values with SQLite's
//! cross-type ordering ([`value`]), the record format rows are stored in
//! ([`record`]), and the order-preserving key encoding of index keys
//! ([`keycode`]). The parser front end (sqlparser), planner, executor and
//! the `Database` API are not built yet: they are the rest of the SQL core
//! issue.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod keycode;
pub mod record;
pub mod value;

pub use value::Value;
