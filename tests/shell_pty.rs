//! The `walnut` binary in a pseudo-terminal, as a person at a keyboard
//! uses it: prompts, Ctrl-C and Ctrl-D, history across sessions and Tab
//! completion.
//!
//! rustyline draws the line with ANSI escapes, so the tests match plain
//! substrings of what the terminal receives, and an answer as a line of its
//! own (`\n5\r\n`: the pty turns `\n` into `\r\n`).
#![cfg(unix)]

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};
use std::path::Path;
use std::process::Command;

/// How long each expectation may wait, in milliseconds.
const TIMEOUT_MS: u64 = 15_000;

const PROMPT: &str = "walnut> ";
const CONTINUATION: &str = "   ...> ";
const UP: &str = "\x1b[A";

/// Starts `walnut` (in-memory database) in a pty with its history in
/// `history`, and waits for the first prompt.
fn start(history: &Path) -> PtySession {
    start_with(history, &[])
}

fn start_with(history: &Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_walnut"));
    cmd.args(args)
        .env("WALNUT_HISTORY", history)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env_remove("INPUTRC");
    let mut s = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn walnut in a pty");
    s.exp_string(PROMPT).expect("the first prompt");
    s
}

/// Types `text` and presses Enter.
fn enter(s: &mut PtySession, text: &str) {
    s.send(text).expect("type");
    s.send("\r").expect("press Enter");
    s.flush().expect("flush");
}

/// Waits for `answer` printed as a line of its own.
#[track_caller]
fn expect_answer(s: &mut PtySession, answer: &str) {
    if let Err(e) = s.exp_regex(&format!("\n{answer}\r?\n")) {
        panic!("expected the answer {answer:?}: {e}");
    }
}

/// Presses Ctrl-D at an empty prompt and checks the shell exits with 0.
#[track_caller]
fn quit(mut s: PtySession) {
    s.send_control('d').expect("Ctrl-D");
    s.exp_eof().expect("the shell ends");
    match s.process().wait() {
        Ok(WaitStatus::Exited(_, code)) => assert_eq!(code, 0, "exit status"),
        other => panic!("walnut did not exit normally: {other:?}"),
    }
}

fn history_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("history")
}

#[test]
fn prompt_continuation_prompt_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(&history_file(&dir));
    enter(&mut s, "SELECT 1;");
    expect_answer(&mut s, "1");
    s.exp_string(PROMPT).expect("a new prompt");

    enter(&mut s, "SELECT");
    s.exp_string(CONTINUATION).expect("the continuation prompt");
    enter(&mut s, "  6 * 7");
    s.exp_string(CONTINUATION).expect("still unfinished");
    enter(&mut s, ";");
    expect_answer(&mut s, "42");
    s.exp_string(PROMPT).expect("back to the main prompt");
    quit(s);
}

#[test]
fn ctrl_c_cancels_the_unfinished_statement_and_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(&history_file(&dir));
    enter(&mut s, "SELECT 'never'");
    s.exp_string(CONTINUATION).expect("the continuation prompt");
    s.send("+ 1").unwrap();
    s.flush().unwrap();
    s.send_control('c').expect("Ctrl-C");
    s.exp_string(PROMPT).expect("a fresh prompt after Ctrl-C");
    enter(&mut s, "SELECT 5;");
    expect_answer(&mut s, "5");
    s.exp_string(PROMPT).expect("a prompt");
    // Ctrl-C on an empty line does not exit either.
    s.send_control('c').expect("Ctrl-C");
    s.exp_string(PROMPT).expect("a prompt after Ctrl-C");
    enter(&mut s, "SELECT 'still here';");
    expect_answer(&mut s, "still here");
    quit(s);
}

#[test]
fn ctrl_d_at_the_prompt_exits_with_status_0() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(&history_file(&dir));
    quit(s);
}

#[test]
fn history_persists_between_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let history = history_file(&dir);

    let mut s = start(&history);
    enter(&mut s, "SELECT 42;");
    expect_answer(&mut s, "42");
    s.exp_string(PROMPT).unwrap();
    quit(s);
    let saved = std::fs::read_to_string(&history).expect("the history file");
    assert!(saved.contains("SELECT 42;"), "history file: {saved:?}");

    let mut s = start(&history);
    s.send(UP).unwrap();
    s.flush().unwrap();
    s.exp_string("SELECT 42;")
        .expect("Up recalls the statement");
    s.send("\r").unwrap();
    s.flush().unwrap();
    expect_answer(&mut s, "42");
    s.exp_string(PROMPT).unwrap();
    quit(s);
}

#[test]
fn tab_completes_column_and_table_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(&history_file(&dir));
    enter(&mut s, "CREATE TABLE shipments(quantity);");
    s.exp_string(PROMPT).unwrap();
    enter(&mut s, "INSERT INTO shipments VALUES (17);");
    s.exp_string(PROMPT).unwrap();
    s.send("SELECT quan\t").unwrap();
    s.flush().unwrap();
    s.exp_string("quantity").expect("the column completed");
    s.send(" FROM ship\t").unwrap();
    s.flush().unwrap();
    s.exp_string("shipments").expect("the table completed");
    enter(&mut s, ";");
    expect_answer(&mut s, "17");
    s.exp_string(PROMPT).unwrap();
    quit(s);
}

#[test]
fn tab_completes_a_table_name_that_a_keyword_also_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(&history_file(&dir));
    enter(&mut s, "CREATE TABLE orders(quantity);");
    s.exp_string(PROMPT).unwrap();
    enter(&mut s, "INSERT INTO orders VALUES (17);");
    s.exp_string(PROMPT).unwrap();
    s.send("SELECT quan\t").unwrap();
    s.flush().unwrap();
    s.exp_string("quantity").expect("the column completed");
    s.send(" FROM ord\t").unwrap();
    s.flush().unwrap();
    enter(&mut s, ";");
    expect_answer(&mut s, "17");
    s.exp_string(PROMPT).unwrap();
    quit(s);
}
