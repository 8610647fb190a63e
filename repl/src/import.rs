//! `.import FILE TABLE`: CSV rows into a table, as the sqlite3 shell does it.
//!
//! The file is read with [`crate::csv`] and its records go into the table
//! as TEXT values through one prepared `INSERT INTO "t" VALUES(?,?,...)`,
//! so the table's column affinities convert them exactly as in sqlite3
//! (the text `'1'` becomes the integer 1 in an INTEGER column, stays text
//! in a TEXT column).
//!
//! # Which records are data
//!
//! * `skip` records are dropped first (sqlite3's `--skip N`).
//! * If the table does **not** exist, the next record is the header: its
//!   fields name the columns of a new table whose columns are all TEXT.
//!   The statement is sqlite3 3.40's, four columns to a line:
//!
//!   ```text
//!   CREATE TABLE "people"(
//!   "name" TEXT, "age" TEXT, "city" TEXT, "zip" TEXT,
//!    "phone" TEXT)
//!   ```
//!
//!   An empty header field names a column `?`; names that repeat
//!   (ignoring ASCII case) get the column's 1-based position as a suffix
//!   (`a,a` gives `a_1`, `a_2`; zeros are added, `a_01`, if that still
//!   collides with another name), and a warning lists the renames in
//!   sqlite3's words. A file with no header at all is an error
//!   (`empty file`).
//! * If the table exists, every record is data.
//!
//! # Records that do not fit
//!
//! A record with too few fields is filled up with NULLs, one with too many
//! is cut short; each gets a warning in sqlite3 3.40's words:
//!
//! ```text
//! data.csv:7: expected 3 columns but found 1 - filling the rest with NULL
//! data.csv:9: expected 3 columns but found 4 - extras ignored
//! ```
//!
//! # All or nothing
//!
//! The import runs in one transaction (`BEGIN` ... `COMMIT`), the table's
//! creation included. Any error (a CSV syntax error, an INSERT a
//! constraint refuses, a read error) rolls it all back and is reported
//! with the file and the line where the offending record starts, so a
//! failed import leaves the database as it was. sqlite3 instead warns and
//! goes on, skipping the rows it cannot insert and taking an unterminated
//! quote to run to the end of the file. If the session is already inside
//! `BEGIN`, the import joins that transaction and leaves ending it to the
//! user: after an error, the rows inserted so far are in the open
//! transaction, and `ROLLBACK` removes them.

use crate::csv::{self, CsvError, CsvReader, Record};
use crate::error::{Result, ShellError};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use walnut_sql::{Database, Value};

/// How to read the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The field separator: exactly one byte, not `"`, `\r` or `\n`.
    pub separator: String,
    /// Records to drop from the start of the file (before the header).
    pub skip: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            separator: ",".into(),
            skip: 0,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Rows inserted.
    pub rows: u64,
    /// Whether the table was created from the file's header.
    pub created_table: bool,
    /// Warnings, one per line, in sqlite3's words (`FILE:LINE: ...`).
    pub warnings: Vec<String>,
}

/// How often progress is reported, in bytes of input.
const PROGRESS_STEP: u64 = 256 * 1024;

/// Imports the CSV file at `path` into `table`; see the module
/// documentation. `progress(bytes_done, bytes_total)` is called at the
/// start, every few hundred kilobytes, and at the end.
pub fn import(
    db: &Database,
    path: &Path,
    table: &str,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportReport> {
    let separator =
        csv::separator_byte(&options.separator).map_err(|e| ShellError::Usage(e.to_string()))?;
    let file = File::open(path).map_err(|source| ShellError::File {
        doing: "open",
        path: path.to_path_buf(),
        source,
    })?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = CsvReader::new(BufReader::with_capacity(64 * 1024, file), separator)
        .map_err(|e| ShellError::Usage(e.to_string()))?;
    progress(0, total);

    let began = if db.in_transaction() {
        false
    } else {
        db.execute("BEGIN", ())?;
        true
    };
    let mut job = Job {
        db,
        path,
        table,
        reader,
        total,
        last_progress: 0,
        report: ImportReport::default(),
    };
    match job.run(options.skip, progress) {
        Ok(()) => {
            if began && let Err(e) = db.execute("COMMIT", ()) {
                let _ = db.execute("ROLLBACK", ());
                return Err(e.into());
            }
            progress(total, total);
            Ok(job.report)
        }
        Err(e) => {
            if began {
                let _ = db.execute("ROLLBACK", ());
            }
            Err(e)
        }
    }
}

/// One import in progress.
struct Job<'a> {
    db: &'a Database,
    path: &'a Path,
    table: &'a str,
    reader: CsvReader<BufReader<File>>,
    total: u64,
    last_progress: u64,
    report: ImportReport,
}

