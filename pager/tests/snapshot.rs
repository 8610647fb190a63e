//! Snapshot isolation across threads: a reader that began before a commit
//! keeps seeing the old contents through that commit and through a
//! checkpoint, while new readers see the new contents; the WAL is reset
//! only once no reader needs it. A reader that began on an empty WAL reads
//! the main file without asking the WAL index, and must keep its view too;
//! readers streaming through a tiny pool (constant eviction, unpinning
//! without the pool latch) must too.

use std::sync::{Arc, Barrier};
use walnut_pager::{PageType, Pager, PagerOptions, SimVfs};

fn open(vfs: &Arc<SimVfs>) -> Pager {
    Pager::open_with_vfs(
        vfs.clone(),
        "s.db",
        PagerOptions {
            page_size: 1024,
            pool_frames: 16,
            autocheckpoint: 0,
            ..PagerOptions::default()
        },
    )
    .expect("open")
}

fn seed(pager: &Pager, n: usize) -> Vec<u32> {
    let tx = pager.begin_write().expect("begin");
    let ids = (0..n)
        .map(|_| {
            let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
            p.body_mut()[0] = 1;
            p.id()
        })
        .collect();
    tx.commit().expect("commit");
    ids
}

#[test]
fn a_reader_keeps_its_view_through_a_commit_and_a_checkpoint_on_another_thread() {
    let vfs = Arc::new(SimVfs::new(1));
    let pager = Arc::new(open(&vfs));
    let ids = seed(&pager, 40);
    pager.checkpoint().expect("checkpoint");

    let old_reader = pager.begin_read().expect("read");
    let barrier = Arc::new(Barrier::new(2));
    let writer = {
        let pager = pager.clone();
        let ids = ids.clone();
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let tx = pager.begin_write().expect("begin");
            for &id in &ids {
                tx.page_mut(id).expect("write").body_mut()[0] = 2;
            }
            tx.allocate(PageType::BTreeLeaf).expect("grow");
            tx.commit().expect("commit");
            let report = pager.checkpoint().expect("checkpoint");
            barrier.wait();
            report
        })
    };
    // While the writer works, the old reader reads on this thread.
    for _ in 0..50 {
        for &id in &ids {
            assert_eq!(old_reader.page(id).expect("page").body()[0], 1);
        }
    }
    barrier.wait();
    let report = writer.join().expect("writer thread");
    assert!(!report.wal_reset, "the old reader still needs the WAL");
    assert!(
        report.frames_remaining > 0,
        "its snapshot holds the checkpoint back: {report:?}"
    );

    // After the commit and the checkpoint: still the old view, old size.
    assert_eq!(old_reader.page_count(), 41);
    for &id in &ids {
        assert_eq!(old_reader.page(id).expect("page").body()[0], 1);
    }
    let new_reader = pager.begin_read().expect("read");
    assert_eq!(new_reader.page_count(), 42);
    for &id in &ids {
        assert_eq!(new_reader.page(id).expect("page").body()[0], 2);
    }

    // Once the old reader is gone the checkpoint completes and resets.
    drop(old_reader);
    drop(new_reader);
    let report = pager.checkpoint().expect("checkpoint");
    assert!(report.wal_reset, "{report:?}");
    assert_eq!(report.frames_remaining, 0);
    let rx = pager.begin_read().expect("read");
    for &id in &ids {
        assert_eq!(rx.page(id).expect("page").body()[0], 2);
    }
}

#[test]
fn many_readers_on_many_threads_see_only_whole_commits() {
    let vfs = Arc::new(SimVfs::new(2));
    let pager = Arc::new(open(&vfs));
    let ids = seed(&pager, 8);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let pager = pager.clone();
            let ids = ids.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut views = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || views < 10 {
                    let rx = pager.begin_read().expect("read");
                    let first = rx.page(ids[0]).expect("page").body()[0];
                    for &id in &ids {
                        // Every commit writes the same value to all pages:
                        // a reader must never see two commits mixed.
                        assert_eq!(rx.page(id).expect("page").body()[0], first);
                    }
                    views += 1;
                }
                views
            })
        })
        .collect();
    for round in 2..=60u8 {
        let tx = pager.begin_write().expect("begin");
        for &id in &ids {
            tx.page_mut(id).expect("write").body_mut()[0] = round;
        }
        tx.commit().expect("commit");
        if round % 7 == 0 {
            pager.checkpoint().expect("checkpoint");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().expect("reader") >= 10);
    }
}

#[test]
fn pager_and_transactions_are_send_and_sync_where_they_must_be() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Pager>();
    send_sync::<walnut_pager::ReadTxn>();
    send::<walnut_pager::WriteTxn>();
}

/// Stamps every page of `ids` with `value` in one transaction.
fn rewrite_all(pager: &Pager, ids: &[u32], value: u8) {
    let tx = pager.begin_write().expect("begin");
    for &id in ids {
        tx.page_mut(id).expect("write").body_mut()[0] = value;
    }
    tx.commit().expect("commit");
}

fn assert_view(rx: &walnut_pager::ReadTxn, ids: &[u32], value: u8, what: &str) {
    for &id in ids {
        assert_eq!(
            rx.page(id).expect("page").body()[0],
            value,
            "{what}: page {id}"
        );
    }
}

