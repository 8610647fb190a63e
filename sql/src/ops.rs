//! SQL operators over [`Value`]s, with SQLite's semantics.
//!
//! The rules are those of <https://sqlite.org/lang_expr.html> (operators,
//! "Boolean expressions") and <https://sqlite.org/datatype3.html> (section
//! 4: comparison expressions and affinity), as SQLite's VDBE implements them
//! (`OP_Add`, `OP_Eq`, ... in `vdbe.c`).
//!
//! # Arithmetic: `+ - * / %`
//!
//! * NULL in, NULL out.
//! * Text and blob operands are read as numbers: INTEGER if they are
//!   written as an integer that fits (a numeric prefix counts: `'12abc'` is
//!   12), otherwise REAL (`'1.5'`, `'1e3'`); text with no numeric prefix is
//!   0. No error is ever raised for non-numeric text.
//! * Two INTEGERs give an INTEGER; if `+ - *` overflow, the operation is
//!   redone in floating point and gives a REAL. `/` truncates toward zero;
//!   `i64::MIN / -1` also falls back to REAL (9.223372036854775808e18).
//! * Division or remainder by zero gives NULL (for REAL as well: `1.0/0.0`
//!   is NULL, not infinity). A REAL result that is NaN (`inf - inf`) is NULL.
//! * `%` always works on integers: REAL operands are truncated first, and
//!   the result is REAL if either operand was REAL (`5.5 % 2` is `1.0`).
//!   Surprise kept from SQLite: for a *text* operand that reads as REAL, the
//!   truncation takes the integer prefix of the text, so `'1e3' % 7` is
//!   `1.0` (1 % 7) while `1e3 % 7` is `6.0`.
//! * Unary minus is `0 - x` (SQLite compiles it so), so `-'abc'` is 0 and
//!   `-(-9223372036854775808)` is the REAL 9.223372036854775808e18. (A minus
//!   directly in front of a numeric *literal* is folded into the literal by
//!   SQLite's parser; that is the parser's business, not this module's.)
//!
//! # Concatenation `||`
//!
//! NULL if either side is NULL; numbers are rendered as by `CAST(x AS
//! TEXT)`; blob bytes are taken as they are. The result is TEXT. walnut's
//! TEXT is UTF-8, so a concatenation whose bytes are not UTF-8 (possible
//! with blobs) is refused with [`OpError::NotUtf8`].
//!
//! # Bitwise `& | << >> ~`
//!
//! Operands are converted to integers as CAST AS INTEGER does (REAL
//! truncated, text's integer prefix). A negative shift amount shifts the
//! other way; shifting by 64 or more gives 0 (or -1 for `>>` of a negative
//! number); `>>` is arithmetic. NULL in, NULL out.
//!
//! # Comparisons `= == <> != < <= > >=`, `IS`, `IS NOT`
//!
//! Before comparing, affinity may convert the operands (datatype3.html
//! 4.2). Only *columns* (and `CAST(.. AS type)` expressions) have an
//! affinity; literals and other expressions have none. Pass the affinity of
//! each operand as `Some(..)` if it is such an expression, `None` otherwise:
//!
//! * If one operand has INTEGER, REAL or NUMERIC affinity and the other has
//!   TEXT, BLOB or no affinity, NUMERIC affinity is applied to the other
//!   operand (text that is entirely a number becomes that number).
//! * If one operand has TEXT affinity and the other has none, TEXT affinity
//!   is applied to the other operand (numbers become text).
//! * Otherwise nothing is converted. (SQLite actually applies the chosen
//!   affinity to both operands; applying it to an operand that already has
//!   that affinity changes nothing observable, so the rule reads the same.)
//!
//! Then values compare in SQLite's cross-class order (NULL < numbers < TEXT
//! < BLOB, numbers exactly, text and blobs byte by byte: the BINARY
//! collation), see [`Value::sort_cmp`]. With NULL on either side the
//! comparison operators give NULL (`None`). `IS` and `IS NOT` never give
//! NULL: two NULLs are the same, NULL and non-NULL are not.
//!
//! # Truth values, `AND`, `OR`, `NOT`
//!
//! A value is true if it is numerically nonzero: INTEGER and REAL directly,
//! text and blobs by their numeric prefix (`'1abc'` is true, `'abc'` and
//! `'0.0'` are false). NULL is unknown. AND and OR use three-valued logic:
//! `false AND NULL` is false, `true OR NULL` is true, otherwise NULL
//! propagates. Boolean results are the INTEGERs 1 and 0.

