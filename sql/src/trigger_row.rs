//! NEW and OLD: how a trigger's program reads the row that fired it.
//!
//! A trigger's program is prepared (bound and planned) once for the
//! statement that fires it, and run once for each row the statement
//! changes ([`crate::trigger_program`]). The row reaches the program the
//! way values reach any prepared statement: as parameters. Before its
//! steps are prepared, every `NEW.column` and `OLD.column` in them is
//! replaced by the parameter that will hold that value. With n columns:
//!
//! ```text
//! ?1 .. ?n        NEW.col0 .. NEW.col(n-1)
//! ?n+1            NEW.rowid
//! ?n+2 .. ?2n+1   OLD.col0 .. OLD.col(n-1)
//! ?2n+2           OLD.rowid
//! ```
//!
//! (a trigger's program cannot use parameters of its own, so the numbers
//! are free). For each row, [`RowShape::params`] lays out the values.
//!
//! What SQLite does, and so what the replacement keeps:
//!
//! * only a qualified name is NEW or OLD (`new.a`; a plain `a` is not),
//!   and only when no table of the statement's FROM (or the UPDATE's or
//!   DELETE's own table) is called or aliased `new` / `old`: a table of
//!   the query comes first;
//! * NEW exists in INSERT and UPDATE triggers, OLD in UPDATE and DELETE
//!   ones; a reference that is not replaced (the wrong one for the event,
//!   or no such column) is left as written, and binding it fails with
//!   SQLite's `no such column: new.x`;
//! * `NEW.col` has no affinity of its own (comparing `new.a = '5'` with
//!   an INTEGER column `a` holding 5 is false), which a parameter has
//!   neither; but the rowid (`NEW.rowid`, `OLD.oid`, or an `INTEGER
//!   PRIMARY KEY` column) has INTEGER affinity, so it becomes
//!   `CAST(?k AS INTEGER)`, which has that affinity and leaves the value
//!   (always an integer) as it is.

use crate::ast::{
    ChildMut, Delete, Expr, Insert, InsertSource, JoinConstraint, Param, Select, SelectItem,
    TriggerStep, Update,
};
use crate::bind::is_rowid_name;
use crate::value::Value;

/// The row a trigger's program sees: the columns of its table or view.
#[derive(Debug, Clone)]
pub struct RowShape {
    /// The column names, in order.
    pub columns: Vec<String>,
    /// The INTEGER PRIMARY KEY column, if any (it reads the rowid).
    pub rowid_alias: Option<usize>,
    /// Whether NEW exists (INSERT and UPDATE).
    pub new: bool,
    /// Whether OLD exists (UPDATE and DELETE).
    pub old: bool,
}

/// Which of NEW and OLD a FROM of the statement hides.
#[derive(Debug, Clone, Copy, Default)]
struct Hidden {
    new: bool,
    old: bool,
}

impl Hidden {
    /// These, plus whatever `names` (FROM tables or aliases) hide.
    fn plus<'a>(self, names: impl IntoIterator<Item = &'a str>) -> Hidden {
        let mut h = self;
        for n in names {
            h.new |= n.eq_ignore_ascii_case("new");
            h.old |= n.eq_ignore_ascii_case("old");
        }
        h
    }
}

impl RowShape {
    /// The number of parameters a row takes (NEW and OLD, each the
    /// columns and the rowid).
    pub fn width(&self) -> usize {
        2 * (self.columns.len() + 1)
    }

    /// The parameters for one row: `new` and `old` laid out as rows are,
    /// `[columns..., rowid]`; a missing one (NEW of a DELETE) is NULLs.
    pub fn params(&self, new: Option<&[Value]>, old: Option<&[Value]>) -> Vec<Value> {
        let half = self.columns.len() + 1;
        let mut params = Vec::with_capacity(2 * half);
        for row in [new, old] {
            for i in 0..half {
                params.push(row.and_then(|r| r.get(i)).cloned().unwrap_or(Value::Null));
            }
        }
        params
    }

