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
//! The entry points:
//!
//! * [`split_statements`] cuts a script into statements on the `;` that
//!   are not inside strings, quoted names or comments, and
//!   [`is_complete`] tells a shell whether the lines typed so far end a
//!   statement;
//! * [`parse_statement`] parses one statement into a [`ParsedStatement`]:
//!   walnut's [`Statement`] plus what is known about its parameters.
//!
//! Parameters: `?` is numbered in order of appearance (continuing after the
//! highest index handed out so far, as SQLite does), `?N` is parameter N,
//! and `:name`, `@name`, `$name` are named: a name gets the next index at
//! its first appearance and keeps it when it appears again.
//!
//! Where sqlparser's SQLite dialect falls short of SQLite:
//!
//! * `a IS b` / `a IS NOT b` with any `b` (sqlparser knows only
//!   `IS [NOT] NULL|TRUE|FALSE|DISTINCT FROM`) and the postfix `a ISNULL`
//!   are rewritten, token by token, into forms it reads;
//! * `SUBSTR`, `SUBSTRING` and `TRIM` come back from sqlparser as nodes of
//!   their own, and are translated into plain function calls;
//! * `PRAGMA` is parsed here, because sqlparser accepts neither a negative
//!   number (`PRAGMA cache_size = -2000`) nor a bare word
//!   (`PRAGMA journal_mode = wal`) as its value;
//! * `CREATE TRIGGER` is parsed here too (its header in `parse/trigger.rs`, each
//!   statement of its body by the statement parser), because sqlparser's
//!   follows other dialects;
//! * `RAISE(ABORT, 'msg')` comes back from sqlparser as a call of a
//!   function `RAISE` whose first argument is a name, and is translated
//!   into [`Expr::Raise`], with SQLite 3.40's grammar: IGNORE alone, or
//!   ROLLBACK, ABORT or FAIL with a string or a name as the message
//!   (later SQLite versions take any expression there; walnut refuses one
//!   with a syntax error); anywhere but in a trigger it is SQLite's error;
//! * the text of a result column (SQLite names an unaliased column by the
//!   expression as written) is cut from the statement's tokens, because
//!   sqlparser's spans do not always cover a whole expression (the span of
//!   `-x` is that of `x`, the span of `a IS NULL` that of `a`).

use crate::ast::{
    self, BinaryOp, Conflict, Expr, IndexedColumn, InsertSource, OrderTerm, Param, PragmaValue,
    SelectItem, Statement, TableRef, UnaryOp,
};
use crate::dialect::WalnutDialect;
use crate::error::SqlError;
use crate::value::Value;
use sqlparser::ast as sp;
use sqlparser::ast::Spanned;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

mod fast_insert;
mod trigger;

/// Parses SQL text into sqlparser statements (after rewriting the few
/// SQLite spellings sqlparser does not read, see the module docs).
pub fn parse_sql(sql: &str) -> Result<Vec<sp::Statement>, SqlError> {
    parse_tokens(&tokenize(sql)?)
}

/// The tokens of `sql`, with their locations.
fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>, SqlError> {
    Tokenizer::new(&WalnutDialect::default(), sql)
        .tokenize_with_location()
        .map_err(|e| SqlError::Syntax(sqlparser::parser::ParserError::from(e).to_string()))
}

fn parse_tokens(tokens: &[TokenWithSpan]) -> Result<Vec<sp::Statement>, SqlError> {
    Parser::new(&WalnutDialect::default())
        .with_tokens_with_locations(sqlite_tokens(&merge_type_names(tokens)))
        .parse_statements()
        .map_err(|e| SqlError::Syntax(e.to_string()))
}

/// Joins a column's multi-word type name (`UNSIGNED BIG INT`,
/// `FLOATING POINT`, `NATIVE CHARACTER(70)`), which SQLite takes as any run
/// of words and sqlparser mostly refuses, into one word token, so that
/// sqlparser reads it as a custom type with that name. Column definitions
/// are found after `CREATE TABLE ... (` and each `,` at its top level, and
/// after `ALTER TABLE ... ADD [COLUMN]`; a type name is the run of plain
/// words after the column's name, up to the first constraint keyword.
fn merge_type_names(tokens: &[TokenWithSpan]) -> Vec<TokenWithSpan> {
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
        .collect();
    let word = |n: usize| match sig.get(n).map(|&k| &tokens[k].token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    };
    // Positions (in `sig`) where a column definition starts.
    let mut starts = Vec::new();
    match (word(0).as_deref(), word(1).as_deref()) {
        (Some("CREATE"), _) => {
            if let Some(open) = (0..sig.len()).find(|&n| tokens[sig[n]].token == Token::LParen) {
                let mut depth = 0usize;
                for n in open..sig.len() {
                    match tokens[sig[n]].token {
                        Token::LParen => {
                            depth += 1;
                            if depth == 1 {
                                starts.push(n + 1);
                            }
                        }
                        Token::RParen => depth = depth.saturating_sub(1),
                        Token::Comma if depth == 1 => starts.push(n + 1),
                        _ => {}
                    }
                }
            }
            if !(1..4).any(|n| word(n).as_deref() == Some("TABLE")) {
                starts.clear();
            }
        }
        (Some("ALTER"), Some("TABLE")) => {
            if let Some(add) = (3..sig.len()).find(|&n| word(n).as_deref() == Some("ADD")) {
                let column = if word(add + 1).as_deref() == Some("COLUMN") {
                    add + 2
                } else {
                    add + 1
                };
                starts.push(column);
            }
        }
        _ => {}
    }
    const CONSTRAINTS: [&str; 12] = [
        "CONSTRAINT",
        "PRIMARY",
        "NOT",
        "NULL",
        "UNIQUE",
        "CHECK",
        "DEFAULT",
        "COLLATE",
        "REFERENCES",
        "GENERATED",
        "AS",
        "FOREIGN",
    ];
    let mut merged: Vec<(usize, usize)> = Vec::new(); // (first sig, last sig) of each type name
    for start in starts {
        if word(start).is_some_and(|w| CONSTRAINTS.contains(&w.as_str())) {
            continue; // a table constraint
        }
        let first = start + 1;
        let mut last = first;
        while word(last).is_some_and(|w| !CONSTRAINTS.contains(&w.as_str())) {
            last += 1;
        }
        if last >= first + 2 {
            merged.push((first, last - 1));
        }
    }
    if merged.is_empty() {
        return tokens.to_vec();
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut k = 0;
    while k < tokens.len() {
        match merged.iter().find(|(first, _)| sig[*first] == k) {
            Some(&(first, last)) => {
                let name: Vec<&str> = (first..=last)
                    .filter_map(|n| match &tokens[sig[n]].token {
                        Token::Word(w) => Some(w.value.as_str()),
                        _ => None,
                    })
                    .collect();
                let span = tokens[sig[first]].span.union(&tokens[sig[last]].span);
                out.push(TokenWithSpan::new(
                    Token::make_word(&name.join(" "), None),
                    span,
                ));
                k = sig[last] + 1;
            }
            None => {
                out.push(tokens[k].clone());
                k += 1;
            }
        }
    }
    out
}

/// Rewrites the two SQLite spellings that sqlparser does not read, in
/// terms it does (each new token takes the location of the one it
/// replaces, so that error locations stay right):
///
/// * `a IS b` and `a IS NOT b` with any `b` (sqlparser only knows
///   `IS [NOT] NULL|TRUE|FALSE|DISTINCT FROM`) become
///   `a IS NOT DISTINCT FROM b` and `a IS DISTINCT FROM b`, which mean
///   the same (NULL-safe equality);
/// * the postfix `a ISNULL` (which sqlparser reads as an alias) becomes
///   `a IS NULL`;
/// * `a IN t` with a table name `t` becomes `a IN (SELECT * FROM t)`,
///   which is what SQLite takes it to mean.
fn sqlite_tokens(tokens: &[TokenWithSpan]) -> Vec<TokenWithSpan> {
    let significant = |from: usize| {
        (from..tokens.len()).find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
    };
    let is = |k: Option<usize>, keywords: &[Keyword]| {
        matches!(k.and_then(|k| tokens.get(k)), Some(TokenWithSpan { token: Token::Word(w), .. })
            if w.quote_style.is_none() && keywords.contains(&w.keyword))
    };
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        let at = |keyword: &str| TokenWithSpan::new(Token::make_keyword(keyword), t.span);
        i += 1;
        match &t.token {
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("ISNULL") => {
                out.extend([at("IS"), at("NULL")]);
            }
            Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::IS => {
                out.push(t.clone());
                let next = significant(i);
                let negated = is(next, &[Keyword::NOT]);
                let operand = if negated {
                    next.and_then(|k| significant(k + 1))
                } else {
                    next
                };
                let special = [
                    Keyword::NULL,
                    Keyword::TRUE,
                    Keyword::FALSE,
                    Keyword::DISTINCT,
                ];
                if operand.is_some() && !is(operand, &special) {
                    if negated {
                        // Drop the NOT: `IS NOT b` is `IS DISTINCT FROM b`.
                        i = next.map_or(i, |k| k + 1);
                    } else {
                        out.push(at("NOT"));
                    }
                    out.extend([at("DISTINCT"), at("FROM")]);
                }
            }
            Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::IN => {
                out.push(t.clone());
                let Some(name) = significant(i) else { continue };
                // Only a table name can follow IN without a parenthesis
                // (even one spelled like a keyword, such as `one`).
                if !matches!(&tokens[name].token, Token::Word(_)) {
                    continue;
                }
                let there = |token: Token| TokenWithSpan::new(token, tokens[name].span);
                let space = || there(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
                out.extend([
                    there(Token::LParen),
                    there(Token::make_keyword("SELECT")),
                    space(),
                    there(Token::Mul),
                    space(),
                    there(Token::make_keyword("FROM")),
                    space(),
                    tokens[name].clone(),
                    there(Token::RParen),
                ]);
                i = name + 1;
            }
            _ => out.push(t.clone()),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Scripts: splitting on `;`
// ---------------------------------------------------------------------------

/// One statement's text within a script, as [`split_statements`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementText<'a> {
    /// The statement from its first token to its last: without the
    /// trailing `;`, without surrounding whitespace, and without the
    /// comments before it (comments inside it are kept).
    pub text: &'a str,
    /// The 1-based line of the script on which `text` starts.
    pub line: usize,
    /// The byte offset of `text` in the script.
    pub offset: usize,
}

/// Where the scanner is: in SQL proper, or inside something whose `;` do
/// not end a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lexical {
    /// Plain SQL.
    Code,
    /// Inside `'..'`, `".."`, `` `..` `` or `[..]`; the closing character.
    Quoted(u8),
    /// Inside `-- ...` (up to the end of the line).
    LineComment,
    /// Inside `/* ... */`.
    BlockComment,
}

/// What scanning a script finds.
#[derive(Debug, PartialEq, Eq)]
struct Scan {
    /// The statements' byte ranges, from the start of the first token to
    /// the end of the last.
    statements: Vec<(usize, usize)>,
    /// Tokens follow the last `;` (the last statement has no `;`).
    unterminated: bool,
    /// The script ends inside a string, quoted name or block comment.
    open: bool,
}

/// The bytes of a word (or number) for [`scan`]: ASCII letters, digits
/// and `_`.
const WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// Scans `script` the way SQLite's tokenizer sees `;`: a `;` inside a
/// string (`'..'`), a quoted name (`".."`, `` `..` ``, `[..]`) or a comment
/// (`-- ..`, `/* .. */`) does not end a statement. A doubled quote inside a
/// string (`'it''s'`) needs no special case: the string closes and at once
/// opens again.
///
/// The shell scans every line it reads (to know whether a statement is
/// complete), so this works on bytes: everything it looks for is ASCII, a
/// string or comment is skipped to its end in one search, and a word is
/// kept as a range of the script, never copied. Only a character outside
/// ASCII in plain SQL is decoded, to tell a space (U+00A0, ...) from the
/// rest.
fn scan(script: &str) -> Scan {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut state = Lexical::Code;
    // The current statement's (first token start, last token end).
    let mut current: Option<(usize, usize)> = None;
    // The first three words of the current statement. A trigger's body
    // holds `;`, and only `; END;` ends it, as in SQLite's
    // `sqlite3_complete` (the END of a CASE does not): `last_is_end` says
    // whether the last word was END right after a `;` in a trigger, and
    // `after_semicolon` whether the last token was such a `;`.
    let mut first_words = [(0, 0); 3];
    let mut first_count = 0;
    let mut last_is_end = false;
    let mut after_semicolon = false;
    let is_word = |b: u8| WORD_BYTES[usize::from(b)];
    let word_is = |(start, end): (usize, usize), w: &str| {
        script
            .get(start..end)
            .is_some_and(|s| s.eq_ignore_ascii_case(w))
    };
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match state {
            Lexical::Code => {
                if is_word(b) {
                    // A word (or number), read whole.
                    let start = i;
                    i += 1;
                    while bytes.get(i).is_some_and(|&b| is_word(b)) {
                        i += 1;
                    }
                    if first_count < 3 {
                        first_words[first_count] = (start, i);
                        first_count += 1;
                    }
                    last_is_end = after_semicolon && word_is((start, i), "END");
                    after_semicolon = false;
                    current = Some(current.map_or((start, i), |(first, _)| (first, i)));
                    continue;
                }
                let trigger = |first: &[(usize, usize)]| match first {
                    [c, t, ..] if word_is(*c, "CREATE") && word_is(*t, "TRIGGER") => true,
                    [c, temp, t] => {
                        word_is(*c, "CREATE")
                            && (word_is(*temp, "TEMP") || word_is(*temp, "TEMPORARY"))
                            && word_is(*t, "TRIGGER")
                    }
                    _ => false,
                };
                let mut len = 1;
                match b {
                    b';' if trigger(&first_words[..first_count]) && !last_is_end => {
                        last_is_end = false;
                        after_semicolon = true;
                        if let Some((_, last)) = &mut current {
                            *last = i + 1;
                        }
                    }
                    b';' => {
                        if let Some(range) = current.take() {
                            statements.push(range);
                        }
                        first_count = 0;
                        last_is_end = false;
                        after_semicolon = false;
                    }
                    b'-' if bytes.get(i + 1) == Some(&b'-') => {
                        state = Lexical::LineComment;
                        len = 2;
                    }
                    b'/' if bytes.get(i + 1) == Some(&b'*') => {
                        state = Lexical::BlockComment;
                        len = 2;
                    }
                    b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {}
                    _ => {
                        if b >= 0x80 {
                            // A character outside ASCII: a space, or a token.
                            let c = script.get(i..).and_then(|s| s.chars().next());
                            len = c.map_or(1, char::len_utf8);
                            if c.is_some_and(char::is_whitespace) {
                                i += len;
                                continue;
                            }
                        }
                        state = match b {
                            b'\'' | b'"' | b'`' => Lexical::Quoted(b),
                            b'[' => Lexical::Quoted(b']'),
                            _ => Lexical::Code,
                        };
                        last_is_end = false;
                        after_semicolon = false;
                        current = Some(current.map_or((i, i + len), |(start, _)| (start, i + len)));
                    }
                }
                i += len;
            }
            Lexical::Quoted(close) => {
                // To the closing character, or to the end of the script.
                let rest = script.get(i..).unwrap_or_default();
                i = match rest.find(char::from(close)) {
                    Some(p) => {
                        state = Lexical::Code;
                        i + p + 1
                    }
                    None => bytes.len(),
                };
                if let Some((_, last)) = &mut current {
                    *last = i;
                }
            }
            Lexical::LineComment => {
                let rest = script.get(i..).unwrap_or_default();
                match rest.find('\n') {
                    Some(p) => {
                        i += p + 1;
                        state = Lexical::Code;
                    }
                    None => i = bytes.len(),
                }
            }
            Lexical::BlockComment => match script.get(i..).and_then(|s| s.find("*/")) {
                Some(p) => {
                    i += p + 2;
                    state = Lexical::Code;
                }
                None => i = bytes.len(),
            },
        }
    }
    let unterminated = current.is_some();
    statements.extend(current);
    Scan {
        statements,
        unterminated,
        open: matches!(state, Lexical::Quoted(_) | Lexical::BlockComment),
    }
}

/// Whether a statement's first words are `CREATE [TEMP] TRIGGER`.
fn is_trigger(first: &[String]) -> bool {
    match first {
        [c, t, ..] if c == "CREATE" && t == "TRIGGER" => true,
        [c, temp, t] => c == "CREATE" && (temp == "TEMP" || temp == "TEMPORARY") && t == "TRIGGER",
        _ => false,
    }
}

/// Splits a script into its statements on the `;` outside of strings
/// (`'..'`), quoted names (`".."`, `` `..` ``, `[..]`) and comments
/// (`-- ..`, `/* .. */`).
///
/// Empty statements (only whitespace and comments) are skipped; a last
/// statement without `;` is included (see [`is_complete`] to know whether
/// there is one). A string or comment left open runs to the end of the
/// script, as in SQLite.
pub fn split_statements(script: &str) -> Vec<StatementText<'_>> {
    statements_of(script, scan(script).statements)
}

