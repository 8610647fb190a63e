//! The pager's errors: what went wrong, where (file, page, WAL frame) and why.

use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// Where a page image came from when it failed a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSource {
    /// The main database file.
    MainFile,
    /// A frame of the write-ahead log (1-based frame number).
    WalFrame(u64),
}

impl std::fmt::Display for PageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageSource::MainFile => write!(f, "main file"),
            PageSource::WalFrame(n) => write!(f, "WAL frame {n}"),
        }
    }
}

/// Every way a pager operation can fail.
#[derive(Debug, Error)]
#[non_exhaustive]
#[allow(missing_docs)] // each variant's fields are spelled out by its message
pub enum PagerError {
    /// The operating system (or the simulated disk) refused an operation.
    #[error("{path}: I/O error while {doing}: {source}")]
    Io {
        path: PathBuf,
        doing: String,
        #[source]
        source: io::Error,
    },
    /// A write failed because the disk is full; nothing was committed.
    #[error("{path}: disk full while {doing}")]
    DiskFull { path: PathBuf, doing: String },
    /// The file does not start with walnut's magic bytes.
    #[error("{path}: not a walnut database (bad magic bytes {found:02x?})")]
    NotADatabase { path: PathBuf, found: Vec<u8> },
    /// The file is a walnut database of a format this build cannot read.
    #[error("{path}: unsupported format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The file is shorter than its header says.
    #[error(
        "{path}: truncated: file is {len} bytes but {pages} pages of {page_size} bytes need {needed}"
    )]
    Truncated {
        path: PathBuf,
        len: u64,
        pages: u32,
        page_size: u32,
        needed: u64,
    },
    /// A page size outside 1024..=65536 or not a power of two.
    #[error("invalid page size {0}: must be a power of two from 1024 to 65536")]
    InvalidPageSize(u64),
    /// A page size stored in a file that is not valid.
    #[error("{path}: header page stores invalid page size {size}")]
    CorruptPageSize { path: PathBuf, size: u32 },
    /// A page's stored CRC32 does not match its contents.
    #[error(
        "{path}: page {page} ({source_of}): checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
    )]
    ChecksumMismatch {
        path: PathBuf,
        page: u32,
        source_of: PageSource,
        stored: u32,
        computed: u32,
    },
    /// A page's header names another page (a misdirected write) or holds an
    /// unknown page type.
    #[error("{path}: page {page} ({source_of}): {reason}")]
    CorruptPage {
        path: PathBuf,
        page: u32,
        source_of: PageSource,
        reason: String,
    },
    /// A page number outside the database.
    #[error("page {page} is out of range: the database has {page_count} pages")]
    PageOutOfRange { page: u32, page_count: u32 },
    /// Every frame of the buffer pool is pinned.
    #[error("buffer pool exhausted: all {frames} frames are pinned")]
    PoolExhausted { frames: usize },
    /// Another write transaction is active.
    #[error("database is busy: another write transaction is active")]
    Busy,
    /// Another process has the database open.
    #[error("{path}: database is locked by another process")]
    Locked { path: PathBuf },
    /// The same transaction asked for a page it already holds in a
    /// conflicting way (e.g. two write guards on one page).
    #[error("page {page} is already borrowed by this transaction")]
    PageBorrowed { page: u32 },
    /// A freed page that cannot be freed (the header page, or out of range).
    #[error("cannot free page {page}: {reason}")]
    InvalidFree { page: u32, reason: String },
    /// A savepoint that does not belong to this transaction (or was released).
    #[error("no such savepoint {0}")]
    NoSuchSavepoint(u64),
    /// An option value that cannot be used.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A WAL frame inside the committed part of the log is damaged (or
    /// missing): stopping recovery there would silently drop committed
    /// transactions.
    #[error(
        "{path}: WAL frame {frame} is damaged but was committed ({why}); \
         refusing to open rather than lose committed transactions \
         (moving the WAL aside opens the database as of its last checkpoint)"
    )]
    DamagedWal {
        path: PathBuf,
        frame: u64,
        why: String,
    },
    /// The WAL beside the database has an intact header of a format
    /// version this build cannot replay, and may hold commits that the
    /// main file lacks.
    #[error(
        "{path}: WAL format version {found}, but this build reads version {supported}; \
         the WAL may hold commits the main file lacks, so it is not ignored (open the \
         database once with the walnut that wrote it, whose clean close checkpoints them; \
         moving the WAL aside opens the database as of its last checkpoint)"
    )]
    UnsupportedWalVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// A structural problem found in the files that is not tied to one page.
    #[error("{path}: corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

/// Shorthand for results of the pager.
pub type Result<T, E = PagerError> = std::result::Result<T, E>;

impl PagerError {
    /// Wraps an I/O error, turning "storage full" into [`PagerError::DiskFull`].
    pub(crate) fn io(path: &std::path::Path, doing: impl Into<String>, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::StorageFull {
            PagerError::DiskFull {
                path: path.to_path_buf(),
                doing: doing.into(),
            }
        } else {
            PagerError::Io {
                path: path.to_path_buf(),
                doing: doing.into(),
                source,
            }
        }
    }
}
