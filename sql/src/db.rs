//! The public API: [`Database`], [`Session`], [`Statement`], [`Rows`].
//!
//! A [`Database`] is one open database file (or an in-memory one), shared
//! by any number of threads: it is `Send + Sync`. Transactions belong to a
//! [`Session`] (SQLite's connection): `BEGIN` in one session is invisible
//! to the others, which keep reading the last committed state while it
//! writes. The `Database` itself carries one default session, so that
//! `db.execute("BEGIN", ())` works as it does on a single SQLite
//! connection; open more with [`Database::session`].
//!
//! How a statement runs in a session:
//!
//! ```text
//! session state        read statement            write statement
//! -------------        --------------            ---------------
//! autocommit           a fresh read snapshot     begin write .. commit (rollback on error)
//! BEGIN, nothing yet   take a read snapshot      begin write, keep it
//! reading              use the snapshot          upgrade, unless another session
//!                                                committed since (then: busy)
//! writing              read through the writer   savepoint .. release
//!                                                (rolled back alone on error)
//! ```
//!
//! A statement whose plan writes all or nothing (a one-row INSERT into a
//! table with no index and no trigger: see
//! [`crate::dml::Prepared::writes_atomically`]) takes no savepoint inside
//! BEGIN: if it fails it has changed nothing, so there is nothing to undo.
//! That is a kept plan's second run onwards; a first run (or a run
//! after the schema changed) takes its savepoint as any statement does.
//!
//! A failing statement inside BEGIN undoes only itself and the
//! transaction stays open, as in SQLite. Two errors of a trigger's
//! `RAISE()` do otherwise (see [`crate::trigger_program`]): after
//! `RAISE(FAIL, ..)` what the statement changed before it stays (and, in
//! autocommit, is committed); `RAISE(ROLLBACK, ..)` rolls the whole
//! transaction back and ends it.
//!
//! The schema is cached per database and reloaded whenever the header's
//! schema cookie says it changed; a session's own uncommitted DDL is
//! loaded from its transaction and never enters the shared cache. Each
//! session also has TEMP views and triggers of its own ([`crate::temp`]),
//! which every statement of the session sees with the main schema, and
//! which change without touching the file (no write transaction).
//!
//! A prepared [`Statement`] keeps the plan of its last run (a query plan,
//! or an INSERT, UPDATE or DELETE prepared) together with the schema it
//! was made from, and runs it again as long as the session's schema is
//! that same `Arc`: any DDL, here or in another session, or a change of
//! the session's TEMP objects makes a new schema and so a new plan. What a
//! plan computes during a run (an uncorrelated subquery's rows, a hash
//! join's buckets) lives for that run only ([`crate::run_cache`]).
//!
//! # Example
//!
//! ```
//! use walnut_sql::{Database, Value};
//!
//! let db = Database::open_in_memory()?;
//! db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)", ())?;
//! db.execute("INSERT INTO t(name) VALUES (?), (?)", &[Value::from("ann"), Value::from("bob")])?;
//! let rows = db.query("SELECT id, name FROM t WHERE name = :n", &[(":n", Value::from("bob"))])?;
//! assert_eq!(rows.columns(), ["id", "name"]);
//! assert_eq!(rows.collect::<Vec<_>>(), vec![vec![Value::Integer(2), Value::from("bob")]]);
//! # Ok::<(), walnut_sql::Error>(())
//! ```

use crate::ast::{IndexHint, RaiseAction, SchemaName, Statement as Ast};
use crate::bind::ParamSlots;
use crate::error::{Error, Result};
use crate::parse::{self, ParsedStatement};
use crate::pragma::{self, PragmaOutcome};
use crate::scan::ScanCtx;
use crate::schema::Schema;
use crate::temp::{TempSchema, TempState};
use crate::value::Value;
use crate::{compound, ddl, dml, trigger};
use parking_lot::{Mutex, RwLock};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use walnut_btree::PageSource;
use walnut_pager::{
    OsVfs, Pager, PagerOptions, PagerStats, ReadTxn, SimVfs, Synchronous, Vfs, WriteTxn,
};

/// How to open a database.
#[derive(Debug, Clone)]
pub struct Options {
    /// Page size of a new database (an existing one keeps its own).
    pub page_size: u32,
    /// Buffer pool frames.
    pub pool_frames: usize,
    /// WAL durability.
    pub synchronous: Synchronous,
    /// Automatic checkpoint threshold in WAL frames (0: off).
    pub autocheckpoint: u32,
}

impl Default for Options {
    fn default() -> Self {
        let p = PagerOptions::default();
        Options {
            page_size: p.page_size,
            pool_frames: p.pool_frames,
            synchronous: p.synchronous,
            autocheckpoint: p.autocheckpoint,
        }
    }
}

impl Options {
    fn pager_options(&self) -> PagerOptions {
        PagerOptions {
            page_size: self.page_size,
            pool_frames: self.pool_frames,
            synchronous: self.synchronous,
            autocheckpoint: self.autocheckpoint,
            ..PagerOptions::default()
        }
    }
}

