//! Scripted shell sessions, one per dot-command, snapshotted as a person
//! at the terminal would see them: the prompt, what was typed, and what
//! the shell answered (stdout and stderr interleaved).
//!
//! They double as documentation: `repl/tests/snapshots/sessions__*.snap`
//! is what each command looks like. Times (`.timer`, `.trace`) are the only
//! thing that changes from run to run; they are masked.

use std::io::Write;
use walnut_repl::capture::Capture;
use walnut_repl::input::LineBuffer;
use walnut_repl::interactive::{CONTINUATION, PROMPT};
use walnut_repl::shell::{Flow, Shell, Target};

/// Runs `script` line by line as if typed at the prompt; returns the
/// transcript.
fn session(script: &str) -> String {
    session_on(Target::memory(), script).0
}

fn session_on(target: Target, script: &str) -> (String, Shell) {
    let cap = Capture::new();
    let mut shell =
        Shell::open(target, Box::new(cap.clone()), Box::new(cap.clone())).expect("open");
    let mut buffer = LineBuffer::new();
    let mut echo = cap.clone();
    for line in script.lines() {
        let prompt = if buffer.is_pending() {
            CONTINUATION
        } else {
            PROMPT
        };
        writeln!(echo, "{prompt}{line}").expect("capture");
        if let Some(piece) = buffer.push(line)
            && let Flow::Exit(code) = shell.run_piece(piece, false)
        {
            writeln!(echo, "(exit {code})").expect("capture");
            break;
        }
    }
    (cap.text(), shell)
}

