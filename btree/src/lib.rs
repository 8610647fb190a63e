//! # walnut-btree
//!
//! The B+Tree layer of walnut: slotted pages, overflow chains, cursors and
//! the catalog, built on `walnut-pager`'s transactions.
//!
//! Nothing is implemented here yet: this crate is a placeholder in the
//! workspace so that the layering (`repl -> sql -> btree -> pager`) is
//! visible from the start. Its work is tracked by the B+Tree issue.
#![forbid(unsafe_code)]
