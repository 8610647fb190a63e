//! Triggers as schema objects: what one is, where it is stored, and
//! `CREATE TRIGGER` / `DROP TRIGGER`.
//!
//! A trigger is a program (INSERT, UPDATE, DELETE and SELECT statements)
//! that runs for every row a statement inserts, updates or deletes in one
//! table, or, with INSTEAD OF, for every row a statement would change in a
//! view. How it runs is [`crate::trigger_program`]'s business; this module
//! keeps its definition, which, as for every object, is the text of its
//! `CREATE` statement.
//!
//! Storage. A trigger in `main` is a catalog entry without a tree (root
//! 0), like a view, of kind [`EntryKind::Trigger`]. Triggers have a
//! namespace of their own in SQLite (a trigger may share its name with a
//! table), while the catalog has one key space, so a trigger's key is
//! [`trigger_key`]: `sqlite_trigger_<lower-cased name>`, a name no table,
//! index or view can have (`sqlite_` names are reserved). Its
//! [`StoredObject`] holds its name, its table's name as written in
//! `ON table` (`sqlite_master.tbl_name`) and its text, stored as SQLite
//! stores it: `CREATE TRIGGER ` followed by the statement as written from
//! the trigger's (unqualified) name on, so `TEMP`, `IF NOT EXISTS` and a
//! `main.` are dropped. A TEMP trigger lives in the session's
//! [`crate::temp`] schema instead, never in the file.
//!
//! What `CREATE TRIGGER` checks, in SQLite's order and words:
//!
//! 1. the table exists: `no such table: main.t` (`no such table: t` for a
//!    TEMP trigger);
//! 2. the name is not reserved: `object name reserved for internal use`;
//! 3. no trigger of its schema has the name: `trigger r already exists`
//!    (`IF NOT EXISTS`: nothing happens);
//! 4. the table is not `sqlite_master`: `cannot create trigger on system
//!    table`;
//! 5. the timing suits it: INSTEAD OF only on a view (`cannot create
//!    INSTEAD OF trigger on table: t`), BEFORE and AFTER only on a table
//!    (`cannot create AFTER trigger on view: v`).
//!
//! The steps' tables and columns are not looked up: a trigger may name a
//! table created later, and fails only when it fires (SQLite compiles a
//! trigger when a statement that fires it is prepared).
//!
//! Where a trigger goes: `TEMP`/`temp.` puts it in TEMP, `main.` in main;
//! unqualified, it goes where its table is (a trigger on a TEMP view is a
//! TEMP trigger, as in SQLite). Dropping a table or view drops its
//! triggers, in both schemas.

use crate::ast::{
    CreateTrigger, Expr, SchemaName, Statement, TriggerEvent, TriggerStep, TriggerTiming,
};
use crate::ddl::{bump_cookie, is_internal_name, normalized_create, reserved};
use crate::error::{Error, Result};
use crate::parse;
use crate::schema::{Schema, StoredObject, is_master_name, key};
use walnut_btree::{Catalog, EntryKind};
use walnut_pager::WriteTxn;

/// A trigger, as the schema keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// The name as created.
    pub name: String,
    /// The table (or view) it is on, as written in `ON table`.
    pub table: String,
    /// Its stored `CREATE TRIGGER` text.
    pub sql: String,
    /// BEFORE, AFTER or INSTEAD OF.
    pub timing: TriggerTiming,
    /// What it fires for.
    pub event: TriggerEvent,
    /// `WHEN expr`.
    pub when: Option<Expr>,
    /// The program.
    pub steps: Vec<TriggerStep>,
    /// When it was created: the schema cookie of a trigger in main, the
    /// TEMP schema's counter for a TEMP one.
    pub created: u32,
    /// Whether it is in the session's TEMP schema.
    pub temp: bool,
}

/// The change a statement makes to a row, as triggers select on it.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// An INSERT.
    Insert,
    /// An UPDATE assigning these columns (as written in SET).
    Update(&'a [String]),
    /// A DELETE.
    Delete,
}

