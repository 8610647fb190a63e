//! Power loss, narrated: what a crash in the middle of a commit leaves in
//! the write-ahead log, and what recovery makes of it.
//!
//! ```text
//! cargo run --release --example power_loss_demo                 # a tour of four crashes
//! cargo run --release --example power_loss_demo -- --seed 7     # one crash, decided by seed 7
//! cargo run --release --example power_loss_demo -- --survey 30  # seeds 0..30, one line each
//! ```
//!
//! Everything happens on [`SimVfs`], walnut's simulated disk. It remembers,
//! for every file, the bytes as of the last fsync (*durable*) and the
//! writes made since (*pending*). When the power fails
//! ([`SimVfs::crash`]) each pending write is, as a seeded random number
//! generator decides, **dropped** (it never reached the platter), **kept**
//! (it landed whole, though nobody waited for it) or **torn** (a prefix
//! landed; the rest of its range kept its old bytes or got garbage).
//! Synced bytes are never touched. The seed makes every run reproducible:
//! `--seed S` replays crash S exactly.
//!
//! Each scenario, step by step:
//!
//! 1. **Build.** A database with 1 KiB pages and `synchronous = full`.
//!    Transactions T1-T3 commit (each COMMIT appends the pages it changed
//!    to the WAL as frames, the last one marked as the commit frame, and
//!    fsyncs the WAL before it returns), a checkpoint copies them into the
//!    main file and resets the WAL (new salts; the old frames stay on disk
//!    until overwritten), and T4 commits as the first frames of the new
//!    generation. The WAL is shown frame by frame, and the table "before".
//! 2. **Pull the plug.** T5 runs three statements inside BEGIN. walnut
//!    wraps each statement of an explicit transaction in a savepoint, and a
//!    savepoint spills the transaction's changed pages to the WAL as
//!    uncommitted frames, so T5 makes three WAL writes: two spills and
//!    COMMIT's own. A crash point ([`SimVfs::set_crash_point`]) stops the
//!    machine right after COMMIT's write, before its fsync: none of T5's
//!    writes is on the platter for sure. COMMIT fails (the application is
//!    never told "committed"), the process dies with the machine, and the
//!    crash decides each write's fate. The [`CrashReport`] gives the
//!    totals; comparing the WAL's bytes before T5, in the cache, and after
//!    the crash says which write met which fate.
//! 3. **Recover.** The database is reopened on the same simulated disk. The
//!    [`RecoveryReport`] is shown field by field, then every frame with
//!    recovery's verdict and its reason: replayed (intact, at or before the
//!    last commit frame), or discarded because it belongs to an unfinished
//!    transaction (intact, but no commit frame follows), because its
//!    checksum does not continue the chain (a torn write), because it
//!    carries the salts of an older generation (left over from before the
//!    reset), or because it lies past the point where the scan stopped.
//!    Then the table "after", and the checks: every acknowledged
//!    transaction (T1-T4) is there, T5 is entirely there or entirely absent
//!    (never partly), and `PRAGMA integrity_check` says `ok`. A failed check
//!    ends the program with a message and exit status 1.
//!
//! The tour tells four stories, each with the first seed that shows it:
//! COMMIT's write dropped (T5 is lost; it was never acknowledged, so that
//! is allowed); COMMIT's write torn (the broken checksum chain stops
//! recovery); an earlier write lost while COMMIT's landed (the commit frame
//! is intact on disk, yet recovery never reaches it: a commit frame counts
//! only if the chain up to it is unbroken); and every write kept although
//! none was fsynced (recovery keeps T5: it cannot tell a write that
//! happened to land from a synced one, and either outcome is allowed for a
//! commit that was never acknowledged).
//!
//! Only walnut's public API is used: `Database::open_vfs`,
//! `Pager::{wal_status, scan_wal, scan_wal_report, recovery_report,
//! wal_file_len}`, `SimVfs::{set_crash_point, crash, file_bytes, ops}`,
//! and `FrameHeader::decode` to find the frames T5 wrote. The WAL's
//! geometry (header and frame sizes) is measured from the file as it
//! grows, not assumed.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::ops::{Range, RangeInclusive};
use std::path::Path;
use std::sync::Arc;
use walnut::pager::{
    CrashReport, FrameHeader, RecoveryReport, ScanStop, SimVfs, Synchronous, WalFrameInfo,
};
use walnut::{Database, Options, Value};

/// The database's path on the simulated disk.
const DB_PATH: &str = "ledger.db";
/// The WAL beside it.
const WAL_PATH: &str = "ledger.db-wal";
/// Small pages, so that a few rows span several pages.
const PAGE_SIZE: u32 = 1024;
/// The tour looks for its stories among seeds `0..SEARCH`.
const SEARCH: u64 = 2000;
/// A frame header naming a page at or beyond this one is garbage (this
/// demo's database has a few dozen pages).
const GARBAGE_PAGE: u32 = 1_000_000;
/// Prose is wrapped to this width.
const WIDTH: usize = 78;

type AnyResult<T> = Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: power_loss_demo [--seed S | --survey N]
  (no option)   a tour of four crashes in the middle of a commit
  --seed S      one crash, decided by seed S (any u64)
  --survey N    seeds 0..N, one line each: each write's fate, recovery's verdict";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |flag: &str, v: &str| {
        v.parse::<u64>().unwrap_or_else(|_| {
            eprintln!("power_loss_demo: {flag} needs a number, got {v:?}\n{USAGE}");
            std::process::exit(2)
        })
    };
    let result = match args.as_slice() {
        [] => tour(),
        [flag, v] if flag == "--seed" => run_one(number(flag, v), None, true),
        [flag, v] if flag == "--survey" => survey(number(flag, v)),
        [flag] if flag == "--help" || flag == "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!(
                "power_loss_demo: unexpected arguments: {}\n{USAGE}",
                args.join(" ")
            );
            std::process::exit(2)
        }
    };
    if let Err(e) = result {
        eprintln!("power_loss_demo: {e}");
        std::process::exit(1);
    }
}

