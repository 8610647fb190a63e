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
//! ## Levels and their order
//!
//! Each table is a *level* of nested loops. A level scans its table with
//! its own access path, which the planner chooses as for a single table,
//! given the conditions that can be checked at that level: the WHERE and
//! ON conjuncts whose newest table (in loop order) is this one. In those,
//! the tables of earlier levels are bound as *outer* columns, fixed while
//! the level runs, exactly as a correlated subquery reads its enclosing
//! row ([`crate::subquery`]). So `b.k = a.x` at level `b` is "`b.k` equals
//! a constant", and an index on `b.k` makes it an index lookup per row of
//! `a`: an index nested-loop join. Without an index, an equality like that
//! makes the level a hash join ([`crate::hash_join`]): `b`'s rows are
//! bucketed once and each row of `a` probes the buckets.
//!
//! The loop order is chosen greedily, one level at a time: among the
//! tables not yet placed, the one whose access path (given the tables
//! already placed) visits the fewest rows, as [`plan::estimated_rows`]
//! guesses without statistics; ties keep the written order. So a table
//! narrowed by a constant (`t.id = 5`) goes first, and a table reachable
//! through an index or a hash from the ones before it comes next, rather
//! than a full scan per outer row. Only inner joins move: a LEFT, RIGHT
//! or FULL join's table keeps its place (everything written before it
//! stays before it, everything after stays after), and `CROSS JOIN` keeps
//! the tables before it outside, as in SQLite, where it is the way to fix
//! an order by hand. Each level writes its table's values into its slot
//! of the combined row, so the bindings do not depend on the order.
//!
//! ## Outer joins
//!
//! A `LEFT JOIN` level checks only its own ON conditions; a row of the
//! levels before it that finds no match goes on with NULLs for its table.
//! WHERE conditions are never moved into such a level (they must see the
//! NULLs). What no level checks (those, and conditions with a subquery)
//! is checked on the combined row.
//!
//! A `RIGHT JOIN` level runs as an inner level, remembering which of its
//! rows matched (by rowid). When the loops are done, a second pass scans
//! its table again and sends every row that never matched on to the
//! levels after it, with NULLs for every table before it. `FULL JOIN` is
//! both: LEFT's padding in the loops, RIGHT's pass after them. Since that
//! pass skips the levels before, no WHERE condition (and no ON condition
//! of a later table) that could be checked there is: they are checked on
//! the combined row instead. EXPLAIN shows the pass as SQLite does:
//!
//! ```text
//! |--SCAN a
//! |--SCAN b LEFT-JOIN
//! `--RIGHT-JOIN b
//!    `--SCAN b
//! ```
//!
//! `USING (k)` and `NATURAL` compare the named columns for equality and
//! show them once in `*`: the right table's copy is hidden from `*` and
//! from unqualified names. After a RIGHT or FULL join the unqualified
//! name means `coalesce(left.k, right.k)`, as in SQLite, since either side
//! may be the padded one.

use crate::ast::{BinaryOp, Expr, JoinConstraint, JoinKind, Select};
use crate::bind::{Binder, ParamSlots, conjuncts};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::hash_join::{HashJoin, KeyPair};
use crate::ops::{self, CmpOp};
use crate::plan::{self, Access, ScanPlan};
use crate::scan::{ScanCtx, scan};
use crate::schema::{Column, Schema, Table};
use crate::select::{Resolved, resolve_source};
use crate::value::Value;
use std::collections::HashSet;
use std::sync::Arc;

/// One table of a join.
pub(crate) struct JoinSource {
    /// The name it is known by (its alias, or its name).
    pub qualifier: String,
    /// The table and where its rows come from.
    pub resolved: Resolved,
    /// Where its columns start in the combined row.
    pub offset: usize,
    /// How it joins the tables before it (the first table is inner).
    pub kind: JoinKind,
    /// Its ON conjuncts, and the equalities of USING / NATURAL.
    pub on: Vec<Expr>,
    /// Column names hidden from `*` and unqualified lookup (the right
    /// side's copy of a USING / NATURAL column).
    pub hidden: Vec<String>,
    /// Of those, the ones whose unqualified name means
    /// `coalesce(left, right)` (after a RIGHT or FULL join).
    pub merged: Vec<String>,
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
    /// How its table joins the tables before it.
    pub kind: JoinKind,
    /// Where its columns and rowid go in the combined row.
    pub offset: usize,
    /// Its columns and rowid.
    pub width: usize,
    /// For a RIGHT or FULL join: every row of its table, for the pass
    /// over the rows that never matched.
    pub unmatched: Option<ScanPlan>,
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
    /// Hidden names whose unqualified use means `coalesce(left, this)`.
    pub merged: &'a [String],
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
            merged: Vec::new(),
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
            if kind.keeps_unmatched_right() {
                source.merged.push(name.clone());
            }
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
            merged: &s.merged,
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

/// A join condition and where it may be checked.
struct Conjunct<'e> {
    expr: &'e Expr,
    /// The sources it reads.
    reads: Vec<usize>,
    /// The source whose ON clause it comes from, `None` for WHERE.
    origin: Option<usize>,
    /// An outer join's own ON condition: checked at that join's level and
    /// nowhere else.
    fixed: bool,
}

