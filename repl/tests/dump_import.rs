//! `.dump`, the CSV reader and `.import`, checked against SQLite itself
//! (rusqlite's bundled SQLite) and against what sqlite3 3.40's shell writes.

use std::path::{Path, PathBuf};
use walnut_repl::ShellError;
use walnut_repl::csv::{self, CsvError, Record};
use walnut_repl::dump::{self, format_real, quote_name_if_needed, sql_literal};
use walnut_repl::import::{self, ImportOptions, ImportReport};
use walnut_sql::{Database, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn walnut(script: &str) -> Result<Database, walnut_sql::Error> {
    let db = Database::open_in_memory()?;
    db.execute_batch(script)?;
    Ok(db)
}

fn dump_text(db: &Database, pattern: Option<&str>) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    dump::dump(db, pattern, &mut out)?;
    Ok(String::from_utf8(out)?)
}

fn from_sqlite(v: rusqlite::types::Value) -> Value {
    use rusqlite::types::Value as S;
    match v {
        S::Null => Value::Null,
        S::Integer(i) => Value::Integer(i),
        S::Real(r) => Value::Real(r),
        S::Text(s) => Value::Text(s),
        S::Blob(b) => Value::Blob(b),
    }
}

/// Equal values; reals bit for bit, except that a dump writes -0.0 as 0.0
/// (as sqlite3 does).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits() || (*x == 0.0 && *y == 0.0),
        _ => a == b,
    }
}

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<Vec<Vec<Value>>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let rows = stmt.query_map([], |row| {
        (0..n)
            .map(|i| row.get::<_, rusqlite::types::Value>(i).map(from_sqlite))
            .collect::<rusqlite::Result<Vec<Value>>>()
    })?;
    rows.collect()
}

fn walnut_rows(db: &Database, sql: &str) -> Result<Vec<Vec<Value>>, walnut_sql::Error> {
    Ok(db.query(sql, ())?.collect())
}

fn assert_same_rows(what: &str, walnut: &[Vec<Value>], other: &[Vec<Value>]) {
    assert_eq!(walnut.len(), other.len(), "{what}: row count");
    for (i, (a, b)) in walnut.iter().zip(other).enumerate() {
        assert_eq!(a.len(), b.len(), "{what}: row {i} width");
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(same(x, y), "{what}: row {i} column {j}: {x:?} vs {y:?}");
        }
    }
}

/// The tables of a walnut database: (name, column names).
fn tables(db: &Database) -> Result<Vec<(String, Vec<String>)>, walnut_sql::Error> {
    let mut out = Vec::new();
    for row in walnut_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")? {
        let Some(Value::Text(name)) = row.into_iter().next() else {
            continue;
        };
        let columns = db.query(&format!("SELECT * FROM {}", quoted(&name)), ())?;
        out.push((name, columns.columns().to_vec()));
    }
    Ok(out)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Every value of every table and its typeof(), in rowid order.
fn table_queries(db: &Database) -> Result<Vec<(String, String)>, walnut_sql::Error> {
    let mut out = Vec::new();
    for (name, columns) in tables(db)? {
        let t = quoted(&name);
        let cols: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let types: Vec<String> = cols.iter().map(|c| format!("typeof({c})")).collect();
        out.push((
            format!("{name}: values"),
            format!("SELECT {} FROM {t} ORDER BY rowid", cols.join(", ")),
        ));
        out.push((
            format!("{name}: types"),
            format!("SELECT {} FROM {t} ORDER BY rowid", types.join(", ")),
        ));
    }
    Ok(out)
}

const SCHEMA_QUERY: &str =
    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";

