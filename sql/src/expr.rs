//! Bound expressions and their evaluation.
//!
//! The binder ([`crate::bind`]) turns a syntax-tree [`crate::ast::Expr`]
//! into a [`BExpr`]: names are resolved to positions in the row being
//! evaluated, parameters to slots, aggregate calls to the slots of their
//! results, and each comparison knows the affinities of its operands, so
//! evaluation does no lookups at all. Evaluation follows SQLite's rules
//! through [`crate::ops`] and [`crate::func`]:
//!
//! * a comparison converts its operands by their affinities (a column's
//!   affinity comes from its declared type; `CAST(x AS T)` has T's; any
//!   other expression has none), then compares in SQLite's cross-type
//!   order; NULL on either side gives NULL;
//! * AND, OR and CASE evaluate lazily, as do `coalesce` and `ifnull`
//!   (their later arguments are not evaluated once a non-NULL is found);
//! * `x IN (list)` compares with the affinity of `x` alone, as SQLite does.

use crate::affinity::{self, Affinity};
use crate::ast::UnaryOp;
use crate::error::Result;
use crate::func;
use crate::ops::{self, ArithOp, BitOp, CmpOp};
use crate::scan::ScanCtx;
use crate::value::Value;
use std::borrow::Cow;

/// A bound expression.
#[derive(Debug, Clone, PartialEq)]
pub enum BExpr {
    /// A constant.
    Literal(Value),
    /// Position `index` of the current row.
    Column {
        /// Position in the row.
        index: usize,
        /// The column's affinity (for comparisons).
        affinity: Affinity,
    },
    /// Parameter slot (0-based).
    Param(usize),
    /// The result of aggregate number `n` for the current group.
    Agg(usize),
    /// `-x`, `+x`, `NOT x`, `~x`.
    Unary(UnaryOp, Box<BExpr>),
    /// Arithmetic.
    Arith(ArithOp, Box<BExpr>, Box<BExpr>),
    /// Bitwise and shifts.
    Bit(BitOp, Box<BExpr>, Box<BExpr>),
    /// `||`.
    Concat(Box<BExpr>, Box<BExpr>),
    /// A comparison, with each operand's affinity.
    Compare {
        /// Which.
        op: CmpOp,
        /// Left operand.
        left: Box<BExpr>,
        /// Right operand.
        right: Box<BExpr>,
        /// Left operand's affinity.
        left_aff: Option<Affinity>,
        /// Right operand's affinity.
        right_aff: Option<Affinity>,
    },
    /// `IS` / `IS NOT`.
    Is {
        /// Left operand.
        left: Box<BExpr>,
        /// Right operand.
        right: Box<BExpr>,
        /// Left operand's affinity.
        left_aff: Option<Affinity>,
        /// Right operand's affinity.
        right_aff: Option<Affinity>,
        /// `IS NOT`.
        negated: bool,
    },
    /// `AND`.
    And(Box<BExpr>, Box<BExpr>),
    /// `OR`.
    Or(Box<BExpr>, Box<BExpr>),
    /// `IS [NOT] NULL`.
    IsNull(Box<BExpr>, bool),
    /// `x [NOT] IN (list)`.
    InList {
        /// The operand.
        expr: Box<BExpr>,
        /// The list.
        list: Vec<BExpr>,
        /// The operand's affinity, applied to every comparison.
        aff: Option<Affinity>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `LIKE` / `GLOB`.
    Like {
        /// The operand.
        expr: Box<BExpr>,
        /// The pattern.
        pattern: Box<BExpr>,
        /// `ESCAPE`.
        escape: Option<Box<BExpr>>,
        /// `NOT`.
        negated: bool,
        /// GLOB rather than LIKE.
        glob: bool,
    },
    /// `CASE`.
    Case {
        /// The operand of a simple CASE and its affinity.
        operand: Option<(Box<BExpr>, Option<Affinity>)>,
        /// (when, when's affinity, then).
        whens: Vec<(BExpr, Option<Affinity>, BExpr)>,
        /// ELSE.
        otherwise: Option<Box<BExpr>>,
    },
    /// `CAST(x AS type)`.
    Cast(Box<BExpr>, String),
    /// `coalesce(...)` / `ifnull(a, b)`: lazy.
    Coalesce(Vec<BExpr>),
    /// Any other scalar function, resolved when bound.
    Func(func::Scalar, Vec<BExpr>),
    /// A column of the row `levels` queries out (in a correlated
    /// subquery).
    Outer {
        /// How many queries out: 1 is the query around this one.
        levels: usize,
        /// Position in that query's row.
        index: usize,
        /// The column's affinity.
        affinity: Affinity,
    },
    /// A subquery (see [`crate::subquery`]).
    Subquery(std::sync::Arc<crate::subquery::Subquery>),
    /// `RAISE(action, message)`: evaluating it is the error
    /// [`Error::Raised`](crate::error::Error::Raised) (see
    /// [`crate::trigger_program`]).
    Raise(crate::ast::RaiseAction, String),
}

/// What an expression is evaluated against.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The current row.
    pub row: &'a [Value],
    /// The current group's aggregate results.
    pub aggs: &'a [Value],
    /// The statement's parameters.
    pub params: &'a [Value],
    /// Where the query reads from, and the row of the query around it:
    /// what subqueries and outer references need. `None` where no query
    /// runs (constant expressions of DDL).
    pub ctx: Option<&'a ScanCtx<'a>>,
}

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("row", &self.row)
            .field("aggs", &self.aggs)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl<'a> Env<'a> {
    /// An environment with only parameters (constant expressions).
    pub fn constant(params: &'a [Value]) -> Env<'a> {
        Env {
            row: &[],
            aggs: &[],
            params,
            ctx: None,
        }
    }

    /// The row `row` (and the group's aggregates `aggs`) of a query
    /// reading through `ctx`.
    pub fn in_query(row: &'a [Value], aggs: &'a [Value], ctx: &'a ScanCtx<'a>) -> Env<'a> {
        Env {
            row,
            aggs,
            params: ctx.params,
            ctx: Some(ctx),
        }
    }

    /// The environment of the row `levels` queries out.
    fn outer(&self, levels: usize) -> Result<&Env<'a>> {
        let mut e = self;
        for _ in 0..levels {
            e = e.ctx.and_then(|c| c.outer).ok_or_else(|| {
                crate::error::Error::Invalid(
                    "an outer column reference outside of its subquery".into(),
                )
            })?;
        }
        Ok(e)
    }
}

