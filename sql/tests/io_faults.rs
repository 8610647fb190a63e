//! Injected I/O errors and a full disk during commits and checkpoints.
//!
//! A seeded workload (see `support`) runs on a [`SimVfs`] with one fault
//! planned: the n-th write fails, or the n-th sync fails, or the disk fills
//! up n KiB past what the database uses at the start. The sweep tries
//! every n: up to the writes and syncs a run without faults makes, and for
//! the disk until the workload fits. The fault
//! lands in commits (WAL appends and their fsync), spills, checkpoints
//! (explicit, automatic and at close), WAL resets and file growth.
//!
//! When a statement fails:
//!
//! * the error is clear: it names the file and says what walnut was doing
//!   (`io.db-wal: I/O error while syncing the WAL: ...`,
//!   `io.db: disk full while checkpointing page 7`);
//! * the statement left nothing behind: the contents are exactly those of
//!   the units acknowledged so far;
//! * the database stays usable: with the fault gone (the disk has room
//!   again), the same unit is retried and succeeds, and the workload goes
//!   on.
//!
//! At the end the contents equal those of a run without faults, and stay
//! so after a clean close and a reopen, with a clean integrity check.
//! Nothing committed is lost.

mod support;

use std::path::Path;
use std::sync::Arc;
use support::{Unit, snapshot, workload};
use walnut_pager::SimVfs;
use walnut_sql::{Database, Options, Value};

const DB: &str = "io.db";

fn options() -> Options {
    Options {
        page_size: 1024,
        pool_frames: 16,
        autocheckpoint: 16,
        ..Options::default()
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The n-th `write_at` from the start fails.
    Write(u64),
    /// The n-th `sync` from the start fails.
    Sync(u64),
    /// The disk holds this many bytes more than at the start.
    Full(u64),
}

impl Fault {
    fn arm(self, vfs: &SimVfs) {
        match self {
            Fault::Write(n) => vfs.fail_write_after(Some(n)),
            Fault::Sync(n) => vfs.fail_sync_after(Some(n)),
            Fault::Full(slack) => {
                let used: u64 = [DB, "io.db-wal"]
                    .iter()
                    .filter_map(|f| vfs.file_bytes(Path::new(f)))
                    .map(|b| b.len() as u64)
                    .sum();
                vfs.set_capacity(Some(used + slack));
            }
        }
    }

    fn disarm(self, vfs: &SimVfs) {
        vfs.fail_write_after(None);
        vfs.fail_sync_after(None);
        vfs.set_capacity(None);
    }
}

/// The contents after each unit of a run without faults.
fn expected_states(units: &[Unit]) -> Vec<Vec<String>> {
    let vfs = Arc::new(SimVfs::new(1));
    let db = Database::open_vfs(vfs, Path::new(DB), options()).expect("open");
    let mut states = vec![snapshot(&db).expect("snapshot")];
    for unit in units {
        run_unit(&db, unit).ok();
        states.push(snapshot(&db).expect("snapshot"));
    }
    states
}

/// Runs a unit's statements; UNIQUE conflicts are part of the workload.
/// Returns the first other error.
fn run_unit(db: &Database, unit: &Unit) -> Result<(), String> {
    for sql in &unit.statements {
        if let Err(e) = db.execute(sql, ()) {
            let msg = e.to_string();
            if !msg.contains("UNIQUE") {
                return Err(msg);
            }
        }
    }
    Ok(())
}

/// Whether an error says which file and what failed.
fn is_clear(msg: &str) -> bool {
    let names_file = msg.starts_with("io.db: ") || msg.starts_with("io.db-wal: ");
    let says_what = msg.contains("I/O error while ") || msg.contains("disk full while ");
    names_file && says_what
}

/// Runs the workload with `fault` planned. Returns whether the fault was
/// met, or what went wrong.
fn run_with(fault: Fault, units: &[Unit], states: &[Vec<String>]) -> Result<bool, String> {
    let vfs = Arc::new(SimVfs::new(2));
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options())
        .map_err(|e| format!("open: {e}"))?;
    fault.arm(&vfs);
    let mut met = false;
    for (i, unit) in units.iter().enumerate() {
        let Err(msg) = run_unit(&db, unit) else {
            continue;
        };
        met = true;
        if !is_clear(&msg) {
            return Err(format!("unit {i}: unclear error: {msg}"));
        }
        if db.in_transaction() {
            db.execute("ROLLBACK", ())
                .map_err(|e| format!("unit {i}: ROLLBACK after {msg:?} failed: {e}"))?;
        }
        let now = snapshot(&db).map_err(|e| format!("unit {i}: reading after {msg:?}: {e}"))?;
        if now != states[i] {
            return Err(format!(
                "unit {i}: after {msg:?} the contents are not those of the {i} units before it"
            ));
        }
        // The disk has room again / the controller recovered: retry.
        fault.disarm(&vfs);
        run_unit(&db, unit).map_err(|e| format!("unit {i}: retry after {msg:?} failed: {e}"))?;
    }
    if snapshot(&db).map_err(|e| e.to_string())? != states[units.len()] {
        return Err("the final contents differ from a run without faults".to_string());
    }
    fault.disarm(&vfs);
    // Closing checkpoints; a fault there must not lose anything either.
    drop(db);
    let db =
        Database::open_vfs(vfs, Path::new(DB), options()).map_err(|e| format!("reopen: {e}"))?;
    if snapshot(&db).map_err(|e| e.to_string())? != states[units.len()] {
        return Err("after close and reopen, committed units are missing".to_string());
    }
    let check: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .map_err(|e| e.to_string())?
        .collect();
    if check != vec![vec![Value::Text("ok".into())]] {
        return Err(format!("integrity_check: {check:?}"));
    }
    Ok(met)
}

