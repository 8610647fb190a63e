//! The cursor's copy of its leaf, its borrowing accessors, its guards
//! against damaged sibling chains, and deleting many keys at once.
//!
//! # What is proven
//!
//! * **One fetch per leaf.** A full scan, forward or backward, across a
//!   tree of many leaves (1024-byte pages) returns exactly the model's
//!   entries and asks the pool for about one page per leaf (plus the
//!   descent), not two per entry: stepping within a leaf and reading the
//!   entry work on the cursor's copy. Seeks of every kind land where the
//!   model says, and stepping both ways from them crosses leaves
//!   correctly.
//! * **Borrowing accessors.** [`Cursor::with_key`] and
//!   [`Cursor::with_entry`] lend the same bytes that `key()` and `entry()`
//!   copy, overflowing values (read from their chain) included; on a
//!   cursor that is not on an entry every accessor fails with
//!   `NoEntry` rather than returning stale bytes. `Range::next_with`
//!   lends what the iterator yields.
//! * **No guard across calls.** A cursor over a write transaction may
//!   exist while the same transaction rewrites the cursor's leaf (no
//!   `PageBorrowed`, no deadlock); a re-seek sees the change.
//! * **Damaged sibling chains are errors.** A leaf linked to itself (a
//!   scan would never end) fails with a corruption error going right and
//!   going left; a cycle that the key check cannot see (a leaf whose keys
//!   go down inside it, linked to itself) is stopped by the hop limit; a
//!   sibling link to an interior node is an error.
//! * **`BTree::delete_keys`** removes exactly the present keys (sorted,
//!   unsorted, with duplicates and absent keys mixed in, overflow values
//!   included), returns how many, leaves the integrity check clean after
//!   every commit, frees the pages of a tree emptied that way, and agrees
//!   with a model under random key sets (a property test).
//! * **`BTree::delete_where`** shows the predicate every entry once, in key
//!   order, with its whole value (overflow chains read), removes exactly
//!   the entries it dooms (every other one, two in three: merges and
//!   redistributions on the way, then everything), returns how many,
//!   leaves a clean tree, reads each leaf of a tree larger than the pool
//!   from disk once (`delete_keys` after collecting the keys reads it
//!   twice), stops at the predicate's first error with its own error type,
//!   agrees with a model under random key sets and predicates (a property
//!   test), and on a damaged leaf chain (a leaf linked to itself, with its
//!   keys in order or reversed) fails with a corruption error naming the
//!   leaf, having judged no entry twice.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use walnut_btree::node::{self, Kind};
use walnut_btree::{
    BTree, BTreeError, Catalog, Direction, EntryKind, InsertMode, PageSource, check_database,
    tree_stats,
};
use walnut_pager::{PageId, Pager, PagerOptions, PagerStats, SimVfs};

fn pager() -> Pager {
    let options = PagerOptions {
        page_size: 1024,
        pool_frames: 128,
        ..PagerOptions::default()
    };
    Pager::open_with_vfs(Arc::new(SimVfs::new(11)), "cursor.db", options).expect("open")
}

fn key(i: u32) -> Vec<u8> {
    format!("k{i:06}").into_bytes()
}

fn value(i: u32) -> Vec<u8> {
    format!("value {i} {}", "x".repeat((i % 50) as usize)).into_bytes()
}

