//! # walnut-sql
//!
//! The SQL layer of walnut. Built so far:
//!
//! * values and SQLite's semantics for them: [`value`] (the five storage
//!   classes and their cross-type order), [`affinity`] (column affinity,
//!   CAST, text-to-number rules), [`ops`] (arithmetic, comparison,
//!   three-valued logic), [`format`] (values as text, as SQLite renders
//!   them), [`like`] (LIKE and GLOB), [`func`] (the scalar functions);
//!   checked against SQLite itself by a differential test;
//! * the storage formats: [`record`] (rows) and [`keycode`] (index keys);
//! * the front end: [`parse`] turns SQL text into walnut's own syntax tree
//!   ([`ast`]) through sqlparser (expressions and CREATE TABLE so far).
//!
//! The rest of the statements, the binder, planner, executor and the
//! `Database` API are not built yet: they are the rest of the SQL core
//! issue.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod affinity;
pub mod ast;
pub mod error;
pub mod format;
pub mod func;
pub mod keycode;
pub mod like;
pub mod ops;
pub mod parse;
pub mod record;
pub mod value;

pub use error::SqlError;
pub use value::Value;
