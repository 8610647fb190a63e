//! The front end: SQL text -> sqlparser (SQLite dialect) -> walnut's AST.
//!
//! sqlparser does the lexing and parsing; this module translates its tree
//! into [`crate::ast`], and is the one place that knows sqlparser's types.
//! Whatever sqlparser accepts but walnut does not implement is refused here
//! with [`SqlError::NotSupported`] naming the construct, so that nothing
//! outside walnut's scope can reach the executor and be answered
//! differently from SQLite. A syntax error keeps sqlparser's message, which
//! names the line and column.
//!
//! Parameters: `?` is numbered in order of appearance (continuing after the
//! highest `?N` seen so far, as SQLite does), `?N` is parameter N, and
//! `:name`, `@name`, `$name` are named.

use crate::ast::{BinaryOp, Expr, Param, UnaryOp};
use crate::error::SqlError;
use crate::value::Value;
use sqlparser::ast as sp;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Parses SQL text into sqlparser statements.
pub fn parse_sql(sql: &str) -> Result<Vec<sp::Statement>, SqlError> {
    Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| SqlError::Syntax(e.to_string()))
}

/// Translates sqlparser expressions, numbering parameters as it goes.
#[derive(Debug)]
pub struct ExprTranslator<'a> {
    /// The highest parameter index handed out so far.
    pub max_param: usize,
    /// The SQL text, to tell `0x1F` (an integer) from `X'1F'` (a blob),
    /// which sqlparser gives the same token.
    source: &'a str,
}

/// The character at a 1-based (line, column) location of `source`.
fn char_at(source: &str, loc: sqlparser::tokenizer::Location) -> Option<char> {
    let line = source.lines().nth((loc.line as usize).checked_sub(1)?)?;
    line.chars().nth((loc.column as usize).checked_sub(1)?)
}

fn unsupported(what: impl std::fmt::Display) -> SqlError {
    SqlError::NotSupported(what.to_string())
}

impl<'a> ExprTranslator<'a> {
    /// A translator for expressions parsed from `source`.
    pub fn new(source: &'a str) -> Self {
        ExprTranslator {
            max_param: 0,
            source,
        }
    }

