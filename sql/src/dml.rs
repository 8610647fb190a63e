//! INSERT, UPDATE and DELETE, with every index kept in step.
//!
//! Writing one row goes through [`store_row`], in SQLite's order:
//!
//! 1. the rowid: given (it must be an integer, else `datatype mismatch`)
//!    or the largest so far plus one;
//! 2. column affinities applied to the new values;
//! 3. NOT NULL, then CHECK constraints;
//! 4. uniqueness: of the rowid, then of every UNIQUE index, ignoring
//!    keys with a NULL in them (SQLite lets NULLs repeat);
//! 5. the conflict policy: ABORT fails the statement, IGNORE skips the
//!    row, REPLACE deletes the rows in the way;
//! 6. old index entries out, the row in, new index entries in.
//!
//! Every check happens before the first write for the row, and the caller
//! runs the statement inside a transaction or savepoint that is rolled back
//! on error, so a failing statement leaves no trace.
//!
//! UPDATE and DELETE first collect the rows they will change, then change
//! them: a row moved by an UPDATE (a new rowid, a new index key) is never
//! visited twice.

use crate::affinity::{self, Affinity};
use crate::ast::{Conflict, Delete, IndexHint, Insert, InsertSource, Update};
use crate::bind::{Binder, ParamSlots, is_rowid_name};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::plan;
use crate::rows::{self, encode_row, index_key, index_key_rowid, index_values, rowid_key};
use crate::scan::{ScanCtx, collect, fetch_row, row_rowid};
use crate::schema::{Index, Schema, Table};
use crate::value::Value;
use std::sync::Arc;
use walnut_btree::{BTree, InsertMode};
use walnut_pager::WriteTxn;

/// A table and its indexes, ready for writing.
pub struct Target {
    /// The table.
    pub table: Arc<Table>,
    /// Its indexes.
    pub indexes: Vec<Arc<Index>>,
    /// CHECK constraints, bound, with their text.
    checks: Vec<(BExpr, String)>,
    /// Column defaults, bound.
    defaults: Vec<Option<BExpr>>,
}

impl Target {
    /// Prepares `table` of `schema` for writing.
    pub fn new(schema: &Schema, name: &str) -> Result<Target> {
        if let Some(view) = schema.find_view(name) {
            return Err(Error::Invalid(format!(
                "cannot modify {} because it is a view",
                view.name
            )));
        }
        let table = schema.table(name)?.clone();
        let indexes = schema.indexes_of(&table.name);
        let slots = ParamSlots::default();
        let mut b = Binder::new(Some(&table), Some(&table.name), &slots);
        let checks = table
            .checks
            .iter()
            .map(|c| Ok((b.bind(c)?, c.to_string())))
            .collect::<Result<Vec<_>>>()?;
        let mut nb = Binder::new(None, None, &slots);
        let defaults = table
            .columns
            .iter()
            .map(|c| c.default.as_ref().map(|d| nb.bind(d)).transpose())
            .collect::<Result<Vec<_>>>()?;
        Ok(Target {
            table,
            indexes,
            checks,
            defaults,
        })
    }

    fn default_value(&self, col: usize) -> Result<Value> {
        match self.defaults.get(col).and_then(|d| d.as_ref()) {
            Some(e) => e.eval(&Env::constant(&[])),
            None => Ok(Value::Null),
        }
    }

    fn rowid_name(&self) -> String {
        let t = &self.table;
        match t.rowid_alias {
            Some(a) => format!("{}.{}", t.name, t.columns[a].name),
            None => format!("{}.rowid", t.name),
        }
    }
}

/// The rowid a value gives, or `datatype mismatch`.
fn rowid_of(v: &Value) -> Result<i64> {
    match affinity::apply(Affinity::Integer, v.clone()) {
        Value::Integer(i) => Ok(i),
        // -2^63 as a REAL is an exact integer, too big for the affinity's
        // conversion test but a valid rowid.
        Value::Real(-9_223_372_036_854_775_808.0) => Ok(i64::MIN),
        _ => Err(Error::DatatypeMismatch),
    }
}

/// The next automatic rowid: one more than the largest. Once the largest
/// possible rowid (2^63 - 1) is taken, a random unused one, as SQLite
/// does: up to 100 tries at a random rowid in 1..=2^62, then "database or
/// disk is full".
fn next_rowid(tx: &WriteTxn, table: &Table) -> Result<i64> {
    let tree = BTree::open(table.root);
    let mut c = tree.cursor(tx);
    if !c.last()? {
        return Ok(1);
    }
    let max = rows::key_rowid(&c.key()?)?;
    if let Some(next) = max.checked_add(1) {
        return Ok(next);
    }
    for _ in 0..100 {
        let candidate = (random_u64() & (i64::MAX as u64 >> 1)) as i64 + 1;
        if tree.get(tx, &rowid_key(candidate))?.is_none() {
            return Ok(candidate);
        }
    }
    Err(Error::Invalid(
        "database or disk is full: no free rowid found after the largest was taken".into(),
    ))
}

