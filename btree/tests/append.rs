//! The `Appender`: the same results as `BTree::insert`, with a walk from
//! the root once per leaf instead of once per key.
//!
//! * **Keys in increasing order** (20,000 of them, 4096-byte pages) read
//!   back exactly, check clean and fill the leaves more than 90%; the
//!   pager's counters show the fast path at work: fewer than 1.5 page
//!   fetches per key through the appender, less than half of what the
//!   same keys cost through `BTree::insert` into another tree (a walk from
//!   the root and the leaf again: over 3 a key here). `insert_all`, which
//!   keeps the leaf open from key to key and starts each new leaf itself,
//!   fetches fewer than one page per 8 keys. All three trees hold the same
//!   entries in the same shape (pages, fill, height).
//! * **Any other order** goes through the general path with the same
//!   results as `BTree::insert`: random keys, repeated keys (replaced under
//!   `Upsert`, refused with `DuplicateKey` under `Reject`, changing
//!   nothing), values that need overflow pages, keys at the size limit and
//!   one byte over it, checked against a `BTreeMap` and the integrity check;
//!   every other round sends runs of them through `insert_all`.

use std::collections::BTreeMap;
use std::sync::Arc;
use walnut_btree::check::check_database;
use walnut_btree::{BTree, BTreeError, Catalog, EntryKind, InsertMode, tree_stats};
use walnut_pager::rng::SplitMix64 as Rng;
use walnut_pager::{Pager, PagerOptions, SimVfs};

fn pager(page_size: u32) -> Pager {
    let options = PagerOptions {
        page_size,
        pool_frames: 256,
        ..PagerOptions::default()
    };
    Pager::open_with_vfs(Arc::new(SimVfs::new(3)), "append.db", options).expect("open")
}

fn contents(pager: &Pager, tree: BTree) -> Vec<(Vec<u8>, Vec<u8>)> {
    let rx = pager.begin_read().expect("read");
    tree.iter(&rx)
        .expect("iter")
        .collect::<Result<_, _>>()
        .expect("scan")
}

fn assert_healthy(pager: &Pager) {
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check_database runs");
    assert!(
        problems.is_empty(),
        "{:#?}",
        &problems[..problems.len().min(5)]
    );
}

fn value(k: u64) -> Vec<u8> {
    let mut rng = Rng::new(k);
    (0..60)
        .map(|_| b'a' + (rng.next_u64() % 26) as u8)
        .collect()
}

#[test]
fn keys_in_increasing_order_take_the_fast_path_and_fill_the_leaves() {
    let pager = pager(4096);
    let tx = pager.begin_write().expect("begin");
    let appended = Catalog::create_tree(&tx, "appended", EntryKind::Index, b"").expect("create");
    let inserted = Catalog::create_tree(&tx, "inserted", EntryKind::Index, b"").expect("create");
    let all_at_once = Catalog::create_tree(&tx, "all", EntryKind::Index, b"").expect("create");
    tx.commit().expect("commit");
    let n = 20_000u64;

    let tx = pager.begin_write().expect("begin");
    let before = pager.stats().hits + pager.stats().misses;
    let mut appender = appended.appender(&tx);
    for k in 0..n {
        assert!(
            !appender
                .insert(&k.to_be_bytes(), &value(k), InsertMode::Reject)
                .expect("append"),
            "key {k} was new"
        );
    }
    let through_appender = pager.stats().hits + pager.stats().misses - before;
    let before = pager.stats().hits + pager.stats().misses;
    for k in 0..n {
        inserted
            .insert(&tx, &k.to_be_bytes(), &value(k), InsertMode::Reject)
            .expect("insert");
    }
    let through_insert = pager.stats().hits + pager.stats().misses - before;
    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..n)
        .map(|k| (k.to_be_bytes().to_vec(), value(k)))
        .collect();
    let before = pager.stats().hits + pager.stats().misses;
    all_at_once
        .appender(&tx)
        .insert_all(
            entries.iter().map(|(k, v)| (&k[..], &v[..])),
            InsertMode::Reject,
        )
        .expect("insert_all");
    let through_insert_all = pager.stats().hits + pager.stats().misses - before;
    tx.commit().expect("commit");

    assert!(
        (through_appender as f64) < 1.5 * n as f64,
        "{through_appender} page fetches for {n} appended keys"
    );
    assert!(
        (through_insert_all as f64) < 0.125 * n as f64,
        "{through_insert_all} page fetches for {n} keys through insert_all"
    );
    assert!(
        through_insert > 2 * through_appender,
        "{through_insert} page fetches for {n} inserted keys ({through_appender} appended)"
    );
    assert_healthy(&pager);
    let expected: Vec<_> = (0..n)
        .map(|k| (k.to_be_bytes().to_vec(), value(k)))
        .collect();
    assert!(contents(&pager, appended) == expected, "appended contents");
    assert!(contents(&pager, inserted) == expected, "inserted contents");
    assert!(
        contents(&pager, all_at_once) == expected,
        "insert_all contents"
    );
    let rx = pager.begin_read().expect("read");
    let st = tree_stats(&rx, appended).expect("stats");
    assert!(st.leaf_fill > 0.9, "leaf fill {:.3}", st.leaf_fill);
    assert_eq!(st, tree_stats(&rx, inserted).expect("stats"), "same shape");
    assert_eq!(
        st,
        tree_stats(&rx, all_at_once).expect("stats"),
        "same shape"
    );
}

