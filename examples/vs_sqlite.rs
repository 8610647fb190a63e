//! walnut against SQLite: every workload of the project's benchmark
//! specification, both engines on the same data in the same run, rounds
//! alternating between them, medians and walnut/SQLite ratios reported.
//!
//! ```text
//! cargo build --release          # also builds target/release/walnut, for cli_script
//! cargo run --release --example vs_sqlite                       # N = 1,000,000, 3 rounds, ~6 min
//! cargo run --release --example vs_sqlite -- --quick            # N = 100,000, a first look
//! cargo run --release --example vs_sqlite -- --only point_lookup,scan --rounds 5
//! cargo run --release --example vs_sqlite -- --growth           # adds the growth series
//! cargo run --release --example vs_sqlite -- --only growth --growth-10m
//! cargo run --release --example vs_sqlite -- --engine walnut --only range_100   # for a profiler
//! ```
//!
//! Options: `--rows N` (default 1,000,000), `--rounds R` (default 3),
//! `--lookups L` (point lookups per mode, default 1,000,000), `--quick`
//! (N = 100,000 and 100,000 lookups), `--only TAG[,TAG...]` (the tags
//! below, plus `peak_memory` and `growth`), `--growth` (adds the growth
//! series), `--growth-10m` (the growth series with 10^7 too),
//! `--growth-lookups L` (default 200,000), `--engine walnut|sqlite|both`
//! (one engine alone, for a profiler; no ratios then), `--dir PATH` (where
//! the temporary directories go; default the system temp dir, which must
//! be a real disk for the fsync figures to mean anything), `--sqlite3
//! PATH` (the sqlite3 shell for cli_script; default `sqlite3` on the PATH),
//! `--stats` (walnut's pager counters for each workload, on stderr: pool
//! hits and misses, pages read and written, fsyncs).
//!
//! # The data (from the workload specification)
//!
//! Table `t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)`, rows `id = 1..N`.
//! One splitmix64 stream seeded `0x5EED_DA7A_0000_0001` produces, per row:
//!
//! * `k = next() >> 33` (uniform in `0..2^31`, so `sum(k)` never overflows);
//! * `v` = 100 lowercase ASCII letters from 13 further `next()` values:
//!   byte `j` (`j = 0..99`) is `b'a' + ((value[j / 8] >> (8 * (j % 8))) &
//!   0xff) % 26`.
//!
//! splitmix64 (wrapping arithmetic):
//!
//! ```text
//! state += 0x9E3779B97F4A7C15; z = state;
//! z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
//! z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
//! return z ^ (z >> 31)
//! ```
//!
//! Row `id` takes the stream's values `14 (id - 1) .. 14 id`, so any row
//! can also be computed on its own ([`row_at`]), which is how the expected
//! answers are known.
//!
//! Query streams have their own seeds: point lookups
//! `0x5EED_0000_0000_000B`, ranges `0x5EED_0000_0000_000D`, index lookups
//! `0x5EED_0000_0000_000E`, small transactions `0x5EED_0000_0000_000F`; a
//! random id is `1 + next() % N`.
//!
//! # The workloads
//!
//! | tag | what is timed | reported |
//! |---|---|---|
//! | `bulk_insert` | N rows in one transaction through one prepared `INSERT INTO t VALUES (?, ?, ?)`, `BEGIN` to `COMMIT` included | rows/s |
//! | `point_lookup` | L × prepared `SELECT v FROM t WHERE id = ?` (random ids), each in autocommit; then L more inside one `BEGIN` .. `COMMIT` | lookups/s, each mode |
//! | `scan` | `SELECT count(*), sum(k) FROM t`; `SELECT sum(length(v)) FROM t` | rows/s, each query |
//! | `range_100` | 10,000 × prepared `SELECT sum(k) FROM t WHERE id BETWEEN ? AND ? + 99` | queries/s |
//! | `create_index` | `CREATE INDEX t_k ON t(k)` | seconds |
//! | `index_lookup` | 100,000 × prepared `SELECT id FROM t WHERE k = ?`, each `k` that of a random row | lookups/s |
//! | `delete_half` | `DELETE FROM t WHERE id % 2 = 0` on the table alone (`t_k` is dropped first, untimed) | seconds, file sizes |
//! | `autocommit_insert` | 2,000 × prepared `INSERT INTO t VALUES (?, ?, ?)`, each its own durable transaction, into a new empty database; the rows `1..2000` drawn like the table's, from the small-transaction seed | commits/s, p50 and p99 latency |
//! | `cli_script` | the whole `walnut` process against the whole `sqlite3` process, stdin a script of `CREATE TABLE t(...)`, `BEGIN`, 100,000 `INSERT INTO t VALUES(...)` lines (rows 1..100,000), `COMMIT` | seconds |
//!
//! One round runs, for each engine in turn, all the selected table
//! workloads in the order above on one new database (the later ones need
//! the table, `index_lookup` needs the index: a needed step that was not
//! selected still runs, untimed); then `autocommit_insert`, each engine on
//! another new database, the two taking turns every 50 commits (an
//! fsync's latency on these shared virtual machines swings with what the
//! rest of the machine does, so the commits are measured side by side);
//! then `cli_script` for each engine. Rounds alternate the order of the
//! engines (walnut first, then SQLite first, ...), every database is in a new
//! temporary directory, and the table's rows are generated before the
//! timing starts (as `walnut::Value`s; SQLite binds the same values). Each
//! figure is the median over the rounds, and the ratio is walnut's
//! throughput over SQLite's (above 1: walnut is faster; for the timed
//! ones, SQLite's time over walnut's).
//!
//! **Settings.** walnut: [`Options::default()`] (4096-byte pages, a
//! 512-frame = 2 MiB buffer pool, `synchronous = full`, automatic
//! checkpoint at 1000 WAL frames). SQLite (rusqlite, SQLite bundled):
//! `journal_mode=WAL`, `synchronous=FULL`, default page size (4096) and
//! cache (2000 KiB). The sqlite3 shell gets the same two pragmas through
//! `-cmd`; both shells run with `-bail`.
//!
//! **Answers.** Every workload's answer is compared with what the
//! generator says it must be (counts, sums, a checksum of the looked-up
//! text) on both engines; a mismatch is printed after the table under
//! `PROBLEMS` and the exit status is 1.
//!
//! **delete_half** runs without the index because the specification's
//! SQLite reference (0.31 s, against 0.59 s for the bulk insert) can only
//! be that of the table alone: with `t_k` in place, SQLite takes several
//! times longer (it must also delete 500,000 random index entries).
//!
//! **delete_half file sizes.** The size of the database file plus its WAL
//! (`std::fs::metadata`), just before the `DELETE` and just after it
//! returned; then again after a checkpoint (walnut `PRAGMA
//! wal_checkpoint`, SQLite `PRAGMA wal_checkpoint(TRUNCATE)`), with the
//! `page_count` and `freelist_count` pragmas. Neither engine shrinks
//! the file here: freed pages go to the freelist.
//!
//! **autocommit_insert** also shows walnut's fsyncs per commit, from the
//! pager's counters (automatic checkpoints add their own fsyncs). Its
//! time is the sum of the engine's 50-commit blocks; p50 and p99 are over
//! all 2,000 commits of the round, then the median over rounds.
//!
//! **peak_memory** runs walnut's 1M-row (N-row) bulk insert once more, in
//! a child process (this example re-executed with a hidden flag), which
//! generates the rows as it inserts them and reads its own `VmHWM` (peak
//! resident set) from `/proc/self/status` after `COMMIT`: neither SQLite
//! nor the pre-generated rows of the parent are counted. The target
//! compares it with the default pool plus 64 MiB.
//!
//! **growth** (the growth series): at 10^4, 10^5 and 10^6 rows (10^7 with
//! `--growth-10m`), on new databases: the bulk insert of all the rows
//! (rows/s, i.e. the insert cost per row at that size) and
//! `--growth-lookups` random point lookups, in autocommit and in one
//! transaction; both engines, alternating. A B+Tree lookup's cost should
//! grow with the tree's height, i.e. with log N: the target is walnut's
//! lookups at 10^6 rows doing at least 0.6 of its lookups at 10^4.
//! (Today walnut's one-transaction bulk insert writes about 4.6 GiB of
//! WAL per 10^6 rows before its COMMIT, so `--growth-10m` needs about
//! 45 GiB free where `--dir` points.)
//!
//! The default run takes about 6 minutes on a shared 2-core machine,
//! most of it walnut's bulk inserts (about 30 s per million rows today);
//! `--quick` or `--only` bound it. The targets are printed beside each
//! figure (`ok` or `MISS`); nothing here asserts them. The machines are shared: absolute figures drift,
//! ratios measured side by side are what to quote. Progress goes to
//! stderr, the results to stdout.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;
use tempfile::TempDir;
use walnut::pager::PagerStats;
use walnut::{Database, Options, Value};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The hidden argument that turns this binary into the peak-memory child.
const PEAK_CHILD_FLAG: &str = "--peak-memory-child";