use crate::affinity::{self, Affinity};
use crate::format;
use crate::value::Value;
use std::cmp::Ordering;
use thiserror::Error;

/// An operator (or conversion) that has no answer walnut can represent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OpError {
    /// The result would be TEXT whose bytes are not UTF-8. SQLite can hold
    /// such a value (it comes from blob bytes); walnut's TEXT is UTF-8, so
    /// it refuses rather than change the bytes.
    #[error(
        "the result is not valid UTF-8 text (walnut's TEXT is UTF-8; SQLite would keep the raw bytes)"
    )]
    NotUtf8,
    /// The result would be longer than SQLite's maximum string length.
    #[error("string or blob too big")]
    TooBig,
}

/// The arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
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
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=` or `==`
    Eq,
    /// `<>` or `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// Whether an ordering of left against right satisfies the operator.
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// The bitwise binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BitOp {
    /// `&`
    And,
    /// `|`
    Or,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
}

/// `a op b` for an arithmetic operator (SQLite's `OP_Add` and friends).
pub fn arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    if let (Value::Integer(x), Value::Integer(y)) = (a, b) {
        if let Some(v) = int_arith(op, *x, *y) {
            return v;
        }
        return real_arith(op, a, b);
    }
    let (Some(na), Some(nb)) = (affinity::arithmetic_value(a), affinity::arithmetic_value(b))
    else {
        return Value::Null;
    };
    if let (Value::Integer(x), Value::Integer(y)) = (&na, &nb)
        && let Some(v) = int_arith(op, *x, *y)
    {
        return v;
    }
    real_arith(op, a, b)
}

/// Integer arithmetic; `None` means "redo in floating point".
fn int_arith(op: ArithOp, a: i64, b: i64) -> Option<Value> {
    match op {
        ArithOp::Add => a.checked_add(b).map(Value::Integer),
        ArithOp::Sub => a.checked_sub(b).map(Value::Integer),
        ArithOp::Mul => a.checked_mul(b).map(Value::Integer),
        ArithOp::Div => {
            if b == 0 {
                Some(Value::Null)
            } else if b == -1 && a == i64::MIN {
                None
            } else {
                Some(Value::Integer(a / b))
            }
        }
        ArithOp::Rem => {
            if b == 0 {
                Some(Value::Null)
            } else {
                let b = if b == -1 { 1 } else { b };
                Some(Value::Integer(a % b))
            }
        }
    }
}

/// Floating-point arithmetic on the original operands (as SQLite's
/// `fp_math` label, which re-reads them).
fn real_arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    let ra = affinity::value_to_f64(a);
    let rb = affinity::value_to_f64(b);
    let r = match op {
        ArithOp::Add => ra + rb,
        ArithOp::Sub => ra - rb,
        ArithOp::Mul => ra * rb,
        ArithOp::Div => {
            if rb == 0.0 {
                return Value::Null;
            }
            ra / rb
        }
        ArithOp::Rem => {
            let ia = affinity::value_to_i64(a);
            let ib = affinity::value_to_i64(b);
            if ib == 0 {
                return Value::Null;
            }
            let ib = if ib == -1 { 1 } else { ib };
            (ia % ib) as f64
        }
    };
    Value::real(r)
}

/// `a + b`
pub fn add(a: &Value, b: &Value) -> Value {
    arith(ArithOp::Add, a, b)
}

/// `a - b`
pub fn sub(a: &Value, b: &Value) -> Value {
    arith(ArithOp::Sub, a, b)
}

/// `a * b`
pub fn mul(a: &Value, b: &Value) -> Value {
    arith(ArithOp::Mul, a, b)
}

/// `a / b`
pub fn div(a: &Value, b: &Value) -> Value {
    arith(ArithOp::Div, a, b)
}

/// `a % b`
pub fn rem(a: &Value, b: &Value) -> Value {
    arith(ArithOp::Rem, a, b)
}

