//! The buffer pool: a fixed set of frames, a page table, and CLOCK.
//!
//! ## Frames
//!
//! The pool owns `n` frames, each a page-sized buffer, all allocated when
//! the pager opens and never again: however large a transaction or a scan,
//! the pager's page memory is `n * page_size`. (Each frame is its own
//! allocation behind its own lock rather than a slice of one big buffer:
//! handing out independently lockable slices of one allocation needs
//! `unsafe`, which walnut forbids.)
//!
//! Each frame has metadata, kept together under one mutex (the *pool
//! latch*):
//!
//! * **key**: which page version the frame holds, `(page, version)`. The
//!   version says where the image came from: the main file ([`PageVersion::Base`]),
//!   a WAL frame ([`PageVersion::Wal`], by its global frame sequence number),
//!   or the writer's uncommitted copy ([`PageVersion::Private`]). Because
//!   versions are part of the key, a reader holding an old snapshot and the
//!   writer holding a new copy of the same page never collide.
//! * **pin count**: how many guards use the frame. A pinned frame is never
//!   evicted.
//! * **reference bit**: set on every use, cleared by the CLOCK hand.
//! * **state**: see [`FrameState`].
//!
//! The page table maps keys to frames.
//!
//! ## CLOCK
//!
//! To find a frame for a new page, the hand sweeps the frames in a circle:
//! a pinned frame is skipped; a frame with its reference bit set gets a
//! second chance (the bit is cleared and the hand moves on); the first
//! unpinned frame with a clear bit is the victim. The sweep is bounded to
//! two turns: after one turn every unpinned frame has a clear bit, so if
//! two turns find nothing, every frame is pinned and the request fails with
//! [`PagerError::PoolExhausted`] at once, rather than waiting for a frame
//! that only the caller itself could release.
//!
//! Evicting a clean or dirty frame costs nothing (its image is in the main
//! file or the WAL). Evicting a *private* frame first *spills* it: the pager
//! appends it to the WAL as a non-commit frame, and the frame becomes
//! [`FrameState::Spilled`]. That is how a transaction larger than the pool
//! commits in bounded memory.

use crate::error::{PagerError, Result};
use crate::fast_hash::FastMap;
use crate::page::PageId;
use parking_lot::{Mutex, MutexGuard, RwLock};

/// Where a cached page image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageVersion {
    /// The main database file.
    Base,
    /// A WAL frame, by global frame sequence number (frame numbers restart
    /// at every WAL reset; sequence numbers never do).
    Wal(u64),
    /// The write transaction's own uncommitted copy.
    Private,
}

/// A page table key: a page and the version of it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    pub page: PageId,
    pub version: PageVersion,
}

/// The state of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameState {
    /// Holds nothing.
    Free,
    /// A committed image identical to the one in the main file.
    Clean,
    /// A committed image that lives in the WAL but not yet in the main file
    /// (a checkpoint will copy it).
    Dirty,
    /// The writer's uncommitted copy, in memory only.
    Private,
    /// The writer's uncommitted copy, also written to the WAL as a
    /// non-commit frame (spilled); free to evict.
    Spilled,
    /// A private copy being written by a commit in progress.
    Committing,
}

impl FrameState {
    /// A short name for views.
    pub fn name(self) -> &'static str {
        match self {
            FrameState::Free => "free",
            FrameState::Clean => "clean",
            FrameState::Dirty => "dirty",
            FrameState::Private => "private",
            FrameState::Spilled => "spilled",
            FrameState::Committing => "committing",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FrameMeta {
    pub key: Option<PageKey>,
    pub pins: u32,
    pub ref_bit: bool,
    pub state: FrameState,
}

/// Everything under the pool latch.
#[derive(Debug)]
pub(crate) struct PoolState {
    pub metas: Vec<FrameMeta>,
    pub table: FastMap<PageKey, usize>,
    pub hand: usize,
}

/// One frame as a teaching view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    /// Frame index.
    pub frame: usize,
    /// The page held, if any.
    pub page: Option<PageId>,
    /// The version held, if any.
    pub version: Option<PageVersion>,
    /// Pin count.
    pub pins: u32,
    /// Reference bit.
    pub ref_bit: bool,
    /// State.
    pub state: FrameState,
}

/// Every frame and the CLOCK hand, at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSnapshot {
    /// The frames, in order.
    pub frames: Vec<FrameInfo>,
    /// Where the CLOCK hand points.
    pub hand: usize,
}

/// The pool: metadata under a latch, frame buffers each under its own lock.
#[derive(Debug)]
pub(crate) struct BufferPool {
    state: Mutex<PoolState>,
    pub frames: Vec<RwLock<Box<[u8]>>>,
}

impl BufferPool {
    pub fn new(frames: usize, page_size: usize) -> BufferPool {
        let metas = vec![
            FrameMeta {
                key: None,
                pins: 0,
                ref_bit: false,
                state: FrameState::Free,
            };
            frames
        ];
        BufferPool {
            state: Mutex::new(PoolState {
                metas,
                table: FastMap::with_capacity_and_hasher(frames * 2, Default::default()),
                hand: 0,
            }),
            frames: (0..frames)
                .map(|_| RwLock::new(vec![0u8; page_size].into_boxed_slice()))
                .collect(),
        }
    }

    pub fn latch(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock()
    }

    /// Releases one pin (called by guards as they drop).
    pub fn unpin(&self, frame: usize) {
        let mut st = self.state.lock();
        if let Some(m) = st.metas.get_mut(frame) {
            m.pins = m.pins.saturating_sub(1);
        }
    }

