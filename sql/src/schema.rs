//! The schema: tables, their columns and indexes, as the catalog stores them.
//!
//! walnut keeps its schema the way SQLite does: the *text* of each
//! `CREATE` statement is the source of truth, and everything else (column
//! affinities, the rowid alias, the indexes that PRIMARY KEY and UNIQUE
//! imply) is derived from it when the schema is loaded. The B+Tree's
//! catalog maps each object's lower-cased name to its root page and an
//! opaque schema blob; the SQL layer puts a [`StoredObject`] in that blob,
//! encoded with bincode 2.0.1's standard configuration (pinned by a
//! snapshot test):
//!
//! ```text
//! StoredObject { name: String, tbl_name: String, sql: Option<String>, created: u32 }
//!   string  = varint length, UTF-8 bytes
//!
//! e.g. table t created at cookie 300:
//!   01 74 | 01 74 | 01 11 "CREATE TABLE t(a)" | FB 2C 01
//!   option  = 00 (None) | 01 value
//!   u32     = varint (bincode's: < 251 one byte, else FB + 2 bytes LE, FC + 4 bytes LE)
//! ```
//!
//! `sql` is `None` for the indexes SQLite calls automatic
//! (`sqlite_autoindex_<table>_<N>`, made for PRIMARY KEY and UNIQUE
//! constraints): they are re-derived from their table's text, numbered in
//! the order their constraints appear. `created` is the schema cookie of
//! the DDL statement that made the object; `sqlite_master` lists objects in
//! that order, as SQLite lists them in rowid order.
//!
//! Views and triggers own no tree: their entries have root 0 (a trigger's
//! key is [`crate::trigger::trigger_key`], since triggers have a namespace
//! of their own). A statement sees the main schema together with its
//! session's TEMP views and triggers ([`Schema::with_temp`], see
//! [`crate::temp`]): `find_*` lookups of a name search TEMP first, as
//! SQLite does; `main_*` lookups (for DDL on main) search main alone.
//!
//! Invariants of a loaded [`Schema`]:
//! * names are unique across tables, indexes and views of main, compared
//!   ASCII case-insensitively (the map key is the lower-cased name), and
//!   across triggers of main;
//! * every index refers to an existing table by its lower-cased name, and
//!   its `columns` are positions in that table;
//! * a table has at most one rowid alias: an `INTEGER PRIMARY KEY` column
//!   (exactly that type name, and not `PRIMARY KEY DESC` on the column, a
//!   quirk SQLite keeps for compatibility).

use crate::affinity::{self, Affinity};
use crate::ast::{ColumnDef, CreateTable, Expr, IndexedColumn, Statement};
use crate::error::{Error, Result};
use crate::keycode::Order;
use crate::parse;
use crate::temp::TempSchema;
use crate::trigger::{Change, Trigger};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use walnut_btree::{Catalog, EntryKind, PageSource};
use walnut_pager::PageId;

/// What the SQL layer keeps in a catalog entry's schema blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    /// The name as written in its CREATE statement.
    pub name: String,
    /// The table it belongs to (itself, for a table).
    pub tbl_name: String,
    /// The CREATE statement's text; `None` for an automatic index.
    pub sql: Option<String>,
    /// The schema cookie of the statement that created it.
    pub created: u32,
}

impl StoredObject {
    /// Encodes with bincode's standard configuration.
    pub fn encode(&self) -> Result<Vec<u8>> {
        bincode::serde::encode_to_vec(self, bincode::config::standard())
            .map_err(|e| Error::Corrupt(format!("cannot encode schema of {}: {e}", self.name)))
    }

