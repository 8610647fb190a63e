//! PRAGMA: reading and setting the database's knobs.
//!
//! | pragma | reads | sets |
//! |---|---|---|
//! | `page_size` | the page size | a new size, only while the database has no tables (the file is recreated) |
//! | `cache_size` | the buffer pool's frames | frames (N > 0) or KiB (N < 0), at most 4 GiB in all (the pool is allocated up front); the pool is reopened |
//! | `synchronous` | 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA | OFF (never fsync), NORMAL (fsync at checkpoints), FULL (fsync the WAL at every commit), EXTRA (FULL, then record the commit's durable mark in a WAL mark slot and fsync again: two fsyncs per commit, and damage to the last commit's frames is an error instead of a dropped commit) |
//! | `wal_autocheckpoint` | the threshold in frames | a new threshold (0: off) |
//! | `wal_checkpoint` | runs a checkpoint: `busy, log, checkpointed` | |
//! | `integrity_check` | `ok`, or one row per problem | |
//! | `page_count`, `freelist_count` | from the header | |
//! | `foreign_keys` | always 0: walnut does not enforce foreign keys | OFF only (so that sqlite3's `.dump` output, which starts with `PRAGMA foreign_keys=OFF;`, loads); ON is refused |
//! | `table_info(t)` | `cid, name, type, notnull, dflt_value, pk` | |
//! | `index_list(t)` | `seq, name, unique, origin, partial` | |
//! | `index_info(i)` | `seqno, cid, name` | |
//!
//! SQLite ignores a pragma it does not know and a value it cannot use;
//! walnut says so in an error instead, so that a setting never silently
//! fails to take.

use crate::ast::PragmaValue;
use crate::error::{Error, Result};
use crate::rows::index_key;
use crate::scan::{ScanCtx, scan};
use crate::schema::Schema;
use crate::value::Value;
use walnut_btree::{BTree, PageSource, check_database};
use walnut_pager::{Pager, Synchronous};

/// What a pragma wants done.
pub enum PragmaOutcome {
    /// Rows to return.
    Rows(Vec<String>, Vec<Vec<Value>>),
    /// Reopen the database with a new page size (recreating an empty file).
    SetPageSize(u32),
    /// Reopen the buffer pool with this many frames.
    SetPoolFrames(usize),
}

fn one(column: &str, v: Value) -> PragmaOutcome {
    PragmaOutcome::Rows(vec![column.to_string()], vec![vec![v]])
}

fn number(name: &str, v: &Option<PragmaValue>) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(PragmaValue::Number(n)) => Ok(Some(*n)),
        Some(PragmaValue::Name(s)) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::Invalid(format!("PRAGMA {name}: {s:?} is not a number"))),
    }
}

fn sync_value(s: Synchronous) -> i64 {
    match s {
        Synchronous::Off => 0,
        Synchronous::Normal => 1,
        Synchronous::Full => 2,
        Synchronous::Extra => 3,
    }
}

fn parse_sync(v: &PragmaValue) -> Result<Synchronous> {
    let text = match v {
        PragmaValue::Number(n) => n.to_string(),
        PragmaValue::Name(s) => s.to_ascii_lowercase(),
    };
    Ok(match text.as_str() {
        "0" | "off" | "false" | "no" => Synchronous::Off,
        "1" | "normal" => Synchronous::Normal,
        "2" | "full" | "true" | "yes" | "on" => Synchronous::Full,
        "3" | "extra" => Synchronous::Extra,
        other => {
            return Err(Error::Invalid(format!(
                "PRAGMA synchronous: unknown value {other:?} (use OFF, NORMAL, FULL or EXTRA)"
            )));
        }
    })
}

fn name_arg(pragma: &str, v: &Option<PragmaValue>) -> Result<String> {
    match v {
        Some(PragmaValue::Name(s)) => Ok(s.clone()),
        _ => Err(Error::Invalid(format!(
            "PRAGMA {pragma} needs a name: PRAGMA {pragma}(name)"
        ))),
    }
}