/// Unary `-a` for a non-literal operand: SQLite computes `0 - a`.
pub fn negate(a: &Value) -> Value {
    arith(ArithOp::Sub, &Value::Integer(0), a)
}

/// Unary `+a`: the value unchanged (SQLite's unary plus is a no-op, though
/// it does strip a column's affinity, which is the planner's concern).
pub fn unary_plus(a: &Value) -> Value {
    a.clone()
}

/// `a || b` (SQLite's `OP_Concat`).
pub fn concat(a: &Value, b: &Value) -> Result<Value, OpError> {
    let (Some(x), Some(y)) = (format::text_bytes(a), format::text_bytes(b)) else {
        return Ok(Value::Null);
    };
    if x.len() + y.len() > format::MAX_LENGTH {
        return Err(OpError::TooBig);
    }
    let mut bytes = Vec::with_capacity(x.len() + y.len());
    bytes.extend_from_slice(&x);
    bytes.extend_from_slice(&y);
    String::from_utf8(bytes)
        .map(Value::Text)
        .map_err(|_| OpError::NotUtf8)
}

/// `a op b` for a bitwise operator (SQLite's `OP_BitAnd` and friends).
pub fn bitwise(op: BitOp, a: &Value, b: &Value) -> Value {
    if matches!(a, Value::Null) || matches!(b, Value::Null) {
        return Value::Null;
    }
    let x = affinity::value_to_i64(a);
    let y = affinity::value_to_i64(b);
    Value::Integer(match op {
        BitOp::And => x & y,
        BitOp::Or => x | y,
        BitOp::Shl => shift(x, y, true),
        BitOp::Shr => shift(x, y, false),
    })
}

fn shift(x: i64, amount: i64, left: bool) -> i64 {
    if amount == 0 {
        return x;
    }
    let (left, amount) = if amount < 0 {
        (!left, if amount > -64 { -amount } else { 64 })
    } else {
        (left, amount)
    };
    if amount >= 64 {
        if x >= 0 || left { 0 } else { -1 }
    } else if left {
        ((x as u64) << amount) as i64
    } else {
        x >> amount
    }
}

/// `~a` (NULL stays NULL).
pub fn bit_not(a: &Value) -> Value {
    match a {
        Value::Null => Value::Null,
        other => Value::Integer(!affinity::value_to_i64(other)),
    }
}

/// The affinity a comparison applies to its operands, given each operand's
/// own affinity (`None` for an expression that has none), or `None` if no
/// conversion happens (SQLite's `sqlite3CompareAffinity()`).
pub fn comparison_affinity(left: Option<Affinity>, right: Option<Affinity>) -> Option<Affinity> {
    match (left, right) {
        (Some(l), Some(r)) => {
            if l.is_numeric() || r.is_numeric() {
                Some(Affinity::Numeric)
            } else {
                None
            }
        }
        (Some(a), None) | (None, Some(a)) => match a {
            Affinity::Blob => None,
            a if a.is_numeric() => Some(Affinity::Numeric),
            a => Some(a),
        },
        (None, None) => None,
    }
}

/// Applies a comparison's affinity to both operands (the conversions of
/// SQLite's `OP_Eq` and friends; neither operand is NULL here).
fn prepare_operands(
    a: &Value,
    a_aff: Option<Affinity>,
    b: &Value,
    b_aff: Option<Affinity>,
) -> (Value, Value) {
    match comparison_affinity(a_aff, b_aff) {
        Some(Affinity::Text) => {
            if matches!(a, Value::Text(_)) || matches!(b, Value::Text(_)) {
                (to_text_if_number(a), to_text_if_number(b))
            } else {
                (a.clone(), b.clone())
            }
        }
        Some(aff) if aff.is_numeric() => (numeric_if_text(a), numeric_if_text(b)),
        _ => (a.clone(), b.clone()),
    }
}

/// Converts one comparison operand as a comparison with affinity `aff`
/// would (see [`comparison_affinity`]): numeric affinity turns numeric-looking
/// text into a number, TEXT affinity turns a number into text. The planner
/// uses it to build index keys that match what `=` would match.
pub fn coerce_for_comparison(v: &Value, aff: Option<Affinity>) -> Value {
    match aff {
        Some(Affinity::Text) => to_text_if_number(v),
        Some(a) if a.is_numeric() => numeric_if_text(v),
        _ => v.clone(),
    }
}

