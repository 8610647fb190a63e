//! Type affinity, CAST, and SQLite's text-to-number conversions.
//!
//! SQLite is dynamically typed: any column can hold any value, but each
//! column has an *affinity*, a preferred storage class that values are
//! converted to when that can be done without losing information
//! (<https://sqlite.org/datatype3.html>, section 3). CAST converts
//! unconditionally (<https://sqlite.org/lang_expr.html#castexpr>). Both rest
//! on SQLite's parsers of numbers written as text, which are also what the
//! arithmetic operators and many functions use.
//!
//! # A column's affinity (datatype3.html section 3.1)
//!
//! The declared type is searched, case-insensitively, for these substrings;
//! the first rule that matches wins:
//!
//! 1. contains `INT` → INTEGER
//! 2. contains `CHAR`, `CLOB` or `TEXT` → TEXT
//! 3. contains `BLOB`, or no type was declared → BLOB (SQLite also calls
//!    this "none")
//! 4. contains `REAL`, `FLOA` or `DOUB` → REAL
//! 5. otherwise → NUMERIC
//!
//! So `FLOATING POINT` is INTEGER (it contains "INT"), `STRING` is NUMERIC.
//!
//! # Affinity on store ([`apply`])
//!
//! * TEXT: numbers are converted to their text ([`crate::format`]); blobs
//!   and NULL are kept.
//! * NUMERIC and INTEGER: text that is *entirely* a number (leading and
//!   trailing spaces allowed, no hex) becomes INTEGER if it is written as an
//!   integer or if its value is integral and fits (`'3.0'` → 3, `'1e3'` →
//!   1000), else REAL. A REAL with an exact integer value becomes INTEGER
//!   (`3.0` → 3) unless it is ±2^63 or beyond. Other text, blobs and NULL
//!   are kept.
//! * REAL: as NUMERIC, but the value is then read back as REAL: SQLite
//!   stores integral reals as integers to save space and converts them back
//!   when the column is read, so what a query sees is a REAL.
//! * BLOB (none): nothing changes.
//!
//! # CAST ([`cast`], [`cast_to`])
//!
//! The type name is mapped to an affinity with the same five rules (except
//! that an empty type name gives NUMERIC), then:
//!
//! * `AS INTEGER`: the longest prefix of the text that is a decimal integer
//!   (`'12abc'` → 12, `'1e3'` → 1, `'0x10'` → 0, `'abc'` → 0), saturating at
//!   the i64 bounds; a REAL is truncated toward zero and saturates.
//! * `AS REAL`: the longest prefix that is a number, else 0.0.
//! * `AS NUMERIC`: the longest numeric prefix, INTEGER when written as an
//!   integer that fits or when its value is an integer within ±2^51, else
//!   REAL (`'1e3'` → 1000, `'1.5abc'` → 1.5, `'abc'` → 0). Numbers are kept
//!   as they are (`CAST(3.0 AS NUMERIC)` stays 3.0, unlike column affinity).
//! * `AS TEXT`: numbers are rendered; a blob's bytes become the text (walnut
//!   refuses blobs that are not UTF-8, since its TEXT is UTF-8).
//! * `AS BLOB`: the text's bytes (numbers rendered first).
//! * NULL stays NULL.
//!
//! # Parsing numbers in text
//!
//! [`atof`] is SQLite's `sqlite3AtoF()`: optional spaces, optional sign,
//! digits with an optional `.` and fraction, an optional exponent, optional
//! trailing spaces. It reports whether the whole text was a number, only a
//! prefix was, or nothing was, and whether the number was written as an
//! integer. Only the first ~19 significant digits contribute (SQLite's own
//! limitation, kept). Like SQLite it stops at a NUL byte.
//!
//! [`atoi64`] is `sqlite3Atoi64()`: decimal only, no exponent, saturating.
//! "Spaces" are SQLite's: space, tab, newline, vertical tab, form feed and
//! carriage return.

use crate::format;
use crate::ops::OpError;
use crate::value::Value;

