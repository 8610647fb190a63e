//! The record format: how a row's values are stored in a table's B+Tree.
//!
//! walnut uses SQLite's record format. A record is a header of *serial
//! types*, one per column, then the values' bytes in the same order:
//!
//! ```text
//! +-------------+---------------+-----+---------------+---------+-----+---------+
//! | header size | serial type 1 | ... | serial type n | value 1 | ... | value n |
//! |  (varint)   |   (varint)    |     |   (varint)    |         |     |         |
//! +-------------+---------------+-----+---------------+---------+-----+---------+
//! ```
//!
//! The header size counts itself. Varints here are SQLite's: big-endian, 7
//! bits a byte with the high bit meaning "more", and a 9th byte carrying 8
//! full bits (so any u64 fits in at most 9 bytes).
//!
//! | serial type | value | body bytes |
//! |---|---|---|
//! | 0 | NULL | 0 |
//! | 1, 2, 3, 4, 5, 6 | big-endian two's-complement integer | 1, 2, 3, 4, 6, 8 |
//! | 7 | big-endian IEEE 754 float | 8 |
//! | 8, 9 | the integer 0, the integer 1 | 0 |
//! | N >= 12, even | BLOB of (N - 12) / 2 bytes | (N - 12) / 2 |
//! | N >= 13, odd | TEXT of (N - 13) / 2 bytes (UTF-8) | (N - 13) / 2 |
//!
//! Integers take the fewest bytes that hold them. Types 10 and 11 are
//! reserved (SQLite uses them internally) and rejected when decoding.
//!
//! The format is compact (a small integer costs one header byte and at most
//! one body byte), self-describing (a column's type is per row, as SQL's
//! dynamic typing needs), and lets a reader skip to column `k` by summing
//! the sizes of the first `k - 1` serial types without decoding them.
//! Columns added by `ALTER TABLE ADD COLUMN` after a row was written are
//! simply missing from its record; the reader supplies their default.

use crate::value::Value;
use thiserror::Error;

/// A record that cannot be decoded.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("malformed record: {0}")]
pub struct RecordError(pub String);

/// Appends `v` as a SQLite varint.
pub fn put_varint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        // One byte: most serial types and header sizes.
        out.push(v as u8);
        return;
    }
    if v > 0x00ff_ffff_ffff_ffff {
        // 9 bytes: 8 groups of 7 bits, then the low 8 bits whole.
        let mut buf = [0u8; 9];
        buf[8] = v as u8;
        let mut rest = v >> 8;
        for i in (0..8).rev() {
            buf[i] = (rest as u8 & 0x7f) | 0x80;
            rest >>= 7;
        }
        out.extend_from_slice(&buf);
        return;
    }
    let mut buf = [0u8; 9];
    let mut n = 0;
    let mut rest = v;
    loop {
        buf[n] = (rest & 0x7f) as u8;
        rest >>= 7;
        n += 1;
        if rest == 0 {
            break;
        }
    }
    // Bytes were produced low group first; emit high group first, with
    // the continuation bit on all but the last.
    for i in (0..n).rev() {
        let more = if i == 0 { 0 } else { 0x80 };
        out.push(buf[i] | more);
    }
}

/// Reads a SQLite varint: (value, bytes used).
#[inline]
pub fn get_varint(b: &[u8]) -> Result<(u64, usize), RecordError> {
    // One byte (0..=127) is by far the commonest: every serial type of a
    // NULL, an integer, a real or a text of up to 57 bytes, and the header
    // size of a record of up to 126 columns.
    match b.first() {
        Some(&byte) if byte < 0x80 => Ok((u64::from(byte), 1)),
        _ => get_long_varint(b),
    }
}

#[cold]
fn get_long_varint(b: &[u8]) -> Result<(u64, usize), RecordError> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b
            .get(i)
            .ok_or_else(|| RecordError("varint cut short".into()))?;
        if i == 8 {
            return Ok(((v << 8) | byte as u64, 9));
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    Err(RecordError("varint too long".into()))
}

