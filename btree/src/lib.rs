//! # walnut-btree
//!
//! B+Trees over the pager's pages: many trees in one database file, each
//! named by its root page, mapping byte-string keys (compared with memcmp)
//! to byte-string values of any size.
//!
//! ```text
//!                 root (interior)        separators + child pointers
//!               /        |        \
//!        interior    interior    interior
//!        /  |  \      ...
//!   leaf <-> leaf <-> leaf <-> ... <-> leaf   keys + values, linked both ways
//!                       |
//!                   overflow -> overflow      the tail of a large value
//! ```
//!
//! Where to read on: [`node`] (the slotted page), [`cell`] (cells and the
//! size rules), `overflow` (chains), `tree` (insert, split, delete, merge),
//! `append` (inserting keys in increasing order without a walk per key),
//! `cursor` (seeks, steps, ranges).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod append;
pub mod catalog;
pub mod cell;
pub mod check;
mod cursor;
pub mod dump;
mod error;
pub mod inspect;
pub mod node;
mod overflow;
mod source;
pub mod stats;
mod tree;

pub use append::{Appender, RightmostLeaf};
pub use catalog::{Catalog, CatalogEntry, EntryKind};
pub use check::{Problem, check_database, check_tree};
pub use cursor::{Cursor, Direction, Range};
pub use dump::{dump_dot, dump_text};
pub use error::{BTreeError, Result, printable_key};
pub use source::PageSource;
pub use stats::{TreeStats, tree_stats};
pub use tree::{BTree, InsertMode};
