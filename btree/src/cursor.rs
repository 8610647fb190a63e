//! Cursors and range iteration.
//!
//! A cursor is a position in the leaf level: a leaf page and a cell index.
//! Seeking descends from the root; stepping moves along the cells of a
//! leaf and then follows the leaf's sibling link, so a scan reads every
//! leaf once and never revisits interior pages.
//!
//! A cursor holds no page pinned between calls (it keeps page numbers, not
//! guards), so it never blocks eviction. The price: a cursor's position is
//! only meaningful while the tree does not change under it. After
//! modifying the tree, seek again by key.

use crate::cell;
use crate::error::Result;
use crate::node::{self, Kind};
use crate::source::PageSource;
use crate::tree::{BTree, MAX_DEPTH, node_kind, read_value};
use std::ops::Bound;
use walnut_pager::PageId;

/// A position in a tree.
#[derive(Debug)]
pub struct Cursor<'s, S: PageSource + ?Sized> {
    src: &'s S,
    tree: BTree,
    leaf: PageId,
    idx: usize,
    valid: bool,
    /// Leaves crossed along sibling links since the last seek.
    hops: u64,
    /// The database's page count, read at the first hop: no walk along
    /// sibling links can cross more leaves than that without a cycle.
    max_hops: Option<u64>,
}

impl<'s, S: PageSource + ?Sized> Cursor<'s, S> {
    /// A cursor over `tree`, not yet positioned.
    pub fn new(tree: BTree, src: &'s S) -> Self {
        Cursor {
            src,
            tree,
            leaf: 0,
            idx: 0,
            valid: false,
            hops: 0,
            max_hops: None,
        }
    }

    /// Whether the cursor is on an entry.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Positions on the first key `>= key`. Returns whether there is one.
    pub fn seek_ge(&mut self, key: &[u8]) -> Result<bool> {
        self.hops = 0;
        let (leaf, page) = self.tree.leaf_for(self.src, key)?;
        let found = node::search(page.body(), Kind::Leaf, key);
        drop(page);
        let idx = match found {
            Ok(i) | Err(i) => i,
        };
        self.settle_forward(leaf, idx)
    }

    /// Positions on the first key `> key`.
    pub fn seek_gt(&mut self, key: &[u8]) -> Result<bool> {
        self.hops = 0;
        let (leaf, page) = self.tree.leaf_for(self.src, key)?;
        let found = node::search(page.body(), Kind::Leaf, key);
        drop(page);
        let idx = match found {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.settle_forward(leaf, idx)
    }

    /// Positions exactly on `key`. Returns whether it exists (if not, the
    /// cursor is invalid).
    pub fn seek_exact(&mut self, key: &[u8]) -> Result<bool> {
        let (leaf, page) = self.tree.leaf_for(self.src, key)?;
        let found = node::search(page.body(), Kind::Leaf, key);
        drop(page);
        match found {
            Ok(i) => {
                (self.leaf, self.idx, self.valid) = (leaf, i, true);
            }
            Err(_) => self.valid = false,
        }
        Ok(self.valid)
    }

    /// Positions on the last key `<= key`.
    pub fn seek_le(&mut self, key: &[u8]) -> Result<bool> {
        self.hops = 0;
        let (leaf, page) = self.tree.leaf_for(self.src, key)?;
        let found = node::search(page.body(), Kind::Leaf, key);
        drop(page);
        match found {
            Ok(i) => {
                (self.leaf, self.idx, self.valid) = (leaf, i, true);
                Ok(true)
            }
            Err(i) => self.settle_backward(leaf, i),
        }
    }

    /// Positions on the last key `< key`.
    pub fn seek_lt(&mut self, key: &[u8]) -> Result<bool> {
        self.hops = 0;
        let (leaf, page) = self.tree.leaf_for(self.src, key)?;
        let found = node::search(page.body(), Kind::Leaf, key);
        drop(page);
        let i = match found {
            Ok(i) | Err(i) => i,
        };
        self.settle_backward(leaf, i)
    }

    /// Positions on the smallest key.
    pub fn first(&mut self) -> Result<bool> {
        self.hops = 0;
        let leaf = self.edge_leaf(false)?;
        self.settle_forward(leaf, 0)
    }

    /// Positions on the largest key.
    pub fn last(&mut self) -> Result<bool> {
        self.hops = 0;
        let leaf = self.edge_leaf(true)?;
        let n = node::ncells(self.src.page(leaf)?.body());
        self.settle_backward(leaf, n)
    }

    /// Moves to the next key. Returns whether there is one.
    pub fn move_next(&mut self) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        self.settle_forward(self.leaf, self.idx + 1)
    }

