//! A runner for SQLite's sqllogictest files, behaving as SQLite's own
//! harness does.
//!
//! [sqllogictest](https://sqlite.org/sqllogictest/) is SQLite's corpus of
//! millions of SQL statements and queries with their expected answers, run
//! by a small C harness (`sqllogictest.c` and the SQLite driver
//! `slt_sqlite.c`, by D. Richard Hipp). Because every answer was produced by
//! that harness, the files only make sense when read and compared *exactly*
//! as it reads and compares them: which lines count as blank, how a value is
//! turned into text, what gets sorted, what gets hashed. This module is a
//! port of those rules, generic over an [`Engine`](crate::sqllogictest::Engine) so the same files can be
//! run against SQLite itself and against walnut.
//!
//! # The format
//!
//! A file is a sequence of *records* separated by blank lines (a line of
//! only whitespace is blank; a trailing `\r` is dropped). A line whose
//! first character is `#` is a comment and is ignored wherever it appears,
//! even inside a record (it neither ends the record nor belongs to it).
//! The first line of a record says what it is; its first four
//! whitespace-separated words are all that matters, anything after that is
//! ignored.
//!
//! ```text
//! statement ok
//! CREATE TABLE t1(a INTEGER, b TEXT)
//!
//! statement error
//! CREATE TABLE t1(x)
//!
//! query IT rowsort
//! SELECT a, b FROM t1
//! ----
//! 1
//! one
//! 2
//! (empty)
//!
//! query I nosort label-sum
//! SELECT sum(a) FROM t1
//! ----
//! 3
//!
//! hash-threshold 8
//!
//! onlyif sqlite # comments may follow
//! halt
//! ```
//!
//! * **`statement ok`** / **`statement error`**: the remaining lines of the
//!   record, joined with `\n`, are run as one piece of SQL (it may hold
//!   several `;`-separated statements); it must succeed, or fail. Words
//!   after `ok`/`error` are ignored, as in the C harness: there is no
//!   error-message pattern. Any other word than `ok`/`error` is an error
//!   in the file.
//! * **`query <types> [<sort>] [<label>]`**: the SQL runs up to a line that
//!   is exactly `----`; the expected results follow it, **one value per
//!   line**, row after row. `<types>` has one letter per result column,
//!   each `T`, `I` or `R`; it decides how each value is written (see below)
//!   and the query must return that many columns. `<sort>` is `nosort` (the
//!   default: compare in the order returned), `rowsort` (sort the rows,
//!   comparing the rendered values column by column as byte strings, like
//!   the harness's `strcmp`) or `valuesort` (sort all values individually,
//!   ignoring rows). A query record without a `----` line expects no rows.
//! * **`hash-threshold N`**: from here on, a result with more than `N`
//!   values (not rows) is compared by hash instead of value by value. The
//!   default is 8; 0 turns hashing off.
//! * **`halt`**: stop running the file here (used to end a file early for
//!   some engines: `onlyif mssql` + `halt`).
//! * **`skipif <engine>`** / **`onlyif <engine>`**: lines before a record
//!   that make it apply to one engine only. Several may be stacked; the
//!   record is skipped if any says so. The engine names compare without
//!   regard to case (`sqlite` matches the harness's `SQLite`). A `#` comment
//!   may follow on the same line.
//!
//! # How values are written (`slt_sqlite.c`)
//!
//! * A NULL is `NULL`, whatever the type letter.
//! * `I`: the value as `sqlite3_column_int()` gives it, printed with `%d`.
//!   That is SQLite's integer conversion (a REAL truncates toward zero, text
//!   takes its longest integer prefix: `'12abc'` is 12, `'abc'` is 0) and
//!   then a C cast to a **32-bit** `int`: the harness really uses
//!   `sqlite3_column_int`, not `sqlite3_column_int64`, so 4294967297 is
//!   written `1`. Files that care about big integers use `T`.
//! * `R`: the value as `sqlite3_column_double()` gives it, printed by
//!   `sqlite3_snprintf("%.3f")`: SQLite's own printf, which rounds the
//!   decimal digits half away from zero (`0.0625` is `0.063`, where C's
//!   printf says `0.062`) and writes negative zero as `0.000` (walnut's port
//!   of it, `walnut_sql::func::printf`, does this work).
//! * `T`: the text `sqlite3_column_text()` gives (an INTEGER in decimal, a
//!   REAL as SQLite writes it, a blob's raw bytes), taken as a C string,
//!   i.e. up to its first NUL byte. If that is empty it is written
//!   `(empty)`; otherwise every byte below `0x20` or above `0x7e` becomes
//!   `@` (so `é`, two bytes in UTF-8, is `@@`, and a tab is `@`).
//!
//! # Hashes and labels
//!
//! When a query has a label, or its result has more values than the hash
//! threshold, the harness takes the MD5 (see [`crate::md5`]) of every
//! value, after sorting, each followed by `\n`, and writes the result as the
//! single line `N values hashing to <32 hex digits>`. Above the threshold
//! that line is what the file lists and what is compared. A label
//! (`label-123`, truncated to 20 bytes) names a result: the first query with
//! that label in the file defines its hash, and every later query with the
//! same label must produce the same one. Even a query skipped by
//! `skipif`/`onlyif` is checked: its *expected* values (or the hash it
//! lists) must agree with the label's hash, which catches inconsistent test
//! files.
//!
//! # Counting and deviations from the C harness
//!
//! Each `statement` or `query` record is counted once: passed, failed or
//! skipped. A malformed record (unknown record type, unknown type letter,
//! missing type string, bad `statement` argument, bad `hash-threshold`)
//! counts as a failure with a `file:line` message; as in the harness an
//! unknown record type or a missing type string also ends the file.
//!
//! The comparison is stricter than the harness's in one respect: the C
//! harness stops comparing at the end of the shorter of the two lists, so a
//! query that returns fewer (or more) rows than the file lists can pass
//! there. Here the expected lines and the result must match in number too.
//! (SQLite's own files, written by the harness, always do.) A negative
//! `hash-threshold` means "always compare by hash" (the harness would
//! compare against a stale hash). Nothing else is knowingly different.