    /// Decodes a schema blob of the catalog entry `key`.
    pub fn decode(bytes: &[u8], key: &str) -> Result<StoredObject> {
        bincode::serde::decode_from_slice::<StoredObject, _>(bytes, bincode::config::standard())
            .map(|(o, _)| o)
            .map_err(|e| Error::Corrupt(format!("schema entry {key:?}: {e}")))
    }
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name as written.
    pub name: String,
    /// The declared type as written (may be empty).
    pub decl_type: String,
    /// The affinity the declared type gives.
    pub affinity: Affinity,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT`, if any.
    pub default: Option<Expr>,
    /// The DEFAULT's text if it is a plain number literal.
    pub default_number_text: Option<String>,
    /// Part of the PRIMARY KEY (1-based position in it), or 0.
    pub pk: usize,
}

/// A view: a stored SELECT, queried like a table.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The name as created.
    pub name: String,
    /// The CREATE VIEW statement, as stored.
    pub sql: String,
    /// The column names listed in CREATE VIEW (empty: the SELECT's).
    pub columns: Vec<String>,
    /// The SELECT.
    pub select: crate::ast::Select,
    /// The schema cookie of the statement that created it (for a TEMP
    /// view, the TEMP schema's counter).
    pub created: u32,
    /// Whether it is in the session's TEMP schema.
    pub temp: bool,
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The name as written.
    pub name: String,
    /// Its CREATE TABLE text.
    pub sql: String,
    /// Root page of its B+Tree (rowid -> record).
    pub root: PageId,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// The column that is the rowid (`INTEGER PRIMARY KEY`), if any.
    pub rowid_alias: Option<usize>,
    /// CHECK constraints.
    pub checks: Vec<Expr>,
    /// The schema cookie that created it.
    pub created: u32,
}

impl Table {
    /// A table with no B+Tree of its own (root 0): the rows of a view, a
    /// subquery, a CTE or a join, which come from elsewhere.
    pub fn without_tree(name: &str, columns: Vec<Column>) -> Table {
        Table {
            name: name.to_string(),
            sql: String::new(),
            root: 0,
            columns,
            rowid_alias: None,
            checks: Vec::new(),
            created: 0,
        }
    }
}

impl Column {
    /// A column that is only a name and an affinity (of a table without a
    /// tree).
    pub fn computed(name: &str, affinity: crate::affinity::Affinity) -> Column {
        Column {
            name: name.to_string(),
            decl_type: String::new(),
            affinity,
            not_null: false,
            default: None,
            default_number_text: None,
            pk: 0,
        }
    }
}

impl Table {
    /// The position of a column, by case-insensitive name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Where an index comes from (`PRAGMA index_list`'s `origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexOrigin {
    /// `CREATE INDEX`.
    Create,
    /// A UNIQUE constraint.
    Unique,
    /// A PRIMARY KEY that is not the rowid.
    PrimaryKey,
}

impl IndexOrigin {
    /// SQLite's one- or two-letter code: `c`, `u`, `pk`.
    pub fn code(self) -> &'static str {
        match self {
            IndexOrigin::Create => "c",
            IndexOrigin::Unique => "u",
            IndexOrigin::PrimaryKey => "pk",
        }
    }
}

/// An index: (indexed column values..., rowid) -> empty value.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The name as written, or `sqlite_autoindex_<table>_<N>`.
    pub name: String,
    /// The indexed table's lower-cased name.
    pub table: String,
    /// The CREATE INDEX text (`None` for an automatic index).
    pub sql: Option<String>,
    /// Root page of its B+Tree.
    pub root: PageId,
    /// Positions of the indexed columns in the table.
    pub columns: Vec<usize>,
    /// The direction of each indexed column.
    pub orders: Vec<Order>,
    /// No two rows may share a key with no NULL in it.
    pub unique: bool,
    /// Where it came from.
    pub origin: IndexOrigin,
    /// The schema cookie that created it.
    pub created: u32,
}

/// The whole schema of a database at one moment.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The header's schema cookie it was loaded at.
    pub cookie: u32,
    tables: BTreeMap<String, Arc<Table>>,
    indexes: BTreeMap<String, Arc<Index>>,
    views: BTreeMap<String, Arc<View>>,
    triggers: BTreeMap<String, Arc<Trigger>>,
    /// The session's TEMP objects (empty until [`Schema::with_temp`]).
    temp: Arc<TempSchema>,
    /// Whether names resolve in main alone, as in the program of a
    /// trigger of main ([`Schema::seen_from`]).
    main_names_only: bool,
}

/// Whether `name` is `sqlite_master` or `sqlite_schema` (any case).
pub fn is_master_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("sqlite_master") || name.eq_ignore_ascii_case("sqlite_schema")
}

/// Whether `name` is `sqlite_temp_master` or `sqlite_temp_schema` (any
/// case): the TEMP schema's table of objects.
pub fn is_temp_master_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("sqlite_temp_master")
        || name.eq_ignore_ascii_case("sqlite_temp_schema")
}

