//! The sqllogictest [`Engine`] for walnut, shared by
//! `examples/sqllogictest.rs` and the tests via `#[path]`.
//!
//! Statements run with `execute_batch` (several `;`-separated statements
//! in turn), queries with `query` on the text's first statement.
//!
//! Like SQLite's driver in the C harness, a query fails only if it cannot
//! be *prepared* (a syntax error, an unknown table or column, a misuse the
//! planner catches); an error while running it (say `sum()`'s "integer
//! overflow") ends the result, and the rows so far are the answer. walnut
//! produces a query's rows all at once, so "the rows so far" are none.

use walnut::sqllogictest::Engine;
use walnut_sql::{Database, Error, Value};

/// A fresh in-memory walnut database.
pub struct WalnutEngine {
    db: Database,
}

impl WalnutEngine {
    /// A fresh, empty in-memory database.
    pub fn new() -> Result<WalnutEngine, String> {
        Ok(WalnutEngine {
            db: Database::open_in_memory().map_err(|e| e.to_string())?,
        })
    }
}

/// Whether an error is one SQLite would raise while stepping (not preparing).
fn is_runtime(e: &Error) -> bool {
    matches!(
        e,
        Error::Eval(_) | Error::DatatypeMismatch | Error::Constraint { .. } | Error::Raised { .. }
    )
}

impl Engine for WalnutEngine {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        self.db.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        let first = walnut_sql::parse::split_statements(sql)
            .into_iter()
            .next()
            .map(|s| s.text.to_string())
            .ok_or_else(|| "no SQL statement to run".to_string())?;
        match self.db.query(&first, ()) {
            Ok(rows) => Ok(rows.collect()),
            Err(e) if is_runtime(&e) => Ok(Vec::new()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn name(&self) -> &str {
        "walnut"
    }
}
