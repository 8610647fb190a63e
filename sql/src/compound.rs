//! Compound SELECTs: `UNION`, `UNION ALL`, `INTERSECT`, `EXCEPT`.
//!
//! ```text
//! SELECT ... FROM a          the left-most SELECT: names the columns
//! UNION ALL SELECT ... FROM b
//! EXCEPT SELECT ... FROM c
//! ORDER BY 2 DESC LIMIT 10   ORDER BY, LIMIT and OFFSET: of the whole
//! ```
//!
//! As in SQLite, the operators have equal precedence and apply from left to
//! right: `a UNION ALL b EXCEPT c` is `(a UNION ALL b) EXCEPT c`. Every
//! SELECT is planned and run on its own ([`crate::select`]); their rows
//! then combine:
//!
//! * `UNION ALL` appends the right rows to the left ones;
//! * `UNION` keeps one of every set of equal rows from both sides (the
//!   last, as SQLite's temporary B-tree does);
//! * `INTERSECT` keeps the distinct left rows that also occur on the right;
//! * `EXCEPT` keeps the distinct left rows that do not occur on the right.
//!
//! Rows are equal when every column compares equal as SQLite compares
//! values (`1` equals `1.0`, NULL equals NULL here, text byte by byte): the
//! comparison key is the row's [`keycode`] encoding. SQLite computes the
//! three distinct operators in a temporary B-tree, so their rows come out
//! sorted by that key; walnut does the same, so that even without ORDER BY
//! the answers come in SQLite's order.
//!
//! ORDER BY terms of a compound must name a result column: a column number
//! (`ORDER BY 2`), a name that one of the left-most SELECT's result columns
//! has (`ORDER BY total`), or an expression written as a result column of
//! one of the SELECTs (`ORDER BY x + 1`). Anything else is SQLite's error
//! "1st ORDER BY term does not match any column in the result set".

use crate::ast::{CompoundOp, Expr, Select, SelectItem};
use crate::bind::{Binder, ParamSlots};
use crate::cte::{CteScope, RecursivePlan};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::keycode;
use crate::scan::ScanCtx;
use crate::schema::Schema;
use crate::select::{self, SelectPlan, SortKey};
use crate::value::Value;
use std::collections::{BTreeMap, HashSet};

/// A planned query: one SELECT, or a compound of several.
#[derive(Debug, Clone)]
pub enum QueryPlan {
    /// A single SELECT.
    Select(SelectPlan),
    /// A compound SELECT.
    Compound(CompoundPlan),
    /// A recursive common table expression.
    Recursive(Box<RecursivePlan>),
}

/// A planned query shared by the plans that hold it (a subquery in FROM);
/// two are equal only if they are the same plan.
#[derive(Debug, Clone)]
pub struct SharedQuery(pub std::sync::Arc<QueryPlan>);

impl PartialEq for SharedQuery {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A planned compound SELECT.
#[derive(Debug, Clone)]
pub struct CompoundPlan {
    /// The left-most SELECT.
    pub first: SelectPlan,
    /// The others, each with the operator before it.
    pub rest: Vec<(CompoundOp, SelectPlan)>,
    /// ORDER BY of the whole, over the result columns.
    pub sort: Vec<SortKey>,
    /// LIMIT of the whole.
    pub limit: Option<BExpr>,
    /// OFFSET of the whole.
    pub offset: Option<BExpr>,
}

impl QueryPlan {
    /// The result column names (a compound's are its left-most SELECT's).
    pub fn columns(&self) -> &[String] {
        &self.first().columns
    }

    /// The left-most SELECT.
    pub(crate) fn first(&self) -> &SelectPlan {
        match self {
            QueryPlan::Select(p) => p,
            QueryPlan::Compound(c) => &c.first,
            QueryPlan::Recursive(r) => r.initial.first(),
        }
    }

    /// Whether any SELECT of it reads a row of an enclosing query.
    pub fn correlated(&self) -> bool {
        match self {
            QueryPlan::Select(p) => p.correlated,
            QueryPlan::Compound(c) => {
                c.first.correlated || c.rest.iter().any(|(_, p)| p.correlated)
            }
            QueryPlan::Recursive(r) => r.initial.correlated() || r.step.correlated,
        }
    }

