//! Trigger programs: prepared once per statement, run once per row.
//!
//! When an INSERT, UPDATE or DELETE is prepared ([`crate::dml`],
//! [`crate::instead_of`]), the triggers that its change fires on its
//! table are found ([`Schema::triggers_for`]) and their programs prepared
//! with it, into [`RowTriggers`]: the WHEN clause bound, each step bound and
//! planned, its NEW and OLD references turned into parameters
//! ([`crate::trigger_row`]), and the steps that write prepared in turn,
//! with *their* triggers. As in SQLite, which compiles trigger programs
//! into the statement, a step naming a missing table or column fails when
//! the statement is prepared, even if no row is ever changed.
//!
//! For each row, the statement calls [`RowTriggers::fire`] at each timing,
//! in SQLite's order:
//!
//! ```text
//! INSERT   BEFORE (NEW)          store the row        AFTER (NEW)
//! UPDATE   BEFORE (NEW, OLD)     re-read, store       AFTER (NEW, OLD)
//! DELETE   BEFORE (OLD)          re-read, delete      AFTER (OLD)
//! view     INSTEAD OF (NEW and/or OLD): nothing is stored
//! ```
//!
//! At one timing several triggers fire one after the other, in SQLite's
//! order, which [`Schema::triggers_for`] gives: newest first, except that
//! the TEMP triggers on a table of main come before the others, oldest
//! first. Each runs its WHEN (false or NULL: the
//! trigger does nothing for this row) and then its steps; a SELECT step's
//! rows are thrown away.
//!
//! `RAISE()`, evaluated anywhere in a program, is an error
//! ([`Error::Raised`]) that travels up like any other:
//!
//! * `RAISE(IGNORE)` is caught where the trigger's program was called: the
//!   rest of the program, the rest of this row's triggers and, for a
//!   BEFORE trigger, the change of the row itself are skipped; the
//!   statement goes on with its next row, and what was done so far stays.
//! * `RAISE(ABORT, msg)` fails the statement that is running at the top
//!   (the session undoes all of it: the statement, its triggers, the
//!   triggers' triggers), with `msg` as the error.
//! * `RAISE(FAIL, msg)` fails it too, but what it changed before stays;
//!   `RAISE(ROLLBACK, msg)` undoes the whole transaction and ends it. These
//!   two are the session's business ([`crate::db`]).
//!
//! Names: as in SQLite, the tables named in the program of a trigger of
//! main are main's (a TEMP view does not hide them, and a missing one is
//! `no such table: main.x`); a TEMP trigger's program sees TEMP first.
//!
//! Recursion: SQLite's `recursive_triggers` is off by default, and walnut
//! has no other mode: a trigger does not fire while it is already running
//! (its own writes to its table, or a chain of triggers that comes back to
//! it, do not fire it again), while a trigger fired by another one does.
//! [`Nesting`] carries the triggers running around a statement being
//! prepared; their number is bounded by [`MAX_DEPTH`], which ends a long
//! chain of distinct triggers with an error rather than a stack overflow.
//!
//! Conflict policy: a statement of a trigger's program that writes no
//! `OR ...` uses ABORT, but if the statement that fired the trigger wrote
//! one (`INSERT OR IGNORE`, `UPDATE OR REPLACE`, even `OR ABORT`), that one
//! is used instead, as SQLite does; a DELETE passes none on.
//!
//! [`Schema::triggers_for`]: crate::schema::Schema::triggers_for

use crate::ast::{Conflict, RaiseAction, TriggerStep, TriggerTiming};
use crate::bind::{Binder, ParamSlots};
use crate::compound::{self, QueryPlan};
use crate::dml;
use crate::error::{Error, Result};
use crate::expr::{BExpr, Env};
use crate::scan::ScanCtx;
use crate::schema::{Schema, missing_in_main};
use crate::trigger::{Change, Trigger};
use crate::trigger_row::RowShape;
use crate::value::Value;
use std::sync::Arc;
use walnut_pager::WriteTxn;

/// How deep triggers may nest: a trigger firing a trigger firing ...
/// (SQLite allows 1000; walnut's programs nest on the stack, so it stops
/// sooner and says so).
pub const MAX_DEPTH: usize = 32;

/// Where a statement being prepared stands: inside which triggers'
/// programs, and with which conflict policy imposed from outside.
#[derive(Debug, Clone, Default)]
pub struct Nesting {
    /// The triggers whose programs are running, outermost first.
    running: Vec<Arc<Trigger>>,
    /// The policy of the statement that fired the innermost trigger, if it
    /// wrote one: it overrides the policy of every step of that program.
    conflict: Option<Conflict>,
}

impl Nesting {
    /// A statement of its own (not in a trigger).
    pub fn top() -> Nesting {
        Nesting::default()
    }

    /// The conflict policy a statement that writes `written` uses: the one
    /// imposed from outside, else its own.
    pub fn conflict(&self, written: Option<Conflict>) -> Option<Conflict> {
        self.conflict.or(written)
    }

