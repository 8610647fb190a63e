//! SELECT: from the syntax tree to a plan, and the plan's execution.
//!
//! The stages run in SQLite's order:
//!
//! ```text
//! rows of the access path (WHERE checked)        plan::plan_scan, scan::scan
//!   -> groups and aggregates (GROUP BY, HAVING)  agg
//!   -> result columns                            projection
//!   -> DISTINCT
//!   -> ORDER BY (skipped when the access path already delivers the order)
//!   -> OFFSET, LIMIT (stop reading early when nothing needs sorting)
//! ```
//!
//! In an aggregate query, expressions outside aggregate calls are
//! evaluated on one row of the group (a "bare column", as SQLite allows):
//! the row that gave the result of the query's only `min()`/`max()` if it
//! has exactly one, else the group's first row (as SQLite 3.40 and later
//! answer: `SELECT count(*), v FROM t` shows the first row's `v`).
//!
//! ORDER BY resolves a term as SQLite does: an integer constant is a
//! result column number, a bare name that is a result column's alias is
//! that column, anything else an expression over the table.

use crate::affinity;
use crate::agg::Accumulator;
use crate::ast::{Expr, Select, SelectItem};
use crate::bind::{AggCall, AggFunc, Binder, ParamSlots, has_aggregate};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::keycode;
use crate::plan::{self, OrderHint, ScanPlan};
use crate::scan::{ScanCtx, scan_lending};
use crate::schema::Schema;
use crate::value::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// One ORDER BY key.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// What to sort by.
    pub expr: BExpr,
    /// DESC.
    pub descending: bool,
    /// NULLs first (SQLite: first ascending, last descending).
    pub nulls_first: bool,
}

/// Grouping and aggregates.
#[derive(Debug, Clone)]
pub struct AggPlan {
    /// GROUP BY expressions (empty: one group).
    pub group_by: Vec<BExpr>,
    /// The aggregate calls.
    pub calls: Vec<AggCall>,
    /// HAVING.
    pub having: Option<BExpr>,
    /// The slot of the only min()/max(), which picks the bare-column row.
    pub minmax: Option<usize>,
}

/// A planned SELECT.
#[derive(Debug, Clone)]
pub struct SelectPlan {
    /// Result column names.
    pub columns: Vec<String>,
    /// Where rows come from; `None` for a SELECT without FROM.
    pub scan: Option<ScanPlan>,
    /// WHERE of a SELECT without FROM.
    pub constant_filter: Option<BExpr>,
    /// The result columns.
    pub projection: Vec<BExpr>,
    /// Grouping, if an aggregate query.
    pub aggregate: Option<AggPlan>,
    /// DISTINCT.
    pub distinct: bool,
    /// ORDER BY keys (empty if none or if the scan delivers the order).
    pub sort: Vec<SortKey>,
    /// LIMIT.
    pub limit: Option<BExpr>,
    /// OFFSET.
    pub offset: Option<BExpr>,
    /// Whether it reads a row of an enclosing query (a correlated
    /// subquery).
    pub correlated: bool,
    /// For each result column: whether it is a plain column of the row
    /// that no other result column or ORDER BY key reads, so that its
    /// value can be moved out of the row the scan lends instead of
    /// copied ([`moved_columns`]).
    pub moved: Vec<bool>,
}

/// Which result columns can take their value out of the scanned row: a
/// bare column read by nothing else in the projection or ORDER BY (the
/// WHERE clause has already been checked by then, and the scan decodes
/// the next row over the hole).
fn moved_columns(projection: &[BExpr], sort: &[SortKey]) -> Vec<bool> {
    let mut reads: Vec<usize> = Vec::new();
    for e in projection.iter().chain(sort.iter().map(|k| &k.expr)) {
        e.visit(&mut |x| {
            if let BExpr::Column { index, .. } = x {
                reads.push(*index);
            }
        });
    }
    projection
        .iter()
        .map(|e| match e {
            BExpr::Column { index, .. } => reads.iter().filter(|&&i| i == *index).count() == 1,
            _ => false,
        })
        .collect()
}

