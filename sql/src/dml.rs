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
//! The row goes into the table's tree through [`BTree::insert_hinted`]:
//! a [`Target`] remembers where the table's rightmost leaf was, so a
//! row whose rowid is the largest yet (a load in rowid order, or an
//! automatic rowid) is appended to that leaf without a walk from the root.
//!
//! Every check happens before the first write for the row, and the caller
//! runs the statement inside a transaction or savepoint that is rolled back
//! on error, so a failing statement leaves no trace. (Inside BEGIN, a
//! statement whose one write is all or nothing needs no savepoint: see
//! [`Prepared::writes_atomically`].)
//!
//! UPDATE and DELETE first collect the rows they will change, then change
//! them: a row moved by an UPDATE (a new rowid, a new index key) is never
//! visited twice. A DELETE that fires no trigger collects only the keys
//! it will delete (the table's and its indexes'), and deletes them tree by
//! tree in key order; if it walks the whole table and its WHERE clause has
//! no subquery, it deletes the table's rows during that walk, leaf by leaf
//! ([`walnut_btree::BTree::delete_where`]), and only the index keys wait.
//!
//! Each statement is first prepared ([`prepare_insert`],
//! [`prepare_update`], [`prepare_delete`]: bound, planned, and with the
//! programs of the triggers it fires, see [`crate::trigger_program`]),
//! then run ([`Prepared::run`]); a statement in a trigger's program is
//! prepared once and run for every row that fires the trigger. Around
//! each row's change its triggers fire:
//!
//! * INSERT: BEFORE triggers see NEW with the columns' affinities and the
//!   rowid as given (-1 if it is to be chosen); then the row is stored and
//!   AFTER triggers see it as written;
//! * UPDATE: BEFORE triggers see NEW and OLD; the row is then read again
//!   (skipped if a trigger deleted it; the columns not SET take its values
//!   of now); then stored, and AFTER triggers see it and the OLD of before;
//! * DELETE: a row already gone (deleted by a trigger for an earlier row)
//!   is skipped; BEFORE triggers see OLD, the row is read again (skipped
//!   if gone), deleted, and AFTER triggers see OLD;
//! * `RAISE(IGNORE)` skips the rest of the row; a skipped row is not
//!   counted. A view is written only through its INSTEAD OF triggers
//!   ([`crate::instead_of`]).

use crate::affinity::{self, Affinity};
use crate::ast::{Conflict, Delete, IndexHint, Insert, InsertSource, TriggerTiming, Update};
use crate::bind::{Binder, ParamSlots, is_rowid_name};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::plan;
use crate::rows::{self, encode_row_into, index_key, index_key_rowid, index_values, rowid_key};
use crate::scan::{self, ScanCtx, collect, fetch_row, row_rowid};
use crate::schema::{Index, Schema, Table};
use crate::trigger::Change;
use crate::trigger_program::{Flow, Nesting, RowTriggers};
use crate::trigger_row::RowShape;
use crate::value::Value;
use std::sync::Arc;
use walnut_btree::{BTree, InsertMode, RightmostLeaf};
use walnut_pager::WriteTxn;