/// The statements of `script` if it ends with a complete one (see
/// [`is_complete`]), else `None`: both answers from one scan, for a shell
/// that asks after every line it reads.
pub fn complete_statements(script: &str) -> Option<Vec<StatementText<'_>>> {
    let scan = scan(script);
    if scan.open || scan.unterminated {
        return None;
    }
    Some(statements_of(script, scan.statements))
}

/// The texts of the statements at `ranges` of `script`, with their lines.
fn statements_of(script: &str, ranges: Vec<(usize, usize)>) -> Vec<StatementText<'_>> {
    let mut out = Vec::new();
    // Lines are counted incrementally: (offset counted up to, its line).
    let (mut counted, mut line) = (0, 1);
    for (start, end) in ranges {
        line += script
            .get(counted..start)
            .map_or(0, |s| s.matches('\n').count());
        counted = start;
        if let Some(text) = script.get(start..end) {
            out.push(StatementText {
                text,
                line,
                offset: start,
            });
        }
    }
    out
}

/// Whether `script` ends with a complete statement, so that a shell reading
/// it line by line can stop and run it: the last token is a `;` that is not
/// inside a string, quoted name or comment. Only whitespace and comments
/// may follow it (a `-- comment` left open at the end is fine, an open
/// `/* comment` or string is not).
///
/// A script with no statement at all (empty, or only whitespace and
/// comments) is complete too: nothing is pending.
///
/// As in SQLite's `sqlite3_complete`, the `;` inside a `CREATE TRIGGER`
/// body do not end it; its `END;` does.
pub fn is_complete(script: &str) -> bool {
    let scan = scan(script);
    !scan.open && !scan.unterminated
}

// ---------------------------------------------------------------------------
// One statement
// ---------------------------------------------------------------------------

/// One statement, parsed and translated, with what is known about its
/// parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedStatement {
    /// The statement.
    pub statement: Statement,
    /// Its text, from its first token to its last (no comments or
    /// whitespace around it, no `;`): what the schema stores for a
    /// CREATE statement.
    pub text: String,
    /// The number of parameters: the highest index handed out (SQLite's
    /// `sqlite3_bind_parameter_count`; `SELECT ?5` has 5).
    pub param_count: usize,
    /// The named parameters (`:a`, `@a`, `$a`, prefix included) with the
    /// index each got, in order of first appearance. SQLite gives a name
    /// the next index at its first appearance and reuses it when the name
    /// appears again; a `?` after it continues after that index.
    pub param_names: Vec<(String, usize)>,
    /// SQLite's `INDEXED BY` / `NOT INDEXED` on the statement's table.
    pub index_hint: Option<ast::IndexHint>,
}

/// Parses exactly one statement: a text from [`split_statements`], or any
/// single statement (a trailing `;` is allowed).
///
/// Errors: [`SqlError::Syntax`] for invalid SQL, for more than one
/// statement and for none; [`SqlError::NotSupported`] naming the construct
/// for valid SQL that walnut does not implement; [`SqlError::Schema`] for
/// a table SQLite would refuse (two primary keys).
pub fn parse_statement(sql: &str) -> Result<ParsedStatement, SqlError> {
    parse_one(sql, false)
}

/// [`parse_statement`], for a statement of a trigger's program when
/// `in_trigger` is set (where `RAISE()` may be used).
///
/// An `INSERT ... VALUES` of literals, the statement scripts are made of,
/// is read by the fast path of `parse/fast_insert.rs` when it can be,
/// with the meaning sqlparser's tree for it has (see that module).
/// Everything else, and whatever the fast path declines, goes through
/// sqlparser ([`parse_slow`]).
fn parse_one(sql: &str, in_trigger: bool) -> Result<ParsedStatement, SqlError> {
    let Some((fast, text)) = fast_insert::parse(sql).and_then(|f| {
        let text = f.text()?.to_string();
        Some((f, text))
    }) else {
        return parse_slow(sql, in_trigger);
    };
    // No parameters: a literal is all a value can be.
    let statement = match fast.translate() {
        Some(statement) => statement?,
        None => {
            let Some(tree) = fast.to_sqlparser() else {
                return parse_slow(sql, in_trigger);
            };
            let mut t = Translator {
                exprs: ExprTranslator {
                    in_trigger,
                    ..ExprTranslator::new(sql)
                },
                source: sql,
                tokens: &[],
            };
            t.statement(&tree)?
        }
    };
    Ok(ParsedStatement {
        text,
        statement,
        param_count: 0,
        param_names: Vec::new(),
        index_hint: None,
    })
}

/// [`parse_one`] through sqlparser.
fn parse_slow(sql: &str, in_trigger: bool) -> Result<ParsedStatement, SqlError> {
    let tokens = tokenize(sql)?;
    let first: Vec<String> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) => Some(w.value.to_ascii_uppercase()),
            _ => None,
        })
        .take(3)
        .collect();
    if is_trigger(&first) {
        if in_trigger {
            return Err(SqlError::Syntax(
                "near \"CREATE\": a trigger's program cannot create a trigger".into(),
            ));
        }
        return trigger::create_trigger(sql, &tokens);
    }
    let (tokens, mut hints) = strip_index_hints(tokens)?;
    if hints.len() > 1 {
        return Err(unsupported("more than one INDEXED BY / NOT INDEXED"));
    }
    if let Some(statement) = reindex(&tokens)? {
        return Ok(ParsedStatement {
            text: sql.trim().trim_end_matches(';').trim_end().to_string(),
            statement,
            param_count: 0,
            param_names: Vec::new(),
            index_hint: None,
        });
    }
    let mut t = Translator {
        exprs: ExprTranslator {
            tokens: &tokens,
            in_trigger,
            ..ExprTranslator::new(sql)
        },
        source: sql,
        tokens: &tokens,
    };
    let statement = match t.pragma()? {
        Some(statement) => statement,
        None => match parse_tokens(&tokens)?.as_slice() {
            [] => return Err(SqlError::Syntax("empty statement".into())),
            [one] => t.statement(one)?,
            _ => return Err(more_than_one()),
        },
    };
    let index_hint = hints.pop();
    if index_hint.is_some()
        && !matches!(
            statement,
            Statement::Select(_) | Statement::Update(_) | Statement::Delete(_)
        )
    {
        return Err(unsupported(
            "INDEXED BY / NOT INDEXED outside SELECT, UPDATE, DELETE",
        ));
    }
    Ok(ParsedStatement {
        text: t.statement_text(),
        statement,
        param_count: t.exprs.max_param,
        param_names: t.exprs.names,
        index_hint,
    })
}

/// Takes SQLite's `INDEXED BY name` and `NOT INDEXED` (which sqlparser
/// does not read) out of the token stream, returning them separately.
fn strip_index_hints(
    tokens: Vec<TokenWithSpan>,
) -> Result<(Vec<TokenWithSpan>, Vec<ast::IndexHint>), SqlError> {
    let word = |t: &TokenWithSpan, w: &str| matches!(&t.token, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
        .collect();
    let mut drop = vec![false; tokens.len()];
    let mut hints = Vec::new();
    for (n, &k) in significant.iter().enumerate() {
        let next = significant.get(n + 1).map(|&j| &tokens[j]);
        if word(&tokens[k], "NOT") && next.is_some_and(|t| word(t, "INDEXED")) {
            drop[k] = true;
            drop[significant[n + 1]] = true;
            hints.push(ast::IndexHint::NotIndexed);
        } else if word(&tokens[k], "INDEXED") && next.is_some_and(|t| word(t, "BY")) {
            let name = significant.get(n + 2).map(|&j| (j, &tokens[j].token));
            let Some((j, Token::Word(w))) = name else {
                return Err(SqlError::Syntax("INDEXED BY needs an index name".into()));
            };
            drop[k] = true;
            drop[significant[n + 1]] = true;
            drop[j] = true;
            hints.push(ast::IndexHint::IndexedBy(w.value.clone()));
        }
    }
    let kept = tokens
        .into_iter()
        .zip(drop)
        .filter_map(|(t, d)| (!d).then_some(t))
        .collect();
    Ok((kept, hints))
}

/// `REINDEX [name]`, which sqlparser does not read.
fn reindex(tokens: &[TokenWithSpan]) -> Result<Option<Statement>, SqlError> {
    let words: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon))
        .collect();
    match words.as_slice() {
        [Token::Word(w), rest @ ..]
            if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("REINDEX") =>
        {
            match rest {
                [] => Ok(Some(Statement::Reindex(None))),
                [Token::Word(n)] => Ok(Some(Statement::Reindex(Some(n.value.clone())))),
                _ => Err(SqlError::Syntax("REINDEX takes at most one name".into())),
            }
        }
        _ => Ok(None),
    }
}

fn more_than_one() -> SqlError {
    SqlError::Syntax("more than one statement (one was expected)".into())
}

/// The byte offset of a sqlparser location (1-based line, 1-based column
/// counted in characters) in `source`. The end of the text is a valid
/// location too (a span's end is just past its last character).
fn byte_offset(source: &str, loc: Location) -> Option<usize> {
    let (mut line, mut column) = (1, 1);
    for (i, c) in source.char_indices() {
        if line == loc.line && column == loc.column {
            return Some(i);
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line == loc.line && column == loc.column).then_some(source.len())
}

/// The unquoted keyword `kw`.
fn is_keyword(token: Option<&TokenWithSpan>, kw: Keyword) -> bool {
    matches!(token, Some(TokenWithSpan { token: Token::Word(w), .. })
        if w.keyword == kw && w.quote_style.is_none())
}

/// A syntax error in sqlparser's words.
fn expected(what: &str, found: Option<&TokenWithSpan>) -> SqlError {
    SqlError::Syntax(match found {
        Some(t) => format!(
            "sql parser error: Expected: {what}, found: {} at Line: {}, Column: {}",
            t.token, t.span.start.line, t.span.start.column
        ),
        None => format!("sql parser error: Expected: {what}, found: EOF"),
    })
}

/// Keywords that end a SELECT list (when not inside parentheses).
const AFTER_SELECT_LIST: &[Keyword] = &[
    Keyword::FROM,
    Keyword::WHERE,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::WINDOW,
    Keyword::ORDER,
    Keyword::LIMIT,
    Keyword::OFFSET,
    Keyword::UNION,
    Keyword::EXCEPT,
    Keyword::INTERSECT,
    Keyword::RETURNING,
];

/// Translates one sqlparser statement into walnut's, with one
/// [`ExprTranslator`] for the whole statement (so that parameters are
/// numbered across it).
struct Translator<'a> {
    exprs: ExprTranslator<'a>,
    /// The statement's text.
    source: &'a str,
    /// Its tokens, with their locations.
    tokens: &'a [TokenWithSpan],
}

