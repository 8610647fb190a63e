//! Crash consistency of the B+Tree: the simulated disk is crashed in the
//! middle of splits, merges, root collapses and overflow-chain writes, and
//! the recovered database must hold exactly an acknowledged state of every
//! tree, in a file the integrity check finds healthy.
//!
//! # What is proven
//!
//! With `synchronous = full`, after a crash at any mutating disk operation
//! (write or sync) of the workloads below, the database reopens and:
//!
//! * its change counter names either the last acknowledged commit or the
//!   commit that was in flight at the crash (if there was one), and every
//!   tree of the catalog equals the model of *that* state exactly: the
//!   same tree names, and in each tree the same keys with the same values,
//!   read three ways (a forward scan along the leaf links, a backward scan
//!   along them, and a point lookup of every key, which descends from the
//!   root). So no acknowledged commit is lost and no commit is half
//!   applied: not a split without its separator, not a value without its
//!   overflow chain, not a freed page still linked;
//! * `walnut_btree::check::check_database` finds no problem: every tree is
//!   well formed and every page of the file is used exactly once (header,
//!   catalog, trees, overflow chains, freelist);
//! * the recovered database accepts another transaction (with an overflow
//!   value), which survives a further crash with the same guarantees.
//!
//! # How
//!
//! A *workload* is a seeded sequence of write transactions on two trees of
//! the catalog, with 1024-byte pages, a pool of 12 to 24 frames (so every
//! transaction spills uncommitted pages to the WAL, and a crash lands in
//! the middle of tree operations as well as at commits) and a low automatic
//! checkpoint threshold (so checkpoints and WAL resets happen mid-run):
//!
//! * tree `main` goes through four phases: growth (mostly inserts, so
//!   leaves and interior nodes split and the tree gains levels), churn
//!   (upserts that replace inline values by overflow chains and back),
//!   shrinking (single and run deletes, so nodes merge and redistribute
//!   and the root collapses), and regrowth (the freed pages are reused).
//!   Keys vary in length, so separators do too; values range from empty to
//!   three overflow pages;
//! * tree `scratch` is now and then created, filled with large values, and
//!   dropped with `Catalog::drop_tree`;
//! * one transaction in eight rolls back; some are followed by an explicit
//!   checkpoint.
//!
//! The model is a `BTreeMap` of tree name to `BTreeMap` of key to value,
//! updated only when `commit()` returns `Ok` (with the change counter the
//! commit got); the commit in flight is remembered separately.
//!
//! 1. Run the workload once on a fresh `SimVfs` and count its mutating
//!    operations: each `k` in `0..=total` is a crash point.
//! 2. For each chosen `k`, rerun the workload on a fresh `SimVfs` with
//!    `set_crash_point(Some(k))`; it stops at the first error (an error
//!    while the disk is not yet frozen is a bug and fails the test).
//! 3. `pager.abandon()`, `vfs.crash()` (unsynced writes dropped, kept or
//!    torn, decided by a per-crash-point seed), reopen, check as above.
//!
//! Every `k` is tried when a workload is short, else a seeded sample that
//! includes both ends. The default run tries 2,400 crash points: 600 for
//! each of four pool/checkpoint shapes (four tests, so they run in
//! parallel), over two workloads (seeds) per shape. Set
//! `WALNUT_CRASH_POINTS=N` to try about `N` (split the same way; once a
//! workload's points are exhausted, further seeds are used). A failure
//! names the workload, the crash point and the disk seed, which reproduce
//! it exactly. A separate
//! test pins down that the workloads really split, merge, collapse the
//! root, write and replace overflow chains, drop trees, spill and
//! checkpoint, so that the sweep is not vacuous.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use walnut_btree::cell::{Layout, local_len};
use walnut_btree::check::check_database;
use walnut_btree::node::{self, Kind};
use walnut_btree::{
    BTree, BTreeError, Catalog, Direction, EntryKind, InsertMode, PageSource, printable_key,
};
use walnut_pager::{Pager, PagerOptions, SimVfs, Synchronous, WriteTxn};

const DB: &str = "btree-crash.db";
const PAGE_SIZE: u32 = 1024;
const MAIN: &str = "main";
const SCRATCH: &str = "scratch";

