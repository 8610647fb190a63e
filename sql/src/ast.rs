//! walnut's own syntax tree for the SQL it supports.
//!
//! sqlparser's AST covers dozens of dialects and changes shape from one
//! release to the next. The front end ([`crate::parse`]) translates it into
//! this much smaller tree, refusing anything outside walnut's scope with
//! `not supported: <construct>`. Everything after parsing (binding,
//! planning, execution) sees only these types, so an sqlparser upgrade
//! touches one file.

use crate::value::Value;

/// A scalar expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value.
    Literal(Value),
    /// A column, optionally qualified by its table.
    Column {
        /// The table qualifier, if written.
        table: Option<String>,
        /// The column name.
        name: String,
    },
    /// A parameter: `?` (numbered in order of appearance), `?N`, or `:name`.
    Param(Param),
    /// A unary operator.
    Unary {
        /// Which.
        op: UnaryOp,
        /// Its operand.
        expr: Box<Expr>,
    },
    /// A binary operator.
    Binary {
        /// Which.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The operand.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `left IS [NOT] right` (NULL-safe equality).
    Is {
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// `IS NOT`.
        negated: bool,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        /// The operand.
        expr: Box<Expr>,
        /// Lower bound.
        low: Box<Expr>,
        /// Upper bound.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The operand.
        expr: Box<Expr>,
        /// The list.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `expr [NOT] LIKE pattern [ESCAPE e]`, or GLOB.
    Like {
        /// The operand.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// The escape character expression.
        escape: Option<Box<Expr>>,
        /// `NOT LIKE`.
        negated: bool,
        /// GLOB instead of LIKE.
        glob: bool,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`.
    Case {
        /// The operand of a simple CASE.
        operand: Option<Box<Expr>>,
        /// (when, then) pairs.
        whens: Vec<(Expr, Expr)>,
        /// The ELSE result.
        otherwise: Option<Box<Expr>>,
    },
    /// `CAST(expr AS type)`.
    Cast {
        /// The operand.
        expr: Box<Expr>,
        /// The type name as written.
        type_name: String,
    },
    /// A function call (scalar or aggregate).
    Function {
        /// Lower-case name.
        name: String,
        /// Arguments.
        args: Vec<Expr>,
        /// `f(DISTINCT ...)`.
        distinct: bool,
        /// `count(*)`.
        star: bool,
    },
    /// `(SELECT ...)`: the first column of the first row, or NULL.
    Subquery(Box<Select>),
    /// `[NOT] EXISTS (SELECT ...)`.
    Exists {
        /// The SELECT.
        select: Box<Select>,
        /// `NOT EXISTS`.
        negated: bool,
    },
    /// `expr [NOT] IN (SELECT ...)`.
    InSelect {
        /// The operand.
        expr: Box<Expr>,
        /// The SELECT (one result column).
        select: Box<Select>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `RAISE(IGNORE)` or `RAISE(ABORT|FAIL|ROLLBACK, message)`: only in a
    /// trigger program (see [`crate::trigger_program`]).
    Raise {
        /// What it does.
        action: RaiseAction,
        /// The error message (empty for IGNORE).
        message: String,
    },
}

/// What `RAISE(...)` does (see [`crate::trigger_program`] for the effects).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaiseAction {
    /// Skip the rest of the current row: its change and its later triggers.
    Ignore,
    /// Fail and end the transaction, undoing all of it.
    Rollback,
    /// Fail and undo the statement (the transaction stays).
    Abort,
    /// Fail and keep what the statement changed before the failure.
    Fail,
}

impl RaiseAction {
    /// The keyword.
    pub fn sql(self) -> &'static str {
        match self {
            RaiseAction::Ignore => "IGNORE",
            RaiseAction::Rollback => "ROLLBACK",
            RaiseAction::Abort => "ABORT",
            RaiseAction::Fail => "FAIL",
        }
    }
}

/// A parameter reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// `?` or `?N`: 1-based index.
    Index(usize),
    /// `:name`, `@name` or `$name` (the name includes its prefix).
    Named(String),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
    /// `NOT x`
    Not,
    /// `~x`
    BitNot,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `||`
    Concat,
    /// `=` or `==`
    Eq,
    /// `<>` or `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
}

/// One column of an index or key, with its direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedColumn {
    /// The column name.
    pub name: String,
    /// `DESC` was written.
    pub descending: bool,
}

/// A column definition of `CREATE TABLE` or `ALTER TABLE ADD COLUMN`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The column name.
    pub name: String,
    /// The declared type as written (empty if none); it decides the
    /// column's affinity.
    pub type_name: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT expr`.
    pub default: Option<Expr>,
    /// The DEFAULT's text when it is a plain number literal, as written
    /// (`1e20`): rows older than an `ADD COLUMN` read a TEXT column's
    /// default as that text, as SQLite does.
    pub default_number_text: Option<String>,
    /// `PRIMARY KEY` on the column (with its direction).
    pub primary_key: Option<IndexedColumn>,
    /// `UNIQUE` on the column.
    pub unique: bool,
    /// `CHECK (expr)` on the column.
    pub checks: Vec<Expr>,
}

/// `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    /// The table name.
    pub name: String,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// The columns, in order.
    pub columns: Vec<ColumnDef>,
    /// The primary key, from a column or a table constraint (at most one).
    pub primary_key: Option<Vec<IndexedColumn>>,
    /// `UNIQUE` constraints, column-level ones included.
    pub uniques: Vec<Vec<IndexedColumn>>,
    /// `CHECK` constraints, column-level ones included.
    pub checks: Vec<Expr>,
    /// How many of `uniques` are written before the primary key (SQLite
    /// numbers its automatic indexes in the order the constraints are
    /// written); 0 when there is no primary key.
    pub primary_key_position: usize,
}

