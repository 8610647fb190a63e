//! The header page (page 1): what a database file says about itself.
//!
//! Page 1 carries the usual 24-byte page header (type [`PageType::Header`])
//! followed by these fields, all big-endian:
//!
//! ```text
//! offset size field
//!  0     24   page header (crc32, type = 1, page id = 1, LSN)
//! 24      8   magic "WALNUTDB"
//! 32      4   format version (2; see "Format versions" below)
//! 36      4   page size in bytes (1024..65536, a power of two)
//! 40      4   page count: pages in the database, header page included
//! 44      4   freelist head: first freelist trunk page (0 = empty)
//! 48      4   freelist count: free pages, trunks included
//! 52      4   catalog root: root page of the catalog tree (0 = none yet)
//! 56      8   change counter: commits so far; a page's LSN is the value
//!             of this counter in the commit that wrote it
//! 64      4   schema cookie: bumped by the layers above when the schema
//!             changes, so cached plans can notice
//! 68    ...   zero
//! ```
//!
//! The magic is at a fixed offset so that a file that is not a walnut
//! database is recognised before anything else is trusted, and the page
//! size is at a fixed offset because it is needed to read anything else.
//!
//! ## Format versions
//!
//! The version covers the whole file, including what the layers above
//! store in their trees: a build opens only files of its own version and
//! refuses any other with [`PagerError::UnsupportedVersion`], naming both,
//! before it reads a page, rather than misread them.
//!
//! * **1**: the first format.
//! * **2**: index keys write a number in 1 to 9 bytes (10 to 17 for a
//!   non-integral REAL) instead of always 17 (the SQL layer's key
//!   encoding, `walnut_sql::keycode`). A version-1 index searched with
//!   version-2 keys would silently find nothing, hence the new version.
//!
//! Page 1 is written through the WAL like every other page, so a change to
//! the page count or the freelist commits atomically with the pages it
//! describes. The copy in the main file is therefore only as new as the
//! last checkpoint; the current header is the newest committed version of
//! page 1, wherever it lives.

use crate::error::{PagerError, Result};
use crate::page::{self, PageId, PageType};
use std::path::Path;

/// The magic bytes at offset 24 of every walnut database.
pub const MAGIC: &[u8; 8] = b"WALNUTDB";
/// The on-disk format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 2;

const MAGIC_OFFSET: usize = 24;
const VERSION_OFFSET: usize = 32;
const PAGE_SIZE_OFFSET: usize = 36;
const PAGE_COUNT_OFFSET: usize = 40;
const FREELIST_HEAD_OFFSET: usize = 44;
const FREELIST_COUNT_OFFSET: usize = 48;
const CATALOG_ROOT_OFFSET: usize = 52;
const CHANGE_COUNTER_OFFSET: usize = 56;
const SCHEMA_COOKIE_OFFSET: usize = 64;
/// Bytes of page 1 used by the header fields.
pub const HEADER_FIELDS_END: usize = 68;

/// The fields of the header page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbHeader {
    /// Format version.
    pub version: u32,
    /// Page size in bytes.
    pub page_size: u32,
    /// Pages in the database, header page included.
    pub page_count: u32,
    /// First freelist trunk page, 0 if the freelist is empty.
    pub freelist_head: PageId,
    /// Free pages (trunks included).
    pub freelist_count: u32,
    /// Root page of the catalog tree, 0 if none.
    pub catalog_root: PageId,
    /// Number of commits so far.
    pub change_counter: u64,
    /// Schema version counter of the layers above.
    pub schema_cookie: u32,
}

impl DbHeader {
    /// The header of a brand-new, empty database.
    pub fn new(page_size: u32) -> DbHeader {
        DbHeader {
            version: FORMAT_VERSION,
            page_size,
            page_count: 1,
            freelist_head: 0,
            freelist_count: 0,
            catalog_root: 0,
            change_counter: 0,
            schema_cookie: 0,
        }
    }

    /// Decodes the fields from a page-1 image (no validation).
    pub fn decode(page: &[u8]) -> DbHeader {
        DbHeader {
            version: page::read_u32(page, VERSION_OFFSET),
            page_size: page::read_u32(page, PAGE_SIZE_OFFSET),
            page_count: page::read_u32(page, PAGE_COUNT_OFFSET),
            freelist_head: page::read_u32(page, FREELIST_HEAD_OFFSET),
            freelist_count: page::read_u32(page, FREELIST_COUNT_OFFSET),
            catalog_root: page::read_u32(page, CATALOG_ROOT_OFFSET),
            change_counter: page::read_u64(page, CHANGE_COUNTER_OFFSET),
            schema_cookie: page::read_u32(page, SCHEMA_COOKIE_OFFSET),
        }
    }

