//! The shell's core: one open database, the output settings, and the loop
//! that turns input into statements and results.
//!
//! Everything a person at the terminal can do goes through [`Shell`]; the
//! terminal itself (line editing, history, completion) lives in
//! [`crate::interactive`], and the binary's `main` in [`crate::run`]. This
//! split keeps the core testable: a test builds a `Shell` writing to
//! memory, feeds it a script and snapshots exactly what a person would
//! have seen (see `tests/sessions.rs`).
//!
//! ## What happens to a line
//!
//! ```text
//!  line ──> LineBuffer ──> Piece::Dot ──> dot::run ──> output
//!                      └─> Piece::Sql ──> split into statements
//!                                          └─> parse ──> Session::run ──> Format::write_rows
//! ```
//!
//! After every piece the output is flushed, so a program driving the shell
//! through a pipe sees each answer before it sends the next statement.
//!
//! ## Errors
//!
//! A failed statement or dot-command is reported on stderr as
//! `Error: near line N: message` when the input is a script (stdin that is
//! not a terminal, a `.read` file), or `Error: message` at the prompt and
//! for command-line arguments; the shell goes on unless `.bail on`
//! (`-bail`). The process exits with status 1 if anything failed.

use crate::error::{Result, ShellError};
use crate::mode::Format;
use crate::style::Style;
use std::fs::File;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use walnut_pager::SimVfs;
use walnut_sql::ast::Statement as Ast;
use walnut_sql::parse::{parse_statement, split_statements};
use walnut_sql::{Database, Options, Params};

/// Where the database lives.
#[derive(Clone)]
pub enum Target {
    /// A file on disk.
    File(PathBuf),
    /// A transient database on a simulated disk in memory (what the shell
    /// opens without a file). `.crash` on it is a simulated power loss.
    Memory(Arc<SimVfs>),
}

impl Target {
    /// A new in-memory target.
    pub fn memory() -> Target {
        Target::Memory(Arc::new(SimVfs::new(0x5eed)))
    }

    /// The name views and messages use.
    pub fn display_name(&self) -> String {
        match self {
            Target::File(p) => p.display().to_string(),
            Target::Memory(_) => ":memory:".to_string(),
        }
    }

    /// Opens the database.
    pub fn open(&self) -> Result<Database> {
        Ok(match self {
            Target::File(p) => Database::open(p)?,
            Target::Memory(vfs) => {
                Database::open_vfs(vfs.clone(), Path::new("memory.db"), Options::default())?
            }
        })
    }
}

/// What the caller should do after a piece of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read on.
    Continue,
    /// Stop with this exit status (`.quit`, `.exit N`, or an error under
    /// `.bail on`).
    Exit(i32),
}

/// How an error is introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Typed at the prompt or given on the command line: `Error: msg`.
    Prompt,
    /// Line `n` of a script: `Error: near line n: msg`.
    Line(usize),
}

/// Switches that change what the shell prints around results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Switches {
    /// Stop at the first error.
    pub bail: bool,
    /// Print `Run Time: ...` after each statement.
    pub timer: bool,
    /// Print `changes: N   total_changes: M` after each statement.
    pub changes: bool,
    /// Print what each statement cost the pager.
    pub trace: bool,
    /// Print each command before running it.
    pub echo: bool,
}

/// The shell's state. See the module documentation.
pub struct Shell {
    db: Option<Database>,
    target: Target,
    /// How results are written.
    pub format: Format,
    /// Switches (bail, timer, changes, trace, echo).
    pub switches: Switches,
    /// Colour for views written to stdout (see [`Shell::view_style`]).
    pub style: Style,
    out: Box<dyn Write>,
    redirect: Option<(PathBuf, BufWriter<File>)>,
    err: Box<dyn Write>,
    failed: bool,
    last_changes: u64,
    total_changes: u64,
}

impl Shell {
    /// A shell on `target`, writing results to `out` and errors to `err`.
    ///
    /// ```
    /// use walnut_repl::shell::{Shell, Target};
    /// use walnut_repl::capture::Capture;
    ///
    /// let out = Capture::new();
    /// let mut shell = Shell::open(Target::memory(), Box::new(out.clone()), Box::new(out.clone()))?;
    /// shell.run_script("CREATE TABLE t(x); INSERT INTO t VALUES (1.0), (NULL);\nSELECT x FROM t;\n");
    /// assert_eq!(out.text(), "1.0\n\n");
    /// # Ok::<(), walnut_repl::ShellError>(())
    /// ```
    pub fn open(target: Target, out: Box<dyn Write>, err: Box<dyn Write>) -> Result<Shell> {
        let db = target.open()?;
        let mut shell = Shell {
            db: Some(db),
            target,
            format: Format::default(),
            switches: Switches::default(),
            style: Style::PLAIN,
            out,
            redirect: None,
            err,
            failed: false,
            last_changes: 0,
            total_changes: 0,
        };
        shell.announce_recovery();
        Ok(shell)
    }

