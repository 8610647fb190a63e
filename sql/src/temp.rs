//! The TEMP schema: a session's own views and triggers.
//!
//! SQLite gives every connection a second database, `temp`, that lives as
//! long as the connection and is never written to the database file. walnut
//! keeps TEMP views and TEMP triggers (not TEMP tables, which
//! `CREATE TEMP TABLE` refuses) in a [`TempSchema`] that belongs to its
//! [`Session`](crate::Session):
//!
//! ```text
//! Session ── temp: TempState { current: Arc<TempSchema>, at_begin }
//!                                       │
//! statement ─ Schema (main, from the file) + that Arc ──> lookups
//! ```
//!
//! A statement sees main and TEMP together: [`Schema::with_temp`]
//! attaches the session's TEMP schema to the main one, and lookups of an
//! unqualified name search TEMP first, as SQLite does (a TEMP view `t`
//! hides a table `t` of main from every statement of that session).
//! `sqlite_temp_master` (or `sqlite_temp_schema`) lists the TEMP objects
//! as `sqlite_master` lists main's; their text is stored without `TEMP`,
//! as in SQLite (`CREATE VIEW v AS ...`).
//!
//! TEMP objects are transactional, as SQLite's temp database is: the
//! schema in force at `BEGIN` is kept, and `ROLLBACK` (or a
//! `RAISE(ROLLBACK)`) puts it back; `COMMIT` forgets it. The schema is
//! immutable and shared through an `Arc`: a change makes a new one, so
//! keeping the one of `BEGIN` costs nothing.
//!
//! Names: TEMP has namespaces of its own, so a TEMP view may have the name
//! of a table in main (it then hides it), and a TEMP trigger that of a
//! trigger in main. Objects are numbered in creation order (the counter
//! plays the role of main's schema cookie): `sqlite_temp_master` lists them
//! in that order, and the TEMP triggers on a table of main fire in it (see
//! [`crate::schema::Schema::triggers_for`]), which is SQLite's order as
//! long as there are at most [`MAX_TRIGGERS`] of them.
//!
//! [`Schema::with_temp`]: crate::schema::Schema::with_temp

use crate::ast::{CreateTrigger, CreateView, SchemaName};
use crate::ddl::{normalized_create, reserved};
use crate::error::{Error, Result, SqlError};
use crate::schema::{Schema, View, key, lookup, view_and_trigger_rows};
use crate::trigger::{self, Trigger};
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How many TEMP triggers a session may have at once. SQLite keeps TEMP
/// triggers in a hash table whose order decides the order they fire in:
/// up to 9 entries it is a plain list and they fire oldest first; from the
/// 10th on, buckets and the names' hashes decide. walnut reproduces the
/// first and refuses the second rather than fire them in another order.
pub const MAX_TRIGGERS: usize = 9;

/// A session's TEMP views and triggers.
#[derive(Debug, Clone, Default)]
pub struct TempSchema {
    views: BTreeMap<String, Arc<View>>,
    triggers: BTreeMap<String, Arc<Trigger>>,
    /// The creation number of the next object.
    next: u32,
}

impl TempSchema {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.views.is_empty() && self.triggers.is_empty()
    }

    /// The TEMP view called `name` (any case).
    pub fn find_view(&self, name: &str) -> Option<&Arc<View>> {
        lookup(&self.views, name)
    }

    /// The TEMP trigger called `name` (any case).
    pub fn find_trigger(&self, name: &str) -> Option<&Arc<Trigger>> {
        lookup(&self.triggers, name)
    }

    /// Whether there is no TEMP trigger.
    pub fn has_no_triggers(&self) -> bool {
        self.triggers.is_empty()
    }

    /// Every TEMP trigger, in creation order.
    pub fn triggers(&self) -> Vec<Arc<Trigger>> {
        let mut all: Vec<Arc<Trigger>> = self.triggers.values().cloned().collect();
        all.sort_by_key(|t| t.created);
        all
    }

    /// The creation number the next object gets.
    pub fn next_created(&self) -> u32 {
        self.next
    }

    /// A copy with `view` added (its `created` should be
    /// [`next_created`](Self::next_created)).
    pub fn with_view(&self, view: View) -> TempSchema {
        let mut t = self.clone();
        t.views.insert(key(&view.name), Arc::new(view));
        t.next += 1;
        t
    }

    /// A copy with `trigger` added.
    pub fn with_trigger(&self, trigger: Trigger) -> TempSchema {
        let mut t = self.clone();
        t.triggers.insert(key(&trigger.name), Arc::new(trigger));
        t.next += 1;
        t
    }

    /// A copy without the view `name` and the triggers on it.
    pub fn without_view(&self, name: &str) -> TempSchema {
        let mut t = self.without_triggers_on(name);
        t.views.remove(&key(name));
        t
    }

    /// A copy without the trigger `name`.
    pub fn without_trigger(&self, name: &str) -> TempSchema {
        let mut t = self.clone();
        t.triggers.remove(&key(name));
        t
    }

    /// A copy without the triggers on `table` (which is being dropped).
    pub fn without_triggers_on(&self, table: &str) -> TempSchema {
        let mut t = self.clone();
        t.triggers.retain(|_, trig| !trig.is_on(table));
        t
    }

    /// The rows of `sqlite_temp_master`: (type, name, tbl_name, rootpage,
    /// sql), in creation order.
    pub fn master_rows(&self) -> Vec<[Value; 5]> {
        let mut objects: Vec<(u32, [Value; 5])> =
            view_and_trigger_rows(&self.views, &self.triggers)
                .map(|(created, _, row)| (created, row))
                .collect();
        objects.sort_by_key(|o| o.0);
        objects.into_iter().map(|o| o.1).collect()
    }
}