    /// Translates one expression.
    pub fn expr(&mut self, e: &sp::Expr) -> Result<Expr, SqlError> {
        Ok(match e {
            sp::Expr::Identifier(id) => Expr::Column {
                table: None,
                name: id.value.clone(),
            },
            sp::Expr::CompoundIdentifier(ids) => match ids.as_slice() {
                [t, c] => Expr::Column {
                    table: Some(t.value.clone()),
                    name: c.value.clone(),
                },
                _ => return Err(unsupported(format!("qualified name {e}"))),
            },
            sp::Expr::Value(v) => {
                if let sp::Value::HexStringLiteral(h) = &v.value
                    && char_at(self.source, v.span.start) == Some('0')
                {
                    return number(&format!("0x{h}")).map(Expr::Literal);
                }
                self.value(&v.value)?
            }
            sp::Expr::Nested(inner) => self.expr(inner)?,
            sp::Expr::UnaryOp { op, expr } => {
                let op = match op {
                    sp::UnaryOperator::Minus => UnaryOp::Neg,
                    sp::UnaryOperator::Plus => UnaryOp::Plus,
                    sp::UnaryOperator::Not => UnaryOp::Not,
                    sp::UnaryOperator::BitwiseNot => UnaryOp::BitNot,
                    other => return Err(unsupported(format!("operator {other}"))),
                };
                Expr::Unary {
                    op,
                    expr: Box::new(self.expr(expr)?),
                }
            }
            sp::Expr::BinaryOp { left, op, right } => {
                if *op == sp::BinaryOperator::Glob {
                    return Ok(Expr::Like {
                        expr: Box::new(self.expr(left)?),
                        pattern: Box::new(self.expr(right)?),
                        escape: None,
                        negated: false,
                        glob: true,
                    });
                }
                let op = binary_op(op)?;
                Expr::Binary {
                    op,
                    left: Box::new(self.expr(left)?),
                    right: Box::new(self.expr(right)?),
                }
            }
            sp::Expr::IsNull(x) => Expr::IsNull {
                expr: Box::new(self.expr(x)?),
                negated: false,
            },
            sp::Expr::IsNotNull(x) => Expr::IsNull {
                expr: Box::new(self.expr(x)?),
                negated: true,
            },
            sp::Expr::IsNotDistinctFrom(a, b) => Expr::Is {
                left: Box::new(self.expr(a)?),
                right: Box::new(self.expr(b)?),
                negated: false,
            },
            sp::Expr::IsDistinctFrom(a, b) => Expr::Is {
                left: Box::new(self.expr(a)?),
                right: Box::new(self.expr(b)?),
                negated: true,
            },
            sp::Expr::IsTrue(x)
            | sp::Expr::IsNotTrue(x)
            | sp::Expr::IsFalse(x)
            | sp::Expr::IsNotFalse(x) => {
                let negated = matches!(e, sp::Expr::IsNotTrue(_) | sp::Expr::IsNotFalse(_));
                let truth = matches!(e, sp::Expr::IsTrue(_) | sp::Expr::IsNotTrue(_));
                Expr::Is {
                    left: Box::new(self.expr(x)?),
                    right: Box::new(Expr::Literal(Value::Integer(i64::from(truth)))),
                    negated,
                }
            }
            sp::Expr::Between {
                expr,
                negated,
                low,
                high,
            } => Expr::Between {
                expr: Box::new(self.expr(expr)?),
                low: Box::new(self.expr(low)?),
                high: Box::new(self.expr(high)?),
                negated: *negated,
            },
            sp::Expr::InList {
                expr,
                list,
                negated,
            } => Expr::InList {
                expr: Box::new(self.expr(expr)?),
                list: list
                    .iter()
                    .map(|x| self.expr(x))
                    .collect::<Result<_, _>>()?,
                negated: *negated,
            },
            sp::Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => Expr::Like {
                expr: Box::new(self.expr(expr)?),
                pattern: Box::new(self.expr(pattern)?),
                escape: match escape_char {
                    Some(x) => Some(Box::new(self.expr(x)?)),
                    None => None,
                },
                negated: *negated,
                glob: false,
            },
            sp::Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => Expr::Case {
                operand: match operand {
                    Some(x) => Some(Box::new(self.expr(x)?)),
                    None => None,
                },
                whens: conditions
                    .iter()
                    .map(|w| Ok((self.expr(&w.condition)?, self.expr(&w.result)?)))
                    .collect::<Result<_, SqlError>>()?,
                otherwise: match else_result {
                    Some(x) => Some(Box::new(self.expr(x)?)),
                    None => None,
                },
            },
            sp::Expr::Cast {
                kind: sp::CastKind::Cast,
                expr,
                data_type,
                format: None,
            } => Expr::Cast {
                expr: Box::new(self.expr(expr)?),
                type_name: data_type.to_string(),
            },
            sp::Expr::Function(f) => self.function(f)?,
            other => return Err(unsupported(format!("expression {other}"))),
        })
    }

    fn value(&mut self, v: &sp::Value) -> Result<Expr, SqlError> {
        Ok(Expr::Literal(match v {
            sp::Value::Number(text, _) => number(text)?,
            sp::Value::SingleQuotedString(s) => Value::Text(s.clone()),
            sp::Value::HexStringLiteral(h) => Value::Blob(hex_blob(h)?),
            sp::Value::Boolean(b) => Value::Integer(i64::from(*b)),
            sp::Value::Null => Value::Null,
            sp::Value::Placeholder(p) => return self.param(p),
            // SQLite reads a double-quoted word that names no column as a
            // string; walnut cannot know here which it is, so it refuses.
            sp::Value::DoubleQuotedString(s) => {
                return Err(unsupported(format!(
                    "double-quoted string \"{s}\" (use single quotes for strings)"
                )));
            }
            other => return Err(unsupported(format!("literal {other}"))),
        }))
    }

