//! A fast path for the statement scripts are made of:
//! `INSERT INTO name [(column, ...)] VALUES (literal, ...)[, (...)]...`.
//!
//! ## Why it exists
//!
//! A `.dump`, an import script or a generated load is one such statement
//! per line, tens of thousands of them. Through the general front end each
//! one cost about 58,000 instructions for a three-value row (callgrind,
//! `docs/benchmarks.md`): sqlparser's tokenizer builds a vector of tokens
//! (every word, number and space an allocated token with a location),
//! walnut's token passes (`INDEXED BY`, `IS`, type names) copy that vector
//! twice more, sqlparser's general parser tries its way through dialect
//! checks meant for a dozen databases before it reaches each value, and
//! its tree (3.4 KB for the statement node alone) is then translated into
//! walnut's and thrown away. The sqlite3 shell spends about 26,000
//! instructions on the whole line, its storage included. This module reads
//! that one statement shape directly from the text, in one pass, and
//! makes walnut's tree of it: about 3,500 instructions for such a line.
//!
//! ## What it accepts
//!
//! ```text
//! INSERT INTO name [(name, ...)] VALUES (value, ...) [, (value, ...)]... [;]...
//!
//! name   = part[.part]...   (nothing between a part and a dot)
//! part   = word | "quoted" ( "" inside stands for " )
//! word   = [A-Za-z_][A-Za-z0-9_]*, not one of the few keywords in DENIED
//! value  = [+|-]number | 'string' ( '' inside stands for ' ) | X'hex digits'
//!        | NULL | TRUE | FALSE
//! number = digits[.digits][e[+|-]digits] | .digits[e[+|-]digits]
//! ```
//!
//! Keywords are read in any case; spaces, tabs, newlines, `-- comments` and
//! `/* comments */` may stand between any two tokens except around the `.`
//! of a qualified name and between a sign and its number.
//!
//! ## Same meaning, or nothing
//!
//! What [`parse`] reads is a [`FastInsert`]: where each name and literal
//! is in the text. It has two outputs, and the tests hold both to
//! sqlparser's path:
//!
//! * [`FastInsert::to_sqlparser`] builds the very sqlparser
//!   [`Statement`](sp::Statement) sqlparser builds for the text, down to
//!   the location of every token (the translation reads them: a `0x1F` and
//!   an `X'1F'` are the same sqlparser token, told apart by the character
//!   at its location). The tests compare it with sqlparser's tree, `==`
//!   and `Debug` (which shows every location) alike.
//! * [`FastInsert::translate`] builds walnut's [`ast::Statement`] directly,
//!   with the same functions the translation of sqlparser's tree uses for
//!   each literal (`number`, `hex_blob`, `negative_number` in
//!   `parse.rs`), so that the shell does not pay for building a tree of
//!   sqlparser's only to translate it. It takes plain names only; a
//!   qualified one (`main.t`, whose error message quotes sqlparser's
//!   rendering of it) goes through `to_sqlparser` and the translation. The
//!   tests compare what the front end makes of each statement, its
//!   [`ParsedStatement`](super::ParsedStatement) or its error, with and
//!   without the fast path.
//!
//! Anything outside the grammar above makes [`parse`] *decline* (return
//! `None`) and the statement goes through sqlparser as before: an
//! unexpected character or word, a string or comment left open, a second
//! statement after the `;`, an expression where a literal was expected. It
//! never rejects a statement and never gives one a meaning of its own; at
//! worst it declines one it could have read. Declining is also how it
//! stays exact where sqlparser's tokenizer reads further than it looks: a
//! number must be followed by `,` or `)` (so `1_000`, `1L`, `0x10`, `1e`
//! and `1.2.3`, which sqlparser cuts its own ways, are declined), and a
//! word by a character that cannot continue a sqlparser identifier.
//!
//! `DENIED` holds the words that mean something of their own where a name
//! stands here: in sqlparser (`INSERT INTO table ...`, `INSERT INTO local
//! ...`, `INSERT INTO directory ...`, a column list starting with
//! `(select`) or in walnut's token rewrites before sqlparser (`IS`, `IN`,
//! `ISNULL`, see `sqlite_tokens`). Every other word, keyword or not, is a
//! plain name in these places; a test tries every sqlparser keyword in
//! each of them.

use crate::ast::{self, Expr, InsertSource, UnaryOp};
use crate::error::SqlError;
use crate::value::Value;
use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    self as sp, Ident, ObjectName, ObjectNamePart, Parens, Query, SetExpr, TableObject,
    UnaryOperator, ValueWithSpan, Values,
};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Word};
use std::borrow::Cow;

/// Words that cannot be a plain name here (see the module docs).
const DENIED: [&str; 7] = [
    "TABLE",
    "LOCAL",
    "DIRECTORY",
    "SELECT",
    "IS",
    "IN",
    "ISNULL",
];

/// A byte range of the text.
type Range = (usize, usize);

/// One part of a name: where it is, and whether it is `"quoted"`.
#[derive(Debug, Clone, Copy)]
struct Part {
    range: Range,
    quoted: bool,
}

