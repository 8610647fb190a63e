//! # walnut-sql
//!
//! The SQL layer of walnut: parsing with sqlparser, binding, planning and a
//! pull-based executor behind the `Database` API.
//!
//! Nothing is implemented here yet: this crate is a placeholder in the
//! workspace so that the layering (`repl -> sql -> btree -> pager`) is
//! visible from the start. Its work is tracked by the SQL core issue.
#![forbid(unsafe_code)]
