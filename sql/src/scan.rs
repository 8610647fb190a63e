//! Running an access path: the rows of a [`ScanPlan`], one at a time.
//!
//! [`scan`] walks the B+Tree the plan names (the table's, or an index's
//! and then the table's by rowid), checks the WHERE clause on each row and
//! hands the survivors to a callback, which returns `false` to stop early
//! (LIMIT without ORDER BY stops reading pages as soon as it has enough).
//!
//! Lookup keys are converted as the comparison would convert them
//! ([`crate::ops::coerce_for_comparison`]); a key that cannot match
//! anything (`rowid = 'abc'`, `a > NULL`) simply yields no rows.

use crate::error::Result;
use crate::expr::Env;
use crate::keycode;
use crate::ops;
use crate::plan::{Access, Bound, KeyTerm, ScanPlan};
use crate::rows::{self, decode_row_reading, decode_row_reading_into, prefix_successor, rowid_key};
use crate::run_cache::RunId;
use crate::schema::{Index, Table};
use crate::value::Value;
use std::cmp::Ordering;
use walnut_btree::{BTree, PageSource};

/// What a scan reads from and with.
pub struct ScanCtx<'a> {
    /// The pages (a read or a write transaction).
    pub src: &'a dyn PageSource,
    /// The statement's parameters.
    pub params: &'a [Value],
    /// In a subquery: the row of the query around it being evaluated
    /// (see [`crate::subquery`]).
    pub outer: Option<&'a Env<'a>>,
    /// The run this scan belongs to: what the plan keeps, it keeps for
    /// this run only (see [`crate::run_cache`]).
    pub run: RunId,
}

impl<'a> ScanCtx<'a> {
    /// A top-level query's context: a new run of its plan.
    pub fn new(src: &'a dyn PageSource, params: &'a [Value]) -> ScanCtx<'a> {
        ScanCtx {
            src,
            params,
            outer: None,
            run: RunId::fresh(),
        }
    }
}

/// Reads the row `rowid` of `table`, if it exists.
pub fn fetch_row(src: &dyn PageSource, table: &Table, rowid: i64) -> Result<Option<Vec<Value>>> {
    fetch_row_reading(src, table, rowid, None)
}

/// Reads the row `rowid` of `table`, only the columns `read` marks
/// decoded (see [`ScanPlan::read`]).
fn fetch_row_reading(
    src: &dyn PageSource,
    table: &Table,
    rowid: i64,
    read: Option<&[bool]>,
) -> Result<Option<Vec<Value>>> {
    let tree = BTree::open(table.root);
    tree.get_with(src, &rowid_key(rowid), |bytes| {
        decode_row_reading(table, rowid, bytes, read)
    })?
    .transpose()
}

/// Calls `f(row)` for every row the plan finds that passes its filter (the
/// row is laid out as the columns then the rowid), in the access path's
/// order, until `f` returns `Ok(false)`.
pub fn scan(
    ctx: &ScanCtx<'_>,
    plan: &ScanPlan,
    f: &mut dyn FnMut(Vec<Value>) -> Result<bool>,
) -> Result<()> {
    scan_lending(ctx, plan, &mut |row| f(std::mem::take(row)))
}