/// Plans a SELECT against `schema`.
pub fn plan_select(
    schema: &Schema,
    s: &Select,
    params: &ParamSlots,
    hint: Option<&crate::ast::IndexHint>,
) -> Result<SelectPlan> {
    plan_select_in(schema, s, params, hint, None, None)
}

/// Plans a SELECT that may be a subquery of the query `outer` binds.
pub fn plan_select_in(
    schema: &Schema,
    s: &Select,
    params: &ParamSlots,
    hint: Option<&crate::ast::IndexHint>,
    outer: Option<&Binder<'_>>,
    ctes: Option<&crate::cte::CteScope<'_>>,
) -> Result<SelectPlan> {
    // A join: the row is the tables' combined row (see `crate::join`).
    let join_sources = if s.joins.is_empty() {
        None
    } else {
        Some(crate::join::sources(schema, s, params, outer, ctes)?)
    };
    let source = match (&s.from, &join_sources) {
        (Some(t), None) => Some(resolve_source(schema, t, params, outer, ctes)?),
        _ => None,
    };
    let table = match &join_sources {
        Some(js) => Some(std::sync::Arc::new(crate::join::combined_table(js))),
        None => source.as_ref().map(|r| r.table.clone()),
    };
    let qualifier = s
        .from
        .as_ref()
        .map(|t| t.alias.as_deref().unwrap_or(t.name.as_str()));
    let mut b = match &join_sources {
        Some(js) => {
            let mut b = Binder::new(None, None, params);
            b.joined = crate::join::joined(js);
            b
        }
        None => Binder::new(table.as_deref(), qualifier, params),
    };
    b.schema = Some(schema);
    b.outer = outer;
    b.ctes = ctes;
    // A subquery in FROM that reads an enclosing query makes this query
    // depend on that row too.
    let correlated_source = source.as_ref().is_some_and(|r| r.correlated)
        || join_sources.iter().flatten().any(|j| j.resolved.correlated);
    if correlated_source {
        b.correlated.set(true);
    }

    // Result columns, `*` expanded.
    let mut items: Vec<(Expr, String)> = Vec::new();
    for item in &s.items {
        match item {
            SelectItem::Wildcard | SelectItem::QualifiedWildcard(_) if join_sources.is_some() => {
                let js_all = join_sources.as_deref().unwrap_or(&[]);
                let js = js_all.iter();
                let wanted = match item {
                    SelectItem::QualifiedWildcard(q) => Some(q.as_str()),
                    _ => None,
                };
                let mut any = false;
                for j in js {
                    if wanted.is_some_and(|q| !j.qualifier.eq_ignore_ascii_case(q)) {
                        continue;
                    }
                    any = true;
                    for c in &j.resolved.table.columns {
                        // `*` shows a USING column once; `t.*` shows all.
                        if wanted.is_none()
                            && j.hidden.iter().any(|h| h.eq_ignore_ascii_case(&c.name))
                        {
                            continue;
                        }
                        // A USING column merged by a later RIGHT or FULL
                        // join is shown by its unqualified name, which
                        // means `coalesce(left, right)`.
                        let merged = wanted.is_none()
                            && js_all
                                .iter()
                                .any(|o| o.merged.iter().any(|m| m.eq_ignore_ascii_case(&c.name)));
                        items.push((
                            Expr::Column {
                                table: (!merged).then(|| j.qualifier.clone()),
                                name: c.name.clone(),
                            },
                            c.name.clone(),
                        ));
                    }
                }
                if let (false, Some(q)) = (any, wanted) {
                    return Err(Error::no_table(q));
                }
            }
            SelectItem::Wildcard | SelectItem::QualifiedWildcard(_) => {
                if let SelectItem::QualifiedWildcard(q) = item
                    && !qualifier.is_some_and(|n| n.eq_ignore_ascii_case(q))
                {
                    return Err(Error::no_table(q));
                }
                let Some(t) = &table else {
                    return Err(Error::Invalid("no tables specified".into()));
                };
                for c in &t.columns {
                    items.push((
                        Expr::Column {
                            table: None,
                            name: c.name.clone(),
                        },
                        c.name.clone(),
                    ));
                }
            }
            SelectItem::Expr { expr, alias, text } => {
                let name = match (alias, expr) {
                    (Some(a), _) => a.clone(),
                    (None, Expr::Column { name, .. }) => name.clone(),
                    (None, _) => text.clone(),
                };
                items.push((expr.clone(), name));
            }
        }
    }
    let aliases: Vec<(String, Expr)> = s
        .items
        .iter()
        .filter_map(|i| match i {
            SelectItem::Expr {
                expr,
                alias: Some(a),
                ..
            } => Some((a.clone(), expr.clone())),
            _ => None,
        })
        .collect();

    let is_aggregate = !s.group_by.is_empty()
        || s.having.is_some()
        || items.iter().any(|(e, _)| has_aggregate(e))
        || s.order_by.iter().any(|o| has_aggregate(&o.expr));

    // WHERE: no aggregates, aliases allowed.
    b.aliases = aliases.clone();
    // (Aggregates are not allowed yet: the binder refuses them here with
    // "misuse of aggregate".)
    let filter = s.filter.as_ref().map(|f| b.bind(f)).transpose()?;
    let group_by = s
        .group_by
        .iter()
        .map(|g| match g {
            Expr::Literal(Value::Integer(k)) => {
                let idx = usize::try_from(*k)
                    .ok()
                    .and_then(|k| k.checked_sub(1))
                    .filter(|&k| k < items.len())
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "{} GROUP BY term out of range - should be between 1 and {}",
                            ordinal(*k),
                            items.len()
                        ))
                    })?;
                b.bind(&items[idx].0)
            }
            other => b.bind(other),
        })
        .collect::<Result<Vec<_>>>()?;

    if is_aggregate {
        b.aggs = Some(Vec::new());
    }
    let projection = items
        .iter()
        .map(|(e, _)| b.bind(e))
        .collect::<Result<Vec<_>>>()?;
    let having = match &s.having {
        Some(h) => Some(b.bind(h)?),
        None => None,
    };

    // ORDER BY.
    let mut sort = Vec::new();
    for (i, o) in s.order_by.iter().enumerate() {
        let expr = match &o.expr {
            Expr::Literal(Value::Integer(k)) => {
                let idx = usize::try_from(*k)
                    .ok()
                    .and_then(|k| k.checked_sub(1))
                    .filter(|&k| k < projection.len())
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "{} ORDER BY term out of range - should be between 1 and {}",
                            ordinal((i + 1) as i64),
                            projection.len()
                        ))
                    })?;
                projection[idx].clone()
            }
            Expr::Column { table: None, name } => {
                match items.iter().position(|(_, n)| n.eq_ignore_ascii_case(name)).filter(|&p| {
                    // A bare name is a result column if it is that
                    // column's alias or the column itself.
                    matches!(&s.items.get(p), Some(SelectItem::Expr { alias: Some(_), .. }))
                        || matches!(&items[p].0, Expr::Column { name: n, .. } if n.eq_ignore_ascii_case(name))
                }) {
                    Some(p) => projection[p].clone(),
                    None => b.bind(&o.expr)?,
                }
            }
            other => b.bind(other)?,
        };
        sort.push(SortKey {
            expr,
            descending: o.descending,
            nulls_first: o.nulls_first.unwrap_or(!o.descending),
        });
    }
    let limit = match &s.limit {
        Some(e) => Some(bind_constant(&mut b, e)?),
        None => None,
    };
    let offset = match &s.offset {
        Some(e) => Some(bind_constant(&mut b, e)?),
        None => None,
    };

    let calls = b.aggs.take().unwrap_or_default();
    let aggregate = if is_aggregate {
        let minmax: Vec<usize> = calls
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.func, AggFunc::Min | AggFunc::Max))
            .map(|(i, _)| i)
            .collect();
        Some(AggPlan {
            group_by,
            minmax: if minmax.len() == 1 {
                minmax.first().copied()
            } else {
                None
            },
            calls,
            having,
        })
    } else {
        None
    };

    let (scan_plan, constant_filter) = match &table {
        Some(t) if join_sources.is_some() => {
            let js = join_sources.as_deref().unwrap_or(&[]);
            let (levels, residual) =
                crate::join::plan_levels(schema, js, s.filter.as_ref(), params, outer, ctes)?;
            // What no level checks is checked on the combined row.
            let mut rest: Option<BExpr> = None;
            for c in residual {
                let e = b.bind(c)?;
                rest = Some(match rest {
                    None => e,
                    Some(f) => BExpr::And(Box::new(f), Box::new(e)),
                });
            }
            (Some(crate::join::scan_plan(t.clone(), levels, rest)), None)
        }
        Some(t) => {
            // The access path can deliver ORDER BY only for a plain query.
            let hints: Vec<OrderHint> = if aggregate.is_none() && !s.distinct {
                sort.iter()
                    .map(|k| OrderHint {
                        expr: k.expr.clone(),
                        descending: k.descending,
                        nulls_first: Some(k.nulls_first),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let over = source.and_then(|r| r.access);
            let indexes = if over.is_some() {
                Vec::new()
            } else {
                plan::allowed_indexes(t, schema.indexes_of(&t.name), hint)?
            };
            let mut p = plan::plan_scan(t, &indexes, filter, &hints);
            plan::force_hint(&mut p, &indexes, hint);
            // Everything that reads the row is bound by now (subqueries
            // too, which resolve their outer names through `b`).
            let read = b.columns_read(t);
            if read.contains(&false) {
                p.read = Some(read);
            }
            if let Some(access) = over {
                p.access = access;
                p.ordered = hints.is_empty();
            }
            if !hints.is_empty() && p.ordered {
                sort.clear();
            }
            (Some(p), None)
        }
        None => (None, filter),
    };
    Ok(SelectPlan {
        moved: moved_columns(&projection, &sort),
        correlated: b.correlated.get(),
        columns: items.into_iter().map(|(_, n)| n).collect(),
        scan: scan_plan,
        constant_filter,
        projection,
        aggregate,
        distinct: s.distinct,
        sort,
        limit,
        offset,
    })
}

pub(crate) fn bind_constant(b: &mut Binder<'_>, e: &Expr) -> Result<BExpr> {
    let saved = b.aggs.take();
    let r = b.bind(e);
    b.aggs = saved;
    let x = r?;
    if x.uses_row() {
        return Err(Error::Invalid(
            "LIMIT and OFFSET must be constant expressions".into(),
        ));
    }
    Ok(x)
}

pub(crate) fn ordinal(k: i64) -> String {
    let suffix = match (k % 10, k % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{k}{suffix}")
}

thread_local! {
    /// Views being planned on this thread, innermost last: a view that
    /// reaches itself is circularly defined.
    static VIEWS_IN_PLANNING: std::cell::RefCell<Vec<String>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Plans the SELECT of a view (it sees only the schema, never the query
/// that names it).
fn plan_view(
    schema: &Schema,
    v: &crate::schema::View,
    params: &ParamSlots,
) -> Result<crate::compound::QueryPlan> {
    let name = v.name.to_ascii_lowercase();
    let circular = VIEWS_IN_PLANNING.with(|s| {
        let mut s = s.borrow_mut();
        let circular = s.contains(&name);
        if !circular {
            s.push(name.clone());
        }
        circular
    });
    if circular {
        return Err(Error::Invalid(format!(
            "view {} is circularly defined",
            v.name
        )));
    }
    // A view of main sees only main's objects (see Schema::seen_from).
    let seen = schema.seen_from(v.temp);
    let plan = crate::compound::plan_query_in(&seen, &v.select, params, None, None, None);
    let plan = if v.temp {
        plan
    } else {
        plan.map_err(crate::schema::missing_in_main)
    };
    VIEWS_IN_PLANNING.with(|s| s.borrow_mut().retain(|n| *n != name));
    plan
}

/// A table of FROM, resolved: a stored table, or rows that come from
/// elsewhere (sqlite_master, a view, a CTE, a subquery), with the access
/// path that produces them.
pub(crate) struct Resolved {
    /// The table (for a derived one, its columns).
    pub table: std::sync::Arc<crate::schema::Table>,
    /// Where its rows come from, if not its B+Tree.
    pub access: Option<plan::Access>,
    /// Whether those rows depend on a row of an enclosing query.
    pub correlated: bool,
}

/// Resolves a FROM table: a CTE (innermost WITH first), a subquery, a
/// table, sqlite_master, or a view.
pub(crate) fn resolve_source(
    schema: &Schema,
    t: &crate::ast::TableRef,
    params: &ParamSlots,
    outer: Option<&Binder<'_>>,
    ctes: Option<&crate::cte::CteScope<'_>>,
) -> Result<Resolved> {
    use std::sync::Arc;
    let derived = |plan: crate::compound::QueryPlan, table: crate::schema::Table| Resolved {
        correlated: plan.correlated(),
        access: Some(plan::Access::Derived {
            plan: crate::compound::SharedQuery(Arc::new(plan)),
        }),
        table: Arc::new(table),
    };
    if let Some(inner) = t.derived.as_deref() {
        let plan = crate::compound::plan_query_in(schema, inner, params, None, outer, ctes)?;
        let table = derived_table(&t.name, &plan);
        return Ok(derived(plan, table));
    }
    match ctes.and_then(|c| c.find(&t.name)) {
        Some(crate::cte::Found::Working(w, table)) => {
            return Ok(Resolved {
                table: Arc::new(table.clone()),
                access: Some(plan::Access::Working { table: w.clone() }),
                correlated: false,
            });
        }
        Some(crate::cte::Found::Cte(cte, scope)) => {
            let plan = plan_cte(schema, cte, params, &scope)?;
            let mut table = derived_table(&cte.name, &plan);
            rename_columns(&mut table, &cte.columns, "table")?;
            return Ok(derived(plan, table));
        }
        None => {}
    }
    if let Some(x) = schema.find_table(&t.name) {
        return Ok(Resolved {
            table: x.clone(),
            access: None,
            correlated: false,
        });
    }
    if crate::schema::is_master_name(&t.name) || crate::schema::is_temp_master_name(&t.name) {
        let rows: Vec<Vec<Value>> = schema
            .master_rows_of(&t.name)
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let mut v = r.to_vec();
                v.push(Value::Integer(i as i64 + 1));
                v
            })
            .collect();
        return Ok(Resolved {
            table: Arc::new(crate::schema::master_table(&t.name)),
            access: Some(plan::Access::Materialized {
                rows: Arc::new(rows),
                reverse: false,
            }),
            correlated: false,
        });
    }
    match schema.find_view(&t.name) {
        Some(v) => {
            let plan = plan_view(schema, v, params)?;
            let mut table = derived_table(&v.name, &plan);
            rename_columns(&mut table, &v.columns, "view")?;
            Ok(derived(plan, table))
        }
        None => Err(Error::no_table(&t.name)),
    }
}

/// Renames a derived table's columns to a listed set (a view's or a CTE's).
fn rename_columns(table: &mut crate::schema::Table, names: &[String], what: &str) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    if names.len() != table.columns.len() {
        return Err(Error::Invalid(match what {
            "view" => format!(
                "expected {} columns for '{}' but got {}",
                names.len(),
                table.name,
                table.columns.len()
            ),
            _ => format!(
                "table {} has {} values for {} columns",
                table.name,
                table.columns.len(),
                names.len()
            ),
        }));
    }
    for (c, name) in table.columns.iter_mut().zip(names) {
        c.name = name.clone();
    }
    Ok(())
}

/// Plans a CTE named in FROM: recursive if a SELECT of it names it.
fn plan_cte(
    schema: &Schema,
    cte: &crate::ast::Cte,
    params: &ParamSlots,
    scope: &crate::cte::CteScope<'_>,
) -> Result<crate::compound::QueryPlan> {
    let recursive = std::iter::once(cte.select.as_ref())
        .chain(cte.select.compound.iter().map(|a| &a.select))
        .any(|s| crate::cte::names_itself(s, &cte.name));
    if !recursive {
        return crate::compound::plan_query_in(
            schema,
            &cte.select,
            params,
            None,
            None,
            Some(scope),
        );
    }
    let (initial, step, union_all) = crate::cte::split_recursive(cte)?;
    let initial =
        crate::compound::plan_query_in(schema, &initial, params, None, None, Some(scope))?;
    let mut table = derived_table(&cte.name, &initial);
    rename_columns(&mut table, &cte.columns, "table")?;
    let working =
        crate::cte::SharedWorking(std::sync::Arc::new(crate::cte::WorkingTable::default()));
    let step_scope = crate::cte::CteScope {
        defs: scope.defs,
        working: Some((&cte.name, &working, &table)),
        parent: scope.parent,
    };
    let step = plan_select_in(schema, step, params, None, None, Some(&step_scope))?;
    if step.columns.len() != table.columns.len() {
        return Err(Error::Invalid(
            "SELECTs to the left and right of UNION do not have the same number of result columns"
                .into(),
        ));
    }
    // As for any compound: by number, by the left-most SELECT's result
    // names, or by a member's result expression (not by the CTE's own
    // column names, as SQLite).
    let sort = crate::compound::sort_keys(&cte.select, initial.columns())?;
    let mut b = Binder::new(None, None, params);
    b.schema = Some(schema);
    let limit = match &cte.select.limit {
        Some(e) => Some(bind_constant(&mut b, e)?),
        None => None,
    };
    let offset = match &cte.select.offset {
        Some(e) => Some(bind_constant(&mut b, e)?),
        None => None,
    };
    Ok(crate::compound::QueryPlan::Recursive(Box::new(
        crate::cte::RecursivePlan {
            initial: Box::new(initial),
            step,
            union_all,
            working,
            sort,
            limit,
            offset,
        },
    )))
}

/// The table a subquery in FROM makes: its result columns, each with the
/// affinity of the expression it is (a column's, or none), no rowid alias.
fn derived_table(name: &str, plan: &crate::compound::QueryPlan) -> crate::schema::Table {
    let first = plan.first();
    let columns = first
        .columns
        .iter()
        .zip(&first.projection)
        .map(|(name, e)| {
            crate::schema::Column::computed(
                name,
                e.affinity().unwrap_or(crate::affinity::Affinity::Blob),
            )
        })
        .collect();
    crate::schema::Table::without_tree(name, columns)
}

/// The EXPLAIN QUERY PLAN lines of a plan.
pub fn explain(p: &SelectPlan) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(s) = &p.scan
        && let plan::Access::Derived { plan } = &s.access
    {
        lines.push(format!("MATERIALIZE {}", s.table.name));
        lines.extend(
            crate::compound::explain(&plan.0)
                .into_iter()
                .map(|l| format!("  {l}")),
        );
    }
    match &p.scan {
        Some(s) if matches!(s.access, plan::Access::Join { .. }) => {
            if let plan::Access::Join { levels } = &s.access {
                lines.extend(crate::join::explain(levels));
            }
        }
        Some(s) => lines.push(plan::describe(s)),
        None => lines.push("SCAN CONSTANT ROW".into()),
    }
    if let Some(a) = &p.aggregate
        && !a.group_by.is_empty()
    {
        lines.push("USE TEMP B-TREE FOR GROUP BY".into());
    }
    if p.distinct {
        lines.push("USE TEMP B-TREE FOR DISTINCT".into());
    }
    if !p.sort.is_empty() {
        lines.push("USE TEMP B-TREE FOR ORDER BY".into());
    }
    lines
}

/// A LIMIT or OFFSET value as SQLite accepts it: an integer (or a value
/// that converts to one exactly), else "datatype mismatch".
pub(crate) fn integer_clause(e: &Option<BExpr>, ctx: &ScanCtx<'_>) -> Result<Option<i64>> {
    let Some(e) = e else { return Ok(None) };
    let v = e.eval(&Env::in_query(&[], &[], ctx))?;
    let v = match v {
        Value::Text(t) => {
            affinity::apply_numeric_affinity(t.as_bytes(), false).unwrap_or(Value::Text(t))
        }
        other => other,
    };
    match v {
        Value::Integer(i) => Ok(Some(i)),
        Value::Real(r) => {
            let i = affinity::real_to_i64(r);
            if affinity::real_same_as_int(r, i) {
                Ok(Some(i))
            } else {
                Err(Error::DatatypeMismatch)
            }
        }
        _ => Err(Error::DatatypeMismatch),
    }
}

/// One output row on its way out, with its sort keys.
struct Out {
    values: Vec<Value>,
    keys: Vec<Value>,
}

/// Collects output rows: DISTINCT, then (without sorting) OFFSET/LIMIT as
/// they arrive.
struct Sink {
    distinct: Option<HashSet<Vec<u8>>>,
    rows: Vec<Out>,
    sorting: bool,
    skip: u64,
    limit: Option<u64>,
}

impl Sink {
    /// Adds a row; false when no more are needed.
    fn push(&mut self, out: Out) -> bool {
        if let Some(seen) = &mut self.distinct
            && !seen.insert(keycode::encode_row(&out.values))
        {
            return true;
        }
        if self.sorting {
            self.rows.push(out);
            return true;
        }
        if self.limit == Some(0) {
            return false;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return true;
        }
        self.rows.push(out);
        if let Some(l) = &mut self.limit {
            *l -= 1;
            if *l == 0 {
                return false;
            }
        }
        true
    }
}

/// Runs a planned SELECT; `src` is `None` only for a SELECT without FROM.
pub fn run_select(ctx: &ScanCtx<'_>, p: &SelectPlan) -> Result<Vec<Vec<Value>>> {
    let limit = integer_clause(&p.limit, ctx)?;
    let offset = integer_clause(&p.offset, ctx)?.unwrap_or(0).max(0) as u64;
    let limit = limit.and_then(|l| u64::try_from(l).ok());
    let mut sink = Sink {
        distinct: p.distinct.then(HashSet::new),
        rows: Vec::new(),
        sorting: !p.sort.is_empty(),
        skip: offset,
        limit,
    };
    if limit == Some(0) && p.sort.is_empty() {
        return Ok(Vec::new());
    }
    // `skip`: the result columns left NULL here, to be moved in from the
    // row afterwards.
    let make_out = |env: &Env<'_>, skip: &[bool]| -> Result<Out> {
        let values = p
            .projection
            .iter()
            .enumerate()
            .map(|(i, e)| match skip.get(i) {
                Some(true) => Ok(Value::Null),
                _ => e.eval(env),
            })
            .collect::<Result<Vec<_>>>()?;
        let keys = p
            .sort
            .iter()
            .map(|k| k.expr.eval(env))
            .collect::<Result<Vec<_>>>()?;
        Ok(Out { values, keys })
    };
    match &p.aggregate {
        None => match &p.scan {
            Some(s) => scan_lending(ctx, s, &mut |row| {
                let mut out = make_out(&Env::in_query(row, &[], ctx), &p.moved)?;
                for ((e, &moved), slot) in p.projection.iter().zip(&p.moved).zip(&mut out.values) {
                    if let (true, BExpr::Column { index, .. }) = (moved, e)
                        && let Some(v) = row.get_mut(*index)
                    {
                        *slot = std::mem::replace(v, Value::Null);
                    }
                }
                Ok(sink.push(out))
            })?,
            None => {
                let env = Env::in_query(&[], &[], ctx);
                let pass = match &p.constant_filter {
                    Some(f) => f.test(&env)?,
                    None => true,
                };
                if pass {
                    sink.push(make_out(&env, &[])?);
                }
            }
        },
        Some(a) => {
            let groups = aggregate(ctx, p, a)?;
            for (aggs, rep) in groups {
                let env = Env::in_query(&rep, &aggs, ctx);
                if let Some(h) = &a.having
                    && !h.test(&env)?
                {
                    continue;
                }
                if !sink.push(make_out(&env, &[])?) {
                    break;
                }
            }
        }
    }
    let mut rows = sink.rows;
    if !p.sort.is_empty() {
        rows.sort_by(|x, y| compare_keys(&p.sort, &x.keys, &y.keys));
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        return Ok(rows
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|o| o.values)
            .collect());
    }
    Ok(rows.into_iter().map(|o| o.values).collect())
}