    pub fn snapshot(&self) -> PoolSnapshot {
        let st = self.state.lock();
        PoolSnapshot {
            frames: st
                .metas
                .iter()
                .enumerate()
                .map(|(i, m)| FrameInfo {
                    frame: i,
                    page: m.key.map(|k| k.page),
                    version: m.key.map(|k| k.version),
                    pins: m.pins,
                    ref_bit: m.ref_bit,
                    state: m.state,
                })
                .collect(),
            hand: st.hand,
        }
    }
}

impl PoolState {
    /// Looks a key up; on a hit pins the frame and sets its reference bit.
    pub fn pin_if_present(&mut self, key: PageKey) -> Option<usize> {
        let i = *self.table.get(&key)?;
        let m = &mut self.metas[i];
        m.pins += 1;
        m.ref_bit = true;
        Some(i)
    }

    /// Runs the CLOCK hand to choose a victim frame: free, or unpinned with
    /// a clear reference bit. `busy` says whether a frame's buffer is locked
    /// by someone (treated like a pin). The victim is not yet evicted: it
    /// may be private and need a spill first.
    pub fn choose_victim(&mut self, busy: impl Fn(usize) -> bool) -> Result<usize> {
        let n = self.metas.len();
        for _ in 0..2 * n {
            let i = self.hand;
            self.hand = (self.hand + 1) % n;
            let m = &mut self.metas[i];
            if m.pins > 0 || busy(i) {
                continue;
            }
            if m.key.is_none() {
                return Ok(i);
            }
            if m.ref_bit {
                m.ref_bit = false;
                continue;
            }
            return Ok(i);
        }
        Err(PagerError::PoolExhausted { frames: n })
    }

    /// Empties a frame (its image must be safe to lose). Returns whether it
    /// held a page (an eviction, for the counters).
    pub fn evict(&mut self, frame: usize) -> bool {
        let m = &mut self.metas[frame];
        let had = m.key.take();
        m.state = FrameState::Free;
        m.ref_bit = false;
        if let Some(k) = had {
            if self.table.get(&k) == Some(&frame) {
                self.table.remove(&k);
            }
            true
        } else {
            false
        }
    }

    /// Gives a frame (already emptied) a key and state, pinned once.
    pub fn install(&mut self, frame: usize, key: PageKey, state: FrameState) {
        let m = &mut self.metas[frame];
        m.key = Some(key);
        m.state = state;
        m.pins = 1;
        m.ref_bit = true;
        self.table.insert(key, frame);
    }

    /// Changes a frame's key (e.g. private -> committed WAL version). If
    /// another frame already holds the new key, this frame is emptied
    /// instead (or, if pinned, detached from the table).
    pub fn rekey(&mut self, frame: usize, key: PageKey, state: FrameState) {
        if let Some(&other) = self.table.get(&key)
            && other != frame
        {
            self.drop_or_detach(frame);
            return;
        }
        if let Some(old) = self.metas[frame].key
            && self.table.get(&old) == Some(&frame)
        {
            self.table.remove(&old);
        }
        self.metas[frame].key = Some(key);
        self.metas[frame].state = state;
        self.table.insert(key, frame);
    }

    /// Removes a frame's page from the table. An unpinned frame is emptied;
    /// a pinned one keeps its image for the guard that holds it, and will
    /// be chosen as a victim once unpinned (its key is cleared).
    pub fn drop_or_detach(&mut self, frame: usize) {
        if let Some(k) = self.metas[frame].key
            && self.table.get(&k) == Some(&frame)
        {
            self.table.remove(&k);
        }
        let m = &mut self.metas[frame];
        m.key = None;
        m.state = FrameState::Free;
        m.ref_bit = false;
    }

    /// Frames in a given state.
    pub fn frames_in(&self, state: FrameState) -> Vec<usize> {
        (0..self.metas.len())
            .filter(|&i| self.metas[i].state == state && self.metas[i].key.is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(page: PageId) -> PageKey {
        PageKey {
            page,
            version: PageVersion::Base,
        }
    }

    #[test]
    fn clock_gives_referenced_frames_a_second_chance() {
        let pool = BufferPool::new(3, 1024);
        let mut st = pool.latch();
        for p in 1..=3 {
            let f = st.choose_victim(|_| false).expect("free frame");
            st.install(f, key(p), FrameState::Clean);
            st.metas[f].pins = 0;
        }
        // All three have their reference bit set; touch page 1 again after
        // the first sweep clears the bits.
        let v = st.choose_victim(|_| false).expect("victim");
        assert_eq!(
            st.metas[v].key,
            Some(key(1)),
            "first turn clears, second picks frame 0"
        );
        st.metas[1].ref_bit = true; // page 2 used again
        let v2 = {
            st.evict(v);
            st.install(v, key(4), FrameState::Clean);
            st.metas[v].pins = 0;
            st.choose_victim(|_| false).expect("victim")
        };
        assert_eq!(
            st.metas[v2].key,
            Some(key(3)),
            "page 2 was referenced, page 3 was not"
        );
    }

    #[test]
    fn all_pinned_is_pool_exhausted() {
        let pool = BufferPool::new(2, 1024);
        let mut st = pool.latch();
        for p in 1..=2 {
            let f = st.choose_victim(|_| false).expect("free frame");
            st.install(f, key(p), FrameState::Clean);
        }
        assert!(matches!(
            st.choose_victim(|_| false),
            Err(PagerError::PoolExhausted { frames: 2 })
        ));
    }
}
