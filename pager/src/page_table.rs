//! The buffer pool's page table: which frame holds which page version.
//!
//! Every page fetch asks it, so it is built for that one question. It is an
//! open-addressing hash table with linear probing, sized once from the
//! number of frames (the next power of two at least twice as many slots as
//! frames, so it is never more than half full) and never resized: its
//! memory depends on the pool, never on the database.
//!
//! * A slot holds a page number and a frame index (or nothing). The home
//!   slot of page `p` is a multiplicative hash of `p` alone, so every
//!   version of a page (the main file's, WAL frames', the writer's private
//!   copy) lies in the same probe run, and a lookup compares the page
//!   number in the slot before it looks at the frame's full key.
//! * A lookup probes from the home slot to the first empty slot. With at
//!   most half the slots used and page numbers hashed by a multiply, that is
//!   one or two slots.
//! * A removal shifts the following entries of the run back (backward-shift
//!   deletion), so there are no tombstones and runs stay short however long
//!   the pool lives.
//! * Each frame is listed under at most one key; [`PageTable::key_of`] says
//!   which.
//!
//! The table is a plain structure under the pool latch (see `pool`); it
//! does no locking of its own.

use crate::page::PageId;
use crate::pool::PageKey;

/// An empty slot (frame indices are stored plus one).
const EMPTY: u32 = 0;

/// One slot: a page number and 1 + the frame holding a version of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    page: PageId,
    frame: u32,
}

/// Page version -> frame.
#[derive(Debug)]
pub(crate) struct PageTable {
    slots: Vec<Slot>,
    /// `slots.len() - 1` (a power of two minus one).
    mask: usize,
    /// `32 - log2(slots.len())`: a hash's high bits pick the home slot.
    shift: u32,
    /// For each frame, the key it is listed under.
    keys: Vec<Option<PageKey>>,
    len: usize,
}

impl PageTable {
    /// A table for a pool of `frames` frames.
    pub fn new(frames: usize) -> PageTable {
        let size = (frames.max(1) * 2).next_power_of_two();
        PageTable {
            slots: vec![
                Slot {
                    page: 0,
                    frame: EMPTY,
                };
                size
            ],
            mask: size - 1,
            shift: 32 - size.trailing_zeros().min(32),
            keys: vec![None; frames],
            len: 0,
        }
    }

    /// The home slot of a page: Fibonacci hashing (multiply by 2^32 / the
    /// golden ratio, keep the high bits), which spreads consecutive page
    /// numbers evenly.
    #[inline]
    fn home(&self, page: PageId) -> usize {
        (page.wrapping_mul(0x9E37_79B9) >> self.shift) as usize & self.mask
    }