/// A name: its first part, and the parts after dots (none, mostly).
#[derive(Debug)]
struct Name {
    first: Part,
    rest: Vec<Part>,
}

/// What a literal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    /// `'...'`; whether a `''` inside stands for a `'`.
    String {
        escaped: bool,
    },
    /// `X'...'`.
    Hex,
    Null,
    True,
    False,
}

/// One item of the VALUES rows, in text order.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// The `(` opening a row, at this offset.
    Open(usize),
    /// A literal: its token, and a sign (`-` or `+`) just before it.
    Literal {
        kind: Kind,
        range: Range,
        sign: Option<u8>,
    },
    /// The `)` closing a row, at this offset.
    Close(usize),
}

/// An INSERT read by the fast path: where everything is in its text.
#[derive(Debug)]
pub(super) struct FastInsert<'a> {
    sql: &'a str,
    /// The `INSERT` keyword.
    insert: Range,
    table: Name,
    columns: Vec<Name>,
    /// The rows: `Open`, the row's literals, `Close`; row after row.
    items: Vec<Item>,
    /// The statement from its first token to its last (no `;`).
    text: Range,
}

/// Reads `sql` if it is one INSERT of the shape in the module docs;
/// `None` if it is anything else.
pub(super) fn parse(sql: &str) -> Option<FastInsert<'_>> {
    let mut r = Reader { sql, pos: 0 };
    r.space()?;
    let start = r.pos;
    let insert = r.word()?;
    if !r.text(insert)?.eq_ignore_ascii_case("INSERT") {
        return None;
    }
    r.space()?;
    r.keyword("INTO")?;
    r.space()?;
    let table = r.name()?;
    r.space()?;
    let mut columns = Vec::new();
    if r.peek() == Some(b'(') {
        r.pos += 1;
        r.list(|r| {
            columns.push(r.name()?);
            Some(())
        })?;
        r.pos += 1;
        r.space()?;
    }
    r.keyword("VALUES")?;
    // One row of a few values (the usual line) fits without growing.
    let mut items = Vec::with_capacity(8);
    let end = loop {
        r.space()?;
        if r.peek()? != b'(' {
            return None;
        }
        items.push(Item::Open(r.pos));
        r.pos += 1;
        r.list(|r| {
            items.push(r.literal()?);
            Some(())
        })?;
        items.push(Item::Close(r.pos));
        r.pos += 1;
        let end = r.pos;
        r.space()?;
        if r.peek() == Some(b',') {
            r.pos += 1;
        } else {
            break end;
        }
    };
    // Only `;` (any number) and spaces may follow: sqlparser would read
    // anything else as more of this statement or as another one.
    loop {
        r.space()?;
        match r.peek() {
            None => break,
            Some(b';') => r.pos += 1,
            Some(_) => return None,
        }
    }
    Some(FastInsert {
        sql,
        insert,
        table,
        columns,
        items,
        text: (start, end),
    })
}