/// The read-only `sqlite_master` table: type, name, tbl_name, rootpage, sql.
pub fn master_table(name: &str) -> Table {
    let col = |n: &str, t: &str| Column {
        name: n.to_string(),
        decl_type: t.to_string(),
        affinity: affinity::from_decl_type(t),
        not_null: false,
        default: None,
        default_number_text: None,
        pk: 0,
    };
    Table {
        name: name.to_string(),
        sql: "CREATE TABLE sqlite_master(type text, name text, tbl_name text, rootpage int, sql text)"
            .into(),
        root: 0,
        columns: vec![
            col("type", "text"),
            col("name", "text"),
            col("tbl_name", "text"),
            col("rootpage", "int"),
            col("sql", "text"),
        ],
        rowid_alias: None,
        checks: Vec::new(),
        created: 0,
    }
}

/// An error of an object of main (see [`Schema::seen_from`]): a
/// missing table is `no such table: main.t`, as SQLite words it.
pub fn missing_in_main(e: Error) -> Error {
    match e {
        Error::NoSuch {
            kind: "table",
            name,
        } if !name.contains('.') => Error::no_table(&format!("main.{name}")),
        other => other,
    }
}

/// The lower-cased name, the key of every schema map and catalog entry.
pub fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The entry of `map` (keyed by [`key`]) for `name`, in any case. Every
/// statement looks its table up several times (as a view, a table, its
/// indexes, its triggers), most often in maps that are empty or with a
/// name already in lower case: neither needs the lower-cased copy.
pub fn lookup<'m, V>(map: &'m BTreeMap<String, V>, name: &str) -> Option<&'m V> {
    if map.is_empty() {
        None
    } else if name.bytes().any(|b| b.is_ascii_uppercase()) {
        map.get(&key(name))
    } else {
        map.get(name)
    }
}

/// The name SQLite gives the `n`th (1-based) automatic index of a table.
pub fn autoindex_name(table: &str, n: usize) -> String {
    format!("sqlite_autoindex_{table}_{n}")
}

/// A table definition derived from its CREATE TABLE, before it has pages.
#[derive(Debug, Clone)]
pub struct TableDesign {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rowid alias.
    pub rowid_alias: Option<usize>,
    /// The CHECK constraints.
    pub checks: Vec<Expr>,
    /// The automatic indexes its constraints need, in numbering order:
    /// (columns, orders, origin).
    pub auto_indexes: Vec<(Vec<usize>, Vec<Order>, IndexOrigin)>,
}

/// Derives columns, rowid alias and automatic indexes from CREATE TABLE.
pub fn design_table(ct: &CreateTable) -> Result<TableDesign> {
    let mut columns: Vec<Column> = Vec::with_capacity(ct.columns.len());
    for c in &ct.columns {
        if columns.iter().any(|x| x.name.eq_ignore_ascii_case(&c.name)) {
            return Err(Error::Invalid(format!("duplicate column name: {}", c.name)));
        }
        columns.push(column_from_def(c));
    }
    if columns.is_empty() {
        return Err(Error::Invalid(format!("table {} has no columns", ct.name)));
    }
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let position = |ic: &IndexedColumn| -> Result<usize> {
        names
            .iter()
            .position(|c| c.eq_ignore_ascii_case(&ic.name))
            .ok_or_else(|| Error::Invalid(format!("no such column: {}", ic.name)))
    };
    let mut rowid_alias = None;
    let mut keys: Vec<(Vec<usize>, Vec<Order>, IndexOrigin)> = Vec::new();
    let mut pk_key = None;
    if let Some(pk) = &ct.primary_key {
        let cols = pk.iter().map(position).collect::<Result<Vec<_>>>()?;
        for (i, &c) in cols.iter().enumerate() {
            columns[c].pk = i + 1;
        }
        let single_integer = match cols.as_slice() {
            [c] => {
                let def = &ct.columns[*c];
                let desc_on_column = def.primary_key.as_ref().is_some_and(|p| p.descending);
                def.type_name.eq_ignore_ascii_case("INTEGER") && !desc_on_column
            }
            _ => false,
        };
        if single_integer {
            rowid_alias = cols.first().copied();
        } else {
            pk_key = Some((cols, orders_of(pk), IndexOrigin::PrimaryKey));
        }
    }
    let mut uniques = Vec::new();
    for u in &ct.uniques {
        let cols = u.iter().map(position).collect::<Result<Vec<_>>>()?;
        uniques.push((cols, orders_of(u), IndexOrigin::Unique));
    }
    // SQLite numbers automatic indexes in the order the constraints are
    // written; the primary key's place among the UNIQUEs is recorded by
    // the parser.
    let pk_at = ct.primary_key_position.min(uniques.len());
    let mut ordered = uniques;
    if let Some(k) = pk_key {
        ordered.insert(pk_at, k);
    }
    for k in ordered {
        // A constraint on the same columns as an earlier one (or on the
        // rowid alias alone) needs no index of its own.
        let same_as_rowid = rowid_alias.is_some() && k.0.as_slice() == [rowid_alias.unwrap_or(0)];
        if same_as_rowid || keys.iter().any(|e| e.0 == k.0) {
            continue;
        }
        keys.push(k);
    }
    Ok(TableDesign {
        columns,
        rowid_alias,
        checks: ct.checks.clone(),
        auto_indexes: keys,
    })
}