impl Translator<'_> {
    /// The source text between two locations, if they map into it.
    fn text(&self, start: Location, end: Location) -> Option<String> {
        let (start, end) = (
            byte_offset(self.source, start)?,
            byte_offset(self.source, end)?,
        );
        self.source
            .get(start..end)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    }

    /// The statement from its first token to its last, without `;`.
    fn statement_text(&self) -> String {
        let tokens = self.significant();
        let mut tokens = tokens
            .iter()
            .filter(|t| !matches!(t.token, Token::SemiColon | Token::EOF));
        let first = tokens.next();
        let last = tokens.next_back().or(first);
        match (first, last) {
            (Some(first), Some(last)) => self
                .text(first.span.start, last.span.end)
                .unwrap_or_else(|| self.source.trim().to_string()),
            _ => String::new(),
        }
    }

    /// The tokens that are not whitespace or comments.
    fn significant(&self) -> Vec<&TokenWithSpan> {
        self.tokens
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect()
    }

    // -- PRAGMA --------------------------------------------------------------

    /// `[EXPLAIN [QUERY PLAN]] PRAGMA name [= value | (value)]`, parsed
    /// from the tokens; None if the statement is not a PRAGMA.
    fn pragma(&self) -> Result<Option<Statement>, SqlError> {
        let toks = self.significant();
        let at = |i: usize| toks.get(i).copied();
        let mut i = 0;
        let explain = is_keyword(at(0), Keyword::EXPLAIN);
        if explain {
            i = 1;
            if is_keyword(at(1), Keyword::QUERY) && is_keyword(at(2), Keyword::PLAN) {
                i = 3;
            }
        }
        if !is_keyword(at(i), Keyword::PRAGMA) {
            return Ok(None);
        }
        i += 1;
        let name = match at(i).map(|t| &t.token) {
            Some(Token::Word(w)) => w.value.to_ascii_lowercase(),
            _ => return Err(expected("a pragma name", at(i))),
        };
        i += 1;
        if matches!(at(i).map(|t| &t.token), Some(Token::Period)) {
            return Err(unsupported("PRAGMA schema.name (schema-qualified pragmas)"));
        }
        let value = match at(i).map(|t| &t.token) {
            Some(Token::Eq) => {
                let (value, next) = pragma_value(&toks, i + 1)?;
                i = next;
                Some(value)
            }
            Some(Token::LParen) => {
                let (value, next) = pragma_value(&toks, i + 1)?;
                if !matches!(at(next).map(|t| &t.token), Some(Token::RParen)) {
                    return Err(expected(")", at(next)));
                }
                i = next + 1;
                Some(value)
            }
            _ => None,
        };
        let mut semicolons = 0;
        while matches!(at(i).map(|t| &t.token), Some(Token::SemiColon)) {
            i += 1;
            semicolons += 1;
        }
        match at(i) {
            None
            | Some(TokenWithSpan {
                token: Token::EOF, ..
            }) => {}
            Some(_) if semicolons > 0 => return Err(more_than_one()),
            found => return Err(expected("end of statement", found)),
        }
        let pragma = Statement::Pragma { name, value };
        Ok(Some(if explain {
            Statement::Explain(Box::new(pragma))
        } else {
            pragma
        }))
    }

    // -- statements ----------------------------------------------------------

    fn statement(&mut self, s: &sp::Statement) -> Result<Statement, SqlError> {
        use sp::Statement as S;
        Ok(match s {
            S::Query(q)
                if matches!(
                    q.body.as_ref(),
                    sp::SetExpr::Insert(_) | sp::SetExpr::Update(_) | sp::SetExpr::Delete(_)
                ) =>
            {
                self.with_dml(q)?
            }
            S::Query(q) => Statement::Select(Box::new(self.query(q)?)),
            S::Insert(i) => Statement::Insert(self.insert(i)?),
            S::Update(u) => Statement::Update(self.update(u)?),
            S::Delete(d) => Statement::Delete(self.delete(d)?),
            S::CreateTable(ct) => Statement::CreateTable(create_table_with(ct, &mut self.exprs)?),
            S::CreateIndex(ci) => Statement::CreateIndex(create_index(ci)?),
            S::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                restrict,
                purge,
                temporary,
                table,
            } => {
                if *cascade || *restrict {
                    return Err(unsupported("DROP ... CASCADE/RESTRICT"));
                }
                if *purge || *temporary || table.is_some() {
                    return Err(unsupported(format!("this form of DROP ({s})")));
                }
                let one = match names.as_slice() {
                    [one] => one,
                    _ => return Err(unsupported("DROP of several objects at once")),
                };
                let if_exists = *if_exists;
                match object_type {
                    sp::ObjectType::Table => Statement::DropTable {
                        name: object_name(one)?,
                        if_exists,
                    },
                    sp::ObjectType::Index => Statement::DropIndex {
                        name: object_name(one)?,
                        if_exists,
                    },
                    sp::ObjectType::View => {
                        let (schema, name) = qualified_name(one)?;
                        Statement::DropView {
                            name,
                            schema,
                            if_exists,
                        }
                    }
                    other => return Err(unsupported(format!("DROP {other}"))),
                }
            }
            S::AlterTable(at) => self.alter_table(at)?,
            S::StartTransaction {
                modes,
                begin,
                transaction,
                modifier,
                statements,
                exception,
                has_end_keyword,
            } => {
                if !begin {
                    return Err(unsupported("START TRANSACTION (use BEGIN)"));
                }
                if !modes.is_empty() {
                    return Err(unsupported(
                        "transaction modes (isolation level, read only)",
                    ));
                }
                if !statements.is_empty() || exception.is_some() || *has_end_keyword {
                    return Err(unsupported("BEGIN ... END blocks"));
                }
                match transaction {
                    None | Some(sp::BeginTransactionKind::Transaction) => {}
                    Some(other) => return Err(unsupported(format!("BEGIN {other}"))),
                }
                match modifier {
                    None
                    | Some(
                        sp::TransactionModifier::Deferred
                        | sp::TransactionModifier::Immediate
                        | sp::TransactionModifier::Exclusive,
                    ) => Statement::Begin,
                    Some(other) => return Err(unsupported(format!("BEGIN {other}"))),
                }
            }
            S::Commit {
                chain,
                end: _,
                modifier,
            } => {
                if *chain {
                    return Err(unsupported("COMMIT AND CHAIN"));
                }
                if let Some(m) = modifier {
                    return Err(unsupported(format!("END {m}")));
                }
                Statement::Commit
            }
            S::Rollback { chain, savepoint } => {
                if savepoint.is_some() {
                    return Err(unsupported("ROLLBACK TO (savepoints)"));
                }
                if *chain {
                    return Err(unsupported("ROLLBACK AND CHAIN"));
                }
                Statement::Rollback
            }
            S::Savepoint { .. } => return Err(unsupported("SAVEPOINT")),
            S::ReleaseSavepoint { .. } => return Err(unsupported("RELEASE (savepoints)")),
            S::Explain {
                describe_alias,
                analyze,
                verbose,
                query_plan: _,
                estimate,
                statement,
                format,
                options,
            } => {
                if *describe_alias != sp::DescribeAlias::Explain {
                    return Err(unsupported(describe_alias.to_string()));
                }
                if *analyze {
                    return Err(unsupported("EXPLAIN ANALYZE"));
                }
                if *verbose || *estimate || format.is_some() || options.is_some() {
                    return Err(unsupported("EXPLAIN options"));
                }
                if matches!(statement.as_ref(), S::Explain { .. }) {
                    return Err(unsupported("EXPLAIN EXPLAIN"));
                }
                Statement::Explain(Box::new(self.statement(statement)?))
            }
            // `pragma()` reads PRAGMA before sqlparser sees it; this is in
            // case it ever does.
            S::Pragma { name, value, .. } => Statement::Pragma {
                name: match name.0.as_slice() {
                    [_] => object_name(name)?.to_ascii_lowercase(),
                    _ => {
                        return Err(unsupported("PRAGMA schema.name (schema-qualified pragmas)"));
                    }
                },
                value: match value.as_ref().map(|v| &v.value) {
                    None => None,
                    Some(sp::Value::Number(n, _)) => Some(match number(n)? {
                        Value::Integer(i) => PragmaValue::Number(i),
                        _ => PragmaValue::Name(n.clone()),
                    }),
                    Some(sp::Value::SingleQuotedString(s) | sp::Value::DoubleQuotedString(s)) => {
                        Some(PragmaValue::Name(s.clone()))
                    }
                    Some(other) => return Err(unsupported(format!("PRAGMA value {other}"))),
                },
            },
            S::ExplainTable { describe_alias, .. } => {
                return Err(unsupported(describe_alias.to_string()));
            }
            S::CreateView(cv) => Statement::CreateView(self.create_view(cv)?),
            // `parse_statement` reads CREATE TRIGGER itself (see
            // `trigger`); this is in case sqlparser ever gets one.
            S::CreateTrigger(_) => return Err(unsupported("this form of CREATE TRIGGER")),
            S::DropTrigger(dt) => {
                let sp::DropTrigger {
                    if_exists,
                    trigger_name,
                    table_name,
                    option,
                } = dt;
                if table_name.is_some() || option.is_some() {
                    return Err(unsupported(format!("this form of DROP TRIGGER ({dt})")));
                }
                let (schema, name) = qualified_name(trigger_name)?;
                Statement::DropTrigger {
                    name,
                    schema,
                    if_exists: *if_exists,
                }
            }
            S::CreateVirtualTable { .. } => return Err(unsupported("virtual tables")),
            S::AttachDatabase { .. } => return Err(unsupported("ATTACH")),
            other => return Err(unsupported(statement_name(other))),
        })
    }

    /// `ALTER TABLE t RENAME TO n` and `ALTER TABLE t ADD [COLUMN] def`.
    fn alter_table(&mut self, at: &sp::AlterTable) -> Result<Statement, SqlError> {
        let sp::AlterTable {
            name,
            if_exists,
            only,
            operations,
            location,
            on_cluster,
            table_type,
            end_token: _,
        } = at;
        if *if_exists || *only || location.is_some() || on_cluster.is_some() || table_type.is_some()
        {
            return Err(unsupported(format!("this form of ALTER TABLE ({at})")));
        }
        let table = object_name(name)?;
        let op = match operations.as_slice() {
            [op] => op,
            _ => return Err(unsupported("ALTER TABLE with several operations")),
        };
        use sp::AlterTableOperation as Op;
        match op {
            Op::RenameTable {
                table_name: sp::RenameTableNameKind::To(new_name),
            } => Ok(Statement::RenameTable {
                name: table,
                new_name: object_name(new_name)?,
            }),
            Op::AddColumn {
                column_keyword: _,
                if_not_exists: false,
                column_def,
                column_position: None,
            } => {
                let column = column_def_of(column_def, &table, &mut self.exprs)?;
                // SQLite keeps the definition as written in the schema: from
                // the column name to the end of the statement.
                let end = self
                    .significant()
                    .into_iter()
                    .rev()
                    .find(|t| !matches!(t.token, Token::SemiColon | Token::EOF))
                    .map(|t| t.span.end);
                let column_sql = end
                    .and_then(|end| self.text(column_def.name.span.start, end))
                    .unwrap_or_else(|| column_def.to_string());
                Ok(Statement::AddColumn {
                    table,
                    column,
                    column_sql,
                })
            }
            Op::RenameColumn { .. } => Err(unsupported("ALTER TABLE ... RENAME COLUMN")),
            Op::DropColumn { .. } => Err(unsupported("ALTER TABLE ... DROP COLUMN")),
            other => Err(unsupported(format!("ALTER TABLE ... {other}"))),
        }
    }

    // -- INSERT, UPDATE, DELETE ------------------------------------------------

    fn insert(&mut self, i: &sp::Insert) -> Result<ast::Insert, SqlError> {
        let sp::Insert {
            insert_token: _,
            optimizer_hints,
            or,
            ignore,
            into,
            table,
            table_alias,
            columns,
            overwrite,
            source,
            assignments,
            partitioned,
            after_columns,
            has_table_keyword,
            on,
            returning,
            output,
            replace_into,
            priority,
            insert_alias,
            settings,
            format_clause,
            multi_table_insert_type,
            multi_table_into_clauses,
            multi_table_when_clauses,
            multi_table_else_clause,
        } = i;
        if returning.is_some() {
            return Err(unsupported("RETURNING"));
        }
        match on {
            None => {}
            Some(sp::OnInsert::OnConflict(_)) => return Err(unsupported("ON CONFLICT (upsert)")),
            Some(_) => return Err(unsupported("ON DUPLICATE KEY UPDATE")),
        }
        if table_alias.is_some() {
            return Err(unsupported("table alias in INSERT"));
        }
        if *ignore {
            return Err(unsupported("INSERT IGNORE (use INSERT OR IGNORE)"));
        }
        if !assignments.is_empty() {
            return Err(unsupported("INSERT ... SET"));
        }
        if !optimizer_hints.is_empty()
            || *overwrite
            || partitioned.is_some()
            || !after_columns.is_empty()
            || *has_table_keyword
            || output.is_some()
            || priority.is_some()
            || insert_alias.is_some()
            || settings.is_some()
            || format_clause.is_some()
            || multi_table_insert_type.is_some()
            || !multi_table_into_clauses.is_empty()
            || !multi_table_when_clauses.is_empty()
            || multi_table_else_clause.is_some()
        {
            return Err(unsupported("INSERT syntax of other SQL dialects"));
        }
        if !into {
            return Err(unsupported("INSERT without INTO"));
        }
        let conflict = match or {
            None if *replace_into => Some(Conflict::Replace),
            other => conflict(other, "INSERT")?,
        };
        let table = match table {
            sp::TableObject::TableName(n) => object_name(n)?,
            other => return Err(unsupported(format!("INSERT INTO {other}"))),
        };
        let columns = if columns.is_empty() {
            None
        } else {
            Some(columns.iter().map(object_name).collect::<Result<_, _>>()?)
        };
        let source = match source {
            None => InsertSource::DefaultValues,
            Some(q) => match q.body.as_ref() {
                sp::SetExpr::Values(values)
                    if q.with.is_none() && q.order_by.is_none() && q.limit_clause.is_none() =>
                {
                    if values.explicit_row {
                        return Err(unsupported("VALUES ROW(...)"));
                    }
                    if values.value_keyword {
                        return Err(unsupported("VALUE (use VALUES)"));
                    }
                    InsertSource::Values(
                        values
                            .rows
                            .iter()
                            .map(|row| row.content.iter().map(|e| self.exprs.expr(e)).collect())
                            .collect::<Result<_, _>>()?,
                    )
                }
                _ => InsertSource::Select(Box::new(self.query(q)?)),
            },
        };
        Ok(ast::Insert {
            table,
            columns,
            source,
            conflict,
        })
    }

    fn update(&mut self, u: &sp::Update) -> Result<ast::Update, SqlError> {
        let sp::Update {
            update_token: _,
            optimizer_hints,
            table,
            assignments,
            from,
            selection,
            returning,
            output,
            or,
            order_by,
            limit,
        } = u;
        if returning.is_some() {
            return Err(unsupported("RETURNING"));
        }
        if from.is_some() {
            return Err(unsupported("UPDATE ... FROM"));
        }
        if !order_by.is_empty() || limit.is_some() {
            return Err(unsupported("ORDER BY/LIMIT on UPDATE"));
        }
        if !optimizer_hints.is_empty() || output.is_some() {
            return Err(unsupported("UPDATE syntax of other SQL dialects"));
        }
        let conflict = conflict(or, "UPDATE")?;
        let table = plain_table(table, "UPDATE")?;
        let assignments = assignments
            .iter()
            .map(|a| {
                let column = match &a.target {
                    sp::AssignmentTarget::ColumnName(n) => match n.0.as_slice() {
                        [_] => object_name(n)?,
                        _ => return Err(unsupported(format!("qualified column {n} in SET"))),
                    },
                    sp::AssignmentTarget::Tuple(_) => {
                        return Err(unsupported("multi-column assignment (a, b) = (...)"));
                    }
                };
                Ok((column, self.exprs.expr(&a.value)?))
            })
            .collect::<Result<_, SqlError>>()?;
        let filter = self.opt_expr(selection.as_ref())?;
        Ok(ast::Update {
            table,
            assignments,
            filter,
            conflict,
        })
    }

    fn delete(&mut self, d: &sp::Delete) -> Result<ast::Delete, SqlError> {
        let sp::Delete {
            delete_token: _,
            optimizer_hints,
            tables,
            from,
            using,
            selection,
            returning,
            output,
            order_by,
            limit,
        } = d;
        if returning.is_some() {
            return Err(unsupported("RETURNING"));
        }
        if !order_by.is_empty() || limit.is_some() {
            return Err(unsupported("ORDER BY/LIMIT on DELETE"));
        }
        if !tables.is_empty() || using.is_some() {
            return Err(unsupported("joins"));
        }
        if !optimizer_hints.is_empty() || output.is_some() {
            return Err(unsupported("DELETE syntax of other SQL dialects"));
        }
        let table = match from {
            sp::FromTable::WithFromKeyword(tables) => match tables.as_slice() {
                [one] => plain_table(one, "DELETE")?,
                _ => return Err(unsupported("joins")),
            },
            sp::FromTable::WithoutKeyword(_) => return Err(unsupported("DELETE without FROM")),
        };
        let filter = self.opt_expr(selection.as_ref())?;
        Ok(ast::Delete { table, filter })
    }

    // -- SELECT ----------------------------------------------------------------

    /// The common table expressions of a WITH clause, and whether it is
    /// `WITH RECURSIVE`. `MATERIALIZED` / `NOT MATERIALIZED` are hints in
    /// SQLite that never change an answer; walnut accepts and ignores them.
    fn ctes(&mut self, w: &sp::With) -> Result<(Vec<ast::Cte>, bool), SqlError> {
        let mut ctes = Vec::new();
        for cte in &w.cte_tables {
            if cte.from.is_some() || cte.alias.at.is_some() {
                return Err(unsupported(format!(
                    "this form of common table expression ({cte})"
                )));
            }
            let columns = cte
                .alias
                .columns
                .iter()
                .map(|c| match c.data_type {
                    None => Ok(c.name.value.clone()),
                    Some(_) => Err(unsupported("types on common table expression columns")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            ctes.push(ast::Cte {
                name: cte.alias.name.value.clone(),
                columns,
                select: Box::new(self.query(&cte.query)?),
            });
        }
        Ok((ctes, w.recursive))
    }

    /// `WITH ... INSERT | UPDATE | DELETE`: the statement, with the common
    /// table expressions made visible to every query in it (see
    /// [`ast::Statement::share_with`]).
    fn with_dml(&mut self, q: &sp::Query) -> Result<Statement, SqlError> {
        let (ctes, recursive) = match &q.with {
            Some(w) => self.ctes(w)?,
            None => (Vec::new(), false),
        };
        if q.order_by.is_some() || q.limit_clause.is_some() {
            return Err(unsupported("ORDER BY or LIMIT on INSERT, UPDATE or DELETE"));
        }
        let mut statement = match q.body.as_ref() {
            sp::SetExpr::Insert(s) | sp::SetExpr::Update(s) | sp::SetExpr::Delete(s) => {
                self.statement(s)?
            }
            other => return Err(unsupported(format!("{other} after WITH"))),
        };
        statement.share_with(&ctes, recursive);
        Ok(statement)
    }

    /// A query: one SELECT with its ORDER BY and LIMIT.
    fn query(&mut self, q: &sp::Query) -> Result<ast::Select, SqlError> {
        let sp::Query {
            with,
            body,
            order_by,
            limit_clause,
            fetch,
            locks,
            for_clause,
            settings,
            format_clause,
            pipe_operators,
        } = q;
        // WITH comes first in the text: its parameters are numbered first.
        let (ctes, recursive) = match with {
            Some(w) => self.ctes(w)?,
            None => (Vec::new(), false),
        };
        if fetch.is_some()
            || !locks.is_empty()
            || for_clause.is_some()
            || settings.is_some()
            || format_clause.is_some()
            || !pipe_operators.is_empty()
        {
            return Err(unsupported("query syntax of other SQL dialects"));
        }
        let mut select = match body.as_ref() {
            sp::SetExpr::Select(s) => self.select(s)?,
            sp::SetExpr::SetOperation { .. } => {
                let mut members = Vec::new();
                self.compound_members(body, None, &mut members)?;
                let mut members = members.into_iter();
                let Some((_, mut first)) = members.next() else {
                    return Err(unsupported("an empty compound SELECT"));
                };
                first.compound = members
                    .map(|(op, select)| ast::CompoundArm {
                        op: op.unwrap_or(ast::CompoundOp::UnionAll),
                        select,
                    })
                    .collect();
                first
            }
            sp::SetExpr::Values(_) => return Err(unsupported("VALUES as a query")),
            sp::SetExpr::Query(_) => return Err(unsupported("parenthesized SELECT")),
            sp::SetExpr::Insert(_) | sp::SetExpr::Update(_) | sp::SetExpr::Delete(_) => {
                return Err(unsupported("INSERT, UPDATE or DELETE as a subquery"));
            }
            other => return Err(unsupported(format!("{other} as a query"))),
        };
        select.with = ctes;
        select.recursive = recursive;
        if let Some(order_by) = order_by {
            if order_by.interpolate.is_some() {
                return Err(unsupported("INTERPOLATE"));
            }
            select.order_by = match &order_by.kind {
                sp::OrderByKind::Expressions(terms) => terms
                    .iter()
                    .map(|term| self.order_term(term))
                    .collect::<Result<_, _>>()?,
                sp::OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
            };
        }
        match limit_clause {
            None => {}
            Some(sp::LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) => {
                if !limit_by.is_empty() {
                    return Err(unsupported("LIMIT BY"));
                }
                if let Some(offset) = offset
                    && offset.rows != sp::OffsetRows::None
                {
                    return Err(unsupported("OFFSET ... ROWS"));
                }
                match (limit, offset) {
                    (None, None) => return Err(unsupported("LIMIT ALL")),
                    (None, Some(_)) => return Err(unsupported("OFFSET without LIMIT")),
                    (Some(limit), Some(offset))
                        if offset.value.span().start < limit.span().start =>
                    {
                        return Err(unsupported("OFFSET before LIMIT"));
                    }
                    _ => {}
                }
                select.limit = self.opt_expr(limit.as_ref())?;
                select.offset = self.opt_expr(offset.as_ref().map(|o| &o.value))?;
            }
            // SQLite's `LIMIT a, b` means OFFSET a LIMIT b.
            Some(sp::LimitClause::OffsetCommaLimit { offset, limit }) => {
                select.offset = Some(self.exprs.expr(offset)?);
                select.limit = Some(self.exprs.expr(limit)?);
            }
        }
        Ok(select)
    }

    /// The SELECTs of a compound in the order they are written, each with
    /// the operator before it. SQLite gives all compound operators the same
    /// precedence and applies them left to right; sqlparser may nest the
    /// tree differently (INTERSECT binding tighter), but an in-order walk
    /// of any nesting gives back the written order.
    fn compound_members(
        &mut self,
        e: &sp::SetExpr,
        op: Option<ast::CompoundOp>,
        out: &mut Vec<(Option<ast::CompoundOp>, ast::Select)>,
    ) -> Result<(), SqlError> {
        match e {
            sp::SetExpr::Select(s) => {
                out.push((op, self.select(s)?));
                Ok(())
            }
            sp::SetExpr::SetOperation {
                op: set_op,
                set_quantifier,
                left,
                right,
            } => {
                use sp::SetQuantifier as Q;
                let this = match (set_op, set_quantifier) {
                    (sp::SetOperator::Union, Q::None | Q::Distinct) => ast::CompoundOp::Union,
                    (sp::SetOperator::Union, Q::All) => ast::CompoundOp::UnionAll,
                    (sp::SetOperator::Intersect, Q::None | Q::Distinct) => {
                        ast::CompoundOp::Intersect
                    }
                    (sp::SetOperator::Except, Q::None | Q::Distinct) => ast::CompoundOp::Except,
                    (sp::SetOperator::Intersect | sp::SetOperator::Except, Q::All) => {
                        return Err(unsupported(
                            "INTERSECT ALL / EXCEPT ALL (SQLite has neither)",
                        ));
                    }
                    _ => return Err(unsupported(format!("{set_op} {set_quantifier}"))),
                };
                self.compound_members(left, op, out)?;
                self.compound_members(right, Some(this), out)
            }
            sp::SetExpr::Query(_) => Err(unsupported(
                "a parenthesized SELECT in a compound (SQLite allows none; put ORDER BY and \
                 LIMIT after the last SELECT)",
            )),
            sp::SetExpr::Values(_) => Err(unsupported("VALUES in a compound SELECT")),
            other => Err(unsupported(format!("{other} in a compound SELECT"))),
        }
    }

    /// `CREATE [TEMP] VIEW`: SQLite's form only (no OR REPLACE).
    fn create_view(&mut self, cv: &sp::CreateView) -> Result<ast::CreateView, SqlError> {
        if cv.or_replace || cv.or_alter {
            return Err(unsupported("CREATE OR REPLACE VIEW (SQLite has none)"));
        }
        let (schema, name) = qualified_name(&cv.name)?;
        if cv.temporary && schema == Some(ast::SchemaName::Main) {
            return Err(SqlError::Schema(
                "temporary table name must be unqualified".into(),
            ));
        }
        if cv.materialized
            || cv.secure
            || cv.copy_grants
            || cv.with_no_schema_binding
            || cv.to.is_some()
            || cv.params.is_some()
            || cv.comment.is_some()
            || !cv.cluster_by.is_empty()
            || !matches!(cv.options, sp::CreateTableOptions::None)
        {
            return Err(unsupported("CREATE VIEW syntax of other SQL dialects"));
        }
        let columns = cv
            .columns
            .iter()
            .map(|c| {
                if c.data_type.is_some() || c.options.is_some() {
                    return Err(unsupported("types or options on view columns"));
                }
                Ok(c.name.value.clone())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let before = self.exprs.max_param;
        let select = self.query(&cv.query)?;
        if self.exprs.max_param > before || !self.exprs.names.is_empty() {
            return Err(SqlError::Schema(
                "parameters are not allowed in views".into(),
            ));
        }
        Ok(ast::CreateView {
            name,
            temp: cv.temporary,
            schema,
            columns,
            select: Box::new(select),
            if_not_exists: cv.if_not_exists,
        })
    }

    /// A FROM item: a table, or a subquery (whose parameters are numbered
    /// here, before the result columns', as they are written).
    fn table_in_from(&mut self, factor: &sp::TableFactor) -> Result<TableRef, SqlError> {
        let sp::TableFactor::Derived {
            lateral,
            subquery,
            alias,
            sample,
        } = factor
        else {
            return table_ref(factor);
        };
        if *lateral || sample.is_some() {
            return Err(unsupported("LATERAL subqueries"));
        }
        let alias = match alias {
            None => None,
            Some(a) if a.columns.is_empty() && a.at.is_none() => Some(a.name.value.clone()),
            Some(a) => return Err(unsupported(format!("table alias with columns {a}"))),
        };
        let select = self.exprs.subquery(subquery)?;
        Ok(TableRef {
            name: alias.clone().unwrap_or_else(|| "(subquery)".to_string()),
            alias,
            derived: Some(Box::new(select)),
        })
    }

    fn select(&mut self, s: &sp::Select) -> Result<ast::Select, SqlError> {
        let sp::Select {
            select_token,
            optimizer_hints,
            distinct,
            select_modifiers,
            top,
            top_before_distinct: _,
            projection,
            exclude,
            into,
            from,
            lateral_views,
            prewhere,
            selection,
            connect_by,
            group_by,
            cluster_by,
            distribute_by,
            sort_by,
            having,
            named_window,
            qualify,
            window_before_qualify: _,
            value_table_mode,
            flavor,
        } = s;
        if !named_window.is_empty() {
            return Err(unsupported("window functions"));
        }
        if into.is_some() {
            return Err(unsupported("SELECT INTO"));
        }
        if !optimizer_hints.is_empty()
            || select_modifiers.is_some()
            || top.is_some()
            || exclude.is_some()
            || !lateral_views.is_empty()
            || prewhere.is_some()
            || !connect_by.is_empty()
            || !cluster_by.is_empty()
            || !distribute_by.is_empty()
            || !sort_by.is_empty()
            || qualify.is_some()
            || value_table_mode.is_some()
            || *flavor != sp::SelectFlavor::Standard
        {
            return Err(unsupported("SELECT syntax of other SQL dialects"));
        }
        let quantified = distinct.is_some();
        let distinct = match distinct {
            None | Some(sp::Distinct::All) => false,
            Some(sp::Distinct::Distinct) => true,
            Some(sp::Distinct::On(_)) => return Err(unsupported("DISTINCT ON")),
        };
        let texts = self.item_texts(select_token.0.span.start, quantified, projection);
        let items = projection
            .iter()
            .zip(texts)
            .map(|(item, text)| self.select_item(item, text))
            .collect::<Result<_, _>>()?;
        // FROM after the result columns, as written: its subqueries and ON
        // conditions may hold parameters, numbered in the order of the text.
        let mut joins = Vec::new();
        let from = match from.as_slice() {
            [] => None,
            [first, rest @ ..] => {
                let head = self.head_of_from(&first.relation, &mut joins)?;
                for j in &first.joins {
                    self.join_into(j, &mut joins)?;
                }
                for other in rest {
                    let comma = sp::Join {
                        relation: other.relation.clone(),
                        global: false,
                        join_operator: sp::JoinOperator::Join(sp::JoinConstraint::None),
                    };
                    self.join_into(&comma, &mut joins)?;
                    for j in &other.joins {
                        self.join_into(j, &mut joins)?;
                    }
                }
                Some(head)
            }
        };
        let filter = self.opt_expr(selection.as_ref())?;
        let group_by = match group_by {
            sp::GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(unsupported("GROUP BY modifiers (ROLLUP, CUBE, ...)"));
                }
                exprs
                    .iter()
                    .map(|e| self.exprs.expr(e))
                    .collect::<Result<_, _>>()?
            }
            sp::GroupByExpr::All(_) => return Err(unsupported("GROUP BY ALL")),
        };
        let having = self.opt_expr(having.as_ref())?;
        Ok(ast::Select {
            distinct,
            items,
            from,
            filter,
            group_by,
            having,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            compound: Vec::new(),
            with: Vec::new(),
            recursive: false,
            joins,
        })
    }

    /// The first item of FROM. A parenthesized join there, `(a JOIN b ON
    /// ..) JOIN c`, means what it means without the parentheses (joins
    /// group from the left), so its tables become the first joins.
    fn head_of_from(
        &mut self,
        factor: &sp::TableFactor,
        joins: &mut Vec<ast::Join>,
    ) -> Result<TableRef, SqlError> {
        match factor {
            sp::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    return Err(unsupported("an alias on a parenthesized join"));
                }
                let head = self.head_of_from(&table_with_joins.relation, joins)?;
                for j in &table_with_joins.joins {
                    self.join_into(j, joins)?;
                }
                Ok(head)
            }
            other => self.table_in_from(other),
        }
    }

    /// One `JOIN` of a FROM clause, added to `joins`. A parenthesized join
    /// on its right, `x JOIN (a LEFT JOIN b ON c1) ON c2`, is flattened
    /// when that keeps its meaning: the join into it is inner (or a comma
    /// or CROSS) and the joins inside it are inner or LEFT. Then `x` times
    /// `(a LEFT JOIN b)` is `(x JOIN a) LEFT JOIN b`, and the outer
    /// condition `c2` becomes a condition of `a`'s join, which the planner
    /// checks wherever the tables it reads are joined (on the whole row if
    /// it reads `b`). A RIGHT or FULL join inside, or an outer join into
    /// it, would change meaning and is refused.
    fn join_into(&mut self, j: &sp::Join, joins: &mut Vec<ast::Join>) -> Result<(), SqlError> {
        let sp::TableFactor::NestedJoin {
            table_with_joins,
            alias,
        } = &j.relation
        else {
            joins.push(self.join(j)?);
            return Ok(());
        };
        if alias.is_some() {
            return Err(unsupported("an alias on a parenthesized join"));
        }
        let refused = || {
            unsupported(
                "a parenthesized join holding a RIGHT or FULL join, or on the right of an outer join",
            )
        };
        use sp::JoinOperator as J;
        let outer_on = match &j.join_operator {
            J::Join(c) | J::Inner(c) | J::CrossJoin(c) => match c {
                sp::JoinConstraint::None => None,
                sp::JoinConstraint::On(e) => Some(e),
                _ => return Err(refused()),
            },
            _ => return Err(refused()),
        };
        let start = joins.len();
        let head = self.head_of_from(&table_with_joins.relation, joins)?;
        joins.insert(
            start,
            ast::Join {
                table: head,
                kind: ast::JoinKind::Inner,
                constraint: ast::JoinConstraint::None,
            },
        );
        for inner in &table_with_joins.joins {
            self.join_into(inner, joins)?;
        }
        if joins[start..]
            .iter()
            .any(|x| x.kind.keeps_unmatched_right())
        {
            return Err(refused());
        }
        if let Some(e) = outer_on {
            joins[start].constraint = ast::JoinConstraint::On(self.exprs.expr(e)?);
        }
        Ok(())
    }

    /// One `JOIN` of a FROM clause.
    fn join(&mut self, j: &sp::Join) -> Result<ast::Join, SqlError> {
        use sp::JoinOperator as J;
        let (kind, constraint) = match &j.join_operator {
            J::Join(c) | J::Inner(c) => (ast::JoinKind::Inner, c),
            J::CrossJoin(c) => (ast::JoinKind::Cross, c),
            J::Left(c) | J::LeftOuter(c) => (ast::JoinKind::Left, c),
            J::Right(c) | J::RightOuter(c) => (ast::JoinKind::Right, c),
            J::FullOuter(c) => (ast::JoinKind::Full, c),
            other => return Err(unsupported(format!("this kind of join ({other:?})"))),
        };
        if j.global {
            return Err(unsupported("GLOBAL joins"));
        }
        let table = self.table_in_from(&j.relation)?;
        let constraint = match constraint {
            sp::JoinConstraint::None => ast::JoinConstraint::None,
            sp::JoinConstraint::Natural => ast::JoinConstraint::Natural,
            sp::JoinConstraint::On(e) => ast::JoinConstraint::On(self.exprs.expr(e)?),
            sp::JoinConstraint::Using(names) => ast::JoinConstraint::Using(
                names
                    .iter()
                    .map(object_name)
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(ast::Join {
            table,
            kind,
            constraint,
        })
    }

    fn select_item(
        &mut self,
        item: &sp::SelectItem,
        text: Option<String>,
    ) -> Result<SelectItem, SqlError> {
        let plain = |w: &sp::WildcardAdditionalOptions| {
            let sp::WildcardAdditionalOptions {
                wildcard_token: _,
                opt_ilike,
                opt_exclude,
                opt_except,
                opt_replace,
                opt_rename,
                opt_alias,
            } = w;
            if opt_ilike.is_some()
                || opt_exclude.is_some()
                || opt_except.is_some()
                || opt_replace.is_some()
                || opt_rename.is_some()
                || opt_alias.is_some()
            {
                return Err(unsupported(format!("*{w}")));
            }
            Ok(())
        };
        Ok(match item {
            sp::SelectItem::UnnamedExpr(e) => SelectItem::Expr {
                expr: self.exprs.expr(e)?,
                alias: None,
                text: text.unwrap_or_else(|| e.to_string()),
            },
            sp::SelectItem::ExprWithAlias { expr, alias } => SelectItem::Expr {
                expr: self.exprs.expr(expr)?,
                alias: Some(alias.value.clone()),
                text: text.unwrap_or_else(|| expr.to_string()),
            },
            sp::SelectItem::Wildcard(w) => {
                plain(w)?;
                SelectItem::Wildcard
            }
            sp::SelectItem::QualifiedWildcard(
                sp::SelectItemQualifiedWildcardKind::ObjectName(n),
                w,
            ) => {
                plain(w)?;
                SelectItem::QualifiedWildcard(object_name(n)?)
            }
            other => return Err(unsupported(format!("result column {other}"))),
        })
    }

    /// The source text of each expression of a SELECT list, cut from the
    /// tokens: the list starts after `SELECT [DISTINCT|ALL]` (found by the
    /// location of the SELECT keyword), items are separated by commas
    /// outside parentheses, and the list ends at the keyword of the next
    /// clause (FROM, WHERE, ...) outside parentheses, or at the end. An
    /// alias (`AS x` or just `x`) is cut off. Where this does not find
    /// exactly one piece per item, the texts are None and the caller falls
    /// back to sqlparser's rendering of the expression.
    fn item_texts(
        &self,
        select: Location,
        quantified: bool,
        items: &[sp::SelectItem],
    ) -> Vec<Option<String>> {
        let none = vec![None; items.len()];
        let Some(select_at) = self.tokens.iter().position(|t| t.span.start == select) else {
            return none;
        };
        // Each piece: the significant tokens of one item.
        let mut pieces: Vec<Vec<&TokenWithSpan>> = vec![Vec::new()];
        let mut depth = 0usize;
        let mut previous: Option<Keyword> = None;
        // `DISTINCT` or `ALL` right after SELECT, if the AST has one.
        let mut skip_quantifier = quantified;
        for tok in self.tokens.iter().skip(select_at + 1) {
            let word = match &tok.token {
                Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
                _ => None,
            };
            match &tok.token {
                Token::Whitespace(_) => continue,
                Token::Word(_)
                    if skip_quantifier
                        && matches!(word, Some(Keyword::DISTINCT | Keyword::ALL)) =>
                {
                    skip_quantifier = false;
                    continue;
                }
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => break,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => {
                    pieces.push(Vec::new());
                    previous = None;
                    continue;
                }
                Token::SemiColon | Token::EOF if depth == 0 => break,
                Token::Word(_) if depth == 0 => {
                    // `a IS [NOT] DISTINCT FROM b` keeps going.
                    if let Some(kw) = word
                        && AFTER_SELECT_LIST.contains(&kw)
                        && !(kw == Keyword::FROM && previous == Some(Keyword::DISTINCT))
                    {
                        break;
                    }
                }
                _ => {}
            }
            skip_quantifier = false;
            previous = word;
            if let Some(piece) = pieces.last_mut() {
                piece.push(tok);
            }
        }
        if pieces.len() != items.len() {
            return none;
        }
        pieces
            .into_iter()
            .zip(items)
            .map(|(mut piece, item)| {
                if let sp::SelectItem::ExprWithAlias { alias, .. } = item {
                    // Drop the alias, and the AS before it.
                    if piece.last()?.span != alias.span {
                        return None;
                    }
                    piece.pop();
                    if is_keyword(piece.last().copied(), Keyword::AS) {
                        piece.pop();
                    }
                }
                let (first, last) = (piece.first()?, piece.last()?);
                self.text(first.span.start, last.span.end)
            })
            .collect()
    }

    fn order_term(&mut self, term: &sp::OrderByExpr) -> Result<OrderTerm, SqlError> {
        if term.with_fill.is_some() {
            return Err(unsupported("WITH FILL"));
        }
        let descending = match &term.options.sort {
            None | Some(sp::OrderBySort::Asc) => false,
            Some(sp::OrderBySort::Desc) => true,
            Some(other @ sp::OrderBySort::Using(_)) => {
                return Err(unsupported(format!(
                    "ORDER BY ...{}",
                    sp::OrderByOptions {
                        sort: Some(other.clone()),
                        nulls_first: None,
                    }
                )));
            }
        };
        Ok(OrderTerm {
            expr: self.exprs.expr(&term.expr)?,
            descending,
            nulls_first: term.options.nulls_first,
        })
    }

    fn opt_expr(&mut self, e: Option<&sp::Expr>) -> Result<Option<Expr>, SqlError> {
        e.map(|e| self.exprs.expr(e)).transpose()
    }
}

/// A PRAGMA's value, starting at `toks[i]`: `[+|-] number`, a word or a
/// quoted string. Returns it and the index after it.
fn pragma_value(toks: &[&TokenWithSpan], i: usize) -> Result<(PragmaValue, usize), SqlError> {
    let at = |i: usize| toks.get(i).copied();
    let (sign, i) = match at(i).map(|t| &t.token) {
        Some(Token::Minus) => (Some('-'), i + 1),
        Some(Token::Plus) => (Some('+'), i + 1),
        _ => (None, i),
    };
    let value = match at(i).map(|t| &t.token) {
        Some(Token::Number(text, _)) => match (number(text), sign) {
            (Ok(Value::Integer(n)), Some('-')) => PragmaValue::Number(n.wrapping_neg()),
            (Ok(Value::Integer(n)), _) => PragmaValue::Number(n),
            (_, Some('-')) => PragmaValue::Name(format!("-{text}")),
            (_, _) => PragmaValue::Name(text.clone()),
        },
        Some(Token::Word(w)) if sign.is_none() => PragmaValue::Name(w.value.clone()),
        Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) if sign.is_none() => {
            PragmaValue::Name(s.clone())
        }
        _ if sign.is_some() => return Err(expected("a number", at(i))),
        _ => return Err(expected("a pragma value", at(i))),
    };
    Ok((value, i + 1))
}

/// `OR REPLACE` / `OR IGNORE` / `OR ABORT` of INSERT and UPDATE, if
/// written.
fn conflict(
    or: &Option<sp::SqliteOnConflict>,
    statement: &str,
) -> Result<Option<Conflict>, SqlError> {
    Ok(match or {
        None => None,
        Some(sp::SqliteOnConflict::Abort) => Some(Conflict::Abort),
        Some(sp::SqliteOnConflict::Replace) => Some(Conflict::Replace),
        Some(sp::SqliteOnConflict::Ignore) => Some(Conflict::Ignore),
        Some(other) => return Err(unsupported(format!("{statement} {other}"))),
    })
}

/// The one table of UPDATE or DELETE: no joins, no alias.
fn plain_table(t: &sp::TableWithJoins, statement: &str) -> Result<String, SqlError> {
    if !t.joins.is_empty() {
        return Err(unsupported("joins"));
    }
    let table = table_ref(&t.relation)?;
    if table.alias.is_some() {
        return Err(unsupported(format!("table alias in {statement}")));
    }
    Ok(table.name)
}

/// A table in FROM: a plain name with an optional alias.
fn table_ref(factor: &sp::TableFactor) -> Result<TableRef, SqlError> {
    match factor {
        sp::TableFactor::Table {
            name,
            alias,
            args,
            with_hints,
            version,
            with_ordinality,
            partitions,
            json_path,
            sample,
            index_hints,
        } => {
            if args.is_some() {
                return Err(unsupported("table-valued functions"));
            }
            if !with_hints.is_empty()
                || version.is_some()
                || *with_ordinality
                || !partitions.is_empty()
                || json_path.is_some()
                || sample.is_some()
                || !index_hints.is_empty()
            {
                return Err(unsupported(format!(
                    "table syntax of other SQL dialects ({factor})"
                )));
            }
            let alias = match alias {
                None => None,
                Some(a) if a.columns.is_empty() && a.at.is_none() => Some(a.name.value.clone()),
                Some(a) => return Err(unsupported(format!("table alias with columns {a}"))),
            };
            Ok(TableRef {
                name: object_name(name)?,
                alias,
                derived: None,
            })
        }
        sp::TableFactor::Derived { .. } => Err(unsupported("a subquery here")),
        sp::TableFactor::NestedJoin { .. } => Err(unsupported("joins")),
        sp::TableFactor::TableFunction { .. }
        | sp::TableFactor::Function { .. }
        | sp::TableFactor::UNNEST { .. } => Err(unsupported("table-valued functions")),
        other => Err(unsupported(format!("FROM {other}"))),
    }
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns)`.
fn create_index(ci: &sp::CreateIndex) -> Result<ast::CreateIndex, SqlError> {
    let sp::CreateIndex {
        name,
        table_name,
        using,
        columns,
        unique,
        concurrently,
        r#async,
        if_not_exists,
        include,
        nulls_distinct,
        with,
        predicate,
        index_options,
        alter_options,
    } = ci;
    let Some(name) = name else {
        return Err(SqlError::Syntax("CREATE INDEX needs an index name".into()));
    };
    if predicate.is_some() {
        return Err(unsupported("partial indexes (CREATE INDEX ... WHERE)"));
    }
    if using.is_some()
        || *concurrently
        || *r#async
        || !include.is_empty()
        || nulls_distinct.is_some()
        || !with.is_empty()
        || !index_options.is_empty()
        || !alter_options.is_empty()
    {
        return Err(unsupported("CREATE INDEX syntax of other SQL dialects"));
    }
    Ok(ast::CreateIndex {
        name: object_name(name)?,
        table: object_name(table_name)?,
        columns: indexed_columns(columns)?,
        unique: *unique,
        if_not_exists: *if_not_exists,
    })
}

/// A short name for a statement walnut does not implement: its leading
/// keywords as sqlparser prints them (`VACUUM`, `CREATE SCHEMA`).
fn statement_name(s: &sp::Statement) -> String {
    let text = s.to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .take(2)
        .take_while(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    if words.is_empty() {
        "this statement".into()
    } else {
        words.join(" ")
    }
}

/// Translates sqlparser expressions, numbering parameters as it goes.
#[derive(Debug)]
pub struct ExprTranslator<'a> {
    /// The highest parameter index handed out so far.
    pub max_param: usize,
    /// The named parameters seen so far (prefix included), each with the
    /// index it got at its first appearance.
    pub names: Vec<(String, usize)>,
    /// The SQL text, to tell `0x1F` (an integer) from `X'1F'` (a blob),
    /// which sqlparser gives the same token.
    source: &'a str,
    /// The statement's tokens (for the result column names of subqueries);
    /// empty where expressions are translated on their own.
    tokens: &'a [TokenWithSpan],
    /// Whether the expressions are part of a trigger's program, the one
    /// place `RAISE()` may be used.
    in_trigger: bool,
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
            names: Vec::new(),
            source,
            tokens: &[],
            in_trigger: false,
        }
    }

    /// A subquery, translated by a statement translator that carries on
    /// this one's parameter numbering (parameters are numbered in the
    /// order they are written, inside subqueries too).
    pub(crate) fn subquery(&mut self, q: &sp::Query) -> Result<ast::Select, SqlError> {
        let (source, tokens, in_trigger) = (self.source, self.tokens, self.in_trigger);
        let mut t = Translator {
            exprs: std::mem::replace(self, ExprTranslator::new(source)),
            source,
            tokens,
        };
        let result = t.query(q);
        *self = t.exprs;
        self.tokens = tokens;
        self.in_trigger = in_trigger;
        result
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
                if *op == sp::UnaryOperator::Minus
                    && let sp::Expr::Value(v) = expr.as_ref()
                    && let sp::Value::Number(text, _) = &v.value
                    && let Some(negative) = negative_number(text)?
                {
                    return Ok(Expr::Literal(negative));
                }
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
            // sqlparser gives these functions nodes of their own.
            sp::Expr::Substring {
                expr,
                substring_from: Some(from),
                substring_for,
                special: true,
                shorthand,
            } => {
                let mut args = vec![self.expr(expr)?, self.expr(from)?];
                if let Some(len) = substring_for {
                    args.push(self.expr(len)?);
                }
                Expr::Function {
                    name: if *shorthand { "substr" } else { "substring" }.into(),
                    args,
                    distinct: false,
                    star: false,
                }
            }
            sp::Expr::Trim {
                trim_where: None,
                trim_what: None,
                expr,
                trim_characters,
            } => {
                let mut args = vec![self.expr(expr)?];
                for x in trim_characters.iter().flatten() {
                    args.push(self.expr(x)?);
                }
                Expr::Function {
                    name: "trim".into(),
                    args,
                    distinct: false,
                    star: false,
                }
            }
            sp::Expr::Subquery(q) => Expr::Subquery(Box::new(self.subquery(q)?)),
            sp::Expr::Exists { subquery, negated } => Expr::Exists {
                select: Box::new(self.subquery(subquery)?),
                negated: *negated,
            },
            sp::Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => {
                let x = self.expr(expr)?;
                Expr::InSelect {
                    expr: Box::new(x),
                    select: Box::new(self.subquery(subquery)?),
                    negated: *negated,
                }
            }
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
        // A name gets the next index at its first appearance (SQLite).
        if !self.names.iter().any(|(name, _)| name == p) {
            self.max_param += 1;
            self.names.push((p.to_string(), self.max_param));
        }
        Ok(Expr::Param(Param::Named(p.to_string())))
    }

    fn function(&mut self, f: &sp::Function) -> Result<Expr, SqlError> {
        let name = match f.name.0.as_slice() {
            [part] => part.to_string().to_ascii_lowercase(),
            _ => return Err(unsupported(format!("function name {}", f.name))),
        };
        let unquoted = matches!(f.name.0.as_slice(),
            [sp::ObjectNamePart::Identifier(id)] if id.quote_style.is_none());
        if name == "raise" && unquoted {
            return self.raise(f);
        }
        if f.over.is_some() {
            return Err(unsupported("window functions"));
        }
        if f.filter.is_some() || !f.within_group.is_empty() {
            return Err(unsupported(format!("{name}() with FILTER or WITHIN GROUP")));
        }
        let (mut args, mut distinct, mut star) = (Vec::new(), false, false);
        match &f.args {
            sp::FunctionArguments::None => {}
            sp::FunctionArguments::Subquery(_) => {
                return Err(unsupported("subqueries"));
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

impl ExprTranslator<'_> {
    /// `RAISE(IGNORE)` or `RAISE(ROLLBACK|ABORT|FAIL, message)`, which
    /// sqlparser reads as a call of a function `RAISE` whose first argument
    /// is a name. The message is a string or a name, as in SQLite's grammar
    /// (not an expression). Outside a trigger's program it is SQLite's
    /// error.
    fn raise(&mut self, f: &sp::Function) -> Result<Expr, SqlError> {
        if !self.in_trigger {
            return Err(SqlError::Schema(
                "RAISE() may only be used within a trigger-program".into(),
            ));
        }
        let args: Vec<&sp::Expr> = match &f.args {
            sp::FunctionArguments::List(list)
                if list.clauses.is_empty() && list.duplicate_treatment.is_none() =>
            {
                list.args
                    .iter()
                    .map(|a| match a {
                        sp::FunctionArg::Unnamed(sp::FunctionArgExpr::Expr(x)) => Ok(x),
                        _ => Err(raise_syntax()),
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(raise_syntax()),
        };
        let action = match args.first() {
            Some(sp::Expr::Identifier(id)) if id.quote_style.is_none() => {
                match id.value.to_ascii_uppercase().as_str() {
                    "IGNORE" => ast::RaiseAction::Ignore,
                    "ROLLBACK" => ast::RaiseAction::Rollback,
                    "ABORT" => ast::RaiseAction::Abort,
                    "FAIL" => ast::RaiseAction::Fail,
                    _ => return Err(raise_syntax()),
                }
            }
            _ => return Err(raise_syntax()),
        };
        let message = match (action, &args[1..]) {
            (ast::RaiseAction::Ignore, []) => String::new(),
            (ast::RaiseAction::Ignore, _) => return Err(raise_syntax()),
            (_, [sp::Expr::Identifier(id)]) => id.value.clone(),
            (_, [sp::Expr::Value(v)]) => match &v.value {
                sp::Value::SingleQuotedString(m) => m.clone(),
                _ => return Err(raise_syntax()),
            },
            _ => return Err(raise_syntax()),
        };
        Ok(Expr::Raise { action, message })
    }
}

fn raise_syntax() -> SqlError {
    SqlError::Syntax(
        "RAISE takes IGNORE, or ROLLBACK, ABORT or FAIL with a message: RAISE(ABORT, 'why')".into(),
    )
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

/// `-number` as SQLite reads it: a literal, so that `-0.0` is the REAL
/// -0.0 (not 0 - 0.0), and -9223372036854775808 the smallest INTEGER,
/// though 9223372036854775808 alone is too big for one (a REAL). `None`
/// if `number` reads `text` as neither INTEGER nor REAL (then it is the
/// operator applied to the number).
fn negative_number(text: &str) -> Result<Option<Value>, SqlError> {
    if text == "9223372036854775808" {
        return Ok(Some(Value::Integer(i64::MIN)));
    }
    Ok(match number(text)? {
        Value::Integer(i) => Some(Value::Integer(-i)),
        Value::Real(r) => Some(Value::Real(-r)),
        _ => None,
    })
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

/// Translates `CREATE TABLE`, refusing what walnut does not implement.
/// Parameters in it (which SQLite refuses anyway) are numbered from 1.
pub fn create_table(ct: &sp::CreateTable, source: &str) -> Result<ast::CreateTable, SqlError> {
    create_table_with(ct, &mut ExprTranslator::new(source))
}

/// [`create_table`] with the statement's expression translator.
fn create_table_with(
    ct: &sp::CreateTable,
    t: &mut ExprTranslator<'_>,
) -> Result<ast::CreateTable, SqlError> {
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
    let mut out = ast::CreateTable {
        name,
        if_not_exists: ct.if_not_exists,
        columns: Vec::new(),
        primary_key: None,
        uniques: Vec::new(),
        checks: Vec::new(),
        primary_key_position: 0,
    };
    let set_pk = |out: &mut ast::CreateTable, cols: Vec<IndexedColumn>| {
        if out.primary_key.is_some() {
            return Err(more_than_one_primary_key(&out.name));
        }
        out.primary_key = Some(cols);
        out.primary_key_position = out.uniques.len();
        Ok(())
    };
    for c in &ct.columns {
        let col = column_def_of(c, &out.name, t)?;
        // Column constraints are table constraints too.
        if let Some(pk) = &col.primary_key {
            set_pk(&mut out, vec![pk.clone()])?;
        }
        if col.unique {
            out.uniques.push(vec![IndexedColumn {
                name: col.name.clone(),
                descending: false,
            }]);
        }
        out.checks.extend(col.checks.iter().cloned());
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

fn more_than_one_primary_key(table: &str) -> SqlError {
    SqlError::Schema(format!("table \"{table}\" has more than one primary key"))
}

/// Translates one column definition of `CREATE TABLE` or
/// `ALTER TABLE ADD COLUMN` (of table `table`, for messages).
fn column_def_of(
    c: &sp::ColumnDef,
    table: &str,
    t: &mut ExprTranslator<'_>,
) -> Result<ast::ColumnDef, SqlError> {
    let mut col = ast::ColumnDef {
        name: c.name.value.clone(),
        type_name: c.data_type.to_string(),
        not_null: false,
        default: None,
        default_number_text: None,
        primary_key: None,
        unique: false,
        checks: Vec::new(),
    };
    for opt in &c.options {
        match &opt.option {
            sp::ColumnOption::Null => {}
            sp::ColumnOption::NotNull => col.not_null = true,
            sp::ColumnOption::Default(e) => {
                col.default = Some(t.expr(e)?);
                col.default_number_text = match e {
                    sp::Expr::Value(v) => match &v.value {
                        sp::Value::Number(text, _) => Some(text.clone()),
                        _ => None,
                    },
                    _ => None,
                };
            }
            sp::ColumnOption::PrimaryKey(_) => {
                if col.primary_key.is_some() {
                    return Err(more_than_one_primary_key(table));
                }
                // The column's own direction is written after PRIMARY KEY
                // (`id INTEGER PRIMARY KEY DESC`), which sqlparser keeps
                // as raw tokens (below).
                col.primary_key = Some(IndexedColumn {
                    name: col.name.clone(),
                    descending: false,
                });
            }
            sp::ColumnOption::Unique(_) => col.unique = true,
            sp::ColumnOption::Check(c) => col.checks.push(t.expr(&c.expr)?),
            sp::ColumnOption::DialectSpecific(tokens) => {
                // sqlparser leaves `PRIMARY KEY ASC|DESC` as raw tokens.
                let word = match tokens.as_slice() {
                    [Token::Word(w)] => w.value.to_ascii_uppercase(),
                    _ => String::new(),
                };
                match (word.as_str(), &mut col.primary_key) {
                    ("ASC", Some(_)) => {}
                    ("DESC", Some(pk)) => pk.descending = true,
                    _ => {
                        let text: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
                        return Err(unsupported(format!("column option {}", text.join(" "))));
                    }
                }
            }
            other => return Err(unsupported(format!("column option {other}"))),
        }
    }
    Ok(col)
}

/// The columns of an index or of a PRIMARY KEY / UNIQUE constraint: plain
/// column names, each with an optional ASC or DESC.
fn indexed_columns(cols: &[sp::IndexColumn]) -> Result<Vec<IndexedColumn>, SqlError> {
    cols.iter()
        .map(|c| {
            let name = match &c.column.expr {
                sp::Expr::Identifier(id) => id.value.clone(),
                sp::Expr::Collate { .. } => return Err(unsupported("COLLATE in an index")),
                other => return Err(unsupported(format!("index on expression {other}"))),
            };
            if c.column.options.nulls_first.is_some() {
                return Err(unsupported("NULLS FIRST/LAST in an index"));
            }
            if c.operator_class.is_some() || c.column.with_fill.is_some() {
                return Err(unsupported(format!("index column {}", c.column)));
            }
            let descending = match &c.column.options.sort {
                None | Some(sp::OrderBySort::Asc) => false,
                Some(sp::OrderBySort::Desc) => true,
                Some(sp::OrderBySort::Using(_)) => {
                    return Err(unsupported(format!("index column {}", c.column)));
                }
            };
            Ok(IndexedColumn { name, descending })
        })
        .collect()
}

/// An object name that may be qualified by `main.` or `temp.` (for views
/// and triggers, the objects a TEMP schema can hold): the schema, if
/// written, and the name. Any other database is SQLite's "unknown
/// database".
pub fn qualified_name(n: &sp::ObjectName) -> Result<(Option<ast::SchemaName>, String), SqlError> {
    let part = |p: &sp::ObjectNamePart| {
        p.as_ident()
            .map(|i| i.value.clone())
            .ok_or_else(|| unsupported(format!("name {n}")))
    };
    match n.0.as_slice() {
        [_] => Ok((None, object_name(n)?)),
        [schema, name] => Ok((Some(schema_name(&part(schema)?)?), part(name)?)),
        _ => Err(unsupported(format!("qualified name {n}"))),
    }
}

/// `main` or `temp` (any case); SQLite's error for any other database.
fn schema_name(name: &str) -> Result<ast::SchemaName, SqlError> {
    if name.eq_ignore_ascii_case("main") {
        Ok(ast::SchemaName::Main)
    } else if name.eq_ignore_ascii_case("temp") {
        Ok(ast::SchemaName::Temp)
    } else {
        Err(SqlError::Schema(format!("unknown database {name}")))
    }
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
        /// The parameters of `SELECT <list>`, in order.
        fn params(list: &str) -> (Vec<Param>, ParsedStatement) {
            let parsed = parse_statement(&format!("SELECT {list}")).expect("parse");
            let Statement::Select(s) = &parsed.statement else {
                panic!("not a select")
            };
            let params = s
                .items
                .iter()
                .map(|item| match item {
                    SelectItem::Expr {
                        expr: Expr::Param(p),
                        ..
                    } => p.clone(),
                    other => panic!("not a parameter: {other:?}"),
                })
                .collect();
            (params, parsed)
        }
        let named = |n: &str| Param::Named(n.into());

        // `?` continues after the highest index so far, `?N` is N.
        let (got, parsed) = params("?, ?5, ?");
        assert_eq!(got, [Param::Index(1), Param::Index(5), Param::Index(6)]);
        assert_eq!(parsed.param_count, 6);

        // A name takes the next index when first seen and keeps it; a `?`
        // after it continues after it.
        let (got, parsed) = params(":a, ?, :a, $b, ?");
        assert_eq!(
            got,
            [
                named(":a"),
                Param::Index(2),
                named(":a"),
                named("$b"),
                Param::Index(4)
            ]
        );
        assert_eq!(parsed.param_count, 4);
        assert_eq!(
            parsed.param_names,
            [(":a".to_string(), 1), ("$b".to_string(), 3)]
        );

        // `?N` can skip indexes; the count is the highest one.
        let (_, parsed) = params("?3, @x");
        assert_eq!(parsed.param_count, 4);
        assert_eq!(parsed.param_names, [("@x".to_string(), 4)]);
    }

    #[test]
    fn sqlite_spellings_that_sqlparser_reads_differently() {
        let is = |negated| {
            Ok(Expr::Is {
                left: Box::new(Expr::Column {
                    table: None,
                    name: "a".into(),
                }),
                right: lit(Value::Integer(1)),
                negated,
            })
        };
        // `IS` / `IS NOT` with any right-hand side.
        assert_eq!(expr("a IS 1"), is(false));
        assert_eq!(expr("a IS NOT 1"), is(true));
        assert_eq!(expr("a IS NOT DISTINCT FROM 1"), is(false));
        assert!(matches!(
            expr("a IS NOT NULL"),
            Ok(Expr::IsNull { negated: true, .. })
        ));
        // Postfix ISNULL / NOTNULL.
        assert!(matches!(
            expr("a ISNULL"),
            Ok(Expr::IsNull { negated: false, .. })
        ));
        assert!(matches!(
            expr("a NOTNULL"),
            Ok(Expr::IsNull { negated: true, .. })
        ));
        // substr, substring and trim are plain functions.
        let function = |sql: &str| match expr(sql) {
            Ok(Expr::Function { name, args, .. }) => (name, args.len()),
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(function("substr(a, 2)"), ("substr".into(), 2));
        assert_eq!(function("SUBSTRING(a, 2, 3)"), ("substring".into(), 3));
        assert_eq!(function("trim(a)"), ("trim".into(), 1));
        assert_eq!(function("trim(a, 'x')"), ("trim".into(), 2));
        assert!(expr("SUBSTRING(a FROM 2)").is_err(), "not SQLite syntax");
        assert!(
            expr("TRIM(LEADING 'x' FROM a)").is_err(),
            "not SQLite syntax"
        );
    }

    #[test]
    fn out_of_scope_constructs_are_named_in_the_error() {
        assert!(matches!(expr("(SELECT 1)"), Ok(Expr::Subquery(_))));
        let err = expr("a COLLATE nocase").expect_err("collate");
        assert!(
            err.to_string().starts_with("not supported: expression"),
            "{err}"
        );
        let err = parse_sql("SELEC 1").expect_err("typo");
        assert!(err.to_string().contains("Line: 1, Column: 1"), "{err}");
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

#[cfg(test)]
mod script_tests {
    use super::*;

    /// (text, line) of each statement of a script.
    fn split(script: &str) -> Vec<(&str, usize)> {
        split_statements(script)
            .iter()
            .map(|s| (s.text, s.line))
            .collect()
    }

    #[test]
    fn statements_are_split_on_semicolons_outside_strings_names_and_comments() {
        assert_eq!(
            split("SELECT 1; SELECT 2;"),
            [("SELECT 1", 1), ("SELECT 2", 1)]
        );
        // None of these `;` ends a statement.
        assert_eq!(
            split("SELECT 'a;b', \"c;d\", `e;f`, [g;h] -- i;j\n /* k;l */ FROM t;"),
            [(
                "SELECT 'a;b', \"c;d\", `e;f`, [g;h] -- i;j\n /* k;l */ FROM t",
                1
            )]
        );
        // A doubled quote stays inside the string.
        assert_eq!(
            split("SELECT 'it''s;'; X"),
            [("SELECT 'it''s;'", 1), ("X", 1)]
        );
    }

    #[test]
    fn empty_statements_are_skipped_and_a_last_one_without_semicolon_is_kept() {
        assert_eq!(
            split(";; -- nothing\n; /* nor here */ ;SELECT 1;\n  \n SELECT 2  "),
            [("SELECT 1", 2), ("SELECT 2", 4)]
        );
        assert_eq!(split(""), []);
        assert_eq!(split("  -- only a comment"), []);
    }

    #[test]
    fn text_starts_at_the_first_token_with_its_line_and_offset() {
        let script = "-- setup\nCREATE TABLE t(a);\n\n  /* rows */ INSERT INTO t\n  VALUES (1);";
        let got = split_statements(script);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text, "CREATE TABLE t(a)");
        assert_eq!(got[0].line, 2);
        assert_eq!(got[1].text, "INSERT INTO t\n  VALUES (1)");
        assert_eq!(got[1].line, 4);
        for s in &got {
            assert_eq!(&script[s.offset..s.offset + s.text.len()], s.text);
        }
    }

    #[test]
    fn an_unterminated_string_runs_to_the_end() {
        assert_eq!(
            split("SELECT 1; SELECT 'a;b"),
            [("SELECT 1", 1), ("SELECT 'a;b", 1)]
        );
    }

    #[test]
    fn multi_word_type_names_are_one_name() {
        let p = parse_statement(
            "CREATE TABLE t(a UNSIGNED BIG INT NOT NULL, b FLOATING POINT, c NATIVE CHARACTER(70), d INT)",
        )
        .expect("parse");
        let Statement::CreateTable(ct) = p.statement else {
            panic!("{:?}", p.statement)
        };
        let types: Vec<&str> = ct.columns.iter().map(|c| c.type_name.as_str()).collect();
        assert_eq!(
            types,
            [
                "UNSIGNED BIG INT",
                "FLOATING POINT",
                "NATIVE CHARACTER(70)",
                "INT"
            ]
        );
        assert!(ct.columns[0].not_null);
        let p = parse_statement("ALTER TABLE t ADD COLUMN e LONG TEXT DEFAULT 'x'").expect("parse");
        let Statement::AddColumn { column, .. } = p.statement else {
            panic!()
        };
        assert_eq!(column.type_name, "LONG TEXT");
    }

    #[test]
    fn a_trigger_body_is_one_statement() {
        let script = "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END; SELECT 3;";
        let texts: Vec<&str> = split_statements(script).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "CREATE TRIGGER r AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END",
                "SELECT 3"
            ]
        );
        assert!(!is_complete(
            "CREATE TEMP TRIGGER r UPDATE ON t BEGIN SELECT 1;"
        ));
        assert!(is_complete(
            "CREATE TEMP TRIGGER r UPDATE ON t BEGIN SELECT 1; END;"
        ));
        let parsed = parse_statement(texts[0]).expect("a trigger");
        assert_eq!(parsed.text, texts[0]);
        // Only an END right after a `;` ends the body (as in SQLite's
        // sqlite3_complete): not the END of a CASE, nor `BEGIN END`.
        let script = "CREATE TRIGGER r INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; \
                      SELECT 3;-- done\nEND; SELECT 4";
        let texts: Vec<&str> = split_statements(script).iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            [
                "CREATE TRIGGER r INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; \
                 SELECT 3;-- done\nEND",
                "SELECT 4"
            ]
        );
        assert!(!is_complete(
            "CREATE TRIGGER r INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END;"
        ));
        assert!(!is_complete("CREATE TRIGGER r INSERT ON t BEGIN END;"));
    }

    #[test]
    fn is_complete_wants_a_final_semicolon_outside_strings_and_comments() {
        assert!(is_complete("SELECT 1;"));
        assert_eq!(
            complete_statements("SELECT 1; SELECT 2;").map(|v| v.len()),
            Some(2)
        );
        assert_eq!(
            complete_statements("SELECT 1; SELECT 2").map(|v| v.len()),
            None
        );
        assert_eq!(
            complete_statements("-- only a comment;\n").map(|v| v.len()),
            Some(0)
        );
        assert!(is_complete("SELECT 1; -- done"));
        assert!(is_complete("SELECT 1; /* done */ \n"));
        assert!(!is_complete("SELECT 1"));
        assert!(!is_complete("SELECT 1; SELECT 2"));
        assert!(!is_complete("SELECT 'a;"), "inside a string");
        assert!(!is_complete("SELECT [a;"), "inside a quoted name");
        assert!(!is_complete("SELECT 1; /* ;"), "inside a comment");
        assert!(!is_complete("SELECT 1 -- ;"), "the ; is in the comment");
        // Nothing pending: nothing to wait for.
        assert!(is_complete(""));
        assert!(is_complete("  -- just a comment\n"));
    }

    /// The scanner as it was before it worked on bytes (one character at
    /// a time, every word copied): the model the byte scanner must agree
    /// with.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Model {
        Code,
        Quoted(char),
        LineComment,
        BlockComment,
    }

    fn model_scan(script: &str) -> Scan {
        let mut statements = Vec::new();
        let mut state = Model::Code;
        // The current statement's (first token start, last token end).
        let mut current: Option<(usize, usize)> = None;
        // Words of the current statement: its first three, and the last one
        // if it came right after a `;` (a trigger's body holds `;`, and only
        // `; END;` ends it, as in SQLite's `sqlite3_complete`: the END of a
        // CASE does not).
        let mut word = String::new();
        let mut first_words: Vec<String> = Vec::new();
        let mut last_word = String::new();
        // Whether the last token was a `;` inside a trigger, and whether the
        // word being read started right after one.
        let mut after_semicolon = false;
        let mut word_after_semicolon = false;
        // Only the words kept are copied: scanning is done for every line the
        // shell reads, and most words are neither.
        let flush = |word: &mut String, first: &mut Vec<String>, last: &mut String, after: bool| {
            if !word.is_empty() {
                if first.len() < 3 {
                    first.push(word.to_ascii_uppercase());
                }
                last.clear();
                if after {
                    last.push_str(word);
                    last.make_ascii_uppercase();
                }
                word.clear();
            }
        };
        let mut chars = script.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            let end = i + c.len_utf8();
            if state == Model::Code && !(c.is_ascii_alphanumeric() || c == '_') {
                flush(
                    &mut word,
                    &mut first_words,
                    &mut last_word,
                    word_after_semicolon,
                );
            }
            match state {
                Model::Code => match c {
                    ';' if is_trigger(&first_words) && last_word != "END" => {
                        last_word.clear();
                        after_semicolon = true;
                        if let Some((_, last)) = &mut current {
                            *last = end;
                        }
                    }
                    ';' => {
                        if let Some(range) = current.take() {
                            statements.push(range);
                        }
                        first_words.clear();
                        last_word.clear();
                        after_semicolon = false;
                    }
                    '-' if next == Some('-') => {
                        chars.next();
                        state = Model::LineComment;
                    }
                    '/' if next == Some('*') => {
                        chars.next();
                        state = Model::BlockComment;
                    }
                    c if c.is_whitespace() => {}
                    c => {
                        state = match c {
                            '\'' | '"' | '`' => Model::Quoted(c),
                            '[' => Model::Quoted(']'),
                            _ => Model::Code,
                        };
                        if c.is_ascii_alphanumeric() || c == '_' {
                            if word.is_empty() {
                                word_after_semicolon = after_semicolon;
                            }
                            word.push(c);
                        } else {
                            last_word.clear();
                        }
                        after_semicolon = false;
                        current = Some(current.map_or((i, end), |(start, _)| (start, end)));
                    }
                },
                Model::Quoted(close) => {
                    if let Some((_, last)) = &mut current {
                        *last = end;
                    }
                    if c == close {
                        state = Model::Code;
                    }
                }
                Model::LineComment => {
                    if c == '\n' {
                        state = Model::Code;
                    }
                }
                Model::BlockComment => {
                    if c == '*' && next == Some('/') {
                        chars.next();
                        state = Model::Code;
                    }
                }
            }
        }
        let unterminated = current.is_some();
        statements.extend(current);
        Scan {
            statements,
            unterminated,
            open: matches!(state, Model::Quoted(_) | Model::BlockComment),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(5_000))]

        /// The byte scanner finds what the character scanner found, on
        /// scripts made of the pieces that matter to it: quotes of every
        /// kind, comments, `;`, triggers and their END, words run
        /// together, spaces outside ASCII and other characters.
        #[test]
        fn the_byte_scanner_agrees_with_the_model(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "CREATE", "create", "TEMP", "TEMPORARY", "TRIGGER", "trigger", "END", "end",
                "BEGIN", "CASE", "INSERT", "x", "_1", " ", "  ", "\t", "\n", "\r", "\u{b}",
                "\u{c}", "\u{a0}", "\u{2028}", "\u{3000}", "é", "😀", ";", ";", ";", "'", "\"",
                "`", "[", "]", "--", "-", "/*", "*/", "/", "*", "(", ")", ",", "1", "''",
                "CREATE TRIGGER ", "CREATE TEMP TRIGGER ", "create temporary trigger ",
                "; END;", ";END", "END;", "; end ",
            ]), 0..40)
        ) {
            let script: String = pieces.concat();
            proptest::prop_assert_eq!(scan(&script), model_scan(&script), "{:?}", script);
        }
    }
}

