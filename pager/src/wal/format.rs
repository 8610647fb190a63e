//! The WAL file format: a header, then frames, chained by checksums.
//!
//! ## WAL header (32 bytes, big-endian)
//!
//! ```text
//! offset size field
//!  0      8   magic "WALNUTWL"
//!  8      4   format version (1)
//! 12      4   page size (must equal the database's)
//! 16      4   checkpoint sequence: how many times the WAL has been reset
//! 20      4   salt-1: incremented at every reset
//! 24      4   salt-2: a fresh pseudo-random value at every reset
//! 28      4   header checksum: crc32 of bytes 0..28
//! ```
//!
//! ## Frame (24-byte frame header + one page image)
//!
//! ```text
//! offset size field
//!  0      4   page number
//!  4      4   commit marker: for the last frame of a transaction, the
//!             database size in pages after the commit; 0 otherwise
//!  8      4   salt-1 (copied from the WAL header)
//! 12      4   salt-2 (copied from the WAL header)
//! 16      4   cumulative checksum (see below)
//! 20      4   durable mark: how many frames of this generation were
//!             committed *and* fsynced when this frame was written
//! 24   page   the page image (itself carrying its own page checksum)
//! ```
//!
//! ## The durable mark
//!
//! A broken checksum chain at frame `k` means one of two things: a write
//! that power loss tore before it was ever synced (normal: recovery keeps
//! what precedes it), or damage to bytes that *were* durable (bit rot, a
//! stray write), which would silently drop every commit after `k`. From
//! the bytes of frame `k` alone the two look the same. The durable mark
//! tells them apart: a later frame whose own checksum holds and whose mark
//! is `>= k` was written when frame `k` was already committed and synced,
//! so frame `k` cannot be a torn write. Recovery then refuses to open
//! rather than lose committed transactions (see [`super::recovery`]). The
//! mark counts only frames this process synced; a freshly opened WAL
//! starts at 0, since recovered frames may still sit in the OS cache.
//!
//! Frame `n` (1-based) starts at byte `32 + (n - 1) * (24 + page_size)`.
//!
//! ## The checksum chain
//!
//! The checksum of frame `n` is crc32 *continued* from the checksum of frame
//! `n - 1` (or, for frame 1, from the header checksum) over bytes 0..16 and
//! 20..24 of its frame header (everything but the checksum itself) and its
//! whole page image. Every frame therefore vouches
//! for all the frames before it: a frame is valid only if the chain holds up
//! to it. Together with the salts this is what makes recovery safe:
//!
//! * A torn write (a frame only half on disk) breaks the chain at that frame.
//! * A frame left over from before the last reset carries the old salts, so
//!   it can never be mistaken for a frame of the current log, even when its
//!   bytes are intact.
//! * A frame left over from a rolled-back transaction, later overwritten in
//!   part, no longer chains from the frames written after the rollback.
//!
//! Recovery replays frames only up to the last *commit* frame whose chain is
//! intact; everything after it belongs to a transaction that never
//! finished, and is discarded.

use crate::page;

/// Magic bytes at the start of a walnut WAL.
pub const WAL_MAGIC: &[u8; 8] = b"WALNUTWL";
/// WAL format version. Version 2 added the durable mark (bytes 20..24 of
/// a frame header, covered by the checksum), which version 1 left zero.
pub const WAL_VERSION: u32 = 2;
/// Size of the WAL header.
pub const WAL_HEADER_SIZE: usize = 32;
/// Size of a frame header.
pub const FRAME_HEADER_SIZE: usize = 24;

/// The decoded WAL header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalHeader {
    /// Format version.
    pub version: u32,
    /// Page size of the frames.
    pub page_size: u32,
    /// Number of resets so far.
    pub checkpoint_seq: u32,
    /// Salt-1 (incremented at every reset).
    pub salt1: u32,
    /// Salt-2 (fresh at every reset).
    pub salt2: u32,
    /// crc32 of the first 28 bytes.
    pub checksum: u32,
}

impl WalHeader {
    /// A header with the given fields and its checksum computed.
    pub fn new(page_size: u32, checkpoint_seq: u32, salt1: u32, salt2: u32) -> WalHeader {
        let mut h = WalHeader {
            version: WAL_VERSION,
            page_size,
            checkpoint_seq,
            salt1,
            salt2,
            checksum: 0,
        };
        h.checksum = crc32fast::hash(&h.encode()[..28]);
        h
    }

    /// The 32 bytes on disk.
    pub fn encode(&self) -> [u8; WAL_HEADER_SIZE] {
        let mut b = [0u8; WAL_HEADER_SIZE];
        b[0..8].copy_from_slice(WAL_MAGIC);
        page::write_u32(&mut b, 8, self.version);
        page::write_u32(&mut b, 12, self.page_size);
        page::write_u32(&mut b, 16, self.checkpoint_seq);
        page::write_u32(&mut b, 20, self.salt1);
        page::write_u32(&mut b, 24, self.salt2);
        page::write_u32(&mut b, 28, self.checksum);
        b
    }