/// Statement parameters: positional (`?`, `?N`) or named (`:name`).
#[derive(Debug, Clone, Copy)]
pub enum Params<'a> {
    /// Values for `?1`, `?2`, ...
    Positional(&'a [Value]),
    /// Values by name, the prefix included (`":name"`).
    Named(&'a [(&'a str, Value)]),
}

impl From<()> for Params<'_> {
    fn from(_: ()) -> Self {
        Params::Positional(&[])
    }
}

impl<'a> From<&'a [Value]> for Params<'a> {
    fn from(v: &'a [Value]) -> Self {
        Params::Positional(v)
    }
}

impl<'a, const N: usize> From<&'a [Value; N]> for Params<'a> {
    fn from(v: &'a [Value; N]) -> Self {
        Params::Positional(v)
    }
}

impl<'a> From<&'a Vec<Value>> for Params<'a> {
    fn from(v: &'a Vec<Value>) -> Self {
        Params::Positional(v)
    }
}

impl<'a> From<&'a [(&'a str, Value)]> for Params<'a> {
    fn from(v: &'a [(&'a str, Value)]) -> Self {
        Params::Named(v)
    }
}

impl<'a, const N: usize> From<&'a [(&'a str, Value); N]> for Params<'a> {
    fn from(v: &'a [(&'a str, Value); N]) -> Self {
        Params::Named(v)
    }
}

/// A query's result: column names and rows of typed values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    columns: Arc<[String]>,
    rows: std::collections::VecDeque<Vec<Value>>,
    changes: u64,
}

impl Rows {
    /// The result column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Rows changed by the statement (INSERT, UPDATE, DELETE), else 0.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The rows not yet taken.
    pub fn remaining(&self) -> usize {
        self.rows.len()
    }
}

impl Iterator for Rows {
    type Item = Vec<Value>;
    fn next(&mut self) -> Option<Vec<Value>> {
        self.rows.pop_front()
    }
}

/// What the database shares between sessions.
struct Shared {
    pager: RwLock<Arc<Pager>>,
    vfs: Arc<dyn Vfs>,
    path: PathBuf,
    options: Mutex<Options>,
    schema: Mutex<Option<Arc<Schema>>>,
}

enum Txn {
    /// Autocommit.
    None,
    /// BEGIN ran; nothing read or written yet.
    Begun,
    /// Inside BEGIN, reading a snapshot.
    Reading(Arc<Pager>, ReadTxn),
    /// Inside BEGIN, writing.
    Writing(Arc<Pager>, WriteTxn),
}

/// A connection: it owns an (optional) explicit transaction, and its
/// TEMP views and triggers.
pub struct Session {
    shared: Arc<Shared>,
    txn: Mutex<Txn>,
    /// Whether the open write transaction ran a statement that may have
    /// changed the schema: until it ends, its schema is its own and stays
    /// out of the shared cache.
    schema_changed: std::sync::atomic::AtomicBool,
    /// The main schema the open write transaction checked against the
    /// file once (its cookie), kept for its later statements while none
    /// of them may have changed it: in a transaction only this session
    /// writes, so nothing else can.
    write_main: Mutex<Option<Arc<Schema>>>,
    temp: Mutex<TempState>,
    /// The last schema handed out with the TEMP objects attached, with the
    /// main schema and TEMP schema it was made of.
    with_temp: Mutex<Option<SchemaWithTemp>>,
}

/// A main schema, a TEMP schema, and the two together.
type SchemaWithTemp = (Arc<Schema>, Arc<TempSchema>, Arc<Schema>);

impl Session {
    fn new(shared: Arc<Shared>) -> Session {
        Session {
            shared,
            txn: Mutex::new(Txn::None),
            schema_changed: std::sync::atomic::AtomicBool::new(false),
            write_main: Mutex::new(None),
            temp: Mutex::new(TempState::default()),
            with_temp: Mutex::new(None),
        }
    }
}

/// An open database. See the module documentation.
pub struct Database {
    main: Session,
}

/// A parsed statement, reusable with new parameters.
///
/// A SELECT, INSERT, UPDATE or DELETE keeps the plan of its last run and
/// runs it again while the schema it was planned against is still the one
/// in force (the same `Arc`, which the statement holds so that its address
/// cannot be reused by another schema). What a plan computes during a run
/// is kept for that run only (see [`crate::run_cache`]).
pub struct Statement<'s> {
    session: &'s Session,
    parsed: ParsedStatement,
    plan: Option<KeptPlan>,
}

/// A plan and the schema it was made from.
type KeptPlan = (Arc<Schema>, Planned);

/// What a statement keeps between runs.
enum Planned {
    /// A SELECT's plan, and its result column names (shared with every
    /// `Rows` it returns).
    Query(Box<compound::QueryPlan>, Arc<[String]>),
    /// An INSERT, UPDATE or DELETE, prepared.
    Change(Box<dml::Prepared>),
}