    /// Writes the fields (and the magic and page type) into a page-1 image.
    pub(crate) fn encode(&self, page: &mut [u8]) {
        page::set_page_type(page, PageType::Header);
        page[MAGIC_OFFSET..MAGIC_OFFSET + 8].copy_from_slice(MAGIC);
        page::write_u32(page, VERSION_OFFSET, self.version);
        page::write_u32(page, PAGE_SIZE_OFFSET, self.page_size);
        page::write_u32(page, PAGE_COUNT_OFFSET, self.page_count);
        page::write_u32(page, FREELIST_HEAD_OFFSET, self.freelist_head);
        page::write_u32(page, FREELIST_COUNT_OFFSET, self.freelist_count);
        page::write_u32(page, CATALOG_ROOT_OFFSET, self.catalog_root);
        page::write_u64(page, CHANGE_COUNTER_OFFSET, self.change_counter);
        page::write_u32(page, SCHEMA_COOKIE_OFFSET, self.schema_cookie);
    }
}

/// Reads what is needed to open a file before its page size is known: the
/// magic, the version and the page size, from the first bytes of the file.
///
/// `prefix` is whatever the file's first [`HEADER_FIELDS_END`] bytes are
/// (shorter if the file is shorter).
pub(crate) fn sniff(prefix: &[u8], path: &Path) -> Result<u32> {
    if prefix.len() < HEADER_FIELDS_END {
        let found = prefix
            .get(MAGIC_OFFSET..prefix.len().min(MAGIC_OFFSET + 8))
            .unwrap_or(&[])
            .to_vec();
        if found.as_slice() != &MAGIC[..found.len()] || found.is_empty() {
            return Err(PagerError::NotADatabase {
                path: path.to_path_buf(),
                found,
            });
        }
        return Err(PagerError::Truncated {
            path: path.to_path_buf(),
            len: prefix.len() as u64,
            pages: 1,
            page_size: 0,
            needed: HEADER_FIELDS_END as u64,
        });
    }
    let magic = &prefix[MAGIC_OFFSET..MAGIC_OFFSET + 8];
    if magic != MAGIC {
        return Err(PagerError::NotADatabase {
            path: path.to_path_buf(),
            found: magic.to_vec(),
        });
    }
    let version = page::read_u32(prefix, VERSION_OFFSET);
    if version != FORMAT_VERSION {
        return Err(PagerError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let size = page::read_u32(prefix, PAGE_SIZE_OFFSET);
    page::validate_page_size(size as u64).map_err(|_| PagerError::CorruptPageSize {
        path: path.to_path_buf(),
        size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_round_trip() {
        let mut page = vec![0u8; 1024];
        let h = DbHeader {
            page_count: 9,
            freelist_head: 4,
            freelist_count: 2,
            catalog_root: 2,
            change_counter: 77,
            schema_cookie: 5,
            ..DbHeader::new(1024)
        };
        h.encode(&mut page);
        assert_eq!(DbHeader::decode(&page), h);
        assert_eq!(
            sniff(&page[..HEADER_FIELDS_END], Path::new("x")).ok(),
            Some(1024)
        );
    }

    #[test]
    fn sniff_names_the_problem() {
        let path = Path::new("x.db");
        let garbage = vec![0xAB; 200];
        assert!(matches!(
            sniff(&garbage, path),
            Err(PagerError::NotADatabase { .. })
        ));
        let mut page = vec![0u8; 1024];
        DbHeader::new(1024).encode(&mut page);
        page::write_u32(&mut page, VERSION_OFFSET, 99);
        assert!(matches!(
            sniff(&page, path),
            Err(PagerError::UnsupportedVersion { found: 99, .. })
        ));
        let mut page = vec![0u8; 1024];
        DbHeader::new(1024).encode(&mut page);
        assert!(matches!(
            sniff(&page[..40], path),
            Err(PagerError::Truncated { .. })
        ));
        page::write_u32(&mut page, PAGE_SIZE_OFFSET, 1000);
        assert!(matches!(
            sniff(&page, path),
            Err(PagerError::CorruptPageSize { size: 1000, .. })
        ));
    }
}
