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
//! number   0B..1E (sign and length, below) | 0..8 bytes | [float: 8 bytes]
//! TEXT     20 | escaped bytes | 00 00
//! BLOB     30 | escaped bytes | 00 00
//! ```
//!
//! ## Numbers
//!
//! SQLite orders integers and reals by value and holds `3 = 3.0`, so both
//! share one encoding, built on an integer `m`:
//!
//! * an **integral** number within i64 (every INTEGER, and a REAL such as
//!   `3.0`, `-0.0` or `1e18`) with value `i` has `m = 2i`: `3` and `3.0`
//!   encode identically;
//! * a **non-integral** REAL `r` (all have `|r| < 2^52`) has `m = 2⌊r⌋ + 1`
//!   and is followed by the float itself, which orders the reals that lie
//!   between the same two integers;
//! * a REAL **beyond i64** (`r >= 2^63` or `r < -2^63`, infinities
//!   included) has a tag of its own above (below) every other number,
//!   followed by the float.
//!
//! So an integer `i` sorts after every real in `(i-1, i)` (`2i-1 < 2i`) and
//! before every real in `(i, i+1)` (`2i < 2i+1`), exactly, with no rounding
//! of large integers to floats. `m` lies in `[-2^64, 2^64)` and takes the
//! fewest bytes that hold it; the tag says its sign and how many:
//!
//! ```text
//! tag     number                          body
//! 0B      REAL < -2^63                    float
//! 0C..13  m < -1, in 8..1 bytes           (-m - 1) in L bytes, every bit inverted
//! 14      m = -1: a REAL in (-1, 0)       float
//! 15      m = 0: zero                     (none)
//! 16..1D  m > 0, in 1..8 bytes            m in L bytes, big-endian
//! 1E      REAL >= 2^63                    float
//!         (and after an odd m of any tag: the float)
//! ```
//!
//! A longer positive `m` is larger, so its tag is larger; a longer negative
//! one is smaller, so its tag is smaller, and inverting `-m - 1` makes the
//! bytes of a smaller negative `m` compare smaller. Every length is minimal
//! (no leading 00 byte for `m`, none for `-m - 1`), so each number has
//! exactly one encoding. The *float* is the f64's bits made
//! order-preserving: every bit flipped for a negative number, only the sign
//! bit for a positive one. Examples:
//!
//! ```text
//! 0          15
//! 1          16 02                        m = 2
//! 1000       17 07 d0                     m = 2000
//! -1         13 fe                        m = -2: -m - 1 = 01, inverted
//! 2.5        16 05 c0 04 00 00 00 00 00 00   m = 5, then the float
//! -0.5       14 40 1f ff ff ff ff ff ff      m = -1, then the float
//! i64::MAX   1d ff ff ff ff ff ff ff fe      m = 2^64 - 2
//! i64::MIN   0c 00 00 00 00 00 00 00 00      m = -2^64: -m - 1 = ff..ff, inverted
//! +inf       1e ff f0 00 00 00 00 00 00      the float alone
//! ```
//!
//! An index entry on a small integer column is then a handful of bytes
//! (`(k, rowid)` with `k < 2^31` and rowids below 2^23: 9 bytes), where a
//! fixed float-plus-correction layout took 34.
//!
//! ## Text and blobs
//!
//! Every 00 byte is written as 00 FF and the value ends with 00 00, so a
//! value sorts before any longer value it is a prefix of, and no value's
//! bytes can run into the next column's.
//!
//! ## Direction, and what the encoding guarantees
//!
//! Descending columns have all their bytes inverted. No value's encoding
//! is a prefix of another's (each is self-delimiting), so memcmp decides at
//! a byte inside the shorter one, and the smallest byte string above every
//! key with the prefix `encode(v)` (see [`crate::rows::prefix_successor`])
//! lies below every key of a larger value: what index range scans rely on.
//! Because encodings are self-delimiting, a key can also be decoded back
//! into its values (the executor reads covered columns straight from an
//! index); an integral number decodes as an INTEGER (the key cannot tell
//! `3` from `3.0`, which are equal).
//!
//! This layout is file format 2 (see `walnut_pager::header`); format 1
//! wrote every number as 17 bytes, a float and an integer correction.

