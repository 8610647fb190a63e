//! Joins: several tables in FROM, as nested loops.
//!
//! ```text
//! SELECT ... FROM a JOIN b ON b.k = a.x LEFT JOIN c USING (k) WHERE ...
//!
//! combined row = [ a's columns, a.rowid | b's columns, b.rowid | c's ..., c.rowid | (none) ]
//!                  ^ offset 0             ^ offset |a|+1          ^ ...              ^ the
//!                                                                                    query's rowid
//! ```
//!
//! The query binds its expressions against the *combined row*: every
//! table's columns and rowid, one table after another, in the order
//! written, so `b.k` is a position in it, and an unqualified name must be
//! found in exactly one table (else "ambiguous column name").
//!
//! Each table is a *level* of nested loops, in the order written. A level
//! scans its table with its own access path, which the planner chooses as
//! for a single table, given the conditions that can be checked at that
//! level: the WHERE and ON conjuncts whose newest table is this one. In
//! those, the tables of earlier levels are bound as *outer* columns, fixed
//! while the level runs, exactly as a correlated subquery reads its
//! enclosing row ([`crate::subquery`]). So `b.k = a.x` at level `b` is
//! "`b.k` equals a constant", and an index on `b.k` makes it an index
//! lookup per row of `a`: an index nested-loop join.
//!
//! A `LEFT JOIN` level checks only its own ON conditions; a row of the
//! levels before it that finds no match goes on with NULLs for its table.
//! WHERE conditions are never moved into a LEFT level (they must see the
//! NULLs). What no level checks (those, and conditions with a subquery)
//! is checked on the combined row.
//!
//! `USING (k)` and `NATURAL` compare the named columns for equality and
//! show them once in `*`: the right table's copy is hidden from `*` and
//! from unqualified names.

use crate::ast::{BinaryOp, Expr, JoinConstraint, JoinKind, Select};
use crate::bind::{Binder, ParamSlots, conjuncts};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::plan::{self, ScanPlan};
use crate::scan::{ScanCtx, scan};
use crate::schema::{Column, Schema, Table};
use crate::select::{Resolved, resolve_source};
use crate::value::Value;
use std::sync::Arc;

/// One table of a join.
pub(crate) struct JoinSource {
    /// The name it is known by (its alias, or its name).
    pub qualifier: String,
    /// The table and where its rows come from.
    pub resolved: Resolved,
    /// Where its columns start in the combined row.
    pub offset: usize,
    /// Inner or left (the first table is inner).
    pub kind: JoinKind,
    /// Its ON conjuncts, and the equalities of USING / NATURAL.
    pub on: Vec<Expr>,
    /// Column names hidden from `*` and unqualified lookup (the right
    /// side's copy of a USING / NATURAL column).
    pub hidden: Vec<String>,
}

impl JoinSource {
    /// Its columns and rowid in the combined row.
    pub fn width(&self) -> usize {
        self.resolved.table.columns.len() + 1
    }
}

/// One level of the nested loops.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinLevel {
    /// How this level's table is scanned, with the conditions checked here.
    pub plan: ScanPlan,
    /// A LEFT JOIN level.
    pub left: bool,
    /// Its columns and rowid.
    pub width: usize,
}

/// The binder's view of one joined table.
#[derive(Debug, Clone, Copy)]
pub struct Joined<'a> {
    /// The name it is known by.
    pub qualifier: &'a str,
    /// The table.
    pub table: &'a Table,
    /// Where its columns start in the combined row.
    pub offset: usize,
    /// Names hidden from unqualified lookup and `*`.
    pub hidden: &'a [String],
}

/// Resolves every table of FROM and the join conditions.
pub(crate) fn sources(
    schema: &Schema,
    s: &Select,
    params: &ParamSlots,
    outer: Option<&Binder<'_>>,
    ctes: Option<&crate::cte::CteScope<'_>>,
) -> Result<Vec<JoinSource>> {
    let first = s
        .from
        .as_ref()
        .ok_or_else(|| Error::Invalid("a join without a first table".into()))?;
    let mut out: Vec<JoinSource> = Vec::with_capacity(s.joins.len() + 1);
    let refs = std::iter::once((first, JoinKind::Inner, &JoinConstraint::None))
        .chain(s.joins.iter().map(|j| (&j.table, j.kind, &j.constraint)));
    let mut offset = 0;
    for (t, kind, constraint) in refs {
        // Two tables may share a name (as in SQLite); naming a column of
        // them is then ambiguous.
        let qualifier = t.alias.clone().unwrap_or_else(|| t.name.clone());
        let resolved = resolve_source(schema, t, params, outer, ctes)?;
        let mut source = JoinSource {
            qualifier,
            resolved,
            offset,
            kind,
            on: Vec::new(),
            hidden: Vec::new(),
        };
        let shared: Vec<String> = match constraint {
            JoinConstraint::None => Vec::new(),
            JoinConstraint::On(e) => {
                source.on.extend(conjuncts(e).into_iter().cloned());
                Vec::new()
            }
            JoinConstraint::Using(names) => names.clone(),
            JoinConstraint::Natural => source
                .resolved
                .table
                .columns
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| left_of(&out, n).is_some())
                .collect(),
        };
        for name in shared {
            let left = left_of(&out, &name);
            let right_has = source.resolved.table.column_index(&name).is_some();
            let Some(left) = left.filter(|_| right_has) else {
                return Err(Error::Invalid(format!(
                    "cannot join using column {name} - column not present in both tables"
                )));
            };
            let col = |q: &str| Expr::Column {
                table: Some(q.to_string()),
                name: name.clone(),
            };
            source.on.push(Expr::Binary {
                op: BinaryOp::Eq,
                left: Box::new(col(&left)),
                right: Box::new(col(&source.qualifier)),
            });
            source.hidden.push(name);
        }
        offset += source.width();
        out.push(source);
    }
    Ok(out)
}