    /// Whether `t` is already running.
    fn is_running(&self, t: &Arc<Trigger>) -> bool {
        self.running.iter().any(|r| Arc::ptr_eq(r, t))
    }

    /// Inside `t`, fired by a statement whose policy is `conflict`.
    fn inside(&self, t: &Arc<Trigger>, conflict: Option<Conflict>) -> Nesting {
        let mut running = self.running.clone();
        running.push(t.clone());
        Nesting { running, conflict }
    }
}

/// What a row's triggers decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on with the row.
    Continue,
    /// `RAISE(IGNORE)`: skip the rest of this row.
    Ignore,
}

/// One prepared step of a program.
enum Step {
    /// A SELECT, run for its effects.
    Select(Box<QueryPlan>),
    /// An INSERT, UPDATE or DELETE.
    Write(Box<dml::Prepared>),
}

/// One trigger's program, prepared.
struct Program {
    when: Option<BExpr>,
    steps: Vec<Step>,
}

/// The programs of the triggers a statement fires on its table, by timing.
pub struct RowTriggers {
    shape: RowShape,
    before: Vec<Program>,
    after: Vec<Program>,
    instead: Vec<Program>,
}

impl std::fmt::Debug for RowTriggers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowTriggers")
            .field("before", &self.before.len())
            .field("after", &self.after.len())
            .field("instead", &self.instead.len())
            .finish()
    }
}

impl RowTriggers {
    /// Prepares the programs of the triggers that `change` fires on
    /// `table` (its rows shaped as `shape` gives them), for a statement
    /// whose conflict policy is `conflict`, prepared within `nesting`.
    /// `shape` is asked only if some trigger fires (it copies the column
    /// names, which a statement on a table without triggers never needs).
    pub fn prepare(
        schema: &Schema,
        table: &str,
        shape: impl Fn() -> RowShape,
        change: Change<'_>,
        conflict: Option<Conflict>,
        nesting: &Nesting,
    ) -> Result<RowTriggers> {
        let mut shaped: Option<RowShape> = None;
        let mut programs = |timing| -> Result<Vec<Program>> {
            let mut out = Vec::new();
            for t in schema.triggers_for(table, timing, change) {
                if nesting.is_running(&t) {
                    continue;
                }
                if nesting.running.len() >= MAX_DEPTH {
                    return Err(Error::Invalid(format!(
                        "too many levels of trigger recursion (walnut allows {MAX_DEPTH} \
                         nested triggers; SQLite 1000)"
                    )));
                }
                let inside = nesting.inside(&t, conflict);
                let shape = shaped.get_or_insert_with(&shape);
                let program = Program::prepare(&schema.seen_from(t.temp), &t, shape, &inside);
                out.push(if t.temp {
                    program?
                } else {
                    program.map_err(missing_in_main)?
                });
            }
            Ok(out)
        };
        let before = programs(TriggerTiming::Before)?;
        let after = programs(TriggerTiming::After)?;
        let instead = programs(TriggerTiming::InsteadOf)?;
        // Without a program the shape is never read (`fire` returns first).
        let shape = shaped.unwrap_or(RowShape {
            columns: Vec::new(),
            rowid_alias: None,
            new: false,
            old: false,
        });
        Ok(RowTriggers {
            shape,
            before,
            after,
            instead,
        })
    }

    /// Whether any trigger fires at `timing`.
    pub fn any(&self, timing: TriggerTiming) -> bool {
        !self.programs(timing).is_empty()
    }

    /// Whether no trigger fires at all.
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty() && self.instead.is_empty()
    }

    fn programs(&self, timing: TriggerTiming) -> &[Program] {
        match timing {
            TriggerTiming::Before => &self.before,
            TriggerTiming::After => &self.after,
            TriggerTiming::InsteadOf => &self.instead,
        }
    }

    /// Runs the programs of `timing` for one row, each laid out as
    /// `[columns..., rowid]`.
    pub fn fire(
        &self,
        timing: TriggerTiming,
        tx: &WriteTxn,
        new: Option<&[Value]>,
        old: Option<&[Value]>,
    ) -> Result<Flow> {
        let programs = self.programs(timing);
        if programs.is_empty() {
            return Ok(Flow::Continue);
        }
        let params = self.shape.params(new, old);
        for p in programs {
            if p.run(tx, &params)? == Flow::Ignore {
                return Ok(Flow::Ignore);
            }
        }
        Ok(Flow::Continue)
    }
}

