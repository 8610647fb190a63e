//! The integrity check against healthy and damaged databases.
//!
//! A healthy database, built with several trees, deletes, overflow values
//! and a dropped tree, must check clean. Then each test damages it in one
//! way and expects the check to name the damage, by page, and to go on
//! without panicking:
//!
//! * a flipped byte in a checkpointed page (the checksum catches it, and
//!   so does the ordinary read that meets it);
//! * a page allocated and never linked anywhere (leaked);
//! * a live leaf also put on the freelist (used twice);
//! * a node rewritten with its keys out of order;
//! * pages overwritten with garbage that still checksums (a bug's write,
//!   not a disk's): the checker, the dumps and the statistics must report,
//!   not panic.
//!
//! A property test then runs random inserts, replacements and deletes and
//! requires a clean check, and contents equal to a model, after each
//! commit.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use walnut_btree::node::{self, Kind};
use walnut_btree::{
    BTree, BTreeError, Catalog, EntryKind, InsertMode, PageSource, Problem, check_database,
    check_tree, dump_dot, dump_text, tree_stats,
};
use walnut_pager::{PageId, PageType, Pager, PagerError, PagerOptions, SimVfs};

const PAGE_SIZE: u32 = 1024;
const DB: &str = "check.db";

fn open(vfs: &Arc<SimVfs>) -> Pager {
    let options = PagerOptions {
        page_size: PAGE_SIZE,
        ..PagerOptions::default()
    };
    Pager::open_with_vfs(vfs.clone(), DB, options).expect("open")
}

fn key(i: usize) -> Vec<u8> {
    format!("key-{i:05}").into_bytes()
}

fn value(i: usize) -> Vec<u8> {
    format!("value {i} {}", "v".repeat(i % 40)).into_bytes()
}

/// A database with three trees in the catalog ("numbers": 600 keys, half
/// deleted; "blobs": large values with overflow chains, some replaced and
/// deleted; "small": one leaf) after a fourth tree was filled and dropped,
/// so the freelist is not empty.
fn healthy() -> (Arc<SimVfs>, Pager) {
    let vfs = Arc::new(SimVfs::new(42));
    let pager = open(&vfs);
    let tx = pager.begin_write().expect("begin");
    let numbers = Catalog::create_tree(&tx, "numbers", EntryKind::Table, b"n").expect("create");
    let blobs = Catalog::create_tree(&tx, "blobs", EntryKind::Table, b"b").expect("create");
    let small = Catalog::create_tree(&tx, "small", EntryKind::Index, b"").expect("create");
    let doomed = Catalog::create_tree(&tx, "doomed", EntryKind::Table, b"").expect("create");
    for i in 0..600 {
        let i = (i * 7919) % 600;
        numbers
            .insert(&tx, &key(i), &value(i), InsertMode::Reject)
            .expect("insert");
        doomed
            .insert(&tx, &key(i), &value(i), InsertMode::Reject)
            .expect("insert");
    }
    for i in 0..20 {
        let big = vec![b'a' + (i % 26) as u8; 300 + i * 250];
        blobs
            .insert(&tx, &key(i), &big, InsertMode::Reject)
            .expect("insert");
    }
    small
        .insert(&tx, b"only", b"one", InsertMode::Reject)
        .expect("insert");
    tx.commit().expect("commit");

    let tx = pager.begin_write().expect("begin");
    for i in (0..600).step_by(2) {
        assert!(numbers.delete(&tx, &key(i)).expect("delete"));
    }
    for i in (0..20).step_by(3) {
        assert!(blobs.delete(&tx, &key(i)).expect("delete"));
    }
    for i in (1..20).step_by(3) {
        blobs
            .insert(&tx, &key(i), b"short now", InsertMode::Upsert)
            .expect("upsert");
    }
    Catalog::drop_tree(&tx, "doomed").expect("drop");
    tx.commit().expect("commit");
    (vfs, pager)
}

/// The leaf of `tree` that covers `key`, found by walking down.
fn leaf_of<S: PageSource + ?Sized>(src: &S, tree: BTree, key: &[u8]) -> PageId {
    let mut id = tree.root();
    loop {
        let p = src.page(id).expect("page");
        match Kind::of(p.page_type()) {
            Some(Kind::Leaf) => return id,
            Some(Kind::Interior) => {
                id = node::child_at(p.body(), node::child_slot(p.body(), key));
            }
            None => panic!("page {id} is not a tree page"),
        }
    }
}

