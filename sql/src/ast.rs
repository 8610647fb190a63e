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
}