/// Reads the text left to right.
struct Reader<'a> {
    sql: &'a str,
    /// The next byte to read.
    pos: usize,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Reader<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.sql.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes().get(self.pos + ahead).copied()
    }

    fn text(&self, (start, end): Range) -> Option<&'a str> {
        self.sql.get(start..end)
    }

    /// Skips spaces, tabs, newlines and comments; `None` at a block comment
    /// left open (an error for sqlparser).
    /// Reads `item, item, ...` up to the `)` that ends it (the `(` is
    /// already read), each item with the spaces around it; stops on the
    /// `)`. Anything else between items declines.
    fn list(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        loop {
            self.space()?;
            item(self)?;
            self.space()?;
            match self.peek()? {
                b',' => self.pos += 1,
                b')' => return Some(()),
                _ => return None,
            }
        }
    }

    fn space(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'-') if self.peek_at(1) == Some(b'-') => {
                    let rest = self.sql.get(self.pos + 2..)?;
                    self.pos = match rest.find('\n') {
                        Some(n) => self.pos + 2 + n,
                        None => self.sql.len(),
                    };
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    let rest = self.sql.get(self.pos + 2..)?;
                    self.pos += 2 + rest.find("*/")? + 2;
                }
                _ => return Some(()),
            }
        }
    }

    /// An unquoted word. `None` if there is none, or if a character
    /// follows that sqlparser would take as more of it (it reads
    /// U+007F..=U+FFFF as letters; the grammar has no place for such a
    /// character after a word anyway, so this only keeps the word's own
    /// reading exact).
    fn word(&mut self) -> Option<Range> {
        let bytes = self.bytes();
        let start = self.pos;
        if !is_word_start(*bytes.get(start)?) {
            return None;
        }
        let mut end = start + 1;
        while bytes.get(end).is_some_and(|&b| is_word_part(b)) {
            end += 1;
        }
        if bytes.get(end).is_some_and(|&b| b >= 0x7f) {
            return None;
        }
        self.pos = end;
        Some((start, end))
    }

    /// The keyword `keyword` (written in any case), or `None`.
    fn keyword(&mut self, keyword: &str) -> Option<()> {
        let word = self.word()?;
        self.text(word)?.eq_ignore_ascii_case(keyword).then_some(())
    }

    /// A part of a name: a word that is not DENIED, or a "quoted" one.
    fn part(&mut self) -> Option<Part> {
        let start = self.pos;
        if self.peek()? == b'"' {
            let mut from = start + 1;
            let end = loop {
                let quote = from + self.sql.get(from..)?.find('"')?;
                if self.bytes().get(quote + 1) == Some(&b'"') {
                    from = quote + 2;
                } else {
                    break quote + 1;
                }
            };
            self.pos = end;
            return Some(Part {
                range: (start, end),
                quoted: true,
            });
        }
        let word = self.word()?;
        let text = self.text(word)?;
        if DENIED.iter().any(|d| text.eq_ignore_ascii_case(d)) {
            return None;
        }
        Some(Part {
            range: word,
            quoted: false,
        })
    }

    /// `part[.part]...`, with nothing between a part and a dot: sqlparser
    /// reads `t ._x` as an error and `t.5` as a name and a number.
    fn name(&mut self) -> Option<Name> {
        let first = self.part()?;
        let mut rest = Vec::new();
        while self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek().is_some_and(|b| is_word_start(b) || b == b'"') {
                return None;
            }
            rest.push(self.part()?);
        }
        Some(Name { first, rest })
    }

    /// A literal, with a sign just before a number.
    fn literal(&mut self) -> Option<Item> {
        let start = self.pos;
        let bytes = self.bytes();
        let (kind, end) = match *bytes.get(start)? {
            b'\'' => {
                let mut escaped = false;
                let mut from = start + 1;
                let end = loop {
                    let quote = from + self.sql.get(from..)?.find('\'')?;
                    if bytes.get(quote + 1) == Some(&b'\'') {
                        escaped = true;
                        from = quote + 2;
                    } else {
                        break quote + 1;
                    }
                };
                (Kind::String { escaped }, end)
            }
            b'x' | b'X' if bytes.get(start + 1) == Some(&b'\'') => {
                let from = start + 2;
                let quote = from + self.sql.get(from..)?.find('\'')?;
                if !bytes.get(from..quote)?.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                (Kind::Hex, quote + 1)
            }
            b'0'..=b'9' | b'.' => (Kind::Number, self.number()?),
            sign @ (b'-' | b'+') => {
                self.pos += 1;
                let end = self.number()?;
                self.pos = end;
                return Some(Item::Literal {
                    kind: Kind::Number,
                    range: (start + 1, end),
                    sign: Some(sign),
                });
            }
            _ => {
                let word = self.word()?;
                let text = self.text(word)?;
                let kind = if text.eq_ignore_ascii_case("NULL") {
                    Kind::Null
                } else if text.eq_ignore_ascii_case("TRUE") {
                    Kind::True
                } else if text.eq_ignore_ascii_case("FALSE") {
                    Kind::False
                } else {
                    return None;
                };
                (kind, word.1)
            }
        };
        self.pos = end;
        Some(Item::Literal {
            kind,
            range: (start, end),
            sign: None,
        })
    }

    /// Where an unsigned number starting here ends: `digits[.digits]` or
    /// `.digits`, then an optional exponent, exactly as sqlparser's
    /// tokenizer cuts it when a `,` or `)` follows (whatever else might
    /// follow is declined by the caller).
    fn number(&self) -> Option<usize> {
        let bytes = self.bytes();
        let start = self.pos;
        let digits = |mut at: usize| {
            while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            at
        };
        let mut end = digits(start);
        if bytes.get(end) == Some(&b'.') {
            end = digits(end + 1);
        }
        // At least one digit: a lone `.` is sqlparser's Period.
        if !bytes.get(start..end)?.iter().any(u8::is_ascii_digit) {
            return None;
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut at = end + 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            if bytes.get(at).is_some_and(u8::is_ascii_digit) {
                end = digits(at);
            }
        }
        Some(end)
    }
}

/// The text inside the quotes of a `'string'` or `"name"`; when
/// `escaped`, a doubled quote in it stands for one.
fn unquote<'t>(inside: &'t str, quote: &str, escaped: bool) -> Cow<'t, str> {
    if escaped {
        Cow::Owned(inside.replace(&quote.repeat(2), quote))
    } else {
        Cow::Borrowed(inside)
    }
}