#[test]
fn keys_in_any_order_give_what_insert_gives() {
    let pager = pager(1024);
    let tx = pager.begin_write().expect("begin");
    let tree = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
    tx.commit().expect("commit");
    let max_key = walnut_btree::cell::Layout::new(1024 - 24).max_key;
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut rng = Rng::new(11);
    for round in 0..6u64 {
        let tx = pager.begin_write().expect("begin");
        let mut appender = tree.appender(&tx);
        let mut run: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for i in 0..1500u64 {
            // Mostly increasing runs, with random keys, repeats, big values
            // and long keys mixed in.
            let k = match rng.below(10) {
                0..=5 => round * 10_000 + i,
                6 | 7 => rng.below(60_000),
                _ => round * 10_000 + i.saturating_sub(rng.below(5)),
            };
            let mut key = k.to_be_bytes().to_vec();
            if rng.below(50) == 0 {
                key.resize(max_key + rng.below(2) as usize, b'~');
            }
            let v = if rng.below(40) == 0 {
                vec![b'B'; 300 + rng.below(3000) as usize]
            } else {
                value(k ^ round)
            };
            let mode = if rng.below(2) == 0 {
                InsertMode::Upsert
            } else {
                InsertMode::Reject
            };
            // Odd rounds: the valid Upserts through insert_all, in runs of
            // a few keys (the leaf held open across the run).
            if round % 2 == 1 && mode == InsertMode::Upsert && key.len() <= max_key {
                run.push((key.clone(), v.clone()));
                model.insert(key, v);
                if run.len() > rng.below(20) as usize {
                    appender
                        .insert_all(run.iter().map(|(k, v)| (&k[..], &v[..])), mode)
                        .expect("insert_all");
                    run.clear();
                }
                continue;
            }
            if !run.is_empty() {
                appender
                    .insert_all(
                        run.iter().map(|(k, v)| (&k[..], &v[..])),
                        InsertMode::Upsert,
                    )
                    .expect("insert_all");
                run.clear();
            }
            let got = appender.insert(&key, &v, mode);
            if key.len() > max_key {
                assert!(
                    matches!(got, Err(BTreeError::KeyTooLarge { .. })),
                    "{got:?}"
                );
                continue;
            }
            match (mode, model.contains_key(&key)) {
                (InsertMode::Reject, true) => {
                    assert!(
                        matches!(got, Err(BTreeError::DuplicateKey { .. })),
                        "{got:?}"
                    );
                }
                (_, present) => {
                    assert_eq!(got.expect("insert"), present, "replaced?");
                    model.insert(key, v);
                }
            }
        }
        appender
            .insert_all(
                run.iter().map(|(k, v)| (&k[..], &v[..])),
                InsertMode::Upsert,
            )
            .expect("insert_all");
        tx.commit().expect("commit");
        assert_healthy(&pager);
        let expected: Vec<_> = model.clone().into_iter().collect();
        assert!(
            contents(&pager, tree) == expected,
            "round {round}: contents differ"
        );
    }
}
