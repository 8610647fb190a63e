//! Dot-commands: sqlite3's own, then walnut's views of its internals.
//!
//! A dot-command is one line starting with `.`; its arguments are split
//! on spaces, with `'single'` and `"double"` quotes grouping words and,
//! inside double quotes, C escapes (`"\t"` is a tab), as in sqlite3. A
//! command may be shortened to any prefix that names only it
//! (`.h on` is `.headers on`), again as in sqlite3.
//!
//! The table [`COMMANDS`] is the single source of truth: `.help` prints it,
//! completion offers its names, and [`run`] dispatches on it.

use crate::error::{Result, ShellError};
use crate::mode::Mode;
use crate::progress::Progress;
use crate::shell::{Flow, Shell, Target};
use crate::views::{self, plural};
use std::io::{BufReader, IsTerminal};
use std::path::Path;
use walnut_sql::{Synchronous, Value};

/// One dot-command: its name, its arguments and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// The name, without the dot.
    pub name: &'static str,
    /// The arguments, as `.help` shows them.
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
}

const fn cmd(name: &'static str, args: &'static str, help: &'static str) -> Command {
    Command { name, args, help }
}

/// Every dot-command, in `.help`'s order: sqlite3's first, then walnut's
/// internals views.
pub const COMMANDS: &[Command] = &[
    cmd(
        "bail",
        "on|off",
        "Stop after hitting an error.  Default OFF",
    ),
    cmd("changes", "on|off", "Show number of rows changed by SQL"),
    cmd(
        "check",
        "",
        "Run the integrity check: ok, or every problem found",
    ),
    cmd(
        "checkpoint",
        "",
        "Copy the WAL's committed pages into the main file",
    ),
    cmd(
        "crash",
        "",
        "Stop as kill -9 would and reopen, showing what recovery did",
    ),
    cmd("dbinfo", "", "Show the database file's header fields"),
    cmd("dump", "?TABLE?", "Render database content as SQL"),
    cmd("echo", "on|off", "Turn command echo on or off"),
    cmd("exit", "?CODE?", "Exit this program with return-code CODE"),
    cmd("headers", "on|off", "Turn display of headers on or off"),
    cmd(
        "help",
        "?COMMAND?",
        "Show help text for COMMAND, or for every command",
    ),
    cmd(
        "import",
        "?--csv? ?--skip N? FILE TABLE",
        "Import data from FILE into TABLE",
    ),
    cmd("indexes", "?TABLE?", "Show names of indexes (of TABLE)"),
    cmd(
        "mode",
        "?MODE?",
        "Set output mode: list csv line json box table",
    ),
    cmd("nullvalue", "STRING", "Use STRING in place of NULL values"),
    cmd(
        "open",
        "?--new? ?FILE?",
        "Close this database and open FILE (none: in memory)",
    ),
    cmd(
        "output",
        "?FILE?",
        "Send output to FILE, or back to stdout without FILE",
    ),
    cmd("quit", "", "Exit this program"),
    cmd("read", "FILE", "Read input from FILE"),
    cmd(
        "schema",
        "?PATTERN?",
        "Show the CREATE statements matching PATTERN",
    ),
    cmd(
        "separator",
        "COL ?ROW?",
        "Change the column and row separators",
    ),
    cmd(
        "tables",
        "?PATTERN?",
        "List names of tables matching a LIKE pattern",
    ),
    cmd("timer", "on|off", "Turn SQL timer on or off"),
    // walnut's internals views
    cmd(
        "btree",
        "NAME ?--dot?",
        "Draw the B+Tree of a table or index (as Graphviz DOT)",
    ),
    cmd(
        "freelist",
        "",
        "Show the freelist: trunk pages and the pages they list",
    ),
    cmd(
        "page",
        "N ?--hex?",
        "Decode page N: header, checksum, slots, cells (and raw bytes)",
    ),
    cmd("pages", "", "Map every page of the file by type"),
    cmd(
        "pool",
        "",
        "Show the buffer pool: every frame, the CLOCK hand, hits and misses",
    ),
    cmd("stats", "", "Show the pager's counters and the WAL's marks"),
    cmd(
        "sync",
        "?extra|full|normal|off?",
        "Show or set when commits fsync",
    ),
    cmd(
        "trace",
        "on|off",
        "After each statement, show what it cost the pager",
    ),
    cmd(
        "wal",
        "",
        "Show the WAL: header, frames, what readers need, where recovery stops",
    ),
];

