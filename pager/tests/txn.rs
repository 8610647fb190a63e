//! Transactions: rollback and rollback-to-savepoint restore contents (also
//! after spills), the freelist is reused before the file grows and
//! survives a reopen and a crash, and a second writer gets `Busy`.

use std::sync::Arc;
use std::time::Duration;
use walnut_pager::{PageType, Pager, PagerError, PagerOptions, SimVfs};

fn opts(frames: usize) -> PagerOptions {
    PagerOptions {
        page_size: 1024,
        pool_frames: frames,
        ..PagerOptions::default()
    }
}

fn open(vfs: &Arc<SimVfs>, frames: usize) -> Pager {
    Pager::open_with_vfs(vfs.clone(), "t.db", opts(frames)).expect("open")
}

/// Creates `n` pages holding byte `fill` and commits.
fn seed(pager: &Pager, n: usize, fill: u8) -> Vec<u32> {
    let tx = pager.begin_write().expect("begin");
    let ids = (0..n)
        .map(|_| {
            let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
            p.body_mut().fill(fill);
            p.id()
        })
        .collect();
    tx.commit().expect("commit");
    ids
}

fn first_byte(pager: &Pager, id: u32) -> u8 {
    pager
        .begin_read()
        .expect("read")
        .page(id)
        .expect("page")
        .body()[0]
}

#[test]
fn rollback_restores_contents_and_page_count_even_after_spills() {
    let vfs = Arc::new(SimVfs::new(1));
    let pager = open(&vfs, 4);
    let ids = seed(&pager, 10, 1);
    let tx = pager.begin_write().expect("begin");
    for &id in &ids {
        tx.page_mut(id).expect("write").body_mut().fill(9);
    }
    for _ in 0..10 {
        tx.allocate(PageType::BTreeLeaf).expect("allocate");
    }
    assert!(pager.stats().spills > 0, "a 4-frame pool had to spill");
    tx.rollback();
    for &id in &ids {
        assert_eq!(first_byte(&pager, id), 1);
    }
    let rx = pager.begin_read().expect("read");
    assert_eq!(rx.page_count(), 11);
    drop(rx);
    // The next transaction overwrites the rolled-back WAL frames; after a
    // crash, only committed work is there.
    let tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[0]).expect("write").body_mut().fill(2);
    tx.commit().expect("commit");
    pager.abandon();
    vfs.crash();
    let pager = open(&vfs, 4);
    assert_eq!(first_byte(&pager, ids[0]), 2);
    for &id in &ids[1..] {
        assert_eq!(first_byte(&pager, id), 1);
    }
    assert_eq!(pager.begin_read().expect("read").page_count(), 11);
}

#[test]
fn dropping_a_write_transaction_rolls_it_back() {
    let vfs = Arc::new(SimVfs::new(2));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 2, 5);
    {
        let tx = pager.begin_write().expect("begin");
        tx.page_mut(ids[0]).expect("write").body_mut().fill(6);
    }
    assert_eq!(first_byte(&pager, ids[0]), 5);
    assert_eq!(pager.stats().rollbacks, 1);
}

#[test]
fn rollback_to_savepoint_undoes_only_what_followed_it() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = open(&vfs, 4);
    let ids = seed(&pager, 6, 1);
    let mut tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[0]).expect("write").body_mut().fill(2);
    let sp = tx.savepoint().expect("savepoint");
    for &id in &ids {
        tx.page_mut(id).expect("write").body_mut().fill(3);
    }
    let extra = tx.allocate(PageType::Overflow).expect("allocate").id();
    tx.rollback_to(&sp).expect("rollback to");
    assert_eq!(
        tx.page(ids[0]).expect("page").body()[0],
        2,
        "before the savepoint: kept"
    );
    for &id in &ids[1..] {
        assert_eq!(tx.page(id).expect("page").body()[0], 1, "after it: undone");
    }
    assert_eq!(
        tx.page_count(),
        7,
        "the allocation after the savepoint is undone"
    );
    assert!(matches!(
        tx.page(extra),
        Err(PagerError::PageOutOfRange { .. })
    ));

    // The savepoint is still usable, as in SQL's ROLLBACK TO.
    tx.page_mut(ids[1]).expect("write").body_mut().fill(4);
    tx.rollback_to(&sp).expect("rollback again");
    assert_eq!(tx.page(ids[1]).expect("page").body()[0], 1);

    // Nested savepoints: releasing the outer one releases the inner one.
    let inner = tx.savepoint().expect("inner");
    tx.release(sp).expect("release");
    assert!(matches!(
        tx.rollback_to(&inner),
        Err(PagerError::NoSuchSavepoint(_))
    ));

    tx.commit().expect("commit");
    assert_eq!(first_byte(&pager, ids[0]), 2);
    assert_eq!(first_byte(&pager, ids[1]), 1);
    drop(pager);
    let pager = open(&vfs, 4);
    assert_eq!(first_byte(&pager, ids[0]), 2);
}

