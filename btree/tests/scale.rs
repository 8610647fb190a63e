//! Scale: the B+Tree at sizes the unit and model tests never reach, and
//! exact page accounting at those sizes.
//!
//! # What is proven
//!
//! * **100,000 keys, all deleted, all reinserted** (4096-byte pages, a
//!   256-frame pool, so every transaction spills): after inserting the keys
//!   of a seeded permutation and deleting them all in another order, every
//!   page of the file except the header page, the catalog's root and the
//!   tree's root is on the freelist (page by page, not only by count), the
//!   integrity check is clean, and inserting the same keys again in the
//!   same order fills the file without growing it (same `page_count`). So
//!   merges and root collapses give back every page splits took, and the
//!   freelist (trunks included) hands every one of them out again.
//! * **A 64 MiB value** (4096-byte pages, a 64-frame pool, the real file
//!   system in a temporary directory) round-trips byte for byte; the file
//!   holds exactly the pages the value needs (header, catalog, root, and
//!   `ceil(overflow bytes / overflow_data)` chain pages); replacing it with
//!   a small value puts every chain page on the freelist; deleting it
//!   leaves a healthy database.
//! * **Key size limit**: at page sizes 1024 and 4096 the limit is the
//!   documented one (212 and 980 bytes); a key one byte longer is refused
//!   with `KeyTooLarge` carrying the length, the limit and the page size,
//!   and changes nothing; hundreds of keys exactly at the limit (so every
//!   separator is a maximal key too), with inline and overflow values,
//!   insert, read back, delete and pass the integrity check.
//! * **Dropping a tree** with overflow values through
//!   `Catalog::drop_tree` frees exactly the pages that tree allocated
//!   (compared as sets), leaves the other tree intact, and a new tree with
//!   the same contents reuses them without growing the file.
//!
//! # How
//!
//! Keys and values come from a seeded SplitMix64, so every run is the
//! same. Page accounting uses two independent views: the freelist as the
//! pager walks it (`ReadTxn::freelist`), and `walnut_btree::check::
//! check_database`, which proves that every page of the file is used
//! exactly once (header, catalog and its trees, overflow chains, freelist).
//! Failure messages print at most a few entries (never a 64 MiB vector).

use std::collections::BTreeSet;
use std::sync::Arc;
use walnut_btree::cell::{Layout, local_len};
use walnut_btree::check::check_database;
use walnut_btree::node::{self, Kind};
use walnut_btree::{BTree, BTreeError, Catalog, EntryKind, InsertMode, PageSource};
use walnut_pager::{PageId, Pager, PagerOptions, ReadTxn, SimVfs};

use walnut_pager::rng::SplitMix64 as Rng;

/// `0..n` in a seeded random order (Fisher-Yates).
fn permutation(n: u64, seed: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..n).collect();
    let mut rng = Rng::new(seed);
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

fn options(page_size: u32, pool_frames: usize) -> PagerOptions {
    PagerOptions {
        page_size,
        pool_frames,
        ..PagerOptions::default()
    }
}

/// A new database on a simulated (in-memory) disk.
fn sim_pager(seed: u64, page_size: u32, pool_frames: usize) -> Pager {
    Pager::open_with_vfs(
        Arc::new(SimVfs::new(seed)),
        "scale.db",
        options(page_size, pool_frames),
    )
    .expect("open a new database")
}

