//! A damaged WAL or main file: a torn tail stops recovery at the last valid
//! commit, and the recovery report says where and why; damage in a frame
//! that a later frame proves was committed is an error naming the frame;
//! damage in the last transaction drops just that transaction (it cannot be
//! told from a torn commit); a flipped byte in a main-file page is a
//! checksum error naming that page; a WAL with a damaged header is ignored
//! when the main file holds everything, and an error otherwise.
//!
//! Under `synchronous = extra`, the mark slots: damage in the last
//! transaction is an error naming the frame, as is a WAL cut short of the
//! mark; a damaged slot falls back to the other one; a slot left over from
//! before a reset claims nothing; a WAL of an older format is an error when
//! it holds commits the main file lacks.

use std::path::Path;
use std::sync::Arc;
use walnut_pager::{
    MarkSlotState, PageType, Pager, PagerError, PagerOptions, ScanStop, SimVfs, Synchronous,
};

const PS: usize = 1024;
const FRAME: usize = 24 + PS;

fn opts() -> PagerOptions {
    PagerOptions {
        page_size: PS as u32,
        pool_frames: 16,
        autocheckpoint: 0,
        ..PagerOptions::default()
    }
}

fn wal() -> &'static Path {
    Path::new("d.db-wal")
}

/// Three committed transactions, each writing its number into pages 2..=4
/// (the first also creates them), left in the WAL by a kill.
/// Returns the WAL frame ranges (first, last) of each transaction.
fn three_commits_in_the_wal(vfs: &Arc<SimVfs>) -> Vec<(usize, usize)> {
    three_commits_with(vfs, Synchronous::Full)
}

fn extra() -> PagerOptions {
    PagerOptions {
        synchronous: Synchronous::Extra,
        ..opts()
    }
}

/// [`three_commits_in_the_wal`] under `synchronous`.
fn three_commits_with(vfs: &Arc<SimVfs>, synchronous: Synchronous) -> Vec<(usize, usize)> {
    let options = PagerOptions {
        synchronous,
        ..opts()
    };
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", options).expect("open");
    let mut ranges = Vec::new();
    // Commit 1 (the creation of the database) is in the WAL too.
    let mut frames_before = pager.wal_status().committed_frames as usize;
    for t in 1..=3u8 {
        let tx = pager.begin_write().expect("begin");
        if t == 1 {
            for _ in 0..3 {
                tx.allocate(PageType::BTreeLeaf).expect("allocate");
            }
        }
        for id in 2..=4 {
            tx.page_mut(id).expect("write").body_mut()[0] = t;
        }
        tx.commit().expect("commit");
        let now = pager.wal_status().committed_frames as usize;
        ranges.push((frames_before + 1, now));
        frames_before = now;
    }
    pager.abandon();
    ranges
}

fn reopen(vfs: &Arc<SimVfs>) -> Pager {
    Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect("reopen")
}

fn value(pager: &Pager) -> u8 {
    let rx = pager.begin_read().expect("read");
    let v = rx.page(2).expect("page").body()[0];
    for id in 3..=4 {
        assert_eq!(
            rx.page(id).expect("page").body()[0],
            v,
            "never a mix of commits"
        );
    }
    v
}

fn frame_start(n: usize) -> usize {
    80 + (n - 1) * FRAME
}

#[test]
fn a_torn_tail_stops_recovery_at_the_last_valid_commit() {
    let vfs = Arc::new(SimVfs::new(1));
    let ranges = three_commits_in_the_wal(&vfs);
    let bytes = vfs.file_bytes(wal()).expect("wal");
    // Cut the WAL in the middle of the last transaction's last frame.
    let (_, last) = ranges[2];
    let cut = frame_start(last) + FRAME / 2;
    vfs.set_file_bytes(wal(), bytes[..cut].to_vec());

    let pager = reopen(&vfs);
    let r = pager.recovery_report().clone();
    assert_eq!(
        r.transactions_recovered, 3,
        "the creation and 2 of 3: {r:?}"
    );
    assert_eq!(r.frames_recovered as usize, ranges[1].1);
    assert!(r.torn_tail);
    assert_eq!(r.stop, ScanStop::PartialFrame { frame: last as u64 });
    assert_eq!(r.transactions_discarded, 1);
    assert_eq!(value(&pager), 2);
    assert!(
        r.summary().starts_with("recovered 3 transactions"),
        "{}",
        r.summary()
    );
}