impl Job<'_> {
    fn run(&mut self, skip: usize, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
        for _ in 0..skip {
            if self.next()?.is_none() {
                break;
            }
        }
        let quoted = quote_ident(self.table);
        let columns = match self
            .db
            .query(&format!("SELECT * FROM {quoted} LIMIT 0"), ())
        {
            Ok(rows) => rows.columns().len(),
            Err(walnut_sql::Error::NoSuch { kind: "table", .. }) => self.create_table(&quoted)?,
            Err(e) => return Err(e.into()),
        };
        let placeholders = vec!["?"; columns].join(",");
        let mut insert = self
            .db
            .prepare(&format!("INSERT INTO {quoted} VALUES({placeholders})"))?;
        let mut values: Vec<Value> = Vec::with_capacity(columns);
        while let Some(record) = self.next()? {
            let found = record.fields.len();
            if found < columns {
                self.warn(
                    record.line,
                    format!(
                        "expected {columns} columns but found {found} - filling the rest with NULL"
                    ),
                );
            } else if found > columns {
                self.warn(
                    record.line,
                    format!("expected {columns} columns but found {found} - extras ignored"),
                );
            }
            values.clear();
            values.extend(record.fields.into_iter().take(columns).map(Value::Text));
            values.resize(columns, Value::Null);
            insert
                .execute(&values)
                .map_err(|e| self.csv_error(record.line, format!("INSERT failed: {e}")))?;
            self.report.rows += 1;
            let done = self.reader.bytes_read();
            if done - self.last_progress >= PROGRESS_STEP {
                self.last_progress = done;
                progress(done, self.total);
            }
        }
        Ok(())
    }

    /// Creates the table from the header record; returns its column count.
    fn create_table(&mut self, quoted: &str) -> Result<usize> {
        let Some(header) = self.next()? else {
            return Err(self.csv_error(self.reader.line(), "empty file".into()));
        };
        let (names, renames) = column_names(&header.fields);
        if !renames.is_empty() {
            self.report.warnings.push(format!(
                "Columns renamed during .import {} due to duplicates:\n{}",
                self.path.display(),
                renames.join(",\n")
            ));
        }
        let sql = create_table_sql(quoted, &names);
        self.db
            .execute(&sql, ())
            .map_err(|e| self.csv_error(header.line, format!("{sql} failed: {e}")))?;
        self.report.created_table = true;
        Ok(names.len())
    }

    fn next(&mut self) -> Result<Option<Record>> {
        self.reader.next_record().map_err(|e| match e {
            CsvError::Syntax { line, message } => self.csv_error(line, message),
            CsvError::Io(source) => ShellError::File {
                doing: "read",
                path: self.path.to_path_buf(),
                source,
            },
            CsvError::Separator(message) => ShellError::Usage(message),
        })
    }

    fn warn(&mut self, line: usize, message: String) {
        self.report
            .warnings
            .push(format!("{}:{line}: {message}", self.path.display()));
    }

    fn csv_error(&self, line: usize, message: String) -> ShellError {
        ShellError::Csv {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }
}

/// `"name"` with `"` doubled (SQLite's `%w` in double quotes).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// sqlite3 3.40's CREATE TABLE for an imported header: every column TEXT,
/// a line break before every fifth, ninth... column.
pub fn create_table_sql(quoted_table: &str, names: &[String]) -> String {
    let mut sql = format!("CREATE TABLE {quoted_table}(\n");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            sql.push_str(if i % 4 == 0 { ",\n " } else { ", " });
        }
        sql.push_str(&quote_ident(name));
        sql.push_str(" TEXT");
    }
    sql.push(')');
    sql
}

/// The column names sqlite3 3.40 makes of a header (its `zAutoColumn()`):
/// an empty field is named `?`; a name that occurs more than once,
/// ignoring ASCII case, gets `_` and its 1-based position, zero-padded
/// just enough to clash with no other name. Also returns the renames as
/// sqlite3 lists them (`"a" to "a_1"`).
pub fn column_names(header: &[String]) -> (Vec<String>, Vec<String>) {
    let names: Vec<String> = header
        .iter()
        .map(|h| {
            if h.is_empty() {
                "?".to_string()
            } else {
                h.clone()
            }
        })
        .collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let repeated: Vec<bool> = lower
        .iter()
        .enumerate()
        .map(|(i, n)| lower.iter().enumerate().any(|(j, m)| i != j && n == m))
        .collect();
    if !repeated.contains(&true) {
        return (names, Vec::new());
    }
    let with_zeros = |zeros: usize| -> Vec<String> {
        names
            .iter()
            .zip(&repeated)
            .enumerate()
            .map(|(i, (name, &rep))| {
                if rep {
                    format!("{name}_{}{}", "0".repeat(zeros), i + 1)
                } else {
                    name.clone()
                }
            })
            .collect()
    };
    let unique = |candidate: &[String]| {
        let mut seen: Vec<String> = candidate.iter().map(|c| c.to_ascii_lowercase()).collect();
        seen.sort();
        seen.windows(2).all(|w| w[0] != w[1])
    };
    // Each added zero makes the suffixes longer; a handful always suffices
    // for real headers, and the last try is kept regardless.
    let mut renamed = with_zeros(0);
    for zeros in 1..=8 {
        if unique(&renamed) {
            break;
        }
        renamed = with_zeros(zeros);
    }
    let renames = names
        .iter()
        .zip(&renamed)
        .zip(&repeated)
        .filter(|(_, rep)| **rep)
        .map(|((old, new), _)| format!("{} to {}", quote_ident(old), quote_ident(new)))
        .collect();
    (renamed, renames)
}
