//! Expressions back to SQL text.
//!
//! Used where walnut has to show an expression it only has as a tree: the
//! text of a failed CHECK constraint, a column's default in
//! `PRAGMA table_info`. Operands are parenthesised wherever the tree
//! nests a binary operator, so the text reads back as the same tree.

use crate::ast::{BinaryOp, Expr, Param, UnaryOp};
use crate::format;
use std::fmt;

fn op_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        BinaryOp::Concat => "||",
        BinaryOp::Eq => "=",
        BinaryOp::NotEq => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
        BinaryOp::BitAnd => "&",
        BinaryOp::BitOr => "|",
        BinaryOp::ShiftLeft => "<<",
        BinaryOp::ShiftRight => ">>",
    }
}

/// Writes an operand, in parentheses if it is itself an operator.
fn operand(f: &mut fmt::Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        Expr::Binary { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::Is { .. }
        | Expr::IsNull { .. }
        | Expr::InList { .. } => write!(f, "({e})"),
        _ => write!(f, "{e}"),
    }
}

fn list(f: &mut fmt::Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{x}")?;
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Only shown where subqueries are refused (CHECK, DEFAULT).
            Expr::Subquery(_) => write!(f, "(SELECT ...)"),
            Expr::Exists { negated, .. } => {
                write!(
                    f,
                    "{}EXISTS (SELECT ...)",
                    if *negated { "NOT " } else { "" }
                )
            }
            Expr::InSelect { expr, negated, .. } => {
                write!(
                    f,
                    "{expr} {}IN (SELECT ...)",
                    if *negated { "NOT " } else { "" }
                )
            }
            Expr::Raise { action, message } => match action {
                crate::ast::RaiseAction::Ignore => write!(f, "RAISE(IGNORE)"),
                _ => write!(
                    f,
                    "RAISE({}, {})",
                    action.sql(),
                    format::quote(&crate::Value::Text(message.clone()))
                ),
            },
            Expr::Literal(v) => write!(f, "{}", format::quote(v)),
            Expr::Column {
                table: Some(t),
                name,
            } => write!(f, "{t}.{name}"),
            Expr::Column { table: None, name } => write!(f, "{name}"),
            Expr::Param(Param::Index(n)) => write!(f, "?{n}"),
            Expr::Param(Param::Named(n)) => write!(f, "{n}"),
            Expr::Unary { op, expr } => {
                let o = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::Not => "NOT ",
                    UnaryOp::BitNot => "~",
                };
                write!(f, "{o}")?;
                operand(f, expr)
            }
            Expr::Binary { op, left, right } => {
                operand(f, left)?;
                write!(f, " {} ", op_text(*op))?;
                operand(f, right)
            }
            Expr::IsNull { expr, negated } => {
                operand(f, expr)?;
                write!(f, "{}", if *negated { " IS NOT NULL" } else { " IS NULL" })
            }
            Expr::Is {
                left,
                right,
                negated,
            } => {
                operand(f, left)?;
                write!(f, "{}", if *negated { " IS NOT " } else { " IS " })?;
                operand(f, right)
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                operand(f, expr)?;
                write!(
                    f,
                    "{}",
                    if *negated {
                        " NOT BETWEEN "
                    } else {
                        " BETWEEN "
                    }
                )?;
                operand(f, low)?;
                write!(f, " AND ")?;
                operand(f, high)
            }
            Expr::InList {
                expr,
                list: items,
                negated,
            } => {
                operand(f, expr)?;
                write!(f, "{}", if *negated { " NOT IN (" } else { " IN (" })?;
                list(f, items)?;
                write!(f, ")")
            }
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
                glob,
            } => {
                operand(f, expr)?;
                let word = if *glob { "GLOB" } else { "LIKE" };
                write!(f, "{}{word} ", if *negated { " NOT " } else { " " })?;
                operand(f, pattern)?;
                if let Some(e) = escape {
                    write!(f, " ESCAPE ")?;
                    operand(f, e)?;
                }
                Ok(())
            }
            Expr::Case {
                operand: base,
                whens,
                otherwise,
            } => {
                write!(f, "CASE")?;
                if let Some(b) = base {
                    write!(f, " {b}")?;
                }
                for (w, t) in whens {
                    write!(f, " WHEN {w} THEN {t}")?;
                }
                if let Some(e) = otherwise {
                    write!(f, " ELSE {e}")?;
                }
                write!(f, " END")
            }
            Expr::Cast { expr, type_name } => write!(f, "CAST({expr} AS {type_name})"),
            Expr::Function {
                name,
                args,
                distinct,
                star,
            } => {
                write!(f, "{name}(")?;
                if *star {
                    write!(f, "*")?;
                }
                if *distinct {
                    write!(f, "DISTINCT ")?;
                }
                list(f, args)?;
                write!(f, ")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::Expr;
    use crate::parse;

    fn roundtrip(sql: &str) -> String {
        let p = parse::parse_statement(&format!("SELECT {sql}")).expect("parse");
        match p.statement {
            crate::ast::Statement::Select(s) => match &s.items[0] {
                crate::ast::SelectItem::Expr { expr, .. } => expr.to_string(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expressions_render_as_sql() {
        assert_eq!(
            roundtrip("a > 0 AND b IS NOT NULL"),
            "(a > 0) AND (b IS NOT NULL)"
        );
        assert_eq!(
            roundtrip("length(name) BETWEEN 1 AND 10"),
            "length(name) BETWEEN 1 AND 10"
        );
        assert_eq!(roundtrip("x IN (1, 'two', NULL)"), "x IN (1, 'two', NULL)");
        assert_eq!(roundtrip("count(*)"), "count(*)");
        let _: Option<Expr> = None;
    }
}
