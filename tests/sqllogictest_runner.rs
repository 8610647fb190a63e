//! The sqllogictest runner (`walnut::sqllogictest`), run against SQLite
//! itself: one inline script per harness rule, and the project's own
//! `tests/slt/*.slt` files (whose expected answers must be SQLite's).

#[path = "../examples/support/sqlite_engine.rs"]
mod sqlite_engine;

use sqlite_engine::SqliteEngine;
use std::path::{Path, PathBuf};
use walnut::md5::md5_hex;
use walnut::sqllogictest::{
    Engine, FileReport, hash_line, hash_values, render_value, run_file, run_script,
};
use walnut_sql::Value;

/// Runs `script` on a fresh SQLite database with extra `labels`.
fn run_with(script: &str, labels: &[&str]) -> FileReport {
    let mut engine = SqliteEngine::new().expect("open SQLite");
    let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
    run_script(&mut engine, "inline.slt", script, &labels)
}

/// Runs `script` on a fresh SQLite database.
fn run(script: &str) -> FileReport {
    run_with(script, &[])
}

/// Asserts the counts (passed, failed, skipped), showing failures if not.
#[track_caller]
fn assert_counts(r: &FileReport, passed: usize, failed: usize, skipped: usize) {
    let shown: String = r.failures.iter().map(|f| f.to_string()).collect();
    assert_eq!(
        (r.passed, r.failed, r.skipped),
        (passed, failed, skipped),
        "{r}\n{shown}"
    );
}

/// The rendered values of the single-row query `sql` with `types`.
fn rendered(sql: &str, types: &str) -> Vec<String> {
    let mut engine = SqliteEngine::new().expect("open SQLite");
    let rows = engine.query(sql).expect("query");
    rows[0]
        .iter()
        .zip(types.chars())
        .map(|(v, t)| render_value(v, t))
        .collect()
}

const TABLE: &str = "\
statement ok
CREATE TABLE t(a INTEGER, b TEXT)

statement ok
INSERT INTO t VALUES(3, 'c'); INSERT INTO t VALUES(1, 'a');
INSERT INTO t VALUES(2, 'b');
INSERT INTO t VALUES(10, 'j')
";

#[test]
fn statements_ok_and_error() {
    let r = run(&format!(
        "{TABLE}
statement error
CREATE TABLE t(x)

statement error
SELECT * FROM no_such_table

statement ok
SELECT * FROM no_such_table

statement error
SELECT 1

statement ok
CREATE TABLE u(x);
INSERT INTO u VALUES(1);
INSERT INTO u VALUES(2)

query I nosort
SELECT count(*) FROM u
----
2
"
    ));
    // TABLE: 2; errors as expected: 2; unexpected failure and unexpected
    // success: 2 failed; the three-statement record and the query: 2.
    assert_counts(&r, 6, 2, 0);
    assert_eq!(r.failures[0].line, 15);
    assert!(
        r.failures[0].message.contains("no such table"),
        "{}",
        r.failures[0]
    );
    assert_eq!(r.failures[1].line, 18);
}

#[test]
fn statement_error_ignores_words_after_it() {
    // The C harness has no error-message pattern: words after `error` are
    // ignored, whatever they say.
    let r = run("statement error no such table: nothing like this\nSELECT * FROM nope\n");
    assert_counts(&r, 1, 0, 0);
}

#[test]
fn sort_modes() {
    let r = run(&format!(
        "{TABLE}
query IT nosort
SELECT a, b FROM t ORDER BY a
----
1
a
2
b
3
c
10
j

query IT nosort
SELECT a, b FROM t ORDER BY a DESC
----
1
a
2
b
3
c
10
j

query IT rowsort
SELECT a, b FROM t ORDER BY a DESC
----
1
a
10
j
2
b
3
c

query IT valuesort
SELECT a, b FROM t
----
1
10
2
3
a
b
c
j

query I
SELECT a FROM t ORDER BY a
----
1
2
3
10
"
    ));
    // nosort keeps order (the DESC one fails); rowsort compares as text
    // ("10" < "2"); valuesort mixes the columns; no sort mode is nosort.
    assert_counts(&r, 2 + 4, 1, 0);
    assert_eq!(r.failures[0].message, "wrong result");
    assert_eq!(r.failures[0].got[0], "10");
}

