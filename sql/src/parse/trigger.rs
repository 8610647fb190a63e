//! `CREATE TRIGGER`, read from its tokens.
//!
//! sqlparser's CREATE TRIGGER follows PostgreSQL and MySQL (no
//! `IF NOT EXISTS`, no SELECT or `RAISE()` in the body), so walnut reads
//! SQLite's header itself and hands each statement of the body to the
//! statement parser:
//!
//! ```text
//! CREATE [TEMP|TEMPORARY] TRIGGER [IF NOT EXISTS] [main.|temp.]name
//!     [BEFORE | AFTER | INSTEAD OF]            (none written: BEFORE)
//!     DELETE | INSERT | UPDATE [OF column, ...]
//!     ON table [FOR EACH ROW] [WHEN expr]
//! BEGIN
//!     step; step; ...                         (INSERT, UPDATE, DELETE, SELECT)
//! END
//! ```
//!
//! * the WHEN expression is the text between `WHEN` and the `BEGIN` that
//!   follows it outside parentheses, parsed as `SELECT <expr>`;
//! * the body is the text between `BEGIN` and the final `END`, cut into
//!   statements on `;` by [`super::split_statements`]; every step must end
//!   with `;`, and there must be at least one;
//! * a step is parsed as a statement of its own, with `RAISE()` allowed;
//!   SQLite's restrictions on steps are enforced here with SQLite's words:
//!   no parameters ("trigger cannot use variables"), no `INDEXED BY` on
//!   UPDATE or DELETE, no `INSERT ... DEFAULT VALUES`, only the four kinds
//!   of statement.
//!
//! Nothing is looked up here: whether the table exists, and whether the
//! timing suits it (INSTEAD OF only on views), are checked when the trigger
//! is created ([`crate::trigger`]); the steps' tables and columns only when
//! a statement fires the trigger, as in SQLite.

use super::{ParsedStatement, byte_offset, expected, is_complete, parse_one, split_statements};
use crate::ast::{
    CreateTrigger, InsertSource, SchemaName, Select, SelectItem, Statement, TriggerEvent,
    TriggerStep, TriggerTiming,
};
use crate::error::SqlError;
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// Parses a whole `CREATE TRIGGER` statement whose tokens are `tokens`.
pub(super) fn create_trigger(
    sql: &str,
    tokens: &[TokenWithSpan],
) -> Result<ParsedStatement, SqlError> {
    let mut toks: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .collect();
    while matches!(toks.last().map(|t| &t.token), Some(Token::SemiColon)) {
        toks.pop();
    }
    let mut r = Reader { toks: &toks, at: 0 };
    r.keyword("CREATE")?;
    let temp = r.optional("TEMP") || r.optional("TEMPORARY");
    r.keyword("TRIGGER")?;
    let if_not_exists = if r.optional("IF") {
        r.keyword("NOT")?;
        r.keyword("EXISTS")?;
        true
    } else {
        false
    };
    let (schema, name) = r.qualified_name("a trigger name")?;
    if temp && schema.is_some() {
        return Err(SqlError::Schema(
            "temporary trigger may not have qualified name".into(),
        ));
    }
    let timing = if r.optional("BEFORE") {
        TriggerTiming::Before
    } else if r.optional("AFTER") {
        TriggerTiming::After
    } else if r.optional("INSTEAD") {
        r.keyword("OF")?;
        TriggerTiming::InsteadOf
    } else {
        TriggerTiming::Before
    };
    let event = if r.optional("DELETE") {
        TriggerEvent::Delete
    } else if r.optional("INSERT") {
        TriggerEvent::Insert
    } else if r.optional("UPDATE") {
        let mut columns = Vec::new();
        if r.optional("OF") {
            columns.push(r.name("a column name")?);
            while r.punct(&Token::Comma) {
                columns.push(r.name("a column name")?);
            }
        }
        TriggerEvent::Update(columns)
    } else {
        return Err(expected("DELETE, INSERT or UPDATE", r.peek()));
    };
    r.keyword("ON")?;
    let table = r.name("a table name")?;
    if r.punct(&Token::Period) {
        return Err(super::unsupported(
            "a qualified table name after ON in CREATE TRIGGER",
        ));
    }
    if r.optional("FOR") {
        r.keyword("EACH")?;
        r.keyword("ROW")?;
    }
    let when = if r.optional("WHEN") {
        let start = r.at;
        let begin = r.body_start().ok_or_else(|| expected("BEGIN", None))?;
        let text = source_between(sql, toks[start], toks[begin - 1])?;
        r.at = begin;
        Some(when_expr(text)?)
    } else {
        None
    };
    r.keyword("BEGIN")?;
    let end = match toks.last() {
        Some(t) if r.at < toks.len() && is_word(t, "END") => toks.len() - 1,
        last => return Err(expected("END at the end of the trigger", last.copied())),
    };
    let body = match (toks.get(r.at - 1), toks.get(end)) {
        (Some(begin), Some(end)) => span_text(sql, begin.span.end, end.span.start)?,
        _ => return Err(expected("the trigger's body", None)),
    };
    let steps = body_steps(body)?;
    let text = source_between(sql, toks[0], toks[end])?.to_string();
    Ok(ParsedStatement {
        statement: Statement::CreateTrigger(CreateTrigger {
            name,
            temp,
            schema,
            if_not_exists,
            timing,
            event,
            table,
            when,
            steps,
        }),
        text,
        param_count: 0,
        param_names: Vec::new(),
        index_hint: None,
    })
}

