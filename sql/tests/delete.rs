//! DELETE without triggers, which collects only the keys it deletes and
//! deletes them tree by tree in key order (`BTree::delete_keys`): the
//! same rows go as in SQLite, the same count is reported, and every index
//! keeps exactly one entry per remaining row (`PRAGMA integrity_check`).
//!
//! The table has a UNIQUE index, a two-column index with a descending
//! column and text, so the index keys of the deleted rows come in an
//! order unrelated to the rowids; the DELETEs walk the table, a rowid
//! range, and an index range, and the last one deletes everything.
//!
//! A DELETE that walks the whole table deletes as it walks, leaf by leaf
//! (`BTree::delete_where`): on a table larger than the buffer pool it reads
//! each leaf from disk once. One whose WHERE clause reads the table in a
//! subquery must not: it still sees every row as it was before the
//! statement (deleting each row whose predecessor exists deletes all but
//! the first, however the rows fall into leaves), as in SQLite.

use rusqlite::Connection;
use walnut_sql::{Database, Value};

fn walnut_rows(db: &Database, sql: &str) -> Vec<Vec<Value>> {
    db.query(sql, ()).expect("query").collect()
}

fn sqlite_rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut st = conn.prepare(sql).expect("prepare");
    let n = st.column_count();
    st.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(v) => Value::Integer(v),
                    rusqlite::types::ValueRef::Real(v) => Value::Real(v),
                    rusqlite::types::ValueRef::Text(t) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                })
            })
            .collect()
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn deletes_without_triggers_match_sqlite_and_keep_indexes_whole() {
    let setup = "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT, u UNIQUE);
                 CREATE INDEX t_kv ON t(k DESC, v);";
    let (db, conn) = filled(setup, |id| {
        let k = (id * 7919) % 101;
        let v = format!("{}{}", "x".repeat((id % 37) as usize), id % 13);
        format!(
            "INSERT INTO t VALUES ({id}, {k}, '{v}', {});",
            (id * 31) % 3001
        )
    });
    for delete in [
        "DELETE FROM t WHERE id % 3 = 0",
        "DELETE FROM t WHERE id BETWEEN 1000 AND 1500",
        "DELETE FROM t WHERE k BETWEEN 10 AND 20",
        "DELETE FROM t WHERE v LIKE 'xxxx%' AND u > 1000",
        "DELETE FROM t WHERE id = 2",
        "DELETE FROM t",
    ] {
        delete_as_sqlite_does(
            &db,
            &conn,
            delete,
            &[
                "SELECT id, k, v, u FROM t ORDER BY id",
                "SELECT id FROM t WHERE k BETWEEN 30 AND 60 ORDER BY id",
                "SELECT count(*) FROM t WHERE u > 1500",
            ],
        );
    }
}

/// 3000 rows (`insert(id)` gives each one's INSERT), over many leaves, into
/// walnut and SQLite alike.
fn filled(setup: &str, insert: impl Fn(i64) -> String) -> (Database, Connection) {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(setup).expect("setup");
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(setup).expect("setup");
    let mut script = String::from("BEGIN;");
    for id in 1..=3000i64 {
        script.push_str(&insert(id));
    }
    script.push_str("COMMIT;");
    db.execute_batch(&script).expect("insert");
    conn.execute_batch(&script).expect("insert");
    (db, conn)
}

/// Runs `delete` on both engines: the same count, the same answers to
/// `queries` afterwards, and walnut's indexes whole.
fn delete_as_sqlite_does(db: &Database, conn: &Connection, delete: &str, queries: &[&str]) {
    let ours = db.execute(delete, ()).expect("walnut delete");
    let theirs = conn.execute(delete, []).expect("sqlite delete") as u64;
    assert_eq!(ours, theirs, "{delete}");
    for query in queries {
        assert_eq!(
            walnut_rows(db, query),
            sqlite_rows(conn, query),
            "{query} after {delete}"
        );
    }
    assert_eq!(
        walnut_rows(db, "PRAGMA integrity_check"),
        vec![vec![Value::from("ok")]],
        "after {delete}"
    );
}

#[test]
fn a_where_clause_that_reads_the_table_sees_it_as_before_the_delete() {
    let setup =
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT); CREATE INDEX t_k ON t(k);";
    for delete in [
        // Correlated, looking back: all but the first row go.
        "DELETE FROM t WHERE EXISTS (SELECT 1 FROM t AS u WHERE u.id = t.id - 1)",
        "DELETE FROM t WHERE k > (SELECT avg(k) FROM t)",
        "DELETE FROM t WHERE id IN (SELECT id + 1 FROM t WHERE id % 7 = 0)",
        "DELETE FROM t WHERE (SELECT count(*) FROM t AS u WHERE u.k = t.k AND u.id < t.id) > 5",
    ] {
        let (db, conn) = filled(setup, |id| {
            format!(
                "INSERT INTO t VALUES ({id}, {}, '{}');",
                (id * 7919) % 101,
                "v".repeat((id % 50) as usize)
            )
        });
        delete_as_sqlite_does(&db, &conn, delete, &["SELECT id, k, v FROM t ORDER BY id"]);
    }
}

#[test]
fn a_delete_that_walks_the_table_reads_each_leaf_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = walnut_sql::Options {
        pool_frames: 64,
        ..walnut_sql::Options::default()
    };
    let db = Database::open_with(dir.path().join("d.db"), options).expect("open");
    db.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)")
        .expect("table");
    db.execute("BEGIN", ()).expect("begin");
    for id in 1..=20_000i64 {
        db.execute(
            "INSERT INTO t VALUES (?, ?, ?)",
            &[
                Value::Integer(id),
                Value::Integer(id * 7 % 1000),
                Value::from("w".repeat(100)),
            ][..],
        )
        .expect("insert");
    }
    db.execute("COMMIT", ()).expect("commit");
    db.execute("PRAGMA wal_checkpoint", ()).expect("checkpoint");
    let pages = match walnut_rows(&db, "PRAGMA page_count").as_slice() {
        [row] => match row.as_slice() {
            [Value::Integer(n)] => *n as u64,
            other => panic!("page_count: {other:?}"),
        },
        other => panic!("page_count: {other:?}"),
    };
    assert!(
        pages > 8 * 64,
        "{pages} pages: the table is larger than the pool"
    );
    let before = db.stats().misses;
    let gone = db
        .execute("DELETE FROM t WHERE id % 2 = 0", ())
        .expect("delete");
    let read = db.stats().misses - before;
    assert_eq!(gone, 10_000);
    assert!(read < pages + pages / 10, "{read} pages read for {pages}");
    assert_eq!(
        walnut_rows(&db, "SELECT count(*), sum(id % 2) FROM t"),
        vec![vec![Value::Integer(10_000), Value::Integer(10_000)]]
    );
    assert_eq!(
        walnut_rows(&db, "PRAGMA integrity_check"),
        vec![vec![Value::from("ok")]]
    );
}
