//! The `Database` API: what a program using walnut can count on.

use walnut_sql::{Database, Error, Options, Value};

fn ints(rows: walnut_sql::Rows) -> Vec<Vec<i64>> {
    rows.map(|r| {
        r.into_iter()
            .map(|v| match v {
                Value::Integer(i) => i,
                other => panic!("not an integer: {other:?}"),
            })
            .collect()
    })
    .collect()
}

#[test]
fn database_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Database>();
    assert_send_sync::<walnut_sql::Session>();
}

#[test]
fn parameters_bind_by_position_number_and_name() {
    let db = Database::open_in_memory().expect("open");
    db.execute("CREATE TABLE t(a, b, c)", ()).expect("create");
    db.execute(
        "INSERT INTO t VALUES (?, ?3, ?2)",
        &[Value::from(1), Value::from("two"), Value::from(3.5)],
    )
    .expect("positional");
    db.execute(
        "INSERT INTO t VALUES (:a, :b, :a)",
        &[(":a", Value::from(7)), (":b", Value::Null)],
    )
    .expect("named");
    let rows: Vec<Vec<Value>> = db
        .query("SELECT * FROM t ORDER BY a", ())
        .expect("query")
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![Value::Integer(1), Value::Real(3.5), Value::from("two")],
            vec![Value::Integer(7), Value::Null, Value::Integer(7)],
        ]
    );
    let err = db
        .execute(
            "INSERT INTO t VALUES (?, ?, ?)",
            &[Value::Null, Value::Null, Value::Null, Value::Null],
        )
        .expect_err("too many values");
    assert!(matches!(err, Error::Parameter(_)), "{err}");
}

#[test]
fn prepared_statements_run_again_with_new_parameters() {
    let db = Database::open_in_memory().expect("open");
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", ())
        .expect("create");
    let mut insert = db.prepare("INSERT INTO t(v) VALUES (?)").expect("prepare");
    assert_eq!(insert.parameter_count(), 1);
    for v in ["a", "b", "c"] {
        assert_eq!(insert.execute(&[Value::from(v)]).expect("insert"), 1);
    }
    let mut get = db.prepare("SELECT v FROM t WHERE id = ?").expect("prepare");
    let got: Vec<Vec<Value>> = get.query(&[Value::from(2)]).expect("query").collect();
    assert_eq!(got, vec![vec![Value::from("b")]]);
}

#[test]
fn rows_carry_column_names_and_changes() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch("CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 2), (3, 4);")
        .expect("batch");
    let rows = db
        .query("SELECT a, b AS bee, a + b FROM t", ())
        .expect("query");
    assert_eq!(rows.columns(), ["a", "bee", "a + b"]);
    assert_eq!(db.execute("UPDATE t SET a = a + 1", ()).expect("update"), 2);
    assert_eq!(
        db.execute("DELETE FROM t WHERE a > 3", ()).expect("delete"),
        1
    );
}

#[test]
fn a_failing_statement_in_a_transaction_undoes_only_itself() {
    let db = Database::open_in_memory().expect("open");
    db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE)", ())
        .expect("create");
    db.execute("BEGIN", ()).expect("begin");
    db.execute("INSERT INTO t VALUES (1, 'x')", ())
        .expect("first");
    let err = db
        .execute("INSERT INTO t VALUES (2, 'y'), (3, 'x')", ())
        .expect_err("unique");
    assert_eq!(err.to_string(), "UNIQUE constraint failed: t.b");
    assert!(db.in_transaction(), "the transaction stays open");
    db.execute("INSERT INTO t VALUES (4, 'z')", ())
        .expect("after the error");
    db.execute("COMMIT", ()).expect("commit");
    assert_eq!(
        ints(db.query("SELECT a FROM t ORDER BY a", ()).expect("query")),
        vec![vec![1], vec![4]]
    );
}