/// Writes one line.
macro_rules! say {
    ($out:expr) => { $out.push('\n') };
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes a paragraph wrapped to [`WIDTH`]: its first line starts with
/// `$indent`, the others with as many spaces.
macro_rules! para {
    ($out:expr, $indent:expr, $($arg:tt)*) => {
        $out.push_str(&wrap(&format!($($arg)*), $indent))
    };
}

/// Greedy word wrap: the first line starts with `first`, the others with
/// as many spaces.
fn wrap(text: &str, first: &str) -> String {
    let indent = first.len();
    let mut out = String::new();
    let mut line = String::from(first);
    for word in text.split_whitespace() {
        if line.len() > indent && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
        }
        if line.len() > indent {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

// ---------------------------------------------------------------------------
// Tour, survey, one seed
// ---------------------------------------------------------------------------

/// The stories the tour tells, each with the first seed that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    /// COMMIT's write dropped, the spills before it kept.
    CommitDropped,
    /// COMMIT's write torn, the spills before it kept.
    CommitTorn,
    /// COMMIT's write kept, an earlier one dropped.
    Hole,
    /// Every write kept.
    AllKept,
}

impl Story {
    const ALL: [Story; 4] = [
        Story::CommitDropped,
        Story::CommitTorn,
        Story::Hole,
        Story::AllKept,
    ];

    fn title(self) -> &'static str {
        match self {
            Story::CommitDropped => "COMMIT's write never reached the disk",
            Story::CommitTorn => "COMMIT's write was torn mid-frame",
            Story::Hole => "COMMIT's write landed, an earlier one did not",
            Story::AllKept => "every write landed, none was fsynced",
        }
    }

    fn fits(self, fates: &[Fate]) -> bool {
        let Some((commit, spills)) = fates.split_last() else {
            return false;
        };
        let spills_kept = spills.iter().all(|f| *f == Fate::Kept);
        match self {
            Story::CommitDropped => *commit == Fate::Dropped && spills_kept,
            Story::CommitTorn => matches!(commit, Fate::Torn { .. }) && spills_kept,
            Story::Hole => *commit == Fate::Kept && spills.contains(&Fate::Dropped),
            Story::AllKept => *commit == Fate::Kept && spills_kept,
        }
    }
}

/// The tour: for each story, the first seed that shows it, in full.
fn tour() -> AnyResult<()> {
    let mut found: Vec<(Story, u64)> = Vec::new();
    for seed in 0..SEARCH {
        if found.len() == Story::ALL.len() {
            break;
        }
        let outcome = scenario(seed, &mut String::new(), false)
            .map_err(|e| format!("seed {seed}: {e} (run --seed {seed} to see the story)"))?;
        for story in Story::ALL {
            if story.fits(&outcome.fates) && !found.iter().any(|(s, _)| *s == story) {
                found.push((story, seed));
            }
        }
    }
    found.sort_by_key(|(story, _)| Story::ALL.iter().position(|s| s == story));
    println!("Power failures in the middle of a commit, each story with the first seed");
    println!("that shows it. Rerun one alone with --seed S; --survey N lists seeds 0..N.");
    for story in Story::ALL {
        if !found.iter().any(|(s, _)| *s == story) {
            println!(
                "(no seed below {SEARCH} shows \"{}\": skipped)",
                story.title()
            );
        }
    }
    for (i, &(story, seed)) in found.iter().enumerate() {
        println!();
        let header = format!(
            "Scenario {} of {} (seed {seed}): {}",
            i + 1,
            found.len(),
            story.title()
        );
        run_one(seed, Some(header), i == 0)?;
    }
    println!();
    println!("In every scenario each acknowledged commit survived, and the interrupted");
    println!("transaction was all or nothing.");
    Ok(())
}

/// Seeds `0..n`, one line each.
fn survey(n: u64) -> AnyResult<()> {
    for seed in 0..n {
        let outcome = scenario(seed, &mut String::new(), false)
            .map_err(|e| format!("seed {seed}: {e} (run --seed {seed} to see the story)"))?;
        if seed == 0 {
            let mut header = String::from("seed ");
            for i in 1..outcome.fates.len() {
                let _ = write!(header, " write {i} ");
            }
            println!("{header} COMMIT   recovery stopped at         T5");
        }
        let mut line = format!("{seed:>4} ");
        for fate in &outcome.fates {
            let _ = write!(line, " {:<8}", fate.word());
        }
        let stop = match outcome.stop {
            ScanStop::SaltMismatch { frame } => format!("frame {frame}: old salts"),
            ScanStop::ChecksumMismatch { frame } => format!("frame {frame}: chain broken"),
            ScanStop::PartialFrame { frame } => format!("frame {frame}: partial"),
            ScanStop::EndOfLog => "end of the WAL".to_string(),
            other => other.to_string(),
        };
        let t5 = if outcome.t5_present {
            "present"
        } else {
            "absent"
        };
        println!("{line} {stop:<27} {t5}");
    }
    println!("(every seed passed the checks)");
    Ok(())
}

/// Runs one scenario and prints its narration, even when a check fails.
fn run_one(seed: u64, header: Option<String>, full: bool) -> AnyResult<()> {
    let mut text = String::new();
    let result = scenario(seed, &mut text, full);
    let header = header.unwrap_or_else(|| {
        let fates = match &result {
            Ok(o) => Some(&o.fates),
            Err(_) => None,
        };
        let story = Story::ALL
            .into_iter()
            .find(|s| fates.is_some_and(|f| s.fits(f)));
        match (story, fates) {
            (Some(story), _) => format!("Seed {seed}: {}", story.title()),
            (None, Some(fates)) => {
                let words: Vec<&str> = fates.iter().map(|f| f.word()).collect();
                format!("Seed {seed}: T5's writes {}", words.join(", "))
            }
            (None, None) => format!("Seed {seed}"),
        }
    });
    let rule = "=".repeat(header.len().max(WIDTH));
    println!("{rule}\n{header}\n{rule}");
    print!("{text}");
    result.map(drop)
}

// ---------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------

/// One row of the `ledger` table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    id: i64,
    /// The transaction that last wrote the row.
    txn: i64,
    item: String,
    memo: String,
}

/// One statement of the workload.
enum Change {
    Create,
    Insert(Vec<Row>),
    Update { id: i64, txn: i64, item: String },
}

