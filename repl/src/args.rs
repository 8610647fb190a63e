//! The command line: `walnut [OPTIONS] [FILE] [COMMAND...]`.
//!
//! As with sqlite3, options may be written with one dash or two
//! (`-bail`, `--bail`), the first argument that is not an option is the
//! database file, and every argument after it is a command (SQL or a
//! dot-command) to run in order before exiting. With no file the shell
//! opens a transient in-memory database, as sqlite3 does; `.open FILE`
//! switches to a file.

use crate::mode::Mode;
use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invocation {
    /// The database file, or `None` for an in-memory database.
    pub file: Option<PathBuf>,
    /// Commands to run instead of reading stdin.
    pub commands: Vec<String>,
    /// Commands to run before anything else (`-cmd`).
    pub init_commands: Vec<String>,
    /// Stop at the first error.
    pub bail: bool,
    /// Output mode, if given.
    pub mode: Option<Mode>,
    /// `-header` / `-noheader`.
    pub headers: Option<bool>,
    /// `-nullvalue TEXT`.
    pub null_value: Option<String>,
    /// `-separator SEP`.
    pub separator: Option<String>,
    /// Echo each command before running it.
    pub echo: bool,
    /// Treat stdin as interactive even if it is not a terminal
    /// (`-interactive`), or as a script even if it is (`-batch`).
    pub interactive: Option<bool>,
    /// Print usage and exit.
    pub help: bool,
    /// Print the version and exit.
    pub version: bool,
}

/// The `--help` text.
pub const USAGE: &str = "\
Usage: walnut [OPTIONS] [FILE] [COMMAND...]

FILE is a walnut database file, created if missing. Without FILE walnut
opens a transient in-memory database (use .open FILE to switch).
Each COMMAND (SQL, or a dot-command such as .dump) runs in order and then
walnut exits; without COMMANDs it reads statements from stdin, with line
editing when stdin is a terminal.

OPTIONS (one dash or two):
   -bail                stop after hitting an error
   -batch               force batch I/O (no prompt, no line editing)
   -box                 set output mode to 'box'
   -cmd COMMAND         run COMMAND before reading stdin
   -csv                 set output mode to 'csv'
   -echo                print inputs before execution
   -header              turn headers on
   -help                show this message
   -interactive         force interactive I/O
   -json                set output mode to 'json'
   -line                set output mode to 'line'
   -list                set output mode to 'list'
   -noheader            turn headers off
   -nullvalue TEXT      set text string for NULL values (default '')
   -separator SEP       set output column separator (default '|')
   -table               set output mode to 'table'
   -version             show walnut's version
";

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let mut inv = Invocation::default();
    let mut i = 0;
    let mut positional = Vec::new();
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if !positional.is_empty() || !arg.starts_with('-') || arg == "-" {
            positional.push(arg.clone());
            continue;
        }
        let name = arg.trim_start_matches('-');
        let mut value = |what: &str| -> Result<String, String> {
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| format!("Error: missing argument to {arg} ({what})"))?;
            i += 1;
            Ok(v)
        };
        match name {
            "bail" => inv.bail = true,
            "batch" => inv.interactive = Some(false),
            "interactive" => inv.interactive = Some(true),
            "echo" => inv.echo = true,
            "header" | "headers" => inv.headers = Some(true),
            "noheader" | "noheaders" => inv.headers = Some(false),
            "help" | "h" => inv.help = true,
            "version" => inv.version = true,
            "cmd" => inv.init_commands.push(value("a command")?),
            "nullvalue" => inv.null_value = Some(value("text")?),
            "separator" => inv.separator = Some(value("a separator")?),
            other => match Mode::from_name(other) {
                Some(m) => inv.mode = Some(m),
                None => {
                    return Err(format!(
                        "Error: unknown option: {arg}\nUse -help for a list of options."
                    ));
                }
            },
        }
    }
    let mut positional = positional.into_iter();
    inv.file = positional.next().map(PathBuf::from);
    inv.commands = positional.collect();
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn file_then_commands_and_options_with_one_or_two_dashes() {
        let inv = parse(&args(&["-bail", "--csv", "x.db", "SELECT 1;", ".tables"])).unwrap();
        assert!(inv.bail);
        assert_eq!(inv.mode, Some(Mode::Csv));
        assert_eq!(inv.file, Some(PathBuf::from("x.db")));
        assert_eq!(inv.commands, vec!["SELECT 1;", ".tables"]);
    }

    #[test]
    fn options_after_the_file_are_commands() {
        let inv = parse(&args(&["x.db", "-bail"])).unwrap();
        assert!(!inv.bail);
        assert_eq!(inv.commands, vec!["-bail"]);
    }

    #[test]
    fn unknown_options_and_missing_values_are_errors() {
        assert!(
            parse(&args(&["-frobnicate"]))
                .unwrap_err()
                .contains("-frobnicate")
        );
        assert!(
            parse(&args(&["-cmd"]))
                .unwrap_err()
                .contains("missing argument")
        );
    }
}