    /// The parameter that `qualifier.name` reads, if it is a NEW or OLD
    /// reference this trigger has.
    fn replacement(&self, qualifier: &str, name: &str, hidden: Hidden) -> Option<Expr> {
        let half = self.columns.len() + 1;
        let base = if qualifier.eq_ignore_ascii_case("new") && self.new && !hidden.new {
            0
        } else if qualifier.eq_ignore_ascii_case("old") && self.old && !hidden.old {
            half
        } else {
            return None;
        };
        let column = self
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name));
        let rowid = |base: usize| Expr::Cast {
            expr: Box::new(Expr::Param(Param::Index(base + half))),
            type_name: "INTEGER".into(),
        };
        match column {
            Some(i) if self.rowid_alias == Some(i) => Some(rowid(base)),
            Some(i) => Some(Expr::Param(Param::Index(base + i + 1))),
            None if is_rowid_name(name) => Some(rowid(base)),
            None => None,
        }
    }

    /// A trigger's step with its NEW and OLD references replaced.
    pub fn step(&self, step: &TriggerStep) -> TriggerStep {
        let mut step = step.clone();
        let none = Hidden::default();
        match &mut step {
            TriggerStep::Insert(i) => self.insert(i, none),
            TriggerStep::Update(u) => self.update(u, none),
            TriggerStep::Delete(d) => self.delete(d, none),
            TriggerStep::Select { select, .. } => self.select(select, none),
        }
        step
    }

    /// An expression (a WHEN clause) with its NEW and OLD references
    /// replaced.
    pub fn expr(&self, e: &Expr) -> Expr {
        let mut e = e.clone();
        self.rewrite(&mut e, Hidden::default());
        e
    }

    fn insert(&self, i: &mut Insert, hidden: Hidden) {
        let Insert {
            table: _,
            columns: _,
            source,
            conflict: _,
        } = i;
        match source {
            InsertSource::Values(rows) => rows
                .iter_mut()
                .flatten()
                .for_each(|e| self.rewrite(e, hidden)),
            InsertSource::Select(s) => self.select(s, hidden),
            InsertSource::DefaultValues => {}
        }
    }

    fn update(&self, u: &mut Update, hidden: Hidden) {
        let Update {
            table,
            assignments,
            filter,
            conflict: _,
        } = u;
        let hidden = hidden.plus([table.as_str()]);
        for (_, e) in assignments {
            self.rewrite(e, hidden);
        }
        if let Some(f) = filter {
            self.rewrite(f, hidden);
        }
    }

    fn delete(&self, d: &mut Delete, hidden: Hidden) {
        let Delete { table, filter } = d;
        let hidden = hidden.plus([table.as_str()]);
        if let Some(f) = filter {
            self.rewrite(f, hidden);
        }
    }

    fn select(&self, s: &mut Select, hidden: Hidden) {
        let Select {
            distinct: _,
            items,
            from,
            filter,
            group_by,
            having,
            order_by,
            limit,
            offset,
            compound,
            with,
            recursive: _,
            joins,
        } = s;
        // WITH is visible to the whole query, and its own SELECTs are
        // queries of their own.
        for cte in with.iter_mut() {
            self.select(&mut cte.select, hidden);
        }
        let names = from
            .iter()
            .chain(joins.iter().map(|j| &j.table))
            .map(|t| t.alias.as_deref().unwrap_or(&t.name));
        let inner = hidden.plus(names);
        for t in from
            .iter_mut()
            .chain(joins.iter_mut().map(|j| &mut j.table))
        {
            if let Some(d) = &mut t.derived {
                self.select(d, hidden);
            }
        }
        for j in joins.iter_mut() {
            if let JoinConstraint::On(e) = &mut j.constraint {
                self.rewrite(e, inner);
            }
        }
        for item in items.iter_mut() {
            if let SelectItem::Expr { expr, .. } = item {
                self.rewrite(expr, inner);
            }
        }
        for e in filter
            .iter_mut()
            .chain(group_by.iter_mut())
            .chain(having.iter_mut())
            .chain(order_by.iter_mut().map(|o| &mut o.expr))
            .chain(limit.iter_mut())
            .chain(offset.iter_mut())
        {
            self.rewrite(e, inner);
        }
        for arm in compound.iter_mut() {
            self.select(&mut arm.select, hidden);
        }
    }

    /// Replaces the NEW and OLD references in `e` and its subqueries.
    fn rewrite(&self, e: &mut Expr, hidden: Hidden) {
        if let Expr::Column {
            table: Some(q),
            name,
        } = e
        {
            if let Some(r) = self.replacement(q, name, hidden) {
                *e = r;
            }
            return;
        }
        e.for_each_child_mut(&mut |c| match c {
            ChildMut::Expr(x) => self.rewrite(x, hidden),
            ChildMut::Select(s) => self.select(s, hidden),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Statement;

    fn shape(new: bool, old: bool) -> RowShape {
        RowShape {
            columns: vec!["id".into(), "a".into()],
            rowid_alias: Some(0),
            new,
            old,
        }
    }

    fn step(sql: &str) -> TriggerStep {
        let trigger = format!("CREATE TRIGGER r AFTER UPDATE ON t BEGIN {sql}; END");
        let Statement::CreateTrigger(ct) = crate::parse::parse_statement(&trigger)
            .expect("parse")
            .statement
        else {
            panic!("not a trigger")
        };
        ct.steps.into_iter().next().expect("one step")
    }

    fn param(n: usize) -> Expr {
        Expr::Param(Param::Index(n))
    }

    fn rowid(n: usize) -> Expr {
        Expr::Cast {
            expr: Box::new(param(n)),
            type_name: "INTEGER".into(),
        }
    }

    #[test]
    fn new_and_old_columns_become_parameters_and_the_rowid_keeps_integer_affinity() {
        let s = shape(true, true);
        let TriggerStep::Insert(i) = s.step(&step(
            "INSERT INTO log VALUES (new.a, OLD.a, new.id, old.rowid, new.nope, a)",
        )) else {
            panic!("not INSERT")
        };
        let InsertSource::Values(rows) = i.source else {
            panic!("not VALUES")
        };
        let column = |t: Option<&str>, n: &str| Expr::Column {
            table: t.map(str::to_string),
            name: n.into(),
        };
        assert_eq!(
            rows[0],
            vec![
                param(2),
                param(5),
                rowid(3),
                rowid(6),
                column(Some("new"), "nope"),
                column(None, "a"),
            ],
            "an unknown column and a plain name stay as written"
        );
    }

    #[test]
    fn only_the_references_the_event_has_are_replaced() {
        let insert_only = shape(true, false);
        assert_eq!(
            insert_only.expr(&Expr::Column {
                table: Some("old".into()),
                name: "a".into()
            }),
            Expr::Column {
                table: Some("old".into()),
                name: "a".into()
            },
            "OLD in an INSERT trigger is left for the binder to refuse"
        );
    }

    #[test]
    fn a_table_called_new_in_from_hides_new_in_its_query_only() {
        let s = shape(true, true);
        let TriggerStep::Select { select, .. } = s.step(&step(
            "SELECT new.a, (SELECT new.a FROM u AS new) FROM v WHERE new.a = old.a",
        )) else {
            panic!("not SELECT")
        };
        let SelectItem::Expr { expr: first, .. } = &select.items[0] else {
            panic!()
        };
        assert_eq!(*first, param(2));
        let SelectItem::Expr {
            expr: Expr::Subquery(inner),
            ..
        } = &select.items[1]
        else {
            panic!()
        };
        let SelectItem::Expr { expr: hidden, .. } = &inner.items[0] else {
            panic!()
        };
        assert!(
            matches!(hidden, Expr::Column { table: Some(t), .. } if t == "new"),
            "{hidden:?}"
        );
        assert_eq!(
            s.params(Some(&[Value::Integer(1)]), None),
            vec![
                Value::Integer(1),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null
            ]
        );
    }
}