fn varint_len(v: u64) -> usize {
    // 7 bits a byte for the first 8 bytes; a 9th byte carries 8 bits.
    if v > 0x00ff_ffff_ffff_ffff {
        return 9;
    }
    let bits = 64 - v.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

/// The serial type and body size of a value.
fn serial_type(v: &Value) -> (u64, usize) {
    match v {
        Value::Null => (0, 0),
        Value::Integer(0) => (8, 0),
        Value::Integer(1) => (9, 0),
        Value::Integer(i) => {
            let i = *i;
            if (-128..=127).contains(&i) {
                (1, 1)
            } else if (-32768..=32767).contains(&i) {
                (2, 2)
            } else if (-8_388_608..=8_388_607).contains(&i) {
                (3, 3)
            } else if (-2_147_483_648..=2_147_483_647).contains(&i) {
                (4, 4)
            } else if (-140_737_488_355_328..=140_737_488_355_327).contains(&i) {
                (5, 6)
            } else {
                (6, 8)
            }
        }
        Value::Real(_) => (7, 8),
        Value::Text(s) => (13 + 2 * s.len() as u64, s.len()),
        Value::Blob(b) => (12 + 2 * b.len() as u64, b.len()),
    }
}

/// Encodes a row.
pub fn encode(values: &[Value]) -> Vec<u8> {
    encode_with_null_at(values, None)
}

/// Encodes a row, the value at `null_at` (if any) written as NULL: a
/// table's INTEGER PRIMARY KEY column, whose value the key holds. Saves
/// copying the row to blank one value.
pub fn encode_with_null_at(values: &[Value], null_at: Option<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_with_null_at_into(values, null_at, &mut out);
    out
}

/// [`encode_with_null_at`] into `out` (cleared first), reusing its buffer:
/// a statement storing many rows encodes each into the same one.
pub fn encode_with_null_at_into(values: &[Value], null_at: Option<usize>, out: &mut Vec<u8>) {
    out.clear();
    let serial = |i: usize, v: &Value| {
        if Some(i) == null_at {
            (0, 0)
        } else {
            serial_type(v)
        }
    };
    // The serial types, worked out once (kept on the stack for a row of up
    // to `KEPT` values, the usual row).
    const KEPT: usize = 16;
    let mut kept = [(0u64, 0usize); KEPT];
    let (mut types_len, mut body_len) = (0, 0);
    for (i, v) in values.iter().enumerate() {
        let (t, n) = serial(i, v);
        if let Some(k) = kept.get_mut(i) {
            *k = (t, n);
        }
        types_len += varint_len(t);
        body_len += n;
    }
    let serial_at = |i: usize, v: &Value| kept.get(i).copied().unwrap_or_else(|| serial(i, v));
    // The header size counts its own varint, whose length depends on it.
    let mut header_len = types_len + 1;
    while types_len + varint_len(header_len as u64) != header_len {
        header_len = types_len + varint_len(header_len as u64);
    }
    out.reserve(header_len + body_len);
    put_varint(out, header_len as u64);
    for (i, v) in values.iter().enumerate() {
        put_varint(out, serial_at(i, v).0);
    }
    for (i, v) in values.iter().enumerate() {
        if Some(i) == null_at {
            continue;
        }
        match v {
            Value::Null => {}
            Value::Integer(x) => {
                let n = serial_at(i, v).1;
                out.extend_from_slice(&x.to_be_bytes()[8 - n..])
            }
            Value::Real(r) => out.extend_from_slice(&r.to_bits().to_be_bytes()),
            Value::Text(s) => out.extend_from_slice(s.as_bytes()),
            Value::Blob(b) => out.extend_from_slice(b),
        }
    }
}

/// Decodes a record into its values.
pub fn decode(record: &[u8]) -> Result<Vec<Value>, RecordError> {
    decode_reading(record, None)
}

/// Decodes a record, only the values `read` marks (`None`: all of them;
/// a value past the mask's end is not marked). A value not read is NULL
/// in the result; its bytes are skipped (their size is still checked
/// against the record), so a column a query does not use costs neither an
/// allocation nor a UTF-8 check. The values after the last one marked are
/// left out of the result altogether, not looked at, as SQLite reads a
/// record only as far as the column it needs: damage there is found by the
/// query that reads it (and by the integrity check).
pub fn decode_reading(record: &[u8], read: Option<&[bool]>) -> Result<Vec<Value>, RecordError> {
    let mut values = Vec::new();
    decode_reading_into(record, read, &mut values)?;
    Ok(values)
}

/// [`decode_reading`] into `out`, reusing what it holds: a scan decodes
/// every row into the same vector, so a TEXT or BLOB column is copied into
/// the buffer the previous row's value left in that slot, and a row costs
/// no allocation once the buffers are as large as the largest value. On
/// an error `out` holds a partial row.
///
/// One pass walks the header's serial types and the body together, so
/// nothing is collected on the way.
pub fn decode_reading_into(
    record: &[u8],
    read: Option<&[bool]>,
    out: &mut Vec<Value>,
) -> Result<(), RecordError> {
    let (header_len, mut at) = get_varint(record)?;
    let header_len = usize::try_from(header_len)
        .ok()
        .filter(|&h| h <= record.len())
        .ok_or_else(|| RecordError(format!("header size {header_len} beyond the record")))?;
    let header = &record[..header_len];
    let (all, mask) = (read.is_none(), read.unwrap_or(&[]));
    // The values after the last one `read` marks are not looked at.
    let stop = read.map_or(usize::MAX, |m| {
        m.iter().rposition(|&r| r).map_or(0, |i| i + 1)
    });
    let mut body = header_len;
    let mut n = 0;
    while at < header_len {
        if n == stop {
            out.truncate(n);
            return Ok(());
        }
        let (t, used) = get_varint(&header[at..])?;
        at += used;
        let size = serial_size(t)?;
        if n == out.len() {
            out.push(Value::Null);
        }
        let slot = &mut out[n];
        n += 1;
        if !(all || mask.get(n - 1).copied().unwrap_or(false)) {
            // Not read: only its size counts (checked once, at the end).
            body = body.saturating_add(size);
            set_null(slot);
            continue;
        }
        let bytes = record
            .get(body..body.saturating_add(size))
            .ok_or_else(|| RecordError(format!("value of {size} bytes runs past the record")))?;
        body += size;
        match t {
            0 => set_null(slot),
            8 => set_integer(slot, 0),
            9 => set_integer(slot, 1),
            1..=6 => set_integer(slot, big_endian_integer(bytes)),
            7 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(bytes);
                *slot = Value::real(f64::from_bits(u64::from_be_bytes(b)));
            }
            _ if t % 2 == 0 => match slot {
                Value::Blob(b) => {
                    b.clear();
                    b.extend_from_slice(bytes);
                }
                _ => *slot = Value::Blob(bytes.to_vec()),
            },
            _ => {
                let text = std::str::from_utf8(bytes)
                    .map_err(|_| RecordError("text is not valid UTF-8".into()))?;
                match slot {
                    Value::Text(s) => {
                        s.clear();
                        s.push_str(text);
                    }
                    _ => *slot = Value::Text(text.to_owned()),
                }
            }
        }
    }
    if body > record.len() {
        return Err(RecordError(format!(
            "values of {} bytes run past the record's {}",
            body - header_len,
            record.len() - header_len
        )));
    }
    if body != record.len() {
        return Err(RecordError(format!(
            "{} bytes after the last value",
            record.len() - body
        )));
    }
    out.truncate(n);
    Ok(())
}