#[test]
fn a_taken_rowid_is_refused_like_sqlite_and_changes_nothing() {
    // Without a unique index the table insert itself refuses the rowid;
    // with one, the rowid is still the conflict reported first.
    for (schema, insert) in [
        (
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b); CREATE INDEX t_b ON t(b)",
            "INSERT INTO t VALUES (1, 'y')",
        ),
        (
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE)",
            "INSERT INTO t VALUES (1, 'x')",
        ),
        (
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE)",
            "INSERT INTO t VALUES (2, 'z'), (1, 'y')",
        ),
    ] {
        let setup = format!("{schema}; INSERT INTO t VALUES (1, 'x');");
        let db = Database::open_in_memory().expect("open");
        db.execute_batch(&setup).expect("setup");
        let ours = db
            .execute(insert, ())
            .expect_err("rowid 1 is taken")
            .to_string();
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        conn.execute_batch(&setup).expect("setup");
        let theirs = conn
            .execute(insert, [])
            .expect_err("rowid 1 is taken")
            .to_string();
        assert_eq!(ours, "UNIQUE constraint failed: t.a", "{insert}");
        assert_eq!(ours, theirs, "{insert}");
        let rows: Vec<Vec<Value>> = db
            .query("SELECT a, b FROM t WHERE b >= 'a'", ())
            .expect("query")
            .collect();
        assert_eq!(
            rows,
            vec![vec![Value::Integer(1), Value::from("x")]],
            "{insert}"
        );
        let check: Vec<Vec<Value>> = db
            .query("PRAGMA integrity_check", ())
            .expect("check")
            .collect();
        assert_eq!(check, vec![vec![Value::from("ok")]], "{insert}");
        // OR IGNORE skips the row, OR REPLACE replaces it.
        db.execute("INSERT OR IGNORE INTO t VALUES (1, 'q')", ())
            .expect("ignore");
        db.execute("INSERT OR REPLACE INTO t VALUES (1, 'r')", ())
            .expect("replace");
        let rows: Vec<Vec<Value>> = db.query("SELECT a, b FROM t", ()).expect("query").collect();
        assert_eq!(
            rows,
            vec![vec![Value::Integer(1), Value::from("r")]],
            "{insert}"
        );
    }
}

#[test]
fn sessions_isolate_transactions_and_readers_see_committed_data() {
    let db = Database::open_in_memory().expect("open");
    db.execute("CREATE TABLE t(a)", ()).expect("create");
    db.execute("INSERT INTO t VALUES (1)", ()).expect("insert");
    let writer = db.session();
    let reader = db.session();
    writer.execute("BEGIN", ()).expect("begin");
    writer
        .execute("INSERT INTO t VALUES (2)", ())
        .expect("insert");
    // Another thread reads while the writer works: it sees only row 1.
    let seen = std::thread::scope(|s| {
        s.spawn(|| ints(reader.query("SELECT count(*) FROM t", ()).expect("read")))
            .join()
            .expect("thread")
    });
    assert_eq!(seen, vec![vec![1]]);
    // A second writer is refused while the first holds the write lock.
    let err = reader
        .execute("INSERT INTO t VALUES (3)", ())
        .expect_err("busy");
    assert!(matches!(err, Error::Busy(_)), "{err}");
    writer.execute("COMMIT", ()).expect("commit");
    assert_eq!(
        ints(reader.query("SELECT count(*) FROM t", ()).expect("read")),
        vec![vec![2]]
    );
}

#[test]
fn a_read_snapshot_is_stable_until_commit_and_cannot_upgrade_when_stale() {
    let db = Database::open_in_memory().expect("open");
    db.execute("CREATE TABLE t(a)", ()).expect("create");
    let s = db.session();
    s.execute("BEGIN", ()).expect("begin");
    assert_eq!(
        ints(s.query("SELECT count(*) FROM t", ()).expect("read")),
        vec![vec![0]]
    );
    db.execute("INSERT INTO t VALUES (1)", ())
        .expect("other session writes");
    assert_eq!(
        ints(s.query("SELECT count(*) FROM t", ()).expect("read")),
        vec![vec![0]],
        "the snapshot does not move"
    );
    let err = s
        .execute("INSERT INTO t VALUES (2)", ())
        .expect_err("stale");
    assert!(matches!(err, Error::Busy(_)), "{err}");
    s.execute("ROLLBACK", ()).expect("rollback");
    assert_eq!(
        ints(s.query("SELECT count(*) FROM t", ()).expect("read")),
        vec![vec![1]]
    );
}

