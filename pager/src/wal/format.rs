//! The WAL file format: a header, two mark slots, then frames, chained by
//! checksums.
//!
//! ```text
//! byte 0        32            56            80
//!      +--------+-------------+-------------+---------+---------+---
//!      | header | mark slot A | mark slot B | frame 1 | frame 2 | ...
//!      +--------+-------------+-------------+---------+---------+---
//!         32 B       24 B          24 B      24 B + one page each
//! ```
//!
//! ## WAL header (32 bytes, big-endian)
//!
//! ```text
//! offset size field
//!  0      8   magic "WALNUTWL"
//!  8      4   format version (3)
//! 12      4   page size (must equal the database's)
//! 16      4   checkpoint sequence: how many times the WAL has been reset
//! 20      4   salt-1: incremented at every reset
//! 24      4   salt-2: a fresh pseudo-random value at every reset
//! 28      4   header checksum: crc32 of bytes 0..28
//! ```
//!
//! ## Mark slots (two of 24 bytes, at 32 and 56, big-endian)
//!
//! ```text
//! offset size field
//!  0      4   salt-1 of the generation the slot was written in
//!  4      4   salt-2 of that generation
//!  8      8   slot sequence number: 1, 2, 3, ... one per slot write
//!             (0: never written); odd numbers go to slot A, even to B
//! 16      4   durable mark M: frames 1..=M of that generation were
//!             committed and fsynced when the slot was written
//! 20      4   slot checksum: crc32 *continued from the header checksum*
//!             over bytes 0..20
//! ```
//!
//! A slot is 24 bytes because that is what its five fields take: the
//! sequence number has 64 bits so that it never wraps, the mark 32 like a
//! frame header's.
//!
//! Only `synchronous = extra` writes a slot: after a commit's frames are
//! fsynced, it writes the next slot (the sequence number picks A or B,
//! alternately) and fsyncs again before the commit returns. A slot is
//! therefore never on disk before the frames it vouches for are durable.
//! Writing the slots alternately means a slot write torn by power loss can
//! only damage the slot being written; the other one still holds the
//! previous mark. (A slot write whose fsync *failed* is rewritten with a
//! true mark before any frame it might claim is overwritten: see
//! `Wal::append`.) Recovery reads both slots in every mode, believes the
//! highest mark `M` among those that are intact and of this generation,
//! and refuses a WAL in which any of frames `1..=M` fails its checks (see
//! [`super::recovery`]). A slot belongs to one header: its salts must be
//! the header's, and its checksum starts from the header's checksum, so a
//! slot left over from before a reset (new salts, a new checkpoint
//! sequence, so a new header checksum) can never vouch for frames of the
//! new generation, even when its bytes are intact. Salt-1 grows by one at
//! every reset, so no two generations of a WAL file share salts; meeting a
//! stale slot's header again would take a header identical to the old
//! one, and then the old frames would chain under it too: the slots make
//! no assumption the frames did not already make. A reset that truncates
//! the WAL to its header removes the old slots outright; one that keeps
//! the file's length leaves them, to be ignored.
//!
//! The slots are never rewritten together with the header, and the header
//! is never rewritten to record a mark: a torn header loses the whole WAL,
//! so it is written only at a reset, when the main file holds everything.
//! Like SQLite, walnut assumes that a write cannot damage bytes outside its
//! own range (the header and the slots share a disk sector, as the header
//! and frame 1 already did).
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
//! Frame `n` (1-based) starts at byte `80 + (n - 1) * (24 + page_size)`.
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
//! No frame is written after the last commit's, so nothing in the frames
//! vouches for the last transaction. That is what the mark slots add: the
//! same durable mark, written after the commit's fsync, in a place of its
//! own.
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
//!
//! ## Versions
//!
//! Version 1 had no durable marks (bytes 20..24 of a frame header were
//! zero), version 2 added them, version 3 added the mark slots and so
//! moved frame 1 from byte 32 to byte 80. A WAL of another version is not
//! read (see [`super::Wal::open`] for what happens to it).

use crate::page;
use std::fmt;

/// Magic bytes at the start of a walnut WAL.
pub const WAL_MAGIC: &[u8; 8] = b"WALNUTWL";
/// WAL format version. Version 2 added the durable mark (bytes 20..24 of
/// a frame header, covered by the checksum), which version 1 left zero;
/// version 3 added the two mark slots between the header and frame 1.
pub const WAL_VERSION: u32 = 3;
/// Size of the WAL header.
pub const WAL_HEADER_SIZE: usize = 32;
/// Size of one mark slot.
pub const MARK_SLOT_SIZE: usize = 24;
/// Number of mark slots (A and B).
pub const MARK_SLOTS: usize = 2;
/// Where frame 1 starts: after the header and the mark slots.
pub const FRAMES_START: u64 = (WAL_HEADER_SIZE + MARK_SLOTS * MARK_SLOT_SIZE) as u64;
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

    /// Decodes and validates a header of this format version; the error
    /// says what is wrong.
    pub fn decode(b: &[u8]) -> Result<WalHeader, String> {
        let h = WalHeader::decode_any_version(b)?;
        if h.version != WAL_VERSION {
            return Err(format!(
                "WAL format version {}; this build reads version {WAL_VERSION}",
                h.version
            ));
        }
        Ok(h)
    }

    /// Decodes a header whose magic bytes and checksum are valid, whatever
    /// its format version: an intact header of another version is not
    /// damage, and opening says so differently.
    pub fn decode_any_version(b: &[u8]) -> Result<WalHeader, String> {
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
        Ok(h)
    }
}

