//! Tree statistics: how big a tree is, and how well it uses its pages.
//!
//! Like SQLite's `dbstat` table, [`tree_stats`] walks every page of one
//! tree and adds up what it finds:
//!
//! * the **shape**: height (levels, a lone root leaf is 1), and the pages
//!   of each kind: interior, leaf, overflow;
//! * the **contents**: entries in the leaves, separator keys in the
//!   interior nodes, and the payload (key and value bytes of every entry,
//!   overflowed parts included);
//! * the **waste**: unused bytes (the free space of each tree page, holes
//!   left by removed cells included, plus the unfilled tail of each
//!   overflow page), and the average fill of the tree pages, and of the
//!   leaves alone.
//!
//! Fill is measured against the space a node can give to cells: a page
//! body minus the 16-byte node header. A node freshly split evenly is about
//! half full; the delete path merges nodes that fall below a third, so a
//! tree that has seen many random inserts and deletes usually sits between
//! 50% and 80%. Keys inserted in increasing order split unevenly (see
//! `tree`: the left node stays full), so a bulk load in key order leaves
//! its leaves nearly full; the leaf fill is the figure to watch there,
//! since the few interior pages, the rightmost path's nearly empty ones
//! among them, weigh on the overall average of a small tree.
//!
//! Statistics describe a healthy tree: a damaged page is an error (with
//! the page number), not a guess. Use [`crate::check`] to find damage.

use crate::cell;
use crate::check::{checked_cell, layout_of};
use crate::error::{Result, corrupt};
use crate::node::{self, Kind, get32};
use crate::overflow;
use crate::source::PageSource;
use crate::tree::{BTree, MAX_DEPTH, node_kind};
use std::collections::HashSet;
use std::fmt;
use walnut_pager::PageId;

/// What one tree holds and how full its pages are.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TreeStats {
    /// Levels from the root to the leaves (a tree that is one leaf: 1).
    pub height: usize,
    /// Interior pages.
    pub interior_pages: u64,
    /// Leaf pages.
    pub leaf_pages: u64,
    /// Overflow pages (the tails of large values).
    pub overflow_pages: u64,
    /// Entries (leaf cells).
    pub cells: u64,
    /// Separator keys (interior cells).
    pub interior_cells: u64,
    /// Key and value bytes of all entries, overflowed parts included.
    pub payload_bytes: u64,
    /// Free bytes in tree pages plus unfilled bytes in overflow pages.
    pub unused_bytes: u64,
    /// Fraction (0.0 to 1.0) of the tree pages' cell space in use.
    pub average_fill: f64,
    /// Fraction (0.0 to 1.0) of the leaf pages' cell space in use.
    pub leaf_fill: f64,
}

/// Walks `tree` and adds up its pages, cells and bytes.
pub fn tree_stats<S: PageSource + ?Sized>(src: &S, tree: BTree) -> Result<TreeStats> {
    let layout = layout_of(&src.db_header()?)?;
    let mut st = TreeStats::default();
    let (mut used, mut capacity) = (0u64, 0u64);
    let (mut leaf_used, mut leaf_capacity) = (0u64, 0u64);
    let mut seen = HashSet::new();
    let mut stack: Vec<(PageId, usize)> = vec![(tree.root(), 1)];
    let mut chains = Vec::new();
    while let Some((id, depth)) = stack.pop() {
        if depth > MAX_DEPTH || !seen.insert(id) {
            return Err(corrupt(id, "page reached twice (a cycle?)"));
        }
        st.height = st.height.max(depth);
        let p = src.page(id)?;
        let body = p.body();
        let kind = node_kind(id, p.page_type())?;
        let room = node::capacity(body.len());
        let free = node::free_space(body).min(room);
        capacity += room as u64;
        used += (room - free) as u64;
        st.unused_bytes += free as u64;
        let n = node::ncells(body);
        let cell_at = |i| {
            checked_cell(body, kind, i).ok_or_else(|| corrupt(id, format!("cell {i} is damaged")))
        };
        match kind {
            Kind::Interior => {
                st.interior_pages += 1;
                st.interior_cells += n as u64;
                // Pushed right to left, so children pop in key order.
                stack.push((node::right(body), depth + 1));
                for i in (0..n).rev() {
                    stack.push((cell::interior_child(cell_at(i)?), depth + 1));
                }
            }
            Kind::Leaf => {
                st.leaf_pages += 1;
                leaf_capacity += room as u64;
                leaf_used += (room - free) as u64;
                st.cells += n as u64;
                for i in 0..n {
                    let c = cell::leaf(cell_at(i)?, body.len());
                    st.payload_bytes += c.key.len() as u64 + c.value_len;
                    if c.overflow != 0 {
                        chains.push((c.overflow, c.value_len));
                    }
                }
            }
        }
    }
    for (head, value_len) in chains {
        let limit = value_len / layout.overflow_data as u64 + 2;
        for page in overflow::chain_pages(src, head, limit)? {
            let n = get32(src.page(page)?.body(), 4) as usize;
            st.overflow_pages += 1;
            st.unused_bytes += layout.overflow_data.saturating_sub(n) as u64;
        }
    }
    let fraction = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    st.average_fill = fraction(used, capacity);
    st.leaf_fill = fraction(leaf_used, leaf_capacity);
    Ok(st)
}

impl fmt::Display for TreeStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pages = self.interior_pages + self.leaf_pages + self.overflow_pages;
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let rows = [
            ("height", plural(self.height as u64, "level", "levels")),
            ("pages", format!("{pages}")),
            (
                "  interior",
                format!(
                    "{}  ({} separator keys)",
                    self.interior_pages, self.interior_cells
                ),
            ),
            (
                "  leaf",
                format!(
                    "{}  ({})",
                    self.leaf_pages,
                    plural(self.cells, "entry", "entries")
                ),
            ),
            ("  overflow", format!("{}", self.overflow_pages)),
            (
                "payload",
                format!("{} bytes of keys and values", self.payload_bytes),
            ),
            ("unused", format!("{} bytes", self.unused_bytes)),
            (
                "average fill",
                format!("{:.1}% of tree page space", self.average_fill * 100.0),
            ),
            (
                "leaf fill",
                format!("{:.1}% of leaf page space", self.leaf_fill * 100.0),
            ),
        ];
        for (name, value) in rows {
            writeln!(f, "{name:<14}{value}")?;
        }
        Ok(())
    }
}