impl Trigger {
    /// The trigger a `CREATE TRIGGER` defines; `sql` is its stored text.
    pub fn from_create(ct: CreateTrigger, sql: String, created: u32, temp: bool) -> Trigger {
        Trigger {
            name: ct.name,
            table: ct.table,
            sql,
            timing: ct.timing,
            event: ct.event,
            when: ct.when,
            steps: ct.steps,
            created,
            temp,
        }
    }

    /// The trigger of a stored text.
    pub fn load(stored: &StoredObject, key_name: &str, temp: bool) -> Result<Trigger> {
        let sql = stored.sql.clone().ok_or_else(|| {
            Error::Corrupt(format!("trigger {key_name:?} has no CREATE statement"))
        })?;
        let Statement::CreateTrigger(ct) = parse::parse_statement(&sql)?.statement else {
            return Err(Error::Corrupt(format!(
                "trigger {key_name:?}: stored text is not CREATE TRIGGER"
            )));
        };
        Ok(Trigger::from_create(ct, sql, stored.created, temp))
    }

    /// Whether it is on `table` (any case).
    pub fn is_on(&self, table: &str) -> bool {
        self.table.eq_ignore_ascii_case(table)
    }

    /// Whether it fires at `timing` for `change`: the event matches and,
    /// for `UPDATE OF columns`, the UPDATE assigns one of them (SQLite
    /// compares the names written in SET, whatever the values).
    pub fn fires_for(&self, timing: TriggerTiming, change: Change<'_>) -> bool {
        if self.timing != timing {
            return false;
        }
        match (&self.event, change) {
            (TriggerEvent::Insert, Change::Insert) | (TriggerEvent::Delete, Change::Delete) => true,
            (TriggerEvent::Update(of), Change::Update(set)) => {
                of.is_empty()
                    || of
                        .iter()
                        .any(|c| set.iter().any(|s| s.eq_ignore_ascii_case(c)))
            }
            _ => false,
        }
    }
}

/// The catalog key of the trigger called `name` (see the module docs).
pub fn trigger_key(name: &str) -> String {
    format!("sqlite_trigger_{}", key(name))
}

/// The stored text of a CREATE TRIGGER statement.
pub fn stored_text(text: &str) -> String {
    normalized_create(text, "TRIGGER")
}

/// Which schema a new trigger goes to (see the module docs), checking
/// that its table exists there.
pub fn schema_of(schema: &Schema, ct: &CreateTrigger) -> Result<SchemaName> {
    let temp = ct.temp || ct.schema == Some(SchemaName::Temp);
    if temp {
        if schema.find_table(&ct.table).is_none()
            && schema.find_view(&ct.table).is_none()
            && !is_master_name(&ct.table)
        {
            return Err(Error::no_table(&ct.table));
        }
        return Ok(SchemaName::Temp);
    }
    if ct.schema.is_none() && schema.temp().find_view(&ct.table).is_some() {
        return Ok(SchemaName::Temp);
    }
    if schema.main_table(&ct.table).is_none()
        && schema.main_view(&ct.table).is_none()
        && !is_master_name(&ct.table)
    {
        return Err(Error::no_table(&format!("main.{}", ct.table)));
    }
    Ok(SchemaName::Main)
}

/// Checks 2 to 5 of the module docs for a trigger going to schema `to`.
/// Returns false if it exists and `IF NOT EXISTS` was written (nothing to
/// do).
pub fn check_new(schema: &Schema, ct: &CreateTrigger, to: SchemaName) -> Result<bool> {
    reserved(&ct.name)?;
    let existing = match to {
        SchemaName::Main => schema.main_trigger(&ct.name).is_some(),
        SchemaName::Temp => schema.temp().find_trigger(&ct.name).is_some(),
    };
    if existing {
        if ct.if_not_exists {
            return Ok(false);
        }
        return Err(Error::Invalid(format!(
            "trigger {} already exists",
            ct.name
        )));
    }
    if is_master_name(&ct.table) || is_internal_name(&ct.table) {
        return Err(Error::Invalid(
            "cannot create trigger on system table".into(),
        ));
    }
    let on_view = match to {
        SchemaName::Main => schema.main_view(&ct.table).is_some(),
        SchemaName::Temp => schema.find_view(&ct.table).is_some(),
    };
    match (on_view, ct.timing) {
        (true, TriggerTiming::Before | TriggerTiming::After) => Err(Error::Invalid(format!(
            "cannot create {} trigger on view: {}",
            ct.timing.sql(),
            ct.table
        ))),
        (false, TriggerTiming::InsteadOf) => Err(Error::Invalid(format!(
            "cannot create INSTEAD OF trigger on table: {}",
            ct.table
        ))),
        _ => Ok(true),
    }
}