fn orders_of(cols: &[IndexedColumn]) -> Vec<Order> {
    cols.iter()
        .map(|c| {
            if c.descending {
                Order::Desc
            } else {
                Order::Asc
            }
        })
        .collect()
}

/// A column as a definition describes it.
pub fn column_from_def(c: &ColumnDef) -> Column {
    Column {
        name: c.name.clone(),
        decl_type: c.type_name.clone(),
        affinity: affinity::from_decl_type(&c.type_name),
        not_null: c.not_null,
        default: c.default.clone(),
        default_number_text: c.default_number_text.clone(),
        pk: 0,
    }
}

impl Schema {
    /// Loads the schema from the catalog as `src` sees it.
    pub fn load<S: PageSource + ?Sized>(src: &S) -> Result<Schema> {
        let cookie = src.db_header()?.schema_cookie;
        let mut schema = Schema {
            cookie,
            ..Schema::default()
        };
        let mut index_entries = Vec::new();
        for (name, entry) in Catalog::list(src)? {
            let stored = StoredObject::decode(&entry.schema, &name)?;
            match entry.kind {
                EntryKind::Table => {
                    let sql = stored.sql.clone().ok_or_else(|| {
                        Error::Corrupt(format!("table {name:?} has no CREATE statement"))
                    })?;
                    let ct = match parse::parse_statement(&sql)?.statement {
                        Statement::CreateTable(ct) => ct,
                        _ => {
                            return Err(Error::Corrupt(format!(
                                "table {name:?}: stored text is not CREATE TABLE"
                            )));
                        }
                    };
                    let design = design_table(&ct)?;
                    schema.tables.insert(
                        name,
                        Arc::new(Table {
                            name: stored.name,
                            sql,
                            root: entry.root,
                            columns: design.columns,
                            rowid_alias: design.rowid_alias,
                            checks: design.checks,
                            created: stored.created,
                        }),
                    );
                }
                EntryKind::Index => index_entries.push((name, entry.root, stored)),
                EntryKind::Trigger => {
                    let trigger = Trigger::load(&stored, &name, false)?;
                    schema
                        .triggers
                        .insert(key(&trigger.name), Arc::new(trigger));
                }
                EntryKind::View => {
                    let sql = stored.sql.clone().ok_or_else(|| {
                        Error::Corrupt(format!("view {name:?} has no CREATE statement"))
                    })?;
                    let Statement::CreateView(cv) = parse::parse_statement(&sql)?.statement else {
                        return Err(Error::Corrupt(format!(
                            "view {name:?}: stored text is not CREATE VIEW"
                        )));
                    };
                    schema.views.insert(
                        name,
                        Arc::new(View {
                            name: stored.name,
                            sql,
                            columns: cv.columns,
                            select: *cv.select,
                            created: stored.created,
                            temp: false,
                        }),
                    );
                }
            }
        }
        for (name, root, stored) in index_entries {
            let index = schema.derive_index(&name, root, stored)?;
            schema.indexes.insert(name, Arc::new(index));
        }
        Ok(schema)
    }

