//! Crash consistency, proven by crashing the simulated disk at every write
//! and sync boundary of randomized workloads.
//!
//! # What is proven
//!
//! After a crash at any point, with `synchronous = full` or `extra`:
//!
//! * the database opens;
//! * every transaction whose `commit()` returned `Ok` is there;
//! * the transaction whose commit was in flight at the crash is there
//!   entirely or not at all;
//! * nothing from a rolled-back transaction or a rolled-back savepoint is
//!   visible;
//! * the header page, the freelist and the live pages account for exactly
//!   `page_count` pages, each once, and every page reads with a valid
//!   checksum;
//! * the recovered database takes another commit, and that commit survives
//!   a further crash.
//!
//! With `synchronous = extra` each commit fsyncs twice (its frames, then its
//! mark slot), and a crash between the two, or one that tears the slot
//! write, must never make the WAL look damaged: the database opens.
//!
//! With `synchronous = normal` the promise is weaker and so is the check:
//! the database equals the state after *some* acknowledged commit no older
//! than the last completed checkpoint (a prefix of the committed history),
//! never a mixture.
//!
//! # How
//!
//! A *workload* is a seeded sequence of write transactions on a small
//! buffer pool (so transactions spill to the WAL) with a low automatic
//! checkpoint threshold (so checkpoints and WAL resets happen in the middle
//! of the run). Each transaction allocates, rewrites and frees pages, may
//! take a savepoint and roll back to it, and ends in a commit, a rollback or
//! a drop; some are larger than the pool; some are followed by an explicit
//! checkpoint. Every page body is stamped with its page id, the transaction
//! and write that produced it, and a checksum of the rest (see
//! `common::stamped_body`), so each write is unique and a wrong page can be
//! named.
//!
//! The test keeps a model: for every acknowledged commit, the change counter
//! it committed as (the header's `change_counter`, which every commit bumps
//! by one) and the exact body of every live page. The model is updated only
//! when `commit()` returns `Ok`; rolled-back work never enters it.
//!
//! 1. Run the workload once on a fresh [`SimVfs`] and count its mutating
//!    operations (`vfs.ops()`): each count `k` in `0..=total` is a crash
//!    point, a moment between two writes or syncs.
//! 2. For each chosen `k`, rerun the same workload on a fresh `SimVfs`
//!    frozen after `k` operations ([`SimVfs::set_crash_point`]). The first
//!    operation past the crash point fails, and the workload stops there.
//! 3. Abandon the pager (what a killed process does), crash the disk (every
//!    unsynced write is dropped, kept or torn, as the seeded simulation
//!    decides), reopen, and read the recovered change counter: it names the
//!    one state of the history the database may be in. Compare the whole
//!    database with that state's model (`common::check_database`).
//! 4. Commit one more transaction on the recovered database, crash (or
//!    close) again, reopen and check again.
//!
//! Workloads are swept one after another, every crash point of each (the
//! last one only a seeded sample), until the budget is spent: 4,000 crash
//! points by default with `synchronous = full` and 2,000 each with `extra`
//! and `normal`; `WALNUT_CRASH_POINTS=N` sets the first to `N` and the
//! others to `N / 2`.
//! Each crash point also gets its own disk seed, so the sweep varies which
//! unsynced writes a crash drops, keeps or tears, not only where it strikes.
//! A failure message names the workload, the disk seed and the crash point,
//! which reproduce it exactly.
//!
//! Further tests crash at every operation of a checkpoint (with and without
//! a reader holding it back) and of `close()`, three disk seeds per
//! operation, in all three durable modes; and pin down particular
//! situations: a crash in the first commit into a new WAL followed by a
//! second crash, a crash while a database is being created, a failed fsync
//! while the WAL is reset, and a failed fsync of a mark slot followed by a
//! crash in the next commit. (Each of the first three once found a real
//! bug.)

mod common;

use common::{Model, PAGE_SIZE, Rng, check_database, stamped_body};
use std::sync::Arc;
use walnut_pager::{PageType, Pager, PagerError, PagerOptions, SimVfs, Synchronous, WriteTxn};

const DB: &str = "crash.db";

/// Crash points tried by default in the randomized `synchronous = full`
/// sweep (the other tests add their own).
const DEFAULT_CRASH_POINTS: usize = 4000;

/// The crash-point budget: `WALNUT_CRASH_POINTS` if set, else `default`.
fn crash_point_budget(default: usize) -> usize {
    match std::env::var("WALNUT_CRASH_POINTS") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("WALNUT_CRASH_POINTS must be a number, got {v:?}")),
        Err(_) => default,
    }
}

