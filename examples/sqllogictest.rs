//! Runs sqllogictest files (SQLite's format) against an engine.
//!
//! ```sh
//! cargo run --release --example sqllogictest -- [--label NAME]... \
//!     [--engine walnut|sqlite] [--max-failures N] FILE_OR_DIR...
//! ```
//!
//! Each file runs against a fresh, empty database. A directory stands for
//! every `*.test` and `*.slt` file under it, recursively, in sorted order.
//! `--label NAME` makes `onlyif NAME` records run and `skipif NAME` records
//! skip, besides the engine's own name (`--label sqlite` runs walnut on the
//! records written for SQLite). `--max-failures N` prints at most N
//! failures per file (all by default). Prints one line per file and a total;
//! exits with 1 if anything failed, 2 on bad usage or unreadable files.
//!
//! See `walnut::sqllogictest` for the format and the harness's rules.

#[path = "support/sqlite_engine.rs"]
mod sqlite_engine;
#[path = "support/walnut_engine.rs"]
mod walnut_engine;

use sqlite_engine::SqliteEngine;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use walnut::sqllogictest::{Engine, FileReport, run_file};
use walnut_engine::WalnutEngine;

/// Which database the files run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EngineKind {
    /// SQLite itself (bundled through rusqlite).
    Sqlite,
    /// walnut's own SQL engine.
    Walnut,
}

/// The parsed command line.
struct Options {
    engine: EngineKind,
    labels: Vec<String>,
    max_failures: Option<usize>,
    paths: Vec<PathBuf>,
}

const USAGE: &str = "usage: sqllogictest [--label NAME]... [--engine walnut|sqlite] \
                     [--max-failures N] FILE_OR_DIR...";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        engine: EngineKind::Walnut,
        labels: Vec::new(),
        max_failures: None,
        paths: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--label" => {
                let name = args.next().ok_or("--label needs a name")?;
                opts.labels.push(name);
            }
            "--engine" => {
                let name = args.next().ok_or("--engine needs a name")?;
                opts.engine = match name.as_str() {
                    "sqlite" => EngineKind::Sqlite,
                    "walnut" => EngineKind::Walnut,
                    other => return Err(format!("unknown engine '{other}'")),
                };
            }
            "--max-failures" => {
                let n = args.next().ok_or("--max-failures needs a number")?;
                let n = n
                    .parse()
                    .map_err(|_| format!("--max-failures needs a number, not '{n}'"))?;
                opts.max_failures = Some(n);
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with("--") => return Err(format!("unknown option '{s}'")),
            _ => opts.paths.push(PathBuf::from(arg)),
        }
    }
    if opts.paths.is_empty() {
        return Err("no files given".to_string());
    }
    Ok(opts)
}

/// A fresh engine of the chosen kind.
fn new_engine(kind: EngineKind) -> Result<Box<dyn Engine>, String> {
    match kind {
        EngineKind::Sqlite => Ok(Box::new(SqliteEngine::new()?)),
        EngineKind::Walnut => Ok(Box::new(WalnutEngine::new()?)),
    }
}

/// The files `path` stands for: itself, or the `*.test` / `*.slt` files
/// under it (recursively, sorted).
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut found = Vec::new();
    walk(path, &mut found)?;
    found.sort();
    out.extend(found);
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "test" || e == "slt") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("sqllogictest: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut files = Vec::new();
    for p in &opts.paths {
        if let Err(e) = collect_files(p, &mut files) {
            eprintln!("sqllogictest: {}: {e}", p.display());
            return ExitCode::from(2);
        }
    }

    let mut total = FileReport::new("total");
    let mut io_errors = 0;
    for file in &files {
        let mut engine = match new_engine(opts.engine) {
            Ok(e) => e,
            Err(msg) => {
                eprintln!("sqllogictest: {msg}");
                return ExitCode::from(2);
            }
        };
        match run_file(engine.as_mut(), file, &opts.labels) {
            Ok(report) => {
                let shown = opts.max_failures.unwrap_or(usize::MAX);
                for failure in report.failures.iter().take(shown) {
                    print!("{failure}");
                }
                if report.failures.len() > shown {
                    println!(
                        "... {} more failures in {}",
                        report.failures.len() - shown,
                        report.name
                    );
                }
                match report.halted_at {
                    Some(line) => println!("{report} (halted at line {line})"),
                    None => println!("{report}"),
                }
                total.absorb(report);
            }
            Err(e) => {
                eprintln!("sqllogictest: {}: {e}", file.display());
                io_errors += 1;
            }
        }
    }
    println!("{total}");
    if io_errors > 0 {
        ExitCode::from(2)
    } else if total.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
