//! `.dump`: the database as SQL text, in the sqlite3 shell's own format.
//!
//! The text is a script that rebuilds the database: the real `sqlite3`
//! loads it into the same tables, rows, blobs and indexes, and so does
//! walnut. It is written the way sqlite3 3.40's `.dump` writes it, byte for
//! byte wherever walnut has the construct, so that the two can be diffed:
//!
//! ```text
//! PRAGMA foreign_keys=OFF;
//! BEGIN TRANSACTION;
//! CREATE TABLE t(id INTEGER PRIMARY KEY, a, b TEXT);      -- as stored in sqlite_master
//! INSERT INTO t VALUES(1,0.10000000000000000555,'it''s');  -- one INSERT per row
//! INSERT INTO t VALUES(2,X'00ff',replace('a\nb','\n',char(10)));
//! CREATE TABLE IF NOT EXISTS "odd name"(x);               -- see "Tables" below
//! INSERT INTO "odd name" VALUES(NULL);
//! CREATE INDEX i ON t(a, b);                               -- indexes, triggers and views after all tables
//! COMMIT;
//! ```
//!
//! # Tables
//!
//! Tables come in `sqlite_master` order (creation order), each as its
//! `CREATE TABLE` text exactly as stored, followed by its rows in rowid
//! order. sqlite3 rewrites `CREATE TABLE "x"...` (a quoted name) into
//! `CREATE TABLE IF NOT EXISTS "x"...`, and so does this module. The rows'
//! `INSERT INTO name` quotes the table name only when it must: when it is
//! not an ASCII identifier (letters, digits, `_`, not starting with a
//! digit) or is one of SQLite's keywords (`"order"`, `"select"`).
//!
//! Rowids are **not** written, as sqlite3 3.40 does not write them: a table
//! with an `INTEGER PRIMARY KEY` keeps its keys (the column *is* the
//! rowid and its value is in every INSERT), any other table gets fresh
//! rowids 1, 2, 3... in the same order when the script runs.
//! The automatic indexes (`sqlite_autoindex_*`, made by PRIMARY KEY and
//! UNIQUE constraints) have no text: the `CREATE TABLE` remakes them.
//! Indexes, triggers and views follow all the tables, in creation order,
//! each as its stored text (a trigger goes after its table's rows, so
//! loading the script does not fire it). The session's TEMP objects are
//! not written, as sqlite3 writes only main.
//!
//! # Values: how each one reads back exactly
//!
//! | value | written as | example |
//! |---|---|---|
//! | NULL | `NULL` | `NULL` |
//! | INTEGER | decimal | `-9223372036854775808` |
//! | REAL with an integral value below 2^63 | the integer and `.0` | `1.0`, `9007199254740992.0` |
//! | other REAL | 20 significant digits (`%!.20g`) | `0.10000000000000000555`, `1.0000000000000000047e+300` |
//! | infinity | `1e999`, `-1e999` | |
//! | TEXT | single-quoted, `'` doubled | `'it''s'` |
//! | TEXT with `\n` or `\r` | wrapped in `replace()` | `replace('a\nb','\n',char(10))` |
//! | BLOB | hex | `X'00ff'`, `X''` |
//!
//! Reals: 17 significant digits are always enough to name a double
//! exactly; sqlite3 writes 20, which are more than enough. Its digits come
//! from SQLite 3.40's own `printf`, which computes in the x87's 80-bit
//! `long double`; past the 17th digit they are not the exact decimal
//! expansion (`1.0/3` is written `0.33333333333333331482`, where the exact
//! value continues `...314829616...`). [`format_real`] repeats that
//! computation step by step in software (an 80-bit float type below) so that the digits
//! are sqlite3's on every platform. Negative zero is integral and so is
//! written `0.0`, as sqlite3 does: its sign does not survive a dump.
//!
//! Text: a newline or carriage return inside a string literal would not
//! survive tools that translate line endings, so sqlite3 writes them as the
//! two characters `\n` / `\r` and wraps the literal in `replace(...,
//! '\n', char(10))`. If the text already contains `\n` literally, another
//! marker is chosen (`\012`, then `(\n0)`, `(\n1)`, ...). One deliberate
//! difference: sqlite3 cuts text at a NUL character (it handles strings as
//! C strings) and so loses the rest; here text containing NUL is written as
//! `CAST(X'..' AS TEXT)`, which reads back whole.
//!
//! # `.dump PATTERN`
//!
//! With a pattern, only the objects whose name matches it with `LIKE`
//! (case-insensitive for ASCII, `%` and `_` wildcards, `\` escapes) are
//! written, plus the indexes and triggers of every table it matches.
//! sqlite3 3.40 matches every object by its own name only, so its `.dump t`
//! leaves out `t`'s indexes and triggers (older sqlite3 versions matched by
//! table and kept them); the union of the two keeps a table restorable
//! with its indexes and triggers. A
//! pattern that matches nothing writes just the frame
//! (`PRAGMA`/`BEGIN`/`COMMIT`), as sqlite3 does.
//!
//! The whole dump reads one snapshot: unless the session is already in a
//! transaction, it runs inside `BEGIN` ... `COMMIT`.