// Every range below was read from `sql` by the Reader, so slicing it
// cannot fail; if it ever did, the fast path declines (`None`) rather than
// read the statement some other way.
impl FastInsert<'_> {
    /// The statement from its first token to its last (no `;`).
    pub fn text(&self) -> Option<&str> {
        self.slice(self.text)
    }

    fn slice(&self, (start, end): Range) -> Option<&str> {
        self.sql.get(start..end)
    }

    /// What is inside a token's quotes: `skip` bytes before (the quote,
    /// or `X'`), one after.
    fn inside(&self, (start, end): Range, skip: usize) -> Option<&str> {
        self.slice((start + skip, end.checked_sub(1)?))
    }

    /// The value of a name's part (without quotes, `""` as `"`).
    fn part_value(&self, part: Part) -> Option<Cow<'_, str>> {
        if !part.quoted {
            return self.slice(part.range).map(Cow::Borrowed);
        }
        let inside = self.inside(part.range, 1)?;
        Some(unquote(inside, "\"", inside.contains('"')))
    }

    /// walnut's statement, as the translation of sqlparser's tree for the
    /// text gives it (the same functions read each literal); `None` when a
    /// name is qualified, which the translation refuses in words of
    /// sqlparser's (see the module docs).
    pub fn translate(&self) -> Option<Result<ast::Statement, SqlError>> {
        if !self.table.rest.is_empty() || self.columns.iter().any(|c| !c.rest.is_empty()) {
            return None;
        }
        let table = self.part_value(self.table.first)?.into_owned();
        let columns = if self.columns.is_empty() {
            None
        } else {
            let names = self.columns.iter().map(|c| self.part_value(c.first));
            Some(
                names
                    .map(|n| n.map(Cow::into_owned))
                    .collect::<Option<_>>()?,
            )
        };
        let mut rows = Vec::new();
        let mut row = Vec::new();
        for item in &self.items {
            match *item {
                Item::Open(_) => {}
                Item::Literal { kind, range, sign } => match self.expr(kind, range, sign)? {
                    Ok(e) => row.push(e),
                    Err(e) => return Some(Err(e)),
                },
                Item::Close(_) => rows.push(std::mem::take(&mut row)),
            }
        }
        Some(Ok(ast::Statement::Insert(ast::Insert {
            table,
            columns,
            source: InsertSource::Values(rows),
            conflict: None,
        })))
    }

    /// A literal as walnut's expression, as `ExprTranslator::expr` makes
    /// it of sqlparser's: a negative number folded into the literal, a
    /// positive one under unary plus.
    fn expr(&self, kind: Kind, range: Range, sign: Option<u8>) -> Option<Result<Expr, SqlError>> {
        let literal = |v: Result<Value, SqlError>| v.map(Expr::Literal);
        Some(match (kind, sign) {
            (Kind::Number, Some(b'-')) => {
                let text = self.slice(range)?;
                match super::negative_number(text) {
                    Ok(Some(v)) => Ok(Expr::Literal(v)),
                    Ok(None) => literal(super::number(text)).map(|e| Expr::Unary {
                        op: UnaryOp::Neg,
                        expr: Box::new(e),
                    }),
                    Err(e) => Err(e),
                }
            }
            (Kind::Number, Some(_)) => {
                literal(super::number(self.slice(range)?)).map(|e| Expr::Unary {
                    op: UnaryOp::Plus,
                    expr: Box::new(e),
                })
            }
            (Kind::Number, None) => literal(super::number(self.slice(range)?)),
            (Kind::String { escaped }, _) => Ok(Expr::Literal(Value::Text(
                unquote(self.inside(range, 1)?, "'", escaped).into_owned(),
            ))),
            (Kind::Hex, _) => literal(super::hex_blob(self.inside(range, 2)?).map(Value::Blob)),
            (Kind::Null, _) => Ok(Expr::Literal(Value::Null)),
            (Kind::True, _) => Ok(Expr::Literal(Value::Integer(1))),
            (Kind::False, _) => Ok(Expr::Literal(Value::Integer(0))),
        })
    }

    /// sqlparser's tree for the text, exactly as sqlparser builds it.
    pub fn to_sqlparser(&self) -> Option<sp::Statement> {
        let mut at = Locations::new(self.sql);
        let insert_token = TokenWithSpan {
            token: Token::Word(Word {
                value: self.slice(self.insert)?.to_string(),
                quote_style: None,
                keyword: Keyword::INSERT,
            }),
            span: at.span(self.insert)?,
        };
        let table = self.object_name(&self.table, &mut at)?;
        let columns = self
            .columns
            .iter()
            .map(|c| self.object_name(c, &mut at))
            .collect::<Option<Vec<_>>>()?;
        let mut rows = Vec::new();
        let mut open = None;
        let mut content = Vec::new();
        for item in &self.items {
            match *item {
                Item::Open(p) => open = Some(at.token(Token::LParen, p)?),
                Item::Literal { kind, range, sign } => {
                    let value = match kind {
                        Kind::Number => sp::Value::Number(self.slice(range)?.to_string(), false),
                        Kind::String { escaped } => sp::Value::SingleQuotedString(
                            unquote(self.inside(range, 1)?, "'", escaped).into_owned(),
                        ),
                        Kind::Hex => {
                            sp::Value::HexStringLiteral(self.inside(range, 2)?.to_string())
                        }
                        Kind::Null => sp::Value::Null,
                        Kind::True => sp::Value::Boolean(true),
                        Kind::False => sp::Value::Boolean(false),
                    };
                    let value = sp::Expr::Value(ValueWithSpan {
                        value,
                        span: at.span(range)?,
                    });
                    content.push(match sign {
                        None => value,
                        Some(sign) => sp::Expr::UnaryOp {
                            op: if sign == b'-' {
                                UnaryOperator::Minus
                            } else {
                                UnaryOperator::Plus
                            },
                            expr: Box::new(value),
                        },
                    });
                }
                Item::Close(p) => rows.push(Parens {
                    opening_token: AttachedToken(open.take()?),
                    content: std::mem::take(&mut content),
                    closing_token: AttachedToken(at.token(Token::RParen, p)?),
                }),
            }
        }
        let source = Query {
            with: None,
            body: Box::new(SetExpr::Values(Values {
                explicit_row: false,
                value_keyword: false,
                rows,
            })),
            order_by: None,
            limit_clause: None,
            fetch: None,
            locks: Vec::new(),
            for_clause: None,
            settings: None,
            format_clause: None,
            pipe_operators: Vec::new(),
        };
        Some(sp::Statement::Insert(sp::Insert {
            insert_token: AttachedToken(insert_token),
            optimizer_hints: Vec::new(),
            or: None,
            ignore: false,
            into: true,
            table: TableObject::TableName(table),
            table_alias: None,
            columns,
            overwrite: false,
            source: Some(Box::new(source)),
            assignments: Vec::new(),
            partitioned: None,
            after_columns: Vec::new(),
            has_table_keyword: false,
            on: None,
            returning: None,
            output: None,
            replace_into: false,
            priority: None,
            insert_alias: None,
            settings: None,
            format_clause: None,
            multi_table_insert_type: None,
            multi_table_into_clauses: Vec::new(),
            multi_table_when_clauses: Vec::new(),
            multi_table_else_clause: None,
        }))
    }

    fn object_name(&self, name: &Name, at: &mut Locations<'_>) -> Option<ObjectName> {
        std::iter::once(&name.first)
            .chain(&name.rest)
            .map(|&part| {
                Some(ObjectNamePart::Identifier(Ident {
                    value: self.part_value(part)?.into_owned(),
                    quote_style: part.quoted.then_some('"'),
                    span: at.span(part.range)?,
                }))
            })
            .collect::<Option<Vec<_>>>()
            .map(ObjectName)
    }
}

