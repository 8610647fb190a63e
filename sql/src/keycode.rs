//! Order-preserving ("memcomparable") key encoding for index keys.
//!
//! The B+Tree compares keys with memcmp. An index on `(a, b)` therefore
//! stores each entry as bytes whose memcmp order is exactly SQLite's order
//! of the tuples `(a, b, rowid)` (see [`crate::value`]): NULL first, then
//! numbers (integers and reals interleaved by value), then text, then
//! blobs. Each value is a tag byte followed by its body:
//!
//! ```text
//! NULL     05
//! number   10 | float key (8 bytes) | integer correction (8 bytes)
//! TEXT     20 | escaped bytes | 00 00
//! BLOB     30 | escaped bytes | 00 00
//! ```
//!
//! * **Numbers.** The float key is the value rounded to an f64 with its
//!   bits made order-preserving (flip every bit of a negative number, only
//!   the sign bit of a positive one; -0.0 is encoded as 0.0). Rounding is
//!   monotonic, so different float keys order correctly; when an integer
//!   rounds to the same float as another number, the correction (the
//!   integer minus its rounded value, with the sign bit flipped) breaks the
//!   tie exactly. A REAL always has correction 0, so `3` and `3.0` encode
//!   identically, as SQLite considers them equal.
//! * **Text and blobs.** Every 00 byte is written as 00 FF and the value
//!   ends with 00 00, so a value sorts before any longer value it is a
//!   prefix of, and no value's bytes can run into the next column's.
//! * **Descending columns** have all their bytes inverted.
//!
//! Encoded tuples are self-delimiting, so a key can be decoded back into
//! its values (the executor reads covered columns straight from an index).

use crate::value::Value;
use thiserror::Error;

const NULL: u8 = 0x05;
const NUMBER: u8 = 0x10;
const TEXT: u8 = 0x20;
const BLOB: u8 = 0x30;

/// A key that cannot be decoded.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("malformed index key: {0}")]
pub struct KeyError(pub String);

/// Sort direction of one key column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

fn ordered_f64(r: f64) -> [u8; 8] {
    let r = if r == 0.0 { 0.0 } else { r };
    let bits = r.to_bits();
    let bits = if bits >> 63 == 1 {
        !bits
    } else {
        bits ^ (1 << 63)
    };
    bits.to_be_bytes()
}

fn from_ordered_f64(b: [u8; 8]) -> f64 {
    let bits = u64::from_be_bytes(b);
    let bits = if bits >> 63 == 1 {
        bits ^ (1 << 63)
    } else {
        !bits
    };
    f64::from_bits(bits)
}

