//! Slotted pages: how a B+Tree node lays out its cells inside a page body.
//!
//! The pager gives every page a 24-byte header (checksum, type, id, LSN);
//! the *body* after it belongs to the tree. All offsets below are relative
//! to the start of the body, all integers big-endian.
//!
//! ```text
//! body offset
//!  0      2   n: number of cells
//!  2      2   content start: where the cell content area begins
//!  4      2   fragmented bytes: holes inside the content area left by
//!             removed cells (reclaimed by compaction)
//!  6      2   reserved (zero)
//!  8      4   right pointer: interior: the rightmost child;
//!             leaf: the right sibling (0 = none)
//! 12      4   left pointer: leaf: the left sibling (0 = none);
//!             interior: 0
//! 16    2*n   cell pointers: body offsets of the cells, in key order
//!  .          free space
//!  .          cell content area: cells, packed from the end of the page
//!             towards the front, in no particular order
//! ```
//!
//! The pointer array grows forwards and the content area backwards; the
//! page is full when they meet. Inserting a cell in the middle moves only
//! pointers (two bytes per cell), never cells, and a lookup binary-searches
//! the pointer array, decoding only the keys it compares. It compares the
//! last key first: a key inserted in increasing order (the common bulk
//! load) goes past it, and that one comparison settles it.
//!
//! Whether a node is a leaf or an interior node is the page type in the
//! pager's header ([`PageType::BTreeLeaf`] / [`PageType::BTreeInterior`]);
//! the cell formats are in [`crate::cell`].

use crate::cell;
use walnut_pager::PageType;

/// Size of the node header at the start of the body.
pub const NODE_HEADER: usize = 16;

const NCELLS: usize = 0;
const CONTENT: usize = 2;
const FRAG: usize = 4;
const RIGHT: usize = 8;
const LEFT: usize = 12;

/// Node kind, from the page type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Keys and values.
    Leaf,
    /// Separator keys and child pointers.
    Interior,
}

impl Kind {
    /// The page type of a node of this kind.
    pub fn page_type(self) -> PageType {
        match self {
            Kind::Leaf => PageType::BTreeLeaf,
            Kind::Interior => PageType::BTreeInterior,
        }
    }

    /// The kind of a page type, if it is a tree page.
    pub fn of(t: Option<PageType>) -> Option<Kind> {
        match t {
            Some(PageType::BTreeLeaf) => Some(Kind::Leaf),
            Some(PageType::BTreeInterior) => Some(Kind::Interior),
            _ => None,
        }
    }
}

// Accessors never panic, even on a damaged page that passed its checksum:
// out-of-range reads yield 0 or an empty slice, which the integrity check
// then reports as a structural problem.
fn get16(b: &[u8], at: usize) -> usize {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_be_bytes([s[0], s[1]]) as usize)
}

fn put16(b: &mut [u8], at: usize, v: usize) {
    b[at..at + 2].copy_from_slice(&(v as u16).to_be_bytes());
}

pub(crate) fn get32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

pub(crate) fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Prepares an empty node in a page body.
pub fn init(body: &mut [u8]) {
    body[..NODE_HEADER].fill(0);
    let len = body.len();
    put16(body, CONTENT, len);
}

/// Number of cells.
pub fn ncells(body: &[u8]) -> usize {
    get16(body, NCELLS).min(body.len().saturating_sub(NODE_HEADER) / 2)
}

/// The cell count as stored, before [`ncells`] clamps it to what the page
/// could hold (for the integrity check).
pub fn stored_ncells(body: &[u8]) -> usize {
    get16(body, NCELLS)
}

/// The right pointer (rightmost child, or right sibling of a leaf).
pub fn right(body: &[u8]) -> u32 {
    get32(body, RIGHT)
}

/// Sets the right pointer.
pub fn set_right(body: &mut [u8], v: u32) {
    put32(body, RIGHT, v);
}

/// The left sibling of a leaf.
pub fn left(body: &[u8]) -> u32 {
    get32(body, LEFT)
}

/// Sets the left sibling of a leaf.
pub fn set_left(body: &mut [u8], v: u32) {
    put32(body, LEFT, v);
}

/// The stored content-start offset.
pub fn content_start(body: &[u8]) -> usize {
    get16(body, CONTENT)
}