/// Walks the significant tokens of the header.
struct Reader<'a> {
    toks: &'a [&'a TokenWithSpan],
    at: usize,
}

/// Whether a token is the unquoted word `w` (any case).
fn is_word(t: &TokenWithSpan, w: &str) -> bool {
    matches!(&t.token, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<&'a TokenWithSpan> {
        self.toks.get(self.at).copied()
    }

    /// Takes the word `w` if it is next.
    fn optional(&mut self, w: &str) -> bool {
        let found = self.peek().is_some_and(|t| is_word(t, w));
        if found {
            self.at += 1;
        }
        found
    }

    /// Takes the word `w`, which must be next.
    fn keyword(&mut self, w: &str) -> Result<(), SqlError> {
        if self.optional(w) {
            Ok(())
        } else {
            Err(expected(w, self.peek()))
        }
    }

    /// Takes `p` if it is next.
    fn punct(&mut self, p: &Token) -> bool {
        let found = self.peek().is_some_and(|t| &t.token == p);
        if found {
            self.at += 1;
        }
        found
    }

    /// A name: a word (quoted or not) or a string, as SQLite's `nm`.
    fn name(&mut self, what: &str) -> Result<String, SqlError> {
        let name = match self.peek().map(|t| &t.token) {
            Some(Token::Word(w)) => w.value.clone(),
            Some(Token::SingleQuotedString(s)) => s.clone(),
            _ => return Err(expected(what, self.peek())),
        };
        self.at += 1;
        Ok(name)
    }

    /// `[main.|temp.]name`.
    fn qualified_name(&mut self, what: &str) -> Result<(Option<SchemaName>, String), SqlError> {
        let first = self.name(what)?;
        if !self.punct(&Token::Period) {
            return Ok((None, first));
        }
        let schema = super::schema_name(&first)?;
        Ok((Some(schema), self.name(what)?))
    }

    /// The position of the `BEGIN` that starts the body: the first one
    /// outside parentheses that is not a column name after a `.`.
    fn body_start(&self) -> Option<usize> {
        let mut depth = 0usize;
        for k in self.at..self.toks.len() {
            match &self.toks[k].token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ if depth == 0
                    && is_word(self.toks[k], "BEGIN")
                    && !matches!(
                        k.checked_sub(1).map(|j| &self.toks[j].token),
                        Some(Token::Period)
                    ) =>
                {
                    return Some(k);
                }
                _ => {}
            }
        }
        None
    }
}