/// Panics with the first problems if the integrity check finds any.
fn assert_healthy<S: PageSource + ?Sized>(src: &S, when: &str) {
    let problems = check_database(src, &[]).expect("check_database runs");
    assert!(
        problems.is_empty(),
        "{when}: the integrity check found {} problems; the first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
}

/// Pages of the snapshot that are not on its freelist.
fn pages_in_use(rx: &ReadTxn) -> BTreeSet<PageId> {
    let free: BTreeSet<PageId> = rx
        .freelist()
        .expect("walk the freelist")
        .all()
        .into_iter()
        .collect();
    (1..=rx.page_count())
        .filter(|p| !free.contains(p))
        .collect()
}

/// Creates a tree through the catalog, in its own committed transaction.
fn create_tree(pager: &Pager, name: &str) -> BTree {
    let tx = pager.begin_write().expect("begin_write");
    let tree = Catalog::create_tree(&tx, name, EntryKind::Table, b"").expect("create_tree");
    tx.commit().expect("commit");
    tree
}

/// Levels from the root to the leftmost leaf (1: the root is a leaf).
fn height<S: PageSource + ?Sized>(src: &S, tree: BTree) -> usize {
    let mut id = tree.root();
    for level in 1..=64 {
        let page = src.page(id).expect("read a tree page");
        match Kind::of(page.page_type()) {
            Some(Kind::Leaf) => return level,
            Some(Kind::Interior) => id = node::child_at(page.body(), 0),
            None => panic!("page {id} is not a tree page"),
        }
    }
    panic!("the tree is deeper than 64 levels")
}

fn catalog_root(rx: &ReadTxn) -> PageId {
    Catalog::tree(rx)
        .expect("read the header")
        .expect("the catalog exists")
        .root()
}

// ---------------------------------------------------------------------
// (a) 100,000 keys
// ---------------------------------------------------------------------

const KEYS: u64 = 100_000;
const BATCHES: usize = 4;

fn big_key(k: u64) -> [u8; 8] {
    k.to_be_bytes()
}

/// A 16-byte value that differs by key and by round.
fn small_value(k: u64, round: u64) -> [u8; 16] {
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&k.to_le_bytes());
    v[8..].copy_from_slice(&(k ^ round.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_be_bytes());
    v
}

/// Inserts `order` in `BATCHES` committed transactions.
fn insert_keys(pager: &Pager, tree: BTree, order: &[u64], round: u64) {
    for batch in order.chunks(order.len().div_ceil(BATCHES)) {
        let tx = pager.begin_write().expect("begin_write");
        for &k in batch {
            tree.insert(&tx, &big_key(k), &small_value(k, round), InsertMode::Reject)
                .unwrap_or_else(|e| panic!("round {round}: insert key {k}: {e}"));
        }
        tx.commit().expect("commit");
    }
}

/// The tree holds exactly keys `0..KEYS` with round `round`'s values, by a
/// full scan and by point lookups of a sample.
fn assert_all_keys(rx: &ReadTxn, tree: BTree, round: u64) {
    let mut expected = 0u64;
    for kv in tree.iter(rx).expect("iter") {
        let (k, v) = kv.expect("scan");
        assert_eq!(
            k,
            big_key(expected),
            "round {round}: scan position {expected}"
        );
        assert_eq!(
            v,
            small_value(expected, round),
            "round {round}: value of key {expected}"
        );
        expected += 1;
    }
    assert_eq!(expected, KEYS, "round {round}: keys found by the scan");
    let mut rng = Rng::new(round);
    for _ in 0..2000 {
        let k = rng.below(KEYS);
        assert_eq!(
            tree.get(rx, &big_key(k)).expect("get").as_deref(),
            Some(&small_value(k, round)[..]),
            "round {round}: get key {k}"
        );
    }
    assert_eq!(tree.get(rx, &big_key(KEYS)).expect("get"), None);
}

#[test]
fn deleting_100k_keys_frees_every_page_but_header_catalog_and_root_and_reinserting_does_not_grow_the_file()
 {
    let pager = sim_pager(1, 4096, 256);
    let tree = create_tree(&pager, "big");
    let insert_order = permutation(KEYS, 11);

    insert_keys(&pager, tree, &insert_order, 1);
    let grown = {
        let rx = pager.begin_read().expect("begin_read");
        assert_all_keys(&rx, tree, 1);
        assert!(
            height(&rx, tree) >= 3,
            "100,000 keys need interior levels that split too (height {})",
            height(&rx, tree)
        );
        assert_healthy(&rx, "after inserting 100,000 keys");
        assert!(
            rx.freelist().expect("freelist").all().is_empty(),
            "nothing was freed yet"
        );
        rx.page_count()
    };
    assert!(
        pager.stats().spills > 0,
        "the pool must be too small for a batch, so that it spills: {:?}",
        pager.stats()
    );

    // Delete in a different random order than the inserts, so merges and
    // redistributions happen all over the tree, not only at one edge.
    let delete_order = permutation(KEYS, 12);
    for batch in delete_order.chunks(delete_order.len().div_ceil(BATCHES)) {
        let tx = pager.begin_write().expect("begin_write");
        for &k in batch {
            assert!(
                tree.delete(&tx, &big_key(k)).expect("delete"),
                "key {k} was present"
            );
        }
        tx.commit().expect("commit");
    }
    {
        let rx = pager.begin_read().expect("begin_read");
        assert_eq!(
            tree.iter(&rx).expect("iter").count(),
            0,
            "the tree is empty"
        );
        assert_eq!(
            height(&rx, tree),
            1,
            "the root collapsed back to a single leaf"
        );
        assert_eq!(rx.page_count(), grown, "deleting never grows the file");
        let keep: BTreeSet<PageId> = [1, catalog_root(&rx), tree.root()].into();
        assert_eq!(keep.len(), 3);
        let in_use = pages_in_use(&rx);
        assert_eq!(
            in_use, keep,
            "only the header page, the catalog root and the tree's root stay in use"
        );
        let free = rx.freelist().expect("freelist").all();
        assert_eq!(
            free.len() as u32,
            rx.page_count() - 3,
            "everything else is free"
        );
        assert_eq!(rx.header().freelist_count as usize, free.len());
        assert_healthy(&rx, "after deleting every key");
    }

    // The same keys, in the same order, in the same batches: the same tree
    // shape, so exactly the pages freed above are needed again.
    insert_keys(&pager, tree, &insert_order, 2);
    let rx = pager.begin_read().expect("begin_read");
    assert_eq!(
        rx.page_count(),
        grown,
        "reinserting the keys reuses freed pages instead of growing the file"
    );
    assert!(
        rx.freelist().expect("freelist").all().is_empty(),
        "every freed page was reused"
    );
    assert_all_keys(&rx, tree, 2);
    assert_healthy(&rx, "after reinserting 100,000 keys");
}

// ---------------------------------------------------------------------
// (b) a 64 MiB value
// ---------------------------------------------------------------------

const BIG_LEN: usize = 64 << 20;
const BIG_SEED: u64 = 64;

/// The 64 MiB value, regenerable piece by piece: 8-byte words of a seeded
/// SplitMix64.
fn big_value() -> Vec<u8> {
    Rng::new(BIG_SEED).bytes(BIG_LEN)
}

/// Compares `got` with the 64 MiB value without building a second copy;
/// the panic names the first differing byte, not the whole vector.
fn assert_is_big_value(got: &[u8]) {
    assert_eq!(got.len(), BIG_LEN, "length of the value read back");
    let mut rng = Rng::new(BIG_SEED);
    for (i, chunk) in got.chunks(8).enumerate() {
        let want = rng.next_u64().to_le_bytes();
        if chunk != &want[..chunk.len()] {
            let j = chunk
                .iter()
                .zip(&want)
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "the value read back differs at byte {} ({:#04x}, expected {:#04x})",
                i * 8 + j,
                chunk[j],
                want[j]
            );
        }
    }
}

