//! Cells: the records inside a node, and the size rules that keep fan-out.
//!
//! ## Leaf cell
//!
//! ```text
//! varint key length | varint value length | key | local value bytes | [overflow page: u32]
//! ```
//!
//! ## Interior cell
//!
//! ```text
//! child page: u32 | varint key length | key
//! ```
//!
//! The child of an interior cell holds the keys *less than* its key; the
//! node's right pointer holds the keys greater than or equal to its last
//! key. Varints are unsigned LEB128 (7 bits a byte, low bits first).
//!
//! ## Size rules
//!
//! A node must hold at least four cells, or the tree degenerates into a
//! list. So no cell may exceed `max_cell = (body - 16) / 4 - 2` bytes (the
//! 2 is its pointer). Keys are limited to `max_key = max_cell - 32` bytes
//! (980 bytes with 4096-byte pages, 212 with 1024): a longer key is refused
//! with [`crate::BTreeError::KeyTooLarge`] rather than overflowed, because
//! keys are compared on every descent and a key split across pages would
//! make each comparison a chain walk. Values of any size are accepted: if
//! the whole cell would exceed `max_cell`, the value keeps as many bytes
//! inline as fit (the *local* part) and the rest goes to an overflow chain
//! ([`crate::overflow`]) whose first page ends the cell.

use crate::node::{Kind, NODE_HEADER, get32};

/// The size limits for one page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Bytes of the page body (page size - 24).
    pub body_len: usize,
    /// Largest cell, pointer excluded.
    pub max_cell: usize,
    /// Largest key.
    pub max_key: usize,
    /// Value bytes one overflow page holds.
    pub overflow_data: usize,
}

impl Layout {
    /// The layout for a page body of `body_len` bytes.
    pub fn new(body_len: usize) -> Layout {
        let max_cell = (body_len - NODE_HEADER) / 4 - 2;
        Layout {
            body_len,
            max_cell,
            max_key: max_cell - 32,
            overflow_data: body_len - crate::overflow::OVERFLOW_HEADER,
        }
    }
}

/// Appends `v` as a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads a varint; returns (value, bytes used). Malformed input (too long,
/// or cut short) reads as what was decoded so far, never panics.
#[inline]
pub fn get_varint(b: &[u8]) -> (u64, usize) {
    // A key or value length under 128, the commonest case, is one byte.
    match b.first() {
        Some(&byte) if byte < 0x80 => (u64::from(byte), 1),
        _ => get_long_varint(b),
    }
}

fn get_long_varint(b: &[u8]) -> (u64, usize) {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= ((byte & 0x7f) as u64) << (7 * i);
        if byte & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    (v, b.len().min(10))
}

/// Bytes a varint of `v` takes.
pub fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// How many value bytes a leaf cell keeps inline.
///
/// Lengths come from disk, so the arithmetic saturates: an absurd stored
/// length gives a nonsense answer (which the integrity check reports), not
/// an overflow.
pub fn local_len(key_len: usize, value_len: u64, layout: &Layout) -> usize {
    let fixed = (varint_len(key_len as u64) + varint_len(value_len)).saturating_add(key_len);
    local_len_after(fixed, value_len, layout)
}

/// [`local_len`] given the bytes before the value (the two varints and
/// the key): all of it if the cell fits, else what leaves room for the
/// 4-byte overflow pointer.
fn local_len_after(fixed: usize, value_len: u64, layout: &Layout) -> usize {
    if (fixed as u64).saturating_add(value_len) <= layout.max_cell as u64 {
        value_len as usize
    } else {
        layout.max_cell.saturating_sub(fixed.saturating_add(4))
    }
}

/// A decoded leaf cell (borrowing the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafCell<'a> {
    /// The key.
    pub key: &'a [u8],
    /// Total value length.
    pub value_len: u64,
    /// The inline part of the value.
    pub local: &'a [u8],
    /// First overflow page, 0 if the value is all inline.
    pub overflow: u32,
}

