//! Triggers and TEMP objects through the API: errors as SQLite words them
//! (checked against SQLite itself), what `RAISE()` does to a session's
//! transaction, and TEMP objects that belong to their session alone.

use walnut_sql::ast::RaiseAction;
use walnut_sql::{Database, Error, Value};

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

/// SQLite's message without what rusqlite appends to point into the
/// text (` in <statement> at offset N`).
fn sqlite_message(e: rusqlite::Error, sql: &str) -> String {
    let text = e.to_string();
    if let Some(at) = text.rfind(" at offset ") {
        let located = text[..at].match_indices(" in ").find(|(p, _)| {
            let statement = &text[p + 4..at];
            !statement.is_empty() && sql.contains(statement)
        });
        if let Some((p, _)) = located {
            return text[..p].to_string();
        }
    }
    text
}

/// Runs each statement on walnut and on SQLite (rusqlite's bundled one),
/// in turn: both must succeed, or both fail with the same message.
fn same_outcomes(statements: &[&str]) {
    let db = Database::open_in_memory().expect("open");
    let conn = rusqlite::Connection::open_in_memory().expect("open SQLite");
    for sql in statements {
        let walnut = db.execute_batch(sql).map_err(|e| e.to_string());
        let sqlite = conn.execute_batch(sql).map_err(|e| sqlite_message(e, sql));
        assert_eq!(walnut, sqlite, "{sql}");
    }
}

#[test]
fn trigger_errors_are_worded_as_sqlite_words_them() {
    same_outcomes(&[
        "CREATE TABLE t(a INTEGER, b TEXT)",
        "CREATE VIEW v AS SELECT a, b FROM t",
        "CREATE TABLE log(x)",
        // Creating: the table, the name, the timing.
        "CREATE TRIGGER r AFTER INSERT ON nope BEGIN SELECT 1; END",
        "CREATE TEMP TRIGGER r AFTER INSERT ON nope BEGIN SELECT 1; END",
        "CREATE TRIGGER r INSTEAD OF INSERT ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER r BEFORE INSERT ON v BEGIN SELECT 1; END",
        "CREATE TRIGGER r DELETE ON v BEGIN SELECT 1; END",
        "CREATE TRIGGER r AFTER UPDATE ON v BEGIN SELECT 1; END",
        "CREATE TRIGGER r AFTER INSERT ON sqlite_master BEGIN SELECT 1; END",
        "CREATE TRIGGER sqlite_r AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT ?; END",
        "CREATE TRIGGER r AFTER INSERT ON t WHEN :x BEGIN SELECT 1; END",
        "CREATE TRIGGER r AFTER INSERT ON t BEGIN DELETE FROM log NOT INDEXED; END",
        "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER R AFTER DELETE ON t BEGIN SELECT 1; END",
        "CREATE TRIGGER IF NOT EXISTS R AFTER DELETE ON t BEGIN SELECT 1; END",
        "CREATE TEMP TRIGGER main.r2 AFTER INSERT ON t BEGIN SELECT 1; END",
        // RAISE outside a trigger, in any statement.
        "SELECT RAISE(IGNORE)",
        "SELECT 1 WHERE RAISE(ABORT, 'x')",
        // Dropping.
        "DROP TRIGGER nope",
        "DROP TRIGGER main.nope",
        "DROP TRIGGER temp.nope",
        "DROP TRIGGER IF EXISTS nope",
        "DROP TRIGGER r",
        "DROP TRIGGER r",
        // Writing a view without an INSTEAD OF trigger for the statement.
        "INSERT INTO v VALUES (1, 'x')",
        "CREATE TRIGGER vu INSTEAD OF UPDATE OF b ON v BEGIN SELECT 1; END",
        "UPDATE v SET a = 1",
        "UPDATE v SET b = 'y'",
        "DELETE FROM v",
        // NEW and OLD where the event has none, or no such column; the
        // error comes when a statement that fires the trigger is
        // prepared, whether or not a row changes.
        "CREATE TRIGGER bad_old AFTER INSERT ON t BEGIN SELECT old.a; END",
        "INSERT INTO t VALUES (1, 'x')",
        "DROP TRIGGER bad_old",
        "CREATE TRIGGER bad_new AFTER DELETE ON t BEGIN SELECT new.a; END",
        "DELETE FROM t WHERE 0",
        "DROP TRIGGER bad_new",
        "CREATE TRIGGER bad_col AFTER UPDATE ON t WHEN new.zz BEGIN SELECT 1; END",
        "UPDATE t SET a = 2 WHERE 0",
        "DROP TRIGGER bad_col",
        "CREATE TRIGGER bad_table AFTER UPDATE ON t BEGIN INSERT INTO nope VALUES (1); END",
        "UPDATE t SET a = 2",
        "DROP TRIGGER bad_table",
        // RAISE's message is the error.
        "CREATE TRIGGER guard BEFORE INSERT ON t WHEN new.a < 0 BEGIN \
         SELECT RAISE(ABORT, 'negative: not allowed'); END",
        "INSERT INTO t VALUES (-1, 'x')",
        "INSERT INTO t VALUES (1, 'x'), (2, 'y')",
        "CREATE TRIGGER guard2 BEFORE UPDATE ON t BEGIN SELECT RAISE(FAIL, 'no updates'); END",
        "UPDATE t SET a = 5",
        "CREATE TRIGGER guard3 BEFORE DELETE ON t BEGIN SELECT RAISE(ROLLBACK, 'no deletes'); END",
        "DELETE FROM t",
        "BEGIN; DELETE FROM t",
        "COMMIT",
        // A TEMP view: its name and its namespace.
        "CREATE TEMP VIEW tv AS SELECT 1 AS one",
        "CREATE TEMP VIEW tv AS SELECT 2",
        "CREATE TEMP VIEW main.tv2 AS SELECT 2",
        "CREATE TRIGGER main.on_tv INSTEAD OF INSERT ON tv BEGIN SELECT 1; END",
        "DROP VIEW temp.nope",
        "DROP VIEW main.tv",
    ]);
}