#[test]
fn freed_pages_are_reused_before_the_file_grows() {
    let vfs = Arc::new(SimVfs::new(4));
    let pager = open(&vfs, 16);
    let ids = seed(&pager, 2000, 1);
    let tx = pager.begin_write().expect("begin");
    for &id in &ids {
        tx.free(id).expect("free");
    }
    let h = tx.header().expect("header");
    assert_eq!(h.freelist_count, 2000);
    let list = tx.freelist().expect("freelist");
    assert!(
        list.trunks.len() >= 2,
        "2000 pages need more than one 1024-byte trunk"
    );
    let mut all = list.all();
    all.sort_unstable();
    assert_eq!(all, ids, "every freed page is on the freelist exactly once");
    tx.commit().expect("commit");

    let tx = pager.begin_write().expect("begin");
    let mut again: Vec<u32> = (0..2000)
        .map(|_| tx.allocate(PageType::BTreeLeaf).expect("allocate").id())
        .collect();
    assert_eq!(tx.page_count(), 2001, "the file did not grow");
    assert_eq!(tx.header().expect("header").freelist_count, 0);
    again.sort_unstable();
    assert_eq!(again, ids);
    let grown = tx.allocate(PageType::BTreeLeaf).expect("allocate").id();
    assert_eq!(grown, 2002, "only an empty freelist grows the file");
    tx.commit().expect("commit");
}

#[test]
fn the_freelist_survives_a_clean_reopen_and_a_crash() {
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 30, 1);
    let tx = pager.begin_write().expect("begin");
    for &id in &ids[10..20] {
        tx.free(id).expect("free");
    }
    tx.commit().expect("commit");
    let expect: Vec<u32> = ids[10..20].to_vec();
    let sorted = |pager: &Pager| {
        let mut v = pager
            .begin_read()
            .expect("read")
            .freelist()
            .expect("freelist")
            .all();
        v.sort_unstable();
        v
    };
    assert_eq!(sorted(&pager), expect);
    drop(pager);
    let pager = open(&vfs, 8);
    assert_eq!(sorted(&pager), expect, "after a clean reopen");

    // Free more, commit, crash before any checkpoint.
    let tx = pager.begin_write().expect("begin");
    tx.free(ids[0]).expect("free");
    tx.commit().expect("commit");
    pager.abandon();
    vfs.crash();
    let pager = open(&vfs, 8);
    let mut expect2 = expect.clone();
    expect2.push(ids[0]);
    expect2.sort_unstable();
    assert_eq!(sorted(&pager), expect2, "after a crash");
    let h = pager.begin_read().expect("read").header();
    assert_eq!(h.freelist_count, 11);
}

#[test]
fn freeing_the_header_page_or_a_page_out_of_range_is_refused() {
    let vfs = Arc::new(SimVfs::new(6));
    let pager = open(&vfs, 8);
    seed(&pager, 3, 1);
    let tx = pager.begin_write().expect("begin");
    let err = tx.free(1).expect_err("header page");
    assert_eq!(
        err.to_string(),
        "cannot free page 1: the header page is never free"
    );
    let err = tx.free(99).expect_err("out of range");
    assert!(err.to_string().contains("out of range"), "{err}");
}

#[test]
fn a_second_writer_is_busy_at_once_by_default() {
    let vfs = Arc::new(SimVfs::new(7));
    let pager = open(&vfs, 8);
    let tx = pager.begin_write().expect("first writer");
    let err = pager.begin_write().expect_err("second writer");
    assert!(matches!(err, PagerError::Busy), "{err}");
    drop(tx);
    pager
        .begin_write()
        .expect("free again after the first ends");
}