#[cfg(test)]
mod statement_tests {
    use super::*;
    use crate::ast::{
        ColumnDef, CreateIndex, CreateTrigger, Delete, Insert, RaiseAction, SchemaName, Select,
        TriggerEvent, TriggerStep, TriggerTiming, Update,
    };

    fn parse(sql: &str) -> Statement {
        match parse_statement(sql) {
            Ok(p) => p.statement,
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    /// The error message for `sql`.
    fn refused(sql: &str) -> String {
        match parse_statement(sql) {
            Ok(p) => panic!("{sql} was accepted: {:?}", p.statement),
            Err(e) => e.to_string(),
        }
    }

    fn select(sql: &str) -> Select {
        match parse(sql) {
            Statement::Select(s) => *s,
            other => panic!("not a SELECT: {other:?}"),
        }
    }

    fn col(name: &str) -> Expr {
        Expr::Column {
            table: None,
            name: name.into(),
        }
    }

    fn int(i: i64) -> Expr {
        Expr::Literal(Value::Integer(i))
    }

    /// The texts SQLite would name the result columns by (alias first).
    fn column_names(sql: &str) -> Vec<String> {
        select(sql)
            .items
            .into_iter()
            .map(|item| match item {
                SelectItem::Expr { alias, text, .. } => alias.unwrap_or(text),
                other => format!("{other:?}"),
            })
            .collect()
    }

    // -- one statement ---------------------------------------------------------

    #[test]
    fn exactly_one_statement_is_parsed() {
        assert!(matches!(parse("SELECT 1;"), Statement::Select(_)));
        assert_eq!(
            refused("SELECT 1; SELECT 2"),
            "syntax error: more than one statement (one was expected)"
        );
        assert_eq!(refused("  ; -- nothing"), "syntax error: empty statement");
        assert_eq!(refused(""), "syntax error: empty statement");
        let err = refused("SELEC 1");
        assert!(err.contains("Line: 1, Column: 1"), "{err}");
    }

    #[test]
    fn the_statement_text_is_kept_without_comments_around_it_or_semicolon() {
        let parsed = parse_statement("  -- make t\n CREATE TABLE t(\n  a -- first\n) ; -- done")
            .expect("parse");
        assert_eq!(parsed.text, "CREATE TABLE t(\n  a -- first\n)");
    }

    // -- schema ----------------------------------------------------------------

    #[test]
    fn create_and_drop_table() {
        let Statement::CreateTable(t) =
            parse("CREATE TABLE \"my table\"(a INTEGER PRIMARY KEY, b)")
        else {
            panic!("not CREATE TABLE")
        };
        assert_eq!(t.name, "my table", "the name is unquoted");
        assert_eq!(t.columns.len(), 2);
        assert_eq!(
            parse("DROP TABLE t"),
            Statement::DropTable {
                name: "t".into(),
                if_exists: false
            }
        );
        assert_eq!(
            parse("DROP TABLE IF EXISTS [t]"),
            Statement::DropTable {
                name: "t".into(),
                if_exists: true
            }
        );
        assert_eq!(
            refused("DROP TABLE t, u"),
            "not supported: DROP of several objects at once"
        );
        assert!(matches!(
            parse("DROP VIEW IF EXISTS v"),
            Statement::DropView {
                if_exists: true,
                ..
            }
        ));
        match parse("CREATE VIEW IF NOT EXISTS v(x) AS SELECT 1 UNION SELECT 2") {
            Statement::CreateView(cv) => {
                assert_eq!((cv.name.as_str(), cv.columns.len()), ("v", 1));
                assert!(cv.if_not_exists);
                assert_eq!(cv.select.compound.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            refused("CREATE VIEW v AS SELECT ?"),
            "parameters are not allowed in views"
        );
    }

    #[test]
    fn temp_views_and_schema_qualified_views() {
        let view = |sql: &str| match parse(sql) {
            Statement::CreateView(cv) => (cv.temp, cv.schema, cv.name),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            view("CREATE TEMP VIEW v AS SELECT 1"),
            (true, None, "v".into())
        );
        assert_eq!(
            view("CREATE TEMPORARY VIEW v AS SELECT 1"),
            (true, None, "v".into())
        );
        assert_eq!(
            view("CREATE VIEW Temp.v AS SELECT 1"),
            (false, Some(SchemaName::Temp), "v".into())
        );
        assert_eq!(
            refused("CREATE TEMP VIEW main.v AS SELECT 1"),
            "temporary table name must be unqualified"
        );
        assert_eq!(
            refused("CREATE VIEW other.v AS SELECT 1"),
            "unknown database other"
        );
        assert_eq!(
            parse("DROP VIEW main.v"),
            Statement::DropView {
                name: "v".into(),
                schema: Some(SchemaName::Main),
                if_exists: false
            }
        );
        assert_eq!(
            refused("CREATE TEMP TABLE t(a)"),
            "not supported: CREATE TEMP TABLE"
        );
    }

    // -- triggers ----------------------------------------------------------------

    fn trigger(sql: &str) -> CreateTrigger {
        match parse(sql) {
            Statement::CreateTrigger(ct) => ct,
            other => panic!("not CREATE TRIGGER: {other:?}"),
        }
    }

    #[test]
    fn a_trigger_header_in_all_its_forms() {
        let ct = trigger(
            "CREATE TEMP TRIGGER IF NOT EXISTS r AFTER UPDATE OF a, \"b\" ON t \
             FOR EACH ROW WHEN new.a > old.a BEGIN SELECT 1; END;",
        );
        assert_eq!(ct.name, "r");
        assert!(ct.temp && ct.if_not_exists);
        assert_eq!(ct.schema, None);
        assert_eq!(ct.timing, TriggerTiming::After);
        assert_eq!(ct.event, TriggerEvent::Update(vec!["a".into(), "b".into()]));
        assert_eq!(ct.table, "t");
        assert!(matches!(
            ct.when,
            Some(Expr::Binary {
                op: BinaryOp::Gt,
                ..
            })
        ));
        let ct = trigger("create trigger main.r delete on t begin delete from u; end");
        assert_eq!(ct.schema, Some(SchemaName::Main));
        assert_eq!(
            (ct.timing, ct.event),
            (TriggerTiming::Before, TriggerEvent::Delete),
            "no timing written is BEFORE"
        );
        let ct = trigger("CREATE TRIGGER r INSTEAD OF INSERT ON v BEGIN SELECT 1; END");
        assert_eq!(
            (ct.timing, ct.event),
            (TriggerTiming::InsteadOf, TriggerEvent::Insert)
        );
        // A WHEN with CASE ... END, and a column called `begin`.
        let ct = trigger(
            "CREATE TRIGGER r INSERT ON t WHEN CASE new.begin WHEN 1 THEN 1 END \
             BEGIN SELECT 1; END",
        );
        assert!(matches!(ct.when, Some(Expr::Case { .. })));
    }

    #[test]
    fn a_trigger_body_holds_insert_update_delete_and_select_steps() {
        let ct = trigger(
            "CREATE TRIGGER r AFTER INSERT ON t BEGIN \
               INSERT INTO log VALUES (new.a, ';'); -- a comment; with a semicolon
               UPDATE u SET n = n + 1 WHERE id = new.a; \
               DELETE FROM w WHERE x = CASE WHEN new.a THEN 1 END; \
               SELECT RAISE(ABORT, 'stop') WHERE new.a < 0; \
             END",
        );
        assert_eq!(ct.steps.len(), 4);
        assert!(matches!(&ct.steps[0], TriggerStep::Insert(i) if i.table == "log"));
        assert!(matches!(&ct.steps[1], TriggerStep::Update(u) if u.table == "u"));
        assert!(matches!(&ct.steps[2], TriggerStep::Delete(d) if d.table == "w"));
        let TriggerStep::Select { select, .. } = &ct.steps[3] else {
            panic!("not SELECT")
        };
        let SelectItem::Expr { expr, .. } = &select.items[0] else {
            panic!("no expression")
        };
        assert_eq!(
            *expr,
            Expr::Raise {
                action: RaiseAction::Abort,
                message: "stop".into()
            }
        );
    }

    #[test]
    fn raise_in_its_forms_and_only_in_a_trigger() {
        let raise = |e: &str| {
            let ct = trigger(&format!(
                "CREATE TRIGGER r INSERT ON t BEGIN SELECT {e}; END"
            ));
            let TriggerStep::Select { select, .. } = &ct.steps[0] else {
                panic!("not SELECT")
            };
            match &select.items[0] {
                SelectItem::Expr { expr, .. } => expr.clone(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            raise("raise(ignore)"),
            Expr::Raise {
                action: RaiseAction::Ignore,
                message: String::new()
            }
        );
        assert_eq!(
            raise("RAISE(FAIL, \"why\")"),
            Expr::Raise {
                action: RaiseAction::Fail,
                message: "why".into()
            }
        );
        assert_eq!(
            raise("RAISE(ROLLBACK, 'it''s')"),
            Expr::Raise {
                action: RaiseAction::Rollback,
                message: "it's".into()
            }
        );
        assert_eq!(
            refused("SELECT RAISE(IGNORE)"),
            "RAISE() may only be used within a trigger-program"
        );
        assert_eq!(
            refused("CREATE TABLE t(a CHECK (RAISE(ABORT, 'x')))"),
            "RAISE() may only be used within a trigger-program"
        );
        for bad in [
            "RAISE(IGNORE, 'x')",
            "RAISE(ABORT)",
            "RAISE(STOP, 'x')",
            "RAISE(ABORT, 1 + 1)",
        ] {
            let sql = format!("CREATE TRIGGER r INSERT ON t BEGIN SELECT {bad}; END");
            assert!(
                refused(&sql).starts_with("syntax error: RAISE takes"),
                "{bad}: {}",
                refused(&sql)
            );
        }
    }

    #[test]
    fn trigger_refusals_use_sqlites_words() {
        let cases = [
            (
                "CREATE TRIGGER r INSERT ON t BEGIN SELECT ?; END",
                "trigger cannot use variables",
            ),
            (
                "CREATE TRIGGER r INSERT ON t WHEN :x BEGIN SELECT 1; END",
                "trigger cannot use variables",
            ),
            (
                "CREATE TRIGGER r INSERT ON t BEGIN DELETE FROM u INDEXED BY i; END",
                "the INDEXED BY clause is not allowed on UPDATE or DELETE statements within \
                 triggers",
            ),
            (
                "CREATE TEMP TRIGGER main.r INSERT ON t BEGIN SELECT 1; END",
                "temporary trigger may not have qualified name",
            ),
            (
                "CREATE TRIGGER other.r INSERT ON t BEGIN SELECT 1; END",
                "unknown database other",
            ),
        ];
        for (sql, message) in cases {
            assert_eq!(refused(sql), message, "{sql}");
        }
        for sql in [
            "CREATE TRIGGER r INSERT ON t BEGIN END",
            "CREATE TRIGGER r INSERT ON t BEGIN SELECT 1 END",
            "CREATE TRIGGER r INSERT ON t BEGIN SELECT 1;",
            "CREATE TRIGGER r INSERT ON t BEGIN INSERT INTO u DEFAULT VALUES; END",
            "CREATE TRIGGER r INSERT ON t BEGIN CREATE TABLE u(a); END",
            "CREATE TRIGGER r INSERT ON t FOR EACH STATEMENT BEGIN SELECT 1; END",
            "CREATE TRIGGER r TRUNCATE ON t BEGIN SELECT 1; END",
            "CREATE TRIGGER r INSERT ON t WHEN 1 FROM u BEGIN SELECT 1; END",
        ] {
            assert!(
                refused(sql).starts_with("syntax error"),
                "{sql}: {}",
                refused(sql)
            );
        }
        assert_eq!(
            parse("DROP TRIGGER IF EXISTS temp.r"),
            Statement::DropTrigger {
                name: "r".into(),
                schema: Some(SchemaName::Temp),
                if_exists: true
            }
        );
    }

    #[test]
    fn the_primary_key_place_among_unique_constraints_is_recorded() {
        let position = |sql: &str| match parse(sql) {
            Statement::CreateTable(t) => t.primary_key_position,
            other => panic!("not CREATE TABLE: {other:?}"),
        };
        assert_eq!(position("CREATE TABLE t(a PRIMARY KEY, b UNIQUE)"), 0);
        assert_eq!(
            position("CREATE TABLE t(a UNIQUE, b PRIMARY KEY, c UNIQUE)"),
            1
        );
        assert_eq!(
            position("CREATE TABLE t(a UNIQUE, b UNIQUE, c, UNIQUE(c), PRIMARY KEY(a, b))"),
            3
        );
    }

    #[test]
    fn create_and_drop_index() {
        assert_eq!(
            parse("CREATE UNIQUE INDEX IF NOT EXISTS i ON t(a, b DESC, c ASC)"),
            Statement::CreateIndex(CreateIndex {
                name: "i".into(),
                table: "t".into(),
                columns: vec![
                    IndexedColumn {
                        name: "a".into(),
                        descending: false
                    },
                    IndexedColumn {
                        name: "b".into(),
                        descending: true
                    },
                    IndexedColumn {
                        name: "c".into(),
                        descending: false
                    },
                ],
                unique: true,
                if_not_exists: true,
            })
        );
        assert!(matches!(
            parse("CREATE INDEX i ON t(a)"),
            Statement::CreateIndex(CreateIndex {
                unique: false,
                if_not_exists: false,
                ..
            })
        ));
        assert_eq!(
            refused("CREATE INDEX i ON t(a) WHERE a > 0"),
            "not supported: partial indexes (CREATE INDEX ... WHERE)"
        );
        assert_eq!(
            refused("CREATE INDEX i ON t(a + 1)"),
            "not supported: index on expression a + 1"
        );
        assert_eq!(
            refused("CREATE INDEX ON t(a)"),
            "syntax error: CREATE INDEX needs an index name"
        );
        assert_eq!(
            parse("DROP INDEX IF EXISTS i"),
            Statement::DropIndex {
                name: "i".into(),
                if_exists: true
            }
        );
        assert_eq!(
            refused("DROP INDEX main.i"),
            "not supported: qualified name main.i"
        );
    }

    #[test]
    fn alter_table_renames_and_adds_columns() {
        assert_eq!(
            parse("ALTER TABLE t RENAME TO u"),
            Statement::RenameTable {
                name: "t".into(),
                new_name: "u".into()
            }
        );
        // The definition is kept as written, up to the end of the statement.
        assert_eq!(
            parse("ALTER TABLE t ADD COLUMN \"c d\"  INTEGER NOT NULL DEFAULT 0; -- note"),
            Statement::AddColumn {
                table: "t".into(),
                column: ColumnDef {
                    name: "c d".into(),
                    type_name: "INTEGER".into(),
                    not_null: true,
                    default: Some(int(0)),
                    default_number_text: Some("0".into()),
                    primary_key: None,
                    unique: false,
                    checks: vec![],
                },
                column_sql: "\"c d\"  INTEGER NOT NULL DEFAULT 0".into(),
            }
        );
        // COLUMN is optional; the column is read as CREATE TABLE reads it.
        let Statement::AddColumn {
            column, column_sql, ..
        } = parse("ALTER TABLE t ADD c UNIQUE CHECK (c > 0)")
        else {
            panic!("not ADD COLUMN")
        };
        assert_eq!(column_sql, "c UNIQUE CHECK (c > 0)");
        assert!(column.unique);
        assert_eq!(column.checks.len(), 1);
        assert_eq!(
            refused("ALTER TABLE t RENAME COLUMN a TO b"),
            "not supported: ALTER TABLE ... RENAME COLUMN"
        );
        assert_eq!(
            refused("ALTER TABLE t DROP COLUMN a"),
            "not supported: ALTER TABLE ... DROP COLUMN"
        );
    }

    // -- INSERT, UPDATE, DELETE ------------------------------------------------

    #[test]
    fn insert_values_select_and_default_values() {
        assert_eq!(
            parse("INSERT INTO t(a, \"b\") VALUES (1, ?), (3, ?)"),
            Statement::Insert(Insert {
                table: "t".into(),
                columns: Some(vec!["a".into(), "b".into()]),
                source: InsertSource::Values(vec![
                    vec![int(1), Expr::Param(Param::Index(1))],
                    vec![int(3), Expr::Param(Param::Index(2))],
                ]),
                conflict: None,
            })
        );
        let Statement::Insert(i) = parse("INSERT INTO t SELECT a FROM u WHERE a > 1") else {
            panic!("not INSERT")
        };
        assert_eq!(i.columns, None);
        assert!(matches!(&i.source, InsertSource::Select(s) if s.filter.is_some()));
        assert_eq!(
            parse("INSERT INTO t DEFAULT VALUES"),
            Statement::Insert(Insert {
                table: "t".into(),
                columns: None,
                source: InsertSource::DefaultValues,
                conflict: None,
            })
        );
    }

    #[test]
    fn insert_conflict_policies() {
        let conflict = |sql: &str| match parse(sql) {
            Statement::Insert(i) => i.conflict,
            other => panic!("not INSERT: {other:?}"),
        };
        assert_eq!(
            conflict("INSERT OR REPLACE INTO t VALUES (1)"),
            Some(Conflict::Replace)
        );
        assert_eq!(
            conflict("REPLACE INTO t VALUES (1)"),
            Some(Conflict::Replace)
        );
        assert_eq!(
            conflict("INSERT OR IGNORE INTO t VALUES (1)"),
            Some(Conflict::Ignore)
        );
        assert_eq!(
            conflict("INSERT OR ABORT INTO t VALUES (1)"),
            Some(Conflict::Abort),
            "written, so that it overrides a trigger step's own policy"
        );
        assert_eq!(conflict("INSERT INTO t VALUES (1)"), None);
        assert_eq!(
            refused("INSERT OR FAIL INTO t VALUES (1)"),
            "not supported: INSERT OR FAIL"
        );
        assert_eq!(
            refused("INSERT OR ROLLBACK INTO t VALUES (1)"),
            "not supported: INSERT OR ROLLBACK"
        );
    }

    #[test]
    fn with_before_a_change_is_shared_with_its_queries() {
        // INSERT ... SELECT: the SELECT gets the WITH.
        let Statement::Insert(i) = parse("WITH c AS (SELECT 1) INSERT INTO t SELECT * FROM c")
        else {
            panic!("not an INSERT")
        };
        let InsertSource::Select(s) = i.source else {
            panic!("not INSERT ... SELECT")
        };
        assert_eq!(s.with.len(), 1);
        // DELETE: each subquery of its WHERE gets it; one defining the
        // same name keeps its own.
        let Statement::Delete(d) = parse(
            "WITH c(v) AS (SELECT 1) DELETE FROM t WHERE a IN (SELECT v FROM c) \
             AND EXISTS (WITH c AS (SELECT 2) SELECT * FROM c)",
        ) else {
            panic!("not a DELETE")
        };
        let mut seen = Vec::new();
        d.filter.expect("WHERE").each_subquery_mut(&mut |s| {
            seen.push(s.with.iter().map(|c| c.columns.len()).collect::<Vec<_>>())
        });
        assert_eq!(seen, [vec![1], vec![0]]);
        assert_eq!(
            refused("WITH c AS (SELECT 1) DELETE FROM t ORDER BY a"),
            "not supported: ORDER BY/LIMIT on DELETE"
        );
    }

    #[test]
    fn insert_refusals() {
        assert_eq!(
            refused("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING"),
            "not supported: ON CONFLICT (upsert)"
        );
        assert_eq!(
            refused("INSERT INTO t VALUES (1) RETURNING *"),
            "not supported: RETURNING"
        );
        assert_eq!(
            refused("INSERT INTO t VALUES (1) UNION SELECT 2"),
            "not supported: VALUES in a compound SELECT"
        );
    }

    #[test]
    fn update() {
        assert_eq!(
            parse("UPDATE OR IGNORE t SET a = a + 1, b = ? WHERE c = ?"),
            Statement::Update(Update {
                table: "t".into(),
                assignments: vec![
                    (
                        "a".into(),
                        Expr::Binary {
                            op: BinaryOp::Add,
                            left: Box::new(col("a")),
                            right: Box::new(int(1)),
                        }
                    ),
                    ("b".into(), Expr::Param(Param::Index(1))),
                ],
                filter: Some(Expr::Binary {
                    op: BinaryOp::Eq,
                    left: Box::new(col("c")),
                    right: Box::new(Expr::Param(Param::Index(2))),
                }),
                conflict: Some(Conflict::Ignore),
            })
        );
        assert!(matches!(
            parse("UPDATE OR REPLACE t SET a = 1"),
            Statement::Update(Update {
                conflict: Some(Conflict::Replace),
                filter: None,
                ..
            })
        ));
        assert_eq!(
            refused("UPDATE t SET (a, b) = (1, 2)"),
            "not supported: multi-column assignment (a, b) = (...)"
        );
        assert_eq!(
            refused("UPDATE t SET a = 1 FROM u"),
            "not supported: UPDATE ... FROM"
        );
        assert_eq!(
            refused("UPDATE t AS x SET a = 1"),
            "not supported: table alias in UPDATE"
        );
        assert_eq!(
            refused("UPDATE t SET a = 1 RETURNING a"),
            "not supported: RETURNING"
        );
    }

    #[test]
    fn delete() {
        assert_eq!(
            parse("DELETE FROM t WHERE a IS NULL"),
            Statement::Delete(Delete {
                table: "t".into(),
                filter: Some(Expr::IsNull {
                    expr: Box::new(col("a")),
                    negated: false
                }),
            })
        );
        assert_eq!(
            parse("DELETE FROM t"),
            Statement::Delete(Delete {
                table: "t".into(),
                filter: None
            })
        );
        assert_eq!(
            refused("DELETE FROM t ORDER BY a LIMIT 1"),
            "not supported: ORDER BY/LIMIT on DELETE"
        );
        assert_eq!(
            refused("DELETE FROM t RETURNING *"),
            "not supported: RETURNING"
        );
    }

    // -- SELECT ----------------------------------------------------------------

    #[test]
    fn select_with_every_clause() {
        let s = select(
            "SELECT DISTINCT a, count(*) AS n FROM t AS x WHERE a > 0 GROUP BY a \
             HAVING n > 1 ORDER BY n DESC, 1 NULLS FIRST LIMIT 10 OFFSET 5",
        );
        assert!(s.distinct);
        assert_eq!(
            s.from,
            Some(TableRef {
                name: "t".into(),
                alias: Some("x".into()),
                derived: None,
            })
        );
        assert!(s.filter.is_some());
        assert_eq!(s.group_by, [col("a")]);
        assert!(s.having.is_some());
        assert_eq!(
            s.order_by,
            [
                OrderTerm {
                    expr: col("n"),
                    descending: true,
                    nulls_first: None
                },
                OrderTerm {
                    expr: int(1),
                    descending: false,
                    nulls_first: Some(true)
                },
            ]
        );
        assert_eq!((s.limit, s.offset), (Some(int(10)), Some(int(5))));
    }

    #[test]
    fn limit_comma_means_offset_then_limit() {
        // SQLite's `LIMIT 5, 10` is `LIMIT 10 OFFSET 5`.
        let s = select("SELECT a FROM t LIMIT 5, 10");
        assert_eq!((s.limit, s.offset), (Some(int(10)), Some(int(5))));
        // Parameters are numbered in the order written.
        let s = select("SELECT a FROM t LIMIT ?, ?");
        assert_eq!(s.offset, Some(Expr::Param(Param::Index(1))));
        assert_eq!(s.limit, Some(Expr::Param(Param::Index(2))));
    }

    #[test]
    fn select_items_and_tables() {
        let s = select("SELECT ALL *, t.*, a AS \"x y\" FROM [my table]");
        assert!(!s.distinct);
        assert_eq!(s.items[0], SelectItem::Wildcard);
        assert_eq!(s.items[1], SelectItem::QualifiedWildcard("t".into()));
        assert!(matches!(&s.items[2], SelectItem::Expr { alias: Some(a), .. } if a == "x y"));
        assert_eq!(s.from.map(|t| t.name), Some("my table".into()));
        // No FROM at all.
        let s = select("SELECT 1 + 1");
        assert_eq!(s.from, None);
        assert_eq!(s.items.len(), 1);
    }

    #[test]
    fn result_column_text_is_the_expression_as_written() {
        assert_eq!(
            column_names("SELECT a+1, -x, count( * ), a IS NULL, (b), 'x;y' FROM t"),
            ["a+1", "-x", "count( * )", "a IS NULL", "(b)", "'x;y'"]
        );
        // Keywords inside parentheses or CASE do not end the list.
        assert_eq!(
            column_names(
                "SELECT CAST(a AS TEXT), CASE WHEN a THEN 1 ELSE 2 END, \
                 a IS NOT DISTINCT FROM b, substr(a, 1) FROM t WHERE a"
            ),
            [
                "CAST(a AS TEXT)",
                "CASE WHEN a THEN 1 ELSE 2 END",
                "a IS NOT DISTINCT FROM b",
                "substr(a, 1)"
            ]
        );
        // Layout and comments between the items are not part of them.
        assert_eq!(
            column_names("SELECT DISTINCT\n  a , -- first\n  b\n    * 2 /* second */\nFROM t"),
            ["a", "b\n    * 2"]
        );
        // The text of an aliased item leaves the alias out.
        let s = select("SELECT a + 1 AS x, b  y FROM t");
        let texts: Vec<_> = s
            .items
            .iter()
            .map(|i| match i {
                SelectItem::Expr { text, .. } => text.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(texts, ["a + 1", "b"]);
        // Inside INSERT and EXPLAIN too.
        let Statement::Explain(inner) = parse("EXPLAIN SELECT  x+1  FROM t") else {
            panic!("not EXPLAIN")
        };
        let Statement::Select(s) = *inner else {
            panic!("not SELECT")
        };
        assert!(matches!(&s.items[0], SelectItem::Expr { text, .. } if text == "x+1"));
    }

    #[test]
    fn select_refusals() {
        for (sql, message) in [
            (
                "SELECT * FROM LATERAL (SELECT 1) AS x",
                "LATERAL subqueries",
            ),
            (
                "SELECT 1 INTERSECT ALL SELECT 2",
                "INTERSECT ALL / EXCEPT ALL (SQLite has neither)",
            ),
            ("SELECT DISTINCT ON (a) a FROM t", "DISTINCT ON"),
            ("SELECT a FROM t GROUP BY ALL", "GROUP BY ALL"),
            ("SELECT count(*) OVER () FROM t", "window functions"),
            ("VALUES (1)", "VALUES as a query"),
            ("SELECT 1 OFFSET 2", "OFFSET without LIMIT"),
            ("SELECT * FROM main.t", "qualified name main.t"),
        ] {
            assert_eq!(refused(sql), format!("not supported: {message}"), "{sql}");
        }
    }

    // -- transactions, PRAGMA, EXPLAIN -----------------------------------------

    #[test]
    fn transactions() {
        for sql in [
            "BEGIN",
            "BEGIN TRANSACTION",
            "BEGIN DEFERRED",
            "BEGIN IMMEDIATE TRANSACTION",
            "BEGIN EXCLUSIVE",
        ] {
            assert_eq!(parse(sql), Statement::Begin, "{sql}");
        }
        for sql in ["COMMIT", "COMMIT TRANSACTION", "END", "END TRANSACTION"] {
            assert_eq!(parse(sql), Statement::Commit, "{sql}");
        }
        for sql in ["ROLLBACK", "ROLLBACK TRANSACTION"] {
            assert_eq!(parse(sql), Statement::Rollback, "{sql}");
        }
        assert_eq!(refused("SAVEPOINT s"), "not supported: SAVEPOINT");
        assert_eq!(
            refused("ROLLBACK TO s"),
            "not supported: ROLLBACK TO (savepoints)"
        );
        assert_eq!(refused("RELEASE s"), "not supported: RELEASE (savepoints)");
    }

    #[test]
    fn pragmas() {
        let pragma = |name: &str, value: Option<PragmaValue>| Statement::Pragma {
            name: name.into(),
            value,
        };
        let name = |n: &str| Some(PragmaValue::Name(n.into()));
        assert_eq!(parse("PRAGMA page_count"), pragma("page_count", None));
        assert_eq!(
            parse("PRAGMA Cache_Size = -2000;"),
            pragma("cache_size", Some(PragmaValue::Number(-2000)))
        );
        assert_eq!(
            parse("PRAGMA cache_size(+100)"),
            pragma("cache_size", Some(PragmaValue::Number(100)))
        );
        assert_eq!(
            parse("PRAGMA journal_mode = wal"),
            pragma("journal_mode", name("wal"))
        );
        assert_eq!(
            parse("PRAGMA table_info('t')"),
            pragma("table_info", name("t"))
        );
        assert_eq!(
            parse("PRAGMA table_info(\"my t\")"),
            pragma("table_info", name("my t"))
        );
        assert_eq!(
            parse("PRAGMA foreign_keys = ON"),
            pragma("foreign_keys", name("ON"))
        );
        assert_eq!(
            refused("PRAGMA main.page_count"),
            "not supported: PRAGMA schema.name (schema-qualified pragmas)"
        );
        assert_eq!(
            refused("PRAGMA x = 1 2"),
            "syntax error: sql parser error: Expected: end of statement, found: 2 at Line: 1, Column: 14"
        );
        assert_eq!(
            refused("PRAGMA x; SELECT 1"),
            "syntax error: more than one statement (one was expected)"
        );
    }

    #[test]
    fn explain_wraps_the_statement() {
        let inner = Box::new(parse("SELECT a FROM t"));
        assert_eq!(
            parse("EXPLAIN SELECT a FROM t"),
            Statement::Explain(inner.clone())
        );
        assert_eq!(
            parse("EXPLAIN QUERY PLAN SELECT a FROM t"),
            Statement::Explain(inner)
        );
        assert!(matches!(
            parse("EXPLAIN QUERY PLAN DELETE FROM t WHERE a = 1"),
            Statement::Explain(d) if matches!(*d, Statement::Delete(_))
        ));
        assert!(matches!(
            parse("EXPLAIN PRAGMA page_count"),
            Statement::Explain(p) if matches!(*p, Statement::Pragma { .. })
        ));
        assert_eq!(
            refused("EXPLAIN ANALYZE SELECT 1"),
            "not supported: EXPLAIN ANALYZE"
        );
    }

    #[test]
    fn other_statements_are_named_in_the_refusal() {
        assert_eq!(refused("VACUUM"), "not supported: VACUUM");
        assert_eq!(refused("ATTACH 'x.db' AS x"), "not supported: ATTACH");
        assert_eq!(
            refused("CREATE VIRTUAL TABLE v USING fts5(a)"),
            "not supported: virtual tables"
        );
    }
}