/// Masks times, which differ from run to run.
macro_rules! assert_session {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"real \d+\.\d+ user \d+\.\d+ sys \d+\.\d+", "real [T] user [T] sys [T]"),
            (r"\d+\.\d+ ms", "[T] ms"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

const PEOPLE: &str = "\
CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT NOT NULL, height REAL, photo BLOB);
CREATE INDEX people_name ON people(name);
INSERT INTO people(name, height, photo) VALUES ('ann', 1.7, x'89504e47'), ('bob', NULL, NULL), ('cy | dee', 1.0/3, x'');
";

#[test]
fn list_mode_is_sqlite3s() {
    assert_session!(
        "list_mode",
        session(&format!(
            "{PEOPLE}SELECT * FROM people;\nSELECT 1.0, 1e20, 0.1 + 0.2, -0.0, 9223372036854775807, 'a''b', NULL;\n"
        ))
    );
}

#[test]
fn mode_switches_between_every_output_mode() {
    let mut script = String::from(PEOPLE);
    script.push_str(".mode\n");
    for m in ["csv", "line", "json", "box", "table", "list"] {
        script.push_str(&format!(
            ".mode {m}\nSELECT id, name, height FROM people;\n"
        ));
    }
    script.push_str(".mode nosuch\n");
    assert_session!("mode", session(&script));
}

#[test]
fn headers_nullvalue_and_separator() {
    assert_session!(
        "headers_nullvalue_separator",
        session(&format!(
            "{PEOPLE}.headers on\nSELECT id, height FROM people;\n.nullvalue NULL\n.separator \", \"\nSELECT id, height FROM people;\n.separator \"\\t\" \" ;\\n\"\nSELECT id, name FROM people;\n.headers maybe\n"
        ))
    );
}

#[test]
fn tables_schema_and_indexes() {
    assert_session!(
        "tables_schema_indexes",
        session(&format!(
            "{PEOPLE}CREATE TABLE pets(owner INTEGER, name TEXT UNIQUE);\n.tables\n.tables p%s\n.schema people\n.schema\n.indexes\n.indexes pets\n"
        ))
    );
}

/// Triggers and the session's TEMP objects, as sqlite3 3.40 shows them:
/// `.schema` lists main's objects in creation order, then the TEMP ones
/// named `temp.x`; `.tables` lists TEMP views as `temp.x`; `.dump` writes
/// triggers with indexes and views after the tables' rows, and only main.
#[test]
fn triggers_and_temp_objects_in_tables_schema_and_dump() {
    assert_session!(
        "triggers_temp_schema_dump",
        session(
            "CREATE TABLE t(a, b);\n\
             CREATE INDEX ti ON t(a);\n\
             CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;\n\
             CREATE TABLE u(x);\n\
             CREATE VIEW v AS SELECT a FROM t;\n\
             CREATE TRIGGER vr INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES(new.a, 0); END;\n\
             CREATE TEMP VIEW tv AS SELECT x FROM u;\n\
             CREATE TEMP TRIGGER ttr AFTER INSERT ON u BEGIN SELECT 2; END;\n\
             INSERT INTO t VALUES(1,2);\n\
             INSERT INTO v VALUES(5);\n\
             .tables\n.schema\n.schema u\n.dump\n.dump t\n"
        )
    );
}

#[test]
fn help_lists_every_command() {
    assert_session!("help", session(".help\n.help im\n.help nosuch\n"));
}

#[test]
fn errors_are_reported_and_the_shell_goes_on() {
    let (text, shell) = session_on(
        Target::memory(),
        "SELECT * FROM nosuch;\nSELEC 1;\nSELECT 1;\n.nosuch\n.mode\n.page x\n",
    );
    assert!(shell.failed());
    assert_session!("errors", text);
}

#[test]
fn bail_stops_at_the_first_error() {
    assert_session!(
        "bail",
        session(".bail on\nSELECT 1;\nSELECT * FROM nosuch;\nSELECT 2;\n")
    );
}

#[test]
fn changes_counts_rows_changed() {
    assert_session!(
        "changes",
        session(&format!(
            ".changes on\n{PEOPLE}UPDATE people SET height = 2 WHERE height IS NULL;\nDELETE FROM people;\nSELECT count(*) FROM people;\n"
        ))
    );
}

#[test]
fn timer_prints_run_time() {
    assert_session!(
        "timer",
        session(".timer on\nSELECT 1;\n.timer off\nSELECT 2;\n")
    );
}

#[test]
fn trace_shows_what_a_statement_cost() {
    assert_session!(
        "trace",
        session(&format!(
            "CREATE TABLE t(x);\n.trace on\nINSERT INTO t VALUES (1);\nSELECT * FROM t;\n.trace off\nSELECT * FROM t;\n{}",
            ""
        ))
    );
}

#[test]
fn multi_line_statements_and_several_per_line() {
    assert_session!(
        "multi_line",
        session("SELECT\n  1 +\n  2;\nSELECT 3; SELECT 4;\n-- a comment\nSELECT 'a;b';\n")
    );
}

#[test]
fn explain_query_plan_is_drawn_as_a_tree() {
    assert_session!(
        "explain",
        session(&format!(
            "{PEOPLE}EXPLAIN QUERY PLAN SELECT * FROM people WHERE name = 'ann';\n.mode box\nEXPLAIN QUERY PLAN SELECT * FROM people WHERE id = 1;\n"
        ))
    );
}

#[test]
fn quit_and_exit_end_the_session() {
    assert_session!("quit", session("SELECT 1;\n.quit\nSELECT 2;\n"));
    assert_session!("exit_code", session(".exit 3\nSELECT 2;\n"));
}

#[test]
fn open_switches_database_and_read_runs_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("a.db");
    let script = dir.path().join("s.sql");
    std::fs::write(
        &script,
        "CREATE TABLE s(x);\nINSERT INTO s VALUES (1);\nSELECT * FROM nosuch;\nSELECT x FROM s;\n",
    )
    .expect("write");
    let text = session(&format!(
        ".open {}\n.read {}\n.tables\n.open\n.tables\n.open {}\nSELECT * FROM s;\n.read /nonexistent/x.sql\n.read {}\n",
        db.display(),
        script.display(),
        db.display(),
        dir.path().display()
    ));
    let text = text.replace(&dir.path().display().to_string(), "[DIR]");
    assert_session!("open_read", text);
}

#[test]
fn output_sends_results_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("out.txt");
    let text = session(&format!(
        ".output {}\nSELECT 1;\nSELECT 'two';\n.output\nSELECT 3;\n",
        file.display()
    ));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "1\ntwo\n");
    let text = text.replace(&dir.path().display().to_string(), "[DIR]");
    assert_session!("output", text);
}

#[test]
fn sync_and_checkpoint() {
    assert_session!(
        "sync_checkpoint",
        session(
            ".sync\n.sync normal\n.sync\n.sync sometimes\nCREATE TABLE t(x);\nINSERT INTO t VALUES (1), (2);\n.checkpoint\n.checkpoint\n.sync full\n"
        )
    );
}

#[test]
fn check_reports_ok_for_a_sound_database() {
    assert_session!("check", session(&format!("{PEOPLE}.check\n")));
}