/// The qualifier of the leftmost earlier table with a visible column
/// `name`.
fn left_of(sources: &[JoinSource], name: &str) -> Option<String> {
    sources
        .iter()
        .find(|s| {
            s.resolved.table.column_index(name).is_some()
                && !s.hidden.iter().any(|h| h.eq_ignore_ascii_case(name))
        })
        .map(|s| s.qualifier.clone())
}

/// The binder's views of the sources.
pub(crate) fn joined(sources: &[JoinSource]) -> Vec<Joined<'_>> {
    sources
        .iter()
        .map(|s| Joined {
            qualifier: &s.qualifier,
            table: &s.resolved.table,
            offset: s.offset,
            hidden: &s.hidden,
        })
        .collect()
}

/// The combined row as a table: every source's columns and its rowid.
pub(crate) fn combined_table(sources: &[JoinSource]) -> Table {
    let mut columns = Vec::new();
    for s in sources {
        columns.extend(s.resolved.table.columns.iter().cloned());
        columns.push(Column::computed(
            &format!("{}.rowid", s.qualifier),
            crate::affinity::Affinity::Integer,
        ));
    }
    let name: Vec<&str> = sources.iter().map(|s| s.qualifier.as_str()).collect();
    Table::without_tree(&name.join(", "), columns)
}

/// Which sources a bound expression reads (by its combined-row columns).
fn sources_read(e: &BExpr, sources: &[JoinSource]) -> Vec<usize> {
    let mut read = Vec::new();
    e.visit(&mut |x| {
        if let BExpr::Column { index, .. } = x
            && let Some(k) = sources
                .iter()
                .position(|s| (s.offset..s.offset + s.width()).contains(index))
            && !read.contains(&k)
        {
            read.push(k);
        }
    });
    read
}

/// The conjuncts checked at each level, as written (AST), and the rest,
/// checked on the combined row.
fn level_conjuncts<'e>(
    sources: &'e [JoinSource],
    filter: Option<&'e Expr>,
    full: &mut Binder<'_>,
) -> (Vec<Vec<&'e Expr>>, Vec<&'e Expr>) {
    let mut at: Vec<Vec<&Expr>> = vec![Vec::new(); sources.len()];
    let mut residual = Vec::new();
    let inner_on = sources
        .iter()
        .filter(|s| s.kind == JoinKind::Inner)
        .flat_map(|s| s.on.iter());
    let candidates = filter
        .map(conjuncts)
        .unwrap_or_default()
        .into_iter()
        .chain(inner_on);
    for c in candidates {
        // Only plain conditions move: one with a subquery stays on the
        // combined row, as does one that does not bind (its error comes
        // from there).
        let mut has_subquery = false;
        crate::bind::walk(c, &mut |x| {
            if matches!(
                x,
                Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSelect { .. }
            ) {
                has_subquery = true;
            }
        });
        let newest = match full.bind(c) {
            Ok(bound) if !has_subquery => sources_read(&bound, sources).into_iter().max(),
            _ => None,
        };
        match newest {
            Some(k) if sources[k].kind == JoinKind::Inner => at[k].push(c),
            // A constant condition belongs to the first level.
            None if !has_subquery && full.bind(c).is_ok() => at[0].push(c),
            _ => residual.push(c),
        }
    }
    for (k, s) in sources.iter().enumerate() {
        if s.kind == JoinKind::Left {
            at[k].extend(s.on.iter());
        }
    }
    (at, residual)
}

