//! Page fill: how full the splits leave a tree, by insert order.
//!
//! # What is proven
//!
//! * **Keys in increasing order fill the leaves.** A bulk append (keys
//!   `0..N` in order, values of 100 bytes like a table row) leaves the
//!   leaves more than 90% full on average and the tree within a few pages
//!   of the fewest leaves that could hold the payload; with an even split
//!   it would be about 50%. At 1024-byte pages with long keys (so the tree
//!   has several interior levels) the interior nodes fill up too, more
//!   than 75% on average although each level's rightmost node may be
//!   nearly empty.
//! * **Other orders still work and still split evenly.** Keys in a random
//!   order end up between 50% and 85% full (an append split taken for a
//!   random key would leave nearly empty pages behind); keys in decreasing
//!   order, and increasing runs that start below keys already present (an
//!   append into the rightmost child of a parent in the middle of the
//!   tree), read back exactly and check clean.
//! * **Deletes rebalance an appended tree.** Deleting from a packed tree
//!   (every other key, then nearly all) keeps the contents equal to a
//!   model and the integrity check clean, and the pages come back: after
//!   deleting every key the tree is its root again.
//! * **Replacing the last key** of a full rightmost leaf with a larger
//!   value (the replacement is re-inserted at the end, an append) splits
//!   the leaf and reads back.
//!
//! Every tree is checked with `check_database` after each committed
//! transaction; keys and values come from a seeded SplitMix64.

use std::collections::BTreeMap;
use std::sync::Arc;
use walnut_btree::check::check_database;
use walnut_btree::{BTree, Catalog, EntryKind, InsertMode, PageSource, TreeStats, tree_stats};
use walnut_pager::rng::SplitMix64 as Rng;
use walnut_pager::{Pager, PagerOptions, SimVfs};

fn pager(page_size: u32) -> Pager {
    let options = PagerOptions {
        page_size,
        pool_frames: 256,
        ..PagerOptions::default()
    };
    Pager::open_with_vfs(Arc::new(SimVfs::new(7)), "fill.db", options).expect("open")
}

fn create_tree(pager: &Pager) -> BTree {
    let tx = pager.begin_write().expect("begin_write");
    let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create_tree");
    tx.commit().expect("commit");
    tree
}