/// The database an object lives in: the file (`main`), or the session's
/// own TEMP schema (see [`crate::temp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaName {
    /// `main`: the database file.
    Main,
    /// `temp`: the session's TEMP objects, never written to the file.
    Temp,
}

impl SchemaName {
    /// The name as SQL writes it.
    pub fn sql(self) -> &'static str {
        match self {
            SchemaName::Main => "main",
            SchemaName::Temp => "temp",
        }
    }
}

/// `CREATE [TEMP] VIEW [IF NOT EXISTS] [schema.]name [(columns)] AS select`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateView {
    /// The view's name.
    pub name: String,
    /// `TEMP` / `TEMPORARY` was written.
    pub temp: bool,
    /// The schema the name was qualified with (`temp.v`), if any.
    pub schema: Option<SchemaName>,
    /// Its column names, if listed (else the SELECT's).
    pub columns: Vec<String>,
    /// The SELECT.
    pub select: Box<Select>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

/// One parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `CREATE TABLE`.
    CreateTable(CreateTable),
    /// `DROP TABLE [IF EXISTS] name`.
    DropTable {
        /// The table.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns)`.
    CreateIndex(CreateIndex),
    /// `CREATE VIEW [IF NOT EXISTS] name [(columns)] AS select`.
    CreateView(CreateView),
    /// `DROP VIEW [IF EXISTS] [schema.]name`.
    DropView {
        /// The view.
        name: String,
        /// The schema it was qualified with, if any (else TEMP is searched
        /// first, then main).
        schema: Option<SchemaName>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `CREATE [TEMP] TRIGGER ...`.
    CreateTrigger(CreateTrigger),
    /// `DROP TRIGGER [IF EXISTS] [schema.]name`.
    DropTrigger {
        /// The trigger.
        name: String,
        /// The schema it was qualified with, if any (else TEMP is searched
        /// first, then main).
        schema: Option<SchemaName>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `DROP INDEX [IF EXISTS] name`.
    DropIndex {
        /// The index.
        name: String,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `ALTER TABLE name RENAME TO new_name`.
    RenameTable {
        /// The table.
        name: String,
        /// Its new name.
        new_name: String,
    },
    /// `ALTER TABLE name ADD [COLUMN] column-def`.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: ColumnDef,
        /// The column definition as written, for the stored schema text.
        column_sql: String,
    },
    /// `INSERT`.
    Insert(Insert),
    /// `UPDATE`.
    Update(Update),
    /// `DELETE`.
    Delete(Delete),
    /// `SELECT`.
    Select(Box<Select>),
    /// `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION]`.
    Begin,
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
    /// `PRAGMA name`, `PRAGMA name = value`, `PRAGMA name(arg)`.
    Pragma {
        /// Lower-case pragma name.
        name: String,
        /// The value or argument, if any.
        value: Option<PragmaValue>,
    },
    /// `EXPLAIN stmt` or `EXPLAIN QUERY PLAN stmt`: both print the plan.
    Explain(Box<Statement>),
    /// `REINDEX [table or index]`: rebuild indexes from their tables.
    Reindex(Option<String>),
}

/// When a trigger's program runs, relative to the change of the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerTiming {
    /// `BEFORE` (also when no timing is written): before the row changes.
    Before,
    /// `AFTER`: once the row has changed.
    After,
    /// `INSTEAD OF`: in place of the change (only on views).
    InsteadOf,
}

impl TriggerTiming {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    }
}