use crate::value::Value;
use thiserror::Error;

const NULL: u8 = 0x05;
/// A REAL below every i64.
const BIG_NEG: u8 = 0x0B;
/// `m = 0`; `ZERO + L` is a positive `m` of L bytes, `ZERO - 1 - L` a
/// negative one.
const ZERO: u8 = 0x15;
/// A REAL above every i64.
const BIG_POS: u8 = 0x1E;
const TEXT: u8 = 0x20;
const BLOB: u8 = 0x30;

/// 2^63 as an f64: the first float above every i64.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

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

/// The `m` of a number (see the module doc), split by sign so that it fits
/// a u64: `NonNeg(m)` for `m >= 0`, `Neg(-m - 1)` for `m < 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scaled {
    NonNeg(u64),
    Neg(u64),
}

impl Scaled {
    /// `m = 2i`, for an integral number `i`.
    fn integral(i: i64) -> Scaled {
        if i >= 0 {
            Scaled::NonNeg(2 * i as u64)
        } else {
            // -2i - 1 = 2(-i) - 1 = 2(!i + 1) - 1 = 2 !i + 1, and !i >= 0.
            Scaled::Neg(2 * !i as u64 + 1)
        }
    }

    /// `m = 2f + 1`, for a non-integral number whose floor is `f`.
    fn between(f: i64) -> Scaled {
        if f >= 0 {
            Scaled::NonNeg(2 * f as u64 + 1)
        } else {
            // -(2f + 1) - 1 = -2f - 2 = 2(-f - 1) = 2 !f.
            Scaled::Neg(2 * !f as u64)
        }
    }

    /// Whether `m` is odd: a float follows.
    fn is_odd(self) -> bool {
        match self {
            Scaled::NonNeg(m) => m % 2 == 1,
            // -m - 1 even <=> m odd.
            Scaled::Neg(c) => c % 2 == 0,
        }
    }

    /// `m / 2` rounded down: the integer, or the floor of the real.
    fn half(self) -> i64 {
        match self {
            Scaled::NonNeg(m) => (m / 2) as i64,
            // c = 2 !h + 1 (integral) or 2 !h (not): !h = c / 2.
            Scaled::Neg(c) => !((c / 2) as i64),
        }
    }

    fn put(self, out: &mut Vec<u8>) {
        let (tag, l, bytes) = match self {
            Scaled::NonNeg(m) => {
                let l = byte_len(m);
                (ZERO + l as u8, l, m.to_be_bytes())
            }
            Scaled::Neg(c) => {
                let l = byte_len(c);
                (ZERO - 1 - l as u8, l, (!c).to_be_bytes())
            }
        };
        out.push(tag);
        out.extend_from_slice(&bytes[8 - l..]);
    }
}

/// The bytes a u64 needs (0 for 0).
fn byte_len(x: u64) -> usize {
    (64 - x.leading_zeros() as usize).div_ceil(8)
}

