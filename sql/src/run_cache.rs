//! Values a plan computes once per run of its statement.
//!
//! A plan is built once and may be run many times: a prepared statement
//! runs the plan it keeps, and a trigger program runs its plans once per
//! row that fires it. Some parts of a plan keep what they compute for the
//! rest of the run: an uncorrelated subquery its rows, a hash join its
//! buckets. Those must not outlive the run, or the next run would answer
//! from the data as it was (a trigger counting the rows of the table it
//! fires on would see the count of its first firing every time).
//!
//! So every run has a number, [`RunId`], taken when its
//! [`crate::scan::ScanCtx`] is made; the contexts of subqueries and join
//! levels inside the run carry the same number. A [`RunCache`] keeps one
//! value together with the run that computed it, and computes it again
//! when asked by another run.
//!
//! ```
//! use walnut_sql::run_cache::{RunCache, RunId};
//! let cache = RunCache::default();
//! let (first, second) = (RunId::fresh(), RunId::fresh());
//! let mut computed = 0;
//! let mut get = |run| {
//!     cache.get_or_try_init(run, || -> Result<i32, ()> {
//!         computed += 1;
//!         Ok(42)
//!     })
//! };
//! assert_eq!(*get(first).unwrap(), 42);
//! assert_eq!(*get(first).unwrap(), 42); // kept for the run
//! assert_eq!(*get(second).unwrap(), 42); // computed again
//! assert_eq!(computed, 2);
//! ```

use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The number of one run of a statement's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId(u64);

impl RunId {
    /// A number no other run has had in this process.
    pub fn fresh() -> RunId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        RunId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// One value, kept for the run that computed it.
#[derive(Debug)]
pub struct RunCache<T> {
    slot: Mutex<Option<(RunId, Arc<T>)>>,
}

impl<T> Default for RunCache<T> {
    fn default() -> Self {
        RunCache {
            slot: Mutex::new(None),
        }
    }
}

impl<T> RunCache<T> {
    /// The value `run` computed, or `init`'s, kept for `run`.
    ///
    /// The lock is not held while `init` runs: computing the value may
    /// run other parts of the plan, and two runs at once (two threads
    /// sharing a statement's plan) each compute their own.
    pub fn get_or_try_init<E>(
        &self,
        run: RunId,
        init: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some((r, v)) = &*self.slot.lock()
            && *r == run
        {
            return Ok(v.clone());
        }
        let v = Arc::new(init()?);
        *self.slot.lock() = Some((run, v.clone()));
        Ok(v)
    }
}