#[test]
fn a_flipped_bit_in_the_last_transaction_discards_only_that_transaction() {
    let vfs = Arc::new(SimVfs::new(2));
    let ranges = three_commits_in_the_wal(&vfs);
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    let (first, _) = ranges[2];
    bytes[frame_start(first) + 24 + 300] ^= 0x04;
    vfs.set_file_bytes(wal(), bytes);

    let pager = reopen(&vfs);
    let r = pager.recovery_report();
    assert_eq!(
        r.stop,
        ScanStop::ChecksumMismatch {
            frame: first as u64
        }
    );
    assert_eq!(r.transactions_recovered, 3);
    assert!(r.torn_tail);
    assert_eq!(value(&pager), 2);
}

#[test]
fn a_flipped_bit_in_an_earlier_transaction_is_an_error_naming_the_frame() {
    let vfs = Arc::new(SimVfs::new(3));
    let ranges = three_commits_in_the_wal(&vfs);
    let clean = vfs.file_bytes(wal()).expect("wal");
    let (first, last) = ranges[1];
    // Anywhere in the second of three transactions: the frame header's
    // page number, salts, checksum, durable mark, or the page image.
    for offset in [2, 9, 17, 22, 24 + 5, 24 + 600] {
        for frame in [first, last] {
            let mut bytes = clean.clone();
            bytes[frame_start(frame) + offset] ^= 0x80;
            vfs.set_file_bytes(wal(), bytes);
            let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts())
                .expect_err("the third transaction vouches for the second");
            assert!(
                matches!(&err, PagerError::DamagedWal { frame: f, .. } if *f == frame as u64),
                "{err}"
            );
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!(
                    "d.db-wal: WAL frame {frame} is damaged but was committed (frame "
                )),
                "{msg}"
            );
        }
    }
    // The undamaged WAL opens, with every commit.
    vfs.set_file_bytes(wal(), clean);
    assert_eq!(value(&reopen(&vfs)), 3);
}

#[test]
fn damage_past_the_last_commit_loses_nothing() {
    let vfs = Arc::new(SimVfs::new(8));
    three_commits_in_the_wal(&vfs);
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    let committed = (bytes.len() - 80) / FRAME;
    // Two more frames after the last commit (copies of it, the first with a
    // flipped bit): whatever they hold, nothing committed follows them.
    let mut tail = bytes[frame_start(committed)..].to_vec();
    tail.extend_from_slice(&bytes[frame_start(committed)..]);
    tail[100] ^= 1;
    bytes.extend_from_slice(&tail);
    vfs.set_file_bytes(wal(), bytes);
    let pager = reopen(&vfs);
    assert_eq!(pager.recovery_report().transactions_recovered, 4);
    assert_eq!(value(&pager), 3);
}

#[test]
fn a_garbage_wal_is_an_error_not_an_old_answer() {
    let vfs = Arc::new(SimVfs::new(9));
    three_commits_in_the_wal(&vfs);
    let len = vfs.file_bytes(wal()).expect("wal").len();
    let mut rng = walnut_pager::rng::SplitMix64::new(9);
    vfs.set_file_bytes(wal(), rng.bytes(len));
    let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect_err("garbage");
    let msg = err.to_string();
    assert!(
        msg.starts_with("d.db-wal: corrupt: the WAL header is damaged (bad magic bytes)"),
        "{msg}"
    );
    assert!(msg.contains("holds an intact page"), "{msg}");
    // Shorter than one frame, garbage is what a torn reset of the header
    // leaves, and the main file is the database.
    vfs.set_file_bytes(wal(), rng.bytes(40));
    reopen(&vfs);
}

