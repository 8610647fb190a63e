//! DELETE without triggers, which collects only the keys it deletes and
//! deletes them tree by tree in key order (`BTree::delete_keys`): the
//! same rows go as in SQLite, the same count is reported, and every index
//! keeps exactly one entry per remaining row (`PRAGMA integrity_check`).
//!
//! The table has a UNIQUE index, a two-column index with a descending
//! column and text, so the index keys of the deleted rows come in an
//! order unrelated to the rowids; the DELETEs walk the table, a rowid
//! range, and an index range, and the last one deletes everything.

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
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(setup).expect("setup");
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(setup).expect("setup");
    let mut insert = String::from("BEGIN;");
    for id in 1..=3000i64 {
        let k = (id * 7919) % 101;
        let v = format!("{}{}", "x".repeat((id % 37) as usize), id % 13);
        insert.push_str(&format!(
            "INSERT INTO t VALUES ({id}, {k}, '{v}', {});",
            (id * 31) % 3001
        ));
    }
    insert.push_str("COMMIT;");
    db.execute_batch(&insert).expect("insert");
    conn.execute_batch(&insert).expect("insert");

    for delete in [
        "DELETE FROM t WHERE id % 3 = 0",
        "DELETE FROM t WHERE id BETWEEN 1000 AND 1500",
        "DELETE FROM t WHERE k BETWEEN 10 AND 20",
        "DELETE FROM t WHERE v LIKE 'xxxx%' AND u > 1000",
        "DELETE FROM t WHERE id = 2",
        "DELETE FROM t WHERE id = 2",
        "DELETE FROM t",
    ] {
        let ours = db.execute(delete, ()).expect("walnut delete");
        let theirs = conn.execute(delete, []).expect("sqlite delete") as u64;
        assert_eq!(ours, theirs, "{delete}");
        for query in [
            "SELECT id, k, v, u FROM t ORDER BY id",
            "SELECT id FROM t WHERE k BETWEEN 30 AND 60 ORDER BY id",
            "SELECT count(*) FROM t WHERE u > 1500",
        ] {
            assert_eq!(
                walnut_rows(&db, query),
                sqlite_rows(&conn, query),
                "{query} after {delete}"
            );
        }
        assert_eq!(
            walnut_rows(&db, "PRAGMA integrity_check"),
            vec![vec![Value::from("ok")]],
            "after {delete}"
        );
    }
}
