//! Pager benchmark: pages/s for buffer-pool hits, misses and commits of N
//! pages, and durable single-page commits/s beside the disk's own
//! `fdatasync` rate, every number measured in the same run.
//!
//! ```text
//! cargo run --release --example pager_bench              # ~60 s, 5 rounds
//! cargo run --release --example pager_bench -- --quick   # ~5 s smoke run
//! cargo run --release --example pager_bench -- --rounds 9 --dir /mnt/ssd
//! ```
//!
//! Everything runs in a fresh temporary directory (`--dir` picks the file
//! system it is created in; the default is the system temp dir). Each round
//! runs every measurement once, walnut (A) then its yardstick (B), A B A B
//! ..., and the table quotes the **median over the rounds**. A measurement
//! runs for a time budget (with a minimum number of operations) and its
//! rate is operations divided by the time spent in them.
//!
//! What is measured, and against which yardstick:
//!
//! 1. **Pool hits**: pages/s of `ReadTxn::page` over 32 pages that stay in a
//!    64-frame pool. Yardstick: `pread` of the same 4 KiB pages from the
//!    database file (served by the OS page cache). A ratio above 1 is what
//!    the pool saves over asking the kernel.
//! 2. **Pool misses**: pages/s of `ReadTxn::page` over a 20,000-page database
//!    (80 MB) with a 64-frame pool, in a random order (seeded splitmix64),
//!    so nearly every read misses; the hit rate comes from
//!    `Pager::stats()` deltas. Yardstick: `pread` of the same pages in the
//!    same order. The file was just written, so a "miss" is a read from the
//!    OS page cache plus the pager's checksum and eviction work, not a
//!    device read. The ratio (below 1) is the pager's overhead per miss.
//! 3. **Commits of N pages** (N = 1, 10, 100, 1000), `synchronous = Full`:
//!    each transaction rewrites N existing pages and commits (1,000-frame
//!    autocheckpoint, the default, so large commits also pay checkpoints;
//!    the columns show WAL frames, fsyncs and checkpoints per commit; a
//!    commit also rewrites the header page, so it writes N + 1 frames).
//!    Yardstick: appending N x 4 KiB to a plain file in one write, then
//!    `fdatasync`.
//! 4. **Durable single-page commits**: one page rewritten per transaction,
//!    `synchronous = Full`, timed from `begin_write` to the end of `commit`
//!    (p50 and p99 latency, commits/s). Yardstick, in the same round: a
//!    4 KiB append to a plain file followed by `File::sync_data`
//!    (`fdatasync`), and a 4 KiB overwrite of an already allocated block
//!    followed by `sync_data`. The last line says what fraction of the
//!    disk's fdatasync rate walnut's durable commits reach. Every durable
//!    commit needs at least one fdatasync of the WAL, so the matching
//!    yardstick rate is the ceiling. Which one matches: a growing WAL
//!    appends, but after each automatic checkpoint the WAL is reset and
//!    rewritten in place (it is not truncated), so in steady state a commit
//!    overwrites allocated blocks and the overwrite rate is the ceiling (a
//!    commit writes two frames, the page and the header page, ~8 KiB).
//!
//! Latencies are nearest-rank percentiles within a round, then the median
//! over rounds. Ratios are ratios of the medians; the per-round ratios are
//! printed beside them to show the spread. Progress goes to stderr, the
//! table to stdout. This is an example, not a timed test: nothing here
//! fails because the machine is slow.

#![forbid(unsafe_code)]

use std::error::Error;
use std::fs::{File, OpenOptions};
use std::hint::black_box;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use walnut::pager::rng::SplitMix64;
use walnut::pager::{PageType, Pager, PagerOptions, PagerStats, Synchronous};

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// Bytes per page, and per raw-disk write.
const PAGE: usize = 4096;
/// Pages read over and over for the pool-hit measurement.
const HIT_SET: u32 = 32;
/// Pool size for the read measurements.
const READ_POOL: usize = 64;
/// Data pages the commit measurement rewrites in rotation.
const COMMIT_SET: u32 = 1000;
/// Transaction sizes for the commit measurement.
const COMMIT_SIZES: [u32; 4] = [1, 10, 100, 1000];
/// Data pages the durable measurement rewrites in rotation.
const DURABLE_SET: u32 = 16;
/// Blocks of the preallocated overwrite file.
const OVERWRITE_BLOCKS: u64 = 256;
/// The append yardstick starts over (outside the timed part) past this.
const APPEND_CAP: u64 = 256 << 20;