/// What a run without faults does to the disk: (mutating operations,
/// syncs), the range worth planning faults in.
fn disk_work(units: &[Unit]) -> (u64, u64) {
    let vfs = Arc::new(SimVfs::new(2));
    let db = Database::open_vfs(vfs.clone(), Path::new(DB), options()).expect("open");
    let (ops, syncs) = (vfs.ops(), vfs.syncs());
    for unit in units {
        run_unit(&db, unit).ok();
    }
    drop(db);
    (vfs.ops() - ops, vfs.syncs() - syncs)
}

/// Runs the workload with `make(n)` planned for every n in `range`, or
/// (with no range) for n = 0, 1, ... until a run does not meet its fault.
/// (A failed *automatic* checkpoint fails no statement, as in SQLite: the
/// commit before it stands, and the next checkpoint does the work.)
fn sweep(name: &str, range: impl Fn(u64, u64) -> Option<u64>, make: impl Fn(u64) -> Fault) {
    let units = workload(7, 45);
    let states = expected_states(&units);
    let (ops, syncs) = disk_work(&units);
    let end = range(ops, syncs);
    let mut failures = Vec::new();
    let (mut n, mut met) = (0, 0);
    loop {
        if end.is_some_and(|end| n >= end) {
            break;
        }
        match run_with(make(n), &units, &states) {
            Ok(true) => met += 1,
            Ok(false) if end.is_none() => break,
            Ok(false) => {}
            Err(e) => failures.push(format!("{:?}: {e}", make(n))),
        }
        n += 1;
        assert!(n < 5000, "{name}: the workload never got past its fault");
    }
    eprintln!(
        "{name}: {n} fault points, {met} failed a statement, {} failures",
        failures.len()
    );
    assert!(
        met > 20,
        "{name}: too few statements failed ({met}) to mean anything"
    );
    assert!(
        failures.is_empty(),
        "{name}: {} of {n} fault points failed; the first: {}",
        failures.len(),
        failures[0]
    );
}

#[test]
fn a_failed_write_anywhere_fails_one_statement_cleanly_and_loses_nothing() {
    sweep("failed writes", |ops, _| Some(ops), Fault::Write);
}

#[test]
fn a_failed_sync_anywhere_fails_one_statement_cleanly_and_loses_nothing() {
    sweep("failed syncs", |_, syncs| Some(syncs), Fault::Sync);
}

#[test]
fn a_full_disk_fails_statements_cleanly_and_loses_nothing() {
    sweep("full disk", |_, _| None, |n| Fault::Full(n * 1024));
}
