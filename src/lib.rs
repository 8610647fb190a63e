//! # walnut
//!
//! A small SQLite-like database whose storage internals can be watched,
//! taught and crashed on purpose.
//!
//! This root crate re-exports walnut's public API. Today that is the pager
//! (the storage foundation: page file, buffer pool, write-ahead log,
//! freelist, checkpoint and crash recovery); the B+Tree, the SQL layer and
//! the shell arrive in their own crates (`walnut-btree`, `walnut-sql`,
//! `walnut-repl`) as they are built.
#![forbid(unsafe_code)]

pub use walnut_pager as pager;