/// A transaction of the workload.
struct Txn {
    name: &'static str,
    /// Its statements, for people.
    what: &'static [&'static str],
    changes: Vec<Change>,
}

fn row(id: i64, txn: i64, item: &str, memo_len: usize) -> Row {
    // A memo of `memo_len` bytes, recognisably the row's.
    let unit = format!("{item} / ");
    let memo = unit.repeat(memo_len / unit.len() + 1)[..memo_len].to_string();
    Row {
        id,
        txn,
        item: item.to_string(),
        memo,
    }
}

/// T1-T4, committed and acknowledged before the crash. A checkpoint runs
/// between T3 and T4.
fn committed_txns() -> Vec<Txn> {
    vec![
        Txn {
            name: "T1",
            what: &["CREATE TABLE ledger"],
            changes: vec![Change::Create],
        },
        Txn {
            name: "T2",
            what: &["3 INSERTs, ids 1-3"],
            changes: vec![
                Change::Insert(vec![row(1, 2, "flour", 300)]),
                Change::Insert(vec![row(2, 2, "eggs", 300)]),
                Change::Insert(vec![row(3, 2, "butter", 300)]),
            ],
        },
        Txn {
            name: "T3",
            what: &["3 INSERTs, ids 4-6"],
            changes: vec![
                Change::Insert(vec![row(4, 3, "sugar", 300)]),
                Change::Insert(vec![row(5, 3, "salt", 300)]),
                Change::Insert(vec![row(6, 3, "yeast", 300)]),
            ],
        },
        Txn {
            name: "T4",
            what: &["UPDATE id 3"],
            changes: vec![Change::Update {
                id: 3,
                txn: 4,
                item: "brown butter".into(),
            }],
        },
    ]
}

/// T5, the transaction the power failure interrupts.
fn interrupted_txn() -> Txn {
    Txn {
        name: "T5",
        what: &["INSERT ids 7-8", "INSERT ids 9-10", "UPDATE id 1"],
        changes: vec![
            Change::Insert(vec![row(7, 5, "milk", 500), row(8, 5, "honey", 500)]),
            Change::Insert(vec![row(9, 5, "vanilla", 500), row(10, 5, "cinnamon", 500)]),
            Change::Update {
                id: 1,
                txn: 5,
                item: "flour (sifted)".into(),
            },
        ],
    }
}

/// Runs one statement.
fn run_change(db: &Database, change: &Change) -> AnyResult<()> {
    match change {
        Change::Create => db.execute(
            "CREATE TABLE ledger(id INTEGER PRIMARY KEY, txn INTEGER NOT NULL, \
             item TEXT NOT NULL, memo TEXT NOT NULL)",
            (),
        )?,
        Change::Insert(rows) => {
            let sql = format!(
                "INSERT INTO ledger(id, txn, item, memo) VALUES {}",
                vec!["(?, ?, ?, ?)"; rows.len()].join(", ")
            );
            let params: Vec<Value> = rows
                .iter()
                .flat_map(|r| {
                    [
                        Value::from(r.id),
                        Value::from(r.txn),
                        Value::from(r.item.as_str()),
                        Value::from(r.memo.as_str()),
                    ]
                })
                .collect();
            db.execute(&sql, &params)?
        }
        Change::Update { id, txn, item } => db.execute(
            "UPDATE ledger SET txn = ?, item = ? WHERE id = ?",
            &[
                Value::from(*txn),
                Value::from(item.as_str()),
                Value::from(*id),
            ],
        )?,
    };
    Ok(())
}

/// What the table holds after `changes`, given what it held.
fn apply(model: &mut BTreeMap<i64, Row>, changes: &[Change]) {
    for change in changes {
        match change {
            Change::Create => {}
            Change::Insert(rows) => {
                for r in rows {
                    model.insert(r.id, r.clone());
                }
            }
            Change::Update { id, txn, item } => {
                if let Some(r) = model.get_mut(id) {
                    r.txn = *txn;
                    r.item.clone_from(item);
                }
            }
        }
    }
}

fn read_table(db: &Database) -> AnyResult<BTreeMap<i64, Row>> {
    let mut table = BTreeMap::new();
    for values in db.query("SELECT id, txn, item, memo FROM ledger ORDER BY id", ())? {
        let r = match values.as_slice() {
            [
                Value::Integer(id),
                Value::Integer(txn),
                Value::Text(item),
                Value::Text(memo),
            ] => Row {
                id: *id,
                txn: *txn,
                item: item.clone(),
                memo: memo.clone(),
            },
            other => return Err(format!("unexpected row in ledger: {other:?}").into()),
        };
        table.insert(r.id, r);
    }
    Ok(table)
}

fn show_table(out: &mut String, table: &BTreeMap<i64, Row>) {
    say!(out, "   id  txn  item            memo");
    for r in table.values() {
        let start: String = r.memo.chars().take(16).collect();
        say!(
            out,
            "   {:>2}  T{:<2}  {:<14}  {} bytes: \"{start}...\"",
            r.id,
            r.txn,
            r.item,
            r.memo.len()
        );
    }
}

// ---------------------------------------------------------------------------
// One scenario
// ---------------------------------------------------------------------------

/// What a crash did to one pending write, read from the WAL's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Dropped,
    Kept,
    /// `landed` bytes of the write landed; then `tail`.
    Torn {
        landed: u64,
        tail: Tail,
    },
}

/// What a torn write left after the part that landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// The bytes that were there before the write.
    OldBytes,
    /// The old bytes, and the file ends inside the write's range.
    FileEnds,
    /// Random bytes.
    Garbage,
}

impl Fate {
    fn word(self) -> &'static str {
        match self {
            Fate::Dropped => "dropped",
            Fate::Kept => "kept",
            Fate::Torn { .. } => "torn",
        }
    }
}

/// One of T5's WAL writes.
struct Write {
    /// "spill" or "COMMIT".
    what: &'static str,
    frames: RangeInclusive<u64>,
    bytes: Range<u64>,
}