/// Sorts the conditions: those a level may check (WHERE, inner ON, and
/// each outer join's own ON), and those only the combined row can (with a
/// subquery, or that do not bind: their error comes from there).
fn classify<'e>(
    sources: &'e [JoinSource],
    filter: Option<&'e Expr>,
    full: &mut Binder<'_>,
) -> (Vec<Conjunct<'e>>, Vec<&'e Expr>) {
    let mut placeable = Vec::new();
    let mut residual = Vec::new();
    let written = filter
        .map(conjuncts)
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c, None))
        .chain(
            sources
                .iter()
                .enumerate()
                .flat_map(|(k, s)| s.on.iter().map(move |c| (c, Some(k)))),
        );
    for (c, origin) in written {
        let fixed = origin.is_some_and(|k| !sources[k].kind.is_inner());
        // A merged USING column (`coalesce(left, right)`) binds as one
        // outer column only on the combined row.
        let mut stays = false;
        crate::bind::walk(c, &mut |x| match x {
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSelect { .. } => stays = true,
            Expr::Column { table: None, name } => {
                stays |= sources
                    .iter()
                    .any(|s| s.merged.iter().any(|m| m.eq_ignore_ascii_case(name)));
            }
            _ => {}
        });
        match full.bind(c) {
            Ok(bound) if fixed || !stays => placeable.push(Conjunct {
                expr: c,
                reads: sources_read(&bound, sources),
                origin,
                fixed,
            }),
            _ => residual.push(c),
        }
    }
    (placeable, residual)
}

/// Where each condition is checked, given the loop order (`pos[k]` is
/// source `k`'s level): a list per level, and the rest for the combined
/// row.
fn place<'e>(
    sources: &[JoinSource],
    pos: &[usize],
    placeable: &[Conjunct<'e>],
    residual: &mut Vec<&'e Expr>,
) -> Vec<Vec<&'e Expr>> {
    let mut at: Vec<Vec<&Expr>> = vec![Vec::new(); sources.len()];
    // The last level with a pass for unmatched rows: that pass skips the
    // levels up to it.
    let last_right = sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind.keeps_unmatched_right())
        .map(|(k, _)| pos[k])
        .max();
    for c in placeable {
        if c.fixed {
            if let Some(k) = c.origin {
                at[pos[k]].push(c.expr);
            }
            continue;
        }
        let newest = c.reads.iter().map(|&k| pos[k]).max();
        if let Some(r) = last_right {
            let after_pass = c.origin.is_some_and(|k| pos[k] > r);
            let before_pass = newest.is_none_or(|p| p <= r);
            if (c.origin.is_none() || after_pass) && before_pass {
                residual.push(c.expr);
                continue;
            }
        }
        match newest {
            None => at[0].push(c.expr),
            Some(p) if levels_kind(sources, pos, p).is_inner() => at[p].push(c.expr),
            Some(_) => residual.push(c.expr),
        }
    }
    at
}

/// The join kind of the source at level `p`.
fn levels_kind(sources: &[JoinSource], pos: &[usize], p: usize) -> JoinKind {
    pos.iter()
        .position(|&q| q == p)
        .map_or(JoinKind::Inner, |k| sources[k].kind)
}

/// A binder for level `p`'s table, with the tables of the levels before
/// it (`earlier`, in the combined row's layout) as its outer columns.
fn prefix_binder<'a>(
    schema: &'a Schema,
    earlier: Vec<Joined<'a>>,
    params: &'a ParamSlots,
    outer: Option<&'a Binder<'a>>,
    ctes: Option<&'a crate::cte::CteScope<'a>>,
) -> Binder<'a> {
    let mut prefix = Binder::new(None, None, params);
    prefix.joined = earlier;
    prefix.schema = Some(schema);
    prefix.outer = outer;
    prefix.ctes = ctes;
    prefix
}