/// A column's type affinity (<https://sqlite.org/datatype3.html#type_affinity>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Affinity {
    /// INTEGER affinity: like NUMERIC (the difference shows only in CAST).
    Integer,
    /// TEXT affinity: numbers are stored as text.
    Text,
    /// BLOB affinity (SQLite's "none"): values are stored as given.
    Blob,
    /// REAL affinity: like NUMERIC, but integers read back as reals.
    Real,
    /// NUMERIC affinity: text that looks like a number becomes a number.
    Numeric,
}

impl Affinity {
    /// True for NUMERIC, INTEGER and REAL.
    pub fn is_numeric(self) -> bool {
        matches!(self, Affinity::Numeric | Affinity::Integer | Affinity::Real)
    }
}

/// The affinity of a column declared with type `decl` (the five rules of
/// datatype3.html section 3.1, in order). An empty type gives BLOB.
pub fn from_decl_type(decl: &str) -> Affinity {
    if decl.is_empty() {
        return Affinity::Blob;
    }
    type_name_affinity(decl)
}

/// The affinity SQLite's `sqlite3AffinityType()` gives a type name: the
/// rules of [`from_decl_type`], except that an empty name gives NUMERIC
/// (as in `CAST(x AS "")`).
pub fn type_name_affinity(name: &str) -> Affinity {
    let lower = name.to_ascii_lowercase();
    let has = |s: &str| lower.contains(s);
    if has("int") {
        Affinity::Integer
    } else if has("char") || has("clob") || has("text") {
        Affinity::Text
    } else if has("blob") {
        Affinity::Blob
    } else if has("real") || has("floa") || has("doub") {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// Applies [`apply`] to the value in `slot`, leaving alone a value the
/// affinity keeps as it is (no move of the value in and out: a row of
/// values of the columns' own types, the usual case, costs one check per
/// column).
pub fn apply_in_place(a: Affinity, slot: &mut Value) {
    let kept = match (a, &*slot) {
        (_, Value::Null) | (Affinity::Blob, _) => true,
        (Affinity::Text, v) => !matches!(v, Value::Integer(_) | Value::Real(_)),
        (Affinity::Real, v) => matches!(v, Value::Blob(_)),
        (Affinity::Numeric | Affinity::Integer, v) => {
            matches!(v, Value::Integer(_) | Value::Blob(_))
        }
    };
    if !kept {
        let v = std::mem::replace(slot, Value::Null);
        *slot = apply(a, v);
    }
}

/// The value a column of affinity `a` holds after `v` is stored in it (and
/// read back).
pub fn apply(a: Affinity, v: Value) -> Value {
    match a {
        Affinity::Blob => v,
        Affinity::Text => match v {
            Value::Integer(_) | Value::Real(_) => match format::to_text(&v) {
                Some(t) => Value::Text(t),
                None => v,
            },
            other => other,
        },
        Affinity::Numeric | Affinity::Integer | Affinity::Real => {
            let stored = match v {
                Value::Text(t) => match apply_numeric_affinity(t.as_bytes(), true) {
                    Some(n) => n,
                    None => Value::Text(t),
                },
                Value::Real(r) => integer_affinity(r),
                other => other,
            };
            if a == Affinity::Real {
                // SQLite's OP_RealAffinity when the column is read.
                match stored {
                    Value::Integer(i) => Value::Real(i as f64),
                    other => other,
                }
            } else {
                stored
            }
        }
    }
}

/// `CAST(v AS to)`, where `to` is the type name as written.
pub fn cast(v: &Value, to: &str) -> Result<Value, OpError> {
    cast_to(v, type_name_affinity(to))
}

/// CAST to an affinity (SQLite's `sqlite3VdbeMemCast()`).
///
/// Fails only for a blob cast to TEXT whose bytes are not UTF-8: SQLite
/// would produce such a text value, walnut cannot hold one.
pub fn cast_to(v: &Value, to: Affinity) -> Result<Value, OpError> {
    if matches!(v, Value::Null) {
        return Ok(Value::Null);
    }
    Ok(match to {
        Affinity::Blob => match v {
            Value::Blob(_) => v.clone(),
            Value::Text(t) => Value::Blob(t.as_bytes().to_vec()),
            other => Value::Blob(
                format::text_bytes(other)
                    .map(|b| b.into_owned())
                    .unwrap_or_default(),
            ),
        },
        Affinity::Numeric => numerify(v),
        Affinity::Integer => Value::Integer(value_to_i64(v)),
        Affinity::Real => Value::Real(value_to_f64(v)),
        Affinity::Text => match v {
            Value::Text(_) => v.clone(),
            Value::Blob(b) => Value::Text(blob_to_text(b)?),
            other => Value::Text(format::to_text(other).unwrap_or_default()),
        },
    })
}

/// A blob's bytes as walnut TEXT, refusing bytes that are not UTF-8.
pub fn blob_to_text(b: &[u8]) -> Result<String, OpError> {
    String::from_utf8(b.to_vec()).map_err(|_| OpError::NotUtf8)
}

// ---------------------------------------------------------------------------
// Numbers from text
// ---------------------------------------------------------------------------

/// SQLite's notion of a space character (`sqlite3Isspace()`): space, `\t`,
/// `\n`, `\v` (0x0b), `\f` and `\r`.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | 0x09..=0x0d)
}

/// The outcome of [`atof`] (SQLite's `sqlite3AtoF()` return code).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RealParse {
    /// The value of the longest numeric prefix (0.0 if there is none).
    pub value: f64,
    /// SQLite's return code: 0 if no prefix is a number, positive if all of
    /// the text is, negative if only a prefix is. Bit 1 (value 2) is set if
    /// the number has a decimal point or an exponent; bit 2 (4) if it is
    /// exactly zero; bit 3 (8) if it had more than ~19 significant digits.
    pub rc: i32,
}