impl BExpr {
    /// The expression's affinity as a comparison operand: a column's, a
    /// CAST's target's, or none.
    pub fn affinity(&self) -> Option<Affinity> {
        match self {
            BExpr::Column { affinity, .. } | BExpr::Outer { affinity, .. } => Some(*affinity),
            BExpr::Cast(_, t) => Some(affinity::type_name_affinity(t)),
            _ => None,
        }
    }

    /// Whether the expression reads the row (a column anywhere in it, or a
    /// correlated subquery, which may read it). A column of an outer
    /// query is fixed while this query runs, like a parameter.
    pub fn uses_row(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| match e {
            BExpr::Column { .. } | BExpr::Agg(_) => found = true,
            BExpr::Subquery(s) if s.correlated() => found = true,
            _ => {}
        });
        found
    }

    /// Calls `f` on this expression and every sub-expression.
    pub fn visit(&self, f: &mut dyn FnMut(&BExpr)) {
        f(self);
        match self {
            BExpr::Literal(_)
            | BExpr::Column { .. }
            | BExpr::Param(_)
            | BExpr::Agg(_)
            | BExpr::Outer { .. }
            | BExpr::Raise(..) => {}
            BExpr::Subquery(s) => {
                if let crate::subquery::SubqueryKind::In { expr, .. } = &s.kind {
                    expr.visit(f);
                }
            }
            BExpr::Unary(_, x) | BExpr::IsNull(x, _) | BExpr::Cast(x, _) => x.visit(f),
            BExpr::Arith(_, a, b)
            | BExpr::Bit(_, a, b)
            | BExpr::Concat(a, b)
            | BExpr::And(a, b)
            | BExpr::Or(a, b)
            | BExpr::Compare {
                left: a, right: b, ..
            }
            | BExpr::Is {
                left: a, right: b, ..
            } => {
                a.visit(f);
                b.visit(f);
            }
            BExpr::InList { expr, list, .. } => {
                expr.visit(f);
                list.iter().for_each(|x| x.visit(f));
            }
            BExpr::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                expr.visit(f);
                pattern.visit(f);
                if let Some(e) = escape {
                    e.visit(f);
                }
            }
            BExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some((o, _)) = operand {
                    o.visit(f);
                }
                for (w, _, t) in whens {
                    w.visit(f);
                    t.visit(f);
                }
                if let Some(e) = otherwise {
                    e.visit(f);
                }
            }
            BExpr::Coalesce(args) | BExpr::Func(_, args) => args.iter().for_each(|x| x.visit(f)),
        }
    }

    /// Evaluates the expression, borrowing the value where it already
    /// exists (a literal, a column of the row, a parameter, an aggregate's
    /// result) instead of copying it: an operator or a function that only
    /// reads its operand then costs no copy of a text per row.
    pub fn eval_cow<'v>(&'v self, env: &Env<'v>) -> Result<Cow<'v, Value>> {
        let found = match self {
            BExpr::Literal(v) => Some(v),
            BExpr::Column { index, .. } => env.row.get(*index),
            BExpr::Param(i) => env.params.get(*i),
            BExpr::Agg(i) => env.aggs.get(*i),
            _ => return Ok(Cow::Owned(self.eval(env)?)),
        };
        Ok(found.map_or(Cow::Owned(Value::Null), Cow::Borrowed))
    }

    /// Evaluates the expression into `slot`: a parameter's TEXT or BLOB
    /// is copied into the buffer `slot` already holds, if it holds one (a
    /// prepared INSERT fills the same row from one run to the next, and so
    /// allocates nothing for a value no longer than the last).
    pub fn eval_into(&self, env: &Env<'_>, slot: &mut Value) -> Result<()> {
        if let BExpr::Param(i) = self {
            match (env.params.get(*i), &mut *slot) {
                (Some(Value::Text(from)), Value::Text(to)) => from.clone_into(to),
                (Some(Value::Blob(from)), Value::Blob(to)) => from.clone_into(to),
                (Some(v), _) => v.clone_into(slot),
                (None, _) => *slot = Value::Null,
            }
            return Ok(());
        }
        *slot = self.eval(env)?;
        Ok(())
    }

    /// Evaluates the expression.
    pub fn eval(&self, env: &Env<'_>) -> Result<Value> {
        Ok(match self {
            BExpr::Literal(v) => v.clone(),
            BExpr::Column { index, .. } => env.row.get(*index).cloned().unwrap_or(Value::Null),
            BExpr::Param(i) => env.params.get(*i).cloned().unwrap_or(Value::Null),
            BExpr::Agg(i) => env.aggs.get(*i).cloned().unwrap_or(Value::Null),
            BExpr::Outer { levels, index, .. } => env
                .outer(*levels)?
                .row
                .get(*index)
                .cloned()
                .unwrap_or(Value::Null),
            BExpr::Subquery(s) => s.eval(env)?,
            BExpr::Raise(action, message) => {
                return Err(crate::error::Error::Raised {
                    action: *action,
                    message: message.clone(),
                });
            }
            BExpr::Unary(op, x) => {
                let v = x.eval_cow(env)?;
                match op {
                    UnaryOp::Neg => ops::negate(&v),
                    UnaryOp::Plus => ops::unary_plus(&v),
                    UnaryOp::Not => ops::not_value(&v),
                    UnaryOp::BitNot => ops::bit_not(&v),
                }
            }
            BExpr::Arith(op, a, b) => ops::arith(*op, &*a.eval_cow(env)?, &*b.eval_cow(env)?),
            BExpr::Bit(op, a, b) => ops::bitwise(*op, &*a.eval_cow(env)?, &*b.eval_cow(env)?),
            BExpr::Concat(a, b) => ops::concat(&*a.eval_cow(env)?, &*b.eval_cow(env)?)?,
            BExpr::Compare {
                op,
                left,
                right,
                left_aff,
                right_aff,
            } => {
                let (a, b) = (left.eval_cow(env)?, right.eval_cow(env)?);
                ops::bool_value(ops::compare(*op, &a, *left_aff, &b, *right_aff))
            }
            BExpr::Is {
                left,
                right,
                left_aff,
                right_aff,
                negated,
            } => {
                let (a, b) = (left.eval_cow(env)?, right.eval_cow(env)?);
                let same = ops::is(&a, *left_aff, &b, *right_aff);
                Value::Integer(i64::from(same != *negated))
            }
            BExpr::And(a, b) => {
                let l = ops::truthiness(&a.eval(env)?);
                if l == Some(false) {
                    return Ok(Value::Integer(0));
                }
                ops::bool_value(ops::and(l, ops::truthiness(&b.eval(env)?)))
            }
            BExpr::Or(a, b) => {
                let l = ops::truthiness(&a.eval(env)?);
                if l == Some(true) {
                    return Ok(Value::Integer(1));
                }
                ops::bool_value(ops::or(l, ops::truthiness(&b.eval(env)?)))
            }
            BExpr::IsNull(x, negated) => {
                let null = matches!(*x.eval_cow(env)?, Value::Null);
                Value::Integer(i64::from(null != *negated))
            }
            BExpr::InList {
                expr,
                list,
                aff,
                negated,
            } => {
                let v = expr.eval_cow(env)?;
                let result = in_list(&v, list, *aff, env)?;
                if *negated {
                    ops::bool_value(ops::not(result))
                } else {
                    ops::bool_value(result)
                }
            }
            BExpr::Like {
                expr,
                pattern,
                escape,
                negated,
                glob,
            } => {
                let v = expr.eval_cow(env)?;
                let p = pattern.eval_cow(env)?;
                let r = if *glob {
                    func::glob(&p, &v)?
                } else {
                    let e = match escape {
                        Some(e) => Some(e.eval(env)?),
                        None => None,
                    };
                    func::like(&p, &v, e.as_ref())?
                };
                if *negated { ops::not_value(&r) } else { r }
            }
            BExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let base = match operand {
                    Some((o, aff)) => Some((o.eval(env)?, *aff)),
                    None => None,
                };
                for (when, when_aff, then) in whens {
                    let w = when.eval(env)?;
                    let hit = match &base {
                        Some((b, b_aff)) => {
                            ops::compare(CmpOp::Eq, b, *b_aff, &w, *when_aff) == Some(true)
                        }
                        None => ops::truthiness(&w) == Some(true),
                    };
                    if hit {
                        return then.eval(env);
                    }
                }
                match otherwise {
                    Some(e) => e.eval(env)?,
                    None => Value::Null,
                }
            }
            BExpr::Cast(x, t) => affinity::cast(&*x.eval_cow(env)?, t)?,
            BExpr::Coalesce(args) => {
                for a in args {
                    let v = a.eval(env)?;
                    if !matches!(v, Value::Null) {
                        return Ok(v);
                    }
                }
                Value::Null
            }
            BExpr::Func(f, args) => match args.as_slice() {
                // One argument, the commonest call, is lent, not copied.
                [x] => f.call(std::slice::from_ref(&*x.eval_cow(env)?))?,
                [x, y] => f.call(&[x.eval(env)?, y.eval(env)?])?,
                _ => {
                    let vals = args
                        .iter()
                        .map(|a| a.eval(env))
                        .collect::<Result<Vec<_>>>()?;
                    f.call(&vals)?
                }
            },
        })
    }

    /// Evaluates the expression as a condition: true only if non-NULL and
    /// numerically nonzero.
    ///
    /// AND-ed terms are tested one by one, left to right, and the first
    /// that is not true ends the test (a NULL counts as false here), so a
    /// term after it is never evaluated and cannot fail, as in SQLite's
    /// WHERE clauses.
    pub fn test(&self, env: &Env<'_>) -> Result<bool> {
        match self {
            BExpr::And(a, b) => Ok(a.test(env)? && b.test(env)?),
            _ => Ok(ops::truthiness(&self.eval(env)?) == Some(true)),
        }
    }
}