/// Crash points tried by default, over all four sweep tests.
const DEFAULT_CRASH_POINTS: usize = 2400;
/// The sweep tests (one per shape).
const SWEEPS: usize = 4;

/// The crash-point budget of the whole run: `WALNUT_CRASH_POINTS` if set.
fn crash_point_budget() -> usize {
    match std::env::var("WALNUT_CRASH_POINTS") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("WALNUT_CRASH_POINTS must be a number, got {v:?}")),
        Err(_) => DEFAULT_CRASH_POINTS,
    }
}

use walnut_pager::rng::SplitMix64 as Rng;

/// One tree's contents.
type TreeModel = BTreeMap<Vec<u8>, Vec<u8>>;
/// Every tree of the catalog, by name.
type DbModel = BTreeMap<String, TreeModel>;

/// A committed (or in-flight) state: the change counter it commits as, and
/// the contents.
#[derive(Debug, Clone, Default)]
struct State {
    lsn: u64,
    db: DbModel,
}

/// What happened to the tree structure during a run (rolled-back work
/// included), to prove the sweep reaches the interesting paths.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    commits: u64,
    rollbacks: u64,
    max_height: usize,
    /// Commits after which `main` was lower than before (merges that
    /// collapsed the root).
    height_drops: u64,
    overflow_inserts: u64,
    /// Upserts whose old or new value (or both) has an overflow chain.
    overflow_replacements: u64,
    overflow_deletes: u64,
    run_deletes: u64,
    trees_dropped: u64,
}

/// What the workload was told by the pager, and so what it may expect.
#[derive(Debug, Clone, Default)]
struct History {
    acked: State,
    in_flight: Option<State>,
    stopped: Option<String>,
    tally: Tally,
    /// Height of `main` at the last acknowledged commit.
    height: usize,
}

/// One workload: everything that determines it.
#[derive(Debug, Clone, Copy)]
struct Workload {
    /// Seeds the workload's decisions.
    seed: u64,
    pool_frames: usize,
    autocheckpoint: u32,
    transactions: u64,
}

impl Workload {
    fn options(&self) -> PagerOptions {
        PagerOptions {
            page_size: PAGE_SIZE,
            pool_frames: self.pool_frames,
            synchronous: Synchronous::Full,
            autocheckpoint: self.autocheckpoint,
            ..PagerOptions::default()
        }
    }
}

/// The four shapes of (pool frames, autocheckpoint threshold) the sweeps
/// use; 0 turns automatic checkpoints off (explicit ones still happen).
const SHAPES: [(usize, u32); SWEEPS] = [(16, 24), (12, 10), (24, 40), (16, 0)];

/// The `i`-th workload of shape `shape`.
fn workload(shape: usize, i: u64) -> Workload {
    let (pool_frames, autocheckpoint) = SHAPES[shape];
    Workload {
        seed: 1 + shape as u64 + SWEEPS as u64 * i,
        pool_frames,
        autocheckpoint,
        transactions: 24,
    }
}

/// Key `n` of the key space: a fixed-width number, then a pad whose length
/// depends on `n`, so keys (and separators) vary from 6 to 125 bytes.
fn key(n: u64) -> Vec<u8> {
    let mut k = format!("k{n:05}").into_bytes();
    k.extend(std::iter::repeat_n(b'.', (n * 37 % 120) as usize));
    k
}

const KEY_SPACE: u64 = 1500;

/// A value of a random size class: empty to small (inline), up to a
/// third of a page (inline or just over), or up to three overflow pages.
fn value(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(10) {
        0..=5 => rng.below(40),
        6 | 7 => 40 + rng.below(200),
        _ => 240 + rng.below(3 * PAGE_SIZE as u64),
    };
    rng.bytes(len as usize)
}

fn layout() -> Layout {
    Layout::new(PAGE_SIZE as usize - walnut_pager::page::PAGE_HEADER_SIZE)
}

/// Whether `value` under `key` needs an overflow chain.
fn overflows(key: &[u8], value: &[u8]) -> bool {
    local_len(key.len(), value.len() as u64, &layout()) < value.len()
}