/// A random number: std's randomly keyed hasher over a counter, so each
/// call differs (walnut needs no cryptographic randomness here).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// Deletes a row and its index entries.
fn delete_row(tx: &WriteTxn, t: &Target, rowid: i64, row: &[Value]) -> Result<()> {
    for index in &t.indexes {
        BTree::open(index.root).delete(tx, &index_key(index, row, rowid))?;
    }
    BTree::open(t.table.root).delete(tx, &rowid_key(rowid))?;
    Ok(())
}

/// Writes one row (see the module documentation). `row` holds the
/// columns (affinity not yet applied) and, last, the rowid value (NULL for
/// a new automatic rowid). `old` is the row an UPDATE replaces. Returns
/// whether the row was written (false: skipped by OR IGNORE).
fn store_row(
    tx: &WriteTxn,
    t: &Target,
    mut row: Vec<Value>,
    old: Option<(i64, &[Value])>,
    conflict: Conflict,
) -> Result<bool> {
    let table = &t.table;
    let n = table.columns.len();
    // 1. The rowid.
    let rowid_value = row.get(n).cloned().unwrap_or(Value::Null);
    let rowid = match rowid_value {
        Value::Null => match old {
            Some((r, _)) => r,
            None => next_rowid(tx, table)?,
        },
        v => rowid_of(&v)?,
    };
    row.truncate(n);
    // 2. Affinities.
    for (i, c) in table.columns.iter().enumerate() {
        let v = std::mem::replace(&mut row[i], Value::Null);
        row[i] = affinity::apply(c.affinity, v);
    }
    if let Some(a) = table.rowid_alias {
        row[a] = Value::Integer(rowid);
    }
    row.push(Value::Integer(rowid));
    // 3. NOT NULL, CHECK.
    for (i, c) in table.columns.iter().enumerate() {
        if c.not_null && matches!(row[i], Value::Null) {
            match conflict {
                Conflict::Ignore => return Ok(false),
                Conflict::Replace if c.default.is_some() => {
                    let d = affinity::apply(c.affinity, t.default_value(i)?);
                    if matches!(d, Value::Null) {
                        return Err(not_null(table, i));
                    }
                    row[i] = d;
                }
                _ => return Err(not_null(table, i)),
            }
        }
    }
    for (check, text) in &t.checks {
        let env = Env {
            row: &row,
            aggs: &[],
            params: &[],
            ctx: None,
        };
        let v = check.eval(&env)?;
        if crate::ops::truthiness(&v) == Some(false) {
            if conflict == Conflict::Ignore {
                return Ok(false);
            }
            return Err(Error::Constraint {
                kind: "CHECK",
                detail: text.clone(),
            });
        }
    }
    // 4. Uniqueness. A plain INSERT that aborts on a conflict and has no
    // other unique key to check first needs no lookup of its rowid: the
    // table insert (step 6) refuses a taken rowid itself, having changed
    // nothing, so the rowid costs one descent of the tree instead of two.
    let old_rowid = old.map(|(r, _)| r);
    let rowid_checked_by_insert =
        conflict == Conflict::Abort && old.is_none() && !t.indexes.iter().any(|i| i.unique);
    let mut doomed: Vec<i64> = Vec::new();
    if !rowid_checked_by_insert
        && old_rowid != Some(rowid)
        && BTree::open(table.root).contains(tx, &rowid_key(rowid))?
    {
        match conflict {
            Conflict::Abort => {
                return Err(Error::Constraint {
                    kind: "UNIQUE",
                    detail: t.rowid_name(),
                });
            }
            Conflict::Ignore => return Ok(false),
            Conflict::Replace => doomed.push(rowid),
        }
    }
    for index in t.indexes.iter().filter(|i| i.unique) {
        let values = index_values(index, &row);
        if values.iter().any(|v| matches!(v, Value::Null)) {
            continue;
        }
        let prefix = rows::index_prefix(index, &values);
        let tree = BTree::open(index.root);
        let mut c = tree.cursor(tx);
        let mut valid = c.seek_ge(&prefix)?;
        while valid {
            let key = c.key()?;
            if !key.starts_with(&prefix) {
                break;
            }
            let other = index_key_rowid(index, &key)?;
            if Some(other) != old_rowid && other != rowid {
                match conflict {
                    Conflict::Abort => return Err(unique_failed(table, index)),
                    Conflict::Ignore => return Ok(false),
                    Conflict::Replace => doomed.push(other),
                }
            }
            valid = c.move_next()?;
        }
    }
    // 5. REPLACE: delete the rows in the way.
    doomed.sort_unstable();
    doomed.dedup();
    for r in doomed {
        if Some(r) == old_rowid {
            continue;
        }
        if let Some(victim) = fetch_row(tx, table, r)? {
            delete_row(tx, t, r, &victim)?;
        }
    }
    // 6. Out with the old, in with the new.
    if let Some((r, old_row)) = old {
        for index in &t.indexes {
            BTree::open(index.root).delete(tx, &index_key(index, old_row, r))?;
        }
        if r != rowid {
            BTree::open(table.root).delete(tx, &rowid_key(r))?;
        }
    }
    let mode = if rowid_checked_by_insert {
        InsertMode::Reject
    } else {
        InsertMode::Upsert
    };
    match BTree::open(table.root).insert(tx, &rowid_key(rowid), &encode_row(table, &row), mode) {
        Err(walnut_btree::BTreeError::DuplicateKey { .. }) if rowid_checked_by_insert => {
            return Err(Error::Constraint {
                kind: "UNIQUE",
                detail: t.rowid_name(),
            });
        }
        other => other?,
    };
    for index in &t.indexes {
        BTree::open(index.root).insert(
            tx,
            &index_key(index, &row, rowid),
            &[],
            InsertMode::Upsert,
        )?;
    }
    Ok(true)
}

