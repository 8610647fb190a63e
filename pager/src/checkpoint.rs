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
//!    Pages with consecutive numbers are copied together, up to
//!    [`CHECKPOINT_RUN`] at a time: one write into the main file, and one
//!    read from the WAL for each stretch of the run whose frames are
//!    consecutive too (a large transaction's pages usually are: it spills
//!    and commits them in page order). Each image is verified as before;
//!    what reaches the disk is the same, in fewer system calls.
//! 4. fsync the main file, then move the backfill mark to the horizon.
//! 5. If every committed frame is now backfilled, no reader's snapshot is
//!    older than the last commit and the writer has not spilled anything,
//!    *reset* the WAL: new salts, frame numbering from 1. Cached frames that
//!    hold the newest version of a page are re-keyed as main-file versions;
//!    older ones are dropped. The mark slots (`synchronous = extra`) carry
//!    the old salts, so they vouch for nothing in the new generation; its
//!    first commit under `extra` writes a fresh one.
//!
//!    The WAL file keeps its length, and the next frames overwrite the old
//!    ones (their old salts mark them stale), except that an explicit
//!    checkpoint ([`crate::Pager::checkpoint`], `PRAGMA wal_checkpoint`)
//!    truncates a WAL of more than twice the automatic threshold's frames
//!    to its header, so that one huge transaction does not leave a huge
//!    WAL behind: at its reset or, if an automatic checkpoint reset the WAL
//!    and nothing was written since, at once (every frame past the durable
//!    header is then stale). The automatic checkpoint a commit runs never
//!    shrinks it, as SQLite's never does (its `journal_size_limit` is
//!    unlimited by default): writing frames over a file's existing blocks,
//!    and syncing them, costs far less than growing the file again.
//!    Deleting every other row of a 10^6-row table (120 MB of WAL) took
//!    0.48-0.61 s into a WAL truncated by the automatic checkpoint before
//!    it, and 0.33-0.35 s into the kept one. Closing the database deletes
//!    the WAL.
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

/// The most pages a checkpoint copies with one write (see step 3).
pub(crate) const CHECKPOINT_RUN: usize = 64;

/// What a reset does with the WAL file's length (step 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WalLength {
    /// Truncate it to its header if it holds more than twice the automatic
    /// checkpoint threshold in frames (at least 64): an explicit checkpoint.
    Shrink,
    /// Keep it, however long: the automatic checkpoint after a commit.
    Keep,
}

impl Shared {
    pub(crate) fn checkpoint(&self) -> Result<CheckpointReport> {
        self.checkpoint_with_progress(&mut |_, _| {})
    }

    /// The checkpoint a commit runs once the WAL holds the automatic
    /// threshold's frames: it never shrinks the WAL file (step 5).
    pub(crate) fn automatic_checkpoint(&self) -> Result<CheckpointReport> {
        self.run_checkpoint(&mut |_, _| {}, WalLength::Keep)
    }

    /// A checkpoint that reports `(pages copied, pages to copy)` as it
    /// goes, for a progress bar.
    pub(crate) fn checkpoint_with_progress(
        &self,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<CheckpointReport> {
        self.run_checkpoint(progress, WalLength::Shrink)
    }

    fn run_checkpoint(
        &self,
        progress: &mut dyn FnMut(u64, u64),
        length: WalLength,
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
            let page_len = ps as usize;
            let fsize = self.wal.frame_size();
            let mut new_page_count = None;
            let total = work.len() as u64;
            // The images of a run of consecutive pages, and the frames of a
            // stretch of consecutive frames, as read.
            let mut run = Vec::with_capacity(CHECKPOINT_RUN * page_len);
            let mut frames = Vec::with_capacity(CHECKPOINT_RUN * fsize);
            let mut i = 0;
            while i < work.len() {
                let mut j = i + 1;
                while j < work.len() && j - i < CHECKPOINT_RUN && work[j].0 == work[j - 1].0 + 1 {
                    j += 1;
                }
                run.clear();
                let mut a = i;
                while a < j {
                    let mut b = a + 1;
                    while b < j && work[b].1 == work[b - 1].1 + 1 {
                        b += 1;
                    }
                    let first = work[a].1 - base;
                    frames.resize((b - a) * fsize, 0);
                    self.wal.read_frames(first, &mut frames)?;
                    for (k, frame) in frames.chunks_exact(fsize).enumerate() {
                        let (p, n) = (work[a + k].0, first + k as u64);
                        progress((a + k) as u64, total);
                        let image = &frame[crate::wal::format::FRAME_HEADER_SIZE..];
                        page::verify(image, p, &self.wal.path, PageSource::WalFrame(n))?;
                        if p == 1 {
                            new_page_count = Some(DbHeader::decode(image).page_count);
                        }
                        run.extend_from_slice(image);
                    }
                    a = b;
                }
                let (p, last) = (work[i].0, work[j - 1].0);
                self.db
                    .write_at(page::file_offset(p, ps), &run)
                    .map_err(|e| {
                        let pages = if p == last {
                            format!("page {p}")
                        } else {
                            format!("pages {p}..={last}")
                        };
                        crate::error::PagerError::io(
                            &self.path,
                            format!("checkpointing {pages}"),
                            e,
                        )
                    })?;
                i = j;
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
            self.wal.reset(&mut io, &mut ws, self.kept_frames(length))?;
            Counters::add(&self.stats.wal_resets, 1);
            report.wal_reset = true;
        } else if length == WalLength::Shrink
            && committed == base
            && io.tail == committed
            && io.header_durable
            && !self.writer_is_active()
        {
            // Nothing to reset: the generation has no frame yet (an
            // automatic checkpoint reset it and kept the file). What lies
            // past the durable header is stale; an explicit checkpoint
            // drops it as it would have at the reset.
            self.wal.shrink(self.kept_frames(length))?;
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

    /// The most frames a WAL file may keep at a reset (`None`: any number).
    fn kept_frames(&self, length: WalLength) -> Option<u64> {
        match length {
            WalLength::Shrink => Some((2 * self.autocheckpoint() as u64).max(64)),
            WalLength::Keep => None,
        }
    }
}