/// A database with every kind of value, key and name a dump must carry.
const KITCHEN_SINK: &str = r#"
CREATE TABLE nums(id INTEGER PRIMARY KEY, i INTEGER, r REAL, any_col);
INSERT INTO nums VALUES(1, 9223372036854775807, 0.1, -9223372036854775808);
INSERT INTO nums VALUES(2, -9223372036854775808, 1e300, 0);
INSERT INTO nums VALUES(3, 0, -0.0, -0.0);
INSERT INTO nums VALUES(4, -1, 1.0/3, 1.0/3);
INSERT INTO nums VALUES(5, 42, CAST(9007199254740993 AS REAL), 9007199254740993);
INSERT INTO nums VALUES(6, NULL, 5e-324, 1.7976931348623157e308);
INSERT INTO nums VALUES(7, 7, 0.30000000000000004, -1.5e-7);
INSERT INTO nums VALUES(8, 8, 9.3e18, 1e16);
INSERT INTO nums VALUES(9, 9, 1e999, -1e999);
INSERT INTO nums VALUES(10, 10, 2.5, 1.0);
INSERT INTO nums VALUES(100, 11, 1e-300, 123456.789);
CREATE TABLE texts(t TEXT, note);
INSERT INTO texts VALUES('plain', 'it''s ''quoted''');
INSERT INTO texts VALUES('line one' || char(10) || 'line two', 'cr' || char(13) || 'lf' || char(13) || char(10));
INSERT INTO texts VALUES('literal \n and a newline' || char(10), 'literal \r\015 and a cr' || char(13));
INSERT INTO texts VALUES('ünïcödé ✓ 𝄞', '');
INSERT INTO texts VALUES('nul' || char(0) || 'inside', NULL);
INSERT INTO texts VALUES('123', '  4.5 ');
DELETE FROM texts WHERE t = '123';
INSERT INTO texts VALUES('after a delete', 'rowids renumber');
CREATE TABLE blobs(id INTEGER PRIMARY KEY, b BLOB, c);
INSERT INTO blobs VALUES(1, X'', X'00');
INSERT INTO blobs VALUES(2, X'00FF10', X'CAFEBABE00');
INSERT INTO blobs VALUES(3, NULL, X'000000');
CREATE TABLE "odd ""name"""(x, "y z", [select]);
INSERT INTO "odd ""name""" VALUES(1, 'two', X'03');
CREATE TABLE [order](id INTEGER PRIMARY KEY, "group" TEXT UNIQUE);
INSERT INTO [order] VALUES(1, 'a'), (2, 'b');
CREATE TABLE keyed(a INT, b TEXT, c, PRIMARY KEY(a, b), UNIQUE(c));
INSERT INTO keyed VALUES(1, 'x', 10), (2, 'y', 20), (1, 'z', NULL);
CREATE TABLE empty(x);
CREATE INDEX nums_i_r ON nums(i, r DESC);
CREATE UNIQUE INDEX texts_t ON texts(t);
CREATE INDEX "odd index" ON "odd ""name"""("y z");
CREATE INDEX order_group ON [order]("group", id);
CREATE TABLE audit(id INTEGER, what TEXT);
CREATE TRIGGER nums_audit AFTER INSERT ON nums BEGIN INSERT INTO audit VALUES (new.id, 'insert'); END;
CREATE VIEW noted AS SELECT t FROM texts WHERE note IS NOT NULL;
CREATE TRIGGER noted_insert INSTEAD OF INSERT ON noted BEGIN
  INSERT INTO texts(t, note) VALUES (new.t, 'via the view'); -- a comment; to the end of the line
END;
"#;

