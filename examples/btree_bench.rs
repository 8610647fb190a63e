//! B+Tree benchmark: sequential and random inserts, point lookups and full
//! scans at 10^4, 10^5 and 10^6 keys, showing how the cost per operation
//! grows with the size of the tree.
//!
//! ```text
//! cargo run --release --example btree_bench              # 10^4, 10^5, 10^6 (~1 min)
//! cargo run --release --example btree_bench -- --quick   # 10^4 and 10^5 only
//! cargo run --release --example btree_bench -- --pool 4096 --dir /mnt/ssd
//! ```
//!
//! For each N, a new database in a fresh temporary directory on the real
//! file system (`--dir` picks where it is created; the default is the
//! system temp dir), 4096-byte pages, `synchronous = full`, the default
//! automatic checkpoint, keys the 8-byte big-endian numbers `0..N`, values
//! 100 bytes. Four phases, each timed from start to end:
//!
//! 1. **seq insert**: one write transaction inserts keys `0..N` in
//!    ascending order into tree `seq`, then commits (the commit, with its
//!    WAL fsync and the automatic checkpoint it triggers, is part of the
//!    phase; the `commit ms` column shows its share).
//! 2. **rand insert**: the same keys in a seeded random order (SplitMix64
//!    Fisher-Yates) into tree `rand`, one transaction, likewise.
//! 3. **lookup**: one read transaction looks up all N keys of `rand` in
//!    another random order (every lookup hits).
//! 4. **scan**: one read transaction iterates `rand` from first to last.
//!
//! The read phases repeat their work three times inside their one read
//! transaction and report the median round (and its pager counters); the
//! insert phases cannot be repeated on the same tree and run once. Small
//! sizes are quick and so noisy: the whole measurement runs 5 times (on
//! new databases) at 10^4 keys, 3 times at 10^5, once at 10^6, and each
//! row is the median run of that phase.
//!
//! Each row prints operations per second, nanoseconds per operation, and
//! **growth**: the cost per operation at N divided by the cost per
//! operation at N = 10^4 in the same run. A B+Tree lookup reads one page
//! per level, so its cost should follow the tree's height (printed from
//! `walnut_btree::stats::tree_stats`), i.e. grow like log N, not like N;
//! the `log N ratio` column, ln N / ln 10^4, is that reference. With a
//! fan-out of a few hundred, the height barely moves between 10^4 and 10^6
//! keys; `pages/op` (pool requests per operation, from the pager's
//! counters) shows how many pages each operation really touched. When the
//! time per operation grows faster than `pages/op`, each page request got
//! dearer, not more numerous: a larger pool, page table and tree spread
//! over more memory than the CPU caches hold. A scan reads each leaf once,
//! so its cost per entry should stay flat. The pager's counters for the
//! phase (pool hits, misses, spills of uncommitted pages to the WAL) also
//! show whether the working set fit in the pool.
//!
//! The pool (`--pool`, default 65,536 frames = 256 MiB, allocated when the
//! database opens) holds a whole tree even at 10^6 keys, so the numbers are
//! the tree's own cost, not the disk's; with a small pool, large random
//! inserts spill and re-read pages, and misses dominate (try `--pool
//! 2048`). Ratios within one run are what to read: absolute rates depend
//! on the machine. This is an example, not a timed test: nothing fails
//! because the machine is slow. Progress goes to stderr, results to
//! stdout.

#![forbid(unsafe_code)]

use std::error::Error;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use walnut::pager::rng::SplitMix64;
use walnut::pager::{Pager, PagerOptions, PagerStats};
use walnut_btree::{BTree, Catalog, EntryKind, InsertMode, tree_stats};

type BoxResult<T> = Result<T, Box<dyn Error>>;

const PAGE_SIZE: u32 = 4096;
const VALUE_LEN: usize = 100;
const BASE_N: u64 = 10_000;
/// Rounds of each read phase (inside its one read transaction); the
/// median is reported.
const READ_ROUNDS: usize = 3;

struct Config {
    sizes: Vec<u64>,
    pool_frames: usize,
    dir: Option<PathBuf>,
}

impl Config {
    fn parse() -> BoxResult<Config> {
        let mut config = Config {
            sizes: vec![10_000, 100_000, 1_000_000],
            pool_frames: 65_536,
            dir: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => config.sizes = vec![10_000, 100_000],
                "--pool" => {
                    let v = args.next().ok_or("--pool needs a number of frames")?;
                    config.pool_frames = v.parse().map_err(|_| format!("bad --pool {v:?}"))?;
                }
                "--dir" => config.dir = Some(args.next().ok_or("--dir needs a path")?.into()),
                "-h" | "--help" => {
                    println!("usage: btree_bench [--quick] [--pool FRAMES] [--dir PATH]");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)").into()),
            }
        }
        Ok(config)
    }
}

/// `0..n` in a seeded random order.
fn permutation(n: u64, seed: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..n).collect();
    let mut rng = SplitMix64::new(seed);
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