    /// Moves to the previous key.
    pub fn move_prev(&mut self) -> Result<bool> {
        if !self.valid {
            return Ok(false);
        }
        self.settle_backward(self.leaf, self.idx)
    }

    /// The current key.
    pub fn key(&self) -> Result<Vec<u8>> {
        let p = self.src.page(self.leaf)?;
        Ok(node::key(p.body(), Kind::Leaf, self.idx).to_vec())
    }

    /// The current value (overflow chain included).
    pub fn value(&self) -> Result<Vec<u8>> {
        let p = self.src.page(self.leaf)?;
        let c = cell::leaf(node::cell(p.body(), Kind::Leaf, self.idx), p.body().len());
        read_value(self.src, &c)
    }

    /// The current key and value.
    pub fn entry(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        let p = self.src.page(self.leaf)?;
        let body = p.body();
        let c = cell::leaf(node::cell(body, Kind::Leaf, self.idx), body.len());
        Ok((c.key.to_vec(), read_value(self.src, &c)?))
    }

    /// Counts one crossing along a sibling link from `leaf`. Keys are
    /// checked at each crossing too, but a damaged leaf whose keys go down
    /// inside it could hide a cycle from that check; the count cannot be
    /// fooled.
    fn hop(&mut self, leaf: PageId) -> Result<()> {
        self.hops += 1;
        let max = match self.max_hops {
            Some(max) => max,
            None => {
                let max = u64::from(self.src.db_header()?.page_count);
                self.max_hops = Some(max);
                max
            }
        };
        if self.hops > max {
            return Err(too_many_hops(leaf, max));
        }
        Ok(())
    }

    fn edge_leaf(&self, rightmost: bool) -> Result<PageId> {
        let mut id = self.tree.root();
        for _ in 0..=MAX_DEPTH {
            let p = self.src.page(id)?;
            match node_kind(id, p.page_type())? {
                Kind::Leaf => return Ok(id),
                Kind::Interior => {
                    let slot = if rightmost { node::ncells(p.body()) } else { 0 };
                    id = node::child_at(p.body(), slot);
                }
            }
        }
        Err(crate::error::corrupt(
            self.tree.root(),
            "tree deeper than possible (cycle?)",
        ))
    }

    /// Lands on (leaf, idx), or the first entry after it along the siblings.
    ///
    /// Keys grow strictly from one leaf to the next; a sibling chain that
    /// goes back (a damaged link, or a cycle) is an error, not an endless
    /// scan.
    fn settle_forward(&mut self, mut leaf: PageId, mut idx: usize) -> Result<bool> {
        let mut left_behind: Option<Vec<u8>> = None;
        loop {
            let p = self.src.page(leaf)?;
            node_kind(leaf, p.page_type())?;
            let n = node::ncells(p.body());
            if idx < n {
                if let Some(prev) = &left_behind
                    && node::key(p.body(), Kind::Leaf, idx) <= prev.as_slice()
                {
                    return Err(out_of_order(leaf, "right"));
                }
                (self.leaf, self.idx, self.valid) = (leaf, idx, true);
                return Ok(true);
            }
            if n > 0 {
                left_behind = Some(node::key(p.body(), Kind::Leaf, n - 1).to_vec());
            }
            let next = node::right(p.body());
            if next == 0 {
                self.valid = false;
                return Ok(false);
            }
            drop(p);
            self.hop(leaf)?;
            (leaf, idx) = (next, 0);
        }
    }

