//! # walnut-repl
//!
//! The interactive shell of walnut: sqlite3's conventions plus views of the
//! buffer pool, the WAL and the pages at work.
//!
//! Nothing is implemented here yet: this crate is a placeholder in the
//! workspace so that the layering (`repl -> sql -> btree -> pager`) is
//! visible from the start. Its work is tracked by the shell issue.
#![forbid(unsafe_code)]