/// One randomized workload: everything that determines it.
#[derive(Debug, Clone, Copy)]
struct Workload {
    /// Seeds the workload's decisions (and, mixed with the crash point,
    /// the simulated disk's; see [`disk_seed`]).
    seed: u64,
    synchronous: Synchronous,
    pool_frames: usize,
    autocheckpoint: u32,
    transactions: u64,
}

impl Workload {
    fn options(&self) -> PagerOptions {
        PagerOptions {
            page_size: PAGE_SIZE,
            pool_frames: self.pool_frames,
            synchronous: self.synchronous,
            autocheckpoint: self.autocheckpoint,
            ..PagerOptions::default()
        }
    }
}

/// What the workload was told by the pager, and so what it may expect.
#[derive(Debug, Clone)]
struct History {
    /// Every acknowledged state, oldest first: the change counter it
    /// committed as and its model. The first entry is the empty database.
    states: Vec<(u64, Model)>,
    /// The commit that was in flight when the workload stopped: the change
    /// counter it would commit as and the model if it landed.
    in_flight: Option<(u64, Model)>,
    /// Change counter of the newest state a completed checkpoint covered.
    checkpointed: u64,
    /// The error that stopped the workload, if one did.
    stopped: Option<String>,
}

impl History {
    fn new() -> History {
        History {
            // Commit 1 created the database (its header page).
            states: vec![(1, Model::new())],
            in_flight: None,
            checkpointed: 0,
            stopped: None,
        }
    }

    fn acknowledged(&self) -> &(u64, Model) {
        self.states
            .last()
            .expect("the history always holds the initial state")
    }

    /// The states a crash may legitimately leave behind, as
    /// (change counter, model, description).
    fn acceptable(&self, synchronous: Synchronous) -> Vec<(u64, &Model, String)> {
        let mut out = Vec::new();
        let (acked_lsn, acked) = self.acknowledged();
        match synchronous {
            Synchronous::Full | Synchronous::Extra => out.push((
                *acked_lsn,
                acked,
                "the last acknowledged commit".to_string(),
            )),
            _ => {
                for (lsn, model) in &self.states {
                    if *lsn >= self.checkpointed {
                        out.push((*lsn, model, format!("acknowledged commit {lsn}")));
                    }
                }
            }
        }
        if let Some((lsn, model)) = &self.in_flight {
            out.push((*lsn, model, "the commit in flight at the crash".to_string()));
        }
        out
    }
}

/// One write to a transaction: allocate a page, rewrite a live one, or free
/// a live one; `pending` follows along.
fn random_write(
    tx: &WriteTxn,
    rng: &mut Rng,
    txn: u64,
    write: &mut u32,
    pending: &mut Model,
) -> Result<(), PagerError> {
    *write += 1;
    let roll = rng.below(10);
    match common::pick(rng, pending) {
        Some(id) if (4..8).contains(&roll) => {
            let body = stamped_body(id, txn, *write);
            tx.page_mut(id)?.body_mut().copy_from_slice(&body);
            pending.insert(id, body);
        }
        Some(id) if roll >= 8 => {
            tx.free(id)?;
            pending.remove(&id);
        }
        _ => {
            let kind = if rng.chance(1, 2) {
                PageType::BTreeLeaf
            } else {
                PageType::Overflow
            };
            let mut page = tx.allocate(kind)?;
            let id = page.id();
            let body = stamped_body(id, txn, *write);
            page.body_mut().copy_from_slice(&body);
            pending.insert(id, body);
        }
    }
    Ok(())
}