/// Levels from the root to the leftmost leaf (1: the root is a leaf).
fn height<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<usize, BTreeError> {
    let mut id = tree.root();
    for level in 1..=64 {
        let page = src.page(id)?;
        match Kind::of(page.page_type()) {
            Some(Kind::Leaf) => return Ok(level),
            Some(Kind::Interior) => id = node::child_at(page.body(), 0),
            None => panic!("page {id} of tree {} is not a tree page", tree.root()),
        }
    }
    panic!("tree {} is deeper than 64 levels", tree.root())
}

/// A uniformly chosen key of a non-empty model.
fn pick(rng: &mut Rng, model: &TreeModel) -> Option<Vec<u8>> {
    if model.is_empty() {
        return None;
    }
    model.keys().nth(rng.index(model.len())).cloned()
}

/// Phases of the `main` tree's life, by transaction number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Grow,
    Churn,
    Shrink,
    Regrow,
}

fn phase(txn: u64, transactions: u64) -> Phase {
    match txn * 4 / (transactions + 1) {
        0 => Phase::Grow,
        1 => Phase::Churn,
        2 => Phase::Shrink,
        _ => Phase::Regrow,
    }
}

/// One operation on `main`, checked against (and applied to) `model`.
/// Wrong answers are bugs and panic; errors stop the workload.
fn main_op(
    tx: &WriteTxn,
    tree: BTree,
    rng: &mut Rng,
    phase: Phase,
    model: &mut TreeModel,
    tally: &mut Tally,
) -> Result<(), BTreeError> {
    // (insert, upsert, delete one, delete a run) weights out of 100.
    let (ins, ups, del) = match phase {
        Phase::Grow | Phase::Regrow => (80, 10, 8),
        Phase::Churn => (30, 45, 20),
        Phase::Shrink => (10, 10, 55),
    };
    let roll = rng.below(100);
    if roll < ins {
        let k = key(rng.below(KEY_SPACE));
        let v = value(rng);
        match tree.insert(tx, &k, &v, InsertMode::Reject) {
            Ok(replaced) => {
                assert!(!replaced, "Reject never replaces");
                assert!(
                    !model.contains_key(&k),
                    "insert (reject) of present key {} succeeded",
                    printable_key(&k)
                );
                tally.overflow_inserts += overflows(&k, &v) as u64;
                model.insert(k, v);
            }
            Err(BTreeError::DuplicateKey { .. }) => assert!(
                model.contains_key(&k),
                "insert (reject) of absent key {} failed as a duplicate",
                printable_key(&k)
            ),
            Err(e) => return Err(e),
        }
    } else if roll < ins + ups {
        let Some(k) = pick(rng, model) else {
            return Ok(());
        };
        let v = value(rng);
        let replaced = tree.insert(tx, &k, &v, InsertMode::Upsert)?;
        assert!(
            replaced,
            "upsert of present key {} replaced nothing",
            printable_key(&k)
        );
        let old = model.insert(k.clone(), v.clone()).expect("present");
        if overflows(&k, &old) || overflows(&k, &v) {
            tally.overflow_replacements += 1;
        }
    } else if roll < ins + ups + del {
        let Some(k) = pick(rng, model) else {
            return Ok(());
        };
        assert!(
            tree.delete(tx, &k)?,
            "delete of present key {}",
            printable_key(&k)
        );
        let old = model.remove(&k).expect("present");
        tally.overflow_deletes += overflows(&k, &old) as u64;
        // Now and then a key that is not there.
        if rng.chance(1, 4) {
            let absent = key(KEY_SPACE + rng.below(100));
            assert!(!tree.delete(tx, &absent)?, "delete of an absent key");
        }
    } else {
        // A run of consecutive keys: empties whole leaves, so neighbours
        // merge and parents lose separators.
        let Some(start) = pick(rng, model) else {
            return Ok(());
        };
        let run: Vec<Vec<u8>> = model
            .range(start..)
            .take(5 + rng.index(25))
            .map(|(k, _)| k.clone())
            .collect();
        for k in run {
            assert!(tree.delete(tx, &k)?, "run delete of {}", printable_key(&k));
            let old = model.remove(&k).expect("present");
            tally.overflow_deletes += overflows(&k, &old) as u64;
        }
        tally.run_deletes += 1;
    }
    Ok(())
}

