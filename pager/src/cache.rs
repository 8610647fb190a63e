//! How a request for a page version becomes a pinned frame.
//!
//! Every function here runs with the pool latch held (`st`):
//!
//! * [`Shared::fetch`]: a hit pins the frame; a miss takes a frame from
//!   CLOCK ([`Shared::free_frame`]) and reads the image from the main file
//!   or the WAL, verifying its checksum and page id.
//! * [`Shared::free_frame`]: runs CLOCK; a private victim is spilled first.
//! * [`Shared::spill`]: writes private frames to the WAL as non-commit
//!   frames; they stay in the pool as [`FrameState::Spilled`].
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
            self.spill(st, &[f])?;
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

    /// Writes private frames to the WAL as non-commit frames (one write),
    /// and re-keys them as spilled WAL versions.
    pub(crate) fn spill(&self, st: &mut PoolState, frames: &[usize]) -> Result<()> {
        let items: Vec<(usize, PageId)> = frames
            .iter()
            .filter_map(|&f| st.metas[f].key.map(|k| (f, k.page)))
            .collect();
        if items.is_empty() {
            return Ok(());
        }
        let lsn = self.next_lsn();
        let fsize = self.wal.frame_size();
        let mut buf = vec![0u8; items.len() * fsize];
        for (&(f, p), out) in items.iter().zip(buf.chunks_exact_mut(fsize)) {
            let mut data = self.pool.frames[f]
                .try_write()
                .ok_or(PagerError::PageBorrowed { page: p })?;
            page::seal(&mut data, p, lsn);
            out[crate::wal::format::FRAME_HEADER_SIZE..].copy_from_slice(&data);
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