/// `UNIQUE constraint failed: t.a, t.b`.
pub fn unique_failed(table: &Table, index: &Index) -> Error {
    let cols: Vec<String> = index
        .columns
        .iter()
        .map(|&c| format!("{}.{}", table.name, table.columns[c].name))
        .collect();
    Error::Constraint {
        kind: "UNIQUE",
        detail: cols.join(", "),
    }
}

fn not_null(table: &Table, col: usize) -> Error {
    Error::Constraint {
        kind: "NOT NULL",
        detail: format!("{}.{}", table.name, table.columns[col].name),
    }
}

/// Runs an INSERT; returns the number of rows inserted.
pub fn insert(
    tx: &WriteTxn,
    schema: &Schema,
    ins: &Insert,
    slots: &ParamSlots,
    params: &[Value],
) -> Result<u64> {
    let t = Target::new(schema, &ins.table)?;
    let table = t.table.clone();
    let n = table.columns.len();
    // Where each supplied value goes: a column position, or n for the rowid.
    let targets: Vec<usize> = match &ins.columns {
        Some(cols) => cols
            .iter()
            .map(|c| {
                table
                    .column_index(c)
                    .or_else(|| is_rowid_name(c).then_some(n))
                    .ok_or_else(|| {
                        Error::Invalid(format!("table {} has no column named {c}", table.name))
                    })
            })
            .collect::<Result<Vec<_>>>()?,
        None => (0..n).collect(),
    };
    let source_rows: Vec<Vec<Value>> = match &ins.source {
        InsertSource::DefaultValues => vec![Vec::new()],
        InsertSource::Values(rows) => {
            let mut b = Binder::new(None, None, slots);
            b.schema = Some(schema);
            let ctx = ScanCtx::new(tx, params);
            let env = Env::in_query(&[], &[], &ctx);
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|e| b.bind(e)?.eval(&env))
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()?
        }
        InsertSource::Select(s) => {
            let p = crate::compound::plan_query(schema, s, slots, None)?;
            let width = p.columns().len();
            if width != targets.len() {
                return Err(arity_error(&table, ins, width, targets.len()));
            }
            crate::compound::run_query(&ScanCtx::new(tx, params), &p)?
        }
    };
    let mut count = 0;
    for values in source_rows {
        let default_only = matches!(ins.source, InsertSource::DefaultValues);
        if !default_only && values.len() != targets.len() {
            return Err(arity_error(&table, ins, values.len(), targets.len()));
        }
        let mut row: Vec<Value> = Vec::with_capacity(n + 1);
        let mut given = vec![false; n + 1];
        for &c in &targets {
            given[c] = !default_only;
        }
        for (c, &is_given) in given.iter().enumerate().take(n) {
            // An omitted INTEGER PRIMARY KEY gets a new rowid, whatever
            // its DEFAULT says (as in SQLite).
            let fresh_rowid = table.rowid_alias == Some(c);
            row.push(if is_given || fresh_rowid {
                Value::Null
            } else {
                t.default_value(c)?
            });
        }
        row.push(Value::Null);
        if !default_only {
            for (v, &c) in values.into_iter().zip(&targets) {
                row[c] = v;
            }
        }
        // The INTEGER PRIMARY KEY column's value is the rowid.
        if let Some(a) = table.rowid_alias
            && !given[n]
        {
            row[n] = row[a].clone();
        }
        if store_row(tx, &t, row, None, ins.conflict)? {
            count += 1;
        }
    }
    Ok(count)
}

