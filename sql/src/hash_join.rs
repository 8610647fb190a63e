//! Hash joins: an equi-join level without a usable index.
//!
//! A join level is a nested loop ([`crate::join`]): for every row of the
//! levels before it, it finds its own matching rows. With an index on the
//! join column that is a seek; without one it would be a full scan of the
//! table *per outer row*, N x M comparisons. When the level's conditions
//! include equalities between its own columns and the earlier levels'
//! (`b.k = a.x`), walnut instead builds a hash table of the level's rows
//! once, keyed by those columns, and each outer row probes it:
//!
//! ```text
//!   build (first probe, once per run):            probe (every outer row):
//!   scan b, keep rows passing b's own             key = [a.x]  (the outer side)
//!   conditions, bucket them by [b.k]  ------->    rows = buckets[key]
//!                                                 each row: check the whole
//!                                                 level condition
//! ```
//!
//! SQLite does the same job with an *automatic index*, a temporary B-Tree
//! built for the statement; EXPLAIN here shows
//! `SEARCH b USING AUTOMATIC HASH INDEX (k=?)`.
//!
//! ## Why the answer cannot change
//!
//! The buckets only narrow the search, exactly like an index lookup
//! ([`crate::plan`]): every row a probe finds is still checked against the
//! level's whole condition, the equality included. So the hash key only has
//! to be *coarse enough*: two values that `=` calls equal must land in the
//! same bucket; values that merely share a bucket are told apart by the
//! check. [`HashKey`] therefore first converts a value as the comparison
//! would (its affinity, [`crate::ops::coerce_for_comparison`]), then keeps
//! numbers as their `f64` value (so `1 = 1.0`; distinct integers above
//! 2^53 may share a bucket, which the check sorts out), text and blobs as
//! bytes, and drops NULL (it equals nothing).
//!
//! What is built once must not depend on the outer row: the build side's
//! key expressions and conditions read only the level's own columns (and
//! parameters), never an outer column, a subquery or a function whose
//! value changes between calls. The planner ([`crate::join`]) only chooses
//! a hash join when that holds, and never for a recursive CTE's working
//! table (which changes between steps) or a subquery in FROM that reads an
//! enclosing query.

use crate::affinity::Affinity;
use crate::error::Result;
use crate::expr::{BExpr, Env};
use crate::ops;
use crate::plan::ScanPlan;
use crate::run_cache::RunCache;
use crate::scan::{ScanCtx, scan};
use crate::value::Value;
use std::collections::HashMap;

/// A bucket key: one value, converted as the equality converts it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HashKey {
    /// An integer or a real, as the bits of its `f64` value (`-0.0` as
    /// `0.0`).
    Number(u64),
    /// Text, by its bytes.
    Text(String),
    /// A blob, by its bytes.
    Blob(Vec<u8>),
}

impl HashKey {
    /// The key of `v` under the comparison affinity `aff`; `None` for
    /// NULL, which no `=` matches.
    pub fn of(v: &Value, aff: Option<Affinity>) -> Option<HashKey> {
        let number = |r: f64| HashKey::Number(if r == 0.0 { 0 } else { r.to_bits() });
        match ops::coerce_for_comparison(v, aff) {
            Value::Null => None,
            Value::Integer(i) => Some(number(i as f64)),
            Value::Real(r) => Some(number(r)),
            Value::Text(t) => Some(HashKey::Text(t)),
            Value::Blob(b) => Some(HashKey::Blob(b)),
        }
    }
}

/// One equality the buckets are keyed by: `build = probe`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPair {
    /// The level's side: reads only the level's own row.
    pub build: BExpr,
    /// The outer side: reads only earlier levels (as outer columns),
    /// parameters and constants.
    pub probe: BExpr,
    /// The affinity the equality applies to both sides.
    pub aff: Option<Affinity>,
    /// The build side's column name, for EXPLAIN (`k=?`), if it is one.
    pub name: String,
}

