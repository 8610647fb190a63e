//! Crash demo: a writer process is killed with `SIGKILL` again and again,
//! and after every kill the database must hold exactly what the writer
//! acknowledged: no acknowledged commit lost, no transaction half there,
//! a clean integrity check.
//!
//! ```text
//! cargo run --release --example crash_demo                      # 20 rounds, a few seconds
//! cargo run --release --example crash_demo -- --rounds 50       # a longer soak
//! cargo run --release --example crash_demo -- --seed 7 --dir /mnt/ssd
//! ```
//!
//! Options: `--rounds N` (default 20), `--seed S` (default: from the clock,
//! printed so that a run's kill schedule can be replayed), `--dir PATH`
//! (where the database file `crash_demo.db` lives; default a fresh
//! temporary directory, removed at the end unless a round failed; an
//! existing `crash_demo.db` there is checked first and then carried on).
//!
//! Each round:
//!
//! 1. **The writer.** This same example binary is started again
//!    (`std::env::current_exe()`) with a hidden `--writer PATH` argument. It
//!    opens the database file through walnut's public API
//!    ([`walnut::Database::open_with`], the real OS file system) with a
//!    seeded random `synchronous` setting (`full`, `normal` or `off`: a
//!    process kill is not a power loss, the operating system keeps what was
//!    written whether or not it was fsynced, so even `off` must lose no
//!    acknowledged commit; without the fsync a commit is quick and kills
//!    land inside the writing of frames more often), reads the counter to
//!    find where to resume and prints `resume N`, then runs numbered
//!    transactions `N, N+1, ...` until it is killed. Transaction `n` is
//!    `BEGIN`, one to eight rows in `items` tagged with `n` (text and
//!    blobs, some of a few KB, so that they spill into overflow pages and
//!    every transaction spans several pages), an `INSERT OR REPLACE` of a
//!    large blob into one of eight `scratch` slots (which frees and reuses
//!    overflow pages through the freelist), the one-row `counter` set to
//!    `n`, and `COMMIT`. Only after `COMMIT` returned does it print `ack n`
//!    and flush: an acknowledged transaction is one the writer was told is
//!    durable. What transaction `n` writes is a pure function of `n`, so
//!    the checker knows every byte to expect.
//! 2. **The kill.** The parent reads the acknowledgements on a thread and,
//!    after a seeded random number of them (sometimes none) plus a seeded
//!    random delay of up to a few milliseconds, kills the writer with
//!    `Child::kill` (`SIGKILL` on unix): no destructor, no rollback, no
//!    checkpoint runs. The delay spans from none to a few transactions, so
//!    kills land between transactions, in the middle of one (its pages
//!    partly in the WAL), inside `COMMIT`, between `COMMIT` and the
//!    acknowledgement, and now and then in an automatic checkpoint.
//! 3. **The check.** The parent opens the file in-process, which runs
//!    recovery, prints the [`RecoveryReport`] summary, and checks that
//!    * every transaction up to the last acknowledged one is present, with
//!      exactly its rows, byte for byte (aggregates for all transactions,
//!      every byte for the most recent ones);
//!    * no transaction is partial, and none is newer than the last
//!      acknowledged one plus one (that one may have committed just before
//!      the kill, its acknowledgement not yet printed);
//!    * the counter equals the newest transaction present, and the scratch
//!      slots hold the blobs of the newest transactions;
//!    * `PRAGMA integrity_check` says `ok`.
//! 4. **The close.** The checker closes the database cleanly (checkpoint,
//!    WAL removed), or, in about one round in three, abandons it as a kill
//!    would, so that the next writer itself recovers a WAL and appends to
//!    it.
//!
//! At the end a table shows every round: acknowledgements seen, the newest
//! transaction found, what recovery reported (transactions and frames
//! recovered, frames discarded) and the verdict; the exit status is
//! nonzero if any round failed.
//!
//! The seed fixes the kill schedule (how many acknowledgements, how long a
//! delay, which `synchronous` setting, clean close or abandon); where
//! exactly a kill lands still depends on the machine's timing, so two runs
//! with one seed are alike, not identical.
//!
//! [`RecoveryReport`]: walnut::pager::RecoveryReport

