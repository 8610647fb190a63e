//! Reading ahead: `ReadTxn::read_ahead` reads a run of main-file pages
//! into the pool with one read, so that the fetches after it hit; it never
//! reads a page this snapshot must take from the WAL, and a damaged page
//! in the run is left for its own fetch to report.

use std::path::Path;
use std::sync::Arc;
use walnut_pager::{PageId, PageType, Pager, PagerError, PagerOptions, SimVfs};

fn options() -> PagerOptions {
    PagerOptions {
        page_size: 1024,
        pool_frames: 16,
        ..PagerOptions::default()
    }
}

fn stamp(id: PageId, version: u32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&id.to_be_bytes());
    b[4..].copy_from_slice(&version.to_be_bytes());
    b
}

/// `n` committed pages stamped version 0, checkpointed into the main file.
fn pages_in_the_main_file(pager: &Pager, n: usize) -> Vec<PageId> {
    let tx = pager.begin_write().expect("begin");
    let mut ids = Vec::new();
    for _ in 0..n {
        let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
        let id = p.id();
        p.body_mut()[..8].copy_from_slice(&stamp(id, 0));
        ids.push(id);
    }
    tx.commit().expect("commit");
    pager.checkpoint().expect("checkpoint");
    ids
}

#[test]
fn pages_read_ahead_are_hits_and_a_page_newer_in_the_wal_is_not_read_ahead() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = Pager::open_with_vfs(vfs, "r.db", options()).expect("open");
    let ids = pages_in_the_main_file(&pager, 40);
    let filler = pages_in_the_main_file(&pager, 40);
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    // Page ids[10] gets a newer version, committed to the WAL only.
    let tx = pager.begin_write().expect("begin");
    tx.page_mut(ids[10]).expect("write").body_mut()[..8].copy_from_slice(&stamp(ids[10], 1));
    tx.commit().expect("commit");
    // Forty other pages through the sixteen frames push the table out.
    {
        let rx = pager.begin_read().expect("read");
        for &id in &filler {
            rx.page(id).expect("filler");
        }
    }

    let rx = pager.begin_read().expect("read");
    let before = pager.stats();
    rx.read_ahead(ids[0], 16);
    let s = pager.stats().since(&before);
    assert_eq!(
        s.pages_read, 10,
        "the run stops at the page the WAL holds: {s:?}"
    );
    for (i, &id) in ids[..=10].iter().enumerate() {
        let want = stamp(id, u32::from(i == 10));
        assert_eq!(&rx.page(id).expect("page").body()[..8], &want, "page {id}");
    }
    let s = pager.stats().since(&before);
    assert_eq!(
        s.misses, 1,
        "only the WAL's version was read by its fetch: {s:?}"
    );
    assert_eq!(s.hits, 10, "{s:?}");

    // A run of one page, and a run past the end, read nothing.
    let before = pager.stats();
    rx.read_ahead(ids[11], 1);
    rx.read_ahead(filler[39] + 1, 8);
    assert_eq!(pager.stats().since(&before).pages_read, 0);
}

#[test]
fn a_damaged_page_in_the_run_is_reported_by_its_own_fetch() {
    let vfs = Arc::new(SimVfs::new(4));
    let pager = Pager::open_with_vfs(vfs.clone(), "d.db", options()).expect("open");
    let ids = pages_in_the_main_file(&pager, 12);
    pager.close().expect("close");
    let path = Path::new("d.db");
    let mut bytes = vfs.file_bytes(path).expect("file");
    let at = (ids[3] as usize - 1) * 1024 + 500;
    bytes[at] ^= 0x40;
    vfs.set_file_bytes(path, bytes);

    let pager = Pager::open_with_vfs(vfs, "d.db", options()).expect("reopen");
    let rx = pager.begin_read().expect("read");
    let before = pager.stats();
    rx.read_ahead(ids[0], 8);
    let s = pager.stats().since(&before);
    assert_eq!(s.pages_read, 8, "one run of eight pages: {s:?}");
    for (i, &id) in ids[..8].iter().enumerate() {
        match rx.page(id) {
            Ok(p) => {
                assert_ne!(i, 3, "the damaged page must not be served");
                assert_eq!(&p.body()[..8], &stamp(id, 0));
            }
            Err(e) => {
                assert_eq!(i, 3, "only the damaged page fails: {e}");
                assert!(
                    matches!(e, PagerError::ChecksumMismatch { page, .. } if page == ids[3]),
                    "{e:?}"
                );
            }
        }
    }
    let s = pager.stats().since(&before);
    assert_eq!(
        s.misses, 1,
        "only the damaged page was fetched from disk: {s:?}"
    );
}