use crate::md5::Md5;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::Path;
use walnut_sql::Value;

/// The hash threshold in effect at the start of every file.
pub const DEFAULT_HASH_THRESHOLD: i64 = 8;

/// The longest label the harness keeps (`azToken[3][20] = 0`).
const LABEL_MAX: usize = 20;

/// How many bytes of a key the harness's label table stores.
const STORED_KEY_MAX: usize = 23;

/// The longest word of a record's first line (`azToken[..][200]`).
const TOKEN_MAX: usize = 199;

/// A database under test.
///
/// One value of this per file: a fresh, empty database. Note how the C
/// harness's SQLite driver treats errors, which the expected results in
/// SQLite's files reflect: a statement fails if any part of it fails, but a
/// query fails only if it cannot be *prepared*; an error while stepping
/// through its rows (such as `sum()`'s "integer overflow") silently ends
/// the result, and the rows produced so far are the answer. An engine that
/// wants SQLite's answers returns `Ok` with those rows in that case.
pub trait Engine {
    /// Runs one statement (or several separated by ';'); Err(message) if it fails.
    fn statement(&mut self, sql: &str) -> Result<(), String>;
    /// Runs a query and returns its rows as typed values.
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Value>>, String>;
    /// The engine's name for onlyif/skipif, e.g. "sqlite" or "walnut".
    fn name(&self) -> &str;
}

/// The outcome of running one file (or script).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileReport {
    /// The file's name as given to [`run_file`] / [`run_script`].
    pub name: String,
    /// Statement and query records whose outcome matched the file.
    pub passed: usize,
    /// Statement and query records that did not (plus malformed records).
    pub failed: usize,
    /// Statement and query records skipped by `skipif` / `onlyif`.
    pub skipped: usize,
    /// One entry per failed record, in file order.
    pub failures: Vec<Failure>,
    /// The line of the `halt` record that stopped the file, if one did.
    pub halted_at: Option<usize>,
}

