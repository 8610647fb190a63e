//! How a request for a page version becomes a pinned frame.
//!
//! Every function here runs with the pool latch held (`st`):
//!
//! * [`Shared::fetch`]: a hit pins the frame; a miss takes a frame from
//!   CLOCK ([`Shared::free_frame`]) and reads the image from the main file
//!   or the WAL, verifying its checksum and page id.
//! * [`Shared::free_frame`]: runs CLOCK; a private victim is spilled first,
//!   together with other private frames the hand is about to reach
//!   (unpinned, reference bit clear; a batch of at most [`SPILL_BATCH`]
//!   frames and an eighth of the pool, so that a small pool does not spill
//!   pages it is still changing). A transaction larger than the pool
//!   spills nearly every page it changes sooner or later, and one WAL
//!   write of 32 frames costs far less than 32 writes of one: deleting
//!   every other row of a 10^6-row table spills 30,000 frames, which took
//!   0.16 s of CPU one write each and 0.06 s in batches. The companions
//!   stay cached, now as spilled frames: evicting them later costs
//!   nothing, and changing one again takes it back as private without a
//!   copy (its spilled frame is simply superseded).
//! * [`Shared::spill`]: writes private frames to the WAL as non-commit
//!   frames, in page order, in one write; they stay in the pool as
//!   [`FrameState::Spilled`].
//!
//! Reads from disk happen under the latch. That serialises misses, which a
//! teaching database accepts in exchange for a protocol that is easy to
//! check: a frame is never visible in the page table before its image is
//! complete. The use of pinned pages does not hold the latch, and neither
//! does unpinning (see `pool`): a hit costs one latch acquisition, for the
//! lookup and the pin.
//!
//! The hit and miss counters are bumped here with the latch held, so they
//! use [`Counters::add_latched`] (a load and a store, not a locked
//! read-modify-write: the latch already serialises every writer).

use crate::error::{PageSource, PagerError, Result};
use crate::page::{self, PageId};
use crate::pager::Shared;
use crate::pool::{FrameState, PageKey, PageVersion, PoolState};
use crate::stats::Counters;

/// The most frames one spill writes: its victim and the private frames
/// CLOCK is about to reach (see the module doc). An eighth of the pool, if
/// that is fewer.
pub(crate) const SPILL_BATCH: usize = 32;

impl Shared {
    /// Pins the frame holding `key`, loading it on a miss.
    pub(crate) fn fetch(&self, st: &mut PoolState, key: PageKey) -> Result<usize> {
        if let Some(f) = st.pin_if_present(key) {
            Counters::add_latched(st, &self.stats.hits, 1);
            return Ok(f);
        }
        Counters::add_latched(st, &self.stats.misses, 1);
        let f = self.free_frame(st)?;
        let state = {
            let mut buf = self.pool.frames[f]
                .try_write()
                .ok_or(PagerError::PageBorrowed { page: key.page })?;
            self.load(key, &mut buf)?
        };
        st.install(f, key, state, false);
        Ok(f)
    }

    /// Returns an empty, unpinned frame (not yet installed), evicting a
    /// victim chosen by CLOCK and spilling it first if it is private.
    pub(crate) fn free_frame(&self, st: &mut PoolState) -> Result<usize> {
        let pool = &self.pool;
        let f = st.choose_victim(|i| pool.frames[i].is_locked())?;
        if st.metas[f].state == FrameState::Private {
            let most = (pool.frames.len() / 8).clamp(1, SPILL_BATCH);
            let mut batch =
                st.spill_companions(most - 1, 4 * most, |i| i == f || pool.frames[i].is_locked());
            batch.push(f);
            self.spill(st, &batch)?;
        }
        if st.evict(f) {
            Counters::add_latched(st, &self.stats.evictions, 1);
        }
        Ok(f)
    }

    /// Reads the image for `key` into `buf` and checks it. Returns the state
    /// the frame will have.
    fn load(&self, key: PageKey, buf: &mut [u8]) -> Result<FrameState> {
        match key.version {
            PageVersion::Base => {
                let offset = page::file_offset(key.page, self.page_size);
                self.db.read_exact_at(offset, buf).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        PagerError::CorruptPage {
                            path: self.path.clone(),
                            page: key.page,
                            source_of: PageSource::MainFile,
                            reason: "page lies beyond the end of the file (truncated?)".into(),
                        }
                    } else {
                        PagerError::io(&self.path, format!("reading page {}", key.page), e)
                    }
                })?;
                Counters::add(&self.stats.pages_read, 1);
                page::verify(buf, key.page, &self.path, PageSource::MainFile)?;
                Ok(FrameState::Clean)
            }
            PageVersion::Wal(seq) => {
                let (frame, state) = {
                    let ws = self.wal.state.read();
                    let state = if seq <= ws.backfilled {
                        FrameState::Clean
                    } else if seq <= ws.committed {
                        FrameState::Dirty
                    } else {
                        FrameState::Spilled
                    };
                    (seq - ws.base, state)
                };
                self.wal.read_image(frame, buf)?;
                Counters::add(&self.stats.pages_read, 1);
                page::verify(buf, key.page, &self.wal.path, PageSource::WalFrame(frame))?;
                Ok(state)
            }
            PageVersion::Private => Err(PagerError::Corrupt {
                path: self.path.clone(),
                reason: format!(
                    "page {}: a private page cannot be loaded from disk",
                    key.page
                ),
            }),
        }
    }

    /// Writes private frames to the WAL as non-commit frames (one write, in
    /// page order), and re-keys them as spilled WAL versions.
    pub(crate) fn spill(&self, st: &mut PoolState, frames: &[usize]) -> Result<()> {
        let mut items: Vec<(usize, PageId)> = frames
            .iter()
            .filter_map(|&f| st.metas[f].key.map(|k| (f, k.page)))
            .collect();
        if items.is_empty() {
            return Ok(());
        }
        items.sort_unstable_by_key(|&(_, p)| p);
        let lsn = self.next_lsn();
        let fsize = self.wal.frame_size();
        // Each frame: a header that `Wal::append` fills in, then the image.
        let mut buf = Vec::with_capacity(items.len() * fsize);
        for &(f, p) in &items {
            let mut data = self.pool.frames[f]
                .try_write()
                .ok_or(PagerError::PageBorrowed { page: p })?;
            page::seal(&mut data, p, lsn);
            buf.extend_from_slice(&[0u8; crate::wal::format::FRAME_HEADER_SIZE]);
            buf.extend_from_slice(&data);
        }
        let pages: Vec<PageId> = items.iter().map(|&(_, p)| p).collect();
        let mut io = self.wal.io.lock();
        let base = self.wal.state.read().base;
        let first = self
            .wal
            .append(&mut io, base, &mut buf, &pages, 0, &self.stats)?;
        for (i, &(f, p)) in items.iter().enumerate() {
            let seq = first + i as u64;
            st.wal_index.insert(p, seq);
            st.rekey(
                f,
                PageKey {
                    page: p,
                    version: PageVersion::Wal(seq),
                },
                FrameState::Spilled,
            );
        }
        Counters::add(&self.stats.spills, pages.len() as u64);
        Ok(())
    }
}
