//! The page format: the header every page carries, and its checksum.
//!
//! A database file is an array of fixed-size pages. Pages are numbered from
//! 1 (page 0 means "no page", so a zeroed pointer is never a valid link);
//! page `n` lives at byte offset `(n - 1) * page_size` of the main file.
//! The page size is chosen when the database is created (a power of two
//! from 1024 to 65536, default 4096) and never changes.
//!
//! ## The page header (every page, 24 bytes, big-endian)
//!
//! ```text
//!  0       4      5          8         12         16                      24
//!  +-------+------+----------+---------+----------+-----------------------+
//!  | crc32 | type | reserved | page id | reserved |          LSN          |
//!  +-------+------+----------+---------+----------+-----------------------+
//!  |<----------------------- covered by the crc32 (bytes 4..page_size) --->
//! ```
//!
//! * **crc32** (crc32fast, IEEE) of bytes `4..page_size`: everything but
//!   itself. It is set when a page leaves memory (for the WAL or the main
//!   file) and checked whenever a page comes back from disk, so a flipped
//!   bit anywhere in the page is an error naming the page, never a wrong
//!   answer.
//! * **type**: what the page holds ([`PageType`]). The pager owns the
//!   registry of type codes so that tools (the shell's page map, the
//!   integrity check) can name every page.
//! * **page id**: the page's own number. A page image found at the wrong
//!   place (a misdirected write, a WAL frame for another page) fails this
//!   check even when its checksum is fine.
//! * **LSN**: the commit number (the header page's change counter) of the
//!   transaction that last wrote the page. It tells a student *when* a page
//!   last changed.
//!
//! The rest of the page, bytes `24..page_size`, is the *body*, owned by the
//! layer above (the B+Tree) or by the pager itself for the header page and
//! freelist trunk pages.

use crate::error::{PageSource, PagerError, Result};
use std::path::Path;

/// Size of the header at the start of every page.
pub const PAGE_HEADER_SIZE: usize = 24;
/// The smallest page size walnut accepts.
pub const MIN_PAGE_SIZE: u32 = 1024;
/// The largest page size walnut accepts.
pub const MAX_PAGE_SIZE: u32 = 65536;
/// The page size of a new database unless another is chosen.
pub const DEFAULT_PAGE_SIZE: u32 = 4096;

const CRC_OFFSET: usize = 0;
const TYPE_OFFSET: usize = 4;
const ID_OFFSET: usize = 8;
const LSN_OFFSET: usize = 16;

/// A page number. Page 1 is the header page; 0 means "no page".
pub type PageId = u32;

/// What a page holds, as stored in byte 4 of its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum PageType {
    /// Never written (all zero), e.g. a freed page's old image is kept
    /// instead; only seen in freshly allocated pages before use.
    Unused = 0,
    /// Page 1: the database header.
    Header = 1,
    /// A freelist trunk page: a list of free page numbers.
    FreelistTrunk = 2,
    /// A B+Tree interior page: separator keys and child pointers.
    BTreeInterior = 3,
    /// A B+Tree leaf page: keys and values, linked to its siblings.
    BTreeLeaf = 4,
    /// A page of an overflow chain holding the rest of a large value.
    Overflow = 5,
}

impl PageType {
    /// Decodes a stored type byte.
    pub fn from_byte(b: u8) -> Option<PageType> {
        Some(match b {
            0 => PageType::Unused,
            1 => PageType::Header,
            2 => PageType::FreelistTrunk,
            3 => PageType::BTreeInterior,
            4 => PageType::BTreeLeaf,
            5 => PageType::Overflow,
            _ => return None,
        })
    }

    /// A short lower-case name, for dumps and page maps.
    pub fn name(self) -> &'static str {
        match self {
            PageType::Unused => "unused",
            PageType::Header => "header",
            PageType::FreelistTrunk => "freelist-trunk",
            PageType::BTreeInterior => "interior",
            PageType::BTreeLeaf => "leaf",
            PageType::Overflow => "overflow",
        }
    }
}

/// Checks that `size` is a valid page size.
pub fn validate_page_size(size: u64) -> Result<u32> {
    if (MIN_PAGE_SIZE as u64..=MAX_PAGE_SIZE as u64).contains(&size) && size.is_power_of_two() {
        Ok(size as u32)
    } else {
        Err(PagerError::InvalidPageSize(size))
    }
}

/// Computes the checksum of a page image (over bytes 4..).
pub fn compute_checksum(page: &[u8]) -> u32 {
    crc32fast::hash(&page[TYPE_OFFSET..])
}

/// The checksum stored in a page image.
pub fn stored_checksum(page: &[u8]) -> u32 {
    read_u32(page, CRC_OFFSET)
}

/// Stamps the page's id, LSN and checksum, as it leaves memory.
pub(crate) fn seal(page: &mut [u8], id: PageId, lsn: u64) {
    write_u32(page, ID_OFFSET, id);
    write_u64(page, LSN_OFFSET, lsn);
    let crc = compute_checksum(page);
    write_u32(page, CRC_OFFSET, crc);
}