fn escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Appends one value to a key.
pub fn encode_value(out: &mut Vec<u8>, v: &Value, order: Order) {
    let start = out.len();
    match v {
        Value::Null => out.push(NULL),
        Value::Integer(i) => {
            let f = *i as f64;
            // |i - f| < 2^11 for every i64, so the correction fits easily.
            let correction = (*i as i128 - f as i128) as i64;
            out.push(NUMBER);
            out.extend_from_slice(&ordered_f64(f));
            out.extend_from_slice(&((correction as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Real(r) => {
            out.push(NUMBER);
            out.extend_from_slice(&ordered_f64(*r));
            out.extend_from_slice(&(1u64 << 63).to_be_bytes());
        }
        Value::Text(s) => {
            out.push(TEXT);
            escaped(out, s.as_bytes());
        }
        Value::Blob(b) => {
            out.push(BLOB);
            escaped(out, b);
        }
    }
    if order == Order::Desc {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

/// Encodes a tuple of values, each with its direction.
pub fn encode(values: &[Value], orders: &[Order]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        encode_value(&mut out, v, orders.get(i).copied().unwrap_or(Order::Asc));
    }
    out
}

/// The key of a whole row, every value ascending: equal rows (as SQLite
/// compares values: `1` equals `1.0`) have equal keys, and keys sort as
/// SQLite sorts rows. For DISTINCT, GROUP BY and compound operators.
pub fn encode_row(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        encode_value(&mut out, v, Order::Asc);
    }
    out
}

/// Decodes a tuple of `orders.len()` values; returns them and the bytes
/// used.
pub fn decode(key: &[u8], orders: &[Order]) -> Result<(Vec<Value>, usize), KeyError> {
    let mut at = 0;
    let mut values = Vec::with_capacity(orders.len());
    for &order in orders {
        let flip = |b: u8| if order == Order::Desc { !b } else { b };
        let byte = |i: usize| -> Result<u8, KeyError> {
            key.get(i)
                .map(|&b| flip(b))
                .ok_or_else(|| KeyError("key ends inside a value".into()))
        };
        let tag = byte(at)?;
        at += 1;
        let v = match tag {
            NULL => Value::Null,
            NUMBER => {
                let mut f = [0u8; 8];
                let mut c = [0u8; 8];
                for i in 0..8 {
                    f[i] = byte(at + i)?;
                    c[i] = byte(at + 8 + i)?;
                }
                at += 16;
                let f = from_ordered_f64(f);
                let correction = (u64::from_be_bytes(c) ^ (1 << 63)) as i64;
                // i64's range is [-2^63, 2^63): -2^63 is an integer too.
                let in_i64 =
                    (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f);
                if correction == 0 && (f.fract() != 0.0 || !in_i64) {
                    Value::real(f)
                } else if correction == 0 {
                    // Integer-valued: the key cannot tell 3 from 3.0 (they
                    // are equal); decode as the integer.
                    Value::Integer(f as i64)
                } else {
                    Value::Integer((f as i128).saturating_add(correction as i128) as i64)
                }
            }
            TEXT | BLOB => {
                let mut bytes = Vec::new();
                loop {
                    let b = byte(at)?;
                    at += 1;
                    if b != 0 {
                        bytes.push(b);
                        continue;
                    }
                    let next = byte(at)?;
                    at += 1;
                    match next {
                        0 => break,
                        0xff => bytes.push(0),
                        other => return Err(KeyError(format!("bad escape 00 {other:02x}"))),
                    }
                }
                if tag == TEXT {
                    Value::Text(
                        String::from_utf8(bytes)
                            .map_err(|_| KeyError("text is not valid UTF-8".into()))?,
                    )
                } else {
                    Value::Blob(bytes)
                }
            }
            other => return Err(KeyError(format!("unknown tag {other:02x}"))),
        };
        values.push(v);
    }
    Ok((values, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn hex(b: &[u8]) -> String {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn key_bytes_are_pinned() {
        let key = encode(
            &[
                Value::Null,
                Value::Integer(-1),
                Value::Real(2.5),
                Value::Text("a\0b".into()),
                Value::Blob(vec![7]),
            ],
            &[Order::Asc; 5],
        );
        insta::assert_snapshot!(hex(&key), @"05 10 40 0f ff ff ff ff ff ff 80 00 00 00 00 00 00 00 10 c0 04 00 00 00 00 00 00 80 00 00 00 00 00 00 00 20 61 00 ff 62 00 00 30 07 00 00");
        let desc = encode(&[Value::Integer(1)], &[Order::Desc]);
        insta::assert_snapshot!(hex(&desc), @"ef 40 0f ff ff ff ff ff ff 7f ff ff ff ff ff ff ff");
    }

    #[test]
    fn integers_beyond_float_precision_keep_their_order() {
        let big = 1i64 << 53;
        let a = encode(&[Value::Integer(big)], &[Order::Asc]);
        let b = encode(&[Value::Integer(big + 1)], &[Order::Asc]);
        let r = encode(&[Value::Real(big as f64)], &[Order::Asc]);
        assert!(a < b);
        assert_eq!(a, r, "2^53 and 2^53.0 are equal, as in SQLite");
        assert!(r < b);
        assert_eq!(
            decode(&b, &[Order::Asc]).map(|(v, _)| v),
            Ok(vec![Value::Integer(big + 1)])
        );
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Integer),
            (-1000i64..1000).prop_map(Value::Integer),
            any::<f64>().prop_map(Value::real),
            (-1000.0f64..1000.0).prop_map(Value::real),
            ".{0,6}".prop_map(Value::Text),
            proptest::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..6)
                .prop_map(Value::Blob),
        ]
    }

    fn tuple_cmp(a: &[Value], b: &[Value], orders: &[Order]) -> Ordering {
        for ((x, y), o) in a.iter().zip(b).zip(orders) {
            let c = x.sort_cmp(y);
            let c = if *o == Order::Desc { c.reverse() } else { c };
            if c != Ordering::Equal {
                return c;
            }
        }
        Ordering::Equal
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn memcmp_order_is_sqlite_order(
            a in proptest::collection::vec(value(), 2),
            b in proptest::collection::vec(value(), 2),
            desc in any::<bool>(),
        ) {
            let orders = [if desc { Order::Desc } else { Order::Asc }, Order::Asc];
            let (ka, kb) = (encode(&a, &orders), encode(&b, &orders));
            prop_assert_eq!(ka.cmp(&kb), tuple_cmp(&a, &b, &orders));
        }

        #[test]
        fn keys_decode_to_equal_values(a in proptest::collection::vec(value(), 0..4)) {
            let orders = vec![Order::Asc; a.len()];
            let key = encode(&a, &orders);
            let (back, used) = decode(&key, &orders).expect("decode");
            prop_assert_eq!(used, key.len());
            for (x, y) in a.iter().zip(&back) {
                prop_assert_eq!(x.sort_cmp(y), Ordering::Equal);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = decode(&bytes, &[Order::Asc, Order::Desc]);
        }
    }
}