/// Command-line settings and time budgets.
struct Config {
    rounds: usize,
    dir: Option<PathBuf>,
    miss_pages: u32,
    hit_budget: Duration,
    miss_budget: Duration,
    commit_budget: Duration,
    durable_budget: Duration,
    min_commits: u64,
    min_durable: u64,
}

impl Config {
    fn parse() -> BoxResult<Config> {
        let mut quick = false;
        let mut rounds = None;
        let mut dir = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--rounds" => {
                    let v = args.next().ok_or("--rounds needs a number")?;
                    let n: usize = v.parse().map_err(|_| format!("bad --rounds: {v}"))?;
                    if n == 0 {
                        return Err("--rounds must be at least 1".into());
                    }
                    rounds = Some(n);
                }
                "--dir" => dir = Some(PathBuf::from(args.next().ok_or("--dir needs a path")?)),
                "-h" | "--help" => {
                    println!(
                        "usage: pager_bench [--quick] [--rounds N] [--dir PATH]\n\
                         \n  --quick     ~5 s smoke run (3 rounds, short budgets)\
                         \n  --rounds N  rounds to take medians over (default 5, quick 3)\
                         \n  --dir PATH  create the temporary directory under PATH"
                    );
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument {other:?} (try --help)").into()),
            }
        }
        let ms = |full: u64| Duration::from_millis(if quick { full / 10 } else { full });
        Ok(Config {
            rounds: rounds.unwrap_or(if quick { 3 } else { 5 }),
            dir,
            miss_pages: 20_000,
            hit_budget: ms(250),
            miss_budget: ms(400),
            commit_budget: ms(500),
            durable_budget: ms(1000),
            min_commits: if quick { 2 } else { 3 },
            min_durable: if quick { 10 } else { 30 },
        })
    }
}

/// A data page in `2..=2 + count - 1` (page 1 is the header), drawn from
/// the seeded generator: the same random page order for walnut and `pread`.
fn random_page(rng: &mut SplitMix64, count: u32) -> u32 {
    2 + (rng.next_u64() % count as u64) as u32
}

/// One timed measurement: units done and the time spent doing them.
#[derive(Clone, Copy)]
struct Rate {
    units: u64,
    secs: f64,
}

impl Rate {
    fn per_sec(self) -> f64 {
        if self.secs > 0.0 {
            self.units as f64 / self.secs
        } else {
            0.0
        }
    }
}

/// Runs `batch` (which returns the units it did) until `budget` has passed
/// and it has run at least `min_batches` times.
fn run_for(
    budget: Duration,
    min_batches: u64,
    mut batch: impl FnMut() -> BoxResult<u64>,
) -> BoxResult<Rate> {
    let mut units = 0;
    let mut batches = 0;
    let start = Instant::now();
    while batches < min_batches || start.elapsed() < budget {
        units += batch()?;
        batches += 1;
    }
    Ok(Rate {
        units,
        secs: start.elapsed().as_secs_f64(),
    })
}

/// Per-operation latencies of one measurement.
struct Latencies {
    samples: Vec<Duration>,
}

impl Latencies {
    /// Runs `op` until `budget` has passed and it has run `min_ops` times,
    /// timing each call.
    fn collect(
        budget: Duration,
        min_ops: u64,
        mut op: impl FnMut() -> BoxResult<()>,
    ) -> BoxResult<Latencies> {
        let mut samples = Vec::new();
        let start = Instant::now();
        while (samples.len() as u64) < min_ops || start.elapsed() < budget {
            let t = Instant::now();
            op()?;
            samples.push(t.elapsed());
        }
        Ok(Latencies { samples })
    }

    fn rate(&self) -> f64 {
        let total: f64 = self.samples.iter().map(Duration::as_secs_f64).sum();
        if total > 0.0 {
            self.samples.len() as f64 / total
        } else {
            0.0
        }
    }