impl RealParse {
    /// The whole text (give or take spaces) is a number.
    pub fn is_whole(&self) -> bool {
        self.rc > 0
    }

    /// Some prefix of the text is a number.
    pub fn has_prefix(&self) -> bool {
        self.rc != 0
    }

    /// The number was written without a decimal point or exponent.
    pub fn is_integer_syntax(&self) -> bool {
        self.rc & 2 == 0
    }
}

/// Parses a number from text the way SQLite's `sqlite3AtoF()` does.
///
/// Stops at the first NUL byte, as SQLite sees a C string. Hexadecimal is
/// not recognised (`'0x10'` has the numeric prefix `0`).
pub fn atof(text: &[u8]) -> RealParse {
    let z = match text.iter().position(|&b| b == 0) {
        Some(p) => &text[..p],
        None => text,
    };
    let at = |i: usize| -> u8 { z.get(i).copied().unwrap_or(0) };
    const BIG: u64 = (u64::MAX - 9) / 10;
    let mut i = 0usize;
    let mut neg = false;
    let mut s: u64 = 0;
    let mut d: i64 = 0;
    let mut m_state: i32 = 0;

    // Leading spaces, then an optional sign, then the integer part.
    while is_space(at(i)) {
        i += 1;
    }
    let mut c = at(i);
    if c == b'-' || c == b'+' {
        neg = c == b'-';
        i += 1;
        c = at(i);
    }
    if c.is_ascii_digit() {
        m_state = 1;
        s = u64::from(c - b'0');
        i += 1;
        while at(i).is_ascii_digit() {
            s = s * 10 + u64::from(at(i) - b'0');
            i += 1;
            if s >= BIG {
                m_state = 9;
                while at(i).is_ascii_digit() {
                    i += 1;
                    d += 1;
                }
                break;
            }
        }
    }
    // The fraction.
    if at(i) == b'.' {
        i += 1;
        if at(i).is_ascii_digit() {
            m_state |= 1;
            while at(i).is_ascii_digit() {
                if s < BIG {
                    s = s * 10 + u64::from(at(i) - b'0');
                    d -= 1;
                } else {
                    m_state = 11;
                }
                i += 1;
            }
        } else if m_state == 0 {
            return RealParse { value: 0.0, rc: 0 };
        }
        m_state |= 2;
    } else if m_state == 0 {
        return RealParse { value: 0.0, rc: 0 };
    }
    // The exponent.
    if at(i) == b'e' || at(i) == b'E' {
        i += 1;
        let mut esign: i64 = 1;
        if at(i) == b'-' {
            esign = -1;
            i += 1;
        } else if at(i) == b'+' {
            i += 1;
        }
        if at(i).is_ascii_digit() {
            let mut exp: i64 = i64::from(at(i) - b'0');
            i += 1;
            m_state |= 2;
            while at(i).is_ascii_digit() {
                exp = if exp < 10000 {
                    exp * 10 + i64::from(at(i) - b'0')
                } else {
                    10000
                };
                i += 1;
            }
            d += esign * exp;
        } else {
            // Leave i at the 'e' or the sign: the text is then only a
            // prefix number.
            i -= 1;
        }
    }
    let mut value = if s == 0 {
        m_state |= 4;
        0.0
    } else {
        let p = d.clamp(-100_000, 100_000) as i32;
        format::fp10_convert2(s, p)
    };
    if neg {
        value = -value;
    }
    if i >= z.len() {
        return RealParse { value, rc: m_state };
    }
    if is_space(at(i)) {
        while is_space(at(i)) {
            i += 1;
        }
        if i >= z.len() {
            return RealParse { value, rc: m_state };
        }
    }
    RealParse {
        value,
        rc: (0xffff_fff0_u32 as i32) | m_state,
    }
}

