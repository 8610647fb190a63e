//! Helpers shared by the crash and model tests: a seeded RNG, stamped page
//! bodies, and a checker that compares a database with an in-memory model.
//!
//! A *model* is a `BTreeMap` from page id to the exact body bytes that page
//! must hold, for every live (allocated, not freed) page except the header
//! page. [`check_database`] (committed state, through a fresh read
//! transaction), [`check_read_view`] (one reader's snapshot) and
//! [`check_write_view`] (the write transaction's own view) prove that a
//! view agrees with a model:
//!
//! * every model page reads back byte for byte (which also means its
//!   checksum held, or the read would have failed);
//! * the header page, the freelist (walked trunk by trunk) and the model's
//!   pages together account for exactly pages `1..=page_count`, each once:
//!   no page is both live and free, none is lost, none was invented;
//! * the header's freelist count agrees with the walked freelist;
//! * every page up to the page count, free ones included, reads without a
//!   checksum or page-id error.
//!
//! Stamped bodies ([`stamped_body`]) make a mismatch explainable: each body
//! starts with the page id, the transaction number and the write number that
//! produced it, plus a checksum of the rest, so a failure message can say
//! "page 7 holds the version written by transaction 12 (write 3); the model
//! expected transaction 15 (write 1)" instead of printing a kilobyte of hex.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use walnut_pager::{PageId, Pager, PagerError, ReadTxn, WriteTxn};

/// Page size used by every test here: the smallest, so that small pools
/// and many pages stay cheap.
pub const PAGE_SIZE: u32 = 1024;

/// Bytes of a page the layers above own (page size minus the 24-byte
/// page header).
pub const BODY_LEN: usize = PAGE_SIZE as usize - 24;

/// Live pages and the exact body each must hold.
pub type Model = BTreeMap<PageId, Vec<u8>>;

/// The workspace's seeded generator (splitmix64).
pub use walnut_pager::rng::SplitMix64 as Rng;

/// A uniformly chosen key of a map, `None` if it is empty.
pub fn pick<V>(rng: &mut Rng, map: &BTreeMap<PageId, V>) -> Option<PageId> {
    if map.is_empty() {
        return None;
    }
    map.keys().nth(rng.index(map.len())).copied()
}

/// FNV-1a, 32 bits: the stamp's checksum of a body's payload.
pub fn fnv32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Where the stamp's fields live in a body.
const STAMP_PAGE: usize = 0;
const STAMP_TXN: usize = 4;
const STAMP_WRITE: usize = 12;
const STAMP_SUM: usize = 16;
const STAMP_END: usize = 20;

/// A body for page `page`, written by transaction `txn` as its `write`-th
/// write: the stamp (page, txn, write, checksum of the payload) followed by
/// a payload that is pseudo-random but fully determined by those three, so
/// two different writes never produce the same body.
pub fn stamped_body(page: PageId, txn: u64, write: u32) -> Vec<u8> {
    let mut body = vec![0u8; BODY_LEN];
    body[STAMP_PAGE..STAMP_TXN].copy_from_slice(&page.to_be_bytes());
    body[STAMP_TXN..STAMP_WRITE].copy_from_slice(&txn.to_be_bytes());
    body[STAMP_WRITE..STAMP_SUM].copy_from_slice(&write.to_be_bytes());
    let mut rng = Rng::new(((page as u64) << 40) ^ (txn << 16) ^ write as u64);
    for chunk in body[STAMP_END..].chunks_mut(8) {
        let bytes = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    let sum = fnv32(&body[STAMP_END..]);
    body[STAMP_SUM..STAMP_END].copy_from_slice(&sum.to_be_bytes());
    body
}

/// What a body's stamp says, for failure messages.
pub fn describe_body(body: &[u8]) -> String {
    if body.len() < STAMP_END {
        return format!("a {}-byte body", body.len());
    }
    if body.iter().all(|&b| b == 0) {
        return "an all-zero body".to_string();
    }
    let u32_at = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&body[at..at + 4]);
        u32::from_be_bytes(b)
    };
    let mut txn = [0u8; 8];
    txn.copy_from_slice(&body[STAMP_TXN..STAMP_WRITE]);
    if fnv32(&body[STAMP_END..]) != u32_at(STAMP_SUM) {
        return format!("an unstamped body starting {:02x?}", &body[..8]);
    }
    format!(
        "stamp(page {}, txn {}, write {})",
        u32_at(STAMP_PAGE),
        u64::from_be_bytes(txn),
        u32_at(STAMP_WRITE),
    )
}

