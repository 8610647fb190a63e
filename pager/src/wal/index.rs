//! The WAL index: for each page, the WAL frames that hold a version of it.
//!
//! Frames are named by *global sequence numbers*: frame `n` of the current
//! WAL generation has sequence `base + n`, where `base` is the number of
//! frames in all earlier generations. A reader's snapshot is a sequence
//! number `s`; it reads page `p` from the newest frame of `p` with sequence
//! `<= s`, or from the main file if there is none. Sequences only grow, so a
//! snapshot taken before a WAL reset stays meaningful after it: none of the
//! new generation's frames are visible to it (they are all `> s`), and the
//! reset only happened because the main file already held everything `s`
//! could see.
//!
//! The index lives in memory only. Recovery rebuilds it from the WAL on open.
//! It is kept under the pool latch (see `pool`), not under the WAL's own
//! state lock.
//!
//! Most of the time most pages have no frame (and right after a checkpoint
//! resets the WAL, none has): [`WalIndex::lookup`] answers that from the
//! map's emptiness, or from one probe of a map keyed by page number. A
//! reader whose snapshot predates every frame in the WAL does not ask at
//! all (see `read_txn`).

use crate::fast_hash::FastMap;
use crate::page::PageId;

/// page -> ascending list of frame sequence numbers.
#[derive(Debug, Default, Clone)]
pub(crate) struct WalIndex {
    map: FastMap<PageId, Vec<u64>>,
}

impl WalIndex {
    /// Records that frame `seq` holds `page`. Sequences must be appended in
    /// increasing order.
    pub fn insert(&mut self, page: PageId, seq: u64) {
        self.map.entry(page).or_default().push(seq);
    }

    /// The newest frame of `page` with sequence `<= upto`.
    #[inline]
    pub fn lookup(&self, page: PageId, upto: u64) -> Option<u64> {
        if self.map.is_empty() {
            return None;
        }
        let seqs = self.map.get(&page)?;
        let n = seqs.partition_point(|&s| s <= upto);
        n.checked_sub(1).map(|i| seqs[i])
    }

    /// Forgets every frame with sequence `> seq` (rollback).
    pub fn truncate_after(&mut self, seq: u64) {
        self.map.retain(|_, seqs| {
            let keep = seqs.partition_point(|&s| s <= seq);
            seqs.truncate(keep);
            !seqs.is_empty()
        });
    }

    /// Forgets everything (WAL reset).
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// For every page whose newest frame `<= upto` is `> after`: that page
    /// and frame, sorted by page. This is a checkpoint's work list.
    pub fn newest_between(&self, after: u64, upto: u64) -> Vec<(PageId, u64)> {
        let mut out: Vec<(PageId, u64)> = self
            .map
            .iter()
            .filter_map(|(&p, _)| self.lookup(p, upto).filter(|&s| s > after).map(|s| (p, s)))
            .collect();
        out.sort_unstable();
        out
    }

    /// Number of distinct pages with frames.
    pub fn pages(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_sees_only_frames_at_or_below_the_snapshot() {
        let mut ix = WalIndex::default();
        ix.insert(7, 3);
        ix.insert(2, 4);
        ix.insert(7, 9);
        assert_eq!(ix.lookup(7, 2), None);
        assert_eq!(ix.lookup(7, 3), Some(3));
        assert_eq!(ix.lookup(7, 8), Some(3));
        assert_eq!(ix.lookup(7, 100), Some(9));
        assert_eq!(ix.newest_between(0, 5), vec![(2, 4), (7, 3)]);
        assert_eq!(ix.newest_between(4, 10), vec![(7, 9)]);
        ix.truncate_after(5);
        assert_eq!(ix.lookup(7, 100), Some(3));
        assert_eq!(ix.pages(), 2);
        ix.truncate_after(3);
        assert_eq!(ix.pages(), 1);
    }
}
