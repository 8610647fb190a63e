//! Counters that teaching views and tests read.
//!
//! Every counter is an atomic so that reading the statistics never waits
//! for the pool or the WAL; [`PagerStats`] is a plain copy taken at one
//! moment, and the difference of two copies is what one statement cost.

use crate::pool::PoolState;
use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! counters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// The live counters (atomics), shared by every thread.
        #[derive(Debug, Default)]
        pub(crate) struct Counters {
            $(pub(crate) $name: AtomicU64,)*
        }

        /// A copy of the pager's counters at one moment.
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
        pub struct PagerStats {
            $($(#[$doc])* pub $name: u64,)*
        }

        impl Counters {
            pub(crate) fn snapshot(&self) -> PagerStats {
                PagerStats { $($name: self.$name.load(Ordering::Relaxed),)* }
            }
        }

        impl PagerStats {
            /// What happened between `earlier` and `self`, counter by counter.
            pub fn since(&self, earlier: &PagerStats) -> PagerStats {
                PagerStats { $($name: self.$name.saturating_sub(earlier.$name),)* }
            }
        }
    };
}

counters! {
    /// Page requests served from a frame already in the pool.
    hits,
    /// Page requests that had to read the page from the main file or WAL.
    misses,
    /// Frames reused for another page.
    evictions,
    /// Private (uncommitted) pages written to the WAL to free a frame, or
    /// at a savepoint.
    spills,
    /// Pages made private (copied for writing) or allocated by writers.
    pages_dirtied,
    /// Page images read from disk (main file or WAL).
    pages_read,
    /// Page images written to disk (WAL frames and checkpoint copies).
    pages_written,
    /// Frames appended to the WAL (commits and spills).
    wal_frames,
    /// Bytes appended to the WAL.
    wal_bytes,
    /// Committed write transactions.
    commits,
    /// Rolled-back write transactions.
    rollbacks,
    /// fsync/fdatasync calls (WAL and main file).
    fsyncs,
    /// Checkpoints run (on demand, automatic, or at close).
    checkpoints,
    /// Pages copied from the WAL into the main file by checkpoints.
    pages_checkpointed,
    /// Times the WAL was reset to empty with new salts.
    wal_resets,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds to a counter that is only ever changed with the pool latch
    /// held (the hits, misses and evictions of page fetches), which the
    /// `&PoolState` argument proves. The latch serialises the writers, so
    /// a plain load and store do (no locked read-modify-write on every
    /// page fetch); readers of the statistics still never wait.
    #[inline]
    pub(crate) fn add_latched(_latched: &PoolState, counter: &AtomicU64, n: u64) {
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }
}
