//! How rows and index entries are laid out in their B+Trees.
//!
//! A table is a B+Tree keyed by rowid. The key is the rowid as 8 bytes
//! big-endian with the sign bit flipped, so that memcmp order is numeric
//! order (-1 sorts before 0):
//!
//! ```text
//! key   = (rowid XOR 0x8000_0000_0000_0000) as 8 bytes big-endian
//! value = record of every column in order (see crate::record); an
//!         INTEGER PRIMARY KEY column is stored as NULL, since the key
//!         already holds it (as SQLite does)
//! ```
//!
//! A row read back may have fewer values than the table has columns: it
//! was written before `ALTER TABLE ADD COLUMN`, and the missing columns
//! read as their defaults.
//!
//! An index is a B+Tree whose keys are the indexed values followed by the
//! rowid, in the order-preserving encoding of [`crate::keycode`], with
//! empty values:
//!
//! ```text
//! key   = keycode(col a, col b, ..., rowid)     value = (empty)
//! ```
//!
//! Appending the rowid makes every key distinct even in a non-unique
//! index; a unique index is checked by looking for another key with the
//! same prefix `keycode(col a, col b, ...)`.

use crate::error::{Error, Result};
use crate::expr::eval_constant;
use crate::keycode::{self, Order};
use crate::record;
use crate::schema::{Index, Table};
use crate::value::Value;

/// The B+Tree key of a rowid.
pub fn rowid_key(rowid: i64) -> [u8; 8] {
    ((rowid as u64) ^ (1 << 63)).to_be_bytes()
}

/// The rowid of a table key.
pub fn key_rowid(key: &[u8]) -> Result<i64> {
    let bytes: [u8; 8] = key
        .try_into()
        .map_err(|_| Error::Corrupt(format!("table key of {} bytes (expected 8)", key.len())))?;
    Ok((u64::from_be_bytes(bytes) ^ (1 << 63)) as i64)
}

/// A row's record: every column, the rowid alias as NULL.
pub fn encode_row(table: &Table, row: &[Value]) -> Vec<u8> {
    record::encode_with_null_at(&row[..table.columns.len()], table.rowid_alias)
}

/// [`encode_row`] into `out`, reusing its buffer.
pub fn encode_row_into(table: &Table, row: &[Value], out: &mut Vec<u8>) {
    record::encode_with_null_at_into(&row[..table.columns.len()], table.rowid_alias, out)
}

/// A stored row as the executor sees it: the columns, then the rowid.
pub fn decode_row(table: &Table, rowid: i64, bytes: &[u8]) -> Result<Vec<Value>> {
    decode_row_reading(table, rowid, bytes, None)
}

/// A stored row with only the columns `read` marks decoded (`None`: all);
/// the others are NULL (see [`crate::plan::ScanPlan::read`]).
pub fn decode_row_reading(
    table: &Table,
    rowid: i64,
    bytes: &[u8],
    read: Option<&[bool]>,
) -> Result<Vec<Value>> {
    let mut values = Vec::with_capacity(table.columns.len() + 1);
    decode_row_reading_into(table, rowid, bytes, read, &mut values)?;
    Ok(values)
}

/// [`decode_row_reading`] into `out`, reusing its buffers (see
/// [`record::decode_reading_into`]): how a scan decodes row after row
/// without allocating.
pub fn decode_row_reading_into(
    table: &Table,
    rowid: i64,
    bytes: &[u8],
    read: Option<&[bool]>,
    out: &mut Vec<Value>,
) -> Result<()> {
    record::decode_reading_into(bytes, read, out)?;
    let n = table.columns.len();
    if out.len() > n {
        return Err(Error::Corrupt(format!(
            "row {rowid} of {} has {} values for {n} columns",
            table.name,
            out.len()
        )));
    }
    while out.len() < n {
        let wanted = read.is_none_or(|r| r.get(out.len()).copied().unwrap_or(true));
        out.push(if wanted {
            column_default(table, out.len())?
        } else {
            Value::Null
        });
    }
    if let Some(a) = table.rowid_alias {
        out[a] = Value::Integer(rowid);
    }
    out.push(Value::Integer(rowid));
    Ok(())
}