/// The phases, in the order they run.
const PHASES: [&str; 4] = ["seq insert", "rand insert", "lookup", "scan"];

/// One phase at one N.
#[derive(Debug, Clone, Copy)]
struct Measure {
    n: u64,
    ops: u64,
    elapsed: Duration,
    /// Time spent in `commit()` (insert phases).
    commit: Option<Duration>,
    /// Height of the tree the phase worked on, after it.
    height: usize,
    stats: PagerStats,
}

impl Measure {
    fn ns_per_op(&self) -> f64 {
        self.elapsed.as_nanos() as f64 / self.ops as f64
    }
    fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64()
    }
}

/// Inserts `keys` (in that order) into a new tree `name`, in one
/// transaction, and commits.
fn insert_phase(pager: &Pager, name: &str, keys: &[u64]) -> BoxResult<(BTree, Measure)> {
    let mut value = vec![0u8; VALUE_LEN];
    for (i, b) in value.iter_mut().enumerate() {
        *b = b'a' + (i % 26) as u8;
    }
    let before = pager.stats();
    let start = Instant::now();
    let tx = pager.begin_write()?;
    let tree = Catalog::create_tree(&tx, name, EntryKind::Table, b"")?;
    for &k in keys {
        let key = k.to_be_bytes();
        value[..8].copy_from_slice(&key);
        tree.insert(&tx, &key, &value, InsertMode::Reject)?;
    }
    let commit_start = Instant::now();
    let info = tx.commit()?;
    let end = Instant::now();
    if let Some(Err(e)) = info.autocheckpoint {
        return Err(format!("automatic checkpoint after {name}: {e}").into());
    }
    let stats = pager.stats().since(&before);
    let height = tree_stats(&pager.begin_read()?, tree)?.height;
    Ok((
        tree,
        Measure {
            n: keys.len() as u64,
            ops: keys.len() as u64,
            elapsed: end - start,
            commit: Some(end - commit_start),
            height,
            stats,
        },
    ))
}

/// Runs `round` `READ_ROUNDS` times; returns the median time and the
/// pager counters of that round.
fn median_round(
    pager: &Pager,
    mut round: impl FnMut() -> BoxResult<()>,
) -> BoxResult<(Duration, PagerStats)> {
    let mut rounds = Vec::new();
    for _ in 0..READ_ROUNDS {
        let before = pager.stats();
        let start = Instant::now();
        round()?;
        rounds.push((start.elapsed(), pager.stats().since(&before)));
    }
    rounds.sort_by_key(|(d, _)| *d);
    Ok(rounds[rounds.len() / 2])
}

/// Looks up every key of `keys` in `tree`, in one read transaction.
fn lookup_phase(pager: &Pager, tree: BTree, keys: &[u64]) -> BoxResult<Measure> {
    let rx = pager.begin_read()?;
    let (elapsed, stats) = median_round(pager, || {
        let mut found = 0u64;
        for &k in keys {
            let v = tree.get(&rx, &k.to_be_bytes())?;
            found += black_box(v).map_or(0, |v| (v.len() == VALUE_LEN) as u64);
        }
        if found != keys.len() as u64 {
            return Err(format!("lookup found {found} of {} keys", keys.len()).into());
        }
        Ok(())
    })?;
    Ok(Measure {
        n: keys.len() as u64,
        ops: keys.len() as u64,
        elapsed,
        commit: None,
        height: tree_stats(&rx, tree)?.height,
        stats,
    })
}

/// Iterates `tree` from first to last in one read transaction.
fn scan_phase(pager: &Pager, tree: BTree, n: u64) -> BoxResult<Measure> {
    let rx = pager.begin_read()?;
    let (elapsed, stats) = median_round(pager, || {
        let mut count = 0u64;
        let mut last = None;
        for kv in tree.iter(&rx)? {
            let (k, v) = kv?;
            black_box(&v);
            last = Some(k);
            count += 1;
        }
        if count != n || last != n.checked_sub(1).map(|k| k.to_be_bytes().to_vec()) {
            return Err(format!("scan saw {count} entries, expected {n}").into());
        }
        Ok(())
    })?;
    Ok(Measure {
        n,
        ops: n,
        elapsed,
        commit: None,
        height: tree_stats(&rx, tree)?.height,
        stats,
    })
}