/// Runs a pragma. `src` is the session's current view of the database.
pub fn run(
    pager: &Pager,
    src: &dyn PageSource,
    schema: &Schema,
    name: &str,
    value: &Option<PragmaValue>,
) -> Result<PragmaOutcome> {
    let header = src.db_header()?;
    Ok(match name {
        "page_size" => match number(name, value)? {
            None => one("page_size", Value::Integer(i64::from(pager.page_size()))),
            Some(n) if n == i64::from(pager.page_size()) => PragmaOutcome::Rows(vec![], vec![]),
            Some(n) => {
                let size = u32::try_from(n)
                    .ok()
                    .filter(|s| s.is_power_of_two() && (1024..=65536).contains(s))
                    .ok_or_else(|| {
                        Error::Invalid(format!(
                            "page_size {n} is not a power of two between 1024 and 65536"
                        ))
                    })?;
                if schema.tables().next().is_some() {
                    return Err(Error::Invalid(
                        "page_size can only change before the first table is created \
                         (SQLite would silently keep the old size)"
                            .into(),
                    ));
                }
                PragmaOutcome::SetPageSize(size)
            }
        },
        "cache_size" => match number(name, value)? {
            None => one("cache_size", Value::Integer(pager.pool_frames() as i64)),
            Some(n) => {
                let frames = if n >= 0 {
                    n as u64
                } else {
                    n.unsigned_abs().saturating_mul(1024) / u64::from(pager.page_size())
                };
                let frames = usize::try_from(frames).unwrap_or(usize::MAX).max(16);
                let bytes = (frames as u64).saturating_mul(u64::from(pager.page_size()));
                if bytes > walnut_pager::MAX_POOL_BYTES {
                    return Err(Error::Invalid(format!(
                        "PRAGMA cache_size: {n} would need a {} MiB buffer pool; walnut \
                         allocates its pool up front and allows at most {} MiB",
                        bytes >> 20,
                        walnut_pager::MAX_POOL_BYTES >> 20
                    )));
                }
                PragmaOutcome::SetPoolFrames(frames)
            }
        },
        "synchronous" => match value {
            None => one(
                "synchronous",
                Value::Integer(sync_value(pager.synchronous())),
            ),
            Some(v) => {
                pager.set_synchronous(parse_sync(v)?);
                PragmaOutcome::Rows(vec![], vec![])
            }
        },
        "wal_autocheckpoint" => {
            if let Some(n) = number(name, value)? {
                pager.set_autocheckpoint(u32::try_from(n.max(0)).unwrap_or(u32::MAX));
            }
            one(
                "wal_autocheckpoint",
                Value::Integer(i64::from(pager.autocheckpoint())),
            )
        }
        "wal_checkpoint" => {
            let r = pager.checkpoint()?;
            let done = r.wal_frames.saturating_sub(r.frames_remaining);
            PragmaOutcome::Rows(
                vec!["busy".into(), "log".into(), "checkpointed".into()],
                vec![vec![
                    Value::Integer(i64::from(r.frames_remaining > 0)),
                    Value::Integer(r.wal_frames as i64),
                    Value::Integer(done as i64),
                ]],
            )
        }
        "integrity_check" | "quick_check" => {
            let problems = integrity_check(src, schema)?;
            let rows = if problems.is_empty() {
                vec![vec![Value::Text("ok".into())]]
            } else {
                problems.into_iter().map(|p| vec![Value::Text(p)]).collect()
            };
            PragmaOutcome::Rows(vec![name.to_string()], rows)
        }
        "foreign_keys" => match value {
            None => one("foreign_keys", Value::Integer(0)),
            Some(v) => {
                let off = match v {
                    PragmaValue::Number(n) => *n == 0,
                    PragmaValue::Name(s) => {
                        matches!(s.to_ascii_lowercase().as_str(), "off" | "false" | "no")
                    }
                };
                if !off {
                    return Err(Error::Sql(crate::SqlError::NotSupported(
                        "foreign key enforcement (PRAGMA foreign_keys = ON)".into(),
                    )));
                }
                PragmaOutcome::Rows(vec![], vec![])
            }
        },
        "page_count" => one("page_count", Value::Integer(i64::from(header.page_count))),
        "freelist_count" => one(
            "freelist_count",
            Value::Integer(i64::from(header.freelist_count)),
        ),
        "schema_version" => one(
            "schema_version",
            Value::Integer(i64::from(header.schema_cookie)),
        ),
        "table_info" => {
            let t = schema.table(&name_arg(name, value)?)?;
            let rows = t
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        Value::Integer(i as i64),
                        Value::Text(c.name.clone()),
                        Value::Text(c.decl_type.clone()),
                        Value::Integer(i64::from(c.not_null)),
                        c.default
                            .as_ref()
                            .map(|d| Value::Text(d.to_string()))
                            .unwrap_or(Value::Null),
                        Value::Integer(c.pk as i64),
                    ]
                })
                .collect();
            PragmaOutcome::Rows(
                ["cid", "name", "type", "notnull", "dflt_value", "pk"]
                    .map(String::from)
                    .to_vec(),
                rows,
            )
        }
        "index_list" => {
            let t = schema.table(&name_arg(name, value)?)?;
            let mut indexes = schema.indexes_of(&t.name);
            indexes.reverse();
            let rows = indexes
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    vec![
                        Value::Integer(i as i64),
                        Value::Text(x.name.clone()),
                        Value::Integer(i64::from(x.unique)),
                        Value::Text(x.origin.code().into()),
                        Value::Integer(0),
                    ]
                })
                .collect();
            PragmaOutcome::Rows(
                ["seq", "name", "unique", "origin", "partial"]
                    .map(String::from)
                    .to_vec(),
                rows,
            )
        }
        "index_info" => {
            let iname = name_arg(name, value)?;
            let x = schema.find_index(&iname).ok_or_else(|| Error::NoSuch {
                kind: "index",
                name: iname.clone(),
            })?;
            let t = schema.table(&x.table)?;
            let rows = x
                .columns
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    vec![
                        Value::Integer(i as i64),
                        Value::Integer(c as i64),
                        Value::Text(t.columns[c].name.clone()),
                    ]
                })
                .collect();
            PragmaOutcome::Rows(["seqno", "cid", "name"].map(String::from).to_vec(), rows)
        }
        other => {
            return Err(Error::Sql(crate::SqlError::NotSupported(format!(
                "PRAGMA {other}"
            ))));
        }
    })
}