#[test]
fn crash_stops_like_kill_and_recovery_keeps_only_commits() {
    let text = session(
        "CREATE TABLE t(x);\nINSERT INTO t VALUES (1), (2);\nBEGIN;\nINSERT INTO t VALUES (3);\nSELECT count(*) FROM t;\n.crash\nSELECT count(*) FROM t;\n.check\n",
    );
    assert!(text.contains("reopened: recovered"), "{text}");
    assert_session!("crash", text);
}

#[test]
fn crash_of_a_file_database_recovers_from_its_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.db");
    let (text, _shell) = session_on(
        Target::File(path.clone()),
        "CREATE TABLE t(x);\nINSERT INTO t VALUES ('kept');\nBEGIN;\nINSERT INTO t VALUES ('lost');\n.crash\nSELECT * FROM t;\n",
    );
    assert!(
        text.contains("reopened: recovered 3 transactions"),
        "{text}"
    );
    assert!(!text.contains("\nlost"), "{text}");
    assert!(text.ends_with("kept\n"), "{text}");
}

// walnut's internals views, as typed at the prompt (each view's own
// details are pinned in tests/views.rs).

const SMALL: &str = "\
PRAGMA page_size = 1024;
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v TEXT);
INSERT INTO t(k, v) VALUES ('a', 'one'), ('b', 'two'), ('c', printf('%.2000c', 'x'));
CREATE INDEX t_k ON t(k);
";

#[test]
fn pool_view() {
    assert_session!(
        "pool",
        session(&format!(
            "{SMALL}PRAGMA cache_size = 8;\nSELECT count(*) FROM t;\n.pool\n"
        ))
    );
}

#[test]
fn wal_view() {
    assert_session!("wal", session(&format!("{SMALL}.wal\n.checkpoint\n.wal\n")));
}

#[test]
fn page_and_pages_views() {
    assert_session!(
        "page_pages",
        session(&format!(
            "{SMALL}.pages\n.page 3\n.page 99\n.page 1 --hex\n"
        ))
    );
}

#[test]
fn btree_view() {
    assert_session!(
        "btree",
        session(&format!(
            "{SMALL}.btree t\n.btree t_k --dot\n.btree nosuch\n"
        ))
    );
}

#[test]
fn freelist_view() {
    assert_session!(
        "freelist",
        session(&format!("{SMALL}.freelist\nDROP TABLE t;\n.freelist\n"))
    );
}

#[test]
fn stats_and_dbinfo_views() {
    assert_session!(
        "stats_dbinfo",
        session(&format!("{SMALL}.stats\n.dbinfo\n"))
    );
}

#[test]
fn dump_writes_sql_that_rebuilds_the_database() {
    assert_session!(
        "dump",
        session(&format!("{PEOPLE}.dump\n.dump peo%\n.dump nosuch\n"))
    );
}

#[test]
fn import_loads_a_csv_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("pets.csv");
    std::fs::write(&csv, "name,legs\nrex,4\n\"polly, the parrot\",2\nsnake\n").expect("write");
    let text = session(&format!(
        ".import --csv {csv} pets\nSELECT name, legs, typeof(legs) FROM pets;\nCREATE TABLE typed(name TEXT, legs INTEGER);\n.import --csv --skip 1 {csv} typed\nSELECT name, legs, typeof(legs) FROM typed;\n.import --csv /nonexistent.csv pets\n.import onlyonearg\n",
        csv = csv.display()
    ));
    let text = text.replace(&dir.path().display().to_string(), "[DIR]");
    assert_session!("import", text);
}

#[test]
fn echo_prints_each_command_first() {
    assert_session!(
        "echo",
        session(".echo on\nSELECT 1;\n.mode csv\n.echo off\nSELECT 2;\n")
    );
}

#[test]
fn views_written_to_a_file_are_never_coloured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("pages.txt");
    let cap = Capture::new();
    let mut shell = Shell::open(
        Target::memory(),
        Box::new(cap.clone()),
        Box::new(cap.clone()),
    )
    .expect("open");
    shell.style = walnut_repl::style::Style { color: true };
    shell.run_script(&format!(
        "CREATE TABLE t(x);\n.pages\n.output {}\n.pages\n.output\n",
        file.display()
    ));
    assert!(
        cap.text().contains('\x1b'),
        "stdout on a terminal is coloured"
    );
    let written = std::fs::read_to_string(&file).expect("read");
    assert!(written.contains("header"), "{written}");
    assert!(!written.contains('\x1b'), "{written}");
}
