//! `.dbinfo`: what the database file says about itself.
//!
//! sqlite3's `.dbinfo` prints the fields of SQLite's 100-byte file header;
//! this is the same idea for walnut's header page (page 1), whose fields
//! follow the usual 24-byte page header (see `walnut_pager::header`):
//!
//! ```text
//! offset size field
//! 24      8   magic "WALNUTDB"
//! 32      4   format version
//! 36      4   page size
//! 40      4   page count (header page included)
//! 44      4   freelist head: first freelist trunk page (0 = none)
//! 48      4   freelist count: free pages, trunks included
//! 52      4   catalog root: root page of the tree of trees
//! 56      8   change counter: commits so far (a page's LSN is the
//!             counter of the commit that wrote it)
//! 64      4   schema cookie: bumped by every schema change
//! ```
//!
//! The values are the newest committed header, wherever it lives: page 1
//! is written through the WAL like every other page, so until a
//! checkpoint the copy in the main file is older. Below the fields: how
//! many tables and indexes the catalog lists (automatic indexes for
//! PRIMARY KEY and UNIQUE included), the WAL's frames, and the sizes of
//! the two files.

use crate::error::Result;
use walnut_btree::{Catalog, EntryKind};
use walnut_pager::Pager;

/// The column the values start at, as in sqlite3's `.dbinfo`.
const VALUE_COLUMN: usize = 21;

/// Every header-page field, catalog counts, WAL size and file sizes, one
/// `name: value` line each.
pub fn dbinfo(pager: &Pager) -> Result<String> {
    let rx = pager.begin_read()?;
    let h = rx.header();
    let entries = Catalog::list(&rx)?;
    drop(rx);
    let tables = entries
        .iter()
        .filter(|(_, e)| e.kind == EntryKind::Table)
        .count();
    let indexes = entries.len() - tables;
    let wal = pager.wal_status();
    let main_len = pager.file_len()?;
    let wal_len = pager.wal_file_len()?;
    let lines: Vec<(&str, String)> = vec![
        ("database page size", h.page_size.to_string()),
        ("format version", h.version.to_string()),
        ("database page count", h.page_count.to_string()),
        ("freelist head", h.freelist_head.to_string()),
        ("freelist page count", h.freelist_count.to_string()),
        ("catalog root page", h.catalog_root.to_string()),
        ("change counter", h.change_counter.to_string()),
        ("schema cookie", h.schema_cookie.to_string()),
        ("number of tables", tables.to_string()),
        ("number of indexes", indexes.to_string()),
        (
            "WAL frames",
            format!(
                "{} ({} committed, {} backfilled)",
                wal.written_frames, wal.committed_frames, wal.backfilled_frames
            ),
        ),
        (
            "database size",
            format!("{} bytes", u64::from(h.page_count) * u64::from(h.page_size)),
        ),
        ("main file size", format!("{main_len} bytes")),
        ("WAL file size", format!("{wal_len} bytes")),
    ];
    let mut out = String::new();
    for (name, value) in lines {
        out.push_str(&format!("{:<VALUE_COLUMN$}{value}\n", format!("{name}:")));
    }
    Ok(out)
}