impl Database {
    /// Opens (or creates) the database file at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Database> {
        Database::open_with(path, Options::default())
    }

    /// Opens (or creates) the database file at `path`.
    pub fn open_with(path: impl AsRef<Path>, options: Options) -> Result<Database> {
        Database::open_vfs(Arc::new(OsVfs), path.as_ref(), options)
    }

    /// A new database that lives in memory and vanishes when dropped.
    pub fn open_in_memory() -> Result<Database> {
        Database::open_vfs(
            Arc::new(SimVfs::new(0)),
            Path::new("memory.db"),
            Options::default(),
        )
    }

    /// Opens a database through any VFS (the simulated one for crash tests).
    pub fn open_vfs(vfs: Arc<dyn Vfs>, path: &Path, options: Options) -> Result<Database> {
        let pager = Pager::open_with_vfs(vfs.clone(), path, options.pager_options())?;
        let shared = Arc::new(Shared {
            pager: RwLock::new(Arc::new(pager)),
            vfs,
            path: path.to_path_buf(),
            options: Mutex::new(options),
            schema: Mutex::new(None),
        });
        Ok(Database {
            main: Session::new(shared),
        })
    }

    /// A new session (connection) on this database.
    pub fn session(&self) -> Session {
        Session::new(self.main.shared.clone())
    }

    /// Runs one statement in the default session; returns rows changed.
    pub fn execute<'p>(&self, sql: &str, params: impl Into<Params<'p>>) -> Result<u64> {
        self.main.execute(sql, params)
    }

    /// Runs one statement in the default session and returns its rows.
    pub fn query<'p>(&self, sql: &str, params: impl Into<Params<'p>>) -> Result<Rows> {
        self.main.query(sql, params)
    }

    /// Parses a statement for repeated use in the default session.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        self.main.prepare(sql)
    }

    /// Runs every statement of a script in the default session.
    pub fn execute_batch(&self, script: &str) -> Result<()> {
        self.main.execute_batch(script)
    }

    /// The default session.
    pub fn main_session(&self) -> &Session {
        &self.main
    }

    /// The pager's counters.
    pub fn stats(&self) -> PagerStats {
        self.main.pager().stats()
    }

    /// The pager underneath (for the shell's internals views).
    pub fn pager(&self) -> Arc<Pager> {
        self.main.pager()
    }

    /// Whether the default session is inside BEGIN.
    pub fn in_transaction(&self) -> bool {
        self.main.in_transaction()
    }

    /// Stops as a process killed with `kill -9` would: an open transaction
    /// is neither committed nor rolled back on disk, no checkpoint runs and
    /// the WAL stays. Reopening the file runs recovery. For crash
    /// demonstrations (the shell's `.crash`) and tests.
    ///
    /// Fails with `Busy` if another [`Session`] of this database still
    /// holds the pager in a transaction; the database then closes normally
    /// once those sessions are done.
    pub fn abandon(self) -> Result<()> {
        // Forget the open transaction first: its pages were only in memory
        // or spilled as uncommitted frames, which is what a kill leaves.
        *self.main.txn.lock() = Txn::None;
        let shared = self.main.shared.clone();
        drop(self);
        let mut slot = shared.pager.write();
        take_exclusively(&mut slot, "cannot abandon the database")?.abandon();
        Ok(())
    }
}

impl Session {
    fn pager(&self) -> Arc<Pager> {
        self.shared.pager.read().clone()
    }

    /// Whether this session is inside BEGIN.
    pub fn in_transaction(&self) -> bool {
        !matches!(*self.txn.lock(), Txn::None)
    }

