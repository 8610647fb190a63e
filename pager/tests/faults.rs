//! Injected I/O errors and a full disk: the failing operation returns a
//! clear error, nothing is half-committed, the pager stays usable, and the
//! file reopens consistent (after a crash too).

use std::sync::Arc;
use walnut_pager::{PageType, Pager, PagerError, PagerOptions, SimVfs};

fn opts() -> PagerOptions {
    PagerOptions {
        page_size: 1024,
        pool_frames: 8,
        autocheckpoint: 0,
        ..PagerOptions::default()
    }
}

fn open(vfs: &Arc<SimVfs>) -> Pager {
    Pager::open_with_vfs(vfs.clone(), "f.db", opts()).expect("open")
}

/// 20 pages, all holding `v` in their first byte.
fn setup(vfs: &Arc<SimVfs>) -> Pager {
    let pager = open(vfs);
    let tx = pager.begin_write().expect("begin");
    for _ in 0..20 {
        tx.allocate(PageType::BTreeLeaf)
            .expect("allocate")
            .body_mut()[0] = 1;
    }
    tx.commit().expect("commit");
    pager
}

/// Rewrites every page with `v` in one transaction (larger than the pool,
/// so it spills) and commits.
fn rewrite_all(pager: &Pager, v: u8) -> walnut_pager::Result<()> {
    let tx = pager.begin_write()?;
    for id in 2..=21 {
        tx.page_mut(id)?.body_mut()[0] = v;
    }
    tx.commit().map(|_| ())
}

fn assert_all(pager: &Pager, v: u8) {
    let rx = pager.begin_read().expect("read");
    assert_eq!(rx.page_count(), 21);
    for id in 2..=21 {
        assert_eq!(rx.page(id).expect("page").body()[0], v, "page {id}");
    }
}

#[test]
fn a_failed_write_at_any_point_of_a_commit_leaves_the_old_state() {
    for nth in 0..8 {
        let vfs = Arc::new(SimVfs::new(nth));
        let pager = setup(&vfs);
        vfs.fail_write_after(Some(nth));
        let err = rewrite_all(&pager, 2).expect_err("injected write error");
        assert!(
            matches!(err, PagerError::Io { .. }),
            "write {nth}: expected an I/O error, got {err}"
        );
        assert!(err.to_string().contains("simulated I/O error"), "{err}");
        assert_all(&pager, 1);
        // Still usable: the next transaction commits.
        rewrite_all(&pager, 3).expect("commit after the error");
        assert_all(&pager, 3);
        pager.abandon();
        vfs.crash();
        assert_all(&open(&vfs), 3);
    }
}

#[test]
fn a_failed_fsync_at_commit_rolls_back_and_recovery_keeps_it_whole_or_not_at_all() {
    for seed in 0..20 {
        let vfs = Arc::new(SimVfs::new(seed));
        let pager = setup(&vfs);
        vfs.fail_sync_after(Some(0));
        let err = rewrite_all(&pager, 2).expect_err("injected fsync error");
        assert!(err.to_string().contains("syncing the WAL"), "{err}");
        assert_all(&pager, 1);
        pager.abandon();
        vfs.crash();
        // The frames were written, the fsync failed: after a crash the
        // transaction is either all there or not at all.
        let pager = open(&vfs);
        let rx = pager.begin_read().expect("read");
        let first = rx.page(2).expect("page").body()[0];
        assert!(first == 1 || first == 2);
        drop(rx);
        assert_all(&pager, first);
    }
}

#[test]
fn a_full_disk_fails_the_commit_cleanly_and_space_freed_lets_it_through() {
    let vfs = Arc::new(SimVfs::new(9));
    let pager = setup(&vfs);
    let used: u64 = ["f.db", "f.db-wal"]
        .iter()
        .filter_map(|p| vfs.file_bytes(p.as_ref()))
        .map(|b| b.len() as u64)
        .sum();
    vfs.set_capacity(Some(used + 3 * 1048));
    let err = rewrite_all(&pager, 2).expect_err("disk full");
    assert!(matches!(err, PagerError::DiskFull { .. }), "{err}");
    assert!(
        err.to_string().contains("disk full while appending"),
        "{err}"
    );
    assert_all(&pager, 1);

    vfs.set_capacity(None);
    rewrite_all(&pager, 4).expect("commit once there is space");
    assert_all(&pager, 4);
    pager.abandon();
    vfs.crash();
    assert_all(&open(&vfs), 4);
}

#[test]
fn an_io_error_during_checkpoint_loses_nothing() {
    // Each of the checkpoint's writes fails in turn (the 20 pages and the
    // header, consecutive, go to the main file in one write; then the WAL
    // is reset), until a checkpoint has no write left to fail.
    let mut failed = 0;
    for nth in 0..8 {
        let vfs = Arc::new(SimVfs::new(100 + nth));
        let pager = setup(&vfs);
        rewrite_all(&pager, 5).expect("commit");
        vfs.fail_write_after(Some(nth));
        let Err(err) = pager.checkpoint() else {
            break;
        };
        failed += 1;
        assert!(err.to_string().contains("simulated I/O error"), "{err}");
        assert_all(&pager, 5);
        rewrite_all(&pager, 6).expect("still usable");
        pager.abandon();
        vfs.crash();
        let pager = open(&vfs);
        assert_all(&pager, 6);
        pager.checkpoint().expect("a later checkpoint completes");
        assert_all(&pager, 6);
    }
    assert!(
        failed >= 2,
        "only {failed} of the checkpoint's writes failed"
    );
}

#[test]
fn a_failed_sync_during_checkpoint_loses_nothing() {
    let vfs = Arc::new(SimVfs::new(7));
    let pager = setup(&vfs);
    rewrite_all(&pager, 5).expect("commit");
    vfs.fail_sync_after(Some(0));
    let err = pager.checkpoint().expect_err("main file fsync fails");
    assert!(err.to_string().contains("syncing the database"), "{err}");
    assert_all(&pager, 5);
    pager.abandon();
    vfs.crash();
    assert_all(&open(&vfs), 5);
}
