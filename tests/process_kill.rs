//! Kill a real writer process with `SIGKILL`, many times, and check after
//! every kill that the database holds exactly what was acknowledged.
//!
//! The writer is the `walnut` shell binary itself on a database file, fed
//! SQL through a pipe. Transaction `n` is
//!
//! ```sql
//! BEGIN;
//! INSERT INTO items(txn, seq, rows_in_txn, payload) VALUES (n, 0, k, printf(...));  -- k rows, 2-5
//! ...
//! UPDATE counter SET n = n WHERE id = 1;
//! COMMIT;
//! SELECT 'ack', n;
//! ```
//!
//! The shell runs piped statements one at a time and flushes each result
//! before reading on, so the line `ack|n` reaches the test only after
//! `COMMIT` returned: it acknowledges a durable commit. The rows are text
//! of a few KB (`printf('%.*c', len, 'x')`) and `zeroblob`s, so each
//! transaction spans several pages with overflow chains.
//!
//! Each round starts the shell (`-bail`, so any error stops it rather than
//! committing a partial transaction) with a seeded random `PRAGMA
//! synchronous` (EXTRA, FULL, NORMAL or OFF: a process kill is not a power
//! loss, the operating system keeps what was written, so even OFF must lose
//! no acknowledged commit), lets it acknowledge a seeded random
//! number of transactions (1..=8), sleeps a seeded random 0-4 ms so that
//! the kill lands between transactions, in the middle of one, inside
//! `COMMIT` or between `COMMIT` and the acknowledgement, and kills it with
//! `Child::kill` (`SIGKILL` on unix). Then the test opens the file
//! in-process, which runs WAL recovery, and checks:
//!
//! * no acknowledged commit is lost: every transaction up to the last
//!   acknowledged one is there;
//! * no transaction is partial: every transaction present has all its
//!   rows (by aggregates, and the newest 1,000 transactions byte for byte:
//!   all of them in a default run), and none is newer than the last
//!   acknowledged one plus one (that one may have committed just before
//!   the kill, its acknowledgement not yet printed);
//! * the counter equals the newest transaction present;
//! * `PRAGMA integrity_check` says `ok`.
//!
//! The test closes the database cleanly (or, one round in four, abandons
//! it as a kill would, so that the next shell recovers the WAL itself) and
//! the next round's shell carries on from the newest transaction present.
//! At the end it asserts that recovery actually had work to do in most
//! rounds, so that the test is not passing vacuously, and prints what
//! recovery did (`cargo test --release --test process_kill -- --nocapture`).
//!
//! 40 kills by default, about a second in `cargo test --release`;
//! `WALNUT_KILL_ROUNDS=1000` for a soak, `WALNUT_KILL_SEED=S` for another
//! kill schedule (a failure names its seed and round).

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use support::lines_of;
use walnut::pager::rng::{SplitMix64, mix64};
use walnut::{Database, Value};

/// Kills in a default run.
const DEFAULT_ROUNDS: u64 = 40;
/// The default kill schedule.
const DEFAULT_SEED: u64 = 0x6B11_1EAD;
/// A round kills after `1..=MAX_ACKS` acknowledgements ...
const MAX_ACKS: u64 = 8;
/// ... plus `0..MAX_DELAY_US` microseconds.
const MAX_DELAY_US: u64 = 4_000;
/// `PRAGMA synchronous` per round, drawn at random. A process kill is not
/// a power loss: what the shell wrote is in the operating system's page
/// cache, fsynced or not, so even `OFF` must lose no acknowledged commit.
/// Without the fsync a commit is quick, and kills land inside the writing
/// of frames far more often. With `EXTRA` kills also land between a
/// commit's two fsyncs (its frames, then its mark slot).
const SYNC_MODES: [&str; 4] = ["EXTRA", "FULL", "NORMAL", "OFF"];
/// The newest transactions compared byte for byte after each kill (older
/// ones by aggregates).
const FULL_CHECK_WINDOW: i64 = 1_000;
/// How long the test waits for an acknowledgement before it calls the
/// shell hung.
const PATIENCE: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
    CREATE TABLE items(
        id INTEGER PRIMARY KEY,
        txn INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        rows_in_txn INTEGER NOT NULL,
        payload
    );
    CREATE INDEX items_by_txn ON items(txn, seq);
    CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    INSERT INTO counter VALUES (1, 0);
";

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    Some(
        v.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v:?} is not a number: {e}")),
    )
}

// ---------------------------------------------------------------------------
// The workload: what transaction n writes, a pure function of n.

