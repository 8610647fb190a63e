//! A damaged WAL or main file: a torn tail stops recovery at the last valid
//! commit, and the recovery report says where and why; damage in a frame
//! that a later frame proves was committed is an error naming the frame;
//! damage in the last transaction drops just that transaction (it cannot be
//! told from a torn commit); a flipped byte in a main-file page is a
//! checksum error naming that page; a WAL with a damaged header is ignored
//! when the main file holds everything, and an error otherwise.

use std::path::Path;
use std::sync::Arc;
use walnut_pager::{PageType, Pager, PagerError, PagerOptions, ScanStop, SimVfs};

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
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", opts()).expect("open");
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
    32 + (n - 1) * FRAME
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
    let committed = (bytes.len() - 32) / FRAME;
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
