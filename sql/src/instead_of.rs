//! INSERT, UPDATE and DELETE on a view, through its INSTEAD OF triggers.
//!
//! A view has no rows of its own to change. SQLite refuses to write one
//! (`cannot modify v because it is a view`) unless an INSTEAD OF trigger
//! on it fires for the statement; then the statement changes nothing
//! itself and runs the trigger for every row it would have changed
//! (usually to write the tables under the view):
//!
//! ```text
//! INSERT INTO v ...      for each row given:   NEW = the row (columns not
//!                                               named are NULL), rowid -1
//! UPDATE v SET .. WHERE  for each row of `SELECT * FROM v WHERE ..`:
//!                        OLD = the row, NEW = it with SET applied
//! DELETE FROM v WHERE .. for each row of `SELECT * FROM v WHERE ..`:
//!                        OLD = the row
//! ```
//!
//! The rows of an UPDATE or DELETE are read, all of them, before the
//! first trigger runs (SQLite materializes them), and each gets the rowid
//! of its place among them (1, 2, ...). As in SQLite, NEW of an UPDATE has
//! the view's column affinities applied (a view column over an INTEGER
//! column turns `'9'` into 9), while NEW of an INSERT holds the values as
//! given. The statement reports no rows changed: `changes()` does not
//! count what INSTEAD OF triggers do.

use crate::affinity;
use crate::ast::{
    Conflict, Delete, IndexHint, Insert, Select, SelectItem, TableRef, TriggerTiming, Update,
};
use crate::bind::{Binder, ParamSlots};
use crate::compound::{self, QueryPlan};
use crate::dml::{Source, arity_error};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::scan::ScanCtx;
use crate::schema::{Column, Schema, Table, View};
use crate::trigger::Change;
use crate::trigger_program::{Nesting, RowTriggers};
use crate::trigger_row::RowShape;
use crate::value::Value;
use std::sync::Arc;
use walnut_pager::WriteTxn;

/// A write to a view, prepared.
#[derive(Debug)]
pub struct ViewWrite {
    what: What,
    triggers: RowTriggers,
}

/// What the statement does, prepared.
#[derive(Debug)]
enum What {
    /// INSERT: the view's column of each supplied value, and the rows.
    Insert {
        targets: Vec<usize>,
        source: Source,
        width: usize,
    },
    /// UPDATE: the view's rows to change, and (view column, new value).
    Update {
        rows: Box<QueryPlan>,
        sets: Vec<(usize, BExpr)>,
        columns: Vec<Column>,
    },
    /// DELETE: the view's rows to delete.
    Delete { rows: Box<QueryPlan> },
}

/// The view as a table: its columns (names and affinities) and nothing
/// else, with the query of its rows that pass `filter`.
fn view_rows(
    schema: &Schema,
    view: &View,
    filter: Option<&crate::ast::Expr>,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
) -> Result<(Table, QueryPlan)> {
    let select = Select {
        items: vec![SelectItem::Wildcard],
        from: Some(TableRef {
            name: view.name.clone(),
            alias: None,
            derived: None,
        }),
        filter: filter.cloned(),
        ..Select::default()
    };
    let plan = compound::plan_query(schema, &select, slots, hint)?;
    let columns = plan
        .columns()
        .iter()
        .zip(&plan.first().projection)
        .map(|(name, e)| Column::computed(name, e.affinity().unwrap_or(affinity::Affinity::Blob)))
        .collect();
    Ok((Table::without_tree(&view.name, columns), plan))
}

/// The INSTEAD OF triggers `change` fires on `view`, or SQLite's error if
/// there are none.
fn triggers(
    schema: &Schema,
    view: &View,
    table: &Table,
    change: Change<'_>,
    conflict: Option<Conflict>,
    nesting: &Nesting,
) -> Result<RowTriggers> {
    if schema
        .triggers_for(&view.name, TriggerTiming::InsteadOf, change)
        .is_empty()
    {
        return Err(read_only(view));
    }
    let (new, old) = match change {
        Change::Insert => (true, false),
        Change::Update(_) => (true, true),
        Change::Delete => (false, true),
    };
    let shape = || RowShape {
        columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        rowid_alias: None,
        new,
        old,
    };
    RowTriggers::prepare(schema, &view.name, shape, change, conflict, nesting)
}

/// `cannot modify v because it is a view`.
pub fn read_only(view: &View) -> Error {
    Error::Invalid(format!("cannot modify {} because it is a view", view.name))
}