/// The stored count of fragmented bytes.
pub fn fragmented(body: &[u8]) -> usize {
    get16(body, FRAG)
}

/// Body offset of cell `i`.
pub fn cell_offset(body: &[u8], i: usize) -> usize {
    get16(body, NODE_HEADER + 2 * i)
}

/// The body from cell `i`'s first byte on: enough to decode the cell
/// (a cell's own varints say where it ends) without first measuring it.
pub fn cell_from(body: &[u8], i: usize) -> &[u8] {
    body.get(cell_offset(body, i)..).unwrap_or(&[])
}

/// The bytes of cell `i`.
pub fn cell(body: &[u8], kind: Kind, i: usize) -> &[u8] {
    let rest = body.get(cell_offset(body, i)..).unwrap_or(&[]);
    let len = cell::cell_len(rest, kind, body.len()).min(rest.len());
    &rest[..len]
}

/// The key of cell `i`.
pub fn key(body: &[u8], kind: Kind, i: usize) -> &[u8] {
    cell::key_of(body.get(cell_offset(body, i)..).unwrap_or(&[]), kind)
}

/// Free bytes: the gap between pointers and content, plus fragments.
pub fn free_space(body: &[u8]) -> usize {
    let gap = content_start(body).saturating_sub(NODE_HEADER + 2 * ncells(body));
    gap + fragmented(body)
}

/// Bytes used by cells and their pointers.
pub fn used_space(body: &[u8]) -> usize {
    body.len()
        .saturating_sub(NODE_HEADER)
        .saturating_sub(free_space(body))
}

/// Bytes available for cells and pointers in an empty node.
pub fn capacity(body_len: usize) -> usize {
    body_len - NODE_HEADER
}

/// Byte order of two keys, as `a.cmp(b)`. A table's keys are 8-byte
/// big-endian rowids, whose byte order is their order as unsigned
/// integers: two of them are compared in one instruction instead of a
/// `memcmp` call.
#[inline]
pub fn key_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    match (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
        (Ok(x), Ok(y)) => u64::from_be_bytes(x).cmp(&u64::from_be_bytes(y)),
        _ => a.cmp(b),
    }
}

/// Binary search for `key`: `Ok(i)` if cell `i` holds it, else `Err(i)`
/// where it would be inserted.
pub fn search(body: &[u8], kind: Kind, target: &[u8]) -> Result<usize, usize> {
    if let (Kind::Leaf, Ok(t)) = (kind, <[u8; 8]>::try_from(target)) {
        return search_8_byte_leaf_key(body, u64::from_be_bytes(t), target);
    }
    search_by(ncells(body), |i| key_cmp(key(body, kind, i), target))
}

