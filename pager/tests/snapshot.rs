//! Snapshot isolation across threads: a reader that began before a commit
//! keeps seeing the old contents through that commit and through a
//! checkpoint, while new readers see the new contents; the WAL is reset
//! only once no reader needs it.

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