/// Transaction number `txn` of a workload. Updates `history` only as the
/// pager acknowledges; returns the first error.
fn one_transaction(
    pager: &Pager,
    rng: &mut Rng,
    txn: u64,
    history: &mut History,
) -> Result<(), PagerError> {
    let (lsn, committed) = history.acknowledged().clone();
    let mut tx = pager.begin_write()?;
    let mut pending = committed;
    let mut write = 0;
    // One transaction in six is larger than any pool used here.
    let steps = if rng.chance(1, 6) {
        24 + rng.below(16)
    } else {
        1 + rng.below(8)
    };
    let savepoint_at = if rng.chance(1, 3) {
        Some(rng.below(steps))
    } else {
        None
    };
    let mut savepoint = None;
    for step in 0..steps {
        if savepoint_at == Some(step) {
            savepoint = Some((tx.savepoint()?, pending.clone()));
        }
        random_write(&tx, rng, txn, &mut write, &mut pending)?;
    }
    if let Some((sp, saved)) = savepoint {
        if rng.chance(1, 2) {
            tx.rollback_to(&sp)?;
            pending = saved;
            // The savepoint stays usable: keep writing after rolling back.
            for _ in 0..rng.below(3) {
                random_write(&tx, rng, txn, &mut write, &mut pending)?;
            }
        } else {
            tx.release(sp)?;
        }
    }
    match rng.below(10) {
        0 => tx.rollback(),
        1 => drop(tx),
        _ => {
            history.in_flight = Some((lsn + 1, pending.clone()));
            let info = tx.commit()?;
            history.in_flight = None;
            let now = if info.lsn == 0 {
                lsn
            } else {
                assert_eq!(
                    info.lsn,
                    lsn + 1,
                    "each commit bumps the change counter by one"
                );
                history.states.push((info.lsn, pending));
                info.lsn
            };
            match info.autocheckpoint {
                Some(Ok(_)) => history.checkpointed = now,
                Some(Err(e)) => return Err(e),
                None => {}
            }
        }
    }
    if rng.chance(1, 8) {
        pager.checkpoint()?;
        history.checkpointed = history.acknowledged().0;
    }
    Ok(())
}

/// Runs a workload until it ends or something fails (which, under a crash
/// point, is the simulated machine stopping).
fn run_workload(pager: &Pager, workload: &Workload, history: &mut History) {
    let mut rng = Rng::new(workload.seed);
    for txn in 1..=workload.transactions {
        if let Err(e) = one_transaction(pager, &mut rng, txn, history) {
            history.stopped = Some(format!("transaction {txn}: {e}"));
            return;
        }
    }
}

fn open(vfs: &Arc<SimVfs>, options: PagerOptions) -> Result<Pager, String> {
    Pager::open_with_vfs(vfs.clone(), DB, options).map_err(|e| format!("reopen failed: {e}"))
}

/// A new database on a new simulated disk whose crashes `disk_seed`
/// decides.
fn fresh(workload: &Workload, disk_seed: u64) -> (Arc<SimVfs>, Pager) {
    let vfs = Arc::new(SimVfs::new(disk_seed));
    let pager = Pager::open_with_vfs(vfs.clone(), DB, workload.options())
        .expect("creating a database on a healthy disk");
    (vfs, pager)
}

/// Mutating operations the whole workload performs (after creation).
fn count_ops(workload: &Workload) -> u64 {
    let (vfs, pager) = fresh(workload, workload.seed);
    let before = vfs.ops();
    let mut history = History::new();
    run_workload(&pager, workload, &mut history);
    assert!(
        history.stopped.is_none(),
        "{workload:?} fails without any crash: {:?}",
        history.stopped
    );
    let total = vfs.ops() - before;
    pager.abandon();
    total
}

/// Which state the reopened database is in, checked page by page: the
/// recovered change counter must name an acceptable state, and the whole
/// database must equal that state's model.
fn check_recovered(
    pager: &Pager,
    history: &History,
    synchronous: Synchronous,
) -> Result<(u64, Model), String> {
    let cc = pager
        .begin_read()
        .map_err(|e| format!("begin_read after recovery: {e}"))?
        .header()
        .change_counter;
    let acceptable = history.acceptable(synchronous);
    let Some((lsn, model, what)) = acceptable.iter().find(|(lsn, _, _)| *lsn == cc) else {
        let names: Vec<String> = acceptable
            .iter()
            .map(|(lsn, _, what)| format!("{lsn} ({what})"))
            .collect();
        return Err(format!(
            "recovered change counter {cc}; acceptable: {}",
            names.join(", ")
        ));
    };
    check_database(pager, model)
        .map_err(|e| format!("recovered change counter {cc} is {what}, but {e}"))?;
    Ok((*lsn, (*model).clone()))
}