impl FileReport {
    /// An empty report for `name`.
    pub fn new(name: &str) -> FileReport {
        FileReport {
            name: name.to_string(),
            ..FileReport::default()
        }
    }

    /// Records run or skipped: `passed + failed + skipped`.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }

    /// Adds another report's counts and failures to this one.
    pub fn absorb(&mut self, other: FileReport) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.failures.extend(other.failures);
    }
}

impl fmt::Display for FileReport {
    /// `NAME: N passed, N failed, N skipped`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} passed, {} failed, {} skipped",
            self.name, self.passed, self.failed, self.skipped
        )
    }
}

/// One record that did not behave as the file says.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The file's name.
    pub file: String,
    /// The line of the record's first line (after any `skipif`/`onlyif`).
    pub line: usize,
    /// The record's SQL (empty for malformed or skipped records).
    pub sql: String,
    /// What went wrong, e.g. `wrong result` or `statement failed: ...`.
    pub message: String,
    /// The expected lines from the file (for result mismatches).
    pub expected: Vec<String>,
    /// What the run produced, in the file's form (the values, or the
    /// `N values hashing to ...` line).
    pub got: Vec<String>,
    /// The rendered, sorted result values when `got` is a hash line, so the
    /// actual values can still be seen; empty otherwise.
    pub values: Vec<String>,
}

/// How many lines of a list a [`Failure`] shows.
const SHOW_LINES: usize = 12;
/// How many bytes of one line (or of the SQL) a [`Failure`] shows.
const SHOW_BYTES: usize = 300;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}:{}: {}", self.file, self.line, self.message)?;
        if !self.sql.is_empty() {
            let sql = shorten(&self.sql, SHOW_BYTES * 4);
            for line in sql.lines() {
                writeln!(f, "    | {line}")?;
            }
        }
        if !self.expected.is_empty() || !self.got.is_empty() {
            write_list(f, "expected", &self.expected)?;
            write_list(f, "got", &self.got)?;
            if !self.values.is_empty() {
                write_list(f, "values", &self.values)?;
            }
        }
        Ok(())
    }
}

/// Writes `label` and up to [`SHOW_LINES`] lines of `list`.
fn write_list(f: &mut fmt::Formatter<'_>, label: &str, list: &[String]) -> fmt::Result {
    writeln!(f, "  {label} ({} lines):", list.len())?;
    for line in list.iter().take(SHOW_LINES) {
        writeln!(f, "    {}", shorten(line, SHOW_BYTES))?;
    }
    if list.len() > SHOW_LINES {
        writeln!(f, "    ... {} more", list.len() - SHOW_LINES)?;
    }
    Ok(())
}

/// `s` cut to at most `max` bytes (at a character boundary), with `...`.
fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("{}...", truncate_bytes(s, max)))
    }
}

