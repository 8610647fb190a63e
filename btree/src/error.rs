//! The B+Tree's errors.

use thiserror::Error;
use walnut_pager::{PageId, PagerError};

/// Every way a tree operation can fail.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BTreeError {
    /// The pager failed (I/O, checksum, pool exhausted, busy...).
    #[error(transparent)]
    Pager(#[from] PagerError),
    /// A key longer than the page size allows.
    #[error("key of {len} bytes is too large: the maximum with {page_size}-byte pages is {max}")]
    KeyTooLarge {
        /// The key's length.
        len: usize,
        /// The largest key allowed.
        max: usize,
        /// The database's page size.
        page_size: usize,
    },
    /// `insert` with [`crate::InsertMode::Reject`] found the key present.
    #[error("duplicate key {key}")]
    DuplicateKey {
        /// The key, printed as text if it is text, else as hex.
        key: String,
    },
    /// A page does not hold what the tree expects.
    #[error("page {page}: {reason}")]
    Corrupt {
        /// The page.
        page: PageId,
        /// What is wrong.
        reason: String,
    },
    /// A cursor was asked for its key or value while not on an entry
    /// (never positioned, or moved past either end, or a seek found
    /// nothing).
    #[error("the cursor is not on an entry")]
    NoEntry,
    /// No catalog entry has this name.
    #[error("no tree named {0:?}")]
    NoSuchTree(String),
    /// A catalog entry with this name exists.
    #[error("a tree named {0:?} already exists")]
    TreeExists(String),
    /// A catalog entry cannot be encoded or decoded.
    #[error("catalog entry {name:?}: {reason}")]
    Catalog {
        /// The entry's name.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

/// Shorthand for results of the B+Tree.
pub type Result<T, E = BTreeError> = std::result::Result<T, E>;

/// A key as people read it: text if it is printable UTF-8, else hex.
pub fn printable_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("{s:?}"),
        _ => {
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            format!("x'{hex}'")
        }
    }
}

pub(crate) fn corrupt(page: PageId, reason: impl Into<String>) -> BTreeError {
    BTreeError::Corrupt {
        page,
        reason: reason.into(),
    }
}