/// Rows in transaction `n`: 2..=5.
fn rows_in(n: i64) -> i64 {
    2 + (mix64(n as u64) % 4) as i64
}

/// Row `seq` of transaction `n`: its length, and for text rows the fill
/// character (odd rows are zeroblobs). Row 0 is 2.5-6 KB, the others
/// 0.1-3 KB.
fn row_shape(n: i64, seq: i64) -> (usize, Option<char>) {
    let h = mix64(((n as u64) << 8) ^ seq as u64 ^ 0xC0FFEE);
    let len = if seq == 0 {
        2_500 + h % 3_500
    } else {
        100 + h % 2_900
    } as usize;
    let fill = (seq % 2 == 0).then(|| char::from(b'a' + ((h >> 32) % 26) as u8));
    (len, fill)
}

/// The SQL expression the shell is given for a row.
fn payload_sql(n: i64, seq: i64) -> String {
    match row_shape(n, seq) {
        (len, Some(c)) => format!("printf('%d.%d:', {n}, {seq}) || printf('%.*c', {len}, '{c}')"),
        (len, None) => format!("zeroblob({len})"),
    }
}

/// The value that expression must read back as.
fn payload_value(n: i64, seq: i64) -> Value {
    match row_shape(n, seq) {
        (len, Some(c)) => {
            let mut s = format!("{n}.{seq}:");
            s.extend(std::iter::repeat_n(c, len));
            Value::Text(s)
        }
        (len, None) => Value::Blob(vec![0; len]),
    }
}

/// The SQL of transaction `n`, acknowledgement included, one statement per
/// line.
fn transaction_sql(n: i64) -> String {
    let rows = rows_in(n);
    let mut sql = String::from("BEGIN;\n");
    for seq in 0..rows {
        sql.push_str(&format!(
            "INSERT INTO items(txn, seq, rows_in_txn, payload) VALUES ({n}, {seq}, {rows}, {});\n",
            payload_sql(n, seq)
        ));
    }
    sql.push_str(&format!(
        "UPDATE counter SET n = {n} WHERE id = 1;\nCOMMIT;\nSELECT 'ack', {n};\n"
    ));
    sql
}

// ---------------------------------------------------------------------------
// The writer: the shell, fed through a pipe.

/// A child process killed (and reaped) when dropped, so that a failing
/// assertion leaves no shell behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sets `PRAGMA synchronous`, then writes transactions `from..` into the
/// shell's stdin until the pipe breaks (the shell was killed).
fn feed(mut stdin: ChildStdin, sync: &'static str, from: i64) -> JoinHandle<()> {
    thread::spawn(move || {
        if writeln!(stdin, "PRAGMA synchronous = {sync};").is_err() {
            return;
        }
        for n in from.. {
            if stdin.write_all(transaction_sql(n).as_bytes()).is_err() {
                break;
            }
        }
    })
}

/// Parses `ack|n` and checks acknowledgements come in order.
fn take_ack(acks: &mut Vec<i64>, line: &str, first: i64, context: &str) {
    let n = line
        .strip_prefix("ack|")
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or_else(|| panic!("{context}: unexpected output line from the shell: {line:?}"));
    let expected = acks.last().map_or(first, |a| a + 1);
    assert_eq!(
        n, expected,
        "{context}: the shell acknowledged {n}, expected {expected}"
    );
    acks.push(n);
}

/// Runs one shell from transaction `first` on, kills it after `kill_after`
/// acknowledgements and `delay`, and returns every acknowledgement it
/// printed (those still in the pipe at the kill included).
fn run_and_kill(
    db_path: &Path,
    sync: &'static str,
    first: i64,
    kill_after: usize,
    delay: Duration,
    context: &str,
) -> Vec<i64> {
    let child = Command::new(env!("CARGO_BIN_EXE_walnut"))
        .env("NO_COLOR", "1")
        .env("WALNUT_HISTORY", "")
        .arg("-bail")
        .arg(db_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the walnut shell");
    let mut child = Killed(child);
    let stdin = child.0.stdin.take().expect("the shell's stdin");
    let stdout = child.0.stdout.take().expect("the shell's stdout");
    let mut stderr = child.0.stderr.take().expect("the shell's stderr");
    let writer = feed(stdin, sync, first);
    let (lines, reader) = lines_of(stdout);
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut acks = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while acks.len() < kill_after {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => take_ack(&mut acks, &line, first, context),
            Err(RecvTimeoutError::Timeout) => panic!(
                "{context}: no acknowledgement for {PATIENCE:?} after {} (hung?)",
                acks.len()
            ),
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    thread::sleep(delay);
    let early = child.0.try_wait().expect("poll the shell");
    if early.is_none() {
        child.0.kill().expect("kill the shell");
    }
    let status = child.0.wait().expect("reap the shell");
    reader.join().expect("the stdout reader");
    writer.join().expect("the stdin writer");
    let stderr_text = errors.join().expect("the stderr reader");
    assert!(
        early.is_none(),
        "{context}: the shell exited on its own ({status}) after {} acknowledgements; stderr: {}",
        acks.len(),
        stderr_text.trim()
    );
    for line in lines.try_iter() {
        take_ack(&mut acks, &line, first, context);
    }
    acks
}

// ---------------------------------------------------------------------------
// The check.

fn int(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Integer(i)) => Some(*i),
        _ => None,
    }
}