/// A table and its indexes, ready for writing.
#[derive(Debug)]
pub struct Target {
    /// The table.
    pub table: Arc<Table>,
    /// Its indexes.
    pub indexes: Vec<Arc<Index>>,
    /// CHECK constraints, bound, with their text.
    checks: Vec<(BExpr, String)>,
    /// Column defaults, bound.
    defaults: Vec<Option<BExpr>>,
    /// Where the table's rightmost leaf was at the last row stored, so
    /// that rows arriving in rowid order skip the walk from the root (see
    /// [`BTree::insert_hinted`], which checks the hint before trusting it).
    rightmost: parking_lot::Mutex<Option<RightmostLeaf>>,
    /// The buffer the last row's record was encoded into, for the next.
    record: parking_lot::Mutex<Vec<u8>>,
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
        let checks = if table.checks.is_empty() {
            Vec::new()
        } else {
            let mut b = Binder::new(Some(&table), Some(&table.name), &slots);
            table
                .checks
                .iter()
                .map(|c| Ok((b.bind(c)?, c.to_string())))
                .collect::<Result<Vec<_>>>()?
        };
        // (`default_value` reads a missing entry as no DEFAULT.)
        let defaults = if table.columns.iter().all(|c| c.default.is_none()) {
            Vec::new()
        } else {
            let mut nb = Binder::new(None, None, &slots);
            table
                .columns
                .iter()
                .map(|c| c.default.as_ref().map(|d| nb.bind(d)).transpose())
                .collect::<Result<Vec<_>>>()?
        };
        Ok(Target {
            table,
            indexes,
            checks,
            defaults,
            rightmost: parking_lot::Mutex::new(None),
            record: parking_lot::Mutex::new(Vec::new()),
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
    if let Value::Integer(i) = v {
        return Ok(*i);
    }
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
/// the row as written (`[columns..., rowid]`, what AFTER triggers see as
/// NEW), or None if OR IGNORE skipped it.
fn store_row(
    tx: &WriteTxn,
    t: &Target,
    mut row: Vec<Value>,
    old: Option<(i64, &[Value])>,
    conflict: Conflict,
) -> Result<Option<Vec<Value>>> {
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
    for (c, v) in table.columns.iter().zip(row.iter_mut()) {
        affinity::apply_in_place(c.affinity, v);
    }
    if let Some(a) = table.rowid_alias {
        row[a] = Value::Integer(rowid);
    }
    row.push(Value::Integer(rowid));
    // 3. NOT NULL, CHECK.
    for (i, c) in table.columns.iter().enumerate() {
        if c.not_null && matches!(row[i], Value::Null) {
            match conflict {
                Conflict::Ignore => return Ok(None),
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
                return Ok(None);
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
            Conflict::Ignore => return Ok(None),
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
                    Conflict::Ignore => return Ok(None),
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
    // (The buffer is taken out of its lock while in use, and put back
    // after: nothing is locked while the tree is written.)
    let mut record = std::mem::take(&mut *t.record.lock());
    encode_row_into(table, &row, &mut record);
    let mut hint = t.rightmost.lock().take();
    let stored =
        BTree::open(table.root).insert_hinted(tx, &rowid_key(rowid), &record, mode, &mut hint);
    *t.rightmost.lock() = hint;
    *t.record.lock() = record;
    match stored {
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
    Ok(Some(row))
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

/// An INSERT, UPDATE or DELETE bound and planned against a schema, with
/// the programs of the triggers it fires: ready to run, any number of
/// times, with its parameters (see the module documentation).
#[derive(Debug)]
pub enum Prepared {
    /// An INSERT into a table.
    Insert(PreparedInsert),
    /// An UPDATE of a table.
    Update(PreparedUpdate),
    /// A DELETE from a table.
    Delete(PreparedDelete),
    /// A write to a view, done by its INSTEAD OF triggers.
    View(crate::instead_of::ViewWrite),
}

impl Prepared {
    /// Whether a failure of the statement can leave nothing to undo, so
    /// that it needs no savepoint of its own inside a transaction: an
    /// INSERT of one row of VALUES, aborting on a conflict, into a table
    /// with no index and no trigger. Everything it does before writing
    /// (evaluating the values, the rowid, affinities, NOT NULL and CHECK
    /// constraints) only reads, and its one write, the row into the
    /// table's tree, is all or nothing ([`BTree::insert_hinted`]); a taken
    /// rowid fails that insert before it changes anything. (The commonest
    /// statement of a bulk load, which so costs no undo log at all.)
    pub fn writes_atomically(&self) -> bool {
        match self {
            Prepared::Insert(p) => {
                matches!(&p.source, Source::Values(rows) if rows.len() == 1)
                    && p.conflict == Conflict::Abort
                    && p.triggers.is_empty()
                    && p.target.indexes.is_empty()
            }
            _ => false,
        }
    }

    /// Runs the statement with `params`; returns the rows it changed.
    pub fn run(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        match self {
            Prepared::Insert(p) => p.run(tx, params),
            Prepared::Update(p) => p.run(tx, params),
            Prepared::Delete(p) => p.run(tx, params),
            Prepared::View(p) => p.run(tx, params),
        }
    }
}

/// The row shape triggers on `table` see.
fn shape_of(table: &Table, new: bool, old: bool) -> RowShape {
    RowShape {
        columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        rowid_alias: table.rowid_alias,
        new,
        old,
    }
}

/// Where an INSERT's rows come from, bound.
#[derive(Debug)]
pub(crate) enum Source {
    /// `VALUES (..), (..)`.
    Values(Vec<Vec<BExpr>>),
    /// `INSERT ... SELECT`.
    Select(Box<crate::compound::QueryPlan>),
    /// `DEFAULT VALUES`.
    DefaultValues,
}

impl Source {
    /// Binds an INSERT's source, checking that each row has `width`
    /// values (`arity` builds the error).
    pub(crate) fn bind(
        schema: &Schema,
        source: &InsertSource,
        slots: &ParamSlots,
        width: usize,
        arity: &dyn Fn(usize) -> Error,
    ) -> Result<Source> {
        Ok(match source {
            InsertSource::DefaultValues => Source::DefaultValues,
            InsertSource::Values(rows) => {
                let mut b = Binder::new(None, None, slots);
                b.schema = Some(schema);
                let mut bound = Vec::with_capacity(rows.len());
                for r in rows {
                    if r.len() != width {
                        return Err(arity(r.len()));
                    }
                    bound.push(r.iter().map(|e| b.bind(e)).collect::<Result<Vec<_>>>()?);
                }
                Source::Values(bound)
            }
            InsertSource::Select(s) => {
                let p = crate::compound::plan_query(schema, s, slots, None)?;
                if p.columns().len() != width {
                    return Err(arity(p.columns().len()));
                }
                Source::Select(Box::new(p))
            }
        })
    }

    /// The rows (an empty row for each DEFAULT VALUES row).
    pub(crate) fn rows(&self, ctx: &ScanCtx<'_>) -> Result<Vec<Vec<Value>>> {
        match self {
            Source::DefaultValues => Ok(vec![Vec::new()]),
            Source::Values(rows) => {
                let env = Env::in_query(&[], &[], ctx);
                rows.iter()
                    .map(|r| r.iter().map(|e| e.eval(&env)).collect())
                    .collect()
            }
            Source::Select(p) => crate::compound::run_query(ctx, p),
        }
    }
}

/// An INSERT into a table, prepared.
#[derive(Debug)]
pub struct PreparedInsert {
    target: Target,
    /// Where each supplied value goes: a column position, or n for the
    /// rowid.
    targets: Vec<usize>,
    /// For each position (the columns, then the rowid): whether a value
    /// is supplied for it (none is under DEFAULT VALUES).
    given: Vec<bool>,
    source: Source,
    conflict: Conflict,
    triggers: RowTriggers,
    /// The last row inserted, once done with: the next row is laid out in
    /// it, its TEXT and BLOB buffers reused (see [`BExpr::eval_into`]).
    spare_row: parking_lot::Mutex<Vec<Value>>,
}

/// Prepares an INSERT (into a table, or into a view through its INSTEAD OF
/// triggers) inside `nesting`.
pub fn prepare_insert(
    schema: &Schema,
    ins: &Insert,
    slots: &ParamSlots,
    nesting: &Nesting,
) -> Result<Prepared> {
    if let Some(view) = schema.find_view(&ins.table) {
        return crate::instead_of::prepare_insert(schema, view, ins, slots, nesting)
            .map(Prepared::View);
    }
    let t = Target::new(schema, &ins.table)?;
    let table = t.table.clone();
    let n = table.columns.len();
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
    let arity = |values| arity_error(&table.name, ins.columns.is_some(), values, targets.len());
    let source = Source::bind(schema, &ins.source, slots, targets.len(), &arity)?;
    let conflict = nesting.conflict(ins.conflict);
    let triggers = RowTriggers::prepare(
        schema,
        &table.name,
        || shape_of(&table, true, false),
        Change::Insert,
        conflict,
        nesting,
    )?;
    let mut given = vec![false; n + 1];
    if !matches!(source, Source::DefaultValues) {
        for &c in &targets {
            given[c] = true;
        }
    }
    Ok(Prepared::Insert(PreparedInsert {
        target: t,
        targets,
        given,
        source,
        conflict: conflict.unwrap_or(Conflict::Abort),
        triggers,
        spare_row: parking_lot::Mutex::new(Vec::new()),
    }))
}

impl PreparedInsert {
    fn run(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        let ctx = ScanCtx::new(tx, params);
        match &self.source {
            // One row of VALUES (the commonest INSERT): its values go
            // straight into the new row. Several rows are all evaluated
            // before the first is inserted, as SQLite does.
            Source::Values(rows) if rows.len() == 1 => {
                let env = Env::in_query(&[], &[], &ctx);
                let mut row = std::mem::take(&mut *self.spare_row.lock());
                self.fill_row(&mut row, &rows[0], &env)?;
                self.insert_row(tx, row)
            }
            source => {
                let mut count = 0;
                for values in source.rows(&ctx)? {
                    let row = self.new_row(values.into_iter().map(Ok))?;
                    count += self.insert_row(tx, row)?;
                }
                Ok(count)
            }
        }
    }

    /// The row to insert, laid out as columns then rowid: the supplied
    /// `values` in their target positions, the other columns' defaults.
    fn new_row(&self, values: impl Iterator<Item = Result<Value>>) -> Result<Vec<Value>> {
        let t = &self.target;
        let table = &t.table;
        let n = table.columns.len();
        let mut row: Vec<Value> = Vec::with_capacity(n + 1);
        for (c, &is_given) in self.given.iter().enumerate().take(n) {
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
        if !matches!(self.source, Source::DefaultValues) {
            for (v, &c) in values.zip(&self.targets) {
                row[c] = v?;
            }
        }
        // The INTEGER PRIMARY KEY column's value is the rowid.
        if let Some(a) = table.rowid_alias
            && !self.given[n]
        {
            row[n] = row[a].clone();
        }
        Ok(row)
    }

    /// [`new_row`](Self::new_row) for one row of VALUES, laid out in
    /// `row` (a spare row: its values' buffers are reused).
    fn fill_row(&self, row: &mut Vec<Value>, exprs: &[BExpr], env: &Env<'_>) -> Result<()> {
        let t = &self.target;
        let table = &t.table;
        let n = table.columns.len();
        row.resize(n + 1, Value::Null);
        for (c, &is_given) in self.given.iter().enumerate().take(n) {
            if !is_given {
                // As in `new_row`.
                row[c] = if table.rowid_alias == Some(c) {
                    Value::Null
                } else {
                    t.default_value(c)?
                };
            }
        }
        if !self.given[n] {
            row[n] = Value::Null;
        }
        for (e, &c) in exprs.iter().zip(&self.targets) {
            e.eval_into(env, &mut row[c])?;
        }
        if let Some(a) = table.rowid_alias
            && !self.given[n]
        {
            row[n] = row[a].clone();
        }
        Ok(())
    }

    /// Inserts one new row, with its triggers; 1 if it was stored.
    fn insert_row(&self, tx: &WriteTxn, row: Vec<Value>) -> Result<u64> {
        let t = &self.target;
        if self.triggers.any(TriggerTiming::Before) {
            let new = before_row(&t.table, &row, true)?;
            if self
                .triggers
                .fire(TriggerTiming::Before, tx, Some(&new), None)?
                == Flow::Ignore
            {
                return Ok(0);
            }
        }
        match store_row(tx, t, row, None, self.conflict)? {
            Some(stored) => {
                self.triggers
                    .fire(TriggerTiming::After, tx, Some(&stored), None)?;
                *self.spare_row.lock() = stored;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

/// NEW as a BEFORE trigger sees it: the values with their columns'
/// affinities, and the rowid an integer. Before an INSERT that is to choose
/// the rowid, SQLite shows -1 (the INTEGER PRIMARY KEY column reads the
/// same).
fn before_row(table: &Table, row: &[Value], insert: bool) -> Result<Vec<Value>> {
    let n = table.columns.len();
    let mut new: Vec<Value> = table
        .columns
        .iter()
        .zip(row)
        .map(|(c, v)| affinity::apply(c.affinity, v.clone()))
        .collect();
    let rowid = match row.get(n) {
        None | Some(Value::Null) if insert => -1,
        v => rowid_of(v.unwrap_or(&Value::Null))?,
    };
    if let Some(a) = table.rowid_alias {
        new[a] = Value::Integer(rowid);
    }
    new.push(Value::Integer(rowid));
    Ok(new)
}

/// `table t has 2 columns but 3 values were supplied` / `3 values for 2
/// columns`.
pub(crate) fn arity_error(table: &str, listed: bool, values: usize, columns: usize) -> Error {
    Error::Invalid(if listed {
        format!("{values} values for {columns} columns")
    } else {
        format!("table {table} has {columns} columns but {values} values were supplied")
    })
}

/// An UPDATE of a table, prepared.
#[derive(Debug)]
pub struct PreparedUpdate {
    target: Target,
    /// (column position, or n for the rowid; its new value).
    sets: Vec<(usize, BExpr)>,
    plan: plan::ScanPlan,
    conflict: Conflict,
    triggers: RowTriggers,
}

/// Prepares an UPDATE (of a table, or of a view through its INSTEAD OF
/// triggers) inside `nesting`.
pub fn prepare_update(
    schema: &Schema,
    upd: &Update,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
    nesting: &Nesting,
) -> Result<Prepared> {
    if let Some(view) = schema.find_view(&upd.table) {
        return crate::instead_of::prepare_update(schema, view, upd, slots, hint, nesting)
            .map(Prepared::View);
    }
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
    let conflict = nesting.conflict(upd.conflict);
    let assigned: Vec<String> = upd.assignments.iter().map(|(c, _)| c.clone()).collect();
    let triggers = RowTriggers::prepare(
        schema,
        &table.name,
        || shape_of(&table, true, true),
        Change::Update(&assigned),
        conflict,
        nesting,
    )?;
    Ok(Prepared::Update(PreparedUpdate {
        target: t,
        sets,
        plan,
        conflict: conflict.unwrap_or(Conflict::Abort),
        triggers,
    }))
}

impl PreparedUpdate {
    fn run(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        let t = &self.target;
        let table = &t.table;
        let n = table.columns.len();
        let ctx = ScanCtx::new(tx, params);
        let victims = collect(&ctx, &self.plan)?;
        let mut count = 0;
        for collected in victims {
            let old_rowid = row_rowid(&collected)?;
            // Read the row afresh: an earlier row's OR REPLACE, or a
            // trigger, may have changed or deleted it (then it is skipped,
            // as in SQLite).
            let Some(old) = fetch_row(tx, table, old_rowid)? else {
                continue;
            };
            let env = Env::in_query(&old, &[], &ctx);
            let mut new = old.clone();
            for (col, e) in &self.sets {
                new[*col] = e.eval(&env)?;
            }
            if matches!(new[n], Value::Null) && self.sets.iter().any(|(c, _)| *c == n) {
                return Err(Error::DatatypeMismatch);
            }
            let mut current = old.clone();
            if self.triggers.any(TriggerTiming::Before) {
                let before = before_row(table, &new, false)?;
                if self
                    .triggers
                    .fire(TriggerTiming::Before, tx, Some(&before), Some(&old))?
                    == Flow::Ignore
                {
                    continue;
                }
                // The trigger may have deleted the row (skip it) or changed
                // it: the columns this UPDATE does not set are read again,
                // the ones it sets keep the values computed before.
                let Some(now) = fetch_row(tx, table, old_rowid)? else {
                    continue;
                };
                for (i, v) in now.iter().enumerate().take(n) {
                    if !self.sets.iter().any(|(c, _)| *c == i) && table.rowid_alias != Some(i) {
                        new[i] = v.clone();
                    }
                }
                current = now;
            }
            if let Some(stored) = store_row(tx, t, new, Some((old_rowid, &current)), self.conflict)?
            {
                count += 1;
                self.triggers
                    .fire(TriggerTiming::After, tx, Some(&stored), Some(&old))?;
            }
        }
        Ok(count)
    }
}

/// A DELETE from a table, prepared.
#[derive(Debug)]
pub struct PreparedDelete {
    target: Target,
    plan: plan::ScanPlan,
    triggers: RowTriggers,
}

/// Prepares a DELETE (from a table, or from a view through its INSTEAD
/// OF triggers) inside `nesting`.
pub fn prepare_delete(
    schema: &Schema,
    del: &Delete,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
    nesting: &Nesting,
) -> Result<Prepared> {
    if let Some(view) = schema.find_view(&del.table) {
        return crate::instead_of::prepare_delete(schema, view, del, slots, hint, nesting)
            .map(Prepared::View);
    }
    let t = Target::new(schema, &del.table)?;
    let table = t.table.clone();
    let mut b = Binder::new(Some(&table), Some(&table.name), slots);
    b.schema = Some(schema);
    let filter = del.filter.as_ref().map(|f| b.bind(f)).transpose()?;
    let allowed = plan::allowed_indexes(&table, t.indexes.clone(), hint)?;
    let mut plan = plan::plan_scan(&table, &allowed, filter, &[]);
    plan::force_hint(&mut plan, &allowed, hint);
    // A DELETE passes no conflict policy on to its triggers' programs.
    let triggers = RowTriggers::prepare(
        schema,
        &table.name,
        || shape_of(&table, false, true),
        Change::Delete,
        None,
        nesting,
    )?;
    // Without triggers nothing needs OLD: the rows are read for the WHERE
    // clause and the index keys only (see `run_without_triggers`).
    if triggers.is_empty() {
        let indexes = t.indexes.iter().map(|i| &**i);
        plan.read = Some(plan::with_index_columns(b.columns_read(&table), indexes));
    }
    Ok(Prepared::Delete(PreparedDelete {
        target: t,
        plan,
        triggers,
    }))
}

impl PreparedDelete {
    fn run(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        let t = &self.target;
        if self.triggers.is_empty() {
            return self.run_without_triggers(tx, params);
        }
        let victims = collect(&ScanCtx::new(tx, params), &self.plan)?;
        let mut count = 0;
        for collected in victims {
            let rowid = row_rowid(&collected)?;
            // A trigger fired for an earlier row may have deleted or
            // changed this one: skip it, or take it as it is now.
            let Some(old) = fetch_row(tx, &t.table, rowid)? else {
                continue;
            };
            let mut current = old.clone();
            if self.triggers.any(TriggerTiming::Before) {
                if self
                    .triggers
                    .fire(TriggerTiming::Before, tx, None, Some(&old))?
                    == Flow::Ignore
                {
                    continue;
                }
                let Some(now) = fetch_row(tx, &t.table, rowid)? else {
                    continue;
                };
                current = now;
            }
            delete_row(tx, t, rowid, &current)?;
            count += 1;
            self.triggers
                .fire(TriggerTiming::After, tx, None, Some(&old))?;
        }
        Ok(count)
    }

    /// A DELETE that fires no trigger needs no row after the scan: only
    /// the keys to delete, the table's and each index's (computed from the
    /// row while the scan has it). Each tree then loses its keys in key
    /// order, a run of keys on one leaf for one descent
    /// ([`BTree::delete_keys`]).
    fn run_without_triggers(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        if self.one_pass() {
            return self.run_in_one_pass(tx, params);
        }
        let t = &self.target;
        let mut table_keys = Vec::new();
        let mut index_keys: Vec<Vec<Vec<u8>>> = vec![Vec::new(); t.indexes.len()];
        scan::scan(&ScanCtx::new(tx, params), &self.plan, &mut |row| {
            let rowid = row_rowid(&row)?;
            for (keys, index) in index_keys.iter_mut().zip(&t.indexes) {
                keys.push(index_key(index, &row, rowid));
            }
            table_keys.push(rowid_key(rowid));
            Ok(true)
        })?;
        let count = table_keys.len() as u64;
        for (index, mut keys) in t.indexes.iter().zip(index_keys) {
            keys.sort_unstable();
            BTree::open(index.root).delete_keys(tx, &keys)?;
        }
        table_keys.sort_unstable();
        BTree::open(t.table.root).delete_keys(tx, &table_keys)?;
        Ok(count)
    }

    /// Whether the rows can be judged and deleted in the same walk of the
    /// table ([`run_in_one_pass`](Self::run_in_one_pass)): the plan walks
    /// the whole table forwards, and the WHERE clause has no subquery, so
    /// nothing it evaluates reads the table while the walk changes it (a
    /// subquery must see every row as it was before the statement).
    fn one_pass(&self) -> bool {
        let mut subquery = false;
        if let Some(f) = &self.plan.filter {
            f.visit(&mut |e| subquery |= matches!(e, BExpr::Subquery(_)));
        }
        matches!(self.plan.access, plan::Access::Scan { reverse: false }) && !subquery
    }

    /// A DELETE that walks the whole table ([`one_pass`](Self::one_pass)):
    /// [`BTree::delete_where`] judges each row with the WHERE clause as
    /// the walk reaches it and removes the doomed rows of each leaf
    /// together, so each leaf is read once (collecting the keys first and
    /// deleting them after reads every leaf twice). The index keys of the
    /// deleted rows are collected meanwhile and deleted after, tree by tree
    /// in key order. The same rows go as with the scan: every row is
    /// judged once, in rowid order, on its values before the statement.
    fn run_in_one_pass(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        let t = &self.target;
        let ctx = ScanCtx::new(tx, params);
        let read = self.plan.read.as_deref();
        let filter = self.plan.filter.as_ref();
        let mut index_keys: Vec<Vec<Vec<u8>>> = vec![Vec::new(); t.indexes.len()];
        // Every row is decoded into the same buffer, as a scan does.
        let mut row = Vec::new();
        let count = BTree::open(t.table.root).delete_where(
            tx,
            |key: &[u8], value: &[u8]| -> Result<bool> {
                let rowid = rows::key_rowid(key)?;
                rows::decode_row_reading_into(&t.table, rowid, value, read, &mut row)?;
                if let Some(filter) = filter
                    && !filter.test(&Env::in_query(&row, &[], &ctx))?
                {
                    return Ok(false);
                }
                for (keys, index) in index_keys.iter_mut().zip(&t.indexes) {
                    keys.push(index_key(index, &row, rowid));
                }
                Ok(true)
            },
        )?;
        for (index, mut keys) in t.indexes.iter().zip(index_keys) {
            keys.sort_unstable();
            BTree::open(index.root).delete_keys(tx, &keys)?;
        }
        Ok(count)
    }
}

/// Prepares an INSERT, UPDATE or DELETE at the top level of a statement.
pub fn prepare(
    schema: &Schema,
    stmt: &crate::ast::Statement,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
) -> Result<Prepared> {
    use crate::ast::Statement as Ast;
    let top = Nesting::top();
    match stmt {
        Ast::Insert(i) => prepare_insert(schema, i, slots, &top),
        Ast::Update(u) => prepare_update(schema, u, slots, hint, &top),
        Ast::Delete(d) => prepare_delete(schema, d, slots, hint, &top),
        other => Err(Error::Invalid(format!(
            "{other:?} is not an INSERT, UPDATE or DELETE"
        ))),
    }
}

/// The plan lines of an UPDATE or DELETE's search, for EXPLAIN (for a
/// view written through INSTEAD OF triggers, the query of its rows;
/// `change` says which triggers).
pub fn explain_search(
    schema: &Schema,
    table: &str,
    filter: Option<&crate::ast::Expr>,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
    change: Change<'_>,
) -> Result<Vec<String>> {
    if let Some(view) = schema.find_view(table) {
        return crate::instead_of::explain(schema, view, filter, slots, hint, change);
    }
    let table = schema.table(table)?.clone();
    let indexes = plan::allowed_indexes(&table, schema.indexes_of(&table.name), hint)?;
    let mut b = Binder::new(Some(&table), Some(&table.name), slots);
    b.schema = Some(schema);
    let filter = filter.map(|f| b.bind(f)).transpose()?;
    let mut p = plan::plan_scan(&table, &indexes, filter, &[]);
    plan::force_hint(&mut p, &indexes, hint);
    Ok(vec![plan::describe(&p)])
}
