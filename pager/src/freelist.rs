//! The freelist: pages no tree uses, kept for reuse.
//!
//! Free pages are listed on *trunk* pages, chained from the header's
//! freelist head. A trunk's body (after the 24-byte page header):
//!
//! ```text
//! offset size field
//!  0      4   next trunk page (0 = last)
//!  4      4   n: number of leaf entries on this trunk
//!  8    4*n   leaf page numbers (free pages whose contents do not matter)
//! ```
//!
//! A trunk of a page of size `P` holds `(P - 24 - 8) / 4` leaves (1016 for
//! 4096-byte pages). The header's freelist count counts leaves and trunks.
//!
//! * **Free** `p`: if the first trunk has room, append `p` to its leaves;
//!   otherwise `p` itself becomes the new first trunk.
//! * **Allocate**: take the first trunk's last leaf; if it has none, take
//!   the trunk itself (its successor becomes the head). Only when the
//!   freelist is empty does the file grow.
//!
//! Leaf pages are not rewritten when they are freed (their old image stays
//! until reuse), which is why the freelist, not a page's type byte, is the
//! authority on what is free. The freelist changes inside the write
//! transaction like any other page, so it commits, rolls back and recovers
//! with everything else.

use crate::error::{PagerError, Result};
use crate::guard::PageMut;
use crate::page::{self, PAGE_HEADER_SIZE, PageId, PageType};
use crate::read_txn::ReadTxn;
use crate::write_txn::WriteTxn;
use std::collections::HashSet;

const NEXT: usize = 0;
const COUNT: usize = 4;
const LEAVES: usize = 8;

/// Leaves one trunk page holds.
pub fn trunk_capacity(page_size: u32) -> usize {
    (page_size as usize - PAGE_HEADER_SIZE - LEAVES) / 4
}

/// The freelist as one list: trunks and leaves, in chain order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Freelist {
    /// Trunk pages, first to last.
    pub trunks: Vec<PageId>,
    /// Leaf pages, trunk by trunk.
    pub leaves: Vec<PageId>,
}

impl Freelist {
    /// Every free page, trunks included.
    pub fn all(&self) -> Vec<PageId> {
        let mut v = self.trunks.clone();
        v.extend(&self.leaves);
        v
    }
}

fn corrupt(txn_path: &std::path::Path, page: PageId, why: impl Into<String>) -> PagerError {
    PagerError::Corrupt {
        path: txn_path.to_path_buf(),
        reason: format!("freelist trunk page {page}: {}", why.into()),
    }
}

/// Walks the trunk chain with `read(page) -> body bytes`, checking types,
/// ranges and cycles.
fn walk(
    head: PageId,
    page_count: u32,
    path: &std::path::Path,
    mut read: impl FnMut(PageId) -> Result<(Option<PageType>, Vec<u8>)>,
) -> Result<Freelist> {
    let mut list = Freelist::default();
    let mut seen = HashSet::new();
    let mut trunk = head;
    while trunk != 0 {
        if trunk < 2 || trunk > page_count || !seen.insert(trunk) {
            return Err(corrupt(path, trunk, "bad or repeated trunk link"));
        }
        let (t, body) = read(trunk)?;
        if t != Some(PageType::FreelistTrunk) {
            return Err(corrupt(path, trunk, format!("page type is {t:?}")));
        }
        let n = page::read_u32(&body, COUNT) as usize;
        if LEAVES + 4 * n > body.len() {
            return Err(corrupt(path, trunk, format!("leaf count {n} too large")));
        }
        list.trunks.push(trunk);
        for i in 0..n {
            let leaf = page::read_u32(&body, LEAVES + 4 * i);
            if leaf < 2 || leaf > page_count {
                return Err(corrupt(path, trunk, format!("leaf {leaf} out of range")));
            }
            list.leaves.push(leaf);
        }
        trunk = page::read_u32(&body, NEXT);
    }
    Ok(list)
}