/// What planning a level needs that does not change per level.
struct LevelPlanner<'q, 'a> {
    schema: &'a Schema,
    sources: &'q [JoinSource],
    all: Vec<Joined<'q>>,
    params: &'a ParamSlots,
    outer: Option<&'a Binder<'a>>,
    ctes: Option<&'a crate::cte::CteScope<'a>>,
}

impl<'q, 'a> LevelPlanner<'q, 'a>
where
    'q: 'a,
{
    /// Plans source `k` as the level after the sources `placed`, checking
    /// `conds` there: its access path, made a hash join when that pays.
    fn plan(&self, k: usize, placed: &[usize], conds: &[&Expr]) -> Result<ScanPlan> {
        let source = &self.sources[k];
        let earlier: Vec<Joined<'_>> = placed.iter().map(|&j| self.all[j]).collect();
        let prefix = prefix_binder(self.schema, earlier, self.params, self.outer, self.ctes);
        let table = &source.resolved.table;
        let mut b = Binder::new(Some(table), Some(&source.qualifier), self.params);
        b.schema = Some(self.schema);
        b.ctes = self.ctes;
        b.outer = if placed.is_empty() {
            self.outer
        } else {
            Some(&prefix)
        };
        let mut bound = Vec::with_capacity(conds.len());
        for c in conds {
            bound.push(b.bind(c)?);
        }
        let filter = bound
            .iter()
            .cloned()
            .reduce(|f, e| BExpr::And(Box::new(f), Box::new(e)));
        let indexes = match &source.resolved.access {
            Some(_) => Vec::new(),
            None => plan::allowed_indexes(table, self.schema.indexes_of(&table.name), None)?,
        };
        let mut p = plan::plan_scan(table, &indexes, filter, &[]);
        if let Some(access) = &source.resolved.access {
            p.access = access.clone();
        }
        if !placed.is_empty() && self.may_hash(source, &p.access) {
            let keys: Vec<KeyPair> = bound.iter().filter_map(|e| key_pair(e, table)).collect();
            if !keys.is_empty() {
                // The build side: the table with only its own conditions.
                let local = bound
                    .iter()
                    .filter(|e| reads_only_own_row(e))
                    .cloned()
                    .reduce(|f, e| BExpr::And(Box::new(f), Box::new(e)));
                let mut build = plan::plan_scan(table, &indexes, local, &[]);
                if let Some(access) = &source.resolved.access {
                    build.access = access.clone();
                }
                p.access = Access::HashJoin {
                    join: Arc::new(HashJoin::new(build, keys)),
                };
            }
        }
        // EXPLAIN names a level by the name the query gives it.
        if !p.table.name.eq_ignore_ascii_case(&source.qualifier) {
            p.table = Arc::new(Table {
                name: source.qualifier.clone(),
                ..(**table).clone()
            });
        }
        Ok(p)
    }

    /// Whether a level that scans `access` may instead be built into a
    /// hash table once: its rows must not change while the statement
    /// runs (not a recursive CTE's working table, not a subquery that
    /// reads an enclosing query).
    fn may_hash(&self, source: &JoinSource, access: &Access) -> bool {
        match access {
            Access::Scan { .. } | Access::Materialized { .. } => true,
            Access::Derived { .. } => !source.resolved.correlated,
            _ => false,
        }
    }

    /// The conditions a level for source `k` after `placed` could check
    /// (for costing: WHERE and inner ON conditions only).
    fn candidate_conds<'e>(
        &self,
        k: usize,
        placed: &[usize],
        placeable: &'e [Conjunct<'e>],
    ) -> Vec<&'e Expr> {
        placeable
            .iter()
            .filter(|c| {
                if c.fixed {
                    return c.origin == Some(k);
                }
                c.reads.contains(&k) && c.reads.iter().all(|r| *r == k || placed.contains(r))
            })
            .map(|c| c.expr)
            .collect()
    }

    /// The loop order: source indexes, outermost first.
    fn order(&self, placeable: &[Conjunct<'_>]) -> Result<Vec<usize>> {
        // Groups of sources that may be reordered among themselves; an
        // outer join's table is a group of its own, and CROSS JOIN starts
        // a new group.
        let mut groups: Vec<Vec<usize>> = vec![Vec::new()];
        for (k, s) in self.sources.iter().enumerate() {
            match s.kind {
                JoinKind::Inner => {}
                JoinKind::Cross => groups.push(Vec::new()),
                JoinKind::Left | JoinKind::Right | JoinKind::Full => {
                    groups.push(vec![k]);
                    groups.push(Vec::new());
                    continue;
                }
            }
            if let Some(g) = groups.last_mut() {
                g.push(k);
            }
        }
        let mut order: Vec<usize> = Vec::with_capacity(self.sources.len());
        for mut group in groups {
            while !group.is_empty() {
                let mut best: Option<(f64, usize)> = None;
                for (i, &k) in group.iter().enumerate() {
                    if group.len() == 1 {
                        best = Some((0.0, i));
                        break;
                    }
                    let conds = self.candidate_conds(k, &order, placeable);
                    let cost = plan::estimated_rows(&self.plan(k, &order, &conds)?.access);
                    if best.is_none_or(|(c, _)| cost < c) {
                        best = Some((cost, i));
                    }
                }
                if let Some((_, i)) = best {
                    order.push(group.remove(i));
                }
            }
        }
        Ok(order)
    }
}

