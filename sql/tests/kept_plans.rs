//! A prepared statement runs the plan it kept from its last run while the
//! schema is the same (`Statement` in `sql/src/db.rs`). Whatever happens
//! between runs (rows inserted and deleted, indexes made and dropped, a
//! transaction begun, a TEMP view shadowing a table), a kept plan must
//! answer exactly as a statement prepared afresh.

use walnut_sql::{Database, Value};

/// Queries covering the plan's parts that keep state or depend on the
/// schema: uncorrelated and correlated subqueries, hash and index joins,
/// CTEs (recursive too), views, aggregates, covering indexes, rowid paths.
const QUERIES: &[&str] = &[
    "SELECT a, b FROM t WHERE a = ?1 ORDER BY b",
    "SELECT count(*), sum(b) FROM t WHERE b > ?1",
    "SELECT a FROM t WHERE a IN (SELECT b FROM u) ORDER BY a",
    "SELECT (SELECT count(*) FROM u), a FROM t WHERE rowid BETWEEN ?1 AND ?1 + 3 ORDER BY a",
    "SELECT t.a, u.c FROM t JOIN u ON t.a = u.b ORDER BY 1, 2",
    "SELECT a, (SELECT max(c) FROM u WHERE u.b = t.a) FROM t ORDER BY 1, 2",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?1) SELECT sum(x) FROM n",
    "SELECT * FROM v ORDER BY 1",
    "SELECT * FROM t ORDER BY 1, 2",
    "SELECT b FROM t WHERE b >= ?1 ORDER BY b DESC LIMIT 3",
    "SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY a",
];

/// What changes the database between runs.
const CHANGES: &[&str] = &[
    "INSERT INTO t VALUES (3, 30), (4, 40), (3, 31)",
    "INSERT INTO u VALUES (3, 'three'), (4, 'four')",
    "CREATE INDEX t_a ON t(a)",
    "DELETE FROM t WHERE b % 2 = 0",
    "CREATE INDEX u_b ON u(b)",
    "ALTER TABLE t ADD COLUMN extra DEFAULT 7",
    "DROP INDEX t_a",
    "CREATE TEMP VIEW v AS SELECT 'temp' AS shadow",
    "INSERT INTO t(a, b) SELECT a + 10, b + 100 FROM t",
    "DROP VIEW temp.v",
    "UPDATE u SET c = c || '!' WHERE b = 3",
];

fn rows(r: walnut_sql::Result<walnut_sql::Rows>) -> Result<Vec<Vec<Value>>, String> {
    r.map(|rows| rows.collect()).map_err(|e| e.to_string())
}

#[test]
fn a_kept_plan_answers_as_a_fresh_one_whatever_changed_between_runs() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(
        "CREATE TABLE t(a INTEGER, b INTEGER);
         CREATE TABLE u(b INTEGER, c TEXT);
         CREATE VIEW v AS SELECT a, b FROM t WHERE b > 10;
         INSERT INTO t VALUES (1, 10), (2, 20), (2, 21), (3, 33);
         INSERT INTO u VALUES (1, 'one'), (2, 'two');",
    )
    .expect("setup");
    let mut kept: Vec<_> = QUERIES
        .iter()
        .map(|q| db.prepare(q).expect("prepare"))
        .collect();
    let mut runs = 0;
    for (step, change) in std::iter::once(&"SELECT 1").chain(CHANGES).enumerate() {
        // Half the steps inside a transaction, so that the writer's schema
        // (and DDL in the transaction) is exercised too.
        let in_txn = step % 2 == 1;
        if in_txn {
            db.execute("BEGIN", ()).expect("begin");
        }
        db.execute(change, ())
            .unwrap_or_else(|e| panic!("{change}: {e}"));
        for param in [1i64, 3, 20] {
            for (q, stmt) in QUERIES.iter().zip(kept.iter_mut()) {
                let p = [Value::Integer(param)];
                let fresh = rows(db.query(q, &p[..q.matches("?1").count().min(1)]));
                let again = rows(stmt.query(&p[..stmt.parameter_count()]));
                assert_eq!(again, fresh, "after {change:?}, {q} with ?1 = {param}");
                runs += 1;
            }
        }
        if in_txn {
            db.execute("COMMIT", ()).expect("commit");
        }
    }
    assert_eq!(runs, (CHANGES.len() + 1) * 3 * QUERIES.len());
}