    /// Runs one statement; returns rows changed.
    pub fn execute<'p>(&self, sql: &str, params: impl Into<Params<'p>>) -> Result<u64> {
        let parsed = parse_one(sql)?;
        Ok(self.run(&parsed, params.into())?.changes)
    }

    /// Runs one statement and returns its rows.
    pub fn query<'p>(&self, sql: &str, params: impl Into<Params<'p>>) -> Result<Rows> {
        let parsed = parse_one(sql)?;
        self.run(&parsed, params.into())
    }

    /// Parses a statement for repeated use.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            session: self,
            parsed: parse_one(sql)?,
            plan: None,
        })
    }

    /// Runs every statement of a script, stopping at the first error.
    pub fn execute_batch(&self, script: &str) -> Result<()> {
        for piece in parse::split_statements(script) {
            let parsed = parse::parse_statement(piece.text)?;
            self.run(&parsed, Params::Positional(&[]))?;
        }
        Ok(())
    }

    /// Runs a parsed statement.
    pub fn run(&self, parsed: &ParsedStatement, params: Params<'_>) -> Result<Rows> {
        self.run_keeping(parsed, params, &mut None)
    }

    /// Runs a statement; a SELECT runs the plan in `kept` if it was made
    /// from the schema in force, and leaves its plan there.
    fn run_keeping(
        &self,
        parsed: &ParsedStatement,
        params: Params<'_>,
        kept: &mut Option<KeptPlan>,
    ) -> Result<Rows> {
        let params = bind_params(parsed, params)?;
        let slots = ParamSlots {
            names: parsed.param_names.clone(),
        };
        let mut txn = self.txn.lock();
        match &parsed.statement {
            Ast::Begin => {
                if !matches!(*txn, Txn::None) {
                    return Err(Error::Transaction(
                        "cannot start a transaction within a transaction".into(),
                    ));
                }
                *txn = Txn::Begun;
                self.temp.lock().begin();
                Ok(empty())
            }
            Ast::Commit => match std::mem::replace(&mut *txn, Txn::None) {
                Txn::None => Err(Error::Transaction(
                    "cannot commit - no transaction is active".into(),
                )),
                Txn::Begun | Txn::Reading(..) => {
                    self.temp.lock().commit();
                    Ok(empty())
                }
                Txn::Writing(_, w) => {
                    let committed = w.commit();
                    let mut temp = self.temp.lock();
                    match committed {
                        Ok(_) => temp.commit(),
                        Err(_) => temp.rollback(),
                    }
                    committed?;
                    Ok(empty())
                }
            },
            Ast::Rollback => match std::mem::replace(&mut *txn, Txn::None) {
                Txn::None => Err(Error::Transaction(
                    "cannot rollback - no transaction is active".into(),
                )),
                Txn::Begun | Txn::Reading(..) => {
                    self.temp.lock().rollback();
                    Ok(empty())
                }
                Txn::Writing(_, w) => {
                    w.rollback();
                    self.temp.lock().rollback();
                    Ok(empty())
                }
            },
            // TEMP objects change in the session, without touching the
            // file (main's are written below, with the other writes).
            Ast::CreateView(cv) if cv.temp || cv.schema == Some(SchemaName::Temp) => {
                let mut temp = self.temp.lock();
                if let Some(changed) = temp.current.create_view(cv, &parsed.text)? {
                    temp.current = Arc::new(changed);
                }
                Ok(empty())
            }
            Ast::CreateTrigger(ct) => {
                let in_main = self.with_read(&mut txn, |_, _, schema| {
                    if trigger::schema_of(schema, ct)? == SchemaName::Main {
                        return Ok(true);
                    }
                    let mut temp = self.temp.lock();
                    if let Some(changed) = temp.current.create_trigger(schema, ct, &parsed.text)? {
                        temp.current = Arc::new(changed);
                    }
                    Ok(false)
                })?;
                if !in_main {
                    return Ok(empty());
                }
                self.write(&mut txn, parsed, &slots, &params)
            }
            Ast::DropView {
                name,
                schema,
                if_exists,
            } => {
                let dropped = self.drop_temp(
                    *schema,
                    *if_exists,
                    |t| t.find_view(name).map(|_| t.without_view(name)),
                    || Error::Invalid(format!("no such view: temp.{name}")),
                )?;
                if dropped {
                    return Ok(empty());
                }
                let rows = self.write(&mut txn, parsed, &slots, &params)?;
                self.drop_temp_triggers_on(name);
                Ok(rows)
            }
            Ast::DropTrigger {
                name,
                schema,
                if_exists,
            } => {
                let dropped = self.drop_temp(
                    *schema,
                    *if_exists,
                    |t| t.find_trigger(name).map(|_| t.without_trigger(name)),
                    || trigger::no_trigger(&format!("temp.{name}")),
                )?;
                if dropped {
                    return Ok(empty());
                }
                self.write(&mut txn, parsed, &slots, &params)
            }
            Ast::DropTable { name, .. } => {
                let rows = self.write(&mut txn, parsed, &slots, &params)?;
                self.drop_temp_triggers_on(name);
                Ok(rows)
            }
            Ast::Pragma { name, value } => {
                let outcome = self.with_read(&mut txn, |pager, src, schema| {
                    pragma::run(pager, src, schema, name, value)
                })?;
                match outcome {
                    PragmaOutcome::Rows(columns, rows) => Ok(rows_of(columns, rows, 0)),
                    PragmaOutcome::SetPageSize(size) => {
                        if !matches!(*txn, Txn::None) {
                            return Err(Error::Transaction(
                                "cannot change page_size inside a transaction".into(),
                            ));
                        }
                        self.reopen(|o| o.page_size = size, true)?;
                        Ok(empty())
                    }
                    PragmaOutcome::SetPoolFrames(frames) => {
                        if !matches!(*txn, Txn::None) {
                            return Err(Error::Transaction(
                                "cannot change cache_size inside a transaction".into(),
                            ));
                        }
                        self.reopen(|o| o.pool_frames = frames, false)?;
                        Ok(empty())
                    }
                }
            }
            Ast::Select(s) => self.with_read(&mut txn, |_, src, schema| {
                let (p, columns) = match kept.take() {
                    Some((planned_for, Planned::Query(p, columns)))
                        if Arc::ptr_eq(&planned_for, schema) =>
                    {
                        (p, columns)
                    }
                    _ => {
                        let p =
                            compound::plan_query(schema, s, &slots, parsed.index_hint.as_ref())?;
                        let columns: Arc<[String]> = p.columns().into();
                        (Box::new(p), columns)
                    }
                };
                let rows = compound::run_query(&ScanCtx::new(src, &params), &p);
                *kept = Some((schema.clone(), Planned::Query(p, columns.clone())));
                Ok(rows_of(columns, rows?, 0))
            }),
            Ast::Explain(inner) => self.with_read(&mut txn, |_, _, schema| {
                let lines = explain(schema, inner, &slots, parsed.index_hint.as_ref())?;
                let rows = crate::plan::render_tree(&lines)
                    .into_iter()
                    .map(|l| vec![Value::Text(l)])
                    .collect();
                Ok(rows_of(vec!["QUERY PLAN".into()], rows, 0))
            }),
            Ast::Insert(_) | Ast::Update(_) | Ast::Delete(_) => {
                // A kept plan that writes all or nothing needs no
                // savepoint, if it is the plan that runs (made from the
                // schema in force).
                let atomic_under = match &*kept {
                    Some((planned_for, Planned::Change(p))) if p.writes_atomically() => {
                        Some(planned_for.clone())
                    }
                    _ => None,
                };
                self.with_write_atomic(&mut txn, atomic_under, |tx, schema| {
                    let p = match kept.take() {
                        Some((planned_for, Planned::Change(p)))
                            if Arc::ptr_eq(&planned_for, schema) =>
                        {
                            p
                        }
                        _ => Box::new(dml::prepare(
                            schema,
                            &parsed.statement,
                            &slots,
                            parsed.index_hint.as_ref(),
                        )?),
                    };
                    let changes = p.run(tx, &params);
                    *kept = Some((schema.clone(), Planned::Change(p)));
                    Ok(changed(changes?))
                })
            }
            _ => self.write(&mut txn, parsed, &slots, &params),
        }
    }

    /// Runs a statement that writes the file.
    fn write(
        &self,
        txn: &mut Txn,
        parsed: &ParsedStatement,
        slots: &ParamSlots,
        params: &[Value],
    ) -> Result<Rows> {
        let result = self.with_write(txn, |tx, schema| {
            let changes = write_statement(
                tx,
                schema,
                &parsed.statement,
                slots,
                params,
                &parsed.text,
                parsed.index_hint.as_ref(),
            )?;
            Ok(changed(changes))
        });
        // Anything but INSERT, UPDATE or DELETE (which do not come here)
        // may change the schema (a failed statement too: counted, to be
        // safe).
        self.schema_changed.store(true, Ordering::Relaxed);
        result
    }

    /// The schema a write transaction sees: the committed one (shared
    /// cache) until it changes the schema itself.
    fn write_schema(&self, w: &WriteTxn) -> Result<Arc<Schema>> {
        if self.schema_changed.load(Ordering::Relaxed) {
            return self.schema(w, false);
        }
        let main = {
            let mut seen = self.write_main.lock();
            match &*seen {
                Some(main) => main.clone(),
                None => {
                    let main = self.main_schema(w, true)?;
                    *seen = Some(main.clone());
                    main
                }
            }
        };
        self.with_temp_schema(main)
    }

    /// A write transaction begins: nothing has changed its schema yet, and
    /// its main schema is still to be checked.
    fn write_txn_begins(&self) {
        self.schema_changed.store(false, Ordering::Relaxed);
        *self.write_main.lock() = None;
    }

    /// DROP VIEW / DROP TRIGGER, TEMP side: unless the name is qualified
    /// `main.`, drops the TEMP object `without` finds (true: done). A name
    /// qualified `temp.` that is not there is `missing` (or nothing, with
    /// IF EXISTS: also done); otherwise the statement goes on to main.
    fn drop_temp(
        &self,
        schema: Option<SchemaName>,
        if_exists: bool,
        without: impl FnOnce(&TempSchema) -> Option<TempSchema>,
        missing: impl FnOnce() -> Error,
    ) -> Result<bool> {
        if schema == Some(SchemaName::Main) {
            return Ok(false);
        }
        let mut temp = self.temp.lock();
        if let Some(changed) = without(&temp.current) {
            temp.current = Arc::new(changed);
            return Ok(true);
        }
        match schema {
            Some(SchemaName::Temp) if if_exists => Ok(true),
            Some(SchemaName::Temp) => Err(missing()),
            _ => Ok(false),
        }
    }

    /// Drops the TEMP triggers on a table or view that was just dropped
    /// (as SQLite drops every trigger on it, wherever it is).
    fn drop_temp_triggers_on(&self, table: &str) {
        let mut temp = self.temp.lock();
        if temp.current.triggers().iter().any(|t| t.is_on(table)) {
            temp.current = Arc::new(temp.current.without_triggers_on(table));
        }
    }

    /// The schema as `src` sees it, with the session's TEMP objects.
    fn schema(&self, src: &dyn PageSource, committed: bool) -> Result<Arc<Schema>> {
        let main = self.main_schema(src, committed)?;
        self.with_temp_schema(main)
    }

    /// `main` with the session's TEMP objects attached (cached while
    /// neither changes).
    fn with_temp_schema(&self, main: Arc<Schema>) -> Result<Arc<Schema>> {
        let temp = self.temp.lock().current.clone();
        if temp.is_empty() {
            return Ok(main);
        }
        let mut cache = self.with_temp.lock();
        if let Some((m, t, both)) = &*cache
            && Arc::ptr_eq(m, &main)
            && Arc::ptr_eq(t, &temp)
        {
            return Ok(both.clone());
        }
        let both = Arc::new(main.with_temp(temp.clone()));
        *cache = Some((main, temp, both.clone()));
        Ok(both)
    }

    /// The schema of main as `src` sees it, from the shared cache when it
    /// can be.
    fn main_schema(&self, src: &dyn PageSource, committed: bool) -> Result<Arc<Schema>> {
        let cookie = src.db_header()?.schema_cookie;
        if let Some(s) = &*self.shared.schema.lock()
            && s.cookie == cookie
        {
            return Ok(s.clone());
        }
        let s = Arc::new(Schema::load(src)?);
        if committed {
            *self.shared.schema.lock() = Some(s.clone());
        }
        Ok(s)
    }

    fn with_read<T>(
        &self,
        txn: &mut Txn,
        f: impl FnOnce(&Pager, &dyn PageSource, &Arc<Schema>) -> Result<T>,
    ) -> Result<T> {
        if matches!(txn, Txn::Begun) {
            let pager = self.pager();
            let r = pager.begin_read()?;
            *txn = Txn::Reading(pager, r);
        }
        match txn {
            Txn::None => {
                let pager = self.pager();
                let r = pager.begin_read()?;
                let schema = self.schema(&r, true)?;
                f(&pager, &r, &schema)
            }
            Txn::Reading(pager, r) => {
                let schema = self.schema(r, true)?;
                f(pager, r, &schema)
            }
            Txn::Writing(pager, w) => {
                let schema = self.write_schema(w)?;
                f(pager, w, &schema)
            }
            Txn::Begun => Err(Error::Transaction("transaction state lost".into())),
        }
    }

    fn with_write<T>(
        &self,
        txn: &mut Txn,
        f: impl FnOnce(&WriteTxn, &Arc<Schema>) -> Result<T>,
    ) -> Result<T> {
        self.with_write_atomic(txn, None, f)
    }

    /// [`with_write`](Self::with_write) for a statement that writes all or
    /// nothing if run against `atomic_under` (see [`Self::statement_in`]).
    fn with_write_atomic<T>(
        &self,
        txn: &mut Txn,
        atomic_under: Option<Arc<Schema>>,
        f: impl FnOnce(&WriteTxn, &Arc<Schema>) -> Result<T>,
    ) -> Result<T> {
        match std::mem::replace(txn, Txn::None) {
            Txn::None => {
                let pager = self.pager();
                let w = pager.begin_write()?;
                // Its own transaction: nothing changed the schema yet.
                self.write_txn_begins();
                let schema = self.schema(&w, true)?;
                match f(&w, &schema) {
                    Ok(v) => {
                        w.commit()?;
                        Ok(v)
                    }
                    // RAISE(FAIL) keeps what the statement did before it.
                    Err(e) if raised(&e) == Some(RaiseAction::Fail) => {
                        w.commit()?;
                        Err(e)
                    }
                    Err(e) => {
                        w.rollback();
                        Err(e)
                    }
                }
            }
            Txn::Begun => {
                let pager = self.pager();
                let w = pager.begin_write()?;
                self.write_txn_begins();
                *txn = Txn::Writing(pager, w);
                self.statement_in(txn, atomic_under, f)
            }
            Txn::Reading(pager, r) => {
                let w = match pager.begin_write() {
                    Ok(w) => w,
                    Err(e) => {
                        *txn = Txn::Reading(pager, r);
                        return Err(e.into());
                    }
                };
                if w.header()?.change_counter != r.header().change_counter {
                    w.rollback();
                    *txn = Txn::Reading(pager, r);
                    return Err(Error::Busy(
                        "this transaction read a snapshot that another session has since \
                         changed; roll back and retry"
                            .into(),
                    ));
                }
                drop(r);
                self.write_txn_begins();
                *txn = Txn::Writing(pager, w);
                self.statement_in(txn, atomic_under, f)
            }
            Txn::Writing(pager, w) => {
                *txn = Txn::Writing(pager, w);
                self.statement_in(txn, atomic_under, f)
            }
        }
    }

    /// One statement inside an explicit write transaction, under a
    /// savepoint so that its failure undoes only itself; or, run against
    /// `atomic_under`, the schema of a plan that writes all or nothing
    /// ([`dml::Prepared::writes_atomically`]), with no savepoint: a failure
    /// then has nothing to undo.
    fn statement_in<T>(
        &self,
        txn: &mut Txn,
        atomic_under: Option<Arc<Schema>>,
        f: impl FnOnce(&WriteTxn, &Arc<Schema>) -> Result<T>,
    ) -> Result<T> {
        let Txn::Writing(_, w) = txn else {
            return Err(Error::Transaction("transaction state lost".into()));
        };
        let schema = self.write_schema(w)?;
        if atomic_under.is_some_and(|s| Arc::ptr_eq(&s, &schema)) {
            return f(w, &schema);
        }
        let sp = w.savepoint()?;
        match f(w, &schema) {
            Ok(v) => {
                w.release(sp)?;
                Ok(v)
            }
            // RAISE(FAIL) keeps what the statement did before it.
            Err(e) if raised(&e) == Some(RaiseAction::Fail) => {
                w.release(sp)?;
                Err(e)
            }
            Err(e) => {
                w.rollback_to(&sp)?;
                w.release(sp)?;
                // RAISE(ROLLBACK) ends the whole transaction.
                if raised(&e) == Some(RaiseAction::Rollback) {
                    if let Txn::Writing(_, w) = std::mem::replace(txn, Txn::None) {
                        w.rollback();
                    }
                    self.temp.lock().rollback();
                }
                Err(e)
            }
        }
    }

    /// Closes and reopens the pager with changed options; `recreate`
    /// deletes the (empty) file first, for a new page size.
    fn reopen(&self, change: impl FnOnce(&mut Options), recreate: bool) -> Result<()> {
        let mut slot = self.shared.pager.write();
        let mut options = self.shared.options.lock();
        let mut new_options = options.clone();
        change(&mut new_options);
        let pager = take_exclusively(&mut slot, "the setting needs the database to itself")?;
        pager.close()?;
        if recreate {
            let wal = walnut_pager::wal_path_for(&self.shared.path);
            for p in [&self.shared.path, &wal] {
                if self.shared.vfs.exists(p).unwrap_or(false) {
                    self.shared.vfs.delete(p).map_err(|e| {
                        Error::Invalid(format!("cannot delete {}: {e}", p.display()))
                    })?;
                }
            }
        }
        let reopened = Pager::open_with_vfs(
            self.shared.vfs.clone(),
            &self.shared.path,
            new_options.pager_options(),
        )?;
        *slot = Arc::new(reopened);
        *options = new_options;
        *self.shared.schema.lock() = None;
        Ok(())
    }
}

