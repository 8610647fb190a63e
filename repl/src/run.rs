//! The `walnut` program: arguments in, exit status out.
//!
//! ```text
//! walnut [OPTIONS] [FILE] [COMMAND...]
//! ```
//!
//! 1. Options set the output mode and switches (`-bail`, `-csv`, ...).
//! 2. FILE is opened (created if missing); without it, a transient
//!    in-memory database, as in sqlite3.
//! 3. `-cmd` commands run first; then either each COMMAND argument runs in
//!    order and the program exits (stopping at the first that fails, as
//!    sqlite3 does), or stdin is read: with line editing when it is a
//!    terminal, as a script otherwise.
//! 4. The database is closed cleanly (a checkpoint; the WAL is removed).
//!
//! The exit status is 0 when everything succeeded, 1 when anything failed.

use crate::args::{self, Invocation};
use crate::shell::{Flow, Shell, Target};
use crate::style::Style;
use std::io::{BufWriter, IsTerminal};

/// walnut's version, as `--version` prints it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs the program with `args` (without the program name); returns the
/// exit status.
pub fn main_with_args(args: &[String]) -> i32 {
    let inv = match args::parse(args) {
        Ok(inv) => inv,
        Err(message) => {
            eprintln!("{message}");
            return 1;
        }
    };
    if inv.help {
        print!("{}", args::USAGE);
        return 0;
    }
    if inv.version {
        println!("walnut {VERSION}");
        return 0;
    }
    let target = match &inv.file {
        Some(path) if path.as_os_str() != ":memory:" => Target::File(path.clone()),
        _ => Target::memory(),
    };
    let out = Box::new(BufWriter::new(std::io::stdout()));
    let mut shell = match Shell::open(target.clone(), out, Box::new(std::io::stderr())) {
        Ok(shell) => shell,
        Err(e) => {
            eprintln!(
                "Error: unable to open database \"{}\": {e}",
                target.display_name()
            );
            return 1;
        }
    };
    configure(&mut shell, &inv);
    let mut status = run_inputs(&mut shell, &inv);
    if let Err(e) = shell.close() {
        let _ = writeln!(shell.err(), "Error: closing the database: {e}");
        status = 1;
    }
    status
}

fn configure(shell: &mut Shell, inv: &Invocation) {
    if let Some(mode) = inv.mode {
        shell.format.set_mode(mode);
        // sqlite3's `-csv` keeps "\n" between rows; `.mode csv` uses CRLF.
        shell.format.row_sep = "\n".into();
    }
    if let Some(h) = inv.headers {
        shell.format.headers = h;
    }
    if let Some(n) = &inv.null_value {
        shell.format.null_value = n.clone();
    }
    if let Some(s) = &inv.separator {
        shell.format.col_sep = s.clone();
    }
    shell.switches.bail = inv.bail;
    shell.switches.echo = inv.echo;
    shell.style = Style::for_stdout();
}

fn run_inputs(shell: &mut Shell, inv: &Invocation) -> i32 {
    for cmd in &inv.init_commands {
        if let Flow::Exit(code) = shell.run_argument(cmd) {
            return code;
        }
    }
    if !inv.commands.is_empty() {
        for cmd in &inv.commands {
            if let Flow::Exit(code) = shell.run_argument(cmd) {
                return code;
            }
            if shell.failed() {
                return 1;
            }
        }
        return 0;
    }
    let interactive = inv
        .interactive
        .unwrap_or_else(|| std::io::stdin().is_terminal());
    if interactive {
        banner(shell, inv);
        return crate::interactive::run(shell);
    }
    match shell.run_reader(&mut std::io::stdin().lock(), true) {
        Flow::Exit(code) => code,
        Flow::Continue => i32::from(shell.failed()),
    }
}

fn banner(shell: &mut Shell, inv: &Invocation) {
    let mut text = format!(
        "walnut {VERSION}: a database whose internals you can watch.\n\
         Enter \".help\" for usage hints; .pool, .wal, .pages and .trace show the engine at work.\n"
    );
    if inv.file.is_none() {
        text.push_str(
            "Connected to a transient in-memory database.\n\
             Use \".open FILENAME\" to reopen on a persistent database.\n",
        );
    }
    let _ = shell.out().write_all(text.as_bytes());
    let _ = shell.out().flush();
}