const ROW_SEED: u64 = 0x5EED_DA7A_0000_0001;
const POINT_SEED: u64 = 0x5EED_0000_0000_000B;
const RANGE_SEED: u64 = 0x5EED_0000_0000_000D;
const INDEX_SEED: u64 = 0x5EED_0000_0000_000E;
const TXN_SEED: u64 = 0x5EED_0000_0000_000F;
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// `next()` calls per row: one for `k`, 13 for `v`.
const CALLS_PER_ROW: u64 = 14;
const V_LEN: usize = 100;

const RANGE_QUERIES: usize = 10_000;
const INDEX_LOOKUPS: usize = 100_000;
const AUTOCOMMIT_INSERTS: usize = 2_000;
const CLI_LINES: usize = 100_000;
/// The peak-memory target: the pool plus this much.
const PEAK_ALLOWANCE: u64 = 64 << 20;

const CREATE_TABLE: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)";
const INSERT: &str = "INSERT INTO t VALUES (?, ?, ?)";
const POINT_SELECT: &str = "SELECT v FROM t WHERE id = ?";
const SCAN_COUNT_SUM: &str = "SELECT count(*), sum(k) FROM t";
const SCAN_SUM_LENGTH: &str = "SELECT sum(length(v)) FROM t";
const RANGE_SELECT: &str = "SELECT sum(k) FROM t WHERE id BETWEEN ? AND ? + 99";
const CREATE_INDEX: &str = "CREATE INDEX t_k ON t(k)";
const INDEX_SELECT: &str = "SELECT id FROM t WHERE k = ?";
const DELETE_HALF: &str = "DELETE FROM t WHERE id % 2 = 0";

// ---------------------------------------------------------------------------
// The data generator

/// splitmix64, exactly as the specification writes it.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A random id in `1..=n`.
    fn id(&mut self, n: u64) -> i64 {
        (1 + self.next() % n) as i64
    }

    /// The next row's `(k, v)`.
    fn row(&mut self) -> (i64, String) {
        let k = (self.next() >> 33) as i64;
        let mut words = [0u64; 13];
        for w in &mut words {
            *w = self.next();
        }
        let v = (0..V_LEN)
            .map(|j| char::from(b'a' + ((words[j / 8] >> (8 * (j % 8))) & 0xff) as u8 % 26))
            .collect();
        (k, v)
    }
}

/// Row `id` of the table, computed on its own: the stream's state before
/// that row is the seed advanced by `14 (id - 1)` steps.
fn row_at(id: i64) -> (i64, String) {
    let steps = CALLS_PER_ROW.wrapping_mul(id as u64 - 1);
    SplitMix64::new(ROW_SEED.wrapping_add(steps.wrapping_mul(GAMMA))).row()
}

/// Rows `1..=n` of the table as INSERT parameters.
fn table_rows(n: u64) -> Vec<[Value; 3]> {
    let mut g = SplitMix64::new(ROW_SEED);
    (1..=n as i64)
        .map(|id| {
            let (k, v) = g.row();
            [Value::Integer(id), Value::Integer(k), Value::Text(v)]
        })
        .collect()
}

/// `n` random ids in `1..=rows` from the stream seeded `seed`.
fn random_ids(seed: u64, rows: u64, n: usize) -> Vec<i64> {
    let mut g = SplitMix64::new(seed);
    (0..n).map(|_| g.id(rows)).collect()
}

/// What a point lookup adds to the checksum: the text's length and one of
/// its bytes, picked by the id.
fn lookup_checksum(id: i64, v: &[u8]) -> u64 {
    let byte = v.get((id % V_LEN as i64) as usize).copied().unwrap_or(0);
    v.len() as u64 + u64::from(byte)
}

fn int_of(v: &[Value]) -> BoxResult<i64> {
    match v {
        [Value::Integer(n)] => Ok(*n),
        [Value::Integer(n), ..] => Ok(*n),
        other => Err(format!("expected an integer, got {other:?}").into()),
    }
}

// ---------------------------------------------------------------------------
// The two engines behind one interface

/// The operations the workloads need; the timing is done around these
/// calls, which do only the work.
trait Engine {
    /// Runs a statement without parameters; returns the rows changed.
    fn execute(&mut self, sql: &str) -> BoxResult<u64>;
    /// The first row of a query, every column an integer.
    fn query_ints(&mut self, sql: &str) -> BoxResult<Vec<i64>>;
    /// The first row of a query, as text (for pragmas).
    fn query_text(&mut self, sql: &str) -> BoxResult<String>;
    /// `BEGIN`, one prepared INSERT per row, `COMMIT`.
    fn bulk_insert(&mut self, rows: &[[Value; 3]]) -> BoxResult<()>;
    /// One prepared point lookup per id; the checksum of the texts found
    /// and the number of ids not found.
    fn point_lookups(&mut self, ids: &[i64]) -> BoxResult<(u64, u64)>;
    /// One prepared range query per start; the sum of the sums.
    fn range_sums(&mut self, starts: &[i64]) -> BoxResult<i64>;
    /// One prepared index lookup per key; the rows found and the sum of
    /// their ids.
    fn index_lookups(&mut self, keys: &[i64]) -> BoxResult<(u64, i64)>;
    /// One prepared INSERT per row, each in autocommit; the latency of
    /// each, in seconds.
    fn insert_each(&mut self, rows: &[[Value; 3]]) -> BoxResult<Vec<f64>>;
    /// The checkpoint statement.
    fn checkpoint_sql(&self) -> &'static str;
    /// The pager's counters, if the engine has them (walnut).
    fn counters(&self) -> Option<PagerStats>;

    // One method per workload, so that each has its own frame in a
    // profiler's call stacks (`black_box` keeps the call from becoming a
    // tail call, which would drop the frame).

    /// The point lookups inside one `BEGIN` .. `COMMIT`.
    fn point_lookups_in_txn(&mut self, ids: &[i64]) -> BoxResult<(u64, u64)> {
        self.execute("BEGIN")?;
        let got = self.point_lookups(ids)?;
        self.execute("COMMIT")?;
        Ok(black_box(got))
    }
    /// `SELECT count(*), sum(k) FROM t`.
    fn scan_count_sum(&mut self) -> BoxResult<Vec<i64>> {
        black_box(self.query_ints(SCAN_COUNT_SUM))
    }
    /// `SELECT sum(length(v)) FROM t`.
    fn scan_sum_length(&mut self) -> BoxResult<Vec<i64>> {
        black_box(self.query_ints(SCAN_SUM_LENGTH))
    }
    /// `CREATE INDEX t_k ON t(k)`.
    fn create_index(&mut self) -> BoxResult<u64> {
        black_box(self.execute(CREATE_INDEX))
    }
    /// `DELETE FROM t WHERE id % 2 = 0`; the rows deleted.
    fn delete_half(&mut self) -> BoxResult<u64> {
        black_box(self.execute(DELETE_HALF))
    }
}