/// The B+Tree's structural check plus the SQL layer's own: every index
/// holds exactly one entry per row, with the row's current values.
pub fn integrity_check(src: &dyn PageSource, schema: &Schema) -> Result<Vec<String>> {
    let mut problems: Vec<String> = check_database(src, &[])?
        .into_iter()
        .map(|p| p.to_string())
        .collect();
    if !problems.is_empty() {
        return Ok(problems);
    }
    for table in schema.tables() {
        let indexes = schema.indexes_of(&table.name);
        let plan = crate::plan::plan_scan(table, &[], None, &[]);
        let mut rows = 0u64;
        let n = table.columns.len();
        scan(&ScanCtx::new(src, &[]), &plan, &mut |row| {
            rows += 1;
            let rowid = match row.get(n) {
                Some(Value::Integer(r)) => *r,
                _ => return Ok(true),
            };
            for index in &indexes {
                let k = index_key(index, &row, rowid);
                if !BTree::open(index.root).contains(src, &k)? {
                    problems.push(format!("row {rowid} missing from index {}", index.name));
                }
            }
            for (i, c) in table.columns.iter().enumerate() {
                if c.not_null && matches!(row[i], Value::Null) {
                    problems.push(format!("NULL value in {}.{}", table.name, c.name));
                }
            }
            Ok(problems.len() < 100)
        })?;
        for index in &indexes {
            let mut entries = 0u64;
            for kv in BTree::open(index.root).iter(src)? {
                let _ = kv?;
                entries += 1;
            }
            if entries != rows {
                problems.push(format!(
                    "wrong # of entries in index {} ({entries} entries, {rows} rows)",
                    index.name
                ));
            }
        }
    }
    Ok(problems)
}