#[test]
fn a_transaction_larger_than_the_buffer_pool_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.db");
    let options = Options {
        pool_frames: 16,
        ..Options::default()
    };
    {
        let db = Database::open_with(&path, options.clone()).expect("open");
        db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)", ())
            .expect("create");
        db.execute("CREATE INDEX t_body ON t(body)", ())
            .expect("index");
        db.execute("BEGIN", ()).expect("begin");
        let mut insert = db
            .prepare("INSERT INTO t(body) VALUES (?)")
            .expect("prepare");
        for i in 0..3000 {
            insert
                .execute(&[Value::from(format!("row {i:05} {}", "x".repeat(200)))])
                .expect("insert");
        }
        db.execute("COMMIT", ()).expect("commit");
        assert!(db.stats().spills > 0, "the pool had to spill");
    }
    let db = Database::open_with(&path, options).expect("reopen");
    assert_eq!(
        ints(db.query("SELECT count(*) FROM t", ()).expect("count")),
        vec![vec![3000]]
    );
    let rows: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .expect("check")
        .collect();
    assert_eq!(rows, vec![vec![Value::from("ok")]]);
}

#[test]
fn errors_are_typed_and_worded_as_sqlite_words_them() {
    let db = Database::open_in_memory().expect("open");
    db.execute("CREATE TABLE t(a NOT NULL, b CHECK (b > 0))", ())
        .expect("create");
    let cases = [
        ("SELECT * FROM nope", "no such table: nope"),
        ("SELECT nope FROM t", "no such column: nope"),
        (
            "INSERT INTO t VALUES (NULL, 1)",
            "NOT NULL constraint failed: t.a",
        ),
        (
            "INSERT INTO t VALUES (1, 0)",
            "CHECK constraint failed: b > 0",
        ),
        ("COMMIT", "cannot commit - no transaction is active"),
        ("CREATE TABLE t(x)", "table t already exists"),
        (
            "SELECT count(*) FROM t WHERE count(*) > 1",
            "misuse of aggregate: count()",
        ),
        ("SELECT t.a FROM t, t", "ambiguous column name: t.a"),
        // Found by the SQL fuzzer: this used to claim a malformed database.
        ("CREATE INDEX i ON t(rowid)", "no such column: rowid"),
    ];
    for (sql, message) in cases {
        let err = db.query(sql, ()).expect_err(sql);
        assert_eq!(err.to_string(), message, "{sql}");
    }
    let err = db.query("SELEC 1", ()).expect_err("syntax");
    assert!(
        matches!(err, Error::Sql(walnut_sql::SqlError::Syntax(_))),
        "{err}"
    );
}

#[test]
fn page_size_can_change_before_the_first_table_only() {
    let db = Database::open_in_memory().expect("open");
    db.execute("PRAGMA page_size = 1024", ()).expect("set");
    assert_eq!(
        ints(db.query("PRAGMA page_size", ()).expect("read")),
        vec![vec![1024]]
    );
    db.execute("CREATE TABLE t(a)", ()).expect("create");
    let err = db
        .execute("PRAGMA page_size = 8192", ())
        .expect_err("too late");
    assert!(err.to_string().contains("before the first table"), "{err}");
    db.execute("PRAGMA cache_size = 64", ())
        .expect("resize the pool");
    assert_eq!(
        ints(db.query("PRAGMA cache_size", ()).expect("read")),
        vec![vec![64]]
    );
    db.execute("INSERT INTO t VALUES (1)", ())
        .expect("still works");
    // The pool is allocated up front: a huge size is refused, not tried.
    let err = db
        .execute("PRAGMA cache_size = 100000000", ())
        .expect_err("too big");
    assert!(err.to_string().contains("allows at most 4096 MiB"), "{err}");
    assert_eq!(
        ints(db.query("PRAGMA cache_size", ()).expect("read")),
        vec![vec![64]],
        "the pool is unchanged"
    );
}

#[test]
fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    {
        let db = Database::open(&path).expect("open");
        db.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
             INSERT INTO t(name) VALUES ('ann'), ('bob');
             CREATE INDEX t_name ON t(name);",
        )
        .expect("batch");
    }
    let db = Database::open(&path).expect("reopen");
    let rows: Vec<Vec<Value>> = db
        .query("SELECT type, name, tbl_name, sql FROM sqlite_master", ())
        .expect("schema")
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![
                Value::from("table"),
                Value::from("t"),
                Value::from("t"),
                Value::from("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
            ],
            vec![
                Value::from("index"),
                Value::from("sqlite_autoindex_t_1"),
                Value::from("t"),
                Value::Null
            ],
            vec![
                Value::from("index"),
                Value::from("t_name"),
                Value::from("t"),
                Value::from("CREATE INDEX t_name ON t(name)")
            ],
        ]
    );
    let err = db
        .execute("INSERT INTO t(name) VALUES ('bob')", ())
        .expect_err("unique");
    assert_eq!(err.to_string(), "UNIQUE constraint failed: t.name");
}