#[test]
fn dump_loads_into_sqlite_with_the_same_answers() -> TestResult {
    let db = walnut(KITCHEN_SINK)?;
    let text = dump_text(&db, None)?;
    let conn = rusqlite::Connection::open_in_memory()?;
    conn.execute_batch(&text)?;

    let queries = table_queries(&db)?;
    assert_eq!(queries.len(), 2 * 8, "eight tables");
    for (what, sql) in &queries {
        assert_same_rows(what, &walnut_rows(&db, sql)?, &sqlite_rows(&conn, sql)?);
    }
    // The schema, automatic indexes included, is the same text.
    assert_eq!(
        walnut_rows(&db, SCHEMA_QUERY)?,
        sqlite_rows(&conn, SCHEMA_QUERY)?
    );
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(check, "ok");
    // Spot checks on what SQLite holds.
    let (r, t): (f64, String) =
        conn.query_row("SELECT r, typeof(r) FROM nums WHERE id = 4", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    assert_eq!(
        (r.to_bits(), t.as_str()),
        ((1.0f64 / 3.0).to_bits(), "real")
    );
    let nul: String = conn.query_row("SELECT t FROM texts WHERE note IS NULL", [], |r| r.get(0))?;
    assert_eq!(nul, "nul\0inside");
    let empty: (Vec<u8>, String) =
        conn.query_row("SELECT b, typeof(b) FROM blobs WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    assert_eq!(empty, (Vec::new(), "blob".to_string()));
    Ok(())
}

/// walnut does not know `PRAGMA foreign_keys` (it has no foreign keys), so
/// the dump's first line is left out when walnut reads a dump back.
fn without_pragma(text: &str) -> &str {
    text.strip_prefix("PRAGMA foreign_keys=OFF;\n")
        .unwrap_or(text)
}

#[test]
fn dump_loads_back_into_walnut_with_the_same_rows() -> TestResult {
    let db = walnut(KITCHEN_SINK)?;
    let text = dump_text(&db, None)?;
    let copy = walnut(without_pragma(&text))?;
    for (what, sql) in table_queries(&db)? {
        assert_same_rows(&what, &walnut_rows(&db, &sql)?, &walnut_rows(&copy, &sql)?);
    }
    assert_eq!(
        walnut_rows(&db, SCHEMA_QUERY)?,
        walnut_rows(&copy, SCHEMA_QUERY)?
    );
    // A dump of the copy is the same text: nothing drifts on a round trip.
    assert_eq!(dump_text(&copy, None)?, text);
    Ok(())
}

#[test]
fn values_are_written_as_sqlite3_340_writes_them() {
    // Expected texts are sqlite3 3.40.1's own `.dump` output.
    let reals: &[(f64, &str)] = &[
        (0.1, "0.10000000000000000555"),
        (1.0 / 3.0, "0.33333333333333331482"),
        (1e300, "1.0000000000000000047e+300"),
        (1e-300, "1.000000000000000025e-300"),
        (-0.0, "0.0"),
        (1.0, "1.0"),
        (100.0, "100.0"),
        (9007199254740993.0, "9007199254740992.0"),
        (1e16, "10000000000000000.0"),
        (-9223372036854775808.0, "-9223372036854775808.0"),
        (9223372036854775808.0, "9223372036854775807.8"),
        (9.3e18, "9300000000000000000.1"),
        (1.2345678901234568e20, "1.2345678901234568397e+20"),
        (1.7976931348623157e308, "1.7976931348623156223e+308"),
        (0.30000000000000004, "0.3000000000000000444"),
        (-1.5e-7, "-1.4999999999999999321e-07"),
        (2.5, "2.5"),
        (f64::INFINITY, "1e999"),
        (f64::NEG_INFINITY, "-1e999"),
    ];
    for (r, want) in reals {
        assert_eq!(format_real(*r), *want, "{r:e}");
    }
    let texts: &[(&str, &str)] = &[
        ("it's", "'it''s'"),
        ("a\nb", r"replace('a\nb','\n',char(10))"),
        ("x\ry", r"replace('x\ry','\r',char(13))"),
        (
            "a\r\nb",
            r"replace(replace('a\r\nb','\r',char(13)),'\n',char(10))",
        ),
        (
            "has \\n literally\n",
            r"replace('has \n literally\012','\012',char(10))",
        ),
        ("x\\n\\012\n", r"replace('x\n\012(\n0)','(\n0)',char(10))"),
        ("'\n'", r"replace('''\n''','\n',char(10))"),
        ("tab\there", "'tab\there'"),
    ];
    for (t, want) in texts {
        assert_eq!(sql_literal(&Value::from(*t)), *want, "{t:?}");
    }
    assert_eq!(sql_literal(&Value::Null), "NULL");
    assert_eq!(
        sql_literal(&Value::Integer(i64::MIN)),
        "-9223372036854775808"
    );
    assert_eq!(sql_literal(&Value::Blob(vec![0, 0xff])), "X'00ff'");
    assert_eq!(sql_literal(&Value::Blob(Vec::new())), "X''");
    assert_eq!(sql_literal(&Value::from("a\0b")), "CAST(X'610062' AS TEXT)");

    for (name, want) in [
        ("t", "t"),
        ("_x1", "_x1"),
        ("ROWID", "ROWID"),
        ("select", "\"select\""),
        ("Order", "\"Order\""),
        ("1x", "\"1x\""),
        ("a b", "\"a b\""),
        ("a\"b", "\"a\"\"b\""),
        ("ünï", "\"ünï\""),
        ("", "\"\""),
    ] {
        assert_eq!(quote_name_if_needed(name), want, "{name:?}");
    }
}

#[test]
fn a_small_dump_snapshot() -> TestResult {
    let db = walnut(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, pic BLOB);
         INSERT INTO t VALUES(1, 'ann', 0.1, X'00ff');
         INSERT INTO t VALUES(2, 'bob''s' || char(10) || 'line', 2.0, NULL);
         CREATE TABLE \"two words\"(a, b);
         INSERT INTO \"two words\" VALUES(1, 'x');
         CREATE INDEX t_name ON t(name);",
    )?;
    insta::assert_snapshot!(dump_text(&db, None)?, @r#"
    PRAGMA foreign_keys=OFF;
    BEGIN TRANSACTION;
    CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, pic BLOB);
    INSERT INTO t VALUES(1,'ann',0.10000000000000000555,X'00ff');
    INSERT INTO t VALUES(2,replace('bob''s\nline','\n',char(10)),2.0,NULL);
    CREATE TABLE IF NOT EXISTS "two words"(a, b);
    INSERT INTO "two words" VALUES(1,'x');
    CREATE INDEX t_name ON t(name);
    COMMIT;
    "#);
    Ok(())
}

#[test]
fn dump_of_one_table_takes_a_like_pattern() -> TestResult {
    let db = walnut(
        "CREATE TABLE t(a, b);
         INSERT INTO t VALUES(1, 2);
         CREATE TABLE t2(x);
         INSERT INTO t2 VALUES('t2');
         CREATE TABLE other(y);
         INSERT INTO other VALUES('o');
         CREATE INDEX t_ab ON t(a, b);
         CREATE INDEX idx_other ON other(y);
         CREATE INDEX t_named ON other(y);",
    )?;
    let frame =
        |body: &str| format!("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n{body}COMMIT;\n");
    assert_eq!(
        dump_text(&db, Some("T"))?,
        frame("CREATE TABLE t(a, b);\nINSERT INTO t VALUES(1,2);\nCREATE INDEX t_ab ON t(a, b);\n"),
        "the table (any case) and its indexes"
    );
    assert_eq!(
        dump_text(&db, Some("t%"))?,
        frame(
            "CREATE TABLE t(a, b);\nINSERT INTO t VALUES(1,2);\n\
             CREATE TABLE t2(x);\nINSERT INTO t2 VALUES('t2');\n\
             CREATE INDEX t_ab ON t(a, b);\nCREATE INDEX t_named ON other(y);\n"
        ),
        "a LIKE pattern; an index matches by its own name too, as in sqlite3"
    );
    assert_eq!(
        dump_text(&db, Some("t\\_ab"))?,
        frame("CREATE INDEX t_ab ON t(a, b);\n"),
        "backslash escapes a wildcard"
    );
    assert_eq!(dump_text(&db, Some("nosuch"))?, frame(""));
    Ok(())
}

#[test]
fn dump_inside_a_transaction_sees_it_and_leaves_it_open() -> TestResult {
    let db = walnut("CREATE TABLE t(x); INSERT INTO t VALUES(1);")?;
    db.execute("BEGIN", ())?;
    db.execute("INSERT INTO t VALUES(2)", ())?;
    let text = dump_text(&db, None)?;
    assert!(text.contains("INSERT INTO t VALUES(2);"), "{text}");
    assert!(db.in_transaction());
    db.execute("ROLLBACK", ())?;
    assert!(!dump_text(&db, None)?.contains("VALUES(2)"));
    assert!(!db.in_transaction());
    Ok(())
}

#[test]
fn dump_reports_a_failing_writer() -> TestResult {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "closed",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let db = walnut("CREATE TABLE t(x);")?;
    let err = dump::dump(&db, None, &mut Broken).err();
    assert!(matches!(err, Some(ShellError::Output(_))), "{err:?}");
    assert!(!db.in_transaction(), "the dump's snapshot is released");
    Ok(())
}

// ---------------------------------------------------------------- CSV

fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    csv::parse(text, b',')
}