/// Creates `scratch` and fills it with large values, or drops it.
fn scratch_op(
    tx: &WriteTxn,
    rng: &mut Rng,
    db: &mut DbModel,
    tally: &mut Tally,
) -> Result<(), BTreeError> {
    if db.remove(SCRATCH).is_some() {
        Catalog::drop_tree(tx, SCRATCH)?;
        tally.trees_dropped += 1;
        return Ok(());
    }
    let tree = Catalog::create_tree(tx, SCRATCH, EntryKind::Index, b"scratch")?;
    let mut model = TreeModel::new();
    for _ in 0..5 + rng.below(20) {
        let k = key(rng.below(200));
        let len = 200 + rng.index(2500);
        let v = rng.bytes(len);
        tree.insert(tx, &k, &v, InsertMode::Upsert)?;
        model.insert(k, v);
    }
    db.insert(SCRATCH.to_string(), model);
    Ok(())
}

/// Transaction `txn` of the workload. Updates `history` only as the pager
/// acknowledges; returns the first error.
fn one_transaction(
    pager: &Pager,
    workload: &Workload,
    rng: &mut Rng,
    txn: u64,
    history: &mut History,
) -> Result<(), BTreeError> {
    let mut db = history.acked.db.clone();
    let tx = pager.begin_write()?;
    let main = if db.contains_key(MAIN) {
        Catalog::open(&tx, MAIN)?
    } else {
        db.insert(MAIN.to_string(), TreeModel::new());
        Catalog::create_tree(&tx, MAIN, EntryKind::Table, b"main")?
    };
    let phase = phase(txn, workload.transactions);
    let steps = 15 + rng.below(50);
    for _ in 0..steps {
        let model = db.get_mut(MAIN).expect("main is in the model");
        main_op(&tx, main, rng, phase, model, &mut history.tally)?;
    }
    if rng.chance(1, 4) {
        scratch_op(&tx, rng, &mut db, &mut history.tally)?;
    }
    let h = height(&tx, main)?;
    if rng.chance(1, 8) {
        if rng.chance(1, 2) {
            tx.rollback();
        } else {
            drop(tx);
        }
        history.tally.rollbacks += 1;
    } else {
        let lsn = history.acked.lsn + 1;
        history.in_flight = Some(State {
            lsn,
            db: db.clone(),
        });
        let info = tx.commit()?;
        history.in_flight = None;
        if info.lsn == 0 {
            // A transaction that changed nothing commits nothing (say, only
            // deletes and upserts while the tree was empty).
            assert!(
                db == history.acked.db,
                "{workload:?}, transaction {txn}: the commit wrote nothing, but the model changed"
            );
        } else {
            assert_eq!(
                info.lsn, lsn,
                "{workload:?}, transaction {txn}: each commit bumps the change counter by one"
            );
            history.acked = State { lsn, db };
        }
        let tally = &mut history.tally;
        tally.commits += 1;
        tally.max_height = tally.max_height.max(h);
        if h < history.height {
            tally.height_drops += 1;
        }
        history.height = h;
        if let Some(Err(e)) = info.autocheckpoint {
            return Err(e.into());
        }
    }
    if rng.chance(1, 10) {
        pager.checkpoint()?;
    }
    Ok(())
}

/// Runs a workload until it ends or something fails (which, under a crash
/// point, is the simulated machine stopping).
fn run_workload(pager: &Pager, workload: &Workload, start_lsn: u64) -> History {
    let mut history = History {
        acked: State {
            lsn: start_lsn,
            db: DbModel::new(),
        },
        ..History::default()
    };
    let mut rng = Rng::new(workload.seed);
    for txn in 1..=workload.transactions {
        if let Err(e) = one_transaction(pager, workload, &mut rng, txn, &mut history) {
            history.stopped = Some(format!("transaction {txn}: {e}"));
            break;
        }
    }
    history
}

/// A new database on a new simulated disk whose crashes `disk_seed`
/// decides, and the change counter it starts at.
fn fresh(workload: &Workload, disk_seed: u64) -> (Arc<SimVfs>, Pager, u64) {
    let vfs = Arc::new(SimVfs::new(disk_seed));
    let pager = Pager::open_with_vfs(vfs.clone(), DB, workload.options())
        .expect("creating a database on a healthy disk");
    let lsn = pager
        .begin_read()
        .expect("begin_read on a new database")
        .header()
        .change_counter;
    (vfs, pager, lsn)
}