#[test]
fn a_second_writer_waits_for_the_busy_timeout() {
    let vfs = Arc::new(SimVfs::new(8));
    let pager = Arc::new(
        Pager::open_with_vfs(
            vfs,
            "w.db",
            PagerOptions {
                busy_timeout: Duration::from_secs(30),
                ..opts(8)
            },
        )
        .expect("open"),
    );
    let ids = seed(&pager, 1, 0);
    let tx = pager.begin_write().expect("first writer");
    tx.page_mut(ids[0]).expect("write").body_mut()[0] = 1;
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let p2 = pager.clone();
    let waiter = std::thread::spawn(move || {
        started_tx.send(()).expect("signal");
        let tx = p2.begin_write().expect("waits, then gets the lock");
        let seen = tx.page(1 + 1).expect("page").body()[0];
        tx.page_mut(2).expect("write").body_mut()[0] = seen + 1;
        tx.commit().expect("commit");
    });
    started_rx.recv().expect("thread started");
    tx.commit().expect("commit");
    waiter.join().expect("waiter");
    assert_eq!(
        first_byte(&pager, ids[0]),
        2,
        "the second writer saw the first's commit"
    );
}

#[test]
fn a_savepoint_writes_nothing_and_its_rollback_keeps_earlier_work_spilled_past_it() {
    let vfs = Arc::new(SimVfs::new(5));
    // Four frames: the twelve pages below cannot all stay in the pool.
    let pager = open(&vfs, 4);
    let ids = seed(&pager, 12, 1);
    let mut tx = pager.begin_write().expect("begin");
    // Work before the savepoint, private (and some of it spilled later).
    for &id in &ids[..6] {
        tx.page_mut(id).expect("write").body_mut().fill(2);
    }
    let spills = pager.stats().spills;
    let sp = tx.savepoint().expect("savepoint");
    assert_eq!(
        pager.stats().spills,
        spills,
        "taking a savepoint spills nothing"
    );
    // After it: the other pages change, which evicts (spills) the earlier
    // private pages past the savepoint's mark; then one earlier page changes.
    for &id in &ids[6..] {
        tx.page_mut(id).expect("write").body_mut().fill(3);
    }
    tx.page_mut(ids[0]).expect("write").body_mut().fill(4);
    assert!(
        pager.stats().spills > spills,
        "the test must spill past the mark"
    );
    tx.rollback_to(&sp).expect("rollback to");
    for &id in &ids[..6] {
        assert_eq!(tx.page(id).expect("page").body()[0], 2, "page {id}: kept");
    }
    for &id in &ids[6..] {
        assert_eq!(tx.page(id).expect("page").body()[0], 1, "page {id}: undone");
    }
    tx.commit().expect("commit");
    drop(pager);
    let pager = open(&vfs, 4);
    for &id in &ids[..6] {
        assert_eq!(first_byte(&pager, id), 2, "page {id} after reopening");
    }
    for &id in &ids[6..] {
        assert_eq!(first_byte(&pager, id), 1, "page {id} after reopening");
    }
}

#[test]
fn statement_after_statement_each_savepoint_restores_its_own_image() {
    // One savepoint per statement, each changing the same private page:
    // the images of released savepoints are spare buffers for the next
    // ones, and a rollback must restore the page as it was at *its*
    // savepoint, never an older image left in a reused buffer.
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 3, 1);
    let mut tx = pager.begin_write().expect("begin");
    for statement in 2u8..40 {
        let sp = tx.savepoint().expect("savepoint");
        tx.page_mut(ids[0])
            .expect("write")
            .body_mut()
            .fill(statement);
        tx.page_mut(ids[1]).expect("write").body_mut()[0] = statement;
        if statement % 5 == 0 {
            // This statement fails: its changes go, the last one's stay.
            tx.page_mut(ids[0]).expect("write").body_mut().fill(0xEE);
            tx.rollback_to(&sp).expect("rollback to");
            let body = tx.page(ids[0]).expect("page").body().to_vec();
            assert!(
                body.iter().all(|&b| b == statement - 1),
                "statement {statement}: page restored to {:?}..",
                &body[..4]
            );
            assert_eq!(tx.page(ids[1]).expect("page").body()[0], statement - 1);
            // Run it again, successfully this time.
            tx.page_mut(ids[0])
                .expect("write")
                .body_mut()
                .fill(statement);
            tx.page_mut(ids[1]).expect("write").body_mut()[0] = statement;
        }
        tx.release(sp).expect("release");
    }
    tx.commit().expect("commit");
    assert_eq!(first_byte(&pager, ids[0]), 39);
    assert_eq!(first_byte(&pager, ids[1]), 39);
}

/// The head [`page_mut_head`](walnut_pager::WriteTxn::page_mut_head) logs
/// in these tests: the page header and 16 bytes of body.
const HEAD: usize = 24 + 16;