struct Walnut {
    db: Database,
}

impl Walnut {
    fn open(path: &Path) -> BoxResult<Walnut> {
        let db = Database::open_with(path, Options::default())
            .map_err(|e| format!("walnut cannot open {}: {e}", path.display()))?;
        Ok(Walnut { db })
    }
}

impl Engine for Walnut {
    fn execute(&mut self, sql: &str) -> BoxResult<u64> {
        Ok(self.db.execute(sql, ())?)
    }

    fn query_ints(&mut self, sql: &str) -> BoxResult<Vec<i64>> {
        let row = self
            .db
            .query(sql, ())?
            .next()
            .ok_or_else(|| format!("walnut: no row from {sql}"))?;
        row.iter()
            .map(|v| match v {
                Value::Integer(n) => Ok(*n),
                other => Err(format!("walnut: {sql} gave {other:?}").into()),
            })
            .collect()
    }

    fn query_text(&mut self, sql: &str) -> BoxResult<String> {
        let row = self
            .db
            .query(sql, ())?
            .next()
            .ok_or_else(|| format!("walnut: no row from {sql}"))?;
        Ok(row
            .iter()
            .map(|v| match v {
                Value::Integer(n) => n.to_string(),
                Value::Text(s) => s.clone(),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join("|"))
    }

    fn bulk_insert(&mut self, rows: &[[Value; 3]]) -> BoxResult<()> {
        self.db.execute("BEGIN", ())?;
        let mut insert = self.db.prepare(INSERT)?;
        for row in rows {
            insert.execute(row)?;
        }
        drop(insert);
        self.db.execute("COMMIT", ())?;
        Ok(())
    }

    fn point_lookups(&mut self, ids: &[i64]) -> BoxResult<(u64, u64)> {
        let mut select = self.db.prepare(POINT_SELECT)?;
        let (mut sum, mut missing) = (0u64, 0u64);
        for &id in ids {
            match select.query(&[Value::Integer(id)])?.next().as_deref() {
                Some([Value::Text(v)]) => sum += lookup_checksum(id, v.as_bytes()),
                _ => missing += 1,
            }
        }
        Ok((sum, missing))
    }

    fn range_sums(&mut self, starts: &[i64]) -> BoxResult<i64> {
        let mut select = self.db.prepare(RANGE_SELECT)?;
        let mut total = 0i64;
        for &start in starts {
            let row = select.query(&[Value::Integer(start), Value::Integer(start)])?;
            for r in row {
                total += int_of(&r)?;
            }
        }
        Ok(total)
    }

    fn index_lookups(&mut self, keys: &[i64]) -> BoxResult<(u64, i64)> {
        let mut select = self.db.prepare(INDEX_SELECT)?;
        let (mut found, mut ids) = (0u64, 0i64);
        for &k in keys {
            for r in select.query(&[Value::Integer(k)])? {
                found += 1;
                ids += int_of(&r)?;
            }
        }
        Ok((found, ids))
    }

    fn insert_each(&mut self, rows: &[[Value; 3]]) -> BoxResult<Vec<f64>> {
        let mut insert = self.db.prepare(INSERT)?;
        let mut latencies = Vec::with_capacity(rows.len());
        for row in rows {
            let t = Instant::now();
            insert.execute(row)?;
            latencies.push(t.elapsed().as_secs_f64());
        }
        Ok(latencies)
    }

    fn checkpoint_sql(&self) -> &'static str {
        "PRAGMA wal_checkpoint"
    }

    fn counters(&self) -> Option<PagerStats> {
        Some(self.db.stats())
    }
}

struct Sqlite {
    conn: rusqlite::Connection,
}

impl Sqlite {
    fn open(path: &Path) -> BoxResult<Sqlite> {
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| format!("SQLite cannot open {}: {e}", path.display()))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("SQLite refused journal_mode=WAL (it says {mode})").into());
        }
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        Ok(Sqlite { conn })
    }
}

fn sqlite_params(row: &[Value; 3]) -> BoxResult<(i64, i64, &str)> {
    match row {
        [Value::Integer(id), Value::Integer(k), Value::Text(v)] => Ok((*id, *k, v.as_str())),
        other => Err(format!("not a generated row: {other:?}").into()),
    }
}

impl Engine for Sqlite {
    fn execute(&mut self, sql: &str) -> BoxResult<u64> {
        Ok(self.conn.execute(sql, [])? as u64)
    }

    fn query_ints(&mut self, sql: &str) -> BoxResult<Vec<i64>> {
        let mut st = self.conn.prepare(sql)?;
        let n = st.column_count();
        Ok(st.query_row([], |r| (0..n).map(|i| r.get::<_, i64>(i)).collect())?)
    }