/// The whole workload without a crash: its operation count, its history and
/// the pager's counters.
fn dry_run(workload: &Workload) -> (u64, History, walnut_pager::PagerStats) {
    let (vfs, pager, start_lsn) = fresh(workload, workload.seed);
    let before = vfs.ops();
    let history = run_workload(&pager, workload, start_lsn);
    assert!(
        history.stopped.is_none(),
        "{workload:?} fails without any crash: {:?}",
        history.stopped
    );
    let total = vfs.ops() - before;
    let stats = pager.stats();
    let rx = pager.begin_read().expect("begin_read");
    check_state(&rx, &history.acked.db).expect("the crash-free run matches its model");
    drop(rx);
    pager.abandon();
    (total, history, stats)
}

/// The first difference between a tree and its model, read three ways.
fn check_tree_contents<S: PageSource + ?Sized>(
    src: &S,
    name: &str,
    tree: BTree,
    model: &TreeModel,
) -> Result<(), String> {
    let err = |what: &str, e: BTreeError| format!("tree {name:?}: {what}: {e}");
    let mut expected = model.iter();
    for (i, kv) in tree.iter(src).map_err(|e| err("iter", e))?.enumerate() {
        let (k, v) = kv.map_err(|e| err("forward scan", e))?;
        match expected.next() {
            None => {
                return Err(format!(
                    "tree {name:?}: forward scan finds extra key {} after the model's {} keys",
                    printable_key(&k),
                    model.len()
                ));
            }
            Some((mk, mv)) if *mk != k || *mv != v => {
                return Err(format!(
                    "tree {name:?}: forward scan entry {i} is {} ({} bytes), the model's is {} ({} bytes)",
                    printable_key(&k),
                    v.len(),
                    printable_key(mk),
                    mv.len()
                ));
            }
            Some(_) => {}
        }
    }
    if let Some((mk, _)) = expected.next() {
        return Err(format!(
            "tree {name:?}: forward scan ends before the model's key {}",
            printable_key(mk)
        ));
    }
    let backward: Vec<Vec<u8>> = tree
        .range(src, Bound::Unbounded, Bound::Unbounded, Direction::Backward)
        .map(|kv| kv.map(|(k, _)| k))
        .collect::<Result<_, _>>()
        .map_err(|e| err("backward scan", e))?;
    if !backward.iter().eq(model.keys().rev()) {
        return Err(format!(
            "tree {name:?}: the backward scan finds {} keys, not the model's {} in reverse",
            backward.len(),
            model.len()
        ));
    }
    for (k, v) in model {
        let got = tree.get(src, k).map_err(|e| err("get", e))?;
        if got.as_ref() != Some(v) {
            return Err(format!(
                "tree {name:?}: get({}) gives {:?} bytes, the model has {}",
                printable_key(k),
                got.map(|g| g.len()),
                v.len()
            ));
        }
    }
    Ok(())
}

/// Whether the catalog and every tree equal `db`, and the integrity check
/// is clean.
fn check_state<S: PageSource + ?Sized>(src: &S, db: &DbModel) -> Result<(), String> {
    let entries = Catalog::list(src).map_err(|e| format!("Catalog::list: {e}"))?;
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let model_names: Vec<&str> = db.keys().map(String::as_str).collect();
    if names != model_names {
        return Err(format!(
            "the catalog lists {names:?}, the model {model_names:?}"
        ));
    }
    for (name, entry) in &entries {
        check_tree_contents(src, name, BTree::open(entry.root), &db[name])?;
    }
    let problems = check_database(src, &[]).map_err(|e| format!("check_database: {e}"))?;
    if !problems.is_empty() {
        return Err(format!(
            "check_database finds {} problems; the first: {:?}",
            problems.len(),
            &problems[..problems.len().min(3)]
        ));
    }
    Ok(())
}