fn rec(line: usize, fields: &[&str]) -> Record {
    Record {
        line,
        fields: fields.iter().map(|f| f.to_string()).collect(),
    }
}

#[test]
fn csv_reads_plain_and_quoted_fields() -> TestResult {
    assert_eq!(
        records("a,b,c\n1,2,3\n")?,
        vec![rec(1, &["a", "b", "c"]), rec(2, &["1", "2", "3"])]
    );
    assert_eq!(
        records(
            r#""say ""hi""","x,y",",",""
"#
        )?,
        vec![rec(1, &[r#"say "hi""#, "x,y", ",", ""])],
        "quotes, doubled quotes, separators inside quotes, an empty quoted field"
    );
    assert_eq!(
        records("\"two\nlines\",b\nnext,\"3\r\n4\"\nlast")?,
        vec![
            rec(1, &["two\nlines", "b"]),
            rec(3, &["next", "3\r\n4"]),
            rec(5, &["last"])
        ],
        "embedded newlines are data and move the next record's line"
    );
    assert_eq!(
        records("a,b\r\n1,2\r\n\"q\"\r\n")?,
        vec![rec(1, &["a", "b"]), rec(2, &["1", "2"]), rec(3, &["q"])],
        "CRLF line ends"
    );
    assert_eq!(
        records("a\"b,c\"\n")?,
        vec![rec(1, &["a\"b", "c\""])],
        "a quote inside an unquoted field is an ordinary character"
    );
    assert_eq!(
        records("x\r,y\r\n")?,
        vec![rec(1, &["x\r", "y"])],
        "only a CR right before the LF belongs to the line end"
    );
    Ok(())
}

#[test]
fn csv_follows_sqlite3_on_empty_lines_ends_and_bom() -> TestResult {
    assert_eq!(records("")?, vec![]);
    assert_eq!(records("a")?, vec![rec(1, &["a"])], "no final newline");
    assert_eq!(
        records("a\n")?,
        vec![rec(1, &["a"])],
        "no record after the last newline"
    );
    assert_eq!(
        records("a\n\nb\n\n")?,
        vec![rec(1, &["a"]), rec(2, &[""]), rec(3, &["b"]), rec(4, &[""])],
        "an empty line is one empty field"
    );
    assert_eq!(records("a,\n")?, vec![rec(1, &["a", ""])]);
    assert_eq!(
        records("\u{feff}name,\"x\"\n")?,
        vec![rec(1, &["name", "x"])],
        "a byte order mark is skipped"
    );
    assert_eq!(
        records("\u{feff}\"q\"")?,
        vec![rec(1, &["q"])],
        "a quoted field can follow the mark"
    );
    assert_eq!(records("\u{feff}")?, vec![]);
    assert_eq!(
        csv::parse("a\tb c\t\"d\te\"\n", b'\t')?,
        vec![rec(1, &["a", "b c", "d\te"])],
        "another separator"
    );
    Ok(())
}

#[test]
fn csv_errors_name_the_line_of_the_record() {
    let syntax = |text: &str| match records(text) {
        Err(CsvError::Syntax { line, message }) => Some((line, message)),
        _ => None,
    };
    assert_eq!(
        syntax("a\nb\n\"open,\nstill open\n"),
        Some((3, "unterminated \"-quoted field".to_string()))
    );
    let (line, message) = syntax("ok\n\"ab\"cd,2\n").unwrap_or_default();
    assert_eq!(line, 2);
    assert!(message.starts_with("unescaped \" character"), "{message}");
    assert_eq!(syntax("\"a\"\rb\n").map(|e| e.0), Some(1));
    let bad_utf8 = csv::CsvReader::new(&b"ok\nx,\xff\xfe\n"[..], b',')
        .map(|r| r.collect::<Result<Vec<_>, _>>());
    assert!(
        matches!(bad_utf8, Ok(Err(CsvError::Syntax { line: 2, .. }))),
        "{bad_utf8:?}"
    );
    for bad in ["", ";;", "\"", "\n"] {
        assert!(
            matches!(csv::separator_byte(bad), Err(CsvError::Separator(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(csv::separator_byte("|"), Ok(b'|')));
    assert!(csv::CsvReader::new(&b""[..], b'"').is_err());
}

// ---------------------------------------------------------------- .import

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> std::io::Result<Files> {
        Ok(Files {
            dir: tempfile::tempdir()?,
        })
    }

    fn write(&self, name: &str, text: &str) -> std::io::Result<PathBuf> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text)?;
        Ok(path)
    }
}

fn run_import(db: &Database, path: &Path, table: &str) -> walnut_repl::Result<ImportReport> {
    import::import(db, path, table, &ImportOptions::default(), &mut |_, _| {})
}

#[test]
fn import_creates_a_table_from_the_header() -> TestResult {
    let files = Files::new()?;
    let path = files.write(
        "people.csv",
        "name,age,\"home town\",c4,c5\nann,31,\"Paris, TX\",x,y\nbob,4.5,,,\n",
    )?;
    let db = Database::open_in_memory()?;
    let report = run_import(&db, &path, "people")?;
    assert_eq!(
        report,
        ImportReport {
            rows: 2,
            created_table: true,
            warnings: vec![]
        }
    );
    assert_eq!(
        walnut_rows(&db, "SELECT sql FROM sqlite_master WHERE name = 'people'")?,
        vec![vec![Value::from(
            "CREATE TABLE \"people\"(\n\"name\" TEXT, \"age\" TEXT, \"home town\" TEXT, \"c4\" TEXT,\n \"c5\" TEXT)"
        )]],
        "sqlite3 3.40's CREATE TABLE, four columns to a line"
    );
    assert_eq!(
        walnut_rows(
            &db,
            "SELECT name, age, typeof(age), \"home town\", c5 FROM people"
        )?,
        vec![
            vec![
                Value::from("ann"),
                Value::from("31"),
                Value::from("text"),
                Value::from("Paris, TX"),
                Value::from("y")
            ],
            vec![
                Value::from("bob"),
                Value::from("4.5"),
                Value::from("text"),
                Value::from(""),
                Value::from("")
            ],
        ]
    );
    Ok(())
}

#[test]
fn import_renames_repeated_header_names_as_sqlite3_does() -> TestResult {
    let files = Files::new()?;
    let path = files.write("dups.csv", "a,A,,b,\n1,2,3,4,5\n")?;
    let db = Database::open_in_memory()?;
    let report = run_import(&db, &path, "d")?;
    assert_eq!(
        db.query("SELECT * FROM d", ())?.columns(),
        ["a_1", "A_2", "?_3", "b", "?_5"]
    );
    assert_eq!(
        report.warnings,
        vec![format!(
            "Columns renamed during .import {} due to duplicates:\n\"a\" to \"a_1\",\n\"A\" to \"A_2\",\n\"?\" to \"?_3\",\n\"?\" to \"?_5\"",
            path.display()
        )]
    );
    // sqlite3 adds zeros when a suffix would collide with another name.
    let (names, _) = import::column_names(&["a".into(), "a".into(), "a_2".into()]);
    assert_eq!(names, ["a_01", "a_02", "a_2"]);
    Ok(())
}

#[test]
fn import_into_an_existing_table_applies_its_affinities() -> TestResult {
    let files = Files::new()?;
    let path = files.write("typed.csv", "1,2.5,3.0,abc,x\n2,7,1e3,12,\n")?;
    let db =
        walnut("CREATE TABLE typed(id INTEGER PRIMARY KEY, r REAL, n NUMERIC, t TEXT, b BLOB)")?;
    let report = run_import(&db, &path, "typed")?;
    assert_eq!((report.rows, report.created_table), (2, false));
    assert_eq!(
        walnut_rows(
            &db,
            "SELECT id, typeof(id), r, typeof(r), n, typeof(n), t, typeof(t), typeof(b) FROM typed"
        )?,
        vec![
            vec![
                Value::Integer(1),
                Value::from("integer"),
                Value::Real(2.5),
                Value::from("real"),
                Value::Integer(3),
                Value::from("integer"),
                Value::from("abc"),
                Value::from("text"),
                Value::from("text"),
            ],
            vec![
                Value::Integer(2),
                Value::from("integer"),
                Value::Real(7.0),
                Value::from("real"),
                Value::Integer(1000),
                Value::from("integer"),
                Value::from("12"),
                Value::from("text"),
                Value::from("text"),
            ],
        ]
    );
    Ok(())
}

#[test]
fn import_warns_about_records_of_the_wrong_width() -> TestResult {
    let files = Files::new()?;
    let path = files.write("ragged.csv", "a,b,c\n1\n\n1,2\n\"x\ny\",2,3,4\n1,2,3\n")?;
    let db = Database::open_in_memory()?;
    let report = run_import(&db, &path, "r")?;
    let file = path.display();
    assert_eq!(
        report.warnings,
        vec![
            format!("{file}:2: expected 3 columns but found 1 - filling the rest with NULL"),
            format!("{file}:3: expected 3 columns but found 1 - filling the rest with NULL"),
            format!("{file}:4: expected 3 columns but found 2 - filling the rest with NULL"),
            format!("{file}:5: expected 3 columns but found 4 - extras ignored"),
        ]
    );
    assert_eq!(report.rows, 5);
    assert_eq!(
        walnut_rows(&db, "SELECT a, b, c FROM r")?,
        vec![
            vec![Value::from("1"), Value::Null, Value::Null],
            vec![Value::from(""), Value::Null, Value::Null],
            vec![Value::from("1"), Value::from("2"), Value::Null],
            vec![Value::from("x\ny"), Value::from("2"), Value::from("3")],
            vec![Value::from("1"), Value::from("2"), Value::from("3")],
        ]
    );
    Ok(())
}

#[test]
fn import_of_a_missing_file_names_it() -> TestResult {
    let files = Files::new()?;
    let path = files.dir.path().join("nope.csv");
    let db = Database::open_in_memory()?;
    match run_import(&db, &path, "t") {
        Err(ShellError::File {
            doing: "open",
            path: p,
            ..
        }) => assert_eq!(p, path),
        other => panic!("expected a file error, got {other:?}"),
    }
    assert!(!db.in_transaction());
    Ok(())
}

#[test]
fn a_bad_csv_rolls_the_whole_import_back() -> TestResult {
    let files = Files::new()?;
    let db = walnut("CREATE TABLE t(a, b); INSERT INTO t VALUES('old', 1);")?;
    let bad = files.write("bad.csv", "1,2\n3,4\n5,\"never closed\n6,7\n")?;
    match run_import(&db, &bad, "t") {
        Err(ShellError::Csv {
            path,
            line,
            message,
        }) => {
            assert_eq!((path, line), (bad.clone(), 3));
            assert_eq!(message, "unterminated \"-quoted field");
        }
        other => panic!("expected a CSV error, got {other:?}"),
    }
    assert_eq!(
        walnut_rows(&db, "SELECT * FROM t")?,
        vec![vec![Value::from("old"), Value::Integer(1)]],
        "the rows before the error are gone too"
    );
    assert!(!db.in_transaction());

    // A table created from the header goes as well.
    let bad_new = files.write("bad_new.csv", "x,y\n1,2\n\"3\"4,5\n")?;
    let err = run_import(&db, &bad_new, "fresh").err();
    assert!(
        matches!(err, Some(ShellError::Csv { line: 3, .. })),
        "{err:?}"
    );
    assert!(walnut_rows(&db, "SELECT name FROM sqlite_master WHERE name = 'fresh'")?.is_empty());

    // An INSERT that fails is reported with its line, and undone likewise.
    let keys = walnut("CREATE TABLE k(id INTEGER PRIMARY KEY, v)")?;
    let bad_key = files.write("bad_key.csv", "1,a\n2,b\nthree,c\n")?;
    match run_import(&keys, &bad_key, "k") {
        Err(ShellError::Csv { line, message, .. }) => {
            assert_eq!(
                (line, message.as_str()),
                (3, "INSERT failed: datatype mismatch")
            );
        }
        other => panic!("expected a CSV error, got {other:?}"),
    }
    assert!(walnut_rows(&keys, "SELECT * FROM k")?.is_empty());
    Ok(())
}

#[test]
fn import_gives_what_sqlite_gives_for_the_same_text() -> TestResult {
    let schema = "CREATE TABLE mix(i INTEGER, r REAL, n NUMERIC, t TEXT, b BLOB, x)";
    let text = "1, 2 ,3.0,4,5,6\n\
                0x10,1e3,1e400,-0,abc,9223372036854775808\n\
                -9223372036854775808,.5,12.0e0,  7  ,,1.0\n\
                9223372036854775807,-1.5e-7,0.1,x,y,z\n";
    let files = Files::new()?;
    let path = files.write("mix.csv", text)?;
    let db = walnut(schema)?;
    run_import(&db, &path, "mix")?;

    let conn = rusqlite::Connection::open_in_memory()?;
    conn.execute_batch(schema)?;
    for record in csv::parse(text, b',')? {
        conn.execute(
            "INSERT INTO mix VALUES(?,?,?,?,?,?)",
            rusqlite::params_from_iter(record.fields.iter()),
        )?;
    }
    for sql in [
        "SELECT * FROM mix ORDER BY rowid",
        "SELECT typeof(i), typeof(r), typeof(n), typeof(t), typeof(b), typeof(x) FROM mix ORDER BY rowid",
    ] {
        assert_same_rows(sql, &walnut_rows(&db, sql)?, &sqlite_rows(&conn, sql)?);
    }
    Ok(())
}

#[test]
fn import_options_and_progress() -> TestResult {
    let files = Files::new()?;
    let mut text = String::from("junk line\nid;name\n");
    for i in 0..20_000 {
        text.push_str(&format!("{i};\"name {i}; with separator\"\n"));
    }
    let path = files.write("big.csv", &text)?;
    let db = Database::open_in_memory()?;
    let mut calls = Vec::new();
    let options = ImportOptions {
        separator: ";".into(),
        skip: 1,
    };
    let report = import::import(&db, &path, "big", &options, &mut |done, total| {
        calls.push((done, total))
    })?;
    assert_eq!(report.rows, 20_000);
    let total = text.len() as u64;
    assert_eq!(calls.first(), Some(&(0, total)));
    assert_eq!(calls.last(), Some(&(total, total)));
    assert!(calls.len() > 2, "progress along the way: {calls:?}");
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(
        walnut_rows(&db, "SELECT id, name FROM big WHERE id = '19999'")?,
        vec![vec![
            Value::from("19999"),
            Value::from("name 19999; with separator")
        ]]
    );

    let bad = ImportOptions {
        separator: "::".into(),
        skip: 0,
    };
    let err = import::import(&db, &path, "big", &bad, &mut |_, _| {}).err();
    assert!(matches!(err, Some(ShellError::Usage(_))), "{err:?}");
    Ok(())
}

#[test]
fn import_inside_a_transaction_leaves_it_to_the_user() -> TestResult {
    let files = Files::new()?;
    let path = files.write("rows.csv", "1\n2\n")?;
    let db = walnut("CREATE TABLE t(x INTEGER)")?;
    db.execute("BEGIN", ())?;
    run_import(&db, &path, "t")?;
    assert!(db.in_transaction(), "the user's transaction stays open");
    assert_eq!(
        walnut_rows(&db, "SELECT count(*) FROM t")?,
        vec![vec![Value::Integer(2)]]
    );
    db.execute("ROLLBACK", ())?;
    assert_eq!(
        walnut_rows(&db, "SELECT count(*) FROM t")?,
        vec![vec![Value::Integer(0)]]
    );
    Ok(())
}

#[test]
fn an_empty_file_cannot_make_a_table() -> TestResult {
    let files = Files::new()?;
    let path = files.write("empty.csv", "")?;
    let db = Database::open_in_memory()?;
    let err = run_import(&db, &path, "t").err();
    match err {
        Some(ShellError::Csv { message, .. }) => assert_eq!(message, "empty file"),
        other => panic!("expected a CSV error, got {other:?}"),
    }
    // Into an existing table, an empty file is simply no rows.
    let db = walnut("CREATE TABLE t(x)")?;
    assert_eq!(run_import(&db, &path, "t")?.rows, 0);
    Ok(())
}