    /// The open database.
    pub fn db(&self) -> Result<&Database> {
        self.db
            .as_ref()
            .ok_or_else(|| ShellError::NotFound("no database is open (use .open)".into()))
    }

    /// Where the database lives.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Whether any statement or command has failed so far.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Where results go now (stdout, or the `.output` file).
    pub fn out(&mut self) -> &mut dyn Write {
        match &mut self.redirect {
            Some((_, w)) => w,
            None => &mut self.out,
        }
    }

    /// How views colour their text: [`Shell::style`] for stdout, plain
    /// while `.output` sends results to a file.
    pub fn view_style(&self) -> Style {
        if self.redirect.is_some() {
            Style::PLAIN
        } else {
            self.style
        }
    }

    /// Where errors and notices go.
    pub fn err(&mut self) -> &mut dyn Write {
        &mut self.err
    }

    /// Sends results to `path` (`.output FILE`), or back to stdout.
    pub fn redirect_output(&mut self, path: Option<&Path>) -> Result<()> {
        if let Some((p, mut w)) = self.redirect.take() {
            w.flush().map_err(|source| ShellError::File {
                doing: "write",
                path: p,
                source,
            })?;
        }
        if let Some(path) = path {
            let file = File::create(path).map_err(|source| ShellError::File {
                doing: "create",
                path: path.to_path_buf(),
                source,
            })?;
            self.redirect = Some((path.to_path_buf(), BufWriter::new(file)));
        }
        Ok(())
    }

    /// Closes the database and opens `target` instead (`.open`). On
    /// failure the shell is left without a database, as sqlite3 is.
    pub fn reopen(&mut self, target: Target) -> Result<()> {
        self.db = None; // closes cleanly: checkpoint, WAL removed
        self.target = target;
        self.db = Some(self.target.open()?);
        self.announce_recovery();
        Ok(())
    }

    /// Stops as `kill -9` would and reopens the same database in-process
    /// (`.crash`). Returns what to print: what happened and what recovery
    /// found.
    pub fn crash(&mut self) -> Result<String> {
        let db = self
            .db
            .take()
            .ok_or_else(|| ShellError::NotFound("no database is open (use .open)".into()))?;
        db.abandon()?;
        let mut text = String::from(
            "crashed: stopped as kill -9 would (no commit of an open transaction, no checkpoint, \
             the WAL left as it was)\n",
        );
        if let Target::Memory(vfs) = &self.target {
            let report = vfs.crash();
            let pending = report.writes_kept + report.writes_dropped + report.writes_torn;
            if pending == 0 {
                text.push_str("power loss on the simulated disk: every write had been synced\n");
            } else {
                text.push_str(&format!(
                    "power loss on the simulated disk: of the writes not yet synced, {} kept, {} \
                 dropped, {} torn\n",
                    report.writes_kept, report.writes_dropped, report.writes_torn
                ));
            }
        }
        let db = self.target.open()?;
        let report = db.pager().recovery_report().clone();
        self.db = Some(db);
        if report.needed_recovery() {
            text.push_str(&format!("reopened: {}\n", report.summary()));
        } else {
            text.push_str(&format!("reopened: nothing to recover ({})\n", report.stop));
        }
        Ok(text)
    }

    /// On opening a database whose WAL needed recovery, says what recovery
    /// did in a sentence or two (on stderr, so results stay clean).
    fn announce_recovery(&mut self) {
        let Some(db) = &self.db else { return };
        let report = db.pager().recovery_report().clone();
        if report.needed_recovery() {
            let _ = writeln!(self.err, "{}", report.summary());
        }
    }

    /// Reports an error as sqlite3 does and remembers that one happened.
    pub fn report(&mut self, e: &ShellError, origin: Origin) -> Flow {
        self.failed = true;
        let _ = self.out().flush();
        let _ = match origin {
            Origin::Prompt => writeln!(self.err, "Error: {e}"),
            Origin::Line(n) => writeln!(self.err, "Error: near line {n}: {e}"),
        };
        let _ = self.err.flush();
        if self.switches.bail {
            Flow::Exit(1)
        } else {
            Flow::Continue
        }
    }