    fn query_text(&mut self, sql: &str) -> BoxResult<String> {
        let mut st = self.conn.prepare(sql)?;
        let n = st.column_count();
        let cells: Vec<String> = st.query_row([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        other => format!("{other:?}"),
                    })
                })
                .collect()
        })?;
        Ok(cells.join("|"))
    }

    fn bulk_insert(&mut self, rows: &[[Value; 3]]) -> BoxResult<()> {
        self.conn.execute_batch("BEGIN")?;
        let mut insert = self.conn.prepare(INSERT)?;
        for row in rows {
            insert.execute(sqlite_params(row)?)?;
        }
        drop(insert);
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    fn point_lookups(&mut self, ids: &[i64]) -> BoxResult<(u64, u64)> {
        let mut select = self.conn.prepare(POINT_SELECT)?;
        let (mut sum, mut missing) = (0u64, 0u64);
        for &id in ids {
            let mut rows = select.query([id])?;
            match rows.next()? {
                Some(row) => {
                    let v = row.get_ref(0)?.as_str()?;
                    sum += lookup_checksum(id, v.as_bytes());
                }
                None => missing += 1,
            }
        }
        Ok((sum, missing))
    }

    fn range_sums(&mut self, starts: &[i64]) -> BoxResult<i64> {
        let mut select = self.conn.prepare(RANGE_SELECT)?;
        let mut total = 0i64;
        for &start in starts {
            total += select.query_row([start, start], |r| r.get::<_, i64>(0))?;
        }
        Ok(total)
    }

    fn index_lookups(&mut self, keys: &[i64]) -> BoxResult<(u64, i64)> {
        let mut select = self.conn.prepare(INDEX_SELECT)?;
        let (mut found, mut ids) = (0u64, 0i64);
        for &k in keys {
            let mut rows = select.query([k])?;
            while let Some(r) = rows.next()? {
                found += 1;
                ids += r.get::<_, i64>(0)?;
            }
        }
        Ok((found, ids))
    }

    fn insert_each(&mut self, rows: &[[Value; 3]]) -> BoxResult<Vec<f64>> {
        let mut insert = self.conn.prepare(INSERT)?;
        let mut latencies = Vec::with_capacity(rows.len());
        for row in rows {
            let p = sqlite_params(row)?;
            let t = Instant::now();
            insert.execute(p)?;
            latencies.push(t.elapsed().as_secs_f64());
        }
        Ok(latencies)
    }

    fn checkpoint_sql(&self) -> &'static str {
        "PRAGMA wal_checkpoint(TRUNCATE)"
    }

    fn counters(&self) -> Option<PagerStats> {
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Walnut,
    Sqlite,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Walnut => "walnut",
            Kind::Sqlite => "SQLite",
        }
    }

    fn open(self, path: &Path) -> BoxResult<Box<dyn Engine>> {
        Ok(match self {
            Kind::Walnut => Box::new(Walnut::open(path)?),
            Kind::Sqlite => Box::new(Sqlite::open(path)?),
        })
    }

    /// The database file and its WAL.
    fn files(self, path: &Path) -> [PathBuf; 2] {
        match self {
            Kind::Walnut => [path.to_path_buf(), walnut::pager::wal_path_for(path)],
            Kind::Sqlite => {
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                [path.to_path_buf(), PathBuf::from(wal)]
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Configuration

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Tag {
    BulkInsert,
    PointLookup,
    Scan,
    Range100,
    CreateIndex,
    IndexLookup,
    DeleteHalf,
    AutocommitInsert,
    CliScript,
    PeakMemory,
    Growth,
}

const TAGS: [(&str, Tag); 11] = [
    ("bulk_insert", Tag::BulkInsert),
    ("point_lookup", Tag::PointLookup),
    ("scan", Tag::Scan),
    ("range_100", Tag::Range100),
    ("create_index", Tag::CreateIndex),
    ("index_lookup", Tag::IndexLookup),
    ("delete_half", Tag::DeleteHalf),
    ("autocommit_insert", Tag::AutocommitInsert),
    ("cli_script", Tag::CliScript),
    ("peak_memory", Tag::PeakMemory),
    ("growth", Tag::Growth),
];

struct Config {
    rows: u64,
    rounds: usize,
    lookups: usize,
    tags: Vec<Tag>,
    growth_sizes: Vec<u64>,
    growth_lookups: usize,
    engines: Vec<Kind>,
    dir: Option<PathBuf>,
    sqlite3: PathBuf,
    stats: bool,
}

impl Config {
    fn parse(args: &[String]) -> BoxResult<Config> {
        let mut c = Config {
            rows: 1_000_000,
            rounds: 3,
            lookups: 1_000_000,
            tags: TAGS
                .iter()
                .map(|&(_, t)| t)
                .filter(|&t| t != Tag::Growth)
                .collect(),
            growth_sizes: vec![10_000, 100_000, 1_000_000],
            growth_lookups: 200_000,
            engines: vec![Kind::Walnut, Kind::Sqlite],
            dir: None,
            sqlite3: PathBuf::from("sqlite3"),
            stats: false,
        };
        let (mut only, mut growth) = (None::<Vec<Tag>>, false);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let mut value = || {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{a} needs a value"))
            };
            match a.as_str() {
                "--rows" => c.rows = parse_count(&value()?)?.max(200),
                "--rounds" => c.rounds = parse_count(&value()?)?.max(1) as usize,
                "--lookups" => c.lookups = parse_count(&value()?)?.max(1) as usize,
                "--growth-lookups" => c.growth_lookups = parse_count(&value()?)?.max(1) as usize,
                "--quick" => {
                    c.rows = 100_000;
                    c.lookups = 100_000;
                }
                "--growth" => growth = true,
                "--stats" => c.stats = true,
                "--growth-10m" => {
                    growth = true;
                    c.growth_sizes.push(10_000_000);
                }
                "--only" => {
                    let mut tags = Vec::new();
                    for name in value()?.split(',').filter(|s| !s.is_empty()) {
                        let tag = TAGS
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|&(_, t)| t)
                            .ok_or_else(|| {
                                let names: Vec<&str> = TAGS.iter().map(|(n, _)| *n).collect();
                                format!("unknown tag {name:?}; the tags: {}", names.join(", "))
                            })?;
                        tags.push(tag);
                    }
                    only = Some(tags);
                }
                "--engine" => {
                    c.engines = match value()?.as_str() {
                        "walnut" => vec![Kind::Walnut],
                        "sqlite" => vec![Kind::Sqlite],
                        "both" => vec![Kind::Walnut, Kind::Sqlite],
                        other => {
                            return Err(format!("--engine {other}: walnut, sqlite or both").into());
                        }
                    }
                }
                "--dir" => c.dir = Some(PathBuf::from(value()?)),
                "--sqlite3" => c.sqlite3 = PathBuf::from(value()?),
                "--help" | "-h" => {
                    return Err(
                        "usage: vs_sqlite [--rows N] [--rounds R] [--lookups L] [--quick] \
                                [--only TAG,...] [--growth] [--growth-10m] [--growth-lookups L] \
                                [--engine walnut|sqlite|both] [--dir PATH] [--sqlite3 PATH] [--stats] \
                                (see the doc comment at the top of examples/vs_sqlite.rs)"
                            .into(),
                    );
                }
                other => return Err(format!("unknown argument {other} (try --help)").into()),
            }
        }
        if let Some(tags) = only {
            c.tags = tags;
        }
        if growth && !c.tags.contains(&Tag::Growth) {
            c.tags.push(Tag::Growth);
        }
        c.tags.sort();
        c.tags.dedup();
        Ok(c)
    }

    fn has(&self, t: Tag) -> bool {
        self.tags.contains(&t)
    }

    /// Whether a round needs the N-row table at all.
    fn needs_table(&self) -> bool {
        self.tags.iter().any(|&t| t <= Tag::DeleteHalf)
    }

    fn tempdir(&self) -> BoxResult<TempDir> {
        let b = tempfile::Builder::new().prefix("vs_sqlite").tempdir_in(
            self.dir
                .clone()
                .unwrap_or_else(std::env::temp_dir)
                .as_path(),
        );
        Ok(b.map_err(|e| format!("cannot create a temporary directory: {e}"))?)
    }
}

/// A count such as `1000000`, `1_000_000` or `1e6`.
fn parse_count(s: &str) -> BoxResult<u64> {
    let clean: String = s.chars().filter(|&c| c != '_' && c != ',').collect();
    if let Some((m, e)) = clean.split_once(['e', 'E']) {
        let (m, e): (u64, u32) = (m.parse()?, e.parse()?);
        return m
            .checked_mul(10u64.checked_pow(e).ok_or("count too large")?)
            .ok_or_else(|| "count too large".into());
    }
    Ok(clean.parse().map_err(|_| format!("{s:?} is not a count"))?)
}

// ---------------------------------------------------------------------------
// Expected answers, from the generator

struct Expected {
    rows: u64,
    sum_k: i64,
    point_ids: Vec<i64>,
    point: u64,
    range_starts: Vec<i64>,
    range: i64,
    index_keys: Vec<i64>,
    index: (u64, i64),
}

impl Expected {
    fn new(cfg: &Config, data: &[[Value; 3]]) -> BoxResult<Expected> {
        let n = data.len() as u64;
        if n == 0 {
            return Ok(Expected {
                rows: 0,
                sum_k: 0,
                point_ids: Vec::new(),
                point: 0,
                range_starts: Vec::new(),
                range: 0,
                index_keys: Vec::new(),
                index: (0, 0),
            });
        }
        let mut ks = Vec::with_capacity(data.len());
        for row in data {
            ks.push(sqlite_params(row)?.1);
        }
        let sum_k = ks.iter().sum();
        let point_ids = random_ids(POINT_SEED, n, cfg.lookups);
        // The generator computed row by row agrees with the stream.
        for &id in point_ids.iter().take(1000) {
            let (k, v) = row_at(id);
            if data[id as usize - 1][1..] != [Value::Integer(k), Value::Text(v)] {
                return Err(format!("generator: row {id} computed alone differs").into());
            }
        }
        let point = point_ids
            .iter()
            .map(|&id| match &data[id as usize - 1][2] {
                Value::Text(v) => lookup_checksum(id, v.as_bytes()),
                _ => 0,
            })
            .sum();
        // Prefix sums of k by id answer the ranges.
        let mut prefix = vec![0i64; data.len() + 1];
        for (i, k) in ks.iter().enumerate() {
            prefix[i + 1] = prefix[i] + k;
        }
        let range_starts = random_ids(RANGE_SEED, n, RANGE_QUERIES);
        let range = range_starts
            .iter()
            .map(|&s| {
                let hi = (s as usize + 99).min(data.len());
                prefix[hi] - prefix[s as usize - 1]
            })
            .sum();
        // Index lookups: the key of a random row; every row with that key.
        let index_keys: Vec<i64> = random_ids(INDEX_SEED, n, INDEX_LOOKUPS)
            .into_iter()
            .map(|id| ks[id as usize - 1])
            .collect();
        let mut by_k: Vec<(i64, i64)> = ks
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as i64 + 1))
            .collect();
        by_k.sort_unstable();
        let mut index = (0u64, 0i64);
        for &k in &index_keys {
            let from = by_k.partition_point(|&(x, _)| x < k);
            for &(_, id) in by_k[from..].iter().take_while(|&&(x, _)| x == k) {
                index.0 += 1;
                index.1 += id;
            }
        }
        Ok(Expected {
            rows: n,
            sum_k,
            point_ids,
            point,
            range_starts,
            range,
            index_keys,
            index,
        })
    }
}