#[test]
fn raise_errors_are_typed_and_act_on_the_transaction() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(
        "CREATE TABLE t(a INTEGER);
         CREATE TRIGGER fail BEFORE INSERT ON t WHEN new.a = 2 BEGIN SELECT RAISE(FAIL, 'two'); END;
         CREATE TRIGGER abort BEFORE INSERT ON t WHEN new.a = 3 BEGIN SELECT RAISE(ABORT, 'three'); END;
         CREATE TRIGGER rollback BEFORE INSERT ON t WHEN new.a = 4 BEGIN SELECT RAISE(ROLLBACK, 'four'); END;",
    )
    .expect("schema");
    let raised = |e: &Error| match e {
        Error::Raised { action, message } => (*action, message.clone()),
        other => panic!("not a RAISE: {other}"),
    };
    let count = || ints(db.query("SELECT count(*) FROM t", ()).expect("count"))[0][0];

    // FAIL in autocommit: the rows before it are committed.
    let err = db
        .execute("INSERT INTO t VALUES (1), (2), (5)", ())
        .expect_err("fail");
    assert_eq!(raised(&err), (RaiseAction::Fail, "two".into()));
    assert_eq!(err.to_string(), "two");
    assert_eq!(count(), 1);

    // ABORT and FAIL inside BEGIN leave the transaction open.
    db.execute("BEGIN", ()).expect("begin");
    let err = db
        .execute("INSERT INTO t VALUES (6), (3)", ())
        .expect_err("abort");
    assert_eq!(raised(&err), (RaiseAction::Abort, "three".into()));
    assert!(db.in_transaction());
    assert_eq!(count(), 1, "the statement was undone");
    db.execute("INSERT INTO t VALUES (7), (2)", ())
        .expect_err("fail");
    assert!(db.in_transaction());
    assert_eq!(count(), 2, "the row before FAIL stays");

    // ROLLBACK ends the transaction, undoing all of it.
    let err = db
        .execute("INSERT INTO t VALUES (4)", ())
        .expect_err("rollback");
    assert_eq!(raised(&err), (RaiseAction::Rollback, "four".into()));
    assert!(!db.in_transaction());
    assert_eq!(count(), 1);
    let err = db.execute("COMMIT", ()).expect_err("no transaction");
    assert_eq!(err.to_string(), "cannot commit - no transaction is active");
}

