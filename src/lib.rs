//! # walnut
//!
//! A small SQLite-like database whose storage internals can be watched,
//! taught and crashed on purpose.
//!
//! This root crate re-exports walnut's public API: the SQL [`Database`]
//! and, for those who want to look underneath, each layer as a module
//! ([`sql`], [`btree`], [`pager`]).
//!
//! ```
//! let db = walnut::Database::open_in_memory()?;
//! db.execute("CREATE TABLE t(a)", ())?;
//! db.execute("INSERT INTO t VALUES (1), (2)", ())?;
//! let total: Vec<Vec<walnut::Value>> = db.query("SELECT sum(a) FROM t", ())?.collect();
//! assert_eq!(total, vec![vec![walnut::Value::Integer(3)]]);
//! # Ok::<(), walnut::Error>(())
//! ```
#![forbid(unsafe_code)]

pub use walnut_btree as btree;
pub use walnut_pager as pager;
pub use walnut_sql as sql;
pub use walnut_sql::{Database, Error, Options, Params, Rows, Session, Statement, Value};

/// Fuzzing harnesses (SQL text, a database file, a WAL file) and their
/// oracles, shared by the cargo-fuzz targets in `fuzz/` and the proptests.
pub mod fuzzing;
/// A hand-written MD5 (RFC 1321), for the sqllogictest result hashes.
pub mod md5;
/// A runner for SQLite's sqllogictest files, generic over the engine.
pub mod sqllogictest;