    /// Decodes and validates a header; the error says what is wrong.
    pub fn decode(b: &[u8]) -> Result<WalHeader, String> {
        if b.len() < WAL_HEADER_SIZE {
            return Err(format!(
                "header is {} bytes, need {WAL_HEADER_SIZE}",
                b.len()
            ));
        }
        if &b[0..8] != WAL_MAGIC {
            return Err("bad magic bytes".to_string());
        }
        let h = WalHeader {
            version: page::read_u32(b, 8),
            page_size: page::read_u32(b, 12),
            checkpoint_seq: page::read_u32(b, 16),
            salt1: page::read_u32(b, 20),
            salt2: page::read_u32(b, 24),
            checksum: page::read_u32(b, 28),
        };
        let computed = crc32fast::hash(&b[..28]);
        if computed != h.checksum {
            return Err(format!(
                "header checksum mismatch (stored {:#010x}, computed {computed:#010x})",
                h.checksum
            ));
        }
        if h.version != WAL_VERSION {
            return Err(format!("unsupported WAL version {}", h.version));
        }
        Ok(h)
    }
}

/// The decoded header of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The page this frame holds.
    pub page: u32,
    /// Database size after commit for a commit frame, else 0.
    pub commit_size: u32,
    /// Salt-1 copied from the WAL header.
    pub salt1: u32,
    /// Salt-2 copied from the WAL header.
    pub salt2: u32,
    /// Cumulative checksum.
    pub checksum: u32,
    /// Frames of this generation committed and fsynced when this frame was
    /// written.
    pub durable: u32,
}

impl FrameHeader {
    /// Decodes the first [`FRAME_HEADER_SIZE`] bytes of a frame.
    pub fn decode(b: &[u8]) -> FrameHeader {
        FrameHeader {
            page: page::read_u32(b, 0),
            commit_size: page::read_u32(b, 4),
            salt1: page::read_u32(b, 8),
            salt2: page::read_u32(b, 12),
            checksum: page::read_u32(b, 16),
            durable: page::read_u32(b, 20),
        }
    }

    /// Whether this is the last frame of a transaction.
    pub fn is_commit(&self) -> bool {
        self.commit_size != 0
    }
}

/// Byte offset of frame `n` (1-based) in the WAL.
pub fn frame_offset(n: u64, page_size: u32) -> u64 {
    WAL_HEADER_SIZE as u64 + (n - 1) * (FRAME_HEADER_SIZE as u64 + page_size as u64)
}

/// Size of one frame on disk.
pub fn frame_size(page_size: u32) -> u64 {
    FRAME_HEADER_SIZE as u64 + page_size as u64
}

/// The chained checksum of a frame: crc32 continued from `prev` over the
/// frame header without its checksum field (bytes 0..16 and 20..24) and
/// the page image.
pub fn chain_checksum(prev: u32, frame_header: &[u8], image: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(prev);
    h.update(&frame_header[..16]);
    h.update(&frame_header[20..FRAME_HEADER_SIZE]);
    h.update(image);
    h.finalize()
}

#[cfg(test)]
/// Encodes a complete frame (header and image) into `out`, returning its
/// chained checksum. `out` must be `FRAME_HEADER_SIZE + image.len()` long.
pub fn encode_frame(
    out: &mut [u8],
    page: u32,
    commit_size: u32,
    salts: (u32, u32),
    prev: u32,
    image: &[u8],
) -> u32 {
    let (head, body) = out.split_at_mut(FRAME_HEADER_SIZE);
    page::write_u32(head, 0, page);
    page::write_u32(head, 4, commit_size);
    page::write_u32(head, 8, salts.0);
    page::write_u32(head, 12, salts.1);
    page::write_u32(head, 20, 0);
    body.copy_from_slice(image);
    let sum = chain_checksum(prev, head, image);
    page::write_u32(head, 16, sum);
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let h = WalHeader::new(4096, 3, 10, 0xdead_beef);
        let mut b = h.encode();
        assert_eq!(WalHeader::decode(&b), Ok(h));
        b[21] ^= 1;
        assert!(
            WalHeader::decode(&b)
                .unwrap_err()
                .contains("checksum mismatch")
        );
        assert!(WalHeader::decode(&[0u8; 10]).is_err());
        assert_eq!(
            WalHeader::decode(&[7u8; 32]).unwrap_err(),
            "bad magic bytes"
        );
    }

    #[test]
    fn each_frame_checksum_depends_on_the_one_before() {
        let image = vec![5u8; 1024];
        let mut f = vec![0u8; FRAME_HEADER_SIZE + 1024];
        let a = encode_frame(&mut f, 2, 0, (1, 2), 100, &image);
        let b = encode_frame(&mut f, 2, 0, (1, 2), 101, &image);
        assert_ne!(a, b);
        let h = FrameHeader::decode(&f);
        assert_eq!((h.page, h.commit_size, h.checksum), (2, 0, b));
        assert_eq!(chain_checksum(101, &f[..FRAME_HEADER_SIZE], &image), b);
        assert_eq!(frame_offset(1, 1024), 32);
        // The durable mark is covered by the checksum.
        f[21] ^= 1;
        assert_ne!(chain_checksum(101, &f[..FRAME_HEADER_SIZE], &image), b);
        assert_eq!(frame_offset(3, 1024), 32 + 2 * 1048);
    }
}