    fn derive_index(&self, key_name: &str, root: PageId, stored: StoredObject) -> Result<Index> {
        let table_key = key(&stored.tbl_name);
        let table = self.tables.get(&table_key).ok_or_else(|| {
            Error::Corrupt(format!(
                "index {key_name:?} refers to missing table {}",
                stored.tbl_name
            ))
        })?;
        match &stored.sql {
            Some(sql) => {
                let ci = match parse::parse_statement(sql)?.statement {
                    Statement::CreateIndex(ci) => ci,
                    _ => {
                        return Err(Error::Corrupt(format!(
                            "index {key_name:?}: stored text is not CREATE INDEX"
                        )));
                    }
                };
                let columns = ci
                    .columns
                    .iter()
                    .map(|c| {
                        table.column_index(&c.name).ok_or_else(|| {
                            Error::Corrupt(format!("index {key_name:?}: no column {}", c.name))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Index {
                    name: stored.name,
                    table: table_key,
                    sql: stored.sql.clone(),
                    root,
                    columns,
                    orders: orders_of(&ci.columns),
                    unique: ci.unique,
                    origin: IndexOrigin::Create,
                    created: stored.created,
                })
            }
            None => {
                let ct = match parse::parse_statement(&table.sql)?.statement {
                    Statement::CreateTable(ct) => ct,
                    _ => return Err(Error::Corrupt(format!("table {}", table.name))),
                };
                let design = design_table(&ct)?;
                let n = (1..=design.auto_indexes.len())
                    .find(|&n| autoindex_name(&table.name, n).eq_ignore_ascii_case(&stored.name))
                    .ok_or_else(|| {
                        Error::Corrupt(format!(
                            "automatic index {key_name:?} matches no constraint of {}",
                            table.name
                        ))
                    })?;
                let (columns, orders, origin) = design.auto_indexes[n - 1].clone();
                Ok(Index {
                    name: stored.name,
                    table: table_key,
                    sql: None,
                    root,
                    columns,
                    orders,
                    unique: true,
                    origin,
                    created: stored.created,
                })
            }
        }
    }

    /// This schema of main with the session's TEMP objects.
    pub fn with_temp(&self, temp: Arc<TempSchema>) -> Schema {
        Schema {
            temp,
            ..self.clone()
        }
    }

    /// The session's TEMP objects.
    pub fn temp(&self) -> &TempSchema {
        &self.temp
    }

    /// This schema as a view or trigger sees it: one of TEMP sees TEMP's
    /// objects first, as a statement does; one of main (`temp` false) sees
    /// only main's, since SQLite binds the names such an object uses to
    /// main, so TEMP views neither hide nor stand in for main's tables
    /// (TEMP triggers still fire on the tables a trigger writes). A name
    /// an object of main cannot find is `main.name` ([`missing_in_main`]).
    pub fn seen_from(&self, temp: bool) -> std::borrow::Cow<'_, Schema> {
        use std::borrow::Cow;
        let main_names_only = !temp && !self.temp.is_empty();
        if self.main_names_only == main_names_only {
            return Cow::Borrowed(self);
        }
        Cow::Owned(Schema {
            main_names_only,
            ..self.clone()
        })
    }

    /// The TEMP view called `name`, if names resolve in TEMP here.
    fn temp_view(&self, name: &str) -> Option<&Arc<View>> {
        if self.main_names_only {
            return None;
        }
        self.temp.find_view(name)
    }

    /// The table called `name` (any case).
    pub fn table(&self, name: &str) -> Result<&Arc<Table>> {
        self.find_table(name).ok_or_else(|| Error::no_table(name))
    }

    /// The table called `name`, if there is one and no TEMP view of that
    /// name hides it.
    pub fn find_table(&self, name: &str) -> Option<&Arc<Table>> {
        if self.temp_view(name).is_some() {
            return None;
        }
        lookup(&self.tables, name)
    }

    /// The view called `name`, if there is one: a TEMP view first.
    pub fn find_view(&self, name: &str) -> Option<&Arc<View>> {
        self.temp_view(name).or_else(|| lookup(&self.views, name))
    }

    /// The table of main called `name`, if there is one.
    pub fn main_table(&self, name: &str) -> Option<&Arc<Table>> {
        lookup(&self.tables, name)
    }

    /// The view of main called `name`, if there is one.
    pub fn main_view(&self, name: &str) -> Option<&Arc<View>> {
        lookup(&self.views, name)
    }

    /// The trigger of main called `name`, if there is one.
    pub fn main_trigger(&self, name: &str) -> Option<&Arc<Trigger>> {
        lookup(&self.triggers, name)
    }

    /// Every trigger of main.
    pub fn main_triggers(&self) -> impl Iterator<Item = &Arc<Trigger>> {
        self.triggers.values()
    }

    /// The triggers on `table` (a table, or a view for INSTEAD OF) that
    /// fire at `timing` for `change`, in the order SQLite fires them.
    /// SQLite links each new trigger of a table in front of the older
    /// ones, so they fire newest first; when a statement runs, it puts the
    /// TEMP triggers on a table of main in front of that list, in the
    /// order of its TEMP schema's hash table, which is oldest first (see
    /// [`crate::temp::MAX_TRIGGERS`]). The triggers on a TEMP view are all
    /// TEMP ones, linked to the view: newest first.
    pub fn triggers_for(
        &self,
        table: &str,
        timing: crate::ast::TriggerTiming,
        change: Change<'_>,
    ) -> Vec<Arc<Trigger>> {
        if self.triggers.is_empty() && self.temp.has_no_triggers() {
            return Vec::new();
        }
        let fires = |t: &Arc<Trigger>| t.is_on(table) && t.fires_for(timing, change);
        let mut temp: Vec<Arc<Trigger>> = self.temp.triggers().into_iter().filter(fires).collect();
        if self.temp_view(table).is_some() {
            temp.reverse();
            return temp;
        }
        let mut main: Vec<Arc<Trigger>> = self
            .triggers
            .values()
            .filter(|t| fires(t))
            .cloned()
            .collect();
        main.sort_by_key(|t| std::cmp::Reverse(t.created));
        temp.extend(main);
        temp
    }

    /// Whether any trigger (of main or TEMP) is on `table`.
    pub fn has_triggers_on(&self, table: &str) -> bool {
        self.triggers.values().any(|t| t.is_on(table))
            || self.temp.triggers().iter().any(|t| t.is_on(table))
    }

    /// The index called `name`, if there is one.
    pub fn find_index(&self, name: &str) -> Option<&Arc<Index>> {
        lookup(&self.indexes, name)
    }

    /// Every table, by lower-cased name.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<Table>> {
        self.tables.values()
    }

    /// Every index, by lower-cased name.
    pub fn indexes(&self) -> impl Iterator<Item = &Arc<Index>> {
        self.indexes.values()
    }

    /// The indexes of a table, oldest first (automatic ones in number order).
    pub fn indexes_of(&self, table: &str) -> Vec<Arc<Index>> {
        if self.indexes.is_empty() {
            return Vec::new();
        }
        let t = key(table);
        let mut v: Vec<Arc<Index>> = self
            .indexes
            .values()
            .filter(|i| i.table == t)
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            (a.created, a.sql.is_some(), a.name.len(), &a.name).cmp(&(
                b.created,
                b.sql.is_some(),
                b.name.len(),
                &b.name,
            ))
        });
        v
    }

    /// Whether any table or index is called `name`.
    pub fn name_taken(&self, name: &str) -> bool {
        let k = key(name);
        self.tables.contains_key(&k) || self.indexes.contains_key(&k)
    }

    /// The rows of the table of objects called `name`:
    /// `sqlite_temp_master` lists TEMP's, any other name main's
    /// ([`master_rows`](Self::master_rows)).
    pub fn master_rows_of(&self, name: &str) -> Vec<[crate::Value; 5]> {
        if is_temp_master_name(name) {
            self.temp.master_rows()
        } else {
            self.master_rows()
        }
    }

    /// The rows of `sqlite_master`: (type, name, tbl_name, rootpage, sql),
    /// in creation order.
    pub fn master_rows(&self) -> Vec<[crate::Value; 5]> {
        use crate::Value;
        let mut objects: Vec<(u32, bool, String, [Value; 5])> = Vec::new();
        for t in self.tables.values() {
            objects.push((
                t.created,
                false,
                t.name.clone(),
                master_row(
                    "table",
                    t.name.clone(),
                    t.name.clone(),
                    i64::from(t.root),
                    Some(t.sql.clone()),
                ),
            ));
        }
        for i in self.indexes.values() {
            let tbl_name = self
                .tables
                .get(&i.table)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| i.table.clone());
            objects.push((
                i.created,
                true,
                i.name.clone(),
                master_row(
                    "index",
                    i.name.clone(),
                    tbl_name,
                    i64::from(i.root),
                    i.sql.clone(),
                ),
            ));
        }
        for (created, name, row) in view_and_trigger_rows(&self.views, &self.triggers) {
            objects.push((created, false, name, row));
        }
        objects.sort_by(|a, b| (a.0, a.1, a.2.len(), &a.2).cmp(&(b.0, b.1, b.2.len(), &b.2)));
        objects.into_iter().map(|o| o.3).collect()
    }
}