/// The value a column has in rows written before it was added.
///
/// A number literal read into a TEXT column keeps the text it was written
/// with (`1e20`, not `1.0e+20`): SQLite reads these defaults from the
/// stored CREATE text, applying the affinity to the literal's token.
fn column_default(table: &Table, col: usize) -> Result<Value> {
    let column = &table.columns[col];
    if let (Some(text), crate::affinity::Affinity::Text) =
        (&column.default_number_text, column.affinity)
    {
        return Ok(Value::Text(text.clone()));
    }
    match &column.default {
        None => Ok(Value::Null),
        Some(e) => {
            let params = crate::bind::ParamSlots::default();
            let mut b = crate::bind::Binder::new(None, None, &params);
            let v = eval_constant(&b.bind(e)?, &[])?;
            Ok(crate::affinity::apply(table.columns[col].affinity, v))
        }
    }
}

/// The key orders of an index's entries (its columns, then the rowid).
pub fn entry_orders(index: &Index) -> Vec<Order> {
    let mut o = index.orders.clone();
    o.push(Order::Asc);
    o
}

/// The indexed values of a row (columns then rowid, as laid out by
/// [`decode_row`]).
pub fn index_values(index: &Index, row: &[Value]) -> Vec<Value> {
    index
        .columns
        .iter()
        .map(|&c| row.get(c).cloned().unwrap_or(Value::Null))
        .collect()
}

/// The index key of a row.
pub fn index_key(index: &Index, row: &[Value], rowid: i64) -> Vec<u8> {
    let mut out = Vec::new();
    push_index_key(index, row, rowid, &mut out);
    out
}

/// Appends the index key of a row (as [`index_key`] makes it) to `out`,
/// and returns the length of its prefix, the indexed values without the
/// rowid (what [`index_prefix`] makes of them): the bytes two entries
/// share when their indexed values are equal.
pub fn push_index_key(index: &Index, row: &[Value], rowid: i64, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    for (i, &c) in index.columns.iter().enumerate() {
        let order = index.orders.get(i).copied().unwrap_or(Order::Asc);
        keycode::encode_value(out, row.get(c).unwrap_or(&Value::Null), order);
    }
    let prefix = out.len() - start;
    keycode::encode_value(out, &Value::Integer(rowid), Order::Asc);
    prefix
}

/// The key prefix shared by every entry with these indexed values.
pub fn index_prefix(index: &Index, values: &[Value]) -> Vec<u8> {
    keycode::encode(values, &index.orders[..values.len()])
}

/// The rowid at the end of an index key.
pub fn index_key_rowid(index: &Index, key: &[u8]) -> Result<i64> {
    let (values, _) = keycode::decode(key, &entry_orders(index))?;
    match values.last() {
        Some(Value::Integer(r)) => Ok(*r),
        _ => Err(Error::Corrupt(format!(
            "index {} entry does not end with a rowid",
            index.name
        ))),
    }
}

/// The smallest byte string greater than every string starting with
/// `prefix`, or `None` if there is none (all bytes 0xFF).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut v = prefix.to_vec();
    while let Some(last) = v.pop() {
        if last < 0xFF {
            v.push(last + 1);
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rowid_keys_sort_numerically() {
        let ids = [i64::MIN, -2, -1, 0, 1, 2, i64::MAX];
        for w in ids.windows(2) {
            assert!(rowid_key(w[0]) < rowid_key(w[1]), "{} < {}", w[0], w[1]);
        }
        for id in ids {
            assert_eq!(key_rowid(&rowid_key(id)).expect("decode"), id);
        }
        assert_eq!(rowid_key(1), [0x80, 0, 0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn prefix_successor_skips_everything_with_the_prefix() {
        assert_eq!(prefix_successor(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_successor(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
    }
}
