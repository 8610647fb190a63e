//! A statement that fails inside a transaction undoes itself and nothing
//! else, also when it appended rows the cheap way: a prepared INSERT in
//! rowid order goes straight into the table's remembered rightmost leaf
//! (`BTree::insert_hinted`), which its statement's savepoint logs as a
//! head only (`WriteTxn::page_mut_head`), not as a copy of the page.
//!
//! The failures are planted: an AFTER INSERT trigger raises ABORT for
//! some rows, after the row is in the leaf (some of them the first row of
//! a new leaf, so the rollback undoes a split too), and a two-row INSERT
//! whose second row is a duplicate fails after its first row went in. A
//! pool of a few frames makes the leaves spill between statements.

use std::path::Path;
use std::sync::Arc;
use walnut_pager::SimVfs;
use walnut_sql::{Database, Options, Value};

fn open(pool_frames: usize) -> Database {
    let options = Options {
        page_size: 1024,
        pool_frames,
        ..Options::default()
    };
    Database::open_vfs(Arc::new(SimVfs::new(3)), Path::new("r.db"), options).expect("open")
}

/// Creates the benchmark's table and opens a transaction.
fn create_and_begin(db: &Database) {
    db.execute(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)",
        (),
    )
    .expect("create");
    db.execute("BEGIN", ()).expect("begin");
}

fn text(id: i64) -> String {
    (0..100)
        .map(|i| char::from(b'a' + ((id + i) % 26) as u8))
        .collect()
}

fn ids(db: &Database) -> Vec<i64> {
    db.query("SELECT id FROM t ORDER BY id", ())
        .expect("select")
        .map(|r| match r.as_slice() {
            [Value::Integer(id)] => *id,
            other => panic!("unexpected row {other:?}"),
        })
        .collect()
}

fn integrity(db: &Database) {
    let rows: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .expect("check")
        .collect();
    assert_eq!(rows, vec![vec![Value::from("ok")]]);
}

fn planted_aborts_undo_only_their_row(pool_frames: usize) {
    let db = open(pool_frames);
    db.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT);
         CREATE TRIGGER t_fail AFTER INSERT ON t WHEN NEW.k < 0
         BEGIN SELECT RAISE(ABORT, 'planted'); END;",
    )
    .expect("schema");
    db.execute("BEGIN", ()).expect("begin");
    let mut insert = db
        .prepare("INSERT INTO t VALUES (?, ?, ?)")
        .expect("prepare");
    let mut expected = Vec::new();
    for id in 1..=400i64 {
        // Every 7th row fails; about 8 rows fill a leaf, so the failures
        // land at every position in a leaf, the first of a new one too.
        let fails = id % 7 == 0;
        let k = if fails { -1 } else { id };
        let row = [Value::Integer(id), Value::Integer(k), Value::Text(text(id))];
        match insert.execute(&row) {
            Ok(n) => {
                assert!(!fails, "row {id} should have failed");
                assert_eq!(n, 1);
                expected.push(id);
            }
            Err(e) => {
                assert!(fails, "row {id}: {e}");
                assert!(e.to_string().contains("planted"), "{e}");
            }
        }
        if id % 50 == 0 {
            assert_eq!(ids(&db), expected, "after row {id}");
        }
    }
    // The failed ids are free, and can be inserted after all.
    for id in [7i64, 399] {
        let row = [
            Value::Integer(id),
            Value::Integer(id),
            Value::Text(text(id)),
        ];
        insert.execute(&row).expect("insert a failed id again");
        expected.push(id);
    }
    expected.sort_unstable();
    drop(insert);
    db.execute("COMMIT", ()).expect("commit");
    assert_eq!(ids(&db), expected);
    let texts: Vec<Vec<Value>> = db
        .query(
            "SELECT v FROM t WHERE id IN (1, 6, 8, 398, 400) ORDER BY id",
            (),
        )
        .expect("texts")
        .collect();
    let want: Vec<Vec<Value>> = [1, 6, 8, 398, 400]
        .iter()
        .map(|&id| vec![Value::Text(text(id))])
        .collect();
    assert_eq!(texts, want);
    integrity(&db);
}

#[test]
fn a_planted_abort_after_an_append_undoes_only_that_row() {
    planted_aborts_undo_only_their_row(256);
}

#[test]
fn a_planted_abort_after_an_append_undoes_only_that_row_with_spills() {
    planted_aborts_undo_only_their_row(6);
}

#[test]
fn a_failing_two_row_insert_undoes_its_first_row() {
    let db = open(16);
    create_and_begin(&db);
    let mut one = db
        .prepare("INSERT INTO t VALUES (?, ?, ?)")
        .expect("prepare");
    let mut two = db
        .prepare("INSERT INTO t VALUES (?, 0, 'first'), (?, 0, 'second')")
        .expect("prepare");
    let mut expected = Vec::new();
    for id in 1..=200i64 {
        let row = [
            Value::Integer(id),
            Value::Integer(id),
            Value::Text(text(id)),
        ];
        one.execute(&row).expect("insert");
        expected.push(id);
        if id % 5 == 0 {
            // The first row is appended, the second is a duplicate.
            let err = two
                .execute(&[Value::Integer(id + 1000), Value::Integer(id)])
                .expect_err("duplicate");
            assert!(err.to_string().contains("UNIQUE"), "{err}");
        }
    }
    drop((one, two));
    db.execute("COMMIT", ()).expect("commit");
    assert_eq!(ids(&db), expected);
    integrity(&db);
}

#[test]
fn an_io_error_during_an_append_leaves_nothing_of_that_row() {
    // A one-row INSERT into a table with no index and no trigger takes no
    // savepoint once its plan is kept (`Prepared::writes_atomically`): its
    // failure must have changed nothing by itself. A pool of six frames
    // makes the inserts spill pages to the WAL, and the spill write is
    // made to fail, before every row, after 0, 1 or 2 more writes.
    let vfs = Arc::new(SimVfs::new(11));
    let options = Options {
        page_size: 1024,
        pool_frames: 6,
        ..Options::default()
    };
    let db = Database::open_vfs(vfs.clone(), Path::new("io.db"), options).expect("open");
    create_and_begin(&db);
    let mut insert = db
        .prepare("INSERT INTO t VALUES (?, ?, ?)")
        .expect("prepare");
    let mut expected = Vec::new();
    let mut failures = 0;
    for id in 1..=600i64 {
        let row = [
            Value::Integer(id),
            Value::Integer(id),
            Value::Text(text(id)),
        ];
        if id > 1 {
            vfs.fail_write_after(Some((id % 3) as u64));
        }
        let first = insert.execute(&row);
        vfs.fail_write_after(None);
        if let Err(e) = first {
            failures += 1;
            assert!(e.to_string().contains("I/O error"), "row {id}: {e}");
            assert_eq!(ids(&db), expected, "after the failure of row {id}");
            insert
                .execute(&row)
                .expect("the same row again, without the fault");
        }
        expected.push(id);
    }
    assert!(failures > 10, "only {failures} inserts failed");
    drop(insert);
    db.execute("COMMIT", ()).expect("commit");
    assert_eq!(ids(&db), expected);
    integrity(&db);
}