/// Plans each level: its table's access path given its conditions, with
/// the earlier levels' columns as outer columns. Also returns the
/// conditions that no level checks, for the combined row.
pub(crate) fn plan_levels<'e>(
    schema: &Schema,
    sources: &'e [JoinSource],
    filter: Option<&'e Expr>,
    params: &ParamSlots,
    outer: Option<&Binder<'_>>,
    ctes: Option<&crate::cte::CteScope<'_>>,
) -> Result<(Vec<JoinLevel>, Vec<&'e Expr>)> {
    let all = joined(sources);
    let mut full = Binder::new(None, None, params);
    full.joined = all.clone();
    full.schema = Some(schema);
    full.outer = outer;
    full.ctes = ctes;
    let (at, residual) = level_conjuncts(sources, filter, &mut full);
    let mut levels = Vec::with_capacity(sources.len());
    for (k, source) in sources.iter().enumerate() {
        let mut prefix = Binder::new(None, None, params);
        prefix.joined = all[..k].to_vec();
        prefix.schema = Some(schema);
        prefix.outer = outer;
        prefix.ctes = ctes;
        let table = &source.resolved.table;
        let mut b = Binder::new(Some(table), Some(&source.qualifier), params);
        b.schema = Some(schema);
        b.ctes = ctes;
        b.outer = if k == 0 { outer } else { Some(&prefix) };
        let mut filter: Option<BExpr> = None;
        for c in &at[k] {
            let e = b.bind(c)?;
            filter = Some(match filter {
                None => e,
                Some(f) => BExpr::And(Box::new(f), Box::new(e)),
            });
        }
        let indexes = match &source.resolved.access {
            Some(_) => Vec::new(),
            None => plan::allowed_indexes(table, schema.indexes_of(&table.name), None)?,
        };
        let mut p = plan::plan_scan(table, &indexes, filter, &[]);
        if let Some(access) = &source.resolved.access {
            p.access = access.clone();
        }
        // EXPLAIN names a level by the name the query gives it.
        if !p.table.name.eq_ignore_ascii_case(&source.qualifier) {
            p.table = Arc::new(Table {
                name: source.qualifier.clone(),
                ..(**table).clone()
            });
        }
        levels.push(JoinLevel {
            plan: p,
            left: source.kind == JoinKind::Left,
            width: source.width(),
        });
    }
    Ok((levels, residual))
}

/// The combined rows of the levels, nested loops, each passed to `emit`
/// with a trailing NULL as the query's rowid, until `emit` says stop.
pub(crate) fn join_rows(
    ctx: &ScanCtx<'_>,
    levels: &[JoinLevel],
    emit: &mut dyn FnMut(Vec<Value>) -> Result<bool>,
) -> Result<()> {
    let mut prefix = Vec::new();
    level_rows(ctx, levels, 0, &mut prefix, emit).map(|_| ())
}

fn level_rows(
    ctx: &ScanCtx<'_>,
    levels: &[JoinLevel],
    k: usize,
    prefix: &mut Vec<Value>,
    emit: &mut dyn FnMut(Vec<Value>) -> Result<bool>,
) -> Result<bool> {
    let Some(level) = levels.get(k) else {
        let mut row = prefix.clone();
        row.push(Value::Null);
        return emit(row);
    };
    // The earlier levels' row, as this level's outer row.
    let earlier = prefix.clone();
    let env = Env::in_query(&earlier, &[], ctx);
    let level_ctx = ScanCtx {
        src: ctx.src,
        params: ctx.params,
        outer: if k == 0 { ctx.outer } else { Some(&env) },
    };
    let mut matched = false;
    let mut go_on = true;
    scan(&level_ctx, &level.plan, &mut |row| {
        matched = true;
        let n = prefix.len();
        prefix.extend(row);
        let r = level_rows(ctx, levels, k + 1, prefix, emit);
        prefix.truncate(n);
        go_on = r?;
        Ok(go_on)
    })?;
    if go_on && !matched && level.left {
        let n = prefix.len();
        prefix.extend(std::iter::repeat_n(Value::Null, level.width));
        go_on = level_rows(ctx, levels, k + 1, prefix, emit)?;
        prefix.truncate(n);
    }
    Ok(go_on)
}

/// The EXPLAIN lines of the levels.
pub(crate) fn explain(levels: &[JoinLevel]) -> Vec<String> {
    levels
        .iter()
        .map(|l| {
            let line = plan::describe(&l.plan);
            if l.left {
                format!("{line} LEFT-JOIN")
            } else {
                line
            }
        })
        .collect()
}

/// The table of a join as the query's scan: the combined row, found by
/// the nested loops, the remaining conditions checked on it.
pub(crate) fn scan_plan(
    table: Arc<Table>,
    levels: Vec<JoinLevel>,
    filter: Option<BExpr>,
) -> ScanPlan {
    ScanPlan {
        table,
        access: plan::Access::Join { levels },
        filter,
        ordered: false,
    }
}