fn to_text_if_number(v: &Value) -> Value {
    match v {
        Value::Integer(_) | Value::Real(_) => match format::to_text(v) {
            Some(t) => Value::Text(t),
            None => v.clone(),
        },
        other => other.clone(),
    }
}

fn numeric_if_text(v: &Value) -> Value {
    match v {
        Value::Text(t) => {
            affinity::apply_numeric_affinity(t.as_bytes(), false).unwrap_or_else(|| v.clone())
        }
        other => other.clone(),
    }
}

/// `a op b` for a comparison operator; `None` is SQL NULL (either operand
/// NULL). `a_aff` / `b_aff` are the operands' affinities (see the module
/// documentation).
pub fn compare(
    op: CmpOp,
    a: &Value,
    a_aff: Option<Affinity>,
    b: &Value,
    b_aff: Option<Affinity>,
) -> Option<bool> {
    if matches!(a, Value::Null) || matches!(b, Value::Null) {
        return None;
    }
    let (x, y) = prepare_operands(a, a_aff, b, b_aff);
    Some(op.holds(x.sort_cmp(&y)))
}

/// `a IS b`: like `=`, but NULL IS NULL is true and NULL IS x is false.
pub fn is(a: &Value, a_aff: Option<Affinity>, b: &Value, b_aff: Option<Affinity>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ => compare(CmpOp::Eq, a, a_aff, b, b_aff).unwrap_or(false),
    }
}

/// `a IS NOT b`.
pub fn is_not(a: &Value, a_aff: Option<Affinity>, b: &Value, b_aff: Option<Affinity>) -> bool {
    !is(a, a_aff, b, b_aff)
}

/// The truth value of a value (`sqlite3VdbeBooleanValue()`): `None` for
/// NULL, otherwise whether it is numerically nonzero.
pub fn truthiness(v: &Value) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(*i != 0),
        other => Some(affinity::value_to_f64(other) != 0.0),
    }
}

/// `a AND b` in three-valued logic.
pub fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// `a OR b` in three-valued logic.
pub fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// `NOT a` in three-valued logic.
pub fn not(a: Option<bool>) -> Option<bool> {
    a.map(|x| !x)
}

/// A truth value as SQL: 1, 0 or NULL.
pub fn bool_value(b: Option<bool>) -> Value {
    match b {
        Some(true) => Value::Integer(1),
        Some(false) => Value::Integer(0),
        None => Value::Null,
    }
}

/// `a AND b` over values.
pub fn and_values(a: &Value, b: &Value) -> Value {
    bool_value(and(truthiness(a), truthiness(b)))
}

/// `a OR b` over values.
pub fn or_values(a: &Value, b: &Value) -> Value {
    bool_value(or(truthiness(a), truthiness(b)))
}

/// `NOT a` over values.
pub fn not_value(a: &Value) -> Value {
    bool_value(not(truthiness(a)))
}

/// `a IS TRUE` (never NULL).
pub fn is_true(a: &Value) -> bool {
    truthiness(a) == Some(true)
}