/// A row for a message: long values cut short.
fn short(row: &[Value]) -> String {
    let cells: Vec<String> = row
        .iter()
        .map(|v| match v {
            Value::Text(t) if t.len() > 24 => format!(
                "{:?}... ({} bytes)",
                t.chars().take(24).collect::<String>(),
                t.len()
            ),
            Value::Blob(b) if b.len() > 12 => format!("{:?}... ({} bytes)", &b[..12], b.len()),
            v => format!("{v:?}"),
        })
        .collect();
    format!("[{}]", cells.join(", "))
}

/// What one reopen found.
struct Found {
    /// The newest transaction present (0 for none).
    newest: i64,
    needed_recovery: bool,
    transactions_recovered: u64,
    frames_discarded: u64,
}

/// Opens the database (running recovery) and asserts it holds transactions
/// `1..=acked` or `1..=acked + 1`, each whole, with a matching counter and
/// a clean integrity check. Closes it cleanly, or abandons it.
fn check(db_path: &Path, acked: i64, abandon: bool, context: &str) -> Found {
    let db = Database::open(db_path)
        .unwrap_or_else(|e| panic!("{context}: reopening after the kill failed: {e}"));
    let report = db.pager().recovery_report().clone();
    let context = format!("{context}, recovery: {}", report.summary());

    let integrity: Vec<Vec<Value>> = db
        .query("PRAGMA integrity_check", ())
        .unwrap_or_else(|e| panic!("{context}: PRAGMA integrity_check failed: {e}"))
        .collect();
    assert_eq!(
        integrity,
        vec![vec![Value::from("ok")]],
        "{context}: the integrity check is not clean"
    );

    // Every transaction by aggregates: which ids, and whether each is whole.
    let groups: Vec<Vec<Value>> = db
        .query(
            "SELECT txn, count(*), min(seq), max(seq), min(rows_in_txn), max(rows_in_txn) \
             FROM items GROUP BY txn ORDER BY txn",
            (),
        )
        .unwrap_or_else(|e| panic!("{context}: reading items failed: {e}"))
        .collect();
    let mut ids = Vec::with_capacity(groups.len());
    for row in &groups {
        let [txn, count, min_seq, max_seq, min_rows, max_rows] =
            [0, 1, 2, 3, 4, 5].map(|i| int(row.get(i)));
        let txn = txn.unwrap_or_else(|| panic!("{context}: a txn that is not an integer: {row:?}"));
        let k = rows_in(txn);
        assert_eq!(
            [count, min_seq, max_seq, min_rows, max_rows],
            [Some(k), Some(0), Some(k - 1), Some(k), Some(k)],
            "{context}: transaction {txn} is partial: expected {k} rows (seq 0..{k}); \
             [count, min(seq), max(seq), min(rows_in_txn), max(rows_in_txn)] differ"
        );
        ids.push(txn);
    }
    let newest = ids.last().copied().unwrap_or(0);
    let brief = |ids: &[i64]| {
        if ids.len() <= 12 {
            format!("{ids:?}")
        } else {
            let show = |ids: &[i64]| {
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "[{}, ..., {}] ({} ids)",
                show(&ids[..5]),
                show(&ids[ids.len() - 5..]),
                ids.len()
            )
        }
    };
    let contiguous = ids.iter().zip(1..).all(|(&id, want)| id == want);
    assert!(
        contiguous,
        "{context}: transaction ids are not 1..={newest} without gaps; found {}",
        brief(&ids)
    );
    assert!(
        newest >= acked,
        "{context}: acknowledged commits lost: acknowledged up to {acked}, found {}",
        brief(&ids)
    );
    assert!(
        newest <= acked + 1,
        "{context}: transaction {newest} present, but only up to {acked} was acknowledged \
         (at most {} may be)",
        acked + 1
    );

    // The newest transactions byte for byte (all of them in a default run;
    // a long soak does not reread everything each round).
    let rows = db
        .query(
            "SELECT txn, seq, rows_in_txn, payload FROM items WHERE txn > ? ORDER BY txn, seq",
            &[Value::Integer(newest - FULL_CHECK_WINDOW)],
        )
        .unwrap_or_else(|e| panic!("{context}: reading items failed: {e}"));
    for row in rows {
        let (Some(txn), Some(seq)) = (int(row.first()), int(row.get(1))) else {
            panic!("{context}: an items row of the wrong shape: {row:?}");
        };
        let want = vec![
            Value::Integer(txn),
            Value::Integer(seq),
            Value::Integer(rows_in(txn)),
            payload_value(txn, seq),
        ];
        assert!(
            row == want,
            "{context}: row {seq} of transaction {txn} has the wrong contents: expected {}, \
             found {}",
            short(&want),
            short(&row)
        );
    }

    let counter: Vec<Vec<Value>> = db
        .query("SELECT n FROM counter", ())
        .unwrap_or_else(|e| panic!("{context}: reading the counter failed: {e}"))
        .collect();
    assert_eq!(
        counter,
        vec![vec![Value::Integer(newest)]],
        "{context}: the counter does not match the newest transaction {newest}"
    );

    if abandon {
        db.abandon()
            .unwrap_or_else(|e| panic!("{context}: abandon failed: {e}"));
    } else {
        drop(db);
    }
    Found {
        newest,
        needed_recovery: report.needed_recovery(),
        transactions_recovered: report.transactions_recovered,
        frames_discarded: report.frames_discarded,
    }
}