/// The master rows of views and triggers (main's or TEMP's), each with
/// when it was created and its name.
pub(crate) fn view_and_trigger_rows<'a>(
    views: &'a BTreeMap<String, Arc<View>>,
    triggers: &'a BTreeMap<String, Arc<crate::trigger::Trigger>>,
) -> impl Iterator<Item = (u32, String, [crate::Value; 5])> + 'a {
    let views = views.values().map(|v| {
        let row = master_row(
            "view",
            v.name.clone(),
            v.name.clone(),
            0,
            Some(v.sql.clone()),
        );
        (v.created, v.name.clone(), row)
    });
    let triggers = triggers.values().map(|t| {
        let row = master_row(
            "trigger",
            t.name.clone(),
            t.table.clone(),
            0,
            Some(t.sql.clone()),
        );
        (t.created, t.name.clone(), row)
    });
    views.chain(triggers)
}

/// One row of `sqlite_master` or `sqlite_temp_master`: type, name,
/// tbl_name, rootpage, sql (NULL for an index a constraint made).
pub(crate) fn master_row(
    kind: &str,
    name: String,
    table: String,
    root: i64,
    sql: Option<String>,
) -> [crate::Value; 5] {
    use crate::Value;
    [
        Value::Text(kind.into()),
        Value::Text(name),
        Value::Text(table),
        Value::Integer(root),
        sql.map(Value::Text).unwrap_or(Value::Null),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_object_encoding_is_pinned() {
        let o = StoredObject {
            name: "t".into(),
            tbl_name: "t".into(),
            sql: Some("CREATE TABLE t(a)".into()),
            created: 300,
        };
        let bytes = o.encode().expect("encode");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        insta::assert_snapshot!(hex, @"017401740111435245415445205441424c452074286129fb2c01");
        assert_eq!(StoredObject::decode(&bytes, "t").expect("decode"), o);
    }

    fn design(sql: &str) -> TableDesign {
        match parse::parse_statement(sql).expect("parse").statement {
            Statement::CreateTable(ct) => design_table(&ct).expect("design"),
            other => panic!("not CREATE TABLE: {other:?}"),
        }
    }

    #[test]
    fn integer_primary_key_is_the_rowid_and_other_keys_are_indexes() {
        let d = design("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT UNIQUE, b)");
        assert_eq!(d.rowid_alias, Some(0));
        assert_eq!(d.auto_indexes.len(), 1);
        assert_eq!(d.auto_indexes[0].0, vec![1]);

        let d = design("CREATE TABLE t(id INT PRIMARY KEY, a)");
        assert_eq!(d.rowid_alias, None, "INT is not INTEGER");
        assert_eq!(d.auto_indexes[0].2, IndexOrigin::PrimaryKey);

        let d = design("CREATE TABLE t(id INTEGER PRIMARY KEY DESC, a)");
        assert_eq!(d.rowid_alias, None, "SQLite's PRIMARY KEY DESC quirk");

        let d = design("CREATE TABLE t(a UNIQUE, b PRIMARY KEY, UNIQUE(a))");
        let origins: Vec<IndexOrigin> = d.auto_indexes.iter().map(|k| k.2).collect();
        assert_eq!(
            origins,
            vec![IndexOrigin::Unique, IndexOrigin::PrimaryKey],
            "numbered in written order, the repeated UNIQUE(a) dropped"
        );
    }
}
