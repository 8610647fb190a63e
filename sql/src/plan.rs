//! The planner: how to find a statement's rows in one table.
//!
//! A statement's WHERE clause is split into its AND-ed parts (conjuncts).
//! A conjunct of the form `column op constant` (op one of `= < <= > >=`,
//! or `column IN (constants)`; a constant here is anything that does not
//! read the row, parameters included) can narrow the search:
//!
//! * on the rowid (or its `INTEGER PRIMARY KEY` alias): `=`/`IN` become
//!   point lookups, ranges become a bounded walk of the table's tree;
//! * on an index: `=`/`IN` on a prefix of its columns, then at most one
//!   range on the next column, become a seek and a bounded walk of the
//!   index's tree, each entry leading to its row by rowid;
//! * otherwise the whole table is scanned.
//!
//! Candidates are ranked by a fixed, explainable order: a rowid lookup; a
//! unique index with every column fixed; more fixed index columns before
//! fewer; a range; a full scan last. An index is also chosen to deliver
//! ORDER BY when nothing narrows the search, so that the sort disappears.
//!
//! The narrowed walk only has to *include* every matching row: the whole
//! WHERE clause is still evaluated on each row found. That keeps the
//! planner's conversions (SQLite's comparison affinities, applied to the
//! lookup keys) an optimisation that cannot change an answer. An index is
//! not used when the comparison would convert the *column's* values
//! (a column without affinity compared with a CAST), since its keys hold
//! the values unconverted.
//!
//! EXPLAIN prints the plan as SQLite's `EXPLAIN QUERY PLAN` does:
//!
//! ```text
//! QUERY PLAN
//! |--SEARCH t USING INDEX t_a (a=?)
//! `--USE TEMP B-TREE FOR ORDER BY
//! ```

use crate::affinity::Affinity;
use crate::expr::BExpr;
use crate::keycode::Order;
use crate::ops::{self, CmpOp};
use crate::schema::{Index, Table};
use std::sync::Arc;

/// The values one key column is looked up by: one for `=`, several for
/// `IN`, each converted with `aff` before lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyTerm {
    /// The candidate values.
    pub values: Vec<BExpr>,
    /// The comparison affinity applied to each value.
    pub aff: Option<Affinity>,
    /// `IN` rather than `=`.
    pub is_in: bool,
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The bound's value.
    pub value: BExpr,
    /// The comparison affinity applied to it.
    pub aff: Option<Affinity>,
    /// `<=` / `>=` rather than `<` / `>`.
    pub inclusive: bool,
}

/// How rows are found.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Every row, in rowid order (or reverse).
    Scan {
        /// Largest rowid first.
        reverse: bool,
    },
    /// Rows by rowid (`rowid = x` or `rowid IN (...)`).
    Rowid {
        /// The rowids.
        keys: KeyTerm,
        /// Largest first.
        reverse: bool,
    },
    /// Rows with rowids in a range.
    RowidRange {
        /// Lower bound.
        low: Option<Bound>,
        /// Upper bound.
        high: Option<Bound>,
        /// Largest first.
        reverse: bool,
    },
    /// Rows computed in memory (the `sqlite_master` table), in rowid order.
    Materialized {
        /// The rows, each laid out as columns then rowid.
        rows: Arc<Vec<Vec<crate::Value>>>,
        /// Last row first.
        reverse: bool,
    },
    /// The rows of a subquery in FROM, computed when the scan starts, in
    /// the subquery's order (each row numbered as its rowid).
    Derived {
        /// The subquery.
        plan: crate::compound::SharedQuery,
    },
    /// The working table of a recursive CTE: the row its step runs on.
    Working {
        /// The rows, set before each run of the step.
        table: crate::cte::SharedWorking,
    },
    /// The combined rows of a join, from nested loops (see
    /// [`crate::join`]).
    Join {
        /// The tables, outermost first.
        levels: Vec<crate::join::JoinLevel>,
    },
    /// Rows of a join level found through a hash table of the level's
    /// table, built on first use (see [`crate::hash_join`]).
    HashJoin {
        /// The build side, the key equalities and the buckets.
        join: Arc<crate::hash_join::HashJoin>,
    },
    /// Rows through an index.
    Index {
        /// The index.
        index: Arc<Index>,
        /// Values of its leading columns.
        eq: Vec<KeyTerm>,
        /// Range on the column after them (in value terms, not key terms).
        low: Option<Bound>,
        /// Upper end of that range.
        high: Option<Bound>,
        /// Walk the index backwards.
        reverse: bool,
    },
}

