//! The binder: names in the syntax tree -> positions in rows.
//!
//! A statement on one table evaluates its expressions against a row laid
//! out as the table's columns in order followed by the rowid:
//!
//! ```text
//! row = [ col 0, col 1, ..., col n-1, rowid ]
//! ```
//!
//! (an `INTEGER PRIMARY KEY` column holds the rowid too). Binding resolves
//! each column name against that layout (`rowid`, `oid` and `_rowid_` name
//! the rowid unless a column has that name), each parameter to its slot,
//! and, where aggregates are allowed, each aggregate call to a slot in the
//! group's results ([`AggCall`]). What cannot resolve is an error named as
//! SQLite names it: `no such column: x`, `no such function: f`,
//! `misuse of aggregate: count()`.

use crate::affinity::Affinity;
use crate::ast::{BinaryOp, Expr, Param, Select};
use crate::error::{Error, Result};
use crate::expr::BExpr;
use crate::func;
use crate::ops::{ArithOp, BitOp, CmpOp};
use crate::schema::{Schema, Table};
use crate::subquery::{Subquery, SubqueryKind};
use std::cell::{Cell, RefCell};
use std::sync::Arc;

/// The aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    /// `count(*)`.
    CountStar,
    /// `count(x)`.
    Count,
    /// `sum(x)`.
    Sum,
    /// `total(x)`.
    Total,
    /// `avg(x)`.
    Avg,
    /// `min(x)`.
    Min,
    /// `max(x)`.
    Max,
    /// `group_concat(x [, sep])`.
    GroupConcat,
}

impl AggFunc {
    /// The aggregate called `name` with `n` arguments, if it is one.
    pub fn from_call(name: &str, n: usize, star: bool) -> Option<AggFunc> {
        Some(match (name, n, star) {
            ("count", 0, true) | ("count", 0, false) => AggFunc::CountStar,
            ("count", 1, false) => AggFunc::Count,
            ("sum", 1, false) => AggFunc::Sum,
            ("total", 1, false) => AggFunc::Total,
            ("avg", 1, false) => AggFunc::Avg,
            ("min", 1, false) => AggFunc::Min,
            ("max", 1, false) => AggFunc::Max,
            ("group_concat", 1 | 2, false) => AggFunc::GroupConcat,
            _ => return None,
        })
    }
}

/// One aggregate call of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct AggCall {
    /// Which function.
    pub func: AggFunc,
    /// Its arguments, bound against the source row.
    pub args: Vec<BExpr>,
    /// `DISTINCT`.
    pub distinct: bool,
}

/// Maps parameters to slots.
#[derive(Debug, Clone, Default)]
pub struct ParamSlots {
    /// Named parameters and their 1-based indexes.
    pub names: Vec<(String, usize)>,
}

/// The binder for expressions over one table (or none).
pub struct Binder<'a> {
    /// The table, if the statement has one.
    pub table: Option<&'a Table>,
    /// The name the table is known by in this statement (its alias, or its
    /// name).
    pub qualifier: Option<&'a str>,
    /// Parameter names.
    pub params: &'a ParamSlots,
    /// Result-column aliases that WHERE, GROUP BY, HAVING and ORDER BY may
    /// name (SQLite allows it when no column has the name).
    pub aliases: Vec<(String, Expr)>,
    /// Aggregate calls found so far; `None` where aggregates are not allowed.
    pub aggs: Option<Vec<AggCall>>,
    /// What the current clause is, for "misuse of aggregate" messages.
    depth_in_agg: usize,
    alias_depth: usize,
    /// The schema, for planning subqueries (`None`: subqueries are not
    /// allowed, as in CHECK constraints and defaults).
    pub schema: Option<&'a Schema>,
    /// The binder of the query around this one, if this is a subquery:
    /// names this one cannot resolve are looked up there.
    pub outer: Option<&'a Binder<'a>>,
    /// Whether a name resolved through [`outer`](Self::outer).
    pub correlated: Cell<bool>,
    /// The common table expressions visible here (for subqueries).
    pub ctes: Option<&'a crate::cte::CteScope<'a>>,
    /// The tables of a join, when the row is their combined row (then
    /// `table` is `None`).
    pub joined: Vec<crate::join::Joined<'a>>,
    /// The positions in the row that names have resolved to, here or from
    /// a subquery: what the query reads of the row.
    pub read: RefCell<Vec<usize>>,
}

