//! Read transactions: a consistent snapshot of the last commit.
//!
//! A reader's snapshot is the sequence number of the last committed WAL
//! frame when it began. Every page it reads is the newest version at or
//! below that mark: from the WAL if the WAL has one, else from the main
//! file. Commits and checkpoints that happen while it runs do not change
//! what it sees: commits append frames beyond its mark, and checkpoints
//! never copy a frame newer than the oldest active snapshot into the main
//! file (see [`crate::checkpoint`]).
//!
//! ## Fetching a page
//!
//! A fetch takes the pool latch once: under it, it finds the version the
//! snapshot needs (the WAL index, also under the latch) and pins the frame
//! holding it, loading it on a miss. Holding the latch across both steps is
//! what keeps a checkpoint from resetting the WAL between them. The guard
//! returned unpins without the latch.
//!
//! A reader whose snapshot is the base of the WAL's current generation
//! (nothing was committed to the WAL when it began, e.g. right after a
//! checkpoint reset it) skips the WAL index: every page it may read is the
//! main file's version, and stays so while it lives. No frame at or below
//! its snapshot exists (frames appended later get higher sequence numbers,
//! a rollback removes only frames beyond the last commit, and a reset
//! removes all of them), and a checkpoint copies only frames at or below
//! the oldest active snapshot into the main file, so none while this reader
//! is active. Pool hits stay correct for the same reason: a cached
//! main-file image is dropped whenever a checkpoint overwrites that page,
//! and frames are re-keyed as main-file versions only at a reset, which
//! waits until every active snapshot is the last commit.
//!
//! ## Reading ahead
//!
//! A walk along a table's leaves in page order (a scan of a table loaded
//! in key order) would read one page per call from the main file. A
//! cursor that sees it is doing that asks for the next pages with
//! [`ReadTxn::read_ahead`]: one read of up to that many pages, each
//! checked and installed in a frame as a clean main-file version with its
//! reference bit clear (so one the walk never reaches is evicted first).
//! Only pages this snapshot reads from the main file, and that no frame
//! holds, are read, under the latch as a fetch is: the argument above
//! keeps them right for this snapshot, and for later ones until a
//! checkpoint overwrites them (which drops them from the pool). The cost
//! of a system call is then paid once per run of pages instead of once per
//! page; a failure of any kind is left to the fetch that wants the page.

use crate::error::{PageSource, PagerError, Result};
use crate::guard::PageRef;
use crate::header::DbHeader;
use crate::page::{self, PageId, RawPage};
use crate::pager::Shared;
use crate::pool::{FrameState, PageKey, PageVersion};
use crate::stats::Counters;
use std::sync::Arc;

/// A read-only view of the database as of one commit.
///
/// Dropping it ends the transaction (and lets checkpoints move past it).
#[derive(Debug)]
pub struct ReadTxn {
    shared: Arc<Shared>,
    id: u64,
    snapshot: u64,
    /// No WAL frame is visible to this snapshot, ever (see the module
    /// doc): every page is its main-file version.
    wal_free: bool,
    header: DbHeader,
}