impl Statement<'_> {
    /// Runs the statement; returns rows changed.
    pub fn execute<'p>(&mut self, params: impl Into<Params<'p>>) -> Result<u64> {
        Ok(self
            .session
            .run_keeping(&self.parsed, params.into(), &mut self.plan)?
            .changes)
    }

    /// Runs the statement and returns its rows.
    pub fn query<'p>(&mut self, params: impl Into<Params<'p>>) -> Result<Rows> {
        self.session
            .run_keeping(&self.parsed, params.into(), &mut self.plan)
    }

    /// The number of parameters the statement takes.
    pub fn parameter_count(&self) -> usize {
        self.parsed.param_count
    }
}

/// Takes the pager out of its slot (leaving a placeholder on an empty
/// in-memory disk), provided nobody else holds it: no other session is in a
/// transaction. Otherwise the slot is unchanged and the error says `why`
/// the database was wanted alone.
fn take_exclusively(slot: &mut Arc<Pager>, why: &str) -> Result<Pager> {
    let placeholder = Arc::new(Pager::open_with_vfs(
        Arc::new(SimVfs::new(0)),
        "placeholder.db",
        PagerOptions::default(),
    )?);
    let current = std::mem::replace(slot, placeholder);
    Arc::try_unwrap(current).map_err(|still_shared| {
        *slot = still_shared;
        Error::Busy(format!("another session has a transaction open; {why}"))
    })
}