impl ReadTxn {
    /// The freelist as of this snapshot.
    pub fn freelist(&self) -> Result<Freelist> {
        let h = self.header();
        walk(h.freelist_head, h.page_count, self.path(), |p| {
            let g = self.page(p)?;
            Ok((g.page_type(), g.body().to_vec()))
        })
    }
}

impl WriteTxn {
    /// The freelist as this transaction sees it.
    pub fn freelist(&self) -> Result<Freelist> {
        let h = self.header()?;
        walk(h.freelist_head, h.page_count, &self.shared.path, |p| {
            let g = self.page(p)?;
            Ok((g.page_type(), g.body().to_vec()))
        })
    }

    /// Allocates a page of type `t`, reusing a free page if there is one,
    /// else growing the file. The page comes back zeroed (its old contents
    /// are never read).
    pub fn allocate(&self, t: PageType) -> Result<PageMut<'_>> {
        let h = self.header()?;
        let id = if h.freelist_head == 0 {
            self.update_header(|h| h.page_count += 1)?.page_count
        } else {
            let trunk_id = h.freelist_head;
            let mut trunk = self.page_mut(trunk_id)?;
            if trunk.page_type() != Some(PageType::FreelistTrunk) {
                return Err(corrupt(&self.shared.path, trunk_id, "not a trunk page"));
            }
            let body = trunk.body_mut();
            let n = page::read_u32(body, COUNT) as usize;
            if n > 0 && LEAVES + 4 * n <= body.len() {
                let leaf = page::read_u32(body, LEAVES + 4 * (n - 1));
                if leaf < 2 || leaf > h.page_count {
                    return Err(corrupt(
                        &self.shared.path,
                        trunk_id,
                        format!("leaf {leaf} out of range"),
                    ));
                }
                page::write_u32(body, COUNT, n as u32 - 1);
                drop(trunk);
                self.update_header(|h| h.freelist_count = h.freelist_count.saturating_sub(1))?;
                leaf
            } else if n == 0 {
                let next = page::read_u32(body, NEXT);
                drop(trunk);
                self.update_header(|h| {
                    h.freelist_head = next;
                    h.freelist_count = h.freelist_count.saturating_sub(1);
                })?;
                trunk_id
            } else {
                return Err(corrupt(
                    &self.shared.path,
                    trunk_id,
                    format!("leaf count {n} too large"),
                ));
            }
        };
        self.fresh_private(id, t)
    }

    /// Returns page `id` to the freelist. Its contents are gone as far as
    /// the database is concerned; the page is reused before the file grows.
    pub fn free(&self, id: PageId) -> Result<()> {
        self.shape_changed();
        let page_count = self.page_count();
        if id < 2 || id > page_count {
            let reason = if id == 1 {
                "the header page is never free".to_string()
            } else {
                format!("out of range (the database has {page_count} pages)")
            };
            return Err(PagerError::InvalidFree { page: id, reason });
        }
        let h = self.header()?;
        if h.freelist_head != 0 {
            let mut trunk = self.page_mut(h.freelist_head)?;
            let cap = trunk_capacity(self.shared.page_size);
            let body = trunk.body_mut();
            let n = page::read_u32(body, COUNT) as usize;
            if n < cap {
                page::write_u32(body, LEAVES + 4 * n, id);
                page::write_u32(body, COUNT, n as u32 + 1);
                drop(trunk);
                self.update_header(|h| h.freelist_count += 1)?;
                return Ok(());
            }
        }
        {
            let mut trunk = self.fresh_private(id, PageType::FreelistTrunk)?;
            let body = trunk.body_mut();
            page::write_u32(body, NEXT, h.freelist_head);
            page::write_u32(body, COUNT, 0);
        }
        self.update_header(|h| {
            h.freelist_head = id;
            h.freelist_count += 1;
        })?;
        Ok(())
    }
}
