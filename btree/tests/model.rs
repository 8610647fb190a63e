//! Model-based property test: random sequences of inserts (upsert and
//! reject-duplicate), deletes, gets and bounded ranges in both directions,
//! with values from a few bytes to several overflow pages, are run against
//! walnut's B+Tree and against `std::collections::BTreeMap`. Every answer
//! must agree, and after every batch (a committed transaction) the
//! integrity check must find nothing wrong. Runs at page sizes 1024 and
//! 4096; small pools force the pager to spill.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use walnut_btree::check::check_database;
use walnut_btree::{BTree, BTreeError, Catalog, Direction, EntryKind, InsertMode};
use walnut_pager::{Pager, PagerOptions, SimVfs};

#[derive(Debug, Clone)]
enum Op {
    Insert {
        key: u16,
        pad: u8,
        len: u32,
        upsert: bool,
    },
    Delete {
        key: u16,
        pad: u8,
    },
    Get {
        key: u16,
        pad: u8,
    },
    Seek {
        key: u16,
        pad: u8,
    },
    Range {
        lo: Option<(u16, bool)>,
        hi: Option<(u16, bool)>,
        backward: bool,
    },
    Commit,
}

/// Keys vary in length (the pad) so separators and splits vary too.
fn key(k: u16, pad: u8) -> Vec<u8> {
    let mut v = format!("{k:05}").into_bytes();
    v.extend(std::iter::repeat_n(b'.', (pad % 40) as usize));
    v
}

fn value(k: &[u8], len: u32) -> Vec<u8> {
    let seed = k
        .iter()
        .fold(len, |a, &b| a.wrapping_mul(31).wrapping_add(b as u32));
    (0..len)
        .map(|i| (seed.wrapping_add(i * 7) % 251) as u8)
        .collect()
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u16..300;
    let len = prop_oneof![8 => 0u32..60, 2 => 60u32..400, 1 => 400u32..9000];
    prop_oneof![
        10 => (key.clone(), any::<u8>(), len, any::<bool>())
            .prop_map(|(key, pad, len, upsert)| Op::Insert { key, pad, len, upsert }),
        5 => (key.clone(), any::<u8>()).prop_map(|(key, pad)| Op::Delete { key, pad }),
        3 => (key.clone(), any::<u8>()).prop_map(|(key, pad)| Op::Get { key, pad }),
        2 => (key.clone(), any::<u8>()).prop_map(|(key, pad)| Op::Seek { key, pad }),
        2 => (
            proptest::option::of((key.clone(), any::<bool>())),
            proptest::option::of((key, any::<bool>())),
            any::<bool>()
        )
            .prop_map(|(lo, hi, backward)| Op::Range { lo, hi, backward }),
        1 => Just(Op::Commit),
    ]
}

fn bound(b: Option<(u16, bool)>) -> Bound<Vec<u8>> {
    match b {
        None => Bound::Unbounded,
        Some((k, true)) => Bound::Included(key(k, 0)),
        Some((k, false)) => Bound::Excluded(key(k, 0)),
    }
}

fn as_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(v) => Bound::Included(v.as_slice()),
        Bound::Excluded(v) => Bound::Excluded(v.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Whether `BTreeMap::range` accepts these bounds (it panics on inverted
/// ones, which walnut answers with an empty range).
fn valid_range(lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    match (lo, hi) {
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b))
            if a > b =>
        {
            false
        }
        (Bound::Excluded(a), Bound::Excluded(b)) => a != b,
        _ => true,
    }
}

