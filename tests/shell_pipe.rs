//! The `walnut` binary driven through pipes, as a script or another
//! program would drive it: answers flushed per statement, error lines and
//! exit status, command-line arguments, in-memory by default, `.crash` and
//! recovery on a file, `.output`, and the output modes byte for byte
//! against sqlite3's.
//!
//! The expected bytes of the output modes were produced by sqlite3 3.40.1
//! with the same input and are hard-coded here (CI machines may not have
//! sqlite3). When a sqlite3 of that version is installed, the tests also
//! compare against it live.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::lines_of;

/// How long a test waits for an answer before it calls the shell hung.
const PATIENCE: Duration = Duration::from_secs(30);

/// The sqlite3 whose output the hard-coded expectations come from.
const SQLITE3: &str = "/usr/bin/sqlite3";
const SQLITE3_VERSION: &str = "3.40.";

/// A `walnut` command with a plain environment: no colour, no history.
fn walnut() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_walnut"));
    cmd.env("NO_COLOR", "1").env("WALNUT_HISTORY", "");
    cmd
}

/// Runs `cmd` with `input` on stdin; returns what it printed and its status.
fn feed(mut cmd: Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn walnut");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.as_bytes().to_vec();
    // Write from a thread so a large output cannot deadlock the pipes.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for walnut");
    writer.join().expect("writer thread");
    out
}

/// Runs walnut with `args` and `input` on stdin.
fn walnut_with(args: &[&str], input: &str) -> Output {
    let mut cmd = walnut();
    cmd.args(args);
    feed(cmd, input)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts stdout is `expected` byte for byte, stderr is empty and the
/// status 0.
#[track_caller]
fn assert_clean(out: &Output, expected: &str) {
    assert_eq!(text(&out.stderr), "", "stderr");
    assert_eq!(
        text(&out.stdout),
        expected,
        "stdout (raw: {:?})",
        out.stdout
    );
    assert_eq!(out.stdout, expected.as_bytes(), "stdout bytes");
    assert!(out.status.success(), "status {:?}", out.status);
}

/// sqlite3's stdout for `args` and `input`, when the sqlite3 the
/// expectations were derived from is installed.
fn sqlite3(args: &[&str], input: &str) -> Option<Vec<u8>> {
    if !Path::new(SQLITE3).exists() {
        return None;
    }
    let version = Command::new(SQLITE3).arg("-version").output().ok()?;
    if !text(&version.stdout).starts_with(SQLITE3_VERSION) {
        return None;
    }
    let mut cmd = Command::new(SQLITE3);
    cmd.args(args);
    let out = feed(cmd, input);
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        text(&out.stderr)
    );
    Some(out.stdout)
}

/// The main assertion against the hard-coded bytes, then (when possible)
/// a live comparison with sqlite3.
#[track_caller]
fn assert_like_sqlite3(args: &[&str], input: &str, expected: &str) {
    let out = walnut_with(args, input);
    assert_clean(&out, expected);
    if let Some(live) = sqlite3(args, input) {
        assert_eq!(
            text(&out.stdout),
            text(&live),
            "walnut vs live sqlite3 {args:?}"
        );
        assert_eq!(out.stdout, live, "walnut vs live sqlite3 bytes {args:?}");
    }
}

// ---------------------------------------------------------------------
// 1. Answers are flushed per statement.

#[test]
fn each_answer_arrives_before_the_next_statement_is_sent() {
    let mut child = walnut()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn walnut");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (rx, reader) = lines_of(stdout);
    let mut answer = |sql: &str| -> String {
        stdin.write_all(sql.as_bytes()).expect("write to walnut");
        stdin.flush().expect("flush to walnut");
        match rx.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(e) => {
                let _ = child.kill();
                panic!("no answer to {sql:?} while stdin stays open: {e}");
            }
        }
    };
    assert_eq!(answer("SELECT 1;\n"), "1");
    assert_eq!(
        answer("CREATE TABLE t(x);\nINSERT INTO t VALUES (7);\nSELECT x FROM t;\n"),
        "7"
    );
    assert_eq!(answer("SELECT 2;\n"), "2");
    // A dot-command's output is flushed too.
    assert_eq!(answer(".tables\n"), "t");
    drop(stdin);
    let status = child.wait().expect("wait for walnut");
    reader.join().expect("reader thread");
    assert!(rx.try_recv().is_err(), "nothing more was printed");
    assert!(status.success(), "status {status:?}");
}