#[test]
fn a_damaged_wal_header_over_uncheckpointed_commits_is_an_error_not_silent_loss() {
    let vfs = Arc::new(SimVfs::new(4));
    three_commits_in_the_wal(&vfs);
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    bytes[21] ^= 0xff; // salt-1
    vfs.set_file_bytes(wal(), bytes);
    // The main file was never checkpointed: the commits live only in the
    // WAL, so ignoring it would quietly lose them. walnut refuses instead.
    let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect_err("damaged header");
    assert!(matches!(err, PagerError::Corrupt { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("d.db-wal: corrupt: the WAL header is damaged"),
        "{msg}"
    );
    assert!(
        msg.contains("holds commit 4, newer than the main file's 0"),
        "{msg}"
    );
}

#[test]
fn a_damaged_wal_header_over_checkpointed_frames_is_safely_ignored() {
    let vfs = Arc::new(SimVfs::new(7));
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect("open");
    let tx = pager.begin_write().expect("begin");
    tx.allocate(PageType::BTreeLeaf).expect("allocate");
    tx.commit().expect("commit");
    // Checkpoint while a reader holds the WAL: frames copied, no reset.
    let rx = pager.begin_read().expect("read");
    pager.checkpoint().expect("checkpoint");
    drop(rx);
    pager.abandon();
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    bytes[0] = b'X'; // magic: what a torn header write could leave
    vfs.set_file_bytes(wal(), bytes);
    let pager = reopen(&vfs);
    let r = pager.recovery_report();
    assert!(matches!(r.stop, ScanStop::InvalidHeader(_)), "{r:?}");
    assert_eq!(
        pager.begin_read().expect("read").page_count(),
        2,
        "the main file has it all"
    );
}

#[test]
fn frames_left_over_from_before_a_reset_are_recognised_by_their_salt() {
    let vfs = Arc::new(SimVfs::new(5));
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect("open");
    let tx = pager.begin_write().expect("begin");
    for _ in 0..10 {
        tx.allocate(PageType::BTreeLeaf).expect("allocate");
    }
    tx.commit().expect("commit");
    assert!(pager.checkpoint().expect("checkpoint").wal_reset);
    let tx = pager.begin_write().expect("begin");
    tx.page_mut(2).expect("write").body_mut()[0] = 7;
    tx.commit().expect("commit");
    pager.abandon();
    vfs.crash();

    let pager = reopen(&vfs);
    let r = pager.recovery_report();
    assert_eq!(r.transactions_recovered, 1);
    assert!(matches!(r.stop, ScanStop::SaltMismatch { .. }), "{r:?}");
    assert!(!r.torn_tail, "old frames are not damage");
    assert_eq!(
        pager
            .begin_read()
            .expect("read")
            .page(2)
            .expect("page")
            .body()[0],
        7
    );
}

#[test]
fn a_flipped_byte_in_a_main_file_page_is_a_checksum_error_for_that_page() {
    let vfs = Arc::new(SimVfs::new(6));
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect("open");
    let tx = pager.begin_write().expect("begin");
    for _ in 0..5 {
        tx.allocate(PageType::BTreeLeaf).expect("allocate");
    }
    tx.commit().expect("commit");
    pager.close().expect("close");
    let mut bytes = vfs.file_bytes(Path::new("d.db")).expect("db");
    bytes[3 * PS + 777] ^= 0x20; // page 4
    vfs.set_file_bytes(Path::new("d.db"), bytes);

    let pager = reopen(&vfs);
    let rx = pager.begin_read().expect("read");
    rx.page(3).expect("page 3 is fine");
    let err = rx.page(4).expect_err("page 4 is damaged");
    assert!(
        matches!(err, PagerError::ChecksumMismatch { page: 4, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("d.db: page 4 (main file): checksum mismatch (stored 0x"),
        "{err}"
    );
    // The damaged image is not cached: asking again reports it again.
    assert!(rx.page(4).is_err());
    rx.page(5).expect("page 5 is fine");
}

/// Byte offset of mark slot A (B follows it).
const SLOT_A: usize = 32;
const SLOT_SIZE: usize = 24;

#[test]
fn under_extra_sync_the_mark_slots_alternate_and_record_every_commit() {
    let vfs = Arc::new(SimVfs::new(20));
    let ranges = three_commits_with(&vfs, Synchronous::Extra);
    let pager = reopen(&vfs);
    let r = pager.recovery_report();
    let last = ranges[2].1 as u32;
    // Four commits (the creation included): sequences 1 and 3 went to A,
    // 2 and 4 to B, which holds the newest mark.
    match r.mark_slots {
        [MarkSlotState::Valid(a), MarkSlotState::Valid(b)] => {
            assert_eq!((a.sequence, a.mark), (3, ranges[1].1 as u32));
            assert_eq!((b.sequence, b.mark), (4, last));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.durable_mark, u64::from(last));
    assert!(
        r.summary()
            .contains(&format!("the mark slots vouch for frames 1-{last}")),
        "{}",
        r.summary()
    );
    // Reopened under `full`, the slots are still read and still used.
    drop(pager);
    let vfs2 = Arc::new(SimVfs::new(21));
    three_commits_with(&vfs2, Synchronous::Extra);
    let pager = Pager::open_with_vfs(vfs2.clone(), "d.db", opts()).expect("open under full");
    assert_eq!(pager.recovery_report().durable_mark, u64::from(last));
    // A commit under `full` writes no slot: the mark stays.
    let tx = pager.begin_write().expect("begin");
    for id in 2..=4 {
        tx.page_mut(id).expect("write").body_mut()[0] = 9;
    }
    tx.commit().expect("commit");
    pager.abandon();
    let pager = Pager::open_with_vfs(vfs2, "d.db", opts()).expect("reopen");
    assert_eq!(pager.recovery_report().durable_mark, u64::from(last));
    assert_eq!(value(&pager), 9);
}

#[test]
fn under_extra_sync_a_flipped_bit_in_the_last_transaction_is_an_error_naming_the_frame() {
    let vfs = Arc::new(SimVfs::new(22));
    let ranges = three_commits_with(&vfs, Synchronous::Extra);
    let clean = vfs.file_bytes(wal()).expect("wal");
    let (first, last) = ranges[2];
    for offset in [2, 5, 9, 17, 22, 24 + 5, 24 + 600] {
        for frame in [first, last] {
            let mut bytes = clean.clone();
            bytes[frame_start(frame) + offset] ^= 0x01;
            vfs.set_file_bytes(wal(), bytes);
            let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts())
                .expect_err("the mark slot vouches for the last transaction");
            assert!(
                matches!(&err, PagerError::DamagedWal { frame: f, .. } if *f == frame as u64),
                "{err}"
            );
            assert!(
                err.to_string().starts_with(&format!(
                    "d.db-wal: WAL frame {frame} is damaged but was committed (mark slot B, \
                     sequence 4, records frames 1..={last} as committed and synced, but the \
                     frame "
                )),
                "{err}"
            );
        }
    }
    // Cut short of the mark: an error naming the first missing frame.
    for (cut, frame, why) in [
        (
            frame_start(last) + 100,
            last,
            "the file ends inside the frame",
        ),
        (frame_start(last), last, "the file ends before the frame"),
        (frame_start(first), first, "the file ends before the frame"),
    ] {
        vfs.set_file_bytes(wal(), clean[..cut].to_vec());
        let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect_err("cut short");
        assert!(
            matches!(&err, PagerError::DamagedWal { frame: f, .. } if *f == frame as u64),
            "{err}"
        );
        assert!(err.to_string().contains(why), "{err}");
    }
    vfs.set_file_bytes(wal(), clean);
    assert_eq!(value(&reopen(&vfs)), 3);
}

#[test]
fn a_damaged_mark_slot_falls_back_to_the_other_one() {
    let vfs = Arc::new(SimVfs::new(23));
    let ranges = three_commits_with(&vfs, Synchronous::Extra);
    let clean = vfs.file_bytes(wal()).expect("wal");
    for slot in 0..2 {
        for byte in [0, 6, 8, 15, 16, 19, 20, 23] {
            let mut bytes = clean.clone();
            bytes[SLOT_A + slot * SLOT_SIZE + byte] ^= 0x08;
            vfs.set_file_bytes(wal(), bytes);
            let pager = reopen(&vfs);
            let r = pager.recovery_report();
            // B holds the newest mark; without it, A's (one commit older).
            let want = if slot == 1 { ranges[1].1 } else { ranges[2].1 };
            assert_eq!(r.durable_mark, want as u64, "slot {slot} byte {byte}");
            assert!(
                !matches!(r.mark_slots[slot], MarkSlotState::Valid(_)),
                "slot {slot} byte {byte}: {:?}",
                r.mark_slots
            );
            assert_eq!(value(&pager), 3, "slot {slot} byte {byte}");
            pager.abandon();
        }
    }
}

#[test]
fn a_mark_slot_from_before_a_reset_claims_nothing() {
    let vfs = Arc::new(SimVfs::new(24));
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", extra()).expect("open");
    for _ in 0..3 {
        let tx = pager.begin_write().expect("begin");
        for _ in 0..4 {
            tx.allocate(PageType::BTreeLeaf).expect("allocate");
        }
        tx.commit().expect("commit");
    }
    let old_mark = pager.wal_status().committed_frames;
    // The reset keeps the file's length (it is short): the old frames and
    // both old slots stay on disk.
    assert!(pager.checkpoint().expect("checkpoint").wal_reset);
    // One small commit under `full`: no slot of the new generation.
    pager.set_synchronous(Synchronous::Full);
    let tx = pager.begin_write().expect("begin");
    tx.page_mut(2).expect("write").body_mut()[0] = 7;
    tx.commit().expect("commit");
    let new_frames = pager.wal_status().committed_frames;
    assert!(new_frames < old_mark, "{new_frames} < {old_mark}");
    pager.abandon();

    let pager = reopen(&vfs);
    let r = pager.recovery_report().clone();
    assert!(
        r.mark_slots
            .iter()
            .all(|s| matches!(s, MarkSlotState::OtherGeneration(_))),
        "{:?}",
        r.mark_slots
    );
    assert_eq!(r.durable_mark, 0);
    assert_eq!(r.frames_recovered, new_frames);
    assert!(matches!(r.stop, ScanStop::SaltMismatch { .. }), "{r:?}");
    // A commit under `extra` in the new generation writes its own slot.
    pager.set_synchronous(Synchronous::Extra);
    let tx = pager.begin_write().expect("begin");
    tx.page_mut(2).expect("write").body_mut()[0] = 8;
    tx.commit().expect("commit");
    let now = pager.wal_status().committed_frames;
    pager.abandon();
    let pager = reopen(&vfs);
    assert_eq!(pager.recovery_report().durable_mark, now);
    assert_eq!(
        pager
            .begin_read()
            .expect("read")
            .page(2)
            .expect("page")
            .body()[0],
        8
    );
}

#[test]
fn a_mark_slot_that_ends_inside_a_transaction_is_an_error() {
    // No walnut writes this: a slot whose checksum holds but whose mark
    // names a frame that is not a commit frame (a forged slot, or a
    // checksum collision). Recovery must not keep fewer frames than the
    // slot claims, nor more than were committed: it refuses.
    let vfs = Arc::new(SimVfs::new(25));
    let ranges = three_commits_with(&vfs, Synchronous::Extra);
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    let header = walnut_pager::WalHeader::decode(&bytes[..32]).expect("header");
    let inside = ranges[2].0 as u32; // the last transaction's first frame
    let forged = walnut_pager::MarkSlot {
        salt1: header.salt1,
        salt2: header.salt2,
        sequence: 5,
        mark: inside,
    };
    bytes[SLOT_A..SLOT_A + SLOT_SIZE].copy_from_slice(&forged.encode(&header));
    // Drop the last transaction's commit frame, so the slot's frame is past
    // the last commit.
    bytes.truncate(frame_start(ranges[2].1));
    let b = SLOT_A + SLOT_SIZE;
    bytes[b..b + SLOT_SIZE].fill(0);
    vfs.set_file_bytes(wal(), bytes);
    let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect_err("forged");
    assert!(
        matches!(&err, PagerError::DamagedWal { frame, .. } if *frame == u64::from(inside)),
        "{err}"
    );
    assert!(err.to_string().contains("not a commit frame"), "{err}");
}

#[test]
fn a_slot_holding_the_last_sequence_number_does_not_stop_the_next_commit() {
    let vfs = Arc::new(SimVfs::new(29));
    let ranges = three_commits_with(&vfs, Synchronous::Extra);
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    let header = walnut_pager::WalHeader::decode(&bytes[..32]).expect("header");
    let forged = walnut_pager::MarkSlot {
        salt1: header.salt1,
        salt2: header.salt2,
        sequence: u64::MAX,
        mark: ranges[2].1 as u32,
    };
    bytes[SLOT_A..SLOT_A + SLOT_SIZE].copy_from_slice(&forged.encode(&header));
    vfs.set_file_bytes(wal(), bytes);
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", extra()).expect("open");
    let tx = pager.begin_write().expect("begin");
    for id in 2..=4 {
        tx.page_mut(id).expect("write").body_mut()[0] = 4;
    }
    tx.commit().expect("commit");
    let now = pager.wal_status().committed_frames;
    pager.abandon();
    let pager = reopen(&vfs);
    let r = pager.recovery_report();
    assert!(
        matches!(r.mark_slots[1], MarkSlotState::Valid(b) if b.sequence == 2 && u64::from(b.mark) == now),
        "{:?}",
        r.mark_slots
    );
    assert_eq!(r.durable_mark, now);
    assert_eq!(value(&pager), 4);
}

/// The WAL as a walnut of format version `version` (1 or 2) would have
/// written it: no mark slots, frame 1 at byte 32.
fn as_older_format(v3: &[u8], version: u32) -> Vec<u8> {
    let mut out = v3[..32].to_vec();
    out[8..12].copy_from_slice(&version.to_be_bytes());
    let sum = crc32(&out[..28]);
    out[28..32].copy_from_slice(&sum.to_be_bytes());
    out.extend_from_slice(&v3[80..]);
    out
}

/// The crc32 (IEEE) of `bytes`, as the WAL header uses it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_wal_of_an_older_format_is_an_error_when_it_holds_commits_the_main_file_lacks() {
    for version in [1, 2] {
        let vfs = Arc::new(SimVfs::new(26));
        three_commits_in_the_wal(&vfs);
        let v3 = vfs.file_bytes(wal()).expect("wal");
        vfs.set_file_bytes(wal(), as_older_format(&v3, version));
        let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect_err("older WAL");
        assert!(
            matches!(err, PagerError::UnsupportedWalVersion { found, supported: 3, .. } if found == version),
            "{err}"
        );
        assert!(
            err.to_string().starts_with(&format!(
                "d.db-wal: WAL format version {version}, but this build reads version 3; \
                 the WAL may hold commits the main file lacks"
            )),
            "{err}"
        );
    }
    // A future version: its layout is unknown, so it is always an error.
    let vfs = Arc::new(SimVfs::new(27));
    three_commits_in_the_wal(&vfs);
    let mut bytes = vfs.file_bytes(wal()).expect("wal");
    bytes[8..12].copy_from_slice(&4u32.to_be_bytes());
    let sum = crc32(&bytes[..28]);
    bytes[28..32].copy_from_slice(&sum.to_be_bytes());
    vfs.set_file_bytes(wal(), bytes);
    let err = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect_err("newer WAL");
    assert!(
        matches!(err, PagerError::UnsupportedWalVersion { found: 4, .. }),
        "{err}"
    );
}

#[test]
fn a_wal_of_an_older_format_whose_commits_are_all_checkpointed_is_ignored() {
    let vfs = Arc::new(SimVfs::new(28));
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect("open");
    let tx = pager.begin_write().expect("begin");
    tx.allocate(PageType::BTreeLeaf).expect("allocate");
    tx.commit().expect("commit");
    // Checkpoint while a reader holds the WAL: frames copied, no reset.
    let rx = pager.begin_read().expect("read");
    pager.checkpoint().expect("checkpoint");
    drop(rx);
    pager.abandon();
    let v3 = vfs.file_bytes(wal()).expect("wal");
    vfs.set_file_bytes(wal(), as_older_format(&v3, 2));
    let pager = reopen(&vfs);
    let r = pager.recovery_report();
    assert_eq!(
        r.stop,
        ScanStop::InvalidHeader("WAL format version 2; this build reads version 3".into())
    );
    assert_eq!(pager.begin_read().expect("read").page_count(), 2);
    // The WAL is rewritten in the current format at the next commit.
    let tx = pager.begin_write().expect("begin");
    tx.page_mut(2).expect("write").body_mut()[0] = 5;
    tx.commit().expect("commit");
    pager.abandon();
    let pager = reopen(&vfs);
    assert_eq!(
        pager
            .begin_read()
            .expect("read")
            .page(2)
            .expect("page")
            .body()[0],
        5
    );
}