/// All four phases at one N, on a new database.
fn run_size(config: &Config, n: u64) -> BoxResult<[Measure; 4]> {
    let dir = match &config.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let options = PagerOptions {
        page_size: PAGE_SIZE,
        pool_frames: config.pool_frames,
        ..PagerOptions::default()
    };
    let pager = Pager::open(dir.path().join("bench.db"), options)?;
    let ascending: Vec<u64> = (0..n).collect();
    let insert_order = permutation(n, 0xB7EE ^ n);
    let lookup_order = permutation(n, 0x100C ^ n);

    eprintln!("N = {n}: sequential inserts");
    let (_, seq) = insert_phase(&pager, "seq", &ascending)?;
    eprintln!("N = {n}: random inserts");
    let (rand_tree, rand) = insert_phase(&pager, "rand", &insert_order)?;
    eprintln!("N = {n}: lookups");
    let lookup = lookup_phase(&pager, rand_tree, &lookup_order)?;
    eprintln!("N = {n}: scan");
    let scan = scan_phase(&pager, rand_tree, n)?;
    let pages = pager.begin_read()?.page_count();
    eprintln!(
        "N = {n}: database of {pages} pages ({:.1} MiB)",
        pages as f64 * PAGE_SIZE as f64 / (1 << 20) as f64
    );
    pager.close()?;
    Ok([seq, rand, lookup, scan])
}

/// Runs (new databases) per size: more for the small, noisy ones.
fn runs_for(n: u64) -> usize {
    if n <= 10_000 {
        5
    } else if n <= 100_000 {
        3
    } else {
        1
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let config = Config::parse()?;
    let mut results: Vec<[Measure; 4]> = Vec::new();
    for &n in &config.sizes {
        // Small sizes are quick and noisy: run them on several new
        // databases and keep, phase by phase, the median run.
        let runs = runs_for(n);
        let mut all = Vec::new();
        for _ in 0..runs {
            all.push(run_size(&config, n)?);
        }
        results.push(std::array::from_fn(|p| {
            let mut phase: Vec<Measure> = all.iter().map(|r| r[p]).collect();
            phase.sort_by(|a, b| a.ns_per_op().total_cmp(&b.ns_per_op()));
            phase[phase.len() / 2]
        }));
    }

    println!(
        "walnut B+Tree: {PAGE_SIZE}-byte pages, {}-frame pool ({} MiB), synchronous = full, \
         8-byte big-endian keys, {VALUE_LEN}-byte values",
        config.pool_frames,
        (config.pool_frames * PAGE_SIZE as usize) >> 20
    );
    println!(
        "growth = cost per operation at N / cost per operation at N = 10^4; \
         log N ratio = ln N / ln 10^4"
    );
    let runs: Vec<String> = config
        .sizes
        .iter()
        .map(|&n| format!("{} at N = {}", runs_for(n), thousands(n)))
        .collect();
    println!(
        "runs on new databases per N (each row is the median run): {}",
        runs.join(", ")
    );
    println!(
        "insert phases are one transaction each, commit (WAL fsync + automatic checkpoint) included"
    );
    for (p, phase) in PHASES.iter().enumerate() {
        println!();
        println!(
            "{:<12} {:>10} {:>11} {:>7} {:>7} {:>6} {:>7} {:>9} {:>11} {:>9} {:>8} {:>7}",
            phase,
            "N",
            "ops/s",
            "ns/op",
            "growth",
            "log N",
            "height",
            "pages/op",
            "pool hits",
            "misses",
            "spills",
            "commit"
        );
        println!(
            "{:<12} {:>10} {:>11} {:>7} {:>7} {:>6} {:>7} {:>9} {:>11} {:>9} {:>8} {:>7}",
            "", "", "", "", "vs 10^4", "ratio", "", "", "", "", "", "ms"
        );
        let base = results[0][p];
        for row in &results {
            let m = row[p];
            let growth = m.ns_per_op() / base.ns_per_op();
            let log_ratio = (m.n as f64).ln() / (BASE_N as f64).ln();
            let commit = m
                .commit
                .map_or("-".to_string(), |c| format!("{:.0}", c.as_secs_f64() * 1e3));
            let pages_per_op = (m.stats.hits + m.stats.misses) as f64 / m.ops as f64;
            println!(
                "{:<12} {:>10} {:>11} {:>7.0} {:>6.2}x {:>6.2} {:>7} {:>9.2} {:>11} {:>9} {:>8} {:>7}",
                "",
                thousands(m.n),
                thousands(m.ops_per_sec() as u64),
                m.ns_per_op(),
                growth,
                log_ratio,
                m.height,
                pages_per_op,
                thousands(m.stats.hits),
                thousands(m.stats.misses),
                thousands(m.stats.spills),
                commit
            );
        }
    }
    println!();
    for row in results.iter().skip(1) {
        let (m, base) = (row[2], results[0][2]);
        let pages = |m: &Measure| (m.stats.hits + m.stats.misses) as f64 / m.ops as f64;
        println!(
            "lookups at N = {}: {:.2}x the time per lookup of N = 10^4 (ln N / ln 10^4 = {:.2}); \
             height {} vs {}, pages per lookup {:.2} vs {:.2}",
            thousands(m.n),
            m.ns_per_op() / base.ns_per_op(),
            (m.n as f64).ln() / (BASE_N as f64).ln(),
            m.height,
            base.height,
            pages(&m),
            pages(&base)
        );
    }
    Ok(())
}