/// [`scan`] that lends each row instead of giving it: `f` may read the row,
/// or take it (`std::mem::take`, `std::mem::swap`) to keep it.
///
/// A table walk decodes every row into the same vector, reusing its
/// values' buffers ([`rows::decode_row_reading_into`]), so a consumer that
/// only reads (an aggregate, a projection, a filter) allocates nothing per
/// row; a row that is taken is simply replaced by a new vector.
pub fn scan_lending(
    ctx: &ScanCtx<'_>,
    plan: &ScanPlan,
    f: &mut dyn FnMut(&mut Vec<Value>) -> Result<bool>,
) -> Result<()> {
    let table = &plan.table;
    let read = plan.read.as_deref();
    // A rowid range's ends, evaluated once; whether they are exact decides
    // whether the conditions they stand for need checking again.
    let (rowid_range, exact_keys) = match &plan.access {
        Access::Rowid { .. } => (None, true),
        Access::RowidRange { low, high, .. } => match rowid_limits(ctx, low, high)? {
            Some((lo, hi, exact)) => (Some((lo, hi)), exact),
            None => return Ok(()),
        },
        _ => (None, false),
    };
    let filter = match &plan.residual {
        Some(residual) if exact_keys => residual.as_ref(),
        _ => plan.filter.as_ref(),
    };
    let mut emit = |row: &mut Vec<Value>| -> Result<bool> {
        if let Some(filter) = filter {
            let env = Env::in_query(row, &[], ctx);
            if !filter.test(&env)? {
                return Ok(true);
            }
        }
        f(row)
    };
    match &plan.access {
        Access::Scan { reverse } => walk_table(ctx, table, read, None, None, *reverse, &mut emit),
        Access::Join { levels } => {
            crate::join::join_rows(ctx, levels, &mut |mut row| emit(&mut row))
        }
        Access::HashJoin { join } => join.probe(ctx, &mut |mut row| emit(&mut row)),
        Access::Working { table } => {
            for mut row in table.0.rows() {
                if !emit(&mut row)? {
                    break;
                }
            }
            Ok(())
        }
        Access::Derived { plan } => {
            let rows = crate::compound::run_query(ctx, &plan.0)?;
            for (i, mut row) in rows.into_iter().enumerate() {
                row.push(Value::Integer(i as i64 + 1));
                if !emit(&mut row)? {
                    break;
                }
            }
            Ok(())
        }
        Access::Materialized { rows, reverse } => {
            let mut order: Vec<&Vec<Value>> = rows.iter().collect();
            if *reverse {
                order.reverse();
            }
            for row in order {
                if !emit(&mut row.clone())? {
                    break;
                }
            }
            Ok(())
        }
        Access::Rowid { keys, .. } if keys.values.len() == 1 => {
            // `rowid = ?`: one key, nothing to collect, sort or dedup.
            let env = Env::in_query(&[], &[], ctx);
            let key = keys.values[0].eval_cow(&env)?;
            if let Some(id) = exact_integer(&ops::coerce_for_comparison(&key, keys.aff))
                && let Some(mut row) = fetch_row_reading(ctx.src, table, id, read)?
            {
                emit(&mut row)?;
            }
            Ok(())
        }
        Access::Rowid { keys, reverse } => {
            let mut ids: Vec<i64> = key_values(ctx, keys)?
                .into_iter()
                .filter_map(|v| exact_integer(&v))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if *reverse {
                ids.reverse();
            }
            for id in ids {
                if let Some(mut row) = fetch_row_reading(ctx.src, table, id, read)?
                    && !emit(&mut row)?
                {
                    break;
                }
            }
            Ok(())
        }
        Access::RowidRange { reverse, .. } => {
            let (lo, hi) = match rowid_range {
                Some(limits) => limits,
                None => return Ok(()),
            };
            walk_table(ctx, table, read, lo, hi, *reverse, &mut emit)
        }
        Access::Index {
            index,
            eq,
            low,
            high,
            reverse,
        } => {
            let mut prefixes: Vec<Vec<u8>> = Vec::new();
            let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
            for term in eq {
                let values = key_values(ctx, term)?;
                let mut next = Vec::new();
                for c in &combos {
                    for v in &values {
                        if matches!(v, Value::Null) {
                            continue; // `=` and IN never match NULL
                        }
                        let mut c2 = c.clone();
                        c2.push(v.clone());
                        next.push(c2);
                    }
                }
                combos = next;
            }
            for c in &combos {
                prefixes.push(rows::index_prefix(index, c));
            }
            prefixes.sort();
            prefixes.dedup();
            if *reverse {
                prefixes.reverse();
            }
            let low = match low {
                Some(b) => Some((bound_value(ctx, b)?, b.inclusive)),
                None => None,
            };
            let high = match high {
                Some(b) => Some((bound_value(ctx, b)?, b.inclusive)),
                None => None,
            };
            for p in prefixes {
                let Some((lo, hi)) = index_range(index, &p, eq.len(), &low, &high) else {
                    continue;
                };
                let range = (lo.as_slice(), hi.as_deref());
                let rows = if crate::plan::covers(plan) {
                    RowsFrom::Index
                } else {
                    RowsFrom::Table(read)
                };
                if !walk_index(ctx, table, rows, index, range, *reverse, &mut emit)? {
                    break;
                }
            }
            Ok(())
        }
    }
}