    /// Runs a script given as one text (a command-line argument, or a test's
    /// input); errors say `near line N` counted within it when `numbered`.
    pub fn run_script(&mut self, text: &str) -> Flow {
        self.run_reader(&mut text.as_bytes(), true)
    }

    /// Runs one command-line argument: SQL or a dot-command.
    pub fn run_argument(&mut self, text: &str) -> Flow {
        if text.trim_start().starts_with('.') {
            return self.run_dot(text.trim(), Origin::Prompt);
        }
        self.run_sql(text, Origin::Prompt)
    }

    /// Reads lines from `input` to its end, running each piece as it is
    /// complete (stdin that is not a terminal, `.read FILE`).
    pub fn run_reader(&mut self, input: &mut dyn BufRead, numbered: bool) -> Flow {
        let mut buffer = crate::input::LineBuffer::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            match input.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    let origin = if numbered {
                        Origin::Line(buffer.lines_seen() + 1)
                    } else {
                        Origin::Prompt
                    };
                    let flow = self.report(&ShellError::Input(e), origin);
                    if flow != Flow::Continue {
                        return flow;
                    }
                    break;
                }
            }
            // (`from_utf8` checks ASCII a word at a time; the lossy
            // conversion, for the rare line that is not UTF-8, does not.)
            let text = match std::str::from_utf8(&line) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(&line),
            };
            let text = text.trim_end_matches(['\n', '\r']);
            if let Some(piece) = buffer.push(text) {
                let flow = self.run_piece(piece, numbered);
                if flow != Flow::Continue {
                    return flow;
                }
            }
        }
        match buffer.finish() {
            Some(piece) => self.run_piece(piece, numbered),
            None => Flow::Continue,
        }
    }

    /// Runs a complete piece of input.
    pub fn run_piece(&mut self, piece: crate::input::Piece, numbered: bool) -> Flow {
        let origin = |line: usize| {
            if numbered {
                Origin::Line(line)
            } else {
                Origin::Prompt
            }
        };
        match piece {
            crate::input::Piece::Dot { text, line } => self.run_dot(&text, origin(line)),
            crate::input::Piece::Sql {
                text,
                line,
                statements,
            } => {
                // The statements a LineBuffer found; a piece made some
                // other way, with ranges that do not fit its text, is split
                // again.
                if !statements
                    .iter()
                    .all(|s| text.get(s.start..s.end).is_some())
                {
                    return self.run_sql(&text, origin(line));
                }
                let statements = statements
                    .iter()
                    .filter_map(|s| Some((text.get(s.start..s.end)?, s.line)));
                self.run_statements(statements, origin(line))
            }
        }
    }

    /// Runs SQL text that may hold several statements.
    pub fn run_sql(&mut self, text: &str, origin: Origin) -> Flow {
        let statements = split_statements(text);
        self.run_statements(statements.iter().map(|s| (s.text, s.line)), origin)
    }

    /// Runs statements (text, and line within the piece of input), one
    /// after the other.
    fn run_statements<'t>(
        &mut self,
        statements: impl Iterator<Item = (&'t str, usize)>,
        origin: Origin,
    ) -> Flow {
        for (text, line) in statements {
            let o = match origin {
                Origin::Line(n) => Origin::Line(n + line - 1),
                Origin::Prompt => Origin::Prompt,
            };
            let flow = self.run_statement(text, o);
            if flow != Flow::Continue {
                return flow;
            }
        }
        Flow::Continue
    }

    /// Runs a dot-command line.
    pub fn run_dot(&mut self, line: &str, origin: Origin) -> Flow {
        if self.switches.echo {
            let _ = writeln!(self.out(), "{line}");
        }
        let flow = match crate::dot::run(self, line) {
            Ok(flow) => flow,
            Err(e) => self.report(&e, origin),
        };
        let _ = self.out().flush();
        flow
    }

    /// Runs one statement and prints its result.
    fn run_statement(&mut self, sql: &str, origin: Origin) -> Flow {
        if self.switches.echo {
            let _ = writeln!(self.out(), "{sql};");
        }
        // What `.trace` and `.timer` measure, taken only when they are on
        // (reading the CPU times is a system call per statement).
        let before = if self.switches.trace {
            self.db.as_ref().map(|db| db.stats())
        } else {
            None
        };
        let started = (self.switches.timer || self.switches.trace).then(Instant::now);
        let cpu_before = if self.switches.timer {
            cpu_times()
        } else {
            Default::default()
        };
        let result = self.execute_and_print(sql);
        let elapsed = started.map(|s| s.elapsed()).unwrap_or_default();
        let flow = match result {
            Ok(()) => Flow::Continue,
            Err(e) => self.report(&e, origin),
        };
        if self.switches.changes {
            let (c, t) = (self.last_changes, self.total_changes);
            let _ = writeln!(self.out(), "changes: {c}   total_changes: {t}");
        }
        if self.switches.timer {
            let line = timer_line(elapsed.as_secs_f64(), cpu_before, cpu_times());
            let _ = writeln!(self.out(), "{line}");
        }
        if self.switches.trace
            && let (Some(before), Some(db)) = (before, &self.db)
        {
            let cost = db.stats().since(&before);
            let line = crate::trace::describe(&cost, elapsed);
            let _ = writeln!(self.out(), "{line}");
        }
        if let Err(e) = self.out().flush() {
            return self.report(&ShellError::Output(e), origin);
        }
        flow
    }

    fn execute_and_print(&mut self, sql: &str) -> Result<()> {
        let parsed = parse_statement(sql).map_err(walnut_sql::Error::from)?;
        let db = self.db()?;
        let rows = db.main_session().run(&parsed, Params::from(()))?;
        if matches!(
            parsed.statement,
            Ast::Insert(_) | Ast::Update(_) | Ast::Delete(_)
        ) {
            self.last_changes = rows.changes();
            self.total_changes += rows.changes();
        }
        let columns = rows.columns().to_vec();
        if matches!(parsed.statement, Ast::Explain(_)) {
            // sqlite3 draws EXPLAIN QUERY PLAN as a tree whatever the mode.
            let out = self.out();
            for row in rows {
                for v in row {
                    if let Some(b) = crate::render::field_bytes(&v) {
                        out.write_all(&b)?;
                    }
                    out.write_all(b"\n")?;
                }
            }
            return Ok(());
        }
        let out: &mut dyn Write = match &mut self.redirect {
            Some((_, w)) => w,
            None => &mut self.out,
        };
        self.format.write_rows(out, &columns, rows)?;
        Ok(())
    }

    /// Names for completion: tables, indexes and their columns.
    pub fn completion_names(&self) -> Vec<String> {
        let Some(db) = &self.db else {
            return Vec::new();
        };
        let mut names = Vec::new();
        let Ok(rows) = db.query("SELECT name, type FROM sqlite_master", ()) else {
            return names;
        };
        for row in rows {
            if let Some(walnut_sql::Value::Text(name)) = row.first() {
                names.push(name.clone());
                if matches!(row.get(1), Some(walnut_sql::Value::Text(t)) if t == "table") {
                    let pragma = format!("PRAGMA table_info(\"{}\")", name.replace('"', "\"\""));
                    if let Ok(cols) = db.query(&pragma, ()) {
                        for col in cols {
                            if let Some(walnut_sql::Value::Text(c)) = col.get(1) {
                                names.push(c.clone());
                            }
                        }
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Flushes the output (and an `.output` file).
    pub fn flush(&mut self) -> Result<()> {
        self.out().flush()?;
        self.err.flush()?;
        Ok(())
    }

    /// Closes the database cleanly (checkpoint, WAL removed), reporting a
    /// failure.
    pub fn close(&mut self) -> Result<()> {
        self.redirect_output(None)?;
        if let Some(db) = self.db.take() {
            let pager = db.pager();
            drop(db);
            // The last reference closes the pager: a checkpoint, then the
            // WAL is removed. Dropping cannot report a failure, so run the
            // checkpoint here first where it can.
            if Arc::strong_count(&pager) == 1 {
                pager.checkpoint()?;
            }
        }
        Ok(())
    }
}

/// The `.timer` line, as sqlite3 prints it.
fn timer_line(real: f64, before: Option<(f64, f64)>, after: Option<(f64, f64)>) -> String {
    match (before, after) {
        (Some((u0, s0)), Some((u1, s1))) => format!(
            "Run Time: real {real:.3} user {:.6} sys {:.6}",
            (u1 - u0).max(0.0),
            (s1 - s0).max(0.0)
        ),
        _ => format!("Run Time: real {real:.3}"),
    }
}

/// User and system CPU seconds of this process, from `/proc/self/stat`
/// (Linux); `None` elsewhere.
fn cpu_times() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces:
    // count fields after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13
    // after the command name (state is the first one here).
    let ticks = 100.0; // USER_HZ, 100 on every Linux configuration in use
    let user: f64 = fields.get(11)?.parse().ok()?;
    let sys: f64 = fields.get(12)?.parse().ok()?;
    Some((user / ticks, sys / ticks))
}