    /// Lands on the entry just before (leaf, idx), along the siblings (the
    /// mirror of [`settle_forward`](Self::settle_forward)).
    fn settle_backward(&mut self, mut leaf: PageId, mut idx: usize) -> Result<bool> {
        let mut left_behind: Option<Vec<u8>> = None;
        loop {
            let p = self.src.page(leaf)?;
            let n = node::ncells(p.body());
            if idx > 0 && n > 0 {
                let at = (idx - 1).min(n - 1);
                if let Some(prev) = &left_behind
                    && node::key(p.body(), Kind::Leaf, at) >= prev.as_slice()
                {
                    return Err(out_of_order(leaf, "left"));
                }
                (self.leaf, self.idx, self.valid) = (leaf, at, true);
                return Ok(true);
            }
            if n > 0 {
                left_behind = Some(node::key(p.body(), Kind::Leaf, 0).to_vec());
            }
            let prev = node::left(p.body());
            if prev == 0 {
                self.valid = false;
                return Ok(false);
            }
            drop(p);
            self.hop(leaf)?;
            leaf = prev;
            idx = node::ncells(self.src.page(leaf)?.body());
        }
    }
}

fn out_of_order(leaf: PageId, side: &str) -> crate::error::BTreeError {
    crate::error::corrupt(
        leaf,
        format!(
            "following {side}-sibling links, the keys go out of order at this leaf \
             (a damaged sibling link, or a cycle)"
        ),
    )
}

fn too_many_hops(leaf: PageId, pages: u64) -> crate::error::BTreeError {
    crate::error::corrupt(
        leaf,
        format!(
            "the leaf sibling chain crosses more leaves than the database's {pages} pages: \
             a cycle"
        ),
    )
}

/// Which way a range runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending keys.
    Forward,
    /// Descending keys.
    Backward,
}

/// An iterator over the entries of a key range.
#[derive(Debug)]
pub struct Range<'s, S: PageSource + ?Sized> {
    cursor: Cursor<'s, S>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    direction: Direction,
    started: bool,
    done: bool,
}

impl BTree {
    /// A cursor over this tree.
    pub fn cursor<'s, S: PageSource + ?Sized>(&self, src: &'s S) -> Cursor<'s, S> {
        Cursor::new(*self, src)
    }

    /// The entries with keys between `lower` and `upper`, in `direction`.
    pub fn range<'s, S: PageSource + ?Sized>(
        &self,
        src: &'s S,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        direction: Direction,
    ) -> Range<'s, S> {
        Range {
            cursor: self.cursor(src),
            lower: lower.map(|b| b.to_vec()),
            upper: upper.map(|b| b.to_vec()),
            direction,
            started: false,
            done: false,
        }
    }

    /// Every entry, in key order.
    pub fn iter<'s, S: PageSource + ?Sized>(&self, src: &'s S) -> Result<Range<'s, S>> {
        Ok(self.range(src, Bound::Unbounded, Bound::Unbounded, Direction::Forward))
    }
}

impl<S: PageSource + ?Sized> Range<'_, S> {
    fn step(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        if self.done {
            return Ok(None);
        }
        let c = &mut self.cursor;
        let on = if !self.started {
            self.started = true;
            match (self.direction, &self.lower, &self.upper) {
                (Direction::Forward, Bound::Included(k), _) => c.seek_ge(k)?,
                (Direction::Forward, Bound::Excluded(k), _) => c.seek_gt(k)?,
                (Direction::Forward, Bound::Unbounded, _) => c.first()?,
                (Direction::Backward, _, Bound::Included(k)) => c.seek_le(k)?,
                (Direction::Backward, _, Bound::Excluded(k)) => c.seek_lt(k)?,
                (Direction::Backward, _, Bound::Unbounded) => c.last()?,
            }
        } else {
            match self.direction {
                Direction::Forward => c.move_next()?,
                Direction::Backward => c.move_prev()?,
            }
        };
        if !on {
            self.done = true;
            return Ok(None);
        }
        let (k, v) = c.entry()?;
        let inside = match self.direction {
            Direction::Forward => match &self.upper {
                Bound::Included(u) => k <= *u,
                Bound::Excluded(u) => k < *u,
                Bound::Unbounded => true,
            },
            Direction::Backward => match &self.lower {
                Bound::Included(l) => k >= *l,
                Bound::Excluded(l) => k > *l,
                Bound::Unbounded => true,
            },
        };
        if !inside {
            self.done = true;
            return Ok(None);
        }
        Ok(Some((k, v)))
    }
}

impl<S: PageSource + ?Sized> Iterator for Range<'_, S> {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(Some(kv)) => Some(Ok(kv)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