#![forbid(unsafe_code)]

use std::error::Error;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use walnut::pager::rng::{SplitMix64, mix64};
use walnut::pager::{RecoveryReport, Synchronous};
use walnut::{Database, Options, Value};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The hidden argument that turns this binary into the writer.
const WRITER_FLAG: &str = "--writer";
/// The database file's name inside the directory.
const DB_FILE: &str = "crash_demo.db";
/// Rounds by default.
const DEFAULT_ROUNDS: u32 = 20;
/// A round kills the writer after `0..=MAX_ACKS` acknowledgements.
const MAX_ACKS: u64 = 40;
/// ... plus a delay of `0..MAX_DELAY_US` microseconds.
const MAX_DELAY_US: u64 = 3_000;
/// Rows per transaction: `1..=MAX_ROWS`.
const MAX_ROWS: u64 = 8;
/// Slots of the scratch table, rewritten round robin.
const SCRATCH_SLOTS: i64 = 8;
/// The newest transactions compared byte for byte each round (older ones
/// by aggregates, so that a long soak does not reread everything).
const FULL_CHECK_WINDOW: i64 = 400;
/// How long the parent waits for an acknowledgement before it calls the
/// writer hung.
const PATIENCE: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS items(
        id INTEGER PRIMARY KEY,
        txn INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        rows_in_txn INTEGER NOT NULL,
        payload
    );
    CREATE INDEX IF NOT EXISTS items_by_txn ON items(txn, seq);
    CREATE TABLE IF NOT EXISTS counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    INSERT OR IGNORE INTO counter VALUES (1, 0);
    CREATE TABLE IF NOT EXISTS scratch(slot INTEGER PRIMARY KEY, txn INTEGER NOT NULL, v BLOB);
";

// ---------------------------------------------------------------------------
// The workload: what transaction n writes, a pure function of n.

/// How many rows transaction `n` inserts.
fn rows_in(n: i64) -> i64 {
    1 + (mix64(n as u64 ^ 0x5EED_0F0F) % MAX_ROWS) as i64
}

/// Row `seq` of transaction `n`: text for even rows, a blob for odd ones;
/// row 0 and about one row in four are 2-8 KB (overflow pages), the rest
/// small.
fn payload(n: i64, seq: i64) -> Value {
    let h = mix64(((n as u64) << 8) | seq as u64);
    let len = if seq == 0 || h.is_multiple_of(4) {
        2_000 + (h >> 8) % 6_000
    } else {
        16 + (h >> 8) % 400
    } as usize;
    let fill = char::from(b'a' + ((h >> 40) % 26) as u8);
    let mut text = format!("{n}.{seq}:");
    let pad = len.saturating_sub(text.len());
    text.extend(std::iter::repeat_n(fill, pad));
    if seq % 2 == 0 {
        Value::Text(text)
    } else {
        Value::Blob(text.into_bytes())
    }
}

/// The scratch blob transaction `n` writes into slot `n % SCRATCH_SLOTS`.
fn scratch_blob(n: i64) -> Value {
    let len = 3_000 + (mix64(n as u64 ^ 0xB10B) % 6_000) as usize;
    let mut v = vec![(n % 251) as u8; len];
    v[..8].copy_from_slice(&n.to_le_bytes());
    Value::Blob(v)
}

// ---------------------------------------------------------------------------
// The writer (the child process).