// ---------------------------------------------------------------------------

#[test]
fn sigkill_loses_no_acknowledged_commit_and_leaves_no_partial_transaction() {
    let rounds = env_u64("WALNUT_KILL_ROUNDS").unwrap_or(DEFAULT_ROUNDS);
    let seed = env_u64("WALNUT_KILL_SEED").unwrap_or(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db_path = dir.path().join("killed.db");
    {
        let db = Database::open(&db_path).expect("create the database");
        db.execute_batch(SCHEMA).expect("create the schema");
    }

    let started = Instant::now();
    let mut rng = SplitMix64::new(seed);
    let mut newest = 0;
    let (mut acked_total, mut recovered_rounds, mut discard_rounds, mut unacked_rounds) =
        (0, 0, 0, 0);
    let (mut txns_recovered, mut frames_discarded) = (0, 0);
    for round in 1..=rounds {
        let kill_after = 1 + rng.below(MAX_ACKS) as usize;
        let delay = Duration::from_micros(rng.below(MAX_DELAY_US));
        let abandon = rng.chance(1, 4);
        let sync = SYNC_MODES[rng.below(SYNC_MODES.len() as u64) as usize];
        let context = format!(
            "round {round} of {rounds} (seed {seed}; rerun with WALNUT_KILL_SEED={seed}), \
             synchronous {sync}, kill after {kill_after} acks + {delay:?}, resuming at {}",
            newest + 1
        );
        let acks = run_and_kill(&db_path, sync, newest + 1, kill_after, delay, &context);
        let acked = acks.last().copied().unwrap_or(newest);
        let context = format!("{context}, last acknowledged {acked}");
        let found = check(&db_path, acked, abandon, &context);

        acked_total += acks.len();
        recovered_rounds += u64::from(found.needed_recovery);
        discard_rounds += u64::from(found.frames_discarded > 0);
        unacked_rounds += u64::from(found.newest > acked);
        txns_recovered += found.transactions_recovered;
        frames_discarded += found.frames_discarded;
        newest = found.newest;
    }
    eprintln!(
        "process_kill: {rounds} kills (seed {seed}) in {:.1} s: {acked_total} acknowledged \
         commits, {newest} transactions present; recovery was needed in {recovered_rounds} \
         rounds ({txns_recovered} transactions replayed), discarded frames of an unfinished \
         transaction in {discard_rounds} rounds ({frames_discarded} frames); {unacked_rounds} \
         rounds found a transaction committed but killed before its acknowledgement",
        started.elapsed().as_secs_f64()
    );
    assert!(
        acked_total as u64 >= rounds,
        "every round should acknowledge at least one commit"
    );
    assert!(
        recovered_rounds * 2 >= rounds,
        "recovery had work to do in only {recovered_rounds} of {rounds} rounds: the kills are \
         not landing where they should"
    );
}