/// Locations of byte offsets, as sqlparser's tokenizer counts them
/// (1-based line, and column in characters; only `\n` starts a line),
/// asked for in text order.
struct Locations<'a> {
    bytes: &'a [u8],
    /// Counted up to this byte offset...
    counted: usize,
    /// ... which is at this location.
    at: Location,
    /// The text is one line of ASCII (the usual case): a byte's location
    /// is then its offset plus one.
    one_ascii_line: bool,
}

impl<'a> Locations<'a> {
    fn new(sql: &'a str) -> Self {
        Locations {
            bytes: sql.as_bytes(),
            counted: 0,
            at: Location { line: 1, column: 1 },
            one_ascii_line: sql.is_ascii() && !sql.contains('\n'),
        }
    }

    /// The location of byte offset `to` (not before the last one asked
    /// for).
    fn location(&mut self, to: usize) -> Option<Location> {
        if self.one_ascii_line {
            return Some(Location {
                line: 1,
                column: to as u64 + 1,
            });
        }
        let seg = self.bytes.get(self.counted..to)?;
        self.counted = to;
        // A character is a byte that does not continue one (UTF-8).
        let chars = |s: &[u8]| s.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64;
        match seg.iter().rposition(|&b| b == b'\n') {
            None => self.at.column += chars(seg),
            Some(last) => {
                self.at.line += seg.iter().filter(|&&b| b == b'\n').count() as u64;
                self.at.column = 1 + chars(seg.get(last + 1..)?);
            }
        }
        Some(self.at)
    }

    fn span(&mut self, (start, end): Range) -> Option<Span> {
        let start = self.location(start)?;
        let end = self.location(end)?;
        Some(Span::new(start, end))
    }