/// The action of a `RAISE()` error.
fn raised(e: &Error) -> Option<RaiseAction> {
    match e {
        Error::Raised { action, .. } => Some(*action),
        _ => None,
    }
}

fn parse_one(sql: &str) -> Result<ParsedStatement> {
    Ok(parse::parse_statement(sql)?)
}

fn empty() -> Rows {
    changed(0)
}

fn rows_of(columns: impl Into<Arc<[String]>>, rows: Vec<Vec<Value>>, changes: u64) -> Rows {
    Rows {
        columns: columns.into(),
        rows: rows.into(),
        changes,
    }
}

/// The result of a statement that returns no rows: `changes` rows changed.
/// Its (empty) column list is shared, so that a prepared INSERT run once
/// per row allocates nothing for its result.
fn changed(changes: u64) -> Rows {
    static NO_COLUMNS: std::sync::LazyLock<Arc<[String]>> =
        std::sync::LazyLock::new(|| Arc::from(Vec::new()));
    rows_of(NO_COLUMNS.clone(), Vec::new(), changes)
}

/// The parameter slots of a statement, filled from what the caller gave:
/// the caller's own values, borrowed, when they fill every slot in order
/// (a prepared statement run again and again copies nothing).
fn bind_params<'p>(parsed: &ParsedStatement, params: Params<'p>) -> Result<Cow<'p, [Value]>> {
    if let Params::Positional(values) = params
        && values.len() == parsed.param_count
    {
        return Ok(Cow::Borrowed(values));
    }
    let mut slots = vec![Value::Null; parsed.param_count];
    match params {
        Params::Positional(values) => {
            if values.len() > parsed.param_count {
                return Err(Error::Parameter(format!(
                    "{} values were supplied for {} parameters",
                    values.len(),
                    parsed.param_count
                )));
            }
            for (slot, v) in slots.iter_mut().zip(values) {
                *slot = v.clone();
            }
        }
        Params::Named(pairs) => {
            for (name, v) in pairs {
                let index = parsed
                    .param_names
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, i)| *i)
                    .ok_or_else(|| Error::Parameter(format!("{name} is not in the statement")))?;
                if let Some(slot) = index.checked_sub(1).and_then(|i| slots.get_mut(i)) {
                    *slot = v.clone();
                }
            }
        }
    }
    Ok(Cow::Owned(slots))
}