#[test]
fn a_64_mib_value_round_trips_and_replacing_it_returns_every_overflow_page_to_the_freelist() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pager = Pager::open(dir.path().join("big-value.db"), options(4096, 64)).expect("open");
    let tree = create_tree(&pager, "blobs");
    let key = b"the big one";

    let chain_pages = {
        let tx = pager.begin_write().expect("begin_write");
        let layout: Layout = tree.layout(&tx).expect("layout");
        tree.insert(&tx, b"a small one", b"before", InsertMode::Reject)
            .expect("insert small");
        let value = big_value();
        tree.insert(&tx, key, &value, InsertMode::Reject)
            .expect("insert 64 MiB");
        drop(value);
        tx.commit().expect("commit");
        let local = local_len(key.len(), BIG_LEN as u64, &layout);
        (BIG_LEN - local).div_ceil(layout.overflow_data) as u32
    };
    assert!(
        pager.stats().spills > 0,
        "a 64-frame pool cannot hold the transaction: it must spill ({:?})",
        pager.stats()
    );
    {
        let rx = pager.begin_read().expect("begin_read");
        assert_eq!(
            rx.page_count(),
            3 + chain_pages,
            "header + catalog + root + exactly the {chain_pages} chain pages the value needs"
        );
        assert_healthy(&rx, "after inserting the 64 MiB value");
        let got = tree
            .get(&rx, key)
            .expect("get")
            .expect("the value is there");
        assert_is_big_value(&got);
        drop(got);
        assert_eq!(
            tree.get(&rx, b"a small one").expect("get").as_deref(),
            Some(&b"before"[..])
        );
    }

    // Replace it with a small value: the whole chain goes to the freelist.
    {
        let tx = pager.begin_write().expect("begin_write");
        let replaced = tree
            .insert(&tx, key, b"now small", InsertMode::Upsert)
            .expect("upsert");
        assert!(replaced, "the upsert replaced the old value");
        tx.commit().expect("commit");
    }
    {
        let rx = pager.begin_read().expect("begin_read");
        assert_eq!(
            rx.page_count(),
            3 + chain_pages,
            "replacing does not grow the file"
        );
        let free = rx.freelist().expect("freelist").all();
        assert_eq!(
            free.len() as u32,
            chain_pages,
            "every overflow page of the old value is free"
        );
        let keep: BTreeSet<PageId> = [1, catalog_root(&rx), tree.root()].into();
        assert_eq!(pages_in_use(&rx), keep);
        assert_eq!(
            tree.get(&rx, key).expect("get").as_deref(),
            Some(&b"now small"[..])
        );
        assert_healthy(&rx, "after replacing the 64 MiB value");
    }

    // Delete it.
    {
        let tx = pager.begin_write().expect("begin_write");
        assert!(tree.delete(&tx, key).expect("delete"));
        tx.commit().expect("commit");
    }
    let rx = pager.begin_read().expect("begin_read");
    assert_eq!(tree.get(&rx, key).expect("get"), None);
    let all: Vec<_> = tree
        .iter(&rx)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("scan");
    assert_eq!(all, vec![(b"a small one".to_vec(), b"before".to_vec())]);
    assert_healthy(&rx, "after deleting the value");
}