/// The decoded contents of one mark slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkSlot {
    /// Salt-1 of the generation the slot was written in.
    pub salt1: u32,
    /// Salt-2 of that generation.
    pub salt2: u32,
    /// Slot sequence number (1, 2, ...; odd numbers go to slot A, even to B).
    pub sequence: u64,
    /// Frames 1..=mark of that generation were committed and fsynced.
    pub mark: u32,
}

/// What a mark slot's bytes hold, judged against the WAL header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkSlotState {
    /// All zero (or beyond the end of the file): never written.
    Empty,
    /// Salts other than the header's: written in another generation (or
    /// damaged in its salts); either way it vouches for nothing.
    OtherGeneration(MarkSlot),
    /// This generation's salts, but the checksum fails or the sequence
    /// number is 0: a torn slot write, or damage.
    Damaged,
    /// Intact and of this generation.
    Valid(MarkSlot),
}

impl fmt::Display for MarkSlotState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarkSlotState::Empty => write!(f, "empty"),
            MarkSlotState::OtherGeneration(s) => {
                write!(f, "sequence {}, another generation's: ignored", s.sequence)
            }
            MarkSlotState::Damaged => write!(f, "damaged (torn or flipped): ignored"),
            MarkSlotState::Valid(s) if s.mark == 0 => {
                write!(f, "sequence {}, no frames", s.sequence)
            }
            MarkSlotState::Valid(s) => {
                write!(f, "sequence {}, frames 1-{} durable", s.sequence, s.mark)
            }
        }
    }
}

impl MarkSlotState {
    /// The durable mark of a valid slot.
    pub fn mark(&self) -> Option<u32> {
        match self {
            MarkSlotState::Valid(s) => Some(s.mark),
            _ => None,
        }
    }
}

impl MarkSlot {
    /// The bytes on disk, under the header `header` (whose checksum seeds
    /// the slot's).
    pub fn encode(&self, header: &WalHeader) -> [u8; MARK_SLOT_SIZE] {
        let mut b = [0u8; MARK_SLOT_SIZE];
        page::write_u32(&mut b, 0, self.salt1);
        page::write_u32(&mut b, 4, self.salt2);
        page::write_u64(&mut b, 8, self.sequence);
        page::write_u32(&mut b, 16, self.mark);
        let sum = slot_checksum(header.checksum, &b);
        page::write_u32(&mut b, 20, sum);
        b
    }

    /// Reads a slot's bytes and judges them against `header`. Short input
    /// (a file that ends inside the slot) is [`MarkSlotState::Empty`].
    pub fn decode(b: &[u8], header: &WalHeader) -> MarkSlotState {
        if b.len() < MARK_SLOT_SIZE || b[..MARK_SLOT_SIZE].iter().all(|&x| x == 0) {
            return MarkSlotState::Empty;
        }
        let slot = MarkSlot {
            salt1: page::read_u32(b, 0),
            salt2: page::read_u32(b, 4),
            sequence: page::read_u64(b, 8),
            mark: page::read_u32(b, 16),
        };
        if (slot.salt1, slot.salt2) != (header.salt1, header.salt2) {
            return MarkSlotState::OtherGeneration(slot);
        }
        if slot_checksum(header.checksum, b) != page::read_u32(b, 20) || slot.sequence == 0 {
            return MarkSlotState::Damaged;
        }
        MarkSlotState::Valid(slot)
    }
}

/// The checksum of a mark slot: crc32 continued from the header checksum
/// over the slot's bytes 0..20.
fn slot_checksum(header_checksum: u32, b: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(header_checksum);
    h.update(&b[..20]);
    h.finalize()
}

/// Which slot (0: A, 1: B) the slot write with this sequence number goes
/// to: odd numbers to A, even to B. Consecutive writes therefore alternate,
/// and the next write never lands on the slot holding the newest mark.
pub fn slot_for(sequence: u64) -> usize {
    if sequence % 2 == 1 { 0 } else { 1 }
}

/// The slot's name, for people.
pub fn slot_name(slot: usize) -> char {
    if slot == 0 { 'A' } else { 'B' }
}

/// Byte offset of mark slot `slot` (0: A, 1: B).
pub fn slot_offset(slot: usize) -> u64 {
    (WAL_HEADER_SIZE + slot * MARK_SLOT_SIZE) as u64
}