/// The candidate values of a key term, converted for lookup.
fn key_values(ctx: &ScanCtx<'_>, k: &KeyTerm) -> Result<Vec<Value>> {
    let env = Env::in_query(&[], &[], ctx);
    k.values
        .iter()
        .map(|e| Ok(ops::coerce_for_comparison(&e.eval(&env)?, k.aff)))
        .collect()
}

fn bound_value(ctx: &ScanCtx<'_>, b: &Bound) -> Result<Value> {
    let v = b.value.eval(&Env::in_query(&[], &[], ctx))?;
    Ok(ops::coerce_for_comparison(&v, b.aff))
}

/// The rowids a rowid range runs between (`None`: it cannot hold any
/// row), and whether both ends are exact: integers, so that a rowid
/// inside them satisfies the conditions they come from.
#[allow(clippy::type_complexity)]
fn rowid_limits(
    ctx: &ScanCtx<'_>,
    low: &Option<Bound>,
    high: &Option<Bound>,
) -> Result<Option<(Option<i64>, Option<i64>, bool)>> {
    let mut exact = true;
    // One end: `None` if nothing can be inside it, else its rowid (if any).
    let mut end =
        |b: &Option<Bound>, limit: fn(&Value, bool) -> Limit| -> Result<Option<Option<i64>>> {
            let Some(b) = b else {
                return Ok(Some(None));
            };
            let v = bound_value(ctx, b)?;
            exact &= matches!(v, Value::Integer(_));
            Ok(match limit(&v, b.inclusive) {
                Limit::Empty => None,
                Limit::Unbounded => Some(None),
                Limit::At(i) => Some(Some(i)),
            })
        };
    let Some(lo) = end(low, rowid_low)? else {
        return Ok(None);
    };
    let Some(hi) = end(high, rowid_high)? else {
        return Ok(None);
    };
    Ok(Some((lo, hi, exact)))
}

/// An integer equal to `v`, if there is one (a rowid lookup key).
fn exact_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Real(r) => {
            let i = crate::affinity::real_to_i64(*r);
            crate::affinity::real_same_as_int(*r, i).then_some(i)
        }
        _ => None,
    }
}

enum Limit {
    Empty,
    Unbounded,
    At(i64),
}

/// The smallest rowid that can satisfy `rowid > v` (or `>=`); conservative
/// for values that are not integers (the filter decides exactly).
fn rowid_low(v: &Value, inclusive: bool) -> Limit {
    match v {
        Value::Null => Limit::Empty,
        Value::Integer(i) if inclusive => Limit::At(*i),
        Value::Integer(i) => i.checked_add(1).map_or(Limit::Empty, Limit::At),
        Value::Real(r) if *r >= 9.3e18 => Limit::Empty,
        Value::Real(r) if *r < -9.2e18 => Limit::Unbounded,
        Value::Real(r) => Limit::At(r.floor() as i64),
        // Every integer sorts before TEXT and BLOB.
        Value::Text(_) | Value::Blob(_) => Limit::Empty,
    }
}