/// Runs transactions until killed; prints `resume N`, then `ack n` after
/// each commit.
fn writer(path: &Path, sync: Synchronous) -> BoxResult<()> {
    let options = Options {
        synchronous: sync,
        ..Options::default()
    };
    let db = Database::open_with(path, options)?;
    let last = counter(&db)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "resume {}", last + 1)?;
    out.flush()?;
    let mut insert =
        db.prepare("INSERT INTO items(txn, seq, rows_in_txn, payload) VALUES (?, ?, ?, ?)")?;
    let mut scratch =
        db.prepare("INSERT OR REPLACE INTO scratch(slot, txn, v) VALUES (?, ?, ?)")?;
    let mut bump = db.prepare("UPDATE counter SET n = ? WHERE id = 1")?;
    for n in last + 1.. {
        db.execute("BEGIN", ())?;
        let rows = rows_in(n);
        for seq in 0..rows {
            insert.execute(&[
                Value::Integer(n),
                Value::Integer(seq),
                Value::Integer(rows),
                payload(n, seq),
            ])?;
        }
        scratch.execute(&[
            Value::Integer(n % SCRATCH_SLOTS),
            Value::Integer(n),
            scratch_blob(n),
        ])?;
        bump.execute(&[Value::Integer(n)])?;
        db.execute("COMMIT", ())?;
        writeln!(out, "ack {n}")?;
        out.flush()?;
    }
    Ok(())
}

/// The counter's value (the newest committed transaction).
fn counter(db: &Database) -> BoxResult<i64> {
    let rows: Vec<Vec<Value>> = db.query("SELECT n FROM counter", ())?.collect();
    match rows.as_slice() {
        [row] => match row.as_slice() {
            [Value::Integer(n)] => Ok(*n),
            other => Err(format!("counter holds {other:?}, not an integer").into()),
        },
        other => Err(format!("counter has {} rows, not 1", other.len()).into()),
    }
}

// ---------------------------------------------------------------------------
// The parent: one round.

/// What the seed decides about a round.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Kill after this many acknowledgements ...
    acks: u64,
    /// ... and this many microseconds more.
    delay_us: u64,
    /// The writer's `synchronous` setting.
    sync: Synchronous,
    /// The checker abandons the database instead of closing it.
    abandon: bool,
}

/// The `synchronous` settings, by name (the writer's second argument).
const SYNC_MODES: [(&str, Synchronous); 3] = [
    ("full", Synchronous::Full),
    ("normal", Synchronous::Normal),
    ("off", Synchronous::Off),
];

fn sync_name(sync: Synchronous) -> &'static str {
    SYNC_MODES
        .iter()
        .find(|(_, s)| *s == sync)
        .map_or("?", |(name, _)| name)
}

impl Plan {
    fn draw(rng: &mut SplitMix64) -> Plan {
        let acks = if rng.chance(1, 10) {
            0
        } else {
            1 + rng.below(MAX_ACKS)
        };
        Plan {
            acks,
            delay_us: rng.below(MAX_DELAY_US),
            sync: SYNC_MODES[rng.below(SYNC_MODES.len() as u64) as usize].1,
            abandon: rng.chance(1, 3),
        }
    }
}

/// What the writer did before it died.
#[derive(Debug, Default)]
struct WriterOutcome {
    /// The `resume N` line.
    resumed_at: Option<i64>,
    /// Every `ack n`, in order, including those read after the kill.
    acks: Vec<i64>,
    /// Acknowledgements seen when the kill was sent.
    acks_at_kill: usize,
    /// Problems: an early exit, a hang, a line that is not the protocol.
    problems: Vec<String>,
}

/// Reads the child's stdout lines into a channel.
fn line_reader(out: impl Read + Send + 'static) -> (Receiver<String>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (rx, handle)
}

/// Parses one protocol line into `outcome`.
fn take_line(outcome: &mut WriterOutcome, line: &str) {
    let parsed = line
        .split_once(' ')
        .and_then(|(word, n)| Some((word, n.parse::<i64>().ok()?)));
    match parsed {
        Some(("resume", n)) if outcome.resumed_at.is_none() && outcome.acks.is_empty() => {
            outcome.resumed_at = Some(n);
        }
        Some(("ack", n)) => {
            let expected = outcome
                .acks
                .last()
                .map(|a| a + 1)
                .or(outcome.resumed_at)
                .unwrap_or(n);
            if n != expected {
                outcome
                    .problems
                    .push(format!("writer acknowledged {n}, expected {expected}"));
            }
            outcome.acks.push(n);
        }
        _ => outcome
            .problems
            .push(format!("unexpected line from the writer: {line:?}")),
    }
}