#[test]
fn temp_objects_belong_to_their_session() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch("CREATE TABLE t(a); CREATE TABLE log(who)")
        .expect("schema");
    let other = db.session();
    db.execute_batch(
        "CREATE TEMP VIEW mine AS SELECT 'main session' AS who;
         CREATE TEMP TRIGGER note AFTER INSERT ON t BEGIN INSERT INTO log SELECT who FROM mine; END;",
    )
    .expect("temp objects");
    // The other session sees neither, and may use the same names.
    let err = other
        .query("SELECT * FROM mine", ())
        .expect_err("not there");
    assert_eq!(err.to_string(), "no such table: mine");
    other
        .execute("CREATE TEMP VIEW mine AS SELECT 'other session' AS who", ())
        .expect("its own view");
    other
        .execute("INSERT INTO t VALUES (1)", ())
        .expect("insert");
    assert_eq!(
        ints(db.query("SELECT count(*) FROM log", ()).expect("log")),
        vec![vec![0]],
        "the trigger of the main session did not fire"
    );
    db.execute("INSERT INTO t VALUES (2)", ()).expect("insert");
    let log: Vec<Vec<Value>> = db.query("SELECT who FROM log", ()).expect("log").collect();
    assert_eq!(log, vec![vec![Value::from("main session")]]);
    // Neither is in the file's schema.
    assert_eq!(
        ints(
            db.query(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('mine', 'note')",
                ()
            )
            .expect("master")
        ),
        vec![vec![0]]
    );
    let temp: Vec<Vec<Value>> = other
        .query("SELECT type, name FROM sqlite_temp_master", ())
        .expect("temp master")
        .collect();
    assert_eq!(temp, vec![vec![Value::from("view"), Value::from("mine")]]);
}

#[test]
fn triggers_are_kept_in_the_file_and_temp_objects_are_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    {
        let db = Database::open(&path).expect("open");
        db.execute_batch(
            "CREATE TABLE t(a); CREATE TABLE log(a);
             CREATE TRIGGER copy AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a * 10); END;
             CREATE TEMP TRIGGER gone AFTER INSERT ON t BEGIN INSERT INTO log VALUES (-1); END;
             CREATE TEMP VIEW v AS SELECT 1;",
        )
        .expect("schema");
    }
    let db = Database::open(&path).expect("reopen");
    db.execute("INSERT INTO t VALUES (4)", ()).expect("insert");
    assert_eq!(
        ints(db.query("SELECT a FROM log", ()).expect("log")),
        vec![vec![40]]
    );
    assert_eq!(
        ints(
            db.query("SELECT count(*) FROM sqlite_temp_master", ())
                .expect("temp")
        ),
        vec![vec![0]]
    );
    let check: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .expect("check")
        .collect();
    assert_eq!(check, vec![vec![Value::from("ok")]]);
}

#[test]
fn renaming_a_table_with_triggers_is_refused_with_the_reason() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch("CREATE TABLE t(a); CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END;")
        .expect("schema");
    let err = db
        .execute("ALTER TABLE t RENAME TO u", ())
        .expect_err("refused");
    assert!(
        matches!(err, Error::Sql(walnut_sql::SqlError::NotSupported(_))),
        "{err}"
    );
    db.execute("DROP TRIGGER r", ()).expect("drop");
    db.execute("ALTER TABLE t RENAME TO u", ()).expect("rename");
}
