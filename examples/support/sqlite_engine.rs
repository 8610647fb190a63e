//! The sqllogictest [`Engine`] for SQLite itself (through rusqlite, with
//! SQLite bundled), shared by `examples/sqllogictest.rs` and
//! `tests/sqllogictest_runner.rs` via `#[path]`.
//!
//! It plays the part of the C harness's `slt_sqlite.c`: statements run
//! with `sqlite3_exec()` (rusqlite's `execute_batch`, so several
//! `;`-separated statements run in turn), queries with
//! `sqlite3_prepare_v2()` of the first statement of the text (anything
//! after it is ignored, as there), each row read as typed values.
//!
//! Like `slt_sqlite.c`, a query only fails if it cannot be prepared: an
//! error while stepping through the rows (say `sum()`'s "integer
//! overflow") just ends the result there, and the rows so far are the
//! answer. SQLite's files were written that way (`slt_lang_aggfunc.test`
//! expects no rows from an overflowing `sum()`).

use rusqlite::Connection;
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::ValueRef;
use walnut::sqllogictest::Engine;
use walnut_sql::Value;

/// An in-memory SQLite database.
pub struct SqliteEngine {
    conn: Connection,
}

impl SqliteEngine {
    /// A fresh, empty in-memory database.
    pub fn new() -> Result<SqliteEngine, String> {
        let conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
        Ok(SqliteEngine { conn })
    }
}

impl Engine for SqliteEngine {
    fn statement(&mut self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        let mut batch = rusqlite::Batch::new(&self.conn, sql);
        let Some(mut stmt) = batch.next().map_err(|e| e.to_string())? else {
            return Err("no SQL statement to run".to_string());
        };
        let ncol = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        // `while( sqlite3_step(pStmt)==SQLITE_ROW )`: an error ends it.
        while let Ok(Some(row)) = rows.next() {
            let mut values = Vec::with_capacity(ncol);
            for i in 0..ncol {
                let v = row.get_ref(i).map_err(|e| e.to_string())?;
                values.push(match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Integer(n),
                    ValueRef::Real(r) => Value::Real(r),
                    // walnut's TEXT is UTF-8. SQLite text that is not is
                    // passed on as a blob: it renders to the very same
                    // bytes (so the `@` count is right), where a lossy
                    // conversion would turn each bad byte into three.
                    ValueRef::Text(t) => match std::str::from_utf8(t) {
                        Ok(s) => Value::Text(s.to_string()),
                        Err(_) => Value::Blob(t.to_vec()),
                    },
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(values);
        }
        Ok(out)
    }

    fn name(&self) -> &str {
        "sqlite"
    }
}