/// Runs one dot-command line.
pub fn run(shell: &mut Shell, line: &str) -> Result<Flow> {
    let words = split_args(line.trim_start_matches('.'))?;
    let Some((name, args)) = words.split_first() else {
        return Err(unknown(line));
    };
    let command = resolve(name).ok_or_else(|| unknown(name))?;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let usage = || ShellError::usage(format!(".{} {}", command.name, command.args).trim_end());
    match (command.name, args.as_slice()) {
        ("quit", []) => return Ok(Flow::Exit(exit_code(shell))),
        ("exit", []) => return Ok(Flow::Exit(exit_code(shell))),
        ("exit", [code]) => return Ok(Flow::Exit(code.parse().map_err(|_| usage())?)),
        ("help", []) => write!(shell.out(), "{}", help_text(None))?,
        ("help", [topic]) => write!(shell.out(), "{}", help_text(Some(topic)))?,
        ("bail", [v]) => shell.switches.bail = on_off(v).ok_or_else(usage)?,
        ("changes", [v]) => shell.switches.changes = on_off(v).ok_or_else(usage)?,
        ("echo", [v]) => shell.switches.echo = on_off(v).ok_or_else(usage)?,
        ("headers", [v]) => shell.format.headers = on_off(v).ok_or_else(usage)?,
        ("timer", [v]) => shell.switches.timer = on_off(v).ok_or_else(usage)?,
        ("trace", [v]) => shell.switches.trace = on_off(v).ok_or_else(usage)?,
        ("nullvalue", [v]) => shell.format.null_value = v.to_string(),
        ("separator", [col]) => shell.format.col_sep = col.to_string(),
        ("separator", [col, row]) => {
            shell.format.col_sep = col.to_string();
            shell.format.row_sep = row.to_string();
        }
        ("mode", []) => {
            let name = shell.format.mode.name();
            writeln!(shell.out(), "current output mode: {name}")?;
        }
        ("mode", [m]) => {
            let mode = Mode::from_name(m).ok_or_else(|| {
                ShellError::Usage(format!(
                    "mode should be one of: {}",
                    Mode::ALL.map(Mode::name).join(" ")
                ))
            })?;
            shell.format.set_mode(mode);
        }
        ("output", []) => shell.redirect_output(None)?,
        ("output", [file]) => shell.redirect_output(Some(Path::new(file)))?,
        ("open", rest) => open(shell, rest).map_err(|e| match e {
            ShellError::Usage(_) => usage(),
            other => other,
        })?,
        ("read", [file]) => return read(shell, Path::new(file)),
        ("tables", []) => tables(shell, "%")?,
        ("tables", [pattern]) => tables(shell, pattern)?,
        ("schema", []) => schema(shell, "%")?,
        ("schema", [pattern]) => schema(shell, pattern)?,
        ("indexes", []) => indexes(shell, "%")?,
        ("indexes", [table]) => indexes(shell, table)?,
        ("dump", []) => dump(shell, None)?,
        ("dump", [table]) => dump(shell, Some(table))?,
        ("import", rest) => import(shell, rest).map_err(|e| match e {
            ShellError::Usage(_) => usage(),
            other => other,
        })?,
        ("dbinfo", []) => {
            let text = views::dbinfo(&shell.db()?.pager())?;
            print(shell, &text)?;
        }
        ("check", []) => check(shell)?,
        ("checkpoint", []) => checkpoint(shell)?,
        ("sync", []) => {
            let s = shell.db()?.pager().synchronous();
            writeln!(shell.out(), "sync: {}", sync_name(s))?;
        }
        ("sync", [v]) => {
            let s = match v.to_ascii_lowercase().as_str() {
                "extra" => Synchronous::Extra,
                "full" => Synchronous::Full,
                "normal" => Synchronous::Normal,
                "off" => Synchronous::Off,
                _ => return Err(usage()),
            };
            shell.db()?.pager().set_synchronous(s);
        }
        ("crash", []) => {
            let _ = shell.out().flush();
            let text = shell.crash()?;
            print(shell, &text)?;
        }
        ("pool", []) => {
            let text = views::pool(&shell.db()?.pager(), shell.view_style())?;
            print(shell, &text)?;
        }
        ("wal", []) => {
            let text = views::wal(&shell.db()?.pager(), shell.view_style())?;
            print(shell, &text)?;
        }
        ("stats", []) => {
            let text = views::stats(&shell.db()?.pager())?;
            print(shell, &text)?;
        }
        ("freelist", []) => {
            let text = views::freelist(&shell.db()?.pager())?;
            print(shell, &text)?;
        }
        ("pages", []) => {
            let text = views::pages(&shell.db()?.pager(), shell.view_style())?;
            print(shell, &text)?;
        }
        ("page", [n]) | ("page", [n, "--hex"]) => {
            let id: u32 = n.parse().map_err(|_| usage())?;
            let hex = args.len() == 2;
            let text = views::page(&shell.db()?.pager(), id, hex, shell.view_style())?;
            print(shell, &text)?;
        }
        ("btree", [name]) | ("btree", [name, "--dot"]) => {
            let dot = args.len() == 2;
            let text = views::btree(&shell.db()?.pager(), name, dot)?;
            print(shell, &text)?;
        }
        _ => return Err(usage()),
    }
    Ok(Flow::Continue)
}