/// What changes a trigger fires for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerEvent {
    /// `DELETE`.
    Delete,
    /// `INSERT`.
    Insert,
    /// `UPDATE [OF columns]`: an empty list is any UPDATE; otherwise an
    /// UPDATE that assigns one of the columns.
    Update(Vec<String>),
}

/// One statement of a trigger's program.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerStep {
    /// An INSERT (never `DEFAULT VALUES`).
    Insert(Insert),
    /// An UPDATE.
    Update(Update),
    /// A DELETE.
    Delete(Delete),
    /// A SELECT, whose rows are thrown away (it runs for its effects: a
    /// `RAISE()`, say).
    Select {
        /// The query.
        select: Box<Select>,
        /// Its `INDEXED BY` / `NOT INDEXED`.
        index_hint: Option<IndexHint>,
    },
}

/// `CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]name [BEFORE|AFTER|INSTEAD OF]
/// event ON table [FOR EACH ROW] [WHEN expr] BEGIN step; ... END`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTrigger {
    /// The trigger's name.
    pub name: String,
    /// `TEMP` / `TEMPORARY` was written.
    pub temp: bool,
    /// The schema the name was qualified with (`temp.r`), if any.
    pub schema: Option<SchemaName>,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// BEFORE, AFTER or INSTEAD OF.
    pub timing: TriggerTiming,
    /// DELETE, INSERT or UPDATE [OF ...].
    pub event: TriggerEvent,
    /// The table (or, for INSTEAD OF, view) it is on, as written.
    pub table: String,
    /// `WHEN expr`.
    pub when: Option<Expr>,
    /// The program.
    pub steps: Vec<TriggerStep>,
}

/// SQLite's index hint on the table of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexHint {
    /// `NOT INDEXED`: no index may be used (rowid lookups still are).
    NotIndexed,
    /// `INDEXED BY name`: this index must be used.
    IndexedBy(String),
}

/// The value of a PRAGMA: a number, a name or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum PragmaValue {
    /// A number (possibly signed).
    Number(i64),
    /// A bare word or a quoted string (`full`, `'t'`, `t`).
    Name(String),
}

/// `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    /// The index name.
    pub name: String,
    /// The table it indexes.
    pub table: String,
    /// The indexed columns.
    pub columns: Vec<IndexedColumn>,
    /// `UNIQUE`.
    pub unique: bool,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
}

/// What to do when an INSERT meets a uniqueness conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Fail the statement (SQLite's ABORT, the default).
    Abort,
    /// `OR REPLACE`: delete the conflicting rows, then insert.
    Replace,
    /// `OR IGNORE`: skip the row.
    Ignore,
}

/// Where an INSERT's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertSource {
    /// `VALUES (..), (..)`.
    Values(Vec<Vec<Expr>>),
    /// `INSERT ... SELECT`.
    Select(Box<Select>),
    /// `DEFAULT VALUES`.
    DefaultValues,
}

/// `INSERT [OR REPLACE|OR IGNORE] INTO table [(columns)] source`
/// (`REPLACE INTO` is `INSERT OR REPLACE INTO`).
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table.
    pub table: String,
    /// The column list, if written.
    pub columns: Option<Vec<String>>,
    /// The rows.
    pub source: InsertSource,
    /// The conflict policy written (`OR ...`), if any: none is ABORT, but
    /// in a trigger program the policy of the statement that fired the
    /// trigger, if it wrote one, overrides the step's.
    pub conflict: Option<Conflict>,
}

/// `UPDATE table SET col = expr, ... [WHERE expr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table.
    pub table: String,
    /// The assignments, in order.
    pub assignments: Vec<(String, Expr)>,
    /// The filter.
    pub filter: Option<Expr>,
    /// `UPDATE OR REPLACE` / `OR IGNORE` / `OR ABORT`, if written (as for
    /// [`Insert::conflict`]).
    pub conflict: Option<Conflict>,
}

/// `DELETE FROM table [WHERE expr]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table.
    pub table: String,
    /// The filter.
    pub filter: Option<Expr>,
}

/// One item of a SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*`.
    Wildcard,
    /// `t.*`.
    QualifiedWildcard(String),
    /// An expression, with its alias if written. `text` is the expression
    /// as written (SQLite names an unaliased result column by its text).
    Expr {
        /// The expression.
        expr: Expr,
        /// `AS alias`.
        alias: Option<String>,
        /// The expression's source text.
        text: String,
    },
}