    /// The affinity of the first result column, if it is a column (the
    /// right side's affinity of `x IN (SELECT ...)`).
    pub fn first_column_affinity(&self) -> Option<crate::affinity::Affinity> {
        self.first().projection.first().and_then(BExpr::affinity)
    }
}

/// Plans a SELECT that may be compound.
pub fn plan_query(
    schema: &Schema,
    s: &Select,
    params: &ParamSlots,
    hint: Option<&crate::ast::IndexHint>,
) -> Result<QueryPlan> {
    plan_query_in(schema, s, params, hint, None, None)
}

/// Plans a subquery of the query that `outer` binds.
pub fn plan_subquery(
    schema: &Schema,
    s: &Select,
    params: &ParamSlots,
    outer: &Binder<'_>,
) -> Result<QueryPlan> {
    plan_query_in(schema, s, params, None, Some(outer), outer.ctes)
}

pub(crate) fn plan_query_in(
    schema: &Schema,
    s: &Select,
    params: &ParamSlots,
    hint: Option<&crate::ast::IndexHint>,
    outer: Option<&Binder<'_>>,
    ctes: Option<&CteScope<'_>>,
) -> Result<QueryPlan> {
    if !s.with.is_empty() {
        let scope = CteScope {
            defs: &s.with,
            working: None,
            parent: ctes,
        };
        let body = Select {
            with: Vec::new(),
            recursive: false,
            ..s.clone()
        };
        return plan_query_in(schema, &body, params, hint, outer, Some(&scope));
    }
    if s.compound.is_empty() {
        return select::plan_select_in(schema, s, params, hint, outer, ctes).map(QueryPlan::Select);
    }
    let head = Select {
        order_by: Vec::new(),
        limit: None,
        offset: None,
        compound: Vec::new(),
        ..s.clone()
    };
    let first = select::plan_select_in(schema, &head, params, hint, outer, ctes)?;
    let width = first.columns.len();
    let mut rest = Vec::with_capacity(s.compound.len());
    for arm in &s.compound {
        let p = select::plan_select_in(schema, &arm.select, params, None, outer, ctes)?;
        if p.columns.len() != width {
            return Err(Error::Invalid(format!(
                "SELECTs to the left and right of {} do not have the same number of result \
                 columns",
                arm.op.sql()
            )));
        }
        rest.push((arm.op, p));
    }
    let sort = sort_keys(s, &first.columns)?;
    let mut b = Binder::new(None, None, params);
    b.schema = Some(schema);
    b.outer = outer;
    let mut constant = |e: &Option<Expr>| {
        e.as_ref()
            .map(|e| select::bind_constant(&mut b, e))
            .transpose()
    };
    Ok(QueryPlan::Compound(CompoundPlan {
        first,
        rest,
        sort,
        limit: constant(&s.limit)?,
        offset: constant(&s.offset)?,
    }))
}

/// The ORDER BY of a compound (or of a recursive CTE, whose SELECT is
/// one), over its result columns named `columns`.
pub(crate) fn sort_keys(s: &Select, columns: &[String]) -> Result<Vec<SortKey>> {
    let members: Vec<&[SelectItem]> = std::iter::once(s.items.as_slice())
        .chain(s.compound.iter().map(|arm| arm.select.items.as_slice()))
        .collect();
    s.order_by
        .iter()
        .enumerate()
        .map(|(i, term)| {
            let index = result_column(&term.expr, columns, &members).ok_or_else(|| {
                Error::Invalid(format!(
                    "{} ORDER BY term does not match any column in the result set",
                    select::ordinal(i as i64 + 1)
                ))
            })?;
            Ok(SortKey {
                expr: BExpr::Column {
                    index,
                    affinity: crate::affinity::Affinity::Blob,
                },
                descending: term.descending,
                nulls_first: term.nulls_first.unwrap_or(!term.descending),
            })
        })
        .collect()
}

/// Which result column an ORDER BY term of a compound names, if any: a
/// column number, a result column's name, or (as SQLite also allows) an
/// expression written as a result column of one of the SELECTs, tried from
/// the left-most on (a qualified column `t.c` matches a result column `c`).
fn result_column(e: &Expr, columns: &[String], members: &[&[SelectItem]]) -> Option<usize> {
    if let Expr::Literal(Value::Integer(n)) = e {
        return usize::try_from(*n)
            .ok()
            .filter(|&n| n >= 1 && n <= columns.len())
            .map(|n| n - 1);
    }
    if let Expr::Column { table: None, name } = e
        && let Some(i) = columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    {
        return Some(i);
    }
    let same = |item: &Expr| match (item, e) {
        (Expr::Column { name: a, .. }, Expr::Column { name: b, .. }) => a.eq_ignore_ascii_case(b),
        _ => item == e,
    };
    members.iter().find_map(|items| {
        // Positions line up with result columns only without wildcards.
        if !items.iter().all(|i| matches!(i, SelectItem::Expr { .. })) {
            return None;
        }
        items
            .iter()
            .position(|i| matches!(i, SelectItem::Expr { expr, .. } if same(expr)))
    })
}

/// Runs a planned query.
pub fn run_query(ctx: &ScanCtx<'_>, q: &QueryPlan) -> Result<Vec<Vec<Value>>> {
    let c = match q {
        QueryPlan::Select(p) => return select::run_select(ctx, p),
        QueryPlan::Recursive(r) => return run_recursive(ctx, r),
        QueryPlan::Compound(c) => c,
    };
    // LIMIT 0 wants nothing: like SQLite, run nothing (so nothing fails).
    if select::integer_clause(&c.limit, ctx)? == Some(0) {
        return Ok(Vec::new());
    }
    let mut rows = select::run_select(ctx, &c.first)?;
    for (op, p) in &c.rest {
        // Nothing can come out of INTERSECT or EXCEPT with an empty left
        // side; like SQLite, do not run the right one (its errors, such as
        // an integer overflow, never happen).
        if rows.is_empty() && matches!(op, CompoundOp::Intersect | CompoundOp::Except) {
            continue;
        }
        let right = select::run_select(ctx, p)?;
        rows = combine(*op, rows, right);
    }
    if !c.sort.is_empty() {
        let keyed: Vec<(Vec<Value>, Vec<Value>)> = rows
            .into_iter()
            .map(|row| {
                let env = Env::in_query(&row, &[], ctx);
                let keys = c
                    .sort
                    .iter()
                    .map(|k| k.expr.eval(&env))
                    .collect::<Result<Vec<_>>>()?;
                Ok((keys, row))
            })
            .collect::<Result<_>>()?;
        let mut keyed = keyed;
        keyed.sort_by(|a, b| select::compare_keys(&c.sort, &a.0, &b.0));
        rows = keyed.into_iter().map(|(_, row)| row).collect();
    }
    let offset = select::integer_clause(&c.offset, ctx)?.unwrap_or(0).max(0);
    let limit = select::integer_clause(&c.limit, ctx)?;
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = match limit {
        Some(l) if l >= 0 => usize::try_from(l).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    Ok(rows.into_iter().skip(skip).take(take).collect())
}

/// Runs a recursive CTE (see [`crate::cte`]).
fn run_recursive(ctx: &ScanCtx<'_>, r: &RecursivePlan) -> Result<Vec<Vec<Value>>> {
    let offset = select::integer_clause(&r.offset, ctx)?.unwrap_or(0).max(0);
    let mut skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit = select::integer_clause(&r.limit, ctx)?
        .filter(|l| *l >= 0)
        .map(|l| usize::try_from(l).unwrap_or(usize::MAX));
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut queue = RecursionQueue::new(&r.sort);
    for row in run_query(ctx, &r.initial)? {
        if r.union_all || seen.insert(keycode::encode_row(&row)) {
            queue.push(ctx, row)?;
        }
    }
    let mut out = Vec::new();
    while let Some(row) = queue.pop() {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let mut working = row.clone();
        working.push(Value::Integer(1));
        if skip > 0 {
            skip -= 1;
        } else {
            out.push(row);
        }
        r.working.0.set(vec![working]);
        for next in select::run_select(ctx, &r.step)? {
            if r.union_all || seen.insert(keycode::encode_row(&next)) {
                queue.push(ctx, next)?;
            }
        }
    }
    Ok(out)
}

/// A recursive CTE's queue: first in, first out; or, with an ORDER BY, the
/// row that sorts first comes out next (rows that sort alike in the order
/// they came), as in SQLite, which makes the queue a priority queue.
struct RecursionQueue<'p> {
    sort: &'p [SortKey],
    fifo: std::collections::VecDeque<Vec<Value>>,
    heap: std::collections::BinaryHeap<Queued<'p>>,
    pushed: u64,
}

/// A row in the priority queue, with its sort keys and arrival number.
struct Queued<'p> {
    sort: &'p [SortKey],
    keys: Vec<Value>,
    arrival: u64,
    row: Vec<Value>,
}