use crate::error::Result;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::io::Write;
use walnut_sql::{Database, Value};

/// Writes the database (or the objects matching `table`, a LIKE pattern)
/// as a SQL script in the sqlite3 shell's `.dump` format. See the module
/// documentation.
pub fn dump(db: &Database, table: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let began = if db.in_transaction() {
        false
    } else {
        db.execute("BEGIN", ())?;
        true
    };
    let result = dump_in_snapshot(db, table, out);
    if began {
        // Nothing was written; ending the read transaction cannot lose data.
        let end = db.execute("COMMIT", ());
        if result.is_ok() {
            end?;
        }
    }
    result
}

/// One `sqlite_master` row, as far as the dump needs it.
struct Object {
    kind: String,
    name: String,
    tbl_name: String,
    sql: Option<String>,
}

fn dump_in_snapshot(db: &Database, pattern: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let mut objects = Vec::new();
    for row in db.query("SELECT type, name, tbl_name, sql FROM sqlite_master", ())? {
        let text = |i: usize| match row.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        };
        objects.push(Object {
            kind: text(0).unwrap_or_default(),
            name: text(1).unwrap_or_default(),
            tbl_name: text(2).unwrap_or_default(),
            sql: text(3),
        });
    }
    let matches = |o: &Object| match pattern {
        None => true,
        Some(p) => {
            let like = |s: &str| walnut_sql::like::like(p, s, Some('\\'));
            like(&o.name) || ((o.kind == "index" || o.kind == "trigger") && like(&o.tbl_name))
        }
    };

    out.write_all(b"PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")?;
    for o in objects.iter().filter(|o| o.kind == "table" && matches(o)) {
        let Some(sql) = &o.sql else { continue };
        if o.name.starts_with("sqlite_") {
            continue;
        }
        match sql.strip_prefix("CREATE TABLE ") {
            Some(rest) if rest.starts_with(['"', '\'']) => {
                writeln!(out, "CREATE TABLE IF NOT EXISTS {rest};")?;
            }
            _ => writeln!(out, "{sql};")?,
        }
        let select = format!("SELECT * FROM \"{}\"", o.name.replace('"', "\"\""));
        let prefix = format!("INSERT INTO {} VALUES(", quote_name_if_needed(&o.name));
        let mut line = String::new();
        for row in db.query(&select, ())? {
            line.clear();
            line.push_str(&prefix);
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_literal(&mut line, v);
            }
            line.push_str(");\n");
            out.write_all(line.as_bytes())?;
        }
    }
    // Then indexes, triggers and views, in creation order, as sqlite3
    // dumps them.
    for o in objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "index" | "trigger" | "view") && matches(o))
    {
        let Some(sql) = &o.sql else { continue };
        // sqlite3 ends the statement on a line of its own when the text
        // contains `--`, in case a comment runs to the end of it.
        if sql.contains("--") {
            write!(out, "{sql}\n;\n")?;
        } else {
            writeln!(out, "{sql};")?;
        }
    }
    out.write_all(b"COMMIT;\n")?;
    Ok(())
}

/// A value as an SQL literal, the way sqlite3's `.dump` (and its
/// `.mode insert`) writes it: see the module documentation's table.
pub fn sql_literal(v: &Value) -> String {
    let mut s = String::new();
    push_literal(&mut s, v);
    s
}