// ---------------------------------------------------------------------
// 2. Error lines and exit status.

const SCRIPT_WITH_ERRORS: &str = "\
SELECT 1;
CREATE TABLE t(x);
SELECT * FROM nosuch;
SELECT
  * FROM nosuch2;
SELECT 9;
INSERT INTO t VALUES (1); SELECT nocolumn FROM t;
SELECT 10;
";

#[test]
fn errors_name_their_line_and_the_script_goes_on() {
    let out = walnut_with(&[], SCRIPT_WITH_ERRORS);
    assert_eq!(text(&out.stdout), "1\n9\n10\n");
    assert_eq!(
        text(&out.stderr),
        "Error: near line 3: no such table: nosuch\n\
         Error: near line 4: no such table: nosuch2\n\
         Error: near line 7: no such column: nocolumn\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bail_stops_at_the_first_error() {
    for bail in ["-bail", "--bail"] {
        let out = walnut_with(&[bail], SCRIPT_WITH_ERRORS);
        assert_eq!(text(&out.stdout), "1\n", "{bail}");
        assert_eq!(
            text(&out.stderr),
            "Error: near line 3: no such table: nosuch\n",
            "{bail}"
        );
        assert_eq!(out.status.code(), Some(1), "{bail}");
    }
    // `.bail on` in the script does the same.
    let out = walnut_with(&[], &format!(".bail on\n{SCRIPT_WITH_ERRORS}"));
    assert_eq!(text(&out.stdout), "1\n");
    assert_eq!(
        text(&out.stderr),
        "Error: near line 4: no such table: nosuch\n"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_clean_script_exits_zero_with_nothing_on_stderr() {
    let out = walnut_with(
        &[],
        "CREATE TABLE t(x);\nINSERT INTO t VALUES (1), (2);\nSELECT sum(x) FROM t;\n",
    );
    assert_clean(&out, "3\n");
}

#[test]
fn an_unfinished_statement_at_the_end_of_input_still_runs() {
    // sqlite3 runs what is left without its `;`.
    let out = walnut_with(&[], "SELECT 1;\nSELECT 2");
    assert_clean(&out, "1\n2\n");
}

// ---------------------------------------------------------------------
// 3. Command arguments.

#[test]
fn commands_on_the_command_line_run_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("args.db");
    let db = db.to_str().unwrap();
    let mut cmd = walnut();
    cmd.args([db, "CREATE TABLE t(x)", "INSERT INTO t VALUES (1)"]);
    assert_clean(&feed(cmd, ""), "");

    let mut cmd = walnut();
    cmd.args([db, "SELECT * FROM t"]);
    assert_clean(&feed(cmd, ""), "1\n");

    // A dot-command as an argument.
    let mut cmd = walnut();
    cmd.args([db, ".tables"]);
    assert_clean(&feed(cmd, ""), "t\n");

    // Options before the file apply to the commands.
    let mut cmd = walnut();
    cmd.args(["-csv", "-header", db, "SELECT x, 'a b' AS y FROM t"]);
    assert_clean(&feed(cmd, ""), "x,y\n1,\"a b\"\n");
}

#[test]
fn commands_stop_at_the_first_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stop.db");
    let mut cmd = walnut();
    cmd.arg(&db)
        .args(["SELECT 1", "SELECT * FROM nosuch", "SELECT 3"]);
    let out = feed(cmd, "");
    assert_eq!(text(&out.stdout), "1\n");
    let err = text(&out.stderr);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains("no such table: nosuch"), "{err}");
    assert!(!err.contains("near line"), "{err}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn commands_do_not_read_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nostdin.db");
    let mut cmd = walnut();
    cmd.arg(&db).arg("SELECT 1");
    assert_clean(&feed(cmd, "SELECT 2;\n"), "1\n");
}