/// Describes the first difference between a page's actual and expected
/// body, or `None` if they are equal.
pub fn body_mismatch(page: PageId, actual: &[u8], expected: &[u8]) -> Option<String> {
    if actual == expected {
        return None;
    }
    let first = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    Some(format!(
        "page {page}: holds {} but the model expects {} (first difference at body byte {first})",
        describe_body(actual),
        describe_body(expected)
    ))
}

fn err(what: &str, e: PagerError) -> String {
    format!("{what}: {e}")
}

/// Checks a database, as a fresh read transaction of `pager` sees it,
/// against `model`; returns a description of the first disagreement.
/// See the module documentation for what is checked.
pub fn check_database(pager: &Pager, model: &Model) -> Result<(), String> {
    let rx = pager.begin_read().map_err(|e| err("begin_read", e))?;
    check_read_view(&rx, model)
}

/// Checks what the read transaction `rx` sees (its snapshot) against
/// `model`, as [`check_database`] does.
pub fn check_read_view(rx: &ReadTxn, model: &Model) -> Result<(), String> {
    let freelist = rx.freelist().map_err(|e| err("walking the freelist", e))?;
    check_view(
        rx.page_count(),
        rx.header().freelist_count,
        &freelist.all(),
        |p| rx.page(p).map(|page| page.body().to_vec()),
        model,
    )
}

/// Checks what the write transaction `tx` sees (its own changes included)
/// against `model`, as [`check_database`] does for committed state.
pub fn check_write_view(tx: &WriteTxn, model: &Model) -> Result<(), String> {
    let header = tx.header().map_err(|e| err("reading the header", e))?;
    if header.page_count != tx.page_count() {
        return Err(format!(
            "the transaction's page_count() is {} but its header says {}",
            tx.page_count(),
            header.page_count
        ));
    }
    let freelist = tx.freelist().map_err(|e| err("walking the freelist", e))?;
    check_view(
        header.page_count,
        header.freelist_count,
        &freelist.all(),
        |p| tx.page(p).map(|page| page.body().to_vec()),
        model,
    )
}

/// The checks shared by committed and in-transaction views: `read` returns
/// a page's body.
fn check_view(
    page_count: u32,
    freelist_count: u32,
    free: &[PageId],
    read: impl Fn(PageId) -> Result<Vec<u8>, PagerError>,
    model: &Model,
) -> Result<(), String> {
    let mut owner: BTreeMap<PageId, &'static str> = BTreeMap::new();
    owner.insert(1, "the header page");
    for &p in free {
        if let Some(other) = owner.insert(p, "on the freelist") {
            return Err(format!(
                "page {p} is on the freelist and is also {other} (freelist {free:?})"
            ));
        }
    }
    for &p in model.keys() {
        if let Some(other) = owner.insert(p, "live") {
            return Err(format!(
                "page {p} is live in the model but the database has it {other}"
            ));
        }
    }
    let expected: BTreeSet<PageId> = (1..=page_count).collect();
    let accounted: BTreeSet<PageId> = owner.keys().copied().collect();
    if accounted != expected {
        let missing: Vec<_> = expected.difference(&accounted).collect();
        let extra: Vec<_> = accounted.difference(&expected).collect();
        return Err(format!(
            "page_count is {page_count}, but header + freelist + live pages leave \
             {missing:?} unaccounted for and {extra:?} out of range \
             (live {:?}, free {free:?})",
            model.keys().collect::<Vec<_>>()
        ));
    }
    if freelist_count as usize != free.len() {
        return Err(format!(
            "header freelist_count is {freelist_count} but the freelist holds {} pages",
            free.len()
        ));
    }
    for p in 1..=page_count {
        let body = read(p).map_err(|e| err(&format!("reading page {p}"), e))?;
        if let Some(expected) = model.get(&p)
            && let Some(why) = body_mismatch(p, &body, expected)
        {
            return Err(why);
        }
    }
    Ok(())
}