fn push_literal(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Real(r) => out.push_str(&format_real(*r)),
        Value::Text(t) if t.contains('\0') => {
            out.push_str("CAST(X'");
            push_hex(out, t.as_bytes());
            out.push_str("' AS TEXT)");
        }
        Value::Text(t) => push_escaped_text(out, t),
        Value::Blob(b) => {
            out.push_str("X'");
            push_hex(out, b);
            out.push('\'');
        }
    }
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

/// sqlite3's `output_quoted_escaped_string()`: `'...'` with `'` doubled;
/// newlines and carriage returns replaced by markers that a `replace()`
/// around the literal turns back into `char(10)` / `char(13)`.
fn push_escaped_text(out: &mut String, text: &str) {
    let has_nl = text.contains('\n');
    let has_cr = text.contains('\r');
    if !has_nl && !has_cr {
        out.push('\'');
        out.push_str(&text.replace('\'', "''"));
        out.push('\'');
        return;
    }
    let nl = has_nl.then(|| unused_marker(text, "\\n", "\\012"));
    let cr = has_cr.then(|| unused_marker(text, "\\r", "\\015"));
    if nl.is_some() {
        out.push_str("replace(");
    }
    if cr.is_some() {
        out.push_str("replace(");
    }
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\n' => out.push_str(nl.as_deref().unwrap_or("\n")),
            '\r' => out.push_str(cr.as_deref().unwrap_or("\r")),
            c => out.push(c),
        }
    }
    out.push('\'');
    if let Some(cr) = &cr {
        let _ = write!(out, ",'{cr}',char(13))");
    }
    if let Some(nl) = &nl {
        let _ = write!(out, ",'{nl}',char(10))");
    }
}

/// sqlite3's `unused_string()`: the first of `a`, `b`, `(a0)`, `(a1)`, ...
/// that does not occur in `text`.
fn unused_marker(text: &str, a: &str, b: &str) -> String {
    if !text.contains(a) {
        return a.to_string();
    }
    if !text.contains(b) {
        return b.to_string();
    }
    (0u64..)
        .map(|i| format!("({a}{i})"))
        .find(|m| !text.contains(m.as_str()))
        .unwrap_or_default()
}

/// A table name as sqlite3 writes it after `INSERT INTO`: as is when it
/// is a plain ASCII identifier that is not a keyword, else in double
/// quotes (with `"` doubled).
pub fn quote_name_if_needed(name: &str) -> Cow<'_, str> {
    let plain = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !is_keyword(name);
    if plain {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("\"{}\"", name.replace('"', "\"\"")))
    }
}

/// Whether `word` is one of SQLite's 147 keywords (any case): sqlite3's
/// `sqlite3_keyword_check()`, <https://sqlite.org/lang_keywords.html>.
pub fn is_keyword(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    KEYWORDS.binary_search(&upper.as_str()).is_ok()
}

/// SQLite's keywords, sorted.
/// SQLite's keywords, sorted (completion offers them too).
pub const KEYWORDS: [&str; 147] = [
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];

/// A REAL as sqlite3 3.40's `.dump` writes it: `1e999` / `-1e999` for the
/// infinities, `N.0` when the value is an integer below 2^63 in magnitude
/// (so `-0.0` becomes `0.0`), and otherwise SQLite's `printf("%!.20g")`
/// with SQLite 3.40's 80-bit arithmetic, digit for digit.
pub fn format_real(r: f64) -> String {
    if r.is_nan() {
        // SQLite stores no NaN; write what reads back as NULL.
        return "NULL".to_string();
    }
    if r.is_infinite() {
        return if r > 0.0 { "1e999" } else { "-1e999" }.to_string();
    }
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if (-TWO_63..TWO_63).contains(&r) && r.fract() == 0.0 {
        // In range, so the conversion is exact (C's `(sqlite3_int64)r`).
        return format!("{}.0", r as i64);
    }
    generic_20_altform2(r)
}