    /// The slot holding `key`, if any.
    #[inline]
    fn find(&self, key: PageKey) -> Option<usize> {
        let mut i = self.home(key.page);
        loop {
            let s = self.slots[i];
            if s.frame == EMPTY {
                return None;
            }
            if s.page == key.page && self.keys[(s.frame - 1) as usize] == Some(key) {
                return Some(i);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The frame listed under `key`.
    #[inline]
    pub fn get(&self, key: PageKey) -> Option<usize> {
        self.find(key).map(|i| (self.slots[i].frame - 1) as usize)
    }

    /// Whether some frame is listed under `key`.
    pub fn contains(&self, key: PageKey) -> bool {
        self.find(key).is_some()
    }

    /// The key `frame` is listed under, if it is listed.
    #[cfg(test)]
    pub fn key_of(&self, frame: usize) -> Option<PageKey> {
        self.keys.get(frame).copied().flatten()
    }

    /// Lists `frame` under `key`. A frame already listed under `key` is
    /// unlisted and returned; `frame`'s own earlier listing, if any, is
    /// removed first.
    pub fn insert(&mut self, key: PageKey, frame: usize) -> Option<usize> {
        self.remove(frame);
        let displaced = self.get(key);
        if let Some(other) = displaced {
            self.remove(other);
        }
        let mut i = self.home(key.page);
        while self.slots[i].frame != EMPTY {
            i = (i + 1) & self.mask;
        }
        self.slots[i] = Slot {
            page: key.page,
            frame: frame as u32 + 1,
        };
        self.keys[frame] = Some(key);
        self.len += 1;
        displaced
    }

    /// Unlists `frame`; returns the key it was listed under.
    pub fn remove(&mut self, frame: usize) -> Option<PageKey> {
        let key = self.keys.get(frame).copied().flatten()?;
        let Some(mut hole) = self.find(key) else {
            // Unreachable while the table is consistent; forget the key
            // rather than leave it half listed.
            self.keys[frame] = None;
            return Some(key);
        };
        self.keys[frame] = None;
        self.len -= 1;
        // Backward-shift deletion: move later entries of the run into the
        // hole if their home slot does not lie after the hole (cyclically).
        let mut j = hole;
        loop {
            j = (j + 1) & self.mask;
            let s = self.slots[j];
            if s.frame == EMPTY {
                break;
            }
            let home = self.home(s.page);
            // Distance from the entry's home to where it sits, and from the
            // hole to where it sits: it may move into the hole only if the
            // hole is not before its home.
            let from_home = j.wrapping_sub(home) & self.mask;
            let from_hole = j.wrapping_sub(hole) & self.mask;
            if from_home >= from_hole {
                self.slots[hole] = s;
                hole = j;
            }
        }
        self.slots[hole] = Slot {
            page: 0,
            frame: EMPTY,
        };
        Some(key)
    }

    /// How many frames are listed.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::PageVersion;
    use crate::rng::SplitMix64;
    use std::collections::HashMap;

    fn key(page: PageId, v: u8) -> PageKey {
        let version = match v % 3 {
            0 => PageVersion::Base,
            1 => PageVersion::Wal(u64::from(v)),
            _ => PageVersion::Private,
        };
        PageKey { page, version }
    }

    /// The table against a model (a map each way), under random inserts,
    /// re-listings and removals, with few distinct pages (so many versions
    /// of a page share a run) and with spread-out ones.
    #[test]
    fn page_table_matches_a_model() {
        for (seed, frames, pages) in [(1, 8, 5), (2, 64, 40), (3, 64, 1 << 30), (4, 3, 2)] {
            let mut rng = SplitMix64::new(seed);
            let mut t = PageTable::new(frames);
            let mut by_key: HashMap<PageKey, usize> = HashMap::new();
            let mut by_frame: HashMap<usize, PageKey> = HashMap::new();
            for step in 0..20_000 {
                let frame = (rng.next_u64() % frames as u64) as usize;
                let k = key(
                    (rng.next_u64() % pages) as PageId + 1,
                    (rng.next_u64() % 6) as u8,
                );
                if rng.chance(1, 3) {
                    let was = t.remove(frame);
                    assert_eq!(was, by_frame.remove(&frame), "step {step}");
                    if let Some(w) = was {
                        by_key.remove(&w);
                    }
                } else {
                    if let Some(old) = by_frame.remove(&frame) {
                        by_key.remove(&old);
                    }
                    let displaced = by_key.insert(k, frame);
                    if let Some(d) = displaced {
                        by_frame.remove(&d);
                    }
                    by_frame.insert(frame, k);
                    assert_eq!(t.insert(k, frame), displaced, "step {step}");
                }
                assert_eq!(t.len(), by_key.len(), "step {step}");
                for f in 0..frames {
                    assert_eq!(t.key_of(f), by_frame.get(&f).copied(), "step {step}");
                }
                for (&k, &f) in &by_key {
                    assert_eq!(t.get(k), Some(f), "step {step}: {k:?}");
                }
                assert_eq!(t.get(k).is_some(), by_key.contains_key(&k));
            }
        }
    }

    #[test]
    fn every_version_of_a_page_is_found() {
        let mut t = PageTable::new(4);
        t.insert(key(7, 0), 0);
        t.insert(key(7, 1), 1);
        t.insert(key(7, 2), 2);
        assert_eq!(t.get(key(7, 1)), Some(1));
        assert_eq!(t.remove(0), Some(key(7, 0)));
        assert_eq!(t.get(key(7, 0)), None);
        assert_eq!(t.get(key(7, 2)), Some(2));
        assert!(t.contains(key(7, 1)));
        assert_eq!(t.insert(key(7, 2), 3), Some(2), "re-listing displaces");
        assert_eq!(t.key_of(2), None);
        assert_eq!(t.get(key(7, 2)), Some(3));
    }
}