// ---------------------------------------------------------------------
// (c) the key size limit
// ---------------------------------------------------------------------

/// A key of exactly `len` bytes: a 4-byte big-endian number first (so keys
/// are distinct and ordered by it), then seeded filler.
fn long_key(n: u32, len: usize, rng: &mut Rng) -> Vec<u8> {
    let mut k = n.to_be_bytes().to_vec();
    k.extend(rng.bytes(len - 4));
    k
}

#[test]
fn a_key_one_byte_over_the_limit_is_refused_with_key_too_large_and_keys_at_the_limit_work() {
    for (page_size, documented_max) in [(1024u32, 212usize), (4096, 980)] {
        let pager = sim_pager(page_size as u64, page_size, 32);
        let tree = create_tree(&pager, "long keys");
        let mut rng = Rng::new(page_size as u64);
        let tx = pager.begin_write().expect("begin_write");
        let max = tree.layout(&tx).expect("layout").max_key;
        assert_eq!(
            max, documented_max,
            "page size {page_size}: documented key limit"
        );

        // One byte over: refused, whatever the mode, and nothing changes.
        let pages_before = tx.page_count();
        let too_long = long_key(0, max + 1, &mut rng);
        for mode in [InsertMode::Reject, InsertMode::Upsert] {
            match tree.insert(&tx, &too_long, b"v", mode) {
                Err(BTreeError::KeyTooLarge {
                    len,
                    max: m,
                    page_size: ps,
                }) => {
                    assert_eq!((len, m, ps), (max + 1, max, page_size as usize));
                }
                other => {
                    panic!("page size {page_size}, {mode:?}: expected KeyTooLarge, got {other:?}")
                }
            }
        }
        assert_eq!(
            tx.page_count(),
            pages_before,
            "a refused insert allocates nothing"
        );
        assert_eq!(
            tree.iter(&tx).expect("iter").count(),
            0,
            "and inserts nothing"
        );

        // At the limit: enough keys for a tree several levels deep whose
        // separators are all maximal, with inline and overflow values.
        let keys: Vec<Vec<u8>> = (0..300u32).map(|n| long_key(n, max, &mut rng)).collect();
        let value = |i: usize| -> Vec<u8> {
            match i % 3 {
                0 => Vec::new(),
                1 => vec![i as u8; 20],
                _ => vec![i as u8; 3 * page_size as usize],
            }
        };
        for (i, k) in keys.iter().enumerate().rev() {
            tree.insert(&tx, k, &value(i), InsertMode::Reject)
                .unwrap_or_else(|e| panic!("page size {page_size}: key {i} at the limit: {e}"));
        }
        tx.commit().expect("commit");

        let rx = pager.begin_read().expect("begin_read");
        assert_healthy(
            &rx,
            &format!("page size {page_size}: 300 keys at the limit"),
        );
        let scanned: Vec<(Vec<u8>, Vec<u8>)> = tree
            .iter(&rx)
            .expect("iter")
            .collect::<Result<_, _>>()
            .expect("scan");
        assert_eq!(scanned.len(), keys.len());
        for (i, (k, v)) in scanned.iter().enumerate() {
            assert!(
                *k == keys[i] && *v == value(i),
                "page size {page_size}: entry {i}"
            );
        }
        drop(rx);

        // Deleting every other one merges nodes full of maximal keys.
        let tx = pager.begin_write().expect("begin_write");
        for k in keys.iter().step_by(2) {
            assert!(tree.delete(&tx, k).expect("delete"));
        }
        tx.commit().expect("commit");
        let rx = pager.begin_read().expect("begin_read");
        assert_healthy(&rx, &format!("page size {page_size}: after deletes"));
        for (i, k) in keys.iter().enumerate() {
            let want = (i % 2 == 1).then(|| value(i));
            assert_eq!(
                tree.get(&rx, k).expect("get"),
                want,
                "page size {page_size}: key {i}"
            );
        }
    }
}