/// Whether a level's bound expression reads only the level's own row
/// (and constants), so that its value is the same for every outer row.
/// (Every [`crate::func::Scalar`] gives the same value for the same
/// arguments: walnut has no `random()` or `changes()`.)
fn reads_only_own_row(e: &BExpr) -> bool {
    let mut ok = true;
    e.visit(&mut |x| {
        if matches!(x, BExpr::Outer { .. } | BExpr::Subquery(_) | BExpr::Agg(_)) {
            ok = false;
        }
    });
    ok
}

/// Whether a level's bound expression reads only the outer rows (and
/// constants), never the level's own row.
fn reads_only_outer(e: &BExpr) -> bool {
    let mut ok = true;
    e.visit(&mut |x| {
        if matches!(x, BExpr::Column { .. } | BExpr::Subquery(_) | BExpr::Agg(_)) {
            ok = false;
        }
    });
    ok
}

/// `own = outer` (either way round) as a hash key pair.
fn key_pair(e: &BExpr, table: &Table) -> Option<KeyPair> {
    let BExpr::Compare {
        op: CmpOp::Eq,
        left,
        right,
        left_aff,
        right_aff,
    } = e
    else {
        return None;
    };
    let reads_column = |x: &BExpr| {
        let mut any = false;
        x.visit(&mut |y| any |= matches!(y, BExpr::Column { .. }));
        any
    };
    let (build, probe) =
        if reads_column(left) && reads_only_own_row(left) && reads_only_outer(right) {
            (left, right)
        } else if reads_column(right) && reads_only_own_row(right) && reads_only_outer(left) {
            (right, left)
        } else {
            return None;
        };
    let name = match **build {
        BExpr::Column { index, .. } if index == table.columns.len() => "rowid".to_string(),
        BExpr::Column { index, .. } => table
            .columns
            .get(index)
            .map_or_else(|| "<expr>".to_string(), |c| c.name.clone()),
        _ => "<expr>".to_string(),
    };
    Some(KeyPair {
        build: (**build).clone(),
        probe: (**probe).clone(),
        aff: ops::comparison_affinity(*left_aff, *right_aff),
        name,
    })
}

/// Plans the levels: chooses the loop order, then each level's access
/// path given its conditions, with the earlier levels' columns as outer
/// columns. Also returns the conditions that no level checks, for the
/// combined row.
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
    let (placeable, mut residual) = classify(sources, filter, &mut full);
    let planner = LevelPlanner {
        schema,
        sources,
        all,
        params,
        outer,
        ctes,
    };
    let order = planner.order(&placeable)?;
    let mut pos = vec![0; sources.len()];
    for (p, &k) in order.iter().enumerate() {
        pos[k] = p;
    }
    let at = place(sources, &pos, &placeable, &mut residual);
    let mut levels = Vec::with_capacity(sources.len());
    for (p, &k) in order.iter().enumerate() {
        let source = &sources[k];
        let plan = planner.plan(k, &order[..p], &at[p])?;
        let unmatched = source.kind.keeps_unmatched_right().then(|| ScanPlan {
            table: plan.table.clone(),
            access: source
                .resolved
                .access
                .clone()
                .unwrap_or(Access::Scan { reverse: false }),
            filter: None,
            residual: None,
            ordered: false,
            read: None,
        });
        levels.push(JoinLevel {
            plan,
            kind: source.kind,
            offset: source.offset,
            width: source.width(),
            unmatched,
        });
    }
    Ok((levels, residual))
}

