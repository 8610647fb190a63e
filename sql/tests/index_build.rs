//! CREATE INDEX on a filled table builds from sorted keys (see the
//! `ddl` module): the result must be exactly the index that inserting the
//! rows one by one into an indexed table maintains, and UNIQUE must fail
//! as before, with SQLite's message and nothing left behind.
//!
//! * The same rows (integers with many repeats, reals equal to some of
//!   them, text, blobs, NULLs), inserted into a table whose indexes exist
//!   already and into one indexed afterwards, give indexes with the same
//!   entries, byte for byte; both databases pass `PRAGMA integrity_check`
//!   and the B+Tree check (every page used exactly once); the sorted build
//!   leaves its leaves more than 90% full. `REINDEX` rebuilds the same
//!   entries again.
//! * `CREATE UNIQUE INDEX` over duplicates (`1` and `1.0` are equal, as in
//!   SQLite; repeated NULLs are not duplicates) fails with the message
//!   SQLite gives, for one and for two columns, and inside a transaction
//!   leaves no index, no schema entry and no lost page behind.

use rusqlite::Connection;
use walnut_btree::{BTree, check_database, tree_stats};
use walnut_sql::{Database, Value};

fn root_of(db: &Database, name: &str) -> u32 {
    let rows: Vec<Vec<Value>> = db
        .query(
            "SELECT rootpage FROM sqlite_master WHERE name = ?",
            &[Value::from(name)],
        )
        .expect("sqlite_master")
        .collect();
    match rows.as_slice() {
        [row] => match row.as_slice() {
            [Value::Integer(r)] => *r as u32,
            other => panic!("rootpage of {name}: {other:?}"),
        },
        other => panic!("{name} in sqlite_master: {other:?}"),
    }
}

/// Every key of the named index's B+Tree, in order.
fn index_keys(db: &Database, name: &str) -> Vec<Vec<u8>> {
    let tree = BTree::open(root_of(db, name));
    let pager = db.pager();
    let rx = pager.begin_read().expect("read");
    tree.iter(&rx)
        .expect("iter")
        .map(|kv| kv.map(|(k, _)| k))
        .collect::<Result<_, _>>()
        .expect("scan")
}

fn assert_healthy(db: &Database) {
    let rows: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .expect("integrity_check")
        .collect();
    assert_eq!(rows, vec![vec![Value::from("ok")]]);
    let pager = db.pager();
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check_database");
    assert!(problems.is_empty(), "{problems:?}");
}

/// Row `i`: `k` repeats a lot and mixes types, `v` is text, a blob or NULL.
fn row(i: i64) -> [Value; 3] {
    let k = match i % 10 {
        0 => Value::Null,
        1 => Value::Real((i % 97) as f64),
        2 => Value::Real((i % 89) as f64 + 0.5),
        3 => Value::from(format!("text {}", i % 53)),
        4 => Value::Blob(vec![(i % 7) as u8, 0, (i % 5) as u8]),
        _ => Value::Integer((i * 7919) % 101 - 50),
    };
    let v = match i % 3 {
        0 => Value::from(format!("v{:05}", (i * 31) % 1000)),
        1 => Value::Blob(((i % 11) as u8..20).collect()),
        _ => Value::Null,
    };
    [Value::Integer(i), k, v]
}

const TABLE: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, k, v)";
const INDEXES: &str = "CREATE INDEX t_k ON t(k); CREATE INDEX t_kv ON t(k, v DESC)";

fn insert_rows(db: &Database, n: i64) {
    db.execute("BEGIN", ()).expect("begin");
    // A scrambled order, so the table is not filled in key order either.
    for j in 0..n {
        let i = (j * 7_919) % n + 1;
        db.execute("INSERT INTO t VALUES (?, ?, ?)", &row(i)[..])
            .expect("insert");
    }
    db.execute("COMMIT", ()).expect("commit");
}