/// The command `name` names: an exact name, or a prefix of exactly one.
pub fn resolve(name: &str) -> Option<&'static Command> {
    let name = name.to_ascii_lowercase();
    let aliases = [("indices", "indexes"), ("header", "headers")];
    let name = aliases
        .iter()
        .find(|(a, _)| *a == name)
        .map_or(name.as_str(), |(_, b)| b);
    if let Some(c) = COMMANDS.iter().find(|c| c.name == name) {
        return Some(c);
    }
    let mut matches = COMMANDS.iter().filter(|c| c.name.starts_with(name));
    match (matches.next(), matches.next()) {
        (Some(c), None) if !name.is_empty() => Some(c),
        _ => None,
    }
}

/// Writes a command's text to the shell's output.
fn print(shell: &mut Shell, text: &str) -> Result<()> {
    shell.out().write_all(text.as_bytes())?;
    Ok(())
}

fn unknown(name: &str) -> ShellError {
    ShellError::Usage(format!(
        "unknown command or invalid arguments:  \"{name}\". Enter \".help\" for help"
    ))
}

fn exit_code(shell: &Shell) -> i32 {
    i32::from(shell.failed())
}

fn on_off(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Some(true),
        "off" | "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn sync_name(s: Synchronous) -> &'static str {
    match s {
        Synchronous::Extra => {
            "extra (fsync the WAL at every commit, then record its durable mark and fsync again)"
        }
        Synchronous::Full => "full (fsync the WAL at every commit)",
        Synchronous::Normal => "normal (fsync at checkpoints only)",
        Synchronous::Off => "off (never fsync)",
    }
}

/// `.help` text: every command, or the ones whose name starts with `topic`.
pub fn help_text(topic: Option<&str>) -> String {
    let topic = topic.map(|t| t.trim_start_matches('.').to_ascii_lowercase());
    let shown: Vec<&Command> = COMMANDS
        .iter()
        .filter(|c| topic.as_deref().is_none_or(|t| c.name.starts_with(t)))
        .collect();
    if shown.is_empty() {
        return format!(
            "Nothing matches '{}'\n",
            topic.as_deref().unwrap_or_default()
        );
    }
    let left = |c: &Command| format!(".{} {}", c.name, c.args).trim_end().to_string();
    let width = shown.iter().map(|c| left(c).len()).max().unwrap_or(0);
    let mut s = String::new();
    for c in shown {
        s.push_str(&format!("{:<width$}  {}\n", left(c), c.help));
    }
    s
}

/// Splits a dot-command's arguments as sqlite3 does.
pub fn split_args(line: &str) -> Result<Vec<String>> {
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut arg = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == first {
                    closed = true;
                    break;
                }
                if c == '\\' && first == '"' {
                    match chars.next() {
                        Some('t') => arg.push('\t'),
                        Some('n') => arg.push('\n'),
                        Some('r') => arg.push('\r'),
                        Some('\\') => arg.push('\\'),
                        Some('"') => arg.push('"'),
                        Some('\'') => arg.push('\''),
                        Some(other) => {
                            arg.push('\\');
                            arg.push(other);
                        }
                        None => arg.push('\\'),
                    }
                } else {
                    arg.push(c);
                }
            }
            if !closed {
                return Err(ShellError::Usage(format!(
                    "unterminated {first}quoted{first} argument"
                )));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                arg.push(c);
                chars.next();
            }
        }
        args.push(arg);
    }
    Ok(args)
}

