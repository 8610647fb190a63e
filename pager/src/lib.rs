//! # walnut-pager
//!
//! The storage foundation of walnut: a file of fixed-size pages, a buffer
//! pool, a write-ahead log with crash recovery, a freelist and checkpoints.
//! Everything above it (the B+Tree, the SQL layer) sees only pages inside
//! transactions.
//!
//! ```text
//!            ReadTxn (snapshot)      WriteTxn (one at a time)
//!                  |                        |
//!                  v                        v
//!   +---------------------------------------------------------+
//!   |  buffer pool: frames, page table, CLOCK, RAII guards     |  pool.rs, page_table.rs,
//!   |  (and, under the same latch, the WAL index)              |  guard.rs, cache.rs
//!   +---------------------------------------------------------+
//!         | miss: read            | spill / commit: append
//!         v                       v
//!   +-------------+   checkpoint  +------------------------+
//!   | main file   | <------------ | WAL: frames + index    |  wal/, checkpoint.rs
//!   | (pages)     |               | recovery on open       |
//!   +-------------+               +------------------------+
//!         \_______________________________/
//!                      VFS seam (OS or simulated, crashable)   vfs/
//! ```
//!
//! Where to read on:
//!
//! * [`page`]: the page format (24-byte header with CRC32, page id, LSN);
//!   [`header`]: the header page.
//! * [`vfs`]: the file seam and the simulated, crashable disk.
//! * `pool`/`page_table`/`guard`/`cache`: frames, the page table, CLOCK,
//!   pins, spills.
//! * `wal`: the log format, the checksum chain, recovery, the index.
//! * `read_txn`/`write_txn`/`freelist`/`checkpoint`: transactions.
//!
//! # Example
//!
//! ```
//! use walnut_pager::{Pager, PagerOptions, PageType, SimVfs};
//! use std::sync::Arc;
//!
//! let vfs = Arc::new(SimVfs::new(7));
//! let pager = Pager::open_with_vfs(vfs.clone(), "x.db", PagerOptions::default())?;
//! let mut tx = pager.begin_write()?;
//! let id = tx.allocate(PageType::BTreeLeaf)?.id();
//! tx.page_mut(id)?.body_mut()[0] = 42;
//! tx.commit()?;
//!
//! // Crash: unsynced writes are dropped, kept or torn; the commit was synced.
//! pager.abandon();
//! vfs.crash();
//! let pager = Pager::open_with_vfs(vfs, "x.db", PagerOptions::default())?;
//! assert_eq!(pager.begin_read()?.page(id)?.body()[0], 42);
//! # Ok::<(), walnut_pager::PagerError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cache;
mod checkpoint;
mod error;
mod fast_hash;
mod freelist;
mod guard;
pub mod header;
pub mod page;
mod page_table;
mod pager;
mod pool;
mod read_txn;
pub mod rng;
mod stats;
pub mod vfs;
mod wal;
mod write_txn;

pub use error::{PageSource, PagerError, Result};
pub use freelist::{Freelist, trunk_capacity};
pub use guard::{PageMut, PageRef};
pub use header::DbHeader;
pub use page::{PageHeader, PageId, PageType, RawPage};
pub use pager::{
    CheckpointReport, MAX_POOL_BYTES, Pager, PagerOptions, Synchronous, WalStatus, wal_path_for,
};
pub use pool::{FrameInfo, FrameState, PageVersion, PoolSnapshot};
pub use read_txn::ReadTxn;
pub use stats::PagerStats;
pub use vfs::{CrashReport, OpenMode, OsVfs, SimVfs, Vfs, VfsFile};
pub use wal::format::{FrameHeader, MarkSlot, MarkSlotState, WalHeader};
pub use wal::recovery::{FrameInfo as WalFrameInfo, RecoveryReport, ScanStop};
pub use write_txn::{CommitInfo, MAX_UNDO_HEAD, Savepoint, WriteTxn};