/// The facts a scenario ends with.
struct Outcome {
    /// The fate of each of T5's writes, COMMIT's last.
    fates: Vec<Fate>,
    stop: ScanStop,
    t5_present: bool,
}

/// Where frames live in the WAL file, measured rather than assumed.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    header: u64,
    frame: u64,
}

impl Geometry {
    /// Byte offset of frame `n` (1-based).
    fn offset(self, n: u64) -> u64 {
        self.header + (n - 1) * self.frame
    }

    /// The bytes of frame `n`.
    fn range(self, n: u64) -> Range<usize> {
        self.offset(n) as usize..self.offset(n + 1) as usize
    }
}

/// Which transaction wrote each frame of a generation.
type Owners = BTreeMap<u64, &'static str>;

/// What step 1 built, besides the database.
struct Built {
    /// The table as T1-T4 left it.
    model: BTreeMap<i64, Row>,
    /// Who wrote the frames of generation 0 (before the reset) and 1.
    owners_old: Owners,
    owners: Owners,
    geometry: Geometry,
}

/// What step 2 left behind.
struct Crashed {
    writes: Vec<Write>,
    fates: Vec<Fate>,
    /// T5's frames.
    t5: RangeInclusive<u64>,
    /// The WAL as of T4's fsync, as T5 left it in the cache, after the crash.
    synced: Vec<u8>,
    cached: Vec<u8>,
    after: Vec<u8>,
}

fn options() -> Options {
    Options {
        page_size: PAGE_SIZE,
        synchronous: Synchronous::Full,
        // Checkpoints only when the demo asks for one.
        autocheckpoint: 0,
        ..Options::default()
    }
}

/// Runs scenario `seed`, narrating into `out` (kept by the caller, so that
/// a failed check can show the story up to the failure). `full`: narrate
/// step 1 in full, not as a recap, with every legend.
fn scenario(seed: u64, out: &mut String, full: bool) -> AnyResult<Outcome> {
    let vfs = SimVfs::new(seed);
    let (db, built) = build(&vfs, out, full)?;
    let t5 = interrupted_txn();
    let crashed = pull_the_plug(&vfs, db, built.geometry, &t5, out, full)?;
    recover(&vfs, &built, &crashed, &t5, out, full)
}

/// Fails with `why` unless `ok`.
fn check(ok: bool, why: &str) -> AnyResult<()> {
    if ok {
        Ok(())
    } else {
        Err(format!("CHECK FAILED: {why}").into())
    }
}

/// Step 1: T1-T3, a checkpoint, T4.
fn build(vfs: &SimVfs, out: &mut String, full: bool) -> AnyResult<(Database, Built)> {
    say!(out);
    say!(out, "Step 1. Build a database on the simulated disk");
    say!(out, "----------------------------------------------");
    let db = Database::open_vfs(Arc::new(vfs.clone()), Path::new(DB_PATH), options())?;
    if full {
        para!(
            out,
            "",
            "{DB_PATH}: {PAGE_SIZE}-byte pages, synchronous = full: every COMMIT appends \
             the pages it changed to the WAL as frames, the last one marked as the commit \
             frame, and fsyncs the WAL before it returns. Creating the file committed \
             page 1, the header page, as frame 1 (call it T0). Inside BEGIN, each \
             statement starts with a savepoint, which spills the pages the statements \
             before it changed to the WAL, in one write."
        );
        say!(out);
    }
    let mut model = BTreeMap::new();
    let mut owners_old = Owners::from([(1, "T0")]);
    let mut owners = Owners::new();
    let mut geometry = None;
    let mut checkpointed = false;
    for txn in committed_txns() {
        if txn.name == "T4" {
            let copied = checkpoint(&db)?;
            checkpointed = true;
            if full {
                para!(
                    out,
                    "   ",
                    "checkpoint: {copied} pages copied into the main file, which is \
                     fsynced; then the WAL is reset: new salts, numbering restarts at \
                     frame 1, the old frames stay where they are."
                );
            }
        }
        let pager = db.pager();
        let len_before = pager.wal_file_len()?;
        let before = pager.wal_status();
        let fsyncs_before = pager.stats().fsyncs;
        db.execute("BEGIN", ())?;
        for change in &txn.changes {
            run_change(&db, change)?;
        }
        db.execute("COMMIT", ())?;
        apply(&mut model, &txn.changes);
        let status = pager.wal_status();
        let (first, last) = (before.committed_frames + 1, status.committed_frames);
        if geometry.is_none() && last > first {
            // So far the WAL only grew: its length is a header plus frames.
            let frame = (pager.wal_file_len()? - len_before) / (last + 1 - first);
            let header = len_before - before.committed_frames * frame;
            let ps = u64::from(PAGE_SIZE);
            check(
                (ps..ps + 256).contains(&frame) && header < ps,
                &format!("unexpected WAL geometry: {header}-byte header, {frame}-byte frames"),
            )?;
            geometry = Some(Geometry { header, frame });
        }
        let pages = pages_of(
            pager
                .scan_wal()?
                .iter()
                .filter(|f| (first..=last).contains(&f.frame))
                .map(|f| (f.page, f.commit_size != 0)),
        );
        let map = if checkpointed {
            &mut owners
        } else {
            &mut owners_old
        };
        for n in first..=last {
            map.insert(n, txn.name);
        }
        check(
            pager.stats().fsyncs > fsyncs_before,
            &format!("{}'s COMMIT did not fsync", txn.name),
        )?;
        if full {
            say!(
                out,
                "{} {:<19} -> frames {:>2}-{:<2}  pages {pages}",
                txn.name,
                txn.what.join("; "),
                first,
                last
            );
        }
    }
    let geometry = geometry.ok_or("could not measure the WAL's frame size")?;
    let table = read_table(&db)?;
    check(table == model, "the table is not what T1-T4 wrote")?;
    let pager = db.pager();
    let status = pager.wal_status();
    let frames = pager.scan_wal()?;
    let wal_len = pager.wal_file_len()?;
    drop(pager);
    check(
        frames.len() as u64 == (wal_len - geometry.header) / geometry.frame,
        "the measured WAL geometry does not fit the WAL",
    )?;
    let built = Built {
        model,
        owners_old,
        owners,
        geometry,
    };
    if !full {
        para!(
            out,
            "",
            "As in scenario 1: T1-T3 committed; a checkpoint copied them into the main \
             file and reset the WAL; T4 committed as frames 1-{} of the new generation, \
             and frames {}-{} are old ones, left from before the reset. Every COMMIT was \
             fsynced and acknowledged. The table holds ids 1-6.",
            status.committed_frames,
            status.committed_frames + 1,
            frames.len()
        );
        return Ok((db, built));
    }
    para!(
        out,
        "   ",
        "(* marks a commit frame. Each COMMIT returned only after its fsync: T1-T4 \
         were acknowledged, and must survive whatever happens next.)"
    );
    say!(out);
    say!(
        out,
        "The WAL now: {wal_len} bytes; generation {}, salts {:#010x} {:#010x}:",
        status.header.checkpoint_seq,
        status.header.salt1,
        status.header.salt2
    );
    say!(
        out,
        "   frames  salts  written by  state                  pages"
    );
    let runs = runs_of(&frames, |f| {
        let owners = if f.salt_ok {
            &built.owners
        } else {
            &built.owners_old
        };
        (f.salt_ok, owners.get(&f.frame).copied().unwrap_or("?"))
    });
    for Run {
        frames: range,
        key: (salt_ok, owner),
        pages,
    } in runs
    {
        say!(
            out,
            "   {:>6}  {:<5}  {owner:<10}  {:<21}  {}",
            span(&range),
            if salt_ok { "new" } else { "old" },
            if salt_ok {
                "committed"
            } else {
                "old, in the main file"
            },
            pages_of(pages.into_iter())
        );
    }
    para!(
        out,
        "   ",
        "(old: frames written before the reset, under the previous salts; their \
         pages are already in the main file, and T5 will overwrite them.)"
    );
    say!(out);
    say!(out, "The table before:");
    show_table(out, &table);
    Ok((db, built))
}