impl Ord for Queued<'_> {
    /// Reversed, so that the max-heap pops the row that sorts first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        select::compare_keys(self.sort, &self.keys, &other.keys)
            .then(self.arrival.cmp(&other.arrival))
            .reverse()
    }
}

impl PartialOrd for Queued<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Queued<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.arrival == other.arrival
    }
}

impl Eq for Queued<'_> {}

impl<'p> RecursionQueue<'p> {
    fn new(sort: &'p [SortKey]) -> Self {
        RecursionQueue {
            sort,
            fifo: std::collections::VecDeque::new(),
            heap: std::collections::BinaryHeap::new(),
            pushed: 0,
        }
    }

    fn push(&mut self, ctx: &ScanCtx<'_>, row: Vec<Value>) -> Result<()> {
        if self.sort.is_empty() {
            self.fifo.push_back(row);
            return Ok(());
        }
        let env = Env::in_query(&row, &[], ctx);
        let keys = self
            .sort
            .iter()
            .map(|k| k.expr.eval(&env))
            .collect::<Result<Vec<_>>>()?;
        self.pushed += 1;
        self.heap.push(Queued {
            sort: self.sort,
            keys,
            arrival: self.pushed,
            row,
        });
        Ok(())
    }

    fn pop(&mut self) -> Option<Vec<Value>> {
        if self.sort.is_empty() {
            self.fifo.pop_front()
        } else {
            self.heap.pop().map(|q| q.row)
        }
    }
}

