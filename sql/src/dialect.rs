//! walnut's SQL dialect for sqlparser: SQLite's, with SQLite's operator
//! precedence.
//!
//! sqlparser's SQLite dialect parses SQLite's syntax but borrows the
//! generic precedence table, which differs from SQLite's in ways that
//! change answers: `1 + 2 || 3` would group as `(1 + 2) || 3` ('33')
//! where SQLite reads `1 + (2 || 3)` (24), `4 | 1 & 3` would give 5 where
//! SQLite gives 1, `3 = 3 < 2` would give 1 where SQLite gives 0; and it
//! refuses `<<`, `>>` and `NOT GLOB` outright. This dialect wraps it
//! (sqlparser still treats it as SQLite everywhere else) and puts
//! SQLite's table in place, tightest first:
//!
//! ```text
//! 60  unary - + ~        (operands of a prefix operator)
//! 50  ||
//! 40  * / %
//! 30  + -
//! 21  & | << >>
//! 18  < <= > >=
//! 17  = == != <> IS IN BETWEEN LIKE GLOB MATCH REGEXP ISNULL NOTNULL
//! 15  NOT
//! 10  AND
//!  5  OR
//! ```

use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator};
use sqlparser::dialect::{Dialect, Precedence, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;

/// SQLite's dialect with SQLite's operator precedence.
#[derive(Debug, Default, Clone, Copy)]
pub struct WalnutDialect {
    sqlite: SQLiteDialect,
}

const UNARY: u8 = 60;
const CONCAT: u8 = 50;
const MUL: u8 = 40;
const ADD: u8 = 30;
const BITS: u8 = 21;
const LESS: u8 = 18;
const EQUAL: u8 = 17;

impl Dialect for WalnutDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<SQLiteDialect>()
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.sqlite.is_delimited_identifier_start(ch)
    }

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.sqlite.identifier_quote_style(identifier)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        self.sqlite.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        self.sqlite.is_identifier_part(ch)
    }

    fn supports_filter_during_aggregation(&self) -> bool {
        self.sqlite.supports_filter_during_aggregation()
    }

    fn supports_start_transaction_modifier(&self) -> bool {
        self.sqlite.supports_start_transaction_modifier()
    }

    fn parse_statement(
        &self,
        parser: &mut Parser,
    ) -> Option<Result<sqlparser::ast::Statement, ParserError>> {
        self.sqlite.parse_statement(parser)
    }

    fn supports_in_empty_list(&self) -> bool {
        self.sqlite.supports_in_empty_list()
    }

    fn supports_limit_comma(&self) -> bool {
        self.sqlite.supports_limit_comma()
    }

    fn supports_asc_desc_in_column_definition(&self) -> bool {
        self.sqlite.supports_asc_desc_in_column_definition()
    }

    fn supports_dollar_placeholder(&self) -> bool {
        self.sqlite.supports_dollar_placeholder()
    }

    fn supports_notnull_operator(&self) -> bool {
        self.sqlite.supports_notnull_operator()
    }

    fn supports_comma_separated_trim(&self) -> bool {
        self.sqlite.supports_comma_separated_trim()
    }

    fn supports_numeric_literal_underscores(&self) -> bool {
        self.sqlite.supports_numeric_literal_underscores()
    }

    fn supports_bitwise_shift_operators(&self) -> bool {
        true
    }

    /// A number or a string literal is read at once as a value. sqlparser
    /// would first try to read a type name there (for `DATE '2020-01-01'`,
    /// which starts with a word, never with a literal), fail, and build an
    /// error message to throw away: about 2,900 instructions for each
    /// literal, a third of parsing a script's `INSERT ... VALUES` line.
    /// What it then does with the token is what this does.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        match parser.peek_token_ref().token {
            Token::Number(..) | Token::SingleQuotedString(_) => {
                Some(parser.parse_value().map(Expr::Value))
            }
            _ => None,
        }
    }

    fn prec_value(&self, prec: Precedence) -> u8 {
        match prec {
            // sqlparser parses the operand of unary - and + at
            // MulDivModOp, and of ~ at PlusMinus: both bind tightest in SQLite.
            Precedence::MulDivModOp | Precedence::PlusMinus => UNARY,
            Precedence::Eq | Precedence::Between | Precedence::Like | Precedence::Is => EQUAL,
            other => self.sqlite.prec_value(other),
        }
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        let token = &parser.peek_token_ref().token;
        let p = match token {
            Token::StringConcat => CONCAT,
            Token::Mul | Token::Div | Token::Mod => MUL,
            Token::Plus | Token::Minus => ADD,
            Token::Ampersand | Token::Pipe | Token::ShiftLeft | Token::ShiftRight => BITS,
            Token::Lt | Token::LtEq | Token::Gt | Token::GtEq => LESS,
            Token::Eq | Token::DoubleEq | Token::Neq => EQUAL,
            Token::Word(w) => match w.keyword {
                Keyword::IS
                | Keyword::IN
                | Keyword::BETWEEN
                | Keyword::LIKE
                | Keyword::GLOB
                | Keyword::MATCH
                | Keyword::REGEXP
                | Keyword::NOTNULL => EQUAL,
                Keyword::NOT => match &parser.peek_nth_token_ref(1).token {
                    Token::Word(n)
                        if matches!(
                            n.keyword,
                            Keyword::IN
                                | Keyword::BETWEEN
                                | Keyword::LIKE
                                | Keyword::GLOB
                                | Keyword::MATCH
                                | Keyword::REGEXP
                                | Keyword::NULL
                        ) =>
                    {
                        EQUAL
                    }
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        };
        Some(Ok(p))
    }

    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        // `x NOT GLOB p` (sqlparser knows only `x GLOB p`).
        if let Token::Word(w) = &parser.peek_token_ref().token
            && w.keyword == Keyword::NOT
            && matches!(&parser.peek_nth_token_ref(1).token, Token::Word(n) if n.keyword == Keyword::GLOB)
        {
            parser.next_token();
            parser.next_token();
            let right = match parser.parse_subexpr(precedence) {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            };
            return Some(Ok(Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: Box::new(Expr::Nested(Box::new(Expr::BinaryOp {
                    left: Box::new(expr.clone()),
                    op: BinaryOperator::Glob,
                    right: Box::new(right),
                }))),
            }));
        }
        self.sqlite.parse_infix(parser, expr, precedence)
    }
}