/// A level found through a hash table built on first use.
#[derive(Debug)]
pub struct HashJoin {
    /// How the rows to bucket are found: the level's table with only its
    /// own conditions.
    pub build: ScanPlan,
    /// The equalities.
    pub keys: Vec<KeyPair>,
    /// The buckets, once built in a run.
    buckets: RunCache<HashMap<Vec<HashKey>, Vec<Vec<Value>>>>,
}

impl PartialEq for HashJoin {
    /// Two hash joins are the same only if they are the same node.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl HashJoin {
    /// A hash join over `build`'s rows keyed by `keys`.
    pub fn new(build: ScanPlan, keys: Vec<KeyPair>) -> HashJoin {
        HashJoin {
            build,
            keys,
            buckets: RunCache::default(),
        }
    }

    /// The EXPLAIN line for the level on `table`.
    pub fn describe(&self, table: &str) -> String {
        let terms: Vec<String> = self.keys.iter().map(|k| format!("{}=?", k.name)).collect();
        format!(
            "SEARCH {table} USING AUTOMATIC HASH INDEX ({})",
            terms.join(" AND ")
        )
    }

    /// Calls `f` on every bucketed row whose key equals the outer row's
    /// (from `ctx.outer`), until `f` returns `Ok(false)`. The caller
    /// checks the level's whole condition on each.
    pub fn probe(
        &self,
        ctx: &ScanCtx<'_>,
        f: &mut dyn FnMut(Vec<Value>) -> Result<bool>,
    ) -> Result<()> {
        let buckets = self
            .buckets
            .get_or_try_init(ctx.run, || self.build_buckets(ctx))?;
        let env = Env::in_query(&[], &[], ctx);
        let mut key = Vec::with_capacity(self.keys.len());
        for k in &self.keys {
            match HashKey::of(&k.probe.eval(&env)?, k.aff) {
                Some(h) => key.push(h),
                None => return Ok(()),
            }
        }
        if let Some(rows) = buckets.get(&key) {
            for row in rows {
                if !f(row.clone())? {
                    break;
                }
            }
        }
        Ok(())
    }

    fn build_buckets(&self, ctx: &ScanCtx<'_>) -> Result<HashMap<Vec<HashKey>, Vec<Vec<Value>>>> {
        let mut buckets: HashMap<Vec<HashKey>, Vec<Vec<Value>>> = HashMap::new();
        scan(ctx, &self.build, &mut |row| {
            let env = Env::in_query(&row, &[], ctx);
            let mut key = Vec::with_capacity(self.keys.len());
            for k in &self.keys {
                match HashKey::of(&k.build.eval(&env)?, k.aff) {
                    Some(h) => key.push(h),
                    // A NULL key matches no probe.
                    None => return Ok(true),
                }
            }
            buckets.entry(key).or_default().push(row);
            Ok(true)
        })?;
        Ok(buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_numbers_share_a_key_whatever_their_storage_class() {
        assert_eq!(
            HashKey::of(&Value::Integer(1), None),
            HashKey::of(&Value::Real(1.0), None)
        );
        assert_eq!(
            HashKey::of(&Value::Real(0.0), None),
            HashKey::of(&Value::Real(-0.0), None)
        );
    }

    #[test]
    fn keys_convert_as_the_comparison_does() {
        // Numeric affinity: '7' equals 7.
        assert_eq!(
            HashKey::of(&Value::Text("7".into()), Some(Affinity::Numeric)),
            HashKey::of(&Value::Integer(7), Some(Affinity::Numeric))
        );
        // No affinity: '7' and 7 are different values.
        assert_ne!(
            HashKey::of(&Value::Text("7".into()), None),
            HashKey::of(&Value::Integer(7), None)
        );
        // Text affinity: 7 equals '7'.
        assert_eq!(
            HashKey::of(&Value::Integer(7), Some(Affinity::Text)),
            HashKey::of(&Value::Text("7".into()), Some(Affinity::Text))
        );
    }

    #[test]
    fn null_has_no_key_and_text_is_not_a_blob() {
        assert_eq!(HashKey::of(&Value::Null, None), None);
        assert_ne!(
            HashKey::of(&Value::Text("a".into()), None),
            HashKey::of(&Value::Blob(b"a".to_vec()), None)
        );
    }
}