/// Where column `name` of `t` is in its row `[columns..., rowid]`, and its
/// affinity. An INTEGER PRIMARY KEY column and the rowid's own names
/// (unless a column has them) read the rowid.
fn position_in(t: &Table, name: &str) -> Option<(usize, Affinity)> {
    let rowid = t.columns.len();
    match t.column_index(name) {
        Some(i) if t.rowid_alias == Some(i) => Some((rowid, t.columns[i].affinity)),
        Some(i) => Some((i, t.columns[i].affinity)),
        None if is_rowid_name(name) => Some((rowid, Affinity::Integer)),
        None => None,
    }
}

/// Names that mean the rowid.
pub fn is_rowid_name(name: &str) -> bool {
    ["rowid", "oid", "_rowid_"]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
}

impl<'a> Binder<'a> {
    /// A binder over `table`.
    pub fn new(
        table: Option<&'a Table>,
        qualifier: Option<&'a str>,
        params: &'a ParamSlots,
    ) -> Self {
        Binder {
            table,
            qualifier,
            params,
            aliases: Vec::new(),
            aggs: None,
            depth_in_agg: 0,
            alias_depth: 0,
            schema: None,
            outer: None,
            correlated: Cell::new(false),
            ctes: None,
            joined: Vec::new(),
            read: RefCell::new(Vec::new()),
        }
    }

    /// Looks `name` up in the enclosing queries, innermost first: the
    /// number of queries out, the position in that query's row and the
    /// affinity. Marks every query between as correlated.
    fn outer_column(&self, table: Option<&str>, name: &str) -> Option<(usize, usize, Affinity)> {
        let mut levels = 0;
        let mut here: &Binder<'_> = self;
        loop {
            let o = here.outer?;
            levels += 1;
            if let Some((index, affinity)) = o.column(table, name) {
                let mut b: &Binder<'_> = self;
                for _ in 0..levels {
                    b.correlated.set(true);
                    match b.outer {
                        Some(next) => b = next,
                        None => break,
                    }
                }
                return Some((levels, index, affinity));
            }
            here = o;
        }
    }

    /// Plans a subquery of this query.
    fn subquery(&mut self, select: &Select, kind: SubqueryKind) -> Result<BExpr> {
        let Some(schema) = self.schema else {
            return Err(Error::Invalid("subqueries are not allowed here".into()));
        };
        let outer: &Binder<'_> = self;
        let plan = crate::compound::plan_subquery(schema, select, self.params, outer)?;
        let width = plan.columns().len();
        if !matches!(kind, SubqueryKind::Exists { .. }) && width != 1 {
            return Err(Error::Invalid(format!(
                "sub-select returns {width} columns - expected 1"
            )));
        }
        let kind = match kind {
            SubqueryKind::In {
                expr, negated, aff, ..
            } => SubqueryKind::In {
                expr,
                negated,
                aff,
                column_aff: plan.first_column_affinity(),
            },
            other => other,
        };
        Ok(BExpr::Subquery(Arc::new(Subquery::new(plan, kind))))
    }

    /// The position of the rowid in the row.
    pub fn rowid_index(&self) -> usize {
        self.table.map_or(0, |t| t.columns.len())
    }

    /// Resolves a name among joined tables: every match, as (position in
    /// the combined row, affinity). More than one is ambiguous.
    fn joined_columns(&self, table: Option<&str>, name: &str) -> Vec<(usize, Affinity)> {
        let mut found = Vec::new();
        for j in &self.joined {
            match table {
                Some(q) if !j.qualifier.eq_ignore_ascii_case(q) => continue,
                None if j.hidden.iter().any(|h| h.eq_ignore_ascii_case(name)) => continue,
                _ => {}
            }
            if let Some((i, aff)) = position_in(j.table, name) {
                found.push((j.offset + i, aff));
            }
        }
        found
    }