/// Where frame 1 starts in a WAL of format `version`, if this build knows
/// that format: 32 for versions 1 and 2 (no mark slots), [`FRAMES_START`]
/// for version 3.
pub fn frames_start_of(version: u32) -> Option<u64> {
    match version {
        1 | 2 => Some(WAL_HEADER_SIZE as u64),
        WAL_VERSION => Some(FRAMES_START),
        _ => None,
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
    frame_offset_from(FRAMES_START, n, page_size)
}

/// Byte offset of frame `n` (1-based) when frame 1 starts at `start` (a
/// WAL of an older format: see [`frames_start_of`]).
pub fn frame_offset_from(start: u64, n: u64, page_size: u32) -> u64 {
    start + (n - 1) * frame_size(page_size)
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
    fn a_header_of_another_version_is_intact_but_not_read() {
        let mut h = WalHeader::new(4096, 0, 1, 2);
        h.version = 2;
        h.checksum = crc32fast::hash(&h.encode()[..28]);
        let b = h.encode();
        assert_eq!(WalHeader::decode_any_version(&b), Ok(h));
        assert_eq!(
            WalHeader::decode(&b).unwrap_err(),
            "WAL format version 2; this build reads version 3"
        );
        assert_eq!(frames_start_of(1), Some(32));
        assert_eq!(frames_start_of(2), Some(32));
        assert_eq!(frames_start_of(3), Some(80));
        assert_eq!(frames_start_of(4), None);
    }

    #[test]
    fn a_mark_slot_round_trips_under_its_own_header_only() {
        let header = WalHeader::new(1024, 2, 7, 0x1234_5678);
        let slot = MarkSlot {
            salt1: 7,
            salt2: 0x1234_5678,
            sequence: 0x0102_0304_0506_0708,
            mark: 41,
        };
        let b = slot.encode(&header);
        assert_eq!(&b[8..16], &[1, 2, 3, 4, 5, 6, 7, 8], "big-endian sequence");
        assert_eq!(&b[16..20], &[0, 0, 0, 41]);
        assert_eq!(MarkSlot::decode(&b, &header), MarkSlotState::Valid(slot));

        // Any flipped bit: damaged, or (in the salts) another generation's.
        for i in 0..MARK_SLOT_SIZE {
            let mut d = b;
            d[i] ^= 0x10;
            let got = MarkSlot::decode(&d, &header);
            if i < 8 {
                assert!(matches!(got, MarkSlotState::OtherGeneration(_)), "byte {i}");
            } else {
                assert_eq!(got, MarkSlotState::Damaged, "byte {i}");
            }
        }
        // A torn write: the new slot's first half over the old one.
        let old = MarkSlot {
            sequence: 1,
            mark: 3,
            ..slot
        }
        .encode(&header);
        let mut torn = old;
        torn[..12].copy_from_slice(&b[..12]);
        assert_eq!(MarkSlot::decode(&torn, &header), MarkSlotState::Damaged);

        // After a reset (new salts, new checkpoint sequence) the slot is
        // another generation's.
        let next = WalHeader::new(1024, 3, 8, 0x9abc_def0);
        assert!(matches!(
            MarkSlot::decode(&b, &next),
            MarkSlotState::OtherGeneration(s) if s == slot
        ));
        // Even a header with the same salts but another checkpoint
        // sequence (so another checksum) does not accept it.
        let same_salts = WalHeader::new(1024, 0, 7, 0x1234_5678);
        assert_eq!(MarkSlot::decode(&b, &same_salts), MarkSlotState::Damaged);

        // Never written, or cut off by the end of the file.
        assert_eq!(MarkSlot::decode(&[0u8; 24], &header), MarkSlotState::Empty);
        assert_eq!(MarkSlot::decode(&b[..23], &header), MarkSlotState::Empty);
        // Sequence 0 is never written, even with a valid checksum.
        let zero = MarkSlot {
            sequence: 0,
            ..slot
        }
        .encode(&header);
        assert_eq!(MarkSlot::decode(&zero, &header), MarkSlotState::Damaged);
    }

    #[test]
    fn slot_writes_alternate_between_a_and_b() {
        assert_eq!(slot_offset(0), 32);
        assert_eq!(slot_offset(1), 56);
        assert_eq!(FRAMES_START, 80);
        let slots: Vec<usize> = (1..=6).map(slot_for).collect();
        assert_eq!(slots, [0, 1, 0, 1, 0, 1]);
        for seq in 1..100u64 {
            assert_ne!(slot_for(seq), slot_for(seq + 1), "sequence {seq}");
        }
        assert_eq!(slot_for(u64::MAX), 0);
        assert_eq!((slot_name(0), slot_name(1)), ('A', 'B'));
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
        assert_eq!(frame_offset(1, 1024), 80);
        // The durable mark is covered by the checksum.
        f[21] ^= 1;
        assert_ne!(chain_checksum(101, &f[..FRAME_HEADER_SIZE], &image), b);
        assert_eq!(frame_offset(3, 1024), 80 + 2 * 1048);
        assert_eq!(frame_offset_from(32, 3, 1024), 32 + 2 * 1048);
    }
}