/// The combined rows of the levels, nested loops, each passed to `emit`
/// with a trailing NULL as the query's rowid, until `emit` says stop.
/// Then, for each RIGHT or FULL level, its rows that never matched.
pub(crate) fn join_rows(
    ctx: &ScanCtx<'_>,
    levels: &[JoinLevel],
    emit: &mut dyn FnMut(Vec<Value>) -> Result<bool>,
) -> Result<()> {
    let width = levels.iter().map(|l| l.offset + l.width).max().unwrap_or(0);
    let mut row = vec![Value::Null; width];
    let mut matched: Vec<HashSet<i64>> = vec![HashSet::new(); levels.len()];
    if !level_rows(ctx, levels, 0, &mut row, &mut matched, emit)? {
        return Ok(());
    }
    for (k, level) in levels.iter().enumerate() {
        let Some(all_rows) = &level.unmatched else {
            continue;
        };
        let mut pending = Vec::new();
        scan(ctx, all_rows, &mut |r| {
            if !matched[k].contains(&rowid_of(&r)?) {
                pending.push(r);
            }
            Ok(true)
        })?;
        // Every table before this level is padded with NULLs.
        for l in &levels[..k] {
            fill_null(&mut row, l);
        }
        for r in pending {
            put(&mut row, level, r);
            if !level_rows(ctx, levels, k + 1, &mut row, &mut matched, emit)? {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The rowid a level's row carries last.
fn rowid_of(row: &[Value]) -> Result<i64> {
    match row.last() {
        Some(Value::Integer(id)) => Ok(*id),
        _ => Err(Error::Invalid(
            "a RIGHT or FULL join over rows without a rowid".into(),
        )),
    }
}

/// Puts a level's row into its slot of the combined row.
fn put(row: &mut [Value], level: &JoinLevel, values: Vec<Value>) {
    for (slot, v) in row[level.offset..level.offset + level.width]
        .iter_mut()
        .zip(values)
    {
        *slot = v;
    }
}

/// Pads a level's slot with NULLs.
fn fill_null(row: &mut [Value], level: &JoinLevel) {
    for slot in &mut row[level.offset..level.offset + level.width] {
        *slot = Value::Null;
    }
}

fn level_rows(
    ctx: &ScanCtx<'_>,
    levels: &[JoinLevel],
    k: usize,
    row: &mut Vec<Value>,
    matched: &mut [HashSet<i64>],
    emit: &mut dyn FnMut(Vec<Value>) -> Result<bool>,
) -> Result<bool> {
    let Some(level) = levels.get(k) else {
        let mut out = Vec::with_capacity(row.len() + 1);
        out.extend_from_slice(row);
        out.push(Value::Null);
        return emit(out);
    };
    // The earlier levels' values, as this level's outer row.
    let earlier = row.clone();
    let env = Env::in_query(&earlier, &[], ctx);
    let level_ctx = ScanCtx {
        src: ctx.src,
        params: ctx.params,
        outer: if k == 0 { ctx.outer } else { Some(&env) },
        run: ctx.run,
    };
    let track = level.unmatched.is_some();
    let mut found = false;
    let mut go_on = true;
    scan(&level_ctx, &level.plan, &mut |r| {
        found = true;
        if track {
            let id = rowid_of(&r)?;
            matched[k].insert(id);
        }
        put(row, level, r);
        go_on = level_rows(ctx, levels, k + 1, row, matched, emit)?;
        Ok(go_on)
    })?;
    if go_on && !found && level.kind.keeps_unmatched_left() {
        fill_null(row, level);
        go_on = level_rows(ctx, levels, k + 1, row, matched, emit)?;
    }
    Ok(go_on)
}

/// The EXPLAIN lines of the levels.
pub(crate) fn explain(levels: &[JoinLevel]) -> Vec<String> {
    let mut lines: Vec<String> = levels
        .iter()
        .map(|l| {
            let line = plan::describe(&l.plan);
            if l.kind.keeps_unmatched_left() {
                format!("{line} LEFT-JOIN")
            } else {
                line
            }
        })
        .collect();
    for l in levels {
        if let Some(all_rows) = &l.unmatched {
            lines.push(format!("RIGHT-JOIN {}", all_rows.table.name));
            lines.push(format!("  {}", plan::describe(all_rows)));
        }
    }
    lines
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
        residual: None,
        ordered: false,
        read: None,
    }
}