// ---------------------------------------------------------------------
// (d) dropping a tree
// ---------------------------------------------------------------------

/// Mixed values: mostly small, one in four several overflow pages long.
fn mixed_value(i: u64, rng: &mut Rng) -> Vec<u8> {
    let len = if i.is_multiple_of(4) {
        1000 + rng.below(20_000) as usize
    } else {
        rng.below(100) as usize
    };
    rng.bytes(len)
}

fn fill(pager: &Pager, tree: BTree, seed: u64, n: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut rng = Rng::new(seed);
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
        .map(|i| (format!("row {i:06}").into_bytes(), mixed_value(i, &mut rng)))
        .collect();
    let tx = pager.begin_write().expect("begin_write");
    for (k, v) in &entries {
        tree.insert(&tx, k, v, InsertMode::Reject).expect("insert");
    }
    tx.commit().expect("commit");
    entries.sort();
    entries
}

fn contents(rx: &ReadTxn, tree: BTree) -> Vec<(Vec<u8>, Vec<u8>)> {
    tree.iter(rx)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("scan")
}

#[test]
fn dropping_a_tree_with_overflow_values_frees_exactly_the_pages_it_used() {
    let pager = sim_pager(4, 1024, 24);
    let keep = create_tree(&pager, "keep");
    let kept = fill(&pager, keep, 1, 200);

    let before = {
        let rx = pager.begin_read().expect("begin_read");
        assert!(rx.freelist().expect("freelist").all().is_empty());
        rx.page_count()
    };
    let victim = create_tree(&pager, "victim");
    let victim_entries = fill(&pager, victim, 2, 400);
    let grown = {
        let rx = pager.begin_read().expect("begin_read");
        assert_healthy(&rx, "with both trees");
        assert_eq!(contents(&rx, victim), victim_entries);
        rx.page_count()
    };
    // With an empty freelist every page the victim took grew the file; the
    // catalog did not grow (one more small entry fits its root leaf).
    let victim_pages: BTreeSet<PageId> = (before + 1..=grown).collect();
    assert!(victim_pages.contains(&victim.root()));
    assert!(
        victim_pages.len() > 400,
        "the victim has overflow chains ({} pages)",
        victim_pages.len()
    );

    {
        let tx = pager.begin_write().expect("begin_write");
        Catalog::drop_tree(&tx, "victim").expect("drop_tree");
        tx.commit().expect("commit");
    }
    {
        let rx = pager.begin_read().expect("begin_read");
        assert_eq!(rx.page_count(), grown);
        let free: BTreeSet<PageId> = rx.freelist().expect("freelist").all().into_iter().collect();
        assert_eq!(
            free, victim_pages,
            "the freelist holds exactly the pages the dropped tree used"
        );
        let names: Vec<String> = Catalog::list(&rx)
            .expect("list")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, vec!["keep".to_string()]);
        assert!(matches!(
            Catalog::open(&rx, "victim"),
            Err(BTreeError::NoSuchTree(_))
        ));
        assert_eq!(contents(&rx, keep), kept, "the other tree is untouched");
        assert_healthy(&rx, "after dropping the tree");
    }

    // The same contents again, in a new tree: all from the freelist.
    let again = create_tree(&pager, "again");
    let again_entries = fill(&pager, again, 2, 400);
    let rx = pager.begin_read().expect("begin_read");
    assert_eq!(again_entries, victim_entries);
    assert_eq!(
        rx.page_count(),
        grown,
        "the new tree reuses the dropped tree's pages"
    );
    assert_eq!(contents(&rx, again), victim_entries);
    assert_healthy(&rx, "after refilling");
}