/// CREATE TRIGGER in main (the caller has decided, with [`schema_of`],
/// that it goes there).
pub fn create_trigger(
    tx: &WriteTxn,
    schema: &Schema,
    ct: &CreateTrigger,
    text: &str,
) -> Result<()> {
    schema_of(schema, ct)?;
    if !check_new(schema, ct, SchemaName::Main)? {
        return Ok(());
    }
    let cookie = bump_cookie(tx)?;
    let stored = StoredObject {
        name: ct.name.clone(),
        tbl_name: ct.table.clone(),
        sql: Some(stored_text(text)),
        created: cookie,
    };
    Catalog::create_entry(
        tx,
        &trigger_key(&ct.name),
        EntryKind::Trigger,
        &stored.encode()?,
    )?;
    Ok(())
}

/// DROP TRIGGER in main; `written` is the name as the statement wrote it
/// (qualified or not), for the error.
pub fn drop_trigger(
    tx: &WriteTxn,
    schema: &Schema,
    name: &str,
    written: &str,
    if_exists: bool,
) -> Result<()> {
    let Some(trigger) = schema.main_trigger(name) else {
        if if_exists {
            return Ok(());
        }
        return Err(no_trigger(written));
    };
    bump_cookie(tx)?;
    Catalog::drop_tree(tx, &trigger_key(&trigger.name))?;
    Ok(())
}

/// Drops the triggers in main on `table` (when the table or view goes).
pub fn drop_triggers_on(tx: &WriteTxn, schema: &Schema, table: &str) -> Result<()> {
    for t in schema.main_triggers().filter(|t| t.is_on(table)) {
        Catalog::drop_tree(tx, &trigger_key(&t.name))?;
    }
    Ok(())
}

/// `no such trigger: name`.
pub fn no_trigger(written: &str) -> Error {
    Error::NoSuch {
        kind: "trigger",
        name: written.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(sql: &str) -> Trigger {
        let Statement::CreateTrigger(ct) = parse::parse_statement(sql).expect("parse").statement
        else {
            panic!("not CREATE TRIGGER")
        };
        Trigger::from_create(ct, stored_text(sql), 1, false)
    }

    #[test]
    fn update_of_fires_only_for_an_update_that_assigns_a_listed_column() {
        let t = trigger("CREATE TRIGGER r AFTER UPDATE OF b, C ON t BEGIN SELECT 1; END");
        let set = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(t.fires_for(TriggerTiming::After, Change::Update(&set(&["a", "c"]))));
        assert!(t.fires_for(TriggerTiming::After, Change::Update(&set(&["B"]))));
        assert!(!t.fires_for(TriggerTiming::After, Change::Update(&set(&["a"]))));
        assert!(!t.fires_for(TriggerTiming::Before, Change::Update(&set(&["b"]))));
        assert!(!t.fires_for(TriggerTiming::After, Change::Insert));
        let any = trigger("CREATE TRIGGER r UPDATE ON t BEGIN SELECT 1; END");
        assert_eq!(
            any.timing,
            TriggerTiming::Before,
            "no timing written is BEFORE"
        );
        assert!(any.fires_for(TriggerTiming::Before, Change::Update(&set(&["z"]))));
    }

    #[test]
    fn the_stored_text_starts_at_the_unqualified_name() {
        assert_eq!(
            stored_text(
                "CREATE TEMP TRIGGER IF NOT EXISTS r AFTER INSERT ON t BEGIN SELECT 1; END"
            ),
            "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; END"
        );
        assert_eq!(
            stored_text("create trigger main.r delete on t begin select 1; end"),
            "CREATE TRIGGER r delete on t begin select 1; end"
        );
        assert_eq!(trigger_key("R"), "sqlite_trigger_r");
    }
}
