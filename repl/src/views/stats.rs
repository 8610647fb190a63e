//! `.stats`: the pager's counters since the database was opened, and its
//! settings.
//!
//! The counters say what the work so far cost in pages and I/O:
//!
//! * the buffer pool: **hits** (the page was already in a frame),
//!   **misses** (it had to be read from disk), **evictions** (a frame was
//!   reused for another page), **spills** (a writer's uncommitted page
//!   written to the WAL early to free a frame), **pages dirtied** (copied
//!   for writing or newly allocated);
//! * I/O: page images **read** and **written** (WAL frames and checkpoint
//!   copies), **WAL frames** and **bytes** appended, and **fsyncs**, the
//!   expensive part of a commit;
//! * transactions: **commits** and **rollbacks**;
//! * checkpoints: how many ran, **pages checkpointed** (copied from the
//!   WAL into the main file), and **WAL resets** (the WAL emptied, new
//!   salts, numbering back at frame 1).
//!
//! Then the WAL as it is now (frames of the current generation written,
//! committed and backfilled, and the pages that have a version in it),
//! and the settings: pool size, page size, `synchronous` (when the WAL is
//! fsynced: `full` at every commit, `normal` only at checkpoints, `off`
//! never) and the automatic checkpoint threshold.

use super::fields;
use crate::error::Result;
use walnut_pager::{Pager, Synchronous};

/// Every pager counter, the WAL's marks, and the settings.
pub fn stats(pager: &Pager) -> Result<String> {
    let s = pager.stats();
    let wal = pager.wal_status();
    let n = |v: u64| v.to_string();
    let mut out = String::from("counters since open\n");
    out.push_str(&fields(
        &[
            ("hits", n(s.hits)),
            ("misses", n(s.misses)),
            ("evictions", n(s.evictions)),
            ("spills", n(s.spills)),
            ("pages dirtied", n(s.pages_dirtied)),
            ("pages read", n(s.pages_read)),
            ("pages written", n(s.pages_written)),
            ("WAL frames appended", n(s.wal_frames)),
            ("WAL bytes appended", n(s.wal_bytes)),
            ("commits", n(s.commits)),
            ("rollbacks", n(s.rollbacks)),
            ("fsyncs", n(s.fsyncs)),
            ("checkpoints", n(s.checkpoints)),
            ("pages checkpointed", n(s.pages_checkpointed)),
            ("WAL resets", n(s.wal_resets)),
        ],
        "  ",
    ));
    out.push_str("\nWAL now\n");
    out.push_str(&fields(
        &[
            ("frames written", n(wal.written_frames)),
            ("frames committed", n(wal.committed_frames)),
            ("frames backfilled", n(wal.backfilled_frames)),
            ("pages in the WAL", wal.pages_in_wal.to_string()),
            ("active readers", wal.reader_snapshots.len().to_string()),
        ],
        "  ",
    ));
    let sync = match pager.synchronous() {
        Synchronous::Extra => "extra",
        Synchronous::Full => "full",
        Synchronous::Normal => "normal",
        Synchronous::Off => "off",
    };
    let auto = match pager.autocheckpoint() {
        0 => "off".to_string(),
        f => format!("at {f} WAL frames"),
    };
    out.push_str("\nsettings\n");
    out.push_str(&fields(
        &[
            ("pool size", format!("{} frames", pager.pool_frames())),
            ("page size", format!("{} bytes", pager.page_size())),
            ("synchronous", sync.to_string()),
            ("autocheckpoint", auto),
        ],
        "  ",
    ));
    Ok(out)
}