#[test]
fn rowsort_keeps_rows_together() {
    let r = run("query TI rowsort
SELECT 'b', 1 UNION ALL SELECT 'a', 2 UNION ALL SELECT 'a', 1
----
a
1
a
2
b
1
");
    assert_counts(&r, 1, 0, 0);
}

#[test]
fn results_over_the_threshold_are_hashed() {
    // 9 values > 8: compared as a hash of "1\n2\n...9\n" (md5sum agrees).
    let nine = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<9) \
                SELECT x FROM c";
    let r = run(&format!(
        "query I nosort
{nine}
----
9 values hashing to 22e400a2ddbb013acf2a5852d6ab69fc

query I rowsort
SELECT x FROM (SELECT 1 x UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8)
----
1
2
3
4
5
6
7
8

query I nosort
{nine}
----
1
2
3
4
5
6
7
8
9

hash-threshold 0

query I nosort
{nine}
----
1
2
3
4
5
6
7
8
9

hash-threshold 2

query I rowsort
SELECT 10 UNION ALL SELECT 2 UNION ALL SELECT 3
----
3 values hashing to de88d3655be1dd1336d084dccba659d8
"
    ));
    // Exactly 8 values are listed; 9 listed one by one fail; threshold 0
    // turns hashing off; threshold 2 hashes 3 values (sorted as text).
    assert_counts(&r, 4, 1, 0);
    assert_eq!(r.failures[0].message, "wrong result hash");
    assert_eq!(
        r.failures[0].got,
        ["9 values hashing to 22e400a2ddbb013acf2a5852d6ab69fc"]
    );
    assert_eq!(r.failures[0].values.len(), 9);
}

#[test]
fn hash_helpers_match_md5sum() {
    let values: Vec<String> = (1..=9).map(|i| i.to_string()).collect();
    assert_eq!(hash_values(&values), "22e400a2ddbb013acf2a5852d6ab69fc");
    assert_eq!(
        hash_line(&values),
        "9 values hashing to 22e400a2ddbb013acf2a5852d6ab69fc"
    );
    assert_eq!(hash_values(&[]), md5_hex(b""));
    assert_eq!(md5_hex(b"x\n"), "401b30e3b8b5d629635a5c613cdb7919");
}

#[test]
fn labels_must_agree() {
    let r = run(&format!(
        "{TABLE}
query I rowsort label-1
SELECT a FROM t
----
1
10
2
3

query I rowsort label-1
SELECT a FROM t WHERE a > 0
----
1
10
2
3

query I rowsort label-1
SELECT a FROM t WHERE a > 1
----
10
2
3

query I rowsort label-2
SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8
 UNION ALL SELECT 9
----
9 values hashing to 22e400a2ddbb013acf2a5852d6ab69fc

onlyif mysql
query I rowsort label-2
SELECT whatever
----
9 values hashing to 22e400a2ddbb013acf2a5852d6ab69fc

onlyif mysql
query I rowsort label-2
SELECT whatever
----
9 values hashing to 00000000000000000000000000000000

onlyif mysql
query I rowsort label-1
SELECT whatever
----
1
10
2
3
"
    ));
    // The third label-1 query lists its own (right) values but disagrees
    // with the label. Skipped labeled queries are checked too: the second
    // skipped label-2 one disagrees.
    assert_counts(&r, 2 + 3, 2, 2);
    assert!(r.failures[0].message.contains("labeled result [label-1]"));
    assert!(r.failures[1].message.contains("labeled result [label-2]"));
}

#[test]
fn onlyif_and_skipif() {
    let script = "\
onlyif sqlite
query I nosort
SELECT 1
----
1

skipif sqlite # SQLite does not do this
query I nosort
SELECT 2
----
999

onlyif mysql # not compatible
statement ok
THIS IS NOT SQL

skipif mysql
onlyif SQLite
statement ok
SELECT 3

skipif mysql
skipif sqlite
statement ok
THIS IS NOT SQL

onlyif walnut
statement ok
SELECT 4

skipif walnut
statement ok
SELECT 5
";
    let r = run(script);
    assert_counts(&r, 3, 0, 4);
    // With --label walnut both walnut records apply as to walnut.
    let r = run_with(script, &["walnut"]);
    assert_counts(&r, 3, 0, 4);
    let r = run_with(script, &["mysql"]);
    // onlyif mysql runs (and fails: not SQL), skipif mysql ones skip.
    assert_counts(&r, 2, 1, 4);
}