/// Which state the reopened database is in (by its change counter), and
/// whether it is exactly that state.
fn check_recovered(pager: &Pager, history: &History) -> Result<State, String> {
    let rx = pager
        .begin_read()
        .map_err(|e| format!("begin_read after recovery: {e}"))?;
    let cc = rx.header().change_counter;
    let candidates = std::iter::once(&history.acked).chain(history.in_flight.as_ref());
    let Some(state) = candidates.into_iter().find(|s| s.lsn == cc) else {
        return Err(format!(
            "recovered change counter {cc}; acceptable: {} (last acknowledged){}",
            history.acked.lsn,
            match &history.in_flight {
                Some(s) => format!(", {} (in flight)", s.lsn),
                None => String::new(),
            }
        ));
    };
    let which = if state.lsn == history.acked.lsn {
        "the last acknowledged commit"
    } else {
        "the commit in flight"
    };
    check_state(&rx, &state.db)
        .map_err(|e| format!("recovered change counter {cc} is {which}, but {e}"))?;
    Ok(state.clone())
}

fn reopen(vfs: &Arc<SimVfs>, workload: &Workload) -> Result<Pager, String> {
    Pager::open_with_vfs(vfs.clone(), DB, workload.options())
        .map_err(|e| format!("reopen failed: {e}"))
}

/// Commits one more transaction on the recovered database (an overflow
/// value, an upsert, a delete), crashes after it, reopens and checks again.
fn prove_usable(
    vfs: &Arc<SimVfs>,
    pager: Pager,
    workload: &Workload,
    mut state: State,
) -> Result<(), String> {
    let e = |what: &str, e: BTreeError| format!("{what} after recovery: {e}");
    let tx = pager
        .begin_write()
        .map_err(|x| e("begin_write", x.into()))?;
    let tree = if state.db.contains_key(MAIN) {
        Catalog::open(&tx, MAIN).map_err(|x| e("Catalog::open", x))?
    } else {
        state.db.insert(MAIN.to_string(), TreeModel::new());
        Catalog::create_tree(&tx, MAIN, EntryKind::Table, b"main")
            .map_err(|x| e("create_tree", x))?
    };
    let model = state.db.get_mut(MAIN).expect("main");
    let mut rng = Rng::new(workload.seed ^ 0xAF7E);
    let big = rng.bytes(2 * PAGE_SIZE as usize + 100);
    tree.insert(&tx, b"after the crash", &big, InsertMode::Upsert)
        .map_err(|x| e("insert", x))?;
    model.insert(b"after the crash".to_vec(), big);
    if let Some(k) = model.keys().next().cloned() {
        let v = rng.bytes(300);
        tree.insert(&tx, &k, &v, InsertMode::Upsert)
            .map_err(|x| e("upsert", x))?;
        model.insert(k, v);
    }
    if let Some(k) = model.keys().next_back().cloned() {
        tree.delete(&tx, &k).map_err(|x| e("delete", x))?;
        model.remove(&k);
    }
    let info = tx.commit().map_err(|x| e("commit", x.into()))?;
    if info.lsn != state.lsn + 1 {
        return Err(format!(
            "the commit after recovery got lsn {}, expected {}",
            info.lsn,
            state.lsn + 1
        ));
    }
    if let Some(Err(x)) = info.autocheckpoint {
        return Err(e("autocheckpoint", x.into()));
    }
    pager.abandon();
    vfs.crash();
    let pager = reopen(vfs, workload)?;
    let history = History {
        acked: State {
            lsn: state.lsn + 1,
            db: state.db,
        },
        ..History::default()
    };
    check_recovered(&pager, &history)
        .map_err(|x| format!("after a commit on the recovered database and another crash: {x}"))?;
    pager.abandon();
    Ok(())
}

/// The seed of the simulated disk for crash point `k`: a different one for
/// every crash point, so the sweep also varies which unsynced writes a
/// crash drops, keeps or tears.
fn disk_seed(workload: &Workload, k: u64) -> u64 {
    workload.seed.wrapping_mul(0x9E37_79B9).wrapping_add(k)
}

/// Runs `workload` with a crash after `k` mutating operations, recovers,
/// and checks everything the module documentation promises.
fn crash_at(workload: &Workload, k: u64, total: u64) -> Result<(), String> {
    let (vfs, pager, start_lsn) = fresh(workload, disk_seed(workload, k));
    vfs.set_crash_point(Some(k));
    let history = run_workload(&pager, workload, start_lsn);
    match &history.stopped {
        Some(why) if !vfs.is_frozen() => {
            return Err(format!("the workload failed before the crash point: {why}"));
        }
        None if k < total => {
            return Err(format!(
                "the workload did {total} operations without a crash point but finished \
                 with one after {k}: it is not deterministic"
            ));
        }
        _ => {}
    }
    pager.abandon();
    vfs.crash();
    let pager = reopen(&vfs, workload)?;
    let state = check_recovered(&pager, &history)?;
    prove_usable(&vfs, pager, workload, state)
}