fn write_statement(
    tx: &WriteTxn,
    schema: &Schema,
    stmt: &Ast,
    slots: &ParamSlots,
    params: &[Value],
    text: &str,
    hint: Option<&IndexHint>,
) -> Result<u64> {
    match stmt {
        Ast::CreateTable(ct) => ddl::create_table(tx, schema, ct, text).map(|_| 0),
        Ast::DropTable { name, if_exists } => {
            ddl::drop_table(tx, schema, name, *if_exists).map(|_| 0)
        }
        Ast::CreateIndex(ci) => ddl::create_index(tx, schema, ci, text).map(|_| 0),
        Ast::CreateView(cv) => ddl::create_view(tx, schema, cv, text).map(|_| 0),
        Ast::DropView {
            name,
            schema: qualifier,
            if_exists,
        } => {
            let written = as_written(*qualifier, name);
            ddl::drop_view(tx, schema, name, &written, *if_exists).map(|_| 0)
        }
        Ast::CreateTrigger(ct) => trigger::create_trigger(tx, schema, ct, text).map(|_| 0),
        Ast::DropTrigger {
            name,
            schema: qualifier,
            if_exists,
        } => {
            let written = as_written(*qualifier, name);
            trigger::drop_trigger(tx, schema, name, &written, *if_exists).map(|_| 0)
        }
        Ast::DropIndex { name, if_exists } => {
            ddl::drop_index(tx, schema, name, *if_exists).map(|_| 0)
        }
        Ast::RenameTable { name, new_name } => {
            ddl::rename_table(tx, schema, name, new_name).map(|_| 0)
        }
        Ast::AddColumn {
            table,
            column,
            column_sql,
        } => ddl::add_column(tx, schema, table, column, column_sql).map(|_| 0),
        Ast::Insert(_) | Ast::Update(_) | Ast::Delete(_) => {
            dml::prepare(schema, stmt, slots, hint)?.run(tx, params)
        }
        Ast::Reindex(name) => ddl::reindex(tx, schema, name.as_deref()).map(|_| 0),
        other => Err(Error::Invalid(format!("cannot run {other:?} as a write"))),
    }
}