fn assert_healthy<S: PageSource + ?Sized>(src: &S, when: &str) {
    let problems = check_database(src, &[]).expect("check_database runs");
    assert!(
        problems.is_empty(),
        "{when}: the integrity check found {} problems; the first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
}

/// A table-row-like value: 100 bytes that depend on the key.
fn row(k: u64) -> Vec<u8> {
    let mut rng = Rng::new(k);
    (0..100)
        .map(|_| b'a' + (rng.next_u64() % 26) as u8)
        .collect()
}

/// Inserts `keys` (with `value(key)`) in one transaction, checks the
/// database, and returns the tree's statistics.
fn load(
    pager: &Pager,
    tree: BTree,
    keys: impl IntoIterator<Item = Vec<u8>>,
    value: impl Fn(&[u8]) -> Vec<u8>,
) -> TreeStats {
    let tx = pager.begin_write().expect("begin_write");
    for k in keys {
        tree.insert(&tx, &k, &value(&k), InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    assert_healthy(&rx, "after the load");
    tree_stats(&rx, tree).expect("stats")
}

/// The tree's whole contents, in key order.
fn contents(pager: &Pager, tree: BTree) -> Vec<(Vec<u8>, Vec<u8>)> {
    let rx = pager.begin_read().expect("read");
    tree.iter(&rx)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("scan")
}

fn be(k: u64) -> Vec<u8> {
    k.to_be_bytes().to_vec()
}

fn row_of(k: &[u8]) -> Vec<u8> {
    let mut b = [0u8; 8];
    b.copy_from_slice(&k[k.len() - 8..]);
    row(u64::from_be_bytes(b))
}

#[test]
fn keys_in_increasing_order_leave_the_leaves_more_than_90_percent_full() {
    let pager = pager(4096);
    let tree = create_tree(&pager);
    let n = 20_000u64;
    let st = load(&pager, tree, (0..n).map(be), row_of);
    assert_eq!(st.cells, n);
    assert!(
        st.leaf_fill > 0.90,
        "leaf fill {:.3} after an append-only load: {st:?}",
        st.leaf_fill
    );
    // The fewest leaves that could hold the cells: each cell is the key,
    // the value, two one-byte lengths and a two-byte pointer.
    let room = 4096 - 24 - 16;
    let per_leaf = room / (8 + 100 + 2 + 2);
    let fewest = n.div_ceil(per_leaf as u64);
    assert!(
        st.leaf_pages <= fewest + 1,
        "{} leaves where {fewest} could hold the rows",
        st.leaf_pages
    );
    let expected: Vec<_> = (0..n).map(|k| (be(k), row(k))).collect();
    assert!(contents(&pager, tree) == expected, "contents differ");
}

#[test]
fn keys_in_increasing_order_fill_the_interior_nodes_too() {
    // Long keys: about eight separators per 1024-byte interior page, so
    // 3000 rows make a tree of four or five levels.
    let pager = pager(1024);
    let tree = create_tree(&pager);
    let key = |k: u64| {
        let mut v = vec![b'k'; 100];
        v.extend_from_slice(&k.to_be_bytes());
        v
    };
    let n = 3000u64;
    let st = load(&pager, tree, (0..n).map(key), |_| b"v".to_vec());
    assert!(st.height >= 4, "height {}: {st:?}", st.height);
    assert!(st.leaf_fill > 0.90, "leaf fill {:.3}", st.leaf_fill);
    // Every page has the same cell space, so the interior pages' fill is
    // what the overall average has beyond the leaves' share.
    let (interior, leaves) = (st.interior_pages as f64, st.leaf_pages as f64);
    let interior_fill = (st.average_fill * (interior + leaves) - st.leaf_fill * leaves) / interior;
    assert!(
        interior_fill > 0.75,
        "interior fill {interior_fill:.3} ({} pages): {st:?}",
        st.interior_pages
    );
}

#[test]
fn keys_in_random_order_still_split_evenly() {
    let pager = pager(4096);
    let tree = create_tree(&pager);
    let n = 20_000u64;
    let mut order: Vec<u64> = (0..n).collect();
    let mut rng = Rng::new(99);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let st = load(&pager, tree, order.into_iter().map(be), row_of);
    assert!(
        (0.5..0.85).contains(&st.leaf_fill),
        "leaf fill {:.3} after random inserts",
        st.leaf_fill
    );
    let expected: Vec<_> = (0..n).map(|k| (be(k), row(k))).collect();
    assert!(contents(&pager, tree) == expected, "contents differ");
}

#[test]
fn keys_in_decreasing_order_and_increasing_runs_inside_the_tree_work() {
    let pager = pager(1024);
    let tree = create_tree(&pager);
    // Every 100th key first, in decreasing order, then the 99 keys after
    // each of them in increasing order (each run appends inside the tree).
    let sparse: Vec<u64> = (0..100u64).rev().map(|i| i * 100).collect();
    load(&pager, tree, sparse.iter().map(|&k| be(k)), row_of);
    for chunk in sparse.chunks(25) {
        let runs = chunk.iter().flat_map(|&s| (s + 1..s + 100).map(be));
        load(&pager, tree, runs, row_of);
    }
    let expected: Vec<_> = (0..10_000u64).map(|k| (be(k), row(k))).collect();
    assert!(contents(&pager, tree) == expected, "contents differ");
}

#[test]
fn deletes_rebalance_an_appended_tree_back_to_its_root() {
    let pager = pager(1024);
    let tree = create_tree(&pager);
    let n = 5000u64;
    load(&pager, tree, (0..n).map(be), row_of);
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = (0..n).map(|k| (be(k), row(k))).collect();
    let mut rng = Rng::new(5);
    // Every other key, then the rest in a random order, in batches.
    let mut doomed: Vec<u64> = (0..n).step_by(2).collect();
    let mut rest: Vec<u64> = (1..n).step_by(2).collect();
    for i in (1..rest.len()).rev() {
        rest.swap(i, rng.below(i as u64 + 1) as usize);
    }
    doomed.extend(rest);
    for batch in doomed.chunks(600) {
        let tx = pager.begin_write().expect("begin_write");
        for &k in batch {
            assert!(tree.delete(&tx, &be(k)).expect("delete"), "key {k}");
            model.remove(&be(k));
        }
        tx.commit().expect("commit");
        let rx = pager.begin_read().expect("read");
        assert_healthy(&rx, "after a batch of deletes");
        drop(rx);
        let now: Vec<_> = model.clone().into_iter().collect();
        assert!(contents(&pager, tree) == now, "contents differ");
    }
    let rx = pager.begin_read().expect("read");
    let st = tree_stats(&rx, tree).expect("stats");
    assert_eq!((st.height, st.leaf_pages, st.cells), (1, 1, 0), "{st:?}");
}

#[test]
fn replacing_the_last_key_of_a_full_rightmost_leaf_appends_it() {
    let pager = pager(1024);
    let tree = create_tree(&pager);
    // Eight 112-byte cells fill a 1024-byte leaf (984 bytes of cell
    // space), so 62 x 8 keys leave the rightmost leaf full, 88 bytes free.
    let n = 62 * 8u64;
    let before = load(&pager, tree, (0..n).map(be), row_of);
    assert_eq!(before.leaf_pages, 62, "{before:?}");
    let tx = pager.begin_write().expect("begin_write");
    // 200 bytes no longer fit (a 213-byte cell where 200 are free once the
    // old cell is gone), 230 fit the new leaf, 100 again fit anywhere.
    for big in [200usize, 230, 100] {
        assert!(
            tree.insert(&tx, &be(n - 1), &vec![b'z'; big], InsertMode::Upsert)
                .expect("upsert"),
            "the key was there"
        );
        assert_eq!(
            tree.get(&tx, &be(n - 1)).expect("get"),
            Some(vec![b'z'; big])
        );
    }
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    assert_healthy(&rx, "after the replacements");
    let after = tree_stats(&rx, tree).expect("stats");
    assert_eq!((after.cells, after.leaf_pages), (n, 63), "{after:?}");
    let mut expected: Vec<_> = (0..n).map(|k| (be(k), row(k))).collect();
    expected[n as usize - 1].1 = vec![b'z'; 100];
    drop(rx);
    assert!(contents(&pager, tree) == expected, "contents differ");
}
