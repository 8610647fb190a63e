//! PRAGMAs: the ones whose answers SQLite shares are compared with SQLite;
//! the others with what walnut's pager reports.

use rusqlite::Connection;
use walnut_sql::{Database, Value};

fn walnut_rows(db: &Database, sql: &str) -> Vec<Vec<Value>> {
    db.query(sql, ()).expect(sql).collect()
}

fn sqlite_rows(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let mut stmt = conn.prepare(sql).expect(sql);
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(x) => Value::Integer(x),
                        rusqlite::types::ValueRef::Real(x) => Value::Real(x),
                        rusqlite::types::ValueRef::Text(t) => {
                            Value::Text(String::from_utf8_lossy(t).into_owned())
                        }
                        rusqlite::types::ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .expect(sql);
    rows.collect::<Result<_, _>>().expect(sql)
}

const SCHEMA: &str = "
    CREATE TABLE person(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'anon',
                        email VARCHAR(80) UNIQUE, age INT CHECK (age >= 0), score REAL DEFAULT 0.5);
    CREATE TABLE pair(a, b, c, PRIMARY KEY (a, b), UNIQUE (c));
    CREATE INDEX person_age ON person(age);
    CREATE UNIQUE INDEX person_name_age ON person(name, age DESC);
";

#[test]
fn table_info_and_index_info_match_sqlite() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(SCHEMA).expect("schema");
    let conn = Connection::open_in_memory().expect("sqlite");
    conn.execute_batch(SCHEMA).expect("schema");
    for sql in [
        "PRAGMA table_info(person)",
        "PRAGMA table_info(pair)",
        "PRAGMA index_info(person_name_age)",
        "PRAGMA index_info(sqlite_autoindex_pair_1)",
        "PRAGMA index_info(sqlite_autoindex_pair_2)",
    ] {
        assert_eq!(walnut_rows(&db, sql), sqlite_rows(&conn, sql), "{sql}");
    }
    // index_list: the same indexes with the same flags (SQLite's `seq`
    // order follows its internal lists; compare as sets).
    for sql in ["PRAGMA index_list(person)", "PRAGMA index_list(pair)"] {
        let strip = |rows: Vec<Vec<Value>>| {
            let mut v: Vec<Vec<Value>> = rows.into_iter().map(|r| r[1..].to_vec()).collect();
            v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            v
        };
        assert_eq!(
            strip(walnut_rows(&db, sql)),
            strip(sqlite_rows(&conn, sql)),
            "{sql}"
        );
    }
}

#[test]
fn settings_read_back_and_checkpoints_report() {
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(SCHEMA).expect("schema");
    db.execute(
        "INSERT INTO person(name, age) VALUES ('a', 1), ('b', 2)",
        (),
    )
    .expect("insert");
    let one = |sql: &str| walnut_rows(&db, sql).remove(0).remove(0);
    db.execute("PRAGMA synchronous = NORMAL", ()).expect("set");
    assert_eq!(one("PRAGMA synchronous"), Value::Integer(1));
    db.execute("PRAGMA synchronous = full", ()).expect("set");
    assert_eq!(one("PRAGMA synchronous"), Value::Integer(2));
    let fsyncs = || db.pager().stats().fsyncs;
    let before = fsyncs();
    db.execute("INSERT INTO person(name, age) VALUES ('c', 3)", ())
        .expect("insert");
    assert_eq!(fsyncs() - before, 1, "FULL: one fsync per commit");
    db.execute("PRAGMA synchronous = EXTRA", ()).expect("set");
    assert_eq!(one("PRAGMA synchronous"), Value::Integer(3));
    let before = fsyncs();
    db.execute("INSERT INTO person(name, age) VALUES ('d', 4)", ())
        .expect("insert");
    assert_eq!(
        fsyncs() - before,
        2,
        "EXTRA: the frames, then the mark slot"
    );
    db.execute("PRAGMA synchronous = 2", ()).expect("set");
    assert_eq!(one("PRAGMA synchronous"), Value::Integer(2));
    db.execute("PRAGMA synchronous = 3", ()).expect("set");
    assert_eq!(one("PRAGMA synchronous"), Value::Integer(3));
    assert_eq!(one("PRAGMA wal_autocheckpoint = 50"), Value::Integer(50));
    assert_eq!(one("PRAGMA wal_autocheckpoint"), Value::Integer(50));
    assert_eq!(one("PRAGMA integrity_check"), Value::from("ok"));
    let pages = one("PRAGMA page_count");
    assert!(matches!(pages, Value::Integer(n) if n > 5), "{pages:?}");
    let checkpoint = walnut_rows(&db, "PRAGMA wal_checkpoint");
    assert_eq!(checkpoint.len(), 1);
    assert_eq!(checkpoint[0][0], Value::Integer(0), "not busy");
    db.execute("DROP TABLE pair", ()).expect("drop");
    let free = one("PRAGMA freelist_count");
    assert!(
        matches!(free, Value::Integer(n) if n > 0),
        "dropped pages are free: {free:?}"
    );
    let err = db
        .execute("PRAGMA journal_mode = delete", ())
        .expect_err("unknown");
    assert_eq!(err.to_string(), "not supported: PRAGMA journal_mode");
    let err = db
        .execute("PRAGMA synchronous = sometimes", ())
        .expect_err("bad value");
    assert!(
        err.to_string().contains("OFF, NORMAL, FULL or EXTRA"),
        "{err}"
    );
}

#[test]
fn integrity_check_finds_an_index_out_of_step() {
    use walnut_btree::{BTree, InsertMode};
    let db = Database::open_in_memory().expect("open");
    db.execute_batch(SCHEMA).expect("schema");
    db.execute("INSERT INTO person(name, age) VALUES ('a', 1)", ())
        .expect("insert");
    // Damage the index behind the SQL layer's back: an entry for no row.
    let root = match walnut_rows(
        &db,
        "SELECT rootpage FROM sqlite_master WHERE name = 'person_age'",
    )
    .remove(0)
    .remove(0)
    {
        Value::Integer(r) => r as u32,
        other => panic!("{other:?}"),
    };
    let pager = db.pager();
    let tx = pager.begin_write().expect("write");
    BTree::open(root)
        .insert(&tx, b"\x05\x10stray", &[], InsertMode::Upsert)
        .expect("insert");
    tx.commit().expect("commit");
    let problems = walnut_rows(&db, "PRAGMA integrity_check");
    assert_eq!(
        problems,
        vec![vec![Value::from(
            "wrong # of entries in index person_age (2 entries, 1 rows)"
        )]]
    );
}