/// Commits one more transaction on a recovered database, makes it survive a
/// crash (`full`) or a clean close (otherwise), reopens, and checks it.
fn prove_usable(
    vfs: &Arc<SimVfs>,
    pager: Pager,
    options: &PagerOptions,
    lsn: u64,
    mut model: Model,
) -> Result<(), String> {
    let tx = pager
        .begin_write()
        .map_err(|e| format!("begin_write after recovery: {e}"))?;
    let txn = 1_000_000;
    let step = |tx: &WriteTxn, model: &mut Model| -> Result<(), PagerError> {
        let mut page = tx.allocate(PageType::BTreeLeaf)?;
        let id = page.id();
        let body = stamped_body(id, txn, 1);
        page.body_mut().copy_from_slice(&body);
        drop(page);
        model.insert(id, body);
        let first = *model.keys().next().unwrap_or(&id);
        let body = stamped_body(first, txn, 2);
        tx.page_mut(first)?.body_mut().copy_from_slice(&body);
        model.insert(first, body);
        if model.len() > 2 {
            let last = *model.keys().next_back().unwrap_or(&id);
            tx.free(last)?;
            model.remove(&last);
        }
        Ok(())
    };
    step(&tx, &mut model).map_err(|e| format!("writing after recovery: {e}"))?;
    let info = tx
        .commit()
        .map_err(|e| format!("commit after recovery: {e}"))?;
    if info.lsn != lsn + 1 {
        return Err(format!(
            "commit after recovery got lsn {}, expected {}",
            info.lsn,
            lsn + 1
        ));
    }
    if let Some(Err(e)) = info.autocheckpoint {
        return Err(format!("autocheckpoint after recovery: {e}"));
    }
    if matches!(options.synchronous, Synchronous::Full | Synchronous::Extra) {
        pager.abandon();
        vfs.crash();
    } else {
        pager
            .close()
            .map_err(|e| format!("clean close after recovery: {e}"))?;
    }
    let pager = open(vfs, options.clone())?;
    let mut history = History::new();
    history.states.push((lsn + 1, model));
    check_recovered(&pager, &history, Synchronous::Full)
        .map_err(|e| format!("after a commit on the recovered database: {e}"))?;
    pager.abandon();
    Ok(())
}

/// The seed of the simulated disk for crash point `k` of a workload: a
/// different one for every crash point, so that the sweep also varies which
/// unsynced writes a crash drops, keeps or tears.
fn disk_seed(workload: &Workload, k: u64) -> u64 {
    workload.seed.wrapping_mul(0x9E37_79B9).wrapping_add(k)
}

/// Runs `workload` with a crash after `k` mutating operations, recovers,
/// and checks everything the module documentation promises.
fn crash_at(workload: &Workload, k: u64, total: u64) -> Result<(), String> {
    let (vfs, pager) = fresh(workload, disk_seed(workload, k));
    vfs.set_crash_point(Some(k));
    let mut history = History::new();
    run_workload(&pager, workload, &mut history);
    if k < total && history.stopped.is_none() {
        return Err(format!(
            "the workload did {total} operations without a crash point but finished \
             with one after {k}: it is not deterministic"
        ));
    }
    pager.abandon();
    vfs.crash();
    let pager = open(&vfs, workload.options())?;
    let (lsn, model) = check_recovered(&pager, &history, workload.synchronous)?;
    prove_usable(&vfs, pager, &workload.options(), lsn, model)
}