/// Step 2: runs T5 and stops the machine between COMMIT's write and fsync.
fn pull_the_plug(
    vfs: &SimVfs,
    db: Database,
    g: Geometry,
    t5: &Txn,
    out: &mut String,
    full: bool,
) -> AnyResult<Crashed> {
    let wal_path = Path::new(WAL_PATH);
    say!(out);
    say!(out, "Step 2. Pull the plug in the middle of T5's COMMIT");
    say!(out, "--------------------------------------------------");
    let pager = db.pager();
    let status = pager.wal_status();
    let salts = (status.header.salt1, status.header.salt2);
    let synced = vfs.file_bytes(wal_path).ok_or("no WAL file")?;
    let mut writes = Vec::new();
    say!(out, "T5: BEGIN;");
    db.execute("BEGIN", ())?;
    for (change, what) in t5.changes.iter().zip(t5.what) {
        let (tail, ops) = (pager.wal_status().written_frames, vfs.ops());
        run_change(&db, change)?;
        let (new_tail, new_ops) = (pager.wal_status().written_frames, vfs.ops());
        if new_tail == tail {
            say!(out, "    {what:<16}  changes pages in the buffer pool only");
            continue;
        }
        check(
            new_ops - ops == 1,
            "a spill took more than one write; this demo expects one",
        )?;
        writes.push(Write {
            what: "spill",
            frames: tail + 1..=new_tail,
            bytes: g.offset(tail + 1)..g.offset(new_tail + 1),
        });
        say!(
            out,
            "    {what:<16}  its savepoint spills: write {}, frames {}-{new_tail}, uncommitted",
            writes.len(),
            tail + 1
        );
    }
    let first_t5 = status.committed_frames + 1;
    let commit_first = pager.wal_status().written_frames + 1;
    drop(pager);

    // Freeze the machine after exactly one more mutating operation:
    // COMMIT's write of its frames. The fsync after it then fails, as a
    // dead machine's would.
    vfs.set_crash_point(Some(1));
    let Err(commit_error) = db.execute("COMMIT", ()) else {
        return Err("T5's COMMIT succeeded although the machine stopped".into());
    };
    check(vfs.is_frozen(), "the simulated machine did not stop")?;
    let cached = vfs.file_bytes(wal_path).ok_or("no WAL file")?;
    let last_t5 = match frames_written(&cached, g, commit_first, salts).last() {
        Some((n, h)) if h.is_commit() => *n,
        _ => return Err("could not find COMMIT's frames in the WAL".into()),
    };
    writes.push(Write {
        what: "COMMIT",
        frames: commit_first..=last_t5,
        bytes: g.offset(commit_first)..g.offset(last_t5 + 1),
    });
    say!(
        out,
        "    {:<16}  write {}, frames {commit_first}-{last_t5}, the last one the commit frame;",
        "COMMIT",
        writes.len()
    );
    say!(
        out,
        "    {:<16}  then fsync... and the power fails before it returns.",
        ""
    );
    let pages: Vec<(u32, bool)> = frames_written(&cached, g, first_t5, salts)
        .iter()
        .map(|(_, h)| (h.page, h.is_commit()))
        .collect();
    para!(
        out,
        "",
        "T5's frames {first_t5}-{last_t5} hold pages {}. All {} writes sit in the \
         operating system's cache; none of them is on the platter for sure. COMMIT \
         returned an error, never \"ok\":",
        pages_of(pages.into_iter()),
        writes.len()
    );
    para!(out, "   ", "{commit_error}");
    para!(
        out,
        "",
        "Nobody was told that T5 committed: after the crash it may be there or not, \
         but never in part. The process dies with the machine (no rollback, no \
         checkpoint)."
    );
    db.abandon()?;

    let report: CrashReport = vfs.crash();
    let after = vfs
        .file_bytes(wal_path)
        .ok_or("no WAL file after the crash")?;
    say!(out);
    say!(
        out,
        "vfs.crash() decides the fate of every write not yet fsynced:"
    );
    say!(
        out,
        "   CrashReport {{ writes_dropped: {}, writes_kept: {}, writes_torn: {},",
        report.writes_dropped,
        report.writes_kept,
        report.writes_torn
    );
    say!(
        out,
        "                 set_lens_dropped: {}, set_lens_kept: {} }}",
        report.set_lens_dropped,
        report.set_lens_kept
    );
    if full {
        say!(
            out,
            "   dropped: left no trace; the disk holds what it held at the last fsync"
        );
        say!(
            out,
            "   kept:    landed whole, though no fsync waited for it"
        );
        say!(
            out,
            "   torn:    a prefix landed; the rest of its range kept its old bytes or got"
        );
        say!(out, "            garbage (the power failed mid-write)");
    }
    para!(
        out,
        "",
        "Only T5's writes were pending: T1-T4's frames were fsynced by their COMMITs, \
         the main file by the checkpoint, and synced bytes never change. Which write \
         met which fate (comparing the WAL's bytes before T5, in the cache, after):"
    );
    let mut fates = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        let fate = fate_of(&synced, &cached, &after, &w.bytes);
        let text = match fate {
            Fate::Dropped => "DROPPED: the old bytes are still there".to_string(),
            Fate::Kept => "KEPT: it landed whole".to_string(),
            Fate::Torn { landed, tail } => {
                let frame = *w.frames.start() + landed / g.frame;
                let upto = match landed % g.frame {
                    0 => format!("frames before {frame} whole, nothing of frame {frame}"),
                    n => format!("up to byte {n} of frame {frame}"),
                };
                format!(
                    "TORN: {landed} of its {} bytes landed, {upto}; then {}",
                    w.bytes.end - w.bytes.start,
                    match tail {
                        Tail::OldBytes => "the old bytes",
                        Tail::FileEnds => "the old bytes, and the file ends",
                        Tail::Garbage => "garbage",
                    }
                )
            }
        };
        para!(
            out,
            "   ",
            "write {} ({}, frames {}-{}): {text}",
            i + 1,
            w.what,
            w.frames.start(),
            w.frames.end()
        );
        fates.push(fate);
    }
    let count = |f: fn(&Fate) -> bool| fates.iter().filter(|x| f(x)).count() as u64;
    let (dropped, kept, torn) = (
        count(|f| *f == Fate::Dropped),
        count(|f| *f == Fate::Kept),
        count(|f| matches!(f, Fate::Torn { .. })),
    );
    // A tear is invisible where the bytes that did not land equal the bytes
    // already there (zeroed free space in old and new page images, say): a
    // tear at such a place looks like a drop or like a whole write.
    check(
        kept >= report.writes_kept
            && dropped >= report.writes_dropped
            && torn <= report.writes_torn
            && kept + dropped + torn
                == report.writes_kept + report.writes_dropped + report.writes_torn
            && report.set_lens_dropped + report.set_lens_kept == 0,
        "the WAL's bytes disagree with the crash report",
    )?;
    if torn < report.writes_torn {
        para!(
            out,
            "   ",
            "(The crash report counts {} torn, the bytes show {torn}: where the part of a \
             write that did not land held the same bytes as the old contents, zeroed \
             free space in both page images for instance, the tear leaves no trace. \
             What counts for recovery is the bytes.)",
            report.writes_torn
        );
    }
    Ok(Crashed {
        writes,
        fates,
        t5: first_t5..=last_t5,
        synced,
        cached,
        after,
    })
}