/// Applies one compound operator.
fn combine(op: CompoundOp, left: Vec<Vec<Value>>, right: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    if op == CompoundOp::UnionAll {
        let mut all = left;
        all.extend(right);
        return all;
    }
    // The distinct operators: of each set of equal rows the last one (a
    // later insert into SQLite's temporary B-tree replaces an equal key:
    // `SELECT 1 UNION SELECT 1.0` is 1.0), in key order.
    let mut kept: BTreeMap<Vec<u8>, Vec<Value>> = BTreeMap::new();
    match op {
        CompoundOp::Union => {
            for row in left.into_iter().chain(right) {
                kept.insert(keycode::encode_row(&row), row);
            }
        }
        CompoundOp::Intersect | CompoundOp::Except => {
            let on_right: HashSet<Vec<u8>> = right.iter().map(|r| keycode::encode_row(r)).collect();
            let want = op == CompoundOp::Intersect;
            for row in left {
                let key = keycode::encode_row(&row);
                if on_right.contains(&key) == want {
                    kept.insert(key, row);
                }
            }
        }
        CompoundOp::UnionAll => {}
    }
    kept.into_values().collect()
}

/// The EXPLAIN QUERY PLAN lines of a query (two spaces per level of
/// nesting, as [`crate::plan::render_tree`] draws them).
pub fn explain(q: &QueryPlan) -> Vec<String> {
    let c = match q {
        QueryPlan::Select(p) => return select::explain(p),
        QueryPlan::Recursive(r) => {
            let mut lines = vec!["SETUP".to_string()];
            lines.extend(explain(&r.initial).into_iter().map(|l| format!("  {l}")));
            lines.push("RECURSIVE STEP".to_string());
            lines.extend(
                select::explain(&r.step)
                    .into_iter()
                    .map(|l| format!("  {l}")),
            );
            return lines;
        }
        QueryPlan::Compound(c) => c,
    };
    let mut lines = vec!["COMPOUND QUERY".to_string()];
    let mut member = |title: String, p: &SelectPlan| {
        lines.push(format!("  {title}"));
        lines.extend(select::explain(p).into_iter().map(|l| format!("    {l}")));
    };
    member("LEFT-MOST SUBQUERY".to_string(), &c.first);
    for (op, p) in &c.rest {
        let title = match op {
            CompoundOp::UnionAll => "UNION ALL",
            CompoundOp::Union => "UNION USING TEMP B-TREE",
            CompoundOp::Intersect => "INTERSECT USING TEMP B-TREE",
            CompoundOp::Except => "EXCEPT USING TEMP B-TREE",
        };
        member(title.to_string(), p);
    }
    if !c.sort.is_empty() {
        lines.push("USE TEMP B-TREE FOR ORDER BY".to_string());
    }
    lines
}
