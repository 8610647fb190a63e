//! Snapshots of the teaching views: `dump_text`, `dump_dot` and the
//! `TreeStats` table, for small trees built the same way every time.
//!
//! The trees live on the simulated disk with 1024-byte pages, so a few
//! dozen keys already make a tree of two or three levels. Keys are
//! inserted in a fixed shuffled order (sequential inserts would split every
//! node as an append, full left node and nearly empty right one, a less
//! typical picture).
//!
//! A change to the tree code that moves a key, splits differently or
//! leaves a page fuller shows up here as a snapshot diff: read it, and
//! accept it only if the new picture is the one you meant.

use std::sync::Arc;
use walnut_btree::{BTree, InsertMode, check_tree, dump_dot, dump_text, tree_stats};
use walnut_pager::{Pager, PagerOptions, SimVfs};

fn options() -> PagerOptions {
    PagerOptions {
        page_size: 1024,
        ..PagerOptions::default()
    }
}

fn pager() -> Pager {
    Pager::open_with_vfs(Arc::new(SimVfs::new(1)), "dump.db", options()).expect("open")
}

/// `n` indices in a fixed scrambled order (37 is coprime with the sizes used).
fn shuffled(n: usize) -> impl Iterator<Item = usize> {
    (0..n).map(move |i| (i * 37 + 11) % n)
}

/// Two levels: 40 keys with values of 49 to 89 bytes, and one value long
/// enough to need an overflow chain of three pages.
fn two_level_tree(pager: &Pager) -> BTree {
    let tx = pager.begin_write().expect("begin");
    let tree = BTree::create(&tx).expect("create");
    for i in shuffled(40) {
        let key = format!("key-{i:03}");
        let value = if i == 21 {
            "a big value that needs overflow pages; ".repeat(60)
        } else {
            format!("value {i:02} {}", "la".repeat(20 + i % 5 * 5))
        };
        tree.insert(&tx, key.as_bytes(), value.as_bytes(), InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    tree
}

/// Three levels: long keys keep the fan-out of interior nodes small.
fn three_level_tree(pager: &Pager) -> BTree {
    let tx = pager.begin_write().expect("begin");
    let tree = BTree::create(&tx).expect("create");
    for i in shuffled(64) {
        let key = format!("{i:03} {}", "lorem ipsum dolor sit amet ".repeat(4));
        tree.insert(&tx, key.as_bytes(), b"v", InsertMode::Reject)
            .expect("insert");
    }
    tx.commit().expect("commit");
    tree
}

#[test]
fn text_dump_of_a_two_level_tree() {
    let pager = pager();
    let tree = two_level_tree(&pager);
    let rx = pager.begin_read().expect("read");
    assert_eq!(check_tree(&rx, tree).expect("check"), vec![]);
    insta::assert_snapshot!(dump_text(&rx, tree).expect("dump"));
}

#[test]
fn dot_dump_of_a_two_level_tree() {
    let pager = pager();
    let tree = two_level_tree(&pager);
    let rx = pager.begin_read().expect("read");
    insta::assert_snapshot!(dump_dot(&rx, tree).expect("dump"));
}

#[test]
fn stats_of_a_two_level_tree() {
    let pager = pager();
    let tree = two_level_tree(&pager);
    let rx = pager.begin_read().expect("read");
    let stats = tree_stats(&rx, tree).expect("stats");
    assert_eq!(stats.height, 2);
    assert_eq!(stats.cells, 40);
    assert_eq!(stats.overflow_pages, 3);
    insta::assert_snapshot!(stats.to_string());
}

#[test]
fn text_dump_of_a_three_level_tree() {
    let pager = pager();
    let tree = three_level_tree(&pager);
    let rx = pager.begin_read().expect("read");
    assert_eq!(check_tree(&rx, tree).expect("check"), vec![]);
    insta::assert_snapshot!(dump_text(&rx, tree).expect("dump"));
}

#[test]
fn dot_dump_of_a_three_level_tree() {
    let pager = pager();
    let tree = three_level_tree(&pager);
    let rx = pager.begin_read().expect("read");
    insta::assert_snapshot!(dump_dot(&rx, tree).expect("dump"));
}

#[test]
fn stats_of_a_three_level_tree() {
    let pager = pager();
    let tree = three_level_tree(&pager);
    let rx = pager.begin_read().expect("read");
    let stats = tree_stats(&rx, tree).expect("stats");
    assert_eq!(stats.height, 3);
    assert_eq!(stats.cells, 64);
    insta::assert_snapshot!(stats.to_string());
}

#[test]
fn an_empty_tree_and_a_one_leaf_tree() {
    let pager = pager();
    let tx = pager.begin_write().expect("begin");
    let empty = BTree::create(&tx).expect("create");
    let small = BTree::create(&tx).expect("create");
    for (k, v) in [("apple", "red"), ("banana", "yellow"), ("cherry", "")] {
        small
            .insert(&tx, k.as_bytes(), v.as_bytes(), InsertMode::Reject)
            .expect("insert");
    }
    small
        .insert(&tx, &[0, 1, 0xfe], &[0xff; 40], InsertMode::Reject)
        .expect("insert");
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    insta::assert_snapshot!("empty_text", dump_text(&rx, empty).expect("dump"));
    insta::assert_snapshot!(
        "empty_stats",
        tree_stats(&rx, empty).expect("stats").to_string()
    );
    insta::assert_snapshot!("one_leaf_text", dump_text(&rx, small).expect("dump"));
    insta::assert_snapshot!("one_leaf_dot", dump_dot(&rx, small).expect("dump"));
}

/// Damage is drawn, not fatal: a leaf whose checksum fails (one flipped
/// byte in the main file) shows up as `✗` and the rest of the tree is
/// still there.
#[test]
fn text_dump_of_a_tree_with_a_damaged_leaf() {
    let vfs = Arc::new(SimVfs::new(1));
    let pager = Pager::open_with_vfs(vfs.clone(), "dump.db", options()).expect("open");
    let tree = two_level_tree(&pager);
    let leaf = {
        let rx = pager.begin_read().expect("read");
        let root = rx.page(tree.root()).expect("root");
        walnut_btree::node::child_at(root.body(), 1)
    };
    pager.close().expect("close");
    let path = std::path::Path::new("dump.db");
    let mut bytes = vfs.file_bytes(path).expect("file");
    bytes[(leaf as usize - 1) * 1024 + 700] ^= 1;
    vfs.set_file_bytes(path, bytes);

    let pager = Pager::open_with_vfs(vfs, "dump.db", options()).expect("reopen");
    let rx = pager.begin_read().expect("read");
    insta::assert_snapshot!(dump_text(&rx, tree).expect("dump"));
}