    fn param(&mut self, p: &str) -> Result<Expr, SqlError> {
        if p == "?" {
            self.max_param += 1;
            return Ok(Expr::Param(Param::Index(self.max_param)));
        }
        if let Some(n) = p.strip_prefix('?') {
            let n: usize = n
                .parse()
                .ok()
                .filter(|&n| (1..=32766).contains(&n))
                .ok_or_else(|| SqlError::Syntax(format!("bad parameter {p}")))?;
            self.max_param = self.max_param.max(n);
            return Ok(Expr::Param(Param::Index(n)));
        }
        Ok(Expr::Param(Param::Named(p.to_string())))
    }

    fn function(&mut self, f: &sp::Function) -> Result<Expr, SqlError> {
        let name = match f.name.0.as_slice() {
            [part] => part.to_string().to_ascii_lowercase(),
            _ => return Err(unsupported(format!("function name {}", f.name))),
        };
        if f.filter.is_some() || f.over.is_some() || !f.within_group.is_empty() {
            return Err(unsupported(format!(
                "{name}() with FILTER, OVER or WITHIN GROUP"
            )));
        }
        let (mut args, mut distinct, mut star) = (Vec::new(), false, false);
        match &f.args {
            sp::FunctionArguments::None => {}
            sp::FunctionArguments::Subquery(_) => {
                return Err(unsupported("subquery as a function argument"));
            }
            sp::FunctionArguments::List(list) => {
                if !list.clauses.is_empty() {
                    return Err(unsupported(format!("clauses inside {name}()")));
                }
                distinct = matches!(
                    list.duplicate_treatment,
                    Some(sp::DuplicateTreatment::Distinct)
                );
                for a in &list.args {
                    match a {
                        sp::FunctionArg::Unnamed(sp::FunctionArgExpr::Expr(x)) => {
                            args.push(self.expr(x)?)
                        }
                        sp::FunctionArg::Unnamed(sp::FunctionArgExpr::Wildcard) => star = true,
                        other => return Err(unsupported(format!("function argument {other}"))),
                    }
                }
            }
        }
        Ok(Expr::Function {
            name,
            args,
            distinct,
            star,
        })
    }
}

fn binary_op(op: &sp::BinaryOperator) -> Result<BinaryOp, SqlError> {
    use sp::BinaryOperator as B;
    Ok(match op {
        B::Plus => BinaryOp::Add,
        B::Minus => BinaryOp::Sub,
        B::Multiply => BinaryOp::Mul,
        B::Divide => BinaryOp::Div,
        B::Modulo => BinaryOp::Rem,
        B::StringConcat => BinaryOp::Concat,
        B::Eq => BinaryOp::Eq,
        B::NotEq => BinaryOp::NotEq,
        B::Lt => BinaryOp::Lt,
        B::LtEq => BinaryOp::LtEq,
        B::Gt => BinaryOp::Gt,
        B::GtEq => BinaryOp::GtEq,
        B::And => BinaryOp::And,
        B::Or => BinaryOp::Or,
        B::BitwiseAnd => BinaryOp::BitAnd,
        B::BitwiseOr => BinaryOp::BitOr,
        B::PGBitwiseShiftLeft => BinaryOp::ShiftLeft,
        B::PGBitwiseShiftRight => BinaryOp::ShiftRight,
        other => return Err(unsupported(format!("operator {other}"))),
    })
}

/// A numeric literal as SQLite reads it: an integer if it fits in i64
/// (decimal or 0x hex), else a REAL.
fn number(text: &str) -> Result<Value, SqlError> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        // SQLite: hex literals are 64-bit two's complement; too many digits
        // is an error.
        return u64::from_str_radix(hex, 16)
            .map(|u| Value::Integer(u as i64))
            .map_err(|_| SqlError::Syntax(format!("hex literal too big: {text}")));
    }
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Value::Integer(i));
    }
    text.parse::<f64>()
        .map(Value::real)
        .map_err(|_| SqlError::Syntax(format!("bad number {text}")))
}