#[test]
fn an_index_built_from_sorted_keys_equals_the_one_maintained_row_by_row() {
    let n = 6000;
    let maintained = Database::open_in_memory().expect("open");
    maintained.execute_batch(TABLE).expect("table");
    maintained.execute_batch(INDEXES).expect("indexes");
    insert_rows(&maintained, n);

    let built = Database::open_in_memory().expect("open");
    built.execute_batch(TABLE).expect("table");
    insert_rows(&built, n);
    built.execute_batch(INDEXES).expect("indexes");

    for name in ["t_k", "t_kv"] {
        let (a, b) = (index_keys(&maintained, name), index_keys(&built, name));
        assert_eq!(a.len(), n as usize, "{name}: entries");
        assert!(
            a == b,
            "{name}: the built index differs from the maintained one"
        );
    }
    assert_healthy(&maintained);
    assert_healthy(&built);
    {
        let pager = built.pager();
        let rx = pager.begin_read().expect("read");
        let st = tree_stats(&rx, BTree::open(root_of(&built, "t_kv"))).expect("stats");
        assert!(st.leaf_fill > 0.9, "leaf fill {:.3}: {st:?}", st.leaf_fill);
    }

    let before = index_keys(&built, "t_kv");
    built.execute("REINDEX t", ()).expect("reindex");
    assert!(index_keys(&built, "t_kv") == before, "REINDEX changed t_kv");
    assert_healthy(&built);
}

/// Runs `setup` then `create` on walnut and on SQLite, and returns both
/// error messages of `create`.
fn both_fail(setup: &str, create: &str) -> (String, String) {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(setup).expect("setup");
    let ours = db
        .execute(create, ())
        .expect_err("walnut accepted it")
        .to_string();
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(setup).expect("setup");
    let theirs = conn
        .execute(create, [])
        .expect_err("SQLite accepted it")
        .to_string();
    (ours, theirs)
}

#[test]
fn create_unique_index_over_duplicates_fails_with_sqlites_message() {
    // 1 and 1.0 are the same value; the duplicate is the last row, far
    // from the first in table order.
    let mut setup = String::from("CREATE TABLE t(id INTEGER PRIMARY KEY, k, v);");
    for i in 1..=2000 {
        setup.push_str(&format!("INSERT INTO t VALUES ({i}, {i}, 'x');"));
    }
    setup.push_str("INSERT INTO t VALUES (2001, 1.0, 'y');");
    let (ours, theirs) = both_fail(&setup, "CREATE UNIQUE INDEX u ON t(k)");
    assert_eq!(ours, "UNIQUE constraint failed: t.k");
    assert_eq!(ours, theirs);

    let (ours, theirs) = both_fail(
        "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (1, 'y'), (2, 'x'), (1, 'x');",
        "CREATE UNIQUE INDEX u ON t(a, b)",
    );
    assert_eq!(ours, "UNIQUE constraint failed: t.a, t.b");
    assert_eq!(ours, theirs);

    // Repeated NULLs, alone or next to a value, are not duplicates.
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(
        "CREATE TABLE t(a, b);
         INSERT INTO t VALUES (NULL, 1), (NULL, 1), (1, NULL), (1, NULL), (2, 2);
         CREATE UNIQUE INDEX u ON t(a, b);",
    )
    .expect("NULLs never conflict");
    assert_eq!(index_keys(&db, "u").len(), 5);
    let err = db
        .execute("INSERT INTO t VALUES (2, 2.0)", ())
        .expect_err("the index is enforced");
    assert_eq!(err.to_string(), "UNIQUE constraint failed: t.a, t.b");
}

#[test]
fn a_failed_create_unique_index_inside_a_transaction_leaves_nothing_behind() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(TABLE).expect("table");
    insert_rows(&db, 3000);
    let pages = |db: &Database| -> Vec<Vec<Value>> {
        db.query("PRAGMA page_count", ())
            .expect("page_count")
            .collect()
    };
    db.execute("BEGIN", ()).expect("begin");
    db.execute("INSERT INTO t VALUES (3001, 'after', NULL)", ())
        .expect("insert");
    let before = pages(&db);
    let err = db
        .execute("CREATE UNIQUE INDEX u ON t(k)", ())
        .expect_err("k repeats");
    assert_eq!(err.to_string(), "UNIQUE constraint failed: t.k");
    assert!(db.in_transaction(), "the transaction goes on");
    db.execute("COMMIT", ()).expect("commit");
    let names: Vec<Vec<Value>> = db
        .query("SELECT name FROM sqlite_master WHERE type = 'index'", ())
        .expect("sqlite_master")
        .collect();
    assert!(names.is_empty(), "{names:?}");
    assert_healthy(&db);
    assert_eq!(pages(&db), before, "the failed build's pages are gone");
    let count: Vec<Vec<Value>> = db
        .query("SELECT count(*) FROM t", ())
        .expect("count")
        .collect();
    assert_eq!(count, vec![vec![Value::Integer(3001)]]);
}