fn arity_error(table: &Table, ins: &Insert, values: usize, columns: usize) -> Error {
    Error::Invalid(match &ins.columns {
        Some(_) => format!("{values} values for {columns} columns"),
        None => format!(
            "table {} has {columns} columns but {values} values were supplied",
            table.name
        ),
    })
}

/// Runs an UPDATE; returns the number of rows changed.
pub fn update(
    tx: &WriteTxn,
    schema: &Schema,
    upd: &Update,
    slots: &ParamSlots,
    params: &[Value],
    hint: Option<&IndexHint>,
) -> Result<u64> {
    let t = Target::new(schema, &upd.table)?;
    let table = t.table.clone();
    let n = table.columns.len();
    let mut b = Binder::new(Some(&table), Some(&table.name), slots);
    b.schema = Some(schema);
    let mut sets: Vec<(usize, BExpr)> = Vec::new();
    for (name, e) in &upd.assignments {
        let col = table
            .column_index(name)
            .or_else(|| is_rowid_name(name).then_some(n))
            .ok_or_else(|| Error::no_column(name))?;
        let col = if table.rowid_alias == Some(col) {
            n
        } else {
            col
        };
        sets.push((col, b.bind(e)?));
    }
    let filter = upd.filter.as_ref().map(|f| b.bind(f)).transpose()?;
    let allowed = plan::allowed_indexes(&table, t.indexes.clone(), hint)?;
    let mut plan = plan::plan_scan(&table, &allowed, filter, &[]);
    plan::force_hint(&mut plan, &allowed, hint);
    let ctx = ScanCtx::new(tx, params);
    let victims = collect(&ctx, &plan)?;
    let mut count = 0;
    for collected in victims {
        let old_rowid = row_rowid(&collected)?;
        // Read the row afresh: an earlier row's OR REPLACE may have
        // deleted it (then it is skipped, as in SQLite).
        let Some(old) = fetch_row(tx, &table, old_rowid)? else {
            continue;
        };
        let env = Env::in_query(&old, &[], &ctx);
        let mut new = old.clone();
        for (col, e) in &sets {
            new[*col] = e.eval(&env)?;
        }
        if matches!(new[n], Value::Null) && sets.iter().any(|(c, _)| *c == n) {
            return Err(Error::DatatypeMismatch);
        }
        if store_row(tx, &t, new, Some((old_rowid, &old)), upd.conflict)? {
            count += 1;
        }
    }
    Ok(count)
}

/// Runs a DELETE; returns the number of rows deleted.
pub fn delete(
    tx: &WriteTxn,
    schema: &Schema,
    del: &Delete,
    slots: &ParamSlots,
    params: &[Value],
    hint: Option<&IndexHint>,
) -> Result<u64> {
    let t = Target::new(schema, &del.table)?;
    let table = t.table.clone();
    let mut b = Binder::new(Some(&table), Some(&table.name), slots);
    b.schema = Some(schema);
    let filter = del.filter.as_ref().map(|f| b.bind(f)).transpose()?;
    let allowed = plan::allowed_indexes(&table, t.indexes.clone(), hint)?;
    let mut plan = plan::plan_scan(&table, &allowed, filter, &[]);
    plan::force_hint(&mut plan, &allowed, hint);
    let victims = collect(&ScanCtx::new(tx, params), &plan)?;
    for row in &victims {
        let rowid = row_rowid(row)?;
        delete_row(tx, &t, rowid, row)?;
    }
    Ok(victims.len() as u64)
}

/// The plan lines of an UPDATE or DELETE's search, for EXPLAIN.
pub fn explain_search(
    schema: &Schema,
    table: &str,
    filter: Option<&crate::ast::Expr>,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
) -> Result<Vec<String>> {
    let table = schema.table(table)?.clone();
    let indexes = plan::allowed_indexes(&table, schema.indexes_of(&table.name), hint)?;
    let mut b = Binder::new(Some(&table), Some(&table.name), slots);
    b.schema = Some(schema);
    let filter = filter.map(|f| b.bind(f)).transpose()?;
    let mut p = plan::plan_scan(&table, &indexes, filter, &[]);
    plan::force_hint(&mut p, &indexes, hint);
    Ok(vec![plan::describe(&p)])
}