impl Program {
    /// Prepares `t`'s program for rows shaped as `shape`, inside
    /// `nesting` (which already counts `t`).
    fn prepare(
        schema: &Schema,
        t: &Arc<Trigger>,
        shape: &RowShape,
        nesting: &Nesting,
    ) -> Result<Program> {
        let slots = ParamSlots::default();
        let when = match &t.when {
            Some(w) => {
                let mut b = Binder::new(None, None, &slots);
                b.schema = Some(schema);
                Some(b.bind(&shape.expr(w))?)
            }
            None => None,
        };
        let mut steps = Vec::with_capacity(t.steps.len());
        for step in &t.steps {
            steps.push(match shape.step(step) {
                TriggerStep::Select { select, index_hint } => Step::Select(Box::new(
                    compound::plan_query(schema, &select, &slots, index_hint.as_ref())?,
                )),
                TriggerStep::Insert(i) => {
                    Step::Write(Box::new(dml::prepare_insert(schema, &i, &slots, nesting)?))
                }
                TriggerStep::Update(u) => Step::Write(Box::new(dml::prepare_update(
                    schema, &u, &slots, None, nesting,
                )?)),
                TriggerStep::Delete(d) => Step::Write(Box::new(dml::prepare_delete(
                    schema, &d, &slots, None, nesting,
                )?)),
            });
        }
        Ok(Program { when, steps })
    }

    /// Runs the program for the row in `params`.
    fn run(&self, tx: &WriteTxn, params: &[Value]) -> Result<Flow> {
        match self.run_steps(tx, params) {
            Ok(()) => Ok(Flow::Continue),
            Err(Error::Raised {
                action: RaiseAction::Ignore,
                ..
            }) => Ok(Flow::Ignore),
            Err(e) => Err(e),
        }
    }

    fn run_steps(&self, tx: &WriteTxn, params: &[Value]) -> Result<()> {
        let ctx = ScanCtx::new(tx, params);
        if let Some(w) = &self.when
            && !w.test(&Env::in_query(&[], &[], &ctx))?
        {
            return Ok(());
        }
        for step in &self.steps {
            match step {
                Step::Select(q) => {
                    compound::run_query(&ctx, q)?;
                }
                Step::Write(w) => {
                    w.run(tx, params)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Database, Value};

    /// A chain of `n` tables: a row inserted into t0 goes on, trigger by
    /// trigger, to t`n`.
    fn chain(db: &Database, n: usize) {
        for i in 0..=n {
            db.execute(&format!("CREATE TABLE t{i}(a)"), ())
                .expect("table");
        }
        for i in 0..n {
            let next = i + 1;
            db.execute(
                &format!(
                    "CREATE TRIGGER r{i} AFTER INSERT ON t{i} BEGIN \
                     INSERT INTO t{next} VALUES (new.a + 1); END"
                ),
                (),
            )
            .expect("trigger");
        }
    }

    /// Runs `f` on a thread with the stack a test thread has (2 MiB),
    /// so that the limit is shown to come before a stack overflow.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(f)
            .expect("spawn")
            .join()
            .expect("no panic")
    }

    #[test]
    fn a_chain_of_max_depth_triggers_runs_and_a_longer_one_is_refused() {
        let (ok, refused) = on_small_stack(|| {
            let db = Database::open_in_memory().expect("open");
            chain(&db, super::MAX_DEPTH);
            db.execute("INSERT INTO t0 VALUES (0)", ()).expect("insert");
            let last: Vec<Vec<Value>> = db
                .query(&format!("SELECT a FROM t{}", super::MAX_DEPTH), ())
                .expect("query")
                .collect();
            let longer = Database::open_in_memory().expect("open");
            chain(&longer, super::MAX_DEPTH + 1);
            let err = longer
                .execute("INSERT INTO t0 VALUES (0)", ())
                .expect_err("too deep");
            let empty = longer.query("SELECT count(*) FROM t1", ()).expect("query");
            (last, (err.to_string(), empty.collect::<Vec<_>>()))
        });
        assert_eq!(ok, vec![vec![Value::Integer(super::MAX_DEPTH as i64)]]);
        assert!(
            refused
                .0
                .starts_with("too many levels of trigger recursion"),
            "{}",
            refused.0
        );
        assert_eq!(refused.1, vec![vec![Value::Integer(0)]], "nothing was done");
    }

    #[test]
    fn a_trigger_does_not_fire_itself_but_fires_another_that_fires_it_not() {
        let db = Database::open_in_memory().expect("open");
        db.execute_batch(
            "CREATE TABLE a(x); CREATE TABLE b(x);
             CREATE TRIGGER ra AFTER INSERT ON a BEGIN
               INSERT INTO a VALUES (new.x + 100); INSERT INTO b VALUES (new.x + 1);
             END;
             CREATE TRIGGER rb AFTER INSERT ON b BEGIN INSERT INTO a VALUES (new.x + 1); END;
             INSERT INTO a VALUES (1);",
        )
        .expect("script");
        let rows = |sql: &str| -> Vec<Vec<Value>> { db.query(sql, ()).expect("query").collect() };
        // ra's own insert into a (101) does not fire ra; rb's (3) does not
        // either, since ra is still running.
        assert_eq!(
            rows("SELECT x FROM a ORDER BY x"),
            vec![
                vec![Value::Integer(1)],
                vec![Value::Integer(3)],
                vec![Value::Integer(101)]
            ]
        );
        assert_eq!(rows("SELECT x FROM b"), vec![vec![Value::Integer(2)]]);
    }
}