fn slice(b: &[u8], from: usize, len: usize) -> &[u8] {
    b.get(from..from.saturating_add(len)).unwrap_or(&[])
}

/// Decodes a leaf cell starting at `b[0]`.
pub fn leaf(b: &[u8], body_len: usize) -> LeafCell<'_> {
    leaf_in(b, &Layout::new(body_len))
}

/// [`leaf`] with the page's layout worked out by the caller (once per
/// page, by a loop over its cells).
#[inline]
pub fn leaf_in<'b>(b: &'b [u8], layout: &Layout) -> LeafCell<'b> {
    let (klen, a) = get_varint(b);
    let (vlen, c) = get_varint(b.get(a..).unwrap_or(&[]));
    let klen = usize::try_from(klen).unwrap_or(usize::MAX);
    let key = slice(b, a + c, klen);
    // `local_len`'s rule, with the two varints' lengths as read (the
    // writer's are minimal, so they are the lengths `local_len` counts).
    let local_at = (a + c).saturating_add(klen);
    let local_n = local_len_after(local_at, vlen, layout);
    let local = slice(b, local_at, local_n);
    let overflow = if (local_n as u64) < vlen {
        let o = slice(b, local_at.saturating_add(local_n), 4);
        if o.len() == 4 { get32(o, 0) } else { 0 }
    } else {
        0
    };
    LeafCell {
        key,
        value_len: vlen,
        local,
        overflow,
    }
}

/// The key of a cell starting at `b[0]`.
pub fn key_of(b: &[u8], kind: Kind) -> &[u8] {
    match kind {
        Kind::Leaf => {
            let (klen, a) = get_varint(b);
            let (_, c) = get_varint(b.get(a..).unwrap_or(&[]));
            slice(b, a + c, usize::try_from(klen).unwrap_or(usize::MAX))
        }
        Kind::Interior => {
            let rest = b.get(4..).unwrap_or(&[]);
            let (klen, a) = get_varint(rest);
            slice(rest, a, usize::try_from(klen).unwrap_or(usize::MAX))
        }
    }
}

/// The length of a cell starting at `b[0]`.
pub fn cell_len(b: &[u8], kind: Kind, body_len: usize) -> usize {
    match kind {
        Kind::Leaf => {
            let layout = Layout::new(body_len);
            let (klen, a) = get_varint(b);
            let (vlen, c) = get_varint(b.get(a..).unwrap_or(&[]));
            let klen = usize::try_from(klen).unwrap_or(usize::MAX);
            let local = local_len(klen, vlen, &layout);
            let ovfl = if (local as u64) < vlen { 4 } else { 0 };
            (a + c).saturating_add(klen).saturating_add(local) + ovfl
        }
        Kind::Interior => {
            let (klen, a) = get_varint(b.get(4..).unwrap_or(&[]));
            (4 + a).saturating_add(usize::try_from(klen).unwrap_or(usize::MAX))
        }
    }
}

/// The child pointer of an interior cell.
pub fn interior_child(c: &[u8]) -> u32 {
    if c.len() >= 4 { get32(c, 0) } else { 0 }
}

/// Builds an interior cell.
pub fn interior_cell(child: u32, key: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(4 + 2 + key.len());
    c.extend_from_slice(&child.to_be_bytes());
    put_varint(&mut c, key.len() as u64);
    c.extend_from_slice(key);
    c
}

/// Builds a leaf cell whose value is `local` (already cut to the local
/// length) followed, if `overflow` is not 0, by the overflow page.
pub fn leaf_cell(key: &[u8], value_len: u64, local: &[u8], overflow: u32) -> Vec<u8> {
    let mut c = Vec::with_capacity(key.len() + local.len() + 16);
    put_leaf_cell(&mut c, key, value_len, local, overflow);
    c
}

