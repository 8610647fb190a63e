//! # walnut-repl
//!
//! The `walnut` shell: sqlite3's conventions for the people who know
//! sqlite3, and views of the engine at work for the people learning how a
//! database stores things.
//!
//! ```text
//!   run.rs           arguments -> Shell -> exit status
//!     |
//!   interactive.rs   rustyline: prompt, history, completion   (a terminal)
//!     |
//!   shell.rs         the core: lines -> pieces -> statements -> output
//!    |    |    \
//!   input.rs  mode.rs + render.rs    dot.rs: dot-commands
//!   (when a   (list, csv, line,       |   dump.rs, import.rs + csv.rs
//!    piece is  json, box, table;      |   views/: pool, wal, page, pages,
//!    complete) sqlite3's value text)  |           btree, freelist, dbinfo, stats
//!                                     |   trace.rs, progress.rs, style.rs
//! ```
//!
//! The core never touches the terminal: it writes to any `Write`, so the
//! tests drive it with scripts and snapshot what a person would see
//! ([`capture::Capture`]). The binary (`src/main.rs` of the `walnut`
//! package) only calls [`run::main_with_args`].
//!
//! ## sqlite3's conventions
//!
//! * `walnut [OPTIONS] [FILE] [COMMAND...]`; no FILE: in-memory;
//! * list mode by default, byte for byte sqlite3's: `|` between columns,
//!   no header, NULL as empty, REAL with 15 significant digits;
//! * statements end at `;`; lines starting with `.` are dot-commands;
//! * errors on stderr as `Error: near line N: message`, exit status 1 if
//!   anything failed, `-bail` to stop at the first.
//!
//! ## walnut's own
//!
//! `.pool`, `.wal`, `.page N`, `.pages`, `.btree NAME`, `.freelist`,
//! `.stats`, `.trace on`, `.check`, `.checkpoint`, `.sync`, and `.crash`,
//! which stops the database as `kill -9` would and shows what recovery did.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod capture;
pub mod check;
pub mod csv;
pub mod dot;
pub mod dump;
pub mod error;
pub mod import;
pub mod input;
pub mod interactive;
pub mod mode;
pub mod progress;
pub mod render;
pub mod run;
pub mod shell;
pub mod style;
pub mod trace;
pub mod views;

pub use error::{Result, ShellError};
pub use run::main_with_args;
pub use shell::{Flow, Shell, Target};