#[cfg(test)]
mod tests {
    use crate::Database;
    use crate::Value;

    fn eval(sql: &str) -> Value {
        let db = Database::open_in_memory().expect("open");
        let mut rows = db.query(&format!("SELECT {sql}"), ()).expect(sql);
        rows.next()
            .and_then(|r| r.into_iter().next())
            .expect("one value")
    }

    /// Each expression groups differently under the generic table; the
    /// answers are SQLite's.
    #[test]
    fn operators_group_as_in_sqlite() {
        assert_eq!(eval("1 + 2 || 3"), Value::Integer(24));
        assert_eq!(eval("2 * 3 || 4"), Value::Integer(68));
        assert_eq!(eval("-1 || 2"), Value::Text("-12".into()));
        assert_eq!(eval("4 | 1 & 3"), Value::Integer(1));
        assert_eq!(eval("3 = 3 < 2"), Value::Integer(0));
        assert_eq!(eval("1 + 2 << 3"), Value::Integer(24));
        assert_eq!(eval("1 << 63"), Value::Integer(i64::MIN));
        assert_eq!(eval("-9223372036854775808"), Value::Integer(i64::MIN));
        assert_eq!(format!("{:?}", eval("-0.0")), "Real(-0.0)");
        assert_eq!(eval("'abc' NOT GLOB 'A*'"), Value::Integer(1));
        assert_eq!(eval("NOT 1 = 2"), Value::Integer(1));
        assert_eq!(eval("1 IS NOT NULL AND 2 = 2"), Value::Integer(1));
        assert_eq!(eval("5 NOT BETWEEN 1 AND 3 OR 0"), Value::Integer(1));
    }
}