/// Appends a number (an INTEGER, or a REAL that is not NaN).
fn encode_number(out: &mut Vec<u8>, v: &Value) {
    match *v {
        Value::Integer(i) => Scaled::integral(i).put(out),
        Value::Real(r) if r >= TWO_63 => {
            out.push(BIG_POS);
            out.extend_from_slice(&ordered_f64(r));
        }
        Value::Real(r) if r < -TWO_63 => {
            out.push(BIG_NEG);
            out.extend_from_slice(&ordered_f64(r));
        }
        // Within i64 and integral: the integer's encoding (3.0 = 3).
        Value::Real(r) if r.fract() == 0.0 => Scaled::integral(r as i64).put(out),
        Value::Real(r) if r.is_finite() => {
            Scaled::between(r.floor() as i64).put(out);
            out.extend_from_slice(&ordered_f64(r));
        }
        // NaN (no Value holds one: `Value::real` makes it NULL).
        _ => out.push(NULL),
    }
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
        Value::Integer(_) | Value::Real(_) => encode_number(out, v),
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

/// Reads a key's bytes in one column's direction.
struct Reader<'a> {
    key: &'a [u8],
    at: usize,
    /// 0xFF for a descending column (its bytes are inverted), else 0.
    flip: u8,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, KeyError> {
        let b = self
            .key
            .get(self.at)
            .ok_or_else(|| KeyError("key ends inside a value".into()))?;
        self.at += 1;
        Ok(b ^ self.flip)
    }

    /// `n` (at most 8) bytes as a big-endian integer.
    fn be(&mut self, n: usize) -> Result<u64, KeyError> {
        let bytes = self
            .key
            .get(self.at..self.at + n)
            .ok_or_else(|| KeyError("key ends inside a number".into()))?;
        self.at += n;
        let flip = u64::from(self.flip) * 0x0101_0101_0101_0101;
        let mut v = 0u64;
        for &b in bytes {
            v = v << 8 | u64::from(b);
        }
        // Only the n bytes read are inverted.
        let mask = if n == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        Ok((v ^ flip) & mask)
    }

    fn float(&mut self) -> Result<f64, KeyError> {
        Ok(from_ordered_f64(self.be(8)?.to_be_bytes()))
    }

    /// A number, its tag already read.
    fn number(&mut self, tag: u8) -> Result<Value, KeyError> {
        let scaled = match tag {
            BIG_NEG | BIG_POS => {
                let r = self.float()?;
                let fits = if tag == BIG_POS {
                    r >= TWO_63
                } else {
                    r < -TWO_63
                };
                if !fits {
                    return Err(KeyError(format!("{r} under the tag of a real beyond i64")));
                }
                return Ok(Value::Real(r));
            }
            _ if tag >= ZERO => {
                let l = usize::from(tag - ZERO);
                let m = self.be(l)?;
                if l > 0 && m >> (8 * (l - 1)) == 0 {
                    return Err(KeyError("number with a leading zero byte".into()));
                }
                Scaled::NonNeg(m)
            }
            _ => {
                let l = usize::from(ZERO - 1 - tag);
                let mask = if l == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * l)) - 1
                };
                let c = !self.be(l)? & mask;
                if l > 0 && c >> (8 * (l - 1)) == 0 {
                    return Err(KeyError("number with a leading zero byte".into()));
                }
                Scaled::Neg(c)
            }
        };
        let half = scaled.half();
        if !scaled.is_odd() {
            return Ok(Value::Integer(half));
        }
        let r = self.float()?;
        if !(r.is_finite() && r.fract() != 0.0 && r.floor() == half as f64) {
            return Err(KeyError(format!(
                "real {r} stored between the integers {half} and {half} + 1"
            )));
        }
        Ok(Value::Real(r))
    }

    /// Escaped text or blob bytes up to their 00 00 end.
    fn escaped(&mut self) -> Result<Vec<u8>, KeyError> {
        let mut bytes = Vec::new();
        loop {
            let b = self.byte()?;
            if b != 0 {
                bytes.push(b);
                continue;
            }
            match self.byte()? {
                0 => return Ok(bytes),
                0xff => bytes.push(0),
                other => return Err(KeyError(format!("bad escape 00 {other:02x}"))),
            }
        }
    }
}