/// Step 3: reopens, recovers, explains, checks.
fn recover(
    vfs: &SimVfs,
    built: &Built,
    crashed: &Crashed,
    t5: &Txn,
    out: &mut String,
    full: bool,
) -> AnyResult<Outcome> {
    let g = built.geometry;
    say!(out);
    say!(
        out,
        "Step 3. Power on: reopen the database, and recovery runs"
    );
    say!(
        out,
        "--------------------------------------------------------"
    );
    let db = Database::open_vfs(Arc::new(vfs.clone()), Path::new(DB_PATH), options())
        .map_err(|e| format!("CHECK FAILED: reopening after the crash failed: {e}"))?;
    let pager = db.pager();
    let recovery = pager.recovery_report().clone();
    let (frames, rescan) = pager.scan_wal_report()?;
    let wal_len = pager.wal_file_len()?;
    drop(pager);
    say!(out, "recovery_report().summary():");
    para!(out, "   ", "\"{}\"", recovery.summary());
    describe_report(out, &recovery);
    check(
        rescan == recovery,
        "scanning the WAL again disagrees with what recovery reported",
    )?;

    say!(out);
    say!(out, "Frame by frame, in the order recovery reads them:");
    describe_frames(out, &frames, wal_len, &recovery, built, crashed, full);
    explain(out, &recovery, crashed, g);

    let mut with_t5 = built.model.clone();
    apply(&mut with_t5, &t5.changes);
    let after = read_table(&db)?;
    let t5_present = after == with_t5;
    say!(out);
    if t5_present {
        say!(out, "The table after (T5 is there, all of it):");
        show_table(out, &after);
    } else {
        say!(out, "The table after (T5 is absent, all of it):");
        say!(
            out,
            "   as before, row for row: ids 1-6, id 1 still \"flour\", no ids 7-10."
        );
    }

    say!(out);
    say!(out, "Checks:");
    check(
        after == built.model || t5_present,
        "the table after recovery is neither T1-T4's nor T1-T5's: a transaction was \
         lost or applied in part",
    )?;
    say!(
        out,
        "   ok  every acknowledged commit (T1-T4) is there, row for row"
    );
    say!(
        out,
        "   ok  T5 is entirely {}: all {} of its statements, or none",
        if t5_present { "present" } else { "absent" },
        t5.changes.len()
    );
    check(
        (recovery.frames_recovered >= *crashed.t5.end()) == t5_present,
        "recovery's report disagrees with the table about T5",
    )?;
    check(
        t5_present == crashed.fates.iter().all(|f| *f == Fate::Kept),
        "whether recovery kept T5 does not follow from which of its writes landed",
    )?;
    say!(
        out,
        "   ok  recovery kept T5 if and only if every one of its writes landed whole"
    );
    let integrity: Vec<String> = db
        .query("PRAGMA integrity_check", ())?
        .map(|values| match values.first() {
            Some(Value::Text(s)) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    check(
        integrity == ["ok"],
        &format!("PRAGMA integrity_check: {}", integrity.join("; ")),
    )?;
    say!(out, "   ok  PRAGMA integrity_check: ok");
    drop(db);
    Ok(Outcome {
        fates: crashed.fates.clone(),
        stop: recovery.stop,
        t5_present,
    })
}

/// Runs a checkpoint; returns how many pages it copied.
fn checkpoint(db: &Database) -> AnyResult<u64> {
    let before = db.stats().pages_checkpointed;
    let values = db
        .query("PRAGMA wal_checkpoint", ())?
        .next()
        .ok_or("PRAGMA wal_checkpoint returned nothing")?;
    check(
        values.first() == Some(&Value::Integer(0)),
        "the checkpoint was busy",
    )?;
    Ok(db.stats().pages_checkpointed - before)
}

/// Pages as "1 4 3 1*" (* = commit frame, ? = not a plausible page number).
fn pages_of(pages: impl Iterator<Item = (u32, bool)>) -> String {
    pages
        .map(|(p, commit)| match (p, commit) {
            (GARBAGE_PAGE.., _) => "?".to_string(),
            (p, true) => format!("{p}*"),
            (p, false) => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Consecutive frames alike in `key`.
struct Run<K> {
    frames: RangeInclusive<u64>,
    key: K,
    /// Each frame's page, and whether it is a commit frame.
    pages: Vec<(u32, bool)>,
}

/// Groups consecutive frames with equal keys into runs; a commit frame ends
/// its run.
fn runs_of<K: PartialEq>(
    frames: &[WalFrameInfo],
    mut key: impl FnMut(&WalFrameInfo) -> K,
) -> Vec<Run<K>> {
    let mut runs: Vec<Run<K>> = Vec::new();
    for f in frames {
        let k = key(f);
        // A garbage frame header's commit marker means nothing.
        let page = (f.page, f.commit_size != 0 && f.page < GARBAGE_PAGE);
        match runs.last_mut() {
            Some(run) if run.key == k && !run.pages.last().is_some_and(|p| p.1) => {
                run.frames = *run.frames.start()..=f.frame;
                run.pages.push(page);
            }
            _ => runs.push(Run {
                frames: f.frame..=f.frame,
                key: k,
                pages: vec![page],
            }),
        }
    }
    runs
}

/// "4" or "4-9".
fn span(r: &RangeInclusive<u64>) -> String {
    if r.start() == r.end() {
        r.start().to_string()
    } else {
        format!("{}-{}", r.start(), r.end())
    }
}

/// The frames written at `first`, `first + 1`, ... in `bytes` under
/// `salts`, up to and including a commit frame.
fn frames_written(
    bytes: &[u8],
    g: Geometry,
    first: u64,
    salts: (u32, u32),
) -> Vec<(u64, FrameHeader)> {
    let mut found = Vec::new();
    let mut n = first;
    while let Some(frame) = bytes.get(g.range(n)) {
        let h = FrameHeader::decode(frame);
        if (h.salt1, h.salt2) != salts {
            break;
        }
        found.push((n, h));
        if h.is_commit() {
            break;
        }
        n += 1;
    }
    found
}

/// The fate of the write of `range`, from the WAL's bytes before it was
/// made (`synced`), after it (`cached`), and after the crash.
fn fate_of(synced: &[u8], cached: &[u8], after: &[u8], range: &Range<u64>) -> Fate {
    let (start, end) = (range.start as usize, range.end as usize);
    // Past the old end of the file, "the old bytes" are no bytes.
    let new = |i: usize| after.get(i) == cached.get(i);
    let old = |i: usize| after.get(i) == synced.get(i);
    if (start..end).all(new) {
        return Fate::Kept;
    }
    if (start..end).all(old) {
        return Fate::Dropped;
    }
    let landed = (start..end).find(|&i| !new(i)).unwrap_or(end);
    let tail = if !(landed..end).all(old) {
        Tail::Garbage
    } else if after.len() < end {
        Tail::FileEnds
    } else {
        Tail::OldBytes
    };
    Fate::Torn {
        landed: (landed - start) as u64,
        tail,
    }
}

fn describe_report(out: &mut String, r: &RecoveryReport) {
    let fields: [(&str, String, &str); 10] = [
        (
            "frames_scanned",
            r.frames_scanned.to_string(),
            "this generation's salts, chain intact",
        ),
        (
            "frames_recovered",
            r.frames_recovered.to_string(),
            "up to the last commit frame: replayed",
        ),
        (
            "transactions_recovered",
            r.transactions_recovered.to_string(),
            "commit frames among them",
        ),
        (
            "frames_discarded",
            r.frames_discarded.to_string(),
            "this generation's, not replayed",
        ),
        (
            "transactions_discarded",
            r.transactions_discarded.to_string(),
            "an unfinished transaction (0 or 1)",
        ),
        (
            "torn_tail",
            r.torn_tail.to_string(),
            "whether the scan ended at a torn frame",
        ),
        (
            "frames_after_stop",
            r.frames_after_stop.to_string(),
            "whole frames after the stopping one",
        ),
        ("stop", format!("{:?}", r.stop), ""),
        (
            "mark_slots",
            format!("{:?}", r.mark_slots),
            "only synchronous = extra writes them",
        ),
        (
            "durable_mark",
            r.durable_mark.to_string(),
            "frames the mark slots vouch for",
        ),
    ];
    say!(out, "   RecoveryReport {{");
    for (name, value, meaning) in fields {
        let line = format!("     {:<24}{value:<6} {meaning}", format!("{name}:"));
        say!(out, "{}", line.trim_end());
    }
    say!(out, "   }}");
    say!(out, "   stop, displayed: \"{}\"", r.stop);
}

/// The scan's stopping frame, if it stopped at one.
fn stop_frame(stop: &ScanStop) -> Option<u64> {
    match *stop {
        ScanStop::SaltMismatch { frame }
        | ScanStop::ChecksumMismatch { frame }
        | ScanStop::PartialFrame { frame } => Some(frame),
        _ => None,
    }
}

/// Who wrote what is on disk now at frame `n`.
fn origin(n: u64, salt_ok: bool, built: &Built, c: &Crashed, g: Geometry) -> String {
    let old = || format!("old, {}", built.owners_old.get(&n).copied().unwrap_or("?"));
    let Some(i) = c.writes.iter().position(|w| w.frames.contains(&n)) else {
        return if salt_ok {
            built.owners.get(&n).copied().unwrap_or("?").to_string()
        } else {
            old()
        };
    };
    let range = g.range(n);
    let now = c.after.get(range.clone());
    if now == c.cached.get(range.clone()) {
        format!("T5, write {}", i + 1)
    } else if now == c.synced.get(range.clone()) {
        old()
    } else {
        match range.clone().find(|&b| c.after.get(b) != c.cached.get(b)) {
            Some(b) if b > range.start => {
                format!("T5 w{}, first {} B", i + 1, b - range.start)
            }
            _ => "garbage".to_string(),
        }
    }
}

fn describe_frames(
    out: &mut String,
    frames: &[WalFrameInfo],
    wal_len: u64,
    r: &RecoveryReport,
    built: &Built,
    c: &Crashed,
    full: bool,
) {
    let g = built.geometry;
    let stop = stop_frame(&r.stop);
    // Runs of frames that look alike and share a verdict.
    let runs = runs_of(frames, |f| {
        let verdict = match stop {
            _ if f.kept => "replayed:",
            Some(s) if f.frame == s => "discarded, the scan stops here:",
            Some(s) if f.frame > s => "discarded, past the stop (never examined):",
            _ => "discarded, no commit frame follows:",
        };
        let from = origin(f.frame, f.salt_ok, built, c, g);
        (verdict, f.salt_ok, f.checksum_ok, from)
    });
    say!(out, "     frames  salts  chain   on disk now         pages");
    let mut garbage = false;
    let mut heading = "";
    for Run {
        frames: range,
        key: (verdict, salt_ok, chain_ok, from),
        pages,
    } in runs
    {
        if verdict != heading {
            say!(out, "   {verdict}");
            heading = verdict;
        }
        garbage |= pages.iter().any(|p| p.0 >= GARBAGE_PAGE);
        say!(
            out,
            "     {:>6}  {:<5}  {:<6}  {from:<18}  {}",
            span(&range),
            if salt_ok { "ok" } else { "wrong" },
            if chain_ok { "ok" } else { "broken" },
            pages_of(pages.into_iter())
        );
    }
    let whole = frames.len() as u64;
    if wal_len > g.offset(whole + 1) {
        let verdict = "discarded, the scan stops here:";
        if verdict != heading {
            say!(out, "   {verdict}");
        }
        say!(
            out,
            "     {:>6}  only {} of its bytes: the file ends inside it",
            whole + 1,
            wal_len - g.offset(whole + 1)
        );
    }
    if !full {
        if garbage {
            say!(out, "   (? a page number that is garbage)");
        }
        return;
    }
    para!(
        out,
        "   ",
        "(salts: this generation's or not. chain: whether the frame's checksum \
         continues from the one stored in the frame before it. old, Tn: a frame Tn \
         wrote before the reset. * marks a commit frame{}.)",
        if garbage {
            "; ? a page number that is garbage"
        } else {
            ""
        }
    );
}

/// The reasons behind the verdicts.
fn explain(out: &mut String, r: &RecoveryReport, c: &Crashed, g: Geometry) {
    say!(out);
    say!(out, "Why:");
    let last_commit = r.frames_recovered;
    if last_commit > 0 {
        para!(
            out,
            " - ",
            "Frames 1-{last_commit} carry this generation's salts, their checksum \
             chain is unbroken, and frame {last_commit} is a commit frame: whole \
             transactions. They are replayed."
        );
    }
    if r.frames_scanned > last_commit {
        para!(
            out,
            " - ",
            "Frames {}-{} are intact too, but no commit frame follows them: they are \
             the beginning of a transaction that never finished. Replaying them would \
             apply part of it, so they are discarded.",
            last_commit + 1,
            r.frames_scanned
        );
    }
    let in_t5 = |n: u64| c.t5.contains(&n);
    match r.stop {
        ScanStop::SaltMismatch { frame } => {
            let never = c.after.get(g.range(frame)) == c.synced.get(g.range(frame));
            let why = if !in_t5(frame) {
                "this generation never wrote that far"
            } else if never {
                "T5's write to it never landed"
            } else {
                "T5's write to it was torn before its salts"
            };
            para!(
                out,
                " - ",
                "Frame {frame} carries the previous generation's salts: it is an old \
                 frame, left over from before the reset ({why}). This generation's log \
                 ends there; the scan stops."
            );
        }
        ScanStop::ChecksumMismatch { frame } => para!(
            out,
            " - ",
            "Frame {frame}'s checksum does not continue the chain from frame {}: its \
             bytes are not the ones that were checksummed, the mark of a torn write. \
             Nothing after a break in the chain can be trusted; the scan stops.",
            frame - 1
        ),
        ScanStop::PartialFrame { frame } => para!(
            out,
            " - ",
            "The file ends inside frame {frame}: an append torn short. The scan stops."
        ),
        ScanStop::EndOfLog => para!(
            out,
            " - ",
            "The scan read every frame in the file without a break."
        ),
        ref other => para!(out, " - ", "The scan stopped: {other}."),
    }
    let t5_commit = *c.t5.end();
    if let Some(stop) = stop_frame(&r.stop)
        && stop < t5_commit
        && c.fates.last() == Some(&Fate::Kept)
    {
        para!(
            out,
            " - ",
            "T5's commit frame, frame {t5_commit}, is intact on disk, yet recovery never \
             looks at it: a commit frame vouches for its transaction only if the chain \
             reaches it unbroken, and an earlier write that did not land whole broke it at \
             frame {stop}. Replaying \
             T5 from what is left would apply its last statement without the ones \
             before it."
        );
    }
    if r.frames_recovered >= t5_commit {
        para!(
            out,
            " - ",
            "T5 is kept although its fsync never returned. Recovery cannot tell a write \
             that happened to land from a synced one, and need not: COMMIT never said \
             \"ok\", so T5 may be lost or kept. Only keeping part of it would be wrong."
        );
    }
}