fn open(shell: &mut Shell, args: &[&str]) -> Result<()> {
    let (new, rest): (Vec<&str>, Vec<&str>) = args.iter().partition(|a| **a == "--new");
    let target = match rest.as_slice() {
        [] | [":memory:"] => Target::memory(),
        [file] => {
            let path = Path::new(file);
            if !new.is_empty() {
                for p in [path.to_path_buf(), walnut_pager::wal_path_for(path)] {
                    if p.exists() {
                        std::fs::remove_file(&p).map_err(|source| ShellError::File {
                            doing: "delete",
                            path: p.clone(),
                            source,
                        })?;
                    }
                }
            }
            Target::File(path.to_path_buf())
        }
        _ => return Err(ShellError::Usage(String::new())),
    };
    shell.reopen(target)
}

fn read(shell: &mut Shell, path: &Path) -> Result<Flow> {
    let file = std::fs::File::open(path).map_err(|source| ShellError::File {
        doing: "open",
        path: path.to_path_buf(),
        source,
    })?;
    if path.is_dir() {
        return Err(ShellError::File {
            doing: "read",
            path: path.to_path_buf(),
            source: std::io::Error::other("it is a directory"),
        });
    }
    Ok(shell.run_reader(&mut BufReader::new(file), true))
}

/// Names from `sqlite_master` matching a query, as a list of strings.
fn names(shell: &Shell, sql: &str, pattern: &str) -> Result<Vec<String>> {
    let rows = shell
        .db()?
        .query(sql, &[Value::Text(pattern.to_string())])?;
    Ok(rows
        .filter_map(|r| match r.into_iter().next() {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        })
        .collect())
}

/// Prints names in columns, as sqlite3's `.tables` does: column-major,
/// each padded to the longest, two spaces between, within 80 characters.
fn print_columns(shell: &mut Shell, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let per_row = (80 / (width + 2)).max(1);
    let rows = names.len().div_ceil(per_row);
    let mut text = String::new();
    for i in 0..rows {
        let mut j = i;
        while j < names.len() {
            let sp = if j < rows { "" } else { "  " };
            text.push_str(&format!("{sp}{:<width$}", names[j]));
            j += rows;
        }
        text.push('\n');
    }
    print(shell, &text)
}

/// `.tables`: the tables and views of main, and the session's TEMP views
/// as `temp.name`, sorted, as sqlite3 lists them.
fn tables(shell: &mut Shell, pattern: &str) -> Result<()> {
    let names = names(
        shell,
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite_%' AND name LIKE ?1 \
         UNION ALL SELECT 'temp.' || name FROM sqlite_temp_master \
         WHERE type IN ('table', 'view') AND name LIKE ?1 ORDER BY 1",
        pattern,
    )?;
    print_columns(shell, &names)
}

fn indexes(shell: &mut Shell, table: &str) -> Result<()> {
    let names = names(
        shell,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE ?1 ORDER BY 1",
        table,
    )?;
    print_columns(shell, &names)
}

/// `.schema`: the text of every object of main, then of the session's
/// TEMP objects, each as sqlite3 shows it: a TEMP object's name prefixed
/// with `temp.`, a view followed by a comment naming its columns.
fn schema(shell: &mut Shell, pattern: &str) -> Result<()> {
    let db = shell.db()?;
    let mut text = String::new();
    for (master, prefix) in [("sqlite_master", ""), ("sqlite_temp_master", "temp.")] {
        let rows: Vec<Vec<Value>> = db
            .query(
                &format!(
                    "SELECT sql, type, name FROM {master} WHERE sql IS NOT NULL \
                     AND (tbl_name LIKE ?1 OR name LIKE ?1)"
                ),
                &[Value::Text(pattern.to_string())],
            )?
            .collect();
        for row in rows {
            let [Value::Text(sql), Value::Text(kind), Value::Text(name)] = row.as_slice() else {
                continue;
            };
            text.push_str(&with_schema_name(sql, prefix));
            // sqlite3 notes a view's columns, which its SELECT may not name.
            if kind == "view"
                && let Ok(rows) = db.query(
                    &format!("SELECT * FROM \"{}\" LIMIT 0", name.replace('"', "\"\"")),
                    (),
                )
            {
                text.push_str(&format!(
                    "\n/* {prefix}{name}({}) */",
                    rows.columns().join(",")
                ));
            }
            text.push_str(";\n");
        }
    }
    print(shell, &text)
}