fn numbers<S: PageSource + ?Sized>(src: &S) -> BTree {
    Catalog::open(src, "numbers").expect("numbers")
}

fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{p}\n"))
        .collect::<String>()
}

#[test]
fn a_healthy_database_checks_clean() {
    let (_vfs, pager) = healthy();
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    assert!(problems.is_empty(), "{}", show(&problems));
    for (name, entry) in Catalog::list(&rx).expect("list") {
        let problems = check_tree(&rx, BTree::open(entry.root)).expect("check");
        assert!(problems.is_empty(), "{name}: {}", show(&problems));
    }
    let stats = tree_stats(&rx, numbers(&rx)).expect("stats");
    assert_eq!(stats.cells, 300);
    assert!(rx.freelist().expect("freelist").leaves.len() > 10);

    // The writer's own view checks clean too, mid-transaction.
    drop(rx);
    let tx = pager.begin_write().expect("begin");
    let t = numbers(&tx);
    for i in 0..100 {
        t.insert(&tx, &key(1000 + i), &value(i), InsertMode::Reject)
            .expect("insert");
    }
    let problems = check_database(&tx, &[]).expect("check");
    assert!(problems.is_empty(), "{}", show(&problems));
}

#[test]
fn a_tree_outside_the_catalog_is_leaked_unless_named() {
    let (_vfs, pager) = healthy();
    let tx = pager.begin_write().expect("begin");
    let loose = BTree::create(&tx).expect("create");
    for i in 0..100 {
        loose
            .insert(&tx, &key(i), &value(i), InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    assert!(!problems.is_empty());
    assert!(
        problems
            .iter()
            .all(|p| p.message == "not used by anything (leaked)"),
        "{}",
        show(&problems)
    );
    assert!(problems.iter().any(|p| p.page == Some(loose.root())));
    let problems = check_database(&rx, &[loose]).expect("check");
    assert!(problems.is_empty(), "{}", show(&problems));
}

#[test]
fn a_damaged_page_is_reported_by_the_check_and_by_the_read() {
    let (vfs, pager) = healthy();
    let target = key(301);
    let leaf = {
        let rx = pager.begin_read().expect("read");
        leaf_of(&rx, numbers(&rx), &target)
    };
    pager.close().expect("close");

    // Flip one byte in the middle of the leaf, in the main file.
    let path = Path::new(DB);
    let mut bytes = vfs.file_bytes(path).expect("main file");
    bytes[(leaf as usize - 1) * PAGE_SIZE as usize + 600] ^= 0x40;
    vfs.set_file_bytes(path, bytes);

    let pager = open(&vfs);
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert_eq!(problems[0].page, Some(leaf));
    assert!(
        problems[0]
            .message
            .starts_with("cannot be read: checksum mismatch"),
        "{}",
        problems[0]
    );
    assert!(problems[0].message.ends_with("(in tree \"numbers\")"));

    match numbers(&rx).get(&rx, &target) {
        Err(BTreeError::Pager(PagerError::ChecksumMismatch { page, .. })) => {
            assert_eq!(page, leaf)
        }
        other => panic!("expected a checksum error on page {leaf}, got {other:?}"),
    }
    // The rest of the tree still reads, and the dump draws the damage.
    assert!(numbers(&rx).get(&rx, &key(1)).expect("get").is_some());
    let text = dump_text(&rx, numbers(&rx)).expect("dump");
    assert!(
        text.contains(&format!("page {leaf}  ✗ cannot be read: checksum mismatch")),
        "{text}"
    );
    assert!(tree_stats(&rx, numbers(&rx)).is_err());
}

#[test]
fn a_page_linked_nowhere_is_leaked() {
    let (_vfs, pager) = healthy();
    let tx = pager.begin_write().expect("begin");
    let lost = tx.allocate(PageType::BTreeLeaf).expect("allocate").id();
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    assert_eq!(
        problems,
        vec![Problem {
            page: Some(lost),
            message: "not used by anything (leaked)".to_string()
        }]
    );
    assert_eq!(
        problems[0].to_string(),
        format!("page {lost}: not used by anything (leaked)")
    );
}

#[test]
fn a_live_leaf_on_the_freelist_is_used_twice() {
    let (_vfs, pager) = healthy();
    let tx = pager.begin_write().expect("begin");
    let leaf = leaf_of(&tx, numbers(&tx), &key(101));
    tx.free(leaf).expect("free");
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    assert_eq!(
        problems,
        vec![Problem {
            page: Some(leaf),
            message: "used twice: by tree \"numbers\" (leaf) and by the freelist".to_string()
        }],
        "{}",
        show(&problems)
    );
}

#[test]
fn keys_out_of_order_are_reported() {
    let (_vfs, pager) = healthy();
    let tx = pager.begin_write().expect("begin");
    let tree = numbers(&tx);
    let leaf = leaf_of(&tx, tree, &key(201));
    let (k0, k1) = {
        let mut p = tx.page_mut(leaf).expect("page");
        let body = p.body_mut();
        let mut cells = node::cells(body, Kind::Leaf);
        assert!(cells.len() >= 3);
        cells.swap(1, 2);
        let (l, r) = (node::left(body), node::right(body));
        assert!(node::write_cells(body, Kind::Leaf, &cells));
        node::set_left(body, l);
        node::set_right(body, r);
        (
            node::key(body, Kind::Leaf, 1).to_vec(),
            node::key(body, Kind::Leaf, 2).to_vec(),
        )
    };
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    let problems = check_tree(&rx, tree).expect("check");
    let expected = format!(
        "keys out of order: cell 1 is {} but cell 2 is {}",
        walnut_btree::printable_key(&k0),
        walnut_btree::printable_key(&k1)
    );
    assert_eq!(
        problems,
        vec![Problem {
            page: Some(leaf),
            message: expected.clone()
        }]
    );
    let problems = check_database(&rx, &[]).expect("check");
    assert_eq!(
        problems,
        vec![Problem {
            page: Some(leaf),
            message: format!("{expected} (in tree \"numbers\")")
        }]
    );
    // Reads meet the bad node without panicking (a binary search over
    // unsorted keys may simply miss).
    let _ = tree.get(&rx, &k0).expect("get");
}

#[test]
fn separators_sibling_links_and_chains_are_checked() {
    let (_vfs, pager) = healthy();
    let tx = pager.begin_write().expect("begin");
    let tree = numbers(&tx);
    // The first leaf, its parent, and the leaf after it.
    let (parent, first_leaf, second_leaf) = {
        let mut parent = tree.root();
        loop {
            let child = node::child_at(tx.page(parent).expect("page").body(), 0);
            let p = tx.page(child).expect("page");
            if Kind::of(p.page_type()) == Some(Kind::Leaf) {
                break (parent, child, node::right(p.body()));
            }
            parent = child;
        }
    };
    // The parent's first separator moves left, below most keys of the
    // first leaf: they now lie outside its range.
    {
        let mut p = tx.page_mut(parent).expect("parent");
        let body = p.body_mut();
        let mut cells = node::cells(body, Kind::Interior);
        let child = walnut_btree::cell::interior_child(&cells[0]);
        cells[0] = walnut_btree::cell::interior_cell(child, b"key-00004");
        let r = node::right(body);
        assert!(node::write_cells(body, Kind::Interior, &cells));
        node::set_right(body, r);
    }
    // The second leaf's left link points at itself.
    node::set_left(
        tx.page_mut(second_leaf).expect("leaf").body_mut(),
        second_leaf,
    );
    // A blob's overflow chain loses its tail.
    let blobs = Catalog::open(&tx, "blobs").expect("blobs");
    // (Blobs 0, 3, 6... were deleted and 1, 4, 7... replaced by short
    // values; 17 still has its 4550 bytes.)
    let blob_leaf = leaf_of(&tx, blobs, &key(17));
    let head = {
        let p = tx.page(blob_leaf).expect("page");
        let body = p.body();
        let i = node::search(body, Kind::Leaf, &key(17)).expect("present");
        walnut_btree::cell::leaf(node::cell(body, Kind::Leaf, i), body.len()).overflow
    };
    assert_ne!(head, 0);
    tx.page_mut(head).expect("overflow").body_mut()[..4].copy_from_slice(&0u32.to_be_bytes());
    tx.commit().expect("commit");

    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    let text = show(&problems);
    assert!(
        text.contains(&format!(
            "page {first_leaf}: {} keys, from \"key-00005\" (cell 2) to",
            node::ncells(rx.page(first_leaf).expect("page").body()) - 2
        )) && text.contains("the separators above allow keys < \"key-00004\""),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "page {second_leaf}: left sibling link is page {second_leaf}, but the previous leaf in key order is page {first_leaf}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "page {blob_leaf}: the overflow chain of \"key-00017\" (leaf page {blob_leaf}, cell"
        )) && text.contains("but the cell promises"),
        "{text}"
    );
    // The lost tail pages are nobody's now.
    assert!(text.contains("not used by anything (leaked)"), "{text}");
}