/// Starts a writer on `db_path`, kills it as `plan` says, and returns what
/// it acknowledged.
fn run_writer(db_path: &Path, plan: Plan) -> BoxResult<WriterOutcome> {
    let mut child: Child = Command::new(std::env::current_exe()?)
        .arg(WRITER_FLAG)
        .arg(db_path)
        .arg(sync_name(plan.sync))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("the writer has no stdout pipe")?;
    let mut stderr = child.stderr.take().ok_or("the writer has no stderr pipe")?;
    let (lines, reader) = line_reader(stdout);
    let err_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut outcome = WriterOutcome::default();
    let deadline = Instant::now() + PATIENCE;
    let mut hung = false;
    while (outcome.acks.len() as u64) < plan.acks {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => take_line(&mut outcome, &line),
            Err(RecvTimeoutError::Timeout) => {
                hung = true;
                break;
            }
            // The writer closed its stdout: it exited on its own.
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    thread::sleep(Duration::from_micros(plan.delay_us));
    outcome.acks_at_kill = outcome.acks.len();
    let early: Option<ExitStatus> = child.try_wait()?;
    if early.is_none() {
        child.kill()?;
    }
    let status = child.wait()?;
    // The pipe is closed now: everything the writer printed is in the
    // channel, and every `ack` in it is an acknowledged commit.
    let _ = reader.join();
    for line in lines.try_iter() {
        take_line(&mut outcome, &line);
    }
    let stderr_text = err_reader.join().unwrap_or_default();
    if hung {
        outcome.problems.push(format!(
            "the writer acknowledged nothing for {PATIENCE:?} (hung?)"
        ));
    }
    if early.is_some() {
        outcome.problems.push(format!(
            "the writer exited on its own ({status}) before the kill: {}",
            stderr_text.trim()
        ));
    }
    Ok(outcome)
}

/// What the in-process check found.
#[derive(Debug)]
struct CheckOutcome {
    report: RecoveryReport,
    /// The newest transaction present (0 for none).
    found_max: i64,
    problems: Vec<String>,
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Integer(i)) => Some(*i),
        _ => None,
    }
}

/// Names a list of ids briefly.
fn some_ids(ids: &[i64]) -> String {
    let mut s: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
    if ids.len() > 10 {
        s.push(format!("... ({} in all)", ids.len()));
    }
    s.join(", ")
}

