//! Read transactions: a consistent snapshot of the last commit.
//!
//! A reader's snapshot is the sequence number of the last committed WAL
//! frame when it began. Every page it reads is the newest version at or
//! below that mark: from the WAL if the WAL has one, else from the main
//! file. Commits and checkpoints that happen while it runs do not change
//! what it sees: commits append frames beyond its mark, and checkpoints
//! never copy a frame newer than the oldest active snapshot into the main
//! file (see [`crate::checkpoint`]).

use crate::error::{PagerError, Result};
use crate::guard::PageRef;
use crate::header::DbHeader;
use crate::page::PageId;
use crate::pager::Shared;
use crate::pool::{PageKey, PageVersion};
use std::sync::Arc;

/// A read-only view of the database as of one commit.
///
/// Dropping it ends the transaction (and lets checkpoints move past it).
#[derive(Debug)]
pub struct ReadTxn {
    shared: Arc<Shared>,
    id: u64,
    snapshot: u64,
    header: DbHeader,
}

impl ReadTxn {
    pub(crate) fn begin(shared: Arc<Shared>) -> Result<ReadTxn> {
        let (id, snapshot) = shared.register_reader();
        let mut txn = ReadTxn {
            shared,
            id,
            snapshot,
            header: DbHeader::new(0),
        };
        txn.header = {
            let p = txn.fetch(1)?;
            DbHeader::decode(p.data())
        };
        Ok(txn)
    }

    /// The header as of this snapshot.
    pub fn header(&self) -> DbHeader {
        self.header
    }

    /// The number of pages in this snapshot.
    pub fn page_count(&self) -> u32 {
        self.header.page_count
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.shared.path
    }

    /// Reads a page as of this snapshot.
    pub fn page(&self, id: PageId) -> Result<PageRef<'_>> {
        if id == 0 || id > self.header.page_count {
            return Err(PagerError::PageOutOfRange {
                page: id,
                page_count: self.header.page_count,
            });
        }
        self.fetch(id)
    }

    fn fetch(&self, id: PageId) -> Result<PageRef<'_>> {
        let sh = &*self.shared;
        let frame = {
            // Look the version up under the pool latch: a checkpoint (which
            // holds the latch) cannot reset the WAL between the lookup and
            // the load.
            let mut st = sh.pool.latch();
            let version = match sh.wal.state.read().index.lookup(id, self.snapshot) {
                Some(seq) => PageVersion::Wal(seq),
                None => PageVersion::Base,
            };
            sh.fetch(&mut st, PageKey { page: id, version })?
        };
        match sh.pool.frames[frame].try_read() {
            Some(data) => Ok(PageRef::new(&sh.pool, frame, id, data)),
            None => {
                sh.pool.unpin(frame);
                Err(PagerError::PageBorrowed { page: id })
            }
        }
    }
}

impl Drop for ReadTxn {
    fn drop(&mut self) {
        self.shared.unregister_reader(self.id);
    }
}