/// Overwrites the body of `page` with bytes that make no sense, through
/// the write transaction, so the page still has a valid checksum.
fn scribble(pager: &Pager, page: PageId, seed: u64, keep_type: bool) {
    let tx = pager.begin_write().expect("begin");
    {
        let mut p = tx.page_mut(page).expect("page");
        if !keep_type {
            p.set_page_type(PageType::BTreeInterior);
        }
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for b in p.body_mut().iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    tx.commit().expect("commit");
}

#[test]
fn garbage_that_checksums_is_reported_without_panicking() {
    for seed in 0..24u64 {
        let (_vfs, pager) = healthy();
        let (tree, target) = {
            let rx = pager.begin_read().expect("read");
            let t = numbers(&rx);
            let page = match seed % 4 {
                0 => t.root(),
                1 => leaf_of(&rx, t, &key(seed as usize * 20 + 1)),
                2 => Catalog::tree(&rx).expect("catalog").expect("exists").root(),
                _ => {
                    let blobs = Catalog::open(&rx, "blobs").expect("blobs");
                    leaf_of(&rx, blobs, &key(seed as usize % 20))
                }
            };
            (t, page)
        };
        scribble(&pager, target, seed, seed % 3 != 0);
        let rx = pager.begin_read().expect("read");
        let problems = check_database(&rx, &[tree]).expect("check");
        assert!(!problems.is_empty(), "seed {seed}: garbage went unnoticed");
        assert!(
            problems.iter().any(|p| p.page == Some(target)),
            "seed {seed}: page {target} not named:\n{}",
            show(&problems)
        );
        let _ = check_tree(&rx, tree).expect("check");
        let _ = dump_text(&rx, tree).expect("dump");
        let _ = dump_dot(&rx, tree).expect("dump");
        let _ = tree_stats(&rx, tree);
    }
}

/// A leaf whose only cell claims a key of 2^64 - 1 bytes.
fn tree_with_an_absurd_key_length(pager: &Pager) -> BTree {
    let tx = pager.begin_write().expect("begin");
    let tree = BTree::create(&tx).expect("create");
    tree.insert(&tx, b"a", b"1", InsertMode::Reject)
        .expect("insert");
    {
        let mut p = tx.page_mut(tree.root()).expect("page");
        let body = p.body_mut();
        let mut c = vec![0xff; 9];
        c.extend_from_slice(&[0x01, 0x00]); // key length u64::MAX, value length 0
        let start = body.len() - c.len();
        body[start..].copy_from_slice(&c);
        // The content start (body offset 2) and the cell's pointer.
        body[2..4].copy_from_slice(&(start as u16).to_be_bytes());
        body[node::NODE_HEADER..node::NODE_HEADER + 2]
            .copy_from_slice(&(start as u16).to_be_bytes());
    }
    tx.commit().expect("commit");
    tree
}

#[test]
fn an_absurd_cell_length_is_reported_by_the_check() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = open(&vfs);
    let tree = tree_with_an_absurd_key_length(&pager);
    let rx = pager.begin_read().expect("read");
    let problems = check_tree(&rx, tree).expect("check");
    assert!(
        problems.iter().any(|p| p.page == Some(tree.root())
            && p.message.contains("cell 0")
            && p.message.contains("damaged")),
        "{}",
        show(&problems)
    );
    assert!(
        dump_text(&rx, tree)
            .expect("dump")
            .contains("✗ damaged cell")
    );
    assert!(tree_stats(&rx, tree).is_err());
}