// ---------------------------------------------------------------------------
// One round of one engine

/// What one engine did in one round: named figures (seconds, bytes,
/// counts) and any wrong answers.
#[derive(Default)]
struct Sample {
    figures: BTreeMap<&'static str, f64>,
    problems: Vec<String>,
}

impl Sample {
    fn time<T>(&mut self, key: &'static str, f: impl FnOnce() -> BoxResult<T>) -> BoxResult<T> {
        let t = Instant::now();
        let out = f().map_err(|e| format!("{key}: {e}"))?;
        self.figures.insert(key, t.elapsed().as_secs_f64());
        Ok(out)
    }

    fn check<T: PartialEq + std::fmt::Debug>(&mut self, who: Kind, what: &str, got: T, want: T) {
        if got != want {
            self.problems.push(format!(
                "{}: {what}: got {got:?}, expected {want:?}",
                who.name()
            ));
        }
    }
}

/// Times one workload; with `--stats`, prints walnut's pager counters
/// for it (pool hits and misses, pages read and written, fsyncs).
fn timed<T>(
    cfg: &Config,
    s: &mut Sample,
    db: &mut dyn Engine,
    key: &'static str,
    f: impl FnOnce(&mut dyn Engine) -> BoxResult<T>,
) -> BoxResult<T> {
    let before = db.counters();
    let out = s.time(key, || f(&mut *db))?;
    if let (true, Some(b), Some(a)) = (cfg.stats, before, db.counters()) {
        let d = a.since(&b);
        eprintln!(
            "  {key}: {} hits, {} misses, {} evictions, {} spills, {} pages read, \
             {} written, {} WAL frames, {} fsyncs, {} checkpoints",
            d.hits,
            d.misses,
            d.evictions,
            d.spills,
            d.pages_read,
            d.pages_written,
            d.wal_frames,
            d.fsyncs,
            d.checkpoints
        );
    }
    Ok(out)
}

fn file_bytes(paths: &[PathBuf]) -> f64 {
    paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum::<u64>() as f64
}

/// The table workloads on one new database.
fn table_workloads(
    cfg: &Config,
    kind: Kind,
    data: &[[Value; 3]],
    exp: &Expected,
    s: &mut Sample,
) -> BoxResult<()> {
    let dir = cfg.tempdir()?;
    let path = dir.path().join("bench.db");
    let mut db = kind.open(&path)?;
    db.execute(CREATE_TABLE)?;
    let want_n = exp.rows as i64;

    let db = db.as_mut();
    timed(cfg, s, db, "bulk_insert", |db| db.bulk_insert(data))?;
    if !cfg.has(Tag::Scan) {
        let got = db.query_ints(SCAN_COUNT_SUM)?;
        s.check(kind, "rows after bulk_insert", got, vec![want_n, exp.sum_k]);
    }
    if cfg.has(Tag::PointLookup) {
        let got = timed(cfg, s, db, "point_lookup_autocommit", |db| {
            db.point_lookups(&exp.point_ids)
        })?;
        s.check(
            kind,
            "point_lookup (autocommit) checksum, missing",
            got,
            (exp.point, 0),
        );
        let got = timed(cfg, s, db, "point_lookup_txn", |db| {
            db.point_lookups_in_txn(&exp.point_ids)
        })?;
        s.check(
            kind,
            "point_lookup (one txn) checksum, missing",
            got,
            (exp.point, 0),
        );
    }
    if cfg.has(Tag::Scan) {
        let got = timed(cfg, s, db, "scan_count_sum", |db| db.scan_count_sum())?;
        s.check(kind, "count(*), sum(k)", got, vec![want_n, exp.sum_k]);
        let got = timed(cfg, s, db, "scan_sum_length", |db| db.scan_sum_length())?;
        s.check(kind, "sum(length(v))", got, vec![want_n * V_LEN as i64]);
    }
    if cfg.has(Tag::Range100) {
        let got = timed(cfg, s, db, "range_100", |db| {
            db.range_sums(&exp.range_starts)
        })?;
        s.check(kind, "range_100 total", got, exp.range);
    }
    if cfg.has(Tag::CreateIndex) || cfg.has(Tag::IndexLookup) {
        timed(cfg, s, db, "create_index", |db| db.create_index())?;
    }
    if cfg.has(Tag::IndexLookup) {
        let got = timed(cfg, s, db, "index_lookup", |db| {
            db.index_lookups(&exp.index_keys)
        })?;
        s.check(kind, "index_lookup rows, sum of ids", got, exp.index);
    }
    if cfg.has(Tag::DeleteHalf) {
        // On the table alone, as the specification's reference figure
        // was measured: the index goes first, untimed.
        if cfg.has(Tag::CreateIndex) || cfg.has(Tag::IndexLookup) {
            db.execute("DROP INDEX t_k")?;
        }
        let files = kind.files(&path);
        s.figures
            .insert("delete_half.db_before", file_bytes(&files[..1]));
        s.figures
            .insert("delete_half.wal_before", file_bytes(&files[1..]));
        let changes = timed(cfg, s, db, "delete_half", |db| db.delete_half())?;
        s.check(kind, "rows deleted", changes, exp.rows / 2);
        s.figures
            .insert("delete_half.db_after", file_bytes(&files[..1]));
        s.figures
            .insert("delete_half.wal_after", file_bytes(&files[1..]));
        db.query_text(db.checkpoint_sql())?;
        s.figures
            .insert("delete_half.db_ckpt", file_bytes(&files[..1]));
        s.figures
            .insert("delete_half.wal_ckpt", file_bytes(&files[1..]));
        let pages = db.query_ints("PRAGMA page_count")?;
        let free = db.query_ints("PRAGMA freelist_count")?;
        s.figures.insert("delete_half.page_count", pages[0] as f64);
        s.figures
            .insert("delete_half.freelist_count", free[0] as f64);
        let got = db.query_ints("SELECT count(*) FROM t")?;
        s.check(
            kind,
            "rows left after delete_half",
            got,
            vec![want_n - want_n / 2],
        );
    }
    Ok(())
}

/// Commits per block in `autocommit_insert`: the engines take turns
/// block by block.
const AUTOCOMMIT_BLOCK: usize = 50;