    /// For an unqualified USING / NATURAL column of a RIGHT or FULL join:
    /// the right table's copy, which the name also means.
    fn merged_partner(&self, table: Option<&str>, name: &str) -> Option<(usize, Affinity)> {
        if table.is_some() {
            return None;
        }
        self.joined
            .iter()
            .filter(|j| j.merged.iter().any(|m| m.eq_ignore_ascii_case(name)))
            .find_map(|j| position_in(j.table, name).map(|(i, aff)| (j.offset + i, aff)))
    }

    /// Resolves a column name to a row position and affinity.
    pub fn column(&self, table: Option<&str>, name: &str) -> Option<(usize, Affinity)> {
        let found = if !self.joined.is_empty() {
            self.joined_columns(table, name).first().copied()
        } else {
            let t = self.table?;
            if let Some(q) = table {
                let matches = self.qualifier.is_some_and(|n| n.eq_ignore_ascii_case(q));
                if !matches {
                    return None;
                }
            }
            position_in(t, name)
        };
        if let Some((index, _)) = found {
            self.read.borrow_mut().push(index);
        }
        found
    }

    /// Which of `table`'s columns the names resolved so far read (the
    /// [`ScanPlan::read`](crate::plan::ScanPlan::read) of a single-table
    /// query).
    pub fn columns_read(&self, table: &Table) -> Vec<bool> {
        let mut read = vec![false; table.columns.len()];
        for &i in self.read.borrow().iter() {
            if let Some(r) = read.get_mut(i) {
                *r = true;
            }
        }
        read
    }