/// Opens the database (running recovery) and checks it. `acked` is the
/// newest transaction known durable: the last acknowledgement, or before
/// any, the newest found by the previous check (`None` for the first look
/// at an existing file: then only wholeness and consistency are checked).
fn check(db_path: &Path, acked: Option<i64>, abandon: bool) -> BoxResult<CheckOutcome> {
    let db = Database::open(db_path)?;
    let report = db.pager().recovery_report().clone();
    let mut problems = Vec::new();

    // Integrity first: if the trees are broken, the rest may mislead.
    let integrity: Vec<Vec<Value>> = db.query("PRAGMA integrity_check", ())?.collect();
    if integrity != vec![vec![Value::from("ok")]] {
        let lines: Vec<String> = integrity
            .iter()
            .take(5)
            .map(|row| format!("{row:?}"))
            .collect();
        problems.push(format!("integrity check: {}", lines.join("; ")));
    }

    // Every transaction by aggregates: present, whole, contiguous ids.
    let groups = db.query(
        "SELECT txn, count(*), min(seq), max(seq), min(rows_in_txn), max(rows_in_txn) \
         FROM items GROUP BY txn ORDER BY txn",
        (),
    )?;
    let mut found_max = 0;
    let mut missing = Vec::new();
    let mut partial = Vec::new();
    for row in groups {
        let [txn, count, min_seq, max_seq, min_rows, max_rows] =
            [0, 1, 2, 3, 4, 5].map(|i| int(row.get(i)));
        let Some(txn) = txn else {
            problems.push(format!("items row with a non-integer txn: {row:?}"));
            continue;
        };
        missing.extend(found_max + 1..txn.min(found_max + 1 + 1_000));
        found_max = found_max.max(txn);
        let rows = rows_in(txn);
        let want = [Some(rows), Some(0), Some(rows - 1), Some(rows), Some(rows)];
        if [count, min_seq, max_seq, min_rows, max_rows] != want {
            partial.push(txn);
        }
    }
    if !missing.is_empty() {
        problems.push(format!(
            "transactions missing below {found_max}: {}",
            some_ids(&missing)
        ));
    }
    if !partial.is_empty() {
        problems.push(format!(
            "partial transactions (wrong row count or sequence): {}",
            some_ids(&partial)
        ));
    }
    if let Some(acked) = acked
        && found_max < acked
    {
        problems.push(format!(
            "acknowledged commits lost: acknowledged up to {acked}, found only up to {found_max}"
        ));
    }
    if let Some(acked) = acked
        && found_max > acked + 1
    {
        problems.push(format!(
            "transaction {found_max} present, but only {acked} was acknowledged \
             (at most {} may be)",
            acked + 1
        ));
    }

    // The newest transactions byte for byte.
    let from = found_max - FULL_CHECK_WINDOW;
    let rows = db.query(
        "SELECT txn, seq, rows_in_txn, payload FROM items WHERE txn > ? ORDER BY txn, seq",
        &[Value::Integer(from)],
    )?;
    let mut wrong = Vec::new();
    for row in rows {
        let (Some(txn), Some(seq), Some(count)) =
            (int(row.first()), int(row.get(1)), int(row.get(2)))
        else {
            problems.push(format!("items row of the wrong types: {row:?}"));
            continue;
        };
        let right = count == rows_in(txn) && row.get(3) == Some(&payload(txn, seq));
        if !right && wrong.last() != Some(&txn) {
            wrong.push(txn);
        }
    }
    if !wrong.is_empty() {
        problems.push(format!(
            "transactions with wrong contents: {}",
            some_ids(&wrong)
        ));
    }

    // The counter and the scratch slots follow the newest transaction.
    match counter(&db) {
        Ok(n) if n == found_max => {}
        Ok(n) => problems.push(format!(
            "the counter says {n}, the newest transaction present is {found_max}"
        )),
        Err(e) => problems.push(format!("counter: {e}")),
    }
    let scratch: Vec<Vec<Value>> = db
        .query("SELECT slot, txn, v FROM scratch ORDER BY slot", ())?
        .collect();
    let mut expected: Vec<i64> = (1.max(found_max - SCRATCH_SLOTS + 1)..=found_max).collect();
    expected.sort_by_key(|n| n % SCRATCH_SLOTS);
    let found: Vec<(Option<i64>, Option<i64>)> = scratch
        .iter()
        .map(|r| (int(r.first()), int(r.get(1))))
        .collect();
    let want: Vec<(Option<i64>, Option<i64>)> = expected
        .iter()
        .map(|&n| (Some(n % SCRATCH_SLOTS), Some(n)))
        .collect();
    if found != want {
        problems.push(format!(
            "scratch slots hold (slot, txn) {found:?}, expected {want:?}"
        ));
    } else if let Some(r) = scratch
        .iter()
        .find(|r| int(r.get(1)).map(scratch_blob).as_ref() != r.get(2))
    {
        problems.push(format!("scratch slot {:?} holds the wrong blob", r.first()));
    }

    if abandon {
        db.abandon()?;
    } else {
        drop(db);
    }
    Ok(CheckOutcome {
        report,
        found_max,
        problems,
    })
}

