//! Common table expressions: `WITH name [(columns)] AS (select) ...`.
//!
//! A query's WITH clause names SELECTs that its FROM clauses, and those of
//! its subqueries, may use like tables. Names are looked up innermost WITH
//! first, and a CTE shadows a table of the same name. A CTE sees the ones
//! written before it in its WITH (and those of enclosing queries).
//!
//! A CTE is *recursive* when a SELECT of it names the CTE itself in FROM
//! (SQLite does not require the word RECURSIVE). It must be a compound
//! whose first SELECTs do not name it (the *initial* rows) and whose last
//! SELECT does (the *recursive step*), joined by UNION or UNION ALL:
//!
//! ```text
//! WITH RECURSIVE c(x) AS (
//!   SELECT 1                          initial rows
//!   UNION ALL
//!   SELECT x + 1 FROM c WHERE x < 5   the step: `c` is one row at a time
//! )
//! SELECT x FROM c                     1, 2, 3, 4, 5
//! ```
//!
//! It runs as SQLite runs it: a queue starts with the initial rows; each
//! row taken from the queue is added to the result, and the step runs with
//! that row alone as `c`, its rows joining the end of the queue (for UNION,
//! only rows not seen before). It ends when the queue is empty, or when
//! the CTE's LIMIT is reached. Like SQLite, walnut sets no limit of its
//! own: a step that always produces rows runs until stopped.
//!
//! An ORDER BY on the CTE's SELECT turns the queue into a priority queue,
//! as in SQLite: the row that sorts first is taken next (rows that sort
//! alike, in the order they were queued). `ORDER BY depth DESC` thus walks
//! a tree depth first, `ORDER BY depth` breadth first.

use crate::ast::{Cte, Select};
use crate::error::{Error, Result};
use crate::select::SelectPlan;
use crate::value::Value;
use std::sync::{Arc, Mutex};

/// The CTEs visible where a query is planned.
#[derive(Debug, Clone, Copy)]
pub struct CteScope<'a> {
    /// The CTEs of one WITH clause.
    pub defs: &'a [Cte],
    /// The recursive CTE being planned, while its step is planned: its
    /// name means the working table (with its columns).
    pub working: Option<(&'a str, &'a SharedWorking, &'a crate::schema::Table)>,
    /// The scope around it.
    pub parent: Option<&'a CteScope<'a>>,
}

/// What a name in FROM means.
pub enum Found<'a> {
    /// A CTE, and the scope its SELECT is planned in.
    Cte(&'a Cte, CteScope<'a>),
    /// The working table of the recursive CTE being planned.
    Working(&'a SharedWorking, &'a crate::schema::Table),
}

impl<'a> CteScope<'a> {
    /// Looks `name` up, innermost first.
    pub fn find(&self, name: &str) -> Option<Found<'a>> {
        if let Some((n, w, t)) = self.working
            && n.eq_ignore_ascii_case(name)
        {
            return Some(Found::Working(w, t));
        }
        if let Some(i) = self
            .defs
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
        {
            let body = CteScope {
                defs: &self.defs[..i],
                working: None,
                parent: self.parent,
            };
            return Some(Found::Cte(&self.defs[i], body));
        }
        self.parent.and_then(|p| p.find(name))
    }
}

/// The rows a recursive step sees as its CTE: one row of the queue.
#[derive(Debug, Default)]
pub struct WorkingTable {
    rows: Mutex<Vec<Vec<Value>>>,
}

impl WorkingTable {
    /// Replaces the rows (each already laid out as columns then rowid).
    pub fn set(&self, rows: Vec<Vec<Value>>) {
        // A poisoned lock only means a panic elsewhere; the rows are plain data.
        *self.rows.lock().unwrap_or_else(|e| e.into_inner()) = rows;
    }

    /// The rows now.
    pub fn rows(&self) -> Vec<Vec<Value>> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A shared working table; equal only to itself.
#[derive(Debug, Clone)]
pub struct SharedWorking(pub Arc<WorkingTable>);

impl PartialEq for SharedWorking {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A planned recursive CTE.
#[derive(Debug, Clone)]
pub struct RecursivePlan {
    /// The initial rows' query.
    pub initial: Box<crate::compound::QueryPlan>,
    /// The recursive step.
    pub step: SelectPlan,
    /// UNION ALL (every row) rather than UNION (rows not seen before).
    pub union_all: bool,
    /// What the step reads as the CTE.
    pub working: SharedWorking,
    /// The CTE's ORDER BY: which queued row is taken next (empty: the
    /// oldest).
    pub sort: Vec<crate::select::SortKey>,
    /// The CTE's LIMIT and OFFSET.
    pub limit: Option<crate::expr::BExpr>,
    /// OFFSET.
    pub offset: Option<crate::expr::BExpr>,
}

/// Whether `s` (one SELECT of a CTE) names `name` in its FROM clause.
pub fn names_itself(s: &Select, name: &str) -> bool {
    self_references(s, name) > 0
}

/// How many times `s` names `name` in its FROM clause (its joins and the
/// subqueries there included).
fn self_references(s: &Select, name: &str) -> usize {
    s.from
        .iter()
        .chain(s.joins.iter().map(|j| &j.table))
        .map(|t| match t.derived.as_deref() {
            Some(d) => self_references(d, name),
            None => usize::from(t.name.eq_ignore_ascii_case(name)),
        })
        .sum()
}

/// Splits a recursive CTE's SELECT into its initial part and its step.
pub fn split_recursive(cte: &Cte) -> Result<(Select, &Select, bool)> {
    let s = &cte.select;
    // SQLite words every malformed recursion the same way.
    let circular = || Error::Invalid(format!("circular reference: {}", cte.name));
    let Some((last, before)) = s.compound.split_last() else {
        return Err(circular());
    };
    if names_itself(s, &cte.name) || before.iter().any(|a| names_itself(&a.select, &cte.name)) {
        return Err(circular());
    }
    let union_all = match last.op {
        crate::ast::CompoundOp::UnionAll => true,
        crate::ast::CompoundOp::Union => false,
        _ => return Err(circular()),
    };
    if self_references(&last.select, &cte.name) > 1 {
        return Err(Error::Invalid(format!(
            "multiple references to recursive table: {}",
            cte.name
        )));
    }
    let initial = Select {
        compound: before.to_vec(),
        order_by: Vec::new(),
        limit: None,
        offset: None,
        with: Vec::new(),
        recursive: false,
        ..(**s).clone()
    };
    Ok((initial, &last.select, union_all))
}