    /// Binds an expression.
    pub fn bind(&mut self, e: &Expr) -> Result<BExpr> {
        Ok(match e {
            Expr::Literal(v) => BExpr::Literal(v.clone()),
            Expr::Column { table, name } => {
                if !self.joined.is_empty() && self.joined_columns(table.as_deref(), name).len() > 1
                {
                    let full = match table {
                        Some(t) => format!("{t}.{name}"),
                        None => name.clone(),
                    };
                    return Err(Error::Invalid(format!("ambiguous column name: {full}")));
                }
                if let Some((index, affinity)) = self.column(table.as_deref(), name) {
                    match self.merged_partner(table.as_deref(), name) {
                        // After a RIGHT or FULL join either side of a
                        // USING column may be the padded one.
                        Some((right, right_aff)) => BExpr::Coalesce(vec![
                            BExpr::Column { index, affinity },
                            BExpr::Column {
                                index: right,
                                affinity: right_aff,
                            },
                        ]),
                        None => BExpr::Column { index, affinity },
                    }
                } else if let Some(x) = self.alias(table.as_deref(), name) {
                    if self.alias_depth > 8 {
                        return Err(Error::Invalid(format!("alias {name} refers to itself")));
                    }
                    self.alias_depth += 1;
                    let r = self.bind(&x);
                    self.alias_depth -= 1;
                    r?
                } else if let Some((levels, index, affinity)) =
                    self.outer_column(table.as_deref(), name)
                {
                    BExpr::Outer {
                        levels,
                        index,
                        affinity,
                    }
                } else {
                    let full = match table {
                        Some(t) => format!("{t}.{name}"),
                        None => name.clone(),
                    };
                    return Err(Error::no_column(&full));
                }
            }
            Expr::Param(p) => BExpr::Param(self.param_slot(p)?),
            Expr::Unary { op, expr } => BExpr::Unary(*op, Box::new(self.bind(expr)?)),
            Expr::Binary { op, left, right } => {
                let l = self.bind(left)?;
                let r = self.bind(right)?;
                binary(*op, l, r)
            }
            Expr::IsNull { expr, negated } => BExpr::IsNull(Box::new(self.bind(expr)?), *negated),
            Expr::Is {
                left,
                right,
                negated,
            } => {
                let l = self.bind(left)?;
                let r = self.bind(right)?;
                BExpr::Is {
                    left_aff: l.affinity(),
                    right_aff: r.affinity(),
                    left: Box::new(l),
                    right: Box::new(r),
                    negated: *negated,
                }
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let x = self.bind(expr)?;
                let lo = self.bind(low)?;
                let hi = self.bind(high)?;
                let both = BExpr::And(
                    Box::new(compare(CmpOp::Ge, x.clone(), lo)),
                    Box::new(compare(CmpOp::Le, x, hi)),
                );
                if *negated {
                    BExpr::Unary(crate::ast::UnaryOp::Not, Box::new(both))
                } else {
                    both
                }
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let x = self.bind(expr)?;
                let list = list
                    .iter()
                    .map(|i| self.bind(i))
                    .collect::<Result<Vec<_>>>()?;
                BExpr::InList {
                    aff: x.affinity(),
                    expr: Box::new(x),
                    list,
                    negated: *negated,
                }
            }
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
                glob,
            } => BExpr::Like {
                expr: Box::new(self.bind(expr)?),
                pattern: Box::new(self.bind(pattern)?),
                escape: match escape {
                    Some(e) => Some(Box::new(self.bind(e)?)),
                    None => None,
                },
                negated: *negated,
                glob: *glob,
            },
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let operand = match operand {
                    Some(o) => {
                        let b = self.bind(o)?;
                        let aff = b.affinity();
                        Some((Box::new(b), aff))
                    }
                    None => None,
                };
                let mut bound = Vec::with_capacity(whens.len());
                for (w, t) in whens {
                    let w = self.bind(w)?;
                    let aff = w.affinity();
                    bound.push((w, aff, self.bind(t)?));
                }
                BExpr::Case {
                    operand,
                    whens: bound,
                    otherwise: match otherwise {
                        Some(e) => Some(Box::new(self.bind(e)?)),
                        None => None,
                    },
                }
            }
            Expr::Cast { expr, type_name } => {
                BExpr::Cast(Box::new(self.bind(expr)?), type_name.clone())
            }
            Expr::Function {
                name,
                args,
                distinct,
                star,
            } => self.function(name, args, *distinct, *star)?,
            Expr::Subquery(select) => self.subquery(select, SubqueryKind::Scalar)?,
            Expr::Exists { select, negated } => {
                self.subquery(select, SubqueryKind::Exists { negated: *negated })?
            }
            Expr::InSelect {
                expr,
                select,
                negated,
            } => {
                let x = self.bind(expr)?;
                let aff = x.affinity();
                self.subquery(
                    select,
                    SubqueryKind::In {
                        expr: Box::new(x),
                        aff,
                        column_aff: None,
                        negated: *negated,
                    },
                )?
            }
            Expr::Raise { action, message } => BExpr::Raise(*action, message.clone()),
        })
    }

    fn alias(&self, table: Option<&str>, name: &str) -> Option<Expr> {
        if table.is_some() {
            return None;
        }
        self.aliases
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(name))
            .map(|(_, e)| e.clone())
    }

    fn param_slot(&self, p: &Param) -> Result<usize> {
        match p {
            Param::Index(n) => n
                .checked_sub(1)
                .ok_or_else(|| Error::Parameter("?0 is not a parameter".into())),
            Param::Named(name) => self
                .params
                .names
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, i)| i.checked_sub(1))
                .ok_or_else(|| Error::Parameter(format!("{name} has no index"))),
        }
    }

    fn function(&mut self, name: &str, args: &[Expr], distinct: bool, star: bool) -> Result<BExpr> {
        if let Some(func) = AggFunc::from_call(name, args.len(), star) {
            if self.aggs.is_none() || self.depth_in_agg > 0 {
                return Err(Error::Invalid(format!("misuse of aggregate: {name}()")));
            }
            if distinct && args.len() != 1 {
                return Err(Error::Invalid(
                    "DISTINCT aggregates must have exactly one argument".into(),
                ));
            }
            self.depth_in_agg += 1;
            let bound = args
                .iter()
                .map(|a| self.bind(a))
                .collect::<Result<Vec<_>>>();
            self.depth_in_agg -= 1;
            let call = AggCall {
                func,
                args: bound?,
                distinct,
            };
            let aggs = self.aggs.get_or_insert_with(Vec::new);
            let slot = match aggs.iter().position(|a| *a == call) {
                Some(i) => i,
                None => {
                    aggs.push(call);
                    aggs.len() - 1
                }
            };
            return Ok(BExpr::Agg(slot));
        }
        if star {
            return Err(Error::Invalid(format!(
                "wrong number of arguments to function {name}()"
            )));
        }
        if distinct {
            return Err(Error::Invalid(format!(
                "DISTINCT is only allowed in aggregate functions, not {name}()"
            )));
        }
        let f = func::Scalar::resolve(name, args.len())?;
        let bound = args
            .iter()
            .map(|a| self.bind(a))
            .collect::<Result<Vec<_>>>()?;
        Ok(match f {
            func::Scalar::Coalesce | func::Scalar::Ifnull => BExpr::Coalesce(bound),
            _ => BExpr::Func(f, bound),
        })
    }
}