/// `a IS FALSE` (never NULL).
pub fn is_false(a: &Value) -> bool {
    truthiness(a) == Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Value::{Integer as I, Null, Real as R};

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn arithmetic() {
        assert_eq!(add(&I(1), &I(2)), I(3));
        assert_eq!(add(&I(i64::MAX), &I(1)), R(9_223_372_036_854_775_808.0));
        assert_eq!(mul(&I(i64::MAX), &I(2)), R(1.8446744073709552e19));
        assert_eq!(div(&I(7), &I(2)), I(3));
        assert_eq!(div(&I(-7), &I(2)), I(-3));
        assert_eq!(div(&I(i64::MIN), &I(-1)), R(9_223_372_036_854_775_808.0));
        assert_eq!(div(&I(1), &I(0)), Null);
        assert_eq!(div(&R(1.0), &R(0.0)), Null);
        assert_eq!(rem(&I(i64::MIN), &I(-1)), I(0));
        assert_eq!(rem(&R(5.5), &I(2)), R(1.0));
        assert_eq!(rem(&t("1e3"), &I(7)), R(1.0));
        assert_eq!(rem(&R(1e3), &I(7)), R(6.0));
        assert_eq!(add(&t("12abc"), &I(1)), I(13));
        assert_eq!(add(&t("1.5"), &I(1)), R(2.5));
        assert_eq!(add(&t("abc"), &I(1)), I(1));
        assert_eq!(add(&Null, &I(1)), Null);
        assert_eq!(sub(&R(f64::INFINITY), &R(f64::INFINITY)), Null);
        assert_eq!(negate(&I(i64::MIN)), R(9_223_372_036_854_775_808.0));
        assert_eq!(negate(&t("abc")), I(0));
        assert_eq!(negate(&R(0.0)), R(0.0));
    }

    #[test]
    fn concatenation() {
        assert_eq!(concat(&I(1), &R(2.0)), Ok(t("12.0")));
        assert_eq!(concat(&Null, &t("a")), Ok(Null));
        assert_eq!(concat(&t("a"), &Value::Blob(b"b".to_vec())), Ok(t("ab")));
        assert_eq!(
            concat(&t("a"), &Value::Blob(vec![0xff])),
            Err(OpError::NotUtf8)
        );
    }

    #[test]
    fn bits() {
        assert_eq!(bitwise(BitOp::Shl, &I(1), &I(64)), I(0));
        assert_eq!(bitwise(BitOp::Shr, &I(-8), &I(64)), I(-1));
        assert_eq!(bitwise(BitOp::Shr, &I(-8), &I(1)), I(-4));
        assert_eq!(bitwise(BitOp::Shl, &I(1), &I(-1)), I(0));
        assert_eq!(bitwise(BitOp::Shl, &I(4), &I(-1)), I(2));
        assert_eq!(bitwise(BitOp::Shl, &I(1), &I(63)), I(i64::MIN));
        assert_eq!(bitwise(BitOp::And, &R(7.9), &t("3")), I(3));
        assert_eq!(bit_not(&I(0)), I(-1));
        assert_eq!(bit_not(&Null), Null);
    }

    #[test]
    fn comparisons_with_affinity() {
        use Affinity::*;
        // Literal against literal: no conversion, numbers sort before text.
        assert_eq!(compare(CmpOp::Lt, &I(1), None, &t("1"), None), Some(true));
        // Numeric column against a text literal: the literal becomes 1.
        assert_eq!(
            compare(CmpOp::Eq, &I(1), Some(Integer), &t("1"), None),
            Some(true)
        );
        assert_eq!(
            compare(CmpOp::Eq, &I(1), Some(Numeric), &t(" 1.0 "), None),
            Some(true)
        );
        // Text column against a number literal: the number becomes '1'.
        assert_eq!(
            compare(CmpOp::Eq, &t("1"), Some(Text), &I(1), None),
            Some(true)
        );
        // BLOB column: no conversion.
        assert_eq!(
            compare(CmpOp::Eq, &t("1"), Some(Blob), &I(1), None),
            Some(false)
        );
        // Two columns, TEXT and BLOB affinity: no conversion.
        assert_eq!(
            compare(CmpOp::Eq, &t("1"), Some(Text), &I(1), Some(Blob)),
            Some(false)
        );
        assert_eq!(compare(CmpOp::Eq, &I(1), None, &Null, None), None);
        assert!(is(&Null, None, &Null, None));
        assert!(!is(&I(1), None, &Null, None));
        assert!(is(&I(1), None, &R(1.0), None));
        assert!(is_not(&I(1), None, &t("1"), None));
    }

    #[test]
    fn three_valued_logic() {
        assert_eq!(and(Some(false), None), Some(false));
        assert_eq!(and(Some(true), None), None);
        assert_eq!(or(Some(true), None), Some(true));
        assert_eq!(or(Some(false), None), None);
        assert_eq!(not(None), None);
        assert_eq!(truthiness(&t("1abc")), Some(true));
        assert_eq!(truthiness(&t("abc")), Some(false));
        assert_eq!(truthiness(&R(-0.0)), Some(false));
        assert_eq!(truthiness(&t("0.001")), Some(true));
        assert_eq!(and_values(&I(1), &Null), Null);
        assert_eq!(not_value(&t("x")), I(1));
    }
}
