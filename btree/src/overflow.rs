//! Overflow chains: the part of a large value that does not fit in its
//! leaf cell.
//!
//! An overflow page (type [`PageType::Overflow`]) has this body:
//!
//! ```text
//! offset size field
//!  0      4   next overflow page (0 = last)
//!  4      4   bytes of value data on this page
//!  8    ...   value data
//! ```
//!
//! A chain is written back to front, so that every page is written once,
//! already knowing its successor. Reading follows the links and checks
//! that the chain delivers exactly the value length the cell promises,
//! with no cycle and no page of the wrong type. Deleting or replacing the
//! value frees every page of the chain.

use crate::error::{Result, corrupt};
use crate::node::{get32, put32};
use crate::source::PageSource;
use walnut_pager::{PageId, PageType, WriteTxn};

/// Size of the overflow page header inside the body.
pub const OVERFLOW_HEADER: usize = 8;

/// Writes `data` as a chain of overflow pages; returns the first page.
pub fn write_chain(tx: &WriteTxn, data: &[u8], per_page: usize) -> Result<PageId> {
    let mut next = 0;
    let chunks: Vec<&[u8]> = data.chunks(per_page).collect();
    for chunk in chunks.iter().rev() {
        let mut p = tx.allocate(PageType::Overflow)?;
        let body = p.body_mut();
        put32(body, 0, next);
        put32(body, 4, chunk.len() as u32);
        body[OVERFLOW_HEADER..OVERFLOW_HEADER + chunk.len()].copy_from_slice(chunk);
        next = p.id();
    }
    Ok(next)
}

/// Appends the chain starting at `head` to `out` until `out` holds `total`
/// bytes.
pub fn read_chain<S: PageSource + ?Sized>(
    src: &S,
    head: PageId,
    total: u64,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut page = head;
    let mut hops = 0u64;
    while (out.len() as u64) < total {
        if page == 0 {
            return Err(corrupt(
                head,
                format!("overflow chain ends after {} of {total} bytes", out.len()),
            ));
        }
        hops += 1;
        if hops > total + 1 {
            return Err(corrupt(head, "overflow chain has a cycle"));
        }
        let p = src.page(page)?;
        if p.page_type() != Some(PageType::Overflow) {
            return Err(corrupt(
                page,
                format!("expected an overflow page, found {:?}", p.page_type()),
            ));
        }
        let body = p.body();
        let n = get32(body, 4) as usize;
        let data = body
            .get(OVERFLOW_HEADER..OVERFLOW_HEADER + n)
            .ok_or_else(|| corrupt(page, format!("overflow page claims {n} bytes")))?;
        let want = (total - out.len() as u64).min(n as u64) as usize;
        out.extend_from_slice(&data[..want]);
        page = get32(body, 0);
    }
    Ok(())
}

/// The pages of a chain, in order (for freeing and checking). Stops with an
/// error at a cycle, a wrong page type, or more than `limit` pages.
pub fn chain_pages<S: PageSource + ?Sized>(
    src: &S,
    head: PageId,
    limit: u64,
) -> Result<Vec<PageId>> {
    let mut pages = Vec::new();
    let mut page = head;
    while page != 0 {
        if pages.len() as u64 >= limit {
            return Err(corrupt(
                head,
                "overflow chain is longer than its value needs (cycle?)",
            ));
        }
        let p = src.page(page)?;
        if p.page_type() != Some(PageType::Overflow) {
            return Err(corrupt(
                page,
                format!("expected an overflow page, found {:?}", p.page_type()),
            ));
        }
        pages.push(page);
        page = get32(p.body(), 0);
    }
    Ok(pages)
}

/// Frees every page of the chain starting at `head`.
pub fn free_chain(tx: &WriteTxn, head: PageId, value_len: u64, per_page: usize) -> Result<()> {
    let limit = value_len / per_page as u64 + 2;
    for p in chain_pages(tx, head, limit)? {
        tx.free(p)?;
    }
    Ok(())
}