/// Changes what an append into a tree leaf changes: the first 16 bytes of
/// the body (the head) and bytes at 800.. (free space, by the promise).
fn append_like(tx: &walnut_pager::WriteTxn, id: u32, byte: u8) {
    let mut p = tx.page_mut_head(id, HEAD).expect("write head");
    let body = p.body_mut();
    body[..16].fill(byte);
    body[800..820].fill(byte);
}

#[test]
fn a_head_logged_page_rolls_back_to_its_head_and_keeps_the_rest() {
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 2, 1);
    let mut tx = pager.begin_write().expect("begin");
    // Private before the savepoint, as a leaf is after the last statement.
    tx.page_mut(ids[0]).expect("write").body_mut()[..400].fill(2);
    let sp = tx.savepoint().expect("savepoint");
    append_like(&tx, ids[0], 3);
    append_like(&tx, ids[0], 4);
    assert_eq!(tx.savepoint_images(), 0, "a head is not a page image");
    tx.rollback_to(&sp).expect("rollback to");
    let body = tx.page(ids[0]).expect("page").body().to_vec();
    assert!(
        body[..400].iter().all(|&b| b == 2),
        "head and the rest restored"
    );
    tx.release(sp).expect("release");
    tx.commit().expect("commit");
    assert_eq!(first_byte(&pager, ids[0]), 2);
}

#[test]
fn a_head_logged_page_changed_past_its_head_rolls_back_whole() {
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 2, 1);
    let mut tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[0]).expect("write").body_mut().fill(2);
    let sp = tx.savepoint().expect("savepoint");
    append_like(&tx, ids[0], 3);
    // Then a change anywhere: the head becomes the image at the savepoint.
    tx.page_mut(ids[0]).expect("write").body_mut()[100..200].fill(5);
    assert_eq!(tx.savepoint_images(), 1);
    tx.rollback_to(&sp).expect("rollback to");
    let body = tx.page(ids[0]).expect("page").body().to_vec();
    assert!(body[..800].iter().all(|&b| b == 2), "{:?}", &body[..20]);
    tx.release(sp).expect("release");
    tx.commit().expect("commit");
}

#[test]
fn a_savepoint_taken_over_a_head_makes_it_an_image() {
    // sp1 logs a head; sp2, on top, logs the page's image when it changes
    // past the head; sp2 is released into sp1, which keeps its own entry.
    // Rolling back to sp1 must restore the page as it was at sp1: from a
    // head alone it could not (bytes 100.. changed after it was logged).
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 2, 1);
    let mut tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[0]).expect("write").body_mut().fill(2);
    let sp1 = tx.savepoint().expect("savepoint 1");
    append_like(&tx, ids[0], 3);
    let sp2 = tx.savepoint().expect("savepoint 2");
    tx.page_mut(ids[0]).expect("write").body_mut()[100..200].fill(5);
    append_like(&tx, ids[0], 6);
    tx.release(sp2).expect("release 2");
    tx.rollback_to(&sp1).expect("rollback to 1");
    let body = tx.page(ids[0]).expect("page").body().to_vec();
    assert!(body[..800].iter().all(|&b| b == 2), "{:?}", &body[96..104]);
    tx.release(sp1).expect("release 1");
    tx.commit().expect("commit");
}

#[test]
fn a_head_logged_page_spilled_before_the_rollback_is_read_back() {
    let vfs = Arc::new(SimVfs::new(5));
    // Four frames: the pages changed after the appends evict (spill) it.
    let pager = open(&vfs, 4);
    let ids = seed(&pager, 12, 1);
    let mut tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[0]).expect("write").body_mut()[..400].fill(2);
    let sp = tx.savepoint().expect("savepoint");
    append_like(&tx, ids[0], 3);
    let spills = pager.stats().spills;
    for &id in &ids[1..] {
        tx.page_mut(id).expect("write").body_mut().fill(7);
    }
    assert!(pager.stats().spills > spills, "the test must spill");
    tx.rollback_to(&sp).expect("rollback to");
    let body = tx.page(ids[0]).expect("page").body().to_vec();
    assert!(body[..400].iter().all(|&b| b == 2), "{:?}", &body[..20]);
    for &id in &ids[1..] {
        assert_eq!(tx.page(id).expect("page").body()[0], 1, "page {id}: undone");
    }
    tx.release(sp).expect("release");
    tx.commit().expect("commit");
    drop(pager);
    let pager = open(&vfs, 4);
    assert_eq!(first_byte(&pager, ids[0]), 2);
}

