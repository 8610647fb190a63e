//! Checkpoint: copying committed WAL frames into the main file.
//!
//! 1. Find the *horizon*: the oldest active reader's snapshot (or the last
//!    commit if no reader is active). Frames above it must stay out of the
//!    main file, because that reader may still need the older versions
//!    they would overwrite.
//! 2. Make the WAL durable up to the horizon (with `synchronous = normal`
//!    commits did not fsync): a page must never reach the main file before
//!    the commit that wrote it is durable, or a crash could leave the main
//!    file with half a transaction and no WAL to finish it.
//! 3. For every page whose newest frame at or below the horizon is newer
//!    than the backfill mark, copy that frame's image to the page's place
//!    in the main file, in page order. Extend the file to the database size.
//! 4. fsync the main file, then move the backfill mark to the horizon.
//! 5. If every committed frame is now backfilled, no reader's snapshot is
//!    older than the last commit and the writer has not spilled anything,
//!    *reset* the WAL: new salts, frame numbering from 1. Cached frames that
//!    hold the newest version of a page are re-keyed as main-file versions;
//!    older ones are dropped. The mark slots (`synchronous = extra`) carry
//!    the old salts, so they vouch for nothing in the new generation; its
//!    first commit under `extra` writes a fresh one.
//!
//! A crash at any point is safe: until step 4 completes the WAL still holds
//! every frame, and recovery simply replays them again (copying a frame
//! twice writes the same bytes). The new WAL header written by a reset is
//! fsynced before any frame is written under it; a crash while it is being
//! written leaves the old WAL (all of it already in the main file) or a
//! damaged header with nothing new behind it, and recovery treats both as
//! "the main file holds everything".
//!
//! The checkpoint holds the pool latch throughout, so page loads wait for
//! it; readers working on pages they have already pinned do not.

use crate::error::{PageSource, Result};
use crate::header::DbHeader;
use crate::page;
use crate::pager::{CheckpointReport, Shared, Synchronous};
use crate::pool::{FrameState, PageKey, PageVersion};
use crate::stats::Counters;

impl Shared {
    pub(crate) fn checkpoint(&self) -> Result<CheckpointReport> {
        self.checkpoint_with_progress(&mut |_, _| {})
    }

    /// A checkpoint that reports `(pages copied, pages to copy)` as it
    /// goes, for a progress bar.
    pub(crate) fn checkpoint_with_progress(
        &self,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<CheckpointReport> {
        let mut st = self.pool.latch();
        let readers = self.readers.lock();
        let mut io = self.wal.io.lock();
        let (committed, backfilled, base) = {
            let ws = self.wal.state.read();
            (ws.committed, ws.backfilled, ws.base)
        };
        let oldest_reader = readers.snapshots.values().copied().min();
        let horizon = oldest_reader.unwrap_or(committed).min(committed);
        let work = st.wal_index.newest_between(backfilled, horizon);
        let mut report = CheckpointReport {
            wal_frames: committed - base,
            ..CheckpointReport::default()
        };
        let sync = self.synchronous() != Synchronous::Off;

        if !work.is_empty() {
            if sync && io.synced < horizon {
                self.wal.sync(&mut io, &self.stats)?;
            }
            let ps = self.page_size;
            let mut image = vec![0u8; ps as usize];
            let mut new_page_count = None;
            let total = work.len() as u64;
            for (done, &(p, seq)) in work.iter().enumerate() {
                progress(done as u64, total);
                let frame = seq - base;
                self.wal.read_image(frame, &mut image)?;
                page::verify(&image, p, &self.wal.path, PageSource::WalFrame(frame))?;
                if p == 1 {
                    new_page_count = Some(DbHeader::decode(&image).page_count);
                }
                self.db
                    .write_at(page::file_offset(p, ps), &image)
                    .map_err(|e| {
                        crate::error::PagerError::io(
                            &self.path,
                            format!("checkpointing page {p}"),
                            e,
                        )
                    })?;
            }
            if let Some(count) = new_page_count {
                let want = count as u64 * ps as u64;
                let len = self.db.len().map_err(|e| {
                    crate::error::PagerError::io(&self.path, "reading the file length", e)
                })?;
                if len < want {
                    self.db.set_len(want).map_err(|e| {
                        crate::error::PagerError::io(&self.path, "extending the file", e)
                    })?;
                }
            }
            if sync {
                self.sync_db()?;
            }
            self.wal.state.write().backfilled = horizon;
            let n = work.len() as u64;
            Counters::add(&self.stats.pages_checkpointed, n);
            Counters::add(&self.stats.pages_written, n);
            report.pages_copied = n;
            // Cached main-file images of the copied pages are stale now (no
            // reader needs them: every reader sees a frame of these pages).
            for &(p, seq) in &work {
                let base_key = PageKey {
                    page: p,
                    version: PageVersion::Base,
                };
                if let Some(f) = st.frame_of(base_key) {
                    st.drop_or_detach(f);
                }
                let wal_key = PageKey {
                    page: p,
                    version: PageVersion::Wal(seq),
                };
                if let Some(f) = st.frame_of(wal_key) {
                    st.metas[f].state = FrameState::Clean;
                }
            }
        } else if backfilled < horizon {
            self.wal.state.write().backfilled = horizon;
        }

        let everyone_current = oldest_reader.is_none_or(|s| s >= committed);
        // Never reset under an open write transaction: its savepoints and
        // its view of the log name positions in the current generation.
        let can_reset = horizon == committed
            && everyone_current
            && io.tail == committed
            && committed > base
            && !self.writer_is_active();
        if can_reset {
            if !sync {
                // Even with synchronous = off, the main file must be durable
                // before the WAL that backs it is overwritten.
                self.sync_db()?;
            }
            let mut ws = self.wal.state.write();
            for f in 0..st.metas.len() {
                let Some(PageKey {
                    page: p,
                    version: PageVersion::Wal(seq),
                }) = st.metas[f].key
                else {
                    continue;
                };
                if st.wal_index.lookup(p, committed) == Some(seq) {
                    let key = PageKey {
                        page: p,
                        version: PageVersion::Base,
                    };
                    if let Some(old) = st.frame_of(key) {
                        st.drop_or_detach(old);
                    }
                    st.rekey(f, key, FrameState::Clean);
                } else {
                    st.drop_or_detach(f);
                }
            }
            st.wal_index.clear();
            let keep = (2 * self.autocheckpoint() as u64).max(64);
            self.wal.reset(&mut io, &mut ws, keep)?;
            Counters::add(&self.stats.wal_resets, 1);
            report.wal_reset = true;
        }
        report.frames_remaining = {
            let ws = self.wal.state.read();
            ws.committed - ws.backfilled.max(ws.base)
        };
        Counters::add(&self.stats.checkpoints, 1);
        drop(readers);
        drop(st);
        Ok(report)
    }
}