/// A reader that begins on an empty WAL (right after a checkpoint reset
/// it) reads every page from the main file without asking the WAL index.
/// That stays right while later commits rewrite every page (through a pool
/// too small to hold them, so they spill), while checkpoints run, and
/// while other readers hold newer snapshots; and once it is gone, a reset
/// turns the newest frames into main-file versions that a new such reader
/// sees.
#[test]
fn a_reader_that_began_on_an_empty_wal_keeps_the_main_file_view() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = Pager::open_with_vfs(
        vfs.clone(),
        "e.db",
        PagerOptions {
            page_size: 1024,
            pool_frames: 8,
            autocheckpoint: 0,
            ..PagerOptions::default()
        },
    )
    .expect("open");
    let ids = seed(&pager, 30);
    assert!(pager.checkpoint().expect("checkpoint").wal_reset);
    assert_eq!(pager.wal_status().committed_frames, 0);

    let r0 = pager.begin_read().expect("read");
    // Some of its pages are cached as main-file versions now.
    assert_view(&r0, &ids, 1, "r0 before any commit");
    rewrite_all(&pager, &ids, 2);
    assert_view(&r0, &ids, 1, "r0 after the first rewrite");
    let report = pager.checkpoint().expect("checkpoint");
    assert_eq!(report.pages_copied, 0, "r0 holds every frame back");
    assert!(!report.wal_reset);
    assert_view(&r0, &ids, 1, "r0 after a checkpoint it held back");

    let r1 = pager.begin_read().expect("read");
    rewrite_all(&pager, &ids, 3);
    let r2 = pager.begin_read().expect("read");
    assert_view(&r0, &ids, 1, "r0 after the second rewrite");
    assert_view(&r1, &ids, 2, "r1");
    assert_view(&r2, &ids, 3, "r2");

    // Without r0, the checkpoint copies up to r1's snapshot into the main
    // file (and drops the stale cached main-file images).
    drop(r0);
    let report = pager.checkpoint().expect("checkpoint");
    assert!(report.pages_copied > 0 && !report.wal_reset, "{report:?}");
    assert_view(&r1, &ids, 2, "r1 after the checkpoint");
    assert_view(&r2, &ids, 3, "r2 after the checkpoint");
    drop(r1);
    drop(r2);
    assert!(pager.checkpoint().expect("checkpoint").wal_reset);
    let r3 = pager.begin_read().expect("read");
    assert_view(&r3, &ids, 3, "r3 after the reset");
    rewrite_all(&pager, &ids, 4);
    assert_view(&r3, &ids, 3, "r3 after a later commit");
    assert_view(&pager.begin_read().expect("read"), &ids, 4, "a new reader");
}

/// Readers on several threads stream pages through a pool far smaller than
/// the database (so CLOCK evicts all the time while guards are dropped,
/// unpinning without the pool latch), while a writer commits and
/// checkpoints: every page a reader sees is from its own snapshot.
#[test]
fn readers_streaming_through_a_tiny_pool_see_only_their_snapshot() {
    let vfs = Arc::new(SimVfs::new(4));
    let pager = Arc::new(
        Pager::open_with_vfs(
            vfs.clone(),
            "t.db",
            PagerOptions {
                page_size: 1024,
                pool_frames: 12,
                autocheckpoint: 0,
                ..PagerOptions::default()
            },
        )
        .expect("open"),
    );
    let ids = seed(&pager, 64);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3u64)
        .map(|t| {
            let pager = pager.clone();
            let ids = ids.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut rng = walnut_pager::rng::SplitMix64::new(t + 10);
                let mut views = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || views < 10 {
                    let rx = pager.begin_read().expect("read");
                    let first = rx.page(ids[0]).expect("page").body()[0];
                    for _ in 0..100 {
                        let id = ids[rng.index(ids.len())];
                        let page = loop {
                            // Another thread's pins may fill the pool for
                            // a moment; that is an error, not a wait.
                            match rx.page(id) {
                                Ok(p) => break p,
                                Err(walnut_pager::PagerError::PoolExhausted { .. }) => {
                                    std::thread::yield_now()
                                }
                                Err(e) => panic!("page {id}: {e}"),
                            }
                        };
                        assert_eq!(page.body()[0], first, "page {id} in one snapshot");
                    }
                    views += 1;
                }
                views
            })
        })
        .collect();
    let mut round = 2u8;
    while round <= 40 {
        let tx = pager.begin_write().expect("begin_write");
        let mut done = true;
        for &id in &ids {
            match tx.page_mut(id) {
                Ok(mut p) => p.body_mut()[0] = round,
                Err(walnut_pager::PagerError::PoolExhausted { .. }) => {
                    done = false;
                    break;
                }
                Err(e) => panic!("page_mut {id}: {e}"),
            }
        }
        if !done {
            // The readers' pins left no frame for a moment: try again.
            drop(tx);
            std::thread::yield_now();
            continue;
        }
        tx.commit().expect("commit");
        if round.is_multiple_of(5) {
            pager.checkpoint().expect("checkpoint");
        }
        round += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for r in readers {
        assert!(r.join().expect("reader") >= 10);
    }
    let rx = pager.begin_read().expect("read");
    assert_view(&rx, &ids, 40, "after the last commit");
}