fn compare(op: CmpOp, l: BExpr, r: BExpr) -> BExpr {
    BExpr::Compare {
        op,
        left_aff: l.affinity(),
        right_aff: r.affinity(),
        left: Box::new(l),
        right: Box::new(r),
    }
}

fn binary(op: BinaryOp, l: BExpr, r: BExpr) -> BExpr {
    let arith = |o| BExpr::Arith(o, Box::new(l.clone()), Box::new(r.clone()));
    let bit = |o| BExpr::Bit(o, Box::new(l.clone()), Box::new(r.clone()));
    match op {
        BinaryOp::Add => arith(ArithOp::Add),
        BinaryOp::Sub => arith(ArithOp::Sub),
        BinaryOp::Mul => arith(ArithOp::Mul),
        BinaryOp::Div => arith(ArithOp::Div),
        BinaryOp::Rem => arith(ArithOp::Rem),
        BinaryOp::Concat => BExpr::Concat(Box::new(l), Box::new(r)),
        BinaryOp::Eq => compare(CmpOp::Eq, l, r),
        BinaryOp::NotEq => compare(CmpOp::Ne, l, r),
        BinaryOp::Lt => compare(CmpOp::Lt, l, r),
        BinaryOp::LtEq => compare(CmpOp::Le, l, r),
        BinaryOp::Gt => compare(CmpOp::Gt, l, r),
        BinaryOp::GtEq => compare(CmpOp::Ge, l, r),
        BinaryOp::And => BExpr::And(Box::new(l), Box::new(r)),
        BinaryOp::Or => BExpr::Or(Box::new(l), Box::new(r)),
        BinaryOp::BitAnd => bit(BitOp::And),
        BinaryOp::BitOr => bit(BitOp::Or),
        BinaryOp::ShiftLeft => bit(BitOp::Shl),
        BinaryOp::ShiftRight => bit(BitOp::Shr),
    }
}

/// Splits a condition into its AND-ed parts.
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            let mut v = conjuncts(left);
            v.extend(conjuncts(right));
            v
        }
        other => vec![other],
    }
}

/// Whether an expression contains an aggregate call.
pub fn has_aggregate(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let Expr::Function {
            name, args, star, ..
        } = x
            && AggFunc::from_call(name, args.len(), *star).is_some()
        {
            found = true;
        }
    });
    found
}

/// Calls `f` on an expression and all its sub-expressions.
pub fn walk(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Literal(_) | Expr::Column { .. } | Expr::Param(_) | Expr::Raise { .. } => {}
        Expr::Unary { expr, .. } | Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } => {
            walk(expr, f)
        }
        Expr::Binary { left, right, .. } | Expr::Is { left, right, .. } => {
            walk(left, f);
            walk(right, f);
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            walk(expr, f);
            walk(low, f);
            walk(high, f);
        }
        Expr::InList { expr, list, .. } => {
            walk(expr, f);
            list.iter().for_each(|x| walk(x, f));
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            walk(expr, f);
            walk(pattern, f);
            if let Some(x) = escape {
                walk(x, f);
            }
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            if let Some(x) = operand {
                walk(x, f);
            }
            for (w, t) in whens {
                walk(w, f);
                walk(t, f);
            }
            if let Some(x) = otherwise {
                walk(x, f);
            }
        }
        Expr::Function { args, .. } => args.iter().for_each(|x| walk(x, f)),
        // A subquery is a query of its own: its aggregates and columns are
        // not this query's.
        Expr::Subquery(_) | Expr::Exists { .. } => {}
        Expr::InSelect { expr, .. } => walk(expr, f),
    }
}