/// One line of the final table.
struct RoundRow {
    round: u32,
    plan: Plan,
    acks: usize,
    acks_at_kill: usize,
    last_ack: Option<i64>,
    found_before: i64,
    found_max: i64,
    report: Option<RecoveryReport>,
    problems: Vec<String>,
}

impl RoundRow {
    fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

// ---------------------------------------------------------------------------
// The parent: arguments, rounds, the table.

struct Args {
    rounds: u32,
    seed: u64,
    dir: Option<PathBuf>,
}

const USAGE: &str = "usage: crash_demo [--rounds N] [--seed S] [--dir PATH]";

fn parse_args(mut argv: impl Iterator<Item = String>) -> BoxResult<Args> {
    let mut args = Args {
        rounds: DEFAULT_ROUNDS,
        seed: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| mix64(d.as_nanos() as u64) % 1_000_000)
            .unwrap_or(1),
        dir: None,
    };
    while let Some(arg) = argv.next() {
        let mut value = |name: &str| argv.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--rounds" => args.rounds = value("--rounds")?.parse()?,
            "--seed" => args.seed = value("--seed")?.parse()?,
            "--dir" => args.dir = Some(PathBuf::from(value("--dir")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("crash_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> BoxResult<ExitCode> {
    let mut argv = std::env::args().skip(1);
    let first = argv.next();
    if first.as_deref() == Some(WRITER_FLAG) {
        let path = argv.next().ok_or("--writer needs a database path")?;
        let sync = argv.next().unwrap_or_else(|| "full".into());
        let sync = SYNC_MODES
            .iter()
            .find(|(name, _)| *name == sync)
            .map(|(_, s)| *s)
            .ok_or(format!("unknown synchronous setting {sync:?}"))?;
        writer(Path::new(&path), sync)?;
        return Ok(ExitCode::SUCCESS);
    }
    let args = parse_args(first.into_iter().chain(argv))?;

    let temp = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            None
        }
        None => Some(tempfile::Builder::new().prefix("crash_demo").tempdir()?),
    };
    let dir = match (&temp, &args.dir) {
        (Some(t), _) => t.path().to_path_buf(),
        (None, Some(d)) => d.clone(),
        (None, None) => return Err("no directory for the database".into()),
    };
    let db_path = dir.join(DB_FILE);
    println!(
        "crash demo: {} rounds, seed {} (replay with --seed {}), database {}",
        args.rounds,
        args.seed,
        args.seed,
        db_path.display()
    );

    // The schema, and a first check of whatever the file already holds.
    {
        let db = Database::open(&db_path)?;
        db.execute_batch(SCHEMA)?;
    }
    let first = check(&db_path, None, false)?;
    if !first.problems.is_empty() {
        return Err(format!(
            "{} fails its check before any kill: {}",
            db_path.display(),
            first.problems.join("; ")
        )
        .into());
    }
    let mut found = first.found_max;
    let started = Instant::now();

    let mut rng = SplitMix64::new(args.seed);
    let mut table: Vec<RoundRow> = Vec::new();
    for round in 1..=args.rounds {
        let plan = Plan::draw(&mut rng);
        let mut row = RoundRow {
            round,
            plan,
            acks: 0,
            acks_at_kill: 0,
            last_ack: None,
            found_before: found,
            found_max: found,
            report: None,
            problems: Vec::new(),
        };
        match run_writer(&db_path, plan) {
            Ok(w) => {
                row.acks = w.acks.len();
                row.acks_at_kill = w.acks_at_kill;
                row.last_ack = w.acks.last().copied();
                row.problems.extend(w.problems);
                if let Some(r) = w.resumed_at
                    && r != found + 1
                {
                    row.problems.push(format!(
                        "the writer resumed at {r}, but the newest transaction was {found}"
                    ));
                }
            }
            Err(e) => row.problems.push(format!("running the writer: {e}")),
        }
        let acked = row.last_ack.unwrap_or(found);
        match check(&db_path, Some(acked), plan.abandon) {
            Ok(c) => {
                row.found_max = c.found_max;
                row.report = Some(c.report);
                row.problems.extend(c.problems);
            }
            Err(e) => row
                .problems
                .push(format!("opening or querying the database: {e}")),
        }
        found = row.found_max;

        let recovery = match &row.report {
            Some(r) if r.needed_recovery() => r.summary(),
            Some(r) => format!("nothing to recover ({})", r.stop),
            None => "-".to_string(),
        };
        println!(
            "round {round}: synchronous {}, killed after {} ack{} (+{} us), {} acknowledged \
             in all, newest found {}; {recovery} -> {}",
            sync_name(plan.sync),
            row.acks_at_kill,
            if row.acks_at_kill == 1 { "" } else { "s" },
            plan.delay_us,
            row.acks,
            row.found_max,
            if row.ok() { "ok" } else { "FAIL" }
        );
        for p in &row.problems {
            println!("    FAIL: {p}");
        }
        let failed = !row.ok();
        table.push(row);
        if failed {
            // Later rounds would only pile up on the first failure.
            println!("stopping after the first failing round");
            break;
        }
    }

    print!("{}", render_table(&table, started.elapsed()));
    let failed = table.iter().any(|r| !r.ok());
    if failed {
        if let Some(t) = temp {
            // Keep the evidence.
            let kept = t.keep();
            println!("the database is kept in {}", kept.display());
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn render_table(rows: &[RoundRow], elapsed: Duration) -> String {
    let mut s = String::new();
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:>5}  {:>6}  {:>9}  {:>4}  {:>12}  {:>13}  {:>16}  {:>9}  {:>7}  result",
        "round",
        "sync",
        "kill plan",
        "acks",
        "txns found",
        "past last ack",
        "recovered",
        "discarded",
        "close"
    );
    let (mut acks, mut txns, mut rec_txns, mut rec_frames, mut discarded) = (0, 0, 0, 0, 0);
    let (mut unacked, mut with_discard, mut ok) = (0, 0, 0);
    for r in rows {
        let plan = format!("{}+{:.1}ms", r.plan.acks, r.plan.delay_us as f64 / 1000.0);
        let acked = r.last_ack.unwrap_or(r.found_before);
        let extra = r.found_max > acked;
        let (recovered, disc) = match &r.report {
            Some(rep) => (
                format!(
                    "{} txns/{} fr",
                    rep.transactions_recovered, rep.frames_recovered
                ),
                rep.frames_discarded.to_string(),
            ),
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            s,
            "{:>5}  {:>6}  {:>9}  {:>4}  {:>12}  {:>13}  {:>16}  {:>9}  {:>7}  {}",
            r.round,
            sync_name(r.plan.sync),
            plan,
            r.acks,
            format!(
                "{} (+{})",
                r.found_max,
                r.found_max.saturating_sub(r.found_before)
            ),
            if extra { "yes" } else { "no" },
            recovered,
            disc,
            if r.plan.abandon { "abandon" } else { "clean" },
            if r.ok() { "ok" } else { "FAIL" }
        );
        acks += r.acks;
        txns += r.found_max.saturating_sub(r.found_before);
        if let Some(rep) = &r.report {
            rec_txns += rep.transactions_recovered;
            rec_frames += rep.frames_recovered;
            discarded += rep.frames_discarded;
            with_discard += u32::from(rep.frames_discarded > 0);
        }
        unacked += u32::from(extra);
        ok += u32::from(r.ok());
    }
    let _ = writeln!(
        s,
        "total: {} rounds, {ok} ok, {} failed; {acks} acknowledged commits, {txns} transactions \
         found ({unacked} committed but killed before the ack); recovery replayed {rec_txns} \
         transactions ({rec_frames} frames) and discarded {discarded} frames in {with_discard} \
         rounds; {:.1} s",
        rows.len(),
        rows.len() as u32 - ok,
        elapsed.as_secs_f64()
    );
    s
}