/// SQLite 3.40's `sqlite3_snprintf("%!.20g", r)` for a finite, non-zero
/// `r`: the `etGENERIC` branch of `sqlite3VXPrintf()` (printf.c), with its
/// `LONGDOUBLE_TYPE` arithmetic done by `Ext`.
fn generic_20_altform2(r: f64) -> String {
    let mut out = String::new();
    let mut v = r;
    if v < 0.0 {
        v = -v;
        out.push('-');
    }
    // "%.20g": the precision counts significant digits, one before the point.
    let mut precision: i32 = 20 - 1;
    // rounder = arRound[19 % 10] * 1e-10, computed in double.
    let rounder = 5.0e-10_f64 * 1.0e-10;
    let mut real = Ext::from_f64(v);
    let mut exp: i32 = 0;
    if real.order(Ext::ZERO) == Ordering::Greater {
        let e100 = Ext::from_f64(1e100);
        let e10 = Ext::from_f64(1e10);
        let ten = Ext::from_f64(10.0);
        let mut scale = Ext::from_f64(1.0);
        while real.ge(e100.times(scale)) && exp <= 350 {
            scale = scale.times(e100);
            exp += 100;
        }
        while real.ge(e10.times(scale)) && exp <= 350 {
            scale = scale.times(e10);
            exp += 10;
        }
        while real.ge(ten.times(scale)) && exp <= 350 {
            scale = scale.times(ten);
            exp += 1;
        }
        real = real.over(scale);
        let e_8 = Ext::from_f64(1e-8);
        let e8 = Ext::from_f64(1e8);
        while real.order(e_8) == Ordering::Less {
            real = real.times(e8);
            exp -= 8;
        }
        let one = Ext::from_f64(1.0);
        while real.order(one) == Ordering::Less {
            real = real.times(ten);
            exp -= 1;
        }
    }
    real = real.plus(Ext::from_f64(rounder));
    if real.ge(Ext::from_f64(10.0)) {
        real = real.times(Ext::from_f64(0.1));
        exp += 1;
    }
    let exponent_form = exp < -4 || exp > precision;
    if !exponent_form {
        precision -= exp;
    }
    let mut e2 = if exponent_form { 0 } else { exp };
    // The `!` flag: 26 significant digits before zeros, always a point.
    let mut nsd = 26;
    if e2 < 0 {
        out.push('0');
    } else {
        while e2 >= 0 {
            out.push(next_digit(&mut real, &mut nsd));
            e2 -= 1;
        }
    }
    out.push('.');
    e2 += 1;
    while e2 < 0 {
        out.push('0');
        precision -= 1;
        e2 += 1;
    }
    while precision > 0 {
        out.push(next_digit(&mut real, &mut nsd));
        precision -= 1;
    }
    // Trailing zeros go, but "!" keeps one digit after the point.
    while out.ends_with('0') {
        out.pop();
    }
    if out.ends_with('.') {
        out.push('0');
    }
    if exponent_form {
        out.push('e');
        if exp < 0 {
            out.push('-');
            exp = -exp;
        } else {
            out.push('+');
        }
        if exp >= 100 {
            let _ = write!(out, "{}", exp / 100);
            exp %= 100;
        }
        let _ = write!(out, "{}{}", exp / 10, exp % 10);
    }
    out
}

/// printf.c's `et_getdigit()`: the leading digit of `*val` (in [0, 10)),
/// then `*val = (*val - digit) * 10`.
fn next_digit(val: &mut Ext, count: &mut i32) -> char {
    if *count <= 0 {
        return '0';
    }
    *count -= 1;
    let digit = val.trunc();
    *val = val.minus(Ext::from_u64(digit)).times(Ext::from_f64(10.0));
    char::from(b'0'.wrapping_add(digit.min(255) as u8))
}

/// A non-negative x87 80-bit extended-precision number (C's `long double`
/// on x86-64 Linux): a 64-bit mantissa with its top bit set, times a power
/// of two. Every operation rounds its exact result to 64 bits, to nearest
/// with ties to even, as the x87 does. The exponent range is far wider
/// than any double needs, so there are no subnormals or overflows here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ext {
    /// The mantissa: 0 for zero, else its top bit is set.
    m: u64,
    /// The value is `m * 2^e`.
    e: i32,
}

impl Ext {
    const ZERO: Ext = Ext { m: 0, e: 0 };