/// Verifies a page image that came from disk: checksum, page id, type.
pub(crate) fn verify(page: &[u8], id: PageId, path: &Path, source_of: PageSource) -> Result<()> {
    let stored = stored_checksum(page);
    let computed = compute_checksum(page);
    if stored != computed {
        return Err(PagerError::ChecksumMismatch {
            path: path.to_path_buf(),
            page: id,
            source_of,
            stored,
            computed,
        });
    }
    let found = read_u32(page, ID_OFFSET);
    if found != id {
        return Err(PagerError::CorruptPage {
            path: path.to_path_buf(),
            page: id,
            source_of,
            reason: format!("page header names page {found}"),
        });
    }
    if PageType::from_byte(page[TYPE_OFFSET]).is_none() {
        return Err(PagerError::CorruptPage {
            path: path.to_path_buf(),
            page: id,
            source_of,
            reason: format!("unknown page type {}", page[TYPE_OFFSET]),
        });
    }
    Ok(())
}

/// The decoded header of a page image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageHeader {
    /// Stored checksum.
    pub checksum: u32,
    /// The page type, or `None` for an unknown type byte.
    pub page_type: Option<PageType>,
    /// The raw type byte.
    pub type_byte: u8,
    /// The page id stored in the header.
    pub page_id: PageId,
    /// The commit number that last wrote the page.
    pub lsn: u64,
}

impl PageHeader {
    /// Decodes the header of a page image (which must be at least
    /// [`PAGE_HEADER_SIZE`] bytes long).
    pub fn decode(page: &[u8]) -> PageHeader {
        PageHeader {
            checksum: read_u32(page, CRC_OFFSET),
            page_type: PageType::from_byte(page[TYPE_OFFSET]),
            type_byte: page[TYPE_OFFSET],
            page_id: read_u32(page, ID_OFFSET),
            lsn: read_u64(page, LSN_OFFSET),
        }
    }
}

/// A page image exactly as it is stored, *not* verified, and where it was
/// read from.
///
/// Normal reads ([`crate::ReadTxn::page`]) refuse a page whose checksum,
/// page id or type is wrong. Tools that show damage (the shell's `.page`
/// and `.pages` views) need to see such a page anyway: they read it with
/// [`crate::ReadTxn::page_raw`] and check it themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPage {
    /// The page number asked for.
    pub id: PageId,
    /// Where the image was read from: the main file, or the WAL frame
    /// holding the newest committed version.
    pub source: PageSource,
    /// The whole page image, header included.
    pub data: Vec<u8>,
}

impl RawPage {
    /// The decoded page header (as stored: it may be damaged).
    pub fn header(&self) -> PageHeader {
        PageHeader::decode(&self.data)
    }

    /// The checksum the page's bytes have now.
    pub fn computed_checksum(&self) -> u32 {
        compute_checksum(&self.data)
    }

    /// Whether the stored checksum matches the bytes.
    pub fn checksum_ok(&self) -> bool {
        stored_checksum(&self.data) == self.computed_checksum()
    }

    /// Whether a normal read would accept this image: checksum, page id
    /// and type all as [`crate::ReadTxn::page`] requires.
    pub fn is_valid(&self) -> bool {
        let h = self.header();
        self.checksum_ok() && h.page_id == self.id && h.page_type.is_some()
    }
}

pub(crate) fn page_type_of(page: &[u8]) -> Option<PageType> {
    PageType::from_byte(page[TYPE_OFFSET])
}

pub(crate) fn set_page_type(page: &mut [u8], t: PageType) {
    page[TYPE_OFFSET] = t as u8;
}

pub(crate) fn lsn_of(page: &[u8]) -> u64 {
    read_u64(page, LSN_OFFSET)
}

/// Byte offset of page `id` in the main file.
pub(crate) fn file_offset(id: PageId, page_size: u32) -> u64 {
    (id as u64 - 1) * page_size as u64
}

pub(crate) fn read_u32(buf: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[at..at + 4]);
    u32::from_be_bytes(b)
}

pub(crate) fn read_u64(buf: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&buf[at..at + 8]);
    u64::from_be_bytes(b)
}

pub(crate) fn write_u32(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

pub(crate) fn write_u64(buf: &mut [u8], at: usize, v: u64) {
    buf[at..at + 8].copy_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_page_verifies_and_a_flipped_bit_does_not() {
        let mut page = vec![0u8; 1024];
        set_page_type(&mut page, PageType::BTreeLeaf);
        page[100] = 42;
        seal(&mut page, 7, 3);
        let path = Path::new("t.db");
        verify(&page, 7, path, PageSource::MainFile).expect("sealed page verifies");
        let h = PageHeader::decode(&page);
        assert_eq!(
            (h.page_id, h.lsn, h.page_type),
            (7, 3, Some(PageType::BTreeLeaf))
        );
        page[500] ^= 0x10;
        let err = verify(&page, 7, path, PageSource::MainFile).unwrap_err();
        assert!(
            matches!(err, PagerError::ChecksumMismatch { page: 7, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_page_found_at_the_wrong_place_is_reported() {
        let mut page = vec![0u8; 1024];
        seal(&mut page, 9, 1);
        let err = verify(&page, 8, Path::new("t.db"), PageSource::WalFrame(4)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.db: page 8 (WAL frame 4): page header names page 9"
        );
    }

    #[test]
    fn page_sizes_are_validated() {
        assert!(validate_page_size(4096).is_ok());
        assert!(validate_page_size(65536).is_ok());
        for bad in [0, 512, 1000, 3000, 131072] {
            assert!(validate_page_size(bad).is_err(), "{bad}");
        }
    }
}