/// The access path for one table and what it delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPlan {
    /// The table.
    pub table: Arc<Table>,
    /// How its rows are found.
    pub access: Access,
    /// The whole WHERE clause, checked on every row found.
    pub filter: Option<BExpr>,
    /// For a rowid access path: the WHERE clause without the conditions
    /// the path's keys stand for, checked instead of
    /// [`filter`](Self::filter) when those keys turn out exact at run time
    /// (`id = ?` found by key; `id BETWEEN ? AND ?` walked between two
    /// integers). A key that is not exact (`id > 2.5`) is only a
    /// conservative start or end, and the whole filter decides. `None`
    /// when no condition is covered.
    pub residual: Option<Option<BExpr>>,
    /// Whether rows come out in the requested ORDER BY order.
    pub ordered: bool,
    /// Which of the table's columns the query reads (`None`: all). A
    /// column it does not read is not decoded from the stored record and
    /// reads as NULL in the scanned row; nothing looks at it. Only a
    /// single-table SELECT narrows this (see
    /// [`crate::select::plan_select_in`]); a write needs whole rows.
    pub read: Option<Vec<bool>>,
}

/// An ORDER BY term as the planner sees it.
#[derive(Debug, Clone)]
pub struct OrderHint {
    /// The bound expression.
    pub expr: BExpr,
    /// DESC.
    pub descending: bool,
    /// Explicit NULLS FIRST / LAST.
    pub nulls_first: Option<bool>,
}