/// A committed tree holding `key(i) -> value(i)` for every `i` in `keys`.
fn tree_with(pager: &Pager, keys: impl IntoIterator<Item = u32>) -> BTree {
    let tx = pager.begin_write().expect("begin");
    let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
    for i in keys {
        tree.insert(&tx, &key(i), &value(i), InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    tree
}

fn assert_healthy<S: PageSource + ?Sized>(src: &S) {
    let problems = check_database(src, &[]).expect("check runs");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Commits nothing; checks that `tree`, as committed, is healthy and holds
/// exactly `model`.
fn assert_tree_is(pager: &Pager, tree: BTree, model: &BTreeMap<Vec<u8>, Vec<u8>>) {
    let rx = pager.begin_read().expect("read");
    assert_healthy(&rx);
    let all: Vec<(Vec<u8>, Vec<u8>)> = tree
        .iter(&rx)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("scan");
    assert_eq!(all, model.clone().into_iter().collect::<Vec<_>>());
}

fn corrupt_reason(e: BTreeError) -> (PageId, String) {
    match e {
        BTreeError::Corrupt { page, reason } => (page, reason),
        other => panic!("expected a corruption error, got {other:?}"),
    }
}

#[test]
fn a_scan_fetches_each_leaf_once_and_matches_the_model() {
    let pager = pager();
    // Even numbers, inserted out of order: several levels, leaves not full.
    let keys: Vec<u32> = (0..3000).map(|i| (i * 7919) % 3000 * 2).collect();
    let tree = tree_with(&pager, keys.iter().copied());
    let model: BTreeMap<Vec<u8>, Vec<u8>> = keys.iter().map(|&i| (key(i), value(i))).collect();
    let rx = pager.begin_read().expect("read");
    let stats = tree_stats(&rx, tree).expect("stats");
    assert!(stats.leaf_pages > 50, "{stats:?}");
    let budget = stats.leaf_pages + stats.height as u64 + 2;

    // Forward.
    let before = pager.stats();
    let mut c = tree.cursor(&rx);
    let mut got = Vec::new();
    let mut on = c.first().expect("first");
    while on {
        got.push(
            c.with_entry(|k, v| (k.to_vec(), v.to_vec()))
                .expect("entry"),
        );
        on = c.move_next().expect("next");
    }
    let used = pager.stats().since(&before);
    let want: Vec<(Vec<u8>, Vec<u8>)> = model.clone().into_iter().collect();
    assert_eq!(got, want);
    assert!(
        used.hits + used.misses <= budget,
        "a forward scan of {} leaves asked for {} pages",
        stats.leaf_pages,
        used.hits + used.misses
    );

    // Backward, through owned accessors this time.
    let before = pager.stats();
    let mut got = Vec::new();
    let mut on = c.last().expect("last");
    while on {
        got.push((c.key().expect("key"), c.value().expect("value")));
        on = c.move_prev().expect("prev");
    }
    let used = pager.stats().since(&before);
    let mut want_back = want.clone();
    want_back.reverse();
    assert_eq!(got, want_back);
    assert!(used.hits + used.misses <= budget);

    // Ranges both ways, through the iterator and the lending call.
    let it: Vec<(Vec<u8>, Vec<u8>)> = tree
        .iter(&rx)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("scan");
    assert_eq!(it, want);
    let (lo, hi) = (key(1001), key(4999));
    let mut r = tree.range(
        &rx,
        Bound::Included(&lo),
        Bound::Excluded(&hi),
        Direction::Backward,
    );
    let mut lent = Vec::new();
    while let Some(k) = r.next_with(|k, _| k.to_vec()) {
        lent.push(k.expect("entry"));
    }
    let want_keys: Vec<Vec<u8>> = model
        .range(lo.clone()..hi.clone())
        .rev()
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(lent, want_keys);
}

#[test]
fn seeks_land_where_the_model_says_and_steps_cross_leaves() {
    let pager = pager();
    let tree = tree_with(&pager, (0..2000).map(|i| i * 2));
    let model: Vec<u32> = (0..2000).map(|i| i * 2).collect();
    let rx = pager.begin_read().expect("read");
    let mut c = tree.cursor(&rx);
    let at = |c: &walnut_btree::Cursor<'_, _>| c.with_key(<[u8]>::to_vec).expect("key");
    for probe in [0u32, 1, 2, 77, 78, 1999, 2000, 3998, 3999, 5000] {
        let ge = model.iter().find(|&&k| k >= probe);
        let gt = model.iter().find(|&&k| k > probe);
        let le = model.iter().rev().find(|&&k| k <= probe);
        let lt = model.iter().rev().find(|&&k| k < probe);
        assert_eq!(c.seek_ge(&key(probe)).expect("ge"), ge.is_some());
        if let Some(&k) = ge {
            assert_eq!(at(&c), key(k));
            // Ten steps right and back again, across leaf boundaries.
            let start = model.iter().position(|&m| m == k).expect("in model");
            let mut steps = 0;
            while steps < 10 && c.move_next().expect("next") {
                steps += 1;
                assert_eq!(at(&c), key(model[start + steps]));
            }
            if steps < 10 {
                assert!(!c.is_valid());
                assert!(c.seek_ge(&key(probe)).expect("again"));
                for _ in 0..steps {
                    assert!(c.move_next().expect("next"));
                }
            }
            for back in (0..steps).rev() {
                assert!(c.move_prev().expect("prev"));
                assert_eq!(at(&c), key(model[start + back]));
            }
        }
        assert_eq!(c.seek_gt(&key(probe)).expect("gt"), gt.is_some());
        if let Some(&k) = gt {
            assert_eq!(at(&c), key(k));
        }
        assert_eq!(c.seek_le(&key(probe)).expect("le"), le.is_some());
        if let Some(&k) = le {
            assert_eq!(at(&c), key(k));
        }
        assert_eq!(c.seek_lt(&key(probe)).expect("lt"), lt.is_some());
        if let Some(&k) = lt {
            assert_eq!(at(&c), key(k));
        }
        assert_eq!(
            c.seek_exact(&key(probe)).expect("exact"),
            model.contains(&probe)
        );
    }
}

#[test]
fn with_entry_reads_an_overflowing_value_and_an_invalid_cursor_reads_nothing() {
    let pager = pager();
    let tx = pager.begin_write().expect("begin");
    let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
    let big: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    tree.insert(&tx, b"a", b"small", InsertMode::Reject)
        .expect("insert");
    tree.insert(&tx, b"b", &big, InsertMode::Reject)
        .expect("insert");
    tree.insert(&tx, b"c", b"", InsertMode::Reject)
        .expect("insert");
    tx.commit().expect("commit");

    let rx = pager.begin_read().expect("read");
    let mut c = tree.cursor(&rx);
    for accessor in 0..4 {
        let e = match accessor {
            0 => c.key().map(drop),
            1 => c.value().map(drop),
            2 => c.entry().map(drop),
            _ => c.with_entry(|_, _| ()),
        }
        .expect_err("not positioned yet");
        assert!(matches!(e, BTreeError::NoEntry), "{e:?}");
    }
    assert!(c.seek_exact(b"b").expect("seek"));
    let (k, v) = c
        .with_entry(|k, v| (k.to_vec(), v.to_vec()))
        .expect("entry");
    assert_eq!((k.as_slice(), v.len()), (&b"b"[..], big.len()));
    assert!(v == big, "the overflowing value read back differs");
    assert_eq!(c.entry().expect("entry"), (b"b".to_vec(), big.clone()));
    assert_eq!(c.with_key(<[u8]>::len).expect("key"), 1);
    assert!(c.move_next().expect("next"));
    assert_eq!(
        c.with_entry(|k, v| (k.to_vec(), v.to_vec()))
            .expect("entry"),
        (b"c".to_vec(), Vec::new())
    );
    assert!(!c.move_next().expect("end"));
    assert!(matches!(c.with_key(|_| ()), Err(BTreeError::NoEntry)));
    assert!(!c.seek_exact(b"bb").expect("seek"));
    assert!(matches!(c.value(), Err(BTreeError::NoEntry)));
}

#[test]
fn a_cursor_holds_no_guard_while_its_transaction_writes() {
    let pager = pager();
    let tree = tree_with(&pager, (0..10).map(|i| i * 2));
    let tx = pager.begin_write().expect("begin");
    let mut c = tree.cursor(&tx);
    assert!(c.seek_ge(&key(4)).expect("seek"));
    // The cursor's leaf (the only one) is written while the cursor exists.
    tree.insert(&tx, &key(5), b"new", InsertMode::Reject)
        .expect("insert while a cursor is on the leaf");
    assert!(tree.delete(&tx, &key(6)).expect("delete"));
    // Re-seeking sees the change.
    assert!(c.seek_ge(&key(5)).expect("seek"));
    assert_eq!(c.entry().expect("entry"), (key(5), b"new".to_vec()));
    assert!(c.move_next().expect("next"));
    assert_eq!(c.key().expect("key"), key(8));
    drop(c);
    tx.commit().expect("commit");
}

/// Rewrites `leaf` of the committed database with `f`.
fn damage(pager: &Pager, leaf: PageId, f: impl FnOnce(&mut [u8])) {
    let tx = pager.begin_write().expect("begin");
    {
        let mut p = tx.page_mut(leaf).expect("page");
        f(p.body_mut());
    }
    tx.commit().expect("commit");
}

/// The leaves of `tree`, left to right, by following the sibling links.
fn leaves<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Vec<PageId> {
    let mut id = tree.root();
    loop {
        let p = src.page(id).expect("page");
        match Kind::of(p.page_type()) {
            Some(Kind::Leaf) => break,
            _ => id = node::child_at(p.body(), 0),
        }
    }
    let mut out = vec![id];
    loop {
        let next = node::right(src.page(id).expect("page").body());
        if next == 0 {
            return out;
        }
        out.push(next);
        id = next;
    }
}

fn scan_forward<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<usize, BTreeError> {
    let mut c = tree.cursor(src);
    let mut n = 0;
    let mut on = c.first()?;
    while on {
        n += 1;
        on = c.move_next()?;
    }
    Ok(n)
}

/// Walks the whole tree with [`Cursor::walk_forward`](walnut_btree::Cursor::walk_forward).
fn walk_forward<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<usize, BTreeError> {
    let mut c = tree.cursor(src);
    let mut n = 0;
    c.first()?;
    c.walk_forward(|_, _| -> Result<bool, BTreeError> {
        n += 1;
        Ok(true)
    })?;
    Ok(n)
}

fn scan_backward<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<usize, BTreeError> {
    let mut c = tree.cursor(src);
    let mut n = 0;
    let mut on = c.last()?;
    while on {
        n += 1;
        on = c.move_prev()?;
    }
    Ok(n)
}

#[test]
fn a_walk_in_page_order_reads_ahead_and_a_walk_told_its_end_reads_what_it_needs() {
    // A table-like tree: 8-byte big-endian keys inserted in order, so its
    // leaves are (nearly all) consecutive pages.
    let pager = pager();
    let tx = pager.begin_write().expect("begin");
    let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
    for i in 0..6000u64 {
        tree.insert(&tx, &i.to_be_bytes(), &value(i as u32), InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    // Only main-file pages are read ahead (the WAL's are read one by one).
    pager.checkpoint().expect("checkpoint");
    let rx = pager.begin_read().expect("read");
    let all = leaves(&rx, tree);
    assert!(all.len() > 200, "{} leaves", all.len());
    drop(rx);

    // The whole walk: after the first few leaves, most come from the pool.
    let rx = pager.begin_read().expect("read");
    let before = pager.stats();
    assert_eq!(walk_forward(&rx, tree).expect("walk"), 6000);
    let s = pager.stats().since(&before);
    assert!(
        s.misses * 4 < all.len() as u64,
        "{} leaves, {} fetched one by one: {s:?}",
        all.len(),
        s.misses
    );

    // A walk from the first key to a bound some leaves on, after a whole
    // walk has pushed the first leaves out of the 128-frame pool: told its
    // end, its seek reads the leaves up to the bound in one go, so it
    // fetches fewer pages one by one than untold.
    let end = 150u64;
    let bounded = |told: bool| -> (u64, PagerStats) {
        let rx = pager.begin_read().expect("read");
        assert_eq!(walk_forward(&rx, tree).expect("walk"), 6000);
        let before = pager.stats();
        let mut c = tree.cursor(&rx);
        if told {
            c.expect_end(&end.to_be_bytes());
        }
        c.seek_ge(&0u64.to_be_bytes()).expect("seek");
        let mut seen = 0u64;
        c.walk_forward(|k, _| -> Result<bool, BTreeError> {
            if k > end.to_be_bytes().as_slice() {
                return Ok(false);
            }
            seen += 1;
            Ok(true)
        })
        .expect("walk");
        (seen, pager.stats().since(&before))
    };
    let (seen_untold, untold) = bounded(false);
    let (seen_told, told) = bounded(true);
    assert_eq!((seen_untold, seen_told), (end + 1, end + 1));
    assert!(
        told.misses + 3 <= untold.misses,
        "told {told:?}, untold {untold:?}"
    );
}

#[test]
fn a_leaf_linked_to_itself_is_an_error_both_ways() {
    let pager = pager();
    let tree = tree_with(&pager, 0..600);
    let ls = leaves(&pager.begin_read().expect("read"), tree);
    assert!(ls.len() > 4);
    let (second, fourth) = (ls[1], ls[3]);
    damage(&pager, second, |b| node::set_right(b, second));
    damage(&pager, fourth, |b| node::set_left(b, fourth));
    let rx = pager.begin_read().expect("read");
    let (page, reason) = corrupt_reason(scan_forward(&rx, tree).expect_err("forward"));
    assert_eq!(page, second, "{reason}");
    assert!(reason.contains("out of order"), "{reason}");
    let (page, reason) = corrupt_reason(walk_forward(&rx, tree).expect_err("walk"));
    assert_eq!(page, second, "{reason}");
    assert!(reason.contains("out of order"), "{reason}");
    let (page, reason) = corrupt_reason(scan_backward(&rx, tree).expect_err("backward"));
    assert_eq!(page, fourth, "{reason}");
    assert!(reason.contains("out of order"), "{reason}");
    // A range over the damage fails too, and then ends.
    let mut it = tree.iter(&rx).expect("iter");
    assert!(it.by_ref().any(|kv| kv.is_err()));
    assert!(it.next().is_none());
}

#[test]
fn a_cycle_hidden_from_the_key_check_is_stopped_by_the_hop_limit() {
    let pager = pager();
    let tree = tree_with(&pager, 0..600);
    let ls = leaves(&pager.begin_read().expect("read"), tree);
    let second = ls[1];
    // The leaf's keys reversed (so its last key is below its first) and
    // its right link pointing at itself: every crossing lands on a key
    // greater than the one it left.
    damage(&pager, second, |b| {
        let mut cells = node::cells(b, Kind::Leaf);
        cells.reverse();
        assert!(node::write_cells(b, Kind::Leaf, &cells));
        node::set_right(b, second);
    });
    let rx = pager.begin_read().expect("read");
    let (page, reason) = corrupt_reason(scan_forward(&rx, tree).expect_err("forward"));
    assert_eq!(page, second);
    assert!(reason.contains("more leaves than"), "{reason}");
    let (page, reason) = corrupt_reason(walk_forward(&rx, tree).expect_err("walk"));
    assert_eq!(page, second);
    assert!(reason.contains("more leaves than"), "{reason}");
}

#[test]
fn delete_where_on_a_damaged_leaf_chain_is_an_error_not_an_endless_walk() {
    // A leaf linked to itself, and a leaf whose keys go down (linked to
    // itself as well): the walk must neither judge an entry twice nor go
    // round for ever.
    for reversed in [false, true] {
        let pager = pager();
        let tree = tree_with(&pager, 0..600);
        let second = leaves(&pager.begin_read().expect("read"), tree)[1];
        damage(&pager, second, |b| {
            if reversed {
                let mut cells = node::cells(b, Kind::Leaf);
                cells.reverse();
                assert!(node::write_cells(b, Kind::Leaf, &cells));
            }
            node::set_right(b, second);
        });
        let tx = pager.begin_write().expect("begin");
        let mut judged = std::collections::BTreeSet::new();
        let err = tree
            .delete_where(&tx, |k: &[u8], _: &[u8]| -> Result<bool, BTreeError> {
                assert!(judged.insert(k.to_vec()), "judged twice: {k:?}");
                Ok(judged.len() % 2 == 0)
            })
            .expect_err("damaged");
        // In order: its link leads back to keys already judged. Reversed:
        // the walk keeps landing on it and the hop limit stops it.
        let (page, reason) = corrupt_reason(err);
        assert_eq!(page, second, "{reason}");
        tx.rollback();
    }
}

#[test]
fn a_sibling_link_to_an_interior_node_is_an_error() {
    let pager = pager();
    let tree = tree_with(&pager, 0..600);
    let rx = pager.begin_read().expect("read");
    let ls = leaves(&rx, tree);
    let root = tree.root();
    drop(rx);
    damage(&pager, ls[0], |b| node::set_right(b, root));
    let rx = pager.begin_read().expect("read");
    let (page, reason) = corrupt_reason(scan_forward(&rx, tree).expect_err("forward"));
    assert_eq!(page, root);
    assert!(reason.contains("interior"), "{reason}");
}

#[test]
fn delete_keys_removes_runs_and_leaves_a_sound_tree() {
    let pager = pager();
    let n = 4000u32;
    let tree = tree_with(&pager, 0..n);
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = (0..n).map(|i| (key(i), value(i))).collect();

    // Every other key, sorted, plus absent keys and a duplicate.
    let tx = pager.begin_write().expect("begin");
    let mut doomed: Vec<Vec<u8>> = (0..n).step_by(2).map(key).collect();
    doomed.push(key(n + 5));
    doomed.push(key(10));
    doomed.push(b"k0000105".to_vec());
    doomed.sort();
    assert_eq!(
        tree.delete_keys(&tx, &doomed).expect("delete"),
        u64::from(n / 2)
    );
    for i in (0..n).step_by(2) {
        model.remove(&key(i));
    }
    tx.commit().expect("commit");
    assert_tree_is(&pager, tree, &model);

    // Unsorted: the rest of a range in reverse order.
    let tx = pager.begin_write().expect("begin");
    let doomed: Vec<Vec<u8>> = (1000..3000).rev().map(key).collect();
    assert_eq!(tree.delete_keys(&tx, &doomed).expect("delete"), 1000);
    for i in 1000..3000 {
        model.remove(&key(i));
    }
    tx.commit().expect("commit");
    assert_tree_is(&pager, tree, &model);

    // Everything: the tree is its root again, every other page free.
    let tx = pager.begin_write().expect("begin");
    let doomed: Vec<Vec<u8>> = model.keys().cloned().collect();
    assert_eq!(
        tree.delete_keys(&tx, &doomed).expect("delete"),
        model.len() as u64
    );
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    assert_healthy(&rx);
    let st = tree_stats(&rx, tree).expect("stats");
    assert_eq!((st.height, st.leaf_pages, st.cells), (1, 1, 0), "{st:?}");
    assert!(tree.iter(&rx).expect("iter").next().is_none());
}

#[test]
fn delete_keys_frees_overflow_chains() {
    let pager = pager();
    let tx = pager.begin_write().expect("begin");
    let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
    for i in 0..60 {
        let v = vec![i as u8; 500 + 300 * (i as usize % 7)];
        tree.insert(&tx, &key(i), &v, InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    let before = tree_stats(&pager.begin_read().expect("read"), tree).expect("stats");
    assert!(before.overflow_pages > 0);
    let tx = pager.begin_write().expect("begin");
    let doomed: Vec<Vec<u8>> = (0..60).map(key).collect();
    assert_eq!(tree.delete_keys(&tx, &doomed).expect("delete"), 60);
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    assert_healthy(&rx);
    let after = tree_stats(&rx, tree).expect("stats");
    assert_eq!((after.overflow_pages, after.cells), (0, 0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A cursor told its end (8-byte keys, some values overflowing, keys
    /// inserted in random order so that leaves are not in page order) lends
    /// exactly the model's entries from its seek to the end.
    #[test]
    fn a_walk_told_its_end_lends_the_models_entries(
        present in prop::collection::vec(any::<u64>(), 0..1500),
        big in prop::collection::btree_set(0usize..1500, 0..30),
        from in any::<u64>(),
        to in any::<u64>(),
    ) {
        let pager = pager();
        let tx = pager.begin_write().expect("begin");
        let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for (i, k) in present.iter().enumerate() {
            let v = if big.contains(&i) { value(i as u32).repeat(300) } else { value(i as u32) };
            tree.insert(&tx, &k.to_be_bytes(), &v, InsertMode::Upsert).expect("insert");
            model.insert(k.to_be_bytes().to_vec(), v);
        }
        tx.commit().expect("commit");
        pager.checkpoint().expect("checkpoint");
        let (lo, hi) = (from.min(to).to_be_bytes(), from.max(to).to_be_bytes());
        let rx = pager.begin_read().expect("read");
        let mut c = tree.cursor(&rx);
        c.expect_end(&hi);
        c.seek_ge(&lo).expect("seek");
        let mut got = Vec::new();
        c.walk_forward(|k, v| -> Result<bool, BTreeError> {
            if k > hi.as_slice() {
                return Ok(false);
            }
            got.push((k.to_vec(), v.to_vec()));
            Ok(true)
        })
        .expect("walk");
        let want: Vec<(Vec<u8>, Vec<u8>)> = model
            .range(lo.to_vec()..=hi.to_vec())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// A walk from a random key that stops at another random key lends
    /// exactly the model's entries in between (overflowing values read
    /// whole), and leaves the cursor on the entry it stopped at.
    #[test]
    fn walk_forward_lends_the_models_entries_and_stops_where_told(
        present in prop::collection::btree_set(0u32..3000, 0..1500),
        big in prop::collection::btree_set(0u32..3000, 0..40),
        from in 0u32..3100,
        len in 0u32..3100,
    ) {
        let pager = pager();
        let tx = pager.begin_write().expect("begin");
        let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for &i in &present {
            let v = if big.contains(&i) { value(i).repeat(300) } else { value(i) };
            tree.insert(&tx, &key(i), &v, InsertMode::Reject).expect("insert");
            model.insert(key(i), v);
        }
        tx.commit().expect("commit");
        let (lo, hi) = (key(from), key(from.saturating_add(len)));
        let rx = pager.begin_read().expect("read");
        let mut c = tree.cursor(&rx);
        c.seek_ge(&lo).expect("seek");
        let mut got = Vec::new();
        c.walk_forward(|k, v| -> Result<bool, BTreeError> {
            if k >= hi.as_slice() {
                return Ok(false);
            }
            got.push((k.to_vec(), v.to_vec()));
            Ok(true)
        })
        .expect("walk");
        let want: Vec<(Vec<u8>, Vec<u8>)> =
            model.range(lo..hi.clone()).map(|(k, v)| (k.clone(), v.clone())).collect();
        prop_assert_eq!(got, want);
        match model.range(hi..).next() {
            Some((k, _)) => prop_assert_eq!(&c.key().expect("stopped on an entry"), k),
            None => prop_assert!(c.key().is_err(), "past the end"),
        }
    }

    /// Random keys in, a random selection (with absent keys, duplicates,
    /// sorted or not) deleted at once: the model's contents, a clean check.
    #[test]
    fn delete_keys_agrees_with_a_model(
        present in prop::collection::btree_set(0u32..3000, 0..1500),
        doomed in prop::collection::vec(0u32..3200, 0..1500),
        sorted in any::<bool>(),
    ) {
        let pager = pager();
        let tree = tree_with(&pager, present.iter().copied());
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> =
            present.iter().map(|&i| (key(i), value(i))).collect();
        let mut keys: Vec<Vec<u8>> = doomed.iter().map(|&i| key(i)).collect();
        if sorted {
            keys.sort();
        }
        let mut want = 0;
        for k in &keys {
            want += u64::from(model.remove(k).is_some());
        }
        let tx = pager.begin_write().expect("begin");
        prop_assert_eq!(tree.delete_keys(&tx, &keys).expect("delete"), want);
        tx.commit().expect("commit");
        assert_tree_is(&pager, tree, &model);
    }

    /// Random keys in (some with overflowing values), a random subset
    /// doomed by the predicate: each entry judged once in key order with
    /// its value, the model's contents after, a clean check.
    #[test]
    fn delete_where_agrees_with_a_model(
        present in prop::collection::btree_set(0u32..3000, 0..1500),
        doomed in prop::collection::btree_set(0u32..3000, 0..1500),
    ) {
        let pager = pager();
        let tx = pager.begin_write().expect("begin");
        let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for &i in &present {
            let v = if i % 97 == 0 { vec![i as u8; 2000] } else { value(i) };
            tree.insert(&tx, &key(i), &v, InsertMode::Reject).expect("insert");
            model.insert(key(i), v);
        }
        tx.commit().expect("commit");
        let doomed_keys: std::collections::BTreeSet<Vec<u8>> =
            doomed.iter().map(|&i| key(i)).collect();
        let tx = pager.begin_write().expect("begin");
        let mut seen = Vec::new();
        let n = tree
            .delete_where(&tx, |k: &[u8], v: &[u8]| -> Result<bool, BTreeError> {
                seen.push((k.to_vec(), v.to_vec()));
                Ok(doomed_keys.contains(k))
            })
            .expect("delete_where");
        tx.commit().expect("commit");
        prop_assert!(seen == model.clone().into_iter().collect::<Vec<_>>(), "judged entries");
        let before = model.len();
        model.retain(|k, _| !doomed_keys.contains(k));
        prop_assert_eq!(n, (before - model.len()) as u64);
        assert_tree_is(&pager, tree, &model);
    }
}

#[test]
fn delete_where_judges_each_entry_once_and_reads_each_leaf_once() {
    let pager = pager();
    let n = 20_000u32;
    let tree = tree_with(&pager, 0..n);
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = (0..n).map(|i| (key(i), value(i))).collect();
    let leaves = tree_stats(&pager.begin_read().expect("read"), tree)
        .expect("stats")
        .leaf_pages;
    assert!(leaves > 4 * 128, "{leaves} leaves: larger than the pool");

    // Every other entry: leaves half full, no rebalancing. Each leaf comes
    // from disk once (the pool holds an eighth of them).
    let tx = pager.begin_write().expect("begin");
    let misses = pager.stats().misses;
    let mut seen = Vec::new();
    let gone = tree
        .delete_where(&tx, |k: &[u8], v: &[u8]| -> Result<bool, BTreeError> {
            seen.push(k.to_vec());
            assert_eq!(Some(&v.to_vec()), model.get(k), "the entry's value");
            Ok(seen.len() % 2 == 0)
        })
        .expect("delete_where");
    let read = pager.stats().misses - misses;
    tx.commit().expect("commit");
    assert_eq!(seen, model.keys().cloned().collect::<Vec<_>>());
    assert_eq!(gone, u64::from(n / 2));
    assert!(
        read < leaves + leaves / 10,
        "{read} pages read from disk for {leaves} leaves"
    );
    let mut i = 0;
    model.retain(|_, _| {
        i += 1;
        i % 2 == 1
    });
    assert_tree_is(&pager, tree, &model);

    // Two in three of what is left: leaves fall below a third, merge and
    // redistribute while the walk goes on.
    let tx = pager.begin_write().expect("begin");
    let mut judged = 0u64;
    let gone = tree
        .delete_where(&tx, |k: &[u8], _: &[u8]| -> Result<bool, BTreeError> {
            judged += 1;
            Ok(k.last().is_some_and(|b| b % 3 != 0))
        })
        .expect("delete_where");
    tx.commit().expect("commit");
    assert_eq!(judged, model.len() as u64, "every entry judged once");
    let before = model.len();
    model.retain(|k, _| k.last().is_some_and(|b| b % 3 == 0));
    assert_eq!(gone, (before - model.len()) as u64);
    assert_tree_is(&pager, tree, &model);

    // The predicate's error stops the walk and is returned as it is; the
    // transaction's rollback undoes what was removed.
    #[derive(Debug, PartialEq)]
    enum Stop {
        Here(usize),
        Tree(String),
    }
    impl From<BTreeError> for Stop {
        fn from(e: BTreeError) -> Self {
            Stop::Tree(e.to_string())
        }
    }
    let tx = pager.begin_write().expect("begin");
    let mut count = 0;
    let err = tree
        .delete_where(&tx, |_: &[u8], _: &[u8]| {
            count += 1;
            if count == 500 {
                Err(Stop::Here(count))
            } else {
                Ok(true)
            }
        })
        .expect_err("stopped");
    assert_eq!((err, count), (Stop::Here(500), 500));
    tx.rollback();
    assert_tree_is(&pager, tree, &model);

    // Everything: the tree is its root again.
    let tx = pager.begin_write().expect("begin");
    let gone = tree
        .delete_where(&tx, |_: &[u8], _: &[u8]| -> Result<bool, BTreeError> {
            Ok(true)
        })
        .expect("delete_where");
    tx.commit().expect("commit");
    assert_eq!(gone, model.len() as u64);
    let rx = pager.begin_read().expect("read");
    assert_healthy(&rx);
    let st = tree_stats(&rx, tree).expect("stats");
    assert_eq!((st.height, st.leaf_pages, st.cells), (1, 1, 0), "{st:?}");
}