// ---------------------------------------------------------------------
// 4. --help, --version, unknown options.

#[test]
fn help_and_version() {
    for flag in ["--help", "-help", "-h"] {
        let out = walnut_with(&[flag], "");
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        let usage = text(&out.stdout);
        assert!(
            usage.starts_with("Usage: walnut [OPTIONS] [FILE] [COMMAND...]\n"),
            "{flag}: {usage}"
        );
        assert!(usage.contains("-bail"), "{flag}: {usage}");
        assert_eq!(text(&out.stderr), "", "{flag}");
    }
    for flag in ["--version", "-version"] {
        let out = walnut_with(&[flag], "");
        assert_clean(&out, &format!("walnut {}\n", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn an_unknown_option_is_an_error() {
    let out = walnut_with(&["--frobnicate"], "SELECT 1;\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(err.contains("unknown option"), "{err}");
    assert!(err.contains("--frobnicate"), "{err}");

    let out = walnut_with(&["-cmd"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing argument"));
}

// ---------------------------------------------------------------------
// 5. No FILE: an in-memory database.

#[test]
fn without_a_file_nothing_is_written_to_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = walnut();
    cmd.current_dir(dir.path());
    let out = feed(
        cmd,
        "CREATE TABLE t(x);\nINSERT INTO t VALUES (1), (2), (3);\nSELECT count(*) FROM t;\n",
    );
    assert_clean(&out, "3\n");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "files left in the working directory: {left:?}"
    );

    // A second run starts from an empty database again.
    let mut cmd = walnut();
    cmd.current_dir(dir.path());
    let out = feed(cmd, ".tables\nSELECT count(*) FROM sqlite_master;\n");
    assert_clean(&out, "0\n");
}

// ---------------------------------------------------------------------
// 6. `.crash` and recovery on a file.

#[test]
fn crash_keeps_only_committed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut cmd = walnut();
    cmd.arg(&db);
    let out = feed(
        cmd,
        "CREATE TABLE t(x);\n\
         INSERT INTO t VALUES (1), (2);\n\
         BEGIN;\n\
         INSERT INTO t VALUES (3);\n\
         SELECT count(*) FROM t;\n\
         .crash\n\
         SELECT count(*) FROM t;\n",
    );
    assert_eq!(text(&out.stderr), "");
    assert!(out.status.success(), "{:?}", out.status);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"3"),
        "inside the transaction: {stdout}"
    );
    assert_eq!(lines.last(), Some(&"2"), "after the crash: {stdout}");
    assert!(lines.iter().any(|l| l.starts_with("crashed:")), "{stdout}");
    assert!(lines.iter().any(|l| l.starts_with("reopened:")), "{stdout}");

    // The file holds the committed rows after the shell closes it.
    let mut cmd = walnut();
    cmd.arg(&db).arg("SELECT group_concat(x) FROM t");
    assert_clean(&feed(cmd, ""), "1,2\n");
}

#[test]
fn opening_a_file_whose_wal_needs_recovery_says_so_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    let wal = walnut_pager::wal_path_for(&db);

    // A writer commits, says so, and is killed while waiting for more.
    let mut writer = walnut()
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn walnut");
    let mut stdin = writer.stdin.take().expect("stdin");
    let stdout = writer.stdout.take().expect("stdout");
    let (rx, reader) = lines_of(stdout);
    stdin
        .write_all(b"CREATE TABLE t(x);\nINSERT INTO t VALUES (1), (2);\nSELECT 'committed';\n")
        .unwrap();
    stdin.flush().unwrap();
    let line = rx.recv_timeout(PATIENCE);
    writer.kill().expect("kill the writer");
    writer.wait().expect("reap the writer");
    drop(stdin);
    reader.join().expect("reader thread");
    assert_eq!(line.as_deref(), Ok("committed"));
    assert!(wal.exists(), "the killed writer left {}", wal.display());

    let mut cmd = walnut();
    cmd.arg(&db).arg("SELECT count(*) FROM t");
    let out = feed(cmd, "");
    assert_eq!(text(&out.stdout), "2\n");
    let err = text(&out.stderr);
    assert!(err.starts_with("recovered "), "{err:?}");
    assert!(err.contains("from the WAL"), "{err:?}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(out.status.success(), "{:?}", out.status);

    // Closed cleanly this time: nothing more to recover.
    let mut cmd = walnut();
    cmd.arg(&db).arg("SELECT count(*) FROM t");
    assert_clean(&feed(cmd, ""), "2\n");
}

// ---------------------------------------------------------------------
// 7. Output modes byte for byte against sqlite3 3.40.1.

#[test]
fn list_mode_formats_values_as_sqlite3_does() {
    let sql = concat!(
        "SELECT 0, 1, -1, 9223372036854775807, -9223372036854775808, 42, -17;\n",
        "SELECT 1.0, 0.1, 1.0/3, 1e20, 1e-5, 123456789012345678.0, -0.0, 1e308*10, -1e308*10, \
         2.5, 100.0, 1e15, 1e16, -2.5, 3.14159265358979;\n",
        "SELECT 'a|b', 'line1\n",
        "line2', 'héllo wörld ✓ 日本', '', x'414243', x'41004243', NULL;\n",
        "SELECT 1, NULL, 'x';\n",
        "SELECT 0.1+0.2, 1e14, 1e100, 1.5e300, 123.456, -1e-10, 99999999999999.9, \
         999999999999999.0, 9999999999999999.0, 1e-4, 0.001, 12345678901234567890, 2e0, \
         5e-324, 1.7976931348623157e308, 4.9406564584124654e-324, 0.5, 1e21, \
         100000000000000000000.0;\n",
        "SELECT 9223372036854775807+1, -9223372036854775808-1, 9223372036854775807.0, 1/0, \
         1.0/0, 7/2, 7.0/2, -7/2, abs(-0.0), 1e16+1;\n",
        "SELECT CAST(x'E282AC' AS TEXT), x'', x'00', typeof(x'00'), 'tab\there', '\"q\"', \
         char(13), 'a' || char(0) || 'b';\n",
    );
    let expected = concat!(
        "0|1|-1|9223372036854775807|-9223372036854775808|42|-17\n",
        "1.0|0.1|0.333333333333333|1.0e+20|1.0e-05|1.23456789012346e+17|0.0|Inf|-Inf|2.5|100.0|\
         1.0e+15|1.0e+16|-2.5|3.14159265358979\n",
        "a|b|line1\n",
        "line2|héllo wörld ✓ 日本||ABC|A|\n",
        "1||x\n",
        "0.3|100000000000000.0|1.0e+100|1.5e+300|123.456|-1.0e-10|99999999999999.9|\
         999999999999999.0|1.0e+16|0.0001|0.001|1.23456789012346e+19|2.0|4.94065645841247e-324|\
         1.79769313486232e+308|4.94065645841247e-324|0.5|1.0e+21|1.0e+20\n",
        "9.22337203685478e+18|-9.22337203685478e+18|9.22337203685478e+18|||3|3.5|-3|0.0|1.0e+16\n",
        "€|||blob|tab\there|\"q\"|\r|a\n",
    );
    assert_like_sqlite3(&[], sql, expected);
}

const TABLE_T: &str = "\
CREATE TABLE t(id INTEGER, name TEXT, score REAL, note);
INSERT INTO t VALUES (1, 'alice', 9.5, NULL), (2, 'bob, \"jr\"', -0.25, 'x'), (30, 'héllo', 100.0, 7);
SELECT * FROM t;
";

#[test]
fn csv_mode_matches_sqlite3() {
    assert_like_sqlite3(
        &["-csv"],
        TABLE_T,
        concat!(
            "1,alice,9.5,\n",
            "2,\"bob, \"\"jr\"\"\",-0.25,x\n",
            "30,\"héllo\",100.0,7\n",
        ),
    );
    assert_like_sqlite3(
        &["-csv", "-header"],
        TABLE_T,
        concat!(
            "id,name,score,note\n",
            "1,alice,9.5,\n",
            "2,\"bob, \"\"jr\"\"\",-0.25,x\n",
            "30,\"héllo\",100.0,7\n",
        ),
    );
}

/// sqlite3's `-json` output for TABLE_T (a macro so `concat!` can use it).
macro_rules! json_of_t {
    () => {
        concat!(
            "[{\"id\":1,\"name\":\"alice\",\"score\":9.5,\"note\":null},\n",
            "{\"id\":2,\"name\":\"bob, \\\"jr\\\"\",\"score\":-0.25,\"note\":\"x\"},\n",
            "{\"id\":30,\"name\":\"héllo\",\"score\":100.0,\"note\":7}]\n",
        )
    };
}

/// sqlite3's `-line` output for TABLE_T.
macro_rules! line_of_t {
    () => {
        concat!(
            "   id = 1\n",
            " name = alice\n",
            "score = 9.5\n",
            " note = \n",
            "\n",
            "   id = 2\n",
            " name = bob, \"jr\"\n",
            "score = -0.25\n",
            " note = x\n",
            "\n",
            "   id = 30\n",
            " name = héllo\n",
            "score = 100.0\n",
            " note = 7\n",
        )
    };
}

#[test]
fn json_mode_matches_sqlite3() {
    assert_like_sqlite3(&["-json"], TABLE_T, concat!(json_of_t!(),));
}

#[test]
fn line_mode_matches_sqlite3() {
    assert_like_sqlite3(&["-line"], TABLE_T, concat!(line_of_t!(),));
}

#[test]
fn box_mode_matches_sqlite3() {
    assert_like_sqlite3(
        &["-box"],
        TABLE_T,
        concat!(
            "┌────┬───────────┬───────┬──────┐\n",
            "│ id │   name    │ score │ note │\n",
            "├────┼───────────┼───────┼──────┤\n",
            "│ 1  │ alice     │ 9.5   │      │\n",
            "│ 2  │ bob, \"jr\" │ -0.25 │ x    │\n",
            "│ 30 │ héllo     │ 100.0 │ 7    │\n",
            "└────┴───────────┴───────┴──────┘\n",
        ),
    );
}

#[test]
fn table_mode_matches_sqlite3() {
    assert_like_sqlite3(
        &["-table"],
        TABLE_T,
        concat!(
            "+----+-----------+-------+------+\n",
            "| id |   name    | score | note |\n",
            "+----+-----------+-------+------+\n",
            "| 1  | alice     | 9.5   |      |\n",
            "| 2  | bob, \"jr\" | -0.25 | x    |\n",
            "| 30 | héllo     | 100.0 | 7    |\n",
            "+----+-----------+-------+------+\n",
        ),
    );
    assert_like_sqlite3(
        &["-list", "-header"],
        TABLE_T,
        concat!(
            "id|name|score|note\n",
            "1|alice|9.5|\n",
            "2|bob, \"jr\"|-0.25|x\n",
            "30|héllo|100.0|7\n",
        ),
    );
}

#[test]
fn mode_dot_commands_switch_modes_as_sqlite3_does() {
    let script = format!(
        "{TABLE_T}{}",
        concat!(
            ".mode json\n",
            "SELECT * FROM t;\n",
            ".mode line\n",
            "SELECT * FROM t;\n",
            ".mode box\n",
            "SELECT * FROM t WHERE id < 3;\n",
            ".mode table\n",
            "SELECT id, name FROM t;\n",
            ".headers on\n",
            ".mode list\n",
            "SELECT * FROM t WHERE id = 30;\n",
            ".mode table\n",
            "SELECT 'ü' AS c1, '日本語' AS c2, 123456 AS c3, NULL AS c4;\n",
        )
    );
    assert_like_sqlite3(
        &[],
        &script,
        concat!(
            "1|alice|9.5|\n",
            "2|bob, \"jr\"|-0.25|x\n",
            "30|héllo|100.0|7\n",
            json_of_t!(),
            line_of_t!(),
            "┌────┬───────────┬───────┬──────┐\n",
            "│ id │   name    │ score │ note │\n",
            "├────┼───────────┼───────┼──────┤\n",
            "│ 1  │ alice     │ 9.5   │      │\n",
            "│ 2  │ bob, \"jr\" │ -0.25 │ x    │\n",
            "└────┴───────────┴───────┴──────┘\n",
            "+----+-----------+\n",
            "| id |   name    |\n",
            "+----+-----------+\n",
            "| 1  | alice     |\n",
            "| 2  | bob, \"jr\" |\n",
            "| 30 | héllo     |\n",
            "+----+-----------+\n",
            "id|name|score|note\n",
            "30|héllo|100.0|7\n",
            "+----+-----+--------+----+\n",
            "| c1 | c2  |   c3   | c4 |\n",
            "+----+-----+--------+----+\n",
            "| ü  | 日本語 | 123456 |    |\n",
            "+----+-----+--------+----+\n",
        ),
    );
}

// The finer points of sqlite3 3.40.1's modes, each once a difference:
// `.mode csv` (not `-csv`) ends rows with CRLF, `'` is quoted in CSV,
// JSON writes infinities as 1e999, box and table split values on newlines
// and expand tabs.

#[test]
fn csv_mode_set_by_dot_command_ends_rows_with_crlf() {
    assert_like_sqlite3(&[], ".mode csv\nSELECT 1, 'a b';\n", "1,\"a b\"\r\n");
}

#[test]
fn csv_quotes_fields_holding_a_single_quote() {
    assert_like_sqlite3(
        &["-csv", "-header"],
        "SELECT 'it''s' AS \"o'k\", '''' AS q, 'plain' AS p;\n",
        "\"o'k\",q,p\n\"it's\",\"'\",plain\n",
    );
}

#[test]
fn json_prints_infinities_as_1e999() {
    assert_like_sqlite3(
        &["-json"],
        "SELECT 1e308*10 AS p, -1e308*10 AS n;\n",
        "[{\"p\":1e999,\"n\":-1e999}]\n",
    );
}

#[test]
fn box_mode_splits_values_on_newlines() {
    assert_like_sqlite3(
        &["-box"],
        "SELECT 'a\nb' AS multi, 1.5 AS r;\n",
        concat!(
            "┌───────┬─────┐\n",
            "│ multi │  r  │\n",
            "├───────┼─────┤\n",
            "│ a     │ 1.5 │\n",
            "│ b     │     │\n",
            "└───────┴─────┘\n",
        ),
    );
}

#[test]
fn table_mode_expands_tabs() {
    assert_like_sqlite3(
        &["-table"],
        "SELECT 'tab\tx' AS t;\n",
        concat!(
            "+-----------+\n",
            "|     t     |\n",
            "+-----------+\n",
            "| tab     x |\n",
            "+-----------+\n",
        ),
    );
}

// ---------------------------------------------------------------------
// 8. `.output FILE`.

#[test]
fn output_sends_results_to_a_file_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    let script = format!(
        "SELECT 1;\n.output \"{}\"\nSELECT 2;\nSELECT 'three', 3;\n.output\nSELECT 4;\n",
        file.display()
    );
    let out = walnut_with(&[], &script);
    assert_clean(&out, "1\n4\n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "2\nthree|3\n");
}