/// `s` cut to at most `max` bytes, at a character boundary.
fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Runs the file at `path` against `engine` (which should be fresh: an
/// empty database). `labels` are extra engine names that `onlyif` /
/// `skipif` match, besides `engine.name()`.
///
/// The file's bytes are read as UTF-8, lossily. Only failing to read the
/// file is an `Err`; everything about its content is in the report.
pub fn run_file(
    engine: &mut dyn Engine,
    path: &Path,
    labels: &[String],
) -> Result<FileReport, io::Error> {
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(run_script(
        engine,
        &path.display().to_string(),
        &text,
        labels,
    ))
}

/// Runs the script `text` (the content of a file called `name`) against
/// `engine`; see [`run_file`].
pub fn run_script(
    engine: &mut dyn Engine,
    name: &str,
    text: &str,
    labels: &[String],
) -> FileReport {
    let mut names: Vec<String> = vec![engine.name().to_string()];
    names.extend(labels.iter().cloned());
    Runner {
        engine,
        names,
        report: FileReport::new(name),
        script: Script::new(text),
        threshold: DEFAULT_HASH_THRESHOLD,
        labels: HashMap::new(),
    }
    .run()
}

/// Renders one result value the way `slt_sqlite.c` does for the type letter
/// `ty` (`'T'`, `'I'` or `'R'`; anything else is treated as `'T'`).
pub fn render_value(v: &Value, ty: char) -> String {
    if matches!(v, Value::Null) {
        return "NULL".to_string();
    }
    match ty {
        // sqlite3_column_int(): the 64-bit conversion, then a C cast to int.
        'I' => (walnut_sql::affinity::value_to_i64(v) as i32).to_string(),
        'R' => format_real(walnut_sql::affinity::value_to_f64(v)),
        _ => render_text(v),
    }
}

/// `sqlite3_snprintf("%.3f", r)`.
fn format_real(r: f64) -> String {
    let args = [Value::Text("%.3f".to_string()), Value::Real(r)];
    match walnut_sql::func::printf(&args) {
        Ok(Value::Text(s)) => s,
        // printf of a number with a plain format cannot fail; keep going
        // with the C library's idea of it if it somehow did.
        _ => format!("{r:.3}"),
    }
}

/// The `T` rendering: C-string text, `(empty)`, `@` for unprintable bytes.
fn render_text(v: &Value) -> String {
    let bytes = walnut_sql::format::text_bytes(v).unwrap_or(Cow::Borrowed(&[]));
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = &bytes[..end];
    if text.is_empty() {
        return "(empty)".to_string();
    }
    text.iter()
        .map(|&b| {
            if (0x20..=0x7e).contains(&b) {
                char::from(b)
            } else {
                '@'
            }
        })
        .collect()
}

/// The MD5 the harness takes of a result: every value followed by `\n`, in
/// lower-case hex.
pub fn hash_values(values: &[String]) -> String {
    let mut md5 = Md5::new();
    for v in values {
        md5.update(v.as_bytes());
        md5.update(b"\n");
    }
    md5.finish_hex()
}

/// The line the harness writes for a hashed result.
pub fn hash_line(values: &[String]) -> String {
    format!("{} values hashing to {}", values.len(), hash_values(values))
}

/// C's `isspace()` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The harness's line cursor over a script (`struct Script`, `nextLine()`,
/// `nextIsBlank()`, `findStartOfNextRecord()`, `tokenizeLine()`), ported
/// faithfully because the quirks of where a record ends matter.
struct Script<'a> {
    /// The whole script.
    text: &'a str,
    /// Byte offset of the current line.
    cur: usize,
    /// Byte offset of the next line.
    next: usize,
    /// 1-based number of the current line.
    line_no: usize,
    /// The current line: no `\n`, no trailing `\r`, and empty if it is all
    /// whitespace.
    line: &'a str,
    /// The line number of the current record's first line.
    start_line: usize,
    /// The first four words of the record's first line ("" if absent).
    tokens: [&'a str; 4],
}

impl<'a> Script<'a> {
    fn new(text: &'a str) -> Script<'a> {
        Script {
            text,
            cur: 0,
            next: 0,
            line_no: 0,
            line: "",
            start_line: 0,
            tokens: [""; 4],
        }
    }

    /// Whether the cursor has reached the end of the script.
    fn at_end(&self) -> bool {
        self.cur >= self.text.len()
    }

    /// Advances to the next non-comment line; false (and an empty line) at
    /// the end of the script.
    fn next_line(&mut self) -> bool {
        let end = self.text.len();
        loop {
            if self.next >= end {
                self.cur = end;
                self.line = "";
                return false;
            }
            self.cur = self.next;
            self.line_no += 1;
            let nl = self.text[self.cur..]
                .find('\n')
                .map_or(end, |p| self.cur + p);
            self.next = nl + 1;
            let mut line = &self.text[self.cur..nl];
            if let Some(stripped) = line.strip_suffix('\r') {
                line = stripped;
            }
            if line.bytes().all(is_c_space) {
                line = "";
            }
            self.line = line;
            if !line.starts_with('#') {
                return true;
            }
        }
    }

    /// True if the next physical line is blank (or there is none). Does not
    /// move the cursor. A comment line is not blank.
    fn next_is_blank(&self) -> bool {
        let bytes = self.text.as_bytes();
        let mut i = self.next;
        if i >= bytes.len() {
            return true;
        }
        while i < bytes.len() && is_c_space(bytes[i]) {
            if bytes[i] == b'\n' {
                return true;
            }
            i += 1;
        }
        false
    }

    /// Skips the rest of the current record and the blank lines after it;
    /// false at the end of the script.
    fn find_start_of_next_record(&mut self) -> bool {
        if self.cur > 0 {
            while !self.line.is_empty() && !self.at_end() {
                self.next_line();
            }
        } else {
            self.next_line();
        }
        while self.line.is_empty() && !self.at_end() {
            self.next_line();
        }
        !self.at_end()
    }

    /// Splits the current line into (up to) four words and records its line
    /// number as the record's start.
    fn tokenize(&mut self) {
        self.start_line = self.line_no;
        self.tokens = [""; 4];
        let words = self
            .line
            .split(|c: char| c.is_ascii() && is_c_space(c as u8))
            .filter(|w| !w.is_empty());
        for (slot, word) in self.tokens.iter_mut().zip(words) {
            *slot = truncate_bytes(word, TOKEN_MAX);
        }
    }
}

/// The state of one run.
struct Runner<'e, 'a> {
    engine: &'e mut dyn Engine,
    /// Names that `onlyif` / `skipif` match (the engine's and the labels).
    names: Vec<String>,
    report: FileReport,
    script: Script<'a>,
    threshold: i64,
    /// Label -> MD5 of its result (`checkValue()`'s table).
    labels: HashMap<String, String>,
}

impl Runner<'_, '_> {
    fn run(mut self) -> FileReport {
        while self.script.find_start_of_next_record() {
            self.script.tokenize();
            let mut skip = false;
            while matches!(self.script.tokens[0], "skipif" | "onlyif") {
                let target = self.script.tokens[1];
                let matched = self.names.iter().any(|n| n.eq_ignore_ascii_case(target));
                if self.script.tokens[0] == "skipif" {
                    skip |= matched;
                } else {
                    skip |= !matched;
                }
                self.script.next_line();
                self.script.tokenize();
            }
            if skip {
                self.skip_record();
                continue;
            }
            let keep_going = match self.script.tokens[0] {
                "statement" => {
                    self.statement();
                    true
                }
                "query" => self.query(),
                "hash-threshold" => {
                    self.hash_threshold();
                    true
                }
                "halt" => {
                    self.report.halted_at = Some(self.script.start_line);
                    false
                }
                other => {
                    let msg = if other.is_empty() {
                        "missing record type after skipif/onlyif".to_string()
                    } else {
                        format!("unknown record type: '{other}'")
                    };
                    self.fail(String::new(), msg);
                    false
                }
            };
            if !keep_going {
                break;
            }
        }
        self.report
    }

    /// Records a failure of the current record with no result lists.
    fn fail(&mut self, sql: String, message: String) {
        self.fail_with(sql, message, Vec::new(), Vec::new(), Vec::new());
    }

    /// Records a failure of the current record.
    fn fail_with(
        &mut self,
        sql: String,
        message: String,
        expected: Vec<String>,
        got: Vec<String>,
        values: Vec<String>,
    ) {
        self.report.failed += 1;
        self.report.failures.push(Failure {
            file: self.report.name.clone(),
            line: self.script.start_line,
            sql,
            message,
            expected,
            got,
            values,
        });
    }

    /// `checkValue()`: true if `key` already names a different hash; the
    /// first use of a key stores its hash.
    fn label_disagrees(&mut self, key: &str, hash: &str) -> bool {
        if let Some(h) = self.labels.get(key) {
            return h != hash;
        }
        self.labels.insert(
            truncate_bytes(key, STORED_KEY_MAX).to_string(),
            truncate_bytes(hash, 32).to_string(),
        );
        false
    }

    /// A record skipped by `skipif`/`onlyif`. A labeled query's expected
    /// result is still checked against its label.
    fn skip_record(&mut self) {
        let kind = self.script.tokens[0];
        let counted = matches!(kind, "statement" | "query");
        let label = self.script.tokens[3];
        if kind != "query" || label.is_empty() {
            if counted {
                self.report.skipped += 1;
            }
            return;
        }
        let s = &mut self.script;
        while !s.next_is_blank() && s.next_line() && s.line != "----" {}
        if s.line == "----" {
            s.next_line();
        }
        if s.line.is_empty() {
            self.report.skipped += 1;
            return;
        }
        let hash = match parse_hash_line(s.line) {
            Some(h) => h.to_string(),
            None => {
                let mut md5 = Md5::new();
                md5.update(s.line.as_bytes());
                md5.update(b"\n");
                while !s.next_is_blank() && s.next_line() {
                    md5.update(s.line.as_bytes());
                    md5.update(b"\n");
                }
                md5.finish_hex()
            }
        };
        if self.label_disagrees(label, &hash) {
            self.fail(
                String::new(),
                format!(
                    "labeled result [{label}] does not agree with previous values \
                     (in a skipped query's expected results)"
                ),
            );
        } else {
            self.report.skipped += 1;
        }
    }

    /// A `statement ok|error` record.
    fn statement(&mut self) {
        let mut sql = String::new();
        let mut first = true;
        while self.script.next_line() && !self.script.line.is_empty() {
            if !first {
                sql.push('\n');
            }
            sql.push_str(self.script.line);
            first = false;
        }
        let result = self.engine.statement(&sql);
        match (self.script.tokens[1], result) {
            ("ok", Ok(())) | ("error", Err(_)) => self.report.passed += 1,
            ("ok", Err(e)) => self.fail(sql, format!("statement failed: {e}")),
            ("error", Ok(())) => self.fail(
                sql,
                "statement succeeded but the file expects an error".to_string(),
            ),
            (other, _) => self.fail(
                sql,
                format!("statement argument should be 'ok' or 'error', not '{other}'"),
            ),
        }
    }

    /// A `query` record; false if the file must stop here.
    fn query(&mut self) -> bool {
        let types: Vec<char> = self.script.tokens[1].chars().collect();
        if let Some(c) = types.iter().find(|c| !matches!(c, 'T' | 'I' | 'R')) {
            self.fail(
                String::new(),
                format!("unknown type character '{c}' in type string"),
            );
            return true;
        }
        if types.is_empty() {
            self.fail(String::new(), "missing type string".to_string());
            return false;
        }
        let sort = self.script.tokens[2];
        let label = truncate_bytes(self.script.tokens[3], LABEL_MAX);

        // The SQL: up to a blank line or a "----" line.
        let mut sql = String::new();
        let mut first = true;
        let s = &mut self.script;
        while !s.next_is_blank() && s.next_line() && !s.line.is_empty() && s.line != "----" {
            if !first {
                sql.push('\n');
            }
            sql.push_str(s.line);
            first = false;
        }
        // The expected lines: whatever follows "----", up to a blank line.
        let mut expected = Vec::new();
        if s.line == "----" {
            s.next_line();
            while !s.line.is_empty() {
                expected.push(s.line.to_string());
                if !s.next_line() {
                    break;
                }
            }
        }

        let rows = match self.engine.query(&sql) {
            Ok(rows) => rows,
            Err(e) => {
                self.fail(sql, format!("query failed: {e}"));
                return true;
            }
        };
        if let Some(row) = rows.iter().find(|r| r.len() != types.len()) {
            let msg = format!(
                "wrong number of result columns: expected {} but got {}",
                types.len(),
                row.len()
            );
            self.fail(sql, msg);
            return true;
        }
        let mut values: Vec<String> = Vec::with_capacity(rows.len() * types.len());
        for row in &rows {
            for (v, &ty) in row.iter().zip(&types) {
                values.push(render_value(v, ty));
            }
        }

        let mut problems = Vec::new();
        match sort {
            "" | "nosort" => {}
            "rowsort" => {
                let mut sorted: Vec<&[String]> = values.chunks(types.len()).collect();
                sorted.sort();
                values = sorted.concat();
            }
            "valuesort" => values.sort(),
            other => problems.push(format!("unknown sort method: '{other}'")),
        }

        let n = values.len() as i64;
        // (A negative threshold hashes every result: n > threshold.)
        let hashed = self.threshold != 0 && n > self.threshold;
        let mut hash = None;
        if !label.is_empty() || hashed {
            let h = hash_values(&values);
            if !label.is_empty() && self.label_disagrees(label, &h) {
                problems.push(format!(
                    "labeled result [{label}] does not agree with previous values"
                ));
            }
            hash = Some(h);
        }
        let (got, shown_values) = match hash {
            Some(h) if hashed => (
                vec![format!("{} values hashing to {h}", values.len())],
                values,
            ),
            _ => (values, Vec::new()),
        };
        if got != expected {
            problems.insert(
                0,
                if hashed {
                    "wrong result hash".to_string()
                } else {
                    "wrong result".to_string()
                },
            );
        }
        if problems.is_empty() {
            self.report.passed += 1;
        } else {
            self.fail_with(sql, problems.join("; "), expected, got, shown_values);
        }
        true
    }

    /// A `hash-threshold N` record (`atoi()` of the word).
    fn hash_threshold(&mut self) {
        let word = self.script.tokens[1];
        match atoi(word) {
            Some(n) => self.threshold = n,
            None => self.fail(
                String::new(),
                format!("hash-threshold needs a number, not '{word}'"),
            ),
        }
    }
}

/// C's `atoi()` on a word: an optional sign and leading digits; `None` if
/// there are no digits at all.
fn atoi(word: &str) -> Option<i64> {
    let (neg, digits) = match word.as_bytes().first() {
        Some(b'-') => (true, &word[1..]),
        Some(b'+') => (false, &word[1..]),
        _ => (false, word),
    };
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits[..len].bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if neg { -n } else { n })
}

/// `sscanf(line, "%*d values hashing to %32s")`: the hash of a hash line.
fn parse_hash_line(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    let rest = rest.strip_prefix(['-', '+']).unwrap_or(rest);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let mut rest = &rest[digits..];
    for word in ["values", "hashing", "to"] {
        rest = rest.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
        rest = rest.strip_prefix(word)?;
    }
    rest = rest.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    let len = rest
        .find(|c: char| c.is_ascii() && is_c_space(c as u8))
        .unwrap_or(rest.len());
    if len == 0 {
        return None;
    }
    Some(truncate_bytes(&rest[..len], 32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_line_parsing() {
        assert_eq!(
            parse_hash_line("30 values hashing to 3c13dee48d9356ae19af2515e05e6b54"),
            Some("3c13dee48d9356ae19af2515e05e6b54")
        );
        assert_eq!(parse_hash_line("30"), None);
        assert_eq!(parse_hash_line("abc values hashing to x"), None);
        assert_eq!(parse_hash_line("1 values hashing to"), None);
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi("8"), Some(8));
        assert_eq!(atoi("-3"), Some(-3));
        assert_eq!(atoi("12x"), Some(12));
        assert_eq!(atoi("x"), None);
        assert_eq!(atoi(""), None);
    }

    #[test]
    fn tokens_and_lines() {
        let mut s = Script::new("# c\r\nskipif  mysql # why\r\n  \t\nquery I\n");
        assert!(s.find_start_of_next_record());
        s.tokenize();
        assert_eq!(s.tokens, ["skipif", "mysql", "#", "why"]);
        assert_eq!(s.start_line, 2);
        assert!(s.next_is_blank());
    }
}
