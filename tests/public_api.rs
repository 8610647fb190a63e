//! The `walnut` package re-exports the layers' public APIs: what a user
//! who depends on `walnut` alone can reach.

use std::sync::Arc;
use walnut::pager::{PageType, Pager, PagerOptions, SimVfs};

#[test]
fn the_pager_is_reachable_through_the_walnut_crate() {
    let vfs = Arc::new(SimVfs::new(1));
    let pager = Pager::open_with_vfs(vfs, "api.db", PagerOptions::default()).expect("open");
    let tx = pager.begin_write().expect("begin");
    let id = {
        let mut p = tx.allocate(PageType::BTreeLeaf).expect("allocate");
        p.body_mut()[..6].copy_from_slice(b"walnut");
        p.id()
    };
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    assert_eq!(&rx.page(id).expect("page").body()[..6], b"walnut");
}