/// A usable `column op constant` conjunct.
#[derive(Debug, Clone)]
struct Term {
    /// Which AND-ed part of the filter it is.
    conjunct: usize,
    column: usize,
    op: TermOp,
    values: Vec<BExpr>,
    aff: Option<Affinity>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TermOp {
    Eq,
    In,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The indexes a statement may use under its index hint.
pub fn allowed_indexes(
    table: &Table,
    indexes: Vec<Arc<Index>>,
    hint: Option<&crate::ast::IndexHint>,
) -> crate::error::Result<Vec<Arc<Index>>> {
    use crate::ast::IndexHint;
    match hint {
        None => Ok(indexes),
        Some(IndexHint::NotIndexed) => Ok(Vec::new()),
        Some(IndexHint::IndexedBy(name)) => {
            let chosen: Vec<Arc<Index>> = indexes
                .into_iter()
                .filter(|i| i.name.eq_ignore_ascii_case(name))
                .collect();
            if chosen.is_empty() {
                return Err(crate::error::Error::NoSuch {
                    kind: "index",
                    name: format!("{name} (on table {})", table.name),
                });
            }
            Ok(chosen)
        }
    }
}

/// Makes a plan honour `INDEXED BY`: if the planner did not pick the
/// named index (the only one it was offered), the rows are read by a
/// full walk of that index, as SQLite does.
pub fn force_hint(
    plan: &mut ScanPlan,
    indexes: &[Arc<Index>],
    hint: Option<&crate::ast::IndexHint>,
) {
    if let Some(crate::ast::IndexHint::IndexedBy(name)) = hint {
        let used = matches!(&plan.access, Access::Index { index, .. } if index.name.eq_ignore_ascii_case(name));
        if let (false, Some(index)) = (used, indexes.first()) {
            plan.access = Access::Index {
                index: index.clone(),
                eq: Vec::new(),
                low: None,
                high: None,
                reverse: false,
            };
            plan.ordered = false;
        }
    }
}

/// Whether an index path reads its rows from the index entries alone
/// (SQLite's covering index): every column the query reads is in the
/// index, and each has an affinity under which the key gives back the
/// stored value exactly. The key encoding (see [`crate::keycode`]) writes
/// `3` and `3.0` alike; a column of INTEGER or NUMERIC affinity never
/// holds an integral REAL (it is stored as an INTEGER), and one of TEXT
/// affinity holds no numbers at all, so for those the decoded value is
/// the stored one. REAL and BLOB (no) affinity columns are read from the
/// table.
pub fn covers(plan: &ScanPlan) -> bool {
    let (Access::Index { index, .. }, Some(read)) = (&plan.access, &plan.read) else {
        return false;
    };
    read.iter()
        .zip(&plan.table.columns)
        .enumerate()
        .filter(|(_, (r, _))| **r)
        .all(|(c, (_, column))| {
            index.columns.contains(&c)
                && matches!(
                    column.affinity,
                    Affinity::Integer | Affinity::Numeric | Affinity::Text
                )
        })
}

/// `read` (one flag per column of a table) with the columns of `indexes`
/// set too: a [`ScanPlan::read`] for a statement that also computes index
/// keys from the rows it scans.
pub fn with_index_columns<'a>(
    mut read: Vec<bool>,
    indexes: impl IntoIterator<Item = &'a Index>,
) -> Vec<bool> {
    for c in indexes.into_iter().flat_map(|i| &i.columns) {
        if let Some(r) = read.get_mut(*c) {
            *r = true;
        }
    }
    read
}

/// Splits a bound condition into its AND-ed parts.
pub fn split_and(e: &BExpr) -> Vec<&BExpr> {
    match e {
        BExpr::And(a, b) => {
            let mut v = split_and(a);
            v.extend(split_and(b));
            v
        }
        other => vec![other],
    }
}

fn flip(op: CmpOp) -> Option<TermOp> {
    Some(match op {
        CmpOp::Eq => TermOp::Eq,
        CmpOp::Lt => TermOp::Gt,
        CmpOp::Le => TermOp::Ge,
        CmpOp::Gt => TermOp::Lt,
        CmpOp::Ge => TermOp::Le,
        CmpOp::Ne => return None,
    })
}

fn direct(op: CmpOp) -> Option<TermOp> {
    Some(match op {
        CmpOp::Eq => TermOp::Eq,
        CmpOp::Lt => TermOp::Lt,
        CmpOp::Le => TermOp::Le,
        CmpOp::Gt => TermOp::Gt,
        CmpOp::Ge => TermOp::Ge,
        CmpOp::Ne => return None,
    })
}

/// Whether comparing a column of affinity `col_aff` with a value of
/// affinity `val_aff` leaves the column's values as stored.
fn column_unconverted(col_aff: Affinity, val_aff: Option<Affinity>) -> bool {
    match ops::comparison_affinity(Some(col_aff), val_aff) {
        None => true,
        // Numeric affinity leaves a numeric column's values as stored
        // (its text values do not look like numbers, or they would have
        // been converted on the way in); TEXT leaves a TEXT column's.
        Some(a) if a.is_numeric() => col_aff.is_numeric(),
        Some(a) => a == col_aff,
    }
}

fn analyze(conjunct: usize, e: &BExpr) -> Option<Term> {
    match e {
        BExpr::Compare {
            op,
            left,
            right,
            left_aff,
            right_aff,
        } => {
            let (col, col_aff, val, val_aff, top) = match (left.as_ref(), right.as_ref()) {
                (BExpr::Column { index, affinity }, v) if !v.uses_row() => {
                    (*index, *affinity, v, *right_aff, direct(*op)?)
                }
                (v, BExpr::Column { index, affinity }) if !v.uses_row() => {
                    (*index, *affinity, v, *left_aff, flip(*op)?)
                }
                _ => return None,
            };
            if !column_unconverted(col_aff, val_aff) {
                return None;
            }
            Some(Term {
                conjunct,
                column: col,
                op: top,
                values: vec![val.clone()],
                aff: ops::comparison_affinity(Some(col_aff), val_aff),
            })
        }
        BExpr::InList {
            expr,
            list,
            negated: false,
            ..
        } => match expr.as_ref() {
            BExpr::Column { index, affinity } if list.iter().all(|x| !x.uses_row()) => Some(Term {
                conjunct,
                column: *index,
                op: TermOp::In,
                values: list.clone(),
                // IN compares with the left operand's affinity only.
                aff: ops::comparison_affinity(Some(*affinity), None),
            }),
            _ => None,
        },
        _ => None,
    }
}

fn bound_of(t: &Term) -> Bound {
    Bound {
        value: t
            .values
            .first()
            .cloned()
            .unwrap_or(BExpr::Literal(crate::Value::Null)),
        aff: t.aff,
        inclusive: matches!(t.op, TermOp::Le | TermOp::Ge),
    }
}

fn ranges(terms: &[Term], column: usize) -> (Option<Bound>, Option<Bound>) {
    let (low, high) = range_terms(terms, column);
    (low.map(bound_of), high.map(bound_of))
}

/// The terms that bound `column` from below and from above.
fn range_terms(terms: &[Term], column: usize) -> (Option<&Term>, Option<&Term>) {
    let low = terms
        .iter()
        .find(|t| t.column == column && matches!(t.op, TermOp::Gt | TermOp::Ge));
    let high = terms
        .iter()
        .find(|t| t.column == column && matches!(t.op, TermOp::Lt | TermOp::Le));
    (low, high)
}

/// The term a rowid lookup is made from: an equality, else an IN list.
fn rowid_key_term(terms: &[Term], rowid: usize) -> Option<&Term> {
    let on_rowid = |op: TermOp| terms.iter().find(|t| t.column == rowid && t.op == op);
    on_rowid(TermOp::Eq).or_else(|| on_rowid(TermOp::In))
}

/// The AND of `conjuncts` but those in `covered` (`None`: nothing left).
fn without(conjuncts: &[&BExpr], covered: &[usize]) -> Option<BExpr> {
    conjuncts
        .iter()
        .enumerate()
        .filter(|(i, _)| !covered.contains(i))
        .map(|(_, e)| (*e).clone())
        .reduce(|f, e| BExpr::And(Box::new(f), Box::new(e)))
}

fn key_term(t: &Term) -> KeyTerm {
    KeyTerm {
        values: t.values.clone(),
        aff: t.aff,
        is_in: t.op == TermOp::In,
    }
}

/// Chooses how to find the rows of `table` satisfying `filter`, given its
/// indexes and the ORDER BY the caller would like.
pub fn plan_scan(
    table: &Arc<Table>,
    indexes: &[Arc<Index>],
    filter: Option<BExpr>,
    order: &[OrderHint],
) -> ScanPlan {
    let rowid = table.columns.len();
    let conjuncts: Vec<&BExpr> = filter.as_ref().map(split_and).unwrap_or_default();
    let terms: Vec<Term> = conjuncts
        .iter()
        .enumerate()
        .filter_map(|(i, e)| analyze(i, e))
        .collect();

    // (rank, access): lower rank is better.
    let mut best: (f64, Access) = (100.0, Access::Scan { reverse: false });
    let mut consider = |rank: f64, access: Access| {
        if rank < best.0 {
            best = (rank, access);
        }
    };
    if let Some(t) = rowid_key_term(&terms, rowid) {
        consider(
            0.0,
            Access::Rowid {
                keys: key_term(t),
                reverse: false,
            },
        );
    }
    let (low_term, high_term) = range_terms(&terms, rowid);
    let (low, high) = ranges(&terms, rowid);
    if low.is_some() || high.is_some() {
        let rank = if low.is_some() && high.is_some() {
            8.0
        } else {
            9.5
        };
        consider(
            rank,
            Access::RowidRange {
                low,
                high,
                reverse: false,
            },
        );
    }
    for index in indexes {
        let mut eq = Vec::new();
        for &c in &index.columns {
            let t = terms
                .iter()
                .find(|t| t.column == c && t.op == TermOp::Eq)
                .or_else(|| terms.iter().find(|t| t.column == c && t.op == TermOp::In));
            match t {
                Some(t) if !(t.op == TermOp::In && eq.iter().any(|k: &KeyTerm| k.is_in)) => {
                    eq.push(key_term(t))
                }
                _ => break,
            }
        }
        let (low, high) = match index.columns.get(eq.len()) {
            Some(&c) => ranges(&terms, c),
            None => (None, None),
        };
        if eq.is_empty() && low.is_none() && high.is_none() {
            continue;
        }
        let full_unique =
            index.unique && eq.len() == index.columns.len() && !eq.iter().any(|k| k.is_in);
        let rank = if full_unique {
            1.0
        } else if !eq.is_empty() {
            10.0 - 2.0 * eq.len() as f64
                - if low.is_some() || high.is_some() {
                    0.5
                } else {
                    0.0
                }
        } else if low.is_some() && high.is_some() {
            8.5
        } else {
            9.6
        };
        consider(
            rank,
            Access::Index {
                index: index.clone(),
                eq,
                low,
                high,
                reverse: false,
            },
        );
    }
    let mut access = best.1;
    let covered: Vec<usize> = match &access {
        // The term the access path was made from.
        Access::Rowid { .. } => rowid_key_term(&terms, rowid)
            .map(|t| t.conjunct)
            .into_iter()
            .collect(),
        Access::RowidRange { .. } => low_term
            .iter()
            .chain(&high_term)
            .map(|t| t.conjunct)
            .collect(),
        _ => Vec::new(),
    };
    let residual = (!covered.is_empty()).then(|| without(&conjuncts, &covered));
    let mut ordered = order.is_empty() || delivers_order(table, &mut access, order);
    if !ordered && matches!(access, Access::Scan { .. }) {
        // Nothing narrows the search: an index that delivers the order
        // saves the sort.
        for index in indexes {
            let mut candidate = Access::Index {
                index: index.clone(),
                eq: Vec::new(),
                low: None,
                high: None,
                reverse: false,
            };
            if delivers_order(table, &mut candidate, order) {
                access = candidate;
                ordered = true;
                break;
            }
        }
    }
    ScanPlan {
        table: table.clone(),
        access,
        filter,
        residual,
        ordered,
        read: None,
    }
}

/// Whether `access` (possibly walked backwards, which this sets) yields
/// rows in the order of `order`.
fn delivers_order(table: &Table, access: &mut Access, order: &[OrderHint]) -> bool {
    let rowid = table.columns.len();
    // Every term must be a plain column with SQLite's default NULL
    // placement for its direction, and all terms must agree on whether
    // the walk runs backwards.
    // Terms after the rowid never decide (rowids are unique), whatever
    // they are, so they are not looked at: `ORDER BY rowid, f(x)` is in
    // rowid order, and f(x) need not even be computed.
    let mut cols = Vec::with_capacity(order.len());
    for h in order {
        let BExpr::Column { index, .. } = h.expr else {
            return false;
        };
        if h.nulls_first.is_some_and(|nf| nf == h.descending) {
            return false;
        }
        cols.push((index, h.descending));
        if index == rowid {
            break;
        }
    }
    match access {
        Access::Scan { reverse }
        | Access::Materialized { reverse, .. }
        | Access::Rowid { reverse, .. }
        | Access::RowidRange { reverse, .. } => match cols.as_slice() {
            [(c, desc)] if *c == rowid => {
                *reverse = *desc;
                true
            }
            _ => false,
        },
        Access::Derived { .. }
        | Access::Working { .. }
        | Access::Join { .. }
        | Access::HashJoin { .. } => false,
        Access::Index {
            index, eq, reverse, ..
        } => {
            let mut pos = 0;
            let mut want_reverse = None;
            for (c, desc) in cols {
                // Columns fixed to one value by `=` can be skipped.
                while pos < index.columns.len()
                    && index.columns[pos] != c
                    && eq.get(pos).is_some_and(|k| !k.is_in)
                {
                    pos += 1;
                }
                let (key_col, key_desc) = if pos < index.columns.len() {
                    (index.columns[pos], index.orders[pos] == Order::Desc)
                } else if pos == index.columns.len() {
                    (rowid, false)
                } else {
                    return false;
                };
                if key_col != c {
                    return false;
                }
                let r = desc != key_desc;
                if *want_reverse.get_or_insert(r) != r {
                    return false;
                }
                pos += 1;
            }
            *reverse = want_reverse.unwrap_or(false);
            true
        }
    }
}

/// The plan's one-line description, as SQLite's EXPLAIN QUERY PLAN words it.
pub fn describe(plan: &ScanPlan) -> String {
    let t = &plan.table;
    let col_name = |c: usize| -> String {
        if c == t.columns.len() {
            "rowid".to_string()
        } else {
            t.columns.get(c).map(|x| x.name.clone()).unwrap_or_default()
        }
    };
    let range_text = |name: &str, low: &Option<Bound>, high: &Option<Bound>| -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(b) = low {
            parts.push(format!("{name}{}?", if b.inclusive { ">=" } else { ">" }));
        }
        if let Some(b) = high {
            parts.push(format!("{name}{}?", if b.inclusive { "<=" } else { "<" }));
        }
        parts
    };
    match &plan.access {
        Access::Scan { .. }
        | Access::Materialized { .. }
        | Access::Derived { .. }
        | Access::Working { .. } => {
            format!("SCAN {}", t.name)
        }
        Access::Join { levels } => crate::join::explain(levels).join("; "),
        Access::HashJoin { join } => join.describe(&t.name),
        Access::Rowid { .. } => {
            format!("SEARCH {} USING INTEGER PRIMARY KEY (rowid=?)", t.name)
        }
        Access::RowidRange { low, high, .. } => format!(
            "SEARCH {} USING INTEGER PRIMARY KEY ({})",
            t.name,
            range_text("rowid", low, high).join(" AND ")
        ),
        Access::Index {
            index,
            eq,
            low,
            high,
            ..
        } => {
            let using = if covers(plan) {
                "USING COVERING INDEX"
            } else {
                "USING INDEX"
            };
            if eq.is_empty() && low.is_none() && high.is_none() {
                return format!("SCAN {} {using} {}", t.name, index.name);
            }
            let mut parts: Vec<String> = eq
                .iter()
                .zip(&index.columns)
                .map(|(_, &c)| format!("{}=?", col_name(c)))
                .collect();
            if let Some(&c) = index.columns.get(eq.len()) {
                parts.extend(range_text(&col_name(c), low, high));
            }
            format!(
                "SEARCH {} {using} {} ({})",
                t.name,
                index.name,
                parts.join(" AND ")
            )
        }
    }
}