impl ReadTxn {
    pub(crate) fn begin(shared: Arc<Shared>) -> Result<ReadTxn> {
        let (id, snapshot, wal_free) = shared.register_reader();
        let mut txn = ReadTxn {
            shared,
            id,
            snapshot,
            wal_free,
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

    /// Reads pages `first..first + n` of the main file into the pool with
    /// one read, ahead of a walk that is about to want them one by one
    /// (see "Reading ahead" in the module documentation).
    ///
    /// Only a hint, and best effort: it stops at the first page that is in
    /// the pool already, that this snapshot reads from the WAL, or that
    /// lies past the end; a failed read, a page whose checksum does not
    /// match and a pool with no frame to spare are all left to the fetch
    /// that wants the page, which reports them as it always does.
    pub fn read_ahead(&self, first: PageId, n: usize) {
        let sh = &*self.shared;
        let page_size = sh.page_size as usize;
        let mut st = sh.pool.latch();
        let base = |page| PageKey {
            page,
            version: PageVersion::Base,
        };
        let mut run: PageId = 0;
        while (run as usize) < n {
            let Some(id) = first.checked_add(run) else {
                break;
            };
            if id == 0
                || id > self.header.page_count
                || (!self.wal_free && st.wal_index.lookup(id, self.snapshot).is_some())
                || st.frame_of(base(id)).is_some()
            {
                break;
            }
            run += 1;
        }
        if run < 2 {
            return;
        }
        let mut images = vec![0u8; run as usize * page_size];
        if sh
            .db
            .read_exact_at(page::file_offset(first, sh.page_size), &mut images)
            .is_err()
        {
            return;
        }
        Counters::add(&sh.stats.pages_read, u64::from(run));
        for (id, image) in (first..).zip(images.chunks_exact(page_size)) {
            if page::verify(image, id, &sh.path, PageSource::MainFile).is_err() {
                continue;
            }
            let Ok(f) = sh.free_frame(&mut st) else {
                return;
            };
            let Some(mut frame) = sh.pool.frames[f].try_write() else {
                return;
            };
            frame.copy_from_slice(image);
            drop(frame);
            // Installed unreferenced: a page the walk never reaches is the
            // first to go.
            st.install(f, base(id), FrameState::Clean, false);
            st.unpin(f);
        }
    }

    /// Reads the bytes of page `id` as of this snapshot straight from disk,
    /// without the buffer pool and *without verifying* them: the newest
    /// committed WAL frame of the page at or below the snapshot if there is
    /// one, else the main file. For tools that show damaged pages; every
    /// other reader uses [`ReadTxn::page`].
    pub fn page_raw(&self, id: PageId) -> Result<RawPage> {
        if id == 0 || id > self.header.page_count {
            return Err(PagerError::PageOutOfRange {
                page: id,
                page_count: self.header.page_count,
            });
        }
        let sh = &*self.shared;
        let mut data = vec![0u8; sh.page_size as usize];
        // The pool latch keeps a checkpoint from resetting the WAL between
        // the lookup and the read (as in `fetch`).
        let latch = sh.pool.latch();
        let seq = latch.wal_index.lookup(id, self.snapshot);
        let base = sh.wal.state.read().base;
        let source = match seq {
            Some(seq) => {
                let frame = seq - base;
                sh.wal.read_image(frame, &mut data)?;
                PageSource::WalFrame(frame)
            }
            None => {
                let offset = page::file_offset(id, sh.page_size);
                sh.db.read_exact_at(offset, &mut data).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        PagerError::CorruptPage {
                            path: sh.path.clone(),
                            page: id,
                            source_of: PageSource::MainFile,
                            reason: "page lies beyond the end of the file (truncated?)".into(),
                        }
                    } else {
                        PagerError::io(&sh.path, format!("reading page {id}"), e)
                    }
                })?;
                PageSource::MainFile
            }
        };
        Counters::add(&sh.stats.pages_read, 1);
        Ok(RawPage { id, source, data })
    }

    fn fetch(&self, id: PageId) -> Result<PageRef<'_>> {
        let sh = &*self.shared;
        let frame = {
            // Look the version up under the pool latch: a checkpoint (which
            // holds the latch) cannot reset the WAL between the lookup and
            // the load.
            let mut st = sh.pool.latch();
            let version = if self.wal_free {
                PageVersion::Base
            } else {
                match st.wal_index.lookup(id, self.snapshot) {
                    Some(seq) => PageVersion::Wal(seq),
                    None => PageVersion::Base,
                }
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

#[cfg(test)]
mod tests {
    use crate::{PageSource, PageType, Pager, PagerError, PagerOptions, SimVfs};
    use std::path::Path;
    use std::sync::Arc;

    #[test]
    fn page_raw_reads_damaged_pages_and_says_where_from() {
        let vfs = Arc::new(SimVfs::new(3));
        let options = PagerOptions {
            page_size: 1024,
            ..PagerOptions::default()
        };
        let pager = Pager::open_with_vfs(vfs.clone(), "raw.db", options.clone()).expect("open");
        let tx = pager.begin_write().expect("begin");
        let id = tx.allocate(PageType::BTreeLeaf).expect("allocate").id();
        tx.commit().expect("commit");
        let raw = pager.read_page_raw(id).expect("raw from the WAL");
        assert_eq!(raw.source, PageSource::WalFrame(2));
        assert!(raw.is_valid());
        pager.checkpoint().expect("checkpoint");
        drop(pager);

        let path = Path::new("raw.db");
        let mut bytes = vfs.file_bytes(path).expect("main file");
        bytes[1024 + 500] ^= 0x40;
        vfs.set_file_bytes(path, bytes);
        let pager = Pager::open_with_vfs(vfs, "raw.db", options).expect("reopen");
        let rx = pager.begin_read().expect("read");
        assert!(matches!(
            rx.page(id),
            Err(PagerError::ChecksumMismatch { .. })
        ));
        let raw = rx.page_raw(id).expect("raw read does not verify");
        assert_eq!(raw.source, PageSource::MainFile);
        assert!(!raw.checksum_ok() && !raw.is_valid());
        assert_eq!(raw.header().page_type, Some(PageType::BTreeLeaf));
        assert!(matches!(
            rx.page_raw(id + 1),
            Err(PagerError::PageOutOfRange { page_count: 2, .. })
        ));
    }
}