fn run(ops: Vec<Op>, page_size: u32) -> Result<(), TestCaseError> {
    let vfs = Arc::new(SimVfs::new(7));
    let opts = PagerOptions {
        page_size,
        pool_frames: 24,
        autocheckpoint: 50,
        ..PagerOptions::default()
    };
    let pager = Pager::open_with_vfs(vfs, "m.db", opts).expect("open");
    let tree: BTree = {
        let tx = pager.begin_write().expect("begin");
        let t = Catalog::create_tree(&tx, "t", EntryKind::Table, b"").expect("create");
        tx.commit().expect("commit");
        t
    };
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut tx = pager.begin_write().expect("begin");
    for op in ops {
        match op {
            Op::Insert {
                key: k,
                pad,
                len,
                upsert,
            } => {
                let k = key(k, pad);
                let v = value(&k, len);
                let mode = if upsert {
                    InsertMode::Upsert
                } else {
                    InsertMode::Reject
                };
                match (tree.insert(&tx, &k, &v, mode), model.contains_key(&k)) {
                    (Ok(replaced), present) => {
                        prop_assert_eq!(replaced, present);
                        prop_assert!(upsert || !present);
                        model.insert(k, v);
                    }
                    (Err(BTreeError::DuplicateKey { .. }), true) if !upsert => {}
                    (other, present) => {
                        return Err(TestCaseError::fail(format!(
                            "insert: {other:?} (present in model: {present})"
                        )));
                    }
                }
            }
            Op::Delete { key: k, pad } => {
                let k = key(k, pad);
                let deleted = tree.delete(&tx, &k).expect("delete");
                prop_assert_eq!(deleted, model.remove(&k).is_some());
            }
            Op::Get { key: k, pad } => {
                let k = key(k, pad);
                prop_assert_eq!(tree.get(&tx, &k).expect("get"), model.get(&k).cloned());
            }
            Op::Seek { key: k, pad } => {
                // Exact seek, then seek to the first key >= k and step both
                // ways from there.
                let k = key(k, pad);
                let mut c = tree.cursor(&tx);
                prop_assert_eq!(c.seek_exact(&k).expect("seek"), model.contains_key(&k));
                let after: Vec<&Vec<u8>> =
                    model.range(k.clone()..).map(|(k, _)| k).take(2).collect();
                let found = c.seek_ge(&k).expect("seek");
                prop_assert_eq!(found, !after.is_empty());
                if found {
                    prop_assert_eq!(&c.key().expect("key"), after[0]);
                    let moved = c.move_next().expect("next");
                    prop_assert_eq!(moved, after.len() > 1);
                    if moved {
                        prop_assert_eq!(&c.key().expect("key"), after[1]);
                        prop_assert!(c.move_prev().expect("prev"));
                        prop_assert_eq!(&c.key().expect("key"), after[0]);
                    }
                }
            }
            Op::Range { lo, hi, backward } => {
                let (lo, hi) = (bound(lo), bound(hi));
                if !valid_range(&lo, &hi) {
                    continue;
                }
                let dir = if backward {
                    Direction::Backward
                } else {
                    Direction::Forward
                };
                let got: Vec<(Vec<u8>, Vec<u8>)> = tree
                    .range(&tx, as_ref(&lo), as_ref(&hi), dir)
                    .collect::<Result<_, _>>()
                    .expect("range");
                let mut want: Vec<(Vec<u8>, Vec<u8>)> = model
                    .range((lo, hi))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if backward {
                    want.reverse();
                }
                prop_assert_eq!(got, want);
            }
            Op::Commit => {
                tx.commit().expect("commit");
                let rx = pager.begin_read().expect("read");
                let problems = check_database(&rx, &[]).expect("check");
                prop_assert!(problems.is_empty(), "{:?}", problems);
                let all: Vec<(Vec<u8>, Vec<u8>)> = tree
                    .iter(&rx)
                    .expect("iter")
                    .collect::<Result<_, _>>()
                    .expect("scan");
                let want: Vec<(Vec<u8>, Vec<u8>)> =
                    model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                prop_assert_eq!(all, want);
                drop(rx);
                tx = pager.begin_write().expect("begin");
            }
        }
    }
    tx.commit().expect("commit");
    let rx = pager.begin_read().expect("read");
    let problems = check_database(&rx, &[]).expect("check");
    prop_assert!(problems.is_empty(), "{:?}", problems);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn btree_matches_btreemap_at_page_size_1024(ops in proptest::collection::vec(op(), 1..400)) {
        run(ops, 1024)?;
    }

    #[test]
    fn btree_matches_btreemap_at_page_size_4096(ops in proptest::collection::vec(op(), 1..400)) {
        run(ops, 4096)?;
    }
}

#[test]
fn a_long_deterministic_workload_matches_the_model_and_checks_clean() {
    // Larger than the property cases: thousands of keys, so the tree
    // reaches three levels and merges cascade; then every key is deleted.
    let mut ops = Vec::new();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..6000u32 {
        let r = next();
        let k = (r % 2500) as u16;
        let pad = (r >> 16) as u8;
        let big = if r % 97 == 0 { 5000 } else { 0 };
        ops.push(match r % 10 {
            0..=5 => Op::Insert {
                key: k,
                pad,
                len: ((r >> 24) % 120) as u32 + big,
                upsert: true,
            },
            6..=8 => Op::Delete { key: k, pad },
            _ => Op::Get { key: k, pad },
        });
        if i % 500 == 499 {
            ops.push(Op::Commit);
        }
    }
    for k in 0..2500u16 {
        for pad in 0..40u8 {
            ops.push(Op::Delete { key: k, pad });
        }
    }
    ops.push(Op::Commit);
    run(ops, 1024).expect("workload matches the model");
}