#[test]
fn a_file_of_the_format_before_compact_index_keys_is_refused_with_a_typed_error() {
    // Format 1 stored every number of an index key in 17 bytes: read with
    // today's key encoding, its indexes would silently find nothing. The
    // version in the header (offset 32) stops it at the door instead.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    {
        let db = Database::open(&path).expect("open");
        db.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER);
             INSERT INTO t VALUES (1, 10), (2, 20);
             CREATE INDEX t_k ON t(k);",
        )
        .expect("batch");
    }
    let mut bytes = std::fs::read(&path).expect("read");
    assert_eq!(&bytes[32..36], &2u32.to_be_bytes(), "written as format 2");
    bytes[32..36].copy_from_slice(&1u32.to_be_bytes());
    std::fs::write(&path, &bytes).expect("write");
    let err = Database::open(&path)
        .err()
        .expect("a format-1 file is refused");
    assert!(
        matches!(
            &err,
            Error::Storage(walnut_btree::BTreeError::Pager(
                walnut_pager::PagerError::UnsupportedVersion {
                    found: 1,
                    supported: 2,
                    ..
                }
            ))
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("old.db: unsupported format version 1 (this build reads version 2)"),
        "{err}"
    );
}

#[test]
fn a_transaction_sees_its_own_schema_changes_and_no_session_sees_rolled_back_ones() {
    let db = Database::open_in_memory().expect("open");
    let other = db.session();
    db.execute("CREATE TABLE t(a)", ()).expect("create t");
    // Inside BEGIN, DDL is the transaction's own until COMMIT.
    db.execute_batch("BEGIN; CREATE TABLE gone(x); INSERT INTO gone VALUES (1);")
        .expect("ddl in a transaction");
    assert_eq!(
        ints(db.query("SELECT x FROM gone", ()).expect("own")),
        [[1]]
    );
    assert!(
        other.query("SELECT x FROM gone", ()).is_err(),
        "not committed"
    );
    db.execute("ROLLBACK", ()).expect("rollback");
    // The same schema cookie comes back with a different table: the
    // rolled-back schema must not be served from any cache.
    db.execute_batch("BEGIN; CREATE TABLE kept(y, z); INSERT INTO kept VALUES (2, 3); COMMIT;")
        .expect("second transaction");
    for s in [db.main_session(), &other] {
        assert!(s.query("SELECT x FROM gone", ()).is_err());
        assert_eq!(
            ints(s.query("SELECT y, z FROM kept", ()).expect("kept")),
            [[2, 3]]
        );
    }
    // Plain writes after DDL see the new table (and fill the cache).
    for i in 0..3 {
        db.execute("INSERT INTO kept VALUES (?, 0)", &[Value::from(i)])
            .expect("insert");
    }
    assert_eq!(
        ints(other.query("SELECT count(*) FROM kept", ()).expect("count")),
        [[4]]
    );
}

/// A write transaction checks the schema once and keeps it for its later
/// statements; the next transaction must check again, since another
/// session may have changed the schema in between.
#[test]
fn each_write_transaction_sees_the_schema_other_sessions_committed_before_it() {
    let db = Database::open_in_memory().expect("open");
    let other = db.session();
    db.execute("CREATE TABLE t(a)", ()).expect("create t");
    db.execute_batch("BEGIN; INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); COMMIT;")
        .expect("first transaction");
    other
        .execute_batch("ALTER TABLE t ADD COLUMN b DEFAULT 7; CREATE TABLE u(x);")
        .expect("the other session changes the schema");
    db.execute_batch(
        "BEGIN; INSERT INTO t VALUES (3, 8); INSERT INTO u VALUES (9); \
         INSERT INTO t VALUES (4, 9); COMMIT;",
    )
    .expect("the next transaction sees the new columns and table");
    assert_eq!(
        ints(db.query("SELECT a, b FROM t ORDER BY a", ()).expect("t")),
        [[1, 7], [2, 7], [3, 8], [4, 9]]
    );
    // DDL inside a transaction is seen by its next statements.
    db.execute_batch(
        "BEGIN; INSERT INTO u VALUES (1); ALTER TABLE u ADD COLUMN y; \
         INSERT INTO u VALUES (2, 3); COMMIT;",
    )
    .expect("ddl between inserts");
    assert_eq!(
        ints(
            other
                .query("SELECT count(*), sum(y) FROM u", ())
                .expect("u")
        ),
        [[3, 3]]
    );
}