/// A table in FROM.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    /// The table name (for a subquery in FROM: its alias, or
    /// `(subquery)`).
    pub name: String,
    /// Its alias, if written.
    pub alias: Option<String>,
    /// `FROM (SELECT ...)`: the subquery whose rows are the table's.
    pub derived: Option<Box<Select>>,
}

/// One ORDER BY term.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    /// The expression (a literal integer means a result column number).
    pub expr: Expr,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS FIRST` (Some(true)) / `NULLS LAST` (Some(false)); SQLite's
    /// default puts NULLs first ascending and last descending.
    pub nulls_first: Option<bool>,
}

/// A compound operator: how a SELECT's rows combine with those before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompoundOp {
    /// `UNION`: the rows of both, duplicates removed.
    Union,
    /// `UNION ALL`: the rows of both.
    UnionAll,
    /// `INTERSECT`: the distinct rows found on both sides.
    Intersect,
    /// `EXCEPT`: the distinct rows of the left side not found on the right.
    Except,
}

impl CompoundOp {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            CompoundOp::Union => "UNION",
            CompoundOp::UnionAll => "UNION ALL",
            CompoundOp::Intersect => "INTERSECT",
            CompoundOp::Except => "EXCEPT",
        }
    }
}

/// How a table joins the ones before it in FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `,`, `JOIN`, `INNER JOIN`: rows that match.
    Inner,
    /// `CROSS JOIN`: rows that match, like an inner join, but the tables
    /// before it always stay outer loops (SQLite's way of fixing a join
    /// order by hand).
    Cross,
    /// `LEFT [OUTER] JOIN`: also every left row without a match, with
    /// NULLs for this table.
    Left,
    /// `RIGHT [OUTER] JOIN`: also every row of this table that no left row
    /// matched, with NULLs for the tables before it.
    Right,
    /// `FULL [OUTER] JOIN`: both of the above.
    Full,
}

impl JoinKind {
    /// Only rows that match (inner or cross).
    pub fn is_inner(self) -> bool {
        matches!(self, JoinKind::Inner | JoinKind::Cross)
    }

    /// A row of the tables before it without a match is kept, padded
    /// with NULLs (LEFT, FULL).
    pub fn keeps_unmatched_left(self) -> bool {
        matches!(self, JoinKind::Left | JoinKind::Full)
    }

    /// A row of this table without a match is kept, the tables before it
    /// padded with NULLs (RIGHT, FULL).
    pub fn keeps_unmatched_right(self) -> bool {
        matches!(self, JoinKind::Right | JoinKind::Full)
    }
}

/// A join's condition.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinConstraint {
    /// None: every combination (a comma or CROSS JOIN).
    None,
    /// `ON expr`.
    On(Expr),
    /// `USING (columns)`: equal values in the named columns, which then
    /// appear once in `*`.
    Using(Vec<String>),
    /// `NATURAL`: USING every column name the two sides share.
    Natural,
}

/// A table joined after the first in FROM.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// The table.
    pub table: TableRef,
    /// Inner or left.
    pub kind: JoinKind,
    /// The condition.
    pub constraint: JoinConstraint,
}

/// A common table expression: `name [(columns)] AS (select)` in WITH.
#[derive(Debug, Clone, PartialEq)]
pub struct Cte {
    /// The name queries use.
    pub name: String,
    /// Its column names, if listed (else the SELECT's).
    pub columns: Vec<String>,
    /// The SELECT.
    pub select: Box<Select>,
}

/// One SELECT of a compound after the first, with the operator before it.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundArm {
    /// The operator joining it to everything before.
    pub op: CompoundOp,
    /// The SELECT (without ORDER BY or LIMIT of its own).
    pub select: Select,
}

/// A single-table (or table-less) SELECT, possibly the first of a
/// compound. The default is `SELECT` with nothing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Select {
    /// `DISTINCT`.
    pub distinct: bool,
    /// The result columns.
    pub items: Vec<SelectItem>,
    /// FROM, if any (one table in this version).
    pub from: Option<TableRef>,
    /// WHERE.
    pub filter: Option<Expr>,
    /// GROUP BY.
    pub group_by: Vec<Expr>,
    /// HAVING.
    pub having: Option<Expr>,
    /// ORDER BY.
    pub order_by: Vec<OrderTerm>,
    /// LIMIT.
    pub limit: Option<Expr>,
    /// OFFSET.
    pub offset: Option<Expr>,
    /// The SELECTs compounded with this one, in order (SQLite evaluates
    /// compound operators left to right, all of equal precedence). When
    /// there are any, `order_by`, `limit` and `offset` apply to the whole
    /// compound.
    pub compound: Vec<CompoundArm>,
    /// `WITH` common table expressions, visible to the whole query (its
    /// subqueries included), each to the ones after it too.
    pub with: Vec<Cte>,
    /// `WITH RECURSIVE`.
    pub recursive: bool,
    /// The tables joined after `from`, in the order written.
    pub joins: Vec<Join>,
}

impl Select {
    /// Makes the common table expressions of an enclosing `WITH` visible
    /// to this query: they are put before its own, except those it
    /// defines again (its own shadow them, as an inner WITH does).
    pub fn share_with(&mut self, ctes: &[Cte], recursive: bool) {
        let own: Vec<Cte> = std::mem::take(&mut self.with);
        let mut with: Vec<Cte> = ctes
            .iter()
            .filter(|c| !own.iter().any(|o| o.name.eq_ignore_ascii_case(&c.name)))
            .cloned()
            .collect();
        with.extend(own);
        self.with = with;
        self.recursive |= recursive;
    }
}

impl Statement {
    /// `WITH ... INSERT | UPDATE | DELETE`: the WITH's tables can only be
    /// read by the queries inside the statement (its `INSERT ... SELECT`
    /// and its subqueries), so each of those gets them, as if it had been
    /// written with the WITH itself. A table named by the WITH is never the
    /// statement's target (SQLite: "no such table").
    pub fn share_with(&mut self, ctes: &[Cte], recursive: bool) {
        if ctes.is_empty() {
            return;
        }
        let mut share = |s: &mut Select| s.share_with(ctes, recursive);
        match self {
            Statement::Insert(i) => match &mut i.source {
                InsertSource::Select(s) => share(s),
                InsertSource::Values(rows) => rows
                    .iter_mut()
                    .flatten()
                    .for_each(|e| e.each_subquery_mut(&mut share)),
                InsertSource::DefaultValues => {}
            },
            Statement::Update(u) => {
                for (_, e) in &mut u.assignments {
                    e.each_subquery_mut(&mut share);
                }
                if let Some(e) = &mut u.filter {
                    e.each_subquery_mut(&mut share);
                }
            }
            Statement::Delete(d) => {
                if let Some(e) = &mut d.filter {
                    e.each_subquery_mut(&mut share);
                }
            }
            _ => {}
        }
    }
}

/// One step down into an expression: a sub-expression, or a SELECT.
pub enum ChildMut<'a> {
    /// A sub-expression.
    Expr(&'a mut Expr),
    /// The SELECT of a subquery (`(SELECT ..)`, `EXISTS`, `IN (SELECT ..)`).
    Select(&'a mut Select),
}

impl Expr {
    /// Calls `f` on each direct child of the expression, in the order
    /// written (so that a rewrite numbering what it meets numbers in text
    /// order).
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(ChildMut<'_>)) {
        match self {
            Expr::Literal(_) | Expr::Column { .. } | Expr::Param(_) | Expr::Raise { .. } => {}
            Expr::Subquery(s) | Expr::Exists { select: s, .. } => f(ChildMut::Select(s)),
            Expr::InSelect { expr, select, .. } => {
                f(ChildMut::Expr(expr));
                f(ChildMut::Select(select));
            }
            Expr::Unary { expr, .. } | Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } => {
                f(ChildMut::Expr(expr))
            }
            Expr::Binary { left, right, .. } | Expr::Is { left, right, .. } => {
                f(ChildMut::Expr(left));
                f(ChildMut::Expr(right));
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                f(ChildMut::Expr(expr));
                f(ChildMut::Expr(low));
                f(ChildMut::Expr(high));
            }
            Expr::InList { expr, list, .. } => {
                f(ChildMut::Expr(expr));
                list.iter_mut().for_each(|x| f(ChildMut::Expr(x)));
            }
            Expr::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                f(ChildMut::Expr(expr));
                f(ChildMut::Expr(pattern));
                if let Some(x) = escape {
                    f(ChildMut::Expr(x));
                }
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some(x) = operand {
                    f(ChildMut::Expr(x));
                }
                for (w, t) in whens {
                    f(ChildMut::Expr(w));
                    f(ChildMut::Expr(t));
                }
                if let Some(x) = otherwise {
                    f(ChildMut::Expr(x));
                }
            }
            Expr::Function { args, .. } => args.iter_mut().for_each(|x| f(ChildMut::Expr(x))),
        }
    }

    /// Calls `f` on each subquery of the expression that is not inside
    /// another subquery.
    pub fn each_subquery_mut(&mut self, f: &mut dyn FnMut(&mut Select)) {
        self.for_each_child_mut(&mut |c| match c {
            ChildMut::Expr(e) => e.each_subquery_mut(f),
            ChildMut::Select(s) => f(s),
        });
    }
}
