//! `.trace on`: what each statement cost the storage engine.
//!
//! The pager keeps counters ([`PagerStats`]); the shell copies them before
//! and after a statement, and the difference is the statement's cost:
//!
//! ```text
//! -- cost: 14 hits, 2 misses, 0 evictions, 3 pages dirtied, 4 WAL frames (16.5 KiB), 1 fsync, 0.412 ms
//! ```
//!
//! * **hits / misses**: page requests served from the buffer pool, or read
//!   from the main file or the WAL;
//! * **evictions**: frames reused for another page (the pool was full);
//! * **pages dirtied**: pages copied for writing (copy-on-write) or
//!   allocated;
//! * **WAL frames / bytes**: what the commit (and any spill) appended;
//! * **fsyncs**: durability's price, one per commit with `.sync full`, two
//!   with `.sync extra`.

use crate::views::plural as count;
use std::time::Duration;
use walnut_pager::PagerStats;

/// One line describing a statement's cost.
///
/// ```
/// use walnut_pager::PagerStats;
/// use std::time::Duration;
///
/// let cost = PagerStats { hits: 3, misses: 1, wal_frames: 2, wal_bytes: 8240, fsyncs: 1, ..Default::default() };
/// assert_eq!(
///     walnut_repl::trace::describe(&cost, Duration::from_micros(1500)),
///     "-- cost: 3 hits, 1 miss, 0 evictions, 0 pages dirtied, 2 WAL frames (8.0 KiB), 1 fsync, 1.500 ms"
/// );
/// ```
pub fn describe(cost: &PagerStats, elapsed: Duration) -> String {
    format!(
        "-- cost: {}, {}, {}, {} dirtied, {} ({}), {}, {:.3} ms",
        count(cost.hits, "hit", "hits"),
        count(cost.misses, "miss", "misses"),
        count(cost.evictions, "eviction", "evictions"),
        count(cost.pages_dirtied, "page", "pages"),
        count(cost.wal_frames, "WAL frame", "WAL frames"),
        bytes(cost.wal_bytes),
        count(cost.fsyncs, "fsync", "fsyncs"),
        elapsed.as_secs_f64() * 1000.0
    )
}

/// Bytes in a unit a person reads at a glance.
pub fn bytes(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    }
}