    /// Nearest-rank percentile, in seconds.
    fn percentile(&self, p: f64) -> f64 {
        let mut v: Vec<f64> = self.samples.iter().map(Duration::as_secs_f64).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return 0.0;
        }
        let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1]
    }
}

/// Rate, p50 and p99 of one latency measurement per round.
#[derive(Default)]
struct LatencySeries {
    rate: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
}

impl LatencySeries {
    fn push(&mut self, l: &Latencies) {
        self.rate.push(l.rate());
        self.p50.push(l.percentile(0.50));
        self.p99.push(l.percentile(0.99));
    }
}

/// One read measurement per round.
#[derive(Default)]
struct ReadSeries {
    walnut: Vec<f64>,
    pread: Vec<f64>,
    hit_rate: Vec<f64>,
}

/// One commit size per round.
#[derive(Default)]
struct CommitSeries {
    commits: Vec<f64>,
    pages: Vec<f64>,
    yardstick_pages: Vec<f64>,
    frames_per_commit: Vec<f64>,
    fsyncs_per_commit: Vec<f64>,
    checkpoints_per_commit: Vec<f64>,
}

/// Durable commit extras per round.
#[derive(Default)]
struct DurableExtras {
    frames_per_commit: Vec<f64>,
    fsyncs_per_commit: Vec<f64>,
    checkpoints: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// `1234567.8` -> `"1,234,568"`; small numbers keep a decimal or two.
fn num(x: f64) -> String {
    if x < 10.0 {
        return format!("{x:.2}");
    }
    if x < 1000.0 {
        return format!("{x:.1}");
    }
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn dur(secs: f64) -> String {
    if secs < 1e-3 {
        format!("{:.1} us", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

fn ratios(a: &[f64], b: &[f64]) -> String {
    let parts: Vec<String> = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| format!("{:.2}", ratio(x, y)))
        .collect();
    parts.join(" ")
}

/// Creates a database of `data_pages` pages after the header, closes it
/// (checkpointing everything into the main file) and returns its path.
fn build_db(dir: &Path, name: &str, data_pages: u32) -> BoxResult<PathBuf> {
    let path = dir.join(name);
    let options = PagerOptions {
        pool_frames: 2048,
        synchronous: Synchronous::Off,
        ..PagerOptions::default()
    };
    let pager = Pager::open(&path, options)?;
    let mut left = data_pages;
    while left > 0 {
        let n = left.min(1000);
        let tx = pager.begin_write()?;
        for _ in 0..n {
            let mut page = tx.allocate(PageType::BTreeLeaf)?;
            let id = page.id();
            page.body_mut()[..4].copy_from_slice(&id.to_le_bytes());
        }
        tx.commit()?;
        left -= n;
    }
    pager.close()?;
    Ok(path)
}

/// Pages/s of `ReadTxn::page` over the pages `next_id` names, plus the
/// pool hit rate from `Pager::stats()` deltas.
fn walnut_reads(
    pager: &Pager,
    budget: Duration,
    mut next_id: impl FnMut() -> u32,
) -> BoxResult<(Rate, f64)> {
    let rx = pager.begin_read()?;
    let before = pager.stats();
    let rate = run_for(budget, 1, || {
        for _ in 0..1024 {
            let page = rx.page(next_id())?;
            black_box(page.body()[0]);
        }
        Ok(1024)
    })?;
    let d: PagerStats = pager.stats().since(&before);
    Ok((rate, ratio(d.hits as f64, (d.hits + d.misses) as f64)))
}

/// Pages/s of `pread` of the 4 KiB pages of `file` that `next_id` names.
fn pread_reads(file: &File, budget: Duration, mut next_id: impl FnMut() -> u32) -> BoxResult<Rate> {
    let mut buf = vec![0u8; PAGE];
    run_for(budget, 1, || {
        for _ in 0..1024 {
            let id = next_id() as u64;
            file.read_exact_at(&mut buf, (id - 1) * PAGE as u64)?;
            black_box(buf[0]);
        }
        Ok(1024)
    })
}

/// One `synchronous = Full` transaction rewriting `n` pages of the
/// rotating set starting at `*cursor`.
fn commit_pages(pager: &Pager, n: u32, set: u32, cursor: &mut u64) -> BoxResult<()> {
    let tx = pager.begin_write()?;
    for _ in 0..n {
        let id = 2 + (*cursor % set as u64) as u32;
        let mut page = tx.page_mut(id)?;
        page.body_mut()[4..12].copy_from_slice(&cursor.to_le_bytes());
        *cursor += 1;
    }
    let info = tx.commit()?;
    if let Some(Err(e)) = info.autocheckpoint {
        return Err(e.into());
    }
    Ok(())
}

/// A fresh plain file for append yardsticks, its creation already synced.
fn fresh_file(path: &Path) -> BoxResult<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    file.sync_all()?;
    Ok(file)
}

/// Pages/s of "append `pages` x 4 KiB in one write, then fdatasync".
fn append_yardstick(path: &Path, pages: u32, budget: Duration, min: u64) -> BoxResult<Rate> {
    let file = fresh_file(path)?;
    let buf = vec![0xA5u8; pages as usize * PAGE];
    let mut offset = 0u64;
    let mut units = 0u64;
    let mut secs = 0.0;
    let mut ops = 0u64;
    let start = Instant::now();
    while ops < min || start.elapsed() < budget {
        if offset + buf.len() as u64 > APPEND_CAP {
            file.set_len(0)?;
            file.sync_all()?;
            offset = 0;
        }
        let t = Instant::now();
        file.write_all_at(&buf, offset)?;
        file.sync_data()?;
        secs += t.elapsed().as_secs_f64();
        offset += buf.len() as u64;
        units += pages as u64;
        ops += 1;
    }
    Ok(Rate { units, secs })
}

fn main() -> BoxResult<()> {
    let cfg = Config::parse()?;
    let tmp = match &cfg.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let dir = tmp.path();
    let wall = Instant::now();

    eprintln!("setting up in {} ...", dir.display());
    let miss_path = build_db(dir, "reads.db", cfg.miss_pages)?;
    let commit_path = build_db(dir, "commits.db", COMMIT_SET)?;
    let durable_path = build_db(dir, "durable.db", DURABLE_SET)?;
    let setup_secs = wall.elapsed().as_secs_f64();

    let reads = Pager::open(
        &miss_path,
        PagerOptions {
            pool_frames: READ_POOL,
            ..PagerOptions::default()
        },
    )?;
    let raw_reads = File::open(&miss_path)?;
    let commits = Pager::open(
        &commit_path,
        PagerOptions {
            pool_frames: 2048,
            synchronous: Synchronous::Full,
            ..PagerOptions::default()
        },
    )?;
    let durable = Pager::open(
        &durable_path,
        PagerOptions {
            synchronous: Synchronous::Full,
            ..PagerOptions::default()
        },
    )?;
    let append_path = dir.join("append.bin");
    let overwrite_path = dir.join("overwrite.bin");
    let overwrite_file = fresh_file(&overwrite_path)?;
    overwrite_file.write_all_at(&vec![0x5Au8; OVERWRITE_BLOCKS as usize * PAGE], 0)?;
    overwrite_file.sync_all()?;

    let mut hits = ReadSeries::default();
    let mut misses = ReadSeries::default();
    let mut commit_series: Vec<CommitSeries> = COMMIT_SIZES
        .iter()
        .map(|_| CommitSeries::default())
        .collect();
    let mut walnut_durable = LatencySeries::default();
    let mut durable_extras = DurableExtras::default();
    let mut disk_append = LatencySeries::default();
    let mut disk_overwrite = LatencySeries::default();
    let mut commit_cursor = 0u64;
    let mut durable_cursor = 0u64;

    for round in 0..cfg.rounds {
        eprintln!("round {}/{} ...", round + 1, cfg.rounds);

        // 1. Pool hits: warm the set, then A (walnut) and B (pread).
        {
            let rx = reads.begin_read()?;
            for id in 2..2 + HIT_SET {
                black_box(rx.page(id)?.body()[0]);
            }
        }
        let mut k = 0u32;
        let (rate, hit_rate) = walnut_reads(&reads, cfg.hit_budget, || {
            k = k.wrapping_add(1);
            2 + k % HIT_SET
        })?;
        hits.walnut.push(rate.per_sec());
        hits.hit_rate.push(hit_rate);
        let mut k = 0u32;
        let rate = pread_reads(&raw_reads, cfg.hit_budget, || {
            k = k.wrapping_add(1);
            2 + k % HIT_SET
        })?;
        hits.pread.push(rate.per_sec());

        // 2. Pool misses: the same random order for A and B.
        let seed = 0x5EED_0000 + round as u64;
        let mut rng = SplitMix64::new(seed);
        let (rate, hit_rate) = walnut_reads(&reads, cfg.miss_budget, || {
            random_page(&mut rng, cfg.miss_pages)
        })?;
        misses.walnut.push(rate.per_sec());
        misses.hit_rate.push(hit_rate);
        let mut rng = SplitMix64::new(seed);
        let rate = pread_reads(&raw_reads, cfg.miss_budget, || {
            random_page(&mut rng, cfg.miss_pages)
        })?;
        misses.pread.push(rate.per_sec());

        // 3. Commits of N pages, synchronous = Full, then the append yardstick.
        for (&n, series) in COMMIT_SIZES.iter().zip(&mut commit_series) {
            let before = commits.stats();
            let rate = run_for(cfg.commit_budget, cfg.min_commits, || {
                commit_pages(&commits, n, COMMIT_SET, &mut commit_cursor)?;
                Ok(1)
            })?;
            let d = commits.stats().since(&before);
            let c = d.commits.max(1) as f64;
            series.commits.push(rate.per_sec());
            series.pages.push(rate.per_sec() * n as f64);
            series.frames_per_commit.push(d.wal_frames as f64 / c);
            series.fsyncs_per_commit.push(d.fsyncs as f64 / c);
            series.checkpoints_per_commit.push(d.checkpoints as f64 / c);
            let y = append_yardstick(&append_path, n, cfg.commit_budget, cfg.min_commits)?;
            series.yardstick_pages.push(y.per_sec());
        }

        // 4. Durable single-page commits (A), then the raw disk (B).
        let before = durable.stats();
        let lat = Latencies::collect(cfg.durable_budget, cfg.min_durable, || {
            commit_pages(&durable, 1, DURABLE_SET, &mut durable_cursor)
        })?;
        let d = durable.stats().since(&before);
        let c = d.commits.max(1) as f64;
        walnut_durable.push(&lat);
        durable_extras
            .frames_per_commit
            .push(d.wal_frames as f64 / c);
        durable_extras.fsyncs_per_commit.push(d.fsyncs as f64 / c);
        durable_extras.checkpoints.push(d.checkpoints as f64);

        let file = fresh_file(&append_path)?;
        let block = vec![0xC3u8; PAGE];
        let mut offset = 0u64;
        let lat = Latencies::collect(cfg.durable_budget, cfg.min_durable, || {
            file.write_all_at(&block, offset)?;
            file.sync_data()?;
            offset += PAGE as u64;
            Ok(())
        })?;
        disk_append.push(&lat);

        let mut b = 0u64;
        let lat = Latencies::collect(cfg.durable_budget, cfg.min_durable, || {
            overwrite_file.write_all_at(&block, (b % OVERWRITE_BLOCKS) * PAGE as u64)?;
            overwrite_file.sync_data()?;
            b += 1;
            Ok(())
        })?;
        disk_overwrite.push(&lat);
    }

    drop(raw_reads);
    reads.close()?;
    commits.close()?;
    durable.close()?;

    // ---- The table ----
    let m = median;
    println!();
    println!(
        "walnut pager benchmark: medians of {} rounds, walnut (A) and yardstick (B) alternating",
        cfg.rounds
    );
    println!(
        "page size {PAGE} B, temp dir {} (setup {:.1} s, total {:.1} s)",
        dir.display(),
        setup_secs,
        wall.elapsed().as_secs_f64()
    );

    println!();
    println!("1-2. Reads through ReadTxn::page (yardstick: pread of the same 4 KiB pages)");
    println!(
        "  {:<44} {:>14} {:>14} {:>8} {:>9}",
        "", "walnut pg/s", "pread pg/s", "ratio", "hit rate"
    );
    let read_row = |label: String, s: &ReadSeries| {
        println!(
            "  {:<44} {:>14} {:>14} {:>7.2}x {:>8.2}%",
            label,
            num(m(&s.walnut)),
            num(m(&s.pread)),
            ratio(m(&s.walnut), m(&s.pread)),
            m(&s.hit_rate) * 100.0
        );
    };
    read_row(
        format!("pool hits ({HIT_SET} pages, {READ_POOL}-frame pool)"),
        &hits,
    );
    read_row(
        format!(
            "pool misses ({} pages random, {READ_POOL} frames)",
            num(cfg.miss_pages as f64)
        ),
        &misses,
    );
    println!(
        "  per-round ratios: hits [{}]  misses [{}]",
        ratios(&hits.walnut, &hits.pread),
        ratios(&misses.walnut, &misses.pread)
    );

    println!();
    println!("3. Commits of N pages, synchronous=Full (yardstick: append N x 4 KiB + fdatasync)");
    println!(
        "  {:>6} {:>11} {:>12} {:>14} {:>8} {:>13} {:>13} {:>13}",
        "N",
        "commits/s",
        "pages/s",
        "disk pages/s",
        "ratio",
        "frames/commit",
        "fsyncs/commit",
        "ckpts/commit"
    );
    for (&n, s) in COMMIT_SIZES.iter().zip(&commit_series) {
        println!(
            "  {:>6} {:>11} {:>12} {:>14} {:>7.2}x {:>13.1} {:>13.2} {:>13.2}",
            n,
            num(m(&s.commits)),
            num(m(&s.pages)),
            num(m(&s.yardstick_pages)),
            ratio(m(&s.pages), m(&s.yardstick_pages)),
            m(&s.frames_per_commit),
            m(&s.fsyncs_per_commit),
            m(&s.checkpoints_per_commit)
        );
    }
    for (&n, s) in COMMIT_SIZES.iter().zip(&commit_series) {
        println!(
            "  per-round ratios N={n}: [{}]",
            ratios(&s.pages, &s.yardstick_pages)
        );
    }

    println!();
    println!("4. Durable single-page commits, synchronous=Full, beside the disk's fdatasync");
    println!("  {:<40} {:>10} {:>11} {:>11}", "", "ops/s", "p50", "p99");
    let lat_row = |label: &str, s: &LatencySeries| {
        println!(
            "  {:<40} {:>10} {:>11} {:>11}",
            label,
            num(m(&s.rate)),
            dur(m(&s.p50)),
            dur(m(&s.p99))
        );
    };
    lat_row("walnut commit (1 page rewritten)", &walnut_durable);
    lat_row("disk: 4 KiB append + fdatasync", &disk_append);
    lat_row("disk: 4 KiB overwrite + fdatasync", &disk_overwrite);
    println!(
        "  walnut per commit: {:.1} WAL frames, {:.2} fsyncs; {:.0} checkpoints per round",
        m(&durable_extras.frames_per_commit),
        m(&durable_extras.fsyncs_per_commit),
        m(&durable_extras.checkpoints)
    );
    let append_ratio = ratio(m(&walnut_durable.rate), m(&disk_append.rate));
    let overwrite_ratio = ratio(m(&walnut_durable.rate), m(&disk_overwrite.rate));
    println!(
        "  per-round ratios: vs append [{}]  vs overwrite [{}]",
        ratios(&walnut_durable.rate, &disk_append.rate),
        ratios(&walnut_durable.rate, &disk_overwrite.rate)
    );
    println!();
    println!(
        "walnut durable commits reach {:.2} ({:.0}%) of the disk's fdatasync rate \
         (4 KiB append), {:.2} ({:.0}%) of its 4 KiB overwrite rate",
        append_ratio,
        append_ratio * 100.0,
        overwrite_ratio,
        overwrite_ratio * 100.0
    );
    Ok(())
}
