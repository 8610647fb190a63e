//! Subqueries in expressions: `(SELECT ...)`, `EXISTS (SELECT ...)` and
//! `x IN (SELECT ...)`.
//!
//! A subquery is planned like any query ([`crate::compound::plan_query`]),
//! with one difference: a name its own FROM cannot resolve is looked up in
//! the enclosing queries, innermost first, and binds to an
//! [`BExpr::Outer`](crate::expr::BExpr::Outer) reference: "column `index`
//! of the row `levels` queries out". Such a subquery is *correlated*.
//!
//! ```text
//! SELECT a, (SELECT count(*) FROM t1 AS x WHERE x.b < t1.b) FROM t1
//!            '------------------ levels = 1 ------------^
//! ```
//!
//! At run time each query's rows are evaluated in an
//! [`Env`](crate::expr::Env) whose context
//! ([`ScanCtx::outer`](crate::scan::ScanCtx)) points at the environment of
//! the row being evaluated one level out, so an outer reference walks
//! `levels` steps out and reads that row.
//!
//! An uncorrelated subquery gives the same rows every time: it runs once,
//! the first time it is needed, and its rows are kept for the rest of the
//! statement's run (as SQLite does; see [`crate::run_cache`]: a trigger
//! program's next firing is another run, and counts again). A correlated
//! one runs again for every row that evaluates it.
//!
//! What each form makes of the rows, as SQLite does:
//!
//! * scalar: the first column of the first row, NULL if there is none;
//! * `EXISTS`: whether there is a row;
//! * `x IN (...)`: true if some row's value equals `x`; otherwise NULL if
//!   `x` is NULL or some value is NULL (and there are rows), else false.
//!   An empty subquery makes `IN` false and `NOT IN` true, even for a NULL
//!   `x`.

use crate::affinity::Affinity;
use crate::compound::{self, QueryPlan};
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::ops;
use crate::run_cache::RunCache;
use crate::scan::ScanCtx;
use crate::value::Value;

/// What a subquery's rows mean to the expression around it.
#[derive(Debug, Clone)]
pub enum SubqueryKind {
    /// `(SELECT ...)`.
    Scalar,
    /// `[NOT] EXISTS (SELECT ...)`.
    Exists {
        /// `NOT EXISTS`.
        negated: bool,
    },
    /// `x [NOT] IN (SELECT ...)`.
    In {
        /// The operand `x`.
        expr: Box<BExpr>,
        /// The comparison affinity: the operand's, else the subquery
        /// column's.
        aff: Option<Affinity>,
        /// The subquery column's affinity, for the other side.
        column_aff: Option<Affinity>,
        /// `NOT IN`.
        negated: bool,
    },
}

/// A planned subquery.
#[derive(Debug)]
pub struct Subquery {
    /// The query.
    pub plan: QueryPlan,
    /// What its rows mean.
    pub kind: SubqueryKind,
    /// The rows of an uncorrelated subquery, once computed in a run.
    rows: RunCache<Vec<Vec<Value>>>,
}

impl PartialEq for Subquery {
    /// Two subqueries are the same expression only if they are the same
    /// node (plans are not comparable).
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Subquery {
    /// A subquery of `kind` over `plan`.
    pub fn new(plan: QueryPlan, kind: SubqueryKind) -> Subquery {
        Subquery {
            plan,
            kind,
            rows: RunCache::default(),
        }
    }

    /// Whether it reads a row of an enclosing query.
    pub fn correlated(&self) -> bool {
        self.plan.correlated()
    }

    /// Evaluates the subquery for the row of `env`.
    pub fn eval(&self, env: &Env<'_>) -> Result<Value> {
        let scalar = |rows: &[Vec<Value>]| {
            rows.first()
                .and_then(|r| r.first())
                .cloned()
                .unwrap_or(Value::Null)
        };
        match &self.kind {
            SubqueryKind::Scalar => self.with_rows(env, |rows| Ok(scalar(rows))),
            SubqueryKind::Exists { negated } => self.with_rows(env, |rows| {
                Ok(Value::Integer(i64::from(rows.is_empty() == *negated)))
            }),
            SubqueryKind::In {
                expr,
                aff,
                column_aff,
                negated,
            } => {
                let v = expr.eval(env)?;
                self.with_rows(env, |rows| {
                    let firsts = rows
                        .iter()
                        .map(|r| Ok(r.first().cloned().unwrap_or(Value::Null)));
                    let found =
                        crate::expr::in_values(&v, *aff, *column_aff, rows.is_empty(), firsts)?;
                    Ok(if *negated {
                        ops::bool_value(ops::not(found))
                    } else {
                        ops::bool_value(found)
                    })
                })
            }
        }
    }

    /// Runs `f` on the subquery's rows: the kept ones if uncorrelated.
    fn with_rows<T>(&self, env: &Env<'_>, f: impl FnOnce(&[Vec<Value>]) -> Result<T>) -> Result<T> {
        let correlated = self.correlated();
        let ctx = env.ctx.ok_or_else(|| {
            Error::Invalid("a subquery cannot be evaluated here (no database to read)".into())
        })?;
        let inner = ScanCtx {
            src: ctx.src,
            params: env.params,
            outer: Some(env),
            run: ctx.run,
        };
        if correlated {
            return f(&compound::run_query(&inner, &self.plan)?);
        }
        let rows = self
            .rows
            .get_or_try_init(ctx.run, || compound::run_query(&inner, &self.plan))?;
        f(&rows)
    }
}
