//! SQL values and SQLite's ordering of them.
//!
//! A value is one of SQLite's five storage classes. Values of different
//! classes compare by class first, in this order:
//!
//! ```text
//! NULL  <  INTEGER and REAL (compared numerically with each other)  <  TEXT  <  BLOB
//! ```
//!
//! An INTEGER and a REAL compare exactly, by mathematical value (not by
//! converting the integer to a float, which would make `2^53 + 1` equal to
//! `2^53`). TEXT compares byte by byte (SQLite's BINARY collation), as does
//! BLOB. This is the order of `ORDER BY` and of index keys; comparison
//! *operators* in expressions add NULL handling (three-valued logic) and
//! type affinity on top of it.

use std::cmp::Ordering;

/// A value of one of SQLite's storage classes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit IEEE float (never NaN: NaN becomes NULL, as in SQLite).
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// A REAL, or NULL for NaN (SQLite stores no NaN).
    pub fn real(r: f64) -> Value {
        if r.is_nan() {
            Value::Null
        } else {
            Value::Real(r)
        }
    }

    /// The storage class rank used by the cross-class order.
    fn class_rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }

    /// SQLite's `typeof()` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }

    /// The total order of SQLite's `ORDER BY` (NULLs first).
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
            (Value::Integer(a), Value::Real(b)) => cmp_int_real(*a, *b),
            (Value::Real(a), Value::Integer(b)) => cmp_int_real(*b, *a).reverse(),
            (Value::Real(a), Value::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Value::Text(a), Value::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Blob(a), Value::Blob(b)) => a.cmp(b),
            _ => self.class_rank().cmp(&other.class_rank()),
        }
    }
}

/// Compares an integer with a float exactly.
pub fn cmp_int_real(i: i64, r: f64) -> Ordering {
    if r.is_nan() {
        return Ordering::Greater;
    }
    // Every i64 lies in [-2^63, 2^63); floats outside that range are
    // beyond every integer.
    if r >= 9_223_372_036_854_775_808.0 {
        return Ordering::Less;
    }
    if r < -9_223_372_036_854_775_808.0 {
        return Ordering::Greater;
    }
    // Now r truncated fits in i64: compare the integer parts, then the
    // fraction.
    let t = r.trunc() as i64;
    match i.cmp(&t) {
        Ordering::Equal => {
            let frac = r - r.trunc();
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Integer(i64::from(i))
    }
}

impl From<f64> for Value {
    fn from(r: f64) -> Self {
        Value::real(r)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Value::Blob(b)
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Value::Blob(b.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_order_null_numbers_text_blob() {
        let mut v = vec![
            Value::Blob(vec![0]),
            Value::Text("a".into()),
            Value::Real(2.5),
            Value::Null,
            Value::Integer(2),
            Value::Integer(3),
            Value::Text("".into()),
        ];
        v.sort_by(|a, b| a.sort_cmp(b));
        assert_eq!(
            v,
            vec![
                Value::Null,
                Value::Integer(2),
                Value::Real(2.5),
                Value::Integer(3),
                Value::Text("".into()),
                Value::Text("a".into()),
                Value::Blob(vec![0]),
            ]
        );
    }

    #[test]
    fn integers_and_reals_compare_exactly() {
        let big = 1i64 << 53;
        assert_eq!(cmp_int_real(big + 1, big as f64), Ordering::Greater);
        assert_eq!(cmp_int_real(3, 3.0), Ordering::Equal);
        assert_eq!(cmp_int_real(-3, -2.5), Ordering::Less);
        assert_eq!(cmp_int_real(i64::MAX, 9.3e18), Ordering::Less);
        assert_eq!(cmp_int_real(i64::MIN, -9.3e18), Ordering::Greater);
        assert_eq!(Value::real(f64::NAN), Value::Null);
    }
}