/// The largest rowid that can satisfy `rowid < v` (or `<=`).
fn rowid_high(v: &Value, inclusive: bool) -> Limit {
    match v {
        Value::Null => Limit::Empty,
        Value::Integer(i) if inclusive => Limit::At(*i),
        Value::Integer(i) => i.checked_sub(1).map_or(Limit::Empty, Limit::At),
        Value::Real(r) if *r <= -9.3e18 => Limit::Empty,
        Value::Real(r) if *r > 9.2e18 => Limit::Unbounded,
        Value::Real(r) => Limit::At(r.ceil() as i64),
        Value::Text(_) | Value::Blob(_) => Limit::Unbounded,
    }
}

fn walk_table(
    ctx: &ScanCtx<'_>,
    table: &Table,
    read: Option<&[bool]>,
    lo: Option<i64>,
    hi: Option<i64>,
    reverse: bool,
    emit: &mut dyn FnMut(&mut Vec<Value>) -> Result<bool>,
) -> Result<()> {
    if let (Some(l), Some(h)) = (lo, hi)
        && l > h
    {
        return Ok(());
    }
    let tree = BTree::open(table.root);
    let mut c = tree.cursor(ctx.src);
    if let (false, Some(h)) = (reverse, hi) {
        // The seek may read ahead the leaves up to the range's end.
        c.expect_end(&rowid_key(h));
    }
    let mut valid = match (reverse, lo, hi) {
        (false, Some(l), _) => c.seek_ge(&rowid_key(l))?,
        (false, None, _) => c.first()?,
        (true, _, Some(h)) => c.seek_le(&rowid_key(h))?,
        (true, _, None) => c.last()?,
    };
    // Every row is decoded into this one vector, straight from the
    // cursor's copy of the leaf (unless `emit` took the last one).
    let mut row: Vec<Value> = Vec::new();
    if !reverse {
        // Forward, the cursor lends one leaf's cells after the other.
        return c.walk_forward(|key, value| -> Result<bool> {
            let rowid = rows::key_rowid(key)?;
            if hi.is_some_and(|h| rowid > h) {
                return Ok(false);
            }
            decode_row_reading_into(table, rowid, value, read, &mut row)?;
            emit(&mut row)
        });
    }
    while valid {
        let inside = c.with_entry(|key, value| -> Result<bool> {
            let rowid = rows::key_rowid(key)?;
            if lo.is_some_and(|l| rowid < l) {
                return Ok(false);
            }
            decode_row_reading_into(table, rowid, value, read, &mut row)?;
            Ok(true)
        })??;
        if !inside || !emit(&mut row)? {
            break;
        }
        valid = c.move_prev()?;
    }
    Ok(())
}

/// The key range [lo, hi) of entries with prefix `p` whose next column
/// satisfies the bounds; `None` if nothing can match.
fn index_range(
    index: &Index,
    p: &[u8],
    col: usize,
    low: &Option<(Value, bool)>,
    high: &Option<(Value, bool)>,
) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let mut lo = p.to_vec();
    let mut hi = prefix_successor(p);
    let order = index.orders.get(col).copied();
    let enc = |v: &Value| -> Vec<u8> {
        let mut k = p.to_vec();
        if let Some(o) = order {
            keycode::encode_value(&mut k, v, o);
        }
        k
    };
    let desc = order == Some(keycode::Order::Desc);
    // Raising the lower end / lowering the upper end of the key range.
    let raise = |lo: &mut Vec<u8>, k: Vec<u8>| {
        if k > *lo {
            *lo = k;
        }
    };
    let lower = |hi: &mut Option<Vec<u8>>, k: Option<Vec<u8>>| match (&*hi, k) {
        (_, None) => {}
        (None, Some(k)) => *hi = Some(k),
        (Some(h), Some(k)) => {
            if k < *h {
                *hi = Some(k)
            }
        }
    };
    // `col > v` on an ascending column starts after v; on a descending
    // column it ends before v; and so on.
    for (bound, is_low) in [(low, true), (high, false)] {
        let Some((v, inclusive)) = bound else {
            continue;
        };
        if matches!(v, Value::Null) {
            return None;
        }
        let k = enc(v);
        let starts_here = is_low != desc;
        if starts_here {
            if *inclusive {
                raise(&mut lo, k);
            } else {
                raise(&mut lo, prefix_successor(&k)?);
            }
        } else if *inclusive {
            lower(&mut hi, prefix_successor(&k));
        } else {
            lower(&mut hi, Some(k));
        }
    }
    if let Some(h) = &hi
        && lo.as_slice().cmp(h) != Ordering::Less
    {
        return None;
    }
    Some((lo, hi))
}