/// The table size the join planner assumes, without statistics (SQLite
/// assumes about a million rows too).
pub const ASSUMED_ROWS: f64 = 1_000_000.0;

/// Roughly how many rows an access path visits, for choosing a join
/// order: an equality lookup finds about 10 rows (a unique one, 1), a
/// range a quarter of the table per bound, a scan all of it. Without
/// statistics these are SQLite's defaults in spirit; only their order
/// matters.
pub fn estimated_rows(access: &Access) -> f64 {
    match access {
        Access::Rowid { keys, .. } => keys.values.len().max(1) as f64,
        Access::RowidRange { low, high, .. } => {
            ASSUMED_ROWS
                / if low.is_some() && high.is_some() {
                    16.0
                } else {
                    4.0
                }
        }
        Access::Index {
            index,
            eq,
            low,
            high,
            ..
        } => {
            let lookups: f64 = eq.iter().map(|k| k.values.len().max(1) as f64).product();
            let full_unique = index.unique && eq.len() == index.columns.len();
            if full_unique {
                lookups
            } else if !eq.is_empty() {
                let ranged = if low.is_some() || high.is_some() {
                    0.25
                } else {
                    1.0
                };
                lookups * (10.0 / eq.len() as f64) * ranged
            } else if low.is_some() && high.is_some() {
                ASSUMED_ROWS / 16.0
            } else if low.is_some() || high.is_some() {
                ASSUMED_ROWS / 4.0
            } else {
                ASSUMED_ROWS
            }
        }
        Access::HashJoin { .. } => 10.0,
        Access::Materialized { rows, .. } => rows.len() as f64,
        Access::Scan { .. } | Access::Derived { .. } | Access::Working { .. } => ASSUMED_ROWS,
        Access::Join { levels } => levels
            .iter()
            .map(|l| estimated_rows(&l.plan.access))
            .product(),
    }
}