    /// A one-character token at `at`.
    fn token(&mut self, token: Token, at: usize) -> Option<TokenWithSpan> {
        Some(TokenWithSpan {
            token,
            span: self.span((at, at + 1))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExprTranslator, Translator, parse_one, parse_slow, parse_tokens, tokenize};
    use super::*;
    use crate::error::SqlError;
    use proptest::prelude::*;

    /// sqlparser's statements for `sql`, through walnut's token passes,
    /// as `parse_statement` would get them without the fast path.
    fn sqlparser(sql: &str) -> Result<Vec<sp::Statement>, SqlError> {
        parse_tokens(&tokenize(sql)?)
    }

    /// What the fast path reads of `sql`, as sqlparser's tree, if it
    /// reads it; after checking it against sqlparser's path:
    ///
    /// * the same tree (`==`, and `Debug`, which shows every location and
    ///   attached token);
    /// * `translate` gives what the translation of that tree gives
    ///   (statement or error), when it translates;
    /// * the whole front end gives the same [`ParsedStatement`] (text
    ///   included) or the same error, with and without the fast path.
    fn check(sql: &str) -> Option<sp::Statement> {
        let fast = parse(sql)?;
        let tree = fast.to_sqlparser().expect("the tree of what was read");
        let slow = match sqlparser(sql) {
            Ok(statements) => statements,
            Err(e) => panic!("fast path read {sql:?}, sqlparser refuses it: {e}"),
        };
        let [slow] = slow.as_slice() else {
            panic!("fast path read {sql:?} as one statement, sqlparser as {slow:?}")
        };
        assert_eq!(&tree, slow, "{sql:?}");
        assert_eq!(format!("{tree:?}"), format!("{slow:?}"), "{sql:?}");
        let message = |e: SqlError| e.to_string();
        if let Some(direct) = fast.translate() {
            let mut t = Translator {
                exprs: ExprTranslator::new(sql),
                source: sql,
                tokens: &[],
            };
            assert_eq!(
                direct.map_err(message),
                t.statement(slow).map_err(message),
                "{sql:?}"
            );
        }
        assert_eq!(
            parse_one(sql, false).map_err(message),
            parse_slow(sql, false).map_err(message),
            "{sql:?}"
        );
        Some(tree)
    }

    fn reads(sql: &str) {
        assert!(check(sql).is_some(), "fast path declined {sql:?}");
    }

    fn declines(sql: &str) {
        assert!(parse(sql).is_none(), "fast path read {sql:?}");
    }

    #[test]
    fn reads_the_shapes_scripts_are_made_of() {
        reads("INSERT INTO t VALUES(1, 1885132392, 'vwepphnq')");
        reads("INSERT INTO t VALUES(1,0.10000000000000000555,'it''s');");
        reads("INSERT INTO \"odd name\" VALUES(NULL);");
        reads("INSERT INTO t VALUES(2,X'00ff',x'');");
        reads("insert into T (a, \"b\"\"c\", d) values (-1, +2.5, -.5e-3), (true, FALSE, Null);;");
        reads("INSERT INTO main.t VALUES(1e10, 1E+5, 007, 5., 9223372036854775808)");
        reads("INSERT INTO t VALUES(-9223372036854775808, 1e999, -1e999)");
        reads(
            "  /* lead */ INSERT -- a comment\n INTO\tt\r\n VALUES ( 1 /* one */ , 'a\nb' ) ; -- end",
        );
        reads("INSERT INTO t VALUES('ünïcødé ✓ 😀', 'a''''b', '')");
        reads("INSERT INTO t VALUES(1);\n-- trailing comment without newline");
        reads("INSERT INTO \"t\".\"x\"(\"c\") VALUES(1)");
        reads("INSERT INTO t(a.b) VALUES(1)");
    }

    #[test]
    fn declines_what_sqlparser_reads_its_own_way() {
        // Numbers sqlparser's tokenizer cuts differently.
        declines("INSERT INTO t VALUES(0x10)");
        declines("INSERT INTO t VALUES(1_000)");
        declines("INSERT INTO t VALUES(1L)");
        declines("INSERT INTO t VALUES(1e)");
        declines("INSERT INTO t VALUES(1.2.3)");
        declines("INSERT INTO t VALUES(.)");
        // Expressions, other literals, other statements.
        declines("INSERT INTO t VALUES(1 + 2)");
        declines("INSERT INTO t VALUES(- 1)");
        declines("INSERT INTO t VALUES(--1\n)");
        declines("INSERT INTO t VALUES(N'x')");
        declines("INSERT INTO t VALUES(X'0g')");
        declines("INSERT INTO t VALUES('a' 'b')");
        declines("INSERT INTO t VALUES(CURRENT_TIME)");
        declines("INSERT INTO t VALUES(?)");
        declines("INSERT INTO t VALUES(\"x\")");
        declines("INSERT INTO t SELECT 1");
        declines("INSERT INTO t DEFAULT VALUES");
        declines("INSERT OR REPLACE INTO t VALUES(1)");
        declines("REPLACE INTO t VALUES(1)");
        declines("INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)");
        declines("INSERT INTO t VALUES(1) RETURNING *");
        declines("INSERT INTO t VALUES(1) ON CONFLICT DO NOTHING");
        // Names with a meaning of their own, or cut differently.
        declines("INSERT INTO table VALUES(1)");
        declines("INSERT INTO t(select) VALUES(1)");
        declines("INSERT INTO isnull VALUES(1)");
        declines("INSERT INTO t ._x VALUES(1)");
        declines("INSERT INTO t.5 VALUES(1)");
        declines("INSERT INTO [t] VALUES(1)");
        declines("INSERT INTO `t` VALUES(1)");
        declines("INSERT INTO 't' VALUES(1)");
        declines("INSERT INTO tä VALUES(1)");
        // Unfinished.
        declines("INSERT INTO t VALUES(1");
        declines("INSERT INTO t VALUES(1,)");
        declines("INSERT INTO t VALUES()");
        declines("INSERT INTO t() VALUES(1)");
        declines("INSERT INTO t VALUES('open");
        declines("INSERT INTO t VALUES(1) /* open");
        declines("INSERT INTO \"t VALUES(1)");
    }

    /// The translation runs on the fast path's tree as on sqlparser's:
    /// walnut's statement and errors are the same.
    #[test]
    fn the_front_end_answers_the_same() {
        for sql in [
            "INSERT INTO t VALUES(X'abc')",
            "INSERT INTO t VALUES(1e999999)",
            "INSERT INTO a.b.c VALUES(1)",
            "INSERT INTO t(x.y.z) VALUES(1)",
            "INSERT INTO t VALUES(-0.0, 99999999999999999999, -9223372036854775809)",
        ] {
            reads(sql);
        }
    }

    /// Every sqlparser keyword, and the words walnut's own passes before
    /// sqlparser look for, in every place a name stands: read as sqlparser
    /// reads it, or declined (then DENIED says why).
    #[test]
    fn every_keyword_as_a_name() {
        let walnut = ["ISNULL", "INDEXED", "REINDEX", "PRAGMA", "TRIGGER"];
        for keyword in sqlparser::keywords::ALL_KEYWORDS.iter().chain(&walnut) {
            for k in [keyword.to_string(), keyword.to_ascii_lowercase()] {
                for sql in [
                    format!("INSERT INTO {k} VALUES(1)"),
                    format!("INSERT INTO {k}(a) VALUES(1)"),
                    format!("INSERT INTO {k} (a) VALUES(1)"),
                    format!("INSERT INTO {k}.{k} VALUES(1)"),
                    format!("INSERT INTO t.{k} VALUES(1)"),
                    format!("INSERT INTO t({k}) VALUES(1)"),
                    format!("INSERT INTO t({k}, a) VALUES(1, 2)"),
                    format!("INSERT INTO t(a, {k}) VALUES(1, 2)"),
                    format!("INSERT INTO t({k}.{k}) VALUES(1)"),
                ] {
                    let denied = DENIED.iter().any(|d| d.eq_ignore_ascii_case(&k));
                    if denied {
                        assert!(parse(&sql).is_none(), "{sql}");
                    } else {
                        check(&sql);
                    }
                }
            }
        }
    }

    // -- generated statements ----------------------------------------------

    /// Space between tokens: mostly none or one, sometimes odd (tabs,
    /// CRs, comments), rarely a character sqlparser does not take as space.
    fn space() -> impl Strategy<Value = String> {
        prop_oneof![
            40 => Just(String::new()),
            40 => Just(" ".to_string()),
            4 => Just("\t\r\n ".to_string()),
            2 => Just("\r".to_string()),
            4 => Just("/* c */".to_string()),
            2 => Just("/**/".to_string()),
            2 => Just("/*/ */".to_string()),
            4 => Just("-- c\n".to_string()),
            2 => Just("--\n".to_string()),
            1 => Just("\u{a0}".to_string()),
            1 => Just("\u{c}".to_string()),
        ]
    }

    /// Space where some is needed (between two words): as [`space`], but
    /// never none.
    fn sep() -> impl Strategy<Value = String> {
        prop_oneof![20 => Just(" ".to_string()), 3 => space()]
    }

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            16 => Just("t".to_string()),
            8 => "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
            4 => prop::sample::select(sqlparser::keywords::ALL_KEYWORDS).prop_map(str::to_string),
            1 => Just("x".to_string()),
            1 => Just("N".to_string()),
            1 => Just("é".to_string()),
            1 => Just("a\u{7f}".to_string()),
        ]
    }

