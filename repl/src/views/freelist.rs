//! `.freelist`: the pages no table or index uses, waiting for reuse.
//!
//! When a tree gives a page up (a delete empties a leaf, a merge, a large
//! value shrinks, a table is dropped) the page goes on the freelist, and
//! the next allocation takes it before the file grows. The header page
//! records the first *trunk* page and how many pages are free; each trunk
//! lists free pages (its *leaves*) and links to the next trunk:
//!
//! ```text
//! header: freelist head -> trunk 9 -> trunk 4 -> none
//!                          [3 7 8]    [12]
//! ```
//!
//! A trunk's body: the next trunk (4 bytes), the number of leaves (4
//! bytes), then the leaves' page numbers (4 bytes each). Freeing a page
//! appends it to the first trunk, or makes it the new first trunk when
//! that one is full; allocating takes the first trunk's last leaf, or the
//! trunk itself once it lists nothing. A leaf's bytes are not touched
//! when it is freed: the freelist, not the page, says it is free.

use super::{link, plural, wrapped};
use crate::error::Result;
use std::fmt::Write as _;
use walnut_btree::inspect::{Content, inspect};
use walnut_pager::{Pager, trunk_capacity};

/// Page numbers listed per line.
const WIDTH: usize = 78;

/// Every trunk page, the free pages it lists, and the totals.
pub fn freelist(pager: &Pager) -> Result<String> {
    let rx = pager.begin_read()?;
    let header = rx.header();
    let list = rx.freelist()?;
    let total = list.trunks.len() + list.leaves.len();
    let mut out = format!(
        "freelist: {} ({}, {}) of {}\n",
        plural(total as u64, "free page", "free pages"),
        plural(list.trunks.len() as u64, "trunk", "trunks"),
        plural(list.leaves.len() as u64, "leaf", "leaves"),
        plural(header.page_count, "page", "pages"),
    );
    if u64::from(header.freelist_count) != total as u64 {
        let _ = writeln!(
            out,
            "the header counts {} free pages, but the trunks list {total}",
            header.freelist_count
        );
    }
    let _ = writeln!(
        out,
        "first trunk (from the header): {}; each trunk holds up to {} page numbers",
        link(header.freelist_head),
        trunk_capacity(header.page_size)
    );
    for (i, &trunk) in list.trunks.iter().enumerate() {
        let leaves = match inspect(rx.page(trunk)?.data()).content {
            Content::FreelistTrunk { leaves, .. } => leaves,
            _ => Vec::new(),
        };
        let next = list.trunks.get(i + 1).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "\ntrunk {trunk} (next trunk {}): {}",
            link(next),
            plural(leaves.len() as u64, "leaf", "leaves")
        );
        let items: Vec<String> = leaves.iter().map(|p| p.to_string()).collect();
        out.push_str(&wrapped(&items, "  ", WIDTH));
    }
    Ok(out)
}