/// A CREATE statement with `prefix` (`temp.`) put before the object's
/// name, as sqlite3's `.schema` shows the objects of a schema other than
/// main: `CREATE VIEW v AS ...` becomes `CREATE VIEW temp.v AS ...`.
fn with_schema_name(sql: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        return sql.to_string();
    }
    for kind in [
        "TABLE",
        "INDEX",
        "UNIQUE INDEX",
        "TRIGGER",
        "VIEW",
        "VIRTUAL TABLE",
    ] {
        if let Some(rest) = sql
            .strip_prefix("CREATE ")
            .and_then(|r| r.strip_prefix(kind))
            .and_then(|r| r.strip_prefix(' '))
        {
            return format!("CREATE {kind} {prefix}{rest}");
        }
    }
    sql.to_string()
}

fn dump(shell: &mut Shell, table: Option<&str>) -> Result<()> {
    let mut buf = Vec::new();
    crate::dump::dump(shell.db()?, table, &mut buf)?;
    shell.out().write_all(&buf)?;
    Ok(())
}

fn import(shell: &mut Shell, args: &[&str]) -> Result<()> {
    let mut options = crate::import::ImportOptions {
        separator: shell.format.col_sep.clone(),
        ..Default::default()
    };
    if shell.format.mode == Mode::Csv {
        options.separator = ",".into();
    }
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--csv" | "-csv" => options.separator = ",".into(),
            "--skip" | "-skip" => {
                options.skip = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or(ShellError::Usage(String::new()))?;
            }
            other => positional.push(other),
        }
    }
    let [file, table] = positional.as_slice() else {
        return Err(ShellError::Usage(String::new()));
    };
    let path = Path::new(file);
    let mut bar: Option<Progress> = None;
    let report = crate::import::import(shell.db()?, path, table, &options, &mut |done, total| {
        bar.get_or_insert_with(|| Progress::new("importing", total))
            .update(done);
    })?;
    drop(bar);
    for w in &report.warnings {
        writeln!(shell.err(), "{w}")?;
    }
    Ok(())
}

fn check(shell: &mut Shell) -> Result<()> {
    let progress = std::io::stderr().is_terminal();
    let text = crate::check::check(&shell.db()?.pager(), progress)?;
    print(shell, &text)
}

fn checkpoint(shell: &mut Shell) -> Result<()> {
    let mut bar: Option<Progress> = None;
    let report = shell
        .db()?
        .pager()
        .checkpoint_with_progress(&mut |done, total| {
            bar.get_or_insert_with(|| Progress::new("checkpointing", total))
                .update(done);
        })?;
    drop(bar);
    let mut text = format!(
        "checkpoint: copied {} from {} into the main file",
        plural(report.pages_copied, "page", "pages"),
        plural(report.wal_frames, "WAL frame", "WAL frames"),
    );
    if report.wal_reset {
        text.push_str("; the WAL was reset");
    } else if report.frames_remaining > 0 {
        text.push_str(&format!(
            "; {} still needed by a reader or the writer stay in the WAL",
            plural(report.frames_remaining, "frame", "frames")
        ));
    }
    text.push('\n');
    print(shell, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_split_on_spaces_with_quotes_and_escapes() {
        assert_eq!(
            split_args(r#"separator "\t" '\n' x"#).unwrap(),
            vec!["separator", "\t", "\\n", "x"]
        );
        assert!(split_args("open \"x").is_err());
    }

    #[test]
    fn commands_resolve_by_unique_prefix() {
        assert_eq!(resolve("head").map(|c| c.name), Some("headers"));
        assert_eq!(resolve("indices").map(|c| c.name), Some("indexes"));
        assert_eq!(resolve("c").map(|c| c.name), None); // changes, check, ...
        assert_eq!(resolve("page").map(|c| c.name), Some("page"));
    }

    #[test]
    fn help_lists_every_command_once() {
        let help = help_text(None);
        for c in COMMANDS {
            assert_eq!(
                help.matches(&format!(".{} ", c.name)).count()
                    + help.matches(&format!(".{}\n", c.name)).count(),
                1,
                "{}",
                c.name
            );
        }
    }
}