fn hex_blob(h: &str) -> Result<Vec<u8>, SqlError> {
    if !h.len().is_multiple_of(2) {
        return Err(SqlError::Syntax(format!(
            "blob literal X'{h}' has an odd number of digits"
        )));
    }
    (0..h.len())
        .step_by(2)
        .map(|i| {
            h.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| SqlError::Syntax(format!("bad blob literal X'{h}'")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `SELECT <expr>` and translates the expression.
    fn expr(sql: &str) -> Result<Expr, SqlError> {
        let stmts = parse_sql(&format!("SELECT {sql}"))?;
        let Some(sp::Statement::Query(q)) = stmts.first() else {
            panic!("not a query")
        };
        let sp::SetExpr::Select(s) = q.body.as_ref() else {
            panic!("not a select")
        };
        let Some(sp::SelectItem::UnnamedExpr(e)) = s.projection.first() else {
            panic!("no expression")
        };
        ExprTranslator::new(&format!("SELECT {sql}")).expr(e)
    }

    fn lit(v: Value) -> Box<Expr> {
        Box::new(Expr::Literal(v))
    }

    #[test]
    fn literals_follow_sqlite() {
        assert_eq!(expr("42"), Ok(Expr::Literal(Value::Integer(42))));
        assert_eq!(
            expr("9223372036854775808"),
            Ok(Expr::Literal(Value::Real(9.223372036854776e18)))
        );
        assert_eq!(expr("0x10"), Ok(Expr::Literal(Value::Integer(16))));
        assert_eq!(expr("1.5e3"), Ok(Expr::Literal(Value::Real(1500.0))));
        assert_eq!(
            expr("'it''s'"),
            Ok(Expr::Literal(Value::Text("it's".into())))
        );
        assert_eq!(
            expr("X'cafe'"),
            Ok(Expr::Literal(Value::Blob(vec![0xca, 0xfe])))
        );
        assert_eq!(expr("NULL"), Ok(Expr::Literal(Value::Null)));
    }

    #[test]
    fn operators_translate() {
        assert_eq!(
            expr("1 + 2 * 3"),
            Ok(Expr::Binary {
                op: BinaryOp::Add,
                left: lit(Value::Integer(1)),
                right: Box::new(Expr::Binary {
                    op: BinaryOp::Mul,
                    left: lit(Value::Integer(2)),
                    right: lit(Value::Integer(3)),
                }),
            })
        );
        assert!(matches!(
            expr("a GLOB 'x*'"),
            Ok(Expr::Like { glob: true, .. })
        ));
        assert!(matches!(
            expr("a NOT LIKE 'x%' ESCAPE '!'"),
            Ok(Expr::Like {
                negated: true,
                glob: false,
                escape: Some(_),
                ..
            })
        ));
        assert!(matches!(
            expr("a IS NOT NULL"),
            Ok(Expr::IsNull { negated: true, .. })
        ));
        assert!(matches!(
            expr("t.a BETWEEN 1 AND 2"),
            Ok(Expr::Between { .. })
        ));
        assert!(matches!(
            expr("count(*)"),
            Ok(Expr::Function { star: true, .. })
        ));
        assert!(
            matches!(expr("COUNT(DISTINCT a)"), Ok(Expr::Function { distinct: true, ref name, .. }) if name == "count")
        );
    }

    #[test]
    fn parameters_are_numbered_as_sqlite_numbers_them() {
        let sql = "SELECT ?, ?5, ?, :name";
        let mut t = ExprTranslator::new(sql);
        let stmts = parse_sql(sql).expect("parse");
        let sp::Statement::Query(q) = &stmts[0] else {
            panic!()
        };
        let sp::SetExpr::Select(s) = q.body.as_ref() else {
            panic!()
        };
        let got: Vec<Expr> = s
            .projection
            .iter()
            .map(|item| match item {
                sp::SelectItem::UnnamedExpr(e) => t.expr(e).expect("expr"),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                Expr::Param(Param::Index(1)),
                Expr::Param(Param::Index(5)),
                Expr::Param(Param::Index(6)),
                Expr::Param(Param::Named(":name".into())),
            ]
        );
    }

    #[test]
    fn out_of_scope_constructs_are_named_in_the_error() {
        let err = expr("(SELECT 1)").expect_err("subquery");
        assert!(
            err.to_string().starts_with("not supported: expression"),
            "{err}"
        );
        let err = parse_sql("SELEC 1").expect_err("typo");
        assert!(err.to_string().contains("Line: 1, Column: 1"), "{err}");
    }
}

/// Translates `CREATE TABLE`, refusing what walnut does not implement.
pub fn create_table(
    ct: &sp::CreateTable,
    source: &str,
) -> Result<crate::ast::CreateTable, SqlError> {
    use crate::ast::{ColumnDef, CreateTable, IndexedColumn};
    if ct.temporary {
        return Err(unsupported("CREATE TEMP TABLE"));
    }
    if ct.query.is_some() {
        return Err(unsupported("CREATE TABLE ... AS SELECT"));
    }
    if ct.without_rowid {
        return Err(unsupported("WITHOUT ROWID tables"));
    }
    if ct.strict {
        return Err(unsupported("STRICT tables"));
    }
    if ct.like.is_some() || ct.clone.is_some() {
        return Err(unsupported("CREATE TABLE ... LIKE/CLONE"));
    }
    let name = object_name(&ct.name)?;
    let mut t = ExprTranslator::new(source);
    let mut out = CreateTable {
        name,
        if_not_exists: ct.if_not_exists,
        columns: Vec::new(),
        primary_key: None,
        uniques: Vec::new(),
        checks: Vec::new(),
    };
    let set_pk = |out: &mut CreateTable, cols: Vec<IndexedColumn>| {
        if out.primary_key.is_some() {
            return Err(SqlError::Schema(format!(
                "table \"{}\" has more than one primary key",
                out.name
            )));
        }
        out.primary_key = Some(cols);
        Ok(())
    };
    for c in &ct.columns {
        let mut col = ColumnDef {
            name: c.name.value.clone(),
            type_name: c.data_type.to_string(),
            not_null: false,
            default: None,
            primary_key: None,
            unique: false,
            checks: Vec::new(),
        };
        for opt in &c.options {
            match &opt.option {
                sp::ColumnOption::Null => {}
                sp::ColumnOption::NotNull => col.not_null = true,
                sp::ColumnOption::Default(e) => col.default = Some(t.expr(e)?),
                sp::ColumnOption::PrimaryKey(_) => {
                    // The column's own direction is written after PRIMARY KEY
                    // (`id INTEGER PRIMARY KEY DESC`), which sqlparser keeps
                    // in the source text only.
                    let pk = IndexedColumn {
                        name: col.name.clone(),
                        descending: false,
                    };
                    col.primary_key = Some(pk.clone());
                    set_pk(&mut out, vec![pk])?;
                }
                sp::ColumnOption::Unique(_) => {
                    col.unique = true;
                    out.uniques.push(vec![IndexedColumn {
                        name: col.name.clone(),
                        descending: false,
                    }]);
                }
                sp::ColumnOption::Check(c) => {
                    let e = t.expr(&c.expr)?;
                    col.checks.push(e.clone());
                    out.checks.push(e);
                }
                sp::ColumnOption::DialectSpecific(tokens) => {
                    // sqlparser leaves `PRIMARY KEY ASC|DESC` as raw tokens.
                    let word = match tokens.as_slice() {
                        [sqlparser::tokenizer::Token::Word(w)] => w.value.to_ascii_uppercase(),
                        _ => String::new(),
                    };
                    match (word.as_str(), &mut col.primary_key, &mut out.primary_key) {
                        ("ASC", Some(_), _) => {}
                        ("DESC", Some(pk), Some(table_pk)) => {
                            pk.descending = true;
                            if let Some(first) = table_pk.first_mut() {
                                first.descending = true;
                            }
                        }
                        _ => {
                            let text: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
                            return Err(unsupported(format!("column option {}", text.join(" "))));
                        }
                    }
                }
                other => return Err(unsupported(format!("column option {other}"))),
            }
        }
        out.columns.push(col);
    }
    for c in &ct.constraints {
        match c {
            sp::TableConstraint::PrimaryKey(pk) => set_pk(&mut out, indexed_columns(&pk.columns)?)?,
            sp::TableConstraint::Unique(u) => out.uniques.push(indexed_columns(&u.columns)?),
            sp::TableConstraint::Check(c) => out.checks.push(t.expr(&c.expr)?),
            other => return Err(unsupported(format!("table constraint {other}"))),
        }
    }
    Ok(out)
}

fn indexed_columns(cols: &[sp::IndexColumn]) -> Result<Vec<crate::ast::IndexedColumn>, SqlError> {
    cols.iter()
        .map(|c| {
            let name = match &c.column.expr {
                sp::Expr::Identifier(id) => id.value.clone(),
                other => return Err(unsupported(format!("index on expression {other}"))),
            };
            let descending = matches!(c.column.options.sort, Some(sp::OrderBySort::Desc));
            Ok(crate::ast::IndexedColumn { name, descending })
        })
        .collect()
}

/// A one-part object name (schema-qualified names are not supported).
pub fn object_name(n: &sp::ObjectName) -> Result<String, SqlError> {
    match n.0.as_slice() {
        [part] => part
            .as_ident()
            .map(|i| i.value.clone())
            .ok_or_else(|| unsupported(format!("name {n}"))),
        _ => Err(unsupported(format!("qualified name {n}"))),
    }
}

#[cfg(test)]
mod create_table_tests {
    use super::*;

    fn create(sql: &str) -> Result<crate::ast::CreateTable, SqlError> {
        match parse_sql(sql)?.first() {
            Some(sp::Statement::CreateTable(ct)) => create_table(ct, sql),
            _ => panic!("not CREATE TABLE"),
        }
    }

    #[test]
    fn columns_keys_and_constraints_are_read() {
        let t = create(
            "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT 'x', \
             age INT CHECK (age >= 0), email UNIQUE, UNIQUE(name, age DESC))",
        )
        .expect("create");
        assert!(t.if_not_exists);
        assert_eq!(t.columns.len(), 4);
        assert_eq!(t.columns[0].type_name, "INTEGER");
        assert_eq!(t.columns[3].type_name, "", "no declared type");
        assert!(t.columns[1].not_null);
        assert_eq!(
            t.columns[1].default,
            Some(Expr::Literal(Value::Text("x".into())))
        );
        assert_eq!(
            t.primary_key.as_ref().map(|k| k[0].name.as_str()),
            Some("id")
        );
        assert_eq!(t.uniques.len(), 2);
        assert!(t.uniques[1][1].descending);
        assert_eq!(t.checks.len(), 1);
    }

    #[test]
    fn two_primary_keys_and_unsupported_tables_are_refused() {
        let err = create("CREATE TABLE t(a PRIMARY KEY, b, PRIMARY KEY(b))").expect_err("two keys");
        assert_eq!(err.to_string(), "table \"t\" has more than one primary key");
        let err = create("CREATE TABLE t(a) WITHOUT ROWID").expect_err("without rowid");
        assert_eq!(err.to_string(), "not supported: WITHOUT ROWID tables");
        let t = create("CREATE TABLE t(id INTEGER PRIMARY KEY DESC)").expect("desc key");
        assert_eq!(t.primary_key.map(|k| k[0].descending), Some(true));
        let err =
            create("CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT)").expect_err("autoinc");
        assert_eq!(
            err.to_string(),
            "not supported: column option AUTOINCREMENT"
        );
        let err = create("CREATE TABLE t(a REFERENCES u(x))").expect_err("foreign key");
        assert!(
            err.to_string().starts_with("not supported: column option"),
            "{err}"
        );
    }
}
