//! The buffer pool: pages stream through a pool much smaller than the
//! database with their contents intact; when every frame is pinned the
//! request fails at once with `PoolExhausted`, and works again as soon as a
//! guard is dropped; a transaction far larger than the pool commits within
//! it, spilling to the WAL many frames to a write, and its checkpoint
//! copies its consecutive pages into the main file many to a write. The
//! automatic checkpoint after a commit leaves the WAL file as long as it
//! was (the next frames overwrite the old ones); an explicit checkpoint
//! truncates a long one to its header.

use std::sync::Arc;
use walnut_pager::{FrameState, PageType, Pager, PagerError, PagerOptions, PoolSnapshot, SimVfs};

fn small_pool(frames: usize) -> PagerOptions {
    PagerOptions {
        page_size: 1024,
        pool_frames: frames,
        ..PagerOptions::default()
    }
}

fn stamp(id: u32, salt: u32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&id.to_be_bytes());
    b[4..].copy_from_slice(&salt.to_be_bytes());
    b
}

#[test]
fn sixty_four_pages_through_an_eight_frame_pool_keep_their_contents() {
    let vfs = Arc::new(SimVfs::new(1));
    let pager = Pager::open_with_vfs(vfs, "e.db", small_pool(8)).expect("open");
    let tx = pager.begin_write().expect("begin");
    let mut ids = Vec::new();
    for i in 0..64u32 {
        let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
        let id = p.id();
        p.body_mut()[..8].copy_from_slice(&stamp(id, i));
        ids.push(id);
    }
    // Read them back inside the transaction: most were spilled and evicted.
    for (i, &id) in ids.iter().enumerate() {
        assert_eq!(
            &tx.page(id).expect("page").body()[..8],
            &stamp(id, i as u32)
        );
    }
    tx.commit().expect("commit");

    let before = pager.stats();
    let rx = pager.begin_read().expect("read");
    for round in 0..3 {
        for (i, &id) in ids.iter().enumerate() {
            let p = rx.page(id).expect("page");
            assert_eq!(&p.body()[..8], &stamp(id, i as u32), "round {round}");
        }
    }
    let s = pager.stats().since(&before);
    assert!(
        s.evictions >= 64 * 3 - 8,
        "pages cycled through the pool: {s:?}"
    );
    assert_eq!(pager.pool_snapshot().frames.len(), 8);
}