/// The source text from the start of token `first` to the end of `last`.
fn source_between<'s>(
    sql: &'s str,
    first: &TokenWithSpan,
    last: &TokenWithSpan,
) -> Result<&'s str, SqlError> {
    span_text(sql, first.span.start, last.span.end)
}

/// The source text between two locations.
fn span_text(
    sql: &str,
    start: sqlparser::tokenizer::Location,
    end: sqlparser::tokenizer::Location,
) -> Result<&str, SqlError> {
    let (start, end) = (byte_offset(sql, start), byte_offset(sql, end));
    start
        .zip(end)
        .and_then(|(s, e)| sql.get(s..e))
        .ok_or_else(|| SqlError::Syntax("CREATE TRIGGER: cannot locate the text".into()))
}

/// The WHEN expression, from its text.
fn when_expr(text: &str) -> Result<crate::ast::Expr, SqlError> {
    let parsed = parse_one(&format!("SELECT {text}"), true)?;
    if parsed.param_count > 0 {
        return Err(no_variables());
    }
    let Statement::Select(select) = parsed.statement else {
        return Err(expected("an expression after WHEN", None));
    };
    let Select {
        distinct: false,
        items,
        from: None,
        filter: None,
        group_by,
        having: None,
        order_by,
        limit: None,
        offset: None,
        compound,
        with,
        recursive: false,
        joins,
    } = *select
    else {
        return Err(SqlError::Syntax(format!(
            "WHEN {text}: expected one expression before BEGIN"
        )));
    };
    let plain = group_by.is_empty()
        && order_by.is_empty()
        && compound.is_empty()
        && with.is_empty()
        && joins.is_empty();
    match items.into_iter().next() {
        Some(SelectItem::Expr {
            expr, alias: None, ..
        }) if plain => Ok(expr),
        _ => Err(SqlError::Syntax(format!(
            "WHEN {text}: expected one expression before BEGIN"
        ))),
    }
}

/// SQLite's error for a parameter in a trigger.
fn no_variables() -> SqlError {
    SqlError::Schema("trigger cannot use variables".into())
}

/// The steps of the body (the text between BEGIN and END).
fn body_steps(body: &str) -> Result<Vec<TriggerStep>, SqlError> {
    let pieces = split_statements(body);
    if pieces.is_empty() {
        return Err(SqlError::Syntax(
            "near \"END\": a trigger's body needs at least one statement".into(),
        ));
    }
    if !is_complete(body) {
        return Err(SqlError::Syntax(
            "near \"END\": every statement of a trigger's body ends with ';'".into(),
        ));
    }
    pieces.iter().map(|p| step(p.text)).collect()
}

/// One statement of the body.
fn step(text: &str) -> Result<TriggerStep, SqlError> {
    let parsed = parse_one(text, true)?;
    if parsed.param_count > 0 {
        return Err(no_variables());
    }
    let hint_refused = || {
        let clause = match parsed.index_hint {
            Some(crate::ast::IndexHint::NotIndexed) => "NOT INDEXED",
            _ => "INDEXED BY",
        };
        SqlError::Schema(format!(
            "the {clause} clause is not allowed on UPDATE or DELETE statements within triggers"
        ))
    };
    Ok(match parsed.statement {
        Statement::Insert(i) if matches!(i.source, InsertSource::DefaultValues) => {
            return Err(SqlError::Syntax(
                "near \"DEFAULT\": a trigger's INSERT cannot use DEFAULT VALUES".into(),
            ));
        }
        Statement::Insert(i) => TriggerStep::Insert(i),
        Statement::Update(_) | Statement::Delete(_) if parsed.index_hint.is_some() => {
            return Err(hint_refused());
        }
        Statement::Update(u) => TriggerStep::Update(u),
        Statement::Delete(d) => TriggerStep::Delete(d),
        Statement::Select(select) => TriggerStep::Select {
            select,
            index_hint: parsed.index_hint,
        },
        _ => {
            let first = text.split_whitespace().next().unwrap_or_default();
            return Err(SqlError::Syntax(format!(
                "near \"{first}\": a trigger's body holds only INSERT, UPDATE, DELETE and \
                 SELECT statements"
            )));
        }
    })
}