/// Renders plan lines as SQLite's shell draws EXPLAIN QUERY PLAN. A line
/// indented by two more spaces than the one before it nests under it.
pub fn render_tree(lines: &[String]) -> Vec<String> {
    // Each line's depth is its leading spaces / 2; a line is the last of
    // its siblings if no later line at its depth comes before one that is
    // shallower.
    let parsed: Vec<(usize, &str)> = lines
        .iter()
        .map(|l| {
            let text = l.trim_start_matches(' ');
            ((l.len() - text.len()) / 2, text)
        })
        .collect();
    let is_last = |i: usize| {
        let depth = parsed[i].0;
        parsed[i + 1..]
            .iter()
            .find(|(d, _)| *d <= depth)
            .is_none_or(|(d, _)| *d < depth)
    };
    let mut out = vec!["QUERY PLAN".to_string()];
    // Whether the ancestor at each depth was the last of its siblings.
    let mut open: Vec<bool> = Vec::new();
    for (i, &(depth, text)) in parsed.iter().enumerate() {
        open.truncate(depth);
        let mut line = String::new();
        for &last in &open {
            line.push_str(if last { "   " } else { "|  " });
        }
        let last = is_last(i);
        line.push_str(if last { "`--" } else { "|--" });
        line.push_str(text);
        out.push(line);
        open.push(last);
    }
    out
}