#[test]
fn an_absurd_stored_key_length_does_not_panic_a_scan_a_get_or_a_delete() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = open(&vfs);
    let tree = tree_with_an_absurd_key_length(&pager);
    let rx = pager.begin_read().expect("read");
    // Should be an error (or a skipped cell), not a panic.
    let _ = tree.iter(&rx).expect("iter").collect::<Vec<_>>();
    let _ = tree.get(&rx, b"");
    drop(rx);
    let tx = pager.begin_write().expect("begin");
    let _ = tree.delete(&tx, b"");
}

#[test]
fn a_damaged_fragment_counter_does_not_panic_a_delete() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = open(&vfs);
    let tx = pager.begin_write().expect("begin");
    let tree = BTree::create(&tx).expect("create");
    tree.insert(&tx, b"a", b"1", InsertMode::Reject)
        .expect("insert");
    tree.insert(&tx, b"b", b"2", InsertMode::Reject)
        .expect("insert");
    // Body offset 4: the fragmented-bytes counter.
    tx.page_mut(tree.root()).expect("page").body_mut()[4..6]
        .copy_from_slice(&0xffffu16.to_be_bytes());
    // Should be an error (the page is corrupt), not a panic.
    let _ = tree.delete(&tx, b"b");
}

#[test]
fn a_damaged_fragment_counter_is_reported_by_the_check() {
    let vfs = Arc::new(SimVfs::new(3));
    let pager = open(&vfs);
    let tx = pager.begin_write().expect("begin");
    let tree = BTree::create(&tx).expect("create");
    tree.insert(&tx, b"a", b"1", InsertMode::Reject)
        .expect("insert");
    tx.page_mut(tree.root()).expect("page").body_mut()[4..6]
        .copy_from_slice(&0xffffu16.to_be_bytes());
    let problems = check_tree(&tx, tree).expect("check");
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert!(
        problems[0]
            .message
            .contains("the fragment counter says 65535"),
        "{}",
        problems[0]
    );
    let _ = dump_text(&tx, tree).expect("dump");
    let _ = tree_stats(&tx, tree).expect("stats");
}