/// How [`atoi64`] went (SQLite's `sqlite3Atoi64()` return code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntParse {
    /// Not even a prefix of the text is an integer (code -1).
    NoDigits,
    /// The text is an integer that fits in an i64 (code 0).
    Exact,
    /// An integer that fits, followed by other text (code 1).
    Prefix,
    /// Too large for an i64 (code 2): the value saturated.
    Overflow,
    /// Exactly 9223372036854775808 (code 3): saturated to i64::MAX.
    TwoPow63,
}

impl IntParse {
    /// SQLite's numeric code for this outcome.
    pub fn code(self) -> i32 {
        match self {
            IntParse::NoDigits => -1,
            IntParse::Exact => 0,
            IntParse::Prefix => 1,
            IntParse::Overflow => 2,
            IntParse::TwoPow63 => 3,
        }
    }
}

/// Parses a decimal integer prefix the way SQLite's `sqlite3Atoi64()` does:
/// spaces, an optional sign, digits; saturating at the i64 bounds. Unlike
/// [`atof`] it looks at every byte (a NUL is just "other text").
pub fn atoi64(z: &[u8]) -> (i64, IntParse) {
    let len = z.len();
    let mut i = 0usize;
    while i < len && is_space(z[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < len {
        if z[i] == b'-' {
            neg = true;
            i += 1;
        } else if z[i] == b'+' {
            i += 1;
        }
    }
    let start = i;
    while i < len && z[i] == b'0' {
        i += 1;
    }
    let digits_at = i;
    let mut u: u64 = 0;
    while i < len && z[i].is_ascii_digit() {
        u = u.wrapping_mul(10).wrapping_add(u64::from(z[i] - b'0'));
        i += 1;
    }
    let k = i - digits_at;
    let mut num: i64 = if u > i64::MAX as u64 {
        if neg { i64::MIN } else { i64::MAX }
    } else if neg {
        -(u as i64)
    } else {
        u as i64
    };
    let mut rc = IntParse::Exact;
    if k == 0 && start == digits_at {
        rc = IntParse::NoDigits;
    } else if z[i..].iter().any(|&b| !is_space(b)) {
        rc = IntParse::Prefix;
    }
    if k < 19 {
        return (num, rc);
    }
    let j = if k > 19 {
        1
    } else {
        compare_2pow63(&z[digits_at..digits_at + 19])
    };
    if j < 0 {
        return (num, rc);
    }
    num = if neg { i64::MIN } else { i64::MAX };
    if j > 0 {
        (num, IntParse::Overflow)
    } else if neg {
        (num, rc)
    } else {
        (num, IntParse::TwoPow63)
    }
}

/// Compares 19 ASCII digits with "9223372036854775808".
fn compare_2pow63(d: &[u8]) -> i32 {
    const POW63: &[u8; 19] = b"9223372036854775808";
    for (a, b) in d.iter().zip(POW63.iter()) {
        if a != b {
            return i32::from(*a) - i32::from(*b);
        }
    }
    0
}

/// A REAL converted to the nearest integer toward zero, saturating at the
/// i64 bounds (`sqlite3RealToI64()`).
pub fn real_to_i64(r: f64) -> i64 {
    if r < -9_223_372_036_854_774_784.0 {
        i64::MIN
    } else if r > 9_223_372_036_854_774_784.0 {
        i64::MAX
    } else {
        r as i64
    }
}

/// True if `r` (from which `i` was derived) is the same number as `i` and
/// small enough (|i| < 2^51) to be trusted as an integer
/// (`sqlite3RealSameAsInt()`).
pub fn real_same_as_int(r: f64, i: i64) -> bool {
    r == 0.0
        || (r.to_bits() == (i as f64).to_bits()
            && (-2_251_799_813_685_248..2_251_799_813_685_248).contains(&i))
}

/// A REAL with an exact integer value as an INTEGER, if it is strictly
/// between i64::MIN and i64::MAX (`sqlite3VdbeIntegerAffinity()`).
pub fn integer_affinity(r: f64) -> Value {
    let ix = real_to_i64(r);
    if r == ix as f64 && ix > i64::MIN && ix < i64::MAX {
        Value::Integer(ix)
    } else {
        Value::Real(r)
    }
}

/// A value as an integer, the way SQLite's `sqlite3VdbeIntValue()` takes it
/// (used by CAST AS INTEGER, bitwise operators, and integer arguments of
/// functions): REAL truncates (saturating), text and blobs take their
/// longest decimal-integer prefix (0 if none), NULL is 0.
pub fn value_to_i64(v: &Value) -> i64 {
    match v {
        Value::Null => 0,
        Value::Integer(i) => *i,
        Value::Real(r) => real_to_i64(*r),
        Value::Text(t) => atoi64(t.as_bytes()).0,
        Value::Blob(b) => atoi64(b).0,
    }
}

/// A value as a REAL, the way SQLite's `sqlite3VdbeRealValue()` takes it:
/// text and blobs take their longest numeric prefix (0.0 if none), NULL is
/// 0.0.
pub fn value_to_f64(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(t) => atof(t.as_bytes()).value,
        Value::Blob(b) => atof(b).value,
    }
}

/// `CAST(v AS NUMERIC)` (`sqlite3VdbeMemNumerify()`): numbers and NULL are
/// kept; text and blobs become the INTEGER or REAL of their longest numeric
/// prefix (0 if none).
pub fn numerify(v: &Value) -> Value {
    let bytes: &[u8] = match v {
        Value::Text(t) => t.as_bytes(),
        Value::Blob(b) => b,
        other => return other.clone(),
    };
    text_to_numeric(bytes)
}

/// Text (or a blob's bytes) as a number, forcing the conversion like
/// `CAST(.. AS NUMERIC)`: INTEGER when written as an integer that fits or
/// when the value is integral and within ±2^51, else REAL.
pub fn text_to_numeric(bytes: &[u8]) -> Value {
    let parse = atof(bytes);
    if parse.is_integer_syntax() {
        let (ix, rc) = atoi64(bytes);
        if rc.code() < 2 {
            return Value::Integer(ix);
        }
    }
    let ix = real_to_i64(parse.value);
    if real_same_as_int(parse.value, ix) {
        Value::Integer(ix)
    } else {
        Value::real(parse.value)
    }
}

/// Text as a number if *all* of it is one (SQLite's
/// `applyNumericAffinity()`), else `None`: the conversion of NUMERIC
/// affinity. With `try_for_int`, a REAL with an integral value becomes an
/// INTEGER (what column affinity does; comparisons pass `false`).
pub fn apply_numeric_affinity(bytes: &[u8], try_for_int: bool) -> Option<Value> {
    let parse = atof(bytes);
    if parse.rc <= 0 {
        return None;
    }
    if parse.is_integer_syntax() {
        let ix = real_to_i64(parse.value);
        if real_same_as_int(parse.value, ix) {
            return Some(Value::Integer(ix));
        }
        let (i, rc) = atoi64(bytes);
        if rc == IntParse::Exact {
            return Some(Value::Integer(i));
        }
    }
    if try_for_int {
        Some(integer_affinity(parse.value))
    } else {
        Some(Value::real(parse.value))
    }
}

/// The number a value stands for in arithmetic (SQLite's `numericType()`):
/// INTEGER and REAL as they are; text and blobs as INTEGER when written as
/// an integer that fits (a prefix like `'12abc'` counts), else REAL. `None`
/// for NULL.
pub fn arithmetic_value(v: &Value) -> Option<Value> {
    let bytes: &[u8] = match v {
        Value::Null => return None,
        Value::Integer(_) | Value::Real(_) => return Some(v.clone()),
        Value::Text(t) => t.as_bytes(),
        Value::Blob(b) => b,
    };
    let parse = atof(bytes);
    if parse.is_integer_syntax() {
        let (ix, rc) = atoi64(bytes);
        let ok = if parse.rc <= 0 {
            rc.code() <= 1
        } else {
            rc == IntParse::Exact
        };
        if ok {
            return Some(Value::Integer(ix));
        }
    }
    Some(Value::real(parse.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn applying_in_place_is_applying() {
        let values = [
            Value::Null,
            Value::Integer(0),
            Value::Integer(-7),
            Value::Real(-0.0),
            Value::Real(2.0),
            Value::Real(2.5),
            t("12"),
            t(" 3.0 "),
            t("1e3"),
            t("abc"),
            Value::Blob(b"12".to_vec()),
        ];
        for a in [
            Affinity::Integer,
            Affinity::Text,
            Affinity::Blob,
            Affinity::Real,
            Affinity::Numeric,
        ] {
            for v in &values {
                let mut slot = v.clone();
                apply_in_place(a, &mut slot);
                let want = apply(a, v.clone());
                // (Compared bit for bit: -0.0 and 0.0 differ here.)
                assert_eq!(format!("{slot:?}"), format!("{want:?}"), "{a:?} {v:?}");
            }
        }
    }

    #[test]
    fn declared_types() {
        use Affinity::*;
        for (decl, want) in [
            ("INT", Integer),
            ("INTEGER", Integer),
            ("TINYINT", Integer),
            ("BIGINT", Integer),
            ("FLOATING POINT", Integer),
            ("CHARINT", Integer),
            ("VARCHAR(255)", Text),
            ("NCHAR(55)", Text),
            ("CLOB", Text),
            ("text", Text),
            ("BLOBCHAR", Text),
            ("BLOB", Blob),
            ("", Blob),
            ("REALBLOB", Blob),
            ("REAL", Real),
            ("DOUBLE PRECISION", Real),
            ("FLOAT", Real),
            ("NUMERIC", Numeric),
            ("DECIMAL(10,5)", Numeric),
            ("BOOLEAN", Numeric),
            ("DATE", Numeric),
            ("STRING", Numeric),
        ] {
            assert_eq!(from_decl_type(decl), want, "{decl}");
        }
        assert_eq!(type_name_affinity(""), Numeric);
    }

    #[test]
    fn atof_outcomes() {
        let p = atof(b"  1.5  ");
        assert_eq!(
            (p.value, p.is_whole(), p.is_integer_syntax()),
            (1.5, true, false)
        );
        let p = atof(b"12abc");
        assert_eq!((p.value, p.is_whole(), p.has_prefix()), (12.0, false, true));
        assert_eq!(atof(b"abc").rc, 0);
        assert_eq!(atof(b"").rc, 0);
        assert_eq!(atof(b".").rc, 0);
        assert_eq!(atof(b"-.5").value, -0.5);
        assert!(atof(b"1e").rc < 0);
        assert_eq!(atof(b"1e").value, 1.0);
        assert_eq!(atof(b"1e500").value, f64::INFINITY);
        assert_eq!(atof(b"12\x003").value, 12.0);
        assert!(atof(b"12\x003").is_whole());
        assert!(atof(b"-0").value.is_sign_negative());
    }

    #[test]
    fn atoi64_outcomes() {
        assert_eq!(atoi64(b" 42 "), (42, IntParse::Exact));
        assert_eq!(atoi64(b"12abc"), (12, IntParse::Prefix));
        assert_eq!(atoi64(b"abc"), (0, IntParse::NoDigits));
        assert_eq!(atoi64(b"-0"), (0, IntParse::Exact));
        assert_eq!(atoi64(b"9223372036854775807"), (i64::MAX, IntParse::Exact));
        assert_eq!(
            atoi64(b"9223372036854775808"),
            (i64::MAX, IntParse::TwoPow63)
        );
        assert_eq!(atoi64(b"-9223372036854775808"), (i64::MIN, IntParse::Exact));
        assert_eq!(
            atoi64(b"-9223372036854775809"),
            (i64::MIN, IntParse::Overflow)
        );
        assert_eq!(
            atoi64(b"99999999999999999999"),
            (i64::MAX, IntParse::Overflow)
        );
        assert_eq!(atoi64(b"000000000000000000000012"), (12, IntParse::Exact));
    }

    #[test]
    fn casts() {
        let c = |v: Value, to: &str| cast(&v, to).unwrap();
        assert_eq!(c(t("12abc"), "INTEGER"), Value::Integer(12));
        assert_eq!(c(t("1e3"), "INTEGER"), Value::Integer(1));
        assert_eq!(c(t("1e3"), "NUMERIC"), Value::Integer(1000));
        assert_eq!(c(t("0x10"), "INTEGER"), Value::Integer(0));
        assert_eq!(c(t("1.5abc"), "NUMERIC"), Value::Real(1.5));
        assert_eq!(c(t("abc"), "NUMERIC"), Value::Integer(0));
        assert_eq!(
            c(t("9223372036854775808"), "NUMERIC"),
            Value::Real(9_223_372_036_854_775_808.0)
        );
        assert_eq!(c(Value::Real(3.0), "NUMERIC"), Value::Real(3.0));
        assert_eq!(c(Value::Real(1e20), "INTEGER"), Value::Integer(i64::MAX));
        assert_eq!(c(Value::Integer(12), "BLOB"), Value::Blob(b"12".to_vec()));
        assert_eq!(c(Value::Real(1.5), "TEXT"), t("1.5"));
        assert_eq!(c(Value::Integer(1), "FLOATING POINT"), Value::Integer(1));
        assert_eq!(c(Value::Null, "TEXT"), Value::Null);
        assert_eq!(
            cast(&Value::Blob(vec![0xff]), "TEXT"),
            Err(OpError::NotUtf8)
        );
    }

    #[test]
    fn column_affinity() {
        use Affinity::*;
        assert_eq!(apply(Numeric, t(" 12 ")), Value::Integer(12));
        assert_eq!(apply(Numeric, t("3.0")), Value::Integer(3));
        assert_eq!(apply(Numeric, t("1e3")), Value::Integer(1000));
        assert_eq!(apply(Numeric, t("1.5")), Value::Real(1.5));
        assert_eq!(apply(Numeric, t("0x10")), t("0x10"));
        assert_eq!(apply(Numeric, t("12abc")), t("12abc"));
        assert_eq!(apply(Numeric, Value::Real(3.0)), Value::Integer(3));
        assert_eq!(apply(Integer, Value::Real(1e20)), Value::Real(1e20));
        assert_eq!(apply(Real, Value::Integer(3)), Value::Real(3.0));
        assert_eq!(apply(Real, t("3")), Value::Real(3.0));
        assert_eq!(apply(Text, Value::Real(1.0)), t("1.0"));
        assert_eq!(apply(Text, Value::Blob(vec![1])), Value::Blob(vec![1]));
        assert_eq!(apply(Blob, t("12")), t("12"));
    }
}