/// Prepares an INSERT into `view`.
pub fn prepare_insert(
    schema: &Schema,
    view: &Arc<View>,
    ins: &Insert,
    slots: &ParamSlots,
    nesting: &Nesting,
) -> Result<ViewWrite> {
    let (table, _) = view_rows(schema, view, None, slots, None)?;
    let conflict = nesting.conflict(ins.conflict);
    let triggers = triggers(schema, view, &table, Change::Insert, conflict, nesting)?;
    let width = table.columns.len();
    let targets: Vec<usize> = match &ins.columns {
        Some(cols) => cols
            .iter()
            .map(|c| {
                table.column_index(c).ok_or_else(|| {
                    Error::Invalid(format!("table {} has no column named {c}", view.name))
                })
            })
            .collect::<Result<Vec<_>>>()?,
        None => (0..width).collect(),
    };
    let arity = |values| arity_error(&view.name, ins.columns.is_some(), values, targets.len());
    let source = Source::bind(schema, &ins.source, slots, targets.len(), &arity)?;
    Ok(ViewWrite {
        what: What::Insert {
            targets,
            source,
            width,
        },
        triggers,
    })
}

/// Prepares an UPDATE of `view`.
pub fn prepare_update(
    schema: &Schema,
    view: &Arc<View>,
    upd: &Update,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
    nesting: &Nesting,
) -> Result<ViewWrite> {
    let (table, rows) = view_rows(schema, view, upd.filter.as_ref(), slots, hint)?;
    let assigned: Vec<String> = upd.assignments.iter().map(|(c, _)| c.clone()).collect();
    let conflict = nesting.conflict(upd.conflict);
    let triggers = triggers(
        schema,
        view,
        &table,
        Change::Update(&assigned),
        conflict,
        nesting,
    )?;
    let mut b = Binder::new(Some(&table), Some(&view.name), slots);
    b.schema = Some(schema);
    let mut sets = Vec::with_capacity(upd.assignments.len());
    for (name, e) in &upd.assignments {
        let col = table
            .column_index(name)
            .ok_or_else(|| Error::no_column(name))?;
        sets.push((col, b.bind(e)?));
    }
    Ok(ViewWrite {
        what: What::Update {
            rows: Box::new(rows),
            sets,
            columns: table.columns.clone(),
        },
        triggers,
    })
}

/// Prepares a DELETE from `view`.
pub fn prepare_delete(
    schema: &Schema,
    view: &Arc<View>,
    del: &Delete,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
    nesting: &Nesting,
) -> Result<ViewWrite> {
    let (table, rows) = view_rows(schema, view, del.filter.as_ref(), slots, hint)?;
    let triggers = triggers(schema, view, &table, Change::Delete, None, nesting)?;
    Ok(ViewWrite {
        what: What::Delete {
            rows: Box::new(rows),
        },
        triggers,
    })
}

/// The plan lines of an UPDATE or DELETE of `view` (the query of the rows
/// its INSTEAD OF triggers will see), for EXPLAIN; SQLite's error if no
/// INSTEAD OF trigger fires for `change`.
pub fn explain(
    schema: &Schema,
    view: &View,
    filter: Option<&crate::ast::Expr>,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
    change: Change<'_>,
) -> Result<Vec<String>> {
    if schema
        .triggers_for(&view.name, TriggerTiming::InsteadOf, change)
        .is_empty()
    {
        return Err(read_only(view));
    }
    let (_, rows) = view_rows(schema, view, filter, slots, hint)?;
    Ok(compound::explain(&rows))
}

impl ViewWrite {
    /// Runs the INSTEAD OF triggers for each row; nothing counts as
    /// changed.
    pub fn run(&self, tx: &WriteTxn, params: &[Value]) -> Result<u64> {
        let ctx = ScanCtx::new(tx, params);
        let instead = TriggerTiming::InsteadOf;
        match &self.what {
            What::Insert {
                targets,
                source,
                width,
            } => {
                let default_only = matches!(source, Source::DefaultValues);
                for values in source.rows(&ctx)? {
                    let mut new = vec![Value::Null; width + 1];
                    if !default_only {
                        for (v, &c) in values.into_iter().zip(targets) {
                            new[c] = v;
                        }
                    }
                    new[*width] = Value::Integer(-1);
                    self.triggers.fire(instead, tx, Some(&new), None)?;
                }
            }
            What::Update {
                rows,
                sets,
                columns,
            } => {
                for (i, mut old) in compound::run_query(&ctx, rows)?.into_iter().enumerate() {
                    old.push(Value::Integer(i as i64 + 1));
                    let env = Env::in_query(&old, &[], &ctx);
                    let mut new = old.clone();
                    for (col, e) in sets {
                        new[*col] = e.eval(&env)?;
                    }
                    for (v, c) in new.iter_mut().zip(columns) {
                        *v = affinity::apply(c.affinity, std::mem::replace(v, Value::Null));
                    }
                    self.triggers.fire(instead, tx, Some(&new), Some(&old))?;
                }
            }
            What::Delete { rows } => {
                for (i, mut old) in compound::run_query(&ctx, rows)?.into_iter().enumerate() {
                    old.push(Value::Integer(i as i64 + 1));
                    self.triggers.fire(instead, tx, None, Some(&old))?;
                }
            }
        }
        Ok(0)
    }
}
