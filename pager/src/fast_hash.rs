//! A fast hasher for the pager's own small integer keys.
//!
//! The WAL index is a hash map keyed by page numbers, looked up on page
//! accesses while the WAL holds frames, and the active readers are a map
//! keyed by reader id. (The buffer pool's page table, once such a map too,
//! is now a table of its own: see `page_table`.) The standard library's
//! default hasher, SipHash, is built to resist
//! attackers who choose keys, and costs accordingly; these keys come from
//! the pager itself, never from a user, so a multiply-and-rotate hash in
//! the style of rustc's `FxHasher` is enough. (The profile of point
//! lookups showed the two SipHash lookups per page fetch at 16% of the
//! instructions.)
//!
//! Each `write_*` folds the value into the state: rotate, xor, multiply
//! by an odd constant with well-mixed bits.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The multiplier (from rustc's FxHasher: 2^64 / the golden ratio, odd).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Multiply-rotate hasher for integer keys.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` using [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_keys_hash_apart_and_equal_keys_alike() {
        let h = |x: u32| {
            let mut s = FastHasher::default();
            s.write_u32(x);
            s.finish()
        };
        assert_eq!(h(7), h(7));
        let mut seen: Vec<u64> = (0..1000).map(h).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn a_fast_map_is_a_map() {
        let mut m: FastMap<u32, &str> = FastMap::default();
        m.insert(1, "one");
        m.insert(2, "two");
        assert_eq!(m.get(&1), Some(&"one"));
        assert_eq!(m.remove(&2), Some("two"));
        assert_eq!(m.len(), 1);
    }
}