#[test]
fn the_shape_stamp_changes_with_frees_and_rollbacks_only() {
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 8);
    let ids = seed(&pager, 3, 1);
    let mut tx = pager.begin_write().expect("begin");
    let stamp = tx.shape_stamp();
    tx.page_mut(ids[0]).expect("write").body_mut()[0] = 9;
    let fresh = tx.allocate(PageType::BTreeLeaf).expect("allocate").id();
    assert_eq!(tx.shape_stamp(), stamp, "changes and allocations keep it");
    tx.free(fresh).expect("free");
    let after_free = tx.shape_stamp();
    assert_ne!(after_free, stamp, "a free changes it");
    let sp = tx.savepoint().expect("savepoint");
    tx.rollback_to(&sp).expect("rollback to");
    assert_ne!(tx.shape_stamp(), after_free, "a rollback changes it");
    tx.release(sp).expect("release");
    tx.commit().expect("commit");
    let tx = pager.begin_write().expect("begin");
    assert_ne!(
        tx.shape_stamp(),
        after_free,
        "another transaction has its own"
    );
}

#[test]
fn long_undo_logs_nest_release_and_roll_back_like_short_ones() {
    // More pages than a log searches in order (it indexes them then): an
    // outer savepoint logs 20 pages, an inner one 30 (20 of them the same),
    // is released into the outer, and the outer is rolled back.
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 64);
    let ids = seed(&pager, 40, 1);
    let mut tx = pager.begin_write().expect("begin");
    for &id in &ids {
        tx.page_mut(id).expect("write").body_mut().fill(2);
    }
    let outer = tx.savepoint().expect("outer");
    for &id in &ids[..20] {
        tx.page_mut(id).expect("write").body_mut().fill(3);
        tx.page_mut(id).expect("write").body_mut()[1] = 4;
    }
    let inner = tx.savepoint().expect("inner");
    for &id in &ids[10..40] {
        tx.page_mut(id).expect("write").body_mut().fill(5);
    }
    tx.release(inner).expect("release inner");
    assert_eq!(tx.savepoint_images(), 40, "one image per page, the oldest");
    tx.rollback_to(&outer).expect("rollback to outer");
    for &id in &ids {
        let body = tx.page(id).expect("page").body().to_vec();
        assert!(body.iter().all(|&b| b == 2), "page {id}: {:?}", &body[..4]);
    }
    tx.release(outer).expect("release outer");
    tx.commit().expect("commit");
}

#[test]
fn an_inner_savepoint_released_keeps_the_outer_ones_image_of_a_page_spilled_between() {
    // A page private at the outer savepoint is spilled past its mark
    // before an inner savepoint is taken, then changed under the inner one
    // (which logs it as on disk: at *its* mark it was). When the inner
    // savepoint is released into the outer one, the outer one must still
    // be able to restore the page as it was at its own mark, a version
    // only that spilled frame holds.
    inner_over_a_page_spilled_between(true);
}

#[test]
fn rolling_back_past_an_inner_savepoint_restores_a_page_spilled_between() {
    // The same, rolling back to the outer savepoint with the inner one
    // still open.
    inner_over_a_page_spilled_between(false);
}

fn inner_over_a_page_spilled_between(release_inner: bool) {
    let vfs = Arc::new(SimVfs::new(5));
    let pager = open(&vfs, 4);
    let ids = seed(&pager, 12, 1);
    let mut tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[0]).expect("write").body_mut().fill(2);
    let outer = tx.savepoint().expect("outer");
    let spills = pager.stats().spills;
    for &id in &ids[1..] {
        tx.page_mut(id).expect("write").body_mut().fill(3);
    }
    assert!(pager.stats().spills > spills, "the test must spill");
    let inner = tx.savepoint().expect("inner");
    tx.page_mut(ids[0]).expect("write").body_mut().fill(4);
    if release_inner {
        tx.release(inner).expect("release inner");
    }
    tx.rollback_to(&outer).expect("rollback to outer");
    let body = tx.page(ids[0]).expect("page").body().to_vec();
    assert!(body.iter().all(|&b| b == 2), "{:?}", &body[..4]);
    for &id in &ids[1..] {
        assert_eq!(tx.page(id).expect("page").body()[0], 1, "page {id}: undone");
    }
    tx.release(outer).expect("release outer");
    tx.commit().expect("commit");
    drop(pager);
    let pager = open(&vfs, 4);
    assert_eq!(first_byte(&pager, ids[0]), 2);
}