/// SQLite's ORDER BY comparison of two rows' keys.
pub(crate) fn compare_keys(keys: &[SortKey], a: &[Value], b: &[Value]) -> Ordering {
    for (k, (x, y)) in keys.iter().zip(a.iter().zip(b)) {
        let ord = match (matches!(x, Value::Null), matches!(y, Value::Null)) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if k.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if k.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let o = x.sort_cmp(y);
                if k.descending { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Groups the scanned rows; returns each group's aggregate values and its
/// bare-column row, in GROUP BY order.
fn aggregate(
    ctx: &ScanCtx<'_>,
    p: &SelectPlan,
    a: &AggPlan,
) -> Result<Vec<(Vec<Value>, Vec<Value>)>> {
    struct Group {
        accs: Vec<Accumulator>,
        rep: Vec<Value>,
    }
    let params = ctx.params;
    let mut groups: BTreeMap<Vec<u8>, Group> = BTreeMap::new();
    let width = p.scan.as_ref().map_or(0, |s| s.table.columns.len() + 1);
    // Without GROUP BY there is one group: no key to encode or look up.
    let mut single: Option<Group> = None;
    let mut args: Vec<Value> = Vec::new();
    let mut feed = |row: &mut Vec<Value>| -> Result<bool> {
        let env = Env::in_query(row, &[], ctx);
        let new_group = || Group {
            accs: a.calls.iter().map(Accumulator::new).collect(),
            rep: Vec::new(),
        };
        let g = if a.group_by.is_empty() {
            single.get_or_insert_with(new_group)
        } else {
            let key_values = a
                .group_by
                .iter()
                .map(|g| g.eval(&env))
                .collect::<Result<Vec<_>>>()?;
            groups
                .entry(keycode::encode_row(&key_values))
                .or_insert_with(new_group)
        };
        let mut took_best = false;
        for (i, (acc, call)) in g.accs.iter_mut().zip(&a.calls).enumerate() {
            let best = match call.args.as_slice() {
                [] => acc.step(&[])?,
                // One argument (sum(k), count(v)) is lent, not copied: a
                // column straight from the row.
                [BExpr::Column { index, .. }] => match row.get(*index) {
                    Some(v) => acc.step(std::slice::from_ref(v))?,
                    None => acc.step(&[Value::Null])?,
                },
                [x] => acc.step(std::slice::from_ref(&*x.eval_cow(&env)?))?,
                xs => {
                    args.clear();
                    for x in xs {
                        args.push(x.eval(&env)?);
                    }
                    acc.step(&args)?
                }
            };
            if a.minmax == Some(i) && best {
                took_best = true;
            }
        }
        if took_best || g.rep.is_empty() {
            // The scan gets the old representative's buffers back to
            // decode the next row into.
            std::mem::swap(&mut g.rep, row);
        }
        Ok(true)
    };
    match &p.scan {
        Some(s) => scan_lending(ctx, s, &mut feed)?,
        None => {
            let pass = match &p.constant_filter {
                Some(f) => f.test(&Env::constant(params))?,
                None => true,
            };
            if pass {
                feed(&mut Vec::new())?;
            }
        }
    }
    if let Some(g) = single {
        groups.insert(Vec::new(), g);
    }
    if groups.is_empty() && a.group_by.is_empty() {
        // An aggregate over no rows still gives one row.
        groups.insert(
            Vec::new(),
            Group {
                accs: a.calls.iter().map(Accumulator::new).collect(),
                rep: vec![Value::Null; width],
            },
        );
    }
    groups
        .into_values()
        .map(|g| {
            let aggs = g
                .accs
                .iter()
                .map(|x| x.finish())
                .collect::<Result<Vec<_>>>()?;
            let rep = if g.rep.is_empty() {
                vec![Value::Null; width]
            } else {
                g.rep
            };
            Ok((aggs, rep))
        })
        .collect()
}