/// autocommit_insert, each engine on its own new database, the engines
/// taking turns every [`AUTOCOMMIT_BLOCK`] commits (which one goes first
/// alternates too). An fsync's latency depends on what the rest of the
/// machine is doing at that moment (see docs/benchmarks.md: on an idle
/// virtual machine a flush can wait for the next timer tick), so commits
/// measured side by side, not one engine after the other, are what make
/// the ratio fair. The time is the sum of an engine's blocks.
fn autocommit_workload(cfg: &Config, round: usize, samples: &mut [Sample]) -> BoxResult<()> {
    let mut g = SplitMix64::new(TXN_SEED);
    let rows: Vec<[Value; 3]> = (1..=AUTOCOMMIT_INSERTS as i64)
        .map(|id| {
            let (k, v) = g.row();
            [Value::Integer(id), Value::Integer(k), Value::Text(v)]
        })
        .collect();
    let want_sum: i64 = rows.iter().map(|r| int_of(&r[1..]).unwrap_or(0)).sum();
    let mut dbs = Vec::new();
    for &kind in &cfg.engines {
        let dir = cfg.tempdir()?;
        let mut db = kind.open(&dir.path().join("autocommit.db"))?;
        db.execute(CREATE_TABLE)?;
        let before = db.counters();
        dbs.push((kind, db, dir, before, Vec::new(), 0.0f64));
    }
    for (block, chunk) in rows.chunks(AUTOCOMMIT_BLOCK).enumerate() {
        for e in round_order(cfg, round + block) {
            let (_, db, _, _, lat, secs) = &mut dbs[e];
            let t = Instant::now();
            lat.extend(
                db.insert_each(chunk)
                    .map_err(|e| format!("autocommit_insert: {e}"))?,
            );
            *secs += t.elapsed().as_secs_f64();
        }
    }
    for (e, (kind, mut db, dir, before, mut lat, secs)) in dbs.into_iter().enumerate() {
        let s = &mut samples[e];
        s.figures.insert("autocommit_insert", secs);
        if let (Some(b), Some(a)) = (before, db.counters()) {
            let d = a.since(&b);
            s.figures.insert(
                "autocommit_insert.fsyncs_per_commit",
                d.fsyncs as f64 / AUTOCOMMIT_INSERTS as f64,
            );
            if cfg.stats {
                eprintln!(
                    "  autocommit_insert: {} WAL frames, {} fsyncs, {} checkpoints",
                    d.wal_frames, d.fsyncs, d.checkpoints
                );
            }
        }
        lat.sort_by(f64::total_cmp);
        s.figures
            .insert("autocommit_insert.p50", percentile(&lat, 0.50));
        s.figures
            .insert("autocommit_insert.p99", percentile(&lat, 0.99));
        let got = db.query_ints("SELECT count(*), sum(k) FROM t")?;
        s.check(
            kind,
            "autocommit_insert rows, sum(k)",
            got,
            vec![AUTOCOMMIT_INSERTS as i64, want_sum],
        );
        drop(db);
        drop(dir);
    }
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

// ---------------------------------------------------------------------------
// cli_script: the two shells as whole processes

struct Cli {
    script: PathBuf,
    walnut: Option<PathBuf>,
    sqlite3: Option<PathBuf>,
    sum_k: i64,
    notes: Vec<String>,
}

impl Cli {
    fn prepare(cfg: &Config, dir: &Path) -> BoxResult<Cli> {
        let script = dir.join("script.sql");
        let mut out = BufWriter::new(File::create(&script)?);
        writeln!(out, "{CREATE_TABLE};\nBEGIN;")?;
        let mut g = SplitMix64::new(ROW_SEED);
        let mut sum_k = 0;
        for id in 1..=CLI_LINES {
            let (k, v) = g.row();
            sum_k += k;
            writeln!(out, "INSERT INTO t VALUES({id}, {k}, '{v}');")?;
        }
        writeln!(out, "COMMIT;")?;
        out.flush()?;
        let mut notes = Vec::new();
        // target/release/examples/vs_sqlite -> target/release/walnut
        let exe = std::env::current_exe()?;
        let walnut = exe
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join(format!("walnut{}", std::env::consts::EXE_SUFFIX)))
            .filter(|p| p.exists());
        if walnut.is_none() {
            notes.push(format!(
                "cli_script skipped: no walnut binary next to {} (run `cargo build --release` first)",
                exe.display()
            ));
        }
        let sqlite3 = match Command::new(&cfg.sqlite3).arg("-version").output() {
            Ok(o) if o.status.success() => {
                notes.push(format!(
                    "cli_script: {} is sqlite3 {}",
                    cfg.sqlite3.display(),
                    String::from_utf8_lossy(&o.stdout)
                        .split_whitespace()
                        .next()
                        .unwrap_or("?")
                ));
                Some(cfg.sqlite3.clone())
            }
            _ => {
                notes.push(format!(
                    "cli_script skipped: cannot run {} (--sqlite3 PATH names another)",
                    cfg.sqlite3.display()
                ));
                None
            }
        };
        Ok(Cli {
            script,
            walnut,
            sqlite3,
            sum_k,
            notes,
        })
    }

    fn ready(&self) -> bool {
        self.walnut.is_some() && self.sqlite3.is_some()
    }

    /// Runs one shell on a new database; checks what it left.
    fn run(&self, cfg: &Config, kind: Kind, s: &mut Sample) -> BoxResult<()> {
        let dir = cfg.tempdir()?;
        let db = dir.path().join("cli.db");
        let mut cmd = match (kind, &self.walnut, &self.sqlite3) {
            (Kind::Walnut, Some(w), _) => {
                let mut c = Command::new(w);
                c.arg("-bail");
                c
            }
            (Kind::Sqlite, _, Some(sq)) => {
                let mut c = Command::new(sq);
                c.args([
                    "-bail",
                    "-cmd",
                    "PRAGMA journal_mode=WAL",
                    "-cmd",
                    "PRAGMA synchronous=FULL",
                ]);
                c
            }
            _ => return Ok(()),
        };
        cmd.arg(&db)
            .stdin(File::open(&self.script)?)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let out = s.time("cli_script", || Ok(cmd.output()?))?;
        if !out.status.success() || !out.stderr.is_empty() {
            s.problems.push(format!(
                "cli_script: the {} shell exited with {}: {}",
                kind.name(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            return Ok(());
        }
        let got = match kind {
            Kind::Walnut => Walnut::open(&db)?.query_ints(SCAN_COUNT_SUM)?,
            Kind::Sqlite => Sqlite::open(&db)?.query_ints(SCAN_COUNT_SUM)?,
        };
        s.check(
            kind,
            "cli_script count(*), sum(k)",
            got,
            vec![CLI_LINES as i64, self.sum_k],
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// peak_memory: walnut alone, in a child process

/// A line of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
fn proc_status_kib(field: &str) -> BoxResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/self/status").into())
}

/// The child: the N-row bulk insert with rows generated as they go, then
/// its own peak resident set on stdout.
fn peak_memory_child(dir: &Path, rows: u64) -> BoxResult<()> {
    let db = Database::open_with(dir.join("peak.db"), Options::default())?;
    db.execute(CREATE_TABLE, ())?;
    let before = proc_status_kib("VmHWM")?;
    let mut g = SplitMix64::new(ROW_SEED);
    db.execute("BEGIN", ())?;
    let mut insert = db.prepare(INSERT)?;
    for id in 1..=rows as i64 {
        let (k, v) = g.row();
        insert.execute(&[Value::Integer(id), Value::Integer(k), Value::Text(v)])?;
    }
    drop(insert);
    db.execute("COMMIT", ())?;
    let peak = proc_status_kib("VmHWM")?;
    drop(db);
    let after_close = proc_status_kib("VmHWM")?;
    println!("peak-memory {before} {peak} {after_close}");
    Ok(())
}

/// Runs the child; returns (before, peak, peak including the close) in bytes.
fn peak_memory(cfg: &Config) -> BoxResult<[u64; 3]> {
    let dir = cfg.tempdir()?;
    let out = Command::new(std::env::current_exe()?)
        .arg(PEAK_CHILD_FLAG)
        .arg(dir.path())
        .arg(cfg.rows.to_string())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("the peak-memory child failed ({})", out.status).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u64> = text
        .lines()
        .find_map(|l| l.strip_prefix("peak-memory "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    match nums[..] {
        [a, b, c] => Ok([a << 10, b << 10, c << 10]),
        _ => Err(format!("the peak-memory child said {text:?}").into()),
    }
}

// ---------------------------------------------------------------------------
// The growth series

/// Median figures of one engine at one size.
struct GrowthPoint {
    insert_s: f64,
    lookup_auto_s: f64,
    lookup_txn_s: f64,
}

fn growth_series(
    cfg: &Config,
    problems: &mut Vec<String>,
) -> BoxResult<Vec<(u64, Vec<GrowthPoint>)>> {
    let mut out = Vec::new();
    if cfg.growth_sizes.contains(&10_000_000) && cfg.engines.contains(&Kind::Walnut) {
        eprintln!(
            "growth: note: walnut's bulk insert currently spills about 1.2 WAL frames per row \
             (every statement's savepoint), so 10^7 rows in one transaction grow the WAL to \
             about 45 GiB before the COMMIT; --dir must have that much free space"
        );
    }
    for &n in &cfg.growth_sizes {
        eprintln!("growth: generating {n} rows");
        let data = table_rows(n);
        let ids = random_ids(POINT_SEED, n, cfg.growth_lookups);
        let want: u64 = ids
            .iter()
            .map(|&id| match &data[id as usize - 1][2] {
                Value::Text(v) => lookup_checksum(id, v.as_bytes()),
                _ => 0,
            })
            .sum();
        let mut samples: Vec<Vec<[f64; 3]>> = vec![Vec::new(); cfg.engines.len()];
        for round in 0..cfg.rounds {
            for e in round_order(cfg, round) {
                let kind = cfg.engines[e];
                let dir = cfg.tempdir()?;
                let mut db = kind.open(&dir.path().join("growth.db"))?;
                db.execute(CREATE_TABLE)?;
                let t = Instant::now();
                db.bulk_insert(&data)?;
                let insert_s = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let auto = db.point_lookups(&ids)?;
                let auto_s = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let txn = db.point_lookups_in_txn(&ids)?;
                let txn_s = t.elapsed().as_secs_f64();
                for (mode, got) in [("autocommit", auto), ("one txn", txn)] {
                    if got != (want, 0) {
                        problems.push(format!(
                            "{}: growth {n}: point lookups ({mode}) gave {got:?}, expected {:?}",
                            kind.name(),
                            (want, 0)
                        ));
                    }
                }
                eprintln!(
                    "growth {n} round {} {}: insert {insert_s:.3} s, lookups {auto_s:.3} s / {txn_s:.3} s",
                    round + 1,
                    kind.name()
                );
                samples[e].push([insert_s, auto_s, txn_s]);
                drop(db);
                drop(dir);
            }
        }
        let points = samples
            .iter()
            .map(|v| GrowthPoint {
                insert_s: median(v.iter().map(|x| x[0]).collect()),
                lookup_auto_s: median(v.iter().map(|x| x[1]).collect()),
                lookup_txn_s: median(v.iter().map(|x| x[2]).collect()),
            })
            .collect();
        out.push((n, points));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Reporting

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Engine indexes in the order of this round: walnut first in even
/// rounds, SQLite first in odd ones.
fn round_order(cfg: &Config, round: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..cfg.engines.len()).collect();
    if round % 2 == 1 {
        order.reverse();
    }
    order
}

/// `1234567.0` as `1.23 M`.
fn human(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let (v, suffix) = if x >= 1e6 {
        (x / 1e6, " M")
    } else if x >= 1e3 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    if v >= 100.0 {
        format!("{v:.0}{suffix}")
    } else if v >= 10.0 {
        format!("{v:.1}{suffix}")
    } else {
        format!("{v:.2}{suffix}")
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / f64::from(1u32 << 20))
}

/// One line of the results table.
struct Line {
    label: &'static str,
    key: &'static str,
    /// Operations per run: the figure is `count / seconds`; 0 means the
    /// figure is the time itself.
    count: f64,
    unit: &'static str,
    target: f64,
}

fn lines(cfg: &Config, exp_rows: f64, lookups: f64) -> Vec<Line> {
    let mut v = Vec::new();
    let mut add = |tag, label, key, count, unit, target| {
        if cfg.has(tag) {
            v.push(Line {
                label,
                key,
                count,
                unit,
                target,
            });
        }
    };
    add(
        Tag::BulkInsert,
        "bulk_insert",
        "bulk_insert",
        exp_rows,
        "rows/s",
        1.0,
    );
    add(
        Tag::PointLookup,
        "point_lookup autocommit",
        "point_lookup_autocommit",
        lookups,
        "lookups/s",
        1.0,
    );
    add(
        Tag::PointLookup,
        "point_lookup one txn",
        "point_lookup_txn",
        lookups,
        "lookups/s",
        1.0,
    );
    add(
        Tag::Scan,
        "scan count(*),sum(k)",
        "scan_count_sum",
        exp_rows,
        "rows/s",
        0.8,
    );
    add(
        Tag::Scan,
        "scan sum(length(v))",
        "scan_sum_length",
        exp_rows,
        "rows/s",
        0.8,
    );
    add(
        Tag::Range100,
        "range_100",
        "range_100",
        RANGE_QUERIES as f64,
        "queries/s",
        1.0,
    );
    add(
        Tag::CreateIndex,
        "create_index",
        "create_index",
        0.0,
        "s",
        0.8,
    );
    add(
        Tag::IndexLookup,
        "index_lookup",
        "index_lookup",
        INDEX_LOOKUPS as f64,
        "lookups/s",
        0.8,
    );
    add(Tag::DeleteHalf, "delete_half", "delete_half", 0.0, "s", 0.8);
    add(
        Tag::AutocommitInsert,
        "autocommit_insert",
        "autocommit_insert",
        AUTOCOMMIT_INSERTS as f64,
        "commits/s",
        0.9,
    );
    add(
        Tag::CliScript,
        "cli_script (processes)",
        "cli_script",
        0.0,
        "s",
        1.0,
    );
    v
}

/// The medians of one figure, per engine (NaN where none).
fn medians(samples: &[Vec<Sample>], key: &str) -> Vec<f64> {
    samples
        .iter()
        .map(|rounds| {
            median(
                rounds
                    .iter()
                    .filter_map(|s| s.figures.get(key).copied())
                    .collect(),
            )
        })
        .collect()
}

fn report(cfg: &Config, samples: &[Vec<Sample>], exp_rows: f64) -> String {
    let mut o = String::new();
    let both = cfg.engines.len() == 2;
    let _ = writeln!(
        o,
        "{:<26} {:>10} {:>10} {:<10} {:>7} {:>8}",
        "workload",
        cfg.engines[0].name(),
        if both { "SQLite" } else { "" },
        "unit",
        "ratio",
        "target",
    );
    for l in lines(cfg, exp_rows, cfg.lookups as f64) {
        let secs = medians(samples, l.key);
        let shown: Vec<String> = secs
            .iter()
            .map(|&s| {
                if l.count > 0.0 {
                    human(l.count / s)
                } else {
                    format!("{s:.3}")
                }
            })
            .collect();
        let (ratio, mark) = if both && secs.iter().all(|s| s.is_finite()) {
            let r = secs[1] / secs[0];
            (format!("{r:.2}"), if r >= l.target { "ok" } else { "MISS" })
        } else {
            ("-".into(), "")
        };
        let _ = writeln!(
            o,
            "{:<26} {:>10} {:>10} {:<10} {:>7} {:>8} {}",
            l.label,
            shown[0],
            shown.get(1).map_or("", String::as_str),
            l.unit,
            ratio,
            format!(">= {:.1}", l.target),
            mark
        );
    }
    o
}

fn details(cfg: &Config, samples: &[Vec<Sample>]) -> String {
    let mut o = String::new();
    if cfg.has(Tag::AutocommitInsert) {
        let _ = writeln!(
            o,
            "\nautocommit_insert ({AUTOCOMMIT_INSERTS} commits, medians over rounds):"
        );
        let p50 = medians(samples, "autocommit_insert.p50");
        let p99 = medians(samples, "autocommit_insert.p99");
        let fs = medians(samples, "autocommit_insert.fsyncs_per_commit");
        for (i, kind) in cfg.engines.iter().enumerate() {
            let fsyncs = if fs[i].is_finite() {
                format!(
                    ", {:.3} fsyncs per commit (pager counters, checkpoints included)",
                    fs[i]
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                o,
                "  {:<7} p50 {:>7.1} µs   p99 {:>7.1} µs{fsyncs}",
                kind.name(),
                p50[i] * 1e6,
                p99[i] * 1e6
            );
        }
    }
    if cfg.has(Tag::DeleteHalf) {
        let _ = writeln!(
            o,
            "\ndelete_half file sizes (database file + WAL, medians; before the DELETE, \
             after it, after a checkpoint):"
        );
        let f = |k| medians(samples, k);
        let (db0, wal0, db1, wal1, db2, wal2) = (
            f("delete_half.db_before"),
            f("delete_half.wal_before"),
            f("delete_half.db_after"),
            f("delete_half.wal_after"),
            f("delete_half.db_ckpt"),
            f("delete_half.wal_ckpt"),
        );
        let (pages, free) = (f("delete_half.page_count"), f("delete_half.freelist_count"));
        for (i, kind) in cfg.engines.iter().enumerate() {
            let _ = writeln!(
                o,
                "  {:<7} before {} + {}   after {} + {}   checkpointed {} + {}   ({} pages, {} free)",
                kind.name(),
                mib(db0[i]),
                mib(wal0[i]),
                mib(db1[i]),
                mib(wal1[i]),
                mib(db2[i]),
                mib(wal2[i]),
                pages[i],
                free[i]
            );
        }
    }
    o
}

fn growth_report(cfg: &Config, series: &[(u64, Vec<GrowthPoint>)]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "\ngrowth series ({} point lookups per mode; insert = bulk insert of all N rows, \
         one transaction; medians of {} rounds)",
        cfg.growth_lookups, cfg.rounds
    );
    let mut header = format!("{:>10}", "rows");
    for kind in &cfg.engines {
        for what in ["insert/s", "auto/s", "txn/s"] {
            let _ = write!(header, " {:>15}", format!("{} {what}", kind.name()));
        }
    }
    let _ = writeln!(o, "{header}");
    for (n, points) in series {
        let mut line = format!("{n:>10}");
        for p in points {
            let _ = write!(
                line,
                " {:>15} {:>15} {:>15}",
                human(*n as f64 / p.insert_s),
                human(cfg.growth_lookups as f64 / p.lookup_auto_s),
                human(cfg.growth_lookups as f64 / p.lookup_txn_s)
            );
        }
        let _ = writeln!(o, "{line}");
    }
    let base = series.iter().find(|(n, _)| *n == 10_000);
    for (_, (top_n, t)) in series
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| *n >= 1_000_000)
    {
        let Some((_, b)) = base else { break };
        for (i, kind) in cfg.engines.iter().enumerate() {
            let auto = b[i].lookup_auto_s / t[i].lookup_auto_s;
            let txn = b[i].lookup_txn_s / t[i].lookup_txn_s;
            // insert_s is for all the rows: per-row cost ratio.
            let insert = (b[i].insert_s / 10_000.0) / (t[i].insert_s / *top_n as f64);
            let mark = |r: f64| match (*kind, r >= 0.6) {
                (Kind::Walnut, true) => " ok",
                (Kind::Walnut, false) => " MISS",
                _ => "",
            };
            let _ = writeln!(
                o,
                "  {:<7} at {top_n} rows / at 10^4: lookups autocommit {auto:.2}{}, one txn \
                 {txn:.2}{}; insert rows/s {insert:.2}{}",
                kind.name(),
                mark(auto),
                mark(txn),
                if *kind == Kind::Walnut {
                    "   (lookup target >= 0.6 at 10^6)"
                } else {
                    "   (for reference)"
                }
            );
        }
    }
    o
}

// ---------------------------------------------------------------------------

fn run(cfg: &Config) -> BoxResult<Vec<String>> {
    let mut problems = Vec::new();
    let cmdline: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "vs_sqlite: N = {} rows, {} point lookups per mode, {} rounds; args: {}",
        cfg.rows,
        cfg.lookups,
        cfg.rounds,
        if cmdline.is_empty() {
            "(none)".into()
        } else {
            cmdline.join(" ")
        }
    );
    println!(
        "walnut: default options (4096-byte pages, {} pool frames = {}, synchronous=full); \
         SQLite {} (bundled): WAL, synchronous=FULL, default cache",
        Options::default().pool_frames,
        mib((Options::default().pool_frames * Options::default().page_size as usize) as f64),
        rusqlite::version()
    );

    let table = cfg.needs_table();
    let data = if table {
        eprintln!("generating {} rows", cfg.rows);
        table_rows(cfg.rows)
    } else {
        Vec::new()
    };
    let exp = Expected::new(cfg, &data)?;
    let script_dir = cfg.tempdir()?;
    let cli = if cfg.has(Tag::CliScript) {
        let cli = Cli::prepare(cfg, script_dir.path())?;
        for n in &cli.notes {
            println!("{n}");
        }
        Some(cli)
    } else {
        None
    };

    let mut samples: Vec<Vec<Sample>> = cfg.engines.iter().map(|_| Vec::new()).collect();
    let any_round = table || cfg.has(Tag::AutocommitInsert) || cli.as_ref().is_some_and(Cli::ready);
    for round in 0..cfg.rounds {
        if !any_round {
            break;
        }
        let order = round_order(cfg, round);
        let mut round_samples: Vec<Sample> =
            cfg.engines.iter().map(|_| Sample::default()).collect();
        for &e in &order {
            if table {
                table_workloads(cfg, cfg.engines[e], &data, &exp, &mut round_samples[e])?;
            }
        }
        if cfg.has(Tag::AutocommitInsert) {
            autocommit_workload(cfg, round, &mut round_samples)?;
        }
        for &e in &order {
            if let Some(cli) = cli.as_ref().filter(|c| c.ready()) {
                cli.run(cfg, cfg.engines[e], &mut round_samples[e])?;
            }
        }
        let mut round_samples: Vec<(usize, Sample)> =
            round_samples.into_iter().enumerate().collect();
        // Report in the order the engines ran.
        round_samples.sort_by_key(|(e, _)| order.iter().position(|o| o == e));
        for (e, mut s) in round_samples {
            let times: Vec<String> = s
                .figures
                .iter()
                .filter(|(k, _)| !k.contains('.'))
                .map(|(k, v)| format!("{k} {v:.3}"))
                .collect();
            eprintln!(
                "round {} {}: {} (s)",
                round + 1,
                cfg.engines[e].name(),
                times.join(", ")
            );
            problems.append(&mut s.problems);
            samples[e].push(s);
        }
    }
    drop(script_dir);
    if any_round {
        println!();
        print!("{}", report(cfg, &samples, cfg.rows as f64));
        println!(
            "ratio = walnut throughput / SQLite throughput (for times: SQLite s / walnut s); \
             above 1: walnut is faster"
        );
        print!("{}", details(cfg, &samples));
    }

    if cfg.has(Tag::PeakMemory) {
        eprintln!(
            "peak memory: walnut's {}-row bulk insert in a child process",
            cfg.rows
        );
        let [before, peak, closed] = peak_memory(cfg)?;
        let o = Options::default();
        let pool = (o.pool_frames * o.page_size as usize) as u64;
        println!(
            "\npeak memory of walnut's {}-row bulk insert (VmHWM of a child process): {} \
             (before the insert {}, including the close {}); pool {} + {} allowance = {} {}",
            cfg.rows,
            mib(peak as f64),
            mib(before as f64),
            mib(closed as f64),
            mib(pool as f64),
            mib(PEAK_ALLOWANCE as f64),
            mib((pool + PEAK_ALLOWANCE) as f64),
            if peak <= pool + PEAK_ALLOWANCE {
                "ok"
            } else {
                "MISS"
            }
        );
    }

    if cfg.has(Tag::Growth) {
        let series = growth_series(cfg, &mut problems)?;
        print!("{}", growth_report(cfg, &series));
    }
    Ok(problems)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(PEAK_CHILD_FLAG) {
        let parsed = match (args.get(1), args.get(2).map(|n| parse_count(n))) {
            (Some(dir), Some(Ok(rows))) => peak_memory_child(Path::new(dir), rows),
            _ => Err(format!("usage: {PEAK_CHILD_FLAG} DIR ROWS").into()),
        };
        return match parsed {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("peak-memory child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let cfg = match Config::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&cfg) {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            println!("\nPROBLEMS (wrong answers):");
            for p in problems {
                println!("  {p}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("vs_sqlite: {e}");
            ExitCode::FAILURE
        }
    }
}