#[test]
fn a_prepared_select_keeps_its_plan_only_while_the_schema_is_the_same() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2);")
        .expect("setup");
    let mut all = db.prepare("SELECT * FROM t ORDER BY 1").expect("prepare");
    let first: Vec<Vec<Value>> = all.query(()).expect("query").collect();
    assert_eq!(
        first,
        vec![vec![Value::Integer(1)], vec![Value::Integer(2)]]
    );
    // A new column: `*` means two columns now, as a re-prepared statement
    // in SQLite sees.
    db.execute("ALTER TABLE t ADD COLUMN b DEFAULT 9", ())
        .expect("alter");
    let rows = all.query(()).expect("query after ALTER");
    assert_eq!(rows.columns(), ["a", "b"]);
    assert_eq!(
        ints(rows),
        vec![vec![1, 9], vec![2, 9]],
        "the plan made before ALTER TABLE was not reused"
    );
    // Another table by the same name, with other pages: the plan follows.
    db.execute_batch("DROP TABLE t; CREATE TABLE t(x); INSERT INTO t VALUES (7);")
        .expect("replace");
    assert_eq!(
        ints(all.query(()).expect("query after DROP")),
        vec![vec![7]]
    );
    // Inside a transaction that changes the schema itself.
    db.execute_batch("BEGIN; CREATE INDEX t_x ON t(x); INSERT INTO t VALUES (8);")
        .expect("begin");
    assert_eq!(
        ints(all.query(()).expect("query in txn")),
        vec![vec![7], vec![8]]
    );
    db.execute("COMMIT", ()).expect("commit");
}

#[test]
fn a_kept_plan_computes_its_uncorrelated_subquery_again_at_every_run() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch("CREATE TABLE t(a); INSERT INTO t VALUES (1);")
        .expect("setup");
    let mut q = db
        .prepare("SELECT (SELECT count(*) FROM t), a FROM t JOIN t AS u USING (a) WHERE a IN (SELECT a FROM t)")
        .expect("prepare");
    assert_eq!(ints(q.query(()).expect("first")), vec![vec![1, 1]]);
    db.execute("INSERT INTO t VALUES (2)", ()).expect("insert");
    assert_eq!(
        ints(q.query(()).expect("second")),
        vec![vec![2, 1], vec![2, 2]],
        "the second run answered from the first run's rows"
    );
}

#[test]
fn a_prepared_insert_follows_new_indexes_triggers_and_columns() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch("CREATE TABLE t(a, b); CREATE TABLE log(x);")
        .expect("setup");
    let mut insert = db.prepare("INSERT INTO t VALUES (?, ?)").expect("prepare");
    insert
        .execute(&[Value::from(1), Value::from(2)])
        .expect("first");
    // An index made after the first run must be kept up to date by the
    // next ones: the integrity check compares it with the table.
    db.execute("CREATE INDEX t_a ON t(a)", ()).expect("index");
    insert
        .execute(&[Value::from(3), Value::from(4)])
        .expect("second");
    let found: Vec<Vec<Value>> = db
        .query("SELECT b FROM t INDEXED BY t_a WHERE a = 3", ())
        .expect("by index")
        .collect();
    assert_eq!(found, vec![vec![Value::Integer(4)]]);
    let check: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .expect("check")
        .collect();
    assert_eq!(check, vec![vec![Value::from("ok")]]);
    // A trigger made after the first run fires on the next.
    db.execute(
        "CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END",
        (),
    )
    .expect("trigger");
    insert
        .execute(&[Value::from(5), Value::from(6)])
        .expect("third");
    assert_eq!(
        ints(db.query("SELECT x FROM log", ()).expect("log")),
        vec![vec![5]]
    );
    // A third column: the two values no longer fit, as in SQLite.
    db.execute("ALTER TABLE t ADD COLUMN c", ()).expect("alter");
    let err = insert
        .execute(&[Value::from(7), Value::from(8)])
        .expect_err("two values for three columns");
    assert!(err.to_string().contains("3 columns but 2 values"), "{err}");
}