/// The binary search of [`search`] over `n` cells, `cmp(i)` comparing cell
/// `i`'s key with the target.
#[inline]
fn search_by(n: usize, cmp: impl Fn(usize) -> std::cmp::Ordering) -> Result<usize, usize> {
    // Keys inserted in increasing order go past the last one: one
    // comparison settles them (and costs a random key one more).
    if n > 0 && cmp(n - 1).is_lt() {
        return Err(n);
    }
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match cmp(mid) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

/// [`search`] of a leaf for an 8-byte key (a table's rowid): a leaf cell
/// holding an 8-byte key with a value length of one or two varint bytes
/// has the key at a fixed place (length byte 8, the value length, the
/// key), read as one big-endian integer; any other cell is compared as
/// bytes.
fn search_8_byte_leaf_key(body: &[u8], target: u64, bytes: &[u8]) -> Result<usize, usize> {
    let cmp = |i: usize| -> std::cmp::Ordering {
        let c = body.get(cell_offset(body, i)..).unwrap_or(&[]);
        let at = match c {
            [8, v, ..] if *v < 0x80 => 2,
            [8, _, v, ..] if *v < 0x80 => 3,
            _ => return key_cmp(key(body, Kind::Leaf, i), bytes),
        };
        match c.get(at..at + 8).map(<[u8; 8]>::try_from) {
            Some(Ok(k)) => u64::from_be_bytes(k).cmp(&target),
            _ => key_cmp(key(body, Kind::Leaf, i), bytes),
        }
    };
    search_by(ncells(body), cmp)
}

/// For an interior node: the slot (0..=n) of the child that covers
/// `target` (cell `i`'s child holds keys `< key i`; the right pointer holds
/// keys `>=` the last key).
pub fn child_slot(body: &[u8], target: &[u8]) -> usize {
    if let Ok(t) = <[u8; 8]>::try_from(target) {
        return child_slot_of_8_byte_key(body, u64::from_be_bytes(t), target);
    }
    let n = ncells(body);
    // As in `search`: an appended key goes right after one comparison.
    if n > 0 && key_cmp(key(body, Kind::Interior, n - 1), target).is_le() {
        return n;
    }
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if key_cmp(key(body, Kind::Interior, mid), target).is_le() {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// [`child_slot`] for an 8-byte key (a table's rowid): an interior cell
/// holding an 8-byte key has it at a fixed place (child, length byte 8,
/// key), read as one big-endian integer; a cell with a key of another
/// length is compared as bytes.
fn child_slot_of_8_byte_key(body: &[u8], target: u64, bytes: &[u8]) -> usize {
    let at_or_below = |i: usize| -> bool {
        let off = cell_offset(body, i);
        match body.get(off + 4..off + 13) {
            Some([8, k @ ..]) => {
                let k: [u8; 8] = [k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]];
                u64::from_be_bytes(k) <= target
            }
            _ => key_cmp(key(body, Kind::Interior, i), bytes).is_le(),
        }
    };
    let n = ncells(body);
    if n > 0 && at_or_below(n - 1) {
        return n;
    }
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if at_or_below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The child page at `slot` of an interior node.
pub fn child_at(body: &[u8], slot: usize) -> u32 {
    if slot < ncells(body) {
        cell::interior_child(cell(body, Kind::Interior, slot))
    } else {
        right(body)
    }
}

/// Points `slot` of an interior node at `child`.
pub fn set_child_at(body: &mut [u8], slot: usize, child: u32) {
    if slot < ncells(body) {
        let off = cell_offset(body, slot);
        if off + 4 <= body.len() {
            put32(body, off, child);
        }
    } else {
        set_right(body, child);
    }
}

/// Inserts `c` as cell `i`. Returns `false` (changing nothing) if the
/// node has no room even after compaction.
pub fn insert_cell(body: &mut [u8], kind: Kind, i: usize, c: &[u8]) -> bool {
    let need = c.len() + 2;
    if free_space(body) < need {
        return false;
    }
    let n = ncells(body);
    let ptr_end = NODE_HEADER + 2 * n;
    if content_start(body) > body.len() || content_start(body) < ptr_end + need {
        compact(body, kind);
        if content_start(body) < ptr_end + need {
            return false;
        }
    }
    let start = content_start(body) - c.len();
    body[start..start + c.len()].copy_from_slice(c);
    put16(body, CONTENT, start);
    let at = NODE_HEADER + 2 * i;
    body.copy_within(at..ptr_end, at + 2);
    put16(body, at, start);
    put16(body, NCELLS, n + 1);
    true
}

/// The free bytes between the pointer array and the content area: what
/// [`append_in_gap`] can use without compacting.
pub fn gap(body: &[u8]) -> usize {
    let start = content_start(body);
    if start > body.len() {
        return 0;
    }
    start.saturating_sub(NODE_HEADER + 2 * ncells(body))
}

/// Adds cell `c` after the last cell, as [`insert_cell`] would, if it fits
/// in the [`gap`]; otherwise changes nothing and returns false. It writes
/// only the node header and bytes of the gap (the new pointer, the new
/// cell), never a byte in use: the promise of
/// [`walnut_pager::WriteTxn::page_mut_head`] with the page and node
/// headers as the head.
pub fn append_in_gap(body: &mut [u8], c: &[u8]) -> bool {
    append_in_gap_with(body, c.len(), |to| to.copy_from_slice(c))
}

/// [`append_in_gap`] for a cell of `len` bytes that `write` writes in
/// place (into a slice of exactly `len` bytes), so that it needs no
/// buffer of its own.
pub fn append_in_gap_with(body: &mut [u8], len: usize, write: impl FnOnce(&mut [u8])) -> bool {
    if gap(body) < len + 2 {
        return false;
    }
    let n = ncells(body);
    let start = content_start(body) - len;
    write(&mut body[start..start + len]);
    put16(body, CONTENT, start);
    put16(body, NODE_HEADER + 2 * n, start);
    put16(body, NCELLS, n + 1);
    true
}

/// Removes cell `i` (its bytes become a fragment).
pub fn remove_cell(body: &mut [u8], kind: Kind, i: usize) {
    let n = ncells(body);
    if i >= n {
        return;
    }
    let off = cell_offset(body, i);
    let len = cell(body, kind, i).len();
    let at = NODE_HEADER + 2 * i;
    body.copy_within(at + 2..NODE_HEADER + 2 * n, at);
    put16(body, NCELLS, n - 1);
    if off == content_start(body) {
        put16(body, CONTENT, off + len);
    } else {
        let frag = fragmented(body) + len;
        put16(body, FRAG, frag);
    }
    if n == 1 {
        let len = body.len();
        put16(body, CONTENT, len);
        put16(body, FRAG, 0);
    }
}

/// Rewrites the content area without holes.
pub fn compact(body: &mut [u8], kind: Kind) {
    let cells: Vec<Vec<u8>> = (0..ncells(body))
        .map(|i| cell(body, kind, i).to_vec())
        .collect();
    let (r, l) = (right(body), left(body));
    // A damaged node whose cells do not fit stays as it is; the caller
    // then finds no room and splits, which reports the damage.
    if write_cells(body, kind, &cells) {
        set_right(body, r);
        set_left(body, l);
    }
}

/// Replaces the whole node's cells (keeping nothing else: the caller sets
/// the pointers). Returns `false`, changing nothing, if they do not fit:
/// cells read from a damaged node (a wrong cell count or cell pointers)
/// may not.
#[must_use]
pub fn write_cells(body: &mut [u8], _kind: Kind, cells: &[Vec<u8>]) -> bool {
    if !fits(body.len(), cells) {
        return false;
    }
    init(body);
    let mut start = body.len();
    for (i, c) in cells.iter().enumerate() {
        start -= c.len();
        body[start..start + c.len()].copy_from_slice(c);
        put16(body, NODE_HEADER + 2 * i, start);
    }
    put16(body, CONTENT, start);
    put16(body, NCELLS, cells.len());
    true
}

/// All cells, copied.
pub fn cells(body: &[u8], kind: Kind) -> Vec<Vec<u8>> {
    (0..ncells(body))
        .map(|i| cell(body, kind, i).to_vec())
        .collect()
}

/// Whether cells of these sizes fit in one node.
pub fn fits(body_len: usize, cells: &[Vec<u8>]) -> bool {
    cells.iter().map(|c| c.len() + 2).sum::<usize>() <= capacity(body_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{Layout, leaf_cell_inline};

    proptest::proptest! {
        /// The integer comparison of 8-byte keys is exactly byte order.
        #[test]
        fn key_cmp_is_byte_order(
            a in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
            b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12),
            x in proptest::prelude::any::<u64>(),
            y in proptest::prelude::any::<u64>(),
        ) {
            proptest::prop_assert_eq!(key_cmp(&a, &b), a.cmp(&b));
            let (x, y) = (x.to_be_bytes(), y.to_be_bytes());
            proptest::prop_assert_eq!(key_cmp(&x, &y), x.cmp(&y));
            // Sharing a prefix, so that a wrong byte order shows.
            let mut z = x;
            z[7] = y[0];
            proptest::prop_assert_eq!(key_cmp(&x, &z), x.cmp(&z));
        }
    }

    proptest::proptest! {
        /// The 8-byte-key descent picks the child the byte-order search
        /// picks, in nodes mixing 8-byte keys with shorter and longer ones.
        #[test]
        fn an_8_byte_key_descends_as_byte_order_says(
            keys in proptest::collection::btree_set(
                proptest::collection::vec(proptest::prelude::any::<u8>(), 6..10), 0..40),
            targets in proptest::collection::vec(proptest::prelude::any::<u64>(), 1..20),
        ) {
            let mut body = vec![0u8; 4000];
            init(&mut body);
            for (i, k) in keys.iter().enumerate() {
                proptest::prop_assert!(insert_cell(&mut body, Kind::Interior, i, &cell::interior_cell(7, k)));
            }
            // Targets between, equal to and around the stored keys.
            let near = keys.iter().filter(|k| k.len() == 8).map(|k| {
                u64::from_be_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]])
            });
            for t in targets.into_iter().chain(near.flat_map(|k| [k.wrapping_sub(1), k, k.wrapping_add(1)])) {
                let t = t.to_be_bytes();
                let want = keys.iter().filter(|k| k.as_slice() <= t.as_slice()).count();
                proptest::prop_assert_eq!(child_slot(&body, &t), want);
            }
        }
    }

    proptest::proptest! {
        /// The 8-byte-key leaf search finds what the byte-order search
        /// finds, in leaves mixing 8-byte keys with shorter and longer ones
        /// and values whose lengths take one, two or three varint bytes
        /// (the last one overflowing).
        #[test]
        fn an_8_byte_key_is_found_as_byte_order_says(
            keys in proptest::collection::btree_map(
                proptest::collection::vec(proptest::prelude::any::<u8>(), 6..10),
                proptest::prop_oneof![0u64..127, 128u64..1000, 16384u64..70000],
                0..30),
            targets in proptest::collection::vec(proptest::prelude::any::<u64>(), 1..20),
        ) {
            let mut body = vec![0u8; 4000];
            init(&mut body);
            for (i, (k, &vlen)) in keys.iter().enumerate() {
                let local = vec![b'v'; (vlen as usize).min(40)];
                let c = cell::leaf_cell(k, vlen, &local, u32::from(vlen > 40));
                proptest::prop_assert!(insert_cell(&mut body, Kind::Leaf, i, &c));
            }
            let sorted: Vec<&Vec<u8>> = keys.keys().collect();
            let near = keys.keys().filter(|k| k.len() == 8).map(|k| {
                u64::from_be_bytes([k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]])
            });
            for t in targets.into_iter().chain(near.flat_map(|k| [k.wrapping_sub(1), k, k.wrapping_add(1)])) {
                let t = t.to_be_bytes();
                let want = sorted.binary_search_by(|k| k.as_slice().cmp(t.as_slice()));
                proptest::prop_assert_eq!(search(&body, Kind::Leaf, &t), want);
            }
        }
    }

    #[test]
    fn insert_search_remove_and_compact() {
        let mut body = vec![0u8; 1000];
        init(&mut body);
        let layout = Layout::new(1000);
        for k in [b"m".as_slice(), b"c", b"x", b"a"] {
            let c = leaf_cell_inline(k, b"value", &layout);
            let i = search(&body, Kind::Leaf, k).expect_err("new key");
            assert!(insert_cell(&mut body, Kind::Leaf, i, &c));
        }
        let keys: Vec<&[u8]> = (0..4).map(|i| key(&body, Kind::Leaf, i)).collect();
        assert_eq!(keys, vec![b"a".as_slice(), b"c", b"m", b"x"]);
        assert_eq!(search(&body, Kind::Leaf, b"m"), Ok(2));
        assert_eq!(search(&body, Kind::Leaf, b"n"), Err(3));
        let before = free_space(&body);
        remove_cell(&mut body, Kind::Leaf, 1);
        assert_eq!(ncells(&body), 3);
        assert_eq!(free_space(&body), before + 2 + 8);
        compact(&mut body, Kind::Leaf);
        assert_eq!(fragmented(&body), 0);
        assert_eq!(free_space(&body), before + 2 + 8);
        assert_eq!(key(&body, Kind::Leaf, 1), b"m");
    }

    #[test]
    fn a_full_node_refuses_a_cell() {
        let mut body = vec![0u8; 200];
        init(&mut body);
        let layout = Layout::new(200);
        let mut n = 0;
        loop {
            let k = format!("key{n:04}");
            let c = leaf_cell_inline(k.as_bytes(), b"0123456789", &layout);
            if !insert_cell(&mut body, Kind::Leaf, n, &c) {
                break;
            }
            n += 1;
        }
        assert!(n >= 4);
        assert!(free_space(&body) < 2 + 19);
    }
}