/// Where an index walk gets its rows.
#[derive(Clone, Copy)]
enum RowsFrom<'a> {
    /// From the table, by rowid, the columns marked decoded.
    Table(Option<&'a [bool]>),
    /// From the index entries: every column the query reads is in them
    /// ([`crate::plan::covers`]); the others are NULL.
    Index,
}

/// Walks index entries in [lo, hi), fetching each row. Returns false if
/// the consumer stopped.
fn walk_index(
    ctx: &ScanCtx<'_>,
    table: &Table,
    rows_from: RowsFrom<'_>,
    index: &Index,
    (lo, hi): (&[u8], Option<&[u8]>),
    reverse: bool,
    emit: &mut dyn FnMut(&mut Vec<Value>) -> Result<bool>,
) -> Result<bool> {
    let tree = BTree::open(index.root);
    let orders = rows::entry_orders(index);
    let n = table.columns.len();
    let mut c = tree.cursor(ctx.src);
    let mut valid = match (reverse, hi) {
        (false, _) => c.seek_ge(lo)?,
        (true, Some(h)) => c.seek_lt(h)?,
        (true, None) => c.last()?,
    };
    while valid {
        // The entry's values, the rowid last.
        let entry = c.with_key(|key| -> Result<Option<Vec<Value>>> {
            if !reverse && hi.is_some_and(|h| key >= h) || reverse && key < lo {
                return Ok(None);
            }
            Ok(Some(keycode::decode(key, &orders)?.0))
        })??;
        let Some(mut entry) = entry else {
            break;
        };
        let rowid = match entry.pop() {
            Some(Value::Integer(r)) if entry.len() == index.columns.len() => r,
            _ => {
                return Err(crate::error::Error::Corrupt(format!(
                    "index {} entry does not end with a rowid",
                    index.name
                )));
            }
        };
        let mut row = match rows_from {
            RowsFrom::Index => {
                let mut row = vec![Value::Null; n + 1];
                for (&col, v) in index.columns.iter().zip(entry) {
                    if let Some(slot) = row.get_mut(col) {
                        *slot = v;
                    }
                }
                if let Some(a) = table.rowid_alias {
                    row[a] = Value::Integer(rowid);
                }
                row[n] = Value::Integer(rowid);
                row
            }
            RowsFrom::Table(read) => {
                fetch_row_reading(ctx.src, table, rowid, read)?.ok_or_else(|| {
                    crate::error::Error::Corrupt(format!(
                        "index {} has an entry for row {rowid}, which {} does not have",
                        index.name, table.name
                    ))
                })?
            }
        };
        if !emit(&mut row)? {
            return Ok(false);
        }
        valid = if reverse {
            c.move_prev()?
        } else {
            c.move_next()?
        };
    }
    Ok(true)
}

/// Every row the plan finds, collected (for statements that change the
/// rows they read, and must finish reading first).
pub fn collect(ctx: &ScanCtx<'_>, plan: &ScanPlan) -> Result<Vec<Vec<Value>>> {
    let mut rows = Vec::new();
    scan(ctx, plan, &mut |row| {
        rows.push(row);
        Ok(true)
    })?;
    Ok(rows)
}

/// The rowid of a row laid out as columns then rowid.
pub fn row_rowid(row: &[Value]) -> Result<i64> {
    match row.last() {
        Some(Value::Integer(r)) => Ok(*r),
        _ => Err(crate::error::Error::Corrupt("row without a rowid".into())),
    }
}