    fn name() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            30 => word(),
            6 => "\"([a-z é]|\"\"){0,4}\"",
            1 => "\\[[a-z]{1,3}\\]",
            1 => "`[a-z]{1,3}`",
            1 => Just("'t'".to_string()),
            1 => Just("\"\"\"\"".to_string()),
        ];
        let dot = prop_oneof![16 => Just("."), 1 => Just(" ."), 1 => Just(". ")];
        (part.clone(), prop::option::weighted(0.2, (dot, part))).prop_map(|(a, rest)| match rest {
            None => a,
            Some((dot, b)) => format!("{a}{dot}{b}"),
        })
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            24 => "[0-9]{1,10}",
            4 => "[0-9]{18,22}",
            4 => "[0-9]{0,2}\\.[0-9]{0,2}",
            4 => "[0-9]{1,2}[eE][+-]?[0-9]{0,3}",
            4 => "[0-9]{0,2}\\.[0-9]{1,2}[eE][+-]?[0-9]{1,3}",
            1 => prop_oneof![
                Just("0x10"), Just("0X1f"), Just("1_000"), Just("1e_5"), Just("1L"),
                Just("._"), Just("1.2.3"), Just("00x1"),
            ]
            .prop_map(str::to_string),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            16 => number(),
            6 => (prop_oneof![4 => Just("-"), 4 => Just("+"), 1 => Just("- "), 1 => Just("+-")], number())
                .prop_map(|(s, n)| format!("{s}{n}")),
            12 => "'([a-z ;\"]|''|é|\n|😀){0,8}'",
            4 => "[xX]'[0-9a-fA-F]{0,6}'",
            1 => "[xX]'[0-9a-fA-F]{0,3}g'",
            4 => prop_oneof![Just("NULL"), Just("null"), Just("TRUE"), Just("false")]
                .prop_map(str::to_string),
            1 => prop_oneof![
                Just("NULLx"), Just("N'a'"), Just("?"), Just("1 + 2"), Just("'a' 'b'"),
                Just("\"s\""), Just("(1)"), Just("CURRENT_DATE"), Just("-'a'"), Just("--1\n"),
            ]
            .prop_map(str::to_string),
        ]
    }

    /// `item`s with space around each, joined by commas: one to four, or
    /// now and then none.
    fn list(item: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        let items = prop_oneof![
            20 => prop::collection::vec((space(), item, space()), 1..4),
            1 => Just(Vec::new()),
        ];
        items.prop_map(|items| {
            items
                .iter()
                .map(|(a, v, b)| format!("{a}{v}{b}"))
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    /// A keyword as the statement has it: in some case, rarely quoted.
    fn keyword(k: &'static str) -> impl Strategy<Value = String> {
        prop_oneof![
            24 => Just(k.to_string()),
            8 => Just(k.to_ascii_lowercase()),
            4 => Just(format!("{}{}", &k[..1].to_ascii_lowercase(), &k[1..])),
            1 => Just(format!("\"{k}\"")),
        ]
    }

    /// An INSERT: mostly of the fast path's shape, with odd spacing, names
    /// and literals; then, 40% of the time, one edit somewhere (a character
    /// inserted, removed or doubled, or a piece that makes it another
    /// statement or none).
    fn statement() -> impl Strategy<Value = String> {
        let rows = prop_oneof![
            20 => prop::collection::vec((space(), list(value()), space()), 1..3),
            1 => Just(Vec::new()),
        ];
        let tail = prop_oneof![
            24 => Just(""),
            12 => Just(";"),
            1 => Just(";;"),
            1 => Just("; -- end"),
            1 => Just(" ORDER BY 1"),
            1 => Just("; SELECT 1"),
            1 => Just(" END"),
            1 => Just(" RETURNING *"),
        ];
        let shape = (
            space(),
            keyword("INSERT"),
            sep(),
            keyword("INTO"),
            sep(),
            name(),
            prop::option::weighted(0.3, (space(), list(name()))),
            sep(),
            keyword("VALUES"),
            rows,
            tail,
            space(),
        )
            .prop_map(
                |(s0, insert, s1, into, s2, table, columns, s3, values, rows, tail, s4)| {
                    let columns = columns
                        .map(|(s, c)| format!("{s}({c})"))
                        .unwrap_or_default();
                    let rows: Vec<String> = rows
                        .iter()
                        .map(|(a, r, b)| format!("{a}({r}){b}"))
                        .collect();
                    format!(
                        "{s0}{insert}{s1}{into}{s2}{table}{columns}{s3}{values}{}{tail}{s4}",
                        rows.join(",")
                    )
                },
            );
        let piece = prop::sample::select(vec![
            ",",
            ")",
            "(",
            "'",
            "\"",
            "-",
            "--",
            "/*",
            "*/",
            ";",
            " SELECT 1",
            "_",
            ".",
            "é",
            "\u{a0}",
            "x",
            "e",
            "0x",
            "L",
            "ROW",
            " END",
            "1",
            " ",
            "\n",
            "?",
            "+",
            "[",
            "`",
        ]);
        let edit = prop_oneof![
            (any::<prop::sample::Index>(), piece).prop_map(|(at, p)| (at, Some(p), false)),
            any::<prop::sample::Index>().prop_map(|at| (at, None, false)),
            any::<prop::sample::Index>().prop_map(|at| (at, None, true)),
        ];
        (shape, prop::option::weighted(0.4, edit)).prop_map(|(sql, edit)| {
            let Some((at, piece, double)) = edit else {
                return sql;
            };
            let bounds: Vec<usize> = sql.char_indices().map(|(i, _)| i).collect();
            if bounds.is_empty() {
                return sql;
            }
            let i = bounds[at.index(bounds.len())];
            let c = sql[i..].chars().next().map_or(0, char::len_utf8);
            match (piece, double) {
                (Some(p), _) => format!("{}{p}{}", &sql[..i], &sql[i..]),
                (None, false) => format!("{}{}", &sql[..i], &sql[i + c..]),
                (None, true) => format!("{}{}", &sql[..i + c], &sql[i..]),
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// The fast path reads a statement exactly as sqlparser does, or
        /// declines it.
        #[test]
        fn same_tree_as_sqlparser_or_declined(sql in statement()) {
            check(&sql);
        }
    }

    /// The generator is worth its cases: it makes statements the fast path
    /// reads, and statements it declines, in good numbers.
    #[test]
    fn the_generator_makes_both_kinds() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let strategy = statement();
        let (mut read, mut declined) = (0, 0);
        for _ in 0..2000 {
            let sql = strategy
                .new_tree(&mut runner)
                .expect("a statement")
                .current();
            if check(&sql).is_some() {
                read += 1;
            } else {
                declined += 1;
            }
        }
        assert!(read > 300, "read {read}, declined {declined}");
        assert!(declined > 300, "read {read}, declined {declined}");
    }
}