    /// The exact value of a finite, non-negative double.
    fn from_f64(x: f64) -> Ext {
        let bits = x.abs().to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1u64 << 52) - 1);
        let (m, e) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1u64 << 52), biased - 1075)
        };
        Ext::normalize(m, e)
    }

    /// The exact value of an integer.
    fn from_u64(n: u64) -> Ext {
        Ext::normalize(n, 0)
    }

    fn normalize(m: u64, e: i32) -> Ext {
        if m == 0 {
            return Ext::ZERO;
        }
        let shift = m.leading_zeros();
        Ext {
            m: m << shift,
            e: e - shift as i32,
        }
    }

    /// Rounds `sig * 2^e`, plus a positive amount below `sig`'s last bit
    /// when `sticky`, to a 64-bit mantissa.
    fn round(sig: u128, e: i32, sticky: bool) -> Ext {
        if sig == 0 {
            return Ext::ZERO;
        }
        let shift = sig.leading_zeros();
        let sig = sig << shift;
        let mut m = (sig >> 64) as u64;
        let rest = sig as u64;
        let mut e = e - shift as i32 + 64;
        const HALF: u64 = 1 << 63;
        let up = rest > HALF || (rest == HALF && (sticky || m & 1 == 1));
        if up {
            m = m.wrapping_add(1);
            if m == 0 {
                m = HALF;
                e += 1;
            }
        }
        Ext { m, e }
    }

    /// `self * o`, rounded.
    fn times(self, o: Ext) -> Ext {
        if self.m == 0 || o.m == 0 {
            return Ext::ZERO;
        }
        Ext::round(u128::from(self.m) * u128::from(o.m), self.e + o.e, false)
    }

    /// `self / o`, rounded (`o` must not be zero; zero is returned then).
    fn over(self, o: Ext) -> Ext {
        if self.m == 0 || o.m == 0 {
            return Ext::ZERO;
        }
        let d = u128::from(o.m);
        let n = u128::from(self.m) << 64;
        let (q1, r1) = (n / d, n % d);
        let n2 = r1 << 64;
        let (q2, r2) = (n2 / d, n2 % d);
        // q1 < 2^65 and q2 < 2^64: the quotient to 126+ bits, the rest sticky.
        let sig = (q1 << 62) | (q2 >> 2);
        let sticky = q2 & 3 != 0 || r2 != 0;
        Ext::round(sig, self.e - o.e - 64 - 62, sticky)
    }

    /// `self + o`, rounded.
    fn plus(self, o: Ext) -> Ext {
        let (big, small) = if self.ge(o) { (self, o) } else { (o, self) };
        if small.m == 0 {
            return big;
        }
        let (s, sticky) = Ext::aligned(big, small);
        Ext::round((u128::from(big.m) << 63) + s, big.e - 63, sticky)
    }

    /// `self - o` for `self >= o`, rounded (zero if `self < o`).
    fn minus(self, o: Ext) -> Ext {
        if !self.ge(o) {
            return Ext::ZERO;
        }
        if o.m == 0 {
            return self;
        }
        let (s, sticky) = Ext::aligned(self, o);
        // With bits of `o` cut off, the true difference lies strictly
        // between (a - s - 1) and (a - s): take the lower, mark it inexact.
        let diff = (u128::from(self.m) << 63) - s - u128::from(sticky);
        Ext::round(diff, self.e - 63, sticky)
    }

    /// `small`'s mantissa on `big`'s scale (shifted up by 63 bits), and
    /// whether bits were lost.
    fn aligned(big: Ext, small: Ext) -> (u128, bool) {
        let shift = big.e.abs_diff(small.e);
        let s = u128::from(small.m) << 63;
        if shift >= 127 {
            (0, true)
        } else {
            let kept = s >> shift;
            (kept, kept << shift != s)
        }
    }

    /// The order of two values.
    fn order(self, o: Ext) -> Ordering {
        match (self.m == 0, o.m == 0) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => (self.e, self.m).cmp(&(o.e, o.m)),
        }
    }

    fn ge(self, o: Ext) -> bool {
        self.order(o) != Ordering::Less
    }

    /// The integer part (C's `(int)` conversion), saturating at `u64::MAX`.
    fn trunc(self) -> u64 {
        if self.m == 0 || self.e <= -64 {
            0
        } else if self.e < 0 {
            self.m >> (-self.e)
        } else {
            u64::MAX
        }
    }
}