/// A big-endian two's-complement integer of 1, 2, 3, 4, 6 or 8 bytes,
/// sign-extended: each byte folded in, which the compiler unrolls for
/// the short ones (copying into an 8-byte buffer was a `memcpy` call).
#[inline]
fn big_endian_integer(bytes: &[u8]) -> i64 {
    let first = bytes.first().map_or(0, |&b| i64::from(b as i8));
    bytes
        .iter()
        .skip(1)
        .fold(first, |acc, &b| (acc << 8) | i64::from(b))
}

/// Makes `slot` NULL, leaving one that already is untouched.
#[inline]
fn set_null(slot: &mut Value) {
    if !matches!(slot, Value::Null) {
        *slot = Value::Null;
    }
}

/// Makes `slot` the integer `x`: in place if it holds an integer already
/// (a scan's slot does, row after row), with no drop of the old value.
#[inline]
fn set_integer(slot: &mut Value, x: i64) {
    match slot {
        Value::Integer(y) => *y = x,
        _ => *slot = Value::Integer(x),
    }
}

/// The body size of a value of serial type `t`.
#[inline]
fn serial_size(t: u64) -> Result<usize, RecordError> {
    Ok(match t {
        0 | 8 | 9 => 0,
        1..=4 => t as usize,
        5 => 6,
        6 | 7 => 8,
        10 | 11 => return Err(RecordError(format!("reserved serial type {t}"))),
        _ => usize::try_from((t - 12) / 2).unwrap_or(usize::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_not_read_are_null_and_their_bytes_are_still_checked() {
        let rec = encode(&[
            Value::Integer(7),
            Value::Text("skipped".into()),
            Value::Real(2.5),
        ]);
        assert_eq!(
            decode_reading(&rec, Some(&[true, false, true])).expect("decode"),
            vec![Value::Integer(7), Value::Null, Value::Real(2.5)]
        );
        // Nothing past the last value marked is read, nor past the mask.
        assert_eq!(
            decode_reading(&rec, Some(&[false, true])).expect("decode"),
            vec![Value::Null, Value::Text("skipped".into())]
        );
        assert_eq!(
            decode_reading(&rec, Some(&[false])).expect("decode"),
            vec![]
        );
        // Text that is not UTF-8 is an error only when it is read.
        let bad = [3u8, 1, 17, 5, 0xff, 0xfe];
        assert!(decode_reading(&bad, None).is_err());
        assert_eq!(
            decode_reading(&bad, Some(&[true, false])).expect("skipped"),
            vec![Value::Integer(5)]
        );
        // A value running past the end is an error even when skipped,
        // if a value after it is read.
        let short = &rec[..rec.len() - 9];
        assert!(decode_reading(short, Some(&[false, true, true])).is_err());
        assert!(decode_reading(short, Some(&[true, false, true])).is_err());
        // Nothing after the last value read is looked at.
        assert_eq!(
            decode_reading(short, Some(&[true, false, false])).expect("stops early"),
            vec![Value::Integer(7)]
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn record_bytes_are_pinned() {
        let row = vec![
            Value::Null,
            Value::Integer(0),
            Value::Integer(1),
            Value::Integer(-2),
            Value::Integer(1000),
            Value::Integer(1 << 40),
            Value::Real(1.5),
            Value::Text("hi".into()),
            Value::Blob(vec![0xca, 0xfe]),
        ];
        insta::assert_snapshot!(
            hex(&encode(&row)),
            @"0a 00 08 09 01 02 05 07 11 10 fe 03 e8 01 00 00 00 00 00 3f f8 00 00 00 00 00 00 68 69 ca fe"
        );
        assert_eq!(decode(&encode(&row)), Ok(row));
    }

    #[test]
    fn varints_match_sqlite() {
        let cases: [(u64, &str); 5] = [
            (0, "00"),
            (127, "7f"),
            (128, "81 00"),
            (16384, "81 80 00"),
            (u64::MAX, "ff ff ff ff ff ff ff ff ff"),
        ];
        for (v, want) in cases {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(hex(&b), want, "{v}");
            assert_eq!(get_varint(&b), Ok((v, b.len())));
        }
    }

    #[test]
    fn malformed_records_are_errors_not_panics() {
        for bad in [&[][..], &[5], &[2, 10], &[2, 7, 1], &[2, 0, 9], &[3, 0x81]] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Integer),
            // Every integer width: 1, 2, 3, 4 and 6 bytes, and their edges.
            (-70_000i64..70_000).prop_map(Value::Integer),
            (0u32..48, any::<bool>()).prop_map(|(b, neg)| {
                let x = 1i64 << b;
                Value::Integer(if neg { -x } else { x - 1 })
            }),
            any::<f64>().prop_map(Value::real),
            ".{0,20}".prop_map(Value::Text),
            proptest::collection::vec(any::<u8>(), 0..20).prop_map(Value::Blob),
        ]
    }

    proptest! {
        #[test]
        fn any_row_round_trips(row in proptest::collection::vec(value(), 0..70)) {
            prop_assert_eq!(decode(&encode(&row)), Ok(row));
        }

        /// A scan decodes row after row into one buffer: whatever the
        /// buffer held before (longer or shorter rows, other types in a
        /// slot, text whose buffer is reused), each row must read exactly as
        /// a fresh decode reads it.
        #[test]
        fn decoding_into_a_reused_buffer_reads_each_row_as_a_fresh_decode(
            rows in proptest::collection::vec(proptest::collection::vec(value(), 0..8), 1..12),
            mask in proptest::collection::vec(any::<bool>(), 0..8),
            masked in any::<bool>(),
        ) {
            let read = masked.then_some(mask.as_slice());
            let mut buf = Vec::new();
            for row in &rows {
                let rec = encode(row);
                decode_reading_into(&rec, read, &mut buf).expect("decode into");
                prop_assert_eq!(&buf, &decode_reading(&rec, read).expect("decode"));
            }
        }

        #[test]
        fn varint_len_is_the_length_put_varint_writes(shift in 0u32..64, v in any::<u64>()) {
            let v = v >> shift;
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            prop_assert_eq!(varint_len(v), buf.len());
        }

        #[test]
        fn a_value_written_as_null_reads_back_as_null(
            row in proptest::collection::vec(value(), 1..20),
            at in any::<proptest::sample::Index>(),
        ) {
            let at = at.index(row.len());
            let mut expected = row.clone();
            expected[at] = Value::Null;
            prop_assert_eq!(decode(&encode_with_null_at(&row, Some(at))), Ok(expected.clone()));
            prop_assert_eq!(encode_with_null_at(&row, Some(at)), encode(&expected));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }
    }
}