/// `budget` crash points out of `0..=total`: all of them if they fit, else
/// a seeded sample that always includes both ends.
fn choose_crash_points(total: u64, budget: usize, seed: u64) -> Vec<u64> {
    let all: Vec<u64> = (0..=total).collect();
    if all.len() <= budget {
        return all;
    }
    let mut rng = Rng::new(seed ^ 0xC4A5_4000);
    let mut pool = all;
    let n = budget.max(2);
    for i in 0..n {
        let j = i + rng.index(pool.len() - i);
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool.push(0);
    pool.push(total);
    pool.sort_unstable();
    pool.dedup();
    pool
}

/// The `i`-th randomized workload: eight shapes of pool and checkpoint
/// threshold, cycled, each with its own seed.
fn workload(synchronous: Synchronous, i: u64) -> Workload {
    const SHAPES: [(usize, u32); 8] = [
        (8, 8),
        (12, 20),
        (16, 12),
        (8, 0),
        (10, 10),
        (8, 16),
        (14, 8),
        (12, 0),
    ];
    let (pool_frames, autocheckpoint) = SHAPES[(i % 8) as usize];
    Workload {
        seed: i + 1,
        synchronous,
        pool_frames,
        autocheckpoint,
        transactions: 30,
    }
}

/// Crashes workloads, one after another, at every one of their crash
/// points (or a sample of the last one) until `budget` crash points have
/// been tried; panics with the first failures. Returns how many were tried.
fn sweep(synchronous: Synchronous, budget: usize) -> usize {
    let mut tried = 0;
    let mut failures = Vec::new();
    let mut i = 0;
    while tried < budget {
        let workload = workload(synchronous, i);
        i += 1;
        let total = count_ops(&workload);
        let points = choose_crash_points(total, budget - tried, workload.seed);
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
    tried
}

#[test]
fn full_sync_crash_at_any_write_or_sync_keeps_every_acknowledged_commit_and_no_partial_one() {
    let budget = crash_point_budget(DEFAULT_CRASH_POINTS);
    let tried = sweep(Synchronous::Full, budget);
    assert!(
        tried >= budget,
        "only {tried} crash points tried (budget {budget})"
    );
    eprintln!("synchronous = full: {tried} crash points");
}

#[test]
fn extra_sync_crash_at_any_write_or_sync_keeps_every_acknowledged_commit_and_always_opens() {
    let budget = crash_point_budget(DEFAULT_CRASH_POINTS) / 2;
    let tried = sweep(Synchronous::Extra, budget.max(8));
    eprintln!("synchronous = extra: {tried} crash points");
}

#[test]
fn normal_sync_crash_leaves_a_prefix_of_the_committed_history_back_to_the_last_checkpoint() {
    let budget = crash_point_budget(DEFAULT_CRASH_POINTS) / 2;
    let tried = sweep(Synchronous::Normal, budget.max(8));
    eprintln!("synchronous = normal: {tried} crash points");
}

#[test]
fn the_workloads_really_spill_checkpoint_reset_and_reuse_pages() {
    // The sweeps prove little if the workloads never reach the interesting
    // paths; this pins down that they do.
    let mut reused = 0;
    for workload in (0..8).map(|i| workload(Synchronous::Full, i)) {
        let (_vfs, pager) = fresh(&workload, workload.seed);
        let mut history = History::new();
        run_workload(&pager, &workload, &mut history);
        assert!(history.stopped.is_none(), "{:?}", history.stopped);
        let stats = pager.stats();
        let seed = workload.seed;
        assert!(stats.spills > 0, "seed {seed}: no spills: {stats:?}");
        assert!(stats.checkpoints > 0, "seed {seed}: no checkpoints");
        assert!(stats.wal_resets > 0, "seed {seed}: no WAL resets");
        assert!(stats.rollbacks > 0, "seed {seed}: no rollbacks");
        let (_, model) = history.acknowledged();
        check_database(&pager, model).expect("the crash-free run matches its model");
        // Pages allocated over the run, against the pages the file has:
        // fewer pages than allocations means freed pages were reused.
        let allocated: usize = history
            .states
            .windows(2)
            .map(|w| w[1].1.keys().filter(|p| !w[0].1.contains_key(p)).count())
            .sum();
        let page_count = pager.begin_read().expect("begin_read").page_count() as usize;
        if allocated + 1 > page_count {
            reused += 1;
        }
    }
    assert!(reused >= 4, "only {reused} workloads reused freed pages");
}

/// How a crash-inside-a-checkpoint run ends the work it is crashed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finish {
    /// `pager.checkpoint()` with no reader: copies everything, resets the WAL.
    Checkpoint,
    /// `pager.checkpoint()` while a reader holds the snapshot of the second
    /// commit: copies only up to it and cannot reset the WAL.
    CheckpointBehindReader,
    /// `pager.close()`: checkpoint, sync, and deletion of the WAL.
    Close,
}

/// Stamps a fresh body into page `id` for transaction `txn`.
fn put(tx: &WriteTxn, model: &mut Model, id: u32, txn: u64) -> Result<(), PagerError> {
    let body = stamped_body(id, txn, model.len() as u32);
    tx.page_mut(id)?.body_mut().copy_from_slice(&body);
    model.insert(id, body);
    Ok(())
}

/// Allocates a page stamped for transaction `txn`.
fn alloc(tx: &WriteTxn, model: &mut Model, txn: u64) -> Result<u32, PagerError> {
    let mut page = tx.allocate(PageType::BTreeLeaf)?;
    let id = page.id();
    let body = stamped_body(id, txn, model.len() as u32);
    page.body_mut().copy_from_slice(&body);
    model.insert(id, body);
    Ok(id)
}

/// A database with a checkpointed first commit and three more commits in
/// the WAL (rewrites, frees, reuse of freed pages, growth of the file),
/// the last two larger than the pool. With `Finish::CheckpointBehindReader`
/// a reader holds the snapshot after the second commit.
fn checkpoint_setup(
    disk_seed: u64,
    synchronous: Synchronous,
    finish: Finish,
) -> (
    Arc<SimVfs>,
    Pager,
    History,
    Option<walnut_pager::ReadTxn>,
    PagerOptions,
) {
    let options = PagerOptions {
        page_size: PAGE_SIZE,
        pool_frames: 8,
        synchronous,
        autocheckpoint: 0,
        ..PagerOptions::default()
    };
    let vfs = Arc::new(SimVfs::new(disk_seed));
    let pager = Pager::open_with_vfs(vfs.clone(), DB, options.clone()).expect("create");
    let mut history = History::new();
    let mut model = Model::new();
    let mut commit =
        |pager: &Pager,
         history: &mut History,
         f: &dyn Fn(&WriteTxn, &mut Model) -> Result<(), PagerError>| {
            let tx = pager.begin_write().expect("begin_write");
            f(&tx, &mut model).expect("setup writes");
            let info = tx.commit().expect("setup commit");
            history.states.push((info.lsn, model.clone()));
        };
    commit(&pager, &mut history, &|tx, m| {
        for _ in 0..30 {
            alloc(tx, m, 1)?;
        }
        Ok(())
    });
    pager.checkpoint().expect("setup checkpoint");
    history.checkpointed = 1;
    commit(&pager, &mut history, &|tx, m| {
        // Every other page: a checkpoint writes each run of consecutive
        // pages at once, and these make a run each (crash points).
        for id in (2..=16).step_by(2) {
            put(tx, m, id, 2)?;
        }
        for id in [20, 22, 24, 26] {
            tx.free(id)?;
            m.remove(&id);
        }
        Ok(())
    });
    let reader =
        (finish == Finish::CheckpointBehindReader).then(|| pager.begin_read().expect("begin_read"));
    commit(&pager, &mut history, &|tx, m| {
        for _ in 0..10 {
            alloc(tx, m, 3)?;
        }
        put(tx, m, 2, 3)?;
        put(tx, m, 3, 3)?;
        Ok(())
    });
    commit(&pager, &mut history, &|tx, m| {
        for id in [5, 7, 9, 11, 13] {
            put(tx, m, id, 4)?;
        }
        Ok(())
    });
    (vfs, pager, history, reader, options)
}

/// Runs `finish` on a fresh setup with a crash after `k` operations (or
/// none), and checks the recovered database; returns the operations the
/// finish performed.
fn crash_inside(
    disk_seed: u64,
    synchronous: Synchronous,
    finish: Finish,
    k: Option<u64>,
) -> Result<u64, String> {
    let (vfs, pager, mut history, reader, options) =
        checkpoint_setup(disk_seed, synchronous, finish);
    let before = vfs.ops();
    vfs.set_crash_point(k);
    let newest = history.acknowledged().0;
    let done = match finish {
        Finish::Checkpoint | Finish::CheckpointBehindReader => {
            let done = pager.checkpoint().is_ok();
            pager.abandon();
            done
        }
        // A failed close still drops the pager, whose last-ditch checkpoint
        // fails on the stopped disk too.
        Finish::Close => pager.close().is_ok(),
    };
    drop(reader);
    let ops = vfs.ops() - before;
    if done {
        history.checkpointed = match finish {
            Finish::CheckpointBehindReader => 2,
            _ => newest,
        };
    } else if k.is_none() {
        return Err(format!("{finish:?} failed without a crash point"));
    }
    vfs.crash();
    let pager = open(&vfs, options.clone())?;
    let (lsn, model) = check_recovered(&pager, &history, synchronous)?;
    prove_usable(&vfs, pager, &options, lsn, model)?;
    Ok(ops)
}

/// Crashes `finish` at every one of its operations, three disk seeds each.
fn sweep_inside(synchronous: Synchronous, finish: Finish) -> usize {
    let total = crash_inside(7, synchronous, finish, None)
        .unwrap_or_else(|e| panic!("{finish:?} without a crash: {e}"));
    // A checkpoint writes each run of consecutive pages at once: here
    // about five runs, the file's growth, its syncs and the WAL's reset.
    assert!(total > 6, "{finish:?} did only {total} operations");
    let mut failures = Vec::new();
    let mut tried = 0;
    for k in 0..=total {
        for disk_seed in [k * 3, k * 3 + 1, k * 3 + 2] {
            tried += 1;
            if let Err(why) = crash_inside(disk_seed, synchronous, finish, Some(k)) {
                failures.push(format!(
                    "{synchronous:?} {finish:?}, disk seed {disk_seed}, crash after {k} of \
                     {total} operations: {why}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} crash points failed; the first:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
    eprintln!("{synchronous:?} {finish:?}: {tried} crash points");
    tried
}

#[test]
fn a_crash_anywhere_inside_a_checkpoint_loses_no_acknowledged_commit() {
    sweep_inside(Synchronous::Full, Finish::Checkpoint);
}

#[test]
fn a_crash_anywhere_inside_a_checkpoint_held_back_by_a_reader_loses_no_acknowledged_commit() {
    sweep_inside(Synchronous::Full, Finish::CheckpointBehindReader);
}

#[test]
fn a_crash_anywhere_inside_close_loses_no_acknowledged_commit() {
    sweep_inside(Synchronous::Full, Finish::Close);
}

#[test]
fn with_extra_sync_a_crash_inside_a_checkpoint_or_close_loses_no_acknowledged_commit() {
    sweep_inside(Synchronous::Extra, Finish::Checkpoint);
    sweep_inside(Synchronous::Extra, Finish::Close);
}

#[test]
fn with_normal_sync_a_crash_inside_a_checkpoint_or_close_leaves_a_whole_committed_state() {
    sweep_inside(Synchronous::Normal, Finish::Checkpoint);
    sweep_inside(Synchronous::Normal, Finish::CheckpointBehindReader);
    sweep_inside(Synchronous::Normal, Finish::Close);
}

/// A crash during the first commit into a new WAL, and then a second crash
/// with nothing written in between: the database must open both times, and
/// the second recovery must find what the first one found.
#[test]
fn a_crash_in_the_first_commit_neither_blocks_reopening_nor_changes_a_second_recovery() {
    let mut failures = Vec::new();
    for synchronous in [Synchronous::Full, Synchronous::Extra, Synchronous::Normal] {
        for disk_seed in 0..100 {
            let workload = Workload {
                seed: disk_seed,
                synchronous,
                pool_frames: 8,
                autocheckpoint: 0,
                transactions: 1,
            };
            let result = (|| -> Result<(), String> {
                let (vfs, pager) = fresh(&workload, disk_seed);
                // One operation: the commit's append lands, then the disk
                // stops (before the fsync, with synchronous = full).
                vfs.set_crash_point(Some(1));
                let mut history = History::new();
                let tx = pager.begin_write().map_err(|e| e.to_string())?;
                let mut model = Model::new();
                for _ in 0..3 {
                    alloc(&tx, &mut model, 1).map_err(|e| e.to_string())?;
                }
                history.in_flight = Some((2, model.clone()));
                if tx.commit().is_ok() {
                    history.in_flight = None;
                    history.states.push((2, model));
                }
                pager.abandon();
                vfs.crash();
                let pager = open(&vfs, workload.options())?;
                let (lsn, model) = check_recovered(&pager, &history, synchronous)?;
                pager.abandon();
                vfs.crash();
                let pager =
                    open(&vfs, workload.options()).map_err(|e| format!("second recovery: {e}"))?;
                let mut found = History::new();
                found.states = vec![(lsn, model)];
                check_recovered(&pager, &found, Synchronous::Full)
                    .map_err(|e| format!("second recovery differs from the first: {e}"))?;
                Ok(())
            })();
            if let Err(e) = result {
                failures.push(format!("{synchronous:?}, disk seed {disk_seed}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures; the first:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
}

/// Creating a database commits its header page through the WAL. A crash
/// between any two of its operations must leave something that opens as
/// the new, empty database.
#[test]
fn a_crash_while_creating_a_database_leaves_a_file_that_opens_empty() {
    let options = workload(Synchronous::Full, 0).options();
    let total = {
        let vfs = Arc::new(SimVfs::new(0));
        Pager::open_with_vfs(vfs.clone(), DB, options.clone())
            .expect("create")
            .abandon();
        vfs.ops()
    };
    let mut failures = Vec::new();
    for disk_seed in 0..50 {
        for k in 0..=total {
            let vfs = Arc::new(SimVfs::new(disk_seed));
            vfs.set_crash_point(Some(k));
            if let Ok(pager) = Pager::open_with_vfs(vfs.clone(), DB, options.clone()) {
                pager.abandon();
            }
            vfs.crash();
            let result = open(&vfs, options.clone())
                .and_then(|pager| check_recovered(&pager, &History::new(), Synchronous::Full));
            if let Err(e) = result {
                failures.push(format!(
                    "disk seed {disk_seed}, crash after {k} of {total}: {e}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures; the first:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
}

/// An fsync that fails (an I/O error, not a crash) while a checkpoint
/// resets the WAL must not desynchronise the pager from its WAL: a commit
/// acknowledged afterwards (synchronous = full) must survive a crash.
#[test]
fn a_failed_sync_of_the_new_wal_header_at_reset_loses_no_later_acknowledged_commit() {
    let workload = workload(Synchronous::Full, 3);
    let (vfs, pager) = fresh(&workload, 1);
    let mut model = Model::new();
    let tx = pager.begin_write().expect("begin_write");
    let id = alloc(&tx, &mut model, 1).expect("allocate");
    tx.commit().expect("first commit");
    // The checkpoint syncs the main file (sync 1), then writes and syncs
    // the new WAL header (sync 2): fail that one.
    vfs.fail_sync_after(Some(1));
    let err = pager.checkpoint().expect_err("the reset's fsync fails");
    assert!(err.to_string().contains("reset"), "{err}");
    let tx = pager.begin_write().expect("begin_write");
    put(&tx, &mut model, id, 2).expect("rewrite");
    tx.commit()
        .expect("second commit, acknowledged and fsynced");
    pager.abandon();
    vfs.crash();
    let pager = open(&vfs, workload.options()).expect("reopen");
    let mut history = History::new();
    history.states.push((3, model));
    check_recovered(&pager, &history, Synchronous::Full)
        .unwrap_or_else(|e| panic!("{e}; recovery: {:?}", pager.recovery_report()));
}

/// Under `synchronous = extra`, a commit whose frames were fsynced but
/// whose mark slot fsync failed returns an error and is rolled back, yet
/// its slot write may reach the disk claiming its frames, which the next
/// commit overwrites. A crash anywhere in that next commit must still open
/// (no spurious `DamagedWal`) in one of the states it may legitimately be
/// in: the last acknowledged commit, the failed one, or the one in flight.
#[test]
fn a_failed_mark_slot_fsync_never_makes_a_later_crash_refuse_the_wal() {
    let workload = Workload {
        seed: 1,
        synchronous: Synchronous::Extra,
        pool_frames: 8,
        autocheckpoint: 0,
        transactions: 0,
    };
    // Acknowledged commit A, failed commit B, then commit C; each writes
    // its own body into the same pages.
    let run = |vfs: &Arc<SimVfs>, pager: &Pager, crash_at: Option<u64>| -> [Model; 3] {
        let mut models: [Model; 3] = Default::default();
        let tx = pager.begin_write().expect("begin A");
        let ids: Vec<u32> = (0..6)
            .map(|_| alloc(&tx, &mut models[0], 1).expect("allocate"))
            .collect();
        tx.commit().expect("commit A");
        // B: the frame fsync succeeds, the slot's fails.
        models[1] = models[0].clone();
        vfs.fail_sync_after(Some(1));
        let tx = pager.begin_write().expect("begin B");
        for &id in &ids {
            put(&tx, &mut models[1], id, 2).expect("write B");
        }
        let err = tx.commit().expect_err("B's mark slot fsync fails");
        assert!(err.to_string().contains("mark slot"), "{err}");
        // C, with the disk stopping after `crash_at` more operations.
        models[2] = models[0].clone();
        vfs.set_crash_point(crash_at);
        let result = (|| -> Result<(), PagerError> {
            let tx = pager.begin_write()?;
            for &id in &ids {
                put(&tx, &mut models[2], id, 3)?;
            }
            tx.commit().map(|_| ())
        })();
        assert!(
            result.is_ok() || crash_at.is_some(),
            "C fails without a crash: {result:?}"
        );
        models
    };
    let total = {
        let (vfs, pager) = fresh(&workload, 0);
        let before = vfs.ops();
        run(&vfs, &pager, None);
        let ops = vfs.ops() - before;
        pager.abandon();
        ops
    };
    let mut failures = Vec::new();
    let mut tried = 0;
    for disk_seed in 0..40 {
        // Only C's operations are crash points: A and B take a fixed number.
        for k in 0..=total {
            let (vfs, pager) = fresh(&workload, disk_seed);
            let models = run(&vfs, &pager, Some(k));
            pager.abandon();
            vfs.crash();
            tried += 1;
            let result = open(&vfs, workload.options()).and_then(|pager| {
                let errors: Vec<String> = models
                    .iter()
                    .filter_map(|m| check_database(&pager, m).err())
                    .collect();
                if errors.len() == models.len() {
                    return Err(format!("matches none of A, B, C: {errors:?}"));
                }
                Ok(())
            });
            if let Err(e) = result {
                failures.push(format!("disk seed {disk_seed}, crash point {k}: {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {tried} crashes failed; the first:\n{}",
        failures.len(),
        failures[..failures.len().min(5)].join("\n")
    );
}