/// Decodes a tuple of `orders.len()` values; returns them and the bytes
/// used.
pub fn decode(key: &[u8], orders: &[Order]) -> Result<(Vec<Value>, usize), KeyError> {
    let mut r = Reader {
        key,
        at: 0,
        flip: 0,
    };
    let mut values = Vec::with_capacity(orders.len());
    for &order in orders {
        r.flip = if order == Order::Desc { 0xff } else { 0 };
        let v = match r.byte()? {
            NULL => Value::Null,
            tag @ BIG_NEG..=BIG_POS => r.number(tag)?,
            TEXT => Value::Text(
                String::from_utf8(r.escaped()?)
                    .map_err(|_| KeyError("text is not valid UTF-8".into()))?,
            ),
            BLOB => Value::Blob(r.escaped()?),
            other => return Err(KeyError(format!("unknown tag {other:02x}"))),
        };
        values.push(v);
    }
    Ok((values, r.at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::prefix_successor;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    fn hex(b: &[u8]) -> String {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn one(v: Value) -> String {
        hex(&encode(&[v], &[Order::Asc]))
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
        insta::assert_snapshot!(hex(&key), @"05 13 fe 16 05 c0 04 00 00 00 00 00 00 20 61 00 ff 62 00 00 30 07 00 00");
        let desc = encode(&[Value::Integer(1)], &[Order::Desc]);
        insta::assert_snapshot!(hex(&desc), @"e9 fd");
    }

    #[test]
    fn numbers_are_pinned_as_the_module_doc_draws_them() {
        insta::assert_snapshot!(one(Value::Integer(0)), @"15");
        insta::assert_snapshot!(one(Value::Integer(1)), @"16 02");
        insta::assert_snapshot!(one(Value::Integer(1000)), @"17 07 d0");
        insta::assert_snapshot!(one(Value::Integer(-1)), @"13 fe");
        insta::assert_snapshot!(one(Value::Real(2.5)), @"16 05 c0 04 00 00 00 00 00 00");
        insta::assert_snapshot!(one(Value::Real(-0.5)), @"14 40 1f ff ff ff ff ff ff");
        insta::assert_snapshot!(one(Value::Integer(i64::MAX)), @"1d ff ff ff ff ff ff ff fe");
        insta::assert_snapshot!(one(Value::Integer(i64::MIN)), @"0c 00 00 00 00 00 00 00 00");
        insta::assert_snapshot!(one(Value::Real(f64::INFINITY)), @"1e ff f0 00 00 00 00 00 00");
        insta::assert_snapshot!(one(Value::Real(f64::NEG_INFINITY)), @"0b 00 0f ff ff ff ff ff ff");
    }

    #[test]
    fn numbers_take_the_bytes_their_size_needs() {
        let len = |v: Value| encode(&[v], &[Order::Asc]).len();
        assert_eq!(len(Value::Integer(0)), 1);
        assert_eq!(len(Value::Integer(127)), 2);
        assert_eq!(len(Value::Integer(128)), 3);
        assert_eq!(len(Value::Integer(-128)), 2);
        assert_eq!(len(Value::Integer(-129)), 3);
        assert_eq!(len(Value::Integer(i64::MAX)), 9);
        assert_eq!(len(Value::Integer(i64::MIN)), 9);
        assert_eq!(len(Value::Real(3.0)), 2, "an integral REAL is the integer");
        assert_eq!(len(Value::Real(2.5)), 10);
        assert_eq!(len(Value::Real(1e300)), 9);
        // The benchmark's index entry: k < 2^31, then a rowid below 2^23.
        let entry = encode(
            &[Value::Integer((1 << 31) - 1), Value::Integer(1_000_000)],
            &[Order::Asc; 2],
        );
        assert_eq!(entry.len(), 9);
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
        let max = encode(&[Value::Integer(i64::MAX)], &[Order::Asc]);
        let two_63 = encode(&[Value::Real(9_223_372_036_854_775_808.0)], &[Order::Asc]);
        assert!(max < two_63, "i64::MAX < 2^63.0");
    }

    #[test]
    fn damaged_numbers_are_refused() {
        let bad = |bytes: &[u8]| decode(bytes, &[Order::Asc]).is_err();
        assert!(bad(&[0x16, 0x00]), "a leading zero byte");
        assert!(bad(&[0x13, 0xff]), "a leading zero byte, negative");
        assert!(bad(&[0x17, 0x01]), "cut short");
        // m = 5 (between 2 and 3) followed by 7.5.
        let mut k = vec![0x16, 0x05];
        k.extend_from_slice(&ordered_f64(7.5));
        assert!(bad(&k), "a real that is not between its integers");
        let mut k = vec![BIG_POS];
        k.extend_from_slice(&ordered_f64(1.0));
        assert!(bad(&k), "a small real under the big tag");
    }

    /// Integers and reals where encodings change length or precision ends.
    fn edge_number() -> impl Strategy<Value = Value> {
        let ints = prop::sample::select(vec![
            0i64,
            127,
            128,
            255,
            256,
            1 << 31,
            1 << 52,
            1 << 53,
            -(1 << 53),
            i64::MAX,
            i64::MIN,
            i64::MAX / 2,
            i64::MIN / 2,
        ]);
        let reals = prop::sample::select(vec![
            0.0f64,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            4_503_599_627_370_496.0,      // 2^52
            9_007_199_254_740_992.0,      // 2^53
            9_223_372_036_854_775_808.0,  // 2^63
            -9_223_372_036_854_775_808.0, // -2^63
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ]);
        prop_oneof![
            (ints, -3i64..=3).prop_map(|(b, d)| Value::Integer(b.saturating_add(d))),
            (reals, -2i32..=2).prop_map(|(r, steps)| {
                let mut r = r;
                for _ in 0..steps.unsigned_abs() {
                    r = if steps > 0 {
                        r.next_up()
                    } else {
                        r.next_down()
                    };
                }
                Value::real(r)
            }),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Integer),
            (-1000i64..1000).prop_map(Value::Integer),
            any::<f64>().prop_map(Value::real),
            (-1000.0f64..1000.0).prop_map(Value::real),
            // Integral reals, equal to integers; reals just off them.
            (-1000i64..1000).prop_map(|i| Value::Real(i as f64)),
            (-1000i64..1000, 0.0f64..1.0).prop_map(|(i, f)| Value::real(i as f64 + f)),
            edge_number(),
            edge_number(),
            ".{0,6}".prop_map(Value::Text),
            proptest::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..6)
                .prop_map(Value::Blob),
        ]
    }

    fn order() -> impl Strategy<Value = Order> {
        prop_oneof![Just(Order::Asc), Just(Order::Desc)]
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
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        #[test]
        fn memcmp_order_is_sqlite_order(
            a in proptest::collection::vec(value(), 3),
            b in proptest::collection::vec(value(), 3),
            orders in proptest::collection::vec(order(), 3),
        ) {
            let (ka, kb) = (encode(&a, &orders), encode(&b, &orders));
            prop_assert_eq!(ka.cmp(&kb), tuple_cmp(&a, &b, &orders));
        }

        #[test]
        fn a_larger_value_lies_beyond_the_successor_of_a_smaller_ones_prefix(
            a in value(),
            b in value(),
            next in value(),
            order in order(),
        ) {
            // What index range scans do with `col > a`: skip every key
            // starting with encode(a), whatever follows it, and nothing else.
            let ka = encode(std::slice::from_ref(&a), &[order]);
            let kb = encode(&[b.clone(), next], &[order, Order::Asc]);
            let beyond = if order == Order::Desc { b.sort_cmp(&a).reverse() } else { b.sort_cmp(&a) };
            match (beyond, prefix_successor(&ka)) {
                (Ordering::Greater, Some(succ)) => prop_assert!(kb >= succ),
                (Ordering::Greater, None) => prop_assert!(false, "no successor below a larger key"),
                (Ordering::Equal, succ) => {
                    prop_assert!(kb.starts_with(&ka));
                    prop_assert!(succ.is_none_or(|s| kb < s));
                }
                (Ordering::Less, _) => prop_assert!(kb < ka),
            }
        }

        #[test]
        fn keys_decode_to_equal_values(
            a in proptest::collection::vec(value(), 0..4),
            orders in proptest::collection::vec(order(), 4),
        ) {
            let orders = &orders[..a.len()];
            let key = encode(&a, orders);
            let (back, used) = decode(&key, orders).expect("decode");
            prop_assert_eq!(used, key.len());
            for (x, y) in a.iter().zip(&back) {
                prop_assert_eq!(x.sort_cmp(y), Ordering::Equal);
                // Integers come back as themselves (covering indexes).
                if let Value::Integer(_) = x {
                    prop_assert_eq!(x, y);
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_decode_canonically(
            bytes in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            // Whatever decodes is the one encoding of what it decodes to.
            let orders = [Order::Asc, Order::Desc];
            if let Ok((values, used)) = decode(&bytes, &orders) {
                prop_assert_eq!(encode(&values, &orders), bytes[..used].to_vec());
            }
        }

        #[test]
        fn numbers_decode_canonically(
            tag in BIG_NEG..=BIG_POS,
            body in proptest::collection::vec(any::<u8>(), 0..17),
        ) {
            let mut bytes = vec![tag];
            bytes.extend_from_slice(&body);
            if let Ok((values, used)) = decode(&bytes, &[Order::Asc]) {
                prop_assert_eq!(encode(&values, &[Order::Asc]), bytes[..used].to_vec());
            }
        }
    }
}