/// `v IN (list)` in three-valued logic: true if some element equals `v`,
/// else NULL if `v` or some element is NULL, else false.
fn in_list(
    v: &Value,
    list: &[BExpr],
    aff: Option<Affinity>,
    env: &Env<'_>,
) -> Result<Option<bool>> {
    in_values(
        v,
        aff,
        None,
        list.is_empty(),
        list.iter().map(|e| e.eval(env)),
    )
}

/// `v IN (values)` with SQLite's NULL rules: false for no values (even if
/// `v` is NULL), true on a match, else NULL if `v` or some value is NULL.
/// The values are computed only if needed, and only until a match.
pub(crate) fn in_values(
    v: &Value,
    aff: Option<Affinity>,
    values_aff: Option<Affinity>,
    none: bool,
    values: impl Iterator<Item = Result<Value>>,
) -> Result<Option<bool>> {
    if none {
        return Ok(Some(false));
    }
    if matches!(v, Value::Null) {
        return Ok(None);
    }
    let mut saw_null = false;
    for x in values {
        match ops::compare(CmpOp::Eq, v, aff, &x?, values_aff) {
            Some(true) => return Ok(Some(true)),
            Some(false) => {}
            None => saw_null = true,
        }
    }
    Ok(if saw_null { None } else { Some(false) })
}

/// Evaluates a constant expression (no row) with parameters.
pub fn eval_constant(e: &BExpr, params: &[Value]) -> Result<Value> {
    e.eval(&Env::constant(params))
}