/// A dropped object's name as the statement wrote it (qualified or not),
/// for the error that it does not exist.
fn as_written(qualifier: Option<SchemaName>, name: &str) -> String {
    match qualifier {
        Some(q) => format!("{}.{name}", q.sql()),
        None => name.to_string(),
    }
}

/// The EXPLAIN lines of a statement.
fn explain(
    schema: &Schema,
    stmt: &Ast,
    slots: &ParamSlots,
    hint: Option<&IndexHint>,
) -> Result<Vec<String>> {
    Ok(match stmt {
        Ast::Select(s) => compound::explain(&compound::plan_query(schema, s, slots, hint)?),
        Ast::Update(u) => {
            let assigned: Vec<String> = u.assignments.iter().map(|(c, _)| c.clone()).collect();
            let change = crate::trigger::Change::Update(&assigned);
            dml::explain_search(schema, &u.table, u.filter.as_ref(), slots, hint, change)?
        }
        Ast::Delete(d) => {
            let change = crate::trigger::Change::Delete;
            dml::explain_search(schema, &d.table, d.filter.as_ref(), slots, hint, change)?
        }
        Ast::Insert(i) => match &i.source {
            crate::ast::InsertSource::Select(s) => {
                compound::explain(&compound::plan_query(schema, s, slots, None)?)
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    })
}