/// Appends the leaf cell [`leaf_cell`] builds to `out` (a buffer reused
/// from cell to cell).
pub fn put_leaf_cell(out: &mut Vec<u8>, key: &[u8], value_len: u64, local: &[u8], overflow: u32) {
    put_varint(out, key.len() as u64);
    put_varint(out, value_len);
    out.extend_from_slice(key);
    out.extend_from_slice(local);
    if overflow != 0 {
        out.extend_from_slice(&overflow.to_be_bytes());
    }
}

/// The length of the leaf cell of `key` -> `value` with the value all
/// inline (see [`write_inline_leaf_cell`]).
pub fn inline_leaf_cell_len(key: &[u8], value: &[u8]) -> usize {
    varint_len(key.len() as u64) + varint_len(value.len() as u64) + key.len() + value.len()
}

/// Writes the leaf cell of `key` -> `value`, the value all inline, into
/// `out`, which is [`inline_leaf_cell_len`] bytes long: the bytes
/// [`leaf_cell`] would build.
pub fn write_inline_leaf_cell(out: &mut [u8], key: &[u8], value: &[u8]) {
    let mut at = 0;
    for mut v in [key.len() as u64, value.len() as u64] {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if let Some(b) = out.get_mut(at) {
                *b = if v == 0 { byte } else { byte | 0x80 };
            }
            at += 1;
            if v == 0 {
                break;
            }
        }
    }
    for part in [key, value] {
        if let Some(to) = out.get_mut(at..at + part.len()) {
            to.copy_from_slice(part);
        }
        at += part.len();
    }
}

/// A leaf cell for a value that fits inline (for tests and small values).
#[cfg(test)]
pub fn leaf_cell_inline(key: &[u8], value: &[u8], layout: &Layout) -> Vec<u8> {
    assert_eq!(
        local_len(key.len(), value.len() as u64, layout),
        value.len()
    );
    leaf_cell(key, value.len() as u64, value, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_cell_written_in_place_is_the_cell_built() {
        for (key, value) in [
            (&b"k"[..], &b""[..]),
            (&[7u8; 8][..], &[b'v'; 127][..]),
            (&[1u8; 200][..], &[2u8; 300][..]),
        ] {
            let mut out = vec![0u8; inline_leaf_cell_len(key, value)];
            write_inline_leaf_cell(&mut out, key, value);
            assert_eq!(out, leaf_cell(key, value.len() as u64, value, 0));
        }
    }

    #[test]
    fn varints_round_trip() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16383,
            16384,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(b.len(), varint_len(v));
            assert_eq!(get_varint(&b), (v, b.len()));
        }
        assert_eq!(get_varint(&[0x80, 0x80]), (0, 2), "cut short: no panic");
    }

    #[test]
    fn layouts_keep_four_cells_per_page() {
        for ps in [1024usize, 4096, 65536] {
            let l = Layout::new(ps - 24);
            assert!(4 * (l.max_cell + 2) <= ps - 24 - NODE_HEADER);
        }
        assert_eq!(Layout::new(4096 - 24).max_key, 980);
        assert_eq!(Layout::new(1024 - 24).max_key, 212);
    }

    #[test]
    fn a_large_value_keeps_a_local_prefix_and_an_overflow_pointer() {
        let l = Layout::new(1000);
        let local = local_len(10, 5000, &l);
        let c = leaf_cell(b"0123456789", 5000, &vec![7u8; local], 99);
        assert_eq!(c.len(), l.max_cell);
        let d = leaf(&c, 1000);
        assert_eq!(
            (d.key, d.value_len, d.local.len(), d.overflow),
            (&b"0123456789"[..], 5000, local, 99)
        );
        assert_eq!(cell_len(&c, Kind::Leaf, 1000), c.len());
        let i = interior_cell(5, b"abc");
        assert_eq!(key_of(&i, Kind::Interior), b"abc");
        assert_eq!(interior_child(&i), 5);
        assert_eq!(cell_len(&i, Kind::Interior, 1000), i.len());
    }
}
