//! # walnut-sql
//!
//! The SQL layer of walnut: SQL text in, rows out, SQLite's semantics
//! throughout. Start at [`Database`].
//!
//! The path of a statement, one module each:
//!
//! ```text
//! text --parse--> ast --bind--> expr (BExpr) --plan--> ScanPlan / SelectPlan
//!      --scan/select/dml/ddl/pragma--> B+Trees (walnut-btree) --> pages (walnut-pager)
//! ```
//!
//! * front end: [`parse`] (sqlparser with SQLite's dialect and precedence,
//!   [`dialect`], into [`ast`]),
//!   [`render`] (trees back to text);
//! * names and types: [`schema`] (tables and indexes as the catalog keeps
//!   them), [`bind`] (names to row positions), [`expr`] (evaluation);
//! * values and SQLite's semantics: [`value`], [`affinity`], [`ops`],
//!   [`format`], [`like`], [`func`], [`agg`]; checked against SQLite
//!   itself by differential tests;
//! * storage formats: [`record`] (rows), [`keycode`] (index keys), [`rows`]
//!   (how both sit in their trees);
//! * planning and running: [`plan`], [`scan`], [`select`], [`dml`], [`ddl`],
//!   [`pragma`];
//! * triggers: [`trigger`] (the schema object and its DDL),
//!   [`trigger_program`] (prepared programs, firing, `RAISE()`),
//!   [`trigger_row`] (NEW and OLD), [`instead_of`] (writing views);
//! * a session's TEMP views and triggers: [`temp`];
//! * the API: [`db`] ([`Database`], [`Session`], [`Statement`], [`Rows`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod affinity;
pub mod agg;
pub mod ast;
pub mod bind;
pub mod compound;
pub mod cte;
pub mod db;
pub mod ddl;
pub mod dialect;
pub mod dml;
pub mod error;
pub mod expr;
pub mod format;
pub mod func;
pub mod hash_join;
pub mod instead_of;
pub mod join;
pub mod keycode;
pub mod like;
pub mod ops;
pub mod parse;
pub mod plan;
pub mod pragma;
pub mod record;
pub mod render;
pub mod rows;
pub mod run_cache;
pub mod scan;
pub mod schema;
pub mod select;
pub mod subquery;
pub mod temp;
pub mod trigger;
pub mod trigger_program;
pub mod trigger_row;
pub mod value;

pub use db::{Database, Options, Params, Rows, Session, Statement};
pub use error::{Error, Result, SqlError};
pub use value::Value;
pub use walnut_pager::Synchronous;