#[test]
fn halt_stops_the_file_unless_skipped() {
    let r = run("statement ok
SELECT 1

onlyif mssql
halt

statement ok
SELECT 2

halt

statement ok
SELECT 3
");
    assert_counts(&r, 2, 0, 0);
    assert_eq!(r.halted_at, Some(10));
}

#[test]
fn null_empty_and_unprintable_text() {
    assert_eq!(
        rendered(
            "SELECT NULL, NULL, NULL, '', 'a'||char(9)||'b', 'é', x'41004243', x'', 'x'||char(127)",
            "TIRTTTTTT"
        ),
        [
            "NULL", "NULL", "NULL", "(empty)", "a@b", "@@", "A", "(empty)", "x@"
        ]
    );
    let r = run("query TTT nosort
SELECT NULL, '', 'tab'||char(9)||'é'
----
NULL
(empty)
tab@@@
");
    assert_counts(&r, 1, 0, 0);
}

#[test]
fn integer_rendering() {
    // sqlite3_column_int: SQLite's integer conversion, then a 32-bit int.
    assert_eq!(
        rendered(
            "SELECT '12abc', 3.9, -3.9, 'abc', 4294967297, -2147483649, ' 7', x'3432'",
            "IIIIIIII"
        ),
        ["12", "3", "-3", "0", "1", "2147483647", "7", "42"]
    );
}

#[test]
fn real_rendering() {
    // sqlite3_snprintf("%.3f"): SQLite rounds the decimal digits half away
    // from zero, writes -0.0 as 0.000, keeps 16 significant digits.
    assert_eq!(
        rendered(
            "SELECT 1.0/3, 2, '1.5abc', -0.0, 0.0625, -1.0625, 1e300*1e10, 9223372036854775807",
            "RRRRRRRR"
        ),
        [
            "0.333",
            "2.000",
            "1.500",
            "0.000",
            "0.063",
            "-1.063",
            "Inf",
            "9223372036854776000.000"
        ]
    );
}

/// A splitmix64 step, for deterministic pseudo-random doubles.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn r_and_t_rendering_agree_with_sqlite() {
    // R is SQLite's printf('%.3f') and T of a REAL is SQLite's own text:
    // check both against SQLite on values near .xxx5 ties and at random.
    let conn = rusqlite::Connection::open_in_memory().expect("open SQLite");
    let mut state = 42u64;
    let mut values: Vec<f64> = (0..2000).map(|i| f64::from(i) / 16.0 - 60.0).collect();
    values.extend((0..2000).map(|i| f64::from(i) * 0.0005 - 0.5));
    values.extend((0..2000).map(|_| {
        let bits = splitmix(&mut state);
        let mantissa = (bits >> 11) as f64 / (1u64 << 53) as f64;
        let exp = (bits % 40) as i32 - 20;
        (mantissa - 0.5) * 10f64.powi(exp)
    }));
    for r in values {
        let (want_r, want_t): (String, String) = conn
            .query_row("SELECT printf('%.3f', ?1), CAST(?1 AS TEXT)", [r], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .expect("query");
        assert_eq!(render_value(&Value::Real(r), 'R'), want_r, "R of {r:?}");
        assert_eq!(render_value(&Value::Real(r), 'T'), want_t, "T of {r:?}");
    }
}

#[test]
fn result_count_must_match() {
    let r = run("query I nosort
SELECT 1 UNION ALL SELECT 2
----
1

query I nosort
SELECT 1
----
1
2

query I nosort
SELECT 1 WHERE 0

query I nosort
SELECT 1 WHERE 0
----

query I nosort
SELECT 1
");
    assert_counts(&r, 2, 3, 0);
}

#[test]
fn wrong_column_count_and_query_errors() {
    let r = run("query II nosort
SELECT 1
----
1

query I nosort
SELECT * FROM nowhere
----
");
    assert_counts(&r, 0, 2, 0);
    assert!(
        r.failures[0]
            .message
            .contains("wrong number of result columns")
    );
    assert!(r.failures[1].message.starts_with("query failed"));
}

#[test]
fn errors_while_stepping_end_the_result() {
    // As in slt_sqlite.c (and SQLite's slt_lang_aggfunc.test): sum()'s
    // overflow ends the rows, it does not fail the query.
    let r = run("statement ok
CREATE TABLE t(x INTEGER)

statement ok
INSERT INTO t VALUES(9223372036854775807); INSERT INTO t VALUES(1)

query I nosort
SELECT sum(x) FROM t
----
");
    assert_counts(&r, 3, 0, 0);
}

#[test]
fn comments_blank_lines_and_crlf() {
    let r = run("# a comment\r
statement ok\r
# inside a record: ignored\r
CREATE TABLE t(a)\r
   \t \r
statement ok\r
INSERT INTO t VALUES(5)\r
\r
query I nosort\r
SELECT a\r
# comment in the SQL\r
FROM t\r
----\r
# comment among the results\r
5\r
");
    assert_counts(&r, 3, 0, 0);
}

#[test]
fn malformed_records_fail_cleanly() {
    let r = run("statement maybe
SELECT 1

query X nosort
SELECT 1
----
1

query I sideways
SELECT 1
----
1

hash-threshold many

query I nosort
SELECT 1
----
1

frobnicate
SELECT 1

statement ok
SELECT 'never reached'
");
    // Bad statement word, bad type letter, bad sort mode, bad threshold
    // fail; the good query passes; the unknown record type fails and ends
    // the file.
    assert_counts(&r, 1, 5, 0);
    let messages: Vec<&str> = r.failures.iter().map(|f| f.message.as_str()).collect();
    assert!(messages[0].contains("'ok' or 'error'"), "{messages:?}");
    assert!(messages[1].contains("unknown type character 'X'"));
    assert!(messages[2].contains("unknown sort method: 'sideways'"));
    assert!(messages[3].contains("hash-threshold"));
    assert!(messages[4].contains("unknown record type: 'frobnicate'"));
    assert_eq!(r.failures[4].line, 21);
    let shown = r.failures[4].to_string();
    assert!(
        shown.starts_with("inline.slt:21: unknown record type"),
        "{shown}"
    );

    // A query with no type string ends the file too.
    let r = run("query\nSELECT 1\n\nstatement ok\nSELECT 1\n");
    assert_counts(&r, 0, 1, 0);
}

#[test]
fn garbage_never_panics() {
    let mut state = 7u64;
    let words = [
        "statement",
        "ok",
        "error",
        "query",
        "I",
        "T",
        "R",
        "IT",
        "rowsort",
        "valuesort",
        "nosort",
        "label-1",
        "----",
        "hash-threshold",
        "2",
        "halt",
        "skipif",
        "onlyif",
        "sqlite",
        "#",
        "SELECT 1",
        "SELECT 'a'",
        "\n",
        "\n\n",
        " ",
        "\r\n",
        "é",
        "0",
        "values hashing to",
        "1 values hashing to abc",
    ];
    for _ in 0..300 {
        let mut script = String::new();
        for _ in 0..(splitmix(&mut state) % 60) {
            script.push_str(words[(splitmix(&mut state) % words.len() as u64) as usize]);
            script.push(if splitmix(&mut state).is_multiple_of(3) {
                '\n'
            } else {
                ' '
            });
        }
        let r = run(&script);
        assert_eq!(r.failures.len(), r.failed);
    }
}

#[test]
fn report_display_and_run_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("x.test");
    std::fs::write(
        &path,
        "statement ok\nCREATE TABLE t(a)\n\nquery I nosort\nSELECT 1\n----\n2\n",
    )
    .expect("write");
    let mut engine = SqliteEngine::new().expect("open SQLite");
    let r = run_file(&mut engine, &path, &[]).expect("run");
    assert_counts(&r, 1, 1, 0);
    assert_eq!(
        r.to_string(),
        format!("{}: 1 passed, 1 failed, 0 skipped", path.display())
    );
    let shown = r.failures[0].to_string();
    assert!(shown.contains(":4: wrong result"), "{shown}");
    assert!(shown.contains("| SELECT 1"), "{shown}");
    assert!(shown.contains("expected (1 lines):\n    2\n"), "{shown}");
    assert!(shown.contains("got (1 lines):\n    1\n"), "{shown}");

    let mut engine = SqliteEngine::new().expect("open SQLite");
    assert!(run_file(&mut engine, &dir.path().join("missing.test"), &[]).is_err());
}

/// The project's own `.slt` files (`tests/slt/*.slt`, if any) must pass on
/// SQLite: their expected answers are SQLite's.
#[test]
fn project_slt_files_pass_on_sqlite() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("slt");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "slt"))
            .collect(),
        Err(_) => return, // no tests/slt yet
    };
    files.sort();
    let mut failures = String::new();
    for file in &files {
        let mut engine = SqliteEngine::new().expect("open SQLite");
        let report = run_file(&mut engine, file, &[]).expect("read .slt file");
        for f in &report.failures {
            failures.push_str(&f.to_string());
        }
        if report.failed > 0 {
            failures.push_str(&format!("{report}\n"));
        }
    }
    assert!(failures.is_empty(), "on SQLite:\n{failures}");
}