#[test]
fn a_fully_pinned_pool_is_exhausted_and_recovers_after_an_unpin() {
    let vfs = Arc::new(SimVfs::new(2));
    let pager = Pager::open_with_vfs(vfs, "x.db", small_pool(4)).expect("open");
    let tx = pager.begin_write().expect("begin");
    let ids: Vec<u32> = (0..6)
        .map(|_| tx.allocate(PageType::Overflow).expect("allocate").id())
        .collect();
    tx.commit().expect("commit");

    let rx = pager.begin_read().expect("read");
    let mut held: Vec<_> = ids[..4]
        .iter()
        .map(|&id| rx.page(id).expect("pin"))
        .collect();
    let snap: PoolSnapshot = pager.pool_snapshot();
    assert!(snap.frames.iter().all(|f| f.pins == 1), "{snap:?}");
    let err = rx.page(ids[4]).expect_err("every frame pinned");
    assert!(
        matches!(err, PagerError::PoolExhausted { frames: 4 }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "buffer pool exhausted: all 4 frames are pinned"
    );

    held.pop();
    let p = rx.page(ids[4]).expect("a frame is free again");
    assert_eq!(p.id(), ids[4]);
}

#[test]
fn ten_thousand_pages_commit_through_a_64_frame_pool() {
    let vfs = Arc::new(SimVfs::new(3));
    let opts = PagerOptions {
        page_size: 1024,
        pool_frames: 64,
        autocheckpoint: 0,
        ..PagerOptions::default()
    };
    let pager = Pager::open_with_vfs(vfs.clone(), "big.db", opts.clone()).expect("open");
    let tx = pager.begin_write().expect("begin");
    let ops = vfs.ops();
    for i in 0..10_000u32 {
        let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
        let id = p.id();
        p.body_mut()[..8].copy_from_slice(&stamp(id, i));
    }
    let spill_writes = vfs.ops() - ops;
    let info = tx.commit().expect("commit");
    let s = pager.stats();
    assert!(
        info.frames <= 64,
        "the commit wrote only what was still in the pool"
    );
    assert!(s.spills >= 10_000 - 64, "the rest was spilled: {s:?}");
    // Each spill took along the private frames the hand was about to
    // reach (up to 8, an eighth of this pool): a WAL write carries many
    // frames, not one.
    assert!(
        spill_writes * 6 <= s.spills,
        "{spill_writes} writes for {} spilled frames",
        s.spills
    );
    assert_eq!(
        pager.pool_snapshot().frames.len(),
        64,
        "the pool never grew"
    );
    let private_now = pager
        .pool_snapshot()
        .frames
        .iter()
        .filter(|f| f.state == FrameState::Private)
        .count();
    assert_eq!(private_now, 0);

    // Read back, then again after a crash (the commit was synced).
    let check = |pager: &Pager| {
        let rx = pager.begin_read().expect("read");
        assert_eq!(rx.page_count(), 10_001);
        for i in 0..10_000u32 {
            let id = i + 2;
            assert_eq!(&rx.page(id).expect("page").body()[..8], &stamp(id, i));
        }
    };
    check(&pager);
    pager.abandon();
    vfs.crash();
    let pager = Pager::open_with_vfs(vfs.clone(), "big.db", opts).expect("reopen");
    let r = pager.recovery_report();
    assert_eq!(
        r.transactions_recovered, 2,
        "the creation and the big one: {r:?}"
    );
    check(&pager);

    // Once checkpointed, the 10 MiB WAL is not kept around.
    // Its 10,001 consecutive pages go to the main file 64 to a write.
    let ops = vfs.ops();
    assert!(pager.checkpoint().expect("checkpoint").wal_reset);
    let checkpoint_ops = vfs.ops() - ops;
    assert!(
        checkpoint_ops <= 10_001 / 64 + 10,
        "{checkpoint_ops} writes and syncs to checkpoint 10,001 pages"
    );
    let wal = vfs.file_bytes("big.db-wal".as_ref()).expect("wal");
    assert_eq!(wal.len(), 32, "truncated to its header at the reset");
    check(&pager);
}

#[test]
fn an_automatic_checkpoint_keeps_the_wal_file_and_an_explicit_one_shrinks_it() {
    let vfs = Arc::new(SimVfs::new(5));
    let opts = PagerOptions {
        page_size: 1024,
        pool_frames: 64,
        autocheckpoint: 100,
        ..PagerOptions::default()
    };
    let pager = Pager::open_with_vfs(vfs.clone(), "keep.db", opts.clone()).expect("open");
    let wal_len = || vfs.file_bytes("keep.db-wal".as_ref()).expect("wal").len();
    // 2,000 pages in one transaction: far more than twice the threshold.
    let tx = pager.begin_write().expect("begin");
    for i in 0..2_000u32 {
        let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
        let id = p.id();
        p.body_mut()[..8].copy_from_slice(&stamp(id, i));
    }
    let info = tx.commit().expect("commit");
    let report = info
        .autocheckpoint
        .expect("the commit checkpoints")
        .expect("checkpoint");
    assert!(report.wal_reset, "{report:?}");
    let big = wal_len();
    assert!(big > 2_000 * 1024, "the WAL kept its {big} bytes");
    // The next commits write over the old frames: the file does not grow.
    for i in 0..3u32 {
        let tx = pager.begin_write().expect("begin");
        tx.page_mut(2 + i).expect("page").body_mut()[..8].copy_from_slice(&stamp(2 + i, 7));
        tx.commit().expect("commit");
    }
    assert_eq!(wal_len(), big);
    // An explicit checkpoint truncates it to its header.
    assert!(pager.checkpoint().expect("checkpoint").wal_reset);
    assert_eq!(wal_len(), 32);
    // So it does right after an automatic checkpoint reset the WAL, with
    // no frame to reset.
    let tx = pager.begin_write().expect("begin");
    for id in 2..=2_001u32 {
        tx.page_mut(id).expect("page").body_mut()[..8].copy_from_slice(&stamp(id, 9));
    }
    let info = tx.commit().expect("commit");
    assert!(
        info.autocheckpoint
            .expect("auto")
            .expect("checkpoint")
            .wal_reset
    );
    assert!(wal_len() > 2_000 * 1024);
    assert!(!pager.checkpoint().expect("checkpoint").wal_reset);
    assert_eq!(wal_len(), 32);
    let check = |pager: &Pager| {
        let rx = pager.begin_read().expect("read");
        for id in 2..=2_001u32 {
            assert_eq!(&rx.page(id).expect("page").body()[..8], &stamp(id, 9));
        }
    };
    check(&pager);
    // The truncation was not synced: whether a crash keeps it or not,
    // nothing is lost.
    pager.abandon();
    vfs.crash();
    let pager = Pager::open_with_vfs(vfs.clone(), "keep.db", opts).expect("reopen");
    check(&pager);
}

#[test]
fn pool_snapshot_shows_pins_states_and_the_clock_hand() {
    let vfs = Arc::new(SimVfs::new(4));
    let pager = Pager::open_with_vfs(vfs, "s.db", small_pool(4)).expect("open");
    let tx = pager.begin_write().expect("begin");
    let p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
    let snap = pager.pool_snapshot();
    let held = snap
        .frames
        .iter()
        .find(|f| f.page == Some(p.id()))
        .expect("the new page has a frame");
    assert_eq!(
        (held.pins, held.state, held.ref_bit),
        (1, FrameState::Private, true)
    );
    assert!(snap.hand < 4);
    drop(p);
    tx.commit().expect("commit");
    let snap = pager.pool_snapshot();
    assert!(snap.frames.iter().all(|f| f.pins == 0));
    assert!(
        snap.frames.iter().any(|f| f.state == FrameState::Dirty),
        "committed pages live in the WAL until a checkpoint: {snap:?}"
    );
    pager.checkpoint().expect("checkpoint");
    let snap = pager.pool_snapshot();
    assert!(
        snap.frames.iter().all(|f| f.state != FrameState::Dirty),
        "after a checkpoint every cached page matches the main file: {snap:?}"
    );
}