impl TempSchema {
    /// CREATE TEMP VIEW: the schema with the view, or None if it exists
    /// and `IF NOT EXISTS` was written. `text` is the statement.
    pub fn create_view(&self, cv: &CreateView, text: &str) -> Result<Option<TempSchema>> {
        if self.find_view(&cv.name).is_some() {
            if cv.if_not_exists {
                return Ok(None);
            }
            return Err(Error::Invalid(format!("view {} already exists", cv.name)));
        }
        reserved(&cv.name)?;
        Ok(Some(self.with_view(View {
            name: cv.name.clone(),
            sql: normalized_create(text, "VIEW"),
            columns: cv.columns.clone(),
            select: (*cv.select).clone(),
            created: self.next,
            temp: true,
        })))
    }

    /// CREATE TEMP TRIGGER (on a table or view that `schema` has): the
    /// schema with the trigger, or None if it exists and `IF NOT EXISTS`
    /// was written.
    pub fn create_trigger(
        &self,
        schema: &Schema,
        ct: &CreateTrigger,
        text: &str,
    ) -> Result<Option<TempSchema>> {
        if !trigger::check_new(schema, ct, SchemaName::Temp)? {
            return Ok(None);
        }
        if self.triggers.len() >= MAX_TRIGGERS {
            return Err(SqlError::NotSupported(format!(
                "more than {MAX_TRIGGERS} TEMP triggers in a session (with more, SQLite fires \
                 a table's TEMP triggers in an order that its hash table decides, which walnut \
                 does not reproduce)"
            ))
            .into());
        }
        let trigger = Trigger::from_create(ct.clone(), trigger::stored_text(text), self.next, true);
        Ok(Some(self.with_trigger(trigger)))
    }
}

/// A session's TEMP schema and the one to go back to on ROLLBACK.
#[derive(Debug, Default)]
pub struct TempState {
    /// The schema in force.
    pub current: Arc<TempSchema>,
    /// The schema at BEGIN, while a transaction is open.
    pub at_begin: Option<Arc<TempSchema>>,
}

impl TempState {
    /// BEGIN: remember the schema.
    pub fn begin(&mut self) {
        self.at_begin = Some(self.current.clone());
    }

    /// COMMIT: keep the schema.
    pub fn commit(&mut self) {
        self.at_begin = None;
    }

    /// ROLLBACK: back to the schema at BEGIN.
    pub fn rollback(&mut self) {
        if let Some(saved) = self.at_begin.take() {
            self.current = saved;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Statement;

    fn view(name: &str, created: u32) -> View {
        let sql = format!("CREATE VIEW {name} AS SELECT 1");
        let Statement::CreateView(cv) = crate::parse::parse_statement(&sql)
            .expect("parse")
            .statement
        else {
            panic!("not CREATE VIEW")
        };
        View {
            name: name.into(),
            sql,
            columns: cv.columns,
            select: *cv.select,
            created,
            temp: true,
        }
    }

    fn trigger(name: &str, table: &str, created: u32) -> Trigger {
        let sql = format!("CREATE TRIGGER {name} INSTEAD OF INSERT ON {table} BEGIN SELECT 1; END");
        let Statement::CreateTrigger(ct) = crate::parse::parse_statement(&sql)
            .expect("parse")
            .statement
        else {
            panic!("not CREATE TRIGGER")
        };
        Trigger::from_create(ct, sql, created, true)
    }

    #[test]
    fn objects_are_listed_in_creation_order_and_dropping_a_view_drops_its_triggers() {
        let t = TempSchema::default();
        let t = t.with_view(view("zz", t.next_created()));
        let t = t.with_trigger(trigger("r", "ZZ", t.next_created()));
        let t = t.with_view(view("aa", t.next_created()));
        let names: Vec<Value> = t.master_rows().into_iter().map(|r| r[1].clone()).collect();
        assert_eq!(names, ["zz", "r", "aa"].map(|n| Value::Text(n.into())));
        let t = t.without_view("Zz");
        assert!(
            t.find_trigger("r").is_none(),
            "the trigger went with its view"
        );
        assert!(t.find_view("aa").is_some());
    }

    #[test]
    fn a_tenth_temp_trigger_is_refused() {
        let db = crate::Database::open_in_memory().expect("open");
        db.execute("CREATE TABLE t(a)", ()).expect("table");
        let create = |i: usize| {
            db.execute(
                &format!("CREATE TEMP TRIGGER r{i} AFTER INSERT ON t BEGIN SELECT {i}; END"),
                (),
            )
        };
        for i in 0..MAX_TRIGGERS {
            create(i).expect("up to the limit");
        }
        let err = create(MAX_TRIGGERS).expect_err("one too many");
        assert!(
            err.to_string()
                .starts_with("not supported: more than 9 TEMP triggers"),
            "{err}"
        );
        db.execute("DROP TRIGGER r0", ()).expect("drop");
        create(MAX_TRIGGERS).expect("room again");
    }

    #[test]
    fn rollback_restores_the_schema_of_begin_and_commit_keeps_the_new_one() {
        let mut s = TempState::default();
        s.begin();
        s.current = Arc::new(s.current.with_view(view("v", 0)));
        s.rollback();
        assert!(s.current.is_empty());
        s.begin();
        s.current = Arc::new(s.current.with_view(view("v", 0)));
        s.commit();
        s.rollback();
        assert!(
            s.current.find_view("v").is_some(),
            "nothing to roll back to"
        );
    }
}