/// `budget` crash points out of `0..=total`: all of them if they fit, else
/// a seeded sample that always includes both ends.
fn choose_crash_points(total: u64, budget: usize, seed: u64) -> Vec<u64> {
    let mut all: Vec<u64> = (0..=total).collect();
    if all.len() <= budget {
        return all;
    }
    let mut rng = Rng::new(seed ^ 0xC4A5_4000);
    let n = budget.max(2);
    for i in 0..n {
        let j = i + rng.index(all.len() - i);
        all.swap(i, j);
    }
    all.truncate(n);
    all.push(0);
    all.push(total);
    all.sort_unstable();
    all.dedup();
    all
}

/// Crashes workloads of shape `shape`, one seed after another, until
/// `budget` crash points have been tried; panics with the first failures.
fn sweep(shape: usize) {
    let budget = crash_point_budget().div_ceil(SWEEPS).max(2);
    let mut tried = 0;
    let mut failures = Vec::new();
    let mut i = 0;
    while tried < budget {
        let workload = workload(shape, i);
        i += 1;
        let (total, _, _) = dry_run(&workload);
        // At least two workloads (seeds) per sweep, all of a workload's
        // points when the budget is large.
        let per_workload = budget.div_ceil(2).min(budget - tried);
        let points = choose_crash_points(total, per_workload, workload.seed);
        for &k in &points {
            if let Err(why) = crash_at(&workload, k, total) {
                failures.push(format!(
                    "{workload:?}, disk seed {}, crash after {k} of {total} operations: {why}",
                    disk_seed(&workload, k)
                ));
            }
        }
        tried += points.len();
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} crash points failed; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "shape {:?}: {tried} crash points over {i} workloads",
        SHAPES[shape]
    );
}

#[test]
fn crash_anywhere_with_16_frames_and_autocheckpoint_24_recovers_an_acknowledged_tree_state_and_a_clean_file()
 {
    sweep(0);
}

#[test]
fn crash_anywhere_with_12_frames_and_autocheckpoint_10_recovers_an_acknowledged_tree_state_and_a_clean_file()
 {
    sweep(1);
}

#[test]
fn crash_anywhere_with_24_frames_and_autocheckpoint_40_recovers_an_acknowledged_tree_state_and_a_clean_file()
 {
    sweep(2);
}

#[test]
fn crash_anywhere_with_16_frames_and_only_explicit_checkpoints_recovers_an_acknowledged_tree_state_and_a_clean_file()
 {
    sweep(3);
}

#[test]
fn the_workloads_split_merge_collapse_overflow_drop_spill_and_checkpoint() {
    // The sweeps prove little if the workloads never reach these paths;
    // this pins down that every first workload of every shape does.
    for shape in 0..SWEEPS {
        let workload = workload(shape, 0);
        let (total, history, stats) = dry_run(&workload);
        let t = history.tally;
        let w = format!("{workload:?} ({total} operations, {t:?}, {stats:?})");
        assert!(t.max_height >= 3, "{w}: main never reached 3 levels");
        assert!(t.height_drops > 0, "{w}: main never lost a level");
        assert!(t.overflow_inserts > 0, "{w}: no overflow chain written");
        assert!(
            t.overflow_replacements > 0,
            "{w}: no overflow value replaced"
        );
        assert!(t.overflow_deletes > 0, "{w}: no overflow chain deleted");
        assert!(t.run_deletes > 0, "{w}: no run of deletes");
        assert!(t.trees_dropped > 0, "{w}: no tree dropped");
        assert!(t.rollbacks > 0, "{w}: no rollback");
        assert!(stats.spills > 0, "{w}: no spills");
        assert!(stats.checkpoints > 0, "{w}: no checkpoints");
        assert!(stats.wal_resets > 0, "{w}: no WAL resets");
        assert!(total >= 100, "{w}: too few crash points");
        eprintln!("{w}");
    }
}