#[derive(Debug, Clone)]
enum Op {
    Put { tree: usize, key: u16, len: usize },
    Delete { tree: usize, key: u16 },
    Commit,
}

fn op() -> impl Strategy<Value = Op> {
    let len = prop_oneof![
        4 => 0usize..60,
        2 => 60usize..240,
        1 => 240usize..4000,
    ];
    prop_oneof![
        6 => (0..3usize, 0..400u16, len).prop_map(|(tree, key, len)| Op::Put { tree, key, len }),
        3 => (0..3usize, 0..400u16).prop_map(|(tree, key)| Op::Delete { tree, key }),
        1 => Just(Op::Commit),
    ]
}

/// Keys of varied lengths (up to the 212-byte maximum for 1024-byte pages),
/// so that separators differ in size and splits are uneven.
fn prop_key(k: u16) -> Vec<u8> {
    let mut key = format!("{k:04}").into_bytes();
    key.resize(4 + (k as usize * 37) % 209, b'.');
    key
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_changes_keep_the_database_sound(ops in prop::collection::vec(op(), 1..400)) {
        let vfs = Arc::new(SimVfs::new(9));
        let pager = open(&vfs);
        let tx = pager.begin_write().expect("begin");
        let trees: Vec<BTree> = ["a", "b", "c"]
            .iter()
            .map(|n| Catalog::create_tree(&tx, n, EntryKind::Table, b"").expect("create"))
            .collect();
        tx.commit().expect("commit");
        let mut model: Vec<BTreeMap<Vec<u8>, Vec<u8>>> = vec![BTreeMap::new(); 3];
        let mut tx = pager.begin_write().expect("begin");
        for (n, op) in ops.iter().chain([Op::Commit].iter()).enumerate() {
            match *op {
                Op::Put { tree, key, len } => {
                    let k = prop_key(key);
                    let v: Vec<u8> = (0..len).map(|i| (i + n) as u8).collect();
                    trees[tree].insert(&tx, &k, &v, InsertMode::Upsert).expect("insert");
                    model[tree].insert(k, v);
                }
                Op::Delete { tree, key } => {
                    let k = prop_key(key);
                    let was = trees[tree].delete(&tx, &k).expect("delete");
                    prop_assert_eq!(was, model[tree].remove(&k).is_some());
                }
                Op::Commit => {
                    tx.commit().expect("commit");
                    let rx = pager.begin_read().expect("read");
                    let problems = check_database(&rx, &[]).expect("check");
                    prop_assert!(problems.is_empty(), "after op {}:\n{}", n, show(&problems));
                    for (t, m) in trees.iter().zip(&model) {
                        let got: Vec<(Vec<u8>, Vec<u8>)> =
                            t.iter(&rx).expect("iter").collect::<Result<_, _>>().expect("scan");
                        let want: Vec<(Vec<u8>, Vec<u8>)> =
                            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        prop_assert!(got == want, "tree contents differ after op {}", n);
                    }
                    drop(rx);
                    tx = pager.begin_write().expect("begin");
                }
            }
        }
    }
}
